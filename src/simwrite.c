/*
 * simwrite.c: writing simulated events as NOvA-format HDF5 files (see
 * nu_sim_write in sim.h and nuscope-data(5)).
 *
 * DESIGN.  Debian's serial libhdf5 is not thread-safe, so only the calling
 * thread touches HDF5.  The work is cut into units, one /cvnmap chunk of
 * one file each.  Worker threads claim units in order from a counter,
 * generate the chunk's events with their own struct nu_sim_ctx, deflate
 * the chunk with zlib themselves (the same zlib stream HDF5's deflate
 * filter would have made) and leave it in a slot of a ring of nslots
 * buffers: unit u always uses slot u % nslots, and a worker waits until the
 * writer has emptied that slot.  The calling thread takes the units in
 * order and hands each compressed chunk to H5Dwrite_chunk, so compression
 * runs on every core while HDF5 only copies bytes.  One mutex guards the
 * ring; `ready` wakes the writer, `freed` wakes workers.  On an error the
 * writer sets `stop`, wakes everyone and joins all threads before it
 * returns; a half-written file is removed.
 *
 * Each file reaches the disk through nu.h's one writer: the temporary
 * ".NAME.tmp-PID-K" beside it, synced and renamed to NAME, so a reader
 * never sees a partial file and a failed write leaves the old NAME alone.
 * Object timestamps are off, so one seed gives byte-identical files.
 *
 * libhdf5 1.10 must not meet a failing write(): when a flush fails in
 * H5Fclose the file is left half-closed and the library crashes in its
 * exit handler.  So a file of up to CORE_MAX_EVENTS events (all the usual
 * ones) is built in memory with the core driver and its image written out
 * by us, where a full disk is an ordinary error.  Bigger files go straight
 * to disk after a check that the file system has room for them.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <hdf5.h>
#include <zlib.h>

#include "dataset.h"
#include "simwrite.h"

/*
 * Chunk rows and gzip level, measured (28,004 events, one job, 2-vCPU
 * Zen 5; CPU time includes generation; reads are nu_dataset_read_maps in
 * 256-event slabs; all figures move ~10 % between runs):
 *
 *   rows  level  CPU us/event  bytes/event  read events/s
 *    256    1        166          1058          ~60,000
 *    256    3        170           975          ~51,000
 *    256    4        193           902          ~37,000
 *    256    6        230           850          ~46,000
 *     64    3        190           975          ~55,000
 *
 * Levels 1-3 use zlib's fast matcher; 4 and up its lazy one, which costs
 * 12 % more CPU here and inflates slower, for 8 % less disk.  Level 3 keeps
 * most of level 1's speed and most of level 4's size.  Chunk height does
 * not change the ratio (zlib's 32 kB window spans two rows), so it follows
 * the reader: 256-event slabs, a 4 MB chunk that its 16 MB cache holds
 * four times over.
 */
#define CHUNK_ROWS 256
#define GZIP_LEVEL 3
#define EVENTS_PER_FILE 7001    /* like the real files */
#define CORE_MAX_EVENTS 131072  /* in memory up to ~130 MB of file */
#define BYTES_PER_EVENT 1500    /* room to ask for: ~900 written, measured */

enum { SLOT_FREE, SLOT_BUSY, SLOT_READY };

struct slot {
	int state;
	uint64_t unit;
	enum nu_status st;      /* of the worker that filled it */
	unsigned char *z;       /* the chunk as stored: deflated or raw */
	size_t zlen;
	uint32_t filter_mask;   /* 1 = deflate skipped (did not shrink) */
	struct nu_sim_event *ev;        /* CHUNK_ROWS events */
};

struct unit {
	unsigned file;
	uint64_t first;         /* global index of its first event */
	size_t n;               /* events, <= rows */
	size_t rows;            /* chunk height of its file: CHUNK_ROWS, or
	                         * the file's events when fewer (HDF5 wants
	                         * chunks no taller than a fixed dataset) */
	uint64_t row;           /* row of its first event in the file */
};

struct writer {
	const struct nu_sim *sim;
	struct unit *units;
	uint64_t nunits;
	struct slot *slots;
	int nslots;
	size_t zcap;

	pthread_mutex_t lock;
	pthread_cond_t ready, freed;
	uint64_t next;          /* next unit to claim */
	bool stop;
};

