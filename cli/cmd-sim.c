/*
 * cmd-sim.c: `nuscope sim`: write simulated NOvA-like events to files.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "simwrite.h"

static const char sim_help[] =
    "usage: nuscope sim -n EVENTS [OPTIONS]\n"
    "\n"
    "Simulate NOvA-like neutrino events and write them as NOvA-format HDF5\n"
    "files, with the real training files' mix of interactions and energies\n"
    "(nuscope-sim(7) describes the model).  The same seed gives the same\n"
    "events for any number of jobs.\n"
    "\n"
    "options:\n"
    "  -n EVENTS             events to make (required)\n"
    "  -o DIR|FILE           directory for neutrino1.h5 ... neutrinoK.h5\n"
    "                        (created if missing; default .), or one FILE.h5\n"
    "  --files K             number of files (default: one per 7001 events)\n"
    "  --seed S              random seed, 0 to 2^64-1 (default 1)\n"
    "  --jobs N              worker threads, 1-64 (default 2)\n"
    "  --mix numu=W,nue=W,nc=W\n"
    "                        relative weights of numu CC, nue CC and NC\n"
    "                        (default 87.9,1.1,11; a key left out weighs 0)\n"
    "  --mode qe=W,res=W,dis=W,other=W\n"
    "                        relative weights of the processes over the sample\n"
    "                        (default: the real files' 12.4,19,54.8,3 with\n"
    "                        the energy dependence of the cross-sections)\n"
    "  --energy MIN:MAX      keep E_nu in MIN-MAX GeV (either may be left\n"
    "                        empty; the spectrum spans 0.2-82.3)\n"
    "  --without EFFECT[,EFFECT...]\n"
    "                        switch effects off: containment, walls,\n"
    "                        attenuation, apd, calibration, dead, noise,\n"
    "                        cosmics, hadrons, fsi, sis (nuscope-sim(7) says\n"
    "                        what each does)\n"
    "  --no-noise            the same as --without noise (kept for scripts)\n"
    "  -h, --help            this text\n";

/* A whole number in [lo, hi]; false when s is anything else. */
static bool
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* A finite number >= 0. */
static bool
parse_weight(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0.0)
		return false;
	*out = v;
	return true;
}

/*
 * Parse "key=W,key=W" against keys[n] into w[n] (keys left out weigh 0).
 * On error print a message naming the option and return false.
 */
static bool
parse_weights(const char *opt, const char *arg, const char *const *keys, int n,
    double *w)
{
	char *copy = strdup(arg), *save = NULL, *item;
	bool seen[8] = { false }, ok = true;
	double sum = 0.0;

	if (copy == NULL) {
		cli_error("sim", NU_ERR_NOMEM, NULL);
		return false;
	}
	for (int i = 0; i < n; i++)
		w[i] = 0.0;
	for (item = strtok_r(copy, ",", &save); item != NULL && ok;
	    item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int k;

		if (eq != NULL)
			*eq = '\0';
		for (k = 0; k < n; k++)
			if (strcmp(item, keys[k]) == 0)
				break;
		if (eq == NULL || k == n) {
			fprintf(stderr, "nuscope sim: %s expects KEY=WEIGHT pairs "
			    "with keys", opt);
			for (int i = 0; i < n; i++)
				fprintf(stderr, "%s %s", i ? "," : "", keys[i]);
			fprintf(stderr, ", not '%s%s'\n", item, eq ? "=..." : "");
			ok = false;
		} else if (seen[k]) {
			fprintf(stderr, "nuscope sim: %s gives %s twice\n", opt, keys[k]);
			ok = false;
		} else if (!parse_weight(eq + 1, &w[k])) {
			fprintf(stderr, "nuscope sim: %s: %s expects a number >= 0, "
			    "not '%s'\n", opt, keys[k], eq + 1);
			ok = false;
		} else {
			seen[k] = true;
			sum += w[k];
		}
	}
	if (ok && sum <= 0.0) {
		fprintf(stderr, "nuscope sim: %s: the weights sum to zero, "
		    "nothing could be made\n", opt);
		ok = false;
	}
	free(copy);
	return ok;
}

/* "MIN:MAX" with either side optional. */
static bool
parse_energy(const char *arg, double *lo, double *hi)
{
	const char *colon = strchr(arg, ':');
	char buf[64];
	char *end;

	if (colon == NULL || strlen(arg) >= sizeof buf)
		goto bad;
	memcpy(buf, arg, (size_t)(colon - arg));
	buf[colon - arg] = '\0';
	if (buf[0] != '\0') {
		*lo = strtod(buf, &end);
		if (*end != '\0' || !isfinite(*lo))
			goto bad;
	}
	if (colon[1] != '\0') {
		*hi = strtod(colon + 1, &end);
		if (*end != '\0' || !isfinite(*hi))
			goto bad;
	}
	if (*lo >= 0.0 && (*lo >= NU_SIM_EMAX || *hi <= 0.2)) {
		fprintf(stderr, "nuscope sim: --energy %s holds no events: the "
		    "spectrum spans 0.2-%.1f GeV\n", arg, NU_SIM_EMAX);
		return false;
	}
	if (*lo < 0.0 || *hi <= *lo) {
		fprintf(stderr, "nuscope sim: --energy needs 0 <= MIN < MAX, "
		    "not '%s'\n", arg);
		return false;
	}
	return true;
bad:
	fprintf(stderr, "nuscope sim: --energy expects MIN:MAX in GeV "
	    "(e.g. 0:5 or 10:), not '%s'\n", arg);
	return false;
}

