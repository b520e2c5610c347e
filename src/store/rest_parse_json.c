/* rest_parse_json.c: the checked walk over a REST reply every parser
 * uses: error paths, typed field access, key/value lists. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "store/rest_parse.h"
#include "store/rest_parse_priv.h"

/* --- errors and paths ---------------------------------------------------- */

void rp_ctx_init(struct ctx *c, char **err)
{
	memset(c, 0, sizeof(*c));
	c->err = err;
	if (err)
		*err = NULL;
}

void rp_ctx_free(struct ctx *c)
{
	for (size_t i = 0; i < c->ngarbage; i++)
		free(c->garbage[i]);
	free(c->garbage);
}

void rp_fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (c->failed)
		return;
	c->failed = true;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (c->err) {
		size_t max = sizeof(c->path) / sizeof(c->path[0]);
		size_t depth = c->depth < max ? c->depth : max, n = 0;
		char where[512];

		where[0] = '\0';
		for (size_t i = 0; i < depth && n < sizeof(where) - 128; i++) {
			const struct seg *sg = &c->path[i];
			int w = sg->key ? snprintf(where + n, sizeof(where) - n,
						   "%s%.100s", i ? "." : "",
						   sg->key)
					: snprintf(where + n, sizeof(where) - n,
						   "[%zu]", sg->index);

			if (w > 0)
				n += (size_t)w;
		}
		if (n)
			*c->err = xasprintf("%s: %s", where, msg);
		else
			*c->err = xstrdup(msg);
	}
	free(msg);
}

/* Extend the path; returns the depth to restore with rp_path_pop. */
size_t rp_path_key(struct ctx *c, const char *key)
{
	if (c->depth < sizeof(c->path) / sizeof(c->path[0]))
		c->path[c->depth].key = key;
	return c->depth++;
}

size_t rp_path_index(struct ctx *c, size_t i)
{
	if (c->depth < sizeof(c->path) / sizeof(c->path[0])) {
		c->path[c->depth].key = NULL;
		c->path[c->depth].index = i;
	}
	return c->depth++;
}

void rp_path_pop(struct ctx *c, size_t old)
{
	c->depth = old;
}

const char *rp_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

/* Parse the body; NULL with *err set unless it is a JSON object. */
json_t *rp_load(struct ctx *c, const char *body, size_t len)
{
	json_error_t je;
	json_t *root;

	if (!body || len == 0) {
		rp_fail(c, "not JSON: empty reply");
		return NULL;
	}
	/* DECODE_ANY so that a bare string or number gets the shape error
	 * below, not a tokenizer complaint; ALLOW_NUL because MLflow keeps
	 * NUL bytes in strings (mapped as the SQLite backend maps them). */
	root = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!root) {
		/* jansson quotes the input near the error: a server's bytes,
		 * which may hold escape sequences. */
		char *text = sanitize_text(je.text);

		rp_fail(c, "not JSON: %s at line %d column %d", text, je.line,
			je.column);
		free(text);
		return NULL;
	}
	if (!json_is_object(root)) {
		rp_fail(c, "expected an object at top level");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* --- typed field access -------------------------------------------------- */

/* A JSON string as a C string. MLflow keeps NUL bytes in strings; like the
 * SQLite backend, mltop carries each as the bytes 0xC0 0x80, which the
 * JSON writer and the sanitiser turn back into a NUL. */
const char *rp_cstr(struct ctx *c, const json_t *s)
{
	const char *t = json_string_value(s);
	size_t n = json_string_length(s), k = 0;
	char *out;

	if (!memchr(t, '\0', n))
		return t;
	if (!c->apply)
		return t;       /* the first pass only checks types */
	out = xmalloc(n * 2 + 1);
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\0') {
			out[k++] = (char)0xc0;
			out[k++] = (char)0x80;
		} else {
			out[k++] = t[i];
		}
	}
	out[k] = '\0';
	c->garbage = xgrow(c->garbage, &c->capgarbage, c->ngarbage + 1,
			   sizeof(*c->garbage));
	c->garbage[c->ngarbage++] = out;
	return out;
}


