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
#include "store/store.h"

#define PAGE_RUNS 1000
#define PAGE_EXPERIMENTS 1000
#define PAGE_HISTORY 25000
#define BULK_RUNS 100          /* the server's limit on run_ids */
#define BULK_MAX 2500          /* and on max_results */
#define IN_CHUNK 100           /* run ids in one "run_id IN (...)" */
#define BACKOFF_MAX_S 30

enum op_kind {
	OP_EXPERIMENTS,
	OP_COUNTS,
	OP_RUNS,
	OP_POLL_NEW,
	OP_POLL_LIVE,
	OP_HISTORY,
	OP_BULK,
	OP_RUN,
	OP_MODELS,
	OP_VERSIONS,
	OP_MODEL_GET,
	OP_WRITE,
};

static const char *const op_endpoint[] = {
	[OP_EXPERIMENTS] = "experiments/search",
	[OP_COUNTS] = "runs/search",
	[OP_RUNS] = "runs/search",
	[OP_POLL_NEW] = "runs/search",
	[OP_POLL_LIVE] = "runs/search",
	[OP_HISTORY] = "metrics/get-history",
	[OP_BULK] = "metrics/get-history-bulk-interval",
	[OP_RUN] = "runs/get",
	[OP_MODELS] = "registered-models/search",
	[OP_VERSIONS] = "model-versions/search",
	[OP_MODEL_GET] = "registered-models/get",
	[OP_WRITE] = "registry write",
};

struct rest_store;

/* One logical request (which may take several pages). */
struct op {
	enum op_kind kind;
	struct store *s;
	struct store_req rq;     /* as given when asked */
	char *exp_id;
	char *run_id;            /* OP_HISTORY, OP_RUN */
	char *key;               /* OP_HISTORY, OP_BULK */
	char **run_ids;          /* OP_BULK, OP_POLL_LIVE; owned */
	size_t nrun_ids;
	char *filter;            /* runs/search filter; owned */
	int64_t start_step, end_step;
	char *page;              /* next_page_token, owned */
	int pages;
	long done_rows;
	bool counts_running;     /* OP_COUNTS: the RUNNING count request */
	struct http_req *req;
	struct registry_write *write;   /* OP_WRITE: a deep copy, owned */
	int step;                /* OP_WRITE: where the sequence is */
	const char *ep;          /* OP_WRITE: the endpoint of this step */
	struct registered_model *scratch; /* OP_WRITE: state read back */
	size_t move;             /* OP_WRITE: the stage move under way */
	store_done_fn done;
	void *ud;
	struct op *next;         /* all live ops, for close */
};


struct rest_store {
	struct http *http;
	struct credentials cred;
	char *api;               /* base URL + /api/2.0/mlflow/ */
	char *ajax;              /* base URL + /ajax-api/2.0/mlflow/: MLflow
				  * serves bulk-interval only there */
	struct op *ops;
	int backoff_s;
	bool no_bulk;            /* the server lacks bulk-interval */
	int64_t counts_at;       /* wall ms of the last run counts */
	FILE *log;               /* MLTOP_HTTP_LOG: a line a reply */
	int polls;               /* poll searches in flight: history
				  * refreshes wait for all of them, so one
				  * refresh asks once a key */
	/* History refreshes asked for in this loop pass, sent in one go. */
	struct pending_hist {
		char *run_id, *key;
		int64_t from_step, to_step;
	} *hist;
	size_t nhist, caphist;
};

static struct rest_store *impl(struct store *s)
{
	return s->impl;
}

/* --- small helpers ------------------------------------------------------- */

/* Percent-encode for a query string: metric keys may hold '/', ' ', '&'. */
static char *url_escape(const char *s)
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
	if (o->kind == OP_POLL_NEW || o->kind == OP_POLL_LIVE)
		rs->polls--;
	free(o->exp_id);
	free(o->run_id);
	free(o->key);
	for (size_t i = 0; i < o->nrun_ids; i++)
		free(o->run_ids[i]);
	free(o->run_ids);
	free(o->filter);
	free(o->page);
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

