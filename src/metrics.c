/*
 * metrics.c: AUC, confusion counts and the accuracies derived from them,
 * ROC and precision-recall curves.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

struct scored {
	float s;
	float y;
};

static int
by_score(const void *a, const void *b)
{
	float x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;

	return (x > y) - (x < y);
}

enum nu_status
nu_auc(const float *score, const float *label, size_t n, double *auc)
{
	struct scored *v = malloc((n ? n : 1) * sizeof(*v));
	double npos = 0, nneg = 0, ranksum = 0;

	*auc = NAN;
	if (v == NULL)
		return NU_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (isnan(score[i])) {
			/* no order, no area (and NaN == NaN would never end a
			 * group of ties below) */
			free(v);
			return NU_OK;
		}
		v[i].s = score[i];
		v[i].y = label[i];
		if (label[i] > 0.5f)
			npos++;
		else
			nneg++;
	}
	if (npos == 0 || nneg == 0) {
		free(v);
		return NU_OK;
	}
	qsort(v, n, sizeof(*v), by_score);
	for (size_t i = 0; i < n; ) {
		size_t j = i;
		double mid, pos = 0;

		while (j < n && v[j].s == v[i].s)
			j++;
		/* ranks i+1 .. j share their mean */
		mid = 0.5 * ((double)(i + 1) + (double)j);
		for (size_t k = i; k < j; k++)
			pos += v[k].y > 0.5f;
		ranksum += pos * mid;
		i = j;
	}
	free(v);
	*auc = (ranksum - npos * (npos + 1) / 2) / (npos * nneg);
	return NU_OK;
}

void
nu_confusion_at(const float *score, const float *label, const float *w, size_t n,
    double t, struct nu_confusion *c)
{
	/* scores are float32: compare in float, so a score of 0.8f is not
	 * "above" a threshold of 0.8 */
	float tf = (float)t;

	c->tp = c->fp = c->tn = c->fn = 0;
	for (size_t i = 0; i < n; i++) {
		double wi = w != NULL ? w[i] : 1.0;
		int sel = score[i] > tf, sig = label[i] > 0.5f;

		if (sel && sig)
			c->tp += wi;
		else if (sel)
			c->fp += wi;
		else if (sig)
			c->fn += wi;
		else
			c->tn += wi;
	}
}

double
nu_accuracy(const struct nu_confusion *c)
{
	double n = c->tp + c->fp + c->tn + c->fn;

	return n > 0 ? (c->tp + c->tn) / n : NAN;
}

double
nu_balanced_accuracy(const struct nu_confusion *c)
{
	double eff = c->tp + c->fn > 0 ? c->tp / (c->tp + c->fn) : NAN;
	double rej = c->tn + c->fp > 0 ? c->tn / (c->tn + c->fp) : NAN;

	if (isnan(eff))
		return rej;
	if (isnan(rej))
		return eff;
	return 0.5 * (eff + rej);
}

/* ---- ROC and precision-recall curves ------------------------------------ */

void
nu_curve_free(struct nu_curve *c)
{
	if (c == NULL)
		return;
	free(c->x);
	free(c->y);
	free(c->t);
	memset(c, 0, sizeof(*c));
}

static int
by_score_desc(const void *a, const void *b)
{
	float x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;

	return (x < y) - (x > y);
}

/* Scores sorted by decreasing value, and the class totals. */
static struct scored *
sorted(const float *score, const float *label, size_t n, double *pos, double *neg)
{
	struct scored *v = malloc((n ? n : 1) * sizeof(*v));

	*pos = *neg = 0;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		v[i].s = score[i];
		v[i].y = label[i] > 0.5f ? 1.0f : 0.0f;
		*pos += v[i].y;
	}
	*neg = (double)n - *pos;
	qsort(v, n, sizeof(*v), by_score_desc);
	return v;
}

static int
curve_alloc(struct nu_curve *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->x = malloc(cap * sizeof(double));
	c->y = malloc(cap * sizeof(double));
	c->t = malloc(cap * sizeof(double));
	if (c->x == NULL || c->y == NULL || c->t == NULL) {
		nu_curve_free(c);
		return 0;
	}
	return 1;
}

/*
 * Walk the groups of tied scores from the highest down, calling back with
 * the counts selected so far and the group's score.
 */
typedef void (*group_fn)(double tp, double fp, double score, void *ud);

static void
walk(const struct scored *v, size_t n, group_fn fn, void *ud)
{
	double tp = 0, fp = 0;

	for (size_t i = 0; i < n; ) {
		size_t j = i;

		/* at least one event per group, whatever the scores (a NaN
		 * equals nothing, itself included) */
		do {
			tp += v[j].y;
			fp += 1.0 - v[j].y;
			j++;
		} while (j < n && v[j].s == v[i].s);
		fn(tp, fp, v[i].s, ud);
		i = j;
	}
}

struct rocwalk {
	struct nu_curve *c;
	double pos, neg;
};

static void
roc_point(double tp, double fp, double score, void *ud)
{
	struct rocwalk *w = ud;
	struct nu_curve *c = w->c;

	c->x[c->n] = w->neg > 0 ? fp / w->neg : NAN;
	c->y[c->n] = w->pos > 0 ? tp / w->pos : NAN;
	c->t[c->n] = score;
	c->n++;
}

enum nu_status
nu_roc(const float *score, const float *label, size_t n, struct nu_curve *c,
    char **cause)
{
	struct rocwalk w = { .c = c };
	struct scored *v = sorted(score, label, n, &w.pos, &w.neg);

	if (v == NULL || !curve_alloc(c, n + 1)) {
		free(v);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for a ROC curve");
	}
	/* nothing selected: above every score */
	c->x[0] = c->y[0] = 0;
	c->t[0] = INFINITY;
	c->n = 1;
	walk(v, n, roc_point, &w);
	free(v);
	return NU_OK;
}

struct prwalk {
	struct nu_curve *c;
	double pos, rprev, ap;
};

static void
pr_point(double tp, double fp, double score, void *ud)
{
	struct prwalk *w = ud;
	struct nu_curve *c = w->c;
	double r = w->pos > 0 ? tp / w->pos : NAN, p = tp / (tp + fp);

	c->x[c->n] = r;
	c->y[c->n] = p;
	c->t[c->n] = score;
	c->n++;
	w->ap += (r - w->rprev) * p;
	w->rprev = r;
}

enum nu_status
nu_pr(const float *score, const float *label, size_t n, struct nu_curve *c,
    double *ap, char **cause)
{
	struct prwalk w = { .c = c };
	double neg;
	struct scored *v = sorted(score, label, n, &w.pos, &neg);

	if (v == NULL || !curve_alloc(c, n + 1)) {
		free(v);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for a PR curve");
	}
	c->x[0] = 0;
	c->y[0] = 1;
	c->t[0] = INFINITY;
	c->n = 1;
	walk(v, n, pr_point, &w);
	free(v);
	*ap = w.pos > 0 ? w.ap : NAN;
	return NU_OK;
}
