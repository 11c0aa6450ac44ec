/*
 * evalplot.c: the figures of an evaluation, drawn with plot.h.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evalplot.h"

#define NSCORE_BINS 50

struct out {
	const char *dir;
	const enum nu_plot_format *fmts;
	int nfmt;
	int written;
	char **cause;
};

/* Save p as dir/name.EXT in every format, then free it. */
static enum nu_status
emit(struct out *o, struct nu_plot *p, const char *name)
{
	enum nu_status st = NU_OK;

	if (p == NULL)
		return nu_fail(o->cause, NU_ERR_NOMEM, "out of memory drawing %s", name);
	for (int i = 0; i < o->nfmt && st == NU_OK; i++) {
		char *path = nu_asprintf("%s/%s.%s", o->dir, name, nu_plot_format_ext(o->fmts[i]));

		if (path == NULL)
			st = nu_fail(o->cause, NU_ERR_NOMEM, "out of memory");
		else if ((st = nu_plot_save(p, path, o->fmts[i], o->cause)) == NU_OK)
			o->written++;
		free(path);
	}
	nu_plot_free(p);
	return st;
}

static enum nu_status
confusion(struct out *o, const struct nu_eval_report *r)
{
	int k = r->nclasses == 2 ? 2 : r->multi.k;
	double counts[NU_NCODES * NU_NCODES], eff[NU_NCODES * NU_NCODES];
	double pur[NU_NCODES * NU_NCODES];
	const char *names[NU_NCODES];
	enum nu_status st;

	for (int i = 0; i < k; i++) {
		double row = 0;

		/* binary: signal first */
		int ti = r->nclasses == 2 ? 1 - i : i;

		names[i] = nu_task_class_name(r->task, ti);
		for (int j = 0; j < k; j++) {
			int tj = r->nclasses == 2 ? 1 - j : j;
			const struct nu_confusion *c = &r->bin.at.c;
			double v = r->nclasses > 2 ? r->multi.count[ti][tj] :
			    ti == 1 && tj == 1 ? c->tp : ti == 1 ? c->fn : tj == 1 ? c->fp : c->tn;

			counts[i * k + j] = v;
			row += v;
		}
		for (int j = 0; j < k; j++)
			eff[i * k + j] = row > 0 ? counts[i * k + j] / row : NAN;
	}
	for (int j = 0; j < k; j++) {
		double col = 0;

		for (int i = 0; i < k; i++)
			col += counts[i * k + j];
		for (int i = 0; i < k; i++)
			pur[i * k + j] = col > 0 ? counts[i * k + j] / col : NAN;
	}
	{
		struct nu_plot *p = nu_plot_new("Confusion matrix (events)", "Predicted", "True");

		if (p != NULL)
			nu_plot_matrix(p, counts, (size_t)k, (size_t)k, names, names, "%.0f");
		if ((st = emit(o, p, "confusion")) != NU_OK)
			return st;
	}
	{
		struct nu_plot *p = nu_plot_new("Efficiency (row-normalised)", "Predicted", "True");

		if (p != NULL) {
			nu_plot_set_zlim(p, 0, 1);
			nu_plot_set_zlabel(p, "Fraction of the true class");
			nu_plot_matrix(p, eff, (size_t)k, (size_t)k, names, names, "%.3f");
		}
		if ((st = emit(o, p, "confusion-efficiency")) != NU_OK)
			return st;
	}
	{
		struct nu_plot *p = nu_plot_new("Purity (column-normalised)", "Predicted", "True");

		if (p != NULL) {
			nu_plot_set_zlim(p, 0, 1);
			nu_plot_set_zlabel(p, "Fraction of the predicted class");
			nu_plot_matrix(p, pur, (size_t)k, (size_t)k, names, names, "%.3f");
		}
		return emit(o, p, "confusion-purity");
	}
}

