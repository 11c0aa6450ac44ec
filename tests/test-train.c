/*
 * test-train.c: training runs: a small network overfits 32 events; runs
 * are bit-identical for a seed and thread count; an interrupted run
 * resumed from its checkpoint ends exactly where an uninterrupted one
 * does; checkpoints round-trip; predictions equal validation scores;
 * --where selections narrow the split, are recorded in the model and kept
 * exactly by a resumed run; the validation confusion matrix of each epoch
 * equals a recount from the validation scores; a checkpoint asked for while
 * paused is written at once.
 */
#include "config.h"

#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "arch.h"
#include "dataset.h"
#include "model.h"
#include "train.h"
#include "support.h"

static struct nu_dataset *ds;
static char dir[64];

/* restore_best = no: a run ends with its last epoch's weights, which its
 * last validation scores were computed with (checked below) */
static const char small[] =
    "[net]\nversion = 1\nviews = xz\n"
    "[conv]\nfilters = 4\nkernel = 3x3\nstride = 2\nactivation = relu\n"
    "[maxpool]\nsize = 2\n[flatten]\n"
    "[dense]\nunits = 8\nactivation = relu\n[dropout]\nrate = 0.2\n"
    "[dense]\nunits = 1\nactivation = sigmoid\n"
    "[train]\nlr = 0.003\nbatch = 16\nepochs = 4\nfractions = 0.5, 0.2, 0.3\nseed = 11\n"
    "restore_best = no\n";

/* Run to the end (or stop after `stop_after` batches) and return the run. */
static struct nu_train *
run(const struct nu_arch *a, const struct nu_train_opts *o, size_t stop_after,
    enum nu_status *st)
{
	struct nu_train *t = NULL;
	char *cause = NULL;
	struct nu_train_snap s;
	bool stopped = false;

	if ((*st = nu_train_new(&t, a, ds, o, &cause)) != NU_OK ||
	    (*st = nu_train_start(t, &cause)) != NU_OK) {
		printf("# %s\n", cause ? cause : "?");
		free(cause);
		nu_train_free(t);
		return NULL;
	}
	for (;;) {
		struct pollfd p = { .fd = nu_train_fd(t), .events = POLLIN };

		poll(&p, 1, 100);
		nu_train_snapshot(t, &s);
		if (stop_after > 0 && !stopped && s.nbatch_recs >= stop_after) {
			nu_train_stop(t);
			stopped = true;
		}
		if (s.state == NU_RUN_FINISHED || s.state == NU_RUN_STOPPED ||
		    s.state == NU_RUN_FAILED)
			break;
	}
	*st = nu_train_join(t, &cause);
	if (*st != NU_OK)
		printf("# %s\n", cause ? cause : "?");
	free(cause);
	return t;
}

static int
same_params(const struct nu_net *a, const struct nu_net *b)
{
	return a->nparams == b->nparams &&
	    memcmp(a->params, b->params, a->nparams * sizeof(float)) == 0;
}

static void
test_overfit(void)
{
	struct nu_arch *a = support_parse("[net]\nversion = 1\nviews = xz\n"
	    "[conv]\nfilters = 4\nkernel = 3x3\nstride = 2\nactivation = relu\n"
	    "[maxpool]\nsize = 2\n[flatten]\n[dense]\nunits = 16\nactivation = relu\n"
	    "[dense]\nunits = 1\nactivation = sigmoid\n"
	    "[train]\nlr = 0.003\nbatch = 8\nepochs = 60\nfractions = 0.04923, 0, 0\nseed = 3\n");
	struct nu_train_opts o = { .threads = 2 };
	struct nu_train *t;
	struct nu_epoch_rec last;
	struct nu_train_snap s;
	enum nu_status st;

	t = run(a, &o, 0, &st);
	CHECK(t != NULL && st == NU_OK, "overfit run completes");
	if (t != NULL) {
		nu_train_snapshot(t, &s);
		CHECK_EQ_INT(s.train_events, 32, "32 training events");
		nu_train_epochs(t, s.nepoch_recs - 1, &last, 1);
		CHECK(last.train_metric >= 0.99, "training accuracy %.3f >= 0.99 after 60 epochs",
		    last.train_metric);
		CHECK(last.train_loss < 0.1, "training loss %.4f below 0.1", last.train_loss);
		CHECK(last.val_events == 0 && isnan(last.val_loss), "no validation part");
	}
	nu_train_free(t);
	nu_arch_free(a);
}

