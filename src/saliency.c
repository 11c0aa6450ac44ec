/*
 * saliency.c: occlusion and gradient maps of one event (saliency.h).
 *
 * Occlusion scores one copy of the event per patch position; the copies
 * are independent, so worker threads take batches of them from a shared
 * counter, each on its own workspace, and the map is summed afterwards in
 * the copies' order: the result does not depend on the number of threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "loader.h"
#include "saliency.h"

#define MAXTHREADS 16
#define MAXOUT 256             /* outputs the gradient reads */

const char *const nu_sal_methods[] = { "occlusion", "gradient", "gradxinput", NULL };

const char *
nu_sal_method_name(enum nu_sal_method m)
{
	return (unsigned)m < 3 ? nu_sal_methods[m] : "?";
}

int
nu_sal_method_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, nu_sal_methods[i]) == 0)
			return i;
	return -1;
}

/* The patches of one view: rows (planes) and columns (cells) of their
 * top-left corners. */
struct grid {
	int patch, stride;
	int nr, nc;             /* positions along planes and cells */
	int nviews;
	size_t ncopies;         /* nviews * nr * nc */
};

static void
copy_patch(const struct grid *g, size_t k, int *view, int *r0, int *c0)
{
	size_t per = (size_t)g->nr * (size_t)g->nc;

	*view = (int)(k / per);
	*r0 = (int)(k % per / (size_t)g->nc) * g->stride;
	*c0 = (int)(k % per % (size_t)g->nc) * g->stride;
}

struct occ {
	const struct nu_net *net;
	const float *x;
	const struct grid *g;
	int batch, k;           /* the output read */
	const float *bout[2];   /* with branches: each branch's output for the
	                         * event, so only the occluded view's runs */
	float *scores;          /* [ncopies] */
	size_t nbatches, bpv;   /* batches, and per view: none spans two views */
	atomic_size_t next;     /* the next batch to take */
	atomic_bool failed;
};

struct worker {
	struct occ *oc;
	enum nu_status st;
	char *cause;
};

static void *
occ_main(void *arg)
{
	struct worker *w = arg;
	struct occ *oc = w->oc;
	const struct nu_net *net = oc->net;
	const bool branches = oc->bout[0] != NULL;
	/* a copy is the occluded view alone when the branches take the views
	 * apart, else the whole input */
	const size_t per = branches ? NU_VIEW_BYTES : (size_t)net->nviews * NU_VIEW_BYTES;
	const size_t pv = (size_t)oc->g->nr * (size_t)oc->g->nc;
	struct nu_net_ws *ws = NULL;
	float *buf = NULL;
	size_t j;

	if ((w->st = nu_net_ws_new(net, oc->batch, &ws, &w->cause)) != NU_OK)
		goto out;
	if ((buf = malloc((size_t)oc->batch * per * sizeof(float))) == NULL) {
		w->st = nu_fail(&w->cause, NU_ERR_NOMEM, "out of memory for %d "
		    "occluded copies", oc->batch);
		goto out;
	}
	while (!atomic_load(&oc->failed) &&
	    (j = atomic_fetch_add(&oc->next, 1)) < oc->nbatches) {
		size_t view = j / oc->bpv, in = j % oc->bpv * (size_t)oc->batch;
		size_t k0 = view * pv + in;
		size_t n = pv - in < (size_t)oc->batch ? pv - in : (size_t)oc->batch;
		const float *y;

		for (size_t i = 0; i < n; i++) {
			float *c = buf + i * per;
			int v, r0, c0;

			copy_patch(oc->g, k0 + i, &v, &r0, &c0);
			memcpy(c, oc->x + (branches ? (size_t)v * NU_VIEW_BYTES : 0),
			    per * sizeof(float));
			for (int r = r0; r < r0 + oc->g->patch && r < NU_PLANES; r++) {
				int c1 = c0 + oc->g->patch < NU_CELLS ? c0 + oc->g->patch : NU_CELLS;

				memset(c + (branches ? 0 : (size_t)v * NU_VIEW_BYTES) +
				    (size_t)r * NU_CELLS + (size_t)c0, 0,
				    (size_t)(c1 - c0) * sizeof(float));
			}
		}
		y = branches ? nu_net_forward_branch(net, ws, (int)view, buf,
		    oc->bout[1 - view], (int)n) :
		    nu_net_forward(net, ws, buf, (int)n, 0, false, 0, NULL);
		for (size_t i = 0; i < n; i++)
			oc->scores[k0 + i] = y[i * (size_t)net->nout + (size_t)oc->k];
	}
out:
	if (w->st != NU_OK)
		atomic_store(&oc->failed, true);
	free(buf);
	nu_net_ws_free(ws);
	return NULL;
}

