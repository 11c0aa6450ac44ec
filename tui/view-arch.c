/*
 * view-arch.c: the Architecture screen: the network being designed, as
 * the layer list of the branches (one per view), the merge and the head,
 * with each layer's output shape, parameters and FLOPs; below it the keys
 * of the selected section.  Every edit goes through src/archedit.c, which
 * checks values against the key tables as they are typed and rebuilds the
 * network after each change, exactly as `nuscope train` will build it.
 *
 * The architecture is shared: the Training screen trains what this screen
 * shows (tui_arch), saved or not.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "archedit.h"
#include "tui.h"

#ifndef NU_ARCHDIR
#define NU_ARCHDIR "/usr/local/share/nuscope/arch"
#endif
#define ARCH_UNDO 64
#define ARCH_DEFAULT_PRESET "seed1.arch"

/* When no preset can be found: a small valid network. */
static const char fallback_text[] =
    "# a small two-view network (nuscope's built-in starting point)\n"
    "[net]\nversion = 1\nname = small\ntask = numu-cc\nviews = both\n"
    "branches = separate\n\n"
    "[conv]\nfilters = 8\nkernel = 3x3\npadding = same\nactivation = relu\n\n"
    "[maxpool]\nsize = 2x2\n\n"
    "[merge]\naxis = features\n\n"
    "[dense]\nunits = 1\nactivation = sigmoid\n\n"
    "[train]\n";

static struct {
	struct nu_arched *e;               /* the architecture; owned */
	struct nu_arched *undo[ARCH_UNDO]; /* earlier states, oldest first */
	int nundo;
	int sel;                        /* selected section */
	int key;                        /* selected key in the key pane */
	bool keys_focus;                /* arrows move in the key pane */
	int top, ktop;                  /* first shown row of each list */
	/* the key being edited by a prompt */
	int edit_sec, edit_key;
	char dir[PATH_MAX];             /* where the presets are, or "" */
	char presets[1024];             /* their names, "a.arch|b.arch" */
} ar;

/* ---- the shared architecture ------------------------------------------------ */

/* Find the preset directory: $NUSCOPE_ARCHDIR, next to the program in a
 * source tree (build/nuscope -> assets/arch), where `make install` put
 * it, or under the current directory. */
static void
find_presets(void)
{
	char exe[PATH_MAX], cand[4][PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	const char *env = getenv("NUSCOPE_ARCHDIR");
	int nc = 0;

	if (ar.dir[0] != '\0')
		return;
	/* a candidate too long for a path is no candidate */
	if (env != NULL && env[0] != '\0' &&
	    snprintf(cand[nc], sizeof cand[0], "%s", env) < (int)sizeof cand[0])
		nc++;
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			if (snprintf(cand[nc], sizeof cand[0], "%s/../assets/arch",
			    exe) < (int)sizeof cand[0])
				nc++;
		}
	}
	if (snprintf(cand[nc], sizeof cand[0], "%s", NU_ARCHDIR) < (int)sizeof cand[0])
		nc++;
	snprintf(cand[nc++], sizeof cand[0], "assets/arch");
	for (int i = 0; i < nc; i++) {
		char pat[PATH_MAX + 16];
		glob_t g;
		size_t off = 0;

		if (snprintf(pat, sizeof pat, "%s/*.arch", cand[i]) >= (int)sizeof pat ||
		    glob(pat, 0, NULL, &g) != 0)
			continue;
		if (realpath(cand[i], ar.dir) == NULL)
			memcpy(ar.dir, cand[i], sizeof ar.dir);
		ar.presets[0] = '\0';
		for (size_t j = 0; j < g.gl_pathc && off < sizeof ar.presets; j++) {
			const char *b = strrchr(g.gl_pathv[j], '/');

			off += (size_t)snprintf(ar.presets + off, sizeof ar.presets - off,
			    "%s%s", off ? "|" : "", b != NULL ? b + 1 : g.gl_pathv[j]);
		}
		globfree(&g);
		return;
	}
}

