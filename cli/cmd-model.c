/*
 * cmd-model.c: `nuscope model dump`: what a model file holds, in enough
 * detail to rebuild the network elsewhere; `nuscope model history`: the
 * recorded epochs of several model files side by side (histplot.h), as
 * tables, CSV and overlaid figures.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "histplot.h"
#include "model.h"

struct dump_args {
	bool json;
};

struct history_args {
	const char *csv, *dir, *plots;
	enum nu_plot_format fmts[3];
	int nfmt;
};

static const struct cli_opt dump_opts[] = {
	{ "json", 0, CLI_OPT_FLAG, offsetof(struct dump_args, json),
	    .help = "print it as one JSON document" },
	{ .kind = CLI_OPT_END },
};

static bool
set_plots(void *args, const char *arg, char **cause)
{
	struct history_args *a = args;

	return nu_plot_formats_parse(arg, a->fmts, &a->nfmt, cause) == NU_OK;
}

#define A(m) offsetof(struct history_args, m)
static const struct cli_opt history_opts[] = {
	{ "csv", 0, CLI_OPT_STRING, A(csv), .meta = "FILE",
	    .help = "also write them as one CSV table (a row per model and epoch)" },
	{ "plots", 0, CLI_OPT_STRING, A(plots), .fn = set_plots, .meta = "LIST",
	    .help = "draw the curves overlaid in these formats: png, svg, pdf" },
	{ NULL, 'o', CLI_OPT_STRING, A(dir), .meta = "DIR",
	    .help = "where --plots go (made if missing; default .)" },
	{ .kind = CLI_OPT_END },
};
#undef A

/* one page for both subcommands */
static const struct cli_help model_page[] = {
	{ "usage: nuscope model dump [--json] MODEL\n"
	    "       nuscope model history [--csv FILE] [--plots LIST [-o DIR]] MODEL...\n"
	    "\n"
	    "dump: print the layer graph of a model file: each layer's kind, input and\n"
	    "output shapes, kernel, stride, padding and activation, and the HDF5\n"
	    "path and shape of every tensor; then the run's state and history.\n",
	    dump_opts },
	{ "\n"
	    "history: print the recorded epochs of each model (losses, accuracy,\n"
	    "balanced accuracy, AUC, learning rate, time) with its architecture and\n"
	    "best value, to compare runs.\n", history_opts },
	{ NULL, NULL },
};

static const struct cli_cmd dump_cmd = { "model dump", dump_opts, model_page };
static const struct cli_cmd history_cmd = { "model history", history_opts, model_page };

/* The settings of the architecture section a layer came from: every key
 * of the section (as set or by default), typed for JSON. */
static void
settings(FILE *f, const struct nu_arch *a, const struct nu_net_node *nd, bool json)
{
	const struct nu_arch_section *s = &a->sec[nd->sec];

	if (nd->attached) {
		/* the activation of a conv or dense section */
		fprintf(f, json ? ", \"function\": \"%s\"" : "  function %s",
		    nu_arch_enum(s, "activation"));
		return;
	}
	for (int k = 0; s->kind->keys[k].name != NULL; k++) {
		const struct nu_arch_key *key = &s->kind->keys[k];
		const struct nu_arch_value *v = &s->v[k];

		if (strcmp(key->name, "activation") == 0 || strcmp(key->name, "alpha") == 0)
			continue;   /* shown on the activation's own line */
		if (key->type == NU_ARCH_PAIR) {
			const int *p = v->pair[0] ? v->pair : nu_arch_pair(s, "size");

			fprintf(f, json ? ", \"%s\": [%d, %d]" : "  %s %dx%d", key->name, p[0], p[1]);
		} else if (key->type == NU_ARCH_INT || key->type == NU_ARCH_FLOAT) {
			fprintf(f, json ? ", \"%s\": %.9g" : "  %s %g", key->name,
			    key->type == NU_ARCH_INT ? (double)v->i : v->f);
		} else if (key->type == NU_ARCH_BOOL) {
			fprintf(f, json ? ", \"%s\": %s" : "  %s %s", key->name, v->i ? "true" : "false");
		} else if (key->type == NU_ARCH_LIST) {
			fprintf(f, json ? ", \"%s\": [" : "  %s ", key->name);
			for (int i = 0; i < v->nlist; i++)
				fprintf(f, "%s%.9g", i ? (json ? ", " : ",") : "", v->list[i]);
			if (json)
				fputc(']', f);
		} else {
			fprintf(f, json ? ", \"%s\": \"%s\"" : "  %s %s", key->name, v->s);
		}
	}
}