static enum nu_status
curves(struct out *o, const struct nu_eval_report *r)
{
	const struct nu_binary_eval *e = &r->bin;
	struct nu_plot *p;
	char note[64];
	enum nu_status st;
	double t[NU_EVAL_NSCAN], f[NU_EVAL_NSCAN];
	struct nu_plot_style dash = { .dashed = 1 };

	p = nu_plot_new("ROC curve", "Background efficiency (false-positive rate)",
	    "Signal efficiency");
	if (p != NULL) {
		snprintf(note, sizeof note, "AUC = %.4f", e->auc);
		nu_plot_set_xlim(p, 0, 1);
		nu_plot_set_ylim(p, 0, 1);
		nu_plot_refline(p, 1, 0, "Random", &dash);
		nu_plot_line(p, e->roc.x, e->roc.y, e->roc.n, "Network", NULL);
		nu_plot_note(p, note);
	}
	if ((st = emit(o, p, "roc")) != NU_OK)
		return st;

	p = nu_plot_new("Precision-recall curve", "Efficiency (recall)", "Purity (precision)");
	if (p != NULL) {
		snprintf(note, sizeof note, "Average precision = %.4f", e->ap);
		nu_plot_set_xlim(p, 0, 1);
		nu_plot_set_ylim(p, 0, 1);
		nu_plot_line(p, e->pr.x, e->pr.y, e->pr.n, "Network", NULL);
		nu_plot_refline(p, 0, e->n ? e->npos / (double)e->n : 0, "Baseline", &dash);
		nu_plot_note(p, note);
	}
	if ((st = emit(o, p, "pr")) != NU_OK)
		return st;

	p = nu_plot_new("Figure of merit against the cut", "Cut on the score",
	    "s / \u221a(s + b)");
	if (p != NULL) {
		char lab[64];

		for (int k = 0; k < NU_EVAL_NSCAN; k++) {
			t[k] = e->scan[k].t;
			f[k] = e->scan[k].fom;
		}
		nu_plot_set_xlim(p, 0, 1);
		nu_plot_line(p, t, f, NU_EVAL_NSCAN, "s / \u221a(s + b)", NULL);
		snprintf(lab, sizeof lab, "best %.2f", e->scan[e->best_fom].t);
		nu_plot_vline(p, e->scan[e->best_fom].t, lab, &dash);
		snprintf(lab, sizeof lab, "in use %.2f", r->threshold);
		nu_plot_vline(p, r->threshold, lab, NULL);
	}
	return emit(o, p, "fom");
}

/* Efficiency and purity per bin of one energy family, with errors. */
static enum nu_status
per_energy(struct out *o, const struct nu_eval_report *r, enum nu_slice_family fam,
    const char *name, const char *xlabel)
{
	double x[NU_EVAL_MAXBINS];
	double e[NU_EVAL_MAXBINS], elo[NU_EVAL_MAXBINS], ehi[NU_EVAL_MAXBINS];
	double pu[NU_EVAL_MAXBINS], plo[NU_EVAL_MAXBINS], phi[NU_EVAL_MAXBINS];
	size_t n = 0;
	struct nu_plot *p;
	struct nu_plot_style ps = { .markers = 1 };

	for (int i = 0; i < r->nslices && n < NU_EVAL_MAXBINS; i++) {
		const struct nu_slice *s = &r->slices[i];

		if (s->family != fam)
			continue;
		/* quantile bins spread over decades: log x, each point at the
		 * geometric centre of its bin (a bin from 0 starts a decade
		 * below its top) */
		x[n] = sqrt((s->lo > 0 ? s->lo : s->hi / 10) * s->hi);
		e[n] = s->efficiency.value;
		elo[n] = s->efficiency.lo;
		ehi[n] = s->efficiency.hi;
		pu[n] = s->purity.value;
		plo[n] = s->purity.lo;
		phi[n] = s->purity.hi;
		n++;
	}
	if (n == 0)
		return NU_OK;
	p = nu_plot_new(fam == NU_SLICE_ENU ? "Efficiency and purity against E_{\u03bd}" :
	    "Efficiency and purity against E_{\u2113}", xlabel, "Fraction (bins of equal events)");
	if (p != NULL) {
		nu_plot_set_ylim(p, 0, 1.05);
		nu_plot_set_logx(p, 1);
		nu_plot_points(p, x, e, n, elo, ehi, NULL, "Efficiency", &ps);
		nu_plot_points(p, x, pu, n, plo, phi, NULL, "Purity", &ps);
	}
	return emit(o, p, name);
}

