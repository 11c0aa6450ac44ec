/*
 * plot.c: figures over cairo (see plot.h).
 *
 * A figure is a list of series, each a kind with a const table of functions
 * over its own data (extent, draw, legend entries).  Nothing is drawn until
 * nu_plot_save: the layout (axis ranges, ticks, margins measured from the
 * real text) is computed then, for the surface being written, and the same
 * drawing code serves PNG, SVG and PDF.
 *
 * The legend goes where it hides least: the data layer is drawn once more
 * into an 8-bit alpha mask, and the corner whose box covers the least ink
 * wins; when every corner covers some and the top of the y axis is
 * automatic, the axis is raised to make room and the layout redone.
 */
#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <zlib.h>

#include "colormap.h"
#include "plot.h"

#define FONT "sans-serif"
#define CAP_HEIGHT 0.73         /* capital height of DejaVu Sans, in ems */
#define MAX_TICKS 64
#define MAX_MINOR 640

/* Sizes at 800 x 600, scaled with the figure. */
#define SZ_TITLE 21.0
#define SZ_LABEL 18.0
#define SZ_TICK 15.0
#define SZ_LEGEND 15.0
#define SZ_CELL 17.0
#define LEN_MAJOR 10.0
#define LEN_MINOR 5.0
#define PAD 14.0

struct rgb {
	double r, g, b;
};

/*
 * The qualitative palette of series, chosen by hand: distinct hues at
 * similar weight, blue and orange first because they survive the common
 * colour-vision deficiencies as a pair and most figures have two series.
 */
static const struct rgb palette[NU_PLOT_NCOLORS] = {
	{ 0.122, 0.369, 0.725 },  /* blue */
	{ 0.890, 0.420, 0.090 },  /* orange */
	{ 0.173, 0.588, 0.255 },  /* green */
	{ 0.780, 0.169, 0.235 },  /* red */
	{ 0.490, 0.318, 0.706 },  /* violet */
	{ 0.090, 0.620, 0.690 },  /* teal */
	{ 0.800, 0.620, 0.063 },  /* ochre */
	{ 0.502, 0.353, 0.251 },  /* brown */
};

static struct rgb
color_of(int c)
{
	if (c == NU_PLOT_BLACK)
		return (struct rgb){ 0, 0, 0 };
	if (c == NU_PLOT_GREY || c < 1)
		return (struct rgb){ 0.5, 0.5, 0.5 };
	return palette[(c - 1) % NU_PLOT_NCOLORS];
}

/* c mixed with white: f = 0 keeps it, 1 gives white */
static struct rgb
lighten(struct rgb c, double f)
{
	return (struct rgb){ c.r + (1 - c.r) * f, c.g + (1 - c.g) * f,
	    c.b + (1 - c.b) * f };
}

static void
set_rgb(cairo_t *cr, struct rgb c)
{
	cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

/* ---- colour map ------------------------------------------------------------- */

/*
 * The heatmap colour map, designed in CIELAB.  Lightness L* rises linearly
 * with t from 18 to 93, so equal steps in value look like equal steps in
 * lightness and the map stays ordered in greyscale print.  The chroma
 * coordinates (a*, b*) follow a Catmull-Rom spline through five anchors,
 * turning the hue smoothly from dark indigo through blue, teal and green to
 * yellow:
 *
 *     t     0       0.25     0.5      0.75     1
 *     a*   +30      +6      -30      -46      -15
 *     b*   -50     -44       -8      +38      +80
 *
 * Every point was checked to lie inside the sRGB gamut (the clamp below is
 * a guard).  nu_lab_to_srgb (colormap.c) takes Lab to sRGB.
 */
static const double cmap_ab[5][2] = {
	{ 30, -50 }, { 6, -44 }, { -30, -8 }, { -46, 38 }, { -15, 80 },
};
#define CMAP_L0 18.0
#define CMAP_L1 93.0

static double
catmull_rom(double p0, double p1, double p2, double p3, double u)
{
	return 0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u * u +
	    (3 * p1 - p0 - 3 * p2 + p3) * u * u * u);
}

void
nu_plot_cmap(double t, double rgb[3])
{
	const int n = 5;
	double s, u, ab[2], L;
	int k;

	if (!(t > 0))
		t = 0;
	if (t > 1)
		t = 1;
	s = t * (n - 1);
	k = (int)s;
	if (k > n - 2)
		k = n - 2;
	u = s - k;
	for (int c = 0; c < 2; c++) {
		int i0 = k > 0 ? k - 1 : 0, i3 = k + 2 < n ? k + 2 : n - 1;

		ab[c] = catmull_rom(cmap_ab[i0][c], cmap_ab[k][c], cmap_ab[k + 1][c],
		    cmap_ab[i3][c], u);
	}
	L = CMAP_L0 + (CMAP_L1 - CMAP_L0) * t;
	nu_lab_to_srgb(L, ab[0], ab[1], rgb);
}

static struct rgb
cmap_rgb(double t)
{
	double c[3];

	nu_plot_cmap(t, c);
	return (struct rgb){ c[0], c[1], c[2] };
}

/* WCAG relative luminance of an sRGB colour. */
static double
luminance(struct rgb c)
{
	double v[3] = { c.r, c.g, c.b };

	for (int i = 0; i < 3; i++)
		v[i] = v[i] <= 0.04045 ? v[i] / 12.92 : pow((v[i] + 0.055) / 1.055, 2.4);
	return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}

/* ---- ticks ------------------------------------------------------------------ */

/* A linear tick step mant x 10^e, mant in {1, 2, 5}. */
struct step {
	int mant, e;
};

/* k steps, computed so that 3 x 0.2 prints as 0.6 and not 0.6000000000000001 */
static double
step_mul(struct step s, double k)
{
	return s.e >= 0 ? k * s.mant * pow(10, s.e) : k * s.mant / pow(10, -s.e);
}

static double
step_val(struct step s)
{
	return step_mul(s, 1);
}

static long
tick_first(double lo, double step)
{
	return (long)ceil(lo / step - 1e-9);
}

static long
tick_last(double hi, double step)
{
	return (long)floor(hi / step + 1e-9);
}

/* The smallest step of 1, 2 or 5 x 10^k with at most maxn ticks in [lo, hi]. */
static struct step
tick_step(double lo, double hi, int maxn)
{
	static const int mant[3] = { 1, 2, 5 };
	struct step s = { 1, 0 };
	int e0;

	if (maxn < 2)
		maxn = 2;
	if (!(hi - lo > 0) || !isfinite(hi - lo))
		return s;
	e0 = (int)floor(log10((hi - lo) / maxn)) - 1;
	for (int k = 0; k < 12; k++) {
		s.mant = mant[k % 3];
		s.e = e0 + k / 3;
		if (tick_last(hi, step_val(s)) - tick_first(lo, step_val(s)) + 1 <= maxn)
			break;
	}
	return s;
}

/* Major and minor ticks of an axis, and how to label them. */
struct ticks {
	int n, nminor;
	double v[MAX_TICKS];
	double minor[MAX_MINOR];
	int logfmt;         /* labels are decades: 0 plain numbers, 1 10^{k} */
	int decimals;       /* linear labels: digits after the point */
	int mult;           /* linear labels are divided by 10^mult (0: none) */
};

static void
ticks_linear(double lo, double hi, int maxn, struct ticks *t)
{
	struct step s = tick_step(lo, hi, maxn);
	double st = step_val(s), ms;
	long k0 = tick_first(lo, st), k1 = tick_last(hi, st);
	int sub = s.mant == 2 ? 4 : 5;
	double amax = 0;

	for (long k = k0; k <= k1 && t->n < MAX_TICKS; k++) {
		t->v[t->n++] = step_mul(s, (double)k);
		if (fabs(t->v[t->n - 1]) > amax)
			amax = fabs(t->v[t->n - 1]);
	}
	ms = st / sub;
	for (long k = tick_first(lo, ms); k <= tick_last(hi, ms) && t->nminor < MAX_MINOR; k++)
		if (k % sub != 0)
			t->minor[t->nminor++] = k * ms;
	t->decimals = s.e < 0 ? -s.e : 0;
	if (amax >= 1e5 || (amax > 0 && amax < 1e-3)) {
		t->mult = (int)floor(log10(amax) + 1e-9);
		t->decimals = t->mult - s.e > 0 ? t->mult - s.e : 0;
	}
}

static void
ticks_make(double lo, double hi, int logscale, int maxn, struct ticks *t)
{
	memset(t, 0, sizeof(*t));
	if (!(hi > lo) || !isfinite(hi - lo))
		return;
	if (logscale && lo > 0) {
		int d0 = (int)ceil(log10(lo) - 1e-9), d1 = (int)floor(log10(hi) + 1e-9);
		int nd = d1 - d0 + 1, every;

		if (nd == 2 && d0 >= -3 && d1 <= 4) {
			/* only two decades: label 1, 2 and 5 of each */
			for (int d = d0 - 1; d <= d1; d++)
				for (int m = 1; m <= 9; m++) {
					double v = m * pow(10, d);
					int major = m == 1 || m == 2 || m == 5;

					if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9))
						continue;
					if (major && t->n < MAX_TICKS)
						t->v[t->n++] = v;
					else if (!major && t->nminor < MAX_MINOR)
						t->minor[t->nminor++] = v;
				}
			t->decimals = -1;
			return;
		}
		if (nd >= 2) {
			every = (nd + maxn - 1) / (maxn > 0 ? maxn : 1);
			if (every < 1)
				every = 1;
			for (int d = d0; d <= d1 && t->n < MAX_TICKS; d++)
				if (((d % every) + every) % every == 0)
					t->v[t->n++] = pow(10, d);
			for (int d = d0 - 1; d <= d1 && t->nminor < MAX_MINOR; d++) {
				if (every > 1) {
					double v = pow(10, d);

					if (((d % every) + every) % every != 0 && v >= lo && v <= hi)
						t->minor[t->nminor++] = v;
					continue;
				}
				for (int m = 2; m <= 9 && t->nminor < MAX_MINOR; m++) {
					double v = m * pow(10, d);

					if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
						t->minor[t->nminor++] = v;
				}
			}
			t->logfmt = d0 >= -3 && d1 <= 4 ? 0 : 1;
			t->decimals = -1;
			return;
		}
	}
	ticks_linear(lo, hi, maxn, t);
}

size_t
nu_plot_ticks(double lo, double hi, int logscale, int maxn, double *out, size_t cap)
{
	struct ticks t;         /* about 6 kB: no allocation to fail */
	size_t n;

	if (logscale && !(lo > 0))
		return 0;
	ticks_make(lo, hi, logscale, maxn, &t);
	n = (size_t)t.n;
	for (size_t i = 0; i < n && i < cap; i++)
		out[i] = t.v[i];
	return n;
}

/* A number with a real minus sign (U+2212). */
static void
fmt_number(char *buf, size_t len, double v, int decimals)
{
	char tmp[48];

	if (fabs(v) < 0.5 * pow(10, -decimals))
		v = 0;          /* no "-0.0" */
	snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
	if (tmp[0] == '-')
		snprintf(buf, len, "\xe2\x88\x92%s", tmp + 1);
	else
		snprintf(buf, len, "%s", tmp);
}

/* The label of major tick value v (markup allowed). */
static void
tick_label(const struct ticks *t, double v, char *buf, size_t len)
{
	if (t->decimals < 0) {
		int d = (int)floor(log10(v) + 1e-9);

		if (t->logfmt)
			snprintf(buf, len, "10^{%s%d}", d < 0 ? "\xe2\x88\x92" : "", abs(d));
		else
			fmt_number(buf, len, v, d < 0 ? -d : 0);
		return;
	}
	fmt_number(buf, len, t->mult ? v / pow(10, t->mult) : v, t->decimals);
}

/* ---- text ------------------------------------------------------------------- */

/* Replace bytes that are not valid UTF-8 by '?', so that a Latin-1 label
 * cannot put cairo into an error state. */