struct nu_arched *
tui_arch(struct tui *t)
{
	char path[PATH_MAX + 64], *cause = NULL;

	(void)t;
	if (ar.e != NULL)
		return ar.e;
	find_presets();
	snprintf(path, sizeof path, "%s/%s", ar.dir, ARCH_DEFAULT_PRESET);
	if (ar.dir[0] == '\0' || nu_arched_load(&ar.e, path, &cause) != NU_OK) {
		free(cause);
		cause = NULL;
		if (nu_arched_from_text(&ar.e, "small.arch", fallback_text, &cause) != NU_OK) {
			/* only out of memory: the screens say there is none */
			free(cause);
			return NULL;
		}
	}
	ar.sel = 1;
	return ar.e;
}

/* Keep the current state for u (undo); call before every change. */
static void
remember(void)
{
	struct nu_arched *d = nu_arched_dup(ar.e);

	if (d == NULL)
		return;
	if (ar.nundo == ARCH_UNDO) {
		nu_arched_free(ar.undo[0]);
		memmove(ar.undo, ar.undo + 1, (ARCH_UNDO - 1) * sizeof ar.undo[0]);
		ar.nundo--;
	}
	ar.undo[ar.nundo++] = d;
}

/* The edit did not happen: drop the state remember() kept for it. */
static void
forget(void)
{
	if (ar.nundo > 0)
		nu_arched_free(ar.undo[--ar.nundo]);
}

static void
clamp_sel(void)
{
	if (ar.sel >= ar.e->nsec)
		ar.sel = ar.e->nsec - 1;
	if (ar.sel < 0)
		ar.sel = 0;
	ar.key = 0;
	ar.ktop = 0;
}

/* Replace the architecture (a file opened, a preset, undo). */
static void
replace(struct nu_arched *e)
{
	nu_arched_free(ar.e);
	ar.e = e;
	clamp_sel();
}

/* What is wrong, without the "file:line: " the marked section gives. */
static const char *
error_text(void)
{
	return ar.e->error_what != NULL ? ar.e->error_what : "?";
}

/* Tell the user how the network stands after an edit. */
static void
say_state(struct tui *t, const char *what)
{
	if (ar.e->net != NULL)
		tui_message(t, false, "%s: %zu parameters, %.1f MFLOPs per event",
		    what, ar.e->net->nparams, ar.e->net->flops / 1e6);
	else
		tui_message(t, true, "%s; the network is not valid: %s", what,
		    error_text());
}

/* ---- editing keys -------------------------------------------------------------- */

static int
nkeys(int sec)
{
	int n = 0;

	while (ar.e->sec[sec].kind->keys[n].name != NULL)
		n++;
	return n;
}

static bool
value_check(struct tui *t, const char *text, char *why, size_t wlen)
{
	(void)t;
	if (ar.edit_sec < 0 || ar.edit_sec >= ar.e->nsec) {
		snprintf(why, wlen, "the section is gone");
		return false;
	}
	return nu_arched_check(ar.e, ar.edit_sec, ar.e->sec[ar.edit_sec].kind->
	    keys[ar.edit_key].name, text, why, wlen);
}

static void
value_done(struct tui *t, const char *text)
{
	const struct nu_arch_kind *k = ar.e->sec[ar.edit_sec].kind;
	char *cause = NULL, what[128];

	remember();
	if (nu_arched_set(ar.e, ar.edit_sec, k->keys[ar.edit_key].name, text,
	    &cause) != NU_OK) {
		forget();
		tui_message(t, true, "%s", cause != NULL ? cause : "cannot set");
		free(cause);
		return;
	}
	snprintf(what, sizeof what, "[%s] %s = %s", k->name, k->keys[ar.edit_key].name,
	    text[0] != '\0' ? text : "(default)");
	say_state(t, what);
}

/* The choices a key's prompt cycles with Tab. */
static const char *
key_choices(const struct nu_arch_key *k)
{
	if (k->type == NU_ARCH_ENUM)
		return k->choices;
	if (k->type == NU_ARCH_BOOL)
		return "yes|no";
	return NULL;
}

void
tui_arch_edit(struct tui *t, int sec, int key)
{
	const struct nu_arch_key *k;
	static char label[160];

	if (tui_arch(t) == NULL || sec < 0 || sec >= ar.e->nsec || key < 0 ||
	    key >= nkeys(sec))
		return;
	k = &ar.e->sec[sec].kind->keys[key];
	ar.edit_sec = sec;
	ar.edit_key = key;
	snprintf(label, sizeof label, "[%s] %s%s", ar.e->sec[sec].kind->name, k->name,
	    k->def == NULL ? "" : " (empty: default)");
	tui_prompt_checked(t, label, nu_arched_value(ar.e, sec, key), key_choices(k),
	    value_check, value_done);
}

