/* test-export.c: event pictures: raw PNGs decode back to the stored bytes,
 * colour PNGs have the documented size and colours, the colour maps rise
 * in lightness, the index-list parser and the --where selection, and
 * writes that fail leave nothing behind. */
#include "config.h"

#include <cairo.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "colormap.h"
#include "eventpng.h"
#include "support.h"
#include "testhelp.h"

static char tmpdir[256];

/*
 * fontconfig, under cairo's text, keeps a few hundred bytes for the life of
 * the process that cairo_debug_reset_static_data() does not release; tell
 * LeakSanitizer (when linked in) that they are not ours.
 */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

/* CIE L* of an 8-bit sRGB colour, computed here independently of colormap.c */
static double
lightness(const uint8_t *c)
{
	double lin[3], y;

	for (int k = 0; k < 3; k++) {
		double v = c[k] / 255.0;

		lin[k] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
	}
	y = 0.2126729 * lin[0] + 0.7151522 * lin[1] + 0.0721750 * lin[2];
	return y > 216.0 / 24389.0 ? 116.0 * cbrt(y) - 16.0 : y * 24389.0 / 27.0;
}

/* Write map raw, read it back, count pixels that differ from the layout. */
static long
raw_roundtrip(const uint8_t *map, const char *path)
{
	struct nu_eventpng_image *img = NULL;
	char *cause = NULL;
	uint8_t *px;
	int w = 0, h = 0, colour = 1;
	long bad = 0;

	if (nu_eventpng_render_raw(map, &img, &cause) != NU_OK ||
	    nu_eventpng_write(img, path, NULL, 0, &cause) != NU_OK) {
		printf("# %s\n", cause);
		free(cause);
		nu_eventpng_image_free(img);
		return -1;
	}
	nu_eventpng_image_free(img);
	if ((px = support_decode_png(path, 1, &w, &h, &colour)) == NULL)
		return -1;
	if (w != 100 || h != 160 || colour) {
		printf("# %s: %dx%d, colour %d\n", path, w, h, colour);
		free(px);
		return -1;
	}
	for (int y = 0; y < 160; y++)
		for (int x = 0; x < 100; x++)
			if (px[y * 100 + x] != map[(y / 80) * 8000 + x * 80 + (79 - y % 80)])
				bad++;
	free(px);
	return bad;
}

static void
test_raw(void)
{
	struct nu_dataset *one = support_fixture("variants/one.h5");
	struct nu_dataset *good = support_fixture("good");
	uint8_t map[NU_MAP_BYTES], *maps;
	char path[512], *cause = NULL;
	uint8_t *px;
	int w, h, colour;
	long bad = 0, failed = 0;
	uint64_t n = nu_dataset_nevents(good);

	CHECK(nu_dataset_read_maps(one, 0, 1, map, NULL) == NU_OK, "read one.h5");
	snprintf(path, sizeof path, "%s/one-raw.png", tmpdir);
	CHECK_EQ_INT(raw_roundtrip(map, path), 0, "one.h5: every raw pixel equals its stored byte");
	/* the hand-drawn pattern, by position in the picture */
	if ((px = support_decode_png(path, 1, &w, &h, &colour)) != NULL) {
		CHECK_EQ_INT(px[(79 - 5) * 100 + 50], 255, "XZ plane 50 cell 5 (255) at column 50, row 74");
		CHECK_EQ_INT(px[(79 - 40) * 100 + 10], 100, "XZ track starts at plane 10, cell 40 (row 39)");
		CHECK_EQ_INT(px[(79 - 49) * 100 + 29], 100, "and rises to cell 49 at plane 29");
		CHECK_EQ_INT(px[(80 + 79 - 30) * 100 + 10], 50, "YZ plane 10 cell 30 in the lower half (row 129)");
		CHECK_EQ_INT(px[(80 + 79 - 71) * 100 + 61], 200, "YZ block at planes 60-62, cells 70-72");
		CHECK_EQ_INT(px[0], 0, "empty cells are 0");
		free(px);
	}

	/* every event of the 650-event dataset, written and read back */
	CHECK_EQ_INT(n, 650, "the good fixtures hold 650 events");
	maps = malloc((size_t)n * NU_MAP_BYTES);
	CHECK(maps != NULL && nu_dataset_read_maps(good, 0, (size_t)n, maps, &cause) == NU_OK,
	    "read all 650 maps");
	for (uint64_t i = 0; maps != NULL && i < n; i++) {
		long b;

		snprintf(path, sizeof path, "%s/good-%llu.png", tmpdir, (unsigned long long)i);
		b = raw_roundtrip(maps + i * NU_MAP_BYTES, path);
		if (b < 0)
			failed++;
		else
			bad += b;
		unlink(path);
	}
	CHECK_EQ_INT(failed, 0, "650 raw pictures written and decoded");
	CHECK_EQ_INT(bad, 0, "all 650 x 16000 raw pixels equal the stored bytes");
	free(maps);
	free(cause);
	nu_dataset_free(one);
	nu_dataset_free(good);
}

