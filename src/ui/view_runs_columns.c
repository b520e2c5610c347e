/* view_runs_columns.c: choosing the runs view's columns: the column
 * chooser, :columns with its completion, and the choice remembered in the
 * state directory, by store and experiment. */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/statefile.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "ui/tui.h"
#include "ui/view_runs.h"
#include "ui/widget.h"

#define STATE_FILE "columns"

static const char *const kind_word[] = {
	[K_NAME] = "name", [K_ID] = "id", [K_START] = "start",
	[K_DURATION] = "duration", [K_USER] = "user", [K_AUTO] = "metrics",
};

/* The automatic choice, and the order the fixed columns had before. */
static const enum ckind default_spec[] = {
	K_ID, K_START, K_DURATION, K_USER, K_AUTO,
};

/* --- column lists --------------------------------------------------------- */

static void colset_add(struct colset *s, enum ckind kind, const char *key)
{
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n].kind = kind;
	s->v[s->n].key = key ? xstrdup(key) : NULL;
	s->n++;
}

static void colset_remove(struct colset *s, size_t i)
{
	free(s->v[i].key);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

static void colset_clear(struct colset *s)
{
	while (s->n)
		colset_remove(s, s->n - 1);
}

void runs_cols_free(struct colset *s)
{
	colset_clear(s);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

bool runs_cols_same(enum ckind k1, const char *key1, enum ckind k2,
		    const char *key2)
{
	return k1 == k2 && (!key1 || !key2 ? key1 == key2
					   : !strcmp(key1, key2));
}

ssize_t runs_cols_find(const struct colset *s, enum ckind kind,
		       const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (runs_cols_same(s->v[i].kind, s->v[i].key, kind, key))
			return (ssize_t)i;
	return -1;
}

static void colset_default(struct colset *s)
{
	colset_clear(s);
	for (size_t i = 0; i < sizeof(default_spec) / sizeof(*default_spec);
	     i++)
		colset_add(s, default_spec[i], NULL);
}

/* A column's name as :columns and the state file spell it: "user",
 * "metrics" (the automatic ones), "metrics.KEY", "params.KEY"; owned. */
static char *col_word(enum ckind kind, const char *key)
{
	if (kind == K_METRIC)
		return xasprintf("metrics.%s", key);
	if (kind == K_PARAM)
		return xasprintf("params.%s", key);
	return xstrdup(kind_word[kind]);
}

/* The other way; false for a word that names no column. */
static bool parse_col(const char *w, enum ckind *kind, const char **key)
{
	*key = NULL;
	if (!strncmp(w, "metrics.", 8) && w[8]) {
		*kind = K_METRIC;
		*key = w + 8;
		return true;
	}
	if (!strncmp(w, "params.", 7) && w[7]) {
		*kind = K_PARAM;
		*key = w + 7;
		return true;
	}
	for (int k = K_NAME; k <= K_AUTO; k++)
		if (!strcasecmp(w, kind_word[k])) {
			*kind = (enum ckind)k;
			return true;
		}
	return false;
}

/* "id,start,metrics.loss": the state file's value. A key holding a
 * comma cannot be written back, so it is left out. */
static char *colset_text(const struct colset *s)
{
	char *out = xstrdup("");

	for (size_t i = 0; i < s->n; i++) {
		char *w = col_word(s->v[i].kind, s->v[i].key), *next;

		if (strchr(w, ',')) {
			free(w);
			continue;
		}
		next = xasprintf("%s%s%s", out, *out ? "," : "", w);
		free(out);
		free(w);
		out = next;
	}
	return out;
}

/* Read a state file's value; false when a word is not a column. */
static bool colset_parse(struct colset *s, const char *text)
{
	char *copy = xstrdup(text), *save = NULL, *w;
	bool ok = true;

	colset_clear(s);
	for (w = strtok_r(copy, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		enum ckind kind;
		const char *key;

		if (!parse_col(w, &kind, &key)) {
			ok = false;
			break;
		}
		if (kind != K_NAME && runs_cols_find(s, kind, key) < 0)
			colset_add(s, kind, key);
	}
	free(copy);
	return ok;
}

/* --- remembering the choice ----------------------------------------------- */

/* The state file's first key: the store's URI, a SQLite file by its
 * absolute path (the same store however it was named); never a secret. */
static char *store_key(struct view *v)
{
	struct store *s = tui_store(v->tui);
	char *real;

	if (s->uri.kind == URI_SQLITE && s->uri.path &&
	    (real = realpath(s->uri.path, NULL))) {
		char *k = xasprintf("sqlite://%s", real);

		free(real);
		return k;
	}
	return xstrdup(s->uri.display ? s->uri.display : "");
}

/* A state file that cannot be read is said once a session. */
static bool state_warned;

void runs_cols_load(struct view *v)
{
	struct runs_view *p = P(v);
	char *key = store_key(v), *value = NULL, *err = NULL;
	int rc = statefile_get(STATE_FILE, key, p->exp_id, &value, &err);

	if (rc == 1 && colset_parse(&p->spec, value)) {
		p->chosen = true;
	} else {
		if (rc == 1 && !err)
			err = xstrdup("the state file names an unknown column");
		colset_default(&p->spec);
		if (err && !state_warned) {
			tui_message(v->tui, true, "columns not restored: %s",
				    err);
			state_warned = true;
		}
	}
	free(err);
	free(value);
	free(key);
}

static void save_choice(struct view *v)
{
	struct runs_view *p = P(v);
	char *key = store_key(v), *err = NULL;
	char *value = p->chosen ? colset_text(&p->spec) : NULL;

	if (statefile_put(STATE_FILE, key, p->exp_id, value, &err) != 0) {
		tui_message(v->tui, true, "columns not remembered: %s", err);
		free(err);
	}
	free(value);
	free(key);
}

/* --- :columns ------------------------------------------------------------ */

/* Does a loaded run have it? Before the runs (or their params) are in,
 * any key is taken. */
static bool col_exists(struct view *v, enum ckind kind, const char *key)
{
	struct experiment *e = exp_of(v);

	if (kind != K_METRIC && kind != K_PARAM)
		return true;
	if (!e || !e->runs_loaded || (kind == K_PARAM && !e->params_loaded))
		return true;
	for (size_t r = 0; r < e->nruns_loaded; r++)
		if (kind == K_METRIC ? run_series(e->runs[r], key) != NULL
				     : kv_list_get(&e->runs[r]->params, key)
					       != NULL)
			return true;
	return false;
}

/* A new spec (NULL: the automatic choice) takes effect and is kept. */
static void apply_spec(struct view *v, struct colset *next)
{
	struct runs_view *p = P(v);

	if (next) {
		runs_cols_free(&p->spec);
		p->spec = *next;
		memset(next, 0, sizeof(*next));
		p->chosen = true;
	} else {
		colset_default(&p->spec);
		p->chosen = false;
	}
	p->mscroll = 0;
	p->laid_out = false;
	p->dirty = true;
	if (p->spec.n > MAX_COLS - 2)
		tui_message(v->tui, true, "columns: only the first %d show",
			    MAX_COLS - 2);
	save_choice(v);
}

int runs_cols_command(struct view *v, int argc, char **argv, char **err)
{
	struct runs_view *p = P(v);
	struct colset next = {0};

	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "auto"))) {
		apply_spec(v, NULL);
		tui_message(v->tui, false, "columns: the automatic choice");
		return 0;
	}
	/* Starting with + or -: a change to the columns shown; otherwise
	 * the whole list, in order. */
	if (argv[1][0] == '+' || argv[1][0] == '-')
		for (size_t i = 0; i < p->spec.n; i++)
			colset_add(&next, p->spec.v[i].kind, p->spec.v[i].key);
	for (int i = 1; i < argc; i++) {
		char op = argv[i][0] == '+' || argv[i][0] == '-' ? argv[i][0]
								 : 0;
		const char *word = argv[i] + (op ? 1 : 0), *key;
		enum ckind kind;
		ssize_t at;

		if (!parse_col(word, &kind, &key)) {
			*err = xasprintf("columns: no column '%s' (id start "
					 "duration user metrics metrics.KEY "
					 "params.KEY; Tab completes)", word);
			goto fail;
		}
		if (kind == K_NAME) {
			if (op == '-') {
				*err = xstrdup("columns: NAME always shows");
				goto fail;
			}
			continue;
		}
		if (op != '-' && !col_exists(v, kind, key)) {
			*err = xasprintf("columns: no run here %s '%s' (Tab "
					 "completes the keys)", kind == K_METRIC
					 ? "logs the metric" : "has the param",
					 key);
			goto fail;
		}
		at = runs_cols_find(&next, kind, key);
		if (at >= 0)
			colset_remove(&next, (size_t)at);
		if (op != '-')
			colset_add(&next, kind, key);
	}
	apply_spec(v, &next);
	return 0;
fail:
	runs_cols_free(&next);
	return -1;
}

