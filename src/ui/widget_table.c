/* widget_table.c: the one table renderer every list view uses.
 * It asks the view for cell (row, col) and never the other way round. */
#include "config.h"

#include <curses.h>
#include <string.h>

#include "core/utf8.h"
#include "ui/draw.h"
#include "ui/widget.h"

/* Decide column widths: drop low-priority columns until the rest fit,
 * then let flex columns take the slack or give it up down to min. */
static void layout(const struct table *t, int w, int *widths)
{
	int total = 0, nflex = 0;

	for (int c = 0; c < t->ncols; c++) {
		widths[c] = t->cols[c].width;
		total += widths[c] + (c ? 1 : 0);
		nflex += t->cols[c].flex;
	}
	while (total > w) {
		int worst = -1;

		for (int c = 0; c < t->ncols; c++)
			if (widths[c] && t->cols[c].drop &&
			    (worst < 0 || t->cols[c].drop > t->cols[worst].drop))
				worst = c;
		if (worst < 0)
			break;
		/* Before dropping, shrink flex columns to their minimum. */
		for (int c = 0; c < t->ncols && total > w; c++) {
			if (t->cols[c].flex && widths[c] > t->cols[c].min) {
				int give = widths[c] - t->cols[c].min;

				if (give > total - w)
					give = total - w;
				widths[c] -= give;
				total -= give;
			}
		}
		if (total <= w)
			break;
		total -= widths[worst] + 1;
		widths[worst] = 0;
	}
	if (total < w && nflex) {
		int extra = (w - total) / nflex;

		for (int c = 0; c < t->ncols; c++) {
			if (!t->cols[c].flex || !widths[c])
				continue;
			widths[c] += extra;
			if (t->cols[c].max && widths[c] > t->cols[c].max)
				widths[c] = t->cols[c].max;
		}
	} else if (total > w) {
		/* Still too wide: clip the last visible column. */
		for (int c = t->ncols - 1; c >= 0; c--) {
			if (widths[c]) {
				widths[c] -= total - w;
				if (widths[c] < 1)
					widths[c] = 0;
				break;
			}
		}
	}
}

void table_layout(const struct table *t, int w, int *widths)
{
	layout(t, w, widths);
}

void table_clamp(struct table *t)
{
	if (t->nrows == 0) {
		t->sel = t->top = 0;
		return;
	}
	if (t->sel >= t->nrows)
		t->sel = t->nrows - 1;
	if (t->page < 1)
		t->page = 1;
	if (t->sel < t->top)
		t->top = t->sel;
	if (t->sel >= t->top + (size_t)t->page)
		t->top = t->sel - (size_t)t->page + 1;
	if (t->top + (size_t)t->page > t->nrows)
		t->top = t->nrows > (size_t)t->page ? t->nrows - (size_t)t->page
						    : 0;
}

/* On the cursor row every part of a cell takes the cursor's colours, as
 * in htop: one unbroken bar (a cell's own colour reversed left holes in
 * it). Cells that draw themselves (state strips, Gantt bars) keep their
 * colours, reversed. */
static void draw_cell(const struct table *t, int c, int y, int x, int w,
		      struct cell *cell, bool cursor)
{
	int extra = cell->extra;
	enum slot slot = cursor ? SLOT_CURSOR : cell->slot;
	enum slot spark = cursor ? SLOT_CURSOR : SLOT_SPARK;
	enum slot dim = cursor ? SLOT_CURSOR : SLOT_DIM;

	if (cell->prefix && *cell->prefix) {
		int pw = utf8_width(cell->prefix);

		if (pw < w) {
			draw_raw(y, x, cell->prefix, cursor ? SLOT_CURSOR
				 : cell->prefix_slot, extra);
			x += pw;
			w -= pw;
		}
	}
	if (cell->custom) {
		cell->custom(cell, y, x, w,
			     extra | (cursor ? (int)A_REVERSE : 0));
		return;
	}
	if (t->cols[c].spark) {
		/* "value ▁▂▃": the value gets what the spark leaves. */
		bool value = cell->text && *cell->text;
		int vw = value ? (w > 20 ? 9 : w / 2) : 0;
		int sx = x + vw + (value ? 1 : 0);
		int sw = x + w - sx;

		if (value) {
			draw_text(y, x, vw, cell->text, slot, extra,
				  ALIGN_RIGHT);
			draw_fill(y, x + vw, 1, slot, extra);
		}
		if (sw > 0) {
			if (cell->npts)
				spark_draw(y, sx, sw, cell->pts, cell->npts,
					   spark, extra);
			else
				draw_text(y, sx, sw,
					  cell->loading ? "…" : "", dim,
					  extra, ALIGN_LEFT);
		}
		return;
	}
	draw_text(y, x, w, cell->text, slot, extra,
		  t->cols[c].right ? ALIGN_RIGHT
		  : cell->cut_middle ? ALIGN_MIDDLE : ALIGN_LEFT);
}

#define MAX_HITS 8

static struct {
	struct table *t;
	int y, x, h, w;
	int widths[32];
} hits[MAX_HITS];
static int nhits;

