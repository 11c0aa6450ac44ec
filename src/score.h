/*
 * score.h: a trained model's outputs for events of a dataset.
 */
#ifndef NU_SCORE_H
#define NU_SCORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "model.h"
#include "split.h"

/*
 * Outputs of m's network for events[0..n) of ds (ascending global
 * indices), scaled as in training: out[n * nout] (post-activation: the
 * signal probability, class probabilities or the regression value).  The
 * events are streamed in order, `batch` at a time (0 = 64), each batch
 * split over two threads.  lab: NULL, or labels for the loader (any
 * task's will do; they are not used).
 * stop: NULL, or a flag another thread may set; once set, scoring ends
 * after the batch in hand with NU_ERR_CANCELLED.
 */
enum nu_status nu_score(const struct nu_model *m, const struct nu_dataset *ds,
    const uint64_t *events, size_t n, const struct nu_labels *lab, size_t batch,
    float *out, const atomic_bool *stop, char **cause);

#endif
