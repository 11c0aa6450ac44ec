/*
 * where.c: a small recursive-descent compiler and evaluator for --where,
 * and the selection of a block of events with it.  The model names
 * (score, label, selected) are filled here from a bound model so that
 * every command that selects events with --where gets them alike: the
 * scores come from nu_score, run only when the expression reads them,
 * over a window of SCORE_WINDOW events at least (each run opens the files
 * again for its loader, so callers' small blocks are scored together).
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "model.h"
#include "score.h"
#include "where.h"

#define SCORE_WINDOW 16384     /* events scored per nu_score run, at least */

/* The bound model's outputs for a window of events of one dataset. */
struct score_cache {
	const struct nu_dataset *ds;
	uint64_t first;
	size_t n;
	float *y;               /* [n * nout] */
};

enum op { OP_OR, OP_AND, OP_NOT, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_VAR, OP_NUM };

struct node {
	enum op op;
	int a, b;               /* children (node indices) */
	int var;                /* OP_VAR */
	double num;             /* OP_NUM */
};

struct nu_where {
	struct node *n;
	int nn, cap, root;
	bool uses[NU_WHERE_NVARS];
	const struct nu_model *model;   /* borrowed, or NULL */
	double threshold;               /* selected: score > threshold */
	struct score_cache *cache;      /* owned; filled by selects */
};

struct parser {
	struct nu_where *w;
	const char *text, *p;
	char **cause;
	enum nu_status st;
	int depth;              /* of parentheses and ! around the parser */
};

static const struct { const char *name; int var; double value; } symbols[] = {
	{ "QE", NU_WHERE_MODE, NU_MODE_QE }, { "RES", NU_WHERE_MODE, NU_MODE_RES },
	{ "DIS", NU_WHERE_MODE, NU_MODE_DIS }, { "CCother", NU_WHERE_MODE, NU_MODE_CC_OTHER },
	{ "NC", NU_WHERE_MODE, NU_MODE_NC }, { "none", NU_WHERE_MODE, NU_MODE_NONE },
	{ "numu", NU_WHERE_GROUP, NU_GROUP_NUMU_CC }, { "nue", NU_WHERE_GROUP, NU_GROUP_NUE_CC },
	{ "nutau", NU_WHERE_GROUP, NU_GROUP_NUTAU_CC }, { "NC", NU_WHERE_GROUP, NU_GROUP_NC },
	{ "cosmic", NU_WHERE_GROUP, NU_GROUP_COSMIC }, { "other", NU_WHERE_GROUP, NU_GROUP_OTHER },
};

static int
add(struct parser *ps, struct node nd)
{
	struct nu_where *w = ps->w;

	if (w->nn == w->cap) {
		int cap = w->cap ? w->cap * 2 : 16;
		struct node *n = realloc(w->n, (size_t)cap * sizeof(*n));

		if (n == NULL) {
			ps->st = nu_fail(ps->cause, NU_ERR_NOMEM, "out of memory");
			return -1;
		}
		w->n = n;
		w->cap = cap;
	}
	w->n[w->nn] = nd;
	return w->nn++;
}

