/*
 * net.c: networks built from architecture files, and their passes.
 *
 * A relu followed by a max pooling runs as the pooling then the relu:
 * max(relu(a), relu(b)) = relu(max(a, b)), so the pooled output is the
 * same, bit for bit, and so is every gradient (where a window's maximum is
 * not positive the relu passes no gradient whichever cell won).  The relu
 * then touches the pooled tensor, a ninth of the conv output after a 3x3
 * pooling and a quarter after 2x2, and its full-size output is never
 * written: on seed1 the relus were 28 % of a training step.  A dropout
 * between them moves too, as seed2 has it: dropout multiplies by 0 or a
 * positive scale, which commutes with the relu bit for bit, so relu ->
 * dropout -> max pooling runs as dropout -> max pooling -> relu.  The nodes
 * stay as they are (names, profile rows, checkpoints); only the passes
 * change.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataset.h"
#include "net.h"

/* ---- building ---------------------------------------------------------------- */

struct builder {
	struct nu_net *net;
	const struct nu_arch *a;
	char part[8];           /* "xz", "yz", "branch", "trunk" */
	int count[16];          /* per arch kind, for names */
	char **cause;
};

static int
kind_index(const char *name)
{
	int i = 0;

	for (const struct nu_arch_kind *k = nu_arch_kinds; k->name != NULL; k++, i++)
		if (strcmp(k->name, name) == 0)
			return i;
	return 0;
}

static enum nu_status
add_layer(struct builder *b, const struct nu_arch_section *s, const char *suffix,
    const struct nu_layer_ops *ops, const void *conf, struct nu_layer_shape *shape)
{
	struct nu_net *net = b->net;
	struct nu_net_node *nd;
	char *why = NULL;
	enum nu_status st;

	if (net->nnodes == NU_NET_MAXNODES)
		return nu_fail(b->cause, NU_ERR_FORMAT, "%s:%d: more than %d layers",
		    b->a->path, s->line, NU_NET_MAXNODES);
	nd = &net->node[net->nnodes];
	memset(nd, 0, sizeof(*nd));
	if (suffix == NULL) {
		int k = kind_index(s->kind->name);

		snprintf(nd->name, sizeof nd->name, "%s/%s%d", b->part, s->kind->name,
		    ++b->count[k]);
	} else {
		char prev[sizeof nd->name];

		memcpy(prev, net->node[net->nnodes - 1].name, sizeof prev);
		snprintf(nd->name, sizeof nd->name, "%.26s.%.12s", prev, suffix);
	}
	nd->kind = s->kind->name;
	nd->line = s->line;
	nd->sec = (int)(s - b->a->sec);
	nd->attached = suffix != NULL;
	st = nu_layer_new(ops, conf, *shape, &nd->l, &why);
	if (st != NU_OK) {
		nu_fail(b->cause, st, "%s:%d: [%s]: %s", b->a->path, s->line,
		    s->kind->name, why ? why : nu_strerror(st));
		free(why);
		return st;
	}
	*shape = nd->l->out;
	net->nnodes++;
	return NU_OK;
}

/* The activation a conv or dense section asks for, as a node of its own. */
static enum nu_status
add_activation(struct builder *b, const struct nu_arch_section *s, const char *key,
    struct nu_layer_shape *shape)
{
	struct nu_act_conf ac;
	long f = nu_arch_get(s, key)->i;

	/* arch's choices are listed in the order of enum nu_act_func */
	if (f == NU_ACT_LINEAR)
		return NU_OK;
	nu_layer_conf_default(&nu_layer_act_ops, &ac);
	ac.func = (enum nu_act_func)f;
	ac.alpha = (float)nu_arch_float(s, "alpha");
	return add_layer(b, s, nu_act_func_name(ac.func), &nu_layer_act_ops, &ac, shape);
}

