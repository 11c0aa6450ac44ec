/*
 * view-eval.c: the Evaluation screen: a trained model judged on the events
 * the framework has loaded (and the filter selects), or on test files
 * picked here.  For binary tasks the confusion matrix, the ratios with
 * their Wilson intervals and baselines, the ROC curve with the working
 * point, and the slice table, all at a threshold the arrow keys move; for
 * multi-class tasks the K x K matrix; for regressions the resolution
 * numbers.  Every number comes from the core (nu_eval_report_make once,
 * nu_eval_report_set_threshold per threshold, nu_eval_csv and
 * nu_eval_plots to export); this file only draws and schedules.
 *
 * The threshold here is the program's (t->threshold): the Events screen
 * judges events at it.  Up and Down move a cursor over the cells of the
 * confusion matrix and the rows of the slice table; Enter hands the
 * events counted there (by score, highest first) to the Events screen.
 *
 * DESIGN.  Loading a model and evaluating it, and drawing the figures,
 * run on a worker thread, one job at a time.  A job is filled in on the
 * UI thread before its thread starts, and the UI reads what the worker
 * wrote only after pthread_join.  The worker never calls curses and
 * never touches this file's state: it opens a dataset handle of its own
 * from the paths the job carries (datasets are not shared across
 * threads), uses the job's copy of the filter's mask (or, on test files,
 * a filter compiled for the job), loads its own model or borrows the
 * screen's (which is only freed after a join, and whose fields the job
 * reads are never written: a borrowed model always comes with an explicit
 * threshold), and for figures draws a copy of the report.  While it runs
 * it publishes one number, the events of the files it opened, through an
 * atomic.  It signals news with one byte on a pipe (written only when no
 * byte is pending) whose read end is t->wake_fd[TUI_WAKE_EVAL]; eval_tick,
 * on the UI thread, drains it, and once the job's `done` flag is set joins
 * the thread and swaps the new report (and model) in.
 *
 * A request made while a job runs (m, f, F, r, a new filter or new files)
 * waits: the newest replaces any other waiting (keeping the model or the
 * files it does not change).  A running evaluation is superseded by it:
 * its stop flag ends the scoring after the batch in hand (a model it was
 * loading carries over into the request), and the request starts as soon
 * as it has.  Drawing figures is finished first.
 * Quitting sets the job's stop flag, which ends the scoring after the
 * batch in hand (nu_eval_opts.stop), and joins it.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "eval.h"
#include "evalcsv.h"
#include "evalplot.h"
#include "labels.h"
#include "model.h"
#include "paths.h"
#include "tui.h"
#include "wake.h"
#include "where.h"

#define EV_ROC_MAXW 160
#define EV_ROC_MAXH 60
#define EV_NBINS 5              /* energy bins per slice family, as eval's */

/* The files an evaluation reads. */
struct files {
	bool test;              /* test files, or the Data screen's */
	char *text;             /* test: what the user typed (owned) */
	char **args;            /* test: text split at commas and blanks */
	size_t nargs;
};

/* An evaluation asked for: a model (a new file, or the screen's) on files. */
struct request {
	char *model_path;       /* owned: load this model; NULL: the screen's */
	struct files files;
	bool reload;            /* the Data screen's files or filter changed:
	                         * on failure the old numbers go (not when
	                         * only a new model failed to load) */
	/* owned, or NULL: the model a run this request stopped was loading,
	 * evaluated instead when model_path cannot be loaded */
	char *fallback;
	bool quiet;             /* leave the message line to an error */
};

enum job_kind { JOB_EVAL, JOB_PLOTS };

struct job {
	enum job_kind kind;
	pthread_t th;
	struct nu_wake wake;    /* news for the UI thread's poll() */
	double started;         /* monotonic seconds */

	/* inputs: written before the thread starts, then only read */
	const char *name;       /* the model's path, for messages */
	char *load;             /* owned: the model file to load, or NULL */
	const struct nu_model *use;     /* borrowed when load is NULL */
	char **paths;           /* owned: what to open */
	size_t npaths;
	bool skip_bad;          /* as the Data screen opened them */
	uint64_t expect;        /* Data screen's files: their events (0: test) */
	uint8_t *keep;          /* owned copy of the filter's mask, or NULL */
	struct nu_where *where; /* owned: the filter for test files, or NULL */
	struct nu_eval_opts o;
	char *plot_dir;         /* JOB_PLOTS: owned */

	/* UI thread only: the request served, and what it ran with */
	struct request req;
	char *filter_text;      /* owned, or NULL */
	uint64_t nselected;     /* Data screen's files: events the filter selects */

	/* outputs: written by the worker before it sets done */
	struct nu_model *loaded;
	struct nu_eval_report rep;      /* JOB_PLOTS: the copy it draws */
	enum nu_status st;
	char *cause;
	size_t nfiles;
	int written;
	atomic_uint_least64_t nevents;  /* events of the opened files, 0 before */
	atomic_bool done;
	atomic_bool stop;               /* set when the program ends */
};

/* The screen's state; the report owns its arrays (nu_eval_report_free). */
static struct {
	char *path;                     /* the model file, or NULL */
	struct nu_model *model;         /* owned; shared as t->model */
	struct nu_eval_report rep;      /* numbers kept at the threshold t */
	bool have;                      /* rep holds a report */
	double t;                       /* the current threshold */
	int form;                       /* 0 counts, 1 row %, 2 column % */
	int family;                     /* first slice family shown */
	int cur;                        /* cursor: -1 none, then the matrix
	                                 * cells (row-major), then the slices */

	struct files files;             /* what the next evaluation reads */
	/* what the report was made on */
	struct files rep_files;
	size_t rep_nfiles;
	uint64_t rep_nevents;
	char *rep_filter;               /* owned, or NULL */
	double rep_seconds;             /* how long it took */

	struct job *job;                /* running, or NULL */
	struct request *pending;        /* waiting for it, or NULL */
} ev = { .cur = -1 };

static const char *const form_name[] = {
	"counts", "row % = efficiencies", "column % = purities"
};

static bool
is_binary(void)
{
	return ev.have && ev.rep.nclasses == 2;
}

/* The confusion matrix's cells the cursor visits (0 for regressions). */
static int
ncells(void)
{
	return ev.have && ev.rep.nclasses >= 2 ? ev.rep.nclasses * ev.rep.nclasses : 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The last path component (borrowed from p). */
static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : p;
}

/* ---- numbers ------------------------------------------------------------ */

/* Recompute everything that depends on the threshold: the report's
 * numbers at t (so the plots and tables written later are at t too) and
 * its slices. */
static void
retune(void)
{
	if (is_binary())
		nu_eval_report_set_threshold(&ev.rep, ev.t);
}

/* Tell the other screens the threshold: the one shown for a binary
 * model, its stored one before its numbers arrive, NaN otherwise. */
static void
publish_threshold(struct tui *t)
{
	if (ev.model == NULL || nu_task_nclasses(ev.model->net->task) != 2)
		t->threshold = NAN;
	else
		t->threshold = is_binary() ? ev.t : ev.model->meta.threshold;
}

static void
report_drop(void)
{
	if (ev.have)
		nu_eval_report_free(&ev.rep);
	ev.have = false;
}

/* A deep copy of report src into dst, for a worker to draw while the UI
 * keeps moving the threshold of the original.  False when out of memory
 * (dst is then empty). */
static bool
report_copy(struct nu_eval_report *dst, const struct nu_eval_report *src)
{
	const size_t n = src->n, k = n * (size_t)(src->nout > 0 ? src->nout : 1);
	bool ok = true;

#define DUP(field, count) do { \
	dst->field = NULL; \
	if (src->field != NULL && (count) > 0) { \
		size_t sz = (count) * sizeof *src->field; \
		if ((dst->field = malloc(sz)) == NULL) \
			ok = false; \
		else \
			memcpy(dst->field, src->field, sz); \
	} \
} while (0)
	*dst = *src;
	DUP(slices, (size_t)src->nslices);
	DUP(event, n);
	DUP(score, k);
	DUP(label, n);
	DUP(code, n);
	DUP(enu, n);
	DUP(elep, n);
	DUP(bin.roc.x, src->bin.roc.n);
	DUP(bin.roc.y, src->bin.roc.n);
	DUP(bin.roc.t, src->bin.roc.n);
	DUP(bin.pr.x, src->bin.pr.n);
	DUP(bin.pr.y, src->bin.pr.n);
	DUP(bin.pr.t, src->bin.pr.n);
