/*
 * layer-pool.c: max pooling ("maxpool2d") and average pooling ("avgpool2d")
 * with Keras padding.
 *
 * Padded cells never take part: a max window takes the largest real cell
 * (TensorFlow pads with -inf), an average window divides by the number of
 * real cells it covers.  Max pooling leaves the winner of each window in
 * the workspace for backward.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"

struct pool {
	struct pool_conf c;     /* strides resolved */
	int oh, ow;
	int pt, pl;
};

static void
pool_conf_default(void *conf)
{
	struct pool_conf *c = conf;

	c->kh = c->kw = 2;
	c->sh = c->sw = 0;
	c->pad = NU_LAYER_PAD_VALID;
}

static enum nu_status
pool_setup(struct nu_layer *l, const void *conf, char **cause)
{
	const struct pool_conf *c = conf;
	struct pool *p;

	if (c->kh < 1 || c->kw < 1)
		return nu_fail(cause, NU_ERR_RANGE, "%s: window %dx%d is empty",
		    l->ops->name, c->kh, c->kw);
	if (c->sh < 0 || c->sw < 0)
		return nu_fail(cause, NU_ERR_RANGE, "%s: stride %dx%d is negative",
		    l->ops->name, c->sh, c->sw);
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory", l->ops->name);
	l->priv = p;
	p->c = *c;
	if (p->c.sh == 0)
		p->c.sh = c->kh;
	if (p->c.sw == 0)
		p->c.sw = c->kw;
	if (!nu_layer_pad_axis(c->pad, l->in.h, c->kh, p->c.sh, &p->oh, &p->pt) ||
	    !nu_layer_pad_axis(c->pad, l->in.w, c->kw, p->c.sw, &p->ow, &p->pl))
		return nu_fail(cause, NU_ERR_RANGE, "%s: window %dx%d does not fit "
		    "input %dx%d with valid padding", l->ops->name, c->kh, c->kw,
		    l->in.h, l->in.w);
	l->out = (struct nu_layer_shape){ l->in.c, p->oh, p->ow };
	return NU_OK;
}

/*
 * Workspace: the winner of every output cell of a slice, as an index into
 * its input plane (int32 [N, C, OH, OW]), then one row of column maxima and
 * one of the rows they came from (float [W], int32 [W]).
 */
static size_t
maxpool_ws_bytes(const struct nu_layer *l, int nmax)
{
	return nu_layer_align((size_t)nmax * l->out.c * l->out.h * l->out.w *
	    sizeof(int32_t)) + 2 * nu_layer_align((size_t)l->in.w * sizeof(float));
}

/* Rows [*lo, *hi) of the input under output row o (and likewise columns):
 * the window clipped to the real cells. */
static void
pool_window(int o, int stride, int pad, int k, int in, int *lo, int *hi)
{
	int a = o * stride - pad, b = a + k;

	*lo = a < 0 ? 0 : a;
	*hi = b > in ? in : b;
}

/*
 * in x: [N, C, H, W]  out y: [N, C, OH, OW]  ws: argmax [N, C, OH, OW]
 *
 * Per output row, the maxima down each input column first, then across
 * each window's columns: independent maxima the processor overlaps, where
 * one running maximum per window is a chain of dependent compares.  Written
 * as selects, which compilers turn into maxss and cmov: a branch on which
 * cell wins would mispredict half the time.  A tie goes to the leftmost
 * column, then the top row.
 */
static void
maxpool_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y)
{
	const struct pool *p = l->priv;
	const int H = l->in.h, W = l->in.w, oh = p->oh, ow = p->ow;
	const size_t planes = (size_t)ctx->n * l->in.c;
	int32_t *arg = ctx->ws;
	size_t argsz = nu_layer_align(planes * oh * ow * sizeof *arg);
	float *colmax = (float *)((char *)ctx->ws + argsz);
	int32_t *colrow = (int32_t *)((char *)colmax +
	    nu_layer_align((size_t)W * sizeof *colmax));

	for (size_t pl = 0; pl < planes; pl++) {
		const float *xp = x + pl * H * W;
		float *yp = y + pl * oh * ow;
		int32_t *ap = arg + pl * oh * ow;

		for (int oy = 0; oy < oh; oy++) {
			int r0, r1;

			pool_window(oy, p->c.sh, p->pt, p->c.kh, H, &r0, &r1);
			memcpy(colmax, xp + (size_t)r0 * W, (size_t)W * sizeof *colmax);
			for (int c = 0; c < W; c++)
				colrow[c] = r0;
			for (int r = r0 + 1; r < r1; r++) {
				const float *xr = xp + (size_t)r * W;

				for (int c = 0; c < W; c++) {
					float a = xr[c], b = colmax[c];
					int32_t gt = -(int32_t)(a > b);   /* all ones or 0 */

					colmax[c] = a > b ? a : b;
					colrow[c] ^= (colrow[c] ^ r) & gt;
				}
			}
			for (int ox = 0; ox < ow; ox++) {
				int c0, c1, best;
				float m;

				pool_window(ox, p->c.sw, p->pl, p->c.kw, W, &c0, &c1);
				m = colmax[c0];
				best = c0;
				for (int c = c0 + 1; c < c1; c++) {
					int gt = colmax[c] > m;

					m = gt ? colmax[c] : m;
					best = gt ? c : best;
				}
				yp[oy * ow + ox] = m;
				ap[oy * ow + ox] = colrow[best] * W + best;
			}
		}
	}
}

