/* view_compare.c: the marked runs side by side: info, params, metrics and
 * tags in one column a run, and every run overlaid on a chart of a metric. */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "config/options.h"
#include "core/clock.h"
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

/* Run columns on screen at once; the table draws at most 32 columns. */
#define ZOOM_MAX 12

enum section { S_INFO, S_PARAMS, S_METRICS, S_TAGS, S__N };


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

static const char *const section_names[S__N] = {
	"INFO", "PARAMS", "METRICS", "TAGS",
};

enum row_kind { R_SECTION, R_KV, R_LAST, R_MIN, R_MAX };

struct crow {
	enum row_kind kind;
	enum section sec;
	size_t i;              /* into the section's rows, or metrics */
};

/* One compared run as it was marked: the model may drop and re-create
 * run structs, so columns hold ids and find the run each pass. */
struct member {
	char *id;
	char *exp_id;
};

static const double ema_weights[] = {0, 0.6, 0.9};
/* Written out: a user's LC_NUMERIC must not make it "0,6". */
static const char *const ema_names[] = {"off", "0.6", "0.9"};
#define NEMA (sizeof(ema_weights) / sizeof(ema_weights[0]))

static const char *const xkind_names[] = {
	[CHART_X_STEP] = "step",
	[CHART_X_WALL] = "wall time",
	[CHART_X_RELATIVE] = "time since start",
};

struct compare_view {
	struct member *members;  /* owned, in mark order */
	size_t nmembers;
	/* This pass: the members whose run is loaded, and the member each
	 * came from (its colour). */
	struct run **runs;
	size_t *member_of;
	size_t nruns;
	struct comparison cmp;
	bool built;
	/* Rebuilt when the model changed, the rows asked for changed
	 * (dirty), or a second passed (running runs' durations). */
	uint64_t gen;
	int64_t sec;
	bool dirty;
	struct crow *rows;
	size_t nrows, caprows;
	struct table table;
	struct sidebyside sbs;    /* member columns, scrolled */
	bool diff_only;
	enum chart_x xkind;
	size_t ema;              /* index into ema_weights */
	bool log_y;
	int zoom;                /* halvings of the step range, at its end */
	bool zoom_set;           /* :zoom FROM TO */
	int64_t zlo, zhi;
	/* The cursor row by what it shows, to keep it across rebuilds. */
	enum section sel_sec;
	enum row_kind sel_kind;
	char *sel_key;
	char *chart_key;         /* the metric charted last */
	char *title;
};

static struct compare_view *P(struct view *v)
{
	return v->priv;
}

static enum slot run_slot(const struct compare_view *p, size_t run)
{
	return (enum slot)(SLOT_COMPARE_1 +
			   (int)(p->member_of[run] % COMPARE_SLOTS));
}

static const char *run_label(const struct run *r)
{
	return r->name && *r->name ? r->name : r->id;
}

/* --- the comparison ------------------------------------------------------ */

static struct run *member_run(struct model *m, const struct member *mb)
{
	struct experiment *e = mb->exp_id ? model_experiment(m, mb->exp_id)
					  : NULL;
	struct run *r = e ? experiment_run(e, mb->id) : NULL;

	if (!r)
		r = model_find_run(m, mb->id);
	/* A run the runs list knows only by a poll has no status yet. */
	if (r && r->status == RUN_UNKNOWN && !r->status_str)
		return NULL;
	return r;
}

static const char *row_key(const struct compare_view *p,
			   const struct crow *row)
{
	const struct comparison *c = &p->cmp;

	switch (row->sec) {
	case S_INFO:
		return row->kind == R_SECTION ? "" : c->info[row->i].key;
	case S_PARAMS:
		return row->kind == R_SECTION ? "" : c->params[row->i].key;
	case S_TAGS:
		return row->kind == R_SECTION ? "" : c->tags[row->i].key;
	case S_METRICS:
	default:
		return row->kind == R_SECTION ? "" : c->metrics[row->i].key;
	}
}

static const struct cmp_row *kv_row(const struct compare_view *p,
				    const struct crow *row)
{
	switch (row->sec) {
	case S_INFO:
		return &p->cmp.info[row->i];
	case S_PARAMS:
		return &p->cmp.params[row->i];
	case S_TAGS:
		return &p->cmp.tags[row->i];
	default:
		return NULL;
	}
}