static struct op *op_new(struct store *s, const struct store_req *req,
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
	if (kind == OP_POLL_NEW || kind == OP_POLL_LIVE)
		rs->polls++;
	return o;
}

static void op_finish(struct op *o, bool ok)
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

static const char *op_ep(const struct op *o)
{
	return o->ep ? o->ep : op_endpoint[o->kind];
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
			return xasprintf("bad reply to %s: %s", op_ep(o),
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
	} else if (code || (msg && !plain)) {
		out = xasprintf("%s: %s (HTTP %ld)", code ? code : "ERROR",
				msg ? msg : "", r->status);
	} else if (msg) {
		out = xasprintf("%s: HTTP %ld: %s", op_ep(o), r->status, msg);
	} else {
		out = xasprintf("%s: HTTP %ld (not an MLflow reply)", op_ep(o),
				r->status);
	}
	*transient = r->status >= 500 || r->status == 429;
	free(code);
	free(msg);
	return out;
}

/* --- sending ----------------------------------------------------------------- */

static void on_reply(void *ud, const struct http_reply *r);

static void send_get(struct op *o, const char *query)
{
	struct rest_store *rs = impl(o->s);
	char *url = xasprintf("%s%s?%s",
			      o->kind == OP_BULK ? rs->ajax : rs->api,
			      op_ep(o), query);

	o->req = http_start(rs->http, "GET", url, NULL, on_reply, o);
	free(url);
}

static void send_body(struct op *o, const char *method, json_t *body)
{
	struct rest_store *rs = impl(o->s);
	char *url = xasprintf("%s%s", rs->api, op_ep(o));
	char *text = json_dumps(body, JSON_COMPACT);

	o->req = http_start(rs->http, method, url, text, on_reply, o);
	free(text);
	free(url);
	json_decref(body);
}

static void send_post(struct op *o, json_t *body)
{
	send_body(o, "POST", body);
}

static void send_write_step(struct op *o);

static const char *view_type(const struct op *o)
{
	return o->rq.include_deleted ? "ALL" : "ACTIVE_ONLY";
}

