/*
 * plot.h: figures for talks and papers, drawn with cairo and saved as PNG,
 * SVG or PDF.
 *
 * A figure has one axes box: a title, axis labels, ticks on all four sides
 * pointing inwards at 1, 2, 5 x 10^k steps (decades on log axes), a legend
 * placed in the corner with the least data under it, and optionally a
 * colour bar.  Series are added in the order they are drawn; each takes the
 * next colour of a fixed qualitative palette unless told otherwise.  Data
 * are copied: the caller's arrays may be freed after each call.
 *
 * Building never fails half-way: a call that cannot add what it was given
 * (bad arguments, no memory) returns a status and the figure remembers the
 * first such failure, which nu_plot_save then reports.  Non-finite values
 * (NaN for an empty bin's efficiency) and, on log axes, values <= 0 are
 * not drawn; lines break there.
 *
 * Text (title, labels, legend entries, notes) may use two bits of markup:
 * subscripts written "_{...}" and superscripts "^{...}", as in
 * "E_{ν} (GeV)" or "10^{-3}".  UTF-8 is fine ("ν", "√", "μ").
 *
 * Sizes are in pixels for PNG (default 800 x 600) and the same numbers in
 * points for SVG and PDF.
 */
#ifndef NU_PLOT_H
#define NU_PLOT_H

#include <stddef.h>

#include "nu.h"

struct nu_plot;

enum nu_plot_format {
	NU_PLOT_AUTO = 0,   /* from the file name's extension */
	NU_PLOT_PNG,
	NU_PLOT_SVG,
	NU_PLOT_PDF,
};

enum nu_plot_legend {
	NU_LEGEND_AUTO = 0, /* the emptiest corner, raising an automatic
	                     * y limit if every corner would hide data */
	NU_LEGEND_NONE,
	NU_LEGEND_UPPER_RIGHT,
	NU_LEGEND_UPPER_LEFT,
	NU_LEGEND_LOWER_RIGHT,
	NU_LEGEND_LOWER_LEFT,
};

/* Palette colours for nu_plot_style.color besides 1..NU_PLOT_NCOLORS. */
#define NU_PLOT_NCOLORS 8
#define NU_PLOT_GREY  (-1)
#define NU_PLOT_BLACK (-2)

/* How a series looks; pass NULL for the defaults (all zero). */
struct nu_plot_style {
	int color;      /* 0: the next palette colour; 1..NU_PLOT_NCOLORS: that
	                 * palette colour (series sharing a meaning share it);
	                 * NU_PLOT_GREY or NU_PLOT_BLACK */
	int dashed;     /* dashed line: validation curves, reference lines */
	int markers;    /* lines: also a dot at every point */
	int fill;       /* step histograms: a translucent fill under the line */
};

/* A new empty figure; any of the strings may be NULL (copied).  NULL when
 * out of memory.  Free with nu_plot_free. */
struct nu_plot *nu_plot_new(const char *title, const char *xlabel,
    const char *ylabel);

/* Free a figure; NULL is a no-op. */
void nu_plot_free(struct nu_plot *p);

/* Size in pixels (PNG) or points (SVG, PDF), each 100..10000. */
enum nu_status nu_plot_set_size(struct nu_plot *p, int width, int height);

/* Axis limits; NAN for either side keeps that side automatic. */
void nu_plot_set_xlim(struct nu_plot *p, double lo, double hi);
void nu_plot_set_ylim(struct nu_plot *p, double lo, double hi);

/* Logarithmic axes (nonzero: on). */
void nu_plot_set_logx(struct nu_plot *p, int on);
void nu_plot_set_logy(struct nu_plot *p, int on);

/* The colour bar of a matrix or 2-D histogram: limits (NAN: automatic,
 * from 0 or the smallest value to the largest), log scale and label. */
void nu_plot_set_zlim(struct nu_plot *p, double lo, double hi);
void nu_plot_set_logz(struct nu_plot *p, int on);
enum nu_status nu_plot_set_zlabel(struct nu_plot *p, const char *label);

void nu_plot_set_legend(struct nu_plot *p, enum nu_plot_legend where);

