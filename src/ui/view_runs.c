/* view_runs.c: the runs of one experiment, live, with metric sparklines.
 * Nested runs show as a tree; sort and filter change here, and the table
 * is laid out from the columns chosen in view_runs_columns.c. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "core/clock.h"
#include "core/filter.h"
#include "core/metric_pick.h"
#include "core/format.h"
#include "core/sanitize.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "store/search.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/tui.h"
#include "ui/view_runs.h"
#include "ui/views.h"
#include "ui/widget.h"

#define MAX_MCOLS 8

const struct table_col runs_kind_col[] = {
	[K_STATUS] = {"", 1, 0, 0, false, false, false, 0},
	[K_NAME] = {"NAME", 24, 10, 0, false, true, false, 48},
	[K_ID] = {"ID", 8, 0, 4, false, false, false, 0},
	[K_START] = {"START", 11, 0, 3, false, false, false, 0},
	[K_DURATION] = {"DURATION", 8, 0, 1, true, false, false, 0},
	[K_USER] = {"USER", 10, 0, 2, false, false, false, 0},
};

/* --- status ------------------------------------------------------------ */

static bool stalled(const struct run *r)
{
	return run_stalled(r, clock_now_ms(),
			   (int64_t)(opt_number(OPT_STALL) * 1000));
}

static enum slot status_slot(const struct run *r)
{
	if (stalled(r))
		return SLOT_RUN_STALLED;
	switch (r->status) {
	case RUN_RUNNING:
		return SLOT_RUN_RUNNING;
	case RUN_FINISHED:
		return SLOT_RUN_FINISHED;
	case RUN_FAILED:
		return SLOT_RUN_FAILED;
	case RUN_KILLED:
		return SLOT_RUN_KILLED;
	case RUN_SCHEDULED:
		return SLOT_RUN_SCHEDULED;
	default:
		return SLOT_DIM;
	}
}

/* A glyph a status; running runs spin once a second. */
static const char *status_glyph(const struct run *r)
{
	static const char *const spin_u[] = {"◐", "◓", "◑", "◒"};
	static const char *const spin_a[] = {"|", "/", "-", "\\"};
	bool u = draw_unicode();

	if (stalled(r))
		return u ? "⚠" : "!";
	switch (r->status) {
	case RUN_RUNNING:
		return (u ? spin_u : spin_a)[(clock_now_ms() / 1000) % 4];
	case RUN_FINISHED:
		return u ? "✓" : "+";
	case RUN_FAILED:
		return u ? "✗" : "x";
	case RUN_KILLED:
		return u ? "⊘" : "k";
	case RUN_SCHEDULED:
		return u ? "◷" : "s";
	default:
		return "?";
	}
}

/* --- laying out the columns ---------------------------------------------- */

static void drop_layout(struct runs_view *p)
{
	for (int i = 0; i < p->ncols; i++) {
		free(p->tcols[i].key);
		p->tcols[i].key = NULL;
	}
	p->ncols = 0;
	p->nmkeys = 0;
}

/* Columns text from a store takes once made safe to show ("^[" for an
 * escape byte). */
static int shown_width(const char *text)
{
	char *clean = sanitize_text(text);
	int w = utf8_width(clean);

	free(clean);
	return w;
}

/* Every value of the param parses as a number (and one run has it). */
static bool param_numeric(struct experiment *e, const char *key, int *width)
{
	bool any = false, num = true;

	*width = 0;
	for (size_t i = 0; e && i < e->nruns_loaded; i++) {
		const char *val = kv_list_get(&e->runs[i]->params, key);
		char *end;
		double d;
		int w;

		if (!val)
			continue;
		any = true;
		w = shown_width(val);
		if (w > *width)
			*width = w;
		d = strtod(val, &end);
		if (end == val || *end || !isfinite(d))
			num = false;
	}
	return any && num;
}

/* False when the table has no room left for it. */
static bool add_tcol(struct runs_view *p, enum ckind kind, const char *key)
{
	struct table_col *c;
	struct tcol *tc;

	if (p->ncols >= MAX_COLS)
		return false;
	c = &p->cols[p->ncols];
	tc = &p->tcols[p->ncols];
	tc->kind = kind;
	tc->key = key ? xstrdup(key) : NULL;
	tc->numeric = false;
	if (kind == K_METRIC) {
		int sw = (int)opt_number(OPT_SPARK_WIDTH);

		*c = (struct table_col){0};
		c->title = tc->key;
		c->width = 10 + (sw > 40 ? 40 : sw);
		c->drop = 10 + p->nmkeys; /* the last metric goes first */
		c->right = true;
		c->spark = true;
		p->nmkeys++;
	} else if (kind == K_PARAM) {
		*c = (struct table_col){0};
		c->title = tc->key;
		c->width = 4;
		c->drop = 5;
	} else {
		*c = runs_kind_col[kind];
	}
	p->ncols++;
	return true;
}

/* The metric keys K_AUTO stands for, in order, explicit ones left out:
 * the user's list (:metrics or the metrics setting), or every key the
 * runs log, most common first. *ranked: the latter, of which only as many
 * as the width has room for are shown. */
static size_t auto_keys(struct view *v, char ***out, bool *ranked)
{
	struct runs_view *p = P(v);
	struct experiment *e = exp_of(v);
	const char *want = p->user_keys ? p->user_keys
					: opt_string(OPT_METRICS);
	char **keys = NULL;
	size_t n = 0, cap = 0;

	*ranked = false;
	if (*want) {
		char *all[MAX_MCOLS];
		size_t m = key_list_split(want, all, MAX_MCOLS);

		for (size_t j = 0; j < m; j++) {
			if (runs_cols_find(&p->spec, K_METRIC, all[j]) >= 0) {
				free(all[j]);
				continue;
			}
			keys = xgrow(keys, &cap, n + 1, sizeof(*keys));
			keys[n++] = all[j];
		}
	} else if (e) {
		struct key_tally kt = {0};

		*ranked = true;
		for (size_t i = 0; i < e->nruns_loaded; i++) {
			struct run *r = e->runs[i];

			for (size_t k = 0; k < r->nmetrics; k++)
				key_tally_add(&kt, r->metrics[k].key);
		}
		key_tally_rank(&kt);
		for (size_t j = 0; j < kt.n; j++) {
			if (runs_cols_find(&p->spec, K_METRIC,
					   kt.v[j].key) >= 0)
				continue;
			keys = xgrow(keys, &cap, n + 1, sizeof(*keys));
			keys[n++] = xstrdup(kt.v[j].key);
		}
		key_tally_free(&kt);
	}
	*out = keys;
	return n;
}

