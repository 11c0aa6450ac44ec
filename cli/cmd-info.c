/*
 * cmd-info.c: `nuscope info`: what a set of files holds.
 *
 * A set with no events (a --where that selects none, an empty file) has
 * counts (all 0) but no fractions, medians or baseline: those print as
 * '-' in text, as empty fields in CSV and as null in JSON, never as a 0
 * that reads like a measurement (medians are left out of JSON and CSV
 * altogether).
 *
 * The summary's JSON and CSV are two walks of one description of its
 * fields (src/summaryfields.h), so a number added there appears in both
 * under the same name; the file table and the text are written here.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dataset.h"
#include "labels.h"
#include "model.h"
#include "summary.h"
#include "summaryfields.h"
#include "term.h"
#include "where.h"

enum { OUT_TEXT, OUT_JSON, OUT_CSV };

struct info_args {
	bool json, csv, skip_bad;
	int bins, color, out;
	const char *where, *model;
};
#define A(m) offsetof(struct info_args, m)

/* the last of --json and --csv wins */
static bool
set_json(void *args, const char *arg, char **cause)
{
	(void)arg, (void)cause;
	((struct info_args *)args)->out = OUT_JSON;
	return true;
}

static bool
set_csv(void *args, const char *arg, char **cause)
{
	(void)arg, (void)cause;
	((struct info_args *)args)->out = OUT_CSV;
	return true;
}

