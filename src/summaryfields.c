/*
 * summaryfields.c: the fields of a dataset summary (see summaryfields.h).
 */
#include "config.h"

#include <math.h>
#include <stddef.h>

#include "labels.h"
#include "summaryfields.h"

/* a getter per field: COUNT_FN(name, record type, expression of r) */
#define COUNT_FN(fn, type, expr)                                              \
	static uint64_t fn(const void *p) { const type *r = p; return (expr); }
#define NUM_FN(fn, type, expr)                                                \
	static double fn(const void *p) { const type *r = p; return (expr); }
#define FIELDS(list, ev) { list, (int)(sizeof list / sizeof list[0]), ev }

double
nu_sfield_fraction(uint64_t k, uint64_t n)
{
	return n > 0 ? (double)k / (double)n : NAN;
}

/* ---- one quantity's statistics and histogram (struct nu_stats) ------------- */

COUNT_FN(st_n, struct nu_stats, r->n)
COUNT_FN(st_nonfinite, struct nu_stats, r->nonfinite)
NUM_FN(st_min, struct nu_stats, r->min)
NUM_FN(st_q1, struct nu_stats, r->q1)
NUM_FN(st_median, struct nu_stats, r->median)
NUM_FN(st_q3, struct nu_stats, r->q3)
NUM_FN(st_max, struct nu_stats, r->max)
NUM_FN(st_lo, struct nu_stats, r->lo)
NUM_FN(st_hi, struct nu_stats, r->hi)
COUNT_FN(st_under, struct nu_stats, r->underflow)
COUNT_FN(st_over, struct nu_stats, r->overflow)

static const uint64_t *
st_bins(const void *p, int *n, double *lo, double *hi)
{
	const struct nu_stats *r = p;

	*n = r->nbins;
	*lo = r->lo;
	*hi = r->hi;
	return r->hist;
}

static const void *
st_self(const void *p)
{
	return p;
}

static const struct nu_sfield hist_list[] = {
	{ "lo", NU_SFIELD_NUM, .num = st_lo },
	{ "hi", NU_SFIELD_NUM, .num = st_hi },
	{ "counts", NU_SFIELD_BINS, .bins = st_bins },
	{ "underflow", NU_SFIELD_SHARE, .count = st_under },
	{ "overflow", NU_SFIELD_SHARE, .count = st_over },
};
static const struct nu_sfields hist_fields = FIELDS(hist_list, st_n);

static const struct nu_sfield stats_list[] = {
	{ "n", NU_SFIELD_COUNT, .count = st_n },
	{ "nonfinite", NU_SFIELD_COUNT, .label = "NaN or infinite, not in n",
	    .count = st_nonfinite },
	{ "min", NU_SFIELD_ORDER, .num = st_min },
	{ "q1", NU_SFIELD_ORDER, .num = st_q1 },
	{ "median", NU_SFIELD_ORDER, .num = st_median },
	{ "q3", NU_SFIELD_ORDER, .num = st_q3 },
	{ "max", NU_SFIELD_ORDER, .num = st_max },
	{ "hist", NU_SFIELD_GROUP, .sub = st_self, .fields = &hist_fields },
};
static const struct nu_sfields stats_fields = FIELDS(stats_list, st_n);

/* ---- the summary ----------------------------------------------------------- */

COUNT_FN(sum_events, struct nu_summary, r->events)
COUNT_FN(sum_code_over, struct nu_summary, r->code_overflow)
COUNT_FN(sum_fs_unknown, struct nu_summary, r->finalstate_unknown)
COUNT_FN(sum_fs_missing, struct nu_summary, r->finalstate_missing)
NUM_FN(sum_numu, struct nu_summary, r->numu_cc_fraction)
NUM_FN(sum_base, struct nu_summary, r->baseline)

#define STATS_FN(fn, member)                                                  \
	static const void *fn(const void *p)                                  \
	{ const struct nu_summary *r = p; return &r->member; }
STATS_FN(sum_nuenergy, nuenergy)
STATS_FN(sum_lepenergy, lepenergy)
STATS_FN(sum_y, y)

static bool
row_set(struct nu_sfield_row *out, int code, const char *name, const char *group,
    const char *mode, uint64_t events)
{
	out->code = code;
	out->name = name;
	out->group = group;
	out->mode = mode;
	out->events = events;
	return true;
}

static bool
code_row(const void *p, int i, struct nu_sfield_row *out)
{
	const struct nu_summary *s = p;
	uint32_t c = (uint32_t)i;

	return row_set(out, i, nu_code_name(c), nu_group_name(nu_code_group(c)),
	    nu_mode_name(nu_code_mode(c)), s->codes[i]);
}

static bool
group_row(const void *p, int i, struct nu_sfield_row *out)
{
	const struct nu_summary *s = p;

	return row_set(out, -1, nu_group_name((enum nu_group)i), NULL, NULL,
	    s->groups[i]);
}

/* the modes, then "none" (cosmic, other, unknown) */
static bool
mode_row(const void *p, int i, struct nu_sfield_row *out)
{
	const struct nu_summary *s = p;

	if (i == NU_NMODES)
		return row_set(out, -1, "none", NULL, NULL, s->mode_none);
	return row_set(out, -1, nu_mode_name((enum nu_mode)i), NULL, NULL, s->modes[i]);
}

/* only the final states that occur */
static bool
finalstate_row(const void *p, int i, struct nu_sfield_row *out)
{
	const struct nu_summary *s = p;

	if (s->finalstate[i] == 0)
		return false;
	nu_finalstate_name((uint32_t)i, out->buf, sizeof out->buf);
	return row_set(out, i, out->buf, NULL, NULL, s->finalstate[i]);
}

static const struct nu_sfield summary_list[] = {
	{ "events", NU_SFIELD_COUNT, .count = sum_events },
	{ "codes", NU_SFIELD_TABLE, .section = "code", .nrows = NU_NCODES,
	    .row = code_row, .lines = true },
	{ "code_overflow", NU_SFIELD_SHARE, .section = "code", .key = "overflow",
	    .label = "codes above 15", .count = sum_code_over },
	{ "groups", NU_SFIELD_TABLE, .section = "group", .nrows = NU_NGROUPS,
	    .row = group_row },
	{ "modes", NU_SFIELD_TABLE, .section = "mode", .nrows = NU_NMODES + 1,
	    .row = mode_row },
	{ "finalstate", NU_SFIELD_TABLE, .nrows = NU_NFINALSTATES,
	    .row = finalstate_row, .lines = true },
	{ "finalstate_unknown", NU_SFIELD_SHARE, .section = "finalstate",
	    .key = "unknown", .count = sum_fs_unknown },
	{ "finalstate_missing", NU_SFIELD_SHARE, .section = "finalstate",
	    .key = "missing", .count = sum_fs_missing },
	{ "numu_cc_fraction", NU_SFIELD_STAT, .section = "numu_cc",
	    .key = "fraction", .num = sum_numu },
	{ "baseline", NU_SFIELD_STAT, .section = "numu_cc", .num = sum_base },
	{ "nuenergy", NU_SFIELD_GROUP, .sub = sum_nuenergy, .fields = &stats_fields },
	{ "lepenergy", NU_SFIELD_GROUP, .sub = sum_lepenergy, .fields = &stats_fields },
	{ "y", NU_SFIELD_GROUP, .sub = sum_y, .fields = &stats_fields },
};
const struct nu_sfields nu_sfields_summary = FIELDS(summary_list, sum_events);
