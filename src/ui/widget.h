/* widget.h: the drawing widgets views share: table, sparkline, chart.
 * Views decide what to show; widgets decide how it looks. */
#ifndef MLTOP_WIDGET_H
#define MLTOP_WIDGET_H

#include <stdbool.h>
#include <stddef.h>

#include "store/model.h"
#include "ui/actions.h"
#include "ui/theme.h"

/* --- table ------------------------------------------------------------- */

struct table_col {
	const char *title;
	int width;     /* preferred columns */
	int min;       /* narrowest it may get when flex (0: width) */
	int drop;      /* dropped first when narrow: higher goes first; 0 never */
	bool right;
	bool flex;     /* takes the width left over */
	bool spark;    /* cell text is a value, followed by a sparkline */
	int max;       /* flex columns grow no wider (0: no limit) */
};

struct cell {
	char buf[256];           /* scratch the view may format into */
	const char *text;        /* what to draw (untrusted is fine) */
	enum slot slot;
	int extra;               /* extra curses attributes */
	const char *prefix;      /* mltop's own glyphs before text (tree) */
	enum slot prefix_slot;
	const struct point *pts; /* spark columns: the history */
	size_t npts;
	bool loading;            /* history not fetched yet */
};

struct table {
	const struct table_col *cols;
	int ncols;
	size_t nrows;
	size_t sel, top;
	int sort_col;            /* -1: store order */
	bool sort_desc;
	int page;                /* rows visible at the last draw */
	void (*cell)(void *ctx, size_t row, int col, struct cell *c);
	void *ctx;
	bool (*row_marked)(void *ctx, size_t row);
};

void table_draw(struct table *t, int y, int x, int h, int w);
/* Cursor movement; returns RE_REDRAW, or RE_UNHANDLED for other actions. */
int table_action(struct table *t, enum action a);
void table_clamp(struct table *t);

/* --- sparkline ----------------------------------------------------------- */

void spark_draw(int y, int x, int w, const struct point *pts, size_t n,
		enum slot slot, int extra);

/* --- chart --------------------------------------------------------------- */

/* A braille line chart of a series filling the region, with a y axis of
 * min/max labels and an x axis of steps. */
void chart_draw(int y, int x, int h, int w, const struct point *pts,
		size_t n, bool log_y, const char *title);

#endif
