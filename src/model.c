/*
 * model.c: writing and reading model files (nuscope-model(5)).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "guard.h"
#include "model.h"

/* ---- writing helpers (each returns 0 on failure) ------------------------------- */

static int dset_write(hid_t file, const char *path, hid_t memtype, hid_t filetype,
    int rank, const hsize_t *dims, const void *data);

static int
attr_write(hid_t loc, const char *name, hid_t type, const void *v)
{
	hid_t sp = H5Screate(H5S_SCALAR), a;
	int ok;

	a = H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
	ok = a >= 0 && H5Awrite(a, type, v) >= 0;
	if (a >= 0)
		H5Aclose(a);
	H5Sclose(sp);
	return ok;
}

static int
attr_str(hid_t loc, const char *name, const char *s)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	int ok;

	/* a type left at one character would write a cut string: fail */
	ok = t >= 0 && H5Tset_size(t, strlen(s) > 0 ? strlen(s) : 1) >= 0 &&
	    H5Tset_strpad(t, H5T_STR_NULLPAD) >= 0 &&
	    attr_write(loc, name, t, s[0] ? s : "");
	if (t >= 0)
		H5Tclose(t);
	return ok;
}

static int
attr_i64(hid_t loc, const char *name, int64_t v)
{
	return attr_write(loc, name, H5T_NATIVE_INT64, &v);
}

static int
attr_u64(hid_t loc, const char *name, uint64_t v)
{
	return attr_write(loc, name, H5T_NATIVE_UINT64, &v);
}

static int
attr_f64(hid_t loc, const char *name, double v)
{
	return attr_write(loc, name, H5T_NATIVE_DOUBLE, &v);
}

/* A dataset at path (intermediate groups made) of rank dims. */
static int
dset_write(hid_t file, const char *path, hid_t memtype, hid_t filetype, int rank,
    const hsize_t *dims, const void *data)
{
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), sp, d;
	int ok;

	H5Pset_create_intermediate_group(lcpl, 1);
	sp = H5Screate_simple(rank, dims, NULL);
	d = H5Dcreate2(file, path, filetype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
	ok = d >= 0 && H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
	if (d >= 0)
		H5Dclose(d);
	H5Sclose(sp);
	H5Pclose(lcpl);
	return ok;
}

static int
floats_write(hid_t file, const char *path, const float *v, size_t n)
{
	hsize_t dims[1] = { n };

	return dset_write(file, path, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 1, dims, v);
}

static int
text_write(hid_t file, const char *path, const char *text)
{
	hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), d;
	size_t len = strlen(text);
	int ok;

	ok = t >= 0 && sp >= 0 && H5Tset_size(t, len > 0 ? len : 1) >= 0 &&
	    H5Tset_strpad(t, H5T_STR_NULLPAD) >= 0;
	d = ok ? H5Dcreate2(file, path, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
	ok = d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, len ? text : "") >= 0;
	if (d >= 0 && H5Dclose(d) < 0)
		ok = 0;
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	return ok;
}

static int
tensors_write(hid_t f, const struct nu_net *net, bool state)
{
	char path[128];

	for (int i = 0; i < net->nnodes; i++) {
		const struct nu_net_node *nd = &net->node[i];

		for (int k = 0; k < nd->l->ntensors; k++) {
			const struct nu_layer_tensor *t = &nd->l->tensors[k];
			hsize_t dims[4];
			const float *base = state ? net->state + nd->soff : net->params + nd->poff;

			if (t->state != state)
				continue;
			for (int r = 0; r < t->rank; r++)
				dims[r] = (hsize_t)t->dims[r];
			snprintf(path, sizeof path, "/%s/%s/%s", state ? "state" : "params",
			    nd->name, t->name);
			if (!dset_write(f, path, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, t->rank,
			    dims, base + t->off))
				return 0;
		}
	}
	return 1;
}

/* /trainset: the run's choices as attributes, then one group per file with
 * its name, size, fingerprint and the part of each event (compressed: the
 * codes repeat in long runs). */
