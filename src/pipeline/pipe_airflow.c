/* pipe_airflow.c: the pipeline backend for Apache Airflow 3 (REST API v2,
 * /api/v2). Credentials are exchanged for a JWT at POST /auth/token; a
 * request answered 401 gets a new token once and is sent again, so an
 * expired token never bothers the user. Every request goes through the
 * curl multi interface of the one loop. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "core/clock.h"
#include "core/format.h"
#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "net/http.h"
#include "pipeline/airflow_parse.h"
#include "pipeline/pipe_creds.h"
#include "pipeline/pipeline.h"

#define AF_PAGE 100            /* the API's default largest page */
#define AF_MAX_PAGES 2000      /* one listing reads at most this many */
#define AF_LOG_LINES 200000    /* log lines kept of one try */
#define AF_LOG_PAGES 2000

enum af_kind {
	AK_DAGS, AK_RUNS, AK_TASKS, AK_DEFS, AK_LOG, AK_WRITE, AK_RECENT, AK_IMPORT_ERRORS,
	AK_CHANGED,
};

struct af_req {
	struct pipe_source *p;
	enum af_kind kind;
	char *method;
	char *path;              /* under /api/v2/, query included, no
				  * paging */
	char *body;              /* JSON, or NULL */
	bool paged;
	long offset;
	int pages;
	bool reauthed;           /* had a 401 and a new token already */
	struct http_req *http;
	/* What a listing gathers until its last page. */
	void *items;
	size_t nitems;
	char *dag, *run;
	const struct pipe_write *w;  /* AK_WRITE: borrowed for the call */
	enum pipe_write_kind wkind;
	struct pipe_write_result *res;
	pipe_done_fn done;
	void *ud;
	struct af_req *next;     /* live requests, or those waiting on a
				  * token */
};

struct af {
	struct http *http;
	char *api;               /* base + /api/v2/ */
	char *auth;              /* base + /auth/token */
	struct pipe_creds cred;
	char *token;             /* the current JWT */
	bool authing;
	struct http_req *auth_req;
	struct af_req *live;     /* sent, or waiting for a token */
};

static struct af *impl(struct pipe_source *p)
{
	return p->impl;
}

static void req_unlink(struct af *a, struct af_req *r)
{
	for (struct af_req **pp = &a->live; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			return;
		}
}

static void items_free(struct af_req *r)
{
	switch (r->kind) {
	case AK_DAGS:
		pipe_dags_free(r->items, r->nitems);
		break;
	case AK_RUNS:
		pipe_runs_free(r->items, r->nitems);
		break;
	case AK_TASKS:
		pipe_tasks_free(r->items, r->nitems);
		break;
	default:
		break;
	}
	r->items = NULL;
	r->nitems = 0;
}

static void req_free(struct af_req *r)
{
	items_free(r);
	free(r->method);
	free(r->path);
	free(r->body);
	free(r->dag);
	free(r->run);
	free(r);
}

static void finish(struct af_req *r, bool ok)
{
	struct pipe_source *p = r->p;
	struct pipe_model *m = p->model;

	req_unlink(impl(p), r);
	m->pending--;
	m->gen++;
	if (ok) {
		m->last_ok_ms = clock_now_ms();
		m->stale_since = 0;
		m->backoff_s = 0;
	}
	if (!m->pending)
		m->progress[0] = '\0';
	if (r->done)
		r->done(p, ok, r->ud);
	req_free(r);
}

static void fail_req(struct af_req *r, const char *msg)
{
	pipe_model_set_error(r->p->model, msg);
	r->p->model->error_ms = clock_now_ms();
	finish(r, false);
}

/* The orchestrator is away (no reply, 5xx, 429): what is shown stays,
 * marked stale, and polls back off, 1 s doubling to 30 s. */
static void away(struct pipe_model *m)
{
	int64_t now = clock_now_ms();

	if (!m->stale_since)
		m->stale_since = now;
	m->backoff_s = m->backoff_s ? m->backoff_s * 2 : 1;
	if (m->backoff_s > 30)
		m->backoff_s = 30;
	m->retry_at = now + (int64_t)m->backoff_s * 1000;
}

