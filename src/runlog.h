/*
 * runlog.h: following a training run through its JSON log (`nuscope train
 * --json-log FILE`, nuscope(1)) as the file grows: the run started
 * elsewhere (a batch job, MPI or not) is watched, never steered.
 *
 * nu_runlog_poll() reads what was appended since the last call, keeps an
 * incomplete last line for the next one, and turns the records into the
 * structures the Training screen draws for a run of its own (struct
 * nu_train_snap, struct nu_epoch_rec, struct nu_batch_rec), so the drawing
 * is shared.  A log that was removed or truncated (the run failed or was
 * started again) is noticed and said; a restarted log is read again from
 * its beginning.
 *
 * Limits, checked while reading: lines of at most NU_RUNLOG_MAXLINE bytes,
 * at most NU_RUNLOG_MAXEPOCHS epoch records; batch records are thinned
 * (every other one dropped, and from then on every 2nd, 4th... kept) past
 * NU_RUNLOG_MAXBATCHES, which a curve a screen wide never misses.
 */
#ifndef NU_RUNLOG_H
#define NU_RUNLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "epoch.h"
#include "labels.h"
#include "nu.h"
#include "train.h"

#define NU_RUNLOG_MAXLINE (1 << 20)
#define NU_RUNLOG_MAXEPOCHS 100000
#define NU_RUNLOG_MAXBATCHES 200000

/* The log's "run" record: what labels the screen.  Strings are "" and
 * numbers 0 when the log has no run record (one written before it
 * existed). */
struct nu_runlog_run {
	bool have;
	char arch[1024];        /* the architecture file's path */
	char output[1024];      /* the model file the run writes */
	char where[1024];       /* the selection ("" = every event) */
	char resume[1024];      /* the model file resumed ("" = none) */
	char task[32];
	int nclasses;           /* 0: a regression */
	char classes[NU_MAXCLASSES][32];
	int epochs;
	uint64_t train_events, val_events, test_events;
	uint64_t parameters;
	char monitor[32];       /* "val_loss"... (nu_train_monitored) */
	double min_delta;
};

/* What a poll found (flags). */
enum {
	NU_RUNLOG_NEWS = 1 << 0,        /* records were read */
	NU_RUNLOG_RESTARTED = 1 << 1,   /* the log was truncated or replaced:
	                                 * everything read before is forgotten */
	NU_RUNLOG_REMOVED = 1 << 2,     /* the log is gone (what was read stays) */
	NU_RUNLOG_ENDED = 1 << 3,       /* the "end" record arrived */
};

struct nu_runlog;

/* Start following the log at path (copied); it must exist.  Nothing is
 * read until the first poll. */
enum nu_status nu_runlog_open(struct nu_runlog **out, const char *path, char **cause);
void nu_runlog_free(struct nu_runlog *r);      /* NULL is a no-op */

/*
 * Read what was appended; *what receives NU_RUNLOG_* flags.  A malformed
 * line, a line over the limit or too many epochs is NU_ERR_FORMAT or
 * NU_ERR_RANGE with a cause naming the file and line; the reader then
 * stops there (later polls return the same error) and keeps what was read
 * before it.
 */
enum nu_status nu_runlog_poll(struct nu_runlog *r, unsigned *what, char **cause);

/* The path followed (borrowed). */
const char *nu_runlog_path(const struct nu_runlog *r);
/* The run record (borrowed; ->have false before one is read). */
const struct nu_runlog_run *nu_runlog_run(const struct nu_runlog *r);
/* Whether the log is removed now. */
bool nu_runlog_removed(const struct nu_runlog *r);

/*
 * The progress as a run of the Training screen's own would report it:
 * state (RUNNING until the end record, then FINISHED, STOPPED or FAILED),
 * the epoch and batch of the latest batch record, nbatches as the first
 * epoch had, events/s, elapsed time (the epochs' seconds), an ETA from
 * them, the best epoch by the run record's monitor (the end record's when
 * it has one), the counts of the run record, the latest confusion matrix
 * and, in message, the end record's message.
 */
void nu_runlog_snapshot(const struct nu_runlog *r, struct nu_train_snap *s);

/* The epoch records read (borrowed until the next poll) and their number. */
const struct nu_epoch_rec *nu_runlog_epochs(const struct nu_runlog *r, int *n);
/* The batch records kept (thinned past NU_RUNLOG_MAXBATCHES; borrowed
 * until the next poll). */
const struct nu_batch_rec *nu_runlog_batches(const struct nu_runlog *r, size_t *n);

/* The class names of the latest confusion matrix (the run record's before
 * one; borrowed): name of class i, or "?" past them. */
const char *nu_runlog_class_name(const struct nu_runlog *r, int i);

#endif
