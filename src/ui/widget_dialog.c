/* widget_dialog.c: a modal box over a view: title, wrapped text, choices,
 * a one-line input and key hints; it fits 80x24 by wrapping and cutting. */
#include "config.h"

#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/sanitize.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "ui/draw.h"
#include "ui/widget.h"

#define BOX_MAX_W 76

struct dialog *dialog_new(const char *title)
{
	struct dialog *d = xcalloc(1, sizeof(*d));

	d->title = xstrdup(title ? title : "");
	return d;
}

void dialog_clear_lines(struct dialog *d)
{
	for (size_t i = 0; i < d->nlines; i++)
		free(d->lines[i].text);
	d->nlines = 0;
	d->choices_at = 0;
	/* New text: it has to be read again before a yes. */
	d->scroll = d->seen_to = 0;
	d->all_seen = false;
	d->drawn = false;
	d->note = NULL;
}

void dialog_free(struct dialog *d)
{
	if (!d)
		return;
	dialog_clear_lines(d);
	free(d->lines);
	for (size_t i = 0; i < d->nchoices; i++)
		free(d->choices[i]);
	free(d->choices);
	free(d->title);
	free(d->input_label);
	free(d->footer);
	free(d);
}

void dialog_line(struct dialog *d, enum slot slot, int extra,
		 const char *text)
{
	d->lines = xgrow(d->lines, &d->caplines, d->nlines + 1,
			 sizeof(*d->lines));
	d->lines[d->nlines].text = xstrdup(text ? text : "");
	d->lines[d->nlines].slot = slot;
	d->lines[d->nlines].extra = extra;
	d->nlines++;
	if (d->nchoices == 0)
		d->choices_at = d->nlines;
}

void dialog_choice(struct dialog *d, const char *text)
{
	if (d->nchoices == 0)
		d->choices_at = d->nlines;
	d->choices = xgrow(d->choices, &d->capchoices, d->nchoices + 1,
			   sizeof(*d->choices));
	d->choices[d->nchoices++] = xstrdup(text ? text : "");
}

void dialog_input(struct dialog *d, const char *label, const char *text,
		  bool focus)
{
	d->has_input = true;
	d->input_focus = focus;
	free(d->input_label);
	d->input_label = xstrdup(label ? label : "");
	snprintf(d->input, sizeof(d->input), "%s", text ? text : "");
	d->ilen = strlen(d->input);
}

void dialog_footer(struct dialog *d, const char *text)
{
	free(d->footer);
	d->footer = text ? xstrdup(text) : NULL;
}

/* --- layout ---------------------------------------------------------------- */

struct row {
	char *text;     /* owned, sanitised */
	enum slot slot;
	int extra;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static void rows_add(struct rows *r, const char *s, size_t len,
		     enum slot slot, int extra)
{
	r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof(*r->v));
	r->v[r->n].text = xstrndup(s, len);
	r->v[r->n].slot = slot;
	r->v[r->n].extra = extra;
	r->n++;
}

static void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].text);
	free(r->v);
}

static int cp_width(unsigned int cp)
{
	int cw = wcwidth((wchar_t)cp);

	return cw < 0 ? 1 : cw;
}

/* The longest row of p that fits w columns: break after the last space
 * that fits, inside a word only when the word alone is wider than w.
 * Returns where the row ends; *next is where the following row starts. */
static const char *row_end(const char *p, int w, const char **next)
{
	const char *q = p, *fit = p, *space = NULL;
	size_t n = strlen(p);
	int cols = 0;

	while (*q) {
		unsigned int cp;
		size_t len = utf8_decode(q, n - (size_t)(q - p), &cp);
		int cw = cp_width(cp);

		if (cols + cw > w && q > p)
			break;
		if (cp == ' ')
			space = q;
		cols += cw;
		q += len;
		fit = q;
	}
	if (*q && space && space > p)
		fit = space;
	*next = fit;
	while (**next == ' ')
		(*next)++;
	return fit;
}

/* Rows of at most w columns; rows after the first keep the line's
 * indent, so a wrapped plan line still reads as one item. */
