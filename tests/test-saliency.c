/*
 * test-saliency.c: saliency maps on networks whose answers are known.
 *
 * A hand-built network reads one cell: a 3x3 conv whose weights are zero
 * but the centre, then a dense layer whose weights are zero but that
 * cell's.  Its maps must peak there and be exactly zero elsewhere.  On
 * random smooth networks (branches, stacked views, softmax, batch
 * normalisation with random statistics, a regression head, a multi-class
 * head read at a chosen class) the gradient map must match central
 * differences of the score, the score must be the output read, and the
 * occlusion map the score recomputed with the patch zeroed.  The diverging
 * colours the maps are drawn in (colormap.h) close the file.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "arch.h"
#include "colormap.h"
#include "dataset.h"
#include "model.h"
#include "net.h"
#include "rng.h"
#include "saliency.h"
#include "testhelp.h"

#define R0 30           /* the cell the hand-built network reads */
#define C0 40

static struct nu_net *
build(const char *text)
{
	struct nu_arch *a = NULL;
	struct nu_net *net = NULL;
	char *cause = NULL;

	if (nu_arch_parse(&a, "t.arch", text, strlen(text), &cause) == NU_OK)
		nu_net_new(&net, a, 3, &cause);
	REQUIRE(net != NULL, "builds: %s", cause ? cause : "");
	nu_arch_free(a);
	free(cause);
	return net;
}

/* score = sigmoid(2 x[R0, C0] - 1) of the view the network reads */
static struct nu_net *
one_cell(const char *views)
{
	char text[512];
	struct nu_net *net;
	float *cw, *dw;

	snprintf(text, sizeof text, "[net]\nversion = 1\nviews = %s\n[conv]\nfilters = 1\n"
	    "kernel = 3x3\npadding = same\nactivation = linear\n[flatten]\n[dense]\n"
	    "units = 1\nactivation = sigmoid\n", views);
	net = build(text);
	memset(net->params, 0, net->nparams * sizeof(float));
	cw = net->params + net->node[0].poff;   /* [1, 1, 3, 3], bias */
	cw[4] = 1.0f;
	for (int i = 1; i < net->nnodes; i++)
		/* the dense layer, not the sigmoid its section attaches */
		if (strcmp(net->node[i].kind, "dense") == 0 && !net->node[i].attached) {
			dw = net->params + net->node[i].poff;   /* [1, 8000], bias */
			dw[R0 * NU_CELLS + C0] = 2.0f;
			dw[NU_VIEW_BYTES] = -1.0f;
		}
	return net;
}

static double
sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

static size_t
argmax_abs(const float *m, size_t n)
{
	size_t k = 0;

	for (size_t i = 1; i < n; i++)
		if (fabsf(m[i]) > fabsf(m[k]))
			k = i;
	return k;
}

