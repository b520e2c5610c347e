/* pipe_ui.c: what the pipeline views share: state colours and glyphs,
 * the strip of recent runs, and the confirmed, audited write. */
#include "config.h"

#include <curses.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "registry/history.h"
#include "ui/draw.h"
#include "ui/pipe_ui.h"
#include "ui/tui.h"

enum slot pipe_state_slot(enum pipe_state s)
{
	switch (s) {
	case PS_RUNNING:
	case PS_RESTARTING:
	case PS_DEFERRED:
		return SLOT_RUN_RUNNING;
	case PS_SUCCESS:
		return SLOT_RUN_FINISHED;
	case PS_FAILED:
	case PS_UPSTREAM_FAILED:
		return SLOT_RUN_FAILED;
	case PS_UP_FOR_RETRY:
	case PS_UP_FOR_RESCHEDULE:
		return SLOT_RUN_STALLED;
	case PS_QUEUED:
	case PS_SCHEDULED:
		return SLOT_RUN_SCHEDULED;
	case PS_SKIPPED:
	case PS_REMOVED:
	case PS_CANCELLED:
		return SLOT_RUN_KILLED;
	default:
		return SLOT_DIM;
	}
}

const char *pipe_state_glyph(enum pipe_state s)
{
	bool u = draw_unicode();

	switch (s) {
	case PS_RUNNING:
	case PS_RESTARTING:
		return u ? "▶" : ">";
	case PS_DEFERRED:
		return u ? "⏸" : "d";
	case PS_SUCCESS:
		return u ? "✓" : "+";
	case PS_FAILED:
		return u ? "✗" : "x";
	case PS_UPSTREAM_FAILED:
		return u ? "⤫" : "^";
	case PS_UP_FOR_RETRY:
	case PS_UP_FOR_RESCHEDULE:
		return u ? "↻" : "r";
	case PS_QUEUED:
	case PS_SCHEDULED:
		return u ? "…" : ".";
	case PS_SKIPPED:
	case PS_REMOVED:
	case PS_CANCELLED:
		return u ? "⊘" : "-";
	case PS_OTHER:
		return "?";
	default:
		return u ? "·" : " ";
	}
}

void pipe_strip_cell(const struct cell *c, int y, int x, int w, int extra)
{
	const struct pipe_dag *d = c->custom_ctx;
	int n = d->nrecent < w ? d->nrecent : w;

	draw_fill(y, x, w, SLOT_DEFAULT, extra);
	/* recent[] is newest first; the strip reads left to right in time,
	 * right-aligned so the newest run is always in the same column. */
	for (int i = 0; i < n; i++) {
		enum pipe_state s = d->recent[n - 1 - i];

		draw_raw(y, x + w - n + i, pipe_state_glyph(s),
			 pipe_state_slot(s), extra);
	}
}

/* --- confirmed writes ---------------------------------------------------- */

struct pipe_confirm {
	struct tui *tui;
	struct dialog *dlg;
	/* The write, with strings owned here. */
	struct pipe_write w;
	char *dag, *run, *conf;
	char **tasks;
	size_t ntasks;
	struct pipe_write_result dry, res;
	bool asking;      /* the dry run is under way */
	bool writing;
	bool closed;      /* the view let go of it: free when the write ends */
	bool open;        /* the dialog is up */
	size_t items;     /* what the dry run listed */
	char *summary;
	char *event;      /* the audit line's event */
};

static char *event_json(const struct pipe_confirm *c)
{
	char *who = history_who();
	char *out = pipe_write_event(&c->w, who, clock_now_ms());

	free(who);
	return out;
}

static void confirm_free_all(struct pipe_confirm *c)
{
	dialog_free(c->dlg);
	free(c->dag);
	free(c->run);
	free(c->conf);
	for (size_t i = 0; i < c->ntasks; i++)
		free(c->tasks[i]);
	free(c->tasks);
	pipe_write_result_free(&c->dry);
	pipe_write_result_free(&c->res);
	free(c->summary);
	free(c->event);
	free(c);
}

