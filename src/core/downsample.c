/* downsample.c: reduce a series to a few buckets without losing spikes.
 * Min and max a bucket, never a mean: one diverging step must show. */
#include "config.h"

#include <math.h>
#include <stdint.h>

#include "core/downsample.h"
#include "core/format.h"

static void bucket_fill(struct bucket *b, const double *y, size_t from,
			size_t to)
{
	size_t i;
	double v;
	int inf;

	b->min = b->max = b->last = NAN;
	b->nfinite = 0;
	b->flags = from == to ? BUCKET_EMPTY : 0;
	for (i = from; i < to; i++) {
		v = y[i];
		if (isnan(v)) {
			b->flags |= BUCKET_NAN;
			continue;
		}
		inf = value_is_inf(v);
		if (inf) {
			b->flags |= inf > 0 ? BUCKET_POSINF : BUCKET_NEGINF;
			continue;
		}
		if (b->nfinite == 0 || v < b->min)
			b->min = v;
		if (b->nfinite == 0 || v > b->max)
			b->max = v;
		b->last = v;
		b->nfinite++;
	}
}

size_t downsample(const double *y, size_t n, struct bucket *out, size_t nb)
{
	size_t i;

	if (n == 0 || nb == 0)
		return 0;
	if (nb > n)
		nb = n;
	/* Bucket i holds [i*n/nb, (i+1)*n/nb): sizes differ by at most one
	 * and, as nb <= n, none is empty. 64-bit products keep a million
	 * points times a wide terminal from overflowing. */
	for (i = 0; i < nb; i++)
		bucket_fill(&out[i], y, (size_t)((uint64_t)i * n / nb),
			    (size_t)((uint64_t)(i + 1) * n / nb));
	return nb;
}

int series_range(const double *y, size_t n, double *lo, double *hi)
{
	size_t i;
	int found = 0;

	*lo = *hi = 0;
	for (i = 0; i < n; i++) {
		if (isnan(y[i]) || value_is_inf(y[i]))
			continue;
		if (!found || y[i] < *lo)
			*lo = y[i];
		if (!found || y[i] > *hi)
			*hi = y[i];
		found = 1;
	}
	return found;
}
