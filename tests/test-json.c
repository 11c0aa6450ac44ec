/* test-json.c: the strict JSON parser (json.h) the run-log reader and the
 * Keras importer share: values, nesting bounds, and the mistakes refused
 * with where they were noticed. */
#include "config.h"

#include <string.h>

#include "json.h"
#include "testhelp.h"

static bool
parse(const char *s, int depth, struct nu_jv *v, const char **err, size_t *at)
{
	return nu_json_parse(s, strlen(s), depth, v, err, at);
}

int
main(void)
{
	struct nu_jv v;
	const struct nu_jv *x;
	const char *err = NULL;
	size_t at = 0;

	CHECK(parse("{\"a\": [1, 2.5e1, null, true], \"b\": \"x\\u00e9\\n\"}", 4, &v,
	    &err, &at), "an object parses");
	x = nu_json_get(&v, "a");
	CHECK(x != NULL && x->type == NU_J_ARR && x->n == 4 && x->item[1].num == 25 &&
	    x->item[2].type == NU_J_NULL && x->item[3].b, "  its array's values");
	x = nu_json_get(&v, "b");
	CHECK(x != NULL && x->type == NU_J_STR && strcmp(x->str, "x\xc3\xa9\n") == 0,
	    "  its string unescaped to UTF-8");
	CHECK(nu_json_get(&v, "c") == NULL, "  a missing key is NULL");
	nu_jv_clear(&v);

	CHECK(parse("[[[1]]]", 3, &v, &err, &at), "nesting up to the bound");
	nu_jv_clear(&v);
	CHECK(!parse("[[[[1]]]]", 3, &v, &err, &at) && strcmp(err, "nested too deep") == 0,
	    "one deeper is refused: %s", err);
	CHECK(!parse("{\"a\": [1, 2", 8, &v, &err, &at) && at == 11,
	    "a truncated text: %s at %zu", err, at);
	CHECK(!parse("{\"a\"; 1}", 8, &v, &err, &at) && at == 4,
	    "a ';' for ':': %s at %zu", err, at);
	CHECK(!parse("{\"a\": 1, \"a\": 2}", 8, &v, &err, &at), "a key twice: %s", err);
	CHECK(!parse("[1,]", 8, &v, &err, &at), "a trailing comma: %s", err);
	CHECK(!parse("1e999", 8, &v, &err, &at), "an infinite number: %s", err);
	CHECK(!parse("[1] x", 8, &v, &err, &at), "text after the value: %s", err);
	CHECK(!parse("", 8, &v, &err, &at) && v.type == NU_J_NULL && v.n == 0,
	    "nothing: %s", err);
	TEST_DONE();
}
