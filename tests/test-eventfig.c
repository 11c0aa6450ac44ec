/* test-eventfig.c: the event figure.  Its words (caption, score and
 * verdict for each kind of task, PNG text chunks); the PNG drawn for the
 * hand-drawn event of one.h5 read back pixel by pixel (size, each view's
 * hits in their colour-map colour at their plane and cell, empty cells in
 * the background colour, the colour bar running through the map from the
 * background to the top value); SVG and PDF files holding the figure's
 * words; and failures that leave no file. */
#include "config.h"

#include <cairo.h>
#include <dirent.h>
#include <errno.h>
#include <png.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "colormap.h"
#include "eventfig.h"
#include "support.h"
#include "testhelp.h"

static char tmpdir[256];

/* fontconfig keeps a few hundred bytes cairo cannot release (see
 * test-export.c) */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

/* The whole file at path, NUL-terminated (caller frees); NULL on failure. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			if (len != NULL)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* ---- the words ----------------------------------------------------------- */

static void
test_words(void)
{
	struct nu_eventfig_event ev = { .interaction = 2, .nuenergy = 4.0f,
	    .lepenergy = 1.0f, .file = "/data/sim/neutrino7.h5", .local = 12,
	    .event = 7012 };
	struct nu_eventfig_score sc = { .have = true, .task = NU_TASK_NUMU_CC,
	    .nout = 1, .threshold = 0.62 };
	struct nu_eventfig_text t;
	const char *kv[10];
	float out[5];

	nu_eventfig_text(&ev, NULL, &t);
	CHECK(strcmp(t.title, "event 7012") == 0, "title: the global index (%s)", t.title);
	CHECK(strcmp(t.source, "/data/sim/neutrino7.h5 #12") == 0, "source: path and local index");
	CHECK(strcmp(t.comment, "interaction 2 (numu CC DIS), nuenergy 4.0000 GeV, "
	    "lepenergy 1.0000 GeV") == 0, "comment without a model: %s", t.comment);
	CHECK_STR_HAS(t.line[0], "\xce\xbd\xce\xbc CC DIS (interaction 2)",
	    "caption line 1: the interaction's name and code");
	CHECK_STR_HAS(t.line[0], "E_{\xce\xbd} = 4.00 GeV", "  E_nu");
	CHECK_STR_HAS(t.line[0], "E_{\xe2\x84\x93} = 1.00 GeV", "  E_lep");
	CHECK_STR_HAS(t.line[0], "y = 0.25", "  and y");
	CHECK(strcmp(t.line[1], "neutrino7.h5, index 12  (event 7012 of the files)") == 0,
	    "caption line 2: file base name, local and global index: %s", t.line[1]);
	CHECK(t.line[2][0] == '\0' && t.score[0] == '\0', "no score line without a model");
	CHECK_EQ_INT(nu_eventfig_chunks(&t, false, kv), 4, "a figure has four text chunks");
	CHECK(strcmp(kv[0], "Software") == 0 && strcmp(kv[2], "Title") == 0 &&
	    kv[3] == t.title && strcmp(kv[4], "Source") == 0 && kv[7] == t.comment,
	    "  Software, Title, Source, Comment from the words");
	CHECK_EQ_INT(nu_eventfig_chunks(&t, true, kv), 5, "a raw picture has a fifth");
	CHECK(strcmp(kv[8], "Description") == 0 && strstr(kv[9], "rows 0-79 = XZ") != NULL,
	    "  describing its layout");

	/* binary: selected/rejected at the threshold, right/wrong */
	out[0] = 0.873f;
	sc.out = out;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK(strcmp(t.line[2], "P(numu CC) = 0.873, selected at threshold 0.62, right") == 0,
	    "numu CC event scored 0.873: %s", t.line[2]);
	CHECK_STR_HAS(t.comment, "lepenergy 1.0000 GeV; P(numu CC) = 0.873, selected",
	    "  the comment carries the score");
	CHECK(strcmp(t.score, t.line[2]) == 0, "  the ASCII score is the same words");
	CHECK_EQ_INT(t.verdict, 1, "  verdict: right");
	ev.interaction = 13;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK(strcmp(t.line[2], "P(numu CC) = 0.873, selected at threshold 0.62, wrong") == 0,
	    "an NC event selected is wrong: %s", t.line[2]);
	CHECK_EQ_INT(t.verdict, -1, "  verdict: wrong");
	out[0] = 0.3f;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK(strcmp(t.line[2], "P(numu CC) = 0.300, rejected at threshold 0.62, right") == 0,
	    "an NC event rejected is right: %s", t.line[2]);
	out[0] = 0.62f;
	sc.threshold = 0.62f;
	ev.interaction = 0;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK_STR_HAS(t.line[2], "rejected", "a score equal to the threshold is not above it");
	sc.task = NU_TASK_FLAVOUR;
	ev.interaction = 13;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK_STR_HAS(t.line[2], "P(nue CC) = 0.620, rejected at threshold 0.62 "
	    "(not in the task's sample)", "flavour on an NC event has no verdict");
	CHECK_EQ_INT(t.verdict, 0, "  verdict: none");

	/* multi-class: the likeliest class against the truth */
	sc.task = NU_TASK_MODE;
	sc.nout = 5;
	out[0] = 0.1f; out[1] = 0.2f; out[2] = 0.6f; out[3] = 0.05f; out[4] = 0.05f;
	ev.interaction = 2;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK(strcmp(t.line[2], "mode: DIS, p = 0.600; truth DIS, right") == 0,
	    "mode: %s", t.line[2]);
	ev.interaction = 1;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK_STR_HAS(t.line[2], "truth RES, wrong", "a RES event called DIS is wrong");
	CHECK_EQ_INT(t.verdict, -1, "  verdict: wrong");

	/* regression: the value beside the truth, in UTF-8 and ASCII */
	sc.task = NU_TASK_ENERGY;
	sc.nout = 1;
	out[0] = 3.5f;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK(strcmp(t.line[2], "predicted E_{\xce\xbd} = 3.50 GeV (true 4.00 GeV)") == 0,
	    "energy: %s", t.line[2]);
	CHECK(strcmp(t.score, "predicted E_nu = 3.50 GeV (true 4.00 GeV)") == 0,
	    "  ASCII for the PNG chunk: %s", t.score);
	sc.nout = 0;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK_STR_HAS(t.line[2], "unavailable", "no outputs: said, not read");
	sc.have = false;
	nu_eventfig_text(&ev, &sc, &t);
	CHECK(t.line[2][0] == '\0', "have = false: no score line");
}

