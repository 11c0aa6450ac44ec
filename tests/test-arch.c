/*
 * test-arch.c: architecture files: the presets parse to what they say,
 * defaults apply, and every kind of mistake is reported at its line.
 */
#include "config.h"

#include <stdlib.h>

#include "arch.h"
#include "testhelp.h"

static const char *srcdir;

static struct nu_arch *
load_preset(const char *name)
{
	char path[1024], *cause = NULL;
	struct nu_arch *a = NULL;
	enum nu_status st;

	snprintf(path, sizeof path, "%s/assets/arch/%s", srcdir, name);
	st = nu_arch_load(&a, path, &cause);
	CHECK(st == NU_OK, "%s parses%s%s", name, cause ? ": " : "", cause ? cause : "");
	free(cause);
	return a;
}

static void
test_presets(void)
{
	struct nu_arch *a;
	int convs = 0;

	if ((a = load_preset("seed1.arch")) != NULL) {
		const struct nu_arch_section *c = &a->sec[1], *tr;

		CHECK(strcmp(nu_arch_enum(&a->sec[0], "branches"), "separate") == 0, "seed1: separate branches");
		CHECK(strcmp(c->kind->name, "conv") == 0 && nu_arch_int(c, "filters") == 8,
		    "seed1: first layer conv 8");
		CHECK(nu_arch_pair(c, "kernel")[0] == 2 && nu_arch_pair(c, "kernel")[1] == 2, "kernel 2x2");
		CHECK(nu_arch_pair(c, "stride")[0] == 1, "default stride 1x1");
		CHECK_NEAR(nu_arch_float(c, "l2"), 1e-4, 1e-12, "l2 1e-4");
		CHECK(strcmp(nu_arch_enum(c, "padding"), "same") == 0, "padding same");
		CHECK(nu_arch_is_set(c, "padding") && !nu_arch_is_set(c, "stride"), "set vs default");
		CHECK(a->merge > 0 && strcmp(nu_arch_enum(&a->sec[a->merge], "axis"), "features") == 0,
		    "seed1: merge on features");
		for (int i = 1; i < a->merge; i++)
			convs += strcmp(a->sec[i].kind->name, "conv") == 0;
		CHECK_EQ_INT(convs, 3, "three convolutions per branch");
		CHECK(a->train == a->nsec - 1, "[train] last");
		tr = &a->sec[a->train];
		CHECK(strcmp(nu_arch_enum(tr, "balance"), "undersample") == 0, "balance undersample");
		CHECK_EQ_INT(nu_arch_get(tr, "fractions")->nlist, 3, "three fractions");
		CHECK_NEAR(nu_arch_get(tr, "fractions")->list[1], 0.1, 1e-12, "validation 0.1");
		CHECK_NEAR(nu_arch_float(tr, "beta2"), 0.999, 1e-12, "Adam beta2 default 0.999");
		CHECK_NEAR(nu_arch_float(tr, "epsilon"), 1e-7, 1e-15, "Adam epsilon default 1e-7 (Keras)");
		CHECK(!nu_arch_bool(tr, "early_stop") && nu_arch_bool(tr, "restore_best"), "bool defaults");
		CHECK_STR_HAS(a->text, "# seed1.arch", "the text is kept verbatim");
		nu_arch_free(a);
	}
	if ((a = load_preset("seed2.arch")) != NULL) {
		CHECK(a->merge > 0 && strcmp(nu_arch_enum(&a->sec[a->merge], "axis"), "planes") == 0,
		    "seed2: branches joined along planes");
		nu_arch_free(a);
	}
	if ((a = load_preset("stacked.arch")) != NULL) {
		CHECK(a->merge < 0 && strcmp(nu_arch_enum(&a->sec[0], "branches"), "stacked") == 0,
		    "stacked: one branch, no merge");
		nu_arch_free(a);
	}
}

static const char head[] = "[net]\nversion = 1\n";