static void send_op(struct op *o)
{
	json_t *b;
	char *q, *a, *k;

	switch (o->kind) {
	case OP_EXPERIMENTS:
		b = json_pack("{s:i, s:s}", "max_results", PAGE_EXPERIMENTS,
			      "view_type", view_type(o));
		if (o->page)
			json_object_set_new(b, "page_token",
					    json_string(o->page));
		send_post(o, b);
		break;
	case OP_COUNTS:
		/* Running runs, or the newest run for last activity. */
		b = json_pack("{s:[s], s:s, s:i}", "experiment_ids", o->exp_id,
			      "run_view_type", "ACTIVE_ONLY", "max_results",
			      o->counts_running ? PAGE_RUNS : 1);
		if (o->counts_running)
			json_object_set_new(b, "filter", json_string(
				"attributes.status = 'RUNNING'"));
		else
			json_object_set_new(b, "order_by", json_pack(
				"[s]", "attributes.start_time DESC"));
		send_post(o, b);
		break;
	case OP_RUNS:
	case OP_POLL_NEW:
	case OP_POLL_LIVE:
		b = json_pack("{s:[s], s:s, s:i}", "experiment_ids", o->exp_id,
			      "run_view_type", view_type(o), "max_results",
			      PAGE_RUNS);
		if (o->filter)
			json_object_set_new(b, "filter",
					    json_string(o->filter));
		if (o->page)
			json_object_set_new(b, "page_token",
					    json_string(o->page));
		send_post(o, b);
		break;
	case OP_HISTORY: {
		char *t = o->page ? url_escape(o->page) : NULL;

		a = url_escape(o->run_id);
		k = url_escape(o->key);
		q = xasprintf("run_id=%s&metric_key=%s&max_results=%d%s%s", a,
			      k, PAGE_HISTORY, t ? "&page_token=" : "",
			      t ? t : "");
		send_get(o, q);
		free(q);
		free(a);
		free(k);
		free(t);
		break;
	}
	case OP_BULK: {
		size_t len = 0, cap = 256;
		char *ids = xmalloc(cap);

		ids[0] = '\0';
		for (size_t i = 0; i < o->nrun_ids; i++) {
			char *e = url_escape(o->run_ids[i]);

			ids = xgrow(ids, &cap, len + strlen(e) + 10, 1);
			len += (size_t)sprintf(ids + len, "run_ids=%s&", e);
			free(e);
		}
		k = url_escape(o->key);
		q = xasprintf("%smetric_key=%s&start_step=%lld&end_step=%lld"
			      "&max_results=%d", ids, k,
			      (long long)o->start_step, (long long)o->end_step,
			      BULK_MAX);
		send_get(o, q);
		free(q);
		free(k);
		free(ids);
		break;
	}
	case OP_RUN:
		a = url_escape(o->run_id);
		q = xasprintf("run_id=%s", a);
		send_get(o, q);
		free(q);
		free(a);
		break;
	case OP_MODELS: {
		char *t = o->page ? url_escape(o->page) : NULL;

		q = xasprintf("max_results=1000%s%s", t ? "&page_token=" : "",
			      t ? t : "");
		send_get(o, q);
		free(q);
		free(t);
		break;
	}
	case OP_VERSIONS: {
		char *t = o->page ? url_escape(o->page) : NULL;
		char *f = xasprintf("name='%s'", o->key), *fe;

		fe = url_escape(f);
		q = xasprintf("filter=%s&max_results=10000%s%s", fe,
			      t ? "&page_token=" : "", t ? t : "");
		send_get(o, q);
		free(q);
		free(fe);
		free(f);
		free(t);
		break;
	}
	case OP_MODEL_GET:
		a = url_escape(o->key);
		q = xasprintf("name=%s", a);
		send_get(o, q);
		free(q);
		free(a);
		break;
	case OP_WRITE:
		send_write_step(o);
		break;
	}
}

/* --- a registry write: check, move, record, in that order -------------- */

enum write_step {
	WS_READ_MODEL,     /* registered-models/get: aliases */
	WS_READ_VERSIONS,  /* model-versions/search: stages */
	WS_MOVE,           /* alias, or one transition a move */
	WS_EVENT,          /* set-tag: the history event */
	WS_DROP,           /* delete-tag: the oldest event */
	WS_DONE,
};

static void send_write_step(struct op *o)
{
	const struct registry_write *w = o->write;
	char buf[24];
	json_t *b;
	char *a, *q;

	switch (o->step) {
	case WS_READ_MODEL:
		o->ep = "registered-models/get";
		a = url_escape(w->model);
		q = xasprintf("name=%s", a);
		send_get(o, q);
		free(q);
		free(a);
		break;
	case WS_READ_VERSIONS: {
		char *f = xasprintf("name='%s'", w->model), *fe = url_escape(f);

		o->ep = "model-versions/search";
		q = xasprintf("filter=%s&max_results=10000", fe);
		send_get(o, q);
		free(q);
		free(fe);
		free(f);
		break;
	}
	case WS_MOVE:
		if (w->kind == RW_ALIAS) {
			o->ep = "registered-models/alias";
			snprintf(buf, sizeof(buf), "%d", w->version);
			if (w->version > 0) {
				b = json_pack("{s:s, s:s, s:s}", "name", w->model,
					      "alias", w->alias, "version", buf);
				send_body(o, "POST", b);
			} else {
				b = json_pack("{s:s, s:s}", "name", w->model,
					      "alias", w->alias);
				send_body(o, "DELETE", b);
			}
		} else {
			const struct stage_move *mv = &w->moves[o->move];

			o->ep = "model-versions/transition-stage";
			snprintf(buf, sizeof(buf), "%d", mv->version);
			b = json_pack("{s:s, s:s, s:s, s:b}", "name", w->model,
				      "version", buf, "stage", mv->stage,
				      "archive_existing_versions",
				      w->archive_existing && w->nmoves == 1);
			send_body(o, "POST", b);
		}
		break;
	case WS_EVENT:
		o->ep = "registered-models/set-tag";
		b = json_pack("{s:s, s:s, s:s}", "name", w->model, "key",
			      w->event_key, "value", w->event_value);
		send_body(o, "POST", b);
		break;
	case WS_DROP:
		o->ep = "registered-models/delete-tag";
		b = json_pack("{s:s, s:s}", "name", w->model, "key",
			      w->drop_key);
		send_body(o, "DELETE", b);
		break;
	}
}

