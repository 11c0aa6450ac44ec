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
};

#endif