static void
shape(FILE *f, struct nu_layer_shape s, bool json)
{
	fprintf(f, json ? "[%d, %d, %d]" : "%dx%dx%d", s.c, s.h, s.w);
}

static int
dump(const char *path, bool json)
{
	struct nu_model *m = NULL;
	char *cause = NULL;
	enum nu_status st = nu_model_load(path, &m, &cause);
	const struct nu_net *net;
	static const char *const modes[] = { "single", "stacked", "separate", "shared" };
	static const char *const merges[] = { "none", "features", "planes" };

	if (st != NU_OK) {
		cli_error("model", st, cause);
		free(cause);
		return 1;
	}
	net = m->net;
	if (json) {
		printf("{\"format\": \"nuscope-model\", \"task\": \"%s\", \"views\": \"%s\", "
		    "\"branches\": \"%s\", \"merge\": \"%s\", \"input\": [%d, 100, 80],\n"
		    " \"parameters\": %zu, \"epoch\": %d, \"step\": %llu, \"normalise\": \"%s\", "
		    "\"normalise_max\": %d, \"threshold\": %.9g, \"where\": ",
		    nu_task_name(net->task), net->views == 3 ? "both" : net->views == 1 ? "xz" : "yz",
		    modes[net->mode], merges[net->merge], net->nviews, net->nparams,
		    m->meta.epoch, (unsigned long long)m->meta.step, m->meta.normalise,
		    m->meta.normalise_max, m->meta.threshold);
		json_str(stdout, m->meta.where);
		printf(",\n \"layers\": [");
	} else {
		printf("%s: task %s, %s branches, merge %s, %zu parameters\n", path,
		    nu_task_name(net->task), modes[net->mode], merges[net->merge], net->nparams);
		printf("trained %d epochs (%llu steps), pixels scaled by %s (max %d), "
		    "threshold %g\n", m->meta.epoch, (unsigned long long)m->meta.step,
		    m->meta.normalise, m->meta.normalise_max, m->meta.threshold);
		if (m->meta.where[0] != '\0')
			printf("trained on the events selected by --where '%s'\n", m->meta.where);
		else
			printf("trained on every event (no --where)\n");
	}
	for (int i = 0; i < net->nnodes; i++) {
		const struct nu_net_node *nd = &net->node[i];
		const struct nu_layer *l = nd->l;

		if (json) {
			printf("%s\n  {\"name\": \"%s\", \"kind\": \"%s\", \"input\": ", i ? "," : "",
			    nd->name, l->ops->name);
			shape(stdout, l->in, true);
			printf(", \"output\": ");
			shape(stdout, l->out, true);
			settings(stdout, m->arch, nd, true);
			printf(", \"tensors\": [");
			for (int k = 0; k < l->ntensors; k++) {
				const struct nu_layer_tensor *t = &l->tensors[k];

				printf("%s{\"name\": \"%s\", \"path\": \"/%s/%s/%s\", \"shape\": [",
				    k ? ", " : "", t->name, t->state ? "state" : "params",
				    nd->name, t->name);
				for (int r = 0; r < t->rank; r++)
					printf("%s%d", r ? ", " : "", t->dims[r]);
				printf("]}");
			}
			printf("]}");
		} else {
			printf("%-26s %-10s ", nd->name, l->ops->name);
			shape(stdout, l->in, false);
			printf(" -> ");
			shape(stdout, l->out, false);
			settings(stdout, m->arch, nd, false);
			printf("\n");
			for (int k = 0; k < l->ntensors; k++) {
				const struct nu_layer_tensor *t = &l->tensors[k];

				printf("    /%s/%s/%s  [", t->state ? "state" : "params", nd->name, t->name);
				for (int r = 0; r < t->rank; r++)
					printf("%s%d", r ? ", " : "", t->dims[r]);
				printf("]\n");
			}
		}
	}
	if (json) {
		printf("\n ],\n \"history\": [");
		for (int e = 0; e < m->nhist; e++)
			printf("%s{\"epoch\": %d, \"train_loss\": %.9g, \"val_loss\": %.9g}",
			    e ? ", " : "", e, m->hist[e].train_loss, m->hist[e].val_loss);
		printf("]}\n");
	} else {
		for (int e = 0; e < m->nhist; e++)
			printf("epoch %d: train loss %.4f, validation loss %.4f\n", e + 1,
			    m->hist[e].train_loss, m->hist[e].val_loss);
	}
	nu_model_free(m);
	return 0;
}

