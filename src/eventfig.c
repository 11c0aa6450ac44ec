/*
 * eventfig.c: one event as a figure for a talk (see eventfig.h).
 *
 * The layout is fixed, not measured: the figure holds the same things for
 * every event, so one set of margins that fits the widest labels (cell 79,
 * "3.0", a bar top of 255) keeps every picture of a talk the same size with
 * its panels in the same place.  Only the caption's font shrinks, when a
 * long file name would run off the right edge.
 *
 * The maps are painted as images of one pixel per cell, scaled with the
 * nearest-neighbour filter, so every cell is a flat block of exactly its
 * colour-map colour (no smoothing between cells, in PNG as in PDF), and a
 * PDF or SVG stays small.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "dataset.h"
#include "eventfig.h"

#define FIG_W 1400
#define PAD 16.0
#define MARGIN_L 80.0           /* cell tick labels and the cell label */
#define MARGIN_R 192.0          /* metre scale, its label, the colour bar */
#define PANEL_TOP 70.0          /* below the XZ title and the z scale */
#define SZ_TITLE 21.0
#define SZ_LABEL 19.0
#define SZ_TICK 16.0
#define SZ_CAP 18.0
#define CAP_PITCH 27.0          /* caption baseline to baseline */
#define CAP_HEIGHT 0.73         /* capitals, in ems (as plot.c) */
#define TICK_LEN 7.0
#define BAR_GAP 90.0            /* panel right edge to the colour bar */
#define BAR_W 22.0

static const char bar_label[] = "ADC (8-bit calibrated energy)";
static const char *const view_title[NU_VIEWS] = { "XZ (top view)", "YZ (side view)" };
static const char *const cell_label[NU_VIEWS] = { "x cell", "y cell" };
static const char *const metre_label[NU_VIEWS] = { "x (m)", "y (m)" };

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

/* ---- the words ------------------------------------------------------------- */

/* The score and verdict in words; utf8 picks "E_{ν}" over "E_nu".
 * Returns the verdict: 1 right, -1 wrong, 0 none. */
static int
score_words(const struct nu_eventfig_event *ev, const struct nu_eventfig_score *sc,
    bool utf8, char *buf, size_t len)
{
	int verdict = 0;

	enum nu_task task = sc->task;
	int k = nu_task_nclasses(task);
	float truth = 0;
	bool known = nu_task_label(task, ev->interaction, ev->nuenergy,
	    ev->lepenergy, &truth);

	if (sc->out == NULL || sc->nout < 1 || sc->nout > NU_EVENTFIG_MAXOUT) {
		snprintf(buf, len, "model output unavailable");
	} else if (k == 2 && sc->nout == 1) {
		bool pick = sc->out[0] > sc->threshold;

		if (known)
			verdict = pick == (truth > 0.5f) ? 1 : -1;

		snprintf(buf, len, "P(%s) = %.3f, %s at threshold %.3g%s%s",
		    nu_task_class_name(task, 1), sc->out[0],
		    pick ? "selected" : "rejected", sc->threshold,
		    known ? ", " : " (not in the task's sample)",
		    !known ? "" : pick == (truth > 0.5f) ? "right" : "wrong");
	} else if (k > 0 && sc->nout == k) {
		int best = 0;

		for (int i = 1; i < sc->nout; i++)
			if (sc->out[i] > sc->out[best])
				best = i;
		if (known)
			verdict = (int)truth == best ? 1 : -1;
		if (known)
			snprintf(buf, len, "%s: %s, p = %.3f; truth %s, %s",
			    nu_task_name(task), nu_task_class_name(task, best),
			    sc->out[best], nu_task_class_name(task, (int)truth),
			    (int)truth == best ? "right" : "wrong");
		else
			snprintf(buf, len, "%s: %s, p = %.3f (not in the task's sample)",
			    nu_task_name(task), nu_task_class_name(task, best),
			    sc->out[best]);
	} else if (task == NU_TASK_ENERGY) {
		const char *e = utf8 ? "E_{\u03bd}" : "E_nu";

		if (known)
			snprintf(buf, len, "predicted %s = %.2f GeV (true %.2f GeV)", e,
			    sc->out[0], truth);
		else
			snprintf(buf, len, "predicted %s = %.2f GeV", e, sc->out[0]);
	} else {
		if (known)
			snprintf(buf, len, "predicted %s = %.3f (true %.3f)",
			    nu_task_name(task), sc->out[0], truth);
		else
			snprintf(buf, len, "predicted %s = %.3f", nu_task_name(task),
			    sc->out[0]);
	}
	return verdict;
}

