/* view_pipe_run.c: one pipeline run's tasks in dependency order, as a
 * Gantt chart on one time axis: the queued span dotted, the running span
 * solid, coloured by state (and marked by a glyph for mono and
 * NO_COLOR). Mapped tasks are grouped into one row with a count of their
 * instances by state. A task that logged an MLflow run (tagged
 * airflow.dag_id, airflow.run_id, airflow.task_id) shows the run's key
 * metric and its sparkline at the end of its row, as a child run of an
 * MLflow parent does. Enter opens the task's log; W the task's MLflow run;
 * C clears the task and what is downstream of it. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/format.h"
#include "core/metric_pick.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"
#include "store/model.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/pipe_ui.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/widget.h"

/* The MLflow column comes last, and only when some task has a run: one
 * metric for all rows (the one most of the runs log, a held-out quality
 * first among equals), its value and sparkline, titled with its key. */
enum { C_TASK, C_STATE, C_TRY, C_DURATION, C_GANTT, C_MVAL, C__N };

static const struct table_col cols[C__N] = {
	[C_TASK] = {"TASK", 18, 10, 0, false, false, false, 0},
	[C_STATE] = {"STATE", 17, 0, 1, false, false, false, 0},
	[C_TRY] = {"TRY", 3, 0, 2, true, false, false, 0},
	[C_DURATION] = {"TIME", 7, 0, 0, true, false, false, 0},
	[C_GANTT] = {"", 20, 8, 0, false, true, false, 0},
	[C_MVAL] = {"VALUE", 18, 0, 3, false, false, true, 0},
};

/* A row: one task, or every map index of a mapped task. */
struct trow {
	char *task_id;
	size_t first, n;         /* instances: order[first .. first + n) */
	enum pipe_state state;   /* the one to show (worst first) */
	int try_number;
	int64_t queued, start, end;  /* 0: none */
	size_t count[PS__COUNT];
	struct run *mrun;        /* the MLflow run it logged, or NULL */
	struct series *mkey;     /* that run's point of the shown metric */
};

struct run_view {
	char *dag, *run;
	/* MLflow nested runs as a pipeline run: the parent's children are
	 * its tasks, read from the tracking store's model (no orchestrator
	 * needed). NULL for an orchestrator's run. */
	char *exp_id;
	struct pipe_model nested;
	char title[400];
	struct table table;
	struct table_col cols[C__N];  /* cols, with the value's title */
	char mtitle[64];
	struct trow *rows;
	size_t nrows;
	size_t *order;           /* task instance indexes, grouped */
	uint64_t gen, mgen;      /* the pipeline's and the store's model */
	bool dirty;
	char *selected;
	int64_t t0, t1;          /* the time axis */
	struct pipe_confirm *confirm;
};

static struct run_view *P(struct view *v)
{
	return v->priv;
}

static struct pipe_model *PM(struct view *v)
{
	return P(v)->exp_id ? &P(v)->nested : tui_pipes(v->tui)->model;
}

static enum pipe_state from_run_status(enum run_status s)
{
	switch (s) {
	case RUN_RUNNING: return PS_RUNNING;
	case RUN_SCHEDULED: return PS_QUEUED;
	case RUN_FINISHED: return PS_SUCCESS;
	case RUN_FAILED: return PS_FAILED;
	case RUN_KILLED: return PS_CANCELLED;
	default: return PS_OTHER;
	}
}