void table_hits_reset(void)
{
	nhits = 0;
}

struct table *table_hit(int y, int x, long *row, int *col)
{
	for (int i = nhits - 1; i >= 0; i--) {
		int cx = hits[i].x;

		if (y < hits[i].y || y >= hits[i].y + hits[i].h ||
		    x < hits[i].x || x >= hits[i].x + hits[i].w)
			continue;
		*row = y == hits[i].y ? -1
			: (long)hits[i].t->top + (y - hits[i].y - 1);
		*col = -1;
		for (int c = 0; c < hits[i].t->ncols && c < 32; c++) {
			if (!hits[i].widths[c])
				continue;
			if (x >= cx && x < cx + hits[i].widths[c])
				*col = c;
			cx += hits[i].widths[c] + 1;
		}
		return hits[i].t;
	}
	return NULL;
}

void table_draw(struct table *t, int y, int x, int h, int w)
{
	int widths[32];
	int cx;

	if (h < 1 || w < 1)
		return;
	layout(t, w, widths);
	if (nhits < MAX_HITS) {
		hits[nhits].t = t;
		hits[nhits].y = y;
		hits[nhits].x = x;
		hits[nhits].h = h;
		hits[nhits].w = w;
		memcpy(hits[nhits].widths, widths, sizeof(widths));
		nhits++;
	}
	/* Header, with the sort marker. */
	draw_fill(y, x, w, SLOT_HEADER, 0);
	cx = x;
	for (int c = 0; c < t->ncols; c++) {
		char title[264], cut[256];
		const char *name = t->cols[c].title;

		if (!widths[c])
			continue;
		snprintf(title, sizeof(title), "%s", name);
		if (c == t->sort_col) {
			/* The arrow survives a narrow column: the title is
			 * cut before it, not the arrow off the end. */
			const char *arrow = t->sort_desc
				? (draw_unicode() ? "▼" : "v")
				: (draw_unicode() ? "▲" : "^");

			if (utf8_width(name) + 1 > widths[c] && widths[c] > 1)
				utf8_fit(name, widths[c] - 1, false,
					 draw_unicode(), cut, sizeof(cut));
			else
				snprintf(cut, sizeof(cut), "%.200s", name);
			snprintf(title, sizeof(title), "%s%s", cut, arrow);
		}
		draw_text(y, cx, widths[c], title, SLOT_HEADER, 0,
			  t->cols[c].right || t->cols[c].spark ? ALIGN_RIGHT
							       : ALIGN_LEFT);
		cx += widths[c] + 1;
	}
	t->page = h - 1;
	table_clamp(t);
	for (int r = 0; r < h - 1; r++) {
		size_t row = t->top + (size_t)r;
		bool cursor = row == t->sel;

		if (row >= t->nrows) {
			draw_fill(y + 1 + r, x, w, SLOT_DEFAULT, 0);
			continue;
		}
		cx = x;
		draw_fill(y + 1 + r, x, w, cursor ? SLOT_CURSOR : SLOT_DEFAULT,
			  0);
		for (int c = 0; c < t->ncols; c++) {
			struct cell cell;

			if (!widths[c])
				continue;
			memset(&cell, 0, sizeof(cell));
			cell.slot = SLOT_DEFAULT;
			t->cell(t->ctx, row, c, &cell);
			draw_cell(t, c, y + 1 + r, cx, widths[c], &cell,
				  cursor);
			if (cursor && cx + widths[c] < x + w)
				draw_fill(y + 1 + r, cx + widths[c], 1,
					  SLOT_CURSOR, 0);
			cx += widths[c] + 1;
		}
	}
}

int table_action(struct table *t, enum action a)
{
	size_t page = t->page > 1 ? (size_t)t->page : 1;

	switch (a) {
	case ACT_MOVE_DOWN:
		if (t->sel + 1 < t->nrows)
			t->sel++;
		break;
	case ACT_MOVE_UP:
		if (t->sel > 0)
			t->sel--;
		break;
	case ACT_PAGE_DOWN:
		t->sel += page;
		t->top += page;
		break;
	case ACT_PAGE_UP:
		t->sel = t->sel > page ? t->sel - page : 0;
		t->top = t->top > page ? t->top - page : 0;
		break;
	case ACT_HALF_DOWN:
		t->sel += page / 2 ? page / 2 : 1;
		break;
	case ACT_HALF_UP:
		t->sel = t->sel > page / 2 ? t->sel - page / 2 : 0;
		break;
	case ACT_FIRST:
		t->sel = 0;
		break;
	case ACT_LAST:
		t->sel = t->nrows ? t->nrows - 1 : 0;
		break;
	case ACT_NEXT_MATCH:
	case ACT_PREV_MATCH:
		/* A filtered list shows only matches: n and N step through
		 * them, wrapping around as less does. */
		if (t->nrows)
			t->sel = a == ACT_NEXT_MATCH
				? (t->sel + 1) % t->nrows
				: (t->sel + t->nrows - 1) % t->nrows;
		break;
	default:
		return RE_UNHANDLED;
	}
	table_clamp(t);
	return RE_REDRAW;
}