struct worker {
	struct writer *w;
	struct nu_sim_ctx *ctx;
	unsigned char *raw;     /* CHUNK_ROWS maps */
	z_stream zs;
	bool zs_ok;
	pthread_t tid;
	bool started;
};

/* ---- workers ------------------------------------------------------------- */

static enum nu_status
make_unit(struct worker *wk, const struct unit *u, struct slot *s)
{
	size_t rawlen = u->rows * NU_MAP_BYTES;

	for (size_t i = 0; i < u->n; i++)
		nu_sim_event(wk->ctx, u->first + i, wk->raw + i * NU_MAP_BYTES, &s->ev[i]);
	/* HDF5 stores whole chunks: the rows past the end are zero */
	if (u->n < u->rows)
		memset(wk->raw + u->n * NU_MAP_BYTES, 0, (u->rows - u->n) * NU_MAP_BYTES);
	if (deflateReset(&wk->zs) != Z_OK)
		return NU_ERR_NOMEM;
	wk->zs.next_in = wk->raw;
	wk->zs.avail_in = (uInt)rawlen;
	wk->zs.next_out = s->z;
	wk->zs.avail_out = (uInt)wk->w->zcap;
	if (deflate(&wk->zs, Z_FINISH) != Z_STREAM_END)
		return NU_ERR_NOMEM;
	s->zlen = wk->w->zcap - wk->zs.avail_out;
	s->filter_mask = 0;
	if (s->zlen >= rawlen) {        /* incompressible: store it raw */
		memcpy(s->z, wk->raw, rawlen);
		s->zlen = rawlen;
		s->filter_mask = 1;
	}
	return NU_OK;
}

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	struct writer *w = wk->w;

	for (;;) {
		uint64_t u;
		struct slot *s;
		enum nu_status st;

		pthread_mutex_lock(&w->lock);
		if (w->stop || w->next >= w->nunits) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		u = w->next++;
		s = &w->slots[u % (uint64_t)w->nslots];
		while (!w->stop && s->state != SLOT_FREE)
			pthread_cond_wait(&w->freed, &w->lock);
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		s->state = SLOT_BUSY;
		s->unit = u;
		pthread_mutex_unlock(&w->lock);

		st = make_unit(wk, &w->units[u], s);

		pthread_mutex_lock(&w->lock);
		s->st = st;
		s->state = SLOT_READY;
		pthread_cond_broadcast(&w->ready);
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

/* ---- the HDF5 side (calling thread only) ----------------------------------- */

struct outfile {
	char *path;             /* final name */
	struct nu_afile *af;    /* the temporary HDF5 writes on disk; NULL
	                         * for a file in memory */
	hid_t file, cvnmap;
	bool core;              /* built in memory, image written by us */
	uint64_t nevents;
	struct nu_sim_event *ev;        /* metadata of the whole file */
};

static void
h5_close(hid_t *id, herr_t (*fn)(hid_t))
{
	if (*id >= 0)
		fn(*id);
	*id = -1;
}

static herr_t
h5_walk_last(unsigned n, const H5E_error2_t *e, void *ud)
{
	char **out = ud;

	(void)n;
	if (e->desc != NULL && e->desc[0] != '\0') {
		free(*out);
		*out = strdup(e->desc);
	}
	return 0;
}

/* Fail with "path: what (HDF5's innermost message)" and clear the stack. */
static enum nu_status
h5_fail(char **cause, const char *path, const char *what)
{
	char *desc = NULL;
	enum nu_status st;

	H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_walk_last, &desc);
	H5Eclear2(H5E_DEFAULT);
	st = nu_fail(cause, NU_ERR_HDF5, "%s: %s%s%s%s", path, what,
	    desc ? " (" : "", desc ? desc : "", desc ? ")" : "");
	free(desc);
	return st;
}

/* Is there room for a file of n events in the directory of path? */
static enum nu_status
check_space(const char *path, uint64_t n, char **cause)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? nu_asprintf("%.*s", (int)(slash - path + 1), path) : strdup(".");
	struct statvfs sv;
	double need = (double)n * BYTES_PER_EVENT, have;
	enum nu_status st = NU_OK;

	if (dir == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	if (statvfs(dir, &sv) == 0) {
		have = (double)sv.f_bavail * (double)sv.f_frsize;
		if (have < need)
			st = nu_fail(cause, NU_ERR_IO, "%s: not enough space for %llu "
			    "events: about %.0f MB needed, %.0f MB free", dir,
			    (unsigned long long)n, need / 1e6, have / 1e6);
	}
	free(dir);
	return st;
}

