/*
 * train.h: a training run: a network, its data and optimizer, trained on a
 * thread of its own that any front end can watch and steer.
 *
 * DESIGN.  nu_train_start() starts the run thread, which also serves as
 * compute worker 0; opts->threads - 1 more workers wait for jobs.  A
 * training step splits the batch into one slice per worker (fixed by event
 * position, so the result does not depend on timing); each worker runs its
 * slice in micro-batches of opts->micro events (activations stay in cache),
 * adding gradients into its own buffer; the run thread sums the buffers in
 * worker order and updates the parameters.  Same seed, data and thread
 * count: the same weights, bit for bit.
 *
 * The front end never touches the run's data directly.  The run publishes
 * its progress under a mutex and writes one byte to a pipe when something
 * changed and no wake-up is already pending; the front end poll()s
 * nu_train_fd(), then calls nu_train_snapshot() (which re-arms the wake-up)
 * and copies what it needs.  Control goes the other way through atomics
 * checked between mini-batches (pause, stop) and a locked request for
 * "save a checkpoint now".  The run never prints: its messages go through
 * nu_log and into the snapshot.
 */
#ifndef NU_TRAIN_H
#define NU_TRAIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "dataset.h"
#include "epoch.h"
#include "net.h"
#include "split.h"

enum nu_run_state {
	NU_RUN_READY, NU_RUN_RUNNING, NU_RUN_PAUSED,
	NU_RUN_FINISHED, NU_RUN_STOPPED, NU_RUN_FAILED
};

/*
 * The validation confusion matrix of one epoch of a classification task:
 * count[i][j] is the number of validation events of true class i that the
 * network put in class j (a single sigmoid output: class 1, the signal,
 * when its score is above 0.5, as the accuracy counts; several outputs:
 * the largest).  Classes are numbered as nu_task_class_name's.
 */
struct nu_train_confusion {
	int epoch;              /* 0-based; -1: none (a regression, a run
	                         * without validation events, before the first
	                         * epoch, or an epoch of a resumed model's
	                         * history: model files do not keep matrices) */
	int nclasses;
	uint64_t count[NU_MAXCLASSES][NU_MAXCLASSES];
};

/* One training step. */
struct nu_batch_rec {
	int epoch;
	int batch;              /* within the epoch */
	float loss, metric;
	float events_per_s;
};

struct nu_train_opts {
	int threads;            /* compute workers; 0 = 2 */
	int micro;              /* events per worker pass; 0 = 16 (whole slices
	                         * when the network has batch normalisation) */
	int epochs;             /* 0 = the architecture's epochs */
	size_t memory_limit;    /* bytes of pixels held in memory; 0 = 4 GiB */
	const char *output;     /* model written after every epoch and at the
	                         * end (NULL: none) */
	const char *resume;     /* continue the run saved in this model file */
	/* NULL, or a flag another thread may set while nu_train_new reads
	 * the events into memory: it then ends with NU_ERR_CANCELLED (a
	 * started run is stopped with nu_train_stop instead) */
	const atomic_bool *stop;
	const char *where;      /* train on the events this expression selects
	                         * (nuscope(1), SELECTING EVENTS; where.h);
	                         * NULL or "" = every event.  Resuming, NULL or
	                         * "" keeps the model's stored selection and
	                         * any other text must equal it. */
};

struct nu_train_snap {
	enum nu_run_state state;
	char message[256];      /* the last notable event or error */
	int epoch, epochs;      /* current epoch (0-based) and total */
	int batch, nbatches;    /* within the epoch */
	uint64_t step;
	double lr, events_per_s, eta_s, elapsed_s;
	int best_epoch;         /* -1 before the first epoch ends */
	double best_value;      /* of the monitored quantity */
	const char *monitor;    /* static name */
	size_t nbatch_recs;     /* batch records so far (nu_train_batches) */
	int nepoch_recs;        /* epoch records so far (nu_train_epochs) */
	uint64_t train_events, val_events, test_events;
	/* the selection: events in the files, those the run's expression
	 * selects (all of them without one), and those of the task's events
	 * among them, which the split divides */
	uint64_t dataset_events, selected_events, task_events;
	size_t nparams;
	/* the validation confusion matrix of the latest epoch completed */
	struct nu_train_confusion confusion;
};