static void add_col_words(void (*add)(void *ctx, const char *word),
			  void *ctx, const char *word)
{
	char *w;

	add(ctx, word);
	w = xasprintf("+%s", word);
	add(ctx, w);
	free(w);
	w = xasprintf("-%s", word);
	add(ctx, w);
	free(w);
}

/* After :columns and "auto": every column word, and +word and -word. */
void runs_cols_complete(struct experiment *e,
			void (*add)(void *ctx, const char *word), void *ctx)
{
	for (int k = K_NAME; k <= K_AUTO; k++)
		add_col_words(add, ctx, kind_word[k]);
	/* Keys of the first runs are enough to complete from. */
	for (size_t i = 0; i < e->nruns_loaded && i < 200; i++) {
		struct run *r = e->runs[i];

		for (size_t k = 0; k < r->nmetrics; k++) {
			char *w = col_word(K_METRIC, r->metrics[k].key);

			add_col_words(add, ctx, w);
			free(w);
		}
		for (size_t k = 0; k < r->params.n; k++) {
			char *w = col_word(K_PARAM, r->params.v[k].key);

			add_col_words(add, ctx, w);
			free(w);
		}
	}
}

/* --- the column chooser -------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void chooser_add(struct chooser *c, size_t *cap, enum ckind kind,
			const char *key, bool on)
{
	for (size_t i = 0; i < c->n; i++)
		if (runs_cols_same(c->items[i].kind, c->items[i].key, kind,
				   key))
			return;
	c->items = xgrow(c->items, cap, c->n + 1, sizeof(*c->items));
	c->on = xrealloc(c->on, (c->n + 1) * sizeof(*c->on));
	c->items[c->n].kind = kind;
	c->items[c->n].key = key ? xstrdup(key) : NULL;
	c->on[c->n] = on;
	c->n++;
}

static void chooser_clear(struct chooser *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->items[i].key);
	free(c->items);
	free(c->on);
	c->items = NULL;
	c->on = NULL;
	c->n = 0;
}

/* Every column there is: the spec's first, in its order and shown; then
 * the other fixed ones; then every metric and param key of the loaded
 * runs, by name. */
