/*
 * cli.h: the subcommands of the nuscope program and what they share.
 */
#ifndef NU_CLI_H
#define NU_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>            /* optind, where a command's operands start */

#include "nu.h"

/* Exit statuses of every command. */
#define EXIT_USAGE 2            /* bad command line */

struct command {
	const char *name;
	const char *summary;        /* one line for `nuscope --help` */
	int (*run)(int argc, char **argv);   /* argv[0] is the command name */
};

/*
 * Command options (opts.c), in the manner of tmux's cmd_entry: a command
 * describes its options in a table, and one parser reads them with
 * getopt_long, converts and range-checks the numbers, reports every error
 * the same way ("nuscope train: --epochs 'x': expected a whole number from
 * 1 to 100000") and prints --help with option lines made from the table.
 *
 * The values go into a struct of the command's own: each entry names the
 * member it fills by its offset; what the struct holds before parsing is
 * the default.  An entry's fn, when set, runs after the value is stored,
 * for an argument with a syntax of its own or an option that sets more
 * than one thing.
 */
enum cli_opt_kind {
	CLI_OPT_END,            /* ends a table */
	CLI_OPT_FLAG,           /* no argument: the bool member becomes true */
	CLI_OPT_INT,            /* a whole number from min to max, into an int */
	CLI_OPT_U64,            /* a whole number from umin to umax (no sign),
	                         * into a uint64_t */
	CLI_OPT_REAL,           /* a number from rmin to rmax, into a double */
	CLI_OPT_STRING,         /* the argument itself, into a const char * */
	CLI_OPT_CHOICE,         /* one of choices, its index into an int */
	CLI_OPT_HEADING,        /* not an option: a line of the help ("pictures:") */
};

struct cli_opt {
	const char *name;       /* long name without "--", or NULL for none */
	int letter;             /* short option letter, or 0 for none */
	enum cli_opt_kind kind;
	size_t off;             /* offsetof the member it fills */
	long long min, max;     /* CLI_OPT_INT (within int) */
	uint64_t umin, umax;    /* CLI_OPT_U64 */
	double rmin, rmax;      /* CLI_OPT_REAL */
	const char *const *choices;  /* CLI_OPT_CHOICE: ended by NULL */
	const char *meta;       /* the argument in --help: "N", "FILE" */
	const char *help;       /* one line; '\n' goes on in the help column */
	/* Called with the command's struct and the argument (NULL for a flag)
	 * after the value is stored; false with a message in *cause (which
	 * the parser frees; NULL: out of memory) is a usage error
	 * "nuscope CMD: --NAME: CAUSE". */
	bool (*fn)(void *args, const char *arg, char **cause);
};

/* A part of a --help page: text printed as it is, then the option lines
 * of opts (when not NULL).  A page is an array ended by { NULL, NULL }. */
struct cli_help {
	const char *text;
	const struct cli_opt *opts;
};

struct cli_cmd {
	const char *name;               /* in messages: "info", "bench read" */
	const struct cli_opt *opts;     /* what it accepts */
	const struct cli_help *page;    /* what --help prints */
};

/* --color WHEN's choices, in the order of enum term_color_when. */
extern const char *const cli_color_choices[];

/* Parse the options of argv[1..argc-1] into args.  -h and --help are
 * always accepted.  Returns true when the command goes on with its
 * operands argv[optind..argc-1]; false when it is to return *status at
 * once: 0 after printing the help on stdout, EXIT_USAGE after reporting a
 * bad command line on stderr. */
bool cli_opts_parse(const struct cli_cmd *cmd, void *args, int argc, char **argv,
    int *status);

/* Print the --help page of cmd. */
void cli_opts_help(FILE *f, const struct cli_cmd *cmd);

int cmd_info(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_arch(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* JSON output (jsonout.c): a string with escapes; a number as %.9g (which
 * round-trips float32 values), null when it is not finite. */
void json_str(FILE *f, const char *s);
void json_num(FILE *f, double x);

/* The log callback of the line-oriented program: "nuscope: warning: ..."
 * on stderr (debug messages only with NUSCOPE_DEBUG set). */
void cli_log_stderr(enum nu_log_level level, const char *msg, void *ud);

/* Ctrl-C and SIGTERM (interrupt.c): between cli_interrupt_catch and
 * cli_interrupt_restore they set cli_interrupted (to the signal's number)
 * instead of ending the program, so a long command can stop cleanly (train
 * saves its run, sim removes its partial file).  Exit status 130 says a
 * command stopped so. */
#define EXIT_INTERRUPTED 130

/* The crash guard (crash.c): a fault inside the HDF5 library while the
 * core reads an untrusted file (src/guard.h) ends the program with a
 * message naming the file and status 1; any other fault keeps its usual
 * course.  cmd names the command in the message ("" for none). */
void cli_crash_guard(const char *cmd);
extern volatile sig_atomic_t cli_interrupted;
void cli_interrupt_catch(void);
void cli_interrupt_restore(void);

/* Print "nuscope CMD: message" to stderr with the status text appended
 * when msg is NULL. */
void cli_error(const char *cmd, enum nu_status st, const char *msg);

/* Whether argv[1..argc-1] ask for help (-h or --help before any "--"):
 * for commands with subcommands, where "nuscope model dump --help" must
 * print the help, not look for a file named --help. */
bool cli_wants_help(int argc, char **argv);

/* fflush(stdout) for a command that shows progress as it goes: a failure's
 * errno is kept for the check main() makes of standard output at exit
 * (which reports "cannot write to standard output (FILE): ...", status 1). */
void cli_flush_stdout(void);

struct nu_seen_counts;
/* End the first line of a report on stdout with what was done with the
 * model's training and validation events ("; left out the 6,205 events
 * ..."), and warn on stderr when they were scored. */
void cli_seen_note(const char *cmd, const struct nu_seen_counts *c);

#endif
