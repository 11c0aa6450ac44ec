/*
 * cmd-bench.c: `nuscope bench`: measurements of the engine on this machine.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cblas.h>

#include "arch.h"
#include "cli.h"
#include "dataset.h"
#include "rng.h"
#include "saliency.h"
#include "train.h"

struct read_args {
	int slab, repeat;
	uint64_t events;        /* 0: all */
	bool skip_bad;
};

struct train_args {
	int batch, threads, micro, steps;
};

struct sgemm_args {
	int size, threads;
	double seconds;
};

struct sal_args {
	int patch, stride, threads, batch, repeat;
	int method;
};

#define A(m) offsetof(struct read_args, m)
static const struct cli_opt read_opts[] = {
	{ "slab", 0, CLI_OPT_INT, A(slab), .min = 1, .max = 65536, .meta = "N",
	    .help = "events per read (default 256; use a multiple of\n"
	    "the files' chunk height)" },
	{ "events", 0, CLI_OPT_U64, A(events), .umin = 1, .umax = UINT64_C(1) << 40,
	    .meta = "N", .help = "stop after N events (default: all)" },
	{ "repeat", 0, CLI_OPT_INT, A(repeat), .min = 1, .max = 100, .meta = "N",
	    .help = "read it all N times and report each pass (default 1)" },
	{ "skip-bad", 0, CLI_OPT_FLAG, A(skip_bad), .help = "leave out unreadable files" },
	{ "help", 'h', CLI_OPT_FLAG, .help = "this text" },
	{ .kind = CLI_OPT_END },
};
#undef A

#define A(m) offsetof(struct train_args, m)
static const struct cli_opt train_opts[] = {
	{ "batch", 0, CLI_OPT_INT, A(batch), .min = 1, .max = 65536, .meta = "N",
	    .help = "events per batch (default 256)" },
	{ "threads", 0, CLI_OPT_INT, A(threads), .min = 1, .max = 16, .meta = "N",
	    .help = "compute threads (default 2)" },
	{ "micro", 0, CLI_OPT_INT, A(micro), .min = 1, .max = 65536, .meta = "N",
	    .help = "events per thread pass (default 16)" },
	{ "steps", 0, CLI_OPT_INT, A(steps), .min = 1, .max = 65536, .meta = "N",
	    .help = "timed steps; medians are reported (default 10)" },
	{ .kind = CLI_OPT_END },
};
#undef A

#define A(m) offsetof(struct sgemm_args, m)
static const struct cli_opt sgemm_opts[] = {
	{ "size", 0, CLI_OPT_INT, A(size), .min = 16, .max = 8192, .meta = "N",
	    .help = "square matrices of side N (default 1024)" },
	{ "threads", 0, CLI_OPT_INT, A(threads), .min = 1, .max = 16, .meta = "N",
	    .help = "threads, each with its own single-threaded sgemm, as\n"
	    "training runs them (default 2)" },
	{ "seconds", 0, CLI_OPT_REAL, A(seconds), .rmin = 0.01, .rmax = 60.0,
	    .meta = "S", .help = "time each thread runs (default 1)" },
	{ .kind = CLI_OPT_END },
};
#undef A

#define A(m) offsetof(struct sal_args, m)
static const struct cli_opt sal_opts[] = {
	{ "method", 0, CLI_OPT_CHOICE, A(method), .choices = nu_sal_methods, .meta = "M",
	    .help = NU_SAL_CHOICES " (default occlusion)" },
	{ "patch", 0, CLI_OPT_INT, A(patch), .min = 1, .max = NU_CELLS, .meta = "P",
	    .help = "occlusion patch side in cells (default 8)" },
	{ "stride", 0, CLI_OPT_INT, A(stride), .min = 1, .max = NU_CELLS, .meta = "S",
	    .help = "occlusion stride in cells (default 4)" },
	{ "threads", 0, CLI_OPT_INT, A(threads), .min = 1, .max = 16, .meta = "N",
	    .help = "compute threads (default 2)" },
	{ "batch", 0, CLI_OPT_INT, A(batch), .min = 1, .max = 4096, .meta = "N",
	    .help = "occluded copies per pass (default 16)" },
	{ "repeat", 0, CLI_OPT_INT, A(repeat), .min = 1, .max = 1000, .meta = "N",
	    .help = "maps timed; the median is reported (default 5)" },
	{ .kind = CLI_OPT_END },
};
#undef A

