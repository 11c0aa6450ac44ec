/*
 * tui-entry.h: the interactive program as the command line starts it.
 * Free of curses, so that cli/ (which dispatches `nuscope tui` and
 * `nuscope` alone) never needs curses' flags; tui/ never includes cli/.
 */
#ifndef NU_TUI_ENTRY_H
#define NU_TUI_ENTRY_H

/* Exit statuses the program ends with, those of nuscope(1) (cli/main.c
 * checks they are cli.h's EXIT_USAGE and EXIT_INTERRUPTED). */
#define TUI_EXIT_USAGE 2
#define TUI_EXIT_INTERRUPTED 130

/* `nuscope tui [OPTIONS] [FILES...]`: run the program; its exit status. */
int cmd_tui(int argc, char **argv);

/* From a fatal-signal handler (async-signal-safe): when the program has
 * the terminal in screen mode, put it back as it was found (the normal
 * screen, the cursor shown, the shell's line mode); else nothing. */
void tui_terminal_giveback(void);

#endif
