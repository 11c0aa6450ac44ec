/*
 * tui.c: the curses front end's framework: the terminal, the main loop,
 * the title and status bars, the message line, prompts, the help overlay,
 * and the state every screen shares (the dataset, its filter and summary).
 *
 * DESIGN: one function (draw) paints the whole screen from the state; key
 * handlers only change state and return TUI_* flags.  The loop poll()s
 * standard input and a wake pipe (for background work such as a trainer,
 * which must never call curses: it writes one byte to the pipe) with a
 * refresh timeout, then drains keys with a non-blocking getch().  The
 * headless mode (--headless KEYS --frames N, headless.c) runs the same
 * loop with curses writing to /dev/null at a fixed size, takes KEYS from a
 * script instead of the keyboard (its waits are conditions the loop polls
 * for) and prints the final screen as text, so tests and sanitizer builds
 * drive the loop users run.
 *
 * The message line says what the last action did: a key that changes
 * something and says nothing clears it, so no old message lingers.  Only
 * errors are highlighted and logged; hints, questions and "nothing to
 * do" are not errors.  Leaving asks first when something would be lost:
 * a training run (the on_quit hook) or unsaved architecture edits; q and
 * Ctrl-C (SIGINT, turned into a key by a flag and a byte on the wake
 * pipe) both go that way.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "headless.h"
#include "tui-entry.h"
#include "heatmap.h"
#include "term.h"
#include "tui.h"

#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24
#define TUI_HEADLESS_COLS 120
#define TUI_HEADLESS_ROWS 40
#define TUI_HIST_BINS 20
#define TUI_REFRESH_MS 1000

/* Draw at most this often when only background news arrives, so a
 * chatty worker cannot take the UI thread's core (keys still draw at
 * once). */
#define TUI_WAKE_MIN_MS 40

static const struct tui_view *const all_views[] = {
	&tui_view_data,
	&tui_view_events,
	&tui_view_arch,
	&tui_view_train,
	&tui_view_eval,
};

static const char tui_help_text[] =
    "usage: nuscope tui [OPTIONS] [FILES|DIRS|GLOBS...]\n"
    "\n"
    "The interactive program: explore the class balance and energies of\n"
    "NOvA-format files, and look at their events.  With no files it opens\n"
    "data/sample.\n"
    "\n"
    "options:\n"
    "  --ascii           draw events with an ASCII ramp instead of colour\n"
    "  --watch LOG       open the Training screen following the run that\n"
    "                    writes LOG (nuscope train --json-log LOG)\n"
    "  --headless KEYS   run without a terminal: feed KEYS, print the screen\n"
    "  --frames N        stop after drawing N frames\n"
    "  --size COLSxROWS  headless screen size (default 120x40)\n"
    "  -h, --help        this text\n"
    "\n"
    "KEYS is one key per character, with \\n (Enter), \\t (Tab), \\e (Esc),\n"
    "\\\\ and the tokens <UP> <DOWN> <LEFT> <RIGHT> <ENTER> <ESC> <TAB> <BS>\n"
    "<PGUP> <PGDN> <HOME> <END> <C-c> (Ctrl-C) <LT> ('<') and\n"
    "<RESIZE=COLSxROWS>;\n"
    "<WAIT=MS> waits MS milliseconds, <WAITRUN> until background work (a\n"
    "training run, an evaluation) has ended, and <WAITFOR=TEXT> until the\n"
    "screen shows TEXT (all at most 300 s).\n";

/* ---- messages and logging -------------------------------------------- */

/* Set the message line; highlight it when asked, and log it as log_as
 * ("error", "warning") when that is not NULL. */
