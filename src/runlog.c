/*
 * runlog.c: the reader of a training run's JSON log as it grows
 * (runlog.h): the file followed by path, the records parsed by a small
 * strict JSON parser, and the progress the records add up to.
 *
 * The file is read with pread() from the offset reached so far; bytes
 * after the last newline wait in `part` for the rest of their line.  Each
 * poll first stat()s the path: gone is "removed"; another file there (a
 * new run writing a new file) or a shorter one, or one whose first bytes
 * differ from those read (`nuscope train` truncates and writes again), is
 * "restarted" and read again from the beginning.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "runlog.h"

#define HEAD 256                /* first bytes kept to notice a rewrite */
#define POLL_MAX (16 << 20)     /* bytes read by one poll: a long log is
                                 * read over several, the screen answering */
#define RBUF (1 << 16)
#define JSON_DEPTH 8            /* nesting of a record */


/* ---- the reader ---------------------------------------------------------- */

struct nu_runlog {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	bool removed;
	off_t pos;              /* bytes read from the file */
	char head[HEAD];        /* its first bytes */
	size_t nhead;
	char *rbuf;             /* [RBUF]: what one read() brings */
	char *part;             /* the line being read, not yet ended */
	size_t npart, partcap;
	long lineno;            /* lines ended so far */

	enum nu_status err;     /* sticky: the reader stopped at a bad line */
	char *errmsg;

	struct nu_runlog_run run;
	struct nu_epoch_rec *e;
	int ne, ecap;
	struct nu_batch_rec *b;
	size_t nb, bcap;
	uint64_t nbatch_seen;   /* batch records read, thinned or not */
	unsigned thin;          /* keep 1 batch record in 2^thin */
	struct nu_batch_rec last_batch;
	bool have_batch;
	int maxbatch;           /* highest batch index seen */
	struct nu_train_confusion cm;
	char cm_names[NU_MAXCLASSES][32];
	int best_epoch;
	double best_value;

	bool ended;
	enum nu_run_state end_state;
	int end_best;           /* the end record's best epoch, -1 without */
	double end_best_value;
	char message[256];
};

/* Forget everything read (the log was started again). */
static void
reset(struct nu_runlog *r)
{
	r->pos = 0;
	r->nhead = 0;
	r->npart = 0;
	r->lineno = 0;
	memset(&r->run, 0, sizeof r->run);
	r->ne = 0;
	r->nb = 0;
	r->nbatch_seen = 0;
	r->thin = 0;
	r->have_batch = false;
	r->maxbatch = -1;
	memset(&r->cm, 0, sizeof r->cm);
	r->cm.epoch = -1;
	r->best_epoch = -1;
	r->best_value = NAN;
	r->ended = false;
	r->end_best = -1;
	r->end_best_value = NAN;
	r->message[0] = '\0';
}

