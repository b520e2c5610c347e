/* tui.h: the terminal front end: the view stack, the one event loop,
 * the title and status lines, the prompt and the help overlay. */
#ifndef MLTOP_TUI_H
#define MLTOP_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/conffile.h"
#include "ui/actions.h"

struct store;
struct model;
struct filter;
struct view;
struct tui;
struct pipe_source;

struct view_ops {
	const char *name;
	void (*free)(struct view *v);
	/* Draw into the region; never outside it. */
	void (*draw)(struct view *v, int y, int x, int h, int w);
	/* Mandatory. The model changed: rebuild the rows from it by id,
	 * keeping the selection by id, and drop every pointer into the model
	 * taken before. The loop calls it on every view on the stack before
	 * any key or paint once the model's generation moved, then frees
	 * what the model retired (model_collect): a pointer a view holds is
	 * valid from one sync to the next, never longer. */
	void (*sync)(struct view *v);
	/* Returns enum reaction bits; RE_UNHANDLED lets the tui try. */
	int (*action)(struct view *v, enum action a);
	/* Ask the store for what the view shows: full reload or a poll. */
	void (*reload)(struct view *v, bool full);
	/* The breadcrumb for the title line; static or view-owned. */
	const char *(*title)(struct view *v);
	/* The filter changed (v->filter may be NULL). */
	void (*filter_changed)(struct view *v);
	/* A `:` command the tui does not know; -1 when the view neither.
	 * *err (owned), when set, is shown as an error. */
	int (*command)(struct view *v, int argc, char **argv, char **err);
	/* Words to complete for `:` commands of this view (NULL-ended). */
	void (*complete)(struct view *v, const char *cmd,
			 void (*add)(void *ctx, const char *word), void *ctx);
	/* A key before the keymap sees it, as get_wch() gave it (is_key: a
	 * KEY_* code); true when the view took it (an open dialog takes
	 * every key). NULL: the keymap always decides. */
	bool (*key)(struct view *v, int ch, bool is_key);
	/* What it shows can no longer change (a run that ended), so it is
	 * not refreshed: the status line says that instead of counting the
	 * time since the last refresh. NULL: never. */
	const char *(*settled)(struct view *v);
	/* What y copies (web false: an id or a URI such as runs:/ID/ or
	 * models:/NAME/V) or Y (web true: the web UI's address, from
	 * tui_web_url / tui_pipes_web_url); owned, NULL: nothing here. */
	char *(*yank)(struct view *v, bool web);
	/* The actions it has beyond moving about, ending in ACT_NONE: the
	 * help overlay lists them first. */
	const enum action *keys;
};

struct view {
	const struct view_ops *ops;
	struct tui *tui;
	struct filter *filter;     /* owned, NULL when not filtering */
	void *priv;
};

struct tui_opts {
	const char *experiment;   /* open straight on its runs */
	bool exit_after_first_frame;
	int64_t start_mono;       /* process start, for first-frame-ms */
	struct msg_list *config_errors;
	struct pipe_source *pipes;  /* -p: pipelines too (NULL: none) */
	bool alerts_no_state;       /* the demo: alerts not kept */
};

/* Run the dashboard until the user quits; returns the exit status. */
int tui_run(struct store *s, const struct tui_opts *o);

/* For views. */
/* The tracking server's web UI address of path ("#/experiments/1"),
 * credentials left out; owned, NULL for a local store. */
char *tui_web_url(struct tui *t, const char *path);
/* The same for the pipeline source's web UI ("dags/x/runs/y"). */
char *tui_pipes_web_url(struct tui *t, const char *path);
struct store *tui_store(struct tui *t);
/* The pipeline source, or NULL when mltop runs without one. */
struct pipe_source *tui_pipes(struct tui *t);
struct model *tui_model(struct tui *t);
bool tui_unicode(struct tui *t);
/* A one-line message in the status line for a few seconds. */
void tui_message(struct tui *t, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tui_dirty(struct tui *t);
/* Run health: the alert engine (NULL: none), acknowledging one alert
 * by its position in the engine (or all: (size_t)-1), and whether a run
 * (an experiment's run) has an alert not acknowledged or over. */
struct alert_engine *tui_alerts(struct tui *t);
void tui_alerts_ack(struct tui *t, size_t i);
/* Acknowledge a run's alerts; false when it had none to acknowledge. */
bool tui_alerts_ack_run(struct tui *t, const char *run_id);
bool tui_run_alerted(struct tui *t, const char *run_id);
bool tui_exp_alerted(struct tui *t, const char *exp_id);
/* Open the `:` prompt with text already typed. */
void tui_prompt_command(struct tui *t, const char *text);

/* Runs and experiments marked for compare (Space), by id, for the whole
 * session: marks survive leaving the view and moving between experiments.
 * The set owns its strings; the array is valid until marks change. */
enum mark_kind { MARK_RUN, MARK_EXPERIMENT, MARK__N };

struct mark {
	char *id;
	char *experiment_id;   /* a run's experiment; NULL for experiments */
};

bool tui_marked(struct tui *t, enum mark_kind k, const char *id);
/* Mark or unmark; returns true when it is now marked. */
bool tui_mark_toggle(struct tui *t, enum mark_kind k, const char *id,
		     const char *experiment_id);
/* In the order they were marked (compare colours follow it). */
const struct mark *tui_marks(struct tui *t, enum mark_kind k, size_t *n);
void tui_marks_clear(struct tui *t, enum mark_kind k);

/* Ask the loop to open a view (by its name in views.c) on top of the
 * stack once the handler returns; returns RE_PUSH | RE_REDRAW for the
 * handler to return. A store callback may call it too: the loop opens the
 * view after the store dispatches. */
int tui_want_view(struct tui *t, const char *name, const char *arg,
		  const char *arg2);

#endif
