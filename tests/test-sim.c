/*
 * test-sim.c: the simulator against the real files' statistics, physics
 * sanity measured on its pixels, determinism, and a write read back
 * through the project's reader.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "simwrite.h"
#include "testhelp.h"

#define NEV 20000               /* events for the statistics */
#define BATCH 1000

static const double real_hist[10] = { 3358, 1891, 1013, 394, 184, 85, 44, 14, 8, 10 };

/* ---- per-event measures on the pixels ------------------------------------ */

/* (view, plane) pairs holding a hit of at least `min` counts */
static int
planes_hit(const uint8_t *map, int min)
{
	int n = 0;

	for (int v = 0; v < NU_VIEWS; v++)
		for (int p = 0; p < NU_PLANES; p++)
			for (int c = 0; c < NU_CELLS; c++)
				if (NU_PIXEL(map, v, p, c) >= min) {
					n++;
					break;
				}
	return n;
}

/* mean hit cells per plane with hits */
static double
cells_per_plane(const uint8_t *map)
{
	int planes = 0, cells = 0;

	for (int v = 0; v < NU_VIEWS; v++)
		for (int p = 0; p < NU_PLANES; p++) {
			int k = 0;

			for (int c = 0; c < NU_CELLS; c++)
				k += NU_PIXEL(map, v, p, c) != 0;
			cells += k;
			planes += k > 0;
		}
	return planes ? (double)cells / planes : 0.0;
}

/* Longest run of planes of one view that each hold a hit of at least 15
 * counts, a gap of one plane allowed: how far something track-like goes
 * (isolated noise hits do not make runs). */
static int
longest_run(const uint8_t *map)
{
	int best = 0;

	for (int v = 0; v < NU_VIEWS; v++) {
		int start = -1, last = -10;

		for (int p = 0; p < NU_PLANES; p++) {
			bool hit = false;

			for (int c = 0; c < NU_CELLS && !hit; c++)
				hit = NU_PIXEL(map, v, p, c) >= 15;
			if (!hit)
				continue;
			if (p - last > 2)
				start = p;
			last = p;
			if (last - start + 1 > best)
				best = last - start + 1;
		}
	}
	return best;
}

/* charge-weighted mean cell of one view */
static double
mean_cell(const uint8_t *map, int v)
{
	double s = 0, sc = 0;

	for (int p = 0; p < NU_PLANES; p++)
		for (int c = 0; c < NU_CELLS; c++) {
			s += NU_PIXEL(map, v, p, c);
			sc += (double)NU_PIXEL(map, v, p, c) * c;
		}
	return s > 0 ? sc / s : -1;
}

