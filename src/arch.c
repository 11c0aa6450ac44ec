/*
 * arch.c: the key tables of architecture files and their strict parser.
 */
#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "loader.h"
#include "split.h"

#define ACTIVATIONS "linear|relu|leaky-relu|sigmoid|tanh|softmax"

static const struct nu_arch_key net_keys[] = {
	{ "version", NU_ARCH_INT, 1, 1, NULL, NULL,
	  "format version of the file; this nuscope reads version 1" },
	{ "name", NU_ARCH_STRING, 0, 0, NULL, "", "a name shown in summaries" },
	{ "task", NU_ARCH_ENUM, 0, 0, "numu-cc|flavour|mode|energy|y|code", "numu-cc",
	  "what the network learns (nuscope-data(5) lists the tasks)" },
	{ "views", NU_ARCH_ENUM, 0, 0, "both|xz|yz", "both",
	  "which pixel maps the network sees" },
	{ "branches", NU_ARCH_ENUM, 0, 0, "separate|shared|stacked", "separate",
	  "with both views: separate = a branch per view with its own weights; "
	  "shared = one branch, its weights applied to each view; stacked = the "
	  "two views as the two channels of one branch" },
	{ "input", NU_ARCH_ENUM, 0, 0, NU_INPUT_CHOICES, "views",
	  "how a map row becomes the input views: views = XZ and YZ as stored; "
	  "interleaved = the row read as (100, 80, 2) and the last axis taken as "
	  "the views (models trained on cvnmap reshaped that way, nuscope-data(5))" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

#define L2_KEYS \
	{ "l2", NU_ARCH_FLOAT, 0, 1, NULL, "0", \
	  "L2 penalty on the weights, added to the loss as l2 * sum(w^2)" }, \
	{ "l2_bias", NU_ARCH_FLOAT, 0, 1, NULL, "0", \
	  "L2 penalty on the biases" }

#define ACT_KEYS \
	{ "activation", NU_ARCH_ENUM, 0, 0, ACTIVATIONS, "linear", \
	  "function applied to the output" }, \
	{ "alpha", NU_ARCH_FLOAT, 0, 1, NULL, "0.3", \
	  "slope of leaky-relu below zero" }

static const struct nu_arch_key conv_keys[] = {
	{ "filters", NU_ARCH_INT, 1, 4096, NULL, NULL, "number of filters (output channels)" },
	{ "kernel", NU_ARCH_PAIR, 1, 64, NULL, "3x3",
	  "kernel size, planes x cells (\"3\" means 3x3)" },
	{ "stride", NU_ARCH_PAIR, 1, 64, NULL, "1x1", "step between windows" },
	{ "padding", NU_ARCH_ENUM, 0, 0, "valid|same", "valid",
	  "valid: no padding; same: zero padding so that the output is "
	  "ceil(input/stride), the odd pixel at the bottom/right (as Keras)" },
	ACT_KEYS,
	L2_KEYS,
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static const struct nu_arch_key pool_keys[] = {
	{ "size", NU_ARCH_PAIR, 1, 64, NULL, "2x2", "window, planes x cells" },
	{ "stride", NU_ARCH_PAIR, 1, 64, NULL, "",
	  "step between windows (default: the window size)" },
	{ "padding", NU_ARCH_ENUM, 0, 0, "valid|same", "valid",
	  "valid: windows inside the input; same: output ceil(input/stride), "
	  "padded positions never count" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static const struct nu_arch_key dropout_keys[] = {
	{ "rate", NU_ARCH_FLOAT, 0, 0.99, NULL, NULL,
	  "fraction of inputs zeroed while training" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static const struct nu_arch_key batchnorm_keys[] = {
	{ "momentum", NU_ARCH_FLOAT, 0, 1, NULL, "0.99",
	  "weight of the old running mean and variance in each update" },
	{ "epsilon", NU_ARCH_FLOAT, 1e-12, 1, NULL, "0.001",
	  "added to the variance before the square root" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static const struct nu_arch_key flatten_keys[] = {
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static const struct nu_arch_key dense_keys[] = {
	{ "units", NU_ARCH_INT, 1, 1000000, NULL, NULL, "number of outputs" },
	ACT_KEYS,
	L2_KEYS,
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static const struct nu_arch_key activation_keys[] = {
	{ "function", NU_ARCH_ENUM, 0, 0, ACTIVATIONS, NULL, "the function" },
	{ "alpha", NU_ARCH_FLOAT, 0, 1, NULL, "0.3", "slope of leaky-relu below zero" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static const struct nu_arch_key merge_keys[] = {
	{ "axis", NU_ARCH_ENUM, 0, 0, "features|planes", "features",
	  "features: flatten each branch and concatenate, XZ first; planes: "
	  "join the branches' feature maps along the plane axis, XZ planes "
	  "first, and go on with more layers" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static const struct nu_arch_key train_keys[] = {
	{ "optimizer", NU_ARCH_ENUM, 0, 0, "adam|sgd|rmsprop", "adam", "the update rule" },
	{ "lr", NU_ARCH_FLOAT, 1e-9, 10, NULL, "0.001", "learning rate" },
	{ "beta1", NU_ARCH_FLOAT, 0, 0.99999, NULL, "0.9", "Adam: decay of the first moment" },
	{ "beta2", NU_ARCH_FLOAT, 0, 0.99999, NULL, "0.999", "Adam: decay of the second moment" },
	{ "epsilon", NU_ARCH_FLOAT, 0, 1, NULL, "1e-7", "Adam and RMSprop: added to the denominator" },
	{ "momentum", NU_ARCH_FLOAT, 0, 0.99999, NULL, "0", "SGD: momentum" },
	{ "nesterov", NU_ARCH_BOOL, 0, 0, NULL, "no", "SGD: Nesterov momentum" },
	{ "rho", NU_ARCH_FLOAT, 0, 0.99999, NULL, "0.9", "RMSprop: decay of the squared gradient" },
	{ "schedule", NU_ARCH_ENUM, 0, 0, "constant|step|exponential|cosine", "constant",
	  "learning-rate schedule over epochs: step multiplies by decay_rate "
	  "every decay_epochs; exponential by decay_rate^(epoch/decay_epochs); "
	  "cosine falls to 0 at the last epoch" },
	{ "decay_rate", NU_ARCH_FLOAT, 0, 1, NULL, "0.5", "factor of the step and exponential schedules" },
	{ "decay_epochs", NU_ARCH_INT, 1, 100000, NULL, "10", "period of the step and exponential schedules" },
	{ "batch", NU_ARCH_INT, 1, 65536, NULL, "32", "events per mini-batch" },
	{ "epochs", NU_ARCH_INT, 1, 100000, NULL, "10", "passes over the training events" },
	{ "early_stop", NU_ARCH_BOOL, 0, 0, NULL, "no", "stop when the monitored metric stops improving" },
	{ "monitor", NU_ARCH_ENUM, 0, 0,
	  "val_loss|val_accuracy|val_balanced_accuracy|val_auc|val_mse", "val_loss",
	  "metric watched by early stopping and for the best epoch" },
	{ "patience", NU_ARCH_INT, 0, 100000, NULL, "5", "epochs without improvement before stopping" },
	{ "min_delta", NU_ARCH_FLOAT, 0, 1e9, NULL, "0", "smallest change that counts as improvement" },
	{ "restore_best", NU_ARCH_BOOL, 0, 0, NULL, "yes", "end with the weights of the best epoch" },
	{ "balance", NU_ARCH_ENUM, 0, 0, NU_BALANCE_CHOICES, "none",
	  "against class imbalance: drop majority events, repeat minority "
	  "events, or weight the loss" },
	{ "class_weights", NU_ARCH_LIST, 0, 1e6, NULL, "",
	  "loss weight of each class, in class order (default with "
	  "balance = weights: inverse class frequency)" },
	{ "split", NU_ARCH_ENUM, 0, 0, NU_SPLIT_CHOICES, "random",
	  "how events are divided into training, validation and test" },
	{ "fractions", NU_ARCH_LIST, 0, 1, NULL, "0.8,0.1,0.1",
	  "training, validation and test shares for random, stratified and sequential splits" },
	{ "train_files", NU_ARCH_STRING, 0, 0, NULL, "", "split = files: training files (globs, comma-separated)" },
	{ "val_files", NU_ARCH_STRING, 0, 0, NULL, "", "split = files: validation files" },
	{ "test_files", NU_ARCH_STRING, 0, 0, NULL, "", "split = files: test files" },
	{ "normalise", NU_ARCH_ENUM, 0, 0, NU_NORM_CHOICES, "255",
	  "pixel scaling: divide by 255, divide by the training set's maximum, "
	  "log(1 + value) / log(256), or none (the values 0-255 as they are)" },
	{ "mirror", NU_ARCH_BOOL, 0, 0, NULL, "no", "augment by mirroring events in the cell direction" },
	{ "noise", NU_ARCH_FLOAT, 0, 10, NULL, "0", "augment with Gaussian noise of this sigma (after scaling)" },
	{ "loss", NU_ARCH_ENUM, 0, 0, "auto|bce|cce|mse", "auto",
	  "auto: binary cross-entropy for binary tasks, categorical cross-entropy "
	  "for multi-class, mean squared error for regression" },
	{ "seed", NU_ARCH_INT, 0, 4294967295.0, NULL, "1",
	  "seed of initialisation, splits, shuffling, dropout and augmentation" },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

const struct nu_arch_kind nu_arch_kinds[] = {
	{ "net", NU_ARCH_ROLE_NET, net_keys, "the network's inputs; first in every file" },
	{ "conv", NU_ARCH_ROLE_LAYER, conv_keys, "2-D convolution" },
	{ "maxpool", NU_ARCH_ROLE_LAYER, pool_keys, "max pooling" },
	{ "avgpool", NU_ARCH_ROLE_LAYER, pool_keys, "average pooling" },
	{ "dropout", NU_ARCH_ROLE_LAYER, dropout_keys, "dropout (training only)" },
	{ "batchnorm", NU_ARCH_ROLE_LAYER, batchnorm_keys, "batch normalisation" },
	{ "flatten", NU_ARCH_ROLE_LAYER, flatten_keys, "flatten to features, channel-major" },
	{ "dense", NU_ARCH_ROLE_LAYER, dense_keys, "fully connected layer" },
	{ "activation", NU_ARCH_ROLE_LAYER, activation_keys, "an activation on its own" },
	{ "merge", NU_ARCH_ROLE_MERGE, merge_keys,
	  "where the branches of the two views meet; layers before it form each branch" },
	{ "train", NU_ARCH_ROLE_TRAIN, train_keys, "how to train; last in the file" },
	{ NULL, 0, NULL, NULL },
};

const struct nu_arch_kind *
nu_arch_kind_find(const char *name)
{
	for (const struct nu_arch_kind *k = nu_arch_kinds; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int
nu_arch_key_index(const struct nu_arch_kind *k, const char *name)
{
	for (int i = 0; k->keys[i].name != NULL; i++)
		if (strcmp(k->keys[i].name, name) == 0)
			return i;
	assert(!"no such key in this kind");
	return -1;
}

const struct nu_arch_value *
nu_arch_get(const struct nu_arch_section *s, const char *key)
{
	return &s->v[nu_arch_key_index(s->kind, key)];
}

long
nu_arch_int(const struct nu_arch_section *s, const char *key)
{
	return nu_arch_get(s, key)->i;
}

double
nu_arch_float(const struct nu_arch_section *s, const char *key)
{
	return nu_arch_get(s, key)->f;
}

bool
nu_arch_bool(const struct nu_arch_section *s, const char *key)
{
	return nu_arch_get(s, key)->i != 0;
}

const int *
nu_arch_pair(const struct nu_arch_section *s, const char *key)
{
	return nu_arch_get(s, key)->pair;
}

int
nu_arch_input(const struct nu_arch *a)
{
	return a != NULL ? nu_arch_enum_index(&a->sec[a->net], "input") : NU_INPUT_VIEWS;
}

bool
nu_arch_is_set(const struct nu_arch_section *s, const char *key)
{
	return s->key_line[nu_arch_key_index(s->kind, key)] != 0;
}

/* The n-th choice of "a|b|c" copied into buf; NULL past the end. */
static const char *
choice(const char *choices, int n, char *buf, size_t len)
{
	const char *p = choices;

	for (; n > 0 && p != NULL; n--)
		if ((p = strchr(p, '|')) != NULL)
			p++;
	if (p == NULL)
		return NULL;
	snprintf(buf, len, "%.*s", (int)strcspn(p, "|"), p);
	return buf;
}

int
nu_arch_enum_index(const struct nu_arch_section *s, const char *key)
{
	return (int)nu_arch_get(s, key)->i;
}

const char *
nu_arch_enum(const struct nu_arch_section *s, const char *key)
{
	/* the value's text is the choice itself (set at parse time) */
	return nu_arch_get(s, key)->s;
}

/* ---- values ------------------------------------------------------------------ */

static int
parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0;
}

static int
parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return *s != '\0' && *end == '\0' && errno == 0 && isfinite(*out);
}

static const char *
range_text(const struct nu_arch_key *k, char *buf, size_t len)
{
	snprintf(buf, len, "from %.10g to %.10g", k->min, k->max);
	return buf;
}

/*
 * Convert text into v for key k.  On failure writes what was expected into
 * why and returns 0.
 */
static int
parse_value(const struct nu_arch_key *k, const char *text, struct nu_arch_value *v,
    char *why, size_t wlen)
{
	char rng[64], buf[64], *end;
	long l;
	double d;

	free(v->s);
	memset(v, 0, sizeof(*v));
	if ((v->s = strdup(text)) == NULL) {
		snprintf(why, wlen, "out of memory");
		return 0;
	}
	switch (k->type) {
	case NU_ARCH_INT:
		if (!parse_long(text, &l) || l < k->min || l > k->max) {
			snprintf(why, wlen, "expected a whole number %s",
			    range_text(k, rng, sizeof rng));
			return 0;
		}
		v->i = l;
		v->f = (double)l;
		return 1;
	case NU_ARCH_FLOAT:
		if (!parse_double(text, &d) || d < k->min || d > k->max) {
			snprintf(why, wlen, "expected a number %s",
			    range_text(k, rng, sizeof rng));
			return 0;
		}
		v->f = d;
		return 1;
	case NU_ARCH_BOOL:
		if (!strcmp(text, "yes") || !strcmp(text, "true") ||
		    !strcmp(text, "on") || !strcmp(text, "1"))
			v->i = 1;
		else if (!strcmp(text, "no") || !strcmp(text, "false") ||
		    !strcmp(text, "off") || !strcmp(text, "0"))
			v->i = 0;
		else {
			snprintf(why, wlen, "expected yes or no");
			return 0;
		}
		return 1;
	case NU_ARCH_ENUM:
		for (int n = 0; choice(k->choices, n, buf, sizeof buf) != NULL; n++)
			if (strcmp(buf, text) == 0) {
				v->i = n;
				return 1;
			}
		snprintf(why, wlen, "expected one of %s", k->choices);
		for (char *p = why; (p = strchr(p, '|')) != NULL; )
			*p = ',';
		return 0;
	case NU_ARCH_PAIR: {
		long a, b;

		a = strtol(text, &end, 10);
		if (end == text || a < k->min || a > k->max)
			goto bad_pair;
		b = a;
		if (*end == 'x' || *end == 'X') {
			const char *p = end + 1;

			b = strtol(p, &end, 10);
			if (end == p || b < k->min || b > k->max)
				goto bad_pair;
		}
		if (*end != '\0' || !isdigit((unsigned char)text[0]))
			goto bad_pair;
		v->pair[0] = (int)a;
		v->pair[1] = (int)b;
		return 1;
bad_pair:
		snprintf(why, wlen, "expected a size such as 3x3 or 3, each %s",
		    range_text(k, rng, sizeof rng));
		return 0;
	}
	case NU_ARCH_LIST: {
		const char *p = text;

		while (*p != '\0') {
			char item[64];
			size_t n = strcspn(p, ",");

			snprintf(item, sizeof item, "%.*s", (int)n, p);
			/* trim blanks around the item */
			char *a = item, *e = item + strlen(item);
			while (*a == ' ' || *a == '\t')
				a++;
			while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
				*--e = '\0';
			if (v->nlist == NU_ARCH_MAXLIST || !parse_double(a, &d) ||
			    d < k->min || d > k->max) {
				snprintf(why, wlen, "expected up to %d comma-separated "
				    "numbers, each %s", NU_ARCH_MAXLIST,
				    range_text(k, rng, sizeof rng));
				return 0;
			}
			v->list[v->nlist++] = d;
			p += n;
			if (*p == ',')
				p++;
		}
		return 1;
	}
	case NU_ARCH_STRING:
		return 1;
	}
	return 0;
}

bool
nu_arch_check_value(const struct nu_arch_key *k, const char *text, char *why,
    size_t wlen)
{
	struct nu_arch_value v = { 0 };
	int ok;

	if (*text == '\0') {
		snprintf(why, wlen, "%s has no value", k->name);
		return false;
	}
	ok = parse_value(k, text, &v, why, wlen);
	free(v.s);
	return ok != 0;
}

/* ---- parsing ----------------------------------------------------------------- */

static void
section_free(struct nu_arch_section *s)
{
	for (int i = 0; i < NU_ARCH_MAXKEYS; i++)
		free(s->v[i].s);
}

void
nu_arch_free(struct nu_arch *a)
{
	if (a == NULL)
		return;
	for (int i = 0; i < a->nsec; i++)
		section_free(&a->sec[i]);
	free(a->sec);
	free(a->text);
	free(a->path);
	free(a);
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static const char *
kind_list(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct nu_arch_kind *k = nu_arch_kinds; k->name != NULL && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", k->name);
	return buf;
}

static const char *
key_list(const struct nu_arch_kind *k, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (k->keys[0].name == NULL)
		return "none";
	for (int i = 0; k->keys[i].name != NULL && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
		    k->keys[i].name);
	return buf;
}

/* Start a section of kind k at line; fills in every default. */
static enum nu_status
section_begin(struct nu_arch *a, const struct nu_arch_kind *k, int line, char **cause)
{
	struct nu_arch_section *s, *sec;
	char why[256];

	if (a->nsec == NU_ARCH_MAXSECTIONS)
		return nu_fail(cause, NU_ERR_FORMAT, "%s:%d: more than %d sections; a "
		    "network has at most 160 layers", a->path, line, NU_ARCH_MAXSECTIONS);
	sec = realloc(a->sec, (size_t)(a->nsec + 1) * sizeof(*sec));
	if (sec == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	a->sec = sec;
	s = &a->sec[a->nsec++];
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->line = line;
	for (int i = 0; k->keys[i].name != NULL; i++) {
		const struct nu_arch_key *key = &k->keys[i];

		assert(i < NU_ARCH_MAXKEYS);
		if (key->def == NULL || key->def[0] == '\0') {
			/* required, or optional with no value: text "" */
			if ((s->v[i].s = strdup("")) == NULL)
				return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
			continue;
		}
		if (!parse_value(key, key->def, &s->v[i], why, sizeof why))
			return nu_fail(cause, NU_ERR_USAGE,
			    "internal: default of %s.%s: %s", k->name, key->name, why);
	}
	return NU_OK;
}

static enum nu_status
parse_lines(struct nu_arch *a, char *text, char **cause)
{
	const char *path = a->path;
	char *line, *next, why[256], list[512];
	int lineno = 0;
	struct nu_arch_section *cur = NULL;
	enum nu_status st;

	for (line = text; line != NULL; line = next) {
		char *s, *eq, *key, *val;
		const struct nu_arch_kind *k;
		int ki;

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strlen(line) > NU_ARCH_MAXLINE)
			return nu_fail(cause, NU_ERR_FORMAT, "%s:%d: the line is longer "
			    "than %d characters", path, lineno, NU_ARCH_MAXLINE);
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');

			if (close == NULL || *trim(close + 1) != '\0')
				return nu_fail(cause, NU_ERR_FORMAT,
				    "%s:%d: expected a section header such as [conv]",
				    path, lineno);
			*close = '\0';
			s = trim(s + 1);
			if ((k = nu_arch_kind_find(s)) == NULL)
				return nu_fail(cause, NU_ERR_FORMAT,
				    "%s:%d: unknown section [%s]; sections are %s",
				    path, lineno, s, kind_list(list, sizeof list));
			if ((st = section_begin(a, k, lineno, cause)) != NU_OK)
				return st;
			cur = &a->sec[a->nsec - 1];
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL)
			return nu_fail(cause, NU_ERR_FORMAT,
			    "%s:%d: expected 'key = value' or a [section]", path, lineno);
		*eq = '\0';
		key = trim(s);
		val = eq + 1;
		/* an inline comment starts at a blank followed by # or ; */
		for (char *p = val; *p; p++)
			if ((*p == '#' || *p == ';') && p > val &&
			    (p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		val = trim(val);
		if (cur == NULL)
			return nu_fail(cause, NU_ERR_FORMAT,
			    "%s:%d: '%s' comes before any section; the file starts with [net]",
			    path, lineno, key);
		k = cur->kind;
		for (ki = 0; k->keys[ki].name != NULL; ki++)
			if (strcmp(k->keys[ki].name, key) == 0)
				break;
		if (k->keys[ki].name == NULL)
			return nu_fail(cause, NU_ERR_FORMAT,
			    "%s:%d: [%s] has no key '%s'; its keys are %s",
			    path, lineno, k->name, key, key_list(k, list, sizeof list));
		if (cur->key_line[ki] != 0)
			return nu_fail(cause, NU_ERR_FORMAT,
			    "%s:%d: %s is already set in this [%s] (line %d)",
			    path, lineno, key, k->name, cur->key_line[ki]);
		if (*val == '\0')
			return nu_fail(cause, NU_ERR_FORMAT,
			    "%s:%d: %s has no value", path, lineno, key);
		if (!parse_value(&k->keys[ki], val, &cur->v[ki], why, sizeof why)) {
			if (cur->kind->role == NU_ARCH_ROLE_NET && strcmp(key, "version") == 0) {
				long ver;

				if (parse_long(val, &ver) && ver > NU_ARCH_VERSION)
					return nu_fail(cause, NU_ERR_FORMAT,
					    "%s:%d: version %ld is newer than this nuscope "
					    "reads (%d); a newer nuscope wrote this file",
					    path, lineno, ver, NU_ARCH_VERSION);
			}
			return nu_fail(cause, NU_ERR_FORMAT, "%s:%d: %s = %s: %s",
			    path, lineno, key, val, why);
		}
		cur->key_line[ki] = lineno;
	}
	return NU_OK;
}

/* Required keys, the order of sections and how views, branches and
 * [merge] fit together. */
static enum nu_status
check_structure(struct nu_arch *a, char **cause)
{
	const char *path = a->path;
	const struct nu_arch_section *net;
	int nlayers = 0;
	const char *views, *branches;

	if (a->nsec == 0)
		return nu_fail(cause, NU_ERR_FORMAT,
		    "%s: no sections: an architecture starts with [net]", path);
	if (a->sec[0].kind->role != NU_ARCH_ROLE_NET)
		return nu_fail(cause, NU_ERR_FORMAT,
		    "%s:%d: the first section must be [net], not [%s]", path,
		    a->sec[0].line, a->sec[0].kind->name);
	a->net = 0;
	a->merge = a->train = -1;
	for (int i = 0; i < a->nsec; i++) {
		const struct nu_arch_section *s = &a->sec[i];

		for (int k = 0; s->kind->keys[k].name != NULL; k++)
			if (s->kind->keys[k].def == NULL && s->key_line[k] == 0)
				return nu_fail(cause, NU_ERR_FORMAT,
				    "%s:%d: [%s] needs %s (%s)", path, s->line,
				    s->kind->name, s->kind->keys[k].name,
				    s->kind->keys[k].help);
		if (a->train >= 0)
			return nu_fail(cause, NU_ERR_FORMAT,
			    "%s:%d: [%s] after [train]: [train] comes last", path,
			    s->line, s->kind->name);
		switch (s->kind->role) {
		case NU_ARCH_ROLE_NET:
			if (i > 0)
				return nu_fail(cause, NU_ERR_FORMAT,
				    "%s:%d: a second [net]; the first is on line %d",
				    path, s->line, a->sec[0].line);
			break;
		case NU_ARCH_ROLE_MERGE:
			if (a->merge >= 0)
				return nu_fail(cause, NU_ERR_FORMAT,
				    "%s:%d: a second [merge]; the branches already "
				    "meet on line %d", path, s->line, a->sec[a->merge].line);
			a->merge = i;
			break;
		case NU_ARCH_ROLE_TRAIN:
			a->train = i;
			break;
		case NU_ARCH_ROLE_LAYER:
			nlayers++;
			break;
		}
	}
	if (nlayers == 0)
		return nu_fail(cause, NU_ERR_FORMAT, "%s: the network has no layers", path);

	net = &a->sec[0];
	views = nu_arch_enum(net, "views");
	branches = nu_arch_enum(net, "branches");
	if (strcmp(views, "both") != 0) {
		if (nu_arch_is_set(net, "branches"))
			return nu_fail(cause, NU_ERR_FORMAT,
			    "%s:%d: branches applies only when views = both",
			    path, net->key_line[nu_arch_key_index(net->kind, "branches")]);
		if (a->merge >= 0)
			return nu_fail(cause, NU_ERR_FORMAT,
			    "%s:%d: [merge] with one view (views = %s): there are no "
			    "branches to merge", path, a->sec[a->merge].line, views);
	} else if (strcmp(branches, "stacked") == 0) {
		if (a->merge >= 0)
			return nu_fail(cause, NU_ERR_FORMAT,
			    "%s:%d: [merge] with branches = stacked: the stacked views "
			    "form a single branch", path, a->sec[a->merge].line);
	} else if (a->merge < 0) {
		return nu_fail(cause, NU_ERR_FORMAT,
		    "%s: views = both with branches = %s needs a [merge] section "
		    "where the two branches meet", path, branches);
	}
	return NU_OK;
}

enum nu_status
nu_arch_parse(struct nu_arch **out, const char *path, const char *text, size_t len,
    char **cause)
{
	struct nu_arch *a;
	char *work;
	enum nu_status st;

	*out = NULL;
	if (memchr(text, '\0', len) != NULL)
		return nu_fail(cause, NU_ERR_FORMAT,
		    "%s: holds NUL bytes: not a text architecture file", path);
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->path = strdup(path)) == NULL ||
	    (a->text = malloc(len + 1)) == NULL ||
	    (work = malloc(len + 1)) == NULL) {
		nu_arch_free(a);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	memcpy(a->text, text, len);
	a->text[len] = '\0';
	memcpy(work, text, len);
	work[len] = '\0';
	st = parse_lines(a, work, cause);
	free(work);
	if (st == NU_OK)
		st = check_structure(a, cause);
	if (st != NU_OK) {
		nu_arch_free(a);
		return st;
	}
	*out = a;
	return NU_OK;
}

enum nu_status
nu_arch_load(struct nu_arch **out, const char *path, char **cause)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	enum nu_status st;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL)
		return nu_fail(cause, errno == ENOENT ? NU_ERR_NOT_FOUND : NU_ERR_IO,
		    "%s: %s", path, strerror(errno));
	do {
		if (len == cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > (16u << 20) || (nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return nu_fail(cause, NU_ERR_FORMAT,
				    "%s: too large for an architecture file", path);
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return nu_fail(cause, NU_ERR_IO, "%s: read error", path);
	}
	fclose(f);
	st = nu_arch_parse(out, path, buf ? buf : "", len, cause);
	free(buf);
	return st;
}

static const char *
type_name(const struct nu_arch_key *k, char *buf, size_t len)
{
	switch (k->type) {
	case NU_ARCH_INT:
		snprintf(buf, len, "integer %.10g-%.10g", k->min, k->max);
		break;
	case NU_ARCH_FLOAT:
		snprintf(buf, len, "number %.10g-%.10g", k->min, k->max);
		break;
	case NU_ARCH_ENUM:
		snprintf(buf, len, "%s", k->choices);
		break;
	case NU_ARCH_BOOL:
		snprintf(buf, len, "yes|no");
		break;
	case NU_ARCH_PAIR:
		snprintf(buf, len, "HxW, %.10g-%.10g", k->min, k->max);
		break;
	case NU_ARCH_LIST:
		snprintf(buf, len, "list of numbers %.10g-%.10g", k->min, k->max);
		break;
	case NU_ARCH_STRING:
		snprintf(buf, len, "text");
		break;
	}
	return buf;
}

char *
nu_arch_describe_keys(const char *kind)
{
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap), tn[128];

	if (out == NULL)
		return NULL;
	out[0] = '\0';
	for (const struct nu_arch_kind *k = nu_arch_kinds; k->name != NULL; k++) {
		if (kind != NULL && strcmp(kind, k->name) != 0)
			continue;
		n += (size_t)snprintf(out + n, cap - n, "[%s]  %s\n", k->name, k->help);
		for (int i = 0; k->keys[i].name != NULL && n < cap; i++) {
			const struct nu_arch_key *key = &k->keys[i];

			n += (size_t)snprintf(out + n, cap - n,
			    "  %-14s %-28s %s%s%s\n      %s\n", key->name,
			    type_name(key, tn, sizeof tn),
			    key->def == NULL ? "(required)" : "default ",
			    key->def == NULL ? "" : key->def[0] ? key->def : "(none)",
			    "", key->help);
		}
		if (n < cap)
			n += (size_t)snprintf(out + n, cap - n, "\n");
	}
	if (n >= cap)
		out[cap - 1] = '\0';
	return out;
}

/* roff has no quoting inside text; escape backslashes and leading dots */
static size_t
roff_text(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	if (*s == '.' || *s == '\'')
		n += (size_t)snprintf(out, cap, "\\&");
	for (; *s && n + 3 < cap; s++) {
		if (*s == '\\') {
			out[n++] = '\\';
			out[n++] = 'e';
		} else if (*s == '-') {
			out[n++] = '\\';
			out[n++] = '-';
		} else
			out[n++] = *s;
	}
	out[n] = '\0';
	return n;
}

char *
nu_arch_describe_keys_roff(void)
{
	size_t cap = 1 << 17, n = 0;
	char *out = malloc(cap), tn[128], a[512], b[512];

	if (out == NULL)
		return NULL;
	out[0] = '\0';
	for (const struct nu_arch_kind *k = nu_arch_kinds; k->name != NULL && n < cap; k++) {
		roff_text(a, sizeof a, k->help);
		n += (size_t)snprintf(out + n, cap - n, ".SS [%s]\n%s.\n", k->name, a);
		if (k->keys[0].name == NULL && n < cap)
			n += (size_t)snprintf(out + n, cap - n, "It has no keys.\n");
		for (int i = 0; k->keys[i].name != NULL && n < cap; i++) {
			const struct nu_arch_key *key = &k->keys[i];

			roff_text(a, sizeof a, type_name(key, tn, sizeof tn));
			roff_text(b, sizeof b, key->def == NULL ? "" : key->def);
			n += (size_t)snprintf(out + n, cap - n, ".TP\n.B %s\n(%s%s%s)\n",
			    key->name, a,
			    key->def == NULL ? ", required" : key->def[0] ? "; default " : "",
			    key->def != NULL && key->def[0] ? b : "");
			roff_text(a, sizeof a, key->help);
			if (n < cap)
				n += (size_t)snprintf(out + n, cap - n, "%s.\n", a);
		}
	}
	if (n >= cap)
		out[cap - 1] = '\0';
	return out;
}