/* The children of the parent run as task instances, from the model. */
static void read_nested(struct view *v)
{
	struct run_view *p = P(v);
	struct pipe_model *m = &p->nested;
	struct model *mm = tui_model(v->tui);
	struct experiment *e = model_experiment(mm, p->exp_id);
	size_t n = 0;

	pipe_tasks_free(m->tasks, m->ntasks);
	m->tasks = NULL;
	m->ntasks = 0;
	for (size_t i = 0; e && i < e->nruns_loaded; i++)
		n += e->runs[i]->parent_id &&
		     !strcmp(e->runs[i]->parent_id, p->run);
	m->tasks = xcalloc(n + 1, sizeof(*m->tasks));
	for (size_t i = 0; e && i < e->nruns_loaded; i++) {
		const struct run *r = e->runs[i];
		struct pipe_task *t;

		if (!r->parent_id || strcmp(r->parent_id, p->run))
			continue;
		t = &m->tasks[m->ntasks++];
		t->task_id = xstrdup(r->name && *r->name ? r->name : r->id);
		t->map_index = -1;
		t->try_number = 1;
		t->state = from_run_status(r->status);
		t->state_text = xstrdup(pipe_state_name(t->state));
		t->start_ms = r->start_time;
		t->end_ms = r->end_time;
		t->duration_s = -1;
		t->hostname = xstrdup(r->id);  /* the child's run id */
	}
	free(m->tasks_dag);
	free(m->tasks_run);
	m->tasks_dag = xstrdup(p->dag);
	m->tasks_run = xstrdup(p->run);
	/* No definition to order them: by start, the way they ran. */
	for (size_t i = 1; i < m->ntasks; i++)
		for (size_t j = i; j > 0 && m->tasks[j - 1].start_ms >
		     m->tasks[j].start_ms; j--) {
			struct pipe_task t = m->tasks[j];

			m->tasks[j] = m->tasks[j - 1];
			m->tasks[j - 1] = t;
		}
	m->gen = mm->generation;
}

static bool ours(struct view *v)
{
	struct pipe_model *m = PM(v);

	return m->tasks_dag && m->tasks_run &&
	       !strcmp(m->tasks_dag, P(v)->dag) &&
	       !strcmp(m->tasks_run, P(v)->run);
}

/* Which state a group shows: a failure before anything running, before
 * anything waiting, before success. */
static int rank(enum pipe_state s)
{
	switch (s) {
	case PS_FAILED: return 9;
	case PS_UPSTREAM_FAILED: return 8;
	case PS_UP_FOR_RETRY: return 7;
	case PS_RUNNING: return 6;
	case PS_RESTARTING: return 6;
	case PS_DEFERRED: return 5;
	case PS_UP_FOR_RESCHEDULE: return 5;
	case PS_QUEUED: return 4;
	case PS_SCHEDULED: return 3;
	case PS_NONE: return 2;
	case PS_SUCCESS: return 1;
	default: return 0;
	}
}

static void rows_free(struct run_view *p)
{
	for (size_t i = 0; i < p->nrows; i++)
		free(p->rows[i].task_id);
	free(p->rows);
	p->rows = NULL;
	p->nrows = 0;
	free(p->order);
	p->order = NULL;
}

static void span(int64_t *lo, int64_t *hi, int64_t t)
{
	if (t <= 0)
		return;
	if (!*lo || t < *lo)
		*lo = t;
	if (t > *hi)
		*hi = t;
}

static struct trow *row_of(struct run_view *p, const char *task_id)
{
	for (size_t i = 0; task_id && i < p->nrows; i++)
		if (!strcmp(p->rows[i].task_id, task_id))
			return &p->rows[i];
	return NULL;
}

/* The row of the task run whose orchestrator id is uid. */
static struct trow *row_of_uid(struct view *v, const char *uid)
{
	struct pipe_model *m = PM(v);

	for (size_t i = 0; uid && i < m->ntasks; i++)
		if (m->tasks[i].uid && !strcmp(m->tasks[i].uid, uid))
			return row_of(P(v), m->tasks[i].task_id);
	return NULL;
}

static int try_of(const struct run *r)
{
	const char *t = kv_list_get(&r->tags, PIPE_TAG_TRY);

	return t ? atoi(t) : 0;
}

/* Each row's MLflow run: a nested pipeline's task is one; an
 * orchestrator's task is the run tagged with its dag, run and task (the
 * latest try when several). */