static const struct {
	const char *text, *message;
} broken[] = {
	{ "", "bad.arch: no sections: an architecture starts with [net]" },
	{ "# only a comment\n", "bad.arch: no sections" },
	{ "[conv]\nfilters = 8\n", "bad.arch:1: the first section must be [net], not [conv]" },
	{ "filters = 8\n", "bad.arch:1: 'filters' comes before any section" },
	{ "[net]\n[dense]\nunits = 1\n", "bad.arch:1: [net] needs version" },
	{ "[net]\nversion = 2\n", "bad.arch:2: version 2 is newer than this nuscope reads (1)" },
	{ "[net]\nversion = one\n", "bad.arch:2: version = one: expected a whole number from 1 to 1" },
	{ "HEAD[convolution]\n", "bad.arch:3: unknown section [convolution]; sections are net, conv," },
	{ "HEAD[conv\n", "bad.arch:3: expected a section header such as [conv]" },
	{ "HEAD[conv] extra\n", "bad.arch:3: expected a section header" },
	{ "HEAD[conv]\nfilter = 8\n", "bad.arch:4: [conv] has no key 'filter'; its keys are filters, kernel," },
	{ "HEAD[conv]\nfilters = 8\nfilters = 9\n", "bad.arch:5: filters is already set in this [conv] (line 4)" },
	{ "HEAD[conv]\nfilters\n", "bad.arch:4: expected 'key = value' or a [section]" },
	{ "HEAD[conv]\nfilters =\n", "bad.arch:4: filters has no value" },
	{ "HEAD[conv]\nfilters = 8.5\n", "bad.arch:4: filters = 8.5: expected a whole number from 1 to 4096" },
	{ "HEAD[conv]\nfilters = 0\n", "bad.arch:4: filters = 0: expected a whole number from 1 to 4096" },
	{ "HEAD[conv]\nfilters = 99999999999999999999\n", "expected a whole number from 1 to 4096" },
	{ "HEAD[conv]\nfilters = 8\nkernel = 3x\n", "bad.arch:5: kernel = 3x: expected a size such as 3x3 or 3, each from 1 to 64" },
	{ "HEAD[conv]\nfilters = 8\nkernel = 0x3\n", "bad.arch:5: kernel = 0x3: expected a size" },
	{ "HEAD[conv]\nfilters = 8\npadding = full\n", "bad.arch:5: padding = full: expected one of valid,same" },
	{ "HEAD[conv]\nfilters = 8\nactivation = gelu\n", "expected one of linear,relu,leaky-relu,sigmoid,tanh,softmax" },
	{ "HEAD[conv]\n", "bad.arch:3: [conv] needs filters (number of filters" },
	{ "HEAD[dropout]\nrate = 1.5\n", "bad.arch:4: rate = 1.5: expected a number from 0 to 0.99" },
	{ "HEAD[dropout]\nrate = nan\n", "bad.arch:4: rate = nan: expected a number" },
	{ "HEAD[dense]\nunits = 1\n[train]\nearly_stop = maybe\n", "bad.arch:6: early_stop = maybe: expected yes or no" },
	{ "HEAD[dense]\nunits = 1\n[train]\nfractions = 0.8, x, 0.1\n", "bad.arch:6: fractions = 0.8, x, 0.1: expected up to 16 comma-separated numbers" },
	{ "HEAD[dense]\nunits = 1\n[train]\n[dense]\nunits = 2\n", "bad.arch:6: [dense] after [train]: [train] comes last" },
	{ "HEAD[net]\nversion = 1\n", "bad.arch:3: a second [net]; the first is on line 1" },
	{ "HEAD[merge]\n[merge]\n[dense]\nunits = 1\n", "bad.arch:4: a second [merge]; the branches already meet on line 3" },
	{ "HEAD", "bad.arch: the network has no layers" },
	{ "HEAD[dense]\nunits = 1\n", "bad.arch: views = both with branches = separate needs a [merge] section" },
	{ "[net]\nversion = 1\nviews = xz\n[merge]\n[dense]\nunits = 1\n", "bad.arch:4: [merge] with one view (views = xz)" },
	{ "[net]\nversion = 1\nviews = yz\nbranches = shared\n[dense]\nunits = 1\n", "bad.arch:4: branches applies only when views = both" },
	{ "[net]\nversion = 1\nbranches = stacked\n[merge]\n[dense]\nunits = 1\n", "bad.arch:4: [merge] with branches = stacked" },
	{ "[net]\nversion = 1\ntask = energy-ish\n", "bad.arch:3: task = energy-ish: expected one of numu-cc,flavour,mode,energy,y,code" },
	{ "HEAD[flatten]\nsize = 2\n", "bad.arch:4: [flatten] has no key 'size'; its keys are none" },
	{ "[net]\nversion = 1\ninput = channels\n", "bad.arch:3: input = channels: expected one of views,interleaved" },
	{ "[net]\nversion = 1\nviews = xz\n[flatten]\n[train]\nnormalise = 1/255\n",
	  "bad.arch:6: normalise = 1/255: expected one of 255,max,log1p,none" },
};

