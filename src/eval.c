/*
 * eval.c: binary, multi-class and regression evaluation (see eval.h).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "eval.h"
#include "model.h"
#include "score.h"
#include "split.h"
#include "summary.h"
#include "where.h"

void
nu_ratio_wilson(double k, double n, struct nu_ratio *r)
{
	const double z = 1.0;   /* one standard deviation */
	double p, d, c, h;

	r->k = k;
	r->n = n;
	if (!(n > 0)) {
		r->value = r->lo = r->hi = NAN;
		return;
	}
	p = k / n;
	d = 1.0 + z * z / n;
	c = (p + z * z / (2.0 * n)) / d;
	h = z * sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / d;
	r->value = p;
	r->lo = c - h < 0 ? 0 : c - h;
	r->hi = c + h > 1 ? 1 : c + h;
}

void
nu_binary_at(const float *score, const float *label, size_t n, double t,
    struct nu_binary_at *o)
{
	struct nu_confusion *c = &o->c;
	double ee, er;

	memset(o, 0, sizeof(*o));
	o->t = t;
	nu_confusion_at(score, label, NULL, n, t, c);
	nu_ratio_wilson(c->tp + c->tn, c->tp + c->tn + c->fp + c->fn, &o->accuracy);
	nu_ratio_wilson(c->tp, c->tp + c->fn, &o->efficiency);
	nu_ratio_wilson(c->tp, c->tp + c->fp, &o->purity);
	nu_ratio_wilson(c->tn, c->tn + c->fp, &o->rejection);
	o->balanced = nu_balanced_accuracy(c);
	ee = (o->efficiency.hi - o->efficiency.lo) / 2;
	er = (o->rejection.hi - o->rejection.lo) / 2;
	o->balanced_err = isnan(ee) ? er : isnan(er) ? ee : 0.5 * sqrt(ee * ee + er * er);
	o->f1 = c->tp > 0 ? 2 * c->tp / (2 * c->tp + c->fp + c->fn) : 0;
	o->fom = c->tp + c->fp > 0 ? c->tp / sqrt(c->tp + c->fp) : 0;
}

void
nu_binary_eval_free(struct nu_binary_eval *e)
{
	if (e == NULL)
		return;
	nu_curve_free(&e->roc);
	nu_curve_free(&e->pr);
}

enum nu_status
nu_binary_eval(const float *score, const float *label, size_t n, double t,
    struct nu_binary_eval *e, char **cause)
{
	enum nu_status st;

	memset(e, 0, sizeof(*e));
	e->n = n;
	for (size_t i = 0; i < n; i++)
		e->npos += label[i] > 0.5f;
	e->nneg = (double)n - e->npos;
	e->baseline = n > 0 ? (e->npos > e->nneg ? e->npos : e->nneg) / (double)n : NAN;
	if (nu_auc(score, label, n, &e->auc) != NU_OK)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory computing the AUC");
	nu_binary_at(score, label, n, t, &e->at);
	for (int k = 0; k < NU_EVAL_NSCAN; k++) {
		nu_binary_at(score, label, n, k / 100.0, &e->scan[k]);
		if (e->scan[k].balanced > e->scan[e->best_balanced].balanced)
			e->best_balanced = k;
		if (e->scan[k].fom > e->scan[e->best_fom].fom)
			e->best_fom = k;
	}
	if ((st = nu_roc(score, label, n, &e->roc, cause)) != NU_OK ||
	    (st = nu_pr(score, label, n, &e->pr, &e->ap, cause)) != NU_OK) {
		nu_binary_eval_free(e);
		return st;
	}
	e->youden_j = -1;
	e->youden_t = NAN;
	for (size_t i = 1; i < e->roc.n; i++) {
		double j = e->roc.y[i] - e->roc.x[i];

		if (j > e->youden_j) {
			e->youden_j = j;
			e->youden_t = e->roc.t[i];
		}
	}
	return NU_OK;
}

void
nu_multi_eval(const float *score, const float *label, size_t n, int k,
    struct nu_multi_eval *o)
{
	double diag = 0, f1sum = 0, rowmax = 0;
	int present = 0;

