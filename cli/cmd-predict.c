/*
 * cmd-predict.c: `nuscope predict`: score events with a trained model.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dataset.h"
#include "model.h"
#include "score.h"
#include "split.h"
#include "trainset.h"
#include "where.h"

struct predict_args {
	const char *output, *where;
	int batch;
	bool include, skip_bad;
};
#define A(m) offsetof(struct predict_args, m)

static const struct cli_opt predict_opts[] = {
	{ "output", 'o', CLI_OPT_STRING, A(output), .meta = "FILE",
	    .help = "write the CSV there (default: standard output)" },
	{ "batch", 0, CLI_OPT_INT, A(batch), .min = 1, .max = 4096, .meta = "N",
	    .help = "events per forward pass (default 64)" },
	{ "include-training", 0, CLI_OPT_FLAG, A(include),
	    .help = "score the events the model was trained and\n"
	    "validated on too (left out by default: the model\n"
	    "file records them)" },
	{ "where", 0, CLI_OPT_STRING, A(where), .meta = "EXPR",
	    .help = "write only the events EXPR selects; besides the\n"
	    "metadata it may read the model's score, label and\n"
	    "selected, e.g. 'selected && label == 0' (see nuscope(1))" },
	{ "skip-bad", 0, CLI_OPT_FLAG, A(skip_bad), .help = "leave out unreadable files" },
	{ "help", 'h', CLI_OPT_FLAG, .help = "this text" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help predict_page[] = {
	{ "usage: nuscope predict [OPTIONS] MODEL FILE|DIR|GLOB...\n"
	    "\n"
	    "Score every event of the files with the model (nuscope-model(5)) and\n"
	    "write one CSV row per event: file, index in the file, global index, the\n"
	    "scores (score for binary tasks, p_<class> for multi-class tasks,\n"
	    "prediction for regressions), the task's label where the event has one,\n"
	    "and the metadata columns.  Events the model was trained or validated on\n"
	    "are left out (standard error says how many).\n"
	    "\n"
	    "options:\n", predict_opts },
	{ NULL, NULL },
};

static const struct cli_cmd predict_cmd = { "predict", predict_opts, predict_page };

static const enum nu_column meta_cols[] = {
	NU_COL_INTERACTION, NU_COL_FINALSTATE, NU_COL_NUENERGY, NU_COL_LEPENERGY,
	NU_COL_VTXX, NU_COL_VTXY, NU_COL_VTXZ, NU_COL_RUN, NU_COL_SUBRUN, NU_COL_EVT,
};
#define NMETA (sizeof meta_cols / sizeof meta_cols[0])

/*
 * Leave out what the model has seen, unless asked not to: mark the events
 * it was trained or validated on (*seenp, NULL when the model records no
 * training set), list the others in all[] and say on standard error what
 * was left out.  false (said) on an error or when no event is left.
 */
static bool
predict_unseen(const struct nu_model *m, struct nu_dataset *ds, uint64_t n,
    struct nu_seen_counts *sc, uint8_t **seenp, uint64_t *all, uint64_t *nkeptp)
{
	uint8_t *seen = NULL;
	uint64_t nkept = 0;
	char *cause = NULL;
	enum nu_status st;

	sc->known = m->trainset != NULL;
	if (sc->known) {
		struct nu_trainset_match match;

		if ((seen = *seenp = malloc(n)) == NULL) {
			cli_error("predict", NU_ERR_NOMEM, NULL);
			return false;
		}
		if ((st = nu_trainset_mark(m->trainset, ds, seen, &match, &cause)) != NU_OK) {
			cli_error("predict", st, cause);
			free(cause);
			return false;
		}
		/* counted, then kept as "leave out" only without --include-training */
		sc->excluded_train = match.train;
		sc->excluded_val = match.val;
		if (sc->include) {
			sc->included_train = match.train;
			sc->included_val = match.val;
			sc->excluded_train = sc->excluded_val = 0;
		}
		for (uint64_t i = 0; i < n; i++)
			seen[i] = !sc->include && (seen[i] == NU_SEEN_TRAIN || seen[i] == NU_SEEN_VAL);
	}
	for (uint64_t i = 0; i < n; i++)
		if (seen == NULL || !seen[i])
			all[nkept++] = i;
	*nkeptp = nkept;
	{
		char what[256];

		nu_seen_describe(sc, what, sizeof what);
		if (what[0] != '\0')
			fprintf(stderr, "nuscope predict: %s%s\n", sc->include &&
			    sc->included_train + sc->included_val > 0 ? "warning: " : "", what);
	}
	if (nkept == 0) {
		fprintf(stderr, "nuscope predict: every event of the files was used to "
		    "train or validate the model; --include-training scores them anyway\n");
		return false;
	}
	return true;
}

