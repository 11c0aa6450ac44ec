/*
 * loader.c: batches for training and evaluation (see loader.h for the
 * design).
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "rng.h"

enum { SLOT_FREE, SLOT_FILLED, SLOT_IN_USE };
enum { STREAM_ORDER = 0x10, STREAM_AUG = 0x20 };

#define RUN_EVENTS 256                  /* events per read of a run */
#define DEFAULT_LIMIT ((size_t)4 << 30)
#define MAX_WINDOW 8192
#define STOP_EVENTS 4096                /* events read between looks at a
                                         * stop flag */

struct slot {
	float *x, *y, *w;
	uint64_t *event;
	int state;
	struct nu_batch b;
};

struct nu_loader {
	struct nu_loader_opts o;
	struct nu_dataset *ds;          /* our own handle */
	size_t n;                       /* positions */
	uint64_t *ev;                   /* [n] global event of each position */
	float *lab, *wt;                /* [n] label and weight per position */
	int nviews, view0;              /* views served, first view index */
	size_t evbytes;                 /* nviews * 8000 */
	uint8_t *store;                 /* in memory: [n][evbytes] */
	uint8_t *have;                  /* one process's share, in memory: [n]
	                                 * whether the position is in store */
	size_t *need;                   /* one process's share: positions to
	                                 * read, [max(batch, window)] */
	size_t window;                  /* streaming: positions per window */
	size_t nwindows;
	uint8_t *wbuf;                  /* streaming: [window][evbytes] */
	size_t wloaded;                 /* window in wbuf, or SIZE_MAX */
	size_t *worder;                 /* [nwindows] window order this epoch */
	uint8_t *run;                   /* [RUN_EVENTS][16000] read buffer */
	float lut[256];
	size_t *order;                  /* [n] positions in epoch order */
	size_t nbatches;
	struct slot *slots;
	int nslots;

	pthread_mutex_t mu;
	pthread_cond_t produced, consumed;
	pthread_t thread;
	bool thread_started;
	bool running, stop, busy;
	unsigned epoch;
	uint64_t gen;                   /* bumped by every nu_loader_start */
	size_t next_fill, next_take;
	int in_use;
	enum nu_status err;
	char *err_cause;
};

/* ---- reading pixels ---------------------------------------------------------- */

/*
 * Copy the pixels of the positions pos[0..np) (ascending; pos NULL: the
 * positions p0 .. p0+np-1) into dst, position p at dst[(p - base) *
 * evbytes], reading runs of consecutive events in one call each.
 */
static enum nu_status
read_set(struct nu_loader *ld, const size_t *pos, size_t p0, size_t np,
    uint8_t *dst, size_t base, char **cause)
{
#define POS(i) (pos != NULL ? pos[i] : p0 + (i))
	size_t i = 0;

	while (i < np) {
		uint64_t first = ld->ev[POS(i)];
		size_t j = i + 1, len = 1;
		enum nu_status st;

		/* extend the run over consecutive events (repeats stay in it) */
		while (j < np && len < RUN_EVENTS &&
		    (ld->ev[POS(j)] == ld->ev[POS(j - 1)] ||
		    ld->ev[POS(j)] == ld->ev[POS(j - 1)] + 1)) {
			if (ld->ev[POS(j)] != ld->ev[POS(j - 1)])
				len++;
			j++;
		}
		if ((st = nu_dataset_read_maps(ld->ds, first, len, ld->run, cause)) != NU_OK)
			return st;
		/* the input views, as the network takes them, are what is kept */
		for (size_t m = i; m < j; m++)
			for (int v = 0; v < ld->nviews; v++)
				nu_input_view(ld->o.input, ld->run + (ld->ev[POS(m)] - first) *
				    NU_MAP_BYTES, ld->view0 + v, dst + (POS(m) - base) *
				    ld->evbytes + (size_t)v * NU_VIEW_BYTES);
		i = j;
	}
	return NU_OK;
#undef POS
}