static void
test_determinism_resume(void)
{
	struct nu_arch *a = support_parse(small);
	char pa[128], pc[128];
	struct nu_train_opts o = { .threads = 2 };
	struct nu_train *ta, *tb, *tc, *tr;
	struct nu_model *m = NULL;
	char *cause = NULL;
	enum nu_status st;
	const uint64_t *vev;
	size_t nv;
	const float *vs;

	REQUIRE(a != NULL, "the architecture of the determinism runs parses");
	snprintf(pa, sizeof pa, "%s/a.h5", dir);
	snprintf(pc, sizeof pc, "%s/c.h5", dir);
	o.output = pa;
	ta = run(a, &o, 0, &st);
	CHECK(ta != NULL && st == NU_OK, "run A: 4 epochs");
	o.output = NULL;
	tb = run(a, &o, 0, &st);
	CHECK(ta && tb && same_params(nu_train_net(ta), nu_train_net(tb)),
	    "same seed and threads: bit-identical weights");

	/* interrupted after 30 batches (mid-epoch), then resumed */
	o.output = pc;
	tc = run(a, &o, 30, &st);
	CHECK(tc != NULL && st == NU_OK, "run C stopped mid-way");
	if (tc != NULL) {
		struct nu_train_snap s;

		nu_train_snapshot(tc, &s);
		CHECK(s.state == NU_RUN_STOPPED, "C says stopped");
	}
	o.resume = pc;
	tr = run(a, &o, 0, &st);
	CHECK(tr != NULL && st == NU_OK, "run C resumed to the end");
	CHECK(ta && tr && same_params(nu_train_net(ta), nu_train_net(tr)),
	    "resumed run ends with exactly the weights of the uninterrupted one");

	/* the checkpoint of A holds A's final weights and history */
	st = nu_model_load(pa, &m, &cause);
	CHECK(st == NU_OK, "model A loads%s%s", cause ? ": " : "", cause ? cause : "");
	if (m != NULL && ta != NULL) {
		struct nu_epoch_rec e[4];

		CHECK(same_params(m->net, nu_train_net(ta)), "checkpoint round trip: weights");
		CHECK(m->meta.epoch == 4 && m->meta.batch == 0 && m->nhist == 4,
		    "epoch 4, 4 history rows");
		nu_train_epochs(ta, 0, e, 4);
		CHECK(m->nhist == 4 && m->hist[3].val_loss == e[3].val_loss &&
		    m->hist[0].train_loss == e[0].train_loss, "history round trip");
		CHECK(m->opt_m != NULL && m->opt_v != NULL && m->opt_step > 0, "optimizer state saved");
		CHECK(strcmp(m->meta.normalise, "255") == 0 && m->meta.threshold == 0.5,
		    "normalisation and threshold");
	}
	/* an operating threshold stored afterwards, nothing else touched */
	if (m != NULL) {
		struct nu_model *m2 = NULL;

		CHECK(nu_model_set_threshold(pa, 0.73, &cause) == NU_OK, "threshold stored");
		CHECK(nu_model_load(pa, &m2, &cause) == NU_OK && m2->meta.threshold == 0.73 &&
		    same_params(m2->net, m->net) && m2->nhist == m->nhist,
		    "reloaded: threshold 0.73, same weights and history");
		nu_model_free(m2);
		snprintf(pc, sizeof pc, "%s/missing-dir/x.h5", dir);
		CHECK(nu_model_set_threshold(pc, 0.5, &cause) != NU_OK, "no model there: an error");
		CHECK_STR_HAS(cause, "x.h5", "naming it");
		snprintf(pc, sizeof pc, "%s/c.h5", dir);
	}
	/* predictions of the loaded model equal the last validation scores
	 * (restore_best = no: the model holds the last epoch's weights) */
	if (m != NULL && ta != NULL && (vs = nu_train_val_scores(ta, &vev, &nv)) != NULL) {
		struct nu_net_ws *ws = NULL;
		float *x = malloc(8000 * sizeof(float));
		uint8_t map[16000];
		double worst = 0;
		struct nu_train_snap s;

		nu_train_snapshot(ta, &s);
		nu_net_ws_new(m->net, 1, &ws, NULL);
		for (size_t i = 0; i < nv && i < 50; i++) {
			const float *y;

			nu_dataset_read_maps(ds, vev[i], 1, map, NULL);
			for (int k = 0; k < 8000; k++)
				x[k] = (float)map[k] / 255.0f;
			y = nu_net_forward(m->net, ws, x, 1, 0, false, 0, NULL);
			if (fabs(y[0] - vs[i]) > worst)
				worst = fabs(y[0] - vs[i]);
		}
		CHECK(worst < 1e-6, "predictions equal the last validation scores (worst %.2g; "
		    "best epoch %d, not restored)", worst, s.best_epoch + 1);
		nu_net_ws_free(ws);
		free(x);
	}
	nu_model_free(m);
	nu_train_free(ta);
	nu_train_free(tb);
	nu_train_free(tc);
	nu_train_free(tr);
	nu_arch_free(a);
	free(cause);
}

