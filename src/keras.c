/*
 * keras.c: the Keras importer (keras.h).  model_config is parsed with the
 * JSON parser of json.h; each layer becomes an architecture section (its
 * weights remembered with the shape they must have), the architecture is
 * parsed and its network built like any other, and the Keras tensors are
 * copied into the network's parameters in nuscope's layouts.
 */
#include "config.h"

#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "json.h"
#include "keras.h"
#include "loader.h"
#include "model.h"
#include "net.h"

enum kkind { K_CONV, K_DENSE, K_BN, K_NONE };

/* One Keras layer with weights, in order. */
struct klayer {
	char name[128];
	enum kkind kind;
	int kh, kw, cin, cout;  /* conv: kernel and channels; dense: cin = in */
	bool bias;              /* conv, dense: use_bias */
	bool center, scale;     /* batch norm */
	int fh, fw, fc;         /* dense after Flatten: the map flattened (fc 0: none) */
	int nseg;               /* ... once per branch (2 after a features merge) */
};

struct imp {
	const char *path;
	char **cause;
	char *text;             /* the architecture being written */
	size_t len, cap;
	struct klayer *kl;
	int nkl;
	int h, w, c;            /* shape so far, channels-last */
	bool flat;
	int fh, fw, fc;         /* what the last Flatten flattened */
	int nseg;               /* how many such maps side by side (1, or 2 merged) */
	const char *lastact;    /* activation of the last layer */
	int lastunits;
	int ninputs;            /* the model's 100x80x1 inputs: 1 or 2 */
};

static bool
emit(struct imp *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
emit(struct imp *m, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t n;

	va_start(ap, fmt);
	s = nu_vasprintf(fmt, ap);
	va_end(ap);
	if (s == NULL)
		return false;
	n = strlen(s);
	if (m->len + n + 1 > m->cap) {
		size_t nc = (m->cap + n + 1) * 2;
		char *t = realloc(m->text, nc);

		if (t == NULL) {
			free(s);
			return false;
		}
		m->text = t;
		m->cap = nc;
	}
	memcpy(m->text + m->len, s, n + 1);
	m->len += n;
	free(s);
	return true;
}

/* ---- reading HDF5 ------------------------------------------------------ */

/* A string attribute (variable or fixed length) of loc; NULL when absent or
 * not a single string or longer than max. */
static char *
attr_string(hid_t loc, const char *name, size_t max)
{
	hid_t a, t = -1, mt = -1, sp = -1;
	char *s = NULL;

	if (H5Aexists(loc, name) <= 0 || (a = H5Aopen(loc, name, H5P_DEFAULT)) < 0)
		return NULL;
	t = H5Aget_type(a);
	sp = H5Aget_space(a);
	if (t < 0 || sp < 0 || H5Tget_class(t) != H5T_STRING ||
	    H5Sget_simple_extent_npoints(sp) != 1)
		goto out;
	if (H5Tis_variable_str(t) > 0) {
		char *v = NULL;

		mt = H5Tcopy(H5T_C_S1);
		if (mt < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 ||
		    H5Tset_cset(mt, H5Tget_cset(t)) < 0 || H5Aread(a, mt, &v) < 0)
			goto out;
		if (v != NULL && strlen(v) <= max)
			s = strdup(v);
		H5free_memory(v);
	} else {
		size_t sz = H5Tget_size(t);

		if (sz == 0 || sz > max)
			goto out;
		mt = H5Tcopy(H5T_C_S1);
		if ((s = calloc(1, sz + 2)) == NULL)
			goto out;
		if (mt < 0 || H5Tset_size(mt, sz + 1) < 0 ||
		    H5Tset_cset(mt, H5Tget_cset(t)) < 0 || H5Aread(a, mt, s) < 0) {
			free(s);
			s = NULL;
		}
	}
out:
	if (mt >= 0)
		H5Tclose(mt);
	if (t >= 0)
		H5Tclose(t);
	if (sp >= 0)
		H5Sclose(sp);
	H5Aclose(a);
	return s;
}

/*
 * The weight_names of a layer's group: names[i] (caller frees each and the
 * array); *n = 0 for none (an empty float64 array, as Keras writes for a
 * layer without weights).
 */
static enum nu_status
weight_names(struct imp *m, hid_t g, const char *layer, char ***names, int *n)
{
	hid_t a, t = -1, mt = -1, sp = -1;
	hssize_t np;
	char **v = NULL;
	enum nu_status st = NU_ERR_FORMAT;

	*names = NULL;
	*n = 0;
	if (H5Aexists(g, "weight_names") <= 0 ||
	    (a = H5Aopen(g, "weight_names", H5P_DEFAULT)) < 0)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_weights/%s has no "
		    "weight_names attribute", m->path, layer);
	t = H5Aget_type(a);
	sp = H5Aget_space(a);
	np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
	if (t < 0 || np < 0 || np > 8)
		goto bad;
	if (np == 0) {
		st = NU_OK;
		goto out;
	}
	if (H5Tget_class(t) != H5T_STRING)
		goto bad;
	if ((v = calloc((size_t)np, sizeof *v)) == NULL) {
		st = nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
		goto out;
	}
	mt = H5Tcopy(H5T_C_S1);
	if (H5Tis_variable_str(t) > 0) {
		char **tmp = calloc((size_t)np, sizeof *tmp);

		if (tmp == NULL || mt < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 ||
		    H5Tset_cset(mt, H5Tget_cset(t)) < 0 || H5Aread(a, mt, tmp) < 0) {
			free(tmp);
			goto bad;
		}
		for (hssize_t i = 0; i < np; i++) {
			v[i] = strdup(tmp[i] != NULL ? tmp[i] : "");
			H5free_memory(tmp[i]);
		}
		free(tmp);
	} else {
		size_t sz = H5Tget_size(t);
		char *buf = sz > 0 && sz < 1024 ? calloc((size_t)np, sz + 1) : NULL;

		if (buf == NULL || mt < 0 || H5Tset_size(mt, sz + 1) < 0 ||
		    H5Tset_cset(mt, H5Tget_cset(t)) < 0 || H5Aread(a, mt, buf) < 0) {
			free(buf);
			goto bad;
		}
		for (hssize_t i = 0; i < np; i++)
			v[i] = strndup(buf + (size_t)i * (sz + 1), sz);
		free(buf);
	}
	for (hssize_t i = 0; i < np; i++)
		if (v[i] == NULL) {
			st = nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
			goto out;
		}
	*names = v;
	*n = (int)np;
	v = NULL;
	st = NU_OK;
	goto out;
bad:
	st = nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_weights/%s: weight_names is "
	    "not a list of at most 8 strings", m->path, layer);
