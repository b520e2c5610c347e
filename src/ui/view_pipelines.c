/* view_pipelines.c: every pipeline (DAG) of the pipeline source: paused
 * or active, the states of its newest runs as a strip of cells (its
 * sparkline), schedule, next run, owners, tags, import errors. Enter
 * opens its runs; X triggers a run, O pauses or unpauses, each shown
 * and confirmed first. */
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

enum { C_DAG, C_RECENT, C_STATE, C_SCHEDULE, C_NEXT, C_OWNERS, C_TAGS,
       C__N };

static const struct table_col cols[C__N] = {
	[C_DAG] = {"PIPELINE", 24, 20, 0, false, true, false, 60},
	[C_RECENT] = {"RECENT", PIPE_RECENT, 0, 0, true, false, false, 0},
	[C_STATE] = {"STATE", 7, 0, 0, false, false, false, 0},
	[C_SCHEDULE] = {"SCHEDULE", 12, 0, 3, false, false, false, 0},
	[C_NEXT] = {"NEXT RUN", 10, 0, 2, true, false, false, 0},
	[C_OWNERS] = {"OWNERS", 10, 0, 4, false, false, false, 0},
	[C_TAGS] = {"TAGS", 14, 8, 1, false, true, false, 40},
};

struct pipelines_view {
	struct table table;
	size_t *rows;            /* indexes into the pipe model's dags */
	size_t nrows, caprows;
	uint64_t gen;
	bool dirty;
	char *selected;          /* keeps the cursor on an id */
	char **asked;            /* DAGs whose recent runs were asked for */
	size_t nasked, capasked;
	int64_t polled_ms;       /* wall clock of the last poll's ask */
	struct pipe_confirm *confirm;
	struct table_col cols[C__N];  /* cols, titled for the source */
};

static struct pipelines_view *P(struct view *v)
{
	return v->priv;
}

static struct pipe_model *PM(struct view *v)
{
	return tui_pipes(v->tui)->model;
}

static bool dag_matches(const struct filter *f, const struct pipe_dag *d)
{
	char *subject;
	bool ok;

	if (!f)
		return true;
	subject = xasprintf("%s\n%s\n%s\n%s", d->id, d->tags ? d->tags : "",
			    d->owners ? d->owners : "",
			    d->description ? d->description : "");
	ok = filter_match(f, subject);
	free(subject);
	return ok;
}

static void rebuild(struct view *v)
{
	struct pipelines_view *p = P(v);
	struct pipe_model *m = PM(v);
	size_t keep = 0;

	p->nrows = 0;
	for (size_t i = 0; i < m->ndags; i++) {
		if (!dag_matches(v->filter, &m->dags[i]))
			continue;
		p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1,
				sizeof(*p->rows));
		p->rows[p->nrows++] = i;
	}
	for (size_t i = 0; p->selected && i < p->nrows; i++)
		if (!strcmp(m->dags[p->rows[i]].id, p->selected))
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

static struct pipe_dag *selected_dag(struct view *v)
{
	struct pipelines_view *p = P(v);

	fresh(v);
	return p->table.sel < p->nrows ? &PM(v)->dags[p->rows[p->table.sel]]
				       : NULL;
}

static void forget_asked(struct pipelines_view *p)
{
	for (size_t i = 0; i < p->nasked; i++)
		free(p->asked[i]);
	p->nasked = 0;
}

/* Strips a poll found out of date are asked for again (when on
 * screen); "*": all of them. */
static void take_changed(struct view *v)
{
	struct pipelines_view *p = P(v);
	size_t n;
	char **ids = pipe_take_changed(PM(v), &n);

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(ids[i], "*"))
			forget_asked(p);
		for (size_t k = 0; k < p->nasked; k++)
			if (!strcmp(p->asked[k], ids[i])) {
				free(p->asked[k]);
				p->asked[k] = p->asked[--p->nasked];
				break;
			}
		free(ids[i]);
	}
	free(ids);
}

/* Recent runs of the rows on screen only: once, and again when a poll
 * says they changed. */
