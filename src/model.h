/*
 * model.h: model files (checkpoints), as nuscope-model(5) specifies them.
 */
#ifndef NU_MODEL_H
#define NU_MODEL_H

#include <stdint.h>

#include "arch.h"
#include "net.h"
#include "opt.h"
#include "epoch.h"
#include "trainset.h"

#define NU_MODEL_VERSION 1
/* Limits checked while reading, before anything is allocated for what a
 * file declares (nuscope-model(5), LIMITS): the bytes of /arch and of a
 * string attribute, and the epochs of /history (the most [train] epochs
 * allows). */
#define NU_MODEL_MAXTEXT ((size_t)1 << 20)
#define NU_MODEL_MAXHIST 100000

/* The scalars of a model file (its root attributes and run state). */
struct nu_model_meta {
	enum nu_task task;
	uint64_t seed;
	int epoch;              /* epochs completed */
	int batch;              /* batches of the next epoch done */
	uint64_t step;
	char normalise[8];      /* "255", "max", "log1p" */
	int normalise_max;
	double threshold;
	int best_epoch;
	double best_value;
	/* sums of the epoch in progress, for an exact resume mid-epoch */
	double partial_loss, partial_metric;
	uint64_t partial_events;
	/* the --where text of the events trained on, "" for every event (and
	 * for files written before the attribute existed); NULL saves as "".
	 * Borrowed by nu_model_save; in a loaded model it points to
	 * nu_model.where, never NULL. */
	const char *where;
	/* which events the run trained and validated on (trainset.h), or
	 * NULL when not recorded (files written before /trainset existed).
	 * Borrowed by nu_model_save; in a loaded model it points to
	 * nu_model.trainset. */
	const struct nu_trainset *trainset;
};

struct nu_model {
	struct nu_arch *arch;      /* parsed from /arch */
	struct nu_net *net;     /* built from it, with the stored parameters */
	struct nu_model_meta meta;
	char opt_kind[12];
	uint64_t opt_step;
	float *opt_m, *opt_v;   /* [net->nparams] or NULL */
	struct nu_epoch_rec *hist;
	int nhist;
	float *best_params;     /* [net->nparams] or NULL */
	float *best_state;      /* [net->nstate] or NULL */
	char *where;            /* meta.where's text (owned) */
	struct nu_trainset *trainset;   /* meta.trainset (owned), or NULL */
};

/*
 * Write a model file: to a temporary name beside path, renamed over path
 * when complete.  opt, hist, best_* may be NULL/0.
 */
enum nu_status nu_model_save(const char *path, const struct nu_net *net,
    const char *arch_text, const struct nu_opt *opt,
    const struct nu_epoch_rec *hist, int nhist, const float *best_params,
    const float *best_state, const struct nu_model_meta *meta, char **cause);

/* Read a model file and rebuild its network (caller frees). */
enum nu_status nu_model_load(const char *path, struct nu_model **out, char **cause);
void nu_model_free(struct nu_model *m);

/* Store a new operating threshold in an existing model file (rewritten
 * through a temporary file like a save). */
enum nu_status nu_model_set_threshold(const char *path, double threshold, char **cause);

#endif
