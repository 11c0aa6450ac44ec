/*
 * summary.c: class balance and energy distributions of a set of events.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"
#include "where.h"

#define READ_BLOCK 65536

struct floatvec {
	float *v;
	size_t n, cap;
	uint64_t nonfinite;         /* values left out: NaN or infinite */
};

struct nu_summary_acc {
	struct nu_summary s;        /* counts so far */
	struct floatvec nue, lep, y;
};

/* Keep x for the statistics, or only count it when it is NaN or infinite:
 * such a value has no place in an order or a histogram bin. */
static enum nu_status
fv_push(struct floatvec *fv, float x)
{
	if (!isfinite(x)) {
		fv->nonfinite++;
		return NU_OK;
	}
	if (fv->n == fv->cap) {
		size_t cap = fv->cap ? fv->cap * 2 : 4096;
		float *v = realloc(fv->v, cap * sizeof(*v));

		if (v == NULL)
			return NU_ERR_NOMEM;
		fv->v = v;
		fv->cap = cap;
	}
	fv->v[fv->n++] = x;
	return NU_OK;
}

struct nu_summary_acc *
nu_summary_acc_new(void)
{
	return calloc(1, sizeof(struct nu_summary_acc));
}

void
nu_summary_acc_free(struct nu_summary_acc *acc)
{
	if (acc == NULL)
		return;
	free(acc->nue.v);
	free(acc->lep.v);
	free(acc->y.v);
	free(acc);
}

void
nu_summary_acc_reset(struct nu_summary_acc *acc)
{
	memset(&acc->s, 0, sizeof(acc->s));
	acc->nue.n = acc->lep.n = acc->y.n = 0;
	acc->nue.nonfinite = acc->lep.nonfinite = acc->y.nonfinite = 0;
}

enum nu_status
nu_summary_acc_add(struct nu_summary_acc *acc, size_t n, const uint32_t *code,
    const uint32_t *finalstate, const float *nuenergy, const float *lepenergy)
{
	struct nu_summary *s = &acc->s;

	for (size_t i = 0; i < n; i++) {
		uint32_t c = code[i];
		enum nu_mode m = nu_code_mode(c);

		s->events++;
		if (c < NU_NCODES)
			s->codes[c]++;
		else
			s->code_overflow++;
		s->groups[nu_code_group(c)]++;
		if (m == NU_MODE_NONE)
			s->mode_none++;
		else
			s->modes[m]++;
		if (finalstate == NULL)
			s->finalstate_missing++;
		else if (finalstate[i] < NU_NFINALSTATES)
			s->finalstate[finalstate[i]]++;
		else
			s->finalstate_unknown++;
		if (fv_push(&acc->nue, nuenergy[i]) != NU_OK ||
		    fv_push(&acc->lep, lepenergy[i]) != NU_OK)
			return NU_ERR_NOMEM;
		/* y of an infinite E_nu or E_lep is no number either (E_lep/inf
		 * would read as 0) */
		if (nuenergy[i] > 0.0f && fv_push(&acc->y, isfinite(nuenergy[i]) &&
		    isfinite(lepenergy[i]) ? lepenergy[i] / nuenergy[i] : NAN) != NU_OK)
			return NU_ERR_NOMEM;
	}
	return NU_OK;
}

double
nu_quantile_sorted(const float *v, size_t n, double q)
{
	double pos, frac;
	size_t lo;

	if (n == 0)
		return 0.0;
	pos = q * (double)(n - 1);
	lo = (size_t)floor(pos);
	if (lo >= n - 1)
		return v[n - 1];
	frac = pos - (double)lo;
	return (double)v[lo] + frac * ((double)v[lo + 1] - (double)v[lo]);
}

static int
float_cmp(const void *pa, const void *pb)
{
	float a = *(const float *)pa, b = *(const float *)pb;

	return (a > b) - (a < b);
}

/*
 * Histogram over [lo, hi] in nbins equal bins, the last closed on the
 * right; bin edges are lo + k*(hi-lo)/nbins, as numpy.histogram draws them.
 * v holds finite values only (fv_push keeps the others out), and lo, hi
 * are finite, so the bin number is always within range before it
 * becomes an integer.
 */
static void
histogram(struct nu_stats *st, const float *v, size_t n, double lo, double hi,
    int nbins)
{
	double step = (hi - lo) / nbins;

	st->lo = lo;
	st->hi = hi;
	st->nbins = nbins;
	for (size_t i = 0; i < n; i++) {
		double x = v[i], pos;
		long k;

		if (x < lo) {
			st->underflow++;
			continue;
		}
		if (x > hi) {
			st->overflow++;
			continue;
		}
		pos = (x - lo) / step;
		k = pos < nbins ? (long)pos : nbins - 1;
		/* settle values that rounding put on the wrong side of an edge */
		if (k > 0 && x < lo + k * step)
			k--;
		else if (k < nbins - 1 && x >= lo + (k + 1) * step)
			k++;
		st->hist[k]++;
	}
}