static void
test_colour(void)
{
	struct nu_dataset *one = support_fixture("variants/one.h5");
	struct nu_eventpng_caption cap = {
		.interaction = 13, .nuenergy = 2.5, .lepenergy = 1.0,
		.file = "/x/variants/one.h5", .local = 0, .event = 0,
		.score = "numu CC score 0.123",
	};
	uint8_t map[NU_MAP_BYTES], ramp[256][3];
	char path[512], *cause = NULL;

	nu_dataset_read_maps(one, 0, 1, map, NULL);
	for (int s = 1; s <= 5; s += 2)
		for (int withcap = 0; withcap <= 1; withcap++) {
			struct nu_eventpng_opts o = { NU_CMAP_VIRIDIS, NU_STRETCH_SQRT, s, 0, withcap };
			struct nu_eventpng_image *img = NULL;
			int w = 0, h = 0, colour = 0, ew, eh;
			uint8_t *px = NULL;

			snprintf(path, sizeof path, "%s/colour-%d-%d.png", tmpdir, s, withcap);
			if (nu_eventpng_render(map, &o, &cap, &img, &cause) != NU_OK ||
			    nu_eventpng_write(img, path, NULL, 0, &cause) != NU_OK)
				printf("# %s\n", cause);
			nu_eventpng_image_free(img);
			nu_eventpng_size(&o, &ew, &eh);
			CHECK(ew == 100 * s && eh == (160 + NU_EVENTPNG_GAP) * s +
			    (withcap ? NU_EVENTPNG_CAPTION_H : 0),
			    "nu_eventpng_size, scale %d caption %d: %dx%d", s, withcap, ew, eh);
			px = support_decode_png(path, 3, &w, &h, &colour);
			CHECK(px != NULL && colour && w == ew && h == eh,
			    "colour PNG scale %d caption %d is %dx%d RGB (got %dx%d)",
			    s, withcap, ew, eh, w, h);
			if (px != NULL && s == 3 && !withcap) {
				/* XZ plane 50 cell 5 holds the event's maximum, 255 */
				const uint8_t *hot = px + ((size_t)(79 - 5) * 3 * w + 50 * 3) * 3;
				const uint8_t *bg = px;
				const uint8_t *gap = px + (size_t)(80 * 3) * w * 3;
				const uint8_t *yz = px + ((size_t)(81 + 79 - 71) * 3 * w + 61 * 3 + 1) * 3;
				uint8_t lut[256][3];

				nu_cmap_ramp(NU_CMAP_VIRIDIS, ramp);
				nu_cmap_lut(NU_CMAP_VIRIDIS, 255, NU_STRETCH_SQRT, lut);
				CHECK(memcmp(hot, ramp[255], 3) == 0, "the maximum has the top colour");
				CHECK(memcmp(hot + (size_t)2 * w * 3 + 6, ramp[255], 3) == 0,
				    "a cell is a 3x3 block");
				CHECK(memcmp(bg, ramp[0], 3) == 0, "empty cells have the background colour");
				CHECK(memcmp(yz, lut[200], 3) == 0, "YZ cell of 200 below the gap, at its colour");
				CHECK(lightness(gap) > lightness(ramp[0]) + 20 &&
				    gap[0] == gap[1], "the gap is a grey lighter than the background");
			}
			free(px);
		}
	{
		struct nu_eventpng_opts o = { NU_CMAP_VIRIDIS, NU_STRETCH_SQRT, 0, 0, false };
		struct nu_eventpng_image *img = NULL;

		CHECK(nu_eventpng_render(map, &o, NULL, &img, &cause) == NU_ERR_USAGE &&
		    img == NULL, "scale 0 is refused");
		o.scale = NU_EVENTPNG_MAXSCALE + 1;
		CHECK(nu_eventpng_render(map, &o, NULL, &img, &cause) == NU_ERR_USAGE,
		    "scale %d is refused", NU_EVENTPNG_MAXSCALE + 1);
		o.scale = 2;
		o.caption = true;
		CHECK(nu_eventpng_render(map, &o, NULL, &img, &cause) == NU_ERR_USAGE,
		    "a caption without its text is refused");
	}
	free(cause);
	nu_dataset_free(one);
}