#undef DUP
	if (!ok) {
		nu_eval_report_free(dst);
		memset(dst, 0, sizeof *dst);
	}
	return ok;
}

/* ---- files -------------------------------------------------------------- */

static void
files_free(struct files *f)
{
	for (size_t i = 0; i < f->nargs; i++)
		free(f->args[i]);
	free(f->args);
	free(f->text);
	memset(f, 0, sizeof *f);
}

/* A copy of src into dst (false, and dst empty, when out of memory). */
static bool
files_copy(struct files *dst, const struct files *src)
{
	memset(dst, 0, sizeof *dst);
	dst->test = src->test;
	if (!src->test)
		return true;
	if ((dst->text = strdup(src->text)) == NULL ||
	    (dst->args = calloc(src->nargs, sizeof *dst->args)) == NULL)
		goto fail;
	for (; dst->nargs < src->nargs; dst->nargs++)
		if ((dst->args[dst->nargs] = strdup(src->args[dst->nargs])) == NULL)
			goto fail;
	return true;
fail:
	files_free(dst);
	return false;
}

/* Test files from text: paths, directories or globs separated by commas
 * or blanks, each checked to exist (nu_paths_expand).  On failure the
 * cause goes to the message line and false is returned. */
static bool
files_parse(struct tui *t, const char *text, struct files *f)
{
	struct nu_pathlist pl = { 0 };
	char *cause = NULL, *copy = NULL, *save = NULL;
	enum nu_status st;

	memset(f, 0, sizeof *f);
	f->test = true;
	if ((f->text = strdup(text)) == NULL || (copy = strdup(text)) == NULL ||
	    (f->args = calloc(strlen(text) / 2 + 1, sizeof *f->args)) == NULL) {
		free(copy);
		files_free(f);
		tui_message(t, true, "out of memory");
		return false;
	}
	for (char *p = strtok_r(copy, ", \t", &save); p != NULL;
	    p = strtok_r(NULL, ", \t", &save))
		if ((f->args[f->nargs++] = strdup(p)) == NULL) {
			free(copy);
			files_free(f);
			tui_message(t, true, "out of memory");
			return false;
		}
	free(copy);
	if (f->nargs == 0) {
		files_free(f);
		tui_message(t, true, "no test files given");
		return false;
	}
	st = nu_paths_expand((const char *const *)f->args, f->nargs, &pl, &cause);
	nu_pathlist_free(&pl);
	if (st != NU_OK) {
		tui_message(t, true, "test files: %s", cause != NULL ? cause :
		    nu_strerror(st));
		free(cause);
		files_free(f);
		return false;
	}
	return true;
}

/* The names the user gave, without directories: "a.h5, run*.h5" into buf. */
static const char *
files_list(const struct files *f, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < f->nargs && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
		    base_name(f->args[i]));
	return buf;
}

/* "test files a.h5, b.h5" or "the Data screen's files" into buf. */
static const char *
files_name(const struct files *f, char *buf, size_t len)
{
	char list[512];

	if (f->test)
		snprintf(buf, len, "test files %s", files_list(f, list, sizeof list));
	else
		snprintf(buf, len, "the Data screen's files");
	return buf;
}

/* ---- the shared model --------------------------------------------------- */

/* Make m (owned from now on, may be NULL) the screen's model, and tell
 * the other screens through t->model and model_gen; the old model is
 * unpublished before it is freed. */
static void
model_replace(struct tui *t, struct nu_model *m, char *path)
{
	t->model = NULL;
	t->model_path = NULL;
	t->model_gen++;
	nu_model_free(ev.model);
	free(ev.path);
	ev.model = m;
	ev.path = path;
	t->model = m;
	t->model_path = m != NULL ? path : NULL;
	t->model_gen++;
	publish_threshold(t);
}

/* ---- the worker --------------------------------------------------------- */

/* News for the UI thread (worker thread). */
static void
job_wake(struct job *j)
{
	nu_wake_signal(&j->wake);
}

/* The worker: evaluate, or draw the figures.  Touches only *j. */
static void *
job_main(void *arg)
{
	struct job *j = arg;
	struct nu_open_opts oo = { .skip_bad = j->skip_bad };
	struct nu_dataset *ds = NULL;
	const struct nu_model *m = j->use;
	const enum nu_plot_format png = NU_PLOT_PNG;

	if (j->kind == JOB_PLOTS) {
		j->st = nu_eval_plots(&j->rep, m, j->plot_dir, &png, 1, &j->written,
		    &j->cause);
		goto out;
	}
	if (j->load != NULL) {
		if ((j->st = nu_model_load(j->load, &j->loaded, &j->cause)) != NU_OK)
			goto out;
		m = j->loaded;
	}
	j->st = nu_dataset_open(&ds, (const char *const *)j->paths, j->npaths, &oo,
	    &j->cause);
	if (j->st != NU_OK)
		goto out;
	j->nfiles = nu_dataset_nfiles(ds);
	atomic_store(&j->nevents, nu_dataset_nevents(ds));
	job_wake(j);
	if (j->nfiles == 0) {
		j->st = nu_fail(&j->cause, NU_ERR_EMPTY, "no readable files");
		goto out;
	}
	if (j->expect > 0 && nu_dataset_nevents(ds) != j->expect) {
		j->st = nu_fail(&j->cause, NU_ERR_FORMAT, "the files changed since "
		    "the Data screen read them (%llu events, now %llu): add them "
		    "again", (unsigned long long)j->expect,
		    (unsigned long long)nu_dataset_nevents(ds));
		goto out;
	}
	j->o.keep = j->keep;
	j->o.stop = &j->stop;
	j->st = nu_eval_report_make(m, ds, j->where, &j->o, &j->rep, &j->cause);
out:
	nu_dataset_free(ds);
	atomic_store(&j->done, true);
	job_wake(j);
	return NULL;
}

static void
request_free(struct request *rq)
{
	if (rq == NULL)
		return;
	free(rq->model_path);
	free(rq->fallback);
	files_free(&rq->files);
	free(rq);
}

/* Free a job whose thread has been joined (or never started). */
static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	nu_wake_close(&j->wake);
	free(j->load);
	/* paths is NULL when its allocation failed after npaths was set */
	for (size_t i = 0; j->paths != NULL && i < j->npaths; i++)
		free(j->paths[i]);
	free(j->paths);
	free(j->keep);
	nu_where_free(j->where);
	free(j->plot_dir);
	free(j->req.model_path);
	free(j->req.fallback);
	files_free(&j->req.files);
	free(j->filter_text);
	nu_model_free(j->loaded);
	nu_eval_report_free(&j->rep);
	free(j->cause);
	free(j);
}

static struct job *
job_new(enum job_kind kind)
{
	struct job *j = calloc(1, sizeof *j);

	if (j == NULL)
		return NULL;
	j->kind = kind;
	nu_wake_init(&j->wake);
	atomic_init(&j->nevents, 0);
	atomic_init(&j->done, false);
	atomic_init(&j->stop, false);
	return j;
}

/* Start j's thread; on failure say why and free j. */
static bool
job_launch(struct tui *t, struct job *j)
{
	char *cause = NULL;
	int e;

	if (nu_wake_open(&j->wake, &cause) != NU_OK) {
		tui_message(t, true, "cannot start the evaluation: %s", cause);
		free(cause);
		job_free(j);
		return false;
	}
	j->started = now_s();
	if ((e = pthread_create(&j->th, NULL, job_main, j)) != 0) {
		tui_message(t, true, "cannot start the evaluation: %s", strerror(e));
		job_free(j);
		return false;
	}
	ev.job = j;
	t->wake_fd[TUI_WAKE_EVAL] = nu_wake_fd(&j->wake);
	return true;
}

