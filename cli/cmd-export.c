/*
 * cmd-export.c: `nuscope export events`: one picture per chosen event: by
 * default the figure a talk shows (eventfig.h; PNG, SVG or PDF), with
 * --plain the bare coloured map, with --raw the stored values as data.  A
 * model's score goes into the caption; the words come from
 * nu_eventfig_text, as the Events screen's do.
 *
 * `nuscope export saliency`: the same figure with, beside it, where a
 * model's score comes from (saliency.h), per event or averaged.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "colormap.h"
#include "dataset.h"
#include "eventfig.h"
#include "eventpng.h"
#include "labels.h"
#include "loader.h"
#include "model.h"
#include "net.h"
#include "saliency.h"
#include "where.h"

#define RUN_MAX 32              /* events read and scored together */

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report a bad command line; returns EXIT_USAGE. */
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("nuscope export: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(nuscope export events --help describes the options)\n", stderr);
	return EXIT_USAGE;
}

/* ---- scoring ------------------------------------------------------------- */

struct scorer {
	struct nu_model *m;
	struct nu_net_ws *ws;
	float lut[256];         /* stored value -> network input */
	enum nu_input input;    /* how a row becomes the input views */
	float *x;               /* [RUN_MAX, nviews, 100, 80] */
};

static enum nu_status
scorer_open(struct scorer *s, const char *path, char **cause)
{
	struct nu_model *m;
	enum nu_status st;
	int norm;

	memset(s, 0, sizeof(*s));
	if ((st = nu_model_load(path, &s->m, cause)) != NU_OK)
		return st;
	m = s->m;
	/* the scaling the model was trained with (nuscope-model(5)) */
	if ((norm = nu_norm_parse(m->meta.normalise)) < 0)
		return nu_fail(cause, NU_ERR_FORMAT, "%s: normalise \"%s\" is none of %s",
		    path, m->meta.normalise, NU_NORM_CHOICES);
	nu_norm_lut((enum nu_norm)norm, m->meta.normalise_max, s->lut);
	s->input = (enum nu_input)nu_arch_input(m->arch);
	if ((s->x = malloc((size_t)RUN_MAX * (size_t)m->net->nviews *
	    NU_VIEW_BYTES * sizeof(float))) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for the model's input");
	return nu_net_ws_new(m->net, RUN_MAX, &s->ws, cause);
}

static void
scorer_close(struct scorer *s)
{
	nu_net_ws_free(s->ws);
	nu_model_free(s->m);
	free(s->x);
}

/* Outputs [n, nout] for n maps; valid until the next call. */
static const float *
scorer_run(struct scorer *s, const uint8_t *maps, int n)
{
	const struct nu_net *net = s->m->net;
	int view0 = net->views == 2 ? 1 : 0;     /* 1 XZ, 2 YZ, 3 both */
	uint8_t b[NU_VIEW_BYTES];

	for (int i = 0; i < n; i++)
		for (int v = 0; v < net->nviews; v++) {
			float *dst = s->x + ((size_t)i * (size_t)net->nviews + (size_t)v) *
			    NU_VIEW_BYTES;

			/* the input view as the architecture reads the row */
			nu_input_view(s->input, maps + (size_t)i * NU_MAP_BYTES, view0 + v, b);
			for (int k = 0; k < NU_VIEW_BYTES; k++)
				dst[k] = s->lut[b[k]];
		}
	return nu_net_forward(net, s->ws, s->x, n, 0, false, 0, NULL);
}

/* ---- the command --------------------------------------------------------- */

#define MAX_FORMATS 3

struct export {
	struct nu_dataset *ds;
	struct nu_eventpng_opts po;     /* --plain */
	struct nu_eventfig_opts fo;     /* the figure */
	enum nu_plot_format fmt[MAX_FORMATS];
	int nfmt;
	bool raw, plain, quiet;
	struct scorer *sc;      /* NULL without --model */
	const char *dir;
	size_t dirlen;          /* without trailing slashes ("/" is 0) */
	size_t written;
};

/* Make dir unless it is a directory already. */
static int
ensure_dir(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return 0;
		fprintf(stderr, "nuscope export: %s is not a directory\n", dir);
		return -1;
	}
	if (errno != ENOENT || mkdir(dir, 0777) != 0) {
		fprintf(stderr, "nuscope export: cannot create %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Write one picture to path; returns false after reporting an error. */
static bool
write_one(struct export *ex, const char *path, const uint8_t *map,
    const struct nu_eventfig_text *txt, const struct nu_eventfig_event *e,
    enum nu_plot_format fmt)
{
	struct nu_eventpng_image *img = NULL;
	struct nu_eventpng_caption cap = { 0 };
	const char *kv[10];
	char *cause = NULL;
	enum nu_status st;

	if (ex->raw) {
		st = nu_eventpng_render_raw(map, &img, &cause);
	} else if (ex->plain) {
		cap.interaction = e->interaction;
		cap.nuenergy = e->nuenergy;
		cap.lepenergy = e->lepenergy;
		cap.file = e->file;
		cap.local = e->local;
		cap.event = e->event;
		cap.score = txt->score[0] != '\0' ? txt->score : NULL;
		st = nu_eventpng_render(map, &ex->po, &cap, &img, &cause);
	} else {
		st = nu_eventfig_write(map, &ex->fo, txt, path, fmt, &cause);
	}
	if (st == NU_OK && img != NULL)
		st = nu_eventpng_write(img, path, kv,
		    nu_eventfig_chunks(txt, ex->raw, kv), &cause);
	nu_eventpng_image_free(img);
	if (st != NU_OK) {
		cli_error("export", st, cause);
		free(cause);
		return false;
	}
	if (!ex->quiet)
		printf("%s\n", path);
	return true;
}

/* Draw and write one event (once per format); returns false after
 * reporting an error. */
static bool
export_one(struct export *ex, uint64_t ev, const uint8_t *map, uint32_t code,
    float nue, float lep, const float *y)
{
	struct nu_eventfig_event e = { .interaction = code, .nuenergy = nue,
	    .lepenergy = lep, .event = ev };
	struct nu_eventfig_score sc = { 0 };
	struct nu_eventfig_text *txt;
	char *cause = NULL;
	size_t file;
	enum nu_status st;
	bool ok = true;

	if ((st = nu_dataset_locate(ex->ds, ev, &file, &e.local, &cause)) != NU_OK) {
		cli_error("export", st, cause);
		free(cause);
		return false;
	}
	e.file = nu_dataset_file(ex->ds, file)->path;
	if (y != NULL) {
		sc.have = true;
		sc.task = ex->sc->m->net->task;
		sc.nout = ex->sc->m->net->nout;
		sc.out = y;
		sc.threshold = ex->sc->m->meta.threshold;
	}
	if ((txt = malloc(sizeof(*txt))) == NULL) {
		cli_error("export", NU_ERR_NOMEM, NULL);
		return false;
	}
	nu_eventfig_text(&e, &sc, txt);
	for (int i = 0; ok && i < ex->nfmt; i++) {
		char *path = nu_asprintf("%.*s/event-%llu.%s", (int)ex->dirlen, ex->dir,
		    (unsigned long long)ev, nu_plot_format_ext(ex->fmt[i]));

		if (path == NULL) {
			cli_error("export", NU_ERR_NOMEM, NULL);
			ok = false;
			break;
		}
		ok = write_one(ex, path, map, txt, &e, ex->fmt[i]);
		ex->written += ok;
		free(path);
	}
	free(txt);
	return ok;
}

/* Export the chosen events, reading runs of consecutive ones together. */
static bool
export_all(struct export *ex, const uint64_t *idx, size_t n)
{
	uint8_t *maps = malloc((size_t)RUN_MAX * NU_MAP_BYTES);
	uint32_t code[RUN_MAX];
	float nue[RUN_MAX], lep[RUN_MAX];
	char *cause = NULL;
	bool ok = maps != NULL;

	if (maps == NULL)
		cli_error("export", NU_ERR_NOMEM, NULL);
	for (size_t i = 0; ok && i < n; ) {
		size_t run = 1;
		const float *y = NULL;
		enum nu_status st;

		while (i + run < n && run < RUN_MAX && idx[i + run] == idx[i] + run)
			run++;
		if ((st = nu_dataset_read_maps(ex->ds, idx[i], run, maps, &cause)) != NU_OK ||
		    (st = nu_dataset_read_column(ex->ds, NU_COL_INTERACTION, idx[i], run,
		    NU_CT_U32, code, &cause)) != NU_OK ||
		    (st = nu_dataset_read_column(ex->ds, NU_COL_NUENERGY, idx[i], run,
		    NU_CT_F32, nue, &cause)) != NU_OK ||
		    (st = nu_dataset_read_column(ex->ds, NU_COL_LEPENERGY, idx[i], run,
		    NU_CT_F32, lep, &cause)) != NU_OK) {
			cli_error("export", st, cause);
			ok = false;
			break;
		}
		if (ex->sc != NULL)
			y = scorer_run(ex->sc, maps, (int)run);
		for (size_t k = 0; ok && k < run; k++)
			ok = export_one(ex, idx[i + k], maps + k * NU_MAP_BYTES, code[k],
			    nue[k], lep[k], y != NULL ?
			    y + k * (size_t)ex->sc->m->net->nout : NULL);
		i += run;
	}
	free(cause);
	free(maps);
	return ok;
}

/*
 * What both subcommands do before drawing: open the files, choose the
 * events (the indices of index, or those where selects; at most limit
 * when limit > 0) into *idx (caller frees) and make ex->dir.  false (said)
 * on an error or when no event is chosen.
 */
static bool
export_choose(struct export *ex, char **files, int nfiles, const struct nu_open_opts *oo,
    const char *index, const struct nu_where *where, const char *wtext, long limit,
    uint64_t **idx, size_t *nidx)
{
	char *cause = NULL;
	enum nu_status st;

	if ((st = nu_dataset_open(&ex->ds, (const char *const *)files, (size_t)nfiles,
	    oo, &cause)) != NU_OK) {
		cli_error("export", st, cause);
		free(cause);
		return false;
	}
	if (index != NULL)
		st = nu_eventpng_parse_indices(index, nu_dataset_nevents(ex->ds), idx,
		    nidx, &cause);
	else
		st = nu_eventpng_select(ex->ds, where, (size_t)limit, idx, nidx, &cause);
	if (st != NU_OK) {
		cli_error("export", st, cause);
		free(cause);
		return false;
	}
	if (*nidx == 0) {
		fprintf(stderr, "nuscope export: no event of the %llu in the files "
		    "matches --where '%s'\n",
		    (unsigned long long)nu_dataset_nevents(ex->ds), wtext);
		return false;
	}
	if (limit > 0 && *nidx > (size_t)limit)
		*nidx = (size_t)limit;
	if (ensure_dir(ex->dir) != 0)
		return false;
	ex->dirlen = strlen(ex->dir);
	while (ex->dirlen > 0 && ex->dir[ex->dirlen - 1] == '/')
		ex->dirlen--;
	return true;
}

/* ---- the command line -------------------------------------------------------- */

struct export_args {
	const char *index, *where, *dir, *model, *format, *colormap;
	int limit, scale, vmax, stretch, cmap;
	bool caption, raw, plain, quiet, skip_bad;
	enum nu_plot_format fmt[MAX_FORMATS];
	int nfmt;
	/* the last option given that draws (--raw takes none) and that is
	 * for --plain only, for the messages */
	const char *drawing, *plainopt;
};

/* --format LIST: png, svg, pdf, comma-separated, each at most once. */
static bool
parse_formats(const char *list, enum nu_plot_format fmt[MAX_FORMATS], int *nfmt,
    char **cause)
{
	const char *p = list;

	*nfmt = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		char name[8];
		enum nu_plot_format f;

		if (len == 0 || len >= sizeof name) {
			*cause = nu_asprintf("expected png, svg or pdf, or a comma list "
			    "of them such as png,pdf, not '%s'", list);
			return false;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (nu_plot_format_parse(name, &f, NULL) != NU_OK) {
			*cause = nu_asprintf("expected png, svg or pdf, or a comma list "
			    "of them such as png,pdf: '%s' is none of them", name);
			return false;
		}
		for (int i = 0; i < *nfmt; i++)
			if (fmt[i] == f) {
				*cause = nu_asprintf("names %s twice", name);
				return false;
			}
		fmt[(*nfmt)++] = f;
		if (p[len] == '\0')
			return true;
		p += len + 1;
	}
}

static bool
set_format(void *args, const char *list, char **cause)
{
	struct export_args *a = args;

	return parse_formats(list, a->fmt, &a->nfmt, cause);
}

static bool
check_index(void *args, const char *arg, char **cause)
{
	(void)args;
	return nu_eventpng_parse_indices(arg, 0, NULL, NULL, cause) == NU_OK;
}

static bool
set_colormap(void *args, const char *arg, char **cause)
{
	struct export_args *a = args;

	/* nu_cmap_from_name also knows "gray" */
	if ((a->cmap = nu_cmap_from_name(arg)) < 0) {
		*cause = nu_asprintf("expected viridis, inferno or grey, not '%s'", arg);
		return false;
	}
	a->drawing = "--colormap";
	return true;
}

static bool
drawn(void *args, const char *arg, char **cause)
{
	(void)arg, (void)cause;
	((struct export_args *)args)->drawing = "--vmax";
	return true;
}

static bool
drawn_stretch(void *args, const char *arg, char **cause)
{
	(void)arg, (void)cause;
	((struct export_args *)args)->drawing = "--stretch";
	return true;
}

static bool
drawn_scale(void *args, const char *arg, char **cause)
{
	struct export_args *a = args;

	(void)arg, (void)cause;
	a->drawing = a->plainopt = "--scale";
	return true;
}

static bool
drawn_caption(void *args, const char *arg, char **cause)
{
	struct export_args *a = args;

	(void)arg, (void)cause;
	a->drawing = a->plainopt = "--caption";
	return true;
}

static bool
drawn_model(void *args, const char *arg, char **cause)
{
	struct export_args *a = args;

	(void)arg, (void)cause;
	a->caption = true;
	a->drawing = "--model";
	return true;
}

/* in the order of enum nu_cmap_stretch */
static const char *const stretches[] = { "linear", "sqrt", "log", NULL };

#define A(m) offsetof(struct export_args, m)
static const struct cli_opt export_opts[] = {
	{ .kind = CLI_OPT_HEADING, .help = "choosing events (one of):" },
	{ "index", 0, CLI_OPT_STRING, A(index), .fn = check_index, .meta = "LIST",
	    .help = "global indices and ranges, e.g. 0,5,10-20" },
	{ "where", 0, CLI_OPT_STRING, A(where), .meta = "EXPR",
	    .help = "events whose metadata EXPR selects, e.g.\n"
	    "'interaction == 13 && nuenergy > 10', 'mode == DIS'\n"
	    "(see nuscope(1))" },
	{ "limit", 0, CLI_OPT_INT, A(limit), .min = 1, .max = 100000000, .meta = "N",
	    .help = "at most N events (the first N chosen)" },
	{ .kind = CLI_OPT_HEADING, .help = "\npictures:" },
	{ "output", 'o', CLI_OPT_STRING, A(dir), .meta = "DIR",
	    .help = "where to write them (created if missing; its parent\n"
	    "must exist)" },
	{ "format", 0, CLI_OPT_STRING, A(format), .fn = set_format, .meta = "LIST",
	    .help = "figures: png (default), svg, pdf, or a comma list\n"
	    "such as png,pdf (one file per format and event)" },
	{ "colormap", 0, CLI_OPT_STRING, A(colormap), .fn = set_colormap, .meta = "NAME",
	    .help = "viridis (default), inferno or grey" },
	{ "vmax", 0, CLI_OPT_INT, A(vmax), .min = 1, .max = 255, .fn = drawn, .meta = "N",
	    .help = "top of the colour scale, 1-255 (default: each\n"
	    "event's largest value); larger values saturate" },
	{ "stretch", 0, CLI_OPT_CHOICE, A(stretch), .choices = stretches, .fn = drawn_stretch,
	    .meta = "HOW", .help = "how values spread over the colours: sqrt (default;\n"
	    "tracks and showers both show), linear or log" },
	{ "model", 0, CLI_OPT_STRING, A(model), .fn = drawn_model, .meta = "MODEL.h5",
	    .help = "score each event with the model and show the score,\n"
	    "the decision at the model's threshold and whether it\n"
	    "is right in the caption; --where may then read\n"
	    "score, label and selected, e.g.\n"
	    "'selected && label == 0' (the false positives)" },
	{ "plain", 0, CLI_OPT_FLAG, A(plain),
	    .help = "the bare coloured map instead of the figure (PNG)" },
	{ "scale", 0, CLI_OPT_INT, A(scale), .min = 1, .max = NU_EVENTPNG_MAXSCALE,
	    .fn = drawn_scale, .meta = "N", .help = "--plain: pixels per cell side, 1-32 (default 4)" },
	{ "caption", 0, CLI_OPT_FLAG, A(caption), .fn = drawn_caption,
	    .help = "--plain: add a strip below naming the interaction,\n"
	    "the energies, the file and index, with the colour\n"
	    "scale (legible from --scale 3; --model implies it)" },
	{ "raw", 0, CLI_OPT_FLAG, A(raw),
	    .help = "exact values, as described above (PNG); takes none\n"
	    "of the options above it but -o" },
	{ .kind = CLI_OPT_HEADING, .help = "\nother options:" },
	{ "quiet", 'q', CLI_OPT_FLAG, A(quiet),
	    .help = "print one summary line instead of one line per file" },
	{ "skip-bad", 0, CLI_OPT_FLAG, A(skip_bad),
	    .help = "leave out unreadable files instead of failing" },
	{ "help", 'h', CLI_OPT_FLAG, .help = "this text" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help export_page[] = {
	{ "usage: nuscope export events [OPTIONS] FILE|DIR|GLOB... "
	    "(--index LIST | --where EXPR) -o DIR\n"
	    "\n"
	    "Write one picture per chosen event into DIR, named event-<INDEX>.png\n"
	    "(.svg, .pdf) after the event's global index (counted from 0 across the\n"
	    "files, in natural order); existing files of those names are replaced.\n"
	    "By default the picture is a figure for a talk: the XZ (top) view above\n"
	    "the YZ (side) view, z (the beam) left to right, drawn to scale (a plane\n"
	    "of one view 13.3 cm, a cell 3.97 cm), plane and cell ticks with a second\n"
	    "scale in metres, a colour bar in ADC (8-bit calibrated energy), and a\n"
	    "caption naming the interaction, the energies, the file and index and,\n"
	    "with --model, the score and whether the model is right.\n"
	    "With --plain the picture is the bare map: each cell a SCALE x SCALE\n"
	    "block coloured by its deposited charge (0 is the dark background).\n"
	    "With --raw the picture is data: 8-bit grey, 100 x 160 pixels, one per\n"
	    "cell holding the exact stored value (rows 0-79 XZ cells 79..0, rows\n"
	    "80-159 YZ cells 79..0, columns planes 0..99).\n"
	    "\n", export_opts },
	{ "\n"
	    "exit status: 0 written, 1 a data or file error (nothing selected, an\n"
	    "index out of range, a file that cannot be read or written), 2 a bad\n"
	    "command line.\n", NULL },
	{ NULL, NULL },
};

static const struct cli_cmd export_cmd = { "export", export_opts, export_page };

/* ---- export saliency ------------------------------------------------------- */

struct sal_args {
	const char *index, *where, *dir, *model, *format, *colormap;
	int limit, method, patch, stride, output, cmap;
	bool mean, quiet, skip_bad;
	enum nu_plot_format fmt[MAX_FORMATS];
	int nfmt;
};

static bool
sal_format(void *args, const char *list, char **cause)
{
	struct sal_args *a = args;

	return parse_formats(list, a->fmt, &a->nfmt, cause);
}

static bool
sal_colormap(void *args, const char *arg, char **cause)
{
	struct sal_args *a = args;

	if ((a->cmap = nu_cmap_from_name(arg)) < 0) {
		*cause = nu_asprintf("expected viridis, inferno or grey, not '%s'", arg);
		return false;
	}
	return true;
}

#define A(m) offsetof(struct sal_args, m)
static const struct cli_opt sal_opts[] = {
	{ .kind = CLI_OPT_HEADING, .help = "choosing events (one of):" },
	{ "index", 0, CLI_OPT_STRING, A(index), .fn = check_index, .meta = "LIST",
	    .help = "global indices and ranges, e.g. 0,5,10-20" },
	{ "where", 0, CLI_OPT_STRING, A(where), .meta = "EXPR",
	    .help = "events EXPR selects; it may read the model's\n"
	    "score, label and selected, e.g.\n"
	    "'selected && label == 0' (the false positives)" },
	{ "limit", 0, CLI_OPT_INT, A(limit), .min = 1, .max = 100000000, .meta = "N",
	    .help = "at most N events (the first N chosen)" },
	{ .kind = CLI_OPT_HEADING, .help = "\nsaliency:" },
	{ "model", 0, CLI_OPT_STRING, A(model), .meta = "MODEL.h5",
	    .help = "the model whose score is explained (required)" },
	{ "method", 0, CLI_OPT_CHOICE, A(method), .choices = nu_sal_methods, .meta = "M",
	    .help = "occlusion (default): the score's drop when a patch\n"
	    "is zeroed; gradient: d score / d input;\n"
	    "gradxinput: that gradient times the input" },
	{ "patch", 0, CLI_OPT_INT, A(patch), .min = 1, .max = NU_CELLS, .meta = "P",
	    .help = "occlusion: patch side in cells (default 8)" },
	{ "stride", 0, CLI_OPT_INT, A(stride), .min = 1, .max = NU_CELLS, .meta = "S",
	    .help = "occlusion: patch step in cells (default 4)" },
	{ "class", 0, CLI_OPT_INT, A(output), .min = 0, .max = 255, .meta = "K",
	    .help = "explain output K (default: the event's likeliest\n"
	    "class; the only output of a binary model)" },
	{ "mean", 0, CLI_OPT_FLAG, A(mean),
	    .help = "one figure of the maps (and events) averaged over\n"
	    "all chosen events, mean-METHOD.EXT" },
	{ .kind = CLI_OPT_HEADING, .help = "\npictures:" },
	{ "output", 'o', CLI_OPT_STRING, A(dir), .meta = "DIR",
	    .help = "where to write them (created if missing)" },
	{ "format", 0, CLI_OPT_STRING, A(format), .fn = sal_format, .meta = "LIST",
	    .help = "png (default), svg, pdf, or a comma list" },
	{ "colormap", 0, CLI_OPT_STRING, A(colormap), .fn = sal_colormap, .meta = "NAME",
	    .help = "the event's colours: viridis (default), inferno, grey" },
	{ .kind = CLI_OPT_HEADING, .help = "\nother options:" },
	{ "quiet", 'q', CLI_OPT_FLAG, A(quiet),
	    .help = "print one summary line instead of one line per file" },
	{ "skip-bad", 0, CLI_OPT_FLAG, A(skip_bad),
	    .help = "leave out unreadable files instead of failing" },
	{ "help", 'h', CLI_OPT_FLAG, .help = "this text" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help sal_page[] = {
	{ "usage: nuscope export saliency --model MODEL.h5 [OPTIONS] FILE|DIR|GLOB...\n"
	    "       (--index LIST | --where EXPR) -o DIR\n"
	    "\n"
	    "For each chosen event, a figure of its two views (as nuscope export\n"
	    "events draws them) and beside them the saliency of each view: which\n"
	    "cells the model's score rests on, in a diverging colour map (red: the\n"
	    "cells raise the score, blue: they lower it, white: no effect), written\n"
	    "to DIR/event-<INDEX>-<METHOD>.png (.svg, .pdf).  The input is scaled\n"
	    "as the model was trained; the score is the output after its\n"
	    "activation (the signal probability of a binary model).\n"
	    "\n", sal_opts },
	{ "\n"
	    "exit status: 0 written, 1 a data, model or file error, 2 a bad\n"
	    "command line.\n", NULL },
	{ NULL, NULL },
};

static const struct cli_cmd sal_cmd = { "export saliency", sal_opts, sal_page };

static int
sal_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sal_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("nuscope export saliency: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(nuscope export saliency --help describes the options)\n", stderr);
	return EXIT_USAGE;
}

struct salex {
	struct export *ex;
	struct sal_args *a;
	struct nu_sal_opts so;
	char unit[80];
	double *msum, *ssum;    /* --mean: sums of the maps and saliencies */
	size_t nsum;
};

/* Write one saliency figure in every format; false after an error. */
static bool
sal_write(struct salex *sx, const char *stem, const uint8_t *map, const float *sal,
    const struct nu_eventfig_text *txt)
{
	struct export *ex = sx->ex;
	struct nu_eventfig_sal fs = { .map = sal, .method = nu_sal_method_name(sx->so.method),
	    .unit = sx->unit };

	for (int i = 0; i < ex->nfmt; i++) {
		char *cause = NULL, *path = nu_asprintf("%.*s/%s-%s.%s", (int)ex->dirlen,
		    ex->dir, stem, fs.method, nu_plot_format_ext(ex->fmt[i]));
		enum nu_status st;

		if (path == NULL) {
			cli_error("export", NU_ERR_NOMEM, NULL);
			return false;
		}
		st = nu_eventfig_write_saliency(map, &fs, &ex->fo, txt, path, ex->fmt[i], &cause);
		if (st != NU_OK) {
			cli_error("export", st, cause);
			free(cause);
			free(path);
			return false;
		}
		if (!ex->quiet)
			printf("%s\n", path);
		ex->written++;
		free(path);
	}
	return true;
}

/* One event: its saliency, and its figure or its share of the mean. */
static bool
sal_one(struct salex *sx, uint64_t ev, uint8_t *map, float *sal,
    struct nu_eventfig_text *txt)
{
	struct export *ex = sx->ex;
	const struct nu_model *m = ex->sc->m;
	struct nu_eventfig_event e = { .event = ev };
	struct nu_eventfig_score sc = { .have = true, .task = m->net->task,
	    .nout = m->net->nout, .threshold = m->meta.threshold };
	char *cause = NULL, stem[40];
	size_t file;
	enum nu_status st;

	if ((st = nu_dataset_read_maps(ex->ds, ev, 1, map, &cause)) != NU_OK ||
	    (st = nu_dataset_read_column(ex->ds, NU_COL_INTERACTION, ev, 1, NU_CT_U32,
	    &e.interaction, &cause)) != NU_OK ||
	    (st = nu_dataset_read_column(ex->ds, NU_COL_NUENERGY, ev, 1, NU_CT_F32,
	    &e.nuenergy, &cause)) != NU_OK ||
	    (st = nu_dataset_read_column(ex->ds, NU_COL_LEPENERGY, ev, 1, NU_CT_F32,
	    &e.lepenergy, &cause)) != NU_OK ||
	    (st = nu_dataset_locate(ex->ds, ev, &file, &e.local, &cause)) != NU_OK ||
	    (st = nu_saliency(m, map, &sx->so, sal, NULL, NULL, &cause)) != NU_OK) {
		cli_error("export", st, cause);
		free(cause);
		return false;
	}
	if (sx->msum != NULL) {
		for (size_t i = 0; i < NU_MAP_BYTES; i++) {
			sx->msum[i] += map[i];
			sx->ssum[i] += sal[i];
		}
		sx->nsum++;
		return true;
	}
	e.file = nu_dataset_file(ex->ds, file)->path;
	sc.out = scorer_run(ex->sc, map, 1);
	nu_eventfig_text(&e, &sc, txt);
	snprintf(stem, sizeof stem, "event-%llu", (unsigned long long)ev);
	return sal_write(sx, stem, map, sal, txt);
}

/*
 * The options of export saliency against each other, and sx, ex set from
 * them: 0, or a usage error (said).
 */
static int
sal_setup(struct salex *sx, const struct sal_args *a, struct export *ex, bool nofiles)
{
	if (a->index != NULL && a->where != NULL)
		return sal_usage("choose events with --index or with --where, not both");
	if (a->index == NULL && a->where == NULL)
		return sal_usage("choose events with --index LIST or --where EXPR");
	if (a->model == NULL)
		return sal_usage("say whose score to explain with --model MODEL.h5");
	if (a->dir == NULL || a->dir[0] == '\0')
		return sal_usage("say where to write the figures with -o DIR");
	if (a->method != NU_SAL_OCCLUSION && (a->patch != 0 || a->stride != 0))
		return sal_usage("--patch and --stride are for --method occlusion");
	if (nofiles)
		return sal_usage("expected data files (FILE, DIR or GLOB)");
	sx->so = (struct nu_sal_opts){ .method = (enum nu_sal_method)a->method,
	    .patch = a->patch, .stride = a->stride, .output = a->output };
	if (sx->so.method == NU_SAL_OCCLUSION)
		snprintf(sx->unit, sizeof sx->unit, "score change (patch %d, stride %d)",
		    a->patch ? a->patch : NU_SAL_PATCH, a->stride ? a->stride : NU_SAL_STRIDE);
	else
		snprintf(sx->unit, sizeof sx->unit, "%s", sx->so.method == NU_SAL_GRADIENT ?
		    "d score / d input" : "gradient \u00d7 input");
	ex->fo = (struct nu_eventfig_opts){ .cmap = (enum nu_cmap)a->cmap,
	    .stretch = NU_STRETCH_SQRT };
	memcpy(ex->fmt, a->fmt, sizeof ex->fmt);
	ex->nfmt = a->nfmt > 0 ? a->nfmt : 1;
	if (a->nfmt == 0)
		ex->fmt[0] = NU_PLOT_PNG;
	ex->quiet = a->quiet;
	ex->dir = a->dir;
	return 0;
}

/* --mean: the figure of the mean event and mean saliency of the sums. */
static bool
sal_mean(struct salex *sx, uint8_t *map, float *sal, struct nu_eventfig_text *txt)
{
	const struct sal_args *a = sx->a;

	for (size_t i = 0; i < NU_MAP_BYTES; i++) {
		double v = sx->msum[i] / (double)sx->nsum;

		map[i] = (uint8_t)(v > 255 ? 255 : lround(v));
		sal[i] = (float)(sx->ssum[i] / (double)sx->nsum);
	}
	memset(txt, 0, sizeof(*txt));
	snprintf(txt->title, sizeof txt->title, "mean saliency of %zu events", sx->nsum);
	snprintf(txt->source, sizeof txt->source, "%s", a->model);
	snprintf(txt->comment, sizeof txt->comment, "mean %s saliency of %zu events",
	    nu_sal_method_name(sx->so.method), sx->nsum);
	snprintf(txt->line[0], sizeof txt->line[0], "Mean of %zu event%s (left: the "
	    "mean event; right: the mean %s saliency)", sx->nsum, sx->nsum == 1 ? "" : "s",
	    nu_sal_method_name(sx->so.method));
	snprintf(txt->line[1], sizeof txt->line[1], "model %.120s;  events %s %.120s",
	    a->model, a->where != NULL ? "--where" : "--index",
	    a->where != NULL ? a->where : a->index);
	return sal_write(sx, "mean", map, sal, txt);
}

static int
export_saliency(int argc, char **argv)
{
	struct sal_args a = { .output = -1 };
	struct export ex = { 0 };
	struct salex sx = { .ex = &ex, .a = &a };
	struct nu_open_opts oo = { 0 };
	struct nu_where *where = NULL;
	struct scorer sc;
	struct nu_eventfig_text *txt = NULL;
	uint8_t *map = NULL;
	float *sal = NULL;
	char *cause = NULL;
	uint64_t *idx = NULL;
	size_t nidx = 0;
	int rc = 1;
	bool have_sc = false, ok = true;
	enum nu_status st;

	if (!cli_opts_parse(&sal_cmd, &a, argc, argv, &rc))
		return rc;
	if ((rc = sal_setup(&sx, &a, &ex, optind >= argc)) != 0)
		return rc;
	rc = 1;
	oo.skip_bad = a.skip_bad;
	if (a.where != NULL && (st = nu_where_compile(&where, a.where, &cause)) != NU_OK) {
		sal_usage("--%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if ((st = scorer_open(&sc, a.model, &cause)) != NU_OK) {
		have_sc = sc.m != NULL;
		cli_error("export", st, cause);
		goto out;
	}
	have_sc = true;
	ex.sc = &sc;
	if (a.output >= sc.m->net->nout) {
		rc = sal_usage("--class %d: the model has %d output%s", a.output,
		    sc.m->net->nout, sc.m->net->nout == 1 ? "" : "s");
		goto out;
	}
	if (where != NULL && nu_where_set_model(where, sc.m, NAN, &cause) != NU_OK) {
		rc = sal_usage("--%s", cause);
		goto out;
	}
	if (!export_choose(&ex, argv + optind, argc - optind, &oo, a.index, where,
	    a.where, a.limit, &idx, &nidx))
		goto out;
	map = malloc(NU_MAP_BYTES);
	sal = malloc(NU_MAP_BYTES * sizeof(float));
	txt = malloc(sizeof(*txt));
	if (a.mean) {
		sx.msum = calloc(NU_MAP_BYTES, sizeof(double));
		sx.ssum = calloc(NU_MAP_BYTES, sizeof(double));
	}
	if (map == NULL || sal == NULL || txt == NULL ||
	    (a.mean && (sx.msum == NULL || sx.ssum == NULL))) {
		cli_error("export", NU_ERR_NOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; ok && i < nidx; i++)
		ok = sal_one(&sx, idx[i], map, sal, txt);
	if (ok && a.mean)
		ok = sal_mean(&sx, map, sal, txt);
	if (!ok)
		goto out;
	if (ex.quiet)
		printf("exported %s saliency of %zu event%s to %s\n",
		    nu_sal_method_name(sx.so.method), nidx, nidx == 1 ? "" : "s", ex.dir);
	rc = 0;
out:
	if (rc != 0 && ex.written > 0)
		fprintf(stderr, "nuscope export: %zu figure%s written to %s before "
		    "the error\n", ex.written, ex.written == 1 ? " was" : "s were", ex.dir);
	if (have_sc)
		scorer_close(&sc);
	free(sx.msum);
	free(sx.ssum);
	free(map);
	free(sal);
	free(txt);
	free(idx);
	free(cause);
	nu_where_free(where);
	nu_dataset_free(ex.ds);
	return rc;
}

/* `nuscope export` without events or saliency: help, or a usage error. */
static int
export_what(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		cli_opts_help(stdout, &export_cmd);
		return 0;
	}
	if (argc < 2)
		return usage_error("say what to export: 'nuscope export "
		    "events ...'");
	return usage_error("can export events or saliency ('nuscope export "
	    "events ...', 'nuscope export saliency ...'), not '%s'", argv[1]);
}

/*
 * The options of export events against each other, and ex set from them:
 * 0, or a usage error (said).
 */
static int
export_setup(const struct export_args *args, struct export *ex, bool nofiles)
{
	const char *index = args->index, *wtext = args->where;
	const char *drawing = args->drawing, *plainopt = args->plainopt;
	const char *format = args->format != NULL ? "--format" : NULL;

	ex->po = (struct nu_eventpng_opts){ .cmap = (enum nu_cmap)args->cmap,
	    .stretch = (enum nu_cmap_stretch)args->stretch, .scale = args->scale,
	    .vmax = args->vmax, .caption = args->caption };
	ex->fo = (struct nu_eventfig_opts){ .cmap = (enum nu_cmap)args->cmap,
	    .stretch = (enum nu_cmap_stretch)args->stretch, .vmax = args->vmax };
	memcpy(ex->fmt, args->fmt, sizeof ex->fmt);
	ex->nfmt = args->nfmt;
	ex->raw = args->raw;
	ex->plain = args->plain;
	ex->quiet = args->quiet;
	ex->dir = args->dir;
	if (index != NULL && wtext != NULL)
		return usage_error("choose events with --index or with --where, not both");
	if (index == NULL && wtext == NULL)
		return usage_error("choose events with --index LIST or --where EXPR");
	if (ex->dir == NULL || ex->dir[0] == '\0')
		return usage_error("say where to write the pictures with -o DIR");
	if (ex->raw && ex->plain)
		return usage_error("--raw and --plain are two kinds of picture: "
		    "choose one");
	if (ex->raw && (drawing != NULL || format != NULL))
		return usage_error("--raw writes the stored values as they are; it "
		    "cannot be combined with %s", drawing != NULL ? drawing : format);
	if (ex->plain && format != NULL)
		return usage_error("--plain pictures are PNG only; --format is for "
		    "the figures");
	if (!ex->raw && !ex->plain && plainopt != NULL)
		return usage_error("%s is for --plain pictures (the figure has a "
		    "fixed layout and always a caption)", plainopt);
	if (ex->nfmt == 0)
		ex->fmt[ex->nfmt++] = NU_PLOT_PNG;
	if (nofiles)
		return usage_error("expected data files (FILE, DIR or GLOB)");
	return 0;
}

/* --quiet: one line for all that was written */
static void
export_said(const struct export *ex)
{
	char kind[64];

	if (ex->raw || ex->plain)
		snprintf(kind, sizeof kind, "%s", ex->raw ? "raw" :
		    nu_cmap_name(ex->po.cmap));
	else
		snprintf(kind, sizeof kind, "figures, %s: %s%s%s%s%s",
		    nu_cmap_name(ex->fo.cmap), nu_plot_format_ext(ex->fmt[0]),
		    ex->nfmt > 1 ? " " : "", ex->nfmt > 1 ?
		    nu_plot_format_ext(ex->fmt[1]) : "", ex->nfmt > 2 ? " " : "",
		    ex->nfmt > 2 ? nu_plot_format_ext(ex->fmt[2]) : "");
	printf("exported %zu event%s to %s (%s)\n", ex->written / (size_t)ex->nfmt,
	    ex->written / (size_t)ex->nfmt == 1 ? "" : "s", ex->dir, kind);
}

int
cmd_export(int argc, char **argv)
{
	struct export_args args = { .scale = 4, .stretch = NU_STRETCH_SQRT,
	    .cmap = NU_CMAP_VIRIDIS };
	struct export ex = { 0 };
	struct nu_open_opts oo = { 0 };
	struct nu_where *where = NULL;
	struct scorer sc;
	const char *index, *wtext, *model;
	char *cause = NULL;
	uint64_t *idx = NULL;
	size_t nidx = 0;
	int rc = 1;
	bool have_sc = false;
	enum nu_status st;

	if (argc >= 2 && strcmp(argv[1], "saliency") == 0)
		return export_saliency(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "events") != 0)
		return export_what(argc, argv);
	if (!cli_opts_parse(&export_cmd, &args, argc - 1, argv + 1, &rc))
		return rc;
	argc--;
	argv++;
	if ((rc = export_setup(&args, &ex, optind >= argc)) != 0)
		return rc;
	rc = 1;
	index = args.index;
	wtext = args.where;
	model = args.model;
	oo.skip_bad = args.skip_bad;
	if (wtext != NULL && (st = nu_where_compile(&where, wtext, &cause)) != NU_OK) {
		usage_error("--%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (where != NULL && model == NULL &&
	    nu_where_set_model(where, NULL, NAN, &cause) != NU_OK) {
		usage_error("--%s", cause);
		free(cause);
		nu_where_free(where);
		return EXIT_USAGE;
	}
	/* the model first: --where may read its scores */
	if (model != NULL) {
		if ((st = scorer_open(&sc, model, &cause)) != NU_OK) {
			have_sc = sc.m != NULL;
			cli_error("export", st, cause);
			goto out;
		}
		have_sc = true;
		ex.sc = &sc;
		if (where != NULL && nu_where_set_model(where, sc.m, NAN, &cause) != NU_OK) {
			usage_error("--%s", cause);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (!export_choose(&ex, argv + optind, argc - optind, &oo, index, where, wtext,
	    args.limit, &idx, &nidx) || !export_all(&ex, idx, nidx))
		goto out;
	if (ex.quiet)
		export_said(&ex);
	rc = 0;     /* main() flushes and checks standard output */
out:
	if (rc != 0 && ex.written > 0)
		fprintf(stderr, "nuscope export: %zu picture%s written to %s before "
		    "the error\n", ex.written, ex.written == 1 ? " was" : "s were", ex.dir);
	if (have_sc)
		scorer_close(&sc);
	free(idx);
	free(cause);
	nu_where_free(where);
	nu_dataset_free(ex.ds);
	return rc;
}
