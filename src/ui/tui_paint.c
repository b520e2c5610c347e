/* tui_paint.c: the chrome around views: title, status and prompt lines,
 * the help overlay, one paint a pass, and :save-display's text dump. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "alert/engine.h"
#include "config/options.h"
#include "core/clock.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "ui/commands.h"
#include "ui/draw.h"
#include "ui/keymap.h"
#include "ui/theme.h"
#include "ui/tui_internal.h"
#include "ui/widget.h"

/* --- chrome ------------------------------------------------------------ */

static void paint_title(struct tui *t, int w)
{
	char crumbs[512] = "mltop";
	size_t len = strlen(crumbs);
	const char *sep = draw_unicode() ? " › " : " > ";

	for (int i = 0; i < t->depth && len < sizeof(crumbs) - 8; i++) {
		const char *s = t->stack[i]->ops->title(t->stack[i]);

		len += (size_t)snprintf(crumbs + len, sizeof(crumbs) - len,
					"%s%s", sep, s);
	}
	draw_fill(0, 0, w, SLOT_TITLE, 0);
	if (w > 12) {
		draw_text(0, 0, w - 9, crumbs, SLOT_TITLE, 0, ALIGN_LEFT);
		draw_text(0, w - 8, 8, "? help", SLOT_TITLE, 0, ALIGN_RIGHT);
	} else {
		draw_text(0, 0, w, crumbs, SLOT_TITLE, 0, ALIGN_LEFT);
	}
}

/* A pipeline view's status: the pipeline source's, not the store's. */
static bool pipe_status(struct tui *t, char *left, size_t n, enum slot *slot)
{
	struct view *v = tui_top(t);
	const struct pipe_model *m;
	char ago[48];
	int64_t now = clock_now_ms();

	if (!t->pipes || !v || (strncmp(v->ops->name, "pipeline", 8) &&
				strcmp(v->ops->name, "task-log")))
		return false;
	m = t->pipes->model;
	if (m->stale_since) {
		int64_t in = m->retry_at > now ? (m->retry_at - now + 999) / 1000
					       : 0;

		format_duration(now - m->stale_since, ago, sizeof(ago));
		snprintf(left, n, "%s  stale %s: %s; retry in %llds",
			 t->pipes->display, ago, m->error ? m->error
			 : "no reply", (long long)in);
		*slot = SLOT_STATUS_ERROR;
	} else if (m->error && m->error_ms >= m->last_ok_ms) {
		snprintf(left, n, "%s  %s", t->pipes->display, m->error);
		*slot = SLOT_STATUS_ERROR;
	} else if (m->progress[0]) {
		snprintf(left, n, "%s  %s", t->pipes->display, m->progress);
	} else {
		if (m->last_ok_ms > 0)
			format_ago(m->last_ok_ms, now, ago, sizeof(ago));
		snprintf(left, n, "%s  %s%s", t->pipes->display,
			 m->last_ok_ms > 0 ? "refreshed " : "loading",
			 m->last_ok_ms > 0 ? ago : "");
	}
	return true;
}