static void show_plan(struct pipe_confirm *c)
{
	struct dialog *d = c->dlg;

	dialog_clear_lines(d);
	dialog_line(d, SLOT_DEFAULT, A_BOLD, c->summary);
	switch (c->w.kind) {
	case PW_TRIGGER:
		if (!c->conf) {
			dialog_line(d, SLOT_DEFAULT, 0, "A manual run starts "
				    "now, with conf {}.");
			break;
		}
		dialog_line(d, SLOT_DEFAULT, 0, "A manual run starts now, "
			    "with this conf:");
		/* Every key on a line of its own: the whole conf is seen
		 * before y is taken. */
		{
			json_t *j = json_loads(c->conf, 0, NULL);
			char *text = j ? json_dumps(j, JSON_INDENT(2) |
						    JSON_PRESERVE_ORDER)
				       : xstrdup(c->conf);

			for (char *l = text, *nl; l && *l; l = nl) {
				nl = strchr(l, '\n');
				if (nl)
					*nl++ = '\0';
				dialog_line(d, SLOT_DEFAULT, 0, l);
				if (!nl)
					break;
			}
			free(text);
			json_decref(j);
		}
		break;
	case PW_CLEAR:
		if (c->asking) {
			dialog_line(d, SLOT_DIM, 0, "asking the orchestrator "
				    "what the clear would touch…");
			break;
		}
		for (size_t i = 0; i < c->dry.nitems; i++) {
			char *l = xasprintf("%s: cleared, runs again",
					    c->dry.items[i]);

			dialog_line(d, SLOT_DEFAULT, 0, l);
			free(l);
		}
		if (!c->dry.nitems)
			dialog_line(d, SLOT_DIM, 0, "nothing matches: "
				    "nothing would change");
		break;
	case PW_PAUSE:
		dialog_line(d, SLOT_DEFAULT, 0, "No new runs are scheduled; "
			    "running ones go on.");
		break;
	case PW_UNPAUSE:
		dialog_line(d, SLOT_DEFAULT, 0, "Runs are scheduled again.");
		break;
	case PW_RETRY:
		dialog_line(d, SLOT_DEFAULT, 0,
			    tui_pipes(c->tui)->ops->retry_means);
		break;
	case PW_CANCEL:
		dialog_line(d, SLOT_DEFAULT, 0, "The run stops: running "
			    "tasks are stopped, the rest never start.");
		break;
	case PW_MARK:
		if (c->asking) {
			dialog_line(d, SLOT_DIM, 0, "asking the orchestrator "
				    "what would change…");
			break;
		}
		for (size_t i = 0; i < c->dry.nitems; i++) {
			char *l = xasprintf("%s: set to %s", c->dry.items[i],
					    c->w.new_state);

			dialog_line(d, SLOT_DEFAULT, 0, l);
			free(l);
		}
		break;
	}
	dialog_footer(d, c->asking || ((c->w.kind == PW_CLEAR ||
					 c->w.kind == PW_MARK) && !c->dry.nitems)
			 ? "Esc: close" : "y: do it   n/Esc: cancel");
}

static void dry_done(struct pipe_source *p, bool ok, void *ud)
{
	struct pipe_confirm *c = ud;

	c->asking = false;
	if (c->closed) {
		confirm_free_all(c);
		return;
	}
	if (!ok) {
		tui_message(c->tui, true, "clear: %s", p->model->error
			    ? p->model->error : "the dry run failed");
		c->open = false;
		return;
	}
	show_plan(c);
	tui_dirty(c->tui);
}

static void write_done(struct pipe_source *p, bool ok, void *ud)
{
	struct pipe_confirm *c = ud;
	char *result = ok ? xstrdup("done")
			  : xasprintf("failed: %s", p->model->error
				      ? p->model->error : "refused");
	char *err = NULL;
	int arc = audit_append(p->display, c->dag, c->event, result, &err);

	if (ok)
		tui_message(c->tui, arc != 0, "done: %s%s%s%s%s",
			    c->summary, c->res.run_id ? " (run " : "",
			    c->res.run_id ? c->res.run_id : "",
			    c->res.run_id ? ")" : "",
			    arc ? "; audit log failed" : "");
	else
		tui_message(c->tui, true, "%s", result);
	free(err);
	free(result);
	c->writing = false;
	/* Show what the orchestrator holds now. */
	p->ops->load_dags(p, NULL, NULL);
	if (c->run)
		p->ops->load_tasks(p, c->dag, c->run, NULL, NULL);
	p->ops->load_recent(p, c->dag, NULL, NULL);
	if (c->closed)
		confirm_free_all(c);
}

