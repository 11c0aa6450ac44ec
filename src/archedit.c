/*
 * archedit.c: an architecture as an editable list of sections (see
 * archedit.h).  Every check is arch.c's or net.c's: this file only keeps
 * the sections, writes them out as a file and reads back what the parser
 * and the network builder say about it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archedit.h"

/* Starting values of the required (and the usual) keys of a new layer. */
static const struct {
	const char *kind, *key, *value;
} starting[] = {
	{ "conv", "filters", "16" },
	{ "conv", "kernel", "3x3" },
	{ "conv", "padding", "same" },
	{ "conv", "activation", "relu" },
	{ "maxpool", "size", "2x2" },
	{ "avgpool", "size", "2x2" },
	{ "dropout", "rate", "0.25" },
	{ "dense", "units", "64" },
	{ "dense", "activation", "relu" },
	{ "activation", "function", "relu" },
	{ "merge", "axis", "features" },
};

static void
sec_clear(struct nu_arched_sec *s)
{
	for (int k = 0; k < NU_ARCH_MAXKEYS; k++) {
		free(s->val[k]);
		s->val[k] = NULL;
	}
}

static void
drop_validation(struct nu_arched *e)
{
	nu_arch_free(e->arch);
	nu_net_free(e->net);
	free(e->error);
	free(e->info);
	e->arch = NULL;
	e->net = NULL;
	e->error = NULL;
	e->error_what = NULL;
	e->info = NULL;
	e->error_sec = -1;
}

void
nu_arched_free(struct nu_arched *e)
{
	if (e == NULL)
		return;
	drop_validation(e);
	for (int i = 0; i < e->nsec; i++)
		sec_clear(&e->sec[i]);
	free(e->sec);
	free(e->name);
	free(e->header);
	free(e);
}

static bool
reserve(struct nu_arched *e, int n)
{
	struct nu_arched_sec *s;
	int cap;

	if (n <= e->cap)
		return true;
	cap = e->cap ? e->cap * 2 : 32;
	while (cap < n)
		cap *= 2;
	if ((s = realloc(e->sec, (size_t)cap * sizeof *s)) == NULL)
		return false;
	e->sec = s;
	e->cap = cap;
	return true;
}

static struct nu_arched *
arched_empty(const char *name)
{
	struct nu_arched *e = calloc(1, sizeof *e);

	if (e == NULL)
		return NULL;
	e->error_sec = -1;
	if ((e->name = strdup(name)) == NULL || (e->header = strdup("")) == NULL) {
		nu_arched_free(e);
		return NULL;
	}
	return e;
}

/* The comment lines before the first section header of text. */
static char *
header_of(const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		const char *q = p;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '[')
			break;
		q = strchr(p, '\n');
		p = q != NULL ? q + 1 : p + strlen(p);
	}
	return strndup(text, (size_t)(p - text));
}

enum nu_status
nu_arched_from_arch(struct nu_arched **out, const struct nu_arch *a, const char *name,
    char **cause)
{
	struct nu_arched *e = arched_empty(name);
	const struct nu_arch_kind *train = nu_arch_kind_find("train");

	*out = NULL;
	if (e == NULL || !reserve(e, a->nsec + 1))
		goto nomem;
	free(e->header);
	if ((e->header = header_of(a->text)) == NULL)
		goto nomem;
	for (int i = 0; i < a->nsec; i++) {
		const struct nu_arch_section *s = &a->sec[i];
		struct nu_arched_sec *d = &e->sec[e->nsec++];

		memset(d, 0, sizeof *d);
		d->kind = s->kind;
		for (int k = 0; s->kind->keys[k].name != NULL; k++)
			if (s->key_line[k] != 0 &&
			    (d->val[k] = strdup(s->v[k].s)) == NULL)
				goto nomem;
	}
	if (a->train < 0) {
		memset(&e->sec[e->nsec], 0, sizeof e->sec[0]);
		e->sec[e->nsec++].kind = train;
	}
	nu_arched_validate(e);
	*out = e;
	return NU_OK;
nomem:
	nu_arched_free(e);
	return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
}

enum nu_status
nu_arched_from_text(struct nu_arched **out, const char *name, const char *text,
    char **cause)
{
	struct nu_arch *a = NULL;
	enum nu_status st;

	*out = NULL;
	if ((st = nu_arch_parse(&a, name, text, strlen(text), cause)) != NU_OK)
		return st;
	st = nu_arched_from_arch(out, a, name, cause);
	nu_arch_free(a);
	return st;
}