static void link_runs(struct view *v)
{
	struct run_view *p = P(v);
	struct model *mm = tui_model(v->tui);
	struct key_tally tally = {0};
	bool any = false;

	const struct pipe_ops *ops = p->exp_id ? NULL
				     : tui_pipes(v->tui)->ops;
	/* Airflow's tags name the DAG too; Prefect's run id is a UUID and
	 * its task tag the task run's UUID. */
	bool by_dag = ops && !strcmp(ops->tag_run, PIPE_TAG_RUN);

	for (size_t e = 0; ops && e < mm->nexps; e++) {
		struct experiment *x = mm->exps[e];

		for (size_t i = 0; i < x->nruns_loaded; i++) {
			struct run *r = x->runs[i];
			const char *d = kv_list_get(&r->tags, PIPE_TAG_DAG);
			const char *u = kv_list_get(&r->tags, ops->tag_run);
			const char *t = kv_list_get(&r->tags, ops->tag_task);
			struct trow *row;

			if (r->retired || !u || strcmp(u, p->run) ||
			    (by_dag && (!d || strcmp(d, p->dag))))
				continue;
			row = by_dag ? row_of(p, t) : row_of_uid(v, t);
			if (row && (!row->mrun ||
				    try_of(r) >= try_of(row->mrun)))
				row->mrun = r;
		}
	}
	for (size_t i = 0; i < p->nrows; i++) {
		struct trow *row = &p->rows[i];

		if (p->exp_id && row->n)
			row->mrun = model_find_run(
				mm, PM(v)->tasks[p->order[row->first]].hostname);
		any |= row->mrun != NULL;
		for (size_t k = 0; row->mrun && k < row->mrun->nmetrics; k++)
			if (row->mrun->metrics[k].has_latest &&
			    strncmp(row->mrun->metrics[k].key, "system/", 7))
				key_tally_add(&tally,
					      row->mrun->metrics[k].key);
	}
	key_tally_rank(&tally);
	snprintf(p->mtitle, sizeof(p->mtitle), "%s",
		 tally.n ? tally.v[0].key : "METRIC");
	for (size_t i = 0; i < p->nrows; i++) {
		struct series *ser = tally.n && p->rows[i].mrun
			? run_series(p->rows[i].mrun, tally.v[0].key) : NULL;

		p->rows[i].mkey = ser && ser->has_latest ? ser : NULL;
	}
	key_tally_free(&tally);
	p->cols[C_MVAL].title = p->mtitle;
	p->table.ncols = any ? C__N : C_GANTT + 1;
	p->mgen = mm->generation;
}

static void rebuild(struct view *v)
{
	struct run_view *p = P(v);
	struct pipe_model *m = PM(v);
	size_t nd, *dorder, k = 0, keep = 0;
	bool *used;

	if (p->exp_id)
		read_nested(v);
	rows_free(p);
	p->t0 = p->t1 = 0;
	if (!ours(v)) {
		p->table.nrows = 0;
		p->gen = m->gen;
		p->dirty = false;
		return;
	}
	p->order = xcalloc(m->ntasks + 1, sizeof(size_t));
	p->rows = xcalloc(m->ntasks + m->ndefs + 1, sizeof(*p->rows));
	used = xcalloc(m->ntasks + 1, sizeof(bool));
	dorder = xcalloc(m->ndefs + 1, sizeof(size_t));
	nd = m->defs_dag && !strcmp(m->defs_dag, p->dag)
		     ? pipe_defs_order(m, dorder) : 0;
	/* Dependency order, then any task the definition lacks. */
	for (size_t pass = 0; pass < 2; pass++) {
		size_t lim = pass ? m->ntasks : nd;

		for (size_t d = 0; d < lim; d++) {
			const char *id = pass ? m->tasks[d].task_id
					      : m->defs[dorder[d]].task_id;
			struct trow *r;

			if (pass && used[d])
				continue;
			r = &p->rows[p->nrows];
			r->first = k;
			for (size_t i = 0; i < m->ntasks; i++) {
				const struct pipe_task *t = &m->tasks[i];

				if (used[i] || strcmp(t->task_id, id))
					continue;
				used[i] = true;
				p->order[k++] = i;
				r->count[t->state]++;
				if (!r->n || rank(t->state) > rank(r->state))
					r->state = t->state;
				if (t->try_number > r->try_number)
					r->try_number = t->try_number;
				span(&r->queued, &p->t1, t->queued_ms);
				span(&r->start, &r->end, t->start_ms);
				span(&r->start, &r->end, t->end_ms);
				if (t->queued_ms && (!r->queued ||
						     t->queued_ms < r->queued))
					r->queued = t->queued_ms;
				r->n++;
			}
			if (!r->n && pass)
				continue;
			r->task_id = xstrdup(id);
			if (!r->n)
				r->state = PS_NONE;
			/* A task still running ends now, on the axis. */
			if (r->start && (r->state == PS_RUNNING ||
					 r->count[PS_RUNNING]))
				r->end = clock_now_ms();
			span(&p->t0, &p->t1, r->queued);
			span(&p->t0, &p->t1, r->start);
			span(&p->t0, &p->t1, r->end);
			p->nrows++;
		}
	}
	free(used);
	free(dorder);
	link_runs(v);
	for (size_t i = 0; p->selected && i < p->nrows; i++)
		if (!strcmp(p->rows[i].task_id, p->selected))
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
	uint64_t mgen = tui_model(v->tui)->generation;
	uint64_t gen = P(v)->exp_id ? mgen : PM(v)->gen;

	if (P(v)->dirty || P(v)->gen != gen || P(v)->mgen != mgen)
		rebuild(v);
}

