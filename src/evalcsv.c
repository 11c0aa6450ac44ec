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
#include "evalfields.h"

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

/* A ratio's value,lo,hi. */
static void
ratio_cols(FILE *f, const struct nu_ratio *r)
{
	num(f, r->value);
	fputc(',', f);
	num(f, r->lo);
	fputc(',', f);
	num(f, r->hi);
}

/* A field as summary.csv's row: metric,value,lo,hi,k,n. */
static void
summary_row(FILE *f, const struct nu_field *fd, const void *rec)
{
	fprintf(f, "%s,", fd->name);
	if (fd->kind == NU_FIELD_RATIO) {
		const struct nu_ratio *r = fd->ratio(rec);

		ratio_cols(f, r);
		fprintf(f, ",%.9g,%.9g\n", r->k, r->n);
		return;
	}
	num(f, fd->num(rec));
	fputc(',', f);
	if (fd->kind == NU_FIELD_PM) {
		double v = fd->num(rec), e = fd->err(rec);

		num(f, v - e);
		fputc(',', f);
		num(f, v + e);
	} else {
		fputc(',', f);
	}
	fputs(",,\n", f);
}

static void
summary_rows(FILE *f, const struct nu_fields *fs, const void *rec)
{
	for (int i = 0; i < fs->n; i++)
		summary_row(f, &fs->f[i], rec);
}

static void
summary(FILE *f, const struct nu_eval_report *r)
{
	fprintf(f, "metric,value,lo,hi,k,n\n");
	if (r->nclasses == 2) {
		summary_rows(f, &nu_fields_at, &r->bin.at);
		summary_rows(f, &nu_fields_binary, &r->bin);
	} else if (r->nclasses > 2) {
		summary_rows(f, &nu_fields_multi, &r->multi);
	} else {
		summary_rows(f, &nu_fields_reg, &r->reg);
	}
}

/* The threshold scan, t = 0.00 .. 1.00: the fields of nu_fields_at marked
 * NU_FIELD_SCAN, a ratio by its value. */
static void
thresholds(FILE *f, const struct nu_binary_eval *e)
{
	const struct nu_fields *fs = &nu_fields_at;
	bool first = true;

	for (int i = 0; i < fs->n; i++)
		if (fs->f[i].in & NU_FIELD_SCAN) {
			fprintf(f, "%s%s", first ? "" : ",", fs->f[i].name);
			first = false;
		}
	fputc('\n', f);
	for (int k = 0; k < NU_EVAL_NSCAN; k++) {
		first = true;
		for (int i = 0; i < fs->n; i++)
			if (fs->f[i].in & NU_FIELD_SCAN) {
				if (!first)
					fputc(',', f);
				num(f, nu_field_value(&fs->f[i], &e->scan[k]));
				first = false;
			}
		fputc('\n', f);
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

/* slices.csv: a field as its column, a ratio as three (NAME, NAME_lo,
 * NAME_hi); the header from the same lists. */
static void
field_header(FILE *f, const struct nu_fields *fs)
{
	for (int i = 0; i < fs->n; i++)
		if (fs->f[i].kind == NU_FIELD_RATIO)
			fprintf(f, ",%s,%s_lo,%s_hi", fs->f[i].name, fs->f[i].name,
			    fs->f[i].name);
		else
			fprintf(f, ",%s", fs->f[i].name);
}

static void
field_columns(FILE *f, const struct nu_fields *fs, const void *rec)
{
	for (int i = 0; i < fs->n; i++) {
		const struct nu_field *fd = &fs->f[i];

		fputc(',', f);
		if (rec == NULL) {
			/* does not apply: empty columns */
			if (fd->kind == NU_FIELD_RATIO)
				fputs(",,", f);
		} else if (fd->kind == NU_FIELD_RATIO) {
			ratio_cols(f, fd->ratio(rec));
		} else {
			num(f, fd->num(rec));
		}
	}
}

static void
slices(FILE *f, const struct nu_eval_report *r)
{
	fprintf(f, "family,slice,lo,hi,events,signal");
	field_header(f, &nu_fields_slice);
	field_header(f, &nu_fields_reg);
	fputc('\n', f);
	for (int i = 0; i < r->nslices; i++) {
		const struct nu_slice *s = &r->slices[i];

		fprintf(f, "%s,%s,", nu_slice_family_name(s->family), s->name);
		num(f, s->family >= NU_SLICE_ENU ? s->lo : NAN);
		fputc(',', f);
		num(f, s->family >= NU_SLICE_ENU ? s->hi : NAN);
		fprintf(f, ",%llu,%llu", (unsigned long long)s->n,
		    (unsigned long long)s->nsig);
		field_columns(f, &nu_fields_slice, s);
		/* the regression columns only for regressions */
		field_columns(f, &nu_fields_reg, r->nclasses == 0 ? (const void *)&s->reg : NULL);
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
