/*
 * split.h: which events a task uses, and how they are divided into
 * training, validation and test sets and balanced between classes.
 */
#ifndef NU_SPLIT_H
#define NU_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "labels.h"

/* The [train] keys split and balance (arch.c's key table) take these
 * choices, in the enums' order: a parsed value's index is the enum. */
enum nu_split_kind { NU_SPLIT_RANDOM, NU_SPLIT_STRATIFIED, NU_SPLIT_SEQUENTIAL, NU_SPLIT_FILES };
#define NU_SPLIT_CHOICES "random|stratified|sequential|files"
enum nu_balance { NU_BALANCE_NONE, NU_BALANCE_UNDERSAMPLE, NU_BALANCE_OVERSAMPLE, NU_BALANCE_WEIGHTS };
#define NU_BALANCE_CHOICES "none|undersample|oversample|weights"
enum { NU_PART_TRAIN, NU_PART_VAL, NU_PART_TEST, NU_NPARTS };

#define NU_MAXCLASSES 16

/* Which part of a split an event went to (nu_split.part, and the part
 * arrays of model files: nuscope-model(5)). */
enum nu_seen { NU_SEEN_NONE = 0, NU_SEEN_TRAIN = 1, NU_SEEN_VAL = 2, NU_SEEN_TEST = 3 };

struct nu_split_opts {
	enum nu_task task;
	enum nu_split_kind kind;
	double fractions[NU_NPARTS];   /* random, stratified, sequential */
	const char *files[NU_NPARTS];  /* files: comma-separated globs per part,
	                                * matched against paths and base names */
	enum nu_balance balance;       /* applied to the training part */
	const double *class_weights;   /* explicit weights, or NULL */
	int nclass_weights;
	uint64_t seed;
};

struct nu_split {
	uint64_t *ev[NU_NPARTS];   /* global event indices, ascending (the
	                            * training part may repeat events when
	                            * oversampled) */
	size_t n[NU_NPARTS];
	int nclasses;              /* 0 for regression */
	uint64_t count[NU_NPARTS][NU_MAXCLASSES];  /* events per class */
	double weight[NU_MAXCLASSES];   /* loss weight per class (1 unless
	                                 * balance = weights) */
	uint8_t *part;             /* [events in the dataset]: NU_SEEN_* code of
	                            * each event's part as the split cut it,
	                            * before balancing (an event undersampling
	                            * leaves out is still a training event) */
};

/* Divide the used events.  Deterministic in opts->seed. */
enum nu_status nu_split_make(struct nu_dataset *ds, const struct nu_labels *l,
    const struct nu_split_opts *opts, struct nu_split *out, char **cause);
void nu_split_free(struct nu_split *s);

#endif