/* Pause holds the run between batches; resume lets it go on; a checkpoint
 * asked for while paused is written at once, still paused. */
static void
test_pause(void)
{
	struct nu_arch *a = support_parse(small);
	struct nu_train_opts o = { .threads = 2, .epochs = 200 };
	struct nu_train *t = NULL;
	struct nu_train_snap s;
	char *cause = NULL, path[128];
	size_t held;
	int tries;

	snprintf(path, sizeof path, "%s/now.h5", dir);
	if (nu_train_new(&t, a, ds, &o, &cause) != NU_OK || nu_train_start(t, &cause) != NU_OK) {
		CHECK(0, "run starts: %s", cause);
		goto out;
	}
	nu_train_pause(t, true);
	for (tries = 0; tries < 200; tries++) {
		struct pollfd p = { .fd = nu_train_fd(t), .events = POLLIN };

		poll(&p, 1, 50);
		nu_train_snapshot(t, &s);
		if (s.state == NU_RUN_PAUSED)
			break;
	}
	CHECK(s.state == NU_RUN_PAUSED, "the run pauses");
	held = s.nbatch_recs;
	nu_train_save(t, path);
	for (tries = 0; tries < 400 && access(path, F_OK) != 0; tries++)
		usleep(50000);
	usleep(100000);
	nu_train_snapshot(t, &s);
	CHECK(access(path, F_OK) == 0, "a checkpoint asked for while paused is written at once");
	CHECK_STR_HAS(s.message, "checkpoint saved to", "and announced: %s", s.message);
	CHECK(s.nbatch_recs == held && s.state == NU_RUN_PAUSED,
	    "no batch runs while paused, before or after the checkpoint");
	{
		struct nu_model *m = NULL;

		CHECK(nu_model_load(path, &m, &cause) == NU_OK && m->meta.batch == (int)held,
		    "the checkpoint is of the batch the run paused after (%d)", (int)held);
		nu_model_free(m);
	}
	nu_train_pause(t, false);
	for (tries = 0; tries < 200; tries++) {
		struct pollfd p = { .fd = nu_train_fd(t), .events = POLLIN };

		poll(&p, 1, 50);
		nu_train_snapshot(t, &s);
		if (s.nbatch_recs > held + 1)
			break;
	}
	CHECK(s.nbatch_recs > held + 1, "resumed, batches run again");
	nu_train_stop(t);
	CHECK(nu_train_join(t, &cause) == NU_OK, "stopped cleanly%s%s", cause ? ": " : "",
	    cause ? cause : "");
	nu_train_snapshot(t, &s);
	CHECK(s.state == NU_RUN_STOPPED, "state stopped");
out:
	nu_train_free(t);
	nu_arch_free(a);
	free(cause);
}