out:
	if (v != NULL)
		for (hssize_t i = 0; i < np; i++)
			free(v[i]);
	free(v);
	if (mt >= 0)
		H5Tclose(mt);
	if (t >= 0)
		H5Tclose(t);
	if (sp >= 0)
		H5Sclose(sp);
	H5Aclose(a);
	return st;
}

/* The layer's weight whose name ends in "/suffix" (or is suffix) into buf
 * ([count] floats, with the given rank and dims). */
static enum nu_status
read_weight(struct imp *m, hid_t wg, const struct klayer *k, char **names, int n,
    const char *suffix, float *buf, int rank, const hsize_t *dims)
{
	hid_t d, sp;
	hsize_t got[8];
	int r;
	size_t sl = strlen(suffix);
	bool ok;

	for (int i = 0; i < n; i++) {
		size_t nl = strlen(names[i]);
		char *p;

		if (nl < sl || strcmp(names[i] + nl - sl, suffix) != 0 ||
		    (nl > sl && names[i][nl - sl - 1] != '/'))
			continue;
		if ((p = strdup(names[i])) == NULL)
			return nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
		d = H5Lexists(wg, p, H5P_DEFAULT) > 0 ? H5Dopen2(wg, p, H5P_DEFAULT) : -1;
		if (d < 0) {
			enum nu_status st = nu_fail(m->cause, NU_ERR_FORMAT,
			    "%s: model_weights/%s/%s is missing", m->path, k->name, p);

			free(p);
			return st;
		}
		sp = H5Dget_space(d);
		r = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
		ok = r == rank && H5Sget_simple_extent_dims(sp, got, NULL) == r;
		for (int j = 0; ok && j < rank; j++)
			ok = got[j] == dims[j];
		if (sp >= 0)
			H5Sclose(sp);
		if (!ok) {
			enum nu_status st = nu_fail(m->cause, NU_ERR_FORMAT, "%s: "
			    "model_weights/%s does not have the shape the layer's "
			    "configuration gives", m->path, p);

			H5Dclose(d);
			free(p);
			return st;
		}
		ok = H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
		H5Dclose(d);
		if (!ok) {
			enum nu_status st = nu_fail(m->cause, NU_ERR_HDF5,
			    "%s: cannot read model_weights/%s", m->path, p);

			free(p);
			return st;
		}
		free(p);
		return NU_OK;
	}
	return nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s has no weight "
	    "named .../%s", m->path, k->name, suffix);
}

/* ---- model_config ------------------------------------------------------ */

static const struct nu_jv *
get_type(const struct nu_jv *o, const char *key, enum nu_jtype t)
{
	const struct nu_jv *v = o != NULL && o->type == NU_J_OBJ ?
	    nu_json_get(o, key) : NULL;

	return v != NULL && v->type == t ? v : NULL;
}

/* An integer list of two ([a, b]) or a single number (a = b). */
static bool
get_pair(const struct nu_jv *o, const char *key, int *a, int *b)
{
	const struct nu_jv *v = o != NULL ? nu_json_get(o, key) : NULL;

	if (v == NULL)
		return false;
	if (v->type == NU_J_NUM && v->num >= 1 && v->num <= 64 && v->num == floor(v->num)) {
		*a = *b = (int)v->num;
		return true;
	}
	if (v->type != NU_J_ARR || v->n != 2)
		return false;
	for (int i = 0; i < 2; i++)
		if (v->item[i].type != NU_J_NUM || v->item[i].num < 1 ||
		    v->item[i].num > 64 || v->item[i].num != floor(v->item[i].num))
			return false;
	*a = (int)v->item[0].num;
	*b = (int)v->item[1].num;
	return true;
}

static bool
get_bool(const struct nu_jv *o, const char *key, bool def)
{
	const struct nu_jv *v = o != NULL ? nu_json_get(o, key) : NULL;

	return v != NULL && v->type == NU_J_BOOL ? v->b : def;
}

/* A Keras activation name as nuscope's, or NULL when nuscope has none. */
static const char *
act_name(const char *k)
{
	static const char *const ok[] = { "linear", "relu", "sigmoid", "tanh",
	    "softmax" };

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(k, ok[i]) == 0)
			return ok[i];
	return NULL;
}

static enum nu_status
bad_layer(struct imp *m, const char *name, const char *type, const char *what)
{
	return nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s (%s): %s", m->path,
	    name, type, what);
}

