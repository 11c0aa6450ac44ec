/*
 * test-net.c: networks built from architecture text: parameter counts of
 * the presets, error messages, and gradients of whole networks (branches,
 * shared weights, both merges, stacked views) against central differences.
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
	TEST_DONE();
}
