/* view_alerts.c: the alerts, newest first: when, which run, which rule,
 * the value. Enter opens the run, A acknowledges the selected alert,
 * `:ack all` every one. Alerts come from alert/engine.c through the tui
 * (tui_alerts); this view only shows and acknowledges them. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/engine.h"
#include "core/clock.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/xmalloc.h"
#include "store/model.h"
#include "ui/draw.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/widget.h"

enum { C_STATE, C_TIME, C_RUN, C_EXP, C_RULE, C_WHAT, C__N };

static const struct table_col cols[C__N] = {
	[C_STATE] = {"", 4, 0, 0, false, false, false, 0},
	[C_TIME] = {"WHEN", 8, 0, 2, false, false, false, 0},
	[C_RUN] = {"RUN", 20, 12, 0, false, true, false, 40},
	[C_EXP] = {"EXPERIMENT", 14, 0, 3, false, false, false, 0},
	[C_RULE] = {"RULE", 12, 0, 1, false, false, false, 0},
	[C_WHAT] = {"WHAT", 30, 16, 0, false, true, false, 0},
};

struct alerts_view {
	struct table table;
	size_t *rows;            /* positions in the engine, newest first */
	size_t nrows, caprows;
	uint64_t seen_gen;       /* the engine's gen at the last rebuild */
	char *selected;          /* the key under the cursor */
};

static struct alerts_view *P(struct view *v)
{
	return v->priv;
}

static bool matches(const struct filter *f, const struct alert *a)
{
	char *subject;
	bool ok;

	if (!f)
		return true;
	subject = xasprintf("%s\n%s\n%s\n%s\n%s\n%s", a->run_name, a->run_id,
			    a->exp_name, a->rule, a->metric ? a->metric : "",
			    a->detail ? a->detail : "");
	ok = filter_match(f, subject);
	free(subject);
	return ok;
}

static void rebuild(struct view *v)
{
	struct alerts_view *p = P(v);
	struct alert_engine *eng = tui_alerts(v->tui);

	p->nrows = 0;
	for (size_t i = eng ? eng->n : 0; i-- > 0;) {
		if (!matches(v->filter, &eng->v[i]))
			continue;
		p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1,
				sizeof(*p->rows));
		p->rows[p->nrows++] = i;
	}
	p->table.nrows = p->nrows;
	for (size_t r = 0; p->selected && r < p->nrows; r++)
		if (!strcmp(eng->v[p->rows[r]].key, p->selected))
			p->table.sel = r;
	table_clamp(&p->table);
	p->seen_gen = eng ? eng->gen : 0;
}

static struct alert *at(struct view *v, size_t row)
{
	struct alerts_view *p = P(v);
	struct alert_engine *eng = tui_alerts(v->tui);

	if (!eng || row >= p->nrows || p->rows[row] >= eng->n)
		return NULL;
	return &eng->v[p->rows[row]];
}

static void cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct view *v = ctx;
	struct alert *a = at(v, row);

	if (!a) {
		c->text = "";
		return;
	}
	switch (col) {
	case C_STATE:
		c->text = a->acked ? "ack" : a->cleared ? "over" : "NEW";
		c->slot = a->acked || a->cleared ? SLOT_DIM : SLOT_ALERT;
		break;
	case C_TIME:
		format_ago(a->time_ms, clock_now_ms(), c->buf, sizeof(c->buf));
		c->text = c->buf;
		break;
	case C_RUN:
		c->text = *a->run_name ? a->run_name : a->run_id;
		break;
	case C_EXP:
		c->text = a->exp_name;
		c->slot = SLOT_DIM;
		break;
	case C_RULE:
		c->text = a->rule;
		c->slot = SLOT_LABEL;
		break;
	case C_WHAT: {
		char *s = alert_summary(a);

		snprintf(c->buf, sizeof(c->buf), "%s", s);
		free(s);
		c->text = c->buf;
		if (a->kind == RULE_NAN)
			c->slot = SLOT_VALUE_NAN;
		break;
	}
	}
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct alerts_view *p = P(v);
	struct alert_engine *eng = tui_alerts(v->tui);
	char info[300];

	if (!eng || eng->gen != p->seen_gen)
		rebuild(v);
	if (h < 2)
		return;
	table_draw(&p->table, y, x, h - 1, w);
	if (p->nrows) {
		snprintf(info, sizeof(info), "%zu/%zu  %zu not acknowledged  "
			 "Enter: the run  A: acknowledge  :ack all",
			 p->table.sel + 1, p->nrows, eng->nunacked);
		draw_text(y + h - 1, x, w, info, SLOT_DIM, 0, ALIGN_LEFT);
		return;
	}
	snprintf(info, sizeof(info), "%s", v->filter
		 ? "no alert matches the filter"
		 : "no alerts: mltop watches the runs it has read (NaN, "
		   "stalls, failed runs, your `alert` rules)");
	if (h > 4)
		draw_text(y + 2, x + 2, w - 4, info, SLOT_DIM, 0, ALIGN_LEFT);
	if (eng && eng->state_error && h > 5)
		draw_text(y + 3, x + 2, w - 4, eng->state_error,
			  SLOT_STATUS_ERROR, 0, ALIGN_LEFT);
}

