/* pipe_prefect.c: the pipeline backend for Prefect 3 (its REST API, base
 * .../api). A flow is a pipeline named by the flow ("train"), and so is
 * each of its deployments ("train/nightly"), listed after it; flow runs
 * are runs (their UUID is the run id, their name shown beside it); task
 * runs are the tasks, a subflow's tasks after their subflow, named
 * "subflow › task". Credentials as Prefect's client takes them: a bearer
 * PREFECT_API_KEY, or PREFECT_API_AUTH_STRING ("user:password") for basic
 * auth, else mltop's own MLTOP_PIPELINES_* variables or ~/.netrc. Every
 * request goes through the curl multi interface of the one loop. */
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
#include "pipeline/pipe_creds.h"
#include "pipeline/pipeline.h"
#include "pipeline/prefect_parse.h"

#define PF_PAGE 200            /* the server's largest page */
#define PF_MAX_PAGES 2000      /* one listing reads at most this many */
#define PF_LOG_LINES 200000    /* log lines kept of one task run */
#define PF_LOG_PAGE 200
#define PF_SUB_MAX 200         /* subflow runs nested in one Gantt */
#define PF_BUSY_RETRIES 4      /* a 503 or 429 is sent again this often */
/* Runs that start later than this are "upcoming", not listed with the
 * runs (a schedule makes them months ahead). */
#define PF_UPCOMING_MS (5 * 60 * 1000)

enum pf_kind {
	PK_FLOWS, PK_DEPLOYMENTS, PK_RUNS, PK_RECENT, PK_CHANGED, PK_TASKS,
	PK_SUBFLOWS, PK_SUBTASKS, PK_LOG, PK_RESOLVE, PK_WRITE, PK_DEP_WRITE,
	PK_RUNCHECK, PK_NEXT,
};

struct pf_req {
	struct pipe_source *p;
	enum pf_kind kind;
	const char *method;
	char *path;              /* under .../api/ */
	json_t *body;            /* the filter; offset set a page at a time */
	bool paged;
	long offset;
	int pages;
	struct http_req *http;
	void *items;             /* what a listing gathers */
	size_t nitems;
	/* PK_DEPLOYMENTS: the flows its PK_FLOWS listed (each load_dags
	 * carries its own, so two in flight never mix). */
	struct pf_flow *flows;
	size_t nflows;
	char *dag, *run, *task;
	/* PK_RESOLVE: the request that waits for dag's id. */
	struct pf_req *then;
	enum pipe_write_kind wkind;
	struct pipe_write_result *res;
	pipe_done_fn done;
	void *ud;
	struct pf_req *next;     /* live requests */
};

/* A pipeline's ids, from the last listing or a lookup by name. */
struct pf_id {
	char *dag;               /* "flow" or "flow/deployment" */
	char *id;                /* the flow's or the deployment's UUID */
	char *flow_id;
	char *schema;            /* a deployment's parameter schema */
};

struct pf {
	struct http *http;
	char *api;               /* base + "/" */
	struct pipe_creds cred;
	struct pf_req *live;
	struct pf_id *ids;
	size_t nids, capids;
	/* The subflow runs of the Gantt being read: id and name. */
	char **sub_ids, **sub_names;
	size_t nsubs;
	/* The log being read (run and task) and how many lines of it. */
	char *log_for;
	long log_at;
};

static struct pf *impl(struct pipe_source *p)
{
	return p->impl;
}

/* --- ids ----------------------------------------------------------------- */

static struct pf_id *id_find(struct pf *a, const char *dag)
{
	for (size_t i = 0; i < a->nids; i++)
		if (!strcmp(a->ids[i].dag, dag))
			return &a->ids[i];
	return NULL;
}

static void id_put(struct pf *a, const char *dag, const char *id,
		   const char *flow_id, const char *schema)
{
	struct pf_id *e = id_find(a, dag);

	if (!e) {
		a->ids = xgrow(a->ids, &a->capids, a->nids + 1,
			       sizeof(*a->ids));
		e = &a->ids[a->nids++];
		memset(e, 0, sizeof(*e));
		e->dag = xstrdup(dag);
	}
	free(e->id);
	free(e->flow_id);
	free(e->schema);
	e->id = xstrdup(id);
	e->flow_id = xstrdup(flow_id ? flow_id : id);
	e->schema = schema ? xstrdup(schema) : NULL;
}

static void ids_free(struct pf *a)
{
	for (size_t i = 0; i < a->nids; i++) {
		free(a->ids[i].dag);
		free(a->ids[i].id);
		free(a->ids[i].flow_id);
		free(a->ids[i].schema);
	}
	free(a->ids);
	a->ids = NULL;
	a->nids = a->capids = 0;
}

static bool is_deployment(const char *dag)
{
	return strchr(dag, '/') != NULL;
}

/* --- requests ------------------------------------------------------------ */

static void req_unlink(struct pf *a, struct pf_req *r)
{
	for (struct pf_req **pp = &a->live; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			return;
		}
}

static void items_free(struct pf_req *r)
{
	switch (r->kind) {
	case PK_FLOWS:
		pf_flows_free(r->items, r->nitems);
		break;
	case PK_DEPLOYMENTS:
		pf_deployments_free(r->items, r->nitems);
		break;
	case PK_RUNS:
	case PK_SUBFLOWS:
		pipe_runs_free(r->items, r->nitems);
		break;
	case PK_TASKS:
	case PK_SUBTASKS:
		pipe_tasks_free(r->items, r->nitems);
		break;
	case PK_NEXT:
		pipe_runs_free(r->items, r->nitems);
		break;
	default:
		break;
	}
	r->items = NULL;
	r->nitems = 0;
}

static void req_free(struct pf_req *r)
{
	if (!r)
		return;
	items_free(r);
	pf_flows_free(r->flows, r->nflows);
	free(r->path);
	json_decref(r->body);
	free(r->dag);
	free(r->run);
	free(r->task);
	free(r);
}

static void finish(struct pf_req *r, bool ok)
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

static void fail_req(struct pf_req *r, const char *msg)
{
	pipe_model_set_error(r->p->model, msg);
	r->p->model->error_ms = clock_now_ms();
	finish(r, false);
}