static enum nu_status
add_section(struct builder *b, const struct nu_arch_section *s, struct nu_layer_shape *shape)
{
	const char *k = s->kind->name;
	enum nu_status st;

	if (strcmp(k, "conv") == 0) {
		struct conv_conf c;

		nu_layer_conf_default(&nu_layer_conv2d_ops, &c);
		c.filters = (int)nu_arch_int(s, "filters");
		c.kh = nu_arch_pair(s, "kernel")[0];
		c.kw = nu_arch_pair(s, "kernel")[1];
		c.sh = nu_arch_pair(s, "stride")[0];
		c.sw = nu_arch_pair(s, "stride")[1];
		c.pad = strcmp(nu_arch_enum(s, "padding"), "same") == 0 ? NU_LAYER_PAD_SAME : NU_LAYER_PAD_VALID;
		if ((st = add_layer(b, s, NULL, &nu_layer_conv2d_ops, &c, shape)) != NU_OK)
			return st;
		b->net->node[b->net->nnodes - 1].l2 = nu_arch_float(s, "l2");
		b->net->node[b->net->nnodes - 1].l2_bias = nu_arch_float(s, "l2_bias");
		return add_activation(b, s, "activation", shape);
	}
	if (strcmp(k, "maxpool") == 0 || strcmp(k, "avgpool") == 0) {
		const struct nu_layer_ops *ops = k[0] == 'm' ? &nu_layer_maxpool2d_ops : &nu_layer_avgpool2d_ops;
		struct pool_conf c;

		nu_layer_conf_default(ops, &c);
		c.kh = nu_arch_pair(s, "size")[0];
		c.kw = nu_arch_pair(s, "size")[1];
		c.sh = nu_arch_pair(s, "stride")[0];   /* 0 when unset: the size */
		c.sw = nu_arch_pair(s, "stride")[1];
		c.pad = strcmp(nu_arch_enum(s, "padding"), "same") == 0 ? NU_LAYER_PAD_SAME : NU_LAYER_PAD_VALID;
		return add_layer(b, s, NULL, ops, &c, shape);
	}
	if (strcmp(k, "dropout") == 0) {
		struct dropout_conf c;

		nu_layer_conf_default(&nu_layer_dropout_ops, &c);
		c.rate = (float)nu_arch_float(s, "rate");
		return add_layer(b, s, NULL, &nu_layer_dropout_ops, &c, shape);
	}
	if (strcmp(k, "batchnorm") == 0) {
		struct bn_conf c;

		nu_layer_conf_default(&nu_layer_bn_ops, &c);
		c.momentum = (float)nu_arch_float(s, "momentum");
		c.eps = (float)nu_arch_float(s, "epsilon");
		b->net->has_bn = true;
		return add_layer(b, s, NULL, &nu_layer_bn_ops, &c, shape);
	}
	if (strcmp(k, "flatten") == 0)
		return add_layer(b, s, NULL, &nu_layer_flatten_ops, NULL, shape);
	if (strcmp(k, "dense") == 0) {
		struct dense_conf c;

		if (shape->h != 1 || shape->w != 1)
			return nu_fail(b->cause, NU_ERR_FORMAT,
			    "%s:%d: [dense] needs a flat input but gets %dx%dx%d "
			    "(channels x planes x cells); add [flatten] before it",
			    b->a->path, s->line, shape->c, shape->h, shape->w);
		nu_layer_conf_default(&nu_layer_dense_ops, &c);
		c.units = (int)nu_arch_int(s, "units");
		if ((st = add_layer(b, s, NULL, &nu_layer_dense_ops, &c, shape)) != NU_OK)
			return st;
		b->net->node[b->net->nnodes - 1].l2 = nu_arch_float(s, "l2");
		b->net->node[b->net->nnodes - 1].l2_bias = nu_arch_float(s, "l2_bias");
		return add_activation(b, s, "activation", shape);
	}
	if (strcmp(k, "activation") == 0) {
		struct nu_act_conf c;

		nu_layer_conf_default(&nu_layer_act_ops, &c);
		c.func = (enum nu_act_func)nu_arch_get(s, "function")->i;
		c.alpha = (float)nu_arch_float(s, "alpha");
		return add_layer(b, s, NULL, &nu_layer_act_ops, &c, shape);
	}
	return nu_fail(b->cause, NU_ERR_FORMAT, "%s:%d: [%s] is not a layer",
	    b->a->path, s->line, k);
}

/* Add the layer sections [from, to) of the architecture. */
static enum nu_status
add_sections(struct builder *b, int from, int to, struct nu_layer_shape *shape)
{
	enum nu_status st;

	for (int i = from; i < to; i++) {
		if (b->a->sec[i].kind->role != NU_ARCH_ROLE_LAYER)
			continue;
		if ((st = add_section(b, &b->a->sec[i], shape)) != NU_OK)
			return st;
	}
	return NU_OK;
}

static void
start_part(struct builder *b, const char *part)
{
	snprintf(b->part, sizeof b->part, "%s", part);
	memset(b->count, 0, sizeof b->count);
}