static void
utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 :
		    (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		int ok = n >= 0;

		for (int i = 1; ok && i <= n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (!ok) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

static int
markup_at(const char *p)
{
	return (p[0] == '^' || p[0] == '_') && p[1] == '{' && strchr(p + 2, '}') != NULL;
}

/*
 * Walk s in runs of normal, superscript and subscript text, measuring each
 * and, when draw is set, showing it with the baseline at y from x.
 * Returns the advance width.
 */
/*
 * Running out of memory deep inside the drawing (a run of text that cannot
 * be copied) is marked on the context, through a flag render_to attaches
 * to it as cairo user data, so that the figure fails instead of being
 * written without that text.
 */
static const cairo_user_data_key_t nomem_key;

static void
mark_nomem(cairo_t *cr)
{
	int *nomem = cairo_get_user_data(cr, &nomem_key);

	if (nomem != NULL)
		*nomem = 1;
}

static double
rich_text(cairo_t *cr, const char *s, double size, double x, double y, int draw)
{
	const char *p = s;
	double adv = 0;

	if (s == NULL)
		return 0;
	while (*p != '\0') {
		const char *e;
		double sz = size, rise = 0;
		cairo_text_extents_t te;
		char *run;
		int script = markup_at(p);

		if (script) {
			sz = size * 0.7;
			rise = p[0] == '^' ? -0.42 * size : 0.2 * size;
			p += 2;
			e = strchr(p, '}');
		} else {
			for (e = p + 1; *e != '\0' && !markup_at(e); e++)
				;
		}
		if ((run = malloc((size_t)(e - p) + 1)) == NULL) {
			mark_nomem(cr);
			break;
		}
		memcpy(run, p, (size_t)(e - p));
		run[e - p] = '\0';
		utf8_sanitize(run);
		cairo_set_font_size(cr, sz);
		cairo_text_extents(cr, run, &te);
		if (draw) {
			cairo_move_to(cr, x + adv, y + rise);
			cairo_show_text(cr, run);
		}
		adv += te.x_advance;
		free(run);
		p = script ? e + 1 : e;
	}
	cairo_set_font_size(cr, size);
	return adv;
}

static double
text_width(cairo_t *cr, const char *s, double size)
{
	return rich_text(cr, s, size, 0, 0, 0);
}

/*
 * Draw s anchored at (x, y): ha 0 puts the left end there, 1 the right
 * end; va 0 the top of the capitals, 1 the baseline.  angle turns the
 * text counter-clockwise (radians) about the anchor.
 */
static void
text_at(cairo_t *cr, const char *s, double size, double x, double y,
    double ha, double va, double angle)
{
	double w;

	if (s == NULL || *s == '\0')
		return;
	w = text_width(cr, s, size);
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_rotate(cr, -angle);
	rich_text(cr, s, size, -ha * w, (1 - va) * CAP_HEIGHT * size, 1);
	cairo_restore(cr);
}

/* s without markup, for metadata (caller frees; NULL when out of memory). */
static char *
plain_text(const char *s)
{
	char *out = malloc(strlen(s) + 1), *w = out;

	if (out == NULL)
		return NULL;
	while (*s != '\0') {
		if (markup_at(s)) {
			const char *e = strchr(s + 2, '}');

			memcpy(w, s + 2, (size_t)(e - s - 2));
			w += e - s - 2;
			s = e + 1;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
	utf8_sanitize(out);
	return out;
}

/* ---- axes and frame ----------------------------------------------------------- */

struct axis {
	double lo, hi;      /* values at the two ends (lo > hi: reversed) */
	int log;
	size_t ncat;        /* categorical: names at 0 .. ncat - 1 */
	char *const *cat;   /* borrowed from the figure */
	struct ticks t;
};

/* Where the figure is drawn; everything a series needs to draw itself. */
struct frame {
	double w, h;            /* figure size */
	double s;               /* scale: 1 at 800 x 600 */
	double bx0, by0, bx1, by1; /* axes box, device units, y down */
	struct axis x, y, z;
	int has_z;
	int nbars;              /* bar series sharing each slot */
	double ytickw, xtickh;  /* room taken by the tick labels */
};

/* Position of v along axis a as a fraction, kept finite and near the box
 * for values that cannot be shown (clipping hides them). */
static double
axis_frac(const struct axis *a, double v)
{
	double f;

	if (a->log) {
		if (!(v > 0))
			return -50;
		f = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	} else {
		f = (v - a->lo) / (a->hi - a->lo);
	}
	if (!(f > -50))
		return -50;
	return f < 50 ? f : 50;
}

static double
px(const struct frame *f, double x)
{
	return f->bx0 + axis_frac(&f->x, x) * (f->bx1 - f->bx0);
}

static double
py(const struct frame *f, double y)
{
	return f->by1 - axis_frac(&f->y, y) * (f->by1 - f->by0);
}

static int
ok_x(const struct frame *f, double x)
{
	return isfinite(x) && (!f->x.log || x > 0);
}

static int
ok_y(const struct frame *f, double y)
{
	return isfinite(y) && (!f->y.log || y > 0);
}

/* ---- series ------------------------------------------------------------------ */

/* The range a series' data occupy. */
struct extent {
	double x0, x1, xpos;    /* finite range; smallest positive (log axes) */
	double y0, y1, ypos;
	double z0, z1, zpos;
	int xexact, yexact;     /* ranges from bin edges: do not round them */
	int yzero;              /* bars and histograms stand on y = 0 */
	int xpad, ypad;         /* markers: keep them off the frame */
	int has_z;
};

static void
ext_add(double v, double *lo, double *hi, double *pos)
{
	if (!isfinite(v))
		return;
	if (v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
	if (v > 0 && v < *pos)
		*pos = v;
}

static void ext_x(struct extent *e, double v) { ext_add(v, &e->x0, &e->x1, &e->xpos); }
static void ext_y(struct extent *e, double v) { ext_add(v, &e->y0, &e->y1, &e->ypos); }
static void ext_z(struct extent *e, double v) { ext_add(v, &e->z0, &e->z1, &e->zpos); }

struct series;

struct series_ops {
	const char *name;
	/* widen e by the data */
	void (*extent)(const struct series *s, struct extent *e);
	/* draw into the (clipped) axes box */
	void (*draw)(const struct series *s, const struct frame *f, cairo_t *cr);
	/* legend entries: how many (NULL: one when labelled), the label of
	 * entry i (NULL: the series label), its symbol in a box (NULL: none,
	 * the text starts at the left) */
	size_t (*nentries)(const struct series *s);
	const char *(*entry_label)(const struct series *s, size_t i);
	void (*swatch)(const struct series *s, size_t i, const struct frame *f,
	    cairo_t *cr, double x, double y, double w, double h);
};

/* What every series has; each kind follows with its own data. */
struct series {
	const struct series_ops *ops;
	char *label;
	struct nu_plot_style st;
	struct rgb color;
};

struct nu_plot {
	char *title, *xlabel, *ylabel, *zlabel;
	int width, height;
	double xlo, xhi, ylo, yhi, zlo, zhi;    /* NAN: automatic */
	int logx, logy, logz;
	enum nu_plot_legend legend;
	struct series **s;
	size_t ns, cap;
	int next_color;
	int nbars;
	int has_matrix;
	char **xcat, **ycat;                    /* categories, if any */
	size_t nxcat, nycat;
	enum nu_status err;                     /* first failure while building */
	char *errmsg;
};

/* Remember the first failure; returns st. */
static enum nu_status
plot_fail(struct nu_plot *p, enum nu_status st, const char *msg)
{
	if (p->err == NU_OK) {
		p->err = st;
		p->errmsg = strdup(msg);
	}
	return st;
}

static enum nu_status
plot_nomem(struct nu_plot *p)
{
	return plot_fail(p, NU_ERR_NOMEM, "out of memory building the figure");
}

/*
 * A new series of kind ops, size bytes in all (the base and the kind's own
 * data), holding a copy of label and appended to the figure.  Its colour is
 * the style's, else default_color when nonzero, else the next of the
 * palette.  NULL when out of memory.
 */
static void *
series_alloc(struct nu_plot *p, const struct series_ops *ops, size_t size,
    const char *label, const struct nu_plot_style *st, int default_color)
{
	struct series *s;

	if (p->ns == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct series **v = realloc(p->s, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		p->s = v;
		p->cap = cap;
	}
	if ((s = calloc(1, size)) == NULL)
		return NULL;
	if (label != NULL && (s->label = strdup(label)) == NULL) {
		free(s);
		return NULL;
	}
	s->ops = ops;
	if (st != NULL)
		s->st = *st;
	if (s->st.color == 0)
		s->st.color = default_color ? default_color : 1 + p->next_color++;
	s->color = color_of(s->st.color);
	p->s[p->ns++] = s;
	return s;
}

static double *
copy_doubles(double *dst, const double *src, size_t n)
{
	if (src == NULL)
		return NULL;
	memcpy(dst, src, n * sizeof(*dst));
	return dst;
}

static void
set_dash(cairo_t *cr, const struct frame *f, int dashed)
{
	double d[2] = { 7 * f->s, 4 * f->s };

	cairo_set_dash(cr, d, dashed ? 2 : 0, 0);
}

static void
dot(cairo_t *cr, double x, double y, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x, y, r, 0, 2 * M_PI);
	cairo_fill(cr);
}

/* A horizontal line sample, the swatch of lines and reference lines. */
static void
swatch_line(const struct series *s, size_t i, const struct frame *f, cairo_t *cr,
    double x, double y, double w, double h)
{
	(void)i;
	set_rgb(cr, s->color);
	cairo_set_line_width(cr, 2.2 * f->s);
	set_dash(cr, f, s->st.dashed);
	cairo_move_to(cr, x, y + h / 2);
	cairo_line_to(cr, x + w, y + h / 2);
	cairo_stroke(cr);
	set_dash(cr, f, 0);
	if (s->st.markers)
		dot(cr, x + w / 2, y + h / 2, 3.5 * f->s);
}

/* A filled box with a darker outline: histograms, stacks, bars. */
static void
swatch_box(cairo_t *cr, const struct frame *f, struct rgb fill, struct rgb line,
    int filled, double x, double y, double w, double h)
{
	double m = 0.15 * h;

	cairo_rectangle(cr, x + 0.15 * w, y + m, 0.7 * w, h - 2 * m);
	if (filled) {
		set_rgb(cr, fill);
		cairo_fill_preserve(cr);
	}
	set_rgb(cr, line);
	cairo_set_line_width(cr, (filled ? 1.2 : 2.0) * f->s);
	cairo_stroke(cr);
}

/* -- line -- */

struct s_line {
	struct series base;
	size_t n;
	double *x, *y;
	double d[];
};

static void
line_extent(const struct series *s, struct extent *e)
{
	const struct s_line *l = (const struct s_line *)s;

	for (size_t i = 0; i < l->n; i++)
		if (isfinite(l->x[i]) && isfinite(l->y[i])) {
			ext_x(e, l->x[i]);
			ext_y(e, l->y[i]);
		}
	if (s->st.markers)
		e->xpad = e->ypad = 1;
}

static void
line_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_line *l = (const struct s_line *)s;
	double lx = 0, ly = 0;
	int pen = 0;

	set_rgb(cr, s->color);
	cairo_set_line_width(cr, 2.2 * f->s);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	set_dash(cr, f, s->st.dashed);
	for (size_t i = 0; i < l->n; i++) {
		double x, y;

		if (!ok_x(f, l->x[i]) || !ok_y(f, l->y[i])) {
			pen = 0;
			continue;
		}
		x = px(f, l->x[i]);
		y = py(f, l->y[i]);
		if (!pen) {
			cairo_move_to(cr, x, y);
		} else if (fabs(x - lx) + fabs(y - ly) < 0.3 * f->s && i + 1 < l->n) {
			continue;   /* a ROC of a million points stays small */
		} else {
			cairo_line_to(cr, x, y);
		}
		lx = x;
		ly = y;
		pen = 1;
	}
	cairo_stroke(cr);
	set_dash(cr, f, 0);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	if (s->st.markers)
		for (size_t i = 0; i < l->n; i++)
			if (ok_x(f, l->x[i]) && ok_y(f, l->y[i]))
				dot(cr, px(f, l->x[i]), py(f, l->y[i]), 3.5 * f->s);
}

static const struct series_ops line_ops = {
	.name = "line",
	.extent = line_extent,
	.draw = line_draw,
	.swatch = swatch_line,
};

enum nu_status
nu_plot_line(struct nu_plot *p, const double *x, const double *y, size_t n,
    const char *label, const struct nu_plot_style *st)
{
	struct s_line *l;

	assert(p != NULL && (n == 0 || (x != NULL && y != NULL)));
	l = series_alloc(p, &line_ops, sizeof(*l) + 2 * n * sizeof(double), label, st, 0);
	if (l == NULL)
		return plot_nomem(p);
	l->n = n;
	l->x = copy_doubles(l->d, x, n);
	l->y = copy_doubles(l->d + n, y, n);
	return NU_OK;
}

/* -- points with error bars -- */

struct s_points {
	struct series base;
	size_t n;
	double *x, *y, *ylo, *yhi, *xhw;    /* the last three may be NULL */
	double d[];
};

static void
points_extent(const struct series *s, struct extent *e)
{
	const struct s_points *q = (const struct s_points *)s;

	for (size_t i = 0; i < q->n; i++) {
		double hw = q->xhw ? q->xhw[i] : 0;

		if (!isfinite(q->x[i]) || !isfinite(q->y[i]))
			continue;
		ext_x(e, q->x[i] - (isfinite(hw) ? hw : 0));
		ext_x(e, q->x[i] + (isfinite(hw) ? hw : 0));
		ext_y(e, q->y[i]);
		if (q->ylo)
			ext_y(e, q->ylo[i]);
		if (q->yhi)
			ext_y(e, q->yhi[i]);
	}
	if (q->xhw != NULL)
		e->xexact = 1;
	else
		e->xpad = 1;
	e->ypad = 1;
}

/* A vertical error bar from y0 to y1 with caps of half-width cap (0: none). */
static void
errbar_y(cairo_t *cr, double x, double y0, double y1, double cap)
{
	cairo_move_to(cr, x, y0);
	cairo_line_to(cr, x, y1);
	if (cap > 0) {
		cairo_move_to(cr, x - cap, y0);
		cairo_line_to(cr, x + cap, y0);
		cairo_move_to(cr, x - cap, y1);
		cairo_line_to(cr, x + cap, y1);
	}
}

static void
points_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_points *q = (const struct s_points *)s;
	double cap = 4.5 * f->s;

	set_rgb(cr, s->color);
	cairo_set_line_width(cr, 1.4 * f->s);
	for (size_t i = 0; i < q->n; i++) {
		double x, y, lo, hi;

		if (!ok_x(f, q->x[i]) || !ok_y(f, q->y[i]))
			continue;
		x = px(f, q->x[i]);
		y = py(f, q->y[i]);
		lo = q->ylo && ok_y(f, q->ylo[i]) ? py(f, q->ylo[i]) : y;
		hi = q->yhi && ok_y(f, q->yhi[i]) ? py(f, q->yhi[i]) : y;
		if (q->ylo && !ok_y(f, q->ylo[i]) && isfinite(q->ylo[i]))
			lo = f->by1 + 50;   /* the bar runs off a log axis */
		if (lo != hi)
			errbar_y(cr, x, lo, hi, cap);
		if (q->xhw && isfinite(q->xhw[i]) && q->xhw[i] > 0) {
			cairo_move_to(cr, px(f, q->x[i] - q->xhw[i]), y);
			cairo_line_to(cr, px(f, q->x[i] + q->xhw[i]), y);
		}
	}
	cairo_stroke(cr);
	for (size_t i = 0; i < q->n; i++)
		if (ok_x(f, q->x[i]) && ok_y(f, q->y[i]))
			dot(cr, px(f, q->x[i]), py(f, q->y[i]), 4 * f->s);
}

static void
points_swatch(const struct series *s, size_t i, const struct frame *f, cairo_t *cr,
    double x, double y, double w, double h)
{
	const struct s_points *q = (const struct s_points *)s;

	(void)i;
	set_rgb(cr, s->color);
	cairo_set_line_width(cr, 1.4 * f->s);
	if (q->ylo || q->yhi)
		errbar_y(cr, x + w / 2, y + 0.1 * h, y + 0.9 * h, 4.5 * f->s);
	if (q->xhw) {
		cairo_move_to(cr, x + 0.2 * w, y + h / 2);
		cairo_line_to(cr, x + 0.8 * w, y + h / 2);
	}
	cairo_stroke(cr);
	dot(cr, x + w / 2, y + h / 2, 4 * f->s);
}

static const struct series_ops points_ops = {
	.name = "points",
	.extent = points_extent,
	.draw = points_draw,
	.swatch = points_swatch,
};

enum nu_status
nu_plot_points(struct nu_plot *p, const double *x, const double *y, size_t n,
    const double *ylo, const double *yhi, const double *xhw, const char *label,
    const struct nu_plot_style *st)
{
	struct s_points *q;

	assert(p != NULL && (n == 0 || (x != NULL && y != NULL)));
	q = series_alloc(p, &points_ops, sizeof(*q) + 5 * n * sizeof(double), label, st, 0);
	if (q == NULL)
		return plot_nomem(p);
	q->n = n;
	q->x = copy_doubles(q->d, x, n);
	q->y = copy_doubles(q->d + n, y, n);
	q->ylo = copy_doubles(q->d + 2 * n, ylo, n);
	q->yhi = copy_doubles(q->d + 3 * n, yhi, n);
	q->xhw = copy_doubles(q->d + 4 * n, xhw, n);
	return NU_OK;
}

/* -- step histogram -- */

struct s_hist {
	struct series base;
	size_t nbins;
	double *edges, *counts;
	double d[];
};

/* Edges [n + 1] must increase strictly and be finite. */
static enum nu_status
check_edges(struct nu_plot *p, const double *edges, size_t n, const char *what)
{
	char msg[160];

	for (size_t i = 0; i <= n; i++) {
		if (!isfinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1]))) {
			snprintf(msg, sizeof msg, "%s: bin edge %zu (%g) %s", what, i, edges[i],
			    isfinite(edges[i]) ? "does not increase" : "is not finite");
			return plot_fail(p, NU_ERR_USAGE, msg);
		}
	}
	return NU_OK;
}

