/* store_rest.c: an MLflow tracking server over its REST API.
 * Every request goes through the curl multi loop; a refresh asks only for
 * what changed, and a server that stops answering is retried with backoff. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "core/clock.h"
#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "net/http.h"
#include "store/credentials.h"
#include "store/rest_parse.h"
#include "store/search.h"
#include "store/store.h"
#include "store/store_rest.h"

/* --- small helpers ------------------------------------------------------- */

/* Percent-encode for a query string: metric keys may hold '/', ' ', '&'. */
char *rest_url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

static void op_free(struct store *s, struct op *o)
{
	struct rest_store *rs = impl(s);
	struct op **pp = &rs->ops;

	while (*pp && *pp != o)
		pp = &(*pp)->next;
	if (*pp)
		*pp = o->next;
	if (rest_op_types[o->kind].poll)
		rs->polls--;
	free(o->exp_id);
	free(o->run_id);
	free(o->key);
	for (size_t i = 0; i < o->nrun_ids; i++)
		free(o->run_ids[i]);
	free(o->run_ids);
	free(o->filter);
	free(o->page);
	free(o->more);
	free(o->got);
	free(o->seen);
	if (o->write)
		registry_write_free(o->write);
	if (o->scratch) {
		struct model tmp;

		/* A scratch model owns the registered model: free it so. */
		model_init(&tmp);
		tmp.models = xcalloc(1, sizeof(*tmp.models));
		tmp.models[0] = o->scratch;
		tmp.nmodels = tmp.capmodels = 1;
		model_free(&tmp);
	}
	free(o);
}

struct op *rest_op_new(struct store *s, const struct store_req *req,
		       enum op_kind kind, store_done_fn done, void *ud)
{
	struct rest_store *rs = impl(s);
	struct op *o = xcalloc(1, sizeof(*o));

	o->kind = kind;
	o->rq = store_req_copy(req);
	o->s = s;
	o->done = done;
	o->ud = ud;
	o->next = rs->ops;
	rs->ops = o;
	s->model->pending++;
	if (rest_op_types[kind].poll)
		rs->polls++;
	return o;
}

void rest_op_finish(struct op *o, bool ok)
{
	struct store *s = o->s;

	s->model->pending--;
	if (o->done)
		o->done(s, ok, o->ud);
	op_free(s, o);
	model_touch(s->model);
}

/* --- health: errors, staleness, backoff ------------------------------------ */

static void healthy(struct store *s)
{
	struct model *m = s->model;

	impl(s)->backoff_s = 0;
	if (m->stale_since || m->error) {
		m->stale_since = 0;
		m->retry_at = 0;
		model_set_error(m, NULL);
	}
	m->last_refresh_ms = clock_now_ms();
	model_touch(m);
}

/* The server did not answer, or answered 5xx/429: keep what is shown,
 * mark it stale, try again later, a little later each time. */
static void unhealthy(struct store *s, const char *why)
{
	struct rest_store *rs = impl(s);
	struct model *m = s->model;
	int64_t now = clock_now_ms();

	rs->backoff_s = rs->backoff_s ? rs->backoff_s * 2 : 1;
	if (rs->backoff_s > BACKOFF_MAX_S)
		rs->backoff_s = BACKOFF_MAX_S;
	if (!m->stale_since)
		m->stale_since = now;
	m->retry_at = now + rs->backoff_s * 1000;
	model_set_error(m, why);
}

/* Refuse to send while backing off, unless the user asked (full load). */
static bool backing_off(struct store *s, bool forced)
{
	struct model *m = s->model;

	if (forced) {
		m->retry_at = 0;
		return false;
	}
	return m->retry_at && clock_now_ms() < m->retry_at;
}

const char *rest_op_ep(const struct op *o)
{
	return o->ep ? o->ep : rest_op_types[o->kind].endpoint;
}