/* The optimistic check on what the server holds now. */
static char *write_conflict(const struct registry_write *w,
			    struct registered_model *now)
{
	if (w->kind == RW_ALIAS) {
		int v = registered_alias(now, w->alias);

		if (v == w->expect_alias_version)
			return NULL;
		if (v)
			return xasprintf("conflict: alias %s now points to v%d "
					 "(the screen showed %s%d); nothing "
					 "changed", w->alias, v,
					 w->expect_alias_version ? "v" : "",
					 w->expect_alias_version);
		return xasprintf("conflict: alias %s is no longer set (the "
				 "screen showed v%d); nothing changed",
				 w->alias, w->expect_alias_version);
	}
	for (size_t i = 0; i < w->nmoves; i++) {
		struct model_version *v = registered_version(now,
							     w->moves[i].version);

		if (!v)
			return xasprintf("conflict: version %d of %s is gone",
					 w->moves[i].version, w->model);
		if (w->moves[i].expect_stage && v->stage &&
		    strcmp(v->stage, w->moves[i].expect_stage) != 0)
			return xasprintf("conflict: v%d is now in %s (the "
					 "screen showed %s); nothing changed",
					 v->version, v->stage,
					 w->moves[i].expect_stage);
	}
	if (w->archive_existing && w->nmoves == 1) {
		size_t k = 0;
		bool same = true;

		/* versions are newest first; expect is ascending */
		for (size_t i = now->nversions; i-- > 0;) {
			struct model_version *v = &now->versions[i];

			if (v->version == w->moves[0].version || !v->stage ||
			    strcmp(v->stage, w->moves[0].stage) != 0)
				continue;
			if (k >= w->nexpect_in_stage ||
			    w->expect_in_stage[k] != v->version)
				same = false;
			k++;
		}
		if (!same || k != w->nexpect_in_stage)
			return xasprintf("conflict: the versions in %s changed "
					 "since the screen was drawn; nothing "
					 "changed", w->moves[0].stage);
	}
	return NULL;
}

/* A reply to one step came back fine: parse what it read, go on. Returns
 * true when the write is over (done or refused). */
static bool write_advance(struct op *o, const struct http_reply *r,
			  bool *ok)
{
	const struct registry_write *w = o->write;
	struct model *m = o->s->model;
	char *err = NULL, *msg;

	*ok = true;
	switch (o->step) {
	case WS_READ_MODEL:
	case WS_READ_VERSIONS:
		if (!o->scratch) {
			o->scratch = xcalloc(1, sizeof(*o->scratch));
			o->scratch->name = xstrdup(w->model);
		}
		if (rest_parse_versions(o->scratch, r->body, r->len, NULL,
					&err) < 0) {
			msg = xasprintf("bad reply to %s: %s", op_ep(o), err);
			model_set_error(m, msg);
			free(msg);
			free(err);
			*ok = false;
			return true;
		}
		if (o->step == WS_READ_MODEL && w->kind == RW_STAGE) {
			o->step = WS_READ_VERSIONS;
			return false;
		}
		msg = write_conflict(w, o->scratch);
		if (msg) {
			model_set_error(m, msg);
			free(msg);
			*ok = false;
			return true;
		}
		/* The event's key from the tags just read back, not from the
		 * screen's: a promotion made meanwhile keeps its event. */
		if (w->event_key) {
			char *key = NULL, *drop = NULL;

			store_event_keys(&o->scratch->tags, &key, &drop);
			free((char *)o->write->event_key);
			free((char *)o->write->drop_key);
			o->write->event_key = key;
			o->write->drop_key = drop;
		}
		o->step = WS_MOVE;
		o->move = 0;
		return false;
	case WS_MOVE:
		if (w->kind == RW_STAGE && ++o->move < w->nmoves)
			return false;
		o->step = w->event_key ? WS_EVENT : WS_DONE;
		return o->step == WS_DONE;
	case WS_EVENT:
		o->step = w->drop_key ? WS_DROP : WS_DONE;
		return o->step == WS_DONE;
	default:
		o->step = WS_DONE;
		return true;
	}
}

