/* view_compare_exps.c: marked experiments side by side: run counts by
 * status, the best value of chosen metrics and its run, param ranges. */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "config/options.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/metric_pick.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/widget.h"
#include "ui/widget_sidebyside.h"

#define MAX_METRICS 8

enum section { S_RUNS, S_BEST, S_PARAMS, S__N };


/* The user's metric-lower and metric-higher settings, as compare takes
 * them. */
static const struct direction_prefs *dir_prefs(void)
{
	static struct direction_prefs d;

	d.lower = opt_string(OPT_METRIC_LOWER);
	d.neutral = opt_string(OPT_METRIC_NEUTRAL);
	d.higher = opt_string(OPT_METRIC_HIGHER);
	return &d;
}

static const char *const section_names[S__N] = {"RUNS", "BEST", "PARAMS"};

enum count { N_RUNS, N_RUNNING, N_FINISHED, N_FAILED, N_KILLED, N__N };

static const char *const count_names[N__N] = {
	"runs", "running", "finished", "failed", "killed",
};

enum row_kind { R_SECTION, R_COUNT, R_BEST, R_BEST_RUN, R_PARAM };

struct crow {
	enum row_kind kind;
	enum section sec;
	size_t i;
};

struct exps_compare_view {
	char **ids;              /* marked experiment ids, owned */
	size_t nids;
	struct experiment **exps;   /* this pass: those with runs loaded */
	size_t *member_of;          /* an experiment's mark index (colour) */
	size_t nexps;
	struct exp_comparison cmp;
	bool built;
	uint64_t gen;            /* model generation of the last build */
	bool dirty;              /* rows asked for changed: build again */
	int *best_exp;           /* a metric: the experiment holding the
				  * best value, -1 */
	struct crow *rows;
	size_t nrows, caprows;
	struct table table;
	struct sidebyside sbs;    /* member columns, scrolled */
	bool diff_only;
	char *keys;              /* :metrics, comma separated; owned */
	enum section sel_sec;
	enum row_kind sel_kind;
	size_t sel_i;
	bool sel_set;
	char *title;
};

static struct exps_compare_view *P(struct view *v)
{
	return v->priv;
}

static enum slot exp_slot(const struct exps_compare_view *p, size_t i)
{
	return (enum slot)(SLOT_COMPARE_1 +
			   (int)(p->member_of[i] % COMPARE_SLOTS));
}

static int count_of(const struct cmp_experiment *ce, enum count n)
{
	switch (n) {
	case N_RUNS:
		return ce->nruns;
	case N_RUNNING:
		return ce->nrunning;
	case N_FINISHED:
		return ce->nfinished;
	case N_FAILED:
		return ce->nfailed;
	case N_KILLED:
	default:
		return ce->nkilled;
	}
}

static bool count_differs(const struct exps_compare_view *p, enum count n)
{
	for (size_t i = 1; i < p->cmp.nexps; i++)
		if (count_of(&p->cmp.exps[i], n) !=
		    count_of(&p->cmp.exps[0], n))
			return true;
	return false;
}

static bool range_differs(const struct exps_compare_view *p, size_t k)
{
	char **r = p->cmp.params[k].range;

	for (size_t i = 1; i < p->cmp.nexps; i++) {
		if (!r[i] != !r[0])
			return true;
		if (r[i] && strcmp(r[i], r[0]) != 0)
			return true;
	}
	return false;
}

/* --- the comparison ------------------------------------------------------ */

static void add_row(struct exps_compare_view *p, enum row_kind kind,
		    enum section sec, size_t i)
{
	p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1, sizeof(*p->rows));
	p->rows[p->nrows].kind = kind;
	p->rows[p->nrows].sec = sec;
	p->rows[p->nrows].i = i;
	p->nrows++;
}

