/*
 * colormap.c: nuscope's sequential colour maps (see colormap.h).
 *
 * Method.  Each map is a Bezier curve in CIELAB (D65 white) whose control
 * points are a handful of anchor colours chosen by hand below, with L*
 * rising from one anchor to the next.  A Bezier curve is a weighted mean
 * of its control points with weights that shift smoothly along it, so L*
 * rises monotonically along the whole curve and the curve has no kinks;
 * it passes through the first and last anchors and is pulled towards the
 * others.  Points outside the sRGB gamut are brought inside by shrinking
 * their chroma at constant L* and hue, which keeps lightness exact.  The
 * curve is then reparametrised by arc length (CIE76 colour difference), so
 * that equal steps in value are roughly equal steps in perceived colour.
 * Finally the 255 ramp colours are rounded to 8-bit sRGB together: among
 * the nearby 8-bit colours of each (four values per channel), the choice
 * with the least summed colour error whose L* rises strictly from each
 * colour to the next, found as a shortest path, so that rounding never
 * makes the ramp stand still or go backwards in lightness.
 *
 * grey is simpler: neutral greys evenly spaced in L*.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "colormap.h"

#define MAXANCHORS 8
#define ARC_SAMPLES 1024

struct lab { double l, a, b; };

struct cmap_def {
	const char *name;
	struct lab bg;                  /* value 0 */
	int nanchors;
	struct lab anchor[MAXANCHORS];  /* L* increasing */
};

/*
 * The anchors: L*, a*, b*.  viridis-like goes blue-violet, blue, teal,
 * green, yellow; inferno-like goes indigo, purple, crimson, orange, pale
 * yellow.  As control points the inner anchors may lie outside the sRGB
 * gamut: the curve only leans towards them.  The ramps start at L* 18 and
 * 13, well above backgrounds of L* 5 and 2, so the faintest hit shows.
 */
static const struct cmap_def maps[] = {
	[NU_CMAP_VIRIDIS] = {
		"viridis", { 5.0, 2.0, -6.0 }, 5, {
			{ 18.0, 38.0, -42.0 },
			{ 36.0, 18.0, -72.0 },
			{ 56.0, -66.0, -18.0 },
			{ 74.0, -72.0, 62.0 },
			{ 90.5, -9.0, 82.0 },
		},
	},
	[NU_CMAP_INFERNO] = {
		"inferno", { 2.0, 0.0, 0.0 }, 6, {
			{ 13.0, 25.0, -40.0 },
			{ 28.0, 70.0, -55.0 },
			{ 46.0, 85.0, 30.0 },
			{ 64.0, 60.0, 85.0 },
			{ 82.0, 12.0, 90.0 },
			{ 97.0, -10.0, 38.0 },
		},
	},
	[NU_CMAP_GREY] = {
		"grey", { 0.0, 0.0, 0.0 }, 2, {
			{ 22.0, 0.0, 0.0 },
			{ 100.0, 0.0, 0.0 },
		},
	},
};

const char *
nu_cmap_name(enum nu_cmap m)
{
	return (unsigned)m < NU_NCMAPS ? maps[m].name : "unknown";
}

int
nu_cmap_from_name(const char *name)
{
	for (int m = 0; m < NU_NCMAPS; m++)
		if (strcmp(name, maps[m].name) == 0)
			return m;
	return strcmp(name, "gray") == 0 ? NU_CMAP_GREY : -1;
}

/* ---- colour science ------------------------------------------------------ */

/* D65 reference white */
#define XN 0.95047
#define YN 1.00000
#define ZN 1.08883

static double
lab_finv(double t)
{
	return t > 6.0 / 29.0 ? t * t * t : 3.0 * (6.0 / 29.0) * (6.0 / 29.0) * (t - 4.0 / 29.0);
}

static double
lab_f(double t)
{
	return t > 216.0 / 24389.0 ? cbrt(t) : t * (24389.0 / 27.0) / 116.0 + 16.0 / 116.0;
}

/* CIELAB to linear sRGB (0..1, possibly outside) */
static void
lab_to_linear(struct lab c, double rgb[3])
{
	double fy = (c.l + 16.0) / 116.0;
	double x = XN * lab_finv(fy + c.a / 500.0);
	double y = YN * lab_finv(fy);
	double z = ZN * lab_finv(fy - c.b / 200.0);

	rgb[0] = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
	rgb[1] = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
	rgb[2] = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
}

