/* view_versions.c: one registered model's versions with their source
 * runs' metrics, the alias and stage timeline, and promote and roll back. */
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
#include "core/xmalloc.h"
#include "registry/history.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/tui.h"
#include "ui/view_versions.h"
#include "ui/views.h"
#include "ui/widget.h"

/* At 80 columns: version, aliases, stage, description, source run and
 * one metric; created, status and the second metric come with width. */
static const struct table_col fixed_cols[C_FIXED] = {
	[C_VERSION] = {"VER", 4, 0, 0, true, false, false, 0},
	[C_ALIASES] = {"ALIASES", 19, 19, 0, false, true, false, 32},
	[C_STAGE] = {"STAGE", 10, 0, 0, false, false, false, 0},
	[C_STATUS] = {"STATUS", 6, 0, 15, false, false, false, 0},
	[C_CREATED] = {"CREATED", 11, 0, 13, false, false, false, 0},
	[C_DESC] = {"DESCRIPTION", 24, 11, 9, false, true, false, 60},
	[C_RUN] = {"RUN", 8, 0, 5, false, false, false, 0},
};

enum { T_WHAT, T_VERSION, T_FROM, T_UNTIL, T_WHO, T_NOTE, T__N };

static const struct table_col tl_cols[T__N] = {
	[T_WHAT] = {"ALIAS/STAGE", 16, 0, 0, false, false, false, 0},
	[T_VERSION] = {"VER", 4, 0, 0, true, false, false, 0},
	[T_FROM] = {"FROM", 11, 0, 0, false, false, false, 0},
	[T_UNTIL] = {"UNTIL", 11, 0, 0, false, false, false, 0},
	[T_WHO] = {"WHO", 14, 0, 2, false, false, false, 0},
	[T_NOTE] = {"NOTE", 20, 10, 1, false, true, false, 0},
};

struct registered_model *versions_model(struct view *v)
{
	return model_registered(tui_model(v->tui), P(v)->name);
}

struct model_version *versions_version_at(struct view *v, size_t row)
{
	struct registered_model *rm = versions_model(v);

	if (!rm || row >= P(v)->nrows)
		return NULL;
	return registered_version(rm, P(v)->rows[row]);
}

static enum slot stage_slot(const char *stage)
{
	if (!stage)
		return SLOT_DIM;
	if (!strcmp(stage, "Production"))
		return SLOT_STAGE_PRODUCTION;
	if (!strcmp(stage, "Staging"))
		return SLOT_STAGE_STAGING;
	if (!strcmp(stage, "Archived"))
		return SLOT_STAGE_ARCHIVED;
	return SLOT_DEFAULT;
}

/* "11-27 14:03" from a time. */
static void short_time(int64_t ms, char *buf, size_t n)
{
	format_time(ms, buf, n);
	if (strlen(buf) >= 16) {
		memmove(buf, buf + 5, 11);
		buf[11] = '\0';
	}
}

/* The aliases pointing at one version, "champion challenger". */
static void version_aliases(const struct registered_model *rm, int version,
			    char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < rm->aliases.n && len < n; i++)
		if (rm->aliases.v[i].value &&
		    atoi(rm->aliases.v[i].value) == version)
			len += (size_t)snprintf(buf + len, n - len, "%s%s",
						len ? " " : "",
						rm->aliases.v[i].key);
}

/* --- metric columns --------------------------------------------------------- */

static void drop_metrics(struct versions_view *p)
{
	for (int i = 0; i < p->nmkeys; i++)
		free(p->mkeys[i]);
	p->nmkeys = 0;
}

