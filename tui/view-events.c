/*
 * view-events.c: the Events screen: one event's XZ and YZ views as
 * heatmaps (z, the beam, left to right), fitted to the window or zoomed
 * to a whole number of text columns per plane and panned, and its
 * metadata with decoded names as `nuscope show` prints them.  Stepping
 * honours the filter and a class filter (a group or a mode).  When the
 * Evaluation screen has loaded a model, the panel shows that model's
 * output for the event, judged at the program's threshold (t->threshold,
 * which the Evaluation screen moves); `e` writes the event as the figure
 * `nuscope export events` draws (eventfig.h), `E` its raw data image.
 * Zoomed maps are centred on the event's hits.
 *
 * The Evaluation screen may hand this screen a list of events (the
 * events of a confusion-matrix cell or a slice, by score): stepping then
 * walks the list, and the header counts "k of N" in it, until Esc, the
 * class key or a new filter.  Without a list the header counts the
 * event's place among those the filter and class select.
 *
 * Colours: the 256- and 8-colour maps use the terminal heatmap palette of
 * heatmap.h; true colour (a direct-colour terminal) uses the colour map
 * and scale of the PNG pictures (viridis, square root, the event's
 * largest value on top), so the screen and the exported file agree.
 *
 * The model's forward pass for one event runs on the UI thread when the
 * event or the model changes (a few milliseconds for cvn-lite), and is
 * kept until then, so redraws never repeat it.
 *
 * `s` lays the model's saliency (saliency.h) over both views: the event
 * in grey tinted red where its cells raise the score and blue where they
 * lower it (nu_cmap_tint in true colour, a small palette in 256 and 8
 * colours), or, in ASCII, glyphs: "+*#" and "-=%" by strength over "." for
 * the hits.  A map takes tenths of a second, so it is computed on a worker
 * thread (the DESIGN paragraph of the saliency section below).
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "colormap.h"
#include "eventfig.h"
#include "eventpng.h"
#include "heatmap.h"
#include "labels.h"
#include "model.h"
#include "net.h"
#include "saliency.h"
#include "score.h"
#include "split.h"
#include "tui.h"
#include "wake.h"

/* ncurses 6.1 brought direct colour (alloc_pair, extended pairs); tui.c
 * picks TUI_MAP_TRUECOLOR only where it did. */
#if defined(NCURSES_EXT_FUNCS) && NCURSES_EXT_FUNCS >= 20180127
#define EV_DIRECT_COLOR 1
#endif

#define META_LINES (NU_NCOLUMNS + 2)
#define EXTRA_LINES 4           /* the panel's lines on the model's output */
#define NCLASSES (1 + NU_NGROUPS + NU_NMODES)   /* none, groups, modes */
#define MAX_OUT 32              /* model outputs shown (16 for codes) */
#define TOP_CLASSES 3           /* multi-class: the likeliest shown */

/* The colours of `e`'s figure: `nuscope export events`'s defaults. */
#define PNG_CMAP NU_CMAP_VIRIDIS
#define PNG_STRETCH NU_STRETCH_SQRT

static const char ramp[] = " .:-=+*#%@";

/* Zoom levels: 0 fits the window, k > 0 gives each plane k text columns
 * and each cell k half-rows (pixel rows: two to a text row). */
static const int zooms[] = { 0, 1, 2, 3, 4, 6, 8 };
#define NZOOMS ((int)(sizeof zooms / sizeof zooms[0]))

static struct {
	uint64_t ev;            /* the event shown */
	int cls;                /* class filter: 0 none, then groups, then modes */
	bool loaded;            /* map and meta hold event ev */
	uint8_t map[NU_MAP_BYTES];
	int vmax;
	uint8_t lut[256][3];    /* true colour: the PNG colours for vmax */
	uint8_t glut[256][3];   /* true colour: the event in grey, under saliency */
	char meta[META_LINES][160];
	int nmeta;

	int zoom;               /* index into zooms */
	int plane0;             /* zoomed: the leftmost plane shown */
	int celltop[NU_VIEWS];  /* zoomed: the highest cell shown, per view */
	uint64_t centred;       /* zoomed: the event the window was centred on */
	bool panned;            /* moved by hand since it was centred */
	int mapw, maph;         /* one view's text columns and rows, last drawn */
} ev_state = { .mapw = NU_PLANES, .maph = NU_CELLS / 2,
    .celltop = { NU_CELLS - 1, NU_CELLS - 1 }, .centred = UINT64_MAX };

/* A list of events handed over by tui_events_browse, or none. */
static struct {
	bool active;
	uint64_t *ev;           /* owned: global indices, in browsing order */
	size_t n, at;           /* the list's length, the place shown */
	char label[160];        /* what the list is */
} br;

/* The header's count of the events that match (filter and class), and
 * the place of the event shown among them, kept until one of the keys
 * changes (the filter's mask is replaced, never edited in place). */
static struct {
	bool valid;
	const uint8_t *keep;
	uint64_t nselected, nevents;
	int cls;
	uint64_t count;         /* events that match */
	uint64_t ev, rank;      /* event ev is the rank-th (from 1) of them */
} pos;

/* The model's output for one event, kept until the event or the model
 * changes.  lab and out belong to model generation gen. */
static struct {
	const struct nu_model *model;
	unsigned gen;
	bool have_lab;
	struct nu_labels lab;
	bool valid;             /* out (or err) is about event ev */
	uint64_t ev;
	float out[MAX_OUT];
	char err[256];          /* why there is no output, or "" */
	double ms;              /* how long the forward pass took */
} sc;

static const char *
class_name(const struct tui *t, int cls, char *buf, size_t len)
{
	if (cls == 0)
		return "all";
	if (cls <= NU_NGROUPS)
		snprintf(buf, len, "group %s", t->utf8 ?
		    nu_group_name_utf8(cls - 1) : nu_group_name(cls - 1));
	else
		snprintf(buf, len, "mode %s", nu_mode_name(cls - 1 - NU_NGROUPS));
	return buf;
}

/* Whether event ev passes the filter and is of class cls. */
static bool
matches_class(const struct tui *t, uint64_t ev, int cls)
{
	if (!tui_selected(t, ev))
		return false;
	if (cls == 0)
		return true;
	if (cls <= NU_NGROUPS)
		return (int)nu_code_group(t->codes[ev]) == cls - 1;
	return (int)nu_code_mode(t->codes[ev]) == cls - 1 - NU_NGROUPS;
}

static bool
matches(const struct tui *t, uint64_t ev)
{
	return matches_class(t, ev, ev_state.cls);
}

/* Leave the list being browsed, if any. */
static void
browse_leave(void)
{
	free(br.ev);
	memset(&br, 0, sizeof br);
}

/* Read event ev's map and metadata; errors go to the message line. */
static void
load_event(struct tui *t)
{
	uint64_t ev = ev_state.ev;
	const struct nu_fileinfo *fi;
	char *cause = NULL, name[64];
	size_t file;
	uint64_t local;
	enum nu_status st;
	int n = 0;

	ev_state.loaded = true;
	ev_state.nmeta = 0;
	memset(ev_state.map, 0, sizeof ev_state.map);
	ev_state.vmax = 1;
	nu_cmap_lut(PNG_CMAP, 1, PNG_STRETCH, ev_state.lut);
	nu_cmap_lut(NU_CMAP_GREY, 1, PNG_STRETCH, ev_state.glut);
	if (t->ds == NULL || ev >= nu_dataset_nevents(t->ds))
		return;
	if ((st = nu_dataset_read_maps(t->ds, ev, 1, ev_state.map, &cause)) != NU_OK ||
	    (st = nu_dataset_locate(t->ds, ev, &file, &local, &cause)) != NU_OK) {
		tui_message(t, true, "%s", cause != NULL ? cause : nu_strerror(st));
		free(cause);
		return;
	}
	for (int i = 0; i < NU_MAP_BYTES; i++)
		if (ev_state.map[i] > ev_state.vmax)
			ev_state.vmax = ev_state.map[i];
	/* the scale of an exported picture: both views, the event's top */
	nu_cmap_lut(PNG_CMAP, ev_state.vmax, PNG_STRETCH, ev_state.lut);
	nu_cmap_lut(NU_CMAP_GREY, ev_state.vmax, PNG_STRETCH, ev_state.glut);
	fi = nu_dataset_file(t->ds, file);
	{
		const char *base = strrchr(fi->path, '/');

		snprintf(ev_state.meta[n++], sizeof ev_state.meta[0],
		    "%s, event %llu of %llu", base != NULL ? base + 1 : fi->path,
		    (unsigned long long)local, (unsigned long long)fi->nevents);
	}
	for (int c = 0; c < NU_NCOLUMNS; c++) {
		char *line = ev_state.meta[n++];
		size_t len = sizeof ev_state.meta[0];
		const char *cn = nu_column_name(c), *dot = strrchr(cn, '.');
		uint32_t u = 0;
		int64_t i64 = 0;
		double d = 0;
		char *why = NULL;

		if (dot != NULL)
			cn = dot + 1;
		if (!(fi->columns & (1u << c))) {
			snprintf(line, len, "%-16s (missing)", cn);
			continue;
		}
		if (nu_dataset_read_column(t->ds, c, ev, 1, NU_CT_U32, &u, &why) != NU_OK ||
		    nu_dataset_read_column(t->ds, c, ev, 1, NU_CT_I64, &i64, &why) != NU_OK ||
		    nu_dataset_read_column(t->ds, c, ev, 1, NU_CT_F64, &d, &why) != NU_OK) {
			snprintf(line, len, "%-16s (unreadable: %s)", cn,
			    why != NULL ? why : "error");
			free(why);
			continue;
		}
		switch (c) {
		case NU_COL_INTERACTION:
			snprintf(line, len, "%-16s %u  %s", cn, u,
			    t->utf8 ? nu_code_name_utf8(u) : nu_code_name(u));
			snprintf(ev_state.meta[n++], len, "%-16s %s, mode %s", "",
			    t->utf8 ? nu_group_name_utf8(nu_code_group(u)) :
			    nu_group_name(nu_code_group(u)), nu_mode_name(nu_code_mode(u)));
			break;
		case NU_COL_FINALSTATE:
		case NU_COL_FINALSTATEPRONG:
			nu_finalstate_name(u, name, sizeof name);
			snprintf(line, len, "%-16s %u  %s", cn, u, name);
			break;
		case NU_COL_NUENERGY:
		case NU_COL_LEPENERGY:
			snprintf(line, len, "%-16s %.4f GeV", cn, d);
			break;
		case NU_COL_VTXX:
		case NU_COL_VTXY:
		case NU_COL_VTXZ:
			snprintf(line, len, "%-16s %.2f cm", cn, d);
			break;
		default:
			snprintf(line, len, "%-16s %lld", cn, (long long)i64);
			break;
		}
	}
	{
		float e[2] = { 0, 0 };

		if (nu_dataset_read_column(t->ds, NU_COL_NUENERGY, ev, 1, NU_CT_F32,
		    &e[0], NULL) == NU_OK && nu_dataset_read_column(t->ds,
		    NU_COL_LEPENERGY, ev, 1, NU_CT_F32, &e[1], NULL) == NU_OK &&
		    n < META_LINES) {
			if (e[0] > 0)
				snprintf(ev_state.meta[n++], sizeof ev_state.meta[0],
				    "%-16s %.4f", "y", e[1] / e[0]);
			else
				snprintf(ev_state.meta[n++], sizeof ev_state.meta[0],
				    "%-16s undefined (E_nu = 0)", "y");
		}
	}
	ev_state.nmeta = n;
}