static void
skip(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static int
fail(struct parser *ps, const char *what)
{
	/* a long text is quoted by its start: the position says the rest */
	int len = (int)strlen(ps->text), shown = len > 60 ? 56 : len;

	if (ps->st == NU_OK)
		ps->st = nu_fail(ps->cause, NU_ERR_USAGE, "where: %.*s%s: %s (at %d)",
		    shown, ps->text, shown < len ? " ..." : "", what,
		    (int)(ps->p - ps->text) + 1);
	return -1;
}

/* Enter a parenthesis or a !, failing past the depth limit. */
static bool
nest(struct parser *ps)
{
	if (++ps->depth > NU_WHERE_MAXDEPTH) {
		char what[80];

		snprintf(what, sizeof what, "nested more than %d deep (parentheses "
		    "and !)", NU_WHERE_MAXDEPTH);
		fail(ps, what);
		return false;
	}
	return true;
}

static int parse_or(struct parser *ps);

static int
var_index(const char *name, size_t len)
{
	static const char *const derived[] = {
		"y", "mode", "group", "event", "score", "label", "selected"
	};
	_Static_assert(sizeof derived / sizeof derived[0] == NU_WHERE_NVARS - NU_NCOLUMNS,
	    "one name per derived variable");

	for (int c = 0; c < NU_NCOLUMNS; c++)
		if (strlen(nu_column_name(c)) == len && strncmp(nu_column_name(c), name, len) == 0)
			return c;
	for (int i = 0; i < NU_WHERE_NVARS - NU_NCOLUMNS; i++)
		if (strlen(derived[i]) == len && strncmp(derived[i], name, len) == 0)
			return NU_NCOLUMNS + i;
	return -1;
}

/* A number, a variable name, or a symbol (QE, nue...) of the variable on
 * the other side of the comparison. */
static int
parse_operand(struct parser *ps, int other_var)
{
	const char *s;
	char *end;
	double v;

	skip(ps);
	s = ps->p;
	if (isdigit((unsigned char)*s) || *s == '-' || *s == '+' || *s == '.') {
		v = strtod(s, &end);
		if (end == s)
			return fail(ps, "expected a number");
		ps->p = end;
		return add(ps, (struct node){ .op = OP_NUM, .num = v });
	}
	if (isalpha((unsigned char)*s) || *s == '_') {
		size_t len = 0;
		int var;

		while (isalnum((unsigned char)s[len]) || s[len] == '_' || s[len] == '.')
			len++;
		if ((var = var_index(s, len)) >= 0) {
			ps->p = s + len;
			ps->w->uses[var] = true;
			return add(ps, (struct node){ .op = OP_VAR, .var = var });
		}
		for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
			if (symbols[i].var == other_var && strlen(symbols[i].name) == len &&
			    strncmp(symbols[i].name, s, len) == 0) {
				ps->p = s + len;
				return add(ps, (struct node){ .op = OP_NUM, .num = symbols[i].value });
			}
		if (other_var == NU_WHERE_MODE)
			return fail(ps, "a mode is one of QE, RES, DIS, CCother, NC, none");
		if (other_var == NU_WHERE_GROUP)
			return fail(ps, "a group is one of numu, nue, nutau, NC, cosmic, other");
		return fail(ps, "unknown name; names are the /neutrino columns, y, mode, group, "
		    "event, and with a model score, label, selected");
	}
	return fail(ps, *s ? "expected a number or a name" : "the expression ends too soon");
}

static int
parse_cmp(struct parser *ps)
{
	static const struct { const char *tok; enum op op; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE },
		{ "<", OP_LT }, { ">", OP_GT },
	};
	int a, b;
	enum op op = OP_EQ;
	size_t k;

	skip(ps);
	if (*ps->p == '(') {
		if (!nest(ps))
			return -1;
		ps->p++;
		if ((a = parse_or(ps)) < 0)
			return -1;
		skip(ps);
		if (*ps->p != ')')
			return fail(ps, "expected ')'");
		ps->p++;
		ps->depth--;
		return a;
	}
	if (*ps->p == '!' && ps->p[1] != '=') {
		if (!nest(ps))
			return -1;
		ps->p++;
		if ((a = parse_cmp(ps)) < 0)
			return -1;
		ps->depth--;
		return add(ps, (struct node){ .op = OP_NOT, .a = a });
	}
	if ((a = parse_operand(ps, -1)) < 0)
		return -1;
	skip(ps);
	for (k = 0; k < sizeof ops / sizeof ops[0]; k++)
		if (strncmp(ps->p, ops[k].tok, strlen(ops[k].tok)) == 0) {
			op = ops[k].op;
			ps->p += strlen(ops[k].tok);
			break;
		}
	/* selected is a truth value: alone it means selected != 0 */
	if (k == sizeof ops / sizeof ops[0] && ps->w->n[a].op == OP_VAR &&
	    ps->w->n[a].var == NU_WHERE_SELECTED && *ps->p != '=') {
		if ((b = add(ps, (struct node){ .op = OP_NUM, .num = 0 })) < 0)
			return -1;
		return add(ps, (struct node){ .op = OP_NE, .a = a, .b = b });
	}
	if (k == sizeof ops / sizeof ops[0])
		return fail(ps, *ps->p == '=' ? "use == to compare" :
		    "expected a comparison (== != < <= > >=)");
	if ((b = parse_operand(ps, ps->w->n[a].op == OP_VAR ? ps->w->n[a].var : -1)) < 0)
		return -1;
	if (ps->w->n[a].op == OP_NUM && ps->w->n[b].op == OP_NUM)
		return fail(ps, "compare a name with something, not two numbers");
	return add(ps, (struct node){ .op = op, .a = a, .b = b });
}

