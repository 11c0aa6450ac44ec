/*
 * labels.c: names and task labels for the interaction and final-state codes
 * of NOvA-format files.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include "dataset.h"
#include "labels.h"

static const char *const code_names[NU_NCODES] = {
	"numu CC QE", "numu CC RES", "numu CC DIS", "numu CC other",
	"nue CC QE", "nue CC RES", "nue CC DIS", "nue CC other",
	"nutau CC QE", "nutau CC RES", "nutau CC DIS", "nutau CC other",
	"NC nu-e elastic", "NC", "cosmic", "other",
};

static const char *const code_names_utf8[NU_NCODES] = {
	"νμ CC QE", "νμ CC RES", "νμ CC DIS", "νμ CC other",
	"νe CC QE", "νe CC RES", "νe CC DIS", "νe CC other",
	"ντ CC QE", "ντ CC RES", "ντ CC DIS", "ντ CC other",
	"NC ν-e elastic", "NC", "cosmic", "other",
};

static const char *const group_names[NU_NGROUPS] = {
	"numu CC", "nue CC", "nutau CC", "NC", "cosmic", "other",
};

static const char *const group_names_utf8[NU_NGROUPS] = {
	"νμ CC", "νe CC", "ντ CC", "NC", "cosmic", "other",
};

static const char *const mode_names[NU_NMODES] = {
	"QE", "RES", "DIS", "CC-other", "NC",
};

static const char *const task_names[NU_NTASKS] = {
	"numu-cc", "flavour", "mode", "energy", "y", "code",
};

static const char *const numu_classes[] = { "not numu CC", "numu CC" };
static const char *const flavour_classes[] = { "numu CC", "nue CC" };

const char *
nu_code_name(uint32_t code)
{
	return code < NU_NCODES ? code_names[code] : "unknown";
}

const char *
nu_code_name_utf8(uint32_t code)
{
	return code < NU_NCODES ? code_names_utf8[code] : "unknown";
}

const char *
nu_group_name(enum nu_group g)
{
	return (unsigned)g < NU_NGROUPS ? group_names[g] : "unknown";
}

const char *
nu_group_name_utf8(enum nu_group g)
{
	return (unsigned)g < NU_NGROUPS ? group_names_utf8[g] : "unknown";
}

const char *
nu_mode_name(enum nu_mode m)
{
	return m >= 0 && m < NU_NMODES ? mode_names[m] : "none";
}

const char *
nu_task_name(enum nu_task t)
{
	return (unsigned)t < NU_NTASKS ? task_names[t] : "unknown";
}

int
nu_task_from_name(const char *name)
{
	for (int t = 0; t < NU_NTASKS; t++)
		if (strcmp(name, task_names[t]) == 0)
			return t;
	return -1;
}

enum nu_group
nu_code_group(uint32_t code)
{
	if (code <= 3)
		return NU_GROUP_NUMU_CC;
	if (code <= 7)
		return NU_GROUP_NUE_CC;
	if (code <= 11)
		return NU_GROUP_NUTAU_CC;
	if (code <= 13)
		return NU_GROUP_NC;
	if (code == 14)
		return NU_GROUP_COSMIC;
	return NU_GROUP_OTHER;
}

enum nu_mode
nu_code_mode(uint32_t code)
{
	if (code <= 11)
		return (enum nu_mode)(code % 4);
	if (code <= 13)
		return NU_MODE_NC;
	return NU_MODE_NONE;
}

bool
nu_finalstate_name(uint32_t code, char *buf, size_t len)
{
	static const char *const blocks[] = { "numu CC", "nue CC", "NC" };
	unsigned tracks, showers;

	if (code == 48) {
		snprintf(buf, len, "cosmic");
		return true;
	}
	if (code == 49) {
		snprintf(buf, len, "other");
		return true;
	}
	if (code >= 48) {
		snprintf(buf, len, "unknown (%u)", (unsigned)code);
		return false;
	}
	tracks = (code % 16) / 4;
	showers = code % 4;
	snprintf(buf, len, "%s, %u%s track%s, %u%s shower%s", blocks[code / 16],
	    tracks, tracks == 3 ? "+" : "", tracks == 1 ? "" : "s",
	    showers, showers == 3 ? "+" : "", showers == 1 ? "" : "s");
	return true;
}

int
nu_task_nclasses(enum nu_task t)
{
	switch (t) {
	case NU_TASK_NUMU_CC:
	case NU_TASK_FLAVOUR:
		return 2;
	case NU_TASK_MODE:
		return NU_NMODES;
	case NU_TASK_CODE:
		return NU_NCODES;
	default:
		return 0;
	}
}

const char *
nu_task_class_name(enum nu_task t, int cls)
{
	if (cls < 0 || cls >= nu_task_nclasses(t))
		return NULL;
	switch (t) {
	case NU_TASK_NUMU_CC:
		return numu_classes[cls];
	case NU_TASK_FLAVOUR:
		return flavour_classes[cls];
	case NU_TASK_MODE:
		return mode_names[cls];
	case NU_TASK_CODE:
		return code_names[cls];
	default:
		return NULL;
	}
}

bool
nu_task_label(enum nu_task t, uint32_t code, float nuenergy, float lepenergy,
    float *label)
{
	enum nu_mode m;

	switch (t) {
	case NU_TASK_NUMU_CC:
		*label = code <= 3 ? 1.0f : 0.0f;
		return true;
	case NU_TASK_FLAVOUR:
		if (code > 7)
			return false;
		*label = code <= 3 ? 0.0f : 1.0f;
		return true;
	case NU_TASK_MODE:
		m = nu_code_mode(code);
		if (m == NU_MODE_NONE)
			return false;
		*label = (float)m;
		return true;
	case NU_TASK_ENERGY:
		/* a NaN or infinite target would turn every weight into NaN */
		if (!isfinite(nuenergy))
			return false;
		*label = nuenergy;
		return true;
	case NU_TASK_Y:
		if (!(nuenergy > 0.0f) || !isfinite(nuenergy) || !isfinite(lepenergy))
			return false;
		*label = lepenergy / nuenergy;
		return true;
	case NU_TASK_CODE:
		if (code >= NU_NCODES)
			return false;
		*label = (float)code;
		return true;
	default:
		return false;
	}
}

