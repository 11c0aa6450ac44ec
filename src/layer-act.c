/*
 * layer-act.c: the element-wise and per-channel layers: activations
 * ("activation"), inverted dropout ("dropout"), batch normalisation
 * ("batchnorm") and "flatten".
 *
 * Activations differentiate from their output alone, and dropout re-derives
 * its mask from the counter-based generator, so both run in place and need
 * no scratch.  Batch norm keeps its slice's mean and variance in the
 * workspace for backward and for nu_layer_update_state().
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"

static size_t
numel(struct nu_layer_shape s, int n)
{
	return (size_t)n * s.c * s.h * s.w;
}

/* ---- activation ----------------------------------------------------------- */

static const char *const act_names[NU_ACT_NFUNCS] = {
	[NU_ACT_LINEAR] = "linear",
	[NU_ACT_RELU] = "relu",
	[NU_ACT_LEAKY_RELU] = "leaky_relu",
	[NU_ACT_SIGMOID] = "sigmoid",
	[NU_ACT_TANH] = "tanh",
	[NU_ACT_SOFTMAX] = "softmax",
};

const char *
nu_act_func_name(enum nu_act_func f)
{
	return (unsigned)f < NU_ACT_NFUNCS ? act_names[f] : "unknown";
}

int
nu_act_func_find(const char *name)
{
	for (int i = 0; i < NU_ACT_NFUNCS; i++)
		if (strcmp(act_names[i], name) == 0)
			return i;
	return -1;
}

struct act {
	struct nu_act_conf c;
};

static void
act_conf_default(void *conf)
{
	struct nu_act_conf *c = conf;

	c->func = NU_ACT_RELU;
	c->alpha = 0.3f;
}

static enum nu_status
act_setup(struct nu_layer *l, const void *conf, char **cause)
{
	const struct nu_act_conf *c = conf;
	struct act *a;

	if ((unsigned)c->func >= NU_ACT_NFUNCS)
		return nu_fail(cause, NU_ERR_RANGE, "activation: unknown function %d",
		    (int)c->func);
	/* alpha >= 0 keeps the sign of y that of x, which backward relies on */
	if (c->func == NU_ACT_LEAKY_RELU && !(c->alpha >= 0.0f && c->alpha <= 1.0f))
		return nu_fail(cause, NU_ERR_RANGE, "activation: leaky_relu alpha "
		    "%g is outside [0, 1]", (double)c->alpha);
	a = calloc(1, sizeof *a);
	if (a == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "activation: out of memory");
	a->c = *c;
	l->priv = a;
	l->out = l->in;
	return NU_OK;
}

static float
sigmoidf(float x)
{
	if (x >= 0.0f)
		return 1.0f / (1.0f + expf(-x));
	float e = expf(x);
	return e / (1.0f + e);
}

/* in x: [N, C, H, W]  out y: [N, C, H, W]; softmax over C at each (h, w) */
static void
act_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y)
{
	const struct act *a = l->priv;
	const size_t n = numel(l->in, ctx->n);
	const float alpha = a->c.alpha;

	switch (a->c.func) {
	case NU_ACT_LINEAR:
		if (y != x)
			memcpy(y, x, n * sizeof *y);
		break;
	case NU_ACT_RELU:
		/* clearing what has the sign bit set is max(x, 0) without the
		 * branch compilers emit for x > 0 ? x : 0, which mispredicts on
		 * every other element of real activations */
		for (size_t i = 0; i < n; i++) {
			uint32_t u;

			memcpy(&u, &x[i], sizeof u);
			u &= ~(uint32_t)((int32_t)u >> 31);
			memcpy(&y[i], &u, sizeof u);
		}
		break;
	case NU_ACT_LEAKY_RELU: {
		const float slope[2] = { alpha, 1.0f };

		for (size_t i = 0; i < n; i++)
			y[i] = x[i] * slope[x[i] > 0.0f];
		break;
	}
	case NU_ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			y[i] = sigmoidf(x[i]);
		break;
	case NU_ACT_TANH:
		for (size_t i = 0; i < n; i++)
			y[i] = tanhf(x[i]);
		break;
	case NU_ACT_SOFTMAX: {
		const size_t C = (size_t)l->in.c, hw = (size_t)l->in.h * l->in.w;

		for (int e = 0; e < ctx->n; e++)
			for (size_t p = 0; p < hw; p++) {
				const float *xe = x + (size_t)e * C * hw + p;
				float *ye = y + (size_t)e * C * hw + p;
				float m = xe[0], s = 0.0f;

				for (size_t c = 1; c < C; c++)
					if (xe[c * hw] > m)
						m = xe[c * hw];
				for (size_t c = 0; c < C; c++) {
					ye[c * hw] = expf(xe[c * hw] - m);
					s += ye[c * hw];
				}
				for (size_t c = 0; c < C; c++)
					ye[c * hw] /= s;
			}
		break;
	}
	case NU_ACT_NFUNCS:
		break;
	}
}

