/*
 * dataset.c: validation and ranged reads of NOvA-format HDF5 files.
 *
 * Every file is opened once at nu_dataset_open to check its schema and
 * record its size and storage; afterwards at most `max_open` files stay
 * open (least recently used are closed), so a 200-file dataset costs a
 * few file handles and the per-file table, whatever its size.
 *
 * A copy (nu_dataset_dup) shares the checked table and opens a file only
 * when it first reads from it: a loader serving one process's share of an
 * MPI run opens the files its events lie in and no other.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5.h>

#include "dataset.h"
#include "guard.h"
#include "paths.h"

#define DEFAULT_MAX_OPEN 4

static const char *const column_names[NU_NCOLUMNS] = {
	"interaction", "finalstate", "finalstateprong",
	"nuenergy", "lepenergy",
	"vtxx", "vtxy", "vtxz",
	"run", "subrun", "evt", "cycle", "subevt",
	"parent", "particles", "rec.training.trainingdata_idx",
};

/* An open file: the HDF5 handles of /cvnmap and the columns present. */
struct handle {
	hid_t file;
	hid_t cvnmap;
	hid_t col[NU_NCOLUMNS];
	uint64_t used;              /* LRU clock value */
	hsize_t tiny[2];            /* /cvnmap's chunk when read chunk by chunk
	                             * (see tiny_chunks), else 0 */
};

struct nu_dataset {
	struct nu_fileinfo *files;
	struct handle *h;           /* one per file; file < 0 when closed */
	size_t nfiles;
	uint64_t nevents;
	char **skipped;
	char **skipped_why;
	size_t nskipped;
	int max_open;
	int nopen;
	uint64_t clock;
	uint64_t *maps_read;        /* [nfiles] events whose maps were read */
};

const char *
nu_column_name(enum nu_column c)
{
	return (unsigned)c < NU_NCOLUMNS ? column_names[c] : "unknown";
}

bool
nu_column_required(enum nu_column c)
{
	return c == NU_COL_INTERACTION || c == NU_COL_NUENERGY ||
	    c == NU_COL_LEPENERGY;
}

int
nu_column_from_name(const char *name)
{
	for (int c = 0; c < NU_NCOLUMNS; c++)
		if (strcmp(name, column_names[c]) == 0)
			return c;
	return -1;
}

/* ---- HDF5 error text ---------------------------------------------------- */

struct errwalk {
	char msg[256];
};

static herr_t
errwalk_cb(unsigned n, const H5E_error2_t *e, void *ud)
{
	struct errwalk *w = ud;

	(void)n;
	/* walking downward, the last entry is the innermost, most specific */
	if (e->desc != NULL && e->desc[0] != '\0')
		snprintf(w->msg, sizeof w->msg, "%s", e->desc);
	return 0;
}

/* Copy the innermost message of the current HDF5 error stack into buf and
 * clear the stack. */
static void
h5_error_text(char *buf, size_t len)
{
	struct errwalk w = { "" };

	H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, errwalk_cb, &w);
	H5Eclear2(H5E_DEFAULT);
	snprintf(buf, len, "%s", w.msg[0] ? w.msg : "unknown HDF5 error");
}

/*
 * HDF5's automatic printing of its error stack is a per-thread setting in
 * thread-safe builds (Debian's is one), so every entry point that may run
 * on a worker thread turns it off for the calling thread.
 */
