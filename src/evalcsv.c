/*
 * evalcsv.c: the tables of an evaluation report as CSV files, each written
 * through nu_afile (nu.h): a temporary beside it, synced and renamed into
 * place.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evalcsv.h"

/* One table being written: the stream of its temporary (nu_afile). */
struct table {
	FILE *f;
	struct nu_afile *af;
};

static enum nu_status
table_open(struct table *tb, const char *dir, const char *name, char **cause)
{
	char *path = nu_asprintf("%s/%s", dir, name);
	enum nu_status st;

	tb->f = NULL;
	tb->af = NULL;
	if (path == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	if ((st = nu_afile_open(&tb->af, path, cause)) == NU_OK)
		tb->f = nu_afile_stream(tb->af);
	free(path);
	return st;
}

/* Commit the table (synced, renamed into place); on any failure the
 * temporary goes and the cause names the table and the error. */
static enum nu_status
table_close(struct table *tb, int *written, char **cause)
{
	enum nu_status st = nu_afile_commit(tb->af, cause);

	if (st == NU_OK && written != NULL)
		(*written)++;
	tb->f = NULL;
	tb->af = NULL;
	return st;
}

/* A number as %.9g, or an empty field when it is not finite. */
static void
num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.9g", v);
}

static void
ratio_row(FILE *f, const char *name, const struct nu_ratio *r)
{
	fprintf(f, "%s,", name);
	num(f, r->value);
	fputc(',', f);
	num(f, r->lo);
	fputc(',', f);
	num(f, r->hi);
	fprintf(f, ",%.9g,%.9g\n", r->k, r->n);
}

static void
summary(FILE *f, const struct nu_eval_report *r)
{
	fprintf(f, "metric,value,lo,hi,k,n\n");
	if (r->nclasses == 2) {
		const struct nu_binary_eval *e = &r->bin;

		fprintf(f, "threshold,%.9g,,,,\n", r->threshold);
		ratio_row(f, "accuracy", &e->at.accuracy);
		fprintf(f, "balanced_accuracy,%.9g,%.9g,%.9g,,\n", e->at.balanced,
		    e->at.balanced - e->at.balanced_err,
		    e->at.balanced + e->at.balanced_err);
		ratio_row(f, "efficiency", &e->at.efficiency);
		ratio_row(f, "purity", &e->at.purity);
		ratio_row(f, "rejection", &e->at.rejection);
		fprintf(f, "f1,%.9g,,,,\nfom,%.9g,,,,\nauc,%.9g,,,,\n"
		    "average_precision,%.9g,,,,\nbaseline,%.9g,,,,\n"
		    "best_threshold_balanced,%.9g,,,,\nbest_threshold_fom,%.9g,,,,\n"
		    "youden_threshold,%.9g,,,,\n", e->at.f1, e->at.fom, e->auc, e->ap,
		    e->baseline, e->scan[e->best_balanced].t, e->scan[e->best_fom].t,
		    e->youden_t);
		fprintf(f, "tp,%.9g,,,,\nfp,%.9g,,,,\ntn,%.9g,,,,\nfn,%.9g,,,,\n",
		    e->at.c.tp, e->at.c.fp, e->at.c.tn, e->at.c.fn);
	} else if (r->nclasses > 2) {
		ratio_row(f, "accuracy", &r->multi.accuracy);
		fprintf(f, "macro_f1,%.9g,,,,\nmicro_f1,%.9g,,,,\nbaseline,%.9g,,,,\n",
		    r->multi.macro_f1, r->multi.micro_f1, r->multi.baseline);
	} else {
		fprintf(f, "mse,%.9g,,,,\nmae,%.9g,,,,\nbias,%.9g,,,,\n"
		    "resolution,%.9g,,,,\n", r->reg.mse, r->reg.mae, r->reg.bias,
		    r->reg.resolution);
	}
}

/* The threshold scan: t = 0.00 .. 1.00. */
static void
thresholds(FILE *f, const struct nu_binary_eval *e)
{
	fprintf(f, "threshold,efficiency,purity,rejection,balanced_accuracy,"
	    "accuracy,f1,fom\n");
	for (int k = 0; k < NU_EVAL_NSCAN; k++) {
		const struct nu_binary_at *a = &e->scan[k];

		fprintf(f, "%.2f,", a->t);
		num(f, a->efficiency.value);
		fputc(',', f);
		num(f, a->purity.value);
		fputc(',', f);
		num(f, a->rejection.value);
		fprintf(f, ",%.9g,%.9g,%.9g,%.9g\n", a->balanced, a->accuracy.value,
		    a->f1, a->fom);
	}
}