/* in y, dy: [N, C, H, W]  out dx: [N, C, H, W]; from y alone, so x may be y
 * and dx may be dy */
static void
act_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx)
{
	const struct act *a = l->priv;
	const size_t n = numel(l->in, ctx->n);
	const float alpha = a->c.alpha;

	(void)x;
	if (dx == NULL)
		return;
	switch (a->c.func) {
	case NU_ACT_LINEAR:
		if (dx != dy)
			memcpy(dx, dy, n * sizeof *dx);
		break;
	case NU_ACT_RELU:
	case NU_ACT_LEAKY_RELU: {
		/* a table, not a branch: see forward */
		const float slope[2] = { a->c.func == NU_ACT_RELU ? 0.0f : alpha, 1.0f };

		for (size_t i = 0; i < n; i++)
			dx[i] = dy[i] * slope[y[i] > 0.0f];
		break;
	}
	case NU_ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			dx[i] = dy[i] * y[i] * (1.0f - y[i]);
		break;
	case NU_ACT_TANH:
		for (size_t i = 0; i < n; i++)
			dx[i] = dy[i] * (1.0f - y[i] * y[i]);
		break;
	case NU_ACT_SOFTMAX: {
		const size_t C = (size_t)l->in.c, hw = (size_t)l->in.h * l->in.w;

		for (int e = 0; e < ctx->n; e++)
			for (size_t p = 0; p < hw; p++) {
				size_t o = (size_t)e * C * hw + p;
				float s = 0.0f;

				for (size_t c = 0; c < C; c++)
					s += dy[o + c * hw] * y[o + c * hw];
				for (size_t c = 0; c < C; c++)
					dx[o + c * hw] = y[o + c * hw] *
					    (dy[o + c * hw] - s);
			}
		break;
	}
	case NU_ACT_NFUNCS:
		break;
	}
}

static double
act_flops(const struct nu_layer *l)
{
	return (double)numel(l->in, 1);
}

const struct nu_layer_ops nu_layer_act_ops = {
	.name = "activation",
	.conf_size = sizeof(struct nu_act_conf),
	.inplace = true,
	.conf_default = act_conf_default,
	.setup = act_setup,
	.forward = act_forward,
	.backward = act_backward,
	.flops = act_flops,
};

/* ---- dropout -------------------------------------------------------------- */

struct dropout {
	uint32_t keep_from;     /* keep an element when its 16 random bits >= this */
	float scale;            /* 1 / (1 - rate) */
};

static void
dropout_conf_default(void *conf)
{
	struct dropout_conf *c = conf;

	c->rate = 0.5f;
}

static enum nu_status
dropout_setup(struct nu_layer *l, const void *conf, char **cause)
{
	const struct dropout_conf *c = conf;
	struct dropout *d;

	if (!(c->rate >= 0.0f && c->rate < 1.0f))
		return nu_fail(cause, NU_ERR_RANGE, "dropout: rate %g is outside "
		    "[0, 1)", (double)c->rate);
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "dropout: out of memory");
	d->keep_from = (uint32_t)llround((double)c->rate * 65536.0);
	d->scale = (float)(1.0 / (1.0 - (double)c->rate));
	l->priv = d;
	l->out = l->in;
	return NU_OK;
}

/*
 * dst = src * scale where the mask keeps, 0 elsewhere.  The mask of element
 * i of event e is a function of (seed, batch index of e, i) only: 16 bits of
 * nu_layer_rand(seed, counter) for each element, four elements to a counter,
 * the mask recomputed in backward rather than stored.
 *
 * nu_layer_rand(seed, c) is mix(mix(seed) + (c + 1) * golden); the first
 * mix is the same for every counter of a call, so it is taken once here and
 * each counter costs one inline mix instead of a call and two mixes, and
 * the random words of a block are made in one loop before the block is
 * masked in another, with no table lookup or branch per element.  The
 * masks are bit for bit those of nu_layer_rand (test-layers checks it), so
 * a fixed-seed run trains exactly as before.  On seed2 (dropout after every
 * convolution, 17 % of a training step) this made dropout's forward and
 * backward about 2.5 times faster.
 */
