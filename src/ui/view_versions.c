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
#include "ui/views.h"
#include "ui/widget.h"

#define MAX_MCOLS 2

enum { C_VERSION, C_ALIASES, C_STAGE, C_STATUS, C_CREATED, C_DESC, C_RUN,
       C_FIXED };

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

/* What a dialog is asking. */
enum step { STEP_NONE, STEP_ALIAS, STEP_STAGE, STEP_ROLLBACK, STEP_CONFIRM };
enum plan_kind { PK_ALIAS, PK_STAGE, PK_ROLLBACK_ALIAS, PK_ROLLBACK_STAGE };

/* A request in flight that calls back into the view: the view clears
 * `v` when it goes first, and the callback then leaves the screen alone. */
struct write_op {
	struct view *v;
	struct plan plan;        /* owned; plan.w is what was sent */
	char *model;
};

struct enter_op {
	struct view *v;
	char *run_id;
};

struct versions_view {
	char *name, *title;
	struct table table;
	struct table_col cols[C_FIXED + MAX_MCOLS];
	char *mkeys[MAX_MCOLS];  /* metric column keys, owned */
	int nmkeys;
	char *user_keys;         /* from :metrics; owned */
	int *rows;               /* version numbers shown, newest first */
	size_t nrows, caprows;
	int selected;            /* version under the cursor, 0: none yet */
	uint64_t gen;
	bool dirty;
	char **asked;            /* source runs asked for, owned */
	size_t nasked, capasked;

	bool show_timeline, focus_timeline;
	struct holding *tl;      /* owned, newest first */
	size_t ntl;
	struct table tl_table;

	struct dialog *dlg;
	enum step step;
	enum plan_kind kind;
	char *target;            /* alias or stage the dialog is about */
	int version;
	bool archive;
	char **names;            /* the pick dialog's choices, owned */
	bool *name_is_stage;
	size_t nnames;
	struct plan plan;        /* what the confirm dialog shows */
	bool has_plan;
	struct write_op *write;
	struct enter_op *enter;
};

static struct versions_view *P(struct view *v)
{
	return v->priv;
}

static struct registered_model *rm_of(struct view *v)
{
	return model_registered(tui_model(v->tui), P(v)->name);
}

