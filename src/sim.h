/*
 * sim.h: a seeded toy Monte Carlo of NOvA-like neutrino events.
 *
 * The simulator draws an interaction (flavour, process, energies) from a
 * model calibrated to the real training files (see nuscope-data(5)),
 * produces its final-state particles, transports them through a
 * homogeneous NOvA-like detector of alternating x- and y-measuring planes,
 * and digitises the deposits into the 2 x 100 x 80 pixel maps of a
 * /cvnmap row.  nuscope-sim(7) documents the model and its limits.
 *
 * Determinism: everything random about event number `index` comes from
 * (config seed, index) alone, so an event is the same whichever thread
 * makes it, in whatever order, in whichever file it lands.
 *
 * Threads: a struct nu_sim is read-only after nu_sim_new() and may be
 * shared; each thread needs its own struct nu_sim_ctx.
 */
#ifndef NU_SIM_H
#define NU_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nu.h"

#define NU_SIM_EMAX 82.3          /* GeV: top of the real E_nu histogram */
#define NU_SIM_JOBS_MAX 64

/* The far detector: 896 planes along the beam (z from 0), 384 cells per
 * plane (x or y from -NU_SIM_DET_HALF to +NU_SIM_DET_HALF), cm. */
#define NU_SIM_DET_PLANES 896
#define NU_SIM_DET_CELLS 384
#define NU_SIM_CELL_W 3.97               /* cell pitch, cm */
#define NU_SIM_PLANE_D 6.65              /* plane pitch, cm */
#define NU_SIM_DET_HALF (NU_SIM_DET_CELLS / 2 * NU_SIM_CELL_W)

/*
 * The detector effects that --without switches off, one bit each in
 * nu_sim_config.without.  nuscope-sim(7) documents each with its source.
 */
enum nu_sim_effect {
	NU_SIM_FX_CONTAINMENT,            /* a finite detector: nothing beyond its edges */
	NU_SIM_FX_WALLS,                  /* inactive PVC cell walls */
	NU_SIM_FX_ATTENUATION,            /* light yield falls along the fibre */
	NU_SIM_FX_APD,                    /* APD excess noise and electronics noise */
	NU_SIM_FX_CALIBRATION,            /* residual cell-to-cell calibration spread */
	NU_SIM_FX_DEAD,                   /* dead channels and APDs, fixed per seed */
	NU_SIM_FX_NOISE,                  /* random noise hits */
	NU_SIM_FX_COSMICS,                /* a cosmic muon in the readout window */
	NU_SIM_FX_HADRONS,                /* wider hadron showers, nuclear breakup */
	NU_SIM_FX_FSI,                    /* pion re-interactions inside the nucleus */
	NU_SIM_FX_SIS,                    /* DIS below W = 1.7 GeV (shallow inelastic) */
	NU_SIM_FX_JETS,                   /* DIS hadrons with limited transverse momentum */
	NU_SIM_NEFFECTS
};

/* The name of an effect as --without spells it ("attenuation"). */
const char *nu_sim_effect_name(enum nu_sim_effect fx);

/*
 * Parse a comma-separated list of effect names into *without (bits
 * added to what it holds).  An unknown name is NU_ERR_USAGE with a cause
 * listing the known ones.
 */
enum nu_status nu_sim_effects_parse(const char *list, unsigned *without,
    char **cause);

/* Event classes of --mix. */
enum nu_sim_flavour { NU_SIM_NUMU_CC, NU_SIM_NUE_CC, NU_SIM_NC, NU_SIM_NFLAVOURS };

/* Processes of --mode (NC events use the same process mix for their
 * hadronic system; their interaction code is 13 whatever the process). */
enum nu_sim_process { NU_SIM_QE, NU_SIM_RES, NU_SIM_DIS, NU_SIM_OTHER, NU_SIM_NPROCESSES };