static void
test_cmaps(void)
{
	static const enum nu_cmap_stretch st[] = { NU_STRETCH_LINEAR, NU_STRETCH_SQRT, NU_STRETCH_LOG };
	static const int vmaxes[] = { 1, 2, 37, 200, 255 };

	CHECK_EQ_INT(nu_cmap_from_name("viridis"), NU_CMAP_VIRIDIS, "viridis by name");
	CHECK_EQ_INT(nu_cmap_from_name("inferno"), NU_CMAP_INFERNO, "inferno by name");
	CHECK_EQ_INT(nu_cmap_from_name("grey"), NU_CMAP_GREY, "grey by name");
	CHECK_EQ_INT(nu_cmap_from_name("gray"), NU_CMAP_GREY, "gray is grey");
	CHECK_EQ_INT(nu_cmap_from_name("jet"), -1, "no jet");
	CHECK_EQ_INT(nu_cmap_stretch_from_name("sqrt"), NU_STRETCH_SQRT, "sqrt by name");
	CHECK_EQ_INT(nu_cmap_stretch_from_name("cube"), -1, "unknown stretch");

	for (int m = 0; m < NU_NCMAPS; m++) {
		uint8_t ramp[256][3], again[256][3];
		int down = 0, flat = 0, luts_ok = 1;
		double l0, lmin = 200, lmax = -1;

		nu_cmap_ramp((enum nu_cmap)m, ramp);
		nu_cmap_ramp((enum nu_cmap)m, again);
		l0 = lightness(ramp[0]);
		for (int i = 2; i < 256; i++) {
			double a = lightness(ramp[i - 1]), b = lightness(ramp[i]);

			down += b < a;
			flat += b == a;
		}
		for (int i = 1; i < 256; i++) {
			lmin = fmin(lmin, lightness(ramp[i]));
			lmax = fmax(lmax, lightness(ramp[i]));
		}
		CHECK(memcmp(ramp, again, sizeof ramp) == 0, "%s: the same ramp every time",
		    nu_cmap_name(m));
		CHECK_EQ_INT(down, 0, "%s: L* never falls along the ramp", nu_cmap_name(m));
		if (m != NU_CMAP_GREY)
			CHECK_EQ_INT(flat, 0, "%s: L* strictly rises along the ramp", nu_cmap_name(m));
		CHECK(l0 + 8 < lightness(ramp[1]),
		    "%s: background L* %.1f well below the faintest hit's %.1f",
		    nu_cmap_name(m), l0, lightness(ramp[1]));
		CHECK(lmax - lmin > 60, "%s: the ramp spans %.0f units of L*",
		    nu_cmap_name(m), lmax - lmin);
		for (size_t s = 0; s < sizeof st / sizeof st[0]; s++)
			for (size_t k = 0; k < sizeof vmaxes / sizeof vmaxes[0]; k++) {
				uint8_t lut[256][3];
				int vmax = vmaxes[k];

				nu_cmap_lut((enum nu_cmap)m, vmax, st[s], lut);
				if (memcmp(lut[0], ramp[0], 3) != 0 ||
				    memcmp(lut[vmax], ramp[255], 3) != 0 ||
				    memcmp(lut[255], ramp[255], 3) != 0 ||
				    memcmp(lut[1], ramp[vmax == 1 ? 255 : 1], 3) != 0)
					luts_ok = 0;
				for (int v = 1; v < 256; v++)
					if (lightness(lut[v]) < lightness(lut[v - 1]))
						luts_ok = 0;
			}
		CHECK(luts_ok, "%s: value lookups: 0 background, 1 faintest, vmax and "
		    "above top, L* never falling", nu_cmap_name(m));
	}
	{
		uint8_t lin[256][3], sq[256][3];

		nu_cmap_lut(NU_CMAP_INFERNO, 255, NU_STRETCH_LINEAR, lin);
		nu_cmap_lut(NU_CMAP_INFERNO, 255, NU_STRETCH_SQRT, sq);
		CHECK(lightness(sq[30]) > lightness(lin[30]) + 10,
		    "sqrt lifts a track-like 30 of 255 (L* %.1f vs %.1f)",
		    lightness(sq[30]), lightness(lin[30]));
	}
}

/* Parse and compare with the expected indices (count n, then values). */
static void
parse_ok(const char *text, uint64_t nevents, size_t n, const uint64_t *want)
{
	uint64_t *got = NULL;
	size_t ngot = 0;
	char *cause = NULL;
	enum nu_status st = nu_eventpng_parse_indices(text, nevents, &got, &ngot, &cause);
	int same = st == NU_OK && ngot == n;

	for (size_t i = 0; same && i < n; i++)
		same = got[i] == (want != NULL ? want[i] : i);   /* NULL: 0..n-1 */
	CHECK(same, "index list '%s' of %llu events", text, (unsigned long long)nevents);
	if (st != NU_OK)
		printf("#   %s\n", cause);
	free(got);
	free(cause);
}

