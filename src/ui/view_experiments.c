/* view_experiments.c: the experiments list, mltop's top view.
 * Name, id, run counts and last activity; Enter opens an experiment's runs. */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "core/clock.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/widget.h"

enum { C_NAME, C_ID, C_RUNS, C_RUNNING, C_ACTIVITY, C_CREATED, C__N };

static const struct table_col cols[C__N] = {
	[C_NAME] = {"NAME", 30, 12, 0, false, true, false, 0},
	[C_ID] = {"ID", 8, 0, 3, true, false, false, 0},
	[C_RUNS] = {"RUNS", 7, 0, 0, true, false, false, 0},
	[C_RUNNING] = {"RUNNING", 8, 0, 0, true, false, false, 0},
	[C_ACTIVITY] = {"LAST ACTIVITY", 14, 0, 1, true, false, false, 0},
	[C_CREATED] = {"CREATED", 19, 0, 2, false, false, false, 0},
};

struct exps_view {
	struct tui *tui;
	struct table table;
	struct experiment **rows;   /* borrowed from the model */
	size_t nrows, caprows;
	uint64_t gen;               /* model generation rows were built at */
	bool filter_dirty;
	char *selected_id;          /* keeps the cursor across rebuilds */
};

static struct exps_view *P(struct view *v)
{
	return v->priv;
}

static int sort_col;
static bool sort_desc;

static int cmp_exp(const void *a, const void *b)
{
	const struct experiment *x = *(struct experiment *const *)a;
	const struct experiment *y = *(struct experiment *const *)b;
	int c = 0;

	switch (sort_col) {
	case C_NAME:
		c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
		break;
	case C_ID:
		c = atoll(x->id) < atoll(y->id) ? -1 : atoll(x->id) > atoll(y->id);
		break;
	case C_RUNS:
		c = (x->nruns > y->nruns) - (x->nruns < y->nruns);
		break;
	case C_RUNNING:
		c = (x->nrunning > y->nrunning) - (x->nrunning < y->nrunning);
		break;
	case C_ACTIVITY:
		c = (x->last_activity > y->last_activity) -
		    (x->last_activity < y->last_activity);
		break;
	case C_CREATED:
		c = (x->creation_time > y->creation_time) -
		    (x->creation_time < y->creation_time);
		break;
	}
	if (c == 0)
		c = strcmp(x->id, y->id);
	return sort_desc ? -c : c;
}

static bool exp_matches(const struct filter *f, const struct experiment *e)
{
	char *subject;
	bool ok;
	size_t len = 0;

	if (!f)
		return true;
	/* Name, id and tags, one per line, so ^ and $ anchor per field. */
	for (size_t i = 0; i < e->tags.n; i++)
		len += strlen(e->tags.v[i].key) +
		       (e->tags.v[i].value ? strlen(e->tags.v[i].value) : 0) + 2;
	subject = xmalloc(len + strlen(e->name ? e->name : "") +
			  strlen(e->id) + 4);
	len = (size_t)sprintf(subject, "%s\n%s", e->name ? e->name : "",
			      e->id);
	for (size_t i = 0; i < e->tags.n; i++)
		len += (size_t)sprintf(subject + len, "\n%s=%s",
				       e->tags.v[i].key,
				       e->tags.v[i].value ? e->tags.v[i].value
							  : "");
	ok = filter_match(f, subject);
	free(subject);
	return ok;
}

static void rebuild(struct view *v)
{
	struct exps_view *p = P(v);
	struct model *m = tui_model(v->tui);
	size_t keep = 0;

	p->nrows = 0;
	for (size_t i = 0; i < m->nexps; i++) {
		struct experiment *e = m->exps[i];

		if (!opt_bool(OPT_SHOW_DELETED) && e->lifecycle_stage &&
		    strcmp(e->lifecycle_stage, "active") != 0)
			continue;
		if (!exp_matches(v->filter, e))
			continue;
		p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1,
				sizeof(*p->rows));
		p->rows[p->nrows++] = e;
	}
	sort_col = p->table.sort_col;
	sort_desc = p->table.sort_desc;
	if (p->nrows)
		qsort(p->rows, p->nrows, sizeof(*p->rows), cmp_exp);
	for (size_t i = 0; p->selected_id && i < p->nrows; i++)
		if (strcmp(p->rows[i]->id, p->selected_id) == 0)
			keep = i;
	p->table.nrows = p->nrows;
	if (p->selected_id)
		p->table.sel = keep;
	table_clamp(&p->table);
	p->gen = m->generation;
	p->filter_dirty = false;
}

static void remember_selection(struct exps_view *p)
{
	if (p->table.sel < p->nrows)
		set_str(&p->selected_id, p->rows[p->table.sel]->id);
}