/* The bar: columns before the task queued are blank, the queued span
 * dotted, the running span solid; the state's glyph ends the bar. */
static void gantt_cell(const struct cell *c, int y, int x, int w, int extra)
{
	const struct view *v = c->custom_ctx;
	const struct run_view *p = v->priv;
	const struct trow *r = &p->rows[c->npts];
	int64_t t0 = p->t0, len = p->t1 > p->t0 ? p->t1 - p->t0 : 1;
	enum slot slot = pipe_state_slot(r->state);
	bool u = draw_unicode();
	int q = -1, s = -1, e = -1;

	draw_fill(y, x, w, SLOT_DEFAULT, extra);
	if (w < 3)
		return;
	w--;  /* the glyph */
	if (r->queued)
		q = (int)((r->queued - t0) * w / len);
	if (r->start)
		s = (int)((r->start - t0) * w / len);
	if (r->end)
		e = (int)((r->end - t0) * w / len);
	if (s >= 0 && e < s)
		e = s;
	for (int i = q >= 0 ? q : 0; q >= 0 && i < (s >= 0 ? s : w) && i < w;
	     i++)
		draw_raw(y, x + i, u ? "░" : ".", SLOT_DIM, extra);
	for (int i = s; s >= 0 && i <= e && i < w; i++)
		draw_raw(y, x + i, u ? "█" : "#", slot, extra);
	{
		int g = e >= 0 ? e + 1 : q >= 0 ? q : 0;

		if (g > w)
			g = w;
		draw_raw(y, x + g, pipe_state_glyph(r->state), slot, extra);
	}
}