static void
quiet_hdf5(void)
{
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void
close_id(hid_t *id, herr_t (*fn)(hid_t))
{
	if (*id >= 0)
		fn(*id);
	*id = -1;
}

static void
handle_close(struct handle *h)
{
	for (int c = 0; c < NU_NCOLUMNS; c++)
		close_id(&h->col[c], H5Dclose);
	close_id(&h->cvnmap, H5Dclose);
	close_id(&h->file, H5Fclose);
}

static void
handle_init(struct handle *h)
{
	h->file = h->cvnmap = -1;
	for (int c = 0; c < NU_NCOLUMNS; c++)
		h->col[c] = -1;
	h->used = 0;
}

/* ---- schema checks ------------------------------------------------------- */

static const char *
type_name(hid_t type, char *buf, size_t len)
{
	H5T_class_t cls = H5Tget_class(type);
	size_t size = H5Tget_size(type);

	if (cls == H5T_INTEGER)
		snprintf(buf, len, "%sint%zu",
		    H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", size * 8);
	else if (cls == H5T_FLOAT)
		snprintf(buf, len, "float%zu", size * 8);
	else if (cls == H5T_STRING)
		snprintf(buf, len, "string");
	else if (cls == H5T_COMPOUND)
		snprintf(buf, len, "compound");
	else
		snprintf(buf, len, "class %d", (int)cls);
	return buf;
}

/* Kind of object at `name` under loc: H5O_TYPE_*, -1 if absent, or
 * KIND_FOREIGN for a link that is not a plain (hard) link: an external
 * link is followed into another file, which may be a FIFO that blocks
 * forever or a device that never ends, so it is refused before it is
 * followed.  KIND_ERROR when HDF5 cannot tell, which is not an absence. */
#define KIND_FOREIGN (-2)
#define KIND_ERROR (-3)
static int
object_kind(hid_t loc, const char *name)
{
	H5O_info_t info;
	H5L_info_t li;

	htri_t e = H5Lexists(loc, name, H5P_DEFAULT);

	if (e <= 0) {
		H5Eclear2(H5E_DEFAULT);
		return e < 0 ? KIND_ERROR : -1;
	}
	if (H5Lget_info(loc, name, &li, H5P_DEFAULT) < 0) {
		H5Eclear2(H5E_DEFAULT);
		return KIND_ERROR;
	}
	if (li.type != H5L_TYPE_HARD)
		return KIND_FOREIGN;
	if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0) {
		H5Eclear2(H5E_DEFAULT);
		return KIND_ERROR;
	}
	return (int)info.type;
}

/* object_kind of name in loc (full, its path in the file, for messages),
 * failing when HDF5 cannot tell or the object lies outside the file. */
static enum nu_status
object_kind_local(hid_t loc, const char *name, const char *path,
    const char *full, int *kind, char **cause)
{
	*kind = object_kind(loc, name);
	if (*kind == KIND_ERROR)
		return nu_fail(cause, NU_ERR_HDF5, "%s: HDF5 cannot read %s", path, full);
	if (*kind == KIND_FOREIGN)
		return nu_fail(cause, NU_ERR_FORMAT, "%s: %s is a link to another "
		    "file or object (external or soft link); nuscope reads only data "
		    "stored in the file", path, full);
	return NU_OK;
}

/* How did is stored, into *s; false when HDF5 cannot say. */
static bool
storage_info(hid_t did, struct nu_storage *s)
{
	hid_t dcpl = H5Dget_create_plist(did);
	H5D_layout_t layout;
	H5D_space_status_t ss;
	bool ok = true;

	s->layout = "contiguous";
	s->chunk_rows = 0;
	s->gzip_level = -1;
	s->shuffle = false;
	s->other_filters = false;
	s->stored_bytes = H5Dget_storage_size(did);
	/* 0 bytes is also what the call answers when it fails */
	if (dcpl < 0 || (s->stored_bytes == 0 && (H5Dget_space_status(did, &ss) < 0 ||
	    ss != H5D_SPACE_STATUS_NOT_ALLOCATED))) {
		if (dcpl >= 0)
			H5Pclose(dcpl);
		return false;
	}
	layout = H5Pget_layout(dcpl);
	if (layout < 0)
		ok = false;
	if (layout == H5D_COMPACT)
		s->layout = "compact";
	if (layout == H5D_CHUNKED) {
		hsize_t dims[2] = { 0, 0 };
		int n;

		s->layout = "chunked";
		if (H5Pget_chunk(dcpl, 2, dims) == 2)
			s->chunk_rows = dims[0];
		else
			ok = false;
		if ((n = H5Pget_nfilters(dcpl)) < 0)
			ok = false;
		for (int i = 0; i < n && ok; i++) {
			unsigned flags, cd[8];
			size_t ncd = 8;
			char name[64];
			H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags,
			    &ncd, cd, sizeof name, name, NULL);

			if (f < 0)
				ok = false;
			else if (f == H5Z_FILTER_DEFLATE)
				s->gzip_level = ncd > 0 ? (int)cd[0] : 0;
			else if (f == H5Z_FILTER_SHUFFLE)
				s->shuffle = true;
			else
				s->other_filters = true;
		}
	}
	H5Pclose(dcpl);
	return ok;
}

/*
 * Check how dataset `what` of path is stored before anything trusts its
 * declared shape (rows x rowbytes bytes as stored): only contiguous,
 * chunked or compact storage inside the file itself (virtual datasets can
 * refer to themselves or to other files, external raw storage to any file
 * such as /etc/passwd or /dev/zero), only the filters real files use, and
 * the bytes the shape declares must be stored: a small file declaring 2^40
 * events is refused here rather than by an allocation in proportion to it.
 */
/*
 * Every chunk of a chunked dataset stored without filters holds exactly a
 * chunk's bytes: HDF5 1.10 reads a shorter one into a buffer of its
 * stored size and then copies a whole chunk out of it (found by the data
 * fuzzer).  One index lookup per chunk of the (at most 2-D) grid; the
 * caller has checked that the index has them all.
 */
#define NU_CHUNKCHECK_MAX 4096

static enum nu_status
chunks_whole(hid_t did, int rank, const hsize_t *dims, const hsize_t *chunk,
    const char *path, const char *what, char **cause)
{
	hid_t type = H5Dget_type(did);
	size_t esize = type >= 0 ? H5Tget_size(type) : 0;
	hsize_t bytes = esize, off[2] = { 0, 0 }, size;
	unsigned mask;
	haddr_t addr;

	if (type >= 0)
		H5Tclose(type);
	for (int r = 0; r < rank; r++) {
		if (chunk[r] == 0)
			return nu_fail(cause, NU_ERR_FORMAT, "%s: %s: cannot read its chunks",
			    path, what);
		bytes *= chunk[r];
	}
	for (off[0] = 0; off[0] < dims[0]; off[0] += chunk[0])
		for (off[1] = 0; off[1] < (rank > 1 ? dims[1] : 1);
		    off[1] += rank > 1 ? chunk[1] : 1) {
			size = 0;
			if (H5Dget_chunk_info_by_coord(did, off, &mask, &addr, &size) < 0 ||
			    size != bytes)
				return nu_fail(cause, NU_ERR_FORMAT, "%s: %s: the chunk at row "
				    "%llu stores %llu bytes, a chunk is %llu: the file is "
				    "corrupt", path, what, (unsigned long long)off[0],
				    (unsigned long long)size, (unsigned long long)bytes);
		}
	return NU_OK;
}