/* The user's keys, or the most common among the loaded source runs. */
static void choose_metrics(struct view *v, struct registered_model *rm)
{
	struct versions_view *p = P(v);
	struct model *m = tui_model(v->tui);

	drop_metrics(p);
	if (p->user_keys && *p->user_keys) {
		p->nmkeys = (int)key_list_split(p->user_keys, p->mkeys,
						MAX_MCOLS);
	} else if (rm) {
		struct key_tally kt = {0};

		for (size_t i = 0; i < rm->nversions; i++) {
			struct run *r = model_find_run(m, rm->versions[i].run_id);

			for (size_t k = 0; r && k < r->nmetrics; k++)
				key_tally_add(&kt, r->metrics[k].key);
		}
		key_tally_rank(&kt);
		for (size_t j = 0; j < kt.n && p->nmkeys < MAX_MCOLS; j++)
			p->mkeys[p->nmkeys++] = xstrdup(kt.v[j].key);
		key_tally_free(&kt);
	}
	memcpy(p->cols, fixed_cols, sizeof(fixed_cols));
	for (int i = 0; i < p->nmkeys; i++) {
		struct table_col *c = &p->cols[C_FIXED + i];
		int sw = (int)opt_number(OPT_SPARK_WIDTH);

		c->title = p->mkeys[i];
		c->width = 10 + (sw > 40 ? 40 : sw);
		c->drop = i ? 20 : 7;
		c->right = true;
		c->spark = true;
	}
	p->table.cols = p->cols;
	p->table.ncols = C_FIXED + p->nmkeys;
}

/* --- rows ----------------------------------------------------------------- */

static bool version_matches(const struct filter *f,
			    const struct registered_model *rm,
			    const struct model_version *mv)
{
	char aliases[256];
	size_t len = 64 + sizeof(aliases);
	char *subject, *q;
	bool ok;

	if (!f)
		return true;
	version_aliases(rm, mv->version, aliases, sizeof(aliases));
	len += (mv->description ? strlen(mv->description) : 0) +
	       (mv->stage ? strlen(mv->stage) : 0) +
	       (mv->run_id ? strlen(mv->run_id) : 0) +
	       (mv->status ? strlen(mv->status) : 0);
	for (size_t i = 0; i < mv->tags.n; i++)
		len += strlen(mv->tags.v[i].key) + 2 +
		       (mv->tags.v[i].value ? strlen(mv->tags.v[i].value) : 0);
	/* One field a line: vN, stage, aliases, description, run, tags. */
	subject = q = xmalloc(len + 1);
	q += sprintf(q, "v%d\n%s\n%s\n%s\n%s\n%s", mv->version,
		     mv->stage ? mv->stage : "", aliases,
		     mv->description ? mv->description : "",
		     mv->run_id ? mv->run_id : "", mv->status ? mv->status : "");
	for (size_t i = 0; i < mv->tags.n; i++)
		q += sprintf(q, "\n%s=%s", mv->tags.v[i].key,
			     mv->tags.v[i].value ? mv->tags.v[i].value : "");
	ok = filter_match(f, subject);
	free(subject);
	return ok;
}

static int cmp_holding(const void *a, const void *b)
{
	const struct holding *x = a, *y = b;

	/* Newest first; what holds now before what it replaced. */
	if (x->from_ms != y->from_ms)
		return x->from_ms < y->from_ms ? 1 : -1;
	if ((x->to_ms == 0) != (y->to_ms == 0))
		return x->to_ms == 0 ? -1 : 1;
	if (x->stage != y->stage)
		return x->stage ? 1 : -1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static void drop_timeline(struct versions_view *p)
{
	if (p->tl)
		history_timeline_free(p->tl, p->ntl);
	p->tl = NULL;
	p->ntl = 0;
}

static void rebuild(struct view *v)
{
	struct versions_view *p = P(v);
	struct registered_model *rm = versions_model(v);
	size_t keep = 0;

	p->nrows = 0;
	p->gen = tui_model(v->tui)->generation;
	p->dirty = false;
	drop_timeline(p);
	choose_metrics(v, rm);
	if (!rm) {
		p->table.nrows = p->tl_table.nrows = 0;
		return;
	}
	for (size_t i = 0; i < rm->nversions; i++) {
		if (!version_matches(v->filter, rm, &rm->versions[i]))
			continue;
		p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1,
				sizeof(*p->rows));
		p->rows[p->nrows++] = rm->versions[i].version;
	}
	for (size_t i = 0; p->selected && i < p->nrows; i++)
		if (p->rows[i] == p->selected)
			keep = i;
	p->table.nrows = p->nrows;
	p->table.sel = keep;
	table_clamp(&p->table);
	if (rm->versions_loaded) {
		p->ntl = history_timeline(rm, &p->tl);
		if (p->ntl)
			qsort(p->tl, p->ntl, sizeof(*p->tl), cmp_holding);
	}
	p->tl_table.nrows = p->ntl;
	table_clamp(&p->tl_table);
}