static void wrap(struct rows *out, const char *text, int w, enum slot slot,
		 int extra)
{
	char *clean = sanitize_text(text);
	const char *p = clean, *end, *next;
	int indent = (int)strspn(clean, " ");

	if (indent > w / 2)
		indent = 0;
	if (!*p)
		rows_add(out, "", 0, slot, extra);
	while (*p) {
		bool first = p == clean;

		end = row_end(p, first ? w : w - indent, &next);
		if (first || !indent) {
			rows_add(out, p, (size_t)(end - p), slot, extra);
		} else {
			char *row = xasprintf("%*s%.*s", indent, "",
					      (int)(end - p), p);

			rows_add(out, row, strlen(row), slot, extra);
			free(row);
		}
		p = next;
	}
	free(clean);
}

static void draw_border(int y, int x, int bw, int bh, const char *title)
{
	bool u = draw_unicode();
	const char *h = u ? "─" : "-", *v = u ? "│" : "|";
	char *line = xmalloc((size_t)bw * 3 + 1);
	size_t len = 0;
	int tw;

	for (int i = 0; i < bw - 2; i++) {
		memcpy(line + len, h, strlen(h));
		len += strlen(h);
	}
	line[len] = '\0';
	draw_raw(y, x, u ? "┌" : "+", SLOT_BORDER, 0);
	draw_raw(y, x + 1, line, SLOT_BORDER, 0);
	draw_raw(y, x + bw - 1, u ? "┐" : "+", SLOT_BORDER, 0);
	draw_raw(y + bh - 1, x, u ? "└" : "+", SLOT_BORDER, 0);
	draw_raw(y + bh - 1, x + 1, line, SLOT_BORDER, 0);
	draw_raw(y + bh - 1, x + bw - 1, u ? "┘" : "+", SLOT_BORDER, 0);
	for (int r = 1; r < bh - 1; r++) {
		draw_raw(y + r, x, v, SLOT_BORDER, 0);
		draw_raw(y + r, x + bw - 1, v, SLOT_BORDER, 0);
	}
	free(line);
	if (title && *title && bw > 8) {
		char *t = xasprintf(" %s ", title);

		tw = utf8_width(t);
		if (tw > bw - 4)
			tw = bw - 4;
		draw_text(y, x + 2, tw, t, SLOT_HEADER, 0, ALIGN_LEFT);
		free(t);
	}
}

static void draw_input(struct dialog *d, int y, int x, int w)
{
	char label[128], shown[DIALOG_INPUT_MAX * 2];
	int lw, room;

	snprintf(label, sizeof(label), "%s: ", d->input_label);
	lw = utf8_width(label);
	if (lw > w / 2)
		lw = w / 2;
	draw_text(y, x, lw, label, SLOT_LABEL, 0, ALIGN_LEFT);
	room = w - lw - (d->input_focus ? 1 : 0);
	if (room < 1)
		return;
	/* Keep the end, where the typing happens, in view. */
	{
		char *clean = sanitize_text(d->input);

		if (utf8_width(clean) > room)
			utf8_fit_left(clean, room, draw_unicode(), shown,
				      sizeof(shown));
		else
			snprintf(shown, sizeof(shown), "%s", clean);
		free(clean);
	}
	draw_text(y, x + lw, room, shown, SLOT_DEFAULT,
		  d->input_focus ? (int)A_UNDERLINE : 0, ALIGN_LEFT);
	if (d->input_focus) {
		int cw = utf8_width(shown);

		draw_fill(y, x + lw + (cw < room ? cw : room), 1, SLOT_CURSOR,
			  (int)A_REVERSE);
	}
}

