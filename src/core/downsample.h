/* downsample.h: reduce a series to a few buckets without losing spikes.
 * Each bucket keeps its minimum and maximum; NaN and Inf are counted, not
 * folded into the scale. */
#ifndef MLTOP_DOWNSAMPLE_H
#define MLTOP_DOWNSAMPLE_H

#include <stddef.h>

enum bucket_flag {
	BUCKET_EMPTY = 1,   /* no point fell in this bucket */
	BUCKET_NAN = 2,     /* at least one NaN */
	BUCKET_POSINF = 4,  /* at least one +Inf (or +DBL_MAX) */
	BUCKET_NEGINF = 8,  /* at least one -Inf (or -DBL_MAX) */
};

struct bucket {
	double min, max;    /* over finite values only; NaN if nfinite == 0 */
	double last;        /* last finite value in the bucket (or NaN) */
	int nfinite;        /* finite values in the bucket */
	int flags;          /* enum bucket_flag */
};

/* Split y[0..n) by index into nb equal buckets (nb <= n: each bucket gets
 * >= 1 point; nb > n: first n buckets get one point each and the function
 * returns n). Returns the number of buckets filled. */
size_t downsample(const double *y, size_t n, struct bucket *out, size_t nb);

/* Finite range of the whole series; returns 0 when there is no finite
 * value (then *lo = *hi = 0). */
int series_range(const double *y, size_t n, double *lo, double *hi);

#endif
