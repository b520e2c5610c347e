/* prefect_parse.c: Prefect 3 REST API replies into the pipeline model,
 * read with the checked readers of pjson.h. Flows and deployments become
 * pipelines in pipe_prefect.c; flow runs are runs; task runs are tasks. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "pipeline/pjson.h"
#include "pipeline/prefect_parse.h"

void pf_flows_free(struct pf_flow *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].name);
		free(v[i].tags);
		free(v[i].json);
	}
	free(v);
}

void pf_deployments_free(struct pf_deployment *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].name);
		free(v[i].flow_id);
		free(v[i].schedule);
		free(v[i].pool);
		free(v[i].tags);
		free(v[i].description);
		free(v[i].schema);
		free(v[i].json);
	}
	free(v);
}

enum pipe_state pf_state(const char *type)
{
	static const struct {
		const char *word;
		enum pipe_state s;
	} map[] = {
		{"SCHEDULED", PS_SCHEDULED}, {"PENDING", PS_QUEUED},
		{"RUNNING", PS_RUNNING}, {"COMPLETED", PS_SUCCESS},
		{"FAILED", PS_FAILED}, {"CANCELLED", PS_CANCELLED},
		{"CRASHED", PS_FAILED}, {"PAUSED", PS_DEFERRED},
		{"CANCELLING", PS_RUNNING},
	};

	if (!type || !*type)
		return PS_NONE;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(type, map[i].word))
			return map[i].s;
	return PS_OTHER;
}

/* --- flows and deployments ----------------------------------------------- */

static void flow_read(struct pj *c, const json_t *o, void *out)
{
	struct pf_flow *f = out;

	f->id = pj_str(c, o, "id", true);
	f->name = pj_str(c, o, "name", true);
	f->tags = pj_names(c, o, "tags");
	f->json = pj_raw(o);
}

static void flows_drop(void *v, size_t n)
{
	pf_flows_free(v, n);
}

int pf_parse_flows(const char *body, size_t len, struct pf_flow **out,
		   size_t *n, char **err)
{
	long total;

	return pj_parse_list(body, len, NULL, sizeof(**out), flow_read,
			     flows_drop, (void **)out, n, &total, err);
}

/* One schedule in words: a cron line, "every 1h", "rrule". */
static char *schedule_words(struct pj *c, const json_t *s)
{
	json_t *cron = json_object_get(s, "cron");
	json_t *iv = json_object_get(s, "interval");

	if (json_is_string(cron))
		return sanitize_text(json_string_value(cron));
	if (json_is_number(iv)) {
		double sec = json_number_value(iv);

		if (!isfinite(sec) || sec <= 0)
			return xstrdup("every ?");
		if (fmod(sec, 86400) == 0)
			return xasprintf("every %.0fd", sec / 86400);
		if (fmod(sec, 3600) == 0)
			return xasprintf("every %.0fh", sec / 3600);
		if (fmod(sec, 60) == 0)
			return xasprintf("every %.0fm", sec / 60);
		return xasprintf("every %gs", sec);
	}
	if (json_object_get(s, "rrule"))
		return xstrdup("rrule");
	pj_fail(c, "schedules", "a schedule mltop does not know");
	return NULL;
}

/* The active schedules: the first in words, "+N" for the others. */
static char *schedules_read(struct pj *c, const json_t *o)
{
	json_t *v = json_object_get(o, "schedules"), *e;
	char *first = NULL, *out;
	size_t i, more = 0;

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_array(v)) {
		pj_fail(c, "schedules", "%s, not an array", pj_type(v));
		return NULL;
	}
	json_array_foreach(v, i, e) {
		json_t *s = json_object_get(e, "schedule");

		if (!json_is_object(e) || !json_is_object(s)) {
			pj_fail(c, "schedules", "an item that is not a "
				"schedule");
			break;
		}
		if (json_is_false(json_object_get(e, "active")))
			continue;
		if (first) {
			more++;
			continue;
		}
		first = schedule_words(c, s);
	}
	if (!first || !more)
		return first;
	out = xasprintf("%s +%zu", first, more);
	free(first);
	return out;
}

static void deployment_read(struct pj *c, const json_t *o, void *out)
{
	struct pf_deployment *d = out;
	json_t *schema = json_object_get(o, "parameter_openapi_schema");

	d->id = pj_str(c, o, "id", true);
	d->name = pj_str(c, o, "name", true);
	d->flow_id = pj_str(c, o, "flow_id", true);
	d->paused = pj_bool(c, o, "paused");
	d->schedule = schedules_read(c, o);
	d->pool = pj_str(c, o, "work_pool_name", false);
	d->tags = pj_names(c, o, "tags");
	d->description = pj_str(c, o, "description", false);
	d->enforce_schema = pj_bool(c, o, "enforce_parameter_schema");
	if (json_is_object(schema))
		d->schema = json_dumps(schema, JSON_COMPACT);
	d->json = pj_raw(o);
}

