/* test_spark.c: unit tests for spark_render.
 * A spike in a long series must show; non-finite values must not scale. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/spark.h"
#include "tap.h"

#define L1 "\xe2\x96\x81"
#define L2 "\xe2\x96\x82"
#define L3 "\xe2\x96\x83"
#define L4 "\xe2\x96\x84"
#define L5 "\xe2\x96\x85"
#define L6 "\xe2\x96\x86"
#define L7 "\xe2\x96\x87"
#define L8 "\xe2\x96\x88"
#define TIMES "\xc3\x97"

static void spark_is(const double *y, size_t n, int width, bool unicode,
		     const char *want, const char *name)
{
	char out[512];
	int cells = spark_render(y, n, width, unicode, out, sizeof(out),
				 NULL);

	is_str(out, want, "%s", name);
	is_int(cells, width, "%s: cells", name);
}

/* Level 0..7 of the unicode cell at byte offset 3*i, -1 if not a bar. */
static int level_at(const char *s, int i)
{
	const unsigned char *p = (const unsigned char *)s + 3 * i;

	if (p[0] != 0xe2 || p[1] != 0x96 || p[2] < 0x81 || p[2] > 0x88)
		return -1;
	return p[2] - 0x81;
}

int main(void)
{
	double y[16], *big;
	char out[512];
	enum spark_cell k[16];
	int cells, i, good;

	/* the ramps */
	for (i = 0; i < 8; i++)
		y[i] = i;
	spark_is(y, 8, 8, true, L1 L2 L3 L4 L5 L6 L7 L8, "unicode ramp");
	spark_is(y, 8, 8, false, "_.:-=+*#", "ASCII ramp");

	/* flat, short and empty series */
	y[0] = y[1] = y[2] = 5;
	spark_is(y, 3, 3, true, L4 L4 L4, "flat series draws at mid height");
	spark_is(y, 3, 3, false, "---", "flat series in ASCII");
	y[0] = 0;
	y[1] = 1;
	cells = spark_render(y, 2, 5, true, out, sizeof(out), k);
	is_str(out, "   " L1 L8, "short series is right-aligned");
	ok(cells == 5 && k[0] == SPARK_BLANK && k[2] == SPARK_BLANK &&
	   k[3] == SPARK_VALUE && k[4] == SPARK_VALUE,
	   "blank cells on the left, values on the right");
	cells = spark_render(y, 0, 4, true, out, sizeof(out), k);
	ok(cells == 4 && !strcmp(out, "    ") && k[0] == SPARK_BLANK &&
	   k[3] == SPARK_BLANK, "no points: all blank");
	cells = spark_render(NULL, 5, 2, true, out, sizeof(out), k);
	ok(cells == 2 && !strcmp(out, "  "), "NULL series: blank");
	cells = spark_render(y, 2, 0, true, out, sizeof(out), k);
	ok(cells == 0 && out[0] == '\0', "width 0 draws nothing");

	/* non-finite buckets */
	y[0] = 0;
	y[1] = NAN;
	y[2] = 1;
	cells = spark_render(y, 3, 3, true, out, sizeof(out), k);
	is_str(out, L1 TIMES L8, "NaN-only bucket is a multiplication sign");
	ok(k[0] == SPARK_VALUE && k[1] == SPARK_NAN && k[2] == SPARK_VALUE,
	   "and its kind is SPARK_NAN");
	spark_is(y, 3, 3, false, "_?#", "NaN-only bucket in ASCII is ?");
	y[0] = 0;
	y[1] = INFINITY;
	y[2] = -INFINITY;
	y[3] = DBL_MAX;
	y[4] = -DBL_MAX;
	y[5] = 1;
	cells = spark_render(y, 6, 6, true, out, sizeof(out), k);
	is_str(out, L1 "^v^v" L8, "+Inf is ^, -Inf is v, DBL_MAX is +Inf");
	ok(k[1] == SPARK_INF && k[2] == SPARK_INF && k[3] == SPARK_INF &&
	   k[4] == SPARK_INF, "their kind is SPARK_INF");
	y[0] = NAN;
	y[1] = INFINITY;
	y[2] = 2;
	y[3] = 3;
	spark_is(y, 4, 2, true, "^" L1, "a bucket with NaN and +Inf shows ^");

	/* non-finite values never set the scale */
	y[0] = 0;
	y[1] = 0.5;
	y[2] = 1;
	y[3] = DBL_MAX;
	y[4] = -INFINITY;
	spark_is(y, 5, 5, true, L1 L5 L8 "^v",
		 "0, 0.5, 1 scale as if Inf were absent");
	y[0] = 3;
	y[1] = NAN;
	spark_is(y, 2, 2, true, L4 TIMES, "one finite value: mid height");
	y[0] = NAN;
	spark_is(y, 1, 1, false, "?", "only NaN");

	/* a single spike among 10,000 points shows at width 10 */
	big = calloc(10000, sizeof(*big));
	if (!big)
		return tap_bail("out of memory");
	big[4321] = 1;
	spark_is(big, 10000, 10, true, L1 L1 L1 L1 L8 L1 L1 L1 L1 L1,
		 "an upward spike at 4321 of 10,000");
	big[4321] = 0;
	big[0] = 1;
	spark_is(big, 10000, 10, true, L8 L1 L1 L1 L1 L1 L1 L1 L1 L1,
		 "a spike at the first point");
	big[0] = 0;
	big[9999] = 1;
	spark_is(big, 10000, 10, false, "_________#",
		 "a spike at the last point (ASCII)");
	for (i = 0; i < 10000; i++)
		big[i] = 1;
	big[6543] = 0;
	spark_is(big, 10000, 10, true, L8 L8 L8 L8 L8 L8 L1 L8 L8 L8,
		 "a downward spike at 6543");
	big[6543] = 1;
	big[0] = 0;
	spark_is(big, 10000, 10, true, L1 L8 L8 L8 L8 L8 L8 L8 L8 L8,
		 "a downward spike at the first point");
	/* noise in [0, 0.1] with one divergence */
	for (i = 0; i < 10000; i++)
		big[i] = 0.05 + 0.05 * sin(i * 0.7);
	big[8888] = 1;
	big[1111] = NAN;
	spark_render(big, 10000, 10, true, out, sizeof(out), k);
	good = level_at(out, 8) == 7;
	for (i = 0; i < 10; i++)
		if (i != 8 && level_at(out, i) != 0)
			good = 0;
	ok(good, "a divergence in noise shows, the NaN does not hide it");
	ok(k[1] == SPARK_VALUE, "a bucket with a NaN and values is a value");

	/* a falling loss curve falls; a rising one rises */
	for (i = 0; i < 10000; i++)
		big[i] = 1.0 / (1 + i * 0.01);
	spark_render(big, 10000, 10, true, out, sizeof(out), NULL);
	good = level_at(out, 0) == 7 && level_at(out, 9) == 0;
	for (i = 1; i < 10; i++)
		if (level_at(out, i) > level_at(out, i - 1))
			good = 0;
	ok(good, "a falling curve starts full and never rises");
	for (i = 0; i < 10000; i++)
		big[i] = 1 - 1.0 / (1 + i * 0.01);
	spark_render(big, 10000, 10, true, out, sizeof(out), NULL);
	good = level_at(out, 0) == 0 && level_at(out, 9) == 7;
	for (i = 1; i < 10; i++)
		if (level_at(out, i) < level_at(out, i - 1))
			good = 0;
	ok(good, "a rising curve starts low and never falls");
	free(big);

	/* output size: 3 bytes a cell plus NUL; less stops early */
	for (i = 0; i < 5; i++)
		y[i] = i;
	cells = spark_render(y, 5, 5, true, out, 16, k);
	ok(cells == 5 && strlen(out) == 15, "5 cells in 16 bytes");
	cells = spark_render(y, 5, 5, true, out, 7, k);
	ok(cells == 2 && strlen(out) == 6 && k[2] == SPARK_BLANK &&
	   k[4] == SPARK_BLANK, "7 bytes hold 2 cells; the rest are blank");
	return done_testing();
}
