/*
 * layer-conv.c: 2-D convolution ("conv2d") with Keras padding.
 *
 * Per event, im2col unrolls the input into col [K, OH*OW] (K = C*KH*KW),
 * so the forward pass is one sgemm W [OC, K] x col -> y [OC, OH*OW], which
 * is already the NCHW layout of the event's output.  Backward rebuilds col
 * rather than keeping it from the forward, so the scratch is one event's
 * col (it stays in L2) instead of a whole batch's.
 *
 * The bias rides in the same sgemm as the weight of an extra input row of
 * ones: col has K + 1 rows and the weights are copied beside the bias into
 * wb [OC, K + 1] once per call.  Backward's sgemm then yields the bias
 * gradient as the last column of dwb [OC, K + 1].  Measured on the first
 * layer of seed1 (K = 4, 8 x 8000 outputs per event), a separate bias pass
 * and bias-gradient sum took 3 and 12 times as long as the sgemms, and
 * folding them in cut the layer from 40 to 20 us per event forward and
 * from 75 to 27 us backward.
 */
#include "config.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"

struct conv {
	struct conv_conf c;
	int oh, ow;             /* output size */
	int pt, pl;             /* padding above and to the left */
	int k;                  /* C * KH * KW */
};

static void
conv_conf_default(void *conf)
{
	struct conv_conf *c = conf;

	c->filters = 1;
	c->kh = c->kw = 3;
	c->sh = c->sw = 1;
	c->pad = NU_LAYER_PAD_VALID;
}

static enum nu_status
conv_setup(struct nu_layer *l, const void *conf, char **cause)
{
	const struct conv_conf *c = conf;
	struct conv *cv;
	size_t nw;

	if (c->filters < 1)
		return nu_fail(cause, NU_ERR_RANGE, "conv2d: filters must be at "
		    "least 1, not %d", c->filters);
	if (c->kh < 1 || c->kw < 1)
		return nu_fail(cause, NU_ERR_RANGE, "conv2d: kernel %dx%d is empty",
		    c->kh, c->kw);
	if (c->sh < 1 || c->sw < 1)
		return nu_fail(cause, NU_ERR_RANGE, "conv2d: stride %dx%d must be "
		    "at least 1x1", c->sh, c->sw);
	cv = calloc(1, sizeof *cv);
	if (cv == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "conv2d: out of memory");
	l->priv = cv;
	cv->c = *c;
	if (!nu_layer_pad_axis(c->pad, l->in.h, c->kh, c->sh, &cv->oh, &cv->pt) ||
	    !nu_layer_pad_axis(c->pad, l->in.w, c->kw, c->sw, &cv->ow, &cv->pl))
		return nu_fail(cause, NU_ERR_RANGE, "conv2d: kernel %dx%d does not "
		    "fit input %dx%d with valid padding", c->kh, c->kw,
		    l->in.h, l->in.w);
	cv->k = l->in.c * c->kh * c->kw;
	l->out = (struct nu_layer_shape){ c->filters, cv->oh, cv->ow };
	nw = (size_t)c->filters * (size_t)cv->k;
	l->nparams = nw + (size_t)c->filters;
	l->ntensors = 2;
	l->tensors[0] = (struct nu_layer_tensor){ .name = "weight",
	    .role = NU_LAYER_ROLE_WEIGHT, .rank = 4,
	    .dims = { c->filters, l->in.c, c->kh, c->kw }, .off = 0, .size = nw };
	l->tensors[1] = (struct nu_layer_tensor){ .name = "bias",
	    .role = NU_LAYER_ROLE_BIAS, .rank = 1, .dims = { c->filters },
	    .off = nw, .size = (size_t)c->filters };
	return NU_OK;
}

/*
 * Workspace: col [K + 1, OH*OW] for one event (whatever the slice size),
 * then wb [OC, K + 1], then dwb [OC, K + 1].
 */
static size_t
conv_ws_col(const struct conv *cv)
{
	return nu_layer_align((size_t)(cv->k + 1) * cv->oh * cv->ow * sizeof(float));
}

