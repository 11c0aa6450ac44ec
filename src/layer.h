/*
 * layer.h: the layer kinds of the CNN engine and the interface a network
 * drives them through.
 *
 * A layer kind is a const table of functions (struct nu_layer_ops); the
 * registry nu_layer_ops_find() maps a kind name to its table.  A layer
 * (struct nu_layer) is one configured instance: its kind, its per-event input
 * and output shapes, and the sizes of what it needs from its network.  It
 * owns no parameters and no scratch, and is read-only once made, so any
 * number of threads may run it at once.
 *
 * Memory a network owns and hands to every call (struct nu_layer_ctx):
 *   - params: all trainable parameters of the network in one flat float
 *     buffer; a layer reads l->nparams floats at the offset the network
 *     chose for it (the same offset for branches that share weights);
 *   - grads: a buffer with the same layout, one per worker thread;
 *     backward ADDS into it, so the network zeroes it before a batch and
 *     sums the workers' buffers in a fixed order after;
 *   - state: non-trainable tensors (batch-norm running statistics), flat,
 *     l->nstate floats per layer, changed only by nu_layer_update_state();
 *   - ws: per-thread, per-layer scratch of nu_layer_ws_bytes(l, nmax) bytes,
 *     64-byte aligned, sized once for the largest slice (nmax events) the
 *     thread will run; what forward leaves there (max-pool argmax,
 *     batch-norm statistics) backward reads, so a thread runs forward and
 *     backward of one slice on the same ws;
 *   - activations x, y, dy, dx: [n, C, H, W] float32 NCHW (a flat feature
 *     vector is [n, K, 1, 1]), contiguous per event, borrowed per call.
 * Forward and backward never allocate, never print, never fail: shapes
 * and sizes are checked once, when the layer is made.
 *
 * A network's life:
 *   ops = nu_layer_ops_find("conv2d");  struct conv_conf c; nu_layer_conf_default(ops, &c);
 *   c.filters = 8; ...; nu_layer_new(ops, &c, in_shape, &l, &cause);
 *   place l->nparams floats at some offset in params/grads, l->nstate in state;
 *   nu_layer_init(l, params + off, state + soff, seed);
 *   per thread: ws = aligned buffer of nu_layer_ws_bytes(l, nmax);
 *   per batch slice: nu_layer_forward(l, &ctx, x, y); ... nu_layer_backward(l, &ctx, x, y, dy, dx);
 *   after a training batch: nu_layer_update_state(l, state + soff, wss, nthreads);
 *   nu_layer_free(l).
 */
#ifndef NU_LAYER_H
#define NU_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nu.h"

/* Per-event shape: channels, height (planes), width (cells).  A flat vector
 * of K features is {K, 1, 1}. */
struct nu_layer_shape {
	int c, h, w;
};

/* Padding with TensorFlow/Keras semantics.  valid: out = floor((in - k) / s)
 * + 1.  same: out = ceil(in / s), total padding max((out - 1) * s + k - in,
 * 0), of which total / 2 at the top/left and the rest (the extra one when
 * odd) at the bottom/right. */
enum nu_layer_pad {
	NU_LAYER_PAD_VALID,
	NU_LAYER_PAD_SAME,
};

/* Output length and leading padding of one spatial axis; false (and *out
 * untouched) when a valid window does not fit or an argument is < 1. */
bool nu_layer_pad_axis(enum nu_layer_pad pad, int in, int k, int stride, int *out,
    int *pad_before);

/* ---- per-kind configuration: what a nu_layer_new() conf points to ---------- */

enum nu_act_func {
	NU_ACT_LINEAR,
	NU_ACT_RELU,
	NU_ACT_LEAKY_RELU,         /* x > 0 ? x : alpha * x */
	NU_ACT_SIGMOID,
	NU_ACT_TANH,
	NU_ACT_SOFTMAX,            /* over C at each (h, w); over K for {K, 1, 1} */
	NU_ACT_NFUNCS
};

/* "conv2d".  Weights [filters, C, kh, kw] then bias [filters]. */
struct conv_conf {
	int filters;            /* output channels, >= 1 */
	int kh, kw;             /* kernel, default 3 x 3 */
	int sh, sw;             /* stride, default 1 x 1 */
	enum nu_layer_pad pad;     /* default valid, as Keras */
};

/* "maxpool2d", "avgpool2d".  No parameters. */
struct pool_conf {
	int kh, kw;             /* window, default 2 x 2 */
	int sh, sw;             /* stride; 0 = the window size (the default) */
	enum nu_layer_pad pad;     /* default valid */
};

/* "dense" on a flat input {K, 1, 1}.  Weights [units, K] then bias [units]. */
struct dense_conf {
	int units;              /* >= 1 */
};