static double
finite_or_zero(double v)
{
	return isfinite(v) ? v : 0;
}

static void
hist_extent(const struct series *s, struct extent *e)
{
	const struct s_hist *hs = (const struct s_hist *)s;

	ext_x(e, hs->edges[0]);
	ext_x(e, hs->edges[hs->nbins]);
	for (size_t i = 0; i < hs->nbins; i++)
		ext_y(e, hs->counts[i]);
	e->xexact = e->yzero = 1;
}

/* The step outline of counts over edges, from and back to the baseline. */
static void
step_path(cairo_t *cr, const struct frame *f, const double *edges,
    const double *counts, size_t nbins)
{
	double base = f->y.log ? f->by1 + 50 : py(f, 0);

	cairo_move_to(cr, px(f, edges[0]), base);
	for (size_t i = 0; i < nbins; i++) {
		double c = finite_or_zero(counts[i]);
		double y = ok_y(f, c) ? py(f, c) : base;

		cairo_line_to(cr, px(f, edges[i]), y);
		cairo_line_to(cr, px(f, edges[i + 1]), y);
	}
	cairo_line_to(cr, px(f, edges[nbins]), base);
}

static void
hist_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_hist *hs = (const struct s_hist *)s;

	if (hs->nbins == 0)
		return;
	step_path(cr, f, hs->edges, hs->counts, hs->nbins);
	if (s->st.fill) {
		cairo_set_source_rgba(cr, s->color.r, s->color.g, s->color.b, 0.22);
		cairo_fill_preserve(cr);
	}
	set_rgb(cr, s->color);
	cairo_set_line_width(cr, 2.0 * f->s);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
	set_dash(cr, f, s->st.dashed);
	cairo_stroke(cr);
	set_dash(cr, f, 0);
}

static void
hist_swatch(const struct series *s, size_t i, const struct frame *f, cairo_t *cr,
    double x, double y, double w, double h)
{
	(void)i;
	swatch_box(cr, f, lighten(s->color, 0.78), s->color, s->st.fill, x, y, w, h);
}

static const struct series_ops hist_ops = {
	.name = "histogram",
	.extent = hist_extent,
	.draw = hist_draw,
	.swatch = hist_swatch,
};

enum nu_status
nu_plot_hist(struct nu_plot *p, const double *edges, const double *counts,
    size_t nbins, const char *label, const struct nu_plot_style *st)
{
	struct s_hist *hs;
	enum nu_status rc;

	assert(p != NULL && edges != NULL && (nbins == 0 || counts != NULL));
	if ((rc = check_edges(p, edges, nbins, label ? label : "histogram")) != NU_OK)
		return rc;
	hs = series_alloc(p, &hist_ops, sizeof(*hs) + (2 * nbins + 1) * sizeof(double),
	    label, st, 0);
	if (hs == NULL)
		return plot_nomem(p);
	hs->nbins = nbins;
	hs->edges = copy_doubles(hs->d, edges, nbins + 1);
	hs->counts = copy_doubles(hs->d + nbins + 1, counts, nbins);
	return NU_OK;
}

/* -- stacked histograms -- */

struct s_stack {
	struct series base;
	size_t nbins, nclass;
	char **labels;          /* [nclass], entries may be NULL */
	int *colors;            /* [nclass] palette indices */
	double *edges;          /* [nbins + 1] */
	double *top;            /* [nclass][nbins] cumulative tops */
	double d[];
};

static void
stack_extent(const struct series *s, struct extent *e)
{
	const struct s_stack *k = (const struct s_stack *)s;

	ext_x(e, k->edges[0]);
	ext_x(e, k->edges[k->nbins]);
	for (size_t i = 0; i < k->nclass * k->nbins; i++)
		ext_y(e, k->top[i]);
	e->xexact = e->yzero = 1;
}

static void
stack_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_stack *k = (const struct s_stack *)s;
	double base = f->y.log ? f->by1 + 50 : py(f, 0);

	if (k->nbins == 0)
		return;
	/* the fills first, then every outline over them */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t c = 0; c < k->nclass; c++) {
			const double *top = k->top + c * k->nbins;
			const double *below = c > 0 ? top - k->nbins : NULL;
			struct rgb col = color_of(k->colors[c]);

			step_path(cr, f, k->edges, top, k->nbins);
			if (pass == 0) {
				/* close along the top of the class below */
				for (size_t i = k->nbins; i-- > 0;) {
					double b = below ? below[i] : 0;
					double y = ok_y(f, b) ? py(f, b) : base;

					cairo_line_to(cr, px(f, k->edges[i + 1]), y);
					cairo_line_to(cr, px(f, k->edges[i]), y);
				}
				cairo_close_path(cr);
				set_rgb(cr, lighten(col, 0.3));
				cairo_fill(cr);
			} else {
				set_rgb(cr, col);
				cairo_set_line_width(cr, 1.3 * f->s);
				cairo_stroke(cr);
			}
		}
	}
}

static size_t
stack_nentries(const struct series *s)
{
	const struct s_stack *k = (const struct s_stack *)s;
	size_t n = 0;

	for (size_t c = 0; c < k->nclass; c++)
		n += k->labels[c] != NULL;
	return n;
}

/* Labelled class behind legend entry i: the top class first. */
static size_t
stack_class(const struct s_stack *k, size_t i)
{
	for (size_t c = k->nclass; c-- > 0;)
		if (k->labels[c] != NULL && i-- == 0)
			return c;
	return 0;
}

static const char *
stack_label(const struct series *s, size_t i)
{
	const struct s_stack *k = (const struct s_stack *)s;

	return k->labels[stack_class(k, i)];
}

static void
stack_swatch(const struct series *s, size_t i, const struct frame *f, cairo_t *cr,
    double x, double y, double w, double h)
{
	const struct s_stack *k = (const struct s_stack *)s;
	struct rgb col = color_of(k->colors[stack_class(k, i)]);

	swatch_box(cr, f, lighten(col, 0.3), col, 1, x, y, w, h);
}

static const struct series_ops stack_ops = {
	.name = "stack",
	.extent = stack_extent,
	.draw = stack_draw,
	.nentries = stack_nentries,
	.entry_label = stack_label,
	.swatch = stack_swatch,
};

