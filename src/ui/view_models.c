/* view_models.c: the model registry: registered models (prompts left out)
 * with their latest version, aliases, stages and last change. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/widget.h"

enum { C_NAME, C_LATEST, C_ALIASES, C_STAGES, C_CHANGED, C__N };

static const struct table_col cols[C__N] = {
	[C_NAME] = {"NAME", 22, 12, 0, false, true, false, 48},
	[C_LATEST] = {"LATEST", 6, 0, 0, true, false, false, 0},
	[C_ALIASES] = {"ALIASES", 25, 12, 0, false, true, false, 60},
	[C_STAGES] = {"STAGES", 12, 0, 2, false, false, false, 0},
	[C_CHANGED] = {"LAST CHANGE", 11, 0, 1, true, false, false, 0},
};

struct models_view {
	struct table table;
	struct registered_model **rows;   /* borrowed from the model */
	size_t nrows, caprows;
	uint64_t gen;
	bool dirty;
	char *selected;                   /* keeps the cursor on a name */
	/* Models whose versions were asked for (for the stages column),
	 * so a visible row asks once a load. */
	char **asked;
	size_t nasked, capasked;
};

static struct models_view *P(struct view *v)
{
	return v->priv;
}

/* --- text of a model ------------------------------------------------------- */

/* "champion=v2 challenger=v3", in the store's order. */
static void aliases_text(const struct registered_model *rm, char *buf,
			 size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < rm->aliases.n && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s=v%s",
					i ? " " : "", rm->aliases.v[i].key,
					rm->aliases.v[i].value
						? rm->aliases.v[i].value : "?");
}

/* "P:v2 S:v3,v4": who is in Production and Staging, newest first. */
static void stages_text(const struct registered_model *rm, char *buf,
			size_t n)
{
	static const char *const stages[] = {"Production", "Staging"};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t s = 0; s < 2 && len < n; s++) {
		bool any = false;

		for (size_t i = 0; i < rm->nversions && len < n; i++) {
			const struct model_version *mv = &rm->versions[i];

			if (!mv->stage || strcmp(mv->stage, stages[s]) != 0)
				continue;
			len += (size_t)snprintf(buf + len, n - len, "%s%sv%d",
						any ? "," : len ? " " : "",
						any ? "" : s ? "S:" : "P:",
						mv->version);
			any = true;
		}
	}
}

static bool model_matches(const struct filter *f,
			  const struct registered_model *rm)
{
	size_t len = strlen(rm->name) + 8 +
		     (rm->description ? strlen(rm->description) : 0);
	char *subject, *p;
	bool ok;

	if (!f)
		return true;
	for (size_t i = 0; i < rm->aliases.n; i++)
		len += strlen(rm->aliases.v[i].key) + 16;
	for (size_t i = 0; i < rm->tags.n; i++)
		len += strlen(rm->tags.v[i].key) + 2 +
		       (rm->tags.v[i].value ? strlen(rm->tags.v[i].value) : 0);
	/* One field a line: name, description, alias=vN, tag=value. */
	subject = p = xmalloc(len + 1);
	p += sprintf(p, "%s\n%s", rm->name,
		     rm->description ? rm->description : "");
	for (size_t i = 0; i < rm->aliases.n; i++)
		p += sprintf(p, "\n%s=v%.12s", rm->aliases.v[i].key,
			     rm->aliases.v[i].value ? rm->aliases.v[i].value
						    : "");
	for (size_t i = 0; i < rm->tags.n; i++)
		p += sprintf(p, "\n%s=%s", rm->tags.v[i].key,
			     rm->tags.v[i].value ? rm->tags.v[i].value : "");
	ok = filter_match(f, subject);
	free(subject);
	return ok;
}

/* --- rows ------------------------------------------------------------------ */

static int sort_col;
static bool sort_desc;

static int cmp_model(const void *a, const void *b)
{
	const struct registered_model *x = *(struct registered_model *const *)a;
	const struct registered_model *y = *(struct registered_model *const *)b;
	int c = 0;

	switch (sort_col) {
	case C_LATEST:
		c = (x->latest_version > y->latest_version) -
		    (x->latest_version < y->latest_version);
		break;
	case C_CHANGED:
		c = (x->last_updated_time > y->last_updated_time) -
		    (x->last_updated_time < y->last_updated_time);
		break;
	default:
		break;
	}
	if (c == 0)
		c = strcmp(x->name, y->name);
	return sort_desc ? -c : c;
}