/* The selection of the last run prepare() made. */
static char prepared_where[256];

/* Snapshot counts of a run prepared (not started) with selection `where`;
 * the status, with the cause in *cause. */
static enum nu_status
prepare(const struct nu_arch *a, struct nu_dataset *d, const char *where,
    const char *resume, struct nu_train_snap *s, char **cause)
{
	struct nu_train_opts o = { .threads = 1, .where = where, .resume = resume };
	struct nu_train *t = NULL;
	enum nu_status st;

	free(*cause);
	*cause = NULL;
	memset(s, 0, sizeof(*s));
	snprintf(prepared_where, sizeof prepared_where, "(none prepared)");
	if ((st = nu_train_new(&t, a, d, &o, cause)) == NU_OK) {
		nu_train_snapshot(t, s);
		snprintf(prepared_where, sizeof prepared_where, "%s", nu_train_where(t));
	}
	nu_train_free(t);
	return st;
}

/* The events a selection keeps, counted from the truth columns by hand
 * (not through the --where code) for the task's own rule. */
static void
test_where_counts(void)
{
	static const char flav[] = "[net]\nversion = 1\ntask = flavour\nviews = xz\n"
	    "[flatten]\n[dense]\nunits = 1\nactivation = sigmoid\n"
	    "[train]\nbatch = 16\nepochs = 1\nfractions = 0.6, 0.2, 0.2\nseed = 4\n"
	    "split = stratified\n";
	struct nu_arch *a = support_parse(small), *f = support_parse(flav);
	struct nu_arch *thin = support_parse("[net]\nversion = 1\nviews = xz\n[flatten]\n"
	    "[dense]\nunits = 1\nactivation = sigmoid\n[train]\nfractions = 0.3, 0.3, 0.4\n");
	uint64_t n = nu_dataset_nevents(ds), lt10 = 0, flavour = 0, qe_or_hard = 0;
	uint32_t *code = malloc(n * sizeof(*code));
	float *enu = malloc(n * sizeof(*enu)), *elep = malloc(n * sizeof(*elep));
	struct nu_train_snap s;
	char *cause = NULL;
	enum nu_status st;

	if (a == NULL || f == NULL || thin == NULL || code == NULL || enu == NULL || elep == NULL ||
	    nu_dataset_read_column(ds, NU_COL_INTERACTION, 0, n, NU_CT_U32, code, NULL) ||
	    nu_dataset_read_column(ds, NU_COL_NUENERGY, 0, n, NU_CT_F32, enu, NULL) ||
	    nu_dataset_read_column(ds, NU_COL_LEPENERGY, 0, n, NU_CT_F32, elep, NULL)) {
		CHECK(0, "the fixture's truth columns read");
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		lt10 += enu[i] < 10.0f;
		flavour += code[i] <= 7;
		qe_or_hard += code[i] <= 7 && (code[i] == 0 || code[i] == 4 || elep[i] > 3.0f);
	}
	printf("# %llu events: %llu below 10 GeV, %llu of task flavour, %llu of them QE "
	    "or E_lep > 3\n", (unsigned long long)n, (unsigned long long)lt10,
	    (unsigned long long)flavour, (unsigned long long)qe_or_hard);
	CHECK(lt10 > 0 && lt10 < n && qe_or_hard > 0 && qe_or_hard < flavour,
	    "the fixture makes both selections real cuts");

	/* numu-cc uses every event: the selection is the task's sample */
	st = prepare(a, ds, NULL, NULL, &s, &cause);
	CHECK(st == NU_OK && s.dataset_events == n && s.selected_events == n &&
	    s.task_events == n && s.train_events + s.val_events + s.test_events == n,
	    "no selection: all %llu events split", (unsigned long long)n);
	CHECK(strcmp(prepared_where, "") == 0, "and the run's selection is empty");
	st = prepare(a, ds, "", NULL, &s, &cause);
	CHECK(st == NU_OK && s.selected_events == n && s.train_events == (uint64_t)llround(0.5 * (double)n),
	    "an empty expression selects every event too");
	st = prepare(a, ds, "nuenergy < 10", NULL, &s, &cause);
	CHECK(st == NU_OK, "nuenergy < 10 prepares%s%s", cause ? ": " : "", cause ? cause : "");
	CHECK(strcmp(prepared_where, "nuenergy < 10") == 0, "the run reports its selection");
	CHECK_EQ_INT(s.dataset_events, n, "events in the files");
	CHECK_EQ_INT(s.selected_events, lt10, "selected: the events below 10 GeV");
	CHECK_EQ_INT(s.task_events, lt10, "all of them of task numu-cc");
	CHECK_EQ_INT(s.train_events + s.val_events + s.test_events, lt10,
	    "the split divides exactly the selected events");
	CHECK_EQ_INT(s.train_events, llround(0.5 * (double)lt10), "training part: half of them");
	CHECK_EQ_INT(s.val_events, llround(0.7 * (double)lt10) - llround(0.5 * (double)lt10),
	    "validation part: the next 20%%");

	/* flavour uses codes 0-7 only: the selection and the task intersect */
	st = prepare(f, ds, "mode == QE || lepenergy > 3", NULL, &s, &cause);
	CHECK(st == NU_OK, "flavour with a selection prepares%s%s", cause ? ": " : "",
	    cause ? cause : "");
	CHECK_EQ_INT(s.task_events, qe_or_hard,
	    "task events: codes 0-7 that are QE or have E_lep > 3");
	CHECK(s.selected_events >= qe_or_hard && s.selected_events <= n,
	    "selected counts events outside the task too (%llu)",
	    (unsigned long long)s.selected_events);
	CHECK_EQ_INT(s.train_events + s.val_events + s.test_events, qe_or_hard,
	    "the stratified split divides exactly those");

	/* mistakes */
	st = prepare(a, ds, "nuenergy >", NULL, &s, &cause);
	CHECK(st == NU_ERR_USAGE, "an expression that does not compile is refused");
	CHECK_STR_HAS(cause, "where: nuenergy >: the expression ends too soon",
	    "naming it and what was expected");
	st = prepare(a, ds, "nuenergy > 1000", NULL, &s, &cause);
	CHECK(st == NU_ERR_EMPTY, "a selection of no event is refused");
	CHECK_STR_HAS(cause, "where: nuenergy > 1000 selects none of the 650 events",
	    "saying so");
	st = prepare(f, ds, "interaction == 13", NULL, &s, &cause);
	CHECK(st == NU_ERR_EMPTY, "a selection outside the task is refused");
	CHECK_STR_HAS(cause, "none of which belongs to task flavour", "saying so");
	st = prepare(thin, ds, "event < 1", NULL, &s, &cause);
	CHECK(st == NU_ERR_EMPTY, "a selection too small for a training part is refused");
	CHECK_STR_HAS(cause, "the training part is empty", "by the split");
	CHECK_STR_HAS(cause, "--where 'event < 1' leaves 1 event of the task",
	    "which names the selection");
	{
		struct nu_dataset *opt = support_fixture("variants/missing-optional.h5");

		st = prepare(a, opt, "vtxx > 0", NULL, &s, &cause);
		CHECK(st == NU_ERR_NOT_FOUND, "a column the file lacks is refused");
		CHECK_STR_HAS(cause, "where: vtxx > 0: ", "naming the expression");
		CHECK_STR_HAS(cause, "missing-optional.h5: column /neutrino/vtxx is missing",
		    "the file and the column");
		st = prepare(a, opt, "run > 0 || nuenergy >= 0", NULL, &s, &cause);
		CHECK(st == NU_OK && s.selected_events == 40,
		    "columns that are there select on the same file");
		nu_dataset_free(opt);
	}
out:
	free(code);
	free(enu);
	free(elep);
	free(cause);
	nu_arch_free(a);
	nu_arch_free(f);
	nu_arch_free(thin);
}

