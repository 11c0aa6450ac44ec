/*
 * net.h: a network built from an architecture file: its layers, where each
 * layer's parameters live in one flat buffer, and forward and backward
 * passes of a slice of events on a per-thread workspace.
 *
 * Layout.  With both views and separate or shared branches, each view runs
 * through a branch (shared branches use one set of parameters), the two
 * meet at the merge (features: flattened and concatenated, XZ first;
 * planes: joined along the plane axis, XZ first) and the trunk follows.
 * With one view or stacked views there is only the trunk.  The trunk's
 * last layer gives the network's output, [n, nout].
 *
 * Memory.  The network owns params (all trainable floats), state (batch
 * norm's running statistics) and its layers; they are read-only during
 * passes, so several threads may run passes at once, each on its own
 * workspace and adding gradients into its own buffer of nparams floats.
 * A workspace holds every activation of a slice of up to nmax events, so
 * choose nmax small enough for the activations to stay in cache.
 */
#ifndef NU_NET_H
#define NU_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "labels.h"
#include "layer.h"

#define NU_NET_MAXNODES 160
/* Limits checked before anything is allocated for a network (nuscope-arch(5),
 * LIMITS): trainable parameters, and activations and scratch per event in
 * floats (training holds a few copies of each). */
#define NU_NET_MAXPARAMS ((size_t)100000000)
#define NU_NET_MAXACT ((size_t)16000000)

enum nu_net_mode { NU_NET_SINGLE, NU_NET_STACKED, NU_NET_SEPARATE, NU_NET_SHARED };
enum nu_net_merge { NU_MERGE_NONE, NU_MERGE_FEATURES, NU_MERGE_PLANES };
enum nu_loss_kind { NU_LOSS_BCE, NU_LOSS_CCE, NU_LOSS_MSE };

struct nu_net_node {
	char name[40];          /* "xz/conv1", "trunk/dense2.relu" */
	const char *kind;       /* the arch section kind ("conv", "activation") */
	int line;               /* the section's line in the architecture file */
	int sec;                /* the section's index in the architecture */
	bool attached;          /* the activation a conv or dense section asked for */
	struct nu_layer *l;        /* owned */
	size_t poff, soff;      /* offsets of its blocks in params and state */
	double l2, l2_bias;     /* penalties on its weight and bias tensors */
	int relu_after;         /* a relu moved past the next 1 (a max pooling)
	                         * or 2 (a dropout, then a max pooling) nodes of
	                         * its chain by the passes (net.c); else 0 */
};

struct nu_net {
	enum nu_task task;
	enum nu_net_mode mode;
	enum nu_net_merge merge;
	int views;              /* 1 XZ, 2 YZ, 3 both: what the loader serves */
	int nviews;             /* channels of the input per event (1 or 2) */
	int nout;               /* outputs per event */
	enum nu_loss_kind loss;
	bool fused;             /* the last node is the sigmoid/softmax the loss
	                         * takes logits of */
	struct nu_net_node node[NU_NET_MAXNODES];
	int nnodes;
	int nbranch[2];         /* nodes of each branch: branch b's nodes start
	                         * at bfirst[b] (equal for shared branches) */
	int bfirst[2];
	int tfirst, ntrunk;     /* the trunk's nodes */
	struct nu_layer_shape in;          /* per event input of a branch or the trunk */
	struct nu_layer_shape bout;        /* per event output of each branch */
	struct nu_layer_shape merged;      /* per event input of the trunk */
	size_t nparams, nstate;
	float *params;          /* [nparams], owned, 64-byte aligned */
	float *state;           /* [nstate], owned */
	bool has_bn;            /* batch norm: slices must be whole worker slices */
	double flops;           /* forward FLOPs per event */
	bool reorder;           /* run relu -> max pooling as pooling -> relu
	                         * (node[].relu_after); on by default, off
	                         * only to check it against the plain order */
	uint64_t seed;          /* of the initial weights */
};

struct nu_net_ws;