/* Which experiment holds the best of each metric, by its direction. */
static void find_best(struct exps_compare_view *p)
{
	free(p->best_exp);
	p->best_exp = xcalloc(p->cmp.nmetric_keys ? p->cmp.nmetric_keys : 1,
			      sizeof(*p->best_exp));
	for (size_t k = 0; k < p->cmp.nmetric_keys; k++) {
		enum direction d = metric_direction(p->cmp.metric_keys[k],
						    dir_prefs());
		int best = -1;

		for (size_t i = 0; d != DIR_NEUTRAL && i < p->cmp.nexps; i++) {
			double v = p->cmp.exps[i].best[k];

			if (isnan(v) || !p->cmp.exps[i].best_run[k])
				continue;
			if (best < 0 ||
			    (d == DIR_LOWER ? v < p->cmp.exps[best].best[k]
					    : v > p->cmp.exps[best].best[k]))
				best = (int)i;
		}
		p->best_exp[k] = best;
	}
}

static void rebuild(struct view *v)
{
	struct exps_compare_view *p = P(v);
	struct model *m = tui_model(v->tui);
	char *keys[MAX_METRICS];
	size_t nkeys = 0;
	bool found = false;

	p->gen = m->generation;
	p->dirty = false;
	p->nexps = 0;
	for (size_t i = 0; i < p->nids; i++) {
		struct experiment *e = model_experiment(m, p->ids[i]);

		if (!e || !e->runs_loaded)
			continue;
		p->exps[p->nexps] = e;
		p->member_of[p->nexps] = i;
		p->nexps++;
	}
	if (p->built)
		compare_experiments_free(&p->cmp);
	if (p->keys && *p->keys)
		nkeys = key_list_split(p->keys, keys, MAX_METRICS);
	compare_experiments(&p->cmp, p->exps, p->nexps,
			    nkeys ? (const char *const *)keys : NULL, nkeys,
			    MAX_METRICS, dir_prefs());
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	p->built = true;
	find_best(p);
	p->nrows = 0;
	if (p->nexps == 0) {
		p->table.nrows = 0;
		return;
	}
	add_row(p, R_SECTION, S_RUNS, 0);
	for (size_t n = 0; n < N__N; n++)
		if (!p->diff_only || n == N_RUNS || count_differs(p, n))
			add_row(p, R_COUNT, S_RUNS, n);
	add_row(p, R_SECTION, S_BEST, 0);
	for (size_t k = 0; k < p->cmp.nmetric_keys; k++) {
		if (v->filter && !filter_match(v->filter,
					       p->cmp.metric_keys[k]))
			continue;
		add_row(p, R_BEST, S_BEST, k);
		add_row(p, R_BEST_RUN, S_BEST, k);
	}
	add_row(p, R_SECTION, S_PARAMS, 0);
	for (size_t k = 0; k < p->cmp.nparams; k++) {
		if (p->diff_only && !range_differs(p, k))
			continue;
		if (v->filter && !filter_match(v->filter,
					       p->cmp.params[k].key))
			continue;
		add_row(p, R_PARAM, S_PARAMS, k);
	}
	for (size_t i = 0; p->sel_set && i < p->nrows && !found; i++) {
		const struct crow *row = &p->rows[i];

		if (row->sec == p->sel_sec && row->kind == p->sel_kind &&
		    row->i == p->sel_i) {
			p->table.sel = i;
			found = true;
		}
	}
	for (size_t i = 0; !p->sel_set && i < p->nrows; i++)
		if (p->rows[i].kind != R_SECTION) {
			p->table.sel = i;
			break;
		}
	p->table.nrows = p->nrows;
	/* table_draw scrolls to the cursor (see view_compare.c). */
	if (p->table.sel >= p->nrows)
		p->table.sel = p->nrows - 1;
}

static void remember(struct exps_compare_view *p)
{
	if (p->table.sel >= p->nrows)
		return;
	p->sel_sec = p->rows[p->table.sel].sec;
	p->sel_kind = p->rows[p->table.sel].kind;
	p->sel_i = p->rows[p->table.sel].i;
	p->sel_set = true;
}

/* --- cells --------------------------------------------------------------- */

static void head_cell(struct exps_compare_view *p, const struct crow *row,
		      struct cell *c)
{
	bool u = draw_unicode();
	size_t differ = 0;

