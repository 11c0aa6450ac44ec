/*
 * layer-dense.c: fully connected layer ("dense") on a flat input, one sgemm
 * over the whole slice in each direction.
 */
#include "config.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"

static void
dense_conf_default(void *conf)
{
	struct dense_conf *c = conf;

	c->units = 1;
}

static enum nu_status
dense_setup(struct nu_layer *l, const void *conf, char **cause)
{
	const struct dense_conf *c = conf;
	size_t in = (size_t)l->in.c, nw;

	if (c->units < 1)
		return nu_fail(cause, NU_ERR_RANGE, "dense: units must be at least "
		    "1, not %d", c->units);
	if (l->in.h != 1 || l->in.w != 1)
		return nu_fail(cause, NU_ERR_USAGE, "dense: input %dx%dx%d is not "
		    "flat (add a flatten layer before it)", l->in.c, l->in.h,
		    l->in.w);
	l->out = (struct nu_layer_shape){ c->units, 1, 1 };
	nw = (size_t)c->units * in;
	l->nparams = nw + (size_t)c->units;
	l->ntensors = 2;
	l->tensors[0] = (struct nu_layer_tensor){ .name = "weight",
	    .role = NU_LAYER_ROLE_WEIGHT, .rank = 2, .dims = { c->units, l->in.c },
	    .off = 0, .size = nw };
	l->tensors[1] = (struct nu_layer_tensor){ .name = "bias",
	    .role = NU_LAYER_ROLE_BIAS, .rank = 1, .dims = { c->units }, .off = nw,
	    .size = (size_t)c->units };
	return NU_OK;
}

static void
dense_init(const struct nu_layer *l, float *params, float *state, uint64_t seed)
{
	size_t in = (size_t)l->in.c, out = (size_t)l->out.c;

	(void)state;
	nu_layer_glorot(params, out * in, (double)in, (double)out, seed);
	memset(params + out * in, 0, out * sizeof(float));
}

/* in x: [N, IN]  w: [OUT, IN]  b: [OUT]  out y: [N, OUT] */
static void
dense_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y)
{
	const int in = l->in.c, out = l->out.c, n = ctx->n;
	const float *w = ctx->params, *b = ctx->params + (size_t)out * in;

	for (int e = 0; e < n; e++)
		memcpy(y + (size_t)e * out, b, (size_t)out * sizeof *y);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in,
	    1.0f, x, in, w, in, 1.0f, y, out);
}

/* in x: [N, IN]  dy: [N, OUT]  w: [OUT, IN]
 * adds dw: [OUT, IN], db: [OUT]  out dx: [N, IN] or NULL */
static void
dense_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx)
{
	const int in = l->in.c, out = l->out.c, n = ctx->n;
	const float *w = ctx->params;
	float *dw = ctx->grads, *db = ctx->grads + (size_t)out * in;

	(void)y;
	/* dw [OUT, IN] += dy^T [OUT, N] x x [N, IN] */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n,
	    1.0f, dy, out, x, in, 1.0f, dw, in);
	for (int e = 0; e < n; e++)
		for (int o = 0; o < out; o++)
			db[o] += dy[(size_t)e * out + o];
	if (dx != NULL)
		/* dx [N, IN] = dy [N, OUT] x w [OUT, IN] */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out,
		    1.0f, dy, out, w, in, 0.0f, dx, in);
}

static double
dense_flops(const struct nu_layer *l)
{
	return 2.0 * l->in.c * (double)l->out.c;
}

const struct nu_layer_ops nu_layer_dense_ops = {
	.name = "dense",
	.conf_size = sizeof(struct dense_conf),
	.conf_default = dense_conf_default,
	.setup = dense_setup,
	.init = dense_init,
	.forward = dense_forward,
	.backward = dense_backward,
	.flops = dense_flops,
};