/* Positions [p0, p1) into dst ([p1-p0][evbytes]). */
static enum nu_status
read_positions(struct nu_loader *ld, size_t p0, size_t p1, uint8_t *dst,
    char **cause)
{
	return read_set(ld, NULL, p0, p1 - p0, dst, p0, cause);
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* This process's share [*s0, *s0 + *n) of batch k's positions in the
 * epoch order; *total is the whole batch's. */
static void
share_of(const struct nu_loader *ld, size_t k, size_t *s0, size_t *n, size_t *total)
{
	size_t B = ld->o.batch, first = k * B;

	*total = first + B <= ld->n ? B : ld->n - first;
	*s0 = 0;
	*n = *total;
	if (ld->o.nranks > 1) {
		size_t r = (size_t)ld->o.rank, R = (size_t)ld->o.nranks;

		*s0 = *total * r / R;
		*n = *total * (r + 1) / R - *s0;
	}
}

/*
 * A process's share, in memory: read the positions of its share of batch
 * k that no earlier batch brought in.
 */
static enum nu_status
load_share(struct nu_loader *ld, size_t k, char **cause)
{
	size_t s0, n, total, m = 0;
	const size_t *p = ld->order + k * ld->o.batch;
	enum nu_status st;

	share_of(ld, k, &s0, &n, &total);
	for (size_t i = s0; i < s0 + n; i++)
		if (!ld->have[p[i]])
			ld->need[m++] = p[i];
	qsort(ld->need, m, sizeof(*ld->need), cmp_size);
	if ((st = read_set(ld, ld->need, 0, m, ld->store, 0, cause)) != NU_OK)
		return st;
	for (size_t i = 0; i < m; i++)
		ld->have[ld->need[i]] = 1;
	return NU_OK;
}

/*
 * A process's share, streaming: read into the window buffer the positions
 * of its shares of the batches of epoch-order window slot j (window w,
 * positions [p0, p1)); the rest of the window stays unread.
 */
static enum nu_status
load_window_shares(struct nu_loader *ld, size_t j, size_t p0, size_t p1, char **cause)
{
	size_t B = ld->o.batch, at = j * ld->window, m = 0;

	for (size_t k = at / B; k * B < at + (p1 - p0); k++) {
		size_t s0, n, total;

		share_of(ld, k, &s0, &n, &total);
		for (size_t i = s0; i < s0 + n; i++)
			ld->need[m++] = ld->order[k * B + i];
	}
	qsort(ld->need, m, sizeof(*ld->need), cmp_size);
	return read_set(ld, ld->need, 0, m, ld->wbuf, p0, cause);
}

void
nu_norm_lut(enum nu_norm norm, int max, float lut[256])
{
	for (int v = 0; v < 256; v++) {
		switch (norm) {
		case NU_NORM_255:
			lut[v] = (float)v / 255.0f;
			break;
		case NU_NORM_MAX:
			lut[v] = (float)v / (float)(max > 0 ? max : 255);
			break;
		case NU_NORM_LOG1P:
			lut[v] = (float)(log1p((double)v) / log(256.0));
			break;
		case NU_NORM_NONE:
			lut[v] = (float)v;
			break;
		}
	}
}

int
nu_norm_parse(const char *name)
{
	static const char *const names[] = { "255", "max", "log1p", "none" };

	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* ---- input views ----------------------------------------------------------- */

void
nu_input_view(enum nu_input in, const uint8_t *map, int view, uint8_t *dst)
{
	if (in == NU_INPUT_VIEWS) {
		memcpy(dst, map + (size_t)view * NU_VIEW_BYTES, NU_VIEW_BYTES);
		return;
	}
	/* (100, 80, 2) C order: pixel i = plane * 80 + cell at 2i + view */
	for (size_t i = 0; i < NU_VIEW_BYTES; i++)
		dst[i] = map[2 * i + (size_t)view];
}

size_t
nu_input_source(enum nu_input in, int view, size_t i)
{
	return in == NU_INPUT_VIEWS ? (size_t)view * NU_VIEW_BYTES + i :
	    2 * i + (size_t)view;
}

static void
build_lut(struct nu_loader *ld, int max)
{
	nu_norm_lut(ld->o.norm, max, ld->lut);
}

/* ---- the epoch order ----------------------------------------------------------- */

static void
make_order(struct nu_loader *ld, unsigned epoch)
{
	struct nu_rng r;
	size_t w, full;

	for (size_t i = 0; i < ld->n; i++)
		ld->order[i] = i;
	if (!ld->o.shuffle)
		return;
	nu_rng_seed(&r, ld->o.seed, STREAM_ORDER + ((uint64_t)epoch << 8));
	if (ld->store != NULL) {
		for (size_t i = ld->n; i > 1; i--) {
			size_t j = (size_t)nu_rng_below(&r, i), t = ld->order[i - 1];

			ld->order[i - 1] = ld->order[j];
			ld->order[j] = t;
		}
		return;
	}
	/* windows in a random order, the short last window kept last so that
	 * only the epoch's last batch can be short; positions shuffled within
	 * each window */
	full = ld->n / ld->window;
	for (w = 0; w < ld->nwindows; w++)
		ld->worder[w] = w;
	for (size_t i = full; i > 1; i--) {
		size_t j = (size_t)nu_rng_below(&r, i), t = ld->worder[i - 1];

		ld->worder[i - 1] = ld->worder[j];
		ld->worder[j] = t;
	}
	for (w = 0; w < ld->nwindows; w++) {
		size_t base = ld->worder[w] * ld->window, at = w * ld->window;
		size_t len = base + ld->window <= ld->n ? ld->window : ld->n - base;

		for (size_t i = 0; i < len; i++)
			ld->order[at + i] = base + i;
		for (size_t i = len; i > 1; i--) {
			size_t j = (size_t)nu_rng_below(&r, i), t = ld->order[at + i - 1];

			ld->order[at + i - 1] = ld->order[at + j];
			ld->order[at + j] = t;
		}
	}
}

/* ---- producing a batch --------------------------------------------------------- */

static enum nu_status
fill(struct nu_loader *ld, struct slot *s, size_t k, unsigned epoch, char **cause)
{
	size_t first = k * ld->o.batch, total, n, s0;
	const uint8_t *base = ld->store;
	size_t woff = 0;
	enum nu_status st;

	share_of(ld, k, &s0, &n, &total);
	if (base != NULL && ld->have != NULL &&
	    (st = load_share(ld, k, cause)) != NU_OK)
		return st;
	if (base == NULL) {
		/* windows hold whole batches: batch k lies in one window */
		size_t j = first / ld->window, w = ld->worder[j];
		size_t p0 = w * ld->window;
		size_t p1 = p0 + ld->window <= ld->n ? p0 + ld->window : ld->n;

		if (ld->wloaded != w) {
			ld->wloaded = SIZE_MAX;
			st = ld->o.nranks > 1 ? load_window_shares(ld, j, p0, p1, cause) :
			    read_positions(ld, p0, p1, ld->wbuf, cause);
			if (st != NU_OK)
				return st;
			ld->wloaded = w;
		}
		base = ld->wbuf;
		woff = p0;
	}
	for (size_t i = 0; i < n; i++) {
		size_t pos = ld->order[first + s0 + i];
		const uint8_t *src = base + (pos - woff) * ld->evbytes;
		float *dst = s->x + i * (size_t)ld->nviews * NU_VIEW_BYTES;
		bool flip = false;
		struct nu_rng r;

		s->y[i] = ld->lab[pos];
		s->w[i] = ld->wt[pos];
		s->event[i] = ld->ev[pos];
		if (ld->o.mirror || ld->o.noise > 0) {
			nu_rng_seed(&r, ld->o.seed, STREAM_AUG + ((uint64_t)epoch << 8) +
			    ((uint64_t)pos << 24));
			flip = ld->o.mirror && (nu_rng_next(&r) >> 63);
		}
		for (int v = 0; v < ld->nviews; v++)
			for (int p = 0; p < NU_PLANES; p++) {
				const uint8_t *row = src + (size_t)v * NU_VIEW_BYTES + p * NU_CELLS;
				float *out = dst + (size_t)v * NU_VIEW_BYTES + p * NU_CELLS;

				if (flip)
					for (int c = 0; c < NU_CELLS; c++)
						out[c] = ld->lut[row[NU_CELLS - 1 - c]];
				else
					for (int c = 0; c < NU_CELLS; c++)
						out[c] = ld->lut[row[c]];
			}
		if (ld->o.noise > 0) {
			/* approximately Gaussian: the sum of four 16-bit uniforms,
			 * one generator call per pixel */
			const float scale = (float)(ld->o.noise / (65536.0 * sqrt(4.0 / 12.0)));

			for (size_t j = 0; j < ld->evbytes; j++) {
				uint64_t u = nu_rng_next(&r);
				long sum = (long)(u & 0xffff) + (long)((u >> 16) & 0xffff) +
				    (long)((u >> 32) & 0xffff) + (long)(u >> 48) - 2 * 65535;

				dst[j] += scale * (float)sum;
			}
		}
	}
	s->b.n = n;
	s->b.first = s0;
	s->b.total = total;
	s->b.nviews = ld->nviews;
	s->b.x = s->x;
	s->b.y = s->y;
	s->b.w = s->w;
	s->b.event = s->event;
	return NU_OK;
}

static void *
producer(void *arg)
{
	struct nu_loader *ld = arg;

	pthread_mutex_lock(&ld->mu);
	for (;;) {
		struct slot *s;
		size_t k;
		uint64_t gen;
		unsigned epoch;
		char *cause = NULL;
		enum nu_status st;

		while (!ld->stop && !(ld->running && ld->next_fill < ld->nbatches &&
		    ld->slots[ld->next_fill % (size_t)ld->nslots].state == SLOT_FREE))
			pthread_cond_wait(&ld->consumed, &ld->mu);
		if (ld->stop)
			break;
		k = ld->next_fill;
		s = &ld->slots[k % (size_t)ld->nslots];
		gen = ld->gen;
		epoch = ld->epoch;
		ld->busy = true;
		pthread_mutex_unlock(&ld->mu);

		st = fill(ld, s, k, epoch, &cause);

		pthread_mutex_lock(&ld->mu);
		ld->busy = false;
		if (gen == ld->gen) {
			if (st != NU_OK) {
				ld->err = st;
				free(ld->err_cause);
				ld->err_cause = cause;
				cause = NULL;
				ld->running = false;
			} else {
				s->state = SLOT_FILLED;
				ld->next_fill++;
			}
		}
		free(cause);
		pthread_cond_broadcast(&ld->produced);
	}
	pthread_mutex_unlock(&ld->mu);
	return NULL;
}

/* ---- public ------------------------------------------------------------------- */

/* NUSCOPE_DEBUG: which files this loader read maps from, and how many
 * events' (a process of an MPI run reads its share only). */
static void
log_reads(const struct nu_loader *ld)
{
	char buf[1024];
	size_t len = 0, nf = nu_dataset_nfiles(ld->ds), used = 0;
	uint64_t sum = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nf; i++) {
		uint64_t c = nu_dataset_maps_read(ld->ds, i);
		int w;

		if (c == 0)
			continue;
		sum += c;
		used++;
		w = snprintf(buf + len, sizeof buf - len, "%s%s %llu", used > 1 ? ", " : "",
		    nu_dataset_file(ld->ds, i)->path, (unsigned long long)c);
		if (w < 0 || (size_t)w >= sizeof buf - len) {
			snprintf(buf + len, sizeof buf - len, "%s...", used > 1 ? ", " : "");
			break;
		}
		len += (size_t)w;
	}
	nu_log(NU_LOG_DEBUG, "loader: share %d of %d: read the maps of %llu events "
	    "of %zu positions from %zu of %zu files%s%s", ld->o.nranks > 1 ? ld->o.rank : 0,
	    ld->o.nranks > 1 ? ld->o.nranks : 1, (unsigned long long)sum, ld->n, used, nf,
	    used > 0 ? ": " : "", buf);
}

void
nu_loader_free(struct nu_loader *ld)
{
	if (ld == NULL)
		return;
	if (ld->thread_started) {
		pthread_mutex_lock(&ld->mu);
		ld->stop = true;
		pthread_cond_broadcast(&ld->consumed);
		pthread_mutex_unlock(&ld->mu);
		pthread_join(ld->thread, NULL);
	}
	pthread_mutex_destroy(&ld->mu);
	pthread_cond_destroy(&ld->produced);
	pthread_cond_destroy(&ld->consumed);
	for (int i = 0; ld->slots != NULL && i < ld->nslots; i++) {
		free(ld->slots[i].x);
		free(ld->slots[i].y);
		free(ld->slots[i].w);
		free(ld->slots[i].event);
	}
	free(ld->slots);
	if (ld->ds != NULL)
		log_reads(ld);
	nu_dataset_free(ld->ds);
	free(ld->have);
	free(ld->need);
	free(ld->ev);
	free(ld->lab);
	free(ld->wt);
	free(ld->store);
	free(ld->wbuf);
	free(ld->worder);
	free(ld->run);
	free(ld->order);
	free(ld->err_cause);
	free(ld);
}

enum nu_status
nu_loader_new(struct nu_loader **out, const struct nu_dataset *ds,
    const uint64_t *events, size_t n, const struct nu_labels *l,
    const double *weight, const struct nu_loader_opts *opts, char **cause)
{
	struct nu_loader *ld;
	size_t limit;
	enum nu_status st;
	int K = l != NULL ? nu_task_nclasses(l->task) : 0;
	uint64_t nev = l != NULL ? l->n : nu_dataset_nevents(ds);

	*out = NULL;
	if (opts->batch == 0 || opts->views < 1 || opts->views > 3 ||
	    (opts->input != NU_INPUT_VIEWS && opts->input != NU_INPUT_INTERLEAVED))
		return nu_fail(cause, NU_ERR_USAGE, "loader: batch must be positive, "
		    "views 1 (XZ), 2 (YZ) or 3 (both) and input views or interleaved");
	if (n == 0)
		return nu_fail(cause, NU_ERR_EMPTY, "no events to load");
	if (opts->nranks > 1 && (opts->rank < 0 || opts->rank >= opts->nranks))
		return nu_fail(cause, NU_ERR_USAGE, "loader: rank %d is not one of %d",
		    opts->rank, opts->nranks);
	if ((ld = calloc(1, sizeof(*ld))) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&ld->mu, NULL);
	pthread_cond_init(&ld->produced, NULL);
	pthread_cond_init(&ld->consumed, NULL);
	ld->o = *opts;
	if (ld->o.prefetch <= 0)
		ld->o.prefetch = 3;
	ld->n = n;
	ld->nviews = opts->views == 3 ? 2 : 1;
	ld->view0 = opts->views == 2 ? 1 : 0;
	ld->evbytes = (size_t)ld->nviews * NU_VIEW_BYTES;
	ld->nbatches = (n + opts->batch - 1) / opts->batch;
	ld->in_use = -1;
	ld->wloaded = SIZE_MAX;
	build_lut(ld, 255);

	/* our own handle on the same files, opening only those we read */
	if ((st = nu_dataset_dup(&ld->ds, ds, cause)) != NU_OK)
		goto fail;

	ld->ev = malloc(n * sizeof(*ld->ev));
	ld->lab = malloc(n * sizeof(*ld->lab));
	ld->wt = malloc(n * sizeof(*ld->wt));
	ld->order = malloc(n * sizeof(*ld->order));
	ld->run = malloc((size_t)RUN_EVENTS * NU_MAP_BYTES);
	ld->nslots = ld->o.prefetch;
	ld->slots = calloc((size_t)ld->nslots, sizeof(*ld->slots));
	if (!ld->ev || !ld->lab || !ld->wt || !ld->order || !ld->run || !ld->slots) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t e = events[i];

		if (e >= nev || (i > 0 && e < events[i - 1])) {
			st = nu_fail(cause, NU_ERR_USAGE,
			    "loader: events must be ascending indices below %llu",
			    (unsigned long long)nev);
			goto fail;
		}
		ld->ev[i] = e;
		ld->lab[i] = l != NULL ? l->label[e] : 0.0f;
		ld->wt[i] = weight != NULL && K > 0 && ld->lab[i] >= 0 &&
		    ld->lab[i] < K ? (float)weight[(int)ld->lab[i]] : 1.0f;
	}
	for (int i = 0; i < ld->nslots; i++) {
		struct slot *s = &ld->slots[i];

		s->x = malloc(opts->batch * ld->evbytes * sizeof(float));
		s->y = malloc(opts->batch * sizeof(float));
		s->w = malloc(opts->batch * sizeof(float));
		s->event = malloc(opts->batch * sizeof(uint64_t));
		if (!s->x || !s->y || !s->w || !s->event) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory for batches");
			goto fail;
		}
	}

	limit = opts->memory_limit ? opts->memory_limit : DEFAULT_LIMIT;
	if (n <= limit / ld->evbytes) {
		if ((ld->store = malloc(n * ld->evbytes)) == NULL) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory holding %zu events", n);
			goto fail;
		}
		if (opts->nranks > 1) {
			/* one process's share: read as its batches ask */
			if ((ld->have = calloc(n, 1)) == NULL ||
			    (ld->need = malloc(opts->batch * sizeof(*ld->need))) == NULL) {
				st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
				goto fail;
			}
			goto start;
		}
		/* in pieces, so that a stop flag is seen within a fraction
		 * of a second */
		for (size_t p = 0; p < n; p += STOP_EVENTS) {
			size_t q = n - p < STOP_EVENTS ? n : p + STOP_EVENTS;

			if (opts->stop != NULL && atomic_load(opts->stop)) {
				st = nu_fail(cause, NU_ERR_CANCELLED, "stopped after "
				    "reading %zu of %zu events", p, n);
				goto fail;
			}
			if ((st = read_positions(ld, p, q, ld->store + p * ld->evbytes,
			    cause)) != NU_OK)
				goto fail;
		}
	} else {
		size_t w = opts->window ? opts->window : 64 * opts->batch;

		if (w > MAX_WINDOW && opts->window == 0)
			w = MAX_WINDOW;
		/* whole batches per window */
		w = w < opts->batch ? opts->batch : w / opts->batch * opts->batch;
		ld->window = w;
		ld->nwindows = (n + w - 1) / w;
		ld->wbuf = malloc(w * ld->evbytes);
		ld->worder = malloc(ld->nwindows * sizeof(*ld->worder));
		if (opts->nranks > 1)
			ld->need = malloc(w * sizeof(*ld->need));
		if (ld->wbuf == NULL || ld->worder == NULL ||
		    (opts->nranks > 1 && ld->need == NULL)) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory for the read window");
			goto fail;
		}
		for (size_t i = 0; i < ld->nwindows; i++)
			ld->worder[i] = i;
	}