/* What went wrong with a reply, in the words users see (issue3 spec). */
static char *reply_problem(struct store *s, const struct op *o,
			   const struct http_reply *r, bool *transient)
{
	const char *who = impl(s)->cred.described;
	char *code = NULL, *msg = NULL, *out;

	*transient = false;
	if (r->error) {
		/* A reply that started and broke off is a bad reply; one that
		 * never came means the server is away. */
		if (r->status > 0)
			return xasprintf("bad reply to %s: %s", rest_op_ep(o),
					 r->error);
		*transient = true;
		return xasprintf("%s", r->error);
	}
	if (r->status >= 200 && r->status < 300)
		return NULL;
	bool plain = false;

	if (rest_parse_error(r->body ? r->body : "", r->len, &code, &msg) != 0 &&
	    r->body && r->len) {
		/* Not MLflow's JSON: basic-auth answers in plain text, whose
		 * first line is worth showing; an HTML page is not. */
		const char *b = r->body + strspn(r->body, " \t\r\n");
		size_t n = strcspn(b, "\r\n");
		char *line = xstrndup(b, n > 200 ? 200 : n);

		if (*b != '<') {
			msg = sanitize_text(line);
			plain = true;
		}
		free(line);
		if (msg && !*msg) {
			free(msg);
			msg = NULL;
		}
	}
	if (r->status == 401) {
		out = xasprintf("not authenticated (HTTP 401): %s; sent %s",
				msg ? msg : "credentials refused", who);
	} else if (r->status == 403) {
		out = xasprintf("permission denied (HTTP 403): %s; as %s",
				msg ? msg : "refused", who);
	} else if (r->status >= 300 && r->status < 400) {
		/* Not followed: a redirect may lead to another host, and the
		 * credentials with it. Where it points, without any
		 * user:password it may hold. */
		struct tracking_uri u;
		char *safe = NULL;

		if (r->location && uri_parse(r->location, &u, NULL) == 0 &&
		    u.kind == URI_HTTP) {
			char *api = strstr(u.display, "/api/2.0/");

			if (!api)
				api = strstr(u.display, "/ajax-api/2.0/");
			if (api)
				*api = '\0';  /* the base the API sits under */
			safe = sanitize_text(u.display);
			uri_free(&u);
		} else if (r->location) {
			safe = sanitize_text(r->location);
		}
		out = safe ? xasprintf("%s: the server redirects to %s (HTTP "
				       "%ld); mltop does not follow "
				       "redirects: use that address as the "
				       "tracking URI", rest_op_ep(o), safe,
				       r->status)
			   : xasprintf("%s: HTTP %ld, a redirect with no "
				       "Location (not an MLflow reply)",
				       rest_op_ep(o), r->status);
		free(safe);
	} else if (code || (msg && !plain)) {
		out = xasprintf("%s: %s (HTTP %ld)", code ? code : "ERROR",
				msg ? msg : "", r->status);
	} else if (msg) {
		out = xasprintf("%s: HTTP %ld: %s", rest_op_ep(o), r->status, msg);
	} else {
		out = xasprintf("%s: HTTP %ld (not an MLflow reply)", rest_op_ep(o),
				r->status);
	}
	*transient = r->status >= 500 || r->status == 429;
	free(code);
	free(msg);
	return out;
}

/* --- sending ----------------------------------------------------------------- */

static void on_reply(void *ud, const struct http_reply *r);

void rest_send_get(struct op *o, const char *query)
{
	struct rest_store *rs = impl(o->s);
	char *url = xasprintf("%s%s?%s",
			      rest_op_types[o->kind].ajax ? rs->ajax : rs->api,
			      rest_op_ep(o), query);

	o->req = http_start(rs->http, "GET", url, NULL, on_reply, o);
	free(url);
}

void rest_send_body(struct op *o, const char *method, json_t *body)
{
	struct rest_store *rs = impl(o->s);
	char *url = xasprintf("%s%s", rs->api, rest_op_ep(o));
	char *text = json_dumps(body, JSON_COMPACT);

	o->req = http_start(rs->http, method, url, text, on_reply, o);
	free(text);
	free(url);
	json_decref(body);
}

/* The op's next request, as its row in rest_op_types says. */
void rest_send_op(struct op *o)
{
	const struct op_type *t = &rest_op_types[o->kind];

	if (t->send) {
		t->send(o);
	} else if (t->query) {
		char *q = t->query(o);

		rest_send_get(o, q);
		free(q);
	} else {
		rest_send_body(o, "POST", t->body(o));
	}
}

/* --- replies ------------------------------------------------------------------ */

/* A reply that went wrong: reported (a server away: stale, retried
 * later), the op finished as failed. */
