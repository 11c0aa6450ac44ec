/*
 * test-dataset.c: the reader against fixtures written by h5py
 * (tests/gen-fixtures.py): layouts, variants, every bad file, ranged reads.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "testhelp.h"

static const char *fx;
static int warnings;

static void
count_warnings(enum nu_log_level level, const char *msg, void *ud)
{
	(void)msg;
	(void)ud;
	if (level == NU_LOG_WARN)
		warnings++;
}

static char *
fixture(const char *rel)
{
	static char buf[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", fx, rel);
	return buf[k];
}

static struct nu_dataset *
open1(const char *rel, enum nu_status *st, char **cause)
{
	struct nu_dataset *ds = NULL;
	const char *args[1] = { fixture(rel) };

	*st = nu_dataset_open(&ds, args, 1, NULL, cause);
	return ds;
}

static void
test_good(void)
{
	struct nu_dataset *ds;
	enum nu_status st;
	char *cause = NULL;
	const struct nu_fileinfo *f;
	uint32_t whole[650], part[650];
	uint8_t *maps, *one;

	ds = open1("good", &st, &cause);
	CHECK_EQ_INT(st, NU_OK, "good/ opens (%s)", cause ? cause : "");
	if (ds == NULL)
		return;
	CHECK_EQ_INT(nu_dataset_nfiles(ds), 3, "three files");
	CHECK_EQ_INT(nu_dataset_nevents(ds), 650, "650 events");
	CHECK_STR_HAS(nu_dataset_file(ds, 0)->path, "neutrino1.h5", "natural order: 1");
	CHECK_STR_HAS(nu_dataset_file(ds, 1)->path, "neutrino2.h5", "natural order: 2");
	CHECK_STR_HAS(nu_dataset_file(ds, 2)->path, "neutrino10.h5", "natural order: 10");
	CHECK_EQ_INT(nu_dataset_file(ds, 1)->first, 300, "file 2 starts at event 300");
	CHECK_EQ_INT(nu_dataset_file(ds, 2)->first, 500, "file 10 starts at event 500");

	f = nu_dataset_file(ds, 0);
	CHECK(strcmp(f->cvnmap.layout, "chunked") == 0 && f->cvnmap.chunk_rows == 64 &&
	    f->cvnmap.gzip_level == 4 && f->cvnmap.shuffle, "neutrino1: chunked 64, gzip 4, shuffle");
	f = nu_dataset_file(ds, 1);
	CHECK(strcmp(f->cvnmap.layout, "contiguous") == 0 && f->cvnmap.gzip_level == -1 &&
	    !f->cvnmap.shuffle, "neutrino2: contiguous, no filters");
	CHECK_EQ_INT(f->cvnmap.stored_bytes, 200 * 16000, "neutrino2 stores 200x16000 bytes");
	f = nu_dataset_file(ds, 2);
	CHECK(f->cvnmap.chunk_rows == 50 && f->cvnmap.gzip_level == 9 && !f->cvnmap.shuffle,
	    "neutrino10: chunked 50, gzip 9, no shuffle");
	CHECK(f->size > 0, "file size recorded");
	CHECK(strcmp(f->column_types[NU_COL_INTERACTION], "uint32") == 0 &&
	    strcmp(f->column_types[NU_COL_NUENERGY], "float32") == 0 &&
	    strcmp(f->column_types[NU_COL_VTXX], "float64") == 0 &&
	    strcmp(f->column_types[NU_COL_CYCLE], "int32") == 0 &&
	    strcmp(f->column_types[NU_COL_SUBEVT], "uint16") == 0, "column types as written");
	CHECK(nu_dataset_has_column(ds, NU_COL_TRAININGDATA_IDX), "all 16 columns present");

	/* a read spanning all three files equals the pieces read per file */
	st = nu_dataset_read_column(ds, NU_COL_INTERACTION, 0, 650, NU_CT_U32, whole, &cause);
	CHECK_EQ_INT(st, NU_OK, "read interaction of all 650 events");
	st = nu_dataset_read_column(ds, NU_COL_INTERACTION, 0, 290, NU_CT_U32, part, &cause);
	if (st == NU_OK)
		st = nu_dataset_read_column(ds, NU_COL_INTERACTION, 290, 250, NU_CT_U32, part + 290, &cause);
	if (st == NU_OK)
		st = nu_dataset_read_column(ds, NU_COL_INTERACTION, 540, 110, NU_CT_U32, part + 540, &cause);
	CHECK(st == NU_OK && memcmp(whole, part, sizeof whole) == 0,
	    "column read across file boundaries matches piecewise reads");

	maps = malloc(20 * NU_MAP_BYTES);
	one = malloc(NU_MAP_BYTES);
	st = nu_dataset_read_maps(ds, 490, 20, maps, &cause);
	CHECK_EQ_INT(st, NU_OK, "maps 490-509 span neutrino2 and neutrino10");
	st = nu_dataset_read_maps(ds, 500, 1, one, &cause);
	CHECK(st == NU_OK && memcmp(maps + 10 * NU_MAP_BYTES, one, NU_MAP_BYTES) == 0,
	    "event 500 read alone equals its place in the spanning read");
	st = nu_dataset_read_maps(ds, 645, 10, maps, &cause);
	CHECK_EQ_INT(st, NU_ERR_RANGE, "reading past the end is a range error");
	CHECK_STR_HAS(cause, "650 events", "and says how many events there are: %s", cause);
	free(maps);
	free(one);
	nu_dataset_free(ds);
	free(cause);
}