static int
trainset_write(hid_t f, const struct nu_trainset *ts)
{
	hid_t g = H5Gcreate2(f, "/trainset", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	hsize_t three = 3;
	hid_t sp3 = H5Screate_simple(1, &three, NULL), a;
	int ok = g >= 0;

	ok = ok && attr_str(g, "split", ts->split) &&
	    attr_str(g, "balance", ts->balance) && attr_u64(g, "seed", ts->seed) &&
	    attr_str(g, "where", ts->where) && attr_u64(g, "nfiles", ts->nfiles);
	if (ok) {
		a = H5Acreate2(g, "fractions", H5T_IEEE_F64LE, sp3, H5P_DEFAULT, H5P_DEFAULT);
		ok = a >= 0 && H5Awrite(a, H5T_NATIVE_DOUBLE, ts->fractions) >= 0;
		if (a >= 0)
			H5Aclose(a);
	}
	H5Sclose(sp3);
	for (size_t i = 0; i < ts->nfiles && ok; i++) {
		const struct nu_trainset_file *tf = &ts->file[i];
		char p[64];
		hsize_t dims[1] = { tf->nevents }, chunk[1];
		hid_t fg, sp, dcpl, d;

		snprintf(p, sizeof p, "/trainset/file%05zu", i);
		fg = H5Gcreate2(f, p, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		ok = fg >= 0 && attr_str(fg, "path", tf->path) &&
		    attr_u64(fg, "nevents", tf->nevents) &&
		    attr_u64(fg, "fingerprint", tf->fingerprint);
		if (fg >= 0)
			H5Gclose(fg);
		if (!ok)
			break;
		snprintf(p, sizeof p, "/trainset/file%05zu/part", i);
		sp = H5Screate_simple(1, dims, NULL);
		dcpl = H5Pcreate(H5P_DATASET_CREATE);
		if (tf->nevents > 0) {
			chunk[0] = tf->nevents < 65536 ? tf->nevents : 65536;
			H5Pset_chunk(dcpl, 1, chunk);
			H5Pset_deflate(dcpl, 6);
		}
		d = H5Dcreate2(f, p, H5T_STD_U8LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
		ok = d >= 0 && (tf->nevents == 0 ||
		    H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, tf->part) >= 0);
		if (d >= 0)
			H5Dclose(d);
		H5Pclose(dcpl);
		H5Sclose(sp);
	}
	if (g >= 0)
		H5Gclose(g);
	return ok;
}

static const char *const hist_names[] = {
	"train_loss", "train_metric", "val_loss", "val_metric", "val_accuracy",
	"val_balanced_accuracy", "val_auc", "lr", "seconds",
};
#define NHIST ((int)(sizeof hist_names / sizeof hist_names[0]))

static double *
hist_field(struct nu_epoch_rec *r, int k)
{
	double *f[NHIST] = { &r->train_loss, &r->train_metric, &r->val_loss,
	    &r->val_metric, &r->val_accuracy, &r->val_balanced_accuracy, &r->val_auc,
	    &r->lr, &r->seconds };

	return f[k];
}

/*
 * Model files are built in memory (HDF5's core driver, no backing store)
 * and written out in one piece by nu_write_atomic: a full disk or a
 * failing write then ends in a clean error with the previous model intact,
 * while a file HDF5 itself failed to flush stays open inside the library
 * and crashed it at exit.
 */
static hid_t
image_fapl(const void *image, size_t len)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);

	if (fapl < 0)
		return -1;
	if (H5Pset_fapl_core(fapl, 1 << 20, 0) < 0 ||
	    (image != NULL && H5Pset_file_image(fapl, (void *)image, len) < 0)) {
		H5Pclose(fapl);
		return -1;
	}
	return fapl;
}

/* A name no other in-memory file of this process has (HDF5 refuses to
 * create a file it holds open under the same name). */
static void
image_name(char *buf, size_t len)
{
	static atomic_uint counter;

	snprintf(buf, len, "nuscope-model-image-%ld-%u", (long)getpid(),
	    atomic_fetch_add(&counter, 1));
}

/* Flush f, close it and write its image to path through nu_write_atomic;
 * f is closed in every case. */
static enum nu_status
image_commit(hid_t f, const char *path, char **cause)
{
	ssize_t n = 0;
	void *buf = NULL;
	enum nu_status st = NU_OK;

	if (H5Fflush(f, H5F_SCOPE_LOCAL) < 0 ||
	    (n = H5Fget_file_image(f, NULL, 0)) <= 0 ||
	    (buf = malloc((size_t)n)) == NULL ||
	    H5Fget_file_image(f, buf, (size_t)n) != n)
		st = nu_fail(cause, NU_ERR_HDF5, "%s: could not assemble the model file", path);
	if (H5Fclose(f) < 0 && st == NU_OK)
		st = nu_fail(cause, NU_ERR_HDF5, "%s: could not assemble the model file", path);
	if (st == NU_OK)
		st = nu_write_atomic(path, buf, (size_t)n, cause);
	free(buf);
	H5Eclear2(H5E_DEFAULT);
	return st;
}

