/* draw.c: sanitised, width-exact text output over curses.
 * Views call these; nothing else writes store text to the terminal. */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "ui/draw.h"

static bool unicode = true;
static bool ascii_text;

void draw_set_ascii_text(bool on)
{
	ascii_text = on;
}

bool draw_ascii_text(void)
{
	return ascii_text;
}

bool draw_unicode(void)
{
	return unicode;
}

void draw_set_unicode(bool on)
{
	unicode = on;
}

void draw_fill(int y, int x, int w, enum slot slot, int extra)
{
	if (w <= 0)
		return;
	attrset(theme_attr(slot) | extra);
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

void draw_raw(int y, int x, const char *s, enum slot slot, int extra)
{
	attrset(theme_attr(slot) | extra);
	mvaddstr(y, x, s);
	attrset(A_NORMAL);
}

int draw_text(int y, int x, int w, const char *s, enum slot slot, int extra,
	      enum align al)
{
	char stack[512], *buf = stack;
	size_t need = (size_t)w * 4 + 8;
	char *clean;
	int used;

	if (w <= 0)
		return 0;
	if (need > sizeof(stack))
		buf = xmalloc(need);
	clean = sanitize_text(s ? s : "");
	if (ascii_text) {
		/* curses would print such bytes as "M-x" escapes of another
		 * width and shift every column after them. */
		char *a = utf8_to_ascii(clean);

		free(clean);
		clean = a;
	}
	if (al == ALIGN_RIGHT) {
		int tw = utf8_width(clean);

		if (tw < w) {
			draw_fill(y, x, w - tw, slot, extra);
			x += w - tw;
			w = tw;
		}
	}
	used = al == ALIGN_MIDDLE
		? utf8_fit_middle(clean, w, true, unicode, buf, need)
		: utf8_fit(clean, w, true, unicode, buf, need);
	attrset(theme_attr(slot) | extra);
	mvaddstr(y, x, buf);
	attrset(A_NORMAL);
	free(clean);
	if (buf != stack)
		free(buf);
	return used;
}