#define DROPOUT_BLOCK 64        /* counters (4 elements each) per block */

static void
dropout_apply(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *src, float *dst)
{
	const struct dropout *d = l->priv;
	const size_t ev = numel(l->in, 1), words = (ev + 3) / 4;
	const uint64_t sk = nu_layer_mix(ctx->seed);
	const uint32_t keep_from = d->keep_from;
	uint32_t scale_bits;
	uint16_t rh[4 * DROPOUT_BLOCK];

	memcpy(&scale_bits, &d->scale, sizeof scale_bits);
	for (int e = 0; e < ctx->n; e++) {
		uint64_t base = (uint64_t)(ctx->first + (size_t)e) * words;
		const float *s = src + (size_t)e * ev;
		float *o = dst + (size_t)e * ev;

		for (size_t w0 = 0; w0 < words; w0 += DROPOUT_BLOCK) {
			size_t nw = words - w0 < DROPOUT_BLOCK ? words - w0 : DROPOUT_BLOCK;
			size_t i0 = w0 * 4, m = ev - i0 < nw * 4 ? ev - i0 : nw * 4;

			for (size_t w = 0; w < nw; w++) {
				uint64_t r = nu_layer_mix(sk + (base + w0 + w + 1) *
				    0x9e3779b97f4a7c15ULL);

				for (int j = 0; j < 4; j++)
					rh[w * 4 + (size_t)j] = (uint16_t)(r >> (16 * j));
			}
			/* the factor, scale or 0, picked with a mask and not a
			 * branch: masks are coin flips */
			for (size_t i = 0; i < m; i++) {
				uint32_t h = rh[i];
				uint32_t fb = scale_bits & -(uint32_t)(h >= keep_from);
				float f;

				memcpy(&f, &fb, sizeof f);
				o[i0 + i] = s[i0 + i] * f;
			}
		}
	}
}

/* in x: [N, C, H, W]  out y: [N, C, H, W] */
static void
dropout_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y)
{
	if (ctx->train)
		dropout_apply(l, ctx, x, y);
	else if (y != x)
		memcpy(y, x, numel(l->in, ctx->n) * sizeof *y);
}

/* in dy: [N, C, H, W]  out dx: [N, C, H, W]; the same mask as forward */
static void
dropout_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx)
{
	(void)x;
	(void)y;
	if (dx == NULL)
		return;
	if (ctx->train)
		dropout_apply(l, ctx, dy, dx);
	else if (dx != dy)
		memcpy(dx, dy, numel(l->in, ctx->n) * sizeof *dx);
}

const struct nu_layer_ops nu_layer_dropout_ops = {
	.name = "dropout",
	.conf_size = sizeof(struct dropout_conf),
	.inplace = true,
	.conf_default = dropout_conf_default,
	.setup = dropout_setup,
	.forward = dropout_forward,
	.backward = dropout_backward,
};

/* ---- batch normalisation ---------------------------------------------------- */

/*
 * Workspace: the slice's per-channel mean and (biased) variance, as doubles
 * so that nu_layer_update_state() can pool slices exactly, then the number of
 * values each channel's statistics are over.
 */
struct bn {
	struct bn_conf c;
};

static void
bn_conf_default(void *conf)
{
	struct bn_conf *c = conf;

	c->momentum = 0.99f;
	c->eps = 1e-3f;
}