/* ---- the model's output ------------------------------------------------- */

static void
score_drop(void)
{
	if (sc.have_lab)
		nu_labels_free(&sc.lab);
	sc.have_lab = false;
	sc.valid = false;
	sc.model = NULL;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Make sc hold t->model's output for the event shown, unless it does. */
static void
score_update(struct tui *t)
{
	const struct nu_model *m = t->model;
	uint64_t ev = ev_state.ev;
	char *cause = NULL;
	enum nu_status st;
	double t0;

	if (m == NULL) {
		if (sc.model != NULL)
			score_drop();
		return;
	}
	if (sc.model != m || sc.gen != t->model_gen)
		score_drop();
	if (sc.valid && sc.ev == ev)
		return;
	sc.model = m;
	sc.gen = t->model_gen;
	sc.valid = true;
	sc.ev = ev;
	sc.err[0] = '\0';
	if (t->ds == NULL || ev >= nu_dataset_nevents(t->ds)) {
		snprintf(sc.err, sizeof sc.err, "no event");
		return;
	}
	if (m->net->nout < 1 || m->net->nout > MAX_OUT) {
		snprintf(sc.err, sizeof sc.err, "%d outputs: more than this "
		    "screen shows", m->net->nout);
		return;
	}
	if (!sc.have_lab) {
		if ((st = nu_labels_load(t->ds, m->net->task, &sc.lab, &cause)) != NU_OK) {
			snprintf(sc.err, sizeof sc.err, "%s",
			    cause != NULL ? cause : nu_strerror(st));
			free(cause);
			tui_message(t, true, "model score: %s", sc.err);
			return;
		}
		sc.have_lab = true;
	}
	t0 = now_ms();
	st = nu_score(m, t->ds, &ev, 1, &sc.lab, 1, sc.out, NULL, &cause);
	sc.ms = now_ms() - t0;
	if (st != NU_OK) {
		snprintf(sc.err, sizeof sc.err, "%s",
		    cause != NULL ? cause : nu_strerror(st));
		free(cause);
		tui_message(t, true, "model score: %s", sc.err);
		return;
	}
	nu_log(NU_LOG_DEBUG, "events: scored event %llu in %.1f ms",
	    (unsigned long long)ev, sc.ms);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

/* A regression value with its unit ("2.31 GeV" for energies). */
static void
reg_value(enum nu_task task, double v, char *buf, size_t len)
{
	if (task == NU_TASK_ENERGY)
		snprintf(buf, len, "%.3f GeV", v);
	else
		snprintf(buf, len, "%.4f", v);
}

/* The threshold a binary model's output is judged at: the program's
 * (the Evaluation screen's), else the model's stored one. */
static double
score_threshold(const struct tui *t)
{
	return !isnan(t->threshold) ? t->threshold : t->model->meta.threshold;
}

/* The verdict score_lines gave last: 1 right, -1 wrong, 0 none (its
 * last line, drawn in the error colour when wrong). */
static int verdict;

/* The panel's lines about the model's output (at most max); returns how
 * many were written.  utf8 chooses the names' alphabet. */
static int
score_lines(const struct tui *t, char lines[][160], int max)
{
	const struct nu_model *m = t->model;
	enum nu_task task;
	int n = 0, k, nout;
	bool used;
	float truth;

	verdict = 0;
	if (m == NULL || max < 3)
		return 0;
	task = m->net->task;
	k = nu_task_nclasses(task);
	nout = m->net->nout;
	snprintf(lines[n++], 160, "model %s (%s)",
	    t->model_path != NULL ? base_name(t->model_path) : "(unnamed)",
	    nu_task_name(task));
	if (sc.err[0] != '\0') {
		snprintf(lines[n++], 160, "  no score: %.140s", sc.err);
		return n;
	}
	used = sc.have_lab && sc.ev < sc.lab.n && sc.lab.used[sc.ev];
	truth = used ? sc.lab.label[sc.ev] : 0;
	if (k == 2 && nout == 1) {
		/* binary: the signal probability, selected when above the
		 * program's threshold (the Evaluation screen's), compared in
		 * float as the Evaluation screen counts */
		float y = sc.out[0], thr = (float)score_threshold(t);
		int pick = y > thr;

		snprintf(lines[n++], 160, "  P(%s) %.3f  threshold %.3f",
		    nu_task_class_name(task, 1), y, thr);
		if (used) {
			verdict = pick == (truth > 0.5f) ? 1 : -1;
			snprintf(lines[n++], 160, "  says %s; truth %s: %s",
			    nu_task_class_name(task, pick),
			    nu_task_class_name(task, truth > 0.5f),
			    verdict > 0 ? "right" : "wrong");
		} else
			snprintf(lines[n++], 160, "  says %s; not in the task's sample",
			    nu_task_class_name(task, pick));
	} else if (k > 0 && nout == k) {
		int order[MAX_OUT], shown = nout < TOP_CLASSES ? nout : TOP_CLASSES;
		char buf[150];
		size_t off = 0;

		for (int i = 0; i < nout; i++)
			order[i] = i;
		/* the likeliest first (a partial selection sort) */
		for (int i = 0; i < shown; i++)
			for (int j = i + 1; j < nout; j++)
				if (sc.out[order[j]] > sc.out[order[i]]) {
					int s = order[i];

					order[i] = order[j];
					order[j] = s;
				}
		for (int i = 0; i < shown && off < sizeof buf; i++)
			off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s %.3f",
			    i > 0 ? "  " : "", nu_task_class_name(task, order[i]),
			    sc.out[order[i]]);
		snprintf(lines[n++], 160, "  %s", buf);
		if (used) {
			verdict = (int)truth == order[0] ? 1 : -1;
			snprintf(lines[n++], 160, "  truth %s: %s",
			    nu_task_class_name(task, (int)truth),
			    verdict > 0 ? "right" : "wrong");
		} else
			snprintf(lines[n++], 160, "  not in the task's sample");
	} else {
		char p[64], tr[64];

		reg_value(task, sc.out[0], p, sizeof p);
		if (used) {
			reg_value(task, truth, tr, sizeof tr);
			snprintf(lines[n++], 160, "  predicted %s, true %s", p, tr);
		} else {
			snprintf(lines[n++], 160, "  predicted %s (no true value)", p);
		}
	}
	return n;
}

/* ---- the saliency overlay -------------------------------------------------- */

/*
 * DESIGN.  `s` cycles the overlay: occlusion, gradient, gradxinput, off.
 * A map is computed for the event shown, the method and the model, on a
 * worker thread (occlusion of one event takes a few tenths of a second
 * for seed1), one job at a time.  The job is filled in on the UI thread
 * before its thread starts and read only after pthread_join: the event's
 * bytes, the options, and a private copy of the model's network (its
 * parameters copied, on the UI thread), so the Evaluation screen may
 * replace or free its model while a map is being computed.  The copy is
 * kept while the model stays and freed only when no job runs.  The
 * worker signals the end with one byte on a pipe (wake.h) whose read end
 * is t->wake_fd[TUI_WAKE_EVENTS]; events_tick joins it and keeps the map
 * only if it is still the one wanted (the event shown, the method, the
 * model, the files): a map for an event the user has stepped away from
 * is dropped, and the wanted one started.  There is no cancelling a map
 * half done: the newest request waits for it, as short as it is.
 * Like the model's score, what is wanted is brought up to date when the
 * screen is drawn (sal_sync) and when a job ends.
 */

#define SAL_OFF (-1)
/* |saliency| below this fraction of the event's largest is drawn as the
 * event alone (the ASCII glyphs and the 8- and 256-colour palettes) */
#define SAL_FLOOR 0.1

struct sal_job {
	pthread_t th;
	struct nu_wake wake;
	double started;         /* ms, monotonic */

	/* inputs: written before the thread starts, then only read */
	const struct nu_model *m;       /* sal.copy, borrowed */
	struct nu_sal_opts o;
	uint8_t map[NU_MAP_BYTES];
	uint64_t ev;            /* what the map is of */
	int method;
	unsigned key;           /* sal.key when it started */

	/* outputs: written by the worker before it sets done */
	float sal[NU_MAP_BYTES];
	double score;
	int output;
	enum nu_status st;
	char *cause;
	atomic_bool done;
};

static struct {
	int method;             /* SAL_OFF, or an enum nu_sal_method */
	/* bumped whenever what a map depends on besides event and method
	 * changes: the model (or its generation) or the files */
	unsigned key;
	const struct nu_model *model;   /* the model key was bumped for */
	unsigned model_gen;
	unsigned mkey;          /* bumped with key when the model changes */

	/* the worker's copy of the model: net and arch (for how it reads
	 * the rows) owned, meta copied */
	struct nu_net *net;
	struct nu_arch *arch;
	struct nu_model copy;
	unsigned copy_key;      /* the mkey the copy was made for */

	struct sal_job *job;    /* running, or NULL */

	/* the map shown: valid for (ev, method, key) */
	bool valid;
	uint64_t ev;
	int rmethod;
	unsigned rkey;
	float map[NU_MAP_BYTES];
	double smax;            /* largest |value|: the colour scale's end */
	double score;
	int output;
	char err[256];          /* why there is no map, or "" */
} sal = { .method = SAL_OFF };

static void
sal_copy_drop(void)
{
	assert(sal.job == NULL);
	nu_net_free(sal.net);
	nu_arch_free(sal.arch);
	sal.net = NULL;
	sal.arch = NULL;
	memset(&sal.copy, 0, sizeof sal.copy);
}

/* Copy t->model's network for the worker (UI thread, no job running). */
static enum nu_status
sal_copy_make(const struct nu_model *m, char **cause)
{
	enum nu_status st;

	sal_copy_drop();
	if ((st = nu_net_new(&sal.net, m->arch, m->net->seed, cause)) != NU_OK)
		return st;
	if (sal.net->nparams != m->net->nparams || sal.net->nstate != m->net->nstate) {
		sal_copy_drop();
		return nu_fail(cause, NU_ERR_FORMAT, "the model's network could not "
		    "be copied");
	}
	memcpy(sal.net->params, m->net->params, m->net->nparams * sizeof(float));
	if (m->net->nstate > 0)
		memcpy(sal.net->state, m->net->state, m->net->nstate * sizeof(float));
	/* what nu_saliency reads: the network, how the rows become its input
	 * ([net] input) and how the input is scaled */
	if ((st = nu_arch_parse(&sal.arch, m->arch->path, m->arch->text,
	    strlen(m->arch->text), cause)) != NU_OK) {
		sal_copy_drop();
		return st;
	}
	sal.copy.arch = sal.arch;
	sal.copy.net = sal.net;
	sal.copy.meta = m->meta;
	sal.copy.meta.where = "";
	sal.copy.meta.trainset = NULL;
	sal.copy_key = sal.mkey;
	return NU_OK;
}

/* The worker: one event's map.  Touches only *j. */
static void *
sal_main(void *arg)
{
	struct sal_job *j = arg;

	j->st = nu_saliency(j->m, j->map, &j->o, j->sal, &j->score, &j->output,
	    &j->cause);
	atomic_store(&j->done, true);
	nu_wake_signal(&j->wake);
	return NULL;
}

static void
sal_job_free(struct sal_job *j)
{
	if (j == NULL)
		return;
	nu_wake_close(&j->wake);
	free(j->cause);
	free(j);
}

/* Whether the map wanted now is (ev, method, key). */
static bool
sal_wanted(uint64_t ev, int method, unsigned key)
{
	return sal.method != SAL_OFF && ev == ev_state.ev && method == sal.method &&
	    key == sal.key;
}

/* Note a change of model or files: maps made before it are stale. */
static void
sal_track(const struct tui *t)
{
	if (sal.model != t->model || sal.model_gen != t->model_gen) {
		sal.model = t->model;
		sal.model_gen = t->model_gen;
		sal.key++;
		sal.mkey++;
	}
}

/* Start the map wanted, unless it is shown, failed or being made (UI
 * thread). */
static void
sal_sync(struct tui *t)
{
	struct sal_job *j;
	char *cause = NULL;
	enum nu_status st;
	int e;

	sal_track(t);
	if (sal.method == SAL_OFF || t->model == NULL || t->ds == NULL ||
	    !ev_state.loaded || ev_state.ev >= nu_dataset_nevents(t->ds))
		return;
	if (sal.valid && sal_wanted(sal.ev, sal.rmethod, sal.rkey))
		return;
	if (sal.job != NULL)
		return;         /* events_tick comes back here when it ends */
	sal.valid = false;
	if (sal.net == NULL || sal.copy_key != sal.mkey) {
		if ((st = sal_copy_make(t->model, &cause)) != NU_OK) {
			sal.valid = true;
			sal.ev = ev_state.ev;
			sal.rmethod = sal.method;
			sal.rkey = sal.key;
			snprintf(sal.err, sizeof sal.err, "%s",
			    cause != NULL ? cause : nu_strerror(st));
			free(cause);
			tui_message(t, true, "saliency: %s", sal.err);
			return;
		}
	}
	if ((j = calloc(1, sizeof *j)) == NULL) {
		tui_message(t, true, "saliency: out of memory");
		return;
	}
	nu_wake_init(&j->wake);
	atomic_init(&j->done, false);
	j->m = &sal.copy;
	j->o = (struct nu_sal_opts){ .method = (enum nu_sal_method)sal.method,
	    .output = -1 };
	memcpy(j->map, ev_state.map, sizeof j->map);
	j->ev = ev_state.ev;
	j->method = sal.method;
	j->key = sal.key;
	j->started = now_ms();
	if (nu_wake_open(&j->wake, &cause) != NU_OK) {
		tui_message(t, true, "saliency: %s", cause);
		free(cause);
		sal_job_free(j);
		return;
	}
	if ((e = pthread_create(&j->th, NULL, sal_main, j)) != 0) {
		tui_message(t, true, "saliency: cannot start a thread: %s", strerror(e));
		sal_job_free(j);
		return;
	}
	sal.job = j;
	t->wake_fd[TUI_WAKE_EVENTS] = nu_wake_fd(&j->wake);
}

/* Wait for the job to end and free it; *j's results are lost. */
static void
sal_join(struct tui *t)
{
	if (sal.job == NULL)
		return;
	pthread_join(sal.job->th, NULL);
	sal_job_free(sal.job);
	sal.job = NULL;
	t->wake_fd[TUI_WAKE_EVENTS] = -1;
}

/* A job has ended (UI thread): keep its map if it is still wanted. */
static void
sal_finish(struct tui *t)
{
	struct sal_job *j = sal.job;
	double ms = now_ms() - j->started;

	pthread_join(j->th, NULL);
	sal.job = NULL;
	t->wake_fd[TUI_WAKE_EVENTS] = -1;
	sal_track(t);
	if (!sal_wanted(j->ev, j->method, j->key)) {
		tui_log("saliency (%s) of event %llu dropped: it arrived after "
		    "the screen had moved on", nu_sal_method_name(j->method),
		    (unsigned long long)j->ev);
		sal_job_free(j);
		return;
	}
	sal.valid = true;
	sal.ev = j->ev;
	sal.rmethod = j->method;
	sal.rkey = j->key;
	sal.err[0] = '\0';
	if (j->st != NU_OK) {
		snprintf(sal.err, sizeof sal.err, "%s",
		    j->cause != NULL ? j->cause : nu_strerror(j->st));
		tui_message(t, true, "saliency: %s", sal.err);
	} else {
		memcpy(sal.map, j->sal, sizeof sal.map);
		sal.score = j->score;
		sal.output = j->output;
		sal.smax = 0;
		for (size_t i = 0; i < NU_MAP_BYTES; i++)
			if (fabsf(sal.map[i]) > sal.smax)
				sal.smax = fabsf(sal.map[i]);
		nu_log(NU_LOG_DEBUG, "events: %s saliency of event %llu in %.0f ms",
		    nu_sal_method_name(j->method), (unsigned long long)j->ev, ms);
	}
	sal_job_free(j);
}

static void
events_tick(struct tui *t)
{
	if (sal.job != NULL) {
		nu_wake_drain(&sal.job->wake);
		if (!atomic_load(&sal.job->done))
			return;
		sal_finish(t);
	}
	/* the next map, if the screen is shown and wants one */
	if (t->views[t->view] == &tui_view_events)
		sal_sync(t);
}

/* Whether the map of the event shown is on screen (else the plain event). */
static bool
sal_shown(void)
{
	return sal.valid && sal.err[0] == '\0' &&
	    sal_wanted(sal.ev, sal.rmethod, sal.rkey);
}

/* The score a map explains, in words: "P(numu CC) 0.873" */
static void
sal_score_text(const struct tui *t, char *buf, size_t len)
{
	enum nu_task task = t->model->net->task;
	int k = nu_task_nclasses(task), nout = t->model->net->nout;

	if (k == 2 && nout == 1)
		snprintf(buf, len, "P(%s) %.3f", nu_task_class_name(task, 1), sal.score);
	else if (k > 0 && nout == k)
		snprintf(buf, len, "P(%s) %.3f", nu_task_class_name(task, sal.output),
		    sal.score);
	else {
		char v[64];

		reg_value(task, sal.score, v, sizeof v);
		snprintf(buf, len, "the predicted %s %s", nu_task_name(task), v);
	}
}

/* s: the next method, or off. */
static void
sal_cycle(struct tui *t)
{
	if (t->model == NULL) {
		tui_message(t, true, "no model: load one on the Evaluation screen "
		    "(v, then m) to see its saliency");
		return;
	}
	sal.method = sal.method == SAL_OFF ? NU_SAL_OCCLUSION :
	    sal.method == NU_SAL_GRADXINPUT ? SAL_OFF : sal.method + 1;
	if (sal.method == SAL_OFF)
		tui_message(t, false, "saliency off");
	else
		tui_message(t, false, "saliency: %s (s: %s)", nu_sal_method_name(sal.method),
		    sal.method == NU_SAL_GRADXINPUT ? "off" :
		    nu_sal_method_name(sal.method + 1));
}

/* ---- zoom and pan ------------------------------------------------------- */

/*
 * Zoomed, a view shows whole planes and cells at k text columns per plane
 * and k half-rows per cell, so cells stay as wide as planes whatever the
 * window (as the 1:1 pixels of the fit's half blocks).  The planes shown
 * are the same for both views (z is common); the cells are each view's
 * own, since an event's x and y need not be alike.  Zooming in from the
 * fit, or stepping to another event while zoomed, centres both views on
 * the event's hits; pans then move both views together.
 */

/* What view `view` of w columns and h text rows shows: planes [*p0, *p1]
 * and cells [*c0, *c1], partly shown ones included. */
static void
visible(int view, int w, int h, int *p0, int *p1, int *c0, int *c1)
{
	int k = zooms[ev_state.zoom];

	if (k == 0) {
		*p0 = 0;
		*p1 = NU_PLANES - 1;
		*c0 = 0;
		*c1 = NU_CELLS - 1;
		return;
	}
	*p0 = ev_state.plane0;
	*p1 = ev_state.plane0 + (w + k - 1) / k - 1;
	if (*p1 > NU_PLANES - 1)
		*p1 = NU_PLANES - 1;
	*c1 = ev_state.celltop[view];
	*c0 = ev_state.celltop[view] - (2 * h + k - 1) / k + 1;
	if (*c0 < 0)
		*c0 = 0;
}

/* "planes 3-34, cells 30-46 XZ, 28-44 YZ": the zoomed range in words
 * (one cell range when both views show the same). */
static void
range_text(int w, int h, char *buf, size_t len)
{
	int p0, p1, c0, c1, d0, d1;

	visible(0, w, h, &p0, &p1, &c0, &c1);
	visible(1, w, h, &p0, &p1, &d0, &d1);
	if (c0 == d0 && c1 == d1)
		snprintf(buf, len, "planes %d-%d, cells %d-%d", p0, p1, c0, c1);
	else
		snprintf(buf, len, "planes %d-%d, cells %d-%d XZ, %d-%d YZ",
		    p0, p1, c0, c1, d0, d1);
}

/* Keep the pan inside the map for views of w x h: the map never leaves
 * blank space on the left or at the top, and when it is larger than the
 * window its last plane and cell 0 can be reached. */
static void
clamp_pan(int w, int h)
{
	int k = zooms[ev_state.zoom], maxp, minc;

	if (k == 0) {
		ev_state.plane0 = 0;
		for (int v = 0; v < NU_VIEWS; v++)
			ev_state.celltop[v] = NU_CELLS - 1;
		return;
	}
	maxp = NU_PLANES - w / k;
	minc = 2 * h / k - 1;
	if (maxp < 0)
		maxp = 0;
	if (minc > NU_CELLS - 1)
		minc = NU_CELLS - 1;
	if (ev_state.plane0 > maxp)
		ev_state.plane0 = maxp;
	if (ev_state.plane0 < 0)
		ev_state.plane0 = 0;
	for (int v = 0; v < NU_VIEWS; v++) {
		if (ev_state.celltop[v] < minc)
			ev_state.celltop[v] = minc;
		if (ev_state.celltop[v] > NU_CELLS - 1)
			ev_state.celltop[v] = NU_CELLS - 1;
	}
}

/*
 * Where the bulk of a deposit lies along one axis: the first and last
 * index of sum[0..n) between 1 % and 99 % of its total, so that a stray
 * hit far away (a neutron's, a late photon's) does not stretch the box.
 * Returns false when there is no deposit.
 */
static bool
bulk(const double *sum, int n, int *lo, int *hi)
{
	double total = 0, run = 0;

	for (int i = 0; i < n; i++)
		total += sum[i];
	if (total <= 0)
		return false;
	*lo = -1;
	*hi = n - 1;
	for (int i = 0; i < n; i++) {
		run += sum[i];
		if (*lo < 0 && run > 0.01 * total)
			*lo = i;
		if (run >= 0.99 * total) {
			*hi = i;
			break;
		}
	}
	if (*lo < 0)
		*lo = 0;
	return true;
}

/* The first of n shown out of [lo, hi]: the box's middle mid-window when
 * it fits, else from one before lo (the upstream end: the vertex). */
static int
window_start(int lo, int hi, int n)
{
	if (hi - lo + 1 <= n)
		return (lo + hi + 1) / 2 - n / 2;
	return lo - 1;
}

/*
 * Centre a zoomed window of w x h on the event's hits.  Planes first: on
 * the bulk of both views' deposits or, when the event is longer than the
 * window, from its upstream end, where the vertex is.  Then each view's
 * cells, from the planes shown only: on the bulk of their deposits when it
 * fits, else on their energy-weighted mean cell (the dense core of a
 * shower rather than the middle of a long track); the middle for a view
 * with no hits there.
 */
static void
centre_on_hits(int w, int h)
{
	int k = zooms[ev_state.zoom], lo, hi, np, nc;
	double planes[NU_PLANES] = { 0 };

	ev_state.centred = ev_state.ev;
	ev_state.panned = false;
	if (k == 0)
		return;
	np = w / k;
	nc = 2 * h / k;
	for (int v = 0; v < NU_VIEWS; v++)
		for (int p = 0; p < NU_PLANES; p++)
			for (int c = 0; c < NU_CELLS; c++)
				planes[p] += NU_PIXEL(ev_state.map, v, p, c);
	if (!bulk(planes, NU_PLANES, &lo, &hi)) {
		lo = 0;
		hi = NU_PLANES - 1;
	}
	ev_state.plane0 = window_start(lo, hi, np);
	clamp_pan(w, h);
	for (int v = 0; v < NU_VIEWS; v++) {
		double cells[NU_CELLS] = { 0 }, sum = 0, wsum = 0;
		int p1 = ev_state.plane0 + np < NU_PLANES ? ev_state.plane0 + np : NU_PLANES;

		for (int p = ev_state.plane0; p < p1; p++)
			for (int c = 0; c < NU_CELLS; c++)
				cells[c] += NU_PIXEL(ev_state.map, v, p, c);
		for (int c = 0; c < NU_CELLS; c++) {
			sum += cells[c];
			wsum += cells[c] * c;
		}
		if (!bulk(cells, NU_CELLS, &lo, &hi))
			ev_state.celltop[v] = (NU_CELLS + nc) / 2 - 1;
		else if (hi - lo + 1 <= nc)     /* the box's middle mid-window */
			ev_state.celltop[v] = (lo + hi + 1) / 2 + nc / 2 - 1;
		else
			ev_state.celltop[v] = (int)(wsum / sum + 0.5) + nc / 2;
	}
	clamp_pan(w, h);
}

/* Change to zoom level z: onto the event's hits, or, once the window has
 * been panned, keeping the middle of what is shown. */
static void
set_zoom(struct tui *t, int z)
{
	int w = ev_state.mapw, h = ev_state.maph, p0, p1, c0, c1, k;
	int midp, midc[NU_VIEWS], from = zooms[ev_state.zoom];
	char range[96];

	for (int v = 0; v < NU_VIEWS; v++) {
		visible(v, w, h, &p0, &p1, &c0, &c1);
		midc[v] = (c0 + c1 + 1) / 2;
	}
	midp = (p0 + p1 + 1) / 2;
	ev_state.zoom = z;
	k = zooms[z];
	if (k > 0 && (from == 0 || !ev_state.panned)) {
		centre_on_hits(w, h);
	} else if (k > 0) {
		ev_state.plane0 = midp - w / k / 2;
		for (int v = 0; v < NU_VIEWS; v++)
			ev_state.celltop[v] = midc[v] + 2 * h / k / 2;
	}
	clamp_pan(w, h);
	range_text(w, h, range, sizeof range);
	if (k == 0)
		tui_message(t, false, "zoom: fit to the window");
	else
		tui_message(t, false, "zoom %dx%s: %s%s", k,
		    ev_state.panned ? "" : " on the hits", range,
		    (w / k < NU_PLANES || 2 * h / k < NU_CELLS) ? " (h j k l pan)" : "");
}

/* Pan by a quarter of the window (dx planes or dy cells, in quarters). */
static void
pan(struct tui *t, int dx, int dy)
{
	int k = zooms[ev_state.zoom], w = ev_state.mapw, h = ev_state.maph;
	int sp, sc_, was_p = ev_state.plane0, was_c[NU_VIEWS];
	bool moved = false;
	char range[96];

	if (k == 0) {
		tui_message(t, false, "the map fits the window: zoom in (z or +) "
		    "to pan");
		return;
	}
	sp = (w / k) / 4 > 0 ? (w / k) / 4 : 1;
	sc_ = (2 * h / k) / 4 > 0 ? (2 * h / k) / 4 : 1;
	ev_state.plane0 += dx * sp;
	for (int v = 0; v < NU_VIEWS; v++) {
		was_c[v] = ev_state.celltop[v];
		ev_state.celltop[v] += dy * sc_;
	}
	clamp_pan(w, h);
	moved = ev_state.plane0 != was_p;
	for (int v = 0; v < NU_VIEWS; v++)
		moved |= ev_state.celltop[v] != was_c[v];
	ev_state.panned |= moved;
	range_text(w, h, range, sizeof range);
	tui_message(t, false, "%s%s", moved ? "" : dx < 0 ? "at the first plane: " :
	    dx > 0 ? "at the last plane: " : dy > 0 ? "at the top cell: " :
	    "at cell 0: ", range);
}

/* ---- drawing ------------------------------------------------------------- */

/* Largest value of view `view` over planes [p0, p1) and cells [c0, c1). */
static int
block_max(int view, int p0, int p1, int c0, int c1)
{
	int m = 0;

	for (int p = p0; p < p1; p++)
		for (int c = c0; c < c1; c++) {
			int v = NU_PIXEL(ev_state.map, view, p, c);

			if (v > m)
				m = v;
		}
	return m;
}

/* The planes [*p0, *p1) and cells [*c0, *c1) of view `view` that output
 * pixel (row r from the top of ph rows, column j of w) shows; false where
 * the zoomed map does not reach. */
static bool
block(int view, int r, int ph, int j, int w, int *p0, int *p1, int *c0, int *c1)
{
	int k = zooms[ev_state.zoom];

	if (k == 0) {
		/* fitted: each output pixel covers a block */
		int rr = ph - 1 - r;    /* cells run bottom to top */

		*p0 = j * NU_PLANES / w;
		*p1 = (j + 1) * NU_PLANES / w;
		*c0 = rr * NU_CELLS / ph;
		*c1 = (rr + 1) * NU_CELLS / ph;
		if (*p1 <= *p0)
			*p1 = *p0 + 1;
		if (*c1 <= *c0)
			*c1 = *c0 + 1;
		return true;
	}
	*p0 = ev_state.plane0 + j / k;
	*c0 = ev_state.celltop[view] - r / k;
	*p1 = *p0 + 1;
	*c1 = *c0 + 1;
	return *p0 < NU_PLANES && *c0 >= 0;
}

/* Value of output pixel (row r from the top of ph rows, column j of w):
 * fitted, the largest value it covers; -1 where the zoomed map does not
 * reach. */
static int
pixel(int view, int r, int ph, int j, int w)
{
	int p0, p1, c0, c1;

	if (!block(view, r, ph, j, w, &p0, &p1, &c0, &c1))
		return -1;
	return block_max(view, p0, p1, c0, c1);
}

/* Colour pair for a (foreground, background) level, made on first use;
 * levels are palette slots (0 = no hit). */
static short
map_pair(struct tui *t, int fg, int bg)
{
	static const short basic[] = { COLOR_BLUE, COLOR_CYAN, COLOR_GREEN,
	    COLOR_YELLOW, COLOR_RED };
	static bool made[32 * 32];
	int n = t->map_style == TUI_MAP_BLOCK256 ? t->nmap_colors : 6;
	int pair;

	if (t->map_style == TUI_MAP_BLOCK8) {
		/* 5 colours in intensity order */
		fg = fg == 0 ? 0 : 1 + (fg - 1) * 5 / (t->nmap_colors - 1);
		bg = bg == 0 ? 0 : 1 + (bg - 1) * 5 / (t->nmap_colors - 1);
	}
	pair = TUI_PAIR_MAP0 + fg * n + bg;
	if (!made[fg * 32 + bg]) {
		short f, b;

		if (t->map_style == TUI_MAP_BLOCK256) {
			f = fg ? (short)t->map_colors[fg] : (short)t->default_bg;
			b = bg ? (short)t->map_colors[bg] : (short)t->default_bg;
		} else {
			f = fg ? basic[fg - 1] : (short)t->default_bg;
			b = bg ? basic[bg - 1] : (short)t->default_bg;
		}
		init_pair((short)pair, f, b);
		made[fg * 32 + bg] = true;
	}
	return (short)pair;
}

static int
slot(const struct tui *t, int v)
{
	return v > 0 ? t->map_slots[nu_heatmap_color(v, ev_state.vmax)] : 0;
}

/* Direct-colour number of value v's PNG colour; the terminal's default
 * (-1, or black) outside the map. */
static int
rgb(const struct tui *t, int v)
{
	const uint8_t *c;
	int n;

	if (v < 0)
		return t->default_bg;
	c = ev_state.lut[v];
	n = c[0] << 16 | c[1] << 8 | c[2];
	/* numbers 0-7 are the terminal's 8 themed colours, not RGB */
	return n < 8 ? 8 : n;
}

/* One text cell of a map in true colour: the upper half block in the top
 * pixel's colour over the bottom pixel's. */
static void
put_truecolor(struct tui *t, int top, int bot)
{
#ifdef EV_DIRECT_COLOR
	cchar_t cc;
	wchar_t wc[2] = { L'\u2580', 0 };
	int pair;

	if (top < 0 && bot < 0) {
		addch(' ');
		return;
	}
	/* alloc_pair finds or makes the pair, recycling the least recently
	 * used when the table is full */
	pair = alloc_pair(rgb(t, top), rgb(t, bot));
	if (pair < 0) {
		addch(top > 0 || bot > 0 ? '#' : ' ');
		return;
	}
	setcchar(&cc, wc, A_NORMAL, 0, &pair);
	add_wch(&cc);
#else
	addch(top > 0 || bot > 0 ? '#' : ' ');
#endif
}

/* ---- drawing the overlay --------------------------------------------------- */

/* Saliency of the text cell's pixel (as pixel()): the value of largest
 * magnitude over the block it covers, 0 outside the map. */
static float
sal_pixel(int view, int r, int ph, int j, int w)
{
	int p0, p1, c0, c1;
	float m = 0;

	if (!block(view, r, ph, j, w, &p0, &p1, &c0, &c1))
		return 0;
	for (int p = p0; p < p1; p++)
		for (int c = c0; c < c1; c++) {
			float s = sal.map[(size_t)view * NU_VIEW_BYTES +
			    (size_t)p * NU_CELLS + (size_t)c];

			if (fabsf(s) > fabsf(m))
				m = s;
		}
	return m;
}

/* A saliency value on the event's scale, -1..1. */
static double
sal_unit(float s)
{
	return sal.smax > 0 ? s / sal.smax : 0.0;
}

/* ASCII: the stronger pixel of a text cell as a glyph: "+*#" raise the
 * score (weak to strong), "-=%" lower it, "." a hit whose saliency is
 * below SAL_FLOOR, " " nothing. */
static char
sal_glyph(int top, int bot, float stop, float sbot)
{
	double u = fabs(sal_unit(stop)) >= fabs(sal_unit(sbot)) ? sal_unit(stop) :
	    sal_unit(sbot), a = fabs(u);
	int l = a < 1.0 / 3 ? 0 : a < 2.0 / 3 ? 1 : 2;

	if (a < SAL_FLOOR)
		return top > 0 || bot > 0 ? '.' : ' ';
	return u > 0 ? "+*#"[l] : "-=%"[l];
}

/* The 256- and 8-colour palettes of the overlay: slot 0 no hit, 1-4
 * the event in grey (dark to light), 5-8 negative saliency, 9-12
 * positive (weak to strong); the 8 colours fold them to four. */
#define OV_NSLOTS 13
static const short ov256[OV_NSLOTS] = { -1, 240, 244, 248, 252, 17, 19, 27, 33,
    52, 88, 160, 196 };

static int
ov_slot(int v, float s)
{
	double u = sal_unit(s), a = fabs(u);

	if (v < 0)
		return 0;
	if (a >= SAL_FLOOR)
		return (u < 0 ? 5 : 9) + (a < 0.3 ? 0 : a < 0.55 ? 1 : a < 0.8 ? 2 : 3);
	if (v == 0)
		return 0;
	return 1 + (int)(3.999 * sqrt((double)(v - 1) /
	    (ev_state.vmax > 1 ? ev_state.vmax - 1 : 1)));
}

/* The pairs of the overlay palette follow those of map_pair; 0 when the
 * terminal has too few (the overlay is drawn in glyphs then). */
static int
ov_pair_base(const struct tui *t)
{
	int base, n;

	if (t->map_style == TUI_MAP_BLOCK256) {
		base = TUI_PAIR_MAP0 + t->nmap_colors * t->nmap_colors;
		n = OV_NSLOTS;
	} else if (t->map_style == TUI_MAP_BLOCK8) {
		base = TUI_PAIR_MAP0 + 6 * 6;
		n = 4;
	} else
		return 0;
	return base + n * n <= COLOR_PAIRS ? base : 0;
}

static short
ov_pair(struct tui *t, int fg, int bg)
{
	static const short basic[] = { COLOR_WHITE, COLOR_BLUE, COLOR_RED };
	static bool made[OV_NSLOTS * OV_NSLOTS];
	int n = OV_NSLOTS, pair;

	if (t->map_style == TUI_MAP_BLOCK8) {
		n = 4;
		fg = fg == 0 ? 0 : fg < 5 ? 1 : fg < 9 ? 2 : 3;
		bg = bg == 0 ? 0 : bg < 5 ? 1 : bg < 9 ? 2 : 3;
	}
	pair = ov_pair_base(t) + fg * n + bg;
	if (!made[fg * OV_NSLOTS + bg]) {
		short f, b;

		if (t->map_style == TUI_MAP_BLOCK256) {
			f = fg ? ov256[fg] : (short)t->default_bg;
			b = bg ? ov256[bg] : (short)t->default_bg;
		} else {
			f = fg ? basic[fg - 1] : (short)t->default_bg;
			b = bg ? basic[bg - 1] : (short)t->default_bg;
		}
		init_pair((short)pair, f, b);
		made[fg * OV_NSLOTS + bg] = true;
	}
	return (short)pair;
}

/* True colour: the event's grey tinted by its saliency (colormap.h's
 * nu_cmap_tint), as a direct-colour number. */
static int
ov_rgb(const struct tui *t, int v, float s)
{
	uint8_t c[3];
	int n;

	if (v < 0)
		return t->default_bg;
	nu_cmap_tint(ev_state.glut[v], sal_unit(s), c);
	n = c[0] << 16 | c[1] << 8 | c[2];
	return n < 8 ? 8 : n;
}

/* One text cell of the overlay: the pixels (top, bottom) of values v
 * and saliencies s. */
static void
put_overlay(struct tui *t, int top, int bot, float stop, float sbot)
{
	cchar_t cc;
	int st, sb;

	if (t->map_style == TUI_MAP_TRUECOLOR) {
#ifdef EV_DIRECT_COLOR
		wchar_t wc[2] = { L'\u2580', 0 };
		int pair;

		if (top < 0 && bot < 0) {
			addch(' ');
			return;
		}
		if ((pair = alloc_pair(ov_rgb(t, top, stop), ov_rgb(t, bot, sbot))) >= 0) {
			setcchar(&cc, wc, A_NORMAL, 0, &pair);
			add_wch(&cc);
			return;
		}
#endif
		addch((chtype)sal_glyph(top, bot, stop, sbot));
		return;
	}
	if (ov_pair_base(t) == 0) {
		addch((chtype)sal_glyph(top, bot, stop, sbot));
		return;
	}
	st = ov_slot(top, stop);
	sb = ov_slot(bot, sbot);
	if (st == 0 && sb == 0) {
		addch(' ');
	} else {
		wchar_t wc[2] = { st ? L'\u2580' : L'\u2584', 0 };
		short pair = st ? ov_pair(t, st, sb) : ov_pair(t, sb, 0);

		setcchar(&cc, wc, A_NORMAL, pair, NULL);
		add_wch(&cc);
	}
}

/* Draw one view in h text rows and w columns at (y, x); ov: with the
 * saliency overlay. */
static void
draw_map(struct tui *t, int view, int y, int x, int h, int w, bool ov)
{
	int ph = 2 * h, p0, p1, c0, c1;

	for (int r = 0; r < h; r++) {
		move(y + r, x);
		for (int j = 0; j < w; j++) {
			int top = pixel(view, 2 * r, ph, j, w);
			int bot = pixel(view, 2 * r + 1, ph, j, w);
			int st, sb;

			if (ov) {
				put_overlay(t, top, bot, sal_pixel(view, 2 * r, ph, j, w),
				    sal_pixel(view, 2 * r + 1, ph, j, w));
				continue;
			}
			if (t->map_style == TUI_MAP_TRUECOLOR) {
				put_truecolor(t, top, bot);
				continue;
			}
			st = slot(t, top);
			sb = slot(t, bot);
			if (t->map_style == TUI_MAP_ASCII) {
				int s = st > sb ? st : sb;
				int k = s == 0 ? 0 : 1 + (s - 1) * 8 / (t->nmap_colors - 2 > 0 ?
				    t->nmap_colors - 2 : 1);

				addch((chtype)ramp[k > 9 ? 9 : k]);
			} else if (st == 0 && sb == 0) {
				addch(' ');
			} else {
				cchar_t cc;
				wchar_t wc[2] = { st ? L'\u2580' : L'\u2584', 0 };
				short pair = st ? map_pair(t, st, sb) : map_pair(t, sb, 0);

				setcchar(&cc, wc, A_NORMAL, pair, NULL);
				add_wch(&cc);
			}
		}
	}
	/* cell labels: the top and bottom cells shown */
	visible(view, w, h, &p0, &p1, &c0, &c1);
	tui_putf(y, x - 4, 3, "%3d", c1);
	tui_putf(y + h - 1, x - 4, 3, "%3d", c0);
}

/* The colours the maps are drawn in, for the line below them. */
static const char *
style_name(const struct tui *t)
{
	switch (t->map_style) {
	case TUI_MAP_TRUECOLOR: return "24-bit, as the PNG";
	case TUI_MAP_BLOCK256: return "256 colours";
	case TUI_MAP_BLOCK8: return "8 colours";
	default: return "ramp \" .:-=+*#%@\"";
	}
}

/* The zoom line of the panel into buf. */
static void
zoom_line(char *buf, size_t len)
{
	int k = zooms[ev_state.zoom];
	char range[96];

	range_text(ev_state.mapw, ev_state.maph, range, sizeof range);
	if (k == 0)
		snprintf(buf, len, "zoom fit: %s", range);
	else
		snprintf(buf, len, "zoom %dx: %s", k, range);
}

/* Bring pos up to date: how many events match the filter and class, and
 * where the event shown stands among them. */
static void
pos_update(const struct tui *t)
{
	uint64_t n = nu_dataset_nevents(t->ds), ev = ev_state.ev;

	if (!pos.valid || pos.keep != t->keep || pos.nselected != t->nselected ||
	    pos.nevents != n || pos.cls != ev_state.cls) {
		pos.count = 0;
		for (uint64_t i = 0; i < n; i++)
			pos.count += matches(t, i);
		pos.valid = true;
		pos.keep = t->keep;
		pos.nselected = t->nselected;
		pos.nevents = n;
		pos.cls = ev_state.cls;
		pos.ev = UINT64_MAX;
	}
	if (pos.ev != ev) {
		pos.rank = 0;
		for (uint64_t i = 0; i <= ev && i < n; i++)
			pos.rank += matches(t, i);
		pos.ev = ev;
	}
}

/* The header: the event's place in the list being browsed, among the
 * events the filter and class select, or among all. */
static void
position_text(const struct tui *t, char *buf, size_t len)
{
	uint64_t n = nu_dataset_nevents(t->ds), ev = ev_state.ev;
	char a[32], b[32];

	if (br.active) {
		snprintf(buf, len, "Event %s of %s (global %llu)",
		    tui_grouped(br.at + 1, a, sizeof a), tui_grouped(br.n, b, sizeof b),
		    (unsigned long long)ev);
		return;
	}
	if (t->keep == NULL && ev_state.cls == 0) {
		snprintf(buf, len, "Event %llu of %llu", (unsigned long long)ev,
		    (unsigned long long)n);
		return;
	}
	pos_update(t);
	if (matches(t, ev))
		snprintf(buf, len, "Event %s of %s selected (global %llu)",
		    tui_grouped(pos.rank, a, sizeof a), tui_grouped(pos.count, b,
		    sizeof b), (unsigned long long)ev);
	else
		snprintf(buf, len, "Event %llu, not selected (%s selected)",
		    (unsigned long long)ev, tui_grouped(pos.count, b, sizeof b));
}

/* Whether the overlay is drawn in glyphs rather than colours. */
static bool
sal_glyphs(const struct tui *t)
{
	if (t->map_style == TUI_MAP_TRUECOLOR) {
#ifdef EV_DIRECT_COLOR
		return false;
#else
		return true;
#endif
	}
	return ov_pair_base(t) == 0;
}

/*
 * The views' title lines with the overlay on (empty strings when it is
 * off): what the map explains and its scale, or that it is being made, or
 * why there is none.  Returns whether the map is drawn over the event.
 */
static bool
sal_titles(const struct tui *t, char title[NU_VIEWS][256])
{
	char what[96];

	title[0][0] = title[1][0] = '\0';
	if (sal.method == SAL_OFF || t->model == NULL)
		return false;
	if (sal_shown()) {
		enum nu_task task = t->model->net->task;

		sal_score_text(t, what, sizeof what);
		if (nu_task_nclasses(task) == 2 && t->model->net->nout == 1) {
			float thr = (float)score_threshold(t);

			snprintf(title[0], 256, "%s of %s: %s at %.3f",
			    nu_sal_method_name(sal.rmethod), what,
			    (float)sal.score > thr ? "selected" : "not selected", thr);
		} else
			snprintf(title[0], 256, "%s of %s",
			    nu_sal_method_name(sal.rmethod), what);
		if (sal.smax <= 0)
			snprintf(title[1], 256, "the saliency is zero everywhere");
		else
			snprintf(title[1], 256, "%s; |s| up to %.3g", sal_glyphs(t) ?
			    "+*# raise the score, -=% lower it, . a hit" :
			    "red raises the score, blue lowers it",
			    sal.smax);
		return true;
	}
	if (sal.valid && sal.err[0] != '\0' &&
	    sal_wanted(sal.ev, sal.rmethod, sal.rkey)) {
		snprintf(title[0], 256, "no %s saliency: %.200s",
		    nu_sal_method_name(sal.rmethod), sal.err);
		return false;
	}
	snprintf(title[0], 256, "computing saliency (%s)...",
	    nu_sal_method_name(sal.method));
	return false;
}

/* One of the model's lines: the verdict in the error colour when wrong. */
static void
put_score_line(const struct tui *t, int y, int x, int w, const char *s, bool last)
{
	bool wrong = last && verdict < 0;

	if (wrong)
		attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_ERROR : 0));
	tui_put(y, x, w, s);
	if (wrong)
		attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_ERROR : 0));
}

