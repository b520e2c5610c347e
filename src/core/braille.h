/* braille.h: a pixel canvas drawn with braille cells (2x4 dots a cell).
 * Pure: the widget copies cells to the screen. */
#ifndef MLTOP_BRAILLE_H
#define MLTOP_BRAILLE_H

#include <stddef.h>
#include <stdint.h>

struct braille {
	int cols, rows;          /* size in cells */
	uint8_t *dots;           /* cols*rows dot masks, owned */
	uint8_t *colour;         /* cols*rows colour index a cell, owned */
};

void braille_init(struct braille *b, int cols, int rows);
void braille_free(struct braille *b);
void braille_clear(struct braille *b);
/* Pixel (x, y): 0 <= x < cols*2, 0 <= y < rows*4, y = 0 at the top.
 * Out of range is ignored. colour is stored for the cell (last wins).
 * Dot bits are Unicode's: (0,0)=0x01 (0,1)=0x02 (0,2)=0x04 (1,0)=0x08
 * (1,1)=0x10 (1,2)=0x20 (0,3)=0x40 (1,3)=0x80. */
void braille_set(struct braille *b, int x, int y, uint8_t colour);
/* Bresenham; ends may lie anywhere (INT_MIN..INT_MAX): the line is
 * clipped to the canvas first. */
void braille_line(struct braille *b, int x0, int y0, int x1, int y1,
		  uint8_t colour);
/* The code point of cell (c, r): U+2800 + mask, or 0 when empty. */
unsigned int braille_cell(const struct braille *b, int c, int r);

/* Plot series (x[i], y[i]) scaled to [xlo,xhi] x [ylo,yhi] as connected
 * lines; NaN/Inf (and +/-DBL_MAX) points break the line and are skipped.
 * xlo maps to the left pixel column, ylo to the bottom pixel row; an
 * empty range (lo == hi) maps to the middle. A point alone between breaks
 * is one dot. Points outside the ranges are clipped, not clamped. */
void braille_plot(struct braille *b, const double *x, const double *y,
		  size_t n, double xlo, double xhi, double ylo, double yhi,
		  uint8_t colour);

#endif
