/* store_rest_ops.c: each kind of REST op as a row: its endpoint, the
 * request for a page, what a reply merges into the model, and what is
 * done after the last page. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "store/rest_parse.h"
#include "store/search.h"
#include "store/store.h"
#include "store/store_rest.h"

/* --- requests ------------------------------------------------------------ */

static const char *view_type(const struct op *o)
{
	return o->rq.include_deleted ? "ALL" : "ACTIVE_ONLY";
}

/* "&page_token=..." for a query, or "" on the first page; caller frees. */
static char *page_arg(const struct op *o)
{
	char *t, *arg;

	if (!o->page)
		return xstrdup("");
	t = rest_url_escape(o->page);
	arg = xasprintf("&page_token=%s", t);
	free(t);
	return arg;
}

static json_t *experiments_body(const struct op *o)
{
	json_t *b = json_pack("{s:i, s:s}", "max_results", PAGE_EXPERIMENTS,
			      "view_type", view_type(o));

	if (o->page)
		json_object_set_new(b, "page_token", json_string(o->page));
	return b;
}

/* Running runs, or the run that started last, or the run that ended last
 * (MLflow sorts runs without an end last): last activity is the newest of
 * all starts and ends, as the SQLite backend reads it with max(). */
static json_t *counts_body(const struct op *o)
{
	bool running = o->counts == COUNT_RUNNING;
	json_t *b = json_pack("{s:[s], s:s, s:i}", "experiment_ids", o->exp_id,
			      "run_view_type", "ACTIVE_ONLY", "max_results",
			      running ? PAGE_RUNS : 1);

	if (running)
		json_object_set_new(b, "filter", json_string(
			"attributes.status = 'RUNNING'"));
	else
		json_object_set_new(b, "order_by", json_pack(
			"[s]", o->counts == COUNT_NEWEST_END
			? "attributes.end_time DESC"
			: "attributes.start_time DESC"));
	return b;
}

/* Runs matching a filter in every experiment known: a tag (made by
 * rest_load_tagged_runs) or an id prefix (rest_load_run_prefix). */
static json_t *tagged_body(const struct op *o)
{
	json_t *ids = json_array();
	json_t *b;

	for (size_t i = 0; i < o->nrun_ids; i++)
		json_array_append_new(ids, json_string(o->run_ids[i]));
	b = json_pack("{s:o, s:s, s:i, s:s}", "experiment_ids", ids,
		      "run_view_type", "ACTIVE_ONLY", "max_results", 500,
		      "filter", o->filter);
	if (o->page)
		json_object_set_new(b, "page_token", json_string(o->page));
	return b;
}

static json_t *runs_body(const struct op *o)
{
	long page = PAGE_RUNS;
	json_t *b;

	/* A server answers a small page sooner: the first screen comes
	 * from that, further pages are whole. */
	if (o->kind == OP_RUNS && o->rq.first_page && !o->more_op &&
	    o->pages == 0)
		page = FIRST_PAGE_RUNS;
	/* A window's page: as many as when it was first read. */
	if (o->win && o->win_size > 0)
		page = o->win_size;

	/* A search's max_results: no more than that many in one page. */
	if ((o->kind == OP_RUNS || o->kind == OP_SCAN) &&
	    o->rq.max_results > 0 && o->rq.max_results - o->done_rows < page)
		page = o->rq.max_results - o->done_rows;
	b = json_pack("{s:[s], s:s, s:I}", "experiment_ids", o->exp_id,
		      "run_view_type", view_type(o), "max_results",
		      (json_int_t)page);
	if ((o->kind == OP_RUNS || o->kind == OP_SCAN) && o->rq.search &&
	    search_order_count(o->rq.search)) {
		json_t *ob = json_array();

		for (size_t i = 0; i < search_order_count(o->rq.search); i++)
			json_array_append_new(ob, json_string(
				search_order_text(o->rq.search, i)));
		json_object_set_new(b, "order_by", ob);
	}
	if (o->filter)
		json_object_set_new(b, "filter", json_string(o->filter));
	if (o->page)
		json_object_set_new(b, "page_token", json_string(o->page));
	return b;
}