static void add_row(struct compare_view *p, enum row_kind kind,
		    enum section sec, size_t i)
{
	p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1, sizeof(*p->rows));
	p->rows[p->nrows].kind = kind;
	p->rows[p->nrows].sec = sec;
	p->rows[p->nrows].i = i;
	p->nrows++;
}

static void add_kv_section(struct view *v, enum section sec,
			   const struct cmp_row *rows, size_t n)
{
	struct compare_view *p = P(v);

	add_row(p, R_SECTION, sec, 0);
	for (size_t i = 0; i < n; i++) {
		if (p->diff_only && !rows[i].differs)
			continue;
		if (v->filter && !filter_match(v->filter, rows[i].key))
			continue;
		add_row(p, R_KV, sec, i);
	}
}

/* Fetch what the comparison needs: each run's whole history of every
 * metric, for min and max and the chart; only what is new each time. */
static void fetch_histories(struct view *v)
{
	struct compare_view *p = P(v);
	struct store *s = tui_store(v->tui);

	for (size_t i = 0; i < p->nruns; i++) {
		struct run *r = p->runs[i];

		for (size_t k = 0; k < r->nmetrics; k++)
			if (series_stale(&r->metrics[k]))
				s->ops->load_history(s, NULL, r, &r->metrics[k],
						     NULL, NULL);
	}
}

static void rebuild(struct view *v)
{
	struct compare_view *p = P(v);
	struct model *m = tui_model(v->tui);
	size_t keep = 0;
	bool found = false;

	p->gen = m->generation;
	p->sec = clock_now_ms() / 1000;
	p->dirty = false;
	p->nruns = 0;
	for (size_t i = 0; i < p->nmembers; i++) {
		struct run *r = member_run(m, &p->members[i]);

		if (!r)
			continue;
		p->runs[p->nruns] = r;
		p->member_of[p->nruns] = i;
		p->nruns++;
	}
	fetch_histories(v);
	if (p->built)
		compare_free(&p->cmp);
	/* Durations of running runs move with the clock: build every pass;
	 * it is a handful of runs. */
	compare_build(&p->cmp, p->runs, p->nruns, clock_now_ms(),
		      dir_prefs(), tui_model(v->tui));
	p->built = true;
	p->nrows = 0;
	if (p->nruns == 0) {
		p->table.nrows = 0;
		return;
	}
	add_kv_section(v, S_INFO, p->cmp.info, p->cmp.ninfo);
	add_kv_section(v, S_PARAMS, p->cmp.params, p->cmp.nparams);
	add_row(p, R_SECTION, S_METRICS, 0);
	for (size_t i = 0; i < p->cmp.nmetrics; i++) {
		if (v->filter && !filter_match(v->filter,
					       p->cmp.metrics[i].key))
			continue;
		add_row(p, R_LAST, S_METRICS, i);
		add_row(p, R_MIN, S_METRICS, i);
		add_row(p, R_MAX, S_METRICS, i);
	}
	add_kv_section(v, S_TAGS, p->cmp.tags, p->cmp.ntags);
	for (size_t i = 0; p->sel_key && i < p->nrows && !found; i++) {
		const struct crow *row = &p->rows[i];

		if (row->sec == p->sel_sec && row->kind == p->sel_kind &&
		    !strcmp(row_key(p, row), p->sel_key)) {
			keep = i;
			found = true;
		}
	}
	/* Start on the first row that is not a section title. */
	for (size_t i = 0; !p->sel_key && i < p->nrows; i++)
		if (p->rows[i].kind != R_SECTION) {
			keep = i;
			break;
		}
	p->table.nrows = p->nrows;
	if (found || !p->sel_key)
		p->table.sel = keep;
	/* table_draw scrolls to the cursor; clamping here, before the first
	 * draw knows the page, would scroll the first title away. */
	if (p->table.sel >= p->nrows)
		p->table.sel = p->nrows - 1;
}

static void remember(struct compare_view *p)
{
	const struct crow *row;

	if (p->table.sel >= p->nrows)
		return;
	row = &p->rows[p->table.sel];
	p->sel_sec = row->sec;
	p->sel_kind = row->kind;
	set_str(&p->sel_key, row_key(p, row));
	if (row->sec == S_METRICS && row->kind != R_SECTION)
		set_str(&p->chart_key, row_key(p, row));
}