/* Start evaluating request rq (taken over) now. */
static void
eval_start(struct tui *t, struct request *rq)
{
	struct job *j;
	char *cause = NULL, what[600];
	enum nu_status st;

	if (rq->model_path == NULL && ev.model == NULL) {
		tui_message(t, true, "no model: press m to load one");
		request_free(rq);
		return;
	}
	if (!rq->files.test && (t->ds == NULL || t->npaths == 0)) {
		tui_message(t, true, "no events loaded: add files on the Data screen, "
		    "or f picks test files");
		request_free(rq);
		return;
	}
	if ((j = job_new(JOB_EVAL)) == NULL)
		goto nomem;
	j->req = *rq;
	free(rq);
	rq = &j->req;
	j->o.nbins = EV_NBINS;
	if (rq->model_path != NULL) {
		if ((j->load = strdup(rq->model_path)) == NULL)
			goto nomem;
		j->name = rq->model_path;
		j->o.threshold = NAN;   /* the loaded model's own */
	} else {
		/* the threshold goes with the job: the worker never reads the
		 * model's, which S may change meanwhile */
		j->use = ev.model;
		j->name = ev.path;
		j->o.threshold = is_binary() ? ev.t : ev.model->meta.threshold;
	}
	if (t->where_text != NULL && (j->filter_text = strdup(t->where_text)) == NULL)
		goto nomem;
	if (rq->files.test) {
		j->npaths = rq->files.nargs;
		if ((j->paths = calloc(j->npaths, sizeof *j->paths)) == NULL)
			goto nomem;
		for (size_t i = 0; i < j->npaths; i++)
			if ((j->paths[i] = strdup(rq->files.args[i])) == NULL)
				goto nomem;
		/* the filter narrows test files too, compiled for this job */
		if (t->where_text != NULL &&
		    (st = nu_where_compile(&j->where, t->where_text, &cause)) != NU_OK) {
			tui_message(t, true, "filter: %s", cause != NULL ? cause :
			    nu_strerror(st));
			free(cause);
			job_free(j);
			return;
		}
	} else {
		uint64_t n = nu_dataset_nevents(t->ds);

		j->npaths = t->npaths;
		j->skip_bad = true;
		j->expect = n;
		j->nselected = t->nselected;
		if ((j->paths = calloc(j->npaths, sizeof *j->paths)) == NULL)
			goto nomem;
		for (size_t i = 0; i < j->npaths; i++)
			if ((j->paths[i] = strdup(t->paths[i])) == NULL)
				goto nomem;
		if (t->keep != NULL && n > 0) {
			if ((j->keep = malloc((size_t)n)) == NULL)
				goto nomem;
			memcpy(j->keep, t->keep, (size_t)n);
		}
	}
	if (!job_launch(t, j) || rq->quiet)
		return;
	if (rq->files.test)
		tui_message(t, false, "evaluating %s on %s...", base_name(j->name),
		    files_name(&rq->files, what, sizeof what));
	else
		tui_message(t, false, "evaluating %s on %llu events...",
		    base_name(j->name), (unsigned long long)j->nselected);
	return;
nomem:
	tui_message(t, true, "out of memory");
	if (j != NULL)
		job_free(j);
	else
		request_free(rq);
}

/* Run rq (taken over) now, or after the running job; a request already
 * waiting is replaced. */
static void
submit(struct tui *t, struct request *rq)
{
	if (ev.job == NULL) {
		eval_start(t, rq);
		return;
	}
	if (ev.pending != NULL) {
		rq->reload |= ev.pending->reload;
		if (rq->fallback == NULL && ev.pending->fallback != NULL) {
			rq->fallback = ev.pending->fallback;
			ev.pending->fallback = NULL;
		}
		request_free(ev.pending);
	}
	ev.pending = rq;
	if (ev.job->kind == JOB_EVAL && !atomic_load(&ev.job->stop)) {
		/* the running evaluation is superseded: stop it after its
		 * batch in hand; a model it was loading carries over */
		if (rq->model_path == NULL && ev.job->req.model_path != NULL &&
		    (rq->model_path = strdup(ev.job->req.model_path)) == NULL) {
			tui_message(t, false, "queued: starts when the running "
			    "evaluation ends");
			return;
		}
		rq->reload |= ev.job->req.reload;
		/* a model the stopped run was loading is evaluated instead
		 * should this request's fail to load */
		if (rq->model_path != NULL && ev.job->req.model_path != NULL &&
		    strcmp(rq->model_path, ev.job->req.model_path) != 0) {
			free(rq->fallback);
			rq->fallback = strdup(ev.job->req.model_path);
		}
		atomic_store(&ev.job->stop, true);
		tui_message(t, false, "the running evaluation stops; this one "
		    "starts next");
		return;
	}
	tui_message(t, false, "queued: starts when the running %s ends",
	    ev.job->kind == JOB_PLOTS ? "drawing of the figures" : "evaluation");
}

/* A new request for the model at path (NULL: the screen's) on files
 * (NULL: those of the waiting request, else the screen's), or NULL when
 * out of memory.  A waiting request's model carries over when path is
 * NULL. */
static struct request *
request_new(const char *path, const struct files *files)
{
	struct request *rq = calloc(1, sizeof *rq);

	if (rq == NULL)
		return NULL;
	if (path == NULL && ev.pending != NULL)
		path = ev.pending->model_path;
	if (files == NULL)
		files = ev.pending != NULL ? &ev.pending->files : &ev.files;
	if ((path != NULL && (rq->model_path = strdup(path)) == NULL) ||
	    !files_copy(&rq->files, files)) {
		request_free(rq);
		return NULL;
	}
	return rq;
}

/* Whether a model is loaded or on its way. */
static bool
model_coming(void)
{
	return ev.model != NULL || (ev.pending != NULL && ev.pending->model_path != NULL) ||
	    (ev.job != NULL && ev.job->load != NULL);
}

/* The running job has ended: join it and take over what it made. */
static void
job_finish(struct tui *t)
{
	struct job *j = ev.job;
	double secs = now_s() - j->started;
	struct request *next;
	char what[600], seen[256];

	pthread_join(j->th, NULL);
	ev.job = NULL;
	t->wake_fd[TUI_WAKE_EVAL] = -1;
	if (j->kind == JOB_PLOTS) {
		if (j->st != NU_OK)
			tui_message(t, true, "figures: %s", j->cause != NULL ? j->cause :
			    nu_strerror(j->st));
		else {
			tui_message(t, false, "%d figures written to %s (at threshold "
			    "%.2f) in %.1f s", j->written, j->plot_dir, j->rep.threshold,
			    secs);
			tui_log("%s", t->message);
		}
	} else if (j->st == NU_ERR_CANCELLED && ev.pending != NULL) {
		/* superseded by the waiting request, which starts below */
		tui_log("evaluation of %s stopped for a newer request",
		    base_name(j->name));
	} else if (j->st != NU_OK) {
		/* a model that did not load changes nothing: the numbers on
		 * screen stay (and are brought up to date if the files or the
		 * filter changed meanwhile, or replaced by the model a stopped
		 * run was loading) */
		bool no_model = j->load != NULL && j->loaded == NULL;

		/* on the message line and in the program's log; the cause of
		 * a failed load names the file already */
		if (no_model)
			tui_message(t, true, "cannot load the model: %s",
			    j->cause != NULL ? j->cause : nu_strerror(j->st));
		else
			tui_message(t, true, "evaluating %s: %s", base_name(j->name),
			    j->cause != NULL ? tui_cause_after(j->cause, j->name) :
			    nu_strerror(j->st));
		if (j->req.reload && !no_model)
			report_drop();
		if (no_model && ev.pending == NULL &&
		    (j->req.fallback != NULL || (j->req.reload && ev.model != NULL))) {
			struct request *again = request_new(j->req.fallback, &j->req.files);

			if (again != NULL) {
				again->reload = j->req.reload;
				again->quiet = true;
				ev.pending = again;
			}
		}
	} else {
		/* the same model again: keep a threshold moved meanwhile */
		bool same = j->load == NULL && is_binary();
		double keep_t = ev.t;

		report_drop();
		ev.rep = j->rep;
		memset(&j->rep, 0, sizeof j->rep);
		ev.have = true;
		ev.t = same ? keep_t : ev.rep.threshold;
		retune();
		ev.cur = -1;
		if (j->loaded != NULL) {
			model_replace(t, j->loaded, j->req.model_path);
			j->loaded = NULL;
			j->req.model_path = NULL;
		}
		files_free(&ev.files);
		files_free(&ev.rep_files);
		if (!files_copy(&ev.files, &j->req.files))
			memset(&ev.files, 0, sizeof ev.files);  /* the Data screen's */
		ev.rep_files = j->req.files;
		memset(&j->req.files, 0, sizeof j->req.files);
		ev.rep_nfiles = j->nfiles;
		ev.rep_nevents = atomic_load(&j->nevents);
		free(ev.rep_filter);
		ev.rep_filter = j->filter_text;
		j->filter_text = NULL;
		ev.rep_seconds = secs;
		publish_threshold(t);
		nu_seen_describe(&ev.rep.seen, seen, sizeof seen);
		/* after a model that failed to load, its error stays */
		if (!j->req.quiet)
			tui_message(t, false, "%s: %zu events of task %s, evaluated in "
			    "%.1f s%s%s", base_name(ev.path), ev.rep.n,
			    nu_task_name(ev.rep.task), secs, seen[0] ? "; " : "", seen);
		tui_log("evaluated %s on %s: %zu events of task %s in %.1f s%s%s",
		    ev.path, files_name(&ev.rep_files, what, sizeof what), ev.rep.n,
		    nu_task_name(ev.rep.task), secs, seen[0] ? "; " : "", seen);
	}
	job_free(j);
	if ((next = ev.pending) != NULL) {
		ev.pending = NULL;
		eval_start(t, next);
	}
}