	memset(o, 0, sizeof(*o));
	o->k = k;
	o->n = n;
	for (size_t i = 0; i < n; i++) {
		int best = 0, t = (int)label[i];

		for (int c = 1; c < k; c++)
			if (score[i * (size_t)k + (size_t)c] > score[i * (size_t)k + (size_t)best])
				best = c;
		if (t >= 0 && t < k)
			o->count[t][best]++;
	}
	for (int c = 0; c < k; c++) {
		double row = 0, col = 0;

		for (int j = 0; j < k; j++) {
			row += o->count[c][j];
			col += o->count[j][c];
		}
		diag += o->count[c][c];
		if (row > rowmax)
			rowmax = row;
		nu_ratio_wilson(o->count[c][c], row, &o->efficiency[c]);
		nu_ratio_wilson(o->count[c][c], col, &o->purity[c]);
		o->f1[c] = row + col > 0 ? 2 * o->count[c][c] / (row + col) : 0;
		/* macro F1 over the classes that occur, truly or predicted */
		if (row + col > 0) {
			f1sum += o->f1[c];
			present++;
		}
	}
	nu_ratio_wilson(diag, (double)n, &o->accuracy);
	o->macro_f1 = present ? f1sum / present : NAN;
	o->micro_f1 = n ? diag / (double)n : NAN;
	o->baseline = n ? rowmax / (double)n : NAN;
}

void
nu_reg_stats(const float *pred, const float *truth, size_t n, struct nu_reg_stats *o)
{
	double se = 0, ae = 0, rel = 0, rel2 = 0;
	size_t nrel = 0;

	memset(o, 0, sizeof(*o));
	o->n = n;
	for (size_t i = 0; i < n; i++) {
		double d = (double)pred[i] - (double)truth[i];

		se += d * d;
		ae += fabs(d);
		if (truth[i] != 0) {
			double r = d / truth[i];

			rel += r;
			rel2 += r * r;
			nrel++;
		}
	}
	o->mse = n ? se / (double)n : NAN;
	o->mae = n ? ae / (double)n : NAN;
	o->bias = nrel ? rel / (double)nrel : NAN;
	o->resolution = nrel ? sqrt(rel2 / (double)nrel) : NAN;
}

static int
float_cmp(const void *pa, const void *pb)
{
	float a = *(const float *)pa, b = *(const float *)pb;

	return (a > b) - (a < b);
}

int
nu_quantile_edges(const float *v, size_t n, int nbins, double *edges)
{
	float *s;
	int m = 0;

	size_t k = 0;

	if (n == 0 || nbins < 1)
		return 0;
	if ((s = malloc(n * sizeof(*s))) == NULL)
		return -1;
	/* NaN has no place in an order (and would make qsort's comparison
	 * inconsistent), infinity none in a bin edge */
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			s[k++] = v[i];
	n = k;
	if (n == 0) {
		free(s);
		return 0;
	}
	qsort(s, n, sizeof(*s), float_cmp);
	for (int i = 0; i <= nbins; i++) {
		double e = nu_quantile_sorted(s, n, (double)i / nbins);

		/* equal edges (repeated values) would make empty bins */
		if (m == 0 || e > edges[m - 1])
			edges[m++] = e;
	}
	free(s);
	return m - 1;
}

/* ---- a whole evaluation ------------------------------------------------------ */

const char *
nu_slice_family_name(enum nu_slice_family f)
{
	static const char *const names[] = { "mode", "group", "nuenergy", "lepenergy", "true" };

	return (unsigned)f < NU_NSLICE_FAMILIES ? names[f] : "unknown";
}

void
nu_eval_report_free(struct nu_eval_report *r)
{
	if (r == NULL)
		return;
	nu_binary_eval_free(&r->bin);
	free(r->slices);
	free(r->event);
	free(r->score);
	free(r->label);
	free(r->code);
	free(r->enu);
	free(r->elep);
	memset(r, 0, sizeof(*r));
}

bool
nu_slice_has(const struct nu_eval_report *r, const struct nu_slice *s, size_t i)
{
	float v;

	switch (s->family) {
	case NU_SLICE_MODE:
		return (int)nu_code_mode(r->code[i]) == s->key;
	case NU_SLICE_GROUP:
		return (int)nu_code_group(r->code[i]) == s->key;
	case NU_SLICE_ENU:
		v = r->enu[i];
		break;
	case NU_SLICE_ELEP:
		v = r->elep[i];
		break;
	default:
		v = r->label[i];
		break;
	}
	return v >= s->lo && (v < s->hi || (s->last && v <= s->hi));
}

