/* test-opts.c: the command-line option parser of cli/ (opts.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include "cli.h"
#include "testhelp.h"

struct args {
	bool flag, seen;
	int n, choice;
	uint64_t big;
	double x;
	const char *s, *list;
};
#define A(m) offsetof(struct args, m)

static const char *const shapes[] = { "round", "square", "flat", NULL };

/* --list takes "a,b" and nothing else */
static bool
check_list(void *args, const char *arg, char **cause)
{
	(void)args;
	if (strchr(arg, ',') == NULL) {
		*cause = strdup("expected two names separated by a comma");
		return false;
	}
	return true;
}

static bool
mark(void *args, const char *arg, char **cause)
{
	(void)arg, (void)cause;
	((struct args *)args)->seen = true;
	return true;
}

static const struct cli_opt opts[] = {
	{ "flag", 'f', CLI_OPT_FLAG, A(flag), .fn = mark, .help = "a flag" },
	{ "count", 'c', CLI_OPT_INT, A(n), .min = 1, .max = 100, .meta = "N",
	    .help = "a count (1-100)" },
	{ NULL, 'n', CLI_OPT_U64, A(big), .umin = 1, .umax = UINT64_MAX, .meta = "EVENTS",
	    .help = "a short-only option" },
	{ "ratio", 0, CLI_OPT_REAL, A(x), .rmin = 0, .rmax = 1, .meta = "T",
	    .help = "a number from 0 to 1" },
	{ .kind = CLI_OPT_HEADING, .help = "\nmore:" },
	{ "output", 'o', CLI_OPT_STRING, A(s), .meta = "FILE",
	    .help = "where it goes,\non two lines" },
	{ "shape", 0, CLI_OPT_CHOICE, A(choice), .choices = shapes, .meta = "HOW",
	    .help = "round, square or flat" },
	{ "a-very-long-option-name", 0, CLI_OPT_STRING, A(list), .fn = check_list,
	    .meta = "A,B", .help = "wider than the column" },
	{ .kind = CLI_OPT_END },
};
static const struct cli_help page[] = {
	{ "usage: nuscope test [OPTIONS]\n\noptions:\n", opts },
	{ "the end\n", NULL },
	{ NULL, NULL },
};
static const struct cli_cmd cmd = { "test", opts, page };

static char err[4096];
static int status;
static int first;              /* optind after a successful parse */
static char *cmd_argv[16];     /* the words as the parser left them */

/* Parse the words (ended by NULL) with stdout and stderr captured; err
 * holds what went to stderr. */
static bool
parse(struct args *a, ...)
{
	char **argv = cmd_argv;
	int argc = 1, saved_out, saved_err, fd;
	char path[] = "/tmp/test-opts-XXXXXX";
	va_list ap;
	bool ok;
	ssize_t n;

	argv[0] = "test";
	va_start(ap, a);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	*a = (struct args){ .n = 7, .choice = -1 };
	fd = mkstemp(path);
	unlink(path);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	ok = cli_opts_parse(&cmd, a, argc, argv, &status);
	first = optind;
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	n = pread(fd, err, sizeof err - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fd);
	return ok;
}