/* The server is away (no reply, 5xx, 429): what is shown stays, marked
 * stale, and polls back off, 1 s doubling to 30 s. */
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

static void on_reply(void *ud, const struct http_reply *rep);

static void send_req(struct pf_req *r)
{
	struct pf *a = impl(r->p);
	char *url = xasprintf("%s%s", a->api, r->path), *body = NULL;

	if (r->body) {
		if (r->paged) {
			json_object_set_new(r->body, "offset",
					    json_integer(r->offset));
			if (!json_object_get(r->body, "limit"))
				json_object_set_new(r->body, "limit",
						    json_integer(PF_PAGE));
		}
		body = json_dumps(r->body, JSON_COMPACT);
	}
	r->http = http_start(a->http, r->method, url,
			     body ? body : (strcmp(r->method, "GET") ? "{}"
							     : NULL),
			     on_reply, r);
	free(body);
	free(url);
}

static struct pf_req *req_new(struct pipe_source *p, enum pf_kind kind,
			      const char *method, char *path, json_t *body,
			      pipe_done_fn done, void *ud)
{
	struct pf_req *r = xcalloc(1, sizeof(*r));
	struct pf *a = impl(p);

	r->p = p;
	r->kind = kind;
	r->method = method;
	r->path = path;
	r->body = body;
	r->done = done;
	r->ud = ud;
	r->next = a->live;
	a->live = r;
	p->model->pending++;
	return r;
}

/* Send r once dag's id is known: at once when it is, else after a
 * lookup by name. */
static void send_for(struct pf_req *r);

/* --- replies ------------------------------------------------------------- */

static char *problem(struct pf_req *r, const struct http_reply *rep)
{
	struct pf *a = impl(r->p);
	char *d, *out;

	if (rep->error)
		return xstrdup(rep->error);
	if (rep->status >= 200 && rep->status < 300)
		return NULL;
	d = pf_parse_error(rep->body, rep->len);
	if (rep->status == 401)
		out = xasprintf("not authenticated (HTTP 401): %s; sent %s",
				d ? d : "credentials refused",
				a->cred.described);
	else if (rep->status == 403)
		out = xasprintf("permission denied (HTTP 403): %s; as %s",
				d ? d : "refused", a->cred.described);
	else if (rep->status == 404)
		out = xasprintf("not found (HTTP 404): %s",
				d ? d : "no such flow, deployment or run");
	else if (rep->status == 409)
		out = xasprintf("refused (HTTP 409): %s",
				d ? d : "a conflict with the run's state");
	else if (rep->status == 422)
		out = xasprintf("refused (HTTP 422): %s",
				d ? d : "the server did not accept it");
	else if (rep->status >= 300 && rep->status < 400)
		out = xasprintf("HTTP %ld, a redirect (not a Prefect reply)",
				rep->status);
	else if ((rep->status == 503 || rep->status == 429) && rep->retries)
		out = xasprintf("HTTP %ld: %s (the server was busy; sent %d "
				"times)", rep->status,
				d ? d : "not a Prefect reply", rep->retries + 1);
	else
		out = xasprintf("HTTP %ld: %s", rep->status,
				d ? d : "not a Prefect reply");
	free(d);
	return out;
}

static void append_items(struct pf_req *r, void *v, size_t n, size_t size)
{
	r->items = xreallocarray(r->items, r->nitems + n + 1, size);
	memcpy((char *)r->items + r->nitems * size, v, n * size);
	r->nitems += n;
	free(v);
}

/* A listing's page: gathered; true when another page is to be read. */
static bool take_page(struct pf_req *r, const struct http_reply *rep,
		      char **err)
{
	struct pipe_model *m = r->p->model;
	json_t *lim = r->body ? json_object_get(r->body, "limit") : NULL;
	long limit = json_is_integer(lim) ? (long)json_integer_value(lim)
					  : PF_PAGE;
	void *v = NULL;
	size_t n = 0, size = 0;
	int rc = -1;
	const char *what = "items";

	switch (r->kind) {
	case PK_FLOWS:
		rc = pf_parse_flows(rep->body, rep->len,
				    (struct pf_flow **)&v, &n, err);
		size = sizeof(struct pf_flow);
		what = "flows";
		break;
	case PK_DEPLOYMENTS:
		rc = pf_parse_deployments(rep->body, rep->len,
					  (struct pf_deployment **)&v, &n,
					  err);
		size = sizeof(struct pf_deployment);
		what = "deployments";
		break;
	case PK_RUNS:
	case PK_SUBFLOWS:
	case PK_NEXT:
		rc = pf_parse_runs(rep->body, rep->len, r->dag,
				   (struct pipe_run **)&v, &n, err);
		size = sizeof(struct pipe_run);
		what = "flow runs";
		break;
	case PK_TASKS:
	case PK_SUBTASKS:
		rc = pf_parse_tasks(rep->body, rep->len, "",
				    (struct pipe_task **)&v, &n, err);
		size = sizeof(struct pipe_task);
		what = "task runs";
		break;
	default:
		return false;
	}
	if (rc != 0)
		return false;
	append_items(r, v, n, size);
	r->pages++;
	r->offset += (long)n;
	if (!r->paged || (long)n < limit)
		return false;
	snprintf(m->progress, sizeof(m->progress), "loading %s: %ld so far…",
		 what, r->offset);
	if (r->pages >= PF_MAX_PAGES) {
		*err = xasprintf("more than %d pages (%ld read); stopped "
				 "reading", PF_MAX_PAGES, r->offset);
		return false;
	}
	return true;
}

static int dag_cmp(const void *x, const void *y)
{
	const struct pf_flow *a = x, *b = y;

	return strcmp(a->name, b->name);
}

static int dep_cmp(const void *x, const void *y)
{
	const struct pf_deployment *a = x, *b = y;

	return strcmp(a->name, b->name);
}

/* Each pipeline's next run: the first of the scheduled runs (they come
 * in time order) of the deployment, and of any of the flow's. */
