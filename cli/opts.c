/*
 * opts.c: the options of the commands, read from their tables (cli.h).
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAXOPTS 40              /* entries of one table */
#define OPT_VAL 256             /* getopt_long's value of entry i: OPT_VAL + i */
#define HELP_VAL (OPT_VAL + MAXOPTS)
#define HELP_COL 20             /* widest option column of --help */
#define HELP_MINCOL 16          /* narrowest, so that the pages look alike */

const char *const cli_color_choices[] = { "auto", "always", "never", NULL };

/* The option as messages name it: "--bins", or "-n" when it has no long
 * name. */
static const char *
opt_label(const struct cli_opt *o, char *buf, size_t size)
{
	if (o->name != NULL)
		snprintf(buf, size, "--%s", o->name);
	else
		snprintf(buf, size, "-%c", o->letter);
	return buf;
}

static void opt_error(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "nuscope CMD: --NAME 'ARG': MESSAGE" (without 'ARG' when arg is NULL):
 * every error of an option's value is told so. */
static void
opt_error(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg,
    const char *fmt, ...)
{
	char label[64];
	va_list ap;

	fprintf(stderr, "nuscope %s: %s", cmd->name, opt_label(o, label, sizeof label));
	if (arg != NULL)
		fprintf(stderr, " '%s'", arg);
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* "auto, always or never" */
static void
choices_text(const char *const *c, char *buf, size_t size)
{
	size_t n = 0, len = 0;

	while (c[n] != NULL)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", c[i]);
}

/* Convert and store arg for entry o; false after reporting why not. */
static bool
opt_store(const struct cli_cmd *cmd, const struct cli_opt *o, void *args,
    const char *arg)
{
	char *field = (char *)args + o->off, *end, *cause = NULL;

	switch (o->kind) {
	case CLI_OPT_FLAG:
		*(bool *)field = true;
		break;
	case CLI_OPT_INT: {
		long long v;

		errno = 0;
		v = strtoll(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || errno != 0 || v < o->min || v > o->max) {
			opt_error(cmd, o, arg, "expected a whole number from %lld to %lld",
			    o->min, o->max);
			return false;
		}
		*(int *)field = (int)v;
		break;
	}
	case CLI_OPT_U64: {
		unsigned long long v;

		/* strtoull would take "-1" as 2^64-1 */
		errno = 0;
		v = strchr("-+ \t", *arg) == NULL ? strtoull(arg, &end, 10) : 0;
		if (strchr("-+ \t", *arg) != NULL || *end != '\0' || errno != 0 ||
		    v < o->umin || v > o->umax) {
			opt_error(cmd, o, arg, "expected a whole number from %llu to %llu",
			    (unsigned long long)o->umin, (unsigned long long)o->umax);
			return false;
		}
		*(uint64_t *)field = v;
		break;
	}
	case CLI_OPT_REAL: {
		double v;

		v = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || !(v >= o->rmin && v <= o->rmax)) {
			opt_error(cmd, o, arg, "expected a number from %g to %g",
			    o->rmin, o->rmax);
			return false;
		}
		*(double *)field = v;
		break;
	}
	case CLI_OPT_STRING:
		*(const char **)field = arg;
		break;
	case CLI_OPT_CHOICE: {
		char list[256];
		int i;

		for (i = 0; o->choices[i] != NULL; i++)
			if (strcmp(arg, o->choices[i]) == 0)
				break;
		if (o->choices[i] == NULL) {
			choices_text(o->choices, list, sizeof list);
			opt_error(cmd, o, arg, "expected %s", list);
			return false;
		}
		*(int *)field = i;
		break;
	}
	case CLI_OPT_END:
	case CLI_OPT_HEADING:
		assert(!"not an option");
		return false;
	}
	if (o->fn != NULL && !o->fn(args, arg, &cause)) {
		opt_error(cmd, o, NULL, "%s", cause != NULL ? cause : "out of memory");
		free(cause);
		return false;
	}
	return true;
}

bool
cli_opts_parse(const struct cli_cmd *cmd, void *args, int argc, char **argv,
    int *status)
{
	struct option lo[MAXOPTS + 2];
	char shorts[3 * MAXOPTS + 4] = ":";
	const struct cli_opt *o = cmd->opts;
	size_t nlo = 0, ns = 1;
	bool help_letter = false, help_name = false;
	int opt, n;

	for (n = 0; o[n].kind != CLI_OPT_END; n++) {
		assert(n < MAXOPTS);
		if (o[n].kind == CLI_OPT_HEADING)
			continue;
		if (o[n].name != NULL) {
			lo[nlo++] = (struct option){ o[n].name,
			    o[n].kind == CLI_OPT_FLAG ? no_argument : required_argument,
			    NULL, OPT_VAL + n };
			help_name |= strcmp(o[n].name, "help") == 0;
		}
		if (o[n].letter != 0) {
			shorts[ns++] = (char)o[n].letter;
			if (o[n].kind != CLI_OPT_FLAG)
				shorts[ns++] = ':';
			help_letter |= o[n].letter == 'h';
		}
	}
	/* -h and --help without an entry of their own */
	if (!help_name)
		lo[nlo++] = (struct option){ "help", no_argument, NULL, HELP_VAL };
	if (!help_letter)
		shorts[ns++] = 'h';
	shorts[ns] = '\0';
	lo[nlo] = (struct option){ NULL, 0, NULL, 0 };

	*status = EXIT_USAGE;
	/* 0, not 1: glibc and musl then forget all of an earlier parse (a
	 * half-read "-abc" of other words) */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct cli_opt *e = NULL;

		if (opt >= OPT_VAL && opt < OPT_VAL + n)
			e = &o[opt - OPT_VAL];
		else if (opt != ':' && opt != '?')
			for (int i = 0; i < n && e == NULL; i++)
				if (o[i].letter == opt && o[i].kind != CLI_OPT_HEADING)
					e = &o[i];
		if (opt == HELP_VAL || (opt == 'h' && e == NULL) ||
		    (e != NULL && e->name != NULL && strcmp(e->name, "help") == 0)) {
			cli_opts_help(stdout, cmd);
			*status = 0;
			return false;
		}
		if (opt == ':') {
			/* optopt: the letter, or the value of a long option */
			for (int i = 0; i < n && e == NULL; i++)
				if (o[i].kind != CLI_OPT_HEADING && (optopt == OPT_VAL + i ||
				    (optopt < OPT_VAL && optopt != 0 && o[i].letter == optopt)))
					e = &o[i];
			if (e != NULL) {
				char label[64];

				fprintf(stderr, "nuscope %s: %s needs a value%s%s%s\n", cmd->name,
				    opt_label(e, label, sizeof label),
				    e->meta != NULL ? " (" : "", e->meta != NULL ? e->meta : "",
				    e->meta != NULL ? ")" : "");
			} else {
				fprintf(stderr, "nuscope %s: %s needs a value\n", cmd->name,
				    argv[optind - 1]);
			}
			return false;
		}
		if (e == NULL) {
			if (optopt != 0 && optopt < OPT_VAL)
				fprintf(stderr, "nuscope %s: unknown option '-%c'\n",
				    cmd->name, optopt);
			else
				fprintf(stderr, "nuscope %s: unknown option '%s'\n",
				    cmd->name, argv[optind - 1]);
			fprintf(stderr, "(nuscope %s --help lists the options)\n", cmd->name);
			return false;
		}
		if (!opt_store(cmd, e, args, e->kind == CLI_OPT_FLAG ? NULL : optarg))
			return false;
	}
	return true;
}

