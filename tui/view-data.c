/*
 * view-data.c: the Data screen: the loaded files, the class balance by
 * interaction code, group and mode, and histograms of E_nu, E_lep and y,
 * all of the events the filter selects.  The numbers come from
 * nu_summary_dataset (the same as `nuscope info`); this file only draws.
 *
 * Every panel has a place at the smallest terminal (80x24): below 30 rows
 * the file list loses its blank line and the histogram is drawn in as
 * few as two rows of bars, in eighths of a cell where UTF-8 allows.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "labels.h"
#include "tui.h"

enum hist_kind { HIST_NUENERGY, HIST_LEPENERGY, HIST_Y, NHIST };

static struct {
	bool percent;           /* bars labelled in % instead of counts */
	enum hist_kind hist;
} data_state;

static const char *
hist_name(const struct tui *t, enum hist_kind h)
{
	switch (h) {
	case HIST_NUENERGY: return t->utf8 ? "E_ν (GeV)" : "E_nu (GeV)";
	case HIST_LEPENERGY: return t->utf8 ? "E_ℓ (GeV)" : "E_lep (GeV)";
	default: return t->utf8 ? "y = E_ℓ/E_ν" : "y = E_lep/E_nu";
	}
}

/* Horizontal bars: one row per label, from y for at most h rows. */
static void
draw_bars(struct tui *t, int y, int x, int w, int h, const char *title,
    const char *const *labels, const uint64_t *counts, int n, int lw)
{
	uint64_t max = 0, total = t->total.events;
	int bw = w - lw - 12, shown = 0;
	const char *block = t->utf8 ? "█" : "#";

	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_put(y, x, w, title);
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	for (int i = 0; i < n; i++)
		if (counts[i] > max)
			max = counts[i];
	for (int i = 0; i < n && shown < h - 1; i++, shown++) {
		int yy = y + 1 + shown, len;

		if (shown == h - 2 && i < n - 1) {
			tui_putf(yy, x, w, "  (+%d more: enlarge the window)", n - i);
			break;
		}
		tui_put(yy, x, lw, labels[i]);
		if (data_state.percent && total == 0)   /* no share of nothing */
			tui_putf(yy, x + lw, 11, "%10s", "-");
		else if (data_state.percent)
			tui_putf(yy, x + lw, 11, "%9.1f%%",
			    100.0 * (double)counts[i] / (double)total);
		else
			tui_putf(yy, x + lw, 11, "%10llu", (unsigned long long)counts[i]);
		if (bw <= 0 || max == 0)
			continue;
		len = (int)((double)counts[i] / (double)max * bw + 0.5);
		if (len == 0 && counts[i] > 0)
			len = 1;
		attron(COLOR_PAIR(t->colors ? TUI_PAIR_TITLE : 0));
		move(yy, x + lw + 12);
		for (int k = 0; k < len; k++)
			addstr(block);
		attroff(COLOR_PAIR(t->colors ? TUI_PAIR_TITLE : 0));
	}
}

