/*
 * eventpng.c: pictures of events, PNG files, and the selection of events
 * to draw (see eventpng.h).
 *
 * The pixels are ours; cairo only sets the caption's text (its toy text
 * API with the system's sans-serif font) on a separate surface that is
 * copied into the picture, and libpng writes the file, through a
 * temporary that nu_afile (nu.h) syncs and renames into place.
 */
#include "config.h"

#include <cairo.h>
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventpng.h"
#include "labels.h"

#define READ_BLOCK 4096         /* events per metadata read when selecting */

/* Colours that do not come from the map (sRGB). */
static const uint8_t gap_rgb[3] = { 0x5c, 0x5c, 0x60 };
static const double caption_bg[3] = { 0.11, 0.11, 0.125 };
static const double text_main[3] = { 0.93, 0.93, 0.93 };
static const double text_dim[3] = { 0.62, 0.62, 0.65 };
static const double text_score[3] = { 1.0, 0.84, 0.45 };

void
nu_eventpng_image_free(struct nu_eventpng_image *img)
{
	if (img == NULL)
		return;
	free(img->pix);
	free(img);
}

static enum nu_status
image_new(int width, int height, int channels, struct nu_eventpng_image **out,
    char **cause)
{
	struct nu_eventpng_image *img = calloc(1, sizeof(*img));

	*out = NULL;
	if (img == NULL ||
	    (img->pix = calloc((size_t)width * (size_t)height, (size_t)channels)) == NULL) {
		free(img);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for a %dx%d picture",
		    width, height);
	}
	img->width = width;
	img->height = height;
	img->channels = channels;
	*out = img;
	return NU_OK;
}

void
nu_eventpng_size(const struct nu_eventpng_opts *o, int *width, int *height)
{
	*width = NU_PLANES * o->scale;
	*height = (NU_VIEWS * NU_CELLS + NU_EVENTPNG_GAP) * o->scale +
	    (o->caption ? NU_EVENTPNG_CAPTION_H : 0);
}

enum nu_status
nu_eventpng_render_raw(const uint8_t *map, struct nu_eventpng_image **out,
    char **cause)
{
	struct nu_eventpng_image *img;
	enum nu_status st;

	if ((st = image_new(NU_EVENTPNG_RAW_W, NU_EVENTPNG_RAW_H, 1, &img, cause)) != NU_OK)
		return st;
	/* row y: view y / 80, cell 79 - y % 80 (cells upward); column: plane */
	for (int y = 0; y < NU_EVENTPNG_RAW_H; y++) {
		int view = y / NU_CELLS, cell = NU_CELLS - 1 - y % NU_CELLS;

		for (int p = 0; p < NU_PLANES; p++)
			img->pix[(size_t)y * NU_EVENTPNG_RAW_W + (size_t)p] =
			    NU_PIXEL(map, view, p, cell);
	}
	*out = img;
	return NU_OK;
}

/* ---- the caption --------------------------------------------------------- */

/* One caption line: text on the left, text on the right, optionally the
 * colour scale drawn just left of the right-hand text. */
struct cap_line {
	char left[160], right[120];
	bool bold, bar;
	const double *lcolour, *rcolour;
};

#define CAP_PAD 8               /* pixels left and right */
#define CAP_SEP 18              /* least space between left and right */
#define CAP_FONT 12.5           /* font size when it fits */
#define CAP_PITCH 15.0          /* baseline to baseline at CAP_FONT */
#define CAP_TOP 17.0            /* first baseline at CAP_FONT */
#define BAR_W 64                /* colour scale, at CAP_FONT */
#define BAR_H 8

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

static double
text_width(cairo_t *cr, const char *s, bool bold)
{
	cairo_text_extents_t e;

	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_text_extents(cr, s, &e);
	return e.x_advance;
}

/* Width a line needs at the current font size (bar: width of the bar). */
static double
line_width(cairo_t *cr, const struct cap_line *l, double bar)
{
	double w = text_width(cr, l->left, l->bold);

	if (l->right[0] != '\0' || l->bar)
		w += CAP_SEP + text_width(cr, l->right, false) + (l->bar ? bar + 4 : 0);
	return w;
}

