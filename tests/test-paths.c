/* test-paths.c: natural sort and expansion of files, directories, globs. */
#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "testhelp.h"

static void
touch(const char *dir, const char *name)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	if ((f = fopen(p, "w")) != NULL)
		fclose(f);
}

int
main(void)
{
	char tmpl[] = "/tmp/nuscope-paths-XXXXXX";
	char *dir, pat[600], sub[600];
	struct nu_pathlist pl = { 0 };
	char *cause = NULL;
	const char *args[3];
	enum nu_status st;

	CHECK(nu_natcmp("neutrino2.h5", "neutrino10.h5") < 0, "2 before 10");
	CHECK(nu_natcmp("neutrino10.h5", "neutrino9.h5") > 0, "10 after 9");
	CHECK(nu_natcmp("a", "a") == 0, "equal");
	CHECK(nu_natcmp("a", "ab") < 0, "prefix first");
	CHECK(nu_natcmp("f007", "f7") == 0, "leading zeros compare as numbers");
	CHECK(nu_natcmp("run2/x1", "run10/x0") < 0, "numbers inside directories");

	if ((dir = mkdtemp(tmpl)) == NULL)
		TEST_SKIP_ALL("cannot make a temporary directory");
	touch(dir, "neutrino10.h5");
	touch(dir, "neutrino2.h5");
	touch(dir, "neutrino1.h5");
	touch(dir, "notes.txt");
	touch(dir, "other.hdf5");

	args[0] = dir;
	st = nu_paths_expand(args, 1, &pl, &cause);
	CHECK_EQ_INT(st, NU_OK, "directory expands");
	CHECK_EQ_INT(pl.n, 4, "four HDF5 files, the text file left out");
	if (pl.n == 4) {
		CHECK_STR_HAS(pl.v[0], "/neutrino1.h5", "first is neutrino1");
		CHECK_STR_HAS(pl.v[1], "/neutrino2.h5", "second is neutrino2");
		CHECK_STR_HAS(pl.v[2], "/neutrino10.h5", "third is neutrino10");
		CHECK_STR_HAS(pl.v[3], "/other.hdf5", "then other.hdf5");
	}
	nu_pathlist_free(&pl);

	snprintf(pat, sizeof pat, "%s/neutrino*.h5", dir);
	args[0] = pat;
	args[1] = pat;          /* the same files twice count once */
	st = nu_paths_expand(args, 2, &pl, &cause);
	CHECK(st == NU_OK && pl.n == 3, "glob matches three files once");
	nu_pathlist_free(&pl);

	snprintf(pat, sizeof pat, "%s/nothing*.h5", dir);
	args[0] = pat;
	st = nu_paths_expand(args, 1, &pl, &cause);
	CHECK_EQ_INT(st, NU_ERR_NOT_FOUND, "glob without match fails");
	CHECK_STR_HAS(cause, "no file matches", "message says so: %s", cause);

	snprintf(pat, sizeof pat, "%s/missing.h5", dir);
	st = nu_paths_expand(args, 1, &pl, &cause);
	CHECK_EQ_INT(st, NU_ERR_NOT_FOUND, "missing file fails");
	CHECK_STR_HAS(cause, "missing.h5", "message names it: %s", cause);

	snprintf(sub, sizeof sub, "%s/empty", dir);
	mkdir(sub, 0700);
	args[0] = sub;
	st = nu_paths_expand(args, 1, &pl, &cause);
	CHECK_EQ_INT(st, NU_ERR_NOT_FOUND, "directory without HDF5 files fails");
	CHECK_STR_HAS(cause, "holds no .h5", "message says so: %s", cause);

	st = nu_paths_expand(args, 0, &pl, &cause);
	CHECK_EQ_INT(st, NU_ERR_EMPTY, "no arguments");
	free(cause);

	rmdir(sub);
	test_remove_dir(dir);
	TEST_DONE();
}