struct nu_train;

/*
 * Prepare a run of the architecture a (borrowed for the call) on dataset ds
 * (borrowed for the life of the run; not used by the caller meanwhile):
 * build the network, label the events, keep those opts->where selects,
 * split them, make the loaders and the optimizer, load the resumed model.
 * An expression that does not compile, reads a column the files lack,
 * selects no event of the task or differs from a resumed model's is an
 * error naming it.
 */
enum nu_status nu_train_new(struct nu_train **out, const struct nu_arch *a,
    struct nu_dataset *ds, const struct nu_train_opts *opts, char **cause);

/* Start the run thread. */
enum nu_status nu_train_start(struct nu_train *t, char **cause);

void nu_train_pause(struct nu_train *t, bool pause);
void nu_train_stop(struct nu_train *t);
/* Ask for a checkpoint at the next batch boundary, or at once when the
 * run is paused (path copied). */
void nu_train_save(struct nu_train *t, const char *path);

/* The read end of the wake-up pipe (readable when there is news). */
int nu_train_fd(const struct nu_train *t);

/* Copy the progress; drains and re-arms the wake-up pipe. */
void nu_train_snapshot(struct nu_train *t, struct nu_train_snap *s);

/* Copy batch records [from, from + cap) into out; returns how many. */
size_t nu_train_batches(struct nu_train *t, size_t from, struct nu_batch_rec *out,
    size_t cap);
/* Copy epoch records [from, from + cap); returns how many. */
int nu_train_epochs(struct nu_train *t, int from, struct nu_epoch_rec *out, int cap);

/* The validation confusion matrix of epoch record `epoch` (as
 * nu_train_epochs numbers them) into *out; false when it has none
 * (out->epoch is then -1). */
bool nu_train_confusion(struct nu_train *t, int epoch, struct nu_train_confusion *out);

/* The value of the monitored quantity m (a [train] monitor choice:
 * "val_loss", "val_accuracy", "val_balanced_accuracy", "val_auc",
 * "val_mse") in an epoch record, the training loss for an epoch without
 * validation events; and whether higher values are better.  The best
 * epoch is the first whose value beats the best by more than min_delta. */
double nu_train_monitored(const char *m, const struct nu_epoch_rec *r);
bool nu_train_monitor_max(const char *m, const struct nu_epoch_rec *r);

/* Wait for the run thread to end; its status and cause. */
enum nu_status nu_train_join(struct nu_train *t, char **cause);

/* The run's selection: the --where text it trains on ("" for every
 * event), the resumed model's when resuming.  Borrowed for the life of t. */
const char *nu_train_where(const struct nu_train *t);

/* The network (read-only while the run thread lives). */
const struct nu_net *nu_train_net(const struct nu_train *t);

/* Scores of the validation events at the end of the last epoch
 * ([n * nout], borrowed; NULL before) and their event indices. */
const float *nu_train_val_scores(const struct nu_train *t, const uint64_t **events,
    size_t *n);

void nu_train_free(struct nu_train *t);

/* Speed of the training step and of inference on a synthetic batch (maps
 * with 5% of pixels lit), without data loading: medians over `steps`
 * timed steps after two warm-up steps. */
struct nu_train_bench {
	double train_eps, infer_eps;    /* events per second */
	int micro;                      /* events per worker pass used */
	/* Then as many profiled steps (nu_net_ws_profile), in thread-seconds
	 * per event (summed over the threads): each node's forward and
	 * backward in a training step and its forward in inference; the
	 * passes' work outside the nodes; and a whole step's thread time
	 * (threads x wall time / batch), which also holds the loss, the
	 * optimiser and the threads' waiting. */
	int nnodes;
	char name[NU_NET_MAXNODES][40];
	const char *kind[NU_NET_MAXNODES];      /* static strings */
	double mflop[NU_NET_MAXNODES];          /* forward, per event */
	double fwd[NU_NET_MAXNODES], bwd[NU_NET_MAXNODES], other, step;
	double ifwd[NU_NET_MAXNODES], iother, istep;
};
enum nu_status nu_train_bench(const struct nu_arch *a, size_t batch, int threads,
    int micro, int steps, struct nu_train_bench *out, char **cause);

#endif