static void load_visible(struct view *v, int page)
{
	struct pipelines_view *p = P(v);
	struct pipe_source *src = tui_pipes(v->tui);
	struct pipe_model *m = PM(v);

	take_changed(v);
	for (size_t r = p->table.top;
	     r < p->nrows && r < p->table.top + (size_t)page; r++) {
		const char *id = m->dags[p->rows[r]].id;
		size_t i;

		for (i = 0; i < p->nasked; i++)
			if (!strcmp(p->asked[i], id))
				break;
		if (i < p->nasked)
			continue;
		p->asked = xgrow(p->asked, &p->capasked, p->nasked + 1,
				 sizeof(*p->asked));
		p->asked[p->nasked++] = xstrdup(id);
		src->ops->load_recent(src, id, NULL, NULL);
	}
}

static void cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct view *v = ctx;
	struct pipe_dag *d = &PM(v)->dags[P(v)->rows[row]];

	switch (col) {
	case C_DAG:
		c->text = d->id;
		if (d->import_errors) {
			snprintf(c->buf, sizeof(c->buf), "%s (import errors)",
				 d->id);
			c->text = c->buf;
			c->slot = SLOT_RUN_FAILED;
		}
		break;
	case C_RECENT:
		c->custom = pipe_strip_cell;
		c->custom_ctx = d;
		break;
	case C_STATE:
		c->text = d->paused ? "paused" : "active";
		c->slot = d->paused ? SLOT_DIM : SLOT_RUN_RUNNING;
		break;
	case C_SCHEDULE:
		c->text = d->schedule ? d->schedule : "-";
		break;
	case C_NEXT:
		if (d->next_run_ms > 0) {
			int64_t now = clock_now_ms();

			if (d->next_run_ms > now)
				format_duration(d->next_run_ms - now, c->buf,
						sizeof(c->buf));
			else
				snprintf(c->buf, sizeof(c->buf), "due");
			c->text = c->buf;
		} else {
			c->text = "-";
			c->slot = SLOT_DIM;
		}
		break;
	case C_OWNERS:
		c->text = d->owners;
		break;
	case C_TAGS:
		c->text = d->tags;
		c->slot = SLOT_LABEL;
		break;
	}
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct pipelines_view *p = P(v);
	struct pipe_model *m = PM(v);
	char info[600];

	fresh(v);
	/* Files that did not load: a line each under the table, at most a
	 * third of the pane. */
	if (m->nimport_errors && h > 6) {
		int ne = (int)m->nimport_errors, room = h / 3;
		int shown = ne + 1 > room ? room - 1 : ne;

		h -= shown + 1;
		snprintf(info, sizeof(info), "%d file%s with import errors "
			 "(not listed above):", ne, ne == 1 ? "" : "s");
		draw_text(y + h, x, w, info, SLOT_RUN_FAILED, 0, ALIGN_LEFT);
		for (int i = 0; i < shown; i++) {
			char *l = xasprintf("  %s: %s",
					    m->import_errors[i].filename,
					    m->import_errors[i].message);

			draw_text(y + h + 1 + i, x, w, l, SLOT_RUN_FAILED, 0,
				  ALIGN_LEFT);
			free(l);
		}
	}
	load_visible(v, p->table.page > 0 ? p->table.page : h);
	table_draw(&p->table, y, x, h - 1, w);
	if (p->nrows) {
		const struct pipe_dag *d = &m->dags[p->rows[p->table.sel]];

		snprintf(info, sizeof(info), "%zu/%zu  Enter: runs  X: "
			 "trigger  O: %s", p->table.sel + 1, p->nrows,
			 d->paused ? "unpause" : "pause");
		draw_text(y + h - 1, x, w, info, SLOT_DIM, 0, ALIGN_LEFT);
	} else {
		if (m->dags_loaded)
			snprintf(info, sizeof(info), "%s", v->filter
				 ? "no pipeline matches the filter"
				 : "no pipelines in this source");
		else if (m->error)
			snprintf(info, sizeof(info), "cannot read the "
				 "pipelines: %s", m->error);
		else
			snprintf(info, sizeof(info), "loading pipelines…");
		if (h > 4)
			draw_text(y + 2, x + 2, w - 4, info,
				  m->error ? SLOT_STATUS_ERROR : SLOT_DIM, 0,
				  ALIGN_LEFT);
	}
	if (p->confirm && pipe_confirm_showing(p->confirm))
		pipe_confirm_draw(p->confirm, y, x, h, w);
}

static void remember(struct view *v)
{
	struct pipe_dag *d = selected_dag(v);

	if (d)
		set_str(&P(v)->selected, d->id);
}