/* Outputs, loss and fusion the task asks of the last layer. */
static enum nu_status
check_output(struct builder *b, struct nu_layer_shape out)
{
	struct nu_net *net = b->net;
	const struct nu_net_node *last = &net->node[net->nnodes - 1];
	const struct nu_arch_section *tr = b->a->train >= 0 ? &b->a->sec[b->a->train] : NULL;
	const char *loss = tr != NULL ? nu_arch_enum(tr, "loss") : "auto";
	int K = nu_task_nclasses(net->task);
	int want = K == 0 ? 1 : K == 2 ? 1 : K;
	int act = NU_ACT_LINEAR;

	if (last->l->ops == &nu_layer_act_ops)
		act = ((const struct nu_act_conf *)last->l->priv)->func;
	if (out.h != 1 || out.w != 1 || out.c != want)
		return nu_fail(b->cause, NU_ERR_FORMAT,
		    "%s:%d: the last layer gives %dx%dx%d values per event; task %s "
		    "needs %d (%s)", b->a->path, last->line, out.c, out.h, out.w,
		    nu_task_name(net->task), want,
		    K == 2 ? "one unit with sigmoid" : K > 2 ?
		    "one unit per class with softmax" : "one unit");
	net->nout = want;
	if (strcmp(loss, "auto") == 0)
		net->loss = K == 2 ? NU_LOSS_BCE : K > 2 ? NU_LOSS_CCE : NU_LOSS_MSE;
	else
		net->loss = strcmp(loss, "bce") == 0 ? NU_LOSS_BCE :
		    strcmp(loss, "cce") == 0 ? NU_LOSS_CCE : NU_LOSS_MSE;
	if (net->loss == NU_LOSS_BCE && (act != NU_ACT_SIGMOID || K != 2))
		return nu_fail(b->cause, NU_ERR_FORMAT,
		    "%s:%d: binary cross-entropy needs a binary task and one output "
		    "unit with sigmoid (activation = sigmoid)", b->a->path, last->line);
	if (net->loss == NU_LOSS_CCE && (act != NU_ACT_SOFTMAX || K < 3))
		return nu_fail(b->cause, NU_ERR_FORMAT,
		    "%s:%d: categorical cross-entropy needs a multi-class task and a "
		    "softmax output (activation = softmax)", b->a->path, last->line);
	if (net->loss == NU_LOSS_MSE && act != NU_ACT_LINEAR && act != NU_ACT_SIGMOID)
		return nu_fail(b->cause, NU_ERR_FORMAT,
		    "%s:%d: a regression output is linear or sigmoid, not %s",
		    b->a->path, last->line, nu_act_func_name(act));
	net->fused = (net->loss == NU_LOSS_BCE && act == NU_ACT_SIGMOID) ||
	    (net->loss == NU_LOSS_CCE && act == NU_ACT_SOFTMAX);
	return NU_OK;
}

void
nu_net_free(struct nu_net *net)
{
	if (net == NULL)
		return;
	for (int i = 0; i < net->nnodes; i++)
		nu_layer_free(net->node[i].l);
	free(net->params);
	free(net->state);
	free(net);
}