/* --- cells --------------------------------------------------------------- */

static void section_title(const struct compare_view *p, enum section sec,
			  char *buf, size_t n)
{
	const struct cmp_row *rows = sec == S_INFO ? p->cmp.info
				     : sec == S_PARAMS ? p->cmp.params
						       : p->cmp.tags;
	size_t total = sec == S_INFO ? p->cmp.ninfo
		       : sec == S_PARAMS ? p->cmp.nparams : p->cmp.ntags;
	size_t differ = 0;

	if (sec == S_METRICS) {
		snprintf(buf, n, "%s %zu", section_names[sec],
			 p->cmp.nmetrics);
		return;
	}
	for (size_t i = 0; i < total; i++)
		differ += rows[i].differs;
	snprintf(buf, n, "%s %zu/%zu differ", section_names[sec], differ,
		 total);
}

/* Right-aligned in the column, with two columns left for the best mark
 * so the digits of every run line up. */
static void metric_text(struct cell *c, int colw, const char *num,
			bool best)
{
	/* Wide columns keep numbers near the run's name. */
	int w = colw - 2 > 12 ? 12 : colw - 2 > 0 ? colw - 2 : 1;

	snprintf(c->buf, sizeof(c->buf), "%*s%s", w, num, best ? " *" : "  ");
	c->text = c->buf;
}

static void metric_cell(struct compare_view *p, const struct crow *row,
			size_t run, struct cell *c)
{
	const struct cmp_metric *cm = &p->cmp.metrics[row->i];
	struct series *s = run_series(p->runs[run], cm->key);
	char num[64];
	double val;
	int w = p->sbs.colw - 2 < 9 ? p->sbs.colw - 2 : 9;

	if (!s || !s->has_latest) {
		metric_text(c, p->sbs.colw, draw_unicode() ? "–" : "-", false);
		c->slot = SLOT_DIM;
		return;
	}
	val = row->kind == R_LAST ? cm->last[run]
	      : row->kind == R_MIN ? cm->min[run] : cm->max[run];
	if (row->kind != R_LAST && isnan(val)) {
		/* No finite point held: still loading, or none at all. */
		metric_text(c, p->sbs.colw, s->fetched ? "-" : "…", false);
		c->slot = SLOT_DIM;
		return;
	}
	format_value(val, w < 6 ? 6 : w, num, sizeof(num));
	metric_text(c, p->sbs.colw, num, row->kind == R_LAST &&
				     cm->best == (int)run);
	if (isnan(val) || value_is_inf(val))
		c->slot = SLOT_VALUE_NAN;
	else if (row->kind == R_LAST && cm->best == (int)run) {
		c->slot = SLOT_METRIC_BEST;
		c->extra = A_BOLD;
	} else if (row->kind != R_LAST) {
		c->slot = SLOT_DIM;
	}
}

static void cell(void *ctx, size_t rowi, int col, struct cell *c)
{
	struct view *v = ctx;
	struct compare_view *p = P(v);
	const struct crow *row = &p->rows[rowi];
	bool u = draw_unicode();
	size_t run = sbs_member(&p->sbs, col);

	if (col == 0) {
		switch (row->kind) {
		case R_SECTION:
			section_title(p, row->sec, c->buf, sizeof(c->buf));
			c->text = c->buf;
			c->slot = SLOT_HEADER;
			break;
		case R_KV:
			c->prefix = !kv_row(p, row)->differs ? "  "
				    : u ? "≠ " : "! ";
			c->prefix_slot = SLOT_DIFF_CHANGED;
			c->text = kv_row(p, row)->key;
			c->slot = SLOT_LABEL;
			break;
		case R_LAST: {
			const struct cmp_metric *cm = &p->cmp.metrics[row->i];

			snprintf(c->buf, sizeof(c->buf), "  %s %s", cm->key,
				 direction_arrow(cm->dir, u));
			c->text = c->buf;
			c->slot = SLOT_LABEL;
			break;
		}
		case R_MIN:
		case R_MAX:
			c->text = row->kind == R_MIN ? "    min" : "    max";
			c->slot = SLOT_DIM;
			break;
		}
		return;
	}
	if (run >= p->nruns)
		return;
	switch (row->kind) {
	case R_SECTION:
		if (col == 1 && row->sec == S_METRICS)
			c->text = "* best last value";
		else if (col == 1 && p->diff_only &&
			 (row + 1 == p->rows + p->nrows ||
			  row[1].kind == R_SECTION))
			c->text = "no differences";
		c->slot = SLOT_DIM;
		break;
	case R_KV: {
		const struct cmp_row *kr = kv_row(p, row);
		const char *val = kr->values[run];

		c->text = val ? val : (u ? "–" : "-");
		c->slot = !val ? SLOT_DIM
			  : kr->differs ? SLOT_DIFF_CHANGED : SLOT_DEFAULT;
		/* A path or a run id keeps both its ends. */
		c->cut_middle = val && (strchr(val, '/') ||
					(strlen(val) >= 32 &&
					 strspn(val, "0123456789abcdef") >= 32));
		break;
	}
	default:
		metric_cell(p, row, run, c);
		break;
	}
}

