/*
 * evalfields.c: the fields of the evaluation records (see evalfields.h).
 */
#include "config.h"

#include <stddef.h>

#include "evalfields.h"

/* a getter per field: NUM_FN(name, record type, expression of r) */
#define NUM_FN(fn, type, expr)                                                \
	static double fn(const void *p) { const type *r = p; return (expr); }
#define RATIO_FN(fn, type, member)                                            \
	static const struct nu_ratio *fn(const void *p)                       \
	{ const type *r = p; return &r->member; }
#define NUM(name, fn) { name, NU_FIELD_NUM, fn, NULL, NULL, 0 }
#define NUM_IN(name, fn, in) { name, NU_FIELD_NUM, fn, NULL, NULL, in }
#define RATIO(name, fn, in) { name, NU_FIELD_RATIO, NULL, NULL, fn, in }
#define PM(name, fn, efn, in) { name, NU_FIELD_PM, fn, efn, NULL, in }
#define FIELDS(list) { list, (int)(sizeof list / sizeof list[0]) }

/* ---- one threshold --------------------------------------------------------- */

NUM_FN(at_t, struct nu_binary_at, r->t)
NUM_FN(at_tp, struct nu_binary_at, r->c.tp)
NUM_FN(at_fp, struct nu_binary_at, r->c.fp)
NUM_FN(at_tn, struct nu_binary_at, r->c.tn)
NUM_FN(at_fn, struct nu_binary_at, r->c.fn)
RATIO_FN(at_acc, struct nu_binary_at, accuracy)
RATIO_FN(at_eff, struct nu_binary_at, efficiency)
RATIO_FN(at_pur, struct nu_binary_at, purity)
RATIO_FN(at_rej, struct nu_binary_at, rejection)
NUM_FN(at_bal, struct nu_binary_at, r->balanced)
NUM_FN(at_bal_err, struct nu_binary_at, r->balanced_err)
NUM_FN(at_f1, struct nu_binary_at, r->f1)
NUM_FN(at_fom, struct nu_binary_at, r->fom)

static const struct nu_field at_list[] = {
	NUM_IN("threshold", at_t, NU_FIELD_SCAN),
	NUM("tp", at_tp),
	NUM("fp", at_fp),
	NUM("tn", at_tn),
	NUM("fn", at_fn),
	RATIO("accuracy", at_acc, NU_FIELD_SCAN),
	RATIO("efficiency", at_eff, NU_FIELD_SCAN),
	RATIO("purity", at_pur, NU_FIELD_SCAN),
	RATIO("rejection", at_rej, NU_FIELD_SCAN),
	PM("balanced_accuracy", at_bal, at_bal_err, NU_FIELD_SCAN),
	NUM_IN("f1", at_f1, NU_FIELD_SCAN),
	NUM_IN("fom", at_fom, NU_FIELD_SCAN),
};
const struct nu_fields nu_fields_at = FIELDS(at_list);

/* ---- a binary task's headline ---------------------------------------------- */

NUM_FN(bin_sig, struct nu_binary_eval, r->npos)
NUM_FN(bin_bkg, struct nu_binary_eval, r->nneg)
NUM_FN(bin_base, struct nu_binary_eval, r->baseline)
NUM_FN(bin_auc, struct nu_binary_eval, r->auc)
NUM_FN(bin_ap, struct nu_binary_eval, r->ap)
NUM_FN(bin_best_bal, struct nu_binary_eval, r->scan[r->best_balanced].t)
NUM_FN(bin_best_fom, struct nu_binary_eval, r->scan[r->best_fom].t)
NUM_FN(bin_youden_t, struct nu_binary_eval, r->youden_t)
NUM_FN(bin_youden_j, struct nu_binary_eval, r->youden_j)

static const struct nu_field binary_list[] = {
	NUM("signal", bin_sig),
	NUM("background", bin_bkg),
	NUM("baseline", bin_base),
	NUM("auc", bin_auc),
	NUM("average_precision", bin_ap),
	NUM("best_threshold_balanced", bin_best_bal),
	NUM("best_threshold_fom", bin_best_fom),
	NUM("youden_threshold", bin_youden_t),
	NUM("youden_j", bin_youden_j),
};
const struct nu_fields nu_fields_binary = FIELDS(binary_list);

/* ---- several classes ------------------------------------------------------- */

RATIO_FN(multi_acc, struct nu_multi_eval, accuracy)
NUM_FN(multi_macro, struct nu_multi_eval, r->macro_f1)
NUM_FN(multi_micro, struct nu_multi_eval, r->micro_f1)
NUM_FN(multi_base, struct nu_multi_eval, r->baseline)

static const struct nu_field multi_list[] = {
	RATIO("accuracy", multi_acc, 0),
	NUM("macro_f1", multi_macro),
	NUM("micro_f1", multi_micro),
	NUM("baseline", multi_base),
};
const struct nu_fields nu_fields_multi = FIELDS(multi_list);

RATIO_FN(class_eff, struct nu_class_row, efficiency)
RATIO_FN(class_pur, struct nu_class_row, purity)
NUM_FN(class_f1, struct nu_class_row, r->f1)

static const struct nu_field class_list[] = {
	RATIO("efficiency", class_eff, 0),
	RATIO("purity", class_pur, 0),
	NUM("f1", class_f1),
};
const struct nu_fields nu_fields_class = FIELDS(class_list);

void
nu_class_row(const struct nu_multi_eval *m, int i, struct nu_class_row *out)
{
	out->efficiency = m->efficiency[i];
	out->purity = m->purity[i];
	out->f1 = m->f1[i];
}

/* ---- regressions ----------------------------------------------------------- */

NUM_FN(reg_mse, struct nu_reg_stats, r->mse)
NUM_FN(reg_mae, struct nu_reg_stats, r->mae)
NUM_FN(reg_bias, struct nu_reg_stats, r->bias)
NUM_FN(reg_res, struct nu_reg_stats, r->resolution)

static const struct nu_field reg_list[] = {
	NUM("mse", reg_mse),
	NUM("mae", reg_mae),
	NUM("bias", reg_bias),
	NUM("resolution", reg_res),
};
const struct nu_fields nu_fields_reg = FIELDS(reg_list);

/* ---- a slice --------------------------------------------------------------- */

RATIO_FN(slice_acc, struct nu_slice, accuracy)
RATIO_FN(slice_eff, struct nu_slice, efficiency)
RATIO_FN(slice_rej, struct nu_slice, rejection)

static const struct nu_field slice_list[] = {
	RATIO("accuracy", slice_acc, 0),
	RATIO("efficiency", slice_eff, 0),
	RATIO("rejection", slice_rej, 0),
};
const struct nu_fields nu_fields_slice = FIELDS(slice_list);

double
nu_field_value(const struct nu_field *f, const void *rec)
{
	return f->kind == NU_FIELD_RATIO ? f->ratio(rec)->value : f->num(rec);
}
