/*
 * summaryfields.h: the one description of the numbers of a dataset
 * summary (struct nu_summary) that both of `nuscope info`'s machine
 * formats follow: the JSON document (--json) and the CSV rows (--csv,
 * scope,section,key,label,events,fraction,value).  A field is a name, a
 * kind and how to read it from its record; both writers walk the same
 * lists in order, so a number added here appears in both formats under
 * the same name.  (evalfields.h does the same for the evaluation report;
 * the kinds differ because a summary is counts and order statistics, not
 * ratios with intervals.)
 *
 * Names.  Inside a JSON object a field is "NAME".  In CSV, a field of the
 * top-level list is the row SECTION,KEY (each defaulting to NAME; the
 * summary keeps the section,key pairs `info --csv` always had, e.g.
 * numu_cc,fraction for "numu_cc_fraction"); a field inside a GROUP is the
 * row GROUPSECTION,NAME, where a group's section is its own NAME at the
 * top level and PARENT_NAME below it (nuenergy, nuenergy_hist).
 *
 * A record without events (a --where that selects none) has counts of 0
 * but no fractions or statistics: the kinds say how each format shows
 * that, never as a 0 that reads like a measurement.
 */
#ifndef NU_SUMMARYFIELDS_H
#define NU_SUMMARYFIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "summary.h"

enum nu_sfield_kind {
	NU_SFIELD_COUNT,        /* a count: JSON a number; CSV the value column */
	NU_SFIELD_SHARE,        /* k of the record's events: JSON k; CSV k in the
	                         * events column and k/events in the fraction
	                         * column (empty when there are no events) */
	NU_SFIELD_NUM,          /* a number: JSON a number (null if not
	                         * finite); CSV the value column */
	NU_SFIELD_STAT,         /* a number about the events: JSON null and CSV
	                         * an empty value when the record has none */
	NU_SFIELD_ORDER,        /* an order statistic (min, quartiles, max):
	                         * left out of both formats when there are no
	                         * events */
	NU_SFIELD_TABLE,        /* counted rows (codes, modes ...): JSON an
	                         * array of objects {["code",] "name", ...,
	                         * "events", "fraction"}; CSV one row each,
	                         * keyed by the code or else the name */
	NU_SFIELD_BINS,         /* histogram bins: JSON an array of counts; CSV
	                         * one row each (key the bin number, label its
	                         * edges, events and fraction) */
	NU_SFIELD_GROUP,        /* a record inside the record (sub, fields):
	                         * JSON an object; CSV its fields' rows */
};

/* One row of a TABLE, filled by its row function. */
struct nu_sfield_row {
	int code;                       /* the row's code, or -1: keyed by name */
	const char *name;               /* borrowed; may point into buf */
	const char *group, *mode;       /* a code's flavour group and mode
	                                 * (JSON only), or NULL */
	uint64_t events;
	char buf[64];
};

struct nu_sfields;

struct nu_sfield {
	const char *name;
	enum nu_sfield_kind kind;
	const char *section, *key;      /* CSV, top-level fields; NULL: NAME */
	const char *label;              /* CSV label column; NULL: empty */
	uint64_t (*count)(const void *rec);             /* COUNT, SHARE */
	double (*num)(const void *rec);                 /* NUM, STAT, ORDER */
	/* TABLE: rows 0..nrows-1; row() returns false to leave row i out;
	 * lines: JSON puts each row on a line of its own */
	int nrows;
	bool (*row)(const void *rec, int i, struct nu_sfield_row *out);
	bool lines;
	/* BINS: the counts (borrowed), their number and the range they cover */
	const uint64_t *(*bins)(const void *rec, int *n, double *lo, double *hi);
	/* GROUP: the inner record (borrowed) and its fields */
	const void *(*sub)(const void *rec);
	const struct nu_sfields *fields;
};

struct nu_sfields {
	const struct nu_sfield *f;
	int n;
	uint64_t (*events)(const void *rec);    /* what SHARE and BINS fractions
	                                         * are of; 0: no STAT or ORDER */
};

/* struct nu_summary's fields, in the order writers put them; its
 * energies are GROUPs over struct nu_stats. */
extern const struct nu_sfields nu_sfields_summary;

/* k of n as a fraction; NaN (no fraction) when n = 0. */
double nu_sfield_fraction(uint64_t k, uint64_t n);

#endif
