/*
 * test-loader.c: task labels, splits, class balancing and the batch
 * loader, on the h5py fixtures (good/: 650 events in three files).
 */
#include "config.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "dataset.h"
#include "loader.h"
#include "split.h"
#include "summary.h"
#include "support.h"

static struct nu_dataset *ds;
static struct nu_labels lab;

static struct nu_split_opts
defaults(void)
{
	struct nu_split_opts o = {
		.task = NU_TASK_NUMU_CC, .kind = NU_SPLIT_RANDOM,
		.fractions = { 0.8, 0.1, 0.1 }, .seed = 7,
	};
	return o;
}

static int
disjoint_cover(const struct nu_split *s, uint64_t n)
{
	uint8_t *seen = calloc(n, 1);
	int ok = seen != NULL;

	for (int p = 0; p < NU_NPARTS && ok; p++)
		for (size_t i = 0; i < s->n[p] && ok; i++)
			ok = s->ev[p][i] < n && !seen[s->ev[p][i]]++ &&
			    (i == 0 || s->ev[p][i] > s->ev[p][i - 1]);
	free(seen);
	return ok;
}

static void
test_labels_and_splits(void)
{
	struct nu_summary total;
	struct nu_split s, s2;
	struct nu_split_opts o = defaults();
	struct nu_labels fl;
	char *cause = NULL;
	size_t ones = 0;
	enum nu_status st;

	CHECK_EQ_INT(nu_labels_load(ds, NU_TASK_NUMU_CC, &lab, &cause), NU_OK, "label numu-cc");
	CHECK_EQ_INT(nu_summary_dataset(ds, 10, NULL, NULL, &total, &cause), NU_OK, "summary");
	for (uint64_t i = 0; i < lab.n; i++)
		ones += lab.label[i] == 1.0f;
	CHECK_EQ_INT(ones, total.groups[NU_GROUP_NUMU_CC], "numu CC labels = numu CC group count");

	CHECK_EQ_INT(nu_split_make(ds, &lab, &o, &s, &cause), NU_OK, "random split");
	CHECK(s.n[0] == 520 && s.n[1] == 65 && s.n[2] == 65, "80/10/10 of 650: %zu/%zu/%zu",
	    s.n[0], s.n[1], s.n[2]);
	CHECK(disjoint_cover(&s, 650), "parts are disjoint, ascending, and cover all");
	CHECK_EQ_INT(nu_split_make(ds, &lab, &o, &s2, &cause), NU_OK, "again");
	CHECK(memcmp(s.ev[1], s2.ev[1], s.n[1] * 8) == 0, "same seed, same split");
	nu_split_free(&s2);
	o.seed = 8;
	nu_split_make(ds, &lab, &o, &s2, &cause);
	CHECK(memcmp(s.ev[1], s2.ev[1], s.n[1] * 8) != 0, "another seed, another split");
	nu_split_free(&s2);
	nu_split_free(&s);

	o = defaults();
	o.kind = NU_SPLIT_SEQUENTIAL;
	nu_split_make(ds, &lab, &o, &s, &cause);
	CHECK(s.ev[0][0] == 0 && s.ev[0][519] == 519 && s.ev[2][64] == 649,
	    "sequential: the first 520 events train, the last 65 test");
	nu_split_free(&s);

	o = defaults();
	o.kind = NU_SPLIT_STRATIFIED;
	nu_split_make(ds, &lab, &o, &s, &cause);
	{
		double f = (double)ones / 650.0;
		int ok = 1;

		for (int p = 0; p < NU_NPARTS; p++)
			ok &= fabs((double)s.count[p][1] - f * (double)s.n[p]) <= 1.0;
		CHECK(ok, "stratified: each part keeps the numu CC share within one event");
	}
	CHECK(disjoint_cover(&s, 650), "stratified parts disjoint");
	nu_split_free(&s);

	o = defaults();
	o.kind = NU_SPLIT_FILES;
	o.files[0] = "neutrino1.h5, neutrino2.h5";
	o.files[1] = "*/neutrino10.h5";
	nu_split_make(ds, &lab, &o, &s, &cause);
	CHECK(s.n[0] == 500 && s.n[1] == 150 && s.n[2] == 0, "files: 500 train, 150 validation");
	nu_split_free(&s);
	o.files[0] = "nothing*.h5";
	st = nu_split_make(ds, &lab, &o, &s, &cause);
	CHECK_EQ_INT(st, NU_ERR_EMPTY, "files: no training file is an error");
	CHECK_STR_HAS(cause, "no file matches train_files 'nothing*.h5'", "naming the pattern");

	/* balancing the training part */
	o = defaults();
	o.balance = NU_BALANCE_UNDERSAMPLE;
	nu_split_make(ds, &lab, &o, &s, &cause);
	CHECK(s.count[0][0] == s.count[0][1] && s.n[0] == 2 * s.count[0][0] && s.n[0] < 200,
	    "undersample: equal classes (%llu each)", (unsigned long long)s.count[0][0]);
	CHECK(s.n[1] == 65, "validation untouched by balancing");
	nu_split_free(&s);
	o.balance = NU_BALANCE_OVERSAMPLE;
	nu_split_make(ds, &lab, &o, &s, &cause);
	{
		int dup = 0;

		for (size_t i = 1; i < s.n[0]; i++)
			dup += s.ev[0][i] == s.ev[0][i - 1];
		CHECK(s.count[0][0] == s.count[0][1] && s.n[0] > 800 && dup > 0,
		    "oversample: equal classes by repeating minority events");
	}
	nu_split_free(&s);
	o.balance = NU_BALANCE_WEIGHTS;
	nu_split_make(ds, &lab, &o, &s, &cause);
	CHECK_NEAR(s.weight[1], 520.0 / (2.0 * (double)s.count[0][1]), 1e-9,
	    "weights: N / (K n_c) for numu CC");
	CHECK_NEAR(s.weight[0] * (double)s.count[0][0] + s.weight[1] * (double)s.count[0][1],
	    520.0, 1e-6, "weights average to 1 over training events");
	nu_split_free(&s);

	/* other tasks select their events */
	nu_labels_load(ds, NU_TASK_FLAVOUR, &fl, &cause);
	{
		size_t used = 0;

		for (uint64_t i = 0; i < fl.n; i++)
			used += fl.used[i];
		CHECK_EQ_INT(used, total.groups[NU_GROUP_NUMU_CC] + total.groups[NU_GROUP_NUE_CC],
		    "flavour uses numu CC and nue CC events only");
	}
	nu_labels_free(&fl);
	nu_labels_load(ds, NU_TASK_Y, &fl, &cause);
	{
		size_t used = 0;

		for (uint64_t i = 0; i < fl.n; i++)
			used += fl.used[i];
		CHECK_EQ_INT(used, total.y.n, "y uses the events with E_nu > 0");
	}
	o = defaults();
	o.task = NU_TASK_Y;
	o.kind = NU_SPLIT_STRATIFIED;
	st = nu_split_make(ds, &fl, &o, &s, &cause);
	CHECK_EQ_INT(st, NU_ERR_USAGE, "stratifying a regression is an error");
	nu_labels_free(&fl);

	o = defaults();
	o.fractions[0] = 0.95;
	st = nu_split_make(ds, &lab, &o, &s, &cause);
	CHECK_EQ_INT(st, NU_ERR_USAGE, "fractions above 1 are an error");
	CHECK_STR_HAS(cause, "add up to 1.15", "saying the sum");
	{
		double w[3] = { 1, 2, 3 };

		o = defaults();
		o.class_weights = w;
		o.nclass_weights = 3;
		st = nu_split_make(ds, &lab, &o, &s, &cause);
		CHECK_STR_HAS(cause, "3 class weights given; task numu-cc has 2 classes",
		    "class weight count checked");
	}
	free(cause);
}