static enum nu_status
storage_checked(hid_t did, const char *path, const char *what, uint64_t rows,
    uint64_t rowbytes, uint64_t file_size, char **cause)
{
	hid_t dcpl = H5Dget_create_plist(did);
	H5D_layout_t layout;
	enum nu_status st = NU_OK;
	uint64_t need = rows * rowbytes, stored = H5Dget_storage_size(did);

	if (dcpl < 0)
		return nu_fail(cause, NU_ERR_FORMAT, "%s: %s: cannot read how it is stored",
		    path, what);
	layout = H5Pget_layout(dcpl);
	if (rowbytes > 0 && rows > UINT64_MAX / rowbytes)
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s declares %llu rows, more than "
		    "any file can hold", path, what, (unsigned long long)rows);
	else if (layout == H5D_VIRTUAL)
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s is a virtual dataset (made of "
		    "other datasets or files); nuscope reads only data stored in the file: "
		    "contiguous, chunked or compact", path, what);
	else if (layout == H5D_CONTIGUOUS && H5Pget_external_count(dcpl) > 0)
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s keeps its data in external "
		    "files; nuscope reads only data stored in the file itself", path, what);
	else if (layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED && layout != H5D_COMPACT)
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s has a storage layout nuscope "
		    "does not read (contiguous, chunked or compact)", path, what);
	/* a chunk index that lies about its chunks' sizes made HDF5 allocate
	 * what it claimed before reading */
	else if (stored > file_size)
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s claims %llu bytes of storage "
		    "in a file of %llu bytes: the file is corrupt", path, what,
		    (unsigned long long)stored, (unsigned long long)file_size);
	for (int i = 0, n = H5Pget_nfilters(dcpl); st == NU_OK && i < n; i++) {
		unsigned flags, cd[8];
		size_t ncd = 8;
		char name[64] = "";
		H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd,
		    sizeof name, name, NULL);

		if (f != H5Z_FILTER_DEFLATE && f != H5Z_FILTER_SHUFFLE &&
		    f != H5Z_FILTER_FLETCHER32)
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s is written with filter %d "
			    "(%s); nuscope reads deflate (gzip), shuffle and fletcher32", path,
			    what, (int)f, name[0] ? name : "unnamed");
	}
	if (st == NU_OK && need > 0 && layout == H5D_CHUNKED) {
		hsize_t chunk[2] = { 0, 0 }, nchunks = 0, want;
		hsize_t dims[2] = { 0, 0 };
		hid_t sp = H5Dget_space(did);
		int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
		int crank = H5Pget_chunk(dcpl, 2, chunk);
		/* (H5S_ALL is refused here: it takes a real dataspace) */
		herr_t got = sp >= 0 ? H5Dget_num_chunks(did, sp, &nchunks) : -1;

		if (sp >= 0)
			H5Sclose(sp);
		want = 1;
		for (int r = 0; r < rank && r < 2 && crank == rank; r++)
			want *= chunk[r] > 0 ? (dims[r] + chunk[r] - 1) / chunk[r] : 0;
		if (rank < 1 || crank != rank || got < 0)
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s: cannot read its chunks",
			    path, what);
		else if (nchunks < want)
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s declares %llu rows but "
			    "stores only %llu of the %llu chunks they need: the file is "
			    "incomplete or not what it claims", path, what,
			    (unsigned long long)rows, (unsigned long long)nchunks,
			    (unsigned long long)want);
		else if (H5Pget_nfilters(dcpl) == 0 && nchunks <= NU_CHUNKCHECK_MAX)
			/* HDF5 1.10 finds a chunk by walking its index, so the
			 * check costs chunks squared: a dataset of more chunks
			 * (a few thousand events in chunks of one row or less)
			 * is read unchecked */
			st = chunks_whole(did, rank, dims, chunk, path, what, cause);
	} else if (st == NU_OK && need > 0) {
		haddr_t at = layout == H5D_CONTIGUOUS ? H5Dget_offset(did) : 0;

		if (stored < need || (layout == H5D_CONTIGUOUS &&
		    (at == HADDR_UNDEF || at > file_size || need > file_size - at)))
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s declares %llu rows (%llu "
			    "bytes) but the file stores %llu of them: it is incomplete or "
			    "not what it claims", path, what, (unsigned long long)rows,
			    (unsigned long long)need, (unsigned long long)
			    (stored < need ? stored : file_size > at ? file_size - at : 0));
	}
	H5Pclose(dcpl);
	H5Eclear2(H5E_DEFAULT);
	return st;
}

/*
 * Open /cvnmap with a chunk cache that holds two of its chunks, so reads of
 * whole slabs or of neighbouring events inflate each chunk once.  HDF5's
 * default (1 MB) is kept for chunks that fit it: every open file keeps its
 * cache filled, so a larger cache than needed costs memory per open file
 * (measured: 4 MB per file raised the peak of a 12-file read from 40 to
 * 75 MB with no gain in speed).
 */