static void *
alloc64(size_t bytes)
{
	return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

/* How many nodes the relu at node i can run after: 1 when node i + 1 is
 * a max pooling, 2 when node i + 1 is a dropout and node i + 2 a max
 * pooling, all in the chain [first, first + n); else 0.  The trunk's
 * next-to-last node must keep its own output: with a fused output its
 * activations are the logits. */
static int
relu_moves(const struct nu_net *net, int i, int first, int n)
{
	const struct nu_layer *l = net->node[i].l;
	int k = 1;

	if (i < first || i >= first + n || l->ops != &nu_layer_act_ops ||
	    ((const struct nu_act_conf *)l->priv)->func != NU_ACT_RELU)
		return 0;
	if (i + 2 < first + n && net->node[i + 1].l->ops == &nu_layer_dropout_ops)
		k = 2;
	if (i + k >= first + n || net->node[i + k].l->ops != &nu_layer_maxpool2d_ops)
		return 0;
	if (first == net->tfirst && i + k >= first + n - 1)
		return 0;
	return k;
}

static void
mark_relu_after(struct nu_net *net)
{
	net->reorder = true;
	for (int i = 0; i < net->nnodes; i++) {
		int k = relu_moves(net, i, net->tfirst, net->ntrunk);

		for (int b = 0; b < 2 && k == 0; b++)
			if (net->nbranch[b] > 0)
				k = relu_moves(net, i, net->bfirst[b], net->nbranch[b]);
		net->node[i].relu_after = k;
	}
}

enum nu_status
nu_net_new(struct nu_net **out, const struct nu_arch *a, uint64_t seed, char **cause)
{
	struct nu_net *net;
	struct builder b = { .a = a, .cause = cause };
	const struct nu_arch_section *ns = &a->sec[a->net];
	const char *views = nu_arch_enum(ns, "views"), *branches = nu_arch_enum(ns, "branches");
	struct nu_layer_shape shape;
	enum nu_status st;
	int end = a->train >= 0 ? a->train : a->nsec;

	*out = NULL;
	if ((net = calloc(1, sizeof(*net))) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	b.net = net;
	net->task = (enum nu_task)nu_task_from_name(nu_arch_enum(ns, "task"));
	net->seed = seed;
	net->views = strcmp(views, "xz") == 0 ? 1 : strcmp(views, "yz") == 0 ? 2 : 3;
	net->nviews = net->views == 3 ? 2 : 1;
	if (net->views != 3)
		net->mode = NU_NET_SINGLE;
	else if (strcmp(branches, "stacked") == 0)
		net->mode = NU_NET_STACKED;
	else
		net->mode = strcmp(branches, "shared") == 0 ? NU_NET_SHARED : NU_NET_SEPARATE;

	if (net->mode == NU_NET_SINGLE || net->mode == NU_NET_STACKED) {
		net->in = (struct nu_layer_shape){ net->nviews, NU_PLANES, NU_CELLS };
		net->merged = net->in;
		shape = net->in;
		start_part(&b, "trunk");
		net->tfirst = 0;
		if ((st = add_sections(&b, 1, end, &shape)) != NU_OK)
			goto fail;
	} else {
		struct nu_layer_shape s2;

		net->in = (struct nu_layer_shape){ 1, NU_PLANES, NU_CELLS };
		shape = net->in;
		start_part(&b, net->mode == NU_NET_SHARED ? "branch" : "xz");
		net->bfirst[0] = 0;
		if ((st = add_sections(&b, 1, a->merge, &shape)) != NU_OK)
			goto fail;
		net->nbranch[0] = net->nbranch[1] = net->nnodes;
		net->bout = shape;
		if (net->mode == NU_NET_SEPARATE) {
			s2 = net->in;
			start_part(&b, "yz");
			net->bfirst[1] = net->nnodes;
			if ((st = add_sections(&b, 1, a->merge, &s2)) != NU_OK)
				goto fail;
		}
		if (strcmp(nu_arch_enum(&a->sec[a->merge], "axis"), "planes") == 0) {
			net->merge = NU_MERGE_PLANES;
			net->merged = (struct nu_layer_shape){ shape.c, 2 * shape.h, shape.w };
		} else {
			net->merge = NU_MERGE_FEATURES;
			net->merged = (struct nu_layer_shape){ 2 * shape.c * shape.h * shape.w, 1, 1 };
		}
		shape = net->merged;
		start_part(&b, "trunk");
		net->tfirst = net->nnodes;
		if ((st = add_sections(&b, a->merge + 1, end, &shape)) != NU_OK)
			goto fail;
	}
	net->ntrunk = net->nnodes - net->tfirst;
	if (net->ntrunk == 0) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: no layers after %s: the "
		    "network needs an output layer", a->path,
		    a->merge >= 0 ? "[merge]" : "[net]");
		goto fail;
	}
	if ((st = check_output(&b, shape)) != NU_OK)
		goto fail;

	/* parameters: one flat block per node, shared branches once */
	size_t act = (size_t)net->in.c * (size_t)net->in.h * (size_t)net->in.w;

	for (int i = 0; i < net->nnodes; i++) {
		struct nu_net_node *nd = &net->node[i];
		const struct nu_layer_shape *o = &nd->l->out;

		nd->poff = net->nparams;
		nd->soff = net->nstate;
		net->nparams += nd->l->nparams;
		net->nstate += nd->l->nstate;
		net->flops += nu_layer_flops(nd->l) *
		    (net->mode == NU_NET_SHARED && i < net->tfirst ? 2 : 1);
		act += (size_t)o->c * (size_t)o->h * (size_t)o->w +
		    nu_layer_ws_bytes(nd->l, 1) / sizeof(float);
	}
	/* sizes are known from the shapes alone: refuse a network too big
	 * for any machine before allocating for it */
	if (net->nparams > NU_NET_MAXPARAMS) {
		st = nu_fail(cause, NU_ERR_RANGE, "%s: the network has %zu parameters "
		    "(%.1f GB to train with Adam); nuscope's limit is %zu", a->path,
		    net->nparams, (double)net->nparams * 4 * 6 / 1e9, NU_NET_MAXPARAMS);
		goto fail;
	}
	if (act > NU_NET_MAXACT) {
		st = nu_fail(cause, NU_ERR_RANGE, "%s: the network needs %zu floats of "
		    "activations per event (%.1f GB for a batch of 32); nuscope's limit "
		    "is %zu", a->path, act, (double)act * 4 * 32 / 1e9, NU_NET_MAXACT);
		goto fail;
	}
	net->params = alloc64((net->nparams + 1) * sizeof(float));
	net->state = calloc(net->nstate + 1, sizeof(float));
	if (net->params == NULL || net->state == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory for %zu parameters",
		    net->nparams);
		goto fail;
	}
	for (int i = 0; i < net->nnodes; i++)
		nu_layer_init(net->node[i].l, net->params + net->node[i].poff,
		    net->state + net->node[i].soff, nu_layer_rand(seed, (uint64_t)i));
	mark_relu_after(net);
	*out = net;
	return NU_OK;
fail:
	nu_net_free(net);
	return st;
}

/* ---- workspaces ----------------------------------------------------------------- */

/* One run of a chain of nodes: an output buffer and scratch per node. */
struct inst {
	int first, n;           /* nodes */
	float *act[NU_NET_MAXNODES];
	void *lws[NU_NET_MAXNODES];
};

struct nu_net_ws {
	int nmax;
	int n;                  /* events of the last forward */
	size_t first;
	bool train;
	uint64_t seed;
	const float *x;         /* input of the last forward */
	int ninst;              /* branch instances: 0 or 2 */
	struct inst br[2], tr;
	float *bin[2];          /* branch inputs: one view each */
	float *merged;          /* trunk input when branches exist */
	float *gmerged;         /* its gradient */
	float *g[2];            /* gradient ping-pong */
	float *gb[2];           /* gradients of the branch outputs */
	float *gin;             /* a branch's input gradient (nu_net_input_grad) */
	void *blocks[3 * NU_NET_MAXNODES + 16];
	int nblocks;
	bool prof;              /* timing on (nu_net_ws_profile) */
	double tf[NU_NET_MAXNODES], tb[NU_NET_MAXNODES];        /* seconds */
	double tpass;           /* whole passes, seconds */
};

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
nu_net_ws_profile(struct nu_net_ws *ws, bool on)
{
	ws->prof = on;
	memset(ws->tf, 0, sizeof ws->tf);
	memset(ws->tb, 0, sizeof ws->tb);
	ws->tpass = 0.0;
}

