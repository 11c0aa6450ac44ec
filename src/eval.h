/*
 * eval.h: judging a classifier or a regression the way the field does:
 * efficiencies and purities with binomial uncertainties, ROC and
 * precision-recall curves, the thresholds worth choosing, and slices of
 * the sample by interaction mode, flavour and energy.
 *
 * Conventions: an event is selected (called signal) when score > t; the
 * signal class is label 1.  Ratios carry Wilson score intervals at 68.3 %
 * (one standard deviation).
 */
#ifndef NU_EVAL_H
#define NU_EVAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "labels.h"
#include "metrics.h"
#include "nu.h"
#include "trainset.h"

#define NU_EVAL_NSCAN 101       /* thresholds 0.00, 0.01, ... 1.00 */
#define NU_EVAL_MAXBINS 20

/* k out of n with its Wilson interval; value and bounds NaN when n = 0. */
struct nu_ratio {
	double k, n;
	double value, lo, hi;
};
void nu_ratio_wilson(double k, double n, struct nu_ratio *r);

/* Numbers at one threshold. */
struct nu_binary_at {
	double t;
	struct nu_confusion c;
	struct nu_ratio accuracy;
	struct nu_ratio efficiency;     /* tp / (tp + fn): recall */
	struct nu_ratio purity;         /* tp / (tp + fp): precision */
	struct nu_ratio rejection;      /* tn / (tn + fp) */
	double balanced, balanced_err;  /* (efficiency + rejection) / 2 */
	double f1;
	double fom;                     /* s / sqrt(s + b) = tp / sqrt(tp + fp) */
};
void nu_binary_at(const float *score, const float *label, size_t n, double t,
    struct nu_binary_at *out);

struct nu_binary_eval {
	size_t n;
	double npos, nneg;
	double baseline;                /* share of the majority class */
	double auc, ap;
	struct nu_binary_at at;         /* at the chosen threshold */
	struct nu_binary_at scan[NU_EVAL_NSCAN];
	int best_balanced, best_fom;    /* indices into scan */
	double youden_t, youden_j;      /* ROC threshold maximising tpr - fpr */
	struct nu_curve roc, pr;
};

/* Everything for a binary task at threshold t (caller frees with
 * nu_binary_eval_free). */
enum nu_status nu_binary_eval(const float *score, const float *label, size_t n,
    double t, struct nu_binary_eval *out, char **cause);
void nu_binary_eval_free(struct nu_binary_eval *e);

/* Multi-class: K x K counts, row = true class, column = predicted
 * (argmax of the scores [n, K]). */
struct nu_multi_eval {
	int k;
	size_t n;
	double count[NU_NCODES][NU_NCODES];
	struct nu_ratio efficiency[NU_NCODES];  /* diagonal / row sum */
	struct nu_ratio purity[NU_NCODES];      /* diagonal / column sum */
	double f1[NU_NCODES];
	struct nu_ratio accuracy;
	double macro_f1, micro_f1;
	double baseline;
};
void nu_multi_eval(const float *score, const float *label, size_t n, int k,
    struct nu_multi_eval *out);

/* Regression: pred and true per event; relative errors over true != 0. */
struct nu_reg_stats {
	size_t n;
	double mse, mae;
	double bias;            /* mean of (pred - true) / true */
	double resolution;      /* RMS of (pred - true) / true */
};
void nu_reg_stats(const float *pred, const float *truth, size_t n,
    struct nu_reg_stats *out);

/* Bin edges at the quantiles of v (nbins bins; edges[nbins + 1]);
 * returns the number of bins made (fewer when values repeat; 0 when there
 * are no values), or -1 when out of memory. */
int nu_quantile_edges(const float *v, size_t n, int nbins, double *edges);

/* ---- a whole evaluation ------------------------------------------------------ */