/*
 * Build the network a parsed architecture describes, with its parameters
 * initialised from seed.  Errors name the architecture file and line:
 * "seed1.arch:40: dense needs a flat input; add [flatten] before it".
 */
enum nu_status nu_net_new(struct nu_net **out, const struct nu_arch *a,
    uint64_t seed, char **cause);
void nu_net_free(struct nu_net *net);

/* A workspace for slices of up to nmax events (caller frees). */
enum nu_status nu_net_ws_new(const struct nu_net *net, int nmax,
    struct nu_net_ws **out, char **cause);
void nu_net_ws_free(struct nu_net_ws *ws);

/*
 * Forward pass of n events x ([n, nviews, 100, 80]).  first is the index of
 * the slice's first event in its batch and step_seed a value distinct per
 * training step (both make dropout reproducible however a batch is split).
 * Returns the outputs [n, nout] (post-activation), valid until the next
 * pass on ws; *logits (if not NULL) receives the pre-activation outputs
 * when net->fused, else the outputs again.
 */
const float *nu_net_forward(const struct nu_net *net, struct nu_net_ws *ws,
    const float *x, int n, size_t first, bool train, uint64_t step_seed,
    const float **logits);

/*
 * Backward pass after a training forward on the same ws: dout is dLoss/d
 * logits (fused) or dLoss/d outputs, [n, nout]; parameter gradients are
 * ADDED to grads ([nparams]).
 */
void nu_net_backward(const struct nu_net *net, struct nu_net_ws *ws,
    const float *dout, float *grads);

/*
 * The gradient of the outputs with respect to the input, for saliency:
 * after a forward (training or not) on ws, as nu_net_backward with dout,
 * and besides the parameter gradients it must add to grads ([nparams],
 * scratch the caller discards) the input gradient goes to dx ([n,
 * nviews, 100, 80]).  Training never calls it, so its results do not
 * change; the first call with branches allocates a buffer in ws.
 */
enum nu_status nu_net_input_grad(const struct nu_net *net, struct nu_net_ws *ws,
    const float *dout, float *grads, float *dx, char **cause);

/*
 * For a network with two branches (separate or shared), inference of n
 * events that differ from one event only in view b, as saliency's
 * occluded copies do: xb holds their view b ([n, 100, 80]), other the
 * output of the other branch for that event ([numel(net->bout)], taken
 * with nu_net_branch_out after a forward of it on another workspace),
 * so the other branch is not run again.  Returns the outputs [n, nout]
 * as nu_net_forward.  nu_net_branch_out gives branch b's outputs [n,
 * bout] of the last forward on ws, NULL without branches.
 */
const float *nu_net_forward_branch(const struct nu_net *net, struct nu_net_ws *ws,
    int b, const float *xb, const float *other, int n);
const float *nu_net_branch_out(const struct nu_net *net, const struct nu_net_ws *ws,
    int b);

/*
 * Per-node timing of the passes on ws, to see where a step's time goes
 * (nuscope bench train).  Off by default: it costs two clock reads per
 * node and pass.  nu_net_ws_profile switches it on or off and zeroes the
 * sums; nu_net_ws_profile_add ADDS the seconds each node spent forward
 * and backward since then to fwd and bwd ([net->nnodes] each), and the
 * seconds the passes spent outside the nodes (splitting the views,
 * merging the branches) to *other.
 */
void nu_net_ws_profile(struct nu_net_ws *ws, bool on);
void nu_net_ws_profile_add(const struct nu_net_ws *ws, int nnodes, double *fwd,
    double *bwd, double *other);

/* Batch norm: fold the statistics the training forwards on ws[0..nws-1]
 * left into the running statistics (no-op without batch norm). */
void nu_net_update_state(struct nu_net *net, struct nu_net_ws *const *ws, int nws);

/* A table of the layers with output shapes, parameters and FLOPs per event,
 * and totals (caller frees). */
char *nu_net_summary(const struct nu_net *net);

#endif
