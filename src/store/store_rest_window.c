/* store_rest_window.c: the runs view's window over a server's pages.
 *
 * A server pages runs in MLflow's order (start time, newest first) with
 * opaque page tokens that only go forward. The dashboard keeps the
 * token, size and start of every page it has seen (a few bytes each)
 * and holds the runs of at most STORE_WINDOW_PAGES of them: scrolling
 * down reads the next page and retires the first held, scrolling up
 * reads the page before again (its token kept) and retires the last, G
 * reads on page by page to the last (retiring as it goes), g reads the
 * first page again. Memory follows the screen, as on SQLite; only the
 * total is unknown until the last page was read (the view says "N+").
 * Private to src/store/store_rest*.c. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "store/store_rest.h"

struct rest_window *rest_window_of(struct store *s, const char *exp_id)
{
	struct rest_window *w = impl(s)->windows;

	while (w && strcmp(w->exp_id, exp_id) != 0)
		w = w->next;
	return w;
}

static void window_free(struct rest_window *w)
{
	for (size_t i = 0; i < w->npages; i++)
		free(w->pages[i].token);
	free(w->pages);
	free(w->exp_id);
	free(w);
}

void rest_windows_free(struct rest_store *rs)
{
	while (rs->windows) {
		struct rest_window *w = rs->windows;

		rs->windows = w->next;
		window_free(w);
	}
}

/* The experiment's window goes (every page is read from here on, or
 * they all fit in one): the model's fields say so. */
void rest_window_drop(struct store *s, struct experiment *e)
{
	struct rest_window **pp = &impl(s)->windows;

	while (*pp && strcmp((*pp)->exp_id, e->id) != 0)
		pp = &(*pp)->next;
	if (*pp) {
		struct rest_window *w = *pp;

		*pp = w->next;
		window_free(w);
	}
	e->runs_first = e->runs_end = e->runs_total = 0;
	e->runs_total_more = e->runs_paged = false;
	e->runs_unsorted = 0;
	for (size_t i = 0; i < e->nruns_loaded; i++)
		e->runs[i]->in_window = false;
}

/* Page i is known from here: its token (NULL: the first page), the
 * runs asked for and where it starts. */
static void page_set(struct rest_window *w, size_t i, const char *token,
		     long size, size_t start)
{
	if (i >= w->npages) {
		w->pages = xgrow(w->pages, &w->cap, i + 1, sizeof(*w->pages));
		memset(&w->pages[w->npages], 0,
		       (i + 1 - w->npages) * sizeof(*w->pages));
		w->npages = i + 1;
	}
	free(w->pages[i].token);
	w->pages[i].token = token ? xstrdup(token) : NULL;
	w->pages[i].size = size;
	w->pages[i].start = start;
}

/* The model's fields from the window. runs_more: the token of the page
 * after the window, "" when the window is at the end but not the top,
 * NULL when the window holds every run. */
static void window_sync(struct experiment *e, const struct rest_window *w)
{
	const struct rest_page *last = &w->pages[w->npages - 1];
	size_t known = last->start + last->n;

	e->runs_paged = true;
	e->runs_first = w->pages[w->first].start;
	e->runs_end = w->pages[w->end - 1].start + w->pages[w->end - 1].n;
	e->runs_total_more = !w->last;
	e->runs_total = known > e->runs_end ? known : e->runs_end;
	free(e->runs_more);
	if (w->end < w->npages)
		e->runs_more = xstrdup(w->pages[w->end].token
				       ? w->pages[w->end].token : "");
	else
		e->runs_more = w->first > 0 ? xstrdup("") : NULL;
}

struct span {
	int64_t lo, hi;    /* store_row in [lo, hi) */
};

static bool held_in(const struct run *r, void *ud)
{
	const struct span *sp = ud;

	return r->in_window && r->store_row >= sp->lo && r->store_row < sp->hi;
}

static void retire_span(struct experiment *e, int64_t lo, int64_t hi)
{
	struct span sp = { lo, hi };

	experiment_retire_if(e, held_in, &sp);
}

/* The runs of page i, in the server's order: their places. */
static void page_runs(struct rest_window *w, size_t i, struct run **got,
		      size_t n)
{
	w->pages[i].n = n;
	for (size_t k = 0; k < n; k++) {
		got[k]->in_window = true;
		got[k]->store_row = (int64_t)(w->pages[i].start + k);
	}
}

/* Memory follows the screen: another experiment's window goes when
 * one comes, with the runs it held (runs read another way stay); that
 * experiment reads its first page again when it is shown. */
static void release_others(struct store *s, const char *keep)
{
	struct rest_window **pp = &impl(s)->windows;

	while (*pp) {
		struct rest_window *w = *pp;
		struct experiment *x;

		if (!strcmp(w->exp_id, keep)) {
			pp = &w->next;
			continue;
		}
		x = model_experiment(s->model, w->exp_id);
		if (x)
			experiment_release_window(x);
		*pp = w->next;
		window_free(w);
	}
}

/* After a first page (a first open or a reload): the window is that
 * page; runs other pages held go. Nothing more to read: no window. */
void rest_window_first(struct store *s, struct experiment *e,
		       struct run **got, size_t n, const char *next)
{
	struct rest_window *w = rest_window_of(s, e->id);

