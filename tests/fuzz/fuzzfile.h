/*
 * fuzzfile.h: for the harnesses of the HDF5 readers, which open files by
 * name: the input is written to a file in a private directory, made on
 * the first call and removed at exit.  The directory is made in
 * $NUSCOPE_FUZZ_TMP when set (run.sh points it to a directory of its own
 * that it removes at the end, so a crashed process leaves nothing
 * behind), else on /dev/shm when there is one (the write costs no disk),
 * else in $TMPDIR or /tmp.
 */
#ifndef NU_FUZZFILE_H
#define NU_FUZZFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzzfile_dir[256], fuzzfile_path[300];

static void
fuzzfile_cleanup(void)
{
	if (fuzzfile_path[0] != '\0')
		unlink(fuzzfile_path);
	if (fuzzfile_dir[0] != '\0')
		rmdir(fuzzfile_dir);
}

/* Write data to the harness's file and return its name (static), or NULL
 * when it cannot be written (the harness then skips the input). */
static const char *
fuzzfile_write(const uint8_t *data, size_t size, const char *name)
{
	FILE *f;

	if (fuzzfile_dir[0] == '\0') {
		const char *tmp = getenv("NUSCOPE_FUZZ_TMP");

		if (tmp == NULL || tmp[0] == '\0')
			tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

		snprintf(fuzzfile_dir, sizeof fuzzfile_dir, "%s/nuscope-fuzz.XXXXXX",
		    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
		if (mkdtemp(fuzzfile_dir) == NULL) {
			perror(fuzzfile_dir);
			abort();        /* the harness cannot run at all */
		}
		snprintf(fuzzfile_path, sizeof fuzzfile_path, "%s/%s", fuzzfile_dir, name);
		atexit(fuzzfile_cleanup);
	}
	if ((f = fopen(fuzzfile_path, "wb")) == NULL)
		return NULL;
	if (fwrite(data, 1, size, f) != size) {
		fclose(f);
		return NULL;
	}
	if (fclose(f) != 0)
		return NULL;
	return fuzzfile_path;
}

#endif