/* The activation key of a Conv2D or Dense or Activation config. */
static enum nu_status
activation(struct imp *m, const struct nu_jv *cfg, const char *name,
    const char *type, const char **out)
{
	const struct nu_jv *a = get_type(cfg, "activation", NU_J_STR);

	*out = "linear";
	if (a == NULL)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s (%s): "
		    "\"activation\" is not a string", m->path, name, type);
	if ((*out = act_name(a->str)) == NULL)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s (%s): activation "
		    "%s is not supported (linear, relu, sigmoid, tanh, softmax)",
		    m->path, name, type, a->str);
	return NU_OK;
}

static enum nu_status
padding(struct imp *m, const struct nu_jv *cfg, const char *name, const char *type,
    const char **out)
{
	const struct nu_jv *p = get_type(cfg, "padding", NU_J_STR);

	*out = "valid";
	if (p == NULL)
		return NU_OK;
	if (strcmp(p->str, "valid") != 0 && strcmp(p->str, "same") != 0)
		return bad_layer(m, name, type, "padding must be valid or same");
	*out = strcmp(p->str, "same") == 0 ? "same" : "valid";
	return NU_OK;
}

static bool
channels_last(const struct nu_jv *cfg)
{
	const struct nu_jv *d = get_type(cfg, "data_format", NU_J_STR);

	return d == NULL || strcmp(d->str, "channels_last") == 0;
}

/* The input shape [null, 100, 80, 1] of a layer config, if it has one. */
static enum nu_status
input_shape(struct imp *m, const struct nu_jv *cfg, const char *name, bool *has)
{
	const struct nu_jv *s = get_type(cfg, "batch_input_shape", NU_J_ARR);

	*has = s != NULL;
	if (s == NULL)
		return NU_OK;
	if (s->n != 4 || s->item[0].type != NU_J_NULL ||
	    s->item[1].type != NU_J_NUM || s->item[1].num != 100 ||
	    s->item[2].type != NU_J_NUM || s->item[2].num != 80 ||
	    s->item[3].type != NU_J_NUM || s->item[3].num != 1)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s: the input shape "
		    "must be [null, 100, 80, 1] (one view, planes x cells x 1)",
		    m->path, name);
	m->h = 100;
	m->w = 80;
	m->c = 1;
	return NU_OK;
}

static struct klayer *
add_klayer(struct imp *m, const char *name, enum kkind kind)
{
	struct klayer *k = &m->kl[m->nkl++];

	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", name);
	k->kind = kind;
	return k;
}

/* Output length of one axis (Keras). */
static int
out_len(bool same, int in, int k, int s)
{
	return same ? (in + s - 1) / s : (in - k) / s + 1;
}

