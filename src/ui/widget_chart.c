/* widget_chart.c: braille line charts: one metric filling its pane, or
 * several runs overlaid in their colours with a legend (compare). */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/braille.h"
#include "core/format.h"
#include "core/sanitize.h"
#include "core/utf8.h"
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

/* --- overlay ------------------------------------------------------------ */

#define LEGEND_MAX_ROWS 3

static void x_label(enum chart_x kind, double v, double lo, double hi,
		    char *buf, size_t n)
{
	char t[64];

	switch (kind) {
	case CHART_X_STEP:
		snprintf(buf, n, "step %.0f", v);
		break;
	case CHART_X_WALL: {
		char a[64], b[64];

		/* One day: the time is enough; longer: the date too. */
		format_time((int64_t)lo, a, sizeof(a));
		format_time((int64_t)hi, b, sizeof(b));
		format_time((int64_t)v, t, sizeof(t));
		if (strlen(t) >= 19 && !strncmp(a, b, 10))
			snprintf(buf, n, "%s", t + 11);
		else if (strlen(t) >= 16)
			snprintf(buf, n, "%.11s", t + 5);
		else
			snprintf(buf, n, "%s", t);
		break;
	}
	case CHART_X_RELATIVE:
		format_duration((int64_t)v, t, sizeof(t));
		snprintf(buf, n, "+%s", t);
		break;
	}
}

/* The last finite value of a series, for the legend. */
static double last_finite(const struct chart_series *s)
{
	for (size_t i = s->n; i-- > 0;)
		if (isfinite(s->y[i]) && !value_is_inf(s->y[i]))
			return s->y[i];
	return NAN;
}

const char *chart_marker(size_t i)
{
	static const char *const u[] = {"●", "■", "▲", "◆", "○", "□", "△",
					"◇", "+", "×", "*", "#"};
	static const char *const a[] = {"o", "#", "^", "*", "@", "%", "&",
					"=", "+", "x", "$", "~"};

	return (draw_unicode() ? u : a)[i % 12];
}

static void legend_entry(const struct chart_series *s, int y, int x, int w,
			 bool value)
{
	const char *line = draw_unicode() ? "━" : "-";
	char glyph[16], num[32] = "";
	int vw = 0;

	if (w < 4)
		return;
	snprintf(glyph, sizeof(glyph), "%s%s ", line,
		 s->marker ? s->marker : line);
	draw_raw(y, x, glyph, s->slot, 0);
	if (value) {
		double v = last_finite(s);

		if (!isnan(v)) {
			format_value(v, 9, num, sizeof(num));
			vw = (int)strlen(num) + 1;
		}
	}
	if (vw && w - 3 - vw >= 4) {
		draw_text(y, x + 3, w - 3 - vw, s->label, s->slot, 0,
			  ALIGN_LEFT);
		draw_text(y, x + w - vw, vw, num, SLOT_CHART_AXIS, 0,
			  ALIGN_RIGHT);
	} else {
		draw_text(y, x + 3, w - 3, s->label, s->slot, 0, ALIGN_LEFT);
	}
}

/* A legend packed in rows under the title, at most max_rows; returns
 * the rows it takes, or -1 when every entry does not fit. Entries are
 * cut to label_max columns of label; values follow when asked. */
static int legend_rows(const struct chart_series *s, size_t ns, int y,
		       int x, int w, int max_rows, int label_max, bool value,
		       bool draw)
{
	int row = 0, cx = 0;

	for (size_t i = 0; i < ns; i++) {
		char num[32] = "", *clean;
		double v = last_finite(&s[i]);
		int ew, lw;

		if (value && !isnan(v))
			format_value(v, 9, num, sizeof(num));
		clean = sanitize_text(s[i].label ? s[i].label : "");
		lw = utf8_width(clean);
		free(clean);
		if (lw > label_max)
			lw = label_max;
		ew = 3 + lw + (*num ? 1 + (int)strlen(num) : 0);
		if (ew > w)
			ew = w;
		if (cx && cx + ew > w) {
			row++;
			cx = 0;
		}
		if (row >= max_rows)
			return -1;
		if (draw)
			legend_entry(&s[i], y + row, x + cx, ew, value);
		cx += ew + 2;
	}
	return ns ? row + 1 : 0;
}

/* Every run must be in the legend: drop the values, then cut the
 * labels, until all of them fit in the rows there are. */
static int legend_fit(const struct chart_series *s, size_t ns, int y, int x,
		      int w, int max_rows)
{
	static const int cuts[] = {1000, 24, 16, 12, 8, 5, 3};

	for (int pass = 0; pass < 2; pass++)
		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
			bool value = pass == 0;

			if (value && c > 0)
				break;
			if (legend_rows(s, ns, y, x, w, max_rows, cuts[c],
					value, false) >= 0)
				return legend_rows(s, ns, y, x, w, max_rows,
						   cuts[c], value, true);
		}
	/* Too many runs for the width: as many as fit. */
	legend_rows(s, ns, y, x, w, max_rows, 3, false, true);
	return max_rows;
}