static void apply_next(struct pipe_model *m, const struct pipe_run *v,
		       size_t n)
{
	for (size_t i = 0; i < m->ndags; i++)
		m->dags[i].next_run_ms = 0;
	for (size_t k = 0; k < n; k++) {
		char *dep = pf_run_deployment(v[k].json);

		for (size_t i = 0; *dep && i < m->ndags; i++) {
			struct pipe_dag *d = &m->dags[i];
			const char *sl = strchr(d->id, '/');

			if (!sl || !d->backend_id ||
			    strcmp(d->backend_id, dep) || d->next_run_ms)
				continue;
			d->next_run_ms = v[k].queued_ms;
			{
				/* "FLOW/DEPLOYMENT": the flow's row. */
				char *flow = xstrndup(d->id,
						      (size_t)(sl - d->id));
				struct pipe_dag *f = pipe_find_dag(m, flow);

				if (f && !f->next_run_ms)
					f->next_run_ms = v[k].queued_ms;
				free(flow);
			}
		}
		free(dep);
	}
}

/* Flows and deployments into the pipelines: each flow, then its
 * deployments. */
static void apply_dags(struct pf_req *r)
{
	struct pipe_source *p = r->p;
	struct pf *a = impl(p);
	struct pipe_model *m = p->model;
	struct pf_deployment *deps = r->items;
	size_t ndeps = r->nitems, n = 0;
	struct pipe_dag *nd = xcalloc(r->nflows + ndeps + 1, sizeof(*nd));

	if (r->nflows)
		qsort(r->flows, r->nflows, sizeof(*r->flows), dag_cmp);
	if (ndeps)
		qsort(deps, ndeps, sizeof(*deps), dep_cmp);
	ids_free(a);
	for (size_t i = 0; i < r->nflows; i++) {
		struct pf_flow *f = &r->flows[i];
		size_t ndep = 0;

		nd[n].id = xstrdup(f->name);
		nd[n].tags = f->tags ? xstrdup(f->tags) : NULL;
		nd[n].backend_id = xstrdup(f->id);
		nd[n].json = xstrdup(f->json);
		for (size_t j = 0; j < ndeps; j++)
			if (!strcmp(deps[j].flow_id, f->id))
				ndep++;
		nd[n].schedule = ndep ? xasprintf("%zu deployment%s", ndep,
						  ndep == 1 ? "" : "s")
				      : NULL;
		id_put(a, f->name, f->id, f->id, NULL);
		n++;
		for (size_t j = 0; j < ndeps; j++) {
			struct pf_deployment *d = &deps[j];

			if (strcmp(d->flow_id, f->id) != 0)
				continue;
			nd[n].id = xasprintf("%s/%s", f->name, d->name);
			nd[n].schedule = d->schedule ? xstrdup(d->schedule)
						     : xstrdup("none");
			nd[n].owners = d->pool ? xstrdup(d->pool) : NULL;
			nd[n].tags = d->tags ? xstrdup(d->tags) : NULL;
			nd[n].description = d->description
					    ? xstrdup(d->description) : NULL;
			nd[n].paused = d->paused;
			nd[n].backend_id = xstrdup(d->id);
			nd[n].json = xstrdup(d->json);
			id_put(a, nd[n].id, d->id, f->id, d->schema);
			n++;
		}
	}
	pf_flows_free(r->flows, r->nflows);
	r->flows = NULL;
	r->nflows = 0;
	/* The strips of recent runs stay until they are read again. */
	for (size_t i = 0; i < n; i++) {
		struct pipe_dag *old = pipe_find_dag(m, nd[i].id);

		if (old) {
			/* And the next run, until it is read again. */
			nd[i].next_run_ms = old->next_run_ms;
			memcpy(nd[i].recent, old->recent, sizeof(old->recent));
			memcpy(nd[i].recent_ids, old->recent_ids,
			       sizeof(old->recent_ids));
			memset(old->recent_ids, 0, sizeof(old->recent_ids));
			nd[i].nrecent = old->nrecent;
		}
	}
	pipe_dags_free(m->dags, m->ndags);
	m->dags = nd;
	m->ndags = n;
	m->dags_total = (long)n;
	m->dags_loaded = true;
}

/* The filter that picks the runs of dag (its flow, or its deployment),
 * started by now (upcoming ones left out), newest first. */
static json_t *runs_filter(struct pf *a, const char *dag, long limit)
{
	struct pf_id *e = id_find(a, dag);
	char until[64];
	json_t *b;

	format_time_iso(clock_now_ms() + PF_UPCOMING_MS, until,
			sizeof(until));
	b = json_pack("{s:s, s:I, s:{s:{s:s}}}", "sort",
		      "EXPECTED_START_TIME_DESC", "limit", (json_int_t)limit,
		      "flow_runs", "expected_start_time", "before_", until);
	if (e)
		json_object_set_new(b, is_deployment(dag) ? "deployments"
							  : "flows",
				    json_pack("{s:{s:[s]}}", "id", "any_",
					      e->id));
	return b;
}

static void apply_recent(struct pf_req *r, struct pipe_run *v, size_t n)
{
	struct pipe_dag *d = pipe_find_dag(r->p->model, r->dag);

	if (!d)
		return;
	for (int k = 0; k < d->nrecent; k++) {
		free(d->recent_ids[k]);
		d->recent_ids[k] = NULL;
	}
	d->nrecent = 0;
	for (size_t i = 0; i < n && i < PIPE_RECENT; i++) {
		d->recent_ids[d->nrecent] = xstrdup(v[i].run_id);
		d->recent[d->nrecent++] = v[i].state;
	}
}

/* A run the strip of pipeline dag lacks, or whose state moved: the
 * strip is out of date. */
static void check_strip(struct pipe_model *m, const char *dag,
			const struct pipe_run *run)
{
	struct pipe_dag *d = dag ? pipe_find_dag(m, dag) : NULL;
	int k;

	if (!d)
		return;
	for (k = 0; k < d->nrecent; k++)
		if (d->recent_ids[k] && !strcmp(d->recent_ids[k], run->run_id))
			break;
	if (k == d->nrecent || d->recent[k] != run->state)
		pipe_mark_changed(m, d->id);
}

