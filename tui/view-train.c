/*
 * view-train.c: the Training screen: a form of how to train (the task
 * and the [train] keys of the architecture the Architecture screen holds,
 * the events, the model output and the threads), a run of src/train.c on
 * its own thread, and its live progress: bars, loss and metric curves,
 * speed, ETA, the best epoch, the run's message and a log of epoch lines.
 *
 * The form's task and hyper-parameters are keys of the shared
 * architecture (tui_arch): editing them here edits it there, with the same
 * checks, and what is trained is exactly its text, saved or not.
 *
 * DESIGN.  The run thread never touches curses or this file's state.  It
 * owns a dataset handle of its own (opened from the same paths as the
 * UI's, which keeps using t->ds) and writes a byte to nu_train_fd() when
 * there is news.  tui.c poll()s that descriptor
 * (t->wake_fd[TUI_WAKE_TRAIN]) and calls
 * train_tick on the UI thread, which copies the snapshot and the new batch
 * and epoch records through the run's API; drawing reads only those
 * copies.  Control goes back through nu_train_pause/stop/save.  When the
 * snapshot says the run has ended, train_tick joins it, so no thread
 * outlives its run; quitting asks first and joins before leaving.
 *
 * Checkpoints asked for with `w` go to the output path with ".h5"
 * replaced by ".ckpt.h5" (model.h5 -> model.ckpt.h5), so they never
 * overwrite the model the run writes after every epoch.
 *
 * The plots put epochs on the x axis, so that the batch curve, the run's
 * per-epoch points and the recorded epochs of other model files (`o`,
 * compared through histplot.h) share one axis; ticks are the round 1, 2,
 * 5 x 10^k steps of plot.h.  `R` resumes a model file: the run trains
 * the model's own architecture text (nu_train_new insists on it), to the
 * form's number of epochs, on the model's own selection.
 *
 * Watching (`W`, or `nuscope tui --watch LOG`) follows a run started
 * elsewhere through its --json-log instead: runlog.h reads what the file
 * gained every WATCH_POLL_MS (tui.c's refresh timer, shortened through
 * t->refresh_ms) and hands back the same snapshot, batch and epoch records
 * a run of this screen gives, so everything is drawn by the same code.
 * The form is hidden and the run-control keys are refused: that run
 * answers to whoever started it.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "arch.h"
#include "archedit.h"
#include "histplot.h"
#include "model.h"
#include "plot.h"
#include "runlog.h"
#include "train.h"
#include "wake.h"
#include "tui.h"

#define NCMP 9                  /* compared models, marked 1-9 */
#define WATCH_POLL_MS 500       /* how often a watched log is read */


static struct {
	char output[1024];
	bool output_set;        /* typed by the user: not derived from arch */
	int threads;            /* 0: the trainer's default (2) */
	int smooth;             /* index into smooth_alpha */
	bool all_events;        /* ignore the Data screen's filter */
	int field;              /* selected field of the form */

	/* the run: alive while run != NULL && !joined */
	struct nu_train *run;
	struct nu_dataset *ds;  /* the run's own handle */
	struct nu_arch *arch;
	bool joined, pause_req, confirm_quit, classify;
	int nclasses;           /* of the run's task */
	char run_output[1024];
	char run_arch[1024];    /* what the run trains: the editor's file name */

	/* copies made on the UI thread by train_tick */
	struct nu_train_snap snap;
	bool have_snap;
	struct nu_batch_rec *b;
	size_t nb, bcap;
	struct nu_epoch_rec *e;
	int ne, ecap;
	char last_msg[256];

	/* watching a run's log (W): the copies above come from it */
	struct nu_runlog *watch;
	bool watch_stopped;     /* the log could not be read on: what was
	                         * read stays, nothing more is read */
	long watch_last;        /* ms of the last poll */

	bool logy;              /* L: logarithmic y axes */
	struct nu_histplot cmp[NCMP];   /* o: recorded runs drawn beside */
	int ncmp;

	/* Setting a run up (reading the events into memory can take
	 * seconds) happens on a thread of its own, so the screen keeps
	 * answering.  It owns `setup` until joined; the UI thread reads it
	 * only after pthread_join. */
	bool preparing;         /* the set-up thread is alive */
	bool cancel;            /* x or quit while preparing: stop at once */
	bool save_req;          /* w while preparing: a checkpoint at once */
	pthread_t setup_th;
	struct nu_wake setup_wake;      /* the setup thread's end */
	struct {
		char **paths;
		size_t npaths;
		char *where;
		char *resume;           /* R: the model file continued */
		struct nu_train_opts opts;
		struct nu_dataset *ds;  /* results */
		struct nu_train *run;
		enum nu_status st;
		char *cause;
		atomic_bool stop;       /* x or quit: stop reading events */
		atomic_bool done;       /* set before setup_wake is signalled */
	} setup;

} tr = { .setup_wake = { .fd = { -1, -1 } } };

static const double smooth_alpha[] = { 0, 0.9, 0.98 };
#define NSMOOTH ((int)(sizeof smooth_alpha / sizeof smooth_alpha[0]))

static bool
running(void)
{
	return tr.run != NULL && !tr.joined;
}

/* The output path from the architecture's file name (dir/seed1.arch ->
 * seed1.h5), unless the user typed one. */
static void
derive_output(struct tui *t)
{
	const struct nu_arched *e = tui_arch(t);
	const char *name, *base;
	size_t n;

	if (tr.output_set || e == NULL)
		return;
	name = e->name;
	base = strrchr(name, '/');
	base = base != NULL ? base + 1 : name;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".arch") == 0)
		n -= 5;
	if (n == 0)
		tr.output[0] = '\0';
	else
		snprintf(tr.output, sizeof tr.output, "%.*s.h5", (int)n, base);
}

/* The checkpoint path for `w`: out.h5 -> out.ckpt.h5, else out + .ckpt.h5 */
static void
checkpoint_path(char *buf, size_t len)
{
	size_t n = strlen(tr.run_output);

	if (n > 3 && strcmp(tr.run_output + n - 3, ".h5") == 0)
		n -= 3;
	snprintf(buf, len, "%.*s.ckpt.h5", (int)n, tr.run_output);
}

/* ---- the run ---------------------------------------------------------- */

/* Forget the last run (joined or never started). */
static void
run_free(struct tui *t)
{
	nu_train_free(tr.run);
	nu_dataset_free(tr.ds);
	nu_arch_free(tr.arch);
	tr.run = NULL;
	tr.ds = NULL;
	tr.arch = NULL;
	tr.joined = false;
	tr.pause_req = false;
	free(tr.b);
	free(tr.e);
	tr.b = NULL;
	tr.e = NULL;
	tr.nb = tr.bcap = 0;
	tr.ne = tr.ecap = 0;
	tr.have_snap = false;
	tr.last_msg[0] = '\0';
	t->wake_fd[TUI_WAKE_TRAIN] = -1;
}

static void
print_epoch(char *buf, size_t len, const struct nu_epoch_rec *r, int epochs)
{
	const char *m = tr.classify ? "accuracy" : "MAE";
	int off;

	off = snprintf(buf, len, "epoch %d/%d: loss %.4f, %s %.4f", r->epoch + 1,
	    epochs, r->train_loss, m, r->train_metric);
	if (r->val_events > 0 && off > 0 && (size_t)off < len)
		off += snprintf(buf + off, len - (size_t)off,
		    "; validation loss %.4f, %s %.4f", r->val_loss, m, r->val_metric);
	if (off > 0 && (size_t)off < len)
		snprintf(buf + off, len - (size_t)off, " (%.1f s)", r->seconds);
}

/* Join a run whose thread has ended and say how it went. */
static void
run_join(struct tui *t)
{
	char *cause = NULL;
	enum nu_status st = nu_train_join(tr.run, &cause);

	tr.joined = true;
	t->wake_fd[TUI_WAKE_TRAIN] = -1;
	t->on_quit = NULL;
	nu_train_snapshot(tr.run, &tr.snap);
	if (st != NU_OK) {
		tui_message(t, true, "training failed: %s",
		    cause != NULL ? cause : nu_strerror(st));
	} else if (tr.snap.state == NU_RUN_STOPPED) {
		tui_message(t, false, "%s", tr.snap.message[0] ? tr.snap.message :
		    "training stopped");
		if (tr.snap.batch > 0 && tr.snap.batch < tr.snap.nbatches)
			tui_log("stopped in epoch %d/%d after batch %d/%d", tr.snap.epoch + 1,
			    tr.snap.epochs, tr.snap.batch, tr.snap.nbatches);
		else
			tui_log("stopped after epoch %d/%d", tr.snap.epoch + 1, tr.snap.epochs);
	} else {
		tui_message(t, false, "training finished: model written to %s",
		    tr.run_output);
		tui_log("finished: model written to %s", tr.run_output);
	}
	free(cause);
}

static void setup_join(struct tui *t);
static void watch_poll(struct tui *t, bool force);

/* Copy the run's news (UI thread; the hook tui.c calls on wake_fd). */
static void
train_tick(struct tui *t)
{
	struct nu_epoch_rec er[8];
	size_t got;
	int ne;

	if (tr.watch != NULL) {
		watch_poll(t, false);
		return;
	}
	if (tr.preparing) {
		nu_wake_drain(&tr.setup_wake);
		if (!atomic_load(&tr.setup.done))
			return;         /* still reading events */
		setup_join(t);
	}
	if (!running())
		return;
	nu_train_snapshot(tr.run, &tr.snap);
	tr.have_snap = true;
	for (;;) {
		if (tr.nb == tr.bcap) {
			size_t cap = tr.bcap ? tr.bcap * 2 : 1024;
			struct nu_batch_rec *b = realloc(tr.b, cap * sizeof *b);

			if (b == NULL)
				break;  /* the curves stop growing; the run goes on */
			tr.b = b;
			tr.bcap = cap;
		}
		got = nu_train_batches(tr.run, tr.nb, tr.b + tr.nb, tr.bcap - tr.nb);
		tr.nb += got;
		if (got == 0 || tr.nb < tr.bcap)
			break;
	}
	while ((ne = nu_train_epochs(tr.run, tr.ne, er, 8)) > 0) {
		if (tr.ne + ne > tr.ecap) {
			int cap = tr.ecap ? tr.ecap * 2 : 64;
			struct nu_epoch_rec *e;

			while (cap < tr.ne + ne)
				cap *= 2;
			if ((e = realloc(tr.e, (size_t)cap * sizeof *e)) == NULL)
				break;
			tr.e = e;
			tr.ecap = cap;
		}
		for (int i = 0; i < ne; i++) {
			char line[TUI_LOG_WIDTH];

			tr.e[tr.ne + i] = er[i];
			print_epoch(line, sizeof line, &er[i], tr.snap.epochs);
			tui_log("%s", line);
		}
		tr.ne += ne;
	}
	if (tr.snap.message[0] != '\0' &&
	    strcmp(tr.snap.message, tr.last_msg) != 0) {
		snprintf(tr.last_msg, sizeof tr.last_msg, "%s", tr.snap.message);
		tui_log("%s", tr.snap.message);
	}
	if (tr.snap.state == NU_RUN_FINISHED || tr.snap.state == NU_RUN_STOPPED ||
	    tr.snap.state == NU_RUN_FAILED)
		run_join(t);
}

