/*
 * tui.h: the curses front end (`nuscope tui`, and `nuscope` with no
 * command): a set of screens over one shared state.
 *
 * The framework (tui.c) owns the terminal, the loaded dataset, the filter,
 * the message line, prompts and the help overlay.  Each screen is a
 * `struct tui_view`: a `draw` that paints the rows between the title bar
 * and the status bar, and a `key` that changes state and returns what
 * should happen (TUI_REDRAW, TUI_QUIT, ...).  Only tui.c calls refresh();
 * no key handler draws.  Nothing here is thread-safe: every function runs
 * on the UI thread.
 */
#ifndef NU_TUI_H
#define NU_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "summary.h"
#include "where.h"

/* `nuscope tui [--ascii] [--watch LOG] [--headless KEYS] [--frames N]
 * [FILES|DIRS...]`;
 * argv[0] is "tui".  Returns the exit status. */
int cmd_tui(int argc, char **argv);

/* What a key handler asks for. */
enum {
	TUI_NONE = 0,
	TUI_REDRAW = 1 << 0,    /* draw the screen again */
	TUI_QUIT = 1 << 1,      /* leave the program */
	TUI_UNHANDLED = 1 << 2, /* the view did not use the key */
};

/* How event heatmaps are drawn, decided from the terminal and --ascii. */
enum tui_map_style {
	TUI_MAP_ASCII,          /* " .:-=+*#%@" ramp, any terminal */
	TUI_MAP_BLOCK8,         /* half blocks in the 8 basic colours */
	TUI_MAP_BLOCK256,       /* half blocks in the xterm 256 palette */
	TUI_MAP_TRUECOLOR,      /* half blocks in 24-bit colour (a terminal
	                         * with direct colour, such as xterm-direct),
	                         * in the colour map of PNG pictures */
};

/* Colour pairs of the screen chrome; 0 (default) when colours are off. */
enum tui_pair {
	TUI_PAIR_TITLE = 1, TUI_PAIR_BAR, TUI_PAIR_ERROR, TUI_PAIR_HEAD,
	TUI_PAIR_DIM,
	TUI_PAIR_MAP0 = 16,     /* heatmap pairs are allocated from here */
};

/* Slots of struct tui's wake_fd: one per kind of background work. */
enum { TUI_WAKE_TRAIN, TUI_WAKE_EVAL, TUI_WAKE_EVENTS, TUI_NWAKE };

struct tui;
struct nu_model;

/* Called with the text the user typed when a prompt is confirmed. */
typedef void (*tui_prompt_fn)(struct tui *t, const char *text);

/* Checks a prompt's text as it is typed: true when it would be accepted,
 * else what is wrong goes into why. */
typedef bool (*tui_check_fn)(struct tui *t, const char *text, char *why,
    size_t wlen);

struct tui_view {
	const char *name;       /* "Data": the title bar and help */
	int mnemonic;           /* 'd': switches here, as does its number */
	const char *keys;       /* status bar: the keys that work here */
	const char *help;       /* help overlay lines, '\n'-separated */
	/* paint rows [top, top+rows) of stdscr; cols = COLS */
	void (*draw)(struct tui *t, int top, int rows, int cols);
	/* handle a key; returns TUI_* flags */
	int (*key)(struct tui *t, int ch);
	/* the dataset or the filter changed (may be NULL) */
	void (*reload)(struct tui *t);
	/* Hooks for background work (view-train.c); both may be NULL.
	 * tick: t->wake_fd became readable, or the refresh timer ran out:
	 * copy progress from the worker (which must drain wake_fd).
	 * fini: the program is ending: stop and join any worker. */
	void (*tick)(struct tui *t);
	void (*fini)(struct tui *t);
};

extern const struct tui_view tui_view_data;
extern const struct tui_view tui_view_events;
extern const struct tui_view tui_view_arch;
extern const struct tui_view tui_view_train;
extern const struct tui_view tui_view_eval;

/* The state every screen shares.  Views keep their own state in their
 * .c file as statics reached through these pointers. */
struct tui {
	struct nu_dataset *ds;          /* NULL when nothing is loaded */
	char **paths;                   /* what the user asked to open */
	size_t npaths;
	uint32_t *codes;                /* interaction code of every event */
	uint8_t *keep;                  /* 1 where the filter selects; NULL = all */
	uint64_t nselected;             /* events the filter selects */
	struct nu_where *where;         /* compiled filter or NULL */
	char *where_text;               /* its text, or NULL */
	struct nu_summary *per_file;    /* nu_dataset_nfiles entries */
	struct nu_summary total;        /* of the selected events */
	bool summary_ok;

	enum tui_map_style map_style;
	bool utf8;                      /* the locale can show U+2580 */
	int colors;                     /* 0 (monochrome), 8 or 256 */
	int map_slots[256];             /* xterm colour -> ordered palette slot */
	int map_colors[32];             /* ordered palette: slot -> xterm colour */
	int nmap_colors;
	int default_bg;                 /* -1, or COLOR_BLACK without default colours */

	char message[512];              /* the message line */
	bool message_error;
	unsigned message_gen;           /* bumped by every tui_message: a key
	                                 * that changes something and says
	                                 * nothing clears the line (tui.c) */
	bool quit_asked;                /* "quit anyway? y/n" is up */
	bool interrupted;               /* the quit came from Ctrl-C: exit 130 */

	bool help;                      /* the help overlay is up */
	bool log_view;                  /* the log overlay is up */
	struct {
		bool active;
		const char *label;
		char buf[1024];
		size_t len;
		tui_prompt_fn done;
		bool complete_paths;    /* Tab completes file names */
		tui_check_fn check;     /* NULL, or checks every keystroke */
		const char *choices;    /* NULL, or "a|b|c" that Tab cycles */
	} prompt;