/* Background news (the hook tui.c calls on the UI thread). */
static void
eval_tick(struct tui *t)
{
	struct job *j = ev.job;

	if (j == NULL)
		return;
	nu_wake_drain(&j->wake);
	if (atomic_load(&j->done))
		job_finish(t);
}

/* The program ends: stop the job (scoring ends after its batch in hand;
 * figures are finished), wait for it, then free everything. */
static void
eval_fini(struct tui *t)
{
	if (ev.job != NULL) {
		atomic_store(&ev.job->stop, true);
		pthread_join(ev.job->th, NULL);
		job_free(ev.job);
		ev.job = NULL;
		t->wake_fd[TUI_WAKE_EVAL] = -1;
	}
	request_free(ev.pending);
	ev.pending = NULL;
	report_drop();
	model_replace(t, NULL, NULL);
	files_free(&ev.files);
	files_free(&ev.rep_files);
	free(ev.rep_filter);
	ev.rep_filter = NULL;
}

/* ---- prompts ------------------------------------------------------------ */

static void
model_done(struct tui *t, const char *text)
{
	struct request *rq;

	if (text[0] == '\0')
		return;
	if ((rq = request_new(text, NULL)) == NULL) {
		tui_message(t, true, "out of memory");
		return;
	}
	submit(t, rq);
}

/* Evaluate on files (taken over), or keep them for the next model. */
static void
use_files(struct tui *t, struct files *f)
{
	struct request *rq;
	char what[600];

	if (!model_coming()) {
		files_free(&ev.files);
		ev.files = *f;
		tui_message(t, false, "%s chosen: m loads a model to evaluate on them",
		    files_name(&ev.files, what, sizeof what));
		return;
	}
	rq = request_new(NULL, f);
	files_free(f);
	if (rq == NULL) {
		tui_message(t, true, "out of memory");
		return;
	}
	submit(t, rq);
}

static void
files_done(struct tui *t, const char *text)
{
	struct files f = { 0 };

	while (*text == ' ')
		text++;
	if (text[0] != '\0' && !files_parse(t, text, &f))
		return;
	use_files(t, &f);
}

static void
plots_done(struct tui *t, const char *text)
{
	struct job *j;

	if (text[0] == '\0' || !ev.have)
		return;
	if (ev.job != NULL) {
		tui_message(t, true, "busy: P again when the %s ends",
		    ev.job->kind == JOB_PLOTS ? "drawing" : "evaluation");
		return;
	}
	if (mkdir(text, 0777) != 0 && errno != EEXIST) {
		tui_message(t, true, "%s: %s", text, strerror(errno));
		return;
	}
	if ((j = job_new(JOB_PLOTS)) == NULL || (j->plot_dir = strdup(text)) == NULL ||
	    !report_copy(&j->rep, &ev.rep)) {
		tui_message(t, true, "out of memory");
		job_free(j);
		return;
	}
	j->use = ev.model;
	j->name = ev.path;
	if (job_launch(t, j))
		tui_message(t, false, "drawing the figures into %s...", text);
}

static void
csv_done(struct tui *t, const char *text)
{
	char *cause = NULL;
	enum nu_status st;
	int written = 0;

	if (text[0] == '\0' || !ev.have)
		return;
	if ((st = nu_eval_csv(&ev.rep, text, &written, &cause)) != NU_OK)
		tui_message(t, true, "CSV: %s", cause != NULL ? cause : nu_strerror(st));
	else if (is_binary())
		tui_message(t, false, "%d CSV files written to %s (at threshold %.2f)",
		    written, text, ev.t);
	else
		tui_message(t, false, "%d CSV files written to %s", written, text);
	free(cause);
}

/* ---- drawing helpers ---------------------------------------------------- */

static void
head_on(const struct tui *t)
{
	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
}

static void
head_off(const struct tui *t)
{
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
}

/* v with prec decimals ("0.8123"), or "-" for NaN, into buf. */
static const char *
fmt_num(char *buf, size_t len, int prec, double v)
{
	if (isnan(v))
		snprintf(buf, len, "%s", "-");
	else
		snprintf(buf, len, "%.*f", prec, v);
	return buf;
}

/* What the running job does, into buf; false when none runs. */
static bool
job_line(char *buf, size_t len)
{
	const struct job *j = ev.job;
	double secs;
	uint64_t n;
	char what[600];

	if (j == NULL)
		return false;
	secs = now_s() - j->started;
	if (j->kind == JOB_PLOTS) {
		snprintf(buf, len, "Drawing the figures into %s... %.0f s", j->plot_dir,
		    secs);
		return true;
	}
	n = atomic_load(&j->nevents);
	if (!j->req.files.test)
		snprintf(buf, len, "Evaluating %s on %llu events... %.0f s",
		    base_name(j->name), (unsigned long long)j->nselected, secs);
	else if (n > 0)
		snprintf(buf, len, "Evaluating %s on %llu events of %s... %.0f s",
		    base_name(j->name), (unsigned long long)n,
		    files_name(&j->req.files, what, sizeof what), secs);
	else
		snprintf(buf, len, "Evaluating %s: opening %s... %.0f s",
		    base_name(j->name), files_name(&j->req.files, what, sizeof what),
		    secs);
	return true;
}

static void
draw_header(struct tui *t, int y, int cols)
{
	const struct nu_eval_report *r = &ev.rep;
	char line[1024], what[600];

	head_on(t);
	if (job_line(line, sizeof line)) {
		attron(A_REVERSE);
		tui_put(y, 0, cols, line);
		attroff(A_REVERSE);
	} else {
		char files[700];
		/* a model trained on a selection says which */
		bool trained = ev.model != NULL && ev.model->meta.where != NULL &&
		    ev.model->meta.where[0] != '\0';

		if (ev.rep_files.test)
			snprintf(files, sizeof files, "%zu test file%s (%s)", ev.rep_nfiles,
			    ev.rep_nfiles == 1 ? "" : "s",
			    files_list(&ev.rep_files, what, sizeof what));
		else
			snprintf(files, sizeof files, "the Data screen's %zu file%s",
			    ev.rep_nfiles, ev.rep_nfiles == 1 ? "" : "s");
		char seen[96] = "";
		const struct nu_seen_counts *sc = &r->seen;

		/* the events left out because the model has seen them */
		if (!sc->known)
			snprintf(seen, sizeof seen, "; the model does not record its "
			    "training events");
		else if (sc->excluded_train + sc->excluded_val > 0)
			snprintf(seen, sizeof seen, "; %llu left out (trained %llu, "
			    "validated %llu on them)", (unsigned long long)
			    (sc->excluded_train + sc->excluded_val),
			    (unsigned long long)sc->excluded_train,
			    (unsigned long long)sc->excluded_val);
		tui_putf(y, 0, cols, "Model: %s%s%s%s  on %s, %llu events%s%s%s", ev.path,
		    trained ? " (trained where " : "", trained ? ev.model->meta.where : "",
		    trained ? ")" : "", files, (unsigned long long)ev.rep_nevents, seen,
		    ev.rep_filter != NULL ? ", filter: " : "",
		    ev.rep_filter != NULL ? ev.rep_filter : "");
	}
	head_off(t);
	if (r->nclasses == 2)
		tui_putf(y + 1, 0, cols, "task %s, selected: score > %.2f; %zu events: "
		    "%.0f %s (signal), %.0f %s", nu_task_name(r->task), ev.t, r->n,
		    r->bin.npos, nu_task_class_name(r->task, 1), r->bin.nneg,
		    nu_task_class_name(r->task, 0));
	else
		tui_putf(y + 1, 0, cols, "task %s, %zu events", nu_task_name(r->task),
		    r->n);
}

