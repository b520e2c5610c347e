/* widget_chart.c: a braille line chart of one metric, filling its pane.
 * Y labels on the left, steps below; NaN and Inf break the line. */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdlib.h>

#include "core/braille.h"
#include "core/format.h"
#include "core/xmalloc.h"
#include "ui/draw.h"
#include "ui/widget.h"

#define YLABEL 9

static double tr(double v, bool log_y)
{
	if (!isfinite(v) || value_is_inf(v))
		return NAN;
	if (log_y)
		return v > 0 ? log10(v) : NAN;
	return v;
}

void chart_draw(int y, int x, int h, int w, const struct point *pts,
		size_t n, bool log_y, const char *title)
{
	struct braille b;
	double *xs, *ys, lo = INFINITY, hi = -INFINITY;
	double xlo, xhi;
	int cols = w - YLABEL - 1, rows = h - 2;
	char buf[64];
	size_t nan = 0, inf = 0;

	for (int r = 0; r < h; r++)
		draw_fill(y + r, x, w, SLOT_DEFAULT, 0);
	draw_text(y, x, w, title, SLOT_LABEL, A_BOLD, ALIGN_LEFT);
	if (cols < 4 || rows < 2)
		return;
	if (n == 0) {
		draw_text(y + 1 + rows / 2, x + YLABEL + 1, cols, "no points",
			  SLOT_DIM, 0, ALIGN_LEFT);
		return;
	}
	xs = xmalloc(n * sizeof(*xs));
	ys = xmalloc(n * sizeof(*ys));
	for (size_t i = 0; i < n; i++) {
		xs[i] = (double)pts[i].step;
		ys[i] = tr(pts[i].value, log_y);
		if (isnan(pts[i].value))
			nan++;
		else if (value_is_inf(pts[i].value))
			inf++;
		if (!isnan(ys[i])) {
			lo = ys[i] < lo ? ys[i] : lo;
			hi = ys[i] > hi ? ys[i] : hi;
		}
	}
	xlo = xs[0];
	xhi = xs[n - 1];
	if (xhi <= xlo)
		xhi = xlo + 1;
	if (!(hi >= lo)) {
		lo = 0;
		hi = 1;
	} else if (hi == lo) {
		double pad = fabs(hi) > 0 ? fabs(hi) * 0.05 : 0.5;

		lo -= pad;
		hi += pad;
	}
	braille_init(&b, cols, rows);
	braille_plot(&b, xs, ys, n, xlo, xhi, lo, hi, 1);
	for (int r = 0; r < rows; r++) {
		move(y + 1 + r, x + YLABEL + 1);
		attrset(theme_attr(SLOT_CHART));
		for (int c = 0; c < cols; c++) {
			unsigned int cp = braille_cell(&b, c, r);
			cchar_t cc;
			wchar_t wc[2] = {cp ? (wchar_t)cp : L' ', 0};

			if (!draw_unicode()) {
				addch(cp ? '*' : ' ');
				continue;
			}
			setcchar(&cc, wc, 0, 0, NULL);
			add_wch(&cc);
		}
		attrset(A_NORMAL);
		draw_raw(y + 1 + r, x + YLABEL, draw_unicode() ? "│" : "|",
			 SLOT_CHART_AXIS, 0);
	}
	format_value(log_y ? pow(10, hi) : hi, YLABEL, buf, sizeof(buf));
	draw_text(y + 1, x, YLABEL, buf, SLOT_CHART_AXIS, 0, ALIGN_RIGHT);
	format_value(log_y ? pow(10, lo) : lo, YLABEL, buf, sizeof(buf));
	draw_text(y + rows, x, YLABEL, buf, SLOT_CHART_AXIS, 0, ALIGN_RIGHT);
	/* X axis: first and last step, and what broke the line. */
	snprintf(buf, sizeof(buf), "step %.0f", xlo);
	draw_text(y + h - 1, x + YLABEL + 1, cols / 2, buf, SLOT_CHART_AXIS, 0,
		  ALIGN_LEFT);
	if (nan || inf)
		snprintf(buf, sizeof(buf), "%zu NaN %zu Inf  step %.0f", nan,
			 inf, xs[n - 1]);
	else
		snprintf(buf, sizeof(buf), "step %.0f", xs[n - 1]);
	draw_text(y + h - 1, x + YLABEL + 1 + cols / 2, cols - cols / 2, buf,
		  nan || inf ? SLOT_VALUE_NAN : SLOT_CHART_AXIS, 0,
		  ALIGN_RIGHT);
	braille_free(&b);
	free(xs);
	free(ys);
}