/* one page for the benchmarks */
static const struct cli_help bench_page[] = {
	{ "usage: nuscope bench read [OPTIONS] FILE|DIR|GLOB...\n"
	    "       nuscope bench train [OPTIONS] ARCH\n"
	    "       nuscope bench sgemm [OPTIONS]\n"
	    "\n"
	    "Read every event's pixel maps in slabs, as training will, and report\n"
	    "events per second, pixel megabytes per second and the peak resident\n"
	    "memory of the process, which must not grow with the dataset.\n"
	    "\n"
	    "options:\n", read_opts },
	{ "\n"
	    "bench train: the speed of a training step and of inference of the\n"
	    "network ARCH on a synthetic batch (5% of pixels lit), without data\n"
	    "loading, and the BLAS kernel OpenBLAS chose.\n", train_opts },
	{ "Then as many profiled steps of each kind print where the time goes:\n"
	    "each layer's forward and backward in thread-microseconds per event,\n"
	    "its share of the step and its GFLOP/s (a training step counted as\n"
	    "three forward passes of FLOPs).\n", NULL },
	{ "\n"
	    "bench sgemm: the peak the engine's matrix products can reach here:\n"
	    "square single-precision products on each thread at once, in\n"
	    "GFLOP/s summed over the threads, and the OpenBLAS kernel.\n", sgemm_opts },
	{ "\n"
	    "bench saliency: the time of one event's saliency map (nuscope export\n"
	    "saliency) for the network ARCH with its initial weights, on a\n"
	    "synthetic event (5% of pixels lit).\n", sal_opts },
	{ NULL, NULL },
};

static const struct cli_cmd read_cmd = { "bench read", read_opts, bench_page };
static const struct cli_cmd train_cmd = { "bench train", train_opts, bench_page };
static const struct cli_cmd sgemm_cmd = { "bench sgemm", sgemm_opts, bench_page };
static const struct cli_cmd sal_cmd = { "bench saliency", sal_opts, bench_page };

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long
peak_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int
bench_read(int argc, char **argv)
{
	struct read_args args = { .slab = 256, .repeat = 1 };
	struct nu_open_opts oo = { 0 };
	struct nu_dataset *ds = NULL;
	long slab, limit, repeat;
	int rc = 1;
	char *cause = NULL;
	uint8_t *buf = NULL;
	enum nu_status st;
	uint64_t total;

	if (!cli_opts_parse(&read_cmd, &args, argc, argv, &rc))
		return rc;
	rc = 1;
	slab = args.slab;
	limit = args.events > 0 ? (long)args.events : -1;
	repeat = args.repeat;
	oo.skip_bad = args.skip_bad;
	if (optind >= argc) {
		fprintf(stderr, "nuscope bench read: no files given\n");
		cli_opts_help(stderr, &read_cmd);
		return EXIT_USAGE;
	}
	st = nu_dataset_open(&ds, (const char *const *)argv + optind,
	    (size_t)(argc - optind), &oo, &cause);
	if (st != NU_OK) {
		cli_error("bench", st, cause);
		goto out;
	}
	total = nu_dataset_nevents(ds);
	if (limit > 0 && (uint64_t)limit < total)
		total = (uint64_t)limit;
	if ((buf = malloc((size_t)slab * NU_MAP_BYTES)) == NULL) {
		cli_error("bench", NU_ERR_NOMEM, NULL);
		goto out;
	}
	printf("bench read: %zu files, %llu events, slabs of %ld events\n",
	    nu_dataset_nfiles(ds), (unsigned long long)total, slab);
	for (long pass = 0; pass < repeat; pass++) {
		uint64_t sum = 0;
		double t0 = now(), dt;

		for (uint64_t at = 0; at < total; at += (uint64_t)slab) {
			size_t n = total - at < (uint64_t)slab ? (size_t)(total - at) :
			    (size_t)slab;

			if ((st = nu_dataset_read_maps(ds, at, n, buf, &cause)) != NU_OK) {
				cli_error("bench", st, cause);
				goto out;
			}
			/* touch what was read, so the read is not for nothing */
			for (size_t i = 0; i < n * NU_MAP_BYTES; i += 64)
				sum += buf[i];
		}
		dt = now() - t0;
		printf("pass %ld: %.3f s, %.0f events/s, %.0f MB/s of pixels "
		    "(checksum %llu)\n", pass + 1, dt, (double)total / dt,
		    (double)total * NU_MAP_BYTES / dt / 1e6, (unsigned long long)sum);
	}
	printf("peak resident memory: %.1f MB\n", peak_rss_kb() / 1024.0);
	rc = 0;
out:
	free(buf);
	free(cause);
	nu_dataset_free(ds);
	return rc;
}