/* in dy: [N, C, OH, OW]  ws: the forward's argmax  out dx: [N, C, H, W] */
static void
maxpool_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx)
{
	const size_t hw = (size_t)l->in.h * l->in.w;
	const size_t ohw = (size_t)l->out.h * l->out.w;
	const size_t planes = (size_t)ctx->n * l->in.c;
	const int32_t *arg = ctx->ws;

	(void)x;
	(void)y;
	if (dx == NULL)
		return;
	memset(dx, 0, planes * hw * sizeof *dx);
	for (size_t pl = 0; pl < planes; pl++) {
		float *dp = dx + pl * hw;
		const float *gp = dy + pl * ohw;
		const int32_t *ap = arg + pl * ohw;

		for (size_t i = 0; i < ohw; i++)
			dp[ap[i]] += gp[i];
	}
}

/* in x: [N, C, H, W]  out y: [N, C, OH, OW]; the mean of the real cells */
static void
avgpool_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y)
{
	const struct pool *p = l->priv;
	const int H = l->in.h, W = l->in.w, oh = p->oh, ow = p->ow;
	const size_t planes = (size_t)ctx->n * l->in.c;

	for (size_t pl = 0; pl < planes; pl++) {
		const float *xp = x + pl * H * W;
		float *yp = y + pl * oh * ow;

		for (int oy = 0; oy < oh; oy++) {
			int r0, r1;

			pool_window(oy, p->c.sh, p->pt, p->c.kh, H, &r0, &r1);
			for (int ox = 0; ox < ow; ox++) {
				int c0, c1;
				float s = 0.0f;

				pool_window(ox, p->c.sw, p->pl, p->c.kw, W, &c0, &c1);
				for (int r = r0; r < r1; r++)
					for (int c = c0; c < c1; c++)
						s += xp[r * W + c];
				yp[oy * ow + ox] = s / (float)((r1 - r0) * (c1 - c0));
			}
		}
	}
}

/* in dy: [N, C, OH, OW]  out dx: [N, C, H, W] */
static void
avgpool_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx)
{
	const struct pool *p = l->priv;
	const int H = l->in.h, W = l->in.w, oh = p->oh, ow = p->ow;
	const size_t planes = (size_t)ctx->n * l->in.c;

	(void)x;
	(void)y;
	if (dx == NULL)
		return;
	memset(dx, 0, planes * H * W * sizeof *dx);
	for (size_t pl = 0; pl < planes; pl++) {
		float *dp = dx + pl * H * W;
		const float *gp = dy + pl * oh * ow;

		for (int oy = 0; oy < oh; oy++) {
			int r0, r1;

			pool_window(oy, p->c.sh, p->pt, p->c.kh, H, &r0, &r1);
			for (int ox = 0; ox < ow; ox++) {
				int c0, c1;
				float g;

				pool_window(ox, p->c.sw, p->pl, p->c.kw, W, &c0, &c1);
				g = gp[oy * ow + ox] / (float)((r1 - r0) * (c1 - c0));
				for (int r = r0; r < r1; r++)
					for (int c = c0; c < c1; c++)
						dp[r * W + c] += g;
			}
		}
	}
}

/* Comparisons or additions: one per window cell. */
static double
pool_flops(const struct nu_layer *l)
{
	const struct pool *p = l->priv;

	return (double)l->out.c * p->oh * p->ow * p->c.kh * p->c.kw;
}

const struct nu_layer_ops nu_layer_maxpool2d_ops = {
	.name = "maxpool2d",
	.conf_size = sizeof(struct pool_conf),
	.conf_default = pool_conf_default,
	.setup = pool_setup,
	.ws_bytes = maxpool_ws_bytes,
	.forward = maxpool_forward,
	.backward = maxpool_backward,
	.flops = pool_flops,
};

const struct nu_layer_ops nu_layer_avgpool2d_ops = {
	.name = "avgpool2d",
	.conf_size = sizeof(struct pool_conf),
	.conf_default = pool_conf_default,
	.setup = pool_setup,
	.forward = avgpool_forward,
	.backward = avgpool_backward,
	.flops = pool_flops,
};