/* A run on a selection, interrupted and resumed (keeping the stored
 * selection), ends with the weights of an uninterrupted run; the model
 * records the selection; a resume may not change it. */
static void
test_where_resume(void)
{
	struct nu_arch *a = support_parse(small);
	const char *sel = "nuenergy < 20 && run >= 0";
	char pa[128], pc[128], pn[128];
	struct nu_train_opts o = { .threads = 2, .epochs = 8, .where = sel };
	struct nu_train *ta, *tc = NULL, *tr = NULL;
	struct nu_model *m = NULL;
	struct nu_train_snap s;
	char *cause = NULL;
	enum nu_status st;

	snprintf(pa, sizeof pa, "%s/wa.h5", dir);
	snprintf(pc, sizeof pc, "%s/wc.h5", dir);
	snprintf(pn, sizeof pn, "%s/a.h5", dir);      /* test_determinism_resume's */
	o.output = pa;
	ta = run(a, &o, 0, &st);
	CHECK(ta != NULL && st == NU_OK, "run A on a selection: 8 epochs");
	CHECK(nu_model_load(pa, &m, &cause) == NU_OK && strcmp(m->meta.where, sel) == 0,
	    "the model records the selection: '%s'", m ? m->meta.where : cause);
	nu_model_free(m);
	m = NULL;

	o.output = pc;
	tc = run(a, &o, 40, &st);
	if (tc != NULL)
		nu_train_snapshot(tc, &s);
	CHECK(tc != NULL && st == NU_OK && s.state == NU_RUN_STOPPED &&
	    s.epoch < 7, "run C stopped at epoch %d of 8", s.epoch + 1);
	CHECK(nu_model_load(pc, &m, &cause) == NU_OK && strcmp(m->meta.where, sel) == 0 &&
	    m->meta.batch > 0, "its checkpoint records the selection, mid-epoch (batch %d)",
	    m ? m->meta.batch : -1);
	nu_model_free(m);
	m = NULL;

	/* the stored selection, without repeating it */
	o.where = NULL;
	o.resume = pc;
	o.output = NULL;
	tr = run(a, &o, 0, &st);
	CHECK(tr != NULL && st == NU_OK, "run C resumed without --where");
	CHECK(tr != NULL && strcmp(nu_train_where(tr), sel) == 0,
	    "the resumed run uses the stored selection");
	CHECK(ta && tr && same_params(nu_train_net(ta), nu_train_net(tr)),
	    "resumed on the selection: exactly the weights of the uninterrupted run");

	/* the same text again is fine; another one, or one added, is not */
	st = prepare(a, ds, sel, pc, &s, &cause);
	CHECK(st == NU_OK, "resume with the same --where%s%s", cause ? ": " : "",
	    cause ? cause : "");
	CHECK(strcmp(prepared_where, sel) == 0, "which it keeps");
	st = prepare(a, ds, "nuenergy < 5", pc, &s, &cause);
	CHECK(st == NU_ERR_USAGE, "resume with another --where is refused");
	CHECK_STR_HAS(cause, "was trained on the events selected by 'nuenergy < 20 && run >= 0'",
	    "saying which selection it was trained on");
	CHECK_STR_HAS(cause, "not with 'nuenergy < 5'", "and which was asked for");
	st = prepare(a, ds, "nuenergy < 5", pn, &s, &cause);
	CHECK(st == NU_ERR_USAGE, "a selection added to a run on every event is refused");
	CHECK_STR_HAS(cause, "a.h5 was trained on every event, without --where", "saying so");
	CHECK(nu_model_load(pn, &m, &cause) == NU_OK && strcmp(m->meta.where, "") == 0,
	    "a model of every event records an empty selection");
	nu_model_free(m);
	nu_train_free(ta);
	nu_train_free(tc);
	nu_train_free(tr);
	free(cause);
	nu_arch_free(a);
}

