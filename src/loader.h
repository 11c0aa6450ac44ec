/*
 * loader.h: mini-batches of events for training and evaluation, prepared
 * ahead on a thread of the loader's own.
 *
 * A loader serves a fixed list of events (one part of a split) epoch after
 * epoch: pixels scaled to floats, labels and loss weights.  The pixels
 * are those of the network's input views (nu_input_view), which are the
 * detector's views unless the network reads them interleaved; they are
 * permuted once, as rows are read, and kept so.  When the
 * events' pixels fit in the memory limit they are read once and kept as
 * bytes; otherwise they are streamed in windows of neighbouring events,
 * which keeps reads sequential (the order is shuffled between windows and
 * within each window).  The order, the augmentation and hence every batch
 * depend only on the seed and the epoch, never on timing.
 *
 * A loader of one process's share of an MPI run (nranks > 1) reads only
 * the events of its share of each batch, and opens only the files they
 * lie in: in memory, an event when a batch first asks for it (the store
 * fills over the epochs with what the shuffles give this process);
 * streaming, the events of its shares of the window's batches and not the
 * rest of the window.  The order is that of the whole run, so every
 * process knows every batch and takes its part.
 *
 * DESIGN: one producer thread per loader fills a ring of `prefetch` batch
 * slots; the consumer (nu_loader_next) takes them in order.  A slot moves
 * free -> filled (producer) -> in use (consumer) -> free (next call), under
 * one mutex with two condition variables.  The producer uses its own
 * dataset handle, so the caller's dataset stays free for other work.
 */
#ifndef NU_LOADER_H
#define NU_LOADER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "split.h"

/* The [train] key normalise takes these choices, in the enum's order
 * (none: the stored 0-255 values as they are, for models trained on
 * unscaled maps). */
enum nu_norm { NU_NORM_255, NU_NORM_MAX, NU_NORM_LOG1P, NU_NORM_NONE };
#define NU_NORM_CHOICES "255|max|log1p|none"

/* The float each byte value becomes under norm (max: NU_NORM_MAX's scale),
 * as the loader feeds the network; saliency normalises the same way. */
void nu_norm_lut(enum nu_norm norm, int max, float lut[256]);

/* A normalise name ("255", "max", ... as a model file stores it) as the
 * enum; -1 when it is none of NU_NORM_CHOICES. */
int nu_norm_parse(const char *name);

/*
 * The [net] key input: how an event's map row (NU_MAP_BYTES bytes) becomes
 * the network's input views.  views: view 0 is the row's first 8000 bytes
 * (XZ) and view 1 the rest (YZ), as nuscope-data(5) stores them.
 * interleaved: the row read as (100, 80, 2) in C order and the last axis
 * taken as the views, so view k of plane p, cell c is byte
 * (p*80 + c)*2 + k: each "view" holds half of the bytes of both detector
 * views.  That is how models trained on cvnmap.reshape(N, 100, 80, 2) were
 * fed, and they only work when fed the same way (nuscope-arch(5)).
 */
enum nu_input { NU_INPUT_VIEWS, NU_INPUT_INTERLEAVED };
#define NU_INPUT_CHOICES "views|interleaved"

/* Input view `view` (0 or 1) of the map row map into dst (NU_VIEW_BYTES
 * bytes, [100, 80]). */
void nu_input_view(enum nu_input in, const uint8_t *map, int view, uint8_t *dst);

/* The byte of the map row that input view `view`'s pixel i (plane * 80 +
 * cell) is taken from: with it, a map over the input (saliency) is drawn
 * back on the detector's views. */
size_t nu_input_source(enum nu_input in, int view, size_t i);

struct nu_loader_opts {
	int views;              /* 1 = XZ, 2 = YZ, 3 = both (XZ then YZ); of
	                         * the input views under `input` */
	enum nu_input input;    /* how rows become input views (0: views) */
	size_t batch;           /* events per batch; the last may be short */
	bool shuffle;           /* a new order every epoch (training) */
	bool mirror;            /* augment: mirror half the events in cell */
	double noise;           /* augment: sigma of added noise, 0 = none */
	enum nu_norm norm;
	uint64_t seed;
	size_t memory_limit;    /* bytes of pixels to hold; 0 = 4 GiB */
	size_t window;          /* streaming: events per shuffle window;
	                         * 0 = 64 batches */
	int prefetch;           /* batches prepared ahead; 0 = 3 */
	/* NULL, or a flag another thread may set while nu_loader_new reads
	 * the events into memory: it then ends with NU_ERR_CANCELLED */
	const atomic_bool *stop;
	/* a share of every batch for process `rank` of `nranks` (0: the
	 * whole batch): batch k holds the same events in the same order
	 * whatever nranks is, and this loader serves its part
	 * [n*rank/nranks, n*(rank+1)/nranks) of them */
	int rank, nranks;
};

struct nu_batch {
	size_t n;               /* events in this batch (this share of it) */
	size_t first, total;    /* the share's first event in the whole
	                         * batch, and the whole batch's events */
	int nviews;
	const float *x;         /* [n, nviews, 100, 80] */
	const float *y;         /* [n] label: class index or target */
	const float *w;         /* [n] loss weight of the event's class */
	const uint64_t *event;  /* [n] global event index */
};

struct nu_loader;

/*
 * A loader over events[0..n) (ascending, repeats allowed) of ds, with
 * labels from l (NULL: every label 0, for scoring) and class weights
 * weight[] (NULL: all 1; ignored for regression).  ds, l and events are
 * only read during the call.
 */
enum nu_status nu_loader_new(struct nu_loader **out, const struct nu_dataset *ds,
    const uint64_t *events, size_t n, const struct nu_labels *l,
    const double *weight, const struct nu_loader_opts *opts, char **cause);
void nu_loader_free(struct nu_loader *ld);

size_t nu_loader_nevents(const struct nu_loader *ld);
size_t nu_loader_nbatches(const struct nu_loader *ld);
bool nu_loader_in_memory(const struct nu_loader *ld);

/* Largest pixel value among the loader's events (reads them when
 * streaming).  For NU_NORM_MAX the training loader's maximum is given to
 * every loader with nu_loader_set_max before the first epoch.  A loader
 * of one process's share gives the maximum of its part
 * [n*rank/nranks, n*(rank+1)/nranks) of the events (it reads those): the
 * caller takes the largest of all processes' (dist_max_int). */
enum nu_status nu_loader_pixel_max(struct nu_loader *ld, int *max, char **cause);
enum nu_status nu_loader_set_max(struct nu_loader *ld, int max, char **cause);

/* Start producing epoch `epoch` (0-based); any unfinished epoch is
 * abandoned. */
enum nu_status nu_loader_start(struct nu_loader *ld, unsigned epoch, char **cause);

/*
 * The next batch of the epoch, valid until the next call; *b = NULL at the
 * end of the epoch.  An error in the producer (a file that became
 * unreadable) is returned here.
 */
enum nu_status nu_loader_next(struct nu_loader *ld, const struct nu_batch **b,
    char **cause);

#endif