/* --- drawing ----------------------------------------------------------- */

/* Row headers keep their width; run columns share the rest, 2 or 3 at
 * 80 columns, as many as fit wider, never so narrow numbers break. */

/* The table draws plain titles; run names go over them in their colours,
 * the same colour as the run's line and legend entry in the chart. */
static const char *head_label(void *ctx, size_t run, enum slot *slot)
{
	struct compare_view *p = ctx;

	*slot = run_slot(p, run);
	return run_label(p->runs[run]);
}

static void draw_heads(struct compare_view *p, int y, int x)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%zu runs", p->nruns);
	sbs_draw_heads(&p->sbs, &p->table, y, x, buf, head_label, p);
}

static const struct cmp_metric *chart_metric(struct compare_view *p,
					     bool *on_row)
{
	const struct crow *row = p->table.sel < p->nrows
		? &p->rows[p->table.sel] : NULL;

	*on_row = row && row->sec == S_METRICS && row->kind != R_SECTION;
	if (*on_row)
		return &p->cmp.metrics[row->i];
	if (!p->chart_key && p->cmp.nmetrics) {
		/* Before the user picks one: the metric most runs have,
		 * held-out quality first, as the runs view picks columns. */
		struct key_tally kt = {0};

		for (size_t i = 0; i < p->nruns; i++)
			for (size_t k = 0; k < p->runs[i]->nmetrics; k++)
				key_tally_add(&kt, p->runs[i]->metrics[k].key);
		key_tally_rank(&kt);
		if (kt.n)
			p->chart_key = xstrdup(kt.v[0].key);
		key_tally_free(&kt);
	}
	for (size_t i = 0; p->chart_key && i < p->cmp.nmetrics; i++)
		if (!strcmp(p->cmp.metrics[i].key, p->chart_key))
			return &p->cmp.metrics[i];
	return p->cmp.nmetrics ? &p->cmp.metrics[0] : NULL;
}

/* The first and last steps of key over the compared runs; *first >
 * *last when no run has a point of it. */
static void step_range(const struct compare_view *p, const char *key,
		       int64_t *first, int64_t *last)
{
	*first = INT64_MAX;
	*last = INT64_MIN;
	for (size_t i = 0; i < p->nruns; i++) {
		struct series *s = run_series(p->runs[i], key);

		if (!s || !s->n)
			continue;
		if (s->pts[0].step < *first)
			*first = s->pts[0].step;
		if (s->pts[s->n - 1].step > *last)
			*last = s->pts[s->n - 1].step;
	}
}

/* The step window the zoom shows: the last 1/2^zoom of every run's
 * steps, or what :zoom set; the label says which steps. */
static void zoom_window(struct compare_view *p, const char *key,
			int64_t *lo, int64_t *hi, char *label, size_t n)
{
	int64_t smin, smax;
	const char *dash = draw_unicode() ? "–" : "-";

	*label = '\0';
	if (p->zoom_set) {
		*lo = p->zlo;
		*hi = p->zhi;
		snprintf(label, n, "  steps %lld%s%lld", (long long)*lo, dash,
			 (long long)*hi);
		return;
	}
	step_range(p, key, &smin, &smax);
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	if (smin > smax || p->zoom == 0)
		return;
	*lo = smax - (int64_t)((double)(smax - smin) / pow(2, p->zoom));
	snprintf(label, n, "  steps %lld%s%lld", (long long)*lo, dash,
		 (long long)smax);
}