enum nu_status
nu_arched_load(struct nu_arched **out, const char *path, char **cause)
{
	struct nu_arch *a = NULL;
	enum nu_status st;

	*out = NULL;
	if ((st = nu_arch_load(&a, path, cause)) != NU_OK)
		return st;
	st = nu_arched_from_arch(out, a, path, cause);
	nu_arch_free(a);
	return st;
}

struct nu_arched *
nu_arched_dup(const struct nu_arched *e)
{
	struct nu_arched *d = arched_empty(e->name);

	if (d == NULL || !reserve(d, e->nsec))
		goto fail;
	free(d->header);
	if ((d->header = strdup(e->header)) == NULL)
		goto fail;
	d->dirty = e->dirty;
	for (int i = 0; i < e->nsec; i++) {
		struct nu_arched_sec *s = &d->sec[d->nsec++];

		memset(s, 0, sizeof *s);
		s->kind = e->sec[i].kind;
		for (int k = 0; k < NU_ARCH_MAXKEYS; k++)
			if (e->sec[i].val[k] != NULL &&
			    (s->val[k] = strdup(e->sec[i].val[k])) == NULL)
				goto fail;
	}
	nu_arched_validate(d);
	return d;
fail:
	nu_arched_free(d);
	return NULL;
}

/* ---- text ----------------------------------------------------------------- */

struct buf {
	char *p;
	size_t n, cap;
	bool bad;
};

