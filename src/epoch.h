/*
 * epoch.h: the record of one completed training epoch, made by the
 * trainer (train.h) and kept in a model file's history (model.h); its own
 * header so that neither of those two has to include the other.
 */
#ifndef NU_EPOCH_H
#define NU_EPOCH_H

#include <stdint.h>

/* One completed epoch.  Values that do not apply are NaN. */
struct nu_epoch_rec {
	int epoch;              /* 0-based */
	double lr;
	double train_loss, train_metric;        /* metric: accuracy or MAE */
	double val_loss, val_metric, val_accuracy, val_balanced_accuracy, val_auc;
	double seconds;
	uint64_t train_events, val_events;
	/* the optimizer steps this process took in the epoch, and the mean
	 * seconds of one: its compute (forward, backward, the update), its
	 * allreduce (the gradients' sum over the processes of an MPI run and
	 * the step's few small collectives, waits for the slowest process
	 * included; next to nothing in one process) and its reading (waiting for the
	 * loader's batch).  Not kept in model files. */
	int steps;
	double step_compute_s, step_allreduce_s, step_read_s;
};

#endif