static void
events_draw(struct tui *t, int top, int rows, int cols)
{
	uint64_t n = t->ds ? nu_dataset_nevents(t->ds) : 0;
	int pw = cols >= 110 ? 50 : 0, meta_rows, mw, h, y, nscore;
	int p0, p1, c0, c1;
	char cbuf[64], zline[160], score[EXTRA_LINES][160], where[256];
	char stitle[NU_VIEWS][256];
	bool ov;

	if (n == 0) {
		tui_put(top + 1, 2, cols - 4, t->ds == NULL ?
		    "No files loaded: press 1 then a to add some." :
		    "The files hold no events.");
		return;
	}
	if (!ev_state.loaded)
		load_event(t);
	score_update(t);
	nscore = score_lines(t, score, EXTRA_LINES);
	position_text(t, where, sizeof where);
	sal_sync(t);
	ov = sal_titles(t, stitle);
	/* the method in the header: a line of its own in the side panel,
	 * whose header line is full under a filter */
	if (sal.method != SAL_OFF && t->model != NULL && pw == 0)
		snprintf(where + strlen(where), sizeof where - strlen(where),
		    "  saliency: %s", nu_sal_method_name(sal.method));

	/* below the maps without the side panel: a line for the event and
	 * the zoom, one for the model, the metadata in three columns */
	meta_rows = pw > 0 ? 0 : (ev_state.nmeta + 2) / 3 + 1 + (nscore > 0);
	mw = cols - pw - 6;
	h = (rows - meta_rows - 3) / 2;
	if (h < 2)
		h = 2;
	ev_state.mapw = mw;
	ev_state.maph = h;
	if (zooms[ev_state.zoom] > 0 && ev_state.centred != ev_state.ev)
		centre_on_hits(mw, h);  /* another event, zoomed: onto its hits */
	clamp_pan(mw, h);
	zoom_line(zline, sizeof zline);

	y = top;
	for (int view = 0; view < NU_VIEWS; view++) {
		attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
		tui_putf(y, 0, cols - pw, "%s view", view == 0 ? "XZ" : "YZ");
		attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
		if (stitle[view][0] != '\0')
			tui_put(y, 9, cols - pw - 9, stitle[view]);
		else
			tui_putf(y, 9, cols - pw - 9, "%s cell vs plane (z, beam %s)",
			    view == 0 ? "x" : "y", t->utf8 ? "→" : "->");
		draw_map(t, view, y + 1, 5, h, mw, ov);
		y += h + 1;
	}
	visible(0, mw, h, &p0, &p1, &c0, &c1);
	tui_putf(y, 5, mw, "plane %d", p0);
	{
		char last[16];
		int len = snprintf(last, sizeof last, "plane %d", p1);

		tui_put(y, 5 + mw - len, len, last);
	}
	tui_putf(y, 20, mw - 32, "max %d  %s", ev_state.vmax, style_name(t));

	/* metadata: a panel on the right, or three columns below */
	if (pw > 0) {
		int x = cols - pw + 1, yy = top;

		attron(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
		tui_put(yy++, x, pw - 1, where);
		if (sal.method != SAL_OFF && t->model != NULL)
			tui_putf(yy++, x, pw - 1, "saliency: %s",
			    nu_sal_method_name(sal.method));
		attroff(A_BOLD | COLOR_PAIR(t->colors ? TUI_PAIR_HEAD : 0));
		if (br.active) {
			tui_put(yy++, x, pw - 1, br.label);
			tui_put(yy++, x, pw - 1, "(Esc: back to every event)");
		} else
			tui_putf(yy++, x, pw - 1, "class: %s%s",
			    class_name(t, ev_state.cls, cbuf, sizeof cbuf),
			    t->where_text ? "  (filtered)" : "");
		if (!tui_selected(t, ev_state.ev))
			tui_put(yy++, x, pw - 1, "(not selected by the filter)");
		tui_put(yy++, x, pw - 1, zline);
		for (int i = 0; i < nscore; i++)
			put_score_line(t, yy++, x, pw - 1, score[i], i == nscore - 1);
		yy++;
		for (int i = 0; i < ev_state.nmeta && yy < top + rows; i++)
			tui_put(yy++, x, pw - 1, ev_state.meta[i]);
	} else {
		int cw = cols / 3, y0 = top + rows - meta_rows, grid = y0 + 1;

		if (br.active)
			tui_putf(y0, 0, cols, "%s: %s  %s", where, br.label, zline);
		else
			tui_putf(y0, 0, cols, "%s  class: %s%s  %s", where,
			    class_name(t, ev_state.cls, cbuf, sizeof cbuf),
			    tui_selected(t, ev_state.ev) ? "" :
			    "  (not selected by the filter)", zline);
		if (nscore > 0) {
			char joined[EXTRA_LINES * 160];
			size_t off = 0;

			/* the model's lines on one, their indents dropped */
			for (int i = 0; i < nscore && off < sizeof joined; i++)
				off += (size_t)snprintf(joined + off, sizeof joined - off,
				    "%s%s", i == 0 ? "" : i == 1 ? ": " : "; ",
				    score[i] + strspn(score[i], " "));
			put_score_line(t, grid++, 0, cols, joined, true);
		}
		for (int i = 0; i < ev_state.nmeta; i++)
			tui_put(grid + i % (meta_rows - 1 - (nscore > 0)),
			    (i / (meta_rows - 1 - (nscore > 0))) * cw, cw - 1,
			    ev_state.meta[i]);
	}
}

/* ---- export ---------------------------------------------------------------- */

/*
 * Write event ev_state.ev at path as `nuscope export events` does: the
 * figure (PNG, or SVG or PDF by the name's extension), its caption with
 * the loaded model's score at the model's threshold; or, raw, the stored
 * values as a grey PNG.  On failure the message line says why; no file is
 * left.
 */
static void
export_event(struct tui *t, const char *path, bool raw)
{
	struct nu_eventfig_opts fo = { .cmap = PNG_CMAP, .stretch = PNG_STRETCH };
	struct nu_eventfig_event e = { .event = ev_state.ev };
	struct nu_eventfig_score fs = { 0 };
	struct nu_eventfig_text *txt;
	struct nu_eventpng_image *img = NULL;
	struct nu_eventfig_geom g;
	char *cause = NULL, where[4200], size[64];
	const char *kv[10], *dot = strrchr(path, '.');
	enum nu_plot_format fmt = NU_PLOT_PNG;
	uint64_t ev = ev_state.ev;
	size_t file;
	enum nu_status st;
	struct stat sb;
	bool existed;

	if ((st = nu_dataset_locate(t->ds, ev, &file, &e.local, &cause)) != NU_OK ||
	    (st = nu_dataset_read_column(t->ds, NU_COL_INTERACTION, ev, 1,
	    NU_CT_U32, &e.interaction, &cause)) != NU_OK ||
	    (st = nu_dataset_read_column(t->ds, NU_COL_NUENERGY, ev, 1,
	    NU_CT_F32, &e.nuenergy, &cause)) != NU_OK ||
	    (st = nu_dataset_read_column(t->ds, NU_COL_LEPENERGY, ev, 1,
	    NU_CT_F32, &e.lepenergy, &cause)) != NU_OK) {
		tui_message(t, true, "export: %s", cause != NULL ? cause : nu_strerror(st));
		free(cause);
		return;
	}
	e.file = nu_dataset_file(t->ds, file)->path;
	score_update(t);        /* the model may have changed since the draw */
	if (t->model != NULL && sc.valid && sc.ev == ev && sc.err[0] == '\0') {
		fs.have = true;
		fs.task = t->model->net->task;
		fs.nout = t->model->net->nout;
		fs.out = sc.out;
		fs.threshold = score_threshold(t);
	}
	if ((txt = malloc(sizeof(*txt))) == NULL) {
		tui_message(t, true, "export: out of memory");
		return;
	}
	nu_eventfig_text(&e, &fs, txt);
	if (!raw && dot != NULL && strchr(dot, '/') == NULL &&
	    nu_plot_format_parse(dot + 1, &fmt, NULL) != NU_OK)
		fmt = NU_PLOT_PNG;      /* any other name: a PNG */
	existed = stat(path, &sb) == 0;
	if (raw) {
		st = nu_eventpng_render_raw(ev_state.map, &img, &cause);
		if (st == NU_OK)
			st = nu_eventpng_write(img, path, kv,
			    nu_eventfig_chunks(txt, true, kv), &cause);
		nu_eventpng_image_free(img);
		snprintf(size, sizeof size, "raw %dx%d", NU_EVENTPNG_RAW_W,
		    NU_EVENTPNG_RAW_H);
	} else {
		st = nu_eventfig_write(ev_state.map, &fo, txt, path, fmt, &cause);
		nu_eventfig_geometry(&g, fs.have);
		snprintf(size, sizeof size, "%s %dx%d", nu_plot_format_ext(fmt),
		    g.width, g.height);
	}
	free(txt);
	if (st != NU_OK) {
		tui_message(t, true, "export: %s", cause != NULL ? cause : nu_strerror(st));
		free(cause);
		return;
	}
	if (path[0] == '/' || getcwd(where, sizeof where - 2) == NULL)
		snprintf(where, sizeof where, "%s", path);
	else
		snprintf(where + strlen(where), sizeof where - strlen(where), "/%s", path);
	tui_message(t, false, "event %llu written to %s (%s%s)%s",
	    (unsigned long long)ev, where, size,
	    fs.have && !raw ? ", with the model's score" : "",
	    existed ? ", replacing the file there" : "");
}

/* The typed name, ~/ expanded; a directory gets the default name inside. */
static void
export_done(struct tui *t, const char *text, bool raw)
{
	char path[2048];
	const char *home = getenv("HOME");
	size_t len;
	struct stat sb;

	while (*text == ' ')
		text++;
	if (text[0] == '\0') {
		tui_message(t, false, "export cancelled: no file name");
		return;
	}
	if (text[0] == '~' && text[1] == '/' && home != NULL && home[0] != '\0')
		snprintf(path, sizeof path, "%s%s", home, text + 1);
	else
		snprintf(path, sizeof path, "%s", text);
	len = strlen(path);
	if ((len > 0 && path[len - 1] == '/') ||
	    (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)))
		snprintf(path + len, sizeof path - len, "%sevent-%llu%s.png",
		    len > 0 && path[len - 1] == '/' ? "" : "/",
		    (unsigned long long)ev_state.ev, raw ? "-raw" : "");
	export_event(t, path, raw);
}