static void reply_failed(struct op *o, const struct http_reply *r,
			 char *problem, bool transient)
{
	const struct op_type *t = &rest_op_types[o->kind];

	if (t->failed && t->failed(o, r)) {
		free(problem);
		return;
	}
	if (transient)
		unhealthy(o->s, problem);
	else
		model_set_error(o->s->model, problem);
	free(problem);
	rest_op_finish(o, false);
}

static uint64_t token_hash(const char *t)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *t; t++)
		h = (h ^ (unsigned char)*t) * 1099511628211ULL;
	return h;
}

/* A reply promised another page (o->page): why not to ask for it, or
 * NULL. Stops a server that repeats a token (a loop), sends empty pages
 * forever, or more pages or rows than one request may take. */
static char *page_limit(struct op *o, int rows)
{
	uint64_t h = token_hash(o->page);

	for (int i = 0; i + 1 < o->pages; i++)
		if (o->seen[i] == h)
			return xasprintf("the server sent a page token it had "
					 "sent before (after %d pages); "
					 "stopped reading, the listing would "
					 "never end", o->pages);
	o->empty_pages = rows > 0 ? 0 : o->empty_pages + 1;
	if (o->empty_pages >= MAX_EMPTY_PAGES)
		return xasprintf("the server sent %d empty pages in a row, "
				 "each promising more; stopped reading",
				 o->empty_pages);
	if (o->pages >= MAX_PAGES || o->done_rows >= MAX_ROWS)
		return xasprintf("the server has more than %d pages or %ld "
				 "rows for one request (read %d pages, %ld "
				 "rows); stopped reading", MAX_PAGES,
				 MAX_ROWS, o->pages, o->done_rows);
	o->seen = xreallocarray(o->seen, (size_t)o->pages, sizeof(*o->seen));
	o->seen[o->pages - 1] = h;
	return NULL;
}

static void on_reply(void *ud, const struct http_reply *r)
{
	struct op *o = ud;
	const struct op_type *t = &rest_op_types[o->kind];
	struct store *s = o->s;
	struct model *m = s->model;
	bool transient, ok;
	char *problem = reply_problem(s, o, r, &transient), *err = NULL;
	char *next = NULL;
	int n = 0;

	o->req = NULL;
	if (impl(s)->log)
		fprintf(impl(s)->log, "%s %ld %zu %.3f %s\n", t->endpoint,
			r->status, r->len, r->seconds, r->error ? r->error : "");
	if (problem) {
		reply_failed(o, r, problem, transient);
		return;
	}
	if (t->advance) {
		if (!t->advance(o, r, &ok)) {
			rest_send_op(o);
			return;
		}
		if (ok)
			healthy(s);
		rest_op_finish(o, ok);
		return;
	}
	if (t->reply)
		n = t->reply(o, r, &next, &err);
	if (n < 0) {
		char *msg = xasprintf("bad reply to %s: %s", t->endpoint, err);

		model_set_error(m, msg);
		free(msg);
		free(err);
		free(next);
		rest_op_finish(o, false);
		return;
	}
	healthy(s);
	o->done_rows += n;
	o->pages++;
	free(o->page);
	o->page = next && *next ? next : NULL;
	if (!o->page)
		free(next);
	/* A search asked for at most max_results runs: enough. */
	if (o->page && (o->kind == OP_RUNS || o->kind == OP_SCAN) &&
	    o->rq.max_results > 0 && o->done_rows >= o->rq.max_results) {
		free(o->page);
		o->page = NULL;
	}
	/* The dashboard reads further pages as the user scrolls to them. */
	if (o->page && o->kind == OP_RUNS && o->rq.first_page) {
		o->more = o->page;
		o->page = NULL;
	}
	if (o->page && (err = page_limit(o, n)) != NULL) {
		char *msg = xasprintf("%s: %s", t->endpoint, err);

		model_set_error(m, msg);
		free(msg);
		free(err);
		rest_op_finish(o, false);
		return;
	}
	if (o->page) {
		if (t->progress) {
			char buf[64];

			snprintf(buf, sizeof(buf), "loading runs %ld…",
				 o->done_rows);
			model_set_progress(m, buf);
		}
		rest_send_op(o);
		return;
	}
	/* The last page. */
	if (!t->finish || t->finish(o))
		rest_op_finish(o, true);
}

