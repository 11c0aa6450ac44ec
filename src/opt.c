/*
 * opt.c: Adam, SGD with momentum and RMSprop with Keras's update rules.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

void
nu_opt_free(struct nu_opt *o)
{
	if (o == NULL)
		return;
	free(o->m);
	free(o->v);
	free(o);
}

enum nu_status
nu_opt_new(struct nu_opt **out, const struct nu_arch_section *s, size_t n, char **cause)
{
	struct nu_opt *o = calloc(1, sizeof(*o));
	static const char *const kinds[] = { "adam", "sgd", "rmsprop" };
	static const char *const scheds[] = { "constant", "step", "exponential", "cosine" };
	const char *k = s != NULL ? nu_arch_enum(s, "optimizer") : "adam";
	const char *sc = s != NULL ? nu_arch_enum(s, "schedule") : "constant";

	*out = NULL;
	if (o == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	for (int i = 0; i < 3; i++)
		if (strcmp(k, kinds[i]) == 0)
			o->kind = (enum nu_opt_kind)i;
	for (int i = 0; i < 4; i++)
		if (strcmp(sc, scheds[i]) == 0)
			o->schedule = (enum nu_schedule)i;
	o->lr = s ? nu_arch_float(s, "lr") : 1e-3;
	o->beta1 = s ? nu_arch_float(s, "beta1") : 0.9;
	o->beta2 = s ? nu_arch_float(s, "beta2") : 0.999;
	o->epsilon = s ? nu_arch_float(s, "epsilon") : 1e-7;
	o->momentum = s ? nu_arch_float(s, "momentum") : 0.0;
	o->nesterov = s ? nu_arch_bool(s, "nesterov") : 0;
	o->rho = s ? nu_arch_float(s, "rho") : 0.9;
	o->decay_rate = s ? nu_arch_float(s, "decay_rate") : 0.5;
	o->decay_epochs = s ? (int)nu_arch_int(s, "decay_epochs") : 10;
	o->epochs = s ? (int)nu_arch_int(s, "epochs") : 10;
	o->n = n;
	o->m = calloc(n ? n : 1, sizeof(float));
	o->v = calloc(n ? n : 1, sizeof(float));
	if (o->m == NULL || o->v == NULL) {
		nu_opt_free(o);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory for the optimizer");
	}
	*out = o;
	return NU_OK;
}

double
nu_opt_lr(const struct nu_opt *o, int epoch)
{
	switch (o->schedule) {
	case NU_SCHED_STEP:
		return o->lr * pow(o->decay_rate, (double)(epoch / o->decay_epochs));
	case NU_SCHED_EXPONENTIAL:
		return o->lr * pow(o->decay_rate, (double)epoch / o->decay_epochs);
	case NU_SCHED_COSINE:
		return o->lr * 0.5 * (1.0 + cos(3.141592653589793 * epoch /
		    (o->epochs > 0 ? o->epochs : 1)));
	default:
		return o->lr;
	}
}

double
nu_opt_l2(const struct nu_net *net, const float *params, float *grads)
{
	double pen = 0;

	for (int i = 0; i < net->nnodes; i++) {
		const struct nu_net_node *nd = &net->node[i];

		for (int t = 0; t < nd->l->ntensors; t++) {
			const struct nu_layer_tensor *ten = &nd->l->tensors[t];
			double c = ten->role == NU_LAYER_ROLE_WEIGHT ? nd->l2 :
			    ten->role == NU_LAYER_ROLE_BIAS ? nd->l2_bias : 0.0;
			const float *w = params + nd->poff + ten->off;
			float *g = grads + nd->poff + ten->off;
			double sum = 0;

			if (c == 0.0 || ten->state)
				continue;
			for (size_t j = 0; j < ten->size; j++) {
				sum += (double)w[j] * w[j];
				g[j] += (float)(2.0 * c) * w[j];
			}
			pen += c * sum;
		}
	}
	return pen;
}

void
nu_opt_step(struct nu_opt *o, float *params, const float *grads, double lr)
{
	size_t n = o->n;

	o->step++;
	switch (o->kind) {
	case NU_OPT_ADAM: {
		/* alpha = lr sqrt(1 - b2^t) / (1 - b1^t);
		 * m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
		 * w -= alpha m / (sqrt(v) + eps) */
		double t = (double)o->step;
		float alpha = (float)(lr * sqrt(1.0 - pow(o->beta2, t)) /
		    (1.0 - pow(o->beta1, t)));
		float b1 = (float)(1.0 - o->beta1), b2 = (float)(1.0 - o->beta2);
		float eps = (float)o->epsilon;

		for (size_t i = 0; i < n; i++) {
			float g = grads[i];

			o->m[i] += (g - o->m[i]) * b1;
			o->v[i] += (g * g - o->v[i]) * b2;
			params[i] -= alpha * o->m[i] / (sqrtf(o->v[i]) + eps);
		}
		break;
	}
	case NU_OPT_SGD: {
		/* velocity = momentum velocity - lr g; w += velocity, or
		 * w += momentum velocity - lr g with Nesterov */
		float mu = (float)o->momentum, a = (float)lr;

		for (size_t i = 0; i < n; i++) {
			o->m[i] = mu * o->m[i] - a * grads[i];
			params[i] += o->nesterov ? mu * o->m[i] - a * grads[i] : o->m[i];
		}
		break;
	}
	case NU_OPT_RMSPROP: {
		/* ms = rho ms + (1 - rho) g^2; w -= lr g / (sqrt(ms) + eps) */
		float rho = (float)o->rho, a = (float)lr, eps = (float)o->epsilon;

		for (size_t i = 0; i < n; i++) {
			o->m[i] = rho * o->m[i] + (1.0f - rho) * grads[i] * grads[i];
			params[i] -= a * grads[i] / (sqrtf(o->m[i]) + eps);
		}
		break;
	}
	}
}