static void
parse_bad(const char *text, uint64_t nevents, enum nu_status want, const char *msg)
{
	uint64_t *got = (uint64_t *)1;
	size_t n = 99;
	char *cause = NULL;
	enum nu_status st = nu_eventpng_parse_indices(text, nevents, &got, &n, &cause);

	CHECK(st == want && got == NULL && n == 0, "index list '%s' is refused (%s)",
	    text, nu_strerror(want));
	CHECK_STR_HAS(cause, msg, "  with the message '%s'", msg);
	free(cause);
}

static void
test_indices(void)
{
	uint64_t want[64];
	char *cause = NULL;

	for (int i = 0; i < 11; i++)
		want[2 + i] = 10 + (uint64_t)i;
	want[0] = 0;
	want[1] = 5;
	parse_ok("0,5,10-20", 650, 13, want);
	parse_ok("10-20,5,0", 650, 13, want);
	parse_ok(" 0 , 5,10-20 ", 650, 13, want);
	parse_ok("5,0,10-15,12-20,5", 650, 13, want);
	parse_ok("649", 650, 1, (const uint64_t[]){ 649 });
	parse_ok("0-649", 650, 650, NULL);
	parse_ok("3-3", 4, 1, (const uint64_t[]){ 3 });
	parse_ok("007", 8, 1, (const uint64_t[]){ 7 });

	parse_bad("", 650, NU_ERR_USAGE, "the index list is empty");
	parse_bad("  ", 650, NU_ERR_USAGE, "the index list is empty");
	parse_bad("1,,2", 650, NU_ERR_USAGE, "empty item in the index list '1,,2'");
	parse_bad("1,", 650, NU_ERR_USAGE, "empty item");
	parse_bad(",1", 650, NU_ERR_USAGE, "empty item");
	parse_bad("a", 650, NU_ERR_USAGE, "'a' in the index list is not an index or a range A-B");
	parse_bad("1,x2", 650, NU_ERR_USAGE, "'x2' in the index list is not an index");
	parse_bad("-1", 650, NU_ERR_USAGE, "'-1' in the index list is not an index");
	parse_bad("+1", 650, NU_ERR_USAGE, "'+1' in the index list");
	parse_bad("1.5", 650, NU_ERR_USAGE, "'1.5' in the index list");
	parse_bad("3-", 650, NU_ERR_USAGE, "'3-' in the index list");
	parse_bad("1-2-3", 650, NU_ERR_USAGE, "'1-2-3' in the index list");
	parse_bad("1 2", 650, NU_ERR_USAGE, "'1 2' in the index list");
	parse_bad("20-10", 650, NU_ERR_USAGE, "the range '20-10' in the index list runs backwards");
	parse_bad("650", 650, NU_ERR_RANGE, "event 650 is out of range: the files hold 650 events (0-649)");
	parse_bad("0,600-700", 650, NU_ERR_RANGE, "event 700 is out of range");
	parse_bad("1", 1, NU_ERR_RANGE, "the files hold 1 event (0-0)");
	parse_bad("0", 0, NU_ERR_RANGE, "the files hold no events");
	parse_bad("99999999999999999999999", 650, NU_ERR_RANGE, "is too large");

	/* the form alone, before the files are opened */
	CHECK(nu_eventpng_parse_indices("0,5,10-20000000", 0, NULL, NULL, &cause) == NU_OK,
	    "syntax-only check ignores the range");
	CHECK(nu_eventpng_parse_indices("5-1", 0, NULL, NULL, &cause) == NU_ERR_USAGE,
	    "syntax-only check still finds a backwards range");
	free(cause);
}

