/* widget_spark.c: a sparkline in a table cell or a detail row.
 * The glyphs come from core/spark.c; this only colours and places them. */
#include "config.h"

#include <curses.h>
#include <stdlib.h>

#include "core/spark.h"
#include "core/xmalloc.h"
#include "ui/draw.h"
#include "ui/widget.h"

void spark_draw(int y, int x, int w, const struct point *pts, size_t n,
		enum slot slot, int extra)
{
	double stackv[512], *vals = stackv;
	char out[1024];
	enum spark_cell kinds[256];
	const char *p = out;

	if (w <= 0)
		return;
	if (w > 256)
		w = 256;
	if (n > sizeof(stackv) / sizeof(stackv[0]))
		vals = xmalloc(n * sizeof(*vals));
	for (size_t i = 0; i < n; i++)
		vals[i] = pts[i].value;
	spark_render(vals, n, w, draw_unicode(), out, sizeof(out), kinds);
	if (vals != stackv)
		free(vals);
	/* One glyph a cell; each is coloured by its kind. */
	move(y, x);
	for (int c = 0; c < w && *p; c++) {
		const char *q = p + 1;
		char glyph[8];
		enum slot s = slot;

		while ((*q & 0xc0) == 0x80)
			q++;
		snprintf(glyph, sizeof(glyph), "%.*s", (int)(q - p), p);
		if (kinds[c] == SPARK_NAN)
			s = SLOT_SPARK_NAN;
		else if (kinds[c] == SPARK_INF)
			s = SLOT_SPARK_INF;
		attrset(theme_attr(s) | extra);
		addstr(glyph);
		p = q;
	}
	attrset(A_NORMAL);
}
