/*
 * json.h: a small strict JSON parser (RFC 8259: no trailing commas, no
 * comments, no duplicate keys, numbers finite), for outside input: the
 * caller bounds the text's length and the nesting depth.
 */
#ifndef NU_JSON_H
#define NU_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum nu_jtype { NU_J_NULL, NU_J_BOOL, NU_J_NUM, NU_J_STR, NU_J_ARR, NU_J_OBJ };

struct nu_jv {
	enum nu_jtype type;
	bool b;
	double num;
	char *str;              /* NU_J_STR (owned) */
	struct nu_jv *item;        /* NU_J_ARR, NU_J_OBJ: n values (owned) */
	char **key;             /* NU_J_OBJ: n keys (owned) */
	size_t n;
};

/*
 * Parse n bytes (need not be terminated) as exactly one JSON value nested
 * at most maxdepth arrays/objects deep.  False when not: *err is static
 * text saying what is wrong and *at (if not NULL) the byte offset where
 * it was noticed; v is then empty.  Caller clears v with nu_jv_clear.
 */
bool nu_json_parse(const char *s, size_t n, int maxdepth, struct nu_jv *v,
    const char **err, size_t *at);
void nu_jv_clear(struct nu_jv *v);

/* The member key of object o, or NULL. */
const struct nu_jv *nu_json_get(const struct nu_jv *o, const char *key);

#endif
