/*
 * metrics.c: AUC, confusion counts and the accuracies derived from them.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

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