/* Pixels of event e, view v, cell c... scaled by 1/255, read directly. */
static float
direct(uint64_t e, int view, int plane, int cell)
{
	static uint8_t map[NU_MAP_BYTES];
	static uint64_t last = UINT64_MAX;

	if (last != e) {
		nu_dataset_read_maps(ds, e, 1, map, NULL);
		last = e;
	}
	return (float)NU_PIXEL(map, view, plane, cell) / 255.0f;
}

/* Run one epoch; record the events in order and check pixels of each. */
static int
epoch(struct nu_loader *ld, unsigned ep, uint64_t *order, size_t *n,
    int check_pixels, int view0)
{
	const struct nu_batch *b;
	char *cause = NULL;
	int ok = 1;

	*n = 0;
	nu_loader_start(ld, ep, NULL);
	while (nu_loader_next(ld, &b, &cause) == NU_OK && b != NULL) {
		for (size_t i = 0; i < b->n; i++) {
			order[(*n)++] = b->event[i];
			if (b->y[i] != lab.label[b->event[i]])
				ok = 0;
			if (check_pixels)
				for (int p = 0; p < NU_PLANES; p += 7)
					for (int c = 0; c < NU_CELLS; c += 3)
						if (b->x[i * (size_t)b->nviews * NU_VIEW_BYTES +
						    p * NU_CELLS + c] != direct(b->event[i], view0, p, c))
							ok = 0;
		}
	}
	free(cause);
	return ok;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int
same_multiset(uint64_t *a, const uint64_t *sorted, size_t n)
{
	uint64_t *t = malloc(n * sizeof(*t));
	int ok;

	memcpy(t, a, n * sizeof(*t));
	qsort(t, n, sizeof(*t), cmp_u64);
	ok = memcmp(t, sorted, n * sizeof(*t)) == 0;
	free(t);
	return ok;
}

static void
test_loader(void)
{
	struct nu_split s;
	struct nu_split_opts so = defaults();
	struct nu_loader_opts lo = { .views = 3, .batch = 32, .seed = 5 };
	struct nu_loader *mem = NULL, *str = NULL, *mem2 = NULL;
	uint64_t *o1, *o2, *o3;
	size_t n1, n2, n3;
	char *cause = NULL;
	const struct nu_batch *b;
	int max = 0;

	so.balance = NU_BALANCE_OVERSAMPLE;   /* repeats exercise the reader */
	nu_split_make(ds, &lab, &so, &s, &cause);
	o1 = malloc(s.n[0] * sizeof(*o1));
	o2 = malloc(s.n[0] * sizeof(*o2));
	o3 = malloc(s.n[0] * sizeof(*o3));

	/* in memory, in order */
	CHECK_EQ_INT(nu_loader_new(&mem, ds, s.ev[0], s.n[0], &lab, s.weight, &lo, &cause),
	    NU_OK, "loader in memory");
	CHECK(nu_loader_in_memory(mem), "small set held in memory");
	CHECK_EQ_INT(nu_loader_nbatches(mem), (s.n[0] + 31) / 32, "batches");
	CHECK(epoch(mem, 0, o1, &n1, 1, 0), "in order: labels and pixels right");
	CHECK(n1 == s.n[0] && memcmp(o1, s.ev[0], n1 * 8) == 0, "in order: the split's order");
	nu_loader_free(mem);

	/* a stop flag set while the events are read into memory */
	{
		atomic_bool stop;

		atomic_init(&stop, true);
		lo.stop = &stop;
		mem = NULL;
		CHECK(nu_loader_new(&mem, ds, s.ev[0], s.n[0], &lab, s.weight, &lo,
		    &cause) == NU_ERR_CANCELLED && mem == NULL && cause != NULL &&
		    strstr(cause, "stopped after reading 0 of") != NULL,
		    "a set stop flag ends the reading: %s", cause ? cause : "");
		free(cause);
		cause = NULL;
		lo.stop = NULL;
	}

	/* shuffled in memory vs streamed: each epoch covers every event once */
	lo.shuffle = true;
	nu_loader_new(&mem, ds, s.ev[0], s.n[0], &lab, s.weight, &lo, &cause);
	nu_loader_new(&mem2, ds, s.ev[0], s.n[0], &lab, s.weight, &lo, &cause);
	lo.memory_limit = 1;
	lo.window = 64;
	CHECK_EQ_INT(nu_loader_new(&str, ds, s.ev[0], s.n[0], &lab, s.weight, &lo, &cause),
	    NU_OK, "streaming loader");
	CHECK(!nu_loader_in_memory(str), "tiny memory limit streams");
	CHECK(epoch(mem, 0, o1, &n1, 0, 0) && same_multiset(o1, s.ev[0], n1),
	    "shuffled epoch covers the training events once");
	CHECK(memcmp(o1, s.ev[0], n1 * 8) != 0, "and is not in order");
	epoch(mem2, 0, o2, &n2, 0, 0);
	CHECK(n1 == n2 && memcmp(o1, o2, n1 * 8) == 0, "same seed and epoch, same order");
	epoch(mem, 1, o2, &n2, 0, 0);
	CHECK(memcmp(o1, o2, n1 * 8) != 0, "the next epoch has another order");
	CHECK(epoch(str, 0, o3, &n3, 1, 0), "streamed: labels and pixels right");
	CHECK(n3 == s.n[0] && same_multiset(o3, s.ev[0], n3), "streamed epoch covers all once");
	epoch(str, 0, o2, &n2, 0, 0);
	CHECK(memcmp(o2, o3, n3 * 8) == 0, "streamed order deterministic");
	{
		/* windows of 64: the first 64 events come from 64 neighbours */
		uint64_t lo64 = o3[0], hi64 = o3[0];

		for (int i = 0; i < 64; i++) {
			if (o3[i] < lo64) lo64 = o3[i];
			if (o3[i] > hi64) hi64 = o3[i];
		}
		CHECK(hi64 - lo64 < 200, "a streamed window spans neighbouring events");
	}

	/* abandoning an epoch half-way and starting another */
	nu_loader_start(str, 3, NULL);
	nu_loader_next(str, &b, &cause);
	nu_loader_next(str, &b, &cause);
	CHECK(epoch(str, 4, o2, &n2, 0, 0) && n2 == s.n[0], "restart mid-epoch");
	nu_loader_free(str);
	str = NULL;

	CHECK_EQ_INT(nu_loader_pixel_max(mem2, &max, &cause), NU_ERR_USAGE,
	    "pixel max after epochs started is refused");
	nu_loader_free(mem);
	nu_loader_free(mem2);

	/* one view, scaling, augmentation */
	lo = (struct nu_loader_opts){ .views = 2, .batch = 50, .seed = 5 };
	nu_loader_new(&mem, ds, s.ev[1], s.n[1], &lab, NULL, &lo, &cause);
	CHECK(epoch(mem, 0, o1, &n1, 1, 1), "YZ only: pixels of view 1");
	nu_loader_free(mem);

	lo = (struct nu_loader_opts){ .views = 1, .batch = 65, .seed = 5,
	    .norm = NU_NORM_MAX, .memory_limit = 1, .window = 65 };
	nu_loader_new(&mem, ds, s.ev[1], s.n[1], &lab, NULL, &lo, &cause);
	CHECK(nu_loader_pixel_max(mem, &max, &cause) == NU_OK && max > 0 && max <= 255,
	    "pixel maximum of the validation events (%d)", max);
	nu_loader_set_max(mem, max, NULL);
	nu_loader_start(mem, 0, NULL);
	nu_loader_next(mem, &b, &cause);
	{
		float top = 0;

		for (size_t i = 0; i < b->n * NU_VIEW_BYTES; i++)
			if (b->x[i] > top)
				top = b->x[i];
		CHECK_NEAR(top, 1.0, 1e-6, "scaled by the maximum, the brightest pixel is 1");
	}
	nu_loader_free(mem);

	lo = (struct nu_loader_opts){ .views = 1, .batch = 65, .seed = 5,
	    .norm = NU_NORM_LOG1P };
	nu_loader_new(&mem, ds, s.ev[1], s.n[1], &lab, NULL, &lo, &cause);
	nu_loader_start(mem, 0, NULL);
	nu_loader_next(mem, &b, &cause);
	{
		int ok = 1;

		for (int p = 0; p < NU_PLANES; p++)
			for (int c = 0; c < NU_CELLS; c++) {
				float v = direct(b->event[0], 0, p, c) * 255.0f;

				ok &= fabsf(b->x[p * NU_CELLS + c] -
				    (float)(log1p(v) / log(256.0))) < 1e-6f;
			}
		CHECK(ok, "log1p scaling: log(1+v)/log(256)");
	}
	nu_loader_free(mem);

	lo = (struct nu_loader_opts){ .views = 1, .batch = 65, .seed = 5, .mirror = true };
	nu_loader_new(&mem, ds, s.ev[1], s.n[1], &lab, NULL, &lo, &cause);
	nu_loader_start(mem, 0, NULL);
	nu_loader_next(mem, &b, &cause);
	{
		int flipped = 0, straight = 0;

		for (size_t i = 0; i < b->n; i++) {
			int f = 1, st = 1;

			for (int p = 0; p < NU_PLANES; p++)
				for (int c = 0; c < NU_CELLS; c++) {
					float x = b->x[i * NU_VIEW_BYTES + p * NU_CELLS + c];

					f &= x == direct(b->event[i], 0, p, NU_CELLS - 1 - c);
					st &= x == direct(b->event[i], 0, p, c);
				}
			flipped += f && !st;
			straight += st && !f;
		}
		CHECK(flipped > 10 && straight > 10 && flipped + straight == (int)b->n,
		    "mirror: each event straight or mirrored in cell (%d, %d)", straight, flipped);
	}
	nu_loader_free(mem);

	lo = (struct nu_loader_opts){ .views = 1, .batch = 65, .seed = 5, .noise = 0.1 };
	nu_loader_new(&mem, ds, s.ev[1], s.n[1], &lab, NULL, &lo, &cause);
	nu_loader_start(mem, 0, NULL);
	nu_loader_next(mem, &b, &cause);
	{
		double sum = 0, sq = 0;
		size_t m = 0;

		for (int p = 0; p < NU_PLANES; p++)
			for (int c = 0; c < NU_CELLS; c++) {
				double d = b->x[p * NU_CELLS + c] - direct(b->event[0], 0, p, c);

				sum += d;
				sq += d * d;
				m++;
			}
		CHECK(fabs(sum / (double)m) < 0.01 && fabs(sqrt(sq / (double)m) - 0.1) < 0.01,
		    "noise: mean %.4f, sigma %.4f (asked 0.1)", sum / (double)m, sqrt(sq / (double)m));
	}
	nu_loader_free(mem);
	nu_split_free(&s);
	free(o1);
	free(o2);
	free(o3);
	free(cause);
}

/*
 * Two processes' shares (rank 0 and 1 of 2) put together are the whole
 * batches of one process, pixels and all, epoch after epoch, in memory
 * (read as batches ask) and streaming (the window's shares only); their
 * pixel maxima's larger is the whole maximum.
 */
static void
test_shares(void)
{
	struct nu_split s;
	struct nu_split_opts so = defaults();
	struct nu_loader_opts lo = { .views = 3, .batch = 24, .seed = 9, .shuffle = true,
	    .mirror = true, .noise = 0.02 };
	char *cause = NULL;

	so.balance = NU_BALANCE_OVERSAMPLE;   /* repeats in a share */
	nu_split_make(ds, &lab, &so, &s, &cause);
	for (int streaming = 0; streaming < 2; streaming++) {
		struct nu_loader *whole = NULL, *part[2] = { NULL, NULL };
		size_t per = 2 * (size_t)NU_VIEW_BYTES;
		int max = -1, pmax[2] = { -1, -1 }, ok = 1, shapes = 1;

		lo.memory_limit = streaming ? 1 : 0;
		lo.window = streaming ? 96 : 0;
		lo.rank = lo.nranks = 0;
		nu_loader_new(&whole, ds, s.ev[0], s.n[0], &lab, s.weight, &lo, &cause);
		for (int r = 0; r < 2; r++) {
			lo.rank = r;
			lo.nranks = 2;
			nu_loader_new(&part[r], ds, s.ev[0], s.n[0], &lab, s.weight, &lo, &cause);
		}
		if (whole == NULL || part[0] == NULL || part[1] == NULL) {
			CHECK(0, "loaders of the whole and the shares: %s", cause);
			goto next;
		}
		CHECK(nu_loader_in_memory(part[0]) == !streaming, "%s",
		    streaming ? "streaming" : "in memory");
		nu_loader_pixel_max(whole, &max, &cause);
		nu_loader_pixel_max(part[0], &pmax[0], &cause);
		nu_loader_pixel_max(part[1], &pmax[1], &cause);
		CHECK(max > 0 && (pmax[0] > pmax[1] ? pmax[0] : pmax[1]) == max,
		    "the shares' pixel maxima %d and %d make the whole's %d",
		    pmax[0], pmax[1], max);
		for (unsigned e = 0; e < 3 && ok; e++) {
			const struct nu_batch *w, *b[2];

			nu_loader_start(whole, e, NULL);
			nu_loader_start(part[0], e, NULL);
			nu_loader_start(part[1], e, NULL);
			for (;;) {
				nu_loader_next(whole, &w, &cause);
				nu_loader_next(part[0], &b[0], &cause);
				nu_loader_next(part[1], &b[1], &cause);
				if (w == NULL || b[0] == NULL || b[1] == NULL) {
					ok &= w == NULL && b[0] == NULL && b[1] == NULL;
					break;
				}
				shapes &= b[0]->first == 0 && b[1]->first == b[0]->n &&
				    b[0]->n + b[1]->n == w->n && b[0]->total == w->n &&
				    b[1]->total == w->n && b[0]->n > 0 && b[1]->n > 0;
				if (!shapes)
					break;
				for (int r = 0; r < 2; r++) {
					size_t at = b[r]->first;

					ok &= memcmp(b[r]->event, w->event + at, b[r]->n * 8) == 0 &&
					    memcmp(b[r]->y, w->y + at, b[r]->n * 4) == 0 &&
					    memcmp(b[r]->w, w->w + at, b[r]->n * 4) == 0 &&
					    memcmp(b[r]->x, w->x + at * per,
					    b[r]->n * per * sizeof(float)) == 0;
				}
			}
		}
		CHECK(shapes, "%s: each batch halved between the two", streaming ?
		    "streaming" : "in memory");
		CHECK(ok, "%s: the halves are the whole batch's events, labels, weights "
		    "and pixels, for 3 epochs", streaming ? "streaming" : "in memory");
next:
		nu_loader_free(whole);
		nu_loader_free(part[0]);
		nu_loader_free(part[1]);
	}
	nu_split_free(&s);
	free(cause);
}

/* The input mapping: nu_input_view's permutation byte by byte, its
 * inverse nu_input_source, and a loader of interleaved input under
 * normalise = none against the rows read directly. */
static void
test_input(void)
{
	uint8_t *row = malloc(NU_MAP_BYTES), *v0 = malloc(NU_VIEW_BYTES);
	uint8_t *v1 = malloc(NU_VIEW_BYTES), *seen = calloc(NU_MAP_BYTES, 1);
	uint8_t *maps = malloc(40 * (size_t)NU_MAP_BYTES);
	float lut[256];
	size_t bad = 0, twice = 0;
	char *cause = NULL;

	/* (100, 80, 2) C order: byte (p*80 + c)*2 + k holds a value that
	 * names p, c and k */
	for (int p = 0; p < NU_PLANES; p++)
		for (int c = 0; c < NU_CELLS; c++)
			for (int k = 0; k < 2; k++)
				row[(p * NU_CELLS + c) * 2 + k] = (uint8_t)(p * 7 + c * 3 + k * 101);
	nu_input_view(NU_INPUT_INTERLEAVED, row, 0, v0);
	nu_input_view(NU_INPUT_INTERLEAVED, row, 1, v1);
	for (int p = 0; p < NU_PLANES; p++)
		for (int c = 0; c < NU_CELLS; c++) {
			bad += v0[p * NU_CELLS + c] != (uint8_t)(p * 7 + c * 3);
			bad += v1[p * NU_CELLS + c] != (uint8_t)(p * 7 + c * 3 + 101);
		}
	CHECK_EQ_INT(bad, 0, "interleaved: byte (p, c, k) is view k's pixel (p, c)");
	/* where that puts the detector's pixels: input view 0, plane 0, cell
	 * 40 is byte 80 = XZ plane 1, cell 0; view 1, plane 50, cell 0 is
	 * byte 8001 = YZ plane 0, cell 1 */
	row[80] = 222;
	row[8001] = 111;
	nu_input_view(NU_INPUT_INTERLEAVED, row, 0, v0);
	nu_input_view(NU_INPUT_INTERLEAVED, row, 1, v1);
	CHECK(v0[40] == 222 && v1[50 * NU_CELLS] == 111,
	    "interleaved: XZ (1, 0) is view 0's (0, 40), YZ (0, 1) view 1's (50, 0)");
	CHECK(nu_input_source(NU_INPUT_INTERLEAVED, 0, 40) == 80 &&
	    nu_input_source(NU_INPUT_INTERLEAVED, 1, 50 * NU_CELLS) == 8001,
	    "nu_input_source gives those bytes back");
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < NU_VIEW_BYTES; i++) {
			size_t at = nu_input_source(NU_INPUT_INTERLEAVED, k, i);

			twice += at >= NU_MAP_BYTES || seen[at]++;
		}
	CHECK_EQ_INT(twice, 0, "interleaved: the two views take every byte of the row once");
	nu_input_view(NU_INPUT_VIEWS, row, 1, v1);
	CHECK(memcmp(v1, row + NU_VIEW_BYTES, NU_VIEW_BYTES) == 0 &&
	    nu_input_source(NU_INPUT_VIEWS, 1, 7) == NU_VIEW_BYTES + 7,
	    "views: view 1 is the row's YZ half");

	/* normalise none: the values as they are */
	CHECK(nu_norm_parse("none") == NU_NORM_NONE && nu_norm_parse("255") == NU_NORM_255 &&
	    nu_norm_parse("max") == NU_NORM_MAX && nu_norm_parse("1/255") == -1,
	    "normalise names parse, and an unknown one is refused");
	nu_norm_lut(NU_NORM_NONE, 255, lut);
	CHECK(lut[0] == 0.0f && lut[200] == 200.0f && lut[255] == 255.0f,
	    "normalise none: byte 200 is 200.0");

	/* loaders of interleaved input (both views, and the second alone,
	 * in memory and streamed) serve the rows' permutation, unscaled */
	CHECK_EQ_INT(nu_dataset_read_maps(ds, 0, 40, maps, &cause), NU_OK, "rows read");
	for (int views = 2; views <= 3; views++)
		for (int stream = 0; stream < 2; stream++) {
			struct nu_loader_opts lo = { .views = views, .batch = 16,
			    .input = NU_INPUT_INTERLEAVED, .norm = NU_NORM_NONE,
			    .memory_limit = stream ? 1 : 0 };
			struct nu_loader *ld = NULL;
			const struct nu_batch *b;
			uint64_t ev[40];
			size_t n = 0, wrong = 0;

			for (int i = 0; i < 40; i++)
				ev[i] = (uint64_t)i;
			CHECK_EQ_INT(nu_loader_new(&ld, ds, ev, 40, NULL, NULL, &lo, &cause),
			    NU_OK, "interleaved loader (views %d%s)", views,
			    stream ? ", streamed" : "");
			nu_loader_start(ld, 0, &cause);
			while (nu_loader_next(ld, &b, &cause) == NU_OK && b != NULL)
				for (size_t e = 0; e < b->n; e++, n++)
					for (int v = 0; v < b->nviews; v++) {
						int k = views == 3 ? v : 1;

						nu_input_view(NU_INPUT_INTERLEAVED, maps +
						    b->event[e] * NU_MAP_BYTES, k, v0);
						for (size_t i = 0; i < NU_VIEW_BYTES; i++)
							wrong += b->x[(e * (size_t)b->nviews +
							    (size_t)v) * NU_VIEW_BYTES + i] !=
							    (float)v0[i];
					}
			CHECK(n == 40 && wrong == 0, "views %d%s: every pixel is its "
			    "interleaved byte as it is (%zu events, %zu wrong)", views,
			    stream ? ", streamed" : "", n, wrong);
			nu_loader_free(ld);
		}
	{
		struct nu_loader_opts lo = { .views = 3, .batch = 16, .input = 2 };
		struct nu_loader *ld = NULL;
		uint64_t ev0 = 0;

		CHECK(nu_loader_new(&ld, ds, &ev0, 1, NULL, NULL, &lo, &cause) ==
		    NU_ERR_USAGE && ld == NULL, "an input mapping of neither kind is refused");
		free(cause);
		cause = NULL;
	}
	free(cause);
	free(row);
	free(v0);
	free(v1);
	free(seen);
	free(maps);
}

int
main(void)
{
	ds = support_fixture("good");
	test_labels_and_splits();
	test_loader();
	test_shares();
	test_input();
	nu_labels_free(&lab);
	nu_dataset_free(ds);
	TEST_DONE();
}