static void draw_chart(struct view *v, const struct cmp_metric *cm, int y,
		       int x, int h, int w)
{
	struct compare_view *p = P(v);
	struct chart_series *cs = xcalloc(p->nruns, sizeof(*cs));
	double **bufs = xcalloc(p->nruns * 2, sizeof(*bufs));
	double weight = ema_weights[p->ema];
	struct chart_spec spec = {0};
	char title[512], zoom[96] = "", ema[32] = "";
	int64_t wlo, whi;
	bool u = draw_unicode();

	zoom_window(p, cm->key, &wlo, &whi, zoom, sizeof(zoom));
	for (size_t i = 0; i < p->nruns; i++) {
		struct run *r = p->runs[i];
		struct series *s = run_series(r, cm->key);
		size_t n = s ? s->n : 0, a = 0, b = n;
		double *xs, *raw, *ys;
		int64_t t0;

		cs[i].label = run_label(r);
		cs[i].slot = run_slot(p, i);
		cs[i].marker = chart_marker(i);
		if (!n)
			continue;
		xs = bufs[2 * i] = xmalloc(n * sizeof(double));
		ys = bufs[2 * i + 1] = xmalloc(n * sizeof(double));
		raw = xmalloc(n * sizeof(double));
		t0 = r->start_time > 0 ? r->start_time : s->pts[0].timestamp;
		for (size_t k = 0; k < n; k++) {
			const struct point *pt = &s->pts[k];

			raw[k] = pt->value;
			xs[k] = p->xkind == CHART_X_STEP ? (double)pt->step
				: p->xkind == CHART_X_WALL
					? (double)pt->timestamp
					: (double)(pt->timestamp - t0);
		}
		/* Smooth the whole history, then cut the window: the first
		 * point shown keeps the weight of what came before it. */
		if (weight > 0)
			ema_smooth(raw, ys, n, weight);
		else
			memcpy(ys, raw, n * sizeof(double));
		free(raw);
		while (a < n && s->pts[a].step < wlo)
			a++;
		while (b > a && s->pts[b - 1].step > whi)
			b--;
		cs[i].x = xs + a;
		cs[i].y = ys + a;
		cs[i].n = b - a;
	}
	if (weight > 0)
		snprintf(ema, sizeof(ema), "  ema %s", ema_names[p->ema]);
	snprintf(title, sizeof(title), "%s %s  x: %s%s%s%s", cm->key,
		 direction_arrow(cm->dir, u),
		 xkind_names[p->xkind], ema, p->log_y ? "  log y" : "", zoom);
	spec.title = title;
	spec.xkind = p->xkind;
	spec.log_y = p->log_y;
	chart_overlay_draw(y, x, h, w, cs, p->nruns, &spec);
	for (size_t i = 0; i < p->nruns * 2; i++)
		free(bufs[i]);
	free(bufs);
	free(cs);
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct compare_view *p = P(v);
	const struct cmp_metric *cm;
	char info[256];
	int chart_h = 0, th;
	bool on_row;

	if (p->dirty || p->gen != tui_model(v->tui)->generation ||
	    p->sec != clock_now_ms() / 1000)
		rebuild(v);
	if (p->nruns == 0) {
		draw_text(y + 1, x + 2, w - 4, tui_model(v->tui)->pending
			  ? "loading runs…"
			  : "none of the marked runs is in the store",
			  SLOT_DIM, 0, ALIGN_LEFT);
		return;
	}
	sbs_layout(&p->sbs, &p->table, w, p->nruns);
	cm = chart_metric(p, &on_row);
	/* The chart shows while the cursor is on a metric; a tall screen
	 * has room to keep it in view. */
	th = h - 1;
	if (cm && (on_row || h >= 40) && th >= 14)
		chart_h = h >= 40 ? th * 9 / 20 : th / 2;
	table_draw(&p->table, y, x, th - chart_h, w);
	draw_heads(p, y, x);
	if (chart_h)
		draw_chart(v, cm, y + th - chart_h, x, chart_h, w);
	{
		size_t last = p->sbs.left + (size_t)p->table.ncols - 1;
		size_t loading = p->nmembers - p->nruns;
		int len;

		len = snprintf(info, sizeof(info), "runs %zu-%zu of %zu",
			       p->sbs.left + 1, last, p->nruns);
		if (loading)
			len += snprintf(info + len, sizeof(info) - (size_t)len,
					" (%zu %s)", loading,
					tui_model(v->tui)->pending
					? "loading" : "not in the store");
		snprintf(info + len, sizeof(info) - (size_t)len,
			 "%s  D %s  %s",
			 p->nruns > (size_t)p->sbs.visible ? "  <> scroll" : "",
			 p->diff_only ? "all rows" : "only differences",
			 chart_h ? "chart: x e L + - 0" : "Tab next section");
	}
	draw_text(y + h - 1, x, w, info, SLOT_DIM, 0, ALIGN_LEFT);
}