static void apply_changed(struct pf_req *r, struct pipe_run *v, size_t n)
{
	struct pf *a = impl(r->p);
	struct pipe_model *m = r->p->model;

	if (n >= PF_PAGE)
		pipe_mark_changed(m, "*");
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_loads(v[i].json, 0, NULL);
		const char *fid = json_string_value(json_object_get(o,
							"flow_id"));
		const char *did = json_string_value(json_object_get(o,
							"deployment_id"));

		for (size_t j = 0; j < a->nids; j++) {
			const struct pf_id *e = &a->ids[j];

			if ((fid && !is_deployment(e->dag) &&
			     !strcmp(e->id, fid)) ||
			    (did && is_deployment(e->dag) &&
			     !strcmp(e->id, did)))
				check_strip(m, e->dag, &v[i]);
		}
		json_decref(o);
	}
}

/* The flow run id a task run belongs to (from its JSON); owned. */
static char *task_flow_run(const struct pipe_task *t)
{
	json_t *o = json_loads(t->json, 0, NULL);
	json_t *f = json_object_get(o, "flow_run_id");
	char *out = json_is_string(f) ? xstrdup(json_string_value(f)) : NULL;

	json_decref(o);
	return out;
}

static void subs_free(struct pf *a)
{
	for (size_t i = 0; i < a->nsubs; i++) {
		free(a->sub_ids[i]);
		free(a->sub_names[i]);
	}
	free(a->sub_ids);
	free(a->sub_names);
	a->sub_ids = a->sub_names = NULL;
	a->nsubs = 0;
}

static void set_tasks(struct pipe_model *m, const char *dag, const char *run,
		      struct pipe_task *t, size_t n)
{
	pf_unique_names(t, n);
	pipe_tasks_free(m->tasks, m->ntasks);
	m->tasks = t;
	m->ntasks = n;
	free(m->tasks_dag);
	free(m->tasks_run);
	m->tasks_dag = xstrdup(dag);
	m->tasks_run = xstrdup(run);
}

/* The subflows' task runs go after their subflow's own row (the parent's
 * task run named like it), each named "subflow › task". */
static void apply_subtasks(struct pf_req *r)
{
	struct pf *a = impl(r->p);
	struct pipe_model *m = r->p->model;
	struct pipe_task *sub = r->items, *all;
	size_t nsub = r->nitems, n = 0, nroot = m->ntasks;
	bool *placed = xcalloc(nsub + 1, sizeof(bool));

	for (size_t i = 0; i < nsub; i++) {
		char *fr = task_flow_run(&sub[i]);

		for (size_t k = 0; fr && k < a->nsubs; k++)
			if (!strcmp(a->sub_ids[k], fr)) {
				char *name = xasprintf("%s › %s",
						       a->sub_names[k],
						       sub[i].task_id);

				free(sub[i].task_id);
				sub[i].task_id = name;
				break;
			}
		free(fr);
	}
	all = xcalloc(nroot + nsub + 1, sizeof(*all));
	for (size_t i = 0; i < nroot; i++) {
		size_t len = strlen(m->tasks[i].task_id);

		all[n++] = m->tasks[i];
		for (size_t j = 0; j < nsub; j++)
			if (!placed[j] &&
			    !strncmp(sub[j].task_id, m->tasks[i].task_id,
				     len) &&
			    !strncmp(sub[j].task_id + len, " › ",
				     strlen(" › "))) {
				all[n++] = sub[j];
				placed[j] = true;
			}
	}
	for (size_t j = 0; j < nsub; j++)
		if (!placed[j])
			all[n++] = sub[j];
	free(m->tasks);
	m->tasks = all;
	m->ntasks = n;
	pf_unique_names(m->tasks, m->ntasks);
	free(sub);
	free(placed);
	r->items = NULL;
	r->nitems = 0;
}

static int take_write(struct pf_req *r, const struct http_reply *rep,
		      char **err)
{
	struct pipe_write_result *res = r->res;

	if (r->wkind == PW_TRIGGER) {
		struct pipe_run run;
		struct pipe_run *tmp;

		if (pf_parse_run(rep->body, rep->len, r->dag, &run, err) != 0)
			return -1;
		if (res) {
			res->run_id = xstrdup(run.run_id);
			if (run.name)
				res->items = xcalloc(2, sizeof(char *)),
				res->items[res->nitems++] = xstrdup(run.name);
		}
		tmp = xmalloc(sizeof(*tmp));
		*tmp = run;
		pipe_runs_free(tmp, 1);
	} else if (r->wkind == PW_RETRY || r->wkind == PW_CANCEL) {
		/* {"status": "ACCEPT" | "REJECT" | "ABORT" | "WAIT",
		 *  "details": {"reason": ...}} */
		json_t *o = json_loadb(rep->body, rep->len, 0, NULL);
		const char *st = json_string_value(json_object_get(o,
							"status"));
		json_t *det = json_object_get(o, "details");
		const char *why = json_string_value(json_object_get(det,
							"reason"));

		if (!st) {
			*err = xstrdup("no status in the reply to set_state");
		} else if (strcmp(st, "ACCEPT") != 0) {
			char *w = sanitize_text(why ? why : "no reason given");
			char *s = sanitize_text(st);

			*err = xasprintf("Prefect said %s: %s", s, w);
			free(w);
			free(s);
		}
		json_decref(o);
		return *err ? -1 : 0;
	}
	return 0;
}

