/* view_pipe_runs.c: the runs of one pipeline, newest first: state, run
 * type, start, duration, conf. Enter opens a run's tasks as a Gantt
 * chart; X triggers a new run; C clears the whole selected run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"
#include "store/model.h"
#include "ui/draw.h"
#include "ui/pipe_ui.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/widget.h"

#define RUNS_SHOWN 100  /* the newest runs a view asks for */

enum { C_STATE, C_RUN, C_TYPE, C_START, C_DURATION, C_CONF, C__N };

static const struct table_col cols[C__N] = {
	[C_STATE] = {"STATE", 11, 0, 0, false, false, false, 0},
	/* Airflow's run ids are about 40 columns: shown whole at 80. */
	[C_RUN] = {"RUN", 40, 40, 0, false, true, false, 64},
	[C_TYPE] = {"TYPE", 9, 0, 3, false, false, false, 0},
	[C_START] = {"START", 8, 0, 1, true, false, false, 0},
	[C_DURATION] = {"DURATION", 8, 0, 0, true, false, false, 0},
	[C_CONF] = {"CONF", 16, 4, 4, false, true, false, 60},
};

struct runs_view {
	char *dag;
	char title[300];
	struct table table;
	size_t *rows;            /* indexes into the pipe model's runs */
	size_t nrows, caprows;
	uint64_t gen;
	bool dirty;
	char *selected;
	struct pipe_confirm *confirm;
};

static struct runs_view *P(struct view *v)
{
	return v->priv;
}

static struct pipe_model *PM(struct view *v)
{
	return tui_pipes(v->tui)->model;
}

/* The model holds the runs of one DAG at a time: this view's, or none. */
static bool ours(struct view *v)
{
	struct pipe_model *m = PM(v);

	return m->runs_dag && strcmp(m->runs_dag, P(v)->dag) == 0;
}

static void rebuild(struct view *v)
{
	struct runs_view *p = P(v);
	struct pipe_model *m = PM(v);
	size_t keep = 0;

	p->nrows = 0;
	for (size_t i = 0; ours(v) && i < m->nruns; i++) {
		const struct pipe_run *r = &m->runs[i];
		char *subject;
		bool ok = true;

		if (v->filter) {
			subject = xasprintf("%s\n%s\n%s\n%s", r->run_id,
					    r->state_text ? r->state_text : "",
					    r->run_type ? r->run_type : "",
					    r->conf ? r->conf : "");
			ok = filter_match(v->filter, subject);
			free(subject);
		}
		if (!ok)
			continue;
		p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1,
				sizeof(*p->rows));
		p->rows[p->nrows++] = i;
	}
	for (size_t i = 0; p->selected && i < p->nrows; i++)
		if (!strcmp(m->runs[p->rows[i]].run_id, p->selected))
			keep = i;
	p->table.nrows = p->nrows;
	if (p->selected)
		p->table.sel = keep;
	table_clamp(&p->table);
	p->gen = m->gen;
	p->dirty = false;
}

static void fresh(struct view *v)
{
	if (P(v)->dirty || P(v)->gen != PM(v)->gen)
		rebuild(v);
}

static struct pipe_run *selected_run(struct view *v)
{
	struct runs_view *p = P(v);

	fresh(v);
	return p->table.sel < p->nrows ? &PM(v)->runs[p->rows[p->table.sel]]
				       : NULL;
}

static void cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct view *v = ctx;
	struct pipe_run *r = &PM(v)->runs[P(v)->rows[row]];

	switch (col) {
	case C_STATE:
		snprintf(c->buf, sizeof(c->buf), "%s %s",
			 pipe_state_glyph(r->state),
			 r->state_text ? r->state_text : "-");
		c->text = c->buf;
		c->slot = pipe_state_slot(r->state);
		break;
	case C_RUN:
		/* A run with a name of its own (Prefect's) shows it, with
		 * the start of its id. */
		if (r->name) {
			snprintf(c->buf, sizeof(c->buf), "%s (%.8s)", r->name,
				 r->run_id);
			c->text = c->buf;
		} else {
			c->text = r->run_id;
		}
		break;
	case C_TYPE:
		c->text = r->run_type;
		break;
	case C_START:
		format_ago(r->start_ms, clock_now_ms(), c->buf,
			   sizeof(c->buf));
		c->text = r->start_ms ? c->buf : "-";
		break;
	case C_DURATION:
		if (r->start_ms > 0) {
			int64_t end = r->end_ms > 0 ? r->end_ms
						    : clock_now_ms();

			format_duration(end >= r->start_ms ? end - r->start_ms
							   : 0,
					c->buf, sizeof(c->buf));
			c->text = c->buf;
		} else {
			c->text = "-";
		}
		break;
	case C_CONF:
		c->text = r->conf && strcmp(r->conf, "{}") ? r->conf : "";
		c->slot = SLOT_DIM;
		break;
	}
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct runs_view *p = P(v);
	struct pipe_model *m = PM(v);
	char info[600];

	fresh(v);
	table_draw(&p->table, y, x, h - 1, w);
	if (p->nrows) {
		snprintf(info, sizeof(info), "%zu/%zu of %ld runs  Enter: "
			 "tasks  X: trigger  %s",
			 p->table.sel + 1, p->nrows, m->runs_total,
			 pipe_write_hint(tui_pipes(v->tui), p->dag,
					 m->runs[p->rows[p->table.sel]].run_id,
					 false));
		draw_text(y + h - 1, x, w, info, SLOT_DIM, 0, ALIGN_LEFT);
	} else if (h > 4) {
		if (ours(v))
			snprintf(info, sizeof(info), "%s", v->filter
				 ? "no run matches the filter"
				 : "no runs yet: X triggers one");
		else if (m->error)
			snprintf(info, sizeof(info), "cannot read the runs: %s",
				 m->error);
		else
			snprintf(info, sizeof(info), "loading runs…");
		draw_text(y + 2, x + 2, w - 4, info,
			  m->error && !ours(v) ? SLOT_STATUS_ERROR : SLOT_DIM,
			  0, ALIGN_LEFT);
	}
	if (p->confirm && pipe_confirm_showing(p->confirm))
		pipe_confirm_draw(p->confirm, y, x, h, w);
}