static char *history_query(const struct op *o)
{
	char *a = rest_url_escape(o->run_id), *k = rest_url_escape(o->key);
	char *t = page_arg(o);
	char *q = xasprintf("run_id=%s&metric_key=%s&max_results=%d%s", a, k,
			    PAGE_HISTORY, t);

	free(a);
	free(k);
	free(t);
	return q;
}

static char *bulk_query(const struct op *o)
{
	size_t len = 0, cap = 256;
	char *ids = xmalloc(cap), *k, *q;

	ids[0] = '\0';
	for (size_t i = 0; i < o->nrun_ids; i++) {
		char *e = rest_url_escape(o->run_ids[i]);

		ids = xgrow(ids, &cap, len + strlen(e) + 10, 1);
		len += (size_t)sprintf(ids + len, "run_ids=%s&", e);
		free(e);
	}
	k = rest_url_escape(o->key);
	q = xasprintf("%smetric_key=%s&start_step=%lld&end_step=%lld"
		      "&max_results=%d", ids, k, (long long)o->start_step,
		      (long long)o->end_step, BULK_MAX);
	free(k);
	free(ids);
	return q;
}

static char *run_query(const struct op *o)
{
	char *a = rest_url_escape(o->run_id), *q = xasprintf("run_id=%s", a);

	free(a);
	return q;
}

static char *models_query(const struct op *o)
{
	char *t = page_arg(o), *q = xasprintf("max_results=1000%s", t);

	free(t);
	return q;
}

static char *versions_query(const struct op *o)
{
	char *f = xasprintf("name='%s'", o->key), *fe = rest_url_escape(f);
	char *t = page_arg(o);
	char *q = xasprintf("filter=%s&max_results=10000%s", fe, t);

	free(t);
	free(fe);
	free(f);
	return q;
}

static char *model_get_query(const struct op *o)
{
	char *a = rest_url_escape(o->key), *q = xasprintf("name=%s", a);

	free(a);
	return q;
}

/* --- replies ------------------------------------------------------------- */

static int experiments_reply(struct op *o, const struct http_reply *r,
			     char **next, char **err)
{
	return rest_parse_experiments(o->s->model, r->body, r->len, next, err);
}

static int counts_reply(struct op *o, const struct http_reply *r,
			char **next, char **err)
{
	struct model *m = o->s->model;
	struct experiment *e = model_experiment(m, o->exp_id);
	json_t *root = json_loadb(r->body, r->len, 0, NULL);
	json_t *runs = root ? json_object_get(root, "runs") : NULL;
	size_t n = json_is_array(runs) ? json_array_size(runs) : 0;

	if (e && o->counts == COUNT_RUNNING) {
		e->nrunning = (int)n;
		/* A running run's newest point is activity too. */
		for (size_t i = 0; i < n; i++) {
			json_t *ms = json_object_get(json_object_get(
				json_array_get(runs, i), "data"), "metrics");
			size_t j;
			json_t *mt;

			json_array_foreach(ms, j, mt) {
				json_t *ts = json_object_get(mt, "timestamp");
				int64_t t = json_is_integer(ts)
					    ? json_integer_value(ts) : 0;

				if (t > e->last_activity)
					e->last_activity = t;
			}
		}
	} else if (e && n) {
		json_t *info = json_object_get(json_array_get(runs, 0), "info");
		json_t *st = json_object_get(info, "start_time");
		json_t *et = json_object_get(info, "end_time");
		int64_t a = json_is_integer(st) ? json_integer_value(st) : 0;
		int64_t b = json_is_integer(et) ? json_integer_value(et) : 0;

		if (a > e->last_activity)
			e->last_activity = a;
		if (b > e->last_activity)
			e->last_activity = b;
	}
	json_decref(root);
	return 0;
}