enum nu_status
nu_plot_stack(struct nu_plot *p, const double *edges, const double *counts,
    size_t nbins, size_t nclass, const char *const *labels)
{
	struct s_stack *k;
	size_t size;
	enum nu_status rc;

	assert(p != NULL && edges != NULL && (nbins * nclass == 0 || counts != NULL));
	if ((rc = check_edges(p, edges, nbins, "stacked histogram")) != NU_OK)
		return rc;
	size = sizeof(*k) + (nbins + 1 + nclass * nbins) * sizeof(double);
	k = series_alloc(p, &stack_ops, size, NULL, NULL, 1);
	if (k == NULL)
		return plot_nomem(p);
	/* the stack's own labels and colours; the base label stays NULL */
	k->labels = calloc(nclass ? nclass : 1, sizeof(*k->labels));
	k->colors = calloc(nclass ? nclass : 1, sizeof(*k->colors));
	if (k->labels == NULL || k->colors == NULL)
		return plot_nomem(p);
	k->nbins = nbins;
	k->nclass = nclass;
	k->edges = copy_doubles(k->d, edges, nbins + 1);
	k->top = k->d + nbins + 1;
	for (size_t c = 0; c < nclass; c++) {
		k->colors[c] = 1 + p->next_color++;
		if (labels != NULL && labels[c] != NULL &&
		    (k->labels[c] = strdup(labels[c])) == NULL)
			return plot_nomem(p);
		for (size_t i = 0; i < nbins; i++)
			k->top[c * nbins + i] = finite_or_zero(counts[c * nbins + i]) +
			    (c > 0 ? k->top[(c - 1) * nbins + i] : 0);
	}
	return NU_OK;
}

/* -- bars over categories -- */

struct s_bars {
	struct series base;
	size_t n;
	int index;              /* among the figure's bar series */
	double *v, *lo, *hi;
	double d[];
};

static void
bars_extent(const struct series *s, struct extent *e)
{
	const struct s_bars *b = (const struct s_bars *)s;

	for (size_t i = 0; i < b->n; i++) {
		ext_y(e, b->v[i]);
		if (b->lo)
			ext_y(e, b->lo[i]);
		if (b->hi)
			ext_y(e, b->hi[i]);
	}
	e->yzero = 1;
}

/* Left and right of bar i of series b: the slot keeps 80 % for bars. */
static void
bar_span(const struct s_bars *b, const struct frame *f, size_t i, double *x0, double *x1)
{
	double slot = 0.8 / (f->nbars > 0 ? f->nbars : 1);
	double left = (double)i - 0.4 + b->index * slot;

	*x0 = px(f, left + 0.04 * slot);
	*x1 = px(f, left + 0.96 * slot);
}

static void
bars_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_bars *b = (const struct s_bars *)s;
	double base = f->y.log ? f->by1 + 50 : py(f, 0);

	for (size_t i = 0; i < b->n; i++) {
		double x0, x1, y;

		if (!isfinite(b->v[i]))
			continue;
		bar_span(b, f, i, &x0, &x1);
		y = ok_y(f, b->v[i]) ? py(f, b->v[i]) : base;
		cairo_rectangle(cr, x0, y, x1 - x0, base - y);
		set_rgb(cr, lighten(s->color, 0.25));
		cairo_fill_preserve(cr);
		set_rgb(cr, s->color);
		cairo_set_line_width(cr, 1.2 * f->s);
		cairo_stroke(cr);
	}
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	cairo_set_line_width(cr, 1.4 * f->s);
	for (size_t i = 0; i < b->n; i++) {
		double x0, x1, lo, hi;

		if (!isfinite(b->v[i]) || (b->lo == NULL && b->hi == NULL))
			continue;
		bar_span(b, f, i, &x0, &x1);
		lo = b->lo && ok_y(f, b->lo[i]) ? py(f, b->lo[i]) : py(f, b->v[i]);
		hi = b->hi && ok_y(f, b->hi[i]) ? py(f, b->hi[i]) : py(f, b->v[i]);
		errbar_y(cr, (x0 + x1) / 2, lo, hi, fmin(5 * f->s, (x1 - x0) / 4));
	}
	cairo_stroke(cr);
}

static void
bars_swatch(const struct series *s, size_t i, const struct frame *f, cairo_t *cr,
    double x, double y, double w, double h)
{
	(void)i;
	swatch_box(cr, f, lighten(s->color, 0.25), s->color, 1, x, y, w, h);
}

static const struct series_ops bars_ops = {
	.name = "bars",
	.extent = bars_extent,
	.draw = bars_draw,
	.swatch = bars_swatch,
};

static void
free_strings(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A copy of n names (NULL entries become ""); NULL when out of memory. */
static char **
copy_strings(const char *const *names, size_t n)
{
	char **v = calloc(n ? n : 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if ((v[i] = strdup(names && names[i] ? names[i] : "")) == NULL) {
			free_strings(v, i);
			return NULL;
		}
	}
	return v;
}

enum nu_status
nu_plot_bars(struct nu_plot *p, const char *const *names, const double *values,
    const double *lo, const double *hi, size_t n, const char *label,
    const struct nu_plot_style *st)
{
	struct s_bars *b;

	assert(p != NULL && (n == 0 || values != NULL));
	if (p->has_matrix)
		return plot_fail(p, NU_ERR_USAGE, "bars cannot share a figure with a matrix");
	if (p->xcat == NULL) {
		if ((p->xcat = copy_strings(names, n)) == NULL)
			return plot_nomem(p);
		p->nxcat = n;
	} else if (n != p->nxcat) {
		char msg[160];

		snprintf(msg, sizeof msg, "bars \"%s\": %zu categories, the figure has %zu",
		    label ? label : "", n, p->nxcat);
		return plot_fail(p, NU_ERR_USAGE, msg);
	}
	b = series_alloc(p, &bars_ops, sizeof(*b) + 3 * n * sizeof(double), label, st, 0);
	if (b == NULL)
		return plot_nomem(p);
	b->n = n;
	b->index = p->nbars++;
	b->v = copy_doubles(b->d, values, n);
	b->lo = copy_doubles(b->d + n, lo, n);
	b->hi = copy_doubles(b->d + 2 * n, hi, n);
	return NU_OK;
}

/* -- vertical marker -- */

struct s_vline {
	struct series base;
	double x;
};

static void
vline_extent(const struct series *s, struct extent *e)
{
	ext_x(e, ((const struct s_vline *)s)->x);
}

static void
vline_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_vline *v = (const struct s_vline *)s;
	double x, size = SZ_LEGEND * f->s, w, tx, ty = f->by0 + 16 * f->s;
	double m = 3 * f->s;

	if (!ok_x(f, v->x))
		return;
	x = px(f, v->x);
	set_rgb(cr, s->color);
	cairo_set_line_width(cr, 2.0 * f->s);
	set_dash(cr, f, s->st.dashed);
	cairo_move_to(cr, x, f->by0);
	cairo_line_to(cr, x, f->by1);
	cairo_stroke(cr);
	set_dash(cr, f, 0);
	if (s->label == NULL)
		return;
	/* the label beside the line near the top, on the side with room */
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	w = text_width(cr, s->label, size);
	tx = x + 7 * f->s;
	if (tx + w > f->bx1 - 6 * f->s)
		tx = x - 7 * f->s - w;
	cairo_rectangle(cr, tx - m, ty - m, w + 2 * m, CAP_HEIGHT * size + 2 * m + 0.22 * size);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_fill(cr);
	set_rgb(cr, s->color);
	text_at(cr, s->label, size, tx, ty, 0, 0, 0);
}

static size_t
no_entries(const struct series *s)
{
	(void)s;
	return 0;
}

static const struct series_ops vline_ops = {
	.name = "marker",
	.extent = vline_extent,
	.draw = vline_draw,
	.nentries = no_entries,
};

enum nu_status
nu_plot_vline(struct nu_plot *p, double x, const char *label,
    const struct nu_plot_style *st)
{
	struct s_vline *v;

	assert(p != NULL);
	v = series_alloc(p, &vline_ops, sizeof(*v), label, st, NU_PLOT_BLACK);
	if (v == NULL)
		return plot_nomem(p);
	v->x = x;
	return NU_OK;
}

/* -- reference line y = a x + b -- */

struct s_ref {
	struct series base;
	double slope, intercept;
};

static void
ref_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_ref *r = (const struct s_ref *)s;
	const int n = 256;
	int pen = 0;

	set_rgb(cr, s->color);
	cairo_set_line_width(cr, 1.6 * f->s);
	set_dash(cr, f, s->st.dashed);
	/* sampled evenly across the box, so that it bends right on a
	 * log-linear figure */
	for (int i = 0; i <= n; i++) {
		double fr = (double)i / n, x, y;

		x = f->x.log ? f->x.lo * pow(f->x.hi / f->x.lo, fr) :
		    f->x.lo + (f->x.hi - f->x.lo) * fr;
		y = r->slope * x + r->intercept;
		if (!ok_y(f, y)) {
			pen = 0;
			continue;
		}
		if (pen)
			cairo_line_to(cr, px(f, x), py(f, y));
		else
			cairo_move_to(cr, px(f, x), py(f, y));
		pen = 1;
	}
	cairo_stroke(cr);
	set_dash(cr, f, 0);
}

static const struct series_ops ref_ops = {
	.name = "reference line",
	.draw = ref_draw,
	.swatch = swatch_line,
};

enum nu_status
nu_plot_refline(struct nu_plot *p, double slope, double intercept, const char *label,
    const struct nu_plot_style *st)
{
	struct s_ref *r;

	assert(p != NULL);
	r = series_alloc(p, &ref_ops, sizeof(*r), label, st, NU_PLOT_GREY);
	if (r == NULL)
		return plot_nomem(p);
	r->slope = slope;
	r->intercept = intercept;
	return NU_OK;
}

/* -- notes in the legend and free text -- */

static const struct series_ops note_ops = {
	.name = "note",
};

enum nu_status
nu_plot_note(struct nu_plot *p, const char *text)
{
	assert(p != NULL && text != NULL);
	if (series_alloc(p, &note_ops, sizeof(struct series), text, NULL, NU_PLOT_BLACK) == NULL)
		return plot_nomem(p);
	return NU_OK;
}

struct s_text {
	struct series base;
	double fx, fy;
};

static void
text_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_text *t = (const struct s_text *)s;
	double ha = t->fx < 0.49 ? 0 : t->fx > 0.51 ? 1 : 0.5;
	double va = t->fy > 0.51 ? 0 : t->fy < 0.49 ? 1 : 0.5;

	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	set_rgb(cr, s->color);
	text_at(cr, s->label, SZ_LEGEND * f->s, f->bx0 + t->fx * (f->bx1 - f->bx0),
	    f->by1 - t->fy * (f->by1 - f->by0), ha, va, 0);
}

static const struct series_ops text_ops = {
	.name = "text",
	.draw = text_draw,
	.nentries = no_entries,
};

enum nu_status
nu_plot_text(struct nu_plot *p, double fx, double fy, const char *text)
{
	struct s_text *t;

	assert(p != NULL && text != NULL);
	t = series_alloc(p, &text_ops, sizeof(*t), text, NULL, NU_PLOT_BLACK);
	if (t == NULL)
		return plot_nomem(p);
	t->fx = fx;
	t->fy = fy;
	return NU_OK;
}

/* -- colour-mapped series: matrix and 2-D histogram -- */

/* Where v falls on the colour bar, in [0, 1]; NAN when it has no colour. */
static double
z_frac(const struct frame *f, double v)
{
	if (!isfinite(v) || (f->z.log && !(v > 0)))
		return NAN;
	if (f->z.log)
		return (log10(v) - log10(f->z.lo)) / (log10(f->z.hi) - log10(f->z.lo));
	return (v - f->z.lo) / (f->z.hi - f->z.lo);
}

struct s_matrix {
	struct series base;
	size_t nr, nc;
	char *fmt;
	double d[];             /* [nr][nc] */
};

static void
matrix_extent(const struct series *s, struct extent *e)
{
	const struct s_matrix *m = (const struct s_matrix *)s;

	for (size_t i = 0; i < m->nr * m->nc; i++)
		ext_z(e, m->d[i]);
	e->has_z = 1;
}

static void
cell_text(const struct s_matrix *m, double v, char *buf, size_t len)
{
	/* fmt was checked to hold exactly one double conversion */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, len, m->fmt, v);
#pragma GCC diagnostic pop
	utf8_sanitize(buf);
}