static void remember(struct versions_view *p)
{
	if (p->table.sel < p->nrows)
		p->selected = p->rows[p->table.sel];
}

/* Source runs of the rows on screen, once each, and the history of their
 * metric columns: what is not on screen costs nothing. */
static void load_visible(struct view *v, int page)
{
	struct versions_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct model *m = tui_model(v->tui);

	for (size_t row = p->table.top;
	     row < p->nrows && row < p->table.top + (size_t)page; row++) {
		struct model_version *mv = versions_version_at(v, row);
		struct run *r;
		size_t i;

		if (!mv || !mv->run_id || !*mv->run_id)
			continue;
		r = model_find_run(m, mv->run_id);
		if (r) {
			for (int k = 0; k < p->nmkeys; k++) {
				struct series *ser = run_series(r, p->mkeys[k]);

				if (ser && series_stale(ser) && !ser->fetching)
					s->ops->load_history(s, NULL, r, ser,
							     NULL, NULL);
			}
			continue;
		}
		for (i = 0; i < p->nasked; i++)
			if (!strcmp(p->asked[i], mv->run_id))
				break;
		if (i < p->nasked)
			continue;
		p->asked = xgrow(p->asked, &p->capasked, p->nasked + 1,
				 sizeof(*p->asked));
		p->asked[p->nasked++] = xstrdup(mv->run_id);
		s->ops->load_run(s, NULL, mv->run_id, NULL, NULL);
	}
}

/* --- drawing -------------------------------------------------------------- */

static void cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct view *v = ctx;
	struct versions_view *p = P(v);
	struct registered_model *rm = versions_model(v);
	struct model_version *mv = versions_version_at(v, row);
	struct run *r;

	if (!rm || !mv)
		return;
	switch (col) {
	case C_VERSION:
		snprintf(c->buf, sizeof(c->buf), "v%d", mv->version);
		c->text = c->buf;
		break;
	case C_ALIASES:
		version_aliases(rm, mv->version, c->buf, sizeof(c->buf));
		c->text = c->buf;
		c->slot = SLOT_LABEL;
		break;
	case C_STAGE:
		c->text = mv->stage ? mv->stage : "-";
		c->slot = stage_slot(mv->stage);
		break;
	case C_STATUS:
		c->text = mv->status ? mv->status : "-";
		c->slot = mv->status && strcmp(mv->status, "READY") != 0
				  ? SLOT_RUN_FAILED : SLOT_DIM;
		if (mv->status && !strcmp(mv->status, "PENDING_REGISTRATION"))
			c->slot = SLOT_RUN_SCHEDULED;
		break;
	case C_CREATED:
		short_time(mv->creation_time, c->buf, sizeof(c->buf));
		c->text = c->buf;
		break;
	case C_DESC:
		c->text = mv->description ? mv->description : "";
		break;
	case C_RUN:
		snprintf(c->buf, sizeof(c->buf), "%.8s",
			 mv->run_id && *mv->run_id ? mv->run_id : "-");
		c->text = c->buf;
		c->slot = SLOT_DIM;
		break;
	default: {
		struct series *s;

		r = model_find_run(tui_model(v->tui), mv->run_id);
		if (!r) {
			c->text = "";
			c->loading = mv->run_id != NULL;
			break;
		}
		s = run_series(r, p->mkeys[col - C_FIXED]);
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
		break;
	}
	}
}

