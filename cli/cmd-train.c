/*
 * cmd-train.c: `nuscope train`: train a network from the command line.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
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

static const char train_help[] =
    "usage: nuscope train [OPTIONS] ARCH FILE|DIR|GLOB...\n"
    "\n"
    "Train the network of architecture file ARCH (nuscope-arch(5)) on the\n"
    "events of the files, as its [train] section says, and write the model\n"
    "(nuscope-model(5)) after every epoch.  Ctrl-C stops at the next batch\n"
    "and saves a checkpoint that --resume continues exactly.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE   model file (default: ARCH's name with .h5)\n"
    "  --epochs N          train N epochs instead of the file's number\n"
    "  --resume FILE       continue the run saved in FILE (and its --where)\n"
    "  --where EXPR        train only on the events EXPR selects (see nuscope(1));\n"
    "                      the model records it\n"
    "  --threads N         compute threads (default 2)\n"
    "  --micro N           events per thread pass (default 16)\n"
    "  --memory MB         pixels held in memory before streaming (default 4096)\n"
    "  --json-log FILE     one JSON record per batch and per epoch\n"
    "  --skip-bad          leave out unreadable files\n"
    "  -q, --quiet         no progress, only the epoch lines and the result\n"
    "  -h, --help          this text\n";

static long
parse_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi) {
		fprintf(stderr, "nuscope train: %s expects a whole number from %ld to %ld, "
		    "not '%s'\n", opt, lo, hi, s);
		return -1;
	}
	return n;
}

static void
json_double(FILE *f, const char *key, double v)
{
	if (isfinite(v))
		fprintf(f, ", \"%s\": %.9g", key, v);
	else
		fprintf(f, ", \"%s\": null", key);
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

int
cmd_train(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "epochs", required_argument, NULL, 'e' },
		{ "resume", required_argument, NULL, 'r' },
		{ "where", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "micro", required_argument, NULL, 'm' },
		{ "memory", required_argument, NULL, 'M' },
		{ "json-log", required_argument, NULL, 'j' },
		{ "skip-bad", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nu_train_opts to = { 0 };
	struct nu_open_opts oo = { 0 };
	struct arch *a = NULL;
	struct nu_dataset *ds = NULL;
	struct nu_train *t = NULL;
	struct nu_train_snap snap;
	char *cause = NULL, *output = NULL;
	const char *json_path = NULL;
	FILE *json = NULL, *hdr = stderr;
	bool quiet = false, tty = isatty(fileno(stderr));
	size_t seen_b = 0;
	int seen_e = 0, opt, rc = 1;
	long v;
	enum nu_status st;
	bool stopping = false, json_failed = false;
	int e;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': free(output); output = strdup(optarg); break;
		case 'e':
			if ((v = parse_num("--epochs", optarg, 1, 100000)) < 0)
				goto usage;
			to.epochs = (int)v;
			break;
		case 'r': to.resume = optarg; break;
		case 'w': to.where = optarg; break;
		case 't':
			if ((v = parse_num("--threads", optarg, 1, 16)) < 0)
				goto usage;
			to.threads = (int)v;
			break;
		case 'm':
			if ((v = parse_num("--micro", optarg, 1, 4096)) < 0)
				goto usage;
			to.micro = (int)v;
			break;
		case 'M':
			if ((v = parse_num("--memory", optarg, 1, 1 << 22)) < 0)
				goto usage;
			to.memory_limit = (size_t)v << 20;
			break;
		case 'j': json_path = optarg; break;
		case 's': oo.skip_bad = true; break;
		case 'q': quiet = true; break;
		case 'h':
			fputs(train_help, stdout);
			free(output);
			return 0;
		default:
			fprintf(stderr, "nuscope train: unknown option '%s'\n%s",
			    argv[optind - 1], train_help);
			goto usage;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "nuscope train: expected an architecture file and data files\n%s",
		    train_help);
		goto usage;
	}
	if (to.where != NULL && to.where[0] != '\0') {
		/* a mistake in the expression is a usage error, found before
		 * the files are opened; the run compiles it again */
		struct nu_where *w = NULL;

		if (nu_where_compile(&w, to.where, &cause) != NU_OK) {
			fprintf(stderr, "nuscope train: %s\n", cause);
			free(cause);
			free(output);
			return EXIT_USAGE;
		}
		nu_where_free(w);
	}
	if ((st = arch_load(&a, argv[optind], &cause)) != NU_OK) {
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
	fprintf(hdr, "training %s: %zu parameters; ", argv[optind], snap.nparams);
	if (nu_train_where(t)[0] != '\0') {
		fprintf(hdr, "selected %llu of %llu events by '%s'%s",
		    (unsigned long long)snap.selected_events,
		    (unsigned long long)snap.dataset_events, nu_train_where(t),
		    to.resume != NULL && (to.where == NULL || to.where[0] == '\0') ?
		    " (the resumed model's)" : "");
		if (snap.task_events != snap.selected_events)
			fprintf(hdr, ", %llu of them of task %s",
			    (unsigned long long)snap.task_events,
			    nu_task_name(nu_train_net(t)->task));
		fprintf(hdr, "; ");
	}
	fprintf(hdr, "%llu training, %llu validation, %llu test events; %d epochs -> %s\n",
	    (unsigned long long)snap.train_events, (unsigned long long)snap.val_events,
	    (unsigned long long)snap.test_events, snap.epochs, output);

	cli_interrupt_catch();
	if ((st = nu_train_start(t, &cause)) != NU_OK) {
		cli_error("train", st, cause);
		cli_interrupt_restore();
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = nu_train_fd(t), .events = POLLIN };
		struct nu_batch_rec br[256];
		struct nu_epoch_rec er[8];
		size_t nb;
		int ne;
		bool classify = nu_task_nclasses(nu_train_net(t)->task) > 0;

		poll(&p, 1, 250);
		if (cli_interrupted && !stopping) {
			stopping = true;
			fprintf(hdr, "\nstopping at the next batch (Ctrl-C)...\n");
			nu_train_stop(t);
		}
		nu_train_snapshot(t, &snap);
		while ((nb = nu_train_batches(t, seen_b, br, 256)) > 0) {
			for (size_t i = 0; json != NULL && i < nb; i++)
				fprintf(json, "{\"type\": \"batch\", \"epoch\": %d, \"batch\": %d, "
				    "\"loss\": %.7g, \"metric\": %.7g, \"events_per_s\": %.1f}\n",
				    br[i].epoch, br[i].batch, br[i].loss, br[i].metric,
				    br[i].events_per_s);
			seen_b += nb;
			if (tty && !quiet && nb > 0)
				fprintf(stderr, "\r\033[Kepoch %d/%d  batch %d/%d  loss %.4f  %s %.4f"
				    "  %.0f events/s  ETA %.0f s", snap.epoch + 1, snap.epochs,
				    snap.batch, snap.nbatches, br[nb - 1].loss,
				    classify ? "acc" : "MAE", br[nb - 1].metric,
				    snap.events_per_s, snap.eta_s);
		}
		while ((ne = nu_train_epochs(t, seen_e, er, 8)) > 0) {
			for (int i = 0; i < ne; i++) {
				if (tty && !quiet)
					fprintf(stderr, "\r\033[K");
				print_epoch(stdout, &er[i], snap.epochs, classify);
				cli_flush_stdout();
				if (json != NULL) {
					fprintf(json, "{\"type\": \"epoch\", \"epoch\": %d", er[i].epoch);
					json_double(json, "lr", er[i].lr);
					json_double(json, "train_loss", er[i].train_loss);
					json_double(json, "train_metric", er[i].train_metric);
					json_double(json, "val_loss", er[i].val_loss);
					json_double(json, "val_metric", er[i].val_metric);
					json_double(json, "val_accuracy", er[i].val_accuracy);
					json_double(json, "val_balanced_accuracy",
					    er[i].val_balanced_accuracy);
					json_double(json, "val_auc", er[i].val_auc);
					json_double(json, "seconds", er[i].seconds);
					json_confusion(json, t, seen_e + i);
					fprintf(json, "}\n");
				}
			}
			seen_e += ne;
		}
		if (json != NULL && !json_failed && (e = log_error(json)) != 0) {
			/* the run goes on no further: a log with a hole would
			 * read as complete.  Stop as Ctrl-C does, which saves
			 * the model, after freeing what the log took */
			json_failed = true;
			fprintf(stderr, "%snuscope train: %s: cannot write the JSON log: %s; "
			    "stopping (the incomplete log is removed, the model is "
			    "saved if it can be)\n", tty && !quiet ? "\r\033[K" : "",
			    json_path, strerror(e));
			fclose(json);
			json = NULL;
			unlink(json_path);
			if (!stopping) {
				stopping = true;
				nu_train_stop(t);
			}
		}
		if (snap.state == NU_RUN_FINISHED || snap.state == NU_RUN_STOPPED ||
		    snap.state == NU_RUN_FAILED)
			break;
	}
	cli_interrupt_restore();
	if (tty && !quiet)
		fprintf(stderr, "\r\033[K");
	st = nu_train_join(t, &cause);
	nu_train_snapshot(t, &snap);
	if (st != NU_OK) {
		cli_error("train", st, cause);
		goto out;
	}
	if (snap.message[0])
		fprintf(hdr, "%s\n", snap.message);
	if (snap.best_epoch >= 0) {
		struct nu_epoch_rec best;

		if (nu_train_epochs(t, snap.best_epoch, &best, 1) == 1) {
			printf("best epoch %d by %s (%.4f): ", best.epoch + 1, snap.monitor,
			    snap.best_value);
			print_epoch(stdout, &best, snap.epochs,
			    nu_task_nclasses(nu_train_net(t)->task) > 0);
		}
	}
	rc = json_failed ? 1 : snap.state == NU_RUN_STOPPED ? EXIT_INTERRUPTED : 0;
	if (snap.state != NU_RUN_STOPPED)
		printf("model written to %s\n", output);
	else if (json_failed)
		printf("model saved to %s at the stop (--resume continues it)\n", output);
	if (json != NULL) {
		e = log_error(json);
		if (fclose(json) != 0 && e == 0)
			e = errno ? errno : EIO;
		json = NULL;
		if (e != 0) {
			fprintf(stderr, "nuscope train: %s: cannot write the JSON log: %s "
			    "(removed)\n", json_path, strerror(e));
			unlink(json_path);
			rc = 1;
		}
	}
out:
	if (json != NULL)
		fclose(json);
	nu_train_free(t);
	nu_dataset_free(ds);
	arch_free(a);
	free(cause);
	free(output);
	return rc;
usage:
	free(output);
	return EXIT_USAGE;
}