/* --- sending ------------------------------------------------------------- */

static void on_reply(void *ud, const struct http_reply *rep);
static void start_auth(struct pipe_source *p);

static void send_req(struct af_req *r)
{
	struct af *a = impl(r->p);
	char *url;

	if (!a->token && a->cred.user && a->cred.password) {
		start_auth(r->p);   /* sent when the token comes */
		return;
	}
	if (r->paged)
		url = xasprintf("%s%s%climit=%d&offset=%ld", a->api, r->path,
				strchr(r->path, '?') ? '&' : '?', AF_PAGE,
				r->offset);
	else
		url = xasprintf("%s%s", a->api, r->path);
	r->http = http_start(a->http, r->method, url, r->body, on_reply, r);
	free(url);
}

static void on_auth(void *ud, const struct http_reply *rep)
{
	struct pipe_source *p = ud;
	struct af *a = impl(p);
	char *err = NULL, *token = NULL, *msg = NULL;

	a->authing = false;
	a->auth_req = NULL;
	if (rep->error) {
		msg = xasprintf("signing in at %s: %s", p->display,
				rep->error);
	} else if (rep->status == 401 || rep->status == 403) {
		char *d = af_parse_error(rep->body, rep->len);

		msg = xasprintf("not authenticated (HTTP %ld): %s; sent %s",
				rep->status, d ? d : "sign-in refused",
				a->cred.described);
		free(d);
	} else if (rep->status < 200 || rep->status >= 300) {
		char *d = af_parse_error(rep->body, rep->len);

		msg = xasprintf("signing in: HTTP %ld%s%s", rep->status,
				d ? ": " : "", d ? d : "");
		free(d);
	} else if (af_parse_token(rep->body, rep->len, &token, &err) != 0) {
		msg = xasprintf("signing in: bad reply to auth/token: %s",
				err);
		free(err);
	}
	if (msg) {
		/* Every request waiting on the token fails with it. */
		struct af_req *r = a->live, *next;

		for (; r; r = next) {
			next = r->next;
			if (!r->http)
				fail_req(r, msg);
		}
		free(msg);
		return;
	}
	free(a->token);
	a->token = token;
	http_set_token(a->http, token);
	for (struct af_req *r = a->live, *next; r; r = next) {
		next = r->next;
		if (!r->http)
			send_req(r);
	}
}

static void start_auth(struct pipe_source *p)
{
	struct af *a = impl(p);
	json_t *b;
	char *text;

	if (a->authing)
		return;
	a->authing = true;
	b = json_pack("{s:s, s:s}", "username", a->cred.user, "password",
		      a->cred.password);
	text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	/* No bearer token on the sign-in itself. */
	http_set_token(a->http, NULL);
	a->auth_req = http_start(a->http, "POST", a->auth, text, on_auth, p);
	if (text) {
		memset(text, 0, strlen(text));
		free(text);
	}
}

static struct af_req *req_new(struct pipe_source *p, enum af_kind kind,
			      const char *method, char *path, char *body,
			      pipe_done_fn done, void *ud)
{
	struct af_req *r = xcalloc(1, sizeof(*r));
	struct af *a = impl(p);

	r->p = p;
	r->kind = kind;
	r->method = xstrdup(method);
	r->path = path;
	r->body = body;
	r->done = done;
	r->ud = ud;
	r->next = a->live;
	a->live = r;
	p->model->pending++;
	return r;
}

/* --- replies ------------------------------------------------------------- */

