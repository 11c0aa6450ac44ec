/*
 * nu.h: conventions shared by every module of the nuscope core.
 *
 * The core never prints and never exits.  Functions that can fail return an
 * enum nu_status; when the caller passes a non-NULL `char **cause`, a
 * human-readable explanation (naming the file, dataset or line) is stored
 * there and the caller frees it with free().  Progress and warnings go through
 * a log callback that the program installs (stderr for the CLI, a message
 * pane for the TUI); with none installed, log messages are dropped.
 */
#ifndef NU_H
#define NU_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NU_VERSION_STRING PACKAGE_VERSION

enum nu_status {
	NU_OK = 0,
	NU_ERR_NOMEM,       /* an allocation failed */
	NU_ERR_IO,          /* a system call on a file failed */
	NU_ERR_NOT_FOUND,   /* a path, dataset or column does not exist */
	NU_ERR_FORMAT,      /* the file exists but is not what it should be */
	NU_ERR_HDF5,        /* the HDF5 library reported an error */
	NU_ERR_RANGE,       /* an index or value is out of range */
	NU_ERR_USAGE,       /* the caller passed something invalid */
	NU_ERR_EMPTY,       /* nothing to work on (no files, no events) */
	NU_ERR_CANCELLED,   /* stopped when asked to (Ctrl-C, a stop flag) */
};

/* A static English description of a status; never NULL. */
const char *nu_strerror(enum nu_status st);

enum nu_log_level { NU_LOG_DEBUG, NU_LOG_INFO, NU_LOG_WARN, NU_LOG_ERROR };

typedef void (*nu_log_fn)(enum nu_log_level level, const char *msg, void *ud);

/* Install the log callback (NULL drops messages).  Not thread-safe: call it
 * once at start-up, before any worker thread exists. */
void nu_log_set(nu_log_fn fn, void *ud);
/* The callback installed now (to put it back after installing another). */
void nu_log_get(nu_log_fn *fn, void **ud);

/* Log through the installed callback. */
void nu_log(enum nu_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Store a formatted cause in *cause if cause is non-NULL (any previous value
 * is freed), and return st so that error paths read
 *     return nu_fail(cause, NU_ERR_FORMAT, "%s: ...", path);
 */
enum nu_status nu_fail(char **cause, enum nu_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* printf into a newly allocated string (caller frees); NULL if out of memory. */
char *nu_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *nu_vasprintf(const char *fmt, va_list ap);

/*
 * Write n bytes to path through ".NAME.tmp-PID-K" beside it (created with
 * the permissions the umask gives), synced, renamed into place and the
 * directory synced; on
 * failure nothing is left under either name and *cause reads
 * "path: cannot write: ...".  Temporaries of earlier writes of path whose
 * process no longer runs (killed mid-write) are removed first.
 */
enum nu_status nu_write_atomic(const char *path, const void *data, size_t n,
    char **cause);

/*
 * The same for a file written as a stream (a CSV table, a JSON report):
 * nu_afile_open creates the temporary and nu_afile_stream is where to
 * write (borrowed); nu_afile_commit flushes, syncs and renames it into
 * place, and on a failed write at any point (a full disk) removes it and
 * says "path: cannot write: <errno text>".  Both commit and abort free af.
 */
struct nu_afile;
enum nu_status nu_afile_open(struct nu_afile **af, const char *path, char **cause);
FILE *nu_afile_stream(struct nu_afile *af);
enum nu_status nu_afile_commit(struct nu_afile *af, char **cause);
void nu_afile_abort(struct nu_afile *af);     /* NULL is a no-op */

/*
 * The same for a file that a library creates by name (HDF5's H5Fcreate on
 * disk): nu_afile_open_path creates the temporary empty, which keeps the
 * name ours, and nu_afile_tmp_path is the name to hand the library
 * (borrowed; the library may truncate and rewrite it).  The library must
 * have closed the file before nu_afile_commit, which opens the temporary
 * again to sync it, then renames it into place and syncs the directory,
 * or nu_afile_abort, which removes it.  Such an af has no stream
 * (nu_afile_stream is NULL).
 */
enum nu_status nu_afile_open_path(struct nu_afile **af, const char *path,
    char **cause);
const char *nu_afile_tmp_path(const struct nu_afile *af);

/*
 * Whether a file could be written at path, checked before long work that
 * ends in writing it: path does not name a directory, its directory
 * exists, is a directory and is writable (a read-only mount fails even
 * for root).  The cause names path and what is wrong.
 */
enum nu_status nu_check_writable(const char *path, char **cause);

/* A count with its digits grouped by commas, 60121 -> "60,121", into buf
 * (returned). */
const char *nu_grouped(uint64_t v, char *buf, size_t len);

/* One-time library set-up: silences HDF5's own error printing.  Idempotent. */
void nu_init(void);

#endif