static void on_reply(void *ud, const struct http_reply *rep)
{
	struct pf_req *r = ud;
	struct pf *a = impl(r->p);
	struct pipe_model *m = r->p->model;
	char *why, *err = NULL;

	r->http = NULL;
	why = problem(r, rep);
	if (why) {
		if (rep->error || rep->status >= 500 || rep->status == 429)
			away(m);
		if (r->kind == PK_RESOLVE) {
			struct pf_req *then = r->then;
			char *name = sanitize_text(then->dag);
			char *msg = rep->status == 404
				? xasprintf("no %s named %s on the server",
					    is_deployment(then->dag)
					    ? "deployment" : "flow", name)
				: xstrdup(why);

			r->then = NULL;
			fail_req(then, msg);
			free(msg);
			free(name);
		}
		if (r->kind == PK_RUNCHECK && rep->status == 404) {
			/* What is shown stays; the line says why it will
			 * not change again. */
			char *id = sanitize_text(r->run);

			free(why);
			why = xasprintf("no flow run %s on the server "
					"(deleted, or never there)", id);
			free(id);
		}
		fail_req(r, why);
		free(why);
		return;
	}
	switch (r->kind) {
	case PK_FLOWS:
		if (take_page(r, rep, &err)) {
			send_req(r);
			return;
		}
		if (!err) {
			/* Then the deployments, and both become the list. */
			struct pf_req *d;

			d = req_new(r->p, PK_DEPLOYMENTS, "POST",
				    xstrdup("deployments/filter"),
				    json_pack("{s:s}", "sort", "NAME_ASC"),
				    r->done, r->ud);
			d->flows = r->items;
			d->nflows = r->nitems;
			r->items = NULL;
			r->nitems = 0;
			d->paged = true;
			r->done = NULL;
			send_req(d);
		}
		break;
	case PK_DEPLOYMENTS:
		if (take_page(r, rep, &err)) {
			send_req(r);
			return;
		}
		if (!err) {
			/* Then the next scheduled run of each deployment:
			 * the earliest scheduled flow runs still to come. */
			char now[40];
			struct pf_req *nx;

			apply_dags(r);
			format_time_iso(clock_now_ms(), now, sizeof(now));
			nx = req_new(r->p, PK_NEXT, "POST",
				     xstrdup("flow_runs/filter"),
				     json_pack("{s:{s:{s:{s:[s]}}, s:{s:s}}, "
					       "s:s, s:i}",
					       "flow_runs", "state", "type",
					       "any_", "SCHEDULED",
					       "expected_start_time",
					       "after_", now,
					       "sort", "EXPECTED_START_TIME_ASC",
					       "limit", PF_PAGE),
				     r->done, r->ud);
			nx->dag = xstrdup("");
			r->done = NULL;
			send_req(nx);
		}
		break;
	case PK_NEXT:
		if (take_page(r, rep, &err) || err)
			break;
		apply_next(m, r->items, r->nitems);
		break;
	case PK_RUNS:
		if (take_page(r, rep, &err)) {
			send_req(r);
			return;
		}
		if (!err) {
			pipe_runs_free(m->runs, m->nruns);
			m->runs = r->items;
			m->nruns = r->nitems;
			m->runs_total = (long)r->nitems;
			r->items = NULL;
			r->nitems = 0;
			free(m->runs_dag);
			m->runs_dag = xstrdup(r->dag);
		}
		break;
	case PK_RECENT:
	case PK_CHANGED: {
		struct pipe_run *v;
		size_t n;

		if (pf_parse_runs(rep->body, rep->len, r->dag, &v, &n,
				  &err) == 0) {
			if (r->kind == PK_RECENT)
				apply_recent(r, v, n);
			else
				apply_changed(r, v, n);
			pipe_runs_free(v, n);
		}
		break;
	}
	case PK_TASKS:
		if (take_page(r, rep, &err)) {
			send_req(r);
			return;
		}
		if (!err && !r->nitems) {
			/* None: a run not started yet, or one deleted (its
			 * task runs go with it), which the run itself
			 * tells. */
			char *u = pipe_url_escape(r->run);
			struct pf_req *c = req_new(r->p, PK_RUNCHECK, "GET",
						   xasprintf("flow_runs/%s", u),
						   NULL, r->done, r->ud);

			free(u);
			c->dag = xstrdup(r->dag);
			c->run = xstrdup(r->run);
			r->done = NULL;
			send_req(c);
		} else if (!err) {
			/* Then its subflow runs, whose tasks nest. */
			struct pf_req *s;

			set_tasks(m, r->dag, r->run, r->items, r->nitems);
			r->items = NULL;
			r->nitems = 0;
			s = req_new(r->p, PK_SUBFLOWS, "POST",
				    xstrdup("flow_runs/filter"),
				    json_pack("{s:{s:{s:[s]}}, s:s, s:i}",
					      "flow_runs",
					      "parent_flow_run_id", "any_",
					      r->run, "sort",
					      "EXPECTED_START_TIME_ASC",
					      "limit", PF_SUB_MAX),
				    r->done, r->ud);
			s->dag = xstrdup(r->dag);
			s->run = xstrdup(r->run);
			r->done = NULL;
			send_req(s);
		}
		break;
	case PK_SUBFLOWS:
		if (take_page(r, rep, &err) || err)
			break;
		subs_free(a);
		if (r->nitems) {
			struct pipe_run *v = r->items;
			json_t *ids = json_array();
			struct pf_req *s;

			a->sub_ids = xcalloc(r->nitems, sizeof(char *));
			a->sub_names = xcalloc(r->nitems, sizeof(char *));
			for (size_t i = 0; i < r->nitems; i++) {
				json_t *o = json_loads(v[i].json, 0, NULL);
				const char *pt = json_string_value(
					json_object_get(o,
							"parent_task_run_id"));
				const char *fn = v[i].name ? v[i].name
							   : v[i].run_id;

				/* Named as the parent's task run that
				 * stands for the subflow, whose row its
				 * tasks follow. */
				for (size_t k = 0; pt && k < m->ntasks; k++)
					if (m->tasks[k].uid &&
					    !strcmp(m->tasks[k].uid, pt))
						fn = m->tasks[k].task_id;
				a->sub_ids[i] = xstrdup(v[i].run_id);
				a->sub_names[i] = xstrdup(fn);
				json_decref(o);
				json_array_append_new(ids,
						      json_string(v[i].run_id));
			}
			a->nsubs = r->nitems;
			s = req_new(r->p, PK_SUBTASKS, "POST",
				    xstrdup("task_runs/filter"),
				    json_pack("{s:{s:{s:o}}, s:s}",
					      "flow_runs", "id", "any_", ids,
					      "sort",
					      "EXPECTED_START_TIME_ASC"),
				    r->done, r->ud);
			s->paged = true;
			s->dag = xstrdup(r->dag);
			s->run = xstrdup(r->run);
			r->done = NULL;
			send_req(s);
		}
		break;
	case PK_RUNCHECK:
		set_tasks(m, r->dag, r->run, NULL, 0);
		break;
	case PK_SUBTASKS:
		if (take_page(r, rep, &err)) {
			send_req(r);
			return;
		}
		if (!err && m->tasks_run && !strcmp(m->tasks_run, r->run))
			apply_subtasks(r);
		break;
	case PK_LOG: {
		size_t count = 0;

		if (pf_parse_log(rep->body, rep->len, m, PF_LOG_LINES, &count,
				 &err) == 0) {
			a->log_at = r->offset + (long)count;
			free(m->log_token);
			/* A full page: more is there to read at once. */
			m->log_token = count >= PF_LOG_PAGE
				       ? xasprintf("%ld", a->log_at) : NULL;
			m->log_done = count < PF_LOG_PAGE;
		}
		break;
	}
	case PK_RESOLVE: {
		/* A deployment by name (GET) or flows by name (a list). */
		json_t *o = json_loadb(rep->body, rep->len, 0, NULL);
		json_t *one = json_is_array(o) ? json_array_get(o, 0) : o;
		const char *id = json_string_value(json_object_get(one, "id"));
		const char *fid = json_string_value(json_object_get(one,
							"flow_id"));
		json_t *schema = json_object_get(one,
						 "parameter_openapi_schema");
		struct pf_req *then = r->then;

		r->then = NULL;
		if (!id) {
			char *name = sanitize_text(then->dag);
			char *msg = xasprintf("no %s named %s on the server",
					      is_deployment(then->dag)
					      ? "deployment" : "flow", name);

			fail_req(then, msg);
			free(msg);
			free(name);
		} else {
			char *s = json_is_object(schema)
				  ? json_dumps(schema, JSON_COMPACT) : NULL;

			id_put(a, then->dag, id, fid, s);
			free(s);
			send_for(then);
		}
		json_decref(o);
		break;
	}
	case PK_DEP_WRITE:
	case PK_WRITE:
		take_write(r, rep, &err);
		break;
	}
	if (err) {
		char *msg = xasprintf("bad reply from Prefect: %s", err);

		free(err);
		fail_req(r, msg);
		free(msg);
		return;
	}
	finish(r, true);
}