/* obj[key] as a string. Absent or null gives NULL (an error unless
 * OPTIONAL). */
const char *rp_get_str(struct ctx *c, const json_t *obj, const char *key,
		       enum need need)
{
	json_t *v = json_object_get(obj, key);
	const char *s = NULL;
	size_t old = rp_path_key(c, key);

	if (!v || json_is_null(v)) {
		if (need != OPTIONAL)
			rp_fail(c, "missing");
	} else if (!json_is_string(v)) {
		rp_fail(c, "expected a string, got %s", rp_type_name(v));
	} else if (need == NONEMPTY && json_string_length(v) == 0) {
		rp_fail(c, "empty");
	} else {
		s = rp_cstr(c, v);
	}
	rp_path_pop(c, old);
	return s;
}

/* An experiment id: a string, or an integer some servers send. */
const char *rp_get_id(struct ctx *c, const json_t *obj, const char *key,
		      char buf[24])
{
	json_t *v = json_object_get(obj, key);
	size_t old;

	if (json_is_integer(v)) {
		snprintf(buf, 24, "%" PRId64, (int64_t)json_integer_value(v));
		return buf;
	}
	if (v && !json_is_string(v) && !json_is_null(v)) {
		old = rp_path_key(c, key);
		rp_fail(c, "expected a string or an integer, got %s",
			rp_type_name(v));
		rp_path_pop(c, old);
		return NULL;
	}
	return rp_get_str(c, obj, key, NONEMPTY);
}

/* The shortest text that reads back as d, for messages. */
static const char *dtoa(char buf[32], double d)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return buf;
}

/* int64 fields (times, steps): JSON integers, or strings of digits as
 * protobuf's JSON mapping writes them. Absent or null is 0. */
int64_t rp_get_i64(struct ctx *c, const json_t *obj, const char *key)
{
	char buf[32];
	json_t *v = json_object_get(obj, key);
	size_t old = rp_path_key(c, key);
	int64_t out = 0;

	if (!v || json_is_null(v)) {
		/* 0, as protobuf reads an unset field */
	} else if (json_is_integer(v)) {
		out = (int64_t)json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		/* 2^63 is exact in a double; the bounds are the int64 range. */
		if (d == trunc(d) && d >= -9223372036854775808.0 &&
		    d < 9223372036854775808.0)
			out = (int64_t)d;
		else
			rp_fail(c, "expected an integer, got %s", dtoa(buf, d));
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v), i = s[0] == '-';
		char *end;

		if (i == n || strspn(s + i, "0123456789") != n - i) {
			rp_fail(c, "expected a number, got a string");
		} else {
			long long ll;

			errno = 0;
			ll = strtoll(s, &end, 10);
			if (errno == ERANGE)
				rp_fail(c, "integer out of range");
			out = (int64_t)ll;
		}
	} else {
		rp_fail(c, "expected a number, got %s", rp_type_name(v));
	}
	rp_path_pop(c, old);
	return out;
}

/* Is v exactly the string s (no NUL byte and more after it)? */
static bool str_is(const json_t *v, const char *s)
{
	return json_string_length(v) == strlen(s) &&
	       strcmp(json_string_value(v), s) == 0;
}

/* Metric values: numbers, or "NaN", "Infinity", "-Infinity" as
 * protobuf's JSON mapping writes them. A value MLflow stored as DBL_MAX
 * (its +Inf) arrives as that number and stays it. */
double rp_get_double(struct ctx *c, const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	size_t old = rp_path_key(c, key);
	double out = 0;

	if (!v || json_is_null(v)) {
		/* 0, as protobuf reads an unset field */
	} else if (json_is_number(v)) {
		out = json_number_value(v);
	} else if (json_is_string(v)) {
		if (str_is(v, "NaN"))
			out = NAN;
		else if (str_is(v, "Infinity"))
			out = INFINITY;
		else if (str_is(v, "-Infinity"))
			out = -INFINITY;
		else
			rp_fail(c, "expected a number, got a string");
	} else {
		rp_fail(c, "expected a number, got %s", rp_type_name(v));
	}
	rp_path_pop(c, old);
	return out;
}