static size_t
conv_ws_wb(const struct conv *cv)
{
	return nu_layer_align((size_t)cv->c.filters * (cv->k + 1) * sizeof(float));
}

static size_t
conv_ws_bytes(const struct nu_layer *l, int nmax)
{
	const struct conv *cv = l->priv;

	(void)nmax;
	return conv_ws_col(cv) + 2 * conv_ws_wb(cv);
}

/* The ones row of col. */
static void
conv_ones(const struct conv *cv, float *col)
{
	const size_t ohw = (size_t)cv->oh * cv->ow;

	for (size_t p = 0; p < ohw; p++)
		col[(size_t)cv->k * ohw + p] = 1.0f;
}

static void
conv_init(const struct nu_layer *l, float *params, float *state, uint64_t seed)
{
	const struct conv *cv = l->priv;
	size_t nw = (size_t)cv->c.filters * (size_t)cv->k;
	double taps = (double)cv->c.kh * cv->c.kw;

	(void)state;
	nu_layer_glorot(params, nw, cv->k, cv->c.filters * taps, seed);
	memset(params + nw, 0, (size_t)cv->c.filters * sizeof(float));
}

/* Output columns [lo, hi) whose input column ow * sw - pl + j lies inside
 * the W-wide input (kernel column j); the others read padding. */
static inline void
col_range(const struct conv *cv, int j, int W, int *lo, int *hi)
{
	int off = j - cv->pl, sw = cv->c.sw;

	*lo = off < 0 ? (-off + sw - 1) / sw : 0;
	*hi = W - off <= 0 ? 0 : (W - off + sw - 1) / sw;
	if (*hi > cv->ow)
		*hi = cv->ow;
}

/* x: [C, H, W]  col: [C*KH*KW, OH*OW]; zeros where the window is over
 * padding. */
static void
im2col(const struct conv *cv, struct nu_layer_shape in, const float *x,
    float *col)
{
	const int kh = cv->c.kh, kw = cv->c.kw, sh = cv->c.sh, sw = cv->c.sw;
	const int oh = cv->oh, ow = cv->ow, H = in.h, W = in.w;
	float *row = col;

	for (int c = 0; c < in.c; c++)
		for (int i = 0; i < kh; i++)
			for (int j = 0; j < kw; j++, row += (size_t)oh * ow) {
				int off = j - cv->pl, lo, hi;

				col_range(cv, j, W, &lo, &hi);
				if (lo > hi)
					lo = hi;
				for (int y = 0; y < oh; y++) {
					float *d = row + (size_t)y * ow;
					int ih = y * sh - cv->pt + i;
					const float *s;

					if (ih < 0 || ih >= H) {
						memset(d, 0, (size_t)ow * sizeof *d);
						continue;
					}
					s = x + ((size_t)c * H + ih) * W;
					for (int o = 0; o < lo; o++)
						d[o] = 0.0f;
					if (sw == 1)
						memcpy(d + lo, s + lo + off,
						    (size_t)(hi - lo) * sizeof *d);
					else
						for (int o = lo; o < hi; o++)
							d[o] = s[o * sw + off];
					for (int o = hi; o < ow; o++)
						d[o] = 0.0f;
				}
			}
}

/* col: [C*KH*KW, OH*OW] added into dx: [C, H, W]; padding cells drop. */
static void
col2im(const struct conv *cv, struct nu_layer_shape in, const float *col,
    float *dx)
{
	const int kh = cv->c.kh, kw = cv->c.kw, sh = cv->c.sh, sw = cv->c.sw;
	const int oh = cv->oh, ow = cv->ow, H = in.h, W = in.w;
	const float *row = col;

	for (int c = 0; c < in.c; c++)
		for (int i = 0; i < kh; i++)
			for (int j = 0; j < kw; j++, row += (size_t)oh * ow) {
				int off = j - cv->pl, lo, hi;

				col_range(cv, j, W, &lo, &hi);
				for (int y = 0; y < oh; y++) {
					const float *s = row + (size_t)y * ow;
					int ih = y * sh - cv->pt + i;
					float *d;

					if (ih < 0 || ih >= H)
						continue;
					d = dx + ((size_t)c * H + ih) * W;
					for (int o = lo; o < hi; o++)
						d[o * sw + off] += s[o];
				}
			}
}

