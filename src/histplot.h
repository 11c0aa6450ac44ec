/*
 * histplot.h: the recorded training histories of model files, side by
 * side: what `nuscope model history` prints, writes as CSV and draws, and
 * what the Training screen overlays on a live run's curves.  One
 * description of the per-epoch fields (nu_histplot_fields) serves the
 * table, the CSV and the figures.
 */
#ifndef NU_HISTPLOT_H
#define NU_HISTPLOT_H

#include <stdio.h>

#include "labels.h"
#include "plot.h"
#include "epoch.h"

/* The history of one model file, with what a legend names it by. */
struct nu_histplot {
	char *path;             /* as given (owned) */
	const char *name;       /* its last component (into path) */
	char arch_name[64];     /* [net] name, "-" when the file has none */
	char monitor[32];       /* [train] monitor: what "best" means */
	enum nu_task task;
	int nclasses;           /* 0 for regressions */
	int best_epoch;         /* 0-based, -1 when not known */
	double best_value;
	struct nu_epoch_rec *hist;      /* [nhist] (owned) */
	int nhist;
};

/* A per-epoch quantity of the history tables. */
struct nu_histplot_field {
	const char *name;       /* the CSV column: "val_auc" */
	const char *title;      /* the table heading: "val AUC" */
	double (*get)(const struct nu_epoch_rec *r);
};

/* train_loss, train_metric, val_loss, val_metric, val_accuracy,
 * val_balanced_accuracy, val_auc, lr, seconds (in this order). */
extern const struct nu_histplot_field nu_histplot_fields[];
extern const int nu_histplot_nfields;

/*
 * Read the history of model file path into *h (nu_histplot_free frees it).
 * A file that is not a model is an error naming it; a model without
 * recorded epochs is not (nhist = 0).
 */
enum nu_status nu_histplot_load(const char *path, struct nu_histplot *h, char **cause);
void nu_histplot_free(struct nu_histplot *h);

/* "best val_loss 0.3123 at epoch 3" (or "no epoch recorded") into buf. */
const char *nu_histplot_best(const struct nu_histplot *h, char *buf, size_t len);

/* Print the histories as text tables, one per model, to f. */
void nu_histplot_table(FILE *f, const struct nu_histplot *h, int n);

/*
 * Write the histories as one CSV table to path (through a temporary file
 * renamed into place): columns model, architecture, epoch (1-based) and
 * the fields, one row per model and epoch; a value that is not finite is
 * an empty field.
 */
enum nu_status nu_histplot_csv(const char *path, const struct nu_histplot *h, int n,
    char **cause);

/*
 * Draw the histories overlaid into directory dir, once per format in
 * fmts[0..nfmt): history-loss (training solid, validation dashed, a colour
 * per model), history-metric (accuracy, or MAE when every model is a
 * regression) and, when a model is binary, history-auc and
 * history-balanced-accuracy (validation).  The legend names each model by
 * file, architecture and best value.  *written (if not NULL) receives the
 * number of files written.
 */
enum nu_status nu_histplot_plots(const struct nu_histplot *h, int n, const char *dir,
    const enum nu_plot_format *fmts, int nfmt, int *written, char **cause);

#endif