static void paint_status(struct tui *t, int y, int w)
{
	struct model *m = t->model;
	char left[512], right[256] = "", ago[48], alerts[48] = "";
	enum slot slot = SLOT_STATUS;
	struct view *v = tui_top(t);
	int rw, aw;

	if (t->msg && (t->script || clock_mono_ms() < t->msg_until)) {
		snprintf(left, sizeof(left), "%s", t->msg);
		slot = t->msg_error ? SLOT_STATUS_ERROR : SLOT_STATUS;
	} else if (pipe_status(t, left, sizeof(left), &slot)) {
		/* filled in */
	} else if (m->stale_since) {
		int64_t now = clock_now_ms();
		int64_t in = m->retry_at > now ? (m->retry_at - now + 999) / 1000
					       : 0;

		format_duration(now - m->stale_since, ago, sizeof(ago));
		snprintf(left, sizeof(left), "%s  stale %s: %s; retry in %llds",
			 t->store->uri.display, ago,
			 m->error ? m->error : "no reply", (long long)in);
		slot = SLOT_STATUS_ERROR;
	} else if (m->error) {
		snprintf(left, sizeof(left), "%s  %s", t->store->uri.display,
			 m->error);
		slot = SLOT_STATUS_ERROR;
	} else if (m->progress) {
		snprintf(left, sizeof(left), "%s  %s", t->store->uri.display,
			 m->progress);
	} else {
		const char *done = v && v->ops->settled ? v->ops->settled(v)
							: NULL;

		if (m->last_refresh_ms > 0)
			format_ago(m->last_refresh_ms, clock_now_ms(), ago,
				   sizeof(ago));
		else
			snprintf(ago, sizeof(ago), "loading");
		snprintf(left, sizeof(left), "%s  %s%s%s",
			 t->store->uri.display,
			 done ? "" : m->last_refresh_ms > 0 ? "refreshed " : "",
			 done ? done : ago, m->notice ? "  ! " : "");
		if (m->notice) {
			size_t l = strlen(left);

			snprintf(left + l, sizeof(left) - l, "%s", m->notice);
			slot = SLOT_STATUS_WARN;
		}
	}
	if (v && v->filter)
		snprintf(right, sizeof(right), "/%s ",
			 filter_pattern(v->filter));
	if (opt_bool(OPT_SHOW_DELETED)) {
		size_t l = strlen(right);

		snprintf(right + l, sizeof(right) - l, "+deleted ");
	}
	if (t->paused) {
		size_t l = strlen(right);

		snprintf(right + l, sizeof(right) - l, "PAUSED ");
	}
	for (int k = 0; k < MARK__N; k++) {
		size_t l = strlen(right), n = t->marks[k].n;

		if (n)
			snprintf(right + l, sizeof(right) - l,
				 "%zu %s%s marked ", n,
				 k == MARK_RUN ? "run" : "exp",
				 n == 1 ? "" : "s");
	}
	/* Alerts not acknowledged, on every view, in their own colour. */
	if (t->alerts && t->alerts->nunacked)
		snprintf(alerts, sizeof(alerts), "%s%zu alert%s ",
			 draw_unicode() ? "⚑ " : "! ", t->alerts->nunacked,
			 t->alerts->nunacked == 1 ? "" : "s");
	aw = utf8_width(alerts);
	rw = utf8_width(right);
	draw_fill(y, 0, w, slot, 0);
	if (rw + aw >= w / 2)
		rw = 0;
	if (aw >= w / 2)
		aw = 0;
	draw_text(y, 0, w - rw - aw, left, slot, 0, ALIGN_LEFT);
	if (rw)
		draw_text(y, w - rw - aw, rw, right, SLOT_STATUS, A_BOLD,
			  ALIGN_RIGHT);
	if (aw)
		draw_text(y, w - aw, aw, alerts, SLOT_ALERT, 0, ALIGN_RIGHT);
}

static void paint_prompt(struct tui *t, int y, int w)
{
	char buf[1100];
	int cw;

	snprintf(buf, sizeof(buf), "%c%s", t->prompt, t->pbuf);
	draw_fill(y, 0, w, SLOT_PROMPT, 0);
	/* Keep the end of a long line (where the cursor is) in view. */
	if (utf8_width(buf) >= w) {
		char cut[1100];

		utf8_fit_left(buf, w - 1, draw_unicode(), cut, sizeof(cut));
		draw_text(y, 0, w, cut, SLOT_PROMPT, 0, ALIGN_LEFT);
		cw = w - 1;
	} else {
		draw_text(y, 0, w, buf, SLOT_PROMPT, 0, ALIGN_LEFT);
		cw = utf8_width(buf);
	}
	move(y, cw < w ? cw : w - 1);
}

/* The help overlay: a framed, scrollable panel. The keys of the view it
 * was opened from come first, then those that work everywhere, then
 * those of other views, then every `:` command; all from their tables. */
enum help_kind { HL_HEAD, HL_ACTION, HL_COMMAND };

struct help_line {
	enum help_kind kind;
	int i;                  /* the action, or the command's index */
	const char *text;       /* HL_HEAD */
};

/* Moving about, and what works in any view. */
static bool action_everywhere(enum action a)
{
	switch (a) {
	case ACT_MOVE_DOWN: case ACT_MOVE_UP: case ACT_PAGE_DOWN:
	case ACT_PAGE_UP: case ACT_HALF_DOWN: case ACT_HALF_UP:
	case ACT_FIRST: case ACT_LAST: case ACT_ENTER: case ACT_BACK:
	case ACT_QUIT: case ACT_FILTER: case ACT_NEXT_MATCH:
	case ACT_PREV_MATCH: case ACT_REFRESH: case ACT_REGISTRY:
	case ACT_PIPELINES: case ACT_PAUSE: case ACT_COMMAND: case ACT_HELP:
		return true;
	default:
		return false;
	}
}

