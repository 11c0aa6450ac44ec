/*
 * testhelp.h: a tiny TAP test harness.  Each CHECK is one TAP line; a test
 * program ends with TEST_DONE(), which prints the plan and exits non-zero
 * when anything failed.  TEST_SKIP_ALL(reason) skips the whole program.
 *
 * The plan is the running count, so a block of checks that never runs
 * would vanish without a trace: when set-up that later checks need fails,
 * REQUIRE stops the program with TAP's "Bail out!" (an error for the
 * driver); a check that cannot apply here says so with SKIP, which is
 * counted and shown, never a CHECK(1, ...).
 */
#ifndef NU_TESTHELP_H
#define NU_TESTHELP_H

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int th_count, th_failed;

/* cond is evaluated once: it may have side effects */
#define CHECK(cond, ...) do { \
	int th_ok_ = (cond) ? 1 : 0; \
	th_count++; \
	if (th_ok_) { \
		printf("ok %d - ", th_count); \
	} else { \
		th_failed++; \
		printf("not ok %d - ", th_count); \
	} \
	printf(__VA_ARGS__); \
	printf("\n"); \
	if (!th_ok_) \
		printf("#   %s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
	fflush(stdout); \
} while (0)

#define CHECK_EQ_INT(a, b, ...) do { \
	long long th_a = (long long)(a), th_b = (long long)(b); \
	CHECK(th_a == th_b, __VA_ARGS__); \
	if (th_a != th_b) \
		printf("#   got %lld, expected %lld\n", th_a, th_b); \
} while (0)

#define CHECK_NEAR(a, b, tol, ...) do { \
	double th_a = (double)(a), th_b = (double)(b); \
	CHECK(fabs(th_a - th_b) <= (tol), __VA_ARGS__); \
	if (!(fabs(th_a - th_b) <= (tol))) \
		printf("#   got %.9g, expected %.9g\n", th_a, th_b); \
} while (0)

#define CHECK_STR_HAS(s, needle, ...) do { \
	const char *th_s = (s); \
	int th_ok = th_s != NULL && strstr(th_s, (needle)) != NULL; \
	CHECK(th_ok, __VA_ARGS__); \
	if (!th_ok) \
		printf("#   \"%s\" does not contain \"%s\"\n", \
		    th_s ? th_s : "(null)", (needle)); \
} while (0)

#define REQUIRE(cond, ...) do { \
	if (!(cond)) { \
		printf("Bail out! "); \
		printf(__VA_ARGS__); \
		printf(" (%s:%d: %s)\n", __FILE__, __LINE__, #cond); \
		fflush(stdout); \
		exit(1); \
	} \
} while (0)

#define SKIP(...) do { \
	th_count++; \
	printf("ok %d # SKIP ", th_count); \
	printf(__VA_ARGS__); \
	printf("\n"); \
	fflush(stdout); \
} while (0)

#define TEST_SKIP_ALL(reason) do { \
	printf("1..0 # SKIP %s\n", (reason)); \
	exit(0); \
} while (0)

#define TEST_DONE() do { \
	printf("1..%d\n", th_count); \
	return th_failed ? 1 : 0; \
} while (0)

static int
th_remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the scratch directory dir and all it holds (NULL: nothing);
 * a "#" line when that fails, which is not a test failure. */
static inline void
test_remove_dir(const char *dir)
{
	if (dir != NULL && nftw(dir, th_remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		printf("# could not remove %s\n", dir);
}

#endif