static hid_t
open_cvnmap(hid_t file)
{
	hid_t did = H5Dopen2(file, "cvnmap", H5P_DEFAULT);
	hid_t dcpl, dapl, type;
	hsize_t chunk[2];
	size_t bytes = 0;

	if (did < 0)
		return did;
	dcpl = H5Dget_create_plist(did);
	type = H5Dget_type(did);
	if (dcpl >= 0 && type >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED &&
	    H5Pget_chunk(dcpl, 2, chunk) == 2)
		bytes = (size_t)(chunk[0] * chunk[1]) * H5Tget_size(type);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (type >= 0)
		H5Tclose(type);
	if (2 * bytes <= (1u << 20))
		return did;
	if (bytes > (64u << 20))
		bytes = 64u << 20;
	H5Dclose(did);
	dapl = H5Pcreate(H5P_DATASET_ACCESS);
	H5Pset_chunk_cache(dapl, 521, 2 * bytes + 4096, H5D_CHUNK_CACHE_W0_DEFAULT);
	did = H5Dopen2(file, "cvnmap", dapl);
	H5Pclose(dapl);
	return did;
}

/*
 * Tiny chunks (a file written with chunks=(1, 1), say: 16,000 chunks per
 * event) make HDF5's hyperslab read cost about 20 us per chunk, 0.3 s per
 * event, because it plans and converts every chunk of the selection on its
 * own.  Reading such chunks directly (H5Dread_chunk, a B-tree lookup and
 * a read each) and placing their bytes ourselves is about ten times
 * faster (100 events in 1x1 chunks: predict 42 s -> 3.2 s, train of 2
 * epochs 21 s -> 6 s, on 2 busy cores).
 * Only when the bytes need no work: no filters and unsigned 8-bit pixels.
 * Chunks of 4 kB and more go through H5Dread, where the per-chunk cost
 * no longer shows.  Fills chunk with the chunk dims, or zeros.
 */
#define TINY_CHUNK_BYTES 4096

static void
tiny_chunks(hid_t did, hsize_t chunk[2])
{
	hid_t dcpl = H5Dget_create_plist(did), type = H5Dget_type(did);
	hsize_t c[2];

	chunk[0] = chunk[1] = 0;
	if (dcpl >= 0 && type >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED &&
	    H5Pget_chunk(dcpl, 2, c) == 2 && H5Pget_nfilters(dcpl) == 0 &&
	    H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 1 &&
	    H5Tget_sign(type) == H5T_SGN_NONE && c[0] > 0 && c[1] > 0 &&
	    c[0] * c[1] < TINY_CHUNK_BYTES) {
		chunk[0] = c[0];
		chunk[1] = c[1];
	}
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (type >= 0)
		H5Tclose(type);
}

/* Rows [first, first+n) of a tiny-chunked /cvnmap into out, chunk by
 * chunk; false if any chunk cannot be read so (one never written, which
 * H5Dread fills in): the caller then reads the rows the usual way. */
static bool
read_tiny(hid_t did, const hsize_t chunk[2], uint64_t first, size_t n,
    uint8_t *out)
{
	uint8_t buf[TINY_CHUNK_BYTES];
	uint64_t end = first + n;
	bool ok = true;

	quiet_hdf5();
	for (uint64_t r0 = first / chunk[0] * chunk[0]; ok && r0 < end; r0 += chunk[0]) {
		uint64_t ra = r0 > first ? r0 : first;
		uint64_t rb = r0 + chunk[0] < end ? r0 + chunk[0] : end;

		for (hsize_t c0 = 0; ok && c0 < NU_MAP_BYTES; c0 += chunk[1]) {
			hsize_t off[2] = { r0, c0 };
			hsize_t w = c0 + chunk[1] <= NU_MAP_BYTES ? chunk[1] :
			    NU_MAP_BYTES - c0;
			uint32_t filters = 0;

			if (H5Dread_chunk(did, H5P_DEFAULT, off, &filters, buf) < 0 ||
			    filters != 0) {
				ok = false;
				break;
			}
			for (uint64_t r = ra; r < rb; r++)
				memcpy(out + (r - first) * NU_MAP_BYTES + c0,
				    buf + (r - r0) * chunk[1], (size_t)w);
		}
	}
	if (!ok)
		H5Eclear2(H5E_DEFAULT);
	return ok;
}

/*
 * Open path and check it against the contract; on success h holds open
 * handles and fi is filled in (fi->path and fi->first are the caller's).
 */