/* in x: [N, C, H, W]  w: [OC, C, KH, KW]  b: [OC]  out y: [N, OC, OH, OW] */
static void
conv_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y)
{
	const struct conv *cv = l->priv;
	const int oc = cv->c.filters, k = cv->k, ohw = cv->oh * cv->ow;
	const float *w = ctx->params, *b = ctx->params + (size_t)oc * k;
	const size_t xsz = (size_t)l->in.c * l->in.h * l->in.w;
	const size_t ysz = (size_t)oc * ohw;
	float *col = ctx->ws;
	float *wb = (float *)((char *)ctx->ws + conv_ws_col(cv));

	for (int o = 0; o < oc; o++) {
		memcpy(wb + (size_t)o * (k + 1), w + (size_t)o * k,
		    (size_t)k * sizeof *wb);
		wb[(size_t)o * (k + 1) + k] = b[o];
	}
	conv_ones(cv, col);
	for (int e = 0; e < ctx->n; e++) {
		im2col(cv, l->in, x + (size_t)e * xsz, col);
		/* y_e [OC, OHW] = wb [OC, K+1] x col [K+1, OHW] */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, oc, ohw,
		    k + 1, 1.0f, wb, k + 1, col, ohw, 0.0f, y + (size_t)e * ysz,
		    ohw);
	}
}

/* in x: [N, C, H, W]  dy: [N, OC, OH, OW]  w: [OC, C, KH, KW]
 * adds dw: [OC, C, KH, KW], db: [OC]  out dx: [N, C, H, W] or NULL */
static void
conv_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx)
{
	const struct conv *cv = l->priv;
	const int oc = cv->c.filters, k = cv->k, ohw = cv->oh * cv->ow;
	const float *w = ctx->params;
	float *dw = ctx->grads, *db = ctx->grads + (size_t)oc * k;
	const size_t xsz = (size_t)l->in.c * l->in.h * l->in.w;
	const size_t ysz = (size_t)oc * ohw;
	float *col = ctx->ws;
	float *dwb = (float *)((char *)ctx->ws + conv_ws_col(cv) + conv_ws_wb(cv));

	(void)y;
	conv_ones(cv, col);
	for (int e = 0; e < ctx->n; e++) {
		const float *dye = dy + (size_t)e * ysz;

		im2col(cv, l->in, x + (size_t)e * xsz, col);
		/* dwb [OC, K+1] (+)= dy_e [OC, OHW] x col^T [OHW, K+1] */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, oc, k + 1, ohw,
		    1.0f, dye, ohw, col, ohw, e == 0 ? 0.0f : 1.0f, dwb, k + 1);
		if (dx == NULL)
			continue;
		/* dcol [K, OHW] = w^T [K, OC] x dy_e [OC, OHW], into col's
		 * first K rows */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, ohw, oc,
		    1.0f, w, k, dye, ohw, 0.0f, col, ohw);
		memset(dx + (size_t)e * xsz, 0, xsz * sizeof *dx);
		col2im(cv, l->in, col, dx + (size_t)e * xsz);
	}
	for (int o = 0; o < oc; o++) {
		const float *r = dwb + (size_t)o * (k + 1);

		for (int j = 0; j < k; j++)
			dw[(size_t)o * k + j] += r[j];
		db[o] += r[k];
	}
}

static double
conv_flops(const struct nu_layer *l)
{
	const struct conv *cv = l->priv;

	return 2.0 * cv->c.filters * cv->k * (double)cv->oh * cv->ow;
}

const struct nu_layer_ops nu_layer_conv2d_ops = {
	.name = "conv2d",
	.conf_size = sizeof(struct conv_conf),
	.inplace = false,
	.conf_default = conv_conf_default,
	.setup = conv_setup,
	.ws_bytes = conv_ws_bytes,
	.init = conv_init,
	.forward = conv_forward,
	.backward = conv_backward,
	.flops = conv_flops,
};