	switch (row->kind) {
	case R_SECTION:
		if (row->sec == S_PARAMS) {
			for (size_t k = 0; k < p->cmp.nparams; k++)
				differ += range_differs(p, k);
			snprintf(c->buf, sizeof(c->buf), "%s %zu/%zu differ",
				 section_names[row->sec], differ,
				 p->cmp.nparams);
		} else if (row->sec == S_BEST) {
			snprintf(c->buf, sizeof(c->buf), "%s %zu",
				 section_names[row->sec],
				 p->cmp.nmetric_keys);
		} else {
			snprintf(c->buf, sizeof(c->buf), "%s",
				 section_names[row->sec]);
		}
		c->text = c->buf;
		c->slot = SLOT_HEADER;
		break;
	case R_COUNT:
		c->prefix = !count_differs(p, row->i) ? "  "
			    : u ? "≠ " : "! ";
		c->prefix_slot = SLOT_DIFF_CHANGED;
		c->text = count_names[row->i];
		c->slot = SLOT_LABEL;
		break;
	case R_BEST: {
		const char *key = p->cmp.metric_keys[row->i];
		snprintf(c->buf, sizeof(c->buf), "  %s %s", key,
			 direction_arrow(metric_direction(key, dir_prefs()),
					 u));
		c->text = c->buf;
		c->slot = SLOT_LABEL;
		break;
	}
	case R_BEST_RUN:
		c->text = "    run";
		c->slot = SLOT_DIM;
		break;
	case R_PARAM:
		c->prefix = range_differs(p, row->i) ? (u ? "≠ " : "! ")
						     : "  ";
		c->prefix_slot = SLOT_DIFF_CHANGED;
		c->text = p->cmp.params[row->i].key;
		c->slot = SLOT_LABEL;
		break;
	}
}

/* Numbers are right-aligned in a field near the column's name, with
 * two columns left for the best mark. */
static int numw(const struct exps_compare_view *p)
{
	return p->sbs.colw - 2 > 12 ? 12 : p->sbs.colw - 2 > 1 ? p->sbs.colw - 2 : 1;
}

static void cell(void *ctx, size_t rowi, int col, struct cell *c)
{
	struct view *v = ctx;
	struct exps_compare_view *p = P(v);
	const struct crow *row = &p->rows[rowi];
	size_t ei = sbs_member(&p->sbs, col);
	const struct cmp_experiment *ce;
	bool u = draw_unicode();

	if (col == 0) {
		head_cell(p, row, c);
		return;
	}
	if (ei >= p->cmp.nexps)
		return;
	ce = &p->cmp.exps[ei];
	switch (row->kind) {
	case R_SECTION:
		if (col == 1 && row->sec == S_BEST)
			c->text = "* best of these";
		c->slot = SLOT_DIM;
		break;
	case R_COUNT: {
		int n = count_of(ce, row->i);

		snprintf(c->buf, sizeof(c->buf), "%*d", numw(p), n);
		c->text = c->buf;
		c->slot = count_differs(p, row->i) ? SLOT_DIFF_CHANGED
			  : n ? SLOT_DEFAULT : SLOT_DIM;
		if (n && row->i == N_FAILED)
			c->slot = SLOT_RUN_FAILED;
		else if (n && row->i == N_RUNNING)
			c->slot = SLOT_RUN_RUNNING;
		break;
	}
	case R_BEST: {
		double val = ce->best[row->i];
		bool best = p->best_exp[row->i] == (int)ei;
		char num[32];
		int w = numw(p) < 9 ? numw(p) : 9;

		if (!ce->best_run[row->i] || isnan(val)) {
			snprintf(c->buf, sizeof(c->buf), "%*s  ", numw(p),
				 u ? "–" : "-");
			c->text = c->buf;
			c->slot = SLOT_DIM;
			break;
		}
		format_value(val, w < 6 ? 6 : w, num, sizeof(num));
		snprintf(c->buf, sizeof(c->buf), "%*s%s", numw(p), num,
			 best ? " *" : "  ");
		c->text = c->buf;
		if (value_is_inf(val))
			c->slot = SLOT_VALUE_NAN;
		else if (best) {
			c->slot = SLOT_METRIC_BEST;
			c->extra = A_BOLD;
		}
		break;
	}
	case R_BEST_RUN: {
		const struct run *r = ce->best_run[row->i];

		c->text = !r ? "" : r->name && *r->name ? r->name : r->id;
		c->slot = SLOT_DIM;
		break;
	}
	case R_PARAM: {
		const char *val = p->cmp.params[row->i].range[ei];

		c->text = val ? val : (u ? "–" : "-");
		c->slot = !val ? SLOT_DIM
			  : range_differs(p, row->i) ? SLOT_DIFF_CHANGED
						     : SLOT_DEFAULT;
		break;
	}
	}
}