static void
export_figure_done(struct tui *t, const char *text)
{
	export_done(t, text, false);
}

static void
export_raw_done(struct tui *t, const char *text)
{
	export_done(t, text, true);
}

/* ---- keys ---------------------------------------------------------------- */

static void
go(struct tui *t, uint64_t ev)
{
	if (ev != ev_state.ev || !ev_state.loaded) {
		ev_state.ev = ev;
		load_event(t);
	}
}

/* Step to the next (dir 1) or previous (dir -1) matching event. */
static void
step(struct tui *t, int dir)
{
	uint64_t n = nu_dataset_nevents(t->ds), ev = ev_state.ev;
	char cbuf[64];

	if (br.active) {
		if ((dir > 0 && br.at + 1 >= br.n) || (dir < 0 && br.at == 0)) {
			tui_message(t, false, "%s of the %zu %s (Esc: every event)",
			    dir > 0 ? "the last" : "the first", br.n, br.label);
			return;
		}
		br.at = dir > 0 ? br.at + 1 : br.at - 1;
		go(t, br.ev[br.at]);
		return;
	}

	for (;;) {
		if ((dir > 0 && ev + 1 >= n) || (dir < 0 && ev == 0)) {
			tui_message(t, false, "no %s event %s %llu (class: %s)",
			    dir > 0 ? "later" : "earlier", dir > 0 ? "after" : "before",
			    (unsigned long long)ev_state.ev,
			    class_name(t, ev_state.cls, cbuf, sizeof cbuf));
			return;
		}
		ev = dir > 0 ? ev + 1 : ev - 1;
		if (matches(t, ev)) {
			go(t, ev);
			return;
		}
	}
}