static bool
same_event(const struct nu_sim_event *a, const struct nu_sim_event *b)
{
	return a->interaction == b->interaction && a->finalstate == b->finalstate &&
	    a->finalstateprong == b->finalstateprong &&
	    a->nuenergy == b->nuenergy && a->lepenergy == b->lepenergy &&
	    a->vtx[0] == b->vtx[0] && a->vtx[1] == b->vtx[1] && a->vtx[2] == b->vtx[2] &&
	    a->run == b->run && a->subrun == b->subrun && a->evt == b->evt &&
	    a->cycle == b->cycle && a->subevt == b->subevt && a->parent == b->parent &&
	    a->particles == b->particles && a->trainingdata_idx == b->trainingdata_idx;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* ---- configuration errors --------------------------------------------------- */

static void
test_config(void)
{
	struct nu_sim_config c;
	struct nu_sim *sim = NULL;
	char *cause = NULL;
	enum nu_status st;

	nu_sim_config_default(&c);
	c.mix[0] = -1.0;
	st = nu_sim_new(&sim, &c, &cause);
	CHECK_EQ_INT(st, NU_ERR_USAGE, "negative mix weight refused");
	CHECK_STR_HAS(cause, "mix", "cause names the mix");

	nu_sim_config_default(&c);
	c.mix[0] = c.mix[1] = c.mix[2] = 0.0;
	st = nu_sim_new(&sim, &c, &cause);
	CHECK_EQ_INT(st, NU_ERR_USAGE, "all-zero mix refused");

	nu_sim_config_default(&c);
	c.emin = 90.0;
	c.emax = 100.0;
	st = nu_sim_new(&sim, &c, &cause);
	CHECK_EQ_INT(st, NU_ERR_USAGE, "energy range above the spectrum refused");
	CHECK_STR_HAS(cause, "82.3", "cause gives the spectrum's end");

	nu_sim_config_default(&c);
	c.emin = 5.0;
	c.emax = 5.0;
	st = nu_sim_new(&sim, &c, &cause);
	CHECK_EQ_INT(st, NU_ERR_USAGE, "empty energy range refused");
	CHECK(sim == NULL, "no simulator on error");
	free(cause);
}

/* ---- the statistics, and physics on the pixels ------------------------------ */

static void
test_statistics(void)
{
	struct nu_sim_config c;
	struct nu_sim *sim = NULL;
	struct nu_sim_event *ev = calloc(BATCH, sizeof(*ev));
	uint8_t *maps = malloc((size_t)BATCH * NU_MAP_BYTES);
	float *elep = malloc(NEV * sizeof(float));
	long codes[16] = { 0 }, bins[10] = { 0 }, n = 0;
	long mode_lo[5] = { 0 }, mode_hi[5] = { 0 }, n_lo = 0, n_hi = 0;
	double ysum[5] = { 0 }, yn[5] = { 0 };
	/* numu CC QE track length in E_lep bins */
	static const double lbin[4] = { 0.3, 0.8, 1.5, 2.5 };
	double len_sum[3] = { 0 }, len_n[3] = { 0 };
	double spread_nue = 0, n_nue = 0, spread_qe = 0, n_qe = 0;
	double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, nc_n = 0, cc_n = 0;
	double nc_long = 0, cc_long = 0, zeros = 0, sat = 0, nonzero = 0, empty = 0;
	double mip_n = 0, mip_in = 0, plane0 = 0, centre[2] = { 0 }, ncentre[2] = { 0 };
	double nc_run = 0, cc_run = 0;
	float *enu = malloc(NEV * sizeof(float));
	char *cause = NULL;
	enum nu_status st;

	nu_sim_config_default(&c);
	c.seed = 20240601;
	st = nu_sim_new(&sim, &c, &cause);
	CHECK_EQ_INT(st, NU_OK, "default simulator (%s)", cause ? cause : "");
	if (sim == NULL || ev == NULL || maps == NULL || elep == NULL || enu == NULL)
		goto out;
	for (uint64_t first = 0; first < NEV; first += BATCH) {
		st = nu_sim_generate(sim, first, BATCH, 2, maps, ev, &cause);
		if (st != NU_OK)
			break;
		for (int i = 0; i < BATCH; i++, n++) {
			const struct nu_sim_event *e = &ev[i];
			const uint8_t *m = maps + (size_t)i * NU_MAP_BYTES;
			int code = (int)e->interaction, md, b, len, total = 0, nz = 0;

			codes[code < 16 ? code : 15]++;
			b = (int)(e->nuenergy / 8.23);
			bins[b < 10 ? b : 9]++;
			elep[n] = e->lepenergy;
			enu[n] = e->nuenergy;
			md = code == 13 ? 4 : code % 4;
			if (e->nuenergy > 0) {
				ysum[md] += 1.0 - e->lepenergy / e->nuenergy;
				yn[md]++;
			}
			if (e->nuenergy > 0 && e->nuenergy < 3.0) {
				mode_lo[md]++;
				n_lo++;
			} else if (e->nuenergy > 15.0) {
				mode_hi[md]++;
				n_hi++;
			}
			for (int k = 0; k < NU_MAP_BYTES; k++) {
				total += m[k];
				nz += m[k] != 0;
				sat += m[k] == 255;
				if (code == 0 && m[k] >= 20 && m[k] <= 50)
					mip_in++;
				if (code == 0 && m[k] != 0)
					mip_n++;
			}
			for (int v = 0; v < NU_VIEWS; v++) {
				double mc = mean_cell(m, v);

				if (mc >= 0) {
					centre[v] += mc;
					ncentre[v]++;
				}
			}
			for (int v = 0, hit = 0; v < NU_VIEWS && !hit; v++)
				for (int k = 0; k < NU_CELLS && !hit; k++)
					if (NU_PIXEL(m, v, 0, k) != 0) {
						hit = 1;
						plane0++;
					}
			zeros += NU_MAP_BYTES - nz;
			nonzero += nz;
			empty += nz == 0;
			if (code == 0) {
				len = planes_hit(m, 10);
				for (int k = 0; k < 3; k++)
					if (e->lepenergy >= lbin[k] && e->lepenergy < lbin[k + 1]) {
						len_sum[k] += len;
						len_n[k]++;
					}
				spread_qe += cells_per_plane(m);
				n_qe++;
			}
			if (code >= 4 && code <= 7) {
				spread_nue += cells_per_plane(m);
				n_nue++;
			}
			if (e->nuenergy > 0) {
				sx += e->nuenergy;
				sy += total;
				sxx += (double)e->nuenergy * e->nuenergy;
				syy += (double)total * total;
				sxy += (double)e->nuenergy * total;
			}
			/* track-like runs of 30 planes (4 m) */
			if (code == 13) {
				len = longest_run(m);
				nc_n++;
				nc_long += len >= 30;
				nc_run += len;
			} else if (code <= 3) {
				len = longest_run(m);
				cc_n++;
				cc_long += len >= 30;
				cc_run += len;
			}
		}
	}
	CHECK_EQ_INT(st, NU_OK, "%ld events generated with maps (%s)", n,
	    cause ? cause : "");
	if (st != NU_OK)
		goto out;

	/* interactions */
	{
		double numu = codes[0] + codes[1] + codes[2] + codes[3];
		double nue = codes[4] + codes[5] + codes[6] + codes[7];
		double nutau = codes[8] + codes[9] + codes[10] + codes[11];
		double nc = codes[12] + codes[13];

		CHECK_NEAR(100.0 * numu / n, 87.9, 1.5, "numu CC share");
		CHECK_NEAR(100.0 * nue / n, 1.1, 1.5, "nue CC share");
		CHECK_NEAR(100.0 * nc / n, 11.0, 1.5, "NC share");
		CHECK_EQ_INT(nutau, 0, "no nutau");
		CHECK_EQ_INT(codes[14] + codes[15], 0, "no cosmic or other codes");
	}
	/* modes */
	{
		static const double target[4] = { 12.4, 19.0, 54.8, 3.0 };
		static const char *const name[4] = { "QE", "RES", "DIS", "CC-other" };

		for (int m = 0; m < 4; m++) {
			double k = codes[m] + codes[4 + m] + codes[8 + m];

			CHECK_NEAR(100.0 * k / n, target[m], 1.5, "%s share %.2f %%",
			    name[m], 100.0 * k / n);
		}
	}
	/* energy dependence of the processes */
	CHECK(n_lo > 500 && n_hi > 500, "enough events below 3 and above 15 GeV");
	CHECK((double)mode_lo[0] / n_lo > 2.0 * mode_hi[0] / n_hi,
	    "QE share falls with E_nu (%.1f %% below 3 GeV, %.1f %% above 15)",
	    100.0 * mode_lo[0] / n_lo, 100.0 * mode_hi[0] / n_hi);
	CHECK((double)mode_hi[2] / n_hi > 1.5 * mode_lo[2] / n_lo,
	    "DIS share grows with E_nu (%.1f %% below 3 GeV, %.1f %% above 15)",
	    100.0 * mode_lo[2] / n_lo, 100.0 * mode_hi[2] / n_hi);
	CHECK(mode_lo[0] > mode_lo[2], "QE outnumbers DIS below 3 GeV");
	/* y by mode */
	CHECK(ysum[0] / yn[0] < 0.2, "QE has low y (<y> = %.3f)", ysum[0] / yn[0]);
	CHECK(ysum[2] / yn[2] > 0.4, "DIS has high y (<y> = %.3f)", ysum[2] / yn[2]);
	CHECK(ysum[1] / yn[1] > ysum[0] / yn[0] && ysum[1] / yn[1] < ysum[2] / yn[2],
	    "RES lies between (<y> = %.3f)", ysum[1] / yn[1]);
	/* E_nu histogram */
	for (int b = 0; b < 10; b++)
		CHECK_NEAR(100.0 * bins[b] / n, 100.0 * real_hist[b] / 7001, 1.5,
		    "E_nu bin %d (%.2f-%.2f GeV): %.2f %%", b, 8.23 * b, 8.23 * (b + 1),
		    100.0 * bins[b] / n);
	/* medians */
	qsort(elep, (size_t)n, sizeof(float), cmp_float);
	CHECK(elep[n / 2] >= 3.0 && elep[n / 2] <= 4.2, "E_lep median %.3f GeV",
	    elep[n / 2]);
	qsort(enu, (size_t)n, sizeof(float), cmp_float);
	CHECK_NEAR(enu[n / 2], 8.8, 0.4, "E_nu median %.3f GeV", enu[n / 2]);
	CHECK(enu[n - 1] <= 82.3f, "E_nu at most 82.3 GeV");

	/* pixels */
	CHECK(zeros / ((double)n * NU_MAP_BYTES) > 0.95, "most pixels are 0 (%.2f %%)",
	    100.0 * zeros / ((double)n * NU_MAP_BYTES));
	CHECK(sat > 0, "dense showers saturate (%.2f pixels at 255 per event)", sat / n);
	CHECK(empty < 0.002 * n, "events with no hits: %.0f", empty);
	CHECK(mip_in / mip_n > 0.4, "numu CC QE pixels mostly at the MIP scale 20-50 "
	    "(%.1f %%)", 100.0 * mip_in / mip_n);
	printf("# %.0f hits per event\n", nonzero / n);
	CHECK(plane0 > 0.97 * n, "the window starts at the first active plane "
	    "(%.1f %% of events have a hit in plane 0)", 100.0 * plane0 / n);
	CHECK_NEAR(centre[0] / ncentre[0], 39.5, 2.0, "XZ window centred on the charge");
	CHECK_NEAR(centre[1] / ncentre[1], 39.5, 2.0, "YZ window centred on the charge");

	/* physics on the pixels */
	for (int k = 0; k < 3; k++)
		printf("# numu CC QE, E_lep %.1f-%.1f GeV: %.1f planes hit (%.0f events)\n",
		    lbin[k], lbin[k + 1], len_sum[k] / len_n[k], len_n[k]);
	CHECK(len_n[0] > 50 && len_n[1] > 50 && len_n[2] > 50, "QE events in each E_lep bin");
	CHECK(len_sum[1] / len_n[1] > 1.2 * len_sum[0] / len_n[0] &&
	    len_sum[2] / len_n[2] > 1.2 * len_sum[1] / len_n[1],
	    "numu CC QE visible track length grows with E_lep");
	CHECK(n_nue > 100 && spread_nue / n_nue > 1.3 * spread_qe / n_qe,
	    "nue CC spreads wider than numu CC QE (%.2f vs %.2f cells per plane)",
	    spread_nue / n_nue, spread_qe / n_qe);
	{
		double k = sx / n, r;

		(void)k;
		r = (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
		CHECK(r > 0.6, "total charge correlates with E_nu (r = %.3f)", r);
	}
	/* the hard cases exist: NC events with a long track-like run, like a
	 * muon, and numu CC events without one */
	printf("# longest track-like run: NC %.1f planes, numu CC %.1f\n",
	    nc_run / nc_n, cc_run / cc_n);
	CHECK(nc_run / nc_n < 0.7 * cc_run / cc_n, "numu CC runs longer than NC");
	CHECK(nc_long / nc_n > 0.02 && cc_long / cc_n < 0.9,
	    "overlap: %.1f %% of NC and %.1f %% of numu CC have a 30-plane run",
	    100.0 * nc_long / nc_n, 100.0 * cc_long / cc_n);
out:
	free(cause);
	free(enu);
	free(elep);
	free(maps);
	free(ev);
	nu_sim_free(sim);
}

/* ---- the options of --mix, --mode, --energy, --no-noise ------------------- */

static void
test_options(void)
{
	enum { N = 6000 };
	struct nu_sim_config c;
	struct nu_sim *sim = NULL;
	struct nu_sim_event *ev = calloc(N, sizeof(*ev));
	uint8_t *quiet = malloc(200 * (size_t)NU_MAP_BYTES), *noisy = malloc(200 * (size_t)NU_MAP_BYTES);
	long k[16];
	double lo = 1e9, hi = -1;
	long extra = 0, changed = 0;

	if (ev == NULL || quiet == NULL || noisy == NULL) {
		CHECK(0, "memory");
		goto out;
	}

	nu_sim_config_default(&c);
	c.mix[0] = 0.0;
	c.mix[1] = 1.0;
	c.mix[2] = 1.0;
	nu_sim_new(&sim, &c, NULL);
	nu_sim_generate(sim, 0, N, 2, NULL, ev, NULL);
	memset(k, 0, sizeof k);
	for (int i = 0; i < N; i++)
		k[ev[i].interaction < 16 ? ev[i].interaction : 15]++;
	CHECK(k[0] + k[1] + k[2] + k[3] == 0, "mix nue=1,nc=1: no numu CC");
	CHECK_NEAR(100.0 * k[13] / N, 50.0, 2.5, "mix nue=1,nc=1: half NC");
	nu_sim_free(sim);

	nu_sim_config_default(&c);
	c.mode[NU_SIM_DIS] = 1.0;
	nu_sim_new(&sim, &c, NULL);
	nu_sim_generate(sim, 0, N, 2, NULL, ev, NULL);
	memset(k, 0, sizeof k);
	for (int i = 0; i < N; i++)
		k[ev[i].interaction < 16 ? ev[i].interaction : 15]++;
	CHECK_EQ_INT(k[2] + k[6] + k[13], N, "mode dis=1: only DIS (and NC)");
	for (int i = 0; i < N; i++)
		lo = ev[i].nuenergy > 0 && ev[i].nuenergy < lo ? ev[i].nuenergy : lo;
	CHECK(lo >= 1.6, "and no event below the DIS threshold (lowest %.3f GeV)", lo);
	nu_sim_free(sim);
	sim = NULL;
	c.emin = 0.0;
	c.emax = 1.5;
	{
		char *cause = NULL;

		CHECK_EQ_INT(nu_sim_new(&sim, &c, &cause), NU_ERR_USAGE,
		    "mode dis=1 below 1.5 GeV refused");
		CHECK_STR_HAS(cause, "processes", "cause says why");
		free(cause);
	}
	lo = 1e9;

	nu_sim_config_default(&c);
	c.mode[NU_SIM_QE] = 1.0;
	c.mode[NU_SIM_RES] = 1.0;
	c.emin = 2.0;
	c.emax = 5.0;
	nu_sim_new(&sim, &c, NULL);
	nu_sim_generate(sim, 0, N, 2, NULL, ev, NULL);
	memset(k, 0, sizeof k);
	for (int i = 0; i < N; i++) {
		k[ev[i].interaction < 16 ? ev[i].interaction : 15]++;
		lo = ev[i].nuenergy < lo ? ev[i].nuenergy : lo;
		hi = ev[i].nuenergy > hi ? ev[i].nuenergy : hi;
	}
	CHECK(lo >= 2.0 && hi <= 5.0, "energy 2:5 keeps E_nu in range (%.3f-%.3f)", lo, hi);
	CHECK_NEAR((double)(k[0] + k[4]) / (k[0] + k[4] + k[1] + k[5]), 0.5, 0.03,
	    "mode qe=1,res=1 over 2-5 GeV: as many QE as RES");
	CHECK_EQ_INT(k[2] + k[3] + k[6] + k[7], 0, "and nothing else");
	nu_sim_free(sim);

	/* noise only adds hits: the same events otherwise */
	nu_sim_config_default(&c);
	nu_sim_new(&sim, &c, NULL);
	nu_sim_generate(sim, 0, 200, 2, noisy, ev, NULL);
	nu_sim_free(sim);
	c.without = 1u << NU_SIM_FX_NOISE;
	nu_sim_new(&sim, &c, NULL);
	nu_sim_generate(sim, 0, 200, 2, quiet, ev, NULL);
	for (size_t i = 0; i < 200 * (size_t)NU_MAP_BYTES; i++) {
		if (quiet[i] != 0 && noisy[i] != quiet[i])
			changed++;
		extra += quiet[i] == 0 && noisy[i] != 0;
	}
	CHECK(changed == 0 && extra > 200, "no-noise: same hits, %.1f fewer per event",
	    extra / 200.0);
out:
	nu_sim_free(sim);
	free(ev);
	free(quiet);
	free(noisy);
}


/* ---- the detector effects, one by one ----------------------------------- */

/* N events of a configuration, with where each map lies in the detector */
struct run {
	int n;
	uint8_t *maps;
	struct nu_sim_event *ev;
	int (*win)[4];          /* plane[0], plane[1], cell[0], cell[1] */
	struct nu_sim *sim;
};

static bool
run_make(struct run *r, const struct nu_sim_config *c, int n)
{
	struct nu_sim_ctx *ctx = NULL;

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->maps = malloc((size_t)n * NU_MAP_BYTES);
	r->ev = calloc((size_t)n, sizeof(*r->ev));
	r->win = calloc((size_t)n, sizeof(*r->win));
	if (r->maps == NULL || r->ev == NULL || r->win == NULL ||
	    nu_sim_new(&r->sim, c, NULL) != NU_OK ||
	    nu_sim_ctx_new(&ctx, r->sim) != NU_OK) {
		printf("Bail out! cannot set up %d events\n", n);
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		int pl[2], ce[2];

		nu_sim_event(ctx, (uint64_t)i, r->maps + (size_t)i * NU_MAP_BYTES, &r->ev[i]);
		nu_sim_ctx_window(ctx, pl, ce);
		r->win[i][0] = pl[0];
		r->win[i][1] = pl[1];
		r->win[i][2] = ce[0];
		r->win[i][3] = ce[1];
	}
	nu_sim_ctx_free(ctx);
	return true;
}

static void
run_free(struct run *r)
{
	free(r->maps);
	free(r->ev);
	free(r->win);
	nu_sim_free(r->sim);
}

static void
config_without(struct nu_sim_config *c, unsigned without)
{
	nu_sim_config_default(c);
	c->seed = 4242;
	c->without = without;
}

#define FX(x) (1u << NU_SIM_FX_##x)

/* hits outside the detector, and events with a hit within 3 cells or
 * planes of an edge */
static void
count_outside(const struct run *r, long *outside, long *near_edge)
{
	*outside = *near_edge = 0;
	for (int i = 0; i < r->n; i++) {
		const uint8_t *m = r->maps + (size_t)i * NU_MAP_BYTES;
		bool edge = false;

		for (int v = 0; v < NU_VIEWS; v++)
			for (int k = 0; k < NU_PLANES; k++)
				for (int c = 0; c < NU_CELLS; c++) {
					int p = r->win[i][v] + 2 * k, cell = r->win[i][2 + v] + c;

					if (NU_PIXEL(m, v, k, c) == 0)
						continue;
					if (p < 0 || p >= NU_SIM_DET_PLANES || cell < 0 ||
					    cell >= NU_SIM_DET_CELLS)
						(*outside)++;
					else if (p < 3 || p >= NU_SIM_DET_PLANES - 3 || cell < 3 ||
					    cell >= NU_SIM_DET_CELLS - 3)
						edge = true;
				}
		*near_edge += edge;
	}
}

static void
test_containment(void)
{
	struct nu_sim_config c;
	struct run a, b;
	long out, edge;

	config_without(&c, 0);
	run_make(&a, &c, 3000);
	count_outside(&a, &out, &edge);
	CHECK_EQ_INT(out, 0, "containment: no hit beyond the detector in 3000 events");
	CHECK(edge > 30, "and %ld events reach within 3 cells or planes of an edge", edge);
	config_without(&c, FX(CONTAINMENT));
	run_make(&b, &c, 3000);
	count_outside(&b, &out, &edge);
	CHECK(out > 100, "--without containment: %ld hits beyond the edges", out);
	run_free(&a);
	run_free(&b);
}

static void
test_dead(void)
{
	struct nu_sim_config c;
	struct run a, b;
	long live_hit = 0, dead_on = 0, dead_seen = 0, other_diff = 0, dead_hit = 0;
	int same_win = 0;

	config_without(&c, 0);
	run_make(&a, &c, 2000);
	config_without(&c, FX(DEAD));
	run_make(&b, &c, 2000);
	CHECK_NEAR(nu_sim_dead_fraction(a.sim), 0.01 + 0.99 * 0.005, 0.002,
	    "dead: %.3f %% of channels dead (1 %% of APDs, 0.5 %% of cells)",
	    100.0 * nu_sim_dead_fraction(a.sim));
	CHECK_EQ_INT(nu_sim_dead_fraction(b.sim) * 1e6, 0, "--without dead: none");
	for (int i = 0; i < a.n; i++) {
		const uint8_t *ma = a.maps + (size_t)i * NU_MAP_BYTES;
		const uint8_t *mb = b.maps + (size_t)i * NU_MAP_BYTES;

		if (memcmp(a.win[i], b.win[i], sizeof a.win[i]) != 0)
			continue;
		same_win++;
		for (int v = 0; v < NU_VIEWS; v++)
			for (int k = 0; k < NU_PLANES; k++)
				for (int cc = 0; cc < NU_CELLS; cc++) {
					bool dead = nu_sim_channel_dead(a.sim, a.win[i][v] + 2 * k,
					    a.win[i][2 + v] + cc);
					uint8_t x = NU_PIXEL(ma, v, k, cc), y = NU_PIXEL(mb, v, k, cc);

					dead_seen += dead;
					dead_on += dead && x != 0;
					dead_hit += dead && y != 0;
					if (!dead) {
						live_hit += x != 0;
						other_diff += x != y;
					}
				}
	}
	CHECK(dead_seen > 10000 && dead_on == 0, "dead channels read zero: %ld of %ld "
	    "dead pixels in 2000 windows", dead_on, dead_seen);
	CHECK(dead_hit > 100, "where --without dead has %ld hits", dead_hit);
	CHECK(same_win > 0.9 * a.n, "the window starts on a live hit: it moves in "
	    "%d of %d events", a.n - same_win, a.n);
	CHECK(other_diff == 0, "where it does not, every live pixel is the same with "
	    "and without (%ld differ of %ld hits)", other_diff, live_hit);
	run_free(&a);
	run_free(&b);
}

/*
 * Planes of a clean muon: numu CC QE events of 2-4 GeV, planes 5-40 of a
 * view holding one hit or two neighbours.  Accumulates, by distance of
 * the track from the view's readout (XZ: top, y = +half; YZ: +x side,
 * taken at the vertex), the charge's mean and relative variance, and
 * the relative variance photo-statistics alone would give.
 */
struct mip {
	double n[2], s[2], ss[2], pred[2];
};

static void
mip_planes(const struct run *r, struct mip *m, double f_apd)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < r->n; i++) {
		const uint8_t *map = r->maps + (size_t)i * NU_MAP_BYTES;

		if (r->ev[i].interaction != 0)
			continue;
		for (int v = 0; v < NU_VIEWS; v++) {
			double d = NU_SIM_DET_HALF - r->ev[i].vtx[v ? 0 : 1];
			int bin = d < 400.0 ? 0 : (d > 1100.0 ? 1 : -1);

			if (bin < 0)
				continue;
			for (int k = 5; k < 40; k++) {
				int first = -1, nh = 0, q = 0;

				for (int c = 0; c < NU_CELLS; c++)
					if (NU_PIXEL(map, v, k, c)) {
						if (first < 0)
							first = c;
						nh++;
						q += NU_PIXEL(map, v, k, c);
					}
				if (nh == 0 || nh > 2 || (nh == 2 && NU_PIXEL(map, v, k, first + 1) == 0))
					continue;
				m->n[bin]++;
				m->s[bin] += q;
				m->ss[bin] += (double)q * q;
				/* Poisson times the APD's excess noise: a hit of
				 * q counts has variance F q 2.5 / yield counts^2 */
				m->pred[bin] += f_apd * q * 2.5 / nu_sim_light_yield(d);
			}
		}
	}
}

