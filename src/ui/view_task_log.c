/* view_task_log.c: one task try's log (or, with no task, a run's own
 * log where the orchestrator keeps one), read in pieces with the
 * orchestrator's continuation token and followed while the task runs
 * (f toggles following: the view stays on the newest line). `/` keeps
 * the lines that match; `:try N` shows another try. Lines are untrusted
 * text: drawn through the sanitiser like everything else. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"
#include "ui/draw.h"
#include "ui/pipe_ui.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/widget.h"

struct log_view {
	char *dag, *run, *task;
	int map_index, try_number;   /* try 0: the newest, once known */
	char title[600];
	char *key;                   /* which log the model holds */
	size_t *rows;                /* matching line indexes */
	size_t nrows, caprows;
	size_t top;
	bool follow;
	bool finished;               /* the try ended and all was read */
	bool want_log;               /* the try was unknown at the reload */
	enum pipe_state state;
	uint64_t gen;
	int page;
};

static struct log_view *P(struct view *v)
{
	return v->priv;
}

static struct pipe_model *PM(struct view *v)
{
	return tui_pipes(v->tui)->model;
}

static char *log_key(const struct log_view *p)
{
	return xasprintf("%s\x1f%s\x1f%s\x1f%d\x1f%d", p->dag, p->run,
			 p->task, p->map_index, p->try_number);
}

/* The model keeps one log: this view's, or it starts over. */
static bool ours(struct view *v)
{
	struct pipe_model *m = PM(v);

	return m->log_key && P(v)->key && !strcmp(m->log_key, P(v)->key);
}

static void take_log(struct view *v)
{
	struct pipe_model *m = PM(v);
	struct log_view *p = P(v);

	if (ours(v))
		return;
	pipe_log_clear(m);
	free(m->log_key);
	m->log_key = xstrdup(p->key);
	p->finished = false;
	p->top = 0;
}

static void rebuild(struct view *v)
{
	struct log_view *p = P(v);
	struct pipe_model *m = PM(v);

	p->nrows = 0;
	for (size_t i = 0; ours(v) && i < m->nlog; i++) {
		if (v->filter && !filter_match(v->filter, m->log[i].text))
			continue;
		p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1,
				sizeof(*p->rows));
		p->rows[p->nrows++] = i;
	}
	/* A run's own log (no task): the run's state. */
	if (!*p->task) {
		const struct pipe_run *r = pipe_find_run(m, p->run);

		if (r)
			p->state = r->state;
	}
	/* The task's state, from its instance. */
	for (size_t i = 0; *p->task && i < m->ntasks; i++) {
		const struct pipe_task *t = &m->tasks[i];

		if (m->tasks_run && !strcmp(m->tasks_run, p->run) &&
		    !strcmp(t->task_id, p->task) &&
		    t->map_index == p->map_index) {
			p->state = t->state;
			if (!p->try_number && t->try_number > 0) {
				p->try_number = t->try_number;
				free(p->key);
				p->key = log_key(p);
			}
		}
	}
	p->gen = m->gen;
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct log_view *p = P(v);
	struct pipe_model *m = PM(v);
	char info[300], which[32] = "the run";
	int body = h - 1;

	if (p->gen != m->gen)
		rebuild(v);
	if (p->want_log && p->try_number && !m->pending)
		v->ops->reload(v, false);
	p->page = body;
	if (p->follow && p->nrows > (size_t)body)
		p->top = p->nrows - (size_t)body;
	if (p->top + (size_t)body > p->nrows)
		p->top = p->nrows > (size_t)body ? p->nrows - (size_t)body : 0;
	for (int r = 0; r < body; r++) {
		size_t i = p->top + (size_t)r;

		if (i < p->nrows) {
			const struct pipe_log_line *l = &m->log[p->rows[i]];
			enum slot s = l->level && (!strcmp(l->level, "error") ||
						   !strcmp(l->level,
							   "critical"))
				      ? SLOT_RUN_FAILED
				      : l->level && !strcmp(l->level, "warning")
				      ? SLOT_RUN_STALLED : SLOT_DEFAULT;

			draw_text(y + r, x, w, l->text, s, 0, ALIGN_LEFT);
		} else {
			draw_fill(y + r, x, w, SLOT_DEFAULT, 0);
		}
	}
	if (!ours(v) || (!m->nlog && m->pending))
		draw_text(y + 1, x + 2, w - 4, m->error ? m->error
			  : "loading the log…", m->error ? SLOT_STATUS_ERROR
			  : SLOT_DIM, 0, ALIGN_LEFT);
	if (*p->task)
		snprintf(which, sizeof(which), "try %d", p->try_number);
	snprintf(info, sizeof(info), "%zu line%s%s  %s  %s %s  %s",
		 p->nrows, p->nrows == 1 ? "" : "s",
		 v->filter ? " matching" : "", which,
		 pipe_state_glyph(p->state), pipe_state_name(p->state),
		 p->follow ? "following (f: stop)" : "f: follow");
	draw_text(y + h - 1, x, w, info, p->follow ? SLOT_RUN_RUNNING
		  : SLOT_DIM, 0, ALIGN_LEFT);
}