void
tui_arch_cycle(struct tui *t, int sec, int key)
{
	const struct nu_arch_key *k;
	const char *choices, *cur, *p;
	char next[64], *cause = NULL, what[128];
	size_t n;

	if (tui_arch(t) == NULL || sec < 0 || sec >= ar.e->nsec || key < 0 ||
	    key >= nkeys(sec))
		return;
	k = &ar.e->sec[sec].kind->keys[key];
	if ((choices = key_choices(k)) == NULL) {
		tui_arch_edit(t, sec, key);
		return;
	}
	cur = nu_arched_value(ar.e, sec, key);
	if (k->type == NU_ARCH_BOOL)
		cur = (!strcmp(cur, "yes") || !strcmp(cur, "true") || !strcmp(cur, "on") ||
		    !strcmp(cur, "1")) ? "yes" : "no";
	/* the choice after the current one, wrapping */
	p = choices;
	for (;;) {
		n = strcspn(p, "|");
		if (n == strlen(cur) && strncmp(p, cur, n) == 0) {
			p = p[n] == '|' ? p + n + 1 : choices;
			break;
		}
		if (p[n] != '|') {
			p = choices;
			break;
		}
		p += n + 1;
	}
	snprintf(next, sizeof next, "%.*s", (int)strcspn(p, "|"), p);
	remember();
	if (nu_arched_set(ar.e, sec, k->name, next, &cause) != NU_OK) {
		forget();
		tui_message(t, true, "%s", cause != NULL ? cause : "cannot set");
		free(cause);
		return;
	}
	snprintf(what, sizeof what, "[%s] %s = %s", ar.e->sec[sec].kind->name,
	    k->name, next);
	say_state(t, what);
}

/* ---- files ---------------------------------------------------------------------- */

static void
open_done(struct tui *t, const char *text)
{
	struct nu_arched *e = NULL;
	char *cause = NULL;

	if (text[0] == '\0')
		return;
	if (nu_arched_load(&e, text, &cause) != NU_OK) {
		tui_message(t, true, "%s", cause != NULL ? cause : "cannot read");
		free(cause);
		return;
	}
	remember();
	replace(e);
	ar.sel = 1;
	say_state(t, text);
}

void
tui_arch_open(struct tui *t, const char *path)
{
	if (tui_arch(t) != NULL)
		open_done(t, path);
}

static bool
preset_check(struct tui *t, const char *text, char *why, size_t wlen)
{
	const char *p = ar.presets;
	size_t n = strlen(text);

	(void)t;
	while (*p != '\0') {
		size_t m = strcspn(p, "|");

		if (m == n && strncmp(p, text, n) == 0)
			return true;
		p += m + (p[m] == '|');
	}
	snprintf(why, wlen, "no preset '%s'; Tab cycles %s", text, ar.presets);
	return false;
}

static void
preset_done(struct tui *t, const char *text)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s", ar.dir, text);
	open_done(t, path);
}

static void
save_done(struct tui *t, const char *text)
{
	char *cause = NULL;

	if (text[0] == '\0')
		return;
	if (nu_arched_save(ar.e, text, &cause) != NU_OK) {
		tui_message(t, true, "%s", cause != NULL ? cause : "cannot save");
		free(cause);
		return;
	}
	if (ar.e->net != NULL)
		tui_message(t, false, "saved %s (%zu parameters): nuscope train %s "
		    "FILES trains it", text, ar.e->net->nparams, text);
	else
		tui_message(t, true, "saved %s, but the network is not valid yet: %s",
		    text, error_text());
}

/* Where s saves by default: the file it came from, unless that is a
 * preset (then its name in the current directory). */