static void
jump_done(struct tui *t, const char *text)
{
	uint64_t n = t->ds ? nu_dataset_nevents(t->ds) : 0;
	unsigned long long ev;
	char *end;

	errno = 0;
	ev = strtoull(text, &end, 10);
	if (text[0] == '\0' || text[0] == '-' || *end != '\0' || errno != 0) {
		tui_message(t, true, "the event index must be a whole number from "
		    "0, not '%s'", text);
		return;
	}
	if (ev >= n) {
		tui_message(t, true, "event %llu is out of range: the files hold %llu "
		    "events (0-%llu)", ev, (unsigned long long)n,
		    (unsigned long long)n - 1);
		return;
	}
	if (br.active) {
		size_t i;

		for (i = 0; i < br.n && br.ev[i] != ev; i++)
			;
		if (i < br.n) {
			br.at = i;
		} else {
			tui_message(t, false, "event %llu is not one of the %s: back to "
			    "every event", ev, br.label);
			browse_leave();
		}
	}
	go(t, ev);
}

static void
random_event(struct tui *t)
{
	uint64_t n = nu_dataset_nevents(t->ds), start = tui_random(t) % n;

	if (br.active) {
		br.at = (size_t)(tui_random(t) % br.n);
		go(t, br.ev[br.at]);
		return;
	}
	for (uint64_t k = 0; k < n; k++) {
		uint64_t ev = (start + k) % n;

		if (matches(t, ev)) {
			go(t, ev);
			return;
		}
	}
	tui_message(t, false, "no event matches the filter and class");
}