/* Recount the confusion matrix of the last epoch from the validation
 * scores and labels read afresh; compare with what the run published. */
static void
check_confusion(struct nu_train *t, const char *what)
{
	const struct nu_net *net = nu_train_net(t);
	struct nu_train_confusion cm, again;
	struct nu_train_snap s;
	struct nu_labels lab;
	struct nu_epoch_rec last;
	const uint64_t *vev;
	const float *vs;
	size_t nv;
	uint64_t total = 0, diag = 0;
	int K = net->nout, nc = nu_task_nclasses(net->task), ok = 1;
	char *cause = NULL;

	nu_train_snapshot(t, &s);
	CHECK(s.nepoch_recs >= 1 && nu_train_confusion(t, s.nepoch_recs - 1, &cm),
	    "%s: the last epoch has a confusion matrix", what);
	CHECK(memcmp(&cm, &s.confusion, sizeof cm) == 0 && s.confusion.epoch == s.nepoch_recs - 1,
	    "%s: the snapshot carries it, of epoch %d", what, s.confusion.epoch + 1);
	CHECK_EQ_INT(cm.nclasses, nc, "%s: %d classes", what, nc);
	vs = nu_train_val_scores(t, &vev, &nv);
	if (vs == NULL || nu_labels_load(ds, net->task, &lab, &cause) != NU_OK) {
		CHECK(0, "%s: scores and labels to recount with: %s", what, cause ? cause : "");
		free(cause);
		return;
	}
	memset(&again, 0, sizeof again);
	for (size_t i = 0; i < nv; i++) {
		const float *o = vs + i * (size_t)K;
		int truth = (int)lab.label[vev[i]], pred = 0;

		for (int k = 1; k < K; k++)
			if (o[k] > o[pred])
				pred = k;
		if (K == 1)
			pred = o[0] > 0.5f ? 1 : 0;
		again.count[truth][pred]++;
	}
	for (int i = 0; i < NU_MAXCLASSES; i++)
		for (int j = 0; j < NU_MAXCLASSES; j++) {
			ok &= again.count[i][j] == cm.count[i][j];
			total += cm.count[i][j];
			diag += i == j ? cm.count[i][j] : 0;
		}
	CHECK(ok, "%s: every cell equals a recount from the validation scores and labels", what);
	nu_train_epochs(t, s.nepoch_recs - 1, &last, 1);
	CHECK_EQ_INT(total, last.val_events, "%s: the cells add up to the validation events", what);
	CHECK_NEAR((double)diag / (double)total, last.val_accuracy, 1e-9,
	    "%s: the diagonal gives the validation accuracy", what);
	if (nc == 2) {
		double eff = (double)cm.count[1][1] / (double)(cm.count[1][1] + cm.count[1][0]);
		double rej = (double)cm.count[0][0] / (double)(cm.count[0][0] + cm.count[0][1]);

		CHECK_NEAR(0.5 * (eff + rej), last.val_balanced_accuracy, 1e-9,
		    "%s: and the balanced accuracy", what);
	}
	nu_labels_free(&lab);
}

