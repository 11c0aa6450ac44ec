/*
 * test-afile.c: the one writer of output files (nu.h): nu_write_atomic,
 * nu_afile as a stream and nu_afile by name, the mode in which HDF5
 * creates the temporary itself.  Every mode names its temporary
 * ".NAME.tmp-PID-K" beside the target, removes the stale ones of dead
 * processes, and on a failure leaves neither the temporary nor a half
 * file, the old file intact.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

#include "nu.h"
#include "testhelp.h"

static char dir[256];

/* Whether d holds want entries (besides . and ..); when not, they are
 * listed as TAP comments. */
static int
holds(const char *d, int want)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	int n = 0;

	while (dd != NULL && (de = readdir(dd)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	if (dd != NULL)
		closedir(dd);
	if (n != want && (dd = opendir(d)) != NULL) {
		printf("#   %s holds %d entries, not %d:\n", d, n, want);
		while ((de = readdir(dd)) != NULL)
			printf("#     %s\n", de->d_name);
		closedir(dd);
	}
	return n == want;
}

static int
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static void
touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f != NULL)
		fclose(f);
}

/* The whole of a small file into buf (NUL-terminated); "" if unreadable. */
static const char *
slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n = f != NULL ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f != NULL)
		fclose(f);
	return buf;
}

/* A process id that no process has any more: a child that has exited and
 * been reaped. */
static long
dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	REQUIRE(p > 0, "fork: %s", strerror(errno));
	waitpid(p, NULL, 0);
	return (long)p;
}

/* An HDF5 file at name (by HDF5's own sec2 driver, as the simulation
 * writes its big files) with root attribute "v" = v. */