int
main(void)
{
	struct args a;
	char *help = NULL;
	size_t helplen = 0;
	FILE *f;

	/* values and defaults */
	CHECK(parse(&a, "x", NULL) && a.n == 7 && !a.flag && a.s == NULL && first == 1,
	    "no options: the defaults stay, the operands start at 1");
	CHECK(parse(&a, "-f", "--count", "5", "-o", "out", "x", "y", NULL) &&
	    a.flag && a.seen && a.n == 5 && strcmp(a.s, "out") == 0 && first == 6,
	    "a flag (with its callback), a number, a string; operands after");
	CHECK(parse(&a, "x", "--count=9", "-c3", NULL) && a.n == 3 && first == 3 &&
	    strcmp(cmd_argv[3], "x") == 0,
	    "--name=value, -cVALUE, options after an operand, the last one wins");
	CHECK(parse(&a, "--", "-f", NULL) && !a.flag && first == 2, "-- ends the options");

	/* integers at and past both ends */
	CHECK(parse(&a, "--count", "1", NULL) && a.n == 1, "--count 1, the minimum");
	CHECK(parse(&a, "--count", "100", NULL) && a.n == 100, "--count 100, the maximum");
	CHECK(!parse(&a, "--count", "0", NULL) && status == EXIT_USAGE,
	    "--count 0 is a usage error");
	CHECK_STR_HAS(err, "nuscope test: --count '0': expected a whole number from 1 to 100",
	    "naming the command, the option, the value and the range");
	CHECK(!parse(&a, "--count", "101", NULL) && status == EXIT_USAGE, "--count 101 too");
	CHECK_STR_HAS(err, "--count '101': expected a whole number from 1 to 100", "  said so");
	CHECK(!parse(&a, "--count", "-5", NULL) && a.n == 7, "a negative count, unstored");
	CHECK(!parse(&a, "--count", "99999999999999999999", NULL), "an overflowing count");
	CHECK(!parse(&a, "--count", "", NULL), "an empty count");
	CHECK(parse(&a, "-n", "18446744073709551615", NULL) && a.big == UINT64_MAX,
	    "-n 2^64-1, the top of a uint64_t");
	CHECK(!parse(&a, "-n", "0", NULL), "-n 0, below its minimum");
	CHECK_STR_HAS(err, "nuscope test: -n '0': expected a whole number from 1 to "
	    "18446744073709551615", "a short-only option is named -n");
	CHECK(!parse(&a, "-n", "-1", NULL), "-n -1 is not 2^64-1");
	CHECK(!parse(&a, "-n", "18446744073709551616", NULL), "-n 2^64 overflows");
	CHECK(parse(&a, "--ratio", "0", NULL) && a.x == 0.0, "--ratio 0");
	CHECK(parse(&a, "--ratio", "1", NULL) && a.x == 1.0, "--ratio 1");
	CHECK(!parse(&a, "--ratio", "1.5", NULL), "--ratio 1.5");
	CHECK_STR_HAS(err, "--ratio '1.5': expected a number from 0 to 1", "  with the range");
	CHECK(!parse(&a, "--ratio", "nan", NULL), "--ratio nan");

	/* junk after a number */
	CHECK(!parse(&a, "--count", "12x", NULL) && status == EXIT_USAGE, "--count 12x");
	CHECK_STR_HAS(err, "--count '12x': expected a whole number", "  said so");
	CHECK(!parse(&a, "-n", "5 ", NULL), "-n '5 '");
	CHECK(!parse(&a, "--ratio", "0.5e", NULL), "--ratio 0.5e");

	/* a missing argument, an unknown option */
	CHECK(!parse(&a, "--count", NULL) && status == EXIT_USAGE, "--count without a value");
	CHECK_STR_HAS(err, "nuscope test: --count needs a value (N)", "  said so");
	CHECK(!parse(&a, "x", "-o", NULL) && status == EXIT_USAGE, "-o without a value");
	CHECK_STR_HAS(err, "--output needs a value (FILE)", "  by its long name");
	CHECK(!parse(&a, "-n", NULL), "-n without a value");
	CHECK_STR_HAS(err, "nuscope test: -n needs a value (EVENTS)", "  said so");
	CHECK(!parse(&a, "--no-such", "x", NULL) && status == EXIT_USAGE, "an unknown option");
	CHECK_STR_HAS(err, "nuscope test: unknown option '--no-such'", "  named");
	CHECK_STR_HAS(err, "nuscope test --help", "  pointing at the help");
	CHECK(!parse(&a, "-z", NULL) && status == EXIT_USAGE, "an unknown letter");
	CHECK_STR_HAS(err, "unknown option '-z'", "  named");
	CHECK(!parse(&a, "--flag=1", NULL) && status == EXIT_USAGE, "a flag given a value");
	CHECK(!parse(&a, "-fzc", "5", NULL) && status == EXIT_USAGE, "an unknown letter in -fzc");
	CHECK(parse(&a, "-c", "4", "x", NULL) && a.n == 4 && !a.flag && first == 3,
	    "the next parse starts afresh");

	/* choices and callbacks */
	CHECK(parse(&a, "--shape", "flat", NULL) && a.choice == 2, "a choice: its index");
	CHECK(!parse(&a, "--shape", "oval", NULL) && status == EXIT_USAGE, "not a choice");
	CHECK_STR_HAS(err, "--shape 'oval': expected round, square or flat",
	    "  listing the choices");
	CHECK(parse(&a, "--a-very-long-option-name", "p,q", NULL), "a callback accepts");
	CHECK(!parse(&a, "--a-very-long-option-name", "p", NULL) && status == EXIT_USAGE,
	    "a callback refuses");
	CHECK_STR_HAS(err, "nuscope test: --a-very-long-option-name: expected two names",
	    "  with its own words");

	/* --help */
	CHECK(!parse(&a, "x", "--help", NULL) && status == 0, "--help: status 0");
	CHECK_STR_HAS(err, "usage: nuscope test", "  printing the help");
	CHECK(!parse(&a, "-h", NULL) && status == 0, "-h too");
	f = open_memstream(&help, &helplen);
	REQUIRE(f != NULL, "open_memstream");
	cli_opts_help(f, &cmd);
	fclose(f);
	for (const struct cli_opt *o = opts; o->kind != CLI_OPT_END; o++) {
		char want[128];

		if (o->kind == CLI_OPT_HEADING)
			continue;
		if (o->name != NULL)
			snprintf(want, sizeof want, "--%s%s%s", o->name,
			    o->kind == CLI_OPT_FLAG ? "" : " ", o->kind == CLI_OPT_FLAG ? "" : o->meta);
		else
			snprintf(want, sizeof want, "-%c %s", o->letter, o->meta);
		CHECK_STR_HAS(help, want, "the help lists %s", want);
		snprintf(want, sizeof want, "  %.*s\n", (int)strcspn(o->help, "\n"), o->help);
		CHECK_STR_HAS(help, want, "  with its help");
	}
	CHECK_STR_HAS(help, "options:\n  -f, --flag ", "short and long names together");
	CHECK_STR_HAS(help, "  -c, --count N      a count (1-100)\n",
	    "the help in one column");
	CHECK_STR_HAS(help, "  -o, --output FILE  where it goes,\n"
	    "                     on two lines\n", "a second line in the column");
	CHECK_STR_HAS(help, "\nmore:\n", "a heading");
	CHECK_STR_HAS(help, "  --a-very-long-option-name A,B\n"
	    "                     wider than the column\n",
	    "a wide option has its help on the next line");
	CHECK_STR_HAS(help, "column\nthe end\n", "the text after the options");
	free(help);

	TEST_DONE();
}