static void
save_default(char *buf, size_t len)
{
	const char *name = ar.e->name, *base = strrchr(name, '/');
	size_t dl = strlen(ar.dir);

	if (dl > 0 && strncmp(name, ar.dir, dl) == 0 && name[dl] == '/')
		snprintf(buf, len, "%s", base + 1);
	else if (strstr(name, "assets/arch/") != NULL && base != NULL)
		snprintf(buf, len, "%s", base + 1);
	else
		snprintf(buf, len, "%s", name);
}

/* ---- layers ------------------------------------------------------------------- */

static int insert_at;

static bool
kind_check(struct tui *t, const char *text, char *why, size_t wlen)
{
	const char *kinds[16];
	int n = nu_arched_insertable(ar.e, kinds, 16);

	(void)t;
	for (int i = 0; i < n; i++)
		if (strcmp(kinds[i], text) == 0)
			return true;
	snprintf(why, wlen, "expected a layer: conv, maxpool, avgpool, dropout, "
	    "batchnorm, flatten, dense, activation%s (Tab cycles)",
	    nu_arched_find(ar.e, NU_ARCH_ROLE_MERGE) < 0 ? ", merge" : "");
	return false;
}

static void
kind_done(struct tui *t, const char *text)
{
	char *cause = NULL, what[64];
	int i;

	remember();
	if ((i = nu_arched_insert(ar.e, insert_at, text, &cause)) < 0) {
		forget();
		tui_message(t, true, "%s", cause != NULL ? cause : "cannot insert");
		free(cause);
		return;
	}
	ar.sel = i;
	ar.key = 0;
	ar.ktop = 0;
	snprintf(what, sizeof what, "[%s] inserted", text);
	say_state(t, what);
}

static void
ask_kind(struct tui *t, int at)
{
	static char choices[256];
	const char *kinds[16];
	int n = nu_arched_insertable(ar.e, kinds, 16);
	size_t off = 0;

	choices[0] = '\0';
	for (int i = 0; i < n && off < sizeof choices; i++)
		off += (size_t)snprintf(choices + off, sizeof choices - off, "%s%s",
		    i ? "|" : "", kinds[i]);
	insert_at = at;
	tui_prompt_checked(t, at > ar.sel ? "add after: layer kind (Tab cycles)" :
	    "insert before: layer kind (Tab cycles)", "", choices, kind_check,
	    kind_done);
}

/* ---- drawing ------------------------------------------------------------------- */

static const char *
shape_text(struct nu_layer_shape s, char *buf, size_t len)
{
	if (s.h == 1 && s.w == 1)
		snprintf(buf, len, "%d", s.c);
	else
		snprintf(buf, len, "%dx%dx%d", s.c, s.h, s.w);
	return buf;
}

/* "filters=8 kernel=2x2 ..." of the keys a section sets. */
static void
settings(int sec, char *buf, size_t len)
{
	const struct nu_arched_sec *s = &ar.e->sec[sec];
	size_t off = 0;

	buf[0] = '\0';
	for (int k = 0; s->kind->keys[k].name != NULL && off < len; k++) {
		if (s->val[k] == NULL || (sec == 0 && k == 0))  /* version */
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", off ? " " : "",
		    s->kind->keys[k].name, s->val[k]);
	}
	if (off == 0)
		snprintf(buf, len, "%s", s->kind->role == NU_ARCH_ROLE_TRAIN ?
		    "(defaults)" : "");
}

/* The rows of the layer list: a section index, or a group heading. */
struct row {
	int sec;                /* -1 for a heading */
	const char *heading;
};

static int
layout_rows(struct row *r, int cap)
{
	const struct nu_arched *e = ar.e;
	int merge = nu_arched_find(e, NU_ARCH_ROLE_MERGE), n = 0;
	const char *views = nu_arched_value(e, 0, nu_arch_key_index(e->sec[0].kind, "views"));
	const char *br = nu_arched_value(e, 0, nu_arch_key_index(e->sec[0].kind, "branches"));
	bool two = strcmp(views, "both") == 0 && strcmp(br, "stacked") != 0;

	for (int i = 0; i < e->nsec && n < cap; i++) {
		if (i == 1 && n < cap) {
			r[n].sec = -1;
			r[n++].heading = !two ? (strcmp(views, "both") == 0 ?
			    "layers (both views stacked as two channels)" :
			    "layers (one view)") : strcmp(br, "shared") == 0 ?
			    "branch (run on each view, one set of weights)" :
			    "branch (run on each view, its own weights)";
		}
		if (merge >= 0 && i == merge + 1 && n < cap) {
			r[n].sec = -1;
			r[n++].heading = "head (after the views meet)";
		}
		if (n < cap) {
			r[n].sec = i;
			r[n++].heading = NULL;
		}
	}
	return n;
}