/* The 2 x 2 matrix, signal first as `nuscope eval` prints it. */
static void
draw_confusion2(struct tui *t, int y, int x, int w)
{
	const struct nu_eval_report *r = &ev.rep;
	const struct nu_binary_at *a = &r->bin.at;
	const struct nu_confusion *c = &a->c;
	double cell[2][2] = { { c->tp, c->fn }, { c->fp, c->tn } };
	const char *name[2] = { nu_task_class_name(r->task, 1),
	    nu_task_class_name(r->task, 0) };
	bool margin = w >= 50;
	char b[32];

	head_on(t);
	tui_putf(y, x, w, "Confusion matrix: %s", form_name[ev.form]);
	head_off(t);
	tui_putf(y + 1, x, w, "%-13s %11.11s %11.11s%s", "true\\selected", name[0], name[1],
	    margin ? "" : "");
	for (int i = 0; i < 2; i++) {
		tui_putf(y + 2 + i, x, w, "%-13.13s", name[i]);
		for (int j = 0; j < 2; j++) {
			double row = cell[i][0] + cell[i][1], col = cell[0][j] + cell[1][j];
			double v = ev.form == 0 ? cell[i][j] : ev.form == 1 ?
			    (row > 0 ? 100 * cell[i][j] / row : NAN) :
			    (col > 0 ? 100 * cell[i][j] / col : NAN);

			if (ev.cur == 2 * i + j)
				attron(A_REVERSE);
			if (ev.form == 0)
				tui_putf(y + 2 + i, x + 14 + 12 * j, 11, "%11.0f", v);
			else
				tui_putf(y + 2 + i, x + 14 + 12 * j, 11, "%10s%%",
				    fmt_num(b, sizeof b, 2, v));
			attroff(A_REVERSE);
		}
	}
	if (margin) {
		tui_putf(y + 2, x + 38, w - 38, "eff %s%%",
		    fmt_num(b, sizeof b, 2, 100 * a->efficiency.value));
		tui_putf(y + 3, x + 38, w - 38, "rej %s%%",
		    fmt_num(b, sizeof b, 2, 100 * a->rejection.value));
	}
	tui_putf(y + 4, x, w, "%-13s %10s%%", "purity",
	    fmt_num(b, sizeof b, 2, 100 * a->purity.value));
}

/* One ratio line: value, interval, baseline. */
static void
ratio_line(int y, int x, int w, bool narrow, const char *name,
    const struct nu_ratio *q, double baseline)
{
	char v[16], lo[16], hi[16], bl[16];
	int f = narrow ? 3 : 4;

	fmt_num(v, sizeof v, f, q->value);
	fmt_num(lo, sizeof lo, f, q->lo);
	fmt_num(hi, sizeof hi, f, q->hi);
	fmt_num(bl, sizeof bl, f, baseline);
	if (narrow)
		tui_putf(y, x, w, "%-10.10s %6s [%s,%s] %s", name, v, lo, hi, bl);
	else
		tui_putf(y, x, w, "%-19s %6s  [%s, %s]  %8s", name, v, lo, hi, bl);
}

static void
draw_metrics2(struct tui *t, int y, int x, int w, int h)
{
	const struct nu_eval_report *r = &ev.rep;
	const struct nu_binary_eval *e = &r->bin;
	const struct nu_binary_at *a = &e->at;
	bool narrow = w < 58, maj = e->npos >= e->nneg;
	double n = (double)e->n;
	char b1[16], b2[16];
	int row = 0;

	if (h < 2)
		return;
	head_on(t);
	if (narrow)
		tui_putf(y, x, w, "%-10s %6s %-13s %s", "t = ", "value", " 68% interval",
		    "base");
	else
		tui_putf(y, x, w, "%-19s %6s  %-18s  %8s", "at the threshold", "value",
		    "68% Wilson interval", "baseline");
	head_off(t);
	if (narrow)
		tui_putf(y, x + 4, 6, "%.2f", ev.t);
#define ROOM() (++row < h)
	if (ROOM())
		ratio_line(y + row, x, w, narrow, "accuracy", &a->accuracy, e->baseline);
	if (ROOM())
		tui_putf(y + row, x, w, narrow ? "%-10.10s %6s +-%-11s %s" :
		    "%-19s %6s  +- %-16s  %8s", narrow ? "balanced" : "balanced accuracy",
		    fmt_num(b1, sizeof b1, narrow ? 3 : 4, a->balanced),
		    fmt_num(b2, sizeof b2, narrow ? 3 : 4, a->balanced_err),
		    narrow ? "0.500" : "0.5000");
	if (ROOM())
		ratio_line(y + row, x, w, narrow, narrow ? "efficiency" : "efficiency (recall)",
		    &a->efficiency, maj ? 1.0 : 0.0);
	if (ROOM())
		ratio_line(y + row, x, w, narrow, narrow ? "purity" : "purity (precision)",
		    &a->purity, maj && n > 0 ? e->npos / n : NAN);
	if (ROOM())
		ratio_line(y + row, x, w, narrow, narrow ? "rejection" : "bkg rejection",
		    &a->rejection, maj ? 0.0 : 1.0);
	if (ROOM())
		tui_putf(y + row, x, w, "%-10s %.4f   s/sqrt(s+b) %.2f", "F1", a->f1, a->fom);
	if (ROOM())
		tui_putf(y + row, x, w, narrow ? "%-10s %.4f  baseline 0.5000" :
		    "%-19s %.4f  (any threshold)      0.5000", narrow ? "ROC AUC" : "ROC AUC",
		    e->auc);
	if (ROOM())
		tui_putf(y + row, x, w, narrow ? "%-10s %.4f  baseline %s" :
		    "%-19s %.4f  (any threshold)    %8s", narrow ? "avg prec" : "average precision",
		    e->ap, fmt_num(b1, sizeof b1, 4, n > 0 ? e->npos / n : NAN));
#undef ROOM
}

static void
draw_best(struct tui *t, int y, int x, int w, int h)
{
	const struct nu_binary_eval *e = &ev.rep.bin;

	if (h < 1)
		return;
	head_on(t);
	tui_put(y, x, w, "Best thresholds (b goes there)");
	head_off(t);
	if (h > 1)
		tui_putf(y + 1, x, w, "balanced acc.  t = %.2f (%.4f)",
		    e->scan[e->best_balanced].t, e->scan[e->best_balanced].balanced);
	if (h > 2)
		tui_putf(y + 2, x, w, "s/sqrt(s+b)    t = %.2f (%.2f)",
		    e->scan[e->best_fom].t, e->scan[e->best_fom].fom);
	if (h > 3)
		tui_putf(y + 3, x, w, "Youden's J     score >= %.4g", e->youden_t);
}

/* Put one dot of a w x h cell grid of dw x dh dots each. */
static void
dot(uint8_t *cells, int w, int h, int dw, int dh, int px, int py)
{
	/* braille bits: column 0 rows 0-3 = 0x01 0x02 0x04 0x40, column 1 =
	 * 0x08 0x10 0x20 0x80; one dot per cell in ASCII */
	static const uint8_t bit[2][4] = { { 0x01, 0x02, 0x04, 0x40 },
	    { 0x08, 0x10, 0x20, 0x80 } };
	int cx = px / dw, cy = py / dh;

	if (cx < 0 || cy < 0 || cx >= w || cy >= h)
		return;
	cells[cy * w + cx] |= dw == 2 ? bit[px % 2][py % 4] : 1;
}

/* A line from (x0, y0) to (x1, y1) in [0,1]^2 onto the dot grid. */
static void
dot_line(uint8_t *cells, int w, int h, int dw, int dh, double x0, double y0,
    double x1, double y1)
{
	int W = w * dw - 1, H = h * dh - 1;
	double ax = x0 * W, ay = (1 - y0) * H, bx = x1 * W, by = (1 - y1) * H;
	int steps = (int)fmax(fabs(bx - ax), fabs(by - ay)) + 1;

	for (int s = 0; s <= steps; s++) {
		double f = (double)s / steps;

		dot(cells, w, h, dw, dh, (int)lround(ax + f * (bx - ax)),
		    (int)lround(ay + f * (by - ay)));
	}
}

