/* view_run.c: one run in detail: info, metrics with sparklines and
 * last/min/max/count, params, tags, and a chart of the selected metric. */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "alert/engine.h"
#include "core/clock.h"
#include "core/downsample.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/widget.h"

enum pane { PANE_METRICS, PANE_PARAMS, PANE_TAGS, PANE__N };

static const char *const pane_names[PANE__N] = {"metrics", "params", "tags"};

enum { M_KEY, M_SPARK, M_LAST, M_MIN, M_MAX, M_N, M__N };

static const struct table_col metric_cols[M__N] = {
	[M_KEY] = {"METRIC", 18, 8, 0, false, true, false, 0},
	[M_SPARK] = {"HISTORY", 22, 0, 1, false, false, true, 0},
	[M_LAST] = {"LAST", 10, 0, 0, true, false, false, 0},
	[M_MIN] = {"MIN", 10, 0, 2, true, false, false, 0},
	[M_MAX] = {"MAX", 10, 0, 2, true, false, false, 0},
	[M_N] = {"POINTS", 7, 0, 3, true, false, false, 0},
};

static const struct table_col kv_cols[2] = {
	{"KEY", 24, 10, 0, false, false, false, 0},
	{"VALUE", 40, 10, 0, false, true, false, 0},
};

struct run_view {
	char *exp_id, *run_id, *title;
	enum pane pane;
	struct table tables[PANE__N];
	size_t *rows;          /* indexes into metrics/params/tags, filtered */
	size_t nrows, caprows;
	bool log_y;
	uint64_t gen;
	bool dirty;
	struct dialog *popup;  /* a param or tag value in full, or NULL */
	bool chart_full;       /* v: the chart takes the metrics pane */
};

static struct run_view *P(struct view *v)
{
	return v->priv;
}

static struct run *run_of(struct view *v)
{
	struct experiment *e = model_experiment(tui_model(v->tui), P(v)->exp_id);

	return e ? experiment_run(e, P(v)->run_id) : NULL;
}

/* Finite min and max over the fetched history. */
static void series_minmax(const struct series *s, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < s->n; i++) {
		double x = s->pts[i].value;

		if (isnan(x) || value_is_inf(x))
			continue;
		if (x < *lo)
			*lo = x;
		if (x > *hi)
			*hi = x;
	}
}

static bool kv_match(const struct filter *f, const struct kv *kv)
{
	char *subject;
	bool ok;

	if (!f)
		return true;
	subject = xasprintf("%s=%s", kv->key, kv->value ? kv->value : "");
	ok = filter_match(f, subject);
	free(subject);
	return ok;
}

/* --- system metrics ------------------------------------------------------ */

/* MLflow's system metrics monitor logs system/cpu_utilization_percentage,
 * system/system_memory_usage_{percentage,megabytes},
 * system/disk_usage_{percentage,megabytes}, system/disk_available_megabytes,
 * system/network_{receive,transmit}_megabytes and, per GPU N,
 * system/gpu_N_{utilization_percentage,memory_usage_percentage,
 * memory_usage_megabytes,power_usage_watts,power_usage_percentage}. */
#define SYSTEM_PREFIX "system/"
#define MAX_GPUS 64

static bool is_system(const char *key)
{
	return !strncmp(key, SYSTEM_PREFIX, strlen(SYSTEM_PREFIX));
}

static size_t count_system(const struct run *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nmetrics; i++)
		n += is_system(r->metrics[i].key);
	return n;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The GPUs the run logged (system/gpu_N_...), ascending. */
static int system_gpus(const struct run *r, int *gpus, int max)
{
	int n = 0;

	for (size_t i = 0; i < r->nmetrics; i++) {
		const char *k = r->metrics[i].key;
		char *end;
		long g;
		int j;

		if (strncmp(k, SYSTEM_PREFIX "gpu_", 11) != 0)
			continue;
		g = strtol(k + 11, &end, 10);
		if (end == k + 11 || *end != '_' || g < 0 || g > 100000)
			continue;
		for (j = 0; j < n && gpus[j] != (int)g; j++)
			;
		if (j == n && n < max)
			gpus[n++] = (int)g;
	}
	qsort(gpus, (size_t)n, sizeof(*gpus), cmp_int);
	return n;
}