/* The problem with a reply, in words, or NULL when it is a good one. */
static char *problem(struct af_req *r, const struct http_reply *rep)
{
	struct af *a = impl(r->p);
	char *d, *out;

	if (rep->error)
		return xstrdup(rep->error);
	if (rep->status >= 200 && rep->status < 300)
		return NULL;
	d = af_parse_error(rep->body, rep->len);
	if (rep->status == 401)
		out = xasprintf("not authenticated (HTTP 401): %s; sent %s",
				d ? d : "credentials refused",
				a->cred.described);
	else if (rep->status == 403)
		out = xasprintf("permission denied (HTTP 403): %s; as %s",
				d ? d : "refused", a->cred.described);
	else if (rep->status == 404)
		out = xasprintf("not found (HTTP 404): %s",
				d ? d : "no such DAG, run or task");
	else if (rep->status >= 300 && rep->status < 400)
		out = xasprintf("HTTP %ld, a redirect (not an Airflow reply)",
				rep->status);
	else
		out = xasprintf("HTTP %ld: %s", rep->status,
				d ? d : "not an Airflow reply");
	free(d);
	return out;
}

static void append_items(struct af_req *r, void *v, size_t n, size_t size)
{
	r->items = xreallocarray(r->items, r->nitems + n + 1, size);
	memcpy((char *)r->items + r->nitems * size, v, n * size);
	r->nitems += n;
	free(v);
}

/* A listing's page: gathered; true when another page is to be read. */
static bool take_page(struct af_req *r, const struct http_reply *rep,
		      char **err)
{
	struct pipe_model *m = r->p->model;
	void *v = NULL;
	size_t n = 0, size = 0;
	long total = 0;
	int rc = -1;

	switch (r->kind) {
	case AK_DAGS:
		rc = af_parse_dags(rep->body, rep->len,
				   (struct pipe_dag **)&v, &n, &total, err);
		size = sizeof(struct pipe_dag);
		break;
	case AK_RUNS:
		rc = af_parse_runs(rep->body, rep->len,
				   (struct pipe_run **)&v, &n, &total, err);
		size = sizeof(struct pipe_run);
		break;
	case AK_TASKS:
		rc = af_parse_tasks(rep->body, rep->len,
				    (struct pipe_task **)&v, &n, &total, err);
		size = sizeof(struct pipe_task);
		break;
	default:
		return false;
	}
	if (rc != 0)
		return false;
	append_items(r, v, n, size);
	r->pages++;
	r->offset += (long)n;
	if (r->kind == AK_DAGS)
		m->dags_total = total;
	else if (r->kind == AK_RUNS)
		m->runs_total = total;
	if (!r->paged || n == 0 || r->offset >= total)
		return false;
	snprintf(m->progress, sizeof(m->progress), "loading %s %ld of %ld…",
		 r->kind == AK_DAGS ? "pipelines" : r->kind == AK_RUNS
		 ? "runs" : "task instances", r->offset, total);
	if (r->pages >= AF_MAX_PAGES) {
		*err = xasprintf("more than %d pages (%ld of %ld read); "
				 "stopped reading", AF_MAX_PAGES, r->offset,
				 total);
		return false;
	}
	return true;
}

/* The last page: the listing replaces what the model held. */
static void apply_listing(struct af_req *r)
{
	struct pipe_model *m = r->p->model;

	switch (r->kind) {
	case AK_DAGS: {
		struct pipe_dag *nd = r->items;

		/* The strips of recent runs stay until they are read again. */
		for (size_t i = 0; i < r->nitems; i++) {
			struct pipe_dag *old = pipe_find_dag(m, nd[i].id);

			if (old) {
				memcpy(nd[i].recent, old->recent,
				       sizeof(old->recent));
				/* The ids move over with their states. */
				memcpy(nd[i].recent_ids, old->recent_ids,
				       sizeof(old->recent_ids));
				memset(old->recent_ids, 0,
				       sizeof(old->recent_ids));
				nd[i].nrecent = old->nrecent;
			}
		}
		pipe_dags_free(m->dags, m->ndags);
		m->dags = r->items;
		m->ndags = r->nitems;
		m->dags_loaded = true;
		break;
	}
	case AK_RUNS:
		pipe_runs_free(m->runs, m->nruns);
		m->runs = r->items;
		m->nruns = r->nitems;
		free(m->runs_dag);
		m->runs_dag = xstrdup(r->dag);
		break;
	case AK_TASKS:
		pipe_tasks_free(m->tasks, m->ntasks);
		m->tasks = r->items;
		m->ntasks = r->nitems;
		free(m->tasks_dag);
		free(m->tasks_run);
		m->tasks_dag = xstrdup(r->dag);
		m->tasks_run = xstrdup(r->run);
		break;
	default:
		return;
	}
	r->items = NULL;
	r->nitems = 0;
}