static enum nu_status
layer(struct imp *m, const struct nu_jv *l, int idx)
{
	const struct nu_jv *cn = get_type(l, "class_name", NU_J_STR);
	const struct nu_jv *cfg = get_type(l, "config", NU_J_OBJ);
	const struct nu_jv *nm = get_type(cfg, "name", NU_J_STR);
	const char *type, *name, *act, *pad;
	char nbuf[32];
	bool has;
	enum nu_status st;

	if (cn == NULL || cfg == NULL)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: layer %d is "
		    "not an object with \"class_name\" and \"config\"", m->path, idx + 1);
	type = cn->str;
	snprintf(nbuf, sizeof nbuf, "#%d", idx + 1);
	name = nm != NULL ? nm->str : nbuf;
	if ((st = input_shape(m, cfg, name, &has)) != NU_OK)
		return st;
	if (strcmp(type, "InputLayer") == 0)
		return has ? NU_OK : bad_layer(m, name, type, "no batch_input_shape");
	if (m->h == 0)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: the first "
		    "layer (%s) gives no batch_input_shape", m->path, name);
	m->lastact = NULL;
	if (strcmp(type, "Conv2D") == 0 || strcmp(type, "MaxPooling2D") == 0 ||
	    strcmp(type, "AveragePooling2D") == 0) {
		bool conv = type[0] == 'C';
		int kh, kw, sh, sw, oh, ow;
		const struct nu_jv *f;

		if (m->flat)
			return bad_layer(m, name, type, "comes after a Flatten or Dense");
		if (!channels_last(cfg))
			return bad_layer(m, name, type, "data_format must be channels_last");
		if (!get_pair(cfg, conv ? "kernel_size" : "pool_size", &kh, &kw))
			return bad_layer(m, name, type, conv ? "kernel_size must be [1-64, 1-64]" :
			    "pool_size must be [1-64, 1-64]");
		if (!get_pair(cfg, "strides", &sh, &sw)) {
			if (conv || nu_json_get(cfg, "strides") == NULL ||
			    nu_json_get(cfg, "strides")->type != NU_J_NULL)
				return bad_layer(m, name, type, "strides must be [1-64, 1-64]");
			sh = kh;
			sw = kw;
		}
		if ((st = padding(m, cfg, name, type, &pad)) != NU_OK)
			return st;
		oh = out_len(pad[0] == 's', m->h, kh, sh);
		ow = out_len(pad[0] == 's', m->w, kw, sw);
		if (oh < 1 || ow < 1)
			return bad_layer(m, name, type, "the window does not fit its input");
		if (!conv) {
			m->h = oh;
			m->w = ow;
			return emit(m, "\n[%s]\nsize = %dx%d\nstride = %dx%d\npadding = %s\n",
			    type[0] == 'M' ? "maxpool" : "avgpool", kh, kw, sh, sw, pad) ? NU_OK :
			    nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
		}
		if ((f = get_type(cfg, "filters", NU_J_NUM)) == NULL || f->num < 1 ||
		    f->num > 4096 || f->num != floor(f->num))
			return bad_layer(m, name, type, "filters must be a whole number 1-4096");
		if (get_pair(cfg, "dilation_rate", &oh, &ow) && (oh != 1 || ow != 1))
			return bad_layer(m, name, type, "dilation_rate other than 1 is not supported");
		if ((f = get_type(cfg, "groups", NU_J_NUM)) != NULL && f->num != 1)
			return bad_layer(m, name, type, "groups other than 1 is not supported");
		if ((st = activation(m, cfg, name, type, &act)) != NU_OK)
			return st;
		{
			struct klayer *k = add_klayer(m, name, K_CONV);

			k->kh = kh;
			k->kw = kw;
			k->cin = m->c;
			k->cout = (int)get_type(cfg, "filters", NU_J_NUM)->num;
			k->bias = get_bool(cfg, "use_bias", true);
			m->c = k->cout;
			m->h = out_len(pad[0] == 's', m->h, kh, sh);
			m->w = out_len(pad[0] == 's', m->w, kw, sw);
			m->lastact = act;
			return emit(m, "\n[conv]\nfilters = %d\nkernel = %dx%d\nstride = %dx%d\n"
			    "padding = %s\nactivation = %s\n", k->cout, kh, kw, sh, sw, pad,
			    act) ? NU_OK : nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
		}
	}
	if (strcmp(type, "Dropout") == 0) {
		const struct nu_jv *r = get_type(cfg, "rate", NU_J_NUM);

		if (r == NULL || r->num < 0 || r->num > 0.99)
			return bad_layer(m, name, type, "rate must be a number 0-0.99");
		return emit(m, "\n[dropout]\nrate = %.15g\n", r->num) ? NU_OK :
		    nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
	}
	if (strcmp(type, "Flatten") == 0) {
		if (!channels_last(cfg))
			return bad_layer(m, name, type, "data_format must be channels_last");
		if (!m->flat) {
			m->fh = m->h;
			m->fw = m->w;
			m->fc = m->c;
			m->nseg = 1;
			m->c = m->h * m->w * m->c;
			m->h = m->w = 1;
			m->flat = true;
		}
		return emit(m, "\n[flatten]\n") ? NU_OK :
		    nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
	}
	if (strcmp(type, "Dense") == 0) {
		const struct nu_jv *u = get_type(cfg, "units", NU_J_NUM);
		struct klayer *k;

		if (!m->flat)
			return bad_layer(m, name, type, "needs a Flatten before it (Dense on "
			    "a feature map is not supported)");
		if (u == NULL || u->num < 1 || u->num > 1000000 || u->num != floor(u->num))
			return bad_layer(m, name, type, "units must be a whole number 1-1000000");
		if ((st = activation(m, cfg, name, type, &act)) != NU_OK)
			return st;
		k = add_klayer(m, name, K_DENSE);
		k->cin = m->c;
		k->cout = (int)u->num;
		k->bias = get_bool(cfg, "use_bias", true);
		k->fh = m->fh;
		k->fw = m->fw;
		k->fc = m->fc;
		k->nseg = m->nseg > 0 ? m->nseg : 1;
		m->fc = 0;      /* later Dense layers take features in order */
		m->c = k->cout;
		m->lastact = act;
		m->lastunits = k->cout;
		return emit(m, "\n[dense]\nunits = %d\nactivation = %s\n", k->cout, act) ?
		    NU_OK : nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
	}
	if (strcmp(type, "Activation") == 0 || strcmp(type, "ReLU") == 0) {
		if (type[0] == 'R') {
			const struct nu_jv *v;

			act = "relu";
			if (((v = get_type(cfg, "max_value", NU_J_NUM)) != NULL) ||
			    ((v = get_type(cfg, "negative_slope", NU_J_NUM)) != NULL &&
			    v->num != 0) ||
			    ((v = get_type(cfg, "threshold", NU_J_NUM)) != NULL && v->num != 0))
				return bad_layer(m, name, type, "only max_value = null, "
				    "negative_slope = 0, threshold = 0 are supported");
		} else if ((st = activation(m, cfg, name, type, &act)) != NU_OK)
			return st;
		m->lastact = act;
		return emit(m, "\n[activation]\nfunction = %s\n", act) ? NU_OK :
		    nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
	}
	if (strcmp(type, "BatchNormalization") == 0) {
		const struct nu_jv *ax = nu_json_get(cfg, "axis"), *mo, *ep;
		struct klayer *k;
		bool last;

		/* axis -1 or 3, or [3] (Keras 2.x writes a list) */
		last = ax == NULL ||
		    (ax->type == NU_J_NUM && (ax->num == -1 || ax->num == 3)) ||
		    (ax->type == NU_J_ARR && ax->n == 1 && ax->item[0].type == NU_J_NUM &&
		    (ax->item[0].num == -1 || ax->item[0].num == 3 ||
		    (m->flat && ax->item[0].num == 1)));
		if (ax != NULL && ax->type == NU_J_NUM && m->flat && ax->num == 1)
			last = true;
		if (!last)
			return bad_layer(m, name, type, "axis must be the channels (-1)");
		mo = get_type(cfg, "momentum", NU_J_NUM);
		ep = get_type(cfg, "epsilon", NU_J_NUM);
		if (ep != NULL && (ep->num < 1e-12 || ep->num > 1))
			return bad_layer(m, name, type, "epsilon must be 1e-12 to 1");
		k = add_klayer(m, name, K_BN);
		k->cin = k->cout = m->c;
		k->center = get_bool(cfg, "center", true);
		k->scale = get_bool(cfg, "scale", true);
		return emit(m, "\n[batchnorm]\nmomentum = %.15g\nepsilon = %.15g\n",
		    mo != NULL && mo->num >= 0 && mo->num <= 1 ? mo->num : 0.99,
		    ep != NULL ? ep->num : 1e-3) ? NU_OK :
		    nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
	}
	return nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s: type %s is not supported "
	    "(InputLayer, Conv2D, MaxPooling2D, AveragePooling2D, Dropout, Flatten, "
	    "Dense, BatchNormalization, Activation, ReLU)", m->path, name, type);
}