void dialog_draw(struct dialog *d, int y, int x, int h, int w)
{
	struct rows before = {0}, after = {0};
	int bw = w >= 40 ? (w - 4 > BOX_MAX_W ? BOX_MAX_W : w - 4) : w;
	int tw = bw - 4, inner, bh, top, left, row, gap;
	int tail = (d->has_input ? 2 : 0) + (d->footer ? 2 : 0);
	int nch = (int)d->nchoices, first = 0, nbefore, nafter;

	if (tw < 4 || h < 5) {
		/* No room for the box: say so, and a yes waits. */
		if (h >= 1 && w >= 1)
			draw_text(y + h / 2, x, w, d->confirm
				  ? "enlarge the pane to read this and answer"
				  : "enlarge the pane", SLOT_STATUS_WARN, 0,
				  ALIGN_LEFT);
		return;
	}
	for (size_t i = 0; i < d->nlines; i++)
		wrap(i < d->choices_at ? &before : &after, d->lines[i].text, tw,
		     d->lines[i].slot, d->lines[i].extra);
	nbefore = (int)before.n;
	nafter = (int)after.n;
	gap = nch && (nbefore || nafter) ? 1 : 0; /* blank before choices */
	inner = nbefore + gap + nch + nafter + tail;
	if (inner > h - 2) {
		/* Too tall: cut what comes after the choices, then the
		 * choices (scrolled to the cursor), then the text before,
		 * whose last row then says "…". */
		int over = inner - (h - 2);
		int cut = over < nafter ? over : nafter;

		nafter -= cut;
		over -= cut;
		if (over > 0 && nch > 1) {
			int keep = nch - over < 1 ? 1 : nch - over;

			over -= nch - keep;
			if ((int)d->choice >= keep)
				first = (int)d->choice - keep + 1;
			nch = keep;
		}
		nbefore -= over < nbefore ? over : nbefore;
		inner = nbefore + gap + nch + nafter + tail;
		if (inner > h - 2)
			inner = h - 2;
	}
	/* The text before the choices scrolls when it does not fit. */
	if (d->scroll > (int)before.n - nbefore)
		d->scroll = (int)before.n - nbefore;
	if (d->scroll < 0)
		d->scroll = 0;
	d->text_rows = (int)before.n;
	if (nafter == (int)after.n && d->scroll + nbefore > d->seen_to)
		d->seen_to = d->scroll + nbefore;
	d->all_seen = d->seen_to >= (int)before.n && nafter == (int)after.n;
	d->drawn = true;
	bh = inner + 2;
	top = y + (h - bh) / 2;
	left = x + (w - bw) / 2;
	for (int r = 0; r < bh; r++)
		draw_fill(top + r, left, bw, SLOT_DEFAULT, 0);
	draw_border(top, left, bw, bh, d->title);
	row = top + 1;
	for (int i = 0; i < nbefore; i++) {
		const struct row *rw = &before.v[d->scroll + i];

		draw_text(row++, left + 2, tw, rw->text, rw->slot, rw->extra,
			  ALIGN_LEFT);
	}
	/* Marks on the border where more text is. */
	if (d->scroll > 0)
		draw_raw(top, left + bw - 6, draw_unicode() ? "↑" : "^",
			 SLOT_KEY, 0);
	if (d->scroll + nbefore < (int)before.n)
		draw_text(top + bh - 1, left + bw - 16, 14, draw_unicode()
			  ? " ↓ more: PgDn " : " v more: PgDn ", SLOT_KEY, 0,
			  ALIGN_RIGHT);
	row += gap;
	for (int i = 0; i < nch; i++) {
		size_t c = (size_t)(first + i);
		bool cur = c == d->choice;
		char *s = xasprintf("%s %s",
				    cur ? (draw_unicode() ? "›" : ">") : " ",
				    d->choices[c]);

		draw_text(row++, left + 2, tw, s,
			  cur ? SLOT_CURSOR : SLOT_DEFAULT, 0, ALIGN_LEFT);
		free(s);
	}
	for (int i = 0; i < nafter; i++)
		draw_text(row++, left + 2, tw, after.v[i].text, after.v[i].slot,
			  after.v[i].extra, ALIGN_LEFT);
	if (d->has_input && row + 1 < top + bh - 1) {
		row++;
		draw_input(d, row++, left + 2, tw);
	}
	if ((d->footer || d->note) && row + 1 < top + bh - 1) {
		row++;
		draw_text(row, left + 2, tw, d->note ? d->note : d->footer,
			  d->note ? SLOT_STATUS_WARN : SLOT_DIM, 0, ALIGN_LEFT);
	}
	rows_free(&before);
	rows_free(&after);
}