/* system/NAME, or with gpu >= 0 system/gpu_GPU_NAME. */
static const struct series *sys_series(struct run *r, const char *name,
				       int gpu)
{
	char key[96];

	if (gpu >= 0)
		snprintf(key, sizeof(key), SYSTEM_PREFIX "gpu_%d_%s", gpu,
			 name);
	else
		snprintf(key, sizeof(key), SYSTEM_PREFIX "%s", name);
	return run_series(r, key);
}

static bool sys_value(const struct series *s, double *v)
{
	if (!s || !s->has_latest || isnan(s->latest.value) ||
	    value_is_inf(s->latest.value))
		return false;
	*v = s->latest.value;
	return true;
}

/* Text at *cx, never past end; moves *cx. */
static void seg(int y, int *cx, int end, const char *text, enum slot slot)
{
	int tw = utf8_width(text);

	if (*cx >= end)
		return;
	if (tw > end - *cx)
		tw = end - *cx;
	draw_text(y, *cx, tw, text, slot, 0, ALIGN_LEFT);
	*cx += tw;
}

/* "util  98% ██████▊░ ▂▄▆█": a percentage, a gauge and its history. */
static void seg_pct(int y, int *cx, int end, const char *label,
		    const struct series *s, bool spark)
{
	char buf[48];
	double v;
	int fill, gw = 8;
	bool u = draw_unicode();

	if (!s)
		return;
	if (!sys_value(s, &v)) {
		snprintf(buf, sizeof(buf), "%s  - ", label);
		seg(y, cx, end, buf, SLOT_DIM);
		return;
	}
	snprintf(buf, sizeof(buf), "%s %3.0f%% ", label, v);
	seg(y, cx, end, buf, v >= 95 ? SLOT_RUN_STALLED : SLOT_DEFAULT);
	fill = (int)(v < 0 ? 0 : v > 100 ? gw : v * gw / 100 + 0.5);
	for (int i = 0; i < gw && *cx < end; i++)
		seg(y, cx, end, i < fill ? (u ? "█" : "#") : (u ? "░" : "-"),
		    i < fill ? SLOT_SPARK : SLOT_DIM);
	if (spark && s->n > 1 && *cx + 11 < end) {
		spark_draw(y, *cx + 1, 10, s->pts, s->n, SLOT_SPARK, 0);
		*cx += 11;
	}
	seg(y, cx, end, "  ", SLOT_DEFAULT);
}

static void mb_text(double mb, char *buf, size_t n)
{
	if (mb >= 1000)
		snprintf(buf, n, "%.1f GB", mb / 1000);
	else
		snprintf(buf, n, "%.0f MB", mb);
}

/* The system panel: a line for the machine, a line a GPU, at most maxh
 * lines (the last says how many GPUs did not fit). Returns the lines. */
