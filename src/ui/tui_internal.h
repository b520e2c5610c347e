/* tui_internal.h: what the `:` commands (commands.c) may ask of the loop.
 * Not for views: they return reactions instead (see tui.h). */
#ifndef MLTOP_TUI_INTERNAL_H
#define MLTOP_TUI_INTERNAL_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ui/tui.h"

struct view;
struct model;

#define MAX_VIEWS 16
#define MSG_MS 5000
#define PAINT_MIN_MS 40

/* The loop's state: tui.c owns it; tui_paint.c draws the chrome from it;
 * commands.c runs `:` commands and completes them. */

struct tui {
	struct store *store;
	struct model *model;
	struct pipe_source *pipes;   /* NULL: no pipeline source */
	uint64_t pipes_gen;          /* its model's generation, painted */
	const struct tui_opts *opts;
	struct view *stack[MAX_VIEWS];
	int depth;
	bool quit;
	int exit_code;
	bool dirty;
	uint64_t painted_gen;
	uint64_t synced_gen;    /* the model generation views last synced to */
	char *want_exp;         /* -e: open its runs once experiments load */
	/* A view a handler asked for (RE_PUSH): name and arguments, owned. */
	char *want_view, *want_arg, *want_arg2;
	int64_t last_paint;
	int64_t painted_sec;
	/* What the last sync of the views and the last paint cost: while
	 * the store works, the model moves with every slice or page, and
	 * views sync and paint at most every 4 times that (paint_gap), so a
	 * million-run table that takes a second to sort leaves the load most
	 * of the time. */
	int64_t last_sync, sync_cost_ms, paint_cost_ms;

	/* The prompt: ':' command or '/' filter, edited in place. */
	char prompt;
	char pbuf[1024];
	size_t plen;
	char *filter_before;   /* to restore on Esc */

	char *msg;
	bool msg_error;
	int64_t msg_until;
	bool msg_while_busy;     /* it goes once nothing is loading */
	bool paused;             /* z: no refresh until z again */
	bool mouse_on;           /* mousemask applied */

	bool help_on;
	int help_top;
	int help_page;           /* lines the overlay showed, for PgDn */

	int64_t next_refresh;
	FILE *script;
	int script_line;
	bool first_frame_done;
	bool first_rows_done;  /* a frame showed runs (first-rows-ms) */
	SCREEN *screen;
	FILE *devnull;

	/* Run health (alert/engine.c): checked when the model moved and
	 * every 5 s (a stall is time passing), after views synced. */
	struct alert_engine *alerts;
	struct alert_hook *hook;
	uint64_t alerts_gen;         /* the model generation last checked */
	uint64_t alerts_pipes_gen;   /* the pipeline model's, the same */
	int64_t alerts_next;         /* monotonic ms of the next check */
	struct mark_set {
		struct mark *v;
		size_t n, cap;
	} marks[MARK__N];
};


struct view *tui_top(struct tui *t);
void tui_quit(struct tui *t);
/* Replace the stack with one view; push another on top. */
void tui_reset_to(struct tui *t, const char *name);
void tui_open(struct tui *t, const char *name, const char *arg,
	      const char *arg2);
void tui_set_filter(struct tui *t, struct view *v, const char *pattern);
int tui_apply_theme(struct tui *t, const char *name);
void tui_schedule_refresh(struct tui *t);
void tui_show_help(struct tui *t);
/* Paint now, then write the screen as text to path. */
int tui_save_display(struct tui *t, const char *path, char **err);
int tui_store_stats(struct tui *t, char *buf, size_t n);
/* The pipeline source's traffic, the same way (-1: none). */
int tui_pipes_stats(struct tui *t, char *buf, size_t n);

/* tui_paint.c: the title, status and prompt lines, the help overlay. */
void tui_paint(struct tui *t);
int tui_dump_screen(const char *path, char **err);
/* commands.c: Tab in the `:` prompt. */
void tui_complete(struct tui *t);

#endif