/* With one file handle allowed, bouncing between files reopens them and
 * still reads the same values. */
static void
test_lru(void)
{
	struct nu_dataset *ds = NULL, *ref = NULL;
	struct nu_open_opts oo = { .max_open = 1 };
	const char *args[1] = { fixture("good") };
	char *cause = NULL;
	int ok = 1;

	if (nu_dataset_open(&ds, args, 1, &oo, &cause) != NU_OK ||
	    nu_dataset_open(&ref, args, 1, NULL, &cause) != NU_OK) {
		CHECK(0, "open good/ twice: %s", cause);
		goto out;
	}
	for (int round = 0; round < 3 && ok; round++)
		for (uint64_t ev = 0; ev < 650 && ok; ev += 149) {
			float a = -1, b = -2;

			ok = nu_dataset_read_column(ds, NU_COL_NUENERGY, ev, 1,
			    NU_CT_F32, &a, &cause) == NU_OK &&
			    nu_dataset_read_column(ref, NU_COL_NUENERGY, ev, 1,
			    NU_CT_F32, &b, &cause) == NU_OK && a == b;
		}
	CHECK(ok, "reads agree while files are closed and reopened");
out:
	nu_dataset_free(ds);
	nu_dataset_free(ref);
	free(cause);
}

static void
test_variants(void)
{
	struct nu_dataset *ds;
	enum nu_status st;
	char *cause = NULL;
	uint32_t code[40];
	double e64[40];
	int64_t run[40];
	uint8_t *map;

	ds = open1("variants/flat.h5", &st, &cause);
	CHECK_EQ_INT(st, NU_OK, "(N,) columns are accepted");
	if (ds != NULL) {
		st = nu_dataset_read_column(ds, NU_COL_INTERACTION, 0, 40, NU_CT_U32, code, &cause);
		CHECK_EQ_INT(st, NU_OK, "(N,) column reads");
		nu_dataset_free(ds);
	}

	ds = open1("variants/widths.h5", &st, &cause);
	CHECK_EQ_INT(st, NU_OK, "other integer and float widths are accepted");
	if (ds != NULL) {
		const struct nu_fileinfo *f = nu_dataset_file(ds, 0);

		CHECK(strcmp(f->column_types[NU_COL_INTERACTION], "int64") == 0 &&
		    strcmp(f->column_types[NU_COL_NUENERGY], "float64") == 0 &&
		    strcmp(f->column_types[NU_COL_RUN], "int16") == 0 &&
		    strcmp(f->column_types[NU_COL_FINALSTATE], "uint8") == 0,
		    "types reported as stored");
		st = nu_dataset_read_column(ds, NU_COL_INTERACTION, 0, 40, NU_CT_U32, code, &cause);
		CHECK(st == NU_OK, "int64 codes convert to uint32");
		for (int i = 0, bad = 0; i < 40; i++)
			if (code[i] > 15 && !bad++)
				CHECK(0, "converted code %u in range", code[i]);
		st = nu_dataset_read_column(ds, NU_COL_NUENERGY, 0, 40, NU_CT_F64, e64, &cause);
		CHECK(st == NU_OK && e64[0] >= 0 && e64[0] < 100, "float64 energies read");
		st = nu_dataset_read_column(ds, NU_COL_RUN, 0, 40, NU_CT_I64, run, &cause);
		CHECK(st == NU_OK, "int16 run reads as int64");
		nu_dataset_free(ds);
	}

	ds = open1("variants/missing-optional.h5", &st, &cause);
	CHECK_EQ_INT(st, NU_OK, "missing optional columns are accepted");
	if (ds != NULL) {
		CHECK(!nu_dataset_has_column(ds, NU_COL_FINALSTATEPRONG) &&
		    !nu_dataset_has_column(ds, NU_COL_VTXX) &&
		    !nu_dataset_has_column(ds, NU_COL_PARENT) &&
		    nu_dataset_has_column(ds, NU_COL_FINALSTATE), "absent columns known");
		st = nu_dataset_read_column(ds, NU_COL_VTXX, 0, 1, NU_CT_F64, e64, &cause);
		CHECK_EQ_INT(st, NU_ERR_NOT_FOUND, "reading an absent column fails");
		CHECK_STR_HAS(cause, "missing-optional.h5: column /neutrino/vtxx is missing",
		    "naming file and column: %s", cause);
		nu_dataset_free(ds);
	}

	ds = open1("variants/empty.h5", &st, &cause);
	CHECK_EQ_INT(st, NU_OK, "a file of 0 events opens");
	if (ds != NULL) {
		CHECK_EQ_INT(nu_dataset_nevents(ds), 0, "and holds 0 events");
		st = nu_dataset_read_column(ds, NU_COL_INTERACTION, 0, 0, NU_CT_U32, code, &cause);
		CHECK_EQ_INT(st, NU_OK, "reading nothing from it succeeds");
		nu_dataset_free(ds);
	}

	ds = open1("variants/one.h5", &st, &cause);
	CHECK_EQ_INT(st, NU_OK, "a file of 1 event opens");
	map = calloc(1, NU_MAP_BYTES);
	if (ds != NULL && map != NULL) {
		float e[2];
		int nz[2] = { 0, 0 };

		st = nu_dataset_read_maps(ds, 0, 1, map, &cause);
		CHECK_EQ_INT(st, NU_OK, "its map reads");
		CHECK_EQ_INT(NU_PIXEL(map, 0, 50, 5), 255, "XZ plane 50 cell 5 = 255");
		CHECK_EQ_INT(NU_PIXEL(map, 0, 10, 40), 100, "XZ plane 10 cell 40 = 100");
		CHECK_EQ_INT(NU_PIXEL(map, 0, 29, 49), 100, "XZ plane 29 cell 49 = 100");
		CHECK_EQ_INT(NU_PIXEL(map, 1, 24, 30), 50, "YZ plane 24 cell 30 = 50");
		CHECK_EQ_INT(NU_PIXEL(map, 1, 61, 71), 200, "YZ plane 61 cell 71 = 200");
		for (int i = 0; i < NU_MAP_BYTES; i++)
			if (map[i])
				nz[i / NU_VIEW_BYTES]++;
		CHECK(nz[0] == 21 && nz[1] == 24, "21 XZ and 24 YZ hits (got %d, %d)", nz[0], nz[1]);
		st = nu_dataset_read_column(ds, NU_COL_NUENERGY, 0, 1, NU_CT_F32, &e[0], &cause);
		st = nu_dataset_read_column(ds, NU_COL_LEPENERGY, 0, 1, NU_CT_F32, &e[1], &cause);
		CHECK(e[0] == 2.5f && e[1] == 1.0f, "energies 2.5 and 1.0 GeV");
		st = nu_dataset_read_column(ds, NU_COL_EVT, 0, 1, NU_CT_U32, code, &cause);
		CHECK_EQ_INT(code[0], 42, "evt 42");
	}
	free(map);
	nu_dataset_free(ds);
	free(cause);
}