enum nu_status
nu_model_save(const char *path, const struct nu_net *net, const char *arch_text,
    const struct nu_opt *opt, const struct nu_epoch_rec *hist, int nhist,
    const float *best_params, const float *best_state,
    const struct nu_model_meta *meta, char **cause)
{
	char name[64];
	hid_t f, g, fapl;
	int ok;

	nu_init();
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	image_name(name, sizeof name);
	if ((fapl = image_fapl(NULL, 0)) < 0)
		return nu_fail(cause, NU_ERR_HDF5, "%s: could not start a model file", path);
	f = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	H5Pclose(fapl);
	ok = f >= 0;
	ok = ok && attr_str(f, "format", "nuscope-model") &&
	    attr_i64(f, "version", NU_MODEL_VERSION) &&
	    attr_str(f, "task", nu_task_name(meta->task)) &&
	    attr_u64(f, "seed", meta->seed) &&
	    attr_i64(f, "epoch", meta->epoch) && attr_i64(f, "batch", meta->batch) &&
	    attr_u64(f, "step", meta->step) &&
	    attr_str(f, "normalise", meta->normalise) &&
	    attr_i64(f, "normalise_max", meta->normalise_max) &&
	    attr_f64(f, "threshold", meta->threshold) &&
	    attr_i64(f, "best_epoch", meta->best_epoch) &&
	    attr_f64(f, "best_value", meta->best_value) &&
	    attr_f64(f, "partial_loss", meta->partial_loss) &&
	    attr_f64(f, "partial_metric", meta->partial_metric) &&
	    attr_u64(f, "partial_events", meta->partial_events) &&
	    attr_str(f, "where", meta->where != NULL ? meta->where : "");
	ok = ok && text_write(f, "/arch", arch_text);
	ok = ok && (meta->trainset == NULL || trainset_write(f, meta->trainset));
	ok = ok && tensors_write(f, net, false) && tensors_write(f, net, true);
	if (ok && opt != NULL) {
		static const char *const kinds[] = { "adam", "sgd", "rmsprop" };

		g = H5Gcreate2(f, "/optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		ok = g >= 0 && attr_str(g, "kind", kinds[opt->kind]) &&
		    attr_u64(g, "step", opt->step);
		if (g >= 0)
			H5Gclose(g);
		ok = ok && floats_write(f, "/optimizer/m", opt->m, opt->n);
		if (ok && opt->kind == NU_OPT_ADAM)
			ok = floats_write(f, "/optimizer/v", opt->v, opt->n);
	}
	if (ok && best_params != NULL)
		ok = floats_write(f, "/best/params", best_params, net->nparams) &&
		    floats_write(f, "/best/state", best_state, net->nstate);
	if (ok) {
		double *col = malloc(((size_t)nhist + 1) * sizeof(double));
		hsize_t dims[1] = { (hsize_t)nhist };
		char p[64];

		ok = col != NULL;
		for (int k = 0; k < NHIST && ok; k++) {
			for (int e = 0; e < nhist; e++)
				col[e] = *hist_field((struct nu_epoch_rec *)&hist[e], k);
			snprintf(p, sizeof p, "/history/%s", hist_names[k]);
			ok = dset_write(f, p, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, col);
		}
		free(col);
	}
	if (!ok) {
		if (f >= 0)
			H5Fclose(f);
		H5Eclear2(H5E_DEFAULT);
		return nu_fail(cause, NU_ERR_HDF5, "%s: could not write the model", path);
	}
	return image_commit(f, path, cause);
}

/* ---- reading ------------------------------------------------------------------ */

/*
 * The helpers below answer "absent" (or "not of the expected shape") with 0
 * or NULL, and the loader falls back to defaults for optional parts.  A
 * call that fails (HDF5 cannot read what is there, memory runs out) is not
 * an absence: it is recorded here, and nu_model_load then fails instead of
 * loading a model that differs from the file.  Per thread, as models load
 * on worker threads too; nu_model_load clears it.
 */
static _Thread_local struct {
	enum nu_status st;      /* NU_OK, NU_ERR_HDF5 or NU_ERR_NOMEM */
	char what[96];          /* what was being read */
} rd;

static void
rd_fail(enum nu_status st, const char *what)
{
	if (rd.st == NU_OK) {
		rd.st = st;
		snprintf(rd.what, sizeof rd.what, "%s", what);
	}
}

/* Whether attribute a (called name) holds exactly one element (a scalar,
 * or an array of one): reading anything larger into one variable would
 * overrun it. */
static int
attr_is_single(hid_t a, const char *name)
{
	hid_t sp = H5Aget_space(a);
	hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;

	if (sp >= 0)
		H5Sclose(sp);
	if (n < 0)
		rd_fail(NU_ERR_HDF5, name);
	return n == 1;
}

/* A numeric attribute of one element into *v (converted to type); 0 when
 * absent or of another shape or class. */
static int
attr_read(hid_t loc, const char *name, hid_t type, void *v)
{
	hid_t a, t;
	H5T_class_t c = H5T_NO_CLASS;
	htri_t e;
	int ok = 0;

	if ((e = H5Aexists(loc, name)) <= 0) {
		if (e < 0)
			rd_fail(NU_ERR_HDF5, name);
		return 0;
	}
	if ((a = H5Aopen(loc, name, H5P_DEFAULT)) < 0) {
		rd_fail(NU_ERR_HDF5, name);
		return 0;
	}
	if ((t = H5Aget_type(a)) < 0 || (c = H5Tget_class(t)) < 0)
		rd_fail(NU_ERR_HDF5, name);
	else if ((c == H5T_INTEGER || c == H5T_FLOAT) && attr_is_single(a, name)) {
		if (H5Aread(a, type, v) >= 0)
			ok = 1;
		else
			rd_fail(NU_ERR_HDF5, name);
	}
	if (t >= 0)
		H5Tclose(t);
	H5Aclose(a);
	return ok;
}

/* A fixed-length string attribute as a new string (caller frees); NULL
 * when absent, not such a string, longer than NU_MODEL_MAXTEXT, or out of
 * memory. */
static char *
attr_str_dup(hid_t loc, const char *name)
{
	hid_t a, t, mt;
	H5T_class_t c;
	htri_t e, var = -1;
	size_t sz;
	char *s;

	if ((e = H5Aexists(loc, name)) <= 0) {
		if (e < 0)
			rd_fail(NU_ERR_HDF5, name);
		return NULL;
	}
	if ((a = H5Aopen(loc, name, H5P_DEFAULT)) < 0) {
		rd_fail(NU_ERR_HDF5, name);
		return NULL;
	}
	t = H5Aget_type(a);
	c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
	if (c == H5T_STRING)
		var = H5Tis_variable_str(t);
	if (c < 0 || (c == H5T_STRING && var < 0))
		rd_fail(NU_ERR_HDF5, name);
	if (c != H5T_STRING || var != 0 || !attr_is_single(a, name)) {
		if (t >= 0)
			H5Tclose(t);
		H5Aclose(a);
		return NULL;
	}
	sz = H5Tget_size(t);
	if (sz > NU_MODEL_MAXTEXT) {
		H5Tclose(t);
		H5Aclose(a);
		return NULL;
	}
	/* one more byte than stored: a NUL-terminated memory type of the same
	 * size would drop the last character of a NUL-padded string */
	mt = H5Tcopy(H5T_C_S1);
	s = calloc(1, sz + 2);
	if (s == NULL)
		rd_fail(NU_ERR_NOMEM, name);
	else if (sz == 0 || mt < 0 || H5Tset_size(mt, sz + 1) < 0 || H5Aread(a, mt, s) < 0) {
		rd_fail(NU_ERR_HDF5, name);
		free(s);
		s = NULL;
	}
	if (mt >= 0)
		H5Tclose(mt);
	H5Tclose(t);
	H5Aclose(a);
	return s;
}

/* A string attribute into buf (always terminated). */
static int
attr_read_str(hid_t loc, const char *name, char *buf, size_t len)
{
	char *s = attr_str_dup(loc, name);

	buf[0] = '\0';
	if (s == NULL)
		return 0;
	snprintf(buf, len, "%s", s);
	free(s);
	return 1;
}

/* A dataset of one fixed-length string as a new string (caller frees);
 * NULL when absent, not such a string or out of memory, and when its
 * type declares more than NU_MODEL_MAXTEXT bytes, which *toolong then
 * holds (else 0). */
static char *
text_read(hid_t f, const char *path, size_t *toolong)
{
	hid_t d, t, mt, sp;
	H5T_class_t c;
	htri_t e, var = -1;
	hssize_t np;
	size_t sz = 0;
	char *s = NULL;

	*toolong = 0;
	if ((e = H5Lexists(f, path + 1, H5P_DEFAULT)) <= 0) {
		if (e < 0)
			rd_fail(NU_ERR_HDF5, path);
		return NULL;
	}
	if ((d = H5Dopen2(f, path, H5P_DEFAULT)) < 0) {
		rd_fail(NU_ERR_HDF5, path);
		return NULL;
	}
	t = H5Dget_type(d);
	sp = H5Dget_space(d);
	c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
	if (c == H5T_STRING)
		var = H5Tis_variable_str(t);
	np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
	if (c < 0 || (c == H5T_STRING && var < 0) || np < 0)
		rd_fail(NU_ERR_HDF5, path);
	/* one fixed-length string: an array of them would overrun the buffer */
	else if (c == H5T_STRING && var == 0 && np == 1 && (sz = H5Tget_size(t)) == 0)
		rd_fail(NU_ERR_HDF5, path);
	if (sp >= 0)
		H5Sclose(sp);
	if (sz > NU_MODEL_MAXTEXT) {
		*toolong = sz;
		sz = 0;
	}
	if (sz > 0 && (s = calloc(1, sz + 2)) == NULL)
		rd_fail(NU_ERR_NOMEM, path);
	mt = s != NULL ? H5Tcopy(H5T_C_S1) : -1;
	if (s != NULL && (mt < 0 || H5Tset_size(mt, sz + 1) < 0 ||
	    H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) < 0)) {
		rd_fail(NU_ERR_HDF5, path);
		free(s);
		s = NULL;
	}
	if (mt >= 0)
		H5Tclose(mt);
	if (t >= 0)
		H5Tclose(t);
	H5Dclose(d);
	return s;
}