static void
test_one_cell(void)
{
	struct nu_net *net = one_cell("xz");
	float *x = calloc(NU_VIEW_BYTES, sizeof(float)), *map = malloc(NU_VIEW_BYTES * sizeof(float));
	struct nu_sal_opts o = { .method = NU_SAL_GRADIENT, .output = -1 };
	struct nu_rng r;
	double s, p, want;
	size_t nz = 0, at = R0 * NU_CELLS + C0;
	char *cause = NULL;

	nu_rng_seed(&r, 7, 1);
	for (int i = 0; i < NU_VIEW_BYTES; i++)
		x[i] = (float)nu_rng_uniform(&r);
	x[at] = 0.8f;
	p = sigmoid(2.0 * 0.8 - 1.0);

	CHECK(nu_saliency_net(net, x, &o, map, &s, NULL, &cause) == NU_OK,
	    "gradient map of the one-cell network %s", cause ? cause : "");
	CHECK_NEAR(s, p, 1e-6, "its score is sigmoid(2 x - 1)");
	CHECK_NEAR(map[at], 2.0 * p * (1.0 - p), 1e-6, "gradient at the cell is 2 p (1 - p)");
	for (size_t i = 0; i < NU_VIEW_BYTES; i++)
		nz += i != at && map[i] != 0.0f;
	CHECK_EQ_INT(nz, 0, "gradient is exactly zero at the other 7999 cells");

	o.method = NU_SAL_GRADXINPUT;
	CHECK(nu_saliency_net(net, x, &o, map, NULL, NULL, NULL) == NU_OK, "gradient x input");
	CHECK_NEAR(map[at], 2.0 * p * (1.0 - p) * 0.8, 1e-6, "gradient x input at the cell");

	/* stride = patch: each cell in one patch; only the patch over the
	 * cell changes the score, by s - sigmoid(-1) */
	o = (struct nu_sal_opts){ .method = NU_SAL_OCCLUSION, .patch = 5, .stride = 5, .output = -1 };
	CHECK(nu_saliency_net(net, x, &o, map, NULL, NULL, NULL) == NU_OK, "occlusion 5/5");
	want = p - sigmoid(-1.0);
	nz = 0;
	for (int rr = 0; rr < NU_PLANES; rr++)
		for (int c = 0; c < NU_CELLS; c++) {
			bool in = rr >= 30 && rr < 35 && c >= 40 && c < 45;
			float v = map[rr * NU_CELLS + c];

			if (in ? fabs(v - want) > 1e-6 : v != 0.0f)
				nz++;
		}
	CHECK_EQ_INT(nz, 0, "occlusion 5/5: %.6f on the patch over the cell, zero elsewhere",
	    want);

	/* overlapping patches: the map peaks at the cell */
	o.patch = 8;
	o.stride = 4;
	CHECK(nu_saliency_net(net, x, &o, map, NULL, NULL, NULL) == NU_OK, "occlusion 8/4");
	/* cells that share the same four patches tie with it */
	CHECK(fabsf(map[argmax_abs(map, NU_VIEW_BYTES)]) == map[at] && map[at] > 0.0f,
	    "occlusion 8/4 peaks at the cell");
	CHECK_NEAR(map[at], want, 1e-6, "every patch over the cell changes the score fully");
	CHECK(map[0] == 0.0f && map[NU_VIEW_BYTES - 1] == 0.0f && map[20 * NU_CELLS + 40] == 0.0f,
	    "occlusion 8/4 is zero away from the cell");

	/* more threads, same map */
	{
		float *m2 = malloc(NU_VIEW_BYTES * sizeof(float));

		o.threads = 3;
		o.batch = 7;
		CHECK(nu_saliency_net(net, x, &o, m2, NULL, NULL, NULL) == NU_OK &&
		    memcmp(map, m2, NU_VIEW_BYTES * sizeof(float)) == 0,
		    "3 threads and batches of 7 give the same map");
		free(m2);
	}

	o.patch = 81;
	CHECK(nu_saliency_net(net, x, &o, map, NULL, NULL, &cause) == NU_ERR_USAGE,
	    "a patch of 81 cells is refused");
	CHECK_STR_HAS(cause, "1 to 80", "and the message says the range");
	free(cause);
	cause = NULL;
	o.patch = 4;
	o.output = 1;
	CHECK(nu_saliency_net(net, x, &o, map, NULL, NULL, NULL) == NU_ERR_USAGE,
	    "an output the network lacks is refused");

	free(x);
	free(map);
	nu_net_free(net);
}

/* the model wrapper: normalised as the model says, into the right view */
static void
test_model(void)
{
	struct nu_model m = { 0 };
	uint8_t *map8 = calloc(NU_MAP_BYTES, 1);
	float *sal = malloc(NU_MAP_BYTES * sizeof(float));
	struct nu_sal_opts o = { .method = NU_SAL_GRADIENT, .output = -1 };
	double s, p = sigmoid(2.0 * 50.0 / 100.0 - 1.0);
	size_t nz = 0, at = NU_VIEW_BYTES + R0 * NU_CELLS + C0;

	m.net = one_cell("yz");
	strcpy(m.meta.normalise, "max");
	m.meta.normalise_max = 100;
	for (int i = 0; i < NU_MAP_BYTES; i++)
		map8[i] = (uint8_t)(i * 7 % 200);
	map8[at] = 50;
	CHECK(nu_saliency(&m, map8, &o, sal, &s, NULL, NULL) == NU_OK, "a YZ model's map");
	CHECK_NEAR(s, p, 1e-6, "the byte 50 is 0.5 under normalise = max, max 100");
	CHECK_NEAR(sal[at], 2.0 * p * (1.0 - p), 1e-6, "the map is in the YZ view, at the cell");
	for (size_t i = 0; i < NU_MAP_BYTES; i++)
		nz += i != at && sal[i] != 0.0f;
	CHECK_EQ_INT(nz, 0, "and zero elsewhere, the XZ view included");
	nu_net_free(m.net);
	free(map8);
	free(sal);
}

/* with [net] input = interleaved the network reads every other byte of
 * the row, and its map is drawn back where those bytes are: the one-cell
 * YZ network reads interleaved view 1's pixel (R0, C0), byte
 * (R0*80 + C0)*2 + 1 of the row (an XZ pixel), raw under normalise none */
