/*
 * cmd-arch.c: `nuscope arch`: architecture files.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "cli.h"
#include "net.h"

static const char arch_help[] =
    "usage: nuscope arch summary FILE\n"
    "       nuscope arch check FILE...\n"
    "       nuscope arch keys [SECTION | --man]\n"
    "\n"
    "summary  the layers with output shapes, parameters and FLOPs per event\n"
    "check  validate architecture files: syntax, every key against its\n"
    "       table, required keys, how views, branches and [merge] fit, and\n"
    "       the network itself (shapes, output layer and loss for the task)\n"
    "keys   list every section and key with its type, default and meaning\n"
    "\n"
    "nuscope-arch(5) describes the format.\n";

static int
arch_check(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "nuscope arch check: no files given\n%s", arch_help);
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		struct arch *a = NULL;
		char *cause = NULL;
		struct nu_net *net = NULL;
		enum nu_status st = arch_load(&a, argv[i], &cause);

		if (st == NU_OK)
			st = nu_net_new(&net, a, 1, &cause);
		if (st != NU_OK) {
			fprintf(stderr, "%s\n", cause != NULL ? cause : nu_strerror(st));
			rc = 1;
		} else {
			int layers = 0;

			for (int s = 0; s < a->nsec; s++)
				layers += a->sec[s].kind->role == ARCH_ROLE_LAYER;
			printf("%s: ok (%zu parameters, %d layer sections, views %s, branches %s%s)\n",
			    argv[i], net->nparams, layers, arch_enum(&a->sec[0], "views"),
			    arch_enum(&a->sec[0], "branches"),
			    a->merge >= 0 ? (strcmp(arch_enum(&a->sec[a->merge],
			    "axis"), "planes") == 0 ? ", merged along planes" :
			    ", merged as features") : "");
		}
		free(cause);
		nu_net_free(net);
		arch_free(a);
	}
	return rc;
}

static int
arch_summary(int argc, char **argv)
{
	struct arch *a = NULL;
	struct nu_net *net = NULL;
	char *cause = NULL, *text;
	enum nu_status st;

	if (argc != 2) {
		fprintf(stderr, "nuscope arch summary: expected one file\n%s", arch_help);
		return EXIT_USAGE;
	}
	st = arch_load(&a, argv[1], &cause);
	if (st == NU_OK)
		st = nu_net_new(&net, a, 1, &cause);
	if (st != NU_OK) {
		fprintf(stderr, "%s\n", cause != NULL ? cause : nu_strerror(st));
		free(cause);
		arch_free(a);
		return 1;
	}
	if ((text = nu_net_summary(net)) != NULL)
		fputs(text, stdout);
	free(text);
	nu_net_free(net);
	arch_free(a);
	return text != NULL ? 0 : 1;
}

int
cmd_arch(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(arch_help, stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return arch_check(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "summary") == 0)
		return arch_summary(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "keys") == 0) {
		char *d;

		if (argc > 3) {
			fprintf(stderr, "nuscope arch keys: expected at most one section name\n");
			return EXIT_USAGE;
		}
		if (argc == 3 && strcmp(argv[2], "--man") == 0) {
			if ((d = arch_describe_keys_roff()) == NULL) {
				cli_error("arch", NU_ERR_NOMEM, NULL);
				return 1;
			}
			fputs(d, stdout);
			free(d);
			return 0;
		}
		if (argc == 3 && arch_kind_find(argv[2]) == NULL) {
			fprintf(stderr, "nuscope arch keys: unknown section '%s'\n", argv[2]);
			return EXIT_USAGE;
		}
		if ((d = arch_describe_keys(argc == 3 ? argv[2] : NULL)) == NULL) {
			cli_error("arch", NU_ERR_NOMEM, NULL);
			return 1;
		}
		fputs(d, stdout);
		free(d);
		return 0;
	}
	fprintf(stderr, "nuscope arch: expected summary, check or keys\n%s", arch_help);
	return EXIT_USAGE;
}
