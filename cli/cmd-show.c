/*
 * cmd-show.c: `nuscope show`: one event's views and metadata in the terminal.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dataset.h"
#include "heatmap.h"
#include "labels.h"
#include "term.h"

struct show_args {
	bool ascii, fit, skip_bad;
	int width, color;
};
#define A(m) offsetof(struct show_args, m)

static const struct cli_opt show_opts[] = {
	{ "ascii", 0, CLI_OPT_FLAG, A(ascii),
	    .help = "draw with an ASCII intensity ramp instead of colour" },
	{ "fit", 0, CLI_OPT_FLAG, A(fit), .help = "scale the maps to the terminal width" },
	{ "width", 0, CLI_OPT_INT, A(width), .min = 10, .max = 1000, .meta = "N",
	    .help = "draw the 100 planes in N columns (10-1000)" },
	{ "color", 0, CLI_OPT_CHOICE, A(color), .choices = cli_color_choices, .meta = "WHEN",
	    .help = "auto (default), always or never" },
	{ "skip-bad", 0, CLI_OPT_FLAG, A(skip_bad),
	    .help = "leave out unreadable files instead of failing" },
	{ "help", 'h', CLI_OPT_FLAG, .help = "this text" },
	{ .kind = CLI_OPT_END },
};
#undef A

static const struct cli_help show_page[] = {
	{ "usage: nuscope show [OPTIONS] FILE|DIR|GLOB... INDEX\n"
	    "\n"
	    "Draw event INDEX (counted from 0 across the files, in natural order) as\n"
	    "two heatmaps, XZ above YZ, with z (the beam) running left to right, then\n"
	    "print its metadata with decoded names.\n"
	    "\n"
	    "options:\n", show_opts },
	{ NULL, NULL },
};

static const struct cli_cmd show_cmd = { "show", show_opts, show_page };

static void
print_meta(FILE *f, struct nu_dataset *ds, uint64_t ev, bool utf8,
    const struct term_style *ts)
{
	size_t file;
	uint64_t local;
	const struct nu_fileinfo *fi;
	char name[64];

	nu_dataset_locate(ds, ev, &file, &local, NULL);
	fi = nu_dataset_file(ds, file);
	fprintf(f, "%sMetadata%s  %s, event %llu of %llu\n", ts->head, ts->reset,
	    fi->path, (unsigned long long)local, (unsigned long long)fi->nevents);
	for (int c = 0; c < NU_NCOLUMNS; c++) {
		uint32_t u = 0;
		int64_t i64 = 0;
		double d = 0;
		char *why = NULL;

		fputs("  ", f);
		term_put_padded(f, nu_column_name(c), 31);
		if (!(fi->columns & (1u << c))) {
			fprintf(f, "%s(missing)%s\n", ts->dim, ts->reset);
			continue;
		}
		/* read every type once; a failure is shown in place */
		if (nu_dataset_read_column(ds, c, ev, 1, NU_CT_U32, &u, &why) != NU_OK ||
		    nu_dataset_read_column(ds, c, ev, 1, NU_CT_I64, &i64, &why) != NU_OK ||
		    nu_dataset_read_column(ds, c, ev, 1, NU_CT_F64, &d, &why) != NU_OK) {
			fprintf(f, "(unreadable: %s)\n", why ? why : "error");
			free(why);
			continue;
		}
		switch (c) {
		case NU_COL_INTERACTION:
			fprintf(f, "%u  %s (group %s, mode %s)\n", u,
			    utf8 ? nu_code_name_utf8(u) : nu_code_name(u),
			    utf8 ? nu_group_name_utf8(nu_code_group(u)) :
			    nu_group_name(nu_code_group(u)),
			    nu_mode_name(nu_code_mode(u)));
			break;
		case NU_COL_FINALSTATE:
		case NU_COL_FINALSTATEPRONG:
			nu_finalstate_name(u, name, sizeof name);
			fprintf(f, "%u  %s\n", u, name);
			break;
		case NU_COL_NUENERGY:
		case NU_COL_LEPENERGY:
			fprintf(f, "%.4f GeV\n", d);
			break;
		case NU_COL_VTXX:
		case NU_COL_VTXY:
		case NU_COL_VTXZ:
			fprintf(f, "%.2f cm\n", d);
			break;
		default:
			fprintf(f, "%lld\n", (long long)i64);
			break;
		}
	}
	{
		float e[2] = { 0, 0 };

		if (nu_dataset_read_column(ds, NU_COL_NUENERGY, ev, 1, NU_CT_F32, &e[0], NULL) != NU_OK ||
		    nu_dataset_read_column(ds, NU_COL_LEPENERGY, ev, 1, NU_CT_F32, &e[1], NULL) != NU_OK)
			return;
		fputs("  ", f);
		term_put_padded(f, utf8 ? "y = E_ℓ/E_ν" : "y = E_lep/E_nu", 31);
		if (e[0] > 0)
			fprintf(f, "%.4f\n", e[1] / e[0]);
		else
			fprintf(f, "undefined (E_nu = 0)\n");
	}
}