static void cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct view *v = ctx;
	struct trow *r = &P(v)->rows[row];

	switch (col) {
	case C_TASK: {
		/* A subflow's task ("sub › task") is shown indented under
		 * its subflow, by its own name. */
		const char *name = r->task_id, *sep;
		int depth = 0;

		while ((sep = strstr(name, " › ")) != NULL) {
			name = sep + strlen(" › ");
			depth++;
		}
		char count[32] = "";

		if (r->n > 1)
			snprintf(count, sizeof(count), " [%zu]", r->n);
		snprintf(c->buf, sizeof(c->buf), "%*s%s%s%s",
			 2 * (depth ? depth - 1 : 0), "", depth ? "› " : "",
			 name, count);
		c->text = c->buf;
		break;
	}
	case C_STATE:
		if (r->n > 1)
			snprintf(c->buf, sizeof(c->buf), "%s %zu/%zu done",
				 pipe_state_glyph(r->state),
				 r->count[PS_SUCCESS] + r->count[PS_SKIPPED],
				 r->n);
		else
			snprintf(c->buf, sizeof(c->buf), "%s %s",
				 pipe_state_glyph(r->state),
				 r->n ? pipe_state_name(r->state)
				      : "not started");
		c->text = c->buf;
		c->slot = pipe_state_slot(r->state);
		break;
	case C_TRY:
		snprintf(c->buf, sizeof(c->buf), "%d", r->try_number);
		c->text = r->try_number ? c->buf : "-";
		break;
	case C_DURATION:
		if (r->start && r->end >= r->start) {
			format_duration(r->end - r->start, c->buf,
					sizeof(c->buf));
			c->text = c->buf;
		} else {
			c->text = "-";
		}
		break;
	case C_GANTT:
		c->custom = gantt_cell;
		c->custom_ctx = v;
		c->npts = row;   /* which row the bar is of */
		break;
	default:
		break;
	case C_MVAL: {
		struct series *s = r->mkey;

		c->text = "";
		if (!s)
			break;
		format_value(s->latest.value, 8, c->buf, sizeof(c->buf));
		c->text = c->buf;
		if (isnan(s->latest.value) || value_is_inf(s->latest.value))
			c->slot = SLOT_VALUE_NAN;
		c->pts = s->pts;
		c->npts = s->n;
		c->loading = !s->fetched;
		/* Only rows on screen fetch history. */
		if (series_stale(s)) {
			struct store *st = tui_store(v->tui);

			st->ops->load_history(st, NULL, r->mrun, s, NULL,
					      NULL);
		}
		break;
	}
	}
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct run_view *p = P(v);
	struct pipe_model *m = PM(v);
	char info[600], a[40], b[40];

	fresh(v);
	table_draw(&p->table, y, x, h - 1, w);
	if (p->nrows) {
		format_time(p->t0, a, sizeof(a));
		format_duration(p->t1 > p->t0 ? p->t1 - p->t0 : 0, b,
				sizeof(b));
		snprintf(info, sizeof(info), "%zu/%zu  from %s over %s  %s%s",
			 p->table.sel + 1, p->nrows, p->t0 ? a : "-", b,
			 p->exp_id ? "Enter: the child run"
			 : p->rows[p->table.sel].mrun
			 ? "Enter: log  W: its MLflow run  " : "Enter: log  ",
			 p->exp_id ? "" : pipe_write_hint(tui_pipes(v->tui), p->dag,
							  p->run, true));
		draw_text(y + h - 1, x, w, info, SLOT_DIM, 0, ALIGN_LEFT);
	} else if (h > 4) {
		snprintf(info, sizeof(info), "%s",
			 ours(v) ? "no tasks in this run"
			 : m->error ? m->error : "loading tasks…");
		draw_text(y + 2, x + 2, w - 4, info,
			  m->error && !ours(v) ? SLOT_STATUS_ERROR : SLOT_DIM,
			  0, ALIGN_LEFT);
	}
	if (p->confirm && pipe_confirm_showing(p->confirm))
		pipe_confirm_draw(p->confirm, y, x, h, w);
}

static struct trow *selected_row(struct view *v)
{
	struct run_view *p = P(v);

	fresh(v);
	return p->table.sel < p->nrows ? &p->rows[p->table.sel] : NULL;
}

