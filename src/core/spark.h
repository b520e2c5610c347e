/* spark.h: sparklines as text.
 * Block glyphs U+2581..U+2588 under UTF-8, an ASCII ramp otherwise. */
#ifndef MLTOP_SPARK_H
#define MLTOP_SPARK_H

#include <stdbool.h>
#include <stddef.h>

/* Kinds of cell, so the caller can colour them. */
enum spark_cell {
	SPARK_VALUE,   /* a normal level glyph */
	SPARK_NAN,     /* bucket holds NaN only (glyph "!" / "?" ASCII) */
	SPARK_INF,     /* bucket holds +/-Inf only (glyph "^" or "v") */
	SPARK_BLANK,   /* no data */
};

/* Render the last `width` buckets of y[0..n) into out (UTF-8, NUL
 * terminated; outsz >= width*3+1) and, when kinds is not NULL, the kind of
 * each cell into kinds[0..width). The series is downsampled with
 * downsample() so each bucket's max picks the glyph height when the
 * bucket's max deviates more from the previous level than its min does
 * (a spike up or down is never averaged away). Non-finite values never
 * change the scale. A flat series draws at mid height. Fewer points than
 * width: right-aligned, left cells blank. Returns cells drawn (== width). */
int spark_render(const double *y, size_t n, int width, bool unicode,
		 char *out, size_t outsz, enum spark_cell *kinds);

#endif