/* One row of the profile: microseconds per event and shares. */
static void
profile_row(const char *name, const char *kind, double mflop, double f, double b,
    double step, double fi, double istep)
{
	double us = 1e6 * (f + b);

	printf("%-24s %-10s", name, kind);
	if (mflop > 0.0)
		printf(" %7.2f", mflop);
	else
		printf(" %7s", "");
	printf(" %9.1f %9.1f %6.1f%%", 1e6 * f, 1e6 * b, step > 0 ? 100.0 * (f + b) / step : 0.0);
	/* a training step costs about three forward passes of FLOPs */
	if (mflop > 0.0 && us > 0.0)
		printf(" %7.1f", 3.0 * mflop / us * 1e3);
	else
		printf(" %7s", "");
	printf(" %9.1f %6.1f%%", 1e6 * fi, istep > 0 ? 100.0 * fi / istep : 0.0);
	if (mflop > 0.0 && fi > 0.0)
		printf(" %7.1f\n", mflop / fi * 1e-3);
	else
		putchar('\n');
}

/* Where a step's time goes, layer by layer (thread time per event). */
static void
print_profile(const struct nu_train_bench *r, long steps)
{
	double f = 0.0, b = 0.0, fi = 0.0;

	printf("\nwhere the time goes: thread time per event (us) over %ld profiled "
	    "steps of each kind\n", steps);
	printf("%-24s %-10s %7s %9s %9s %7s %7s %9s %7s %7s\n", "node", "kind",
	    "MFLOP", "train fwd", "bwd", "share", "GFLOP/s", "infer", "share", "GFLOP/s");
	for (int i = 0; i < r->nnodes; i++) {
		profile_row(r->name[i], r->kind[i], r->mflop[i], r->fwd[i], r->bwd[i],
		    r->step, r->ifwd[i], r->istep);
		f += r->fwd[i];
		b += r->bwd[i];
		fi += r->ifwd[i];
	}
	profile_row("(views and merge)", "", 0.0, r->other, 0.0, r->step, r->iother,
	    r->istep);
	profile_row("(loss, optimiser, wait)", "", 0.0,
	    r->step > f + b + r->other ? r->step - f - b - r->other : 0.0, 0.0, r->step,
	    r->istep > fi + r->iother ? r->istep - fi - r->iother : 0.0, r->istep);
	printf("%-24s %-10s %7s %9.1f %9s %6.1f%% %7s %9.1f %6.1f%%\n", "step", "", "",
	    1e6 * r->step, "", 100.0, "", 1e6 * r->istep, 100.0);
}