static struct model_version *version_at(struct view *v, size_t row)
{
	struct registered_model *rm = rm_of(v);

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
	struct registered_model *rm = rm_of(v);
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
		struct model_version *mv = version_at(v, row);
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
	struct registered_model *rm = rm_of(v);
	struct model_version *mv = version_at(v, row);
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
						: hd->outside ? "?" : "-";
		break;
	case T_NOTE:
		if (hd->outside) {
			snprintf(c->buf, sizeof(c->buf), "moved outside mltop%s%s",
				 hd->note && *hd->note ? "; " : "",
				 hd->note ? hd->note : "");
			c->text = c->buf;
			c->slot = SLOT_STATUS_WARN;
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
	rm = rm_of(v);
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

/* --- dialogs -------------------------------------------------------------- */

static void close_dialog(struct versions_view *p)
{
	dialog_free(p->dlg);
	p->dlg = NULL;
	p->step = STEP_NONE;
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
	free(p->name_is_stage);
	p->names = NULL;
	p->name_is_stage = NULL;
	p->nnames = 0;
	if (p->has_plan)
		plan_free(&p->plan);
	p->has_plan = false;
}

static void add_name(struct versions_view *p, const char *name, bool stage)
{
	p->names = xrealloc(p->names, (p->nnames + 1) * sizeof(*p->names));
	p->name_is_stage = xrealloc(p->name_is_stage,
				    (p->nnames + 1) * sizeof(bool));
	p->names[p->nnames] = xstrdup(name);
	p->name_is_stage[p->nnames] = stage;
	p->nnames++;
}

/* Every write key starts here: --read-only, a store that cannot write,
 * a write still in flight and a model not loaded yet all say no. */
static struct registered_model *writable(struct view *v)
{
	struct versions_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct registered_model *rm = rm_of(v);

	if (s->read_only) {
		tui_message(v->tui, true,
			    "read-only: writes are disabled (--read-only)");
		return NULL;
	}
	if (!s->ops->registry_write) {
		tui_message(v->tui, true,
			    "this store cannot write to the registry");
		return NULL;
	}
	if (p->write) {
		tui_message(v->tui, true, "a write is still in progress");
		return NULL;
	}
	if (!rm || !rm->versions_loaded) {
		tui_message(v->tui, true, "the model is still loading");
		return NULL;
	}
	return rm;
}

static int make_plan(struct view *v, const struct registered_model *rm,
		     const char *note, struct plan *pl)
{
	struct versions_view *p = P(v);
	char *who = history_who();
	int64_t now = clock_now_ms();
	int rc = -1;

	memset(pl, 0, sizeof(*pl));
	if (note && !*note)
		note = NULL;
	switch (p->kind) {
	case PK_ALIAS:
		rc = plan_alias(rm, p->target, p->version, who, note, now, pl);
		break;
	case PK_STAGE:
		rc = plan_stage(rm, p->target, p->version, p->archive, who,
				note, now, pl);
		break;
	case PK_ROLLBACK_ALIAS:
		rc = plan_rollback_alias(rm, p->target, who, note, now, pl);
		break;
	case PK_ROLLBACK_STAGE:
		rc = plan_rollback_stage(rm, p->target, who, note, now, pl);
		break;
	}
	free(who);
	return rc;
}

/* Move a plan to where it lives on: plan.w points into the plan's own
 * arrays, so a plain copy would leave it pointing at the old place. */
static void plan_relocate(struct plan *dst, struct plan *src)
{
	*dst = *src;
	if (src->w.moves == src->moves)
		dst->w.moves = dst->moves;
	if (src->w.expect_in_stage == src->expect_in_stage)
		dst->w.expect_in_stage = dst->expect_in_stage;
	memset(src, 0, sizeof(*src));
}

static bool same_plan(const struct plan *a, const struct plan *b)
{
	if (strcmp(a->summary ? a->summary : "", b->summary ? b->summary : "") ||
	    a->nlines != b->nlines ||
	    a->w.expect_alias_version != b->w.expect_alias_version ||
	    a->w.nexpect_in_stage != b->w.nexpect_in_stage ||
	    a->w.nmoves != b->w.nmoves)
		return false;
	for (size_t i = 0; i < a->nlines; i++)
		if (strcmp(a->lines[i], b->lines[i]))
			return false;
	for (size_t i = 0; i < a->w.nexpect_in_stage; i++)
		if (a->w.expect_in_stage[i] != b->w.expect_in_stage[i])
			return false;
	return true;
}

static void show_confirm(struct view *v, const char *warning,
			 const char *note)
{
	struct versions_view *p = P(v);
	static const char *const titles[] = {
		[PK_ALIAS] = "promote: move an alias",
		[PK_STAGE] = "promote: stage transition",
		[PK_ROLLBACK_ALIAS] = "roll back an alias",
		[PK_ROLLBACK_STAGE] = "roll back a stage",
	};
	struct dialog *d = dialog_new(titles[p->kind]);
	char *where;

	if (warning)
		dialog_line(d, SLOT_STATUS_WARN, 0, warning);
	dialog_line(d, SLOT_HEADER, 0, p->plan.summary);
	for (size_t i = 0; i < p->plan.nlines; i++) {
		char *l;

		/* The summary heads the dialog already. */
		if (p->plan.summary && !strcmp(p->plan.lines[i],
					       p->plan.summary))
			continue;
		l = xasprintf("  %s", p->plan.lines[i]);

		dialog_line(d, SLOT_DEFAULT, 0, l);
		free(l);
	}
	where = xasprintf("model %s in %s", p->name,
			  tui_store(v->tui)->uri.display);
	dialog_line(d, SLOT_DIM, 0, "");
	dialog_line(d, SLOT_DIM, 0, where);
	free(where);
	dialog_input(d, "note", note, false);
	d->confirm = true;
	dialog_footer(d, "y/Enter: confirm   n/Esc: cancel   Tab: write a note");
	dialog_free(p->dlg);
	p->dlg = d;
	p->step = STEP_CONFIRM;
}

/* From a pick dialog to the plan, shown for confirmation. */
static void open_confirm(struct view *v)
{
	struct versions_view *p = P(v);
	struct registered_model *rm = rm_of(v);
	struct plan pl;

	if (!rm) {
		close_dialog(p);
		return;
	}
	if (make_plan(v, rm, NULL, &pl) != 0) {
		tui_message(v->tui, true, "%s", pl.error ? pl.error
							 : "no plan");
		plan_free(&pl);
		close_dialog(p);
		return;
	}
	if (p->has_plan)
		plan_free(&p->plan);
	plan_relocate(&p->plan, &pl);
	p->has_plan = true;
	show_confirm(v, NULL, "");
}

static void write_done(struct store *s, bool ok, void *ud)
{
	struct write_op *op = ud;
	const char *err = s->model->error ? s->model->error
					  : "the store refused the write";
	char *result = ok ? xstrdup("done") : xasprintf("failed: %s", err);
	char *aerr = NULL;
	int arc = audit_append(s->uri.display, op->model,
			       op->plan.event_value, result, &aerr);

	if (op->v) {
		struct view *v = op->v;

		P(v)->write = NULL;
		P(v)->dirty = true;
		if (ok)
			tui_message(v->tui, arc != 0, "done: %s%s%s",
				    op->plan.summary,
				    arc ? "; audit log: " : "",
				    arc && aerr ? aerr : "");
		else
			tui_message(v->tui, true, "%s", err);
	}
	/* Show what the store holds now, whatever happened. */
	s->ops->load_models(s, &(struct store_req){ .forced = true }, NULL,
			    NULL);
	s->ops->load_versions(s, &(struct store_req){ .forced = true },
			      op->model, NULL, NULL);
	free(aerr);
	free(result);
	plan_free(&op->plan);
	free(op->model);
	free(op);
}

static void confirm(struct view *v)
{
	struct versions_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct registered_model *rm = writable(v);
	struct write_op *op;
	struct plan pl;
	char note[DIALOG_INPUT_MAX];

	if (!rm) {
		close_dialog(p);
		return;
	}
	snprintf(note, sizeof(note), "%s", p->dlg->input);
	/* The plan again, with the note: if the model moved while the
	 * dialog was open, show the new plan rather than write it. */
	if (make_plan(v, rm, note, &pl) != 0) {
		tui_message(v->tui, true, "%s", pl.error ? pl.error : "no plan");
		plan_free(&pl);
		close_dialog(p);
		return;
	}
	if (!same_plan(&pl, &p->plan)) {
		plan_free(&p->plan);
		plan_relocate(&p->plan, &pl);
		show_confirm(v, "The model changed while this was open; "
			     "the plan is now:", note);
		return;
	}
	op = xcalloc(1, sizeof(*op));
	op->v = v;
	plan_relocate(&op->plan, &pl);
	op->model = xstrdup(p->name);
	p->write = op;
	close_dialog(p);
	tui_message(v->tui, false, "writing: %s", op->plan.summary);
	s->ops->registry_write(s, &op->plan.w, write_done, op);
}

static void open_alias_pick(struct view *v)
{
	struct versions_view *p = P(v);
	struct registered_model *rm = writable(v);
	struct model_version *mv = version_at(v, p->table.sel);
	struct dialog *d;
	char *t;
	size_t def = 0;
	bool has_champion = false;

	if (!rm)
		return;
	if (!mv) {
		tui_message(v->tui, true, "no version selected");
		return;
	}
	close_dialog(p);
	p->version = mv->version;
	t = xasprintf("promote v%d of %s", mv->version, rm->name);
	d = dialog_new(t);
	free(t);
	t = xasprintf("Which alias moves to v%d? Choose one, or type a new "
		      "name.", mv->version);
	dialog_line(d, SLOT_DEFAULT, 0, t);
	free(t);
	for (size_t i = 0; i < rm->aliases.n; i++) {
		const char *a = rm->aliases.v[i].key;

		t = xasprintf("%s (now v%s)", a, rm->aliases.v[i].value
						 ? rm->aliases.v[i].value : "?");
		dialog_choice(d, t);
		free(t);
		add_name(p, a, false);
		if (!strcmp(a, "champion")) {
			def = i;
			has_champion = true;
		}
	}
	if (!has_champion) {
		dialog_choice(d, "champion (new)");
		add_name(p, "champion", false);
		def = p->nnames - 1;
	}
	d->choice = def;
	dialog_input(d, "or a new alias", "", true);
	dialog_footer(d, draw_unicode()
		      ? "↑/↓: choose   type: a new alias   Enter: next   "
			"Esc: cancel"
		      : "Up/Down: choose   type: a new alias   Enter: next   "
			"Esc: cancel");
	p->dlg = d;
	p->step = STEP_ALIAS;
}

static const char *const stages[] = {"Staging", "Production", "Archived",
				     "None"};

static void archive_line(struct versions_view *p)
{
	struct dialog *d = p->dlg;
	char *t = xasprintf("[%s] archive the versions already there "
			    "(Staging, Production)", p->archive ? "x" : " ");

	/* The toggle is the last line, after the choices. */
	free(d->lines[d->nlines - 1].text);
	d->lines[d->nlines - 1].text = t;
}

static void open_stage_pick(struct view *v)
{
	struct versions_view *p = P(v);
	struct registered_model *rm = writable(v);
	struct model_version *mv = version_at(v, p->table.sel);
	const char *cur;
	char held[256] = "";
	size_t len = 0;
	struct dialog *d;
	char *t;

	if (!rm)
		return;
	if (!mv) {
		tui_message(v->tui, true, "no version selected");
		return;
	}
	close_dialog(p);
	cur = mv->stage ? mv->stage : "None";
	p->version = mv->version;
	p->archive = false;
	for (size_t s = 0; s < 2; s++) {
		len += (size_t)snprintf(held + len, sizeof(held) - len, "%s%s:",
					s ? "; " : "", stages[s]);
		for (size_t i = 0; i < rm->nversions && len < sizeof(held); i++)
			if (rm->versions[i].stage &&
			    !strcmp(rm->versions[i].stage, stages[s]))
				len += (size_t)snprintf(held + len,
							sizeof(held) - len,
							" v%d",
							rm->versions[i].version);
		if (len >= sizeof(held))
			break;
	}
	t = xasprintf("stage of v%d of %s", mv->version, rm->name);
	d = dialog_new(t);
	free(t);
	t = xasprintf("v%d is in %s. Now %s. Move it to:", mv->version, cur,
		      held);
	dialog_line(d, SLOT_DEFAULT, 0, t);
	free(t);
	for (size_t i = 0; i < 4; i++) {
		t = xasprintf("%s%s", stages[i],
			      !strcmp(stages[i], cur) ? " (now)" : "");
		dialog_choice(d, t);
		free(t);
		add_name(p, stages[i], true);
	}
	/* The next step up: None -> Staging -> Production -> Archived. */
	d->choice = !strcmp(cur, "Staging") ? 1 : !strcmp(cur, "Production")
							? 2 : 0;
	dialog_line(d, SLOT_DEFAULT, 0, "");
	dialog_footer(d, "j/k: choose   a: archive existing   Enter: next   "
		      "Esc: cancel");
	p->dlg = d;
	p->step = STEP_STAGE;
	archive_line(p);
}

static void open_rollback_pick(struct view *v)
{
	struct versions_view *p = P(v);
	struct registered_model *rm = writable(v);
	struct history_event *ev = NULL;
	size_t nev, def = 0;
	struct dialog *d;
	char *t, *who;
	const char *want = NULL;
	bool want_stage = false;

	if (!rm)
		return;
	close_dialog(p);
	nev = history_events(&rm->tags, &ev);
	/* The timeline's row under the cursor, when it has the focus. */
	if (p->show_timeline && p->focus_timeline &&
	    p->tl_table.sel < p->ntl) {
		want = p->tl[p->tl_table.sel].name;
		want_stage = p->tl[p->tl_table.sel].stage;
	}
	t = xasprintf("roll back in %s", rm->name);
	d = dialog_new(t);
	free(t);
	dialog_line(d, SLOT_DEFAULT, 0,
		    "Put an alias or a stage back on the version that held it "
		    "before its last move:");
	who = history_who();
	/* Newest first, each alias or stage once. */
	for (size_t i = nev; i-- > 0;) {
		bool stage = ev[i].kind == HK_STAGE;
		struct plan pl;
		size_t k;
		int rc;

		memset(&pl, 0, sizeof(pl));
		if (!ev[i].name)
			continue;
		for (k = 0; k < p->nnames; k++)
			if (p->name_is_stage[k] == stage &&
			    !strcmp(p->names[k], ev[i].name))
				break;
		if (k < p->nnames)
			continue;
		rc = stage ? plan_rollback_stage(rm, ev[i].name, who, NULL,
						 clock_now_ms(), &pl)
			   : plan_rollback_alias(rm, ev[i].name, who, NULL,
						 clock_now_ms(), &pl);
		/* The summary names the alias or stage itself. */
		if (rc == 0)
			t = xstrdup(pl.summary);
		else
			t = xasprintf("%s %s: %s", stage ? "stage" : "alias",
				      ev[i].name, pl.error ? pl.error : "?");
		plan_free(&pl);
		dialog_choice(d, t);
		free(t);
		add_name(p, ev[i].name, stage);
		if (want && want_stage == stage && !strcmp(want, ev[i].name))
			def = p->nnames - 1;
	}
	free(who);
	if (ev)
		history_events_free(ev, nev);
	if (p->nnames == 0) {
		dialog_free(d);
		tui_message(v->tui, true, "nothing to roll back: no move by "
			    "mltop in the history of %s", rm->name);
		return;
	}
	d->choice = def;
	dialog_footer(d, "j/k: choose   Enter: next   Esc: cancel");
	p->dlg = d;
	p->step = STEP_ROLLBACK;
}

static bool key(struct view *v, int ch, bool is_key)
{
	struct versions_view *p = P(v);
	enum dialog_result r;
	char alias[DIALOG_INPUT_MAX];
	size_t a, b;

	if (!p->dlg)
		return false;
	r = dialog_key(p->dlg, ch, is_key);
	if (r == DLG_CANCEL) {
		close_dialog(p);
		tui_message(v->tui, false, "cancelled: nothing changed");
		return true;
	}
	if (r == DLG_UNHANDLED) {
		if (p->step == STEP_STAGE && !is_key && ch == 'a') {
			p->archive = !p->archive;
			archive_line(p);
		}
		return true; /* a dialog is modal */
	}
	if (r != DLG_OK)
		return true;
	switch (p->step) {
	case STEP_ALIAS:
		/* A typed name wins over the highlighted one. */
		a = 0;
		b = p->dlg->ilen;
		while (a < b && p->dlg->input[a] == ' ')
			a++;
		while (b > a && p->dlg->input[b - 1] == ' ')
			b--;
		if (b > a)
			snprintf(alias, sizeof(alias), "%.*s", (int)(b - a),
				 p->dlg->input + a);
		else if (p->dlg->choice < p->nnames)
			snprintf(alias, sizeof(alias), "%s",
				 p->names[p->dlg->choice]);
		else
			return true;
		free(p->target);
		p->target = xstrdup(alias);
		p->kind = PK_ALIAS;
		open_confirm(v);
		break;
	case STEP_STAGE:
		if (p->dlg->choice >= p->nnames)
			return true;
		free(p->target);
		p->target = xstrdup(p->names[p->dlg->choice]);
		p->kind = PK_STAGE;
		/* Archiving others is MLflow's for Staging and Production. */
		if (strcmp(p->target, "Staging") &&
		    strcmp(p->target, "Production"))
			p->archive = false;
		open_confirm(v);
		break;
	case STEP_ROLLBACK:
		if (p->dlg->choice >= p->nnames)
			return true;
		free(p->target);
		p->target = xstrdup(p->names[p->dlg->choice]);
		p->kind = p->name_is_stage[p->dlg->choice] ? PK_ROLLBACK_STAGE
							   : PK_ROLLBACK_ALIAS;
		open_confirm(v);
		break;
	case STEP_CONFIRM:
		confirm(v);
		break;
	case STEP_NONE:
		close_dialog(p);
		break;
	}
	return true;
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
	struct model_version *mv = version_at(v, p->table.sel);
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
		open_alias_pick(v);
		return RE_REDRAW;
	case ACT_PROMOTE_STAGE:
		open_stage_pick(v);
		return RE_REDRAW;
	case ACT_ROLLBACK:
		open_rollback_pick(v);
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
	struct registered_model *rm = rm_of(v);

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
	close_dialog(p);
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
	.key = key,
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