/*
 * Score the nkept events of all[] into *scoresp (caller frees), one row of
 * nout per event of the files: NaN for those left out (seen), so that
 * --where reads them by event number.  false (said) on an error.
 */
static bool
predict_score(struct nu_model *m, struct nu_dataset *ds, const struct nu_labels *lab,
    const uint64_t *all, uint64_t nkept, const uint8_t *seen, uint64_t n,
    long batch, float **scoresp)
{
	float *scores;
	char *cause = NULL;
	enum nu_status st;

	if ((scores = *scoresp = malloc(n * (size_t)m->net->nout * sizeof(float))) == NULL) {
		cli_error("predict", NU_ERR_NOMEM, NULL);
		return false;
	}
	if ((st = nu_score(m, ds, all, nkept, lab, (size_t)batch, scores, NULL,
	    &cause)) != NU_OK) {
		cli_error("predict", st, cause);
		free(cause);
		return false;
	}
	/* spread the scores to one row per event (NaN for those left out), so
	 * that --where reads them by event number; from the back, in place */
	if (nkept < n) {
		size_t nout = (size_t)m->net->nout;

		uint64_t p = nkept;

		for (uint64_t i = n; i-- > 0;) {
			if (!seen[i])
				p--;
			for (size_t k = 0; k < nout; k++)
				scores[i * nout + k] = seen[i] ? NAN : scores[p * nout + k];
		}
	}
	return true;
}

static void
predict_header(FILE *out, const struct nu_model *m)
{
	fputs("file,index,event", out);
	if (m->net->nout == 1)
		fputs(nu_task_nclasses(m->net->task) == 2 ? ",score" : ",prediction", out);
	else
		for (int k = 0; k < m->net->nout; k++)
			fprintf(out, ",p_%s", nu_task_class_name(m->net->task, k));
	fputs(",label", out);
	for (size_t c = 0; c < NMETA; c++)
		fprintf(out, ",%s", nu_column_name(meta_cols[c]));
	fputc('\n', out);
}

/*
 * A CSV row per event of the files not left out (seen) and selected by
 * where (may be NULL), batch events at a time: meta holds NMETA columns of
 * batch values, keep batch flags.  false (said) on an error.
 */
static bool
predict_rows(FILE *out, const struct nu_model *m, struct nu_dataset *ds,
    struct nu_where *where, const struct nu_labels *lab, const float *scores,
    const uint8_t *seen, uint64_t n, long batch, double *meta, uint8_t *keep)
{
	char *cause = NULL;
	enum nu_status st;

	for (uint64_t first = 0; first < n; first += (uint64_t)batch) {
		size_t cnt = n - first < (uint64_t)batch ? (size_t)(n - first) : (size_t)batch;

		/* the scores are in hand: --where reads them, not a second run */
		if (where != NULL && (st = nu_where_select_scored(where, ds, first, cnt,
		    scores + first * (size_t)m->net->nout, keep, &cause)) != NU_OK) {
			cli_error("predict", st, cause);
			free(cause);
			return false;
		}
		for (size_t c = 0; c < NMETA; c++) {
			/* one read per column per block of events */
			if (nu_dataset_has_column(ds, meta_cols[c]) &&
			    (st = nu_dataset_read_column(ds, meta_cols[c], first, cnt,
			    NU_CT_F64, meta + c * (size_t)batch, &cause)) != NU_OK) {
				cli_error("predict", st, cause);
				free(cause);
				return false;
			}
		}
		for (size_t i = 0; i < cnt; i++) {
			uint64_t ev = first + i;
			size_t file;
			uint64_t local;

			if ((seen != NULL && seen[ev]) || (where != NULL && !keep[i]))
				continue;
			nu_dataset_locate(ds, ev, &file, &local, NULL);
			fprintf(out, "%s,%llu,%llu", nu_dataset_file(ds, file)->path,
			    (unsigned long long)local, (unsigned long long)ev);
			/* %.9g: every float32 score written back exactly */
			for (int k = 0; k < m->net->nout; k++)
				fprintf(out, ",%.9g", scores[ev * (size_t)m->net->nout + (size_t)k]);
			if (lab->used[ev])
				fprintf(out, ",%.9g", lab->label[ev]);
			else
				fputc(',', out);
			for (size_t c = 0; c < NMETA; c++) {
				if (nu_dataset_has_column(ds, meta_cols[c]))
					fprintf(out, ",%.9g", meta[c * (size_t)batch + i]);
				else
					fputc(',', out);
			}
			fputc('\n', out);
		}
	}
	return true;
}

