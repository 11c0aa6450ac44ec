/*
 * test-plot.c: the figure library: tick values, the colour map, every kind
 * of figure written as PNG (decoded back with libpng), SVG (parsed as XML
 * by Python when it is there) and PDF (read by pdfinfo when it is there),
 * and the ways saving fails.
 *
 * With a directory argument the figures are written there and kept, for
 * looking at; otherwise into a temporary directory that is removed.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#include <png.h>

#include "plot.h"
#include "support.h"
#include "testhelp.h"

#define NEAR(a, b) (fabs((a) - (double)(b)) <= 1e-12 * fmax(1, fabs((double)(b))))

static char dir[512];
static int have_python, have_pdfinfo;

static char *
path_of(const char *name)
{
	static char buf[1024];

	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static int
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* Files in d whose name contains "tmp" (left-over temporaries). */
static int
count_temporaries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		n += strstr(de->d_name, ".tmp-") != NULL;
	closedir(dp);
	return n;
}

/* ---- what a written file holds ---------------------------------------------- */

struct pixels {
	int w, h;
	unsigned char *rgb;
};

static int
png_load(const char *path, struct pixels *px)
{
	memset(px, 0, sizeof(*px));
	px->rgb = support_decode_png(path, 3, &px->w, &px->h, NULL);
	return px->rgb != NULL;
}

/* Counts of near-white, dark and strongly coloured pixels. */
static void
png_census(const struct pixels *px, long *white, long *dark, long *colour)
{
	*white = *dark = *colour = 0;
	for (long i = 0; i < (long)px->w * px->h; i++) {
		const unsigned char *c = px->rgb + 3 * i;
		int mx = c[0], mn = c[0];

		for (int k = 1; k < 3; k++) {
			mx = c[k] > mx ? c[k] : mx;
			mn = c[k] < mn ? c[k] : mn;
		}
		*white += mn >= 245;
		*dark += mx <= 60;
		*colour += mx - mn >= 80;
	}
}