/* Lay the table out from the spec: the status glyph and NAME, then the
 * chosen columns in order. Metric columns, explicit and automatic, make
 * one sequence that < and > scroll through, a key at a time. */
static void choose_columns(struct view *v)
{
	struct runs_view *p = P(v);
	struct experiment *e = exp_of(v);
	char **akeys = NULL;
	bool ranked = false;
	bool has_auto = runs_cols_find(&p->spec, K_AUTO, NULL) >= 0;
	size_t nauto = has_auto ? auto_keys(v, &akeys, &ranked) : 0;
	int nexplicit = 0, limit, seq = 0, shown = 0;

	/* The sort column is kept by what it shows, not where it was; a
	 * stand-in for a hidden one gives way when it shows again. */
	if (p->ncols > 0 && !p->sort_stand_in && p->table.sort_col >= 0 &&
	    p->table.sort_col < p->ncols) {
		p->sort_kind = p->tcols[p->table.sort_col].kind;
		free(p->sort_key);
		p->sort_key = p->tcols[p->table.sort_col].key
			? xstrdup(p->tcols[p->table.sort_col].key) : NULL;
	}
	drop_layout(p);
	for (size_t i = 0; i < p->spec.n; i++)
		nexplicit += p->spec.v[i].kind == K_METRIC;
	p->mtotal = nexplicit + (int)nauto;
	if (p->mscroll > p->mtotal - 1)
		p->mscroll = p->mtotal > 0 ? p->mtotal - 1 : 0;
	limit = MAX_MCOLS;
	if (ranked) {
		int max = (int)opt_number(OPT_MAX_METRICS);
		int colw = 11 + (int)opt_number(OPT_SPARK_WIDTH);

		if (max == 0)
			max = p->width > 90 ? (p->width - 80) / colw + 1 : 1;
		limit = nexplicit + max;
		if (limit > MAX_MCOLS)
			limit = MAX_MCOLS;
	}
	add_tcol(p, K_STATUS, NULL);
	add_tcol(p, K_NAME, NULL);
	for (size_t i = 0; i < p->spec.n; i++) {
		const struct colspec *s = &p->spec.v[i];

		if (s->kind == K_METRIC || s->kind == K_AUTO) {
			size_t n = s->kind == K_METRIC ? 1 : nauto;

			for (size_t j = 0; j < n; j++, seq++)
				if (seq >= p->mscroll && shown < limit) {
					add_tcol(p, K_METRIC, s->kind ==
						 K_METRIC ? s->key : akeys[j]);
					shown++;
				}
			continue;
		}
		if (add_tcol(p, s->kind, s->key) && s->kind == K_PARAM) {
			struct tcol *tc = &p->tcols[p->ncols - 1];
			struct table_col *c = &p->cols[p->ncols - 1];
			int w, tw = shown_width(tc->key);

			tc->numeric = param_numeric(e, tc->key, &w);
			if (w < tw)
				w = tw;
			c->width = w < 4 ? 4 : w > 20 ? 20 : w;
		}
	}
	for (size_t j = 0; j < nauto; j++)
		free(akeys[j]);
	free(akeys);
	p->table.cols = p->cols;
	p->table.ncols = p->ncols;
	p->table.sort_col = -1;
	p->sort_stand_in = false;
	for (int c = 0; c < p->ncols; c++)
		if (runs_cols_same(p->tcols[c].kind, p->tcols[c].key,
				   p->sort_kind, p->sort_key))
			p->table.sort_col = c;
	if (p->table.sort_col < 0) {
		/* Hidden: START, as at first, else NAME. */
		p->sort_stand_in = true;
		p->table.sort_col = 1;
		for (int c = 0; c < p->ncols; c++)
			if (p->tcols[c].kind == K_START)
				p->table.sort_col = c;
	}
	p->laid_out = true;
	p->laid_params = e && e->params_loaded;
}

/* --- rows ------------------------------------------------------------- */

static struct runs_view *sort_p;

static double latest_of(const struct run *r, const char *key, bool *has)
{
	struct series *s = run_series((struct run *)r, key);

	*has = s && s->has_latest && !isnan(s->latest.value);
	return *has ? s->latest.value : 0;
}

static int cmp_run(const void *a, const void *b)
{
	const struct run *x = *(struct run *const *)a;
	const struct run *y = *(struct run *const *)b;
	struct runs_view *p = sort_p;
	int col = p->table.sort_col, c = 0;
	const struct tcol *tc = col >= 0 && col < p->ncols ? &p->tcols[col]
							   : NULL;

	switch (tc ? tc->kind : K_STATUS) {
	case K_STATUS:
		c = (int)x->status - (int)y->status;
		break;
	case K_NAME:
		c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
		break;
	case K_ID:
		c = strcmp(x->id, y->id);
		break;
	case K_START:
		c = (x->start_time > y->start_time) -
		    (x->start_time < y->start_time);
		break;
	case K_DURATION: {
		int64_t now = clock_now_ms(), dx = -1, dy = -1;

		/* Odd store timestamps never overflow: no duration sorts
		 * first. */
		run_duration_ms(x->start_time, x->end_time ? x->end_time : now,
				&dx);
		run_duration_ms(y->start_time, y->end_time ? y->end_time : now,
				&dy);
		c = (dx > dy) - (dx < dy);
		break;
	}
	case K_USER:
		c = strcmp(x->user_id ? x->user_id : "",
			   y->user_id ? y->user_id : "");
		break;
	case K_PARAM: {
		const char *sx = kv_list_get(&x->params, tc->key);
		const char *sy = kv_list_get(&y->params, tc->key);

		/* Runs without the param sort last either way; numbers as
		 * numbers when every value is one. */
		if (!sx != !sy)
			return sx ? -1 : 1;
		if (sx && tc->numeric) {
			double vx = strtod(sx, NULL), vy = strtod(sy, NULL);

			c = (vx > vy) - (vx < vy);
		} else if (sx) {
			c = strcmp(sx, sy);
		}
		break;
	}
	case K_AUTO:
		break;
	case K_METRIC: {
		const char *key = tc->key;
		bool hx, hy;
		double vx = latest_of(x, key, &hx), vy = latest_of(y, key, &hy);

		/* Runs without the metric sort last either way. */
		if (hx != hy)
			return hx ? -1 : 1;
		c = (vx > vy) - (vx < vy);
		break;
	}
	}
	if (c == 0)
		c = strcmp(x->id, y->id);
	return p->table.sort_desc ? -c : c;
}