static void remember(struct view *v)
{
	struct alert *a = at(v, P(v)->table.sel);

	if (a)
		set_str(&P(v)->selected, a->key);
}

static int action(struct view *v, enum action act)
{
	struct alerts_view *p = P(v);
	struct alert_engine *eng = tui_alerts(v->tui);
	struct alert *a;
	int re;

	if (!eng || eng->gen != p->seen_gen)
		rebuild(v);
	re = table_action(&p->table, act);
	if (!(re & RE_UNHANDLED)) {
		remember(v);
		return re;
	}
	a = at(v, p->table.sel);
	switch (act) {
	case ACT_ENTER:
		if (!a)
			return RE_REDRAW;
		remember(v);
		if (a->kind == RULE_PIPELINE) {
			if (!tui_pipes(v->tui)) {
				tui_message(v->tui, true, "a pipeline alert: "
					    "start mltop with -p to open it");
				return RE_REDRAW;
			}
			return tui_want_view(v->tui, "pipeline-run", a->exp_id,
					     a->run_id);
		}
		return tui_want_view(v->tui, "run", a->run_id, a->exp_id);
	case ACT_ACK:
		if (!a)
			return RE_REDRAW;
		tui_alerts_ack(v->tui, p->rows[p->table.sel]);
		if (p->table.sel + 1 < p->nrows)
			p->table.sel++;
		remember(v);
		return RE_REDRAW;
	case ACT_ALERTS:
		return RE_NONE; /* already here */
	default:
		return RE_UNHANDLED;
	}
}

static int command(struct view *v, int argc, char **argv, char **err)
{
	if (argc >= 1 && !strcmp(argv[0], "ack")) {
		if (argc != 2 || strcmp(argv[1], "all")) {
			*err = xstrdup("ack all: acknowledge every alert (A: "
				       "the selected one)");
			return 0;
		}
		tui_alerts_ack(v->tui, (size_t)-1);
		return 0;
	}
	return -1;
}

static void reload(struct view *v, bool full)
{
	(void)v;
	(void)full;
	/* The alerts follow the other views' reads; nothing to ask. */
}

static const char *title(struct view *v)
{
	(void)v;
	return "alerts";
}

static void filter_changed(struct view *v)
{
	P(v)->seen_gen = (uint64_t)-1;
	P(v)->table.sel = 0;
}

static void sync(struct view *v)
{
	/* Rows are positions in the engine's list, not model pointers. */
	P(v)->seen_gen = (uint64_t)-1;
}

static void vfree(struct view *v)
{
	struct alerts_view *p = P(v);

	free(p->rows);
	free(p->selected);
	free(p);
}

/* y: the run's id (runs:/ID); Y: its MLflow UI page. */
static char *yank(struct view *v, bool web)
{
	struct alert *a = at(v, P(v)->table.sel);
	char *path, *url;

	if (!a)
		return NULL;
	if (a->kind == RULE_PIPELINE) {
		path = xasprintf("dags/%s/runs/%s", a->exp_id, a->run_id);
		url = web ? tui_pipes_web_url(v->tui, path) : xstrdup(a->run_id);
		free(path);
		return url;
	}
	if (!web)
		return xasprintf("runs:/%s", a->run_id);
	path = xasprintf("#/experiments/%s/runs/%s", a->exp_id, a->run_id);
	url = tui_web_url(v->tui, path);
	free(path);
	return url;
}

static const enum action view_keys[] = {
	ACT_ENTER,
	ACT_ACK,
	ACT_YANK,
	ACT_YANK_WEB,
	ACT_NONE,
};

static const struct view_ops alerts_ops = {
	.name = "alerts",
	.free = vfree,
	.draw = draw,
	.sync = sync,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,
	.command = command,
	.yank = yank,
	.keys = view_keys,
};

struct view *view_alerts_new(struct tui *t)
{
	struct view *v = xcalloc(1, sizeof(*v));
	struct alerts_view *p = xcalloc(1, sizeof(*p));

	v->ops = &alerts_ops;
	v->tui = t;
	v->priv = p;
	p->table.cols = cols;
	p->table.ncols = C__N;
	p->table.cell = cell;
	p->table.ctx = v;
	p->table.sort_col = -1;
	p->seen_gen = (uint64_t)-1;
	return v;
}
