/* test-dist.c: src/dist.c as one process, which is every program not
 * started by an MPI launcher (and every build without MPI): rank 0 of 1,
 * sums and gathers that leave their data alone, an agreement that returns
 * the caller's own status and cause.  With --launched, started by
 * cli-mpi.test under mpirun, the collectives over several processes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "testhelp.h"

/* Under a launcher: every process checks the collectives' results. */
static int
launched(int argc, char **argv)
{
	int r, N;
	float f[2];
	size_t first, count;
	uint64_t ev[10];
	char *cause = NULL;
	enum nu_status st;

	dist_init(&argc, &argv);
	r = dist_rank();
	N = dist_size();
	CHECK(N > 1, "started by a launcher: %d processes", N);
	CHECK_EQ_INT(dist_max_int(10 * r + 3), 10 * (N - 1) + 3, "the largest of the processes'");
	f[0] = (float)r;
	f[1] = 1.0f;
	dist_sum_float(f, 2);
	CHECK(f[0] == (float)(N * (N - 1) / 2) && f[1] == (float)N, "float sums");
	CHECK(dist_any(r == N - 1) && !dist_any(false), "any: set on the last process only");
	dist_share(10, &first, &count);
	for (size_t i = 0; i < 10; i++)
		ev[i] = i >= first && i < first + count ? 100 + i : 0;
	dist_gather_shares(ev, 10, sizeof ev[0]);
	CHECK(ev[0] == 100 && ev[9] == 109 && ev[5] == 105, "the shares gathered on every process");
	st = NU_OK;
	if (r == 1) {
		cause = strdup("f.h5: cannot open");
		st = NU_ERR_IO;
	}
	st = dist_agree(st, &cause);
	CHECK_EQ_INT(st, NU_ERR_IO, "a failure of rank 1 is every process's");
	CHECK(cause != NULL && strcmp(cause, "rank 1: f.h5: cannot open") == 0,
	    "with its cause and rank: '%s'", cause ? cause : "(null)");
	free(cause);
	TEST_DONE();
}

int
main(int argc, char **argv)
{
	float f[3] = { 1.5f, -2.0f, 0.25f };
	double d[2] = { 1e300, -3.0 };
	uint64_t ev[4] = { 7, 8, 9, 10 };
	size_t first = 99, count = 99;
	char *cause;

	if (argc > 1 && strcmp(argv[1], "--launched") == 0)
		return launched(argc, argv);
	/* the harness runs us without a launcher, whatever the build */
	unsetenv("OMPI_COMM_WORLD_SIZE");
	unsetenv("PMI_SIZE");
	unsetenv("PMIX_RANK");
	dist_init(&argc, &argv);
	CHECK_EQ_INT(dist_rank(), 0, "rank 0");
	CHECK_EQ_INT(dist_size(), 1, "one process");
	CHECK(!dist_active(), "not distributed");
#ifdef HAVE_MPI
	CHECK(dist_built(), "built with MPI (HAVE_MPI)");
#else
	CHECK(!dist_built(), "built without MPI");
#endif

	dist_sum_float(f, 3);
	CHECK(f[0] == 1.5f && f[1] == -2.0f && f[2] == 0.25f, "float sums of one process: as they were");
	dist_sum_double(d, 2);
	CHECK(d[0] == 1e300 && d[1] == -3.0, "double sums of one process: as they were");
	dist_sum_float(NULL, 0);
	CHECK(dist_any(true) && !dist_any(false), "any: the flag itself");

	dist_share(10, &first, &count);
	CHECK(first == 0 && count == 10, "the one share is everything (%zu, %zu)", first, count);
	dist_share(0, &first, &count);
	CHECK(first == 0 && count == 0, "a share of nothing");
	dist_gather_shares(ev, 4, sizeof ev[0]);
	CHECK(ev[0] == 7 && ev[3] == 10, "gathering one share: unchanged");
	dist_bcast(ev, sizeof ev);
	CHECK(ev[1] == 8, "broadcast from ourselves: unchanged");
	dist_barrier();

	CHECK_EQ_INT(dist_agree(NU_OK, NULL), NU_OK, "agreeing on success");
	cause = strdup("f.h5: cannot open");
	CHECK_EQ_INT(dist_agree(NU_ERR_IO, &cause), NU_ERR_IO, "agreeing on a failure: its status");
	CHECK(cause != NULL && strcmp(cause, "f.h5: cannot open") == 0,
	    "its cause, without a rank (one process): '%s'", cause ? cause : "(null)");
	free(cause);
	CHECK_EQ_INT(dist_agree(NU_ERR_NOMEM, NULL), NU_ERR_NOMEM, "a failure without a cause");
	TEST_DONE();
}
