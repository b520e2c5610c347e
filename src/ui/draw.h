/* draw.h: putting text on the screen safely.
 * Every string passes the sanitiser and is fitted to its width here. */
#ifndef MLTOP_DRAW_H
#define MLTOP_DRAW_H

#include <stdbool.h>

#include "ui/theme.h"

/* ALIGN_MIDDLE: left, and cut in the middle when too long (paths, ids). */
enum align { ALIGN_LEFT, ALIGN_RIGHT, ALIGN_MIDDLE };

/* Draw untrusted text at (y, x) in exactly w columns (padded), in the
 * slot's colours plus extra attributes. Returns the columns used. */
int draw_text(int y, int x, int w, const char *s, enum slot slot, int extra,
	      enum align al);
/* Fill w columns with spaces in a slot. */
void draw_fill(int y, int x, int w, enum slot slot, int extra);
/* Draw trusted UTF-8 (mltop's own glyphs) without sanitising. */
void draw_raw(int y, int x, const char *s, enum slot slot, int extra);
bool draw_unicode(void);
void draw_set_unicode(bool on);
/* The locale is not UTF-8: text past ASCII is drawn as '?' a column. */
void draw_set_ascii_text(bool on);
bool draw_ascii_text(void);

#endif