static void deployments_drop(void *v, size_t n)
{
	pf_deployments_free(v, n);
}

int pf_parse_deployments(const char *body, size_t len,
			 struct pf_deployment **out, size_t *n, char **err)
{
	long total;

	return pj_parse_list(body, len, NULL, sizeof(**out),
			     deployment_read, deployments_drop, (void **)out,
			     n, &total, err);
}

/* --- flow runs ----------------------------------------------------------- */

static const char *run_dag;   /* for run_read: the pipeline listed */

static void run_read(struct pj *c, const json_t *o, void *out)
{
	struct pipe_run *r = out;
	json_t *params = json_object_get(o, "parameters");
	json_t *state = json_object_get(o, "state");
	json_t *by = json_object_get(o, "created_by");
	char *type;

	r->dag_id = xstrdup(run_dag ? run_dag : "");
	r->run_id = pj_str(c, o, "id", true);
	r->name = pj_str(c, o, "name", false);
	type = pj_str(c, o, "state_type", false);
	r->state = pf_state(type);
	free(type);
	r->state_text = pj_str(c, o, "state_name", false);
	r->queued_ms = pj_time(c, o, "expected_start_time");
	r->logical_ms = r->queued_ms;
	r->start_ms = pj_time(c, o, "start_time");
	r->end_ms = pj_time(c, o, "end_time");
	if (pj_bool(c, o, "auto_scheduled"))
		r->run_type = xstrdup("scheduled");
	else if (json_is_string(json_object_get(o, "deployment_id")))
		r->run_type = xstrdup("manual");
	else
		r->run_type = xstrdup("ad hoc");
	if (params && !json_is_null(params)) {
		if (!json_is_object(params))
			pj_fail(c, "parameters", "%s, not an object",
				pj_type(params));
		else
			r->conf = json_dumps(params, JSON_COMPACT |
					     JSON_SORT_KEYS);
	}
	if (json_is_object(by))
		r->triggered_by = pj_str(c, by, "display_value", false);
	if (json_is_object(state))
		r->note = pj_str(c, state, "message", false);
	r->json = pj_raw(o);
}

static void runs_drop(void *v, size_t n)
{
	pipe_runs_free(v, n);
}

int pf_parse_runs(const char *body, size_t len, const char *dag,
		  struct pipe_run **out, size_t *n, char **err)
{
	long total;
	int rc;

	run_dag = dag;
	rc = pj_parse_list(body, len, NULL, sizeof(**out), run_read,
			   runs_drop, (void **)out, n, &total, err);
	run_dag = NULL;
	return rc;
}

int pf_parse_run(const char *body, size_t len, const char *dag,
		 struct pipe_run *out, char **err)
{
	struct pj c = {.err = err};
	json_t *root;