static int draw_system(struct run *r, int y, int x, int w, int maxh)
{
	int gpus[MAX_GPUS], ng = system_gpus(r, gpus, MAX_GPUS), lines = 0;
	int cx = x, end = x + w, shown;
	double v, v2;
	char buf[96], a[32], b[32];

	if (maxh < 1 || !count_system(r))
		return 0;
	seg(y, &cx, end, "system ", SLOT_HEADER);
	seg_pct(y, &cx, end, "cpu",
		sys_series(r, "cpu_utilization_percentage", -1), true);
	seg_pct(y, &cx, end, "mem",
		sys_series(r, "system_memory_usage_percentage", -1), false);
	if (sys_value(sys_series(r, "system_memory_usage_megabytes", -1),
		      &v)) {
		mb_text(v, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s  ", a);
		seg(y, &cx, end, buf, SLOT_DIM);
	}
	seg_pct(y, &cx, end, "disk",
		sys_series(r, "disk_usage_percentage", -1), false);
	if (sys_value(sys_series(r, "network_receive_megabytes", -1), &v) &&
	    sys_value(sys_series(r, "network_transmit_megabytes", -1), &v2)) {
		mb_text(v, a, sizeof(a));
		mb_text(v2, b, sizeof(b));
		snprintf(buf, sizeof(buf), "net %s%s %s%s", draw_unicode()
			 ? "↓" : "in ", a, draw_unicode() ? "↑" : "out ", b);
		seg(y, &cx, end, buf, SLOT_DEFAULT);
	}
	lines = 1;
	shown = ng <= maxh - 1 ? ng : maxh - 2;
	for (int i = 0; i < shown && shown > 0; i++, lines++) {
		int g = gpus[i];

		cx = x;
		snprintf(buf, sizeof(buf), "gpu%-3d ", g);
		seg(y + lines, &cx, end, buf, SLOT_HEADER);
		seg_pct(y + lines, &cx, end, "util",
			sys_series(r, "utilization_percentage", g), true);
		seg_pct(y + lines, &cx, end, "mem",
			sys_series(r, "memory_usage_percentage", g),
			false);
		if (sys_value(sys_series(r, "memory_usage_megabytes", g),
			      &v)) {
			mb_text(v, a, sizeof(a));
			snprintf(buf, sizeof(buf), "%s  ", a);
			seg(y + lines, &cx, end, buf, SLOT_DIM);
		}
		if (sys_value(sys_series(r, "power_usage_watts", g), &v)) {
			snprintf(buf, sizeof(buf), "power %.0f W", v);
			seg(y + lines, &cx, end, buf, SLOT_DEFAULT);
			if (sys_value(sys_series(r, "power_usage_percentage",
						 g), &v2)) {
				snprintf(buf, sizeof(buf), " (%.0f%%)", v2);
				seg(y + lines, &cx, end, buf, SLOT_DIM);
			}
		}
	}
	if (shown < ng && lines < maxh) {
		snprintf(buf, sizeof(buf), "%s%d GPU%s more: /system lists "
			 "their metrics", shown > 0 ? "+" : "", ng - (shown > 0
			 ? shown : 0), ng - shown == 1 ? "" : "s");
		draw_text(y + lines, x, w, buf, SLOT_DIM, 0, ALIGN_LEFT);
		lines++;
	}
	return lines;
}

static void rebuild(struct view *v)
{
	struct run_view *p = P(v);
	struct run *r = run_of(v);
	size_t n = 0;

	p->nrows = 0;
	p->gen = tui_model(v->tui)->generation;
	p->dirty = false;
	if (!r) {
		p->tables[p->pane].nrows = 0;
		return;
	}
	n = p->pane == PANE_METRICS ? r->nmetrics
	    : p->pane == PANE_PARAMS ? r->params.n : r->tags.n;
	for (size_t i = 0; i < n; i++) {
		bool ok;

		if (p->pane == PANE_METRICS)
			/* System metrics have their panel above; a filter
			 * (/system) lists them for their charts. */
			ok = v->filter ? filter_match(v->filter,
						      r->metrics[i].key)
				       : !is_system(r->metrics[i].key);
		else
			ok = kv_match(v->filter, p->pane == PANE_PARAMS
							 ? &r->params.v[i]
							 : &r->tags.v[i]);
		if (!ok)
			continue;
		p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1,
				sizeof(*p->rows));
		p->rows[p->nrows++] = i;
	}
	p->tables[p->pane].nrows = p->nrows;
	table_clamp(&p->tables[p->pane]);
}

static void metric_cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct view *v = ctx;
	struct run_view *p = P(v);
	struct run *r = run_of(v);
	struct series *s;
	double lo, hi;

	if (!r || row >= p->nrows)
		return;
	s = &r->metrics[p->rows[row]];
	switch (col) {
	case M_KEY:
		c->text = s->key;
		c->slot = SLOT_LABEL;
		break;
	case M_SPARK:
		c->text = "";
		c->pts = s->pts;
		c->npts = s->n;
		c->loading = !s->fetched;
		break;
	case M_LAST:
		if (s->has_latest) {
			format_value(s->latest.value, 9, c->buf,
				     sizeof(c->buf));
			c->text = c->buf;
			if (isnan(s->latest.value) ||
			    value_is_inf(s->latest.value))
				c->slot = SLOT_VALUE_NAN;
		}
		break;
	case M_MIN:
	case M_MAX:
		series_minmax(s, &lo, &hi);
		if (lo <= hi) {
			format_value(col == M_MIN ? lo : hi, 9, c->buf,
				     sizeof(c->buf));
			c->text = c->buf;
		} else {
			c->text = s->fetched ? "-" : "";
		}
		break;
	case M_N:
		snprintf(c->buf, sizeof(c->buf), "%zu", s->n);
		c->text = s->fetched ? c->buf : "…";
		break;
	}
}

