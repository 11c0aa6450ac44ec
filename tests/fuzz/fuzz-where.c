/*
 * fuzz-where.c: libFuzzer harness for the --where language: the input is
 * an expression, compiled (nu_where_compile) and, when it compiles,
 * evaluated on a few events whose values include the awkward ones (zero,
 * negative, huge, NaN, infinity), then bound to no model as a command
 * without --model does.
 *
 * Any input is taken, however long or deep: the parser refuses nesting
 * past NU_WHERE_MAXDEPTH and evaluates && and || chains without
 * recursion (where.h).
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "where.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fill one event's values: the columns from a pattern, then the derived
 * names as a command derives them. */
static void
event_values(double *vals, int k)
{
	static const double pattern[] = { 0.0, 1.0, -1.0, 13.0, 2.5, 1e300, -0.0 };
	const size_t np = sizeof pattern / sizeof pattern[0];

	for (int v = 0; v < NU_WHERE_NVARS; v++)
		vals[v] = pattern[(size_t)(v + k) % np];
	if (k == 3)
		vals[NU_COL_NUENERGY] = NAN;
	if (k == 4)
		vals[NU_COL_LEPENERGY] = INFINITY;
	nu_where_derive(vals, (uint64_t)k * 1000003u);
	vals[NU_WHERE_SCORE] = k == 2 ? NAN : 0.25 * k;
	vals[NU_WHERE_LABEL] = k % 2;
	vals[NU_WHERE_SELECTED] = k > 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nu_where *w = NULL;
	char *text, *cause = NULL;
	double vals[NU_WHERE_NVARS];

	/* the compiler takes a C string: the input up to its first NUL */
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (nu_where_compile(&w, text, &cause) == NU_OK) {
		volatile int sum = 0;

		for (int k = 0; k < 6; k++) {
			event_values(vals, k);
			sum += nu_where_eval(w, vals);
		}
		for (int v = -1; v <= NU_WHERE_NVARS; v++)
			sum += nu_where_uses(w, v);
		if (nu_where_needs_model(w) &&
		    nu_where_set_model(w, NULL, NAN, &cause) == NU_OK)
			__builtin_trap();       /* reading the model's output needs one */
		(void)sum;
	}
	nu_where_free(w);
	free(cause);
	free(text);
	return 0;
}