/*
 * Fill a slice from the events idx[0..m) of the report: counts, and the
 * multi-class accuracy or regression statistics.  A binary task's ratios
 * depend on the threshold and come from nu_eval_report_set_threshold.
 */
static void
slice_fill(const struct nu_eval_report *r, struct nu_slice *s, const size_t *idx,
    size_t m, float *tmp_s, float *tmp_l)
{
	double correct = 0, sig = 0;
	int K = r->nout;

	s->n = m;
	for (size_t j = 0; j < m; j++) {
		size_t i = idx[j];
		const float *sc = r->score + i * (size_t)K;

		tmp_s[j] = sc[0];
		tmp_l[j] = r->label[i];
		sig += r->nclasses == 2 && r->label[i] > 0.5f;
		if (r->nclasses > 2) {
			int best = 0;

			for (int k = 1; k < K; k++)
				if (sc[k] > sc[best])
					best = k;
			correct += best == (int)r->label[i];
		}
	}
	s->nsig = (uint64_t)sig;
	nu_ratio_wilson(correct, r->nclasses > 2 ? (double)m : 0, &s->accuracy);
	nu_ratio_wilson(0, 0, &s->efficiency);
	nu_ratio_wilson(0, 0, &s->rejection);
	nu_ratio_wilson(0, 0, &s->purity);
	if (r->nclasses == 0)
		nu_reg_stats(tmp_s, tmp_l, m, &s->reg);
}

static enum nu_status
make_slices(struct nu_eval_report *r, const struct nu_eval_opts *o, char **cause)
{
	int nbins = o->nbins;
	/* at most: 5 modes + 6 groups + 2 or 3 energy-like families of bins */
	int cap = NU_NMODES + NU_NGROUPS + 3 * NU_EVAL_MAXBINS;
	size_t *idx = malloc((r->n ? r->n : 1) * sizeof(*idx));
	float *ts = malloc((r->n ? r->n : 1) * sizeof(float));
	float *tl = malloc((r->n ? r->n : 1) * sizeof(float));

	r->slices = calloc((size_t)cap, sizeof(*r->slices));
	if (idx == NULL || ts == NULL || tl == NULL || r->slices == NULL) {
		free(idx);
		free(ts);
		free(tl);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for slices");
	}
	if (nbins > NU_EVAL_MAXBINS)
		nbins = NU_EVAL_MAXBINS;
	for (int fam = NU_SLICE_MODE; fam <= NU_SLICE_GROUP; fam++) {
		int nkeys = fam == NU_SLICE_MODE ? NU_NMODES : NU_NGROUPS;

		for (int key = 0; key < nkeys; key++) {
			struct nu_slice *s = &r->slices[r->nslices];
			size_t k = 0;

			memset(s, 0, sizeof(*s));
			s->family = (enum nu_slice_family)fam;
			s->key = key;
			for (size_t i = 0; i < r->n; i++)
				if (nu_slice_has(r, s, i))
					idx[k++] = i;
			if (k == 0)
				continue;
			snprintf(s->name, sizeof s->name, "%s", fam == NU_SLICE_MODE ?
			    nu_mode_name(key) : nu_group_name(key));
			slice_fill(r, s, idx, k, ts, tl);
			r->nslices++;
		}
	}
	for (int fam = NU_SLICE_ENU; fam <= NU_SLICE_TRUE; fam++) {
		const float *v = fam == NU_SLICE_ENU ? r->enu : fam == NU_SLICE_ELEP ? r->elep :
		    r->label;
		double edges[NU_EVAL_MAXBINS + 1];
		int nb;

		const double *given = fam == NU_SLICE_ENU ? o->enu_edges :
		    fam == NU_SLICE_ELEP ? o->elep_edges : NULL;
		int ngiven = fam == NU_SLICE_ENU ? o->n_enu : fam == NU_SLICE_ELEP ? o->n_elep : 0;

		if (fam == NU_SLICE_TRUE && r->nclasses > 0)
			break;
		if (given != NULL && ngiven >= 2 && ngiven <= NU_EVAL_MAXBINS + 1) {
			memcpy(edges, given, (size_t)ngiven * sizeof(double));
			nb = ngiven - 1;
		} else {
			nb = nu_quantile_edges(v, r->n, nbins, edges);
		}
		if (nb < 0) {
			free(idx);
			free(ts);
			free(tl);
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory for slices");
		}
		for (int b = 0; b < nb; b++) {
			size_t k = 0;
			struct nu_slice *s = &r->slices[r->nslices];

			memset(s, 0, sizeof(*s));
			s->family = (enum nu_slice_family)fam;
			s->key = -1;
			s->lo = edges[b];
			s->hi = edges[b + 1];
			s->last = b == nb - 1;
			for (size_t i = 0; i < r->n; i++)
				if (nu_slice_has(r, s, i))
					idx[k++] = i;
			if (k == 0)
				continue;
			snprintf(s->name, sizeof s->name, "%.3g-%.3g", s->lo, s->hi);
			slice_fill(r, s, idx, k, ts, tl);
			r->nslices++;
		}
	}
	free(idx);
	free(ts);
	free(tl);
	return NU_OK;
}