static void kv_cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct view *v = ctx;
	struct run_view *p = P(v);
	struct run *r = run_of(v);
	const struct kv_list *l;

	if (!r || row >= p->nrows)
		return;
	l = p->pane == PANE_PARAMS ? &r->params : &r->tags;
	c->text = col == 0 ? l->v[p->rows[row]].key : l->v[p->rows[row]].value;
	c->slot = col == 0 ? SLOT_LABEL : SLOT_DEFAULT;
}

/* After the status line: the run's newest alert not acknowledged, and
 * how many it has (the alerts view, !, lists them). */
static void alert_line(struct view *v, const struct run *r, int y, int x,
		       int w, int used)
{
	struct alert_engine *eng = tui_alerts(v->tui);
	const struct alert *last = NULL;
	size_t n = 0;
	char *sum, *text;

	for (size_t i = 0; eng && eng->nunacked && i < eng->n; i++)
		if (!eng->v[i].acked && !eng->v[i].cleared &&
		    !strcmp(eng->v[i].run_id, r->id)) {
			last = &eng->v[i];
			n++;
		}
	if (!last || used + 4 >= w)
		return;
	sum = alert_summary(last);
	text = n > 1 ? xasprintf("%s %s (+%zu more: !)",
				 draw_unicode() ? "⚑" : "#", sum, n - 1)
		     : xasprintf("%s %s", draw_unicode() ? "⚑" : "#", sum);
	draw_text(y, x + used + 2, w - used - 2, text, SLOT_ALERT, 0,
		  ALIGN_LEFT);
	free(text);
	free(sum);
}

/* Info block: four lines of what the run is. */
static int draw_info(struct view *v, struct run *r, int y, int x, int w)
{
	char a[96], b[96], c[96], line[512];
	const char *src = kv_list_get(&r->tags, "mlflow.source.name");
	int64_t now = clock_now_ms();

	draw_text(y, x, w, r->name && *r->name ? r->name : r->id, SLOT_HEADER,
		  0, ALIGN_LEFT);
	format_time(r->start_time, a, sizeof(a));
	if (r->start_time > 0 &&
	    (r->end_time ? r->end_time : now) >= r->start_time)
		format_duration((r->end_time ? r->end_time : now) -
					r->start_time,
				b, sizeof(b));
	else
		snprintf(b, sizeof(b), "-");
	snprintf(line, sizeof(line), "%-9s started %s, %s%s", r->status_str
		 ? r->status_str : "?", a, b, r->end_time ? "" : " so far");
	/* As the runs view marks it (MLflow leaves a dead run RUNNING for
	 * ever); the line below says when its last point came. */
	if (run_stalled(r, now, (int64_t)(opt_number(OPT_STALL) * 1000)))
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "  %s stalled", draw_unicode() ? "⚠" : "!");
	draw_text(y + 1, x, w, line, SLOT_DEFAULT, 0, ALIGN_LEFT);
	alert_line(v, r, y + 1, x, w, utf8_width(line));
	draw_text(y + 1, x, 9, r->status_str ? r->status_str : "?",
		  run_stalled(r, now, (int64_t)(opt_number(OPT_STALL) * 1000))
		  ? SLOT_RUN_STALLED
		  : r->status == RUN_RUNNING ? SLOT_RUN_RUNNING
		  : r->status == RUN_FAILED ? SLOT_RUN_FAILED
		  : r->status == RUN_KILLED ? SLOT_RUN_KILLED
					    : SLOT_RUN_FINISHED,
		  0, ALIGN_LEFT);
	format_ago(r->last_point_ms, now, c, sizeof(c));
	snprintf(line, sizeof(line), "id %s  user %s  last point %s", r->id,
		 r->user_id ? r->user_id : "-", c);
	draw_text(y + 2, x, w, line, SLOT_DIM, 0, ALIGN_LEFT);
	{
		/* The pipeline task that logged this run, by the link tags. */
		const char *dag = kv_list_get(&r->tags, PIPE_TAG_DAG);
		const char *prun = kv_list_get(&r->tags, PIPE_TAG_RUN);
		const char *task = kv_list_get(&r->tags, PIPE_TAG_TASK);
		const char *try = kv_list_get(&r->tags, PIPE_TAG_TRY);

		if (dag && prun && task) {
			snprintf(line, sizeof(line), "pipeline %s › %s › %s%s%s "
				 "(W: open)", dag, prun, task, try ? " try " : "",
				 try ? try : "");
			draw_text(y + 3, x, w, line, SLOT_DIM, 0, ALIGN_LEFT);
		} else {
			/* A long path keeps its file name: cut in the
			 * middle. */
			int used;

			snprintf(line, sizeof(line), "%s%s%ssource ",
				 r->parent_id ? "parent " : "",
				 r->parent_id ? r->parent_id : "",
				 r->parent_id ? "  " : "");
			used = utf8_width(line);
			if (used > w)
				used = w;
			draw_text(y + 3, x, used, line, SLOT_DIM, 0,
				  ALIGN_LEFT);
			if (used < w)
				draw_text(y + 3, x + used, w - used,
					  src ? src : "-", SLOT_DIM, 0,
					  ALIGN_MIDDLE);
		}
	}
	return 4;
}

