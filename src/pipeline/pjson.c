/* pjson.c: reading an orchestrator's JSON replies into the pipeline model,
 * shared by the backends' parsers (airflow_parse.c, prefect_parse.c).
 * A reply is checked as it is read; the first thing that is not what the
 * server should send fails the whole reply with its place named
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
#include "pipeline/pjson.h"

const char *pj_type(const json_t *v)
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

void pj_fail(struct pj *c, const char *key, const char *fmt, ...)
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

json_t *pj_load(struct pj *c, const char *body, size_t len, bool array_ok)
{
	json_error_t e;
	json_t *root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES,
				  &e);

	if (!root) {
		*c->err = xstrdup("not JSON");
		return NULL;
	}
	if (!json_is_object(root) && !(array_ok && json_is_array(root))) {
		*c->err = xasprintf("%s, not a JSON %s", pj_type(root),
				    array_ok ? "array" : "object");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* A string field (NUL bytes refused), NULL when absent or null. */
char *pj_str(struct pj *c, const json_t *o, const char *key,
		     bool required)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (required)
			pj_fail(c, key, "missing");
		return NULL;
	}
	if (!json_is_string(v)) {
		pj_fail(c, key, "%s, not a string", pj_type(v));
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		pj_fail(c, key, "a string with a NUL byte");
		return NULL;
	}
	if (required && !json_string_length(v)) {
		pj_fail(c, key, "empty");
		return NULL;
	}
	return xstrdup(json_string_value(v));
}

bool pj_bool(struct pj *c, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		pj_fail(c, key, "%s, not a boolean", pj_type(v));
		return false;
	}
	return json_is_true(v);
}

long long pj_int(struct pj *c, const json_t *o, const char *key,
			 long long dflt)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return dflt;
	if (!json_is_integer(v)) {
		pj_fail(c, key, "%s, not an integer", pj_type(v));
		return dflt;
	}
	return (long long)json_integer_value(v);
}

double pj_num(struct pj *c, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return -1;
	if (!json_is_number(v)) {
		pj_fail(c, key, "%s, not a number", pj_type(v));
		return -1;
	}
	return json_number_value(v);
}

/* An ISO-8601 time field to epoch ms (0: absent or null). */
int64_t pj_time(struct pj *c, const json_t *o, const char *key)
{
	char *s = pj_str(c, o, key, false);
	int64_t t = 0;

	if (s && !parse_time_iso(s, &t))
		pj_fail(c, key, "not an ISO-8601 time");
	free(s);
	return t;
}

/* A list of strings, or of objects with "name" (Airflow's tags), as
 * "a, b". NULL when absent or empty. */
char *pj_names(struct pj *c, const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key), *e;
	size_t i, len = 0, cap = 0;
	char *out = NULL;

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_array(v)) {
		pj_fail(c, key, "%s, not an array", pj_type(v));
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
			pj_fail(c, key, "an item that is %s, not a name",
			     pj_type(e));
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
json_t *pj_list_of(struct pj *c, json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);

	c->list = key;
	if (!json_is_array(v)) {
		pj_fail(c, key, v ? "%s, not an array" : "missing%s",
		     v ? pj_type(v) : "");
		return NULL;
	}
	return v;
}

long pj_total(struct pj *c, json_t *root, size_t n)
{
	long long t = pj_int(c, root, "total_entries", (long long)n);

	return t < 0 ? 0 : (long)t;
}

/* The object as it came, for --json: compact, every non-ASCII character
 * (C1 controls and bidi overrides among them) as a \u escape. */
char *pj_raw(const json_t *o)
{
	return json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
			  JSON_PRESERVE_ORDER);
}

/* The objects listed under key (NULL: the reply is the list itself, with
 * "items" in messages): each read by read into the next element
 * (size bytes) of a new array. The first bad item fails the whole reply,
 * named by its place, and drop frees what was read. */
int pj_parse_list(const char *body, size_t len, const char *key,
		      size_t size,
		      void (*read)(struct pj *c, const json_t *o, void *out),
		      void (*drop)(void *v, size_t n), void **out, size_t *n,
		      long *total, char **err)
{
	struct pj c = {.err = err};
	json_t *root, *list, *e;
	size_t i, count;
	char *v;

	*err = NULL;
	*out = NULL;
	*n = 0;
	root = pj_load(&c, body, len, !key);
	if (root && !key && !json_is_array(root)) {
		/* An object where the list should be (an error reply, say)
		 * is not an empty list. */
		*err = xasprintf("%s, not a JSON array", pj_type(root));
		json_decref(root);
		return -1;
	}
	if (root && !key) {
		c.list = "items";
		list = root;
	} else {
		list = root ? pj_list_of(&c, root, key) : NULL;
	}
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
			pj_fail(&c, NULL, "%s, not an object", pj_type(e));
		else
			read(&c, e, v + i * size);
		if (*err)
			break;
	}
	c.in_list = false;
	*total = key ? pj_total(&c, root, count) : (long)count;
	json_decref(root);
	if (*err) {
		drop(v, count);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}


/* --- logs ---------------------------------------------------------------- */

void pipe_log_push(struct pipe_model *m, int64_t t, const char *level,
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
void pipe_log_text(struct pipe_model *m, const char *s, size_t max_lines)
{
	while (*s) {
		size_t n = strcspn(s, "\n");
		char *line = xstrndup(s, n);

		pipe_log_push(m, 0, NULL, line, max_lines);
		free(line);
		s += n;
		if (*s)
			s++;
	}
}