static int take_write(struct af_req *r, const struct http_reply *rep,
		      char **err)
{
	struct pipe_write_result *res = r->res;

	if (r->wkind == PW_TRIGGER) {
		struct pipe_run run;

		if (af_parse_run(rep->body, rep->len, &run, err) != 0)
			return -1;
		if (res)
			res->run_id = xstrdup(run.run_id);
		{
			struct pipe_run *tmp = xmalloc(sizeof(*tmp));

			*tmp = run;
			pipe_runs_free(tmp, 1);
		}
	} else if (r->wkind == PW_CLEAR || r->wkind == PW_MARK ||
		   r->wkind == PW_RETRY) {
		struct pipe_task *t = NULL;
		size_t n = 0;
		long total;

		if (af_parse_tasks(rep->body, rep->len, &t, &n, &total,
				   err) != 0)
			return -1;
		if (res) {
			res->items = xcalloc(n + 1, sizeof(char *));
			for (size_t i = 0; i < n; i++) {
				char mi[24] = "";

				if (t[i].map_index >= 0)
					snprintf(mi, sizeof(mi), "[%d]",
						 t[i].map_index);
				res->items[res->nitems++] = xasprintf(
					"%s%s (%s)", t[i].task_id, mi,
					t[i].state_text ? t[i].state_text
							: "no state");
			}
		}
		pipe_tasks_free(t, n);
	}
	return 0;
}

static bool token_refused(const struct http_reply *rep)
{
	char *d = af_parse_error(rep->body, rep->len);
	bool yes = d && (strstr(d, "JWT") || strstr(d, "token") ||
			 strstr(d, "Token"));

	free(d);
	return yes;
}

static void on_reply(void *ud, const struct http_reply *rep)
{
	struct af_req *r = ud;
	struct af *a = impl(r->p);
	struct pipe_model *m = r->p->model;
	char *why, *err = NULL;

	r->http = NULL;
	/* An expired token: a new one, once, then the same request. Airflow
	 * says 401, or 403 "Invalid JWT token". */
	if ((rep->status == 401 || (rep->status == 403 && token_refused(rep)))
	    && !r->reauthed && a->cred.user && a->cred.password) {
		r->reauthed = true;
		free(a->token);
		a->token = NULL;
		send_req(r);
		return;
	}
	why = problem(r, rep);
	if (why) {
		if (rep->error || rep->status >= 500 || rep->status == 429)
			away(m);
		fail_req(r, why);
		free(why);
		return;
	}
	switch (r->kind) {
	case AK_DAGS:
	case AK_RUNS:
	case AK_TASKS:
		if (take_page(r, rep, &err)) {
			send_req(r);
			return;
		}
		if (!err)
			apply_listing(r);
		break;
	case AK_DEFS: {
		struct pipe_task_def *d;
		size_t n;

		if (af_parse_defs(rep->body, rep->len, &d, &n, &err) == 0) {
			pipe_defs_free(m->defs, m->ndefs);
			m->defs = d;
			m->ndefs = n;
			free(m->defs_dag);
			m->defs_dag = xstrdup(r->dag);
		}
		break;
	}
	case AK_LOG:
		af_parse_log(rep->body, rep->len, m, AF_LOG_LINES, &err);
		break;
	case AK_IMPORT_ERRORS: {
		struct pipe_import_error *v;
		size_t n;

		if (af_parse_import_errors(rep->body, rep->len, &v, &n,
					   &err) == 0) {
			pipe_import_errors_free(m->import_errors,
						m->nimport_errors);
			m->import_errors = v;
			m->nimport_errors = n;
		}
		break;
	}
	case AK_RECENT: {
		struct pipe_run *v;
		size_t n;
		long total;

		if (af_parse_runs(rep->body, rep->len, &v, &n, &total,
				  &err) == 0) {
			struct pipe_dag *d = pipe_find_dag(m, r->dag);

			if (d) {
				for (int k = 0; k < d->nrecent; k++) {
					free(d->recent_ids[k]);
					d->recent_ids[k] = NULL;
				}
				d->nrecent = 0;
				for (size_t i = 0; i < n && i < PIPE_RECENT;
				     i++) {
					d->recent_ids[d->nrecent] =
						xstrdup(v[i].run_id);
					d->recent[d->nrecent++] = v[i].state;
				}
			}
			pipe_runs_free(v, n);
		}
		break;
	}
	case AK_CHANGED: {
		struct pipe_run *v;
		size_t n;
		long total;

		if (af_parse_runs(rep->body, rep->len, &v, &n, &total,
				  &err) == 0) {
			/* More than one page changed: every strip. */
			if (total > (long)n)
				pipe_mark_changed(m, "*");
			for (size_t i = 0; i < n; i++) {
				struct pipe_dag *d = pipe_find_dag(m,
								   v[i].dag_id);
				int k;

				if (!d)
					continue;
				for (k = 0; k < d->nrecent; k++)
					if (d->recent_ids[k] &&
					    !strcmp(d->recent_ids[k],
						    v[i].run_id))
						break;
				/* A run the strip lacks, or whose state
				 * moved. */
				if (k == d->nrecent || d->recent[k] !=
				    v[i].state)
					pipe_mark_changed(m, d->id);
			}
			pipe_runs_free(v, n);
		}
		break;
	}
	case AK_WRITE:
		take_write(r, rep, &err);
		break;
	}
	if (err) {
		char *msg = xasprintf("bad reply from Airflow: %s", err);

		free(err);
		fail_req(r, msg);
		free(msg);
		return;
	}
	finish(r, true);
}