static void rebuild(struct view *v)
{
	struct models_view *p = P(v);
	struct model *m = tui_model(v->tui);
	size_t keep = 0;

	p->nrows = 0;
	for (size_t i = 0; i < m->nmodels; i++) {
		struct registered_model *rm = m->models[i];

		if (rm->is_prompt || !model_matches(v->filter, rm))
			continue;
		p->rows = xgrow(p->rows, &p->caprows, p->nrows + 1,
				sizeof(*p->rows));
		p->rows[p->nrows++] = rm;
	}
	sort_col = p->table.sort_col;
	sort_desc = p->table.sort_desc;
	if (p->nrows)
		qsort(p->rows, p->nrows, sizeof(*p->rows), cmp_model);
	for (size_t i = 0; p->selected && i < p->nrows; i++)
		if (!strcmp(p->rows[i]->name, p->selected))
			keep = i;
	p->table.nrows = p->nrows;
	if (p->selected)
		p->table.sel = keep;
	table_clamp(&p->table);
	p->gen = m->generation;
	p->dirty = false;
}

static void forget_asked(struct models_view *p)
{
	for (size_t i = 0; i < p->nasked; i++)
		free(p->asked[i]);
	p->nasked = 0;
}

/* Versions (for the stages column) of the rows on screen only, once a
 * full reload: a registry of hundreds of models costs what one screen
 * of them does. */
static void load_visible(struct view *v, int page)
{
	struct models_view *p = P(v);
	struct store *s = tui_store(v->tui);

	for (size_t r = p->table.top;
	     r < p->nrows && r < p->table.top + (size_t)page; r++) {
		struct registered_model *rm = p->rows[r];
		size_t i;

		for (i = 0; i < p->nasked; i++)
			if (!strcmp(p->asked[i], rm->name))
				break;
		if (i < p->nasked)
			continue;
		p->asked = xgrow(p->asked, &p->capasked, p->nasked + 1,
				 sizeof(*p->asked));
		p->asked[p->nasked++] = xstrdup(rm->name);
		s->ops->load_versions(s, NULL, rm->name, NULL, NULL);
	}
}

/* --- drawing --------------------------------------------------------------- */

static void cell(void *ctx, size_t row, int col, struct cell *c)
{
	struct models_view *p = ctx;
	struct registered_model *rm = p->rows[row];

	switch (col) {
	case C_NAME:
		c->text = rm->name;
		break;
	case C_LATEST:
		if (rm->latest_version > 0) {
			snprintf(c->buf, sizeof(c->buf), "v%d",
				 rm->latest_version);
			c->text = c->buf;
		} else {
			c->text = "-";
			c->slot = SLOT_DIM;
		}
		break;
	case C_ALIASES:
		aliases_text(rm, c->buf, sizeof(c->buf));
		c->text = c->buf;
		c->slot = SLOT_LABEL;
		break;
	case C_STAGES:
		if (!rm->versions_loaded) {
			c->text = "…";
			c->slot = SLOT_DIM;
			break;
		}
		stages_text(rm, c->buf, sizeof(c->buf));
		c->text = *c->buf ? c->buf : "-";
		if (!*c->buf)
			c->slot = SLOT_DIM;
		break;
	case C_CHANGED:
		format_ago(rm->last_updated_time, clock_now_ms(), c->buf,
			   sizeof(c->buf));
		c->text = c->buf;
		break;
	}
}

static void draw(struct view *v, int y, int x, int h, int w)
{
	struct models_view *p = P(v);
	struct model *m = tui_model(v->tui);
	char info[600];

	if (p->dirty || p->gen != m->generation)
		rebuild(v);
	load_visible(v, p->table.page > 0 ? p->table.page : h);
	table_draw(&p->table, y, x, h - 1, w);
	if (p->nrows) {
		snprintf(info, sizeof(info),
			 "%zu/%zu  %zu model%s  Enter: versions", p->table.sel + 1,
			 p->nrows, p->nrows, p->nrows == 1 ? "" : "s");
		draw_text(y + h - 1, x, w, info, SLOT_DIM, 0, ALIGN_LEFT);
		return;
	}
	if (m->models_loaded)
		snprintf(info, sizeof(info), "%s", v->filter
			 ? "no model matches the filter"
			 : "no registered models in this store");
	else if (m->error)
		snprintf(info, sizeof(info), "cannot read the registry: %s",
			 m->error);
	else
		snprintf(info, sizeof(info), "loading models…");
	if (h > 4)
		draw_text(y + 2, x + 2, w - 4, info,
			  m->error ? SLOT_STATUS_ERROR : SLOT_DIM, 0,
			  ALIGN_LEFT);
}