void
nu_net_ws_profile_add(const struct nu_net_ws *ws, int nnodes, double *fwd,
    double *bwd, double *other)
{
	double in = 0.0;

	for (int i = 0; i < nnodes && i < NU_NET_MAXNODES; i++) {
		fwd[i] += ws->tf[i];
		bwd[i] += ws->tb[i];
		in += ws->tf[i] + ws->tb[i];
	}
	*other += ws->tpass > in ? ws->tpass - in : 0.0;
}

static size_t
numel(struct nu_layer_shape s)
{
	return (size_t)s.c * (size_t)s.h * (size_t)s.w;
}

static void *
ws_alloc(struct nu_net_ws *ws, size_t bytes)
{
	void *p;

	if (ws->nblocks == (int)(sizeof ws->blocks / sizeof ws->blocks[0]))
		return NULL;
	if ((p = alloc64(bytes ? bytes : 64)) != NULL)
		ws->blocks[ws->nblocks++] = p;
	return p;
}

void
nu_net_ws_free(struct nu_net_ws *ws)
{
	if (ws == NULL)
		return;
	for (int i = 0; i < ws->nblocks; i++)
		free(ws->blocks[i]);
	free(ws);
}

static int
inst_alloc(const struct nu_net *net, struct nu_net_ws *ws, struct inst *in,
    int first, int n, size_t *maxact)
{
	in->first = first;
	in->n = n;
	for (int i = 0; i < n; i++) {
		const struct nu_layer *l = net->node[first + i].l;
		size_t e = numel(l->out);

		if (e > *maxact)
			*maxact = e;
		if ((in->act[i] = ws_alloc(ws, e * (size_t)ws->nmax * sizeof(float))) == NULL)
			return 0;
		if ((in->lws[i] = ws_alloc(ws, nu_layer_ws_bytes(l, ws->nmax))) == NULL)
			return 0;
	}
	return 1;
}

enum nu_status
nu_net_ws_new(const struct nu_net *net, int nmax, struct nu_net_ws **out, char **cause)
{
	struct nu_net_ws *ws = calloc(1, sizeof(*ws));
	size_t maxact = numel(net->merged), nm = (size_t)nmax;
	int ok;

	*out = NULL;
	if (ws == NULL || nmax < 1)
		goto nomem;
	ws->nmax = nmax;
	if (numel(net->in) > maxact)
		maxact = numel(net->in);
	ok = inst_alloc(net, ws, &ws->tr, net->tfirst, net->ntrunk, &maxact);
	if (net->mode == NU_NET_SEPARATE || net->mode == NU_NET_SHARED) {
		ws->ninst = 2;
		for (int b = 0; b < 2 && ok; b++) {
			ok = inst_alloc(net, ws, &ws->br[b], net->bfirst[b], net->nbranch[b], &maxact) &&
			    (ws->bin[b] = ws_alloc(ws, nm * NU_VIEW_BYTES * sizeof(float))) != NULL &&
			    (ws->gb[b] = ws_alloc(ws, nm * numel(net->bout) * sizeof(float))) != NULL;
		}
		ok = ok && (ws->merged = ws_alloc(ws, nm * numel(net->merged) * sizeof(float))) != NULL &&
		    (ws->gmerged = ws_alloc(ws, nm * numel(net->merged) * sizeof(float))) != NULL;
	}
	ok = ok && (ws->g[0] = ws_alloc(ws, nm * maxact * sizeof(float))) != NULL &&
	    (ws->g[1] = ws_alloc(ws, nm * maxact * sizeof(float))) != NULL;
	if (!ok)
		goto nomem;
	*out = ws;
	return NU_OK;
nomem:
	nu_net_ws_free(ws);
	return nu_fail(cause, NU_ERR_NOMEM, "out of memory for a workspace of %d events", nmax);
}

/* ---- passes ---------------------------------------------------------------------- */

static void
ctx_for(const struct nu_net *net, const struct nu_net_ws *ws, int node, int instance,
    struct nu_layer_ctx *ctx, const struct inst *in, int i, float *grads)
{
	const struct nu_net_node *nd = &net->node[node];

	ctx->n = ws->n;
	ctx->first = ws->first;
	ctx->train = ws->train;
	/* distinct per node and per branch instance, the same in backward */
	ctx->seed = nu_layer_rand(ws->seed, (uint64_t)node * 4 + (uint64_t)instance);
	ctx->params = net->params + nd->poff;
	ctx->grads = grads != NULL ? grads + nd->poff : NULL;
	ctx->state = net->state + nd->soff;
	ctx->ws = in->lws[i];
}

/* relu in place, as layer-act.c's forward does it: the sign bit clears */
static void
relu_inplace(float *y, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;

		memcpy(&u, &y[i], sizeof u);
		u &= ~(uint32_t)((int32_t)u >> 31);
		memcpy(&y[i], &u, sizeof u);
	}
}

