/*
 * sim.c: the event generator behind `nuscope sim` (see sim.h and
 * nuscope-sim(7)).
 *
 * An event is made in three stages:
 *   1. the interaction: flavour, E_nu from the real histogram, process
 *      with its energy dependence, lepton and hadron kinematics, final-
 *      state interactions and pi0 decay (GeV, the "kinematics" stream);
 *   2. transport of every final-state particle through a homogeneous
 *      detector of 3.97 cm cells in 6.65 cm planes, depositing energy in
 *      a grid of (physical plane, cell) around the vertex (MeV, cm, the
 *      "detector" stream);
 *   3. digitisation: the CVN window (first active plane, 80 cells around
 *      the hits), photo-statistics, threshold and noise into 8 bits.
 *
 * The two random streams are seeded from (seed, event index, stream), so an
 * event's truth does not depend on whether its pixels are made, and
 * nothing depends on threads or order.  No allocation happens per event:
 * all scratch lives in struct nu_sim_ctx.
 *
 * DESIGN of nu_sim_generate: `jobs` threads each own a context and claim
 * blocks of events from a shared counter under a mutex; each event is
 * written at its own offset of the caller's arrays, so the result is the
 * same for any number of threads.  All threads are joined before return.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "rng.h"
#include "sim.h"

#define PI 3.14159265358979323846

/* ---- the detector (cm, MeV) --------------------------------------------- */

#define CELL_W NU_SIM_CELL_W   /* cell pitch, both views */
#define PLANE_D NU_SIM_PLANE_D  /* plane pitch along z */
#define X0 40.0                 /* radiation length */
#define RMOL 10.0               /* Moliere radius */
#define E_CRIT 90.0             /* critical energy, MeV */
#define LAMBDA_PI 110.0         /* charged-pion interaction length */
#define LAMBDA_P 95.0           /* proton interaction length */
#define LAMBDA_N 110.0          /* neutron scattering length */
#define KRZA 0.1658             /* 0.307 MeV cm2/g * Z/A 0.54 * 1.0 g/cm3 */
#define I_EXC 68e-6             /* mean excitation energy, MeV */
#define HW_PLASMA 21e-6         /* plasma energy, MeV */
#define MIP_DEDX 2.0            /* MeV/cm, for shower-start stubs */
#define BIRKS_KB 0.012          /* cm/MeV */
/*
 * Pixel value = calibrated energy, PE_PER_MEV counts per MeV deposited in
 * the scintillator: a muon crossing one plane at normal incidence leaves
 * ~1.9 MeV/cm over the 5.6 cm of liquid, about 27 counts, well inside
 * 0-255, while the core of a GeV shower saturates at 255.  Whether a cell
 * is a hit, and how much its value fluctuates, depends on its
 * photo-electrons (see digitise).
 */
#define PE_PER_MEV 2.5
#define ACTIVE_PE 20.0          /* a live cell with this much light opens
                                 * the window (nearly always a hit) */

/* The far detector (nuscope-sim(7), THE DETECTOR, gives the sources). */
#define DET_HALF NU_SIM_DET_HALF        /* 762.2 cm: cells span +-DET_HALF */
#define DET_CELLS NU_SIM_DET_CELLS
#define DET_PLANES NU_SIM_DET_PLANES
#define DET_LEN (DET_PLANES * PLANE_D)  /* 5958 cm */
#define CELL_IN_W 3.6           /* inside of a cell across: 0.37 cm of PVC */
#define CELL_IN_D 5.6           /* ... along the beam: 1.05 cm of PVC */
#define FIBRE_L 1550.0          /* a cell's length; its fibre loops back */
#define FIBRE_LAMBDA 800.0      /* effective attenuation length, cm */
#define PE_FAR 30.0             /* p.e. of a normal MIP at the far end */
#define MIP_MEV (1.9 * CELL_IN_D)       /* its deposit, MeV */
#define APD_F 2.5               /* APD excess noise factor at gain 100 */
#define APD_NOISE 3.0           /* electronics noise, p.e. rms */
#define APD_THRESH 12.0         /* hit threshold, p.e. (4 sigma) */
#define CAL_SPREAD 0.05         /* residual miscalibration, rms */
#define DEAD_APD 0.01           /* share of dead 32-cell APDs */
#define DEAD_CELL 0.005         /* share of other dead channels */
#define COSMIC_RATE 120e3       /* Hz over the detector's top face */
#define SPILL 10e-6             /* s: the NuMI spill, the readout window */
#define COSMIC_DX 200.0         /* cosmics placed within this of the vertex */
#define COSMIC_Z0 -200.0        /* ... and from this before it */
#define COSMIC_Z1 1300.0        /* ... to this after it, along z */

/* Vertex volume: the whole detector, detector coordinates. */
#define VTX_XY DET_HALF
#define VTX_Z0 0.0
#define VTX_Z1 DET_LEN

/* The deposit grid around the vertex: GP physical planes from GP_BACK
 * before the vertex plane, GC cells per view centred on the vertex cell.
 * The CVN window needs 200 physical planes and 80 cells. */
#define GP 384
#define GP_BACK 64
#define GC 256

#define MAXPRIM 48              /* final-state particles of one event */
#define MAXSTACK 256            /* particles awaiting transport */
#define JET_PT2 0.2             /* <pT^2> of DIS hadrons to q, GeV^2 */
#define MAXGEN 3                /* secondary generations followed */

/* masses, GeV */
#define MASS_NUC 0.93892
#define MASS_P 0.93827
#define MASS_N 0.93957
#define MASS_MU 0.10566
#define MASS_E 0.000511
#define MASS_PI 0.13957
#define MASS_PI0 0.13498
#define E_BIND 0.025            /* nucleon removal energy */
/* Fates of a pion leaving a carbon nucleus (fsi effect), below and above
 * 0.5 GeV kinetic: absorbed, charge-exchanged, scattered inelastically
 * (GENIE hA for carbon; nuscope-sim(7) gives the sources) */
#define FSI_ABS_LO 0.20
#define FSI_ABS_HI 0.08
#define FSI_CX_LO 0.08
#define FSI_CX_HI 0.04
#define FSI_INEL 0.15
/* DIS below W = 1.7 GeV (sis effect): kept down to SIS_WMIN with this
 * share of the DIS formula's rate, with one pion in SIS_ONE_PI of them
 * and two otherwise (GENIE's non-resonant background factors) */
#define SIS_WMIN 1.3
#define SIS_KEEP 0.5
#define SIS_ONE_PI 0.25
#define P_FERMI 0.221

/* ---- the spectrum: the real E_nu histogram ----------------------------- */

#define NBINS 10
#define BIN_W 8.23
#define NSUB 1000               /* 100 sub-bins per histogram bin */
#define SUB_W (BIN_W * NBINS / NSUB)
static const double real_hist[NBINS] = {
	3358, 1891, 1013, 394, 184, 85, 44, 14, 8, 10
};
#define E_THRESH 0.2            /* no events below (lepton masses, Q2) */
#define BIN0_PEAK 2.4           /* shape of the first bin */
#define BIN0_POW 1.4

/* The default process fractions of the real files (of all events; NC
 * has 11 %, the rest of 100). */
static const double real_modes[NU_SIM_NPROCESSES] = { 12.4, 19.0, 54.8, 3.0 };
static const double real_mix[NU_SIM_NFLAVOURS] = { 87.9, 1.1, 11.0 };

#define TRUTH_LOST 0.0005       /* events whose E_nu/E_lep read 0 */

/* ---- particles ----------------------------------------------------------- */

enum ptype { PT_MU, PT_E, PT_GAMMA, PT_PI, PT_PI0, PT_P, PT_N, PT_NU };

struct part {
	double pos[3];          /* cm */
	double dir[3];          /* unit */
	double T;               /* kinetic energy, MeV */
	unsigned char type;     /* enum ptype */
	signed char charge;
	unsigned char gen;      /* 0 = final state of the interaction */
	unsigned char prim;     /* index of the final-state particle it came from */
};

#define NRT 400
struct range_table {
	double m;               /* MeV */
	double T[NRT];          /* kinetic energy, log-spaced, MeV */
	double R[NRT];          /* CSDA range, cm */
};

enum { RT_MU, RT_PI, RT_P, NRTABLES };

struct nu_sim {
	struct nu_sim_config cfg;
	bool fx[NU_SIM_NEFFECTS];       /* effect on */
	uint8_t *dead;                  /* [DET_PLANES][DET_CELLS] 1 = dead */
	float *cal;                     /* [DET_PLANES][DET_CELLS] calibration residual */
	long ndead;
	float yield[DET_CELLS];         /* p.e./MeV by cells from the readout */
	double cosmic_p;                /* chance of a cosmic in the window */
	double cdf[NSUB + 1];           /* over sub-bins, cut to [emin, emax] */
	double lo[NSUB], hi[NSUB];      /* sub-bin i cut to [emin, emax] */
	double cmode[NU_SIM_NPROCESSES];  /* process calibration */
	double flav_cdf[NU_SIM_NFLAVOURS];
	struct range_table rt[NRTABLES];
};

struct rng {
	struct nu_rng x;        /* xoshiro256** (rng.h) */
	double spare;           /* second normal of the polar method */
	bool has_spare;
};

struct nu_sim_ctx {
	const struct nu_sim *sim;
	struct rng kr;                  /* kinematics stream */
	struct rng dr;                  /* detector stream */
	float *grid;                    /* [GP][GC] visible MeV */
	float *light;                   /* [GP][GC] expected p.e. */
	uint64_t index;                 /* the event being made */
	int start[2], c0[2];            /* the map window of the last event */
	int pbase;                      /* absolute plane of grid row 0 (even) */
	int cbase[2];                   /* absolute cell of grid column 0, per view */
	int bp_lo[2], bp_hi[2], bc_lo[2], bc_hi[2];   /* touched box per view */
	struct part prim[MAXPRIM];
	int nprim;
	struct part stack[MAXSTACK];
	int nstack;
	int cur;                        /* primary being transported */
	double rowsum[GP];              /* visible MeV per grid row */
	double rowsumc[GP];             /* ... times the cell index */
	bool rowact[GP];                /* a cell of the row >= ACTIVE_PE */
	/* visible MeV and cells > 0.5 MeV per primary; slot MAXPRIM takes
	 * what is not the interaction's (cosmics, nuclear breakup) */
	float vis[MAXPRIM + 1];
	int hits[MAXPRIM + 1];
};

/* ---- random numbers: xoshiro256** of rng.h, seeded per event ------------- */

static void
rng_seed(struct rng *r, uint64_t seed, uint64_t index, uint64_t stream)
{
	uint64_t x = seed ^ 0x243f6a8885a308d3ull;
	uint64_t h = nu_splitmix64(&x);

	x = h ^ (index * 0xd1342543de82ef95ull + stream * 0x632be59bd9b4e019ull);
	for (int i = 0; i < 4; i++)
		r->x.s[i] = nu_splitmix64(&x);
	r->has_spare = false;
}

static inline uint64_t
rng_next(struct rng *r)
{
	return nu_rng_next(&r->x);
}