static void
curve(FILE *f, const struct nu_curve *c, bool pr)
{
	fprintf(f, pr ? "recall,precision,min_score\n" :
	    "false_positive_rate,efficiency,min_score\n");
	for (size_t i = 0; i < c->n; i++) {
		num(f, c->x[i]);
		fputc(',', f);
		num(f, c->y[i]);
		fputc(',', f);
		num(f, c->t[i]);
		fputc('\n', f);
	}
}

/* Rows true class, columns predicted, one line per cell. */
static void
confusion(FILE *f, const struct nu_eval_report *r)
{
	int k = r->nclasses == 2 ? 2 : r->multi.k;
	const struct nu_confusion *c = &r->bin.at.c;

	fprintf(f, "true,predicted,events\n");
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			double v = r->nclasses > 2 ? r->multi.count[i][j] :
			    i == 1 && j == 1 ? c->tp : i == 1 ? c->fn :
			    j == 1 ? c->fp : c->tn;

			fprintf(f, "%s,%s,%.9g\n", nu_task_class_name(r->task, i),
			    nu_task_class_name(r->task, j), v);
		}
}

static void
slices(FILE *f, const struct nu_eval_report *r)
{
	fprintf(f, "family,slice,lo,hi,events,signal,accuracy,accuracy_lo,"
	    "accuracy_hi,efficiency,efficiency_lo,efficiency_hi,rejection,mse,mae,"
	    "bias,resolution\n");
	for (int i = 0; i < r->nslices; i++) {
		const struct nu_slice *s = &r->slices[i];
		const double v[] = { s->accuracy.value, s->accuracy.lo,
		    s->accuracy.hi, s->efficiency.value, s->efficiency.lo,
		    s->efficiency.hi, s->rejection.value, s->reg.mse, s->reg.mae,
		    s->reg.bias, s->reg.resolution };

		fprintf(f, "%s,%s,", nu_slice_family_name(s->family), s->name);
		num(f, s->family >= NU_SLICE_ENU ? s->lo : NAN);
		fputc(',', f);
		num(f, s->family >= NU_SLICE_ENU ? s->hi : NAN);
		fprintf(f, ",%llu,%llu", (unsigned long long)s->n,
		    (unsigned long long)s->nsig);
		/* the regression columns only for regressions */
		for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
			fputc(',', f);
			num(f, r->nclasses == 0 || k < 7 ? v[k] : NAN);
		}
		fputc('\n', f);
	}
}

enum nu_status
nu_eval_csv(const struct nu_eval_report *r, const char *dir, int *written,
    char **cause)
{
	enum { SUMMARY, THRESHOLDS, ROC, PR, CONFUSION, SLICES, NTABLES };
	static const char *const names[NTABLES] = { "summary.csv",
	    "thresholds.csv", "roc.csv", "pr.csv", "confusion.csv", "slices.csv" };
	enum nu_status st;

	if (written != NULL)
		*written = 0;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return nu_fail(cause, NU_ERR_IO, "%s: %s", dir, strerror(errno));
	for (int which = 0; which < NTABLES; which++) {
		struct table tb;

		if ((which == THRESHOLDS || which == ROC || which == PR) &&
		    r->nclasses != 2)
			continue;
		if (which == CONFUSION && r->nclasses == 0)
			continue;
		if ((st = table_open(&tb, dir, names[which], cause)) != NU_OK)
			return st;
		switch (which) {
		case SUMMARY: summary(tb.f, r); break;
		case THRESHOLDS: thresholds(tb.f, &r->bin); break;
		case ROC: curve(tb.f, &r->bin.roc, false); break;
		case PR: curve(tb.f, &r->bin.pr, true); break;
		case CONFUSION: confusion(tb.f, r); break;
		default: slices(tb.f, r); break;
		}
		if ((st = table_close(&tb, written, cause)) != NU_OK)
			return st;
	}
	return NU_OK;
}