/* --- drawing ----------------------------------------------------------- */


/* Experiment names over the table's plain titles, in their colours. */
static const char *head_label(void *ctx, size_t i, enum slot *slot)
{
	struct exps_compare_view *p = ctx;
	struct experiment *e = p->exps[i];

	*slot = exp_slot(p, i);
	return e->name ? e->name : e->id;
}

static void draw_heads(struct exps_compare_view *p, int y, int x)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%zu experiments", p->nexps);
	sbs_draw_heads(&p->sbs, &p->table, y, x, buf, head_label, p);
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct exps_compare_view *p = P(v);
	char info[256];
	size_t loading;
	int len;

	if (p->dirty || p->gen != tui_model(v->tui)->generation)
		rebuild(v);
	if (p->nexps == 0) {
		draw_text(y + 1, x + 2, w - 4, "loading runs…", SLOT_DIM, 0,
			  ALIGN_LEFT);
		return;
	}
	sbs_layout(&p->sbs, &p->table, w, p->nexps);
	table_draw(&p->table, y, x, h - 1, w);
	draw_heads(p, y, x);
	loading = p->nids - p->nexps;
	len = snprintf(info, sizeof(info), "experiments %zu-%zu of %zu",
		       p->sbs.left + 1, p->sbs.left + (size_t)p->table.ncols - 1,
		       p->nexps);
	if (loading)
		len += snprintf(info + len, sizeof(info) - (size_t)len,
				" (%zu loading)", loading);
	snprintf(info + len, sizeof(info) - (size_t)len,
		 "%s  D %s  Tab next section  :metrics KEY...",
		 p->nexps > (size_t)p->sbs.visible ? "  <> scroll" : "",
		 p->diff_only ? "all rows" : "only differences");
	draw_text(y + h - 1, x, w, info, SLOT_DIM, 0, ALIGN_LEFT);
}

/* --- actions ------------------------------------------------------------ */

static void skip_titles(struct exps_compare_view *p, enum action a)
{
	struct table *t = &p->table;

	if (t->sel >= p->nrows || p->rows[t->sel].kind != R_SECTION)
		return;
	if (a == ACT_MOVE_DOWN && t->sel + 1 < p->nrows)
		t->sel++;
	else if (a == ACT_MOVE_UP && t->sel > 0)
		t->sel--;
	else if (a == ACT_MOVE_UP && t->sel + 1 < p->nrows)
		t->sel++;
	table_clamp(t);
}

static int action(struct view *v, enum action a)
{
	struct exps_compare_view *p = P(v);
	int re = table_action(&p->table, a);

	if (!(re & RE_UNHANDLED)) {
		skip_titles(p, a);
		remember(p);
		return re;
	}
	switch (a) {
	case ACT_FOCUS_NEXT:
		for (size_t k = 1; k <= p->nrows; k++) {
			size_t j = (p->table.sel + k) % p->nrows;

			if (p->rows[j].kind == R_SECTION) {
				p->table.sel = j + 1 < p->nrows &&
					p->rows[j + 1].kind != R_SECTION
					? j + 1 : j;
				break;
			}
		}
		table_clamp(&p->table);
		remember(p);
		return RE_REDRAW;
	case ACT_DIFF_ONLY:
		p->diff_only = !p->diff_only;
		p->dirty = true;
		tui_message(v->tui, false, "%s", p->diff_only
			    ? "showing only rows that differ"
			    : "showing every row");
		return RE_REDRAW;
	case ACT_SCROLL_LEFT:
	case ACT_SCROLL_RIGHT:
		return sbs_scroll(&p->sbs, a, p->nexps);
	case ACT_METRIC_COLUMNS:
		tui_prompt_command(v->tui, "metrics ");
		return RE_REDRAW;
	default:
		return RE_UNHANDLED;
	}
}

