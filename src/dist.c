/*
 * dist.c: the processes of an MPI run (see dist.h).  Without HAVE_MPI, or
 * in a program no launcher started, one process: rank 0 of 1.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_MPI
#include <mpi.h>
#endif

#include "dist.h"

static int rank, size = 1;

#ifdef HAVE_MPI
static bool joined;

static void
dist_finalize(void)
{
	int done = 0;

	MPI_Finalized(&done);
	if (!done)
		MPI_Finalize();
}

/* Whether a launcher started us: Open MPI's mpirun, PMI (MPICH, Slurm's
 * srun --mpi=pmi2) or PMIx (srun --mpi=pmix, Open MPI 5).  A program run
 * on its own does not pay for MPI's start-up, nor depend on it working. */
static bool
launched(void)
{
	static const char *const vars[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
	    "PMIX_RANK" };

	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if (getenv(vars[i]) != NULL)
			return true;
	return false;
}

void
dist_init(int *argc, char ***argv)
{
	int provided = 0;

	if (joined || !launched())
		return;
	/* MPI is called from the training run's thread, not main's, one
	 * thread at a time */
	if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
		return;
	joined = true;
	atexit(dist_finalize);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (provided < MPI_THREAD_SERIALIZED && size > 1)
		MPI_Abort(MPI_COMM_WORLD, 1);   /* cannot happen with Open MPI */
}

bool
dist_built(void)
{
	return true;
}

/* MPI counts are ints: large arrays go in pieces. */
#define CHUNK ((size_t)1 << 28)

void
dist_sum_float(float *v, size_t n)
{
	for (size_t at = 0; size > 1 && at < n; at += CHUNK)
		MPI_Allreduce(MPI_IN_PLACE, v + at, (int)(n - at < CHUNK ? n - at : CHUNK),
		    MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

void
dist_sum_double(double *v, size_t n)
{
	for (size_t at = 0; size > 1 && at < n; at += CHUNK)
		MPI_Allreduce(MPI_IN_PLACE, v + at, (int)(n - at < CHUNK ? n - at : CHUNK),
		    MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

bool
dist_any(bool flag)
{
	int v = flag;

	if (size > 1)
		MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD);
	return v != 0;
}

int
dist_max_int(int v)
{
	if (size > 1)
		MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return v;
}

enum nu_status
dist_agree(enum nu_status st, char **cause)
{
	int first = st != NU_OK ? rank : size, msg[2];
	char *text = NULL;

	if (size == 1)
		return st;
	MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	if (first == size)
		return NU_OK;
	/* the failed rank's status and cause, on every rank */
	if (rank == first) {
		const char *c = cause != NULL && *cause != NULL ? *cause : nu_strerror(st);
		size_t len = strlen(c);

		msg[0] = (int)st;
		msg[1] = len > INT_MAX - 1 ? INT_MAX - 1 : (int)len;
		text = nu_asprintf("%.*s", msg[1], c);
		if (text == NULL)
			msg[1] = 0;
	}
	MPI_Bcast(msg, 2, MPI_INT, first, MPI_COMM_WORLD);
	if (rank != first && (text = malloc((size_t)msg[1] + 1)) != NULL)
		text[msg[1]] = '\0';
	if (text != NULL)
		MPI_Bcast(text, msg[1], MPI_CHAR, first, MPI_COMM_WORLD);
	else {
		/* the others still take part in the broadcast */
		char *scratch = malloc((size_t)msg[1] + 1);

		MPI_Bcast(scratch, msg[1], MPI_CHAR, first, MPI_COMM_WORLD);
		free(scratch);
	}
	st = (enum nu_status)msg[0];
	if (cause != NULL) {
		free(*cause);
		*cause = text != NULL ? nu_asprintf("rank %d: %s", first, text) : NULL;
	}
	free(text);
	return st;
}

void
dist_gather_shares(void *buf, size_t n, size_t itemsize)
{
	int *count, *displ;

	if (size == 1)
		return;
	count = malloc(2 * (size_t)size * sizeof(int));
	if (count == NULL)
		MPI_Abort(MPI_COMM_WORLD, 1);   /* the others wait in the gather */
	displ = count + size;
	for (int r = 0; r < size; r++) {
		size_t a = n * (size_t)r / (size_t)size, e = n * (size_t)(r + 1) / (size_t)size;

		displ[r] = (int)(a * itemsize);
		count[r] = (int)((e - a) * itemsize);
	}
	MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, count, displ, MPI_BYTE,
	    MPI_COMM_WORLD);
	free(count);
}

void
dist_bcast(void *buf, size_t n)
{
	if (size > 1)
		MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
}

void
dist_barrier(void)
{
	if (size > 1)
		MPI_Barrier(MPI_COMM_WORLD);
}

#else   /* one process */

void
dist_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
}

bool
dist_built(void)
{
	return false;
}

void
dist_sum_float(float *v, size_t n)
{
	(void)v;
	(void)n;
}

void
dist_sum_double(double *v, size_t n)
{
	(void)v;
	(void)n;
}

bool
dist_any(bool flag)
{
	return flag;
}

int
dist_max_int(int v)
{
	return v;
}

enum nu_status
dist_agree(enum nu_status st, char **cause)
{
	(void)cause;
	return st;
}

void
dist_gather_shares(void *buf, size_t n, size_t itemsize)
{
	(void)buf;
	(void)n;
	(void)itemsize;
}

void
dist_bcast(void *buf, size_t n)
{
	(void)buf;
	(void)n;
}

void
dist_barrier(void)
{
}

#endif

int
dist_rank(void)
{
	return rank;
}

int
dist_size(void)
{
	return size;
}

bool
dist_active(void)
{
	return size > 1;
}

void
dist_share(size_t n, size_t *first, size_t *count)
{
	size_t a = n * (size_t)rank / (size_t)size, e = n * (size_t)(rank + 1) / (size_t)size;

	*first = a;
	*count = e - a;
}