start:
	if (pthread_create(&ld->thread, NULL, producer, ld) != 0) {
		st = nu_fail(cause, NU_ERR_NOMEM, "cannot start the loader thread");
		goto fail;
	}
	ld->thread_started = true;
	*out = ld;
	return NU_OK;
fail:
	nu_loader_free(ld);
	return st;
}

size_t
nu_loader_nevents(const struct nu_loader *ld)
{
	return ld->n;
}

size_t
nu_loader_nbatches(const struct nu_loader *ld)
{
	return ld->nbatches;
}

bool
nu_loader_in_memory(const struct nu_loader *ld)
{
	return ld->store != NULL;
}

/*
 * One process's part of the pixel maximum: that of positions [n*r/R,
 * n*(r+1)/R), read in pieces of the window (streaming) or into the store
 * (kept there for the batches that will want them).
 */
static enum nu_status
share_max(struct nu_loader *ld, int *max, char **cause)
{
	size_t r = (size_t)ld->o.rank, R = (size_t)ld->o.nranks;
	size_t a = ld->n * r / R, e = ld->n * (r + 1) / R;
	size_t step = ld->store != NULL ? e - a : ld->window;
	int m = 0;

	for (size_t p0 = a; p0 < e; p0 += step) {
		size_t p1 = e - p0 < step ? e : p0 + step;
		uint8_t *dst = ld->store != NULL ? ld->store + p0 * ld->evbytes : ld->wbuf;
		enum nu_status st = read_positions(ld, p0, p1, dst, cause);

		if (st != NU_OK)
			return st;
		for (size_t i = 0; i < (p1 - p0) * ld->evbytes; i++)
			if (dst[i] > m)
				m = dst[i];
		if (ld->have != NULL)
			memset(ld->have + p0, 1, p1 - p0);
	}
	ld->wloaded = SIZE_MAX;
	*max = m;
	return NU_OK;
}

