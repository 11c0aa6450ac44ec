/* test-where.c: the --where language: results on known events, and every
 * kind of mistake with its message; the model names (score, label,
 * selected) against a network made in memory, recounted from nu_score and
 * the task's labels. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "model.h"
#include "score.h"
#include "split.h"
#include "where.h"
#include "support.h"
#include "testhelp.h"

/* An event: code, E_nu, E_lep, run; the rest 0. */
static void
event(double *v, double code, double enu, double elep, double run, uint64_t idx)
{
	for (int i = 0; i < NU_WHERE_NVARS; i++)
		v[i] = 0;
	v[NU_COL_INTERACTION] = code;
	v[NU_COL_NUENERGY] = enu;
	v[NU_COL_LEPENERGY] = elep;
	v[NU_COL_RUN] = run;
	nu_where_derive(v, idx);
}

static int
eval(const char *text, const double *v)
{
	struct nu_where *w = NULL;
	char *cause = NULL;
	int r;

	if (nu_where_compile(&w, text, &cause) != NU_OK) {
		printf("# %s\n", cause);
		free(cause);
		return -1;
	}
	r = nu_where_eval(w, v);
	nu_where_free(w);
	return r;
}

/* An in-memory model of task `task` over the XZ view (as test-score's). */
static bool
make_model(struct nu_model *m, const char *task, const char *out_act, double t)
{
	char text[256], *cause = NULL;
	struct nu_arch *a;

	snprintf(text, sizeof text, "[net]\nversion = 1\nviews = xz\ntask = %s\n"
	    "[maxpool]\nsize = 4\n[flatten]\n[dense]\nunits = 1\nactivation = %s\n",
	    task, out_act);
	memset(m, 0, sizeof *m);
	if ((a = support_parse(text)) == NULL)
		return false;
	if (nu_net_new(&m->net, a, 3, &cause) != NU_OK) {
		printf("# %s\n", cause);
		free(cause);
		nu_arch_free(a);
		return false;
	}
	m->arch = a;
	m->meta.task = m->net->task;
	m->meta.threshold = t;
	m->meta.normalise_max = 255;
	snprintf(m->meta.normalise, sizeof m->meta.normalise, "255");
	m->meta.where = "";
	return true;
}