/* --- ops ------------------------------------------------------------------ */

static void rest_load_experiments(struct store *s, const struct store_req *req, store_done_fn done,
				  void *ud)
{
	struct model *m = s->model;
	struct op *o;

	if (backing_off(s, req && req->forced)) {
		if (done)
			done(s, false, ud);
		return;
	}
	for (size_t i = 0; i < m->nexps; i++)
		m->exps[i]->seen = false;
	o = rest_op_new(s, req, OP_EXPERIMENTS, done, ud);
	/* A first load, or a load with a different view, recounts. */
	if (!m->exps_loaded ||
	    m->exps_include_deleted != (req && req->include_deleted))
		o->exp_id = xstrdup("");
	rest_send_op(o);
}

/* A load (OP_RUNS) keeps every page in the model; a scan (OP_SCAN)
 * hands each page to fn and frees it. */
static void start_runs_op(struct store *s, const struct store_req *req,
			  struct experiment *e, enum op_kind kind,
			  store_runs_fn fn, void *fnud, store_done_fn done,
			  void *ud)
{
	struct op *o;

	if (backing_off(s, req && req->forced)) {
		if (done)
			done(s, false, ud);
		return;
	}
	if (kind == OP_RUNS)
		for (size_t i = 0; i < e->nruns_loaded; i++)
			e->runs[i]->seen = false;
	o = rest_op_new(s, req, kind, done, ud);
	o->exp_id = xstrdup(e->id);
	o->fn = fn;
	o->fnud = fnud;
	if (req && req->search && search_has_filter(req->search))
		o->filter = xstrdup(search_filter_text(req->search));
	model_set_progress(s->model, "loading runs…");
	rest_send_op(o);
}

/* The pages a first_page load left: one op an experiment at a time. */
static void rest_more_runs(struct store *s, const struct store_req *req,
			   struct experiment *e, store_done_fn done, void *ud)
{
	struct op *o;
	char *page;

	for (o = impl(s)->ops; o; o = o->next)
		if (o->more_op && !strcmp(o->exp_id, e->id))
			break;
	if (o || !e->runs_more || backing_off(s, false)) {
		/* Under way: asked for all, it reads all (a window's move
		 * reads its page; the view asks again after). */
		if (o && !o->win && req && !req->first_page)
			o->rq.first_page = false;
		if (done)
			done(s, o != NULL, ud);
		return;
	}
	if (e->runs_paged && req && req->window) {
		if (!rest_window_more(s, req, e, done, ud) && done)
			done(s, true, ud);
		return;
	}
	page = xstrdup(e->runs_more);
	if (e->runs_paged) {
		/* Every page from here on (an order or a filter of the
		 * view's own): no window; from the first page again when
		 * the window left it. */
		struct rest_window *w = rest_window_of(s, e->id);

		free(page);
		page = w && w->first == 0 && w->end < w->npages &&
		       w->pages[w->end].token
			? xstrdup(w->pages[w->end].token) : NULL;
		rest_window_drop(s, e);
	}
	o = rest_op_new(s, req, OP_RUNS, done, ud);
	o->more_op = true;
	o->exp_id = xstrdup(e->id);
	o->page = page;
	if (req && req->search && search_has_filter(req->search))
		o->filter = xstrdup(search_filter_text(req->search));
	model_set_progress(s->model, "loading runs…");
	rest_send_op(o);
}

static void rest_load_runs(struct store *s, const struct store_req *req, struct experiment *e,
			   store_done_fn done, void *ud)
{
	start_runs_op(s, req, e, OP_RUNS, NULL, NULL, done, ud);
}

static void rest_scan_runs(struct store *s, const struct store_req *req,
			   struct experiment *e, store_runs_fn fn, void *fnud,
			   store_done_fn done, void *ud)
{
	start_runs_op(s, req, e, OP_SCAN, fn, fnud, done, ud);
}

/* A poll is two searches: runs that started since the newest one seen,
 * then the runs mltop holds as live (their status and latest metrics),
 * in chunks of run ids. Finished runs cost nothing. */
