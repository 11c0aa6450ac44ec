/*
 * nu.c: status strings, the log callback, cause strings and writing a
 * file through a temporary name (see nu.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
#include <cblas.h>
#endif

#include "dist.h"
#include "nu.h"

static nu_log_fn log_fn;
static void *log_ud;

const char *
nu_strerror(enum nu_status st)
{
	switch (st) {
	case NU_OK:            return "success";
	case NU_ERR_NOMEM:     return "out of memory";
	case NU_ERR_IO:        return "input/output error";
	case NU_ERR_NOT_FOUND: return "not found";
	case NU_ERR_FORMAT:    return "bad file format";
	case NU_ERR_HDF5:      return "HDF5 library error";
	case NU_ERR_RANGE:     return "value out of range";
	case NU_ERR_USAGE:     return "invalid argument";
	case NU_ERR_EMPTY:     return "nothing to do";
	case NU_ERR_CANCELLED: return "cancelled";
	}
	return "unknown status";
}

void
nu_log_set(nu_log_fn fn, void *ud)
{
	log_fn = fn;
	log_ud = ud;
}

void
nu_log_get(nu_log_fn *fn, void **ud)
{
	*fn = log_fn;
	*ud = log_ud;
}

void
nu_log(enum nu_log_level level, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (log_fn == NULL)
		return;
	va_start(ap, fmt);
	msg = nu_vasprintf(fmt, ap);
	va_end(ap);
	if (msg != NULL)
		log_fn(level, msg, log_ud);
	free(msg);
}

char *
nu_vasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *s;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s != NULL)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *
nu_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = nu_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

enum nu_status
nu_fail(char **cause, enum nu_status st, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return st;
	free(*cause);
	va_start(ap, fmt);
	*cause = nu_vasprintf(fmt, ap);
	va_end(ap);
	return st;
}

void
nu_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	/* nuscope splits batches over threads of its own, each calling BLAS:
	 * OpenBLAS's threads on top would only compete for the cores */
	openblas_set_num_threads(1);
#endif
	H5open();
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	/* HDF5 keeps freed blocks (inflated chunks among them) on free lists
	 * without limit by default, so the memory of a long read grew with
	 * the number of files read; bound them */
	H5set_free_list_limits(1 << 20, 256 << 10, 1 << 20, 256 << 10,
	    2 << 20, 1 << 20);
}

/*
 * Remove the temporaries of earlier writes of path whose process is gone
 * (killed with -9 mid-write): ".NAME.tmp-PID-K" beside it.  Another live
 * process's temporary is left alone.
 */
static void
remove_stale(const char *path, int dirlen)
{
	char *dir = nu_asprintf("%.*s", dirlen ? dirlen : 1, dirlen ? path : ".");
	char *prefix = nu_asprintf(".%s.tmp-", path + dirlen);
	size_t plen = prefix != NULL ? strlen(prefix) : 0;
	DIR *d = dir != NULL && prefix != NULL ? opendir(dir) : NULL;
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		char *end;
		long pid;

		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		pid = strtol(de->d_name + plen, &end, 10);
		if (end == de->d_name + plen || *end != '-' || pid <= 0 ||
		    pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char *stale = nu_asprintf("%.*s%s", dirlen, path, de->d_name);

		if (stale != NULL)
			unlink(stale);
		free(stale);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	free(prefix);
}

/* Create the temporary ".NAME.tmp-PID-K" beside path (after removing
 * stale ones): its descriptor, and its name in *tmp (caller frees); -1
 * with errno set on failure. */
static int
tmp_create(const char *path, char **tmp)
{
	static atomic_uint seq;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	int fd = -1;

	*tmp = NULL;
	remove_stale(path, dirlen);
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		free(*tmp);
		*tmp = nu_asprintf("%.*s.%s.tmp-%ld-%u", dirlen, path, path + dirlen,
		    (long)getpid(), atomic_fetch_add(&seq, 1));
		if (*tmp == NULL) {
			errno = ENOMEM;
			return -1;
		}
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		int e = errno;

		free(*tmp);
		*tmp = NULL;
		errno = e;
	}
	return fd;
}

/* Finish a temporary whose data is written (e is the first error so far,
 * 0 if none): sync and close fd, rename tmp to path and sync the
 * directory; on any error remove tmp.  Frees tmp; the first error. */
static int
tmp_finish(const char *path, char *tmp, int fd, int e)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;

	if (e == 0 && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && e == 0)
		e = errno;
	/* the processes of an MPI run compute the same outputs: rank 0's
	 * are kept, the others' temporaries go */
	if (e == 0 && dist_rank() != 0) {
		unlink(tmp);
		free(tmp);
		return 0;
	}
	if (e == 0 && rename(tmp, path) != 0)
		e = errno;
	if (e != 0)
		unlink(tmp);
	free(tmp);
	if (e == 0) {
		/* the rename itself survives a power cut only once the
		 * directory is synced too (best effort: some file systems
		 * refuse to sync a directory) */
		char *dir = nu_asprintf("%.*s", dirlen ? dirlen : 1, dirlen ? path : ".");
		int dfd = dir != NULL ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	return e;
}

