/* braille.c: a pixel canvas drawn with braille cells (2x4 dots a cell).
 * Lines are clipped to the canvas before Bresenham walks them. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/braille.h"
#include "core/format.h"
#include "core/xmalloc.h"

/* Unicode braille: dots 1-2-3-7 down the left column, 4-5-6-8 down the
 * right, bit k-1 for dot k. */
static const uint8_t dot_bit[4][2] = {
	{ 0x01, 0x08 },
	{ 0x02, 0x10 },
	{ 0x04, 0x20 },
	{ 0x40, 0x80 },
};

void braille_init(struct braille *b, int cols, int rows)
{
	size_t n;

	if (cols < 0 || rows < 0)
		cols = rows = 0;
	b->cols = cols;
	b->rows = rows;
	n = (size_t)cols * (size_t)rows;
	b->dots = xcalloc(n, 1);
	b->colour = xcalloc(n, 1);
}

void braille_free(struct braille *b)
{
	free(b->dots);
	free(b->colour);
	b->dots = b->colour = NULL;
	b->cols = b->rows = 0;
}

void braille_clear(struct braille *b)
{
	size_t n = (size_t)b->cols * (size_t)b->rows;

	if (n) {
		memset(b->dots, 0, n);
		memset(b->colour, 0, n);
	}
}

void braille_set(struct braille *b, int x, int y, uint8_t colour)
{
	size_t i;

	if (x < 0 || y < 0 || x >= b->cols * 2 || y >= b->rows * 4)
		return;
	i = (size_t)(y / 4) * (size_t)b->cols + (size_t)(x / 2);
	b->dots[i] |= dot_bit[y % 4][x % 2];
	b->colour[i] = colour;
}

unsigned int braille_cell(const struct braille *b, int c, int r)
{
	uint8_t m;

	if (c < 0 || r < 0 || c >= b->cols || r >= b->rows)
		return 0;
	m = b->dots[(size_t)r * (size_t)b->cols + (size_t)c];
	return m ? 0x2800u + m : 0;
}

enum { OUT_LEFT = 1, OUT_RIGHT = 2, OUT_TOP = 4, OUT_BOTTOM = 8 };

static int outcode(double x, double y, double xmax, double ymax)
{
	return (x < 0 ? OUT_LEFT : x > xmax ? OUT_RIGHT : 0) |
	       (y < 0 ? OUT_TOP : y > ymax ? OUT_BOTTOM : 0);
}

/* Cohen-Sutherland: clip (x0,y0)-(x1,y1) to [0,xmax] x [0,ymax]. Returns 0
 * when nothing of the segment is on the canvas. An end is moved by solving
 * for the boundary crossing with a ratio in [0,1], so ends near DBL_MAX
 * neither overflow nor swamp the canvas-sized answer. */
static int clip(double *x0, double *y0, double *x1, double *y1, double xmax,
		double ymax)
{
	int c0 = outcode(*x0, *y0, xmax, ymax);
	int c1 = outcode(*x1, *y1, xmax, ymax);
	int i, c;
	double x, y;

	for (i = 0; i < 8; i++) {
		if (!(c0 | c1))
			return 1;
		if (c0 & c1)
			return 0;
		c = c0 ? c0 : c1;
		if (c & (OUT_TOP | OUT_BOTTOM)) {
			y = c & OUT_TOP ? 0 : ymax;
			x = *x0 + (*x1 - *x0) * ((y - *y0) / (*y1 - *y0));
		} else {
			x = c & OUT_LEFT ? 0 : xmax;
			y = *y0 + (*y1 - *y0) * ((x - *x0) / (*x1 - *x0));
		}
		if (c == c0) {
			*x0 = x;
			*y0 = y;
			c0 = outcode(x, y, xmax, ymax);
		} else {
			*x1 = x;
			*y1 = y;
			c1 = outcode(x, y, xmax, ymax);
		}
	}
	return !(c0 | c1);
}

