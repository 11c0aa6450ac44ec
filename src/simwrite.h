/*
 * simwrite.h: writing simulated events to files in the layout of
 * nuscope-data(5), with the simulator of sim.h.
 */
#ifndef NU_SIMWRITE_H
#define NU_SIMWRITE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

struct nu_sim_write_opts {
	/* A directory (created if missing) to hold neutrino1.h5 ...
	 * neutrinoK.h5, or a path ending in ".h5" for one file. */
	const char *out;
	uint64_t nevents;                 /* >= 1 */
	unsigned nfiles;                  /* 0 = ceil(nevents / 7001); 1 for a .h5 path */
	int jobs;                         /* worker threads, 1..NU_SIM_JOBS_MAX */
	/* NULL, or a flag (a signal handler may set it) that, once
	 * non-zero, ends the run at the next chunk with NU_ERR_CANCELLED:
	 * complete files stay, the one being written is removed. */
	const volatile sig_atomic_t *stop;
};

/* True when path names a single output file (ends in ".h5"). */
bool nu_sim_out_is_file(const char *path);

/*
 * Generate o->nevents events and write them in the layout of
 * nuscope-data(5): /cvnmap (N, 16000) uint8, chunked and gzip-compressed,
 * and the 16 /neutrino columns as (N, 1) datasets of the real types.
 * Events are spread evenly over the files, event i of the run in file
 * order.  Each file is written through nu.h's writer (a temporary in its
 * directory, synced and renamed into place when complete).  Progress is
 * logged at NU_LOG_INFO.
 * Calls HDF5 from the calling thread only; call nu_init() first.
 */
enum nu_status nu_sim_write(const struct nu_sim *sim,
    const struct nu_sim_write_opts *o, char **cause);

#endif
