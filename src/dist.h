/*
 * dist.h: the processes of a distributed (MPI) run, and the few collective
 * operations the trainer needs.
 *
 * A build without MPI, or a program not started by an MPI launcher, is one
 * process of rank 0: every function below is then a cheap no-op (sums
 * leave their arguments as they are, dist_agree returns its status).  Only
 * dist.c includes <mpi.h>, so the rest of the core knows nothing of MPI.
 *
 * Every function but dist_rank, dist_size and dist_active is collective:
 * all processes call it, in the same order, with the same sizes.  One
 * thread at a time may call them (the run thread of a training run).
 */
#ifndef NU_DIST_H
#define NU_DIST_H

#include <stdbool.h>
#include <stddef.h>

#include "nu.h"

/*
 * Join the run the program was started in, if an MPI launcher started it
 * (mpirun, mpiexec, srun: its environment says so); otherwise, or in a
 * build without MPI, nothing.  Called once by main() before anything else;
 * dist_finalize is registered with atexit().
 */
void dist_init(int *argc, char ***argv);

int dist_rank(void);            /* 0 .. dist_size() - 1 */
int dist_size(void);            /* 1 when not distributed */
bool dist_active(void);         /* dist_size() > 1 */
bool dist_built(void);          /* this program was built with MPI */

/* Sum v[0..n) over the processes, in place, every process receiving the
 * same sums. */
void dist_sum_float(float *v, size_t n);
void dist_sum_double(double *v, size_t n);

/* Whether flag is set on any process. */
bool dist_any(bool flag);

/* The largest of the processes' v. */
int dist_max_int(int v);

/*
 * Agree on the outcome of a step every process took: NU_OK when st is
 * NU_OK everywhere; else, on every process, the status of the lowest rank
 * that failed, with its cause prefixed "rank R: " in *cause (replacing
 * the caller's).
 */
enum nu_status dist_agree(enum nu_status st, char **cause);

/*
 * The processes' shares of an array of n items of `size` bytes: process r
 * holds items [n*r/N, n*(r+1)/N) in buf (dist_share says which); after
 * dist_gather_shares every process holds all n.
 */
void dist_share(size_t n, size_t *first, size_t *count);
void dist_gather_shares(void *buf, size_t n, size_t size);

/* Rank 0's bytes buf[0..n) on every process. */
void dist_bcast(void *buf, size_t n);

void dist_barrier(void);

#endif