/* r's filter (or path) made for dag's id, then sent. */
static void fill_for(struct pf_req *r, const struct pf_id *e);

static void send_for(struct pf_req *r)
{
	struct pf *a = impl(r->p);
	const struct pf_id *e = id_find(a, r->dag);
	struct pf_req *q;
	char *path;

	if (e) {
		fill_for(r, e);
		send_req(r);
		return;
	}
	/* Not listed yet: looked up by name first. */
	if (is_deployment(r->dag)) {
		const char *slash = strchr(r->dag, '/');
		char *flow = xstrndup(r->dag, (size_t)(slash - r->dag));
		char *f = pipe_url_escape(flow), *d = pipe_url_escape(slash + 1);

		path = xasprintf("deployments/name/%s/%s", f, d);
		free(flow);
		free(f);
		free(d);
		q = req_new(r->p, PK_RESOLVE, "GET", path, NULL, NULL, NULL);
	} else {
		q = req_new(r->p, PK_RESOLVE, "POST",
			    xstrdup("flows/filter"),
			    json_pack("{s:{s:{s:[s]}}, s:i}", "flows", "name",
				      "any_", r->dag, "limit", 1),
			    NULL, NULL);
	}
	q->then = r;
	send_req(q);
}

static void fill_for(struct pf_req *r, const struct pf_id *e)
{
	switch (r->kind) {
	case PK_RUNS:
	case PK_RECENT: {
		json_t *lim = json_object_get(r->body, "limit");
		long limit = json_is_integer(lim)
			     ? (long)json_integer_value(lim) : PF_PAGE;

		json_decref(r->body);
		r->body = runs_filter(impl(r->p), r->dag, limit);
		break;
	}
	case PK_DEP_WRITE: {
		/* r->task holds the rest of the path. */
		char *id = pipe_url_escape(e->id);

		free(r->path);
		r->path = xasprintf("deployments/%s/%s", id, r->task);
		free(id);
		break;
	}
	default:
		break;
	}
}

/* --- ops ----------------------------------------------------------------- */

static void pf_load_dags(struct pipe_source *p, pipe_done_fn done, void *ud)
{
	struct pf_req *r = req_new(p, PK_FLOWS, "POST",
				   xstrdup("flows/filter"),
				   json_pack("{s:s}", "sort", "NAME_ASC"),
				   done, ud);

	r->paged = true;
	send_req(r);
}

static void pf_load_runs(struct pipe_source *p, const char *dag, int limit,
			 pipe_done_fn done, void *ud)
{
	struct pf_req *r = req_new(p, PK_RUNS, "POST",
				   xstrdup("flow_runs/filter"),
				   json_pack("{s:i}", "limit",
					     limit > 0 && limit <= PF_PAGE
					     ? limit : PF_PAGE),
				   done, ud);

	r->dag = xstrdup(dag);
	r->paged = !(limit > 0 && limit <= PF_PAGE);
	send_for(r);
}

static void pf_load_recent(struct pipe_source *p, const char *dag,
			   pipe_done_fn done, void *ud)
{
	struct pf_req *r = req_new(p, PK_RECENT, "POST",
				   xstrdup("flow_runs/filter"),
				   json_pack("{s:i}", "limit", PIPE_RECENT),
				   done, ud);

	r->dag = xstrdup(dag);
	send_for(r);
}

static void pf_load_changed(struct pipe_source *p, int64_t since_ms,
			    pipe_done_fn done, void *ud)
{
	char when[64];
	struct pf_req *r;

	/* Prefect keeps no "updated since" filter on flow runs: the runs
	 * that can have moved are those not finished, and those that
	 * started or ended since the last look. */
	format_time_iso(since_ms, when, sizeof(when));
	r = req_new(p, PK_CHANGED, "POST", xstrdup("flow_runs/filter"),
		    json_pack("{s:{s:s, s:{s:{s:[s,s,s,s]}}, s:{s:s}, "
			      "s:{s:s}}, s:i, s:s}",
			      "flow_runs", "operator", "or_",
			      "state", "type", "any_", "RUNNING", "PENDING",
			      "CANCELLING", "PAUSED",
			      "start_time", "after_", when,
			      "end_time", "after_", when,
			      "limit", PF_PAGE, "sort", "START_TIME_DESC"),
		    done, ud);
	send_req(r);
}

