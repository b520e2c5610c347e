/* airflow_parse.c: Airflow 3 REST API v2 replies into the pipeline model,
 * read with the checked readers of pjson.h. */
#include "config.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "pipeline/airflow_parse.h"
#include "pipeline/pjson.h"

static void dags_drop(void *v, size_t n)
{
	pipe_dags_free(v, n);
}

static void runs_drop(void *v, size_t n)
{
	pipe_runs_free(v, n);
}

static void tasks_drop(void *v, size_t n)
{
	pipe_tasks_free(v, n);
}

/* --- DAGs ---------------------------------------------------------------- */

static void dag_read(struct pj *c, const json_t *o, void *out)
{
	struct pipe_dag *d = out;
	char *next;

	d->id = pj_str(c, o, "dag_id", true);
	d->display = pj_str(c, o, "dag_display_name", false);
	d->schedule = pj_str(c, o, "timetable_summary", false);
	d->description = pj_str(c, o, "description", false);
	d->owners = pj_names(c, o, "owners");
	d->tags = pj_names(c, o, "tags");
	d->paused = pj_bool(c, o, "is_paused");
	d->import_errors = pj_bool(c, o, "has_import_errors");
	next = pj_str(c, o, "next_dagrun_run_after", false);
	if (next && !parse_time_iso(next, &d->next_run_ms))
		pj_fail(c, "next_dagrun_run_after", "not an ISO-8601 time");
	free(next);
	d->json = pj_raw(o);
}

int af_parse_dags(const char *body, size_t len, struct pipe_dag **out,
		  size_t *n, long *total, char **err)
{
	return pj_parse_list(body, len, "dags", sizeof(**out), dag_read,
			  dags_drop, (void **)out, n, total, err);
}

/* --- runs ---------------------------------------------------------------- */

static void run_read(struct pj *c, const json_t *o, void *out)
{
	struct pipe_run *r = out;
	json_t *conf = json_object_get(o, "conf");

	r->dag_id = pj_str(c, o, "dag_id", true);
	r->run_id = pj_str(c, o, "dag_run_id", true);
	r->run_type = pj_str(c, o, "run_type", false);
	r->state_text = pj_str(c, o, "state", false);
	r->state = pipe_state_parse(r->state_text);
	r->queued_ms = pj_time(c, o, "queued_at");
	r->start_ms = pj_time(c, o, "start_date");
	r->end_ms = pj_time(c, o, "end_date");
	r->logical_ms = pj_time(c, o, "logical_date");
	r->triggered_by = pj_str(c, o, "triggered_by", false);
	r->note = pj_str(c, o, "note", false);
	if (conf && !json_is_null(conf)) {
		if (!json_is_object(conf))
			pj_fail(c, "conf", "%s, not an object", pj_type(conf));
		else
			r->conf = json_dumps(conf, JSON_COMPACT |
					     JSON_SORT_KEYS);
	}
	r->json = pj_raw(o);
}

int af_parse_runs(const char *body, size_t len, struct pipe_run **out,
		  size_t *n, long *total, char **err)
{
	return pj_parse_list(body, len, "dag_runs", sizeof(**out), run_read,
			  runs_drop, (void **)out, n, total, err);
}

