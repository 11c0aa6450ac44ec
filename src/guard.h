/*
 * guard.h: which untrusted file this thread is reading, for the crash
 * guard of the front ends.
 *
 * Debian's libhdf5 (1.10) does not check every structure of a file: some
 * damaged files make it read or write past its own buffers and die with a
 * segmentation fault, inside the library, however carefully nuscope
 * calls it (our fuzzers found dozens).  nuscope cannot mend that, but it
 * can say which file did it instead of dying silently.  The core marks the
 * spans where a thread reads a file it did not write (opening and reading
 * a data file, loading a model) with nu_guard_enter/nu_guard_leave; a
 * front end's fatal-signal handler asks nu_guard_current which file that
 * was (see cli/crash.c).  Marks nest; each thread has its own.
 */
#ifndef NU_GUARD_H
#define NU_GUARD_H

struct nu_guard {
	const char *path;       /* the file (borrowed: alive until leave) */
	const char *what;       /* what of it is read: "the model", "/cvnmap" */
	struct nu_guard *outer;
};

/* The HDF5 library's version nuscope was built with, "1.10.8". */
extern const char nu_guard_hdf5_version[];

/* Mark g (caller's storage, usually on the stack) as the innermost span. */
void nu_guard_enter(struct nu_guard *g, const char *path, const char *what);
/* End the innermost span, which must be g. */
void nu_guard_leave(struct nu_guard *g);
/* The innermost span of the calling thread, or NULL.  Async-signal-safe. */
const struct nu_guard *nu_guard_current(void);

#endif
