/*
 * saliency.h: which hits of an event a model's score rests on.
 *
 * Three maps of one event, each the size of the input the network sees:
 *  - occlusion: a patch of P x P cells (planes by cells) is zeroed at every
 *    stride S along both axes of each view, the copies scored as batches on
 *    worker threads; a cell's value is the mean, over the patches covering
 *    it, of score(event) - score(event with the patch zeroed), so positive
 *    where the hits raise the score.  Patches are clipped at the edges.
 *  - gradient: d score / d input, the input as the network takes it
 *    (normalised as the model was trained: nu_norm_lut).
 *  - gradxinput: that gradient times the input.
 * The score is one output after the network's activation: the signal
 * probability of a binary model, a class's probability, a regression's
 * value; the same quantity nuscope predict prints.
 */
#ifndef NU_SALIENCY_H
#define NU_SALIENCY_H

#include <stdint.h>

#include "model.h"
#include "net.h"
#include "nu.h"

enum nu_sal_method { NU_SAL_OCCLUSION, NU_SAL_GRADIENT, NU_SAL_GRADXINPUT };
#define NU_SAL_CHOICES "occlusion|gradient|gradxinput"
#define NU_SAL_PATCH 8          /* default patch side, cells */
#define NU_SAL_STRIDE 4         /* default stride, cells */

struct nu_sal_opts {
	enum nu_sal_method method;
	int patch;              /* occlusion: patch side, 1..80 cells (0: default) */
	int stride;             /* occlusion: 1..80 cells (0: default) */
	int output;             /* which output is the score; -1: the event's
	                         * largest (0 for one output) */
	int threads;            /* worker threads (0: 2) */
	int batch;              /* occluded copies per pass (0: 16) */
};

/* The methods' names in the enum's order, ended by NULL; one's name
 * ("occlusion") and back (-1: unknown). */
extern const char *const nu_sal_methods[];
const char *nu_sal_method_name(enum nu_sal_method m);
int nu_sal_method_parse(const char *s);

/*
 * The saliency map of one event x ([net->nviews, 100, 80] floats, as the
 * network takes it) into map (same shape); *score (if not NULL) gets the
 * event's score and *output (if not NULL) the output it reads.
 */
enum nu_status nu_saliency_net(const struct nu_net *net, const float *x,
    const struct nu_sal_opts *o, float *map, double *score, int *output,
    char **cause);

/*
 * The same for an event's pixel map (NU_MAP_BYTES bytes, as the dataset
 * stores it) and a model: fed as the model's architecture reads the rows
 * ([net] input) and normalised as its training was, the map in sal ([2,
 * 100, 80], XZ then YZ; a view the model does not read is zero).  With
 * input = interleaved each input pixel's value is put back where its byte
 * came from (nu_input_source): an interleaved "view" is every other byte
 * of both detector views, so its map covers half the pixels of each.
 */
enum nu_status nu_saliency(const struct nu_model *m, const uint8_t *map8,
    const struct nu_sal_opts *o, float *sal, double *score, int *output,
    char **cause);

#endif