enum nu_status
nu_loader_pixel_max(struct nu_loader *ld, int *max, char **cause)
{
	int m = 0;

	pthread_mutex_lock(&ld->mu);
	if (ld->gen != 0) {
		pthread_mutex_unlock(&ld->mu);
		return nu_fail(cause, NU_ERR_USAGE,
		    "loader: the pixel maximum is taken before the first epoch");
	}
	pthread_mutex_unlock(&ld->mu);
	if (ld->o.nranks > 1)
		return share_max(ld, max, cause);
	if (ld->store != NULL) {
		for (size_t i = 0; i < ld->n * ld->evbytes; i++)
			if (ld->store[i] > m)
				m = ld->store[i];
	} else {
		for (size_t w = 0; w < ld->nwindows; w++) {
			size_t p0 = w * ld->window;
			size_t p1 = p0 + ld->window <= ld->n ? p0 + ld->window : ld->n;
			enum nu_status st = read_positions(ld, p0, p1, ld->wbuf, cause);

			if (st != NU_OK)
				return st;
			for (size_t i = 0; i < (p1 - p0) * ld->evbytes; i++)
				if (ld->wbuf[i] > m)
					m = ld->wbuf[i];
			ld->wloaded = w;
		}
	}
	*max = m;
	return NU_OK;
}