static void
matrix_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_matrix *m = (const struct s_matrix *)s;
	double cw = (f->bx1 - f->bx0) / (double)m->nc, ch = (f->by1 - f->by0) / (double)m->nr;
	double size = SZ_CELL * f->s, widest = 0;
	char buf[128];

	/* one text size for every cell: the largest that fits them all */
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	for (size_t i = 0; i < m->nr * m->nc; i++) {
		cell_text(m, m->d[i], buf, sizeof buf);
		widest = fmax(widest, isfinite(m->d[i]) ? text_width(cr, buf, size) : 0);
	}
	if (widest > 0.8 * cw)
		size *= 0.8 * cw / widest;
	if (size > 0.4 * ch)
		size = 0.4 * ch;
	for (size_t r = 0; r < m->nr; r++) {
		for (size_t c = 0; c < m->nc; c++) {
			double v = m->d[r * m->nc + c], t = z_frac(f, v);
			double x = f->bx0 + c * cw, y = f->by0 + r * ch;
			struct rgb bg = isnan(t) ? (struct rgb){ 0.88, 0.88, 0.88 } :
			    cmap_rgb(t);
			/* black or white, whichever contrasts more (WCAG ratio) */
			double lum = luminance(bg);
			int dark = (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05);

			set_rgb(cr, bg);
			cairo_rectangle(cr, x, y, cw, ch);
			cairo_fill(cr);
			if (isnan(t) && isfinite(v))
				cell_text(m, v, buf, sizeof buf);   /* off a log scale */
			else if (isnan(t))
				snprintf(buf, sizeof buf, "\xe2\x80\x93");
			else
				cell_text(m, v, buf, sizeof buf);
			cairo_set_source_rgb(cr, dark ? 0 : 1, dark ? 0 : 1, dark ? 0 : 1);
			text_at(cr, buf, size, x + cw / 2, y + ch / 2, 0.5, 0.5, 0);
		}
	}
	/* thin white rules between cells */
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_set_line_width(cr, 1.5 * f->s);
	for (size_t c = 1; c < m->nc; c++) {
		cairo_move_to(cr, f->bx0 + c * cw, f->by0);
		cairo_line_to(cr, f->bx0 + c * cw, f->by1);
	}
	for (size_t r = 1; r < m->nr; r++) {
		cairo_move_to(cr, f->bx0, f->by0 + r * ch);
		cairo_line_to(cr, f->bx1, f->by0 + r * ch);
	}
	cairo_stroke(cr);
}

static const struct series_ops matrix_ops = {
	.name = "matrix",
	.extent = matrix_extent,
	.draw = matrix_draw,
	.nentries = no_entries,
};

/* fmt holds exactly one conversion of a double (%f %e %g %a, with flags,
 * width and precision) besides any "%%". */
static int
valid_cell_format(const char *fmt)
{
	int conv = 0;

	if (strlen(fmt) > 32)
		return 0;
	for (const char *f = fmt; *f != '\0'; f++) {
		if (*f != '%')
			continue;
		if (*++f == '%')
			continue;
		while (*f != '\0' && strchr("-+ #0", *f) != NULL)
			f++;
		while (isdigit((unsigned char)*f))
			f++;
		if (*f == '.')
			for (f++; isdigit((unsigned char)*f);)
				f++;
		if (*f == '\0' || strchr("fFeEgGaA", *f) == NULL)
			return 0;
		conv++;
	}
	return conv == 1;
}

enum nu_status
nu_plot_matrix(struct nu_plot *p, const double *values, size_t nrows, size_t ncols,
    const char *const *rownames, const char *const *colnames, const char *fmt)
{
	struct s_matrix *m;
	char msg[160];

	assert(p != NULL && values != NULL && fmt != NULL);
	if (nrows == 0 || ncols == 0)
		return plot_fail(p, NU_ERR_USAGE, "matrix: no rows or no columns");
	if (!valid_cell_format(fmt)) {
		snprintf(msg, sizeof msg,
		    "matrix: cell format \"%.40s\" is not one conversion of a number", fmt);
		return plot_fail(p, NU_ERR_USAGE, msg);
	}
	if (p->xcat != NULL || p->has_matrix)
		return plot_fail(p, NU_ERR_USAGE, "matrix: the figure already has categories");
	m = series_alloc(p, &matrix_ops, sizeof(*m) + nrows * ncols * sizeof(double),
	    NULL, NULL, NU_PLOT_BLACK);
	if (m == NULL || (m->fmt = strdup(fmt)) == NULL)
		return plot_nomem(p);
	m->nr = nrows;
	m->nc = ncols;
	memcpy(m->d, values, nrows * ncols * sizeof(double));
	p->has_matrix = 1;
	if ((p->xcat = copy_strings(colnames, ncols)) == NULL)
		return plot_nomem(p);
	p->nxcat = ncols;
	if ((p->ycat = copy_strings(rownames, nrows)) == NULL)
		return plot_nomem(p);
	p->nycat = nrows;
	return NU_OK;
}

struct s_hist2d {
	struct series base;
	size_t nx, ny;
	double *xe, *ye, *c;
	double d[];
};

static void
hist2d_extent(const struct series *s, struct extent *e)
{
	const struct s_hist2d *h = (const struct s_hist2d *)s;

	ext_x(e, h->xe[0]);
	ext_x(e, h->xe[h->nx]);
	ext_y(e, h->ye[0]);
	ext_y(e, h->ye[h->ny]);
	for (size_t i = 0; i < h->nx * h->ny; i++)
		if (h->c[i] != 0)
			ext_z(e, h->c[i]);
	e->xexact = e->yexact = e->has_z = 1;
}

static void
hist2d_draw(const struct series *s, const struct frame *f, cairo_t *cr)
{
	const struct s_hist2d *h = (const struct s_hist2d *)s;

	cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);  /* no seams between bins */
	for (size_t iy = 0; iy < h->ny; iy++) {
		double y0 = py(f, h->ye[iy]), y1 = py(f, h->ye[iy + 1]);

		for (size_t ix = 0; ix < h->nx; ix++) {
			double v = h->c[iy * h->nx + ix], t = z_frac(f, v), x0, x1;

			if (v == 0 || isnan(t))
				continue;
			x0 = px(f, h->xe[ix]);
			x1 = px(f, h->xe[ix + 1]);
			set_rgb(cr, cmap_rgb(t));
			cairo_rectangle(cr, x0, y1, x1 - x0, y0 - y1);
			cairo_fill(cr);
		}
	}
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
}

static const struct series_ops hist2d_ops = {
	.name = "2-D histogram",
	.extent = hist2d_extent,
	.draw = hist2d_draw,
	.nentries = no_entries,
};

enum nu_status
nu_plot_hist2d(struct nu_plot *p, const double *xedges, size_t nx,
    const double *yedges, size_t ny, const double *counts)
{
	struct s_hist2d *h;
	enum nu_status rc;

	assert(p != NULL && xedges != NULL && yedges != NULL && counts != NULL);
	if (nx == 0 || ny == 0)
		return plot_fail(p, NU_ERR_USAGE, "2-D histogram: no bins");
	if ((rc = check_edges(p, xedges, nx, "2-D histogram x")) != NU_OK ||
	    (rc = check_edges(p, yedges, ny, "2-D histogram y")) != NU_OK)
		return rc;
	h = series_alloc(p, &hist2d_ops,
	    sizeof(*h) + (nx + 1 + ny + 1 + nx * ny) * sizeof(double), NULL, NULL,
	    NU_PLOT_BLACK);
	if (h == NULL)
		return plot_nomem(p);
	h->nx = nx;
	h->ny = ny;
	h->xe = copy_doubles(h->d, xedges, nx + 1);
	h->ye = copy_doubles(h->d + nx + 1, yedges, ny + 1);
	h->c = copy_doubles(h->d + nx + ny + 2, counts, nx * ny);
	return NU_OK;
}

/* ---- the figure --------------------------------------------------------------- */

static int
dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	return src == NULL || (*dst = strdup(src)) != NULL;
}

struct nu_plot *
nu_plot_new(const char *title, const char *xlabel, const char *ylabel)
{
	struct nu_plot *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->width = 800;
	p->height = 600;
	p->xlo = p->xhi = p->ylo = p->yhi = p->zlo = p->zhi = NAN;
	if (!dup_opt(&p->title, title) || !dup_opt(&p->xlabel, xlabel) ||
	    !dup_opt(&p->ylabel, ylabel)) {
		nu_plot_free(p);
		return NULL;
	}
	return p;
}

void
nu_plot_free(struct nu_plot *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ns; i++) {
		struct series *s = p->s[i];

		if (s->ops == &stack_ops) {
			struct s_stack *k = (struct s_stack *)s;

			free_strings(k->labels, k->nclass);
			free(k->colors);
		} else if (s->ops == &matrix_ops) {
			free(((struct s_matrix *)s)->fmt);
		}
		free(s->label);
		free(s);
	}
	free(p->s);
	free_strings(p->xcat, p->nxcat);
	free_strings(p->ycat, p->nycat);
	free(p->title);
	free(p->xlabel);
	free(p->ylabel);
	free(p->zlabel);
	free(p->errmsg);
	free(p);
}

enum nu_status
nu_plot_set_size(struct nu_plot *p, int width, int height)
{
	char msg[96];

	if (width < 100 || width > 10000 || height < 100 || height > 10000) {
		snprintf(msg, sizeof msg, "figure size %d x %d is outside 100..10000", width,
		    height);
		return plot_fail(p, NU_ERR_USAGE, msg);
	}
	p->width = width;
	p->height = height;
	return NU_OK;
}

void
nu_plot_set_xlim(struct nu_plot *p, double lo, double hi)
{
	p->xlo = lo;
	p->xhi = hi;
}

void
nu_plot_set_ylim(struct nu_plot *p, double lo, double hi)
{
	p->ylo = lo;
	p->yhi = hi;
}

void
nu_plot_set_zlim(struct nu_plot *p, double lo, double hi)
{
	p->zlo = lo;
	p->zhi = hi;
}

void nu_plot_set_logx(struct nu_plot *p, int on) { p->logx = on != 0; }
void nu_plot_set_logy(struct nu_plot *p, int on) { p->logy = on != 0; }
void nu_plot_set_logz(struct nu_plot *p, int on) { p->logz = on != 0; }
void nu_plot_set_legend(struct nu_plot *p, enum nu_plot_legend w) { p->legend = w; }

enum nu_status
nu_plot_set_zlabel(struct nu_plot *p, const char *label)
{
	char *s = NULL;

	if (label != NULL && (s = strdup(label)) == NULL)
		return plot_nomem(p);
	free(p->zlabel);
	p->zlabel = s;
	return NU_OK;
}

/* ---- layout ------------------------------------------------------------------- */

/* Limits the caller gave that cannot be drawn. */
static const char *
check_limits(double lo, double hi, int logscale, const char *name, char *buf, size_t len)
{
	if (isfinite(lo) && isfinite(hi) && !(hi > lo)) {
		snprintf(buf, len, "%s limits %g..%g are empty", name, lo, hi);
		return buf;
	}
	if (logscale && ((isfinite(lo) && !(lo > 0)) || (isfinite(hi) && !(hi > 0)))) {
		snprintf(buf, len, "%s axis is logarithmic but a limit is not positive", name);
		return buf;
	}
	return NULL;
}

/* v rounded out to a multiple of step, dir -1 down, +1 up */
static double
round_to(double v, double step, int dir)
{
	return dir < 0 ? floor(v / step + 1e-9) * step : ceil(v / step - 1e-9) * step;
}

/*
 * The ends of a numeric axis: explicit limits where given; otherwise the data
 * range [d0, d1] (dpos: smallest positive datum, for log axes), widened by
 * 3 % each side when pad (markers), the top raised so that the data fill
 * 1 - headroom of the axis, rounded out to a
 * major tick when that wastes little space and to a minor tick otherwise,
 * unless the range comes from bin edges (exact).
 */
