/* cli.c: the scripting commands (experiments, runs, metric).
 * Plain tables for people, --json in the shapes of MLflow's REST API. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/msg.h"
#include "core/format.h"
#include "core/jsonw.h"
#include "core/sanitize.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "store/search.h"
#include "store/store.h"

/* Big output goes out in 64 KiB writes, with the stream locked once. */
static char outbuf[1 << 16];

static void out_begin(void)
{
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
}

static int wait_ok(struct store *s, const char *what)
{
	store_wait(s);
	if (s->model->error) {
		msg_err("%s: %s", s->uri.display,
			s->model->error);
		return -1;
	}
	(void)what;
	return 0;
}

static bool is_prefix(const char *id)
{
	size_t n = strlen(id);

	return n >= 4 && n < 32 &&
	       strspn(id, "0123456789abcdef") == n;
}

void cli_free_ids(char **ids, size_t n)
{
	for (size_t i = 0; ids && i < n; i++)
		free(ids[i]);
	free(ids);
}

char **cli_resolve_run_ids(struct store *s, const char *const *ids,
			   size_t n)
{
	struct model *m = s->model;
	char **out = xcalloc(n + 1, sizeof(*out));
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any |= is_prefix(ids[i]);
	if (any && !m->exps_loaded) {
		/* A server searches the experiments it knows. */
		s->ops->load_experiments(s, &(struct store_req){
			.forced = true, .include_deleted = true}, NULL, NULL);
		if (wait_ok(s, "experiments") != 0)
			goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if (is_prefix(ids[i]))
			s->ops->load_run_prefix(s, &CLI_REQ, ids[i], NULL,
						NULL);
	if (any && wait_ok(s, "runs") != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const char *hit = NULL, *other = NULL;
		size_t len = strlen(ids[i]);

		if (!is_prefix(ids[i])) {
			out[i] = xstrdup(ids[i]);
			continue;
		}
		for (size_t e = 0; e < m->nexps; e++)
			for (size_t r = 0; r < m->exps[e]->nruns_loaded; r++) {
				const char *id = m->exps[e]->runs[r]->id;

				if (strncmp(id, ids[i], len) != 0 ||
				    (hit && !strcmp(hit, id)))
					continue;
				if (hit)
					other = id;
				else
					hit = id;
			}
		if (!hit) {
			msg_err("no run with id %s", ids[i]);
			goto fail;
		}
		if (other) {
			msg_err("run id %s is ambiguous: %s, %s%s", ids[i], hit,
				other, "; give more of it");
			goto fail;
		}
		out[i] = xstrdup(hit);
	}
	return out;
fail:
	cli_free_ids(out, n);
	return NULL;
}

static void notice(struct store *s)
{
	if (s->model->notice)
		msg_err("warning: %s", s->model->notice);
}


/* --- experiments ------------------------------------------------------- */

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Params and tags in key order: every backend gives the same text. */
static void json_tags(struct jsonw *w, const char *name,
		      const struct kv_list *l, bool omit_empty)
{
	struct kv *v;

	if (omit_empty && l->n == 0)
		return;
	v = xmalloc((l->n + 1) * sizeof(*v));
	if (l->n)
		memcpy(v, l->v, l->n * sizeof(*v));
	qsort(v, l->n, sizeof(*v), kv_cmp);
	jsonw_key(w, name);
	jsonw_arr_begin(w);
	for (size_t i = 0; i < l->n; i++) {
		jsonw_obj_begin(w);
		jsonw_kstr(w, "key", v[i].key);
		jsonw_kstr(w, "value", v[i].value);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	free(v);
}

/* Experiments by numeric id, as the SQLite store lists them. */
static int exp_cmp(const void *a, const void *b)
{
	const struct experiment *x = *(struct experiment *const *)a;
	const struct experiment *y = *(struct experiment *const *)b;
	long long p = strtoll(x->id, NULL, 10), q = strtoll(y->id, NULL, 10);

	if (p != q)
		return p < q ? -1 : 1;
	return strcmp(x->id, y->id);
}

int cli_experiments(struct store *s, const struct cli_opts *o)
{
	struct model *m = s->model;

	struct store_req req = CLI_REQ;

	req.include_deleted = o->all;
	req.want_counts = !o->json && !o->names;
	s->ops->load_experiments(s, &req, NULL, NULL);
	if (wait_ok(s, "experiments") != 0)
		return 2;
	notice(s);
	if (m->nexps)
		qsort(m->exps, m->nexps, sizeof(*m->exps), exp_cmp);
	if (o->names) {
		/* For the shell completion scripts: one name a line. */
		for (size_t i = 0; i < m->nexps; i++) {
			char *name = sanitize_text(m->exps[i]->name);

			puts(name);
			free(name);
		}
	} else if (o->json) {
		struct jsonw w;

		jsonw_init(&w, stdout);
		jsonw_obj_begin(&w);
		jsonw_key(&w, "experiments");
		jsonw_arr_begin(&w);
		for (size_t i = 0; i < m->nexps; i++) {
			struct experiment *e = m->exps[i];

			jsonw_obj_begin(&w);
			jsonw_kstr(&w, "experiment_id", e->id);
			jsonw_kstr(&w, "name", e->name);
			jsonw_kstr(&w, "artifact_location",
				   e->artifact_location);
			jsonw_kstr(&w, "lifecycle_stage", e->lifecycle_stage);
			jsonw_kint(&w, "creation_time", e->creation_time);
			jsonw_kint(&w, "last_update_time", e->last_update_time);
			json_tags(&w, "tags", &e->tags, true);
			jsonw_obj_end(&w);
		}
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
		fputc('\n', stdout);
	} else {
		static const char *const heads[] = {
			"ID", "NAME", "RUNS", "RUNNING", "LAST ACTIVITY",
			"STAGE"};
		struct text_table t = {.ncols = 6, .heads = heads};

		for (size_t i = 0; i < m->nexps; i++) {
			struct experiment *e = m->exps[i];
			char nr[24], nrun[24], act[40];
			const char *row[6];

			if (e->nruns >= 0)
				snprintf(nr, sizeof(nr), "%d", e->nruns);
			else
				snprintf(nr, sizeof(nr), "?");
			snprintf(nrun, sizeof(nrun), "%d", e->nrunning);
			format_time(e->last_activity, act, sizeof(act));
			row[0] = e->id;
			row[1] = e->name;
			row[2] = nr;
			row[3] = nrun;
			row[4] = act;
			row[5] = e->lifecycle_stage;
			text_table_add(&t, row);
		}
		text_table_print(&t, stdout);
	}
	return fflush(stdout) == 0 ? 0 : 2;
}

/* --- runs -------------------------------------------------------------- */

/* MLflow's default order for search_runs: newest start first. */
static int run_cmp(const void *a, const void *b)
{
	const struct run *x = *(struct run *const *)a;
	const struct run *y = *(struct run *const *)b;

	if (x->start_time != y->start_time)
		return x->start_time < y->start_time ? 1 : -1;
	return strcmp(x->id, y->id);
}

static void json_run(struct jsonw *w, const struct run *r)
{
	jsonw_obj_begin(w);
	jsonw_key(w, "info");
	jsonw_obj_begin(w);
	jsonw_kstr(w, "run_id", r->id);
	jsonw_kstr(w, "run_uuid", r->id);
	jsonw_kstr(w, "run_name", r->name);
	jsonw_kstr(w, "experiment_id", r->experiment_id);
	jsonw_kstr(w, "user_id", r->user_id);
	jsonw_kstr(w, "status", r->status_str);
	jsonw_kint(w, "start_time", r->start_time);
	if (r->end_time)
		jsonw_kint(w, "end_time", r->end_time);
	jsonw_kstr(w, "artifact_uri", r->artifact_uri);
	jsonw_kstr(w, "lifecycle_stage", r->lifecycle_stage);
	jsonw_obj_end(w);
	jsonw_key(w, "data");
	jsonw_obj_begin(w);
	jsonw_key(w, "metrics");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < r->nmetrics; i++) {
		const struct series *ser = &r->metrics[i];

		if (!ser->has_latest)
			continue;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "key", ser->key);
		jsonw_key(w, "value");
		jsonw_double(w, ser->latest.value);
		jsonw_kint(w, "timestamp", ser->latest.timestamp);
		jsonw_kint(w, "step", ser->latest.step);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	json_tags(w, "params", &r->params, false);
	json_tags(w, "tags", &r->tags, false);
	jsonw_obj_end(w);
	jsonw_obj_end(w);
}

static struct experiment *find_experiment(struct model *m, const char *key)
{
	struct experiment *e = model_experiment_by_name(m, key);

	return e ? e : model_experiment(m, key);
}

static const struct search *sort_search;

static int search_run_cmp(const void *a, const void *b)
{
	return search_cmp(sort_search, *(struct run *const *)a,
			  *(struct run *const *)b);
}

/* runs --json of one experiment, streamed: a batch of runs at a time
 * from the store's scan, written and freed. */
struct scan_out {
	struct jsonw w;
	long left;         /* runs still wanted; -1: all */
	bool begun;        /* the head is out */
};

/* The head goes out with the first runs, so a store that fails before
 * any leaves stdout empty. */
static void scan_begin(struct scan_out *so)
{
	if (so->begun)
		return;
	so->begun = true;
	out_begin();
	jsonw_init(&so->w, stdout);
	jsonw_obj_begin(&so->w);
	jsonw_key(&so->w, "runs");
	jsonw_arr_begin(&so->w);
}

static bool scan_print(struct store *s, struct run *const *runs, size_t n,
		       void *ud)
{
	struct scan_out *so = ud;

	(void)s;
	scan_begin(so);
	for (size_t i = 0; i < n && so->left != 0; i++) {
		json_run(&so->w, runs[i]);
		if (so->left > 0)
			so->left--;
	}
	return so->left != 0;
}

static int cli_runs_stream(struct store *s, const struct cli_opts *o,
			   const struct store_req *req, struct experiment *e)
{
	struct scan_out so = {.left = o->max_results > 0 ? o->max_results
							 : -1};

	s->ops->scan_runs(s, req, e, scan_print, &so, NULL, NULL);
	if (wait_ok(s, "runs") != 0) {
		fflush(stdout);
		return 2;
	}
	scan_begin(&so);
	jsonw_arr_end(&so.w);
	jsonw_obj_end(&so.w);
	fputc('\n', stdout);
	return fflush(stdout) == 0 ? 0 : 2;
}

static int cli_runs_search(struct store *s, const struct cli_opts *o,
			   struct store_req *reqp, const struct search *q)
{
	struct model *m = s->model;
	struct run **all = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct store_req req = *reqp;

	s->ops->load_experiments(s, &req, NULL, NULL);
	if (wait_ok(s, "experiments") != 0)
		return 2;
	notice(s);
	req.include_deleted = o->all;
	if (o->experiment) {
		struct experiment *e = find_experiment(m, o->experiment);

		if (!e) {
			msg_err("no experiment named or "
				"numbered '%s'", o->experiment);
			return 2;
		}
		/* One experiment's JSON streams, in any order: memory
		 * follows a batch, not the experiment. */
		if (o->json && s->ops->scan_runs &&
		    !e->nruns_loaded)
			return cli_runs_stream(s, o, &req, e);
		s->ops->load_runs(s, &req, e, NULL, NULL);
	} else {
		for (size_t i = 0; i < m->nexps; i++)
			s->ops->load_runs(s, &req, m->exps[i], NULL, NULL);
	}
	if (wait_ok(s, "runs") != 0)
		return 2;
	for (size_t i = 0; i < m->nexps; i++) {
		struct experiment *e = m->exps[i];

		if (!e->runs_loaded || !e->nruns_loaded)
			continue;
		all = xgrow(all, &cap, n + e->nruns_loaded, sizeof(*all));
		memcpy(all + n, e->runs, e->nruns_loaded * sizeof(*all));
		n += e->nruns_loaded;
	}
	if (n && q) {
		sort_search = q;
		qsort(all, n, sizeof(*all), search_run_cmp);
	} else if (n) {
		qsort(all, n, sizeof(*all), run_cmp);
	}
	if (o->max_results > 0 && n > (size_t)o->max_results)
		n = (size_t)o->max_results;
	out_begin();
	if (o->json) {
		struct jsonw w;

		jsonw_init(&w, stdout);
		jsonw_obj_begin(&w);
		jsonw_key(&w, "runs");
		jsonw_arr_begin(&w);
		for (size_t i = 0; i < n; i++)
			json_run(&w, all[i]);
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
		fputc('\n', stdout);
	} else {
		static const char *const heads[] = {
			"RUN ID", "EXP", "STATUS", "START", "DURATION", "USER",
			"NAME"};
		struct text_table t = {.ncols = 7, .heads = heads};

		for (size_t i = 0; i < n; i++) {
			struct run *r = all[i];
			char start[40], dur[24];
			const char *row[7];
			int64_t ms;

			format_time(r->start_time, start, sizeof(start));
			if (r->end_time &&
			    run_duration_ms(r->start_time, r->end_time, &ms))
				format_duration(ms, dur, sizeof(dur));
			else
				snprintf(dur, sizeof(dur), "-");
			row[0] = r->id;
			row[1] = r->experiment_id;
			row[2] = r->status_str;
			row[3] = start;
			row[4] = dur;
			row[5] = r->user_id;
			row[6] = r->name;
			text_table_add(&t, row);
		}
		text_table_print(&t, stdout);
	}
	free(all);
	if (fflush(stdout) != 0)
		rc = 2;
	return rc;
}

int cli_runs(struct store *s, const struct cli_opts *o)
{
	struct search *q = NULL;
	struct store_req req = CLI_REQ;
	int rc;

	/* A filter MLflow would refuse is refused before any request. */
	if (o->filter || o->norder_by) {
		char *err = NULL;

		q = search_parse(o->filter, o->order_by, o->norder_by, &err);
		if (!q) {
			msg_err("%s", err ? err : "bad filter");
			free(err);
			return 1;
		}
		req.search = q;
	}
	req.max_results = o->max_results;
	rc = cli_runs_search(s, o, &req, q);
	search_free(q);
	return rc;
}

/* --- metric ------------------------------------------------------------ */

/* RUN_ID may be a comma-separated list: the histories are then fetched
 * together (in parallel from a server) and each point names its run, as
 * MLflow's get-history-bulk-interval does. */
int cli_metric(struct store *s, const struct cli_opts *o)
{
	char *ids = xstrdup(o->run_id), *save = NULL, *tok;
	char **list = NULL, **whole = NULL;
	size_t n = 0, cap = 0;
	struct jsonw w;
	bool multi;
	int rc = 2;

	for (tok = strtok_r(ids, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		list = xgrow(list, &cap, n + 1, sizeof(*list));
		list[n++] = tok;
	}
	multi = n > 1;
	if (n == 0) {
		msg_err("%s", "metric: no run id");
		goto out;
	}
	whole = cli_resolve_run_ids(s, (const char *const *)list, n);
	if (!whole)
		goto out;
	for (size_t i = 0; i < n; i++)
		list[i] = whole[i];
	for (size_t i = 0; i < n; i++)
		s->ops->load_run(s, &CLI_REQ, list[i], NULL, NULL);
	if (wait_ok(s, "run") != 0)
		goto out;
	notice(s);
	{
		/* A key none of the runs logs is a mistake, not an empty
		 * history: say so, with the keys the first run has. */
		bool logged = false;
		struct run *r0 = model_find_run(s->model, list[0]);

		for (size_t i = 0; i < n && !logged; i++) {
			struct run *r = model_find_run(s->model, list[i]);
			struct series *ser = r ? run_series(r, o->key) : NULL;

			logged = ser && ser->has_latest;
		}
		if (!logged && r0) {
			char keys[512] = "";
			size_t len = 0;

			for (size_t k = 0; k < r0->nmetrics && len < 400; k++)
				len += (size_t)snprintf(keys + len,
							sizeof(keys) - len,
							"%s%s", k ? ", " : "",
							r0->metrics[k].key);
			msg_err("no metric '%s' in %s%s (%s%s)", o->key,
				n > 1 ? "these runs" : "run ",
				n > 1 ? "" : list[0], r0->nmetrics
				? "it logs " : "it logs no metric", keys);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct run *r = model_find_run(s->model, list[i]);

		if (!r) {
			msg_err("no run with id %s", list[i]);
			goto out;
		}
		s->ops->load_history(s, &CLI_REQ, r, run_series_upsert(r, o->key),
				     NULL,
				     NULL);
	}
	if (wait_ok(s, "metric history") != 0)
		goto out;
	out_begin();
	jsonw_init(&w, stdout);
	if (o->json) {
		jsonw_obj_begin(&w);
		jsonw_key(&w, "metrics");
		jsonw_arr_begin(&w);
	} else {
		printf("%s%-12s  %-24s  %s\n",
		       multi ? "RUN ID                            " : "",
		       "STEP", "TIME", "VALUE");
	}
	for (size_t k = 0; k < n; k++) {
		struct run *r = model_find_run(s->model, list[k]);
		struct series *ser = run_series(r, o->key);

		for (size_t i = 0; ser && i < ser->n; i++) {
			if (o->json) {
				jsonw_obj_begin(&w);
				jsonw_kstr(&w, "key", ser->key);
				jsonw_key(&w, "value");
				jsonw_double(&w, ser->pts[i].value);
				jsonw_kint(&w, "timestamp",
					   ser->pts[i].timestamp);
				jsonw_kint(&w, "step", ser->pts[i].step);
				if (multi)
					jsonw_kstr(&w, "run_id", r->id);
				jsonw_obj_end(&w);
			} else {
				char t[40], v[40];

				format_time_iso(ser->pts[i].timestamp, t,
						sizeof(t));
				format_value_exact(ser->pts[i].value, v,
						   sizeof(v));
				printf("%s%s%-12lld  %-24s  %s\n",
				       multi ? r->id : "", multi ? "  " : "",
				       (long long)ser->pts[i].step, t, v);
			}
		}
	}
	if (o->json) {
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
		fputc('\n', stdout);
	}
	rc = fflush(stdout) == 0 ? 0 : 2;
out:
	cli_free_ids(whole, n);
	free(list);
	free(ids);
	return rc;
}