/* The ROC curve in a box: efficiency against background efficiency, the
 * diagonal of a random guess dim, the working point marked. */
static void
draw_roc(struct tui *t, int y, int x, int w, int h)
{
	static uint8_t curve[EV_ROC_MAXW * EV_ROC_MAXH], diag[EV_ROC_MAXW * EV_ROC_MAXH];
	const struct nu_binary_eval *e = &ev.rep.bin;
	const struct nu_curve *c = &e->roc;
	int pw = w - 5, ph = h - 3, dw = t->utf8 ? 2 : 1, dh = t->utf8 ? 4 : 1;
	double fx = 1 - e->at.rejection.value, fy = e->at.efficiency.value;

	if (pw > EV_ROC_MAXW)
		pw = EV_ROC_MAXW;
	if (ph > EV_ROC_MAXH)
		ph = EV_ROC_MAXH;
	if (pw < 8 || ph < 3)
		return;
	head_on(t);
	tui_putf(y, x, w, "ROC curve, AUC %.4f", e->auc);
	head_off(t);
	memset(curve, 0, (size_t)(pw * ph));
	memset(diag, 0, (size_t)(pw * ph));
	dot_line(diag, pw, ph, dw, dh, 0, 0, 1, 1);
	for (size_t i = 1; i < c->n; i++)
		dot_line(curve, pw, ph, dw, dh, c->x[i - 1], c->y[i - 1], c->x[i], c->y[i]);
	for (int r = 0; r < ph; r++) {
		const char *lab = r == 0 ? "1.0" : r == ph - 1 ? "0.0" :
		    r == (ph - 1) / 2 ? "eff" : "";

		tui_putf(y + 1 + r, x, 4, "%3s", lab);
		tui_put(y + 1 + r, x + 3, 1, t->utf8 ? "│" : "|");
		for (int k = 0; k < pw; k++) {
			uint8_t cv = curve[r * pw + k], dv = diag[r * pw + k];
			char s[4];

			if ((cv | dv) == 0)
				continue;
			if (t->utf8) {
				int cp = 0x2800 + (cv | dv);

				s[0] = (char)(0xe0 | (cp >> 12));
				s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
				s[2] = (char)(0x80 | (cp & 0x3f));
				s[3] = '\0';
			} else {
				s[0] = cv ? '*' : '.';
				s[1] = '\0';
			}
			if (cv == 0)
				attron(A_DIM);
			else if (t->colors)
				attron(COLOR_PAIR(TUI_PAIR_TITLE));
			tui_put(y + 1 + r, x + 4 + k, 1, s);
			attroff(A_DIM | COLOR_PAIR(TUI_PAIR_TITLE));
		}
	}
	move(y + 1 + ph, x + 3);
	tui_put(y + 1 + ph, x + 3, 1, t->utf8 ? "└" : "+");
	for (int k = 0; k < pw; k++)
		tui_put(y + 1 + ph, x + 4 + k, 1, t->utf8 ? "─" : "-");
	tui_putf(y + 2 + ph, x + 3, w - 3, "0%*s1", pw - 1, "");
	tui_put(y + 2 + ph, x + 4 + (pw - 28) / 2, 28, "background efficiency");
	if (!isnan(fx) && !isnan(fy)) {
		int cx = (int)lround(fx * (pw - 1)), cy = (int)lround((1 - fy) * (ph - 1));

		attron(A_BOLD | A_REVERSE);
		tui_put(y + 1 + cy, x + 4 + cx, 1, "o");
		attroff(A_BOLD | A_REVERSE);
	}
}

static const char *
family_title(const struct tui *t, enum nu_slice_family f)
{
	switch (f) {
	case NU_SLICE_MODE: return "mode";
	case NU_SLICE_GROUP: return "group";
	case NU_SLICE_ENU: return t->utf8 ? "E_ν (GeV)" : "E_nu (GeV)";
	case NU_SLICE_ELEP: return t->utf8 ? "E_ℓ (GeV)" : "E_lep (GeV)";
	default: return "true value";
	}
}

/* The slice table from family ev.family on, as many families as fit; for
 * binary tasks energy bins get a bar of the efficiency. */
static void
draw_slices(struct tui *t, int y, int x, int w, int h)
{
	const struct nu_eval_report *r = &ev.rep;
	int row = 0, nfam = 0, last = -1;
	bool wide = w >= 62;
	char b[4][16];

	head_on(t);
	tui_putf(y, x, w, "Slices%s (s: next family; Up/Down, Enter: events)",
	    is_binary() ? " at the threshold" : "");
	head_off(t);
	row = 1;
	for (int f = 0; f < NU_NSLICE_FAMILIES; f++) {
		int fam = (ev.family + f) % NU_NSLICE_FAMILIES;

		for (int i = 0; i < r->nslices && row < h; i++) {
			const struct nu_slice *s = &r->slices[i];

			if ((int)s->family != fam)
				continue;
			if (fam != last) {
				if (nfam > 0 && row + 2 >= h)
					break;
				last = fam;
				nfam++;
				attron(A_UNDERLINE);
				if (r->nclasses == 0)
					tui_putf(y + row, x, w, "%-12.12s %6s %9s %9s %8s %8s",
					    family_title(t, s->family), "events", "MSE", "MAE",
					    "bias", "resol.");
				else if (r->nclasses == 2)
					tui_putf(y + row, x, w, wide ?
					    "%-12.12s %6s %6s %7s %7s %7s %7s" :
					    "%-10.10s %5s %5s %6s %6s %6s", family_title(t, s->family),
					    "events", "signal", "acc.", "eff.", "pur.", "rej.");
				else
					tui_putf(y + row, x, w, "%-12.12s %6s %7s", family_title(t,
					    s->family), "events", "acc.");
				attroff(A_UNDERLINE);
				if (++row >= h)
					break;
			}
			if (ev.cur == ncells() + i)
				attron(A_REVERSE);
			if (r->nclasses == 0) {
				tui_putf(y + row, x, w, "%-12.12s %6llu %9.4g %9.4g %8.4f %8.4f",
				    s->name, (unsigned long long)s->n, s->reg.mse, s->reg.mae,
				    s->reg.bias, s->reg.resolution);
			} else if (r->nclasses == 2) {
				int f3 = wide ? 4 : 3;
				int used = wide ? 63 : 43;

				fmt_num(b[0], sizeof b[0], f3, s->accuracy.value);
				fmt_num(b[1], sizeof b[1], f3, s->efficiency.value);
				fmt_num(b[2], sizeof b[2], f3, s->purity.value);
				fmt_num(b[3], sizeof b[3], f3, s->rejection.value);
				tui_putf(y + row, x, w, wide ? "%-12.12s %6llu %6llu %7s %7s %7s %7s" :
				    "%-10.10s %5llu %5llu %6s %6s %6s", s->name,
				    (unsigned long long)s->n, (unsigned long long)s->nsig,
				    b[0], b[1], b[2], b[3]);
				/* efficiency versus energy, as a bar */
				if ((s->family == NU_SLICE_ENU || s->family == NU_SLICE_ELEP) &&
				    w - used >= 4 && !isnan(s->efficiency.value)) {
					int len = (int)lround(s->efficiency.value * (w - used - 1));

					attron(COLOR_PAIR(t->colors ? TUI_PAIR_TITLE : 0));
					for (int k = 0; k < len; k++)
						tui_put(y + row, x + used + k, 1, t->utf8 ? "█" : "#");
					attroff(COLOR_PAIR(t->colors ? TUI_PAIR_TITLE : 0));
				}
			} else {
				tui_putf(y + row, x, w, "%-12.12s %6llu %7s", s->name,
				    (unsigned long long)s->n, fmt_num(b[0], sizeof b[0], 4,
				    s->accuracy.value));
			}
			attroff(A_REVERSE);
			row++;
		}
		if (row >= h)
			break;
	}
}