int af_parse_run(const char *body, size_t len, struct pipe_run *out,
		 char **err)
{
	struct pj c = {.err = err};
	json_t *root;

	*err = NULL;
	memset(out, 0, sizeof(*out));
	root = pj_load(&c, body, len, false);
	if (!root)
		return -1;
	run_read(&c, root, out);
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

/* --- task instances ------------------------------------------------------ */

static void task_read(struct pj *c, const json_t *o, void *out)
{
	struct pipe_task *t = out;
	long long mi = pj_int(c, o, "map_index", -1);
	long long tn = pj_int(c, o, "try_number", 0);
	long long mt = pj_int(c, o, "max_tries", 0);

	t->task_id = pj_str(c, o, "task_id", true);
	t->map_index = mi < -1 || mi > 1000000000 ? -1 : (int)mi;
	t->try_number = tn < 0 || tn > 1000000 ? 0 : (int)tn;
	t->max_tries = mt < 0 || mt > 1000000 ? 0 : (int)mt;
	t->state_text = pj_str(c, o, "state", false);
	t->state = pipe_state_parse(t->state_text);
	t->queued_ms = pj_time(c, o, "queued_when");
	t->start_ms = pj_time(c, o, "start_date");
	t->end_ms = pj_time(c, o, "end_date");
	t->duration_s = pj_num(c, o, "duration");
	t->operator_name = pj_str(c, o, "operator_name", false);
	if (!t->operator_name)
		t->operator_name = pj_str(c, o, "operator", false);
	t->hostname = pj_str(c, o, "hostname", false);
	t->json = pj_raw(o);
}

int af_parse_tasks(const char *body, size_t len, struct pipe_task **out,
		   size_t *n, long *total, char **err)
{
	return pj_parse_list(body, len, "task_instances", sizeof(**out),
			  task_read, tasks_drop, (void **)out, n, total, err);
}

static void def_read(struct pj *c, const json_t *e, void *out)
{
	struct pipe_task_def *d = out;
	json_t *ds = json_object_get(e, "downstream_task_ids"), *x;
	size_t j;

	d->task_id = pj_str(c, e, "task_id", true);
	if (ds && !json_is_null(ds) && !json_is_array(ds))
		pj_fail(c, "downstream_task_ids", "%s, not an array",
		     pj_type(ds));
	if (!json_is_array(ds))
		return;
	d->downstream = xcalloc(json_array_size(ds) + 1, sizeof(char *));
	json_array_foreach(ds, j, x) {
		if (!json_is_string(x)) {
			pj_fail(c, "downstream_task_ids", "an item that is %s",
			     pj_type(x));
			return;
		}
		d->downstream[d->ndownstream++] = xstrdup(json_string_value(x));
	}
}

static void defs_drop(void *v, size_t n)
{
	pipe_defs_free(v, n);
}

int af_parse_defs(const char *body, size_t len, struct pipe_task_def **out,
		  size_t *n, char **err)
{
	long total;

	return pj_parse_list(body, len, "tasks", sizeof(**out), def_read,
			  defs_drop, (void **)out, n, &total, err);
}

/* --- logs ---------------------------------------------------------------- */

int af_parse_log(const char *body, size_t len, struct pipe_model *m,
		 size_t max_lines, char **err)
{
	struct pj c = {.err = err};
	json_t *root, *content, *e;
	char *token;
	size_t i;

	*err = NULL;
	root = pj_load(&c, body, len, false);
	if (!root)
		return -1;
	content = json_object_get(root, "content");
	token = pj_str(&c, root, "continuation_token", false);
	if (*err) {
		json_decref(root);
		return -1;
	}
	if (json_is_string(content)) {
		pipe_log_text(m, json_string_value(content), max_lines);
	} else if (json_is_array(content)) {
		c.list = "content";
		c.in_list = true;
		json_array_foreach(content, i, e) {
			char *ev, *lvl, *ts;
			int64_t t = 0;

			c.index = i;
			if (json_is_string(e)) {
				pipe_log_text(m, json_string_value(e), max_lines);
				continue;
			}
			if (!json_is_object(e)) {
				pj_fail(&c, NULL, "%s, not a log line",
				     pj_type(e));
				break;
			}
			ev = pj_str(&c, e, "event", false);
			lvl = pj_str(&c, e, "level", false);
			ts = pj_str(&c, e, "timestamp", false);
			if (ts)
				parse_time_iso(ts, &t);
			if (*err) {
				free(ev);
				free(lvl);
				free(ts);
				break;
			}
			pipe_log_push(m, t, lvl, ev ? ev : "", max_lines);
			free(ev);
			free(lvl);
			free(ts);
		}
	} else if (content && !json_is_null(content)) {
		pj_fail(&c, "content", "%s, not a log", pj_type(content));
	}
	json_decref(root);
	if (*err) {
		free(token);
		return -1;
	}
	free(m->log_token);
	m->log_token = token;
	return 0;
}

/* --- import errors ------------------------------------------------------- */

static void import_error_read(struct pj *c, const json_t *e, void *out)
{
	struct pipe_import_error *v = out;
	const char *t, *last;
	size_t tl;

	v->filename = pj_str(c, e, "filename", true);
	v->trace = pj_str(c, e, "stack_trace", false);
	v->time_ms = pj_time(c, e, "timestamp");
	/* The message is the trace's last line that has words. */
	t = v->trace ? v->trace : "";
	tl = strlen(t);
	while (tl && (t[tl - 1] == '\n' || t[tl - 1] == ' '))
		tl--;
	last = t + tl;
	while (last > t && last[-1] != '\n')
		last--;
	v->message = xstrndup(last, (size_t)(t + tl - last));
}

static void import_errors_drop(void *v, size_t n)
{
	pipe_import_errors_free(v, n);
}

int af_parse_import_errors(const char *body, size_t len,
			   struct pipe_import_error **out, size_t *n,
			   char **err)
{
	long total;

	return pj_parse_list(body, len, "import_errors", sizeof(**out),
			  import_error_read, import_errors_drop, (void **)out,
			  n, &total, err);
}

/* --- auth and errors ----------------------------------------------------- */

int af_parse_token(const char *body, size_t len, char **token, char **err)
{
	struct pj c = {.err = err};
	json_t *root;

	*err = NULL;
	*token = NULL;
	root = pj_load(&c, body, len, false);
	if (!root)
		return -1;
	*token = pj_str(&c, root, "access_token", true);
	json_decref(root);
	if (*err) {
		free(*token);
		*token = NULL;
		return -1;
	}
	return 0;
}

char *af_parse_error(const char *body, size_t len)
{
	json_t *root = json_loadb(body ? body : "", len, 0, NULL);
	json_t *d = root ? json_object_get(root, "detail") : NULL;
	char *out = NULL;

	if (json_is_string(d)) {
		out = sanitize_text(json_string_value(d));
	} else if (json_is_array(d) && json_array_size(d)) {
		json_t *m = json_object_get(json_array_get(d, 0), "msg");
		json_t *loc = json_object_get(json_array_get(d, 0), "loc");
		const char *where = json_is_array(loc) ? json_string_value(
			json_array_get(loc, json_array_size(loc) - 1)) : NULL;

		if (json_is_string(m)) {
			char *t = where ? xasprintf("%s: %s", where,
						    json_string_value(m))
					: xstrdup(json_string_value(m));

			out = sanitize_text(t);
			free(t);
		}
	} else if (json_is_object(d) &&
		   json_is_string(json_object_get(d, "reason"))) {
		out = sanitize_text(json_string_value(
			json_object_get(d, "reason")));
	}
	if (!out && root && json_is_string(json_object_get(root, "title")))
		out = sanitize_text(json_string_value(json_object_get(root,
								     "title")));
	json_decref(root);
	if (out && !*out) {
		free(out);
		out = NULL;
	}
	return out;
}
