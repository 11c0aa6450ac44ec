/*
 * split.c: train/validation/test splits and class balancing.
 */
#include "config.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "split.h"

/* Streams of the seed used here (see rng.h). */
enum { STREAM_SPLIT = 1, STREAM_BALANCE = 2 };

void
nu_split_free(struct nu_split *s)
{
	if (s == NULL)
		return;
	for (int p = 0; p < NU_NPARTS; p++) {
		free(s->ev[p]);
		s->ev[p] = NULL;
		s->n[p] = 0;
	}
	free(s->part);
	s->part = NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
sort_events(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

/* True when path matches one of the comma-separated globs, either as a
 * whole or by its base name. */
static bool
matches(const char *globs, const char *path)
{
	const char *base = strrchr(path, '/');
	char pat[1024];

	base = base ? base + 1 : path;
	for (const char *p = globs; *p; ) {
		size_t n = strcspn(p, ",");
		const char *a = p, *e = p + n;

		while (a < e && (*a == ' ' || *a == '\t'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > a && (size_t)(e - a) < sizeof pat) {
			memcpy(pat, a, (size_t)(e - a));
			pat[e - a] = '\0';
			if (fnmatch(pat, path, 0) == 0 || fnmatch(pat, base, 0) == 0)
				return true;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

static int
class_of(const struct nu_labels *l, uint64_t ev, int nclasses)
{
	int c = (int)l->label[ev];

	return nclasses > 0 && c >= 0 && c < nclasses ? c : 0;
}

/* Cut `n` events (already in the order to cut) into the parts by fractions;
 * appends to out->ev (which have room). */
static void
cut(struct nu_split *out, const uint64_t *v, size_t n, const double *f)
{
	size_t a = (size_t)llround(f[0] * (double)n);
	size_t b = (size_t)llround((f[0] + f[1]) * (double)n);
	size_t c = (size_t)llround((f[0] + f[1] + f[2]) * (double)n);

	if (a > n) a = n;
	if (b > n) b = n;
	if (c > n) c = n;
	memcpy(out->ev[0] + out->n[0], v, a * sizeof(*v));
	out->n[0] += a;
	memcpy(out->ev[1] + out->n[1], v + a, (b - a) * sizeof(*v));
	out->n[1] += b - a;
	memcpy(out->ev[2] + out->n[2], v + b, (c - b) * sizeof(*v));
	out->n[2] += c - b;
}

static enum nu_status
balance_train(struct nu_split *s, const struct nu_labels *l,
    const struct nu_split_opts *o, char **cause)
{
	int K = s->nclasses;
	uint64_t *byclass[NU_MAXCLASSES] = { 0 };
	size_t nc[NU_MAXCLASSES] = { 0 }, target = 0, total = 0, w = 0;
	struct nu_rng rng;
	enum nu_status st = NU_OK;
	int present = 0;

	if (o->balance == NU_BALANCE_NONE || K == 0)
		return NU_OK;
	for (size_t i = 0; i < s->n[0]; i++)
		nc[class_of(l, s->ev[0][i], K)]++;
	for (int c = 0; c < K; c++)
		if (nc[c] > 0)
			present++;
	if (o->balance == NU_BALANCE_WEIGHTS) {
		/* w_c = N / (K' n_c) over the K' classes present: the average
		 * weight of a training event is then 1 */
		for (int c = 0; c < K; c++)
			s->weight[c] = nc[c] > 0 ?
			    (double)s->n[0] / ((double)present * (double)nc[c]) : 0.0;
		return NU_OK;
	}
	for (int c = 0; c < K; c++) {
		if (nc[c] == 0)
			continue;
		if (target == 0 ||
		    (o->balance == NU_BALANCE_UNDERSAMPLE ? nc[c] < target : nc[c] > target))
			target = nc[c];
	}
	for (int c = 0; c < K; c++) {
		if (nc[c] == 0)
			continue;
		if ((byclass[c] = malloc(nc[c] * sizeof(uint64_t))) == NULL) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory balancing classes");
			goto out;
		}
		nc[c] = 0;
	}
	for (size_t i = 0; i < s->n[0]; i++) {
		int c = class_of(l, s->ev[0][i], K);

		byclass[c][nc[c]++] = s->ev[0][i];
	}
	total = target * (size_t)present;
	free(s->ev[0]);
	if ((s->ev[0] = malloc((total ? total : 1) * sizeof(uint64_t))) == NULL) {
		s->n[0] = 0;
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory balancing classes");
		goto out;
	}
	nu_rng_seed(&rng, o->seed, STREAM_BALANCE);
	for (int c = 0; c < K; c++) {
		if (nc[c] == 0)
			continue;
		if (o->balance == NU_BALANCE_UNDERSAMPLE) {
			/* a random subset of `target` events */
			nu_rng_shuffle_u64(&rng, byclass[c], nc[c]);
			memcpy(s->ev[0] + w, byclass[c], target * sizeof(uint64_t));
			w += target;
		} else {
			/* every event once, then random repeats up to `target` */
			memcpy(s->ev[0] + w, byclass[c], nc[c] * sizeof(uint64_t));
			w += nc[c];
			for (size_t k = nc[c]; k < target; k++)
				s->ev[0][w++] = byclass[c][nu_rng_below(&rng, nc[c])];
		}
	}
	s->n[0] = w;
	sort_events(s->ev[0], w);
out:
	for (int c = 0; c < K; c++)
		free(byclass[c]);
	return st;
}

enum nu_status
nu_split_make(struct nu_dataset *ds, const struct nu_labels *l,
    const struct nu_split_opts *o, struct nu_split *out, char **cause)
{
	uint64_t *v = NULL;
	size_t nused = 0;
	struct nu_rng rng;
	double fsum = o->fractions[0] + o->fractions[1] + o->fractions[2];
	enum nu_status st = NU_OK;
	int K = nu_task_nclasses(o->task);

	memset(out, 0, sizeof(*out));
	out->nclasses = K;
	for (int c = 0; c < NU_MAXCLASSES; c++)
		out->weight[c] = 1.0;
	if (o->kind != NU_SPLIT_FILES) {
		for (int p = 0; p < NU_NPARTS; p++)
			if (!(o->fractions[p] >= 0.0))
				return nu_fail(cause, NU_ERR_USAGE,
				    "split fractions must not be negative");
		if (fsum > 1.0 + 1e-9)
			return nu_fail(cause, NU_ERR_USAGE,
			    "split fractions add up to %g, more than 1", fsum);
	}
	if (o->kind == NU_SPLIT_STRATIFIED && K == 0)
		return nu_fail(cause, NU_ERR_USAGE,
		    "a stratified split needs classes; task %s is a regression",
		    nu_task_name(o->task));
	if (o->class_weights != NULL && o->nclass_weights != K)
		return nu_fail(cause, NU_ERR_USAGE,
		    "%d class weights given; task %s has %d classes",
		    o->nclass_weights, nu_task_name(o->task), K);

	for (uint64_t i = 0; i < l->n; i++)
		nused += l->used[i];
	if (nused == 0)
		return nu_fail(cause, NU_ERR_EMPTY,
		    "no event of the dataset belongs to task %s", nu_task_name(o->task));
	v = malloc(nused * sizeof(*v));
	for (int p = 0; p < NU_NPARTS; p++)
		out->ev[p] = malloc(nused * sizeof(uint64_t));
	if (v == NULL || !out->ev[0] || !out->ev[1] || !out->ev[2]) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory splitting events");
		goto out;
	}
	nused = 0;
	for (uint64_t i = 0; i < l->n; i++)
		if (l->used[i])
			v[nused++] = i;

	nu_rng_seed(&rng, o->seed, STREAM_SPLIT);
	switch (o->kind) {
	case NU_SPLIT_RANDOM:
		nu_rng_shuffle_u64(&rng, v, nused);
		cut(out, v, nused, o->fractions);
		break;
	case NU_SPLIT_SEQUENTIAL:
		cut(out, v, nused, o->fractions);
		break;
	case NU_SPLIT_STRATIFIED: {
		/* each class shuffled and cut by itself, so every part keeps the
		 * class shares; v is reused as the per-class list, so take the
		 * classes from a copy */
		uint64_t *all = malloc(nused * sizeof(*all));

		if (all == NULL) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory splitting events");
			goto out;
		}
		memcpy(all, v, nused * sizeof(*all));
		for (int c = 0; c < K; c++) {
			size_t m = 0;

			for (size_t i = 0; i < nused; i++)
				if (class_of(l, all[i], K) == c)
					v[m++] = all[i];
			nu_rng_shuffle_u64(&rng, v, m);
			cut(out, v, m, o->fractions);
		}
		free(all);
		break;
	}
	case NU_SPLIT_FILES:
		for (size_t f = 0; f < nu_dataset_nfiles(ds); f++) {
			const struct nu_fileinfo *fi = nu_dataset_file(ds, f);
			int part = -1;

			for (int p = 0; p < NU_NPARTS && part < 0; p++)
				if (o->files[p] != NULL && matches(o->files[p], fi->path))
					part = p;
			if (part < 0)
				continue;
			for (uint64_t e = fi->first; e < fi->first + fi->nevents; e++)
				if (l->used[e])
					out->ev[part][out->n[part]++] = e;
		}
		if (out->n[0] == 0) {
			st = nu_fail(cause, NU_ERR_EMPTY,
			    "split = files: no file matches train_files '%s'",
			    o->files[0] ? o->files[0] : "");
			goto out;
		}
		break;
	}
	for (int p = 0; p < NU_NPARTS; p++)
		sort_events(out->ev[p], out->n[p]);
	/* the parts as cut, before balancing changes the training part */
	if ((out->part = calloc(l->n ? l->n : 1, 1)) == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory splitting events");
		goto out;
	}
	for (int p = 0; p < NU_NPARTS; p++)
		for (size_t i = 0; i < out->n[p]; i++)
			out->part[out->ev[p][i]] = (uint8_t)(NU_SEEN_TRAIN + p);
	if ((st = balance_train(out, l, o, cause)) != NU_OK)
		goto out;
	if (o->class_weights != NULL)
		for (int c = 0; c < K; c++)
			out->weight[c] = o->class_weights[c];
	for (int p = 0; p < NU_NPARTS; p++)
		for (size_t i = 0; i < out->n[p] && K > 0; i++)
			out->count[p][class_of(l, out->ev[p][i], K)]++;
	if (out->n[0] == 0)
		st = nu_fail(cause, NU_ERR_EMPTY, "the training part is empty "
		    "(%zu events used, fractions %g/%g/%g)", nused,
		    o->fractions[0], o->fractions[1], o->fractions[2]);
out:
	free(v);
	if (st != NU_OK)
		nu_split_free(out);
	return st;
}