/* relu's backward from its output, as layer-act.c's (dx may be dy) */
static void
relu_grad(const float *y, const float *dy, float *dx, size_t n)
{
	static const float slope[2] = { 0.0f, 1.0f };

	for (size_t i = 0; i < n; i++)
		dx[i] = dy[i] * slope[y[i] > 0.0f];
}

static const float *
chain_forward(const struct nu_net *net, struct nu_net_ws *ws, struct inst *in,
    int instance, const float *x)
{
	for (int i = 0; i < in->n; i++) {
		int node = in->first + i;
		struct nu_layer_ctx ctx;
		double t0 = ws->prof ? seconds() : 0.0;

		if (net->reorder && net->node[node].relu_after > 0) {
			/* the nodes after the relu on x (the dropout, the
			 * pooling), then the relu on what the pooling gave;
			 * the relu's own output, act[i], is left unwritten */
			int k = net->node[node].relu_after;
			double t1;

			for (int j = 1; j <= k; j++) {
				ctx_for(net, ws, node + j, instance, &ctx, in, i + j, NULL);
				nu_layer_forward(net->node[node + j].l, &ctx, x, in->act[i + j]);
				x = in->act[i + j];
				if (ws->prof) {
					t1 = seconds();
					ws->tf[node + j] += t1 - t0;
					t0 = t1;
				}
			}
			relu_inplace(in->act[i + k], numel(net->node[node + k].l->out) * (size_t)ws->n);
			if (ws->prof)
				ws->tf[node] += seconds() - t0;
			i += k;
			continue;
		}
		ctx_for(net, ws, node, instance, &ctx, in, i, NULL);
		nu_layer_forward(net->node[node].l, &ctx, x, in->act[i]);
		x = in->act[i];
		if (ws->prof)
			ws->tf[node] += seconds() - t0;
	}
	return x;
}

/* k when node i of the chain is the last of a group the relu at i - k
 * ran after (mark_relu_after), else 0 */
static int
relu_group(const struct nu_net *net, const struct inst *in, int i)
{
	for (int k = 1; k <= 2; k++)
		if (i - k >= 0 && net->node[in->first + i - k].relu_after == k)
			return k;
	return 0;
}

/*
 * Backward through nodes [0, upto) of a chain: dy is dLoss/d(output of node
 * upto-1); the input gradient goes to dx_out (NULL: not needed).  x0 is the
 * chain's input.
 */
static void
chain_backward(const struct nu_net *net, struct nu_net_ws *ws, struct inst *in,
    int instance, int upto, const float *x0, const float *dy, float *dx_out,
    float *grads)
{
	for (int i = upto - 1; i >= 0; i--) {
		struct nu_layer_ctx ctx;
		const float *x = i > 0 ? in->act[i - 1] : x0;
		float *dx = i > 0 ? (dy == ws->g[0] ? ws->g[1] : ws->g[0]) : dx_out;

		double t0 = ws->prof ? seconds() : 0.0;

		if (net->reorder && relu_group(net, in, i) > 0) {
			/* nodes r + 1 .. i ran after the relu at r: its
			 * backward on the pooling's output (in place on a
			 * ping-pong buffer; the trunk's dout and a branch's
			 * gradient are not ours to write), then theirs, last
			 * into the group's input gradient */
			int k = relu_group(net, in, i), r = i - k;
			float *dp = dy == ws->g[0] || dy == ws->g[1] ? (float *)dy : ws->g[0];
			double t1;

			relu_grad(in->act[i], dy, dp,
			    numel(net->node[in->first + i].l->out) * (size_t)ws->n);
			if (ws->prof) {
				t1 = seconds();
				ws->tb[in->first + r] += t1 - t0;
				t0 = t1;
			}
			for (int j = i; j > r; j--) {
				const float *xj = j - 1 > r ? in->act[j - 1] : r > 0 ? in->act[r - 1] : x0;
				float *dj = j - 1 > r || r > 0 ? (dp == ws->g[0] ? ws->g[1] : ws->g[0]) :
				    dx_out;

				ctx_for(net, ws, in->first + j, instance, &ctx, in, j, grads);
				nu_layer_backward(net->node[in->first + j].l, &ctx, xj, in->act[j], dp, dj);
				dp = dj;
				if (ws->prof) {
					t1 = seconds();
					ws->tb[in->first + j] += t1 - t0;
					t0 = t1;
				}
			}
			dy = dp;
			i = r;
			continue;
		}
		ctx_for(net, ws, in->first + i, instance, &ctx, in, i, grads);
		nu_layer_backward(net->node[in->first + i].l, &ctx, x, in->act[i], dy, dx);
		dy = dx;
		if (ws->prof)
			ws->tb[in->first + i] += seconds() - t0;
	}
}

