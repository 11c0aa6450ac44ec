/*
 * headless.c: key scripts and the screen as text (headless.h).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "headless.h"
#include "tui.h"

/* Script entries besides keys: a resize carries the new size; <WAIT=ms>
 * carries ms in cols; <WAITFOR=TEXT> its text. */
#define TUI_KEY_RESIZE_TO (KEY_MAX + 1)
#define TUI_KEY_WAIT (KEY_MAX + 2)
#define TUI_KEY_WAITRUN (KEY_MAX + 3)
#define TUI_KEY_WAITFOR (KEY_MAX + 4)

struct script_key {
	int ch;
	int cols, rows;         /* TUI_KEY_RESIZE_TO; cols: TUI_KEY_WAIT's ms */
	char *text;             /* TUI_KEY_WAITFOR: what to wait for (owned) */
};

struct tui_script {
	struct script_key *k;
	int n, at;              /* entries, the next one */
	size_t cap;             /* entries allocated (keys_parse: one a character) */
	long until;             /* the wait at `at` ends then (ms); 0: not begun */
};

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct {
	const char *name;
	int ch;
} key_names[] = {
	{ "UP", KEY_UP }, { "DOWN", KEY_DOWN }, { "LEFT", KEY_LEFT },
	{ "RIGHT", KEY_RIGHT }, { "ENTER", '\n' }, { "ESC", 27 },
	{ "TAB", '\t' }, { "BS", KEY_BACKSPACE }, { "PGUP", KEY_PPAGE },
	{ "PGDN", KEY_NPAGE }, { "HOME", KEY_HOME }, { "END", KEY_END },
	{ "LT", '<' }, { "C-c", TUI_KEY_INTERRUPT },
};

/* Free a parsed script of at most n entries (script_parse allocates one
 * entry a character, zeroed). */
static void
keys_free(struct script_key *k, size_t n)
{
	for (size_t i = 0; k != NULL && i < n; i++)
		free(k[i].text);
	free(k);
}

/* Parse a key script; returns the number of keys, or -1 with *bad set. */
static int
keys_parse(const char *s, struct script_key **out, const char **bad)
{
	size_t n = 0, len = strlen(s);
	struct script_key *k = calloc(len + 1, sizeof *k);

	*out = k;
	if (k == NULL)
		return -1;
	for (const char *p = s; *p != '\0'; n++) {
		k[n].ch = (unsigned char)*p;
		if (*p == '\\' && p[1] != '\0') {
			switch (p[1]) {
			case 'n': k[n].ch = '\n'; break;
			case 't': k[n].ch = '\t'; break;
			case 'e': k[n].ch = 27; break;
			case '\\': k[n].ch = '\\'; break;
			default: *bad = p; return -1;
			}
			p += 2;
			continue;
		}
		if (*p == '<') {
			size_t i;
			int c, r;
			char end;

			if (sscanf(p, "<RESIZE=%dx%d%c", &c, &r, &end) == 3 &&
			    end == '>' && c > 0 && r > 0 && c <= 1000 && r <= 1000) {
				k[n].ch = TUI_KEY_RESIZE_TO;
				k[n].cols = c;
				k[n].rows = r;
				p = strchr(p, '>') + 1;
				continue;
			}
			if (sscanf(p, "<WAIT=%d%c", &c, &end) == 2 && end == '>' &&
			    c >= 0 && c <= TUI_WAITRUN_MS) {
				k[n].ch = TUI_KEY_WAIT;
				k[n].cols = c;
				p = strchr(p, '>') + 1;
				continue;
			}
			if (strncmp(p, "<WAITRUN>", 9) == 0) {
				k[n].ch = TUI_KEY_WAITRUN;
				p += 9;
				continue;
			}
			if (strncmp(p, "<WAITFOR=", 9) == 0 && strchr(p + 9, '>') != NULL &&
			    strchr(p + 9, '>') > p + 9) {
				size_t tl = (size_t)(strchr(p + 9, '>') - (p + 9));

				k[n].ch = TUI_KEY_WAITFOR;
				if ((k[n].text = strndup(p + 9, tl)) == NULL)
					return -1;
				p += 9 + tl + 1;
				continue;
			}
			for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
				size_t l = strlen(key_names[i].name);

				if (strncmp(p + 1, key_names[i].name, l) == 0 &&
				    p[1 + l] == '>') {
					k[n].ch = key_names[i].ch;
					p += l + 2;
					break;
				}
			}
			if (i < sizeof key_names / sizeof key_names[0])
				continue;
		}
		p++;
	}
	return (int)n;
}

