/*
 * fault.c: fault injection for tests, in the manner of SQLite's: the Nth
 * call that can fail does fail.  Compiled only in a tree configured with
 * --enable-fault-injection, whose programs are linked with
 * -Wl,--wrap=NAME for every __wrap_NAME defined here (the list is read
 * from this file's object by the build, see Makefile.am), so a call to
 * NAME from nuscope's own objects lands here.  Calls the libraries make
 * among themselves are not redirected: only nuscope's own calls count.
 *
 * Kinds of call (NUSCOPE_FAULT_KIND restricts the counting to one):
 *   alloc  malloc, calloc, realloc, strdup, strndup, aligned_alloc,
 *          open_memstream (nu_asprintf and the other helpers go through
 *          these); a failure returns NULL with errno ENOMEM
 *   hdf5   every H5* function nuscope calls, except H5open (its result is
 *          ignored by HDF5's own macros) and the error-stack functions
 *          (H5E*: failing them could only turn HDF5's error printing back
 *          on); a failure returns what the function returns on error.  A
 *          failing H5*close releases the object first, as a close whose
 *          final flush fails does
 *   png    png_create_write_struct and png_create_info_struct return NULL;
 *          png_write_info, png_write_image and png_write_end fail the way
 *          a short write does, through png_error ("Write Error")
 *   cairo  the functions that make surfaces, contexts, patterns and font
 *          options return objects in an error status, as cairo does when it
 *          cannot make them; cairo_surface_write_to_png_stream returns
 *          CAIRO_STATUS_NO_MEMORY.  Cairo has no public way to make a
 *          surface in the no-memory status, so a surface fails with
 *          CAIRO_STATUS_INVALID_SIZE
 *
 *   io     the file-system calls nuscope makes itself on files and
 *          directories: open, fopen, fdopen, mkdir, rename, fsync, and
 *          write, close and fclose on regular files (a pipe's never
 *          fails that way); a failure returns the call's error value with
 *          errno ENOSPC for a write, EIO otherwise, and a failing close
 *          or fclose still releases the descriptor, as the kernel does
 *
 * The environment steers it (read once, before main):
 *   NUSCOPE_FAULT=N          the Nth counted call fails (none when unset)
 *   NUSCOPE_FAULT_PERSIST=1  and so does every counted call after it
 *   NUSCOPE_FAULT_KIND=K     count only calls of kind K (alloc, hdf5,
 *                            png, cairo; any, the default, counts all)
 *   NUSCOPE_FAULT_COUNT=1    at exit, print to stderr one line:
 *     "nuscope: fault injection: C calls counted[, fault at call N (NAME)]"
 *   NUSCOPE_FAULT_LEAK=1     leak one block on purpose, so that a test can
 *                            see that its leak detection works
 *   NUSCOPE_FAULT_ONLY=NAME  count only calls of the function NAME
 *   NUSCOPE_FAULT_CRASH=W    the Nth call crashes instead of failing, with
 *                            a segmentation fault in the C library's
 *                            memcpy (W = lib: as a damaged file makes
 *                            libhdf5 crash) or in nuscope's own code
 *                            (W = own: as a bug of ours), for the tests
 *                            of the crash guard (cli/crash.c)
 * With none of them set the program behaves and prints as a normal build.
 *
 * This file is test machinery, not core: it prints (the count, a bad
 * setting) and exits on a bad setting, which the core never does.
 */
#include "config.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <png.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum fault_kind { FAULT_ALLOC, FAULT_HDF5, FAULT_PNG, FAULT_CAIRO, FAULT_IO, FAULT_ANY };

static const char *const kind_names[] = { "alloc", "hdf5", "png", "cairo", "io", "any" };

static enum fault_kind only = FAULT_ANY;
static unsigned long fail_at;           /* 0: never fail */
static bool persist, report;
static enum { CRASH_NONE, CRASH_LIB, CRASH_OWN } crash;
static const char *only_name;           /* NUSCOPE_FAULT_ONLY */
static atomic_ulong calls;
static atomic_ulong fired_at;           /* the call that failed first */
static const char *_Atomic fired_name;

static void fault_report(void);
void *__real_malloc(size_t n);
ssize_t __real_write(int fd, const void *buf, size_t n);

