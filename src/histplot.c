/*
 * histplot.c: training histories of model files as tables, CSV and
 * overlaid figures (see histplot.h).  The model file keeps one record per
 * completed epoch (nuscope-model(5), /history); nothing here trains or
 * evaluates, it only reads and shows what was recorded.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "histplot.h"
#include "model.h"

static double f_train_loss(const struct nu_epoch_rec *r) { return r->train_loss; }
static double f_train_metric(const struct nu_epoch_rec *r) { return r->train_metric; }
static double f_val_loss(const struct nu_epoch_rec *r) { return r->val_loss; }
static double f_val_metric(const struct nu_epoch_rec *r) { return r->val_metric; }
static double f_val_accuracy(const struct nu_epoch_rec *r) { return r->val_accuracy; }
static double f_val_bacc(const struct nu_epoch_rec *r) { return r->val_balanced_accuracy; }
static double f_val_auc(const struct nu_epoch_rec *r) { return r->val_auc; }
static double f_lr(const struct nu_epoch_rec *r) { return r->lr; }
static double f_seconds(const struct nu_epoch_rec *r) { return r->seconds; }

const struct nu_histplot_field nu_histplot_fields[] = {
	{ "train_loss", "loss", f_train_loss },
	{ "train_metric", "metric", f_train_metric },
	{ "val_loss", "val loss", f_val_loss },
	{ "val_metric", "val metric", f_val_metric },
	{ "val_accuracy", "val acc", f_val_accuracy },
	{ "val_balanced_accuracy", "val bal.acc", f_val_bacc },
	{ "val_auc", "val AUC", f_val_auc },
	{ "lr", "lr", f_lr },
	{ "seconds", "seconds", f_seconds },
};
const int nu_histplot_nfields = (int)(sizeof nu_histplot_fields /
    sizeof nu_histplot_fields[0]);

enum nu_status
nu_histplot_load(const char *path, struct nu_histplot *h, char **cause)
{
	struct nu_model *m = NULL;
	const struct nu_arch *a;
	enum nu_status st;

	memset(h, 0, sizeof(*h));
	h->best_epoch = -1;
	if ((st = nu_model_load(path, &m, cause)) != NU_OK)
		return st;
	a = m->arch;
	if ((h->path = strdup(path)) == NULL ||
	    (m->nhist > 0 && (h->hist = malloc((size_t)m->nhist * sizeof(*h->hist))) == NULL)) {
		nu_model_free(m);
		nu_histplot_free(h);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory reading %s", path);
	}
	h->name = strrchr(h->path, '/') != NULL && strrchr(h->path, '/')[1] != '\0' ?
	    strrchr(h->path, '/') + 1 : h->path;
	snprintf(h->arch_name, sizeof h->arch_name, "%s",
	    nu_arch_enum(&a->sec[0], "name")[0] != '\0' ? nu_arch_enum(&a->sec[0], "name") : "-");
	snprintf(h->monitor, sizeof h->monitor, "%s",
	    a->train >= 0 ? nu_arch_enum(&a->sec[a->train], "monitor") : "val_loss");
	h->task = m->meta.task;
	h->nclasses = nu_task_nclasses(h->task);
	h->best_epoch = m->meta.best_epoch < m->nhist ? m->meta.best_epoch : -1;
	h->best_value = m->meta.best_value;
	if (m->nhist > 0)
		memcpy(h->hist, m->hist, (size_t)m->nhist * sizeof(*h->hist));
	h->nhist = m->nhist;
	/* a run without validation events watched its training loss */
	if (h->best_epoch >= 0 && h->hist[h->best_epoch].val_events == 0 &&
	    isnan(h->hist[h->best_epoch].val_loss))
		snprintf(h->monitor, sizeof h->monitor, "train_loss");
	nu_model_free(m);
	return NU_OK;
}

void
nu_histplot_free(struct nu_histplot *h)
{
	if (h == NULL)
		return;
	free(h->path);
	free(h->hist);
	memset(h, 0, sizeof(*h));
	h->best_epoch = -1;
}