static enum nu_status
bn_setup(struct nu_layer *l, const void *conf, char **cause)
{
	const struct bn_conf *c = conf;
	struct bn *b;
	size_t C = (size_t)l->in.c;

	if (!(c->momentum >= 0.0f && c->momentum <= 1.0f))
		return nu_fail(cause, NU_ERR_RANGE, "batchnorm: momentum %g is "
		    "outside [0, 1]", (double)c->momentum);
	if (!(c->eps > 0.0f))
		return nu_fail(cause, NU_ERR_RANGE, "batchnorm: epsilon %g is not "
		    "positive", (double)c->eps);
	b = calloc(1, sizeof *b);
	if (b == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "batchnorm: out of memory");
	b->c = *c;
	l->priv = b;
	l->out = l->in;
	l->nparams = 2 * C;
	l->nstate = 2 * C;
	l->ntensors = 4;
	l->tensors[0] = (struct nu_layer_tensor){ .name = "gamma",
	    .role = NU_LAYER_ROLE_GAMMA, .rank = 1, .dims = { l->in.c }, .off = 0,
	    .size = C };
	l->tensors[1] = (struct nu_layer_tensor){ .name = "beta",
	    .role = NU_LAYER_ROLE_BETA, .rank = 1, .dims = { l->in.c }, .off = C,
	    .size = C };
	l->tensors[2] = (struct nu_layer_tensor){ .name = "running_mean",
	    .role = NU_LAYER_ROLE_RUNNING_MEAN, .state = true, .rank = 1,
	    .dims = { l->in.c }, .off = 0, .size = C };
	l->tensors[3] = (struct nu_layer_tensor){ .name = "running_var",
	    .role = NU_LAYER_ROLE_RUNNING_VAR, .state = true, .rank = 1,
	    .dims = { l->in.c }, .off = C, .size = C };
	return NU_OK;
}

static size_t
bn_ws_bytes(const struct nu_layer *l, int nmax)
{
	(void)nmax;
	return (2 * (size_t)l->in.c + 1) * sizeof(double);
}

static void
bn_init(const struct nu_layer *l, float *params, float *state, uint64_t seed)
{
	size_t C = (size_t)l->in.c;

	(void)seed;
	for (size_t c = 0; c < C; c++) {
		params[c] = 1.0f;
		params[C + c] = 0.0f;
		state[c] = 0.0f;
		state[C + c] = 1.0f;
	}
}

/* The mean and inverse deviation a call normalises channel c with. */
static void
bn_stats(const struct nu_layer *l, const struct nu_layer_ctx *ctx, size_t c,
    float *mean, float *invstd)
{
	const struct bn *b = l->priv;
	const double *ws = ctx->ws;
	size_t C = (size_t)l->in.c;
	double m, v;

	if (ctx->train) {
		m = ws[c];
		v = ws[C + c];
	} else {
		m = ctx->state[c];
		v = ctx->state[C + c];
	}
	*mean = (float)m;
	*invstd = (float)(1.0 / sqrt(v + (double)b->c.eps));
}

/* in x: [N, C, H, W]  gamma, beta: [C]  out y: [N, C, H, W]
 * ws (training): the slice's mean [C], variance [C], count */
static void
bn_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y)
{
	const size_t C = (size_t)l->in.c, hw = (size_t)l->in.h * l->in.w;
	const float *gamma = ctx->params, *beta = ctx->params + C;
	double *ws = ctx->ws;

	for (size_t c = 0; c < C; c++) {
		float mean, invstd, g, sh;

		if (ctx->train) {
			double s = 0.0, ss = 0.0, m, cnt = (double)ctx->n * hw;

			for (int e = 0; e < ctx->n; e++) {
				const float *xp = x + ((size_t)e * C + c) * hw;

				for (size_t p = 0; p < hw; p++)
					s += xp[p];
			}
			m = s / cnt;
			for (int e = 0; e < ctx->n; e++) {
				const float *xp = x + ((size_t)e * C + c) * hw;

				for (size_t p = 0; p < hw; p++)
					ss += (xp[p] - m) * (xp[p] - m);
			}
			ws[c] = m;
			ws[C + c] = ss / cnt;
			ws[2 * C] = cnt;
		}
		bn_stats(l, ctx, c, &mean, &invstd);
		g = gamma[c] * invstd;
		sh = beta[c] - mean * g;
		for (int e = 0; e < ctx->n; e++) {
			const float *xp = x + ((size_t)e * C + c) * hw;
			float *yp = y + ((size_t)e * C + c) * hw;

			for (size_t p = 0; p < hw; p++)
				yp[p] = xp[p] * g + sh;
		}
	}
}

/* in x, dy: [N, C, H, W]  gamma: [C]  adds dgamma, dbeta: [C]
 * out dx: [N, C, H, W] */
