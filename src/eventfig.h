/*
 * eventfig.h: one event drawn as a figure for a talk.
 *
 * The figure is what a NOvA talk shows of an event: the XZ (top) view
 * above the YZ (side) view, z (plane, the beam direction) running left to
 * right, each panel titled, plane and cell ticks on the bottom and left,
 * a second scale in metres on the top (z) and right (x, y), one colour bar
 * for both views with its unit, and a caption naming the interaction, the
 * energies, the file and index and, when a model's output is given, its
 * score and verdict.  Panels are drawn to scale: a plane of one view is
 * NU_EVENTFIG_PLANE_CM deep (two physical planes, since the views
 * alternate), a cell NU_EVENTFIG_CELL_CM wide, the geometry nuscope sim
 * uses (nuscope-sim(7)).  Metres count from the upstream edge of plane 0
 * and the lower edge of cell 0: the maps carry no absolute position.
 *
 * The same cairo code draws PNG, SVG and PDF (plot.h's surfaces and
 * writer).  The words about an event (the caption, and the text chunks of
 * every PNG of an event, raw pictures included) are assembled once, by
 * nu_eventfig_text, for the command line and the terminal UI alike.
 */
#ifndef NU_EVENTFIG_H
#define NU_EVENTFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colormap.h"
#include "labels.h"
#include "nu.h"
#include "plot.h"

#define NU_EVENTFIG_PLANE_CM 13.3       /* one view's plane pitch along z */
#define NU_EVENTFIG_CELL_CM 3.97        /* cell pitch across x or y */
#define NU_EVENTFIG_MAXOUT 32           /* model outputs a caption reads */

/* An event as the caption names it (strings borrowed). */
struct nu_eventfig_event {
	uint32_t interaction;   /* code; its name is shown too */
	float nuenergy, lepenergy;      /* GeV */
	const char *file;       /* the event's file; shown by its last component */
	uint64_t local;         /* index in that file */
	uint64_t event;         /* global index across the files */
};

/*
 * A model's output for the event, computed by the caller (the figure code
 * loads no model).  Binary tasks with one output read out[0] as the
 * probability of class 1, selected when above threshold; classifiers with
 * one output per class name the likeliest; regressions give the value.
 * The verdict (right or wrong) comes from the event's truth for the task.
 */
struct nu_eventfig_score {
	bool have;              /* false: no model, no score in the caption */
	enum nu_task task;
	int nout;               /* outputs in out, 1..NU_EVENTFIG_MAXOUT */
	const float *out;       /* [nout], borrowed */
	double threshold;       /* binary tasks: the operating point */
};

/* The words about one event, assembled once (all NUL-terminated). */
struct nu_eventfig_text {
	char title[64];         /* "event 246" */
	char source[4200];      /* "PATH #LOCAL" */
	char comment[640];      /* ASCII: interaction, energies; score */
	char score[240];        /* ASCII score and verdict, "" without a model */
	char line[3][320];      /* the caption's lines, UTF-8 with plot.h markup;
	                         * line[2] is the score, "" without a model */
	int verdict;            /* the model is right 1, wrong -1, no verdict 0 */
};

/* Fill *t for event ev and, when sc is non-NULL and sc->have, its score. */
void nu_eventfig_text(const struct nu_eventfig_event *ev,
    const struct nu_eventfig_score *sc, struct nu_eventfig_text *t);

/*
 * The PNG text chunks of an event's picture as keyword, value pairs into
 * kv[0..2n) (n returned, at most 5): Software, Title, Source, Comment and,
 * for a raw picture, Description (its layout).  Values borrowed from t.
 */
size_t nu_eventfig_chunks(const struct nu_eventfig_text *t, bool raw,
    const char *kv[10]);

struct nu_eventfig_opts {
	enum nu_cmap cmap;      /* the colour map, as the PNG pictures use */
	enum nu_cmap_stretch stretch;
	int vmax;               /* top of the colour bar, 1..255; 0: the event's
	                         * largest value (one scale for both views) */
};

/* Where the figure puts things, in pixels (PNG) or points (SVG, PDF). */
struct nu_eventfig_geom {
	int width, height;
	double px[2], py[2];    /* top-left corner of the XZ [0] and YZ [1] panels */
	double pw, ph;          /* panel size: 100 planes by 80 cells */
	double bx, by, bw, bh;  /* the colour bar */
};

/* The geometry of the figure; a caption with a score is a line taller. */
void nu_eventfig_geometry(struct nu_eventfig_geom *g, bool score);

/*
 * Draw event map (NU_MAP_BYTES bytes) with the words of t and write it to
 * path in format fmt (NU_PLOT_AUTO: from the extension), through a
 * temporary file renamed into place; PNG files carry the text chunks of
 * nu_eventfig_chunks.  On failure no file is left and the cause names path.
 */
enum nu_status nu_eventfig_write(const uint8_t *map,
    const struct nu_eventfig_opts *o, const struct nu_eventfig_text *t,
    const char *path, enum nu_plot_format fmt, char **cause);

/*
 * A saliency figure: the event as nu_eventfig_write draws it, and beside
 * it (a second column as wide) the saliency of each view in a diverging
 * colour map, blue below zero, white at zero, red above, with its own
 * colour bar from -vmax to vmax.
 */
struct nu_eventfig_sal {
	const float *map;       /* [2, 100, 80], XZ then YZ, as NU_PIXEL */
	double vmax;            /* the bar's top; 0: the largest |value| */
	const char *method;     /* named in the panels' titles ("occlusion") */
	const char *unit;       /* the bar's label ("score change") */
};

enum nu_status nu_eventfig_write_saliency(const uint8_t *map,
    const struct nu_eventfig_sal *sal, const struct nu_eventfig_opts *o,
    const struct nu_eventfig_text *t, const char *path, enum nu_plot_format fmt,
    char **cause);

#endif
