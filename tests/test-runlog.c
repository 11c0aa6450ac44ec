/*
 * test-runlog.c: following a --json-log as it grows (runlog.h): records
 * written piece by piece, a line split across two reads, malformed lines
 * named by file and line, a truncated, rewritten and removed log, and the
 * limits.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runlog.h"
#include "testhelp.h"

static char path[600];

static void
append(const char *text)
{
	FILE *f = fopen(path, "a");

	REQUIRE(f != NULL, "open %s", path);
	fputs(text, f);
	REQUIRE(fclose(f) == 0, "write %s", path);
}

static void
rewrite(const char *text)
{
	FILE *f = fopen(path, "w");

	REQUIRE(f != NULL, "open %s", path);
	fputs(text, f);
	REQUIRE(fclose(f) == 0, "write %s", path);
}

static const char run_rec[] =
    "{\"type\": \"run\", \"version\": 1, \"arch\": \"dir/t.arch\", \"task\": \"numu-cc\", "
    "\"classes\": [\"not numu CC\", \"numu CC\"], \"epochs\": 3, \"train_events\": 210, "
    "\"val_events\": 45, \"test_events\": 45, \"parameters\": 1234, "
    "\"output\": \"m.h5\", \"where\": \"\", \"resume\": null, "
    "\"monitor\": \"val_auc\", \"min_delta\": 0}\n";

static const char *
epoch_rec(char *buf, size_t len, int e, double auc)
{
	snprintf(buf, len, "{\"type\": \"epoch\", \"epoch\": %d, \"lr\": 0.01, "
	    "\"train_loss\": 0.6, \"train_metric\": 0.7, \"val_loss\": 0.5, "
	    "\"val_metric\": 0.75, \"val_accuracy\": 0.75, \"val_balanced_accuracy\": 0.7, "
	    "\"val_auc\": %g, \"seconds\": 2.5, \"confusion\": {\"classes\": "
	    "[\"not numu CC\", \"numu CC\"], \"counts\": [[20, %d], [5, 15]]}}\n", e, auc, 5 + e);
	return buf;
}

/* Poll once; the flags, or -1 on an error (its cause into *cause). */
static int
poll_once(struct nu_runlog *r, char **cause)
{
	unsigned what;

	free(*cause);
	*cause = NULL;
	if (nu_runlog_poll(r, &what, cause) != NU_OK)
		return -1;
	return (int)what;
}

/* A fresh log holding text; the error of reading it ("" when none). */
static void
read_bad(const char *text, const char *want, const char *what)
{
	struct nu_runlog *r = NULL;
	char *cause = NULL;
	int w;

	rewrite(text);
	REQUIRE(nu_runlog_open(&r, path, &cause) == NU_OK, "open");
	w = poll_once(r, &cause);
	CHECK(w == -1, "refused: %s", what);
	CHECK_STR_HAS(cause, want, "  saying %s", want);
	CHECK(poll_once(r, &cause) == -1, "  and again at the next poll");
	nu_runlog_free(r);
	free(cause);
}