static void
draw_binary(struct tui *t, int top, int rows, int cols)
{
	int y = top + 2, bottom = top + rows;

	if (cols >= 100 && rows >= 30) {
		/* the ROC takes the height below the tables, and as much width
		 * as a square plot of that height needs (a text cell is about
		 * twice as high as wide), leaving the slice table 64 columns */
		int ry = y + 12, rh = bottom - ry;
		int lw = 2 * (rh - 3) + 5, rx, rw;

		if (lw > cols - 66)
			lw = cols - 66;
		if (lw > EV_ROC_MAXW + 5)
			lw = EV_ROC_MAXW + 5;
		if (lw < 50)
			lw = 50;
		rx = lw + 2;
		rw = cols - rx;
		draw_confusion2(t, y, 0, 50);
		draw_best(t, y + 6, 0, 50, 4);
		draw_metrics2(t, y, 52, cols - 52, 10);
		draw_roc(t, ry, 0, lw, rh);
		draw_slices(t, ry, rx, rw, rh);
	} else {
		int lw = 38, rx = lw + 1, rw = cols - rx, ry = y + 9;

		draw_confusion2(t, y, 0, lw);
		draw_best(t, y + 5, 0, lw, ry - y - 5);
		draw_metrics2(t, y, rx, rw, 9);
		draw_roc(t, ry, 0, lw, bottom - ry);
		draw_slices(t, ry, rx, rw, bottom - ry);
	}
}

static void
draw_multi(struct tui *t, int top, int rows, int cols)
{
	const struct nu_eval_report *r = &ev.rep;
	const struct nu_multi_eval *m = &r->multi;
	int y = top + 2, bottom = top + rows, k = m->k, lw = 12;
	int cw = (cols - lw - 20) / (k > 0 ? k : 1);
	char b[32], b2[32];

	if (cw > 10)
		cw = 10;
	if (cw < 4)
		cw = 4;
	head_on(t);
	tui_putf(y, 0, cols, "Confusion matrix: %s (rows: true, columns: predicted)  "
	    "accuracy %.4f  macro F1 %.4f  micro F1 %.4f", form_name[ev.form],
	    m->accuracy.value, m->macro_f1, m->micro_f1);
	head_off(t);
	y++;
	tui_put(y, 0, lw, "");
	for (int j = 0; j < k; j++)
		tui_putf(y, lw + j * cw, cw, "%*.*s", cw - 1, cw - 1, nu_task_class_name(r->task, j));
	tui_putf(y, lw + k * cw, cols - lw - k * cw, " %8s %8s", "eff.", "purity");
	y++;
	for (int i = 0; i < k && y < bottom; i++, y++) {
		double row = 0;

		for (int j = 0; j < k; j++)
			row += m->count[i][j];
		tui_putf(y, 0, lw, "%-11.11s", nu_task_class_name(r->task, i));
		for (int j = 0; j < k; j++) {
			double col = 0, v;

			for (int q = 0; q < k; q++)
				col += m->count[q][j];
			v = ev.form == 0 ? m->count[i][j] : ev.form == 1 ?
			    (row > 0 ? 100 * m->count[i][j] / row : NAN) :
			    (col > 0 ? 100 * m->count[i][j] / col : NAN);
			if (i == j)
				attron(A_BOLD);
			if (ev.cur == i * k + j)
				attron(A_REVERSE);
			if (ev.form == 0)
				tui_putf(y, lw + j * cw, cw, "%*.0f", cw - 1, v);
			else
				tui_putf(y, lw + j * cw, cw, "%*s", cw - 1,
				    fmt_num(b, sizeof b, cw > 6 ? 1 : 0, v));
			attroff(A_BOLD | A_REVERSE);
		}
		tui_putf(y, lw + k * cw, cols - lw - k * cw, " %7s%% %7s%%",
		    fmt_num(b, sizeof b, 2, 100 * m->efficiency[i].value),
		    fmt_num(b2, sizeof b2, 2, 100 * m->purity[i].value));
	}
	y++;
	if (y < bottom)
		draw_slices(t, y, 0, cols, bottom - y);
}

static void
draw_regression(struct tui *t, int top, int rows, int cols)
{
	const struct nu_reg_stats *s = &ev.rep.reg;
	int y = top + 2;

	head_on(t);
	tui_put(y, 0, cols, "Regression");
	head_off(t);
	tui_putf(y + 1, 0, cols, "  MSE %.5g   MAE %.5g   bias %.4f   resolution %.4f"
	    "   (relative: (pred - true) / true, %zu events)", s->mse, s->mae, s->bias,
	    s->resolution, s->n);
	draw_slices(t, y + 3, 0, cols, top + rows - y - 3);
}

static void
eval_draw(struct tui *t, int top, int rows, int cols)
{
	char line[1024], what[600];

	if (!ev.have) {
		int y = top + 1;

		if (job_line(line, sizeof line)) {
			head_on(t);
			tui_put(y, 2, cols - 4, line);
			head_off(t);
		} else {
			tui_put(y, 2, cols - 4, "No model evaluated.");
		}
		y += 2;
		tui_put(y++, 2, cols - 4, "Press m to load a model file (nuscope train"
		    " writes them); it is evaluated");
		tui_put(y++, 2, cols - 4, "on the events loaded on the Data screen that"
		    " the filter selects,");
		tui_put(y++, 2, cols - 4, "or on test files that f picks (F goes back to"
		    " the Data screen's).");
		y++;
		if (ev.files.test)
			tui_putf(y, 2, cols - 4, "Evaluating on %s.", files_name(&ev.files,
			    what, sizeof what));
		else if (t->ds == NULL)
			tui_put(y, 2, cols - 4, "No files are loaded yet.");
		return;
	}
	draw_header(t, top, cols);
	if (ev.rep.nclasses == 2)
		draw_binary(t, top, rows, cols);
	else if (ev.rep.nclasses > 2)
		draw_multi(t, top, rows, cols);
	else
		draw_regression(t, top, rows, cols);
}

/* ---- keys --------------------------------------------------------------- */

static int
move_threshold(struct tui *t, double step)
{
	double v;

	if (!ev.have) {
		tui_message(t, true, "no model: press m to load one");
		return TUI_REDRAW;
	}
	if (!is_binary()) {
		tui_message(t, true, "the threshold applies to binary tasks only");
		return TUI_REDRAW;
	}
	/* stay on the 0.01 grid of the threshold scan */
	v = round((ev.t + step) * 100) / 100;
	ev.t = v < 0 ? 0 : v > 1 ? 1 : v;
	retune();
	publish_threshold(t);
	return TUI_REDRAW;
}

/* ---- from a cell or a slice to its events --------------------------------- */

/* The score events are ordered by: the signal probability, the
 * probability of the predicted class, or the prediction. */
static float
event_score(const struct nu_eval_report *r, size_t i, int *pred)
{
	const float *y = r->score + i * (size_t)r->nout;
	int best = 0;

	if (r->nclasses > 2) {
		/* the first of equal maxima, as nu_multi_eval counts */
		for (int c = 1; c < r->nout; c++)
			if (y[c] > y[best])
				best = c;
	}
	if (pred != NULL)
		*pred = best;
	return y[best];
}

static const struct nu_eval_report *sort_rep;   /* for by_score */

/* qsort: report indices by score, highest first, then by event index */
static int
by_score(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	float si = event_score(sort_rep, i, NULL), sj = event_score(sort_rep, j, NULL);

	if (si != sj)
		return si > sj ? -1 : 1;
	return (sort_rep->event[i] > sort_rep->event[j]) -
	    (sort_rep->event[i] < sort_rep->event[j]);
}

/* Whether report event i is counted in cursor item `item`: a cell of the
 * confusion matrix (as nu_confusion_at and nu_multi_eval count, at the
 * threshold shown) or a slice. */
static bool
item_has(const struct nu_eval_report *r, int item, size_t i)
{
	int nc = ncells();

	if (item >= nc)
		return nu_slice_has(r, &r->slices[item - nc], i);
	if (r->nclasses == 2) {
		/* rows: signal, background; columns: selected, not */
		bool sig = r->label[i] > 0.5f, sel = r->score[i * (size_t)r->nout] > (float)ev.t;

		return (item / 2 == 0) == sig && (item % 2 == 0) == sel;
	} else {
		int pred, truth = (int)r->label[i];

		event_score(r, i, &pred);
		return truth == item / r->nclasses && pred == item % r->nclasses;
	}
}

