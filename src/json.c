/*
 * json.c: a small strict JSON parser (json.h), shared by the reader of run
 * logs and the Keras importer.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct jp {
	const char *p, *end;
	const char *err;        /* static text: what is wrong */
	int depth, maxdepth;
};

void
nu_jv_clear(struct nu_jv *v)
{
	if (v->type == NU_J_STR)
		free(v->str);
	if (v->type == NU_J_ARR || v->type == NU_J_OBJ) {
		for (size_t i = 0; i < v->n; i++) {
			nu_jv_clear(&v->item[i]);
			if (v->key != NULL)
				free(v->key[i]);
		}
		free(v->item);
		free(v->key);
	}
	memset(v, 0, sizeof *v);
}

static void
jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
	    *j->p == '\r'))
		j->p++;
}

static bool
jp_fail(struct jp *j, const char *err)
{
	if (j->err == NULL)
		j->err = err;
	return false;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
jp_hex4(struct jp *j, unsigned *u)
{
	*u = 0;
	if (j->end - j->p < 4)
		return jp_fail(j, "a \\u escape needs four hex digits");
	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)j->p[i]);

		if (h < 0)
			return jp_fail(j, "a \\u escape needs four hex digits");
		*u = *u << 4 | (unsigned)h;
	}
	j->p += 4;
	return true;
}

/* A string at j->p (on its opening quote) into *out (caller frees). */
static bool
jp_string(struct jp *j, char **out)
{
	/* the text unescaped is never longer than escaped (\uXXXX is at
	 * most 4 bytes of UTF-8 for 6, a pair 4 for 12) */
	const char *q;
	char *s, *o;

	j->p++;
	for (q = j->p; q < j->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < j->end)
			q++;
	if (q >= j->end)
		return jp_fail(j, "a string is not closed");
	if ((s = malloc((size_t)(q - j->p) + 1)) == NULL)
		return jp_fail(j, "out of memory");
	o = s;
	while (*j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;
		unsigned u, lo;

		if (c < 0x20) {
			free(s);
			return jp_fail(j, "a control character in a string");
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		switch (*j->p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (!jp_hex4(j, &u))
				goto bad;
			if (u >= 0xd800 && u < 0xdc00) {
				if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') {
					jp_fail(j, "a lone surrogate in a \\u escape");
					goto bad;
				}
				j->p += 2;
				if (!jp_hex4(j, &lo))
					goto bad;
				if (lo < 0xdc00 || lo >= 0xe000) {
					jp_fail(j, "a lone surrogate in a \\u escape");
					goto bad;
				}
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			} else if (u >= 0xdc00 && u < 0xe000) {
				jp_fail(j, "a lone surrogate in a \\u escape");
				goto bad;
			}
			if (u == 0) {
				jp_fail(j, "\\u0000 in a string");
				goto bad;
			}
			if (u < 0x80) {
				*o++ = (char)u;
			} else if (u < 0x800) {
				*o++ = (char)(0xc0 | u >> 6);
				*o++ = (char)(0x80 | (u & 0x3f));
			} else if (u < 0x10000) {
				*o++ = (char)(0xe0 | u >> 12);
				*o++ = (char)(0x80 | (u >> 6 & 0x3f));
				*o++ = (char)(0x80 | (u & 0x3f));
			} else {
				*o++ = (char)(0xf0 | u >> 18);
				*o++ = (char)(0x80 | (u >> 12 & 0x3f));
				*o++ = (char)(0x80 | (u >> 6 & 0x3f));
				*o++ = (char)(0x80 | (u & 0x3f));
			}
			break;
		default:
			jp_fail(j, "an unknown escape in a string");
			goto bad;
		}
	}
	j->p++;
	*o = '\0';
	*out = s;
	return true;
bad:
	free(s);
	return false;
}

static bool jp_value(struct jp *j, struct nu_jv *v);

/* Grow v's items (and keys) for one more. */
static bool
jp_push(struct jp *j, struct nu_jv *v, size_t *cap)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct nu_jv *it = realloc(v->item, nc * sizeof *it);

		if (it == NULL)
			return jp_fail(j, "out of memory");
		v->item = it;
		if (v->type == NU_J_OBJ) {
			char **k = realloc(v->key, nc * sizeof *k);

			if (k == NULL)
				return jp_fail(j, "out of memory");
			v->key = k;
		}
		*cap = nc;
	}
	memset(&v->item[v->n], 0, sizeof v->item[v->n]);
	if (v->type == NU_J_OBJ)
		v->key[v->n] = NULL;
	v->n++;
	return true;
}