static void
test_model_interleaved(void)
{
	static const char text[] = "[net]\nversion = 1\nviews = yz\ninput = interleaved\n"
	    "[flatten]\n";
	struct nu_model m = { 0 };
	uint8_t *map8 = calloc(NU_MAP_BYTES, 1);
	float *sal = malloc(NU_MAP_BYTES * sizeof(float));
	struct nu_sal_opts o = { .method = NU_SAL_GRADIENT, .output = -1 };
	double s, p = sigmoid(2.0 * 1.0 - 1.0);
	size_t nz = 0, at = (size_t)(R0 * NU_CELLS + C0) * 2 + 1;
	char *cause = NULL;

	REQUIRE(nu_arch_parse(&m.arch, "i.arch", text, strlen(text), &cause) == NU_OK,
	    "interleaved arch: %s", cause ? cause : "");
	m.net = one_cell("yz");
	strcpy(m.meta.normalise, "none");
	m.meta.normalise_max = 255;
	for (int i = 0; i < NU_MAP_BYTES; i++)
		map8[i] = (uint8_t)(i * 7 % 200 + 2);
	map8[at] = 1;
	CHECK(at < NU_VIEW_BYTES, "the byte the network reads lies in the XZ view");
	CHECK(nu_saliency(&m, map8, &o, sal, &s, NULL, NULL) == NU_OK, "an interleaved model's map");
	CHECK_NEAR(s, p, 1e-6, "the score reads byte (R0*80 + C0)*2 + 1, 1 under normalise none");
	CHECK_NEAR(sal[at], 2.0 * p * (1.0 - p), 1e-6, "the map is drawn back on that byte");
	for (size_t i = 0; i < NU_MAP_BYTES; i++)
		nz += i != at && sal[i] != 0.0f;
	CHECK_EQ_INT(nz, 0, "and zero elsewhere");
	strcpy(m.meta.normalise, "1/255");
	CHECK(nu_saliency(&m, map8, &o, sal, &s, NULL, &cause) == NU_ERR_FORMAT &&
	    strstr(cause, "1/255") != NULL, "an unknown normalise is refused: %s", cause);
	free(cause);
	nu_arch_free(m.arch);
	nu_net_free(m.net);
	free(map8);
	free(sal);
}

static double
score_of(const struct nu_net *net, struct nu_net_ws *ws, const float *x, int k)
{
	return nu_net_forward(net, ws, x, 1, 0, false, 0, NULL)[k];
}

/* gradient against central differences, occlusion against the score with
 * the patch zeroed, on a random smooth network (freed) */