static void
axis_auto(struct axis *a, double cfg_lo, double cfg_hi, int logscale, double d0,
    double d1, double dpos, int exact, int zero, int pad, double headroom, int maxn)
{
	a->log = logscale;
	if (logscale) {
		double l0, l1;

		if (!(dpos < INFINITY)) {       /* nothing positive to show */
			dpos = isfinite(cfg_lo) ? cfg_lo : 1;
			d1 = dpos * 10;
		}
		l0 = log10(isfinite(cfg_lo) ? cfg_lo : exact && d0 > 0 ? d0 : dpos);
		l1 = log10(d1 > dpos ? d1 : dpos);
		if (l1 - l0 < 1e-6)
			l1 = l0 + 1;
		if (pad) {
			double m = 0.03 * (l1 - l0);

			l0 -= isfinite(cfg_lo) ? 0 : m;
			l1 += m;
		}
		l1 = l0 + (l1 - l0) / (1 - headroom);
		if (!exact) {
			l0 = floor(l0 + 1e-9);
			l1 = ceil(l1 - 1e-9);
		}
		a->lo = isfinite(cfg_lo) ? cfg_lo : pow(10, l0);
		a->hi = isfinite(cfg_hi) ? cfg_hi : pow(10, l1);
	} else {
		if (zero && d0 <= d1) {
			d0 = fmin(d0, 0);
			d1 = fmax(d1, 0);
		}
		if (isfinite(cfg_lo))
			d0 = cfg_lo;
		if (isfinite(cfg_hi))
			d1 = cfg_hi;
		if (!(d0 <= d1)) {
			d0 = 0;
			d1 = 1;
		}
		if (d1 - d0 <= 1e-12 * fmax(fabs(d0), fabs(d1))) {
			double m = d0 != 0 ? fabs(d0) * 0.1 : 0.5;

			d0 -= m;
			d1 += m;
		}
		if (pad) {
			double m = 0.03 * (d1 - d0);

			if (!isfinite(cfg_lo) && !(zero && d0 == 0))
				d0 -= m;
			if (!isfinite(cfg_hi))
				d1 += m;
		}
		if (!isfinite(cfg_hi))
			d1 = d0 + (d1 - d0) / (1 - headroom);
		if (!exact) {
			struct step s = tick_step(d0, d1, maxn);
			double st = step_val(s), sm = st / (s.mant == 2 ? 4 : 5);
			double r0 = round_to(d0, st, -1), r1 = round_to(d1, st, 1);

			if (d1 - d0 < 0.85 * (r1 - r0)) {
				r0 = round_to(d0, sm, -1);
				r1 = round_to(d1, sm, 1);
			}
			if (!(zero && d0 == 0))
				d0 = r0;
			d1 = r1;
		}
		a->lo = isfinite(cfg_lo) ? cfg_lo : d0;
		a->hi = isfinite(cfg_hi) ? cfg_hi : d1;
	}
	if (!(a->hi > a->lo))
		a->hi = a->log ? a->lo * 10 : a->lo + 1;
}

struct legend_entry {
	const struct series *s;
	size_t i;
	const char *label;
};

struct legend {
	struct legend_entry *e;
	size_t n;
	double w, h, row, size, swatch;
	double x, y;            /* top left */
	int shown;
};

static void
legend_collect(const struct nu_plot *p, struct legend *lg)
{
	lg->n = 0;
	for (size_t k = 0; k < p->ns; k++) {
		const struct series *s = p->s[k];
		size_t n = s->ops->nentries ? s->ops->nentries(s) : s->label != NULL;

		for (size_t i = 0; i < n; i++) {
			if (lg->e != NULL) {
				lg->e[lg->n].s = s;
				lg->e[lg->n].i = i;
				lg->e[lg->n].label = s->ops->entry_label ?
				    s->ops->entry_label(s, i) : s->label;
			}
			lg->n++;
		}
	}
}

static void
legend_measure(cairo_t *cr, const struct frame *f, struct legend *lg)
{
	double wmax = 0;
	int any_swatch = 0;

	lg->size = SZ_LEGEND * f->s;
	lg->row = 1.5 * lg->size;
	lg->swatch = 32 * f->s;
	for (size_t i = 0; i < lg->n; i++) {
		wmax = fmax(wmax, text_width(cr, lg->e[i].label, lg->size));
		any_swatch |= lg->e[i].s->ops->swatch != NULL;
	}
	lg->w = wmax + 2 * 10 * f->s + (any_swatch ? lg->swatch + 8 * f->s : 0);
	lg->h = lg->n * lg->row + 2 * 7 * f->s;
}

/* The legend's top left for a corner, inset from the frame past the ticks. */
static void
legend_corner(const struct frame *f, const struct legend *lg, enum nu_plot_legend c,
    double *x, double *y)
{
	double in = 16 * f->s;
	int right = c == NU_LEGEND_UPPER_RIGHT || c == NU_LEGEND_LOWER_RIGHT;
	int upper = c == NU_LEGEND_UPPER_RIGHT || c == NU_LEGEND_UPPER_LEFT;

	*x = right ? f->bx1 - in - lg->w : f->bx0 + in;
	*y = upper ? f->by0 + in : f->by1 - in - lg->h;
}

static void
legend_draw(cairo_t *cr, const struct frame *f, const struct legend *lg)
{
	double x = lg->x, y = lg->y, pad = 10 * f->s;
	int any_swatch = 0;

	for (size_t i = 0; i < lg->n; i++)
		any_swatch |= lg->e[i].s->ops->swatch != NULL;
	/* on the pixel grid, so that a one-pixel border stays crisp */
	cairo_rectangle(cr, round(x) + 0.5, round(y) + 0.5, round(lg->w), round(lg->h));
	cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(cr, 1.0 * f->s);
	cairo_stroke(cr);
	y += 7 * f->s;
	for (size_t i = 0; i < lg->n; i++, y += lg->row) {
		const struct series *s = lg->e[i].s;
		double tx = x + pad;

		if (s->ops->swatch != NULL) {
			s->ops->swatch(s, lg->e[i].i, f, cr, tx, y + 0.12 * lg->row,
			    lg->swatch, 0.76 * lg->row);
			tx += lg->swatch + 8 * f->s;
		} else if (any_swatch && s->ops != &note_ops) {
			tx += lg->swatch + 8 * f->s;
		}
		cairo_set_source_rgb(cr, 0, 0, 0);
		text_at(cr, lg->e[i].label, lg->size, tx, y + lg->row / 2, 0, 0.5, 0);
	}
}

/* Widest of the labels of an axis' major ticks. */
static double
ticks_width(cairo_t *cr, const struct axis *a, double size)
{
	char buf[64];
	double w = 0;

	if (a->ncat > 0) {
		for (size_t i = 0; i < a->ncat; i++)
			w = fmax(w, text_width(cr, a->cat[i], size));
		return w;
	}
	for (int i = 0; i < a->t.n; i++) {
		tick_label(&a->t, a->t.v[i], buf, sizeof buf);
		w = fmax(w, text_width(cr, buf, size));
	}
	return w;
}

/* Ticks for an axis drawn over len device units. */
static void
axis_ticks(struct axis *a, double len, double per, double s)
{
	int maxn = (int)(len / (per * s));

	maxn = maxn < 3 ? 3 : maxn > 10 ? 10 : maxn;
	if (a->ncat == 0)
		ticks_make(fmin(a->lo, a->hi), fmax(a->lo, a->hi), a->log, maxn, &a->t);
}

/* Space per tick label: x labels sit side by side, y labels stack. */
#define PER_XTICK 85.0
#define PER_YTICK 55.0

/*
 * Lay the figure out: ranges, ticks, margins measured with the real fonts.
 * headroom is the fraction of the y axis kept free above the data.
 * Returns whether the x category labels must be turned upright.
 */
static int
layout(const struct nu_plot *p, cairo_t *cr, struct frame *f, double headroom)
{
	struct extent e = {
		.x0 = INFINITY, .x1 = -INFINITY, .xpos = INFINITY,
		.y0 = INFINITY, .y1 = -INFINITY, .ypos = INFINITY,
		.z0 = INFINITY, .z1 = -INFINITY, .zpos = INFINITY,
	};
	double s, lab = SZ_LABEL, tk = SZ_TICK;
	double top, bottom, left, right, bw, bh;
	int upright = 0;

	memset(f, 0, sizeof(*f));
	f->w = p->width;
	f->h = p->height;
	f->s = s = fmin(p->width / 800.0, p->height / 600.0);
	lab *= s;
	tk *= s;
	f->nbars = p->nbars;
	for (size_t i = 0; i < p->ns; i++)
		if (p->s[i]->ops->extent != NULL)
			p->s[i]->ops->extent(p->s[i], &e);

	/* a first guess of the box for the tick density, refined below */
	bw = p->width * 0.8;
	bh = p->height * 0.72;
	for (int pass = 0; pass < 2; pass++) {
		f->has_z = e.has_z;
		if (p->nxcat > 0) {
			f->x.ncat = p->nxcat;
			f->x.cat = p->xcat;
			f->x.lo = -0.5;
			f->x.hi = p->nxcat - 0.5;
		} else {
			axis_auto(&f->x, p->xlo, p->xhi, p->logx, e.x0, e.x1, e.xpos, e.xexact,
			    0, e.xpad && !e.xexact, 0, (int)(bw / (PER_XTICK * s)));
		}
		if (p->nycat > 0) {
			f->y.ncat = p->nycat;
			f->y.cat = p->ycat;
			f->y.lo = p->nycat - 0.5;       /* row 0 at the top */
			f->y.hi = -0.5;
		} else {
			axis_auto(&f->y, p->ylo, p->yhi, p->logy, e.y0, e.y1, e.ypos, e.yexact,
			    e.yzero, e.ypad && !e.yexact, e.yexact ? 0 : headroom,
			    (int)(bh / (PER_YTICK * s)));
		}
		if (f->has_z) {
			double z0 = e.z0, z1 = e.z1;

			f->z.log = p->logz;
			if (p->logz) {
				z0 = e.zpos < INFINITY ? e.zpos : 1;
			} else if (z0 > 0) {
				z0 = 0;
			}
			if (isfinite(p->zlo))
				z0 = p->zlo;
			if (isfinite(p->zhi))
				z1 = p->zhi;
			if (!(z1 > z0))
				z1 = p->logz ? z0 * 10 : z0 + 1;
			f->z.lo = z0;
			f->z.hi = z1;
		}
		axis_ticks(&f->x, bw, PER_XTICK, s);
		axis_ticks(&f->y, bh, PER_YTICK, s);
		axis_ticks(&f->z, bh, PER_YTICK, s);

		cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
		    CAIRO_FONT_WEIGHT_NORMAL);
		top = PAD * s + (p->title ? SZ_TITLE * s * 1.25 + 10 * s : 0);
		if (f->y.t.mult)
			top += tk * 1.3;
		if (!p->title && !f->y.t.mult)
			top += 6 * s;
		f->ytickw = ticks_width(cr, &f->y, tk);
		left = PAD * s + (p->ylabel ? lab * 1.2 + 10 * s : 0) + f->ytickw + 8 * s;
		right = PAD * s + 10 * s;
		if (f->has_z) {
			right += 20 * s + 22 * s + 7 * s + ticks_width(cr, &f->z, tk) +
			    (p->zlabel ? 12 * s + lab * 1.2 : 0);
		} else if (f->x.ncat == 0) {
			/* room for half of the last x label past the box */
			char buf[64];

			if (f->x.t.n > 0) {
				tick_label(&f->x.t, f->x.t.v[f->x.t.n - 1], buf, sizeof buf);
				right = fmax(right, text_width(cr, buf, tk) / 2 + PAD * s);
			}
		}
		bw = p->width - left - right;
		upright = f->x.ncat > 0 && ticks_width(cr, &f->x, tk) > 0.92 * bw / f->x.ncat;
		f->xtickh = upright ? ticks_width(cr, &f->x, tk) : tk * 1.05;
		bottom = PAD * s + (p->xlabel ? lab * 1.25 + 10 * s : 0) + 8 * s + f->xtickh;
		bh = p->height - top - bottom;
		if (bw < 20)
			bw = 20;
		if (bh < 20)
			bh = 20;
	}
	f->bx0 = round(left);
	f->by0 = round(top);
	f->bx1 = round(left + bw);
	f->by1 = round(top + bh);
	if (p->has_matrix) {
		/* square cells, the box centred in the room it has */
		double side = fmin(bw / p->nxcat, bh / p->nycat);
		double mw = side * p->nxcat, mh = side * p->nycat;

		f->bx0 = round(left + (bw - mw) / 2);
		f->bx1 = f->bx0 + round(mw);
		f->by0 = round(top + (bh - mh) / 2);
		f->by1 = f->by0 + round(mh);
	}
	return upright;
}

/* Major and minor ticks inwards on both sides of one axis, labels outside
 * the bottom or left. */