	const struct tui_view *const *views;
	int nviews, view;
	uint64_t rng;

	/* Hooks for background work.  wake_fd[TUI_WAKE_*]: -1, or a
	 * descriptor the main loop poll()s beside stdin; when one is readable
	 * it calls every view's tick.  Each kind of background work owns one
	 * slot.  The headless <WAITRUN> token waits for all of them to go
	 * back to -1.  on_quit: when set, q (from any screen) calls it
	 * instead of quitting; it returns TUI_* flags. */
	int wake_fd[TUI_NWAKE];
	int (*on_quit)(struct tui *t);
	/* 0, or how often (ms) a view wants its tick when nothing else
	 * happens, when more often than the refresh timer: the Training
	 * screen reading a watched log */
	int refresh_ms;

	/* The model the Evaluation screen has loaded (owned by view-eval.c),
	 * or NULL; other screens may read it (the Events screen shows its
	 * output for each event) but never free or keep it past a reload
	 * of the Evaluation screen, which says so by bumping model_gen. */
	const struct nu_model *model;
	const char *model_path;
	unsigned model_gen;
	/* The program's threshold for that model when it is a binary
	 * classifier (score > threshold selects), NaN otherwise: the
	 * Evaluation screen sets it when a model arrives and whenever it
	 * moves; the Events screen's verdicts, colours and PNG captions
	 * read it. */
	double threshold;
};

/* The program's log: errors (every tui_message with error=true),
 * warnings of the core, and what background work reports.  Safe from
 * any thread; lines are stamped with the time. */
#define TUI_LOG_LINES 256
#define TUI_LOG_WIDTH 240
void tui_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy the last n lines (oldest first) into out; returns how many. */
int tui_log_tail(char (*out)[TUI_LOG_WIDTH], int n);

/* The core's causes name their file ("x.h5: not an HDF5 file"): a
 * message that names the file itself shows cause past its "path: ", so
 * the name is said once.  Returns cause, or a pointer into it. */
const char *tui_cause_after(const char *cause, const char *path);

/* Show text on the message line (printf-style); error=true highlights it
 * and logs it.  Hints, questions and "nothing to do" are not errors. */
void tui_message(struct tui *t, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Open a prompt on the status line; done runs on Enter. */
void tui_prompt(struct tui *t, const char *label, const char *initial,
    bool complete_paths, tui_prompt_fn done);

/* A prompt whose text is checked as it is typed: the message line says
 * what is wrong, and Enter is refused until check accepts.  choices, when
 * not NULL ("a|b|c"), are what Tab cycles through. */
void tui_prompt_checked(struct tui *t, const char *label, const char *initial,
    const char *choices, tui_check_fn check, tui_prompt_fn done);

/* Replace the filter with text (empty or NULL clears it).  On a compile or
 * read error the old filter stays and the cause goes to the message line.
 * Returns true when the filter changed. */
bool tui_set_filter(struct tui *t, const char *text);

/* Add files, directories or globs to the dataset.  A path that cannot be
 * opened leaves the dataset as it was and says why on the message line. */
bool tui_add_paths(struct tui *t, const char *const *paths, size_t n);

/* The architecture the Architecture screen edits and the Training screen
 * trains (view-arch.c owns it; loaded from the seed1 preset on first use).
 * NULL only when out of memory. */
struct nu_arched *tui_arch(struct tui *t);
/* Open a prompt for key `key` (index into the kind's keys) of section
 * sec, checked as typed; tui_arch_cycle sets an enum or yes/no key to its
 * next choice at once (other keys get the prompt).  Both keep undo. */
void tui_arch_edit(struct tui *t, int sec, int key);
void tui_arch_cycle(struct tui *t, int sec, int key);
/* Whether the architecture has edits not saved since it was opened or
 * saved (q and Ctrl-C ask before they are lost). */
bool tui_arch_unsaved(void);
/* Its name for display: "preset seed1.arch", or the file's path. */
const char *tui_arch_label(char *buf, size_t len);
/* Replace the architecture with a file's (errors to the message line). */
void tui_arch_open(struct tui *t, const char *path);

/* Open the Training screen watching the run that writes the JSON log at
 * path (nuscope train --json-log): errors go to the message line. */
void tui_train_watch(struct tui *t, const char *path);

/* Switch to screen v (one of t->views). */
void tui_show(struct tui *t, const struct tui_view *v);

/* Open the Events screen on a list of events: global indices of t->ds
 * in the order to browse them (copied), with what they are for its
 * header ("false positives at threshold 0.62"; copied).  The screen then
 * steps through the list, showing "k of N"; Esc, the class key or a new
 * filter go back to browsing every event.  n = 0 only says so. */
void tui_events_browse(struct tui *t, const char *label, const uint64_t *events,
    size_t n);

/* Whether any background work is going (some wake_fd is not -1). */
bool tui_busy(const struct tui *t);

/* Whether event ev passes the filter. */
bool tui_selected(const struct tui *t, uint64_t ev);

/* Print s at (y, x) clipped to n columns (UTF-8 aware). */
void tui_put(int y, int x, int n, const char *s);
void tui_putf(int y, int x, int n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Human size "12.3 MB" into buf. */
const char *tui_size(uint64_t bytes, char *buf, size_t len);

/* A count with its digits grouped, 60121 -> "60,121", into buf. */
const char *tui_grouped(size_t v, char *buf, size_t len);

/* Pseudo-random 64-bit number (not for science: for the `r` key). */
uint64_t tui_random(struct tui *t);

#endif