static void
put(struct buf *b, const char *s)
{
	size_t len = strlen(s);

	if (b->bad)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *p;

		while (cap < b->n + len + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->bad = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len + 1);
	b->n += len;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

char *
nu_arched_text(const struct nu_arched *e, int *sec_line)
{
	struct buf b = { 0 };
	int line;

	put(&b, e->header);
	if (e->header[0] != '\0' && e->header[strlen(e->header) - 1] != '\n')
		put(&b, "\n");
	line = count_lines(b.bad ? "" : b.p != NULL ? b.p : "") + 1;
	for (int i = 0; i < e->nsec; i++) {
		const struct nu_arched_sec *s = &e->sec[i];

		if (i > 0) {
			put(&b, "\n");
			line++;
		}
		put(&b, "[");
		put(&b, s->kind->name);
		put(&b, "]\n");
		if (sec_line != NULL)
			sec_line[i] = line;
		line++;
		for (int k = 0; s->kind->keys[k].name != NULL; k++) {
			if (s->val[k] == NULL)
				continue;
			put(&b, s->kind->keys[k].name);
			put(&b, " = ");
			put(&b, s->val[k]);
			put(&b, "\n");
			line++;
		}
	}
	if (b.bad) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* Split a "name:LINE: what" (or "name: what") message: returns LINE (0
 * when there is none) and points *what past the prefix. */
static int
split_error(const char *name, const char *cause, const char **what)
{
	size_t n = strlen(name);
	const char *p;
	int line;

	*what = cause;
	if (strncmp(cause, name, n) != 0 || cause[n] != ':')
		return 0;
	p = cause + n + 1;
	line = atoi(p);
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == ':')
		p++;
	while (*p == ' ')
		p++;
	*what = p;
	return line;
}

static int
section_at_line(const int *sec_line, int nsec, int line)
{
	int s = -1;

	if (line <= 0)
		return -1;
	for (int i = 0; i < nsec; i++)
		if (sec_line[i] <= line)
			s = i;
	return s;
}

void
nu_arched_validate(struct nu_arched *e)
{
	int *sec_line = NULL;
	char *text = NULL, *cause = NULL;
	enum nu_status st;

	drop_validation(e);
	if ((sec_line = calloc((size_t)e->nsec + 1, sizeof *sec_line)) == NULL ||
	    (e->info = calloc((size_t)e->nsec + 1, sizeof *e->info)) == NULL ||
	    (text = nu_arched_text(e, sec_line)) == NULL) {
		e->error = strdup("out of memory");
		e->error_what = e->error;
		goto out;
	}
	st = nu_arch_parse(&e->arch, e->name, text, strlen(text), &cause);
	if (st == NU_OK)
		st = nu_net_new(&e->net, e->arch, 1, &cause);
	if (st != NU_OK) {
		e->error = cause != NULL ? cause : strdup(nu_strerror(st));
		cause = NULL;
		if (e->error != NULL)
			e->error_sec = section_at_line(sec_line, e->nsec,
			    split_error(e->name, e->error, &e->error_what));
		goto out;
	}

	/* what the network says about each section */
	{
		const struct nu_net *net = e->net;
		bool branches = net->mode == NU_NET_SEPARATE || net->mode == NU_NET_SHARED;

		e->info[0].built = true;
		e->info[0].out = net->in;
		e->info[0].copies = branches ? 2 : 1;
		if (e->arch->merge >= 0) {
			e->info[e->arch->merge].built = true;
			e->info[e->arch->merge].out = net->merged;
			e->info[e->arch->merge].copies = 1;
		}
		for (int i = 0; i < net->nnodes; i++) {
			const struct nu_net_node *nd = &net->node[i];
			struct nu_arched_info *in;
			bool in_branch = branches && i < net->tfirst;

			if (nd->sec < 0 || nd->sec >= e->nsec)
				continue;
			in = &e->info[nd->sec];
			in->built = true;
			in->out = nd->l->out;
			in->params += nd->l->nparams;
			in->flops += nu_layer_flops(nd->l) *
			    (in_branch && net->mode == NU_NET_SHARED ? 2 : 1);
			in->copies = in_branch ? 2 : 1;
		}
	}
out:
	free(cause);
	free(text);
	free(sec_line);
}

/* ---- edits ------------------------------------------------------------------ */

int
nu_arched_find(const struct nu_arched *e, enum nu_arch_role r)
{
	for (int i = 0; i < e->nsec; i++)
		if (e->sec[i].kind->role == r)
			return i;
	return -1;
}

int
nu_arched_insertable(const struct nu_arched *e, const char **kinds, int cap)
{
	int n = 0;

	for (const struct nu_arch_kind *k = nu_arch_kinds; k->name != NULL && n + 1 < cap; k++) {
		if (k->role == NU_ARCH_ROLE_NET || k->role == NU_ARCH_ROLE_TRAIN)
			continue;
		if (k->role == NU_ARCH_ROLE_MERGE && nu_arched_find(e, NU_ARCH_ROLE_MERGE) >= 0)
			continue;
		kinds[n++] = k->name;
	}
	kinds[n] = NULL;
	return n;
}

static bool
fixed(const struct nu_arched *e, int i)
{
	return i < 0 || i >= e->nsec || e->sec[i].kind->role == NU_ARCH_ROLE_NET ||
	    e->sec[i].kind->role == NU_ARCH_ROLE_TRAIN;
}

int
nu_arched_insert(struct nu_arched *e, int at, const char *kind, char **cause)
{
	const struct nu_arch_kind *k = nu_arch_kind_find(kind);
	struct nu_arched_sec *s;

	if (k == NULL || k->role == NU_ARCH_ROLE_NET || k->role == NU_ARCH_ROLE_TRAIN) {
		nu_fail(cause, NU_ERR_USAGE, "'%s' is not a layer; layers are "
		    "conv, maxpool, avgpool, dropout, batchnorm, flatten, dense, "
		    "activation and merge", kind);
		return -1;
	}
	if (k->role == NU_ARCH_ROLE_MERGE && nu_arched_find(e, NU_ARCH_ROLE_MERGE) >= 0) {
		nu_fail(cause, NU_ERR_USAGE, "there is a [merge] already: the "
		    "branches meet once");
		return -1;
	}
	if (at < 1)
		at = 1;
	if (at > e->nsec - 1)
		at = e->nsec - 1;
	if (!reserve(e, e->nsec + 1)) {
		nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		return -1;
	}
	memmove(&e->sec[at + 1], &e->sec[at], (size_t)(e->nsec - at) * sizeof *s);
	e->nsec++;
	s = &e->sec[at];
	memset(s, 0, sizeof *s);
	s->kind = k;
	for (size_t j = 0; j < sizeof starting / sizeof starting[0]; j++) {
		if (strcmp(starting[j].kind, kind) != 0)
			continue;
		if ((s->val[nu_arch_key_index(k, starting[j].key)] =
		    strdup(starting[j].value)) == NULL) {
			nu_fail(cause, NU_ERR_NOMEM, "out of memory");
			nu_arched_delete(e, at, NULL);
			return -1;
		}
	}
	e->dirty = true;
	nu_arched_validate(e);
	return at;
}

enum nu_status
nu_arched_delete(struct nu_arched *e, int i, char **cause)
{
	if (fixed(e, i))
		return nu_fail(cause, NU_ERR_USAGE, "[net] and [train] stay: "
		    "every architecture has them");
	sec_clear(&e->sec[i]);
	memmove(&e->sec[i], &e->sec[i + 1], (size_t)(e->nsec - i - 1) * sizeof e->sec[0]);
	e->nsec--;
	e->dirty = true;
	nu_arched_validate(e);
	return NU_OK;
}

int
nu_arched_move(struct nu_arched *e, int i, int dir, char **cause)
{
	struct nu_arched_sec tmp;
	int j = i + (dir < 0 ? -1 : 1);

	if (fixed(e, i)) {
		nu_fail(cause, NU_ERR_USAGE, "[net] stays first and [train] last");
		return -1;
	}
	if (fixed(e, j)) {
		nu_fail(cause, NU_ERR_USAGE, "%s", dir < 0 ?
		    "already the first layer" : "already the last layer");
		return -1;
	}
	tmp = e->sec[i];
	e->sec[i] = e->sec[j];
	e->sec[j] = tmp;
	e->dirty = true;
	nu_arched_validate(e);
	return j;
}

static int
key_index(const struct nu_arch_kind *k, const char *key)
{
	for (int i = 0; k->keys[i].name != NULL; i++)
		if (strcmp(k->keys[i].name, key) == 0)
			return i;
	return -1;
}

bool
nu_arched_check(const struct nu_arched *e, int i, const char *key, const char *text,
    char *why, size_t wlen)
{
	const struct nu_arch_kind *k;
	int ki;

	if (i < 0 || i >= e->nsec) {
		snprintf(why, wlen, "no such section");
		return false;
	}
	k = e->sec[i].kind;
	if ((ki = key_index(k, key)) < 0) {
		snprintf(why, wlen, "[%s] has no key '%s'", k->name, key);
		return false;
	}
	if (text == NULL || text[0] == '\0') {
		if (k->keys[ki].def == NULL) {
			snprintf(why, wlen, "%s is required: %s", key, k->keys[ki].help);
			return false;
		}
		return true;
	}
	/* what the file format could not carry back */
	for (const char *p = text; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || ((*p == '#' || *p == ';') &&
		    p > text && (p[-1] == ' ' || p[-1] == '\t'))) {
			snprintf(why, wlen, "a value cannot hold a line break or "
			    "a ' #' or ' ;' (they start a comment)");
			return false;
		}
	if (text[0] == ' ' || text[0] == '\t' || text[strlen(text) - 1] == ' ' ||
	    text[strlen(text) - 1] == '\t') {
		snprintf(why, wlen, "no blanks around the value, please");
		return false;
	}
	return nu_arch_check_value(&k->keys[ki], text, why, wlen);
}

enum nu_status
nu_arched_set(struct nu_arched *e, int i, const char *key, const char *text,
    char **cause)
{
	char why[256], *v = NULL;
	int ki;

	if (!nu_arched_check(e, i, key, text, why, sizeof why))
		return nu_fail(cause, NU_ERR_USAGE, "%s = %s: %s", key,
		    text != NULL ? text : "", why);
	ki = key_index(e->sec[i].kind, key);
	if (text != NULL && text[0] != '\0' && (v = strdup(text)) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	free(e->sec[i].val[ki]);
	e->sec[i].val[ki] = v;
	e->dirty = true;
	nu_arched_validate(e);
	return NU_OK;
}

const char *
nu_arched_value(const struct nu_arched *e, int i, int k)
{
	const struct nu_arch_key *key = &e->sec[i].kind->keys[k];

	if (e->sec[i].val[k] != NULL)
		return e->sec[i].val[k];
	return key->def != NULL ? key->def : "";
}

/* ---- saving ----------------------------------------------------------------- */

enum nu_status
nu_arched_save(struct nu_arched *e, const char *path, char **cause)
{
	char *text = nu_arched_text(e, NULL), *name;
	enum nu_status st;

	if (text == NULL || (name = strdup(path)) == NULL) {
		free(text);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	st = nu_write_atomic(path, text, strlen(text), cause);
	free(text);
	if (st != NU_OK) {
		free(name);
		return st;
	}
	free(e->name);
	e->name = name;
	e->dirty = false;
	nu_arched_validate(e);     /* messages now name the saved file */
	return NU_OK;
}