static int
bench_train(int argc, char **argv)
{
	struct train_args args = { .batch = 256, .threads = 2, .micro = 16, .steps = 10 };
	long batch, threads, steps;
	int micro, rc;
	struct nu_arch *a = NULL;
	struct nu_train_bench r;
	char *cause = NULL;
	enum nu_status st;

	if (!cli_opts_parse(&train_cmd, &args, argc, argv, &rc))
		return rc;
	batch = args.batch;
	threads = args.threads;
	micro = args.micro;
	steps = args.steps;
	if (argc - optind != 1) {
		fprintf(stderr, "nuscope bench train: expected one architecture file\n");
		cli_opts_help(stderr, &train_cmd);
		return EXIT_USAGE;
	}
	if ((st = nu_arch_load(&a, argv[optind], &cause)) != NU_OK ||
	    (st = nu_train_bench(a, (size_t)batch, (int)threads, (int)micro, (int)steps,
	    &r, &cause)) != NU_OK) {
		fprintf(stderr, "nuscope bench: %s\n", cause ? cause : nu_strerror(st));
		free(cause);
		nu_arch_free(a);
		return 1;
	}
#ifdef HAVE_OPENBLAS_GET_CORENAME
	printf("bench train: %s, batch %ld, %ld threads, %d events per pass, "
	    "OpenBLAS kernel %s\n", argv[optind], batch, threads, r.micro,
	    openblas_get_corename());
#else
	printf("bench train: %s, batch %ld, %ld threads, %d events per pass\n",
	    argv[optind], batch, threads, r.micro);
#endif
	printf("training %.0f events/s, inference %.0f events/s (medians of %ld steps)\n",
	    r.train_eps, r.infer_eps, steps);
	print_profile(&r, steps);
	nu_arch_free(a);
	return 0;
}

/* One thread of bench sgemm: products of its own matrices until the time
 * is up. */
struct sgemm_job {
	int n;
	double seconds;
	float *a, *b, *c;
	long calls;
	double elapsed;
};

static void *
sgemm_main(void *arg)
{
	struct sgemm_job *j = arg;
	double t0;

	/* one product first, so OpenBLAS's buffers exist before timing */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->n, j->n, j->n,
	    1.0f, j->a, j->n, j->b, j->n, 0.0f, j->c, j->n);
	t0 = now();
	do {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->n, j->n, j->n,
		    1.0f, j->a, j->n, j->b, j->n, 0.0f, j->c, j->n);
		j->calls++;
	} while ((j->elapsed = now() - t0) < j->seconds);
	return NULL;
}

/*
 * The sgemm peak of this machine as training uses BLAS: one
 * single-threaded product per thread at once (nu_init() set OpenBLAS to
 * one thread), so bench/vs-pytorch can say what share of it each side
 * reaches in the same run.
 */
