/*
 * cmd-eval.c: `nuscope eval`: how good a trained model is, in the numbers
 * physicists use, on the terminal and as CSV and JSON.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dataset.h"
#include "eval.h"
#include "evalcsv.h"
#include "evalfields.h"
#include "evalplot.h"
#include "model.h"
#include "term.h"
#include "where.h"


/* ---- text ------------------------------------------------------------------ */

static void
ratio_text(FILE *f, const char *name, const struct nu_ratio *r, double baseline)
{
	if (isnan(r->value)) {
		fprintf(f, "  %-22s    -\n", name);
		return;
	}
	fprintf(f, "  %-22s %.4f  [%.4f, %.4f]  (%g of %g)", name, r->value, r->lo,
	    r->hi, r->k, r->n);
	if (!isnan(baseline))
		fprintf(f, "   baseline %.4f", baseline);
	fputc('\n', f);
}

/* v as a percentage with two decimals, or "-" when it is not a number (a
 * ratio of an empty row or column). */
static const char *
pct(char *buf, size_t len, double v)
{
	if (isfinite(v))
		snprintf(buf, len, "%.2f%%", 100 * v);
	else
		snprintf(buf, len, "-");
	return buf;
}

static void
binary_text(FILE *f, const struct nu_eval_report *r, const struct term_style *ts)
{
	const struct nu_binary_eval *e = &r->bin;
	const struct nu_binary_at *a = &e->at;
	const struct nu_confusion *c = &a->c;
	const struct nu_binary_at *bb = &e->scan[e->best_balanced], *bf = &e->scan[e->best_fom];
	const char *sig = nu_task_class_name(r->task, 1), *bkg = nu_task_class_name(r->task, 0);
	char p1[32], p2[32];

	fprintf(f, "%s%zu events: %.0f %s (signal), %.0f %s; threshold: score > %.2f%s\n",
	    ts->bold, r->n, e->npos, sig, e->nneg, bkg, r->threshold, ts->reset);
	fprintf(f, "\n%sConfusion matrix%s (rows: true, columns: selected as)\n", ts->head, ts->reset);
	fprintf(f, "  %-16s %12s %12s %12s %12s\n", "", sig, bkg, "efficiency", "");
	fprintf(f, "  %-16s %12.0f %12.0f %12s\n", sig, c->tp, c->fn,
	    pct(p1, sizeof p1, a->efficiency.value));
	fprintf(f, "  %-16s %12.0f %12.0f %12s  (rejection %s)\n", bkg, c->fp, c->tn,
	    pct(p1, sizeof p1, 1 - a->rejection.value),
	    pct(p2, sizeof p2, a->rejection.value));
	fprintf(f, "  %-16s %12s %12s\n", "purity", pct(p1, sizeof p1, a->purity.value),
	    pct(p2, sizeof p2, c->tn + c->fn > 0 ? c->tn / (c->tn + c->fn) : NAN));
	fprintf(f, "\n%sAt the threshold%s (68%% Wilson intervals)\n", ts->head, ts->reset);
	ratio_text(f, "accuracy", &a->accuracy, e->baseline);
	fprintf(f, "  %-22s %.4f  +- %.4f   baseline 0.5000\n", "balanced accuracy",
	    a->balanced, a->balanced_err);
	/* the trivial classifier calls every event the majority class */
	ratio_text(f, "efficiency (recall)", &a->efficiency, e->npos >= e->nneg ? 1.0 : 0.0);
	ratio_text(f, "purity (precision)", &a->purity,
	    e->npos >= e->nneg && e->n ? e->npos / (double)e->n : NAN);
	ratio_text(f, "background rejection", &a->rejection, e->npos >= e->nneg ? 0.0 : 1.0);
	fprintf(f, "  %-22s %.4f\n", "F1", a->f1);
	fprintf(f, "  %-22s %.2f\n", "s/sqrt(s+b)", a->fom);
	fprintf(f, "\n%sWhatever the threshold%s\n", ts->head, ts->reset);
	fprintf(f, "  %-22s %.4f   baseline 0.5000\n", "ROC AUC", e->auc);
	fprintf(f, "  %-22s %.4f   baseline %.4f\n", "average precision", e->ap,
	    e->n ? e->npos / (double)e->n : NAN);
	fprintf(f, "\n%sBest thresholds%s\n", ts->head, ts->reset);
	fprintf(f, "  by balanced accuracy  t = %.2f: balanced %.4f, efficiency %.4f, purity %.4f\n",
	    bb->t, bb->balanced, bb->efficiency.value, bb->purity.value);
	fprintf(f, "  by s/sqrt(s+b)        t = %.2f: s/sqrt(s+b) %.2f, efficiency %.4f, purity %.4f\n",
	    bf->t, bf->fom, bf->efficiency.value, bf->purity.value);
	fprintf(f, "  by Youden's J         score >= %.4g: J = %.4f\n", e->youden_t, e->youden_j);
}