/*
 * Series.  A label of NULL keeps the series out of the legend.  Each
 * returns NU_OK, NU_ERR_USAGE for inconsistent input (edges not
 * increasing, categories that differ from the figure's) or NU_ERR_NOMEM.
 */

/* A polyline through (x[i], y[i]), i < n: ROC, loss curves. */
enum nu_status nu_plot_line(struct nu_plot *p, const double *x, const double *y,
    size_t n, const char *label, const struct nu_plot_style *st);

/*
 * Points with error bars: efficiency versus energy.  ylo[i] and yhi[i] are
 * the lower and upper ends of the interval around y[i] (a Wilson interval,
 * say), not distances; xhw[i] is the half-width of the bin drawn as a
 * horizontal bar.  Any of ylo, yhi, xhw may be NULL.
 */
enum nu_status nu_plot_points(struct nu_plot *p, const double *x, const double *y,
    size_t n, const double *ylo, const double *yhi, const double *xhw,
    const char *label, const struct nu_plot_style *st);

/* A step histogram.  edges: [nbins + 1], increasing; counts: [nbins]. */
enum nu_status nu_plot_hist(struct nu_plot *p, const double *edges,
    const double *counts, size_t nbins, const char *label,
    const struct nu_plot_style *st);

/*
 * Histograms of several classes stacked over the same bins, the first class
 * at the bottom: the CVN score plot.  edges: [nbins + 1]; counts:
 * [nclass][nbins] row-major; labels: [nclass] (entries may be NULL).  The
 * classes take consecutive palette colours; the legend lists them top
 * first, as they appear.
 */
enum nu_status nu_plot_stack(struct nu_plot *p, const double *edges,
    const double *counts, size_t nbins, size_t nclass,
    const char *const *labels);

/*
 * Bars over named categories, one value each: per-slice metrics.  names:
 * [n]; values, lo, hi: [n], lo and hi the ends of the error interval (NULL:
 * none).  The first bar series sets the categories shown on the x axis; later
 * ones must have the same count and are drawn side by side in each slot.
 */
enum nu_status nu_plot_bars(struct nu_plot *p, const char *const *names,
    const double *values, const double *lo, const double *hi, size_t n,
    const char *label, const struct nu_plot_style *st);

/* A vertical line across the axes at x with its label written beside it
 * near the top: the chosen cut.  Default colour black, dashed as asked. */
enum nu_status nu_plot_vline(struct nu_plot *p, double x, const char *label,
    const struct nu_plot_style *st);

/* The line y = slope * x + intercept across the whole x range (it does not
 * widen the axes): the diagonal of a ROC or of true versus predicted.
 * Default colour grey. */
enum nu_status nu_plot_refline(struct nu_plot *p, double slope, double intercept,
    const char *label, const struct nu_plot_style *st);

/* A line of text in the legend box, below the entries: "AUC = 0.954". */
enum nu_status nu_plot_note(struct nu_plot *p, const char *text);

/*
 * Free text at (fx, fy) in fractions of the axes box (0, 0 bottom left).
 * The text hangs from the nearest edges: left-aligned when fx < 0.5,
 * centred at 0.5, right-aligned above; top-aligned when fy > 0.5 and so on,
 * so (0.04, 0.96) is an inset top-left corner.
 */
enum nu_status nu_plot_text(struct nu_plot *p, double fx, double fy,
    const char *text);

/*
 * A matrix heatmap with square cells: a confusion matrix.  values:
 * [nrows][ncols] row-major, row 0 drawn at the top; rownames: [nrows] down
 * the left (the y axis), colnames: [ncols] along the bottom.  Every finite
 * cell shows its value through fmt, which holds exactly one double
 * conversion ("%.0f", "%.2f", "%.1f%%"); NaN cells are grey with a dash.
 * A colour bar is drawn; the figure should hold nothing else.
 */
enum nu_status nu_plot_matrix(struct nu_plot *p, const double *values,
    size_t nrows, size_t ncols, const char *const *rownames,
    const char *const *colnames, const char *fmt);

/*
 * A 2-D histogram: true against predicted.  xedges: [nx + 1], yedges:
 * [ny + 1], both increasing; counts: [ny][nx] row-major, counts[iy * nx +
 * ix] the bin at (ix, iy), iy = 0 at the bottom.  Empty bins stay white.
 * Add nu_plot_refline(p, 1, 0, ...) for the diagonal.
 */