/* --- replies ------------------------------------------------------------------ */

static void finish_experiments(struct store *s, const struct op *o)
{
	struct model *m = s->model;
	struct experiment **retire_later = xcalloc(m->nexps + 1,
						   sizeof(*retire_later));
	size_t k = 0, nretire = 0;

	for (size_t i = 0; i < m->nexps; i++) {
		struct experiment *e = m->exps[i];

		if (e->seen) {
			m->exps[k++] = e;
			continue;
		}
		e->retired = true;
		retire_later[nretire++] = e;
	}
	m->nexps = k;
	for (size_t i = 0; i < nretire; i++)
		model_retire_experiment(m, retire_later[i]);
	free(retire_later);
	/* The REST API counts nothing: a run count is known once an
	 * experiment's runs are loaded. */
	for (size_t i = 0; i < m->nexps; i++)
		if (!m->exps[i]->runs_loaded)
			m->exps[i]->nruns = -1;
	m->exps_loaded = true;
	m->exps_include_deleted = o->rq.include_deleted;
}

/* Run counts cost two small requests an experiment, so they are asked
 * for at most every 30 s: the running runs, and the newest run. */
static void ask_counts(struct store *s, const struct store_req *req)
{
	struct model *m = s->model;

	for (size_t i = 0; i < m->nexps; i++) {
		for (int running = 0; running < 2; running++) {
			struct op *o = op_new(s, req, OP_COUNTS, NULL, NULL);

			o->exp_id = xstrdup(m->exps[i]->id);
			o->counts_running = running;
			send_op(o);
		}
	}
	impl(s)->counts_at = clock_now_ms();
}