static int train_on_quit(struct tui *t);

static void *
setup_main(void *arg)
{
	struct nu_open_opts oo = { .skip_bad = true };
	enum nu_status st;

	(void)arg;
	st = nu_dataset_open(&tr.setup.ds, (const char *const *)tr.setup.paths,
	    tr.setup.npaths, &oo, &tr.setup.cause);
	if (st == NU_OK)
		st = nu_train_new(&tr.setup.run, tr.arch, tr.setup.ds, &tr.setup.opts,
		    &tr.setup.cause);
	if (st == NU_OK)
		st = nu_train_start(tr.setup.run, &tr.setup.cause);
	tr.setup.st = st;
	atomic_store(&tr.setup.done, true);
	nu_wake_signal(&tr.setup_wake);
	return NULL;
}

static void
setup_free(void)
{
	for (size_t i = 0; i < tr.setup.npaths; i++)
		free(tr.setup.paths[i]);
	free(tr.setup.paths);
	free(tr.setup.where);
	free(tr.setup.resume);
	free(tr.setup.cause);
	tr.setup.paths = NULL;
	tr.setup.npaths = 0;
	tr.setup.where = NULL;
	tr.setup.resume = NULL;
	tr.setup.cause = NULL;
	nu_wake_close(&tr.setup_wake);
}

static void run_fail(struct tui *t, enum nu_status st, const char *cause);

/* The set-up thread has ended (or is about to): join it and start
 * following the run, or say why there is none. */
static void
setup_join(struct tui *t)
{
	pthread_join(tr.setup_th, NULL);
	tr.preparing = false;
	t->wake_fd[TUI_WAKE_TRAIN] = -1;
	if (tr.setup.st != NU_OK) {
		if (tr.setup.run != NULL)
			nu_train_free(tr.setup.run);
		nu_dataset_free(tr.setup.ds);
		tr.setup.run = NULL;
		tr.setup.ds = NULL;
		if (tr.setup.st == NU_ERR_CANCELLED) {
			tui_message(t, false, "cancelled while reading the events: "
			    "no run, nothing written");
			tui_log("cancelled while reading the events");
			t->on_quit = NULL;
			run_free(t);
		} else {
			run_fail(t, tr.setup.st, tr.setup.cause);
		}
		setup_free();
		return;
	}
	tr.run = tr.setup.run;
	tr.ds = tr.setup.ds;
	tr.setup.run = NULL;
	tr.setup.ds = NULL;
	tr.nclasses = nu_task_nclasses(nu_train_net(tr.run)->task);
	tr.classify = tr.nclasses > 0;
	nu_train_snapshot(tr.run, &tr.snap);
	tr.have_snap = true;
	t->wake_fd[TUI_WAKE_TRAIN] = nu_train_fd(tr.run);
	tui_log("events: %llu training, %llu validation, %llu test%s%s%s%s",
	    (unsigned long long)tr.snap.train_events,
	    (unsigned long long)tr.snap.val_events,
	    (unsigned long long)tr.snap.test_events,
	    nu_train_where(tr.run)[0] != '\0' ? " (selected by '" : "",
	    nu_train_where(tr.run),
	    nu_train_where(tr.run)[0] != '\0' ? "')" : "",
	    tr.setup.resume != NULL && nu_train_where(tr.run)[0] != '\0' ?
	    ", the resumed model's" : "");
	setup_free();
	/* what was asked for while the events were read */
	if (tr.pause_req)
		nu_train_pause(tr.run, true);
	if (tr.save_req) {
		char path[1100];

		checkpoint_path(path, sizeof path);
		nu_train_save(tr.run, path);
		tr.save_req = false;
	}
	if (tr.cancel) {
		nu_train_stop(tr.run);
		tui_message(t, false, "stopping: the run saves to %s", tr.run_output);
	} else {
		tui_message(t, false, "training started: p pauses, x stops, w saves "
		    "a checkpoint");
	}
}

static void
run_fail(struct tui *t, enum nu_status st, const char *cause)
{
	tui_message(t, true, "training not started: %s",
	    cause != NULL ? cause : nu_strerror(st));
	t->on_quit = NULL;
	/* a run made but not started has no thread to join */
	run_free(t);
}

/* The form's number of epochs (the architecture's [train] epochs), 0 when
 * it has none. */
static int
form_epochs(struct tui *t)
{
	const struct nu_arched *e = tui_arch(t);
	int sec = e != NULL ? nu_arched_find(e, NU_ARCH_ROLE_TRAIN) : -1;
	const char *v;
	char *end;
	long n;

	if (sec < 0)
		return 0;
	v = nu_arched_value(e, sec, nu_arch_key_index(e->sec[sec].kind, "epochs"));
	n = strtol(v, &end, 10);
	return v[0] != '\0' && *end == '\0' && n > 0 && n <= 1000000 ? (int)n : 0;
}

/* Parse the architecture text (named name) a run trains into tr.arch;
 * false (said) on an error. */
static bool
run_parse(struct tui *t, const char *name, const char *text)
{
	char *cause = NULL;
	enum nu_status st;

	st = nu_arch_parse(&tr.arch, name, text, strlen(text), &cause);
	if (st != NU_OK) {
		run_fail(t, st, cause);
		free(cause);
		return false;
	}
	return true;
}

/*
 * The architecture a resumed run trains: the model file's own text (which
 * nu_train_new requires), into tr.arch; the form's epochs must go past
 * what the model has done.  False, with the reason on the message line,
 * when the model cannot be continued.
 */
static bool
resume_arch(struct tui *t, const char *path, int *epochs)
{
	struct nu_model *m = NULL;
	char *cause = NULL;
	enum nu_status st;
	bool ok;

	if ((st = nu_model_load(path, &m, &cause)) != NU_OK) {
		run_fail(t, st, cause);
		free(cause);
		return false;
	}
	*epochs = form_epochs(t);
	if (*epochs == 0)
		*epochs = m->arch->train >= 0 ?
		    (int)nu_arch_int(&m->arch->sec[m->arch->train], "epochs") : 0;
	if (m->meta.epoch >= *epochs) {
		tui_message(t, true, "%s has trained %d epoch%s already: set epochs in "
		    "the form above %d to go on", path, m->meta.epoch,
		    m->meta.epoch == 1 ? "" : "s", m->meta.epoch);
		nu_model_free(m);
		return false;
	}
	ok = run_parse(t, path, m->arch->text);
	nu_model_free(m);
	return ok;
}

/* What a run trains: a resumed model's own architecture (it goes on in
 * its own file unless an output was typed; *epochs its target), else the
 * editor's; into tr.arch and tr.run_arch.  false (said) on an error. */
static bool
run_arch_parse(struct tui *t, const struct nu_arched *e, const char *resume,
    int *epochs)
{
	char *text = NULL;
	bool ok;

	if (resume != NULL) {
		/* the model's own architecture; it goes on in its own file
		 * unless an output was typed */
		if (!resume_arch(t, resume, epochs))
			return false;
		snprintf(tr.run_arch, sizeof tr.run_arch, "%s (resumed)", resume);
	} else {
		snprintf(tr.run_arch, sizeof tr.run_arch, "%s%s", e->name,
		    e->dirty ? " (as edited)" : "");
		/* what is trained is the editor's text, parsed as a file would be */
		if ((text = nu_arched_text(e, NULL)) == NULL) {
			run_fail(t, NU_ERR_NOMEM, "out of memory");
			return false;
		}
		ok = run_parse(t, e->name, text);
		free(text);
		return ok;
	}
	return true;
}

/* What the set-up thread needs, copied into tr.setup: the UI may change
 * its own.  false when out of memory (the caller frees what was copied). */
static bool
setup_fill(struct tui *t, const char *resume, int epochs)
{
	memset(&tr.setup, 0, sizeof tr.setup);
	nu_wake_init(&tr.setup_wake);
	if ((tr.setup.paths = calloc(t->npaths, sizeof *tr.setup.paths)) == NULL)
		return false;
	for (size_t i = 0; i < t->npaths; i++) {
		if ((tr.setup.paths[i] = strdup(t->paths[i])) == NULL)
			return false;
		tr.setup.npaths++;
	}
	/* a resumed run keeps the model's selection, whatever the filter */
	if (resume == NULL && !tr.all_events && t->where_text != NULL &&
	    (tr.setup.where = strdup(t->where_text)) == NULL)
		return false;
	if (resume != NULL && (tr.setup.resume = strdup(resume)) == NULL)
		return false;
	snprintf(tr.run_output, sizeof tr.run_output, "%s",
	    resume != NULL && !tr.output_set ? resume : tr.output);
	tr.setup.opts.output = tr.run_output;
	tr.setup.opts.threads = tr.threads;
	tr.setup.opts.where = tr.setup.where;
	tr.setup.opts.resume = tr.setup.resume;
	tr.setup.opts.epochs = epochs;
	atomic_init(&tr.setup.stop, false);
	atomic_init(&tr.setup.done, false);
	tr.setup.opts.stop = &tr.setup.stop;
	return true;
}

/* Start a run of the form's architecture, or (resume not NULL) continue
 * the run saved in model file resume. */