/* A reply's runs of experiment e, in its order (others dropped). */
static size_t runs_of(struct experiment *e, struct run **got, int n)
{
	size_t k = 0;

	for (int i = 0; i < n; i++)
		if (got[i] && experiment_run(e, got[i]->id) == got[i])
			got[k++] = got[i];
	return k;
}

static int runs_reply(struct op *o, const struct http_reply *r, char **next,
		      char **err)
{
	struct model *m = o->s->model;
	int64_t max_start = 0, cursor = 0;
	struct experiment *e = o->exp_id ? model_experiment(m, o->exp_id)
					 : NULL;
	bool first = o->kind == OP_RUNS && !o->more_op && o->rq.first_page;
	bool fresh = o->kind == OP_POLL_NEW && e && e->runs_paged;
	struct run **got = NULL;
	int n;

	if (e)
		cursor = e->runs_cursor;
	n = rest_parse_runs_got(m, r->body, r->len, next, &max_start, err,
				o->win || first || fresh ? &got : NULL);
	e = o->exp_id ? model_experiment(m, o->exp_id) : NULL;
	if (e && n > 0 && max_start > e->runs_cursor && o->kind != OP_POLL_LIVE)
		e->runs_cursor = max_start;
	if (n >= 0 && got && e) {
		size_t k = runs_of(e, got, n);

		if (o->win) {
			rest_window_page(o, e, got, k, *next);
		} else if (first) {
			free(o->got);
			o->got = got;
			o->ngot = k;
			got = NULL;
		} else {
			/* Runs that started since, not held yet. */
			size_t nf = 0;

			for (size_t i = 0; i < k; i++)
				if (got[i]->start_time > cursor &&
				    !got[i]->in_window)
					got[nf++] = got[i];
			rest_window_new(o->s, e, got, nf);
		}
	}
	free(got);
	return n;
}

/* A scan's page: its runs (the only ones the experiment holds: each page
 * is freed once handed out) go to the caller in the server's order, which
 * is MLflow's. */
static int scan_reply(struct op *o, const struct http_reply *r, char **next,
		      char **err)
{
	struct model *m = o->s->model;
	struct experiment *e = model_experiment(m, o->exp_id);
	int n = runs_reply(o, r, next, err);
	bool more = true;

	if (n < 0 || !e)
		return n;
	if (o->fn)
		more = o->fn(o->s, e->runs, e->nruns_loaded, o->fnud);
	experiment_free_runs(e);
	if (!more) {
		free(*next);
		*next = NULL;
	}
	return n;
}

static int history_reply(struct op *o, const struct http_reply *r,
			 char **next, char **err)
{
	struct run *run = model_find_run(o->s->model, o->run_id);
	struct series *ser = run ? run_series_upsert(run, o->key) : NULL;

	return ser ? rest_parse_history(ser, r->body, r->len, next, err) : 0;
}

static int bulk_reply(struct op *o, const struct http_reply *r, char **next,
		      char **err)
{
	return rest_parse_bulk_history(o->s->model, o->key, r->body, r->len,
				       err);
}

static int models_reply(struct op *o, const struct http_reply *r,
			char **next, char **err)
{
	return rest_parse_models(o->s->model, r->body, r->len, next, err);
}

static int versions_reply(struct op *o, const struct http_reply *r,
			  char **next, char **err)
{
	struct registered_model *rm = model_registered_upsert(o->s->model,
							      o->key);

	return rest_parse_versions(rm, r->body, r->len, next, err);
}

/* --- failures ------------------------------------------------------------ */

static void bulk_not_fetching(struct op *o)
{
	for (size_t i = 0; i < o->nrun_ids; i++) {
		struct run *run = model_find_run(o->s->model, o->run_ids[i]);
		struct series *ser = run ? run_series(run, o->key) : NULL;

		if (ser)
			ser->fetching = false;
	}
}

/* Its series may be asked for again: by get-history when the server
 * lacks bulk-interval, for good. */