/* --- ops ----------------------------------------------------------------- */

static void af_load_dags(struct pipe_source *p, pipe_done_fn done, void *ud)
{
	struct af_req *r = req_new(p, AK_DAGS, "GET",
				   xstrdup("dags?order_by=dag_id"), NULL,
				   done, ud);

	r->paged = true;
	send_req(r);
	/* The files that did not load come with every listing: the newest
	 * hundred is plenty to flag them. */
	r = req_new(p, AK_IMPORT_ERRORS, "GET",
		    xstrdup("importErrors?limit=100&order_by=-timestamp"), NULL,
		    NULL, NULL);
	send_req(r);
}

static void af_load_runs(struct pipe_source *p, const char *dag, int limit,
			 pipe_done_fn done, void *ud)
{
	char *d = pipe_url_escape(dag);
	struct af_req *r = req_new(p, AK_RUNS, "GET",
				   xasprintf("dags/%s/dagRuns?order_by="
					     "-run_after", d),
				   NULL, done, ud);

	free(d);
	r->dag = xstrdup(dag);
	/* The newest `limit` runs: one page of that size, or all. */
	if (limit > 0 && limit <= AF_PAGE) {
		char *path = xasprintf("%s&limit=%d", r->path, limit);

		free(r->path);
		r->path = path;
	} else {
		r->paged = true;
	}
	send_req(r);
}

static void af_load_recent(struct pipe_source *p, const char *dag,
			   pipe_done_fn done, void *ud)
{
	char *d = pipe_url_escape(dag);
	struct af_req *r = req_new(p, AK_RECENT, "GET",
				   xasprintf("dags/%s/dagRuns?order_by="
					     "-run_after&limit=%d", d,
					     PIPE_RECENT),
				   NULL, done, ud);

	free(d);
	r->dag = xstrdup(dag);
	send_req(r);
}

static void af_load_changed(struct pipe_source *p, int64_t since_ms,
			    pipe_done_fn done, void *ud)
{
	char when[64], *w;
	struct af_req *r;

	format_time_iso(since_ms, when, sizeof(when));
	w = pipe_url_escape(when);
	r = req_new(p, AK_CHANGED, "GET",
		    xasprintf("dags/~/dagRuns?updated_at_gte=%s&order_by="
			      "-updated_at&limit=%d", w, AF_PAGE),
		    NULL, done, ud);
	free(w);
	send_req(r);
}