static bool run_matches(const struct filter *f, const struct run *r)
{
	size_t len = strlen(r->name ? r->name : "") + strlen(r->id) + 4;
	char *subject, *p;
	bool ok;

	if (!f)
		return true;
	for (size_t i = 0; i < r->params.n; i++)
		len += strlen(r->params.v[i].key) +
		       strlen(r->params.v[i].value ? r->params.v[i].value : "") + 2;
	for (size_t i = 0; i < r->tags.n; i++)
		len += strlen(r->tags.v[i].key) +
		       strlen(r->tags.v[i].value ? r->tags.v[i].value : "") + 2;
	/* One field a line: "name", "id", "key=value" for params and tags. */
	subject = p = xmalloc(len + 1);
	p += sprintf(p, "%s\n%s", r->name ? r->name : "", r->id);
	for (size_t i = 0; i < r->params.n; i++)
		p += sprintf(p, "\n%s=%s", r->params.v[i].key,
			     r->params.v[i].value ? r->params.v[i].value : "");
	for (size_t i = 0; i < r->tags.n; i++)
		p += sprintf(p, "\n%s=%s", r->tags.v[i].key,
			     r->tags.v[i].value ? r->tags.v[i].value : "");
	ok = filter_match(f, subject);
	free(subject);
	return ok;
}

static bool has_children(struct experiment *e, const struct run *r)
{
	for (size_t i = 0; e && i < e->nruns_loaded; i++)
		if (e->runs[i]->parent_id &&
		    !strcmp(e->runs[i]->parent_id, r->id))
			return true;
	return false;
}

static void add_row(struct runs_view *p, struct run *r, const char *prefix)
{
	p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1, sizeof(*p->rows));
	p->rows[p->nrows].run = r;
	r->mark = 3; /* placed */
	snprintf(p->rows[p->nrows].prefix, sizeof(p->rows[0].prefix), "%s",
		 prefix);
	p->nrows++;
}

/* Children of every node, grouped by parent id and, within a parent, in
 * sorted order: one sort, then a binary search a node. */
static struct run **kids_list;

static int cmp_kid(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(kids_list[i]->parent_id, kids_list[j]->parent_id);

	return c ? c : (i > j) - (i < j);
}