static double
mip_mean(const struct mip *m, int b)
{
	return m->s[b] / m->n[b];
}

static double
mip_relvar(const struct mip *m, int b)
{
	double mu = mip_mean(m, b);

	return (m->ss[b] / m->n[b] - mu * mu) / (mu * mu);
}

static void
test_attenuation(void)
{
	struct nu_sim_config c;
	struct run a, b;
	struct mip ma, mb;
	double dm, dp, d0;

	CHECK_NEAR(nu_sim_light_yield(1550.0) * 1.9 * 5.6, 30.0, 0.5,
	    "attenuation: a MIP gives 30 p.e. at the far end");
	CHECK_NEAR(nu_sim_light_yield(0.0) / nu_sim_light_yield(1550.0), 3.5, 0.1,
	    "and 3.5 times more at the readout");
	config_without(&c, 0);
	c.mix[0] = 1.0;
	c.mix[1] = c.mix[2] = 0.0;
	c.mode[NU_SIM_QE] = 1.0;
	c.emin = 2.0;
	c.emax = 4.0;
	run_make(&a, &c, 3000);
	c.without = FX(ATTENUATION);
	run_make(&b, &c, 3000);
	mip_planes(&a, &ma, 2.5);
	mip_planes(&b, &mb, 2.5);
	dm = mip_relvar(&ma, 1) - mip_relvar(&ma, 0);
	dp = ma.pred[1] / ma.n[1] / (mip_mean(&ma, 1) * mip_mean(&ma, 1)) -
	    ma.pred[0] / ma.n[0] / (mip_mean(&ma, 0) * mip_mean(&ma, 0));
	d0 = mip_relvar(&mb, 1) - mip_relvar(&mb, 0);
	printf("# muon plane charge near/far the readout: mean %.1f / %.1f, relative "
	    "variance %.4f / %.4f (%.0f / %.0f planes); without attenuation %.4f / %.4f\n",
	    mip_mean(&ma, 0), mip_mean(&ma, 1), mip_relvar(&ma, 0), mip_relvar(&ma, 1),
	    ma.n[0], ma.n[1], mip_relvar(&mb, 0), mip_relvar(&mb, 1));
	CHECK(ma.n[0] > 2000 && ma.n[1] > 2000, "enough muon planes near and far");
	CHECK_NEAR(mip_mean(&ma, 1) / mip_mean(&ma, 0), 1.0, 0.1,
	    "calibrated: the mean charge is the same near and far (%.3f)",
	    mip_mean(&ma, 1) / mip_mean(&ma, 0));
	/* the far bin loses its lowest hits to the threshold, which narrows
	 * it: the model is an upper bound */
	CHECK(dm > 0.3 * dp && dm < 1.2 * dp, "far hits fluctuate more, as the "
	    "photo-statistics say: relative variance +%.4f, model at most +%.4f",
	    dm, dp);
	CHECK(fabs(d0) < 0.35 * dp, "--without attenuation: near and far alike (%+.4f)", d0);
	run_free(&a);
	run_free(&b);
	/* the APD: excess noise and electronics noise widen every hit */
	c.without = FX(APD);
	run_make(&b, &c, 3000);
	mip_planes(&b, &mb, 1.0);
	{
		double all_a = (ma.ss[0] + ma.ss[1]) / (ma.n[0] + ma.n[1]);
		double mu_a = (ma.s[0] + ma.s[1]) / (ma.n[0] + ma.n[1]);
		double all_b = (mb.ss[0] + mb.ss[1]) / (mb.n[0] + mb.n[1]);
		double mu_b = (mb.s[0] + mb.s[1]) / (mb.n[0] + mb.n[1]);
		double va = all_a / (mu_a * mu_a) - 1.0, vb = all_b / (mu_b * mu_b) - 1.0;
		/* F - 1 on top of Poisson, plus (3 p.e.)^2 noise per hit */
		double pred = 1.5 * (mb.pred[0] + mb.pred[1]) / (mb.n[0] + mb.n[1]) /
		    (mu_b * mu_b);

		CHECK(va - vb > 0.5 * pred && va - vb < 2.0 * pred, "apd: hits fluctuate "
		    "more with the APD's excess noise: relative variance +%.4f, "
		    "model (F-1)/p.e. +%.4f plus electronics noise", va - vb, pred);
	}
	run_free(&b);
}

