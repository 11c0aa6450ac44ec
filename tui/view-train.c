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
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "arch.h"
#include "archedit.h"
#include "train.h"
#include "tui.h"


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
	struct arch *arch;
	bool joined, pause_req, confirm_quit, classify;
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

	/* Setting a run up (reading the events into memory can take
	 * seconds) happens on a thread of its own, so the screen keeps
	 * answering.  It owns `setup` until joined; the UI thread reads it
	 * only after pthread_join. */
	bool preparing;         /* the set-up thread is alive */
	bool cancel;            /* x or quit while preparing: stop at once */
	bool save_req;          /* w while preparing: a checkpoint at once */
	pthread_t setup_th;
	int setup_pipe[2];
	struct {
		char **paths;
		size_t npaths;
		char *where;
		struct nu_train_opts opts;
		struct nu_dataset *ds;  /* results */
		struct nu_train *run;
		enum nu_status st;
		char *cause;
		atomic_bool stop;       /* x or quit: stop reading events */
	} setup;

} tr = { .setup_pipe = { -1, -1 } };

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
	const struct arched *e = tui_arch(t);
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
	arch_free(tr.arch);
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
		tui_log("stopped after %d epoch%s", tr.ne, tr.ne == 1 ? "" : "s");
	} else {
		tui_message(t, false, "training finished: model written to %s",
		    tr.run_output);
		tui_log("finished: model written to %s", tr.run_output);
	}
	free(cause);
}

static void setup_join(struct tui *t);