static void cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct exps_view *p = ctx;
	struct experiment *e = p->rows[row];
	bool deleted = e->lifecycle_stage &&
		       strcmp(e->lifecycle_stage, "active") != 0;

	c->slot = deleted ? SLOT_DELETED : SLOT_DEFAULT;
	switch (col) {
	case C_NAME:
		c->text = e->name;
		if (tui_marked(p->tui, MARK_EXPERIMENT, e->id)) {
			c->prefix = draw_unicode() ? "● " : "* ";
			c->prefix_slot = SLOT_MARK;
		} else if (tui_exp_alerted(p->tui, e->id)) {
			/* A run of it has an alert not acknowledged. */
			c->prefix = draw_unicode() ? "⚑ " : "# ";
			c->prefix_slot = SLOT_ALERT;
		}
		break;
	case C_ID:
		c->text = e->id;
		break;
	case C_RUNS:
		if (e->nruns >= 0)
			snprintf(c->buf, sizeof(c->buf), "%d", e->nruns);
		else
			snprintf(c->buf, sizeof(c->buf), "?");
		c->text = c->buf;
		break;
	case C_RUNNING:
		snprintf(c->buf, sizeof(c->buf), "%d", e->nrunning);
		c->text = e->nrunning ? c->buf : "-";
		if (e->nrunning && !deleted)
			c->slot = SLOT_RUN_RUNNING;
		break;
	case C_ACTIVITY:
		format_ago(e->last_activity, clock_now_ms(), c->buf,
			   sizeof(c->buf));
		c->text = c->buf;
		break;
	case C_CREATED:
		format_time(e->creation_time, c->buf, sizeof(c->buf));
		c->text = c->buf;
		break;
	}
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct exps_view *p = P(v);
	struct model *m = tui_model(v->tui);

	if (p->gen != m->generation || p->filter_dirty)
		rebuild(v);
	if (p->nrows == 0) {
		table_draw(&p->table, y, x, h, w);
		char msg[600];

		if (m->exps_loaded)
			snprintf(msg, sizeof(msg), "%s", v->filter
				 ? "no experiment matches the filter"
				 : "no experiments");
		else if (m->error)
			snprintf(msg, sizeof(msg), "cannot reach the store: %s."
				 " Retrying by itself; r retries now.",
				 m->error);
		else
			snprintf(msg, sizeof(msg), "loading experiments…");
		draw_text(y + 2, x + 2, w - 4, msg,
			  m->error ? SLOT_STATUS_ERROR : SLOT_DIM, 0,
			  ALIGN_LEFT);
		return;
	}
	table_draw(&p->table, y, x, h, w);
}

static int action(struct view *v, enum action a)
{
	struct exps_view *p = P(v);
	int re = table_action(&p->table, a);

	if (!(re & RE_UNHANDLED)) {
		remember_selection(p);
		return re;
	}
	switch (a) {
	case ACT_ENTER:
		if (p->table.sel < p->nrows) {
			remember_selection(p);
			return tui_want_view(v->tui, "runs",
					     p->rows[p->table.sel]->id, NULL);
		}
		return RE_REDRAW;
	case ACT_MARK:
		if (p->table.sel < p->nrows) {
			tui_mark_toggle(v->tui, MARK_EXPERIMENT,
					p->rows[p->table.sel]->id, NULL);
			table_action(&p->table, ACT_MOVE_DOWN);
			remember_selection(p);
		}
		return RE_REDRAW;
	case ACT_COMPARE: {
		size_t ne, nr;

		tui_marks(v->tui, MARK_EXPERIMENT, &ne);
		tui_marks(v->tui, MARK_RUN, &nr);
		remember_selection(p);
		/* Runs marked across experiments can be compared from here
		 * too, when experiments are not what is marked. */
		if (ne >= 2)
			return tui_want_view(v->tui, "compare-exps", NULL,
					     NULL);
		else if (nr >= 2)
			return tui_want_view(v->tui, "compare", NULL, NULL);
		else
			tui_message(v->tui, true,
				    "mark at least two experiments (Space)");
		return RE_REDRAW;
	}
	case ACT_SORT_NEXT:
		p->table.sort_col = (p->table.sort_col + 1) % C__N;
		p->filter_dirty = true;
		return RE_REDRAW;
	case ACT_SORT_REVERSE:
		p->table.sort_desc = !p->table.sort_desc;
		p->filter_dirty = true;
		return RE_REDRAW;
	default:
		return RE_UNHANDLED;
	}
}

static void reload(struct view *v, bool full)
{
	struct store *s = tui_store(v->tui);
	/* One query covers counts and activity; cheap enough every time. */
	struct store_req req = {
		.forced = full,
		.include_deleted = opt_bool(OPT_SHOW_DELETED),
		.want_counts = true,
	};

	if (tui_model(v->tui)->pending && !full)
		return;
	s->ops->load_experiments(s, &req, NULL, NULL);
	P(v)->filter_dirty = true;
}

static const char *title(struct view *v)
{
	return "experiments";
}

static void filter_changed(struct view *v)
{
	P(v)->filter_dirty = true;
	P(v)->table.sel = 0;
}

static void vfree(struct view *v)
{
	struct exps_view *p = P(v);

	free(p->rows);
	free(p->selected_id);
	free(p);
}

/* y: the experiment's id; Y: its MLflow UI page. */
static char *yank(struct view *v, bool web)
{
	struct exps_view *p = P(v);
	struct experiment *e = p->table.sel < p->nrows
		? p->rows[p->table.sel] : NULL;
	char *path, *url;

	if (!e)
		return NULL;
	if (!web)
		return xstrdup(e->id);
	path = xasprintf("#/experiments/%s", e->id);
	url = tui_web_url(v->tui, path);
	free(path);
	return url;
}

static const enum action view_keys[] = {
	ACT_SORT_NEXT,
	ACT_SORT_REVERSE,
	ACT_MARK,
	ACT_COMPARE,
	ACT_TOGGLE_DELETED,
	ACT_YANK,
	ACT_YANK_WEB,
	ACT_NONE,
};

static const struct view_ops experiments_ops = {
	.name = "experiments",
	.free = vfree,
	.draw = draw,
	.sync = rebuild,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,	.yank = yank,	.keys = view_keys,
};

struct view *view_experiments_new(struct tui *t)
{
	struct view *v = xcalloc(1, sizeof(*v));
	struct exps_view *p = xcalloc(1, sizeof(*p));

	v->ops = &experiments_ops;
	v->tui = t;
	v->priv = p;
	p->tui = t;
	p->table.cols = cols;
	p->table.ncols = C__N;
	p->table.cell = cell;
	p->table.ctx = p;
	p->table.sort_col = C_ACTIVITY;
	p->table.sort_desc = true;
	p->gen = (uint64_t)-1;
	return v;
}
