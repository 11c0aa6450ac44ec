/*
 * fuzz-model.c: libFuzzer harness for the model loader: the input is a
 * model file (seeded with small models nuscope trains at build time),
 * loaded with nu_model_load as every command that takes --model does.
 * The loader opens files by name, so the input goes through a file
 * (fuzzfile.h).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "model.h"
#include "fuzzfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nu_model *m = NULL;
	char *cause = NULL;
	const char *path = fuzzfile_write(data, size, "model.h5");

	if (path == NULL)
		return -1;
	if (nu_model_load(path, &m, &cause) == NU_OK) {
		/* what `nuscope model dump` prints reads these */
		volatile double sink = m->meta.threshold + m->meta.best_value +
		    (double)m->net->nparams + (double)m->nhist;

		for (int i = 0; i < m->nhist; i++)
			sink += m->hist[i].epoch;
		(void)sink;
	}
	nu_model_free(m);
	free(cause);
	return 0;
}
