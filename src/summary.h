/*
 * summary.h: what a selection of events contains: class balance over the
 * interaction codes, groups, modes and final states, and the distributions
 * of E_nu, E_lep and y.  `nuscope info` prints these; the TUI draws them.
 */
#ifndef NU_SUMMARY_H
#define NU_SUMMARY_H

#include <stdint.h>

#include "dataset.h"
#include "labels.h"

#define NU_HIST_MAXBINS 100
#define NU_NFINALSTATES 50     /* final-state codes 0..49 */

/* Order statistics and a fixed-range histogram of one quantity. */
struct nu_stats {
	uint64_t n;                /* values (0: everything else is 0) */
	double min, q1, median, q3, max;   /* quartiles interpolate linearly */
	double lo, hi;             /* histogram range */
	int nbins;
	uint64_t hist[NU_HIST_MAXBINS];
	uint64_t underflow, overflow;      /* values outside [lo, hi] */
	uint64_t nonfinite;        /* NaN or infinite: in none of the above */
};

struct nu_summary {
	uint64_t events;
	uint64_t codes[NU_NCODES];
	uint64_t code_overflow;            /* codes above 15 */
	uint64_t groups[NU_NGROUPS];
	uint64_t modes[NU_NMODES];
	uint64_t mode_none;                /* cosmic, other, unknown */
	uint64_t finalstate[NU_NFINALSTATES];
	uint64_t finalstate_unknown;       /* codes outside 0..49 */
	uint64_t finalstate_missing;       /* events in files without the column */
	double numu_cc_fraction;           /* share of codes 0-3 */
	double baseline;                   /* accuracy of always guessing the majority */
	/* E_nu and E_lep: histogram over [0, max]; y = E_lep/E_nu for
	 * E_nu > 0: histogram over [0, 1].  A value that is NaN or infinite
	 * (y: when E_nu or E_lep is) counts only in its nonfinite field. */
	struct nu_stats nuenergy, lepenergy, y;
};

/* An accumulator: counts plus the energy values needed for quantiles. */
struct nu_summary_acc;

struct nu_summary_acc *nu_summary_acc_new(void);   /* caller frees; NULL on ENOMEM */
void nu_summary_acc_free(struct nu_summary_acc *acc);
void nu_summary_acc_reset(struct nu_summary_acc *acc);

/*
 * Add n events.  finalstate may be NULL when the column is missing.
 * Returns NU_ERR_NOMEM if the value arrays cannot grow.
 */
enum nu_status nu_summary_acc_add(struct nu_summary_acc *acc, size_t n,
    const uint32_t *code, const uint32_t *finalstate, const float *nuenergy,
    const float *lepenergy);

/* Compute the summary of what was added; nbins histogram bins (1..100).
 * Sorts the accumulator's values in place. */
void nu_summary_acc_finish(struct nu_summary_acc *acc, int nbins,
    struct nu_summary *out);

struct nu_where;

/*
 * Summaries of a whole dataset in one pass over its columns: per_file
 * (an array of nu_dataset_nfiles entries, or NULL) and total.  With a
 * where expression (may be NULL), only the events it selects count.
 */
enum nu_status nu_summary_dataset(struct nu_dataset *ds, int nbins,
    const struct nu_where *where, struct nu_summary *per_file,
    struct nu_summary *total, char **cause);

/* Linear-interpolation quantile (numpy's default) of sorted values. */
double nu_quantile_sorted(const float *v, size_t n, double q);

#endif