/* What item is, for the Events screen's header, into buf. */
static const char *
item_label(const struct tui *t, int item, char *buf, size_t len)
{
	const struct nu_eval_report *r = &ev.rep;
	int nc = ncells();

	if (item >= nc) {
		const struct nu_slice *s = &r->slices[item - nc];

		snprintf(buf, len, "events of slice %s %s", family_title(t, s->family),
		    s->name);
	} else if (r->nclasses == 2) {
		/* cells: signal selected, signal not, background selected, not */
		static const char *const what[] = { "true positives", "false negatives",
		    "false positives", "true negatives" };

		snprintf(buf, len, "%s at threshold %.2f", what[item], ev.t);
	} else {
		snprintf(buf, len, "events of true %s predicted %s",
		    nu_task_class_name(r->task, item / r->nclasses),
		    nu_task_class_name(r->task, item % r->nclasses));
	}
	return buf;
}

/* Enter: the events of the item under the cursor, by score, on the
 * Events screen. */
static void
open_item(struct tui *t)
{
	const struct nu_eval_report *r = &ev.rep;
	size_t *idx, n = 0;
	uint64_t *events;
	char label[160];

	if (!ev.have || ev.cur < 0) {
		tui_message(t, true, ev.have ? "Up/Down choose a cell of the matrix "
		    "or a slice first" : "no model: press m to load one");
		return;
	}
	if (ev.rep_files.test || t->ds == NULL ||
	    ev.rep_nevents != nu_dataset_nevents(t->ds)) {
		tui_message(t, true, "these numbers are on test files; the Events "
		    "screen shows the Data screen's files (F evaluates on them)");
		return;
	}
	if ((idx = malloc((r->n ? r->n : 1) * sizeof *idx)) == NULL ||
	    (events = malloc((r->n ? r->n : 1) * sizeof *events)) == NULL) {
		free(idx);
		tui_message(t, true, "out of memory");
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (item_has(r, ev.cur, i))
			idx[n++] = i;
	sort_rep = r;
	qsort(idx, n, sizeof *idx, by_score);
	for (size_t k = 0; k < n; k++)
		events[k] = r->event[idx[k]];
	tui_events_browse(t, item_label(t, ev.cur, label, sizeof label), events, n);
	free(idx);
	free(events);
}

/* Up/Down: move the cursor over the cells, then the slices; the slice
 * table starts at the family of the slice chosen. */
static int
move_cursor(struct tui *t, int dir)
{
	int items = ncells() + (ev.have ? ev.rep.nslices : 0);

	if (items == 0) {
		tui_message(t, true, "no model: press m to load one");
		return TUI_REDRAW;
	}
	if (ev.cur < 0)
		ev.cur = dir > 0 ? 0 : items - 1;
	else if (ev.cur + dir >= 0 && ev.cur + dir < items)
		ev.cur += dir;
	if (ev.cur >= ncells())
		ev.family = (int)ev.rep.slices[ev.cur - ncells()].family;
	return TUI_REDRAW;
}

/* S: write the threshold into the model file, and into the loaded model
 * (which a running job may borrow: it never reads this field). */
static void
store_threshold(struct tui *t)
{
	char *cause = NULL;
	enum nu_status st;

	if (!is_binary()) {
		tui_message(t, true, "no binary model to store a threshold in");
		return;
	}
	if ((st = nu_model_set_threshold(ev.path, ev.t, &cause)) != NU_OK) {
		tui_message(t, true, "%s: %s", ev.path, cause != NULL ?
		    tui_cause_after(cause, ev.path) : nu_strerror(st));
		free(cause);
		return;
	}
	ev.model->meta.threshold = ev.t;
	t->model_gen++;
	tui_message(t, false, "%s: threshold %.2f stored", ev.path, ev.t);
}

static int
eval_key(struct tui *t, int ch)
{
	const struct files *f = ev.pending != NULL ? &ev.pending->files : &ev.files;
	struct files loaded = { 0 };
	struct request *rq;

	switch (ch) {
	case 'm':
		tui_prompt(t, "model file (Tab completes)", ev.path, true, model_done);
		return TUI_REDRAW;
	case 'f':
		tui_prompt(t, "test files, directories or globs (commas or blanks "
		    "between; Tab completes)", f->test ? f->text : NULL, true,
		    files_done);
		return TUI_REDRAW;
	case 'F':
		if (!f->test) {
			tui_message(t, false, "already on the Data screen's files");
			return TUI_REDRAW;
		}
		use_files(t, &loaded);
		return TUI_REDRAW;
	case KEY_UP: return move_cursor(t, -1);
	case KEY_DOWN: return move_cursor(t, 1);
	case '\n': case '\r': case KEY_ENTER:
		open_item(t);
		return TUI_REDRAW;
	case KEY_LEFT: return move_threshold(t, -0.01);
	case KEY_RIGHT: return move_threshold(t, 0.01);
	case KEY_SLEFT: case '[': return move_threshold(t, -0.1);
	case KEY_SRIGHT: case ']': return move_threshold(t, 0.1);
	case 'b':
		if (is_binary())
			return move_threshold(t, ev.rep.bin.scan[ev.rep.bin.best_balanced].t - ev.t);
		return TUI_NONE;
	case 'c':
		ev.form = (ev.form + 1) % 3;
		return TUI_REDRAW;
	case 's':
		ev.family = (ev.family + 1) % NU_NSLICE_FAMILIES;
		return TUI_REDRAW;
	case 'r':
		if (!model_coming()) {
			tui_message(t, true, "no model: press m to load one");
			return TUI_REDRAW;
		}
		if ((rq = request_new(NULL, NULL)) == NULL)
			tui_message(t, true, "out of memory");
		else
			submit(t, rq);
		return TUI_REDRAW;
	case 'P':
		if (!ev.have) {
			tui_message(t, true, "no model: press m to load one");
			return TUI_REDRAW;
		}
		tui_prompt(t, "write PNG figures into directory", "plots", true, plots_done);
		return TUI_REDRAW;
	case 'C':
		if (!ev.have) {
			tui_message(t, true, "no model: press m to load one");
			return TUI_REDRAW;
		}
		tui_prompt(t, "write CSV tables into directory", "csv", true, csv_done);
		return TUI_REDRAW;
	case 'S':
		store_threshold(t);
		return TUI_REDRAW;
	default:
		return TUI_UNHANDLED;
	}
}

/* The Data screen's files or the filter changed: evaluate again at the
 * same threshold (in the background).  On test files only a new filter
 * matters. */
static void
eval_reload(struct tui *t)
{
	const struct files *f = ev.pending != NULL ? &ev.pending->files : &ev.files;
	const char *old = ev.rep_filter != NULL ? ev.rep_filter : "";
	struct request *rq;

	if (!model_coming())
		return;
	if (f->test && ev.have && strcmp(old, t->where_text != NULL ?
	    t->where_text : "") == 0)
		return;
	if ((rq = request_new(NULL, NULL)) == NULL) {
		tui_message(t, true, "out of memory");
		return;
	}
	rq->reload = true;
	submit(t, rq);
}

const struct tui_view tui_view_eval = {
	.name = "Evaluation",
	.mnemonic = 'v',
	.keys = "m model  f/F files  <-/-> [ ] threshold  Up/Down Enter events  c %  "
	    "s slices  P plots  C csv  S store",
	.help =
	    "m                 load a model file; it is evaluated in the background\n"
	    "                    on the Data screen's (filtered) events or test files\n"
	    "f, F              evaluate on test files (files, directories, globs;\n"
	    "                    commas or blanks between; the filter applies), F\n"
	    "                    on the Data screen's files again\n"
	    "Left, Right       move the threshold by 0.01; Shift+arrows, [ ] by 0.1\n"
	    "                    (the Events screen judges events at it too)\n"
	    "b                 go to the threshold of best balanced accuracy\n"
	    "Up, Down          choose a cell of the confusion matrix or a row of\n"
	    "                    the slice table (shown reversed)\n"
	    "Enter             open the Events screen on the chosen cell's or\n"
	    "                    slice's events, highest score first (Esc there\n"
	    "                    goes back to every event)\n"
	    "c                 confusion matrix: counts, row % (efficiencies),\n"
	    "                    column % (purities)\n"
	    "s                 show the slice table from the next family\n"
	    "r                 evaluate again (m f F r during an evaluation\n"
	    "                    stop it and start next; the newest wins)\n"
	    "P, C              write the figures (PNG), the tables (CSV, as\n"
	    "                    nuscope eval --csv) into a directory\n"
	    "S                 store the threshold in the model file",
	.draw = eval_draw,
	.key = eval_key,
	.reload = eval_reload,
	.tick = eval_tick,
	.fini = eval_fini,
};
