/* spark.h: sparklines as text.
 * Block glyphs U+2581..U+2588 under UTF-8, the ASCII ramp "_.:-=+*#"
 * (lowest to highest) otherwise. */
#ifndef MLTOP_SPARK_H
#define MLTOP_SPARK_H

#include <stdbool.h>
#include <stddef.h>

/* Kinds of cell, so the caller can colour them. */
enum spark_cell {
	SPARK_VALUE,   /* a normal level glyph */
	SPARK_NAN,     /* bucket holds NaN only (glyph U+00D7 / "?" ASCII) */
	SPARK_INF,     /* bucket holds +/-Inf only (glyph "^" or "v"; "^" if
			* both, and either wins over NaN) */
	SPARK_BLANK,   /* no data */
};

/* Render all of y[0..n), downsampled into `width` buckets, into out
 * (UTF-8, NUL terminated; outsz >= width*3+1) and, when kinds is not NULL,
 * the kind of each cell into kinds[0..width). The series is downsampled
 * with downsample(); a bucket is drawn at its max when the max deviates
 * more than its min from the previous bucket's last value (for the first
 * bucket, from its own last value), else at its min, so a spike up or
 * down is never averaged away. Levels split the series' finite range into
 * 8 equal bands. Non-finite values never change the scale. A flat series
 * draws at mid height (U+2584 / "-"). Fewer points than width:
 * right-aligned, left cells blank. Returns cells drawn (== width; fewer
 * only when outsz is too small, and the missing cells' kinds are
 * SPARK_BLANK). */
int spark_render(const double *y, size_t n, int width, bool unicode,
		 char *out, size_t outsz, enum spark_cell *kinds);

#endif