static void bresenham(struct braille *b, int x0, int y0, int x1, int y1,
		      uint8_t colour)
{
	int dx = abs(x1 - x0), dy = -abs(y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
	int err = dx + dy, e2;

	for (;;) {
		braille_set(b, x0, y0, colour);
		if (x0 == x1 && y0 == y1)
			break;
		e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

/* Draw a segment given in pixel coordinates of any size: the part on
 * the canvas is rounded to pixels and walked. */
static void line_d(struct braille *b, double x0, double y0, double x1,
		   double y1, uint8_t colour)
{
	if (b->cols <= 0 || b->rows <= 0 || !isfinite(x0) || !isfinite(y0) ||
	    !isfinite(x1) || !isfinite(y1))
		return;
	/* Ends near +/-DBL_MAX overflow the differences clip() needs;
	 * halves of the segment do not. */
	if (!isfinite(x1 - x0) || !isfinite(y1 - y0)) {
		double mx = x0 / 2 + x1 / 2, my = y0 / 2 + y1 / 2;

		line_d(b, x0, y0, mx, my, colour);
		line_d(b, mx, my, x1, y1, colour);
		return;
	}
	if (!clip(&x0, &y0, &x1, &y1, b->cols * 2.0 - 1, b->rows * 4.0 - 1))
		return;
	bresenham(b, (int)lround(x0), (int)lround(y0), (int)lround(x1),
		  (int)lround(y1), colour);
}

void braille_line(struct braille *b, int x0, int y0, int x1, int y1,
		  uint8_t colour)
{
	int w = b->cols * 2, h = b->rows * 4;

	/* On-canvas lines take the exact integer path; only lines that
	 * leave the canvas (and could overflow int arithmetic) are clipped. */
	if (x0 >= 0 && x0 < w && x1 >= 0 && x1 < w && y0 >= 0 && y0 < h &&
	    y1 >= 0 && y1 < h)
		bresenham(b, x0, y0, x1, y1, colour);
	else
		line_d(b, x0, y0, x1, y1, colour);
}

static int point_ok(double x, double y)
{
	return !isnan(x) && !isnan(y) && !value_is_inf(x) && !value_is_inf(y);
}

/* v on [lo, hi] mapped to [0, span]. An empty range puts everything in
 * the middle; one as wide as -DBL_MAX..DBL_MAX is worked in halves so
 * hi - lo does not overflow. */
static double scale(double v, double lo, double hi, double span)
{
	if (hi == lo)
		return span / 2;
	if (!isfinite(hi - lo))
		return (v / 2 - lo / 2) / (hi / 2 - lo / 2) * span;
	return (v - lo) / (hi - lo) * span;
}

void braille_plot(struct braille *b, const double *x, const double *y,
		  size_t n, double xlo, double xhi, double ylo, double yhi,
		  uint8_t colour)
{
	double w = b->cols * 2.0 - 1, h = b->rows * 4.0 - 1;
	double px, py, lx = 0, ly = 0;
	int have_last = 0, alone = 0;
	size_t i;

	if (b->cols <= 0 || b->rows <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (!point_ok(x[i], y[i])) {
			if (alone)
				line_d(b, lx, ly, lx, ly, colour);
			have_last = alone = 0;
			continue;
		}
		px = scale(x[i], xlo, xhi, w);
		py = h - scale(y[i], ylo, yhi, h);
		if (!isfinite(px) || !isfinite(py)) {
			if (alone)
				line_d(b, lx, ly, lx, ly, colour);
			have_last = alone = 0;
			continue;
		}
		if (have_last) {
			line_d(b, lx, ly, px, py, colour);
			alone = 0;
		} else {
			alone = 1;
		}
		lx = px;
		ly = py;
		have_last = 1;
	}
	if (alone)
		line_d(b, lx, ly, lx, ly, colour);
}
