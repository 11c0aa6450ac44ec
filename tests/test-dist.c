/* test-dist.c: src/dist.c as one process, which is every program not
 * started by an MPI launcher (and every build without MPI): rank 0 of 1,
 * sums and gathers that leave their data alone, an agreement that returns
 * the caller's own status and cause.  The collectives over several
 * processes are tested by cli-mpi.test. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "testhelp.h"

int
main(int argc, char **argv)
{
	float f[3] = { 1.5f, -2.0f, 0.25f };
	double d[2] = { 1e300, -3.0 };
	uint64_t ev[4] = { 7, 8, 9, 10 };
	size_t first = 99, count = 99;
	char *cause;

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
