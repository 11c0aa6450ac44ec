/*
 * fuzz-data.c: libFuzzer harness for the data-file reader: the input is
 * one NOvA-format file (seeded with files nuscope simulates and the test
 * fixtures h5py writes, at build time), opened with nu_dataset_open and
 * read as `nuscope info` and `nuscope show` read it: the counts and the
 * storage of /cvnmap, every column of the first events, and the first and
 * last events' pixel maps.  The reader opens files by name, so the input
 * goes through a file (fuzzfile.h).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dataset.h"
#include "fuzzfile.h"

#define NREAD 64        /* events of each column read */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t map[NU_MAP_BYTES];
	static double col[NREAD];
	static uint32_t codes[NREAD];
	struct nu_dataset *ds = NULL;
	char *cause = NULL;
	const char *path = fuzzfile_write(data, size, "neutrino1.h5");
	const char *args[1];
	volatile uint64_t sink = 0;

	if (path == NULL)
		return -1;
	args[0] = path;
	if (nu_dataset_open(&ds, args, 1, NULL, &cause) == NU_OK) {
		uint64_t n = nu_dataset_nevents(ds);
		size_t k = n < NREAD ? (size_t)n : NREAD, file;
		uint64_t local;
		const struct nu_fileinfo *fi = nu_dataset_file(ds, 0);

		sink += fi->nevents + fi->cvnmap.stored_bytes + fi->cvnmap.chunk_rows +
		    (uint64_t)fi->cvnmap.gzip_level + fi->columns;
		for (int c = 0; c < NU_NCOLUMNS; c++) {
			if (!nu_dataset_has_column(ds, c))
				continue;
			if (nu_dataset_read_column(ds, c, 0, k, NU_CT_F64, col, &cause) == NU_OK)
				sink += k > 0 && col[0] > 0;
		}
		if (nu_dataset_read_column(ds, NU_COL_INTERACTION, 0, k, NU_CT_U32,
		    codes, &cause) == NU_OK)
			sink += k > 0 ? codes[0] : 0;
		if (n > 0) {
			if (nu_dataset_locate(ds, n - 1, &file, &local, &cause) == NU_OK)
				sink += local;
			if (nu_dataset_read_maps(ds, 0, 1, map, &cause) == NU_OK)
				sink += map[0];
			if (nu_dataset_read_maps(ds, n - 1, 1, map, &cause) == NU_OK)
				sink += map[NU_MAP_BYTES - 1];
		}
	}
	nu_dataset_free(ds);
	free(cause);
	(void)sink;
	return 0;
}
