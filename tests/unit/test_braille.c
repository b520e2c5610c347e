/* test_braille.c: unit tests for the braille canvas.
 * Dot bits follow Unicode's layout; lines are Bresenham, clipped. */
#include "config.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "core/braille.h"
#include "tap.h"

/* Read pixel (x, y) back from the cell code points. */
static int pixel(const struct braille *b, int x, int y)
{
	static const unsigned int bit[4][2] = {
		{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 },
	};
	unsigned int cp = braille_cell(b, x / 2, y / 4);

	return cp && ((cp - 0x2800) & bit[y % 4][x % 2]) != 0;
}

static int count_pixels(const struct braille *b)
{
	int x, y, n = 0;

	for (y = 0; y < b->rows * 4; y++)
		for (x = 0; x < b->cols * 2; x++)
			n += pixel(b, x, y);
	return n;
}

/* A drawn line: both ends set, max(|dx|,|dy|)+1 pixels, each pixel but
 * the last with a set 8-neighbour closer to the far end. */
static int line_ok(struct braille *b, int x0, int y0, int x1, int y1)
{
	int n = abs(x1 - x0) > abs(y1 - y0) ? abs(x1 - x0) : abs(y1 - y0);
	int x, y, steps = 0;

	braille_clear(b);
	braille_line(b, x0, y0, x1, y1, 1);
	if (!pixel(b, x0, y0) || !pixel(b, x1, y1) ||
	    count_pixels(b) != n + 1)
		return 0;
	/* walk from (x0,y0) to (x1,y1) over set pixels */
	x = x0;
	y = y0;
	while ((x != x1 || y != y1) && steps++ <= n) {
		int sx = x1 > x ? 1 : x1 < x ? -1 : 0;
		int sy = y1 > y ? 1 : y1 < y ? -1 : 0;

		if (pixel(b, x + sx, y + sy)) {
			x += sx;
			y += sy;
		} else if (sx && pixel(b, x + sx, y)) {
			x += sx;
		} else if (sy && pixel(b, x, y + sy)) {
			y += sy;
		} else {
			return 0;
		}
	}
	return x == x1 && y == y1;
}

