/* airflow_parse.c: Airflow 3 REST API v2 replies into the pipeline model.
 * A reply is checked as it is read; the first thing that is not what
 * Airflow sends fails the whole reply with its place named
 * ("dags[3].dag_id: a number, not a string"), so a broken reply never
 * half-replaces what is on screen. */
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

struct pctx {
	char **err;
	const char *list;      /* "dags" */
	size_t index;
	bool in_list;
};

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static void fail(struct pctx *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct pctx *c, const char *key, const char *fmt, ...)
{
	char what[160], *safe;
	va_list ap;

	if (*c->err)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	safe = sanitize_text(key ? key : "");
	if (c->in_list)
		*c->err = xasprintf("%s[%zu]%s%s: %s", c->list, c->index,
				    key ? "." : "", safe, what);
	else
		*c->err = xasprintf("%s%s%s", safe, key ? ": " : "", what);
	free(safe);
}

static json_t *load(struct pctx *c, const char *body, size_t len)
{
	json_error_t e;
	json_t *root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES,
				  &e);

	if (!root) {
		*c->err = xstrdup("not JSON");
		return NULL;
	}
	if (!json_is_object(root)) {
		*c->err = xasprintf("%s, not a JSON object", type_name(root));
		json_decref(root);
		return NULL;
	}
	return root;
}

/* A string field (NUL bytes refused), NULL when absent or null. */
static char *get_str(struct pctx *c, const json_t *o, const char *key,
		     bool required)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (required)
			fail(c, key, "missing");
		return NULL;
	}
	if (!json_is_string(v)) {
		fail(c, key, "%s, not a string", type_name(v));
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		fail(c, key, "a string with a NUL byte");
		return NULL;
	}
	if (required && !json_string_length(v)) {
		fail(c, key, "empty");
		return NULL;
	}
	return xstrdup(json_string_value(v));
}

static bool get_bool(struct pctx *c, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		fail(c, key, "%s, not a boolean", type_name(v));
		return false;
	}
	return json_is_true(v);
}

static long long get_int(struct pctx *c, const json_t *o, const char *key,
			 long long dflt)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return dflt;
	if (!json_is_integer(v)) {
		fail(c, key, "%s, not an integer", type_name(v));
		return dflt;
	}
	return (long long)json_integer_value(v);
}

static double get_num(struct pctx *c, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return -1;
	if (!json_is_number(v)) {
		fail(c, key, "%s, not a number", type_name(v));
		return -1;
	}
	return json_number_value(v);
}

/* An ISO-8601 time field to epoch ms (0: absent or null). */
static int64_t get_time(struct pctx *c, const json_t *o, const char *key)
{
	char *s = get_str(c, o, key, false);
	int64_t t = 0;

	if (s && !parse_time_iso(s, &t))
		fail(c, key, "not an ISO-8601 time");
	free(s);
	return t;
}

/* A list of strings, or of objects with "name" (Airflow's tags), as
 * "a, b". NULL when absent or empty. */
static char *get_names(struct pctx *c, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key), *e;
	size_t i, len = 0, cap = 0;
	char *out = NULL;

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_array(v)) {
		fail(c, key, "%s, not an array", type_name(v));
		return NULL;
	}
	json_array_foreach(v, i, e) {
		const char *s = NULL;

		if (json_is_string(e))
			s = json_string_value(e);
		else if (json_is_object(e) &&
			 json_is_string(json_object_get(e, "name")))
			s = json_string_value(json_object_get(e, "name"));
		if (!s) {
			fail(c, key, "an item that is %s, not a name",
			     type_name(e));
			free(out);
			return NULL;
		}
		out = xgrow(out, &cap, len + strlen(s) + 3, 1);
		len += (size_t)snprintf(out + len, cap - len, "%s%s",
					len ? ", " : "", s);
	}
	return out;
}

/* The list under key, each item an object. */
static json_t *get_list(struct pctx *c, json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);

	c->list = key;
	if (!json_is_array(v)) {
		fail(c, key, v ? "%s, not an array" : "missing%s",
		     v ? type_name(v) : "");
		return NULL;
	}
	return v;
}

static long get_total(struct pctx *c, json_t *root, size_t n)
{
	long long t = get_int(c, root, "total_entries", (long long)n);

	return t < 0 ? 0 : (long)t;
}

/* The object as it came, for --json: compact, every non-ASCII character
 * (C1 controls and bidi overrides among them) as a \u escape. */
static char *raw(const json_t *o)
{
	return json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
			  JSON_PRESERVE_ORDER);
}

/* The objects listed under key: each read by read into the next element
 * (size bytes) of a new array. The first bad item fails the whole reply,
 * named by its place, and drop frees what was read. */