void
nu_eventfig_text(const struct nu_eventfig_event *ev, const struct nu_eventfig_score *sc,
    struct nu_eventfig_text *t)
{
	bool model = sc != NULL && sc->have;
	char ycol[48] = "";

	memset(t, 0, sizeof(*t));
	snprintf(t->title, sizeof t->title, "event %llu", (unsigned long long)ev->event);
	snprintf(t->source, sizeof t->source, "%s #%llu", ev->file,
	    (unsigned long long)ev->local);
	if (model)
		score_words(ev, sc, false, t->score, sizeof t->score);
	snprintf(t->comment, sizeof t->comment, "interaction %u (%s), nuenergy %.4f GeV, "
	    "lepenergy %.4f GeV%s%s", ev->interaction, nu_code_name(ev->interaction),
	    ev->nuenergy, ev->lepenergy, model ? "; " : "", t->score);

	if (ev->nuenergy > 0)
		snprintf(ycol, sizeof ycol, "    y = %.2f", ev->lepenergy / ev->nuenergy);
	snprintf(t->line[0], sizeof t->line[0], "%s (interaction %u)    "
	    "E_{\u03bd} = %.2f GeV    E_{\u2113} = %.2f GeV%s",
	    nu_code_name_utf8(ev->interaction), ev->interaction, ev->nuenergy,
	    ev->lepenergy, ycol);
	snprintf(t->line[1], sizeof t->line[1], "%s, index %llu  (event %llu of the files)",
	    base_name(ev->file), (unsigned long long)ev->local,
	    (unsigned long long)ev->event);
	if (model)
		t->verdict = score_words(ev, sc, true, t->line[2], sizeof t->line[2]);
}

size_t
nu_eventfig_chunks(const struct nu_eventfig_text *t, bool raw, const char *kv[10])
{
	size_t n = 0;

	kv[n++] = "Software";
	kv[n++] = "nuscope " PACKAGE_VERSION;
	kv[n++] = "Title";
	kv[n++] = t->title;
	kv[n++] = "Source";
	kv[n++] = t->source;
	kv[n++] = "Comment";
	kv[n++] = t->comment;
	if (raw) {
		kv[n++] = "Description";
		kv[n++] = "raw NOvA-format pixel map: pixel value = stored byte; "
		    "columns = planes 0-99 (z); rows 0-79 = XZ cells 79..0, "
		    "rows 80-159 = YZ cells 79..0";
	}
	return n / 2;
}

/* ---- layout ---------------------------------------------------------------- */

/* The geometry of a figure whose caption has nlines lines. */
static void
geometry(struct nu_eventfig_geom *g, int nlines)
{
	double y;

	g->width = FIG_W;
	g->pw = FIG_W - MARGIN_L - MARGIN_R;
	g->ph = g->pw * (NU_CELLS * NU_EVENTFIG_CELL_CM) /
	    (NU_PLANES * NU_EVENTFIG_PLANE_CM);
	g->px[0] = g->px[1] = MARGIN_L;
	g->py[0] = PANEL_TOP;
	/* plane ticks below the XZ panel, then the YZ title */
	y = g->py[0] + g->ph + TICK_LEN + 4 + CAP_HEIGHT * SZ_TICK + 18;
	g->py[1] = y + CAP_HEIGHT * SZ_TITLE + 14;
	g->bx = MARGIN_L + g->pw + BAR_GAP;
	g->bw = BAR_W;
	g->by = g->py[0];
	g->bh = g->py[1] + g->ph - g->py[0];
	/* plane ticks and the plane label below YZ, a rule, the caption */
	y = g->py[1] + g->ph + TICK_LEN + 4 + CAP_HEIGHT * SZ_TICK + 12 +
	    CAP_HEIGHT * SZ_LABEL + 18;
	g->height = (int)ceil(y + 8 + nlines * CAP_PITCH + PAD);
}

void
nu_eventfig_geometry(struct nu_eventfig_geom *g, bool score)
{
	geometry(g, score ? 3 : 2);
}

/* ---- drawing ---------------------------------------------------------------- */

