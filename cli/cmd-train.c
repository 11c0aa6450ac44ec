/*
 * cmd-train.c: `nuscope train`: train a network from the command line.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "cli.h"
#include "dataset.h"
#include "dist.h"
#include "term.h"
#include "train.h"
#include "where.h"

struct train_args {
	const char *output, *resume, *where, *json_log;
	int epochs, threads, micro, memory;
	bool skip_bad, quiet;
};
#define A(m) offsetof(struct train_args, m)

static const struct cli_opt train_opts[] = {
	{ "output", 'o', CLI_OPT_STRING, A(output), .meta = "FILE",
	    .help = "model file (default: ARCH's name with .h5)" },
	{ "epochs", 0, CLI_OPT_INT, A(epochs), .min = 1, .max = 100000, .meta = "N",
	    .help = "train N epochs instead of the file's number" },
	{ "resume", 0, CLI_OPT_STRING, A(resume), .meta = "FILE",
	    .help = "continue the run saved in FILE (and its --where)" },
	{ "where", 0, CLI_OPT_STRING, A(where), .meta = "EXPR",
	    .help = "train only on the events EXPR selects (see nuscope(1));\n"
	    "the model records it" },
	{ "threads", 0, CLI_OPT_INT, A(threads), .min = 1, .max = 16, .meta = "N",
	    .help = "compute threads (default 2)" },
	{ "micro", 0, CLI_OPT_INT, A(micro), .min = 1, .max = 4096, .meta = "N",
	    .help = "events per thread pass (default 16)" },
	{ "memory", 0, CLI_OPT_INT, A(memory), .min = 1, .max = 1 << 22, .meta = "MB",
	    .help = "pixels held in memory before streaming (default 4096)" },
	{ "json-log", 0, CLI_OPT_STRING, A(json_log), .meta = "FILE",
	    .help = "one JSON record per batch and per epoch" },
	{ "skip-bad", 0, CLI_OPT_FLAG, A(skip_bad), .help = "leave out unreadable files" },
	{ "quiet", 'q', CLI_OPT_FLAG, A(quiet),
	    .help = "no progress, only the epoch lines and the result" },
	{ "help", 'h', CLI_OPT_FLAG, .help = "this text" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help train_page[] = {
	{ "usage: nuscope train [OPTIONS] ARCH FILE|DIR|GLOB...\n"
	    "\n"
	    "Train the network of architecture file ARCH (nuscope-arch(5)) on the\n"
	    "events of the files, as its [train] section says, and write the model\n"
	    "(nuscope-model(5)) after every epoch.  Ctrl-C stops at the next batch\n"
	    "and saves a checkpoint that --resume continues exactly.\n"
	    "\n"
	    "options:\n", train_opts },
	{ NULL, NULL },
};

static const struct cli_cmd train_cmd = { "train", train_opts, train_page };

static void
json_double(FILE *f, const char *key, double v)
{
	if (isfinite(v))
		fprintf(f, ", \"%s\": %.9g", key, v);
	else
		fprintf(f, ", \"%s\": null", key);
}

/* A float of a batch record (a rate: one decimal), or null. */
static void
json_float(FILE *f, const char *key, float v, bool rate)
{
	if (!isfinite(v))
		fprintf(f, ", \"%s\": null", key);
	else if (rate)
		fprintf(f, ", \"%s\": %.1f", key, v);
	else
		fprintf(f, ", \"%s\": %.7g", key, v);
}

/* The epoch's validation confusion matrix as a JSON member: rows are the
 * true classes, columns the predicted ones, in the order of "classes";
 * null when the epoch has none (a regression, no validation events). */
static void
json_confusion(FILE *f, struct nu_train *t, int epoch)
{
	struct nu_train_confusion cm;
	enum nu_task task = nu_train_net(t)->task;

	if (!nu_train_confusion(t, epoch, &cm)) {
		fprintf(f, ", \"confusion\": null");
		return;
	}
	fprintf(f, ", \"confusion\": {\"classes\": [");
	for (int i = 0; i < cm.nclasses; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, nu_task_class_name(task, i));
	}
	fprintf(f, "], \"counts\": [");
	for (int i = 0; i < cm.nclasses; i++) {
		fprintf(f, "%s[", i ? ", " : "");
		for (int j = 0; j < cm.nclasses; j++)
			fprintf(f, "%s%llu", j ? ", " : "", (unsigned long long)cm.count[i][j]);
		fprintf(f, "]");
	}
	fprintf(f, "]}");
}

/* The log's first record: what a watcher (nuscope tui --watch) labels its
 * screen with. */