static void kids_range(struct run **list, const size_t *kids, size_t nk,
		       const char *id, size_t *lo, size_t *hi)
{
	size_t a = 0, b = nk;

	while (a < b) {
		size_t mid = (a + b) / 2;

		if (strcmp(list[kids[mid]]->parent_id, id) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	while (a < nk && !strcmp(list[kids[a]]->parent_id, id))
		a++;
	*hi = a;
}

static ssize_t collapsed_at(const struct runs_view *p, const char *id)
{
	for (size_t i = 0; i < p->ncollapsed; i++)
		if (!strcmp(p->collapsed[i], id))
			return (ssize_t)i;
	return -1;
}

/* A collapsed parent's descendants are placed (not shown as roots) but
 * get no rows; it returns how many. */
static size_t hide_subtree(struct run **list, const size_t *kids, size_t nk,
			   const struct run *node, int depth)
{
	size_t lo, hi, n = 0;

	kids_range(list, kids, nk, node->id, &lo, &hi);
	for (size_t k = lo; k < hi; k++) {
		list[kids[k]]->mark = 3;
		n++;
		if (depth < 6)
			n += hide_subtree(list, kids, nk, list[kids[k]],
					  depth + 1);
	}
	return n;
}

/* Depth-first under one node: guides show "├─" for a middle child and
 * "└─" for the last, with "│ " carried down for open branches. */
static void add_subtree(struct runs_view *p, struct run **list,
			const size_t *kids, size_t nk, const struct run *node,
			const char *guide, int depth)
{
	bool u = draw_unicode();
	size_t lo, hi;

	if (collapsed_at(p, node->id) >= 0) {
		size_t n = hide_subtree(list, kids, nk, node, depth);

		p->folded += n;
		/* The node's row (the last added) says what it hides. */
		if (n && p->nrows) {
			struct row *r = &p->rows[p->nrows - 1];
			size_t l = strlen(r->prefix);

			snprintf(r->prefix + l, sizeof(r->prefix) - l, "%s",
				 u ? "▸" : "+");
		}
		return;
	}
	kids_range(list, kids, nk, node->id, &lo, &hi);
	for (size_t k = lo; k < hi; k++) {
		struct run *c = list[kids[k]];
		bool last = k == hi - 1;
		char prefix[64], next[64];

		snprintf(prefix, sizeof(prefix), "%s%s", guide,
			 last ? (u ? "└─" : "`-") : (u ? "├─" : "|-"));
		add_row(p, c, prefix);
		snprintf(next, sizeof(next), "%s%s", guide,
			 last ? "  " : (u ? "│ " : "| "));
		/* Deeper than this, guides would eat the name column. */
		if (depth < 6)
			add_subtree(p, list, kids, nk, c, next, depth + 1);
	}
}

static bool windowed(struct view *v);

static void rebuild(struct view *v)
{
	struct runs_view *p = P(v);
	struct experiment *e = exp_of(v);
	struct run **list = NULL;
	size_t n = 0, cap = 0, keep = 0;
	bool tree = opt_bool(OPT_TREE), win = windowed(v);

	p->nrows = 0;
	p->nrunning = 0;
	p->gen = tui_model(v->tui)->generation;
	p->shape_gen = tui_model(v->tui)->shape_generation;
	p->dirty = false;
	if (!e) {
		p->table.nrows = 0;
		return;
	}
	p->folded = 0;
	/* Automatic metric columns wait for keys to choose from; param
	 * columns measure their values once the params are in. */
	if (!p->laid_out || (p->nmkeys == 0 && p->mtotal == 0) ||
	    (!p->laid_params && e->params_loaded))
		choose_columns(v);
	experiment_child_activity(e);
	for (size_t i = 0; i < e->nruns_loaded; i++) {
		struct run *r = e->runs[i];

		r->mark = 0;
		if (r->status == RUN_UNKNOWN && !r->status_str)
			continue;
		if (win && !r->in_window)
			continue;
		if (!opt_bool(OPT_SHOW_DELETED) && r->lifecycle_stage &&
		    strcmp(r->lifecycle_stage, "active") != 0)
			continue;
		if (!run_matches(v->filter, r) ||
		    (p->search && !search_match(p->search, r)))
			continue;
		r->mark = 1;
		list = xgrow(list, &cap, n + 1, sizeof(*list));
		list[n++] = r;
	}
	sort_p = p;
	if (n)
		qsort(list, n, sizeof(*list), cmp_run);
	if (tree) {
		/* mark 2: a child whose parent is in the list too. */
		for (size_t i = 0; i < n; i++) {
			struct run *par = list[i]->parent_id
				? experiment_run(e, list[i]->parent_id) : NULL;

			if (par && par->mark && par != list[i])
				list[i]->mark = 2;
		}
		size_t *kids = xmalloc((n + 1) * sizeof(*kids)), nk = 0;
		bool *is_kid = xcalloc(n + 1, sizeof(*is_kid));

		for (size_t i = 0; i < n; i++)
			if (list[i]->mark == 2) {
				is_kid[i] = true;
				kids[nk++] = i;
			}
		kids_list = list;
		if (nk)
			qsort(kids, nk, sizeof(*kids), cmp_kid);
		for (size_t i = 0; i < n; i++) {
			if (is_kid[i])
				continue;
			add_row(p, list[i], "");
			if (nk)
				add_subtree(p, list, kids, nk, list[i], "", 0);
		}
		/* A parent cycle leaves runs unplaced: show them as roots. */
		for (size_t i = 0; i < n; i++)
			if (list[i]->mark != 3)
				add_row(p, list[i], "");
		free(kids);
		free(is_kid);
	} else {
		for (size_t i = 0; i < n; i++)
			add_row(p, list[i], "");
	}
	free(list);
	for (size_t i = 0; i < p->nrows; i++)
		p->nrunning += p->rows[i].run->status == RUN_RUNNING;
	p->lost = p->selected_id != NULL;
	for (size_t i = 0; p->selected_id && i < p->nrows; i++)
		if (!strcmp(p->rows[i].run->id, p->selected_id)) {
			keep = i;
			p->lost = false;
		}
	p->table.nrows = p->nrows;
	p->table.sel = keep;
	if ((p->to_end && (!e->runs_more || (win && !e->runs_total_more &&
					     e->runs_end == e->runs_total))) ||
	    (p->to_top && (!win || e->runs_first == 0))) {
		p->table.sel = p->to_end && p->nrows ? p->nrows - 1 : 0;
		p->to_end = p->to_top = false;
		if (p->nrows)
			set_str(&p->selected_id,
				p->rows[p->table.sel].run->id);
	}
	table_clamp(&p->table);
}

/* --- runs not read yet ----------------------------------------------------- */

/* The rows are in the order the store pages runs in (START, newest
 * first) and nothing filters them: what was read so far is the top of
 * the whole list. Otherwise each row may belong anywhere. */
static bool server_order(struct view *v)
{
	struct runs_view *p = P(v);
	int col = p->table.sort_col;

	return col >= 0 && col < p->ncols && p->tcols[col].kind == K_START &&
	       p->table.sort_desc && !p->search && !v->filter;
}

/* What a store that keeps a window (SQLite) should hold for this view:
 * the runs matching its MLflow filter (F), in its sort's order. Returns
 * true when the store can keep that order (START, DURATION, STATUS, ID,
 * a metric); otherwise req asks for START order and the view sorts the
 * runs it holds (NAME, USER, a param), and a regex filter (/) reads
 * every run the filter leaves. */
static bool view_order(struct view *v, struct store_req *req)
{
	struct runs_view *p = P(v);
	int col = p->table.sort_col;

	req->order = ORDER_START;
	req->order_key = NULL;
	req->order_asc = false;
	req->search = p->search;
	if (col < 0 || col >= p->ncols)
		return false;
	switch (p->tcols[col].kind) {
	case K_START:
		req->order = ORDER_START;
		break;
	case K_DURATION:
		req->order = ORDER_DURATION;
		break;
	case K_STATUS:
		req->order = ORDER_STATUS;
		break;
	case K_ID:
		req->order = ORDER_ID;
		break;
	case K_METRIC:
		req->order = ORDER_METRIC;
		req->order_key = p->tcols[col].key;
		break;
	default:
		return false;
	}
	req->order_asc = !p->table.sort_desc;
	return true;
}

static bool same_order(const struct store_req *a, enum run_order o,
		       const char *key, bool asc, const char *search)
{
	const char *f = a->search ? search_filter_text(a->search) : NULL;

	if (!f != !search || (f && strcmp(f, search)))
		return false;
	return a->order == o && a->order_asc == asc &&
	       (o != ORDER_METRIC || !strcmp(a->order_key ? a->order_key : "",
					     key ? key : ""));
}

/* The store's window is what this view wants held. */
static bool order_held(struct view *v, struct experiment *e)
{
	struct store_req req = { 0 };

	view_order(v, &req);
	return same_order(&req, e->runs_order, e->runs_order_key,
			  e->runs_order_asc, e->runs_search);
}

/* The store holds a window of the experiment's runs (SQLite), the one
 * this view wants: the rows are that window, which moves as the user
 * scrolls (when its order is the view's), and runs that leave it are
 * dropped. */
static bool windowed(struct view *v)
{
	struct experiment *e = exp_of(v);

	return e && e->runs_total && e->runs_more && order_held(v, e);
}

/* ...and the rows are in the window's order, so it moves with them. */
static bool window_in_order(struct view *v)
{
	struct store_req req = { 0 };

	return windowed(v) && view_order(v, &req) && !v->filter;
}

/* The store holds a window that is not the one the view wants (another
 * order or filter): the store reads every matching key (in slices),
 * then the window is the first page. Asked once. */
static bool reorder(struct view *v, struct experiment *e)
{
	struct runs_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct store_req req = { 0 };

	view_order(v, &req);
	/* A server's window is in its order only: another reads every
	 * page (read_on). */
	if (e->runs_paged)
		return false;
	if (e->runs_total ? order_held(v, e)
			  : !e->runs_search || same_order(&req, req.order,
			    req.order_key, req.order_asc, e->runs_search))
		return false;   /* held, or all held and filtered here */
	if (p->asked_valid && same_order(&req, p->asked_order, p->asked_key,
					 p->asked_asc, p->asked_search) &&
	    (tui_model(v->tui)->pending || tui_model(v->tui)->error))
		return true;   /* under way, or failed (r asks again) */
	p->asked_valid = true;
	p->asked_order = req.order;
	p->asked_asc = req.order_asc;
	set_str(&p->asked_key, req.order_key);
	set_str(&p->asked_search, req.search
		? search_filter_text(req.search) : NULL);
	req.include_deleted = opt_bool(OPT_SHOW_DELETED);
	req.first_page = true;
	s->ops->load_runs(s, &req, e, NULL, NULL);
	return true;
}

/* The load read the first page of runs (e->runs_more: there are more):
 * read on when the selection comes within two screens of the last row
 * read, or all of them for G, or when the order or a filter needs every
 * run. With a window, G and g move it to the last or first page, and
 * scrolling near either end of it moves it a page that way. */
static void read_on(struct view *v)
{
	struct runs_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct experiment *e = exp_of(v);
	size_t screen = p->table.page > 10 ? (size_t)p->table.page : 10;
	struct store_req req = { 0 };

	if (!e || reorder(v, e) || !e->runs_more || !s->ops->more_runs)
		return;
	p->asked_valid = false;
	req.include_deleted = opt_bool(OPT_SHOW_DELETED);
	if (windowed(v) && !v->filter && !window_in_order(v)) {
		/* Sorted by a column the store does not order by: the
		 * runs held, where they are. */
		p->to_end = p->to_top = false;
		return;
	}
	if (window_in_order(v)) {
		/* The selected run is not in the rows while a reload
		 * reads the window again: it puts it back where it was. */
		if (p->lost && tui_model(v->tui)->pending && !p->to_end &&
		    !p->to_top)
			return;
		req.first_page = req.window = true;
		if (p->to_end)
			req.at = SIZE_MAX;
		else if (p->to_top)
			req.at = 0;
		else if (p->table.sel + 2 * screen >= p->nrows &&
			 (e->runs_end < e->runs_total || e->runs_total_more))
			req.at = e->runs_end;
		else if (p->table.sel < 2 * screen && e->runs_first > 0)
			req.at = e->runs_first - 1;
		else
			return;
		s->ops->more_runs(s, &req, e, NULL, NULL);
		return;
	}
	req.first_page = server_order(v) && !p->to_end;
	if (req.first_page && p->table.sel + 2 * screen < p->nrows)
		return;
	s->ops->more_runs(s, &req, e, NULL, NULL);
}

/* The model moved. When only metric values changed (a poll of runs
 * that log) and neither the order nor a filter looks at them, the rows
 * stay as they are: each draw reads the values afresh, and a million
 * rows are not sorted again each second. */
static void sync(struct view *v)
{
	struct runs_view *p = P(v);
	struct model *m = tui_model(v->tui);
	int col = p->table.sort_col;
	bool by_value = col >= 0 && col < p->ncols &&
			(p->tcols[col].kind == K_METRIC ||
			 p->tcols[col].kind == K_DURATION);

	if (!p->dirty && p->gen != (uint64_t)-1 &&
	    p->shape_gen == m->shape_generation && !by_value &&
	    !p->search && !v->filter) {
		p->gen = m->generation;
		read_on(v);
		return;
	}
	rebuild(v);
	read_on(v);
}

/* --- drawing ----------------------------------------------------------- */

static void cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct view *v = ctx;
	struct runs_view *p = P(v);
	struct run *r = p->rows[row].run;
	bool deleted = r->lifecycle_stage &&
		       strcmp(r->lifecycle_stage, "active") != 0;
	int64_t now = clock_now_ms();

	c->slot = deleted ? SLOT_DELETED : SLOT_DEFAULT;
	switch (p->tcols[col].kind) {
	case K_STATUS:
		c->text = status_glyph(r);
		c->slot = status_slot(r);
		/* An alert not acknowledged: the alert colour (the
		 * glyph still says the status; ! lists the alerts). */
		if (tui_run_alerted(v->tui, r->id))
			c->slot = SLOT_ALERT;
		break;
	case K_NAME:
		c->prefix = p->rows[row].prefix;
		c->prefix_slot = SLOT_TREE;
		c->text = r->name && *r->name ? r->name : r->id;
		if (tui_marked(v->tui, MARK_RUN, r->id)) {
			/* The mark goes before the tree guides, in its slot. */
			snprintf(c->buf, sizeof(c->buf), "%s%s",
				 draw_unicode() ? "● " : "* ",
				 p->rows[row].prefix);
			c->prefix = c->buf;
			c->prefix_slot = SLOT_MARK;
		}
		break;
	case K_ID:
		snprintf(c->buf, sizeof(c->buf), "%.8s", r->id);
		c->text = c->buf;
		c->slot = deleted ? SLOT_DELETED : SLOT_DIM;
		break;
	case K_START:
		format_time(r->start_time, c->buf, sizeof(c->buf));
		/* "2026-11-27 14:03:12" -> "11-27 14:03" */
		if (strlen(c->buf) >= 16) {
			memmove(c->buf, c->buf + 5, 11);
			c->buf[11] = '\0';
		}
		c->text = c->buf;
		break;
	case K_DURATION:
		/* A start in the future (clock skew) has no duration. */
		if (r->start_time > 0 &&
		    (r->end_time ? r->end_time : now) >= r->start_time)
			format_duration((r->end_time ? r->end_time : now) -
						r->start_time,
					c->buf, sizeof(c->buf));
		else
			snprintf(c->buf, sizeof(c->buf), "-");
		c->text = c->buf;
		break;
	case K_USER:
		c->text = r->user_id;
		break;
	case K_PARAM:
		c->text = kv_list_get(&r->params, p->tcols[col].key);
		break;
	case K_AUTO:
		break;
	case K_METRIC: {
		struct series *s = run_series(r, p->tcols[col].key);

		if (!s || !s->has_latest) {
			c->text = "";
			break;
		}
		format_value(s->latest.value, 8, c->buf, sizeof(c->buf));
		c->text = c->buf;
		if (isnan(s->latest.value) || value_is_inf(s->latest.value))
			c->slot = SLOT_VALUE_NAN;
		c->pts = s->pts;
		c->npts = s->n;
		c->loading = !s->fetched;
		/* Only rows on screen fetch history: 10,000 runs cost
		 * what one screen of them does. */
		if (series_stale(s)) {
			struct store *st = tui_store(v->tui);

			st->ops->load_history(st, NULL, r, s, NULL, NULL);
		}
		break;
	}
	}
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct runs_view *p = P(v);
	struct experiment *e = exp_of(v);
	char info[160];

	if (w != p->width) {
		p->width = w;
		p->laid_out = false; /* lay out again for the new width */
		p->dirty = true;
	}
	/* The model's changes reach the rows through sync, which the loop
	 * spaces out while the store loads; a paint between two (a key)
	 * draws the rows as they were. */
	if (p->dirty || p->gen == (uint64_t)-1)
		rebuild(v);
	{
		/* The metric columns that fit (a narrow table drops the
		 * last first): what < and > and the "metrics A-B of N" hint
		 * count. */
		int widths[32];

		table_layout(&p->table, w, widths);
		p->mvisible = 0;
		for (int c = 0; c < p->ncols; c++)
			p->mvisible += p->tcols[c].kind == K_METRIC &&
				       widths[c] > 0;
	}
	table_draw(&p->table, y, x, h - 1, w);
	if (!e || !e->runs_loaded)
		snprintf(info, sizeof(info), "loading runs…");
	else if (e->runs_more && e->runs_total && !e->runs_paged &&
		 !windowed(v))
		snprintf(info, sizeof(info), "%zu/%zu  the store reads the "
			 "%s of %zu runs for this %s…", p->table.sel + 1,
			 p->nrows, p->search ? "matches" : "order",
			 e->runs_total, p->search ? "filter" : "order");
	else if (p->nrows == 0)
		snprintf(info, sizeof(info), "%s",
			 p->search ? "no run matches the search (F changes it)"
			 : v->filter ? "no run matches the filter" : "no runs");
	else if (e->runs_more && !server_order(v) && !window_in_order(v) &&
		 (!windowed(v) || v->filter))
		snprintf(info, sizeof(info), "%zu/%zu  reading every run for "
			 "this order or filter (%zu so far)…",
			 p->table.sel + 1, p->nrows, e->nruns_loaded);
	else if (windowed(v) && !window_in_order(v))
		snprintf(info, sizeof(info), "%zu/%zu  this column sorts the "
			 "%zu runs held; START, DURATION, STATUS, ID and "
			 "metrics sort all %zu", p->table.sel + 1, p->nrows,
			 p->nrows, e->runs_total);
	else {
		if (window_in_order(v))
			snprintf(info, sizeof(info), "%zu/%zu%s  rows %zu-%zu "
				 "read (more as you scroll), %zu running",
				 e->runs_first + p->table.sel + 1,
				 e->runs_total, e->runs_total_more ? "+" : "",
				 e->runs_first + 1, e->runs_end, p->nrunning);
		else
			snprintf(info, sizeof(info), "%zu/%zu%s  %zu run%s "
				 "shown%s, %zu running", p->table.sel + 1,
				 p->nrows, e->runs_more ? "+" : "", p->nrows,
				 p->nrows == 1 ? "" : "s",
				 e->runs_more ? " (more as you scroll)" : "",
				 p->nrunning);
		if (windowed(v) && e->runs_unsorted)
			snprintf(info + strlen(info), sizeof(info) -
				 strlen(info), ", %zu new (r sorts them in)",
				 e->runs_unsorted);
		if (p->folded)
			snprintf(info + strlen(info), sizeof(info) -
				 strlen(info), ", %zu folded (+ opens)",
				 p->folded);
		if (p->search)
			snprintf(info + strlen(info), sizeof(info) -
				 strlen(info), "  search: %s",
				 search_filter_text(p->search));
		if (p->mvisible && (p->mscroll || p->mtotal > p->mscroll +
				    p->mvisible))
			snprintf(info + strlen(info), sizeof(info) -
				 strlen(info), "  metrics %d-%d of %d (< >)",
				 p->mscroll + 1, p->mscroll + p->mvisible,
				 p->mtotal);
	}
	draw_text(y + h - 1, x, w, info, SLOT_DIM, 0, ALIGN_LEFT);
	if (p->nrows == 0 && h > 4)
		draw_text(y + 2, x + 2, w - 4, info, SLOT_DIM, 0, ALIGN_LEFT);
	if (p->ch.dlg)
		dialog_draw(p->ch.dlg, y, x, h, w);
}

/* --- actions ------------------------------------------------------------ */

static void remember(struct runs_view *p)
{
	if (p->table.sel < p->nrows)
		set_str(&p->selected_id, p->rows[p->table.sel].run->id);
}

static int action(struct view *v, enum action a)
{
	struct runs_view *p = P(v);
	int re = table_action(&p->table, a);
	char *err = NULL;

	if (!(re & RE_UNHANDLED)) {
		remember(p);
		if (a == ACT_LAST && exp_of(v) && exp_of(v)->runs_more)
			p->to_end = true;
		if (a == ACT_FIRST && window_in_order(v) &&
		    exp_of(v)->runs_first)
			p->to_top = true;
		read_on(v);
		return re;
	}
	switch (a) {
	case ACT_ENTER:
		if (p->table.sel < p->nrows) {
			remember(p);
			return tui_want_view(v->tui, "run",
					     p->rows[p->table.sel].run->id,
					     p->exp_id);
		}
		return RE_REDRAW;
	case ACT_ACK:
		/* The selected run's alerts. */
		if (p->table.sel < p->nrows &&
		    !tui_alerts_ack_run(v->tui, p->rows[p->table.sel].run->id))
			tui_message(v->tui, false, "no alert on this run");
		return RE_REDRAW;
	case ACT_PIPELINES: {
		/* A parent run: its children as a pipeline run's Gantt. */
		struct run *r = p->table.sel < p->nrows
				? p->rows[p->table.sel].run : NULL;
		struct experiment *e = model_experiment(tui_model(v->tui),
							p->exp_id);
		bool parent = false;

		for (size_t i = 0; r && e && i < e->nruns_loaded && !parent;
		     i++)
			parent = e->runs[i]->parent_id &&
				 !strcmp(e->runs[i]->parent_id, r->id);
		if (!parent)
			return RE_UNHANDLED;  /* the pipelines list */
		remember(p);
		return tui_want_view(v->tui, "nested-run", p->exp_id, r->id);
	}
	case ACT_SORT_NEXT:
		p->sort_stand_in = false;
		p->table.sort_col = (p->table.sort_col + 1) % p->table.ncols;
		p->dirty = true;
		read_on(v);
		return RE_REDRAW;
	case ACT_SORT_REVERSE:
		p->table.sort_desc = !p->table.sort_desc;
		p->dirty = true;
		read_on(v);
		return RE_REDRAW;
	case ACT_SCROLL_LEFT:
	case ACT_SCROLL_RIGHT:
		/* The metric columns, one key at a time. */
		if (a == ACT_SCROLL_LEFT && p->mscroll > 0)
			p->mscroll--;
		else if (a == ACT_SCROLL_RIGHT &&
			 p->mscroll + (p->mvisible ? p->mvisible : 1) <
				 p->mtotal)
			p->mscroll++;
		choose_columns(v);
		p->dirty = true;
		return RE_REDRAW;
	case ACT_ZOOM_OUT:   /* -: collapse the branch, as in htop */
	case ACT_ZOOM_IN: {  /* +: expand it again */
		struct run *r = p->table.sel < p->nrows
			? p->rows[p->table.sel].run : NULL;
		ssize_t at;

		if (!r || !opt_bool(OPT_TREE))
			return RE_REDRAW;
		/* On a child, the branch is its parent's. */
		if (a == ACT_ZOOM_OUT && r->parent_id &&
		    !has_children(exp_of(v), r) &&
		    experiment_run(exp_of(v), r->parent_id))
			r = experiment_run(exp_of(v), r->parent_id);
		at = collapsed_at(p, r->id);
		if (a == ACT_ZOOM_OUT && at < 0 && has_children(exp_of(v), r)) {
			p->collapsed = xgrow(p->collapsed, &p->capcollapsed,
					     p->ncollapsed + 1,
					     sizeof(*p->collapsed));
			p->collapsed[p->ncollapsed++] = xstrdup(r->id);
			set_str(&p->selected_id, r->id);
		} else if (a == ACT_ZOOM_IN && at >= 0) {
			free(p->collapsed[at]);
			p->collapsed[at] = p->collapsed[--p->ncollapsed];
		}
		p->dirty = true;
		return RE_REDRAW;
	}
	case ACT_TOGGLE_TREE:
		opt_set(OPT_TREE, "toggle", &err);
		p->dirty = true;
		tui_message(v->tui, false, "tree %s",
			    opt_bool(OPT_TREE) ? "on" : "off");
		return RE_REDRAW;
	case ACT_METRIC_COLUMNS:
		tui_prompt_command(v->tui, "metrics ");
		return RE_REDRAW;
	case ACT_COLUMNS:
		runs_cols_open(v);
		return RE_REDRAW;
	case ACT_SEARCH: {
		char *line = xasprintf("where %s", p->search ?
				       search_filter_text(p->search) : "");

		tui_prompt_command(v->tui, line);
		free(line);
		return RE_REDRAW;
	}
	case ACT_MARK:
		if (p->table.sel < p->nrows) {
			struct run *r = p->rows[p->table.sel].run;

			tui_mark_toggle(v->tui, MARK_RUN, r->id,
					r->experiment_id ? r->experiment_id
							 : p->exp_id);
			/* As in htop: mark, then move on to the next. */
			table_action(&p->table, ACT_MOVE_DOWN);
			remember(p);
		}
		return RE_REDRAW;
	case ACT_COMPARE: {
		size_t n;

		tui_marks(v->tui, MARK_RUN, &n);
		if (n < 2) {
			tui_message(v->tui, true,
				    "mark at least two runs (Space)");
			return RE_REDRAW;
		}
		remember(p);
		return tui_want_view(v->tui, "compare", NULL, NULL);
	}
	default:
		return RE_UNHANDLED;
	}
}

static void reload(struct view *v, bool full)
{
	struct store *s = tui_store(v->tui);
	struct experiment *e = exp_of(v);
	struct store_req req = { 0 };

	if (!e)
		return;
	/* Don't pile polls up behind a slow load. */
	if (!full && tui_model(v->tui)->pending)
		return;
	req.include_deleted = opt_bool(OPT_SHOW_DELETED);
	req.forced = full;
	req.first_page = true;
	/* A window stays what it is (the view's, once asked). */
	if (e->runs_total || e->runs_search) {
		req.order = e->runs_order;
		req.order_key = e->runs_order_key;
		req.order_asc = e->runs_order_asc;
		req.search = e->runs_paged || order_held(v, e) ||
			     !e->runs_total ? P(v)->search : NULL;
	}
	if (full || !e->runs_loaded ||
	    e->runs_include_deleted != req.include_deleted)
		s->ops->load_runs(s, &req, e, NULL, NULL);
	else
		s->ops->poll_runs(s, &req, e, NULL, NULL);
	/* What the store finds reaches the rows through sync; a poll that
	 * finds nothing costs no rebuild (a million rows take a second). */
}

static const char *title(struct view *v)
{
	struct runs_view *p = P(v);
	struct experiment *e = exp_of(v);

	free(p->title);
	p->title = xasprintf("%s", e && e->name ? e->name : p->exp_id);
	return p->title;
}

static void filter_changed(struct view *v)
{
	P(v)->dirty = true;
	P(v)->table.sel = 0;
	free(P(v)->selected_id);
	P(v)->selected_id = NULL;
	read_on(v);
}

/* :where FILTER: MLflow's search_runs filter over the runs shown (the
 * regex / still applies on top); an empty one shows every run. */
int view_runs_search(struct view *v, const char *text, char **err)
{
	struct runs_view *p = P(v);
	struct search *q = NULL;

	if (text && *text) {
		q = search_parse(text, NULL, 0, err);
		if (!q)
			return -1;
		if (!search_has_filter(q)) {
			search_free(q);
			q = NULL;
		}
	}
	search_free(p->search);
	p->search = q;
	filter_changed(v);
	return 0;
}

/* system/gpu_N_utilization_percentage of every GPU a loaded run logged,
 * by N, as the metric columns. */
static int gpu_preset(struct view *v, char **err)
{
	struct runs_view *p = P(v);
	struct experiment *e = exp_of(v);
	char buf[512] = "";
	size_t len = 0;

	for (int g = 0; g < 64 && len < sizeof(buf) - 48; g++) {
		char key[64];
		bool found = false;

		snprintf(key, sizeof(key),
			 "system/gpu_%d_utilization_percentage", g);
		for (size_t r = 0; e && !found && r < e->nruns_loaded; r++)
			found = run_series(e->runs[r], key) != NULL;
		if (found)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s", len ? "," : "", key);
	}
	if (!len) {
		*err = xstrdup("metrics gpu: no run here logs GPU utilisation "
			       "(system/gpu_N_utilization_percentage, from "
			       "MLflow's system metrics)");
		return -1;
	}
	free(p->user_keys);
	p->user_keys = xstrdup(buf);
	p->laid_out = false;
	p->dirty = true;
	return 0;
}

static int command(struct view *v, int argc, char **argv, char **err)
{
	struct runs_view *p = P(v);

	if (!strcmp(argv[0], "columns"))
		return runs_cols_command(v, argc, argv, err);
	if (strcmp(argv[0], "metrics") != 0)
		return -1;
	if (runs_cols_find(&p->spec, K_AUTO, NULL) < 0) {
		*err = xstrdup("metrics: the automatic metric columns are "
			       "hidden here (:columns +metrics shows them)");
		return -1;
	}
	/* The preset `gpu`: each GPU's utilisation, as MLflow's system
	 * metrics monitor names it. */
	if (argc == 2 && !strcmp(argv[1], "gpu"))
		return gpu_preset(v, err);
	/* A key no loaded run logs would be an empty column: say so. */
	for (int i = 1; i < argc; i++) {
		struct experiment *e = exp_of(v);
		bool found = !strcmp(argv[i], "auto") || !e ||
			     !e->runs_loaded;

		for (size_t r = 0; e && !found && r < e->nruns_loaded; r++)
			found = run_series(e->runs[r], argv[i]) != NULL;
		if (!found) {
			*err = xasprintf("metrics: no run here logs '%s' "
					 "(Tab completes the keys)", argv[i]);
			return -1;
		}
	}
	free(p->user_keys);
	p->user_keys = NULL;
	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "auto"))) {
		p->user_keys = xstrdup("");
	} else {
		char buf[512] = "";
		size_t len = 0;

		for (int i = 1; i < argc && len < sizeof(buf) - 2; i++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s", i > 1 ? "," : "",
						argv[i]);
		p->user_keys = xstrdup(buf);
	}
	p->laid_out = false;
	p->dirty = true;
	return 0;
}