const float *
nu_net_forward(const struct nu_net *net, struct nu_net_ws *ws, const float *x,
    int n, size_t first, bool train, uint64_t step_seed, const float **logits)
{
	const float *t_in = x, *out;
	double t0 = ws->prof ? seconds() : 0.0;

	ws->n = n;
	ws->first = first;
	ws->train = train;
	ws->seed = step_seed;
	ws->x = x;
	if (ws->ninst == 2) {
		size_t bo = numel(net->bout);
		const float *o[2];

		for (int b = 0; b < 2; b++) {
			/* the branch's view, [n, 1, 100, 80] */
			for (int e = 0; e < n; e++)
				memcpy(ws->bin[b] + (size_t)e * NU_VIEW_BYTES,
				    x + ((size_t)e * 2 + (size_t)b) * NU_VIEW_BYTES,
				    NU_VIEW_BYTES * sizeof(float));
			o[b] = ws->br[b].n > 0 ? chain_forward(net, ws, &ws->br[b], b, ws->bin[b]) :
			    ws->bin[b];
		}
		for (int e = 0; e < n; e++) {
			float *m = ws->merged + (size_t)e * 2 * bo;

			if (net->merge == NU_MERGE_FEATURES) {
				memcpy(m, o[0] + (size_t)e * bo, bo * sizeof(float));
				memcpy(m + bo, o[1] + (size_t)e * bo, bo * sizeof(float));
			} else {
				/* per channel: XZ's planes, then YZ's */
				size_t hw = (size_t)net->bout.h * (size_t)net->bout.w;

				for (int c = 0; c < net->bout.c; c++)
					for (int b = 0; b < 2; b++)
						memcpy(m + ((size_t)c * 2 + (size_t)b) * hw,
						    o[b] + (size_t)e * bo + (size_t)c * hw,
						    hw * sizeof(float));
			}
		}
		t_in = ws->merged;
	}
	out = chain_forward(net, ws, &ws->tr, 0, t_in);
	if (logits != NULL)
		*logits = net->fused ? (ws->tr.n > 1 ? ws->tr.act[ws->tr.n - 2] : t_in) : out;
	if (ws->prof)
		ws->tpass += seconds() - t0;
	return out;
}

const float *
nu_net_branch_out(const struct nu_net *net, const struct nu_net_ws *ws, int b)
{
	(void)net;
	if (ws->ninst != 2 || b < 0 || b > 1)
		return NULL;
	return ws->br[b].n > 0 ? ws->br[b].act[ws->br[b].n - 1] : ws->bin[b];
}

const float *
nu_net_forward_branch(const struct nu_net *net, struct nu_net_ws *ws, int b,
    const float *xb, const float *other, int n)
{
	size_t bo = numel(net->bout), hw = (size_t)net->bout.h * (size_t)net->bout.w;
	const float *o;

	ws->n = n;
	ws->first = 0;
	ws->train = false;
	ws->seed = 0;
	ws->x = NULL;
	o = ws->br[b].n > 0 ? chain_forward(net, ws, &ws->br[b], b, xb) : xb;
	for (int e = 0; e < n; e++) {
		float *m = ws->merged + (size_t)e * 2 * bo;
		const float *ob[2];

		ob[b] = o + (size_t)e * bo;
		ob[1 - b] = other;
		if (net->merge == NU_MERGE_FEATURES) {
			memcpy(m, ob[0], bo * sizeof(float));
			memcpy(m + bo, ob[1], bo * sizeof(float));
		} else {
			for (int c = 0; c < net->bout.c; c++)
				for (int v = 0; v < 2; v++)
					memcpy(m + ((size_t)c * 2 + (size_t)v) * hw,
					    ob[v] + (size_t)c * hw, hw * sizeof(float));
		}
	}
	return chain_forward(net, ws, &ws->tr, 0, ws->merged);
}

static void backward(const struct nu_net *net, struct nu_net_ws *ws,
    const float *dout, float *grads, float *dx);

void
nu_net_backward(const struct nu_net *net, struct nu_net_ws *ws, const float *dout,
    float *grads)
{
	double t0 = ws->prof ? seconds() : 0.0;

	backward(net, ws, dout, grads, NULL);
	if (ws->prof)
		ws->tpass += seconds() - t0;
}

enum nu_status
nu_net_input_grad(const struct nu_net *net, struct nu_net_ws *ws, const float *dout,
    float *grads, float *dx, char **cause)
{
	/* the branches' input gradients, one view each, before they are
	 * interleaved into dx; only saliency needs them, so training's
	 * workspaces never carry the buffer */
	if (ws->ninst == 2 && ws->gin == NULL &&
	    (ws->gin = ws_alloc(ws, (size_t)ws->nmax * NU_VIEW_BYTES * sizeof(float))) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for input gradients "
		    "of %d events", ws->nmax);
	backward(net, ws, dout, grads, dx);
	return NU_OK;
}