void
nu_eval_report_set_threshold(struct nu_eval_report *r, double t)
{
	if (r->nclasses != 2)
		return;
	r->threshold = t;
	nu_binary_at(r->score, r->label, r->n, t, &r->bin.at);
	for (int si = 0; si < r->nslices; si++) {
		struct nu_slice *s = &r->slices[si];
		double n = 0, correct = 0, sig = 0, sigsel = 0, bkg = 0, bkgrej = 0, sel_all = 0;

		for (size_t i = 0; i < r->n; i++) {
			/* compared in float, as nu_confusion_at does */
			int sel = r->score[i * (size_t)r->nout] > (float)t, is = r->label[i] > 0.5f;

			if (!nu_slice_has(r, s, i))
				continue;
			n++;
			correct += sel == is;
			sel_all += sel;
			sig += is;
			sigsel += sel && is;
			bkg += !is;
			bkgrej += !sel && !is;
		}
		nu_ratio_wilson(correct, n, &s->accuracy);
		nu_ratio_wilson(sigsel, sig, &s->efficiency);
		nu_ratio_wilson(bkgrej, bkg, &s->rejection);
		nu_ratio_wilson(sigsel, sel_all, &s->purity);
	}
}

#define EVAL_BLOCK 65536

enum nu_status
nu_eval_report_make(const struct nu_model *m, struct nu_dataset *ds,
    const struct nu_where *where, const struct nu_eval_opts *o,
    struct nu_eval_report *r, char **cause)
{
	struct nu_labels lab = { 0 };
	uint64_t total = nu_dataset_nevents(ds);
	uint8_t *keep = NULL, *seen = NULL;
	uint32_t *blk_code = NULL;
	float *blk_enu = NULL, *blk_elep = NULL;
	enum nu_status st;
	size_t k = 0;
	int K = m->net->nout;