static void pf_load_tasks(struct pipe_source *p, const char *dag,
			  const char *run, pipe_done_fn done, void *ud)
{
	struct pf_req *r = req_new(p, PK_TASKS, "POST",
				   xstrdup("task_runs/filter"),
				   json_pack("{s:{s:{s:[s]}}, s:s}",
					     "flow_runs", "id", "any_", run,
					     "sort",
					     "EXPECTED_START_TIME_ASC"),
				   done, ud);

	r->dag = xstrdup(dag);
	r->run = xstrdup(run);
	r->paged = true;
	send_req(r);
}

/* Prefect keeps no definition of a flow's tasks apart from its runs:
 * the Gantt orders them by their start. */
static void pf_load_defs(struct pipe_source *p, const char *dag,
			 pipe_done_fn done, void *ud)
{
	struct pipe_model *m = p->model;

	pipe_defs_free(m->defs, m->ndefs);
	m->defs = NULL;
	m->ndefs = 0;
	free(m->defs_dag);
	m->defs_dag = xstrdup(dag);
	m->gen++;
	if (done)
		done(p, true, ud);
}

/* The task run a task of the Gantt names: its UUID, or NULL. */
static const char *task_uid(struct pipe_model *m, const char *run,
			    const char *task)
{
	if (!m->tasks_run || strcmp(m->tasks_run, run) != 0)
		return NULL;
	for (size_t i = 0; i < m->ntasks; i++)
		if (!strcmp(m->tasks[i].task_id, task))
			return m->tasks[i].uid;
	return NULL;
}

static void pf_load_log(struct pipe_source *p, const char *dag,
			const char *run, const char *task, int map_index,
			int try_number, pipe_done_fn done, void *ud)
{
	struct pipe_model *m = p->model;
	struct pf *a = impl(p);
	char *key = xasprintf("%s\x1f%s", run, task ? task : "");
	const char *uid;
	json_t *logs;
	struct pf_req *r;

	(void)dag;
	(void)map_index;
	(void)try_number;
	/* Lines are read from where the last read of the same log ended;
	 * a log read afresh (cleared) starts at the top. */
	if (!a->log_for || strcmp(a->log_for, key) != 0 || !m->nlog)
		a->log_at = 0;
	free(a->log_for);
	a->log_for = key;
	logs = json_pack("{s:{s:[s]}}", "flow_run_id", "any_", run);
	if (task && *task) {
		uid = task_uid(m, run, task);
		json_object_set_new(logs, "task_run_id",
				    uid ? json_pack("{s:[s]}", "any_", uid)
					: json_pack("{s:[s]}", "any_", task));
	}
	r = req_new(p, PK_LOG, "POST", xstrdup("logs/filter"),
		    json_pack("{s:o, s:s, s:I, s:i}", "logs", logs, "sort",
			      "TIMESTAMP_ASC", "offset", (json_int_t)a->log_at,
			      "limit", PF_LOG_PAGE),
		    done, ud);
	r->offset = a->log_at;
	send_req(r);
}

static char *pf_refuse(struct pipe_source *p, const struct pipe_write *w)
{
	struct pipe_model *m = p->model;
	struct pf *a = impl(p);
	const struct pf_id *e = id_find(a, w->dag_id);

	switch (w->kind) {
	case PW_TRIGGER:
		if (!is_deployment(w->dag_id))
			return xstrdup("Prefect runs a deployment, not a "
				       "flow: pick one of the flow's "
				       "deployments (FLOW/DEPLOYMENT)");
		if (e && e->schema) {
			char *why = pf_params_check(e->schema, w->conf);

			if (why) {
				char *out = xasprintf("the parameters do not "
						      "fit the deployment: "
						      "%s", why);

				free(why);
				return out;
			}
		}
		return NULL;
	case PW_PAUSE:
	case PW_UNPAUSE:
		if (!is_deployment(w->dag_id))
			return xstrdup("a flow has no schedule of its own: "
				       "pause one of its deployments");
		return NULL;
	case PW_CLEAR:
	case PW_MARK:
		return xasprintf("Prefect has no %s of task runs: retry the "
				 "flow run (a) or cancel it (K)",
				 pipe_write_name(w->kind));
	case PW_RETRY: {
		const struct pipe_run *r = pipe_find_run(m, w->run_id);

		if (r) {
			char *dep;
			bool none;

			if (r->state != PS_FAILED && r->state != PS_CANCELLED)
				return xasprintf("the run is %s: only a failed, "
						 "crashed or cancelled run is "
						 "retried",
						 r->state_text ? r->state_text
							       : "not finished");
			dep = pf_run_deployment(r->json);
			none = !*dep;
			free(dep);
			if (none)
				return xstrdup("Prefect retries only a run of "
					       "a deployment; this one has "
					       "none (it ran ad hoc)");
		}
		return NULL;
	}
	case PW_CANCEL: {
		const struct pipe_run *r = pipe_find_run(m, w->run_id);

		if (r && pipe_state_final(r->state))
			return xasprintf("the run is %s already: nothing to "
					 "cancel", r->state_text
					 ? r->state_text : "finished");
		return NULL;
	}
	}
	return NULL;
}