static enum nu_status
file_open_unguarded(const char *path, struct handle *h, struct nu_fileinfo *fi,
    bool fill, char **cause)
{
	char msg[256], tn[32];
	hid_t space = -1, type = -1, grp = -1;
	hsize_t dims[2];
	int rank, kind;
	htri_t is;
	struct stat sb;
	enum nu_status st = NU_OK;

	handle_init(h);
	quiet_hdf5();
	if (stat(path, &sb) != 0)
		return nu_fail(cause, NU_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return nu_fail(cause, NU_ERR_FORMAT, "%s: not a regular file", path);
	is = H5Fis_hdf5(path);
	if (is <= 0) {
		H5Eclear2(H5E_DEFAULT);
		return nu_fail(cause, NU_ERR_FORMAT,
		    "%s: not an HDF5 file (no HDF5 signature found)", path);
	}
	h->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (h->file < 0) {
		h5_error_text(msg, sizeof msg);
		return nu_fail(cause, NU_ERR_FORMAT,
		    "%s: cannot open as HDF5 (%s)%s", path, msg,
		    strstr(msg, "truncated") ? ": the file is incomplete, copy it again" : "");
	}

	/* /cvnmap: (N, 16000) integers */
	if ((st = object_kind_local(h->file, "cvnmap", path, "/cvnmap", &kind,
	    cause)) != NU_OK)
		goto fail;
	if (kind != H5O_TYPE_DATASET) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s /cvnmap, the pixel maps",
		    path, kind < 0 ? "no dataset" : "expected a dataset at");
		goto fail;
	}
	h->cvnmap = open_cvnmap(h->file);
	if (h->cvnmap < 0) {
		h5_error_text(msg, sizeof msg);
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: /cvnmap: %s", path, msg);
		goto fail;
	}
	tiny_chunks(h->cvnmap, h->tiny);
	space = H5Dget_space(h->cvnmap);
	type = H5Dget_type(h->cvnmap);
	rank = H5Sget_simple_extent_ndims(space);
	if (rank != 2 || H5Sget_simple_extent_dims(space, dims, NULL) != 2) {
		st = nu_fail(cause, NU_ERR_FORMAT,
		    "%s: /cvnmap has %d dimensions, expected 2 (events, 16000)",
		    path, rank);
		goto fail;
	}
	if (dims[1] != NU_MAP_BYTES) {
		st = nu_fail(cause, NU_ERR_FORMAT,
		    "%s: /cvnmap rows are %llu wide, expected 16000 "
		    "(2 views x 100 planes x 80 cells)", path,
		    (unsigned long long)dims[1]);
		goto fail;
	}
	if (H5Tget_class(type) != H5T_INTEGER) {
		st = nu_fail(cause, NU_ERR_FORMAT,
		    "%s: /cvnmap holds %s values, expected 8-bit unsigned integers",
		    path, type_name(type, tn, sizeof tn));
		goto fail;
	}
	if (dims[0] > NU_FILE_MAXEVENTS) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: /cvnmap holds %llu events; "
		    "nuscope reads at most %d per file (split the file)", path,
		    (unsigned long long)dims[0], NU_FILE_MAXEVENTS);
		goto fail;
	}
	if ((st = storage_checked(h->cvnmap, path, "/cvnmap", dims[0],
	    (uint64_t)dims[1] * H5Tget_size(type), (uint64_t)sb.st_size, cause)) != NU_OK)
		goto fail;
	close_id(&type, H5Tclose);
	close_id(&space, H5Sclose);
	if (fill) {
		fi->nevents = dims[0];
		fi->size = (uint64_t)sb.st_size;
		if (!storage_info(h->cvnmap, &fi->cvnmap)) {
			st = nu_fail(cause, NU_ERR_HDF5, "%s: /cvnmap: HDF5 cannot say how "
			    "it is stored", path);
			goto fail;
		}
		fi->columns = 0;
	}

	/* /neutrino: a group of (N,1) or (N,) numeric columns */
	if ((st = object_kind_local(h->file, "neutrino", path, "/neutrino", &kind,
	    cause)) != NU_OK)
		goto fail;
	if (kind != H5O_TYPE_GROUP) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s", path, kind < 0 ?
		    "no group /neutrino (the metadata columns)" :
		    "/neutrino is a dataset, expected a group of column datasets "
		    "(interaction, nuenergy, ...)");
		goto fail;
	}
	grp = H5Gopen2(h->file, "neutrino", H5P_DEFAULT);
	for (int c = 0; c < NU_NCOLUMNS; c++) {
		const char *name = column_names[c];
		char what[64];
		hsize_t cd[2];
		H5T_class_t cls;

		snprintf(what, sizeof what, "/neutrino/%s", name);
		if ((st = object_kind_local(grp, name, path, what, &kind,
		    cause)) != NU_OK)
			goto fail;
		if (kind < 0) {
			if (nu_column_required((enum nu_column)c)) {
				st = nu_fail(cause, NU_ERR_FORMAT,
				    "%s: required column /neutrino/%s is missing",
				    path, name);
				goto fail;
			}
			continue;
		}
		if (kind != H5O_TYPE_DATASET ||
		    (h->col[c] = H5Dopen2(grp, name, H5P_DEFAULT)) < 0) {
			H5Eclear2(H5E_DEFAULT);
			st = nu_fail(cause, NU_ERR_FORMAT,
			    "%s: /neutrino/%s is not a dataset", path, name);
			goto fail;
		}
		space = H5Dget_space(h->col[c]);
		type = H5Dget_type(h->col[c]);
		rank = H5Sget_simple_extent_ndims(space);
		cd[0] = cd[1] = 0;
		if (rank >= 1 && rank <= 2)
			H5Sget_simple_extent_dims(space, cd, NULL);
		if (rank == 2 && cd[1] != 1) {
			st = nu_fail(cause, NU_ERR_FORMAT,
			    "%s: /neutrino/%s has shape (%llu, %llu), "
			    "expected (N, 1) or (N,)", path, name,
			    (unsigned long long)cd[0], (unsigned long long)cd[1]);
			goto fail;
		}
		if (rank < 1 || rank > 2) {
			st = nu_fail(cause, NU_ERR_FORMAT,
			    "%s: /neutrino/%s has %d dimensions, expected (N, 1) or (N,)",
			    path, name, rank);
			goto fail;
		}
		cls = H5Tget_class(type);
		if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
			st = nu_fail(cause, NU_ERR_FORMAT,
			    "%s: /neutrino/%s holds %s values, expected numbers",
			    path, name, type_name(type, tn, sizeof tn));
			goto fail;
		}
		if (cd[0] != dims[0]) {
			st = nu_fail(cause, NU_ERR_FORMAT,
			    "%s: /neutrino/%s has %llu rows but /cvnmap has %llu events",
			    path, name, (unsigned long long)cd[0],
			    (unsigned long long)dims[0]);
			goto fail;
		}
		if ((st = storage_checked(h->col[c], path, what, cd[0],
		    H5Tget_size(type), (uint64_t)sb.st_size, cause)) != NU_OK)
			goto fail;
		if (fill) {
			fi->columns |= 1u << c;
			type_name(type, fi->column_types[c], sizeof fi->column_types[c]);
		}
		close_id(&type, H5Tclose);
		close_id(&space, H5Sclose);
	}
	close_id(&grp, H5Gclose);
	return NU_OK;

