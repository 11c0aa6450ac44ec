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
	struct nu_arch *a;
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
	/* a scaling this nuscope does not know is refused, not guessed */
	snprintf(m.meta.normalise, sizeof m.meta.normalise, "1/255");
	CHECK(nu_score(&m, ds, ev, n, &lab, 64, s7, NULL, &cause) == NU_ERR_FORMAT &&
	    cause != NULL && strstr(cause, "\"1/255\" is none of 255|max|log1p|none") != NULL,
	    "an unknown normalise is refused: %s", cause != NULL ? cause : "");
	free(cause);
	cause = NULL;
	snprintf(m.meta.normalise, sizeof m.meta.normalise, "255");
	{
		/* by hand: the XZ map / 255, 4x4 max pools (25 x 20), the
		 * dense layer's 500 weights and bias, a sigmoid */
		uint8_t map[NU_MAP_BYTES];
		double worst = 0;
		const float *w = net->params, *b = net->params + 500;

		REQUIRE(net->nparams == 501, "the hand-made network has 501 parameters");
		for (size_t i = 0; i < n; i += 7) {
			double z = b[0];

			REQUIRE(nu_dataset_read_maps(ds, i, 1, map, NULL) == NU_OK,
			    "event %zu's maps are read", i);
			for (int ph = 0; ph < 25; ph++)
				for (int pw = 0; pw < 20; pw++) {
					int m4 = 0;

					for (int dh = 0; dh < 4; dh++)
						for (int dw = 0; dw < 4; dw++) {
							int v = map[(ph * 4 + dh) * 80 + pw * 4 + dw];

							m4 = v > m4 ? v : m4;
						}
					z += (double)w[ph * 20 + pw] * (m4 / 255.0);
				}
			worst = fmax(worst, fabs(1.0 / (1.0 + exp(-z)) - s64[i]));
		}
		CHECK(worst < 1e-5, "each score is the network's worked by hand (largest "
		    "difference %.3g)", worst);
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
	nu_arch_free(a);
	nu_dataset_free(ds);
	TEST_DONE();
}
