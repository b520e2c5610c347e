/* widget.h: the drawing widgets views share: table, sparkline, chart,
 * dialog. Views decide what to show; widgets decide how it looks. */
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
	bool cut_middle;         /* a path or an id: cut in the middle */
	/* A cell that draws itself (a strip of states): called with the
	 * cell's place and the attributes of its row; NULL: text. */
	void (*custom)(const struct cell *c, int y, int x, int w, int extra);
	const void *custom_ctx;
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
/* The width each column gets in w columns (0: dropped), as table_draw
 * lays them out; widths has room for ncols (at most 32). */
void table_layout(const struct table *t, int w, int *widths);
/* Where the last paint drew its tables, for the mouse: a paint starts
 * with table_hits_reset; table_hit finds the table at a screen cell (the
 * last drawn there), with the row under it (-1: the header) and the
 * column (-1: none). */
void table_hits_reset(void);
struct table *table_hit(int y, int x, long *row, int *col);
/* Cursor movement, and n/N through the rows (a list shows only the
 * filter's matches); returns RE_REDRAW, or RE_UNHANDLED for other actions. */
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

/* Several series overlaid, each in its own slot, with a legend: what
 * compare draws. x is in the chart's x unit: steps, epoch ms (wall
 * time) or ms since the run started. Non-finite y breaks a line and is
 * counted under the chart; log_y drops values <= 0 the same way. */
enum chart_x { CHART_X_STEP, CHART_X_WALL, CHART_X_RELATIVE };

struct chart_series {
	const char *label;      /* legend text; store text is fine */
	const double *x, *y;    /* n points, joined in this order */
	size_t n;
	enum slot slot;
	/* Drawn at the series' last point and in its legend entry, so runs
	 * stay apart where colours repeat or there are none (NO_COLOR):
	 * chart_marker(i). NULL: none. */
	const char *marker;
};

/* The i-th of a set of distinct one-column markers (ASCII without
 * Unicode); they repeat only after 12. */
const char *chart_marker(size_t i);

struct chart_spec {
	const char *title;      /* store text is fine */
	enum chart_x xkind;
	bool log_y;
};

void chart_overlay_draw(int y, int x, int h, int w,
			const struct chart_series *s, size_t ns,
			const struct chart_spec *spec);

/* --- dialog ------------------------------------------------------------ */

/* A centred box over a view: a title, lines of text (store text is fine:
 * it is drawn through draw.c, wrapped to the box), a list of choices
 * with a cursor, an optional one-line text input and a key hint line.
 * The view that opens one owns it (dialog_free) and gives it every key
 * first while it is open. */
#define DIALOG_INPUT_MAX 512

struct dialog_line {
	char *text;              /* owned */
	enum slot slot;
	int extra;
};

struct dialog {
	char *title;             /* owned */
	struct dialog_line *lines;
	size_t nlines, caplines;
	size_t choices_at;       /* lines before the choices; the rest after */
	char **choices;          /* owned */
	size_t nchoices, capchoices, choice;
	bool has_input, input_focus;
	char *input_label;       /* owned */
	char input[DIALOG_INPUT_MAX];
	size_t ilen;
	/* y confirms and n cancels while the input is not being edited;
	 * Enter and Esc in the input then only leave it. */
	bool confirm;
	char *footer;            /* key hints, owned */
	/* A confirm dialog is answered yes only once every row of its text
	 * has been on screen: text taller than the pane scrolls (PgDn/PgUp,
	 * and j/k when there are no choices); a pane too small to show it
	 * says so; y or Enter before then only says what is missing. */
	int scroll;              /* first text row shown */
	int text_rows;           /* rows of text at the last draw */
	int seen_to;             /* rows of text shown so far, from the top */
	bool all_seen;
	bool drawn;              /* drawn in a box since its text was set */
	const char *note;        /* why a yes was refused (static) */
};

enum dialog_result {
	DLG_NONE,        /* used the key; redraw */
	DLG_OK,
	DLG_CANCEL,
	DLG_UNHANDLED,   /* not a dialog key: the view may use it */
};

struct dialog *dialog_new(const char *title);
void dialog_free(struct dialog *d);
void dialog_clear_lines(struct dialog *d);
void dialog_line(struct dialog *d, enum slot slot, int extra,
		 const char *text);
void dialog_choice(struct dialog *d, const char *text);
void dialog_input(struct dialog *d, const char *label, const char *text,
		  bool focus);
void dialog_footer(struct dialog *d, const char *text);
/* Draw over the region (y, x, h, w), centred in it. */
void dialog_draw(struct dialog *d, int y, int x, int h, int w);
/* A key as get_wch() gives it (is_key: a KEY_* code). */
enum dialog_result dialog_key(struct dialog *d, int ch, bool is_key);

#endif