/* obj[key] as an array or an object (want); absent or null is NULL. */
json_t *rp_get_kind(struct ctx *c, const json_t *obj, const char *key,
		    json_type want, bool required)
{
	json_t *v = json_object_get(obj, key);
	size_t old = rp_path_key(c, key);

	if (!v || json_is_null(v)) {
		if (required)
			rp_fail(c, "missing");
		v = NULL;
	} else if (json_typeof(v) != want) {
		rp_fail(c, "expected %s, got %s",
			want == JSON_ARRAY ? "an array" : "an object",
			rp_type_name(v));
		v = NULL;
	}
	rp_path_pop(c, old);
	return v;
}

json_t *rp_get_array(struct ctx *c, const json_t *obj, const char *key)
{
	return rp_get_kind(c, obj, key, JSON_ARRAY, false);
}

/* arr[i], which must be an object; the path then ends in [i]. */
json_t *rp_elem_object(struct ctx *c, json_t *arr, size_t i)
{
	json_t *v = json_array_get(arr, i);

	if (!json_is_object(v)) {
		rp_fail(c, "expected an object, got %s", rp_type_name(v));
		return NULL;
	}
	return v;
}

/* The page token; an empty one means no further page. */
void rp_take_token(struct ctx *c, const json_t *root, char **next)
{
	const char *t = rp_get_str(c, root, "next_page_token", OPTIONAL);

	if (next)
		*next = t && *t && !c->failed ? xstrdup(t) : NULL;
}


/* --- key/value lists ----------------------------------------------------- */

struct kv_order {
	const char *key;
	size_t pos;
};

static int kv_order_cmp(const void *a, const void *b)
{
	const struct kv_order *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Repeated keys, merged as kv_list_set would have: the first place, the
 * last value. Sorting keeps a list of n entries at O(n log n). */
static void kv_dedupe(struct kv_list *l)
{
	struct kv_order *o;
	bool *drop;
	size_t j = 0;

	if (l->n < 2)
		return;
	o = xmalloc(l->n * sizeof(*o));
	drop = xcalloc(l->n, sizeof(*drop));
	for (size_t i = 0; i < l->n; i++) {
		o[i].key = l->v[i].key;
		o[i].pos = i;
	}
	qsort(o, l->n, sizeof(*o), kv_order_cmp);
	for (size_t i = 0; i < l->n; i = j) {
		struct kv *first = &l->v[o[i].pos];

		for (j = i + 1; j < l->n && strcmp(o[j].key, o[i].key) == 0;
		     j++) {
			struct kv *dup = &l->v[o[j].pos];
			char *v = first->value;

			first->value = dup->value;
			dup->value = v;
			drop[o[j].pos] = true;
		}
	}
	j = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (drop[i]) {
			free(l->v[i].key);
			free(l->v[i].value);
		} else {
			l->v[j++] = l->v[i];
		}
	}
	l->n = j;
	free(o);
	free(drop);
}

/* A list of {key, value} objects (params, tags); replaces l wholesale
 * in the apply pass. Values may be null (tags allow it). */
void rp_parse_kv(struct ctx *c, const json_t *obj, const char *key,
		 struct kv_list *l)
{
	json_t *arr = rp_get_array(c, obj, key);
	size_t old = rp_path_key(c, key);
	size_t n = json_array_size(arr);

	if (c->apply) {
		kv_list_clear(l);
		l->v = xgrow(l->v, &l->cap, n, sizeof(*l->v));
	}
	for (size_t i = 0; i < n && !c->failed; i++) {
		size_t o = rp_path_index(c, i);
		json_t *kv = rp_elem_object(c, arr, i);
		const char *k = kv ? rp_get_str(c, kv, "key", REQUIRED) : NULL;
		const char *v = kv ? rp_get_str(c, kv, "value", OPTIONAL) : NULL;

		if (c->apply && k) {
			l->v[l->n].key = xstrdup(k);
			l->v[l->n].value = v ? xstrdup(v) : NULL;
			l->n++;
		}
		rp_path_pop(c, o);
	}
	rp_path_pop(c, old);
	if (c->apply)
		kv_dedupe(l);
}

