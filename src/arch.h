/*
 * arch.h: architecture files, the plain-text description of a network and
 * how to train it (see nuscope-arch(5)).
 *
 * A file is INI-style: a [net] section first, then one section per layer in
 * order (the layers of each view's branch, an optional [merge], then the
 * layers after it), and an optional [train] section.  Every key of every
 * section kind is declared in a table {name, type, range, default, help};
 * parsing checks each line against it and reports `file:line: what was
 * expected`.  The same tables give defaults, `nuscope arch keys` and the
 * man page's key list (a test keeps that in step).
 */
#ifndef NU_ARCH_H
#define NU_ARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "nu.h"

#define NU_ARCH_VERSION 1
#define NU_ARCH_MAXKEYS 40
/* Sections in one file: [net], [merge], [train] and at most 160 layers
 * (NU_NET_MAXNODES), checked while parsing so a file of a million
 * headers costs nothing before the error. */
#define NU_ARCH_MAXSECTIONS 163
#define NU_ARCH_MAXLIST 16
/* Characters in one line, comments included: no key or value comes near
 * it, and an error message quotes at most one line. */
#define NU_ARCH_MAXLINE 4096

enum nu_arch_type {
	NU_ARCH_INT,       /* whole number in [min, max] */
	NU_ARCH_FLOAT,     /* number in [min, max] */
	NU_ARCH_ENUM,      /* one of choices, "a|b|c" */
	NU_ARCH_BOOL,      /* yes/no, true/false, on/off, 1/0 */
	NU_ARCH_PAIR,      /* "3x3" or "3" (= 3x3), each in [min, max] */
	NU_ARCH_LIST,      /* comma-separated numbers in [min, max] */
	NU_ARCH_STRING,    /* free text */
};

struct nu_arch_key {
	const char *name;
	enum nu_arch_type type;
	double min, max;        /* numeric types */
	const char *choices;    /* NU_ARCH_ENUM */
	const char *def;        /* default as text; NULL = required */
	const char *help;
};

/* What a section kind is in the file's structure. */
enum nu_arch_role { NU_ARCH_ROLE_NET, NU_ARCH_ROLE_LAYER, NU_ARCH_ROLE_MERGE, NU_ARCH_ROLE_TRAIN };

struct nu_arch_kind {
	const char *name;       /* section name: "conv" */
	enum nu_arch_role role;
	const struct nu_arch_key *keys;  /* terminated by a NULL name */
	const char *help;
};

/* A parsed value (which member is meaningful follows the key's type). */
struct nu_arch_value {
	long i;                 /* INT, BOOL, ENUM (index into choices) */
	double f;               /* FLOAT */
	int pair[2];            /* PAIR: height (planes) x width (cells) */
	double list[NU_ARCH_MAXLIST];
	int nlist;              /* LIST */
	char *s;                /* STRING, and the text as written for all */
};

struct nu_arch_section {
	const struct nu_arch_kind *kind;
	int line;               /* line of the [header] */
	int key_line[NU_ARCH_MAXKEYS];          /* 0 when the default applies */
	struct nu_arch_value v[NU_ARCH_MAXKEYS];   /* indexed like kind->keys */
};

struct nu_arch {
	char *path;             /* as given to nu_arch_parse, for messages */
	char *text;             /* the file verbatim */
	struct nu_arch_section *sec;
	int nsec;
	int net;                /* index of [net] (always 0) */
	int merge;              /* index of [merge], or -1 */
	int train;              /* index of [train], or -1 */
};

/* The table of section kinds, terminated by a NULL name. */
extern const struct nu_arch_kind nu_arch_kinds[];

const struct nu_arch_kind *nu_arch_kind_find(const char *name);

/*
 * Parse text (len bytes; need not be terminated) read from `path` (used in
 * messages only).  On error *cause reads "path:line: ...".  Caller frees
 * *out with nu_arch_free.
 */
enum nu_status nu_arch_parse(struct nu_arch **out, const char *path,
    const char *text, size_t len, char **cause);

/* Read and parse a file. */
enum nu_status nu_arch_load(struct nu_arch **out, const char *path, char **cause);

void nu_arch_free(struct nu_arch *a);

/* Index of key `name` in a section's kind; asserts that it exists
 * (asking for a key a kind does not have is a programming error). */
int nu_arch_key_index(const struct nu_arch_kind *k, const char *name);

/* Typed getters by key name (defaults applied at parse time). */
long nu_arch_int(const struct nu_arch_section *s, const char *key);
double nu_arch_float(const struct nu_arch_section *s, const char *key);
bool nu_arch_bool(const struct nu_arch_section *s, const char *key);
const char *nu_arch_enum(const struct nu_arch_section *s, const char *key);
/* The index of an ENUM value's choice in its key's choices: the enum
 * value, where the choices are declared beside the enum (NU_SPLIT_CHOICES). */
int nu_arch_enum_index(const struct nu_arch_section *s, const char *key);
const int *nu_arch_pair(const struct nu_arch_section *s, const char *key);
const struct nu_arch_value *nu_arch_get(const struct nu_arch_section *s, const char *key);
/* True when the file set the key (rather than the default applying). */
bool nu_arch_is_set(const struct nu_arch_section *s, const char *key);

/* The [net] key input of a (an enum nu_input of loader.h: 0 views,
 * 1 interleaved); views when a is NULL (a network built by hand). */
int nu_arch_input(const struct nu_arch *a);

/* Whether text is a valid value of key k (its type and range); when not,
 * what was expected goes into why.  For editors that check a value as it
 * is typed, before the whole file is parsed again. */
bool nu_arch_check_value(const struct nu_arch_key *k, const char *text, char *why,
    size_t wlen);

/* Describe every kind and key (for `nuscope arch keys`); caller frees. */
char *nu_arch_describe_keys(const char *kind);

/* The same as roff for nuscope-arch(5) (`nuscope arch keys --man`). */
char *nu_arch_describe_keys_roff(void);

#endif