static void
multi_text(FILE *f, const struct nu_eval_report *r, const struct term_style *ts)
{
	const struct nu_multi_eval *m = &r->multi;
	char p1[32], p2[32];

	fprintf(f, "%s%zu events, %d classes%s\n", ts->bold, r->n, m->k, ts->reset);
	fprintf(f, "\n%sConfusion matrix%s (rows: true, columns: predicted)\n  %-12s", ts->head,
	    ts->reset, "");
	for (int j = 0; j < m->k; j++)
		fprintf(f, " %10.10s", nu_task_class_name(r->task, j));
	fprintf(f, " %10s %10s\n", "efficiency", "purity");
	for (int i = 0; i < m->k; i++) {
		fprintf(f, "  %-12.12s", nu_task_class_name(r->task, i));
		for (int j = 0; j < m->k; j++)
			fprintf(f, " %10.0f", m->count[i][j]);
		fprintf(f, " %10s %10s\n", pct(p1, sizeof p1, m->efficiency[i].value),
		    pct(p2, sizeof p2, m->purity[i].value));
	}
	fputc('\n', f);
	ratio_text(f, "accuracy", &m->accuracy, m->baseline);
	fprintf(f, "  %-22s %.4f\n  %-22s %.4f\n", "macro F1", m->macro_f1, "micro F1", m->micro_f1);
}

static void
slices_text(FILE *f, const struct nu_eval_report *r, const struct term_style *ts)
{
	enum nu_slice_family last = NU_NSLICE_FAMILIES;

	fprintf(f, "\n%sSlices%s\n", ts->head, ts->reset);
	for (int i = 0; i < r->nslices; i++) {
		const struct nu_slice *s = &r->slices[i];

		if (s->family != last) {
			last = s->family;
			if (r->nclasses == 0)
				fprintf(f, "  %-10s %-16s %8s %10s %10s %10s %10s\n",
				    nu_slice_family_name(last), "", "events", "MSE", "MAE",
				    "bias", "resolution");
			else if (r->nclasses == 2)
				fprintf(f, "  %-10s %-16s %8s %8s %-25s %-25s\n",
				    nu_slice_family_name(last), "", "events", "signal",
				    "accuracy", "efficiency");
			else
				fprintf(f, "  %-10s %-16s %8s %-25s\n", nu_slice_family_name(last),
				    "", "events", "accuracy");
		}
		if (r->nclasses == 0) {
			fprintf(f, "  %-10s %-16s %8llu %10.4g %10.4g %10.4f %10.4f\n", "", s->name,
			    (unsigned long long)s->n, s->reg.mse, s->reg.mae, s->reg.bias,
			    s->reg.resolution);
			continue;
		}
		fprintf(f, "  %-10s %-16s %8llu", "", s->name, (unsigned long long)s->n);
		if (r->nclasses == 2)
			fprintf(f, " %8llu", (unsigned long long)s->nsig);
		fprintf(f, " %.4f [%.4f, %.4f]", s->accuracy.value, s->accuracy.lo, s->accuracy.hi);
		if (r->nclasses == 2 && s->nsig > 0)
			fprintf(f, " %.4f [%.4f, %.4f]", s->efficiency.value, s->efficiency.lo,
			    s->efficiency.hi);
		fputc('\n', f);
	}
}

/* ---- CSV and JSON ------------------------------------------------------------ */

/* A field as JSON: "name": number, a ratio as an object with its
 * interval and counts, a number with an uncertainty as name and name_err;
 * the fields of a list joined by ", ". */