enum nu_status nu_plot_hist2d(struct nu_plot *p, const double *xedges, size_t nx,
    const double *yedges, size_t ny, const double *counts);

/*
 * Draw the figure and write it to path, through a temporary file in the
 * same directory renamed into place, so that no partial file is ever left
 * under either name.  fmt NU_PLOT_AUTO takes the format from the extension
 * (.png, .svg, .pdf, any case).  On failure (including an earlier failed
 * call on p) returns the status and, when cause is non-NULL, a message
 * naming path (caller frees).
 */
enum nu_status nu_plot_save(struct nu_plot *p, const char *path,
    enum nu_plot_format fmt, char **cause);

/*
 * Figures that are not one axes box (the event pictures of eventfig.h)
 * draw themselves on cairo and are saved through the same surfaces and
 * writer as nu_plot_save.
 */
typedef struct _cairo cairo_t;

/* What a file says about the figure besides its drawing (all optional;
 * strings borrowed).  title: PDF Title, SVG <title>; desc: PDF Subject,
 * SVG <desc> (the words of the figure, since SVG text is outlines);
 * text: PNG tEXt chunks as keyword, value pairs text[0..2*ntext), Latin-1,
 * keywords of 1-79 characters. */
struct nu_plot_doc {
	const char *title;
	const char *desc;
	const char *const *text;
	size_t ntext;
};

/*
 * Draw a width x height figure (pixels for PNG, points for SVG and PDF,
 * 100..10000 each) by calling draw(cr, ctx), which returns 0 when out of
 * memory, and write it to path as nu_plot_save does (format from fmt or
 * the extension; a temporary file renamed into place).  doc may be NULL.
 */
enum nu_status nu_plot_draw_save(const char *path, enum nu_plot_format fmt,
    int width, int height, int (*draw)(cairo_t *cr, void *ctx), void *ctx,
    const struct nu_plot_doc *doc, char **cause);

/* The font settings of every figure (sans-serif, unhinted metrics). */
void nu_plot_fonts(cairo_t *cr);

/*
 * Text s (with the _{} ^{} markup above) of size points anchored at (x, y):
 * ha 0 puts its left end there, 0.5 its middle, 1 its right end; va 0 the
 * top of the capitals, 1 the baseline; angle turns it counter-clockwise
 * (radians) about the anchor.  In the current source colour.
 */
void nu_plot_show_text(cairo_t *cr, const char *s, double size, double x,
    double y, double ha, double va, double angle);

/* Advance width of s at size points (markup applied). */
double nu_plot_text_width(cairo_t *cr, const char *s, double size);

/* "png", "svg" or "pdf" (any case) into *out; NU_ERR_USAGE otherwise. */
enum nu_status nu_plot_format_parse(const char *name, enum nu_plot_format *out,
    char **cause);

/* A list of formats, "png,svg,pdf" (any case, at most three), into
 * out[0..*n); NU_ERR_USAGE naming the list otherwise. */
enum nu_status nu_plot_formats_parse(const char *list, enum nu_plot_format *out, int *n,
    char **cause);

/* The file extension of a format without the dot ("png"); "" for AUTO. */
const char *nu_plot_format_ext(enum nu_plot_format fmt);

/*
 * The major tick values the axes would draw over [lo, hi]: on a linear axis
 * multiples of a step of 1, 2 or 5 x 10^k, the smallest step giving at most
 * maxn ticks; on a log axis (lo > 0) the decades, every second or more when
 * they are too many, 1, 2 and 5 of each when only two decades are in range,
 * linear ticks when fewer.  Writes at most cap values to out and returns how many ticks
 * there are (which may exceed cap); 0 for an empty or invalid range.
 */
size_t nu_plot_ticks(double lo, double hi, int logscale, int maxn,
    double *out, size_t cap);

/*
 * The sequential colour map of heatmaps at t in [0, 1] (clamped), as sRGB
 * in [0, 1]: dark blue through teal and green to yellow with CIELAB
 * lightness rising linearly from 18 to 93 (see plot.c).
 */
void nu_plot_cmap(double t, double rgb[3]);

#endif