static enum nu_status
file_begin(struct outfile *of, char **cause)
{
	static atomic_uint seq;
	hid_t fcpl = -1, fapl = -1, dcpl = -1, space = -1, grp = -1, gcpl = -1;
	hsize_t dims[2] = { of->nevents, NU_MAP_BYTES };
	hsize_t chunk[2] = { CHUNK_ROWS, NU_MAP_BYTES };
	char image[64];
	const char *name = image;
	enum nu_status st;

	if ((st = check_space(of->path, of->nevents, cause)) != NU_OK)
		return st;
	of->core = of->nevents <= CORE_MAX_EVENTS;
	if (of->core) {
		/* a name for HDF5 alone: a file in memory without backing
		 * store never touches the disk, but HDF5 first tries to open
		 * an existing file of that name, so not path */
		snprintf(image, sizeof image, "nuscope-sim-image-%ld-%u",
		    (long)getpid(), atomic_fetch_add(&seq, 1));
	} else {
		if ((st = nu_afile_open_path(&of->af, of->path, cause)) != NU_OK)
			return st;
		name = nu_afile_tmp_path(of->af);
	}
	fcpl = H5Pcreate(H5P_FILE_CREATE);
	H5Pset_obj_track_times(fcpl, 0);
	fapl = H5Pcreate(H5P_FILE_ACCESS);
	if (of->core)
		H5Pset_fapl_core(fapl, 16u << 20, 0);
	errno = 0;
	of->file = H5Fcreate(name, H5F_ACC_TRUNC, fcpl, fapl);
	H5Pclose(fapl);
	H5Pclose(fcpl);
	if (of->file < 0) {
		int e = errno;

		if (e == 0)
			return h5_fail(cause, of->path, "cannot create");
		H5Eclear2(H5E_DEFAULT);
		return nu_fail(cause, NU_ERR_IO, "cannot create %s: %s", of->path,
		    strerror(e));
	}
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (dims[0] < chunk[0])
		chunk[0] = dims[0];
	if (dcpl < 0 || H5Pset_chunk(dcpl, 2, chunk) < 0 ||
	    H5Pset_deflate(dcpl, GZIP_LEVEL) < 0 ||
	    H5Pset_obj_track_times(dcpl, 0) < 0 ||
	    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0) {
		st = h5_fail(cause, of->path, "cannot set up /cvnmap");
		goto out;
	}
	space = H5Screate_simple(2, dims, NULL);
	of->cvnmap = H5Dcreate2(of->file, "cvnmap", H5T_STD_U8LE, space,
	    H5P_DEFAULT, dcpl, H5P_DEFAULT);
	if (of->cvnmap < 0) {
		st = h5_fail(cause, of->path, "cannot create /cvnmap");
		goto out;
	}
	gcpl = H5Pcreate(H5P_GROUP_CREATE);
	H5Pset_obj_track_times(gcpl, 0);
	grp = H5Gcreate2(of->file, "neutrino", H5P_DEFAULT, gcpl, H5P_DEFAULT);
	if (grp < 0)
		st = h5_fail(cause, of->path, "cannot create /neutrino");
out:
	h5_close(&grp, H5Gclose);
	h5_close(&gcpl, H5Pclose);
	h5_close(&space, H5Sclose);
	h5_close(&dcpl, H5Pclose);
	return st;
}

/* The file type of each /neutrino column, as in the real files. */
static hid_t
column_type(enum nu_column c)
{
	switch (c) {
	case NU_COL_NUENERGY:
	case NU_COL_LEPENERGY:
		return H5T_IEEE_F32LE;
	case NU_COL_VTXX:
	case NU_COL_VTXY:
	case NU_COL_VTXZ:
		return H5T_IEEE_F64LE;
	case NU_COL_CYCLE:
		return H5T_STD_I32LE;
	case NU_COL_SUBEVT:
		return H5T_STD_U16LE;
	default:
		return H5T_STD_U32LE;
	}
}

/* Gather column c of n events into buf (8 bytes per element at most)
 * and return the matching memory type. */
