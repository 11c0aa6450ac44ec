/*
 * train.c: training runs on a thread of their own (see train.h).
 *
 * DESIGN (distributed runs, dist.h): every process holds the whole model
 * and its loader serves its share of every batch; the processes' gradient
 * sums are added together (dist_sum_float) before one optimizer step that
 * every process takes alike.  Each event keeps its index in the whole
 * batch (random streams such as dropout's) and the loss is a mean over
 * the whole batch, so that the run does not depend on the number of
 * processes but for the order of additions.  Whatever decides the course
 * of the run (a read error, a stop, a save) is agreed on by all processes
 * at the same point; only rank 0 writes the model.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist.h"
#include "loader.h"
#include "layer.h"
#include "loss.h"
#include "rng.h"
#include "metrics.h"
#include "model.h"
#include "opt.h"
#include "split.h"
#include "train.h"
#include "wake.h"
#include "where.h"

#define MAX_WORKERS 16

enum job_kind { JOB_TRAIN, JOB_EVAL, JOB_QUIT };

struct nu_train;

struct worker {
	struct nu_train *t;
	int id;
	pthread_t thread;
	struct nu_net_ws *ws;
	float *grads;           /* [nparams] */
	float *target, *g;      /* [micro * nout] */
	double loss_sum, metric_sum;
};

struct nu_train {
	/* ---- set up by nu_train_new, read-only while running ---- */
	struct nu_net *net;
	char *arch_text;
	struct nu_dataset *ds;
	struct nu_labels lab;
	struct nu_split split;
	struct nu_loader *train_ld, *val_ld;
	struct nu_opt *opt;
	int nthreads, micro, epochs;
	int nclasses;
	float class_w[NU_MAXCLASSES];
	bool use_class_w;
	char *output;
	char *where;            /* the selection's text, "" for every event */
	struct nu_trainset *trainset;   /* the split, recorded in the model */
	char normalise[8];
	int normalise_max;
	/* [train] choices */
	bool early_stop, restore_best;
	int patience;
	double min_delta;
	const char *monitor;    /* static */
	uint64_t seed;

	/* ---- owned by the run thread ---- */
	struct worker w[MAX_WORKERS];
	float *gsum;            /* [nparams] */
	float *best_params, *best_state;
	float *val_scores;      /* [nval * nout] */
	uint64_t *val_events;
	size_t nval;
	int start_epoch, start_batch;
	double part_loss, part_metric;
	uint64_t part_events;
	struct timespec t0;

	/* ---- job hand-off between the run thread and the workers ---- */
	pthread_mutex_t jmu;
	pthread_cond_t jgo, jdone;
	uint64_t jgen;
	int jpending;
	enum job_kind jkind;
	const struct nu_batch *jbatch;
	uint64_t jseed;
	float *jout;            /* JOB_EVAL: outputs [n * nout] */

	/* ---- published progress, under mu ---- */
	pthread_mutex_t mu;
	pthread_cond_t resume_cv;
	struct nu_train_snap snap;
	struct nu_batch_rec *brec;
	size_t nbrec, capbrec;
	struct nu_epoch_rec *erec;
	struct nu_train_confusion *conf;        /* [caperec], beside erec */
	int nerec, caperec;
	char *save_path;        /* a checkpoint request */
	enum nu_status result;
	char *result_cause;

	/* ---- control ---- */
	atomic_bool stop, pause;
	struct nu_wake wake;    /* the front end's poll() loop */
	pthread_t thread;
	bool started;
};

static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

/* Wake the front end (at most one wake-up pending). */
static void
wake(struct nu_train *t)
{
	nu_wake_signal(&t->wake);
}