static void
draw_list(struct tui *t, int y, int rows, int cols)
{
	struct row r[NU_NET_MAXNODES + 8];
	int n = layout_rows(r, (int)(sizeof r / sizeof r[0])), selrow = 0;
	int sw = cols - 14 - 31;        /* settings column */
	char buf[512], sh[48], pa[32];

	if (sw < 12)
		sw = 12;
	attron(A_BOLD);
	tui_putf(y, 0, cols, "  %-11s %-*s %10s %9s %8s", "section", sw - 1,
	    "settings", "output", "params", "MFLOPs");
	attroff(A_BOLD);
	y++;
	rows--;
	for (int i = 0; i < n; i++)
		if (r[i].sec == ar.sel)
			selrow = i;
	if (selrow < ar.top)
		ar.top = selrow;
	if (selrow >= ar.top + rows)
		ar.top = selrow - rows + 1;
	if (ar.top > 0 && n - ar.top < rows)
		ar.top = n > rows ? n - rows : 0;
	for (int i = ar.top; i < n && i < ar.top + rows; i++, y++) {
		int s = r[i].sec;
		const struct nu_arched_info *in;
		bool bad;

		if (s < 0) {
			attron(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
			tui_putf(y, 0, cols, "  -- %s --", r[i].heading);
			attroff(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
			continue;
		}
		in = ar.e->info != NULL ? &ar.e->info[s] : NULL;
		bad = ar.e->error_sec == s;
		settings(s, buf, sizeof buf);
		if (s == ar.sel)
			attron(ar.keys_focus ? A_BOLD : A_REVERSE);
		if (bad)
			attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_ERROR : 0));
		mvhline(y, 0, ' ', cols);
		tui_putf(y, 0, cols, "%s [%s]", bad ? "!" : s == ar.sel ? ">" : " ",
		    ar.e->sec[s].kind->name);
		tui_put(y, 14, sw, buf);
		if (in != NULL && in->built && ar.e->sec[s].kind->role != NU_ARCH_ROLE_TRAIN) {
			shape_text(in->out, sh, sizeof sh);
			tui_putf(y, 14 + sw, cols - 14 - sw, " %10s %9s %8.2f", sh,
			    tui_grouped(in->params, pa, sizeof pa), in->flops / 1e6);
		} else if (ar.e->sec[s].kind->role != NU_ARCH_ROLE_TRAIN) {
			tui_put(y, 14 + sw, cols - 14 - sw, "          -         -        -");
		}
		if (bad)
			attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_ERROR : 0));
		if (s == ar.sel)
			attroff(ar.keys_focus ? A_BOLD : A_REVERSE);
	}
}

