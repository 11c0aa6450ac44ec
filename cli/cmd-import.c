/*
 * cmd-import.c: `nuscope import keras MODEL.h5 -o OUT.h5 [--arch OUT.arch]`:
 * a Keras 2 HDF5 model as a nuscope model file (keras.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keras.h"
#include "loader.h"

struct import_args {
	const char *out, *arch, *task;
	int input, norm, max;           /* -1, 0: not given */
};

/* --input's choices are enum nu_input's; --normalise's, in this order,
 * the enum nu_norm values below */
static const char *const input_choices[] = { "views", "interleaved", NULL };
static const char *const norm_choices[] = { "none", "255", "max", NULL };
static const int norm_values[] = { NU_NORM_NONE, NU_NORM_255, NU_NORM_MAX };

#define A(m) offsetof(struct import_args, m)
static const struct cli_opt import_opts[] = {
	{ NULL, 'o', CLI_OPT_STRING, A(out), .meta = "FILE",
	    .help = "the nuscope model file to write (required)" },
	{ "arch", 0, CLI_OPT_STRING, A(arch), .meta = "FILE",
	    .help = "also write its architecture file" },
	{ "task", 0, CLI_OPT_STRING, A(task), .meta = "TASK",
	    .help = "the task (default: from the last layer: 1 sigmoid unit numu-cc,\n"
	    "1 linear energy, 5 softmax mode, 16 softmax code)" },
	{ "input", 0, CLI_OPT_CHOICE, A(input), .choices = input_choices, .meta = "HOW",
	    .help = "how the model was fed (required; nuscope-arch(5)):\n"
	    "views = XZ and YZ maps (N, 2, 100, 80) split in two;\n"
	    "interleaved = cvnmap reshaped to (N, 100, 80, 2) and\n"
	    "the last axis split" },
	{ "normalise", 0, CLI_OPT_CHOICE, A(norm), .choices = norm_choices, .meta = "HOW",
	    .help = "how its pixels were scaled (required): none (raw\n"
	    "0-255), 255 (/255) or max (/the largest value, --pixel-max)" },
	{ "pixel-max", 0, CLI_OPT_INT, A(max), .min = 1, .max = 255, .meta = "N",
	    .help = "with --normalise max: the training set's largest\n"
	    "pixel value the maps were divided by" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help import_page[] = {
	{ "usage: nuscope import keras MODEL.h5 -o OUT.h5 --input views|interleaved\n"
	    "           --normalise none|255|max [--pixel-max N] [--arch OUT.arch] [--task TASK]\n"
	    "\n"
	    "Read a Keras 2 HDF5 model file (Sequential or Functional, one 100x80x1\n"
	    "input = XZ, or two = XZ and YZ joined by a Concatenate) and write a\n"
	    "nuscope model file that predict and eval use; see nuscope(1).  A Keras\n"
	    "file does not record how its inputs were made, so --input and\n"
	    "--normalise are required: a wrong guess gives wrong scores silently.\n",
	    import_opts },
	{ NULL, NULL },
};

static const struct cli_cmd import_cmd = { "import keras", import_opts, import_page };

int
cmd_import(int argc, char **argv)
{
	struct import_args args = { .input = -1, .norm = -1 };
	struct nu_keras_opts ko;
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
	if (args.max != 0 && (args.norm < 0 || norm_values[args.norm] != NU_NORM_MAX)) {
		fprintf(stderr, "nuscope import keras: --pixel-max goes with --normalise max\n");
		return EXIT_USAGE;
	}
	ko.task = args.task;
	ko.input = args.input;
	ko.norm = args.norm >= 0 ? norm_values[args.norm] : -1;
	ko.max = args.max;
	if (nu_keras_import(argv[1 + optind], args.out, args.arch, &ko, NULL,
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