enum nu_slice_family {
	NU_SLICE_MODE,          /* QE, RES, DIS, CC-other, NC */
	NU_SLICE_GROUP,         /* numu CC, nue CC, NC, ... */
	NU_SLICE_ENU,           /* bins of E_nu */
	NU_SLICE_ELEP,          /* bins of E_lep */
	NU_SLICE_TRUE,          /* regressions: bins of the true value */
	NU_NSLICE_FAMILIES
};

/* One slice of the sample and how the network does on it. */
struct nu_slice {
	enum nu_slice_family family;
	char name[40];          /* "DIS", "nue CC", "4.21-8.73" */
	int key;                /* the mode or group (mode and group slices) */
	double lo, hi;          /* bin edges (energy and true-value slices): */
	bool last;              /* [lo, hi), or [lo, hi] for a family's last bin */
	uint64_t n, nsig;       /* events, signal events (binary tasks) */
	struct nu_ratio accuracy;       /* classification */
	struct nu_ratio efficiency;     /* binary: of the slice's signal */
	struct nu_ratio rejection;      /* binary: of the slice's background */
	struct nu_ratio purity;         /* binary: signal among the selected */
	struct nu_reg_stats reg;        /* regressions */
};

struct nu_model;
struct nu_dataset;
struct nu_where;

struct nu_eval_report {
	enum nu_task task;
	int nclasses;           /* 0 for regressions */
	int nout;
	size_t n;               /* events evaluated */
	double threshold;       /* binary: the one the numbers are at */
	struct nu_binary_eval bin;
	struct nu_multi_eval multi;
	struct nu_reg_stats reg;
	struct nu_slice *slices;
	int nslices;
	/* the events of the files that the model was trained or validated
	 * on: left out, or scored with nu_eval_opts.include_training */
	struct nu_seen_counts seen;
	/* per event, in dataset order (kept for plots and exports) */
	uint64_t *event;
	float *score;           /* [n * nout] */
	float *label;           /* [n] */
	uint32_t *code;         /* [n] */
	float *enu, *elep;      /* [n] */
};

/* How to evaluate. */
struct nu_eval_opts {
	double threshold;       /* binary tasks; NaN = the model's stored one */
	int nbins;              /* quantile bins per energy family (1-20) */
	/* explicit bin edges (ascending, n + 1 of them) instead of quantiles;
	 * NULL = quantiles */
	const double *enu_edges, *elep_edges;
	int n_enu, n_elep;      /* numbers of edges */
	/* NULL, or one byte per event of the dataset: events whose byte is 0
	 * are left out, as where would leave them (a filter already
	 * evaluated, such as the TUI holds); borrowed */
	const uint8_t *keep;
	/* NULL, or a flag another thread may set to end the evaluation
	 * early with NU_ERR_CANCELLED (the report is then empty); borrowed */
	const atomic_bool *stop;
	/* score the events the model was trained and validated on too
	 * (counted in seen_*); by default they are left out (excluded_*) */
	bool include_training;
};

/*
 * Evaluate model m on the events of ds that belong to its task (and that
 * where and o->keep select, if given), leaving out those it was trained
 * or validated on (trainset.h) unless o->include_training: scores, the task's numbers at the
 * threshold and the slices.  Caller frees with nu_eval_report_free.  It
 * may run on a thread of its own, with a dataset handle of its own; m
 * is only read (o->threshold = NaN reads m->meta.threshold).
 */
enum nu_status nu_eval_report_make(const struct nu_model *m, struct nu_dataset *ds,
    const struct nu_where *where, const struct nu_eval_opts *o,
    struct nu_eval_report *out, char **cause);
void nu_eval_report_free(struct nu_eval_report *r);

/* Whether event i of the report belongs to slice s. */
bool nu_slice_has(const struct nu_eval_report *r, const struct nu_slice *s, size_t i);

/* Binary tasks: recompute the numbers at threshold t, and the slices' (the
 * curves and the scan do not depend on it).  A no-op for other tasks. */
void nu_eval_report_set_threshold(struct nu_eval_report *r, double t);

/* Static name of a slice family: "mode", "group", "nuenergy", ... */
const char *nu_slice_family_name(enum nu_slice_family f);

#endif