static void
run_start(struct tui *t, const char *resume)
{
	struct nu_arched *e = tui_arch(t);
	char *cause = NULL;
	enum nu_status st;
	int err, epochs = 0;

	if (running() || tr.preparing) {
		tui_message(t, true, "a run is going: x stops it");
		return;
	}
	if (t->ds == NULL || t->npaths == 0) {
		tui_message(t, true, "no dataset loaded: add files on the Data "
		    "screen (1, then a)");
		return;
	}
	if (resume == NULL && (e == NULL || e->net == NULL)) {
		tui_message(t, true, "the architecture is not a valid network: %s "
		    "(the Architecture screen, 3, shows where)",
		    e != NULL && e->error != NULL ? e->error : "out of memory");
		return;
	}
	derive_output(t);
	if (tr.output[0] == '\0' && resume == NULL) {
		tui_message(t, true, "no model output path: O sets one");
		return;
	}
	run_free(t);
	if (!run_arch_parse(t, e, resume, &epochs))
		return;

	/* an output that cannot be written is said now, not after an epoch */
	if ((st = nu_check_writable(resume != NULL && !tr.output_set ? resume :
	    tr.output, &cause)) != NU_OK) {
		run_fail(t, st, cause);
		free(cause);
		return;
	}

	if (!setup_fill(t, resume, epochs))
		goto nomem;
	if (nu_wake_open(&tr.setup_wake, &cause) != NU_OK) {
		run_fail(t, NU_ERR_IO, cause);
		free(cause);
		setup_free();
		return;
	}
	tr.cancel = tr.save_req = false;
	if ((err = pthread_create(&tr.setup_th, NULL, setup_main, NULL)) != 0) {
		run_fail(t, NU_ERR_IO, strerror(err));
		setup_free();
		return;
	}
	tr.preparing = true;
	t->wake_fd[TUI_WAKE_TRAIN] = nu_wake_fd(&tr.setup_wake);
	t->on_quit = train_on_quit;
	if (resume != NULL)
		tui_log("resuming %s to epoch %d -> %s", resume, epochs, tr.run_output);
	else
		tui_log("training %s: %zu parameters -> %s", tr.run_arch,
		    e->net->nparams, tr.run_output);
	tui_message(t, false, "preparing the run: reading the events...");
	return;
nomem:
	run_fail(t, NU_ERR_NOMEM, "out of memory");
	setup_free();
}

/* Stop at the next batch (the run saves to its output) and wait for it. */
static void
run_stop_join(struct tui *t)
{
	if (tr.preparing) {
		tr.cancel = true;
		atomic_store(&tr.setup.stop, true);
		setup_join(t);  /* soon: reading stops at the flag */
	}
	if (!running())
		return;
	nu_train_stop(tr.run);
	run_join(t);
}

static int
train_on_quit(struct tui *t)
{
	if (!running() && !tr.preparing)
		return TUI_QUIT;
	for (int i = 0; i < t->nviews; i++)
		if (t->views[i] == &tui_view_train)
			t->view = i;
	tr.confirm_quit = true;
	tui_message(t, false, "training is running: stop and save? (y/n)");
	return TUI_REDRAW;
}

static void
compare_clear(void)
{
	for (int i = 0; i < tr.ncmp; i++)
		nu_histplot_free(&tr.cmp[i]);
	tr.ncmp = 0;
}

/* o: read the histories of the model files typed (blanks or commas
 * between them); the first that cannot be read stops, named. */
static void
compare_done(struct tui *t, const char *text)
{
	char buf[sizeof t->prompt.buf], *save = NULL;
	int added = 0;

	snprintf(buf, sizeof buf, "%s", text);
	for (char *p = strtok_r(buf, " ,", &save); p != NULL; p = strtok_r(NULL, " ,", &save)) {
		char *cause = NULL;
		enum nu_status st;

		if (tr.ncmp == NCMP) {
			tui_message(t, true, "at most %d compared models: %s and after "
			    "are left out", NCMP, p);
			return;
		}
		if ((st = nu_histplot_load(p, &tr.cmp[tr.ncmp], &cause)) != NU_OK) {
			tui_message(t, true, "cannot compare: %s",
			    cause != NULL ? cause : nu_strerror(st));
			free(cause);
			return;
		}
		tr.ncmp++;
		added++;
	}
	if (added == 0)
		tui_message(t, true, "no model file given");
	else
		tui_message(t, false, "comparing with %d model%s (c clears)", tr.ncmp,
		    tr.ncmp == 1 ? "" : "s");
}

static void
resume_done(struct tui *t, const char *text)
{
	while (*text == ' ')
		text++;
	if (*text == '\0') {
		tui_message(t, true, "no model file given");
		return;
	}
	run_start(t, text);
}

static void
train_fini(struct tui *t)
{
	run_stop_join(t);
	run_free(t);
	nu_runlog_free(tr.watch);
	tr.watch = NULL;
	compare_clear();
}

/* ---- watching a run started elsewhere ---------------------------------- */

static long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copy what the log holds now into the screen's copies; epochs new since
 * the last copy go to the log pane as a run's own would. */
static void
watch_copy(void)
{
	const struct nu_runlog_run *run = nu_runlog_run(tr.watch);
	const struct nu_batch_rec *b;
	const struct nu_epoch_rec *e;
	size_t nb;
	int ne;

	nu_runlog_snapshot(tr.watch, &tr.snap);
	tr.have_snap = true;
	tr.nclasses = run->have ? run->nclasses : tr.snap.confusion.nclasses;
	tr.classify = tr.nclasses > 0;
	b = nu_runlog_batches(tr.watch, &nb);
	if (nb > tr.bcap) {
		/* doubling, up to what the reader keeps at most */
		size_t cap = tr.bcap * 2 > nb ? tr.bcap * 2 : nb;
		struct nu_batch_rec *nbuf;

		cap = cap < NU_RUNLOG_MAXBATCHES ? cap : nb;
		if ((nbuf = realloc(tr.b, cap * sizeof *nbuf)) != NULL) {
			tr.b = nbuf;
			tr.bcap = cap;
		}
	}
	tr.nb = nb < tr.bcap ? nb : tr.bcap;    /* short of memory: fewer */
	if (tr.nb > 0)
		memcpy(tr.b, b, tr.nb * sizeof *tr.b);
	e = nu_runlog_epochs(tr.watch, &ne);
	if (ne > tr.ecap) {
		int cap = tr.ecap * 2 > ne ? tr.ecap * 2 : ne;
		struct nu_epoch_rec *ebuf;

		cap = cap < NU_RUNLOG_MAXEPOCHS ? cap : ne;
		if ((ebuf = realloc(tr.e, (size_t)cap * sizeof *ebuf)) != NULL) {
			tr.e = ebuf;
			tr.ecap = cap;
		}
	}
	if (ne > tr.ecap)
		ne = tr.ecap;
	for (int i = tr.ne; i < ne; i++) {
		char line[TUI_LOG_WIDTH];

		tr.e[i] = e[i];
		print_epoch(line, sizeof line, &e[i], tr.snap.epochs);
		tui_log("%s", line);
	}
	tr.ne = ne;
}

/* Read what the watched log gained (at most every WATCH_POLL_MS unless
 * forced) and say what happened to it. */
static void
watch_poll(struct tui *t, bool force)
{
	const char *path;
	char *cause = NULL;
	unsigned what = 0;
	enum nu_status st;
	long now = clock_ms();

	if (tr.watch == NULL || tr.watch_stopped ||
	    (!force && now - tr.watch_last < WATCH_POLL_MS))
		return;
	tr.watch_last = now;
	path = nu_runlog_path(tr.watch);
	if ((st = nu_runlog_poll(tr.watch, &what, &cause)) != NU_OK) {
		/* what was read stays on the screen */
		tui_message(t, true, "watching stopped: %s", cause != NULL ? cause :
		    nu_strerror(st));
		tr.watch_stopped = true;
		t->refresh_ms = 0;
		free(cause);
		return;
	}
	if (what & NU_RUNLOG_RESTARTED) {
		tr.nb = 0;
		tr.ne = 0;
		if (!force) {
			tui_message(t, false, "%s was started again: read from its "
			    "beginning", path);
			tui_log("%s was started again: read from its beginning", path);
		}
	}
	if (what & (NU_RUNLOG_NEWS | NU_RUNLOG_RESTARTED | NU_RUNLOG_REMOVED))
		watch_copy();
	if (what & NU_RUNLOG_REMOVED)
		tui_message(t, true, "%s was removed: the run failed or is starting "
		    "again (what was read stays; a new log there is followed)", path);
	if (what & NU_RUNLOG_ENDED) {
		const char *how = tr.snap.state == NU_RUN_FINISHED ? "finished" :
		    tr.snap.state == NU_RUN_STOPPED ? "stopped" : "failed";
		const char *sep = tr.snap.message[0] != '\0' ? ": " : "";

		/* an error is logged by tui_message itself */
		tui_message(t, tr.snap.state == NU_RUN_FAILED, "the watched run %s%s%s",
		    how, sep, tr.snap.message);
		if (tr.snap.state != NU_RUN_FAILED)
			tui_log("the watched run %s%s%s", how, sep, tr.snap.message);
	}
}

/* Stop watching and forget what was read. */
static void
watch_stop(struct tui *t)
{
	nu_runlog_free(tr.watch);
	tr.watch = NULL;
	tr.watch_stopped = false;
	t->refresh_ms = 0;
	run_free(t);
}

void
tui_train_watch(struct tui *t, const char *path)
{
	struct nu_runlog *r = NULL;
	char *cause = NULL;
	enum nu_status st;

	tui_show(t, &tui_view_train);
	if (running() || tr.preparing) {
		tui_message(t, true, "a run of this screen is going: x stops it "
		    "before another is watched");
		return;
	}
	if ((st = nu_runlog_open(&r, path, &cause)) != NU_OK) {
		tui_message(t, true, "cannot watch: %s", cause != NULL ? cause :
		    nu_strerror(st));
		free(cause);
		return;
	}
	watch_stop(t);
	tr.watch = r;
	t->refresh_ms = WATCH_POLL_MS;
	tui_log("watching %s", path);
	tui_message(t, false, "watching %s: that run is controlled elsewhere "
	    "(W stops watching)", path);
	watch_poll(t, true);
}

static void
watch_done(struct tui *t, const char *text)
{
	while (*text == ' ')
		text++;
	if (*text == '\0') {
		tui_message(t, true, "no log file given");
		return;
	}
	tui_train_watch(t, text);
}

/* ---- the form ---------------------------------------------------------- */

enum field_kind { F_KEY, F_OUTPUT, F_THREADS, F_EVENTS };

