/*
 * opt.h: optimizers over a network's flat parameter buffer, as Keras
 * defines them, plus L2 penalties and learning-rate schedules.
 */
#ifndef NU_OPT_H
#define NU_OPT_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "net.h"

enum nu_opt_kind { NU_OPT_ADAM, NU_OPT_SGD, NU_OPT_RMSPROP };
enum nu_schedule { NU_SCHED_CONSTANT, NU_SCHED_STEP, NU_SCHED_EXPONENTIAL, NU_SCHED_COSINE };

struct nu_opt {
	enum nu_opt_kind kind;
	double lr, beta1, beta2, epsilon, momentum, rho;
	int nesterov;
	enum nu_schedule schedule;
	double decay_rate;
	int decay_epochs, epochs;
	size_t n;               /* parameters */
	uint64_t step;          /* updates made */
	float *m;               /* Adam: first moment; SGD: velocity; RMSprop: mean square */
	float *v;               /* Adam: second moment */
};

/* An optimizer for n parameters configured by the [train] section s (NULL:
 * the defaults of nuscope-arch(5)).  Caller frees with nu_opt_free. */
enum nu_status nu_opt_new(struct nu_opt **out, const struct nu_arch_section *s,
    size_t n, char **cause);
void nu_opt_free(struct nu_opt *o);

/* Learning rate of epoch (0-based) under the schedule. */
double nu_opt_lr(const struct nu_opt *o, int epoch);

/* Add the L2 penalties' gradients 2*l2*w to grads and return the penalty
 * sum(l2 * w^2) to add to the loss. */
double nu_opt_l2(const struct nu_net *net, const float *params, float *grads);

/* One update of params [n] from grads [n] at learning rate lr. */
void nu_opt_step(struct nu_opt *o, float *params, const float *grads, double lr);

#endif
