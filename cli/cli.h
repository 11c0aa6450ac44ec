/*
 * cli.h: the subcommands of the nuscope program and what they share.
 */
#ifndef NU_CLI_H
#define NU_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "nu.h"

/* Exit statuses of every command. */
#define EXIT_USAGE 2            /* bad command line */

struct command {
	const char *name;
	const char *summary;        /* one line for `nuscope --help` */
	int (*run)(int argc, char **argv);   /* argv[0] is the command name */
};

int cmd_info(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_arch(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_model(int argc, char **argv);
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
 * cli_interrupt_restore they set cli_interrupted instead of ending the
 * program, so a long command can stop cleanly (train saves its run, sim
 * removes its partial file).  Exit status 130 says a command stopped so. */
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