/* "activation".  No parameters. */
struct nu_act_conf {
	enum nu_act_func func;     /* default NU_ACT_RELU */
	float alpha;            /* leaky relu slope for x < 0, in [0, 1]; default 0.3 as Keras */
};

/* "dropout": inverted dropout, active only when ctx->train. */
struct dropout_conf {
	float rate;             /* fraction dropped, [0, 1); default 0.5 */
};

/* "batchnorm": per channel over (N, H, W); per feature for {K, 1, 1}.
 * Parameters gamma [C] then beta [C]; state running mean [C] then running
 * variance [C].  Training normalises each slice with that slice's own
 * statistics, so a batch split over threads is normalised per slice;
 * nu_layer_update_state() pools the slices exactly for the running ones. */
struct bn_conf {
	float momentum;         /* running = running * momentum + batch * (1 - momentum); 0.99 */
	float eps;              /* added to the variance; 1e-3 as Keras */
};

/* "flatten": {C, H, W} -> {C * H * W, 1, 1} in C, H, W order (a copy, or
 * nothing when y == x).  No parameters. */

/* Static names "linear", "relu", "leaky_relu", "sigmoid", "tanh",
 * "softmax"; nu_act_func_find() returns -1 for an unknown name. */
const char *nu_act_func_name(enum nu_act_func f);
int nu_act_func_find(const char *name);

/* ---- layers ------------------------------------------------------------- */

/* One named tensor of a layer's parameter or state block, for checkpoints,
 * L2 penalties and model dumps. */
enum nu_layer_role {
	NU_LAYER_ROLE_WEIGHT,      /* conv and dense kernels: L2 "on weights" */
	NU_LAYER_ROLE_BIAS,        /* L2 "on biases" */
	NU_LAYER_ROLE_GAMMA,
	NU_LAYER_ROLE_BETA,
	NU_LAYER_ROLE_RUNNING_MEAN,        /* state */
	NU_LAYER_ROLE_RUNNING_VAR,         /* state */
};

#define NU_LAYER_MAX_TENSORS 4

struct nu_layer_tensor {
	const char *name;       /* static: "weight", "bias", "gamma", ... */
	enum nu_layer_role role;
	bool state;             /* in the state block, not the parameter block */
	int rank;
	int dims[4];
	size_t off;             /* in floats from the start of the layer's block */
	size_t size;            /* in floats */
};

/* What a call runs on.  Everything here is borrowed. */
struct nu_layer_ctx {
	int n;                  /* events in this slice, 1 .. the nmax ws was sized for */
	size_t first;           /* index of the slice's first event in the whole
	                         * batch: dropout masks depend on it, not on how
	                         * a batch was split over threads */
	bool train;             /* training mode: dropout on, batch norm on batch
	                         * statistics; backward must see the same value
	                         * as the forward it follows */
	uint64_t seed;          /* dropout: distinct per step and layer, the same
	                         * for forward and its backward */
	const float *params;    /* this layer's block, l->nparams floats */
	float *grads;           /* backward adds to this layer's block */
	const float *state;     /* this layer's block, l->nstate floats */
	void *ws;               /* this layer's scratch, per thread, 64-byte aligned */
};

struct nu_layer_ops;

/* A configured layer.  Made by nu_layer_new(), freed by nu_layer_free(); fields
 * are read-only for everyone else. */
struct nu_layer {
	const struct nu_layer_ops *ops;
	struct nu_layer_shape in, out;     /* per event */
	size_t nparams;                 /* trainable floats */
	size_t nstate;                  /* non-trainable floats */
	int ntensors;
	struct nu_layer_tensor tensors[NU_LAYER_MAX_TENSORS];
	void *priv;                     /* the kind's own data; owned */
};

/*
 * A layer kind.  Shape contracts and ownership are those of the wrappers
 * below; a kind leaves a function NULL where it has nothing to do.
 */
struct nu_layer_ops {
	const char *name;               /* registry key: "conv2d" */
	size_t conf_size;               /* sizeof its conf struct; 0 = takes none */
	bool inplace;                   /* forward may run with y == x and backward
	                                 * with dx == dy */
	void (*conf_default)(void *conf);
	/* Check conf against the input shape; fill l->out, l->nparams,
	 * l->nstate, l->tensors and l->priv (owned, released by free). */
	enum nu_status (*setup)(struct nu_layer *l, const void *conf, char **cause);
	/* Scratch bytes per thread for slices of up to nmax events. */
	size_t (*ws_bytes)(const struct nu_layer *l, int nmax);
	/* Initial values as Keras: Glorot-uniform kernels, zero biases, unit
	 * gamma and running variance, zero beta and running mean. */
	void (*init)(const struct nu_layer *l, float *params, float *state, uint64_t seed);
	void (*forward)(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
	    const float *x, float *y);
	void (*backward)(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
	    const float *x, const float *y, const float *dy, float *dx);
	/* Fold the batch statistics the training forwards left in ws[0 ..
	 * nws-1] into the running statistics in state. */
	void (*update_state)(const struct nu_layer *l, float *state,
	    void *const *ws, int nws);
	/* Multiply-adds times two per event of a forward pass. */
	double (*flops)(const struct nu_layer *l);
	void (*free)(struct nu_layer *l);
};