void pipe_confirm_open(struct pipe_confirm **cp, struct tui *t,
		       const struct pipe_write *w)
{
	struct pipe_source *p = tui_pipes(t);
	struct pipe_confirm *c;
	char what[512];

	pipe_confirm_free(*cp);
	*cp = NULL;
	if (!p)
		return;
	if (p->read_only) {
		tui_message(t, true, "read-only: %s is a write (mltop runs "
			    "with --read-only)", pipe_write_name(w->kind));
		return;
	}
	/* What the orchestrator cannot do is said before anything is
	 * asked. */
	if (p->ops->refuse) {
		char *why = p->ops->refuse(p, w);

		if (why) {
			tui_message(t, true, "%s: %s", pipe_write_name(w->kind),
				    why);
			free(why);
			return;
		}
	}
	c = xcalloc(1, sizeof(*c));
	c->tui = t;
	c->w = *w;
	c->dag = xstrdup(w->dag_id);
	c->run = w->run_id ? xstrdup(w->run_id) : NULL;
	c->w.dag_id = c->dag;
	c->w.run_id = c->run;
	if (w->ntask_ids) {
		c->tasks = xcalloc(w->ntask_ids, sizeof(char *));
		for (size_t i = 0; i < w->ntask_ids; i++)
			c->tasks[i] = xstrdup(w->task_ids[i]);
		c->ntasks = w->ntask_ids;
	}
	c->w.task_ids = (const char *const *)c->tasks;
	c->conf = w->conf ? xstrdup(w->conf) : NULL;
	c->w.conf = c->conf;
	switch (w->kind) {
	case PW_TRIGGER:
		snprintf(what, sizeof(what), "Trigger a run of %s", c->dag);
		break;
	case PW_CLEAR:
		snprintf(what, sizeof(what), "Clear %s%s of %s run %s",
			 c->ntasks ? c->tasks[0] : c->w.only_failed
			 ? "the failed tasks" : "every task",
			 c->w.downstream ? " and downstream" : "", c->dag,
			 c->run);
		break;
	case PW_PAUSE:
		snprintf(what, sizeof(what), "Pause %s", c->dag);
		break;
	case PW_UNPAUSE:
		snprintf(what, sizeof(what), "Unpause %s", c->dag);
		break;
	case PW_RETRY:
		snprintf(what, sizeof(what), "Retry %s run %s", c->dag,
			 c->run);
		break;
	case PW_CANCEL:
		snprintf(what, sizeof(what), "Cancel %s run %s", c->dag,
			 c->run);
		break;
	case PW_MARK:
		snprintf(what, sizeof(what), "Mark %s of %s run %s %s",
			 c->tasks ? c->tasks[0] : "?", c->dag, c->run,
			 w->new_state);
		break;
	}
	c->summary = xstrdup(what);
	c->dlg = dialog_new(pipe_write_name(w->kind));
	c->dlg->confirm = true;
	c->open = true;
	if (w->kind == PW_CLEAR || w->kind == PW_MARK) {
		struct pipe_write dry = c->w;

		dry.dry_run = true;
		c->asking = true;
		p->ops->write(p, &dry, &c->dry, dry_done, c);
	}
	show_plan(c);
	*cp = c;
}

static void go(struct pipe_confirm *c)
{
	struct pipe_source *p = tui_pipes(c->tui);
	char *err = NULL;

	c->event = event_json(c);
	if (audit_append(p->display, c->dag, c->event, AUDIT_STARTED,
			 &err) != 0) {
		tui_message(c->tui, true, "nothing written: the audit log "
			    "cannot record it: %s", err);
		free(err);
		return;
	}
	c->w.dry_run = false;
	c->writing = true;
	tui_message(c->tui, false, "writing: %s", c->summary);
	p->ops->write(p, &c->w, &c->res, write_done, c);
}

static bool confirm_key(struct pipe_confirm *c, int ch, bool is_key)
{
	enum dialog_result r;

	r = dialog_key(c->dlg, ch, is_key);
	if (r == DLG_CANCEL) {
		c->open = false;
		tui_message(c->tui, false, "cancelled: nothing written");
	} else if (r == DLG_OK) {
		if (c->asking || ((c->w.kind == PW_CLEAR ||
				   c->w.kind == PW_MARK) && !c->dry.nitems))
			return true;  /* nothing to confirm yet */
		c->open = false;
		go(c);
	}
	return c->open || r != DLG_UNHANDLED;
}

bool pipe_confirm_key(struct pipe_confirm **cp, int ch, bool is_key)
{
	bool took;

	if (!*cp || !(*cp)->open)
		return false;
	took = confirm_key(*cp, ch, is_key);
	if (!(*cp)->open) {
		pipe_confirm_free(*cp);
		*cp = NULL;
	}
	return took;
}

bool pipe_confirm_showing(const struct pipe_confirm *c)
{
	return c && c->open;
}

void pipe_confirm_draw(struct pipe_confirm *c, int y, int x, int h, int w)
{
	if (c->open)
		dialog_draw(c->dlg, y, x, h, w);
}

void pipe_confirm_free(struct pipe_confirm *c)
{
	if (!c)
		return;
	if (c->asking || c->writing) {
		c->closed = true;  /* freed when the request ends */
		c->open = false;
		return;
	}
	confirm_free_all(c);
}

int pipe_trigger_command(struct pipe_confirm **cp, struct tui *t,
			 const char *dag, int argc, char **argv, char **err)
{
	char *conf = NULL, *why;

	for (int i = 1; i < argc; i++) {
		char *n = xasprintf("%s%s%s", conf ? conf : "", conf ? " " : "",
				    argv[i]);

		free(conf);
		conf = n;
	}
	if (conf && (why = pipe_conf_check(conf))) {
		*err = xasprintf("trigger: the conf is %s", why);
		free(why);
		free(conf);
		return 1;
	}
	pipe_confirm_open(cp, t, &(struct pipe_write){
		.kind = PW_TRIGGER, .dag_id = dag, .conf = conf});
	free(conf);
	return 0;
}

const char *pipe_write_hint(struct pipe_source *src, const char *dag,
			    const char *run, bool task)
{
	struct pipe_write w = {.kind = PW_CLEAR, .dag_id = dag,
			       .run_id = run};
	char *why = src->ops->refuse ? src->ops->refuse(src, &w) : NULL;

	free(why);
	if (why)
		return "a: retry  K: cancel";
	return task ? "C: clear task + downstream" : "C: clear the run";
}
