/*
 * keras.h: import a Keras 2 HDF5 model file (`model.save("m.h5")`) as a
 * nuscope architecture and model file (nuscope(1), IMPORTING KERAS
 * MODELS).
 *
 * Supported: Sequential models on one 100x80x1 input (one view, XZ), and
 * Functional models that are such a chain, or two inputs (input_layers[0]
 * XZ, [1] YZ) through branches of the same layers to one Concatenate (XZ
 * branch first; along the features after Flatten, or along the planes)
 * and a chain after it; of the layers InputLayer, Conv2D, MaxPooling2D,
 * AveragePooling2D, Dropout, Flatten, Dense, BatchNormalization,
 * Activation, ReLU and Concatenate.  Anything else is refused naming the
 * layer and its type, and nothing is written.
 *
 * Layouts: Keras kernels are [kh, kw, in, out] and tensors channels-last;
 * nuscope's conv weights are [out, in, kh, kw], dense [units, in], and a
 * Flatten orders features (channel, plane, cell), so the rows of the
 * first Dense after a Flatten are permuted from Keras's (plane, cell,
 * channel) order.
 */
#ifndef NU_KERAS_H
#define NU_KERAS_H

#include "nu.h"

/* Bounds on what a Keras file may declare (outside input). */
#define NU_KERAS_MAXCONFIG ((size_t)1 << 22)   /* bytes of model_config */
#define NU_KERAS_MAXDEPTH 32                   /* JSON nesting */
#define NU_KERAS_MAXLAYERS 160

/*
 * How the imported network is fed, which a Keras file does not record:
 * the caller says it (nuscope(1), IMPORTING KERAS MODELS).  input and
 * norm are enum nu_input and enum nu_norm (loader.h) values, or -1 when
 * not given: the import is then refused with a message naming the option
 * to give, since either answer could be silently wrong.
 */
struct nu_keras_opts {
	const char *task;       /* a task name ("numu-cc", ...), or NULL to
	                         * infer it from the last layer */
	int input;              /* [net] input: views or interleaved */
	int norm;               /* 255, max or none (log1p is no Keras habit
	                         * but is accepted) */
	int max;                /* norm = max: the training set's largest
	                         * pixel value the maps were divided by,
	                         * 1-255 */
};

/*
 * Read the Keras model at path and write a nuscope model file to out
 * (and, when arch_out is not NULL, its architecture file, which records
 * o's input in [net] and normalisation in [train]).  *arch_text (if not
 * NULL) receives the architecture written (caller frees).  Errors name
 * the file and what was expected.
 */
enum nu_status nu_keras_import(const char *path, const char *out,
    const char *arch_out, const struct nu_keras_opts *o, char **arch_text,
    char **cause);

#endif