int main(void)
{
	static const unsigned int dot[4][2] = {
		{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 },
	};
	struct braille b;
	double xs[8], ys[8];
	int x, y, good, lines;

	braille_init(&b, 3, 2);
	ok(b.cols == 3 && b.rows == 2 && b.dots && b.colour, "init 3x2");
	good = 1;
	for (y = 0; y < 2; y++)
		for (x = 0; x < 3; x++)
			good &= braille_cell(&b, x, y) == 0;
	ok(good, "a new canvas is empty (cells are 0)");

	/* each of the 8 dots of a cell */
	good = 1;
	for (y = 0; y < 4; y++) {
		for (x = 0; x < 2; x++) {
			braille_clear(&b);
			braille_set(&b, 2 + x, 4 + y, 3);
			if (braille_cell(&b, 1, 1) != 0x2800 + dot[y][x] ||
			    braille_cell(&b, 0, 0) != 0)
				good = 0;
		}
	}
	ok(good, "dots 1-8 have bits 01 02 04 08 10 20 40 80 per Unicode");
	braille_clear(&b);
	braille_set(&b, 0, 0, 1);
	braille_set(&b, 1, 0, 2);
	is_int(braille_cell(&b, 0, 0), 0x2809, "dots 1 and 4: U+2809");
	is_int(b.colour[0], 2, "the last colour set wins");
	for (y = 0; y < 4; y++)
		for (x = 0; x < 2; x++)
			braille_set(&b, x, y, 1);
	is_int(braille_cell(&b, 0, 0), 0x28ff, "all 8 dots: U+28FF");

	/* out of range */
	braille_clear(&b);
	braille_set(&b, -1, 0, 1);
	braille_set(&b, 0, -1, 1);
	braille_set(&b, 6, 0, 1);
	braille_set(&b, 0, 8, 1);
	braille_set(&b, INT_MAX, INT_MIN, 1);
	is_int(count_pixels(&b), 0, "pixels off the canvas are ignored");
	ok(braille_cell(&b, -1, 0) == 0 && braille_cell(&b, 3, 0) == 0 &&
	   braille_cell(&b, 0, 2) == 0, "cells off the canvas read 0");
	braille_set(&b, 5, 7, 9);
	ok(braille_cell(&b, 2, 1) == 0x2880 && b.colour[5] == 9,
	   "the bottom-right pixel is dot 8 of the last cell");
	braille_clear(&b);
	ok(braille_cell(&b, 2, 1) == 0 && b.colour[5] == 0,
	   "clear empties dots and colours");

	/* lines */
	braille_line(&b, 0, 0, 5, 0, 1);
	ok(braille_cell(&b, 0, 0) == 0x2809 && braille_cell(&b, 1, 0) ==
	   0x2809 && braille_cell(&b, 2, 0) == 0x2809, "horizontal line");
	braille_clear(&b);
	braille_line(&b, 0, 0, 0, 7, 1);
	ok(braille_cell(&b, 0, 0) == 0x2847 && braille_cell(&b, 0, 1) ==
	   0x2847 && count_pixels(&b) == 8, "vertical line: dots 1 2 3 7");
	braille_clear(&b);
	braille_line(&b, 0, 0, 3, 3, 1);
	ok(braille_cell(&b, 0, 0) == 0x2811 && braille_cell(&b, 1, 0) ==
	   0x2884, "diagonal line");
	braille_clear(&b);
	braille_line(&b, 2, 5, 2, 5, 1);
	ok(count_pixels(&b) == 1 && pixel(&b, 2, 5),
	   "a 0-length line is a dot");
	braille_free(&b);

	braille_init(&b, 8, 4);         /* 16 x 16 pixels */
	good = 1;
	lines = 0;
	for (y = 0; y < 16; y += 3) {
		for (x = 0; x < 16; x += 2) {
			good &= line_ok(&b, x, y, 15 - y, x);
			good &= line_ok(&b, 15 - y, x, x, y);
			good &= line_ok(&b, 0, y, 15, x);
			good &= line_ok(&b, x, 0, y, 15);
			lines += 4;
		}
	}
	ok(good, "%d lines: connected, end to end, max(dx,dy)+1 pixels",
	   lines);

	/* clipping */
	braille_clear(&b);
	braille_line(&b, -100, -100, 100, 100, 1);
	good = count_pixels(&b) == 16;
	for (x = 0; x < 16; x++)
		good &= pixel(&b, x, x);
	ok(good, "a long diagonal is clipped to the canvas's diagonal");
	braille_clear(&b);
	braille_line(&b, INT_MIN, 3, INT_MAX, 3, 1);
	good = count_pixels(&b) == 16;
	for (x = 0; x < 16; x++)
		good &= pixel(&b, x, 3);
	ok(good, "INT_MIN..INT_MAX clips to one row");
	braille_clear(&b);
	braille_line(&b, -10, -10, -1, -5, 1);
	braille_line(&b, 20, 0, 40, 15, 1);
	braille_line(&b, INT_MIN, INT_MIN, INT_MIN, INT_MAX, 1);
	is_int(count_pixels(&b), 0, "lines off the canvas draw nothing");

	/* plotting: 16 x 16 pixels, x and y on [0, 15] map 1:1 */
	braille_clear(&b);
	xs[0] = 0, ys[0] = 0;
	xs[1] = 15, ys[1] = 15;
	braille_plot(&b, xs, ys, 2, 0, 15, 0, 15, 4);
	good = count_pixels(&b) == 16 && pixel(&b, 0, 15) && pixel(&b, 15, 0);
	for (x = 0; x < 16; x++)
		good &= pixel(&b, x, 15 - x);
	ok(good, "plot: y up, origin bottom-left, a full diagonal");
	is_int(b.colour[(size_t)3 * 8 + 0], 4, "plot colours its cells");

	braille_clear(&b);
	xs[0] = 0, ys[0] = 0;
	xs[1] = 3, ys[1] = NAN;
	xs[2] = 6, ys[2] = 0;
	xs[3] = 15, ys[3] = 0;
	xs[4] = 15, ys[4] = DBL_MAX;
	braille_plot(&b, xs, ys, 5, 0, 15, 0, 15, 1);
	good = pixel(&b, 0, 15) && !pixel(&b, 1, 15) && !pixel(&b, 5, 15);
	for (x = 6; x < 16; x++)
		good &= pixel(&b, x, 15);
	ok(good && count_pixels(&b) == 11,
	   "NaN breaks the line, the lone point is a dot, DBL_MAX skipped");

	braille_clear(&b);
	xs[0] = 0, ys[0] = -1e308;
	xs[1] = 15, ys[1] = 1e308;
	xs[2] = INFINITY, ys[2] = 1;
	xs[3] = 7, ys[3] = INFINITY;
	braille_plot(&b, xs, ys, 4, 0, 15, 0, 15, 1);
	good = count_pixels(&b) > 0;
	for (y = 0; y < 16; y++) {
		int row = 0;

		for (x = 0; x < 16; x++)
			row += pixel(&b, x, y);
		good &= row >= 1;
	}
	ok(good, "a line through huge values is clipped, crossing every row");

	braille_clear(&b);
	xs[0] = 5, ys[0] = 2;
	braille_plot(&b, xs, ys, 1, 5, 5, 2, 2, 1);
	ok(count_pixels(&b) == 1 && pixel(&b, 8, 8),
	   "an empty range puts a single point mid-canvas");
	braille_clear(&b);
	xs[0] = -1.5e308, ys[0] = -1.5e308;
	xs[1] = 1.5e308, ys[1] = 1.5e308;
	braille_plot(&b, xs, ys, 2, -1.5e308, 1.5e308, -1.5e308, 1.5e308, 1);
	good = count_pixels(&b) == 16;
	for (x = 0; x < 16; x++)
		good &= pixel(&b, x, 15 - x);
	ok(good, "a range of -1.5e308..1.5e308 (wider than DBL_MAX) scales");
	braille_clear(&b);
	xs[0] = 0, ys[0] = 0;
	xs[1] = 1, ys[1] = 1;
	braille_plot(&b, xs, ys, 2, 0, 1, NAN, 1, 1);
	is_int(count_pixels(&b), 0, "a NaN range plots nothing, safely");
	braille_free(&b);
	ok(b.dots == NULL && b.cols == 0, "free resets the canvas");

	braille_init(&b, 0, 0);
	braille_set(&b, 0, 0, 1);
	braille_line(&b, 0, 0, 5, 5, 1);
	braille_plot(&b, xs, ys, 2, 0, 1, 0, 1, 1);
	braille_clear(&b);
	ok(braille_cell(&b, 0, 0) == 0, "a 0x0 canvas takes every call");
	braille_free(&b);
	braille_init(&b, -2, 5);
	ok(b.cols == 0 && b.rows == 0, "a negative size is 0x0");
	braille_free(&b);
	return done_testing();
}
