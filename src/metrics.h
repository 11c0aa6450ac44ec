/*
 * metrics.h: how good a classifier or regression is: AUC, counts at a
 * threshold, ROC and precision-recall curves.
 */
#ifndef NU_METRICS_H
#define NU_METRICS_H

#include <stddef.h>

#include "nu.h"

/*
 * Area under the ROC curve of scores against binary labels (1 = signal),
 * exact: the Mann-Whitney statistic with tied scores sharing their mean
 * rank, into *auc; NaN when either class is absent or a score is NaN.
 * Allocates a working copy: NU_ERR_NOMEM (and *auc NaN) if that fails,
 * which is not the same as an area that does not exist.
 */
enum nu_status nu_auc(const float *score, const float *label, size_t n, double *auc);

/* Counts at threshold t: an event is selected (called signal) when
 * score > t, as the field does. */
struct nu_confusion {
	double tp, fp, tn, fn;   /* weighted counts */
};
void nu_confusion_at(const float *score, const float *label, const float *w,
    size_t n, double t, struct nu_confusion *c);

double nu_accuracy(const struct nu_confusion *c);
/* Mean of the signal efficiency and the background rejection. */
double nu_balanced_accuracy(const struct nu_confusion *c);

/* A ROC curve: points ordered by decreasing threshold, from (0,0) to
 * (1,1); tied scores make one point. */
struct nu_curve {
	size_t n;
	double *x, *y;          /* ROC: false-positive rate, efficiency;
	                         * PR: recall, precision */
	double *t;              /* threshold of each point (score > t
	                         * selects; the first point selects nothing) */
};
void nu_curve_free(struct nu_curve *c);

/* ROC curve of scores against labels (owned by c; caller frees). */
enum nu_status nu_roc(const float *score, const float *label, size_t n,
    struct nu_curve *c, char **cause);
/* Precision-recall curve, and average precision as scikit-learn defines
 * it: sum over thresholds of (R_k - R_{k-1}) P_k. */
enum nu_status nu_pr(const float *score, const float *label, size_t n,
    struct nu_curve *c, double *ap, char **cause);

#endif