static int action(struct view *v, enum action a)
{
	struct run_view *p = P(v);
	struct trow *r;
	int re;

	fresh(v);
	re = table_action(&p->table, a);
	r = selected_row(v);
	if (!(re & RE_UNHANDLED)) {
		if (r)
			set_str(&p->selected, r->task_id);
		return re;
	}
	switch (a) {
	case ACT_ENTER: {
		const struct pipe_task *t;
		char mi[24];

		if (!r || !r->n)
			return RE_REDRAW;
		if (p->exp_id)  /* a child run: its detail */
			return tui_want_view(v->tui, "run",
					     PM(v)->tasks[p->order[r->first]]
						     .hostname, p->exp_id);
		/* A mapped task: its worst instance's log. */
		t = &PM(v)->tasks[p->order[r->first]];
		for (size_t i = 0; i < r->n; i++) {
			const struct pipe_task *u =
				&PM(v)->tasks[p->order[r->first + i]];

			if (u->state == r->state) {
				t = u;
				break;
			}
		}
		snprintf(mi, sizeof(mi), "%d", t->map_index);
		set_str(&p->selected, r->task_id);
		{
			/* The log view's second argument: run, task and map
			 * index, apart by a unit separator (no id holds
			 * one). */
			char *where = xasprintf("%s\x1f%s\x1f%s", p->run,
						r->task_id, mi);
			int rr = tui_want_view(v->tui, "task-log", p->dag,
					       where);

			free(where);
			return rr;
		}
	}
	case ACT_PIPELINES:  /* W: across to the MLflow run the task logged */
		if (!r || !r->mrun) {
			tui_message(v->tui, true, "no MLflow run is tagged with"
				    " this task (see doc/pipelines.md)");
			return RE_REDRAW;
		}
		return tui_want_view(v->tui, "run", r->mrun->id,
				     r->mrun->experiment_id);
	case ACT_CLEAR: {
		const char *ids[1];

		if (!r || p->exp_id)
			return RE_REDRAW;
		ids[0] = r->task_id;
		pipe_confirm_open(&p->confirm, v->tui, &(struct pipe_write){
			.kind = PW_CLEAR, .dag_id = p->dag, .run_id = p->run,
			.task_ids = ids, .ntask_ids = 1, .downstream = true});
		return RE_REDRAW;
	}
	case ACT_RUN_LOG: {
		char *where;
		int rr;

		if (p->exp_id)
			return RE_REDRAW;
		if (!tui_pipes(v->tui)->ops->run_log) {
			tui_message(v->tui, true, "%s keeps logs by task: "
				    "Enter on a task shows its log",
				    tui_pipes(v->tui)->ops->name);
			return RE_REDRAW;
		}
		/* A run's own log: the task-log view with no task. */
		where = xasprintf("%s\x1f\x1f-1", p->run);
		rr = tui_want_view(v->tui, "task-log", p->dag, where);
		free(where);
		return rr;
	}
	case ACT_RETRY:
	case ACT_CANCEL_RUN:
		/* The whole run shown. */
		if (p->exp_id)
			return RE_REDRAW;
		pipe_confirm_open(&p->confirm, v->tui, &(struct pipe_write){
			.kind = a == ACT_RETRY ? PW_RETRY : PW_CANCEL,
			.dag_id = p->dag, .run_id = p->run});
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

/* :mark success|failed: the selected task (its shown instance when
 * mapped) set to that state, asked first. */
static int command(struct view *v, int argc, char **argv, char **err)
{
	struct run_view *p = P(v);
	struct trow *r;
	const char *ids[1];
	const char *state;
	int mi = -1;

	if (argc < 1 || strcmp(argv[0], "mark") != 0)
		return -1;
	if (p->exp_id) {
		*err = xstrdup("mark: MLflow runs are not a pipeline's tasks");
		return 1;
	}
	state = argc == 2 && !strcmp(argv[1], "success") ? "success"
		: argc == 2 && !strcmp(argv[1], "failed") ? "failed" : NULL;
	if (!state) {
		*err = xstrdup("mark: success or failed");
		return 1;
	}
	r = selected_row(v);
	if (!r || !r->n) {
		*err = xstrdup("mark: no task instance selected");
		return 1;
	}
	if (r->n > 1 || PM(v)->tasks[p->order[r->first]].map_index >= 0)
		mi = PM(v)->tasks[p->order[r->first]].map_index;
	ids[0] = r->task_id;
	pipe_confirm_open(&p->confirm, v->tui, &(struct pipe_write){
		.kind = PW_MARK, .dag_id = p->dag, .run_id = p->run,
		.task_ids = ids, .ntask_ids = 1, .new_state = state,
		.map_index = mi});
	return 0;
}

static void reload(struct view *v, bool full)
{
	struct pipe_source *src = tui_pipes(v->tui);
	struct pipe_model *m;

	if (P(v)->exp_id || !src) {  /* the store's refresh reads the runs */
		P(v)->dirty = true;
		return;
	}
	m = src->model;
	if (!full && (m->pending || pipe_backing_off(m, clock_now_ms())))
		return;
	if (full || !m->defs_dag || strcmp(m->defs_dag, P(v)->dag))
		src->ops->load_defs(src, P(v)->dag, NULL, NULL);
	src->ops->load_tasks(src, P(v)->dag, P(v)->run, NULL, NULL);
	/* The MLflow runs its tasks logged, from the tracking store. */
	{
		struct store *st = tui_store(v->tui);

		if (st && st->ops->load_tagged_runs)
			st->ops->load_tagged_runs(st, &(struct store_req){
				.forced = full }, src->ops->tag_run, P(v)->run,
				NULL, NULL);
	}
	P(v)->dirty = true;
}

static const char *title(struct view *v)
{
	const struct pipe_run *r = P(v)->exp_id ? NULL
		: pipe_find_run(tui_pipes(v->tui)->model, P(v)->run);

	/* A run with a name of its own (Prefect's) is titled by it. */
	snprintf(P(v)->title, sizeof(P(v)->title), "%s > %s", P(v)->dag,
		 r && r->name ? r->name : P(v)->run);
	return P(v)->title;
}

static void vfree(struct view *v)
{
	struct run_view *p = P(v);

	pipe_confirm_free(p->confirm);
	rows_free(p);
	pipe_model_free(&p->nested);
	free(p->selected);
	free(p->dag);
	free(p->run);
	free(p->exp_id);
	free(p);
}

/* y: the task's id (a nested run's child: its run id); Y: the task in
 * Airflow's UI, or the child run in MLflow's. */
static char *yank(struct view *v, bool web)
{
	struct run_view *p = P(v);
	struct trow *r = selected_row(v);
	char *path, *url;

	if (!r)
		return NULL;
	if (p->exp_id) {
		const char *id = r->mrun ? r->mrun->id : NULL;

		if (!id)
			return NULL;
		if (!web)
			return xstrdup(id);
		path = xasprintf("#/experiments/%s/runs/%s", p->exp_id, id);
		url = tui_web_url(v->tui, path);
	} else {
		if (!web)
			return xstrdup(r->task_id);
		path = xasprintf("dags/%s/runs/%s/tasks/%s", p->dag, p->run,
				 r->task_id);
		url = tui_pipes_web_url(v->tui, path);
	}
	free(path);
	return url;
}

static const enum action view_keys[] = {
	ACT_CLEAR,
	ACT_RUN_LOG,
	ACT_RETRY,
	ACT_CANCEL_RUN,
	ACT_PIPELINES,
	ACT_YANK,
	ACT_YANK_WEB,
	ACT_NONE,
};

static const struct view_ops run_ops = {
	.name = "pipeline-run",
	.free = vfree,
	.draw = draw,
	.sync = rebuild,
	.action = action,
	.reload = reload,
	.title = title,
	.key = key,
	.command = command,	.yank = yank,	.keys = view_keys,
};

struct view *view_nested_run_new(struct tui *t, const char *exp_id,
				 const char *run_id)
{
	struct model *mm = tui_model(t);
	struct run *parent = run_id ? model_find_run(mm, run_id) : NULL;
	struct view *v;
	struct run_view *p;

	if (!parent || !exp_id)
		return NULL;
	v = xcalloc(1, sizeof(*v));
	p = xcalloc(1, sizeof(*p));
	v->ops = &run_ops;
	v->tui = t;
	v->priv = p;
	p->dag = xstrdup(parent->name && *parent->name ? parent->name
						       : parent->id);
	p->run = xstrdup(parent->id);
	p->exp_id = xstrdup(exp_id);
	pipe_model_init(&p->nested);
	memcpy(p->cols, cols, sizeof(cols));
	p->table.cols = p->cols;
	p->table.ncols = C_GANTT + 1;
	p->table.cell = cell;
	p->table.ctx = v;
	p->table.sort_col = -1;
	p->gen = (uint64_t)-1;
	return v;
}

struct view *view_pipe_run_new(struct tui *t, const char *dag,
			       const char *run)
{
	struct view *v;
	struct run_view *p;

	if (!tui_pipes(t) || !dag || !run)
		return NULL;
	v = xcalloc(1, sizeof(*v));
	p = xcalloc(1, sizeof(*p));
	v->ops = &run_ops;
	v->tui = t;
	v->priv = p;
	p->dag = xstrdup(dag);
	p->run = xstrdup(run);
	memcpy(p->cols, cols, sizeof(cols));
	p->table.cols = p->cols;
	p->table.ncols = C_GANTT + 1;
	p->table.cell = cell;
	p->table.ctx = v;
	p->table.sort_col = -1;
	p->gen = (uint64_t)-1;
	return v;
}