static void
jfield(FILE *f, const struct nu_field *fd, const void *rec)
{
	if (fd->kind == NU_FIELD_RATIO) {
		const struct nu_ratio *r = fd->ratio(rec);

		fprintf(f, "\"%s\": {\"value\": ", fd->name);
		json_num(f, r->value);
		fputs(", \"lo\": ", f);
		json_num(f, r->lo);
		fputs(", \"hi\": ", f);
		json_num(f, r->hi);
		fprintf(f, ", \"k\": %.9g, \"n\": %.9g}", r->k, r->n);
		return;
	}
	fprintf(f, "\"%s\": ", fd->name);
	json_num(f, fd->num(rec));
	if (fd->kind == NU_FIELD_PM) {
		fprintf(f, ", \"%s_err\": ", fd->name);
		json_num(f, fd->err(rec));
	}
}

static void
jfields(FILE *f, const struct nu_fields *fs, const void *rec)
{
	for (int i = 0; i < fs->n; i++) {
		if (i > 0)
			fputs(", ", f);
		jfield(f, &fs->f[i], rec);
	}
}

/* The regression fields with every value null (classification slices). */
static void
jnulls(FILE *f, const struct nu_fields *fs)
{
	for (int i = 0; i < fs->n; i++)
		fprintf(f, "%s\"%s\": null", i ? ", " : "", fs->f[i].name);
}

static int
write_json(const char *path, const struct nu_eval_report *r, const char *model,
    const char *where, const char *trained_where)
{
	struct nu_afile *af;
	char *cause = NULL;
	FILE *f;

	if (nu_afile_open(&af, path, &cause) != NU_OK) {
		fprintf(stderr, "nuscope eval: %s\n", cause);
		free(cause);
		return 0;
	}
	f = nu_afile_stream(af);
	fputs("{\"model\": ", f);
	json_str(f, model);
	fputs(", \"where\": ", f);
	json_str(f, where != NULL ? where : "");
	fputs(", \"trained_where\": ", f);
	json_str(f, trained_where);
	fprintf(f, ", \"task\": \"%s\", \"events\": %zu", nu_task_name(r->task), r->n);
	fprintf(f, ",\n \"training_recorded\": %s, \"include_training\": %s, "
	    "\"excluded_training\": %llu, \"excluded_validation\": %llu, "
	    "\"included_training\": %llu, \"included_validation\": %llu",
	    r->seen.known ? "true" : "false", r->seen.include ? "true" : "false",
	    (unsigned long long)r->seen.excluded_train,
	    (unsigned long long)r->seen.excluded_val,
	    (unsigned long long)r->seen.included_train,
	    (unsigned long long)r->seen.included_val);
	if (r->nclasses == 2) {
		const struct nu_binary_eval *e = &r->bin;

		fputs(",\n ", f);
		jfields(f, &nu_fields_binary, e);
		fputs(",\n \"at\": {", f);
		jfields(f, &nu_fields_at, &e->at);
		fputs("},\n \"scan\": [", f);
		for (int k = 0; k < NU_EVAL_NSCAN; k++) {
			fputs(k ? ",\n  {" : "\n  {", f);
			jfields(f, &nu_fields_at, &e->scan[k]);
			fputc('}', f);
		}
		fputs("],\n \"roc\": {\"fpr\": [", f);
		for (size_t i = 0; i < e->roc.n; i++) {
			fputs(i ? ", " : "", f);
			json_num(f, e->roc.x[i]);
		}
		fputs("], \"tpr\": [", f);
		for (size_t i = 0; i < e->roc.n; i++) {
			fputs(i ? ", " : "", f);
			json_num(f, e->roc.y[i]);
		}
		fputs("]}", f);
	} else if (r->nclasses > 2) {
		const struct nu_multi_eval *m = &r->multi;

		fputs(",\n \"classes\": [", f);
		for (int i = 0; i < m->k; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : "", nu_task_class_name(r->task, i));
		fputs("],\n \"confusion\": [", f);
		for (int i = 0; i < m->k; i++) {
			fputs(i ? ", [" : "[", f);
			for (int j = 0; j < m->k; j++)
				fprintf(f, "%s%.9g", j ? ", " : "", m->count[i][j]);
			fputc(']', f);
		}
		fputs("],\n ", f);
		jfields(f, &nu_fields_multi, m);
		fputs(",\n \"per_class\": [", f);
		for (int i = 0; i < m->k; i++) {
			struct nu_class_row row;

			nu_class_row(m, i, &row);
			fprintf(f, "%s{\"class\": \"%s\", ", i ? ", " : "", nu_task_class_name(r->task, i));
			jfields(f, &nu_fields_class, &row);
			fputc('}', f);
		}
		fputc(']', f);
	} else {
		fputs(",\n ", f);
		jfields(f, &nu_fields_reg, &r->reg);
	}
	fputs(",\n \"slices\": [", f);
	for (int i = 0; i < r->nslices; i++) {
		const struct nu_slice *s = &r->slices[i];

		fprintf(f, "%s\n  {\"family\": \"%s\", \"name\": \"%s\", \"lo\": ", i ? "," : "",
		    nu_slice_family_name(s->family), s->name);
		json_num(f, s->family >= NU_SLICE_ENU ? s->lo : NAN);
		fputs(", \"hi\": ", f);
		json_num(f, s->family >= NU_SLICE_ENU ? s->hi : NAN);
		fprintf(f, ", \"events\": %llu, \"signal\": %llu, ", (unsigned long long)s->n,
		    (unsigned long long)s->nsig);
		jfields(f, &nu_fields_slice, s);
		fputs(", ", f);
		if (r->nclasses == 0)
			jfields(f, &nu_fields_reg, &s->reg);
		else
			jnulls(f, &nu_fields_reg);
		fputc('}', f);
	}
	fputs("\n ]}\n", f);
	if (nu_afile_commit(af, &cause) != NU_OK) {
		fprintf(stderr, "nuscope eval: %s\n", cause);
		free(cause);
		return 0;
	}
	return 1;
}

