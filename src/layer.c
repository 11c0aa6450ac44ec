/*
 * layer.c: the registry of layer kinds, the wrappers every network call goes
 * through, Keras padding arithmetic, and the counter-based random numbers
 * that make initial weights and dropout masks reproducible.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"

const struct nu_layer_ops *const nu_layer_kinds[] = {
	&nu_layer_conv2d_ops,
	&nu_layer_maxpool2d_ops,
	&nu_layer_avgpool2d_ops,
	&nu_layer_dense_ops,
	&nu_layer_act_ops,
	&nu_layer_dropout_ops,
	&nu_layer_bn_ops,
	&nu_layer_flatten_ops,
	NULL
};

const struct nu_layer_ops *
nu_layer_ops_find(const char *name)
{
	for (int i = 0; nu_layer_kinds[i] != NULL; i++)
		if (strcmp(nu_layer_kinds[i]->name, name) == 0)
			return nu_layer_kinds[i];
	return NULL;
}

bool
nu_layer_pad_axis(enum nu_layer_pad pad, int in, int k, int stride, int *out,
    int *pad_before)
{
	int o, total;

	if (in < 1 || k < 1 || stride < 1)
		return false;
	if (pad == NU_LAYER_PAD_SAME) {
		o = (in + stride - 1) / stride;
		total = (o - 1) * stride + k - in;
		if (total < 0)
			total = 0;
		*out = o;
		*pad_before = total / 2;
		return true;
	}
	if (k > in)
		return false;
	*out = (in - k) / stride + 1;
	*pad_before = 0;
	return true;
}

void
nu_layer_conf_default(const struct nu_layer_ops *ops, void *conf)
{
	if (ops->conf_size == 0)
		return;
	memset(conf, 0, ops->conf_size);
	if (ops->conf_default != NULL)
		ops->conf_default(conf);
}

enum nu_status
nu_layer_new(const struct nu_layer_ops *ops, const void *conf, struct nu_layer_shape in,
    struct nu_layer **lp, char **cause)
{
	struct nu_layer *l;
	void *defaults = NULL;
	enum nu_status st;

	*lp = NULL;
	if (in.c < 1 || in.h < 1 || in.w < 1)
		return nu_fail(cause, NU_ERR_USAGE, "%s: empty input shape %dx%dx%d",
		    ops->name, in.c, in.h, in.w);
	l = calloc(1, sizeof *l);
	if (l == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory", ops->name);
	if (conf == NULL && ops->conf_size > 0) {
		defaults = malloc(ops->conf_size);
		if (defaults == NULL) {
			free(l);
			return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory",
			    ops->name);
		}
		nu_layer_conf_default(ops, defaults);
		conf = defaults;
	}
	l->ops = ops;
	l->in = in;
	st = ops->setup(l, conf, cause);
	free(defaults);
	if (st != NU_OK) {
		nu_layer_free(l);
		return st;
	}
	*lp = l;
	return NU_OK;
}

void
nu_layer_free(struct nu_layer *l)
{
	if (l == NULL)
		return;
	if (l->ops->free != NULL)
		l->ops->free(l);
	else
		free(l->priv);
	free(l);
}

size_t
nu_layer_ws_bytes(const struct nu_layer *l, int nmax)
{
	assert(nmax >= 1);
	if (l->ops->ws_bytes == NULL)
		return 0;
	return nu_layer_align(l->ops->ws_bytes(l, nmax));
}

void
nu_layer_init(const struct nu_layer *l, float *params, float *state, uint64_t seed)
{
	if (l->ops->init != NULL)
		l->ops->init(l, params, state, seed);
}

void
nu_layer_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y)
{
	assert(ctx->n >= 1);
	assert(((uintptr_t)ctx->ws & 63) == 0);
	l->ops->forward(l, ctx, x, y);
}

void
nu_layer_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx)
{
	assert(ctx->n >= 1);
	assert(((uintptr_t)ctx->ws & 63) == 0);
	l->ops->backward(l, ctx, x, y, dy, dx);
}

void
nu_layer_update_state(const struct nu_layer *l, float *state, void *const *ws,
    int nws)
{
	if (l->ops->update_state != NULL && nws > 0)
		l->ops->update_state(l, state, ws, nws);
}

double
nu_layer_flops(const struct nu_layer *l)
{
	return l->ops->flops != NULL ? l->ops->flops(l) : 0.0;
}

/* SplitMix64 at position counter of the stream the mixed seed picks;
 * mixing the seed first keeps streams of nearby seeds apart. */
uint64_t
nu_layer_rand(uint64_t seed, uint64_t counter)
{
	return nu_layer_mix(nu_layer_mix(seed) + (counter + 1) * 0x9e3779b97f4a7c15ULL);
}

void
nu_layer_glorot(float *w, size_t n, double fan_in, double fan_out, uint64_t seed)
{
	double limit = sqrt(6.0 / (fan_in + fan_out));

	for (size_t i = 0; i < n; i++) {
		/* 53 random bits -> [0, 1) -> [-limit, limit) */
		double u = (double)(nu_layer_rand(seed, i) >> 11) * 0x1.0p-53;
		w[i] = (float)((2.0 * u - 1.0) * limit);
	}
}
