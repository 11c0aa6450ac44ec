/*
 * cmd-import.c: `nuscope import keras MODEL.h5 -o OUT.h5 [--arch OUT.arch]`:
 * a Keras 2 HDF5 model as a nuscope model file (keras.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keras.h"

struct import_args {
	const char *out, *arch, *task;
};

#define A(m) offsetof(struct import_args, m)
static const struct cli_opt import_opts[] = {
	{ NULL, 'o', CLI_OPT_STRING, A(out), .meta = "FILE",
	    .help = "the nuscope model file to write (required)" },
	{ "arch", 0, CLI_OPT_STRING, A(arch), .meta = "FILE",
	    .help = "also write its architecture file" },
	{ "task", 0, CLI_OPT_STRING, A(task), .meta = "TASK",
	    .help = "the task (default: from the last layer: 1 sigmoid unit numu-cc,\n"
	    "1 linear energy, 5 softmax mode, 16 softmax code)" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help import_page[] = {
	{ "usage: nuscope import keras MODEL.h5 -o OUT.h5 [--arch OUT.arch] [--task TASK]\n"
	    "\n"
	    "Read a Keras 2 HDF5 model file (Sequential or Functional, one 100x80x1\n"
	    "input = XZ, or two = XZ and YZ joined by a Concatenate) and write a\n"
	    "nuscope model file that predict and eval use; see nuscope(1).\n",
	    import_opts },
	{ NULL, NULL },
};

static const struct cli_cmd import_cmd = { "import keras", import_opts, import_page };

int
cmd_import(int argc, char **argv)
{
	struct import_args args = { 0 };
	char *cause = NULL;
	int rc;

	if (cli_wants_help(argc, argv)) {
		cli_opts_help(stdout, &import_cmd);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "keras") != 0) {
		fprintf(stderr, "nuscope import: expected keras\n");
		cli_opts_help(stderr, &import_cmd);
		return EXIT_USAGE;
	}
	if (!cli_opts_parse(&import_cmd, &args, argc - 1, argv + 1, &rc))
		return rc;
	if (argc - 1 - optind != 1 || args.out == NULL) {
		fprintf(stderr, "nuscope import keras: expected one Keras model file "
		    "and -o OUT.h5\n");
		cli_opts_help(stderr, &import_cmd);
		return EXIT_USAGE;
	}
	if (nu_keras_import(argv[1 + optind], args.out, args.arch, args.task, NULL,
	    &cause) != NU_OK) {
		fprintf(stderr, "nuscope import keras: %s\n", cause != NULL ? cause :
		    "out of memory");
		free(cause);
		return 1;
	}
	printf("wrote %s%s%s\n", args.out, args.arch != NULL ? " and " : "",
	    args.arch != NULL ? args.arch : "");
	return 0;
}
