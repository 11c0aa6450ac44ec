/*
 * cmd-arch.c: `nuscope arch`: architecture files.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "cli.h"
#include "loader.h"
#include "net.h"

struct keys_args {
	bool man;
};

static const struct cli_opt keys_opts[] = {
	{ "man", 0, CLI_OPT_FLAG, offsetof(struct keys_args, man),
	    .help = "keys: all of them as roff, for nuscope-arch(5)" },
	{ .kind = CLI_OPT_END },
};

static const struct cli_help arch_page[] = {
	{ "usage: nuscope arch summary FILE\n"
	    "       nuscope arch check FILE...\n"
	    "       nuscope arch keys [SECTION | --man]\n"
	    "\n"
	    "summary  the layers with output shapes, parameters and FLOPs per event\n"
	    "check  validate architecture files: syntax, every key against its\n"
	    "       table, required keys, how views, branches and [merge] fit, and\n"
	    "       the network itself (shapes, output layer and loss for the task)\n"
	    "keys   list every section and key with its type, default and meaning\n",
	    keys_opts },
	{ "\n"
	    "nuscope-arch(5) describes the format.\n", NULL },
	{ NULL, NULL },
};

/* summary and check take no options: only their help */
static const struct cli_opt no_opts[] = { { .kind = CLI_OPT_END } };
static const struct cli_cmd arch_cmd = { "arch", no_opts, arch_page };
static const struct cli_cmd keys_cmd = { "arch keys", keys_opts, arch_page };

static int
arch_check(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "nuscope arch check: no files given\n");
		cli_opts_help(stderr, &arch_cmd);
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		struct nu_arch *a = NULL;
		char *cause = NULL;
		struct nu_net *net = NULL;
		enum nu_status st = nu_arch_load(&a, argv[i], &cause);

		if (st == NU_OK)
			st = nu_net_new(&net, a, 1, &cause);
		if (st != NU_OK) {
			fprintf(stderr, "%s\n", cause != NULL ? cause : nu_strerror(st));
			rc = 1;
		} else {
			int layers = 0;

			for (int s = 0; s < a->nsec; s++)
				layers += a->sec[s].kind->role == NU_ARCH_ROLE_LAYER;
			printf("%s: ok (%zu parameters, %d layer sections, views %s, branches %s%s%s)\n",
			    argv[i], net->nparams, layers, nu_arch_enum(&a->sec[0], "views"),
			    nu_arch_enum(&a->sec[0], "branches"),
			    a->merge >= 0 ? (strcmp(nu_arch_enum(&a->sec[a->merge],
			    "axis"), "planes") == 0 ? ", merged along planes" :
			    ", merged as features") : "",
			    nu_arch_enum_index(&a->sec[0], "input") == NU_INPUT_INTERLEAVED ?
			    ", input interleaved" : "");
		}
		free(cause);
		nu_net_free(net);
		nu_arch_free(a);
	}
	return rc;
}

static int
arch_summary(int argc, char **argv)
{
	struct nu_arch *a = NULL;
	struct nu_net *net = NULL;
	char *cause = NULL, *text;
	enum nu_status st;

	if (argc != 2) {
		fprintf(stderr, "nuscope arch summary: expected one file\n");
		cli_opts_help(stderr, &arch_cmd);
		return EXIT_USAGE;
	}
	st = nu_arch_load(&a, argv[1], &cause);
	if (st == NU_OK)
		st = nu_net_new(&net, a, 1, &cause);
	if (st != NU_OK) {
		fprintf(stderr, "%s\n", cause != NULL ? cause : nu_strerror(st));
		free(cause);
		nu_arch_free(a);
		return 1;
	}
	if ((text = nu_net_summary(net)) != NULL)
		fputs(text, stdout);
	/* the mapping is not the network's but decides what it must be fed */
	if (text != NULL && nu_arch_enum_index(&a->sec[0], "input") == NU_INPUT_INTERLEAVED)
		printf("input interleaved: each map row read as (100, 80, 2), the last "
		    "axis as the views (nuscope-arch(5))\n");
	free(text);
	nu_net_free(net);
	nu_arch_free(a);
	return text != NULL ? 0 : 1;
}

int
cmd_arch(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		cli_opts_help(stdout, &arch_cmd);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return arch_check(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "summary") == 0)
		return arch_summary(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "keys") == 0) {
		struct keys_args args = { false };
		const char *section;
		char *d;
		int rc;

		if (!cli_opts_parse(&keys_cmd, &args, argc - 1, argv + 1, &rc))
			return rc;
		if (argc - 1 - optind > (args.man ? 0 : 1)) {
			fprintf(stderr, "nuscope arch keys: expected at most one section "
			    "name%s\n", args.man ? " (none with --man)" : "");
			return EXIT_USAGE;
		}
		section = argc - 1 > optind ? argv[1 + optind] : NULL;
		if (args.man) {
			if ((d = nu_arch_describe_keys_roff()) == NULL) {
				cli_error("arch", NU_ERR_NOMEM, NULL);
				return 1;
			}
			fputs(d, stdout);
			free(d);
			return 0;
		}
		if (section != NULL && nu_arch_kind_find(section) == NULL) {
			fprintf(stderr, "nuscope arch keys: unknown section '%s'\n", section);
			return EXIT_USAGE;
		}
		if ((d = nu_arch_describe_keys(section)) == NULL) {
			cli_error("arch", NU_ERR_NOMEM, NULL);
			return 1;
		}
		fputs(d, stdout);
		free(d);
		return 0;
	}
	fprintf(stderr, "nuscope arch: expected summary, check or keys\n");
	cli_opts_help(stderr, &arch_cmd);
	return EXIT_USAGE;
}
