/*
 * loss.h: the training losses of the three heads.
 *
 * Each function takes a batch of n outputs of k values each ([n, k], float32,
 * borrowed) and targets of the same shape, returns the mean loss, and when
 * grad is not NULL writes dLoss/d(its input) there ([n, k], caller's
 * memory; may not overlap the inputs).  "Mean" is as Keras reduces: over the
 * n events (and over the k outputs for binary cross-entropy and MSE);
 * per-class weights scale each event's loss without renormalising, as
 * Keras's class_weight does.  They never allocate and never fail.
 *
 * Call a loss on the whole batch's outputs, single-threaded, then hand each
 * worker its rows of grad: the mean is over the whole batch that way.
 */
#ifndef NU_LOSS_H
#define NU_LOSS_H

#define NU_LOSS_EPS 1e-7f          /* Keras's epsilon: probabilities clamp to [eps, 1-eps] */

/*
 * Binary cross-entropy on sigmoid outputs p in (0, 1) against targets t in
 * [0, 1], as tf.keras 2 computes it from probabilities: p clamped to
 * [NU_LOSS_EPS, 1 - NU_LOSS_EPS] (the gradient is 0 where clamped), then the mean
 * of -(t log(p + eps) + (1 - t) log(1 - p + eps)).  Given a sigmoid layer's
 * output, Keras itself uses the logits, as nu_loss_bce_logits does: prefer
 * that fused form in training.
 * class_w, if not NULL, is {weight of class 0, weight of class 1}; an element
 * weighs t * class_w[1] + (1 - t) * class_w[0].
 *   p, t: [n, k]  grad: [n, k] = dLoss/dp
 */
double nu_loss_bce(const float *p, const float *t, int n, int k,
    const float *class_w, float *grad);

/*
 * The same loss from the logits z (p = sigmoid(z)), in the stable form
 * max(z, 0) - z t + log(1 + exp(-|z|)), unclamped; fuse it with a sigmoid
 * output layer whose backward is then skipped.
 *   z, t: [n, k]  grad: [n, k] = dLoss/dz = w (sigmoid(z) - t) / (n k)
 */
double nu_loss_bce_logits(const float *z, const float *t, int n, int k,
    const float *class_w, float *grad);

/*
 * Categorical cross-entropy on softmax outputs p against target
 * distributions t (one-hot for classes): mean over events of
 * -sum_j t_j log p_j, p clamped as in nu_loss_bce.  class_w, if not NULL, has
 * k weights; an event weighs sum_j t_j class_w[j].
 *   p, t: [n, k]  grad: [n, k] = dLoss/dp
 */
double nu_loss_cce(const float *p, const float *t, int n, int k,
    const float *class_w, float *grad);

/*
 * The same from the logits z (p = softmax(z) over k), computed with the
 * log-sum-exp; fuse it with a softmax output layer.
 *   z, t: [n, k]  grad: [n, k] = dLoss/dz = w (softmax(z) sum(t) - t) / n
 */
double nu_loss_cce_logits(const float *z, const float *t, int n, int k,
    const float *class_w, float *grad);

/*
 * Mean squared error over all n k values.
 *   y, t: [n, k]  grad: [n, k] = 2 (y - t) / (n k)
 */
double nu_loss_mse(const float *y, const float *t, int n, int k, float *grad);

#endif