static void chooser_fill(struct view *v, const struct colset *spec)
{
	struct chooser *c = &P(v)->ch;
	struct experiment *e = exp_of(v);
	size_t cap = 0;

	chooser_clear(c);
	for (size_t i = 0; i < spec->n; i++)
		chooser_add(c, &cap, spec->v[i].kind, spec->v[i].key, true);
	for (size_t i = 0; i < sizeof(default_spec) / sizeof(*default_spec);
	     i++)
		chooser_add(c, &cap, default_spec[i], NULL, false);
	for (int pass = 0; pass < 2 && e; pass++) {
		const char **keys = NULL;
		size_t n = 0, kcap = 0;

		for (size_t i = 0; i < e->nruns_loaded; i++) {
			struct run *r = e->runs[i];
			size_t m = pass ? r->params.n : r->nmetrics;

			for (size_t k = 0; k < m; k++) {
				keys = xgrow(keys, &kcap, n + 1, sizeof(*keys));
				keys[n++] = pass ? r->params.v[k].key
						 : r->metrics[k].key;
			}
		}
		if (n)
			qsort(keys, n, sizeof(*keys), cmp_str);
		for (size_t i = 0; i < n; i++)
			if (i == 0 || strcmp(keys[i], keys[i - 1]))
				chooser_add(c, &cap, pass ? K_PARAM : K_METRIC,
					    keys[i], false);
		free(keys);
	}
}