fail:
	close_id(&type, H5Tclose);
	close_id(&space, H5Sclose);
	close_id(&grp, H5Gclose);
	handle_close(h);
	H5Eclear2(H5E_DEFAULT);
	return st;
}

/* The same, marked as reading an untrusted file for the crash guard. */
static enum nu_status
file_open_checked(const char *path, struct handle *h, struct nu_fileinfo *fi,
    bool fill, char **cause)
{
	struct nu_guard g;
	enum nu_status st;

	nu_guard_enter(&g, path, "its structure");
	st = file_open_unguarded(path, h, fi, fill, cause);
	nu_guard_leave(&g);
	return st;
}

/* ---- open / free ----------------------------------------------------------- */

static enum nu_status
note_skipped(struct nu_dataset *ds, const char *path, const char *why)
{
	char **a = realloc(ds->skipped, (ds->nskipped + 1) * sizeof(*a));
	char **b;

	if (a == NULL)
		return NU_ERR_NOMEM;
	ds->skipped = a;
	b = realloc(ds->skipped_why, (ds->nskipped + 1) * sizeof(*b));
	if (b == NULL)
		return NU_ERR_NOMEM;
	ds->skipped_why = b;
	a[ds->nskipped] = strdup(path);
	b[ds->nskipped] = strdup(why ? why : "unknown error");
	ds->nskipped++;
	if (a[ds->nskipped - 1] == NULL || b[ds->nskipped - 1] == NULL)
		return NU_ERR_NOMEM;
	return NU_OK;
}

static void
close_lru(struct nu_dataset *ds)
{
	size_t victim = SIZE_MAX;

	for (size_t i = 0; i < ds->nfiles; i++)
		if (ds->h[i].file >= 0 &&
		    (victim == SIZE_MAX || ds->h[i].used < ds->h[victim].used))
			victim = i;
	if (victim != SIZE_MAX) {
		handle_close(&ds->h[victim]);
		ds->nopen--;
	}
}

enum nu_status
nu_dataset_open(struct nu_dataset **out, const char *const *args, size_t nargs,
    const struct nu_open_opts *opts, char **cause)
{
	struct nu_pathlist pl = { 0 };
	struct nu_dataset *ds;
	enum nu_status st;
	bool skip_bad = opts != NULL && opts->skip_bad;

	*out = NULL;
	nu_init();
	if ((st = nu_paths_expand(args, nargs, &pl, cause)) != NU_OK)
		return st;
	if ((ds = calloc(1, sizeof(*ds))) == NULL ||
	    (ds->files = calloc(pl.n, sizeof(*ds->files))) == NULL ||
	    (ds->h = calloc(pl.n, sizeof(*ds->h))) == NULL ||
	    (ds->maps_read = calloc(pl.n, sizeof(*ds->maps_read))) == NULL) {
		nu_pathlist_free(&pl);
		nu_dataset_free(ds);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory opening files");
	}
	ds->max_open = opts != NULL && opts->max_open > 0 ? opts->max_open :
	    DEFAULT_MAX_OPEN;

	for (size_t i = 0; i < pl.n; i++) {
		struct nu_fileinfo *fi = &ds->files[ds->nfiles];
		struct handle *h = &ds->h[ds->nfiles];
		char *why = NULL;

		st = file_open_checked(pl.v[i], h, fi, true, &why);
		if (st != NU_OK) {
			if (!skip_bad || st == NU_ERR_NOMEM) {
				if (cause != NULL) {
					free(*cause);
					*cause = why;
				} else
					free(why);
				goto fail;
			}
			nu_log(NU_LOG_WARN, "skipping %s", why ? why : pl.v[i]);
			st = note_skipped(ds, pl.v[i], why);
			free(why);
			if (st != NU_OK) {
				nu_fail(cause, st, "out of memory opening files");
				goto fail;
			}
			continue;
		}
		fi->path = pl.v[i];
		pl.v[i] = NULL;
		fi->first = ds->nevents;
		ds->nevents += fi->nevents;
		h->used = ++ds->clock;
		ds->nfiles++;
		if (++ds->nopen > ds->max_open)
			close_lru(ds);
	}
	nu_pathlist_free(&pl);
	if (ds->nfiles == 0) {
		st = nu_fail(cause, NU_ERR_EMPTY,
		    "none of the %zu file%s could be read", ds->nskipped,
		    ds->nskipped == 1 ? "" : "s");
		nu_dataset_free(ds);
		return st;
	}
	*out = ds;
	return NU_OK;

fail:
	nu_pathlist_free(&pl);
	nu_dataset_free(ds);
	return st;
}