/* Copy the run's news (UI thread; the hook tui.c calls on wake_fd). */
static void
train_tick(struct tui *t)
{
	struct nu_epoch_rec er[8];
	size_t got;
	int ne;

	if (tr.preparing) {
		char c;

		if (read(tr.setup_pipe[0], &c, 1) != 1)
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
	while (write(tr.setup_pipe[1], "", 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void
setup_free(void)
{
	for (size_t i = 0; i < tr.setup.npaths; i++)
		free(tr.setup.paths[i]);
	free(tr.setup.paths);
	free(tr.setup.where);
	free(tr.setup.cause);
	tr.setup.paths = NULL;
	tr.setup.npaths = 0;
	tr.setup.where = NULL;
	tr.setup.cause = NULL;
	for (int i = 0; i < 2; i++)
		if (tr.setup_pipe[i] >= 0) {
			close(tr.setup_pipe[i]);
			tr.setup_pipe[i] = -1;
		}
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
	tr.classify = nu_task_nclasses(nu_train_net(tr.run)->task) > 0;
	nu_train_snapshot(tr.run, &tr.snap);
	tr.have_snap = true;
	t->wake_fd[TUI_WAKE_TRAIN] = nu_train_fd(tr.run);
	tui_log("events: %llu training, %llu validation, %llu test%s%s%s",
	    (unsigned long long)tr.snap.train_events,
	    (unsigned long long)tr.snap.val_events,
	    (unsigned long long)tr.snap.test_events,
	    tr.setup.where != NULL ? " (selected by '" : "",
	    tr.setup.where != NULL ? tr.setup.where : "",
	    tr.setup.where != NULL ? "')" : "");
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

static void
run_start(struct tui *t)
{
	struct arched *e = tui_arch(t);
	char *cause = NULL, *text = NULL;
	enum nu_status st;
	int err;

	if (running() || tr.preparing) {
		tui_message(t, true, "a run is going: x stops it");
		return;
	}
	if (t->ds == NULL || t->npaths == 0) {
		tui_message(t, true, "no dataset loaded: add files on the Data "
		    "screen (1, then a)");
		return;
	}
	if (e == NULL || e->net == NULL) {
		tui_message(t, true, "the architecture is not a valid network: %s "
		    "(the Architecture screen, 3, shows where)",
		    e != NULL && e->error != NULL ? e->error : "out of memory");
		return;
	}
	derive_output(t);
	if (tr.output[0] == '\0') {
		tui_message(t, true, "no model output path: O sets one");
		return;
	}
	run_free(t);
	snprintf(tr.run_arch, sizeof tr.run_arch, "%s%s", e->name,
	    e->dirty ? " (as edited)" : "");
	/* what is trained is the editor's text, parsed as a file would be */
	if ((text = arched_text(e, NULL)) == NULL) {
		run_fail(t, NU_ERR_NOMEM, "out of memory");
		return;
	}
	st = arch_parse(&tr.arch, e->name, text, strlen(text), &cause);
	free(text);
	if (st != NU_OK) {
		run_fail(t, st, cause);
		free(cause);
		return;
	}

	/* what the set-up thread needs, copied: the UI may change its own */
	memset(&tr.setup, 0, sizeof tr.setup);
	tr.setup_pipe[0] = tr.setup_pipe[1] = -1;
	if ((tr.setup.paths = calloc(t->npaths, sizeof *tr.setup.paths)) == NULL)
		goto nomem;
	for (size_t i = 0; i < t->npaths; i++) {
		if ((tr.setup.paths[i] = strdup(t->paths[i])) == NULL)
			goto nomem;
		tr.setup.npaths++;
	}
	if (!tr.all_events && t->where_text != NULL &&
	    (tr.setup.where = strdup(t->where_text)) == NULL)
		goto nomem;
	snprintf(tr.run_output, sizeof tr.run_output, "%s", tr.output);
	tr.setup.opts.output = tr.run_output;
	tr.setup.opts.threads = tr.threads;
	tr.setup.opts.where = tr.setup.where;
	atomic_init(&tr.setup.stop, false);
	tr.setup.opts.stop = &tr.setup.stop;
	if (pipe(tr.setup_pipe) != 0) {
		run_fail(t, NU_ERR_IO, strerror(errno));
		setup_free();
		return;
	}
	fcntl(tr.setup_pipe[0], F_SETFL, O_NONBLOCK);
	tr.cancel = tr.save_req = false;
	if ((err = pthread_create(&tr.setup_th, NULL, setup_main, NULL)) != 0) {
		run_fail(t, NU_ERR_IO, strerror(err));
		setup_free();
		return;
	}
	tr.preparing = true;
	t->wake_fd[TUI_WAKE_TRAIN] = tr.setup_pipe[0];
	t->on_quit = train_on_quit;
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
	tui_message(t, true, "training is running: stop and save? (y/n)");
	return TUI_REDRAW;
}

static void
train_fini(struct tui *t)
{
	run_stop_join(t);
	run_free(t);
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
	const struct arched *e = tui_arch(t);

	if (e == NULL || f->kind != F_KEY)
		return false;
	*sec = f->net ? 0 : arched_find(e, ARCH_ROLE_TRAIN);
	if (*sec < 0)
		return false;
	*key = arch_key_index(e->sec[*sec].kind, f->key);
	return true;
}

/* Whether the architecture splits by files (split = files). */
static bool
split_files(struct tui *t)
{
	const struct arched *e = tui_arch(t);
	int sec = e != NULL ? arched_find(e, ARCH_ROLE_TRAIN) : -1;

	return sec >= 0 && strcmp(arched_value(e, sec,
	    arch_key_index(e->sec[sec].kind, "split")), "files") == 0;
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
			const char *v = arched_value(tui_arch(t), sec, key);

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

static void
canvas_paint(struct tui *t, const struct canvas *c, int y, int x)
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

/*
 * One plot in the box (y, x, w, h): the per-batch curve (smoothed when
 * asked) in dots, per-epoch training points as 'T' and validation points
 * as 'V', with y labels on the left and the step axis below.
 */
static void
draw_plot(struct tui *t, int y, int x, int w, int h, int which)
{
	int lw = 8, pw = w - lw - 1, ph = h - 3;
	int per = tr.have_snap && tr.snap.nbatches > 0 ? tr.snap.nbatches : 1;
	double lo = INFINITY, hi = -INFINITY, alpha = smooth_alpha[tr.smooth];
	double xmax;
	struct canvas c;
	char buf[32];

	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_putf(y, x, w, "%s%s", which == 0 ? "Loss" : tr.run == NULL ? "Metric" :
	    tr.classify ? "Accuracy" : "MAE", alpha > 0 ? " (smoothed)" : "");
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_putf(y, x + w - 26 > x ? x + w - 26 : x, 26, "%s batch  T train  V val",
	    t->utf8 ? "⠒" : "'");
	if (pw < 4 || ph < 2)
		return;
	for (size_t i = 0; i < tr.nb; i++) {
		double v = batch_value(i, which);

		if (isfinite(v)) {
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	}
	for (int i = 0; i < tr.ne; i++) {
		double v[2] = {
			which == 0 ? tr.e[i].train_loss : tr.e[i].train_metric,
			which == 0 ? tr.e[i].val_loss : tr.e[i].val_metric,
		};
		for (int k = 0; k < 2; k++)
			if (isfinite(v[k])) {
				lo = v[k] < lo ? v[k] : lo;
				hi = v[k] > hi ? v[k] : hi;
			}
	}
	if (!(lo <= hi)) {
		lo = 0;
		hi = 1;
	}
	if (hi - lo < 1e-9) {
		hi += 0.5;
		lo -= 0.5;
	}
	xmax = tr.have_snap ? (double)tr.snap.epochs * per : 1;
	if (xmax < 1)
		xmax = 1;

	c.w = pw;
	c.h = ph;
	c.cw = t->utf8 ? 2 : 1;
	c.ch = t->utf8 ? 4 : 2;
	c.x0 = 0;
	c.x1 = xmax;
	c.y0 = lo;
	c.y1 = hi;
	c.dots = calloc((size_t)(c.w * c.cw) * (size_t)(c.h * c.ch), 1);
	if (c.dots == NULL)
		return;
	{
		double s = NAN, px = NAN, py = NAN;

		for (size_t i = 0; i < tr.nb; i++) {
			double v = batch_value(i, which);
			double bx = (double)tr.b[i].epoch * per + tr.b[i].batch + 1;

			if (!isfinite(v))
				continue;
			s = isfinite(s) && alpha > 0 ? alpha * s + (1 - alpha) * v : v;
			if (isfinite(px))
				canvas_line(&c, px, py, bx, s);
			else
				canvas_dot(&c, bx, s);
			px = bx;
			py = s;
		}
	}
	attron(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
	canvas_paint(t, &c, y + 1, x + lw + 1);
	attroff(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
	/* epoch points over the curve */
	attron(A_BOLD);
	for (int i = 0; i < tr.ne; i++) {
		double ex = (double)(tr.e[i].epoch + 1) * per;
		double v[2] = {
			which == 0 ? tr.e[i].train_loss : tr.e[i].train_metric,
			which == 0 ? tr.e[i].val_loss : tr.e[i].val_metric,
		};
		for (int k = 0; k < 2; k++) {
			int cx, cy;

			if (!isfinite(v[k]))
				continue;
			cx = (int)(ex / xmax * (pw - 1) + 0.5);
			cy = (int)((hi - v[k]) / (hi - lo) * (ph - 1) + 0.5);
			if (cx >= 0 && cx < pw && cy >= 0 && cy < ph)
				tui_put(y + 1 + cy, x + lw + 1 + cx, 1, k ? "V" : "T");
		}
	}
	attroff(A_BOLD);
	free(c.dots);

	/* axes */
	for (int r = 0; r < ph; r++)
		tui_put(y + 1 + r, x + lw, 1, t->utf8 ? "│" : "|");
	snprintf(buf, sizeof buf, "%7.4g", hi);
	tui_put(y + 1, x, lw, buf);
	snprintf(buf, sizeof buf, "%7.4g", (hi + lo) / 2);
	tui_put(y + 1 + (ph - 1) / 2, x, lw, buf);
	snprintf(buf, sizeof buf, "%7.4g", lo);
	tui_put(y + ph, x, lw, buf);
	move(y + 1 + ph, x + lw);
	addstr(t->utf8 ? "└" : "+");
	for (int i = 0; i < pw; i++)
		addstr(t->utf8 ? "─" : "-");
	tui_put(y + 2 + ph, x + lw, 2, "0");
	snprintf(buf, sizeof buf, "step %.0f", xmax);
	tui_put(y + 2 + ph, x + lw + 1 + pw - (int)strlen(buf), (int)strlen(buf), buf);
}

static const char *
state_name(void)
{
	if (tr.preparing)
		return tr.cancel ? "cancelling..." : "preparing...";
	if (tr.run == NULL)
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

static void
train_draw(struct tui *t, int top, int rows, int cols)
{
	const struct nu_train_snap *s = &tr.snap;
	int y = top, logrows, plotrows;
	char eta[32], el[32];

	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_put(y, 0, cols, "Training");
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	if (t->ds != NULL)
		tui_putf(y, 10, cols - 10, "on %llu events in %zu file%s",
		    (unsigned long long)nu_dataset_nevents(t->ds),
		    nu_dataset_nfiles(t->ds), nu_dataset_nfiles(t->ds) == 1 ? "" : "s");
	else
		tui_put(y, 10, cols - 10, "no dataset loaded (Data screen: a adds files)");
	y++;
	{
		const struct arched *e = tui_arch(t);
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

	/* progress */
	{
		int ep = 0, nep = tr.have_snap ? s->epochs : 0, bw = (cols - 58) / 2;
		double efrac = 0, bfrac = 0;

		if (tr.have_snap) {
			bool over = s->state == NU_RUN_FINISHED ||
			    s->state == NU_RUN_STOPPED || s->state == NU_RUN_FAILED;

			ep = over ? tr.ne : s->epoch + 1;
			if (ep > nep)
				ep = nep;
			efrac = nep > 0 ? (double)(over ? tr.ne : s->epoch) / nep : 0;
			if (!over && nep > 0 && s->nbatches > 0)
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

	/* plots and the log share what is left */
	logrows = (top + rows - y) / 4;
	if (logrows < 3)
		logrows = 3;
	plotrows = top + rows - y - logrows - 1;
	if (plotrows >= 6) {
		int half = cols / 2;

		draw_plot(t, y, 0, half - 1, plotrows, 0);
		draw_plot(t, y, half, cols - half, plotrows, 1);
		y += plotrows;
	}
	y++;
	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_put(y - 1, 0, cols, "Log");
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	{
		int n = top + rows - y;
		char (*lines)[TUI_LOG_WIDTH];

		if (n > 0 && (lines = malloc((size_t)n * sizeof *lines)) != NULL) {
			n = tui_log_tail(lines, n);
			for (int i = 0; i < n; i++)
				tui_put(y + i, 1, cols - 1, lines[i]);
			free(lines);
		}
	}
}

/* ---- keys -------------------------------------------------------------- */

static int
train_key(struct tui *t, int ch)
{
	int idx[NFIELDS], n;

	if (tr.confirm_quit) {
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
	n = visible_fields(t, idx);
	switch (ch) {
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
	case 'm':
		tr.smooth = (tr.smooth + 1) % NSMOOTH;
		if (tr.smooth == 0)
			tui_message(t, false, "batch curves: raw");
		else
			tui_message(t, false, "batch curves: smoothed (EMA %.2f)",
			    smooth_alpha[tr.smooth]);
		return TUI_REDRAW;
	case 's':
		run_start(t);
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
			tui_message(t, false, "checkpoint at the next batch: %s", path);
		}
		return TUI_REDRAW;
	default:
		return TUI_UNHANDLED;
	}
}

const struct tui_view tui_view_train = {
	.name = "Training",
	.mnemonic = 't',
	.keys = "arrows+Enter form  s start  p pause  x stop  w checkpoint  "
	    "m smooth  F filter",
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
	    "w                 save a checkpoint now to OUTPUT.ckpt.h5\n"
	    "m                 smoothing of the batch curves: off, 0.9, 0.98\n"
	    "q                 during a run: asks whether to stop and save",
	.draw = train_draw,
	.key = train_key,
	.reload = NULL,
	.tick = train_tick,
	.fini = train_fini,
};