static enum nu_status
occlusion(const struct nu_net *net, const float *x, const struct nu_sal_opts *o,
    int k, double s0, const float *const bout[2], float *map, char **cause)
{
	struct grid g;
	struct occ oc;
	struct worker w[MAXTHREADS];
	pthread_t th[MAXTHREADS];
	bool started[MAXTHREADS] = { false };
	int nt = o->threads > 0 ? (o->threads < MAXTHREADS ? o->threads : MAXTHREADS) : 2;
	float *cnt = NULL;
	enum nu_status st = NU_OK;

	g.patch = o->patch > 0 ? o->patch : NU_SAL_PATCH;
	g.stride = o->stride > 0 ? o->stride : NU_SAL_STRIDE;
	g.nr = (NU_PLANES + g.stride - 1) / g.stride;
	g.nc = (NU_CELLS + g.stride - 1) / g.stride;
	g.nviews = net->nviews;
	g.ncopies = (size_t)g.nviews * (size_t)g.nr * (size_t)g.nc;
	oc.net = net;
	oc.x = x;
	oc.g = &g;
	/* small passes keep a branch's activations in cache (bench saliency) */
	oc.batch = o->batch > 0 ? o->batch : 16;
	oc.k = k;
	oc.bout[0] = bout[0];
	oc.bout[1] = bout[1];
	oc.bpv = ((size_t)g.nr * (size_t)g.nc + (size_t)oc.batch - 1) / (size_t)oc.batch;
	oc.nbatches = oc.bpv * (size_t)g.nviews;
	atomic_init(&oc.next, 0);
	atomic_init(&oc.failed, false);
	oc.scores = malloc(g.ncopies * sizeof(float));
	cnt = calloc((size_t)net->nviews * NU_VIEW_BYTES, sizeof(float));
	if (oc.scores == NULL || cnt == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory for %zu occluded copies",
		    g.ncopies);
		goto out;
	}
	for (int t = 0; t < nt; t++) {
		w[t] = (struct worker){ &oc, NU_OK, NULL };
		/* the caller's thread is worker 0 */
		if (t > 0)
			started[t] = pthread_create(&th[t], NULL, occ_main, &w[t]) == 0;
	}
	occ_main(&w[0]);
	for (int t = 1; t < nt; t++)
		if (started[t])
			pthread_join(th[t], NULL);
	for (int t = 0; t < nt; t++) {
		if (st == NU_OK && w[t].st != NU_OK) {
			st = w[t].st;
			if (cause != NULL) {
				*cause = w[t].cause;
				w[t].cause = NULL;
			}
		}
		free(w[t].cause);
	}
	if (st != NU_OK)
		goto out;
	memset(map, 0, (size_t)net->nviews * NU_VIEW_BYTES * sizeof(float));
	for (size_t i = 0; i < g.ncopies; i++) {
		int v, r0, c0;
		float d = (float)(s0 - (double)oc.scores[i]);

		copy_patch(&g, i, &v, &r0, &c0);
		for (int r = r0; r < r0 + g.patch && r < NU_PLANES; r++)
			for (int c = c0; c < c0 + g.patch && c < NU_CELLS; c++) {
				size_t at = (size_t)v * NU_VIEW_BYTES + (size_t)r * NU_CELLS + (size_t)c;

				map[at] += d;
				cnt[at] += 1.0f;
			}
	}
	/* cells no patch covers (stride above the patch) stay zero */
	for (size_t i = 0; i < (size_t)net->nviews * NU_VIEW_BYTES; i++)
		if (cnt[i] > 0.0f)
			map[i] /= cnt[i];
out:
	free(cnt);
	free(oc.scores);
	return st;
}