/* After a change of class or filter: stay if the event still matches,
 * else move to the next one that does (wrapping). */
static void
settle(struct tui *t)
{
	uint64_t n = t->ds ? nu_dataset_nevents(t->ds) : 0;
	char cbuf[64];

	if (n == 0)
		return;
	if (ev_state.ev >= n)
		ev_state.ev = 0;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t ev = (ev_state.ev + k) % n;

		if (matches(t, ev)) {
			go(t, ev);
			return;
		}
	}
	tui_message(t, false, "no event of class %s passes the filter",
	    class_name(t, ev_state.cls, cbuf, sizeof cbuf));
}

/* c: the next class that has an event passing the filter (classes
 * without one are skipped, so the label always names the class of the
 * events shown); the class stays when no other has one. */
static void
next_class(struct tui *t)
{
	uint64_t n = nu_dataset_nevents(t->ds);
	int from = ev_state.cls, skipped = 0;
	char cbuf[64], old[64];

	for (int k = 1; k < NCLASSES; k++) {
		int cls = (from + k) % NCLASSES;
		uint64_t ev;

		for (ev = 0; ev < n && !matches_class(t, ev, cls); ev++)
			;
		if (ev < n) {
			ev_state.cls = cls;
			if (skipped > 0)
				tui_message(t, false, "class filter: %s (%d class%s without "
				    "events to show skipped)", class_name(t, cls, cbuf,
				    sizeof cbuf), skipped, skipped == 1 ? "" : "es");
			else
				tui_message(t, false, "class filter: %s",
				    class_name(t, cls, cbuf, sizeof cbuf));
			settle(t);
			return;
		}
		skipped++;
	}
	tui_message(t, false, "no other class has events that pass the filter; "
	    "the class stays %s", class_name(t, from, old, sizeof old));
}