static void
set_message(struct nu_train *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
set_message(struct nu_train *t, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = nu_vasprintf(fmt, ap);
	va_end(ap);
	if (m == NULL)
		return;
	nu_log(NU_LOG_INFO, "%s", m);
	pthread_mutex_lock(&t->mu);
	snprintf(t->snap.message, sizeof t->snap.message, "%s", m);
	pthread_mutex_unlock(&t->mu);
	free(m);
	wake(t);
}

/* ---- computing a slice ------------------------------------------------------------ */

/* Targets of events [a, b) of the batch as the loss wants them. */
static void
targets(const struct nu_train *t, const struct nu_batch *b, size_t a, size_t m, float *out)
{
	int K = t->net->nout;

	if (t->net->loss == NU_LOSS_CCE) {
		memset(out, 0, m * (size_t)K * sizeof(float));
		for (size_t i = 0; i < m; i++)
			out[i * (size_t)K + (size_t)b->y[a + i]] = 1.0f;
	} else {
		for (size_t i = 0; i < m; i++)
			out[i] = b->y[a + i];
	}
}

/* Loss (mean over the m events) and its gradient for the net's head; class
 * weights apply in training only, as Keras's class_weight does, so the
 * validation loss is the plain loss. */
static double
head_loss(const struct nu_train *t, const float *out, const float *logits,
    const float *target, int m, float *g, bool train)
{
	const float *cw = train && t->use_class_w ? t->class_w : NULL;

	switch (t->net->loss) {
	case NU_LOSS_BCE:
		return nu_loss_bce_logits(logits, target, m, 1, cw, g);
	case NU_LOSS_CCE:
		return nu_loss_cce_logits(logits, target, m, t->net->nout, cw, g);
	default:
		return nu_loss_mse(out, target, m, t->net->nout, g);
	}
}

/* Accuracy count, or absolute error sum for regressions, of m events. */
static double
metric_sum(const struct nu_train *t, const float *out, const float *y, int m)
{
	double s = 0;
	int K = t->net->nout;

	for (int i = 0; i < m; i++) {
		if (t->nclasses == 0)
			s += fabs((double)out[i] - (double)y[i]);
		else if (K == 1)
			s += (out[i] > 0.5f) == (y[i] > 0.5f);
		else {
			int best = 0;

			for (int k = 1; k < K; k++)
				if (out[i * K + k] > out[i * K + best])
					best = k;
			s += best == (int)y[i];
		}
	}
	return s;
}

static void
run_slice(struct nu_train *t, struct worker *w)
{
	const struct nu_batch *b = t->jbatch;
	size_t B = b->n, T = (size_t)t->nthreads;
	size_t a = B * (size_t)w->id / T, e = B * (size_t)(w->id + 1) / T;
	/* the whole batch, of which b may be one process's share */
	size_t total = b->total > 0 ? b->total : B;
	size_t per = (size_t)t->net->nviews * NU_VIEW_BYTES;
	int K = t->net->nout;
	bool train = t->jkind == JOB_TRAIN;

	w->loss_sum = w->metric_sum = 0;
	if (train)
		memset(w->grads, 0, t->net->nparams * sizeof(float));
	for (size_t at = a; at < e; ) {
		int m = (int)(e - at < (size_t)t->micro ? e - at : (size_t)t->micro);
		const float *logits, *out;
		double L;

		out = nu_net_forward(t->net, w->ws, b->x + at * per, m, b->first + at,
		    train, t->jseed, &logits);
		targets(t, b, at, (size_t)m, w->target);
		L = head_loss(t, out, logits, w->target, m, w->g, train);
		w->loss_sum += L * m;
		w->metric_sum += metric_sum(t, out, b->y + at, m);
		if (train) {
			/* the loss of the batch is the mean over all its events */
			float scale = (float)m / (float)total;

			for (int i = 0; i < m * K; i++)
				w->g[i] *= scale;
			nu_net_backward(t->net, w->ws, w->g, w->grads);
		} else {
			memcpy(t->jout + at * (size_t)K, out, (size_t)m * (size_t)K * sizeof(float));
		}
		at += (size_t)m;
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct nu_train *t = w->t;
	uint64_t seen = 0;

	for (;;) {
		pthread_mutex_lock(&t->jmu);
		while (t->jgen == seen)
			pthread_cond_wait(&t->jgo, &t->jmu);
		seen = t->jgen;
		if (t->jkind == JOB_QUIT) {
			pthread_mutex_unlock(&t->jmu);
			return NULL;
		}
		pthread_mutex_unlock(&t->jmu);
		run_slice(t, w);
		pthread_mutex_lock(&t->jmu);
		if (--t->jpending == 0)
			pthread_cond_signal(&t->jdone);
		pthread_mutex_unlock(&t->jmu);
	}
}

/* Run a job on every worker, the run thread being worker 0. */
static void
run_job(struct nu_train *t, enum job_kind kind, const struct nu_batch *b,
    uint64_t seed, float *out)
{
	pthread_mutex_lock(&t->jmu);
	t->jkind = kind;
	t->jbatch = b;
	t->jseed = seed;
	t->jout = out;
	t->jpending = t->nthreads - 1;
	t->jgen++;
	pthread_cond_broadcast(&t->jgo);
	pthread_mutex_unlock(&t->jmu);
	if (kind == JOB_QUIT)
		return;
	run_slice(t, &t->w[0]);
	pthread_mutex_lock(&t->jmu);
	while (t->jpending > 0)
		pthread_cond_wait(&t->jdone, &t->jmu);
	pthread_mutex_unlock(&t->jmu);
}

/* ---- the run ------------------------------------------------------------------ */

static enum nu_status
save_model(struct nu_train *t, const char *path, int epoch, int batch,
    char **cause)
{
	struct nu_model_meta meta;
	struct nu_epoch_rec *hist;
	int nhist;
	enum nu_status st;

	if (dist_rank() != 0)
		return NU_OK;   /* rank 0 alone writes the model */
	memset(&meta, 0, sizeof(meta));
	meta.task = t->net->task;
	meta.seed = t->seed;
	meta.epoch = epoch;
	meta.batch = batch;
	meta.step = t->opt->step;
	snprintf(meta.normalise, sizeof meta.normalise, "%s", t->normalise);
	meta.normalise_max = t->normalise_max;
	meta.threshold = 0.5;
	/* sums of an epoch in progress; at an epoch's boundary there is none */
	meta.partial_loss = batch > 0 ? t->part_loss : 0;
	meta.partial_metric = batch > 0 ? t->part_metric : 0;
	meta.partial_events = batch > 0 ? t->part_events : 0;
	meta.where = t->where;
	meta.trainset = t->trainset;
	pthread_mutex_lock(&t->mu);
	meta.best_epoch = t->snap.best_epoch;
	meta.best_value = t->snap.best_value;
	nhist = t->nerec;
	hist = malloc(((size_t)nhist + 1) * sizeof(*hist));
	if (hist != NULL && nhist > 0)
		memcpy(hist, t->erec, (size_t)nhist * sizeof(*hist));
	pthread_mutex_unlock(&t->mu);
	if (hist == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory saving %s", path);
	st = nu_model_save(path, t->net, t->arch_text, t->opt, hist, nhist,
	    t->restore_best && meta.best_epoch >= 0 ? t->best_params : NULL,
	    t->restore_best && meta.best_epoch >= 0 ? t->best_state : NULL, &meta, cause);
	free(hist);
	return st;
}

/* Write the checkpoint asked for with nu_train_save, if any, as of batch
 * `batch` of `epoch` done (run thread, mu not held). */
static void
checkpoint(struct nu_train *t, int epoch, int batch)
{
	char *path, *why = NULL;

	pthread_mutex_lock(&t->mu);
	path = t->save_path;
	t->save_path = NULL;
	pthread_mutex_unlock(&t->mu);
	if (path == NULL)
		return;
	if (save_model(t, path, epoch, batch, &why) == NU_OK)
		set_message(t, "checkpoint saved to %s", path);
	else
		set_message(t, "checkpoint not saved: %s", why ? why : "error");
	free(why);
	free(path);
}

static void
publish_batch(struct nu_train *t, int epoch, int batch, double loss, double metric,
    double eps)
{
	pthread_mutex_lock(&t->mu);
	if (t->nbrec == t->capbrec) {
		size_t cap = t->capbrec ? t->capbrec * 2 : 1024;
		struct nu_batch_rec *r = realloc(t->brec, cap * sizeof(*r));

		if (r != NULL) {
			t->brec = r;
			t->capbrec = cap;
		}
	}
	if (t->nbrec < t->capbrec) {
		t->brec[t->nbrec++] = (struct nu_batch_rec){ epoch, batch, (float)loss,
		    (float)metric, (float)eps };
	}
	t->snap.nbatch_recs = t->nbrec;
	t->snap.epoch = epoch;
	t->snap.batch = batch + 1;
	t->snap.step = t->opt->step;
	t->snap.events_per_s = eps;
	t->snap.elapsed_s = elapsed(&t->t0);
	pthread_mutex_unlock(&t->mu);
	wake(t);
}

/* The confusion matrix of the at validation events just scored: true
 * class against the class the outputs choose (as metric_sum counts). */
static void
count_confusion(const struct nu_train *t, size_t at, struct nu_train_confusion *cm)
{
	int K = t->net->nout;

	cm->nclasses = t->nclasses;
	for (size_t i = 0; i < at; i++) {
		const float *o = t->val_scores + i * (size_t)K;
		int truth = (int)t->lab.label[t->val_events[i]], pred = 0;

		if (K == 1)
			pred = o[0] > 0.5f;
		else
			for (int k = 1; k < K; k++)
				if (o[k] > o[pred])
					pred = k;
		if (truth >= 0 && truth < t->nclasses && pred < t->nclasses)
			cm->count[truth][pred]++;
	}
}

/* Validation of the epoch: fills rec's val_* fields, val_scores and, for
 * classification tasks, the confusion matrix cm (cm->epoch stays -1
 * without one). */
static enum nu_status
validate(struct nu_train *t, struct nu_epoch_rec *rec, struct nu_train_confusion *cm,
    char **cause)
{
	const struct nu_batch *b;
	double loss = 0, metric = 0;
	size_t at = 0;
	int K = t->net->nout;
	enum nu_status st;

	rec->val_loss = rec->val_metric = rec->val_accuracy = NAN;
	rec->val_balanced_accuracy = rec->val_auc = NAN;
	rec->val_events = 0;
	if (t->val_ld == NULL)
		return NU_OK;
	if ((st = nu_loader_start(t->val_ld, 0, cause)) != NU_OK)
		return st;
	/* each process scores its share of a batch; every process gets the
	 * scores of the whole batch, in the order of one process */
	while ((st = dist_agree(nu_loader_next(t->val_ld, &b, cause), cause)) == NU_OK &&
	    b != NULL) {
		run_job(t, JOB_EVAL, b, 0, t->val_scores + (at + b->first) * (size_t)K);
		for (int k = 0; k < t->nthreads; k++) {
			loss += t->w[k].loss_sum;
			metric += t->w[k].metric_sum;
		}
		memcpy(t->val_events + at + b->first, b->event, b->n * sizeof(uint64_t));
		dist_gather_shares(t->val_scores + at * (size_t)K, b->total,
		    (size_t)K * sizeof(float));
		dist_gather_shares(t->val_events + at, b->total, sizeof(uint64_t));
		at += b->total;
	}
	if (st != NU_OK)
		return st;
	{
		double sums[2] = { loss, metric };

		dist_sum_double(sums, 2);
		loss = sums[0];
		metric = sums[1];
	}
	rec->val_events = at;
	rec->val_loss = loss / (double)at;
	rec->val_metric = metric / (double)at;
	if (t->nclasses > 0) {
		rec->val_accuracy = rec->val_metric;
		count_confusion(t, at, cm);
		cm->epoch = rec->epoch;
	}
	if (t->nclasses == 2) {
		float *lab = malloc(at * sizeof(float));
		struct nu_confusion c;

		if (lab == NULL)
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory validating");
		for (size_t i = 0; i < at; i++)
			lab[i] = t->lab.label[t->val_events[i]];
		nu_confusion_at(t->val_scores, lab, NULL, at, 0.5, &c);
		rec->val_balanced_accuracy = nu_balanced_accuracy(&c);
		st = nu_auc(t->val_scores, lab, at, &rec->val_auc);
		free(lab);
		if (st != NU_OK)
			return nu_fail(cause, st, "out of memory validating");
	}
	return NU_OK;
}

double
nu_train_monitored(const char *m, const struct nu_epoch_rec *r)
{
	if (r->val_events == 0)
		return r->train_loss;
	if (strcmp(m, "val_accuracy") == 0)
		return r->val_accuracy;
	if (strcmp(m, "val_balanced_accuracy") == 0)
		return r->val_balanced_accuracy;
	if (strcmp(m, "val_auc") == 0)
		return r->val_auc;
	return r->val_loss;   /* val_loss, and val_mse: the loss of a regression */
}

bool
nu_train_monitor_max(const char *m, const struct nu_epoch_rec *r)
{
	/* without validation events the training loss is watched: lower wins */
	return r->val_events > 0 && (strcmp(m, "val_accuracy") == 0 ||
	    strcmp(m, "val_balanced_accuracy") == 0 || strcmp(m, "val_auc") == 0);
}

static double
monitored(const struct nu_train *t, const struct nu_epoch_rec *r)
{
	return nu_train_monitored(t->monitor, r);
}

/*
 * One optimizer step on batch b: the workers' gradients summed in worker
 * order, L2 penalties, the update, batch-norm statistics.  Returns the
 * penalty; *loss and *metric receive the sums over the batch's events.
 */
static double
train_step(struct nu_train *t, const struct nu_batch *b, double lr, double *loss,
    double *metric, double *reduce_s)
{
	double pen;
	struct timespec r0;

	run_job(t, JOB_TRAIN, b, nu_layer_rand(t->seed ^ 0x5eedULL, t->opt->step), NULL);
	memcpy(t->gsum, t->w[0].grads, t->net->nparams * sizeof(float));
	for (int w = 1; w < t->nthreads; w++)
		for (size_t i = 0; i < t->net->nparams; i++)
			t->gsum[i] += t->w[w].grads[i];
	clock_gettime(CLOCK_MONOTONIC, &r0);
	dist_sum_float(t->gsum, t->net->nparams);      /* the processes' shares */
	*reduce_s += elapsed(&r0);
	pen = nu_opt_l2(t->net, t->net->params, t->gsum);
	nu_opt_step(t->opt, t->net->params, t->gsum, lr);
	if (t->net->has_bn) {
		struct nu_net_ws *ws[MAX_WORKERS];

		for (int w = 0; w < t->nthreads; w++)
			ws[w] = t->w[w].ws;
		nu_net_update_state(t->net, ws, t->nthreads);
	}
	{
		double sums[2] = { 0, 0 };

		for (int w = 0; w < t->nthreads; w++) {
			sums[0] += t->w[w].loss_sum;
			sums[1] += t->w[w].metric_sum;
		}
		clock_gettime(CLOCK_MONOTONIC, &r0);
		dist_sum_double(sums, 2);
		*reduce_s += elapsed(&r0);
		*loss = sums[0];
		*metric = sums[1];
	}
	return pen;
}

/* Whether the run stops here: asked to on any process, so on every one. */
static bool
stopping(struct nu_train *t)
{
	bool stop = dist_any(atomic_load(&t->stop));

	if (stop)
		atomic_store(&t->stop, true);
	return stop;
}

static enum nu_status
train_epoch(struct nu_train *t, int epoch, int first_batch, char **cause)
{
	const struct nu_batch *b;
	int nb = (int)nu_loader_nbatches(t->train_ld);
	double lr = nu_opt_lr(t->opt, epoch);
	struct timespec e0;
	struct nu_epoch_rec rec;
	struct nu_train_confusion cm;
	uint64_t events = 0;
	enum nu_status st;
	/* where the steps' time goes (bench/mpi-scaling): seconds reading,
	 * in collectives, in all */
	double read_s = 0, reduce_s = 0, steps_s = 0;
	int steps = 0;

	clock_gettime(CLOCK_MONOTONIC, &e0);
	if (first_batch == 0) {
		t->part_loss = t->part_metric = 0;
		t->part_events = 0;
	}
	pthread_mutex_lock(&t->mu);
	t->snap.lr = lr;
	t->snap.nbatches = nb;
	t->snap.epoch = epoch;
	pthread_mutex_unlock(&t->mu);
	if ((st = nu_loader_start(t->train_ld, (unsigned)epoch, cause)) != NU_OK)
		return st;
	for (int k = 0; ; k++) {
		double loss, metric, pen, secs, rd, ag;
		struct timespec s0, r0;

		clock_gettime(CLOCK_MONOTONIC, &s0);
		st = nu_loader_next(t->train_ld, &b, cause);
		rd = elapsed(&s0);
		clock_gettime(CLOCK_MONOTONIC, &r0);
		st = dist_agree(st, cause);
		ag = elapsed(&r0);
		if (st != NU_OK)
			return st;
		if (b == NULL)
			break;
		if (k < first_batch)
			continue;       /* resumed: done before the checkpoint */
		read_s += rd;
		reduce_s += ag;
		pen = train_step(t, b, lr, &loss, &metric, &reduce_s);
		steps_s += elapsed(&s0);
		steps++;
		t->part_loss += loss + pen * (double)b->total;
		t->part_metric += metric;
		t->part_events += b->total;
		events += b->total;
		secs = elapsed(&e0);
		publish_batch(t, epoch, k, loss / (double)b->total + pen,
		    metric / (double)b->total, secs > 0 ? (double)events / secs : 0);
		pthread_mutex_lock(&t->mu);
		t->snap.eta_s = events > 0 ? secs / (double)events *
		    ((double)(nb - k - 1) * (double)t->jbatch->total +
		    (double)(t->epochs - epoch - 1) * (double)nu_loader_nevents(t->train_ld)) : 0;
		pthread_mutex_unlock(&t->mu);

		/* requests between mini-batches */
		checkpoint(t, epoch, k + 1);
		if (atomic_load(&t->pause)) {
			pthread_mutex_lock(&t->mu);
			t->snap.state = NU_RUN_PAUSED;
			pthread_mutex_unlock(&t->mu);
			wake(t);
			pthread_mutex_lock(&t->mu);
			while (atomic_load(&t->pause) && !atomic_load(&t->stop)) {
				if (t->save_path != NULL) {
					/* paused, a checkpoint is written at once */
					pthread_mutex_unlock(&t->mu);
					checkpoint(t, epoch, k + 1);
					pthread_mutex_lock(&t->mu);
					continue;
				}
				pthread_cond_wait(&t->resume_cv, &t->mu);
			}
			t->snap.state = NU_RUN_RUNNING;
			pthread_mutex_unlock(&t->mu);
			wake(t);
		}
		if (stopping(t)) {
			t->start_batch = k + 1;
			return NU_OK;
		}
	}
	t->start_batch = 0;

	memset(&rec, 0, sizeof(rec));
	rec.epoch = epoch;
	rec.lr = lr;
	rec.train_events = t->part_events;
	rec.train_loss = t->part_events ? t->part_loss / (double)t->part_events : NAN;
	rec.train_metric = t->part_events ? t->part_metric / (double)t->part_events : NAN;
	rec.steps = steps;
	if (steps > 0) {
		rec.step_read_s = read_s / steps;
		rec.step_allreduce_s = reduce_s / steps;
		rec.step_compute_s = (steps_s - read_s - reduce_s) / steps;
	}
	memset(&cm, 0, sizeof(cm));
	cm.epoch = -1;
	if ((st = validate(t, &rec, &cm, cause)) != NU_OK)
		return st;
	rec.seconds = elapsed(&e0);

	pthread_mutex_lock(&t->mu);
	if (t->nerec == t->caperec) {
		int cap = t->caperec ? t->caperec * 2 : 16;
		struct nu_epoch_rec *r = realloc(t->erec, (size_t)cap * sizeof(*r));
		struct nu_train_confusion *c;

		if (r != NULL)
			t->erec = r;
		c = r != NULL ? realloc(t->conf, (size_t)cap * sizeof(*c)) : NULL;
		if (c == NULL) {
			pthread_mutex_unlock(&t->mu);
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		}
		t->conf = c;
		t->caperec = cap;
	}
	t->conf[t->nerec] = cm;
	t->erec[t->nerec++] = rec;
	t->snap.nepoch_recs = t->nerec;
	if (cm.epoch >= 0)
		t->snap.confusion = cm;
	pthread_mutex_unlock(&t->mu);
	wake(t);
	return NU_OK;
}

/* After an epoch: the best epoch so far, and whether to stop early. */
static bool
judge_epoch(struct nu_train *t, int epoch)
{
	struct nu_epoch_rec rec;
	double v, best;
	int best_epoch;
	bool better, higher;

	pthread_mutex_lock(&t->mu);
	rec = t->erec[t->nerec - 1];
	best = t->snap.best_value;
	best_epoch = t->snap.best_epoch;
	pthread_mutex_unlock(&t->mu);
	v = monitored(t, &rec);
	higher = nu_train_monitor_max(t->monitor, &rec);
	better = best_epoch < 0 || (!isnan(v) &&
	    (higher ? v > best + t->min_delta : v < best - t->min_delta));
	if (better) {
		pthread_mutex_lock(&t->mu);
		t->snap.best_value = v;
		t->snap.best_epoch = epoch;
		pthread_mutex_unlock(&t->mu);
		if (t->restore_best) {
			memcpy(t->best_params, t->net->params, t->net->nparams * sizeof(float));
			memcpy(t->best_state, t->net->state, t->net->nstate * sizeof(float));
		}
		return false;
	}
	return t->early_stop && epoch - best_epoch >= t->patience;
}

static void *
run_main(void *arg)
{
	struct nu_train *t = arg;
	enum nu_status st = NU_OK;
	char *cause = NULL;
	int epoch;

	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	for (epoch = t->start_epoch; epoch < t->epochs; epoch++) {
		int first = epoch == t->start_epoch ? t->start_batch : 0;

		bool enough;

		if ((st = train_epoch(t, epoch, first, &cause)) != NU_OK)
			break;
		if (t->start_batch > 0)
			break;          /* stopped in the middle of the epoch */
		/* a complete epoch: judged before saving, so the checkpoint
		 * knows its best epoch */
		enough = judge_epoch(t, epoch);
		if (t->output != NULL &&
		    (st = dist_agree(save_model(t, t->output, epoch + 1, 0, &cause),
		    &cause)) != NU_OK)
			break;
		if (stopping(t)) {
			epoch++;        /* stopped at the boundary: this one is done */
			break;
		}
		if (enough) {
			set_message(t, "early stop after epoch %d: %s has not improved for %d epochs",
			    epoch + 1, t->monitor, t->patience);
			epoch++;
			break;
		}
	}
	if (st == NU_OK && !stopping(t)) {
		int best;

		pthread_mutex_lock(&t->mu);
		best = t->snap.best_epoch;
		pthread_mutex_unlock(&t->mu);
		if (t->restore_best && best >= 0 && best != epoch - 1) {
			memcpy(t->net->params, t->best_params, t->net->nparams * sizeof(float));
			memcpy(t->net->state, t->best_state, t->net->nstate * sizeof(float));
			set_message(t, "restored the weights of epoch %d, the best by %s",
			    best + 1, t->monitor);
		}
		if (t->output != NULL)
			st = dist_agree(save_model(t, t->output, epoch, 0, &cause), &cause);
	} else if (st == NU_OK && t->output != NULL) {
		/* stopped: keep everything needed to resume exactly */
		st = dist_agree(save_model(t, t->output, epoch, t->start_batch, &cause),
		    &cause);
		if (st == NU_OK)
			set_message(t, "stopped; saved to %s (resume with --resume)", t->output);
	}
	pthread_mutex_lock(&t->mu);
	t->result = st;
	t->result_cause = cause;
	t->snap.state = st != NU_OK ? NU_RUN_FAILED :
	    atomic_load(&t->stop) ? NU_RUN_STOPPED : NU_RUN_FINISHED;
	if (st != NU_OK && cause != NULL)
		snprintf(t->snap.message, sizeof t->snap.message, "%s", cause);
	pthread_mutex_unlock(&t->mu);
	wake(t);
	return NULL;
}

/* ---- set-up ------------------------------------------------------------------- */

/* Workspaces and buffers of the compute workers for batches of `batch`
 * events in micro-batches of `micro` (0 = 16; whole slices with batch
 * normalisation). */
static enum nu_status
setup_workers(struct nu_train *t, size_t batch, int micro, char **cause)
{
	int max_micro = (int)((batch + (size_t)t->nthreads - 1) / (size_t)t->nthreads);
	enum nu_status st;

	t->micro = micro > 0 ? micro : 16;
	if (t->net->has_bn || t->micro > max_micro)
		t->micro = max_micro;
	t->gsum = malloc(t->net->nparams * sizeof(float));
	t->best_params = malloc((t->net->nparams + 1) * sizeof(float));
	t->best_state = malloc((t->net->nstate + 1) * sizeof(float));
	if (t->gsum == NULL || t->best_params == NULL || t->best_state == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	for (int k = 0; k < t->nthreads; k++) {
		struct worker *w = &t->w[k];
		size_t tn = (size_t)t->micro * (size_t)t->net->nout;

		w->t = t;
		w->id = k;
		if ((st = nu_net_ws_new(t->net, t->micro, &w->ws, cause)) != NU_OK)
			return st;
		w->grads = malloc(t->net->nparams * sizeof(float));
		w->target = malloc(tn * sizeof(float));
		w->g = malloc(tn * sizeof(float));
		if (w->grads == NULL || w->target == NULL || w->g == NULL)
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	return NU_OK;
}

/* The selection of a run resuming model m (from path): m's own, which
 * `asked` (the caller's --where, NULL or "" for none) may only repeat. */
static enum nu_status
resume_where(const struct nu_model *m, const char *path, const char *asked,
    const char **where, char **cause)
{
	const char *stored = m->meta.where;

	*where = stored;
	if (asked == NULL || asked[0] == '\0' || strcmp(asked, stored) == 0)
		return NU_OK;
	if (stored[0] == '\0')
		return nu_fail(cause, NU_ERR_USAGE, "%s was trained on every event, "
		    "without --where; resume it without --where, not with '%s'", path, asked);
	return nu_fail(cause, NU_ERR_USAGE, "%s was trained on the events selected by "
	    "'%s'; resume it with that selection (or without --where, which keeps "
	    "it), not with '%s'", path, stored, asked);
}

/* Continue from model m (read from path, already checked against the
 * architecture): its weights, optimizer state, position and history. */
static enum nu_status
resume_from(struct nu_train *t, const struct nu_model *m, char **cause)
{
	memcpy(t->net->params, m->net->params, t->net->nparams * sizeof(float));
	memcpy(t->net->state, m->net->state, t->net->nstate * sizeof(float));
	if (m->opt_m != NULL)
		memcpy(t->opt->m, m->opt_m, t->net->nparams * sizeof(float));
	if (m->opt_v != NULL)
		memcpy(t->opt->v, m->opt_v, t->net->nparams * sizeof(float));
	t->opt->step = m->opt_step;
	t->start_epoch = m->meta.epoch;
	t->start_batch = m->meta.batch;
	t->part_loss = m->meta.partial_loss;
	t->part_metric = m->meta.partial_metric;
	t->part_events = m->meta.partial_events;
	t->snap.best_epoch = m->meta.best_epoch;
	t->snap.best_value = m->meta.best_value;
	if (m->best_params != NULL)
		memcpy(t->best_params, m->best_params, t->net->nparams * sizeof(float));
	if (m->best_state != NULL)
		memcpy(t->best_state, m->best_state, t->net->nstate * sizeof(float));
	if (m->nhist > 0) {
		t->erec = malloc((size_t)m->nhist * sizeof(*t->erec));
		if (t->erec == NULL)
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		memcpy(t->erec, m->hist, (size_t)m->nhist * sizeof(*t->erec));
		if ((t->conf = calloc((size_t)m->nhist, sizeof(*t->conf))) == NULL)
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		for (int e = 0; e < m->nhist; e++)
			t->conf[e].epoch = -1;
		t->nerec = t->caperec = m->nhist;
		t->snap.nepoch_recs = t->nerec;
	}
	return NU_OK;
}

#define SELECT_BLOCK 65536

/*
 * Keep in t->lab.used only the events t->where selects, reading its
 * columns a block at a time; counts the selection into the snapshot.
 */
static enum nu_status
select_events(struct nu_train *t, char **cause)
{
	struct nu_where *w = NULL;
	uint64_t n = t->lab.n, selected = 0, task = 0;
	uint8_t *keep = NULL;
	char *why = NULL;
	enum nu_status st;

	t->snap.dataset_events = n;
	if (t->where[0] == '\0') {
		for (uint64_t i = 0; i < n; i++)
			task += t->lab.used[i];
		t->snap.selected_events = n;
		t->snap.task_events = task;
		return NU_OK;
	}
	if ((st = nu_where_compile(&w, t->where, cause)) != NU_OK)
		return st;      /* "where: TEXT: what was expected (at N)" */
	if ((keep = malloc(SELECT_BLOCK)) == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory selecting events");
		goto out;
	}
	for (uint64_t at = 0; at < n; at += SELECT_BLOCK) {
		size_t k = n - at < SELECT_BLOCK ? (size_t)(n - at) : SELECT_BLOCK;

		if ((st = nu_where_select(w, t->ds, at, k, keep, &why)) != NU_OK) {
			st = nu_fail(cause, st, "where: %s: %s", t->where,
			    why ? why : nu_strerror(st));
			goto out;
		}
		for (size_t i = 0; i < k; i++) {
			selected += keep[i];
			t->lab.used[at + i] &= keep[i];
			task += t->lab.used[at + i];
		}
	}
	t->snap.selected_events = selected;
	t->snap.task_events = task;
	if (selected == 0)
		st = nu_fail(cause, NU_ERR_EMPTY, "where: %s selects none of the %llu "
		    "events of the files", t->where, (unsigned long long)n);
	else if (task == 0)
		st = nu_fail(cause, NU_ERR_EMPTY, "where: %s selects %llu of the %llu events "
		    "of the files, none of which belongs to task %s", t->where,
		    (unsigned long long)selected, (unsigned long long)n,
		    nu_task_name(t->net->task));
out:
	free(why);
	free(keep);
	nu_where_free(w);
	return st;
}

/* The locks, conditions and wake-up of a new run (nu_train_free undoes
 * them). */
static void
sync_init(struct nu_train *t)
{
	pthread_mutex_init(&t->mu, NULL);
	pthread_mutex_init(&t->jmu, NULL);
	pthread_cond_init(&t->jgo, NULL);
	pthread_cond_init(&t->jdone, NULL);
	pthread_cond_init(&t->resume_cv, NULL);
	nu_wake_init(&t->wake);
}

/* The run's settings from [train] and the options. */
static void
settings_read(struct nu_train *t, const struct nu_arch_section *tr,
    const struct nu_train_opts *opts)
{
	static const char *const mons[] = { "val_loss", "val_accuracy",
	    "val_balanced_accuracy", "val_auc", "val_mse" };
	/* in the order of the choices of arch.c's monitor key */
	int mi = nu_arch_enum_index(tr, "monitor");

	t->seed = (uint64_t)nu_arch_int(tr, "seed");
	t->epochs = opts->epochs > 0 ? opts->epochs : (int)nu_arch_int(tr, "epochs");
	t->nthreads = opts->threads > 0 ? opts->threads : 2;
	if (t->nthreads > MAX_WORKERS)
		t->nthreads = MAX_WORKERS;
	t->early_stop = nu_arch_bool(tr, "early_stop");
	t->restore_best = nu_arch_bool(tr, "restore_best");
	t->patience = (int)nu_arch_int(tr, "patience");
	t->min_delta = nu_arch_float(tr, "min_delta");
	t->monitor = mons[mi < 0 ? 0 : mi];
	t->snap.monitor = t->monitor;
	snprintf(t->normalise, sizeof t->normalise, "%s", nu_arch_enum(tr, "normalise"));
}

/* The split of the selected events into training, validation and test
 * (with its balancing), and the record of which events the model will
 * have seen, by file fingerprint, so that evaluation can leave them out. */
static enum nu_status
split_setup(struct nu_train *t, const struct nu_arch *a,
    const struct nu_arch_section *tr, char **cause)
{
	struct nu_split_opts so;
	const struct nu_arch_value *fr, *cw;
	double cwv[NU_ARCH_MAXLIST];
	enum nu_status st;

	memset(&so, 0, sizeof(so));
	so.task = t->net->task;
	so.kind = (enum nu_split_kind)nu_arch_enum_index(tr, "split");
	fr = nu_arch_get(tr, "fractions");
	if (so.kind != NU_SPLIT_FILES && fr->nlist != 3)
		return nu_fail(cause, NU_ERR_FORMAT, "%s:%d: fractions needs three numbers "
		    "(training, validation, test), not %d", a->path,
		    tr->key_line[nu_arch_key_index(tr->kind, "fractions")] ?
		    tr->key_line[nu_arch_key_index(tr->kind, "fractions")] : tr->line, fr->nlist);
	for (int p = 0; p < 3; p++)
		so.fractions[p] = p < fr->nlist ? fr->list[p] : 0;
	so.files[0] = nu_arch_enum(tr, "train_files");
	so.files[1] = nu_arch_enum(tr, "val_files");
	so.files[2] = nu_arch_enum(tr, "test_files");
	so.balance = (enum nu_balance)nu_arch_enum_index(tr, "balance");
	cw = nu_arch_get(tr, "class_weights");
	if (cw->nlist > 0) {
		for (int i = 0; i < cw->nlist; i++)
			cwv[i] = cw->list[i];
		so.class_weights = cwv;
		so.nclass_weights = cw->nlist;
	}
	so.seed = t->seed;
	if ((st = nu_split_make(t->ds, &t->lab, &so, &t->split, cause)) != NU_OK) {
		if (t->where[0] != '\0' && cause != NULL && *cause != NULL) {
			char *c = nu_asprintf("%s; --where '%s' leaves %llu event%s of the "
			    "task", *cause, t->where, (unsigned long long)t->snap.task_events,
			    t->snap.task_events == 1 ? "" : "s");

			if (c != NULL) {
				free(*cause);
				*cause = c;
			}
		}
		return st;
	}
	for (int c = 0; t->where[0] != '\0' && c < t->split.nclasses; c++)
		if (t->split.count[0][c] == 0)
			nu_log(NU_LOG_WARN, "where: %s leaves no training event of class %s",
			    t->where, nu_task_class_name(t->net->task, c));
	if ((st = nu_trainset_make(t->ds, t->split.part, nu_arch_enum(tr, "split"), so.fractions,
	    nu_arch_enum(tr, "balance"), t->seed, t->where, &t->trainset, cause)) != NU_OK)
		return st;
	t->snap.train_events = t->split.n[0];
	t->snap.val_events = t->split.n[1];
	t->snap.test_events = t->split.n[2];
	t->use_class_w = t->nclasses > 0 && (so.balance == NU_BALANCE_WEIGHTS || cw->nlist > 0);
	for (int c = 0; c < NU_MAXCLASSES; c++)
		t->class_w[c] = (float)t->split.weight[c];
	return NU_OK;
}

/* The loaders of the training events (shuffled, augmented) and of the
 * validation events (in order, as they are), normalised alike. */
static enum nu_status
loaders_setup(struct nu_train *t, const struct nu_arch *a, const struct nu_arch_section *tr,
    const struct nu_train_opts *opts, char **cause)
{
	struct nu_loader_opts lo;
	enum nu_status st;

	memset(&lo, 0, sizeof(lo));
	lo.views = t->net->views;
	lo.input = (enum nu_input)nu_arch_input(a);
	lo.batch = (size_t)nu_arch_int(tr, "batch");
	lo.shuffle = true;
	lo.mirror = nu_arch_bool(tr, "mirror");
	lo.noise = nu_arch_float(tr, "noise");
	lo.norm = (enum nu_norm)nu_arch_enum_index(tr, "normalise");
	lo.seed = t->seed;
	lo.memory_limit = opts->memory_limit;
	lo.stop = opts->stop;
	lo.rank = dist_rank();
	lo.nranks = dist_size();
	if ((st = nu_loader_new(&t->train_ld, t->ds, t->split.ev[0], t->split.n[0], &t->lab,
	    t->split.weight, &lo, cause)) != NU_OK)
		return st;
	/* this process's part of the maximum; loaders_scale takes the
	 * largest of all processes' */
	t->normalise_max = 255;
	if (lo.norm == NU_NORM_MAX &&
	    (st = nu_loader_pixel_max(t->train_ld, &t->normalise_max, cause)) != NU_OK)
		return st;
	if (t->split.n[1] > 0) {
		lo.shuffle = false;
		lo.mirror = false;
		lo.noise = 0;
		if ((st = nu_loader_new(&t->val_ld, t->ds, t->split.ev[1], t->split.n[1], &t->lab,
		    t->split.weight, &lo, cause)) != NU_OK)
			return st;
		t->nval = t->split.n[1];
		t->val_scores = malloc(t->nval * (size_t)t->net->nout * sizeof(float));
		t->val_events = malloc(t->nval * sizeof(uint64_t));
		if (t->val_scores == NULL || t->val_events == NULL)
			return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	return NU_OK;
}

/* The pixel scale of every loader: under normalise = max, the largest
 * pixel of the training events, of which each process of a distributed
 * run has read its part (collective: after every process's set-up
 * succeeded). */
static enum nu_status
loaders_scale(struct nu_train *t, char **cause)
{
	enum nu_status st;

	t->normalise_max = dist_max_int(t->normalise_max);
	if ((st = nu_loader_set_max(t->train_ld, t->normalise_max, cause)) != NU_OK ||
	    (t->val_ld != NULL &&
	    (st = nu_loader_set_max(t->val_ld, t->normalise_max, cause)) != NU_OK))
		return st;
	return NU_OK;
}

static enum nu_status
train_new(struct nu_train **out, const struct nu_arch *a, struct nu_dataset *ds,
    const struct nu_train_opts *opts, char **cause)
{
	struct nu_train *t;
	const struct nu_arch_section *tr = a->train >= 0 ? &a->sec[a->train] : NULL;
	struct nu_arch *defaults = NULL;
	struct nu_model *rm = NULL;     /* the model resumed */
	const char *where = opts->where;
	enum nu_status st;

	*out = NULL;
	if (tr == NULL) {
		/* no [train]: its defaults */
		static const char text[] = "[net]\nversion = 1\nviews = xz\n[flatten]\n[train]\n";

		if ((st = nu_arch_parse(&defaults, "(defaults)", text, sizeof text - 1, cause)) != NU_OK)
			return st;
		tr = &defaults->sec[defaults->train];
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		nu_arch_free(defaults);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	sync_init(t);
	t->ds = ds;
	t->snap.best_epoch = -1;
	t->snap.confusion.epoch = -1;
	t->snap.state = NU_RUN_READY;
	settings_read(t, tr, opts);
	if ((t->arch_text = strdup(a->text)) == NULL ||
	    (opts->output != NULL && (t->output = strdup(opts->output)) == NULL)) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((st = nu_wake_open(&t->wake, cause)) != NU_OK)
		goto fail;

	/* a resumed run: read first, for the selection its split was made on */
	if (opts->resume != NULL) {
		if ((st = nu_model_load(opts->resume, &rm, cause)) != NU_OK)
			goto fail;
		if (strcmp(rm->arch->text, t->arch_text) != 0) {
			st = nu_fail(cause, NU_ERR_USAGE, "%s was trained with another "
			    "architecture; resume with the same architecture file", opts->resume);
			goto fail;
		}
		if ((st = resume_where(rm, opts->resume, opts->where, &where, cause)) != NU_OK)
			goto fail;
	}
	if ((t->where = strdup(where != NULL ? where : "")) == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto fail;
	}

	if ((st = nu_net_new(&t->net, a, t->seed, cause)) != NU_OK)
		goto fail;
	t->nclasses = nu_task_nclasses(t->net->task);
	t->snap.nparams = t->net->nparams;
	if (t->net->has_bn && dist_active()) {
		/* each process would keep statistics of its own share */
		st = nu_fail(cause, NU_ERR_USAGE, "%s: batch normalisation is not "
		    "supported in a run of several processes (MPI) yet; train it in "
		    "one process", a->path);
		goto fail;
	}
	if ((st = nu_labels_load(ds, t->net->task, &t->lab, cause)) != NU_OK ||
	    (st = select_events(t, cause)) != NU_OK)
		goto fail;

	if ((st = split_setup(t, a, tr, cause)) != NU_OK)
		goto fail;
	if ((st = loaders_setup(t, a, tr, opts, cause)) != NU_OK)
		goto fail;
	if ((st = nu_opt_new(&t->opt, tr, t->net->nparams, cause)) != NU_OK)
		goto fail;
	t->opt->epochs = t->epochs;

	if ((st = setup_workers(t, (size_t)nu_arch_int(tr, "batch"), opts->micro, cause)) != NU_OK)
		goto fail;
	if (rm != NULL && (st = resume_from(t, rm, cause)) != NU_OK)
		goto fail;
	t->snap.epochs = t->epochs;
	t->snap.epoch = t->start_epoch;
	nu_model_free(rm);
	nu_arch_free(defaults);
	*out = t;
	return NU_OK;
fail:
	nu_model_free(rm);
	nu_arch_free(defaults);
	nu_train_free(t);
	return st;
}

/* Whether this process has the same files as rank 0: the split and the
 * batches are decided by every process alone, from the same events. */
static enum nu_status
same_files(const struct nu_dataset *ds, char **cause)
{
	uint64_t mine[2] = { nu_dataset_nfiles(ds), nu_dataset_nevents(ds) }, r0[2];

	memcpy(r0, mine, sizeof r0);
	dist_bcast(r0, sizeof r0);
	if (memcmp(r0, mine, sizeof r0) == 0)
		return NU_OK;
	return nu_fail(cause, NU_ERR_USAGE, "its files (%llu, of %llu events) are not "
	    "those of rank 0 (%llu, of %llu events); every process must read the "
	    "same files", (unsigned long long)mine[0], (unsigned long long)mine[1],
	    (unsigned long long)r0[0], (unsigned long long)r0[1]);
}

/* The run's set-up, by every process of a distributed run alike: any
 * process's failure is every process's (dist_agree). */
enum nu_status
nu_train_new(struct nu_train **out, const struct nu_arch *a, struct nu_dataset *ds,
    const struct nu_train_opts *opts, char **cause)
{
	enum nu_status st;

	*out = NULL;
	if ((st = dist_agree(same_files(ds, cause), cause)) != NU_OK)
		return st;
	st = dist_agree(train_new(out, a, ds, opts, cause), cause);
	if (st == NU_OK)
		st = dist_agree(loaders_scale(*out, cause), cause);
	if (st != NU_OK) {
		nu_train_free(*out);
		*out = NULL;
	}
	return st;
}

/* Start workers 1 .. nthreads-1 (the calling thread is worker 0). */
static enum nu_status
start_workers(struct nu_train *t, char **cause)
{
	int k;

	for (k = 1; k < t->nthreads; k++)
		if (pthread_create(&t->w[k].thread, NULL, worker_main, &t->w[k]) != 0)
			break;
	if (k < t->nthreads) {
		int started = k;

		run_job(t, JOB_QUIT, NULL, 0, NULL);
		for (k = 1; k < started; k++)
			pthread_join(t->w[k].thread, NULL);
		return nu_fail(cause, NU_ERR_NOMEM, "cannot start worker threads");
	}
	return NU_OK;
}

static void
stop_workers(struct nu_train *t)
{
	run_job(t, JOB_QUIT, NULL, 0, NULL);
	for (int k = 1; k < t->nthreads; k++)
		pthread_join(t->w[k].thread, NULL);
}

enum nu_status
nu_train_start(struct nu_train *t, char **cause)
{
	enum nu_status st;

	if ((st = start_workers(t, cause)) != NU_OK)
		return st;
	t->snap.state = NU_RUN_RUNNING;
	if (pthread_create(&t->thread, NULL, run_main, t) != 0) {
		stop_workers(t);
		t->snap.state = NU_RUN_READY;
		return nu_fail(cause, NU_ERR_NOMEM, "cannot start the training thread");
	}
	t->started = true;
	return NU_OK;
}

void
nu_train_pause(struct nu_train *t, bool pause)
{
	atomic_store(&t->pause, pause);
	pthread_mutex_lock(&t->mu);
	pthread_cond_broadcast(&t->resume_cv);
	pthread_mutex_unlock(&t->mu);
}

void
nu_train_stop(struct nu_train *t)
{
	atomic_store(&t->stop, true);
	pthread_mutex_lock(&t->mu);
	pthread_cond_broadcast(&t->resume_cv);
	pthread_mutex_unlock(&t->mu);
}

void
nu_train_save(struct nu_train *t, const char *path)
{
	char *p = strdup(path);

	pthread_mutex_lock(&t->mu);
	free(t->save_path);
	t->save_path = p;
	pthread_cond_broadcast(&t->resume_cv);  /* a paused run saves at once */
	pthread_mutex_unlock(&t->mu);
}

int
nu_train_fd(const struct nu_train *t)
{
	return nu_wake_fd(&t->wake);
}

void
nu_train_snapshot(struct nu_train *t, struct nu_train_snap *s)
{
	/* re-armed before copying, so news after the copy wakes again */
	nu_wake_drain(&t->wake);
	pthread_mutex_lock(&t->mu);
	*s = t->snap;
	pthread_mutex_unlock(&t->mu);
}

size_t
nu_train_batches(struct nu_train *t, size_t from, struct nu_batch_rec *out, size_t cap)
{
	size_t n = 0;

	pthread_mutex_lock(&t->mu);
	if (from < t->nbrec) {
		n = t->nbrec - from < cap ? t->nbrec - from : cap;
		memcpy(out, t->brec + from, n * sizeof(*out));
	}
	pthread_mutex_unlock(&t->mu);
	return n;
}

int
nu_train_epochs(struct nu_train *t, int from, struct nu_epoch_rec *out, int cap)
{
	int n = 0;

	pthread_mutex_lock(&t->mu);
	if (from < t->nerec) {
		n = t->nerec - from < cap ? t->nerec - from : cap;
		memcpy(out, t->erec + from, (size_t)n * sizeof(*out));
	}
	pthread_mutex_unlock(&t->mu);
	return n;
}

bool
nu_train_confusion(struct nu_train *t, int epoch, struct nu_train_confusion *out)
{
	bool have = false;

	pthread_mutex_lock(&t->mu);
	if (epoch >= 0 && epoch < t->nerec && t->conf[epoch].epoch >= 0) {
		*out = t->conf[epoch];
		have = true;
	}
	pthread_mutex_unlock(&t->mu);
	if (!have) {
		memset(out, 0, sizeof(*out));
		out->epoch = -1;
	}
	return have;
}

enum nu_status
nu_train_join(struct nu_train *t, char **cause)
{
	enum nu_status st;

	if (!t->started)
		return nu_fail(cause, NU_ERR_USAGE, "the run was not started");
	pthread_join(t->thread, NULL);
	stop_workers(t);
	t->started = false;
	st = t->result;
	if (st != NU_OK && cause != NULL) {
		free(*cause);
		*cause = t->result_cause;
		t->result_cause = NULL;
	}
	return st;
}

const char *
nu_train_where(const struct nu_train *t)
{
	return t->where;
}

const struct nu_net *
nu_train_net(const struct nu_train *t)
{
	return t->net;
}

const float *
nu_train_val_scores(const struct nu_train *t, const uint64_t **events, size_t *n)
{
	*events = t->val_events;
	*n = t->nval;
	return t->nerec > 0 ? t->val_scores : NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The profiled steps of nu_train_bench: `steps` training steps, then as
 * many inference passes, with every worker timing its nodes. */
static void
profile(struct nu_train *t, const struct nu_batch *b, int steps, float *scores,
    struct nu_train_bench *out)
{
	const struct nu_net *net = t->net;
	double per = 1.0 / ((double)b->n * (double)steps), wall = 0.0;
	double zero[NU_NET_MAXNODES] = { 0 };

	out->nnodes = net->nnodes;
	for (int i = 0; i < net->nnodes; i++) {
		snprintf(out->name[i], sizeof out->name[i], "%s", net->node[i].name);
		out->kind[i] = net->node[i].l->ops->name;
		out->mflop[i] = nu_layer_flops(net->node[i].l) / 1e6;
	}
	for (int pass = 0; pass < 2; pass++) {
		double *f = pass == 0 ? out->fwd : out->ifwd;
		double *bw = pass == 0 ? out->bwd : zero;
		double *other = pass == 0 ? &out->other : &out->iother;

		for (int k = 0; k < t->nthreads; k++)
			nu_net_ws_profile(t->w[k].ws, true);
		wall = 0.0;
		for (int i = 0; i < steps; i++) {
			struct timespec t0;
			double loss, metric, reduce = 0;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			if (pass == 0)
				train_step(t, b, 1e-4, &loss, &metric, &reduce);
			else
				run_job(t, JOB_EVAL, b, 0, scores);
			wall += elapsed(&t0);
		}
		for (int k = 0; k < t->nthreads; k++) {
			nu_net_ws_profile_add(t->w[k].ws, net->nnodes, f, bw, other);
			nu_net_ws_profile(t->w[k].ws, false);
		}
		for (int i = 0; i < net->nnodes; i++) {
			f[i] *= per;
			bw[i] *= per;
		}
		*other *= per;
		*(pass == 0 ? &out->step : &out->istep) = wall * t->nthreads * per;
	}
}

enum nu_status
nu_train_bench(const struct nu_arch *a, size_t batch, int threads, int micro, int steps,
    struct nu_train_bench *out, char **cause)
{
	struct nu_train *t = calloc(1, sizeof(*t));
	const struct nu_arch_section *tr = a->train >= 0 ? &a->sec[a->train] : NULL;
	struct nu_batch b = { 0 };
	float *x = NULL, *y = NULL, *w = NULL, *scores = NULL;
	uint64_t *ev = NULL;
	double *times = NULL;
	size_t per;
	struct nu_rng r;
	enum nu_status st;
	bool started = false;

	memset(out, 0, sizeof(*out));
	if (t == NULL || steps < 1 || batch < 1)
		return nu_fail(cause, t ? NU_ERR_USAGE : NU_ERR_NOMEM,
		    "bench: batch and steps must be positive");
	sync_init(t);
	t->nthreads = threads < 1 ? 1 : threads > MAX_WORKERS ? MAX_WORKERS : threads;
	t->seed = 1;
	if ((st = nu_net_new(&t->net, a, 1, cause)) != NU_OK ||
	    (st = nu_opt_new(&t->opt, tr, t->net->nparams, cause)) != NU_OK ||
	    (st = setup_workers(t, batch, micro, cause)) != NU_OK)
		goto out;
	t->nclasses = nu_task_nclasses(t->net->task);
	per = (size_t)t->net->nviews * NU_VIEW_BYTES;
	x = malloc(batch * per * sizeof(float));
	y = malloc(batch * sizeof(float));
	w = malloc(batch * sizeof(float));
	ev = malloc(batch * sizeof(uint64_t));
	scores = malloc(batch * (size_t)t->net->nout * sizeof(float));
	times = malloc((size_t)steps * sizeof(double));
	if (!x || !y || !w || !ev || !scores || !times) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* maps as sparse as real ones: 5% of the pixels lit */
	nu_rng_seed(&r, 1, 77);
	for (size_t i = 0; i < batch * per; i++)
		x[i] = nu_rng_uniform(&r) < 0.05 ? (float)nu_rng_uniform(&r) : 0.0f;
	for (size_t i = 0; i < batch; i++) {
		y[i] = t->nclasses > 0 ? (float)(i % (size_t)t->nclasses) : 5.0f;
		w[i] = 1.0f;
		ev[i] = i;
	}
	b = (struct nu_batch){ .n = batch, .total = batch, .nviews = t->net->nviews, .x = x, .y = y,
	    .w = w, .event = ev };
	if ((st = start_workers(t, cause)) != NU_OK)
		goto out;
	started = true;
	out->micro = t->micro;
	for (int i = -2; i < steps; i++) {
		struct timespec t0;
		double loss, metric, reduce = 0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		train_step(t, &b, 1e-4, &loss, &metric, &reduce);
		if (i >= 0)
			times[i] = elapsed(&t0);
	}
	out->train_eps = (double)batch / median(times, steps);
	for (int i = -2; i < steps; i++) {
		struct timespec t0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		run_job(t, JOB_EVAL, &b, 0, scores);
		if (i >= 0)
			times[i] = elapsed(&t0);
	}
	out->infer_eps = (double)batch / median(times, steps);
	profile(t, &b, steps, scores, out);
out:
	if (started)
		stop_workers(t);
	free(x);
	free(y);
	free(w);
	free(ev);
	free(scores);
	free(times);
	nu_train_free(t);
	return st;
}

void
nu_train_free(struct nu_train *t)
{
	if (t == NULL)
		return;
	if (t->started) {
		nu_train_stop(t);
		nu_train_join(t, NULL);
	}
	for (int k = 0; k < MAX_WORKERS; k++) {
		nu_net_ws_free(t->w[k].ws);
		free(t->w[k].grads);
		free(t->w[k].target);
		free(t->w[k].g);
	}
	nu_loader_free(t->train_ld);
	nu_loader_free(t->val_ld);
	nu_split_free(&t->split);
	nu_labels_free(&t->lab);
	nu_opt_free(t->opt);
	nu_net_free(t->net);
	free(t->arch_text);
	free(t->output);
	free(t->where);
	nu_trainset_free(t->trainset);
	free(t->gsum);
	free(t->best_params);
	free(t->best_state);
	free(t->val_scores);
	free(t->val_events);
	free(t->brec);
	free(t->erec);
	free(t->conf);
	free(t->save_path);
	free(t->result_cause);
	nu_wake_close(&t->wake);
	pthread_mutex_destroy(&t->mu);
	pthread_mutex_destroy(&t->jmu);
	pthread_cond_destroy(&t->jgo);
	pthread_cond_destroy(&t->jdone);
	pthread_cond_destroy(&t->resume_cv);
	free(t);
}