/* d score / d input, and times the input for gradxinput */
static enum nu_status
gradient(const struct nu_net *net, struct nu_net_ws *ws, const float *x,
    const struct nu_sal_opts *o, int k, const float *y, float *map, char **cause)
{
	float dout[MAXOUT];
	float *grads;
	enum nu_status st;
	const size_t nin = (size_t)net->nviews * NU_VIEW_BYTES;

	/* d score / d what backward takes: the logits when the activation
	 * is fused into the loss, else the outputs themselves */
	for (int j = 0; j < net->nout; j++)
		dout[j] = 0.0f;
	if (!net->fused)
		dout[k] = 1.0f;
	else if (net->loss == NU_LOSS_BCE)
		dout[k] = y[k] * (1.0f - y[k]);         /* sigmoid, per output */
	else
		for (int j = 0; j < net->nout; j++)     /* softmax */
			dout[j] = y[k] * ((j == k ? 1.0f : 0.0f) - y[j]);
	if ((grads = calloc(net->nparams + 1, sizeof(float))) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for %zu gradients",
		    net->nparams);
	st = nu_net_input_grad(net, ws, dout, grads, map, cause);
	free(grads);
	if (st == NU_OK && o->method == NU_SAL_GRADXINPUT)
		for (size_t i = 0; i < nin; i++)
			map[i] *= x[i];
	return st;
}

enum nu_status
nu_saliency_net(const struct nu_net *net, const float *x, const struct nu_sal_opts *o,
    float *map, double *score, int *output, char **cause)
{
	struct nu_net_ws *ws = NULL;
	const float *y;
	int k = o->output;
	double s0;
	enum nu_status st;

	if (o->patch < 0 || o->patch > NU_CELLS || o->stride < 0 || o->stride > NU_CELLS)
		return nu_fail(cause, NU_ERR_USAGE, "saliency: patch and stride are 1 to "
		    "%d cells", NU_CELLS);
	if (k >= net->nout)
		return nu_fail(cause, NU_ERR_USAGE, "saliency: output %d, but the "
		    "network has %d", k, net->nout);
	if (net->nout > MAXOUT)
		return nu_fail(cause, NU_ERR_USAGE, "saliency: at most %d outputs",
		    MAXOUT);
	if ((st = nu_net_ws_new(net, 1, &ws, cause)) != NU_OK)
		return st;
	y = nu_net_forward(net, ws, x, 1, 0, false, 0, NULL);
	if (k < 0) {
		k = 0;
		for (int j = 1; j < net->nout; j++)
			if (y[j] > y[k])
				k = j;
	}
	s0 = y[k];
	if (o->method == NU_SAL_OCCLUSION) {
		/* the branches' outputs for the event, kept in ws: its only
		 * other use is the gradient's backward */
		const float *bout[2] = { nu_net_branch_out(net, ws, 0),
		    nu_net_branch_out(net, ws, 1) };

		st = occlusion(net, x, o, k, s0, bout, map, cause);
	}
	else
		st = gradient(net, ws, x, o, k, y, map, cause);
	nu_net_ws_free(ws);
	if (st == NU_OK) {
		if (score != NULL)
			*score = s0;
		if (output != NULL)
			*output = k;
	}
	return st;
}

enum nu_status
nu_saliency(const struct nu_model *m, const uint8_t *map8, const struct nu_sal_opts *o,
    float *sal, double *score, int *output, char **cause)
{
	const struct nu_net *net = m->net;
	int norm = nu_norm_parse(m->meta.normalise);
	enum nu_input in = (enum nu_input)nu_arch_input(m->arch);
	/* the loader serves the views the network reads, from view0 on */
	int view0 = net->views == 2 ? 1 : 0;
	size_t nin = (size_t)net->nviews * NU_VIEW_BYTES;
	float lut[256], *x, *xs;
	uint8_t *b;
	enum nu_status st;

	if (norm < 0)
		return nu_fail(cause, NU_ERR_FORMAT, "the model's normalise \"%s\" is "
		    "none of %s", m->meta.normalise, NU_NORM_CHOICES);
	/* x: the input, xs: its map, b: the input's bytes */
	if ((x = malloc(2 * nin * sizeof(float) + nin)) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for an event");
	xs = x + nin;
	b = (uint8_t *)(xs + nin);
	nu_norm_lut((enum nu_norm)norm, m->meta.normalise_max, lut);
	for (int v = 0; v < net->nviews; v++)
		nu_input_view(in, map8, view0 + v, b + (size_t)v * NU_VIEW_BYTES);
	for (size_t i = 0; i < nin; i++)
		x[i] = lut[b[i]];
	st = nu_saliency_net(net, x, o, xs, score, output, cause);
	/* drawn back on the detector's views: each input pixel where its byte
	 * came from (with interleaved input, on both views) */
	memset(sal, 0, NU_MAP_BYTES * sizeof(float));
	if (st == NU_OK)
		for (int v = 0; v < net->nviews; v++)
			for (size_t i = 0; i < NU_VIEW_BYTES; i++)
				sal[nu_input_source(in, view0 + v, i)] =
				    xs[(size_t)v * NU_VIEW_BYTES + i];
	free(x);
	return st;
}