static bool in_keys(const enum action *keys, enum action a)
{
	for (size_t i = 0; keys && keys[i] != ACT_NONE; i++)
		if (keys[i] == a)
			return true;
	return false;
}

static size_t help_lines(const struct view *v, struct help_line *out,
			 char *head, size_t headsz)
{
	const enum action *keys = v ? v->ops->keys : NULL;
	size_t n = 0, ncmd;

	(void)ui_commands(&ncmd);
	if (keys && keys[0] != ACT_NONE) {
		snprintf(head, headsz, "In this view (%s)", v->ops->name);
		out[n++] = (struct help_line){HL_HEAD, 0, head};
		for (size_t i = 0; keys[i] != ACT_NONE; i++)
			out[n++] = (struct help_line){HL_ACTION, (int)keys[i],
						      NULL};
	}
	out[n++] = (struct help_line){HL_HEAD, 0, "Everywhere"};
	for (int a = 1; a < ACT__COUNT; a++)
		if (action_everywhere((enum action)a) &&
		    !in_keys(keys, (enum action)a))
			out[n++] = (struct help_line){HL_ACTION, a, NULL};
	out[n++] = (struct help_line){HL_HEAD, 0, "In other views"};
	for (int a = 1; a < ACT__COUNT; a++)
		if (!action_everywhere((enum action)a) &&
		    !in_keys(keys, (enum action)a))
			out[n++] = (struct help_line){HL_ACTION, a, NULL};
	out[n++] = (struct help_line){HL_HEAD, 0,
				      "Commands (type : then Tab completes)"};
	for (size_t i = 0; i < ncmd; i++)
		out[n++] = (struct help_line){HL_COMMAND, (int)i, NULL};
	return n;
}

static void paint_help(struct tui *t, int h, int w)
{
	/* A frame with a cleared inside, centred; narrow panes drop the
	 * action names so the help text keeps room. */
	int bw = w >= 104 ? 100 : w, bh = h - 1;
	int x = (w - bw) / 2, y = 0, kw = bw >= 70 ? 16 : 12;
	int nw = bw >= 70 ? 16 : 0, inner = bh - 2;
	size_t ncmd, total;
	const struct ui_command *cmds = ui_commands(&ncmd);
	struct help_line *lines = xcalloc((size_t)ACT__COUNT + ncmd + 8,
					  sizeof(*lines));
	char keys[96], head[96], pos[64];
	bool u = draw_unicode();

	total = help_lines(tui_top(t), lines, head, sizeof(head));
	if (inner < 1 || bw < 20) {
		free(lines);
		return;
	}
	t->help_page = inner;
	if (t->help_top > (int)total - inner)
		t->help_top = (int)total - inner;
	if (t->help_top < 0)
		t->help_top = 0;
	for (int r = 0; r < bh; r++) {
		draw_fill(y + r, x, bw, SLOT_DEFAULT, 0);
		draw_raw(y + r, x, u ? "│" : "|", SLOT_DIM, 0);
		draw_raw(y + r, x + bw - 1, u ? "│" : "|", SLOT_DIM, 0);
	}
	for (int c = 1; c < bw - 1; c++) {
		draw_raw(y, x + c, u ? "─" : "-", SLOT_DIM, 0);
		draw_raw(y + bh - 1, x + c, u ? "─" : "-", SLOT_DIM, 0);
	}
	draw_raw(y, x, u ? "┌" : "+", SLOT_DIM, 0);
	draw_raw(y, x + bw - 1, u ? "┐" : "+", SLOT_DIM, 0);
	draw_raw(y + bh - 1, x, u ? "└" : "+", SLOT_DIM, 0);
	draw_raw(y + bh - 1, x + bw - 1, u ? "┘" : "+", SLOT_DIM, 0);
	draw_text(y, x + 2, bw - 4, " Help: j/k PgUp/PgDn g/G scroll, any "
		  "other key closes ", SLOT_HEADER, 0, ALIGN_LEFT);
	snprintf(pos, sizeof(pos), " %d-%d of %zu ", t->help_top + 1,
		 t->help_top + inner < (int)total ? t->help_top + inner
						  : (int)total, total);
	draw_text(y + bh - 1, x + bw - 2 - (int)strlen(pos), (int)strlen(pos),
		  pos, SLOT_DIM, 0, ALIGN_LEFT);
	for (int row = 0; row < inner && t->help_top + row < (int)total;
	     row++) {
		const struct help_line *l = &lines[t->help_top + row];
		int ly = y + 1 + row, lx = x + 2, lw = bw - 4;
		const char *k, *name, *help;
		char usage[96];

		if (l->kind == HL_HEAD) {
			draw_text(ly, lx, lw, l->text, SLOT_HEADER, A_BOLD,
				  ALIGN_LEFT);
			continue;
		}
		if (l->kind == HL_ACTION) {
			keymap_keys((enum action)l->i, keys, sizeof(keys));
			k = *keys ? keys : "(unbound)";
			name = action_defs[l->i].name;
			help = action_defs[l->i].help;
		} else {
			snprintf(usage, sizeof(usage), ":%s%s%s",
				 cmds[l->i].name, cmds[l->i].args ? " " : "",
				 cmds[l->i].args ? cmds[l->i].args : "");
			k = usage;
			name = "";
			help = cmds[l->i].help;
			/* A command line is as long as it needs. */
			if (utf8_width(usage) > kw + nw) {
				draw_text(ly, lx, lw, usage, SLOT_KEY, 0,
					  ALIGN_LEFT);
				continue;
			}
		}
		draw_text(ly, lx, kw, k, SLOT_KEY, 0, ALIGN_LEFT);
		if (nw)
			draw_text(ly, lx + kw + 1, nw, name, SLOT_LABEL, 0,
				  ALIGN_LEFT);
		draw_text(ly, lx + kw + 1 + (nw ? nw + 1 : 0),
			  lw - kw - 1 - (nw ? nw + 1 : 0), help, SLOT_DEFAULT,
			  0, ALIGN_LEFT);
	}
	free(lines);
}