/*
 * The CSV, to outpath (through a temporary file) or, when NULL, standard
 * output (main() checks it on the way out); the rows as predict_rows
 * writes them.  false (said) on an error, with no file left.
 */
static bool
predict_write(const char *outpath, const struct nu_model *m, struct nu_dataset *ds,
    struct nu_where *where, const struct nu_labels *lab, const float *scores,
    const uint8_t *seen, uint64_t n, long batch, double *meta, uint8_t *keep)
{
	struct nu_afile *af = NULL;
	FILE *out = stdout;
	char *cause = NULL;
	enum nu_status st;

	if (outpath != NULL) {
		if ((st = nu_afile_open(&af, outpath, &cause)) != NU_OK) {
			cli_error("predict", st, cause);
			free(cause);
			return false;
		}
		out = nu_afile_stream(af);
	}
	predict_header(out, m);
	if (!predict_rows(out, m, ds, where, lab, scores, seen, n, batch, meta, keep)) {
		nu_afile_abort(af);
		return false;
	}
	if (af != NULL && (st = nu_afile_commit(af, &cause)) != NU_OK) {
		cli_error("predict", st, cause);
		free(cause);
		return false;
	}
	return true;
}

int
cmd_predict(int argc, char **argv)
{
	struct predict_args args = { .batch = 64 };
	struct nu_open_opts oo = { 0 };
	struct nu_model *m = NULL;
	struct nu_dataset *ds = NULL;
	struct nu_labels lab = { 0 };
	struct nu_where *where = NULL;
	float *scores = NULL;
	uint8_t *keep = NULL;
	const char *outpath = NULL, *wtext = NULL;
	char *cause = NULL;
	uint64_t *all = NULL, nkept = 0;
	uint8_t *seen = NULL;
	struct nu_seen_counts sc = { 0 };
	double *meta = NULL;
	long batch = 64;
	int rc = 1;
	enum nu_status st;
	uint64_t n;

	if (!cli_opts_parse(&predict_cmd, &args, argc, argv, &rc))
		return rc;
	rc = 1;
	outpath = args.output;
	wtext = args.where;
	batch = args.batch;
	sc.include = args.include;
	oo.skip_bad = args.skip_bad;
	if (argc - optind < 2) {
		fprintf(stderr, "nuscope predict: expected a model and data files\n");
		cli_opts_help(stderr, &predict_cmd);
		return EXIT_USAGE;
	}
	if (wtext != NULL && nu_where_compile(&where, wtext, &cause) != NU_OK) {
		fprintf(stderr, "nuscope predict: --%s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if ((st = nu_model_load(argv[optind], &m, &cause)) != NU_OK) {
		cli_error("predict", st, cause);
		goto out;
	}
	/* the model is the command's own: --where may read its scores */
	if (where != NULL && nu_where_set_model(where, m, NAN, &cause) != NU_OK) {
		fprintf(stderr, "nuscope predict: --%s\n", cause);
		rc = EXIT_USAGE;
		goto out;
	}
	st = nu_dataset_open(&ds, (const char *const *)argv + optind + 1,
	    (size_t)(argc - optind - 1), &oo, &cause);
	if (st != NU_OK) {
		cli_error("predict", st, cause);
		goto out;
	}
	n = nu_dataset_nevents(ds);
	if (n == 0) {
		fprintf(stderr, "nuscope predict: the files hold no events\n");
		goto out;
	}
	if ((st = nu_labels_load(ds, m->net->task, &lab, &cause)) != NU_OK) {
		cli_error("predict", st, cause);
		goto out;
	}
	if ((all = malloc(n * sizeof(*all))) == NULL ||
	    (meta = malloc((size_t)batch * NMETA * sizeof(double))) == NULL ||
	    (keep = malloc((size_t)batch)) == NULL) {
		cli_error("predict", NU_ERR_NOMEM, NULL);
		goto out;
	}
	if (!predict_unseen(m, ds, n, &sc, &seen, all, &nkept) ||
	    !predict_score(m, ds, &lab, all, nkept, seen, n, batch, &scores))
		goto out;
	if (predict_write(outpath, m, ds, where, &lab, scores, seen, n, batch, meta, keep))
		rc = 0;
out:
	free(all);
	free(seen);
	free(meta);
	free(keep);
	free(scores);
	nu_where_free(where);
	nu_labels_free(&lab);
	nu_dataset_free(ds);
	nu_model_free(m);
	free(cause);
	return rc;
}