static void tl_cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct versions_view *p = ctx;
	struct holding *hd;

	if (row >= p->ntl)
		return;
	hd = &p->tl[row];
	switch (col) {
	case T_WHAT:
		snprintf(c->buf, sizeof(c->buf), "%s %s",
			 hd->stage ? "stage" : "alias", hd->name ? hd->name : "?");
		c->text = c->buf;
		c->slot = hd->stage ? stage_slot(hd->name) : SLOT_LABEL;
		break;
	case T_VERSION:
		if (hd->version > 0)
			snprintf(c->buf, sizeof(c->buf), "v%d", hd->version);
		else
			snprintf(c->buf, sizeof(c->buf), "-");
		c->text = c->buf;
		break;
	case T_FROM:
		if (hd->from_ms > 0)
			short_time(hd->from_ms, c->buf, sizeof(c->buf));
		else
			snprintf(c->buf, sizeof(c->buf), "-");
		c->text = c->buf;
		break;
	case T_UNTIL:
		if (hd->to_ms > 0)
			short_time(hd->to_ms, c->buf, sizeof(c->buf));
		else
			snprintf(c->buf, sizeof(c->buf), "now");
		c->text = c->buf;
		if (!hd->to_ms)
			c->slot = SLOT_RUN_RUNNING;
		break;
	case T_WHO:
		c->text = hd->who && *hd->who ? hd->who
			  : hd->outside || hd->before ? "?" : "-";
		break;
	case T_NOTE:
		if (hd->outside) {
			snprintf(c->buf, sizeof(c->buf), "%s outside mltop%s%s",
				 hd->version ? "moved" : "emptied",
				 hd->note && *hd->note ? "; " : "",
				 hd->note ? hd->note : "");
			c->text = c->buf;
			c->slot = SLOT_STATUS_WARN;
		} else if (hd->before) {
			c->text = "before the history";
			c->slot = SLOT_DIM;
		} else {
			c->text = hd->note ? hd->note : "";
		}
		break;
	}
}

static void draw_timeline(struct view *v, int y, int x, int h, int w)
{
	struct versions_view *p = P(v);
	char head[200];

	snprintf(head, sizeof(head),
		 "alias and stage timeline  (T hides, Tab moves between "
		 "tables)");
	draw_text(y, x, w, head, p->focus_timeline ? SLOT_HEADER : SLOT_DIM, 0,
		  ALIGN_LEFT);
	if (h < 2)
		return;
	if (p->ntl == 0) {
		draw_text(y + 1, x + 2, w - 2,
			  "no history yet: promotions and rollbacks made with "
			  "mltop show here", SLOT_DIM, 0, ALIGN_LEFT);
		return;
	}
	table_draw(&p->tl_table, y + 1, x, h - 1, w);
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct versions_view *p = P(v);
	struct model *m = tui_model(v->tui);
	struct registered_model *rm;
	struct store *s = tui_store(v->tui);
	char info[300];
	int th = h - 1;

	if (p->dirty || p->gen != m->generation)
		rebuild(v);
	rm = versions_model(v);
	if (!rm || !rm->versions_loaded) {
		table_draw(&p->table, y, x, th, w);
		if (m->models_loaded && !rm && !m->pending)
			snprintf(info, sizeof(info),
				 "no registered model '%s'", p->name);
		else if (m->error)
			snprintf(info, sizeof(info), "cannot read the "
				 "registry: %s", m->error);
		else
			snprintf(info, sizeof(info), "loading versions…");
		if (h > 4)
			draw_text(y + 2, x + 2, w - 4, info,
				  m->error ? SLOT_STATUS_ERROR : SLOT_DIM, 0,
				  ALIGN_LEFT);
		if (p->dlg)
			dialog_draw(p->dlg, y, x, h, w);
		return;
	}
	if (p->show_timeline && th >= 8) {
		int vh = (int)p->nrows + 1;

		if (vh < 3)
			vh = 3;
		if (vh > th / 2)
			vh = th / 2;
		load_visible(v, vh - 1);
		table_draw(&p->table, y, x, vh, w);
		draw_timeline(v, y + vh, x, th - vh, w);
	} else {
		load_visible(v, p->table.page > 0 ? p->table.page : th);
		table_draw(&p->table, y, x, th, w);
	}
	if (p->nrows == 0 && h > 4)
		draw_text(y + 2, x + 2, w - 4,
			  v->filter ? "no version matches the filter"
				    : "no versions", SLOT_DIM, 0, ALIGN_LEFT);
	snprintf(info, sizeof(info), "%zu/%zu  %zu version%s  %s",
		 p->nrows ? p->table.sel + 1 : 0, p->nrows, p->nrows,
		 p->nrows == 1 ? "" : "s", s->read_only
		 ? "read-only  Enter: source run  T timeline"
		 : "Enter: source run  p alias  P stage  R roll back  "
		   "T timeline");
	draw_text(y + h - 1, x, w, info, SLOT_DIM, 0, ALIGN_LEFT);
	if (p->dlg)
		dialog_draw(p->dlg, y, x, h, w);
}