static void
json_run(FILE *f, struct nu_train *t, const struct nu_arch *a, const char *arch_path,
    const struct nu_train_snap *snap, const char *output, const char *resume)
{
	enum nu_task task = nu_train_net(t)->task;
	int K = nu_task_nclasses(task);

	fprintf(f, "{\"type\": \"run\", \"version\": 1, \"arch\": ");
	json_str(f, arch_path);
	fprintf(f, ", \"task\": ");
	json_str(f, nu_task_name(task));
	fprintf(f, ", \"classes\": [");
	for (int i = 0; i < K; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, nu_task_class_name(task, i));
	}
	fprintf(f, "], \"epochs\": %d, \"train_events\": %llu, \"val_events\": %llu, "
	    "\"test_events\": %llu, \"parameters\": %zu, \"output\": ", snap->epochs,
	    (unsigned long long)snap->train_events, (unsigned long long)snap->val_events,
	    (unsigned long long)snap->test_events, snap->nparams);
	json_str(f, output);
	fprintf(f, ", \"where\": ");
	json_str(f, nu_train_where(t));
	fprintf(f, ", \"resume\": ");
	if (resume != NULL)
		json_str(f, resume);
	else
		fprintf(f, "null");
	fprintf(f, ", \"monitor\": ");
	json_str(f, snap->monitor != NULL ? snap->monitor : "val_loss");
	json_double(f, "min_delta", a->train >= 0 ?
	    nu_arch_float(&a->sec[a->train], "min_delta") : 0);
	fprintf(f, "}\n");
}

/* The log's last record: how the run ended (st and cause: the run's
 * status when it did not end well). */
static void
json_end(FILE *f, const struct nu_train_snap *snap, int epochs_done,
    enum nu_status st, const char *cause)
{
	fprintf(f, "{\"type\": \"end\", \"status\": \"%s\", \"epochs_done\": %d",
	    st != NU_OK || snap->state == NU_RUN_FAILED ? "failed" :
	    snap->state == NU_RUN_STOPPED ? "stopped" : "finished", epochs_done);
	if (snap->best_epoch >= 0 && isfinite(snap->best_value)) {
		fprintf(f, ", \"best_epoch\": %d", snap->best_epoch);
		json_double(f, "best_value", snap->best_value);
	} else {
		fprintf(f, ", \"best_epoch\": null, \"best_value\": null");
	}
	fprintf(f, ", \"message\": ");
	json_str(f, st != NU_OK ? (cause != NULL ? cause : nu_strerror(st)) : snap->message);
	fprintf(f, "}\n");
}

static void
print_epoch(FILE *f, const struct nu_epoch_rec *r, int epochs, bool classify)
{
	fprintf(f, "epoch %d/%d: loss %.4f, %s %.4f", r->epoch + 1, epochs, r->train_loss,
	    classify ? "accuracy" : "MAE", r->train_metric);
	if (r->val_events > 0) {
		fprintf(f, "; validation loss %.4f, %s %.4f", r->val_loss,
		    classify ? "accuracy" : "MAE", r->val_metric);
		if (isfinite(r->val_balanced_accuracy))
			fprintf(f, ", balanced %.4f, AUC %.4f", r->val_balanced_accuracy, r->val_auc);
	}
	fprintf(f, " (%.1f s)\n", r->seconds);
}

/* Flush the JSON log: 0, or the errno of a line that could not be written
 * (now or by an earlier implicit flush). */
static int
log_error(FILE *f)
{
	errno = 0;
	if (fflush(f) != 0)
		return errno ? errno : EIO;
	return ferror(f) ? EIO : 0;
}

static char *
default_output(const char *arch)
{
	const char *base = strrchr(arch, '/');
	size_t n;

	base = base ? base + 1 : arch;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".arch") == 0)
		n -= 5;
	return nu_asprintf("%.*s.h5", (int)n, base);
}

/* The run's first line: the network, the selection, the split, where the
 * model goes. */
static void
print_header(FILE *hdr, struct nu_train *t, const struct nu_train_snap *snap,
    const char *arch_path, const struct nu_train_opts *to, const char *output)
{
	fprintf(hdr, "training %s: %zu parameters; ", arch_path, snap->nparams);
	if (nu_train_where(t)[0] != '\0') {
		fprintf(hdr, "selected %llu of %llu events by '%s'%s",
		    (unsigned long long)snap->selected_events,
		    (unsigned long long)snap->dataset_events, nu_train_where(t),
		    to->resume != NULL && (to->where == NULL || to->where[0] == '\0') ?
		    " (the resumed model's)" : "");
		if (snap->task_events != snap->selected_events)
			fprintf(hdr, ", %llu of them of task %s",
			    (unsigned long long)snap->task_events,
			    nu_task_name(nu_train_net(t)->task));
		fprintf(hdr, "; ");
	}
	fprintf(hdr, "%llu training, %llu validation, %llu test events; %d epochs -> %s\n",
	    (unsigned long long)snap->train_events, (unsigned long long)snap->val_events,
	    (unsigned long long)snap->test_events, snap->epochs, output);
}

