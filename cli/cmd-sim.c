/*
 * cmd-sim.c: `nuscope sim`: write simulated NOvA-like events to files.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "simwrite.h"

struct sim_args {
	uint64_t nevents, files, jobs;
	const char *out, *mix, *mode, *energy, *without;
	bool no_noise;
	struct nu_sim_config cfg;
};

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

/* Parse "key=W,key=W" against keys[n] into w[n] (keys left out weigh 0);
 * false with a message in *cause (NULL when out of memory). */
static bool
parse_weights(const char *arg, const char *const *keys, int n, double *w, char **cause)
{
	char *copy = strdup(arg), *save = NULL, *item;
	bool seen[8] = { false };
	double sum = 0.0;

	*cause = NULL;
	if (copy == NULL)
		return false;
	for (int i = 0; i < n; i++)
		w[i] = 0.0;
	for (item = strtok_r(copy, ",", &save); item != NULL && *cause == NULL;
	    item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		char list[64] = "";
		int k;

		if (eq != NULL)
			*eq = '\0';
		for (k = 0; k < n; k++)
			if (strcmp(item, keys[k]) == 0)
				break;
		if (eq == NULL || k == n) {
			for (int i = 0; i < n; i++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				    i ? ", " : "", keys[i]);
			*cause = nu_asprintf("expected KEY=WEIGHT pairs with keys %s, not '%s%s'",
			    list, item, eq ? "=..." : "");
		} else if (seen[k]) {
			*cause = nu_asprintf("gives %s twice", keys[k]);
		} else if (!parse_weight(eq + 1, &w[k])) {
			*cause = nu_asprintf("%s expects a number >= 0, not '%s'", keys[k], eq + 1);
		} else {
			seen[k] = true;
			sum += w[k];
		}
	}
	if (*cause == NULL && sum <= 0.0)
		*cause = nu_asprintf("the weights sum to zero, nothing could be made");
	free(copy);
	return *cause == NULL;
}

static bool
set_mix(void *args, const char *arg, char **cause)
{
	static const char *const keys[] = { "numu", "nue", "nc" };

	return parse_weights(arg, keys, 3, ((struct sim_args *)args)->cfg.mix, cause);
}

static bool
set_mode(void *args, const char *arg, char **cause)
{
	static const char *const keys[] = { "qe", "res", "dis", "other" };

	return parse_weights(arg, keys, 4, ((struct sim_args *)args)->cfg.mode, cause);
}

/* --energy MIN:MAX with either side optional */
static bool
set_energy(void *args, const char *arg, char **cause)
{
	struct nu_sim_config *cfg = &((struct sim_args *)args)->cfg;
	const char *colon = strchr(arg, ':');
	char buf[64];
	char *end;

	if (colon == NULL || strlen(arg) >= sizeof buf)
		goto bad;
	memcpy(buf, arg, (size_t)(colon - arg));
	buf[colon - arg] = '\0';
	if (buf[0] != '\0') {
		cfg->emin = strtod(buf, &end);
		if (*end != '\0' || !isfinite(cfg->emin))
			goto bad;
	}
	if (colon[1] != '\0') {
		cfg->emax = strtod(colon + 1, &end);
		if (*end != '\0' || !isfinite(cfg->emax))
			goto bad;
	}
	if (cfg->emin >= 0.0 && (cfg->emin >= NU_SIM_EMAX || cfg->emax <= 0.2)) {
		*cause = nu_asprintf("%s holds no events: the spectrum spans 0.2-%.1f GeV",
		    arg, NU_SIM_EMAX);
		return false;
	}
	if (cfg->emin < 0.0 || cfg->emax <= cfg->emin) {
		*cause = nu_asprintf("needs 0 <= MIN < MAX, not '%s'", arg);
		return false;
	}
	return true;
bad:
	*cause = nu_asprintf("expected MIN:MAX in GeV (e.g. 0:5 or 10:), not '%s'", arg);
	return false;
}

static bool
set_without(void *args, const char *arg, char **cause)
{
	return nu_sim_effects_parse(arg, &((struct sim_args *)args)->cfg.without,
	    cause) == NU_OK;
}

static bool
set_no_noise(void *args, const char *arg, char **cause)
{
	(void)arg, (void)cause;
	((struct sim_args *)args)->cfg.without |= 1u << NU_SIM_FX_NOISE;
	return true;
}

static bool
check_out(void *args, const char *arg, char **cause)
{
	(void)args;
	if (arg[0] != '\0')
		return true;
	*cause = nu_asprintf("expected a directory or a file name ending in .h5");
	return false;
}

