/* widget_sidebyside.c: members side by side, as both compare views show
 * them: layout, horizontal scrolling and the header row. */
#include "config.h"

#include <curses.h>
#include <string.h>

#include "ui/draw.h"
#include "ui/widget_sidebyside.h"

void sbs_layout(struct sidebyside *s, struct table *t, int w, size_t n)
{
	int minw = w >= 120 ? 20 : 17;
	int visible;

	s->hdrw = w >= 120 ? 30 : w >= 70 ? 22 : w / 3;
	visible = (w - s->hdrw) / (minw + 1);
	if (visible < 1)
		visible = 1;
	if (visible > SBS_MAX_COLS)
		visible = SBS_MAX_COLS;
	if ((size_t)visible > n)
		visible = n ? (int)n : 1;
	s->colw = (w - s->hdrw) / visible - 1;
	if (s->colw > 40)
		s->colw = 40;
	if (s->colw < 4)
		s->colw = 4;
	s->visible = visible;
	if (s->left + (size_t)visible > n)
		s->left = n > (size_t)visible ? n - (size_t)visible : 0;
	memset(s->cols, 0, sizeof(s->cols));
	s->cols[0].title = "";
	s->cols[0].width = s->hdrw;
	for (int i = 1; i <= visible; i++) {
		s->cols[i].title = "";
		s->cols[i].width = s->colw;
	}
	t->cols = s->cols;
	t->ncols = 1 + (s->left < n ? (int)(n - s->left < (size_t)visible
					    ? n - s->left : (size_t)visible)
				    : 0);
}

size_t sbs_member(const struct sidebyside *s, int col)
{
	return s->left + (size_t)col - 1;
}

int sbs_scroll(struct sidebyside *s, enum action a, size_t n)
{
	switch (a) {
	case ACT_SCROLL_LEFT:
		if (s->left > 0)
			s->left--;
		return RE_REDRAW;
	case ACT_SCROLL_RIGHT:
		if (s->left + (size_t)s->visible < n)
			s->left++;
		return RE_REDRAW;
	default:
		return RE_UNHANDLED;
	}
}

void sbs_draw_heads(const struct sidebyside *s, const struct table *t,
		    int y, int x, const char *count,
		    const char *(*label)(void *ctx, size_t member,
					 enum slot *slot),
		    void *ctx)
{
	int cx = x + s->hdrw + 1;

	draw_text(y, x, s->hdrw, count, SLOT_HEADER, 0, ALIGN_LEFT);
	for (int c = 1; c < t->ncols; c++) {
		enum slot slot = SLOT_DEFAULT;
		const char *text = label(ctx, sbs_member(s, c), &slot);

		draw_text(y, cx, s->colw, text, slot, A_BOLD, ALIGN_LEFT);
		cx += s->colw + 1;
	}
}