static void
draw_keys(struct tui *t, int y, int rows, int cols)
{
	const struct nu_arched_sec *s = &ar.e->sec[ar.sel];
	int n = nkeys(ar.sel);

	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_putf(y, 0, cols, "[%s] %s%s", s->kind->name, s->kind->help,
	    ar.keys_focus ? "" : "   (Enter: edit its keys)");
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	y++;
	rows--;
	if (n == 0) {
		tui_put(y, 2, cols - 2, "no keys");
		return;
	}
	if (ar.key >= n)
		ar.key = n - 1;
	if (ar.key < ar.ktop)
		ar.ktop = ar.key;
	if (ar.key >= ar.ktop + rows)
		ar.ktop = ar.key - rows + 1;
	for (int k = ar.ktop; k < n && k < ar.ktop + rows; k++, y++) {
		const struct nu_arch_key *key = &s->kind->keys[k];
		bool cur = ar.keys_focus && k == ar.key;

		if (cur)
			attron(A_REVERSE);
		mvhline(y, 0, ' ', cols);
		if (s->val[k] == NULL)
			attron(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
		tui_putf(y, 0, cols, "%s %-14s %-14s", cur ? ">" : " ", key->name,
		    s->val[k] != NULL ? s->val[k] : key->def == NULL ? "(required)" :
		    key->def[0] ? key->def : "(none)");
		if (s->val[k] == NULL)
			attroff(COLOR_PAIR(t->colors ? TUI_PAIR_DIM : 0));
		tui_put(y, 32, cols - 32, key->help);
		if (cur)
			attroff(A_REVERSE);
	}
}

bool
tui_arch_unsaved(void)
{
	return ar.e != NULL && ar.e->dirty;
}

const char *
tui_arch_label(char *buf, size_t len)
{
	size_t dl = strlen(ar.dir);

	if (dl > 0 && strncmp(ar.e->name, ar.dir, dl) == 0 && ar.e->name[dl] == '/')
		snprintf(buf, len, "preset %s", ar.e->name + dl + 1);
	else
		snprintf(buf, len, "%s", ar.e->name);
	return buf;
}

static void
arch_draw(struct tui *t, int top, int rows, int cols)
{
	char nm[PATH_MAX + 16];
	int y = top, keyrows, listrows;
	char pa[32];

	if (tui_arch(t) == NULL) {
		tui_put(y, 0, cols, "out of memory");
		return;
	}
	if (ar.sel >= ar.e->nsec)
		ar.sel = ar.e->nsec - 1;
	attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	tui_put(y, 0, cols, "Architecture");
	attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
	if (ar.e->net != NULL)
		tui_putf(y, 13, cols - 13, "%s%s  %s  %s parameters  %.1f MFLOPs",
		    tui_arch_label(nm, sizeof nm), ar.e->dirty ? " (modified)" : "",
		    nu_task_name(ar.e->net->task),
		    tui_grouped(ar.e->net->nparams, pa, sizeof pa), ar.e->net->flops / 1e6);
	else
		tui_putf(y, 13, cols - 13, "%s%s  not a valid network",
		    tui_arch_label(nm, sizeof nm), ar.e->dirty ? " (modified)" : "");
	y++;
	if (ar.e->error != NULL) {
		attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_ERROR : 0));
		tui_putf(y, 0, cols, "! %s", error_text());
		attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_ERROR : 0));
	}
	y++;
	keyrows = nkeys(ar.sel) + 1;
	if (keyrows > (top + rows - y) / 3 + 1)
		keyrows = (top + rows - y) / 3 + 1;
	if (keyrows < 3)
		keyrows = 3;
	listrows = top + rows - y - keyrows - 1;
	draw_list(t, y, listrows, cols);
	y += listrows + 1;
	draw_keys(t, y, keyrows, cols);
}

/* ---- keys ------------------------------------------------------------------------ */