const char *
nu_histplot_best(const struct nu_histplot *h, char *buf, size_t len)
{
	if (h->nhist == 0)
		snprintf(buf, len, "no epoch recorded");
	else if (h->best_epoch < 0 || !isfinite(h->best_value))
		snprintf(buf, len, "%d epoch%s, no best", h->nhist, h->nhist == 1 ? "" : "s");
	else
		snprintf(buf, len, "best %s %.4f at epoch %d", h->monitor, h->best_value,
		    h->best_epoch + 1);
	return buf;
}

void
nu_histplot_table(FILE *f, const struct nu_histplot *h, int n)
{
	for (int i = 0; i < n; i++) {
		char best[96];

		fprintf(f, "%s%s (%s, task %s): %s\n", i ? "\n" : "", h[i].path,
		    h[i].arch_name, nu_task_name(h[i].task),
		    nu_histplot_best(&h[i], best, sizeof best));
		if (h[i].nhist == 0)
			continue;
		fprintf(f, "%5s", "epoch");
		for (int k = 0; k < nu_histplot_nfields; k++)
			fprintf(f, " %11s", nu_histplot_fields[k].title);
		fputc('\n', f);
		for (int e = 0; e < h[i].nhist; e++) {
			fprintf(f, "%5d", e + 1);
			for (int k = 0; k < nu_histplot_nfields; k++) {
				double v = nu_histplot_fields[k].get(&h[i].hist[e]);

				if (!isfinite(v))
					fprintf(f, " %11s", "-");
				else if (strcmp(nu_histplot_fields[k].name, "lr") == 0)
					fprintf(f, " %11.3g", v);
				else if (strcmp(nu_histplot_fields[k].name, "seconds") == 0)
					fprintf(f, " %11.1f", v);
				else
					fprintf(f, " %11.4f", v);
			}
			fputc('\n', f);
		}
	}
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void
csv_str(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n\r") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

enum nu_status
nu_histplot_csv(const char *path, const struct nu_histplot *h, int n, char **cause)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	enum nu_status st;

	if (f == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory writing %s", path);
	fprintf(f, "model,architecture,epoch");
	for (int k = 0; k < nu_histplot_nfields; k++)
		fprintf(f, ",%s", nu_histplot_fields[k].name);
	fputc('\n', f);
	for (int i = 0; i < n; i++)
		for (int e = 0; e < h[i].nhist; e++) {
			csv_str(f, h[i].path);
			fputc(',', f);
			csv_str(f, h[i].arch_name);
			fprintf(f, ",%d", e + 1);
			for (int k = 0; k < nu_histplot_nfields; k++) {
				double v = nu_histplot_fields[k].get(&h[i].hist[e]);

				fputc(',', f);
				if (isfinite(v))
					fprintf(f, "%.9g", v);
			}
			fputc('\n', f);
		}
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory writing %s", path);
	}
	st = nu_write_atomic(path, buf, len, cause);
	free(buf);
	return st;
}

/* ---- figures ------------------------------------------------------------ */

/* What one figure shows: a field of the validation (and maybe the training)
 * records of every model that has it. */
struct figure {
	const char *file, *title, *ylabel;
	double (*val)(const struct nu_epoch_rec *r);
	double (*train)(const struct nu_epoch_rec *r);  /* NULL: none */
	int want;               /* 0: every model, 1: classifiers, 2: binary,
	                         * 3: regressions */
};

static bool
wanted(const struct nu_histplot *h, int want)
{
	switch (want) {
	case 1: return h->nclasses > 0;
	case 2: return h->nclasses == 2;
	case 3: return h->nclasses == 0;
	default: return true;
	}
}

/* Save p as dir/file.EXT in every format, then free it. */
static enum nu_status
emit(struct nu_plot *p, const char *dir, const char *file, const enum nu_plot_format *fmts,
    int nfmt, int *written, char **cause)
{
	enum nu_status st = NU_OK;

	if (p == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory drawing %s", file);
	for (int i = 0; i < nfmt && st == NU_OK; i++) {
		char *path = nu_asprintf("%s/%s.%s", dir, file, nu_plot_format_ext(fmts[i]));

		if (path == NULL)
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		else if ((st = nu_plot_save(p, path, fmts[i], cause)) == NU_OK && written != NULL)
			(*written)++;
		free(path);
	}
	nu_plot_free(p);
	return st;
}

/* One overlaid figure; *drawn says whether any model had the quantity. */
static enum nu_status
figure(const struct figure *fg, const struct nu_histplot *h, int n, const char *dir,
    const enum nu_plot_format *fmts, int nfmt, int *written, char **cause)
{
	struct nu_plot *p = nu_plot_new(fg->title, "Epoch", fg->ylabel);
	double *x = NULL, *yv = NULL, *yt = NULL;
	int cap = 1, color = 0;

	for (int i = 0; i < n; i++)
		cap = h[i].nhist > cap ? h[i].nhist : cap;
	x = malloc((size_t)cap * sizeof(double));
	yv = malloc((size_t)cap * sizeof(double));
	yt = malloc((size_t)cap * sizeof(double));
	if (p == NULL || x == NULL || yv == NULL || yt == NULL) {
		nu_plot_free(p);
		free(x);
		free(yv);
		free(yt);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory drawing %s", fg->file);
	}
	for (int i = 0; i < n; i++) {
		struct nu_plot_style train = { 0 }, val = { .dashed = fg->train != NULL };
		char best[96], *label;
		bool any = false;

		if (!wanted(&h[i], fg->want) || h[i].nhist == 0)
			continue;
		color = color % NU_PLOT_NCOLORS + 1;
		train.color = val.color = color;
		train.markers = val.markers = h[i].nhist <= 30;
		for (int e = 0; e < h[i].nhist; e++) {
			x[e] = e + 1;
			yv[e] = fg->val(&h[i].hist[e]);
			yt[e] = fg->train != NULL ? fg->train(&h[i].hist[e]) : NAN;
			any |= isfinite(yv[e]);
		}
		label = nu_asprintf("%s (%s): %s", h[i].name, h[i].arch_name,
		    nu_histplot_best(&h[i], best, sizeof best));
		if (fg->train != NULL)
			nu_plot_line(p, x, yt, (size_t)h[i].nhist, label, &train);
		if (any)
			nu_plot_line(p, x, yv, (size_t)h[i].nhist,
			    fg->train != NULL ? NULL : label, &val);
		free(label);
	}
	if (fg->train != NULL)
		nu_plot_note(p, "solid: training, dashed: validation");
	free(x);
	free(yv);
	free(yt);
	return emit(p, dir, fg->file, fmts, nfmt, written, cause);
}

enum nu_status
nu_histplot_plots(const struct nu_histplot *h, int n, const char *dir,
    const enum nu_plot_format *fmts, int nfmt, int *written, char **cause)
{
	static const struct figure figs[] = {
		{ "history-loss", "Training history: loss", "Loss", f_val_loss,
		  f_train_loss, 0 },
		{ "history-metric", "Training history: accuracy", "Accuracy",
		  f_val_metric, f_train_metric, 1 },
		{ "history-metric", "Training history: mean absolute error", "MAE",
		  f_val_metric, f_train_metric, 3 },
		{ "history-auc", "Training history: validation AUC", "AUC", f_val_auc,
		  NULL, 2 },
		{ "history-balanced-accuracy", "Training history: validation balanced "
		  "accuracy", "Balanced accuracy", f_val_bacc, NULL, 2 },
	};
	bool classify = false, regress = false, binary = false;
	enum nu_status st = NU_OK;

	if (written != NULL)
		*written = 0;
	for (int i = 0; i < n; i++) {
		classify |= h[i].nclasses > 0;
		regress |= h[i].nclasses == 0;
		binary |= h[i].nclasses == 2;
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return nu_fail(cause, NU_ERR_IO, "%s: cannot make the directory: %s", dir,
		    strerror(errno));
	for (size_t k = 0; k < sizeof figs / sizeof figs[0] && st == NU_OK; k++) {
		/* accuracy when any model classifies; MAE only for regressions
		 * alone (the two do not share an axis) */
		if ((figs[k].want == 1 && !classify) || (figs[k].want == 3 && (classify || !regress)) ||
		    (figs[k].want == 2 && !binary))
			continue;
		st = figure(&figs[k], h, n, dir, fmts, nfmt, written, cause);
	}
	return st;
}