static void
draw_axis(cairo_t *cr, const struct frame *f, const struct axis *a, int horizontal,
    int upright)
{
	double tk = SZ_TICK * f->s, maj = LEN_MAJOR * f->s, mnr = LEN_MINOR * f->s;
	char buf[64];

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.0 * f->s);
	if (a->ncat > 0) {
		for (size_t i = 0; i < a->ncat; i++) {
			if (horizontal && upright)
				text_at(cr, a->cat[i], tk, px(f, (double)i), f->by1 + 8 * f->s,
				    1, 0.5, M_PI / 2);
			else if (horizontal)
				text_at(cr, a->cat[i], tk, px(f, (double)i), f->by1 + 8 * f->s,
				    0.5, 0, 0);
			else
				text_at(cr, a->cat[i], tk, f->bx0 - 8 * f->s, py(f, (double)i),
				    1, 0.5, 0);
		}
		return;
	}
	for (int pass = 0; pass < 2; pass++) {
		int n = pass ? a->t.nminor : a->t.n;
		const double *v = pass ? a->t.minor : a->t.v;
		double len = pass ? mnr : maj;

		for (int i = 0; i < n; i++) {
			if (horizontal) {
				double x = px(f, v[i]);

				cairo_move_to(cr, x, f->by1);
				cairo_line_to(cr, x, f->by1 - len);
				cairo_move_to(cr, x, f->by0);
				cairo_line_to(cr, x, f->by0 + len);
			} else {
				double y = py(f, v[i]);

				cairo_move_to(cr, f->bx0, y);
				cairo_line_to(cr, f->bx0 + len, y);
				cairo_move_to(cr, f->bx1, y);
				cairo_line_to(cr, f->bx1 - len, y);
			}
		}
	}
	cairo_stroke(cr);
	for (int i = 0; i < a->t.n; i++) {
		tick_label(&a->t, a->t.v[i], buf, sizeof buf);
		if (horizontal)
			text_at(cr, buf, tk, px(f, a->t.v[i]), f->by1 + 8 * f->s, 0.5, 0, 0);
		else
			text_at(cr, buf, tk, f->bx0 - 8 * f->s, py(f, a->t.v[i]), 1, 0.5, 0);
	}
	if (a->t.mult) {
		snprintf(buf, sizeof buf, "\xc3\x97" "10^{%s%d}", a->t.mult < 0 ?
		    "\xe2\x88\x92" : "", abs(a->t.mult));
		if (horizontal)
			text_at(cr, buf, tk, f->bx1, f->by1 + 8 * f->s + 1.5 * tk, 1, 0, 0);
		else
			text_at(cr, buf, tk, f->bx0, f->by0 - 6 * f->s, 0, 1, 0);
	}
}

static void
draw_colorbar(cairo_t *cr, const struct frame *f, const char *zlabel)
{
	double x0 = f->bx1 + 20 * f->s, x1 = x0 + 22 * f->s, tk = SZ_TICK * f->s;
	double wl = 0;
	cairo_pattern_t *g = cairo_pattern_create_linear(0, f->by1, 0, f->by0);
	char buf[64];

	for (int i = 0; i <= 64; i++) {
		struct rgb c = cmap_rgb(i / 64.0);

		cairo_pattern_add_color_stop_rgb(g, i / 64.0, c.r, c.g, c.b);
	}
	cairo_rectangle(cr, x0, f->by0, x1 - x0, f->by1 - f->by0);
	cairo_set_source(cr, g);
	cairo_fill(cr);
	cairo_pattern_destroy(g);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.0 * f->s);
	for (int pass = 0; pass < 2; pass++) {
		int n = pass ? f->z.t.nminor : f->z.t.n;
		const double *v = pass ? f->z.t.minor : f->z.t.v;
		double len = (pass ? LEN_MINOR : LEN_MAJOR) * f->s * 0.6;

		for (int i = 0; i < n; i++) {
			double y = f->by1 - z_frac(f, v[i]) * (f->by1 - f->by0);

			if (!isfinite(y))
				continue;
			cairo_move_to(cr, x0, y);
			cairo_line_to(cr, x0 + len, y);
			cairo_move_to(cr, x1, y);
			cairo_line_to(cr, x1 - len, y);
		}
	}
	cairo_stroke(cr);
	cairo_set_line_width(cr, 1.2 * f->s);
	cairo_rectangle(cr, x0, f->by0, x1 - x0, f->by1 - f->by0);
	cairo_stroke(cr);
	for (int i = 0; i < f->z.t.n; i++) {
		double y = f->by1 - z_frac(f, f->z.t.v[i]) * (f->by1 - f->by0);

		tick_label(&f->z.t, f->z.t.v[i], buf, sizeof buf);
		wl = fmax(wl, text_width(cr, buf, tk));
		text_at(cr, buf, tk, x1 + 7 * f->s, y, 0, 0.5, 0);
	}
	if (f->z.t.mult) {
		snprintf(buf, sizeof buf, "\xc3\x97" "10^{%s%d}", f->z.t.mult < 0 ?
		    "\xe2\x88\x92" : "", abs(f->z.t.mult));
		text_at(cr, buf, tk, x0, f->by0 - 6 * f->s, 0, 1, 0);
	}
	if (zlabel != NULL)
		text_at(cr, zlabel, SZ_LABEL * f->s, x1 + 7 * f->s + wl + 12 * f->s,
		    (f->by0 + f->by1) / 2, 0.5, 0, M_PI / 2);
}

static void
draw_data(const struct nu_plot *p, const struct frame *f, cairo_t *cr)
{
	cairo_save(cr);
	cairo_rectangle(cr, f->bx0, f->by0, f->bx1 - f->bx0, f->by1 - f->by0);
	cairo_clip(cr);
	for (size_t i = 0; i < p->ns; i++)
		if (p->s[i]->ops->draw != NULL)
			p->s[i]->ops->draw(p->s[i], f, cr);
	cairo_restore(cr);
}

static void
set_fonts(cairo_t *cr)
{
	cairo_font_options_t *fo = cairo_font_options_create();

	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
}

/* Ink under each legend corner, from the data drawn into an alpha mask at
 * half resolution (in mask pixels).  Returns 0 when the mask could not be
 * made (no automatic placement then). */
static int
corner_ink(const struct nu_plot *p, const struct frame *f, const struct legend *lg,
    double ink[4])
{
	static const enum nu_plot_legend corners[4] = {
		NU_LEGEND_UPPER_RIGHT, NU_LEGEND_UPPER_LEFT,
		NU_LEGEND_LOWER_RIGHT, NU_LEGEND_LOWER_LEFT,
	};
	int mw = (p->width + 1) / 2, mh = (p->height + 1) / 2;
	cairo_surface_t *m = cairo_image_surface_create(CAIRO_FORMAT_A8, mw, mh);
	cairo_t *mc = cairo_create(m);
	const unsigned char *d;
	int stride, ok;

	set_fonts(mc);
	cairo_scale(mc, 0.5, 0.5);
	draw_data(p, f, mc);
	cairo_destroy(mc);
	cairo_surface_flush(m);
	ok = cairo_surface_status(m) == CAIRO_STATUS_SUCCESS;
	d = cairo_image_surface_get_data(m);
	stride = cairo_image_surface_get_stride(m);
	for (int c = 0; c < 4 && ok && d != NULL; c++) {
		double x, y, margin = 4 * f->s;
		long sum = 0;
		int i0, i1, j0, j1;

		legend_corner(f, lg, corners[c], &x, &y);
		j0 = (int)fmax(0, (x - margin) / 2);
		j1 = (int)fmin(mw, (x + lg->w + margin) / 2 + 1);
		i0 = (int)fmax(0, (y - margin) / 2);
		i1 = (int)fmin(mh, (y + lg->h + margin) / 2 + 1);
		for (int i = i0; i < i1; i++)
			for (int j = j0; j < j1; j++)
				sum += d[(size_t)i * stride + j];
		ink[c] = sum / 255.0;
	}
	cairo_surface_destroy(m);
	return ok && d != NULL;
}

/* Draw the whole figure on cr; 0 when out of memory. */
static int
render(const struct nu_plot *p, cairo_t *cr)
{
	struct frame f;
	struct legend lg = { 0 };
	double headroom = p->logy ? 0 : 0.04;
	int upright;

	set_fonts(cr);
	legend_collect(p, &lg);
	if (lg.n > 0 && p->legend != NU_LEGEND_NONE) {
		if ((lg.e = calloc(lg.n, sizeof(*lg.e))) == NULL)
			return 0;
		legend_collect(p, &lg);
	}

	upright = layout(p, cr, &f, headroom);
	if (lg.e != NULL) {
		enum nu_plot_legend where = p->legend;

		legend_measure(cr, &f, &lg);
		for (int again = 0; where == NU_LEGEND_AUTO && again < 3; again++) {
			double ink[4];
			int best = 0;

			if (!corner_ink(p, &f, &lg, ink)) {
				where = NU_LEGEND_UPPER_RIGHT;
				break;
			}
			for (int c = 1; c < 4; c++)
				if (ink[c] < ink[best] - 0.5)
					best = c;
			where = (enum nu_plot_legend)(NU_LEGEND_UPPER_RIGHT + best);
			/* every corner hides data: raise an automatic y top to
			 * free the upper corners, then look again */
			if (ink[best] <= 1 || again == 2 || !isnan(p->yhi) || p->nycat > 0 ||
			    f.y.ncat > 0)
				break;
			headroom = fmin(0.6, (lg.h + 24 * f.s) / (f.by1 - f.by0) + 0.02);
			upright = layout(p, cr, &f, headroom);
			where = NU_LEGEND_AUTO;
		}
		legend_corner(&f, &lg, where, &lg.x, &lg.y);
	}

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	draw_data(p, &f, cr);

	cairo_set_source_rgb(cr, 0, 0, 0);
	draw_axis(cr, &f, &f.x, 1, upright);
	draw_axis(cr, &f, &f.y, 0, 0);
	cairo_set_line_width(cr, 1.3 * f.s);
	cairo_rectangle(cr, f.bx0, f.by0, f.bx1 - f.bx0, f.by1 - f.by0);
	cairo_stroke(cr);
	if (f.has_z)
		draw_colorbar(cr, &f, p->zlabel);
	if (lg.e != NULL)
		legend_draw(cr, &f, &lg);
	free(lg.e);

	cairo_set_source_rgb(cr, 0, 0, 0);
	if (p->title)
		text_at(cr, p->title, SZ_TITLE * f.s, (f.bx0 + f.bx1) / 2, PAD * f.s,
		    0.5, 0, 0);
	/* axis labels hang off the box, so a matrix centred in its room keeps
	 * them close */
	if (p->xlabel)
		text_at(cr, p->xlabel, SZ_LABEL * f.s, (f.bx0 + f.bx1) / 2,
		    f.by1 + 8 * f.s + f.xtickh + 10 * f.s, 0.5, 0, 0);
	if (p->ylabel)
		text_at(cr, p->ylabel, SZ_LABEL * f.s,
		    f.bx0 - 8 * f.s - f.ytickw - 10 * f.s - 0.25 * SZ_LABEL * f.s,
		    (f.by0 + f.by1) / 2, 0.5, 1, M_PI / 2);
	return 1;
}

/* ---- saving -------------------------------------------------------------------- */

/* A growing buffer the surfaces write into. */
struct membuf {
	unsigned char *d;
	size_t n, cap;
	int failed;
};

static cairo_status_t
membuf_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct membuf *b = closure;

	if (b->failed)
		return CAIRO_STATUS_WRITE_ERROR;
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		unsigned char *d;

		while (cap < b->n + len)
			cap *= 2;
		if ((d = realloc(b->d, cap)) == NULL) {
			b->failed = 1;
			return CAIRO_STATUS_NO_MEMORY;
		}
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->n, data, len);
	b->n += len;
	return CAIRO_STATUS_SUCCESS;
}