/* The task from the last layer: 1 sigmoid unit numu-cc, 5 softmax mode, 16
 * softmax code, 1 linear energy. */
static const char *
infer_task(const struct imp *m)
{
	if (m->lastact == NULL || !m->flat)
		return NULL;
	if (m->c == 1 && strcmp(m->lastact, "sigmoid") == 0)
		return "numu-cc";
	if (m->c == 1 && strcmp(m->lastact, "linear") == 0)
		return "energy";
	if (m->c == 5 && strcmp(m->lastact, "softmax") == 0)
		return "mode";
	if (m->c == 16 && strcmp(m->lastact, "softmax") == 0)
		return "code";
	return NULL;
}

/* ---- copying the weights ----------------------------------------------- */

static enum nu_status
copy_layer(struct imp *m, hid_t wg, const struct klayer *k, float *p, float *s)
{
	char **names;
	int n;
	enum nu_status st;
	float *tmp = NULL;
	hsize_t d[4];

	if ((st = weight_names(m, wg, k->name, &names, &n)) != NU_OK)
		return st;
	if (k->kind == K_CONV) {
		size_t nw = (size_t)k->kh * k->kw * k->cin * k->cout;

		if ((tmp = malloc(nw * sizeof *tmp)) == NULL) {
			st = nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
			goto out;
		}
		d[0] = (hsize_t)k->kh, d[1] = (hsize_t)k->kw;
		d[2] = (hsize_t)k->cin, d[3] = (hsize_t)k->cout;
		if ((st = read_weight(m, wg, k, names, n, "kernel:0", tmp, 4, d)) != NU_OK)
			goto out;
		/* [kh, kw, in, out] -> [out, in, kh, kw] */
		for (int y = 0; y < k->kh; y++)
			for (int x = 0; x < k->kw; x++)
				for (int i = 0; i < k->cin; i++)
					for (int o = 0; o < k->cout; o++)
						p[(((size_t)o * k->cin + i) * k->kh + y) * k->kw + x] =
						    tmp[(((size_t)y * k->kw + x) * k->cin + i) * k->cout + o];
		d[0] = (hsize_t)k->cout;
		memset(p + nw, 0, (size_t)k->cout * sizeof *p);
		if (k->bias && (st = read_weight(m, wg, k, names, n, "bias:0", p + nw, 1,
		    d)) != NU_OK)
			goto out;
	} else if (k->kind == K_DENSE) {
		size_t nw = (size_t)k->cin * k->cout;

		if ((tmp = malloc(nw * sizeof *tmp)) == NULL) {
			st = nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
			goto out;
		}
		d[0] = (hsize_t)k->cin, d[1] = (hsize_t)k->cout;
		if ((st = read_weight(m, wg, k, names, n, "kernel:0", tmp, 2, d)) != NU_OK)
			goto out;
		/* [in, out] -> [out, in]; after a Flatten, Keras's input row
		 * (y, x, c) is nuscope's column (c, y, x) */
		for (int r = 0; r < k->cin; r++) {
			int col = r;

			if (k->fc > 0) {
				int size = k->fh * k->fw * k->fc;
				int seg = r / size, rr = r % size;
				int c = rr % k->fc, yx = rr / k->fc;

				col = seg * size + c * k->fh * k->fw + yx;
			}
			for (int o = 0; o < k->cout; o++)
				p[(size_t)o * k->cin + col] = tmp[(size_t)r * k->cout + o];
		}
		d[0] = (hsize_t)k->cout;
		memset(p + nw, 0, (size_t)k->cout * sizeof *p);
		if (k->bias && (st = read_weight(m, wg, k, names, n, "bias:0", p + nw, 1,
		    d)) != NU_OK)
			goto out;
	} else {
		size_t c = (size_t)k->cin;

		d[0] = (hsize_t)c;
		for (size_t i = 0; i < c; i++) {
			p[i] = 1;
			p[c + i] = 0;
		}
		if ((k->scale && (st = read_weight(m, wg, k, names, n, "gamma:0", p, 1, d)) != NU_OK) ||
		    (k->center && (st = read_weight(m, wg, k, names, n, "beta:0", p + c, 1, d)) != NU_OK) ||
		    (st = read_weight(m, wg, k, names, n, "moving_mean:0", s, 1, d)) != NU_OK ||
		    (st = read_weight(m, wg, k, names, n, "moving_variance:0", s + c, 1, d)) != NU_OK)
			goto out;
	}
	st = NU_OK;
out:
	free(tmp);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return st;
}

static enum nu_status
copy_weights(struct imp *m, hid_t f, struct nu_net *net)
{
	hid_t wg;
	int ki = 0;
	enum nu_status st = NU_OK;

	if (H5Lexists(f, "model_weights", H5P_DEFAULT) <= 0 ||
	    (wg = H5Gopen2(f, "model_weights", H5P_DEFAULT)) < 0)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: no model_weights group "
		    "(a Keras 2 HDF5 model file is expected)", m->path);
	for (int i = 0; i < net->nnodes && st == NU_OK; i++) {
		const struct nu_net_node *nd = &net->node[i];

		if (nd->l->nparams == 0 && nd->l->nstate == 0)
			continue;
		if (ki >= m->nkl) {
			st = nu_fail(m->cause, NU_ERR_FORMAT, "%s: internal: more layers "
			    "with weights than expected", m->path);
			break;
		}
		if (H5Lexists(wg, m->kl[ki].name, H5P_DEFAULT) <= 0) {
			st = nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_weights has no "
			    "group for layer %s", m->path, m->kl[ki].name);
			break;
		}
		{
			hid_t g = H5Gopen2(wg, m->kl[ki].name, H5P_DEFAULT);

			if (g < 0) {
				st = nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_weights/%s "
				    "is not a group", m->path, m->kl[ki].name);
				break;
			}
			/* read weight_names from the layer's group, datasets below wg */
			st = copy_layer(m, g, &m->kl[ki], net->params + nd->poff,
			    net->state + nd->soff);
			H5Gclose(g);
		}
		ki++;
	}
	if (st == NU_OK && ki != m->nkl)
		st = nu_fail(m->cause, NU_ERR_FORMAT, "%s: internal: fewer layers with "
		    "weights than expected", m->path);
	H5Gclose(wg);
	return st;
}