/* nuscope model history: argv[0] is "history". */
static int
history(int argc, char **argv)
{
	struct history_args args = { .dir = "." };
	const char *csv, *dir;
	struct nu_histplot *h = NULL;
	char *cause = NULL;
	int n, rc = 1, written = 0;
	enum nu_status st;

	if (!cli_opts_parse(&history_cmd, &args, argc, argv, &rc))
		return rc;
	rc = 1;
	csv = args.csv;
	dir = args.dir;
	if ((n = argc - optind) < 1) {
		fprintf(stderr, "nuscope model history: expected one or more model files\n");
		cli_opts_help(stderr, &history_cmd);
		return EXIT_USAGE;
	}
	if ((h = calloc((size_t)n, sizeof(*h))) == NULL) {
		fprintf(stderr, "nuscope model history: out of memory\n");
		return 1;
	}
	for (int i = 0; i < n; i++)
		if ((st = nu_histplot_load(argv[optind + i], &h[i], &cause)) != NU_OK) {
			cli_error("model history", st, cause);
			goto out;
		}
	nu_histplot_table(stdout, h, n);
	if (csv != NULL) {
		if ((st = nu_histplot_csv(csv, h, n, &cause)) != NU_OK) {
			cli_error("model history", st, cause);
			goto out;
		}
		printf("\nhistory written to %s\n", csv);
	}
	if (args.nfmt > 0) {
		if ((st = nu_histplot_plots(h, n, dir, args.fmts, args.nfmt, &written, &cause)) != NU_OK) {
			cli_error("model history", st, cause);
			goto out;
		}
		printf("%s%d figures written to %s\n", csv != NULL ? "" : "\n", written, dir);
	}
	rc = 0;
out:
	for (int i = 0; i < n; i++)
		nu_histplot_free(&h[i]);
	free(h);
	free(cause);
	return rc;
}

int
cmd_model(int argc, char **argv)
{
	struct dump_args args = { 0 };
	int rc;

	if (cli_wants_help(argc, argv)) {
		cli_opts_help(stdout, &dump_cmd);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "history") == 0)
		return history(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "dump") != 0) {
		fprintf(stderr, "nuscope model: expected dump or history\n");
		cli_opts_help(stderr, &dump_cmd);
		return EXIT_USAGE;
	}
	if (!cli_opts_parse(&dump_cmd, &args, argc - 1, argv + 1, &rc))
		return rc;
	if (argc - 1 - optind != 1) {
		fprintf(stderr, "nuscope model dump: expected one model file\n");
		cli_opts_help(stderr, &dump_cmd);
		return EXIT_USAGE;
	}
	return dump(argv[1 + optind], args.json);
}