enum nu_status
nu_loader_set_max(struct nu_loader *ld, int max, char **cause)
{
	enum nu_status st = NU_OK;

	/* the producer reads the table without the lock while an epoch runs */
	pthread_mutex_lock(&ld->mu);
	if (ld->gen != 0)
		st = nu_fail(cause, NU_ERR_USAGE,
		    "loader: the scale is set before the first epoch");
	else
		build_lut(ld, max);
	pthread_mutex_unlock(&ld->mu);
	return st;
}

enum nu_status
nu_loader_start(struct nu_loader *ld, unsigned epoch, char **cause)
{
	(void)cause;
	pthread_mutex_lock(&ld->mu);
	ld->running = false;
	while (ld->busy)
		pthread_cond_wait(&ld->produced, &ld->mu);
	make_order(ld, epoch);
	/* a process's share of a window is not that of another epoch */
	if (ld->o.nranks > 1)
		ld->wloaded = SIZE_MAX;
	for (int i = 0; i < ld->nslots; i++)
		ld->slots[i].state = SLOT_FREE;
	ld->in_use = -1;
	ld->next_fill = ld->next_take = 0;
	ld->err = NU_OK;
	free(ld->err_cause);
	ld->err_cause = NULL;
	ld->epoch = epoch;
	ld->gen++;
	ld->running = true;
	pthread_cond_broadcast(&ld->consumed);
	pthread_mutex_unlock(&ld->mu);
	return NU_OK;
}