static bool
jp_number(struct jp *j, struct nu_jv *v)
{
	const char *s = j->p;
	char buf[64];

	/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	if (s < j->end && *s == '-')
		s++;
	if (s < j->end && *s == '0')
		s++;
	else if (s < j->end && *s >= '1' && *s <= '9')
		while (s < j->end && *s >= '0' && *s <= '9')
			s++;
	else
		return jp_fail(j, "not a JSON value");
	if (s < j->end && *s == '.') {
		if (++s >= j->end || *s < '0' || *s > '9')
			return jp_fail(j, "a number with no digits after its point");
		while (s < j->end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < j->end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < j->end && (*s == '+' || *s == '-'))
			s++;
		if (s >= j->end || *s < '0' || *s > '9')
			return jp_fail(j, "a number with no digits in its exponent");
		while (s < j->end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s - j->p >= (long)sizeof buf)
		return jp_fail(j, "a number of more than 63 characters");
	memcpy(buf, j->p, (size_t)(s - j->p));
	buf[s - j->p] = '\0';
	v->type = NU_J_NUM;
	v->num = strtod(buf, NULL);
	if (!isfinite(v->num))
		return jp_fail(j, "a number out of range");
	j->p = s;
	return true;
}

static bool
jp_value(struct jp *j, struct nu_jv *v)
{
	size_t cap = 0;

	jp_ws(j);
	if (j->p >= j->end)
		return jp_fail(j, "a value is missing");
	switch (*j->p) {
	case '"':
		v->type = NU_J_STR;
		return jp_string(j, &v->str);
	case 'n': case 't': case 'f': {
		static const char *const words[] = { "null", "true", "false" };

		for (int i = 0; i < 3; i++) {
			size_t n = strlen(words[i]);

			if ((size_t)(j->end - j->p) >= n && memcmp(j->p, words[i], n) == 0) {
				v->type = i == 0 ? NU_J_NULL : NU_J_BOOL;
				v->b = i == 1;
				j->p += n;
				return true;
			}
		}
		return jp_fail(j, "not a JSON value");
	}
	case '[': case '{': {
		bool obj = *j->p == '{';
		char close = obj ? '}' : ']';

		if (++j->depth > j->maxdepth)
			return jp_fail(j, "nested too deep");
		v->type = obj ? NU_J_OBJ : NU_J_ARR;
		j->p++;
		jp_ws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return true;
		}
		for (;;) {
			if (!jp_push(j, v, &cap))
				return false;
			if (obj) {
				jp_ws(j);
				if (j->p >= j->end || *j->p != '"')
					return jp_fail(j, "an object's key is not a string");
				if (!jp_string(j, &v->key[v->n - 1]))
					return false;
				for (size_t i = 0; i + 1 < v->n; i++)
					if (strcmp(v->key[i], v->key[v->n - 1]) == 0)
						return jp_fail(j, "a key twice in one object");
				jp_ws(j);
				if (j->p >= j->end || *j->p != ':')
					return jp_fail(j, "':' expected after a key");
				j->p++;
			}
			if (!jp_value(j, &v->item[v->n - 1]))
				return false;
			jp_ws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == close) {
				j->p++;
				j->depth--;
				return true;
			}
			return jp_fail(j, obj ? "',' or '}' expected" : "',' or ']' expected");
		}
	}
	default:
		return jp_number(j, v);
	}
}

bool
nu_json_parse(const char *s, size_t n, int maxdepth, struct nu_jv *v,
    const char **err, size_t *at)
{
	struct jp j = { .p = s, .end = s + n, .maxdepth = maxdepth };

	memset(v, 0, sizeof *v);
	if (jp_value(&j, v)) {
		jp_ws(&j);
		if (j.p == j.end)
			return true;
		jp_fail(&j, "text after the JSON value");
	}
	nu_jv_clear(v);
	*err = j.err;
	if (at != NULL)
		*at = (size_t)(j.p - s);
	return false;
}

const struct nu_jv *
nu_json_get(const struct nu_jv *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->key[i], key) == 0)
			return &o->item[i];
	return NULL;
}