struct fig {
	const uint8_t *map;
	const struct nu_eventfig_text *t;
	struct nu_eventfig_geom g;
	int nlines;
	int vmax;
	uint8_t lut[256][3];
	/* a saliency figure: the maps in a second column, FIG_W to the right */
	const struct nu_eventfig_sal *sal;     /* NULL: the event alone */
	double smax;            /* the saliency colour bar runs -smax..smax */
	uint8_t div[256][3];    /* the diverging colours, -smax..smax */
	char stitle[NU_VIEWS][64], slabel[80];
};

/* The saliency colour of v: blue below zero, white at zero, red above. */
static const uint8_t *
sal_colour(const struct fig *f, double v)
{
	double u = f->smax > 0 ? v / f->smax : 0.0;
	int k = (int)lround((u < -1 ? -1 : u > 1 ? 1 : u) * 127.5 + 127.5);

	return f->div[k < 0 ? 0 : k > 255 ? 255 : k];
}

/* A tick value as text with the decimals its step needs. */
static void
tick_text(double v, double step, char *buf, size_t len)
{
	int d = step >= 0.999 ? 0 : (int)ceil(-log10(step) - 1e-9);

	snprintf(buf, len, "%.*f", d, v);
}

/*
 * Paint an RGB image w x h (rows top down) into the rectangle (x, y, rw,
 * rh), each source pixel a flat block.  cairo's PNG and PDF surfaces honour
 * the nearest-neighbour filter; its SVG surface does not say so, and SVG
 * viewers smooth a scaled image, so for SVG each pixel is first repeated
 * to about its size on the page, leaving only the blocks' edges to blur.
 * Returns 0 when out of memory.
 */
static int
paint_image(cairo_t *cr, const uint8_t *rgb, int w, int h, double x, double y,
    double rw, double rh)
{
	bool svg = cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_SVG;
	int fx = svg ? (int)ceil(rw / w) : 1, fy = svg ? (int)ceil(rh / h) : 1;
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w * fx, h * fy);
	cairo_pattern_t *pat;
	unsigned char *data;
	int stride;

	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		return 0;
	}
	cairo_surface_flush(img);
	data = cairo_image_surface_get_data(img);
	stride = cairo_image_surface_get_stride(img);
	for (int r = 0; r < h * fy; r++) {
		uint32_t *row = (uint32_t *)(void *)(data + (size_t)r * (size_t)stride);

		for (int c = 0; c < w * fx; c++) {
			const uint8_t *p = rgb + ((size_t)(r / fy) * (size_t)w +
			    (size_t)(c / fx)) * 3;

			row[c] = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		}
	}
	cairo_surface_mark_dirty(img);
	cairo_save(cr);
	cairo_rectangle(cr, x, y, rw, rh);
	cairo_clip(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, rw / (w * fx), rh / (h * fy));
	cairo_set_source_surface(cr, img, 0, 0);
	pat = cairo_get_source(cr);
	cairo_pattern_set_filter(pat, CAIRO_FILTER_NEAREST);
	cairo_pattern_set_extend(pat, CAIRO_EXTEND_PAD);
	cairo_paint(cr);
	cairo_restore(cr);
	cairo_surface_destroy(img);
	return 1;
}