void tui_paint(struct tui *t)
{
	int h, w;
	struct view *v = tui_top(t);
	int64_t start = clock_mono_ms();

	getmaxyx(stdscr, h, w);
	erase();
	curs_set(0);
	table_hits_reset();
	if (h < 3 || w < 10) {
		draw_text(0, 0, w, "terminal too small", SLOT_DEFAULT, 0,
			  ALIGN_LEFT);
	} else {
		paint_title(t, w);
		if (v)
			v->ops->draw(v, 1, 0, h - 2, w);
		if (t->help_on)
			paint_help(t, h, w);
		if (t->prompt) {
			paint_prompt(t, h - 1, w);
			curs_set(1);
		} else {
			paint_status(t, h - 1, w);
		}
	}
	wnoutrefresh(stdscr);
	doupdate();
	t->dirty = false;
	t->painted_gen = t->model->generation;
	t->last_paint = clock_mono_ms();
	t->paint_cost_ms = t->last_paint - start;
	t->painted_sec = clock_now_ms() / 1000;
}

/* --- :save-display ------------------------------------------------------ */

int tui_dump_screen(const char *path, char **err)
{
	FILE *f = fopen(path, "w");
	int h, w;

	if (!f) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	getmaxyx(stdscr, h, w);
	for (int y = 0; y < h; y++) {
		char line[4096];
		size_t len = 0, keep = 0;

		for (int x = 0; x < w && len < sizeof(line) - 8; x++) {
			cchar_t cc;
			wchar_t wc[CCHARW_MAX + 1];
			attr_t attrs;
			short pair;
			mbstate_t ps;

			if (mvin_wch(y, x, &cc) == ERR)
				continue;
			getcchar(&cc, wc, &attrs, &pair, NULL);
			if (wc[0] == 0)
				continue;
			/* A wide character fills two cells; read it once. */
			if (wcwidth(wc[0]) > 1)
				x += wcwidth(wc[0]) - 1;
			memset(&ps, 0, sizeof(ps));
			for (int i = 0; wc[i] && i < CCHARW_MAX; i++) {
				size_t n = wcrtomb(line + len, wc[i], &ps);

				if (n != (size_t)-1)
					len += n;
			}
			if (wc[0] != L' ')
				keep = len;
		}
		fprintf(f, "%.*s\n", (int)keep, line);
	}
	if (fclose(f) != 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

