/* pipe_ui.h: how pipeline states look, shared by the pipeline views:
 * a theme slot (colour) and a glyph (legible in mono and under
 * NO_COLOR), a strip of recent states, and the confirm-write flow. */
#ifndef MLTOP_PIPE_UI_H
#define MLTOP_PIPE_UI_H

#include <stdbool.h>

#include "pipeline/pipeline.h"
#include "ui/theme.h"
#include "ui/widget.h"

enum slot pipe_state_slot(enum pipe_state s);
/* One column: "✓ ✗ ▶ …" in UTF-8, "+ x > ." in ASCII. */
const char *pipe_state_glyph(enum pipe_state s);
/* The footer's write hint for a run (task false) or a task of it: what
 * this orchestrator does there ("C: clear the run" on Airflow, "a: retry
 * K: cancel" on Prefect, which clears nothing). */
const char *pipe_write_hint(struct pipe_source *src, const char *dag,
			    const char *run, bool task);
/* A cell drawing c->custom_ctx, a struct pipe_dag, as its strip of
 * recent run states, newest on the right. */
void pipe_strip_cell(const struct cell *c, int y, int x, int w, int extra);

/* A pipeline write from a view: the dialog says what will change (for a
 * clear, the server's own dry run), asks, records the intent in the
 * audit log, writes, records the outcome, and says it in the status
 * line. Refused under --read-only. */
struct tui;
struct pipe_confirm;
/* Start, replacing *cp: shows the plan in a dialog (a clear first asks
 * the server what it would touch). The view keeps *cp, hands it keys
 * (pipe_confirm_key) and paints it (pipe_confirm_draw) while it is
 * open; *cp is NULL when refused at once (a message says why). */
void pipe_confirm_open(struct pipe_confirm **cp, struct tui *t,
		       const struct pipe_write *w);
/* A view's key op: true when the open dialog took the key; once the
 * dialog closes, *cp is let go and set NULL. */
bool pipe_confirm_key(struct pipe_confirm **cp, int ch, bool is_key);
/* Is the dialog up (the view gives it keys and paints it)? */
bool pipe_confirm_showing(const struct pipe_confirm *c);
void pipe_confirm_draw(struct pipe_confirm *c, int y, int x, int h, int w);
void pipe_confirm_free(struct pipe_confirm *c);
/* `:trigger [CONF-JSON]` for dag: the words after the name joined again
 * (a conf may hold spaces), checked before the dialog opens. Returns 0,
 * or 1 with *err when the conf is not a JSON object. */
int pipe_trigger_command(struct pipe_confirm **cp, struct tui *t,
			 const char *dag, int argc, char **argv, char **err);

#endif
