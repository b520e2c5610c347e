/* tui_internal.h: what the `:` commands (commands.c) may ask of the loop.
 * Not for views: they return reactions instead (see tui.h). */
#ifndef MLTOP_TUI_INTERNAL_H
#define MLTOP_TUI_INTERNAL_H

#include <stdbool.h>

struct tui;
struct view;
struct model;

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

#endif