/* uniform in [0, 1) */
static inline double
uni(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* exponential with mean 1 */
static inline double
expo(struct rng *r)
{
	return -log1p(-uni(r));
}

/* standard normal (Marsaglia's polar method, both values used) */
static double
gauss(struct rng *r)
{
	double u, v, s, f;

	if (r->has_spare) {
		r->has_spare = false;
		return r->spare;
	}
	do {
		u = 2.0 * uni(r) - 1.0;
		v = 2.0 * uni(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	f = sqrt(-2.0 * log(s) / s);
	r->spare = v * f;
	r->has_spare = true;
	return u * f;
}

/* A random direction in the plane, (cos f, sin f) with f uniform, without
 * trigonometry: a point in the unit disc, angle doubled. */
static void
unit_circle(struct rng *r, double *c, double *s)
{
	double a, b, q;

	do {
		a = 2.0 * uni(r) - 1.0;
		b = 2.0 * uni(r) - 1.0;
		q = a * a + b * b;
	} while (q >= 1.0 || q == 0.0);
	*c = (a * a - b * b) / q;
	*s = 2.0 * a * b / q;
}

/* Gamma(a, 1), Marsaglia and Tsang */
static double
gamma_draw(struct rng *r, double a)
{
	double d, c, x, v, u;

	if (a < 1.0)
		return gamma_draw(r, a + 1.0) * pow(uni(r) + 1e-300, 1.0 / a);
	d = a - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		do {
			x = gauss(r);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		u = uni(r);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

/* Poisson; Knuth's product for small means, a rounded normal above */
static int
poisson(struct rng *r, double mean)
{
	if (mean <= 0.0)
		return 0;
	if (mean < 12.0) {
		double l = exp(-mean), p = uni(r);
		int k = 0;

		while (p > l) {
			p *= uni(r);
			k++;
		}
		return k;
	}
	double x = floor(mean + sqrt(mean) * gauss(r) + 0.5);
	return x < 0.0 ? 0 : (int)x;
}

/* ---- small vector helpers ------------------------------------------------ */

static inline double
dot3(const double a[3], const double b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline double
norm3(const double a[3])
{
	return sqrt(dot3(a, a));
}

static void
iso_dir(struct rng *r, double d[3])
{
	double c = 2.0 * uni(r) - 1.0, s = sqrt(1.0 - c * c), cf, sf;

	unit_circle(r, &cf, &sf);
	d[0] = s * cf;
	d[1] = s * sf;
	d[2] = c;
}

/* Two unit vectors u, v completing d (unit) to an orthonormal basis. */
static void
perp_basis(const double d[3], double u[3], double v[3])
{
	double a[3] = { 0, 0, 0 }, n;

	a[fabs(d[0]) < 0.6 ? 0 : (fabs(d[1]) < 0.6 ? 1 : 2)] = 1.0;
	u[0] = a[1] * d[2] - a[2] * d[1];
	u[1] = a[2] * d[0] - a[0] * d[2];
	u[2] = a[0] * d[1] - a[1] * d[0];
	n = norm3(u);
	u[0] /= n;
	u[1] /= n;
	u[2] /= n;
	v[0] = d[1] * u[2] - d[2] * u[1];
	v[1] = d[2] * u[0] - d[0] * u[2];
	v[2] = d[0] * u[1] - d[1] * u[0];
}

/* Turn unit vector d by polar angle th (azimuth random). */
static void
deflect(struct rng *r, double d[3], double th)
{
	double u[3], v[3], s = sin(th), c = cos(th), cf, sf, n;

	unit_circle(r, &cf, &sf);
	perp_basis(d, u, v);
	for (int i = 0; i < 3; i++)
		d[i] = c * d[i] + s * (cf * u[i] + sf * v[i]);
	n = norm3(d);
	for (int i = 0; i < 3; i++)
		d[i] /= n;
}

/* Lorentz boost of (e, p) by velocity b (|b| < 1), in place. */
static void
boost(double *e, double p[3], const double b[3])
{
	double b2 = dot3(b, b), g, bp, k;

	if (b2 <= 0.0)
		return;
	if (b2 >= 1.0)
		b2 = 1.0 - 1e-12;
	g = 1.0 / sqrt(1.0 - b2);
	bp = dot3(b, p);
	k = (g - 1.0) * bp / b2 + g * *e;
	for (int i = 0; i < 3; i++)
		p[i] += k * b[i];
	*e = g * (*e + bp);
}

/* ---- energy loss: Bethe-Bloch ranges ------------------------------------- */

/* Mean dE/dx (MeV/cm) of a singly charged particle of mass m, kinetic T. */
static double
bethe(double T, double m)
{
	const double me = 0.51100;
	double g = 1.0 + T / m, bg2 = g * g - 1.0, b2 = bg2 / (g * g);
	double r = me / m, tmax = 2.0 * me * bg2 / (1.0 + 2.0 * g * r + r * r);
	double delta = 0.0, l;

	if (bg2 > 1.0) {
		delta = log(bg2) + 2.0 * log(HW_PLASMA / I_EXC) - 1.0;
		if (delta < 0.0)
			delta = 0.0;
	}
	l = 0.5 * log(2.0 * me * bg2 * tmax / (I_EXC * I_EXC)) - b2 - 0.5 * delta;
	if (l < 0.5)
		l = 0.5;        /* below ~1 MeV for protons Bethe fails; ranges there are microns */
	return KRZA / b2 * l;
}

static void
range_table_init(struct range_table *t, double m)
{
	const double t0 = 0.01, t1 = 300000.0;
	double k = log(t1 / t0) / (NRT - 1);

	t->m = m;
	for (int i = 0; i < NRT; i++)
		t->T[i] = t0 * exp(k * i);
	t->R[0] = 0.5 * t->T[0] / bethe(t->T[0], m);
	for (int i = 1; i < NRT; i++) {
		/* trapezoid in T of 1/S */
		double a = 1.0 / bethe(t->T[i - 1], m), b = 1.0 / bethe(t->T[i], m);

		t->R[i] = t->R[i - 1] + 0.5 * (a + b) * (t->T[i] - t->T[i - 1]);
	}
}

static int
table_find(const double *x, double v)
{
	int lo = 0, hi = NRT - 1;

	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;

		if (x[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static double
range_of(const struct range_table *t, double T)
{
	int i;

	if (T <= t->T[0])
		return t->R[0] * T / t->T[0];
	if (T >= t->T[NRT - 1])
		return t->R[NRT - 1];
	i = table_find(t->T, T);
	return t->R[i] + (t->R[i + 1] - t->R[i]) * (T - t->T[i]) / (t->T[i + 1] - t->T[i]);
}

static double
energy_of(const struct range_table *t, double R)
{
	int i;

	if (R <= 0.0)
		return 0.0;
	if (R <= t->R[0])
		return t->T[0] * R / t->R[0];
	if (R >= t->R[NRT - 1])
		return t->T[NRT - 1];
	i = table_find(t->R, R);
	return t->T[i] + (t->T[i + 1] - t->T[i]) * (R - t->R[i]) / (t->R[i + 1] - t->R[i]);
}

/* ---- cross-section shapes: the energy dependence of the processes -------- */

/* Relative per-nucleon cross-sections (arbitrary units): QE and RES
 * flatten above a few GeV, DIS grows linearly, CC-other (2p2h and
 * coherent pions) is flat; thresholds keep the kinematics possible. */
static void
process_shapes(double e, double s[NU_SIM_NPROCESSES])
{
	s[NU_SIM_QE] = e > 0.2 ? 1.0 - exp(-(e - 0.2) / 0.4) : 0.0;
	s[NU_SIM_RES] = e > 0.45 ? 1.0 - exp(-(e - 0.45) / 0.9) : 0.0;
	s[NU_SIM_DIS] = e > 1.6 ? (e - 1.6) * (1.0 - exp(-(e - 1.6) / 2.0)) : 0.0;
	s[NU_SIM_OTHER] = e > 0.3 ? 1.0 - exp(-(e - 0.3) / 0.6) : 0.0;
}

/* Can any process with a non-zero weight happen at energy e? */
static bool
process_allowed(const double weight[NU_SIM_NPROCESSES], double e)
{
	double s[NU_SIM_NPROCESSES];

	process_shapes(e, s);
	for (int m = 0; m < NU_SIM_NPROCESSES; m++)
		if (weight[m] > 0.0 && s[m] > 0.0)
			return true;
	return false;
}

static void
process_probs(const struct nu_sim *sim, double e, double p[NU_SIM_NPROCESSES])
{
	double sum = 0.0;

	process_shapes(e, p);
	for (int m = 0; m < NU_SIM_NPROCESSES; m++)
		sum += (p[m] *= sim->cmode[m]);
	if (sum <= 0.0) {       /* below every allowed threshold: QE-like */
		p[NU_SIM_QE] = 1.0;
		p[NU_SIM_RES] = p[NU_SIM_DIS] = p[NU_SIM_OTHER] = 0.0;
		return;
	}
	for (int m = 0; m < NU_SIM_NPROCESSES; m++)
		p[m] /= sum;
}

/* Unnormalised density of E_nu inside the histogram bins (before each
 * bin is rescaled to its real count): a rise from threshold to a peak in
 * the first bin, log-linear between bin centres after it. */
static double
spectrum_shape(double e)
{
	int b;
	double c, f;

	if (e < E_THRESH)
		return 0.0;
	if (e < BIN_W) {
		double x = (e - E_THRESH) / BIN0_PEAK;

		return pow(x, BIN0_POW) * exp(BIN0_POW * (1.0 - x));
	}
	c = e / BIN_W - 0.5;            /* position in bin-centre units */
	b = (int)c;
	if (b >= NBINS - 1)
		return real_hist[NBINS - 1];
	f = c - b;
	return exp((1.0 - f) * log(real_hist[b]) + f * log(real_hist[b + 1]));
}

/* ---- configuration --------------------------------------------------------- */

void
nu_sim_config_default(struct nu_sim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = 1;
	for (int f = 0; f < NU_SIM_NFLAVOURS; f++)
		cfg->mix[f] = real_mix[f];
	cfg->emin = 0.0;
	cfg->emax = NU_SIM_EMAX;
	cfg->without = 0;
}

static const char *const fx_names[NU_SIM_NEFFECTS] = {
	[NU_SIM_FX_CONTAINMENT] = "containment",
	[NU_SIM_FX_WALLS] = "walls",
	[NU_SIM_FX_ATTENUATION] = "attenuation",
	[NU_SIM_FX_APD] = "apd",
	[NU_SIM_FX_CALIBRATION] = "calibration",
	[NU_SIM_FX_DEAD] = "dead",
	[NU_SIM_FX_NOISE] = "noise",
	[NU_SIM_FX_COSMICS] = "cosmics",
	[NU_SIM_FX_HADRONS] = "hadrons",
	[NU_SIM_FX_FSI] = "fsi",
	[NU_SIM_FX_SIS] = "sis",
	[NU_SIM_FX_JETS] = "jets",
};

const char *
nu_sim_effect_name(enum nu_sim_effect fx)
{
	return (unsigned)fx < NU_SIM_NEFFECTS ? fx_names[fx] : "?";
}

enum nu_status
nu_sim_effects_parse(const char *list, unsigned *without, char **cause)
{
	const char *p = list;

	if (*p == '\0')
		return nu_fail(cause, NU_ERR_USAGE, "no effect named");
	for (;;) {
		size_t n = strcspn(p, ",");
		int fx;

		for (fx = 0; fx < NU_SIM_NEFFECTS; fx++)
			if (strlen(fx_names[fx]) == n && strncmp(p, fx_names[fx], n) == 0)
				break;
		if (fx == NU_SIM_NEFFECTS) {
			char known[256] = "";

			for (int k = 0; k < NU_SIM_NEFFECTS; k++) {
				strcat(known, k ? ", " : "");
				strcat(known, fx_names[k]);
			}
			return nu_fail(cause, NU_ERR_USAGE, "unknown effect '%.*s' "
			    "(known: %s)", (int)(n < 64 ? n : 64), p, known);
		}
		*without |= 1u << fx;
		if (p[n] == '\0')
			return NU_OK;
		p += n + 1;
	}
}

/* p.e. per MeV at d cm from the readout: light runs both ways round the
 * looped fibre, the direct way d and the far way 2L - d. */
double
nu_sim_light_yield(double d)
{
	double y0 = PE_FAR / MIP_MEV / (2.0 * exp(-FIBRE_L / FIBRE_LAMBDA));

	if (d < 0.0)
		d = 0.0;
	if (d > FIBRE_L)
		d = FIBRE_L;
	return y0 * (exp(-d / FIBRE_LAMBDA) + exp(-(2.0 * FIBRE_L - d) / FIBRE_LAMBDA));
}

/* The run's channel map from the seed alone: dead APDs (32 neighbouring
 * cells of a plane), single dead channels, calibration residuals. */
static void
channels_init(struct nu_sim *sim)
{
	struct nu_rng r;
	uint64_t x = sim->cfg.seed ^ 0x6a09e667f3bcc909ull;

	for (int i = 0; i < 4; i++)
		r.s[i] = nu_splitmix64(&x);
	sim->ndead = 0;
	for (int p = 0; p < DET_PLANES; p++) {
		for (int a = 0; a < DET_CELLS / 32; a++) {
			bool apd = (double)(nu_rng_next(&r) >> 11) * 0x1.0p-53 < DEAD_APD;

			for (int c = a * 32; c < a * 32 + 32; c++) {
				double u = (double)(nu_rng_next(&r) >> 11) * 0x1.0p-53;
				double g1, g2, s;
				size_t k = (size_t)p * DET_CELLS + c;

				sim->dead[k] = sim->fx[NU_SIM_FX_DEAD] && (apd || u < DEAD_CELL);
				sim->ndead += sim->dead[k];
				/* a normal by Box-Muller from two more draws */
				g1 = ((double)(nu_rng_next(&r) >> 11) + 0.5) * 0x1.0p-53;
				g2 = (double)(nu_rng_next(&r) >> 11) * 0x1.0p-53;
				s = sqrt(-2.0 * log(g1)) * cos(2.0 * PI * g2);
				if (s > 3.0)
					s = 3.0;
				if (s < -3.0)
					s = -3.0;
				sim->cal[k] = sim->fx[NU_SIM_FX_CALIBRATION] ?
				    (float)(1.0 + CAL_SPREAD * s) : 1.0f;
			}
		}
	}
}

bool
nu_sim_channel_dead(const struct nu_sim *sim, int plane, int cell)
{
	if ((unsigned)plane >= DET_PLANES || (unsigned)cell >= DET_CELLS)
		return false;
	return sim->dead[(size_t)plane * DET_CELLS + cell] != 0;
}

double
nu_sim_dead_fraction(const struct nu_sim *sim)
{
	return (double)sim->ndead / ((double)DET_PLANES * DET_CELLS);
}

/* Solve for cmode so that the process fractions over the spectrum
 * weights w (at sub-bin centres) equal target (normalised), keeping the
 * energy dependence of process_shapes. */
static void
calibrate_modes(struct nu_sim *sim, const double *w,
    const double target[NU_SIM_NPROCESSES])
{
	double tsum = 0.0, t[NU_SIM_NPROCESSES], shape[NSUB][NU_SIM_NPROCESSES];

	for (int m = 0; m < NU_SIM_NPROCESSES; m++)
		tsum += target[m];
	for (int m = 0; m < NU_SIM_NPROCESSES; m++) {
		t[m] = target[m] / tsum;
		sim->cmode[m] = t[m] > 0.0 ? 1.0 : 0.0;
	}
	for (int i = 0; i < NSUB; i++)
		process_shapes((i + 0.5) * SUB_W, shape[i]);
	/* iterative proportional fitting: scale each constant by how far its
	 * share is from the target; converges in a few dozen rounds */
	for (int it = 0; it < 1000; it++) {
		double f[NU_SIM_NPROCESSES] = { 0 }, wsum = 0.0, worst = 0.0;

		for (int i = 0; i < NSUB; i++) {
			double p[NU_SIM_NPROCESSES], sum = 0.0;

			if (w[i] <= 0.0)
				continue;
			for (int m = 0; m < NU_SIM_NPROCESSES; m++)
				sum += (p[m] = shape[i][m] * sim->cmode[m]);
			if (sum <= 0.0)
				continue;
			for (int m = 0; m < NU_SIM_NPROCESSES; m++)
				f[m] += w[i] * p[m] / sum;
			wsum += w[i];
		}
		for (int m = 0; m < NU_SIM_NPROCESSES; m++) {
			double k;

			if (f[m] <= 0.0)
				continue;
			k = t[m] / (f[m] / wsum);
			sim->cmode[m] *= k;
			if (fabs(k - 1.0) > worst)
				worst = fabs(k - 1.0);
		}
		if (worst < 1e-9)
			break;
	}
}

enum nu_status
nu_sim_new(struct nu_sim **out, const struct nu_sim_config *cfg, char **cause)
{
	struct nu_sim *sim;
	double w[NSUB], wfull[NSUB], binsum[NBINS] = { 0 }, total = 0.0, s = 0.0;
	double msum = 0.0, fsum = 0.0, hsum = 0.0;

	*out = NULL;
	for (int f = 0; f < NU_SIM_NFLAVOURS; f++) {
		if (!(cfg->mix[f] >= 0.0) || !isfinite(cfg->mix[f]))
			return nu_fail(cause, NU_ERR_USAGE, "mix weights must be "
			    "finite numbers >= 0");
		fsum += cfg->mix[f];
	}
	if (fsum <= 0.0)
		return nu_fail(cause, NU_ERR_USAGE, "mix weights sum to zero");
	for (int m = 0; m < NU_SIM_NPROCESSES; m++) {
		if (!(cfg->mode[m] >= 0.0) || !isfinite(cfg->mode[m]))
			return nu_fail(cause, NU_ERR_USAGE, "process weights must be "
			    "finite numbers >= 0");
		msum += cfg->mode[m];
	}
	if (!(cfg->emin >= 0.0) || !(cfg->emax > cfg->emin) || !isfinite(cfg->emax))
		return nu_fail(cause, NU_ERR_USAGE, "energy range %g-%g GeV is "
		    "empty or negative", cfg->emin, cfg->emax);
	if (cfg->emin >= NU_SIM_EMAX || cfg->emax <= E_THRESH)
		return nu_fail(cause, NU_ERR_USAGE, "energy range %g-%g GeV holds "
		    "no events: the spectrum runs from %g to %g GeV", cfg->emin,
		    cfg->emax, E_THRESH, NU_SIM_EMAX);

	if ((sim = calloc(1, sizeof(*sim))) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	sim->cfg = *cfg;
	sim->dead = malloc((size_t)DET_PLANES * DET_CELLS);
	sim->cal = malloc((size_t)DET_PLANES * DET_CELLS * sizeof(*sim->cal));
	if (sim->dead == NULL || sim->cal == NULL) {
		nu_sim_free(sim);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	for (int fx = 0; fx < NU_SIM_NEFFECTS; fx++)
		sim->fx[fx] = !(cfg->without & (1u << fx));
	channels_init(sim);
	/* the yield by whole cells from the readout, at each cell's middle;
	 * without attenuation the middle of the fibre's everywhere */
	for (int k = 0; k < DET_CELLS; k++)
		sim->yield[k] = (float)nu_sim_light_yield(sim->fx[NU_SIM_FX_ATTENUATION] ?
		    (k + 0.5) * FIBRE_L / DET_CELLS : 0.5 * FIBRE_L);
	/* rate per unit of the top face, times the area cosmics are placed
	 * on, times the window */
	sim->cosmic_p = COSMIC_RATE / (2.0 * DET_HALF * DET_LEN) *
	    (2.0 * COSMIC_DX) * (COSMIC_Z1 - COSMIC_Z0) * SPILL;
	for (int f = 0; f < NU_SIM_NFLAVOURS; f++) {
		s += cfg->mix[f] / fsum;
		sim->flav_cdf[f] = s;
	}
	sim->flav_cdf[NU_SIM_NFLAVOURS - 1] = 1.0;

	/* sub-bin weights: the shape, rescaled so each bin has its real share */
	for (int i = 0; i < NSUB; i++) {
		wfull[i] = spectrum_shape((i + 0.5) * SUB_W);
		binsum[i / (NSUB / NBINS)] += wfull[i];
	}
	for (int b = 0; b < NBINS; b++)
		hsum += real_hist[b];
	for (int i = 0; i < NSUB; i++) {
		int b = i / (NSUB / NBINS);

		wfull[i] = binsum[b] > 0.0 ? wfull[i] / binsum[b] * real_hist[b] / hsum : 0.0;
	}
	/* cut to [emin, emax], and to energies where a wanted process can
	 * happen (DIS alone has none below 1.6 GeV); the sub-bin straddling
	 * a threshold is kept and resampled in draw_interaction */
	for (int i = 0; i < NSUB; i++) {
		double a = i * SUB_W, b = (i + 1) * SUB_W;
		double lo = a > cfg->emin ? a : cfg->emin, hi = b < cfg->emax ? b : cfg->emax;

		sim->lo[i] = lo;
		sim->hi[i] = hi;
		w[i] = hi > lo ? wfull[i] * (hi - lo) / SUB_W : 0.0;
		if (!process_allowed(msum > 0.0 ? cfg->mode : real_modes, hi))
			w[i] = 0.0;
		total += w[i];
	}
	if (total <= 0.0) {
		nu_sim_free(sim);
		return nu_fail(cause, NU_ERR_USAGE, "energy range %g-%g GeV holds "
		    "no events%s", cfg->emin, cfg->emax, msum > 0.0 ?
		    " of the processes asked for" : "");
	}
	sim->cdf[0] = 0.0;
	for (int i = 0; i < NSUB; i++)
		sim->cdf[i + 1] = sim->cdf[i] + w[i] / total;
	sim->cdf[NSUB] = 1.0;

	/* processes: the real fractions over the full spectrum by default, so
	 * that a cut in energy keeps the physical energy dependence; the
	 * user's weights over the sample actually made */
	if (msum > 0.0)
		calibrate_modes(sim, w, cfg->mode);
	else
		calibrate_modes(sim, wfull, real_modes);

	range_table_init(&sim->rt[RT_MU], MASS_MU * 1000.0);
	range_table_init(&sim->rt[RT_PI], MASS_PI * 1000.0);
	range_table_init(&sim->rt[RT_P], MASS_P * 1000.0);
	*out = sim;
	return NU_OK;
}

void
nu_sim_free(struct nu_sim *sim)
{
	if (sim == NULL)
		return;
	free(sim->dead);
	free(sim->cal);
	free(sim);
}

const struct nu_sim_config *
nu_sim_get_config(const struct nu_sim *sim)
{
	return &sim->cfg;
}

enum nu_status
nu_sim_ctx_new(struct nu_sim_ctx **out, const struct nu_sim *sim)
{
	struct nu_sim_ctx *ctx = calloc(1, sizeof(*ctx));

	*out = NULL;
	if (ctx == NULL)
		return NU_ERR_NOMEM;
	ctx->grid = calloc((size_t)GP * GC, sizeof(*ctx->grid));
	ctx->light = calloc((size_t)GP * GC, sizeof(*ctx->light));
	if (ctx->grid == NULL || ctx->light == NULL) {
		free(ctx->grid);
		free(ctx->light);
		free(ctx);
		return NU_ERR_NOMEM;
	}
	ctx->sim = sim;
	for (int v = 0; v < 2; v++) {
		ctx->bp_lo[v] = ctx->bc_lo[v] = 1 << 30;
		ctx->bp_hi[v] = ctx->bc_hi[v] = -1;
	}
	*out = ctx;
	return NU_OK;
}

void
nu_sim_ctx_free(struct nu_sim_ctx *ctx)
{
	if (ctx == NULL)
		return;
	free(ctx->grid);
	free(ctx->light);
	free(ctx);
}

/* ---- stage 1: the interaction (GeV) -------------------------------------- */

/* Add a final-state particle of 4-momentum (e, p) (GeV) at the vertex. */
static void
add_prim(struct nu_sim_ctx *ctx, int type, int charge, double e, const double p[3],
    double m, const double vtx[3])
{
	struct part *q;
	double pm = norm3(p);

	if (ctx->nprim >= MAXPRIM)
		return;
	q = &ctx->prim[ctx->nprim];
	q->type = (unsigned char)type;
	q->charge = (signed char)charge;
	q->gen = 0;
	q->prim = (unsigned char)ctx->nprim;
	q->T = (e - m) * 1000.0;
	if (q->T < 0.0)
		q->T = 0.0;
	memcpy(q->pos, vtx, sizeof q->pos);
	if (pm > 0.0) {
		for (int i = 0; i < 3; i++)
			q->dir[i] = p[i] / pm;
	} else {
		iso_dir(&ctx->kr, q->dir);
	}
	ctx->nprim++;
}

/*
 * Outgoing lepton of energy el, mass m, for neutrino energy e along z and
 * momentum transfer q2: its momentum pl and q = p_nu - p_l.  False when
 * the angle would be unphysical.
 */
static bool
lepton(struct rng *r, double e, double el, double m, double q2, double pl[3],
    double q[3])
{
	double p, c, s, cf, sf;

	if (el <= m)
		return false;
	p = sqrt(el * el - m * m);
	c = (2.0 * e * el - q2 - m * m) / (2.0 * e * p);
	if (c > 1.0 || c < -1.0)
		return false;
	s = sqrt(1.0 - c * c);
	unit_circle(r, &cf, &sf);
	pl[0] = p * s * cf;
	pl[1] = p * s * sf;
	pl[2] = p * c;
	q[0] = -pl[0];
	q[1] = -pl[1];
	q[2] = e - pl[2];
	return true;
}

/* A hadron list before transport (GeV). */
#define MAXHAD 24
struct had {
	int n;
	int type[MAXHAD], charge[MAXHAD];
	double m[MAXHAD], e[MAXHAD], p[MAXHAD][3];
};

static void
had_add(struct had *h, int type, int charge, double m)
{
	if (h->n >= MAXHAD)
		return;
	h->type[h->n] = type;
	h->charge[h->n] = charge;
	h->m[h->n] = m;
	h->e[h->n] = m;
	memset(h->p[h->n], 0, sizeof h->p[h->n]);
	h->n++;
}

/*
 * The lambda with sum_i sqrt(m2[i] + lambda^2 k2[i]) = w, by bisection:
 * the scale that gives n particles of squared masses m2 and squared
 * momentum directions k2 the total energy w.
 */
static double
momentum_scale(const double *m2, const double *k2, int n, double w)
{
	double lo = 0.0, hi = 1.0;

	for (int it = 0; it < 60; it++) {
		double sum = 0.0;

		for (int i = 0; i < n; i++)
			sum += sqrt(m2[i] + hi * hi * k2[i]);
		if (sum >= w)
			break;
		hi *= 2.0;
	}
	for (int it = 0; it < 40; it++) {
		double mid = 0.5 * (lo + hi), sum = 0.0;

		for (int i = 0; i < n; i++)
			sum += sqrt(m2[i] + mid * mid * k2[i]);
		if (sum > w)
			hi = mid;
		else
			lo = mid;
	}
	return lo;
}

/*
 * Give the hadrons [from, h->n) momenta that conserve energy and momentum
 * in a system of mass w, isotropic in its rest frame (directions random,
 * momentum shares exponential, total momentum removed, then scaled to
 * the energy), and boost the system by velocity b.
 */
static void
had_decay(struct rng *r, struct had *h, int from, double w, const double b[3])
{
	int n = h->n - from;
	double k[24][3], mean[3] = { 0, 0, 0 }, m2[24], k2[24], lo;

	if (n <= 0)
		return;
	for (int i = 0; i < n; i++) {
		double d[3], a = expo(r) + 0.1;

		iso_dir(r, d);
		for (int j = 0; j < 3; j++) {
			k[i][j] = a * d[j];
			mean[j] += k[i][j] / n;
		}
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < 3; j++)
			k[i][j] = n > 1 ? k[i][j] - mean[j] : 0.0;
	for (int i = 0; i < n; i++) {
		m2[i] = h->m[from + i] * h->m[from + i];
		k2[i] = dot3(k[i], k[i]);
	}
	lo = momentum_scale(m2, k2, n, w);
	for (int i = 0; i < n; i++) {
		int a = from + i;

		for (int j = 0; j < 3; j++)
			h->p[a][j] = lo * k[i][j];
		h->e[a] = sqrt(h->m[a] * h->m[a] + dot3(h->p[a], h->p[a]));
		boost(&h->e[a], h->p[a], b);
	}
}

/*
 * The hadrons [from, h->n) of a deep-inelastic system of mass w share its
 * energy as a jet does, not isotropically: transverse momenta to the
 * direction of q are small (a Gaussian with <pT^2> = JET_PT2 GeV^2, as in
 * bubble-chamber neutrino data) and the energy goes into momentum along
 * it; the nucleon goes backwards in the rest frame (target fragments),
 * the first pion forwards (the struck quark's leading hadron), the others
 * either way.  Momentum is conserved by removing the mean transverse and
 * longitudinal parts, energy by scaling the longitudinal parts.  Then the
 * system is boosted by b, which points along q.
 */
static void
had_decay_jet(struct rng *r, struct had *h, int from, double w, const double b[3])
{
	int n = h->n - from;
	double ax[3], u[3], v[3], bn = norm3(b);
	double pt[MAXHAD][2], kz[MAXHAD], mt[MAXHAD], k2[MAXHAD], mean[3] = { 0, 0, 0 };
	double s = sqrt(0.5 * JET_PT2), lo;

	if (n <= 1 || bn <= 0.0) {
		had_decay(r, h, from, w, b);
		return;
	}
	for (int j = 0; j < 3; j++)
		ax[j] = b[j] / bn;
	perp_basis(ax, u, v);
	for (int i = 0; i < n; i++) {
		int a = from + i;

		pt[i][0] = s * gauss(r);
		pt[i][1] = s * gauss(r);
		if (h->type[a] == PT_P || h->type[a] == PT_N)
			kz[i] = -(0.3 + 0.7 * uni(r));
		else if (a == from + 1)
			kz[i] = 0.3 + 0.7 * uni(r);
		else
			kz[i] = 2.0 * uni(r) - 1.0;
		mean[0] += pt[i][0] / n;
		mean[1] += pt[i][1] / n;
		mean[2] += kz[i] / n;
	}
	for (int i = 0; i < n; i++) {
		pt[i][0] -= mean[0];
		pt[i][1] -= mean[1];
		kz[i] -= mean[2];
	}
	/* the transverse masses must leave room for longitudinal motion */
	for (int it = 0; ; it++) {
		double sum = 0.0;

		for (int i = 0; i < n; i++) {
			double m = h->m[from + i];

			mt[i] = sqrt(m * m + pt[i][0] * pt[i][0] + pt[i][1] * pt[i][1]);
			sum += mt[i];
		}
		if (sum < w || it == 40)
			break;
		for (int i = 0; i < n; i++) {
			pt[i][0] *= 0.7;
			pt[i][1] *= 0.7;
		}
	}
	for (int i = 0; i < n; i++) {
		mt[i] *= mt[i];
		k2[i] = kz[i] * kz[i];
	}
	lo = momentum_scale(mt, k2, n, w);
	for (int i = 0; i < n; i++) {
		int a = from + i;

		for (int j = 0; j < 3; j++)
			h->p[a][j] = pt[i][0] * u[j] + pt[i][1] * v[j] + lo * kz[i] * ax[j];
		h->e[a] = sqrt(h->m[a] * h->m[a] + dot3(h->p[a], h->p[a]));
		boost(&h->e[a], h->p[a], b);
	}
}

/* Velocity of a hadronic system of energy eh and momentum q. */
static void
sys_velocity(double eh, const double q[3], double b[3])
{
	for (int j = 0; j < 3; j++)
		b[j] = q[j] / eh;
}

/* The kinematics of one attempt: el (lepton energy), pl, and the hadrons.
 * Return false to retry. */
struct kin {
	double e, ml;           /* neutrino energy, lepton mass */
	bool cc;
	bool sis;               /* DIS reaches below W = 1.7 GeV */
	struct rng *jet;        /* DIS hadrons as a jet from this stream, or
	                         * NULL: isotropic from the kinematics stream */
	double el, pl[3];
	struct had h;
};

static bool
kin_qe(struct rng *r, struct kin *k)
{
	const double ma = 1.05;
	double q2, nu, t, q[3], pf[3], d[3], ei, pn[3], en, pm;

	/* dipole form factor squared: dsigma/dQ2 ~ (1 + Q2/MA^2)^-4 */
	t = pow(1.0 - uni(r), -1.0 / 3.0);
	q2 = (t - 1.0) * ma * ma;
	if (uni(r) > 1.0 - exp(-q2 / 0.04))     /* Pauli blocking at low Q2 */
		return false;
	iso_dir(r, d);
	pm = P_FERMI * cbrt(uni(r));
	for (int j = 0; j < 3; j++)
		pf[j] = pm * d[j];
	ei = sqrt(MASS_NUC * MASS_NUC + pm * pm) - E_BIND;
	nu = q2 / (2.0 * MASS_NUC) + E_BIND + 0.02 * gauss(r);
	if (nu <= 0.0)
		return false;
	k->el = k->e - nu;
	if (!lepton(r, k->e, k->el, k->ml, q2, k->pl, q))
		return false;
	for (int j = 0; j < 3; j++)
		pn[j] = q[j] + pf[j];
	en = nu + ei;
	k->h.n = 0;
	if (k->cc) {
		had_add(&k->h, PT_P, 1, MASS_P);
	} else {
		bool p = uni(r) < 0.5;

		had_add(&k->h, p ? PT_P : PT_N, p, p ? MASS_P : MASS_N);
	}
	if (en < k->h.m[0] + 0.001)
		en = k->h.m[0] + 0.001;
	k->h.e[0] = en;
	memcpy(k->h.p[0], pn, sizeof pn);
	return true;
}

static bool
kin_res(struct rng *r, struct kin *k)
{
	const double md = 1.232, gd = 0.117, wlo = MASS_NUC + MASS_PI + 0.02, whi = 1.7;
	double a0 = atan(2.0 * (wlo - md) / gd), a1 = atan(2.0 * (whi - md) / gd);
	double w, q2, nu, t, q[3], b[3], u;
	int nuc, pi;

	w = md + 0.5 * gd * tan(a0 + uni(r) * (a1 - a0));
	t = pow(1.0 - uni(r), -1.0 / 2.0);      /* (1 + Q2/MA^2)^-3 */
	q2 = (t - 1.0) * 1.1 * 1.1;
	nu = (w * w - MASS_NUC * MASS_NUC + q2) / (2.0 * MASS_NUC);
	k->el = k->e - nu;
	if (!lepton(r, k->e, k->el, k->ml, q2, k->pl, q))
		return false;
	/* isospin: CC p pi+ : p pi0 : n pi+ = 3 : 2 : 1 on an isoscalar
	 * target; NC p pi0 : n pi+ : n pi0 : p pi- = 2 : 1 : 2 : 1 */
	u = uni(r);
	if (k->cc) {
		nuc = u < 5.0 / 6.0 ? PT_P : PT_N;
		pi = u < 0.5 ? 1 : (u < 5.0 / 6.0 ? 0 : 1);
	} else {
		nuc = (u < 1.0 / 3.0 || u >= 5.0 / 6.0) ? PT_P : PT_N;
		pi = u < 1.0 / 3.0 ? 0 : (u < 0.5 ? 1 : (u < 5.0 / 6.0 ? 0 : -1));
	}
	k->h.n = 0;
	had_add(&k->h, nuc, nuc == PT_P, nuc == PT_P ? MASS_P : MASS_N);
	had_add(&k->h, pi == 0 ? PT_PI0 : PT_PI, pi, pi == 0 ? MASS_PI0 : MASS_PI);
	if (k->h.m[0] + k->h.m[1] >= w)
		return false;
	sys_velocity(nu + MASS_NUC, q, b);
	had_decay(r, &k->h, 0, w, b);
	return true;
}

static bool
kin_dis(struct rng *r, struct kin *k, double f0)
{
	double x, y, q2, w2, w, nu, q[3], b[3], msum, mu;
	double ga, gb;
	int npi;

	/* x ~ Beta(0.5, 4): valence and sea quarks roughly */
	ga = gamma_draw(r, 0.5);
	gb = gamma_draw(r, 4.0);
	x = ga / (ga + gb);
	/* y: quarks flat, antiquarks (1-y)^2 with 20 % weight */
	do
		y = uni(r);
	while (uni(r) * 1.2 > 1.0 + 0.2 * (1.0 - y) * (1.0 - y));
	nu = y * k->e;
	q2 = 2.0 * MASS_NUC * k->e * x * y;
	w2 = MASS_NUC * MASS_NUC + 2.0 * MASS_NUC * nu - q2;
	if (q2 < 0.05)
		return false;
	/* below W = 1.7 GeV (the sis effect) the non-resonant continuum
	 * keeps a share SIS_KEEP down to SIS_WMIN, mostly with two pions */
	if (w2 < 1.7 * 1.7 && (!k->sis || w2 < SIS_WMIN * SIS_WMIN || uni(r) >= SIS_KEEP))
		return false;
	w = sqrt(w2);
	k->el = k->e - nu;
	if (!lepton(r, k->e, k->el, k->ml, q2, k->pl, q))
		return false;
	/* multiplicity grows with ln W^2 (bubble-chamber fits give
	 * <n_ch> ~ 0.4 + 1.4 ln W^2); pions: a share f0 neutral, a third
	 * on average */
	mu = 1.2 * log(w2 / 1.5);
	if (w2 < 1.7 * 1.7)
		npi = uni(r) < SIS_ONE_PI ? 1 : 2;
	else
		npi = 1 + poisson(r, mu > 0.0 ? mu : 0.0);
	if (npi > 20)
		npi = 20;
	k->h.n = 0;
	if (uni(r) < 0.5)
		had_add(&k->h, PT_P, 1, MASS_P);
	else
		had_add(&k->h, PT_N, 0, MASS_N);
	msum = k->h.m[0];
	for (int i = 0; i < npi; i++) {
		double u = uni(r);
		int ch = u < f0 ? 0 : (u < f0 + 0.55 * (1.0 - f0) ? 1 : -1);

		if (k->cc && i == 0)
			ch = 1;         /* the struck d quark -> u: one more positive */
		if (msum + (ch ? MASS_PI : MASS_PI0) > w - 0.01)
			break;
		had_add(&k->h, ch ? PT_PI : PT_PI0, ch, ch ? MASS_PI : MASS_PI0);
		msum += ch ? MASS_PI : MASS_PI0;
	}
	sys_velocity(nu + MASS_NUC, q, b);
	if (k->jet)
		had_decay_jet(k->jet, &k->h, 0, w, b);
	else
		had_decay(r, &k->h, 0, w, b);
	return true;
}

static bool
kin_other(struct rng *r, struct kin *k)
{
	double q2, nu, q[3], b[3], eh, w2;

	if (uni(r) < 0.7) {
		/* 2p2h: two nucleons share a modest energy transfer */
		nu = 0.05 + 0.3 * expo(r);
		q2 = 0.1 + 0.5 * expo(r) * (nu + 0.1);
		k->el = k->e - nu;
		if (nu > 2.0 || !lepton(r, k->e, k->el, k->ml, q2, k->pl, q))
			return false;
		eh = nu + 2.0 * MASS_NUC - 2.0 * E_BIND;
		w2 = eh * eh - dot3(q, q);
		if (w2 <= 4.0 * MASS_NUC * MASS_NUC * 1.0001)
			return false;
		k->h.n = 0;
		if (k->cc) {
			bool pp = uni(r) < 0.7;

			had_add(&k->h, PT_P, 1, MASS_P);
			had_add(&k->h, pp ? PT_P : PT_N, pp, pp ? MASS_P : MASS_N);
		} else {
			had_add(&k->h, PT_P, 1, MASS_P);
			had_add(&k->h, PT_N, 0, MASS_N);
		}
		sys_velocity(eh, q, b);
		had_decay(r, &k->h, 0, sqrt(w2), b);
		return true;
	}
	/* coherent pion: a forward pion, the nucleus untouched */
	nu = k->e * (0.05 + 0.75 * uni(r));
	q2 = 0.1 * expo(r);
	k->el = k->e - nu;
	if (nu < MASS_PI + 0.03 || !lepton(r, k->e, k->el, k->ml, q2, k->pl, q))
		return false;
	k->h.n = 0;
	if (k->cc)
		had_add(&k->h, PT_PI, 1, MASS_PI);
	else
		had_add(&k->h, PT_PI0, 0, MASS_PI0);
	{
		double d[3], pm, n = norm3(q);

		for (int j = 0; j < 3; j++)
			d[j] = q[j] / n;
		deflect(r, d, 0.08 * fabs(gauss(r)));
		pm = sqrt(nu * nu - k->h.m[0] * k->h.m[0]);
		for (int j = 0; j < 3; j++)
			k->h.p[0][j] = pm * d[j];
		k->h.e[0] = nu;
	}
	return true;
}

/* Turn hadron i into a proton of kinetic energy tp along its direction. */
static void
had_to_proton(struct had *h, int i, double tp)
{
	double pm, n = norm3(h->p[i]);

	h->type[i] = PT_P;
	h->charge[i] = 1;
	h->m[i] = MASS_P;
	h->e[i] = MASS_P + tp;
	pm = sqrt(h->e[i] * h->e[i] - MASS_P * MASS_P);
	for (int j = 0; j < 3; j++)
		h->p[i][j] = n > 0.0 ? h->p[i][j] / n * pm : 0.0;
}

/*
 * Pion absorption and re-scattering inside the nucleus.  Without the fsi
 * effect a pion is only sometimes absorbed (replaced by a slower proton),
 * from the interaction stream r as before.  With it, from a stream of its
 * own (f, so nothing else drawn changes), a pion leaving the carbon
 * nucleus meets the fates of GENIE's hA model for carbon (absorption,
 * charge exchange, inelastic scattering with a knocked-out nucleon):
 * see nuscope-sim(7), THE INTERACTION, fsi.
 */
static void
fsi(struct rng *r, struct rng *f, struct had *h)
{
	int n0 = h->n;

	for (int i = 0; i < n0; i++) {
		double t = h->e[i] - h->m[i], u, v;
		bool low = t < 0.5;

		if (h->type[i] != PT_PI && h->type[i] != PT_PI0)
			continue;
		if (f == NULL) {
			if (uni(r) < (low ? 0.14 : 0.06))
				had_to_proton(h, i, t * (0.4 + 0.4 * uni(r)));
			continue;
		}
		u = uni(f);
		v = uni(f);
		if (u < (low ? FSI_ABS_LO : FSI_ABS_HI)) {
			had_to_proton(h, i, t * (0.4 + 0.4 * v));
		} else if ((u -= low ? FSI_ABS_LO : FSI_ABS_HI) < (low ? FSI_CX_LO : FSI_CX_HI)) {
			/* charge exchange: pi+- <-> pi0 on a nucleon, the
			 * energy kept */
			double pm, n = norm3(h->p[i]);
			bool to0 = h->type[i] == PT_PI;

			h->type[i] = to0 ? PT_PI0 : PT_PI;
			h->charge[i] = to0 ? 0 : (v < 0.5 ? 1 : -1);
			h->m[i] = to0 ? MASS_PI0 : MASS_PI;
			h->e[i] = h->m[i] + t;
			pm = sqrt(h->e[i] * h->e[i] - h->m[i] * h->m[i]);
			for (int j = 0; j < 3; j++)
				h->p[i][j] = n > 0.0 ? h->p[i][j] / n * pm : 0.0;
		} else if ((u -= low ? FSI_CX_LO : FSI_CX_HI) < FSI_INEL &&
		    h->n < MAXHAD && t > 0.1) {
			/* inelastic: the pion knocks out a nucleon and goes on
			 * slower, a little off its course */
			double tp = t * (0.2 + 0.4 * v), pm, n = norm3(h->p[i]), d[3];

			h->e[i] = h->m[i] + t - tp;
			pm = sqrt(h->e[i] * h->e[i] - h->m[i] * h->m[i]);
			for (int j = 0; j < 3; j++)
				d[j] = n > 0.0 ? h->p[i][j] / n : 0.0;
			deflect(f, d, 0.6 * uni(f));
			for (int j = 0; j < 3; j++)
				h->p[i][j] = pm * d[j];
			if (tp > E_BIND + 0.005) {
				int k = h->n;

				had_add(h, uni(f) < 0.5 ? PT_P : PT_N, 0, MASS_P);
				h->charge[k] = h->type[k] == PT_P;
				h->m[k] = h->type[k] == PT_P ? MASS_P : MASS_N;
				h->e[k] = h->m[k] + tp - E_BIND;
				deflect(f, d, 0.8 * uni(f));
				pm = sqrt(h->e[k] * h->e[k] - h->m[k] * h->m[k]);
				for (int j = 0; j < 3; j++)
					h->p[k][j] = pm * d[j];
			}
		}
	}
}

/* Visibility thresholds (kinetic MeV) for the produced-particle count. */
#define VIS_MU 20.0
#define VIS_PI 30.0
#define VIS_P 70.0
#define VIS_SHOWER 20.0

static uint32_t
topology(int block, int tracks, int showers)
{
	if (tracks > 3)
		tracks = 3;
	if (showers > 3)
		showers = 3;
	return (uint32_t)(16 * block + 4 * tracks + showers);
}

/* Sample E_nu from the cut spectrum. */
static double
sample_energy(const struct nu_sim *sim, struct rng *r)
{
	double u = uni(r);
	int lo = 0, hi = NSUB;

	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;

		if (sim->cdf[mid] <= u)
			lo = mid;
		else
			hi = mid;
	}
	/* now cdf[lo] <= u < cdf[lo + 1]: sub-bin lo is not empty */
	{
		double span = sim->cdf[lo + 1] - sim->cdf[lo];
		double f = span > 0.0 ? (u - sim->cdf[lo]) / span : 0.5;

		if (f < 0.0)
			f = 0.0;
		if (f > 1.0)
			f = 1.0;
		return sim->lo[lo] + f * (sim->hi[lo] - sim->lo[lo]);
	}
}

/*
 * Stage 1: draw the interaction of event `index`, fill ev (all but
 * finalstateprong) and ctx->prim (the final state after FSI, pi0 decayed).
 */
static void
draw_interaction(struct nu_sim_ctx *ctx, uint64_t index, struct nu_sim_event *ev)
{
	const struct nu_sim *sim = ctx->sim;
	struct rng *r = &ctx->kr, jr;
	struct kin k;
	double u, e, p[NU_SIM_NPROCESSES], vtx[3];
	int flav = 0, proc = 0, tracks = 0, showers = 0, block;
	bool ok = false;
	double f0 = 1.0 / 3.0;

	/* with wider hadron showers the neutral-pion share of a DIS event
	 * fluctuates around its third; from a stream of its own, so nothing
	 * else drawn changes */
	if (sim->fx[NU_SIM_FX_HADRONS]) {
		struct rng h;

		rng_seed(&h, sim->cfg.seed, index, 3);
		f0 = 0.05 + 0.5667 * uni(&h);
	}
	rng_seed(r, sim->cfg.seed, index, 0);
	u = uni(r);
	while (flav < NU_SIM_NFLAVOURS - 1 && u >= sim->flav_cdf[flav])
		flav++;
	/* below a process's threshold inside a straddling sub-bin: draw again */
	for (int tries = 0; ; tries++) {
		e = sample_energy(sim, r);
		if (tries == 64 || process_allowed(sim->cmode, e))
			break;
	}
	process_probs(sim, e, p);
	u = uni(r);
	for (proc = 0; proc < NU_SIM_NPROCESSES - 1; proc++) {
		if (u < p[proc])
			break;
		u -= p[proc];
	}
	while (p[proc] <= 0.0 && proc > 0)
		proc--;         /* rounding pushed u past the last allowed one */
	vtx[0] = VTX_XY * (2.0 * uni(r) - 1.0);
	vtx[1] = VTX_XY * (2.0 * uni(r) - 1.0);
	vtx[2] = VTX_Z0 + (VTX_Z1 - VTX_Z0) * uni(r);

	k.e = e;
	k.cc = flav != NU_SIM_NC;
	k.sis = sim->fx[NU_SIM_FX_SIS];
	k.jet = NULL;
	if (sim->fx[NU_SIM_FX_JETS]) {
		rng_seed(&jr, sim->cfg.seed, index, 6);
		k.jet = &jr;
	}
	k.ml = flav == NU_SIM_NUMU_CC ? MASS_MU : (flav == NU_SIM_NUE_CC ? MASS_E : 0.0);
	for (int tries = 0; tries < 200 && !ok; tries++) {
		switch (proc) {
		case NU_SIM_QE:  ok = kin_qe(r, &k); break;
		case NU_SIM_RES: ok = kin_res(r, &k); break;
		case NU_SIM_DIS: ok = kin_dis(r, &k, f0); break;
		default:         ok = kin_other(r, &k); break;
		}
	}
	if (!ok) {
		/* the sampler could not place this process at this energy
		 * (only near thresholds): a minimal transfer to one nucleon */
		double q2 = 0.01, nu = 0.03, q[3];

		k.el = e - nu > k.ml ? e - nu : k.ml + 0.001;
		if (!lepton(r, e, k.el, k.ml, q2, k.pl, q)) {
			k.pl[0] = k.pl[1] = 0.0;
			k.pl[2] = sqrt(k.el * k.el - k.ml * k.ml);
		}
		k.h.n = 0;
		had_add(&k.h, PT_P, 1, MASS_P);
		k.h.e[0] = MASS_P + 0.01;
		k.h.p[0][2] = sqrt(k.h.e[0] * k.h.e[0] - MASS_P * MASS_P);
	}
	if (sim->fx[NU_SIM_FX_FSI]) {
		struct rng f;

		rng_seed(&f, sim->cfg.seed, index, 5);
		fsi(r, &f, &k.h);
	} else {
		fsi(r, NULL, &k.h);
	}

	ctx->nprim = 0;
	if (flav == NU_SIM_NUMU_CC)
		add_prim(ctx, PT_MU, -1, k.el, k.pl, MASS_MU, vtx);
	else if (flav == NU_SIM_NUE_CC)
		add_prim(ctx, PT_E, -1, k.el, k.pl, MASS_E, vtx);
	else
		add_prim(ctx, PT_NU, 0, k.el, k.pl, 0.0, vtx);
	for (int i = 0; i < k.h.n; i++) {
		if (k.h.type[i] != PT_PI0) {
			add_prim(ctx, k.h.type[i], k.h.charge[i], k.h.e[i], k.h.p[i],
			    k.h.m[i], vtx);
			continue;
		}
		/* pi0 -> gamma gamma, isotropic in its frame */
		double b[3], d[3], eg = 0.5 * MASS_PI0, pg[3], e1, e2, pg2[3];

		for (int j = 0; j < 3; j++)
			b[j] = k.h.p[i][j] / k.h.e[i];
		iso_dir(r, d);
		for (int j = 0; j < 3; j++) {
			pg[j] = eg * d[j];
			pg2[j] = -eg * d[j];
		}
		e1 = e2 = eg;
		boost(&e1, pg, b);
		boost(&e2, pg2, b);
		add_prim(ctx, PT_GAMMA, 0, e1, pg, 0.0, vtx);
		add_prim(ctx, PT_GAMMA, 0, e2, pg2, 0.0, vtx);
	}

	for (int i = 0; i < ctx->nprim; i++) {
		const struct part *q = &ctx->prim[i];

		switch (q->type) {
		case PT_MU: tracks += q->T > VIS_MU; break;
		case PT_PI: tracks += q->T > VIS_PI; break;
		case PT_P:  tracks += q->T > VIS_P; break;
		case PT_E:
		case PT_GAMMA: showers += q->T > VIS_SHOWER; break;
		default: break;
		}
	}
	block = flav == NU_SIM_NUMU_CC ? 0 : (flav == NU_SIM_NUE_CC ? 1 : 2);
	ev->interaction = flav == NU_SIM_NC ? 13u : (uint32_t)(4 * block + proc);
	ev->finalstate = topology(block, tracks, showers);
	ev->finalstateprong = ev->finalstate;
	ev->nuenergy = (float)e;
	ev->lepenergy = (float)k.el;
	if (sim->cfg.emin <= 0.0 && uni(r) < TRUTH_LOST)
		ev->nuenergy = ev->lepenergy = 0.0f;
	memcpy(ev->vtx, vtx, sizeof ev->vtx);
	ev->run = 1000u + (uint32_t)(index / 64000u);
	ev->subrun = (uint32_t)((index / 1000u) % 64u);
	ev->evt = (uint32_t)(index % 1000u) + 1u;
	ev->cycle = (int32_t)(sim->cfg.seed % 100000u);
	ev->subevt = (uint16_t)(uni(r) < 0.8 ? 1 : 2 + (uni(r) < 0.3));
	/* the neutrino's parent meson: kaons take over at high energy */
	ev->parent = uni(r) < e / (e + 12.0) ? 321u : 211u;
	ev->particles = (uint32_t)ctx->nprim;
	ev->trainingdata_idx = (uint32_t)index;
}

/* ---- stage 2: transport (MeV, cm) ------------------------------------------ */

static inline int
ifloor(double x)
{
	int i = (int)x;

	return i - (x < (double)i);
}

/* Add visible energy e to voxel (ix, iy, iz) (absolute cell/plane
 * indices); the plane's parity says which of ix, iy it measures. */
static inline void
deposit(struct nu_sim_ctx *ctx, int ix, int iy, int iz, double e)
{
	const struct nu_sim *sim = ctx->sim;
	int lp = iz - ctx->pbase, v, lc, along;
	float *cell;

	if ((unsigned)lp >= GP)
		return;
	v = lp & 1;
	lc = (v ? iy : ix) - ctx->cbase[v];
	if ((unsigned)lc >= GC)
		return;
	if (sim->fx[NU_SIM_FX_CONTAINMENT] && ((unsigned)iz >= DET_PLANES ||
	    (unsigned)(ix + DET_CELLS / 2) >= DET_CELLS ||
	    (unsigned)(iy + DET_CELLS / 2) >= DET_CELLS))
		return;
	/* cells from the readout: x-measuring (vertical) cells are read out
	 * at the top, y-measuring (horizontal) ones on the +x side */
	along = DET_CELLS / 2 - 1 - (v ? ix : iy);
	along = along < 0 ? 0 : (along >= DET_CELLS ? DET_CELLS - 1 : along);
	ctx->light[lp * GC + lc] += (float)e * sim->yield[along];
	cell = &ctx->grid[lp * GC + lc];
	*cell += (float)e;
	ctx->rowsum[lp] += e;
	ctx->rowsumc[lp] += e * lc;
	if (ctx->light[lp * GC + lc] >= ACTIVE_PE)
		ctx->rowact[lp] = true;
	if (lp < ctx->bp_lo[v]) ctx->bp_lo[v] = lp;
	if (lp > ctx->bp_hi[v]) ctx->bp_hi[v] = lp;
	if (lc < ctx->bc_lo[v]) ctx->bc_lo[v] = lc;
	if (lc > ctx->bc_hi[v]) ctx->bc_hi[v] = lc;
	ctx->vis[ctx->cur] += (float)e;
	if (e > 0.5)
		ctx->hits[ctx->cur]++;
}

/* A point deposit; one inside a PVC wall is lost. */
static inline void
deposit_at(struct nu_sim_ctx *ctx, const double x[3], double e)
{
	int ix = ifloor(x[0] / CELL_W), iy = ifloor(x[1] / CELL_W);
	int iz = ifloor(x[2] / PLANE_D);

	if (ctx->sim->fx[NU_SIM_FX_WALLS]) {
		double fz = x[2] - iz * PLANE_D;
		double fc = (iz & 1) ? x[1] - iy * CELL_W : x[0] - ix * CELL_W;

		if (fabs(fz - 0.5 * PLANE_D) > 0.5 * CELL_IN_D ||
		    fabs(fc - 0.5 * CELL_W) > 0.5 * CELL_IN_W)
			return;
	}
	deposit(ctx, ix, iy, iz, e);
}

/* Is x inside the deposit grid and the detector (else nothing there can
 * be seen)? */
static bool
in_grid(const struct nu_sim_ctx *ctx, const double x[3])
{
	int lp = ifloor(x[2] / PLANE_D) - ctx->pbase;
	int cx = ifloor(x[0] / CELL_W) - ctx->cbase[0];
	int cy = ifloor(x[1] / CELL_W) - ctx->cbase[1];

	if (ctx->sim->fx[NU_SIM_FX_CONTAINMENT] && (x[2] < 0.0 || x[2] >= DET_LEN ||
	    fabs(x[0]) >= DET_HALF || fabs(x[1]) >= DET_HALF))
		return false;
	return (unsigned)lp < GP && ((unsigned)cx < GC || (unsigned)cy < GC);
}

/* Shrink [*t0, *t1] of the line a + t d to where coordinate j lies in
 * [lo, hi]. */
static inline void
clip_slab(const double a[3], const double d[3], int j, double lo, double hi,
    double *t0, double *t1)
{
	if (d[j] > 1e-12 || d[j] < -1e-12) {
		double s1 = (lo - a[j]) / d[j], s2 = (hi - a[j]) / d[j];

		if (s1 > s2) {
			double t = s1;

			s1 = s2;
			s2 = t;
		}
		if (s1 > *t0)
			*t0 = s1;
		if (s2 < *t1)
			*t1 = s2;
	} else if (a[j] < lo || a[j] > hi) {
		*t1 = *t0;
	}
}

/*
 * Deposit e along the straight segment a -> a + len*d, shared among the
 * voxels it crosses in proportion to the path length in each (a 3-D
 * digital differential analyser over the cell/plane lattice).
 */
static void
segment(struct nu_sim_ctx *ctx, const double a[3], const double d[3], double len,
    double e)
{
	static const double size[3] = { CELL_W, CELL_W, PLANE_D };
	int idx[3], step[3];
	double tmax[3], tdel[3], t = 0.0, per = len > 0.0 ? e / len : 0.0;

	if (len <= 1e-9) {
		deposit_at(ctx, a, e);
		return;
	}
	for (int k = 0; k < 3; k++) {
		idx[k] = ifloor(a[k] / size[k]);
		if (d[k] > 1e-12) {
			step[k] = 1;
			tmax[k] = ((idx[k] + 1) * size[k] - a[k]) / d[k];
			tdel[k] = size[k] / d[k];
		} else if (d[k] < -1e-12) {
			step[k] = -1;
			tmax[k] = (idx[k] * size[k] - a[k]) / d[k];
			tdel[k] = -size[k] / d[k];
		} else {
			step[k] = 0;
			tmax[k] = tdel[k] = 1e30;
		}
	}
	while (t < len) {
		int k = tmax[0] < tmax[1] ? (tmax[0] < tmax[2] ? 0 : 2) :
		    (tmax[1] < tmax[2] ? 1 : 2);
		double tn = tmax[k] < len ? tmax[k] : len, in = tn - t;

		if (ctx->sim->fx[NU_SIM_FX_WALLS]) {
			/* only the path inside the liquid: the plane's walls
			 * along z and the cell's walls across the coordinate
			 * it measures */
			int j = (idx[2] & 1) ? 1 : 0;
			double t0 = t, t1 = tn, mz = 0.5 * (PLANE_D - CELL_IN_D);
			double mc = 0.5 * (CELL_W - CELL_IN_W);

			clip_slab(a, d, 2, idx[2] * PLANE_D + mz, (idx[2] + 1) * PLANE_D - mz,
			    &t0, &t1);
			clip_slab(a, d, j, idx[j] * CELL_W + mc, (idx[j] + 1) * CELL_W - mc,
			    &t0, &t1);
			in = t1 > t0 ? t1 - t0 : 0.0;
		}
		if (in > 0.0)
			deposit(ctx, idx[0], idx[1], idx[2], per * in);
		t = tn;
		idx[k] += step[k];
		tmax[k] += tdel[k];
	}
}

static void
push(struct nu_sim_ctx *ctx, int type, int charge, double t, const double pos[3],
    const double dir[3], int gen)
{
	struct part *q;

	if (ctx->nstack >= MAXSTACK || t <= 0.0 || gen > MAXGEN)
		return;
	q = &ctx->stack[ctx->nstack++];
	memcpy(q->pos, pos, sizeof q->pos);
	memcpy(q->dir, dir, sizeof q->dir);
	q->T = t;
	q->type = (unsigned char)type;
	q->charge = (signed char)charge;
	q->gen = (unsigned char)gen;
	q->prim = (unsigned char)ctx->cur;
}

/*
 * Electromagnetic shower of energy e (MeV) starting at pos along dir.
 * A photon first travels a conversion length; the shower then starts with
 * a minimum-ionising stub (one track for an electron, the e+e- pair for a
 * photon) and deposits the rest as spots drawn from a gamma-distribution
 * longitudinal profile and a core + halo radial profile in Moliere radii.
 */
static void
shower(struct nu_sim_ctx *ctx, const double pos0[3], const double dir[3],
    double e, bool photon)
{
	struct rng *r = &ctx->dr;
	double pos[3], u[3], v[3], tmax, a, b = 0.5, stub, espot;
	int n;

	memcpy(pos, pos0, sizeof pos);
	if (photon) {
		double d = X0 * 9.0 / 7.0 * expo(r);

		for (int j = 0; j < 3; j++)
			pos[j] += d * dir[j];
		if (!in_grid(ctx, pos))
			return;
	}
	if (e < 30.0) {
		/* a soft electron (or Compton electron): a short wiggly track */
		double len = e / MIP_DEDX, d[3];

		memcpy(d, dir, sizeof d);
		deflect(r, d, 0.3 * fabs(gauss(r)));
		segment(ctx, pos, d, len, e);
		return;
	}
	stub = (photon ? 2.0 : 1.0) * MIP_DEDX * X0 * (photon ? 0.5 : 0.8);
	if (stub > 0.3 * e)
		stub = 0.3 * e;
	segment(ctx, pos, dir, stub / ((photon ? 2.0 : 1.0) * MIP_DEDX), stub);
	e -= stub;

	tmax = log(e / E_CRIT) + (photon ? 0.5 : -0.5);
	if (tmax < 0.3)
		tmax = 0.3;
	a = b * tmax + 1.0;
	n = (int)(e / 4.0);
	if (n < 8)
		n = 8;
	if (n > 600)
		n = 600;
	espot = e / n;
	perp_basis(dir, u, v);
	for (int i = 0; i < n; i++) {
		double t = gamma_draw(r, a) / b, s = t * X0, w = uni(r), rr, cf, sf, x[3];
		double depth = t / tmax;

		if (w > 0.985)
			w = 0.985;
		if (uni(r) < 0.8)       /* core, narrow at the start */
			rr = 0.2 * RMOL * (0.3 + 0.7 * (depth < 1.5 ? depth : 1.5)) * sqrt(w / (1.0 - w));
		else                    /* halo */
			rr = 0.9 * RMOL * sqrt(w / (1.0 - w));
		unit_circle(r, &cf, &sf);
		for (int j = 0; j < 3; j++)
			x[j] = pos[j] + s * dir[j] + rr * (cf * u[j] + sf * v[j]);
		deposit_at(ctx, x, espot);
	}
}

/* Michel electron energy (MeV) from the decay of a muon at rest. */
static double
michel(struct rng *r)
{
	double x;

	do
		x = uni(r);
	while (uni(r) > x * x * (3.0 - 2.0 * x));
	return 52.8 * x;
}

/* A hadronic interaction of a pion or proton of kinetic energy t at pos:
 * part of the energy goes to binding and neutrons; the rest is shared by
 * a few secondaries around the incoming direction. */
static void
hadron_interaction(struct nu_sim_ctx *ctx, const struct part *q, double t)
{
	struct rng *r = &ctx->dr;
	double avail = t * (0.55 + 0.3 * uni(r)), w[8], wsum = 0.0, tn;
	double pgam = q->type == PT_PI ? 0.25 : 0.10;
	int n = 1 + poisson(r, 0.4 + t / 1200.0);

	if (ctx->sim->fx[NU_SIM_FX_HADRONS]) {
		/* event-to-event fluctuations of the energy lost to binding and
		 * of the share going to pi0s, both with the same means */
		avail = t * (0.325 + 0.75 * uni(r));
		if (avail > t)
			avail = t;
		pgam *= 2.0 * uni(r);
	}

	if (n > 6)
		n = 6;
	tn = t * 0.12 * uni(r);
	for (int i = 0; i < n; i++) {
		w[i] = expo(r) + (i == 0 ? 1.0 : 0.0);  /* a leading particle */
		wsum += w[i];
	}
	for (int i = 0; i < n; i++) {
		double ti = avail * w[i] / wsum, d[3], pt, pmag, th;
		double u = uni(r);
		int type, ch;

		if (q->type == PT_PI ? u < 0.5 : u < 0.15) {
			type = PT_PI;
			ch = uni(r) < 0.5 ? 1 : -1;
		} else if (u < (q->type == PT_PI ? 0.5 : 0.15) + pgam) {
			type = PT_GAMMA;        /* a pi0, as one photon (merged pair) */
			ch = 0;
		} else {
			type = PT_P;
			ch = 1;
		}
		pmag = sqrt(ti * ti + 2.0 * ti * (type == PT_P ? 938.3 : 139.6));
		pt = 300.0 * expo(r) * 0.7;
		th = atan2(pt, pmag);
		memcpy(d, q->dir, sizeof d);
		deflect(r, d, th);
		if (type == PT_GAMMA)
			shower(ctx, q->pos, d, ti, true);
		else
			push(ctx, type, ch, ti, q->pos, d, q->gen + 1);
	}
	if (tn > 10.0) {
		double d[3];

		iso_dir(r, d);
		push(ctx, PT_N, 0, tn, q->pos, d, q->gen + 1);
	}
}

/* A charged track (mu, pi, p): continuous loss from the range tables,
 * Birks quenching, multiple scattering, hadronic interactions for pi and
 * p, and what happens when it stops. */
static void
track(struct nu_sim_ctx *ctx, struct part *q)
{
	struct rng *r = &ctx->dr;
	const struct range_table *rt = &ctx->sim->rt[q->type == PT_MU ? RT_MU :
	    (q->type == PT_PI ? RT_PI : RT_P)];
	double m = rt->m, t = q->T, range = range_of(rt, t);
	double lint = q->type == PT_PI ? LAMBDA_PI * expo(r) :
	    (q->type == PT_P ? LAMBDA_P * expo(r) : 1e30);
	double travelled = 0.0, segmax = q->type == PT_MU ? 15.0 : 6.0;

	while (t > 0.5) {
		double len = 0.2 * range, t1, de, p, beta, th0, xr;

		if (len > segmax)
			len = segmax;
		if (len < 0.5)
			len = range < 0.5 ? range : 0.5;
		if (travelled + len > lint)
			len = lint - travelled;
		t1 = energy_of(rt, range - len);
		de = t - t1;
		/* Birks: quenching grows with dE/dx */
		segment(ctx, q->pos, q->dir, len, de / (1.0 + BIRKS_KB * de / (len > 1e-6 ? len : 1e-6)));
		for (int j = 0; j < 3; j++)
			q->pos[j] += len * q->dir[j];
		travelled += len;
		range -= len;
		t = t1;
		if (travelled >= lint) {
			if (t > 5.0) {
				hadron_interaction(ctx, q, t);
				return;
			}
			lint = 1e30;    /* too slow to matter: let it stop */
		}
		if (!in_grid(ctx, q->pos))
			return;
		/* Highland multiple scattering over this segment */
		p = sqrt(t * t + 2.0 * t * m);
		if (p <= 0.0)
			break;
		beta = p / (t + m);
		xr = len / X0;
		th0 = 13.6 / (beta * p) * sqrt(xr) * (1.0 + 0.038 * log(xr));
		if (th0 > 0.0) {
			/* space angle: two projected Gaussians of width th0 */
			double g1 = gauss(r), g2 = gauss(r);

			deflect(r, q->dir, th0 * sqrt(g1 * g1 + g2 * g2));
		}
	}
	/* stopped */
	if (q->type == PT_MU || (q->type == PT_PI && q->charge > 0)) {
		double d[3];

		if (q->type == PT_PI) {         /* pi+ -> mu+ (4 MeV, ~1.5 cm) */
			iso_dir(r, d);
			segment(ctx, q->pos, d, 1.5, 4.1);
		}
		if (q->charge < 0 && uni(r) < 0.08)
			return;                 /* mu- captured on carbon */
		iso_dir(r, d);
		shower(ctx, q->pos, d, michel(r), false);
	} else if (q->type == PT_PI) {          /* pi- absorbed: a small star */
		int n = 1 + (uni(r) < 0.5);

		for (int i = 0; i < n; i++) {
			double d[3];

			iso_dir(r, d);
			push(ctx, PT_P, 1, 10.0 + 40.0 * uni(r), q->pos, d, q->gen + 1);
		}
	}
}

/* A neutron: a few scatters at exponential distances, each giving a recoil
 * proton (a short dense stub) or a few MeV of gamma, until it slows down. */
static void
neutron(struct nu_sim_ctx *ctx, struct part *q)
{
	struct rng *r = &ctx->dr;
	double t = q->T;

	for (int i = 0; i < 3 && t > 10.0; i++) {
		double d = LAMBDA_N * expo(r), dir[3];

		for (int j = 0; j < 3; j++)
			q->pos[j] += d * q->dir[j];
		if (!in_grid(ctx, q->pos))
			return;
		if (uni(r) < 0.5) {
			double tp = t * (0.05 + 0.45 * uni(r));

			memcpy(dir, q->dir, sizeof dir);
			deflect(r, dir, acos(sqrt(uni(r))));
			push(ctx, PT_P, 1, tp, q->pos, dir, q->gen + 1);
			t -= tp;
			deflect(r, q->dir, 0.5 * uni(r));
		} else {
			double eg = 1.0 + 4.0 * uni(r);

			deposit_at(ctx, q->pos, eg);
			t -= eg + t * 0.2 * uni(r);
		}
	}
}

static void
transport_one(struct nu_sim_ctx *ctx, struct part *q)
{
	switch (q->type) {
	case PT_MU:
	case PT_PI:
	case PT_P:
		track(ctx, q);
		break;
	case PT_E:
		shower(ctx, q->pos, q->dir, q->T, false);
		break;
	case PT_GAMMA:
		shower(ctx, q->pos, q->dir, q->T, true);
		break;
	case PT_N:
		neutron(ctx, q);
		break;
	default:
		break;          /* neutrinos */
	}
}

/* ---- stage 3: the CVN window and digitisation ------------------------------ */

static void
grid_clear(struct nu_sim_ctx *ctx)
{
	for (int v = 0; v < 2; v++) {
		int w = ctx->bc_hi[v] - ctx->bc_lo[v] + 1;

		if (ctx->bp_hi[v] >= 0) {
			for (int lp = ctx->bp_lo[v]; lp <= ctx->bp_hi[v]; lp += 2) {
				memset(&ctx->grid[lp * GC + ctx->bc_lo[v]], 0,
				    (size_t)w * sizeof(*ctx->grid));
				memset(&ctx->light[lp * GC + ctx->bc_lo[v]], 0,
				    (size_t)w * sizeof(*ctx->light));
				ctx->rowsum[lp] = ctx->rowsumc[lp] = 0.0;
				ctx->rowact[lp] = false;
			}
		}
		ctx->bp_lo[v] = ctx->bc_lo[v] = 1 << 30;
		ctx->bp_hi[v] = ctx->bc_hi[v] = -1;
	}
}

/*
 * The digitised value of the cell (physical plane p, detector cell c)
 * holding e MeV that make `light` photo-electrons on average: the
 * photo-electrons fluctuate (Poisson), the APD multiplies them with an
 * excess noise factor and adds electronics noise, the threshold is in
 * photo-electrons, and the calibration turns what passed back into MeV
 * with the cell's attenuation at the hit and the cell's constant.  Each
 * cell draws from its own stream, seeded from (seed, event, channel), so
 * switching one effect off changes no other cell's value.
 */
static int
digitise(const struct nu_sim_ctx *ctx, int p, int c, double e, double light)
{
	const struct nu_sim *sim = ctx->sim;
	bool inside = (unsigned)p < DET_PLANES && (unsigned)c < DET_CELLS;
	double x, sd, cal = 1.0;
	struct rng r;

	if (light <= 0.0 || e <= 0.0)
		return 0;
	sd = sqrt(light * (sim->fx[NU_SIM_FX_APD] ? APD_F : 1.0) +
	    (sim->fx[NU_SIM_FX_APD] ? APD_NOISE * APD_NOISE : 0.0));
	if (light + 6.0 * sd < APD_THRESH)
		return 0;               /* never over the threshold */
	if (inside) {
		size_t k = (size_t)p * DET_CELLS + c;

		if (sim->dead[k])
			return 0;
		cal = sim->cal[k];
	}
	rng_seed(&r, sim->cfg.seed, ctx->index, 16u + ((uint64_t)(p + 4096) << 12) +
	    (uint64_t)(c + 2048));
	x = poisson(&r, light);
	if (sim->fx[NU_SIM_FX_APD])
		x += sqrt((APD_F - 1.0) * x) * gauss(&r) + APD_NOISE * gauss(&r);
	if (x < APD_THRESH)
		return 0;
	x = floor(x * PE_PER_MEV * e / light * cal + 0.5);
	return x < 1.0 ? 1 : (x > 255.0 ? 255 : (int)x);
}

/* Charge-weighted centre cell of view v over grid rows [lo, hi], less
 * half a window: the first cell of an 80-cell window centred there. */
static int
window_cell(const struct nu_sim_ctx *ctx, int v, int lo, int hi)
{
	double sw = 0.0, swc = 0.0;

	for (int lp = lo + ((lo & 1) != v); lp <= hi && lp < GP; lp += 2) {
		sw += ctx->rowsum[lp];
		swc += ctx->rowsumc[lp];
	}
	return (sw > 0.0 ? (int)lround(swc / sw) : GC / 2) - NU_CELLS / 2;
}

/*
 * Fill map from the grid: centre an 80-cell window on each view's charge,
 * start at the first plane with activity inside it, re-centre on the
 * charge of the 100 planes kept, then digitise and add noise.
 */
static void
make_map(struct nu_sim_ctx *ctx, uint8_t *map)
{
	struct rng *r = &ctx->dr;
	int first = GP, start[2], c0[2], lo = GP, hi = -1;

	memset(map, 0, NU_MAP_BYTES);
	for (int v = 0; v < 2; v++) {
		if (ctx->bp_hi[v] < 0)
			continue;
		lo = ctx->bp_lo[v] < lo ? ctx->bp_lo[v] : lo;
		hi = ctx->bp_hi[v] > hi ? ctx->bp_hi[v] : hi;
	}
	for (int v = 0; v < 2; v++)
		c0[v] = window_cell(ctx, v, 0, GP - 1);
	for (int lp = lo; lp <= hi && first == GP; lp++) {
		int v = lp & 1, a = c0[v] > 0 ? c0[v] : 0;
		int b = c0[v] + NU_CELLS < GC ? c0[v] + NU_CELLS : GC;
		const float *row = &ctx->light[lp * GC];

		if (!ctx->rowact[lp])
			continue;
		for (int c = a; c < b; c++)
			if (row[c] >= ACTIVE_PE && !nu_sim_channel_dead(ctx->sim,
			    ctx->pbase + lp, ctx->cbase[v] + c + DET_CELLS / 2)) {
				first = lp;
				break;
			}
	}
	if (first == GP)        /* nothing clearly seen: start at the deposits */
		first = hi >= 0 ? lo : GP_BACK;
	for (int v = 0; v < 2; v++) {
		start[v] = first + ((first & 1) != v);
		c0[v] = window_cell(ctx, v, start[v], start[v] + 2 * (NU_PLANES - 1));
	}
	for (int v = 0; v < 2; v++) {
		int clo, chi;

		if (ctx->bp_hi[v] < 0)
			continue;
		clo = ctx->bc_lo[v] > c0[v] ? ctx->bc_lo[v] : c0[v];
		chi = ctx->bc_hi[v] < c0[v] + NU_CELLS - 1 ? ctx->bc_hi[v] : c0[v] + NU_CELLS - 1;
		for (int k = 0; k < NU_PLANES; k++) {
			int lp = start[v] + 2 * k;
			const float *row;
			uint8_t *out;

			if (lp > ctx->bp_hi[v] || lp >= GP)
				break;
			if (lp < ctx->bp_lo[v])
				continue;
			row = &ctx->grid[lp * GC];
			out = &NU_PIXEL(map, v, k, 0);
			for (int c = clo; c <= chi; c++)
				if (row[c] > 0.0f)
					out[c - c0[v]] = (uint8_t)digitise(ctx, ctx->pbase + lp,
					    ctx->cbase[v] + c + DET_CELLS / 2, row[c],
					    ctx->light[lp * GC + c]);
		}
	}
	for (int v = 0; v < 2; v++) {
		ctx->start[v] = ctx->pbase + start[v];
		ctx->c0[v] = ctx->cbase[v] + c0[v] + DET_CELLS / 2;
	}
	if (ctx->sim->fx[NU_SIM_FX_NOISE]) {
		/* noise hits only where there is a live channel */
		for (int v = 0; v < 2; v++) {
			int n = poisson(r, 1.5);

			for (int i = 0; i < n; i++) {
				int k = (int)(uni(r) * NU_PLANES), c = (int)(uni(r) * NU_CELLS);
				int pp = ctx->start[v] + 2 * k, cc = ctx->c0[v] + c;
				double x = 3.0 + 6.0 * expo(r);

				if (ctx->sim->fx[NU_SIM_FX_CONTAINMENT] &&
				    ((unsigned)pp >= DET_PLANES || (unsigned)cc >= DET_CELLS))
					continue;
				if (nu_sim_channel_dead(ctx->sim, pp, cc))
					continue;
				if (NU_PIXEL(map, v, k, c) == 0)
					NU_PIXEL(map, v, k, c) = (uint8_t)(x > 60.0 ? 60.0 : x);
			}
		}
	}
}

void
nu_sim_ctx_window(const struct nu_sim_ctx *ctx, int plane[2], int cell[2])
{
	for (int v = 0; v < 2; v++) {
		plane[v] = ctx->start[v];
		cell[v] = ctx->c0[v];
	}
}

/* What a prong reconstruction would find: tracks with >= 3 cells, showers
 * with >= 20 visible MeV, photon pairs closer than 0.1 rad counted once. */
static uint32_t
prong_topology(const struct nu_sim_ctx *ctx, int block)
{
	int tracks = 0, showers = 0;
	int sh[MAXPRIM], nsh = 0;

	for (int i = 0; i < ctx->nprim; i++) {
		const struct part *q = &ctx->prim[i];

		switch (q->type) {
		case PT_MU:
		case PT_PI:
		case PT_P:
			tracks += ctx->hits[i] >= 3;
			break;
		case PT_E:
		case PT_GAMMA:
			if (ctx->vis[i] < 20.0f)
				break;
			{
				bool merged = false;

				for (int j = 0; j < nsh && !merged; j++)
					merged = dot3(ctx->prim[sh[j]].dir, q->dir) > cos(0.1);
				if (!merged)
					sh[nsh++] = i;
			}
			break;
		default:
			break;
		}
	}
	showers = nsh;
	return topology(block, tracks, showers);
}

/* Transport what is on the stack, charged to slot ctx->cur. */
static void
transport_stack(struct nu_sim_ctx *ctx)
{
	while (ctx->nstack > 0) {
		struct part q = ctx->stack[--ctx->nstack];

		transport_one(ctx, &q);
	}
}

/*
 * Nuclear breakup: the struck nucleus, left excited, boils off a few slow
 * protons and neutrons, more the more energy the hadrons took.  They make
 * short stubs and scattered blobs around the vertex.
 */
static void
breakup(struct nu_sim_ctx *ctx)
{
	struct rng *r = &ctx->dr;
	double eh = 0.0;
	int n;

	for (int i = 1; i < ctx->nprim; i++)
		eh += ctx->prim[i].T;
	if (eh <= 0.0)
		return;
	n = poisson(r, 0.5 + 0.8 * eh / 1000.0);
	if (n > 8)
		n = 8;
	ctx->cur = MAXPRIM;
	ctx->nstack = 0;
	for (int i = 0; i < n; i++) {
		double d[3];
		bool p = uni(r) < 0.45;

		iso_dir(r, d);
		push(ctx, p ? PT_P : PT_N, p, p ? 8.0 + 20.0 * expo(r) : 5.0 + 30.0 * expo(r),
		    ctx->prim[0].pos, d, 1);
	}
	transport_stack(ctx);
}

/*
 * A cosmic muon crossing the window during the spill, with the chance of
 * the far detector's rate on its top face.  Its own stream decides and
 * draws it, and it is transported with that stream too, so an event
 * without one is made exactly as if cosmics were off.
 */
static void
cosmic(struct nu_sim_ctx *ctx, const double vtx[3])
{
	const struct nu_sim *sim = ctx->sim;
	struct rng cr, saved;
	struct part q;
	double e, c, sth, cf, sf, t0 = -1e6, t1 = 1e6, cross[3], up[3];

	rng_seed(&cr, sim->cfg.seed, ctx->index, 2);
	if (!(uni(&cr) < sim->cosmic_p))
		return;
	/* sea-level spectrum: about E^-2.7 above a few GeV, flattening
	 * below; intensity cos^2 of the zenith angle, cos^3 through a
	 * horizontal face */
	e = 0.3 + 2.0 * (pow(1.0 - uni(&cr), -1.0 / 1.7) - 1.0);
	if (e > 200.0)
		e = 200.0;
	c = pow(uni(&cr), 0.25);
	sth = sqrt(1.0 - c * c);
	unit_circle(&cr, &cf, &sf);
	q.dir[0] = sth * cf;
	q.dir[1] = -c;
	q.dir[2] = sth * sf;
	cross[0] = vtx[0] + COSMIC_DX * (2.0 * uni(&cr) - 1.0);
	cross[1] = vtx[1];
	cross[2] = vtx[2] + COSMIC_Z0 + (COSMIC_Z1 - COSMIC_Z0) * uni(&cr);
	for (int j = 0; j < 3; j++)
		up[j] = -q.dir[j];
	if (sim->fx[NU_SIM_FX_CONTAINMENT]) {
		/* it enters where the line upwards leaves the detector */
		clip_slab(cross, up, 0, -DET_HALF, DET_HALF, &t0, &t1);
		clip_slab(cross, up, 1, -DET_HALF, DET_HALF, &t0, &t1);
		clip_slab(cross, up, 2, 0.0, DET_LEN, &t0, &t1);
		if (t1 <= t0)
			return;
		t1 -= 1e-6;
	} else {
		t1 = 700.0 / c < 2000.0 ? 700.0 / c : 2000.0;
	}
	for (int j = 0; j < 3; j++)
		q.pos[j] = cross[j] + t1 * up[j];
	q.T = e * 1000.0 - MASS_MU * 1000.0;
	q.type = PT_MU;
	q.charge = uni(&cr) < 0.56 ? 1 : -1;    /* mu+/mu- about 1.27 */
	q.gen = 0;
	q.prim = MAXPRIM;
	ctx->cur = MAXPRIM;
	ctx->nstack = 0;
	saved = ctx->dr;
	ctx->dr = cr;
	transport_one(ctx, &q);
	transport_stack(ctx);
	ctx->dr = saved;
}

void
nu_sim_event(struct nu_sim_ctx *ctx, uint64_t index, uint8_t *map,
    struct nu_sim_event *ev)
{
	const double *vtx;
	int block;

	draw_interaction(ctx, index, ev);
	if (map == NULL)
		return;
	rng_seed(&ctx->dr, ctx->sim->cfg.seed, index, 1);
	ctx->index = index;
	vtx = ctx->prim[0].pos;
	ctx->pbase = ifloor(vtx[2] / PLANE_D) - GP_BACK;
	ctx->pbase -= ctx->pbase & 1;           /* even: grid row parity = view */
	ctx->cbase[0] = ifloor(vtx[0] / CELL_W) - GC / 2;
	ctx->cbase[1] = ifloor(vtx[1] / CELL_W) - GC / 2;
	for (int i = 0; i <= MAXPRIM; i++) {
		ctx->vis[i] = 0.0f;
		ctx->hits[i] = 0;
	}
	for (int i = 0; i < ctx->nprim; i++) {
		ctx->cur = i;
		ctx->nstack = 0;
		ctx->stack[ctx->nstack++] = ctx->prim[i];
		transport_stack(ctx);
	}
	if (ctx->sim->fx[NU_SIM_FX_HADRONS])
		breakup(ctx);
	if (ctx->sim->fx[NU_SIM_FX_COSMICS])
		cosmic(ctx, vtx);
	make_map(ctx, map);
	grid_clear(ctx);
	block = ev->interaction == 13 ? 2 : (ev->interaction >= 4 ? 1 : 0);
	ev->finalstateprong = prong_topology(ctx, block);
}

/* ---- many events, many threads --------------------------------------------- */

#define GEN_BLOCK 32

struct gen_shared {
	const struct nu_sim *sim;
	uint64_t first;
	size_t n, next;
	uint8_t *maps;
	struct nu_sim_event *evs;
	pthread_mutex_t lock;
};

struct gen_worker {
	struct gen_shared *sh;
	struct nu_sim_ctx *ctx;
};

static void *
gen_main(void *arg)
{
	struct gen_worker *w = arg;
	struct gen_shared *sh = w->sh;

	for (;;) {
		size_t a, b;

		pthread_mutex_lock(&sh->lock);
		a = sh->next;
		b = a + GEN_BLOCK < sh->n ? a + GEN_BLOCK : sh->n;
		sh->next = b;
		pthread_mutex_unlock(&sh->lock);
		if (a >= b)
			break;
		for (size_t i = a; i < b; i++)
			nu_sim_event(w->ctx, sh->first + i,
			    sh->maps ? sh->maps + i * NU_MAP_BYTES : NULL, &sh->evs[i]);
	}
	return NULL;
}

enum nu_status
nu_sim_generate(const struct nu_sim *sim, uint64_t first, size_t n, int jobs,
    uint8_t *maps, struct nu_sim_event *evs, char **cause)
{
	struct gen_shared sh = { .sim = sim, .first = first, .n = n, .maps = maps, .evs = evs };
	struct gen_worker w[NU_SIM_JOBS_MAX];
	pthread_t tid[NU_SIM_JOBS_MAX];
	int started = 0;

	if (jobs < 1 || jobs > NU_SIM_JOBS_MAX)
		return nu_fail(cause, NU_ERR_USAGE, "jobs must be 1-%d, not %d",
		    NU_SIM_JOBS_MAX, jobs);
	if ((size_t)jobs > (n + GEN_BLOCK - 1) / GEN_BLOCK)
		jobs = (int)((n + GEN_BLOCK - 1) / GEN_BLOCK);
	if (jobs < 1)
		return NU_OK;
	for (int j = 0; j < jobs; j++) {
		w[j].sh = &sh;
		if (nu_sim_ctx_new(&w[j].ctx, sim) != NU_OK) {
			for (int i = 0; i < j; i++)
				nu_sim_ctx_free(w[i].ctx);
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		}
	}
	pthread_mutex_init(&sh.lock, NULL);
	/* the calling thread is worker 0; if a thread cannot start, the
	 * others take its share and the result is the same */
	for (int j = 1; j < jobs; j++) {
		if (pthread_create(&tid[j], NULL, gen_main, &w[j]) != 0) {
			nu_log(NU_LOG_DEBUG, "sim: could only start %d threads", j);
			break;
		}
		started = j;
	}
	gen_main(&w[0]);
	for (int j = 1; j <= started; j++)
		pthread_join(tid[j], NULL);
	pthread_mutex_destroy(&sh.lock);
	for (int j = 0; j < jobs; j++)
		nu_sim_ctx_free(w[j].ctx);
	return NU_OK;
}