/* ---- the PNG ------------------------------------------------------------- */

/* Pixel (x, y) of an RGB image equals colour c. */
static int
is_colour(const uint8_t *px, int w, double x, double y, const uint8_t *c)
{
	const uint8_t *p = px + ((size_t)(int)y * (size_t)w + (size_t)(int)x) * 3;

	if (p[0] == c[0] && p[1] == c[1] && p[2] == c[2])
		return 1;
	printf("#   (%d, %d) is %d %d %d, expected %d %d %d\n", (int)x, (int)y,
	    p[0], p[1], p[2], c[0], c[1], c[2]);
	return 0;
}

/* The centre of (plane, cell) of a view in the figure. */
static void
cell_at(const struct nu_eventfig_geom *g, int view, int plane, int cell,
    double *x, double *y)
{
	*x = g->px[view] + (plane + 0.5) * g->pw / NU_PLANES;
	*y = g->py[view] + (NU_CELLS - 1 - cell + 0.5) * g->ph / NU_CELLS;
}

static void
test_png(const uint8_t *map, const struct nu_eventfig_text *t)
{
	struct nu_eventfig_opts o = { .cmap = NU_CMAP_VIRIDIS, .stretch = NU_STRETCH_SQRT };
	struct nu_eventfig_geom g;
	uint8_t lut[256][3], *px;
	char path[512], *cause = NULL, *file;
	double x, y;
	int w = 0, h = 0, ok, lit = 0, rising = 1;
	size_t len = 0;

	snprintf(path, sizeof path, "%s/one.png", tmpdir);
	CHECK(nu_eventfig_write(map, &o, t, path, NU_PLOT_AUTO, &cause) == NU_OK,
	    "the figure of one.h5's event is written as PNG (by its extension)");
	if ((px = support_decode_png(path, 3, &w, &h, NULL)) == NULL) {
		CHECK(0, "  and decodes");
		return;
	}
	nu_eventfig_geometry(&g, false);
	CHECK(w == g.width && h == g.height, "  %dx%d, as the geometry says (%dx%d)",
	    w, h, g.width, g.height);
	CHECK(g.width >= 1000 && g.height < g.width, "  landscape, slide-sized");
	CHECK_NEAR(g.ph / g.pw, (80 * 3.97) / (100 * 13.3), 1e-9,
	    "  panels to scale: 80 cells of 3.97 cm by 100 planes of 13.3 cm");
	CHECK(g.py[1] > g.py[0] + g.ph, "  the YZ panel below the XZ panel");

	/* the hits of the hand-drawn event, in the map's colours (top 255) */
	nu_cmap_lut(NU_CMAP_VIRIDIS, 255, NU_STRETCH_SQRT, lut);
	cell_at(&g, 0, 50, 5, &x, &y);
	CHECK(is_colour(px, w, x, y, lut[255]), "XZ plane 50 cell 5 holds 255's colour");
	cell_at(&g, 0, 10, 40, &x, &y);
	CHECK(is_colour(px, w, x, y, lut[100]), "XZ track starts at plane 10 cell 40 (100)");
	cell_at(&g, 0, 29, 49, &x, &y);
	CHECK(is_colour(px, w, x, y, lut[100]), "  and reaches cell 49 at plane 29");
	cell_at(&g, 1, 10, 30, &x, &y);
	CHECK(is_colour(px, w, x, y, lut[50]), "YZ plane 10 cell 30 (50) in the lower panel");
	cell_at(&g, 1, 61, 71, &x, &y);
	CHECK(is_colour(px, w, x, y, lut[200]), "YZ block at planes 60-62, cells 70-72 (200)");
	cell_at(&g, 0, 61, 71, &x, &y);
	CHECK(is_colour(px, w, x, y, lut[0]), "  which is empty in XZ: background");
	cell_at(&g, 1, 50, 5, &x, &y);
	CHECK(is_colour(px, w, x, y, lut[0]), "XZ's hit at plane 50 cell 5 is empty in YZ");
	/* every lit cell of the map lit in the figure, and nothing else */
	ok = 1;
	for (int v = 0; v < NU_VIEWS; v++)
		for (int p = 0; p < NU_PLANES; p++)
			for (int c = 0; c < NU_CELLS; c++) {
				cell_at(&g, v, p, c, &x, &y);
				if (!is_colour(px, w, x, y, lut[NU_PIXEL(map, v, p, c)])) {
					ok = 0;
					break;
				}
				lit += NU_PIXEL(map, v, p, c) > 0;
			}
	CHECK(ok && lit == 20 + 1 + 15 + 9, "all 16000 cells in their colour (%d lit)", lit);

	/* the colour bar: top value's colour at the top, background at the
	 * bottom, every colour the map's, lightness never falling upwards */
	CHECK(is_colour(px, w, g.bx + g.bw / 2, g.by + 1, lut[255]), "bar top: 255's colour");
	CHECK(is_colour(px, w, g.bx + g.bw / 2, g.by + g.bh - 1, lut[0]),
	    "bar bottom: the background");
	ok = 1;
	{
		int prev = -1;

		for (int yy = (int)(g.by + g.bh - 1); yy > (int)g.by + 1; yy--) {
			const uint8_t *p = px + ((size_t)yy * (size_t)w +
			    (size_t)(g.bx + g.bw / 2)) * 3;
			int found = -1;

			for (int v = 0; v < 256 && found < 0; v++)
				if (memcmp(lut[v], p, 3) == 0)
					found = v;
			if (found < 0)
				ok = 0;
			if (found < prev)
				rising = 0;
			prev = found > prev ? found : prev;
		}
	}
	CHECK(ok, "every bar row is a colour of the map");
	CHECK(rising, "  rising in value upwards");
	CHECK(px[0] == 255 && px[1] == 255 && px[2] == 255, "white around the panels");
	free(px);

	/* the text chunks, as nu_eventfig_chunks names them */
	file = slurp(path, &len);
	ok = 0;
	for (size_t i = 0; file != NULL && i + 16 < len; i++)
		ok |= memcmp(file + i, "tEXtTitle\0event 0", 17) == 0;
	CHECK(ok, "the PNG has a Title chunk naming the event");
	ok = 0;
	for (size_t i = 0; file != NULL && i + 30 < len; i++)
		ok |= memcmp(file + i, "Comment\0interaction 13 (NC)", 27) == 0;
	CHECK(ok, "  and a Comment with the interaction");
	free(file);
	free(cause);
}