static void remember(struct view *v)
{
	struct pipe_run *r = selected_run(v);

	if (r)
		set_str(&P(v)->selected, r->run_id);
}

static int action(struct view *v, enum action a)
{
	struct runs_view *p = P(v);
	struct pipe_run *r;
	int re;

	fresh(v);
	re = table_action(&p->table, a);
	if (!(re & RE_UNHANDLED)) {
		remember(v);
		return re;
	}
	r = selected_run(v);
	switch (a) {
	case ACT_ENTER:
		if (!r)
			return RE_REDRAW;
		remember(v);
		return tui_want_view(v->tui, "pipeline-run", p->dag,
				     r->run_id);
	case ACT_TRIGGER:
		pipe_confirm_open(&p->confirm, v->tui, &(struct pipe_write){
			.kind = PW_TRIGGER, .dag_id = p->dag});
		return RE_REDRAW;
	case ACT_CLEAR:
	case ACT_RETRY:
	case ACT_CANCEL_RUN:
		if (!r)
			return RE_REDRAW;
		pipe_confirm_open(&p->confirm, v->tui, &(struct pipe_write){
			.kind = a == ACT_CLEAR ? PW_CLEAR : a == ACT_RETRY
				? PW_RETRY : PW_CANCEL, .dag_id = p->dag,
			.run_id = r->run_id});
		return RE_REDRAW;
	default:
		return RE_UNHANDLED;
	}
}

static bool key(struct view *v, int ch, bool is_key)
{
	if (!pipe_confirm_key(&P(v)->confirm, ch, is_key))
		return false;
	tui_dirty(v->tui);
	return true;
}

/* :trigger [CONF], and :clear [failed] of the selected run. */
static int command(struct view *v, int argc, char **argv, char **err)
{
	struct runs_view *p = P(v);
	struct pipe_run *r;

	if (argc >= 1 && !strcmp(argv[0], "trigger"))
		return pipe_trigger_command(&p->confirm, v->tui, p->dag, argc,
					    argv, err);
	if (argc < 1 || strcmp(argv[0], "clear") != 0)
		return -1;
	if (argc == 2 && strcmp(argv[1], "failed") != 0) {
		*err = xstrdup("clear: every task, or `:clear failed`");
		return 1;
	}
	fresh(v);
	r = selected_run(v);
	if (!r) {
		*err = xstrdup("clear: no run selected");
		return 1;
	}
	pipe_confirm_open(&p->confirm, v->tui, &(struct pipe_write){
		.kind = PW_CLEAR, .dag_id = p->dag, .run_id = r->run_id,
		.only_failed = argc == 2});
	return 0;
}

static void reload(struct view *v, bool full)
{
	struct pipe_source *src = tui_pipes(v->tui);

	if (!full && (src->model->pending ||
		      pipe_backing_off(src->model, clock_now_ms())))
		return;
	src->ops->load_runs(src, P(v)->dag, RUNS_SHOWN, NULL, NULL);
	P(v)->dirty = true;
}

static const char *title(struct view *v)
{
	snprintf(P(v)->title, sizeof(P(v)->title), "%s", P(v)->dag);
	return P(v)->title;
}

static void filter_changed(struct view *v)
{
	P(v)->dirty = true;
	P(v)->table.sel = 0;
	free(P(v)->selected);
	P(v)->selected = NULL;
}

static void vfree(struct view *v)
{
	struct runs_view *p = P(v);

	pipe_confirm_free(p->confirm);
	free(p->rows);
	free(p->selected);
	free(p->dag);
	free(p);
}

/* y: the run's id; Y: its page in Airflow's UI. */
static char *yank(struct view *v, bool web)
{
	struct pipe_run *r = selected_run(v);
	char *path, *url;

	if (!r)
		return NULL;
	if (!web)
		return xstrdup(r->run_id);
	path = xasprintf("dags/%s/runs/%s", P(v)->dag, r->run_id);
	url = tui_pipes_web_url(v->tui, path);
	free(path);
	return url;
}

static const enum action view_keys[] = {
	ACT_TRIGGER,
	ACT_CLEAR,
	ACT_RETRY,
	ACT_CANCEL_RUN,
	ACT_YANK,
	ACT_YANK_WEB,
	ACT_NONE,
};

static const struct view_ops runs_ops = {
	.name = "pipeline-runs",
	.free = vfree,
	.draw = draw,
	.sync = rebuild,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,
	.key = key,
	.command = command,	.yank = yank,	.keys = view_keys,
};

struct view *view_pipe_runs_new(struct tui *t, const char *dag)
{
	struct view *v;
	struct runs_view *p;

	if (!tui_pipes(t) || !dag)
		return NULL;
	v = xcalloc(1, sizeof(*v));
	p = xcalloc(1, sizeof(*p));
	v->ops = &runs_ops;
	v->tui = t;
	v->priv = p;
	p->dag = xstrdup(dag);
	p->table.cols = cols;
	p->table.ncols = C__N;
	p->table.cell = cell;
	p->table.ctx = v;
	p->table.sort_col = -1;
	p->gen = (uint64_t)-1;
	return v;
}