enum nu_status
nu_loader_next(struct nu_loader *ld, const struct nu_batch **b, char **cause)
{
	struct slot *s;
	enum nu_status st = NU_OK;

	*b = NULL;
	pthread_mutex_lock(&ld->mu);
	if (ld->in_use >= 0) {
		ld->slots[ld->in_use].state = SLOT_FREE;
		ld->in_use = -1;
		pthread_cond_broadcast(&ld->consumed);
	}
	if (ld->gen == 0) {
		st = nu_fail(cause, NU_ERR_USAGE, "loader: no epoch started");
		goto out;
	}
	if (ld->next_take >= ld->nbatches)
		goto out;
	s = &ld->slots[ld->next_take % (size_t)ld->nslots];
	while (s->state != SLOT_FILLED && ld->err == NU_OK)
		pthread_cond_wait(&ld->produced, &ld->mu);
	if (ld->err != NU_OK) {
		st = nu_fail(cause, ld->err, "%s", ld->err_cause ? ld->err_cause :
		    nu_strerror(ld->err));
		goto out;
	}
	s->state = SLOT_IN_USE;
	ld->in_use = (int)(ld->next_take % (size_t)ld->nslots);
	ld->next_take++;
	*b = &s->b;
out:
	pthread_mutex_unlock(&ld->mu);
	return st;
}