static int parse_list(const char *body, size_t len, const char *key,
		      size_t size,
		      void (*read)(struct pctx *c, const json_t *o, void *out),
		      void (*drop)(void *v, size_t n), void **out, size_t *n,
		      long *total, char **err)
{
	struct pctx c = {.err = err};
	json_t *root, *list, *e;
	size_t i, count;
	char *v;

	*err = NULL;
	*out = NULL;
	*n = 0;
	root = load(&c, body, len);
	list = root ? get_list(&c, root, key) : NULL;
	if (!list) {
		json_decref(root);
		return -1;
	}
	count = json_array_size(list);
	v = xcalloc(count + 1, size);
	c.in_list = true;
	json_array_foreach(list, i, e) {
		c.index = i;
		if (!json_is_object(e))
			fail(&c, NULL, "%s, not an object", type_name(e));
		else
			read(&c, e, v + i * size);
		if (*err)
			break;
	}
	c.in_list = false;
	*total = get_total(&c, root, count);
	json_decref(root);
	if (*err) {
		drop(v, count);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

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

static void dag_read(struct pctx *c, const json_t *o, void *out)
{
	struct pipe_dag *d = out;
	char *next;

	d->id = get_str(c, o, "dag_id", true);
	d->display = get_str(c, o, "dag_display_name", false);
	d->schedule = get_str(c, o, "timetable_summary", false);
	d->description = get_str(c, o, "description", false);
	d->owners = get_names(c, o, "owners");
	d->tags = get_names(c, o, "tags");
	d->paused = get_bool(c, o, "is_paused");
	d->import_errors = get_bool(c, o, "has_import_errors");
	next = get_str(c, o, "next_dagrun_run_after", false);
	if (next && !parse_time_iso(next, &d->next_run_ms))
		fail(c, "next_dagrun_run_after", "not an ISO-8601 time");
	free(next);
	d->json = raw(o);
}

int af_parse_dags(const char *body, size_t len, struct pipe_dag **out,
		  size_t *n, long *total, char **err)
{
	return parse_list(body, len, "dags", sizeof(**out), dag_read,
			  dags_drop, (void **)out, n, total, err);
}

/* --- runs ---------------------------------------------------------------- */

static void run_read(struct pctx *c, const json_t *o, void *out)
{
	struct pipe_run *r = out;
	json_t *conf = json_object_get(o, "conf");

	r->dag_id = get_str(c, o, "dag_id", true);
	r->run_id = get_str(c, o, "dag_run_id", true);
	r->run_type = get_str(c, o, "run_type", false);
	r->state_text = get_str(c, o, "state", false);
	r->state = pipe_state_parse(r->state_text);
	r->queued_ms = get_time(c, o, "queued_at");
	r->start_ms = get_time(c, o, "start_date");
	r->end_ms = get_time(c, o, "end_date");
	r->logical_ms = get_time(c, o, "logical_date");
	r->triggered_by = get_str(c, o, "triggered_by", false);
	r->note = get_str(c, o, "note", false);
	if (conf && !json_is_null(conf)) {
		if (!json_is_object(conf))
			fail(c, "conf", "%s, not an object", type_name(conf));
		else
			r->conf = json_dumps(conf, JSON_COMPACT |
					     JSON_SORT_KEYS);
	}
	r->json = raw(o);
}

int af_parse_runs(const char *body, size_t len, struct pipe_run **out,
		  size_t *n, long *total, char **err)
{
	return parse_list(body, len, "dag_runs", sizeof(**out), run_read,
			  runs_drop, (void **)out, n, total, err);
}

int af_parse_run(const char *body, size_t len, struct pipe_run *out,
		 char **err)
{
	struct pctx c = {.err = err};
	json_t *root;

	*err = NULL;
	memset(out, 0, sizeof(*out));
	root = load(&c, body, len);
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

static void task_read(struct pctx *c, const json_t *o, void *out)
{
	struct pipe_task *t = out;
	long long mi = get_int(c, o, "map_index", -1);
	long long tn = get_int(c, o, "try_number", 0);
	long long mt = get_int(c, o, "max_tries", 0);

	t->task_id = get_str(c, o, "task_id", true);
	t->map_index = mi < -1 || mi > 1000000000 ? -1 : (int)mi;
	t->try_number = tn < 0 || tn > 1000000 ? 0 : (int)tn;
	t->max_tries = mt < 0 || mt > 1000000 ? 0 : (int)mt;
	t->state_text = get_str(c, o, "state", false);
	t->state = pipe_state_parse(t->state_text);
	t->queued_ms = get_time(c, o, "queued_when");
	t->start_ms = get_time(c, o, "start_date");
	t->end_ms = get_time(c, o, "end_date");
	t->duration_s = get_num(c, o, "duration");
	t->operator_name = get_str(c, o, "operator_name", false);
	if (!t->operator_name)
		t->operator_name = get_str(c, o, "operator", false);
	t->hostname = get_str(c, o, "hostname", false);
	t->json = raw(o);
}

int af_parse_tasks(const char *body, size_t len, struct pipe_task **out,
		   size_t *n, long *total, char **err)
{
	return parse_list(body, len, "task_instances", sizeof(**out),
			  task_read, tasks_drop, (void **)out, n, total, err);
}

static void def_read(struct pctx *c, const json_t *e, void *out)
{
	struct pipe_task_def *d = out;
	json_t *ds = json_object_get(e, "downstream_task_ids"), *x;
	size_t j;

	d->task_id = get_str(c, e, "task_id", true);
	if (ds && !json_is_null(ds) && !json_is_array(ds))
		fail(c, "downstream_task_ids", "%s, not an array",
		     type_name(ds));
	if (!json_is_array(ds))
		return;
	d->downstream = xcalloc(json_array_size(ds) + 1, sizeof(char *));
	json_array_foreach(ds, j, x) {
		if (!json_is_string(x)) {
			fail(c, "downstream_task_ids", "an item that is %s",
			     type_name(x));
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

	return parse_list(body, len, "tasks", sizeof(**out), def_read,
			  defs_drop, (void **)out, n, &total, err);
}

/* --- logs ---------------------------------------------------------------- */

static void log_push(struct pipe_model *m, int64_t t, const char *level,
		     const char *text, size_t max_lines)
{
	if (max_lines && m->nlog >= max_lines) {
		/* Keep the newest: drop the oldest tenth at once. */
		size_t drop = max_lines / 10 ? max_lines / 10 : 1;

		for (size_t i = 0; i < drop; i++) {
			free(m->log[i].level);
			free(m->log[i].text);
		}
		memmove(m->log, m->log + drop,
			(m->nlog - drop) * sizeof(*m->log));
		m->nlog -= drop;
	}
	m->log = xgrow(m->log, &m->caplog, m->nlog + 1, sizeof(*m->log));
	m->log[m->nlog].time_ms = t;
	m->log[m->nlog].level = level ? xstrdup(level) : NULL;
	m->log[m->nlog].text = xstrdup(text);
	m->nlog++;
}

/* A text blob: one line a line. */
static void log_text(struct pipe_model *m, const char *s, size_t max_lines)
{
	while (*s) {
		size_t n = strcspn(s, "\n");
		char *line = xstrndup(s, n);

		log_push(m, 0, NULL, line, max_lines);
		free(line);
		s += n;
		if (*s)
			s++;
	}
}

int af_parse_log(const char *body, size_t len, struct pipe_model *m,
		 size_t max_lines, char **err)
{
	struct pctx c = {.err = err};
	json_t *root, *content, *e;
	char *token;
	size_t i;

	*err = NULL;
	root = load(&c, body, len);
	if (!root)
		return -1;
	content = json_object_get(root, "content");
	token = get_str(&c, root, "continuation_token", false);
	if (*err) {
		json_decref(root);
		return -1;
	}
	if (json_is_string(content)) {
		log_text(m, json_string_value(content), max_lines);
	} else if (json_is_array(content)) {
		c.list = "content";
		c.in_list = true;
		json_array_foreach(content, i, e) {
			char *ev, *lvl, *ts;
			int64_t t = 0;

			c.index = i;
			if (json_is_string(e)) {
				log_text(m, json_string_value(e), max_lines);
				continue;
			}
			if (!json_is_object(e)) {
				fail(&c, NULL, "%s, not a log line",
				     type_name(e));
				break;
			}
			ev = get_str(&c, e, "event", false);
			lvl = get_str(&c, e, "level", false);
			ts = get_str(&c, e, "timestamp", false);
			if (ts)
				parse_time_iso(ts, &t);
			if (*err) {
				free(ev);
				free(lvl);
				free(ts);
				break;
			}
			log_push(m, t, lvl, ev ? ev : "", max_lines);
			free(ev);
			free(lvl);
			free(ts);
		}
	} else if (content && !json_is_null(content)) {
		fail(&c, "content", "%s, not a log", type_name(content));
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

static void import_error_read(struct pctx *c, const json_t *e, void *out)
{
	struct pipe_import_error *v = out;
	const char *t, *last;
	size_t tl;

	v->filename = get_str(c, e, "filename", true);
	v->trace = get_str(c, e, "stack_trace", false);
	v->time_ms = get_time(c, e, "timestamp");
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

	return parse_list(body, len, "import_errors", sizeof(**out),
			  import_error_read, import_errors_drop, (void **)out,
			  n, &total, err);
}

/* --- auth and errors ----------------------------------------------------- */

int af_parse_token(const char *body, size_t len, char **token, char **err)
{
	struct pctx c = {.err = err};
	json_t *root;

	*err = NULL;
	*token = NULL;
	root = load(&c, body, len);
	if (!root)
		return -1;
	*token = get_str(&c, root, "access_token", true);
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