static int action(struct view *v, enum action a)
{
	struct log_view *p = P(v);
	size_t page = p->page > 0 ? (size_t)p->page : 10;

	switch (a) {
	case ACT_MOVE_DOWN:
		p->follow = false;
		p->top++;
		return RE_REDRAW;
	case ACT_MOVE_UP:
		p->follow = false;
		if (p->top)
			p->top--;
		return RE_REDRAW;
	case ACT_PAGE_DOWN:
	case ACT_HALF_DOWN:
		p->follow = false;
		p->top += a == ACT_PAGE_DOWN ? page : page / 2;
		return RE_REDRAW;
	case ACT_PAGE_UP:
	case ACT_HALF_UP:
		p->follow = false;
		p->top -= p->top < (a == ACT_PAGE_UP ? page : page / 2)
				  ? p->top : (a == ACT_PAGE_UP ? page : page / 2);
		return RE_REDRAW;
	case ACT_FIRST:
		p->follow = false;
		p->top = 0;
		return RE_REDRAW;
	case ACT_LAST:
	case ACT_FOLLOW:
		p->follow = a == ACT_LAST ? true : !p->follow;
		return RE_REDRAW;
	default:
		return RE_UNHANDLED;
	}
}

static void reload(struct view *v, bool full)
{
	struct log_view *p = P(v);
	struct pipe_source *src = tui_pipes(v->tui);
	struct pipe_model *m = src->model;

	if (!full && (m->pending || pipe_backing_off(m, clock_now_ms())))
		return;
	/* The instance (its state, its newest try) and more of the log:
	 * the try may be known already from the tasks the model holds. */
	rebuild(v);
	if (*p->task)
		src->ops->load_tasks(src, p->dag, p->run, NULL, NULL);
	else
		src->ops->load_runs(src, p->dag, 0, NULL, NULL);
	if (!p->try_number) {
		p->want_log = true;  /* read once the try is known */
		return;
	}
	p->want_log = false;
	take_log(v);
	if (full) {
		pipe_log_clear(m);
		p->finished = false;
	}
	if (p->finished)
		return;
	if (pipe_state_final(p->state) && ours(v) && m->nlog &&
	    !m->log_token)
		p->finished = true;
	src->ops->load_log(src, p->dag, p->run, p->task, p->map_index,
			   p->try_number, NULL, NULL);
}

static int command(struct view *v, int argc, char **argv, char **err)
{
	struct log_view *p = P(v);
	int n;

	if (argc < 1 || strcmp(argv[0], "try") != 0)
		return -1;
	n = argc == 2 ? atoi(argv[1]) : 0;
	if (n < 1) {
		*err = xstrdup("try: give a try number, 1 or more");
		return 1;
	}
	p->try_number = n;
	free(p->key);
	p->key = log_key(p);
	take_log(v);
	reload(v, true);
	return 0;
}

static const char *title(struct view *v)
{
	struct log_view *p = P(v);

	if (!*p->task)
		snprintf(p->title, sizeof(p->title), "%s > %s > run log",
			 p->dag, p->run);
	else if (p->map_index >= 0)
		snprintf(p->title, sizeof(p->title), "%s > %s > %s[%d] log",
			 p->dag, p->run, p->task, p->map_index);
	else
		snprintf(p->title, sizeof(p->title), "%s > %s > %s log",
			 p->dag, p->run, p->task);
	return p->title;
}

static void filter_changed(struct view *v)
{
	P(v)->gen = (uint64_t)-1;
	P(v)->top = 0;
	P(v)->follow = false;
}

static void sync(struct view *v)
{
	P(v)->gen = (uint64_t)-1;
}

static void vfree(struct view *v)
{
	struct log_view *p = P(v);

	free(p->rows);
	free(p->dag);
	free(p->run);
	free(p->task);
	free(p->key);
	free(p);
}

static const enum action view_keys[] = {
	ACT_FOLLOW,
	ACT_NONE,
};

static const struct view_ops log_ops = {
	.name = "task-log",
	.free = vfree,
	.draw = draw,
	.sync = sync,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,
	.command = command,	.keys = view_keys,
};

struct view *view_task_log_new(struct tui *t, const char *dag,
			       const char *where)
{
	struct view *v;
	struct log_view *p;
	const char *a, *b;

	if (!tui_pipes(t) || !dag || !where ||
	    !(a = strchr(where, '\x1f')) || !(b = strchr(a + 1, '\x1f')))
		return NULL;
	v = xcalloc(1, sizeof(*v));
	p = xcalloc(1, sizeof(*p));
	v->ops = &log_ops;
	v->tui = t;
	v->priv = p;
	p->dag = xstrdup(dag);
	p->run = xstrndup(where, (size_t)(a - where));
	p->task = xstrndup(a + 1, (size_t)(b - a - 1));
	p->map_index = atoi(b + 1);
	if (!*p->task)
		p->try_number = 1;  /* a run's own log has no tries */
	p->follow = true;
	p->key = log_key(p);
	p->gen = (uint64_t)-1;
	return v;
}
