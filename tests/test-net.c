/*
 * test-net.c: networks built from architecture text: parameter counts of
 * the presets, error messages, gradients of whole networks (branches,
 * shared weights, both merges, stacked views) against central differences,
 * and relus moved after max pooling against the plain order.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "arch.h"
#include "loss.h"
#include "net.h"
#include "rng.h"
#include "testhelp.h"

static struct nu_net *
build(const char *text, char **cause)
{
	struct nu_arch *a = NULL;
	struct nu_net *net = NULL;

	if (nu_arch_parse(&a, "t.arch", text, strlen(text), cause) == NU_OK)
		nu_net_new(&net, a, 3, cause);
	nu_arch_free(a);
	return net;
}

static void
test_presets(void)
{
	static const struct { const char *file; size_t params; } p[] = {
		/* seed1: per branch 40 + 1056 + 16512, dense 24584 + 288 + 33 */
		{ "seed1.arch", 60121 }, { "seed2.arch", 1635633 }, { "stacked.arch", 515089 },
		/* the heads on seed1's body: one output, or 5 (32*5 + 5 = 165) */
		{ "energy.arch", 60121 }, { "y.arch", 60121 }, { "flavour.arch", 60121 },
		{ "mode.arch", 60253 },
		/* cvn-lite: branches 2 x (80 + 1168 + 4640), trunk conv 13872,
		 * dense 2880*64 + 64 and 65 */
		{ "cvn-lite.arch", 210097 },
	};
	const char *src = getenv("top_srcdir");
	char path[1024];

	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
		struct nu_arch *a = NULL;
		struct nu_net *net = NULL;
		char *cause = NULL;

		snprintf(path, sizeof path, "%s/assets/arch/%s", src ? src : "..", p[i].file);
		if (nu_arch_load(&a, path, &cause) == NU_OK)
			nu_net_new(&net, a, 1, &cause);
		CHECK(net != NULL && net->nparams == p[i].params, "%s has %zu parameters (%zu)%s%s",
		    p[i].file, p[i].params, net ? net->nparams : 0, cause ? ": " : "",
		    cause ? cause : "");
		if (net != NULL && i == 0)
			CHECK(net->flops > 12.0e6 && net->flops < 12.7e6,
			    "seed1: about 12.3 MFLOPs per event (%.3f)", net->flops / 1e6);
		nu_net_free(net);
		nu_arch_free(a);
		free(cause);
	}
}

static const struct {
	const char *text, *message;
} bad[] = {
	{ "[net]\nversion = 1\nviews = xz\n[conv]\nfilters = 4\n[dense]\nunits = 1\nactivation = sigmoid\n",
	  "t.arch:6: [dense] needs a flat input but gets 4x98x78 (channels x planes x cells); add [flatten] before it" },
	{ "[net]\nversion = 1\nviews = xz\n[conv]\nfilters = 4\nkernel = 64\nstride = 64\n[maxpool]\nsize = 3\n",
	  "t.arch:8: [maxpool]: " },
	{ "[net]\nversion = 1\nviews = xz\n[flatten]\n[dense]\nunits = 2\nactivation = sigmoid\n",
	  "t.arch:5: the last layer gives 2x1x1 values per event; task numu-cc needs 1 (one unit with sigmoid)" },
	{ "[net]\nversion = 1\nviews = xz\n[flatten]\n[dense]\nunits = 1\n",
	  "t.arch:5: binary cross-entropy needs a binary task and one output unit with sigmoid" },
	{ "[net]\nversion = 1\nviews = xz\ntask = mode\n[flatten]\n[dense]\nunits = 5\nactivation = sigmoid\n",
	  "t.arch:6: categorical cross-entropy needs a multi-class task and a softmax output" },
	{ "[net]\nversion = 1\nviews = xz\ntask = y\n[flatten]\n[dense]\nunits = 1\nactivation = relu\n",
	  "t.arch:6: a regression output is linear or sigmoid, not relu" },
	{ "[net]\nversion = 1\n[conv]\nfilters = 2\n[merge]\n",
	  "t.arch: no layers after [merge]: the network needs an output layer" },
	{ "[net]\nversion = 1\nviews = xz\n[flatten]\n[dense]\nunits = 1\nactivation = sigmoid\n[train]\nloss = mse\n",
	  NULL },   /* a sigmoid output with MSE is allowed */
};

static void
test_errors(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *cause = NULL;
		struct nu_net *net = build(bad[i].text, &cause);

		if (bad[i].message == NULL)
			CHECK(net != NULL, "architecture %zu builds%s%s", i + 1,
			    cause ? ": " : "", cause ? cause : "");
		else {
			CHECK(net == NULL, "architecture %zu is refused", i + 1);
			CHECK_STR_HAS(cause, bad[i].message, "architecture %zu: message", i + 1);
		}
		nu_net_free(net);
		free(cause);
	}
}