static void draw_tabs(struct run_view *p, struct run *r, int y, int x, int w)
{
	int cx = x;

	draw_fill(y, x, w, SLOT_DEFAULT, 0);
	for (int i = 0; i < PANE__N && cx < x + w; i++) {
		char buf[48];
		size_t n = i == PANE_METRICS ? r->nmetrics - count_system(r)
			   : i == PANE_PARAMS ? r->params.n : r->tags.n;

		int bw;

		snprintf(buf, sizeof(buf), " %s (%zu) ", pane_names[i], n);
		bw = (int)strlen(buf);
		if (bw > x + w - cx)
			bw = x + w - cx;
		cx += draw_text(y, cx, bw, buf,
				i == (int)p->pane ? SLOT_CURSOR : SLOT_DIM, 0,
				ALIGN_LEFT);
	}
}

static void draw_body(struct view *v, int y, int x, int h, int w)
{
	struct run_view *p = P(v);
	struct run *r = run_of(v);
	struct table *t = &p->tables[p->pane];
	int used, th, chart_h = 0, chart_w = 0;

	if (!r) {
		draw_text(y + 1, x + 2, w - 4, "loading run…", SLOT_DIM, 0,
			  ALIGN_LEFT);
		return;
	}
	if (p->dirty || p->gen != tui_model(v->tui)->generation)
		rebuild(v);
	/* Every metric's history, fetched incrementally. */
	for (size_t i = 0; i < r->nmetrics; i++)
		if (series_stale(&r->metrics[i])) {
			struct store *s = tui_store(v->tui);

			s->ops->load_history(s, NULL, r, &r->metrics[i], NULL,
					     NULL);
		}
	used = draw_info(v, r, y, x, w);
	/* The system panel takes at most a third of what is left. */
	used += draw_system(r, y + used, x, w, (h - used - 8) / 3 > 1
			    ? (h - used - 8) / 3 : h - used >= 12 ? 1 : 0);
	draw_tabs(p, r, y + used, x, w);
	used++;
	th = h - used;
	if (p->pane == PANE_METRICS && p->chart_full && th >= 3 && p->nrows) {
		/* v: the chart alone; the table still picks its metric. */
		struct series *s = &r->metrics[p->rows[t->sel < p->nrows ? t->sel
									: 0]];
		char title[320];

		snprintf(title, sizeof(title), "%s%s  (%zu/%zu, j/k: another, "
			 "v: the list)", s->key, p->log_y ? "  (log y)" : "",
			 (t->sel < p->nrows ? t->sel : 0) + 1, p->nrows);
		chart_draw(y + used, x, th, w, s->pts, s->n, p->log_y, title);
		return;
	}
	if (p->pane == PANE_METRICS && th >= 8) {
		/* Wide: table left, chart right; narrow: chart below. */
		if (w >= 120) {
			chart_w = w - 72;
			chart_h = th;
		} else {
			int rows = (int)p->nrows + 1;

			chart_h = th - (rows < th / 2 ? rows : th / 2);
			if (chart_h < 5)
				chart_h = 0;
		}
	}
	if (chart_w) {
		table_draw(t, y + used, x, th, w - chart_w - 1);
	} else {
		table_draw(t, y + used, x, th - chart_h, w);
	}
	if (chart_h && p->nrows) {
		struct series *s = &r->metrics[p->rows[t->sel < p->nrows ? t->sel
									: 0]];
		char title[300];

		snprintf(title, sizeof(title), "%s%s", s->key,
			 p->log_y ? "  (log y)" : "");
		if (chart_w)
			chart_draw(y + used, x + w - chart_w, th, chart_w,
				   s->pts, s->n, p->log_y, title);
		else
			chart_draw(y + used + th - chart_h, x, chart_h, w,
				   s->pts, s->n, p->log_y, title);
	}
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	draw_body(v, y, x, h, w);
	if (P(v)->popup)
		dialog_draw(P(v)->popup, y, x, h, w);
}