static void complete(struct view *v, const char *cmd,
		     void (*add)(void *ctx, const char *word), void *ctx)
{
	struct experiment *e = exp_of(v);
	bool cols = !strcmp(cmd, "columns");

	if ((strcmp(cmd, "metrics") != 0 && !cols) || !e)
		return;
	add(ctx, "auto");
	if (!cols)
		add(ctx, "gpu");
	if (cols) {
		runs_cols_complete(e, add, ctx);
		return;
	}
	/* Keys of the first runs are enough to complete from. */
	for (size_t i = 0; i < e->nruns_loaded && i < 200; i++) {
		struct run *r = e->runs[i];

		for (size_t k = 0; k < r->nmetrics; k++)
			add(ctx, r->metrics[k].key);
	}
}

static void vfree(struct view *v)
{
	struct runs_view *p = P(v);

	for (size_t i = 0; i < p->ncollapsed; i++)
		free(p->collapsed[i]);
	free(p->collapsed);

	runs_cols_close(&p->ch);
	search_free(p->search);
	drop_layout(p);
	runs_cols_free(&p->spec);
	free(p->sort_key);
	free(p->rows);
	free(p->exp_id);
	free(p->title);
	free(p->selected_id);
	free(p->asked_key);
	free(p->asked_search);
	free(p->user_keys);
	free(p);
}