static bool bulk_failed(struct op *o, const struct http_reply *r)
{
	bulk_not_fetching(o);
	if (r->status != 404)
		return false;
	impl(o->s)->no_bulk = true;
	rest_op_finish(o, true);
	return true;
}

static bool history_failed(struct op *o, const struct http_reply *r)
{
	struct run *run = model_find_run(o->s->model, o->run_id);
	struct series *ser = run ? run_series(run, o->key) : NULL;

	if (ser)
		ser->fetching = false;
	return false;
}

/* --- after the last page ------------------------------------------------- */

/* Experiments not in the reply leave the model (retired, as the lifetime
 * rule says). */
static void retire_unseen_experiments(struct model *m)
{
	model_remove_unseen_experiments(m);
}

/* Run counts cost three small requests an experiment, so they are asked
 * for at most every 30 s: the running runs, the run that started last and
 * the run that ended last. */
static void ask_counts(struct store *s, const struct store_req *req)
{
	struct model *m = s->model;

	for (size_t i = 0; i < m->nexps; i++) {
		for (int k = COUNT_RUNNING; k <= COUNT_NEWEST_END; k++) {
			struct op *o = rest_op_new(s, req, OP_COUNTS, NULL,
						   NULL);

			o->exp_id = xstrdup(m->exps[i]->id);
			o->counts = k;
			rest_send_op(o);
		}
	}
	impl(s)->counts_at = clock_now_ms();
}

static bool experiments_finish(struct op *o)
{
	struct store *s = o->s;
	struct model *m = s->model;

	retire_unseen_experiments(m);
	/* The REST API counts nothing: a run count is known once an
	 * experiment's runs are loaded. */
	for (size_t i = 0; i < m->nexps; i++)
		if (!m->exps[i]->runs_loaded)
			m->exps[i]->nruns = -1;
	m->exps_loaded = true;
	m->exps_include_deleted = o->rq.include_deleted;
	if (o->rq.want_counts &&
	    (clock_now_ms() - impl(s)->counts_at > 30000 ||
	     o->exp_id /* a first or different load */))
		ask_counts(s, &o->rq);
	return true;
}

static bool runs_finish(struct op *o)
{
	struct model *m = o->s->model;
	struct experiment *e = model_experiment(m, o->exp_id);

	model_set_progress(m, NULL);
	if (!e)
		return true;
	if (!o->more_op && o->more) {
		/* The first page holds every run started after its oldest:
		 * those not in it are gone; older ones wait for more_runs. */
		int64_t floor = INT64_MAX;

		for (size_t i = 0; i < e->nruns_loaded; i++)
			if (e->runs[i]->seen && e->runs[i]->start_time < floor)
				floor = e->runs[i]->start_time;
		experiment_remove_unseen_after(e, floor);
	} else if (!o->more_op) {
		experiment_remove_unseen(e);
	}
	if (o->win) {
		/* The window's move set runs_more and its places. */
		e->nruns = e->runs_total_more ? -1 : (int)e->runs_total;
		return true;
	}
	free(e->runs_more);
	e->runs_more = o->more;
	o->more = NULL;
	e->runs_loaded = true;
	e->params_loaded = true;
	e->runs_include_deleted = o->rq.include_deleted;
	e->nruns = e->runs_more ? -1 : (int)e->nruns_loaded;
	/* A first page: a window of the pages from here (the dashboard's
	 * runs view scrolls through them). */
	if (!o->more_op && o->rq.first_page)
		rest_window_first(o->s, e, o->got, o->ngot, e->runs_more);
	return true;
}

static bool scan_finish(struct op *o)
{
	model_set_progress(o->s->model, NULL);
	return true;
}

static bool poll_new_finish(struct op *o)
{
	rest_start_poll_live(o->s, o);
	return true;
}