static int
bench_sgemm(int argc, char **argv)
{
	struct sgemm_args args = { .size = 1024, .threads = 2, .seconds = 1.0 };
	struct sgemm_job job[16];
	pthread_t th[16];
	bool started[16] = { false };
	double total = 0.0;
	size_t nn;
	int rc, ok = 1;

	if (!cli_opts_parse(&sgemm_cmd, &args, argc, argv, &rc))
		return rc;
	if (argc - optind != 0) {
		fprintf(stderr, "nuscope bench sgemm: expected no arguments\n");
		cli_opts_help(stderr, &sgemm_cmd);
		return EXIT_USAGE;
	}
	nn = (size_t)args.size * (size_t)args.size;
	memset(job, 0, sizeof job);
	for (int t = 0; t < args.threads; t++) {
		job[t].n = args.size;
		job[t].seconds = args.seconds;
		job[t].a = malloc(nn * sizeof(float));
		job[t].b = malloc(nn * sizeof(float));
		job[t].c = malloc(nn * sizeof(float));
		if (job[t].a == NULL || job[t].b == NULL || job[t].c == NULL) {
			ok = 0;
			break;
		}
		for (size_t i = 0; i < nn; i++) {
			job[t].a[i] = (float)((i * 7 + (size_t)t) % 13) / 13.0f - 0.5f;
			job[t].b[i] = (float)((i * 5 + 3) % 11) / 11.0f - 0.5f;
		}
	}
	for (int t = 0; ok && t < args.threads; t++)
		ok = started[t] = pthread_create(&th[t], NULL, sgemm_main, &job[t]) == 0;
	for (int t = 0; t < args.threads; t++)
		if (started[t])
			pthread_join(th[t], NULL);
	for (int t = 0; t < args.threads; t++) {
		if (ok)
			total += 2.0 * (double)args.size * args.size * args.size *
			    (double)job[t].calls / job[t].elapsed;
		free(job[t].a);
		free(job[t].b);
		free(job[t].c);
	}
	if (!ok) {
		fprintf(stderr, "nuscope bench: out of memory or threads for sgemm of "
		    "side %d on %d threads\n", args.size, args.threads);
		return 1;
	}
#ifdef HAVE_OPENBLAS_GET_CORENAME
	printf("bench sgemm: %dx%d matrices, %d threads, OpenBLAS kernel %s\n",
	    args.size, args.size, args.threads, openblas_get_corename());
#else
	printf("bench sgemm: %dx%d matrices, %d threads\n", args.size, args.size,
	    args.threads);
#endif
	printf("sgemm peak %.1f GFLOP/s (%.1f per thread)\n", total / 1e9,
	    total / 1e9 / args.threads);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
bench_saliency(int argc, char **argv)
{
	struct sal_args args = { .threads = 2, .repeat = 5 };
	struct nu_sal_opts o = { .output = -1 };
	struct nu_arch *a = NULL;
	struct nu_net *net = NULL;
	float *x = NULL, *map = NULL;
	double t[1000];
	struct nu_rng r;
	char *cause = NULL;
	enum nu_status st;
	int rc;

	if (!cli_opts_parse(&sal_cmd, &args, argc, argv, &rc))
		return rc;
	if (argc - optind != 1) {
		fprintf(stderr, "nuscope bench saliency: expected one architecture file\n");
		cli_opts_help(stderr, &sal_cmd);
		return EXIT_USAGE;
	}
	o.method = (enum nu_sal_method)args.method;
	o.patch = args.patch;
	o.stride = args.stride;
	o.threads = args.threads;
	o.batch = args.batch;
	if ((st = nu_arch_load(&a, argv[optind], &cause)) != NU_OK ||
	    (st = nu_net_new(&net, a, 1, &cause)) != NU_OK)
		goto fail;
	x = malloc((size_t)net->nviews * NU_VIEW_BYTES * sizeof(float));
	map = malloc((size_t)net->nviews * NU_VIEW_BYTES * sizeof(float));
	if (x == NULL || map == NULL) {
		st = nu_fail(&cause, NU_ERR_NOMEM, "out of memory");
		goto fail;
	}
	nu_rng_seed(&r, 1, 5);
	for (size_t i = 0; i < (size_t)net->nviews * NU_VIEW_BYTES; i++)
		x[i] = nu_rng_uniform(&r) < 0.05 ? (float)nu_rng_uniform(&r) : 0.0f;
	for (int k = 0; k < args.repeat; k++) {
		double t0 = now();

		if ((st = nu_saliency_net(net, x, &o, map, NULL, NULL, &cause)) != NU_OK)
			goto fail;
		t[k] = now() - t0;
	}
	qsort(t, (size_t)args.repeat, sizeof t[0], cmp_double);
	printf("bench saliency: %s, %s", argv[optind], nu_sal_method_name(o.method));
	if (o.method == NU_SAL_OCCLUSION) {
		int p = o.patch ? o.patch : NU_SAL_PATCH, s = o.stride ? o.stride : NU_SAL_STRIDE;
		long copies = (long)net->nviews * ((NU_PLANES + s - 1) / s) *
		    ((NU_CELLS + s - 1) / s);

		printf(", patch %d, stride %d, %ld occluded copies, %d threads", p, s,
		    copies, args.threads);
	}
	printf("\none event's map: %.3f s (median of %d; fastest %.3f s)\n",
	    t[args.repeat / 2], args.repeat, t[0]);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "nuscope bench: %s\n", cause ? cause : nu_strerror(st));
	rc = 1;
out:
	free(cause);
	free(x);
	free(map);
	nu_net_free(net);
	nu_arch_free(a);
	return rc;
}

int
cmd_bench(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "saliency") == 0)
		return bench_saliency(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "train") == 0)
		return bench_train(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "sgemm") == 0)
		return bench_sgemm(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "read") == 0)
		return bench_read(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_opts_help(stdout, &read_cmd);
		return 0;
	}
	fprintf(stderr, "nuscope bench: expected a benchmark name (read, train, sgemm, saliency)\n");
	cli_opts_help(stderr, &read_cmd);
	return EXIT_USAGE;
}
