/*
 * test-score.c: scoring events with a model, and stopping: a network made
 * in memory scores the fixture events the same however the batches fall
 * (to rounding),
 * and a stop flag ends scoring and evaluation with NU_ERR_CANCELLED (what
 * the terminal UI sets when it quits during an evaluation).
 */
#include "config.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "model.h"
#include "score.h"
#include "split.h"
#include "support.h"
#include "testhelp.h"

int
main(void)
{
	struct nu_dataset *ds;
	struct arch *a;
	struct nu_net *net = NULL;
	struct nu_model m;
	struct nu_labels lab = { 0 };
	struct nu_eval_report rep;
	struct nu_eval_opts eo = { .threshold = NAN, .nbins = 4 };
	atomic_bool stop;
	uint64_t *ev;
	float *s64, *s7;
	char *cause = NULL;
	size_t n;
	enum nu_status st;

	nu_init();
	ds = support_fixture("good");
	a = support_parse("[net]\nversion = 1\nviews = xz\n[maxpool]\nsize = 4\n"
	    "[flatten]\n[dense]\nunits = 1\nactivation = sigmoid\n");
	if (a == NULL || nu_net_new(&net, a, 3, &cause) != NU_OK) {
		printf("Bail out! %s\n", cause != NULL ? cause : "no network");
		return 1;
	}
	memset(&m, 0, sizeof m);
	m.arch = a;
	m.net = net;
	m.meta.task = net->task;
	m.meta.threshold = 0.5;
	m.meta.normalise_max = 255;
	snprintf(m.meta.normalise, sizeof m.meta.normalise, "255");
	m.meta.where = "";

	n = (size_t)nu_dataset_nevents(ds);
	ev = malloc(n * sizeof *ev);
	s64 = malloc(n * sizeof *s64);
	s7 = malloc(n * sizeof *s7);
	if (ev == NULL || s64 == NULL || s7 == NULL ||
	    nu_labels_load(ds, net->task, &lab, &cause) != NU_OK) {
		printf("Bail out! %s\n", cause != NULL ? cause : "out of memory");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		ev[i] = i;

	CHECK(nu_score(&m, ds, ev, n, &lab, 64, s64, NULL, &cause) == NU_OK,
	    "%zu events scored in batches of 64", n);
	CHECK(nu_score(&m, ds, ev, n, &lab, 7, s7, NULL, &cause) == NU_OK,
	    "and in batches of 7");
	{
		double d = 0;

		for (size_t i = 0; i < n; i++)
			d = fmax(d, fabs((double)s64[i] - s7[i]));
		/* the BLAS may sum in another order for another batch size */
		CHECK(d <= 1e-6, "the same scores either way (largest difference %.3g)", d);
	}
	{
		bool in = true;

		for (size_t i = 0; i < n; i++)
			in = in && s64[i] > 0 && s64[i] < 1;
		CHECK(in, "every score is a probability");
	}

	atomic_init(&stop, true);
	st = nu_score(&m, ds, ev, n, &lab, 64, s7, &stop, &cause);
	CHECK(st == NU_ERR_CANCELLED && cause != NULL &&
	    strstr(cause, "stopped after 64 of") != NULL,
	    "a set stop flag ends scoring after the first batch: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	atomic_store(&stop, false);
	CHECK(nu_score(&m, ds, ev, n, &lab, 64, s7, &stop, &cause) == NU_OK,
	    "a clear one changes nothing");

	eo.stop = &stop;
	CHECK(nu_eval_report_make(&m, ds, NULL, &eo, &rep, &cause) == NU_OK &&
	    rep.n > 0, "an evaluation with the flag clear");
	nu_eval_report_free(&rep);
	atomic_store(&stop, true);
	st = nu_eval_report_make(&m, ds, NULL, &eo, &rep, &cause);
	CHECK(st == NU_ERR_CANCELLED, "stopped: the evaluation ends with NU_ERR_CANCELLED (%s)",
	    cause ? cause : "");
	free(cause);

	nu_labels_free(&lab);
	free(ev);
	free(s64);
	free(s7);
	nu_net_free(net);
	arch_free(a);
	nu_dataset_free(ds);
	TEST_DONE();
}
