/*
 * colormap.h: colour maps for pictures of events.
 *
 * Three sequential maps, all dark for small values and light for large
 * ones, so that lightness alone orders the values (and a picture printed in
 * grey still reads correctly):
 *
 *   viridis  blue-violet through teal and green to yellow
 *   inferno  deep indigo through crimson and orange to pale yellow
 *   grey     neutral grey to white
 *
 * They are nuscope's own: smooth curves through a few anchor colours in
 * CIELAB, spaced evenly in perceived colour difference (see colormap.c),
 * named after the well-known maps they resemble.  They are not copies of
 * any published table.
 *
 * Value 0 (an empty cell) is drawn in the map's background colour, darker
 * than every colour of the ramp, so that the faintest hit still stands out.
 */
#ifndef NU_COLORMAP_H
#define NU_COLORMAP_H

#include <stdint.h>

enum nu_cmap { NU_CMAP_VIRIDIS, NU_CMAP_INFERNO, NU_CMAP_GREY, NU_NCMAPS };

/*
 * How values spread over the ramp.  Deposits in an event span two decades
 * (a track's cells are a fifth of a shower core's), so the square root,
 * which lifts the faint ones, is the usual choice for pictures.
 */
enum nu_cmap_stretch { NU_STRETCH_LINEAR, NU_STRETCH_SQRT, NU_STRETCH_LOG, NU_NSTRETCH };

/* "viridis", "inferno", "grey"; "unknown" for anything else (static). */
const char *nu_cmap_name(enum nu_cmap m);

/* The map a name spells ("gray" is accepted for "grey"); -1 if none. */
int nu_cmap_from_name(const char *name);

/* "linear", "sqrt", "log" (static; "unknown" otherwise) and back (-1). */
const char *nu_cmap_stretch_name(enum nu_cmap_stretch s);
int nu_cmap_stretch_from_name(const char *name);

/*
 * The map's 256 sRGB colours: ramp[0] is the background, ramp[1..255] run
 * from dark to light with CIE L* never decreasing (strictly increasing for
 * viridis and inferno).  Built once per process, on first use, by
 * whichever thread comes first (pthread_once); safe from any thread.
 */
void nu_cmap_ramp(enum nu_cmap m, uint8_t ramp[256][3]);

/*
 * Colours of the stored values 0..255 on a scale whose top is vmax
 * (clamped to 1..255): lut[0] is the background, values 1..vmax spread
 * over ramp[1..255], evenly in value, its square root or its logarithm as
 * stretch says (1 always at ramp[1], vmax at ramp[255]), and values above
 * vmax saturate at ramp[255].  Never decreasing in value.
 */
void nu_cmap_lut(enum nu_cmap m, int vmax, enum nu_cmap_stretch stretch,
    uint8_t lut[256][3]);

/*
 * The diverging map saliency is drawn in: lut[0] the most negative value
 * (blue), lut[255] the most positive (red), white between them (where
 * 127.5 would be), each half a straight line in sRGB from white to its
 * end, the ends of Moreland's cool-warm map.  Index k stands for the
 * value (k - 127.5) / 127.5 of the scale's top.
 */
void nu_cmap_diverging(uint8_t lut[256][3]);

/*
 * A colour tinted by a signed value u (clamped to [-1, 1]): base moved a
 * fraction |u| of the way (in sRGB) to the diverging map's blue end when u
 * is negative, to its red end when positive; u = 0 leaves base.  The
 * interactive program draws saliency over an event this way: the event's
 * own colour (grey) where the saliency is zero, so the hits still show.
 */
void nu_cmap_tint(const uint8_t base[3], double u, uint8_t out[3]);

/* A CIELAB colour (D65 white) as sRGB components in [0, 1], clamped: the
 * conversion every colour map of nuscope is designed through. */
void nu_lab_to_srgb(double l, double a, double b, double rgb[3]);

#endif