static void
test_calibration(void)
{
	struct nu_sim_config c;
	struct run a, b;
	long same_hits = 1, n = 0;
	double s = 0, ss = 0;

	config_without(&c, 0);
	run_make(&a, &c, 1000);
	config_without(&c, FX(CALIBRATION));
	run_make(&b, &c, 1000);
	for (size_t i = 0; i < 1000 * (size_t)NU_MAP_BYTES; i++) {
		if ((a.maps[i] != 0) != (b.maps[i] != 0))
			same_hits = 0;
		if (b.maps[i] >= 60 && b.maps[i] < 200 && a.maps[i] < 255) {
			double r = (double)a.maps[i] / b.maps[i];

			s += r;
			ss += r * r;
			n++;
		}
	}
	CHECK(same_hits, "calibration: the same cells are hits with and without "
	    "(the threshold is in photo-electrons, before calibration)");
	CHECK(n > 5000, "%ld hits of 60-200 counts", n);
	CHECK_NEAR(s / n, 1.0, 0.01, "their values agree on average (%.4f)", s / n);
	CHECK_NEAR(sqrt(ss / n - (s / n) * (s / n)), 0.05, 0.01,
	    "and differ by the 5 %% cell-to-cell spread (%.4f)",
	    sqrt(ss / n - (s / n) * (s / n)));
	run_free(&a);
	run_free(&b);
}