extern const struct nu_layer_ops nu_layer_conv2d_ops;
extern const struct nu_layer_ops nu_layer_maxpool2d_ops;
extern const struct nu_layer_ops nu_layer_avgpool2d_ops;
extern const struct nu_layer_ops nu_layer_dense_ops;
extern const struct nu_layer_ops nu_layer_act_ops;
extern const struct nu_layer_ops nu_layer_dropout_ops;
extern const struct nu_layer_ops nu_layer_bn_ops;
extern const struct nu_layer_ops nu_layer_flatten_ops;

/* The kind named name ("conv2d", "maxpool2d", "avgpool2d", "dense",
 * "activation", "dropout", "batchnorm", "flatten"); NULL if none.
 * Borrowed, static. */
const struct nu_layer_ops *nu_layer_ops_find(const char *name);

/* The kinds in registry order, NULL-terminated; static. */
extern const struct nu_layer_ops *const nu_layer_kinds[];

/* Fill conf (ops->conf_size bytes) with the kind's defaults. */
void nu_layer_conf_default(const struct nu_layer_ops *ops, void *conf);

/*
 * Make a layer of kind ops, configured by conf (the kind's conf struct,
 * copied; may be NULL for kinds without one, meaning the defaults), for
 * per-event input shape in.  On success *lp is a new layer the caller frees
 * with nu_layer_free(); otherwise *lp is NULL and *cause (if given) says why,
 * e.g. "conv2d: kernel 5x5 does not fit input 4x4 with valid padding".
 */
enum nu_status nu_layer_new(const struct nu_layer_ops *ops, const void *conf,
    struct nu_layer_shape in, struct nu_layer **lp, char **cause);

/* Release a layer; NULL is a no-op. */
void nu_layer_free(struct nu_layer *l);

/* Scratch bytes one thread needs to run l on slices of up to nmax events;
 * a multiple of 64. */
size_t nu_layer_ws_bytes(const struct nu_layer *l, int nmax);

/* Initial parameters (l->nparams floats) and state (l->nstate floats),
 * deterministic in seed. */
void nu_layer_init(const struct nu_layer *l, float *params, float *state, uint64_t seed);

/* in x: [ctx->n, in.c, in.h, in.w]  out y: [ctx->n, out.c, out.h, out.w].
 * y must not overlap x unless l->ops->inplace and y == x. */
void nu_layer_forward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, float *y);

/* Given x and y of the forward just run on ctx->ws and dy = dLoss/dy,
 * add dLoss/dparams to ctx->grads and write dx = dLoss/dx, shaped like x
 * (dx may be NULL for a first layer: then no input gradient is computed).
 * dx must not overlap dy unless l->ops->inplace and dx == dy; for in-place
 * kinds x may equal y. */
void nu_layer_backward(const struct nu_layer *l, const struct nu_layer_ctx *ctx,
    const float *x, const float *y, const float *dy, float *dx);

/* Batch norm's running statistics after a training batch that ran as nws
 * slices on the workspaces ws[0 .. nws-1]; the combined statistics are
 * exactly those of the whole batch.  A no-op for other kinds. */
void nu_layer_update_state(const struct nu_layer *l, float *state,
    void *const *ws, int nws);

/* Forward FLOPs per event (2 per multiply-add); 0 for free layers. */
double nu_layer_flops(const struct nu_layer *l);

/* A counter-based random number: the same (seed, counter) always gives the
 * same 64 bits, whichever thread asks and in whatever order. */
uint64_t nu_layer_rand(uint64_t seed, uint64_t counter);

/* ---- for the kinds' own files ------------------------------------------ */

/* SplitMix64's finaliser: a bijective mix of 64 bits, the core of
 * nu_layer_rand(). */
static inline uint64_t
nu_layer_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Round a byte count up to a multiple of 64. */
static inline size_t
nu_layer_align(size_t bytes)
{
	return (bytes + 63) & ~(size_t)63;
}

/* Glorot-uniform fill: limit sqrt(6 / (fan_in + fan_out)). */
void nu_layer_glorot(float *w, size_t n, double fan_in, double fan_out,
    uint64_t seed);

#endif