	if (!next) {
		rest_window_drop(s, e);
		return;
	}
	release_others(s, e->id);
	if (!w) {
		w = xcalloc(1, sizeof(*w));
		w->exp_id = xstrdup(e->id);
		w->next = impl(s)->windows;
		impl(s)->windows = w;
	}
	for (size_t i = 0; i < w->npages; i++)
		free(w->pages[i].token);
	w->npages = 0;
	w->last = false;
	for (size_t k = 0; k < n; k++)
		got[k]->in_window = false;
	retire_span(e, INT64_MIN, INT64_MAX);   /* the old window's others */
	page_set(w, 0, NULL, FIRST_PAGE_RUNS, 0);
	page_runs(w, 0, got, n);
	page_set(w, 1, next, PAGE_RUNS, n);
	w->first = 0;
	w->end = 1;
	e->runs_unsorted = 0;
	window_sync(e, w);
}

/* A window op's page (o->win_page) came: its runs take their places,
 * the next page's token is kept, and the window moves to hold it,
 * retiring the page furthest from it beyond STORE_WINDOW_PAGES. */
void rest_window_page(struct op *o, struct experiment *e, struct run **got,
		      size_t n, const char *next)
{
	struct rest_window *w = rest_window_of(o->s, e->id);
	size_t i = o->win_page;

	if (!w || i >= w->npages)
		return;    /* a reload since: its window is another */
	if (o->win_jump) {
		retire_span(e, INT64_MIN, INT64_MAX);
		w->first = w->end = i;
		o->win_jump = false;
	}
	page_runs(w, i, got, n);
	if (i == 0)   /* the runs started since are in it */
		e->runs_unsorted = 0;
	if (next) {
		if (i + 1 < w->npages && w->pages[i + 1].token &&
		    !strcmp(w->pages[i + 1].token, next))
			w->pages[i + 1].start = w->pages[i].start + n;
		else
			page_set(w, i + 1, next, PAGE_RUNS,
				 w->pages[i].start + n);
	} else {
		for (size_t k = i + 1; k < w->npages; k++)
			free(w->pages[k].token);
		w->npages = i + 1;
		w->last = true;
	}
	if (i < w->first)
		w->first = i;
	if (i >= w->end)
		w->end = i + 1;
	if (w->end > w->npages)
		w->end = w->npages;
	while (w->end - w->first > STORE_WINDOW_PAGES) {
		if (i + 1 >= w->end) {
			retire_span(e, INT64_MIN,
				    (int64_t)w->pages[w->first + 1].start);
			w->first++;
		} else {
			retire_span(e, (int64_t)w->pages[w->end - 1].start,
				    INT64_MAX);
			w->end--;
		}
	}
	window_sync(e, w);
	if (o->win_walk && next)
		o->win_page = i + 1;
}

/* Runs that started since, from a poll: at the top of the window when
 * it holds the first page (every place moves down), else counted (r
 * reads the first page again). */
void rest_window_new(struct store *s, struct experiment *e,
		     struct run **fresh, size_t n)
{
	struct rest_window *w = rest_window_of(s, e->id);

	if (!w || !n)
		return;
	if (w->first > 0) {
		e->runs_unsorted += n;
		return;
	}
	for (size_t i = 0; i < e->nruns_loaded; i++)
		if (e->runs[i]->in_window)
			e->runs[i]->store_row += (int64_t)n;
	for (size_t k = 0; k < n; k++) {
		fresh[k]->in_window = true;
		fresh[k]->store_row = (int64_t)k;
	}
	w->pages[0].n += n;
	for (size_t i = 1; i < w->npages; i++)
		w->pages[i].start += n;
	window_sync(e, w);
}

/* A move of the window (store_req.window): the page holding req->at is
 * read, or every page on to the last (at SIZE_MAX), or the first again
 * (at 0, from further down). false: nothing to read (the window holds
 * it, or there is no window). */
bool rest_window_more(struct store *s, const struct store_req *req,
		      struct experiment *e, store_done_fn done, void *ud)
{
	struct rest_window *w = rest_window_of(s, e->id);
	size_t at = req->at, page;
	bool walk = false, jump = false;
	struct op *o;

	if (!w)
		return false;
	if (at == SIZE_MAX) {
		if (w->end >= w->npages)
			return false;   /* the last page is held */
		page = w->end;
		walk = true;
	} else if (at >= e->runs_end) {
		if (w->end >= w->npages)
			return false;
		page = w->end;
	} else if (at < e->runs_first) {
		jump = at == 0 && w->first > 1;
		page = jump ? 0 : w->first - 1;
	} else {
		return false;
	}
	o = rest_op_new(s, req, OP_RUNS, done, ud);
	o->more_op = true;
	o->exp_id = xstrdup(e->id);
	o->win = true;
	o->win_page = page;
	o->win_walk = walk;
	o->win_jump = jump;
	o->win_size = w->pages[page].size;
	o->page = w->pages[page].token ? xstrdup(w->pages[page].token) : NULL;
	/* A walk reads on page by page (each its own move). */
	o->rq.first_page = !walk;
	model_set_progress(s->model, walk ? "loading runs to the last…"
					  : "loading runs…");
	rest_send_op(o);
	return true;
}