/* One view's panel: the map, its frame, ticks and scales. */
static int
draw_panel(cairo_t *cr, const struct fig *f, int view, int col)
{
	const struct nu_eventfig_geom *g = &f->g;
	double x0 = g->px[view] + col * FIG_W, y0 = g->py[view], pw = g->pw, ph = g->ph;
	double x1 = x0 + pw, y1 = y0 + ph, v[64], step;
	double zlen = NU_PLANES * NU_EVENTFIG_PLANE_CM / 100.0;
	double tlen = NU_CELLS * NU_EVENTFIG_CELL_CM / 100.0;
	uint8_t *rgb = malloc((size_t)NU_PLANES * NU_CELLS * 3);
	char buf[32];
	size_t n;

	if (rgb == NULL)
		return 0;
	/* image row r is cell 79 - r: cells upwards */
	for (int r = 0; r < NU_CELLS; r++)
		for (int p = 0; p < NU_PLANES; p++)
			memcpy(rgb + ((size_t)r * NU_PLANES + (size_t)p) * 3, col == 0 ?
			    f->lut[NU_PIXEL(f->map, view, p, NU_CELLS - 1 - r)] :
			    sal_colour(f, NU_PIXEL(f->sal->map, view, p, NU_CELLS - 1 - r)), 3);
	if (!paint_image(cr, rgb, NU_PLANES, NU_CELLS, x0, y0, pw, ph)) {
		free(rgb);
		return 0;
	}
	free(rgb);

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.0);
	/* planes along the bottom, at the middle of each plane */
	n = nu_plot_ticks(0, NU_PLANES - 1, 0, 12, v, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		double x = x0 + (v[i] + 0.5) * pw / NU_PLANES;

		cairo_move_to(cr, x, y1);
		cairo_line_to(cr, x, y1 + TICK_LEN);
		snprintf(buf, sizeof buf, "%.0f", v[i]);
		nu_plot_show_text(cr, buf, SZ_TICK, x, y1 + TICK_LEN + 4, 0.5, 0, 0);
	}
	/* cells up the left */
	n = nu_plot_ticks(0, NU_CELLS - 1, 0, 9, v, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		double y = y1 - (v[i] + 0.5) * ph / NU_CELLS;

		cairo_move_to(cr, x0, y);
		cairo_line_to(cr, x0 - TICK_LEN, y);
		snprintf(buf, sizeof buf, "%.0f", v[i]);
		nu_plot_show_text(cr, buf, SZ_TICK, x0 - TICK_LEN - 4, y, 1, 0.5, 0);
	}
	nu_plot_show_text(cr, cell_label[view], SZ_LABEL, x0 - TICK_LEN - 4 - 28,
	    (y0 + y1) / 2, 0.5, 1, M_PI / 2);
	/* metres up the right, from the lower edge of cell 0 */
	n = nu_plot_ticks(0, tlen, 0, 8, v, 64);
	step = n > 1 ? v[1] - v[0] : 1;
	for (size_t i = 0; i < n && i < 64; i++) {
		double y = y1 - v[i] / tlen * ph;

		cairo_move_to(cr, x1, y);
		cairo_line_to(cr, x1 + TICK_LEN, y);
		tick_text(v[i], step, buf, sizeof buf);
		nu_plot_show_text(cr, buf, SZ_TICK, x1 + TICK_LEN + 4, y, 0, 0.5, 0);
	}
	nu_plot_show_text(cr, metre_label[view], SZ_LABEL,
	    x1 + TICK_LEN + 4 + 32 + CAP_HEIGHT * SZ_LABEL, (y0 + y1) / 2, 0.5, 1,
	    M_PI / 2);
	/* metres along the top of the XZ panel, from the front of plane 0 */
	if (view == 0) {
		n = nu_plot_ticks(0, zlen, 0, 16, v, 64);
		step = n > 1 ? v[1] - v[0] : 1;
		for (size_t i = 0; i < n && i < 64; i++) {
			double x = x0 + v[i] / zlen * pw;

			cairo_move_to(cr, x, y0);
			cairo_line_to(cr, x, y0 - TICK_LEN);
			tick_text(v[i], step, buf, sizeof buf);
			nu_plot_show_text(cr, buf, SZ_TICK, x, y0 - TICK_LEN - 4, 0.5, 1, 0);
		}
		nu_plot_show_text(cr, "z (m)", SZ_LABEL, x1, PAD, 1, 0, 0);
	}
	cairo_stroke(cr);
	cairo_set_line_width(cr, 1.3);
	cairo_rectangle(cr, x0, y0, pw, ph);
	cairo_stroke(cr);

	/* the title, bold, above the panel's left end */
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_BOLD);
	nu_plot_show_text(cr, col == 0 ? view_title[view] : f->stitle[view], SZ_TITLE, x0,
	    view == 0 ? PAD : y0 - 14 - CAP_HEIGHT * SZ_TITLE, 0, 0, 0);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_NORMAL);
	return 1;
}

/* The colour bar: values 0 (the background) to vmax, bottom to top. */
static int
draw_bar(cairo_t *cr, const struct fig *f)
{
	const struct nu_eventfig_geom *g = &f->g;
	int nv = f->vmax + 1;
	uint8_t rgb[256 * 3];
	double v[64], x1 = g->bx + g->bw, wl = 0;
	char buf[32];
	size_t n;

	for (int r = 0; r < nv; r++)
		memcpy(rgb + (size_t)r * 3, f->lut[f->vmax - r], 3);
	if (!paint_image(cr, rgb, 1, nv, g->bx, g->by, g->bw, g->bh))
		return 0;
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.0);
	n = nu_plot_ticks(0, f->vmax, 0, 7, v, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		double y = g->by + g->bh - (v[i] + 0.5) / nv * g->bh;

		cairo_move_to(cr, x1, y);
		cairo_line_to(cr, x1 + TICK_LEN, y);
		snprintf(buf, sizeof buf, "%.0f", v[i]);
		wl = fmax(wl, nu_plot_text_width(cr, buf, SZ_TICK));
		nu_plot_show_text(cr, buf, SZ_TICK, x1 + TICK_LEN + 4, y, 0, 0.5, 0);
	}
	cairo_stroke(cr);
	cairo_set_line_width(cr, 1.3);
	cairo_rectangle(cr, g->bx, g->by, g->bw, g->bh);
	cairo_stroke(cr);
	nu_plot_show_text(cr, bar_label, SZ_LABEL,
	    x1 + TICK_LEN + 4 + fmax(wl, 28) + 10 + CAP_HEIGHT * SZ_LABEL,
	    g->by + g->bh / 2, 0.5, 1, M_PI / 2);
	return 1;
}