static void
stats_of(struct nu_stats *st, struct floatvec *fv, int nbins, int energy)
{
	memset(st, 0, sizeof(*st));
	st->nbins = nbins;
	st->nonfinite = fv->nonfinite;
	if (fv->n == 0) {
		st->hi = 1.0;
		return;
	}
	qsort(fv->v, fv->n, sizeof(float), float_cmp);
	st->n = fv->n;
	st->min = fv->v[0];
	st->max = fv->v[fv->n - 1];
	st->q1 = nu_quantile_sorted(fv->v, fv->n, 0.25);
	st->median = nu_quantile_sorted(fv->v, fv->n, 0.50);
	st->q3 = nu_quantile_sorted(fv->v, fv->n, 0.75);
	if (energy)
		histogram(st, fv->v, fv->n, 0.0, st->max > 0 ? st->max : 1.0, nbins);
	else
		histogram(st, fv->v, fv->n, 0.0, 1.0, nbins);
}

void
nu_summary_acc_finish(struct nu_summary_acc *acc, int nbins,
    struct nu_summary *out)
{
	uint64_t numu;

	if (nbins < 1)
		nbins = 1;
	if (nbins > NU_HIST_MAXBINS)
		nbins = NU_HIST_MAXBINS;
	*out = acc->s;
	numu = out->groups[NU_GROUP_NUMU_CC];
	if (out->events > 0) {
		out->numu_cc_fraction = (double)numu / (double)out->events;
		out->baseline = out->numu_cc_fraction >= 0.5 ?
		    out->numu_cc_fraction : 1.0 - out->numu_cc_fraction;
	}
	stats_of(&out->nuenergy, &acc->nue, nbins, 1);
	stats_of(&out->lepenergy, &acc->lep, nbins, 1);
	stats_of(&out->y, &acc->y, nbins, 0);
}

/* Keep the events of a block the where expression selects (compacting
 * code, fs, nue and lep in place); the number kept, or (size_t)-1 on a
 * read error. */
static size_t
filter_block(struct nu_dataset *ds, const struct nu_where *w, uint64_t first,
    size_t n, uint32_t *code, uint32_t *fs, float *nue, float *lep,
    uint8_t *keep, char **cause)
{
	size_t kept = 0;

	if (nu_where_select(w, ds, first, n, keep, cause) != NU_OK)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		code[kept] = code[i];
		if (fs != NULL)
			fs[kept] = fs[i];
		nue[kept] = nue[i];
		lep[kept] = lep[i];
		kept++;
	}
	return kept;
}

enum nu_status
nu_summary_dataset(struct nu_dataset *ds, int nbins, const struct nu_where *where,
    struct nu_summary *per_file, struct nu_summary *total, char **cause)
{
	struct nu_summary_acc *all = nu_summary_acc_new();
	struct nu_summary_acc *one = nu_summary_acc_new();
	uint32_t *code = malloc(READ_BLOCK * sizeof(*code));
	uint32_t *fs = malloc(READ_BLOCK * sizeof(*fs));
	float *nue = malloc(READ_BLOCK * sizeof(*nue));
	float *lep = malloc(READ_BLOCK * sizeof(*lep));
	uint8_t *keep = where ? malloc(READ_BLOCK) : NULL;
	enum nu_status st = NU_OK;

	if (all == NULL || one == NULL || code == NULL || fs == NULL ||
	    nue == NULL || lep == NULL || (where != NULL && keep == NULL)) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory summarising");
		goto out;
	}
	for (size_t f = 0; f < nu_dataset_nfiles(ds) && st == NU_OK; f++) {
		const struct nu_fileinfo *fi = nu_dataset_file(ds, f);
		bool has_fs = fi->columns & (1u << NU_COL_FINALSTATE);

		nu_summary_acc_reset(one);
		for (uint64_t at = 0; at < fi->nevents && st == NU_OK; at += READ_BLOCK) {
			size_t n = fi->nevents - at < READ_BLOCK ?
			    (size_t)(fi->nevents - at) : READ_BLOCK;
			uint64_t first = fi->first + at;

			st = nu_dataset_read_column(ds, NU_COL_INTERACTION, first,
			    n, NU_CT_U32, code, cause);
			if (st == NU_OK && has_fs)
				st = nu_dataset_read_column(ds, NU_COL_FINALSTATE,
				    first, n, NU_CT_U32, fs, cause);
			if (st == NU_OK)
				st = nu_dataset_read_column(ds, NU_COL_NUENERGY,
				    first, n, NU_CT_F32, nue, cause);
			if (st == NU_OK)
				st = nu_dataset_read_column(ds, NU_COL_LEPENERGY,
				    first, n, NU_CT_F32, lep, cause);
			if (st == NU_OK && where != NULL) {
				size_t kept = filter_block(ds, where, first, n, code,
				    has_fs ? fs : NULL, nue, lep, keep, cause);

				if (kept == (size_t)-1)
					st = NU_ERR_NOT_FOUND;
				else
					n = kept;
			}
			if (st == NU_OK &&
			    ((per_file != NULL && nu_summary_acc_add(one, n, code,
			    has_fs ? fs : NULL, nue, lep) != NU_OK) ||
			    nu_summary_acc_add(all, n, code, has_fs ? fs : NULL,
			    nue, lep) != NU_OK))
				st = nu_fail(cause, NU_ERR_NOMEM,
				    "out of memory summarising %s", fi->path);
		}
		if (st == NU_OK && per_file != NULL)
			nu_summary_acc_finish(one, nbins, &per_file[f]);
	}
	if (st == NU_OK)
		nu_summary_acc_finish(all, nbins, total);
out:
	nu_summary_acc_free(all);
	nu_summary_acc_free(one);
	free(code);
	free(fs);
	free(nue);
	free(lep);
	free(keep);
	return st;
}