enum nu_status
nu_write_atomic(const char *path, const void *data, size_t n, char **cause)
{
	const unsigned char *d = data;
	char *tmp;
	int fd, e = 0;
	size_t off = 0;

	if ((fd = tmp_create(path, &tmp)) < 0)
		return nu_fail(cause, errno == ENOMEM ? NU_ERR_NOMEM : NU_ERR_IO,
		    "%s: cannot write: %s", path, strerror(errno));
	while (off < n && e == 0) {
		ssize_t w = write(fd, d + off, n - off);

		if (w < 0 && errno != EINTR)
			e = errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if ((e = tmp_finish(path, tmp, fd, e)) != 0)
		return nu_fail(cause, NU_ERR_IO, "%s: cannot write: %s", path, strerror(e));
	return NU_OK;
}

/*
 * One file being written through a temporary.  A stream (f) is ours; a
 * file a library writes by name has no stream here, and its temporary is
 * opened again at the commit to sync it.
 */
struct nu_afile {
	FILE *f;                /* NULL for a file written by name */
	char *path, *tmp;
};

/* Start af for path: its temporary created, as a stream or (by_name) left
 * closed and empty for a library to open by its name. */
static enum nu_status
afile_start(struct nu_afile **out, const char *path, bool by_name, char **cause)
{
	struct nu_afile *af = calloc(1, sizeof(*af));
	int fd = -1, e = 0;

	*out = NULL;
	if (af == NULL || (af->path = strdup(path)) == NULL) {
		free(af);
		return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory", path);
	}
	if ((fd = tmp_create(path, &af->tmp)) < 0)
		e = errno;
	else if (by_name) {
		/* the empty file keeps the name ours until the library
		 * opens it (truncating it) */
		if (close(fd) != 0)
			e = errno;
		fd = -1;
	} else if ((af->f = fdopen(fd, "w")) == NULL)
		e = errno;
	if (e != 0) {
		if (fd >= 0)
			close(fd);
		if (af->tmp != NULL)
			unlink(af->tmp);
		free(af->tmp);
		free(af->path);
		free(af);
		return nu_fail(cause, e == ENOMEM ? NU_ERR_NOMEM : NU_ERR_IO,
		    "%s: cannot write: %s", path, strerror(e));
	}
	*out = af;
	return NU_OK;
}

enum nu_status
nu_afile_open(struct nu_afile **out, const char *path, char **cause)
{
	return afile_start(out, path, false, cause);
}

enum nu_status
nu_afile_open_path(struct nu_afile **out, const char *path, char **cause)
{
	return afile_start(out, path, true, cause);
}

FILE *
nu_afile_stream(struct nu_afile *af)
{
	return af->f;
}

const char *
nu_afile_tmp_path(const struct nu_afile *af)
{
	return af->tmp;
}

enum nu_status
nu_afile_commit(struct nu_afile *af, char **cause)
{
	enum nu_status st = NU_OK;
	int e = 0, fd;

	if (af == NULL)
		return NU_OK;
	if (af->f != NULL) {
		/* stdio keeps what a failed write could not put out and
		 * tries again here, so this flush fails with the write's
		 * errno */
		errno = 0;
		if (fflush(af->f) != 0 || ferror(af->f))
			e = errno != 0 ? errno : EIO;
		fd = dup(fileno(af->f));
		fclose(af->f);  /* flushed above: closes the descriptor only */
	} else {
		/* written and closed by a library: a descriptor of our own
		 * to sync it through (fsync needs no write access) */
		fd = open(af->tmp, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 && e == 0)
		e = errno;
	if (fd >= 0)
		e = tmp_finish(af->path, af->tmp, fd, e);
	else {
		unlink(af->tmp);
		free(af->tmp);
	}
	if (e != 0)
		st = nu_fail(cause, NU_ERR_IO, "%s: cannot write: %s", af->path, strerror(e));
	free(af->path);
	free(af);
	return st;
}

void
nu_afile_abort(struct nu_afile *af)
{
	if (af == NULL)
		return;
	if (af->f != NULL)
		fclose(af->f);
	unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	free(af);
}

enum nu_status
nu_check_writable(const char *path, char **cause)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? strdup(".") : slash == path ? strdup("/") :
	    nu_asprintf("%.*s", (int)(slash - path), path);
	struct stat sb;
	enum nu_status st = NU_OK;

	if (dir == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory", path);
	if (path[0] == '\0' || (slash != NULL && slash[1] == '\0'))
		st = nu_fail(cause, NU_ERR_USAGE, "'%s' names a directory, not a file",
		    path);
	else if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		st = nu_fail(cause, NU_ERR_USAGE, "%s: is a directory, not a file", path);
	else if (stat(dir, &sb) != 0)
		st = nu_fail(cause, NU_ERR_NOT_FOUND, "%s: cannot write there: directory "
		    "%s: %s", path, dir, strerror(errno));
	else if (!S_ISDIR(sb.st_mode))
		st = nu_fail(cause, NU_ERR_NOT_FOUND, "%s: cannot write there: %s is "
		    "not a directory", path, dir);
	else if (access(dir, W_OK | X_OK) != 0)
		st = nu_fail(cause, NU_ERR_IO, "%s: cannot write in directory %s: %s",
		    path, dir, strerror(errno));
	free(dir);
	return st;
}

const char *
nu_grouped(uint64_t v, char *buf, size_t len)
{
	char raw[32];
	size_t n, o = 0;

	snprintf(raw, sizeof raw, "%llu", (unsigned long long)v);
	n = strlen(raw);
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
	return buf;
}
