/*
 * eventpng.h: pictures of events as PNG files, and choosing which events.
 *
 * A colour picture draws an event as the NOvA event display does: the XZ
 * view above the YZ view, z (plane, the beam direction) running left to
 * right, cell number increasing upwards, a thin gap between the views.
 * Every cell becomes a scale x scale block coloured by a colour map
 * (colormap.h); an optional caption strip below names the interaction,
 * the energies, the file and index, and a model's score.
 *
 *   width  = 100 * scale
 *   height = (160 + NU_EVENTPNG_GAP) * scale [+ NU_EVENTPNG_CAPTION_H]
 *
 * A raw picture is data, not a drawing: 8-bit grey, one pixel per cell
 * holding the exact stored value, 100 columns (planes 0..99, left to
 * right) by 160 rows: rows 0..79 are XZ cells 79..0, rows 80..159 YZ
 * cells 79..0.  So raw pixel (x, y) holds map byte
 *   view*8000 + x*80 + (79 - y%80),  view = y / 80.
 *
 * Files are written through nu_afile (nu.h): a temporary in the target
 * directory, synced and renamed into place, so a failed write leaves no
 * file behind and the old one as it was.
 */
#ifndef NU_EVENTPNG_H
#define NU_EVENTPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colormap.h"
#include "dataset.h"
#include "nu.h"
#include "where.h"

#define NU_EVENTPNG_GAP 1               /* rows between the views, before scaling */
#define NU_EVENTPNG_CAPTION_H 54        /* caption strip height, pixels (not scaled) */
#define NU_EVENTPNG_MAXSCALE 32
#define NU_EVENTPNG_RAW_W NU_PLANES             /* 100 */
#define NU_EVENTPNG_RAW_H (NU_VIEWS * NU_CELLS) /* 160 */

/* An image in memory: rows top to bottom, channels 1 (grey) or 3 (RGB). */
struct nu_eventpng_image {
	int width, height, channels;
	uint8_t *pix;           /* [height][width][channels], owned */
};

void nu_eventpng_image_free(struct nu_eventpng_image *img);

/* What the caption says about an event (strings borrowed). */
struct nu_eventpng_caption {
	uint32_t interaction;   /* code; its name is shown */
	double nuenergy, lepenergy;     /* GeV */
	const char *file;       /* shown by its last component */
	uint64_t local;         /* index in that file */
	uint64_t event;         /* global index */
	const char *score;      /* e.g. "numu CC score 0.93"; NULL for none */
};

struct nu_eventpng_opts {
	enum nu_cmap cmap;
	enum nu_cmap_stretch stretch;
	int scale;              /* 1 .. NU_EVENTPNG_MAXSCALE */
	int vmax;               /* top of the colour scale, 1..255; 0: the
	                         * event's largest value (one scale for both views) */
	bool caption;           /* draw the caption strip */
};

/* Width and height of a colour picture drawn with o. */
void nu_eventpng_size(const struct nu_eventpng_opts *o, int *width, int *height);

/*
 * Draw the event map (NU_MAP_BYTES bytes) in colour; cap is required when
 * o->caption.  *out is the caller's to free with nu_eventpng_image_free.
 */
enum nu_status nu_eventpng_render(const uint8_t *map,
    const struct nu_eventpng_opts *o, const struct nu_eventpng_caption *cap,
    struct nu_eventpng_image **out, char **cause);

/* The raw picture of the event map (see above); caller frees. */
enum nu_status nu_eventpng_render_raw(const uint8_t *map,
    struct nu_eventpng_image **out, char **cause);

/*
 * Write img as a PNG file at path (replacing any file there), with
 * optional text chunks text[0..2*ntext) as keyword, value pairs (Latin-1
 * keywords of 1-79 characters).  On failure no file is left and the cause
 * names path.
 */
enum nu_status nu_eventpng_write(const struct nu_eventpng_image *img,
    const char *path, const char *const *text, size_t ntext, char **cause);

/*
 * Parse a list of global event indices, "0,5,10-20": comma-separated
 * whole numbers and inclusive ranges A-B (A <= B), every one below
 * nevents.  *out (caller frees) holds them sorted, each once; *n their
 * number.  Errors (NU_ERR_USAGE for malformed text, NU_ERR_RANGE for an
 * index >= nevents or one too large for 64 bits) quote the offending item.
 * With out NULL only the text's form is checked (nevents and n unused).
 */
enum nu_status nu_eventpng_parse_indices(const char *text, uint64_t nevents,
    uint64_t **out, size_t *n, char **cause);

/*
 * The global indices of the events that where selects, in order, at most
 * limit of them (0: no limit), reading only the columns it uses.  *out is
 * the caller's to free (NULL when *n == 0).
 */
enum nu_status nu_eventpng_select(struct nu_dataset *ds, const struct nu_where *where,
    size_t limit, uint64_t **out, size_t *n, char **cause);

#endif