/* The form's fields: keys of [net] or [train], and the run's own. */
static const struct field {
	const char *label;
	enum field_kind kind;
	bool net;               /* F_KEY: in [net], else in [train] */
	const char *key;
	int files;              /* 1: only with split = files, -1: only without */
} fields[] = {
	{ "task", F_KEY, true, "task", 0 },
	{ "epochs", F_KEY, false, "epochs", 0 },
	{ "batch", F_KEY, false, "batch", 0 },
	{ "optimizer", F_KEY, false, "optimizer", 0 },
	{ "lr", F_KEY, false, "lr", 0 },
	{ "schedule", F_KEY, false, "schedule", 0 },
	{ "balance", F_KEY, false, "balance", 0 },
	{ "split", F_KEY, false, "split", 0 },
	{ "fractions", F_KEY, false, "fractions", -1 },
	{ "train files", F_KEY, false, "train_files", 1 },
	{ "val files", F_KEY, false, "val_files", 1 },
	{ "test files", F_KEY, false, "test_files", 1 },
	{ "early stop", F_KEY, false, "early_stop", 0 },
	{ "monitor", F_KEY, false, "monitor", 0 },
	{ "seed", F_KEY, false, "seed", 0 },
	{ "output", F_OUTPUT, false, NULL, 0 },
	{ "threads", F_THREADS, false, NULL, 0 },
	{ "events", F_EVENTS, false, NULL, 0 },
};
#define NFIELDS ((int)(sizeof fields / sizeof fields[0]))
#define FORM_COLS 3

/* Section and key index of a key field in the shared architecture. */
static bool
field_key(struct tui *t, const struct field *f, int *sec, int *key)
{
	const struct nu_arched *e = tui_arch(t);

	if (e == NULL || f->kind != F_KEY)
		return false;
	*sec = f->net ? 0 : nu_arched_find(e, NU_ARCH_ROLE_TRAIN);
	if (*sec < 0)
		return false;
	*key = nu_arch_key_index(e->sec[*sec].kind, f->key);
	return true;
}

/* Whether the architecture splits by files (split = files). */
static bool
split_files(struct tui *t)
{
	const struct nu_arched *e = tui_arch(t);
	int sec = e != NULL ? nu_arched_find(e, NU_ARCH_ROLE_TRAIN) : -1;

	return sec >= 0 && strcmp(nu_arched_value(e, sec,
	    nu_arch_key_index(e->sec[sec].kind, "split")), "files") == 0;
}

/* The fields shown now (fractions or the file lists, by the split). */
static int
visible_fields(struct tui *t, int *idx)
{
	bool files = split_files(t);
	int n = 0;

	for (int i = 0; i < NFIELDS; i++)
		if (fields[i].files == 0 || (fields[i].files > 0) == files)
			idx[n++] = i;
	return n;
}

static void
field_text(struct tui *t, const struct field *f, char *buf, size_t len)
{
	int sec, key;

	switch (f->kind) {
	case F_KEY:
		if (field_key(t, f, &sec, &key)) {
			const char *v = nu_arched_value(tui_arch(t), sec, key);

			snprintf(buf, len, "%s", v[0] != '\0' ? v : "-");
		} else {
			snprintf(buf, len, "?");
		}
		break;
	case F_OUTPUT:
		derive_output(t);
		snprintf(buf, len, "%s", tr.output[0] ? tr.output : "(none)");
		break;
	case F_THREADS:
		if (tr.threads > 0)
			snprintf(buf, len, "%d", tr.threads);
		else
			snprintf(buf, len, "2 (default)");
		break;
	case F_EVENTS:
		if (t->where_text == NULL)
			snprintf(buf, len, "all loaded");
		else if (tr.all_events)
			snprintf(buf, len, "all (filter ignored)");
		else
			snprintf(buf, len, "filter: %s", t->where_text);
		break;
	}
}

static void
output_done(struct tui *t, const char *text)
{
	snprintf(tr.output, sizeof tr.output, "%s", text);
	tr.output_set = text[0] != '\0';
	derive_output(t);
}

/* A whole number in [lo, hi], or empty for 0 (the default). */
static bool
parse_count(struct tui *t, const char *what, const char *text, long lo, long hi,
    int *out)
{
	char *end;
	long v;

	while (*text == ' ')
		text++;
	if (*text == '\0') {
		*out = 0;
		return true;
	}
	errno = 0;
	v = strtol(text, &end, 10);
	while (*end == ' ')
		end++;
	if (*end != '\0' || errno != 0 || v < lo || v > hi) {
		tui_message(t, true, "%s: expected a whole number from %ld to %ld "
		    "(empty: the default), not '%s'", what, lo, hi, text);
		return false;
	}
	*out = (int)v;
	return true;
}

static void
threads_done(struct tui *t, const char *text)
{
	parse_count(t, "threads", text, 1, 16, &tr.threads);
}

/* The Architecture screen's check of the key being edited, which
 * fractions_check runs first. */
static tui_check_fn key_check;

/*
 * fractions: besides what the key itself takes (numbers from 0 to 1), the
 * split needs three of them adding up to at most 1; refused as typed here
 * rather than when training starts.
 */
static bool
fractions_check(struct tui *t, const char *text, char *why, size_t wlen)
{
	double sum = 0;
	int n = 0;

	if (key_check != NULL && !key_check(t, text, why, wlen))
		return false;
	if (text[0] == '\0')
		return true;    /* the default, 0.8,0.1,0.1 */
	for (const char *p = text; *p != '\0'; ) {
		char *end;
		double v = strtod(p, &end);

		if (end == p)
			break;  /* the key's own check has said what is wrong */
		sum += v;
		n++;
		p = end + strspn(end, " \t,");
	}
	if (n != 3) {
		snprintf(why, wlen, "fractions needs three numbers (training, "
		    "validation, test), not %d", n);
		return false;
	}
	if (sum > 1 + 1e-9) {
		snprintf(why, wlen, "the fractions add up to %g, more than 1: they "
		    "are shares of the events (training, validation, test)", sum);
		return false;
	}
	return true;
}

/* Enter (edit = true) or Space (edit = false) on a field. */
static void
field_act(struct tui *t, int fi, bool edit)
{
	const struct field *f = &fields[fi];
	int sec, key;

	switch (f->kind) {
	case F_KEY:
		if (!field_key(t, f, &sec, &key))
			return;
		if (edit)
			tui_arch_edit(t, sec, key);
		else
			tui_arch_cycle(t, sec, key);
		if (strcmp(f->key, "fractions") == 0 && t->prompt.active &&
		    t->prompt.check != fractions_check) {
			key_check = t->prompt.check;
			t->prompt.check = fractions_check;
		}
		break;
	case F_OUTPUT:
		tui_prompt(t, "model output file (empty: from the architecture)",
		    tr.output, true, output_done);
		break;
	case F_THREADS:
		tui_prompt(t, "threads (empty: 2)", NULL, false, threads_done);
		break;
	case F_EVENTS:
		if (t->where_text == NULL) {
			tui_message(t, true, "no filter set: / on the Data screen sets one");
			return;
		}
		tr.all_events = !tr.all_events;
		tui_message(t, false, tr.all_events ? "training on every loaded event" :
		    "training on the events the filter selects");
		break;
	}
}

/* ---- drawing ----------------------------------------------------------- */

static void
fmt_duration(char *buf, size_t len, double s)
{
	long v;

	if (!isfinite(s) || s < 0) {
		snprintf(buf, len, "-");
		return;
	}
	v = (long)(s + 0.5);
	if (v >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60, v % 60);
	else
		snprintf(buf, len, "%ld:%02ld", v / 60, v % 60);
}