/* XML-escaped copy of s (caller frees). */
static char *
xml_escape(const char *s)
{
	size_t n = 0;
	char *out, *w;

	for (const char *c = s; *c; c++)
		n += *c == '&' ? 5 : *c == '<' || *c == '>' ? 4 : *c == '"' ? 6 : 1;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (w = out; *s; s++) {
		const char *r = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" :
		    *s == '"' ? "&quot;" : NULL;

		if (r != NULL) {
			memcpy(w, r, strlen(r));
			w += strlen(r);
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return out;
}

/*
 * cairo writes text in SVG as glyph outlines; put the title in a <title>
 * element after the opening <svg> tag, and the description (if any) in a
 * <desc> after it, where viewers, screen readers and search find them.
 * Returns 0 when out of memory.
 */
static int
svg_add_title(struct membuf *b, const char *title, const char *desc)
{
	char *plain = NULL, *esc = NULL, *dplain = NULL, *desc_esc = NULL, *el;
	unsigned char *tag, *end;
	size_t at, len;
	struct membuf out = { 0 };
	int ok;

	if ((title == NULL && desc == NULL) || b->n == 0)
		return 1;
	tag = memmem(b->d, b->n, "<svg", 4);
	end = tag ? memchr(tag, '>', b->n - (size_t)(tag - b->d)) : NULL;
	if (end == NULL)
		return 1;
	at = (size_t)(end - b->d) + 1;
	if (title != NULL && ((plain = plain_text(title)) == NULL ||
	    (esc = xml_escape(plain)) == NULL))
		goto nomem;
	if (desc != NULL && ((dplain = plain_text(desc)) == NULL ||
	    (desc_esc = xml_escape(dplain)) == NULL))
		goto nomem;
	el = nu_asprintf("%s%s%s%s%s%s", esc ? "\n<title>" : "", esc ? esc : "",
	    esc ? "</title>" : "", desc_esc ? "\n<desc>" : "",
	    desc_esc ? desc_esc : "", desc_esc ? "</desc>" : "");
	free(plain);
	free(esc);
	free(dplain);
	free(desc_esc);
	if (el == NULL)
		return 0;
	len = strlen(el);
	ok = membuf_write(&out, b->d, (unsigned)at) == CAIRO_STATUS_SUCCESS &&
	    membuf_write(&out, (const unsigned char *)el, (unsigned)len) == CAIRO_STATUS_SUCCESS &&
	    membuf_write(&out, b->d + at, (unsigned)(b->n - at)) == CAIRO_STATUS_SUCCESS;
	free(el);
	if (!ok) {
		free(out.d);
		return 0;
	}
	free(b->d);
	*b = out;
	return 1;
nomem:
	free(plain);
	free(esc);
	free(dplain);
	free(desc_esc);
	return 0;
}

/* One big-endian 32-bit number into p. */
static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/*
 * cairo's PNG writer has no text chunks: insert tEXt chunks for the pairs
 * text[0..2n) right after IHDR (which is always first, 8 + 25 bytes in).
 * Keywords must be 1-79 Latin-1 characters; values Latin-1 without NUL.
 * Returns 0 when out of memory.
 */
static int
png_add_text(struct membuf *b, const char *const *text, size_t n)
{
	const size_t at = 8 + 12 + 13;
	struct membuf out = { 0 };
	int ok;

	if (n == 0)
		return 1;
	if (b->n < at)
		return 1;
	ok = membuf_write(&out, b->d, (unsigned)at) == CAIRO_STATUS_SUCCESS;
	for (size_t i = 0; ok && i < n; i++) {
		size_t kl = strlen(text[2 * i]), vl = strlen(text[2 * i + 1]);
		size_t len = kl + 1 + vl;
		unsigned char *c = malloc(12 + len);
		uLong crc;

		assert(kl >= 1 && kl <= 79);
		if (c == NULL) {
			ok = 0;
			break;
		}
		put_be32(c, (uint32_t)len);
		memcpy(c + 4, "tEXt", 4);
		memcpy(c + 8, text[2 * i], kl + 1);
		memcpy(c + 8 + kl + 1, text[2 * i + 1], vl);
		crc = crc32(0L, c + 4, (uInt)(4 + len));
		put_be32(c + 8 + len, (uint32_t)crc);
		ok = membuf_write(&out, c, (unsigned)(12 + len)) == CAIRO_STATUS_SUCCESS;
		free(c);
	}
	ok = ok && membuf_write(&out, b->d + at, (unsigned)(b->n - at)) == CAIRO_STATUS_SUCCESS;
	if (!ok) {
		free(out.d);
		return 0;
	}
	free(b->d);
	*b = out;
	return 1;
}

/*
 * Render a drawing of width x height in format fmt into b: the one place
 * that makes cairo surfaces for files, used by nu_plot_save and by the
 * figures other modules draw themselves (nu_plot_draw_save).
 */
static enum nu_status
render_to(enum nu_plot_format fmt, int width, int height,
    int (*draw)(cairo_t *cr, void *ctx), void *ctx,
    const struct nu_plot_doc *doc, struct membuf *b, const char *path, char **cause)
{
	cairo_surface_t *sf;
	cairo_t *cr;
	cairo_status_t cs;
	int nomem = 0;

	if (fmt == NU_PLOT_PNG)
		sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	else if (fmt == NU_PLOT_SVG)
		sf = cairo_svg_surface_create_for_stream(membuf_write, b, width, height);
	else
		sf = cairo_pdf_surface_create_for_stream(membuf_write, b, width, height);
	if (fmt == NU_PLOT_SVG)
		cairo_svg_surface_set_document_unit(sf, CAIRO_SVG_UNIT_PT);
	if (fmt == NU_PLOT_PDF) {
		char *t = doc->title ? plain_text(doc->title) : NULL;
		char *d = doc->desc ? plain_text(doc->desc) : NULL;

		if ((doc->title != NULL && t == NULL) || (doc->desc != NULL && d == NULL))
			b->failed = 1;
		if (t != NULL)
			cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, t);
		if (d != NULL)
			cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_SUBJECT, d);
		cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR,
		    "nuscope " PACKAGE_VERSION);
		free(t);
		free(d);
	}
	cr = cairo_create(sf);
	/* nothing is drawn on a surface or context cairo could not make:
	 * cairo answers some calls on those with objects it never frees */
	if ((cs = cairo_status(cr)) == CAIRO_STATUS_SUCCESS)
		cs = cairo_set_user_data(cr, &nomem_key, &nomem, NULL);
	if (cs == CAIRO_STATUS_SUCCESS) {
		if (!draw(cr, ctx) || nomem)
			b->failed = 1;
		if (fmt == NU_PLOT_PDF)
			cairo_show_page(cr);
		cs = cairo_status(cr);
	}
	cairo_destroy(cr);
	if (cs == CAIRO_STATUS_SUCCESS && fmt == NU_PLOT_PNG)
		cs = cairo_surface_write_to_png_stream(sf, membuf_write, b);
	cairo_surface_finish(sf);
	if (cs == CAIRO_STATUS_SUCCESS)
		cs = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	if (b->failed || cs == CAIRO_STATUS_NO_MEMORY)
		return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory drawing the figure", path);
	if (cs != CAIRO_STATUS_SUCCESS)
		return nu_fail(cause, NU_ERR_IO, "%s: cairo could not draw the figure: %s",
		    path, cairo_status_to_string(cs));
	if ((fmt == NU_PLOT_SVG && !svg_add_title(b, doc->title, doc->desc)) ||
	    (fmt == NU_PLOT_PNG && !png_add_text(b, doc->text, doc->ntext)))
		return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory drawing the figure", path);
	return NU_OK;
}

static int
plot_draw(cairo_t *cr, void *ctx)
{
	return render(ctx, cr);
}

static enum nu_plot_format
format_from_ext(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	enum nu_plot_format f = NU_PLOT_AUTO;

	if (dot == NULL || (slash != NULL && dot < slash))
		return NU_PLOT_AUTO;
	if (nu_plot_format_parse(dot + 1, &f, NULL) != NU_OK)
		return NU_PLOT_AUTO;
	return f;
}

enum nu_status
nu_plot_save(struct nu_plot *p, const char *path, enum nu_plot_format fmt, char **cause)
{
	struct membuf b = { 0 };
	enum nu_status st;
	char buf[128];
	const char *bad;

	assert(p != NULL && path != NULL);
	if (p->err != NU_OK)
		return nu_fail(cause, p->err, "%s: %s", path,
		    p->errmsg ? p->errmsg : nu_strerror(p->err));
	if (fmt == NU_PLOT_AUTO && (fmt = format_from_ext(path)) == NU_PLOT_AUTO)
		return nu_fail(cause, NU_ERR_USAGE,
		    "%s: cannot tell the format from the name (use .png, .svg or .pdf)", path);
	if ((bad = check_limits(p->xlo, p->xhi, p->logx, "x", buf, sizeof buf)) != NULL ||
	    (bad = check_limits(p->ylo, p->yhi, p->logy, "y", buf, sizeof buf)) != NULL ||
	    (bad = check_limits(p->zlo, p->zhi, p->logz, "colour", buf, sizeof buf)) != NULL)
		return nu_fail(cause, NU_ERR_USAGE, "%s: %s", path, bad);
	{
		const struct nu_plot_doc doc = { .title = p->title };

		st = render_to(fmt, p->width, p->height, plot_draw, p, &doc, &b,
		    path, cause);
	}
	if (st == NU_OK)
		st = nu_write_atomic(path, b.d, b.n, cause);
	free(b.d);
	return st;
}

enum nu_status
nu_plot_draw_save(const char *path, enum nu_plot_format fmt, int width, int height,
    int (*draw)(cairo_t *cr, void *ctx), void *ctx, const struct nu_plot_doc *doc,
    char **cause)
{
	static const struct nu_plot_doc none = { 0 };
	struct membuf b = { 0 };
	enum nu_status st;

	assert(path != NULL && draw != NULL);
	if (width < 100 || width > 10000 || height < 100 || height > 10000)
		return nu_fail(cause, NU_ERR_USAGE, "%s: a figure of %d x %d is not "
		    "100-10000 on each side", path, width, height);
	if (fmt == NU_PLOT_AUTO && (fmt = format_from_ext(path)) == NU_PLOT_AUTO)
		return nu_fail(cause, NU_ERR_USAGE,
		    "%s: cannot tell the format from the name (use .png, .svg or .pdf)", path);
	st = render_to(fmt, width, height, draw, ctx, doc != NULL ? doc : &none, &b,
	    path, cause);
	if (st == NU_OK)
		st = nu_write_atomic(path, b.d, b.n, cause);
	free(b.d);
	return st;
}

void
nu_plot_fonts(cairo_t *cr)
{
	set_fonts(cr);
}

void
nu_plot_show_text(cairo_t *cr, const char *s, double size, double x, double y,
    double ha, double va, double angle)
{
	text_at(cr, s, size, x, y, ha, va, angle);
}

double
nu_plot_text_width(cairo_t *cr, const char *s, double size)
{
	return text_width(cr, s, size);
}

enum nu_status
nu_plot_format_parse(const char *name, enum nu_plot_format *out, char **cause)
{
	if (strcasecmp(name, "png") == 0)
		*out = NU_PLOT_PNG;
	else if (strcasecmp(name, "svg") == 0)
		*out = NU_PLOT_SVG;
	else if (strcasecmp(name, "pdf") == 0)
		*out = NU_PLOT_PDF;
	else
		return nu_fail(cause, NU_ERR_USAGE,
		    "unknown plot format \"%s\" (png, svg or pdf)", name);
	return NU_OK;
}

enum nu_status
nu_plot_formats_parse(const char *list, enum nu_plot_format *out, int *n, char **cause)
{
	*n = 0;
	for (const char *p = list; ; ) {
		size_t len = strcspn(p, ",");
		char name[8];

		if (*n == 3 || len == 0 || len >= sizeof name)
			return nu_fail(cause, NU_ERR_USAGE, "expected up to three formats "
			    "from png, svg, pdf separated by commas, not '%s'", list);
		snprintf(name, sizeof name, "%.*s", (int)len, p);
		if (nu_plot_format_parse(name, &out[*n], NULL) != NU_OK)
			return nu_fail(cause, NU_ERR_USAGE, "unknown plot format '%s' in '%s' "
			    "(png, svg or pdf)", name, list);
		(*n)++;
		p += len;
		if (*p == '\0')
			return NU_OK;
		p++;
	}
}

const char *
nu_plot_format_ext(enum nu_plot_format fmt)
{
	switch (fmt) {
	case NU_PLOT_PNG: return "png";
	case NU_PLOT_SVG: return "svg";
	case NU_PLOT_PDF: return "pdf";
	case NU_PLOT_AUTO: break;
	}
	return "";
}