static int action(struct view *v, enum action a)
{
	struct pipelines_view *p = P(v);
	struct pipe_dag *d;
	int re;

	fresh(v);
	re = table_action(&p->table, a);
	if (!(re & RE_UNHANDLED)) {
		remember(v);
		return re;
	}
	d = selected_dag(v);
	switch (a) {
	case ACT_ENTER:
		if (!d)
			return RE_REDRAW;
		remember(v);
		return tui_want_view(v->tui, "pipeline-runs", d->id, NULL);
	case ACT_PIPELINES:
		return RE_NONE;
	case ACT_TRIGGER:
	case ACT_PAUSE_PIPELINE:
		if (!d)
			return RE_REDRAW;
		pipe_confirm_open(&p->confirm, v->tui, &(struct pipe_write){
			.kind = a == ACT_TRIGGER ? PW_TRIGGER :
				d->paused ? PW_UNPAUSE : PW_PAUSE,
			.dag_id = d->id});
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

/* :trigger [CONF]: a run of the selected pipeline. */
static int command(struct view *v, int argc, char **argv, char **err)
{
	struct pipe_dag *d;

	if (argc < 1 || strcmp(argv[0], "trigger") != 0)
		return -1;
	d = selected_dag(v);
	if (!d) {
		*err = xstrdup("trigger: no pipeline selected");
		return 1;
	}
	return pipe_trigger_command(&P(v)->confirm, v->tui, d->id, argc, argv,
				    err);
}

static void reload(struct view *v, bool full)
{
	struct pipe_source *src = tui_pipes(v->tui);

	if (!full && (src->model->pending ||
		      pipe_backing_off(src->model, clock_now_ms())))
		return;
	src->ops->load_dags(src, NULL, NULL);
	if (full || !src->ops->load_changed) {
		/* r: every strip on screen is asked for again. */
		forget_asked(P(v));
	} else {
		/* A poll asks once which runs changed since the last one
		 * (a minute's margin for clocks that differ and commits that
		 * land late), and only those strips again. */
		int64_t now = clock_now_ms();

		src->ops->load_changed(src, (P(v)->polled_ms ? P(v)->polled_ms
					     : now) - 60000, NULL, NULL);
		P(v)->polled_ms = now;
	}
	P(v)->dirty = true;
}

static const char *title(struct view *v)
{
	(void)v;
	return "pipelines";
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
	struct pipelines_view *p = P(v);

	pipe_confirm_free(p->confirm);
	forget_asked(p);
	free(p->asked);
	free(p->rows);
	free(p->selected);
	free(p);
}

/* y: the DAG's id; Y: its page in Airflow's UI. */
static char *yank(struct view *v, bool web)
{
	struct pipe_dag *d = selected_dag(v);
	char *path, *url;

	if (!d)
		return NULL;
	if (!web)
		return xstrdup(d->id);
	path = xasprintf("dags/%s", d->id);
	url = tui_pipes_web_url(v->tui, path);
	free(path);
	return url;
}

static const enum action view_keys[] = {
	ACT_TRIGGER,
	ACT_PAUSE_PIPELINE,
	ACT_YANK,
	ACT_YANK_WEB,
	ACT_NONE,
};

static const struct view_ops pipelines_ops = {
	.name = "pipelines",
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

struct view *view_pipelines_new(struct tui *t)
{
	struct view *v;
	struct pipelines_view *p;

	if (!tui_pipes(t)) {
		tui_message(t, true, "no pipeline source: start mltop with "
			    "-p airflow+http://HOST:PORT or "
			    "prefect+http://HOST:PORT/api (or set "
			    "MLTOP_PIPELINES_URI)");
		return NULL;
	}
	v = xcalloc(1, sizeof(*v));
	p = xcalloc(1, sizeof(*p));
	v->ops = &pipelines_ops;
	v->tui = t;
	v->priv = p;
	memcpy(p->cols, cols, sizeof(cols));
	p->cols[C_DAG].title = tui_pipes(t)->ops->pipeline_title;
	p->cols[C_OWNERS].title = tui_pipes(t)->ops->owners_title;
	p->table.cols = p->cols;
	p->table.ncols = C__N;
	p->table.cell = cell;
	p->table.ctx = v;
	p->table.sort_col = -1;
	p->gen = (uint64_t)-1;
	p->polled_ms = clock_now_ms();
	return v;
}