static int
h5_make(const char *name, int v)
{
	hid_t f = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	hid_t sp = H5Screate(H5S_SCALAR), a = -1;
	int ok = f >= 0 && sp >= 0 &&
	    (a = H5Acreate2(f, "v", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
	    H5Awrite(a, H5T_NATIVE_INT, &v) >= 0;

	if (a >= 0)
		H5Aclose(a);
	if (sp >= 0)
		H5Sclose(sp);
	if (f >= 0 && H5Fclose(f) < 0)
		ok = 0;
	return ok;
}

/* Root attribute "v" of the HDF5 file at name; -1 if it cannot be read. */
static int
h5_value(const char *name)
{
	hid_t f = H5Fopen(name, H5F_ACC_RDONLY, H5P_DEFAULT), a = -1;
	int v = -1;

	if (f >= 0 && (a = H5Aopen(f, "v", H5P_DEFAULT)) >= 0 &&
	    H5Aread(a, H5T_NATIVE_INT, &v) < 0)
		v = -1;
	if (a >= 0)
		H5Aclose(a);
	if (f >= 0)
		H5Fclose(f);
	H5Eclear2(H5E_DEFAULT);
	return v;
}

static void
test_stream(void)
{
	char path[300], prefix[300], buf[64], *cause = NULL;
	struct nu_afile *af = NULL;

	snprintf(path, sizeof path, "%s/t.csv", dir);
	CHECK(nu_afile_open(&af, path, &cause) == NU_OK && nu_afile_stream(af) != NULL,
	    "a stream opens");
	REQUIRE(af != NULL, "nu_afile_open: %s", cause ? cause : "");
	fputs("a,b\n1,2\n", nu_afile_stream(af));
	CHECK(!exists(path) && holds(dir, 1),
	    "  while it is written only the temporary exists");
	CHECK(nu_afile_commit(af, &cause) == NU_OK, "  and commits");
	CHECK(strcmp(slurp(path, buf, sizeof buf), "a,b\n1,2\n") == 0,
	    "  the file holds what was written");
	CHECK(holds(dir, 1), "  and nothing else is left");

	/* an aborted rewrite leaves the old file */
	CHECK(nu_afile_open(&af, path, &cause) == NU_OK, "a second stream opens");
	fputs("half", nu_afile_stream(af));
	nu_afile_abort(af);
	CHECK(strcmp(slurp(path, buf, sizeof buf), "a,b\n1,2\n") == 0 &&
	    holds(dir, 1), "  aborted: the old file intact, no temporary");

	/* the temporary's name */
	CHECK(nu_afile_open_path(&af, path, &cause) == NU_OK, "a file by name opens");
	snprintf(prefix, sizeof prefix, "%s/.t.csv.tmp-%ld-", dir, (long)getpid());
	CHECK(strncmp(nu_afile_tmp_path(af), prefix, strlen(prefix)) == 0,
	    "  its temporary is .NAME.tmp-PID-K beside it: %s", nu_afile_tmp_path(af));
	CHECK(nu_afile_stream(af) == NULL, "  and it has no stream");
	nu_afile_abort(af);
	unlink(path);
	free(cause);
}

static void
test_by_name(void)
{
	char path[300], *cause = NULL;
	struct nu_afile *af = NULL;
	struct stat sb;
	const char *tmp;

	snprintf(path, sizeof path, "%s/m.h5", dir);
	CHECK(nu_afile_open_path(&af, path, &cause) == NU_OK, "HDF5's file by name opens");
	REQUIRE(af != NULL, "nu_afile_open_path: %s", cause ? cause : "");
	tmp = nu_afile_tmp_path(af);
	CHECK(stat(tmp, &sb) == 0 && sb.st_size == 0, "  its temporary exists, empty");
	CHECK(h5_make(tmp, 1), "  H5Fcreate truncates and writes the temporary");
	CHECK(!exists(path), "  the file is not there yet");
	CHECK(nu_afile_commit(af, &cause) == NU_OK, "  the commit succeeds");
	CHECK(h5_value(path) == 1, "  and HDF5 reads the file in place");
	CHECK(holds(dir, 1), "  no temporary is left");

	/* a rewrite aborted after HDF5 wrote the temporary */
	CHECK(nu_afile_open_path(&af, path, &cause) == NU_OK && h5_make(nu_afile_tmp_path(af), 2),
	    "a second version is written under a temporary name");
	nu_afile_abort(af);
	CHECK(h5_value(path) == 1 && holds(dir, 1),
	    "  aborted: the old file intact, no temporary");

	/* the temporary vanished under the library: the commit cannot sync */
	CHECK(nu_afile_open_path(&af, path, &cause) == NU_OK && h5_make(nu_afile_tmp_path(af), 3),
	    "a third version is written");
	unlink(nu_afile_tmp_path(af));
	CHECK(nu_afile_commit(af, &cause) == NU_ERR_IO, "  a commit of a lost temporary fails");
	CHECK_STR_HAS(cause, "m.h5: cannot write: No such file or directory",
	    "  naming the file and why");
	CHECK(h5_value(path) == 1 && holds(dir, 1), "  and the old file is intact");

	/* a rewrite that succeeds replaces it */
	CHECK(nu_afile_open_path(&af, path, &cause) == NU_OK && h5_make(nu_afile_tmp_path(af), 4) &&
	    nu_afile_commit(af, &cause) == NU_OK && h5_value(path) == 4 &&
	    holds(dir, 1), "a committed rewrite replaces the file, no temporary left");
	unlink(path);
	free(cause);
}

/* The temporaries of dead processes go at the next write of the same
 * file by any mode; a live process's, and those of other files, stay. */
static void
test_stale(void)
{
	static const char *const mode[] = { "nu_write_atomic", "nu_afile_open",
	    "nu_afile_open_path" };
	char path[300], dead[320], live[320], other[320], *cause = NULL;
	struct nu_afile *af = NULL;

	snprintf(path, sizeof path, "%s/s.h5", dir);
	for (int m = 0; m < 3; m++) {
		enum nu_status st = NU_ERR_USAGE;

		snprintf(dead, sizeof dead, "%s/.s.h5.tmp-%ld-0", dir, dead_pid());
		snprintf(live, sizeof live, "%s/.s.h5.tmp-%ld-0", dir, (long)getppid());
		snprintf(other, sizeof other, "%s/.t.h5.tmp-%ld-0", dir, dead_pid());
		touch(dead);
		touch(live);
		touch(other);
		if (m == 0)
			st = nu_write_atomic(path, "x", 1, &cause);
		else if (m == 1 && (st = nu_afile_open(&af, path, &cause)) == NU_OK)
			st = nu_afile_commit(af, &cause);
		else if (m == 2 && (st = nu_afile_open_path(&af, path, &cause)) == NU_OK)
			st = h5_make(nu_afile_tmp_path(af), 5) ? nu_afile_commit(af, &cause) :
			    NU_ERR_HDF5;
		CHECK(st == NU_OK, "%s writes beside stale temporaries", mode[m]);
		CHECK(!exists(dead), "  the dead process's temporary is removed");
		CHECK(exists(live), "  a live process's stays");
		CHECK(exists(other), "  another file's stays");
		CHECK(holds(dir, 3), "  nothing else is there");
		unlink(live);
		unlink(other);
		unlink(path);
	}
	free(cause);
}

static void
test_failures(void)
{
	char path[300], sub[300], *cause = NULL;
	struct nu_afile *af = NULL;

	snprintf(path, sizeof path, "%s/no/such/m.h5", dir);
	CHECK(nu_afile_open_path(&af, path, &cause) == NU_ERR_IO && af == NULL,
	    "a file by name in a missing directory fails");
	CHECK_STR_HAS(cause, "no/such/m.h5: cannot write: No such file or directory",
	    "  naming the file and why");
	CHECK(holds(dir, 0), "  and creates nothing");

	/* the temporary is made and written, the rename fails */
	snprintf(sub, sizeof sub, "%s/taken", dir);
	mkdir(sub, 0777);
	snprintf(path, sizeof path, "%s/taken/x", dir);
	touch(path);
	CHECK(nu_afile_open_path(&af, sub, &cause) == NU_OK && h5_make(nu_afile_tmp_path(af), 6),
	    "a file by name where a directory is");
	CHECK(nu_afile_commit(af, &cause) == NU_ERR_IO, "  cannot be committed");
	CHECK_STR_HAS(cause, "taken: cannot write: ", "  naming the file: %s",
	    cause ? cause : "");
	CHECK(holds(dir, 1) && exists(path), "  no temporary left, the directory intact");
	CHECK(nu_write_atomic(sub, "x", 1, &cause) == NU_ERR_IO && holds(dir, 1),
	    "  nor can nu_write_atomic write there, and leaves nothing");
	unlink(path);
	rmdir(sub);

	if (geteuid() == 0) {
		SKIP("a read-only directory (root writes there anyway; "
		    "tests/cli-afile.test fills a disk instead)");
	} else {
		snprintf(sub, sizeof sub, "%s/ro", dir);
		mkdir(sub, 0777);
		snprintf(path, sizeof path, "%s/ro/m.h5", dir);
		touch(path);
		chmod(sub, 0555);
		CHECK(nu_afile_open_path(&af, path, &cause) == NU_ERR_IO &&
		    holds(sub, 1), "a read-only directory fails, leaving the old file alone");
		CHECK_STR_HAS(cause, "m.h5: cannot write: Permission denied", "  saying why");
		chmod(sub, 0777);
		unlink(path);
		rmdir(sub);
	}
	free(cause);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	nu_init();
	snprintf(dir, sizeof dir, "%s/test-afile.XXXXXX", t != NULL ? t : "/tmp");
	REQUIRE(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
	test_stream();
	test_by_name();
	test_stale();
	test_failures();
	CHECK(rmdir(dir) == 0, "the test's directory is empty at the end");
	TEST_DONE();
}