static void
test_walls(void)
{
	struct nu_sim_config c;
	struct run a, b;
	double qa = 0, qb = 0;

	config_without(&c, FX(COSMICS) | FX(NOISE));
	run_make(&a, &c, 1500);
	c.without |= FX(WALLS);
	run_make(&b, &c, 1500);
	for (size_t i = 0; i < 1500 * (size_t)NU_MAP_BYTES; i++) {
		qa += a.maps[i];
		qb += b.maps[i];
	}
	/* liquid in a 3.97 x 6.65 cm cell: 3.6 x 5.6 cm */
	CHECK(qa / qb > 0.68 && qa / qb < 0.86, "walls: %.3f of the charge is seen "
	    "(the liquid is %.3f of the volume)", qa / qb, 3.6 * 5.6 / (3.97 * 6.65));
	run_free(&a);
	run_free(&b);
}

static void
test_cosmics(void)
{
	struct nu_sim_config c;
	struct run a, b;
	long differ = 0, more = 0;
	/* 120 kHz on the top face, 4 x 15 m placed around the vertex, 10 us */
	double p = 120e3 / (2.0 * NU_SIM_DET_HALF * NU_SIM_DET_PLANES * NU_SIM_PLANE_D) *
	    400.0 * 1500.0 * 10e-6;

	config_without(&c, 0);
	run_make(&a, &c, 4000);
	config_without(&c, FX(COSMICS));
	run_make(&b, &c, 4000);
	for (int i = 0; i < a.n; i++) {
		const uint8_t *ma = a.maps + (size_t)i * NU_MAP_BYTES;
		const uint8_t *mb = b.maps + (size_t)i * NU_MAP_BYTES;
		int ha = 0, hb = 0;

		if (memcmp(ma, mb, NU_MAP_BYTES) == 0)
			continue;
		differ++;
		for (int k = 0; k < NU_MAP_BYTES; k++) {
			ha += ma[k] != 0;
			hb += mb[k] != 0;
		}
		more += ha > hb;
	}
	CHECK(differ > 0.6 * p * a.n && differ < 1.2 * p * a.n, "cosmics: %.1f %% of "
	    "events have one (%.1f %% cross the placement area; some miss the "
	    "detector)", 100.0 * differ / a.n, 100.0 * p);
	CHECK(more > 0.8 * differ, "those have more hits (%ld of %ld)", more, differ);
	CHECK(a.ev[0].interaction == b.ev[0].interaction &&
	    memcmp(a.ev, b.ev, sizeof(*a.ev) * (size_t)a.n) == 0,
	    "the truth is the same");
	run_free(&a);
	run_free(&b);
}

