/*
 * archedit.h: an architecture held as an editable list of sections, the
 * model behind the terminal UI's architecture editor.
 *
 * Each section keeps the text of the keys the user set (NULL where the
 * table's default applies), so any state can be held, even one that does
 * not yet make a network (a [dense] straight after a convolution, say).
 * nu_arched_validate turns the sections into the text of an architecture
 * file, parses it with nu_arch_parse and builds the network with
 * nu_net_new, exactly as `nuscope train` will; it keeps the parsed file,
 * the network (shapes, parameters, FLOPs) or the first error and the
 * section it names.  What nu_arched_text returns is the file nu_arched_save
 * writes: `nuscope train` accepts it unchanged.
 *
 * The [net] section is always first and [train] always last; both stay in
 * the list (a [train] with nothing set means its defaults).
 */
#ifndef NU_ARCHEDIT_H
#define NU_ARCHEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "arch.h"
#include "layer.h"
#include "net.h"

struct nu_arched_sec {
	const struct nu_arch_kind *kind;
	char *val[NU_ARCH_MAXKEYS];     /* indexed like kind->keys; NULL = default */
};

/* What the built network says about one section. */
struct nu_arched_info {
	bool built;                     /* false: the network is not valid */
	struct nu_layer_shape out;         /* output per event (of one branch) */
	size_t params;                  /* over both branches when separate */
	double flops;                   /* forward, per event, all copies */
	int copies;                     /* 2 for a branch layer of two views */
};

struct nu_arched {
	char *name;             /* file name used in messages and saves */
	char *header;           /* comment lines before [net], kept verbatim */
	struct nu_arched_sec *sec;
	int nsec, cap;
	bool dirty;             /* changed since loaded or saved */

	/* set by arched_validate */
	struct nu_arch *arch;      /* the parsed text, or NULL */
	struct nu_net *net;     /* the network, or NULL */
	char *error;            /* why not, or NULL */
	const char *error_what; /* the same without its "file:line: " (the
	                         * section error_sec names says where) */
	int error_sec;          /* the section the error names, or -1 */
	struct nu_arched_info *info;       /* [nsec] */
};

/* Make an editor holding a parsed architecture (name: for messages). */
enum nu_status nu_arched_from_arch(struct nu_arched **out, const struct nu_arch *a,
    const char *name, char **cause);

/* Read and parse a file into an editor (errors name file and line). */
enum nu_status nu_arched_load(struct nu_arched **out, const char *path, char **cause);

/* Parse text into an editor. */
enum nu_status nu_arched_from_text(struct nu_arched **out, const char *name,
    const char *text, char **cause);

/* A deep copy (for undo), validated; NULL when out of memory. */
struct nu_arched *nu_arched_dup(const struct nu_arched *e);

void nu_arched_free(struct nu_arched *e);

/* The architecture file text (caller frees); when sec_line is not NULL it
 * receives the line of each section's header ([nsec] ints). */
char *nu_arched_text(const struct nu_arched *e, int *sec_line);

/* Parse and build what the sections say; fills arch, net, error, info. */
void nu_arched_validate(struct nu_arched *e);

/* The kinds a user may insert as layers ("conv", ..., and "merge" when
 * the list has none), NULL-terminated, into kinds[cap]; returns count. */
int nu_arched_insertable(const struct nu_arched *e, const char **kinds, int cap);

/*
 * Insert a section of kind `kind` at index at (1 <= at <= nsec - 1: after
 * [net], before [train]) with starting values for its required keys (a
 * [conv] gets 16 filters of 3x3, same padding, relu).  Returns the index,
 * or -1 with *cause set.
 */
int nu_arched_insert(struct nu_arched *e, int at, const char *kind, char **cause);

/* Delete section i (not [net] or [train]). */
enum nu_status nu_arched_delete(struct nu_arched *e, int i, char **cause);

/* Swap section i with its neighbour i + dir (dir = -1 or 1); neither may
 * be [net] or [train].  Returns the new index of the section. */
int nu_arched_move(struct nu_arched *e, int i, int dir, char **cause);

/*
 * Set key `key` of section i to text (NULL or "" = back to the default,
 * refused for a required key).  The value is checked against the key's
 * type and range first; a bad value leaves the section as it was and
 * says what was expected in *cause.
 */
enum nu_status nu_arched_set(struct nu_arched *e, int i, const char *key,
    const char *text, char **cause);

/* Check a value for key `key` of section i without setting it: NULL when
 * fine, else what was expected (static buffer of the caller: why). */
bool nu_arched_check(const struct nu_arched *e, int i, const char *key,
    const char *text, char *why, size_t wlen);

/* The text of key k of section i as it applies: the set value, else the
 * default ("" when none). */
const char *nu_arched_value(const struct nu_arched *e, int i, int k);

/* Index of the first section of role r, or -1. */
int nu_arched_find(const struct nu_arched *e, enum nu_arch_role r);

/* Write the file: to a temporary name in the same directory, then renamed
 * over path.  On success the editor's name becomes path and dirty false. */
enum nu_status nu_arched_save(struct nu_arched *e, const char *path, char **cause);

#endif