/* Read a float dataset of exactly n elements (any shape) into out. */
static int
floats_read(hid_t f, const char *path, float *out, size_t n, size_t *found)
{
	hid_t d, sp;
	hssize_t np;
	htri_t e;
	int ok = 0;

	*found = 0;
	if ((e = H5Lexists(f, path, H5P_DEFAULT)) <= 0) {
		if (e < 0)
			rd_fail(NU_ERR_HDF5, path);
		return 0;
	}
	if ((d = H5Dopen2(f, path, H5P_DEFAULT)) < 0) {
		rd_fail(NU_ERR_HDF5, path);
		return 0;
	}
	sp = H5Dget_space(d);
	np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
	*found = np > 0 ? (size_t)np : 0;
	if (np < 0)
		rd_fail(NU_ERR_HDF5, path);
	else if ((size_t)np == n) {
		ok = n == 0 || H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
		    out) >= 0;
		if (!ok)
			rd_fail(NU_ERR_HDF5, path);
	}
	if (sp >= 0)
		H5Sclose(sp);
	H5Dclose(d);
	return ok;
}

/* Whether every group on the way to path exists (H5Lexists needs that). */
static int
path_exists(hid_t f, const char *path)
{
	char buf[256];

	htri_t e;

	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if ((e = H5Lexists(f, buf, H5P_DEFAULT)) <= 0) {
			if (e < 0)
				rd_fail(NU_ERR_HDF5, path);
			H5Eclear2(H5E_DEFAULT);
			return 0;
		}
		*p = '/';
	}
	if ((e = H5Lexists(f, buf, H5P_DEFAULT)) < 0)
		rd_fail(NU_ERR_HDF5, path);
	return e > 0;
}