/* --- keys ------------------------------------------------------------------ */

static void input_backspace(struct dialog *d)
{
	if (d->ilen == 0)
		return;
	do
		d->ilen--;
	while (d->ilen > 0 && (d->input[d->ilen] & 0xc0) == 0x80);
	d->input[d->ilen] = '\0';
}

static void input_insert(struct dialog *d, int ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t ps;
	size_t n;

	memset(&ps, 0, sizeof(ps));
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	if (n == (size_t)-1 || d->ilen + n >= sizeof(d->input))
		return;
	memcpy(d->input + d->ilen, mb, n);
	d->ilen += n;
	d->input[d->ilen] = '\0';
}

enum dialog_result dialog_key(struct dialog *d, int ch, bool is_key)
{
	bool enter = (!is_key && (ch == '\n' || ch == '\r')) ||
		     (is_key && ch == KEY_ENTER);
	bool esc = !is_key && ch == 27;
	bool tab = !is_key && ch == '\t';
	bool editing = d->has_input && d->input_focus;
	bool up = (is_key && ch == KEY_UP) || (!is_key && ch == 16);
	bool down = (is_key && ch == KEY_DOWN) || (!is_key && ch == 14);

	if (!editing && !is_key && ch == 'k')
		up = true;
	if (!editing && !is_key && ch == 'j')
		down = true;
	/* The text scrolls: PgDn/PgUp (Space/b), and j/k with no choices. */
	if ((is_key && (ch == KEY_NPAGE || ch == KEY_PPAGE)) ||
	    (!editing && !is_key && (ch == ' ' || ch == 'b')) ||
	    ((up || down) && d->nchoices == 0)) {
		int step = (up || down) ? 1 : 5;

		if ((is_key && ch == KEY_PPAGE) || up || (!is_key && ch == 'b'))
			d->scroll -= step;
		else
			d->scroll += step;
		if (d->scroll < 0)
			d->scroll = 0;
		d->note = NULL;
		return DLG_NONE;
	}
	if (up || down) {
		if (up && d->choice > 0)
			d->choice--;
		else if (down && d->choice + 1 < d->nchoices)
			d->choice++;
		return DLG_NONE;
	}
	if (editing) {
		if (enter || esc || tab) {
			/* With a y/n question the input is a side field:
			 * leaving it never answers the question. */
			if (d->confirm) {
				d->input_focus = false;
				return DLG_NONE;
			}
			return enter ? DLG_OK : esc ? DLG_CANCEL : DLG_NONE;
		}
		if ((is_key && ch == KEY_BACKSPACE) ||
		    (!is_key && (ch == 127 || ch == 8)))
			input_backspace(d);
		else if (!is_key && ch == 21) /* C-u */
			d->ilen = 0, d->input[0] = '\0';
		else if (!is_key && ch >= 32)
			input_insert(d, ch);
		return DLG_NONE;
	}
	if (d->confirm && !d->all_seen &&
	    (enter || (!is_key && (ch == 'y' || ch == 'Y')))) {
		/* Never a yes to a plan not read whole, nor to one typed
		 * ahead of its first frame (keys that came in one read with
		 * the Enter that opened it). */
		d->note = !d->drawn ? "that key came before this was on "
			  "screen: read it, then answer"
			: d->text_rows ? "read it all first: PgDn or j scrolls "
			  "(or enlarge the pane)"
			: "enlarge the pane to read this and answer";
		return DLG_NONE;
	}
	if (enter)
		return DLG_OK;
	if (esc)
		return DLG_CANCEL;
	if (d->confirm && !is_key && (ch == 'y' || ch == 'Y'))
		return DLG_OK;
	if (d->confirm && !is_key && (ch == 'n' || ch == 'N'))
		return DLG_CANCEL;
	if (tab && d->has_input) {
		d->input_focus = true;
		return DLG_NONE;
	}
	return DLG_UNHANDLED;
}