static void rest_poll_runs(struct store *s, const struct store_req *req, struct experiment *e,
			   store_done_fn done, void *ud)
{
	struct op *o;

	if (!e->runs_loaded) {
		rest_load_runs(s, req, e, done, ud);
		return;
	}
	if (backing_off(s, false)) {
		if (done)
			done(s, false, ud);
		return;
	}
	o = rest_op_new(s, req, OP_POLL_NEW, done, ud);
	o->exp_id = xstrdup(e->id);
	/* MLflow's filters have no parentheses: the search's clauses and
	 * this one are all ANDed. */
	if (req && req->search && search_has_filter(req->search))
		o->filter = xasprintf("%s and attributes.start_time >= %lld",
				      search_filter_text(req->search),
				      (long long)e->runs_cursor);
	else
		o->filter = xasprintf("attributes.start_time >= %lld",
				      (long long)e->runs_cursor);
	rest_send_op(o);
}

void rest_start_poll_live(struct store *s, struct op *parent)
{
	struct experiment *e = model_experiment(s->model, parent->exp_id);
	size_t k = 0;

	if (!e)
		return;
	while (k < e->nruns_loaded) {
		size_t len = 0, cap = 64, n = 0;
		char *list = xmalloc(cap);
		struct op *o;

		list[0] = '\0';
		for (; k < e->nruns_loaded && n < IN_CHUNK; k++) {
			struct run *r = e->runs[k];

			if (r->status != RUN_RUNNING &&
			    r->status != RUN_SCHEDULED)
				continue;
			list = xgrow(list, &cap, len + strlen(r->id) + 8, 1);
			len += (size_t)sprintf(list + len, "%s'%s'",
					       n ? ", " : "", r->id);
			n++;
		}
		if (n) {
			o = rest_op_new(s, &parent->rq, OP_POLL_LIVE, NULL, NULL);
			o->exp_id = xstrdup(e->id);
			o->filter = xasprintf("attributes.run_id IN (%s)", list);
			rest_send_op(o);
		}
		free(list);
	}
}

static void rest_load_run(struct store *s, const struct store_req *req, const char *run_id,
			  store_done_fn done, void *ud)
{
	struct op *o;

	if (backing_off(s, req && req->forced)) {
		if (done)
			done(s, false, ud);
		return;
	}
	o = rest_op_new(s, req, OP_RUN, done, ud);
	o->run_id = xstrdup(run_id);
	rest_send_op(o);
}

static void rest_load_tagged_runs(struct store *s,
				  const struct store_req *req, const char *key,
				  const char *value, store_done_fn done,
				  void *ud)
{
	struct model *m = s->model;
	struct op *o;

	/* A quote or backtick cannot be written in MLflow's filter syntax
	 * safely; no run is tagged with such a key or value by mltop's
	 * convention. */
	if (backing_off(s, req && req->forced) || !m->nexps ||
	    strpbrk(key, "`'\\") || strpbrk(value, "'\\")) {
		if (done)
			done(s, !m->error, ud);
		return;
	}
	o = rest_op_new(s, req, OP_TAGGED, done, ud);
	o->run_ids = xmalloc(m->nexps * sizeof(*o->run_ids));
	for (size_t i = 0; i < m->nexps; i++)
		o->run_ids[o->nrun_ids++] = xstrdup(m->exps[i]->id);
	o->filter = xasprintf("tags.`%s` = '%s'", key, value);
	rest_send_op(o);
}

static void rest_load_run_prefix(struct store *s,
				 const struct store_req *req,
				 const char *prefix, store_done_fn done,
				 void *ud)
{
	struct model *m = s->model;
	struct op *o;

	if (backing_off(s, req && req->forced) || !m->nexps ||
	    strspn(prefix, "0123456789abcdefABCDEF") != strlen(prefix)) {
		if (done)
			done(s, !m->error, ud);
		return;
	}
	o = rest_op_new(s, req, OP_TAGGED, done, ud);
	o->run_ids = xmalloc(m->nexps * sizeof(*o->run_ids));
	for (size_t i = 0; i < m->nexps; i++)
		o->run_ids[o->nrun_ids++] = xstrdup(m->exps[i]->id);
	o->filter = xasprintf("attributes.run_id LIKE '%s%%'", prefix);
	rest_send_op(o);
}

/* A first fetch reads the whole history (paged); a refresh of a series
 * already held is batched with the others of this loop pass into one
 * bulk-interval request a metric key, from the last step held. */