static void af_load_tasks(struct pipe_source *p, const char *dag,
			  const char *run, pipe_done_fn done, void *ud)
{
	char *d = pipe_url_escape(dag), *u = pipe_url_escape(run);
	struct af_req *r = req_new(p, AK_TASKS, "GET",
				   xasprintf("dags/%s/dagRuns/%s/"
					     "taskInstances",
					     d, u),
				   NULL, done, ud);

	free(d);
	free(u);
	r->dag = xstrdup(dag);
	r->run = xstrdup(run);
	r->paged = true;
	send_req(r);
}

static void af_load_defs(struct pipe_source *p, const char *dag,
			 pipe_done_fn done, void *ud)
{
	char *d = pipe_url_escape(dag);
	struct af_req *r = req_new(p, AK_DEFS, "GET",
				   xasprintf("dags/%s/tasks", d), NULL, done,
				   ud);

	free(d);
	r->dag = xstrdup(dag);
	send_req(r);
}

static void af_load_log(struct pipe_source *p, const char *dag,
			const char *run, const char *task, int map_index,
			int try_number, pipe_done_fn done, void *ud)
{
	char *d = pipe_url_escape(dag), *u = pipe_url_escape(run), *t = pipe_url_escape(task), *tok = NULL;
	struct pipe_model *m = p->model;
	struct af_req *r;

	if (m->log_token) {
		char *e = pipe_url_escape(m->log_token);

		tok = xasprintf("&token=%s", e);
		free(e);
	}
	r = req_new(p, AK_LOG, "GET",
		    xasprintf("dags/%s/dagRuns/%s/taskInstances/%s/logs/%d"
			      "?map_index=%d&full_content=false%s", d, u, t,
			      try_number, map_index, tok ? tok : ""),
		    NULL, done, ud);
	free(d);
	free(u);
	free(t);
	free(tok);
	send_req(r);
}

static void af_write(struct pipe_source *p, const struct pipe_write *w,
		     struct pipe_write_result *res, pipe_done_fn done,
		     void *ud)
{
	char *d = pipe_url_escape(w->dag_id), *path = NULL, *body = NULL;
	const char *method = "POST";
	json_t *b = NULL;

	switch (w->kind) {
	case PW_TRIGGER: {
		json_t *conf = w->conf ? json_loads(w->conf, 0, NULL) : NULL;

		path = xasprintf("dags/%s/dagRuns", d);
		/* Airflow 3 wants logical_date sent, even null. */
		b = json_pack("{s:n, s:o}", "logical_date", "conf",
			      conf ? conf : json_object());
		break;
	}
	case PW_RETRY:
		/* A run again, as Airflow does it: its failed tasks (and
		 * what is downstream of them) cleared. */
		path = xasprintf("dags/%s/clearTaskInstances", d);
		b = json_pack("{s:s, s:b, s:b, s:b}", "dag_run_id", w->run_id,
			      "only_failed", 1, "include_downstream", 1,
			      "dry_run", w->dry_run);
		break;
	case PW_CLEAR: {
		json_t *ids = json_array();

		for (size_t i = 0; i < w->ntask_ids; i++)
			json_array_append_new(ids,
					      json_string(w->task_ids[i]));
		path = xasprintf("dags/%s/clearTaskInstances", d);
		/* dry_run is true when left out: always sent. */
		b = json_pack("{s:s, s:b, s:b, s:b}", "dag_run_id",
			      w->run_id, "only_failed", w->only_failed,
			      "include_downstream", w->downstream, "dry_run",
			      w->dry_run);
		if (w->ntask_ids)
			json_object_set_new(b, "task_ids", ids);
		else
			json_decref(ids);
		break;
	}
	case PW_MARK: {
		char *u = pipe_url_escape(w->run_id), *t = pipe_url_escape(w->task_ids[0]);
		char mi[24] = "";

		if (w->map_index >= 0)
			snprintf(mi, sizeof(mi), "/%d", w->map_index);
		method = "PATCH";
		path = xasprintf("dags/%s/dagRuns/%s/taskInstances/%s%s%s", d, u,
				 t, mi, w->dry_run ? "/dry_run" : "");
		b = json_pack("{s:s}", "new_state", w->new_state);
		free(u);
		free(t);
		break;
	}
	case PW_CANCEL: {
		/* Airflow has no cancel: a run marked failed stops, its
		 * running tasks are stopped and the rest not started. */
		char *u = pipe_url_escape(w->run_id);

		method = "PATCH";
		path = xasprintf("dags/%s/dagRuns/%s", d, u);
		b = json_pack("{s:s}", "state", "failed");
		free(u);
		break;
	}
	case PW_PAUSE:
	case PW_UNPAUSE:
		method = "PATCH";
		path = xasprintf("dags/%s?update_mask=is_paused", d);
		b = json_pack("{s:b}", "is_paused", w->kind == PW_PAUSE);
		break;
	}
	free(d);
	body = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	{
		struct af_req *r = req_new(p, AK_WRITE, method, path, body,
					   done, ud);

		r->wkind = w->kind;
		r->res = res;
		send_req(r);
	}
}

