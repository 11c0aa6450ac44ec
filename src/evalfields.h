/*
 * evalfields.h: the one description of the numbers of an evaluation
 * report that every writer follows: the CSV tables (evalcsv.c, for eval
 * --csv and the Evaluation screen's C key) and the JSON report (eval
 * --json).  A field is a name, a kind and how to read it from its record;
 * a writer walks a list in order, so a number added here appears in every
 * format under the same name.
 */
#ifndef NU_EVALFIELDS_H
#define NU_EVALFIELDS_H

#include "eval.h"

enum nu_field_kind {
	NU_FIELD_NUM,           /* a number */
	NU_FIELD_RATIO,         /* k of n with its interval (struct nu_ratio):
	                         * CSV NAME, NAME_lo, NAME_hi columns or a
	                         * summary row with all five; JSON an object */
	NU_FIELD_PM,            /* a number and its uncertainty: CSV bounds
	                         * value -+ err; JSON NAME and NAME_err */
};

/* Where a field also appears (the bits of nu_field.in). */
#define NU_FIELD_SCAN 1u        /* a column of thresholds.csv */

struct nu_field {
	const char *name;
	enum nu_field_kind kind;
	double (*num)(const void *rec);                 /* NUM and PM */
	double (*err)(const void *rec);                 /* PM */
	const struct nu_ratio *(*ratio)(const void *rec);       /* RATIO */
	unsigned in;
};

struct nu_fields {
	const struct nu_field *f;
	int n;
};

/* One class of a multi-class report, gathered from struct nu_multi_eval's
 * arrays by nu_class_row. */
struct nu_class_row {
	struct nu_ratio efficiency, purity;
	double f1;
};
void nu_class_row(const struct nu_multi_eval *m, int i, struct nu_class_row *out);

/* The records and their fields, in the order writers put them. */
extern const struct nu_fields nu_fields_at;     /* struct nu_binary_at */
extern const struct nu_fields nu_fields_binary; /* struct nu_binary_eval,
                                                 * beside its at and scan */
extern const struct nu_fields nu_fields_multi;  /* struct nu_multi_eval */
extern const struct nu_fields nu_fields_class;  /* struct nu_class_row */
extern const struct nu_fields nu_fields_reg;    /* struct nu_reg_stats */
extern const struct nu_fields nu_fields_slice;  /* struct nu_slice, beside
                                                 * its family, name, bin
                                                 * edges and counts; its reg
                                                 * by nu_fields_reg */

/* A field's number (NUM, PM; a RATIO's value) in rec. */
double nu_field_value(const struct nu_field *f, const void *rec);

#endif