/* --- actions --------------------------------------------------------------- */

static void remember(struct models_view *p)
{
	if (p->table.sel < p->nrows)
		set_str(&p->selected, p->rows[p->table.sel]->name);
}

static int action(struct view *v, enum action a)
{
	struct models_view *p = P(v);
	int re;

	/* Rows borrow the model's entries: a store change since the last
	 * paint may have dropped one. */
	if (p->dirty || p->gen != tui_model(v->tui)->generation)
		rebuild(v);
	re = table_action(&p->table, a);

	if (!(re & RE_UNHANDLED)) {
		remember(p);
		return re;
	}
	switch (a) {
	case ACT_ENTER:
		if (p->table.sel < p->nrows) {
			remember(p);
			return tui_want_view(v->tui, "versions",
					     p->rows[p->table.sel]->name, NULL);
		}
		return RE_REDRAW;
	case ACT_REGISTRY:
		return RE_NONE; /* already here */
	case ACT_SORT_NEXT:
		/* Name, latest version, last change: the sortable ones. */
		p->table.sort_col = p->table.sort_col == C_NAME ? C_LATEST
				    : p->table.sort_col == C_LATEST ? C_CHANGED
								    : C_NAME;
		p->dirty = true;
		return RE_REDRAW;
	case ACT_SORT_REVERSE:
		p->table.sort_desc = !p->table.sort_desc;
		p->dirty = true;
		return RE_REDRAW;
	default:
		return RE_UNHANDLED;
	}
}

static void reload(struct view *v, bool full)
{
	struct store *s = tui_store(v->tui);

	if (!full && tui_model(v->tui)->pending)
		return;
	s->ops->load_models(s, &(struct store_req){ .forced = full }, NULL,
			    NULL);
	/* A full reload asks for the versions of the rows on screen again
	 * (stages move); a poll keeps what it has. */
	if (full)
		forget_asked(P(v));
	P(v)->dirty = true;
}

static const char *title(struct view *v)
{
	return "models";
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
	struct models_view *p = P(v);

	forget_asked(p);
	free(p->asked);
	free(p->rows);
	free(p->selected);
	free(p);
}

/* y: models:/NAME; Y: its MLflow UI page. */
static char *yank(struct view *v, bool web)
{
	struct models_view *p = P(v);
	struct registered_model *rm = p->table.sel < p->nrows
		? p->rows[p->table.sel] : NULL;
	char *path, *url;

	if (!rm)
		return NULL;
	if (!web)
		return xasprintf("models:/%s", rm->name);
	path = xasprintf("#/models/%s", rm->name);
	url = tui_web_url(v->tui, path);
	free(path);
	return url;
}

static const enum action view_keys[] = {
	ACT_SORT_NEXT,
	ACT_SORT_REVERSE,
	ACT_YANK,
	ACT_YANK_WEB,
	ACT_NONE,
};

static const struct view_ops models_ops = {
	.name = "models",
	.free = vfree,
	.draw = draw,
	.sync = rebuild,
	.action = action,
	.reload = reload,
	.title = title,
	.filter_changed = filter_changed,	.yank = yank,	.keys = view_keys,
};

struct view *view_models_new(struct tui *t)
{
	struct view *v = xcalloc(1, sizeof(*v));
	struct models_view *p = xcalloc(1, sizeof(*p));

	v->ops = &models_ops;
	v->tui = t;
	v->priv = p;
	p->table.cols = cols;
	p->table.ncols = C__N;
	p->table.cell = cell;
	p->table.ctx = p;
	p->table.sort_col = C_NAME;
	p->gen = (uint64_t)-1;
	return v;
}