struct nu_sim_config {
	uint64_t seed;
	double mix[NU_SIM_NFLAVOURS];     /* relative weights, >= 0, sum > 0 */
	/* Relative weights of the processes over the sample, or all zero
	 * for the default: the fractions of the real files, with the
	 * energy dependence of the cross-sections. */
	double mode[NU_SIM_NPROCESSES];
	double emin, emax;                /* GeV: the real spectrum cut to [emin, emax] */
	unsigned without;                 /* bit 1 << NU_SIM_FX_* turns that effect off */
};

/* One event's truth, as the /neutrino columns of a file hold it. */
struct nu_sim_event {
	uint32_t interaction;             /* code 0-7 or 13 */
	uint32_t finalstate;              /* from the particles produced */
	uint32_t finalstateprong;         /* from what the detector saw */
	float nuenergy;                   /* GeV; 0 in a rare "truth lost" event */
	float lepenergy;                  /* GeV; outgoing neutrino for NC */
	double vtx[3];                    /* cm, detector coordinates */
	uint32_t run, subrun, evt;
	int32_t cycle;
	uint16_t subevt;
	uint32_t parent, particles, trainingdata_idx;
};

/* The defaults: the real files' mix, seed 1, full spectrum, every
 * detector effect on. */
void nu_sim_config_default(struct nu_sim_config *cfg);

struct nu_sim;
struct nu_sim_ctx;

/*
 * Check cfg and build the tables (spectrum, process calibration, ranges).
 * An impossible configuration is NU_ERR_USAGE with a cause saying why.
 * *out: caller frees with nu_sim_free.
 */
enum nu_status nu_sim_new(struct nu_sim **out, const struct nu_sim_config *cfg,
    char **cause);
void nu_sim_free(struct nu_sim *sim);

/* The configuration sim was made with (borrowed). */
const struct nu_sim_config *nu_sim_get_config(const struct nu_sim *sim);

/* Per-thread scratch (about 0.5 MB); *out: caller frees with
 * nu_sim_ctx_free.  sim must outlive it. */
enum nu_status nu_sim_ctx_new(struct nu_sim_ctx **out, const struct nu_sim *sim);
void nu_sim_ctx_free(struct nu_sim_ctx *ctx);

/*
 * Make event number `index`: its truth into *ev and, when map is not NULL,
 * its NU_MAP_BYTES pixel map (view, plane, cell).  With map NULL only the
 * interaction is drawn, which is much faster; the truth is the same
 * either way except finalstateprong, which then equals finalstate.
 */
void nu_sim_event(struct nu_sim_ctx *ctx, uint64_t index, uint8_t *map,
    struct nu_sim_event *ev);

/*
 * Where the map of the last event ctx made lies in the detector: the
 * physical plane of map plane 0 of each view (view 0 = even planes) and
 * the detector cell (0 .. NU_SIM_DET_CELLS-1 inside it) of map cell 0 of
 * each view.  Map plane k of view v is physical plane plane[v] + 2k.
 */
void nu_sim_ctx_window(const struct nu_sim_ctx *ctx, int plane[2], int cell[2]);

/* Is the channel (physical plane, detector cell) dead in sim's run?
 * False outside the detector and when dead channels are switched off. */
bool nu_sim_channel_dead(const struct nu_sim *sim, int plane, int cell);

/* The fraction of the detector's channels that are dead in sim's run. */
double nu_sim_dead_fraction(const struct nu_sim *sim);

/* Photo-electrons per MeV deposited in the scintillator at d cm from the
 * cell's readout end, as the attenuation model has it. */
double nu_sim_light_yield(double d);

/*
 * Make events [first, first+n) with `jobs` threads (1..NU_SIM_JOBS_MAX):
 * evs[n] and, unless maps is NULL, maps[n * NU_MAP_BYTES].  The result
 * does not depend on jobs.
 */
enum nu_status nu_sim_generate(const struct nu_sim *sim, uint64_t first,
    size_t n, int jobs, uint8_t *maps, struct nu_sim_event *evs, char **cause);

#endif