static void
test_hadrons(void)
{
	struct nu_sim_config c;
	struct run r[2];
	double rel[2], vq[2];

	/* NC: the charge over the hadronic energy */
	for (int k = 0; k < 2; k++) {
		double s = 0, ss = 0, n = 0;

		vq[k] = 0;
		config_without(&c, FX(COSMICS) | FX(NOISE) | (k ? FX(HADRONS) : 0));
		c.mix[0] = c.mix[1] = 0.0;
		c.mix[2] = 1.0;
		c.emin = 3.0;
		c.emax = 12.0;
		run_make(&r[k], &c, 4000);
		for (int i = 0; i < r[k].n; i++) {
			const uint8_t *m = r[k].maps + (size_t)i * NU_MAP_BYTES;
			double q = 0, eh = r[k].ev[i].nuenergy - r[k].ev[i].lepenergy;

			for (int j = 0; j < NU_MAP_BYTES; j++)
				vq[k] += m[j] != 0;
			if (eh < 2.0)
				continue;
			for (int j = 0; j < NU_MAP_BYTES; j++)
				q += m[j];
			s += q / eh;
			ss += (q / eh) * (q / eh);
			n++;
		}
		rel[k] = sqrt(ss / n - (s / n) * (s / n)) / (s / n);
	}
	CHECK(rel[0] > 1.01 * rel[1], "hadrons: NC charge per GeV of hadronic energy "
	    "spreads wider (%.3f against %.3f without)", rel[0], rel[1]);
	CHECK(vq[0] > vq[1] + 0.5 * 4000, "and nuclear breakup adds hits "
	    "(%.1f against %.1f per event)", vq[0] / 4000, vq[1] / 4000);
	run_free(&r[0]);
	run_free(&r[1]);
}

/* nuscope-sim(7), fsi: a pion leaving the nucleus may be absorbed,
 * charge-exchanged or knock out a nucleon, from a stream of its own; a
 * numu CC RES event of 1-3 GeV then carries about 0.13 more final-state
 * particles, and its mode, energies and lepton are the same. */
static void
test_fsi(void)
{
	enum { N = 8000 };
	struct nu_sim_config c;
	struct nu_sim *sim[2] = { NULL, NULL };
	struct nu_sim_event *ev[2];
	double mean[2];
	int same = 0;

	for (int k = 0; k < 2; k++) {
		ev[k] = calloc(N, sizeof(*ev[k]));
		config_without(&c, k ? FX(FSI) : 0);
		c.mix[1] = c.mix[2] = 0.0;
		memset(c.mode, 0, sizeof c.mode);
		c.mode[NU_SIM_RES] = 1.0;
		c.emin = 1.0;
		c.emax = 3.0;
		if (ev[k] == NULL || nu_sim_new(&sim[k], &c, NULL) != NU_OK) {
			printf("Bail out! cannot set up fsi\n");
			exit(99);
		}
		nu_sim_generate(sim[k], 0, N, 2, NULL, ev[k], NULL);
		mean[k] = 0.0;
		for (int i = 0; i < N; i++)
			mean[k] += ev[k][i].particles / (double)N;
	}
	for (int i = 0; i < N; i++)
		same += ev[0][i].interaction == ev[1][i].interaction &&
		    ev[0][i].nuenergy == ev[1][i].nuenergy &&
		    ev[0][i].lepenergy == ev[1][i].lepenergy;
	CHECK_EQ_INT(same, N, "fsi: modes and energies the same either way");
	CHECK(mean[0] - mean[1] > 0.08 && mean[0] - mean[1] < 0.20, "fsi: a CC RES "
	    "event carries %.3f more final-state particles (about 0.13 expected)",
	    mean[0] - mean[1]);
	for (int k = 0; k < 2; k++) {
		nu_sim_free(sim[k]);
		free(ev[k]);
	}
}

/* nuscope-sim(7), sis: DIS reaches below W = 1.7 GeV, so its energy
 * transfer E_nu - E_lep goes down to 0.43 GeV (W = 1.3) instead of
 * 1.07 GeV; about 6 % of numu CC DIS events lie in between. */
static void
test_sis(void)
{
	enum { N = 8000 };
	struct nu_sim_config c;
	struct nu_sim *sim = NULL;
	struct nu_sim_event *ev = calloc(N, sizeof(*ev));
	double share[2], lo[2];

	for (int k = 0; k < 2; k++) {
		int n = 0, low = 0;

		config_without(&c, k ? FX(SIS) : 0);
		c.mix[1] = c.mix[2] = 0.0;
		memset(c.mode, 0, sizeof c.mode);
		c.mode[NU_SIM_DIS] = 1.0;
		if (ev == NULL || nu_sim_new(&sim, &c, NULL) != NU_OK) {
			printf("Bail out! cannot set up sis\n");
			exit(99);
		}
		nu_sim_generate(sim, 0, N, 2, NULL, ev, NULL);
		lo[k] = 1e9;
		for (int i = 0; i < N; i++) {
			double nu = (double)ev[i].nuenergy - ev[i].lepenergy;

			if (ev[i].nuenergy <= 0.0f)
				continue;
			n++;
			low += nu < 1.069;
			lo[k] = nu < lo[k] ? nu : lo[k];
		}
		share[k] = 100.0 * low / n;
		nu_sim_free(sim);
		sim = NULL;
	}
	printf("# sis: %.2f %% below 1.069 GeV (%.2f without), lowest %.3f (%.3f)\n",
	    share[0], share[1], lo[0], lo[1]);
	CHECK(share[1] == 0.0 && lo[1] >= 1.069, "sis: without it no DIS event "
	    "transfers less than 1.07 GeV (lowest %.3f)", lo[1]);
	CHECK(share[0] > 3.0 && share[0] < 10.0 && lo[0] >= 0.43, "sis: with it %.1f %% do, "
	    "none below 0.43 GeV (lowest %.3f)", share[0], lo[0]);
	free(ev);
}

/* nuscope-sim(7), jets: the hadrons of a DIS event keep small momenta
 * transverse to q, so its charge lies in a narrower band of cells than
 * when they fly apart isotropically in their rest frame; the mode and the
 * energies are the same either way. */