/*
 * Read /trainset (nuscope-model(5)) into *out; NULL and NU_OK when the file
 * has none.  Every declared size is checked against its limit and against
 * the stored dataset before anything is allocated for it.
 */
static enum nu_status
trainset_read(hid_t f, const char *path, struct nu_trainset **out, char **cause)
{
	struct nu_trainset *ts;
	hid_t g, a;
	htri_t has;
	uint64_t nfiles = 0;
	enum nu_status st = NU_OK;
	char *s;

	*out = NULL;
	if (!path_exists(f, "/trainset"))
		return NU_OK;
	if ((g = H5Gopen2(f, "/trainset", H5P_DEFAULT)) < 0)
		return nu_fail(cause, NU_ERR_FORMAT, "%s: /trainset is not a group", path);
	if ((ts = nu_trainset_new()) == NULL) {
		H5Gclose(g);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	if (!attr_read(g, "nfiles", H5T_NATIVE_UINT64, &nfiles) ||
	    nfiles > NU_TRAINSET_MAXFILES) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: /trainset: attribute nfiles "
		    "missing or above %d", path, NU_TRAINSET_MAXFILES);
		goto out;
	}
	attr_read_str(g, "split", ts->split, sizeof ts->split);
	attr_read_str(g, "balance", ts->balance, sizeof ts->balance);
	attr_read(g, "seed", H5T_NATIVE_UINT64, &ts->seed);
	if ((s = attr_str_dup(g, "where")) != NULL) {
		free(ts->where);
		ts->where = s;
	}
	if ((has = H5Aexists(g, "fractions")) < 0)
		rd_fail(NU_ERR_HDF5, "/trainset fractions");
	else if (has > 0 && (a = H5Aopen(g, "fractions", H5P_DEFAULT)) < 0)
		rd_fail(NU_ERR_HDF5, "/trainset fractions");
	else if (has > 0) {
		hid_t sp = H5Aget_space(a);
		hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;

		if (np < 0 || (np == 3 && H5Aread(a, H5T_NATIVE_DOUBLE, ts->fractions) < 0))
			rd_fail(NU_ERR_HDF5, "/trainset fractions");
		if (sp >= 0)
			H5Sclose(sp);
		H5Aclose(a);
	}
	if ((ts->file = calloc(nfiles ? nfiles : 1, sizeof(*ts->file))) == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nfiles && st == NU_OK; i++) {
		struct nu_trainset_file *tf = &ts->file[i];
		char p[64];
		hid_t fg, d, sp;
		hssize_t np;
		hsize_t stored;

		ts->nfiles = i + 1;
		snprintf(p, sizeof p, "/trainset/file%05zu", i);
		if (!path_exists(f, p) || (fg = H5Gopen2(f, p, H5P_DEFAULT)) < 0) {
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s is missing", path, p);
			break;
		}
		tf->path = attr_str_dup(fg, "path");
		if (!attr_read(fg, "nevents", H5T_NATIVE_UINT64, &tf->nevents) ||
		    !attr_read(fg, "fingerprint", H5T_NATIVE_UINT64, &tf->fingerprint) ||
		    tf->path == NULL || tf->nevents > NU_TRAINSET_MAXEVENTS)
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s needs the attributes path, "
			    "nevents (at most %llu) and fingerprint", path, p,
			    (unsigned long long)NU_TRAINSET_MAXEVENTS);
		H5Gclose(fg);
		if (st != NU_OK)
			break;
		snprintf(p, sizeof p, "/trainset/file%05zu/part", i);
		if (!path_exists(f, p) || (d = H5Dopen2(f, p, H5P_DEFAULT)) < 0) {
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s is missing", path, p);
			break;
		}
		sp = H5Dget_space(d);
		np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
		if (sp >= 0)
			H5Sclose(sp);
		if (np < 0 || (uint64_t)np != tf->nevents)
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s holds %lld values; its "
			    "file has %llu events", path, p, (long long)np,
			    (unsigned long long)tf->nevents);
		else if ((stored = H5Dget_storage_size(d)) * NU_TRAINSET_MAXPACK < tf->nevents)
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s declares %llu values but "
			    "stores %llu bytes (at least 1 in %d must be stored)", path, p,
			    (unsigned long long)tf->nevents, (unsigned long long)stored,
			    NU_TRAINSET_MAXPACK);
		else if ((tf->part = malloc(tf->nevents ? tf->nevents : 1)) == NULL)
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		else if (tf->nevents > 0 && H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL,
		    H5P_DEFAULT, tf->part) < 0)
			st = nu_fail(cause, NU_ERR_FORMAT, "%s: cannot read %s", path, p);
		H5Dclose(d);
		for (uint64_t e = 0; st == NU_OK && e < tf->nevents; e++)
			if (tf->part[e] > NU_SEEN_TEST)
				st = nu_fail(cause, NU_ERR_FORMAT, "%s: %s: value %u at %llu "
				    "(expected 0 to 3)", path, p, tf->part[e], (unsigned long long)e);
	}
