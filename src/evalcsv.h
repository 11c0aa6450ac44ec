/*
 * evalcsv.h: the numbers of an evaluation as CSV files (nuscope eval
 * --csv, and the Evaluation screen's C key): one implementation, so the
 * files a user gets are the same byte for byte whichever way they ask.
 */
#ifndef NU_EVALCSV_H
#define NU_EVALCSV_H

#include "eval.h"

/*
 * Write the tables of report r into directory dir (made if missing, one
 * level): summary.csv (every headline number with its interval, at the
 * report's threshold), confusion.csv (classification), slices.csv, and for
 * binary tasks thresholds.csv (the scan), roc.csv and pr.csv.  Numbers are
 * %.9g; a number that is not finite is an empty field.  Each file goes
 * through a temporary name in dir that is renamed into place, so a
 * failure never leaves a half-written table under its real name.
 * *written (if not NULL) receives the number of files written, also on
 * failure.  Not thread-safe for the same dir.
 */
enum nu_status nu_eval_csv(const struct nu_eval_report *r, const char *dir,
    int *written, char **cause);

#endif