static void
drop_model(struct nu_model *m)
{
	nu_net_free(m->net);
	nu_arch_free(m->arch);
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* Select all of ds with text bound to m at threshold t, in two blocks,
 * the later one first (so that scoring starts at an event other than 0,
 * and the earlier block is outside what was scored); returns the count,
 * keep[] per event, or -1 on an error (printed). */
static long
select_all(const char *text, const struct nu_model *m, double t,
    struct nu_dataset *ds, uint8_t *keep)
{
	struct nu_where *w = NULL;
	char *cause = NULL;
	uint64_t n = nu_dataset_nevents(ds), half = n / 3;
	long count = 0;

	if (nu_where_compile(&w, text, &cause) != NU_OK ||
	    nu_where_set_model(w, m, t, &cause) != NU_OK ||
	    nu_where_select(w, ds, half, (size_t)(n - half), keep + half, &cause) != NU_OK ||
	    nu_where_select(w, ds, 0, (size_t)half, keep, &cause) != NU_OK) {
		printf("# %s: %s\n", text, cause);
		free(cause);
		nu_where_free(w);
		return -1;
	}
	for (uint64_t i = 0; i < n; i++)
		count += keep[i];
	nu_where_free(w);
	return count;
}

/* The model names on the fixture events, against an independent count. */
static void
model_checks(void)
{
	const char *fx = getenv("FIXTURES");
	char path[1024], *cause = NULL;
	struct nu_dataset *ds;
	struct nu_model m, reg;
	struct nu_labels lab = { 0 };
	struct nu_where *w = NULL;
	struct stat sb;
	uint64_t *ev, n;
	float *sc, *sorted;
	uint8_t *keep, *keep2;
	double t;
	long want = 0, got, band = 0;


	snprintf(path, sizeof path, "%s/expected.json", fx != NULL ? fx : "");
	if (fx == NULL || stat(path, &sb) != 0) {
		CHECK(1, "# SKIP no fixtures for the model names");
		return;
	}
	ds = support_fixture("good");
	if (!make_model(&m, "numu-cc", "sigmoid", 0.5) ||
	    !make_model(&reg, "energy", "linear", 0.5)) {
		printf("Bail out! no model\n");
		exit(1);
	}
	n = nu_dataset_nevents(ds);
	ev = malloc(n * sizeof *ev);
	sc = malloc(n * sizeof *sc);
	sorted = malloc(n * sizeof *sorted);
	keep = malloc(n);
	keep2 = malloc(n);
	if (!ev || !sc || !sorted || !keep || !keep2 ||
	    nu_labels_load(ds, NU_TASK_NUMU_CC, &lab, &cause) != NU_OK) {
		printf("Bail out! %s\n", cause != NULL ? cause : "out of memory");
		exit(1);
	}
	for (uint64_t i = 0; i < n; i++)
		ev[i] = i;
	if (nu_score(&m, ds, ev, n, &lab, 64, sc, NULL, &cause) != NU_OK) {
		printf("Bail out! %s\n", cause);
		exit(1);
	}
	/* a threshold in the middle of the scores, so both sides have events */
	memcpy(sorted, sc, n * sizeof *sc);
	qsort(sorted, n, sizeof *sorted, cmp_float);
	t = ((double)sorted[n / 2] + sorted[n / 2 + 1]) / 2;
	for (uint64_t i = 0; i < n; i++) {
		want += sc[i] > (float)t && lab.used[i] && lab.label[i] == 0;
		band += sc[i] > sorted[n / 4] && sc[i] <= sorted[3 * n / 4];
	}
	CHECK(want > 0, "the recount has false positives (%ld) to find", want);

	got = select_all("selected && label == 0", &m, t, ds, keep);
	CHECK_EQ_INT(got, want, "'selected && label == 0' at %.4f: the false positives", t);
	{
		bool same = got >= 0;

		for (uint64_t i = 0; i < n && same; i++)
			same = keep[i] == (sc[i] > (float)t && lab.used[i] && lab.label[i] == 0);
		CHECK(same, "and exactly those events");
	}
	snprintf(path, sizeof path, "score > %.17g && score <= %.17g", (double)sorted[n / 4],
	    (double)sorted[3 * n / 4]);
	CHECK_EQ_INT(select_all(path, &m, NAN, ds, keep), band, "score ranges: %s", path);
	CHECK_EQ_INT(select_all("!selected", &m, 2.0, ds, keep), (long)n,
	    "at threshold 2 nothing is selected");
	/* NaN: the model's stored threshold */
	m.meta.threshold = t;
	CHECK_EQ_INT(select_all("selected && label == 0", &m, NAN, ds, keep), want,
	    "NaN takes the model's stored threshold");
	got = 0;
	for (uint64_t i = 0; i < n; i++)
		got += lab.used[i] && lab.label[i] == 1;
	CHECK_EQ_INT(select_all("label == 1", &m, NAN, ds, keep), got,
	    "label == 1: the numu CC events");

	/* the scores handed in instead of computed */
	nu_where_compile(&w, "selected && label == 0", &cause);
	CHECK(nu_where_set_model(w, &m, t, &cause) == NU_OK &&
	    nu_where_select_scored(w, ds, 0, (size_t)n, sc, keep2, &cause) == NU_OK,
	    "select_scored with the scores in hand");
	{
		bool same = true;

		for (uint64_t i = 0; i < n && same; i++)
			same = keep2[i] == (sc[i] > (float)t && lab.used[i] && lab.label[i] == 0);
		CHECK(same, "  selects the same events");
	}
	CHECK_NEAR(nu_where_threshold(w), t, 1e-12, "nu_where_threshold");
	nu_where_free(w);

	/* without a model: the names are an error where they are used */
	nu_where_compile(&w, "score > 0.5", &cause);
	CHECK(nu_where_needs_model(w) && nu_where_set_model(w, NULL, NAN, &cause) == NU_ERR_USAGE,
	    "score without a model is refused");
	CHECK_STR_HAS(cause, "where: 'score' needs --model", "  saying so");
	free(cause);
	cause = NULL;
	CHECK(nu_where_select(w, ds, 0, 10, keep, &cause) == NU_ERR_USAGE &&
	    isnan(nu_where_threshold(w)), "and selecting with it fails the same way");
	CHECK_STR_HAS(cause, "'score' needs --model", "  saying so");
	free(cause);
	cause = NULL;
	nu_where_free(w);
	nu_where_compile(&w, "mode == DIS", &cause);
	CHECK(!nu_where_needs_model(w) && nu_where_set_model(w, NULL, NAN, &cause) == NU_OK,
	    "an expression without them needs no model");
	nu_where_free(w);

	/* a regression: score is the prediction; selected has no meaning */
	nu_where_compile(&w, "selected", &cause);
	CHECK(nu_where_set_model(w, &reg, NAN, &cause) == NU_ERR_USAGE,
	    "selected with a regression is refused");
	CHECK_STR_HAS(cause, "'selected' needs a binary classifier (score > threshold); "
	    "the model's task is energy", "  saying why");
	free(cause);
	cause = NULL;
	nu_where_free(w);
	if (nu_score(&reg, ds, ev, n, NULL, 64, sc, NULL, &cause) == NU_OK) {
		memcpy(sorted, sc, n * sizeof *sc);
		qsort(sorted, n, sizeof *sorted, cmp_float);
		t = ((double)sorted[n / 2] + sorted[n / 2 + 1]) / 2;
		want = 0;
		for (uint64_t i = 0; i < n; i++)
			want += sc[i] > t && lab.used[i];     /* E_nu labels: all events */
		snprintf(path, sizeof path, "score > %.17g && label >= 0", t);
		CHECK_EQ_INT(select_all(path, &reg, NAN, ds, keep), want,
		    "regression: score is the prediction (%s)", path);
	} else {
		CHECK(0, "scoring with the regression: %s", cause);
	}
	free(cause);
	nu_labels_free(&lab);
	free(ev);
	free(sc);
	free(sorted);
	free(keep);
	free(keep2);
	drop_model(&m);
	drop_model(&reg);
	nu_dataset_free(ds);
}
/* Text of n copies of unit, then tail (owned by the caller). */
static char *
repeat(const char *unit, size_t n, const char *tail)
{
	size_t u = strlen(unit), t = strlen(tail);
	char *s = malloc(u * n + t + 1);

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	memcpy(s + u * n, tail, t + 1);
	return s;
}

/* Hostile depth is refused while parsing; long chains of && and || are
 * fine, and evaluate without recursing once per operand (1,000,000 of them
 * overflow an 8 MB stack when they did). */
static void
depth_checks(void)
{
	double v[NU_WHERE_NVARS];
	struct nu_where *w = NULL;
	char *cause = NULL, *text, *close;
	size_t n = 1000000;

	event(v, 13, 12.5, 4.0, 100, 7);
	close = repeat(")", NU_WHERE_MAXDEPTH, "");
	text = repeat("(", NU_WHERE_MAXDEPTH, "run == 100");
	text = realloc(text, strlen(text) + strlen(close) + 1);
	strcat(text, close);
	CHECK(eval(text, v) == 1, "%d nested parentheses are allowed", NU_WHERE_MAXDEPTH);
	free(text);
	free(close);
	text = repeat("!", NU_WHERE_MAXDEPTH, "run == 100");
	CHECK(eval(text, v) == 1, "%d !s are allowed", NU_WHERE_MAXDEPTH);
	free(text);

	text = repeat("(", 40000, "run == 100");
	CHECK(nu_where_compile(&w, text, &cause) == NU_ERR_USAGE && w == NULL,
	    "40,000 nested parentheses are refused");
	CHECK_STR_HAS(cause, "nested more than 256 deep (parentheses and !) (at 257)",
	    "  at the 257th");
	CHECK(strlen(cause) < 200, "  quoting the start of the text only (%zu characters)",
	    strlen(cause));
	free(cause);
	cause = NULL;
	free(text);
	text = repeat("!", 100000, "run == 100");
	CHECK(nu_where_compile(&w, text, &cause) == NU_ERR_USAGE && w == NULL,
	    "100,000 !s are refused");
	free(cause);
	cause = NULL;
	free(text);
	text = repeat(" ( ! ", 129, "run == 100");
	CHECK(nu_where_compile(&w, text, &cause) == NU_ERR_USAGE && w == NULL,
	    "parentheses and !s count together");
	free(cause);
	cause = NULL;
	free(text);

	text = repeat("run == 1 || ", n, "run == 100");
	CHECK(eval(text, v) == 1, "a chain of 1,000,000 || holding at its end");
	free(text);
	text = repeat("run == 1 || ", n, "run == 2");
	CHECK(eval(text, v) == 0, "  and holding nowhere");
	free(text);
	text = repeat("run == 100 && ", n, "nuenergy > 10");
	CHECK(eval(text, v) == 1, "a chain of 1,000,000 && holding everywhere");
	free(text);
	text = repeat("run == 100 && ", n, "nuenergy > 20");
	CHECK(eval(text, v) == 0, "  and failing at its end");
	free(text);
	text = repeat("run == 1 && nuenergy > 0 || ", n, "(run == 100 && !(run == 1 || run == 2))");
	CHECK(eval(text, v) == 1, "a chain of && inside a chain of ||");
	free(text);
}

int
main(void)
{
	double nc[NU_WHERE_NVARS], dis[NU_WHERE_NVARS], zero[NU_WHERE_NVARS];
	static const struct { const char *text, *msg; } bad[] = {
		{ "", "the expression ends too soon" },
		{ "nuenergy >", "nuenergy >: the expression ends too soon (at 11)" },
		{ "nuenergy = 3", "use == to compare (at 10)" },
		{ "nuenergy 3", "expected a comparison (== != < <= > >=) (at 10)" },
		{ "energy > 3", "unknown name; names are the /neutrino columns, y, mode, group, event, and with a model score, label, selected (at 1)" },
		{ "score", "expected a comparison (== != < <= > >=) (at 6)" },
		{ "selected = 1", "use == to compare (at 10)" },
		{ "mode == SIS", "a mode is one of QE, RES, DIS, CCother, NC, none (at 9)" },
		{ "group == numu_cc", "a group is one of numu, nue, nutau, NC, cosmic, other" },
		{ "(run > 1", "expected ')'" },
		{ "run > 1 & run < 3", "use && for 'and'" },
		{ "run > 1 | run < 3", "use || for 'or'" },
		{ "run > 1 run", "unexpected text after the expression (at 9)" },
		{ "3 > 2", "compare a name with something, not two numbers" },
		{ "run > -", "expected a number" },
	};
	struct nu_where *w = NULL;
	char *cause = NULL;

	nu_init();
	event(nc, 13, 12.5, 4.0, 100, 7);
	event(dis, 2, 3.0, 2.7, 200, 8);
	event(zero, 0, 0.0, 0.0, 300, 9);

	CHECK(eval("interaction == 13 && nuenergy > 10", nc) == 1, "NC above 10 GeV");
	CHECK(eval("interaction == 13 && nuenergy > 10", dis) == 0, "DIS is not");
	CHECK(eval("mode == DIS", dis) == 1 && eval("mode == DIS", nc) == 0, "mode == DIS");
	CHECK(eval("mode == NC", nc) == 1 && eval("group == NC", nc) == 1, "NC as mode and as group");
	CHECK(eval("group == numu", dis) == 1 && eval("group != numu", nc) == 1, "group numu");
	CHECK(eval("y > 0.8", dis) == 1 && eval("y > 0.8", nc) == 0, "y = E_lep/E_nu");
	CHECK(eval("y > 0.8", zero) == 0 && eval("y <= 0.8", zero) == 0 && eval("y != 1", zero) == 0,
	    "y of an event without E_nu fails every comparison");
	CHECK(eval("!(y > 0.8)", zero) == 1, "but its negation holds");
	CHECK(eval("run == 100 || run == 200", dis) == 1, "||");
	CHECK(eval("run == 100 || run == 200 && nuenergy > 5", dis) == 0, "&& binds tighter than ||");
	CHECK(eval("(run == 100 || run == 200) && nuenergy > 2", dis) == 1, "parentheses");
	CHECK(eval("event >= 8", dis) == 1 && eval("event >= 8", nc) == 0, "event index");
	CHECK(eval("  nuenergy<=3.0&&lepenergy>=2.7 ", dis) == 1, "blanks optional");
	CHECK(eval("nuenergy > 1e1", nc) == 1, "exponent notation");
	CHECK(eval("rec.training.trainingdata_idx == 0", nc) == 1, "dotted column names");

	/* the model names' values as a bound model fills them */
	nc[NU_WHERE_SELECTED] = 1;
	nc[NU_WHERE_LABEL] = 0;
	nc[NU_WHERE_SCORE] = 0.7;
	dis[NU_WHERE_SELECTED] = 0;
	dis[NU_WHERE_LABEL] = 1;
	dis[NU_WHERE_SCORE] = 0.2;
	zero[NU_WHERE_SELECTED] = 1;
	zero[NU_WHERE_LABEL] = NAN;
	zero[NU_WHERE_SCORE] = 0.9;
	CHECK(eval("selected && label == 0", nc) == 1 && eval("selected && label == 0", dis) == 0,
	    "selected alone is a truth value");
	CHECK(eval("!selected", dis) == 1 && eval("selected == 0", dis) == 1, "!selected, selected == 0");
	CHECK(eval("score > 0.5", nc) == 1 && eval("score > 0.5", dis) == 0, "score");
	CHECK(eval("label == 0", zero) == 0 && eval("label != 0", zero) == 0 &&
	    eval("selected && !(label == 1)", zero) == 1,
	    "an event outside the task: label fails every comparison");

	nu_where_compile(&w, "mode == QE && run > 3", &cause);
	CHECK(w != NULL && nu_where_uses(w, NU_WHERE_MODE) && nu_where_uses(w, NU_COL_RUN) &&
	    !nu_where_uses(w, NU_COL_NUENERGY), "knows which variables it reads");
	nu_where_free(w);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		w = NULL;
		CHECK(nu_where_compile(&w, bad[i].text, &cause) == NU_ERR_USAGE && w == NULL,
		    "'%s' is refused", bad[i].text);
		CHECK_STR_HAS(cause, bad[i].msg, "'%s': message", bad[i].text);
	}
	free(cause);
	depth_checks();
	model_checks();
	TEST_DONE();
}