static void
show(cairo_t *cr, double x, double y, const char *s, bool bold, const double *rgb)
{
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

/*
 * Draw the caption onto rows [y0, y0 + NU_EVENTPNG_CAPTION_H) of img.
 * lut and vmax describe the colour scale shown beside the energies.
 */
static enum nu_status
draw_caption(struct nu_eventpng_image *img, int y0,
    const struct nu_eventpng_caption *cap, const uint8_t lut[256][3], int vmax,
    char **cause)
{
	int w = img->width, h = NU_EVENTPNG_CAPTION_H;
	cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_t *cr = cairo_create(sf);
	cairo_font_options_t *fo = cairo_font_options_create();
	struct cap_line line[3];
	double size = CAP_FONT, fit;
	enum nu_status st = NU_OK;
	cairo_status_t cs;

	memset(line, 0, sizeof line);
	snprintf(line[0].left, sizeof line[0].left, "%s  (interaction %u)",
	    nu_code_name_utf8(cap->interaction), cap->interaction);
	line[0].bold = true;
	line[0].lcolour = text_main;
	if (cap->score != NULL)
		snprintf(line[0].right, sizeof line[0].right, "%s", cap->score);
	line[0].rcolour = text_score;
	if (cap->nuenergy > 0)
		snprintf(line[1].left, sizeof line[1].left,
		    "E\u03bd %.2f GeV   E\u2113 %.2f GeV   y %.2f", cap->nuenergy,
		    cap->lepenergy, cap->lepenergy / cap->nuenergy);
	else
		snprintf(line[1].left, sizeof line[1].left,
		    "E\u03bd %.2f GeV   E\u2113 %.2f GeV", cap->nuenergy, cap->lepenergy);
	line[1].lcolour = text_main;
	snprintf(line[1].right, sizeof line[1].right, "%d", vmax);
	line[1].bar = true;
	line[1].rcolour = text_dim;
	snprintf(line[2].left, sizeof line[2].left, "%s #%llu \u00b7 event %llu",
	    base_name(cap->file), (unsigned long long)cap->local,
	    (unsigned long long)cap->event);
	line[2].lcolour = text_dim;
	snprintf(line[2].right, sizeof line[2].right, "XZ above YZ \u00b7 z \u2192");
	line[2].rcolour = text_dim;

	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
	cairo_set_font_options(cr, fo);
	cairo_set_source_rgb(cr, caption_bg[0], caption_bg[1], caption_bg[2]);
	cairo_paint(cr);

	/* shrink the text to fit; if that makes it tiny, drop the extras */
	for (int pass = 0; pass < 2; pass++) {
		double need = 0;

		cairo_set_font_size(cr, CAP_FONT);
		for (int i = 0; i < 3; i++) {
			double lw = line_width(cr, &line[i], BAR_W);

			if (lw > need)
				need = lw;
		}
		fit = (w - 2.0 * CAP_PAD) / need;
		if (pass == 0 && fit < 0.8) {
			line[1].bar = false;
			line[1].right[0] = '\0';
			line[2].right[0] = '\0';
			continue;
		}
		break;
	}
	if (fit < 1.0)
		size = CAP_FONT * (fit > 0.35 ? fit : 0.35);
	cairo_set_font_size(cr, size);

	for (int i = 0; i < 3; i++) {
		double y = (CAP_TOP + i * CAP_PITCH) * size / CAP_FONT +
		    (h - (CAP_TOP + 2 * CAP_PITCH + 5) * size / CAP_FONT) / 2;
		double x = w - CAP_PAD;

		show(cr, CAP_PAD, y, line[i].left, line[i].bold, line[i].lcolour);
		if (line[i].right[0] != '\0') {
			x -= text_width(cr, line[i].right, false);
			show(cr, x, y, line[i].right, false, line[i].rcolour);
		}
		if (line[i].bar) {
			/* the scale: one column per step from value 1 to vmax */
			double bw = BAR_W * size / CAP_FONT, bh = BAR_H * size / CAP_FONT;
			double bx = x - 4 - bw;

			for (int k = 0; k < (int)bw; k++) {
				int v = 1 + (int)((double)k / bw * vmax);
				const uint8_t *c = lut[v > 255 ? 255 : v];

				cairo_set_source_rgb(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0);
				cairo_rectangle(cr, bx + k, y - bh, 1, bh);
				cairo_fill(cr);
			}
			x = bx - 4 - text_width(cr, "1", false);
			show(cr, x, y, "1", false, line[i].rcolour);
		}
	}
	cairo_surface_flush(sf);
	if ((cs = cairo_status(cr)) != CAIRO_STATUS_SUCCESS ||
	    (cs = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS) {
		st = nu_fail(cause, NU_ERR_NOMEM, "drawing the caption: %s",
		    cairo_status_to_string(cs));
	} else {
		const unsigned char *data = cairo_image_surface_get_data(sf);
		int stride = cairo_image_surface_get_stride(sf);

		/* RGB24: one native-endian 32-bit word per pixel, 0x00RRGGBB */
		for (int y = 0; y < h; y++) {
			const uint32_t *src = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
			uint8_t *dst = img->pix + ((size_t)(y0 + y) * (size_t)w) * 3;

			for (int x = 0; x < w; x++) {
				dst[3 * x] = (uint8_t)(src[x] >> 16);
				dst[3 * x + 1] = (uint8_t)(src[x] >> 8);
				dst[3 * x + 2] = (uint8_t)src[x];
			}
		}
	}
	cairo_font_options_destroy(fo);
	cairo_destroy(cr);
	cairo_surface_destroy(sf);
	return st;
}

enum nu_status
nu_eventpng_render(const uint8_t *map, const struct nu_eventpng_opts *o,
    const struct nu_eventpng_caption *cap, struct nu_eventpng_image **out,
    char **cause)
{
	struct nu_eventpng_image *img;
	uint8_t lut[256][3];
	int s = o->scale, vmax = o->vmax, w, h;
	enum nu_status st;

	*out = NULL;
	if (s < 1 || s > NU_EVENTPNG_MAXSCALE || vmax < 0 || vmax > 255 ||
	    (unsigned)o->cmap >= NU_NCMAPS ||
	    (unsigned)o->stretch >= NU_NSTRETCH || (o->caption && cap == NULL))
		return nu_fail(cause, NU_ERR_USAGE, "event picture: scale must be "
		    "1-%d, vmax 0-255, the colour map and stretch known ones, "
		    "and a caption given when asked for", NU_EVENTPNG_MAXSCALE);
	if (vmax == 0) {
		for (int i = 0; i < NU_MAP_BYTES; i++)
			if (map[i] > vmax)
				vmax = map[i];
		if (vmax == 0)
			vmax = 1;
	}
	nu_cmap_lut(o->cmap, vmax, o->stretch, lut);
	nu_eventpng_size(o, &w, &h);
	if ((st = image_new(w, h, 3, &img, cause)) != NU_OK)
		return st;

	for (int view = 0; view < NU_VIEWS; view++) {
		int top = view * (NU_CELLS + NU_EVENTPNG_GAP);

		for (int r = 0; r < NU_CELLS; r++) {
			int cell = NU_CELLS - 1 - r;    /* cells upward */
			uint8_t *row = img->pix + (size_t)(top + r) * (size_t)s * (size_t)w * 3;

			for (int p = 0; p < NU_PLANES; p++) {
				const uint8_t *c = lut[NU_PIXEL(map, view, p, cell)];

				for (int k = 0; k < s; k++)
					memcpy(row + ((size_t)p * (size_t)s + (size_t)k) * 3, c, 3);
			}
			for (int k = 1; k < s; k++)
				memcpy(row + (size_t)k * (size_t)w * 3, row, (size_t)w * 3);
		}
	}
	for (int y = NU_CELLS * s; y < (NU_CELLS + NU_EVENTPNG_GAP) * s; y++)
		for (int x = 0; x < w; x++)
			memcpy(img->pix + ((size_t)y * (size_t)w + (size_t)x) * 3, gap_rgb, 3);

	if (o->caption &&
	    (st = draw_caption(img, (NU_VIEWS * NU_CELLS + NU_EVENTPNG_GAP) * s,
	    cap, lut, vmax, cause)) != NU_OK) {
		nu_eventpng_image_free(img);
		return st;
	}
	*out = img;
	return NU_OK;
}

/* ---- writing PNG files --------------------------------------------------- */

struct png_trap {
	jmp_buf jb;
	char msg[200];
	FILE *f;                /* where the bytes go */
	int err;                /* errno of a failed write, else 0 */
};

static void
png_trap_error(png_structp png, png_const_charp msg)
{
	struct png_trap *t = png_get_error_ptr(png);

	snprintf(t->msg, sizeof t->msg, "%s", msg);
	longjmp(t->jb, 1);
}

static void
png_trap_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* libpng's own writer says only "Write Error": this one keeps the errno
 * (a full disk) for the message. */
static void
png_trap_write(png_structp png, png_bytep data, png_size_t len)
{
	struct png_trap *t = png_get_io_ptr(png);

	if (fwrite(data, 1, len, t->f) != len) {
		t->err = errno != 0 ? errno : EIO;
		png_error(png, "Write Error");
	}
}

/* The commit flushes and syncs the whole file. */
static void
png_trap_flush(png_structp png)
{
	(void)png;
}

/*
 * The libpng calls proper.  The only frame with a setjmp: it changes no
 * local variable after it, so nothing is clobbered by the longjmp.
 */
static bool
png_emit(png_structp png, png_infop info,
    const struct nu_eventpng_image *img, png_bytep *rows, png_text *chunks,
    size_t ntext, struct png_trap *t)
{
	if (setjmp(t->jb))
		return false;
	png_set_write_fn(png, t, png_trap_write, png_trap_flush);
	png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
	    img->channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	/* the colours are sRGB; a raw picture holds data, not light.  A
	 * drawing repeats each row scale times: the "up" filter alone turns
	 * those into zeros, and is twice as fast as trying every filter. */
	if (img->channels == 3) {
		png_set_sRGB_gAMA_and_cHRM(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
		png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
	}
	if (ntext > 0)
		png_set_text(png, info, chunks, (int)ntext);
	png_write_info(png, info);
	png_write_image(png, rows);
	png_write_end(png, NULL);
	return true;
}

/* Encode img into t->f.  Returns false with t->msg (and t->err when a
 * write failed) set when libpng fails. */
static bool
png_encode(const struct nu_eventpng_image *img, const char *const *text,
    size_t ntext, struct png_trap *t)
{
	png_structp png;
	png_infop info = NULL;
	png_text *chunks = NULL;
	png_bytep *rows = NULL;
	bool ok = false;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, t, png_trap_error,
	    png_trap_warning);
	if (png == NULL) {
		snprintf(t->msg, sizeof t->msg, "out of memory");
		return false;
	}
	if ((info = png_create_info_struct(png)) == NULL ||
	    (rows = malloc((size_t)img->height * sizeof(*rows))) == NULL ||
	    (ntext > 0 && (chunks = calloc(ntext, sizeof(*chunks))) == NULL)) {
		snprintf(t->msg, sizeof t->msg, "out of memory");
	} else {
		for (int y = 0; y < img->height; y++)
			rows[y] = img->pix + (size_t)y * (size_t)img->width *
			    (size_t)img->channels;
		for (size_t i = 0; i < ntext; i++) {
			chunks[i].compression = PNG_TEXT_COMPRESSION_NONE;
			chunks[i].key = (png_charp)(uintptr_t)text[2 * i];
			chunks[i].text = (png_charp)(uintptr_t)text[2 * i + 1];
		}
		ok = png_emit(png, info, img, rows, chunks, ntext, t);
	}
	png_destroy_write_struct(&png, info != NULL ? &info : NULL);
	free(rows);
	free(chunks);
	return ok;
}

enum nu_status
nu_eventpng_write(const struct nu_eventpng_image *img, const char *path,
    const char *const *text, size_t ntext, char **cause)
{
	struct png_trap t = { .msg = "" };
	struct nu_afile *af;
	enum nu_status st;

	if ((st = nu_afile_open(&af, path, cause)) != NU_OK)
		return st;
	t.f = nu_afile_stream(af);
	if (!png_encode(img, text, ntext, &t)) {
		nu_afile_abort(af);
		return nu_fail(cause, NU_ERR_IO, "%s: cannot write: %s", path,
		    t.err != 0 ? strerror(t.err) : t.msg);
	}
	return nu_afile_commit(af, cause);
}

/* ---- which events -------------------------------------------------------- */

enum nu_status
nu_eventpng_parse_indices(const char *text, uint64_t nevents, uint64_t **out,
    size_t *n, char **cause)
{
	uint8_t *seen = NULL;
	const char *p = text;
	size_t count = 0;

	if (out != NULL) {
		*out = NULL;
		*n = 0;
	}
	if (strspn(text, " \t") == strlen(text))
		return nu_fail(cause, NU_ERR_USAGE,
		    "the index list is empty: give indices such as 0,5,10-20");
	if (out != NULL && nevents == 0)
		return nu_fail(cause, NU_ERR_RANGE, "the files hold no events");
	if (out != NULL && (seen = calloc((size_t)((nevents + 7) / 8), 1)) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for the index list");

	for (;;) {
		const char *item = p, *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		unsigned long long a, b;
		char *stop;
		int got;

		while (len > 0 && (*item == ' ' || *item == '\t')) {
			item++;
			len--;
		}
		while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
			len--;
		if (len == 0) {
			free(seen);
			return nu_fail(cause, NU_ERR_USAGE,
			    "empty item in the index list '%s'", text);
		}
		/* A or A-B, digits only: strtoull alone would take "-5" and "+5" */
		got = 0;
		errno = 0;
		if (item[0] >= '0' && item[0] <= '9') {
			a = strtoull(item, &stop, 10);
			b = a;
			got = errno == 0;
			if (got && stop < item + len && *stop == '-' &&
			    stop[1] >= '0' && stop[1] <= '9') {
				b = strtoull(stop + 1, &stop, 10);
				got = errno == 0;
			}
			if (stop != item + len)
				got = 0;
		}
		if (!got) {
			free(seen);
			if (errno == ERANGE)
				return nu_fail(cause, NU_ERR_RANGE,
				    "'%.*s' in the index list is too large", (int)len, item);
			return nu_fail(cause, NU_ERR_USAGE, "'%.*s' in the index list is "
			    "not an index or a range A-B", (int)len, item);
		}
		if (b < a) {
			free(seen);
			return nu_fail(cause, NU_ERR_USAGE, "the range '%.*s' in the "
			    "index list runs backwards", (int)len, item);
		}
		if (out != NULL && b >= nevents) {
			free(seen);
			return nu_fail(cause, NU_ERR_RANGE, "event %llu is out of range: "
			    "the files hold %llu event%s (0-%llu)", b,
			    (unsigned long long)nevents, nevents == 1 ? "" : "s",
			    (unsigned long long)nevents - 1);
		}
		for (unsigned long long i = a; out != NULL && i <= b; i++) {
			if (!(seen[i / 8] & (1u << (i % 8))))
				count++;
			seen[i / 8] |= (uint8_t)(1u << (i % 8));
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	if (out == NULL)
		return NU_OK;
	if ((*out = malloc((count > 0 ? count : 1) * sizeof(**out))) == NULL) {
		free(seen);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for the index list");
	}
	for (uint64_t i = 0; i < nevents; i++)
		if (seen[i / 8] & (1u << (i % 8)))
			(*out)[(*n)++] = i;
	free(seen);
	return NU_OK;
}

enum nu_status
nu_eventpng_select(struct nu_dataset *ds, const struct nu_where *where,
    size_t limit, uint64_t **out, size_t *n, char **cause)
{
	uint64_t total = nu_dataset_nevents(ds);
	uint8_t *keep = malloc(READ_BLOCK);
	uint64_t *sel = NULL;
	size_t nsel = 0, cap = 0;
	enum nu_status st = NU_OK;

	*out = NULL;
	*n = 0;
	if (keep == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory selecting events");
	for (uint64_t at = 0; at < total && st == NU_OK; at += READ_BLOCK) {
		size_t m = total - at < READ_BLOCK ? (size_t)(total - at) : READ_BLOCK;

		if (limit > 0 && nsel >= limit)
			break;
		if ((st = nu_where_select(where, ds, at, m, keep, cause)) != NU_OK)
			break;
		for (size_t i = 0; i < m && (limit == 0 || nsel < limit); i++) {
			if (!keep[i])
				continue;
			if (nsel == cap) {
				size_t ncap = cap ? 2 * cap : 256;
				uint64_t *grown = realloc(sel, ncap * sizeof(*grown));

				if (grown == NULL) {
					st = nu_fail(cause, NU_ERR_NOMEM,
					    "out of memory selecting events");
					break;
				}
				sel = grown;
				cap = ncap;
			}
			sel[nsel++] = at + i;
		}
	}
	free(keep);
	if (st != NU_OK || nsel == 0) {
		free(sel);
		return st;
	}
	*out = sel;
	*n = nsel;
	return NU_OK;
}