/* The saliency colour bar: -smax (bottom) to smax, zero in the middle. */
static int
draw_sal_bar(cairo_t *cr, const struct fig *f)
{
	const struct nu_eventfig_geom *g = &f->g;
	double bx = g->bx + FIG_W, x1 = bx + g->bw, v[64], step, wl = 0;
	uint8_t rgb[256 * 3];
	char buf[32];
	size_t n;

	for (int r = 0; r < 256; r++)
		memcpy(rgb + (size_t)r * 3, f->div[255 - r], 3);
	if (!paint_image(cr, rgb, 1, 256, bx, g->by, g->bw, g->bh))
		return 0;
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.0);
	n = nu_plot_ticks(-f->smax, f->smax, 0, 7, v, 64);
	step = n > 1 ? v[1] - v[0] : 1;
	for (size_t i = 0; i < n && i < 64; i++) {
		double y = g->by + g->bh / 2 - v[i] / f->smax * g->bh / 2;

		cairo_move_to(cr, x1, y);
		cairo_line_to(cr, x1 + TICK_LEN, y);
		if (step < 1e-3 || step >= 1e4)
			snprintf(buf, sizeof buf, "%.2g", v[i]);
		else
			tick_text(v[i], step, buf, sizeof buf);
		wl = fmax(wl, nu_plot_text_width(cr, buf, SZ_TICK));
		nu_plot_show_text(cr, buf, SZ_TICK, x1 + TICK_LEN + 4, y, 0, 0.5, 0);
	}
	cairo_stroke(cr);
	cairo_set_line_width(cr, 1.3);
	cairo_rectangle(cr, bx, g->by, g->bw, g->bh);
	cairo_stroke(cr);
	nu_plot_show_text(cr, f->slabel, SZ_LABEL,
	    x1 + TICK_LEN + 4 + fmax(wl, 28) + 10 + CAP_HEIGHT * SZ_LABEL,
	    g->by + g->bh / 2, 0.5, 1, M_PI / 2);
	return 1;
}