static void
test_broken(void)
{
	char text[512];
	size_t nb = sizeof(broken) / sizeof(broken[0]);

	for (size_t i = 0; i < nb; i++) {
		struct nu_arch *a = NULL;
		char *cause = NULL;
		const char *t = broken[i].text;
		enum nu_status st;

		if (strncmp(t, "HEAD", 4) == 0)
			snprintf(text, sizeof text, "%s%s", head, t + 4);
		else
			snprintf(text, sizeof text, "%s", t);
		st = nu_arch_parse(&a, "bad.arch", text, strlen(text), &cause);
		CHECK(st == NU_ERR_FORMAT && a == NULL, "broken file %zu is rejected", i + 1);
		CHECK_STR_HAS(cause, broken[i].message, "broken file %zu: message", i + 1);
		free(cause);
		nu_arch_free(a);
	}
	CHECK(nb >= 15, "at least 15 broken files (%zu)", nb);
}

/* [net] input and [train] normalise = none (nuscope-arch(5)) */
static void
test_input(void)
{
	const char *t = "[net]\nversion = 1\nviews = yz\ninput = interleaved\n[flatten]\n"
	    "[train]\nnormalise = none\n";
	struct nu_arch *a = NULL;
	char *cause = NULL;

	CHECK(nu_arch_parse(&a, "in.arch", t, strlen(t), &cause) == NU_OK,
	    "input = interleaved and normalise = none parse%s%s", cause ? ": " : "",
	    cause ? cause : "");
	if (a != NULL) {
		CHECK(nu_arch_input(a) == 1 && strcmp(nu_arch_enum(&a->sec[0], "input"),
		    "interleaved") == 0, "input interleaved is enum nu_input 1");
		CHECK(strcmp(nu_arch_enum(&a->sec[a->train], "normalise"), "none") == 0 &&
		    nu_arch_enum_index(&a->sec[a->train], "normalise") == 3,
		    "normalise none is enum nu_norm 3 (NU_NORM_NONE)");
	}
	nu_arch_free(a);
	a = NULL;
	t = "[net]\nversion = 1\nviews = xz\n[flatten]\n";
	CHECK(nu_arch_parse(&a, "in.arch", t, strlen(t), &cause) == NU_OK &&
	    nu_arch_input(a) == 0 && !nu_arch_is_set(&a->sec[0], "input"),
	    "input defaults to views");
	CHECK(nu_arch_input(NULL) == 0, "no architecture: views");
	nu_arch_free(a);
	free(cause);
}

static void
test_syntax(void)
{
	const char *t = "  # comment\r\n[net]   \nversion=1\n; another\n"
	    "views = xz   # inline comment\n\n[ conv ]\nfilters = 4 ; eight? no, four\n"
	    "kernel = 5\n[avgpool]\nsize = 2x3\n";
	struct nu_arch *a = NULL;
	char *cause = NULL, *d;
	enum nu_status st = nu_arch_parse(&a, "ok.arch", t, strlen(t), &cause);

	CHECK(st == NU_OK, "comments, blanks, CRLF and inline comments%s%s",
	    cause ? ": " : "", cause ? cause : "");
	if (a != NULL) {
		CHECK(strcmp(nu_arch_enum(&a->sec[0], "views"), "xz") == 0, "inline comment stripped");
		CHECK_EQ_INT(nu_arch_int(&a->sec[1], "filters"), 4, "filters 4");
		CHECK(nu_arch_pair(&a->sec[1], "kernel")[0] == 5 && nu_arch_pair(&a->sec[1], "kernel")[1] == 5,
		    "kernel 5 means 5x5");
		CHECK(nu_arch_pair(&a->sec[2], "size")[0] == 2 && nu_arch_pair(&a->sec[2], "size")[1] == 3,
		    "pool 2x3");
		CHECK(!nu_arch_is_set(&a->sec[2], "stride") && nu_arch_pair(&a->sec[2], "stride")[0] == 0,
		    "pool stride unset (means: the size)");
		CHECK_EQ_INT(a->sec[1].line, 7, "section line recorded");
	}
	nu_arch_free(a);
	free(cause);

	d = nu_arch_describe_keys(NULL);
	CHECK_STR_HAS(d, "[conv]  2-D convolution", "keys: conv described");
	CHECK_STR_HAS(d, "filters", "keys: filters listed");
	CHECK_STR_HAS(d, "(required)", "keys: required marked");
	free(d);
	d = nu_arch_describe_keys("dropout");
	CHECK(d != NULL && strstr(d, "[conv]") == NULL && strstr(d, "rate") != NULL,
	    "keys of one kind");
	free(d);
	CHECK(nu_arch_kind_find("maxpool") != NULL && nu_arch_kind_find("pool") == NULL, "kind lookup");
}

int
main(void)
{
	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = "..";
	test_presets();
	test_broken();
	test_input();
	test_syntax();
	TEST_DONE();
}