/* --- actions ------------------------------------------------------------ */

/* Section titles are not stops for j and k. */
static void skip_titles(struct compare_view *p, enum action a)
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
	struct compare_view *p = P(v);
	int re = table_action(&p->table, a);

	if (!(re & RE_UNHANDLED)) {
		skip_titles(p, a);
		remember(p);
		return re;
	}
	switch (a) {
	case ACT_FOCUS_NEXT: {
		/* The next section's first row, round to the top. */
		size_t n = p->nrows, i = p->table.sel;

		for (size_t k = 1; k <= n; k++) {
			size_t j = (i + k) % n;

			if (p->rows[j].kind == R_SECTION) {
				p->table.sel = j + 1 < n &&
					p->rows[j + 1].kind != R_SECTION
					? j + 1 : j;
				break;
			}
		}
		table_clamp(&p->table);
		remember(p);
		return RE_REDRAW;
	}
	case ACT_DIFF_ONLY:
		p->diff_only = !p->diff_only;
		p->dirty = true;
		tui_message(v->tui, false, "%s", p->diff_only
			    ? "showing only rows that differ"
			    : "showing every row");
		return RE_REDRAW;
	case ACT_X_AXIS:
		p->xkind = (enum chart_x)((p->xkind + 1) % 3);
		tui_message(v->tui, false, "x axis: %s",
			    xkind_names[p->xkind]);
		return RE_REDRAW;
	case ACT_SMOOTH:
		p->ema = (p->ema + 1) % NEMA;
		tui_message(v->tui, false, "smoothing: %s%s",
			    p->ema ? "EMA " : "", ema_names[p->ema]);
		return RE_REDRAW;
	case ACT_LOG_Y:
		p->log_y = !p->log_y;
		return RE_REDRAW;
	case ACT_ZOOM_IN:
		p->zoom_set = false;
		if (p->zoom < ZOOM_MAX)
			p->zoom++;
		return RE_REDRAW;
	case ACT_ZOOM_OUT:
		if (p->zoom_set)
			p->zoom_set = false;
		else if (p->zoom > 0)
			p->zoom--;
		return RE_REDRAW;
	case ACT_ZOOM_RESET:
		p->zoom = 0;
		p->zoom_set = false;
		return RE_REDRAW;
	case ACT_SCROLL_LEFT:
	case ACT_SCROLL_RIGHT:
		return sbs_scroll(&p->sbs, a, p->nruns);
	case ACT_NEXT_MATCH:
	case ACT_PREV_MATCH:
		re = table_action(&p->table, a == ACT_NEXT_MATCH
						     ? ACT_MOVE_DOWN
						     : ACT_MOVE_UP);
		skip_titles(p, a == ACT_NEXT_MATCH ? ACT_MOVE_DOWN
						   : ACT_MOVE_UP);
		remember(p);
		return re;
	default:
		return RE_UNHANDLED;
	}
}

static void reload(struct view *v, bool full)
{
	struct compare_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct model *m = tui_model(v->tui);

	if (!full && m->pending)
		return;
	for (size_t i = 0; i < p->nmembers; i++) {
		struct run *r = member_run(m, &p->members[i]);

		/* Finished runs do not change; running ones are polled,
		 * and their new points come in by series_stale. */
		if (!full && r && r->status != RUN_RUNNING &&
		    r->status != RUN_SCHEDULED)
			continue;
		s->ops->load_run(s, &(struct store_req){ .forced = full },
				 p->members[i].id, NULL, NULL);
	}
}

static const char *title(struct view *v)
{
	struct compare_view *p = P(v);

	free(p->title);
	p->title = xasprintf("compare %zu runs", p->nmembers);
	return p->title;
}

static void filter_changed(struct view *v)
{
	P(v)->dirty = true;
	P(v)->table.sel = 0;
	free(P(v)->sel_key);
	P(v)->sel_key = NULL;
}