static void
draw_bar(struct tui *t, int y, int x, int w, double frac)
{
	int full;

	if (w <= 0)
		return;
	if (!(frac >= 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	full = (int)(frac * w + 0.5);
	move(y, x);
	attron(COLOR_PAIR(t->colors ? TUI_PAIR_TITLE : 0));
	for (int i = 0; i < full; i++)
		addstr(t->utf8 ? "█" : "#");
	attroff(COLOR_PAIR(t->colors ? TUI_PAIR_TITLE : 0));
	for (int i = full; i < w; i++)
		addstr(t->utf8 ? "░" : ".");
}

/*
 * A plot canvas of w x h cells, each cell cw x ch dots: 2x4 braille dots
 * with UTF-8, else 1x2 (' ', '\'', '.', ':').
 */
struct canvas {
	int w, h, cw, ch;
	unsigned char *dots;    /* [h*ch][w*cw] */
	double x0, x1, y0, y1;  /* data range */
};

static void
canvas_dot(struct canvas *c, double x, double y)
{
	int dx, dy, W = c->w * c->cw, H = c->h * c->ch;

	if (!isfinite(x) || !isfinite(y) || c->x1 <= c->x0 || c->y1 <= c->y0)
		return;
	dx = (int)((x - c->x0) / (c->x1 - c->x0) * (W - 1) + 0.5);
	dy = (int)((c->y1 - y) / (c->y1 - c->y0) * (H - 1) + 0.5);
	if (dx >= 0 && dx < W && dy >= 0 && dy < H)
		c->dots[(size_t)dy * (size_t)W + (size_t)dx] = 1;
}

/* A segment from (xa, ya) to (xb, yb) in data units, dot by dot. */
static void
canvas_line(struct canvas *c, double xa, double ya, double xb, double yb)
{
	double W = c->w * c->cw, H = c->h * c->ch;
	double sx = fabs(xb - xa) / (c->x1 - c->x0) * W;
	double sy = fabs(yb - ya) / (c->y1 - c->y0) * H;
	int n = (int)(sx > sy ? sx : sy) + 1;

	if (!isfinite(ya) || !isfinite(yb))
		return;
	if (n > 4096)
		n = 4096;
	for (int i = 0; i <= n; i++)
		canvas_dot(c, xa + (xb - xa) * i / n, ya + (yb - ya) * i / n);
}

/* Paint the canvas at (y, x); transparent: cells without a dot are left
 * as they are (a curve drawn over another). */
static void
canvas_paint(struct tui *t, const struct canvas *c, int y, int x, bool transparent)
{
	int W = c->w * c->cw;

	for (int r = 0; r < c->h; r++) {
		move(y + r, x);
		for (int q = 0; q < c->w; q++) {
			const unsigned char *d = c->dots + (size_t)r * c->ch * W +
			    (size_t)q * c->cw;
			if (t->utf8) {
				/* braille bit order: dots 1-3 and 7 down the left
				 * column, 4-6 and 8 down the right */
				static const int bit[4][2] = {
					{ 0x01, 0x08 }, { 0x02, 0x10 },
					{ 0x04, 0x20 }, { 0x40, 0x80 },
				};
				int v = 0;
				char u[4];

				for (int yy = 0; yy < 4; yy++)
					for (int xx = 0; xx < 2; xx++)
						if (d[(size_t)yy * W + xx])
							v |= bit[yy][xx];
				if (v == 0) {
					if (transparent)
						move(y + r, x + q + 1);
					else
						addch(' ');
					continue;
				}
				u[0] = (char)0xe2;
				u[1] = (char)(0xa0 | (v >> 6));
				u[2] = (char)(0x80 | (v & 0x3f));
				u[3] = '\0';
				addstr(u);
			} else {
				int top = d[0], bot = d[W];

				if (transparent && !top && !bot)
					move(y + r, x + q + 1);
				else
					addch(top && bot ? ':' : top ? '\'' : bot ? '.' : ' ');
			}
		}
	}
}

/* A batch value: loss (which = 0) or metric (1). */
static double
batch_value(size_t i, int which)
{
	return which == 0 ? tr.b[i].loss : tr.b[i].metric;
}

/* Classes of the task the plots show: the run's, else the architecture's
 * (-1 when neither is known). */
static int
shown_nclasses(struct tui *t)
{
	const struct nu_arched *e = tui_arch(t);

	if (tr.run != NULL || tr.watch != NULL)
		return tr.nclasses;
	if (e != NULL && e->net != NULL)
		return nu_task_nclasses(e->net->task);
	return -1;
}

/* The per-epoch quantities the panels draw. */
enum qty { Q_TRAIN_LOSS, Q_VAL_LOSS, Q_TRAIN_METRIC, Q_VAL_METRIC, Q_VAL_BACC, Q_VAL_AUC };

static double
qty(const struct nu_epoch_rec *r, enum qty q)
{
	switch (q) {
	case Q_TRAIN_LOSS: return r->train_loss;
	case Q_VAL_LOSS: return r->val_loss;
	case Q_TRAIN_METRIC: return r->train_metric;
	case Q_VAL_METRIC: return r->val_metric;
	case Q_VAL_BACC: return r->val_balanced_accuracy;
	default: return r->val_auc;
	}
}

/* The run's per-epoch series of a panel, each marked by a letter. */
struct series {
	const char *mark, *label;
	enum qty q;
};
static const struct series loss_series[] = {
	{ "T", "train", Q_TRAIN_LOSS }, { "V", "val", Q_VAL_LOSS },
};
static const struct series metric_series[] = {
	{ "T", "train", Q_TRAIN_METRIC }, { "V", "val", Q_VAL_METRIC },
	{ "B", "bal.acc", Q_VAL_BACC }, { "A", "AUC", Q_VAL_AUC },
};

/*
 * What a compared model shows in a panel: its validation loss (its
 * training loss when it had no validation events), and in the metric
 * panel the validation AUC when the screen's task is binary, else its
 * validation metric; NaN where it does not fit the panel (a regression
 * beside a classifier).
 */
static double
cmp_value(const struct nu_histplot *h, int e, int which, int nclasses)
{
	const struct nu_epoch_rec *r = &h->hist[e];

	if (which == 0)
		return isfinite(r->val_loss) ? r->val_loss : r->train_loss;
	if ((h->nclasses > 0) != (nclasses > 0))
		return NAN;
	return nclasses == 2 && h->nclasses == 2 ? r->val_auc : r->val_metric;
}

/* y as drawn: itself, or its logarithm on log axes (NaN for v <= 0) */
static double
ty(double v)
{
	if (!tr.logy)
		return v;
	return v > 0 ? log10(v) : NAN;
}

/* Columns a UTF-8 string takes (one per character: no wide ones here). */
static int
cols_of(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Widen [*lo, *hi] for drawing and choose round ticks over it: linear
 * limits become multiples of the tick step, log limits whole decades. */
static size_t
round_range(double *lo, double *hi, int maxn, double *tk, size_t cap)
{
	size_t n;

	if (!(*lo <= *hi)) {
		*lo = tr.logy ? 0.1 : 0;
		*hi = 1;
	}
	if (tr.logy) {
		*lo = pow(10, floor(log10(*lo) + 1e-9));
		*hi = pow(10, ceil(log10(*hi) - 1e-9));
		if (*hi <= *lo)
			*hi = *lo * 10;
		return nu_plot_ticks(*lo, *hi, 1, maxn, tk, cap);
	}
	if (*hi - *lo < 1e-9 * (fabs(*hi) + 1)) {
		double d = fabs(*hi) > 0 ? fabs(*hi) * 0.05 : 0.5;

		*lo -= d;
		*hi += d;
	}
	n = nu_plot_ticks(*lo, *hi, 0, maxn, tk, cap);
	if (n >= 2) {
		double step = tk[1] - tk[0];

		*lo = floor(*lo / step + 1e-9) * step;
		*hi = ceil(*hi / step - 1e-9) * step;
		n = nu_plot_ticks(*lo, *hi, 0, maxn + 1, tk, cap);
	}
	return n;
}

/*
 * One plot in the box (y, x, w, h): the per-batch curve (smoothed when
 * asked) in dim dots, the run's per-epoch series joined by lines and
 * marked by letter (T train, V validation; for binary tasks B balanced
 * accuracy and A AUC), the compared models' curves marked 1-9, round
 * ticks on both axes (epochs along x).  which: 0 loss, 1 metric.
 */
/* One plot of the screen: where it goes and what it shows, shared by
 * draw_plot's parts. */
struct plot {
	int y, x, w;                    /* top left corner, width */
	int lw, pw, ph;                 /* label width; the plot's cells */
	int which, nc, nser;            /* loss (0) or metric; classes; series */
	const struct series *ser;
	double alpha, xmax;             /* smoothing; epochs across */
};

/* the title, then as many whole legend entries as fit beside it */
static void
plot_title(struct tui *t, const struct plot *p)
{
	const struct series *ser = p->ser;
	int y = p->y, x = p->x, w = p->w, which = p->which, nc = p->nc, nser = p->nser;
	double alpha = p->alpha;
	char title[64];
	int tx;

	snprintf(title, sizeof title, "%s%s%s%s%s", which == 0 ? "Loss" :
	    nc == 2 ? "Accuracy, AUC" : nc > 0 ? "Accuracy" : nc == 0 ? "MAE" : "Metric",
	    alpha > 0 || tr.logy ? " (" : "", alpha > 0 ? "smoothed" : "",
	    alpha > 0 && tr.logy ? ", log" : tr.logy ? "log" : "",
	    alpha > 0 || tr.logy ? ")" : "");
	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_put(y, x, w, title);
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	{
		char ent[5][24];
		int n = 0, used = 0, shown, room = w - cols_of(title) - 2;

		for (int k = 0; k < nser; k++)
			snprintf(ent[n++], sizeof ent[0], "%s %s", ser[k].mark, ser[k].label);
		snprintf(ent[n++], sizeof ent[0], "%s batch", t->utf8 ? "⠒" : "'");
		/* entries in order while they fit, drawn right-aligned */
		for (shown = 0; shown < n; shown++) {
			int ew = cols_of(ent[shown]) + (shown > 0 ? 2 : 0);

			if (used + ew > room)
				break;
			used += ew;
		}
		tx = x + w - used;
		for (int k = 0; k < shown; k++) {
			tui_put(y, tx, cols_of(ent[k]), ent[k]);
			tx += cols_of(ent[k]) + 2;
		}
	}
}

/* the ranges: of the values into *lo, *hi (on the plotted scale), of the
 * epochs into p->xmax (at least 1) */
static void
plot_range(struct plot *p, double *lop, double *hip)
{
	const struct series *ser = p->ser;
	int which = p->which, nc = p->nc, nser = p->nser;
	double lo = INFINITY, hi = -INFINITY, xmax = p->xmax;

	for (size_t i = 0; i < tr.nb; i++) {
		double v = ty(batch_value(i, which));

		if (isfinite(v)) {
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	}
	for (int i = 0; i < tr.ne; i++)
		for (int k = 0; k < nser; k++) {
			double v = ty(qty(&tr.e[i], ser[k].q));

			if (isfinite(v)) {
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
		}
	for (int m = 0; m < tr.ncmp; m++) {
		for (int i = 0; i < tr.cmp[m].nhist; i++) {
			double v = ty(cmp_value(&tr.cmp[m], i, which, nc));

			if (isfinite(v)) {
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
		}
		xmax = tr.cmp[m].nhist > xmax ? tr.cmp[m].nhist : xmax;
	}
	if (xmax < 1)
		xmax = 1;
	if (tr.logy && lo <= hi) {
		lo = pow(10, lo);
		hi = pow(10, hi);
	}
	*lop = lo;
	*hip = hi;
	p->xmax = xmax;
}

/* The lines, each on a canvas of c's size and range: every batch (dim),
 * the compared models' epochs, the run's epochs; false if there is no
 * memory for the canvases (nothing drawn). */
static bool
plot_lines(struct tui *t, const struct plot *p, struct canvas c)
{
	const struct series *ser = p->ser;
	int y = p->y, x = p->x, lw = p->lw, which = p->which, nc = p->nc, nser = p->nser;
	int per = tr.have_snap && tr.snap.nbatches > 0 ? tr.snap.nbatches : 1;
	double alpha = p->alpha;
	struct canvas ce, cc;

	ce = cc = c;
	c.dots = calloc((size_t)(c.w * c.cw) * (size_t)(c.h * c.ch), 1);
	ce.dots = calloc((size_t)(c.w * c.cw) * (size_t)(c.h * c.ch), 1);
	cc.dots = calloc((size_t)(c.w * c.cw) * (size_t)(c.h * c.ch), 1);
	if (c.dots == NULL || ce.dots == NULL || cc.dots == NULL) {
		free(c.dots);
		free(ce.dots);
		free(cc.dots);
		return false;
	}
	{
		double sm = NAN, px = NAN, py = NAN;

		for (size_t i = 0; i < tr.nb; i++) {
			double v = batch_value(i, which), d;
			double bx = tr.b[i].epoch + (tr.b[i].batch + 1.0) / per;

			if (!isfinite(v))
				continue;
			sm = isfinite(sm) && alpha > 0 ? alpha * sm + (1 - alpha) * v : v;
			d = ty(sm);
			if (isfinite(px) && isfinite(d))
				canvas_line(&c, px, py, bx, d);
			else
				canvas_dot(&c, bx, d);
			px = bx;
			py = d;
		}
	}
	/* the run's epochs joined, then the compared models' */
	for (int k = 0; k < nser; k++)
		for (int i = 1; i < tr.ne; i++)
			canvas_line(&ce, tr.e[i - 1].epoch + 1, ty(qty(&tr.e[i - 1], ser[k].q)),
			    tr.e[i].epoch + 1, ty(qty(&tr.e[i], ser[k].q)));
	for (int m = 0; m < tr.ncmp; m++)
		for (int i = 1; i < tr.cmp[m].nhist; i++)
			canvas_line(&cc, i, ty(cmp_value(&tr.cmp[m], i - 1, which, nc)),
			    i + 1, ty(cmp_value(&tr.cmp[m], i, which, nc)));
	attron(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
	canvas_paint(t, &c, y + 1, x + lw + 1, false);
	attroff(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
	attron(COLOR_PAIR(t->colors ? TUI_PAIR_BAR : 0));
	canvas_paint(t, &cc, y + 1, x + lw + 1, true);
	attroff(COLOR_PAIR(t->colors ? TUI_PAIR_BAR : 0));
	canvas_paint(t, &ce, y + 1, x + lw + 1, true);
	free(c.dots);
	free(ce.dots);
	free(cc.dots);
	return true;
}

/* the points, marked: the compared models' by number, the run's by series */
static void
plot_marks(const struct plot *p, const struct canvas *c)
{
	const struct series *ser = p->ser;
	int y = p->y, x = p->x, lw = p->lw, pw = p->pw, ph = p->ph;
	int which = p->which, nc = p->nc, nser = p->nser;
	double xmax = p->xmax;

	attron(A_BOLD);
	for (int m = 0; m < tr.ncmp; m++)
		for (int i = 0; i < tr.cmp[m].nhist; i++) {
			double v = ty(cmp_value(&tr.cmp[m], i, which, nc));
			int cx = (int)((i + 1) / xmax * (pw - 1) + 0.5);
			int cy = (int)((c->y1 - v) / (c->y1 - c->y0) * (ph - 1) + 0.5);
			char mk[2] = { (char)('1' + m), '\0' };

			if (isfinite(v) && cx >= 0 && cx < pw && cy >= 0 && cy < ph)
				tui_put(y + 1 + cy, x + lw + 1 + cx, 1, mk);
		}
	for (int i = 0; i < tr.ne; i++)
		for (int k = 0; k < nser; k++) {
			double v = ty(qty(&tr.e[i], ser[k].q));
			int cx = (int)((tr.e[i].epoch + 1) / xmax * (pw - 1) + 0.5);
			int cy = (int)((c->y1 - v) / (c->y1 - c->y0) * (ph - 1) + 0.5);

			if (isfinite(v) && cx >= 0 && cx < pw && cy >= 0 && cy < ph)
				tui_put(y + 1 + cy, x + lw + 1 + cx, 1, ser[k].mark);
		}
	attroff(A_BOLD);
}

/* the axes: y with the nt round ticks tk (values), x with whole epochs */
static void
plot_axes(struct tui *t, const struct plot *p, const struct canvas *c, double *tk,
    size_t nt)
{
	int y = p->y, x = p->x, lw = p->lw, pw = p->pw, ph = p->ph;
	int lastrow = -1, lastcol = -1;
	double xmax = p->xmax;
	char buf[32];

	for (int r = 0; r < ph; r++)
		tui_put(y + 1 + r, x + lw, 1, t->utf8 ? "│" : "|");
	for (size_t i = 0; i < nt && i < 32; i++) {
		int row = (int)((c->y1 - ty(tk[i])) / (c->y1 - c->y0) * (ph - 1) + 0.5);

		if (row < 0 || row >= ph || row == lastrow)
			continue;
		snprintf(buf, sizeof buf, "%7.4g", tk[i]);
		tui_put(y + 1 + row, x, lw, buf);
		tui_put(y + 1 + row, x + lw, 1, t->utf8 ? "┤" : "+");
		lastrow = row;
	}
	/* the x axis: epochs */
	move(y + 1 + ph, x + lw);
	addstr(t->utf8 ? "└" : "+");
	for (int i = 0; i < pw; i++)
		addstr(t->utf8 ? "─" : "-");
	tui_put(y + 2 + ph, x, lw, "  epoch");
	nt = nu_plot_ticks(0, xmax, 0, pw / 6 + 1 > 2 ? pw / 6 + 1 : 2, tk, 32);
	for (size_t i = 0; i < nt && i < 32; i++) {
		int col = (int)(tk[i] / xmax * (pw - 1) + 0.5), len;

		if (tk[i] != floor(tk[i]))
			continue;       /* whole epochs only */
		snprintf(buf, sizeof buf, "%g", tk[i]);
		len = (int)strlen(buf);
		col -= len / 2;
		if (col < 0)
			col = 0;
		if (col + len > pw + 1)
			col = pw + 1 - len;
		if (col <= lastcol)
			continue;
		tui_put(y + 2 + ph, x + lw + 1 + col, len, buf);
		lastcol = col + len;
	}
}

static void
draw_plot(struct tui *t, int y, int x, int w, int h, int which)
{
	int nc = shown_nclasses(t);
	struct plot p = { .y = y, .x = x, .w = w, .lw = 8, .which = which, .nc = nc,
	    .ser = which == 0 ? loss_series : metric_series,
	    .nser = which == 0 ? 2 : nc == 2 ? 4 : 2,
	    .alpha = smooth_alpha[tr.smooth], .xmax = tr.have_snap ? tr.snap.epochs : 0 };
	double lo, hi, tk[32];
	size_t nt;
	struct canvas c = { .dots = NULL };

	p.pw = w - p.lw - 1;
	p.ph = h - 3;
	plot_title(t, &p);
	if (p.pw < 4 || p.ph < 2)
		return;
	plot_range(&p, &lo, &hi);
	nt = round_range(&lo, &hi, p.ph / 2 + 1 > 2 ? p.ph / 2 + 1 : 2, tk, 32);
	c.w = p.pw;
	c.h = p.ph;
	c.cw = t->utf8 ? 2 : 1;
	c.ch = t->utf8 ? 4 : 2;
	c.x0 = 0;
	c.x1 = p.xmax;
	c.y0 = ty(lo);
	c.y1 = ty(hi);
	if (!plot_lines(t, &p, c))
		return;
	plot_marks(&p, &c);
	plot_axes(t, &p, &c, tk, nt);
}

/* The name of class i of the matrix shown: the run's task's, or the
 * watched log's. */
static const char *
class_name(int i)
{
	const char *n;

	if (tr.watch != NULL)
		return nu_runlog_class_name(tr.watch, i);
	n = tr.run != NULL ? nu_task_class_name(nu_train_net(tr.run)->task, i) : NULL;
	return n != NULL ? n : "?";
}

/* The confusion matrix's name column width *nw and count column widths
 * cw[0..K) (each class name over its column, at least 7 for the counts);
 * returns the columns of the name and count columns together. */
static int
confusion_layout(int K, int *nw, int *cw)
{
	int total;

	*nw = 9;        /* "true\pred" */
	for (int i = 0; i < K; i++) {
		int n = (int)strlen(class_name(i));

		*nw = n > *nw ? n : *nw;
		cw[i] = n + 1 > 7 ? (n + 1 < 13 ? n + 1 : 13) : 7;
	}
	if (*nw > 12)
		*nw = 12;
	total = *nw;
	for (int i = 0; i < K; i++)
		total += cw[i];
	return total;
}

/* The validation confusion matrix of the latest epoch in the box (y, x,
 * w, h): rows true classes, columns predicted, and the share of each row
 * put in its own class ("eff", when it fits).  Returns the rows used. */
static int
draw_confusion(struct tui *t, int y, int x, int w, int h)
{
	const struct nu_train_confusion *cm = &tr.snap.confusion;
	int K, nw, cw[NU_MAXCLASSES], r = 0, width;
	bool eff;

	if ((tr.run == NULL && tr.watch == NULL) || !tr.have_snap || tr.nclasses == 0 ||
	    h < 1)
		return 0;
	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	if (cm->epoch < 0) {
		tui_put(y, x, w, tr.snap.val_events > 0 ?
		    "Validation confusion: after the first epoch" :
		    "Validation confusion: no validation events");
		attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
		return 1;
	}
	tui_putf(y, x, w, "Validation confusion, epoch %d", cm->epoch + 1);
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	r++;
	K = cm->nclasses;
	width = confusion_layout(K, &nw, cw);
	eff = width + 7 <= w;
	if (r < h) {
		int cx = x + nw;

		tui_putf(y + r, x, nw, "%s", "true\\pred");
		for (int j = 0; j < K && cx < x + w; cx += cw[j], j++)
			tui_putf(y + r, cx, x + w - cx, "%*.*s", cw[j], cw[j] - 1,
			    class_name(j));
		if (eff)
			tui_put(y + r, cx, 7, "    eff");
		r++;
	}
	for (int i = 0; i < K && r < h; i++, r++) {
		uint64_t row = 0;
		int cx = x + nw;

		for (int j = 0; j < K; j++)
			row += cm->count[i][j];
		tui_putf(y + r, x, nw, "%.*s", nw, class_name(i));
		for (int j = 0; j < K && cx < x + w; cx += cw[j], j++) {
			if (i == j)
				attron(A_BOLD);
			tui_putf(y + r, cx, x + w - cx, "%*llu", cw[j],
			    (unsigned long long)cm->count[i][j]);
			if (i == j)
				attroff(A_BOLD);
		}
		if (eff && row > 0)
			tui_putf(y + r, cx, 7, " %5.1f%%",
			    100.0 * (double)cm->count[i][i] / (double)row);
		else if (eff)
			tui_put(y + r, cx, 7, "      -");
	}
	return r;
}

/* Rows the confusion matrix wants (0 when there is none to show). */
static int
confusion_rows(void)
{
	if ((tr.run == NULL && tr.watch == NULL) || !tr.have_snap || tr.nclasses == 0)
		return 0;
	return tr.snap.confusion.epoch < 0 ? 1 : 2 + tr.snap.confusion.nclasses;
}

/* Columns the panel beside the log wants: the confusion matrix's and the
 * compared models' legend's widest line. */
static int
side_width(void)
{
	int w = 0;

	if (confusion_rows() > 0) {
		int nw, cw[NU_MAXCLASSES], K = tr.snap.confusion.nclasses;

		w = 44;         /* its title, before the first epoch */
		if (tr.snap.confusion.epoch >= 0) {
			int cols = confusion_layout(K, &nw, cw) + 7;

			w = cols > 30 ? cols : 30;
		}
	}
	for (int i = 0; i < tr.ncmp; i++) {
		char best[96];
		int n = 2 + (int)strlen(tr.cmp[i].name) + 2 + (int)strlen(tr.cmp[i].arch_name) +
		    2 + (int)strlen(nu_histplot_best(&tr.cmp[i], best, sizeof best));

		w = n > w ? n : w;
	}
	return w > 0 && w < 27 ? 27 : w;
}

/* The compared models' legend: mark, file, architecture, best value. */
static int
draw_compared(struct tui *t, int y, int x, int w, int h)
{
	int r = 0;

	if (tr.ncmp == 0 || h < 1)
		return 0;
	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_put(y, x, w, "Compared (o adds, c clears)");
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	for (r = 1; r <= tr.ncmp && r < h; r++) {
		const struct nu_histplot *m = &tr.cmp[r - 1];
		char best[96];

		attron(A_BOLD);
		tui_putf(y + r, x, 2, "%d", r);
		attroff(A_BOLD);
		tui_putf(y + r, x + 2, w - 2, "%s  %s  %s", m->name, m->arch_name,
		    nu_histplot_best(m, best, sizeof best));
	}
	return r;
}

static const char *
state_name(void)
{
	if (tr.preparing)
		return tr.cancel ? "cancelling..." : "preparing...";
	if (tr.watch != NULL && tr.watch_stopped)
		return "not followed";
	if (tr.watch != NULL && nu_runlog_removed(tr.watch) && tr.snap.state != NU_RUN_FINISHED &&
	    tr.snap.state != NU_RUN_STOPPED)
		return "log removed";
	if (tr.watch != NULL && tr.snap.state == NU_RUN_READY)
		return "waiting";
	if (tr.run == NULL && tr.watch == NULL)
		return "ready";
	if (tr.confirm_quit && running())
		return "running (quit? y/n)";
	switch (tr.snap.state) {
	case NU_RUN_READY: return "starting";
	case NU_RUN_RUNNING: return tr.pause_req ? "pausing..." : "running";
	case NU_RUN_PAUSED: return tr.pause_req ? "paused" : "resuming...";
	case NU_RUN_FINISHED: return "finished";
	case NU_RUN_STOPPED: return "stopped";
	default: return "failed";
	}
}

/* The architecture line and the form; returns the next row. */
static int
draw_form(struct tui *t, int y, int cols)
{
	{
		const struct nu_arched *e = tui_arch(t);
		char nm[1200], pa[32];

		if (e != NULL)
			tui_arch_label(nm, sizeof nm);
		if (e == NULL)
			tui_put(y, 0, cols, " architecture  (out of memory)");
		else if (e->net != NULL)
			tui_putf(y, 0, cols, " architecture  %s%s, %s parameters "
			    "(3 edits it, A opens a file)", nm,
			    e->dirty ? " (modified)" : "",
			    tui_grouped(e->net->nparams, pa, sizeof pa));
		else {
			attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_ERROR : 0));
			tui_putf(y, 0, cols, " architecture  %s: not valid: %s", nm,
			    e->error != NULL ? e->error : "?");
			attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_ERROR : 0));
		}
		y++;
	}
	/* the form, FORM_COLS fields a row */
	{
		int idx[NFIELDS], n = visible_fields(t, idx), cw = cols / FORM_COLS;
		char v[sizeof tr.output + 64];

		if (tr.field >= n)
			tr.field = n - 1;
		for (int i = 0; i < n; i++) {
			int fy = y + i / FORM_COLS, fx = (i % FORM_COLS) * cw;
			bool cur = i == tr.field;

			field_text(t, &fields[idx[i]], v, sizeof v);
			if (cur)
				attron(A_REVERSE);
			tui_putf(fy, fx, cw - 1, "%s%-11s %s", cur ? ">" : " ",
			    fields[idx[i]].label, v);
			if (cur)
				attroff(A_REVERSE);
		}
		y += (n + FORM_COLS - 1) / FORM_COLS;
	}
	return y;
}

/* The header of a watched run: the log, then what its run record says,
 * in the rows the form takes otherwise; returns the next row. */
static int
draw_watch_head(struct tui *t, int y, int cols)
{
	const struct nu_runlog_run *run = nu_runlog_run(tr.watch);
	char pa[32], ev[3][32];

	tui_putf(y++, 10, cols - 10, "watching %s (a run controlled elsewhere; "
	    "W stops watching)", nu_runlog_path(tr.watch));
	if (!run->have) {
		tui_put(y++, 0, cols, " run           (no run record: a log of an older "
		    "nuscope, or not begun)");
		return y;
	}
	tui_putf(y++, 0, cols, " architecture  %s, task %s, %s parameters, %d epochs "
	    "-> %s", run->arch, run->task, tui_grouped(run->parameters, pa, sizeof pa),
	    run->epochs, run->output[0] != '\0' ? run->output : "?");
	attron(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
	tui_putf(y++, 0, cols, " events        %s training, %s validation, %s test%s%s%s%s%s",
	    tui_grouped(run->train_events, ev[0], sizeof ev[0]),
	    tui_grouped(run->val_events, ev[1], sizeof ev[1]),
	    tui_grouped(run->test_events, ev[2], sizeof ev[2]),
	    run->where[0] != '\0' ? ", selected by '" : "", run->where,
	    run->where[0] != '\0' ? "'" : "",
	    run->resume[0] != '\0' ? ", resuming " : "", run->resume);
	attroff(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
	return y;
}

/* The heading, what a run trains on and the form; returns the next row. */
static int
draw_head(struct tui *t, int y, int cols)
{
	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_put(y, 0, cols, "Training");
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	if (tr.watch != NULL) {
		y = draw_watch_head(t, y, cols);
	} else if (t->ds != NULL && t->where_text != NULL && !tr.all_events)
		/* what a run would train on: the filter's events */
		tui_putf(y, 10, cols - 10, "on %llu of %llu events in %zu file%s "
		    "(the filter: %s)", (unsigned long long)t->nselected,
		    (unsigned long long)nu_dataset_nevents(t->ds),
		    nu_dataset_nfiles(t->ds), nu_dataset_nfiles(t->ds) == 1 ? "" : "s",
		    t->where_text);
	else if (t->ds != NULL)
		tui_putf(y, 10, cols - 10, "on %llu events in %zu file%s",
		    (unsigned long long)nu_dataset_nevents(t->ds),
		    nu_dataset_nfiles(t->ds), nu_dataset_nfiles(t->ds) == 1 ? "" : "s");
	else
		tui_put(y, 10, cols - 10, "no dataset loaded (Data screen: a adds files)");
	if (tr.watch == NULL)
		y = draw_form(t, y + 1, cols);
	return y;
}

/* The run's state, epoch and batch bars, speed and message; returns the
 * next row. */
static int
draw_progress(struct tui *t, int y, int cols)
{
	const struct nu_train_snap *s = &tr.snap;
	char eta[32], el[32];

	{
		int ep = 0, nep = tr.have_snap ? s->epochs : 0, bw = (cols - 58) / 2;
		double efrac = 0, bfrac = 0;

		if (tr.have_snap) {
			/* the epoch the run is in, or was in when it ended
			 * (stopped mid-epoch: that one, not those completed) */
			ep = s->epoch + 1;
			if (ep > nep)
				ep = nep;
			efrac = nep > 0 ? (double)s->epoch / nep : 0;
			if (nep > 0 && s->nbatches > 0)
				efrac += (double)s->batch / s->nbatches / nep;
			bfrac = s->nbatches > 0 ? (double)s->batch / s->nbatches : 0;
			if (s->state == NU_RUN_FINISHED)
				efrac = bfrac = 1;
		}
		if (bw < 8)
			bw = 8;
		attron(A_BOLD);
		tui_putf(y, 0, cols, " %s", state_name());
		attroff(A_BOLD);
		tui_putf(y, 22, cols - 22, "epoch %d/%d", ep, nep);
		draw_bar(t, y, 38, bw, efrac);
		tui_putf(y, 39 + bw, cols - 39 - bw, "batch %d/%d",
		    tr.have_snap ? s->batch : 0, tr.have_snap ? s->nbatches : 0);
		y++;
		if (tr.have_snap) {
			int bx = 39 + bw + 18;

			draw_bar(t, y - 1, bx, cols - bx - 1, bfrac);
		}
	}
	fmt_duration(eta, sizeof eta, tr.have_snap ? s->eta_s : NAN);
	fmt_duration(el, sizeof el, tr.have_snap ? s->elapsed_s : NAN);
	if (tr.have_snap && s->best_epoch >= 0)
		tui_putf(y++, 0, cols, " %.0f events/s  ETA %s  elapsed %s  lr %.3g  "
		    "best epoch %d (%s %.4f)", s->events_per_s, eta, el, s->lr,
		    s->best_epoch + 1, s->monitor ? s->monitor : "?", s->best_value);
	else
		tui_putf(y++, 0, cols, " %.0f events/s  ETA %s  elapsed %s  lr %.3g  "
		    "best epoch -", tr.have_snap ? s->events_per_s : 0.0, eta, el,
		    tr.have_snap ? s->lr : 0.0);
	if (tr.have_snap && s->message[0] != '\0')
		tui_putf(y, 0, cols, " %s", s->message);
	y++;
	return y;
}

static void
train_draw(struct tui *t, int top, int rows, int cols)
{
	int y, logrows, plotrows, side, sidew;

	y = draw_head(t, top, cols);
	y = draw_progress(t, y, cols);

	/* plots and the log share what is left; beside the log, the
	 * confusion matrix and the compared models when there are any */
	logrows = (top + rows - y) / 4;
	if (logrows < 3)
		logrows = 3;
	side = confusion_rows() + (tr.ncmp > 0 ? tr.ncmp + 1 : 0) +
	    (confusion_rows() > 0 && tr.ncmp > 0);     /* a blank row between */
	if (side - 1 > logrows) {
		int most = top + rows - y - 1 - 8;    /* plots keep 8 rows */

		logrows = side - 1 < most ? side - 1 : most > logrows ? most : logrows;
	}
	sidew = side == 0 ? 0 : side_width() + 1;
	if (sidew > cols / 2)
		sidew = cols / 2;
	plotrows = top + rows - y - logrows - 1;
	if (plotrows >= 6) {
		int half = cols / 2;

		draw_plot(t, y, 0, half - 1, plotrows, 0);
		draw_plot(t, y, half, cols - half, plotrows, 1);
		y += plotrows;
	}
	y++;
	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_put(y - 1, 0, cols - sidew, "Log");
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	{
		int n = top + rows - y;
		char (*lines)[TUI_LOG_WIDTH];

		if (n > 0 && (lines = malloc((size_t)n * sizeof *lines)) != NULL) {
			n = tui_log_tail(lines, n);
			for (int i = 0; i < n; i++)
				tui_put(y + i, 1, cols - sidew - 2, lines[i]);
			free(lines);
		}
	}
	if (sidew > 0) {
		int sx = cols - sidew, sh = top + rows - (y - 1), used;

		used = draw_confusion(t, y - 1, sx, sidew, sh);
		if (used > 0 && used < sh)
			used++;         /* a blank row between */
		draw_compared(t, y - 1 + used, sx, sidew, sh - used);
	}
}

/* ---- keys -------------------------------------------------------------- */

/* A key while "quit while training?" is asked. */
static int
confirm_quit_key(struct tui *t, int ch)
{
	switch (ch) {
	case 'y': case 'Y':
		tr.confirm_quit = false;
		run_stop_join(t);
		return TUI_QUIT;
	case 'n': case 'N': case 27:
		tr.confirm_quit = false;
		tui_message(t, false, "training goes on");
		return TUI_REDRAW;
	default:
		if (!running() && !tr.preparing) {
			tr.confirm_quit = false;
			return TUI_UNHANDLED;
		}
		return TUI_NONE;
	}
}

/* A key while a run's log is watched: the keys that would control a run
 * or edit the form say why not, W stops watching; -1 for the others. */
static int
watch_key(struct tui *t, int ch)
{
	const char *p = nu_runlog_path(tr.watch);

	switch (ch) {
	case 's': case 'p': case 'x': case 'w': case 'R':
		tui_message(t, true, "the watched run is controlled elsewhere, "
		    "not here (%s; W stops watching)", p);
		return TUI_REDRAW;
	case KEY_LEFT: case KEY_RIGHT: case KEY_UP: case KEY_DOWN:
	case '\n': case '\r': case KEY_ENTER: case ' ':
	case 'A': case 'O': case 'T': case 'F':
		tui_message(t, true, "no form while watching %s: W stops watching", p);
		return TUI_REDRAW;
	case 'W': {
		char was[1024];

		snprintf(was, sizeof was, "%s", p);
		watch_stop(t);
		tui_message(t, false, "stopped watching %s", was);
		tui_log("stopped watching %s", was);
		return TUI_REDRAW;
	}
	}
	return -1;
}

/* The keys of the form (the n visible fields idx) and of the files it
 * reads: moving, editing, A, O, T, F and W. */
static int
form_key(struct tui *t, int ch, const int *idx, int n)
{
	switch (ch) {
	case 'W':
		if (running() || tr.preparing) {
			tui_message(t, true, "a run is going: x stops it before another "
			    "is watched");
			return TUI_REDRAW;
		}
		tui_prompt(t, "watch a run's log (nuscope train --json-log FILE; Tab "
		    "completes)", NULL, true, watch_done);
		return TUI_REDRAW;
	case KEY_LEFT:
		tr.field = tr.field > 0 ? tr.field - 1 : n - 1;
		return TUI_REDRAW;
	case KEY_RIGHT:
		tr.field = tr.field + 1 < n ? tr.field + 1 : 0;
		return TUI_REDRAW;
	case KEY_UP:
		if (tr.field >= FORM_COLS)
			tr.field -= FORM_COLS;
		return TUI_REDRAW;
	case KEY_DOWN:
		if (tr.field + FORM_COLS < n)
			tr.field += FORM_COLS;
		return TUI_REDRAW;
	case '\n': case '\r': case KEY_ENTER: case ' ':
		if (tr.field < n) {
			if (running() && fields[idx[tr.field]].kind != F_OUTPUT &&
			    fields[idx[tr.field]].kind != F_THREADS &&
			    fields[idx[tr.field]].kind != F_EVENTS)
				tui_message(t, false, "the change applies to the next run");
			field_act(t, idx[tr.field], ch != ' ');
		}
		return TUI_REDRAW;
	case 'A':
		tui_prompt(t, "open architecture file (Tab completes)", NULL, true,
		    tui_arch_open);
		return TUI_REDRAW;
	case 'O':
		tui_prompt(t, "model output file (empty: from the architecture)",
		    tr.output, true, output_done);
		return TUI_REDRAW;
	case 'T':
		tui_prompt(t, "threads (empty: 2)", NULL, false, threads_done);
		return TUI_REDRAW;
	case 'F':
		for (int i = 0; i < NFIELDS; i++)
			if (fields[i].kind == F_EVENTS)
				field_act(t, i, false);
		return TUI_REDRAW;
	default:
		return TUI_UNHANDLED;
	}
}

/* The keys that control a run: s starts, R resumes, p pauses, x stops,
 * w saves a checkpoint. */
static int
run_key(struct tui *t, int ch)
{
	switch (ch) {
	case 's':
		run_start(t, NULL);
		return TUI_REDRAW;
	case 'R':
		if (running() || tr.preparing) {
			tui_message(t, true, "a run is going: x stops it");
			return TUI_REDRAW;
		}
		tui_prompt(t, "resume the run of model file (Tab completes)",
		    tr.run_output[0] != '\0' ? tr.run_output : NULL, true, resume_done);
		return TUI_REDRAW;
	case 'p':
		if (tr.preparing) {
			tr.pause_req = !tr.pause_req;
			tui_message(t, false, tr.pause_req ? "the run will start paused" :
			    "the run will start at once");
			return TUI_REDRAW;
		}
		if (!running()) {
			tui_message(t, true, "no run to pause: s starts one");
			return TUI_REDRAW;
		}
		tr.pause_req = !tr.pause_req;
		nu_train_pause(tr.run, tr.pause_req);
		tui_message(t, false, tr.pause_req ? "pausing at the next batch" :
		    "resumed");
		return TUI_REDRAW;
	case 'x':
		if (tr.preparing) {
			tr.cancel = true;
			atomic_store(&tr.setup.stop, true);
			tui_message(t, false, "cancelling: reading the events stops");
			return TUI_REDRAW;
		}
		if (!running()) {
			tui_message(t, true, "no run to stop");
			return TUI_REDRAW;
		}
		nu_train_stop(tr.run);
		tui_message(t, false, "stopping at the next batch; the run saves to %s",
		    tr.run_output);
		return TUI_REDRAW;
	case 'w':
		if (tr.preparing) {
			tr.save_req = true;
			tui_message(t, false, "a checkpoint as soon as the run starts");
			return TUI_REDRAW;
		}
		if (!running()) {
			tui_message(t, true, "no run to save: s starts one");
			return TUI_REDRAW;
		} else {
			char path[1100];

			checkpoint_path(path, sizeof path);
			nu_train_save(tr.run, path);
			if (tr.snap.state == NU_RUN_PAUSED)
				tui_message(t, false, "paused: writing a checkpoint now: %s", path);
			else
				tui_message(t, false, "checkpoint at the next batch: %s", path);
		}
		return TUI_REDRAW;
	default:
		return TUI_UNHANDLED;
	}
}

static int
train_key(struct tui *t, int ch)
{
	int idx[NFIELDS], n, r;

	if (tr.confirm_quit)
		return confirm_quit_key(t, ch);
	if (tr.watch != NULL && (r = watch_key(t, ch)) >= 0)
		return r;
	n = visible_fields(t, idx);
	switch (ch) {
	case 'm':
		tr.smooth = (tr.smooth + 1) % NSMOOTH;
		if (tr.smooth == 0)
			tui_message(t, false, "batch curves: raw");
		else
			tui_message(t, false, "batch curves: smoothed (EMA %.2f)",
			    smooth_alpha[tr.smooth]);
		return TUI_REDRAW;
	case 'L':
		tr.logy = !tr.logy;
		tui_message(t, false, "y axes: %s", tr.logy ? "logarithmic" : "linear");
		return TUI_REDRAW;
	case 'o':
		if (tr.ncmp == NCMP) {
			tui_message(t, true, "%d models compared already: c clears them", NCMP);
			return TUI_REDRAW;
		}
		tui_prompt(t, "compare with model file(s) (Tab completes; blanks "
		    "separate several)", NULL, true, compare_done);
		return TUI_REDRAW;
	case 'c':
		if (tr.ncmp == 0) {
			tui_message(t, true, "no compared model: o adds one");
			return TUI_REDRAW;
		}
		compare_clear();
		tui_message(t, false, "comparison cleared");
		return TUI_REDRAW;
	case 's': case 'R': case 'p': case 'x': case 'w':
		return run_key(t, ch);
	default:
		return form_key(t, ch, idx, n);
	}
}

const struct tui_view tui_view_train = {
	.name = "Training",
	.mnemonic = 't',
	.keys = "arrows+Enter form  s start  p pause  x stop  w checkpoint  "
	    "R resume  W watch  o compare  c clear  L log  m smooth  F filter",
	.help =
	    "arrows            move between the form's fields\n"
	    "Enter             edit the field (checked as you type; Tab\n"
	    "                    cycles the choices); Space takes the next\n"
	    "                    choice at once.  Task and hyper-parameters\n"
	    "                    are keys of the architecture (screen 3)\n"
	    "A                 open an architecture file (nuscope-arch(5))\n"
	    "O                 model output file (default: the architecture's\n"
	    "                    name with .h5, in the current directory)\n"
	    "T                 compute threads (empty: 2)\n"
	    "F                 train on the Data screen's filter or on every\n"
	    "                    loaded event\n"
	    "s                 start training on the loaded files\n"
	    "p                 pause or resume\n"
	    "x                 stop at the next batch (the run saves its model,\n"
	    "                    which nuscope train --resume continues)\n"
	    "w                 save a checkpoint to OUTPUT.ckpt.h5 (at the next\n"
	    "                    batch; at once while paused)\n"
	    "R                 resume the run saved in a model file (its own\n"
	    "                    architecture and selection) to the form's epochs;\n"
	    "                    it goes on writing that file unless O set one\n"
	    "W                 watch a run started elsewhere through its log\n"
	    "                    (nuscope train --json-log FILE): its curves,\n"
	    "                    epochs and confusion matrix as it goes, without\n"
	    "                    control of it (s p x w R are refused); W again\n"
	    "                    stops watching\n"
	    "o                 compare: overlay the recorded epochs of model\n"
	    "                    files (validation loss; AUC or accuracy), 1-9\n"
	    "c                 clear the compared models\n"
	    "L                 logarithmic or linear y axes\n"
	    "m                 smoothing of the batch curves: off, 0.9, 0.98\n"
	    "q                 during a run: asks whether to stop and save",
	.draw = train_draw,
	.key = train_key,
	.reload = NULL,
	.tick = train_tick,
	.fini = train_fini,
};
