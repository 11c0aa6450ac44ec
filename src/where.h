/*
 * where.h: the --where language: conditions on events' metadata, shared by
 * every command and screen that selects events.
 *
 *   interaction == 13 && nuenergy > 10
 *   mode == DIS || (group == nue && y < 0.3)
 *   !(finalstate >= 32) && run != 12345
 *
 * Names are the /neutrino columns (nuscope-data(5)) plus y (E_lep/E_nu,
 * false in every comparison when E_nu <= 0), mode (QE, RES, DIS, CCother,
 * NC, none), group (numu, nue, nutau, NC, cosmic, other) and event (the
 * global index).  Comparisons are == != < <= > >=; && binds tighter than
 * ||; ! negates; parentheses group.
 *
 * With a model bound (nu_where_set_model) three more names read its
 * output for each event: score (binary: the signal probability;
 * multi-class: the probability of the predicted class; regression: the
 * prediction), label (the event's label for the model's task: a class
 * index or the target; NaN, so false in every comparison, for an event
 * outside the task) and selected (binary only: 1 when score > the
 * threshold, compared in float as nuscope eval counts, else 0; it may
 * stand alone: `selected && label == 0`).
 * They compile without a model, but selecting with them needs one.
 *
 * Parentheses and ! nest at most NU_WHERE_MAXDEPTH deep (checked while
 * parsing, so a hostile text cannot exhaust the stack); && and || chains
 * may be of any length (they are evaluated without recursion).
 */
#ifndef NU_WHERE_H
#define NU_WHERE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataset.h"

/* The values an expression reads: the columns, then the derived names. */
enum {
	NU_WHERE_Y = NU_NCOLUMNS,
	NU_WHERE_MODE,
	NU_WHERE_GROUP,
	NU_WHERE_EVENT,
	NU_WHERE_SCORE,         /* the names a bound model fills */
	NU_WHERE_LABEL,
	NU_WHERE_SELECTED,
	NU_WHERE_NVARS
};

#define NU_WHERE_MAXDEPTH 256

struct nu_where;
struct nu_model;

/* Compile text; errors say where and what was expected:
 * "where: nuenergy > : expected a number after '>' (at 11)". */
enum nu_status nu_where_compile(struct nu_where **out, const char *text, char **cause);
void nu_where_free(struct nu_where *w);

/* Whether the expression reads variable v (to read only what it needs). */
bool nu_where_uses(const struct nu_where *w, int v);

/* Fill the derived variables of vals[NU_WHERE_NVARS] from the columns
 * (interaction, nuenergy, lepenergy) and the event index. */
void nu_where_derive(double *vals, uint64_t event);

/* Evaluate on one event's variables. */
bool nu_where_eval(const struct nu_where *w, const double *vals);

/* Whether the expression reads a model's output (score, label,
 * selected). */
bool nu_where_needs_model(const struct nu_where *w);

/*
 * Bind model m (borrowed: it must outlive every select with w) for score,
 * label and selected; selected is score > threshold (NaN: the model's
 * stored one).  m may be NULL: then an expression that reads those names
 * is an error ("where: 'score' needs --model"), as is selected with a
 * model that is not a binary classifier.
 */
enum nu_status nu_where_set_model(struct nu_where *w, const struct nu_model *m,
    double threshold, char **cause);

/* The threshold selected compares with (NaN when no model is bound). */
double nu_where_threshold(const struct nu_where *w);

/*
 * Which of events [first, first+n) the expression selects: keep[i] = 1 or
 * 0.  Reads only the columns it uses (a file without one of them is an
 * error naming it), and runs the bound model over the events only when
 * the expression reads score or selected (nu_score, batched, over a
 * window of events it keeps for the next blocks; so an expression with a
 * model bound is for one thread at a time).
 */
enum nu_status nu_where_select(const struct nu_where *w, struct nu_dataset *ds,
    uint64_t first, size_t n, uint8_t *keep, char **cause);

/* The same with the model's outputs for the events given: y[n * nout],
 * as nu_score writes them (NULL: run the model when needed), for a
 * caller that scores the events anyway. */
enum nu_status nu_where_select_scored(const struct nu_where *w,
    struct nu_dataset *ds, uint64_t first, size_t n, const float *y,
    uint8_t *keep, char **cause);

#endif