/* y: the run's id; Y: its page in the MLflow UI. */
static char *yank(struct view *v, bool web)
{
	struct runs_view *p = P(v);
	struct run *r = p->table.sel < p->nrows ? p->rows[p->table.sel].run
						: NULL;
	char *path, *url;

	if (!r)
		return NULL;
	if (!web)
		return xstrdup(r->id);
	path = xasprintf("#/experiments/%s/runs/%s", r->experiment_id
			 ? r->experiment_id : p->exp_id, r->id);
	url = tui_web_url(v->tui, path);
	free(path);
	return url;
}

static const enum action view_keys[] = {
	ACT_SORT_NEXT,
	ACT_SORT_REVERSE,
	ACT_TOGGLE_TREE,
	ACT_ZOOM_OUT,
	ACT_ZOOM_IN,
	ACT_SCROLL_LEFT,
	ACT_SCROLL_RIGHT,
	ACT_METRIC_COLUMNS,
	ACT_COLUMNS,
	ACT_SEARCH,
	ACT_MARK,
	ACT_COMPARE,
	ACT_TOGGLE_DELETED,
	ACT_PIPELINES,
	ACT_YANK,
	ACT_YANK_WEB,
	ACT_NONE,
};

static const struct view_ops runs_ops = {
	.name = "runs",
	.free = vfree,
	.draw = draw,
	.sync = sync,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,
	.command = command,
	.complete = complete,
	.yank = yank,
	.keys = view_keys,
	.key = runs_cols_key,
};

struct view *view_runs_new(struct tui *t, const char *experiment_id)
{
	struct view *v = xcalloc(1, sizeof(*v));
	struct runs_view *p = xcalloc(1, sizeof(*p));

	v->ops = &runs_ops;
	v->tui = t;
	v->priv = p;
	p->exp_id = xstrdup(experiment_id);
	p->table.cell = cell;
	p->table.ctx = v;
	p->sort_kind = K_START;
	p->table.sort_desc = true;
	p->gen = (uint64_t)-1;
	runs_cols_load(v);
	choose_columns(v);
	return v;
}