void
nu_dataset_free(struct nu_dataset *ds)
{
	if (ds == NULL)
		return;
	if (ds->h != NULL)
		for (size_t i = 0; i < ds->nfiles; i++)
			handle_close(&ds->h[i]);
	if (ds->files != NULL)
		for (size_t i = 0; i < ds->nfiles; i++)
			free(ds->files[i].path);
	for (size_t i = 0; i < ds->nskipped; i++) {
		free(ds->skipped[i]);
		free(ds->skipped_why[i]);
	}
	free(ds->skipped);
	free(ds->skipped_why);
	free(ds->files);
	free(ds->h);
	free(ds->maps_read);
	free(ds);
}

enum nu_status
nu_dataset_dup(struct nu_dataset **out, const struct nu_dataset *src, char **cause)
{
	struct nu_dataset *ds;

	*out = NULL;
	if ((ds = calloc(1, sizeof(*ds))) == NULL ||
	    (ds->files = calloc(src->nfiles, sizeof(*ds->files))) == NULL ||
	    (ds->h = calloc(src->nfiles, sizeof(*ds->h))) == NULL ||
	    (ds->maps_read = calloc(src->nfiles, sizeof(*ds->maps_read))) == NULL) {
		nu_dataset_free(ds);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory copying a dataset");
	}
	for (size_t i = 0; i < src->nfiles; i++) {
		ds->files[i] = src->files[i];
		handle_init(&ds->h[i]);
		/* counted as we go, so that a failure frees what was copied */
		ds->nfiles = i + 1;
		if ((ds->files[i].path = strdup(src->files[i].path)) == NULL) {
			nu_dataset_free(ds);
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory copying a dataset");
		}
	}
	ds->nevents = src->nevents;
	ds->max_open = src->max_open;
	*out = ds;
	return NU_OK;
}

uint64_t
nu_dataset_maps_read(const struct nu_dataset *ds, size_t file)
{
	return file < ds->nfiles ? ds->maps_read[file] : 0;
}

size_t
nu_dataset_nfiles(const struct nu_dataset *ds)
{
	return ds->nfiles;
}

const struct nu_fileinfo *
nu_dataset_file(const struct nu_dataset *ds, size_t i)
{
	return i < ds->nfiles ? &ds->files[i] : NULL;
}

uint64_t
nu_dataset_nevents(const struct nu_dataset *ds)
{
	return ds->nevents;
}

size_t
nu_dataset_nskipped(const struct nu_dataset *ds)
{
	return ds->nskipped;
}

const char *
nu_dataset_skipped(const struct nu_dataset *ds, size_t i, const char **reason)
{
	if (i >= ds->nskipped)
		return NULL;
	if (reason != NULL)
		*reason = ds->skipped_why[i];
	return ds->skipped[i];
}

bool
nu_dataset_has_column(const struct nu_dataset *ds, enum nu_column c)
{
	for (size_t i = 0; i < ds->nfiles; i++)
		if (!(ds->files[i].columns & (1u << c)))
			return false;
	return true;
}

enum nu_status
nu_dataset_locate(const struct nu_dataset *ds, uint64_t event, size_t *file,
    uint64_t *local, char **cause)
{
	size_t lo = 0, hi = ds->nfiles;

	if (event >= ds->nevents)
		return nu_fail(cause, NU_ERR_RANGE,
		    "event %llu is out of range: the dataset holds %llu events",
		    (unsigned long long)event, (unsigned long long)ds->nevents);
	/* last file whose first event is <= event */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ds->files[mid].first <= event)
			lo = mid;
		else
			hi = mid;
	}
	while (ds->files[lo].nevents == 0 ||
	    event >= ds->files[lo].first + ds->files[lo].nevents)
		lo++;
	*file = lo;
	*local = event - ds->files[lo].first;
	return NU_OK;
}

/* ---- reads --------------------------------------------------------------- */

static enum nu_status
get_handle(struct nu_dataset *ds, size_t i, struct handle **hp, char **cause)
{
	struct handle *h = &ds->h[i];

	if (h->file < 0) {
		struct nu_fileinfo dummy;
		enum nu_status st;

		if (ds->nopen >= ds->max_open)
			close_lru(ds);
		/* the file was valid at open; check again, it may have changed */
		st = file_open_checked(ds->files[i].path, h, &dummy, false, cause);
		if (st != NU_OK)
			return st;
		ds->nopen++;
	}
	h->used = ++ds->clock;
	*hp = h;
	return NU_OK;
}