/* The --json-log records of a batch and of an epoch (the confusion
 * matrix of epoch index k). */
static void
json_batch(FILE *json, const struct nu_batch_rec *b)
{
	/* a non-finite loss is null, as JSON has no NaN */
	fprintf(json, "{\"type\": \"batch\", \"epoch\": %d, \"batch\": %d",
	    b->epoch, b->batch);
	json_float(json, "loss", b->loss, false);
	json_float(json, "metric", b->metric, false);
	json_float(json, "events_per_s", b->events_per_s, true);
	fprintf(json, "}\n");
}

static void
json_epoch(FILE *json, struct nu_train *t, const struct nu_epoch_rec *r, int k)
{
	fprintf(json, "{\"type\": \"epoch\", \"epoch\": %d", r->epoch);
	json_double(json, "lr", r->lr);
	json_double(json, "train_loss", r->train_loss);
	json_double(json, "train_metric", r->train_metric);
	json_double(json, "val_loss", r->val_loss);
	json_double(json, "val_metric", r->val_metric);
	json_double(json, "val_accuracy", r->val_accuracy);
	json_double(json, "val_balanced_accuracy", r->val_balanced_accuracy);
	json_double(json, "val_auc", r->val_auc);
	json_double(json, "seconds", r->seconds);
	/* where a step's time went, for bench/mpi-scaling and nuscope(1)'s
	 * scaling formula */
	fprintf(json, ", \"steps\": %d", r->steps);
	json_double(json, "step_compute_s", r->steps > 0 ? r->step_compute_s : NAN);
	json_double(json, "step_allreduce_s", r->steps > 0 ? r->step_allreduce_s : NAN);
	json_double(json, "step_read_s", r->steps > 0 ? r->step_read_s : NAN);
	json_confusion(json, t, k);
	fprintf(json, "}\n");
}

/* What the command shows of a run while it goes: the progress line, the
 * epochs, the --json-log records; Ctrl-C and a log that cannot be written
 * stop it. */
struct follow {
	struct nu_train *t;
	struct nu_train_snap snap;
	FILE *json, *hdr;
	const char *json_path;
	const char *output, *resume;    /* the model file; the one resumed */
	bool tty, quiet, stopping, json_failed;
	size_t seen_b;
	int seen_e;
};

/*
 * A signal to a process of an MPI run: mpirun passes on Ctrl-C and a
 * batch system's SIGTERM to every process, which then stop together and
 * save; but it also sends SIGTERM to the others when one process died,
 * and those wait for it in vain until mpirun kills them a second later.
 * Rank 0 cannot tell which: it says both, and what the model file holds
 * either way (mpirun's own lines name the process that ended).
 */
static void
mpi_stop_note(const struct follow *f)
{
	if (dist_rank() != 0)
		return;
	fprintf(stderr, "\nnuscope train: rank 0: %s from mpirun: stopping every process "
	    "at the next batch; if a process of the run has died, mpirun ends the "
	    "others and names it, and ", cli_interrupted == SIGINT ? "SIGINT" : "SIGTERM");
	if (f->seen_e > 0)
		fprintf(stderr, "%s keeps the last complete epoch (--resume %s)\n",
		    f->output, f->output);
	else
		fprintf(stderr, "no epoch of this run has ended: %s\n", f->resume != NULL ?
		    "the model it resumed is left as it was" : "no model is written");
	fflush(stderr);
}