static int
events_key(struct tui *t, int ch)
{
	if (t->ds == NULL || nu_dataset_nevents(t->ds) == 0)
		return TUI_UNHANDLED;
	switch (ch) {
	case 'n': case KEY_RIGHT: case KEY_DOWN: case ' ':
		step(t, 1);
		return TUI_REDRAW;
	case 'p': case KEY_LEFT: case KEY_UP:
		step(t, -1);
		return TUI_REDRAW;
	case 27:        /* Esc */
		if (!br.active)
			return TUI_UNHANDLED;
		tui_message(t, false, "back to every event (left the %zu %s)", br.n,
		    br.label);
		browse_leave();
		return TUI_REDRAW;
	case KEY_HOME:
		if (br.active) {
			br.at = 0;
			go(t, br.ev[0]);
			return TUI_REDRAW;
		}
		ev_state.ev = 0;
		if (!matches(t, 0))
			step(t, 1);
		else
			go(t, 0);
		return TUI_REDRAW;
	case 'g':
		tui_prompt(t, "go to event", NULL, false, jump_done);
		return TUI_REDRAW;
	case 'r':
		random_event(t);
		return TUI_REDRAW;
	case 'c':
		browse_leave();
		next_class(t);
		return TUI_REDRAW;
	case 'C':
		browse_leave();
		ev_state.cls = 0;
		tui_message(t, false, "class filter: all");
		return TUI_REDRAW;
	case 'z':
		/* fit, 1x, 2x, 4x */
		set_zoom(t, zooms[ev_state.zoom] == 0 ? 1 : zooms[ev_state.zoom] == 1 ?
		    2 : zooms[ev_state.zoom] < 4 ? 4 : 0);
		return TUI_REDRAW;
	case '+': case '=':
		if (ev_state.zoom + 1 < NZOOMS)
			set_zoom(t, ev_state.zoom + 1);
		else
			tui_message(t, false, "zoom %dx is the largest",
			    zooms[NZOOMS - 1]);
		return TUI_REDRAW;
	case '-':
		if (ev_state.zoom > 0)
			set_zoom(t, ev_state.zoom - 1);
		else
			tui_message(t, false, "the map already fits the window");
		return TUI_REDRAW;
	case 'h': pan(t, -1, 0); return TUI_REDRAW;
	case 'l': pan(t, 1, 0); return TUI_REDRAW;
	case 'k': pan(t, 0, 1); return TUI_REDRAW;
	case 'j': pan(t, 0, -1); return TUI_REDRAW;
	case 'H': pan(t, -4 * NU_PLANES, 0); return TUI_REDRAW;
	case 'L': pan(t, 4 * NU_PLANES, 0); return TUI_REDRAW;
	case 'K': pan(t, 0, 4 * NU_CELLS); return TUI_REDRAW;
	case 'J': pan(t, 0, -4 * NU_CELLS); return TUI_REDRAW;
	case 's':
		sal_cycle(t);
		return TUI_REDRAW;
	case 'e': case 'E': {
		char name[64];

		snprintf(name, sizeof name, "event-%llu%s.png",
		    (unsigned long long)ev_state.ev, ch == 'E' ? "-raw" : "");
		if (ch == 'e')
			tui_prompt(t, "write the event as a figure (.png, .svg or .pdf; "
			    "Tab completes)", name, true, export_figure_done);
		else
			tui_prompt(t, "write the event's raw data image (PNG; Tab "
			    "completes)", name, true, export_raw_done);
		return TUI_REDRAW;
	}
	default:
		return TUI_UNHANDLED;
	}
}