static const struct {
	const char *file, *message;
	enum nu_status st;
} bad[] = {
	{ "not-hdf5.h5", "not-hdf5.h5: not an HDF5 file", NU_ERR_FORMAT },
	{ "truncated.h5", "truncated.h5: cannot open as HDF5 (truncated file", NU_ERR_FORMAT },
	{ "missing-cvnmap.h5", "missing-cvnmap.h5: no dataset /cvnmap", NU_ERR_FORMAT },
	{ "missing-neutrino.h5", "missing-neutrino.h5: no group /neutrino", NU_ERR_FORMAT },
	{ "missing-interaction.h5", "required column /neutrino/interaction is missing", NU_ERR_FORMAT },
	{ "missing-nuenergy.h5", "required column /neutrino/nuenergy is missing", NU_ERR_FORMAT },
	{ "missing-lepenergy.h5", "required column /neutrino/lepenergy is missing", NU_ERR_FORMAT },
	{ "width.h5", "width.h5: /cvnmap rows are 15999 wide, expected 16000", NU_ERR_FORMAT },
	{ "length-mismatch.h5", "/neutrino/lepenergy has 29 rows but /cvnmap has 30 events", NU_ERR_FORMAT },
	{ "column-shape.h5", "/neutrino/nuenergy has shape (30, 2), expected (N, 1) or (N,)", NU_ERR_FORMAT },
	{ "string-column.h5", "/neutrino/interaction holds string values, expected numbers", NU_ERR_FORMAT },
	{ "compound.h5", "/neutrino is a dataset, expected a group", NU_ERR_FORMAT },
	{ "cvnmap-float.h5", "/cvnmap holds float32 values, expected 8-bit unsigned integers", NU_ERR_FORMAT },
};