static void
test_random_net(const char *what, struct nu_net *net, int output)
{
	size_t nin = (size_t)net->nviews * NU_VIEW_BYTES;
	float *x = malloc(nin * sizeof(float)), *g = malloc(nin * sizeof(float));
	float *occ = malloc(nin * sizeof(float)), *y = malloc(nin * sizeof(float));
	struct nu_net_ws *ws = NULL;
	struct nu_sal_opts o = { .method = NU_SAL_GRADIENT, .output = output };
	struct nu_rng r;
	double maxerr = 0.0, gmax = 0.0, omax = 0.0;
	double score = NAN;
	int k = -1;

	REQUIRE(nu_net_ws_new(net, 1, &ws, NULL) == NU_OK, "workspace");
	nu_rng_seed(&r, 11, 3);
	for (size_t i = 0; i < nin; i++)
		x[i] = nu_rng_uniform(&r) < 0.1 ? (float)nu_rng_uniform(&r) : 0.0f;
	CHECK(nu_saliency_net(net, x, &o, g, &score, &k, NULL) == NU_OK, "%s: gradient", what);
	REQUIRE(k >= 0 && k < net->nout, "%s: the output read is one of the %d", what,
	    net->nout);
	{
		const float *out = nu_net_forward(net, ws, x, 1, 0, false, 0, NULL);
		int best = 0;

		for (int j = 1; j < net->nout; j++)
			if (out[j] > out[best])
				best = j;
		CHECK_EQ_INT(k, output >= 0 ? output : best, "%s: it reads output %d (%s)",
		    what, output >= 0 ? output : best, output >= 0 ? "the one asked for" :
		    "the largest");
		CHECK(score == out[k], "%s: the score is that output's value, %.6f",
		    what, out[k]);
	}
	for (size_t i = 0; i < nin; i++)
		if (fabs(g[i]) > gmax)
			gmax = fabs(g[i]);
	/* 60 inputs: the largest gradients' cells and a spread of others */
	for (int t = 0; t < 60; t++) {
		size_t i = t == 0 ? argmax_abs(g, nin) : (size_t)nu_rng_below(&r, nin);
		float keep = x[i];
		double h = 1e-2, up, down, num;

		x[i] = keep + (float)h;
		up = score_of(net, ws, x, k);
		x[i] = keep - (float)h;
		down = score_of(net, ws, x, k);
		x[i] = keep;
		num = (up - down) / (2.0 * h);
		if (fabs(num - g[i]) > maxerr)
			maxerr = fabs(num - g[i]);
	}
	CHECK(gmax > 0.0 && maxerr < 1e-3 * gmax + 1e-6, "%s: gradients of 60 inputs match "
	    "central differences (worst %.2g, largest gradient %.2g)", what, maxerr, gmax);

	o = (struct nu_sal_opts){ .method = NU_SAL_OCCLUSION, .patch = 7, .stride = 7,
	    .output = output };
	CHECK(nu_saliency_net(net, x, &o, occ, NULL, NULL, NULL) == NU_OK, "%s: occlusion", what);
	{
		double s0 = score_of(net, ws, x, k);
		/* corners of patches, the clipped last ones included */
		static const int pos[][3] = { { 0, 0, 0 }, { 0, 28, 35 }, { 0, 98, 77 },
		    { 1, 49, 7 }, { 1, 91, 70 }, { 1, 14, 42 } };

		for (size_t t = 0; t < sizeof pos / sizeof pos[0]; t++) {
			int v = pos[t][0] < net->nviews ? pos[t][0] : 0;
			int r0 = pos[t][1] / 7 * 7, c0 = pos[t][2] / 7 * 7;
			double direct, err;

			memcpy(y, x, nin * sizeof(float));
			for (int rr = r0; rr < r0 + 7 && rr < NU_PLANES; rr++)
				for (int c = c0; c < c0 + 7 && c < NU_CELLS; c++)
					y[(size_t)v * NU_VIEW_BYTES + (size_t)rr * NU_CELLS + (size_t)c] = 0.0f;
			direct = s0 - score_of(net, ws, y, k);
			err = fabs(direct - occ[(size_t)v * NU_VIEW_BYTES +
			    (size_t)pos[t][1] * NU_CELLS + (size_t)pos[t][2]]);
			if (err > omax)
				omax = err;
		}
	}
	CHECK(omax < 1e-5, "%s: occlusion matches the score with the patch zeroed at 6 "
	    "places (worst %.2g)", what, omax);
	/* batches are fixed ranges of copies, so the threads change nothing;
	 * another batch size only BLAS's rounding */
	o.threads = 3;
	CHECK(nu_saliency_net(net, x, &o, y, NULL, NULL, NULL) == NU_OK &&
	    memcmp(y, occ, nin * sizeof(float)) == 0, "%s: 3 threads: the same "
	    "occlusion map", what);
	o.batch = 5;
	omax = 0.0;
	CHECK(nu_saliency_net(net, x, &o, y, NULL, NULL, NULL) == NU_OK, "%s: batches of 5",
	    what);
	for (size_t i = 0; i < nin; i++)
		omax = fmax(omax, fabs(y[i] - occ[i]));
	CHECK(omax < 1e-6, "%s: batches of 5 agree within 1e-6 (%.2g)", what, omax);
	nu_net_ws_free(ws);
	nu_net_free(net);
	free(x);
	free(g);
	free(occ);
	free(y);
}

static void
test_random(const char *what, const char *text, int output)
{
	test_random_net(what, build(text), output);
}

/* A network with batch normalisation whose scales, shifts and running
 * statistics are random, so that its inference is not the identity. */
static void
test_batchnorm(void)
{
	struct nu_net *net = build("[net]\nversion = 1\n[conv]\nfilters = 2\nkernel = 4\n"
	    "stride = 2\nactivation = linear\n[batchnorm]\n[activation]\nfunction = tanh\n"
	    "[avgpool]\nsize = 3\npadding = same\n[merge]\n[dense]\nunits = 4\n"
	    "activation = linear\n[batchnorm]\n[activation]\nfunction = tanh\n[dense]\n"
	    "units = 1\nactivation = sigmoid\n");
	struct nu_rng r;
	int nbn = 0;

	nu_rng_seed(&r, 5, 9);
	for (int i = 0; i < net->nnodes; i++) {
		const struct nu_layer *l = net->node[i].l;

		if (strcmp(net->node[i].kind, "batchnorm") != 0)
			continue;
		nbn++;
		for (int k = 0; k < l->ntensors; k++) {
			const struct nu_layer_tensor *t = &l->tensors[k];
			float *v = (t->state ? net->state + net->node[i].soff :
			    net->params + net->node[i].poff) + t->off;
			double lo = 0.5, hi = 1.5;       /* gamma, running_var */

			if (strcmp(t->name, "beta") == 0 || strcmp(t->name, "running_mean") == 0)
				lo = -0.3, hi = 0.3;
			for (size_t j = 0; j < t->size; j++)
				v[j] = (float)(lo + (hi - lo) * nu_rng_uniform(&r));
		}
	}
	/* two branches of one and the trunk's */
	REQUIRE(nbn == 3, "the network has 3 batch norm layers (%d)", nbn);
	test_random_net("batch normalisation", net, -1);
}