static void rest_load_history(struct store *s, const struct store_req *req, struct run *r,
			      struct series *ser, store_done_fn done, void *ud)
{
	struct rest_store *rs = impl(s);
	int64_t from = ser->n ? ser->pts[ser->n - 1].step : 0;
	struct op *o;

	if (backing_off(s, false)) {
		if (done)
			done(s, false, ud);
		return;
	}
	ser->fetching = true;
	if (ser->fetched && !rs->no_bulk && ser->has_latest &&
	    ser->latest.step - from < BULK_MAX && !done) {
		rs->hist = xgrow(rs->hist, &rs->caphist, rs->nhist + 1,
				 sizeof(*rs->hist));
		rs->hist[rs->nhist].run_id = xstrdup(r->id);
		rs->hist[rs->nhist].key = xstrdup(ser->key);
		rs->hist[rs->nhist].from_step = from;
		rs->hist[rs->nhist].to_step = ser->latest.step;
		rs->nhist++;
		s->model->pending++; /* settled when the batch goes out */
		return;
	}
	o = rest_op_new(s, req, OP_HISTORY, done, ud);
	o->run_id = xstrdup(r->id);
	o->key = xstrdup(ser->key);
	rest_send_op(o);
}

static void rest_load_models(struct store *s, const struct store_req *req, store_done_fn done, void *ud)
{
	struct model *m = s->model;

	if (backing_off(s, req && req->forced)) {
		if (done)
			done(s, false, ud);
		return;
	}
	for (size_t i = 0; i < m->nmodels; i++)
		m->models[i]->seen = false;
	rest_send_op(rest_op_new(s, req, OP_MODELS, done, ud));
}

static void rest_load_versions(struct store *s, const struct store_req *req, const char *model,
			       store_done_fn done, void *ud)
{
	struct registered_model *rm;
	struct op *o;

	if (backing_off(s, req && req->forced)) {
		if (done)
			done(s, false, ud);
		return;
	}
	rm = model_registered_upsert(s->model, model);
	for (size_t i = 0; i < rm->nversions; i++)
		rm->versions[i].seen = false;
	o = rest_op_new(s, req, OP_VERSIONS, done, ud);
	o->key = xstrdup(model);
	rest_send_op(o);
}

static void rest_registry_write(struct store *s,
				const struct registry_write *w,
				store_done_fn done, void *ud)
{
	struct op *o;

	if (s->read_only) {
		model_set_error(s->model, "read-only: writes are disabled "
				"(--read-only)");
		if (done)
			done(s, false, ud);
		return;
	}
	o = rest_op_new(s, NULL, OP_WRITE, done, ud);
	o->write = registry_write_copy(w);
	o->step = WS_READ_MODEL;
	rest_send_op(o);
}