/* --- actions -------------------------------------------------------------- */

static void enter_done(struct store *s, bool ok, void *ud)
{
	struct enter_op *op = ud;

	if (op->v) {
		struct view *v = op->v;
		struct run *r = model_find_run(s->model, op->run_id);

		P(v)->enter = NULL;
		if (r)
			tui_want_view(v->tui, "run", r->id,
				      r->experiment_id);
		else
			tui_message(v->tui, true, "source run %s not found%s%s",
				    op->run_id, s->model->error ? ": " : "",
				    s->model->error ? s->model->error : "");
	}
	free(op->run_id);
	free(op);
}

static void open_source_run(struct view *v)
{
	struct versions_view *p = P(v);
	struct model_version *mv = versions_version_at(v, p->table.sel);
	struct store *s = tui_store(v->tui);
	struct run *r;
	struct enter_op *op;

	if (!mv)
		return;
	if (!mv->run_id || !*mv->run_id) {
		tui_message(v->tui, true, "v%d has no source run",
			    mv->version);
		return;
	}
	r = model_find_run(tui_model(v->tui), mv->run_id);
	if (r && r->experiment_id) {
		tui_want_view(v->tui, "run", r->id, r->experiment_id);
		return;
	}
	if (p->enter)
		return; /* one is on its way */
	op = xcalloc(1, sizeof(*op));
	op->v = v;
	op->run_id = xstrdup(mv->run_id);
	p->enter = op;
	s->ops->load_run(s, &(struct store_req){ .forced = true }, mv->run_id,
			 enter_done, op);
}

static int action(struct view *v, enum action a)
{
	struct versions_view *p = P(v);
	struct table *t = p->show_timeline && p->focus_timeline
				  ? &p->tl_table : &p->table;
	int re;

	/* A key may come before the paint that follows a store change. */
	if (p->dirty || p->gen != tui_model(v->tui)->generation)
		rebuild(v);
	re = table_action(t, a);
	if (!(re & RE_UNHANDLED)) {
		remember(p);
		return re;
	}
	switch (a) {
	case ACT_ENTER:
		remember(p);
		open_source_run(v);
		return RE_REDRAW;
	case ACT_PROMOTE:
		versions_open_alias_pick(v);
		return RE_REDRAW;
	case ACT_PROMOTE_STAGE:
		versions_open_stage_pick(v);
		return RE_REDRAW;
	case ACT_ROLLBACK:
		versions_open_rollback_pick(v);
		return RE_REDRAW;
	case ACT_TIMELINE:
		p->show_timeline = !p->show_timeline;
		p->focus_timeline = false;
		return RE_REDRAW;
	case ACT_FOCUS_NEXT:
		if (p->show_timeline)
			p->focus_timeline = !p->focus_timeline;
		return RE_REDRAW;
	case ACT_METRIC_COLUMNS:
		tui_prompt_command(v->tui, "metrics ");
		return RE_REDRAW;
	case ACT_NEXT_MATCH:
	case ACT_PREV_MATCH:
		return table_action(t, a == ACT_NEXT_MATCH ? ACT_MOVE_DOWN
							   : ACT_MOVE_UP);
	default:
		return RE_UNHANDLED;
	}
}

static void reload(struct view *v, bool full)
{
	struct versions_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct store_req req = { .forced = full };

	/* Not under an open dialog: its plan is checked against what the
	 * screen showed when it opened. */
	if (!full && (tui_model(v->tui)->pending || p->dlg))
		return;
	/* Aliases and the history tags come with the model. */
	s->ops->load_models(s, &req, NULL, NULL);
	s->ops->load_versions(s, &req, p->name, NULL, NULL);
	p->dirty = true;
}