/* The CVN score plot: scores stacked by flavour group, log y. */
static enum nu_status
scores(struct out *o, const struct nu_eval_report *r)
{
	double edges[NSCORE_BINS + 1], counts[NU_NGROUPS * NSCORE_BINS] = { 0 };
	double packed[NU_NGROUPS * NSCORE_BINS];
	const char *labels[NU_NGROUPS];
	size_t ng = 0;
	struct nu_plot *p;
	char cut[32];

	for (int b = 0; b <= NSCORE_BINS; b++)
		edges[b] = (double)b / NSCORE_BINS;
	for (size_t i = 0; i < r->n; i++) {
		double pos = r->score[i * (size_t)r->nout] * NSCORE_BINS;
		/* clamped while a double (NaN to bin 0): the report holds
		 * finite scores only, but a cast never sees a wild value */
		int b = pos >= NSCORE_BINS - 1 ? NSCORE_BINS - 1 : pos > 0 ? (int)pos : 0;

		counts[nu_code_group(r->code[i]) * NSCORE_BINS + b]++;
	}
	for (int g = 0; g < NU_NGROUPS; g++) {
		double tot = 0;

		for (int b = 0; b < NSCORE_BINS; b++)
			tot += counts[g * NSCORE_BINS + b];
		if (tot == 0)
			continue;
		memcpy(packed + ng * NSCORE_BINS, counts + g * NSCORE_BINS,
		    NSCORE_BINS * sizeof(double));
		labels[ng++] = nu_group_name_utf8((enum nu_group)g);
	}
	p = nu_plot_new("Score distribution by true flavour", "Network score", "Events");
	if (p != NULL) {
		nu_plot_set_logy(p, 1);
		nu_plot_set_xlim(p, 0, 1);
		nu_plot_stack(p, edges, packed, NSCORE_BINS, ng, labels);
		snprintf(cut, sizeof cut, "cut %.2f", r->threshold);
		nu_plot_vline(p, r->threshold, cut, NULL);
	}
	return emit(o, p, "scores");
}

static enum nu_status
slices_bars(struct out *o, const struct nu_eval_report *r)
{
	const char *names[NU_NMODES];
	double v[NU_NMODES], lo[NU_NMODES], hi[NU_NMODES];
	size_t n = 0;
	struct nu_plot *p;

	for (int i = 0; i < r->nslices && n < NU_NMODES; i++) {
		const struct nu_slice *s = &r->slices[i];

		if (s->family != NU_SLICE_MODE)
			continue;
		names[n] = s->name;
		v[n] = s->accuracy.value;
		lo[n] = s->accuracy.lo;
		hi[n] = s->accuracy.hi;
		n++;
	}
	if (n == 0)
		return NU_OK;
	p = nu_plot_new("Accuracy by interaction mode", "Mode", "Accuracy");
	if (p != NULL) {
		nu_plot_set_ylim(p, 0, 1.05);
		nu_plot_bars(p, names, v, lo, hi, n, "Accuracy", NULL);
	}
	return emit(o, p, "slices");
}

static enum nu_status
regression(struct out *o, const struct nu_eval_report *r)
{
	enum { NB = 40 };
	double xe[NB + 1], ye[NB + 1], counts[NB * NB] = { 0 }, hi = 0;
	double x[NU_EVAL_MAXBINS], hw[NU_EVAL_MAXBINS], res[NU_EVAL_MAXBINS], bias[NU_EVAL_MAXBINS];
	size_t n = 0;
	struct nu_plot *p;
	struct nu_plot_style ps = { .markers = 1 };
	enum nu_status st;
	const char *what = r->task == NU_TASK_Y ? "y" : "E_{\u03bd} (GeV)";
	char xl[64], yl[64];

	for (size_t i = 0; i < r->n; i++) {
		if (isfinite(r->label[i]) && r->label[i] > hi)
			hi = r->label[i];
		if (isfinite(r->score[i]) && r->score[i] > hi)
			hi = r->score[i];
	}
	if (!(hi > 0))
		hi = 1;
	for (int b = 0; b <= NB; b++)
		xe[b] = ye[b] = hi * b / NB;
	for (size_t i = 0; i < r->n; i++) {
		/* bin positions tested in floating point before they become
		 * integers: NaN fails both tests */
		double px = r->label[i] / hi * NB, py = r->score[i] / hi * NB;
		int bx, by;

		if (!(px >= 0 && px <= NB && py >= 0 && py <= NB))
			continue;
		bx = (int)px;
		by = (int)py;
		counts[(by < NB ? by : NB - 1) * NB + (bx < NB ? bx : NB - 1)]++;
	}
	snprintf(xl, sizeof xl, "True %s", what);
	snprintf(yl, sizeof yl, "Predicted %s", what);
	p = nu_plot_new("Predicted against true", xl, yl);
	if (p != NULL) {
		nu_plot_set_logz(p, 1);
		nu_plot_hist2d(p, xe, NB, ye, NB, counts);
		nu_plot_refline(p, 1, 0, "y = x", NULL);
	}
	if ((st = emit(o, p, "true-vs-predicted")) != NU_OK)
		return st;
	for (int i = 0; i < r->nslices && n < NU_EVAL_MAXBINS; i++) {
		const struct nu_slice *s = &r->slices[i];

		if (s->family != NU_SLICE_TRUE)
			continue;
		x[n] = 0.5 * (s->lo + s->hi);
		hw[n] = 0.5 * (s->hi - s->lo);
		res[n] = s->reg.resolution;
		bias[n] = s->reg.bias;
		n++;
	}
	if (n == 0)
		return NU_OK;
	p = nu_plot_new("Resolution and bias", xl, "(predicted \u2212 true) / true");
	if (p != NULL) {
		nu_plot_points(p, x, res, n, NULL, NULL, hw, "Resolution (RMS)", &ps);
		nu_plot_points(p, x, bias, n, NULL, NULL, hw, "Bias (mean)", &ps);
		nu_plot_refline(p, 0, 0, NULL, NULL);
	}
	return emit(o, p, "resolution");
}