/* A histogram as vertical bars over rows [y, y+h). */
static void
draw_hist(struct tui *t, int y, int x, int w, int h)
{
	const struct nu_stats *s = data_state.hist == HIST_NUENERGY ?
	    &t->total.nuenergy : data_state.hist == HIST_LEPENERGY ?
	    &t->total.lepenergy : &t->total.y;
	static const char *const eighths[] = { "", "▁", "▂", "▃", "▄", "▅",
		"▆", "▇" };
	uint64_t max = 0;
	/* a spare row above the message line when there is room */
	int bars = h >= 8 ? h - 3 : h - 2, bin_w, steps = t->utf8 ? 8 : 1;

	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_putf(y, x, w, "Histogram of %s", hist_name(t, data_state.hist));
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	if (s->n == 0 || s->nbins <= 0) {
		if (s->nonfinite > 0)
			tui_putf(y + 1, x, w, "  (no finite values; %llu not finite "
			    "(NaN/inf))", (unsigned long long)s->nonfinite);
		else
			tui_put(y + 1, x, w, "  (no values)");
		return;
	}
	tui_putf(y, x + 32, w - 32, "n %llu  min %.3g  median %.3g  max %.3g",
	    (unsigned long long)s->n, s->min, s->median, s->max);
	if (bars < 1)
		return;
	for (int i = 0; i < s->nbins; i++)
		if (s->hist[i] > max)
			max = s->hist[i];
	bin_w = (w - 12) / s->nbins;
	if (bin_w < 1)
		bin_w = 1;
	tui_putf(y + 1, x, 10, "%9llu", (unsigned long long)max);
	attron(COLOR_PAIR(t->colors ? TUI_PAIR_TITLE : 0));
	for (int i = 0; i < s->nbins; i++) {
		/* the height in steps: eighths of a row in UTF-8, else rows */
		int hgt = max ? (int)((double)s->hist[i] / (double)max * bars *
		    steps + 0.5) : 0;

		if (hgt == 0 && s->hist[i] > 0)
			hgt = 1;
		for (int r = 0; r * steps < hgt; r++) {
			int part = hgt - r * steps;
			const char *c = part >= steps ? (t->utf8 ? "█" : "#") :
			    eighths[part];

			for (int k = 0; k < bin_w - (bin_w > 1); k++)
				tui_put(y + bars - r, x + 11 + i * bin_w + k, 1, c);
		}
	}
	attroff(COLOR_PAIR(t->colors ? TUI_PAIR_TITLE : 0));
	tui_putf(y + bars + 1, x + 11, w - 11, "%-.3g", s->lo);
	tui_putf(y + bars + 1, x + 11 + s->nbins * bin_w - 6, 8, "%6.3g", s->hi);
	if (s->underflow + s->overflow > 0 && s->nonfinite > 0)
		tui_putf(y + bars + 1, x + 24, w - 40, "(%llu outside the range, "
		    "%llu not finite (NaN/inf))", (unsigned long long)(s->underflow +
		    s->overflow), (unsigned long long)s->nonfinite);
	else if (s->underflow + s->overflow > 0)
		tui_putf(y + bars + 1, x + 24, w - 40, "(%llu outside the range)",
		    (unsigned long long)(s->underflow + s->overflow));
	else if (s->nonfinite > 0)
		tui_putf(y + bars + 1, x + 24, w - 40, "(%llu not finite (NaN/inf), "
		    "not in the histogram)", (unsigned long long)s->nonfinite);
}