/* Until the run has finished, stopped or failed. */
static void
follow_run(struct follow *f)
{
	int e;

	for (;;) {
		struct pollfd p = { .fd = nu_train_fd(f->t), .events = POLLIN };
		struct nu_batch_rec br[256];
		struct nu_epoch_rec er[8];
		size_t nb;
		int ne;
		bool classify = nu_task_nclasses(nu_train_net(f->t)->task) > 0;

		poll(&p, 1, 250);
		if (cli_interrupted && !f->stopping) {
			f->stopping = true;
			if (dist_active())
				mpi_stop_note(f);
			else
				fprintf(f->hdr, "\nstopping at the next batch (Ctrl-C)...\n");
			nu_train_stop(f->t);
		}
		nu_train_snapshot(f->t, &f->snap);
		while ((nb = nu_train_batches(f->t, f->seen_b, br, 256)) > 0) {
			for (size_t i = 0; f->json != NULL && i < nb; i++)
				json_batch(f->json, &br[i]);
			f->seen_b += nb;
			if (f->tty && !f->quiet && nb > 0)
				fprintf(stderr, "\r\033[Kepoch %d/%d  batch %d/%d  loss %.4f  %s %.4f"
				    "  %.0f events/s  ETA %.0f s", f->snap.epoch + 1, f->snap.epochs,
				    f->snap.batch, f->snap.nbatches, br[nb - 1].loss,
				    classify ? "acc" : "MAE", br[nb - 1].metric,
				    f->snap.events_per_s, f->snap.eta_s);
		}
		while ((ne = nu_train_epochs(f->t, f->seen_e, er, 8)) > 0) {
			for (int i = 0; i < ne; i++) {
				if (f->tty && !f->quiet)
					fprintf(stderr, "\r\033[K");
				print_epoch(stdout, &er[i], f->snap.epochs, classify);
				cli_flush_stdout();
				if (f->json != NULL)
					json_epoch(f->json, f->t, &er[i], f->seen_e + i);
			}
			f->seen_e += ne;
		}
		if (f->json != NULL && !f->json_failed && (e = log_error(f->json)) != 0) {
			/* the run goes on no further: a log with a hole would
			 * read as complete.  Stop as Ctrl-C does, which saves
			 * the model, after freeing what the log took */
			f->json_failed = true;
			fprintf(stderr, "%snuscope train: %s: cannot write the JSON log: %s; "
			    "stopping (the incomplete log is removed, the model is "
			    "saved if it can be)\n", f->tty && !f->quiet ? "\r\033[K" : "",
			    f->json_path, strerror(e));
			fclose(f->json);
			f->json = NULL;
			unlink(f->json_path);
			if (!f->stopping) {
				f->stopping = true;
				nu_train_stop(f->t);
			}
		}
		if (f->snap.state == NU_RUN_FINISHED || f->snap.state == NU_RUN_STOPPED ||
		    f->snap.state == NU_RUN_FAILED)
			break;
	}
}

/* A mistake in the --where expression is a usage error, found before the
 * files are opened; the run compiles it again.  False: said so. */
static bool
where_check(const char *where)
{
	struct nu_where *w = NULL;
	char *cause = NULL;

	if (where == NULL || where[0] == '\0')
		return true;
	if (nu_where_compile(&w, where, &cause) != NU_OK) {
		fprintf(stderr, "nuscope train: %s\n", cause);
		free(cause);
		return false;
	}
	nu_where_free(w);
	return true;
}

/*
 * The end of a run that joined cleanly: its message, the best epoch, where
 * the model is, and the JSON log closed (json, if not NULL, is closed
 * here; a log that could not be written is removed).  The exit status.
 */
static int
report_end(struct nu_train *t, const struct nu_train_snap *snap, FILE *hdr,
    FILE *json, const char *json_path, bool json_failed, const char *output)
{
	int rc, e;

	if (snap->message[0])
		fprintf(hdr, "%s\n", snap->message);
	if (snap->best_epoch >= 0) {
		struct nu_epoch_rec best;

		if (nu_train_epochs(t, snap->best_epoch, &best, 1) == 1) {
			printf("best epoch %d by %s (%.4f): ", best.epoch + 1, snap->monitor,
			    snap->best_value);
			print_epoch(stdout, &best, snap->epochs,
			    nu_task_nclasses(nu_train_net(t)->task) > 0);
		}
	}
	rc = json_failed ? 1 : snap->state == NU_RUN_STOPPED ? EXIT_INTERRUPTED : 0;
	if (snap->state != NU_RUN_STOPPED)
		printf("model written to %s\n", output);
	else if (json_failed)
		printf("model saved to %s at the stop (--resume continues it)\n", output);
	if (json != NULL) {
		e = log_error(json);
		if (fclose(json) != 0 && e == 0)
			e = errno ? errno : EIO;
		if (e != 0) {
			fprintf(stderr, "nuscope train: %s: cannot write the JSON log: %s "
			    "(removed)\n", json_path, strerror(e));
			unlink(json_path);
			rc = 1;
		}
	}
	return rc;
}