out:
	H5Gclose(g);
	if (st != NU_OK) {
		nu_trainset_free(ts);
		return st;
	}
	*out = ts;
	return NU_OK;
}

void
nu_model_free(struct nu_model *m)
{
	if (m == NULL)
		return;
	nu_arch_free(m->arch);
	nu_net_free(m->net);
	free(m->opt_m);
	free(m->opt_v);
	free(m->hist);
	free(m->best_params);
	free(m->best_state);
	free(m->where);
	nu_trainset_free(m->trainset);
	free(m);
}

static enum nu_status model_load(const char *path, struct nu_model **out, char **cause);

/* The loader, marked as reading an untrusted file for the crash guard. */
enum nu_status
nu_model_load(const char *path, struct nu_model **out, char **cause)
{
	struct nu_guard g;
	enum nu_status st;

	nu_guard_enter(&g, path, "the model");
	st = model_load(path, out, cause);
	nu_guard_leave(&g);
	return st;
}

/* /arch parsed into the network, the task checked against it, and every
 * tensor the architecture needs read with its exact size. */
static enum nu_status
network_read(hid_t f, const char *path, struct nu_model *m, char **cause)
{
	char task[32] = "", *text = NULL, *apath = NULL;
	size_t toolong;
	enum nu_status st = NU_OK;

	if ((text = text_read(f, "/arch", &toolong)) == NULL) {
		st = toolong ? nu_fail(cause, NU_ERR_FORMAT, "%s: /arch declares %zu "
		    "bytes; an architecture text is at most %zu", path, toolong,
		    NU_MODEL_MAXTEXT) :
		    nu_fail(cause, NU_ERR_FORMAT, "%s: no /arch (the architecture text)", path);
		goto done;
	}
	if ((apath = nu_asprintf("%s:/arch", path)) == NULL) {
		st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
		goto done;
	}
	if ((st = nu_arch_parse(&m->arch, apath, text, strlen(text), cause)) != NU_OK)
		goto done;
	attr_read(f, "seed", H5T_NATIVE_UINT64, &m->meta.seed);
	if ((st = nu_net_new(&m->net, m->arch, m->meta.seed, cause)) != NU_OK)
		goto done;
	attr_read_str(f, "task", task, sizeof task);
	m->meta.task = m->net->task;
	if (strcmp(task, nu_task_name(m->net->task)) != 0) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: task attribute '%s' disagrees with "
		    "the architecture's task %s", path, task, nu_task_name(m->net->task));
		goto done;
	}
	/* every tensor the architecture needs, with its exact size */
	for (int i = 0; i < m->net->nnodes && st == NU_OK; i++) {
		const struct nu_net_node *nd = &m->net->node[i];

		for (int k = 0; k < nd->l->ntensors; k++) {
			const struct nu_layer_tensor *t = &nd->l->tensors[k];
			char p[160];
			size_t found = 0;
			float *dst = t->state ? m->net->state + nd->soff + t->off :
			    m->net->params + nd->poff + t->off;

			snprintf(p, sizeof p, "/%s/%s/%s", t->state ? "state" : "params",
			    nd->name, t->name);
			if (!path_exists(f, p) || !floats_read(f, p, dst, t->size, &found)) {
				st = nu_fail(cause, NU_ERR_FORMAT, found ?
				    "%s: %s holds %zu values; the architecture needs %zu" :
				    "%s: %s is missing", path, p, found, t->size);
				break;
			}
		}
	}
done:
	free(text);
	free(apath);
	return st;
}

/* The run's attributes, each with its default when absent, and the
 * selection it trained on. */