/* With a score the caption is a line taller, and vmax caps the scale. */
static void
test_png_score(const uint8_t *map, const struct nu_eventfig_event *ev)
{
	struct nu_eventfig_opts o = { .cmap = NU_CMAP_INFERNO,
	    .stretch = NU_STRETCH_LINEAR, .vmax = 100 };
	float y = 0.25f;
	struct nu_eventfig_score sc = { .have = true, .task = NU_TASK_NUMU_CC,
	    .nout = 1, .out = &y, .threshold = 0.5 };
	struct nu_eventfig_text t;
	struct nu_eventfig_geom g0, g;
	uint8_t lut[256][3], *px;
	char path[512], *cause = NULL;
	double x, yy;
	int w = 0, h = 0;

	nu_eventfig_text(ev, &sc, &t);
	snprintf(path, sizeof path, "%s/scored.png", tmpdir);
	CHECK(nu_eventfig_write(map, &o, &t, path, NU_PLOT_PNG, &cause) == NU_OK,
	    "a scored figure, inferno, linear, vmax 100");
	nu_eventfig_geometry(&g0, false);
	nu_eventfig_geometry(&g, true);
	CHECK(g.height > g0.height && g.width == g0.width && g.py[1] == g0.py[1],
	    "  the score adds a line under the same panels");
	if ((px = support_decode_png(path, 3, &w, &h, NULL)) != NULL) {
		CHECK(w == g.width && h == g.height, "  %dx%d", w, h);
		nu_cmap_lut(NU_CMAP_INFERNO, 100, NU_STRETCH_LINEAR, lut);
		cell_at(&g, 0, 50, 5, &x, &yy);
		CHECK(is_colour(px, w, x, yy, lut[100]), "  255 saturates at vmax 100's colour");
		cell_at(&g, 1, 10, 30, &x, &yy);
		CHECK(is_colour(px, w, x, yy, lut[50]), "  50 is half way, linearly");
		free(px);
	}
	free(cause);
}