/* ---- --help ------------------------------------------------------------------ */

/* "-o, --output FILE" into buf; its length. */
static int
opt_left(const struct cli_opt *o, char *buf, size_t size)
{
	const char *meta = o->kind == CLI_OPT_FLAG ? NULL : o->meta != NULL ? o->meta :
	    o->kind == CLI_OPT_INT || o->kind == CLI_OPT_U64 ? "N" : "VALUE";
	int len;

	if (o->letter != 0 && o->name != NULL)
		len = snprintf(buf, size, "-%c, --%s", o->letter, o->name);
	else if (o->name != NULL)
		len = snprintf(buf, size, "--%s", o->name);
	else
		len = snprintf(buf, size, "-%c", o->letter);
	if (meta != NULL && len >= 0 && (size_t)len < size)
		len += snprintf(buf + len, size - (size_t)len, " %s", meta);
	return len < 0 ? 0 : len >= (int)size ? (int)size - 1 : len;
}

static void
help_lines(FILE *f, const struct cli_opt *opts, int col)
{
	for (const struct cli_opt *o = opts; o->kind != CLI_OPT_END; o++) {
		char left[128];
		const char *h = o->help != NULL ? o->help : "";
		int len;

		if (o->kind == CLI_OPT_HEADING) {
			fprintf(f, "%s\n", h);
			continue;
		}
		len = opt_left(o, left, sizeof left);
		fprintf(f, "  %s", left);
		if (len > col) {
			/* too wide: the help starts on the next line */
			fprintf(f, "\n%*s", col + 2, "");
		} else {
			fprintf(f, "%*s", col - len, "");
		}
		for (;;) {
			size_t n = strcspn(h, "\n");

			fprintf(f, "  %.*s\n", (int)n, h);
			if (h[n] == '\0')
				break;
			h += n + 1;
			fprintf(f, "%*s", col + 2, "");
		}
	}
}

void
cli_opts_help(FILE *f, const struct cli_cmd *cmd)
{
	int col = HELP_MINCOL;

	/* one column for the whole page, as wide as its widest option up to
	 * HELP_COL; a wider one puts its help on the next line */
	for (const struct cli_help *p = cmd->page; p->text != NULL || p->opts != NULL; p++)
		for (const struct cli_opt *o = p->opts; o != NULL && o->kind != CLI_OPT_END; o++) {
			char left[128];
			int len;

			if (o->kind == CLI_OPT_HEADING)
				continue;
			len = opt_left(o, left, sizeof left);
			if (len <= HELP_COL && len > col)
				col = len;
		}
	for (const struct cli_help *p = cmd->page; p->text != NULL || p->opts != NULL; p++) {
		if (p->text != NULL)
			fputs(p->text, f);
		if (p->opts != NULL)
			help_lines(f, p->opts, col);
	}
}