/* Whether Python's XML parser accepts the file. */
static int
xml_ok(const char *path)
{
	char cmd[2048];

	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import xml.dom.minidom,sys; "
	    "xml.dom.minidom.parse(sys.argv[1])' '%s'", path);
	return system(cmd) == 0;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((s = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	s[fread(s, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return s;
}

/*
 * Save p as name.png, .svg and .pdf and check each; want_colour: series
 * drawn in colour must show.  title_text: what the SVG's <title> and the
 * PDF's Title hold.
 */
static void
check_figure(struct nu_plot *p, const char *name, int w, int h, const char *title_text)
{
	char file[256], *cause = NULL, *s;
	struct pixels px;
	long white, dark, colour;
	enum nu_status st;

	snprintf(file, sizeof file, "%s.png", name);
	st = nu_plot_save(p, path_of(file), NU_PLOT_AUTO, &cause);
	CHECK_EQ_INT(st, NU_OK, "%s: PNG saved%s%s", name, cause ? ": " : "", cause ? cause : "");
	CHECK(png_load(path_of(file), &px), "%s: PNG decodes with libpng", name);
	CHECK(px.w == w && px.h == h, "%s: PNG is %dx%d (got %dx%d)", name, w, h, px.w, px.h);
	if (px.rgb != NULL) {
		png_census(&px, &white, &dark, &colour);
		CHECK(white > (long)w * h / 3, "%s: mostly white background (%ld)", name, white);
		CHECK(dark > 500, "%s: dark frame and text (%ld pixels)", name, dark);
		CHECK(colour > 300, "%s: coloured data (%ld pixels)", name, colour);
	}
	free(px.rgb);

	snprintf(file, sizeof file, "%s.svg", name);
	st = nu_plot_save(p, path_of(file), NU_PLOT_AUTO, &cause);
	CHECK_EQ_INT(st, NU_OK, "%s: SVG saved", name);
	s = slurp(path_of(file));
	CHECK_STR_HAS(s, title_text, "%s: SVG holds the title", name);
	CHECK_STR_HAS(s, "<svg", "%s: SVG has an svg element", name);
	free(s);
	if (have_python)
		CHECK(xml_ok(path_of(file)),
		    "%s: SVG is well-formed XML", name);
	else
		SKIP("%s: SVG is well-formed XML: no /usr/bin/python3", name);

	snprintf(file, sizeof file, "%s.pdf", name);
	st = nu_plot_save(p, path_of(file), NU_PLOT_PDF, &cause);
	CHECK_EQ_INT(st, NU_OK, "%s: PDF saved", name);
	if (have_pdfinfo) {
		char info[1100], cmd[2400];

		snprintf(info, sizeof info, "%s.info", path_of(file));
		snprintf(cmd, sizeof cmd, "pdfinfo '%s' > '%s' 2>&1", path_of(file), info);
		CHECK(system(cmd) == 0,
		    "%s: pdfinfo reads the PDF", name);
		s = slurp(info);
		CHECK(s != NULL && strstr(s, "Pages:") != NULL &&
		    atoi(strstr(s, "Pages:") + 6) == 1, "%s: one page", name);
		CHECK_STR_HAS(s, title_text, "%s: PDF title", name);
		snprintf(file, sizeof file, "%d x %d pts", w, h);
		CHECK_STR_HAS(s, file, "%s: page is %dx%d points", name, w, h);
		free(s);
		unlink(info);
	} else {
		SKIP("%s: pdfinfo reads the PDF: no pdfinfo", name);
	}
	free(cause);
}

/* ---- figures like the ones nuscope eval draws ------------------------------- */

static struct nu_plot *
fig_roc(void)
{
	struct nu_plot *p = nu_plot_new("ROC: \xce\xbd_{e} CC versus background",
	    "Background efficiency (false positive rate)", "Signal efficiency");
	double x[201], y[201], x2[201], y2[201];

	for (int i = 0; i <= 200; i++) {
		double t = i / 200.0;

		x[i] = t;
		y[i] = pow(t, 0.12);
		x2[i] = t;
		y2[i] = pow(t, 0.3);
	}
	nu_plot_set_xlim(p, 0, 1);
	nu_plot_set_ylim(p, 0, 1.02);
	nu_plot_refline(p, 1, 0, "Random", &(struct nu_plot_style){ .dashed = 1 });
	nu_plot_line(p, x, y, 201, "CVN seed1 (AUC = 0.954)", NULL);
	nu_plot_line(p, x2, y2, 201, "Baseline (AUC = 0.871)", NULL);
	return p;
}

static struct nu_plot *
fig_efficiency(void)
{
	struct nu_plot *p = nu_plot_new("Efficiency and purity versus energy",
	    "E_{\xce\xbd} (GeV)", "Fraction");
	double x[10], hw[10], e[10], elo[10], ehi[10], q[10], qlo[10], qhi[10];

	for (int i = 0; i < 10; i++) {
		x[i] = 0.5 + i;
		hw[i] = 0.5;
		e[i] = 0.55 + 0.35 * (1 - exp(-i / 2.5));
		elo[i] = e[i] - 0.06 + 0.004 * i;
		ehi[i] = fmin(1, e[i] + 0.05 - 0.003 * i);
		q[i] = 0.7 + 0.02 * i;
		qlo[i] = q[i] - 0.04;
		qhi[i] = q[i] + 0.035;
	}
	e[9] = NAN;             /* an empty bin */
	nu_plot_points(p, x, e, 10, elo, ehi, hw, "Efficiency", NULL);
	nu_plot_points(p, x, q, 10, qlo, qhi, hw, "Purity", NULL);
	return p;
}

static struct nu_plot *
fig_scores(int logy)
{
	struct nu_plot *p = nu_plot_new(logy ? "CVN score (log)" : "CVN score",
	    "CVN \xce\xbd_{e} score", "Events");
	double edges[51], counts[3 * 50];
	const char *labels[3] = { "NC", "\xce\xbd_{\xce\xbc} CC", "\xce\xbd_{e} CC" };

	for (int i = 0; i <= 50; i++)
		edges[i] = i / 50.0;
	for (int i = 0; i < 50; i++) {
		double t = (i + 0.5) / 50;

		counts[i] = 4000 * exp(-t / 0.08) + 20;
		counts[50 + i] = 2500 * exp(-t / 0.15) + 10;
		counts[100 + i] = 30 + 900 * exp(-(1 - t) / 0.1);
	}
	nu_plot_stack(p, edges, counts, 50, 3, labels);
	nu_plot_vline(p, 0.82, "cut 0.82", &(struct nu_plot_style){ .dashed = 1 });
	if (logy)
		nu_plot_set_logy(p, 1);
	return p;
}

static struct nu_plot *
fig_bars(void)
{
	struct nu_plot *p = nu_plot_new("Efficiency by interaction mode", NULL,
	    "Efficiency");
	const char *modes[5] = { "QE", "RES", "DIS", "CC other", "NC" };
	double v[5] = { 0.91, 0.84, 0.71, 0.66, 0.12 }, lo[5], hi[5];
	double v2[5] = { 0.88, 0.80, 0.62, 0.60, 0.08 }, lo2[5], hi2[5];

	for (int i = 0; i < 5; i++) {
		lo[i] = v[i] - 0.02 - 0.01 * i;
		hi[i] = v[i] + 0.02 + 0.005 * i;
		lo2[i] = v2[i] - 0.03;
		hi2[i] = v2[i] + 0.03;
	}
	nu_plot_bars(p, modes, v, lo, hi, 5, "seed1", NULL);
	nu_plot_bars(p, modes, v2, lo2, hi2, 5, "cvn-lite", NULL);
	nu_plot_set_ylim(p, 0, NAN);
	return p;
}

static struct nu_plot *
fig_confusion(int fractions)
{
	struct nu_plot *p = nu_plot_new(fractions ? "Efficiency (row-normalised)" :
	    "Confusion matrix", "Predicted", "True");
	const char *names[3] = { "\xce\xbd_{e} CC", "\xce\xbd_{\xce\xbc} CC", "NC" };
	double m[9] = { 8123, 402, 311, 250, 15210, 1203, 530, 2291, 6012 };

	if (fractions) {
		for (int r = 0; r < 3; r++) {
			double sum = m[3 * r] + m[3 * r + 1] + m[3 * r + 2];

			for (int c = 0; c < 3; c++)
				m[3 * r + c] /= sum;
		}
		m[5] = NAN;     /* a cell with nothing to show */
		nu_plot_set_zlim(p, 0, 1);
		nu_plot_set_zlabel(p, "Fraction of true class");
	} else {
		nu_plot_set_zlabel(p, "Events");
	}
	nu_plot_matrix(p, m, 3, 3, names, names, fractions ? "%.2f" : "%.0f");
	return p;
}

static struct nu_plot *
fig_hist2d(void)
{
	struct nu_plot *p = nu_plot_new("Energy estimate", "True E_{\xce\xbd} (GeV)",
	    "Reconstructed E_{\xce\xbd} (GeV)");
	double e[41], c[40 * 40];

	for (int i = 0; i <= 40; i++)
		e[i] = i * 0.25;
	for (int iy = 0; iy < 40; iy++)
		for (int ix = 0; ix < 40; ix++) {
			double xt = (ix + 0.5) * 0.25, yt = (iy + 0.5) * 0.25;
			double d = (yt - 0.95 * xt) / (0.12 * xt + 0.2);
			double v = 3000 * exp(-xt / 3) * exp(-0.5 * d * d);

			c[iy * 40 + ix] = v < 1 ? 0 : floor(v);
		}
	nu_plot_hist2d(p, e, 40, e, 40, c);
	nu_plot_refline(p, 1, 0, "y = x", &(struct nu_plot_style){ .color = NU_PLOT_BLACK,
	    .dashed = 1 });
	nu_plot_set_zlabel(p, "Events");
	nu_plot_set_legend(p, NU_LEGEND_UPPER_LEFT);
	return p;
}

static struct nu_plot *
fig_training(void)
{
	struct nu_plot *p = nu_plot_new("Training", "Epoch", "Loss");
	double ep[30], tr[30], va[30];

	for (int i = 0; i < 30; i++) {
		ep[i] = i + 1;
		tr[i] = 0.35 + 0.5 * exp(-i / 6.0);
		va[i] = 0.40 + 0.45 * exp(-i / 7.0) + 0.002 * i;
	}
	nu_plot_line(p, ep, tr, 30, "Train", &(struct nu_plot_style){ .color = 1 });
	nu_plot_line(p, ep, va, 30, "Validation",
	    &(struct nu_plot_style){ .color = 1, .dashed = 1, .markers = 1 });
	nu_plot_text(p, 0.04, 0.05, "seed1.arch, seed 7");
	return p;
}

static struct nu_plot *
fig_fom(void)
{
	struct nu_plot *p = nu_plot_new("Figure of merit", "Cut on CVN score",
	    "s/\xe2\x88\x9a(s+b)");
	double x[101], y[101];

	for (int i = 0; i <= 100; i++) {
		x[i] = i / 100.0;
		y[i] = 40 * exp(-pow((x[i] - 0.82) / 0.3, 2)) + 12 * x[i];
	}
	nu_plot_line(p, x, y, 101, "FOM", NULL);
	nu_plot_vline(p, 0.82, "best cut 0.82", &(struct nu_plot_style){ .dashed = 1 });
	nu_plot_note(p, "max FOM = 49.9");
	return p;
}

static struct nu_plot *
fig_overlay(void)
{
	struct nu_plot *p = nu_plot_new("Score by true class (normalised)",
	    "CVN score", "Fraction of events");
	double edges[26], a[25], b[25];

	for (int i = 0; i <= 25; i++)
		edges[i] = i / 25.0;
	for (int i = 0; i < 25; i++) {
		double t = (i + 0.5) / 25;

		a[i] = 0.2 * exp(-t / 0.1);
		b[i] = 0.01 + 0.3 * exp(-(1 - t) / 0.12);
	}
	nu_plot_hist(p, edges, a, 25, "Background", &(struct nu_plot_style){ .fill = 1 });
	nu_plot_hist(p, edges, b, 25, "Signal", &(struct nu_plot_style){ .fill = 1 });
	return p;
}

static struct nu_plot *
fig_resolution(void)
{
	struct nu_plot *p = nu_plot_new("Resolution", "True E_{\xce\xbd} (GeV)",
	    "RMS of (E_{reco} \xe2\x88\x92 E_{true})/E_{true}");
	double x[8] = { 0.75, 1.5, 2.5, 3.5, 5, 7, 10, 15 };
	double y[8] = { 0.31, 0.22, 0.18, 0.16, 0.15, 0.14, 0.135, 0.13 };
	double hw[8] = { 0.25, 0.5, 0.5, 0.5, 1, 1, 2, 3 };

	nu_plot_points(p, x, y, 8, NULL, NULL, hw, "seed1", NULL);
	nu_plot_set_logx(p, 1);
	return p;
}

/* ---- unit checks ---------------------------------------------------------------- */

static void
test_ticks(void)
{
	double t[32];
	size_t n;

	n = nu_plot_ticks(0, 1, 0, 8, t, 32);
	CHECK_EQ_INT(n, 6, "0..1: six ticks");
	for (size_t i = 0; i < n && i < 6; i++)
		CHECK(NEAR(t[i], 0.2 * i), "0..1: tick %zu is %.1f", i, 0.2 * i);
	CHECK(t[3] == 0.6, "0.6 is exactly the double 0.6, not 3 x 0.2");

	n = nu_plot_ticks(0, 82, 0, 8, t, 32);
	CHECK(n == 5 && t[0] == 0 && t[1] == 20 && t[4] == 80, "0..82 at most 8: steps of 20");
	n = nu_plot_ticks(0, 82, 0, 10, t, 32);
	CHECK(n == 9 && t[1] == 10 && t[8] == 80, "0..82 at most 10: steps of 10");

	n = nu_plot_ticks(1e-3, 1, 1, 8, t, 32);
	CHECK(n == 4 && NEAR(t[0], 1e-3) && NEAR(t[1], 1e-2) && NEAR(t[2], 0.1) && t[3] == 1,
	    "log 1e-3..1: the decades");
	n = nu_plot_ticks(1e-9, 1e3, 1, 6, t, 32);
	CHECK(n == 5 && NEAR(t[0], 1e-9) && NEAR(t[1], 1e-6) && t[4] == 1e3,
	    "log 1e-9..1e3 at most 6: every third decade");
	n = nu_plot_ticks(0.5, 18, 1, 8, t, 32);
	CHECK(n == 5 && t[0] == 0.5 && t[1] == 1 && t[2] == 2 && t[3] == 5 && t[4] == 10,
	    "log 0.5..18 (two decades): 1, 2 and 5 of each");
	n = nu_plot_ticks(2, 9, 1, 8, t, 32);
	CHECK(n == 8 && t[0] == 2 && t[7] == 9, "log 2..9 (under two decades): linear ticks");
	n = nu_plot_ticks(-1.3, 2.7, 0, 8, t, 32);
	CHECK(n == 8 && NEAR(t[0], -1) && t[2] == 0 && NEAR(t[7], 2.5),
	    "-1.3..2.7: -1 to 2.5 in halves, 0 exactly");
	n = nu_plot_ticks(0.31, 0.69, 0, 9, t, 32);
	CHECK(n == 7 && NEAR(t[0], 0.35) && NEAR(t[6], 0.65), "0.31..0.69: steps of 0.05");
	CHECK_EQ_INT(nu_plot_ticks(1, 1, 0, 8, t, 32), 0, "empty range: no ticks");
	CHECK_EQ_INT(nu_plot_ticks(0, 10, 1, 8, t, 32), 0, "log axis from 0: no ticks");
	CHECK_EQ_INT(nu_plot_ticks(0, 1000, 0, 8, t, 2), 6, "count beyond cap reported");
}

/* CIE L* of an sRGB colour, computed here independently of plot.c. */
static double
lightness(const double c[3])
{
	double lin[3], Y, f;

	for (int i = 0; i < 3; i++)
		lin[i] = c[i] <= 0.04045 ? c[i] / 12.92 : pow((c[i] + 0.055) / 1.055, 2.4);
	Y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
	f = Y > pow(6.0 / 29, 3) ? cbrt(Y) : Y / (3 * pow(6.0 / 29, 2)) + 4.0 / 29;
	return 116 * f - 16;
}

static void
test_cmap(void)
{
	double c[3], prev = -1, dmin = 1e9, dmax = 0, first = 0, last = 0;
	int mono = 1, inrange = 1;

	for (int i = 0; i <= 100; i++) {
		double L;

		nu_plot_cmap(i / 100.0, c);
		for (int k = 0; k < 3; k++)
			inrange &= c[k] >= 0 && c[k] <= 1;
		L = lightness(c);
		if (i == 0)
			first = L;
		else {
			mono &= L > prev;
			dmin = fmin(dmin, L - prev);
			dmax = fmax(dmax, L - prev);
		}
		prev = last = L;
	}
	CHECK(inrange, "colour map stays in [0, 1]");
	CHECK(mono, "colour map lightness rises strictly");
	CHECK_NEAR(first, 18, 1.0, "darkest end has L* 18");
	CHECK_NEAR(last, 93, 1.0, "brightest end has L* 93");
	CHECK(dmax < 1.15 * dmin, "lightness steps are even (%.3f..%.3f)", dmin, dmax);
	nu_plot_cmap(0, c);
	CHECK(c[2] > c[0] && c[2] > c[1], "the dark end is blue");
	nu_plot_cmap(1, c);
	CHECK(c[0] > 0.8 && c[1] > 0.8 && c[2] < 0.3, "the bright end is yellow");
	nu_plot_cmap(-3, c);
	prev = c[2];
	nu_plot_cmap(NAN, c);
	CHECK(c[2] == prev, "t below 0 and NaN clamp to the dark end");
}

static void
test_formats(void)
{
	enum nu_plot_format f = NU_PLOT_AUTO;
	char *cause = NULL;

	CHECK(nu_plot_format_parse("PDF", &f, NULL) == NU_OK && f == NU_PLOT_PDF,
	    "format names in any case");
	CHECK_EQ_INT(nu_plot_format_parse("gif", &f, &cause), NU_ERR_USAGE, "gif is refused");
	CHECK_STR_HAS(cause, "gif", "the message names it");
	CHECK(strcmp(nu_plot_format_ext(NU_PLOT_SVG), "svg") == 0, "extension of SVG");
	free(cause);
}

static void
test_errors(void)
{
	struct nu_plot *p = fig_training();
	char *cause = NULL, path[1024], bad[1024];
	double e[3] = { 0, 2, 1 }, c[2] = { 1, 2 }, m[4] = { 1, 2, 3, 4 };
	const char *names[2] = { "a", "b" };
	struct stat sb;
	enum nu_status st;

	snprintf(path, sizeof path, "%s/no-such-dir/fig.png", dir);
	st = nu_plot_save(p, path, NU_PLOT_AUTO, &cause);
	CHECK_EQ_INT(st, NU_ERR_IO, "saving into a missing directory fails");
	CHECK_STR_HAS(cause, path, "the message names the path");
	CHECK_STR_HAS(cause, "No such file", "and says why");
	CHECK(!exists(path), "no file is left");

	/* a directory that is a file: fails even for root */
	snprintf(bad, sizeof bad, "%s/plain-file", dir);
	fclose(fopen(bad, "w"));
	snprintf(path, sizeof path, "%s/plain-file/fig.svg", dir);
	CHECK_EQ_INT(nu_plot_save(p, path, NU_PLOT_AUTO, &cause), NU_ERR_IO,
	    "saving under a plain file fails");
	CHECK_STR_HAS(cause, path, "the message names the path");
	unlink(bad);

	if (geteuid() != 0) {
		snprintf(bad, sizeof bad, "%s/read-only", dir);
		mkdir(bad, 0555);
		snprintf(path, sizeof path, "%s/read-only/fig.pdf", dir);
		CHECK_EQ_INT(nu_plot_save(p, path, NU_PLOT_AUTO, &cause), NU_ERR_IO,
		    "saving into a read-only directory fails");
		CHECK_STR_HAS(cause, "Permission denied", "permission denied");
		CHECK_EQ_INT(count_temporaries(bad), 0, "nothing left in it");
		rmdir(bad);
	} else {
		SKIP("read-only directory: running as root");
	}

	snprintf(path, sizeof path, "%s/fig.gif", dir);
	CHECK_EQ_INT(nu_plot_save(p, path, NU_PLOT_AUTO, &cause), NU_ERR_USAGE,
	    "an unknown extension is refused");
	CHECK_STR_HAS(cause, "fig.gif", "the message names the file");
	CHECK(!exists(path), "and nothing is written");

	/* a good figure in place, then a failed save over it keeps it */
	snprintf(path, sizeof path, "%s/keep.png", dir);
	CHECK_EQ_INT(nu_plot_save(p, path, NU_PLOT_AUTO, &cause), NU_OK, "a good save");
	CHECK(stat(path, &sb) == 0 && sb.st_size > 1000, "writes a file");
	CHECK_EQ_INT(nu_plot_hist(p, e, c, 2, "h", NULL), NU_ERR_USAGE,
	    "edges that go back are refused");
	CHECK_EQ_INT(nu_plot_save(p, path, NU_PLOT_AUTO, &cause), NU_ERR_USAGE,
	    "and the figure then cannot be saved");
	CHECK_STR_HAS(cause, path, "the message names the path");
	CHECK_STR_HAS(cause, "bin edge 2", "and the edge");
	CHECK(stat(path, &sb) == 0 && sb.st_size > 1000, "the earlier file is intact");
	nu_plot_free(p);

	p = nu_plot_new("t", NULL, NULL);
	CHECK_EQ_INT(nu_plot_matrix(p, m, 2, 2, names, names, "%d"), NU_ERR_USAGE,
	    "a cell format for integers is refused");
	nu_plot_free(p);
	p = nu_plot_new("t", NULL, NULL);
	CHECK_EQ_INT(nu_plot_matrix(p, m, 2, 2, names, names, "%s"), NU_ERR_USAGE,
	    "a cell format for strings is refused");
	nu_plot_free(p);
	p = nu_plot_new("t", NULL, NULL);
	CHECK_EQ_INT(nu_plot_matrix(p, m, 2, 2, names, names, "%.1f%% %f"), NU_ERR_USAGE,
	    "two conversions are refused");
	nu_plot_free(p);

	p = nu_plot_new("t", NULL, NULL);
	nu_plot_bars(p, names, c, NULL, NULL, 2, "a", NULL);
	CHECK_EQ_INT(nu_plot_bars(p, names, m, NULL, NULL, 3, "b", NULL), NU_ERR_USAGE,
	    "bars with other categories are refused");
	nu_plot_free(p);

	p = nu_plot_new("t", "x", "y");
	nu_plot_line(p, c, c, 2, "l", NULL);
	nu_plot_set_xlim(p, 1, 0);
	snprintf(path, sizeof path, "%s/limits.png", dir);
	CHECK_EQ_INT(nu_plot_save(p, path, NU_PLOT_AUTO, &cause), NU_ERR_USAGE,
	    "empty limits are refused");
	CHECK_STR_HAS(cause, "x limits", "naming the axis");
	nu_plot_set_xlim(p, NAN, NAN);
	nu_plot_set_logy(p, 1);
	nu_plot_set_ylim(p, 0, 10);
	CHECK_EQ_INT(nu_plot_save(p, path, NU_PLOT_AUTO, &cause), NU_ERR_USAGE,
	    "a log axis from 0 is refused");
	CHECK_STR_HAS(cause, "logarithmic", "saying why");
	CHECK_EQ_INT(nu_plot_set_size(p, 50, 600), NU_ERR_USAGE, "a tiny figure is refused");
	nu_plot_free(p);
	CHECK(!exists(path), "no file from refused saves");
	CHECK_EQ_INT(count_temporaries(dir), 0, "no temporary files left anywhere");
	free(cause);
	nu_plot_free(NULL);
}

/* Odd input that must still draw: invalid UTF-8, markup without a closing
 * brace, NaN everywhere, empty series, a small figure, huge numbers. */
static void
test_odd(void)
{
	struct nu_plot *p = nu_plot_new("Latin-1 \xe9t\xe9 and a^{broken", "x_{", NULL);
	double x[4] = { NAN, NAN, NAN, NAN }, big[3] = { 0, 2e6, 4.1e6 };
	char *cause = NULL;
	struct pixels px;

	nu_plot_line(p, x, x, 4, "all NaN", NULL);
	nu_plot_line(p, x, x, 0, "empty", NULL);
	nu_plot_set_size(p, 400, 300);
	CHECK_EQ_INT(nu_plot_save(p, path_of("odd.png"), NU_PLOT_AUTO, &cause), NU_OK,
	    "odd text and no data still draw%s%s", cause ? ": " : "", cause ? cause : "");
	CHECK(png_load(path_of("odd.png"), &px) && px.w == 400 && px.h == 300,
	    "a 400x300 figure");
	free(px.rgb);
	CHECK_EQ_INT(nu_plot_save(p, path_of("odd.svg"), NU_PLOT_AUTO, &cause), NU_OK,
	    "and as SVG");
	if (have_python)
		CHECK(xml_ok(path_of("odd.svg")),
		    "the SVG of odd text is well-formed");
	nu_plot_free(p);

	p = nu_plot_new("Large <numbers> & \"quotes\"", "Events", "Events");
	nu_plot_line(p, big, big, 3, NULL, &(struct nu_plot_style){ .markers = 1 });
	CHECK_EQ_INT(nu_plot_save(p, path_of("big.svg"), NU_PLOT_AUTO, &cause), NU_OK,
	    "large numbers, escaped title");
	if (have_python)
		CHECK(xml_ok(path_of("big.svg")),
		    "the SVG with an escaped title is well-formed");
	CHECK_EQ_INT(nu_plot_save(p, path_of("big.png"), NU_PLOT_AUTO, &cause), NU_OK,
	    "and as PNG");
	nu_plot_free(p);
	free(cause);
}

/* The legend goes to a corner without data: the ROC curve fills the upper
 * left, so the box (white with a grey border) sits lower right. */
static void
test_legend_place(void)
{
	struct nu_plot *p = fig_roc();
	struct pixels px;
	long grey_lr = 0, grey_ul = 0;

	nu_plot_save(p, path_of("roc-legend.png"), NU_PLOT_AUTO, NULL);
	nu_plot_free(p);
	if (!png_load(path_of("roc-legend.png"), &px)) {
		CHECK(0, "legend figure decodes");
		return;
	}
	/* the legend's border: runs of 100 mid-grey (153) pixels in a row */
	for (int y = 0; y < px.h; y++) {
		int run = 0;

		for (int x = 0; x < px.w; x++) {
			const unsigned char *c = px.rgb + 3 * ((long)y * px.w + x);

			if (abs(c[0] - 153) < 8 && abs(c[1] - 153) < 8 && abs(c[2] - 153) < 8)
				run++;
			else
				run = 0;
			if (run == 100) {
				grey_lr += x > px.w / 2 && y > px.h / 2;
				grey_ul += x < px.w / 2 && y < px.h / 2;
			}
		}
	}
	CHECK(grey_lr >= 2 && grey_ul == 0, "ROC legend lower right (%ld edges; %ld upper left)",
	    grey_lr, grey_ul);
	free(px.rgb);
	unlink(path_of("roc-legend.png"));
}

/*
 * Hand back what cairo and fontconfig keep for the life of the process, so
 * that LeakSanitizer reports only our own allocations.  FcFini is looked up
 * in the already loaded libfontconfig rather than linked, which keeps the
 * test's link line that of the core.
 */
static void
release_fonts(void)
{
	void (*fc_fini)(void);

	cairo_debug_reset_static_data();
	*(void **)&fc_fini = dlsym(RTLD_DEFAULT, "FcFini");
	if (fc_fini != NULL)
		fc_fini();
}

static void
remove_dir(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	char p[1024];

	if (dp == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", d, de->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(d);
}

int
main(int argc, char **argv)
{
	int keep = argc > 1;
	struct {
		const char *name, *title;
		struct nu_plot *(*make)(void);
	} figs[] = {
		{ "roc", "ROC: \xce\xbd" "e CC versus background", fig_roc },
		{ "efficiency", "Efficiency and purity versus energy", fig_efficiency },
		{ "bars", "Efficiency by interaction mode", fig_bars },
		{ "hist2d", "Energy estimate", fig_hist2d },
		{ "training", "Training", fig_training },
		{ "fom", "Figure of merit", fig_fom },
		{ "overlay", "Score by true class (normalised)", fig_overlay },
		{ "resolution", "Resolution", fig_resolution },
	};

	if (keep) {
		snprintf(dir, sizeof dir, "%s", argv[1]);
		mkdir(dir, 0777);
	} else {
		const char *t = getenv("TMPDIR");

		snprintf(dir, sizeof dir, "%s/test-plot-XXXXXX", t && *t ? t : "/tmp");
		if (mkdtemp(dir) == NULL) {
			printf("Bail out! cannot make a temporary directory: %s\n", strerror(errno));
			return 1;
		}
	}
	have_python = access("/usr/bin/python3", X_OK) == 0;
	have_pdfinfo = system("command -v pdfinfo >/dev/null 2>&1") == 0;

	test_ticks();
	test_cmap();
	test_formats();

	for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
		struct nu_plot *p = figs[i].make();

		CHECK(p != NULL, "%s: figure made", figs[i].name);
		check_figure(p, figs[i].name, 800, 600, figs[i].title);
		nu_plot_free(p);
	}
	for (int logy = 0; logy < 2; logy++) {
		struct nu_plot *p = fig_scores(logy);

		check_figure(p, logy ? "scores-log" : "scores", 800, 600,
		    logy ? "CVN score (log)" : "CVN score");
		nu_plot_free(p);
	}
	for (int frac = 0; frac < 2; frac++) {
		struct nu_plot *p = fig_confusion(frac);

		check_figure(p, frac ? "confusion-eff" : "confusion", 800, 600,
		    frac ? "Efficiency (row-normalised)" : "Confusion matrix");
		nu_plot_free(p);
	}
	{
		struct nu_plot *p = fig_hist2d();

		nu_plot_set_logz(p, 1);
		check_figure(p, "hist2d-logz", 800, 600, "Energy estimate");
		nu_plot_free(p);
	}
	{
		struct nu_plot *p = fig_efficiency();

		nu_plot_set_size(p, 1200, 900);
		check_figure(p, "efficiency-large", 1200, 900, "Efficiency and purity");
		nu_plot_free(p);
	}

	test_legend_place();
	test_errors();
	test_odd();

	CHECK_EQ_INT(count_temporaries(dir), 0, "no temporary files left");
	if (!keep)
		remove_dir(dir);
	release_fonts();
	TEST_DONE();
}
