/*
 * trainset.c: recording a training run's split by file fingerprint, and
 * finding its events again in the files an evaluation is given.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainset.h"

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)
#define BLOCK 65536

static uint64_t
fnv_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* v as `bytes` little-endian bytes, whatever the machine's order. */
static uint64_t
fnv_le(uint64_t h, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		h ^= (uint8_t)(v >> (8 * i));
		h *= FNV_PRIME;
	}
	return h;
}

static uint32_t
f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	return u;
}

enum nu_status
nu_trainset_fingerprint(struct nu_dataset *ds, size_t i, uint64_t *out, char **cause)
{
	const struct nu_fileinfo *fi = nu_dataset_file(ds, i);
	uint32_t *code = malloc(BLOCK * sizeof(*code));
	float *enu = malloc(BLOCK * sizeof(*enu)), *elep = malloc(BLOCK * sizeof(*elep));
	uint8_t *map = malloc(NU_MAP_BYTES);
	uint64_t h = fnv_bytes(FNV_OFFSET, (const uint8_t *)"nuscope-fp1", 11);
	enum nu_status st = NU_OK;

	if (code == NULL || enu == NULL || elep == NULL || map == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto out;
	}
	h = fnv_le(h, fi->nevents, 8);
	for (uint64_t at = 0; at < fi->nevents && st == NU_OK; at += BLOCK) {
		size_t n = fi->nevents - at < BLOCK ? (size_t)(fi->nevents - at) : BLOCK;
		uint64_t first = fi->first + at;

		if ((st = nu_dataset_read_column(ds, NU_COL_INTERACTION, first, n,
		    NU_CT_U32, code, cause)) != NU_OK ||
		    (st = nu_dataset_read_column(ds, NU_COL_NUENERGY, first, n,
		    NU_CT_F32, enu, cause)) != NU_OK ||
		    (st = nu_dataset_read_column(ds, NU_COL_LEPENERGY, first, n,
		    NU_CT_F32, elep, cause)) != NU_OK)
			break;
		for (size_t k = 0; k < n; k++) {
			h = fnv_le(h, code[k], 4);
			h = fnv_le(h, f32_bits(enu[k]), 4);
			h = fnv_le(h, f32_bits(elep[k]), 4);
		}
	}
	if (st == NU_OK && fi->nevents > 0) {
		uint64_t ends[2] = { fi->first, fi->first + fi->nevents - 1 };

		for (int k = 0; k < 2 && st == NU_OK; k++) {
			if ((st = nu_dataset_read_maps(ds, ends[k], 1, map, cause)) == NU_OK)
				h = fnv_bytes(h, map, NU_MAP_BYTES);
		}
	}
	*out = h;
out:
	free(code);
	free(enu);
	free(elep);
	free(map);
	return st;
}

struct nu_trainset *
nu_trainset_new(void)
{
	struct nu_trainset *ts = calloc(1, sizeof(*ts));

	if (ts != NULL && (ts->where = strdup("")) == NULL) {
		free(ts);
		return NULL;
	}
	return ts;
}

void
nu_trainset_free(struct nu_trainset *ts)
{
	if (ts == NULL)
		return;
	for (size_t i = 0; i < ts->nfiles; i++) {
		free(ts->file[i].path);
		free(ts->file[i].part);
	}
	free(ts->file);
	free(ts->where);
	free(ts);
}

enum nu_status
nu_trainset_make(struct nu_dataset *ds, const uint8_t *part, const char *split,
    const double *fractions, const char *balance, uint64_t seed, const char *where,
    struct nu_trainset **out, char **cause)
{
	struct nu_trainset *ts = nu_trainset_new();
	size_t nf = nu_dataset_nfiles(ds);
	enum nu_status st = NU_OK;

	*out = NULL;
	if (ts == NULL || (ts->file = calloc(nf ? nf : 1, sizeof(*ts->file))) == NULL) {
		nu_trainset_free(ts);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	snprintf(ts->split, sizeof ts->split, "%s", split);
	snprintf(ts->balance, sizeof ts->balance, "%s", balance);
	memcpy(ts->fractions, fractions, sizeof ts->fractions);
	ts->seed = seed;
	free(ts->where);
	if ((ts->where = strdup(where != NULL ? where : "")) == NULL) {
		nu_trainset_free(ts);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < nf && st == NU_OK; i++) {
		const struct nu_fileinfo *fi = nu_dataset_file(ds, i);
		struct nu_trainset_file *f = &ts->file[i];

		ts->nfiles = i + 1;
		f->nevents = fi->nevents;
		f->path = strdup(fi->path);
		f->part = malloc(fi->nevents ? fi->nevents : 1);
		if (f->path == NULL || f->part == NULL) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
			break;
		}
		memcpy(f->part, part + fi->first, fi->nevents);
		st = nu_trainset_fingerprint(ds, i, &f->fingerprint, cause);
	}
	if (st != NU_OK) {
		nu_trainset_free(ts);
		return st;
	}
	*out = ts;
	return NU_OK;
}

enum nu_status
nu_trainset_mark(const struct nu_trainset *ts, struct nu_dataset *ds, uint8_t *seen,
    struct nu_trainset_match *match, char **cause)
{
	enum nu_status st = NU_OK;

	memset(match, 0, sizeof(*match));
	memset(seen, NU_SEEN_NONE, nu_dataset_nevents(ds));
	for (size_t i = 0; i < nu_dataset_nfiles(ds) && st == NU_OK; i++) {
		const struct nu_fileinfo *fi = nu_dataset_file(ds, i);
		const struct nu_trainset_file *hit = NULL;
		uint64_t fp;
		bool candidate = false;

		/* fingerprint only files whose size could match */
		for (size_t k = 0; k < ts->nfiles && !candidate; k++)
			candidate = ts->file[k].nevents == fi->nevents;
		if (!candidate)
			continue;
		if ((st = nu_trainset_fingerprint(ds, i, &fp, cause)) != NU_OK)
			break;
		for (size_t k = 0; k < ts->nfiles && hit == NULL; k++)
			if (ts->file[k].nevents == fi->nevents && ts->file[k].fingerprint == fp)
				hit = &ts->file[k];
		if (hit == NULL)
			continue;
		match->files++;
		memcpy(seen + fi->first, hit->part, fi->nevents);
		for (uint64_t e = 0; e < fi->nevents; e++) {
			match->train += hit->part[e] == NU_SEEN_TRAIN;
			match->val += hit->part[e] == NU_SEEN_VAL;
		}
	}
	return st;
}

const char *
nu_seen_describe(const struct nu_seen_counts *c, char *buf, size_t len)
{
	uint64_t tr = c->include ? c->included_train : c->excluded_train;
	uint64_t va = c->include ? c->included_val : c->excluded_val;
	char a[32], b[32], t[32];

	if (!c->known)
		snprintf(buf, len, "the model file does not record the events it was "
		    "trained on (written by an older nuscope, or imported from Keras): any of "
		    "them here is scored");
	else if (tr + va == 0)
		snprintf(buf, len, "%s", "");
	else if (c->include)
		snprintf(buf, len, "including %s events the model was trained (%s) or "
		    "validated (%s) on: the numbers are biased",
		    nu_grouped(tr + va, t, sizeof t), nu_grouped(tr, a, sizeof a),
		    nu_grouped(va, b, sizeof b));
	else
		snprintf(buf, len, "left out the %s events the model was trained (%s) or "
		    "validated (%s) on", nu_grouped(tr + va, t, sizeof t),
		    nu_grouped(tr, a, sizeof a), nu_grouped(va, b, sizeof b));
	return buf;
}