/* ---- the command ---------------------------------------------------------------- */

/* "0,2,5.5,10": 2 .. NU_EVAL_MAXBINS + 1 increasing numbers. */
static bool
parse_edges(const char *s, double *out, int *n)
{
	*n = 0;
	while (*s) {
		char *end;
		double v = strtod(s, &end);

		if (end == s || (*end != ',' && *end != '\0') || !isfinite(v) ||
		    *n == NU_EVAL_MAXBINS + 1 || (*n > 0 && v <= out[*n - 1]))
			return false;
		out[(*n)++] = v;
		s = *end == ',' ? end + 1 : end;
	}
	return *n >= 2;
}

struct eval_args {
	const char *plotdir, *store, *where, *csv, *json, *plots, *enu, *elep;
	double threshold;
	int nbins, color;
	bool include, skip_bad;
	double enu_edges[NU_EVAL_MAXBINS + 1], elep_edges[NU_EVAL_MAXBINS + 1];
	int n_enu, n_elep;
	enum nu_plot_format fmts[3];
	int nfmt;
};
#define A(m) offsetof(struct eval_args, m)

static bool
edges_error(const char *arg, char **cause)
{
	*cause = nu_asprintf("expected 2 to %d increasing numbers separated by commas, "
	    "not '%s'", NU_EVAL_MAXBINS + 1, arg);
	return false;
}

static bool
set_enu(void *args, const char *arg, char **cause)
{
	struct eval_args *a = args;

	return parse_edges(arg, a->enu_edges, &a->n_enu) || edges_error(arg, cause);
}

static bool
set_elep(void *args, const char *arg, char **cause)
{
	struct eval_args *a = args;

	return parse_edges(arg, a->elep_edges, &a->n_elep) || edges_error(arg, cause);
}

static bool
set_plots(void *args, const char *arg, char **cause)
{
	struct eval_args *a = args;

	return nu_plot_formats_parse(arg, a->fmts, &a->nfmt, cause) == NU_OK;
}

/* --store-threshold: balanced, fom, youden or a number from 0 to 1 */
static bool
check_store(void *args, const char *arg, char **cause)
{
	char *end;
	double v;

	(void)args;
	if (strcmp(arg, "balanced") == 0 || strcmp(arg, "fom") == 0 ||
	    strcmp(arg, "youden") == 0)
		return true;
	v = strtod(arg, &end);
	if (*arg != '\0' && *end == '\0' && v >= 0 && v <= 1)
		return true;
	*cause = nu_asprintf("expected balanced, fom, youden or a number from 0 to 1, "
	    "not '%s'", arg);
	return false;
}