/* ---- the labels of a dataset ---------------------------------------- */

#define BLOCK 65536

void
nu_labels_free(struct nu_labels *l)
{
	if (l == NULL)
		return;
	free(l->label);
	free(l->used);
	l->label = NULL;
	l->used = NULL;
}

enum nu_status
nu_labels_load(struct nu_dataset *ds, enum nu_task task, struct nu_labels *out,
    char **cause)
{
	uint64_t n = nu_dataset_nevents(ds);
	uint32_t *code = malloc(BLOCK * sizeof(*code));
	float *nue = malloc(BLOCK * sizeof(*nue)), *lep = malloc(BLOCK * sizeof(*lep));
	enum nu_status st = NU_OK;

	memset(out, 0, sizeof(*out));
	out->task = task;
	out->n = n;
	out->label = malloc((n ? n : 1) * sizeof(float));
	out->used = malloc(n ? n : 1);
	if (code == NULL || nue == NULL || lep == NULL || out->label == NULL ||
	    out->used == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory labelling %llu events",
		    (unsigned long long)n);
		goto out;
	}
	for (uint64_t at = 0; at < n && st == NU_OK; at += BLOCK) {
		size_t k = n - at < BLOCK ? (size_t)(n - at) : BLOCK;

		st = nu_dataset_read_column(ds, NU_COL_INTERACTION, at, k, NU_CT_U32, code, cause);
		if (st == NU_OK)
			st = nu_dataset_read_column(ds, NU_COL_NUENERGY, at, k, NU_CT_F32, nue, cause);
		if (st == NU_OK)
			st = nu_dataset_read_column(ds, NU_COL_LEPENERGY, at, k, NU_CT_F32, lep, cause);
		for (size_t i = 0; i < k && st == NU_OK; i++) {
			out->label[at + i] = 0;
			out->used[at + i] = nu_task_label(task, code[i], nue[i], lep[i],
			    &out->label[at + i]);
		}
	}
out:
	free(code);
	free(nue);
	free(lep);
	if (st != NU_OK)
		nu_labels_free(out);
	return st;
}
