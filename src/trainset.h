/*
 * trainset.h: which events a model was trained and validated on.
 *
 * A model file records, for every file it was trained on, the file's
 * content fingerprint and the part (training, validation, test, none) each
 * of its events went to (nuscope-model(5), /trainset).  Evaluation and
 * scoring look the files they are given up by fingerprint, so a training
 * file is recognised under another name or in another directory, and leave
 * out the events the model has seen: numbers on them would flatter it.
 *
 * The fingerprint is FNV-1a (64 bits) over the event count, every event's
 * interaction code, E_nu and E_lep (as little-endian uint32 and float32
 * bits) and the pixel maps of the first and last events.  It identifies a
 * file's events, not its bytes: the same events rewritten with another
 * chunking or compression keep it; a file cut or merged from training files
 * does not.
 */
#ifndef NU_TRAINSET_H
#define NU_TRAINSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "nu.h"
#include "split.h"

/* Sanity limits for what a model file may declare (checked on load): a
 * file's events at most what a data file may hold, and a file's parts
 * stored in at least 1/1100 of their bytes (deflate never packs more
 * than about 1032 to 1), so the memory a model asks for is bounded by its
 * own size. */
#define NU_TRAINSET_MAXFILES 100000
#define NU_TRAINSET_MAXEVENTS ((uint64_t)NU_FILE_MAXEVENTS)
#define NU_TRAINSET_MAXPACK 1100

struct nu_trainset_file {
	char *path;             /* as the training run was given it (owned) */
	uint64_t nevents;
	uint64_t fingerprint;
	uint8_t *part;          /* [nevents]: enum nu_seen codes (owned) */
};

struct nu_trainset {
	char split[16];         /* "random", "stratified", "sequential", "files" */
	double fractions[3];    /* training, validation, test */
	char balance[16];       /* "none", "undersample", ... */
	uint64_t seed;
	char *where;            /* the --where text, "" for every event (owned) */
	size_t nfiles;
	struct nu_trainset_file *file;  /* [nfiles] (owned) */
};

/* The fingerprint of file i of ds. */
enum nu_status nu_trainset_fingerprint(struct nu_dataset *ds, size_t i,
    uint64_t *out, char **cause);

/*
 * Record a split of ds (part: [nu_dataset_nevents(ds)] enum nu_seen codes,
 * as nu_split.part holds them) with the choices that made it; strings are
 * copied.  Caller frees with nu_trainset_free.
 */
enum nu_status nu_trainset_make(struct nu_dataset *ds, const uint8_t *part,
    const char *split, const double *fractions, const char *balance,
    uint64_t seed, const char *where, struct nu_trainset **out, char **cause);
void nu_trainset_free(struct nu_trainset *ts);

/* An empty record (no file yet) to fill by hand, as a model loader does:
 * where = "" (caller frees with nu_trainset_free). */
struct nu_trainset *nu_trainset_new(void);

/* What nu_trainset_mark found. */
struct nu_trainset_match {
	size_t files;           /* files of ds recognised as training files */
	uint64_t train, val;    /* their events in the training and validation
	                         * parts */
};

/*
 * For every event of ds, the part it went to in the recorded run (seen:
 * [nu_dataset_nevents(ds)], NU_SEEN_NONE for events of files the run did
 * not use).  Files are matched by event count and fingerprint.
 */
enum nu_status nu_trainset_mark(const struct nu_trainset *ts, struct nu_dataset *ds,
    uint8_t *seen, struct nu_trainset_match *match, char **cause);

/* What a scoring of some files did with the events a model has seen. */
struct nu_seen_counts {
	bool known;             /* the model records its training events */
	bool include;           /* they were scored (--include-training) */
	uint64_t excluded_train, excluded_val;  /* left out */
	uint64_t included_train, included_val;  /* scored anyway */
};

/*
 * The counts in words for the first line of a report, into buf:
 * "left out the 6,205 events the model was trained (4,964) or validated
 * (1,241) on", "including 6,205 events ...: the numbers are biased", a note
 * for a model that records none, or "" when there is nothing to say.
 */
const char *nu_seen_describe(const struct nu_seen_counts *c, char *buf, size_t len);

#endif