static void
data_draw(struct tui *t, int top, int rows, int cols)
{
	const char *labels[NU_NCODES + 1];
	char lbuf[NU_NCODES][48], size[32];
	uint64_t nfiles = t->ds ? nu_dataset_nfiles(t->ds) : 0, bytes = 0;
	uint64_t counts[NU_NCODES];
	int y = top, maxf, lw, left_w, mid_h, ncodes = 0;
	bool hide0;

	if (t->ds == NULL) {
		tui_put(y + 1, 2, cols - 4, "No files loaded.");
		tui_put(y + 3, 2, cols - 4, "Press a to add a file or directory of "
		    "NOvA-format HDF5 files,");
		tui_put(y + 4, 2, cols - 4, "or make the sample dataset with:");
		tui_put(y + 5, 4, cols - 6,
		    "nuscope sim -n 21003 --files 3 --seed 1 -o data/sample");
		return;
	}
	for (size_t i = 0; i < nfiles; i++)
		bytes += nu_dataset_file(t->ds, i)->size;

	/* files */
	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_putf(y, 0, cols, "Files: %llu, %llu events, %s", (unsigned long long)nfiles,
	    (unsigned long long)nu_dataset_nevents(t->ds), tui_size(bytes, size,
	    sizeof size));
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	if (t->where_text != NULL)
		tui_putf(y, 44, cols - 44, "filter: %s  (%llu selected)",
		    t->where_text, (unsigned long long)t->nselected);
	else
		tui_put(y, 44, cols - 44, "filter: none (/ to set one)");
	y++;
	maxf = rows >= 36 ? 4 : 2;
	for (size_t i = 0; i < nfiles && (int)i < maxf; i++) {
		const struct nu_fileinfo *fi = nu_dataset_file(t->ds, i);
		int pw = cols - 48;

		if (i == (size_t)maxf - 1 && nfiles > (size_t)maxf) {
			tui_putf(y++, 2, cols - 2, "... and %llu more files",
			    (unsigned long long)(nfiles - i));
			break;
		}
		if ((int)strlen(fi->path) > pw)
			tui_putf(y, 2, pw, "...%s", fi->path + strlen(fi->path) - (size_t)(pw - 3));
		else
			tui_put(y, 2, pw, fi->path);
		tui_putf(y, cols - 46, 46, "%9llu events %10s %9llu selected",
		    (unsigned long long)fi->nevents,
		    tui_size(fi->size, size, sizeof size),
		    (unsigned long long)(t->summary_ok && t->per_file ?
		    t->per_file[i].events : 0));
		y++;
	}
	if (rows >= 30)
		y++;
	if (!t->summary_ok) {
		tui_put(y, 2, cols - 2, "(no summary: see the message line)");
		return;
	}

	/* class balance: codes on the left, groups and modes on the right */
	/* the charts first (17 rows show every code, 14 the groups and
	 * modes), the histogram gets the rest: at 80x24 four rows */
	mid_h = rows - (y - top) - 5;
	if (mid_h > 17)
		mid_h = 17;
	if (mid_h < 14)
		mid_h = 14;
	left_w = cols / 2;
	lw = 22;
	/* when not every code has a row, the codes with no events give
	 * theirs up (the ντ codes, absent from the real files, at 80x24) */
	hide0 = mid_h - 1 < NU_NCODES && t->total.events > 0;
	for (int c = 0; c < NU_NCODES; c++) {
		if (hide0 && t->total.codes[c] == 0)
			continue;
		snprintf(lbuf[ncodes], sizeof lbuf[ncodes], "%2d %s", c,
		    t->utf8 ? nu_code_name_utf8((uint32_t)c) : nu_code_name((uint32_t)c));
		labels[ncodes] = lbuf[ncodes];
		counts[ncodes++] = t->total.codes[c];
	}
	hide0 = ncodes < NU_NCODES;
	draw_bars(t, y, 0, left_w - 1, mid_h,
	    data_state.percent ? (hide0 ? "By interaction code (%, 0s left out)" :
	    "By interaction code (%)") : hide0 ?
	    "By interaction code (0s left out)" : "By interaction code",
	    labels, counts, ncodes, lw);
	{
		const char *gl[NU_NGROUPS], *ml[NU_NMODES + 1];
		uint64_t mc[NU_NMODES + 1];

		for (int g = 0; g < NU_NGROUPS; g++)
			gl[g] = t->utf8 ? nu_group_name_utf8(g) : nu_group_name(g);
		for (int m = 0; m < NU_NMODES; m++) {
			ml[m] = nu_mode_name(m);
			mc[m] = t->total.modes[m];
		}
		ml[NU_NMODES] = "none";
		mc[NU_NMODES] = t->total.mode_none;
		draw_bars(t, y, left_w + 1, cols - left_w - 1, 7,
		    data_state.percent ? "By group (%)" : "By group",
		    gl, t->total.groups, NU_NGROUPS, 12);
		draw_bars(t, y + 7, left_w + 1, cols - left_w - 1, 7,
		    data_state.percent ? "By mode (%)" : "By mode",
		    ml, mc, NU_NMODES + 1, 12);
	}
	y += mid_h;
	draw_hist(t, y, 0, cols, top + rows - y);
}

static void
filter_done(struct tui *t, const char *text)
{
	tui_set_filter(t, text);
}

static void
add_done(struct tui *t, const char *text)
{
	if (text[0] == '\0')
		return;
	tui_add_paths(t, &text, 1);
}

static int
data_key(struct tui *t, int ch)
{
	switch (ch) {
	case '%': case 't':
		data_state.percent = !data_state.percent;
		return TUI_REDRAW;
	case 'h':
		data_state.hist = (data_state.hist + 1) % NHIST;
		return TUI_REDRAW;
	case '/': case 'f':
		tui_prompt(t, "filter (--where; empty clears)", t->where_text,
		    false, filter_done);
		return TUI_REDRAW;
	case 'F':
		tui_set_filter(t, NULL);
		return TUI_REDRAW;
	case 'a':
		tui_prompt(t, "add file or directory (Tab completes)", NULL, true,
		    add_done);
		return TUI_REDRAW;
	default:
		return TUI_UNHANDLED;
	}
}

const struct tui_view tui_view_data = {
	.name = "Data",
	.mnemonic = 'd',
	.keys = "t count/%  h histogram  / filter  F clear  a add",
	.help =
	    "t or %            counts or percentages in the bar charts\n"
	    "h                 histogram of E_nu, E_lep or y\n"
	    "/ or f            filter events (the --where language), e.g.\n"
	    "                    interaction == 13 && nuenergy > 10\n"
	    "                    mode == DIS || (group == nue && y < 0.3)\n"
	    "F                 clear the filter\n"
	    "a                 add a file or directory (Tab completes)",
	.draw = data_draw,
	.key = data_key,
	.reload = NULL,
};