static int action(struct view *v, enum action a)
{
	struct run_view *p = P(v);
	int re = table_action(&p->tables[p->pane], a);

	if (!(re & RE_UNHANDLED))
		return re;
	switch (a) {
	case ACT_FOCUS_NEXT:
		p->pane = (p->pane + 1) % PANE__N;
		p->dirty = true;
		return RE_REDRAW;
	case ACT_LOG_Y:
		p->log_y = !p->log_y;
		return RE_REDRAW;
	case ACT_MAXIMISE:
		p->chart_full = !p->chart_full;
		if (p->chart_full && p->pane != PANE_METRICS) {
			p->pane = PANE_METRICS;
			p->dirty = true;   /* the rows are the pane's */
		}
		return RE_REDRAW;
	case ACT_ENTER: {
		struct run *r = run_of(v);
		struct table *t = &p->tables[p->pane];
		const struct kv_list *l;
		const char *val;

		if (p->pane == PANE_METRICS) {
			p->pane = PANE_PARAMS;
			p->dirty = true;
			return RE_REDRAW;
		}
		/* A param or tag: its value in full, in a popup. */
		if (!r || t->sel >= p->nrows)
			return RE_REDRAW;
		l = p->pane == PANE_PARAMS ? &r->params : &r->tags;
		val = l->v[p->rows[t->sel]].value;
		dialog_free(p->popup);
		p->popup = dialog_new(l->v[p->rows[t->sel]].key);
		for (const char *s = val ? val : ""; ;) {
			/* Lines as they are, long ones in pieces of 64 bytes
			 * (never inside a character); the dialog scrolls. */
			size_t n = strcspn(s, "\n");
			char piece[80];

			if (n > 64) {
				n = 64;
				while (n > 1 && ((unsigned char)s[n] & 0xc0) ==
				       0x80)
					n--;
			}
			snprintf(piece, sizeof(piece), "%.*s", (int)n, s);
			dialog_line(p->popup, SLOT_DEFAULT, 0, piece);
			s += n;
			if (*s == '\n')
				s++;
			if (!*s)
				break;
		}
		dialog_footer(p->popup, "Esc: close");
		return RE_REDRAW;
	}
	case ACT_ACK:
		if (!tui_alerts_ack_run(v->tui, P(v)->run_id))
			tui_message(v->tui, false, "no alert on this run");
		return RE_REDRAW;
	case ACT_PIPELINES: {
		/* A run a pipeline task logged: that pipeline run's tasks. */
		struct run *r = run_of(v);
		const char *dag = r ? kv_list_get(&r->tags, PIPE_TAG_DAG) : NULL;
		const char *prun = r ? kv_list_get(&r->tags, PIPE_TAG_RUN)
				     : NULL;

		if (!dag || !prun || !tui_pipes(v->tui))
			return RE_UNHANDLED;  /* the pipelines list */
		return tui_want_view(v->tui, "pipeline-run", dag, prun);
	}
	case ACT_NEXT_MATCH:
	case ACT_PREV_MATCH:
		return table_action(&p->tables[p->pane], a == ACT_NEXT_MATCH
							      ? ACT_MOVE_DOWN
							      : ACT_MOVE_UP);
	default:
		return RE_UNHANDLED;
	}
}