static void
test_confusion(void)
{
	struct nu_arch *a = support_parse(small);
	struct nu_arch *b = support_parse("[net]\nversion = 1\ntask = mode\nviews = xz\n"
	    "[conv]\nfilters = 4\nkernel = 3x3\nstride = 2\nactivation = relu\n"
	    "[maxpool]\nsize = 2\n[flatten]\n[dense]\nunits = 5\nactivation = softmax\n"
	    "[train]\nlr = 0.003\nbatch = 16\nepochs = 2\nseed = 4\n");
	struct nu_train_opts o = { .threads = 2, .epochs = 2 };
	struct nu_train *t, *tr;
	struct nu_train_confusion cm;
	char path[128];
	enum nu_status st;

	snprintf(path, sizeof path, "%s/conf.h5", dir);
	o.output = path;
	t = run(a, &o, 0, &st);
	CHECK(t != NULL && st == NU_OK, "binary run for the confusion matrix");
	if (t != NULL) {
		check_confusion(t, "numu-cc");
		CHECK(nu_train_confusion(t, 0, &cm) && cm.epoch == 0,
		    "the first epoch keeps its own matrix");
		CHECK(!nu_train_confusion(t, 2, &cm) && cm.epoch == -1, "no epoch 3: none");
	}
	nu_train_free(t);
	/* resumed for one more epoch: the file's epochs have no matrix */
	o.resume = path;
	o.output = NULL;
	o.epochs = 3;
	tr = run(a, &o, 0, &st);
	CHECK(tr != NULL && st == NU_OK, "resumed for a third epoch");
	if (tr != NULL) {
		CHECK(!nu_train_confusion(tr, 1, &cm), "a resumed model's epochs have no matrix");
		CHECK(nu_train_confusion(tr, 2, &cm) && cm.epoch == 2,
		    "the epoch run after resuming has one");
	}
	nu_train_free(tr);
	o.resume = NULL;
	o.epochs = 0;
	t = run(b, &o, 0, &st);
	CHECK(t != NULL && st == NU_OK, "five-class run (mode)");
	if (t != NULL)
		check_confusion(t, "mode");
	nu_train_free(t);
	nu_arch_free(a);
	nu_arch_free(b);
}