static void
backward(const struct nu_net *net, struct nu_net_ws *ws, const float *dout,
    float *grads, float *dx)
{
	int upto = ws->tr.n - (net->fused ? 1 : 0);
	const float *t_in = ws->ninst == 2 ? ws->merged : ws->x;
	float *dmerged = NULL;

	if (ws->ninst == 2)
		dmerged = ws->gmerged;
	else
		dmerged = dx;   /* the trunk's input is the network's */
	if (upto > 0)
		chain_backward(net, ws, &ws->tr, 0, upto, t_in, dout, dmerged, grads);
	else if (dmerged != NULL)
		/* the trunk was only the fused output: dout is d merged */
		memcpy(dmerged, dout, (size_t)ws->n * numel(net->merged) * sizeof(float));
	if (ws->ninst != 2)
		return;
	{
		size_t bo = numel(net->bout);
		size_t hw = (size_t)net->bout.h * (size_t)net->bout.w;

		for (int e = 0; e < ws->n; e++) {
			const float *m = dmerged + (size_t)e * 2 * bo;

			if (net->merge == NU_MERGE_FEATURES) {
				memcpy(ws->gb[0] + (size_t)e * bo, m, bo * sizeof(float));
				memcpy(ws->gb[1] + (size_t)e * bo, m + bo, bo * sizeof(float));
			} else {
				for (int c = 0; c < net->bout.c; c++)
					for (int b = 0; b < 2; b++)
						memcpy(ws->gb[b] + (size_t)e * bo + (size_t)c * hw,
						    m + ((size_t)c * 2 + (size_t)b) * hw,
						    hw * sizeof(float));
			}
		}
	}
	for (int b = 0; b < 2; b++) {
		const float *gv = ws->gb[b];

		if (ws->br[b].n > 0) {
			chain_backward(net, ws, &ws->br[b], b, ws->br[b].n, ws->bin[b],
			    ws->gb[b], dx != NULL ? ws->gin : NULL, grads);
			gv = ws->gin;
		}
		if (dx == NULL)
			continue;
		/* branch b's view back into its place in [n, 2, 100, 80] */
		for (int e = 0; e < ws->n; e++)
			memcpy(dx + ((size_t)e * 2 + (size_t)b) * NU_VIEW_BYTES,
			    gv + (size_t)e * NU_VIEW_BYTES, NU_VIEW_BYTES * sizeof(float));
	}
}

void
nu_net_update_state(struct nu_net *net, struct nu_net_ws *const *ws, int nws)
{
	void *lws[64];

	if (!net->has_bn || nws > 64)
		return;
	for (int i = 0; i < net->nnodes; i++) {
		const struct nu_net_node *nd = &net->node[i];
		int ni = 0;

		if (nd->l->nstate == 0)
			continue;
		for (int k = 0; k < nws; k++) {
			const struct nu_net_ws *w = ws[k];
			const struct inst *ins[3] = { &w->tr, &w->br[0], &w->br[1] };

			for (int j = 0; j < 3; j++)
				if (i >= ins[j]->first && i < ins[j]->first + ins[j]->n &&
				    ni < 64)
					lws[ni++] = ins[j]->lws[i - ins[j]->first];
		}
		nu_layer_update_state(nd->l, net->state + nd->soff, lws, ni);
	}
}

/* ---- summary ----------------------------------------------------------------------- */

static void
shape_text(struct nu_layer_shape s, char *buf, size_t len)
{
	if (s.h == 1 && s.w == 1)
		snprintf(buf, len, "%d", s.c);
	else
		snprintf(buf, len, "%dx%dx%d", s.c, s.h, s.w);
}

char *
nu_net_summary(const struct nu_net *net)
{
	size_t cap = 16384 + (size_t)net->nnodes * 160, n = 0;
	char *out = malloc(cap), sh[48];
	static const char *const modes[] = { "one view", "views stacked as channels",
	    "separate branches", "shared branches" };

	if (out == NULL)
		return NULL;
	n += (size_t)snprintf(out + n, cap - n, "task %s, %s%s, input %dx%dx%d per %s\n",
	    nu_task_name(net->task), modes[net->mode],
	    net->merge == NU_MERGE_PLANES ? " joined along planes" :
	    net->merge == NU_MERGE_FEATURES ? " merged as features" : "",
	    net->in.c, net->in.h, net->in.w,
	    net->mode == NU_NET_SEPARATE || net->mode == NU_NET_SHARED ? "branch" : "event");
	n += (size_t)snprintf(out + n, cap - n, "%-28s %-16s %12s %14s\n", "layer",
	    "output", "parameters", "MFLOPs/event");
	for (int i = 0; i < net->nnodes && n < cap; i++) {
		const struct nu_net_node *nd = &net->node[i];

		if (i == net->tfirst && net->merge != NU_MERGE_NONE) {
			shape_text(net->merged, sh, sizeof sh);
			n += (size_t)snprintf(out + n, cap - n, "%-28s %-16s %12s %14s\n",
			    net->merge == NU_MERGE_PLANES ? "merge (planes)" : "merge (features)",
			    sh, "0", "0");
		}
		shape_text(nd->l->out, sh, sizeof sh);
		n += (size_t)snprintf(out + n, cap - n, "%-28s %-16s %12zu %14.3f%s\n",
		    nd->name, sh, nd->l->nparams, nu_layer_flops(nd->l) / 1e6,
		    net->mode == NU_NET_SHARED && i < net->tfirst ? "  (x2: both views)" : "");
	}
	if (n < cap)
		snprintf(out + n, cap - n, "total: %zu parameters, %.3f MFLOPs per event "
		    "forward (%d layers)\n", net->nparams, net->flops / 1e6, net->nnodes);
	return out;
}