static const struct cli_opt info_opts[] = {
	{ "json", 0, CLI_OPT_FLAG, A(json), .fn = set_json, .help = "print every number as one JSON document" },
	{ "csv", 0, CLI_OPT_FLAG, A(csv), .fn = set_csv, .help = "print every number as CSV rows" },
	{ "bins", 0, CLI_OPT_INT, A(bins), .min = 1, .max = NU_HIST_MAXBINS, .meta = "N",
	    .help = "histogram bins (1-100, default 10)" },
	{ "where", 0, CLI_OPT_STRING, A(where), .meta = "EXPR",
	    .help = "count only the events EXPR selects, e.g.\n"
	    "'mode == DIS && nuenergy > 10' (see nuscope(1))" },
	{ "model", 0, CLI_OPT_STRING, A(model), .meta = "MODEL.h5",
	    .help = "let --where read the model's output for each event:\n"
	    "score, label and selected, e.g. 'selected && label == 0'" },
	{ "skip-bad", 0, CLI_OPT_FLAG, A(skip_bad),
	    .help = "leave out unreadable files (with a warning) instead of failing" },
	{ "color", 0, CLI_OPT_CHOICE, A(color), .choices = cli_color_choices, .meta = "WHEN",
	    .help = "auto (default), always or never" },
	{ "help", 'h', CLI_OPT_FLAG, .help = "this text" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help info_page[] = {
	{ "usage: nuscope info [OPTIONS] FILE|DIR|GLOB...\n"
	    "\n"
	    "Summarise NOvA-format HDF5 files: a table of files (events, size, storage\n"
	    "of /cvnmap), then for all of them together the counts per interaction\n"
	    "code, flavour group, mode and final-state topology, E_nu, E_lep and\n"
	    "y = E_lep/E_nu statistics and histograms, and the trivial baseline of\n"
	    "the numu CC task.\n"
	    "\n"
	    "options:\n", info_opts },
	{ NULL, NULL },
};

static const struct cli_cmd info_cmd = { "info", info_opts, info_page };

/* ---- JSON ---------------------------------------------------------------- */

static void json_fields(FILE *f, const struct nu_sfields *fs, const void *rec,
    const char *ind);

/* A TABLE's rows; with ind (the table is a field of a top-level object),
 * a lines table puts each row on a line of its own. */
static void
json_table(FILE *f, const struct nu_sfield *fd, const void *rec, uint64_t events,
    const char *ind)
{
	struct nu_sfield_row r;
	int first = 1;

	fputc('[', f);
	for (int i = 0; i < fd->nrows; i++) {
		if (!fd->row(rec, i, &r))
			continue;
		if (fd->lines && ind != NULL)
			fprintf(f, "%s\n%s    ", first ? "" : ",", ind);
		else if (!first)
			fputs(", ", f);
		first = 0;
		fputc('{', f);
		if (r.code >= 0)
			fprintf(f, "\"code\": %d, ", r.code);
		fputs("\"name\": ", f);
		json_str(f, r.name);
		if (r.group != NULL) {
			fputs(", \"group\": ", f);
			json_str(f, r.group);
		}
		if (r.mode != NULL) {
			fputs(", \"mode\": ", f);
			json_str(f, r.mode);
		}
		fprintf(f, ", \"events\": %llu, \"fraction\": ", (unsigned long long)r.events);
		json_num(f, nu_sfield_fraction(r.events, events));
		fputc('}', f);
	}
	fputc(']', f);
}

static void
json_field(FILE *f, const struct nu_sfield *fd, const void *rec, uint64_t events,
    const char *ind)
{
	const uint64_t *h;
	double lo, hi;
	int n;

	switch (fd->kind) {
	case NU_SFIELD_COUNT:
	case NU_SFIELD_SHARE:
		fprintf(f, "%llu", (unsigned long long)fd->count(rec));
		break;
	case NU_SFIELD_NUM:
	case NU_SFIELD_ORDER:
		json_num(f, fd->num(rec));
		break;
	case NU_SFIELD_STAT:
		json_num(f, events > 0 ? fd->num(rec) : NAN);
		break;
	case NU_SFIELD_TABLE:
		json_table(f, fd, rec, events, ind);
		break;
	case NU_SFIELD_BINS:
		h = fd->bins(rec, &n, &lo, &hi);
		fputc('[', f);
		for (int b = 0; b < n; b++)
			fprintf(f, "%s%llu", b ? ", " : "", (unsigned long long)h[b]);
		fputc(']', f);
		break;
	case NU_SFIELD_GROUP:
		json_fields(f, fd->fields, fd->sub(rec), NULL);
		break;
	}
}

/* The fields of fs in rec as an object: with ind, one field a line
 * indented by ind; without, all on one line.  An ORDER field of a record
 * without events is left out. */
static void
json_fields(FILE *f, const struct nu_sfields *fs, const void *rec, const char *ind)
{
	uint64_t events = fs->events(rec);
	int first = 1;

	fputc('{', f);
	for (int i = 0; i < fs->n; i++) {
		const struct nu_sfield *fd = &fs->f[i];

		if (fd->kind == NU_SFIELD_ORDER && events == 0)
			continue;
		if (ind != NULL)
			fprintf(f, "%s\n%s  ", first ? "" : ",", ind);
		else if (!first)
			fputs(", ", f);
		first = 0;
		json_str(f, fd->name);
		fputs(": ", f);
		json_field(f, fd, rec, events, ind);
	}
	if (ind != NULL)
		fprintf(f, "\n%s}", ind);
	else
		fputc('}', f);
}

static void
json_storage(FILE *f, const struct nu_storage *s)
{
	fputs("{\"layout\": ", f);
	json_str(f, s->layout);
	fprintf(f, ", \"chunk_rows\": %llu, \"gzip\": %d, \"shuffle\": %s, "
	    "\"other_filters\": %s, \"stored_bytes\": %llu}",
	    (unsigned long long)s->chunk_rows, s->gzip_level,
	    s->shuffle ? "true" : "false", s->other_filters ? "true" : "false",
	    (unsigned long long)s->stored_bytes);
}

static void
print_json(FILE *f, struct nu_dataset *ds, const char *where,
    const struct nu_summary *per, const struct nu_summary *tot)
{
	fprintf(f, "{\n  \"nuscope_version\": \"%s\",\n  \"where\": ", PACKAGE_VERSION);
	if (where != NULL)
		json_str(f, where);
	else
		fputs("null", f);
	fputs(",\n  \"files\": [", f);
	for (size_t i = 0; i < nu_dataset_nfiles(ds); i++) {
		const struct nu_fileinfo *fi = nu_dataset_file(ds, i);
		int first = 1;

		fprintf(f, "%s\n    {\"path\": ", i ? "," : "");
		json_str(f, fi->path);
		fprintf(f, ", \"events\": %llu, \"first_event\": %llu, "
		    "\"size_bytes\": %llu,\n     \"cvnmap\": ",
		    (unsigned long long)fi->nevents, (unsigned long long)fi->first,
		    (unsigned long long)fi->size);
		json_storage(f, &fi->cvnmap);
		fputs(",\n     \"columns\": {", f);
		for (int c = 0; c < NU_NCOLUMNS; c++) {
			if (!(fi->columns & (1u << c)))
				continue;
			fputs(first ? "" : ", ", f);
			json_str(f, nu_column_name(c));
			fputs(": ", f);
			json_str(f, fi->column_types[c]);
			first = 0;
		}
		fputs("},\n     \"missing_columns\": [", f);
		first = 1;
		for (int c = 0; c < NU_NCOLUMNS; c++) {
			if (fi->columns & (1u << c))
				continue;
			fputs(first ? "" : ", ", f);
			json_str(f, nu_column_name(c));
			first = 0;
		}
		fputs("],\n     \"summary\": ", f);
		json_fields(f, &nu_sfields_summary, &per[i], "     ");
		fputc('}', f);
	}
	fputs("\n  ],\n  \"skipped\": [", f);
	for (size_t i = 0; i < nu_dataset_nskipped(ds); i++) {
		const char *why, *p = nu_dataset_skipped(ds, i, &why);

		fprintf(f, "%s{\"path\": ", i ? ", " : "");
		json_str(f, p);
		fputs(", \"reason\": ", f);
		json_str(f, why);
		fputc('}', f);
	}
	fputs("],\n  \"total\": ", f);
	json_fields(f, &nu_sfields_summary, tot, "  ");
	fputs("\n}\n", f);
}

/* ---- CSV ------------------------------------------------------------------ */

static void
csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* One row: scope,section,key,label,events,fraction,value (empty fields
 * where they do not apply). */
static void
csv_row(FILE *f, const char *scope, const char *section, const char *key,
    const char *label, const uint64_t *events, const double *fraction,
    const double *value)
{
	csv_field(f, scope);
	fputc(',', f);
	csv_field(f, section);
	fputc(',', f);
	csv_field(f, key);
	fputc(',', f);
	csv_field(f, label);
	fputc(',', f);
	if (events != NULL)
		fprintf(f, "%llu", (unsigned long long)*events);
	fputc(',', f);
	if (fraction != NULL && isfinite(*fraction))
		fprintf(f, "%.9g", *fraction);
	fputc(',', f);
	if (value != NULL && isfinite(*value))
		fprintf(f, "%.9g", *value);
	fputc('\n', f);
}

static void
csv_count(FILE *f, const char *scope, const char *section, const char *key,
    const char *label, uint64_t k, uint64_t n)
{
	double fr = nu_sfield_fraction(k, n);

	csv_row(f, scope, section, key, label, &k, &fr, NULL);
}

/* A TABLE's rows: key the code, or the name when the rows have none. */
static void
csv_table(FILE *f, const char *scope, const char *section,
    const struct nu_sfield *fd, const void *rec, uint64_t events)
{
	struct nu_sfield_row r;
	char key[16];

	for (int i = 0; i < fd->nrows; i++) {
		if (!fd->row(rec, i, &r))
			continue;
		if (r.code >= 0)
			snprintf(key, sizeof key, "%d", r.code);
		csv_count(f, scope, section, r.code >= 0 ? key : r.name, r.name,
		    r.events, events);
	}
}

/* BINS: a row per bin, labelled with its edges */
static void
csv_bins(FILE *f, const char *scope, const char *section,
    const struct nu_sfield *fd, const void *rec, uint64_t events)
{
	char key[16], label[64];
	double lo, hi;
	int n;
	const uint64_t *h = fd->bins(rec, &n, &lo, &hi);

	for (int b = 0; b < n; b++) {
		double w = (hi - lo) / n;

		snprintf(key, sizeof key, "%d", b);
		snprintf(label, sizeof label, "%.6g-%.6g", lo + b * w, lo + (b + 1) * w);
		csv_count(f, scope, section, key, label, h[b], events);
	}
}

/* The rows of the fields of fs in rec.  section NULL: fs is the top-level
 * list, whose fields say their own section and key; otherwise the rows
 * are section,NAME and an inner group's section is section_NAME. */
static void
csv_fields(FILE *f, const char *scope, const char *section,
    const struct nu_sfields *fs, const void *rec)
{
	uint64_t events = fs->events(rec);

	for (int i = 0; i < fs->n; i++) {
		const struct nu_sfield *fd = &fs->f[i];
		const char *sec = section != NULL ? section :
		    fd->section != NULL ? fd->section : fd->name;
		const char *key = section != NULL || fd->key == NULL ? fd->name : fd->key;
		const char *label = fd->label != NULL ? fd->label : "";
		char sub[64];
		double v;

		switch (fd->kind) {
		case NU_SFIELD_COUNT:
			v = (double)fd->count(rec);
			csv_row(f, scope, sec, key, label, NULL, NULL, &v);
			break;
		case NU_SFIELD_SHARE:
			csv_count(f, scope, sec, key, label, fd->count(rec), events);
			break;
		case NU_SFIELD_ORDER:
			if (events == 0)
				break;
			/* FALLTHROUGH */
		case NU_SFIELD_NUM:
			v = fd->num(rec);
			csv_row(f, scope, sec, key, label, NULL, NULL, &v);
			break;
		case NU_SFIELD_STAT:
			v = events > 0 ? fd->num(rec) : NAN;
			csv_row(f, scope, sec, key, label, NULL, NULL, &v);
			break;
		case NU_SFIELD_TABLE:
			csv_table(f, scope, sec, fd, rec, events);
			break;
		case NU_SFIELD_BINS:
			csv_bins(f, scope, sec, fd, rec, events);
			break;
		case NU_SFIELD_GROUP:
			if (section != NULL)
				snprintf(sub, sizeof sub, "%s_%s", section, fd->name);
			else
				snprintf(sub, sizeof sub, "%s", sec);
			csv_fields(f, scope, sub, fd->fields, fd->sub(rec));
			break;
		}
	}
}

static void
print_csv(FILE *f, struct nu_dataset *ds, const struct nu_summary *per,
    const struct nu_summary *tot)
{
	fputs("scope,section,key,label,events,fraction,value\n", f);
	for (size_t i = 0; i < nu_dataset_nfiles(ds); i++) {
		const struct nu_fileinfo *fi = nu_dataset_file(ds, i);
		double size = (double)fi->size, rows = (double)fi->cvnmap.chunk_rows;
		double gz = fi->cvnmap.gzip_level, shuf = fi->cvnmap.shuffle;
		double stored = (double)fi->cvnmap.stored_bytes;

		csv_row(f, fi->path, "file", "size_bytes", "", NULL, NULL, &size);
		csv_row(f, fi->path, "file", "layout", fi->cvnmap.layout, NULL, NULL, NULL);
		csv_row(f, fi->path, "file", "chunk_rows", "", NULL, NULL, &rows);
		csv_row(f, fi->path, "file", "gzip", "", NULL, NULL, &gz);
		csv_row(f, fi->path, "file", "shuffle", "", NULL, NULL, &shuf);
		csv_row(f, fi->path, "file", "stored_bytes", "", NULL, NULL, &stored);
		csv_fields(f, fi->path, NULL, &nu_sfields_summary, &per[i]);
	}
	for (size_t i = 0; i < nu_dataset_nskipped(ds); i++) {
		const char *why, *p = nu_dataset_skipped(ds, i, &why);

		csv_row(f, p, "skipped", "reason", why, NULL, NULL, NULL);
	}
	csv_fields(f, "total", NULL, &nu_sfields_summary, tot);
}

/* ---- text ------------------------------------------------------------------ */

static const char *
human_size(uint64_t b, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double x = (double)b;
	int u = 0;

	while (x >= 1000.0 && u < 4) {
		x /= 1000.0;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", x, units[u]);
	return buf;
}

static const char *
storage_text(const struct nu_storage *s, uint64_t nevents, char *buf, size_t len)
{
	size_t n;

	if (s->chunk_rows > 0)
		n = (size_t)snprintf(buf, len, "chunked %llu rows",
		    (unsigned long long)s->chunk_rows);
	else
		n = (size_t)snprintf(buf, len, "%s", s->layout);
	if (n < len && s->gzip_level >= 0)
		n += (size_t)snprintf(buf + n, len - n, ", gzip %d", s->gzip_level);
	if (n < len && s->shuffle)
		n += (size_t)snprintf(buf + n, len - n, ", shuffle");
	if (n < len && s->other_filters)
		n += (size_t)snprintf(buf + n, len - n, ", other filters");
	if (n < len && s->stored_bytes > 0 && nevents > 0)
		snprintf(buf + n, len - n, " (%.1fx)",
		    (double)nevents * 16000.0 / (double)s->stored_bytes);
	return buf;
}

struct textctx {
	FILE *f;
	struct term_style st;
	bool utf8;
};

static const char *
basename_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : p;
}

/* A bar of `width` cells for fraction x (eighth blocks in UTF-8). */
static void
bar(const struct textctx *t, double x, int width)
{
	static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	int units;

	if (!isfinite(x))
		return;
	units = (int)lround(x * width * (t->utf8 ? 8 : 1));
	fputs(t->st.bar, t->f);
	if (t->utf8) {
		for (int i = 0; i < units / 8; i++)
			fputs("█", t->f);
		fputs(eighths[units % 8], t->f);
	} else {
		for (int i = 0; i < units; i++)
			fputc('#', t->f);
	}
	fputs(t->st.reset, t->f);
}

static void
count_line(const struct textctx *t, const char *code, const char *name,
    uint64_t k, uint64_t n)
{
	fprintf(t->f, "  %4s  ", code);
	term_put_padded(t->f, name, 30);
	if (n > 0)
		fprintf(t->f, " %9llu %6.2f%%  ", (unsigned long long)k, 100.0 * nu_sfield_fraction(k, n));
	else
		fprintf(t->f, " %9llu %7s  ", (unsigned long long)k, "-");
	bar(t, nu_sfield_fraction(k, n), 30);
	fputc('\n', t->f);
}

static void
heading(const struct textctx *t, const char *s)
{
	fprintf(t->f, "\n%s%s%s\n", t->st.head, s, t->st.reset);
}

static void
stats_line(const struct textctx *t, const char *name, const struct nu_stats *s)
{
	fputs("  ", t->f);
	term_put_padded(t->f, name, 14);
	if (s->n == 0) {
		fprintf(t->f, " %9s   no events\n", "0");
		return;
	}
	fprintf(t->f, " %9llu", (unsigned long long)s->n);
	for (int i = 0; i < 5; i++) {
		double v = (i == 0 ? s->min : i == 1 ? s->q1 :
		    i == 2 ? s->median : i == 3 ? s->q3 : s->max);

		fprintf(t->f, fabs(v) < 1e5 ? " %9.3f" : " %9.3g", v);
	}
	fputc('\n', t->f);
}

static void
histogram_block(const struct textctx *t, const char *title, const char *unit,
    const struct nu_stats *s)
{
	uint64_t peak = 0;
	double w = (s->hi - s->lo) / s->nbins;
	char buf[96];

	snprintf(buf, sizeof buf, "%s: %d bins of %.4g%s%s from %.4g", title,
	    s->nbins, w, unit[0] ? " " : "", unit, s->lo);
	heading(t, buf);
	if (s->n == 0) {
		fprintf(t->f, "  (no events)\n");
		return;
	}
	for (int b = 0; b < s->nbins; b++)
		if (s->hist[b] > peak)
			peak = s->hist[b];
	for (int b = 0; b < s->nbins; b++) {
		/* %g once the edges outgrow the column (a file with a huge
		 * value stretches the range) */
		fprintf(t->f, fabs(s->hi) < 1e5 ? "  %8.3f - %8.3f %9llu  " :
		    "  %8.3g - %8.3g %9llu  ", s->lo + b * w, s->lo + (b + 1) * w,
		    (unsigned long long)s->hist[b]);
		bar(t, peak ? (double)s->hist[b] / peak : 0, 40);
		fputc('\n', t->f);
	}
	if (s->underflow)
		fprintf(t->f, "  below %.4g: %llu\n", s->lo, (unsigned long long)s->underflow);
	if (s->overflow)
		fprintf(t->f, "  above %.4g: %llu\n", s->hi, (unsigned long long)s->overflow);
}

/* Values that are NaN or infinite are in no statistic and no bin: say so. */
static void
nonfinite_line(const struct textctx *t, const char *title, const struct nu_stats *s)
{
	if (s->nonfinite > 0)
		fprintf(t->f, "  %s: %llu event%s not finite (NaN/inf), not in the "
		    "histogram\n", title, (unsigned long long)s->nonfinite,
		    s->nonfinite == 1 ? "" : "s");
}

/* The headline, the table of files, what they lack and what was skipped. */
static void
text_files(const struct textctx *t, struct nu_dataset *ds, const char *where,
    const struct nu_summary *per, const struct nu_summary *s)
{
	FILE *f = t->f;
	char buf[128], sz[32];
	size_t nf = nu_dataset_nfiles(ds);
	size_t wname = 4;
	bool any_missing = false;

	for (size_t i = 0; i < nf; i++) {
		size_t l = strlen(basename_of(nu_dataset_file(ds, i)->path));
		if (l > wname)
			wname = l;
	}
	if (wname > 40)
		wname = 40;
	if (where != NULL)
		fprintf(f, "%s%zu file%s, %llu of %llu events where %s%s\n", t->st.bold, nf,
		    nf == 1 ? "" : "s", (unsigned long long)s->events,
		    (unsigned long long)nu_dataset_nevents(ds), where, t->st.reset);
	else
		fprintf(f, "%s%zu file%s, %llu events%s\n", t->st.bold, nf, nf == 1 ? "" : "s",
		    (unsigned long long)s->events, t->st.reset);
	fprintf(f, "\n%s  %-*s %9s %10s ", t->st.head, (int)wname, "file",
	    "events", "size");
	term_put_padded(f, t->utf8 ? "  νμ CC" : "numu CC", 7);
	fputc(' ', f);
	term_put_padded(f, t->utf8 ? "  E_ν med" : " E_nu med", 9);
	fprintf(f, "  cvnmap storage%s\n", t->st.reset);
	for (size_t i = 0; i < nf; i++) {
		const struct nu_fileinfo *fi = nu_dataset_file(ds, i);
		char numu[16] = "-", med[16] = "-";

		if (per[i].events > 0)
			snprintf(numu, sizeof numu, "%.1f%%",
			    100.0 * per[i].numu_cc_fraction);
		if (per[i].nuenergy.n > 0)
			snprintf(med, sizeof med, "%.3f", per[i].nuenergy.median);
		fprintf(f, "  %-*s %9llu %10s %7s %9s  %s\n", (int)wname,
		    basename_of(fi->path), (unsigned long long)per[i].events,
		    human_size(fi->size, sz, sizeof sz), numu, med,
		    storage_text(&fi->cvnmap, fi->nevents, buf, sizeof buf));
		for (int c = 0; c < NU_NCOLUMNS; c++)
			if (!(fi->columns & (1u << c)))
				any_missing = true;
	}
	if (any_missing) {
		fprintf(f, "  missing optional columns:");
		for (size_t i = 0; i < nf; i++) {
			const struct nu_fileinfo *fi = nu_dataset_file(ds, i);
			int sep = 0;

			if (fi->columns == (1u << NU_NCOLUMNS) - 1)
				continue;
			fprintf(f, "\n    %s:", basename_of(fi->path));
			for (int c = 0; c < NU_NCOLUMNS; c++)
				if (!(fi->columns & (1u << c))) {
					fprintf(f, "%s %s", sep ? "," : "", nu_column_name(c));
					sep = 1;
				}
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < nu_dataset_nskipped(ds); i++) {
		const char *why, *p = nu_dataset_skipped(ds, i, &why);

		(void)p;   /* the reason names the file */
		fprintf(f, "  skipped: %s\n", why);
	}
}

static void
print_text(FILE *f, bool color, struct nu_dataset *ds, const char *where,
    const struct nu_summary *per, const struct nu_summary *s)
{
	struct textctx t = { .f = f, .utf8 = term_utf8() };
	char buf[128], code[16];

	term_style_init(&t.st, color);
	text_files(&t, ds, where, per, s);

	heading(&t, "Interaction codes");
	for (uint32_t c = 0; c < NU_NCODES; c++) {
		snprintf(code, sizeof code, "%u", c);
		count_line(&t, code, t.utf8 ? nu_code_name_utf8(c) : nu_code_name(c),
		    s->codes[c], s->events);
	}
	if (s->code_overflow)
		count_line(&t, ">15", "unknown codes", s->code_overflow, s->events);

	heading(&t, "Groups");
	for (int g = 0; g < NU_NGROUPS; g++)
		count_line(&t, "", t.utf8 ? nu_group_name_utf8(g) : nu_group_name(g),
		    s->groups[g], s->events);

	heading(&t, "Modes");
	for (int m = 0; m < NU_NMODES; m++)
		count_line(&t, "", nu_mode_name(m), s->modes[m], s->events);
	count_line(&t, "", "none (cosmic, other)", s->mode_none, s->events);

	heading(&t, "Final-state topologies (finalstate)");
	for (uint32_t c = 0; c < NU_NFINALSTATES; c++) {
		if (s->finalstate[c] == 0)
			continue;
		snprintf(code, sizeof code, "%u", c);
		nu_finalstate_name(c, buf, sizeof buf);
		count_line(&t, code, buf, s->finalstate[c], s->events);
	}
	if (s->finalstate_unknown)
		count_line(&t, "?", "codes outside the enum", s->finalstate_unknown, s->events);
	if (s->finalstate_missing)
		count_line(&t, "-", "column missing", s->finalstate_missing, s->events);

	heading(&t, "Energies");
	fprintf(f, "  %-14s %9s %9s %9s %9s %9s %9s\n", "", "events", "min", "q1",
	    "median", "q3", "max");
	stats_line(&t, t.utf8 ? "E_ν (GeV)" : "E_nu (GeV)", &s->nuenergy);
	stats_line(&t, t.utf8 ? "E_ℓ (GeV)" : "E_lep (GeV)", &s->lepenergy);
	stats_line(&t, t.utf8 ? "y = E_ℓ/E_ν" : "y = E_lep/E_nu", &s->y);
	if (s->y.n < s->events)
		fprintf(f, "  (y over the %llu events with E_nu > 0)\n",
		    (unsigned long long)s->y.n);
	nonfinite_line(&t, t.utf8 ? "E_ν" : "E_nu", &s->nuenergy);
	nonfinite_line(&t, t.utf8 ? "E_ℓ" : "E_lep", &s->lepenergy);
	nonfinite_line(&t, "y", &s->y);

	histogram_block(&t, t.utf8 ? "E_ν" : "E_nu", "GeV", &s->nuenergy);
	histogram_block(&t, t.utf8 ? "E_ℓ" : "E_lep", "GeV", &s->lepenergy);
	histogram_block(&t, "y", "", &s->y);

	heading(&t, t.utf8 ? "Baseline for the νμ CC task" : "Baseline for the numu CC task");
	if (s->events > 0)
		fprintf(f, "  always answering \"%s\" scores %.2f%% accuracy "
		    "(%.2f%% of events are %s)\n",
		    s->numu_cc_fraction >= 0.5 ? (t.utf8 ? "νμ CC" : "numu CC") :
		    "not numu CC", 100.0 * s->baseline,
		    100.0 * s->numu_cc_fraction, t.utf8 ? "νμ CC" : "numu CC");
	else
		fprintf(f, "  no events\n");
}

int
cmd_info(int argc, char **argv)
{
	struct info_args args = { .bins = 10, .color = TERM_COLOR_AUTO, .out = OUT_TEXT };
	struct nu_open_opts oo = { 0 };
	struct nu_dataset *ds = NULL;
	struct nu_summary *per = NULL, total;
	struct nu_where *where = NULL;
	struct nu_model *model = NULL;
	const char *where_text, *model_path;
	int rc = 1;
	char *cause = NULL;
	enum nu_status st;

	if (!cli_opts_parse(&info_cmd, &args, argc, argv, &rc))
		return rc;
	rc = 1;
	where_text = args.where;
	model_path = args.model;
	oo.skip_bad = args.skip_bad;
	if (optind >= argc) {
		fprintf(stderr, "nuscope info: no files given\n");
		cli_opts_help(stderr, &info_cmd);
		return EXIT_USAGE;
	}
	if (model_path != NULL && where_text == NULL) {
		fprintf(stderr, "nuscope info: --model serves --where (score, label, "
		    "selected); give --where too\n");
		return EXIT_USAGE;
	}
	if (where_text != NULL && nu_where_compile(&where, where_text, &cause) != NU_OK) {
		fprintf(stderr, "nuscope info: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (model_path != NULL && (st = nu_model_load(model_path, &model, &cause)) != NU_OK) {
		cli_error("info", st, cause);
		goto out;
	}
	if (where != NULL && (st = nu_where_set_model(where, model, NAN, &cause)) != NU_OK) {
		fprintf(stderr, "nuscope info: %s\n", cause);
		rc = EXIT_USAGE;
		goto out;
	}
	st = nu_dataset_open(&ds, (const char *const *)argv + optind,
	    (size_t)(argc - optind), &oo, &cause);
	if (st != NU_OK) {
		cli_error("info", st, cause);
		if (st == NU_ERR_FORMAT && !oo.skip_bad)
			fprintf(stderr, "nuscope info: (--skip-bad leaves out "
			    "unreadable files)\n");
		goto out;
	}
	if ((per = calloc(nu_dataset_nfiles(ds), sizeof(*per))) == NULL) {
		cli_error("info", NU_ERR_NOMEM, NULL);
		goto out;
	}
	if ((st = nu_summary_dataset(ds, args.bins, where, per, &total, &cause)) != NU_OK) {
		cli_error("info", st, cause);
		goto out;
	}
	if (args.out == OUT_JSON)
		print_json(stdout, ds, where_text, per, &total);
	else if (args.out == OUT_CSV)
		print_csv(stdout, ds, per, &total);
	else
		print_text(stdout, term_use_color(stdout, (enum term_color_when)args.color), ds, where_text, per, &total);
	rc = 0;     /* main() flushes and checks standard output */
out:
	free(cause);
	free(per);
	nu_where_free(where);
	nu_model_free(model);
	nu_dataset_free(ds);
	return rc;
}