static struct lab
linear_to_lab(const double rgb[3])
{
	double x = 0.4124564 * rgb[0] + 0.3575761 * rgb[1] + 0.1804375 * rgb[2];
	double y = 0.2126729 * rgb[0] + 0.7151522 * rgb[1] + 0.0721750 * rgb[2];
	double z = 0.0193339 * rgb[0] + 0.1191920 * rgb[1] + 0.9503041 * rgb[2];
	double fx = lab_f(x / XN), fy = lab_f(y / YN), fz = lab_f(z / ZN);

	return (struct lab){ 116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz) };
}

static double
srgb_encode(double v)
{
	v = v < 0 ? 0 : v > 1 ? 1 : v;
	return v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1.0 / 2.4) - 0.055;
}

void
nu_lab_to_srgb(double l, double a, double b, double rgb[3])
{
	lab_to_linear((struct lab){ l, a, b }, rgb);
	for (int i = 0; i < 3; i++)
		rgb[i] = srgb_encode(rgb[i]);
}

static double
srgb_decode(double v)
{
	return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static struct lab
srgb8_to_lab(const int c[3])
{
	double lin[3];

	for (int k = 0; k < 3; k++)
		lin[k] = srgb_decode(c[k] / 255.0);
	return linear_to_lab(lin);
}

static int
in_gamut(struct lab c)
{
	double rgb[3];

	lab_to_linear(c, rgb);
	for (int k = 0; k < 3; k++)
		if (rgb[k] < -1e-9 || rgb[k] > 1.0 + 1e-9)
			return 0;
	return 1;
}

/* Shrink chroma at constant L* and hue until the colour is displayable. */
static struct lab
gamut_map(struct lab c)
{
	double lo = 0.0, hi = 1.0;

	if (c.l < 0)
		c.l = 0;
	if (c.l > 100)
		c.l = 100;
	if (in_gamut(c))
		return c;
	for (int i = 0; i < 40; i++) {
		double k = 0.5 * (lo + hi);

		if (in_gamut((struct lab){ c.l, k * c.a, k * c.b }))
			lo = k;
		else
			hi = k;
	}
	return (struct lab){ c.l, lo * c.a, lo * c.b };
}

static double
delta_e(struct lab p, struct lab q)
{
	return sqrt((p.l - q.l) * (p.l - q.l) + (p.a - q.a) * (p.a - q.a) +
	    (p.b - q.b) * (p.b - q.b));
}

/* ---- the curves ---------------------------------------------------------- */

/* Point u (0..1) of the Bezier curve over the anchors, by de Casteljau. */
static struct lab
bezier(const struct cmap_def *d, double u)
{
	struct lab p[MAXANCHORS];
	int n = d->nanchors;

	memcpy(p, d->anchor, (size_t)n * sizeof(p[0]));
	for (int r = 1; r < n; r++)
		for (int i = 0; i < n - r; i++) {
			p[i].l += u * (p[i + 1].l - p[i].l);
			p[i].a += u * (p[i + 1].a - p[i].a);
			p[i].b += u * (p[i + 1].b - p[i].b);
		}
	return gamut_map(p[0]);
}

static void
lab_to_srgb8(struct lab c, uint8_t out[3])
{
	double lin[3];

	lab_to_linear(gamut_map(c), lin);
	for (int k = 0; k < 3; k++)
		out[k] = (uint8_t)lround(255.0 * srgb_encode(lin[k]));
}

/* The 8-bit colours near a target: floor-1 .. floor+2 in each channel. */
#define NCAND 64

struct cand {
	float l, cost;          /* L* (+inf if not ok); least total error of
	                         * a ramp ending here (+inf: none) */
	uint8_t rgb[3];
	uint8_t ok, back;       /* in range; best candidate of the level before */
};

static void
candidates(struct lab target, const double *decode, struct cand *c)
{
	double lin[3];
	int lo[3];

	lab_to_linear(target, lin);
	for (int k = 0; k < 3; k++)
		lo[k] = (int)floor(255.0 * srgb_encode(lin[k])) - 1;
	for (int i = 0; i < NCAND; i++) {
		int v[3] = { lo[0] + i % 4, lo[1] + i / 4 % 4, lo[2] + i / 16 };
		struct lab q;

		c[i].ok = v[0] >= 0 && v[1] >= 0 && v[2] >= 0 &&
		    v[0] <= 255 && v[1] <= 255 && v[2] <= 255;
		c[i].cost = INFINITY;
		c[i].l = INFINITY;
		if (!c[i].ok)
			continue;
		for (int k = 0; k < 3; k++) {
			c[i].rgb[k] = (uint8_t)v[k];
			lin[k] = decode[v[k]];
		}
		q = linear_to_lab(lin);
		c[i].l = (float)q.l;
		c[i].cost = (float)delta_e(q, target);
	}
}

/* Sort candidate indices by L* (the invalid ones have L* +inf). */
static void
sort_by_l(const struct cand *c, uint8_t *order)
{
	for (int i = 1; i < NCAND; i++) {
		uint8_t x = order[i];
		int j = i;

		for (; j > 0 && c[order[j - 1]].l > c[x].l; j--)
			order[j] = order[j - 1];
		order[j] = x;
	}
}

/*
 * Round the ramp's colours to 8 bits so that L* strictly increases from
 * the background on, with the least summed colour error: a shortest path
 * over the candidate roundings of each level.  Falls back to plain
 * rounding if no such path exists.  The candidates live in a static
 * buffer (about 260 kB), not one allocated: the ramps are built once,
 * under pthread_once, and a failed allocation would have given the
 * process slightly different colours.
 */
static void
quantise(const struct lab *target, int n, float bg_l, uint8_t (*out)[3])
{
	static struct cand cands[255 * NCAND];
	struct cand *c = n <= 255 ? cands : NULL;
	struct { float cost; uint8_t back; } cheapest[NCAND];
	uint8_t order[NCAND];
	double decode[256];
	int best = -1;

	for (int v = 0; v < 256; v++)
		decode[v] = srgb_decode(v / 255.0);
	for (int i = 0; c != NULL && i < n; i++) {
		struct cand *now = c + (size_t)i * NCAND, *before;

		candidates(target[i], decode, now);
		if (i == 0) {
			for (int j = 0; j < NCAND; j++)
				if (!(now[j].l > bg_l))
					now[j].cost = INFINITY;
			continue;
		}
		before = now - NCAND;
		/* the level before by L*, with the cheapest at or below each */
		for (int k = 0; k < NCAND; k++)
			order[k] = (uint8_t)k;
		sort_by_l(before, order);
		for (int k = 0; k < NCAND; k++) {
			const struct cand *b = &before[order[k]];

			if (k == 0 || b->cost < cheapest[k - 1].cost) {
				cheapest[k].cost = b->cost;
				cheapest[k].back = order[k];
			} else {
				cheapest[k] = cheapest[k - 1];
			}
		}
		for (int j = 0; j < NCAND; j++) {
			int lo = 0, hi = NCAND;     /* count of candidates below */

			if (!now[j].ok)
				continue;
			while (lo < hi) {
				int mid = (lo + hi) / 2;

				if (before[order[mid]].l < now[j].l)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo == 0) {
				now[j].cost = INFINITY;
			} else {
				now[j].cost += cheapest[lo - 1].cost;
				now[j].back = cheapest[lo - 1].back;
			}
		}
	}
	if (c != NULL)
		for (int j = 0; j < NCAND; j++) {
			const struct cand *last = c + (size_t)(n - 1) * NCAND;

			if (last[j].ok && isfinite(last[j].cost) &&
			    (best < 0 || last[j].cost < last[best].cost))
				best = j;
		}
	if (best < 0) {
		for (int i = 0; i < n; i++)
			lab_to_srgb8(target[i], out[i]);
	} else {
		for (int i = n - 1; i >= 0; i--) {
			const struct cand *x = c + (size_t)i * NCAND + best;

			memcpy(out[i], x->rgb, 3);
			best = x->back;
		}
	}
}

static void
grey_ramp(const struct cmap_def *d, uint8_t ramp[256][3])
{
	double l0 = d->anchor[0].l, l1 = d->anchor[d->nanchors - 1].l;

	lab_to_srgb8(d->bg, ramp[0]);
	for (int i = 1; i < 256; i++) {
		double l = l0 + (l1 - l0) * (i - 1) / 254.0;
		uint8_t g = (uint8_t)lround(255.0 * srgb_encode(lab_finv((l + 16.0) / 116.0)));

		ramp[i][0] = ramp[i][1] = ramp[i][2] = g;
	}
}

static void
build_ramp(enum nu_cmap m, uint8_t ramp[256][3])
{
	const struct cmap_def *d = &maps[(unsigned)m < NU_NCMAPS ? m : NU_CMAP_GREY];
	double cum[ARC_SAMPLES + 1];
	struct lab p, q, target[255];
	int j = 0;

	if (m == NU_CMAP_GREY) {
		grey_ramp(d, ramp);
		return;
	}
	/* cumulative colour difference along the curve */
	cum[0] = 0;
	p = bezier(d, 0.0);
	for (int i = 1; i <= ARC_SAMPLES; i++) {
		q = bezier(d, (double)i / ARC_SAMPLES);
		cum[i] = cum[i - 1] + delta_e(p, q);
		p = q;
	}
	lab_to_srgb8(d->bg, ramp[0]);
	for (int i = 1; i < 256; i++) {
		double s = cum[ARC_SAMPLES] * (i - 1) / 254.0, u, seg;

		while (j < ARC_SAMPLES - 1 && cum[j + 1] < s)
			j++;
		seg = cum[j + 1] - cum[j];
		u = (j + (seg > 0 ? (s - cum[j]) / seg : 0.0)) / ARC_SAMPLES;
		target[i - 1] = bezier(d, u > 1.0 ? 1.0 : u);
	}
	quantise(target, 255,
	    (float)srgb8_to_lab((int[3]){ ramp[0][0], ramp[0][1], ramp[0][2] }).l,
	    ramp + 1);
}

/* The ramps, built once (about 2 ms each) for the life of the process. */
static uint8_t ramps[NU_NCMAPS][256][3];
static pthread_once_t ramps_once = PTHREAD_ONCE_INIT;

static void
build_ramps(void)
{
	for (int m = 0; m < NU_NCMAPS; m++)
		build_ramp((enum nu_cmap)m, ramps[m]);
}

void
nu_cmap_ramp(enum nu_cmap m, uint8_t ramp[256][3])
{
	pthread_once(&ramps_once, build_ramps);
	memcpy(ramp, ramps[(unsigned)m < NU_NCMAPS ? m : NU_CMAP_GREY], sizeof ramps[0]);
}

static const char *const stretch_names[NU_NSTRETCH] = { "linear", "sqrt", "log" };

const char *
nu_cmap_stretch_name(enum nu_cmap_stretch s)
{
	return (unsigned)s < NU_NSTRETCH ? stretch_names[s] : "unknown";
}

int
nu_cmap_stretch_from_name(const char *name)
{
	for (int s = 0; s < NU_NSTRETCH; s++)
		if (strcmp(name, stretch_names[s]) == 0)
			return s;
	return -1;
}

void
nu_cmap_lut(enum nu_cmap m, int vmax, enum nu_cmap_stretch stretch,
    uint8_t lut[256][3])
{
	uint8_t ramp[256][3];

	if (vmax < 1)
		vmax = 1;
	if (vmax > 255)
		vmax = 255;
	nu_cmap_ramp(m, ramp);
	memcpy(lut[0], ramp[0], 3);
	for (int v = 1; v < 256; v++) {
		double t;               /* 0 at value 1, 1 at vmax */
		int level;

		if (v >= vmax) {
			memcpy(lut[v], ramp[255], 3);
			continue;
		}
		switch (stretch) {
		case NU_STRETCH_SQRT:
			t = sqrt((double)(v - 1) / (vmax - 1));
			break;
		case NU_STRETCH_LOG:
			t = log((double)v) / log((double)vmax);
			break;
		default:
			t = (double)(v - 1) / (vmax - 1);
			break;
		}
		level = 1 + (int)lround(254.0 * t);
		memcpy(lut[v], ramp[level], 3);
	}
}

/* ---- the diverging map ------------------------------------------------- */

/* the ends of Moreland's cool-warm map */
static const double div_lo[3] = { 59, 76, 192 }, div_hi[3] = { 180, 4, 38 };

void
nu_cmap_diverging(uint8_t lut[256][3])
{
	for (int k = 0; k < 256; k++) {
		double t = (k - 127.5) / 127.5;

		for (int c = 0; c < 3; c++)
			lut[k][c] = (uint8_t)lround(t < 0 ? 255 + (div_lo[c] - 255) * -t :
			    255 + (div_hi[c] - 255) * t);
	}
}

void
nu_cmap_tint(const uint8_t base[3], double u, uint8_t out[3])
{
	const double *end = u < 0 ? div_lo : div_hi;
	double a = fabs(u);

	if (!(a <= 1.0))        /* above 1, or NaN */
		a = isnan(a) ? 0.0 : 1.0;
	for (int c = 0; c < 3; c++)
		out[c] = (uint8_t)lround(base[c] + (end[c] - base[c]) * a);
}