static void __attribute__((noreturn))
bad_setting(const char *var, const char *val, const char *want)
{
	char msg[512];
	int n = snprintf(msg, sizeof msg, "nuscope: %s='%s': expected %s\n", var, val, want);

	if (n > 0)
		(void)!__real_write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	_exit(2);
}

static bool
flag(const char *var)
{
	const char *v = getenv(var);

	if (v == NULL || strcmp(v, "0") == 0 || *v == '\0')
		return false;
	if (strcmp(v, "1") != 0)
		bad_setting(var, v, "0 or 1");
	return true;
}

static void __attribute__((constructor))
fault_setup(void)
{
	const char *v = getenv("NUSCOPE_FAULT");

	if (v != NULL && *v != '\0') {
		char *end;

		errno = 0;
		fail_at = strtoul(v, &end, 10);
		if (errno != 0 || *end != '\0' || fail_at == 0 || *v == '-' || *v == '+')
			bad_setting("NUSCOPE_FAULT", v, "a whole number from 1");
	}
	if ((v = getenv("NUSCOPE_FAULT_KIND")) != NULL && *v != '\0') {
		int k;

		for (k = 0; k <= FAULT_ANY; k++)
			if (strcmp(v, kind_names[k]) == 0)
				break;
		if (k > FAULT_ANY)
			bad_setting("NUSCOPE_FAULT_KIND", v, "alloc, hdf5, png, cairo, io or any");
		only = (enum fault_kind)k;
	}
	if ((v = getenv("NUSCOPE_FAULT_ONLY")) != NULL && *v != '\0')
		only_name = v;
	if ((v = getenv("NUSCOPE_FAULT_CRASH")) != NULL && *v != '\0') {
		if (strcmp(v, "lib") == 0)
			crash = CRASH_LIB;
		else if (strcmp(v, "own") == 0)
			crash = CRASH_OWN;
		else
			bad_setting("NUSCOPE_FAULT_CRASH", v, "lib or own");
	}
	persist = flag("NUSCOPE_FAULT_PERSIST");
	report = flag("NUSCOPE_FAULT_COUNT");
	if (report)
		atexit(fault_report);
	if (flag("NUSCOPE_FAULT_LEAK"))
		(void)__real_malloc(64);
}

/* NUSCOPE_FAULT_CRASH: fault on a page that cannot be read, in the C
 * library (memcpy through a pointer the compiler cannot inline) or here. */
static void
crash_now(void)
{
	void *(*volatile copy)(void *, const void *, size_t) = memcpy;
	char buf[64];
	void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED)
		abort();
	if (crash == CRASH_LIB)
		copy(buf, page, sizeof buf);
	else
		*(volatile char *)page = 1;
	abort();        /* not reached */
}

/* Count a call of kind k to name; true when it is to fail. */
static bool
fault_hit(enum fault_kind k, const char *name)
{
	unsigned long n, zero = 0;

	if ((only != FAULT_ANY && k != only) ||
	    (only_name != NULL && strcmp(name, only_name) != 0))
		return false;
	n = atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed) + 1;
	if (fail_at == 0 || n < fail_at || (n > fail_at && !persist))
		return false;
	if (atomic_compare_exchange_strong(&fired_at, &zero, n))
		atomic_store(&fired_name, name);
	if (crash != CRASH_NONE)
		crash_now();
	return true;
}

/* At exit: how many calls were counted, and which one failed.  Written with
 * write(2) from a stack buffer: nothing here may allocate. */
