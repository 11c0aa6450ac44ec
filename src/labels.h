/*
 * labels.h: the meaning of the truth metadata in NOvA-format files.
 *
 * Names for the 16 interaction codes, their flavour groups and mode groups,
 * names for final-state topology codes, and the labels of the six tasks
 * physicists train on (see nuscope-data(5)), one event's or a whole
 * dataset's.
 */
#ifndef NU_LABELS_H
#define NU_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nu.h"

#define NU_NCODES 16            /* interaction codes 0..15 */

/* Flavour groups of interaction codes. */
enum nu_group {
	NU_GROUP_NUMU_CC, NU_GROUP_NUE_CC, NU_GROUP_NUTAU_CC, NU_GROUP_NC,
	NU_GROUP_COSMIC, NU_GROUP_OTHER,
	NU_NGROUPS
};

/* Interaction modes; cosmic and other codes have none (NU_MODE_NONE). */
enum nu_mode {
	NU_MODE_QE, NU_MODE_RES, NU_MODE_DIS, NU_MODE_CC_OTHER, NU_MODE_NC,
	NU_NMODES,
	NU_MODE_NONE = -1
};

/* The tasks of nuscope-data(5). */
enum nu_task {
	NU_TASK_NUMU_CC,        /* binary: 1 = numu CC (codes 0-3), 0 = rest  */
	NU_TASK_FLAVOUR,        /* binary on codes 0-7: 0 = numu CC, 1 = nue CC */
	NU_TASK_MODE,           /* 5 classes: QE RES DIS CC-other NC          */
	NU_TASK_ENERGY,         /* regression: E_nu in GeV                    */
	NU_TASK_Y,              /* regression: E_lep / E_nu, events E_nu > 0  */
	NU_TASK_CODE,           /* 16 classes: the raw interaction code       */
	NU_NTASKS
};

/* Static strings; for out-of-range input they return "unknown". */
const char *nu_code_name(uint32_t code);         /* "numu CC QE" */
const char *nu_code_name_utf8(uint32_t code);    /* "νμ CC QE" */
const char *nu_group_name(enum nu_group g);      /* "numu CC" */
const char *nu_group_name_utf8(enum nu_group g); /* "νμ CC" */
const char *nu_mode_name(enum nu_mode m);        /* "QE", "CC-other" */
const char *nu_task_name(enum nu_task t);        /* "numu-cc", "mode" ... */

/* Task from its name as nu_task_name spells it; -1 if unknown. */
int nu_task_from_name(const char *name);

/* Group of an interaction code; codes above 15 are NU_GROUP_OTHER. */
enum nu_group nu_code_group(uint32_t code);

/* Mode of an interaction code, or NU_MODE_NONE for 14, 15 and unknown. */
enum nu_mode nu_code_mode(uint32_t code);

/*
 * Final-state topology: code = 16*block + 4*min(tracks,3) + min(showers,3),
 * block 0 numu CC, 1 nue CC, 2 NC; 48 cosmic; 49 other.
 * Writes a name such as "NC, 3+ tracks, 2 showers" into buf (always
 * terminated); returns false for a code outside that enum, writing
 * "unknown (N)".
 */
bool nu_finalstate_name(uint32_t code, char *buf, size_t len);

/* Number of classes of a classification task, 0 for regression. */
int nu_task_nclasses(enum nu_task t);

/* Class names of a classification task (static), NULL for regression. */
const char *nu_task_class_name(enum nu_task t, int cls);

/*
 * Label of one event for a task.  Returns false when the event does not
 * belong to the task's sample (a nue event for flavour is fine, an NC event
 * is not; y needs E_nu > 0; mode excludes cosmic/other).  Classification
 * labels are class indices stored as floats.
 */
bool nu_task_label(enum nu_task t, uint32_t code, float nuenergy,
    float lepenergy, float *label);

struct nu_dataset;

/* The task's labels for every event of a dataset. */
struct nu_labels {
	enum nu_task task;
	uint64_t n;          /* events in the dataset */
	float *label;        /* [n]: class index or target value */
	uint8_t *used;       /* [n]: 1 when the event belongs to the task */
};

/* Read the columns a task needs and label every event (caller frees
 * with nu_labels_free). */
enum nu_status nu_labels_load(struct nu_dataset *ds, enum nu_task task,
    struct nu_labels *out, char **cause);
void nu_labels_free(struct nu_labels *l);

#endif