int
cmd_train(int argc, char **argv)
{
	struct train_args args = { 0 };
	struct nu_train_opts to = { 0 };
	struct nu_open_opts oo = { 0 };
	struct nu_arch *a = NULL;
	struct nu_dataset *ds = NULL;
	struct nu_train *t = NULL;
	struct nu_train_snap snap;
	char *cause = NULL, *output = NULL;
	const char *json_path = NULL;
	FILE *json = NULL, *hdr = stderr;
	bool quiet = false, tty = isatty(fileno(stderr));
	struct follow f = { 0 };
	int seen_e = 0, rc = 1;
	enum nu_status st;
	bool json_failed = false;

	if (!cli_opts_parse(&train_cmd, &args, argc, argv, &rc))
		return rc;
	rc = 1;
	/* 0 (not given) leaves the file's or the trainer's default */
	to.epochs = args.epochs;
	to.resume = args.resume;
	to.where = args.where;
	to.threads = args.threads;
	to.micro = args.micro;
	to.memory_limit = (size_t)args.memory << 20;
	json_path = args.json_log;
	oo.skip_bad = args.skip_bad;
	quiet = args.quiet;
	if (args.output != NULL && (output = strdup(args.output)) == NULL) {
		cli_error("train", NU_ERR_NOMEM, NULL);
		return 1;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "nuscope train: expected an architecture file and data files\n");
		cli_opts_help(stderr, &train_cmd);
		goto usage;
	}
	if (!where_check(to.where)) {
		free(output);
		return EXIT_USAGE;
	}
	if ((st = nu_arch_load(&a, argv[optind], &cause)) != NU_OK) {
		fprintf(stderr, "nuscope train: %s\n", cause);
		goto out;
	}
	if (output == NULL && (output = default_output(argv[optind])) == NULL)
		goto out;
	to.output = output;
	/* a path that cannot be written is found now, not after an epoch */
	if ((st = nu_check_writable(output, &cause)) != NU_OK ||
	    (json_path != NULL && (st = nu_check_writable(json_path, &cause)) != NU_OK)) {
		cli_error("train", st, cause);
		goto out;
	}
	st = nu_dataset_open(&ds, (const char *const *)argv + optind + 1,
	    (size_t)(argc - optind - 1), &oo, &cause);
	/* under MPI: a process that cannot open its files stops them all */
	if ((st = dist_agree(st, &cause)) != NU_OK) {
		cli_error("train", st, cause);
		goto out;
	}
	if (dist_rank() != 0)
		json_path = NULL;       /* rank 0 alone writes the log */
	if (json_path != NULL && (json = fopen(json_path, "w")) == NULL) {
		fprintf(stderr, "nuscope train: %s: %s\n", json_path, strerror(errno));
		goto out;
	}
	if ((st = nu_train_new(&t, a, ds, &to, &cause)) != NU_OK) {
		cli_error("train", st, cause);
		goto out;
	}
	nu_train_snapshot(t, &snap);
	if (dist_rank() != 0) {
		/* rank 0 speaks for an MPI run; the others' stdout is
		 * /dev/null (main.c) */
		quiet = true;
		tty = false;
		hdr = stdout;
	}
	print_header(hdr, t, &snap, argv[optind], &to, output);

	if (json != NULL)
		json_run(json, t, a, argv[optind], &snap, output, to.resume);

	cli_interrupt_catch();
	if ((st = nu_train_start(t, &cause)) != NU_OK) {
		if (json != NULL)
			json_end(json, &snap, 0, st, cause);
		cli_error("train", st, cause);
		cli_interrupt_restore();
		goto out;
	}
	f.t = t;
	f.snap = snap;
	f.json = json;
	f.json_path = json_path;
	f.output = output;
	f.resume = to.resume;
	f.hdr = hdr;
	f.tty = tty;
	f.quiet = quiet;
	follow_run(&f);
	json = f.json;          /* NULL when it could not be written */
	json_failed = f.json_failed;
	seen_e = f.seen_e;
	cli_interrupt_restore();
	if (tty && !quiet)
		fprintf(stderr, "\r\033[K");
	st = nu_train_join(t, &cause);
	nu_train_snapshot(t, &snap);
	if (json != NULL)
		json_end(json, &snap, seen_e, st, cause);
	if (st != NU_OK) {
		cli_error("train", st, cause);
		goto out;
	}
	rc = report_end(t, &snap, hdr, json, json_path, json_failed, output);
	json = NULL;            /* report_end closed it */
out:
	if (json != NULL)
		fclose(json);
	nu_train_free(t);
	nu_dataset_free(ds);
	nu_arch_free(a);
	free(cause);
	free(output);
	return rc;
usage:
	free(output);
	return EXIT_USAGE;
}
