/*
 * test-opt.c: optimizer steps against updates worked out by hand (the
 * numbers in the comments), schedules and L2 penalties.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "arch.h"
#include "net.h"
#include "opt.h"
#include "support.h"

/* Two steps with gradient 0.5 from w = 1 at lr 0.1. */
static void
two_steps(const char *train, double w1, double w2, const char *what)
{
	char text[512];
	struct nu_arch *a;
	struct nu_opt *o = NULL;
	float w = 1.0f, g = 0.5f;

	snprintf(text, sizeof text, "[net]\nversion = 1\nviews = xz\n[flatten]\n[dense]\n"
	    "units = 1\nactivation = sigmoid\n[train]\nlr = 0.1\n%s", train);
	a = support_parse(text);
	REQUIRE(a != NULL && nu_opt_new(&o, &a->sec[a->train], 1, NULL) == NU_OK,
	    "%s: optimizer made", what);
	nu_opt_step(o, &w, &g, nu_opt_lr(o, 0));
	CHECK_NEAR(w, w1, 2e-7, "%s: first step", what);
	nu_opt_step(o, &w, &g, nu_opt_lr(o, 0));
	CHECK_NEAR(w, w2, 2e-7, "%s: second step", what);
	nu_opt_free(o);
	nu_arch_free(a);
}

int
main(void)
{
	struct nu_arch *a;
	struct nu_opt *o = NULL;

	/* Adam, Keras defaults: alpha_1 = 0.1 sqrt(0.001)/0.1, m = 0.05,
	 * v = 0.00025: w = 1 - 0.0316228 * 0.05 / 0.0158115 = 0.90000063;
	 * then m = 0.095, v = 0.00049975, alpha = 0.1 sqrt(0.001999)/0.19 */
	two_steps("optimizer = adam\n", 0.9000006324515321, 0.8000010797749726, "adam");
	/* SGD, momentum 0.9, Nesterov: v = -0.05, w = 1 - 0.045 - 0.05 = 0.905;
	 * v = -0.095, w = 0.905 - 0.0855 - 0.05 = 0.7695 */
	two_steps("optimizer = sgd\nmomentum = 0.9\nnesterov = yes\n", 0.905, 0.7695, "sgd nesterov");
	/* plain SGD: w = 1 - 0.05 twice */
	two_steps("optimizer = sgd\n", 0.95, 0.9, "sgd");
	/* RMSprop: ms = 0.025, w = 1 - 0.05 / 0.1581139 = 0.6837724;
	 * ms = 0.0475, w -= 0.05 / 0.2179449 */
	two_steps("optimizer = rmsprop\n", 0.6837724339830356, 0.4543568053755834, "rmsprop");

	a = support_parse("[net]\nversion = 1\nviews = xz\n[flatten]\n[dense]\nunits = 1\n"
	    "activation = sigmoid\n[train]\nlr = 0.1\nschedule = step\ndecay_rate = 0.5\n"
	    "decay_epochs = 3\nepochs = 9\n");
	REQUIRE(a != NULL && nu_opt_new(&o, &a->sec[a->train], 1, NULL) == NU_OK,
	    "the step schedule's optimizer is made");
	{
		CHECK_NEAR(nu_opt_lr(o, 2), 0.1, 1e-12, "step schedule: epochs 0-2 at 0.1");
		CHECK_NEAR(nu_opt_lr(o, 3), 0.05, 1e-12, "epoch 3 at 0.05");
		CHECK_NEAR(nu_opt_lr(o, 8), 0.025, 1e-12, "epoch 8 at 0.025");
		o->schedule = NU_SCHED_EXPONENTIAL;
		CHECK_NEAR(nu_opt_lr(o, 3), 0.05, 1e-12, "exponential: 0.1 * 0.5^(3/3)");
		CHECK_NEAR(nu_opt_lr(o, 1), 0.1 * pow(0.5, 1.0 / 3.0), 1e-12, "exponential: epoch 1");
		o->schedule = NU_SCHED_COSINE;
		CHECK_NEAR(nu_opt_lr(o, 0), 0.1, 1e-12, "cosine starts at lr");
		CHECK_NEAR(nu_opt_lr(o, 3), 0.1 * 0.75, 1e-12, "cosine: a third of the way, 0.75 lr");
		nu_opt_free(o);
	}
	nu_arch_free(a);

	/* L2 on a dense layer's weights and bias */
	a = support_parse("[net]\nversion = 1\nviews = xz\n[flatten]\n[dense]\nunits = 1\n"
	    "activation = sigmoid\nl2 = 0.01\nl2_bias = 0.5\n");
	{
		struct nu_net *net = NULL;
		float *g;
		double sumw = 0, pen;

		REQUIRE(a != NULL && nu_net_new(&net, a, 1, NULL) == NU_OK,
		    "the L2 network is built");
		REQUIRE((g = calloc(net->nparams, sizeof(float))) != NULL, "memory");
		net->params[8000] = 2.0f;   /* the bias */
		for (int i = 0; i < 8000; i++)
			sumw += (double)net->params[i] * net->params[i];
		pen = nu_opt_l2(net, net->params, g);
		CHECK_NEAR(pen, 0.01 * sumw + 0.5 * 4.0, 1e-6, "penalty l2 sum w^2 + l2_bias b^2");
		CHECK_NEAR(g[8000], 2.0 * 0.5 * 2.0, 1e-6, "bias gradient 2 l2_bias b");
		CHECK_NEAR(g[17], 2.0 * 0.01 * net->params[17], 1e-7, "weight gradient 2 l2 w");
		free(g);
		nu_net_free(net);
	}
	nu_arch_free(a);
	TEST_DONE();
}