int
cmd_sim(int argc, char **argv)
{
	enum { OPT_FILES = 256, OPT_SEED, OPT_JOBS, OPT_MIX, OPT_MODE, OPT_ENERGY,
	    OPT_NO_NOISE, OPT_WITHOUT };
	static const struct option longopts[] = {
		{ "files", required_argument, NULL, OPT_FILES },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "mix", required_argument, NULL, OPT_MIX },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "energy", required_argument, NULL, OPT_ENERGY },
		{ "no-noise", no_argument, NULL, OPT_NO_NOISE },
		{ "without", required_argument, NULL, OPT_WITHOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const mix_keys[] = { "numu", "nue", "nc" };
	static const char *const mode_keys[] = { "qe", "res", "dis", "other" };
	struct nu_sim_config cfg;
	struct nu_sim_write_opts wo = { .out = ".", .jobs = 2 };
	struct nu_sim *sim = NULL;
	struct timespec t0, t1;
	bool have_n = false;
	uint64_t v;
	char *cause = NULL;
	enum nu_status st;
	int opt, rc = 1;
	double dt;

	nu_sim_config_default(&cfg);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":n:o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (!parse_u64(optarg, 1, UINT64_C(1) << 40, &wo.nevents)) {
				fprintf(stderr, "nuscope sim: -n expects a whole number "
				    "of events, at least 1, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			have_n = true;
			break;
		case 'o':
			if (optarg[0] == '\0') {
				fprintf(stderr, "nuscope sim: -o expects a directory "
				    "or a file name ending in .h5\n");
				return EXIT_USAGE;
			}
			wo.out = optarg;
			break;
		case OPT_FILES:
			if (!parse_u64(optarg, 1, 1000000, &v)) {
				fprintf(stderr, "nuscope sim: --files expects a whole "
				    "number from 1 to 1000000, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			wo.nfiles = (unsigned)v;
			break;
		case OPT_SEED:
			if (!parse_u64(optarg, 0, UINT64_MAX, &cfg.seed)) {
				fprintf(stderr, "nuscope sim: --seed expects a whole "
				    "number from 0 to 18446744073709551615, not '%s'\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_JOBS:
			if (!parse_u64(optarg, 1, NU_SIM_JOBS_MAX, &v)) {
				fprintf(stderr, "nuscope sim: --jobs expects a whole "
				    "number from 1 to %d, not '%s'\n", NU_SIM_JOBS_MAX,
				    optarg);
				return EXIT_USAGE;
			}
			wo.jobs = (int)v;
			break;
		case OPT_MIX:
			if (!parse_weights("--mix", optarg, mix_keys, 3, cfg.mix))
				return EXIT_USAGE;
			break;
		case OPT_MODE:
			if (!parse_weights("--mode", optarg, mode_keys, 4, cfg.mode))
				return EXIT_USAGE;
			break;
		case OPT_ENERGY:
			if (!parse_energy(optarg, &cfg.emin, &cfg.emax))
				return EXIT_USAGE;
			break;
		case OPT_NO_NOISE:
			cfg.without |= 1u << NU_SIM_FX_NOISE;
			break;
		case OPT_WITHOUT:
			if ((st = nu_sim_effects_parse(optarg, &cfg.without, &cause)) != NU_OK) {
				fprintf(stderr, "nuscope sim: --without: %s\n", cause);
				free(cause);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(sim_help, stdout);
			return 0;
		case ':':
			fprintf(stderr, "nuscope sim: %s needs a value\n%s",
			    argv[optind - 1], sim_help);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "nuscope sim: unknown option '%s'\n%s",
			    argv[optind - 1], sim_help);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nuscope sim: unexpected argument '%s' (the "
		    "output goes after -o)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (!have_n) {
		fprintf(stderr, "nuscope sim: -n EVENTS is required\n%s", sim_help);
		return EXIT_USAGE;
	}
	if (nu_sim_out_is_file(wo.out) && wo.nfiles > 1) {
		fprintf(stderr, "nuscope sim: -o %s names one file, but --files "
		    "asks for %u (give a directory)\n", wo.out, wo.nfiles);
		return EXIT_USAGE;
	}
	if (wo.nfiles > wo.nevents) {
		fprintf(stderr, "nuscope sim: --files %u is more than the %llu "
		    "events to make\n", wo.nfiles, (unsigned long long)wo.nevents);
		return EXIT_USAGE;
	}

	if ((st = nu_sim_new(&sim, &cfg, &cause)) != NU_OK) {
		cli_error("sim", st, cause);
		rc = st == NU_ERR_USAGE ? EXIT_USAGE : 1;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wo.stop = &cli_interrupted;
	cli_interrupt_catch();
	st = nu_sim_write(sim, &wo, &cause);
	cli_interrupt_restore();
	if (st != NU_OK) {
		cli_error("sim", st, cause);
		rc = st == NU_ERR_USAGE ? EXIT_USAGE : st == NU_ERR_CANCELLED ?
		    EXIT_INTERRUPTED : 1;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
	printf("nuscope sim: %llu events in %s, seed %llu, %.2f s (%.0f events/s "
	    "with %d job%s)\n", (unsigned long long)wo.nevents, wo.out,
	    (unsigned long long)cfg.seed, dt, dt > 0 ? (double)wo.nevents / dt : 0.0,
	    wo.jobs, wo.jobs == 1 ? "" : "s");
	rc = 0;     /* main() flushes and checks standard output */
out:
	free(cause);
	nu_sim_free(sim);
	return rc;
}