/* Mean loss of the net on x, t. */
static double
loss_of(struct nu_net *net, struct nu_net_ws *ws, const float *x, const float *t, int n,
    float *grad)
{
	const float *logits;
	float g[64];
	double L;

	nu_net_forward(net, ws, x, n, 0, true, 99, &logits);
	switch (net->loss) {
	case NU_LOSS_BCE:
		L = nu_loss_bce_logits(logits, t, n, net->nout, NULL, g);
		break;
	case NU_LOSS_CCE:
		L = nu_loss_cce_logits(logits, t, n, net->nout, NULL, g);
		break;
	default:
		L = nu_loss_mse(logits, t, n, net->nout, g);
		break;
	}
	if (grad != NULL) {
		memset(grad, 0, net->nparams * sizeof(float));
		nu_net_backward(net, ws, g, grad);
	}
	return L;
}

static void
gradcheck(const char *what, const char *text)
{
	char *cause = NULL;
	struct nu_net *net = build(text, &cause);
	struct nu_net_ws *ws = NULL;
	struct nu_rng r;
	enum { N = 3 };
	float *x, t[N * 16] = { 0 }, *grad;
	int worst = 0, checked = 0;
	double maxerr = 0;

	if (net == NULL) {
		CHECK(0, "%s builds: %s", what, cause);
		free(cause);
		return;
	}
	nu_net_ws_new(net, N, &ws, &cause);
	x = malloc((size_t)N * net->nviews * 8000 * sizeof(float));
	grad = malloc(net->nparams * sizeof(float));
	nu_rng_seed(&r, 1, 2);
	for (size_t i = 0; i < (size_t)N * net->nviews * 8000; i++)
		x[i] = nu_rng_uniform(&r) < 0.05 ? (float)nu_rng_uniform(&r) : 0.0f;
	for (int e = 0; e < N; e++) {
		if (net->loss == NU_LOSS_CCE)
			t[e * net->nout + e % net->nout] = 1;
		else
			t[e] = (float)(e % 2);
	}
	loss_of(net, ws, x, t, N, grad);
	/* 40 parameters spread over the buffer, each nudged both ways */
	for (int k = 0; k < 40; k++) {
		size_t i = (size_t)((double)k / 40.0 * (double)net->nparams);
		float keep = net->params[i];
		double h = 1e-2 * (fabs(keep) > 0.1 ? fabs(keep) : 0.1), up, down, num, err;

		net->params[i] = keep + (float)h;
		up = loss_of(net, ws, x, t, N, NULL);
		net->params[i] = keep - (float)h;
		down = loss_of(net, ws, x, t, N, NULL);
		net->params[i] = keep;
		num = (up - down) / (2 * h);
		err = fabs(num - grad[i]) / (fabs(num) + fabs(grad[i]) + 1e-3);
		if (err > maxerr) {
			maxerr = err;
			worst = (int)i;
		}
		checked++;
	}
	CHECK(maxerr < 2e-2, "%s: gradients of %d parameters match central differences "
	    "(worst relative error %.2g at %d)", what, checked, maxerr, worst);
	free(x);
	free(grad);
	nu_net_ws_free(ws);
	nu_net_free(net);
	free(cause);
}

/*
 * A relu straight before a max pooling, or before a dropout then a max
 * pooling, runs after them (net.c): outputs, parameter gradients and input gradients must equal
 * those of the plain order, on inputs with negative values so that some
 * windows hold no positive cell.  NAME is a preset file or architecture
 * text.
 */