static void pf_write(struct pipe_source *p, const struct pipe_write *w,
		     struct pipe_write_result *res, pipe_done_fn done,
		     void *ud)
{
	struct pf *a = impl(p);
	const struct pf_id *e = id_find(a, w->dag_id);
	char *why = pf_refuse(p, w), *u;
	struct pf_req *r;

	r = req_new(p, PK_WRITE, "POST", NULL, NULL, done, ud);
	r->wkind = w->kind;
	r->res = res;
	r->dag = xstrdup(w->dag_id);
	if (why) {
		fail_req(r, why);
		free(why);
		return;
	}
	if (w->dry_run) {
		/* Nothing to ask Prefect: the plan is the write itself. */
		finish(r, true);
		return;
	}
	switch (w->kind) {
	case PW_TRIGGER: {
		json_t *params = w->conf ? json_loads(w->conf, 0, NULL)
					 : NULL;

		r->body = json_pack("{s:o}", "parameters",
				    params ? params : json_object());
		r->path = xstrdup("create_flow_run");
		break;
	}
	case PW_PAUSE:
	case PW_UNPAUSE:
		r->path = xstrdup(w->kind == PW_PAUSE ? "pause_deployment"
						      : "resume_deployment");
		break;
	case PW_RETRY:
		u = pipe_url_escape(w->run_id);
		r->path = xasprintf("flow_runs/%s/set_state", u);
		free(u);
		/* What Prefect's own UI sends to retry a run. */
		r->body = json_pack("{s:{s:s, s:s, s:s}, s:b}", "state",
				    "type", "SCHEDULED", "name",
				    "AwaitingRetry", "message",
				    "Retry from mltop", "force", 1);
		send_req(r);
		return;
	case PW_CANCEL: {
		const struct pipe_run *run = pipe_find_run(p->model,
							    w->run_id);
		bool started = !run || run->state == PS_RUNNING;

		u = pipe_url_escape(w->run_id);
		r->path = xasprintf("flow_runs/%s/set_state", u);
		free(u);
		/* A run under way is asked to stop (its worker ends it);
		 * one not started yet is cancelled outright. */
		r->body = json_pack("{s:{s:s, s:s}, s:b}", "state", "type",
				    started ? "CANCELLING" : "CANCELLED",
				    "message", "Cancelled from mltop",
				    "force", 1);
		send_req(r);
		return;
	}
	default:
		fail_req(r, "not a write Prefect has");
		return;
	}
	/* Deployment writes: under deployments/ID/. */
	{
		char *rest = r->path;

		r->path = NULL;
		if (e) {
			char *id = pipe_url_escape(e->id);

			r->path = xasprintf("deployments/%s/%s", id, rest);
			free(id);
			free(rest);
			send_req(r);
			return;
		}
		/* Looked up by name first: the path is made then. */
		r->task = rest;
		r->kind = PK_DEP_WRITE;
		send_for(r);
	}
}

static int pf_pollfds(struct pipe_source *p, struct pollfd *fds, int max,
		      int *timeout_ms)
{
	return http_pollfds(impl(p)->http, fds, max, timeout_ms);
}

static void pf_dispatch(struct pipe_source *p, struct pollfd *fds, int n)
{
	http_dispatch(impl(p)->http, fds, n);
}

static int pf_open(struct pipe_source *p, char **err)
{
	struct pf *a = xcalloc(1, sizeof(*a));
	struct http_config cfg = {0};
	double timeout = opt_number(OPT_HTTP_TIMEOUT);
	const char *key = getenv("PREFECT_API_KEY");
	const char *auth = getenv("PREFECT_API_AUTH_STRING");
	char *host = pipe_url_host(p->url), *user = NULL;

	p->impl = a;
	if (key && *key) {
		a->cred.token = xstrdup(key);
		a->cred.described = xstrdup("a key from PREFECT_API_KEY");
	} else if (auth && *auth) {
		const char *colon = strchr(auth, ':');

		if (!colon) {
			*err = xstrdup("PREFECT_API_AUTH_STRING: not "
				       "USER:PASSWORD");
			free(host);
			return -1;
		}
		user = xstrndup(auth, (size_t)(colon - auth));
		a->cred.user = user;
		a->cred.password = xstrdup(colon + 1);
		{
			char *safe = sanitize_text(user);

			a->cred.described = xasprintf(
				"user '%s' from PREFECT_API_AUTH_STRING", safe);
			free(safe);
		}
	} else if (pipe_creds_load(host, &a->cred, err) != 0) {
		free(host);
		return -1;
	}
	free(host);
	cfg.user = a->cred.user;
	cfg.password = a->cred.password;
	cfg.token = a->cred.token;
	cfg.timeout_ms = (long)(timeout * 1000);
	cfg.connect_timeout_ms = cfg.timeout_ms < 10000 ? cfg.timeout_ms
							: 10000;
	cfg.max_body = 64u << 20;
	cfg.max_parallel = 6;
	/* Prefect answers 503 when its database was busy and the
	 * transaction rolled back ("clients can retry"), and its own client
	 * sends every method again on 503 and 429: so does mltop, 4 times
	 * over about 7.5 s. */
	cfg.busy_retries = PF_BUSY_RETRIES;
	a->http = http_new(&cfg, err);
	if (!a->http)
		return -1;
	a->api = xasprintf("%s/", p->url);
	return 0;
}

static void pf_close(struct pipe_source *p)
{
	struct pf *a = impl(p);

	if (a->http)
		http_free(a->http);
	while (a->live) {
		struct pf_req *r = a->live;

		a->live = r->next;
		req_free(r->then);
		req_free(r);
	}
	pipe_creds_free(&a->cred);
	ids_free(a);
	subs_free(a);
	free(a->log_for);
	free(a->api);
	free(a);
	p->impl = NULL;
}

static int pf_stats(struct pipe_source *p, char *buf, size_t n)
{
	struct pf *a = impl(p);

	return snprintf(buf, n, "http: %llu requests, %llu bytes",
			(unsigned long long)http_requests(a->http),
			(unsigned long long)http_bytes(a->http));
}

const struct pipe_ops pipe_prefect_ops = {
	.name = "prefect",
	.pipeline_title = "FLOW/DEPLOYMENT",
	.owners_title = "WORK POOL",
	.bare_lists = true,
	.run_log = true,
	.retry_means = "the flow run goes again from its start (tasks with "
		       "cached results are not run again)",
	.tag_run = PIPE_TAG_PREFECT_RUN,
	.tag_task = PIPE_TAG_PREFECT_TASK,
	.refuse = pf_refuse,
	.open = pf_open,
	.close = pf_close,
	.pollfds = pf_pollfds,
	.dispatch = pf_dispatch,
	.load_dags = pf_load_dags,
	.load_runs = pf_load_runs,
	.load_tasks = pf_load_tasks,
	.load_defs = pf_load_defs,
	.load_recent = pf_load_recent,
	.load_changed = pf_load_changed,
	.load_log = pf_load_log,
	.write = pf_write,
	.stats = pf_stats,
};