static const struct cli_opt eval_opts[] = {
	{ "threshold", 0, CLI_OPT_REAL, A(threshold), .rmin = 0, .rmax = 1, .meta = "T",
	    .help = "the operating threshold (default: the model's)" },
	{ "store-threshold", 0, CLI_OPT_STRING, A(store), .fn = check_store, .meta = "WHICH",
	    .help = "write a threshold into the model file: a number,\n"
	    "or balanced, fom or youden for the best one found" },
	{ "where", 0, CLI_OPT_STRING, A(where), .meta = "EXPR",
	    .help = "only the events EXPR selects (see nuscope(1))" },
	{ "include-training", 0, CLI_OPT_FLAG, A(include),
	    .help = "score the events the model was trained and\n"
	    "validated on too (left out by default: the model\n"
	    "file records them; the numbers are then biased)" },
	{ "bins", 0, CLI_OPT_INT, A(nbins), .min = 1, .max = NU_EVAL_MAXBINS, .meta = "N",
	    .help = "energy bins per slice family (1-20, default 5),\n"
	    "at quantiles of the events" },
	{ "enu-edges", 0, CLI_OPT_STRING, A(enu), .fn = set_enu, .meta = "LIST",
	    .help = "E_nu bin edges in GeV instead, e.g. 0,2,5,10,100\n"
	    "(two bins make a high/low split: 0,10,100)" },
	{ "elep-edges", 0, CLI_OPT_STRING, A(elep), .fn = set_elep, .meta = "LIST",
	    .help = "E_lep bin edges in GeV instead" },
	{ "csv", 0, CLI_OPT_STRING, A(csv), .meta = "DIR",
	    .help = "write every table as CSV files into DIR" },
	{ "json", 0, CLI_OPT_STRING, A(json), .meta = "FILE",
	    .help = "write every number as one JSON document" },
	{ "plots", 0, CLI_OPT_STRING, A(plots), .fn = set_plots, .meta = "LIST",
	    .help = "draw the figures in these formats: png, svg, pdf\n"
	    "(comma-separated), into the -o directory" },
	{ "output", 'o', CLI_OPT_STRING, A(plotdir), .meta = "DIR",
	    .help = "where --plots go (made if missing; default .)" },
	{ "skip-bad", 0, CLI_OPT_FLAG, A(skip_bad), .help = "leave out unreadable files" },
	{ "color", 0, CLI_OPT_CHOICE, A(color), .choices = cli_color_choices, .meta = "WHEN",
	    .help = "auto (default), always or never" },
	{ "help", 'h', CLI_OPT_FLAG, .help = "this text" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help eval_page[] = {
	{ "usage: nuscope eval [OPTIONS] MODEL FILE|DIR|GLOB...\n"
	    "\n"
	    "Evaluate a trained model on the events of the files that belong to its\n"
	    "task: for binary tasks the confusion matrix at the threshold (counts,\n"
	    "efficiencies, purities), accuracy, balanced accuracy, efficiency,\n"
	    "purity, background rejection, F1 with 68% Wilson intervals, AUC,\n"
	    "average precision, the figure of merit s/sqrt(s+b), the best\n"
	    "thresholds (balanced accuracy and figure of merit over t = 0.00 ..\n"
	    "1.00 with 'score > t', Youden's J on the ROC curve) and the trivial\n"
	    "baseline; for multi-class tasks the confusion matrix, per-class\n"
	    "efficiency and purity, accuracy, macro and micro F1; for regressions\n"
	    "MSE, MAE, bias and resolution; then the same per slice: interaction\n"
	    "mode, flavour group, bins of E_nu and E_lep (and of the true value).\n"
	    "\n"
	    "options:\n", eval_opts },
	{ NULL, NULL },
};

static const struct cli_cmd eval_cmd = { "eval", eval_opts, eval_page };

int
cmd_eval(int argc, char **argv)
{
	struct eval_args args = { .plotdir = ".", .threshold = NAN, .nbins = 5,
	    .color = TERM_COLOR_AUTO };
	struct nu_open_opts oo = { 0 };
	struct nu_model *m = NULL;
	struct nu_dataset *ds = NULL;
	struct nu_where *where = NULL;
	struct nu_eval_report r = { 0 };
	struct term_style ts;
	const char *csv, *json, *where_text, *store, *plotdir;
	struct nu_eval_opts eo;
	int rc = 1;
	char *cause = NULL;
	enum nu_status st;

	if (!cli_opts_parse(&eval_cmd, &args, argc, argv, &rc))
		return rc;
	rc = 1;
	if (argc - optind < 2) {
		fprintf(stderr, "nuscope eval: expected a model and data files\n");
		cli_opts_help(stderr, &eval_cmd);
		return EXIT_USAGE;
	}
	csv = args.csv;
	json = args.json;
	where_text = args.where;
	store = args.store;
	plotdir = args.plotdir;
	oo.skip_bad = args.skip_bad;
	if (where_text != NULL && nu_where_compile(&where, where_text, &cause) != NU_OK) {
		fprintf(stderr, "nuscope eval: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	eo = (struct nu_eval_opts){ .threshold = args.threshold, .nbins = args.nbins,
	    .enu_edges = args.n_enu ? args.enu_edges : NULL, .n_enu = args.n_enu,
	    .elep_edges = args.n_elep ? args.elep_edges : NULL, .n_elep = args.n_elep,
	    .include_training = args.include };
	if ((st = nu_model_load(argv[optind], &m, &cause)) != NU_OK ||
	    (st = nu_dataset_open(&ds, (const char *const *)argv + optind + 1,
	    (size_t)(argc - optind - 1), &oo, &cause)) != NU_OK ||
	    (st = nu_eval_report_make(m, ds, where, &eo, &r, &cause)) != NU_OK) {
		cli_error("eval", st, cause);
		goto out;
	}
	if (store != NULL && nu_task_nclasses(r.task) != 2) {
		fprintf(stderr, "nuscope eval: --store-threshold applies to binary tasks\n");
		goto out;
	}
	term_style_init(&ts, term_use_color(stdout, (enum term_color_when)args.color));
	printf("%s on %s%s%s", argv[optind], argc - optind - 1 == 1 ? argv[optind + 1] :
	    "the files", where_text ? " where " : "", where_text ? where_text : "");
	cli_seen_note("eval", &r.seen);
	if (m->meta.where[0] != '\0' &&
	    (where_text == NULL || strcmp(where_text, m->meta.where) != 0))
		printf("note: the model was trained on the events where %s; "
		    "--where '%s' evaluates on the same kind\n", m->meta.where,
		    m->meta.where);
	if (r.nclasses == 2)
		binary_text(stdout, &r, &ts);
	else if (r.nclasses > 2)
		multi_text(stdout, &r, &ts);
	else
		printf("%s%zu events%s\n  MSE %.6g  MAE %.6g  bias %.4f  resolution %.4f\n",
		    ts.bold, r.n, ts.reset, r.reg.mse, r.reg.mae, r.reg.bias, r.reg.resolution);
	slices_text(stdout, &r, &ts);
	if (csv != NULL && (st = nu_eval_csv(&r, csv, NULL, &cause)) != NU_OK) {
		cli_error("eval", st, cause);
		goto out;
	}
	if (json != NULL && !write_json(json, &r, argv[optind], where_text, m->meta.where))
		goto out;
	if (args.nfmt > 0) {
		int written = 0;

		if (mkdir(plotdir, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "nuscope eval: %s: %s\n", plotdir, strerror(errno));
			goto out;
		}
		if ((st = nu_eval_plots(&r, m, plotdir, args.fmts, args.nfmt, &written, &cause)) != NU_OK) {
			cli_error("eval", st, cause);
			goto out;
		}
		printf("\n%d figures written to %s\n", written, plotdir);
	}
	if (store != NULL) {
		double t = strcmp(store, "balanced") == 0 ? r.bin.scan[r.bin.best_balanced].t :
		    strcmp(store, "fom") == 0 ? r.bin.scan[r.bin.best_fom].t :
		    strcmp(store, "youden") == 0 ? r.bin.youden_t : strtod(store, NULL);

		if ((st = nu_model_set_threshold(argv[optind], t, &cause)) != NU_OK) {
			cli_error("eval", st, cause);
			goto out;
		}
		printf("\nthreshold %.4g stored in %s\n", t, argv[optind]);
	}
	rc = 0;
out:
	nu_eval_report_free(&r);
	nu_where_free(where);
	nu_dataset_free(ds);
	nu_model_free(m);
	free(cause);
	return rc;
}
