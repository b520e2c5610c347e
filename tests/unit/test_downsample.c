/* test_downsample.c: unit tests for downsample() and series_range().
 * Buckets must cover every point once and keep every extreme. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "core/downsample.h"
#include "tap.h"

int main(void)
{
	struct bucket b[16];
	double y[16], lo, hi, *big;
	size_t n, i, nb, got, sum;
	int good;

	/* degenerate calls */
	y[0] = 1;
	is_int(downsample(y, 0, b, 4), 0, "no points, no buckets");
	is_int(downsample(y, 1, b, 0), 0, "no buckets asked for");

	/* even split */
	for (i = 0; i < 10; i++)
		y[i] = (double)(i % 2 ? 10 - i : i);  /* 0 9 2 7 4 5 6 3 8 1 */
	got = downsample(y, 10, b, 5);
	is_int(got, 5, "10 points in 5 buckets");
	ok(b[0].min == 0 && b[0].max == 9 && b[0].last == 9 &&
	   b[0].nfinite == 2 && b[0].flags == 0, "bucket 0 holds 0 and 9");
	ok(b[4].min == 1 && b[4].max == 8 && b[4].last == 1 &&
	   b[4].nfinite == 2, "bucket 4 holds 8 and 1, last 1");

	/* uneven split: 0..3, 3..6, 6..10 */
	got = downsample(y, 10, b, 3);
	is_int(got, 3, "10 points in 3 buckets");
	is_int(b[0].nfinite, 3, "bucket 0 has 3 points");
	is_int(b[1].nfinite, 3, "bucket 1 has 3 points");
	is_int(b[2].nfinite, 4, "bucket 2 has 4 points");
	ok(b[2].min == 1 && b[2].max == 8 && b[2].last == 1,
	   "bucket 2 min 1 max 8 last 1");

	/* more buckets than points */
	got = downsample(y, 3, b, 10);
	is_int(got, 3, "3 points, 10 buckets asked: 3 filled");
	ok(b[0].min == 0 && b[1].max == 9 && b[2].last == 2 &&
	   b[2].nfinite == 1, "one point a bucket");

	/* non-finite values are flagged, not folded */
	y[0] = 1;
	y[1] = NAN;
	y[2] = INFINITY;
	y[3] = -INFINITY;
	y[4] = DBL_MAX;
	y[5] = -DBL_MAX;
	y[6] = 2;
	y[7] = NAN;
	got = downsample(y, 8, b, 1);
	is_int(got, 1, "one bucket");
	ok(b[0].min == 1 && b[0].max == 2 && b[0].nfinite == 2,
	   "min/max over finite values only");
	is_int(b[0].last, 2, "last is the last finite value, not the NaN");
	is_int(b[0].flags, BUCKET_NAN | BUCKET_POSINF | BUCKET_NEGINF,
	       "NaN, +Inf and -Inf flagged");

	y[0] = NAN;
	y[1] = NAN;
	y[2] = DBL_MAX;
	y[3] = 5;
	got = downsample(y, 4, b, 2);
	ok(b[0].nfinite == 0 && isnan(b[0].min) && isnan(b[0].max) &&
	   isnan(b[0].last), "an all-NaN bucket has NaN min/max/last");
	is_int(b[0].flags, BUCKET_NAN, "and only the NaN flag");
	is_int(b[1].flags, BUCKET_POSINF, "DBL_MAX counts as +Inf");
	ok(b[1].min == 5 && b[1].max == 5 && b[1].nfinite == 1,
	   "beside it the finite 5");

	/* a single spike in 10,000 points survives at every width */
	big = calloc(3000000, sizeof(*big));
	if (!big)
		return tap_bail("out of memory");
	big[7777] = 100;
	big[2222] = -50;
	good = 1;
	for (nb = 1; nb <= 16; nb++) {
		double mx = -1, mn = 1;

		got = downsample(big, 10000, b, nb);
		for (i = 0; i < got; i++) {
			if (b[i].max > mx)
				mx = b[i].max;
			if (b[i].min < mn)
				mn = b[i].min;
		}
		if (got != nb || mx != 100 || mn != -50)
			good = 0;
	}
	ok(good, "a +100 and a -50 spike in 10,000 points show at 1..16");
	got = downsample(big, 10000, b, 10);
	ok(b[7].max == 100 && b[2].min == -50 && b[0].max == 0 &&
	   b[9].min == 0, "the spikes land in buckets 7 and 2");

	/* every point is in exactly one bucket, none is empty */
	good = 1;
	for (n = 1; n <= 200; n++) {
		for (nb = 1; nb <= 16; nb++) {
			for (i = 0; i < n; i++)
				big[i] = (double)i;
			got = downsample(big, n, b, nb);
			sum = 0;
			for (i = 0; i < got; i++) {
				sum += (size_t)b[i].nfinite;
				if (b[i].nfinite < 1 || b[i].flags)
					good = 0;
				/* consecutive and in order */
				if (i > 0 && b[i].min != b[i - 1].max + 1)
					good = 0;
			}
			if (got != (nb < n ? nb : n) || sum != n ||
			    b[0].min != 0 || b[got - 1].max != (double)(n - 1))
				good = 0;
		}
	}
	ok(good, "n 1..200 x nb 1..16: each point once, in order");

	/* a long series: sizes stay within one of each other */
	for (i = 0; i < 3000000; i++)
		big[i] = 1;
	got = downsample(big, 3000000, b, 16);
	good = got == 16;
	for (i = 0; i < got; i++)
		if (b[i].nfinite != 187500)
			good = 0;
	ok(good, "3,000,000 points in 16 buckets of 187,500");
	free(big);

	/* series_range */
	y[0] = NAN;
	y[1] = INFINITY;
	y[2] = 3;
	y[3] = -2;
	y[4] = DBL_MAX;
	y[5] = 5;
	y[6] = -DBL_MAX;
	is_int(series_range(y, 7, &lo, &hi), 1, "range found");
	ok(lo == -2 && hi == 5, "range -2..5 ignores NaN, Inf, DBL_MAX");
	y[0] = NAN;
	y[1] = -INFINITY;
	lo = hi = 7;
	is_int(series_range(y, 2, &lo, &hi), 0, "no finite value: 0");
	ok(lo == 0 && hi == 0, "and lo = hi = 0");
	is_int(series_range(y, 0, &lo, &hi), 0, "empty series: 0");
	y[0] = 4;
	series_range(y, 1, &lo, &hi);
	ok(lo == 4 && hi == 4, "one point: lo = hi = 4");
	return done_testing();
}