static const char *title(struct view *v)
{
	return P(v)->title;
}

static void filter_changed(struct view *v)
{
	P(v)->dirty = true;
	P(v)->table.sel = 0;
	P(v)->selected = 0;
}

static int command(struct view *v, int argc, char **argv, char **err)
{
	struct versions_view *p = P(v);
	char buf[512] = "";
	size_t len = 0;

	if (strcmp(argv[0], "metrics") != 0)
		return -1;
	for (int i = 1; i < argc && len < sizeof(buf) - 2; i++)
		if (strcmp(argv[i], "auto") != 0)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s", len ? "," : "",
						argv[i]);
	free(p->user_keys);
	p->user_keys = *buf ? xstrdup(buf) : NULL;
	p->dirty = true;
	return 0;
}

static void complete(struct view *v, const char *cmd,
		     void (*add)(void *ctx, const char *word), void *ctx)
{
	struct registered_model *rm = versions_model(v);

	if (strcmp(cmd, "metrics") != 0 || !rm)
		return;
	add(ctx, "auto");
	for (size_t i = 0; i < rm->nversions; i++) {
		struct run *r = model_find_run(tui_model(v->tui),
					 rm->versions[i].run_id);

		for (size_t k = 0; r && k < r->nmetrics; k++)
			add(ctx, r->metrics[k].key);
	}
}

static void vfree(struct view *v)
{
	struct versions_view *p = P(v);

	/* Requests in flight outlive the view; they must not call in. */
	if (p->write)
		p->write->v = NULL;
	if (p->enter)
		p->enter->v = NULL;
	versions_close_dialog(p);
	drop_metrics(p);
	drop_timeline(p);
	for (size_t i = 0; i < p->nasked; i++)
		free(p->asked[i]);
	free(p->asked);
	free(p->rows);
	free(p->name);
	free(p->title);
	free(p->target);
	free(p->user_keys);
	free(p);
}

/* y: models:/NAME/VERSION; Y: the version's MLflow UI page. */
static char *yank(struct view *v, bool web)
{
	struct versions_view *p = P(v);
	char *path, *url;

	if (p->table.sel >= p->nrows)
		return NULL;
	if (!web)
		return xasprintf("models:/%s/%d", p->name,
				 p->rows[p->table.sel]);
	path = xasprintf("#/models/%s/versions/%d", p->name,
			 p->rows[p->table.sel]);
	url = tui_web_url(v->tui, path);
	free(path);
	return url;
}

static const enum action view_keys[] = {
	ACT_PROMOTE,
	ACT_PROMOTE_STAGE,
	ACT_ROLLBACK,
	ACT_TIMELINE,
	ACT_FOCUS_NEXT,
	ACT_METRIC_COLUMNS,
	ACT_YANK,
	ACT_YANK_WEB,
	ACT_NONE,
};

static const struct view_ops versions_ops = {
	.name = "versions",
	.free = vfree,
	.draw = draw,
	.sync = rebuild,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,
	.command = command,
	.complete = complete,
	.key = versions_key,	.yank = yank,	.keys = view_keys,
};

struct view *view_versions_new(struct tui *t, const char *model)
{
	struct view *v = xcalloc(1, sizeof(*v));
	struct versions_view *p = xcalloc(1, sizeof(*p));

	v->ops = &versions_ops;
	v->tui = t;
	v->priv = p;
	p->name = xstrdup(model);
	p->title = xstrdup(model);
	memcpy(p->cols, fixed_cols, sizeof(fixed_cols));
	p->table.cols = p->cols;
	p->table.ncols = C_FIXED;
	p->table.cell = cell;
	p->table.ctx = v;
	p->table.sort_col = -1;
	p->tl_table.cols = tl_cols;
	p->tl_table.ncols = T__N;
	p->tl_table.cell = tl_cell;
	p->tl_table.ctx = p;
	p->tl_table.sort_col = -1;
	p->gen = (uint64_t)-1;
	return v;
}
