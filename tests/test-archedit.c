/*
 * test-archedit.c: the architecture editor's model: a preset loaded into
 * it gives back a file with the same network; inserting, deleting, moving
 * and setting keys change the network as they say and are refused where
 * they would break the file; shapes and parameter counts follow from the
 * network; errors point at the section they are about; saving writes a
 * file nu_arch_load accepts, and nothing when it cannot.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archedit.h"
#include "testhelp.h"

static const char *srcdir;

static struct nu_arched *
load(const char *name)
{
	char path[1024], *cause = NULL;
	struct nu_arched *e = NULL;
	enum nu_status st;

	snprintf(path, sizeof path, "%s/assets/arch/%s", srcdir, name);
	st = nu_arched_load(&e, path, &cause);
	CHECK(st == NU_OK, "%s loads into the editor%s%s", name,
	    cause ? ": " : "", cause ? cause : "");
	free(cause);
	return e;
}

/* Parameters of the network in a preset file, built directly. */
static size_t
preset_params(const char *name)
{
	char path[1024], *cause = NULL;
	struct nu_arch *a = NULL;
	struct nu_net *net = NULL;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/assets/arch/%s", srcdir, name);
	if (nu_arch_load(&a, path, &cause) == NU_OK &&
	    nu_net_new(&net, a, 1, &cause) == NU_OK)
		n = net->nparams;
	free(cause);
	nu_net_free(net);
	nu_arch_free(a);
	return n;
}

static size_t
sum_params(const struct nu_arched *e)
{
	size_t n = 0;

	for (int i = 0; i < e->nsec; i++)
		n += e->info[i].params;
	return n;
}

static void
test_roundtrip(void)
{
	static const char *const presets[] = { "seed1.arch", "seed2.arch",
	    "stacked.arch", "mode.arch", "energy.arch", "cvn-lite.arch" };

	for (size_t p = 0; p < sizeof presets / sizeof presets[0]; p++) {
		struct nu_arched *e = load(presets[p]), *back = NULL;
		char *text, *cause = NULL;
		size_t want = preset_params(presets[p]);

		if (e == NULL)
			continue;
		CHECK(e->net != NULL && e->error == NULL, "%s: valid in the editor", presets[p]);
		CHECK(want > 0 && e->net != NULL && e->net->nparams == want,
		    "%s: the editor's network has the file's %zu parameters", presets[p], want);
		CHECK_EQ_INT(sum_params(e), want, "%s: per-section parameters add up",
		    presets[p]);
		text = nu_arched_text(e, NULL);
		CHECK(text != NULL && nu_arched_from_text(&back, "again", text, &cause) == NU_OK &&
		    back->net != NULL && back->net->nparams == want && back->nsec == e->nsec,
		    "%s: its text parses back to the same network", presets[p]);
		CHECK(text != NULL && strncmp(text, "#", 1) == 0,
		    "%s: the comment block before [net] is kept", presets[p]);
		free(cause);
		free(text);
		nu_arched_free(back);
		nu_arched_free(e);
	}
}