/* The dialog's rows from the items: "[x] USER", "[ ] params.lr". */
static void chooser_show(struct chooser *c)
{
	struct dialog *d = c->dlg;

	for (size_t i = 0; i < d->nchoices; i++)
		free(d->choices[i]);
	d->nchoices = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct colspec *s = &c->items[i];
		char *label = s->kind == K_AUTO
			? xstrdup("metrics: automatic (:metrics, else the "
				  "most logged that fit)")
			: s->kind == K_METRIC || s->kind == K_PARAM
			? col_word(s->kind, s->key)
			: xstrdup(runs_kind_col[s->kind].title);
		char *row = xasprintf("[%c] %s", c->on[i] ? 'x' : ' ', label);

		dialog_choice(d, row);
		free(row);
		free(label);
	}
	if (d->choice >= d->nchoices)
		d->choice = d->nchoices ? d->nchoices - 1 : 0;
	free(d->title);
	d->title = xasprintf("Columns %zu/%zu: after NAME, in this order",
			     d->nchoices ? d->choice + 1 : 0, d->nchoices);
}

void runs_cols_close(struct chooser *c)
{
	dialog_free(c->dlg);
	c->dlg = NULL;
	chooser_clear(c);
}

void runs_cols_open(struct view *v)
{
	struct chooser *c = &P(v)->ch;

	runs_cols_close(c);
	chooser_fill(v, &P(v)->spec);
	c->dlg = dialog_new("Columns");
	dialog_footer(c->dlg, "Space show/hide  J/K move  a automatic  "
		      "Enter apply  Esc cancel");
	c->automatic = !P(v)->chosen;
	chooser_show(c);
}

static void chooser_swap(struct chooser *c, size_t i, size_t j)
{
	struct colspec s = c->items[i];
	bool on = c->on[i];

	c->items[i] = c->items[j];
	c->on[i] = c->on[j];
	c->items[j] = s;
	c->on[j] = on;
}

static void chooser_apply(struct view *v)
{
	struct chooser *c = &P(v)->ch;
	struct colset next = {0};

	if (c->automatic) {
		apply_spec(v, NULL);
		return;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->on[i])
			colset_add(&next, c->items[i].kind, c->items[i].key);
	apply_spec(v, &next);
}

/* The chooser takes every key while it is open. */
bool runs_cols_key(struct view *v, int ch, bool is_key)
{
	struct chooser *c = &P(v)->ch;
	size_t i;

	if (!c->dlg)
		return false;
	i = c->dlg->choice;
	if (is_key && ch == KEY_MOUSE)
		return true;
	if (!is_key && ch == ' ' && i < c->n) {
		c->on[i] = !c->on[i];
		c->automatic = false;
	} else if (((!is_key && ch == 'J') || (is_key && ch == KEY_SF)) &&
		   i + 1 < c->n) {
		chooser_swap(c, i, i + 1);
		c->dlg->choice++;
		c->automatic = false;
	} else if (((!is_key && ch == 'K') || (is_key && ch == KEY_SR)) &&
		   i > 0 && i < c->n) {
		chooser_swap(c, i, i - 1);
		c->dlg->choice--;
		c->automatic = false;
	} else if (!is_key && ch == 'a') {
		struct colset def = {0};

		colset_default(&def);
		chooser_fill(v, &def);
		runs_cols_free(&def);
		c->dlg->choice = 0;
		c->automatic = true;
		tui_message(v->tui, false, "the automatic columns: Enter "
			    "applies");
	} else if ((is_key && (ch == KEY_NPAGE || ch == KEY_PPAGE)) ||
		   (!is_key && (ch == 'g' || ch == 'G'))) {
		size_t page = 10;

		if (!is_key && ch == 'g')
			c->dlg->choice = 0;
		else if (!is_key && ch == 'G')
			c->dlg->choice = c->n ? c->n - 1 : 0;
		else if (ch == KEY_NPAGE)
			c->dlg->choice = i + page < c->n ? i + page
				: c->n ? c->n - 1 : 0;
		else
			c->dlg->choice = i > page ? i - page : 0;
	} else if (!is_key && ch == 'q') {
		runs_cols_close(c);
	} else {
		switch (dialog_key(c->dlg, ch, is_key)) {
		case DLG_OK:
			chooser_apply(v);
			runs_cols_close(c);
			break;
		case DLG_CANCEL:
			runs_cols_close(c);
			break;
		default:
			break;
		}
	}
	if (c->dlg)
		chooser_show(c);
	tui_dirty(v->tui);
	return true;
}