static enum nu_status
training(struct out *o, const struct nu_model *m, bool classify)
{
	double ep[1024], tl[1024], vl[1024], tm[1024], vm[1024];
	int n = m->nhist < 1024 ? m->nhist : 1024;
	struct nu_plot *p;
	struct nu_plot_style train = { .color = 1 }, val = { .color = 1, .dashed = 1 };
	enum nu_status st;

	if (n == 0)
		return NU_OK;
	for (int i = 0; i < n; i++) {
		ep[i] = i + 1;
		tl[i] = m->hist[i].train_loss;
		vl[i] = m->hist[i].val_loss;
		tm[i] = m->hist[i].train_metric;
		vm[i] = m->hist[i].val_metric;
	}
	p = nu_plot_new("Training: loss", "Epoch", "Loss");
	if (p != NULL) {
		nu_plot_line(p, ep, tl, (size_t)n, "Training", &train);
		nu_plot_line(p, ep, vl, (size_t)n, "Validation", &val);
	}
	if ((st = emit(o, p, "training-loss")) != NU_OK)
		return st;
	p = nu_plot_new(classify ? "Training: accuracy" : "Training: mean absolute error",
	    "Epoch", classify ? "Accuracy" : "MAE");
	if (p != NULL) {
		train.color = val.color = 2;
		nu_plot_line(p, ep, tm, (size_t)n, "Training", &train);
		nu_plot_line(p, ep, vm, (size_t)n, "Validation", &val);
	}
	return emit(o, p, "training-metric");
}

enum nu_status
nu_eval_plots(const struct nu_eval_report *r, const struct nu_model *m, const char *dir,
    const enum nu_plot_format *fmts, int nfmt, int *written, char **cause)
{
	struct out o = { .dir = dir, .fmts = fmts, .nfmt = nfmt, .cause = cause };
	enum nu_status st = NU_OK;

	if (r->nclasses > 0 && (st = confusion(&o, r)) != NU_OK)
		goto out;
	if (r->nclasses == 2 &&
	    ((st = curves(&o, r)) != NU_OK ||
	    (st = per_energy(&o, r, NU_SLICE_ENU, "efficiency-enu", "E_{\u03bd} (GeV)")) != NU_OK ||
	    (st = per_energy(&o, r, NU_SLICE_ELEP, "efficiency-elep", "E_{\u2113} (GeV)")) != NU_OK ||
	    (st = scores(&o, r)) != NU_OK))
		goto out;
	if (r->nclasses > 0 && (st = slices_bars(&o, r)) != NU_OK)
		goto out;
	if (r->nclasses == 0 && (st = regression(&o, r)) != NU_OK)
		goto out;
	if (m != NULL)
		st = training(&o, m, r->nclasses > 0);
out:
	if (written != NULL)
		*written = o.written;
	return st;
}