#define A(m) offsetof(struct sim_args, m)
static const struct cli_opt sim_opts[] = {
	{ NULL, 'n', CLI_OPT_U64, A(nevents), .umin = 1, .umax = UINT64_C(1) << 40,
	    .meta = "EVENTS", .help = "events to make (required)" },
	{ NULL, 'o', CLI_OPT_STRING, A(out), .fn = check_out, .meta = "DIR|FILE",
	    .help = "directory for neutrino1.h5 ... neutrinoK.h5\n"
	    "(created if missing; default .), or one FILE.h5" },
	{ "files", 0, CLI_OPT_U64, A(files), .umin = 1, .umax = 1000000, .meta = "K",
	    .help = "number of files (default: one per 7001 events)" },
	{ "seed", 0, CLI_OPT_U64, A(cfg.seed), .umin = 0, .umax = UINT64_MAX, .meta = "S",
	    .help = "random seed, 0 to 2^64-1 (default 1)" },
	{ "jobs", 0, CLI_OPT_U64, A(jobs), .umin = 1, .umax = NU_SIM_JOBS_MAX, .meta = "N",
	    .help = "worker threads, 1-64 (default 2)" },
	{ "mix", 0, CLI_OPT_STRING, A(mix), .fn = set_mix, .meta = "numu=W,nue=W,nc=W",
	    .help = "relative weights of numu CC, nue CC and NC\n"
	    "(default 87.9,1.1,11; a key left out weighs 0)" },
	{ "mode", 0, CLI_OPT_STRING, A(mode), .fn = set_mode, .meta = "qe=W,res=W,dis=W,other=W",
	    .help = "relative weights of the processes over the sample\n"
	    "(default: the real files' 12.4,19,54.8,3 with\n"
	    "the energy dependence of the cross-sections)" },
	{ "energy", 0, CLI_OPT_STRING, A(energy), .fn = set_energy, .meta = "MIN:MAX",
	    .help = "keep E_nu in MIN-MAX GeV (either may be left\n"
	    "empty; the spectrum spans 0.2-82.3)" },
	{ "without", 0, CLI_OPT_STRING, A(without), .fn = set_without,
	    .meta = "EFFECT[,EFFECT...]",
	    .help = "switch effects off: containment, walls,\n"
	    "attenuation, apd, calibration, dead, noise,\n"
	    "cosmics, hadrons, fsi, sis, jets (nuscope-sim(7)\n"
	    "says what each does)" },
	{ "no-noise", 0, CLI_OPT_FLAG, A(no_noise), .fn = set_no_noise,
	    .help = "the same as --without noise (kept for scripts)" },
	{ "help", 'h', CLI_OPT_FLAG, .help = "this text" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help sim_page[] = {
	{ "usage: nuscope sim -n EVENTS [OPTIONS]\n"
	    "\n"
	    "Simulate NOvA-like neutrino events and write them as NOvA-format HDF5\n"
	    "files, with the real training files' mix of interactions and energies\n"
	    "(nuscope-sim(7) describes the model).  The same seed gives the same\n"
	    "events for any number of jobs.\n"
	    "\n"
	    "options:\n", sim_opts },
	{ NULL, NULL },
};

static const struct cli_cmd sim_cmd = { "sim", sim_opts, sim_page };

int
cmd_sim(int argc, char **argv)
{
	struct sim_args args = { .out = ".", .jobs = 2 };
	struct nu_sim_write_opts wo;
	struct nu_sim *sim = NULL;
	struct timespec t0, t1;
	char *cause = NULL;
	enum nu_status st;
	int rc = 1;
	double dt;

	nu_sim_config_default(&args.cfg);
	if (!cli_opts_parse(&sim_cmd, &args, argc, argv, &rc))
		return rc;
	rc = 1;
	wo = (struct nu_sim_write_opts){ .out = args.out, .nevents = args.nevents,
	    .nfiles = (unsigned)args.files, .jobs = (int)args.jobs };
	if (optind < argc) {
		fprintf(stderr, "nuscope sim: unexpected argument '%s' (the "
		    "output goes after -o)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (wo.nevents == 0) {
		fprintf(stderr, "nuscope sim: -n EVENTS is required\n");
		cli_opts_help(stderr, &sim_cmd);
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

	if ((st = nu_sim_new(&sim, &args.cfg, &cause)) != NU_OK) {
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
	    (unsigned long long)args.cfg.seed, dt, dt > 0 ? (double)wo.nevents / dt : 0.0,
	    wo.jobs, wo.jobs == 1 ? "" : "s");
	rc = 0;     /* main() flushes and checks standard output */
out:
	free(cause);
	nu_sim_free(sim);
	return rc;
}