static hid_t
column_gather(enum nu_column c, const struct nu_sim_event *ev, size_t n, void *buf)
{
	uint32_t *u32 = buf;
	float *f32 = buf;
	double *f64 = buf;
	int32_t *i32 = buf;
	uint16_t *u16 = buf;

	for (size_t i = 0; i < n; i++) {
		const struct nu_sim_event *e = &ev[i];

		switch (c) {
		case NU_COL_INTERACTION:     u32[i] = e->interaction; break;
		case NU_COL_FINALSTATE:      u32[i] = e->finalstate; break;
		case NU_COL_FINALSTATEPRONG: u32[i] = e->finalstateprong; break;
		case NU_COL_NUENERGY:        f32[i] = e->nuenergy; break;
		case NU_COL_LEPENERGY:       f32[i] = e->lepenergy; break;
		case NU_COL_VTXX:            f64[i] = e->vtx[0]; break;
		case NU_COL_VTXY:            f64[i] = e->vtx[1]; break;
		case NU_COL_VTXZ:            f64[i] = e->vtx[2]; break;
		case NU_COL_RUN:             u32[i] = e->run; break;
		case NU_COL_SUBRUN:          u32[i] = e->subrun; break;
		case NU_COL_EVT:             u32[i] = e->evt; break;
		case NU_COL_CYCLE:           i32[i] = e->cycle; break;
		case NU_COL_SUBEVT:          u16[i] = e->subevt; break;
		case NU_COL_PARENT:          u32[i] = e->parent; break;
		case NU_COL_PARTICLES:       u32[i] = e->particles; break;
		case NU_COL_TRAININGDATA_IDX: u32[i] = e->trainingdata_idx; break;
		default: break;
		}
	}
	switch (c) {
	case NU_COL_NUENERGY:
	case NU_COL_LEPENERGY:
		return H5T_NATIVE_FLOAT;
	case NU_COL_VTXX:
	case NU_COL_VTXY:
	case NU_COL_VTXZ:
		return H5T_NATIVE_DOUBLE;
	case NU_COL_CYCLE:
		return H5T_NATIVE_INT32;
	case NU_COL_SUBEVT:
		return H5T_NATIVE_UINT16;
	default:
		return H5T_NATIVE_UINT32;
	}
}

