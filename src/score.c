/*
 * score.c: running a trained network over events, in file order.
 *
 * In a run of several processes (dist.h) each scores its share of every
 * batch and the scores of the whole batch are gathered on every process,
 * so that every process goes on with all of them, as one process would.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "dist.h"
#include "loader.h"
#include "score.h"

/* The second half of a batch, on a thread of its own. */
struct half {
	const struct nu_net *net;
	struct nu_net_ws *ws;
	const float *x;
	int n;
	float *out;
};

static void *
half_main(void *arg)
{
	struct half *h = arg;
	const float *y = nu_net_forward(h->net, h->ws, h->x, h->n, 0, false, 0, NULL);

	memcpy(h->out, y, (size_t)h->n * (size_t)h->net->nout * sizeof(float));
	return NULL;
}

enum nu_status
nu_score(const struct nu_model *m, const struct nu_dataset *ds, const uint64_t *events,
    size_t n, const struct nu_labels *lab, size_t batch, float *out,
    const atomic_bool *stop, char **cause)
{
	struct nu_loader_opts lo = { 0 };
	struct nu_loader *ld = NULL;
	struct nu_net_ws *ws = NULL, *ws2 = NULL;
	const struct nu_batch *b;
	size_t at = 0, K = (size_t)m->net->nout;
	enum nu_status st;

	if (n == 0)
		return NU_OK;
	if (nu_norm_parse(m->meta.normalise) < 0)
		return nu_fail(cause, NU_ERR_FORMAT, "the model's normalise \"%s\" is "
		    "none of %s", m->meta.normalise, NU_NORM_CHOICES);
	lo.views = m->net->views;
	/* the input views as the architecture reads the rows */
	lo.input = (enum nu_input)nu_arch_input(m->arch);
	lo.batch = batch ? batch : 64;
	lo.norm = (enum nu_norm)nu_norm_parse(m->meta.normalise);
	lo.memory_limit = 1;    /* stream: every event is read once */
	lo.rank = dist_rank();
	lo.nranks = dist_size();
	if ((st = nu_loader_new(&ld, ds, events, n, lab, NULL, &lo, cause)) != NU_OK ||
	    (st = nu_loader_set_max(ld, m->meta.normalise_max, cause)) != NU_OK ||
	    (st = nu_net_ws_new(m->net, (int)lo.batch, &ws, cause)) != NU_OK ||
	    (st = nu_net_ws_new(m->net, (int)lo.batch, &ws2, cause)) != NU_OK ||
	    (st = nu_loader_start(ld, 0, cause)) != NU_OK)
		goto out;
	/* each batch split over two threads, one per core: the events are
	 * independent, so the split changes nothing but the time */
	while ((st = dist_agree(nu_loader_next(ld, &b, cause), cause)) == NU_OK && b != NULL) {
		size_t n1 = b->n / 2, per = (size_t)m->net->nviews * NU_VIEW_BYTES;
		float *mine = out + (at + b->first) * K;        /* this process's share */
		struct half h = { m->net, ws2, b->x + n1 * per, (int)(b->n - n1),
		    mine + n1 * K };
		pthread_t th;
		bool threaded = n1 > 0 && pthread_create(&th, NULL, half_main, &h) == 0;

		if (!threaded)
			n1 = b->n;
		if (n1 > 0) {
			const float *y = nu_net_forward(m->net, ws, b->x, (int)n1, 0, false, 0, NULL);

			memcpy(mine, y, n1 * K * sizeof(float));
		}
		if (threaded)
			pthread_join(th, NULL);
		dist_gather_shares(out + at * K, b->total, K * sizeof(float));
		at += b->total;
		if (dist_any(stop != NULL && atomic_load(stop)) && at < n) {
			st = nu_fail(cause, NU_ERR_CANCELLED, "stopped after %zu of %zu "
			    "events", at, n);
			break;
		}
	}
out:
	nu_net_ws_free(ws2);
	nu_net_ws_free(ws);
	nu_loader_free(ld);
	return st;
}