static void
events_reload(struct tui *t)
{
	ev_state.loaded = false;
	score_drop();           /* the labels belong to the old dataset */
	sal.key++;              /* and maps to its events */
	browse_leave();         /* its indices too */
	pos.valid = false;
	settle(t);
}

static void
events_fini(struct tui *t)
{
	score_drop();
	browse_leave();
	sal_join(t);
	sal_copy_drop();
}

void
tui_events_browse(struct tui *t, const char *label, const uint64_t *events,
    size_t n)
{
	uint64_t nev = t->ds != NULL ? nu_dataset_nevents(t->ds) : 0;
	uint64_t *copy;

	if (n == 0) {
		tui_message(t, false, "no events: %s", label);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (events[i] >= nev) {
			tui_message(t, true, "event %llu is not in the Data screen's "
			    "files (%llu events)", (unsigned long long)events[i],
			    (unsigned long long)nev);
			return;
		}
	if ((copy = malloc(n * sizeof *copy)) == NULL) {
		tui_message(t, true, "out of memory");
		return;
	}
	memcpy(copy, events, n * sizeof *copy);
	browse_leave();
	br.active = true;
	br.ev = copy;
	br.n = n;
	snprintf(br.label, sizeof br.label, "%s", label);
	go(t, copy[0]);
	tui_show(t, &tui_view_events);
	tui_message(t, false, "%zu %s (n/p step through them, Esc: every event)",
	    n, label);
}

const struct tui_view tui_view_events = {
	.name = "Events",
	.mnemonic = 'e',
	.keys = "n/p next/prev  g go to  r random  c class  z/+/- zoom  hjkl pan  "
	    "s saliency  e figure  Esc all",
	.help =
	    "n, Right, Down    next event (that the filter and class select)\n"
	    "p, Left, Up       previous event\n"
	    "Home              first event\n"
	    "g                 go to an event by its index\n"
	    "r                 a random event\n"
	    "c                 cycle the class: all, each group, each mode (those\n"
	    "                    with no event that passes the filter are skipped)\n"
	    "C                 all classes again\n"
	    "z                 zoom: fit the window, 1, 2, 4 columns per plane,\n"
	    "                  centred on the event's hits (each view's own cells)\n"
	    "+ (=), -          zoom in, out (fit, 1, 2, 3, 4, 6, 8)\n"
	    "h l, j k          pan zoomed maps: planes left/right, cells down/up\n"
	    "H L, J K          pan to the first/last plane, cell 0/79\n"
	    "e                 write the event as a figure for a talk (as nuscope\n"
	    "                  export events; .svg or .pdf by the name)\n"
	    "E                 write its raw data image (as export --raw)\n"
	    "s                 the model's saliency over the event: occlusion,\n"
	    "                    gradient, gradxinput, off (red or +*# raise the\n"
	    "                    score, blue or -=% lower it)\n"
	    "Esc               leave a list opened from the Evaluation screen\n"
	    "                    (a confusion-matrix cell or a slice): every event\n"
	    "The filter set on the Data screen (/) applies here too; the header\n"
	    "counts the event's place among the events it selects.  With a model\n"
	    "loaded on the Evaluation screen the panel shows its output, judged\n"
	    "at the Evaluation screen's threshold.",
	.draw = events_draw,
	.key = events_key,
	.reload = events_reload,
	.tick = events_tick,
	.fini = events_fini,
};
