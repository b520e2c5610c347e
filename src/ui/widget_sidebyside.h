/* widget_sidebyside.h: members side by side (compared runs or
 * experiments): a header column of row names, then one column a member,
 * as many as fit, scrolled with < and >. Shared by both compare views. */
#ifndef MLTOP_WIDGET_SIDEBYSIDE_H
#define MLTOP_WIDGET_SIDEBYSIDE_H

#include <stddef.h>

#include "ui/actions.h"
#include "ui/widget.h"

#define SBS_MAX_COLS 24

struct sidebyside {
	struct table_col cols[SBS_MAX_COLS + 1];
	size_t left;             /* first member column on screen */
	int visible, hdrw, colw; /* of the last layout */
};

/* Lay out the columns for width w and n members; sets t->cols, ncols.
 * Row headers keep their width; member columns share the rest, 2 or 3
 * at 80 columns, as many as fit wider, never so narrow numbers break. */
void sbs_layout(struct sidebyside *s, struct table *t, int w, size_t n);
/* The member shown in column col (1 = the first member column). */
size_t sbs_member(const struct sidebyside *s, int col);
/* ACT_SCROLL_LEFT / ACT_SCROLL_RIGHT over n members; RE_UNHANDLED for
 * any other action. */
int sbs_scroll(struct sidebyside *s, enum action a, size_t n);
/* The header row: count on the left, then label(ctx, member, &slot)
 * above each member column. */
void sbs_draw_heads(const struct sidebyside *s, const struct table *t,
		    int y, int x, const char *count,
		    const char *(*label)(void *ctx, size_t member,
					 enum slot *slot),
		    void *ctx);

#endif