/* ---- the model's structure --------------------------------------------- */

static enum nu_status
header(struct imp *m, bool two)
{
	m->ninputs = two ? 2 : 1;
	return emit(m, "# imported from a Keras model\n[net]\nversion = 1\nviews = %s\n%s",
	    two ? "both" : "xz", two ? "branches = separate\n" : "") ? NU_OK :
	    nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
}

static enum nu_status
sequential(struct imp *m, const struct nu_jv *cfg)
{
	const struct nu_jv *layers = cfg->type == NU_J_ARR ? cfg :
	    get_type(cfg, "layers", NU_J_ARR);
	enum nu_status st;

	if (layers == NULL || layers->n == 0 || layers->n > NU_KERAS_MAXLAYERS)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: config.layers "
		    "must be a list of 1-%d layers", m->path, NU_KERAS_MAXLAYERS);
	if ((m->kl = calloc(layers->n, sizeof *m->kl)) == NULL)
		return nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
	if ((st = header(m, false)) != NU_OK)
		return st;
	for (size_t i = 0; i < layers->n; i++)
		if ((st = layer(m, &layers->item[i], (int)i)) != NU_OK)
			return st;
	return NU_OK;
}

/* A layer of a functional model: its entry, name, the layers it is called
 * on and the one that takes its output. */
struct fnode {
	const struct nu_jv *l;
	const char *name, *type;
	int in[2], nin;
	int next, nnext;
	bool seen;
};

static int
fnode_find(const struct fnode *f, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return i;
	return -1;
}

/* The name of a [name, 0, 0] entry of input_layers or output_layers. */
static const char *
io_name(const struct nu_jv *e)
{
	if (e->type != NU_J_ARR || e->n < 1 || e->item[0].type != NU_J_STR)
		return NULL;
	return e->item[0].str;
}

/* Run the layers from i along their single consumers until stop (not
 * included) or the end; *last receives the last layer run. */
static enum nu_status
walk(struct imp *m, struct fnode *f, int i, int stop, int *last)
{
	enum nu_status st;

	*last = -1;
	while (i >= 0 && i != stop) {
		if (f[i].seen)
			return nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: layer %s "
			    "is reached twice", m->path, f[i].name);
		f[i].seen = true;
		if ((st = layer(m, f[i].l, i)) != NU_OK)
			return st;
		*last = i;
		i = f[i].nnext == 1 ? f[i].next : -1;
	}
	return NU_OK;
}

