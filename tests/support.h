/*
 * support.h: what several test programs need beside testhelp.h: the h5py
 * fixtures opened as a dataset, and architecture text parsed.
 */
#ifndef NU_SUPPORT_H
#define NU_SUPPORT_H

#include <dirent.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "dataset.h"
#include "testhelp.h"

/*
 * The fixture set `rel` (e.g. "good") written by tests/gen-fixtures.py;
 * skips the whole program when the fixtures were not made, bails out
 * when they do not open.
 */
static inline struct nu_dataset *
support_fixture(const char *rel)
{
	const char *fx = getenv("FIXTURES");
	char path[1024], *cause = NULL;
	const char *args[1] = { path };
	struct nu_dataset *ds = NULL;
	FILE *f;

	if (fx == NULL)
		TEST_SKIP_ALL("FIXTURES is not set (run through make check)");
	snprintf(path, sizeof path, "%s/expected.json", fx);
	if ((f = fopen(path, "r")) == NULL)
		TEST_SKIP_ALL("no fixtures: Python with h5py was not found");
	fclose(f);
	snprintf(path, sizeof path, "%s/%s", fx, rel);
	if (nu_dataset_open(&ds, args, 1, NULL, &cause) != NU_OK) {
		printf("Bail out! %s\n", cause);
		exit(1);
	}
	return ds;
}

/* Architecture text parsed as file "t.arch"; NULL (the cause printed as a
 * TAP comment) when it does not parse. */
static inline struct nu_arch *
support_parse(const char *text)
{
	struct nu_arch *a = NULL;
	char *cause = NULL;

	if (nu_arch_parse(&a, "t.arch", text, strlen(text), &cause) != NU_OK)
		printf("# %s\n", cause);
	free(cause);
	return a;
}

/* Decode a PNG with libpng's simplified API as 8-bit grey (channels 1) or
 * RGB (3); NULL (the reason printed as a TAP comment) on failure.
 * *colour, when not NULL, says whether the file itself is in colour. */
static inline uint8_t *
support_decode_png(const char *path, int channels, int *w, int *h, int *colour)
{
	png_image im;
	uint8_t *buf;

	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&im, path)) {
		printf("# %s: %s\n", path, im.message);
		return NULL;
	}
	if (colour != NULL)
		*colour = (im.format & PNG_FORMAT_FLAG_COLOR) != 0;
	im.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
	if ((buf = malloc(PNG_IMAGE_SIZE(im))) == NULL ||
	    !png_image_finish_read(&im, NULL, buf, 0, NULL)) {
		printf("# %s: %s\n", path, im.message);
		png_image_free(&im);
		free(buf);
		return NULL;
	}
	*w = (int)im.width;
	*h = (int)im.height;
	return buf;
}

/* Number of entries in dir other than . and .. (-1: cannot be read). */
static inline int
support_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

#endif