static void
test_errors(void)
{
	struct nu_arch *a = support_parse(small), *b;
	struct nu_train *t = NULL;
	struct nu_train_opts o = { .threads = 1 };
	char *cause = NULL, path[128];
	enum nu_status st;

	snprintf(path, sizeof path, "%s/missing.h5", dir);
	o.resume = path;
	st = nu_train_new(&t, a, ds, &o, &cause);
	CHECK(st != NU_OK && t == NULL, "resuming from a missing file fails");
	CHECK_STR_HAS(cause, "missing.h5", "naming it");
	snprintf(path, sizeof path, "%s/a.h5", dir);
	b = support_parse("[net]\nversion = 1\nviews = yz\n[flatten]\n[dense]\nunits = 1\n"
	    "activation = sigmoid\n");
	o.resume = path;
	st = nu_train_new(&t, b, ds, &o, &cause);
	CHECK_STR_HAS(cause, "was trained with another architecture", "resume checks the architecture");
	nu_arch_free(b);
	b = support_parse("[net]\nversion = 1\nviews = xz\n[flatten]\n[dense]\nunits = 1\n"
	    "activation = sigmoid\n[train]\nfractions = 0.5, 0.5\n");
	o.resume = NULL;
	st = nu_train_new(&t, b, ds, &o, &cause);
	CHECK_STR_HAS(cause, "fractions needs three numbers", "fractions checked");
	nu_arch_free(b);
	nu_arch_free(a);
	free(cause);
}

int
main(void)
{
	ds = support_fixture("good");
	snprintf(dir, sizeof dir, "/tmp/nuscope-train-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! no temporary directory\n");
		return 1;
	}
	test_overfit();
	test_determinism_resume();
	test_pause();
	test_confusion();
	test_errors();
	test_where_counts();
	test_where_resume();
	test_remove_dir(dir);
	nu_dataset_free(ds);
	TEST_DONE();
}
