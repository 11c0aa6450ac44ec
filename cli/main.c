/*
 * main.c: the nuscope program: git-style subcommands over the core library.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dist.h"
#include "term.h"
#include "tui-entry.h"
#include "trainset.h"

static const struct command commands[] = {
	{ "tui", "the interactive program: explore data, look at events", cmd_tui },
	{ "info", "summarise datasets: files, class balance, energies", cmd_info },
	{ "show", "draw one event's XZ and YZ views in the terminal", cmd_show },
	{ "sim", "simulate NOvA-like events into new files", cmd_sim },
	{ "arch", "summarise and check architecture files, list their keys", cmd_arch },
	{ "train", "train a network from an architecture file", cmd_train },
	{ "predict", "score events with a trained model", cmd_predict },
	{ "eval", "evaluate a model: efficiency, purity, ROC, thresholds, slices", cmd_eval },
	{ "export", "write events and saliency maps as pictures (export events|saliency)", cmd_export },
	{ "model", "show what a model file holds (model dump), compare runs (model history)", cmd_model },
	{ "import", "import a Keras 2 HDF5 model as a nuscope model (import keras)", cmd_import },
	{ "bench", "measure this machine: reading events, training, saliency (bench read|train|saliency)", cmd_bench },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: nuscope COMMAND [OPTIONS] [ARGS]\n"
	    "       nuscope                (the interactive program on data/sample)\n"
	    "       nuscope --help | --version\n"
	    "\n"
	    "nuscope explores NOvA-format neutrino event files (HDF5), simulates\n"
	    "them, and trains and evaluates the CNNs that classify their events.\n"
	    "\n"
	    "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	    "\n"
	    "'nuscope COMMAND --help' describes a command; nuscope(1) has it all.\n");
}

void
cli_log_stderr(enum nu_log_level level, const char *msg, void *ud)
{
	static const char *const names[] = { "debug", "info", "warning", "error" };

	(void)ud;
	if (level == NU_LOG_DEBUG && getenv("NUSCOPE_DEBUG") == NULL)
		return;
	/* the processes of an MPI run say the same things: rank 0 speaks
	 * for all but of errors and debugging, which are each process's own */
	if (dist_rank() != 0 && level != NU_LOG_ERROR && level != NU_LOG_DEBUG)
		return;
	if (dist_active() && (level == NU_LOG_ERROR || level == NU_LOG_DEBUG))
		fprintf(stderr, "nuscope: rank %d: %s: %s\n", dist_rank(), names[level], msg);
	else
		fprintf(stderr, "nuscope: %s: %s\n", names[level], msg);
}

void
cli_error(const char *cmd, enum nu_status st, const char *msg)
{
	/* an error all the processes of an MPI run agreed on (dist_agree:
	 * "rank R: ...") is printed once, by rank 0; one of this process
	 * alone is printed by it */
	if (dist_rank() != 0 && msg != NULL && strncmp(msg, "rank ", 5) == 0)
		return;
	if (dist_active() && (msg == NULL || strncmp(msg, "rank ", 5) != 0)) {
		fprintf(stderr, "nuscope %s: rank %d: %s\n", cmd, dist_rank(),
		    msg != NULL ? msg : nu_strerror(st));
		return;
	}
	fprintf(stderr, "nuscope %s: %s\n", cmd, msg != NULL ? msg : nu_strerror(st));
}

bool
cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

void
cli_seen_note(const char *cmd, const struct nu_seen_counts *c)
{
	char what[256];

	nu_seen_describe(c, what, sizeof what);
	printf("%s%s\n", what[0] ? "; " : "", what);
	if (c->include && c->included_train + c->included_val > 0 && dist_rank() == 0)
		fprintf(stderr, "nuscope %s: warning: --include-training: %s\n", cmd, what);
}

_Static_assert(TERM_COLOR_AUTO == 0 && TERM_COLOR_ALWAYS == 1 && TERM_COLOR_NEVER == 2,
    "cli_color_choices in the order of enum term_color_when");
_Static_assert(TUI_EXIT_USAGE == EXIT_USAGE && TUI_EXIT_INTERRUPTED == EXIT_INTERRUPTED,
    "one set of exit statuses");

static int stdout_errno;        /* of the first failed cli_flush_stdout */

void
cli_flush_stdout(void)
{
	errno = 0;
	if (fflush(stdout) != 0 && stdout_errno == 0)
		stdout_errno = errno ? errno : EIO;
}

/*
 * Flush and close standard output at the end of a command: output lost to
 * a full disk or a closed pipe is an error the user hears of, with the
 * file it went to, and exit status 1 (not 0, nor a silent 1).
 */
static int
close_stdout(const char *cmd, int rc)
{
	char name[1024];
	ssize_t n;
	int e = 0;

	errno = 0;
	if (fflush(stdout) != 0)
		e = errno ? errno : EIO;
	else if (ferror(stdout))
		e = stdout_errno ? stdout_errno : EIO;
	n = readlink("/proc/self/fd/1", name, sizeof name - 1);
	name[n > 0 ? n : 0] = '\0';
	errno = 0;
	if (fclose(stdout) != 0 && e == 0)
		e = errno ? errno : EIO;
	if (e == 0)
		return rc;
	fprintf(stderr, "nuscope%s%s: cannot write to standard output%s%s%s: %s\n",
	    cmd ? " " : "", cmd ? cmd : "", n > 0 ? " (" : "", name, n > 0 ? ")" : "",
	    strerror(e));
	return rc != 0 ? rc : 1;
}

int
main(int argc, char **argv)
{
	/* first: an MPI launcher's arguments are taken out of argv */
	dist_init(&argc, &argv);
	setlocale(LC_ALL, "");
	nu_init();
	/* one output for the whole run: rank 0's; and no colour unless asked
	 * (--color=always), since the launcher gives every process a
	 * terminal of its own wherever its output goes */
	if (dist_rank() != 0 && freopen("/dev/null", "w", stdout) == NULL)
		return 1;
	if (dist_active())
		setenv("NO_COLOR", "1", 0);
	nu_log_set(cli_log_stderr, NULL);
	cli_crash_guard(argc >= 2 && argv[1][0] != '-' ? argv[1] : "tui");

	if (argc < 2) {
		/* no command: the interactive program, on the sample dataset */
		char *targv[] = { "tui", NULL };

		return close_stdout("tui", cmd_tui(1, targv));
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return close_stdout(NULL, 0);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("nuscope %s\n", PACKAGE_VERSION);
		return close_stdout(NULL, 0);
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return close_stdout(commands[i].name,
			    commands[i].run(argc - 1, argv + 1));
	fprintf(stderr, "nuscope: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