static enum nu_status
reopen(struct nu_runlog *r, char **cause)
{
	struct stat sb;
	int fd = open(r->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return nu_fail(cause, errno == ENOENT ? NU_ERR_NOT_FOUND : NU_ERR_IO,
		    "%s: %s", r->path, strerror(errno));
	if (fstat(fd, &sb) != 0) {
		int e = errno;

		close(fd);
		return nu_fail(cause, NU_ERR_IO, "%s: %s", r->path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return nu_fail(cause, NU_ERR_FORMAT, "%s: not a regular file", r->path);
	}
	if (r->fd >= 0)
		close(r->fd);
	r->fd = fd;
	r->dev = sb.st_dev;
	r->ino = sb.st_ino;
	return NU_OK;
}

enum nu_status
nu_runlog_open(struct nu_runlog **out, const char *path, char **cause)
{
	struct nu_runlog *r;
	enum nu_status st;

	*out = NULL;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	r->fd = -1;
	if ((r->path = strdup(path)) == NULL || (r->rbuf = malloc(RBUF)) == NULL) {
		nu_runlog_free(r);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	reset(r);
	if ((st = reopen(r, cause)) != NU_OK) {
		nu_runlog_free(r);
		return st;
	}
	*out = r;
	return NU_OK;
}

void
nu_runlog_free(struct nu_runlog *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r->rbuf);
	free(r->part);
	free(r->errmsg);
	free(r->e);
	free(r->b);
	free(r);
}

/* Stop at line r->lineno with a message naming the file and the line. */
__attribute__((format(printf, 3, 4)))
static enum nu_status
bad_line(struct nu_runlog *r, enum nu_status st, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = nu_vasprintf(fmt, ap);
	va_end(ap);
	free(r->errmsg);
	r->errmsg = nu_asprintf("%s:%ld: %s", r->path, r->lineno,
	    what != NULL ? what : "out of memory");
	free(what);
	r->err = r->errmsg != NULL ? st : NU_ERR_NOMEM;
	return r->err;
}

/* A number member: null gives NaN when nullable. */
static bool
get_num(const struct nu_jv *o, const char *key, bool nullable, double *out)
{
	const struct nu_jv *v = nu_json_get(o, key);

	if (v != NULL && v->type == NU_J_NUM) {
		*out = v->num;
		return true;
	}
	if (v != NULL && v->type == NU_J_NULL && nullable) {
		*out = NAN;
		return true;
	}
	return false;
}

/* A whole number member in [lo, hi]. */
static bool
get_int(const struct nu_jv *o, const char *key, double lo, double hi, double *out)
{
	double d;

	if (!get_num(o, key, false, &d) || d != floor(d) || d < lo || d > hi)
		return false;
	*out = d;
	return true;
}

static bool
get_str(const struct nu_jv *o, const char *key, char *buf, size_t len)
{
	const struct nu_jv *v = nu_json_get(o, key);

	if (v == NULL || v->type != NU_J_STR || strlen(v->str) >= len)
		return false;
	snprintf(buf, len, "%s", v->str);
	return true;
}

/* A string member shown as it is: cut to fit buf (at a character's
 * start), not refused, as a path or a message may be long. */
static bool
get_text(const struct nu_jv *o, const char *key, char *buf, size_t len)
{
	const struct nu_jv *v = nu_json_get(o, key);
	size_t n;

	if (v == NULL || v->type != NU_J_STR)
		return false;
	n = strlen(v->str);
	if (n >= len) {
		n = len - 1;
		while (n > 0 && ((unsigned char)v->str[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, v->str, n);
	buf[n] = '\0';
	return true;
}

/* A list of class names (at most NU_MAXCLASSES of at most 31 bytes). */
static bool
get_classes(const struct nu_jv *v, char (*names)[32], int *n)
{
	if (v == NULL || v->type != NU_J_ARR || v->n > NU_MAXCLASSES)
		return false;
	for (size_t i = 0; i < v->n; i++) {
		if (v->item[i].type != NU_J_STR || strlen(v->item[i].str) >= 32)
			return false;
		snprintf(names[i], 32, "%s", v->item[i].str);
	}
	*n = (int)v->n;
	return true;
}

#define MAXCOUNT 9007199254740992.0     /* 2^53: exact in a double */

static enum nu_status
rec_run(struct nu_runlog *r, const struct nu_jv *o)
{
	struct nu_runlog_run *u = &r->run;
	const struct nu_jv *v;
	double d;

	if (r->lineno != 1)
		return bad_line(r, NU_ERR_FORMAT, "a \"run\" record after the first line");
	if (!get_text(o, "arch", u->arch, sizeof u->arch) ||
	    !get_str(o, "task", u->task, sizeof u->task) ||
	    !get_classes(nu_json_get(o, "classes"), u->classes, &u->nclasses))
		return bad_line(r, NU_ERR_FORMAT, "a \"run\" record needs \"arch\", "
		    "\"task\" and \"classes\" (at most %d names of at most 31 bytes)",
		    NU_MAXCLASSES);
	if (!get_int(o, "epochs", 1, 1e9, &d))
		return bad_line(r, NU_ERR_FORMAT, "\"epochs\" is not a whole number from 1");
	u->epochs = (int)d;
	if (!get_int(o, "train_events", 0, MAXCOUNT, &d))
		return bad_line(r, NU_ERR_FORMAT, "\"train_events\" is not a count");
	u->train_events = (uint64_t)d;
	if (!get_int(o, "val_events", 0, MAXCOUNT, &d))
		return bad_line(r, NU_ERR_FORMAT, "\"val_events\" is not a count");
	u->val_events = (uint64_t)d;
	if (!get_int(o, "test_events", 0, MAXCOUNT, &d))
		return bad_line(r, NU_ERR_FORMAT, "\"test_events\" is not a count");
	u->test_events = (uint64_t)d;
	if (!get_int(o, "parameters", 0, MAXCOUNT, &d))
		return bad_line(r, NU_ERR_FORMAT, "\"parameters\" is not a count");
	u->parameters = (uint64_t)d;
	/* the rest label the screen when present */
	if ((v = nu_json_get(o, "output")) != NULL && !get_text(o, "output", u->output,
	    sizeof u->output))
		return bad_line(r, NU_ERR_FORMAT, "\"output\" is not a path");
	if ((v = nu_json_get(o, "where")) != NULL && !get_text(o, "where", u->where,
	    sizeof u->where))
		return bad_line(r, NU_ERR_FORMAT, "\"where\" is not a string");
	if ((v = nu_json_get(o, "resume")) != NULL && v->type != NU_J_NULL &&
	    !get_text(o, "resume", u->resume, sizeof u->resume))
		return bad_line(r, NU_ERR_FORMAT, "\"resume\" is neither a path nor null");
	if (!get_str(o, "monitor", u->monitor, sizeof u->monitor))
		snprintf(u->monitor, sizeof u->monitor, "val_loss");
	if (!get_num(o, "min_delta", false, &u->min_delta))
		u->min_delta = 0;
	u->have = true;
	return NU_OK;
}

static enum nu_status
rec_batch(struct nu_runlog *r, const struct nu_jv *o)
{
	struct nu_batch_rec b;
	double ep, ba, loss, metric, eps;

	if (!get_int(o, "epoch", 0, NU_RUNLOG_MAXEPOCHS, &ep) ||
	    !get_int(o, "batch", 0, 1e9, &ba) ||
	    !get_num(o, "loss", true, &loss) || !get_num(o, "metric", true, &metric) ||
	    !get_num(o, "events_per_s", true, &eps))
		return bad_line(r, NU_ERR_FORMAT, "a \"batch\" record needs whole numbers "
		    "\"epoch\" and \"batch\", and \"loss\", \"metric\" and \"events_per_s\"");
	b.epoch = (int)ep;
	b.batch = (int)ba;
	b.loss = (float)loss;
	b.metric = (float)metric;
	b.events_per_s = (float)eps;
	r->last_batch = b;
	r->have_batch = true;
	if (b.batch > r->maxbatch)
		r->maxbatch = b.batch;
	if (r->nbatch_seen++ % (1ull << r->thin) != 0)
		return NU_OK;
	if (r->nb == NU_RUNLOG_MAXBATCHES) {
		/* keep every other one, and from now on one in twice as many */
		for (size_t i = 0; i < r->nb / 2; i++)
			r->b[i] = r->b[2 * i];
		r->nb /= 2;
		r->thin++;
		if ((r->nbatch_seen - 1) % (1ull << r->thin) != 0)
			return NU_OK;
	}
	if (r->nb == r->bcap) {
		size_t cap = r->bcap ? r->bcap * 2 : 1024;
		struct nu_batch_rec *nb;

		if (cap > NU_RUNLOG_MAXBATCHES)
			cap = NU_RUNLOG_MAXBATCHES;
		if ((nb = realloc(r->b, cap * sizeof *nb)) == NULL)
			return bad_line(r, NU_ERR_NOMEM, "out of memory");
		r->b = nb;
		r->bcap = cap;
	}
	r->b[r->nb++] = b;
	return NU_OK;
}

/* An epoch's "confusion" member into r->cm. */
static bool
get_confusion(struct nu_runlog *r, const struct nu_jv *v, int epoch)
{
	char names[NU_MAXCLASSES][32];
	const struct nu_jv *counts;
	int K;

	if (v == NULL)
		return false;
	if (v->type == NU_J_NULL)
		return true;    /* the latest matrix stays */
	if (v->type != NU_J_OBJ || !get_classes(nu_json_get(v, "classes"), names, &K) || K < 1 ||
	    (counts = nu_json_get(v, "counts")) == NULL || counts->type != NU_J_ARR ||
	    counts->n != (size_t)K)
		return false;
	for (int i = 0; i < K; i++) {
		const struct nu_jv *row = &counts->item[i];

		if (row->type != NU_J_ARR || row->n != (size_t)K)
			return false;
		for (int k = 0; k < K; k++) {
			double d = row->item[k].num;

			if (row->item[k].type != NU_J_NUM || d != floor(d) || d < 0 ||
			    d > MAXCOUNT)
				return false;
			r->cm.count[i][k] = (uint64_t)d;
		}
	}
	r->cm.epoch = epoch;
	r->cm.nclasses = K;
	memcpy(r->cm_names, names, sizeof names);
	return true;
}

static enum nu_status
rec_epoch(struct nu_runlog *r, const struct nu_jv *o)
{
	struct nu_epoch_rec e = { 0 };
	double ep, v;
	bool higher;

	if (!get_int(o, "epoch", 0, NU_RUNLOG_MAXEPOCHS, &ep) ||
	    !get_num(o, "lr", true, &e.lr) ||
	    !get_num(o, "train_loss", true, &e.train_loss) ||
	    !get_num(o, "train_metric", true, &e.train_metric) ||
	    !get_num(o, "val_loss", true, &e.val_loss) ||
	    !get_num(o, "val_metric", true, &e.val_metric) ||
	    !get_num(o, "val_accuracy", true, &e.val_accuracy) ||
	    !get_num(o, "val_balanced_accuracy", true, &e.val_balanced_accuracy) ||
	    !get_num(o, "val_auc", true, &e.val_auc) ||
	    !get_num(o, "seconds", true, &e.seconds))
		return bad_line(r, NU_ERR_FORMAT, "an \"epoch\" record needs a whole "
		    "number \"epoch\" and the numbers (or null) \"lr\", \"train_loss\", "
		    "\"train_metric\", \"val_loss\", \"val_metric\", \"val_accuracy\", "
		    "\"val_balanced_accuracy\", \"val_auc\" and \"seconds\"");
	e.epoch = (int)ep;
	if (r->ne > 0 && e.epoch <= r->e[r->ne - 1].epoch)
		return bad_line(r, NU_ERR_FORMAT, "epoch %d after epoch %d", e.epoch,
		    r->e[r->ne - 1].epoch);
	if (r->ne == NU_RUNLOG_MAXEPOCHS)
		return bad_line(r, NU_ERR_RANGE, "more than %d epoch records",
		    NU_RUNLOG_MAXEPOCHS);
	if (!get_confusion(r, nu_json_get(o, "confusion"), e.epoch))
		return bad_line(r, NU_ERR_FORMAT, "\"confusion\" is neither null nor "
		    "{\"classes\": [K names], \"counts\": [K rows of K counts]} "
		    "with K from 1 to %d", NU_MAXCLASSES);
	e.train_events = r->run.train_events;
	/* without a run record the counts are unknown: one validation event
	 * stands for "the epoch was validated", which is what they tell */
	e.val_events = r->run.have ? r->run.val_events : isfinite(e.val_loss) ? 1 : 0;
	if (r->ne == r->ecap) {
		int cap = r->ecap ? r->ecap * 2 : 64;
		struct nu_epoch_rec *ne;

		if (cap > NU_RUNLOG_MAXEPOCHS)
			cap = NU_RUNLOG_MAXEPOCHS;
		if ((ne = realloc(r->e, (size_t)cap * sizeof *ne)) == NULL)
			return bad_line(r, NU_ERR_NOMEM, "out of memory");
		r->e = ne;
		r->ecap = cap;
	}
	r->e[r->ne++] = e;
	/* the best epoch as the trainer judges it (train.c) */
	v = nu_train_monitored(r->run.have ? r->run.monitor : "val_loss", &e);
	higher = nu_train_monitor_max(r->run.have ? r->run.monitor : "val_loss", &e);
	if (r->best_epoch < 0 || (!isnan(v) && (higher ?
	    v > r->best_value + r->run.min_delta : v < r->best_value - r->run.min_delta))) {
		r->best_epoch = r->ne - 1;
		r->best_value = v;
	}
	return NU_OK;
}

static enum nu_status
rec_end(struct nu_runlog *r, const struct nu_jv *o)
{
	char status[16];
	const struct nu_jv *v;
	double d;

	if (!get_str(o, "status", status, sizeof status) ||
	    (strcmp(status, "finished") != 0 && strcmp(status, "stopped") != 0 &&
	    strcmp(status, "failed") != 0))
		return bad_line(r, NU_ERR_FORMAT, "an \"end\" record's \"status\" is "
		    "\"finished\", \"stopped\" or \"failed\"");
	r->end_state = strcmp(status, "finished") == 0 ? NU_RUN_FINISHED :
	    strcmp(status, "stopped") == 0 ? NU_RUN_STOPPED : NU_RUN_FAILED;
	r->end_best = -1;
	r->end_best_value = NAN;
	if ((v = nu_json_get(o, "best_epoch")) != NULL && v->type != NU_J_NULL) {
		if (!get_int(o, "best_epoch", 0, NU_RUNLOG_MAXEPOCHS, &d) ||
		    !get_num(o, "best_value", true, &r->end_best_value))
			return bad_line(r, NU_ERR_FORMAT, "\"best_epoch\" is neither null "
			    "nor a whole number with a \"best_value\"");
		r->end_best = (int)d;
	}
	if (nu_json_get(o, "message") != NULL && !get_text(o, "message", r->message,
	    sizeof r->message))
		return bad_line(r, NU_ERR_FORMAT, "\"message\" is not a string");
	r->ended = true;
	return NU_OK;
}

/* One whole line (without its newline). */
static enum nu_status
line(struct nu_runlog *r, const char *s, size_t n, unsigned *what)
{
	struct nu_jv v;
	const char *err = NULL, *type;
	const struct nu_jv *tv;
	enum nu_status st = NU_OK;

	r->lineno++;
	if (r->ended)
		return bad_line(r, NU_ERR_FORMAT, "a record after the \"end\" record");
	if (!nu_json_parse(s, n, JSON_DEPTH, &v, &err, NULL))
		return bad_line(r, NU_ERR_FORMAT, "not a JSON record: %s", err);
	if (v.type != NU_J_OBJ || (tv = nu_json_get(&v, "type")) == NULL || tv->type != NU_J_STR) {
		nu_jv_clear(&v);
		return bad_line(r, NU_ERR_FORMAT, "not a record: an object with a "
		    "\"type\" is expected");
	}
	type = tv->str;
	if (strcmp(type, "run") == 0)
		st = rec_run(r, &v);
	else if (strcmp(type, "batch") == 0)
		st = rec_batch(r, &v);
	else if (strcmp(type, "epoch") == 0)
		st = rec_epoch(r, &v);
	else if (strcmp(type, "end") == 0)
		st = rec_end(r, &v);
	/* other types are for later versions: passed over */
	nu_jv_clear(&v);
	if (st == NU_OK)
		*what |= NU_RUNLOG_NEWS | (r->ended ? NU_RUNLOG_ENDED : 0);
	return st;
}

/* Feed n bytes read from the file. */
static enum nu_status
feed(struct nu_runlog *r, const char *buf, size_t n, unsigned *what)
{
	enum nu_status st;

	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl != NULL ? (size_t)(nl - buf) : n;

		if (r->npart + take > NU_RUNLOG_MAXLINE) {
			r->lineno++;
			return bad_line(r, NU_ERR_RANGE, "a line longer than %d bytes",
			    NU_RUNLOG_MAXLINE);
		}
		if (nl != NULL && r->npart == 0) {
			/* a whole line in the buffer: no copy */
			if ((st = line(r, buf, take, what)) != NU_OK)
				return st;
		} else {
			if (r->npart + take > r->partcap) {
				size_t cap = r->partcap ? r->partcap : 4096;
				char *p;

				while (cap < r->npart + take)
					cap *= 2;
				if ((p = realloc(r->part, cap)) == NULL)
					return bad_line(r, NU_ERR_NOMEM, "out of memory");
				r->part = p;
				r->partcap = cap;
			}
			memcpy(r->part + r->npart, buf, take);
			r->npart += take;
			if (nl != NULL) {
				size_t len = r->npart;

				r->npart = 0;
				if ((st = line(r, r->part, len, what)) != NU_OK)
					return st;
			}
		}
		if (nl == NULL)
			break;
		buf += take + 1;
		n -= take + 1;
	}
	return NU_OK;
}

enum nu_status
nu_runlog_poll(struct nu_runlog *r, unsigned *what, char **cause)
{
	char *buf = r->rbuf;
	struct stat sb;
	off_t got = 0;
	bool restart = false;
	enum nu_status st;

	*what = 0;
	if (r->err != NU_OK)
		return nu_fail(cause, r->err, "%s", r->errmsg);
	if (stat(r->path, &sb) != 0) {
		if (errno != ENOENT)
			return nu_fail(cause, NU_ERR_IO, "%s: %s", r->path, strerror(errno));
		if (!r->removed) {
			r->removed = true;
			*what |= NU_RUNLOG_REMOVED;
		}
		return NU_OK;
	}
	if (r->removed || sb.st_dev != r->dev || sb.st_ino != r->ino) {
		/* another file at the path: a new run's log */
		if ((st = reopen(r, cause)) != NU_OK)
			return st == NU_ERR_NOT_FOUND ? NU_OK : st;
		r->removed = false;
		restart = true;
	} else if (fstat(r->fd, &sb) != 0) {
		return nu_fail(cause, NU_ERR_IO, "%s: %s", r->path, strerror(errno));
	}
	if (!restart && sb.st_size < r->pos) {
		restart = true;         /* truncated */
	} else if (!restart && r->nhead > 0) {
		char h[HEAD];
		ssize_t n = pread(r->fd, h, r->nhead, 0);

		if (n < 0)
			return nu_fail(cause, NU_ERR_IO, "%s: %s", r->path, strerror(errno));
		restart = (size_t)n != r->nhead || memcmp(h, r->head, r->nhead) != 0;
	}
	if (restart) {
		reset(r);
		*what |= NU_RUNLOG_RESTARTED;
	}
	for (;;) {
		ssize_t n = pread(r->fd, buf, RBUF, r->pos);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return nu_fail(cause, NU_ERR_IO, "%s: %s", r->path, strerror(errno));
		}
		if (n == 0)
			break;
		if (r->nhead < HEAD) {
			size_t k = HEAD - r->nhead < (size_t)n ? HEAD - r->nhead : (size_t)n;

			memcpy(r->head + r->nhead, buf, k);
			r->nhead += k;
		}
		r->pos += n;
		got += n;
		if ((st = feed(r, buf, (size_t)n, what)) != NU_OK)
			return nu_fail(cause, st, "%s", r->errmsg);
		if (got >= POLL_MAX)
			break;
	}
	return NU_OK;
}

const char *
nu_runlog_path(const struct nu_runlog *r)
{
	return r->path;
}

const struct nu_runlog_run *
nu_runlog_run(const struct nu_runlog *r)
{
	return &r->run;
}

bool
nu_runlog_removed(const struct nu_runlog *r)
{
	return r->removed;
}

void
nu_runlog_snapshot(const struct nu_runlog *r, struct nu_train_snap *s)
{
	const struct nu_epoch_rec *last = r->ne > 0 ? &r->e[r->ne - 1] : NULL;
	double secs = 0;

	memset(s, 0, sizeof *s);
	s->state = r->ended ? r->end_state : r->removed ? NU_RUN_FAILED :
	    r->have_batch || r->ne > 0 ? NU_RUN_RUNNING : NU_RUN_READY;
	if (r->removed && !r->ended)
		snprintf(s->message, sizeof s->message, "%s was removed: the run failed "
		    "or is starting again", r->path);
	else
		snprintf(s->message, sizeof s->message, "%s", r->message);
	s->epochs = r->run.have ? r->run.epochs : r->ne;
	s->epoch = last != NULL ? last->epoch + 1 : 0;
	s->nbatches = r->maxbatch + 1;
	/* in an epoch not completed yet, or one the run ended in (stopped
	 * mid-epoch: that one, as the trainer reports it) */
	if (r->have_batch && (last == NULL || r->last_batch.epoch > last->epoch ||
	    (r->ended && r->last_batch.epoch == last->epoch))) {
		s->epoch = r->last_batch.epoch;
		s->batch = r->last_batch.batch + 1;
	}
	s->step = r->nbatch_seen;
	s->lr = last != NULL ? last->lr : NAN;
	s->events_per_s = r->have_batch ? r->last_batch.events_per_s : 0;
	for (int i = 0; i < r->ne; i++)
		if (isfinite(r->e[i].seconds))
			secs += r->e[i].seconds;
	s->elapsed_s = secs;
	s->eta_s = NAN;
	if (s->state == NU_RUN_RUNNING && r->ne > 0 && s->epochs > 0) {
		double left = s->epochs - s->epoch -
		    (s->nbatches > 0 ? (double)s->batch / s->nbatches : 0);

		s->eta_s = left > 0 ? left * secs / r->ne : 0;
	}
	s->best_epoch = r->ended && r->end_best >= 0 ? r->end_best : r->best_epoch;
	s->best_value = r->ended && r->end_best >= 0 ? r->end_best_value : r->best_value;
	s->monitor = r->run.have ? r->run.monitor : "val_loss";
	s->nbatch_recs = r->nb;
	s->nepoch_recs = r->ne;
	s->train_events = r->run.train_events;
	s->val_events = r->run.val_events;
	s->test_events = r->run.test_events;
	s->nparams = (size_t)r->run.parameters;
	s->confusion = r->cm;
	if (s->confusion.nclasses == 0)
		s->confusion.nclasses = r->run.nclasses;
}

const struct nu_epoch_rec *
nu_runlog_epochs(const struct nu_runlog *r, int *n)
{
	*n = r->ne;
	return r->e;
}

const struct nu_batch_rec *
nu_runlog_batches(const struct nu_runlog *r, size_t *n)
{
	*n = r->nb;
	return r->b;
}

const char *
nu_runlog_class_name(const struct nu_runlog *r, int i)
{
	if (i < 0)
		return "?";
	if (r->cm.epoch >= 0 && i < r->cm.nclasses)
		return r->cm_names[i];
	if (i < r->run.nclasses)
		return r->run.classes[i];
	return "?";
}