int
main(void)
{
	char tmpl[] = "/tmp/nuscope-runlog-XXXXXX", *dir, buf[1024], want[700];
	struct nu_runlog *r = NULL;
	struct nu_train_snap s;
	const struct nu_epoch_rec *e;
	const struct nu_batch_rec *b;
	char *cause = NULL;
	size_t nb;
	int ne, w;

	if ((dir = mkdtemp(tmpl)) == NULL)
		TEST_SKIP_ALL("cannot make a temporary directory");
	snprintf(path, sizeof path, "%s/log.json", dir);

	CHECK(nu_runlog_open(&r, path, &cause) == NU_ERR_NOT_FOUND, "a missing log is refused");
	CHECK_STR_HAS(cause, path, "  naming it");
	free(cause);
	cause = NULL;

	/* ---- growing piece by piece ---- */
	rewrite("");
	REQUIRE(nu_runlog_open(&r, path, &cause) == NU_OK, "open an empty log");
	CHECK_EQ_INT(poll_once(r, &cause), 0, "an empty log: no news");
	nu_runlog_snapshot(r, &s);
	CHECK(s.state == NU_RUN_READY, "  and no run yet");
	append(run_rec);
	w = poll_once(r, &cause);
	CHECK(w == NU_RUNLOG_NEWS, "the run record is news");
	CHECK(nu_runlog_run(r)->have && strcmp(nu_runlog_run(r)->arch, "dir/t.arch") == 0 &&
	    nu_runlog_run(r)->nclasses == 2 && nu_runlog_run(r)->epochs == 3 &&
	    nu_runlog_run(r)->parameters == 1234 &&
	    strcmp(nu_runlog_run(r)->monitor, "val_auc") == 0, "  read in full");
	CHECK(strcmp(nu_runlog_class_name(r, 1), "numu CC") == 0 &&
	    strcmp(nu_runlog_class_name(r, 2), "?") == 0, "  its class names");
	append("{\"type\": \"batch\", \"epoch\": 0, \"batch\": 0, \"loss\": 0.7, "
	    "\"metric\": 0.5, \"events_per_s\": 1000.0}\n{\"type\": \"batch\", \"ep");
	w = poll_once(r, &cause);
	b = nu_runlog_batches(r, &nb);
	CHECK(w == NU_RUNLOG_NEWS && nb == 1 && fabsf(b[0].loss - 0.7f) < 1e-6f,
	    "one whole batch record; the half line waits");
	CHECK_EQ_INT(poll_once(r, &cause), 0, "  no news while it is incomplete");
	append("och\": 0, \"batch\": 1, \"loss\": 0.6, \"metric\": null, \"events_per_s\": 1100}\n");
	w = poll_once(r, &cause);
	b = nu_runlog_batches(r, &nb);
	CHECK(w == NU_RUNLOG_NEWS && nb == 2 && b[1].batch == 1 && isnan(b[1].metric),
	    "the line split across two reads is read whole (null is NaN)");
	nu_runlog_snapshot(r, &s);
	CHECK(s.state == NU_RUN_RUNNING && s.epoch == 0 && s.batch == 2 && s.nbatches == 2 &&
	    s.epochs == 3 && s.events_per_s == 1100 && s.nparams == 1234 && s.val_events == 45,
	    "the snapshot: running, epoch 1 batch 2, the run record's counts");
	append(epoch_rec(buf, sizeof buf, 0, 0.8));
	append(epoch_rec(buf, sizeof buf, 1, 0.9));
	append(epoch_rec(buf, sizeof buf, 2, 0.85));
	w = poll_once(r, &cause);
	e = nu_runlog_epochs(r, &ne);
	CHECK(w == NU_RUNLOG_NEWS && ne == 3 && e[2].epoch == 2 && e[1].val_auc == 0.9 &&
	    e[0].val_events == 45, "three epoch records");
	nu_runlog_snapshot(r, &s);
	CHECK(s.best_epoch == 1 && s.best_value == 0.9, "the best epoch by the run's monitor "
	    "(val_auc: the highest)");
	CHECK(s.confusion.epoch == 2 && s.confusion.nclasses == 2 &&
	    s.confusion.count[0][1] == 7 && s.confusion.count[1][1] == 15,
	    "the latest confusion matrix");
	CHECK_NEAR(s.elapsed_s, 7.5, 1e-9, "elapsed: the epochs' seconds");
	CHECK(s.state == NU_RUN_RUNNING, "  still running without an end record");
	append("{\"type\": \"end\", \"status\": \"finished\", \"epochs_done\": 3, "
	    "\"best_epoch\": 1, \"best_value\": 0.9, \"message\": \"done \\u00e9\"}\n");
	w = poll_once(r, &cause);
	nu_runlog_snapshot(r, &s);
	CHECK(w == (NU_RUNLOG_NEWS | NU_RUNLOG_ENDED) && s.state == NU_RUN_FINISHED &&
	    strcmp(s.message, "done \xc3\xa9") == 0, "the end record: finished, its message");

	/* a long message is cut, not refused */
	{
		char end[700];
		struct nu_runlog *r2 = NULL;

		rewrite("");
		REQUIRE(nu_runlog_open(&r2, path, &cause) == NU_OK, "open");
		snprintf(end, sizeof end, "{\"type\": \"end\", \"status\": \"failed\", "
		    "\"message\": \"%0500d\"}\n", 7);
		append(end);
		w = poll_once(r2, &cause);
		nu_runlog_snapshot(r2, &s);
		CHECK(w == (NU_RUNLOG_NEWS | NU_RUNLOG_ENDED) && s.state == NU_RUN_FAILED &&
		    strlen(s.message) == 255, "a failed run's long message is cut to fit");
		nu_runlog_free(r2);
	}

	/* ---- truncated, rewritten, removed ---- */
	rewrite(run_rec);
	w = poll_once(r, &cause);
	e = nu_runlog_epochs(r, &ne);
	nu_runlog_snapshot(r, &s);
	CHECK(w == (NU_RUNLOG_RESTARTED | NU_RUNLOG_NEWS) && ne == 0 &&
	    s.state == NU_RUN_READY, "a truncated log: restarted, read again from the start");
	append(epoch_rec(buf, sizeof buf, 0, 0.5));
	CHECK_EQ_INT(poll_once(r, &cause), NU_RUNLOG_NEWS, "  and followed on");
	/* as long again, other first bytes: rewritten in place */
	{
		char other[sizeof run_rec];

		snprintf(other, sizeof other, "%s", run_rec);
		memcpy(strstr(other, "dir/t"), "dir/u", 5);
		rewrite(other);
		append(epoch_rec(buf, sizeof buf, 0, 0.5));
	}
	w = poll_once(r, &cause);
	CHECK(w & NU_RUNLOG_RESTARTED, "a log rewritten to as long: restarted");
	CHECK(strcmp(nu_runlog_run(r)->arch, "dir/u.arch") == 0, "  the new run's record");
	REQUIRE(remove(path) == 0, "remove the log");
	w = poll_once(r, &cause);
	nu_runlog_snapshot(r, &s);
	e = nu_runlog_epochs(r, &ne);
	CHECK(w == NU_RUNLOG_REMOVED && nu_runlog_removed(r) && ne == 1,
	    "a removed log is said once; what was read stays");
	CHECK(s.state == NU_RUN_FAILED, "  the run shows as failed");
	CHECK_STR_HAS(s.message, "was removed", "  with a message");
	CHECK_EQ_INT(poll_once(r, &cause), 0, "  said once");
	rewrite(run_rec);
	w = poll_once(r, &cause);
	CHECK(w == (NU_RUNLOG_RESTARTED | NU_RUNLOG_NEWS) && !nu_runlog_removed(r),
	    "a new log at the path: followed from its start");
	nu_runlog_free(r);
	r = NULL;

	/* ---- malformed lines: file:line and why ---- */
	snprintf(want, sizeof want, "%s:2: not a JSON record", path);
	read_bad("{\"type\": \"batch\", \"epoch\": 0, \"batch\": 0, \"loss\": 1, \"metric\": 1, "
	    "\"events_per_s\": 1}\n{\"type\": \"batch\", \"epoch\": 0, \"batch\": 1, \"loss\": nan}\n",
	    want, "nan is not JSON");
	snprintf(want, sizeof want, "%s:1: not a JSON record: text after", path);
	read_bad("{\"type\": \"end\", \"status\": \"stopped\"} x\n", want, "text after the record");
	read_bad("{\"type\": \"run\", \"type\": \"run\"}\n", "a key twice", "a key twice");
	read_bad("{\"type\": \"batch\", \"epoch\": 0.5, \"batch\": 0, \"loss\": 1, \"metric\": 1, "
	    "\"events_per_s\": 1}\n", "a \"batch\" record needs", "a fractional epoch");
	read_bad("[1, 2]\n", "an object with a \"type\"", "an array");
	read_bad("{\"type\": \"epoch\", \"epoch\": 0}\n", "an \"epoch\" record needs",
	    "an epoch record without its numbers");
	read_bad("{\"type\": \"end\", \"status\": \"exploded\"}\n", "\"status\" is",
	    "an unknown end status");
	read_bad("{\"type\": \"end\", \"status\": \"failed\"}\n{\"type\": \"end\", "
	    "\"status\": \"failed\"}\n", ":2: a record after the \"end\"", "a record after the end");
	read_bad("{\"type\": \"batch\"}\n{\"a\": [[[[[[[[[[1]]]]]]]]]]}\n", ":1:",
	    "the first bad line is the one named");
	read_bad("{\"type\": \"x\"}\n{\"a\": [[[[[[[[[[1]]]]]]]]]], \"type\": \"x\"}\n",
	    "nested too deep", "nesting");
	read_bad("{\"type\": \"x\", \"s\": \"\\ud800\"}\n", "surrogate", "a lone surrogate");
	read_bad("{\"type\": \"x\", \"n\": 01}\n", "not a JSON record", "a leading zero");
	read_bad("{\"type\": \"x\", \"n\": 1e999}\n", "out of range", "a number out of range");
	read_bad("{\"type\": \"run\", \"arch\": \"a\", \"task\": \"t\", \"classes\": [], "
	    "\"epochs\": 0, \"train_events\": 1, \"val_events\": 1, \"test_events\": 1, "
	    "\"parameters\": 1}\n", "\"epochs\"", "a run of 0 epochs");
	epoch_rec(buf, sizeof buf, 0, 0.5);
	memcpy(strstr(buf, "[[20"), "[[-1", 4);
	read_bad(buf, "\"confusion\" is neither", "a negative count in the matrix");
	{
		char two[2100];

		snprintf(two, sizeof two, "%s", epoch_rec(buf, sizeof buf, 4, 0.5));
		strcat(two, epoch_rec(buf, sizeof buf, 4, 0.5));
		read_bad(two, ":2: epoch 4 after epoch 4", "epochs that do not go up");
	}
	read_bad("{\"type\": \"future\", \"what\": [1, {\"x\": null}]}\n"
	    "{\"type\": \"end\", \"status\": \"stopped\", \"extra\": true}\n"
	    "not json\n", ":3:", "unknown types and members are passed over");

	/* ---- limits ---- */
	{
		size_t n = NU_RUNLOG_MAXLINE + 10;
		char *big = malloc(n + 2);
		FILE *f;

		REQUIRE(big != NULL, "memory");
		memset(big, ' ', n);
		memcpy(big, "{\"type\": \"x\"}", 13);
		big[n] = '\0';
		rewrite(big);
		REQUIRE(nu_runlog_open(&r, path, &cause) == NU_OK, "open");
		CHECK(poll_once(r, &cause) == -1, "a line over 1 MiB is refused before its end");
		CHECK_STR_HAS(cause, ":1: a line longer than 1048576 bytes", "  saying so");
		nu_runlog_free(r);
		r = NULL;
		/* exactly the limit is fine */
		big[NU_RUNLOG_MAXLINE] = '\n';
		big[NU_RUNLOG_MAXLINE + 1] = '\0';
		rewrite(big);
		REQUIRE(nu_runlog_open(&r, path, &cause) == NU_OK, "open");
		CHECK_EQ_INT(poll_once(r, &cause), NU_RUNLOG_NEWS, "a line of exactly 1 MiB is read");
		nu_runlog_free(r);
		r = NULL;
		free(big);

		/* 100,001 epochs: one too many */
		REQUIRE((f = fopen(path, "w")) != NULL, "open %s", path);
		for (int i = 0; i <= NU_RUNLOG_MAXEPOCHS; i++)
			fprintf(f, "{\"type\": \"epoch\", \"epoch\": %d, \"lr\": null, "
			    "\"train_loss\": 1, \"train_metric\": 1, \"val_loss\": null, "
			    "\"val_metric\": null, \"val_accuracy\": null, "
			    "\"val_balanced_accuracy\": null, \"val_auc\": null, "
			    "\"seconds\": 1, \"confusion\": null}\n", i);
		/* and many batches, which are thinned */
		REQUIRE(fclose(f) == 0, "write");
		REQUIRE(nu_runlog_open(&r, path, &cause) == NU_OK, "open");
		for (int i = 0; i < 200 && (w = poll_once(r, &cause)) >= 0; i++)
			;
		CHECK(w == -1, "100,001 epoch records are refused");
		snprintf(want, sizeof want, "%s:100001: more than 100000 epoch records", path);
		CHECK_STR_HAS(cause, want, "  at the line past the limit");
		e = nu_runlog_epochs(r, &ne);
		CHECK_EQ_INT(ne, NU_RUNLOG_MAXEPOCHS, "  the 100,000 before it are kept");
		nu_runlog_free(r);
		r = NULL;

		REQUIRE((f = fopen(path, "w")) != NULL, "open %s", path);
		for (int i = 0; i < 3 * NU_RUNLOG_MAXBATCHES; i++)
			fprintf(f, "{\"type\": \"batch\", \"epoch\": %d, \"batch\": %d, "
			    "\"loss\": %d, \"metric\": 0, \"events_per_s\": 1}\n",
			    i / 1000, i % 1000, i);
		REQUIRE(fclose(f) == 0, "write");
		REQUIRE(nu_runlog_open(&r, path, &cause) == NU_OK, "open");
		for (int i = 0; i < 200 && (w = poll_once(r, &cause)) > 0; i++)
			;
		b = nu_runlog_batches(r, &nb);
		nu_runlog_snapshot(r, &s);
		CHECK(w == 0 && nb <= NU_RUNLOG_MAXBATCHES && nb >= NU_RUNLOG_MAXBATCHES / 2 &&
		    s.step == 3 * NU_RUNLOG_MAXBATCHES, "600,000 batch records: at most 200,000 "
		    "kept (%zu), all counted", nb);
		{
			bool even = true;

			for (size_t i = 1; i < nb; i++)
				even = even && b[i].loss - b[i - 1].loss == b[1].loss - b[0].loss;
			CHECK(even && b[0].loss == 0, "  evenly spaced from the first (every %g)",
			    (double)(b[1].loss - b[0].loss));
		}
		CHECK(s.epoch == 599 && s.batch == 1000, "  the latest batch is known exactly");
		nu_runlog_free(r);
		r = NULL;
	}

	free(cause);
	test_remove_dir(dir);
	TEST_DONE();
}