static enum nu_status
functional(struct imp *m, const struct nu_jv *cfg)
{
	const struct nu_jv *layers = get_type(cfg, "layers", NU_J_ARR);
	const struct nu_jv *ins = get_type(cfg, "input_layers", NU_J_ARR);
	const struct nu_jv *outs = get_type(cfg, "output_layers", NU_J_ARR);
	struct fnode *f;
	int n, in[2], out, cat = -1, last[2];
	enum nu_status st;

	if (layers == NULL || layers->n == 0 || layers->n > NU_KERAS_MAXLAYERS)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: config.layers "
		    "must be a list of 1-%d layers", m->path, NU_KERAS_MAXLAYERS);
	if (ins == NULL || ins->n < 1 || ins->n > 2 || outs == NULL || outs->n != 1)
		return nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: one or two "
		    "input_layers and one output_layers are expected", m->path);
	n = (int)layers->n;
	if ((m->kl = calloc((size_t)n, sizeof *m->kl)) == NULL ||
	    (f = calloc((size_t)n, sizeof *f)) == NULL)
		return nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
	st = NU_ERR_FORMAT;
	for (int i = 0; i < n; i++) {
		const struct nu_jv *l = &layers->item[i];
		const struct nu_jv *nm = get_type(l, "name", NU_J_STR);
		const struct nu_jv *cn = get_type(l, "class_name", NU_J_STR);

		if (nm == NULL || cn == NULL) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: layer %d has no "
			    "\"name\" and \"class_name\"", m->path, i + 1);
			goto out;
		}
		f[i].l = l;
		f[i].name = nm->str;
		f[i].type = cn->str;
		f[i].next = -1;
		if (fnode_find(f, i, nm->str) >= 0) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: two layers are "
			    "named %s", m->path, nm->str);
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		const struct nu_jv *ib = get_type(f[i].l, "inbound_nodes", NU_J_ARR), *call;

		if (ib == NULL) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: layer %s has no "
			    "inbound_nodes", m->path, f[i].name);
			goto out;
		}
		if (ib->n == 0)
			continue;
		if (ib->n > 1) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s (%s) is called %zu times: "
			    "shared layers are not supported", m->path, f[i].name, f[i].type,
			    ib->n);
			goto out;
		}
		call = &ib->item[0];
		if (call->type == NU_J_OBJ) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s: inbound_nodes in the "
			    "Keras 3 form ({\"args\": ...}); only Keras 2 files are supported",
			    m->path, f[i].name);
			goto out;
		}
		if (call->type != NU_J_ARR || call->n < 1 || call->n > 2) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s: inbound_nodes must be "
			    "[[[name, 0, 0, {}]...]] with one or two inputs", m->path, f[i].name);
			goto out;
		}
		for (size_t j = 0; j < call->n; j++) {
			const char *src = io_name(&call->item[j]);
			int k = src != NULL ? fnode_find(f, n, src) : -1;

			if (k < 0) {
				nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s is called on %s, "
				    "which is not a layer of the model", m->path, f[i].name,
				    src != NULL ? src : "(not a name)");
				goto out;
			}
			f[i].in[f[i].nin++] = k;
			f[k].next = i;
			f[k].nnext++;
		}
		if (f[i].nin == 2) {
			if (strcmp(f[i].type, "Concatenate") != 0) {
				nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s: type %s on two "
				    "inputs is not supported (only Concatenate)", m->path,
				    f[i].name, f[i].type);
				goto out;
			}
			if (cat >= 0) {
				nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s: a second "
				    "Concatenate; one merge of the two views is supported",
				    m->path, f[i].name);
				goto out;
			}
			cat = i;
		}
	}
	for (int i = 0; i < n; i++)
		if (f[i].nnext > 1) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: the output of layer %s is used "
			    "%d times; only chains of layers are supported", m->path,
			    f[i].name, f[i].nnext);
			goto out;
		}
	for (int b = 0; b < (int)ins->n; b++) {
		const char *s = io_name(&ins->item[b]);

		if (s == NULL || (in[b] = fnode_find(f, n, s)) < 0) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: input_layers "
			    "names no layer of the model", m->path);
			goto out;
		}
	}
	{
		const char *s = io_name(&outs->item[0]);

		if (s == NULL || (out = fnode_find(f, n, s)) < 0) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: output_layers "
			    "names no layer of the model", m->path);
			goto out;
		}
	}
	if ((ins->n == 2) != (cat >= 0)) {
		nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: %s", m->path, ins->n == 2 ?
		    "two inputs but no Concatenate joining them" :
		    "a Concatenate in a model of one input is not supported");
		goto out;
	}
	if ((st = header(m, ins->n == 2)) != NU_OK)
		goto out;
	if (ins->n == 1) {
		if ((st = walk(m, f, in[0], -1, &last[0])) != NU_OK)
			goto out;
	} else {
		/* input_layers[0] is XZ, [1] YZ; nuscope's merge puts XZ first, so the
		 * Concatenate must take the XZ branch first */
		struct imp s0;
		size_t t0, t1;
		const struct nu_jv *ax = get_type(get_type(f[cat].l, "config", NU_J_OBJ),
		    "axis", NU_J_NUM);
		int axis = ax != NULL && ax->num == floor(ax->num) && fabs(ax->num) < 8 ?
		    (int)ax->num : -99;

		t0 = m->len;
		if ((st = walk(m, f, in[0], cat, &last[0])) != NU_OK)
			goto out;
		s0 = *m;
		t1 = m->len;
		m->h = m->w = m->c = 0;
		m->flat = false;
		if ((st = walk(m, f, in[1], cat, &last[1])) != NU_OK)
			goto out;
		st = NU_ERR_FORMAT;
		if (last[0] != f[cat].in[0] || last[1] != f[cat].in[1]) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s: the Concatenate must "
			    "take the branch of the first input (XZ) first and of the second "
			    "(YZ) second", m->path, f[cat].name);
			goto out;
		}
		if (m->len - t1 != t1 - t0 || memcmp(m->text + t0, m->text + t1, t1 - t0) != 0 ||
		    m->h != s0.h || m->w != s0.w || m->c != s0.c || m->flat != s0.flat) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: the branches of the two inputs "
			    "differ; nuscope's separate branches have the same layers (each "
			    "its own weights)", m->path);
			goto out;
		}
		m->len = t1;
		m->text[t1] = '\0';
		if (m->flat && (axis == -1 || axis == 1)) {
			m->c *= 2;
			m->nseg = m->fc > 0 ? 2 : 1;
			if (!emit(m, "\n[merge]\naxis = features\n"))
				goto nomem;
		} else if (!m->flat && (axis == 1 || axis == -3)) {
			m->h *= 2;
			if (!emit(m, "\n[merge]\naxis = planes\n"))
				goto nomem;
		} else {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s (Concatenate): axis %d "
			    "is not supported (-1 on flat features, 1 on feature maps: planes)",
			    m->path, f[cat].name, axis);
			goto out;
		}
		f[cat].seen = true;
		m->lastact = NULL;
		if (f[cat].nnext == 1 &&
		    (st = walk(m, f, f[cat].next, -1, &last[0])) != NU_OK)
			goto out;
	}
	st = NU_ERR_FORMAT;
	if (last[0] != out) {
		nu_fail(m->cause, NU_ERR_FORMAT, "%s: model_config: the chain of layers "
		    "does not end at the output layer %s", m->path, f[out].name);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (!f[i].seen) {
			nu_fail(m->cause, NU_ERR_FORMAT, "%s: layer %s is not on the way from "
			    "the inputs to the output", m->path, f[i].name);
			goto out;
		}
	st = NU_OK;
	goto out;
nomem:
	st = nu_fail(m->cause, NU_ERR_NOMEM, "out of memory");
out:
	free(f);
	return st;
}

/* ---- the import -------------------------------------------------------- */