static int af_pollfds(struct pipe_source *p, struct pollfd *fds, int max,
		      int *timeout_ms)
{
	return http_pollfds(impl(p)->http, fds, max, timeout_ms);
}

static void af_dispatch(struct pipe_source *p, struct pollfd *fds, int n)
{
	http_dispatch(impl(p)->http, fds, n);
}

static int af_open(struct pipe_source *p, char **err)
{
	struct af *a = xcalloc(1, sizeof(*a));
	struct http_config cfg = {0};
	char *host = pipe_url_host(p->url);
	double timeout = opt_number(OPT_HTTP_TIMEOUT);

	p->impl = a;
	if (pipe_creds_load(host, &a->cred, err) != 0) {
		free(host);
		return -1;
	}
	free(host);
	cfg.token = a->cred.token;
	cfg.timeout_ms = (long)(timeout * 1000);
	cfg.connect_timeout_ms = cfg.timeout_ms < 10000 ? cfg.timeout_ms
							: 10000;
	cfg.max_body = 64u << 20;
	cfg.max_parallel = 6;
	a->http = http_new(&cfg, err);
	if (!a->http)
		return -1;
	if (a->cred.token)
		a->token = xstrdup(a->cred.token);
	a->api = xasprintf("%s/api/v2/", p->url);
	a->auth = xasprintf("%s/auth/token", p->url);
	return 0;
}

static void af_close(struct pipe_source *p)
{
	struct af *a = impl(p);

	if (a->http)
		http_free(a->http);
	while (a->live) {
		struct af_req *r = a->live;

		a->live = r->next;
		req_free(r);
	}
	pipe_creds_free(&a->cred);
	free(a->token);
	free(a->api);
	free(a->auth);
	free(a);
	p->impl = NULL;
}

static int af_stats(struct pipe_source *p, char *buf, size_t n)
{
	struct af *a = impl(p);

	return snprintf(buf, n, "http: %llu requests, %llu bytes",
			(unsigned long long)http_requests(a->http),
			(unsigned long long)http_bytes(a->http));
}

const struct pipe_ops pipe_airflow_ops = {
	.name = "airflow",
	.pipeline_title = "DAG",
	.owners_title = "OWNERS",
	.retry_means = "the run goes again: its failed tasks (and what is "
		       "downstream of them) are cleared and run anew",
	.tag_run = PIPE_TAG_RUN,
	.tag_task = PIPE_TAG_TASK,
	.open = af_open,
	.close = af_close,
	.pollfds = af_pollfds,
	.dispatch = af_dispatch,
	.load_dags = af_load_dags,
	.load_runs = af_load_runs,
	.load_tasks = af_load_tasks,
	.load_defs = af_load_defs,
	.load_recent = af_load_recent,
	.load_changed = af_load_changed,
	.load_log = af_load_log,
	.write = af_write,
	.stats = af_stats,
};