static void
test_jets(void)
{
	enum { N = 1500 };
	struct nu_sim_config c;
	struct run r[2];
	double rms[2];
	int same = 0;

	for (int k = 0; k < 2; k++) {
		double sum = 0.0;
		int n = 0;

		config_without(&c, FX(COSMICS) | FX(NOISE) | (k ? FX(JETS) : 0));
		c.mix[0] = c.mix[1] = 0.0;
		c.mix[2] = 1.0;
		memset(c.mode, 0, sizeof c.mode);
		c.mode[NU_SIM_DIS] = 1.0;
		c.emin = 5.0;
		c.emax = 20.0;
		run_make(&r[k], &c, N);
		/* charge-weighted spread of the cells of each view */
		for (int i = 0; i < N; i++) {
			const uint8_t *m = r[k].maps + (size_t)i * NU_MAP_BYTES;

			for (int v = 0; v < NU_VIEWS; v++) {
				double q = 0.0, qc = 0.0, qcc = 0.0;

				for (int p = 0; p < NU_PLANES; p++)
					for (int x = 0; x < NU_CELLS; x++) {
						double a = m[(v * NU_PLANES + p) * NU_CELLS + x];

						q += a;
						qc += a * x;
						qcc += a * x * x;
					}
				if (q <= 0.0)
					continue;
				sum += sqrt(fmax(qcc / q - (qc / q) * (qc / q), 0.0));
				n++;
			}
		}
		rms[k] = sum / n;
	}
	for (int i = 0; i < N; i++)
		same += r[0].ev[i].interaction == r[1].ev[i].interaction &&
		    r[0].ev[i].nuenergy == r[1].ev[i].nuenergy &&
		    r[0].ev[i].lepenergy == r[1].ev[i].lepenergy &&
		    r[0].ev[i].vtx[2] == r[1].ev[i].vtx[2];
	printf("# jets: NC DIS charge spreads over %.2f cells (%.2f without)\n",
	    rms[0], rms[1]);
	CHECK_EQ_INT(same, N, "jets: modes, energies and vertices the same either way");
	CHECK(rms[0] < 0.9 * rms[1], "jets: the hadrons of NC DIS events of 5-20 GeV "
	    "lie closer to q (%.2f cells of spread against %.2f without)", rms[0], rms[1]);
	run_free(&r[0]);
	run_free(&r[1]);
}

static void
test_effect_names(void)
{
	unsigned w = 0;
	char *cause = NULL;

	CHECK(nu_sim_effects_parse("dead,noise", &w, &cause) == NU_OK &&
	    w == (FX(DEAD) | FX(NOISE)), "effects parse: dead,noise");
	CHECK_EQ_INT(nu_sim_effects_parse("dead,bogus", &w, &cause), NU_ERR_USAGE,
	    "an unknown effect is refused");
	CHECK_STR_HAS(cause, "attenuation", "the cause lists the known ones");
	free(cause);
	for (int k = 0; k < NU_SIM_NEFFECTS; k++) {
		w = 0;
		CHECK(nu_sim_effects_parse(nu_sim_effect_name(k), &w, NULL) == NU_OK &&
		    w == 1u << k, "%s names effect %d", nu_sim_effect_name(k), k);
	}
}

/* ---- determinism ------------------------------------------------------------- */

static void
test_determinism(void)
{
	enum { N = 300, FIRST = 7000 };
	struct nu_sim_config c;
	struct nu_sim *a = NULL, *b = NULL, *d = NULL;
	struct nu_sim_ctx *ctx = NULL;
	uint8_t *m1 = malloc((size_t)N * NU_MAP_BYTES), *m2 = malloc((size_t)N * NU_MAP_BYTES);
	uint8_t *one = malloc(NU_MAP_BYTES);
	struct nu_sim_event e1[N], e2[N], t[N], single;
	int same_map = 0, same_ev = 0, truth_ok = 1;

	nu_sim_config_default(&c);
	c.seed = 77;
	nu_sim_new(&a, &c, NULL);
	nu_sim_new(&b, &c, NULL);
	c.seed = 78;
	nu_sim_new(&d, &c, NULL);
	if (a == NULL || b == NULL || d == NULL || m1 == NULL || m2 == NULL || one == NULL) {
		CHECK(0, "set up");
		goto out;
	}
	memset(e1, 0, sizeof e1);
	memset(e2, 0, sizeof e2);
	nu_sim_generate(a, FIRST, N, 1, m1, e1, NULL);
	nu_sim_generate(b, FIRST, N, 2, m2, e2, NULL);
	CHECK(memcmp(m1, m2, (size_t)N * NU_MAP_BYTES) == 0,
	    "same seed: identical maps with 1 and 2 jobs");
	{
		int ok = 1;

		for (int i = 0; i < N; i++)
			ok &= same_event(&e1[i], &e2[i]);
		CHECK(ok, "same seed: identical truth with 1 and 2 jobs");
	}
	nu_sim_generate(b, FIRST, N, 3, m2, e2, NULL);
	CHECK(memcmp(m1, m2, (size_t)N * NU_MAP_BYTES) == 0, "and with 3 jobs");

	/* one event alone, from a fresh context, is the same event */
	nu_sim_ctx_new(&ctx, a);
	nu_sim_event(ctx, FIRST + 123, one, &single);
	CHECK(ctx != NULL && memcmp(one, m1 + 123 * NU_MAP_BYTES, NU_MAP_BYTES) == 0 &&
	    same_event(&single, &e1[123]),
	    "an event does not depend on what was made before it");

	/* truth without maps is the same truth */
	nu_sim_generate(a, FIRST, N, 2, NULL, t, NULL);
	for (int i = 0; i < N; i++) {
		struct nu_sim_event x = t[i];

		x.finalstateprong = e1[i].finalstateprong;
		if (!same_event(&x, &e1[i]) || t[i].finalstateprong != t[i].finalstate)
			truth_ok = 0;
	}
	CHECK(truth_ok, "truth drawn without maps matches");

	nu_sim_generate(d, FIRST, N, 2, m2, e2, NULL);
	for (int i = 0; i < N; i++) {
		same_map += memcmp(m1 + (size_t)i * NU_MAP_BYTES, m2 + (size_t)i * NU_MAP_BYTES,
		    NU_MAP_BYTES) == 0;
		same_ev += e1[i].nuenergy == e2[i].nuenergy;
	}
	CHECK(same_map == 0 && same_ev == 0, "another seed gives other events "
	    "(%d maps, %d energies equal)", same_map, same_ev);
out:
	nu_sim_ctx_free(ctx);
	free(one);
	free(m1);
	free(m2);
	nu_sim_free(a);
	nu_sim_free(b);
	nu_sim_free(d);
}

/* ---- writing, read back with the reader ----------------------------------- */