/* ---- SVG and PDF --------------------------------------------------------- */

static void
test_vector(const uint8_t *map, const struct nu_eventfig_text *t)
{
	struct nu_eventfig_opts o = { 0 };
	char path[512], *cause = NULL, *s;
	size_t len = 0;

	snprintf(path, sizeof path, "%s/one.svg", tmpdir);
	CHECK(nu_eventfig_write(map, &o, t, path, NU_PLOT_AUTO, &cause) == NU_OK,
	    "the figure as SVG");
	s = slurp(path, &len);
	CHECK(s != NULL && strncmp(s, "<?xml", 5) == 0, "  an XML document");
	CHECK_STR_HAS(s, "<title>event 0</title>", "  titled with the event");
	CHECK_STR_HAS(s, "<desc>XZ (top view); YZ (side view); ADC (8-bit calibrated "
	    "energy).", "  described: the views and the colour bar's unit");
	CHECK_STR_HAS(s, "one.h5, index 0  (event 0 of the files)", "  and the caption");
	CHECK_STR_HAS(s, "</svg>", "  complete");
	/* viewers smooth scaled SVG images: the maps are embedded at about
	 * their size on the page (12 x 4 pixels a cell), not 100 x 80 */
	CHECK_STR_HAS(s, "<image id=\"image", "  the maps are images");
	CHECK(s != NULL && strstr(s, "width=\"1200\" height=\"320\"") != NULL &&
	    strstr(s, "width=\"100\" height=\"80\"") == NULL,
	    "  embedded with each cell a 12 x 4 block");
	free(s);

	snprintf(path, sizeof path, "%s/one.pdf", tmpdir);
	CHECK(nu_eventfig_write(map, &o, t, path, NU_PLOT_PDF, &cause) == NU_OK,
	    "the figure as PDF");
	s = slurp(path, &len);
	CHECK(s != NULL && len > 1000 && strncmp(s, "%PDF-", 5) == 0, "  a PDF file");
	CHECK(s != NULL && len > 6 && memmem(s, len, "%%EOF", 5) != NULL, "  complete");
	free(s);
	free(cause);
}