static void
fault_report(void)
{
	char msg[256];
	unsigned long at = atomic_load(&fired_at);
	const char *name = atomic_load(&fired_name);
	int n;

	if (at != 0)
		n = snprintf(msg, sizeof msg,
		    "nuscope: fault injection: %lu calls counted, fault at call %lu (%s)\n",
		    atomic_load(&calls), at, name != NULL ? name : "?");
	else
		n = snprintf(msg, sizeof msg, "nuscope: fault injection: %lu calls counted\n",
		    atomic_load(&calls));
	if (n > 0)
		(void)!__real_write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

/*
 * FAULT_WRAP(kind, type, error value, name, (parameters), (arguments)):
 * __wrap_name counts the call and either fails it with the error value or
 * passes it on to the real name.  The static assertion keeps the wrapper's
 * prototype the library's.
 */
#define FAULT_WRAP(kind, type, err, name, params, args)                       \
	type __real_##name params;                                            \
	type __wrap_##name params;                                            \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&name),        \
	    __typeof__(&__wrap_##name)), #name ": wrapper prototype differs"); \
	type __wrap_##name params                                             \
	{                                                                     \
		if (fault_hit(kind, #name))                                   \
			return err;                                           \
		return __real_##name args;                                    \
	}

/* the allocation failing returns NULL with errno set, as glibc's do */
#define ALLOC_WRAP(type, name, params, args)                                  \
	type __real_##name params;                                            \
	type __wrap_##name params;                                            \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&name),        \
	    __typeof__(&__wrap_##name)), #name ": wrapper prototype differs"); \
	type __wrap_##name params                                             \
	{                                                                     \
		if (fault_hit(FAULT_ALLOC, #name)) {                          \
			errno = ENOMEM;                                       \
			return NULL;                                          \
		}                                                             \
		return __real_##name args;                                    \
	}

/* a failing close still releases the object, then reports the failure */
#define CLOSE_WRAP(name)                                                      \
	herr_t __real_##name(hid_t id);                                       \
	herr_t __wrap_##name(hid_t id);                                       \
	herr_t __wrap_##name(hid_t id)                                        \
	{                                                                     \
		herr_t r = __real_##name(id);                                 \
                                                                              \
		return fault_hit(FAULT_HDF5, #name) ? -1 : r;                 \
	}

/* ---- allocation -------------------------------------------------------- */

ALLOC_WRAP(void *, malloc, (size_t n), (n))
ALLOC_WRAP(void *, calloc, (size_t m, size_t n), (m, n))
ALLOC_WRAP(void *, realloc, (void *p, size_t n), (p, n))
ALLOC_WRAP(void *, aligned_alloc, (size_t a, size_t n), (a, n))
ALLOC_WRAP(char *, strdup, (const char *s), (s))
ALLOC_WRAP(char *, strndup, (const char *s, size_t n), (s, n))
ALLOC_WRAP(FILE *, open_memstream, (char **p, size_t *n), (p, n))

/* ---- HDF5 -------------------------------------------------------------- */

#define H5HID(name, params, args) FAULT_WRAP(FAULT_HDF5, hid_t, H5I_INVALID_HID, name, params, args)
#define H5ERR(name, params, args) FAULT_WRAP(FAULT_HDF5, herr_t, -1, name, params, args)
#define H5TRI(name, params, args) FAULT_WRAP(FAULT_HDF5, htri_t, -1, name, params, args)
#define H5INT(name, params, args) FAULT_WRAP(FAULT_HDF5, int, -1, name, params, args)

CLOSE_WRAP(H5Aclose)
CLOSE_WRAP(H5Dclose)
CLOSE_WRAP(H5Fclose)
CLOSE_WRAP(H5Gclose)
CLOSE_WRAP(H5Pclose)
CLOSE_WRAP(H5Sclose)
CLOSE_WRAP(H5Tclose)

H5HID(H5Acreate2, (hid_t loc, const char *name, hid_t type, hid_t space, hid_t acpl,
    hid_t aapl), (loc, name, type, space, acpl, aapl))
H5TRI(H5Aexists, (hid_t obj, const char *name), (obj, name))
H5HID(H5Aget_space, (hid_t attr), (attr))
H5HID(H5Aget_type, (hid_t attr), (attr))
H5HID(H5Aopen, (hid_t obj, const char *name, hid_t aapl), (obj, name, aapl))
H5ERR(H5Aread, (hid_t attr, hid_t type, void *buf), (attr, type, buf))
H5ERR(H5Awrite, (hid_t attr, hid_t type, const void *buf), (attr, type, buf))

H5HID(H5Dcreate2, (hid_t loc, const char *name, hid_t type, hid_t space, hid_t lcpl,
    hid_t dcpl, hid_t dapl), (loc, name, type, space, lcpl, dcpl, dapl))
H5ERR(H5Dget_chunk_info_by_coord, (hid_t dset, const hsize_t *offset, unsigned *mask,
    haddr_t *addr, hsize_t *size), (dset, offset, mask, addr, size))
H5HID(H5Dget_create_plist, (hid_t dset), (dset))
H5ERR(H5Dget_num_chunks, (hid_t dset, hid_t fspace, hsize_t *n), (dset, fspace, n))
FAULT_WRAP(FAULT_HDF5, haddr_t, HADDR_UNDEF, H5Dget_offset, (hid_t dset), (dset))
H5HID(H5Dget_space, (hid_t dset), (dset))
H5ERR(H5Dget_space_status, (hid_t dset, H5D_space_status_t *status), (dset, status))
FAULT_WRAP(FAULT_HDF5, hsize_t, 0, H5Dget_storage_size, (hid_t dset), (dset))
H5HID(H5Dget_type, (hid_t dset), (dset))
H5HID(H5Dopen2, (hid_t loc, const char *name, hid_t dapl), (loc, name, dapl))
H5ERR(H5Dread, (hid_t dset, hid_t mtype, hid_t mspace, hid_t fspace, hid_t dxpl, void *buf),
    (dset, mtype, mspace, fspace, dxpl, buf))
H5ERR(H5Dread_chunk, (hid_t dset, hid_t dxpl, const hsize_t *offset, uint32_t *filters,
    void *buf), (dset, dxpl, offset, filters, buf))
H5ERR(H5Dwrite, (hid_t dset, hid_t mtype, hid_t mspace, hid_t fspace, hid_t dxpl,
    const void *buf), (dset, mtype, mspace, fspace, dxpl, buf))
H5ERR(H5Dwrite_chunk, (hid_t dset, hid_t dxpl, uint32_t filters, const hsize_t *offset,
    size_t size, const void *buf), (dset, dxpl, filters, offset, size, buf))

H5HID(H5Fcreate, (const char *name, unsigned flags, hid_t fcpl, hid_t fapl),
    (name, flags, fcpl, fapl))
H5ERR(H5Fflush, (hid_t obj, H5F_scope_t scope), (obj, scope))
FAULT_WRAP(FAULT_HDF5, ssize_t, -1, H5Fget_file_image, (hid_t file, void *buf, size_t len),
    (file, buf, len))
H5TRI(H5Fis_hdf5, (const char *name), (name))
H5HID(H5Fopen, (const char *name, unsigned flags, hid_t fapl), (name, flags, fapl))

H5HID(H5Gcreate2, (hid_t loc, const char *name, hid_t lcpl, hid_t gcpl, hid_t gapl),
    (loc, name, lcpl, gcpl, gapl))
H5HID(H5Gopen2, (hid_t loc, const char *name, hid_t gapl), (loc, name, gapl))

H5TRI(H5Lexists, (hid_t loc, const char *name, hid_t lapl), (loc, name, lapl))
H5ERR(H5Lget_info, (hid_t loc, const char *name, H5L_info_t *info, hid_t lapl),
    (loc, name, info, lapl))
H5ERR(H5Oget_info_by_name, (hid_t loc, const char *name, H5O_info_t *info, hid_t lapl),
    (loc, name, info, lapl))

H5HID(H5Pcreate, (hid_t cls), (cls))
H5INT(H5Pget_chunk, (hid_t plist, int max, hsize_t dim[]), (plist, max, dim))
H5INT(H5Pget_external_count, (hid_t plist), (plist))
FAULT_WRAP(FAULT_HDF5, H5Z_filter_t, H5Z_FILTER_ERROR, H5Pget_filter2,
    (hid_t plist, unsigned idx, unsigned *flags, size_t *nelmts, unsigned values[],
    size_t namelen, char name[], unsigned *config),
    (plist, idx, flags, nelmts, values, namelen, name, config))
FAULT_WRAP(FAULT_HDF5, H5D_layout_t, H5D_LAYOUT_ERROR, H5Pget_layout, (hid_t plist), (plist))
H5INT(H5Pget_nfilters, (hid_t plist), (plist))
H5ERR(H5Pset_chunk, (hid_t plist, int ndims, const hsize_t dim[]), (plist, ndims, dim))
H5ERR(H5Pset_chunk_cache, (hid_t dapl, size_t nslots, size_t nbytes, double w0),
    (dapl, nslots, nbytes, w0))
H5ERR(H5Pset_create_intermediate_group, (hid_t plist, unsigned on), (plist, on))
H5ERR(H5Pset_deflate, (hid_t plist, unsigned level), (plist, level))
H5ERR(H5Pset_fapl_core, (hid_t fapl, size_t increment, hbool_t backing),
    (fapl, increment, backing))
H5ERR(H5Pset_file_image, (hid_t fapl, void *buf, size_t len), (fapl, buf, len))
H5ERR(H5Pset_fill_time, (hid_t plist, H5D_fill_time_t when), (plist, when))
H5ERR(H5Pset_obj_track_times, (hid_t plist, hbool_t on), (plist, on))

H5HID(H5Screate, (H5S_class_t type), (type))
H5HID(H5Screate_simple, (int rank, const hsize_t dims[], const hsize_t maxdims[]),
    (rank, dims, maxdims))
H5INT(H5Sget_simple_extent_dims, (hid_t space, hsize_t dims[], hsize_t maxdims[]),
    (space, dims, maxdims))
H5INT(H5Sget_simple_extent_ndims, (hid_t space), (space))
FAULT_WRAP(FAULT_HDF5, hssize_t, -1, H5Sget_simple_extent_npoints, (hid_t space), (space))
H5ERR(H5Sselect_hyperslab, (hid_t space, H5S_seloper_t op, const hsize_t start[],
    const hsize_t stride[], const hsize_t count[], const hsize_t block[]),
    (space, op, start, stride, count, block))

H5HID(H5Tcopy, (hid_t type), (type))
FAULT_WRAP(FAULT_HDF5, H5T_class_t, H5T_NO_CLASS, H5Tget_class, (hid_t type), (type))
FAULT_WRAP(FAULT_HDF5, H5T_cset_t, H5T_CSET_ERROR, H5Tget_cset, (hid_t type), (type))
FAULT_WRAP(FAULT_HDF5, herr_t, -1, H5Tset_cset, (hid_t type, H5T_cset_t cset), (type, cset))

/* a failing free still frees (as a failing close releases), then reports */
herr_t __real_H5free_memory(void *mem);
herr_t __wrap_H5free_memory(void *mem);
_Static_assert(__builtin_types_compatible_p(__typeof__(&H5free_memory),
    __typeof__(&__wrap_H5free_memory)), "H5free_memory: wrapper prototype differs");
herr_t
__wrap_H5free_memory(void *mem)
{
	herr_t rc = __real_H5free_memory(mem);

	return fault_hit(FAULT_HDF5, "H5free_memory") ? -1 : rc;
}
FAULT_WRAP(FAULT_HDF5, H5T_sign_t, H5T_SGN_ERROR, H5Tget_sign, (hid_t type), (type))
FAULT_WRAP(FAULT_HDF5, size_t, 0, H5Tget_size, (hid_t type), (type))
H5TRI(H5Tis_variable_str, (hid_t type), (type))
H5ERR(H5Tset_size, (hid_t type, size_t size), (type, size))
H5ERR(H5Tset_strpad, (hid_t type, H5T_str_t pad), (type, pad))

H5ERR(H5set_free_list_limits, (int reg_global, int reg_list, int arr_global, int arr_list,
    int blk_global, int blk_list), (reg_global, reg_list, arr_global, arr_list, blk_global,
    blk_list))

/* ---- libpng ------------------------------------------------------------- */

FAULT_WRAP(FAULT_PNG, png_structp, NULL, png_create_write_struct,
    (png_const_charp ver, png_voidp err_ptr, png_error_ptr err_fn, png_error_ptr warn_fn),
    (ver, err_ptr, err_fn, warn_fn))
FAULT_WRAP(FAULT_PNG, png_infop, NULL, png_create_info_struct, (png_const_structrp png),
    (png))

/* a write that fails goes through the caller's error handler, which does
 * not return, exactly as libpng's own short-write error does */
#define PNG_WRITE_WRAP(name, params, args)                                    \
	void __real_##name params;                                            \
	void __wrap_##name params;                                            \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&name),        \
	    __typeof__(&__wrap_##name)), #name ": wrapper prototype differs"); \
	void __wrap_##name params                                             \
	{                                                                     \
		if (fault_hit(FAULT_PNG, #name))                              \
			png_error(png, "Write Error");                        \
		__real_##name args;                                           \
	}

PNG_WRITE_WRAP(png_write_info, (png_structrp png, png_const_inforp info), (png, info))
PNG_WRITE_WRAP(png_write_image, (png_structrp png, png_bytepp rows), (png, rows))
PNG_WRITE_WRAP(png_write_end, (png_structrp png, png_inforp info), (png, info))

/* ---- cairo -------------------------------------------------------------- */

cairo_surface_t *__real_cairo_image_surface_create(cairo_format_t, int, int);
cairo_t *__real_cairo_create(cairo_surface_t *);
cairo_font_options_t *__real_cairo_font_options_create(void);

/* A surface in an error status: cairo's own answer to a size it cannot
 * make (a nil surface; destroying it does nothing). */
static cairo_surface_t *
error_surface(void)
{
	return __real_cairo_image_surface_create(CAIRO_FORMAT_RGB24, -1, -1);
}

/* Font options in cairo's no-memory status: copying NULL returns them. */
static cairo_font_options_t *
error_font_options(void)
{
	return cairo_font_options_copy(NULL);
}

/* A context in the no-memory status, drawing on target: font options in
 * that status put it there, as any failing call inside cairo does. */
static cairo_t *
error_context(cairo_surface_t *target)
{
	cairo_t *cr = __real_cairo_create(target);

	cairo_set_font_options(cr, error_font_options());
	return cr;
}

cairo_surface_t *__wrap_cairo_image_surface_create(cairo_format_t fmt, int w, int h);
cairo_surface_t *
__wrap_cairo_image_surface_create(cairo_format_t fmt, int w, int h)
{
	if (fault_hit(FAULT_CAIRO, "cairo_image_surface_create"))
		return error_surface();
	return __real_cairo_image_surface_create(fmt, w, h);
}

#define CAIRO_STREAM_WRAP(name)                                               \
	cairo_surface_t *__real_##name(cairo_write_func_t, void *, double, double); \
	cairo_surface_t *__wrap_##name(cairo_write_func_t, void *, double, double); \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&name),        \
	    __typeof__(&__wrap_##name)), #name ": wrapper prototype differs"); \
	cairo_surface_t *                                                     \
	__wrap_##name(cairo_write_func_t fn, void *closure, double w, double h) \
	{                                                                     \
		if (fault_hit(FAULT_CAIRO, #name))                            \
			return error_surface();                               \
		return __real_##name(fn, closure, w, h);                      \
	}

CAIRO_STREAM_WRAP(cairo_svg_surface_create_for_stream)
CAIRO_STREAM_WRAP(cairo_pdf_surface_create_for_stream)

cairo_t *__wrap_cairo_create(cairo_surface_t *target);
cairo_t *
__wrap_cairo_create(cairo_surface_t *target)
{
	if (fault_hit(FAULT_CAIRO, "cairo_create"))
		return error_context(target);
	return __real_cairo_create(target);
}

cairo_font_options_t *__wrap_cairo_font_options_create(void);
cairo_font_options_t *
__wrap_cairo_font_options_create(void)
{
	if (fault_hit(FAULT_CAIRO, "cairo_font_options_create"))
		return error_font_options();
	return __real_cairo_font_options_create();
}

cairo_pattern_t *__real_cairo_pattern_create_linear(double, double, double, double);
cairo_pattern_t *__wrap_cairo_pattern_create_linear(double x0, double y0, double x1,
    double y1);
cairo_pattern_t *
__wrap_cairo_pattern_create_linear(double x0, double y0, double x1, double y1)
{
	cairo_surface_t *sf;
	cairo_t *cr;
	cairo_pattern_t *pat;

	if (!fault_hit(FAULT_CAIRO, "cairo_pattern_create_linear"))
		return __real_cairo_pattern_create_linear(x0, y0, x1, y1);
	/* a context in an error status hands out patterns in that status */
	sf = __real_cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cr = error_context(sf);
	pat = cairo_pop_group(cr);
	cairo_destroy(cr);
	cairo_surface_destroy(sf);
	return pat;
}

FAULT_WRAP(FAULT_CAIRO, cairo_status_t, CAIRO_STATUS_NO_MEMORY,
    cairo_surface_write_to_png_stream,
    (cairo_surface_t *sf, cairo_write_func_t fn, void *closure), (sf, fn, closure))

_Static_assert(__builtin_types_compatible_p(__typeof__(&cairo_image_surface_create),
    __typeof__(&__wrap_cairo_image_surface_create)), "cairo_image_surface_create");
_Static_assert(__builtin_types_compatible_p(__typeof__(&cairo_create),
    __typeof__(&__wrap_cairo_create)), "cairo_create");
_Static_assert(__builtin_types_compatible_p(__typeof__(&cairo_font_options_create),
    __typeof__(&__wrap_cairo_font_options_create)), "cairo_font_options_create");
_Static_assert(__builtin_types_compatible_p(__typeof__(&cairo_pattern_create_linear),
    __typeof__(&__wrap_cairo_pattern_create_linear)), "cairo_pattern_create_linear");

/* ---- the file system ------------------------------------------------------ */

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_close(int fd);
int __wrap_close(int fd);
int __real_fsync(int fd);
int __wrap_fsync(int fd);
int __real_rename(const char *from, const char *to);
int __wrap_rename(const char *from, const char *to);
int __real_mkdir(const char *path, mode_t mode);
int __wrap_mkdir(const char *path, mode_t mode);
FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__real_fdopen(int fd, const char *mode);
FILE *__wrap_fdopen(int fd, const char *mode);
int __real_fclose(FILE *f);
int __wrap_fclose(FILE *f);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

/* Whether fd is a regular file: the only kind whose writes and closes
 * fail for lack of room or a bad disk. */
static bool
regular(int fd)
{
	struct stat sb;

	return fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool
io_fails(const char *name, int err)
{
	if (!fault_hit(FAULT_IO, name))
		return false;
	errno = err;
	return true;
}

int
__wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (io_fails("open", EIO))
		return -1;
	return __real_open(path, flags, mode);
}

ssize_t
__wrap_write(int fd, const void *buf, size_t n)
{
	if (regular(fd) && io_fails("write", ENOSPC))
		return -1;
	return __real_write(fd, buf, n);
}

int
__wrap_close(int fd)
{
	if (regular(fd) && fault_hit(FAULT_IO, "close")) {
		__real_close(fd);
		errno = EIO;
		return -1;
	}
	return __real_close(fd);
}

int
__wrap_fclose(FILE *f)
{
	if (f != NULL && regular(fileno(f)) && fault_hit(FAULT_IO, "fclose")) {
		__real_fclose(f);
		errno = EIO;
		return EOF;
	}
	return __real_fclose(f);
}

int
__wrap_fsync(int fd)
{
	return io_fails("fsync", EIO) ? -1 : __real_fsync(fd);
}

int
__wrap_rename(const char *from, const char *to)
{
	return io_fails("rename", EIO) ? -1 : __real_rename(from, to);
}

int
__wrap_mkdir(const char *path, mode_t mode)
{
	return io_fails("mkdir", EIO) ? -1 : __real_mkdir(path, mode);
}

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	return io_fails("fopen", EIO) ? NULL : __real_fopen(path, mode);
}

FILE *
__wrap_fdopen(int fd, const char *mode)
{
	return io_fails("fdopen", EIO) ? NULL : __real_fdopen(fd, mode);
}

_Static_assert(__builtin_types_compatible_p(__typeof__(&write),
    __typeof__(&__wrap_write)), "write");
_Static_assert(__builtin_types_compatible_p(__typeof__(&close),
    __typeof__(&__wrap_close)), "close");
_Static_assert(__builtin_types_compatible_p(__typeof__(&fclose),
    __typeof__(&__wrap_fclose)), "fclose");
_Static_assert(__builtin_types_compatible_p(__typeof__(&fsync),
    __typeof__(&__wrap_fsync)), "fsync");
_Static_assert(__builtin_types_compatible_p(__typeof__(&rename),
    __typeof__(&__wrap_rename)), "rename");
_Static_assert(__builtin_types_compatible_p(__typeof__(&mkdir),
    __typeof__(&__wrap_mkdir)), "mkdir");
_Static_assert(__builtin_types_compatible_p(__typeof__(&fopen),
    __typeof__(&__wrap_fopen)), "fopen");
_Static_assert(__builtin_types_compatible_p(__typeof__(&fdopen),
    __typeof__(&__wrap_fdopen)), "fdopen");