static void
bn_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx)
{
	const size_t C = (size_t)l->in.c, hw = (size_t)l->in.h * l->in.w;
	const float *gamma = ctx->params;
	float *dgamma = ctx->grads, *dbeta = ctx->grads + C;
	const double cnt = (double)ctx->n * hw;

	(void)y;
	for (size_t c = 0; c < C; c++) {
		float mean, invstd, a, b, k;
		double sdy = 0.0, sdyx = 0.0;

		bn_stats(l, ctx, c, &mean, &invstd);
		for (int e = 0; e < ctx->n; e++) {
			const float *xp = x + ((size_t)e * C + c) * hw;
			const float *gp = dy + ((size_t)e * C + c) * hw;

			for (size_t p = 0; p < hw; p++) {
				sdy += gp[p];
				sdyx += gp[p] * ((xp[p] - mean) * invstd);
			}
		}
		dgamma[c] += (float)sdyx;
		dbeta[c] += (float)sdy;
		if (dx == NULL)
			continue;
		/* training: dx = g*is * (dy - mean(dy) - xhat * mean(dy*xhat));
		 * inference: the statistics are constants, dx = g*is * dy */
		k = gamma[c] * invstd;
		if (ctx->train) {
			a = (float)(sdy / cnt);
			b = (float)(sdyx / cnt);
		} else {
			a = 0.0f;
			b = 0.0f;
		}
		for (int e = 0; e < ctx->n; e++) {
			const float *xp = x + ((size_t)e * C + c) * hw;
			const float *gp = dy + ((size_t)e * C + c) * hw;
			float *dp = dx + ((size_t)e * C + c) * hw;

			for (size_t p = 0; p < hw; p++)
				dp[p] = k * (gp[p] - a - (xp[p] - mean) * invstd * b);
		}
	}
}

/*
 * Pool the slices' statistics into those of the whole batch, then move the
 * running statistics towards them as Keras does.  As tf.keras 2's fused
 * kernel (used for images), the variance folded in carries Bessel's
 * correction m / (m - 1) when the layer normalises over space; for flat
 * features it is the biased one, as its tf.nn.moments path.
 */
static void
bn_update_state(const struct nu_layer *l, float *state, void *const *ws, int nws)
{
	const struct bn *b = l->priv;
	const size_t C = (size_t)l->in.c;
	const double mom = b->c.momentum;
	const bool spatial = l->in.h * l->in.w > 1;

	for (size_t c = 0; c < C; c++) {
		double cnt = 0.0, m = 0.0, v = 0.0;

		for (int k = 0; k < nws; k++) {
			const double *w = ws[k];

			cnt += w[2 * C];
			m += w[2 * C] * w[c];
		}
		m /= cnt;
		for (int k = 0; k < nws; k++) {
			const double *w = ws[k];
			double d = w[c] - m;

			v += w[2 * C] * (w[C + c] + d * d);
		}
		v /= cnt;
		if (spatial && cnt > 1.0)
			v *= cnt / (cnt - 1.0);
		state[c] = (float)(state[c] * mom + m * (1.0 - mom));
		state[C + c] = (float)(state[C + c] * mom + v * (1.0 - mom));
	}
}

static double
bn_flops(const struct nu_layer *l)
{
	return 2.0 * (double)numel(l->in, 1);
}

const struct nu_layer_ops nu_layer_bn_ops = {
	.name = "batchnorm",
	.conf_size = sizeof(struct bn_conf),
	.inplace = false,
	.conf_default = bn_conf_default,
	.setup = bn_setup,
	.ws_bytes = bn_ws_bytes,
	.init = bn_init,
	.forward = bn_forward,
	.backward = bn_backward,
	.update_state = bn_update_state,
	.flops = bn_flops,
};

/* ---- flatten -------------------------------------------------------------- */

static enum nu_status
flatten_setup(struct nu_layer *l, const void *conf, char **cause)
{
	(void)conf;
	(void)cause;
	l->out = (struct nu_layer_shape){ l->in.c * l->in.h * l->in.w, 1, 1 };
	return NU_OK;
}

/* in x: [N, C, H, W]  out y: [N, C*H*W]: NCHW is already that order */
static void
flatten_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y)
{
	if (y != x)
		memcpy(y, x, numel(l->in, ctx->n) * sizeof *y);
}

static void
flatten_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx)
{
	(void)x;
	(void)y;
	if (dx != NULL && dx != dy)
		memcpy(dx, dy, numel(l->in, ctx->n) * sizeof *dx);
}

const struct nu_layer_ops nu_layer_flatten_ops = {
	.name = "flatten",
	.conf_size = 0,
	.inplace = true,
	.setup = flatten_setup,
	.forward = flatten_forward,
	.backward = flatten_backward,
};