static bool history_finish(struct op *o)
{
	struct run *run = model_find_run(o->s->model, o->run_id);
	struct series *ser = run ? run_series(run, o->key) : NULL;

	if (ser) {
		ser->fetching = false;
		ser->fetched = true;
		if (ser->n && !ser->has_latest) {
			ser->latest = ser->pts[ser->n - 1];
			ser->has_latest = true;
		}
		ser->want_step = ser->latest.step;
		ser->want_ts = ser->latest.timestamp;
	}
	return true;
}

static bool bulk_finish(struct op *o)
{
	for (size_t i = 0; i < o->nrun_ids; i++) {
		struct run *run = model_find_run(o->s->model, o->run_ids[i]);
		struct series *ser = run ? run_series(run, o->key) : NULL;

		if (ser) {
			ser->fetching = false;
			ser->want_step = ser->latest.step;
			ser->want_ts = ser->latest.timestamp;
		}
	}
	return true;
}

static bool models_finish(struct op *o)
{
	struct model *m = o->s->model;

	model_remove_unseen_registered(m);
	m->models_loaded = true;
	return true;
}

/* Then aliases and tags, from registered-models/get. */
static bool versions_finish(struct op *o)
{
	struct registered_model *rm = model_registered(o->s->model, o->key);

	if (rm) {
		registered_remove_unseen_versions(rm);
		rm->latest_version = rm->nversions ? rm->versions[0].version
						   : 0;
	}
	o->kind = OP_MODEL_GET;
	rest_send_op(o);
	return false;
}

static bool model_get_finish(struct op *o)
{
	struct registered_model *rm = model_registered(o->s->model, o->key);

	if (rm)
		rm->versions_loaded = true;
	return true;
}

/* --- the table ------------------------------------------------------------ */

const struct op_type rest_op_types[] = {
	[OP_EXPERIMENTS] = {
		.endpoint = "experiments/search",
		.body = experiments_body,
		.reply = experiments_reply,
		.finish = experiments_finish,
	},
	[OP_COUNTS] = {
		.endpoint = "runs/search",
		.body = counts_body,
		.reply = counts_reply,
	},
	[OP_RUNS] = {
		.endpoint = "runs/search",
		.progress = true,
		.body = runs_body,
		.reply = runs_reply,
		.finish = runs_finish,
	},
	[OP_SCAN] = {
		.endpoint = "runs/search",
		.progress = true,
		.body = runs_body,
		.reply = scan_reply,
		.finish = scan_finish,
	},
	[OP_POLL_NEW] = {
		.endpoint = "runs/search",
		.poll = true,
		.body = runs_body,
		.reply = runs_reply,
		.finish = poll_new_finish,
	},
	[OP_POLL_LIVE] = {
		.endpoint = "runs/search",
		.poll = true,
		.body = runs_body,
		.reply = runs_reply,
	},
	[OP_HISTORY] = {
		.endpoint = "metrics/get-history",
		.query = history_query,
		.reply = history_reply,
		.finish = history_finish,
		.failed = history_failed,
	},
	[OP_BULK] = {
		.endpoint = "metrics/get-history-bulk-interval",
		.ajax = true,
		.query = bulk_query,
		.reply = bulk_reply,
		.finish = bulk_finish,
		.failed = bulk_failed,
	},
	[OP_RUN] = {
		.endpoint = "runs/get",
		.query = run_query,
		.reply = runs_reply,
	},
	[OP_TAGGED] = {
		.endpoint = "runs/search",
		.body = tagged_body,
		.reply = runs_reply,
	},
	[OP_MODELS] = {
		.endpoint = "registered-models/search",
		.query = models_query,
		.reply = models_reply,
		.finish = models_finish,
	},
	[OP_VERSIONS] = {
		.endpoint = "model-versions/search",
		.query = versions_query,
		.reply = versions_reply,
		.finish = versions_finish,
	},
	[OP_MODEL_GET] = {
		.endpoint = "registered-models/get",
		.query = model_get_query,
		.reply = versions_reply,
		.finish = model_get_finish,
	},
	[OP_WRITE] = {
		.endpoint = "registry write",
		.send = rest_write_send,
		.advance = rest_write_advance,
	},
};