static int command(struct view *v, int argc, char **argv, char **err)
{
	struct compare_view *p = P(v);
	char *e1 = NULL, *e2 = NULL;
	long long lo, hi;

	if (strcmp(argv[0], "zoom") != 0)
		return -1;
	if (argc == 1) {
		p->zoom = 0;
		p->zoom_set = false;
		return 0;
	}
	if (argc != 3) {
		*err = xstrdup("usage: zoom FROM-STEP TO-STEP (no steps: all)");
		return -1;
	}
	lo = strtoll(argv[1], &e1, 10);
	hi = strtoll(argv[2], &e2, 10);
	if (*e1 || *e2 || e1 == argv[1] || e2 == argv[2] || lo > hi) {
		*err = xasprintf("zoom: '%s %s' is not a step range", argv[1],
				 argv[2]);
		return -1;
	}
	p->zoom_set = true;
	p->zoom = 0;
	p->zlo = lo;
	p->zhi = hi;
	return 0;
}

/* :zoom's steps: where the charted metric's steps begin and end, and
 * the window shown now (the FROM candidates first). */
static void complete(struct view *v, const char *cmd,
		     void (*add)(void *ctx, const char *word), void *ctx)
{
	struct compare_view *p = P(v);
	int64_t smin, smax, lo, hi;
	char label[96], w[32];

	if (strcmp(cmd, "zoom") != 0 || !p->chart_key)
		return;
	step_range(p, p->chart_key, &smin, &smax);
	if (smin > smax)
		return;
	zoom_window(p, p->chart_key, &lo, &hi, label, sizeof(label));
	if (lo < smin || lo > smax)
		lo = smin;
	if (hi > smax || hi < smin)
		hi = smax;
	snprintf(w, sizeof(w), "%lld", (long long)smin);
	add(ctx, w);
	snprintf(w, sizeof(w), "%lld", (long long)lo);
	add(ctx, w);
	snprintf(w, sizeof(w), "%lld", (long long)hi);
	add(ctx, w);
	snprintf(w, sizeof(w), "%lld", (long long)smax);
	add(ctx, w);
}

static void vfree(struct view *v)
{
	struct compare_view *p = P(v);

	for (size_t i = 0; i < p->nmembers; i++) {
		free(p->members[i].id);
		free(p->members[i].exp_id);
	}
	if (p->built)
		compare_free(&p->cmp);
	free(p->members);
	free(p->runs);
	free(p->member_of);
	free(p->rows);
	free(p->sel_key);
	free(p->chart_key);
	free(p->title);
	free(p);
}

static const enum action view_keys[] = {
	ACT_DIFF_ONLY,
	ACT_FOCUS_NEXT,
	ACT_LOG_Y,
	ACT_X_AXIS,
	ACT_SMOOTH,
	ACT_ZOOM_IN,
	ACT_ZOOM_OUT,
	ACT_ZOOM_RESET,
	ACT_SCROLL_LEFT,
	ACT_SCROLL_RIGHT,
	ACT_NONE,
};

static const struct view_ops compare_ops = {
	.name = "compare",
	.free = vfree,
	.draw = draw,
	.sync = rebuild,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,
	.command = command,	.complete = complete,
	.keys = view_keys,
};

struct view *view_compare_new(struct tui *t)
{
	struct view *v = xcalloc(1, sizeof(*v));
	struct compare_view *p = xcalloc(1, sizeof(*p));
	const struct mark *marks;
	size_t n;

	v->ops = &compare_ops;
	v->tui = t;
	v->priv = p;
	marks = tui_marks(t, MARK_RUN, &n);
	p->members = xcalloc(n ? n : 1, sizeof(*p->members));
	for (size_t i = 0; i < n; i++) {
		p->members[i].id = xstrdup(marks[i].id);
		p->members[i].exp_id = marks[i].experiment_id
			? xstrdup(marks[i].experiment_id) : NULL;
	}
	p->nmembers = n;
	p->runs = xcalloc(n ? n : 1, sizeof(*p->runs));
	p->member_of = xcalloc(n ? n : 1, sizeof(*p->member_of));
	p->table.cols = p->sbs.cols;
	p->table.cell = cell;
	p->table.ctx = v;
	p->table.sort_col = -1;
	p->dirty = true;
	return v;
}
