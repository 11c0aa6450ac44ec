/*
 * fuzz-arch.c: libFuzzer harness for architecture files: the input is the
 * text of a file, parsed as `nuscope arch check` does (nu_arch_parse), and a
 * file that parses is built into a network (nu_net_new), which checks its
 * shapes and limits and allocates its parameters.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "arch.h"
#include "net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nu_arch *a = NULL;
	struct nu_net *net = NULL;
	char *cause = NULL;

	if (nu_arch_parse(&a, "fuzz.arch", (const char *)data, size, &cause) == NU_OK) {
		if (nu_net_new(&net, a, 1, &cause) == NU_OK)
			nu_net_free(net);
	}
	nu_arch_free(a);
	free(cause);
	return 0;
}