void chart_overlay_draw(int y, int x, int h, int w,
			const struct chart_series *s, size_t ns,
			const struct chart_spec *spec)
{
	struct braille b;
	double lo = INFINITY, hi = -INFINITY, xlo = INFINITY, xhi = -INFINITY;
	double **ys;
	size_t nan = 0, inf = 0, npts = 0;
	int lw = 0, lrows = 0, cols, rows, top;
	char buf[192], buf2[96];

	for (int r = 0; r < h; r++)
		draw_fill(y + r, x, w, SLOT_DEFAULT, 0);
	if (h < 1 || w < 1)
		return;
	draw_text(y, x, w, spec->title, SLOT_LABEL, A_BOLD, ALIGN_LEFT);
	/* Wide: the legend is a column on the right, a run a line, with
	 * its last value; narrow: rows under the title. */
	if (w >= 100 && ns) {
		lw = w / 4 > 44 ? 44 : w / 4;
		for (size_t i = 0; i < ns && (int)i < h - 1; i++)
			legend_entry(&s[i], y + 1 + (int)i, x + w - lw, lw,
				     true);
	} else if (ns) {
		int max = h >= 14 ? LEGEND_MAX_ROWS : h >= 8 ? 2 : 1;

		lrows = legend_fit(s, ns, y + 1, x, w, max);
	}
	top = y + 1 + lrows;
	cols = w - lw - (lw ? 2 : 0) - YLABEL - 1;
	rows = h - 2 - lrows;
	if (cols < 4 || rows < 2)
		return;
	ys = xcalloc(ns ? ns : 1, sizeof(*ys));
	for (size_t i = 0; i < ns; i++) {
		ys[i] = xmalloc((s[i].n ? s[i].n : 1) * sizeof(**ys));
		for (size_t k = 0; k < s[i].n; k++) {
			double v = tr(s[i].y[k], spec->log_y);

			ys[i][k] = v;
			if (isnan(s[i].y[k]))
				nan++;
			else if (value_is_inf(s[i].y[k]))
				inf++;
			if (s[i].x[k] < xlo)
				xlo = s[i].x[k];
			if (s[i].x[k] > xhi)
				xhi = s[i].x[k];
			npts++;
			if (!isnan(v)) {
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			}
		}
	}
	if (npts == 0) {
		draw_text(top + rows / 2, x + YLABEL + 1, cols, "no points",
			  SLOT_DIM, 0, ALIGN_LEFT);
		goto out;
	}
	if (!(xhi > xlo))
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
	/* Later series draw over earlier ones where they share a cell. */
	for (size_t i = 0; i < ns && i < 255; i++)
		braille_plot(&b, s[i].x, ys[i], s[i].n, xlo, xhi, lo, hi,
			     (uint8_t)(i + 1));
	for (int r = 0; r < rows; r++) {
		move(top + r, x + YLABEL + 1);
		for (int c = 0; c < cols; c++) {
			unsigned int cp = braille_cell(&b, c, r);
			uint8_t ci = b.colour[(size_t)r * (size_t)cols +
					      (size_t)c];
			enum slot sl = ci && ci <= ns ? s[ci - 1].slot
						      : SLOT_CHART;
			wchar_t wc[2] = {cp ? (wchar_t)cp : L' ', 0};
			cchar_t cc;

			attrset(theme_attr(sl));
			if (!draw_unicode()) {
				addch(cp ? '*' : ' ');
				continue;
			}
			setcchar(&cc, wc, 0, 0, NULL);
			add_wch(&cc);
		}
		attrset(A_NORMAL);
		draw_raw(top + r, x + YLABEL, draw_unicode() ? "│" : "|",
			 SLOT_CHART_AXIS, 0);
	}
	/* Each series' marker on its last finite point. */
	for (size_t i = 0; i < ns; i++) {
		for (size_t k = s[i].n; s[i].marker && k-- > 0;) {
			double v = ys[i][k];
			int c, r;

			if (isnan(v) || !isfinite(v))
				continue;
			c = (int)((s[i].x[k] - xlo) / (xhi - xlo) * (cols - 1)
				  + 0.5);
			r = (int)((hi - v) / (hi - lo) * (rows - 1) + 0.5);
			if (c >= 0 && c < cols && r >= 0 && r < rows)
				draw_raw(top + r, x + YLABEL + 1 + c,
					 s[i].marker, s[i].slot, A_BOLD);
			break;
		}
	}
	format_value(spec->log_y ? pow(10, hi) : hi, YLABEL, buf, sizeof(buf));
	draw_text(top, x, YLABEL, buf, SLOT_CHART_AXIS, 0, ALIGN_RIGHT);
	format_value(spec->log_y ? pow(10, lo) : lo, YLABEL, buf, sizeof(buf));
	draw_text(top + rows - 1, x, YLABEL, buf, SLOT_CHART_AXIS, 0,
		  ALIGN_RIGHT);
	/* X axis: both ends in the chart's unit, and what broke lines. */
	x_label(spec->xkind, xlo, xlo, xhi, buf, sizeof(buf));
	draw_text(top + rows, x + YLABEL + 1, cols / 2, buf, SLOT_CHART_AXIS,
		  0, ALIGN_LEFT);
	x_label(spec->xkind, xhi, xlo, xhi, buf2, sizeof(buf2));
	if (nan || inf)
		snprintf(buf, sizeof(buf), "%zu NaN %zu Inf  %s", nan, inf,
			 buf2);
	else
		snprintf(buf, sizeof(buf), "%s", buf2);
	draw_text(top + rows, x + YLABEL + 1 + cols / 2, cols - cols / 2, buf,
		  nan || inf ? SLOT_VALUE_NAN : SLOT_CHART_AXIS, 0,
		  ALIGN_RIGHT);
	braille_free(&b);
out:
	for (size_t i = 0; i < ns; i++)
		free(ys[i]);
	free(ys);
}