static void
test_edits(void)
{
	struct nu_arched *e = load("seed1.arch"), *copy;
	char *cause = NULL, why[256];
	int merge, i, first;
	size_t before;

	if (e == NULL)
		return;
	merge = nu_arched_find(e, NU_ARCH_ROLE_MERGE);
	CHECK(merge > 1, "seed1 has a [merge] after its branch layers");
	first = 1;
	CHECK(strcmp(e->sec[first].kind->name, "conv") == 0 &&
	    e->info[first].out.c == 8 && e->info[first].out.h == 100 &&
	    e->info[first].out.w == 80, "first conv: 8x100x80 per view");
	CHECK_EQ_INT(e->info[first].copies, 2, "a branch layer runs once per view");
	CHECK_EQ_INT(e->info[first].params, 2 * (8 * 2 * 2 + 8),
	    "separate branches: the first conv's weights twice");

	/* set a key: more filters, more parameters */
	before = e->net->nparams;
	CHECK(nu_arched_set(e, first, "filters", "16", &cause) == NU_OK, "filters = 16 accepted");
	CHECK(e->net != NULL && e->net->nparams > before && e->dirty,
	    "more filters, more parameters (%zu -> %zu)", before,
	    e->net != NULL ? e->net->nparams : 0);
	CHECK(e->info[first].out.c == 16, "the shape follows: 16 channels");

	/* bad values are refused and change nothing */
	before = e->net->nparams;
	CHECK(nu_arched_set(e, first, "filters", "0", &cause) != NU_OK &&
	    cause != NULL && strstr(cause, "whole number") != NULL,
	    "filters = 0 refused: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	CHECK(nu_arched_set(e, first, "padding", "full", &cause) != NU_OK &&
	    cause != NULL && strstr(cause, "valid,same") != NULL,
	    "padding = full refused with the choices");
	free(cause);
	cause = NULL;
	CHECK(nu_arched_set(e, first, "filters", NULL, &cause) != NU_OK,
	    "a required key cannot go back to a default");
	free(cause);
	cause = NULL;
	CHECK(!nu_arched_check(e, first, "activation", "relu # x", why, sizeof why),
	    "a value with a comment in it is refused");
	CHECK(nu_arched_check(e, first, "activation", "tanh", why, sizeof why),
	    "activation = tanh is fine");
	CHECK(e->net != NULL && e->net->nparams == before, "refused edits change nothing");
	CHECK(nu_arched_set(e, first, "stride", "2x2", &cause) == NU_OK &&
	    e->info[first].out.h == 50 && e->info[first].out.w == 40,
	    "stride 2x2 halves the map");
	CHECK(nu_arched_set(e, first, "stride", "", &cause) == NU_OK &&
	    e->sec[first].val[nu_arch_key_index(e->sec[first].kind, "stride")] == NULL &&
	    e->info[first].out.h == 100, "an empty value goes back to the default");

	/* insert a layer before the merge: a branch layer */
	i = nu_arched_insert(e, merge, "batchnorm", &cause);
	CHECK(i == merge && strcmp(e->sec[i].kind->name, "batchnorm") == 0 &&
	    e->net != NULL && e->info[i].copies == 2,
	    "batchnorm inserted at the end of the branch");
	CHECK(nu_arched_find(e, NU_ARCH_ROLE_MERGE) == merge + 1, "the merge moved down");
	CHECK(nu_arched_insert(e, 1, "merge", &cause) < 0 && cause != NULL,
	    "a second [merge] is refused");
	free(cause);
	cause = NULL;
	CHECK(nu_arched_insert(e, 1, "train", &cause) < 0, "[train] is not a layer");
	free(cause);
	cause = NULL;

	/* moving it past the merge makes it a head layer: shapes change and
	 * a batchnorm of the flat features is still a valid network */
	i = nu_arched_move(e, i, 1, &cause);
	CHECK(i == merge + 1 && e->sec[merge].kind->role == NU_ARCH_ROLE_MERGE &&
	    e->net != NULL && e->info[i].copies == 1,
	    "moved past the merge into the head");
	CHECK(nu_arched_move(e, 1, -1, &cause) < 0, "nothing moves above [net]");
	free(cause);
	cause = NULL;
	CHECK(nu_arched_move(e, e->nsec - 2, 1, &cause) < 0, "nothing moves below [train]");
	free(cause);
	cause = NULL;
	CHECK(nu_arched_delete(e, i, &cause) == NU_OK && e->net != NULL &&
	    nu_arched_find(e, NU_ARCH_ROLE_MERGE) == merge, "deleted again");
	CHECK(nu_arched_delete(e, 0, &cause) != NU_OK, "[net] cannot be deleted");
	free(cause);
	cause = NULL;

	/* a structural error names its section; undo copies keep the old state */
	copy = nu_arched_dup(e);
	i = nu_arched_insert(e, 1, "dense", &cause);
	CHECK(i == 1 && e->net == NULL && e->error != NULL && e->error_sec == 1 &&
	    strstr(e->error, "flatten") != NULL,
	    "a dense on the image: error at that section (%s)", e->error ? e->error : "");
	CHECK(copy != NULL && copy->net != NULL && copy->nsec == e->nsec - 1,
	    "the copy is the state before");
	CHECK(nu_arched_delete(e, 1, &cause) == NU_OK && e->net != NULL, "valid again");
	CHECK(nu_arched_set(e, 0, "views", "xz", &cause) == NU_OK && e->net == NULL &&
	    e->error != NULL && e->error_sec == 0,
	    "one view with branches set: error at [net] (%s)", e->error ? e->error : "");
	nu_arched_free(copy);
	free(cause);
	nu_arched_free(e);
}

static void
test_save(void)
{
	struct nu_arched *e = load("stacked.arch");
	struct nu_arch *a = NULL;
	char dir[] = "/tmp/nu-archedit-XXXXXX", path[256], *cause = NULL;
	struct stat sb;

	if (e == NULL || mkdtemp(dir) == NULL)
		return;
	snprintf(path, sizeof path, "%s/mine.arch", dir);
	CHECK(nu_arched_set(e, 0, "name", "mine", &cause) == NU_OK, "name set");
	CHECK(nu_arched_set(e, e->nsec - 1, "epochs", "3", &cause) == NU_OK, "epochs set");
	CHECK(nu_arched_save(e, path, &cause) == NU_OK && !e->dirty &&
	    strcmp(e->name, path) == 0, "saved to %s", path);
	CHECK(nu_arch_load(&a, path, &cause) == NU_OK &&
	    strcmp(nu_arch_enum(&a->sec[0], "name"), "mine") == 0 &&
	    nu_arch_int(&a->sec[a->train], "epochs") == 3,
	    "arch_load reads the saved file with its edits");
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0444) != 0400,
	    "the saved file is readable by others as the umask allows");
	nu_arch_free(a);
	free(cause);
	cause = NULL;
	snprintf(path, sizeof path, "%s/no/such/dir/x.arch", dir);
	CHECK(nu_arched_save(e, path, &cause) != NU_OK && cause != NULL &&
	    strstr(cause, path) != NULL, "an unwritable path names itself: %s",
	    cause ? cause : "");
	free(cause);
	snprintf(path, sizeof path, "%s/mine.arch", dir);
	unlink(path);
	CHECK(rmdir(dir) == 0, "no temporary file left behind");
	nu_arched_free(e);
}

int
main(void)
{
	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = ".";
	nu_init();
	test_roundtrip();
	test_edits();
	test_save();
	TEST_DONE();
}
