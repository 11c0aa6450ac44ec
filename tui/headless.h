/*
 * headless.h: the interactive program without a terminal, for tests and
 * sanitizer builds: curses draws into /dev/null at a fixed size, a key
 * script stands in for the keyboard, and the final screen is printed as
 * text.  The script is read by the same main loop (tui.c) that reads a
 * real keyboard: its waits are conditions the loop polls for, so the
 * screen tests drive the loop users run.
 *
 * Script syntax (nuscope(1) --headless): characters are keys; \n \t \e \\
 * escapes; <UP> <DOWN> <LEFT> <RIGHT> <ENTER> <ESC> <TAB> <BS> <PGUP>
 * <PGDN> <HOME> <END> <LT> <C-c>; <RESIZE=COLSxROWS>; <WAIT=ms>;
 * <WAITRUN> (until no background work is left, at most TUI_WAITRUN_MS);
 * <WAITFOR=TEXT> (until the screen as drawn shows TEXT, at most as long).
 */
#ifndef NU_TUI_HEADLESS_H
#define NU_TUI_HEADLESS_H

#include <stdbool.h>
#include <stdio.h>

#include <curses.h>

struct tui;
struct tui_script;

#define TUI_WAITRUN_MS 300000
/* Ctrl-C: SIGINT in a terminal, <C-c> in a script. */
#define TUI_KEY_INTERRUPT 3

/* What tui_script_next returns besides keys. */
#define TUI_SCRIPT_WAITING (-1)         /* a wait holds: ask again later */
#define TUI_SCRIPT_END (-2)             /* every key has been given */

/* Parse a script; the number of its entries (keys and waits), or -1 with
 * *bad at an unknown escape (NULL: out of memory). */
int tui_script_parse(const char *text, struct tui_script **out, const char **bad);
void tui_script_free(struct tui_script *s);

/*
 * The next key once it is due.  A wait that is over is passed and
 * reported as TUI_SCRIPT_WAITING, so that the loop draws once before the
 * key after it, as after a key.  <RESIZE=...> resizes curses' screen and
 * returns KEY_RESIZE.  *timeout_ms: how long the loop may sleep before
 * asking again (0 when a key is due).  screen_has tells whether the
 * screen as last drawn shows a text.
 */
int tui_script_next(struct tui_script *s, const struct tui *t, int *timeout_ms);

/* The screen as text, one row a line, trailing blanks dropped. */
void tui_print_screen(FILE *f);
/* Whether the screen as last drawn shows text. */
bool tui_screen_has(const char *text);

/* A curses screen writing to out and reading in, for the first terminal
 * type of $TERM, xterm-256color, xterm, vt100 that exists; NULL if none. */
SCREEN *tui_headless_screen(FILE *out, FILE *in);

#endif