static void reload(struct view *v, bool full)
{
	struct store *s = tui_store(v->tui);
	struct run *r = run_of(v);

	/* A finished run does not change: one load is enough. */
	if (!full && r && r->status != RUN_RUNNING &&
	    r->status != RUN_SCHEDULED)
		return;
	if (!full && tui_model(v->tui)->pending)
		return;
	s->ops->load_run(s, &(struct store_req){ .forced = full },
			 P(v)->run_id, NULL, NULL);
	P(v)->dirty = true;
}

static const char *settled(struct view *v)
{
	struct run *r = run_of(v);

	return r && r->status != RUN_RUNNING && r->status != RUN_SCHEDULED &&
	       r->status != RUN_UNKNOWN ? "run ended: nothing to refresh"
					: NULL;
}

static const char *title(struct view *v)
{
	struct run_view *p = P(v);
	struct run *r = run_of(v);

	free(p->title);
	p->title = xasprintf("%s", r && r->name ? r->name : p->run_id);
	return p->title;
}

static void filter_changed(struct view *v)
{
	P(v)->dirty = true;
	P(v)->tables[P(v)->pane].sel = 0;
}

/* The popup takes every key while it is up; any key that is not for
 * scrolling it closes it. */
static bool key(struct view *v, int ch, bool is_key)
{
	struct run_view *p = P(v);
	enum dialog_result r;

	if (!p->popup)
		return false;
	r = dialog_key(p->popup, ch, is_key);
	if (r != DLG_NONE) {
		dialog_free(p->popup);
		p->popup = NULL;
	}
	tui_dirty(v->tui);
	return true;
}

static void vfree(struct view *v)
{
	struct run_view *p = P(v);

	dialog_free(p->popup);
	free(p->exp_id);
	free(p->run_id);
	free(p->title);
	free(p->rows);
	free(p);
}

/* y: runs:/ID/ (what MLflow's APIs take); Y: its MLflow UI page. */
static char *yank(struct view *v, bool web)
{
	struct run_view *p = P(v);
	char *path, *url;

	if (!web)
		return xasprintf("runs:/%s/", p->run_id);
	path = xasprintf("#/experiments/%s/runs/%s", p->exp_id, p->run_id);
	url = tui_web_url(v->tui, path);
	free(path);
	return url;
}

static const enum action view_keys[] = {
	ACT_FOCUS_NEXT,
	ACT_LOG_Y,
	ACT_MAXIMISE,
	ACT_PIPELINES,
	ACT_YANK,
	ACT_YANK_WEB,
	ACT_NONE,
};

static const struct view_ops run_ops = {
	.name = "run",
	.free = vfree,
	.draw = draw,
	.sync = rebuild,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,
	.settled = settled,	.yank = yank,	.keys = view_keys,	.key = key,
};

struct view *view_run_new(struct tui *t, const char *experiment_id,
			  const char *run_id)
{
	struct view *v = xcalloc(1, sizeof(*v));
	struct run_view *p = xcalloc(1, sizeof(*p));

	v->ops = &run_ops;
	v->tui = t;
	v->priv = p;
	p->exp_id = xstrdup(experiment_id);
	p->run_id = xstrdup(run_id);
	for (int i = 0; i < PANE__N; i++) {
		p->tables[i].cols = i == PANE_METRICS ? metric_cols : kv_cols;
		p->tables[i].ncols = i == PANE_METRICS ? M__N : 2;
		p->tables[i].cell = i == PANE_METRICS ? metric_cell : kv_cell;
		p->tables[i].ctx = v;
		p->tables[i].sort_col = -1;
	}
	p->gen = (uint64_t)-1;
	return v;
}