static enum nu_status
read_rows(hid_t did, const char *path, const char *what, uint64_t first,
    size_t n, hid_t memtype, size_t width, void *out, char **cause)
{
	hid_t fspace, mspace;
	hsize_t start[2] = { first, 0 }, count[2] = { n, width };
	hsize_t mdims[2] = { n, width };
	herr_t rc;
	int rank;
	char msg[256];

	quiet_hdf5();
	/* a rank-1 column uses start[0] and count[0] only; the memory space
	 * has the file's rank so HDF5 can copy whole rows at once */
	fspace = H5Dget_space(did);
	rank = H5Sget_simple_extent_ndims(fspace);
	rc = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
	mspace = H5Screate_simple(rank == 1 ? 1 : 2, mdims, NULL);
	if (rc >= 0)
		rc = H5Dread(did, memtype, mspace, fspace, H5P_DEFAULT, out);
	H5Sclose(mspace);
	H5Sclose(fspace);
	if (rc < 0) {
		h5_error_text(msg, sizeof msg);
		return nu_fail(cause, NU_ERR_HDF5,
		    "%s: reading %s of events %llu-%llu failed: %s", path, what,
		    (unsigned long long)first,
		    (unsigned long long)(first + n - 1), msg);
	}
	return NU_OK;
}

/*
 * Walk the files covering [first, first+n) and call fn on each piece with
 * the file index, the local start, the count and the offset of the piece in
 * the caller's output (in events).
 */
typedef enum nu_status (*piece_fn)(struct nu_dataset *ds, size_t file,
    uint64_t local, size_t count, size_t done, void *ud, char **cause);

static enum nu_status
for_each_piece(struct nu_dataset *ds, uint64_t first, size_t n, piece_fn fn,
    void *ud, char **cause)
{
	size_t file, done = 0;
	uint64_t local;
	enum nu_status st;

	if (n == 0)
		return NU_OK;
	if (first > ds->nevents || n > ds->nevents - first)
		return nu_fail(cause, NU_ERR_RANGE,
		    "events %llu-%llu are out of range: the dataset holds %llu events",
		    (unsigned long long)first,
		    (unsigned long long)(first + n - 1),
		    (unsigned long long)ds->nevents);
	if ((st = nu_dataset_locate(ds, first, &file, &local, cause)) != NU_OK)
		return st;
	while (done < n) {
		uint64_t avail = ds->files[file].nevents - local;
		size_t count = avail < n - done ? (size_t)avail : n - done;

		if (count > 0 && (st = fn(ds, file, local, count, done, ud, cause)) != NU_OK)
			return st;
		done += count;
		file++;
		local = 0;
	}
	return NU_OK;
}

static enum nu_status
maps_piece(struct nu_dataset *ds, size_t file, uint64_t local, size_t count,
    size_t done, void *ud, char **cause)
{
	struct handle *h;
	struct nu_guard g;
	enum nu_status st;

	nu_guard_enter(&g, ds->files[file].path, "/cvnmap");
	if ((st = get_handle(ds, file, &h, cause)) == NU_OK &&
	    !(h->tiny[0] > 0 && read_tiny(h->cvnmap, h->tiny, local, count,
	    (uint8_t *)ud + done * NU_MAP_BYTES)))
		st = read_rows(h->cvnmap, ds->files[file].path, "/cvnmap", local,
		    count, H5T_NATIVE_UINT8, NU_MAP_BYTES,
		    (uint8_t *)ud + done * NU_MAP_BYTES, cause);
	nu_guard_leave(&g);
	if (st == NU_OK)
		ds->maps_read[file] += count;
	return st;
}

enum nu_status
nu_dataset_read_maps(struct nu_dataset *ds, uint64_t first, size_t n,
    uint8_t *out, char **cause)
{
	return for_each_piece(ds, first, n, maps_piece, out, cause);
}

struct colread {
	enum nu_column c;
	hid_t memtype;
	size_t size;
	char *out;
};

static enum nu_status
column_piece(struct nu_dataset *ds, size_t file, uint64_t local, size_t count,
    size_t done, void *ud, char **cause)
{
	struct colread *cr = ud;
	struct handle *h;
	struct nu_guard g;
	char what[64];
	enum nu_status st;

	if (!(ds->files[file].columns & (1u << cr->c)))
		return nu_fail(cause, NU_ERR_NOT_FOUND,
		    "%s: column /neutrino/%s is missing", ds->files[file].path,
		    column_names[cr->c]);
	snprintf(what, sizeof what, "/neutrino/%s", column_names[cr->c]);
	nu_guard_enter(&g, ds->files[file].path, what);
	if ((st = get_handle(ds, file, &h, cause)) == NU_OK)
		st = read_rows(h->col[cr->c], ds->files[file].path, what, local,
		    count, cr->memtype, 1, cr->out + done * cr->size, cause);
	nu_guard_leave(&g);
	return st;
}

enum nu_status
nu_dataset_read_column(struct nu_dataset *ds, enum nu_column c, uint64_t first,
    size_t n, enum nu_ctype type, void *out, char **cause)
{
	struct colread cr = { .c = c, .out = out };

	if ((unsigned)c >= NU_NCOLUMNS)
		return nu_fail(cause, NU_ERR_USAGE, "unknown column %d", (int)c);
	switch (type) {
	case NU_CT_U32: cr.memtype = H5T_NATIVE_UINT32; cr.size = 4; break;
	case NU_CT_I64: cr.memtype = H5T_NATIVE_INT64; cr.size = 8; break;
	case NU_CT_F32: cr.memtype = H5T_NATIVE_FLOAT; cr.size = 4; break;
	case NU_CT_F64: cr.memtype = H5T_NATIVE_DOUBLE; cr.size = 8; break;
	default:
		return nu_fail(cause, NU_ERR_USAGE, "unknown column type %d", (int)type);
	}
	return for_each_piece(ds, first, n, column_piece, &cr, cause);
}
