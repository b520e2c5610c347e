/* spark.c: sparklines as text.
 * One cell a bucket; the level comes from the bucket's extreme value. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/downsample.h"
#include "core/spark.h"
#include "core/xmalloc.h"

#define SPARK_LEVELS 8

static const char *const spark_utf8[SPARK_LEVELS] = {
	"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
static const char spark_ascii[SPARK_LEVELS + 1] = "_.:-=+*#";

static int spark_level(double v, double lo, double hi)
{
	double f;
	int l;

	if (!(hi > lo))
		return SPARK_LEVELS / 2 - 1;
	f = (v - lo) / (hi - lo);
	l = (int)floor(f * SPARK_LEVELS);
	if (l < 0)
		l = 0;
	if (l > SPARK_LEVELS - 1)
		l = SPARK_LEVELS - 1;
	return l;
}

/* The value a bucket is drawn at: whichever of its min and max lies
 * farther from where the line was (the previous bucket's last value, or
 * this bucket's own last value for the first one), so a lone spike up or
 * down always wins over the values around it. */
static double bucket_pick(const struct bucket *b, double prev)
{
	if (isnan(prev))
		prev = b->last;
	return fabs(b->max - prev) >= fabs(b->min - prev) ? b->max : b->min;
}

static int cell_put(char *out, size_t outsz, size_t *len, const char *g)
{
	size_t k = strlen(g);

	if (*len + k + 1 > outsz)
		return 0;
	memcpy(out + *len, g, k);
	*len += k;
	out[*len] = '\0';
	return 1;
}

int spark_render(const double *y, size_t n, int width, bool unicode,
		 char *out, size_t outsz, enum spark_cell *kinds)
{
	struct bucket *bk;
	size_t nb, len = 0, i;
	double lo, hi, prev = NAN;
	int cell = 0, blank;
	enum spark_cell kind;
	const char *g;
	char ascii[2] = { 0, 0 };

	if (outsz > 0)
		out[0] = '\0';
	if (width <= 0 || outsz == 0)
		return 0;
	if (!y)
		n = 0;
	bk = xmalloc((size_t)width * sizeof(*bk));
	nb = downsample(y, n, bk, (size_t)width);
	series_range(y, n, &lo, &hi);
	blank = width - (int)nb;
	for (cell = 0; cell < width; cell++) {
		if (cell < blank) {
			kind = SPARK_BLANK;
			g = " ";
		} else {
			const struct bucket *b = &bk[cell - blank];

			if (b->nfinite > 0) {
				int l = spark_level(bucket_pick(b, prev), lo,
						    hi);

				kind = SPARK_VALUE;
				ascii[0] = spark_ascii[l];
				g = unicode ? spark_utf8[l] : ascii;
				prev = b->last;
			} else if (b->flags & BUCKET_POSINF) {
				kind = SPARK_INF;
				g = "^";
			} else if (b->flags & BUCKET_NEGINF) {
				kind = SPARK_INF;
				g = "v";
			} else if (b->flags & BUCKET_NAN) {
				kind = SPARK_NAN;
				g = unicode ? "\xc3\x97" : "?";
			} else {
				kind = SPARK_BLANK;
				g = " ";
			}
		}
		if (!cell_put(out, outsz, &len, g))
			break;
		if (kinds)
			kinds[cell] = kind;
	}
	/* A short buffer ends the line early; the kinds past it say so. */
	for (i = (size_t)cell; kinds && i < (size_t)width; i++)
		kinds[i] = SPARK_BLANK;
	free(bk);
	return cell;
}
