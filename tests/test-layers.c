/*
 * test-layers.c: the layer kernels and losses against truth: output shapes
 * and parameter counts of Keras cases, convolution and pooling against
 * naive direct loops, central-difference gradients of every kind,
 * activation and loss, hand-computed loss values, determinism, dropout and
 * batch-norm statistics, and the errors a user can reach.
 */
#include "config.h"

#include <float.h>
#include <stdint.h>

#include "layer.h"
#include "loss.h"
#include "testhelp.h"

/* ---- helpers ---------------------------------------------------------------- */

static uint64_t test_seed = 12345;

/* Uniform in [lo, hi), reproducible. */
static float
urand(float lo, float hi)
{
	double u = (double)(nu_layer_rand(0xfeed, test_seed++) >> 11) * 0x1.0p-53;

	return (float)(lo + (hi - lo) * u);
}

static void
fill(float *a, size_t n, float lo, float hi)
{
	for (size_t i = 0; i < n; i++)
		a[i] = urand(lo, hi);
}

/* Values of magnitude in [0.05, 1) and random sign: away from relu kinks. */
static void
fill_away_from_zero(float *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = urand(0.05f, 1.0f) * (urand(0.0f, 1.0f) < 0.5f ? -1.0f : 1.0f);
}

/* Distinct values at least 0.01 apart in random order: no max-pool ties. */
static void
fill_distinct(float *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = -1.0f + 0.01f * (float)i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(nu_layer_rand(0xbeef, test_seed++) % i);
		float t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

static void *
xalloc(size_t bytes)
{
	void *p = aligned_alloc(64, nu_layer_align(bytes ? bytes : 1));

	if (p == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	memset(p, 0, nu_layer_align(bytes ? bytes : 1));
	return p;
}

static size_t
numel(struct nu_layer_shape s, int n)
{
	return (size_t)n * s.c * s.h * s.w;
}

/* Everything a layer needs from a network, for one thread. */
struct rig {
	struct nu_layer *l;
	float *params, *grads, *state;
	void *ws;
	float *x, *y, *dy, *dx;
	int n;
};

static struct nu_layer *
make(const struct nu_layer_ops *ops, const void *conf, struct nu_layer_shape in)
{
	struct nu_layer *l;
	char *cause = NULL;
	enum nu_status st = nu_layer_new(ops, conf, in, &l, &cause);

	if (st != NU_OK) {
		printf("Bail out! %s: %s\n", ops->name, cause ? cause : "?");
		exit(1);
	}
	return l;
}

static void
rig_open(struct rig *r, const struct nu_layer_ops *ops, const void *conf,
    struct nu_layer_shape in, int n)
{
	memset(r, 0, sizeof *r);
	r->l = make(ops, conf, in);
	r->n = n;
	r->params = xalloc(r->l->nparams * sizeof(float));
	r->grads = xalloc(r->l->nparams * sizeof(float));
	r->state = xalloc(r->l->nstate * sizeof(float));
	r->ws = xalloc(nu_layer_ws_bytes(r->l, n));
	r->x = xalloc(numel(in, n) * sizeof(float));
	r->dx = xalloc(numel(in, n) * sizeof(float));
	r->y = xalloc(numel(r->l->out, n) * sizeof(float));
	r->dy = xalloc(numel(r->l->out, n) * sizeof(float));
	nu_layer_init(r->l, r->params, r->state, 7);
}

static void
rig_close(struct rig *r)
{
	nu_layer_free(r->l);
	free(r->params);
	free(r->grads);
	free(r->state);
	free(r->ws);
	free(r->x);
	free(r->y);
	free(r->dy);
	free(r->dx);
}

static struct nu_layer_ctx
rig_ctx(struct rig *r, bool train)
{
	return (struct nu_layer_ctx){ .n = r->n, .first = 0, .train = train,
	    .seed = 99, .params = r->params, .grads = r->grads,
	    .state = r->state, .ws = r->ws };
}

static void
rig_forward(struct rig *r, bool train)
{
	struct nu_layer_ctx ctx = rig_ctx(r, train);

	nu_layer_forward(r->l, &ctx, r->x, r->y);
}

static void
rig_backward(struct rig *r, bool train)
{
	struct nu_layer_ctx ctx = rig_ctx(r, train);

	memset(r->grads, 0, r->l->nparams * sizeof(float));
	nu_layer_backward(r->l, &ctx, r->x, r->y, r->dy, r->dx);
}

/* sum(proj * y) in double after a forward pass */
static double
projected(struct rig *r, const float *proj, bool train)
{
	size_t m = numel(r->l->out, r->n);
	double s = 0.0;

	rig_forward(r, train);
	for (size_t i = 0; i < m; i++)
		s += (double)proj[i] * r->y[i];
	return s;
}

/* How to fill the input of a gradient check. */
enum xfill { X_UNIFORM, X_AWAY_FROM_ZERO, X_DISTINCT };

/*
 * Central differences of L = sum(proj * y) with respect to every input (or
 * up to 300 of them) and every parameter, against backward's dx and grads.
 * Passes when |numeric - analytic| <= tol * max(1, |analytic|) everywhere.
 */
static void
gradcheck(const char *what, const struct nu_layer_ops *ops, const void *conf,
    struct nu_layer_shape in, int n, bool train, enum xfill xf, float h,
    double tol)
{
	struct rig r;
	float *proj, *dx, *gp;
	size_t nx, np, ny, stepx;
	double worst = 0.0;
	const char *where = "-";

	rig_open(&r, ops, conf, in, n);
	nx = numel(in, n);
	np = r.l->nparams;
	ny = numel(r.l->out, n);
	if (xf == X_DISTINCT)
		fill_distinct(r.x, nx);
	else if (xf == X_AWAY_FROM_ZERO)
		fill_away_from_zero(r.x, nx);
	else
		fill(r.x, nx, -1.0f, 1.0f);
	if (r.l->ops == &nu_layer_bn_ops) {
		size_t C = (size_t)in.c;

		fill(r.params, C, 0.5f, 1.5f);          /* gamma */
		fill(r.params + C, C, -0.5f, 0.5f);     /* beta */
		fill(r.state, C, -0.3f, 0.3f);          /* running mean */
		fill(r.state + C, C, 0.5f, 1.5f);       /* running var */
	} else {
		fill(r.params, np, -0.5f, 0.5f);
	}
	proj = xalloc(ny * sizeof(float));
	fill(proj, ny, -1.0f, 1.0f);
	memcpy(r.dy, proj, ny * sizeof(float));
	rig_forward(&r, train);
	rig_backward(&r, train);
	dx = xalloc(nx * sizeof(float));
	gp = xalloc((np ? np : 1) * sizeof(float));
	memcpy(dx, r.dx, nx * sizeof(float));
	memcpy(gp, r.grads, np * sizeof(float));

	stepx = nx > 300 ? nx / 300 + 1 : 1;
	for (size_t i = 0; i < nx; i += stepx) {
		float keep = r.x[i];
		double lp, lm, num, err;

		r.x[i] = keep + h;
		lp = projected(&r, proj, train);
		r.x[i] = keep - h;
		lm = projected(&r, proj, train);
		r.x[i] = keep;
		num = (lp - lm) / (2.0 * h);
		err = fabs(num - dx[i]) / fmax(1.0, fabs(dx[i]));
		if (err > worst) {
			worst = err;
			where = "input";
		}
	}
	for (size_t i = 0; i < np; i++) {
		float keep = r.params[i];
		double lp, lm, num, err;

		r.params[i] = keep + h;
		lp = projected(&r, proj, train);
		r.params[i] = keep - h;
		lm = projected(&r, proj, train);
		r.params[i] = keep;
		num = (lp - lm) / (2.0 * h);
		err = fabs(num - gp[i]) / fmax(1.0, fabs(gp[i]));
		if (err > worst) {
			worst = err;
			where = "parameter";
		}
	}
	CHECK(worst <= tol, "gradient %s: worst error %.2e (%s) <= %.0e", what,
	    worst, where, tol);
	free(proj);
	free(dx);
	free(gp);
	rig_close(&r);
}

/* ---- naive references ------------------------------------------------------- */

/* Keras's same padding, written out independently of nu_layer_pad_axis. */
static void
keras_axis(bool same, int in, int k, int s, int *out, int *before)
{
	if (same) {
		int total;

		*out = in % s == 0 ? in / s : in / s + 1;
		total = (*out - 1) * s + k - in;
		*before = total > 0 ? total / 2 : 0;
	} else {
		*out = (in - k) / s + 1;
		*before = 0;
	}
}

struct convcase {
	int n, c, h, w, oc, kh, kw, sh, sw;
	bool same;
};

/* The seven loops, in double: y, then dw, db, dx for a given dy. */
static void
conv_naive(const struct convcase *k, const float *x, const float *w,
    const float *b, const float *dy, double *y, double *dw, double *db,
    double *dx)
{
	int oh, ow, pt, pl;

	keras_axis(k->same, k->h, k->kh, k->sh, &oh, &pt);
	keras_axis(k->same, k->w, k->kw, k->sw, &ow, &pl);
	memset(dw, 0, sizeof *dw * (size_t)k->oc * k->c * k->kh * k->kw);
	memset(db, 0, sizeof *db * (size_t)k->oc);
	memset(dx, 0, sizeof *dx * (size_t)k->n * k->c * k->h * k->w);
	for (int n = 0; n < k->n; n++)
		for (int o = 0; o < k->oc; o++)
			for (int oy = 0; oy < oh; oy++)
				for (int ox = 0; ox < ow; ox++) {
					size_t yi = (((size_t)n * k->oc + o) * oh + oy) * ow + ox;
					double s = b[o];

					db[o] += dy[yi];
					for (int c = 0; c < k->c; c++)
						for (int i = 0; i < k->kh; i++)
							for (int j = 0; j < k->kw; j++) {
								int ih = oy * k->sh - pt + i;
								int iw = ox * k->sw - pl + j;
								size_t wi, xi;

								if (ih < 0 || ih >= k->h || iw < 0 || iw >= k->w)
									continue;
								wi = (((size_t)o * k->c + c) * k->kh + i) * k->kw + j;
								xi = (((size_t)n * k->c + c) * k->h + ih) * k->w + iw;
								s += (double)w[wi] * x[xi];
								dw[wi] += (double)dy[yi] * x[xi];
								dx[xi] += (double)dy[yi] * w[wi];
							}
					y[yi] = s;
				}
}

static double
maxdiff(const float *a, const double *b, size_t n, double *scale)
{
	double m = 0.0, s = 0.0;

	for (size_t i = 0; i < n; i++) {
		if (fabs(a[i] - b[i]) > m)
			m = fabs(a[i] - b[i]);
		if (fabs(b[i]) > s)
			s = fabs(b[i]);
	}
	*scale = s;
	return m;
}

static void
conv_against_naive(const struct convcase *k)
{
	struct conv_conf cc;
	struct rig r;
	int oh, ow, pt, pl;
	size_t nx, ny, nw;
	double *y, *dw, *db, *dx, d, s;

	nu_layer_conf_default(&nu_layer_conv2d_ops, &cc);
	cc.filters = k->oc;
	cc.kh = k->kh;
	cc.kw = k->kw;
	cc.sh = k->sh;
	cc.sw = k->sw;
	cc.pad = k->same ? NU_LAYER_PAD_SAME : NU_LAYER_PAD_VALID;
	rig_open(&r, &nu_layer_conv2d_ops, &cc, (struct nu_layer_shape){ k->c, k->h, k->w },
	    k->n);
	keras_axis(k->same, k->h, k->kh, k->sh, &oh, &pt);
	keras_axis(k->same, k->w, k->kw, k->sw, &ow, &pl);
	CHECK(r.l->out.c == k->oc && r.l->out.h == oh && r.l->out.w == ow,
	    "conv %dx%d/%dx%d %s on %dx%dx%d: output %dx%dx%d, Keras %dx%dx%d",
	    k->kh, k->kw, k->sh, k->sw, k->same ? "same" : "valid", k->c, k->h,
	    k->w, r.l->out.c, r.l->out.h, r.l->out.w, k->oc, oh, ow);
	nx = numel(r.l->in, k->n);
	ny = numel(r.l->out, k->n);
	nw = (size_t)k->oc * k->c * k->kh * k->kw;
	fill(r.x, nx, -1.0f, 1.0f);
	fill(r.params, r.l->nparams, -1.0f, 1.0f);
	fill(r.dy, ny, -1.0f, 1.0f);
	y = calloc(ny, sizeof *y);
	dw = calloc(nw, sizeof *dw);
	db = calloc((size_t)k->oc, sizeof *db);
	dx = calloc(nx, sizeof *dx);
	conv_naive(k, r.x, r.params, r.params + nw, r.dy, y, dw, db, dx);
	rig_forward(&r, true);
	rig_backward(&r, true);

	d = maxdiff(r.y, y, ny, &s);
	CHECK(d <= 1e-5 * (1.0 + s), "  forward matches the direct loops (%.1e)", d);
	d = maxdiff(r.grads, dw, nw, &s);
	CHECK(d <= 1e-5 * (1.0 + s), "  dW matches (%.1e of %.1e)", d, s);
	d = maxdiff(r.grads + nw, db, (size_t)k->oc, &s);
	CHECK(d <= 1e-5 * (1.0 + s), "  db matches (%.1e of %.1e)", d, s);
	d = maxdiff(r.dx, dx, nx, &s);
	CHECK(d <= 1e-5 * (1.0 + s), "  dX matches (%.1e of %.1e)", d, s);
	free(y);
	free(dw);
	free(db);
	free(dx);
	rig_close(&r);
}

struct poolcase {
	int n, c, h, w, kh, kw, sh, sw;
	bool same;
	int oh, ow;             /* expected, from Keras */
};

static void
pool_against_naive(const struct poolcase *k, bool max)
{
	const struct nu_layer_ops *ops = max ? &nu_layer_maxpool2d_ops : &nu_layer_avgpool2d_ops;
	struct pool_conf pc;
	struct rig r;
	int oh, ow, pt, pl;
	size_t nx, ny;
	double *y, *dx, d, s;

	nu_layer_conf_default(ops, &pc);
	pc.kh = k->kh;
	pc.kw = k->kw;
	pc.sh = k->sh;
	pc.sw = k->sw;
	pc.pad = k->same ? NU_LAYER_PAD_SAME : NU_LAYER_PAD_VALID;
	rig_open(&r, ops, &pc, (struct nu_layer_shape){ k->c, k->h, k->w }, k->n);
	CHECK(r.l->out.h == k->oh && r.l->out.w == k->ow && r.l->out.c == k->c,
	    "%s %dx%d/%dx%d %s on %dx%d -> %dx%d (Keras %dx%d)", ops->name,
	    k->kh, k->kw, pc.sh ? pc.sh : k->kh, pc.sw ? pc.sw : k->kw,
	    k->same ? "same" : "valid", k->h, k->w, r.l->out.h, r.l->out.w,
	    k->oh, k->ow);
	keras_axis(k->same, k->h, k->kh, k->sh ? k->sh : k->kh, &oh, &pt);
	keras_axis(k->same, k->w, k->kw, k->sw ? k->sw : k->kw, &ow, &pl);
	nx = numel(r.l->in, k->n);
	ny = numel(r.l->out, k->n);
	/* all-negative inputs: a -inf-padded max must not pick a zero pad */
	fill_distinct(r.x, nx);
	for (size_t i = 0; i < nx; i++)
		r.x[i] -= 0.01f * (float)nx;
	fill(r.dy, ny, -1.0f, 1.0f);
	y = calloc(ny, sizeof *y);
	dx = calloc(nx, sizeof *dx);
	for (int pl0 = 0; pl0 < k->n * k->c; pl0++)
		for (int oy = 0; oy < oh; oy++)
			for (int ox = 0; ox < ow; ox++) {
				size_t yi = ((size_t)pl0 * oh + oy) * ow + ox;
				double best = -INFINITY, sum = 0.0;
				size_t bi = 0;
				int cnt = 0;

				for (int i = 0; i < k->kh; i++)
					for (int j = 0; j < k->kw; j++) {
						int ih = oy * (k->sh ? k->sh : k->kh) - pt + i;
						int iw = ox * (k->sw ? k->sw : k->kw) - pl + j;
						size_t xi;

						if (ih < 0 || ih >= k->h || iw < 0 || iw >= k->w)
							continue;
						xi = ((size_t)pl0 * k->h + ih) * k->w + iw;
						if (r.x[xi] > best) {
							best = r.x[xi];
							bi = xi;
						}
						sum += r.x[xi];
						cnt++;
					}
				if (max) {
					y[yi] = best;
					dx[bi] += r.dy[yi];
				} else {
					y[yi] = sum / cnt;
					for (int i = 0; i < k->kh; i++)
						for (int j = 0; j < k->kw; j++) {
							int ih = oy * (k->sh ? k->sh : k->kh) - pt + i;
							int iw = ox * (k->sw ? k->sw : k->kw) - pl + j;

							if (ih < 0 || ih >= k->h || iw < 0 || iw >= k->w)
								continue;
							dx[((size_t)pl0 * k->h + ih) * k->w + iw] +=
							    r.dy[yi] / cnt;
						}
				}
			}
	rig_forward(&r, true);
	rig_backward(&r, true);
	d = maxdiff(r.y, y, ny, &s);
	CHECK(d <= 1e-5 * (1.0 + s), "  forward matches the direct loops (%.1e)", d);
	d = maxdiff(r.dx, dx, nx, &s);
	CHECK(d <= 1e-5 * (1.0 + s), "  backward matches (%.1e)", d);
	free(y);
	free(dx);
	rig_close(&r);
}

/* ---- the tests -------------------------------------------------------------- */

static void
test_shapes_and_counts(void)
{
	struct conv_conf cc;
	struct pool_conf pc;
	struct dense_conf dc;
	struct nu_layer *l;
	int out, before;
	size_t total = 0;

	/* padding arithmetic */
	CHECK(nu_layer_pad_axis(NU_LAYER_PAD_SAME, 100, 2, 1, &out, &before) &&
	    out == 100 && before == 0, "same 2 on 100: out 100, pad 0 top, 1 bottom");
	CHECK(nu_layer_pad_axis(NU_LAYER_PAD_SAME, 10, 4, 1, &out, &before) &&
	    out == 10 && before == 1, "same 4 on 10: pad 1 top, 2 bottom");
	CHECK(nu_layer_pad_axis(NU_LAYER_PAD_SAME, 100, 3, 3, &out, &before) &&
	    out == 34 && before == 1, "same 3/3 on 100: 34, pad 1 + 1");
	CHECK(nu_layer_pad_axis(NU_LAYER_PAD_SAME, 80, 3, 3, &out, &before) &&
	    out == 27 && before == 0, "same 3/3 on 80: 27, pad 0 + 1");
	CHECK(nu_layer_pad_axis(NU_LAYER_PAD_SAME, 7, 1, 3, &out, &before) &&
	    out == 3 && before == 0, "same 1/3 on 7: 3, no pad");
	CHECK(nu_layer_pad_axis(NU_LAYER_PAD_VALID, 25, 2, 2, &out, &before) &&
	    out == 12, "valid 2/2 on 25: 12");
	CHECK(!nu_layer_pad_axis(NU_LAYER_PAD_VALID, 4, 5, 1, &out, &before),
	    "valid 5 on 4 does not fit");

	nu_layer_conf_default(&nu_layer_conv2d_ops, &cc);
	cc.filters = 8;
	cc.kh = cc.kw = 2;
	cc.pad = NU_LAYER_PAD_SAME;
	l = make(&nu_layer_conv2d_ops, &cc, (struct nu_layer_shape){ 1, 100, 80 });
	CHECK(l->out.c == 8 && l->out.h == 100 && l->out.w == 80,
	    "conv 8 2x2 same on 1x100x80 -> 8x100x80");
	CHECK_EQ_INT(l->nparams, 40, "conv 8 2x2 on 1 channel: 40 parameters");
	CHECK(l->ntensors == 2 && strcmp(l->tensors[0].name, "weight") == 0 &&
	    l->tensors[0].dims[0] == 8 && l->tensors[0].dims[1] == 1 &&
	    l->tensors[0].dims[2] == 2 && l->tensors[0].dims[3] == 2 &&
	    l->tensors[1].off == 32 && l->tensors[1].size == 8,
	    "conv tensors: weight [8,1,2,2] then bias [8] at 32");
	CHECK_NEAR(nu_layer_flops(l), 2.0 * 8 * 4 * 8000, 0.5, "conv FLOPs per event");
	nu_layer_free(l);

	cc.kh = cc.kw = 3;
	cc.pad = NU_LAYER_PAD_VALID;
	l = make(&nu_layer_conv2d_ops, &cc, (struct nu_layer_shape){ 1, 100, 80 });
	CHECK(l->out.h == 98 && l->out.w == 78, "conv 3x3 valid on 100x80 -> 98x78");
	nu_layer_free(l);
	cc.kh = cc.kw = 5;
	cc.sh = cc.sw = 2;
	cc.pad = NU_LAYER_PAD_SAME;
	l = make(&nu_layer_conv2d_ops, &cc, (struct nu_layer_shape){ 3, 100, 80 });
	CHECK(l->out.h == 50 && l->out.w == 40, "conv 5x5/2 same on 100x80 -> 50x40");
	nu_layer_free(l);

	nu_layer_conf_default(&nu_layer_maxpool2d_ops, &pc);
	l = make(&nu_layer_maxpool2d_ops, &pc, (struct nu_layer_shape){ 8, 100, 80 });
	CHECK(l->out.h == 50 && l->out.w == 40 && l->nparams == 0,
	    "pool 2 valid on 100x80 -> 50x40, no parameters");
	nu_layer_free(l);
	l = make(&nu_layer_maxpool2d_ops, &pc, (struct nu_layer_shape){ 8, 25, 20 });
	CHECK(l->out.h == 12 && l->out.w == 10, "pool 2 valid on 25x20 -> 12x10");
	nu_layer_free(l);
	pc.kh = pc.kw = 3;
	pc.pad = NU_LAYER_PAD_SAME;
	l = make(&nu_layer_maxpool2d_ops, &pc, (struct nu_layer_shape){ 8, 100, 80 });
	CHECK(l->out.h == 34 && l->out.w == 27, "pool 3 same on 100x80 -> 34x27");
	nu_layer_free(l);
	l = make(&nu_layer_avgpool2d_ops, &pc, (struct nu_layer_shape){ 32, 34, 27 });
	CHECK(l->out.h == 12 && l->out.w == 9, "pool 3 same on 34x27 -> 12x9");
	nu_layer_free(l);
	l = make(&nu_layer_maxpool2d_ops, &pc, (struct nu_layer_shape){ 128, 12, 9 });
	CHECK(l->out.h == 4 && l->out.w == 3, "pool 3 same on 12x9 -> 4x3");
	nu_layer_free(l);

	dc.units = 32;
	l = make(&nu_layer_dense_ops, &dc, (struct nu_layer_shape){ 8, 1, 1 });
	CHECK_EQ_INT(l->nparams, 288, "dense 8 -> 32: 288 parameters");
	nu_layer_free(l);

	/* seed1: per view conv 8, 32, 128 2x2 same each with pool 3 same; the
	 * two flattened views concatenate; dense 8, 32, 1 */
	{
		static const int filters[3] = { 8, 32, 128 };
		struct nu_layer_shape s = { 1, 100, 80 };

		for (int i = 0; i < 3; i++) {
			cc.filters = filters[i];
			cc.kh = cc.kw = 2;
			cc.sh = cc.sw = 1;
			cc.pad = NU_LAYER_PAD_SAME;
			l = make(&nu_layer_conv2d_ops, &cc, s);
			total += 2 * l->nparams;
			s = l->out;
			nu_layer_free(l);
			l = make(&nu_layer_maxpool2d_ops, &pc, s);
			s = l->out;
			nu_layer_free(l);
		}
		l = make(&nu_layer_flatten_ops, NULL, s);
		s = l->out;
		nu_layer_free(l);
		CHECK(s.c == 128 * 4 * 3 && s.h == 1 && s.w == 1,
		    "seed1 branch flattens to 1536");
		s.c *= 2;
		dc.units = 8;
		l = make(&nu_layer_dense_ops, &dc, s);
		total += l->nparams;
		nu_layer_free(l);
		dc.units = 32;
		l = make(&nu_layer_dense_ops, &dc, (struct nu_layer_shape){ 8, 1, 1 });
		total += l->nparams;
		nu_layer_free(l);
		dc.units = 1;
		l = make(&nu_layer_dense_ops, &dc, (struct nu_layer_shape){ 32, 1, 1 });
		total += l->nparams;
		nu_layer_free(l);
		CHECK_EQ_INT(total, 60121, "seed1 adds up to 60,121 parameters");
	}

	l = make(&nu_layer_bn_ops, NULL, (struct nu_layer_shape){ 16, 5, 4 });
	CHECK(l->nparams == 32 && l->nstate == 32 && l->ntensors == 4 &&
	    l->tensors[2].state && strcmp(l->tensors[3].name, "running_var") == 0,
	    "batchnorm on 16 channels: 32 parameters, 32 state");
	nu_layer_free(l);
	CHECK(nu_layer_ops_find("conv2d") == &nu_layer_conv2d_ops &&
	    nu_layer_ops_find("batchnorm") == &nu_layer_bn_ops &&
	    nu_layer_ops_find("conv3d") == NULL, "registry finds kinds by name");
	CHECK(nu_act_func_find("leaky_relu") == NU_ACT_LEAKY_RELU &&
	    nu_act_func_find("swish") == -1 &&
	    strcmp(nu_act_func_name(NU_ACT_SOFTMAX), "softmax") == 0,
	    "activation names");
}

static void
test_errors(void)
{
	struct conv_conf cc;
	struct pool_conf pc;
	struct dense_conf dc = { .units = 4 };
	struct dropout_conf oc = { .rate = 1.0f };
	struct nu_act_conf ac = { .func = NU_ACT_LEAKY_RELU, .alpha = -0.1f };
	struct nu_layer *l = (struct nu_layer *)&cc;
	char *cause = NULL;
	enum nu_status st;

	nu_layer_conf_default(&nu_layer_conv2d_ops, &cc);
	cc.filters = 4;
	cc.kh = cc.kw = 5;
	st = nu_layer_new(&nu_layer_conv2d_ops, &cc, (struct nu_layer_shape){ 1, 4, 4 }, &l,
	    &cause);
	CHECK(st == NU_ERR_RANGE && l == NULL, "conv 5x5 valid on 4x4 fails");
	CHECK_STR_HAS(cause, "kernel 5x5 does not fit input 4x4", "  and says why");
	cc.kh = cc.kw = 3;
	cc.filters = 0;
	st = nu_layer_new(&nu_layer_conv2d_ops, &cc, (struct nu_layer_shape){ 1, 4, 4 }, &l,
	    &cause);
	CHECK(st == NU_ERR_RANGE, "conv with 0 filters fails");
	CHECK_STR_HAS(cause, "filters must be at least 1", "  and says why");
	cc.filters = 2;
	cc.sw = 0;
	st = nu_layer_new(&nu_layer_conv2d_ops, &cc, (struct nu_layer_shape){ 1, 4, 4 }, &l,
	    &cause);
	CHECK_STR_HAS(cause, "stride 1x0", "conv stride 0 fails");
	nu_layer_conf_default(&nu_layer_maxpool2d_ops, &pc);
	pc.kh = 3;
	st = nu_layer_new(&nu_layer_maxpool2d_ops, &pc, (struct nu_layer_shape){ 1, 2, 9 }, &l,
	    &cause);
	CHECK(st == NU_ERR_RANGE, "pool 3x2 valid on 2x9 fails");
	CHECK_STR_HAS(cause, "maxpool2d: window 3x2 does not fit input 2x9",
	    "  and says why");
	st = nu_layer_new(&nu_layer_dense_ops, &dc, (struct nu_layer_shape){ 3, 4, 5 }, &l,
	    &cause);
	CHECK(st == NU_ERR_USAGE, "dense on an image fails");
	CHECK_STR_HAS(cause, "add a flatten layer", "  and says what to do");
	st = nu_layer_new(&nu_layer_dropout_ops, &oc, (struct nu_layer_shape){ 3, 1, 1 }, &l,
	    &cause);
	CHECK_STR_HAS(cause, "dropout: rate 1 is outside [0, 1)", "dropout rate 1 fails");
	st = nu_layer_new(&nu_layer_act_ops, &ac, (struct nu_layer_shape){ 3, 1, 1 }, &l,
	    &cause);
	CHECK_STR_HAS(cause, "alpha -0.1 is outside", "negative leaky alpha fails");
	st = nu_layer_new(&nu_layer_flatten_ops, NULL, (struct nu_layer_shape){ 0, 1, 1 }, &l,
	    &cause);
	CHECK(st == NU_ERR_USAGE, "empty input shape fails");
	free(cause);
	nu_layer_free(NULL);
}

static void
test_conv_naive(void)
{
	static const struct convcase cases[] = {
		/* n  c   h   w  oc kh kw sh sw same */
		{ 2, 1, 100, 80, 8, 2, 2, 1, 1, true },   /* seed1's first layer */
		{ 2, 8, 34, 27, 6, 2, 2, 1, 1, true },
		{ 2, 3, 11, 9, 4, 5, 5, 2, 2, true },
		{ 1, 2, 10, 7, 3, 3, 3, 2, 2, false },
		{ 3, 3, 8, 9, 2, 4, 3, 3, 2, true },
		{ 2, 2, 9, 8, 5, 2, 2, 1, 1, true },
		{ 1, 4, 6, 5, 3, 1, 1, 1, 1, false },
		{ 1, 1, 3, 2, 2, 5, 4, 1, 1, true },      /* kernel larger than input */
		{ 2, 2, 13, 12, 3, 3, 3, 1, 1, false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		conv_against_naive(&cases[i]);
}

static void
test_pool_naive(void)
{
	static const struct poolcase cases[] = {
		/* n  c   h   w  kh kw sh sw same   oh  ow */
		{ 2, 3, 100, 80, 3, 3, 0, 0, true, 34, 27 },
		{ 1, 2, 100, 80, 2, 2, 0, 0, false, 50, 40 },
		{ 2, 2, 25, 20, 2, 2, 0, 0, false, 12, 10 },
		{ 1, 3, 34, 27, 3, 3, 0, 0, true, 12, 9 },
		{ 2, 2, 7, 9, 3, 3, 2, 2, true, 4, 5 },   /* overlapping windows */
		{ 1, 2, 7, 9, 2, 3, 1, 2, false, 6, 4 },
		{ 1, 1, 5, 5, 4, 4, 1, 1, true, 5, 5 },   /* pad 1 top, 2 bottom */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pool_against_naive(&cases[i], true);
		pool_against_naive(&cases[i], false);
	}
}

/* Ties: the leftmost column wins, then the top row; relu's all-zero windows
 * send their gradient to the window's first cell. */
static void
test_pool_ties(void)
{
	struct pool_conf pc;
	struct rig r;
	const float x[8] = { 1, 5, 0, 0,
			     5, 1, 0, 0 };

	nu_layer_conf_default(&nu_layer_maxpool2d_ops, &pc);
	rig_open(&r, &nu_layer_maxpool2d_ops, &pc, (struct nu_layer_shape){ 1, 2, 4 }, 1);
	memcpy(r.x, x, sizeof x);
	r.dy[0] = 1.0f;
	r.dy[1] = 2.0f;
	rig_forward(&r, true);
	rig_backward(&r, true);
	CHECK(r.y[0] == 5.0f && r.y[1] == 0.0f, "max pool of tied windows");
	CHECK(r.dx[4] == 1.0f && r.dx[1] == 0.0f && r.dx[2] == 2.0f &&
	    r.dx[0] + r.dx[3] + r.dx[5] + r.dx[6] + r.dx[7] == 0.0f,
	    "  a tie sends the gradient to one cell: leftmost, then top");
	rig_close(&r);
}

static void
test_gradients(void)
{
	struct conv_conf cc;
	struct pool_conf pc;
	struct dense_conf dc = { .units = 5 };
	struct nu_act_conf ac;
	struct dropout_conf oc = { .rate = 0.3f };
	struct bn_conf bc;

	nu_layer_conf_default(&nu_layer_conv2d_ops, &cc);
	cc.filters = 3;
	cc.kh = cc.kw = 2;
	cc.pad = NU_LAYER_PAD_SAME;
	gradcheck("conv 2x2 same", &nu_layer_conv2d_ops, &cc,
	    (struct nu_layer_shape){ 2, 5, 7 }, 2, true, X_UNIFORM, 1e-2f, 1e-3);
	cc.kh = 3;
	cc.kw = 3;
	cc.sh = cc.sw = 2;
	gradcheck("conv 3x3/2 same", &nu_layer_conv2d_ops, &cc,
	    (struct nu_layer_shape){ 2, 7, 6 }, 2, true, X_UNIFORM, 1e-2f, 1e-3);
	cc.pad = NU_LAYER_PAD_VALID;
	cc.kh = 3;
	cc.kw = 2;
	cc.sh = 2;
	cc.sw = 1;
	gradcheck("conv 3x2/2x1 valid", &nu_layer_conv2d_ops, &cc,
	    (struct nu_layer_shape){ 3, 9, 5 }, 2, true, X_UNIFORM, 1e-2f, 1e-3);
	cc.kh = cc.kw = 5;
	cc.sh = cc.sw = 2;
	cc.pad = NU_LAYER_PAD_SAME;
	gradcheck("conv 5x5/2 same", &nu_layer_conv2d_ops, &cc,
	    (struct nu_layer_shape){ 1, 9, 8 }, 2, true, X_UNIFORM, 1e-2f, 1e-3);

	nu_layer_conf_default(&nu_layer_maxpool2d_ops, &pc);
	gradcheck("maxpool 2 valid", &nu_layer_maxpool2d_ops, &pc,
	    (struct nu_layer_shape){ 2, 7, 5 }, 2, true, X_DISTINCT, 1e-3f, 1e-3);
	pc.kh = pc.kw = 3;
	pc.pad = NU_LAYER_PAD_SAME;
	gradcheck("maxpool 3 same", &nu_layer_maxpool2d_ops, &pc,
	    (struct nu_layer_shape){ 2, 10, 8 }, 2, true, X_DISTINCT, 1e-3f, 1e-3);
	pc.sh = pc.sw = 2;
	gradcheck("maxpool 3/2 same (overlap)", &nu_layer_maxpool2d_ops, &pc,
	    (struct nu_layer_shape){ 1, 7, 9 }, 2, true, X_DISTINCT, 1e-3f, 1e-3);
	gradcheck("avgpool 3/2 same", &nu_layer_avgpool2d_ops, &pc,
	    (struct nu_layer_shape){ 2, 7, 9 }, 2, true, X_UNIFORM, 1e-2f, 1e-3);
	pc.sh = pc.sw = 0;
	pc.kh = 2;
	pc.pad = NU_LAYER_PAD_VALID;
	gradcheck("avgpool 2x3 valid", &nu_layer_avgpool2d_ops, &pc,
	    (struct nu_layer_shape){ 2, 7, 8 }, 2, true, X_UNIFORM, 1e-2f, 1e-3);

	gradcheck("dense 7 -> 5", &nu_layer_dense_ops, &dc,
	    (struct nu_layer_shape){ 7, 1, 1 }, 3, true, X_UNIFORM, 1e-2f, 1e-3);

	nu_layer_conf_default(&nu_layer_act_ops, &ac);
	for (int f = 0; f < NU_ACT_NFUNCS; f++) {
		char what[64];

		ac.func = (enum nu_act_func)f;
		ac.alpha = 0.2f;
		snprintf(what, sizeof what, "activation %s", nu_act_func_name(ac.func));
		gradcheck(what, &nu_layer_act_ops, &ac, (struct nu_layer_shape){ 3, 4, 5 },
		    2, true, X_AWAY_FROM_ZERO, 1e-3f, 3e-3);
	}
	ac.func = NU_ACT_SOFTMAX;
	gradcheck("activation softmax on [N, K]", &nu_layer_act_ops, &ac,
	    (struct nu_layer_shape){ 6, 1, 1 }, 3, true, X_UNIFORM, 1e-3f, 3e-3);

	gradcheck("dropout training", &nu_layer_dropout_ops, &oc,
	    (struct nu_layer_shape){ 3, 4, 5 }, 2, true, X_UNIFORM, 1e-2f, 1e-3);
	gradcheck("dropout inference", &nu_layer_dropout_ops, &oc,
	    (struct nu_layer_shape){ 3, 4, 5 }, 2, false, X_UNIFORM, 1e-2f, 1e-3);

	nu_layer_conf_default(&nu_layer_bn_ops, &bc);
	gradcheck("batchnorm training 4-D", &nu_layer_bn_ops, &bc,
	    (struct nu_layer_shape){ 3, 3, 4 }, 2, true, X_UNIFORM, 1e-3f, 3e-3);
	gradcheck("batchnorm training 2-D", &nu_layer_bn_ops, &bc,
	    (struct nu_layer_shape){ 4, 1, 1 }, 5, true, X_UNIFORM, 1e-3f, 3e-3);
	gradcheck("batchnorm inference", &nu_layer_bn_ops, &bc,
	    (struct nu_layer_shape){ 3, 2, 3 }, 2, false, X_UNIFORM, 1e-3f, 3e-3);
	gradcheck("flatten", &nu_layer_flatten_ops, NULL,
	    (struct nu_layer_shape){ 3, 2, 5 }, 2, true, X_UNIFORM, 1e-2f, 1e-3);
}

typedef double (*loss_fn)(const float *, const float *, int, int,
    const float *, float *);

static double
mse_wrap(const float *y, const float *t, int n, int k, const float *w, float *g)
{
	(void)w;
	return nu_loss_mse(y, t, n, k, g);
}

/* Central differences of a loss with respect to its input. */
static void
loss_gradcheck(const char *what, loss_fn fn, const float *in, const float *t,
    int n, int k, const float *w, float h)
{
	float x[64], g[64];
	double worst = 0.0;

	memcpy(x, in, sizeof(float) * (size_t)(n * k));
	fn(x, t, n, k, w, g);
	for (int i = 0; i < n * k; i++) {
		float keep = x[i];
		double lp, lm, num;

		x[i] = keep + h;
		lp = fn(x, t, n, k, w, NULL);
		x[i] = keep - h;
		lm = fn(x, t, n, k, w, NULL);
		x[i] = keep;
		num = (lp - lm) / (2.0 * h);
		worst = fmax(worst, fabs(num - g[i]) / fmax(1.0, fabs(g[i])));
	}
	CHECK(worst <= 1e-3, "gradient %s: worst error %.2e", what, worst);
}

static void
test_losses(void)
{
	const float bw[2] = { 1.0f, 3.0f }, cw[3] = { 0.5f, 2.0f, 1.0f };
	float p[4], t[4], g[6], z[6], tt[6];
	double l;

	/* binary cross-entropy, Keras's clamped probability form */
	p[0] = 0.8f;
	t[0] = 1.0f;
	l = nu_loss_bce(p, t, 1, 1, NULL, g);
	CHECK_NEAR(l, -log(0.8), 1e-6, "BCE(p=0.8, y=1) = -ln 0.8");
	CHECK_NEAR(g[0], -1.0 / 0.8, 1e-5, "  dL/dp = -1/p");
	p[1] = 0.3f;
	t[1] = 0.0f;
	l = nu_loss_bce(p, t, 2, 1, NULL, g);
	CHECK_NEAR(l, -(log(0.8) + log(0.7)) / 2, 1e-6, "BCE mean of two events");
	CHECK_NEAR(g[1], 1.0 / 0.7 / 2, 1e-5, "  dL/dp = 1/(1-p)/n for y=0");
	l = nu_loss_bce(p, t, 2, 1, bw, NULL);
	CHECK_NEAR(l, -(3 * log(0.8) + log(0.7)) / 2, 1e-6,
	    "BCE with class weights {1, 3}: sum w l / n");
	p[0] = 0.0f;
	l = nu_loss_bce(p, t, 1, 1, NULL, g);
	CHECK(isfinite(l) && fabs(l + log(2e-7)) < 1e-3 && g[0] == 0.0f,
	    "BCE of p=0, y=1 clamps to -ln(2e-7) with zero gradient (%g)", l);

	z[0] = 0.0f;
	t[0] = 1.0f;
	CHECK_NEAR(nu_loss_bce_logits(z, t, 1, 1, NULL, g), log(2.0), 1e-7,
	    "BCE from logit 0 = ln 2");
	CHECK_NEAR(g[0], -0.5, 1e-7, "  dL/dz = sigmoid(z) - y");
	z[0] = 50.0f;
	t[0] = 0.0f;
	CHECK_NEAR(nu_loss_bce_logits(z, t, 1, 1, NULL, g), 50.0, 1e-6,
	    "BCE from logit 50, y=0 = 50 (stable)");
	z[0] = -1.3862944f;     /* ln(0.2 / 0.8) */
	t[0] = 1.0f;
	CHECK_NEAR(nu_loss_bce_logits(z, t, 1, 1, bw, NULL), -3 * log(0.2), 1e-6,
	    "BCE from logits with class weight 3: -3 ln 0.2");

	/* categorical */
	p[0] = 0.2f; p[1] = 0.7f; p[2] = 0.1f;
	tt[0] = 0.0f; tt[1] = 1.0f; tt[2] = 0.0f;
	CHECK_NEAR(nu_loss_cce(p, tt, 1, 3, NULL, g), -log(0.7), 1e-6,
	    "CCE(p=(0.2,0.7,0.1), class 1) = -ln 0.7");
	CHECK_NEAR(nu_loss_cce(p, tt, 1, 3, cw, g), -2 * log(0.7), 1e-6,
	    "  with class weight 2: -2 ln 0.7");
	z[0] = 1.0f; z[1] = 2.0f; z[2] = 3.0f;
	z[3] = 0.0f; z[4] = 0.0f; z[5] = 0.0f;
	tt[0] = 0.0f; tt[1] = 0.0f; tt[2] = 1.0f;
	tt[3] = 1.0f; tt[4] = 0.0f; tt[5] = 0.0f;
	l = nu_loss_cce_logits(z, tt, 2, 3, NULL, g);
	CHECK_NEAR(l, (log(exp(1.0) + exp(2.0) + exp(3.0)) - 3.0 + log(3.0)) / 2,
	    1e-6, "CCE from logits (1,2,3)->2 and (0,0,0)->0, mean");
	CHECK_NEAR(g[3], (1.0 / 3 - 1) / 2, 1e-7, "  dL/dz = (softmax - t) / n");

	/* MSE */
	p[0] = 1.0f; p[1] = 2.0f;
	t[0] = 0.0f; t[1] = 4.0f;
	CHECK_NEAR(nu_loss_mse(p, t, 2, 1, g), 2.5, 1e-12, "MSE((1,2),(0,4)) = 2.5");
	CHECK_NEAR(g[1], -2.0, 1e-7, "  dL/dy = 2 (y - t) / n");

	/* gradients by central differences */
	{
		const float pin[6] = { 0.3f, 0.9f, 0.55f, 0.12f, 0.7f, 0.4f };
		const float tb[6] = { 1.0f, 0.0f, 1.0f, 0.0f, 0.25f, 1.0f };
		const float zin[6] = { -1.2f, 0.4f, 2.1f, 0.3f, -0.7f, 0.9f };
		const float tc[6] = { 0.0f, 1.0f, 0.0f, 0.2f, 0.3f, 0.5f };
		const float pc[6] = { 0.2f, 0.5f, 0.3f, 0.6f, 0.1f, 0.3f };

		loss_gradcheck("BCE", nu_loss_bce, pin, tb, 3, 2, bw, 1e-3f);
		loss_gradcheck("BCE from logits", nu_loss_bce_logits, zin, tb, 3, 2,
		    bw, 1e-3f);
		loss_gradcheck("CCE", nu_loss_cce, pc, tc, 2, 3, cw, 1e-3f);
		loss_gradcheck("CCE from logits", nu_loss_cce_logits, zin, tc, 2, 3,
		    cw, 1e-3f);
		loss_gradcheck("MSE", mse_wrap, zin, tc, 3, 2, NULL, 1e-2f);
	}
}

/* Same inputs, bit-identical outputs, whichever way a batch is sliced. */
static void
test_determinism(void)
{
	struct conv_conf cc;
	struct dropout_conf oc = { .rate = 0.4f };
	struct rig r;
	float *y1, *g1;
	size_t nx, ny;
	struct nu_layer_ctx ctx;

	nu_layer_conf_default(&nu_layer_conv2d_ops, &cc);
	cc.filters = 6;
	cc.kh = cc.kw = 2;
	cc.pad = NU_LAYER_PAD_SAME;
	rig_open(&r, &nu_layer_conv2d_ops, &cc, (struct nu_layer_shape){ 3, 17, 13 }, 4);
	nx = numel(r.l->in, 4);
	ny = numel(r.l->out, 4);
	fill(r.x, nx, -1, 1);
	fill(r.dy, ny, -1, 1);
	rig_forward(&r, true);
	rig_backward(&r, true);
	y1 = xalloc(ny * sizeof(float));
	g1 = xalloc(r.l->nparams * sizeof(float));
	memcpy(y1, r.y, ny * sizeof(float));
	memcpy(g1, r.grads, r.l->nparams * sizeof(float));
	rig_forward(&r, true);
	rig_backward(&r, true);
	CHECK(memcmp(y1, r.y, ny * sizeof(float)) == 0 &&
	    memcmp(g1, r.grads, r.l->nparams * sizeof(float)) == 0,
	    "conv forward and backward are bit-identical on a rerun");
	/* the same batch as two slices of two events */
	memset(r.y, 0, ny * sizeof(float));
	ctx = rig_ctx(&r, true);
	ctx.n = 2;
	nu_layer_forward(r.l, &ctx, r.x, r.y);
	nu_layer_forward(r.l, &ctx, r.x + nx / 2, r.y + ny / 2);
	CHECK(memcmp(y1, r.y, ny * sizeof(float)) == 0,
	    "conv forward in two slices is bit-identical");
	free(y1);
	free(g1);
	rig_close(&r);

	/* dropout masks follow events, not slices */
	rig_open(&r, &nu_layer_dropout_ops, &oc, (struct nu_layer_shape){ 5, 3, 4 }, 4);
	nx = numel(r.l->in, 4);
	fill(r.x, nx, 0.5f, 1.0f);
	rig_forward(&r, true);
	y1 = xalloc(nx * sizeof(float));
	memcpy(y1, r.y, nx * sizeof(float));
	memset(r.y, 0, nx * sizeof(float));
	ctx = rig_ctx(&r, true);
	ctx.n = 1;
	for (int e = 3; e >= 0; e--) {
		ctx.first = (size_t)e;
		nu_layer_forward(r.l, &ctx, r.x + (size_t)e * nx / 4,
		    r.y + (size_t)e * nx / 4);
	}
	CHECK(memcmp(y1, r.y, nx * sizeof(float)) == 0,
	    "dropout: one event at a time gives the batch's mask");
	ctx.first = 0;
	ctx.seed = 100;
	nu_layer_forward(r.l, &ctx, r.x, r.y);
	CHECK(memcmp(y1, r.y, nx / 4 * sizeof(float)) != 0,
	    "dropout: another seed, another mask");
	free(y1);
	rig_close(&r);
}

static void
test_dropout_stats(void)
{
	struct dropout_conf oc = { .rate = 0.3f };
	struct rig r;
	size_t nx, dropped = 0, wrong = 0;

	rig_open(&r, &nu_layer_dropout_ops, &oc, (struct nu_layer_shape){ 10, 20, 25 }, 4);
	nx = numel(r.l->in, 4);
	fill(r.x, nx, 0.5f, 1.0f);
	rig_forward(&r, true);
	for (size_t i = 0; i < nx; i++) {
		if (r.y[i] == 0.0f)
			dropped++;
		else if (fabsf(r.y[i] - r.x[i] / 0.7f) > 1e-6f)
			wrong++;
	}
	CHECK(fabs((double)dropped / nx - 0.3) < 0.015 && wrong == 0,
	    "dropout 0.3 drops %.4f of 20000 and scales the rest by 1/0.7",
	    (double)dropped / nx);
	rig_forward(&r, false);
	CHECK(memcmp(r.x, r.y, nx * sizeof(float)) == 0, "dropout at inference is the identity");
	rig_close(&r);
}

/*
 * The fast dropout path against the plain definition of its mask: element
 * i of the event at batch index b is kept when 16 bits (i % 4) of
 * nu_layer_rand(seed, b * ceil(ev / 4) + i / 4) are at least rate * 65536,
 * and scaled by 1 / (1 - rate), else multiplied by 0 (so a negative input
 * gives -0, as before); backward applies the same mask.  Events of
 * 1001 elements (not a multiple of 4, several blocks of random words) at
 * batch indices 5 .. 7, so fixed-seed runs keep their masks.
 */
static void
test_dropout_plain(void)
{
	struct dropout_conf oc = { .rate = 0.45f };
	struct rig r;
	struct nu_layer_ctx ctx;
	const size_t ev = 7 * 11 * 13, words = (ev + 3) / 4;
	const uint32_t keep_from = (uint32_t)llround((double)0.45f * 65536.0);
	const float scale = (float)(1.0 / (1.0 - (double)0.45f));
	size_t nx, bad = 0, badb = 0, kept = 0;

	rig_open(&r, &nu_layer_dropout_ops, &oc, (struct nu_layer_shape){ 7, 11, 13 }, 3);
	nx = numel(r.l->in, 3);
	fill(r.x, nx, -1.0f, 1.0f);
	fill(r.dy, nx, -1.0f, 1.0f);
	ctx = rig_ctx(&r, true);
	ctx.first = 5;
	nu_layer_forward(r.l, &ctx, r.x, r.y);
	nu_layer_backward(r.l, &ctx, r.x, r.y, r.dy, r.dx);
	for (size_t e = 0; e < 3; e++)
		for (size_t i = 0; i < ev; i++) {
			uint64_t w = nu_layer_rand(ctx.seed, (5 + e) * words + i / 4);
			bool keep = (uint32_t)((w >> (16 * (i % 4))) & 0xffff) >= keep_from;
			size_t k = e * ev + i;

			kept += keep;
			if (memcmp(&r.y[k], &(float){ r.x[k] * (keep ? scale : 0.0f) },
			    sizeof(float)) != 0)
				bad++;
			if (memcmp(&r.dx[k], &(float){ r.dy[k] * (keep ? scale : 0.0f) },
			    sizeof(float)) != 0)
				badb++;
		}
	CHECK(bad == 0 && badb == 0 && kept > nx / 2 && kept < nx * 2 / 3,
	    "dropout equals its plain definition bit for bit (%zu forward, %zu "
	    "backward differ; %zu of %zu kept)", bad, badb, kept, nx);
	rig_close(&r);
}

static void
test_batchnorm_stats(void)
{
	struct bn_conf bc;
	struct rig r, r2;
	size_t nx;
	void *wss[2];
	struct nu_layer_ctx ctx;
	double m = 0.0, v = 0.0, ym = 0.0, yv = 0.0;
	const int hw = 12, n = 4;

	nu_layer_conf_default(&nu_layer_bn_ops, &bc);
	CHECK(bc.momentum == 0.99f && bc.eps == 1e-3f, "batchnorm defaults as Keras");
	rig_open(&r, &nu_layer_bn_ops, &bc, (struct nu_layer_shape){ 2, 3, 4 }, n);
	nx = numel(r.l->in, n);
	fill(r.x, nx, -2.0f, 5.0f);
	rig_forward(&r, true);
	/* channel 1 by hand */
	for (int e = 0; e < n; e++)
		for (int p = 0; p < hw; p++)
			m += r.x[(e * 2 + 1) * hw + p];
	m /= n * hw;
	for (int e = 0; e < n; e++)
		for (int p = 0; p < hw; p++) {
			double d = r.x[(e * 2 + 1) * hw + p] - m;
			double yy = r.y[(e * 2 + 1) * hw + p];

			v += d * d;
			ym += yy;
			yv += yy * yy;
		}
	v /= n * hw;
	ym /= n * hw;
	yv = yv / (n * hw) - ym * ym;
	CHECK(fabs(ym) < 1e-5 && fabs(yv - v / (v + 1e-3)) < 1e-4,
	    "batchnorm training output: mean 0, variance v/(v+eps) per channel");
	wss[0] = r.ws;
	nu_layer_update_state(r.l, r.state, wss, 1);
	CHECK(fabs(r.state[1] - 0.01 * m) < 1e-6 &&
	    fabs(r.state[3] - (0.99 + 0.01 * v * 48.0 / 47.0)) < 1e-6,
	    "running mean and (Bessel-corrected) variance move by 1 - 0.99");

	/* the same batch as slices of 1 and 3 on two workspaces */
	rig_open(&r2, &nu_layer_bn_ops, &bc, (struct nu_layer_shape){ 2, 3, 4 }, n);
	ctx = rig_ctx(&r2, true);
	ctx.n = 1;
	nu_layer_forward(r2.l, &ctx, r.x, r2.y);
	wss[0] = r2.ws;
	wss[1] = xalloc(nu_layer_ws_bytes(r2.l, n));
	ctx.n = 3;
	ctx.ws = wss[1];
	nu_layer_forward(r2.l, &ctx, r.x + nx / 4, r2.y);
	nu_layer_update_state(r2.l, r2.state, wss, 2);
	CHECK(fabsf(r2.state[0] - r.state[0]) < 1e-6f &&
	    fabsf(r2.state[1] - r.state[1]) < 1e-6f &&
	    fabsf(r2.state[2] - r.state[2]) < 1e-6f &&
	    fabsf(r2.state[3] - r.state[3]) < 1e-6f,
	    "running statistics pooled over slices equal the whole batch's");
	free(wss[1]);
	rig_close(&r2);

	/* inference uses the running statistics */
	r.state[0] = 1.0f;
	r.state[2] = 4.0f;
	r.params[0] = 2.0f;
	r.params[2] = 0.5f;
	r.x[0] = 3.0f;
	rig_forward(&r, false);
	CHECK_NEAR(r.y[0], 2.0 * (3.0 - 1.0) / sqrt(4.0 + 1e-3) + 0.5, 1e-6,
	    "batchnorm inference: gamma (x - mean) / sqrt(var + eps) + beta");
	rig_close(&r);
}

static void
test_init(void)
{
	struct conv_conf cc;
	struct rig r;
	float *w2;
	double limit, mx = 0.0;
	size_t nw;

	nu_layer_conf_default(&nu_layer_conv2d_ops, &cc);
	cc.filters = 16;
	cc.kh = cc.kw = 3;
	rig_open(&r, &nu_layer_conv2d_ops, &cc, (struct nu_layer_shape){ 4, 8, 8 }, 1);
	nw = 16 * 4 * 9;
	limit = sqrt(6.0 / (4 * 9 + 16 * 9));
	for (size_t i = 0; i < nw; i++)
		mx = fmax(mx, fabs(r.params[i]));
	CHECK(mx <= limit && mx > 0.9 * limit, "Glorot-uniform conv kernel within "
	    "+-%.4f (max %.4f)", limit, mx);
	CHECK(r.params[nw] == 0.0f && r.params[nw + 15] == 0.0f, "zero biases");
	w2 = xalloc(r.l->nparams * sizeof(float));
	nu_layer_init(r.l, w2, NULL, 7);
	CHECK(memcmp(w2, r.params, r.l->nparams * sizeof(float)) == 0,
	    "the same seed gives the same weights");
	nu_layer_init(r.l, w2, NULL, 8);
	CHECK(memcmp(w2, r.params, nw * sizeof(float)) != 0,
	    "another seed gives other weights");
	free(w2);
	rig_close(&r);
}

int
main(void)
{
	test_shapes_and_counts();
	test_errors();
	test_conv_naive();
	test_pool_naive();
	test_pool_ties();
	test_gradients();
	test_losses();
	test_determinism();
	test_dropout_stats();
	test_dropout_plain();
	test_batchnorm_stats();
	test_init();
	TEST_DONE();
}