static void reply_counts(struct op *o, const struct http_reply *r)
{
	struct model *m = o->s->model;
	struct experiment *e = model_experiment(m, o->exp_id);
	json_t *root = json_loadb(r->body, r->len, 0, NULL);
	json_t *runs = root ? json_object_get(root, "runs") : NULL;
	size_t n = json_is_array(runs) ? json_array_size(runs) : 0;

	if (e && o->counts_running) {
		e->nrunning = (int)n;
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
}

static void start_poll_live(struct store *s, struct op *parent);

static void on_reply(void *ud, const struct http_reply *r)
{
	struct op *o = ud;
	struct store *s = o->s;
	struct model *m = s->model;
	bool transient;
	char *problem = reply_problem(s, o, r, &transient), *err = NULL;
	char *next = NULL;
	int n = 0;

	o->req = NULL;
	if (impl(s)->log)
		fprintf(impl(s)->log, "%s %ld %zu %.3f %s\n",
			op_endpoint[o->kind], r->status, r->len, r->seconds,
			r->error ? r->error : "");
	if (problem && o->kind == OP_BULK) {
		/* Its series may be asked for again: by get-history when the
		 * server lacks bulk-interval, for good. */
		for (size_t i = 0; i < o->nrun_ids; i++) {
			struct run *run = model_find_run(m, o->run_ids[i]);
			struct series *ser = run ? run_series(run, o->key)
						 : NULL;

			if (ser)
				ser->fetching = false;
		}
		if (r->status == 404) {
			impl(s)->no_bulk = true;
			free(problem);
			op_finish(o, true);
			return;
		}
	}
	if (problem) {
		if (transient)
			unhealthy(s, problem);
		else
			model_set_error(m, problem);
		free(problem);
		if (o->kind == OP_HISTORY) {
			struct run *run = model_find_run(m, o->run_id);
			struct series *ser = run ? run_series(run, o->key) : NULL;

			if (ser)
				ser->fetching = false;
		}
		op_finish(o, false);
		return;
	}
	if (o->kind == OP_WRITE) {
		bool ok;

		if (write_advance(o, r, &ok)) {
			if (ok)
				healthy(s);
			op_finish(o, ok);
		} else {
			send_op(o);
		}
		return;
	}
	switch (o->kind) {
	case OP_EXPERIMENTS:
		n = rest_parse_experiments(m, r->body, r->len, &next, &err);
		break;
	case OP_MODELS:
		n = rest_parse_models(m, r->body, r->len, &next, &err);
		break;
	case OP_VERSIONS:
	case OP_MODEL_GET: {
		struct registered_model *rm = model_registered_upsert(m, o->key);

		n = rest_parse_versions(rm, r->body, r->len, &next, &err);
		break;
	}
	case OP_WRITE:
		break;
	case OP_COUNTS:
		reply_counts(o, r);
		break;
	case OP_RUNS:
	case OP_POLL_NEW:
	case OP_POLL_LIVE:
	case OP_RUN: {
		int64_t max_start = 0;
		struct experiment *e;

		n = rest_parse_runs(m, r->body, r->len, &next, &max_start,
				    &err);
		e = o->exp_id ? model_experiment(m, o->exp_id) : NULL;
		if (e && n > 0 && max_start > e->runs_cursor &&
		    o->kind != OP_POLL_LIVE)
			e->runs_cursor = max_start;
		break;
	}
	case OP_HISTORY: {
		struct run *run = model_find_run(m, o->run_id);
		struct series *ser = run ? run_series_upsert(run, o->key)
					 : NULL;

		if (ser)
			n = rest_parse_history(ser, r->body, r->len, &next,
					       &err);
		break;
	}
	case OP_BULK:
		n = rest_parse_bulk_history(m, o->key, r->body, r->len, &err);
		break;
	}
	if (n < 0) {
		char *msg = xasprintf("bad reply to %s: %s",
				      op_endpoint[o->kind], err);

		model_set_error(m, msg);
		free(msg);
		free(err);
		free(next);
		op_finish(o, false);
		return;
	}
	healthy(s);
	o->done_rows += n;
	o->pages++;
	free(o->page);
	o->page = next && *next ? next : NULL;
	if (!o->page)
		free(next);
	if (o->page) {
		if (o->kind == OP_RUNS) {
			char buf[64];

			snprintf(buf, sizeof(buf), "loading runs %ld…",
				 o->done_rows);
			model_set_progress(m, buf);
		}
		send_op(o);
		return;
	}
	/* The last page. */
	switch (o->kind) {
	case OP_MODELS:
		model_remove_unseen_registered(m);
		m->models_loaded = true;
		break;
	case OP_VERSIONS: {
		struct registered_model *rm = model_registered(m, o->key);

		if (rm) {
			registered_remove_unseen_versions(rm);
			rm->latest_version = rm->nversions
				? rm->versions[0].version : 0;
		}
		/* Then aliases and tags, from registered-models/get. */
		o->kind = OP_MODEL_GET;
		send_op(o);
		return;
	}
	case OP_MODEL_GET: {
		struct registered_model *rm = model_registered(m, o->key);

		if (rm)
			rm->versions_loaded = true;
		break;
	}
	case OP_EXPERIMENTS:
		finish_experiments(s, o);
		if (o->rq.want_counts &&
		    (clock_now_ms() - impl(s)->counts_at > 30000 ||
		     o->exp_id /* a first or different load */))
			ask_counts(s, &o->rq);
		break;
	case OP_RUNS: {
		struct experiment *e = model_experiment(m, o->exp_id);

		model_set_progress(m, NULL);
		if (e) {
			experiment_remove_unseen(e);
			e->runs_loaded = true;
			e->params_loaded = true;
			e->runs_include_deleted = o->rq.include_deleted;
			e->nruns = (int)e->nruns_loaded;
		}
		break;
	}
	case OP_POLL_NEW:
		start_poll_live(s, o);
		break;
	case OP_HISTORY: {
		struct run *run = model_find_run(m, o->run_id);
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
		break;
	}
	case OP_BULK:
		for (size_t i = 0; i < o->nrun_ids; i++) {
			struct run *run = model_find_run(m, o->run_ids[i]);
			struct series *ser = run ? run_series(run, o->key)
						 : NULL;

			if (ser) {
				ser->fetching = false;
				ser->want_step = ser->latest.step;
				ser->want_ts = ser->latest.timestamp;
			}
		}
		break;
	default:
		break;
	}
	op_finish(o, true);
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
	o = op_new(s, req, OP_EXPERIMENTS, done, ud);
	/* A first load, or a load with a different view, recounts. */
	if (!m->exps_loaded ||
	    m->exps_include_deleted != (req && req->include_deleted))
		o->exp_id = xstrdup("");
	send_op(o);
}

static void rest_load_runs(struct store *s, const struct store_req *req, struct experiment *e,
			   store_done_fn done, void *ud)
{
	struct op *o;

	if (backing_off(s, req && req->forced)) {
		if (done)
			done(s, false, ud);
		return;
	}
	for (size_t i = 0; i < e->nruns_loaded; i++)
		e->runs[i]->seen = false;
	o = op_new(s, req, OP_RUNS, done, ud);
	o->exp_id = xstrdup(e->id);
	model_set_progress(s->model, "loading runs…");
	send_op(o);
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
	o = op_new(s, req, OP_POLL_NEW, done, ud);
	o->exp_id = xstrdup(e->id);
	o->filter = xasprintf("attributes.start_time >= %lld",
			      (long long)e->runs_cursor);
	send_op(o);
}

static void start_poll_live(struct store *s, struct op *parent)
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
			o = op_new(s, &parent->rq, OP_POLL_LIVE, NULL, NULL);
			o->exp_id = xstrdup(e->id);
			o->filter = xasprintf("attributes.run_id IN (%s)", list);
			send_op(o);
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
	o = op_new(s, req, OP_RUN, done, ud);
	o->run_id = xstrdup(run_id);
	send_op(o);
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
	o = op_new(s, req, OP_HISTORY, done, ud);
	o->run_id = xstrdup(r->id);
	o->key = xstrdup(ser->key);
	send_op(o);
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
	send_op(op_new(s, req, OP_MODELS, done, ud));
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
	o = op_new(s, req, OP_VERSIONS, done, ud);
	o->key = xstrdup(model);
	send_op(o);
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
	o = op_new(s, NULL, OP_WRITE, done, ud);
	o->write = registry_write_copy(w);
	o->step = WS_READ_MODEL;
	send_op(o);
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
		struct op *o = op_new(s, NULL, OP_BULK, NULL, NULL);
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
		send_op(o);
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

static int rest_open(struct store *s, char **err)
{
	struct rest_store *rs = xcalloc(1, sizeof(*rs));
	struct http_config cfg = {0};
	double timeout = opt_number(OPT_HTTP_TIMEOUT);

	s->impl = rs;
	if (credentials_load(&rs->cred, err) != 0)
		return -1;
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
	.poll_runs = rest_poll_runs,
	.load_history = rest_load_history,
	.load_run = rest_load_run,
	.load_models = rest_load_models,
	.load_versions = rest_load_versions,
	.registry_write = rest_registry_write,
	.pollfds = rest_pollfds,
	.dispatch = rest_dispatch,
	.stats = rest_stats,
};