static int
parse_and(struct parser *ps)
{
	int a = parse_cmp(ps), b;

	while (a >= 0) {
		skip(ps);
		if (strncmp(ps->p, "&&", 2) != 0) {
			if (*ps->p == '&')
				return fail(ps, "use && for 'and'");
			break;
		}
		ps->p += 2;
		if ((b = parse_cmp(ps)) < 0)
			return -1;
		a = add(ps, (struct node){ .op = OP_AND, .a = a, .b = b });
	}
	return a;
}

static int
parse_or(struct parser *ps)
{
	int a = parse_and(ps), b;

	while (a >= 0) {
		skip(ps);
		if (strncmp(ps->p, "||", 2) != 0) {
			if (*ps->p == '|')
				return fail(ps, "use || for 'or'");
			break;
		}
		ps->p += 2;
		if ((b = parse_and(ps)) < 0)
			return -1;
		a = add(ps, (struct node){ .op = OP_OR, .a = a, .b = b });
	}
	return a;
}

void
nu_where_free(struct nu_where *w)
{
	if (w == NULL)
		return;
	if (w->cache != NULL)
		free(w->cache->y);
	free(w->cache);
	free(w->n);
	free(w);
}

enum nu_status
nu_where_compile(struct nu_where **out, const char *text, char **cause)
{
	struct parser ps = { .text = text, .p = text, .cause = cause, .st = NU_OK };

	*out = NULL;
	if ((ps.w = calloc(1, sizeof(*ps.w))) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	ps.w->threshold = NAN;
	ps.w->root = parse_or(&ps);
	if (ps.st == NU_OK) {
		skip(&ps);
		if (*ps.p != '\0')
			fail(&ps, "unexpected text after the expression");
	}
	if (ps.st != NU_OK) {
		nu_where_free(ps.w);
		return ps.st;
	}
	*out = ps.w;
	return NU_OK;
}

bool
nu_where_uses(const struct nu_where *w, int v)
{
	return v >= 0 && v < NU_WHERE_NVARS && w->uses[v];
}

bool
nu_where_needs_model(const struct nu_where *w)
{
	return w->uses[NU_WHERE_SCORE] || w->uses[NU_WHERE_LABEL] ||
	    w->uses[NU_WHERE_SELECTED];
}

/* The error of an expression that reads a model's output without one. */
static enum nu_status
no_model(const struct nu_where *w, char **cause)
{
	static const char *const names[] = { "score", "label", "selected" };

	for (int i = 0; i < 3; i++)
		if (w->uses[NU_WHERE_SCORE + i])
			return nu_fail(cause, NU_ERR_USAGE, "where: '%s' needs --model",
			    names[i]);
	return NU_OK;
}

/* Whether m is a binary classifier (score is its signal probability). */
static bool
model_binary(const struct nu_model *m)
{
	return nu_task_nclasses(m->net->task) == 2;
}

enum nu_status
nu_where_set_model(struct nu_where *w, const struct nu_model *m, double threshold,
    char **cause)
{
	w->model = NULL;
	w->threshold = NAN;
	if (w->cache != NULL) {
		free(w->cache->y);
		memset(w->cache, 0, sizeof *w->cache);
	}
	if (m == NULL)
		return no_model(w, cause);
	if (w->cache == NULL && (w->cache = calloc(1, sizeof *w->cache)) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	if (w->uses[NU_WHERE_SELECTED] && !model_binary(m))
		return nu_fail(cause, NU_ERR_USAGE, "where: 'selected' needs a binary "
		    "classifier (score > threshold); the model's task is %s (use score)",
		    nu_task_name(m->net->task));
	w->model = m;
	w->threshold = isnan(threshold) ? m->meta.threshold : threshold;
	return NU_OK;
}

double
nu_where_threshold(const struct nu_where *w)
{
	return w->model != NULL ? w->threshold : NAN;
}

/* score of one event from the model's outputs y[nout] */
static double
model_score(const struct nu_model *m, const float *y)
{
	int nout = m->net->nout, best = 0;

	if (nout == 1)
		return y[0];
	if (model_binary(m))
		return y[1];
	for (int k = 1; k < nout; k++)
		if (y[k] > y[best])
			best = k;
	return y[best];
}

void
nu_where_derive(double *vals, uint64_t event)
{
	double code = vals[NU_COL_INTERACTION], e = vals[NU_COL_NUENERGY];
	uint32_t c = code >= 0 && code < 4294967296.0 ? (uint32_t)code : 15;

	vals[NU_WHERE_Y] = e > 0 ? vals[NU_COL_LEPENERGY] / e : NAN;
	vals[NU_WHERE_MODE] = nu_code_mode(c);
	vals[NU_WHERE_GROUP] = nu_code_group(c);
	vals[NU_WHERE_EVENT] = (double)event;
}

static double
value(const struct nu_where *w, int i, const double *vals)
{
	const struct node *n = &w->n[i];

	return n->op == OP_VAR ? vals[n->var] : n->num;
}

static bool
eval(const struct nu_where *w, int i, const double *vals)
{
	const struct node *n = &w->n[i];
	double a, b;

	switch (n->op) {
	case OP_OR:
	case OP_AND: {
		/* a chain a || b || c is a tree leaning left as deep as it is
		 * long: walk down its left side in a loop, recursing only into
		 * the right operands (whose depth the parser bounds); the order
		 * does not change a result without side effects */
		enum op op = n->op;

		for (; n->op == op; n = &w->n[n->a])
			if (eval(w, n->b, vals) == (op == OP_OR))
				return op == OP_OR;
		return eval(w, (int)(n - w->n), vals);
	}
	case OP_NOT:
		return !eval(w, n->a, vals);
	default:
		break;
	}
	/* comparisons with NaN (y of an event without E_nu) are false,
	 * != included */
	a = value(w, n->a, vals);
	b = value(w, n->b, vals);
	if (isnan(a) || isnan(b))
		return false;
	switch (n->op) {
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	default: return false;
	}
}

bool
nu_where_eval(const struct nu_where *w, const double *vals)
{
	return eval(w, w->root, vals);
}

/* Score events [first, first + max(n, SCORE_WINDOW)) of ds (no further
 * than its last) into the cache. */
static enum nu_status
score_window(const struct nu_model *m, const struct nu_dataset *ds, uint64_t first,
    size_t n, struct score_cache *sc, char **cause)
{
	uint64_t total = nu_dataset_nevents(ds);
	size_t win = n > SCORE_WINDOW ? n : SCORE_WINDOW;
	uint64_t *evs;
	float *y;
	enum nu_status st;

	if (first + win > total)
		win = first + n > total ? n : (size_t)(total - first);
	free(sc->y);
	memset(sc, 0, sizeof *sc);
	evs = malloc(win * sizeof(*evs));
	y = malloc(win * (size_t)m->net->nout * sizeof(*y));
	if (evs == NULL || y == NULL) {
		free(evs);
		free(y);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory scoring events");
	}
	for (size_t i = 0; i < win; i++)
		evs[i] = first + i;
	st = nu_score(m, ds, evs, win, NULL, 0, y, NULL, cause);
	free(evs);
	if (st != NU_OK) {
		free(y);
		return st;
	}
	sc->ds = ds;
	sc->first = first;
	sc->n = win;
	sc->y = y;
	return NU_OK;
}

enum nu_status
nu_where_select(const struct nu_where *w, struct nu_dataset *ds, uint64_t first,
    size_t n, uint8_t *keep, char **cause)
{
	return nu_where_select_scored(w, ds, first, n, NULL, keep, cause);
}

enum nu_status
nu_where_select_scored(const struct nu_where *w, struct nu_dataset *ds,
    uint64_t first, size_t n, const float *y, uint8_t *keep, char **cause)
{
	double *col[NU_NCOLUMNS] = { 0 };
	enum nu_status st = NU_OK;
	const struct nu_model *m = w->model;
	bool need_out = w->uses[NU_WHERE_SCORE] || w->uses[NU_WHERE_SELECTED];
	/* the derived names read these columns */
	bool need_code = w->uses[NU_WHERE_MODE] || w->uses[NU_WHERE_GROUP] ||
	    w->uses[NU_WHERE_LABEL];
	bool need_e = w->uses[NU_WHERE_Y] || w->uses[NU_WHERE_LABEL];
	struct score_cache *sc = w->cache;

	if (m == NULL && nu_where_needs_model(w))
		return no_model(w, cause);
	for (int c = 0; c < NU_NCOLUMNS && st == NU_OK; c++) {
		bool need = w->uses[c] || (c == NU_COL_INTERACTION && need_code) ||
		    ((c == NU_COL_NUENERGY || c == NU_COL_LEPENERGY) && need_e);

		if (!need)
			continue;
		if ((col[c] = malloc((n ? n : 1) * sizeof(double))) == NULL)
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory selecting events");
		else
			st = nu_dataset_read_column(ds, (enum nu_column)c, first, n,
			    NU_CT_F64, col[c], cause);
	}
	if (st == NU_OK && need_out && y == NULL && n > 0) {
		if (sc->ds != ds || first < sc->first || first + n > sc->first + sc->n)
			st = score_window(m, ds, first, n, sc, cause);
		y = st == NU_OK ? sc->y + (first - sc->first) * (size_t)m->net->nout : NULL;
	}
	for (size_t i = 0; i < n && st == NU_OK; i++) {
		double v[NU_WHERE_NVARS] = { 0 };

		for (int c = 0; c < NU_NCOLUMNS; c++)
			if (col[c] != NULL)
				v[c] = col[c][i];
		nu_where_derive(v, first + i);
		if (need_out) {
			v[NU_WHERE_SCORE] = model_score(m, y + i * (size_t)m->net->nout);
			/* in float, as nu_confusion_at counts: a score of
			 * 0.8f is not above a threshold of 0.8 */
			v[NU_WHERE_SELECTED] = (float)v[NU_WHERE_SCORE] > (float)w->threshold;
		}
		if (w->uses[NU_WHERE_LABEL]) {
			double code = v[NU_COL_INTERACTION];
			float lab;

			v[NU_WHERE_LABEL] = nu_task_label(m->net->task, code >= 0 &&
			    code < 4294967296.0 ? (uint32_t)code : 15u,
			    (float)v[NU_COL_NUENERGY], (float)v[NU_COL_LEPENERGY], &lab) ?
			    lab : NAN;
		}
		keep[i] = nu_where_eval(w, v);
	}
	for (int c = 0; c < NU_NCOLUMNS; c++)
		free(col[c]);
	return st;
}