static void
test_select(void)
{
	struct nu_dataset *good = support_fixture("good");
	uint64_t n = nu_dataset_nevents(good), *sel = NULL;
	uint32_t *code = malloc(n * sizeof(*code));
	float *nue = malloc(n * sizeof(*nue));
	struct nu_where *w = NULL;
	size_t nsel = 0, want = 0, wfirst[3], nw3 = 0;
	char *cause = NULL;
	int same = 1;

	nu_dataset_read_column(good, NU_COL_INTERACTION, 0, n, NU_CT_U32, code, NULL);
	nu_dataset_read_column(good, NU_COL_NUENERGY, 0, n, NU_CT_F32, nue, NULL);
	for (uint64_t i = 0; i < n; i++)
		if (code[i] == 13 && nue[i] > 2) {
			if (nw3 < 3)
				wfirst[nw3++] = i;
			want++;
		}
	nu_where_compile(&w, "interaction == 13 && nuenergy > 2", NULL);
	CHECK(nu_eventpng_select(good, w, 0, &sel, &nsel, &cause) == NU_OK &&
	    nsel == want && want > 3, "--where selects the %zu NC events above 2 GeV", want);
	for (size_t i = 0; i < nsel && i < want; i++) {
		size_t k = 0;

		for (uint64_t j = i ? sel[i - 1] + 1 : 0; j < n; j++)
			if (code[j] == 13 && nue[j] > 2) {
				k = j;
				break;
			}
		same &= sel[i] == k;
	}
	CHECK(same, "in order, across the three files");
	free(sel);
	CHECK(nu_eventpng_select(good, w, 3, &sel, &nsel, &cause) == NU_OK && nsel == 3 &&
	    sel[0] == wfirst[0] && sel[1] == wfirst[1] && sel[2] == wfirst[2],
	    "a limit of 3 keeps the first 3");
	free(sel);
	nu_where_free(w);
	nu_where_compile(&w, "interaction == 99", NULL);
	sel = (uint64_t *)1;
	CHECK(nu_eventpng_select(good, w, 0, &sel, &nsel, &cause) == NU_OK && nsel == 0 &&
	    sel == NULL, "nothing selected: no events, no array");
	nu_where_free(w);
	nu_where_compile(&w, "event >= 640", NULL);
	CHECK(nu_eventpng_select(good, w, 0, &sel, &nsel, &cause) == NU_OK && nsel == 10 &&
	    sel[0] == 640 && sel[9] == 649, "event is the global index");
	free(sel);
	nu_where_free(w);
	free(code);
	free(nue);
	free(cause);
	nu_dataset_free(good);
}

static void
test_write_failures(void)
{
	struct nu_eventpng_image *img = NULL;
	uint8_t map[NU_MAP_BYTES] = { 0 };
	char path[600], dir[520], *cause = NULL;
	struct stat sb;

	nu_eventpng_render_raw(map, &img, NULL);
	snprintf(path, sizeof path, "%s/missing/event-7.png", tmpdir);
	CHECK(nu_eventpng_write(img, path, NULL, 0, &cause) == NU_ERR_IO,
	    "writing into a missing directory fails");
	CHECK_STR_HAS(cause, path, "  naming the path");
	CHECK_STR_HAS(cause, "No such file or directory", "  and why");
	CHECK(stat(path, &sb) != 0, "  and no file appears");

	/* the temporary file is made but the rename fails: nothing is left */
	snprintf(dir, sizeof dir, "%s/blocked", tmpdir);
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/event-8.png", dir);
	mkdir(path, 0777);              /* a directory where the file should go */
	CHECK(nu_eventpng_write(img, path, NULL, 0, &cause) == NU_ERR_IO,
	    "replacing a directory fails");
	CHECK_STR_HAS(cause, path, "  naming the path");
	CHECK_EQ_INT(support_count_entries(dir), 1, "  and leaves no temporary file");
	rmdir(path);
	rmdir(dir);

	/* text chunks are written (and the write succeeds) */
	snprintf(path, sizeof path, "%s/texts.png", tmpdir);
	CHECK(nu_eventpng_write(img, path, (const char *const[]){ "Title", "event 7",
	    "Software", "nuscope" }, 2, &cause) == NU_OK, "a write with text chunks");
	{
		FILE *f = fopen(path, "rb");
		char buf[4096];
		size_t got = f ? fread(buf, 1, sizeof buf, f) : 0;
		int found = 0;

		for (size_t i = 0; i + 13 < got; i++)
			found |= memcmp(buf + i, "Title\0event 7", 13) == 0;
		CHECK(found, "  holding Title = event 7");
		if (f)
			fclose(f);
	}
	unlink(path);
	nu_eventpng_image_free(img);
	free(cause);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	if (getenv("FIXTURES") == NULL)
		TEST_SKIP_ALL("FIXTURES is not set (run through make check)");
	snprintf(tmpdir, sizeof tmpdir, "%s/test-export.XXXXXX", t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	nu_init();
	test_cmaps();
	test_indices();
	test_write_failures();
	test_raw();
	test_colour();
	test_select();
	test_remove_dir(tmpdir);
	/* let LeakSanitizer see only our own allocations */
	cairo_debug_reset_static_data();
	TEST_DONE();
}
