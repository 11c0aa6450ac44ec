/*
 * dataset.h: reading NOvA-format HDF5 files (see nuscope-data(5)).
 *
 * A dataset is an ordered list of files opened and validated up front.
 * Events are numbered globally across files in natural file order.  Pixel
 * maps and metadata columns are read by range straight from the files, so
 * memory does not grow with the size of the dataset: only a few files are
 * held open at once and only what a caller asks for is read.
 *
 * A dataset object is not thread-safe; give each thread its own.
 */
#ifndef NU_DATASET_H
#define NU_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nu.h"

#define NU_VIEWS 2
#define NU_PLANES 100
#define NU_CELLS 80
#define NU_VIEW_BYTES (NU_PLANES * NU_CELLS)     /* 8000 */
#define NU_MAP_BYTES (NU_VIEWS * NU_VIEW_BYTES)  /* 16000 */
/* Events in one file: 1.6 TB of maps, 700 times the whole published
 * dataset, yet per-event tables of a few GB at most.  Checked before
 * anything is allocated in proportion to a file's events. */
#define NU_FILE_MAXEVENTS 100000000

/* Pixel (view, plane, cell) of one event's 16000-byte map. */
#define NU_PIXEL(map, view, plane, cell) \
	((map)[(view) * NU_VIEW_BYTES + (plane) * NU_CELLS + (cell)])

/* The /neutrino columns, in the order nuscope lists them. */
enum nu_column {
	NU_COL_INTERACTION, NU_COL_FINALSTATE, NU_COL_FINALSTATEPRONG,
	NU_COL_NUENERGY, NU_COL_LEPENERGY,
	NU_COL_VTXX, NU_COL_VTXY, NU_COL_VTXZ,
	NU_COL_RUN, NU_COL_SUBRUN, NU_COL_EVT, NU_COL_CYCLE, NU_COL_SUBEVT,
	NU_COL_PARENT, NU_COL_PARTICLES, NU_COL_TRAININGDATA_IDX,
	NU_NCOLUMNS
};

/* Memory types a column can be read into (HDF5 converts). */
enum nu_ctype { NU_CT_U32, NU_CT_I64, NU_CT_F32, NU_CT_F64 };

const char *nu_column_name(enum nu_column c);   /* "nuenergy", "rec.training.trainingdata_idx" */
bool nu_column_required(enum nu_column c);      /* interaction, nuenergy, lepenergy */
int nu_column_from_name(const char *name);      /* -1 if unknown */

/* How /cvnmap is stored in one file. */
struct nu_storage {
	const char *layout;         /* "contiguous", "chunked", "compact" (static) */
	uint64_t chunk_rows;        /* 0 unless chunked */
	int gzip_level;             /* -1 if no deflate filter */
	bool shuffle;
	bool other_filters;         /* a filter other than deflate/shuffle */
	uint64_t stored_bytes;      /* bytes of /cvnmap on disk */
};

struct nu_fileinfo {
	char *path;
	uint64_t nevents;
	uint64_t first;             /* global index of its first event */
	uint64_t size;              /* file size on disk, bytes */
	struct nu_storage cvnmap;
	uint32_t columns;           /* bit (1 << c) set when column c exists */
	char column_types[NU_NCOLUMNS][12];  /* "uint32", "float64", ... or "" */
};

struct nu_open_opts {
	bool skip_bad;              /* log and drop bad files instead of failing */
	int max_open;               /* files held open at once; 0 = default (8) */
};

struct nu_dataset;

/*
 * Open the files named by args (files, directories, globs; see paths.h)
 * and validate each against the layout of nuscope-data(5).  A bad file
 * fails the whole open with a cause naming the file and dataset, unless
 * opts->skip_bad, in which case it is logged at NU_LOG_WARN, recorded in
 * the skipped list and left out.  opts may be NULL.
 */
enum nu_status nu_dataset_open(struct nu_dataset **out,
    const char *const *args, size_t nargs, const struct nu_open_opts *opts,
    char **cause);
void nu_dataset_free(struct nu_dataset *ds);

/*
 * A handle of its own on src's files (for another thread), without
 * opening or checking them again: each is opened when first read from
 * (and checked then, as every reopening is).  No files skipped.
 */
enum nu_status nu_dataset_dup(struct nu_dataset **out, const struct nu_dataset *src,
    char **cause);

/* Events whose maps this handle has read from file i, a range read twice
 * counting twice: a process of an MPI run shows with it that it reads
 * only its share (NUSCOPE_DEBUG). */
uint64_t nu_dataset_maps_read(const struct nu_dataset *ds, size_t file);

size_t nu_dataset_nfiles(const struct nu_dataset *ds);
const struct nu_fileinfo *nu_dataset_file(const struct nu_dataset *ds, size_t i);
uint64_t nu_dataset_nevents(const struct nu_dataset *ds);

/* Files left out by skip_bad, with the reason (both borrowed). */
size_t nu_dataset_nskipped(const struct nu_dataset *ds);
const char *nu_dataset_skipped(const struct nu_dataset *ds, size_t i,
    const char **reason);

/* True when every file has column c. */
bool nu_dataset_has_column(const struct nu_dataset *ds, enum nu_column c);

/* File index and index within it of global event `event`. */
enum nu_status nu_dataset_locate(const struct nu_dataset *ds, uint64_t event,
    size_t *file, uint64_t *local, char **cause);

/*
 * Read the pixel maps of events [first, first+n) into out, n*NU_MAP_BYTES
 * bytes laid out (event, view, plane, cell).  Ranges may span files.
 */
enum nu_status nu_dataset_read_maps(struct nu_dataset *ds, uint64_t first,
    size_t n, uint8_t *out, char **cause);

/*
 * Read column c of events [first, first+n) into out as `type`
 * (n elements).  A file in the range that lacks the column is an error
 * (NU_ERR_NOT_FOUND) naming it.
 */
enum nu_status nu_dataset_read_column(struct nu_dataset *ds, enum nu_column c,
    uint64_t first, size_t n, enum nu_ctype type, void *out, char **cause);

#endif