static int cmp_hist(const void *a, const void *b)
{
	const struct pending_hist *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* Send the batched history refreshes: one request a key and 100 runs. */
static void flush_history(struct store *s)
{
	struct rest_store *rs = impl(s);
	size_t i = 0;

	if (!rs->nhist)
		return;
	qsort(rs->hist, rs->nhist, sizeof(*rs->hist), cmp_hist);
	while (i < rs->nhist) {
		struct op *o = rest_op_new(s, NULL, OP_BULK, NULL, NULL);
		size_t j = i;

		o->key = xstrdup(rs->hist[i].key);
		o->start_step = rs->hist[i].from_step;
		o->end_step = rs->hist[i].to_step;
		o->run_ids = xcalloc(BULK_RUNS, sizeof(*o->run_ids));
		while (j < rs->nhist && j - i < BULK_RUNS &&
		       strcmp(rs->hist[j].key, o->key) == 0) {
			if (rs->hist[j].from_step < o->start_step)
				o->start_step = rs->hist[j].from_step;
			if (rs->hist[j].to_step > o->end_step)
				o->end_step = rs->hist[j].to_step;
			o->run_ids[o->nrun_ids++] = rs->hist[j].run_id;
			free(rs->hist[j].key);
			j++;
		}
		rest_send_op(o);
		i = j;
	}
	s->model->pending -= (int)rs->nhist;
	rs->nhist = 0;
}

static int rest_pollfds(struct store *s, struct pollfd *fds, int max,
			int *timeout_ms)
{
	struct rest_store *rs = impl(s);

	if (rs->nhist && !rs->polls)
		*timeout_ms = 0;
	return http_pollfds(rs->http, fds, max, timeout_ms);
}

static void rest_dispatch(struct store *s, struct pollfd *fds, int nfds)
{
	if (!impl(s)->polls)
		flush_history(s);
	http_dispatch(impl(s)->http, fds, nfds);
}

/* --- open and close ------------------------------------------------------ */

/* Credentials in the URL (http://user:password@host) are what curl sends
 * when no variable or file gives any: messages say so, instead of "no
 * credentials". */
static void url_credentials(const char *url, struct credentials *c)
{
	const char *auth = strstr(url, "://"), *end, *at = NULL, *colon;
	char *user, *safe;

	if (!auth || c->user || c->token)
		return;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return;
	colon = memchr(auth, ':', (size_t)(at - auth));
	free(c->described);
	if (!colon) {
		c->described = xstrdup("the token in the URL");
		return;
	}
	user = xstrndup(auth, (size_t)(colon - auth));
	safe = sanitize_text(user);
	c->described = xasprintf("user '%s' from the URL", safe);
	free(safe);
	free(user);
}

static int rest_open(struct store *s, char **err)
{
	struct rest_store *rs = xcalloc(1, sizeof(*rs));
	struct http_config cfg = {0};
	double timeout = opt_number(OPT_HTTP_TIMEOUT);

	s->impl = rs;
	if (credentials_load(&rs->cred, err) != 0)
		return -1;
	url_credentials(s->uri.path, &rs->cred);
	credentials_apply(&rs->cred, &cfg);
	cfg.timeout_ms = (long)(timeout * 1000);
	cfg.connect_timeout_ms = cfg.timeout_ms < 10000 ? cfg.timeout_ms
							: 10000;
	cfg.max_body = 64u << 20;
	cfg.max_parallel = 6;
	rs->http = http_new(&cfg, err);
	if (!rs->http)
		return -1;
	if (getenv("MLTOP_HTTP_LOG") && *getenv("MLTOP_HTTP_LOG")) {
		rs->log = fopen(getenv("MLTOP_HTTP_LOG"), "a");
		if (rs->log)
			setvbuf(rs->log, NULL, _IOLBF, 0);
	}
	rs->api = xasprintf("%s/api/2.0/mlflow/", s->uri.path);
	rs->ajax = xasprintf("%s/ajax-api/2.0/mlflow/", s->uri.path);
	return 0;
}

static void rest_close(struct store *s)
{
	struct rest_store *rs = impl(s);

	if (!rs)
		return;
	if (getenv("MLTOP_STATS") && rs->http)
		fprintf(stderr, "http: %llu requests, %llu bytes\n",
			(unsigned long long)http_requests(rs->http),
			(unsigned long long)http_bytes(rs->http));
	if (rs->http)
		http_free(rs->http);
	while (rs->ops)
		op_free(s, rs->ops);
	rest_windows_free(rs);
	for (size_t i = 0; i < rs->nhist; i++) {
		free(rs->hist[i].run_id);
		free(rs->hist[i].key);
	}
	free(rs->hist);
	credentials_free(&rs->cred);
	if (rs->log)
		fclose(rs->log);
	free(rs->api);
	free(rs->ajax);
	free(rs);
	s->impl = NULL;
}

static int rest_stats(struct store *s, char *buf, size_t n)
{
	struct rest_store *rs = impl(s);

	return snprintf(buf, n, "http: %llu requests, %llu bytes",
			(unsigned long long)http_requests(rs->http),
			(unsigned long long)http_bytes(rs->http));
}

const struct store_ops store_rest_ops = {
	.name = "rest",
	.open = rest_open,
	.close = rest_close,
	.load_experiments = rest_load_experiments,
	.load_runs = rest_load_runs,
	.scan_runs = rest_scan_runs,
	.poll_runs = rest_poll_runs,
	.more_runs = rest_more_runs,
	.load_history = rest_load_history,
	.load_run = rest_load_run,
	.load_tagged_runs = rest_load_tagged_runs,
	.load_run_prefix = rest_load_run_prefix,
	.load_models = rest_load_models,
	.load_versions = rest_load_versions,
	.registry_write = rest_registry_write,
	.pollfds = rest_pollfds,
	.dispatch = rest_dispatch,
	.stats = rest_stats,
};