static double
event_value(const struct nu_sim_event *e, enum nu_column c)
{
	switch (c) {
	case NU_COL_INTERACTION:     return e->interaction;
	case NU_COL_FINALSTATE:      return e->finalstate;
	case NU_COL_FINALSTATEPRONG: return e->finalstateprong;
	case NU_COL_NUENERGY:        return e->nuenergy;
	case NU_COL_LEPENERGY:       return e->lepenergy;
	case NU_COL_VTXX:            return e->vtx[0];
	case NU_COL_VTXY:            return e->vtx[1];
	case NU_COL_VTXZ:            return e->vtx[2];
	case NU_COL_RUN:             return e->run;
	case NU_COL_SUBRUN:          return e->subrun;
	case NU_COL_EVT:             return e->evt;
	case NU_COL_CYCLE:           return e->cycle;
	case NU_COL_SUBEVT:          return e->subevt;
	case NU_COL_PARENT:          return e->parent;
	case NU_COL_PARTICLES:       return e->particles;
	case NU_COL_TRAININGDATA_IDX: return e->trainingdata_idx;
	default:                     return -1;
	}
}

static void
test_write(void)
{
	enum { N = 300 };
	static const char *const types[NU_NCOLUMNS] = {
		"uint32", "uint32", "uint32", "float32", "float32",
		"float64", "float64", "float64", "uint32", "uint32", "uint32",
		"int32", "uint16", "uint32", "uint32", "uint32",
	};
	char tmpl[] = "/tmp/test-sim-XXXXXX", path[600], single[600];
	struct nu_sim_config c;
	struct nu_sim *sim = NULL;
	struct nu_sim_write_opts o = { 0 };
	struct nu_dataset *ds = NULL;
	struct nu_sim_event ev[N];
	uint8_t *want = malloc((size_t)N * NU_MAP_BYTES), *got = malloc((size_t)N * NU_MAP_BYTES);
	double col[N];
	const char *args[1];
	char *cause = NULL, *dir = mkdtemp(tmpl);
	enum nu_status st;
	int types_ok = 1, values_ok = 1;

	if (dir == NULL || want == NULL || got == NULL) {
		CHECK(0, "temporary directory");
		goto out;
	}
	nu_sim_config_default(&c);
	c.seed = 5;
	nu_sim_new(&sim, &c, NULL);
	snprintf(path, sizeof path, "%s/set", dir);
	o.out = path;
	o.nevents = N;
	o.nfiles = 2;
	o.jobs = 2;
	st = nu_sim_write(sim, &o, &cause);
	CHECK_EQ_INT(st, NU_OK, "300 events written to 2 files (%s)", cause ? cause : "");

	args[0] = path;
	st = nu_dataset_open(&ds, args, 1, NULL, &cause);
	CHECK_EQ_INT(st, NU_OK, "the reader opens them (%s)", cause ? cause : "");
	if (ds == NULL)
		goto out;
	CHECK_EQ_INT(nu_dataset_nfiles(ds), 2, "two files");
	CHECK_EQ_INT(nu_dataset_nevents(ds), N, "300 events");
	for (size_t f = 0; f < nu_dataset_nfiles(ds); f++) {
		const struct nu_fileinfo *fi = nu_dataset_file(ds, f);

		CHECK_EQ_INT(fi->nevents, N / 2, "file %zu holds 150 events", f + 1);
		CHECK(strcmp(fi->cvnmap.layout, "chunked") == 0 && fi->cvnmap.gzip_level > 0,
		    "file %zu: /cvnmap chunked and gzip-compressed", f + 1);
		CHECK_EQ_INT(fi->columns, (1u << NU_NCOLUMNS) - 1, "file %zu: all 16 columns", f + 1);
		for (int k = 0; k < NU_NCOLUMNS; k++)
			if (strcmp(fi->column_types[k], types[k]) != 0) {
				printf("# %s is %s\n", nu_column_name(k), fi->column_types[k]);
				types_ok = 0;
			}
	}
	CHECK(types_ok, "every column has the real type");

	nu_sim_generate(sim, 0, N, 1, want, ev, NULL);
	st = nu_dataset_read_maps(ds, 0, N, got, &cause);
	CHECK(st == NU_OK && memcmp(want, got, (size_t)N * NU_MAP_BYTES) == 0,
	    "maps read back equal the generated ones");
	for (int k = 0; k < NU_NCOLUMNS; k++) {
		st = nu_dataset_read_column(ds, k, 0, N, NU_CT_F64, col, &cause);
		for (int i = 0; i < N && st == NU_OK; i++)
			if (col[i] != event_value(&ev[i], k)) {
				printf("# %s[%d]: %.17g, made %.17g\n", nu_column_name(k), i,
				    col[i], event_value(&ev[i], k));
				values_ok = 0;
				break;
			}
		if (st != NU_OK)
			values_ok = 0;
	}
	CHECK(values_ok, "all 16 columns round-trip");
	nu_dataset_free(ds);
	ds = NULL;

	/* one file by name; no temporary left behind */
	snprintf(single, sizeof single, "%s/one.h5", dir);
	o.out = single;
	o.nevents = 40;
	o.nfiles = 0;
	o.jobs = 1;
	st = nu_sim_write(sim, &o, &cause);
	CHECK_EQ_INT(st, NU_OK, "one .h5 file (%s)", cause ? cause : "");
	args[0] = single;
	st = nu_dataset_open(&ds, args, 1, NULL, &cause);
	CHECK(st == NU_OK && nu_dataset_nevents(ds) == 40, "read back: 40 events");
	nu_dataset_free(ds);
	ds = NULL;

	/* errors a user can reach */
	o.nfiles = 2;
	st = nu_sim_write(sim, &o, &cause);
	CHECK_EQ_INT(st, NU_ERR_USAGE, "two files into one .h5 refused");
	CHECK_STR_HAS(cause, "one file", "cause says why");
	o.out = path;
	o.nevents = 3;
	o.nfiles = 5;
	st = nu_sim_write(sim, &o, &cause);
	CHECK_EQ_INT(st, NU_ERR_USAGE, "more files than events refused");
	snprintf(path, sizeof path, "%s/one.h5/sub", dir);
	o.nfiles = 1;
	st = nu_sim_write(sim, &o, &cause);
	CHECK_EQ_INT(st, NU_ERR_IO, "a directory under a file: I/O error");
	CHECK_STR_HAS(cause, "one.h5", "cause names the path");
	snprintf(path, sizeof path, "%s/missing/x.h5", dir);
	o.out = path;
	st = nu_sim_write(sim, &o, &cause);
	CHECK(st != NU_OK, "a file in a missing directory fails");
	CHECK_STR_HAS(cause, "missing", "cause names the directory");
	{
		/* nothing but the results: no temporaries */
		char cmd[700];

		snprintf(cmd, sizeof cmd, "test \"$(ls -A %s | tr '\\n' ' ')\" = "
		    "\"one.h5 set \" && test \"$(ls -A %s/set | tr '\\n' ' ')\" = "
		    "\"neutrino1.h5 neutrino2.h5 \"", dir, dir);
		CHECK(system(cmd) == 0, "no temporary files left");
	}
out:
	test_remove_dir(dir);
	free(cause);
	free(want);
	free(got);
	nu_dataset_free(ds);
	nu_sim_free(sim);
}

int
main(void)
{
	nu_init();
	test_config();
	test_statistics();
	test_options();
	test_effect_names();
	test_containment();
	test_dead();
	test_attenuation();
	test_calibration();
	test_walls();
	test_cosmics();
	test_hadrons();
	test_fsi();
	test_sis();
	test_jets();
	test_determinism();
	test_write();
	TEST_DONE();
}