static int
arch_key(struct tui *t, int ch)
{
	char *cause = NULL, def[PATH_MAX];
	int i;

	if (tui_arch(t) == NULL)
		return TUI_UNHANDLED;
	if (ar.keys_focus) {
		int n = nkeys(ar.sel);

		switch (ch) {
		case KEY_UP: case 'k':
			if (ar.key > 0)
				ar.key--;
			return TUI_REDRAW;
		case KEY_DOWN: case 'j':
			if (ar.key + 1 < n)
				ar.key++;
			return TUI_REDRAW;
		case '\n': case '\r': case KEY_ENTER: case 'e':
			if (n > 0)
				tui_arch_edit(t, ar.sel, ar.key);
			return TUI_REDRAW;
		case ' ':
			if (n > 0)
				tui_arch_cycle(t, ar.sel, ar.key);
			return TUI_REDRAW;
		case KEY_DC: case KEY_BACKSPACE: case 127: case 'x':
			if (n > 0) {
				ar.edit_sec = ar.sel;
				ar.edit_key = ar.key;
				value_done(t, "");
			}
			return TUI_REDRAW;
		case KEY_LEFT: case '\t': case 27: case 'h':
			ar.keys_focus = false;
			return TUI_REDRAW;
		default:
			break;  /* the list's keys work here too */
		}
	}
	switch (ch) {
	case KEY_UP: case 'k':
		if (ar.sel > 0)
			ar.sel--;
		ar.key = ar.ktop = 0;
		return TUI_REDRAW;
	case KEY_DOWN: case 'j':
		if (ar.sel + 1 < ar.e->nsec)
			ar.sel++;
		ar.key = ar.ktop = 0;
		return TUI_REDRAW;
	case KEY_HOME:
		ar.sel = 0;
		return TUI_REDRAW;
	case KEY_END:
		ar.sel = ar.e->nsec - 1;
		return TUI_REDRAW;
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case '\t': case 'l':
		if (nkeys(ar.sel) > 0)
			ar.keys_focus = true;
		else
			tui_message(t, false, "[%s] has no keys", ar.e->sec[ar.sel].kind->name);
		return TUI_REDRAW;
	case 'a':
		ask_kind(t, ar.sel + 1);
		return TUI_REDRAW;
	case 'i':
		ask_kind(t, ar.sel);
		return TUI_REDRAW;
	case 'x': case KEY_DC:
		remember();
		{
			char what[64];

			snprintf(what, sizeof what, "[%s] deleted", ar.e->sec[ar.sel].kind->name);
			if (nu_arched_delete(ar.e, ar.sel, &cause) != NU_OK) {
				forget();
				tui_message(t, true, "%s", cause);
				free(cause);
				return TUI_REDRAW;
			}
			clamp_sel();
			say_state(t, what);
		}
		return TUI_REDRAW;
	case 'K': case 'J':
		remember();
		if ((i = nu_arched_move(ar.e, ar.sel, ch == 'K' ? -1 : 1, &cause)) < 0) {
			forget();
			tui_message(t, true, "%s", cause);
			free(cause);
			return TUI_REDRAW;
		}
		ar.sel = i;
		say_state(t, "moved");
		return TUI_REDRAW;
	case 'u':
		if (ar.nundo == 0) {
			tui_message(t, false, "nothing to undo");
			return TUI_REDRAW;
		}
		replace(ar.undo[--ar.nundo]);
		say_state(t, "undone");
		return TUI_REDRAW;
	case 'p':
		find_presets();
		if (ar.presets[0] == '\0') {
			tui_message(t, true, "no presets found (looked in "
			    "$NUSCOPE_ARCHDIR, next to the program, in %s and in "
			    "./assets/arch)", NU_ARCHDIR);
			return TUI_REDRAW;
		}
		tui_prompt_checked(t, "preset (Tab cycles)", ARCH_DEFAULT_PRESET,
		    ar.presets, preset_check, preset_done);
		return TUI_REDRAW;
	case 'o':
		tui_prompt(t, "open architecture file (Tab completes)", NULL, true,
		    open_done);
		return TUI_REDRAW;
	case 's':
		save_default(def, sizeof def);
		tui_prompt(t, "save architecture as (Tab completes)", def, true,
		    save_done);
		return TUI_REDRAW;
	default:
		return TUI_UNHANDLED;
	}
}

static void
arch_fini(struct tui *t)
{
	(void)t;
	for (int i = 0; i < ar.nundo; i++)
		nu_arched_free(ar.undo[i]);
	ar.nundo = 0;
	nu_arched_free(ar.e);
	ar.e = NULL;
}

const struct tui_view tui_view_arch = {
	.name = "Architecture",
	.mnemonic = 'a',
	.keys = "Enter keys  a add  i insert  x delete  K/J move  u undo  p preset  "
	    "o open  s save",
	.help =
	    "Up, Down (k, j)   select a section\n"
	    "Enter, Right, Tab edit the selected section's keys; in the key\n"
	    "                    list: Enter edits the value (checked as you\n"
	    "                    type; Tab cycles choices), Space takes the next\n"
	    "                    choice, x or Delete sets the default again,\n"
	    "                    Left, Tab or Esc goes back to the layers\n"
	    "a, i              add a layer after, insert one before the selection\n"
	    "x, Delete         delete the selected layer\n"
	    "K, J              move the selected layer up or down (across the\n"
	    "                    merge: from the branches into the head)\n"
	    "u                 undo (64 steps)\n"
	    "p                 load a preset (seed1, cvn-lite, ...)\n"
	    "o                 open an architecture file\n"
	    "s                 save it (nuscope train takes the file as it is)\n"
	    "The Training screen trains this architecture, saved or not.",
	.draw = arch_draw,
	.key = arch_key,
	.reload = NULL,
	.tick = NULL,
	.fini = arch_fini,
};