	memset(r, 0, sizeof(*r));
	r->task = m->net->task;
	r->nclasses = nu_task_nclasses(r->task);
	r->nout = K;
	r->threshold = isnan(o->threshold) ? m->meta.threshold : o->threshold;
	if ((st = nu_labels_load(ds, r->task, &lab, cause)) != NU_OK)
		return st;
	/* room for every event; trimmed to the selection below */
	r->event = malloc((total ? total : 1) * sizeof(*r->event));
	r->code = malloc((total ? total : 1) * sizeof(uint32_t));
	r->enu = malloc((total ? total : 1) * sizeof(float));
	r->elep = malloc((total ? total : 1) * sizeof(float));
	keep = malloc(EVAL_BLOCK);
	blk_code = malloc(EVAL_BLOCK * sizeof(uint32_t));
	blk_enu = malloc(EVAL_BLOCK * sizeof(float));
	blk_elep = malloc(EVAL_BLOCK * sizeof(float));
	if (!r->event || !r->code || !r->enu || !r->elep || !keep || !blk_code ||
	    !blk_enu || !blk_elep) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* the events the model has seen, by file fingerprint */
	r->seen.known = m->trainset != NULL;
	r->seen.include = o->include_training;
	if (m->trainset != NULL) {
		struct nu_trainset_match match;

		if ((seen = malloc(total ? total : 1)) == NULL) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((st = nu_trainset_mark(m->trainset, ds, seen, &match, cause)) != NU_OK)
			goto out;
	}
	/* the task's events that the expression selects, with the columns
	 * the slices need, read a block at a time */
	for (uint64_t at = 0; at < total; at += EVAL_BLOCK) {
		size_t n = total - at < EVAL_BLOCK ? (size_t)(total - at) : EVAL_BLOCK;

		if ((where != NULL && (st = nu_where_select(where, ds, at, n, keep, cause)) != NU_OK) ||
		    (st = nu_dataset_read_column(ds, NU_COL_INTERACTION, at, n, NU_CT_U32,
		    blk_code, cause)) != NU_OK ||
		    (st = nu_dataset_read_column(ds, NU_COL_NUENERGY, at, n, NU_CT_F32,
		    blk_enu, cause)) != NU_OK ||
		    (st = nu_dataset_read_column(ds, NU_COL_LEPENERGY, at, n, NU_CT_F32,
		    blk_elep, cause)) != NU_OK)
			goto out;
		for (size_t i = 0; i < n; i++) {
			if (!lab.used[at + i] || (where != NULL && !keep[i]) ||
			    (o->keep != NULL && !o->keep[at + i]))
				continue;
			if (seen != NULL && (seen[at + i] == NU_SEEN_TRAIN ||
			    seen[at + i] == NU_SEEN_VAL)) {
				bool tr = seen[at + i] == NU_SEEN_TRAIN;

				if (!o->include_training) {
					*(tr ? &r->seen.excluded_train : &r->seen.excluded_val) += 1;
					continue;
				}
				*(tr ? &r->seen.included_train : &r->seen.included_val) += 1;
			}
			r->event[k] = at + i;
			r->code[k] = blk_code[i];
			r->enu[k] = blk_enu[i];
			r->elep[k] = blk_elep[i];
			k++;
		}
	}
	r->n = k;
	if (k == 0 && r->seen.excluded_train + r->seen.excluded_val > 0) {
		st = nu_fail(cause, NU_ERR_EMPTY, "every event of the task%s in the files "
		    "was used to train (%llu) or validate (%llu) the model; evaluate it "
		    "on other events (--include-training scores them anyway, with "
		    "biased numbers)", where != NULL || o->keep != NULL ?
		    " that matches --where" : "",
		    (unsigned long long)r->seen.excluded_train,
		    (unsigned long long)r->seen.excluded_val);
		goto out;
	}
	if (k == 0) {
		st = nu_fail(cause, NU_ERR_EMPTY, "no event of the files belongs to task %s%s",
		    nu_task_name(r->task), where != NULL || o->keep != NULL ?
		    " and matches --where" : "");
		goto out;
	}
	r->score = malloc(k * (size_t)K * sizeof(float));
	r->label = malloc(k * sizeof(float));
	if (!r->score || !r->label) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((st = nu_score(m, ds, r->event, k, &lab, 64, r->score, o->stop,
	    cause)) != NU_OK)
		goto out;
	for (size_t i = 0; i < k; i++)
		r->label[i] = lab.label[r->event[i]];
	{
		/* a network whose weights are not finite answers NaN: no number
		 * below would mean anything */
		size_t bad = 0;

		for (size_t i = 0; i < k; i++) {
			bool finite = true;

			for (int c = 0; c < K; c++)
				finite = finite && isfinite(r->score[i * (size_t)K + (size_t)c]);
			bad += !finite;
		}
		if (bad > 0) {
			st = nu_fail(cause, NU_ERR_RANGE, "the model's output is not a number "
			    "(NaN or infinite) for %zu of %zu events: its weights are not "
			    "finite (a training run that diverged?)", bad, k);
			goto out;
		}
	}
	if (r->nclasses == 2) {
		if ((st = nu_binary_eval(r->score, r->label, k, r->threshold, &r->bin, cause)) != NU_OK)
			goto out;
	} else if (r->nclasses > 2) {
		nu_multi_eval(r->score, r->label, k, K, &r->multi);
	} else {
		nu_reg_stats(r->score, r->label, k, &r->reg);
	}
	if ((st = make_slices(r, o, cause)) != NU_OK)
		goto out;
	nu_eval_report_set_threshold(r, r->threshold);
out:
	free(keep);
	free(seen);
	free(blk_code);
	free(blk_enu);
	free(blk_elep);
	nu_labels_free(&lab);
	if (st == NU_OK)
		return NU_OK;
	nu_eval_report_free(r);
	return st;
}
