/*
 * loss.c: binary and categorical cross-entropy (on probabilities, Keras's
 * clamped form, or fused with their output layer on logits) and mean
 * squared error.  Sums run in double in a fixed order.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>

#include "loss.h"

static double
clampd(double p, int *clamped)
{
	const double lo = NU_LOSS_EPS, hi = 1.0 - (double)NU_LOSS_EPS;

	*clamped = 1;
	if (p < lo)
		return lo;
	if (p > hi)
		return hi;
	*clamped = 0;
	return p;
}

static double
bin_weight(const float *class_w, double t)
{
	if (class_w == NULL)
		return 1.0;
	return t * class_w[1] + (1.0 - t) * class_w[0];
}

double
nu_loss_bce(const float *p, const float *t, int n, int k, const float *class_w,
    float *grad)
{
	const size_t m = (size_t)n * k;
	const double eps = NU_LOSS_EPS;
	double sum = 0.0;

	for (size_t i = 0; i < m; i++) {
		int clamped;
		double pc = clampd(p[i], &clamped), ti = t[i];
		double w = bin_weight(class_w, ti);

		sum += -w * (ti * log(pc + eps) + (1.0 - ti) * log(1.0 - pc + eps));
		if (grad != NULL)
			grad[i] = clamped ? 0.0f : (float)(w * ((1.0 - ti) /
			    (1.0 - pc + eps) - ti / (pc + eps)) / (double)m);
	}
	return sum / (double)m;
}

double
nu_loss_bce_logits(const float *z, const float *t, int n, int k,
    const float *class_w, float *grad)
{
	const size_t m = (size_t)n * k;
	double sum = 0.0;

	for (size_t i = 0; i < m; i++) {
		double zi = z[i], ti = t[i], w = bin_weight(class_w, ti);

		sum += w * (fmax(zi, 0.0) - zi * ti + log1p(exp(-fabs(zi))));
		if (grad != NULL) {
			double s = zi >= 0.0 ? 1.0 / (1.0 + exp(-zi)) :
			    exp(zi) / (1.0 + exp(zi));

			grad[i] = (float)(w * (s - ti) / (double)m);
		}
	}
	return sum / (double)m;
}

static double
cat_weight(const float *class_w, const float *t, int k)
{
	double w = 0.0;

	if (class_w == NULL)
		return 1.0;
	for (int j = 0; j < k; j++)
		w += (double)t[j] * class_w[j];
	return w;
}

double
nu_loss_cce(const float *p, const float *t, int n, int k, const float *class_w,
    float *grad)
{
	double sum = 0.0;

	for (int e = 0; e < n; e++) {
		const float *pe = p + (size_t)e * k, *te = t + (size_t)e * k;
		double w = cat_weight(class_w, te, k), s = 0.0;

		for (int j = 0; j < k; j++) {
			int clamped;
			double pc = clampd(pe[j], &clamped);

			s -= te[j] * log(pc);
			if (grad != NULL)
				grad[(size_t)e * k + j] = clamped ? 0.0f :
				    (float)(-w * te[j] / pc / n);
		}
		sum += w * s;
	}
	return sum / n;
}

double
nu_loss_cce_logits(const float *z, const float *t, int n, int k,
    const float *class_w, float *grad)
{
	double sum = 0.0;

	for (int e = 0; e < n; e++) {
		const float *ze = z + (size_t)e * k, *te = t + (size_t)e * k;
		double w = cat_weight(class_w, te, k), m = ze[0], se = 0.0;
		double tsum = 0.0, s = 0.0, lse;

		for (int j = 1; j < k; j++)
			if (ze[j] > m)
				m = ze[j];
		for (int j = 0; j < k; j++)
			se += exp(ze[j] - m);
		lse = m + log(se);
		for (int j = 0; j < k; j++) {
			s += te[j] * (lse - ze[j]);
			tsum += te[j];
		}
		sum += w * s;
		if (grad != NULL)
			for (int j = 0; j < k; j++)
				grad[(size_t)e * k + j] = (float)(w *
				    (exp(ze[j] - lse) * tsum - te[j]) / n);
	}
	return sum / n;
}

double
nu_loss_mse(const float *y, const float *t, int n, int k, float *grad)
{
	const size_t m = (size_t)n * k;
	double sum = 0.0;

	for (size_t i = 0; i < m; i++) {
		double d = (double)y[i] - t[i];

		sum += d * d;
		if (grad != NULL)
			grad[i] = (float)(2.0 * d / (double)m);
	}
	return sum / (double)m;
}