static void
message_vset(struct tui *t, bool highlight, const char *log_as,
    const char *fmt, va_list ap)
{
	vsnprintf(t->message, sizeof t->message, fmt, ap);
	/* one line: newlines from causes would break the layout */
	for (char *p = t->message; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	t->message_error = highlight;
	t->message_gen++;
	if (log_as != NULL)
		tui_log("%s: %s", log_as, t->message);
}

static void __attribute__((format(printf, 4, 5)))
message_set(struct tui *t, bool highlight, const char *log_as,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message_vset(t, highlight, log_as, fmt, ap);
	va_end(ap);
}

void
tui_message(struct tui *t, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message_vset(t, error, error ? "error" : NULL, fmt, ap);
	va_end(ap);
}

static struct {
	pthread_mutex_t mu;
	char line[TUI_LOG_LINES][TUI_LOG_WIDTH];
	long n;                 /* lines ever logged */
} tlog = { .mu = PTHREAD_MUTEX_INITIALIZER };

void
tui_log(const char *fmt, ...)
{
	char text[TUI_LOG_WIDTH - 10], *slot;
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	for (char *p = text; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	localtime_r(&now, &tm);
	pthread_mutex_lock(&tlog.mu);
	slot = tlog.line[tlog.n % TUI_LOG_LINES];
	snprintf(slot, TUI_LOG_WIDTH, "%02d:%02d:%02d %s", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, text);
	tlog.n++;
	pthread_mutex_unlock(&tlog.mu);
}

int
tui_log_tail(char (*out)[TUI_LOG_WIDTH], int n)
{
	long first;
	int k = 0;

	pthread_mutex_lock(&tlog.mu);
	if (n > TUI_LOG_LINES)
		n = TUI_LOG_LINES;
	first = tlog.n > n ? tlog.n - n : 0;
	for (long i = first; i < tlog.n; i++)
		memcpy(out[k++], tlog.line[i % TUI_LOG_LINES], TUI_LOG_WIDTH);
	pthread_mutex_unlock(&tlog.mu);
	return k;
}

/* nu_log may also be called from background threads (a run being set
 * up, an evaluation): those messages go to the log only; the UI
 * thread's also go to the message line. */
static pthread_t ui_thread;

static void
log_to_message(enum nu_log_level level, const char *msg, void *ud)
{
	if (level == NU_LOG_DEBUG && getenv("NUSCOPE_DEBUG") == NULL)
		return;
	if (!pthread_equal(pthread_self(), ui_thread)) {
		if (level >= NU_LOG_WARN)
			tui_log("%s: %s", level >= NU_LOG_ERROR ? "error" : "warning", msg);
		return;
	}
	/* a warning is highlighted, and logged once, as a warning */
	message_set(ud, level >= NU_LOG_WARN, level >= NU_LOG_ERROR ? "error" :
	    level == NU_LOG_WARN ? "warning" : NULL, "%s", msg);
}

/* ---- small helpers the views share ----------------------------------- */

const char *
tui_cause_after(const char *cause, const char *path)
{
	size_t n = path != NULL ? strlen(path) : 0;

	if (cause != NULL && n > 0 && strncmp(cause, path, n) == 0 &&
	    cause[n] == ':' && cause[n + 1] == ' ')
		return cause + n + 2;
	return cause;
}

void
tui_put(int y, int x, int n, const char *s)
{
	int cols = 0;
	const char *p = s;

	if (n <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + n > COLS)
		n = COLS - x;
	/* count UTF-8 characters (every one nuscope draws is one column) */
	while (*p != '\0' && cols < n) {
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
		cols++;
	}
	mvaddnstr(y, x, s, (int)(p - s));
}

void
tui_putf(int y, int x, int n, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	tui_put(y, x, n, buf);
}

/* 60121 -> "60,121" */
const char *
tui_grouped(size_t v, char *buf, size_t len)
{
	return nu_grouped(v, buf, len);
}

const char *
tui_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

uint64_t
tui_random(struct tui *t)
{
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545F4914F6CDD1DULL;
}

bool
tui_selected(const struct tui *t, uint64_t ev)
{
	return t->keep == NULL || t->keep[ev];
}

void
tui_show(struct tui *t, const struct tui_view *v)
{
	for (int i = 0; i < t->nviews; i++)
		if (t->views[i] == v)
			t->view = i;
}

/* ---- the dataset, its filter and summary ----------------------------- */

/* Recompute what depends on the filter: keep[] and the summaries.  On
 * failure the message line says why and false is returned. */
static bool
recompute(struct tui *t, struct nu_where *w, uint8_t **keep_out,
    struct nu_summary **per_file_out, struct nu_summary *total, uint64_t *nsel)
{
	uint64_t n = t->ds != NULL ? nu_dataset_nevents(t->ds) : 0;
	uint8_t *keep = NULL;
	struct nu_summary *pf = NULL;
	char *cause = NULL;
	enum nu_status st;

	*nsel = n;
	if (t->ds == NULL) {
		*keep_out = NULL;
		*per_file_out = NULL;
		memset(total, 0, sizeof *total);
		return true;
	}
	if (w != NULL && n > 0) {
		if ((keep = malloc((size_t)n)) == NULL) {
			tui_message(t, true, "out of memory");
			return false;
		}
		st = nu_where_select(w, t->ds, 0, (size_t)n, keep, &cause);
		if (st != NU_OK)
			goto fail;
		*nsel = 0;
		for (uint64_t i = 0; i < n; i++)
			*nsel += keep[i];
	}
	pf = calloc(nu_dataset_nfiles(t->ds) + 1, sizeof *pf);
	if (pf == NULL) {
		free(keep);
		tui_message(t, true, "out of memory");
		return false;
	}
	st = nu_summary_dataset(t->ds, TUI_HIST_BINS, w, pf, total, &cause);
	if (st != NU_OK)
		goto fail;
	*keep_out = keep;
	*per_file_out = pf;
	return true;
fail:
	tui_message(t, true, "%s", cause != NULL ? cause : nu_strerror(st));
	free(cause);
	free(keep);
	free(pf);
	return false;
}

/* Background news (hook for view-train.c): let every view copy it. */
static void
views_tick(struct tui *t)
{
	for (int i = 0; i < t->nviews; i++)
		if (t->views[i]->tick != NULL)
			t->views[i]->tick(t);
}

static void
views_fini(struct tui *t)
{
	for (int i = 0; i < t->nviews; i++)
		if (t->views[i]->fini != NULL)
			t->views[i]->fini(t);
}

static void
views_reload(struct tui *t)
{
	for (int i = 0; i < t->nviews; i++)
		if (t->views[i]->reload != NULL)
			t->views[i]->reload(t);
}

bool
tui_set_filter(struct tui *t, const char *text)
{
	struct nu_where *w = NULL;
	struct nu_summary *pf = NULL, total;
	uint8_t *keep = NULL;
	uint64_t nsel;
	char *cause = NULL, *copy = NULL;
	enum nu_status st;

	while (text != NULL && *text == ' ')
		text++;
	if (text != NULL && *text != '\0') {
		if ((st = nu_where_compile(&w, text, &cause)) != NU_OK) {
			tui_message(t, true, "%s", cause != NULL ? cause : nu_strerror(st));
			free(cause);
			return false;
		}
		if ((copy = strdup(text)) == NULL) {
			nu_where_free(w);
			tui_message(t, true, "out of memory");
			return false;
		}
	}
	if (!recompute(t, w, &keep, &pf, &total, &nsel)) {
		nu_where_free(w);
		free(copy);
		return false;
	}
	nu_where_free(t->where);
	free(t->where_text);
	free(t->keep);
	free(t->per_file);
	t->where = w;
	t->where_text = copy;
	t->keep = keep;
	t->per_file = pf;
	t->total = total;
	t->nselected = nsel;
	t->summary_ok = t->ds != NULL;
	if (copy != NULL)
		tui_message(t, false, "filter: %llu of %llu events",
		    (unsigned long long)nsel,
		    (unsigned long long)(t->ds ? nu_dataset_nevents(t->ds) : 0));
	else
		tui_message(t, false, "filter cleared");
	views_reload(t);
	return true;
}

/* Open paths as the new dataset (keeping the old one on failure). */
static bool
load(struct tui *t, char **paths, size_t npaths)
{
	struct nu_open_opts oo = { .skip_bad = true };
	struct nu_dataset *ds = NULL;
	uint32_t *codes = NULL;
	char *cause = NULL;
	enum nu_status st;
	uint64_t n;

	st = nu_dataset_open(&ds, (const char *const *)paths, npaths, &oo, &cause);
	if (st == NU_OK && nu_dataset_nfiles(ds) == 0) {
		nu_dataset_free(ds);
		ds = NULL;
		st = nu_fail(&cause, NU_ERR_EMPTY, "no readable files in %s%s",
		    paths[npaths - 1], npaths > 1 ? " and the others" : "");
	}
	if (st != NU_OK) {
		tui_message(t, true, "%s", cause != NULL ? cause : nu_strerror(st));
		free(cause);
		return false;
	}
	n = nu_dataset_nevents(ds);
	if ((codes = calloc(n > 0 ? (size_t)n : 1, sizeof *codes)) == NULL) {
		nu_dataset_free(ds);
		tui_message(t, true, "out of memory");
		return false;
	}
	if (n > 0 && (st = nu_dataset_read_column(ds, NU_COL_INTERACTION, 0,
	    (size_t)n, NU_CT_U32, codes, &cause)) != NU_OK) {
		tui_message(t, true, "%s", cause != NULL ? cause : nu_strerror(st));
		free(cause);
		free(codes);
		nu_dataset_free(ds);
		return false;
	}
	nu_dataset_free(t->ds);
	free(t->codes);
	t->ds = ds;
	t->codes = codes;
	/* the filter is compiled again on the new files; a filter that
	 * cannot be evaluated on them is dropped */
	{
		char *text = t->where_text != NULL ? strdup(t->where_text) : NULL;

		if (!tui_set_filter(t, text)) {
			char keep_msg[sizeof t->message];

			memcpy(keep_msg, t->message, sizeof keep_msg);
			tui_set_filter(t, NULL);
			tui_message(t, true, "filter dropped: %s", keep_msg);
		}
		free(text);
	}
	if (!t->message_error || t->where_text != NULL)
		tui_message(t, false, "%zu file%s, %llu events loaded",
		    nu_dataset_nfiles(ds), nu_dataset_nfiles(ds) == 1 ? "" : "s",
		    (unsigned long long)n);
	if (nu_dataset_nskipped(ds) > 0) {
		const char *why;
		const char *p = nu_dataset_skipped(ds, 0, &why);
		tui_message(t, true, "skipped %zu bad file%s: %s: %s",
		    nu_dataset_nskipped(ds), nu_dataset_nskipped(ds) == 1 ? "" : "s",
		    p, tui_cause_after(why, p));
	}
	return true;
}

bool
tui_add_paths(struct tui *t, const char *const *add, size_t n)
{
	char **paths = calloc(t->npaths + n, sizeof *paths);
	size_t np = 0;

	if (paths == NULL) {
		tui_message(t, true, "out of memory");
		return false;
	}
	for (size_t i = 0; i < t->npaths; i++)
		paths[np++] = t->paths[i];
	for (size_t i = 0; i < n; i++)
		if ((paths[np++] = strdup(add[i])) == NULL)
			goto fail;
	if (!load(t, paths, np))
		goto fail;
	free(t->paths);
	t->paths = paths;
	t->npaths = np;
	return true;
fail:
	for (size_t i = t->npaths; i < np; i++)
		free(paths[i]);
	free(paths);
	if (!t->message_error)
		tui_message(t, true, "out of memory");
	return false;
}

/* ---- prompts ---------------------------------------------------------- */

void
tui_prompt(struct tui *t, const char *label, const char *initial,
    bool complete_paths, tui_prompt_fn done)
{
	t->prompt.active = true;
	t->prompt.label = label;
	t->prompt.done = done;
	t->prompt.complete_paths = complete_paths;
	t->prompt.check = NULL;
	t->prompt.choices = NULL;
	snprintf(t->prompt.buf, sizeof t->prompt.buf, "%s",
	    initial != NULL ? initial : "");
	t->prompt.len = strlen(t->prompt.buf);
}

void
tui_prompt_checked(struct tui *t, const char *label, const char *initial,
    const char *choices, tui_check_fn check, tui_prompt_fn done)
{
	tui_prompt(t, label, initial, false, done);
	t->prompt.check = check;
	t->prompt.choices = choices;
}

/* Tab in a prompt with choices: the next choice after the one typed (or
 * the first that starts with what is typed). */
static void
prompt_cycle(struct tui *t)
{
	const char *c = t->prompt.choices, *pick = NULL, *first = c;
	size_t len = t->prompt.len, n;

	for (const char *p = c; p != NULL && *p != '\0'; ) {
		n = strcspn(p, "|");
		if (n == len && strncmp(p, t->prompt.buf, len) == 0) {
			/* typed exactly: the next one, wrapping */
			pick = p[n] == '|' ? p + n + 1 : first;
			break;
		}
		if (pick == NULL && n > len && strncmp(p, t->prompt.buf, len) == 0)
			pick = p;
		p = p[n] == '|' ? p + n + 1 : NULL;
	}
	if (pick == NULL)
		pick = first;
	n = strcspn(pick, "|");
	if (n >= sizeof t->prompt.buf)
		return;
	memcpy(t->prompt.buf, pick, n);
	t->prompt.buf[n] = '\0';
	t->prompt.len = n;
}

/* Tab: complete the path typed so far to the longest common prefix of the
 * names that match, listing them on the message line when there are many. */
static void
prompt_complete(struct tui *t)
{
	char pat[sizeof t->prompt.buf + 2];
	glob_t g;
	size_t common, start = t->prompt.len;

	/* the last path of a list ("a.h5, b*"): after the last blank or comma */
	while (start > 0 && t->prompt.buf[start - 1] != ' ' &&
	    t->prompt.buf[start - 1] != ',')
		start--;
	snprintf(pat, sizeof pat, "%s*", t->prompt.buf + start);
	if (glob(pat, GLOB_MARK | GLOB_TILDE, NULL, &g) != 0) {
		tui_message(t, false, "no file matches %s", t->prompt.buf + start);
		return;
	}
	common = strlen(g.gl_pathv[0]);
	for (size_t i = 1; i < g.gl_pathc; i++) {
		size_t k = 0;

		while (k < common && g.gl_pathv[i][k] == g.gl_pathv[0][k])
			k++;
		common = k;
	}
	if (common >= t->prompt.len - start &&
	    start + common < sizeof t->prompt.buf) {
		memcpy(t->prompt.buf + start, g.gl_pathv[0], common);
		t->prompt.buf[start + common] = '\0';
		t->prompt.len = start + common;
	}
	if (g.gl_pathc > 1) {
		char list[sizeof t->message];
		size_t off = 0;

		for (size_t i = 0; i < g.gl_pathc && off + 2 < sizeof list; i++) {
			const char *base = strrchr(g.gl_pathv[i], '/');

			base = base != NULL && base[1] != '\0' ? base + 1 : g.gl_pathv[i];
			if (base[0] == '\0' || strcmp(base, "/") == 0)
				base = g.gl_pathv[i];
			off += (size_t)snprintf(list + off, sizeof list - off, "%s ",
			    base);
		}
		tui_message(t, false, "%zu matches: %s", g.gl_pathc, list);
	}
	globfree(&g);
}

static int
prompt_key(struct tui *t, int ch)
{
	switch (ch) {
	case 27:        /* Esc */
		t->prompt.active = false;
		return TUI_REDRAW;
	case '\n': case '\r': case KEY_ENTER:
		if (t->prompt.check != NULL) {
			char why[256];

			/* refused: the message line already says why (a
			 * hint, not an error: nothing is logged) */
			if (!t->prompt.check(t, t->prompt.buf, why, sizeof why)) {
				beep();
				return TUI_REDRAW;
			}
		}
		t->prompt.active = false;
		t->prompt.done(t, t->prompt.buf);
		return TUI_REDRAW;
	case KEY_BACKSPACE: case 127: case 8:
		/* drop one UTF-8 character */
		while (t->prompt.len > 0 &&
		    (t->prompt.buf[--t->prompt.len] & 0xc0) == 0x80)
			;
		t->prompt.buf[t->prompt.len] = '\0';
		return TUI_REDRAW;
	case 21:        /* ^U */
		t->prompt.len = 0;
		t->prompt.buf[0] = '\0';
		return TUI_REDRAW;
	case '\t':
		if (t->prompt.complete_paths)
			prompt_complete(t);
		else if (t->prompt.choices != NULL)
			prompt_cycle(t);
		return TUI_REDRAW;
	default:
		if (ch >= 32 && ch < 256 && ch != 127 &&
		    t->prompt.len + 1 < sizeof t->prompt.buf) {
			t->prompt.buf[t->prompt.len++] = (char)ch;
			t->prompt.buf[t->prompt.len] = '\0';
		}
		return TUI_REDRAW;
	}
}

/* ---- drawing ----------------------------------------------------------- */

static void
draw_title(struct tui *t)
{
	int x = 0;

	attrset(A_REVERSE | COLOR_PAIR(t->colors ? TUI_PAIR_TITLE : 0));
	mvhline(0, 0, ' ', COLS);
	tui_put(0, x, COLS, " nuscope ");
	x += 9;
	for (int i = 0; i < t->nviews && x < COLS; i++) {
		char buf[64];

		snprintf(buf, sizeof buf, " %d %s ", i + 1, t->views[i]->name);
		if (i == t->view)
			attron(A_BOLD);
		else
			attroff(A_BOLD);
		tui_put(0, x, COLS - x, i == t->view ? "[" : " ");
		tui_put(0, x + 1, COLS - x - 1, buf);
		x += 1 + (int)strlen(buf);
		tui_put(0, x, COLS - x, i == t->view ? "]" : " ");
		x += 1;
	}
	attroff(A_BOLD);
	if (COLS - x > 10)
		tui_put(0, COLS - 10, 10, "? help ");
	attrset(A_NORMAL);
}

static void
draw_status(struct tui *t)
{
	int y = LINES - 1;

	/* the message line; under a checked prompt, what its text lacks: a
	 * hint while typing, drawn plain and kept out of t->message and
	 * the log */
	move(LINES - 2, 0);
	clrtoeol();
	if (t->prompt.active && t->prompt.check != NULL) {
		char why[256], hint[sizeof why + 64];

		if (t->prompt.check(t, t->prompt.buf, why, sizeof why))
			snprintf(hint, sizeof hint, "ok%s%s%s",
			    t->prompt.choices ? "  (Tab: " : "",
			    t->prompt.choices ? t->prompt.choices : "",
			    t->prompt.choices ? ")" : "");
		else
			snprintf(hint, sizeof hint, "%s", why);
		tui_put(LINES - 2, 0, COLS, hint);
	} else {
		if (t->message_error)
			attrset(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_ERROR : 0));
		tui_put(LINES - 2, 0, COLS, t->message);
		attrset(A_NORMAL);
	}

	attrset(A_REVERSE | COLOR_PAIR(t->colors ? TUI_PAIR_BAR : 0));
	mvhline(y, 0, ' ', COLS);
	if (t->prompt.active) {
		int lw = (int)strlen(t->prompt.label) + 2;
		size_t len = t->prompt.len;
		const char *shown = t->prompt.buf;

		tui_putf(y, 0, COLS, "%s: ", t->prompt.label);
		/* keep the end of long input in view */
		if ((int)len > COLS - lw - 2)
			shown += len - (size_t)(COLS - lw - 2);
		attrset(A_NORMAL);
		mvhline(y, lw, ' ', COLS - lw);
		tui_put(y, lw, COLS - lw, shown);
		curs_set(1);
		move(y, lw + (int)strlen(shown));
		return;
	}
	curs_set(0);
	{
		/* the screen's keys as far as whole entries (separated by two
		 * blanks) fit, then the global ones */
		const char *keys = t->views[t->view]->keys;
		char tail[64];
		int room, len = (int)strlen(keys);

		snprintf(tail, sizeof tail, " | 1-%d screens  ? help  q quit", t->nviews);
		room = COLS - 1 - (int)strlen(tail);
		if (len > room) {
			snprintf(tail, sizeof tail, " | ? help");
			room = COLS - 1 - (int)strlen(tail);
			while (len > room) {
				const char *cut = keys + len - 1;

				while (cut > keys && !(cut[0] == ' ' && cut[-1] == ' '))
					cut--;
				len = cut > keys ? (int)(cut - keys) - 1 : 0;
				if (len == 0)
					break;
			}
		}
		tui_putf(y, 0, COLS, " %.*s%s", len, keys, tail);
	}
	attrset(A_NORMAL);
}

static void
draw_help(struct tui *t)
{
	const struct tui_view *v = t->views[t->view];
	const char *global[] = {
		"1-5               switch screen",
		"d e a t v         the same (Data, Events, Architecture, Training,",
		"                    Evaluation) where the screen has no such key",
		"?                 this help (any key closes it)",
		"!                 the log: errors, warnings and runs",
		"q, Ctrl-C         quit (asking first when a run or unsaved edits",
		"                    would be lost)",
		"Esc               cancel a prompt",
	};
	const char *lines[48];
	char buf[2048];
	int n = 0, w = 0, h, y0, x0;

	for (size_t i = 0; i < sizeof global / sizeof global[0]; i++)
		lines[n++] = global[i];
	lines[n++] = "";
	snprintf(buf, sizeof buf, "%s", v->help);
	for (char *p = strtok(buf, "\n"); p != NULL && n < 48; p = strtok(NULL, "\n"))
		lines[n++] = p;
	for (int i = 0; i < n; i++)
		if ((int)strlen(lines[i]) > w)
			w = (int)strlen(lines[i]);
	w += 4;
	h = n + 4;
	if (w > COLS - 2)
		w = COLS - 2;
	if (h > LINES - 2)
		h = LINES - 2;
	y0 = (LINES - h) / 2;
	x0 = (COLS - w) / 2;
	for (int y = 0; y < h; y++) {
		move(y0 + y, x0);
		for (int x = 0; x < w; x++)
			addch(' ');
	}
	attron(A_BOLD);
	mvhline(y0, x0, '-', w);
	mvhline(y0 + h - 1, x0, '-', w);
	mvvline(y0, x0, '|', h);
	mvvline(y0, x0 + w - 1, '|', h);
	tui_putf(y0, x0 + 2, w - 4, " Help: %s screen ", v->name);
	attroff(A_BOLD);
	for (int i = 0; i < n && i < h - 4; i++)
		tui_put(y0 + 2 + i, x0 + 2, w - 4, lines[i]);
}

/* The log overlay: the last lines that fit, newest at the bottom. */
static void
draw_log(void)
{
	int h = LINES - 4, w = COLS - 4, y0 = 2, x0 = 2, n;
	char (*lines)[TUI_LOG_WIDTH] = malloc((size_t)(h > 0 ? h : 1) *
	    sizeof *lines);

	if (lines == NULL || h < 3)
		goto out;
	for (int y = 0; y < h; y++)
		mvhline(y0 + y, x0, ' ', w);
	attron(A_BOLD);
	mvhline(y0, x0, '-', w);
	mvhline(y0 + h - 1, x0, '-', w);
	mvvline(y0, x0, '|', h);
	mvvline(y0, x0 + w - 1, '|', h);
	tui_put(y0, x0 + 2, w - 4, " Log: errors, warnings and runs (any key closes) ");
	attroff(A_BOLD);
	n = tui_log_tail(lines, h - 2);
	if (n == 0)
		tui_put(y0 + 1, x0 + 2, w - 4, "nothing yet");
	for (int i = 0; i < n; i++)
		tui_put(y0 + 1 + i, x0 + 2, w - 4, lines[i]);
out:
	free(lines);
}

static void
draw(struct tui *t)
{
	erase();
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS) {
		curs_set(0);
		tui_putf(0, 0, COLS, "nuscope needs a terminal of at least %dx%d;",
		    TUI_MIN_COLS, TUI_MIN_ROWS);
		tui_putf(1, 0, COLS, "this one is %dx%d.", COLS, LINES);
		tui_put(2, 0, COLS, "Enlarge the window, or press q to quit.");
		if (t->quit_asked)
			tui_put(4, 0, COLS, t->message);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	draw_title(t);
	t->views[t->view]->draw(t, 1, LINES - 3, COLS);
	attrset(A_NORMAL);
	if (t->help)
		draw_help(t);
	else if (t->log_view)
		draw_log();
	draw_status(t);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- keys --------------------------------------------------------------- */

/* q: quit, unless background work wants to ask first (on_quit hook). */
static int
quit_key(struct tui *t)
{
	return t->on_quit != NULL ? t->on_quit(t) : TUI_QUIT;
}

/* The answer to "quit anyway? y/n". */
static int
quit_answer(struct tui *t, int ch)
{
	switch (ch) {
	case 'y': case 'Y':
		t->quit_asked = false;
		return TUI_QUIT;
	case 'n': case 'N': case 27:
		t->quit_asked = false;
		t->interrupted = false;
		tui_message(t, false, "not quitting (s on the Architecture screen "
		    "saves the edits)");
		return TUI_REDRAW;
	default:
		return TUI_NONE;        /* the question stays */
	}
}

/* A key as the screens see it (no question pending). */
static int
dispatch_key(struct tui *t, int ch)
{
	int r;

	if (t->prompt.active)
		return prompt_key(t, ch);
	if (t->help || t->log_view) {
		t->help = t->log_view = false;
		return ch == 'q' ? quit_key(t) : TUI_REDRAW;
	}
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS)
		return ch == 'q' ? quit_key(t) : TUI_NONE;
	r = t->views[t->view]->key(t, ch);
	if (!(r & TUI_UNHANDLED))
		return r;
	if (ch == 'q')
		return quit_key(t);
	if (ch == '?') {
		t->help = true;
		return TUI_REDRAW;
	}
	if (ch == '!') {
		t->log_view = true;
		return TUI_REDRAW;
	}
	for (int i = 0; i < t->nviews; i++)
		if (ch == '1' + i || ch == t->views[i]->mnemonic) {
			t->view = i;
			return TUI_REDRAW;
		}
	return TUI_NONE;
}

static int
handle_key(struct tui *t, int ch)
{
	unsigned gen = t->message_gen;
	bool prompt = t->prompt.active, overlay = t->help || t->log_view;
	int r;

	if (ch == KEY_RESIZE)
		return TUI_REDRAW;
	if (t->quit_asked)
		return quit_answer(t, ch);
	if (ch == TUI_KEY_INTERRUPT) {
		/* Ctrl-C is q from anywhere: a prompt or an overlay closes */
		t->prompt.active = false;
		t->help = t->log_view = false;
		t->interrupted = true;
		r = quit_key(t);
	} else {
		r = dispatch_key(t, ch);
		/* a key that was no answer to a question Ctrl-C raised */
		if ((r & TUI_REDRAW) && !(r & TUI_QUIT))
			t->interrupted = false;
	}
	/* leaving (now, or once a run has stopped and saved) would lose the
	 * architecture's edits: ask */
	if ((r & TUI_QUIT) && tui_arch_unsaved()) {
		t->quit_asked = true;
		tui_message(t, false, "architecture has unsaved edits: quit anyway? "
		    "y/n");
		return TUI_REDRAW;
	}
	/* a key that changed something and said nothing: the message line
	 * no longer speaks of the present (keys typed into a prompt and the
	 * help and log overlays leave it) */
	if ((r & TUI_REDRAW) && !(r & TUI_QUIT) && t->message_gen == gen &&
	    !(prompt && t->prompt.active) && !overlay && !t->help &&
	    !t->log_view) {
		t->message[0] = '\0';
		t->message_error = false;
	}
	return r;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
tui_busy(const struct tui *t)
{
	for (int i = 0; i < TUI_NWAKE; i++)
		if (t->wake_fd[i] >= 0)
			return true;
	return false;
}

/* Fill p[0..TUI_NWAKE) with the wake descriptors (-1: poll ignores it). */
static void
wake_pollfds(const struct tui *t, struct pollfd *p)
{
	for (int i = 0; i < TUI_NWAKE; i++) {
		p[i].fd = t->wake_fd[i];
		p[i].events = POLLIN;
		p[i].revents = 0;
	}
}

/* ---- setting up the terminal ------------------------------------------ */

/* Direct colour (24-bit colour numbers, extended pairs) came with
 * ncurses 6.1. */
#if defined(NCURSES_EXT_FUNCS) && NCURSES_EXT_FUNCS >= 20180127
#define TUI_DIRECT_COLOR 1
#endif
/* Pairs the true-colour heatmap may hold at once (alloc_pair recycles). */
#define TUI_TRUECOLOR_PAIRS 4096

/* Whether the terminal takes 24-bit colour numbers: terminfo's RGB
 * capability (a flag, a number or a string) with 2^24 colours. */
static bool
direct_color(void)
{
#ifdef TUI_DIRECT_COLOR
	char *s;

	if (COLORS < 0x1000000)
		return false;
	if (tigetflag("RGB") > 0 || tigetnum("RGB") > 0)
		return true;
	s = tigetstr("RGB");
	return s != NULL && s != (char *)-1;
#else
	return false;
#endif
}

static void
colors_init(struct tui *t, bool ascii)
{
	const char *nc = getenv("NO_COLOR");
	bool direct = false;

	t->colors = 0;
	if (has_colors() && (nc == NULL || nc[0] == '\0') && start_color() == OK) {
		int bg = use_default_colors() == OK ? -1 : COLOR_BLACK;

		t->default_bg = bg;

		t->colors = COLORS >= 256 ? 256 : COLORS >= 8 ? 8 : 0;
		direct = direct_color();
		if (t->colors > 0) {
			init_pair(TUI_PAIR_TITLE, COLOR_CYAN, COLOR_BLACK);
			init_pair(TUI_PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
			init_pair(TUI_PAIR_ERROR, COLOR_RED, bg);
			init_pair(TUI_PAIR_HEAD, COLOR_YELLOW, bg);
			init_pair(TUI_PAIR_DIM, COLOR_BLUE, bg);
		}
	}
	/* the heatmap palette in intensity order: slot 0 is "no hit" */
	memset(t->map_slots, 0, sizeof t->map_slots);
	t->nmap_colors = 1;
	t->map_colors[0] = -1;
	for (int v = 1; v <= 255; v++) {
		int c = nu_heatmap_color(v, 255);

		if (c > 0 && c < 256 && t->map_slots[c] == 0 && t->nmap_colors < 32) {
			t->map_slots[c] = t->nmap_colors;
			t->map_colors[t->nmap_colors++] = c;
		}
	}
	/* colour numbers 8 and up are RGB values, not the xterm palette, on
	 * a direct-colour terminal: its fallback is the 8 basic colours */
	if (ascii || !t->utf8 || t->colors == 0)
		t->map_style = TUI_MAP_ASCII;
	else if (direct && COLOR_PAIRS > TUI_PAIR_MAP0 + TUI_TRUECOLOR_PAIRS)
		t->map_style = TUI_MAP_TRUECOLOR;
	else if (t->colors == 256 && !direct &&
	    COLOR_PAIRS > TUI_PAIR_MAP0 + t->nmap_colors * t->nmap_colors)
		t->map_style = TUI_MAP_BLOCK256;
	else if (COLOR_PAIRS > TUI_PAIR_MAP0 + 6 * 6)
		t->map_style = TUI_MAP_BLOCK8;
	else
		t->map_style = TUI_MAP_ASCII;
}

/* Ctrl-C in a terminal: SIGINT sets a flag and writes one byte to the
 * wake pipe, so the main loop's poll() returns whichever thread the
 * signal landed on; the loop then handles TUI_KEY_INTERRUPT.  Atomics:
 * the handler may run on a worker thread. */
static atomic_int sigint_pending;
static atomic_int sigint_fd = -1;

static void
on_sigint(int sig)
{
	int fd = atomic_load(&sigint_fd), saved = errno;

	(void)sig;
	atomic_store(&sigint_pending, 1);
	if (fd >= 0) {
		char c = 0;

		if (write(fd, &c, 1) < 0) {
			/* a full pipe is already a wake-up */
		}
	}
	errno = saved;
}

/* SIGTERM and SIGHUP (a kill, a closed terminal window): no question
 * asked; the loop ends as after q and y, so a run stops and saves its
 * model and the terminal is given back as it was, and the program exits
 * with 128 + the signal's number.  The same wake pipe as Ctrl-C's. */
static atomic_int sigterm_pending;

static void
on_sigterm(int sig)
{
	int fd = atomic_load(&sigint_fd), saved = errno;

	atomic_store(&sigterm_pending, sig);
	if (fd >= 0) {
		char c = 0;

		if (write(fd, &c, 1) < 0) {
			/* a full pipe is already a wake-up */
		}
	}
	errno = saved;
}

/* What tui_terminal_giveback needs, taken while the screen goes up: the
 * shell's line mode and the terminal's own "leave the screen, show the
 * cursor, plain text" strings. */
static volatile sig_atomic_t screen_up;
static struct termios shell_mode;
static bool shell_mode_known;
static char leave_seq[256];
static size_t leave_len;

static void
giveback_prepare(void)
{
	const char *caps[] = { "sgr0", "cnorm", "rmcup" };

	leave_len = 0;
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		const char *v = tigetstr((char *)caps[i]);
		size_t n;

		if (v == NULL || v == (char *)-1)
			continue;
		n = strlen(v);
		if (n < sizeof leave_seq - leave_len) {
			memcpy(leave_seq + leave_len, v, n);
			leave_len += n;
		}
	}
}

void
tui_terminal_giveback(void)
{
	if (!screen_up)
		return;
	screen_up = 0;
	if (leave_len > 0)
		(void)!write(STDOUT_FILENO, leave_seq, leave_len);
	(void)!write(STDOUT_FILENO, "\r\n", 2);
	if (shell_mode_known)
		tcsetattr(STDIN_FILENO, TCSANOW, &shell_mode);
}

/* The terminal, or NULL with a message that names $TERM when curses has
 * no entry for it (initscr would print a terse line and exit). */
static SCREEN *
terminal_screen(void)
{
	const char *term = getenv("TERM");
	SCREEN *s;

	if (term == NULL || term[0] == '\0') {
		fprintf(stderr, "nuscope tui: TERM is not set, so the terminal "
		    "type is unknown; set it, e.g. TERM=xterm-256color\n");
		return NULL;
	}
	if ((s = newterm(NULL, stdout, stdin)) == NULL)
		fprintf(stderr, "nuscope tui: the terminal type '%s' (TERM) is "
		    "not known to curses (no terminfo entry for it).\n"
		    "On Debian and Ubuntu the package ncurses-term has the "
		    "entries of most terminals (sudo apt-get install "
		    "ncurses-term);\nor use a type this system knows, e.g. "
		    "TERM=xterm-256color.\n", term);
	return s;
}

static void
tui_free(struct tui *t)
{
	for (size_t i = 0; i < t->npaths; i++)
		free(t->paths[i]);
	free(t->paths);
	nu_dataset_free(t->ds);
	free(t->codes);
	free(t->keep);
	nu_where_free(t->where);
	free(t->where_text);
	free(t->per_file);
}

/* The command line of `nuscope tui`. */
struct tui_args {
	const char *script, *watch;
	bool ascii;
	long frames;
	int cols, rows;
};

/* Parse the options into a; -1 to go on, else the status to exit with
 * (after the help, or a usage error said). */
static int
parse_args(int argc, char **argv, struct tui_args *a)
{
	static const struct option longopts[] = {
		{ "ascii", no_argument, NULL, 'a' },
		{ "watch", required_argument, NULL, 'W' },
		{ "headless", required_argument, NULL, 'H' },
		{ "frames", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	char *end;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a': a->ascii = true; break;
		case 'W': a->watch = optarg; break;
		case 'H': a->script = optarg; break;
		case 'n':
			errno = 0;
			a->frames = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    a->frames < 1 || a->frames > 1000000) {
				fprintf(stderr, "nuscope tui: --frames expects a whole "
				    "number from 1 to 1000000, not '%s'\n", optarg);
				return TUI_EXIT_USAGE;
			}
			break;
		case 's':
			if (sscanf(optarg, "%dx%d", &a->cols, &a->rows) != 2 ||
			    a->cols < 1 || a->rows < 1 || a->cols > 1000 || a->rows > 1000) {
				fprintf(stderr, "nuscope tui: --size expects COLSxROWS "
				    "such as 120x40, not '%s'\n", optarg);
				return TUI_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(tui_help_text, stdout);
			return 0;
		default:
			fprintf(stderr, "nuscope tui: unknown option '%s'\n%s",
			    argv[optind - 1], tui_help_text);
			return TUI_EXIT_USAGE;
		}
	}
	return -1;
}

/* Check the options that need no screen: -1 to go on (with --headless's
 * keys parsed into *sc, *nkeys of them), else the status to exit with. */
static int
check_args(const struct tui_args *a, struct tui_script **sc, int *nkeys)
{
	const char *bad = NULL;

	if (a->script != NULL && (*nkeys = tui_script_parse(a->script, sc, &bad)) < 0) {
		if (bad != NULL)
			fprintf(stderr, "nuscope tui: --headless: unknown escape "
			    "'%.2s' (use \\n \\t \\e \\\\)\n", bad);
		else
			fprintf(stderr, "nuscope tui: %s\n", nu_strerror(NU_ERR_NOMEM));
		return TUI_EXIT_USAGE;
	}
	if (a->watch != NULL && access(a->watch, R_OK) != 0) {
		/* said before the screen is taken; the screen follows the
		 * log's removal and rewriting from then on */
		fprintf(stderr, "nuscope tui: --watch: %s: %s\n", a->watch, strerror(errno));
		return 1;
	}
	if (a->script == NULL && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "nuscope tui: needs a terminal (or --headless KEYS)\n");
		return TUI_EXIT_USAGE;
	}
	return -1;
}

/* The screen a session draws on and what was changed to run it, given
 * back by session_close. */
struct session {
	SCREEN *scr;
	FILE *hout, *hin;               /* the off-screen terminal's */
	int wake[2];                    /* signal handlers -> poll() */
	struct sigaction old_int, old_term, old_hup;
	bool caught, caught_term;
};

/* Take the terminal (or, headless, an off-screen one of cols x rows) and
 * the signals; false (said) when there is no screen. */
static bool
session_open(struct session *se, bool headless, int cols, int rows)
{
	if (headless) {
		se->hout = fopen("/dev/null", "w");
		se->hin = fopen("/dev/null", "r");
		if (se->hout == NULL || se->hin == NULL ||
		    (se->scr = tui_headless_screen(se->hout, se->hin)) == NULL) {
			fprintf(stderr, "nuscope tui: cannot set up an off-screen "
			    "terminal (is terminfo installed?)\n");
			return false;
		}
		resize_term(rows, cols);
	} else {
		struct sigaction sa;

		/* the shell's mode, before curses touches it */
		shell_mode_known = tcgetattr(STDIN_FILENO, &shell_mode) == 0;
		if ((se->scr = terminal_screen()) == NULL)
			return false;
		giveback_prepare();
		screen_up = 1;
		if (pipe(se->wake) != 0)
			se->wake[0] = se->wake[1] = -1;
		/* no SA_RESTART: the main loop's poll() returns at once */
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigint;
		sigemptyset(&sa.sa_mask);
		atomic_store(&sigint_pending, 0);
		atomic_store(&sigint_fd, se->wake[1]);
		se->caught = sigaction(SIGINT, &sa, &se->old_int) == 0;
		atomic_store(&sigterm_pending, 0);
		sa.sa_handler = on_sigterm;
		se->caught_term = sigaction(SIGTERM, &sa, &se->old_term) == 0 &&
		    sigaction(SIGHUP, &sa, &se->old_hup) == 0;
	}
	return true;
}

/* Give back the terminal and the signals (after views_fini: background
 * work stops before the screen goes). */
static void
session_close(struct session *se)
{
	if (se->scr != NULL) {
		screen_up = 0;
		if (!isendwin())
			endwin();
	}
	if (se->caught_term) {
		sigaction(SIGTERM, &se->old_term, NULL);
		sigaction(SIGHUP, &se->old_hup, NULL);
	}
	if (se->caught) {
		sigaction(SIGINT, &se->old_int, NULL);
		atomic_store(&sigint_fd, -1);
	}
}

/* The rest of session_close, once the log no longer reaches the screen. */
static void
session_free(struct session *se)
{
	if (se->scr != NULL)
		delscreen(se->scr);
	if (se->hout != NULL)
		fclose(se->hout);
	if (se->hin != NULL)
		fclose(se->hin);
	if (se->wake[0] >= 0) {
		close(se->wake[0]);
		close(se->wake[1]);
	}
}

/* What to open: the arguments, else the sample dataset; and the run a
 * --watch names. */
static void
open_start(struct tui *t, const char *const *paths, size_t npaths, const char *watch)
{
	if (npaths > 0) {
		tui_add_paths(t, paths, npaths);
	} else if (watch == NULL) {     /* a watched run needs no events */
		struct stat sb;

		if (stat("data/sample", &sb) == 0 && S_ISDIR(sb.st_mode)) {
			const char *sample = "data/sample";

			tui_add_paths(t, &sample, 1);
		} else {
			tui_message(t, false, "no files given and no data/sample: "
			    "make it with 'nuscope sim -n 21003 --files 3 --seed 1 "
			    "-o data/sample', or press a to add files");
		}
	}
	views_reload(t);
	if (watch != NULL)
		tui_train_watch(t, watch);
}

/*
 * One loop for the keyboard and for a headless script (sc; NULL on a
 * terminal, whose wake pipe is read end wake).  Each turn sleeps in
 * poll() until a key, a signal, news from background work (its
 * descriptors are left out for TUI_WAKE_MIN_MS after a draw), the refresh
 * timer or the script's next due key; then ticks the views, handles the
 * signals and the keys, and draws.  A script gives one key a turn (a draw
 * between keys, as a person typing gets) and its waits are conditions
 * polled here; frames (< 0: no limit) counts the turns that gave a key or
 * ended a wait.  Returns whether the program was asked to quit; *term_sig
 * is the SIGTERM or SIGHUP that ended it, or 0.
 */
static bool
run_loop(struct tui *t, struct tui_script *sc, long frames, int wake, int *term_sig)
{
	long drawn = 0, last_draw;
	bool quit = false;

	draw(t);
	drawn++;
	last_draw = now_ms();
	if (sc == NULL)
		nodelay(stdscr, TRUE);
	while (!quit && (frames < 0 || drawn < frames)) {
		struct pollfd pfd[2 + TUI_NWAKE];
		long since = now_ms() - last_draw;
		int ch = TUI_SCRIPT_WAITING, flags = 0, npfd = 0;
		int timeout = TUI_REFRESH_MS;
		bool turn = sc == NULL;         /* counts toward --frames */

		if (sc != NULL) {
			/* a due key needs no sleep */
			if ((ch = tui_script_next(sc, t, &timeout)) == TUI_SCRIPT_END)
				break;
			if (t->refresh_ms > 0 && timeout > t->refresh_ms)
				timeout = t->refresh_ms;
		} else {
			if (t->refresh_ms > 0 && timeout > t->refresh_ms)
				timeout = t->refresh_ms;
			pfd[npfd++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
			pfd[npfd++] = (struct pollfd){ .fd = wake, .events = POLLIN };
		}
		if (tui_busy(t) && since >= TUI_WAKE_MIN_MS) {
			wake_pollfds(t, pfd + npfd);
			npfd += TUI_NWAKE;
		} else if (tui_busy(t) && TUI_WAKE_MIN_MS - since < timeout) {
			timeout = (int)(TUI_WAKE_MIN_MS - since);
		}
		if (ch == TUI_SCRIPT_WAITING || sc == NULL) {
			if (poll(pfd, (nfds_t)npfd, timeout) > 0 && sc == NULL &&
			    (pfd[1].revents & POLLIN)) {
				char drain[64];

				if (read(wake, drain, sizeof drain) > 0)
					flags |= TUI_REDRAW;
			}
		}
		views_tick(t);
		if ((*term_sig = atomic_exchange(&sigterm_pending, 0)) != 0) {
			quit = true;
			break;
		}
		if (atomic_exchange(&sigint_pending, 0)) {
			flags |= handle_key(t, TUI_KEY_INTERRUPT);
			if (flags & TUI_QUIT) {
				quit = true;
				break;
			}
		}
		if (sc != NULL) {
			if (ch != TUI_SCRIPT_WAITING) {
				flags |= handle_key(t, ch);
				views_tick(t);
			}
			/* a key, or a wait just ended (tui_script_next says so
			 * by asking for no sleep) */
			turn = ch != TUI_SCRIPT_WAITING || timeout == 0;
			if (flags & TUI_QUIT)
				quit = true;
		} else {
			/* EINTR from SIGWINCH lands here too: getch() then
			 * returns KEY_RESIZE */
			while ((ch = getch()) != ERR) {
				flags |= handle_key(t, ch);
				if (flags & TUI_QUIT) {
					quit = true;
					break;
				}
			}
		}
		if (quit)
			break;
		draw(t);
		drawn += turn;
		last_draw = now_ms();
	}
	if (sc != NULL) {
		/* idle frames, as a terminal would draw on its refresh timer */
		while (!quit && drawn < frames) {
			draw(t);
			drawn++;
		}
		tui_print_screen(stdout);
	}
	return quit;
}

int
cmd_tui(int argc, char **argv)
{
	struct tui t = { .threshold = NAN };
	struct tui_script *sc = NULL;
	struct session se = { .wake = { -1, -1 } };
	int nkeys = 0, rc, term_sig = 0;
	bool quit;
	nu_log_fn old_log;
	void *old_log_ud;
	struct tui_args args = { .frames = -1, .cols = TUI_HEADLESS_COLS,
	    .rows = TUI_HEADLESS_ROWS };

	if ((rc = parse_args(argc, argv, &args)) >= 0)
		return rc;
	if ((rc = check_args(&args, &sc, &nkeys)) >= 0)
		return rc;
	rc = 0;

	for (int i = 0; i < TUI_NWAKE; i++)
		t.wake_fd[i] = -1;
	ui_thread = pthread_self();
	t.views = all_views;
	t.nviews = (int)(sizeof all_views / sizeof all_views[0]);
	t.utf8 = term_utf8();
	t.rng = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL | 1;
	/* the messages go to the message line until the program ends */
	nu_log_get(&old_log, &old_log_ud);
	nu_log_set(log_to_message, &t);

	if (!session_open(&se, args.script != NULL, args.cols, args.rows)) {
		rc = 1;
		goto out;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	colors_init(&t, args.ascii);
	open_start(&t, (const char *const *)argv + optind,
	    optind < argc ? (size_t)(argc - optind) : 0, args.watch);

	/* a script's keys each end a turn, and a last turn shows the result */
	if (args.script != NULL && args.frames < 0)
		args.frames = nkeys + 1;
	quit = run_loop(&t, sc, args.frames, se.wake[0], &term_sig);
	/* Ctrl-C that ended the program (answered or not asked): 130 */
	if (quit && t.interrupted)
		rc = TUI_EXIT_INTERRUPTED;
	if (term_sig != 0)
		rc = 128 + term_sig;
out:
	views_fini(&t);         /* stop background work before the screen goes */
	session_close(&se);
	nu_log_set(old_log, old_log_ud);
	session_free(&se);
	tui_script_free(sc);
	tui_free(&t);
	return rc;
}