static void
view_stats(FILE *f, const uint8_t *map, int view)
{
	const uint8_t *v = map + view * NU_VIEW_BYTES;
	unsigned hits = 0, sum = 0, max = 0;
	int pmin = -1, pmax = -1;

	for (int p = 0; p < NU_PLANES; p++)
		for (int c = 0; c < NU_CELLS; c++) {
			unsigned x = v[p * NU_CELLS + c];

			if (x == 0)
				continue;
			hits++;
			sum += x;
			if (x > max)
				max = x;
			if (pmin < 0)
				pmin = p;
			pmax = p;
		}
	if (hits == 0)
		fprintf(f, "  no hits\n");
	else
		fprintf(f, "  %u hit cells, charge %u, max %u, planes %d-%d\n",
		    hits, sum, max, pmin, pmax);
}

int
cmd_show(int argc, char **argv)
{
	struct show_args args = { .color = TERM_COLOR_AUTO };
	struct nu_open_opts oo = { 0 };
	struct nu_heatmap_opts ho = { .style = NU_HM_COLOR256, .axes = 1 };
	struct nu_dataset *ds = NULL;
	struct term_style ts;
	int rc = 1, fit, ascii, vmax = 0;
	char *cause = NULL, *end, *text = NULL;
	const char *idx;
	unsigned long long ev;
	uint8_t map[NU_MAP_BYTES];
	enum nu_status st;
	bool use_color, utf8 = term_utf8();

	/* "-3" is a negative index, not an unknown option (unless it is the
	 * value of --width) */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (argv[i][0] == '-' && argv[i][1] != '\0' &&
		    strspn(argv[i] + 1, "0123456789") == strlen(argv[i] + 1) &&
		    !(strncmp(argv[i - 1], "--w", 3) == 0 && strchr(argv[i - 1], '=') == NULL)) {
			fprintf(stderr, "nuscope show: the event index must be a whole "
			    "number from 0, not '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	if (!cli_opts_parse(&show_cmd, &args, argc, argv, &rc))
		return rc;
	rc = 1;
	ascii = args.ascii;
	fit = args.fit;
	oo.skip_bad = args.skip_bad;
	ho.width = args.width;
	if (argc - optind < 2) {
		fprintf(stderr, "nuscope show: expected files and an event index\n");
		cli_opts_help(stderr, &show_cmd);
		return EXIT_USAGE;
	}
	idx = argv[argc - 1];
	errno = 0;
	ev = strtoull(idx, &end, 10);
	if (*idx == '\0' || *idx == '-' || *end != '\0' || errno != 0) {
		fprintf(stderr, "nuscope show: the event index must be a whole "
		    "number from 0, not '%s'\n", idx);
		return EXIT_USAGE;
	}

	use_color = term_use_color(stdout, (enum term_color_when)args.color);
	/* colour maps need colour on and 256 colours (or a forced --color) */
	if (ascii || !use_color ||
	    (args.color == TERM_COLOR_AUTO && term_colors(stdout) < 256))
		ho.style = NU_HM_ASCII;
	if (fit) {
		ho.width = term_width(stdout) - NU_HEATMAP_MARGIN - 1;
		if (ho.width < 10)
			ho.width = 10;
	}
	term_style_init(&ts, use_color);

	st = nu_dataset_open(&ds, (const char *const *)argv + optind,
	    (size_t)(argc - optind - 1), &oo, &cause);
	if (st != NU_OK) {
		cli_error("show", st, cause);
		goto out;
	}
	if (ev >= nu_dataset_nevents(ds)) {
		fprintf(stderr, "nuscope show: event %llu is out of range: %s "
		    "hold%s %llu events (0-%llu)\n", ev,
		    nu_dataset_nfiles(ds) == 1 ? nu_dataset_file(ds, 0)->path :
		    "the files", nu_dataset_nfiles(ds) == 1 ? "s" : "",
		    (unsigned long long)nu_dataset_nevents(ds),
		    (unsigned long long)nu_dataset_nevents(ds) - 1);
		if (nu_dataset_nevents(ds) == 0)
			fprintf(stderr, "nuscope show: (there are no events to show)\n");
		goto out;
	}
	if ((st = nu_dataset_read_maps(ds, ev, 1, map, &cause)) != NU_OK) {
		cli_error("show", st, cause);
		goto out;
	}
	/* one scale for both views, so they compare */
	for (int i = 0; i < NU_MAP_BYTES; i++)
		if (map[i] > vmax)
			vmax = map[i];
	ho.vmax = vmax > 0 ? vmax : 1;

	for (int view = 0; view < NU_VIEWS; view++) {
		fprintf(stdout, "%s%s view%s  %s cell (vertical) vs plane (z, beam %s)\n",
		    ts.head, view == 0 ? "XZ" : "YZ", ts.reset, view == 0 ? "x" : "y",
		    utf8 ? "→" : "->");
		if ((text = nu_heatmap_render(map, view, &ho)) == NULL) {
			cli_error("show", NU_ERR_NOMEM, NULL);
			goto out;
		}
		fputs(text, stdout);
		free(text);
		text = NULL;
		view_stats(stdout, map, view);
	}
	if ((text = nu_heatmap_legend(&ho, ho.vmax)) != NULL) {
		fprintf(stdout, "  %s\n\n", text);
		free(text);
		text = NULL;
	}
	print_meta(stdout, ds, ev, utf8, &ts);
	rc = 0;     /* main() flushes and checks standard output */
out:
	free(cause);
	nu_dataset_free(ds);
	return rc;
}