enum nu_status
nu_keras_import(const char *path, const char *out, const char *arch_out,
    const struct nu_keras_opts *o, char **arch_text, char **cause)
{
	const char *task = o->task;
	struct imp m = { .path = path, .cause = cause };
	struct nu_jv v = { 0 };
	struct nu_arch *a = NULL;
	struct nu_net *net = NULL;
	const struct nu_jv *cn, *cfg;
	const char *err;
	size_t at = 0;
	char *conf = NULL;
	hid_t f;
	enum nu_status st;

	if (arch_text != NULL)
		*arch_text = NULL;
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
		return nu_fail(cause, NU_ERR_IO, "%s: cannot open as an HDF5 file", path);
	if ((conf = attr_string(f, "model_config", NU_KERAS_MAXCONFIG)) == NULL) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: no model_config attribute (a string "
		    "of at most %zu bytes) at the root: not a Keras 2 HDF5 model file",
		    path, NU_KERAS_MAXCONFIG);
		goto out;
	}
	if (!nu_json_parse(conf, strlen(conf), NU_KERAS_MAXDEPTH, &v, &err, &at)) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: model_config is not valid JSON: "
		    "%s at byte %zu", path, err, at);
		goto out;
	}
	cn = get_type(&v, "class_name", NU_J_STR);
	cfg = nu_json_get(&v, "config");
	if (cn == NULL || cfg == NULL) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: model_config: an object with "
		    "\"class_name\" and \"config\" is expected", path);
		goto out;
	}
	if (strcmp(cn->str, "Sequential") == 0)
		st = sequential(&m, cfg);
	else if (strcmp(cn->str, "Functional") == 0 || strcmp(cn->str, "Model") == 0)
		st = functional(&m, cfg);
	else
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: model_config: a %s model; "
		    "Sequential and Functional models are supported", path, cn->str);
	if (st != NU_OK)
		goto out;
	/* what the file cannot tell: asked for, never assumed */
	if (o->input != NU_INPUT_VIEWS && o->input != NU_INPUT_INTERLEAVED) {
		st = nu_fail(cause, NU_ERR_USAGE, "%s: the model's %s can be fed the "
		    "detector's view%s (XZ%s) or the interleaved halves of cvnmap reshaped "
		    "to (100, 80, 2) (nuscope-data(5)), and the file does not say which it "
		    "was trained on: give --input views or --input interleaved", path,
		    m.ninputs == 2 ? "two 100x80x1 inputs" : "100x80x1 input",
		    m.ninputs == 2 ? "s" : "", m.ninputs == 2 ? " and YZ" : "");
		goto out;
	}
	if (o->norm < 0 || o->norm > NU_NORM_NONE) {
		st = nu_fail(cause, NU_ERR_USAGE, "%s: the file does not say how the "
		    "pixels were scaled in training: give --normalise none (raw 0-255), "
		    "255 (divided by 255) or max --pixel-max N (divided by the training "
		    "set's largest value N)", path);
		goto out;
	}
	if (o->norm == NU_NORM_MAX && (o->max < 1 || o->max > 255)) {
		st = nu_fail(cause, NU_ERR_USAGE, "%s: --normalise max needs --pixel-max N, "
		    "the training set's largest pixel value (1-255) the maps were divided by",
		    path);
		goto out;
	}
	if (task == NULL && (task = infer_task(&m)) == NULL) {
		st = nu_fail(cause, NU_ERR_FORMAT, "%s: cannot tell the task from the last "
		    "layer (1 sigmoid unit: numu-cc, 1 linear: energy, 5 softmax: mode, 16 "
		    "softmax: code); give --task", path);
		goto out;
	}
	{
		/* the task and the input mapping go into [net], before views,
		 * and the scaling into [train] at the end, where training this
		 * architecture again would read it */
		static const char *const inputs[] = { "views", "interleaved" };
		static const char *const norms[] = { "255", "max", "log1p", "none" };
		char *full;
		const char *p = strstr(m.text, "[net]\nversion = 1\n") + 18;

		full = nu_asprintf("%.*stask = %s\ninput = %s\n%s[train]\nnormalise = %s\n",
		    (int)(p - m.text), m.text, task, inputs[o->input], p, norms[o->norm]);
		if (full == NULL) {
			st = nu_fail(cause, NU_ERR_NOMEM, "out of memory");
			goto out;
		}
		free(m.text);
		m.text = full;
		m.len = strlen(full);
		m.cap = m.len + 1;
	}
	if ((st = nu_arch_parse(&a, arch_out != NULL ? arch_out : out, m.text, m.len,
	    cause)) != NU_OK)
		goto out;
	if ((st = nu_net_new(&net, a, 1, cause)) != NU_OK)
		goto out;
	if ((st = copy_weights(&m, f, net)) != NU_OK)
		goto out;
	{
		struct nu_model_meta meta = { 0 };

		meta.task = net->task;
		meta.seed = 1;
		snprintf(meta.normalise, sizeof meta.normalise, "%s",
		    nu_arch_enum(&a->sec[a->train], "normalise"));
		meta.normalise_max = o->norm == NU_NORM_MAX ? o->max : 255;
		meta.threshold = 0.5;
		meta.best_epoch = -1;
		meta.best_value = NAN;
		if ((st = nu_model_save(out, net, m.text, NULL, NULL, 0, NULL, NULL, &meta,
		    cause)) != NU_OK)
			goto out;
		if (arch_out != NULL &&
		    (st = nu_write_atomic(arch_out, m.text, m.len, cause)) != NU_OK)
			goto out;
	}
	if (arch_text != NULL) {
		*arch_text = m.text;
		m.text = NULL;
	}
	st = NU_OK;
out:
	nu_net_free(net);
	nu_arch_free(a);
	nu_jv_clear(&v);
	free(conf);
	free(m.text);
	free(m.kl);
	H5Fclose(f);
	return st;
}