	*err = NULL;
	memset(out, 0, sizeof(*out));
	root = pj_load(&c, body, len, false);
	if (!root)
		return -1;
	run_dag = dag;
	run_read(&c, root, out);
	run_dag = NULL;
	json_decref(root);
	if (*err) {
		struct pipe_run *tmp = xmalloc(sizeof(*tmp));

		*tmp = *out;
		pipe_runs_free(tmp, 1);
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

char *pf_run_deployment(const char *json)
{
	json_t *o = json ? json_loads(json, 0, NULL) : NULL;
	json_t *d = json_object_get(o, "deployment_id");
	char *out = xstrdup(json_is_string(d) ? json_string_value(d) : "");

	json_decref(o);
	return out;
}

/* --- task runs ----------------------------------------------------------- */

static const char *task_prefix;

static void task_read(struct pj *c, const json_t *o, void *out)
{
	struct pipe_task *t = out;
	json_t *pol = json_object_get(o, "empirical_policy");
	long long runs = pj_int(c, o, "run_count", 0);
	char *name = pj_str(c, o, "name", true), *type;

	t->task_id = xasprintf("%s%s", task_prefix ? task_prefix : "",
			       name ? name : "");
	free(name);
	t->uid = pj_str(c, o, "id", true);
	t->map_index = -1;
	t->try_number = runs < 0 || runs > 1000000 ? 0 : (int)runs;
	if (json_is_object(pol)) {
		long long retries = pj_int(c, pol, "retries", 0);

		t->max_tries = retries < 0 || retries > 1000000
			       ? 0 : (int)retries + 1;
	}
	type = pj_str(c, o, "state_type", false);
	t->state = pf_state(type);
	free(type);
	t->state_text = pj_str(c, o, "state_name", false);
	t->queued_ms = pj_time(c, o, "expected_start_time");
	t->start_ms = pj_time(c, o, "start_time");
	t->end_ms = pj_time(c, o, "end_time");
	t->duration_s = pj_num(c, o, "total_run_time");
	t->operator_name = pj_str(c, o, "task_key", false);
	t->json = pj_raw(o);
}

static void tasks_drop(void *v, size_t n)
{
	pipe_tasks_free(v, n);
}

int pf_parse_tasks(const char *body, size_t len, const char *prefix,
		   struct pipe_task **out, size_t *n, char **err)
{
	long total;
	int rc;

	task_prefix = prefix;
	rc = pj_parse_list(body, len, NULL, sizeof(**out), task_read,
			   tasks_drop, (void **)out, n, &total, err);
	task_prefix = NULL;
	return rc;
}

/* --- logs ---------------------------------------------------------------- */

/* Python's logging levels, as Prefect stores them. */
static const char *level_word(long long lvl)
{
	if (lvl >= 50)
		return "critical";
	if (lvl >= 40)
		return "error";
	if (lvl >= 30)
		return "warning";
	if (lvl >= 20)
		return "info";
	return "debug";
}

int pf_parse_log(const char *body, size_t len, struct pipe_model *m,
		 size_t max_lines, size_t *count, char **err)
{
	struct pj c = {.err = err, .list = "logs", .in_list = true};
	json_t *root, *e;
	size_t i;

	*err = NULL;
	*count = 0;
	root = pj_load(&c, body, len, true);
	if (!root)
		return -1;
	if (!json_is_array(root)) {
		*err = xstrdup("an object, not a list of log lines");
		json_decref(root);
		return -1;
	}
	/* Checked whole first: a bad line appends nothing. */
	json_array_foreach(root, i, e) {
		c.index = i;
		if (!json_is_object(e)) {
			pj_fail(&c, NULL, "%s, not a log line", pj_type(e));
			break;
		}
		free(pj_str(&c, e, "message", false));
		pj_time(&c, e, "timestamp");
		pj_int(&c, e, "level", 20);
		if (*err)
			break;
	}
	if (*err) {
		json_decref(root);
		return -1;
	}
	json_array_foreach(root, i, e) {
		char *msg = pj_str(&c, e, "message", false);
		int64_t t = pj_time(&c, e, "timestamp");
		long long lvl = pj_int(&c, e, "level", 20);

		/* A message of several lines: the first carries the time
		 * (pushed alone, so the cap dropping old lines cannot move
		 * the time onto a later one). */
		if (msg && strchr(msg, '\n')) {
			size_t first = strcspn(msg, "\n");
			char *line = xstrndup(msg, first);

			pipe_log_push(m, t, level_word(lvl), line, max_lines);
			free(line);
			pipe_log_text(m, msg + first + 1, max_lines);
		} else {
			pipe_log_push(m, t, level_word(lvl), msg ? msg : "",
				      max_lines);
		}
		free(msg);
	}
	*count = json_array_size(root);
	json_decref(root);
	return 0;
}

/* --- errors -------------------------------------------------------------- */

char *pf_parse_error(const char *body, size_t len)
{
	json_t *root = json_loadb(body ? body : "", len, 0, NULL);
	json_t *d = root ? json_object_get(root, "detail") : NULL;
	json_t *ex = root ? json_object_get(root, "exception_message") : NULL;
	char *out = NULL;

	if (json_is_string(d)) {
		out = sanitize_text(json_string_value(d));
	} else if (json_is_array(d) && json_array_size(d)) {
		json_t *e0 = json_array_get(d, 0);
		json_t *msg = json_object_get(e0, "msg");
		json_t *loc = json_object_get(e0, "loc");
		char where[256] = "";

		if (json_is_array(loc)) {
			size_t i, w = 0;
			json_t *x;

			json_array_foreach(loc, i, x) {
				if (i == 0 && json_is_string(x) &&
				    !strcmp(json_string_value(x), "body"))
					continue;
				if (json_is_string(x))
					w += (size_t)snprintf(where + w,
						sizeof(where) - w, "%s%s",
						w ? "." : "",
						json_string_value(x));
				else if (json_is_integer(x))
					w += (size_t)snprintf(where + w,
						sizeof(where) - w, "[%lld]",
						(long long)json_integer_value(x));
				if (w >= sizeof(where))
					break;
			}
		}
		if (json_is_string(msg)) {
			char *t = *where ? xasprintf("%s: %s", where,
						     json_string_value(msg))
					 : xstrdup(json_string_value(msg));

			out = sanitize_text(t);
			free(t);
		}
	}
	if (!out && json_is_string(ex))
		out = sanitize_text(json_string_value(ex));
	json_decref(root);
	if (out && !*out) {
		free(out);
		out = NULL;
	}
	return out;
}

/* --- parameters against a schema ----------------------------------------- */

/* Does v have the JSON schema type word (or any of a list of them)? */
static bool type_fits(const json_t *v, const json_t *type)
{
	const char *t;

	if (json_is_array(type)) {
		size_t i;
		json_t *e;

		json_array_foreach(type, i, e)
			if (type_fits(v, e))
				return true;
		return false;
	}
	if (!json_is_string(type))
		return true;
	t = json_string_value(type);
	if (!strcmp(t, "integer"))
		return json_is_integer(v) ||
		       (json_is_real(v) && json_real_value(v) ==
			floor(json_real_value(v)));
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	return true;
}

/* The types a property allows: its "type", or those of its anyOf
 * branches (Optional[int] is anyOf integer, null). NULL: anything. */
static json_t *allowed_types(const json_t *prop)
{
	json_t *t = json_object_get(prop, "type");
	json_t *any = json_object_get(prop, "anyOf"), *e, *out;
	size_t i;

	if (t)
		return json_incref(t);
	if (!json_is_array(any))
		return NULL;
	out = json_array();
	json_array_foreach(any, i, e) {
		json_t *bt = json_object_get(e, "type");

		if (!json_is_string(bt)) {
			json_decref(out);
			return NULL;   /* a $ref or the like: not checked */
		}
		json_array_append(out, bt);
	}
	return out;
}

static const char *json_kind(const json_t *v)
{
	return pj_type(v);
}

char *pf_params_check(const char *schema, const char *params)
{
	json_t *s = schema ? json_loads(schema, 0, NULL) : NULL;
	json_t *p = json_loads(params ? params : "{}", 0, NULL);
	json_t *props, *req, *v, *ap;
	const char *k;
	char *why = NULL;
	size_t i;

	if (!json_is_object(p)) {
		why = xstrdup("not a JSON object of parameters");
		goto out;
	}
	if (!json_is_object(s))
		goto out;   /* no schema: Prefect takes anything */
	props = json_object_get(s, "properties");
	req = json_object_get(s, "required");
	ap = json_object_get(s, "additionalProperties");
	json_array_foreach(req, i, v) {
		if (json_is_string(v) &&
		    !json_object_get(p, json_string_value(v))) {
			char *n = sanitize_text(json_string_value(v));

			why = xasprintf("the parameter %s is required", n);
			free(n);
			goto out;
		}
	}
	json_object_foreach(p, k, v) {
		json_t *prop = json_is_object(props)
			       ? json_object_get(props, k) : NULL;
		json_t *types;

		if (!prop) {
			if (json_is_false(ap)) {
				char *n = sanitize_text(k);

				why = xasprintf("the deployment has no "
						"parameter %s", n);
				free(n);
				goto out;
			}
			continue;
		}
		types = allowed_types(prop);
		if (types && !type_fits(v, types)) {
			char *n = sanitize_text(k);
			char *want = json_dumps(types, JSON_COMPACT |
						JSON_ENCODE_ANY);
			char *w = sanitize_text(want ? want : "?");

			why = xasprintf("the parameter %s is %s; the "
					"deployment wants %s", n,
					json_kind(v), w);
			free(n);
			free(want);
			free(w);
		}
		json_decref(types);
		if (why)
			goto out;
	}
out:
	json_decref(s);
	json_decref(p);
	return why;
}

static const struct pipe_task *name_base;

static int name_cmp(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = strcmp(name_base[i].task_id, name_base[j].task_id);

	return c ? c : (i > j) - (i < j);
}

void pf_unique_names(struct pipe_task *t, size_t n)
{
	size_t *ix;
	bool *dup;

	if (n < 2)
		return;
	ix = xcalloc(n, sizeof(*ix));
	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	name_base = t;
	qsort(ix, n, sizeof(*ix), name_cmp);
	name_base = NULL;
	/* Sorted by name then place: one equal to the one before it is
	 * not the first of its name. */
	dup = xcalloc(n, sizeof(*dup));
	for (size_t k = 1; k < n; k++)
		dup[ix[k]] = !strcmp(t[ix[k - 1]].task_id, t[ix[k]].task_id);
	for (size_t i = 0; i < n; i++)
		if (dup[i]) {
			char *name = xasprintf("%s (%.8s)", t[i].task_id,
					       t[i].uid ? t[i].uid : "?");

			free(t[i].task_id);
			t[i].task_id = name;
		}
	free(dup);
	free(ix);
}