static enum nu_status
meta_read(hid_t f, const char *path, struct nu_model *m, char **cause)
{
	int64_t i64 = 0;

	attr_read(f, "epoch", H5T_NATIVE_INT64, &i64) ? (void)(m->meta.epoch = (int)i64) : (void)0;
	i64 = 0;
	attr_read(f, "batch", H5T_NATIVE_INT64, &i64);
	m->meta.batch = (int)i64;
	attr_read(f, "step", H5T_NATIVE_UINT64, &m->meta.step);
	attr_read_str(f, "normalise", m->meta.normalise, sizeof m->meta.normalise);
	if (m->meta.normalise[0] == '\0')
		snprintf(m->meta.normalise, sizeof m->meta.normalise, "255");
	i64 = 255;
	attr_read(f, "normalise_max", H5T_NATIVE_INT64, &i64);
	m->meta.normalise_max = (int)i64;
	m->meta.threshold = 0.5;
	attr_read(f, "threshold", H5T_NATIVE_DOUBLE, &m->meta.threshold);
	i64 = -1;
	attr_read(f, "best_epoch", H5T_NATIVE_INT64, &i64);
	m->meta.best_epoch = (int)i64;
	attr_read(f, "best_value", H5T_NATIVE_DOUBLE, &m->meta.best_value);
	attr_read(f, "partial_loss", H5T_NATIVE_DOUBLE, &m->meta.partial_loss);
	attr_read(f, "partial_metric", H5T_NATIVE_DOUBLE, &m->meta.partial_metric);
	attr_read(f, "partial_events", H5T_NATIVE_UINT64, &m->meta.partial_events);
	/* files written before the selection was recorded: every event; one
	 * that holds something else must not read as every event */
	if ((m->where = attr_str_dup(f, "where")) == NULL && H5Aexists(f, "where") > 0)
		return nu_fail(cause, NU_ERR_FORMAT, "%s: the where attribute is not one "
		    "fixed-length string of at most %zu bytes (as nuscope writes it)",
		    path, NU_MODEL_MAXTEXT);
	if (m->where == NULL && (m->where = strdup("")) == NULL)
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	m->meta.where = m->where;
	return NU_OK;
}

/* The optimiser's moments, when the run saved them (to resume). */
static enum nu_status
optimizer_read(hid_t f, const char *path, struct nu_model *m, char **cause)
{
	size_t n = m->net->nparams, found;
	hid_t g;

	if (!path_exists(f, "/optimizer"))
		return NU_OK;
	if ((g = H5Gopen2(f, "/optimizer", H5P_DEFAULT)) >= 0) {
		attr_read_str(g, "kind", m->opt_kind, sizeof m->opt_kind);
		attr_read(g, "step", H5T_NATIVE_UINT64, &m->opt_step);
		H5Gclose(g);
	}
	m->opt_m = malloc((n + 1) * sizeof(float));
	if (m->opt_m == NULL || !floats_read(f, "/optimizer/m", m->opt_m, n, &found))
		return nu_fail(cause, NU_ERR_FORMAT, "%s: /optimizer/m missing or not "
		    "%zu values", path, n);
	if (!path_exists(f, "/optimizer/v"))
		return NU_OK;
	m->opt_v = malloc((n + 1) * sizeof(float));
	if (m->opt_v == NULL || !floats_read(f, "/optimizer/v", m->opt_v, n, &found))
		return nu_fail(cause, NU_ERR_FORMAT, "%s: /optimizer/v is not %zu values",
		    path, n);
	return NU_OK;
}

/* The weights of the best epoch, when they differ from the last. */
static enum nu_status
best_read(hid_t f, const char *path, struct nu_model *m, char **cause)
{
	size_t found;

	if (!path_exists(f, "/best/params"))
		return NU_OK;
	m->best_params = malloc((m->net->nparams + 1) * sizeof(float));
	m->best_state = malloc((m->net->nstate + 1) * sizeof(float));
	if (m->best_params == NULL || m->best_state == NULL ||
	    !floats_read(f, "/best/params", m->best_params, m->net->nparams, &found) ||
	    !floats_read(f, "/best/state", m->best_state, m->net->nstate, &found))
		return nu_fail(cause, NU_ERR_FORMAT, "%s: /best does not match the network", path);
	return NU_OK;
}

/* The epochs' history; a column of another length is left at 0. */
static enum nu_status
history_read(hid_t f, const char *path, struct nu_model *m, char **cause)
{
	hid_t d, sp;
	hssize_t n;
	double *col;

	if (!path_exists(f, "/history/train_loss"))
		return NU_OK;
	d = H5Dopen2(f, "/history/train_loss", H5P_DEFAULT);
	sp = d >= 0 ? H5Dget_space(d) : -1;
	n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
	if (n < 0)
		rd_fail(NU_ERR_HDF5, "/history/train_loss");
	if (sp >= 0)
		H5Sclose(sp);
	if (d >= 0)
		H5Dclose(d);
	if (n > NU_MODEL_MAXHIST)
		return nu_fail(cause, NU_ERR_FORMAT, "%s: /history/train_loss holds %lld "
		    "epochs, more than the %d a run can have", path, (long long)n,
		    NU_MODEL_MAXHIST);
	col = malloc(((size_t)(n > 0 ? n : 0) + 1) * sizeof(double));
	m->hist = calloc((size_t)(n > 0 ? n : 0) + 1, sizeof(*m->hist));
	if (col == NULL || m->hist == NULL) {
		free(col);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	m->nhist = n > 0 ? (int)n : 0;
	for (int e = 0; e < m->nhist; e++)
		m->hist[e].epoch = e;
	for (int k = 0; k < NHIST; k++) {
		char p[64];
		hssize_t np;

		snprintf(p, sizeof p, "/history/%s", hist_names[k]);
		if (!path_exists(f, p))
			continue;
		if ((d = H5Dopen2(f, p, H5P_DEFAULT)) < 0) {
			rd_fail(NU_ERR_HDF5, p);
			continue;
		}
		sp = H5Dget_space(d);
		np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
		if (np < 0 || (np == n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL,
		    H5S_ALL, H5P_DEFAULT, col) < 0))
			rd_fail(NU_ERR_HDF5, p);
		else if (np == n)
			for (int e = 0; e < m->nhist; e++)
				*hist_field(&m->hist[e], k) = col[e];
		if (sp >= 0)
			H5Sclose(sp);
		H5Dclose(d);
	}
	free(col);
	return NU_OK;
}