/* The diverging map and the tint the Events screen draws saliency with. */
static void
test_diverging(void)
{
	uint8_t lut[256][3], out[3];
	static const uint8_t grey[3] = { 90, 90, 90 };
	int bad = 0;

	nu_cmap_diverging(lut);
	CHECK(lut[0][2] > lut[0][0] && lut[255][0] > lut[255][2],
	    "diverging: blue at the bottom, red at the top");
	CHECK(lut[127][0] >= 250 && lut[128][1] >= 250 && lut[127][2] >= 250,
	    "diverging: white in the middle");
	/* each half moves away from white in every channel */
	for (int k = 1; k < 128; k++)
		for (int c = 0; c < 3; c++)
			bad += lut[k][c] < lut[k - 1][c] || lut[255 - k][c] < lut[256 - k][c];
	CHECK_EQ_INT(bad, 0, "diverging: each half runs straight from white to its end");
	nu_cmap_tint(grey, 0.0, out);
	CHECK(memcmp(out, grey, 3) == 0, "tint 0 leaves the colour");
	nu_cmap_tint(grey, 1.0, out);
	CHECK(memcmp(out, lut[255], 3) == 0, "tint 1 is the red end");
	nu_cmap_tint(grey, -7.0, out);
	CHECK(memcmp(out, lut[0], 3) == 0, "tint below -1 is the blue end");
	nu_cmap_tint(grey, -0.5, out);
	CHECK(out[0] == (uint8_t)lround((90 + lut[0][0]) / 2.0) &&
	    out[2] == (uint8_t)lround((90 + lut[0][2]) / 2.0),
	    "tint -0.5 is half way to blue");
	nu_cmap_tint(grey, NAN, out);
	CHECK(memcmp(out, grey, 3) == 0, "tint NaN leaves the colour");
}

int
main(void)
{
	test_one_cell();
	test_model();
	test_model_interleaved();
	test_random("separate branches",
	    "[net]\nversion = 1\n[conv]\nfilters = 2\nkernel = 4\nstride = 2\nactivation = tanh\n"
	    "[avgpool]\nsize = 3\npadding = same\n[merge]\n[dense]\nunits = 4\nactivation = tanh\n"
	    "[dense]\nunits = 1\nactivation = sigmoid\n", -1);
	test_random("shared branches, planes",
	    "[net]\nversion = 1\nbranches = shared\n[conv]\nfilters = 2\nkernel = 3\nstride = 2\n"
	    "activation = tanh\n[merge]\naxis = planes\n[conv]\nfilters = 2\nkernel = 3\n"
	    "activation = tanh\n[flatten]\n[dense]\nunits = 1\nactivation = sigmoid\n", -1);
	test_random("stacked views, softmax",
	    "[net]\nversion = 1\ntask = mode\nbranches = stacked\n[conv]\nfilters = 3\nkernel = 3\n"
	    "stride = 3\nactivation = tanh\n[flatten]\n[dense]\nunits = 5\nactivation = softmax\n", 2);
	test_batchnorm();
	test_random("regression head",
	    "[net]\nversion = 1\ntask = energy\n[conv]\nfilters = 2\nkernel = 3\nstride = 2\n"
	    "activation = tanh\n[avgpool]\nsize = 2\n[merge]\n[dense]\nunits = 3\n"
	    "activation = tanh\n[dense]\nunits = 1\nactivation = linear\n", -1);
	/* class 1: not the likeliest (3) */
	test_random("multi-class head, class 1",
	    "[net]\nversion = 1\ntask = mode\n[conv]\nfilters = 2\nkernel = 3\nstride = 2\n"
	    "activation = tanh\n[merge]\n[dense]\nunits = 6\nactivation = tanh\n"
	    "[dense]\nunits = 5\nactivation = softmax\n", 1);
	test_random("multi-class head, the likeliest class",
	    "[net]\nversion = 1\ntask = mode\n[conv]\nfilters = 2\nkernel = 3\nstride = 2\n"
	    "activation = tanh\n[merge]\n[dense]\nunits = 6\nactivation = tanh\n"
	    "[dense]\nunits = 5\nactivation = softmax\n", -1);
	test_diverging();
	TEST_DONE();
}