static int
draw(cairo_t *cr, void *ctx)
{
	const struct fig *f = ctx;
	const struct nu_eventfig_geom *g = &f->g;
	double y, size = SZ_CAP, widest = 0;

	nu_plot_fonts(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	for (int col = 0; col < (f->sal != NULL ? 2 : 1); col++) {
		for (int view = 0; view < NU_VIEWS; view++)
			if (!draw_panel(cr, f, view, col))
				return 0;
		if (!(col == 0 ? draw_bar(cr, f) : draw_sal_bar(cr, f)))
			return 0;
		cairo_set_source_rgb(cr, 0, 0, 0);
		y = g->py[1] + g->ph + TICK_LEN + 4 + CAP_HEIGHT * SZ_TICK + 12;
		nu_plot_show_text(cr, "plane (z, beam \u2192)", SZ_LABEL,
		    g->px[1] + col * FIG_W + g->pw / 2, y, 0.5, 0, 0);
	}

	/* the caption under a rule, shrunk to fit the width if it must */
	y += CAP_HEIGHT * SZ_LABEL + 18;
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(cr, 1.0);
	cairo_move_to(cr, PAD, y);
	cairo_line_to(cr, g->width - PAD, y);
	cairo_stroke(cr);
	for (int i = 0; i < f->nlines; i++)
		widest = fmax(widest, nu_plot_text_width(cr, f->t->line[i], SZ_CAP));
	if (widest > g->width - 2 * PAD)
		size = SZ_CAP * (g->width - 2 * PAD) / widest;
	for (int i = 0; i < f->nlines; i++) {
		/* the score: green when right, red when wrong */
		if (i == 2 && f->t->verdict != 0)
			cairo_set_source_rgb(cr, f->t->verdict > 0 ? 0.0 : 0.7,
			    f->t->verdict > 0 ? 0.45 : 0.1, f->t->verdict > 0 ? 0.15 : 0.05);
		else
			cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
		    i == 0 ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
		nu_plot_show_text(cr, f->t->line[i], size, PAD,
		    y + 8 + (i + 1) * CAP_PITCH - 6, 0, 1, 0);
	}
	return 1;
}

static enum nu_status
write_fig(const uint8_t *map, const struct nu_eventfig_sal *sal,
    const struct nu_eventfig_opts *o, const struct nu_eventfig_text *t,
    const char *path, enum nu_plot_format fmt, char **cause);

enum nu_status
nu_eventfig_write(const uint8_t *map, const struct nu_eventfig_opts *o,
    const struct nu_eventfig_text *t, const char *path, enum nu_plot_format fmt,
    char **cause)
{
	return write_fig(map, NULL, o, t, path, fmt, cause);
}

enum nu_status
nu_eventfig_write_saliency(const uint8_t *map, const struct nu_eventfig_sal *sal,
    const struct nu_eventfig_opts *o, const struct nu_eventfig_text *t,
    const char *path, enum nu_plot_format fmt, char **cause)
{
	return write_fig(map, sal, o, t, path, fmt, cause);
}

static enum nu_status
write_fig(const uint8_t *map, const struct nu_eventfig_sal *sal,
    const struct nu_eventfig_opts *o, const struct nu_eventfig_text *t,
    const char *path, enum nu_plot_format fmt, char **cause)
{
	struct fig *f;
	struct nu_plot_doc doc = { 0 };
	const char *kv[10];
	char *desc;
	enum nu_status st;

	if (o->vmax < 0 || o->vmax > 255 || (unsigned)o->cmap >= NU_NCMAPS ||
	    (unsigned)o->stretch >= NU_NSTRETCH)
		return nu_fail(cause, NU_ERR_USAGE, "%s: event figure: vmax must be "
		    "0-255 and the colour map and stretch known ones", path);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory", path);
	f->map = map;
	f->t = t;
	f->nlines = t->line[2][0] != '\0' ? 3 : 2;
	geometry(&f->g, f->nlines);
	f->vmax = o->vmax;
	if (f->vmax == 0) {
		for (int i = 0; i < NU_MAP_BYTES; i++)
			if (map[i] > f->vmax)
				f->vmax = map[i];
		if (f->vmax == 0)
			f->vmax = 1;
	}
	nu_cmap_lut(o->cmap, f->vmax, o->stretch, f->lut);
	if (sal != NULL) {
		f->sal = sal;
		f->smax = sal->vmax;
		if (!(f->smax > 0)) {
			for (int i = 0; i < NU_MAP_BYTES; i++)
				f->smax = fmax(f->smax, fabs(sal->map[i]));
			if (!(f->smax > 0) || !isfinite(f->smax))
				f->smax = 1.0;  /* an all-zero map: white */
		}
		nu_cmap_diverging(f->div);
		/* room for the saliency bar's signed tick labels */
		f->g.width = 2 * FIG_W + 60;
		for (int v = 0; v < NU_VIEWS; v++)
			snprintf(f->stitle[v], sizeof f->stitle[v], "%.2s saliency (%s)",
			    view_title[v], sal->method);
		snprintf(f->slabel, sizeof f->slabel, "%s", sal->unit);
	}
	/* SVG text is glyph outlines: its <desc> holds the figure's words */
	desc = nu_asprintf("%s; %s; %s%s%s%s%s%s%s. %s. %s%s%s", view_title[0],
	    view_title[1], bar_label, sal ? "; " : "", sal ? f->stitle[0] : "",
	    sal ? "; " : "", sal ? f->stitle[1] : "", sal ? "; " : "",
	    sal ? f->slabel : "", t->line[0], t->line[1], t->line[2][0] ? ". " : "",
	    t->line[2]);
	if (desc == NULL) {
		free(f);
		return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory", path);
	}
	doc.title = t->title;
	doc.desc = desc;
	doc.text = kv;
	doc.ntext = nu_eventfig_chunks(t, false, kv);
	st = nu_plot_draw_save(path, fmt, f->g.width, f->g.height, draw, f, &doc, cause);
	free(desc);
	free(f);
	return st;
}