static enum nu_status
model_load(const char *path, struct nu_model **out, char **cause)
{
	struct nu_model *m;
	char fmt[32] = "";
	int64_t i64;
	hid_t f;
	enum nu_status st = NU_OK;

	*out = NULL;
	nu_init();
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	rd.st = NU_OK;
	if (access(path, R_OK) != 0)
		return nu_fail(cause, NU_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
	if (H5Fis_hdf5(path) <= 0) {
		H5Eclear2(H5E_DEFAULT);
		return nu_fail(cause, NU_ERR_FORMAT, "%s: not an HDF5 file, so not a model", path);
	}
	if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
		H5Eclear2(H5E_DEFAULT);
		return nu_fail(cause, NU_ERR_FORMAT, "%s: cannot open as HDF5", path);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		H5Fclose(f);
		return nu_fail(cause, NU_ERR_NOMEM, "out of memory");
	}
	if (!attr_read_str(f, "format", fmt, sizeof fmt) || strcmp(fmt, "nuscope-model") != 0)
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: not a nuscope model (no format = "
		    "\"nuscope-model\" attribute)", path);
	else if (!attr_read(f, "version", H5T_NATIVE_INT64, &i64))
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: no model format version (an "
		    "attribute 'version' of one integer)", path);
	else if (i64 < 1 || i64 > NU_MODEL_VERSION)
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: model format version %lld; this "
		    "nuscope reads version %d", path, (long long)i64, NU_MODEL_VERSION);
	if (st == NU_OK)
		st = network_read(f, path, m, cause);
	if (st == NU_OK)
		st = meta_read(f, path, m, cause);
	if (st == NU_OK && (st = trainset_read(f, path, &m->trainset, cause)) == NU_OK)
		m->meta.trainset = m->trainset;
	if (st == NU_OK)
		st = optimizer_read(f, path, m, cause);
	if (st == NU_OK)
		st = best_read(f, path, m, cause);
	if (st == NU_OK)
		st = history_read(f, path, m, cause);
	H5Fclose(f);
	H5Eclear2(H5E_DEFAULT);
	/* a failed read, not an absent part, is what went wrong */
	if (rd.st != NU_OK && (st == NU_OK || st == NU_ERR_FORMAT))
		st = nu_fail(cause, rd.st, "%s: %s reading %s", path,
		    rd.st == NU_ERR_NOMEM ? "out of memory" : "HDF5 error", rd.what);
	if (st != NU_OK) {
		nu_model_free(m);
		return st;
	}
	*out = m;
	return NU_OK;
}

enum nu_status
nu_model_set_threshold(const char *path, double threshold, char **cause)
{
	char name[64];
	void *image = NULL;
	size_t len = 0, cap = 0;
	FILE *in;
	hid_t f, a, fapl;
	int ok;

	nu_init();
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	/* the whole file into memory, changed there, written back whole */
	if ((in = fopen(path, "rb")) == NULL)
		return nu_fail(cause, NU_ERR_IO, "%s: %s", path, strerror(errno));
	for (;;) {
		if (len == cap) {
			void *p = realloc(image, cap = cap ? 2 * cap : 1 << 20);

			if (p == NULL) {
				free(image);
				fclose(in);
				return nu_fail(cause, NU_ERR_NOMEM, "%s: out of memory", path);
			}
			image = p;
		}
		size_t r = fread((char *)image + len, 1, cap - len, in);

		len += r;
		if (r == 0)
			break;
	}
	ok = !ferror(in);
	fclose(in);
	if (!ok) {
		free(image);
		return nu_fail(cause, NU_ERR_IO, "%s: cannot read it", path);
	}
	image_name(name, sizeof name);
	fapl = image_fapl(image, len);
	free(image);            /* the property list holds its own copy */
	f = fapl >= 0 ? H5Fopen(name, H5F_ACC_RDWR, fapl) : -1;
	if (fapl >= 0)
		H5Pclose(fapl);
	if (f < 0) {
		H5Eclear2(H5E_DEFAULT);
		return nu_fail(cause, NU_ERR_FORMAT, "%s: cannot open as HDF5", path);
	}
	a = H5Aexists(f, "threshold") > 0 ? H5Aopen(f, "threshold", H5P_DEFAULT) : -1;
	ok = a >= 0 && attr_is_single(a, "threshold") && H5Awrite(a, H5T_NATIVE_DOUBLE, &threshold) >= 0;
	if (a >= 0)
		H5Aclose(a);
	if (!ok) {
		H5Fclose(f);
		H5Eclear2(H5E_DEFAULT);
		return nu_fail(cause, NU_ERR_FORMAT, "%s: no threshold attribute of one "
		    "number to store the threshold in", path);
	}
	return image_commit(f, path, cause);
}