int
tui_script_parse(const char *text, struct tui_script **out, const char **bad)
{
	struct tui_script *s = calloc(1, sizeof *s);
	int n;

	*out = NULL;
	if (bad != NULL)
		*bad = NULL;
	if (s == NULL)
		return -1;
	s->cap = strlen(text) + 1;
	if ((n = keys_parse(text, &s->k, bad)) < 0) {
		keys_free(s->k, s->cap);
		free(s);
		return -1;
	}
	s->n = n;
	*out = s;
	return n;
}

void
tui_script_free(struct tui_script *s)
{
	if (s == NULL)
		return;
	keys_free(s->k, s->cap);
	free(s);
}

/* The entry at s->at is over: the next one. */
static int
passed(struct tui_script *s, int *timeout_ms)
{
	s->at++;
	s->until = 0;
	*timeout_ms = 0;
	return TUI_SCRIPT_WAITING;
}

int
tui_script_next(struct tui_script *s, const struct tui *t, int *timeout_ms)
{
	const struct script_key *k;
	long now = now_ms();

	*timeout_ms = 0;
	if (s->at >= s->n)
		return TUI_SCRIPT_END;
	k = &s->k[s->at];
	switch (k->ch) {
	case TUI_KEY_RESIZE_TO:
		resize_term(k->rows, k->cols);
		s->at++;
		return KEY_RESIZE;
	case TUI_KEY_WAIT:
	case TUI_KEY_WAITRUN:
	case TUI_KEY_WAITFOR:
		if (s->until == 0)
			s->until = now + (k->ch == TUI_KEY_WAIT ? k->cols : TUI_WAITRUN_MS);
		if (now >= s->until ||
		    (k->ch == TUI_KEY_WAITRUN && !tui_busy(t)) ||
		    (k->ch == TUI_KEY_WAITFOR && tui_screen_has(k->text)))
			return passed(s, timeout_ms);
		/* WAITFOR looks at the screen again after the next draw */
		*timeout_ms = (int)(s->until - now);
		if (k->ch == TUI_KEY_WAITFOR && *timeout_ms > 50)
			*timeout_ms = 50;
		else if (k->ch == TUI_KEY_WAITRUN && *timeout_ms > 100)
			*timeout_ms = 100;
		return TUI_SCRIPT_WAITING;
	default:
		s->at++;
		return k->ch;
	}
}

/* Print the screen as text, one row a line, trailing blanks dropped. */
void
tui_print_screen(FILE *f)
{
	char *line = malloc((size_t)COLS * MB_LEN_MAX + 1);

	if (line == NULL)
		return;
	for (int y = 0; y < LINES; y++) {
		size_t len = 0, keep = 0;
		mbstate_t ms;

		memset(&ms, 0, sizeof ms);
		for (int x = 0; x < COLS; x++) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1];
			attr_t a;
			short pair;
			size_t k;

			if (mvin_wch(y, x, &cc) == ERR ||
			    getcchar(&cc, wch, &a, &pair, NULL) == ERR || wch[0] == 0)
				wch[0] = L' ';
			k = wcrtomb(line + len, wch[0], &ms);
			if (k == (size_t)-1) {
				line[len] = '?';
				k = 1;
				memset(&ms, 0, sizeof ms);
			}
			len += k;
			if (wch[0] != L' ')
				keep = len;
		}
		line[keep] = '\0';
		fprintf(f, "%s\n", line);
	}
	free(line);
}

/* Whether the screen as drawn shows text. */
bool
tui_screen_has(const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool has;

	if (f == NULL)
		return false;
	tui_print_screen(f);
	fclose(f);
	has = buf != NULL && strstr(buf, text) != NULL;
	free(buf);
	return has;
}

SCREEN *
tui_headless_screen(FILE *out, FILE *in)
{
	const char *term = getenv("TERM");
	const char *tries[] = { term, "xterm-256color", "xterm", "vt100" };
	SCREEN *s;

	for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
		if (tries[i] == NULL || tries[i][0] == '\0' ||
		    strcmp(tries[i], "dumb") == 0)
			continue;
		if ((s = newterm(tries[i], out, in)) != NULL)
			return s;
	}
	return NULL;
}

