/*
 * guard.c: the per-thread mark of the untrusted file being read (see
 * guard.h).  A thread-local pointer: reading it from a signal handler is
 * safe, because the core is linked into the program itself (its
 * thread-local storage is static, never allocated lazily).
 */
#include "config.h"

#include <stddef.h>

#include <hdf5.h>

#include "guard.h"

#define STR_(x) #x
#define STR(x) STR_(x)
const char nu_guard_hdf5_version[] =
    STR(H5_VERS_MAJOR) "." STR(H5_VERS_MINOR) "." STR(H5_VERS_RELEASE);

static _Thread_local struct nu_guard *volatile innermost;

void
nu_guard_enter(struct nu_guard *g, const char *path, const char *what)
{
	g->path = path;
	g->what = what;
	g->outer = innermost;
	/* the handler must never see a half-made mark */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	innermost = g;
}

void
nu_guard_leave(struct nu_guard *g)
{
	innermost = g->outer;
}

const struct nu_guard *
nu_guard_current(void)
{
	return innermost;
}