static void
test_bad(void)
{
	char rel[128], *cause = NULL;
	struct nu_dataset *ds;
	enum nu_status st;
	const char *args[2];
	struct nu_open_opts oo = { .skip_bad = true };
	size_t nbad = sizeof(bad) / sizeof(bad[0]);

	for (size_t i = 0; i < nbad; i++) {
		snprintf(rel, sizeof rel, "bad/%s", bad[i].file);
		ds = open1(rel, &st, &cause);
		CHECK(ds == NULL && st == bad[i].st, "%s is rejected", bad[i].file);
		CHECK_STR_HAS(cause, bad[i].message, "%s: message", bad[i].file);
		nu_dataset_free(ds);
	}

	/* a bad file among good ones fails the whole open without skip_bad */
	args[0] = fixture("bad/width.h5");
	args[1] = fixture("good/neutrino1.h5");
	st = nu_dataset_open(&ds, args, 2, NULL, &cause);
	CHECK(st == NU_ERR_FORMAT && ds == NULL, "one bad file fails the open");

	/* and is left out, with a warning, with it */
	args[0] = fixture("bad");
	warnings = 0;
	nu_log_set(count_warnings, NULL);
	st = nu_dataset_open(&ds, args, 2, &oo, &cause);
	nu_log_set(NULL, NULL);
	CHECK_EQ_INT(st, NU_OK, "skip_bad keeps the good file");
	if (ds != NULL) {
		const char *why = NULL;

		CHECK_EQ_INT(nu_dataset_nfiles(ds), 1, "one file kept");
		CHECK_EQ_INT(nu_dataset_nskipped(ds), nbad, "every bad file skipped");
		CHECK_EQ_INT(warnings, nbad, "one warning per skipped file");
		nu_dataset_skipped(ds, 0, &why);
		CHECK_STR_HAS(why, "column-shape.h5", "skip reasons name the file");
		nu_dataset_free(ds);
	}
	st = nu_dataset_open(&ds, args, 1, &oo, &cause);
	CHECK_EQ_INT(st, NU_ERR_EMPTY, "nothing readable left is an error");
	CHECK_STR_HAS(cause, "none of the", "saying so: %s", cause);
	free(cause);
}

/* A copy reads what the original reads, from the files it reads and no
 * other, and counts the events whose maps it read per file. */
static void
test_dup(void)
{
	struct nu_dataset *ds = NULL, *cp = NULL;
	const char *args[1] = { fixture("good") };
	char *cause = NULL;
	uint8_t *a = malloc(3 * NU_MAP_BYTES), *b = malloc(3 * NU_MAP_BYTES);
	uint64_t last;
	size_t nf;

	if (a == NULL || b == NULL || nu_dataset_open(&ds, args, 1, NULL, &cause) != NU_OK ||
	    nu_dataset_dup(&cp, ds, &cause) != NU_OK) {
		CHECK(0, "open good/ and copy it: %s", cause);
		goto out;
	}
	nf = nu_dataset_nfiles(cp);
	CHECK(nf == nu_dataset_nfiles(ds) && nf >= 2 &&
	    nu_dataset_nevents(cp) == nu_dataset_nevents(ds), "the copy has the same files");
	last = nu_dataset_file(cp, nf - 1)->first;
	CHECK(nu_dataset_read_maps(ds, last, 3, a, &cause) == NU_OK &&
	    nu_dataset_read_maps(cp, last, 3, b, &cause) == NU_OK &&
	    memcmp(a, b, 3 * NU_MAP_BYTES) == 0, "the copy reads the same maps");
	CHECK_EQ_INT(nu_dataset_maps_read(cp, nf - 1), 3, "3 events read from the last file");
	for (size_t i = 0; i + 1 < nf; i++)
		CHECK_EQ_INT(nu_dataset_maps_read(cp, i), 0, "none from file %zu", i);
	CHECK(nu_dataset_read_maps(cp, last - 1, 2, b, &cause) == NU_OK &&
	    nu_dataset_maps_read(cp, nf - 2) == 1 && nu_dataset_maps_read(cp, nf - 1) == 4,
	    "a range across two files counts in each");
	CHECK_EQ_INT(nu_dataset_maps_read(cp, nf), 0, "no such file: 0");
out:
	nu_dataset_free(cp);
	nu_dataset_free(ds);
	free(a);
	free(b);
	free(cause);
}

int
main(void)
{
	char stamp[1024];
	FILE *f;

	fx = getenv("FIXTURES");
	if (fx == NULL)
		TEST_SKIP_ALL("FIXTURES is not set (run through make check)");
	snprintf(stamp, sizeof stamp, "%s/expected.json", fx);
	if ((f = fopen(stamp, "r")) == NULL)
		TEST_SKIP_ALL("no fixtures: Python with h5py was not found");
	fclose(f);
	nu_init();
	test_good();
	test_lru();
	test_dup();
	test_variants();
	test_bad();
	TEST_DONE();
}