static enum nu_status
write_columns(struct outfile *of, void *buf, char **cause)
{
	hsize_t dims[2] = { of->nevents, 1 };
	hid_t space = -1, grp = -1, dcpl = -1, d = -1;
	enum nu_status st = NU_OK;

	space = H5Screate_simple(2, dims, NULL);
	grp = H5Gopen2(of->file, "neutrino", H5P_DEFAULT);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (space < 0 || grp < 0 || dcpl < 0 || H5Pset_obj_track_times(dcpl, 0) < 0) {
		st = h5_fail(cause, of->path, "cannot write /neutrino");
		goto out;
	}
	for (int c = 0; c < NU_NCOLUMNS; c++) {
		hid_t mt = column_gather((enum nu_column)c, of->ev, of->nevents, buf);

		d = H5Dcreate2(grp, nu_column_name((enum nu_column)c),
		    column_type((enum nu_column)c), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
		if (d < 0 || H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
			char what[96];

			snprintf(what, sizeof what, "cannot write /neutrino/%s",
			    nu_column_name((enum nu_column)c));
			st = h5_fail(cause, of->path, what);
			goto out;
		}
		h5_close(&d, H5Dclose);
	}
out:
	h5_close(&d, H5Dclose);
	h5_close(&dcpl, H5Pclose);
	h5_close(&grp, H5Gclose);
	h5_close(&space, H5Sclose);
	return st;
}

/* The in-memory file's image: *img (caller frees) of *size bytes. */
static enum nu_status
take_image(struct outfile *of, unsigned char **img, size_t *size, char **cause)
{
	ssize_t n;

	*img = NULL;
	/* H5Fget_file_image does not flush the metadata cache itself */
	if (H5Fflush(of->file, H5F_SCOPE_GLOBAL) < 0)
		return h5_fail(cause, of->path, "cannot flush");
	n = H5Fget_file_image(of->file, NULL, 0);
	if (n < 0)
		return h5_fail(cause, of->path, "cannot take the file's image");
	if ((*img = malloc((size_t)n)) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	if (H5Fget_file_image(of->file, *img, (size_t)n) != n) {
		free(*img);
		*img = NULL;
		return h5_fail(cause, of->path, "cannot take the file's image");
	}
	*size = (size_t)n;
	return NU_OK;
}

/* Close the file and put it in place: an image through nu_write_atomic,
 * a file on disk by committing its temporary (synced, renamed). */
static enum nu_status
file_finish(struct outfile *of, void *buf, char **cause)
{
	unsigned char *img = NULL;
	size_t size = 0;
	enum nu_status st;

	if ((st = write_columns(of, buf, cause)) != NU_OK)
		return st;
	h5_close(&of->cvnmap, H5Dclose);
	if (of->core && (st = take_image(of, &img, &size, cause)) != NU_OK)
		return st;
	if (H5Fclose(of->file) < 0) {
		of->file = -1;
		free(img);
		return h5_fail(cause, of->path, "cannot close");
	}
	of->file = -1;
	if (of->core)
		st = nu_write_atomic(of->path, img, size, cause);
	else
		st = nu_afile_commit(of->af, cause);
	of->af = NULL;          /* committed or removed */
	free(img);
	return st;
}

static void
file_abandon(struct outfile *of)
{
	h5_close(&of->cvnmap, H5Dclose);
	h5_close(&of->file, H5Fclose);
	H5Eclear2(H5E_DEFAULT);
	nu_afile_abort(of->af);
	of->af = NULL;
}

/* ---- paths ----------------------------------------------------------------- */

bool
nu_sim_out_is_file(const char *path)
{
	size_t n = strlen(path);

	return n >= 3 && strcmp(path + n - 3, ".h5") == 0;
}

/* mkdir -p */
static enum nu_status
make_dirs(const char *dir, char **cause)
{
	char *p = strdup(dir);
	struct stat sb;

	if (p == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			enum nu_status st = nu_fail(cause, NU_ERR_IO,
			    "cannot create directory %s: %s", p, strerror(errno));

			free(p);
			return st;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return nu_fail(cause, NU_ERR_IO, "%s exists and is not a directory", dir);
	return NU_OK;
}

/* The name of file f (0-based). */
static enum nu_status
file_name(const struct nu_sim_write_opts *o, unsigned f, struct outfile *of,
    char **cause)
{
	size_t n = strlen(o->out);

	if (nu_sim_out_is_file(o->out))
		of->path = strdup(o->out);
	else
		of->path = nu_asprintf("%s%sneutrino%u.h5", o->out,
		    n > 0 && o->out[n - 1] == '/' ? "" : "/", f + 1);
	if (of->path == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	return NU_OK;
}

/* ---- the whole run --------------------------------------------------------- */

static void
writer_stop(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->freed);
	pthread_cond_broadcast(&w->ready);
	pthread_mutex_unlock(&w->lock);
}

/* Check the request before anything is made: the counts, that the
 * output can be written (directories made), and warn of a file a longer
 * earlier run left beyond the last one.  *nfiles: how many files. */
static enum nu_status
request_check(const struct nu_sim_write_opts *o, uint64_t *nfiles_out,
    char **cause)
{
	bool single = nu_sim_out_is_file(o->out);
	uint64_t nfiles;
	enum nu_status st;

	if (o->nevents < 1)
		return nu_fail(cause, NU_ERR_USAGE, "no events to write");
	if (o->jobs < 1 || o->jobs > NU_SIM_JOBS_MAX)
		return nu_fail(cause, NU_ERR_USAGE, "jobs must be 1-%d, not %d",
		    NU_SIM_JOBS_MAX, o->jobs);
	nfiles = o->nfiles ? o->nfiles :
	    (single ? 1 : (o->nevents + EVENTS_PER_FILE - 1) / EVENTS_PER_FILE);
	if (single && nfiles != 1)
		return nu_fail(cause, NU_ERR_USAGE, "%s names one file, but %llu "
		    "files were asked for (give a directory)", o->out,
		    (unsigned long long)nfiles);
	if (nfiles > o->nevents)
		return nu_fail(cause, NU_ERR_USAGE, "cannot spread %llu events "
		    "over %llu files", (unsigned long long)o->nevents,
		    (unsigned long long)nfiles);
	if (!single && (st = make_dirs(o->out, cause)) != NU_OK)
		return st;
	{
		/* find out now, not after the events are made, that the
		 * directory cannot take the files */
		const char *slash = strrchr(o->out, '/');
		char *dir = !single ? strdup(o->out) : slash == NULL ? strdup(".") :
		    nu_asprintf("%.*s", (int)(slash - o->out + 1), o->out);

		if (dir == NULL)
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		if (access(dir, W_OK | X_OK) != 0) {
			st = nu_fail(cause, NU_ERR_IO, "cannot write in %s: %s", dir,
			    strerror(errno));
			free(dir);
			return st;
		}
		free(dir);
	}
	if (!single) {
		char *next = nu_asprintf("%s/neutrino%llu.h5", o->out,
		    (unsigned long long)nfiles + 1);

		if (next != NULL && access(next, F_OK) == 0)
			nu_log(NU_LOG_WARN, "%s is left from an earlier run; readers "
			    "of %s will include it", next, o->out);
		free(next);
	}

	*nfiles_out = nfiles;
	return NU_OK;
}

/* The units of work, files in order and chunks in order, the events
 * spread evenly over the files (the first `extra` take one more). */
static void
units_plan(struct writer *w, uint64_t nfiles, uint64_t per, uint64_t extra)
{
	uint64_t u = 0, first = 0;

	for (uint64_t f = 0; f < nfiles; f++) {
		uint64_t n = per + (f < extra);

		for (uint64_t r = 0; r < n; r += CHUNK_ROWS) {
			w->units[u].file = (unsigned)f;
			w->units[u].first = first + r;
			w->units[u].row = r;
			w->units[u].n = n - r < CHUNK_ROWS ? (size_t)(n - r) : CHUNK_ROWS;
			w->units[u].rows = n < CHUNK_ROWS ? (size_t)n : CHUNK_ROWS;
			u++;
		}
		first += n;
	}
}

/* Write the units in order as the workers finish them: a file begun at
 * its first chunk, each compressed chunk written as it is, the file
 * finished (columns, then into place) after its last. */
static enum nu_status
units_write(struct writer *w, const struct nu_sim_write_opts *o,
    struct outfile *of, void *colbuf, uint64_t per, uint64_t extra,
    char **cause)
{
	uint64_t written = 0;
	enum nu_status st;

	for (uint64_t u = 0; u < w->nunits; u++) {
		const struct unit *un = &w->units[u];
		struct slot *s = &w->slots[u % (uint64_t)w->nslots];
		hsize_t off[2] = { un->row, 0 };

		if (o->stop != NULL && *o->stop)
			return nu_fail(cause, NU_ERR_CANCELLED, "interrupted after %llu of "
			    "%llu events: %u complete file%s kept%s", (unsigned long long)
			    written, (unsigned long long)o->nevents, un->file,
			    un->file == 1 ? "" : "s", of->file >= 0 ?
			    ", the one being written removed" : "");
		if (un->row == 0) {
			free(of->path);
			of->path = NULL;
			of->nevents = per + (un->file < extra);
			if ((st = file_name(o, un->file, of, cause)) != NU_OK ||
			    (st = file_begin(of, cause)) != NU_OK)
				return st;
		}
		pthread_mutex_lock(&w->lock);
		while (!(s->state == SLOT_READY && s->unit == u))
			pthread_cond_wait(&w->ready, &w->lock);
		pthread_mutex_unlock(&w->lock);
		if (s->st != NU_OK)
			return nu_fail(cause, s->st, "compressing events %llu-%llu: %s",
			    (unsigned long long)un->first,
			    (unsigned long long)(un->first + un->n - 1), nu_strerror(s->st));
		if (H5Dwrite_chunk(of->cvnmap, H5P_DEFAULT, s->filter_mask, off,
		    s->zlen, s->z) < 0)
			return h5_fail(cause, of->path, "cannot write /cvnmap");
		memcpy(&of->ev[un->row], s->ev, un->n * sizeof(*s->ev));
		pthread_mutex_lock(&w->lock);
		s->state = SLOT_FREE;
		pthread_cond_broadcast(&w->freed);
		pthread_mutex_unlock(&w->lock);

		if (un->row + un->n == of->nevents) {
			struct stat sb;

			if ((st = file_finish(of, colbuf, cause)) != NU_OK)
				return st;
			written += of->nevents;
			nu_log(NU_LOG_INFO, "wrote %s: %llu events, %.1f MB (%llu of %llu)",
			    of->path, (unsigned long long)of->nevents,
			    stat(of->path, &sb) == 0 ? sb.st_size / 1e6 : 0.0,
			    (unsigned long long)written, (unsigned long long)o->nevents);
		}
	}
	return NU_OK;
}

enum nu_status
nu_sim_write(const struct nu_sim *sim, const struct nu_sim_write_opts *o,
    char **cause)
{
	struct writer w = { .sim = sim };
	struct worker *wk = NULL;
	struct outfile of = { .file = -1, .cvnmap = -1 };
	uint64_t nfiles = 0, per, extra, maxn;
	void *colbuf = NULL;
	bool sync_ok = false;
	enum nu_status st = NU_OK;
	int nthreads = o->jobs;

	if ((st = request_check(o, &nfiles, cause)) != NU_OK)
		return st;
	/* units: files in order, chunks in order; events spread evenly */
	per = o->nevents / nfiles;
	extra = o->nevents % nfiles;
	maxn = per + (extra > 0);
	w.nunits = 0;
	for (uint64_t f = 0; f < nfiles; f++)
		w.nunits += (per + (f < extra) + CHUNK_ROWS - 1) / CHUNK_ROWS;
	w.units = calloc(w.nunits, sizeof(*w.units));
	if ((uint64_t)nthreads > w.nunits)
		nthreads = (int)w.nunits;
	w.nslots = nthreads + 2;
	w.slots = calloc((size_t)w.nslots, sizeof(*w.slots));
	wk = calloc((size_t)nthreads, sizeof(*wk));
	of.ev = calloc(maxn, sizeof(*of.ev));
	colbuf = malloc(maxn * sizeof(double));
	if (w.units == NULL || w.slots == NULL || wk == NULL || of.ev == NULL ||
	    colbuf == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto out;
	}
	units_plan(&w, nfiles, per, extra);
	w.zcap = compressBound((uLong)CHUNK_ROWS * NU_MAP_BYTES);
	for (int i = 0; i < w.nslots; i++) {
		w.slots[i].z = malloc(w.zcap);
		w.slots[i].ev = calloc(CHUNK_ROWS, sizeof(*w.slots[i].ev));
		if (w.slots[i].z == NULL || w.slots[i].ev == NULL) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	for (int i = 0; i < nthreads; i++) {
		wk[i].w = &w;
		wk[i].raw = malloc((size_t)CHUNK_ROWS * NU_MAP_BYTES);
		if (wk[i].raw == NULL || nu_sim_ctx_new(&wk[i].ctx, sim) != NU_OK) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (deflateInit(&wk[i].zs, GZIP_LEVEL) != Z_OK) {
			st = nu_fail(cause, NU_ERR_NOMEM, "cannot set up zlib");
			goto out;
		}
		wk[i].zs_ok = true;
	}
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.ready, NULL);
	pthread_cond_init(&w.freed, NULL);
	sync_ok = true;
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&wk[i].tid, NULL, worker_main, &wk[i]) != 0) {
			if (i == 0) {
				st = nu_fail(cause, NU_ERR_NOMEM, "cannot start a thread");
				goto out;
			}
			break;          /* fewer workers, same result */
		}
		wk[i].started = true;
	}

	st = units_write(&w, o, &of, colbuf, per, extra, cause);

out:
	if (sync_ok) {
		writer_stop(&w);
		for (int i = 0; i < nthreads; i++)
			if (wk[i].started)
				pthread_join(wk[i].tid, NULL);
		pthread_cond_destroy(&w.freed);
		pthread_cond_destroy(&w.ready);
		pthread_mutex_destroy(&w.lock);
	}
	if (st != NU_OK)
		file_abandon(&of);
	for (int i = 0; wk != NULL && i < nthreads; i++) {
		if (wk[i].zs_ok)
			deflateEnd(&wk[i].zs);
		nu_sim_ctx_free(wk[i].ctx);
		free(wk[i].raw);
	}
	for (int i = 0; w.slots != NULL && i < w.nslots; i++) {
		free(w.slots[i].z);
		free(w.slots[i].ev);
	}
	free(w.slots);
	free(w.units);
	free(wk);
	free(of.ev);
	free(of.path);
	free(colbuf);
	return st;
}