static void
test_failures(const uint8_t *map, const struct nu_eventfig_text *t)
{
	struct nu_eventfig_opts o = { 0 };
	char path[600], dir[520], *cause = NULL;
	struct stat sb;

	snprintf(path, sizeof path, "%s/missing/event-0.png", tmpdir);
	CHECK(nu_eventfig_write(map, &o, t, path, NU_PLOT_AUTO, &cause) == NU_ERR_IO,
	    "writing into a missing directory fails");
	CHECK_STR_HAS(cause, path, "  naming the path");
	CHECK(stat(path, &sb) != 0, "  and no file appears");

	snprintf(dir, sizeof dir, "%s/fail", tmpdir);
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/event-0.gif", dir);
	CHECK(nu_eventfig_write(map, &o, t, path, NU_PLOT_AUTO, &cause) == NU_ERR_USAGE,
	    "an extension that is no format is refused");
	CHECK_STR_HAS(cause, "use .png, .svg or .pdf", "  saying which are");
	o.vmax = 256;
	snprintf(path, sizeof path, "%s/event-0.png", dir);
	CHECK(nu_eventfig_write(map, &o, t, path, NU_PLOT_PNG, &cause) == NU_ERR_USAGE,
	    "vmax 256 is refused");
	CHECK_STR_HAS(cause, "vmax must be 0-255", "  saying so");
	o.vmax = 0;
	mkdir(path, 0777);      /* a directory where the file should go */
	CHECK(nu_eventfig_write(map, &o, t, path, NU_PLOT_PNG, &cause) == NU_ERR_IO,
	    "replacing a directory fails");
	CHECK_EQ_INT(support_count_entries(dir), 1, "  and leaves no temporary file");
	rmdir(path);
	rmdir(dir);
	free(cause);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct nu_dataset *one;
	struct nu_eventfig_event ev = { 0 };
	struct nu_eventfig_text t;
	uint8_t map[NU_MAP_BYTES];
	size_t file;

	test_words();
	one = support_fixture("variants/one.h5");
	snprintf(tmpdir, sizeof tmpdir, "%s/test-eventfig.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	nu_init();
	if (nu_dataset_read_maps(one, 0, 1, map, NULL) != NU_OK ||
	    nu_dataset_read_column(one, NU_COL_INTERACTION, 0, 1, NU_CT_U32,
	    &ev.interaction, NULL) != NU_OK ||
	    nu_dataset_read_column(one, NU_COL_NUENERGY, 0, 1, NU_CT_F32,
	    &ev.nuenergy, NULL) != NU_OK ||
	    nu_dataset_read_column(one, NU_COL_LEPENERGY, 0, 1, NU_CT_F32,
	    &ev.lepenergy, NULL) != NU_OK ||
	    nu_dataset_locate(one, 0, &file, &ev.local, NULL) != NU_OK) {
		printf("Bail out! cannot read one.h5's event\n");
		return 1;
	}
	ev.file = nu_dataset_file(one, file)->path;
	nu_eventfig_text(&ev, NULL, &t);
	test_png(map, &t);
	test_png_score(map, &ev);
	test_vector(map, &t);
	test_failures(map, &t);
	nu_dataset_free(one);
	test_remove_dir(tmpdir);
	cairo_debug_reset_static_data();
	TEST_DONE();
}