static void
reorder_check(const char *what, const char *text, const char *preset)
{
	char *cause = NULL, path[1024];
	struct nu_arch *a = NULL;
	struct nu_net *net = NULL;
	struct nu_net_ws *ws = NULL;
	struct nu_rng r;
	enum { N = 5 };
	float *x, *g[2], *dx[2], out[2][N * 8], dout[N * 8];
	size_t nx, gdiff = 0, xdiff = 0;
	int pairs = 0;
	bool same_out = true;

	if (preset != NULL) {
		const char *src = getenv("top_srcdir");

		snprintf(path, sizeof path, "%s/assets/arch/%s", src ? src : "..", preset);
		if (nu_arch_load(&a, path, &cause) == NU_OK)
			nu_net_new(&net, a, 4, &cause);
		nu_arch_free(a);
	} else
		net = build(text, &cause);
	if (net == NULL || nu_net_ws_new(net, N, &ws, &cause) != NU_OK) {
		CHECK(0, "%s builds: %s", what, cause ? cause : "?");
		free(cause);
		nu_net_free(net);
		return;
	}
	for (int i = 0; i < net->nnodes; i++)
		pairs += net->node[i].relu_after > 0;
	nx = (size_t)N * net->nviews * 8000;
	x = malloc(nx * sizeof(float));
	for (int k = 0; k < 2; k++) {
		g[k] = calloc(net->nparams, sizeof(float));
		dx[k] = malloc(nx * sizeof(float));
	}
	nu_rng_seed(&r, 3, 4);
	for (size_t i = 0; i < nx; i++)
		x[i] = nu_rng_uniform(&r) < 0.3 ? (float)(2.0 * nu_rng_uniform(&r) - 1.0) : 0.0f;
	for (int i = 0; i < N * net->nout; i++)
		dout[i] = (float)(nu_rng_uniform(&r) - 0.5);
	for (int k = 0; k < 2; k++) {
		const float *o;

		net->reorder = k == 0;
		o = nu_net_forward(net, ws, x, N, 0, true, 7, NULL);
		memcpy(out[k], o, (size_t)N * net->nout * sizeof(float));
		nu_net_input_grad(net, ws, dout, g[k], dx[k], NULL);
	}
	same_out = memcmp(out[0], out[1], (size_t)N * net->nout * sizeof(float)) == 0;
	for (size_t i = 0; i < net->nparams; i++)
		gdiff += g[0][i] != g[1][i];
	for (size_t i = 0; i < nx; i++)
		xdiff += dx[0][i] != dx[1][i];
	CHECK(pairs > 0 && same_out && gdiff == 0 && xdiff == 0,
	    "%s: %d relus moved after max pooling give the plain order's outputs%s, "
	    "and parameter and input gradients (%zu and %zu differ)", what, pairs,
	    same_out ? "" : " (they DIFFER)", gdiff, xdiff);
	free(x);
	for (int k = 0; k < 2; k++) {
		free(g[k]);
		free(dx[k]);
	}
	nu_net_ws_free(ws);
	nu_net_free(net);
	free(cause);
}

int
main(void)
{
	test_presets();
	test_errors();
	gradcheck("separate branches, features",
	    "[net]\nversion = 1\n[conv]\nfilters = 2\nkernel = 4\nstride = 4\nactivation = tanh\n"
	    "[maxpool]\nsize = 3\npadding = same\n[merge]\n[dense]\nunits = 4\nactivation = tanh\n"
	    "[dense]\nunits = 1\nactivation = sigmoid\n");
	gradcheck("shared branches",
	    "[net]\nversion = 1\nbranches = shared\n[conv]\nfilters = 2\nkernel = 5\nstride = 5\n"
	    "activation = tanh\n[merge]\n[dense]\nunits = 1\nactivation = sigmoid\n");
	gradcheck("branches joined along planes",
	    "[net]\nversion = 1\n[conv]\nfilters = 2\nkernel = 4\nstride = 4\nactivation = tanh\n"
	    "[merge]\naxis = planes\n[conv]\nfilters = 3\nkernel = 3\nstride = 2\npadding = same\n"
	    "activation = tanh\n[flatten]\n[dense]\nunits = 1\nactivation = sigmoid\n");
	gradcheck("branches joined along planes, 5 classes",
	    "[net]\nversion = 1\ntask = mode\n[conv]\nfilters = 2\nkernel = 4\nstride = 4\n"
	    "activation = tanh\n[merge]\naxis = planes\n[conv]\nfilters = 3\nkernel = 3\nstride = 2\n"
	    "padding = same\nactivation = tanh\n[flatten]\n[dense]\nunits = 5\nactivation = softmax\n");
	gradcheck("stacked views, regression",
	    "[net]\nversion = 1\ntask = energy\nbranches = stacked\n[conv]\nfilters = 2\nkernel = 5\n"
	    "stride = 5\nactivation = tanh\n[avgpool]\nsize = 2\n[flatten]\n[dense]\nunits = 1\n");
	reorder_check("seed1", NULL, "seed1.arch");
	reorder_check("cvn-lite", NULL, "cvn-lite.arch");
	reorder_check("seed2 (relu, dropout, max pooling)", NULL, "seed2.arch");
	reorder_check("stacked, relu and dropout first in the trunk",
	    "[net]\nversion = 1\nbranches = stacked\n[activation]\nfunction = relu\n"
	    "[dropout]\nrate = 0.5\n[maxpool]\nsize = 4\n[conv]\nfilters = 3\nkernel = 3\nactivation = relu\n"
	    "[maxpool]\nsize = 2\npadding = same\n[flatten]\n[dense]\nunits = 1\n"
	    "activation = sigmoid\n", NULL);
	reorder_check("branches starting with relu, then a dropout between",
	    "[net]\nversion = 1\n[activation]\nfunction = relu\n[maxpool]\nsize = 5\n"
	    "[conv]\nfilters = 2\nkernel = 3\nactivation = relu\n[dropout]\nrate = 0.3\n"
	    "[maxpool]\nsize = 2\n[merge]\n[dense]\nunits = 1\nactivation = sigmoid\n", NULL);
	TEST_DONE();
}