static void reload(struct view *v, bool full)
{
	struct exps_compare_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct model *m = tui_model(v->tui);

	if (!full && m->pending)
		return;
	for (size_t i = 0; i < p->nids; i++) {
		struct experiment *e = model_experiment(m, p->ids[i]);

		if (!e)
			continue;
		struct store_req req = { .forced = full };

		if (full || !e->runs_loaded)
			s->ops->load_runs(s, &req, e, NULL, NULL);
		else
			s->ops->poll_runs(s, &req, e, NULL, NULL);
	}
}

static const char *title(struct view *v)
{
	struct exps_compare_view *p = P(v);

	free(p->title);
	p->title = xasprintf("compare %zu experiments", p->nids);
	return p->title;
}

static void filter_changed(struct view *v)
{
	P(v)->dirty = true;
	P(v)->sel_set = false;
}

static int command(struct view *v, int argc, char **argv, char **err)
{
	struct exps_compare_view *p = P(v);
	char buf[512] = "";
	size_t len = 0;

	if (strcmp(argv[0], "metrics") != 0)
		return -1;
	for (int i = 1; i < argc && len < sizeof(buf) - 2; i++)
		if (strcmp(argv[i], "auto") != 0)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s", len ? "," : "",
						argv[i]);
	free(p->keys);
	p->keys = xstrdup(buf);
	p->dirty = true;
	return 0;
}

static void complete(struct view *v, const char *cmd,
		     void (*add)(void *ctx, const char *word), void *ctx)
{
	struct exps_compare_view *p = P(v);

	if (strcmp(cmd, "metrics") != 0)
		return;
	add(ctx, "auto");
	for (size_t i = 0; i < p->nexps; i++) {
		struct experiment *e = p->exps[i];

		for (size_t r = 0; r < e->nruns_loaded && r < 200; r++)
			for (size_t k = 0; k < e->runs[r]->nmetrics; k++)
				add(ctx, e->runs[r]->metrics[k].key);
	}
}

static void vfree(struct view *v)
{
	struct exps_compare_view *p = P(v);

	for (size_t i = 0; i < p->nids; i++)
		free(p->ids[i]);
	if (p->built)
		compare_experiments_free(&p->cmp);
	free(p->ids);
	free(p->exps);
	free(p->member_of);
	free(p->best_exp);
	free(p->rows);
	free(p->keys);
	free(p->title);
	free(p);
}

static const enum action view_keys[] = {
	ACT_DIFF_ONLY,
	ACT_FOCUS_NEXT,
	ACT_METRIC_COLUMNS,
	ACT_SCROLL_LEFT,
	ACT_SCROLL_RIGHT,
	ACT_NONE,
};

static const struct view_ops compare_exps_ops = {
	.name = "compare-experiments",
	.free = vfree,
	.draw = draw,
	.sync = rebuild,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,
	.command = command,
	.complete = complete,	.keys = view_keys,
};

struct view *view_compare_exps_new(struct tui *t)
{
	struct view *v = xcalloc(1, sizeof(*v));
	struct exps_compare_view *p = xcalloc(1, sizeof(*p));
	const struct mark *marks;
	size_t n;

	v->ops = &compare_exps_ops;
	v->tui = t;
	v->priv = p;
	marks = tui_marks(t, MARK_EXPERIMENT, &n);
	p->ids = xcalloc(n ? n : 1, sizeof(*p->ids));
	for (size_t i = 0; i < n; i++)
		p->ids[i] = xstrdup(marks[i].id);
	p->nids = n;
	p->exps = xcalloc(n ? n : 1, sizeof(*p->exps));
	p->member_of = xcalloc(n ? n : 1, sizeof(*p->member_of));
	p->table.cols = p->sbs.cols;
	p->table.cell = cell;
	p->table.ctx = v;
	p->table.sort_col = -1;
	p->dirty = true;
	return v;
}
