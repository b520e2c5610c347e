/* rest_parse.c: MLflow REST replies merged into the model, with jansson.
 * A reply is checked whole before the model changes, so a bad page leaves
 * what is on screen intact; every error names the field it is about. */
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

/* A string-keyed table of pointers for one call: merging a reply with
 * n experiments or runs stays O(n) where the model's own lookups scan. */
struct pindex {
	void **slot;
	size_t cap, n;
	const char *(*id)(const void *p);
};

struct ctx {
	char **err;
	bool apply;            /* second pass: the reply checked out */
	bool failed;
	/* Where the walk is, as "runs[3].info.start_time" segments: text
	 * only when an error needs it. */
	struct seg {
		const char *key;       /* NULL: an array index */
		size_t index;
	} path[16];
	size_t depth;
	char **garbage;        /* strings converted for NUL bytes */
	size_t ngarbage, capgarbage;
};

/* --- errors and paths ---------------------------------------------------- */

static void ctx_init(struct ctx *c, char **err)
{
	memset(c, 0, sizeof(*c));
	c->err = err;
	if (err)
		*err = NULL;
}

static void ctx_free(struct ctx *c)
{
	for (size_t i = 0; i < c->ngarbage; i++)
		free(c->garbage[i]);
	free(c->garbage);
}

static void fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct ctx *c, const char *fmt, ...)
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

/* Extend the path; returns the depth to restore with path_pop. */
static size_t path_key(struct ctx *c, const char *key)
{
	if (c->depth < sizeof(c->path) / sizeof(c->path[0]))
		c->path[c->depth].key = key;
	return c->depth++;
}

static size_t path_index(struct ctx *c, size_t i)
{
	if (c->depth < sizeof(c->path) / sizeof(c->path[0])) {
		c->path[c->depth].key = NULL;
		c->path[c->depth].index = i;
	}
	return c->depth++;
}

static void path_pop(struct ctx *c, size_t old)
{
	c->depth = old;
}

static const char *type_name(const json_t *v)
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
static json_t *load(struct ctx *c, const char *body, size_t len)
{
	json_error_t je;
	json_t *root;

	if (!body || len == 0) {
		fail(c, "not JSON: empty reply");
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

		fail(c, "not JSON: %s at line %d column %d", text, je.line,
		     je.column);
		free(text);
		return NULL;
	}
	if (!json_is_object(root)) {
		fail(c, "expected an object at top level");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* --- typed field access -------------------------------------------------- */

/* A JSON string as a C string. MLflow keeps NUL bytes in strings; like the
 * SQLite backend, mltop carries each as the bytes 0xC0 0x80, which the
 * JSON writer and the sanitiser turn back into a NUL. */
static const char *cstr(struct ctx *c, const json_t *s)
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

enum need {
	OPTIONAL,
	REQUIRED,       /* present and a string */
	NONEMPTY,       /* and not "": ids */
};

/* obj[key] as a string. Absent or null gives NULL (an error unless
 * OPTIONAL). */
static const char *get_str(struct ctx *c, const json_t *obj, const char *key,
			   enum need need)
{
	json_t *v = json_object_get(obj, key);
	const char *s = NULL;
	size_t old = path_key(c, key);

	if (!v || json_is_null(v)) {
		if (need != OPTIONAL)
			fail(c, "missing");
	} else if (!json_is_string(v)) {
		fail(c, "expected a string, got %s", type_name(v));
	} else if (need == NONEMPTY && json_string_length(v) == 0) {
		fail(c, "empty");
	} else {
		s = cstr(c, v);
	}
	path_pop(c, old);
	return s;
}

/* An experiment id: a string, or an integer some servers send. */
static const char *get_id(struct ctx *c, const json_t *obj, const char *key,
			  char buf[24])
{
	json_t *v = json_object_get(obj, key);
	size_t old;

	if (json_is_integer(v)) {
		snprintf(buf, 24, "%" PRId64, (int64_t)json_integer_value(v));
		return buf;
	}
	if (v && !json_is_string(v) && !json_is_null(v)) {
		old = path_key(c, key);
		fail(c, "expected a string or an integer, got %s",
		     type_name(v));
		path_pop(c, old);
		return NULL;
	}
	return get_str(c, obj, key, NONEMPTY);
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
static int64_t get_i64(struct ctx *c, const json_t *obj, const char *key)
{
	char buf[32];
	json_t *v = json_object_get(obj, key);
	size_t old = path_key(c, key);
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
			fail(c, "expected an integer, got %s", dtoa(buf, d));
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v), i = s[0] == '-';
		char *end;

		if (i == n || strspn(s + i, "0123456789") != n - i) {
			fail(c, "expected a number, got a string");
		} else {
			long long ll;

			errno = 0;
			ll = strtoll(s, &end, 10);
			if (errno == ERANGE)
				fail(c, "integer out of range");
			out = (int64_t)ll;
		}
	} else {
		fail(c, "expected a number, got %s", type_name(v));
	}
	path_pop(c, old);
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
static double get_double(struct ctx *c, const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	size_t old = path_key(c, key);
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
			fail(c, "expected a number, got a string");
	} else {
		fail(c, "expected a number, got %s", type_name(v));
	}
	path_pop(c, old);
	return out;
}

/* obj[key] as an array or an object (want); absent or null is NULL. */
static json_t *get_kind(struct ctx *c, const json_t *obj, const char *key,
			json_type want, bool required)
{
	json_t *v = json_object_get(obj, key);
	size_t old = path_key(c, key);

	if (!v || json_is_null(v)) {
		if (required)
			fail(c, "missing");
		v = NULL;
	} else if (json_typeof(v) != want) {
		fail(c, "expected %s, got %s",
		     want == JSON_ARRAY ? "an array" : "an object",
		     type_name(v));
		v = NULL;
	}
	path_pop(c, old);
	return v;
}

static json_t *get_array(struct ctx *c, const json_t *obj, const char *key)
{
	return get_kind(c, obj, key, JSON_ARRAY, false);
}

/* arr[i], which must be an object; the path then ends in [i]. */
static json_t *elem_object(struct ctx *c, json_t *arr, size_t i)
{
	json_t *v = json_array_get(arr, i);

	if (!json_is_object(v)) {
		fail(c, "expected an object, got %s", type_name(v));
		return NULL;
	}
	return v;
}

/* The page token; an empty one means no further page. */
static void take_token(struct ctx *c, const json_t *root, char **next)
{
	const char *t = get_str(c, root, "next_page_token", OPTIONAL);

	if (next)
		*next = t && *t && !c->failed ? xstrdup(t) : NULL;
}

/* --- pointer index ------------------------------------------------------- */

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void pindex_put(struct pindex *x, void *p);

static void pindex_grow(struct pindex *x)
{
	void **old = x->slot;
	size_t oldcap = x->cap;

	x->cap = x->cap ? x->cap * 2 : 64;
	x->slot = xcalloc(x->cap, sizeof(*x->slot));
	x->n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			pindex_put(x, old[i]);
	free(old);
}

/* Insert p unless its id is already there (the first one wins, as a
 * linear search from the front finds it). */
static void pindex_put(struct pindex *x, void *p)
{
	size_t h;

	if ((x->n + 1) * 2 > x->cap)
		pindex_grow(x);
	h = hash_str(x->id(p)) & (x->cap - 1);
	while (x->slot[h]) {
		if (strcmp(x->id(x->slot[h]), x->id(p)) == 0)
			return;
		h = (h + 1) & (x->cap - 1);
	}
	x->slot[h] = p;
	x->n++;
}

static void *pindex_get(const struct pindex *x, const char *id)
{
	size_t h;

	if (!x->cap)
		return NULL;
	h = hash_str(id) & (x->cap - 1);
	while (x->slot[h]) {
		if (strcmp(x->id(x->slot[h]), id) == 0)
			return x->slot[h];
		h = (h + 1) & (x->cap - 1);
	}
	return NULL;
}

static const char *run_id(const void *p)
{
	return ((const struct run *)p)->id;
}

/* The model indexes experiments by id: a reply of many stays linear. */
static struct experiment *exp_upsert(struct ctx *c, struct model *m,
				     const char *id)
{
	(void)c;
	return model_experiment_upsert(m, id);
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
static void parse_kv(struct ctx *c, const json_t *obj, const char *key,
		     struct kv_list *l)
{
	json_t *arr = get_array(c, obj, key);
	size_t old = path_key(c, key);
	size_t n = json_array_size(arr);

	if (c->apply) {
		kv_list_clear(l);
		l->v = xgrow(l->v, &l->cap, n, sizeof(*l->v));
	}
	for (size_t i = 0; i < n && !c->failed; i++) {
		size_t o = path_index(c, i);
		json_t *kv = elem_object(c, arr, i);
		const char *k = kv ? get_str(c, kv, "key", REQUIRED) : NULL;
		const char *v = kv ? get_str(c, kv, "value", OPTIONAL) : NULL;

		if (c->apply && k) {
			l->v[l->n].key = xstrdup(k);
			l->v[l->n].value = v ? xstrdup(v) : NULL;
			l->n++;
		}
		path_pop(c, o);
	}
	path_pop(c, old);
	if (c->apply)
		kv_dedupe(l);
}

/* --- experiments --------------------------------------------------------- */

static void parse_experiment(struct ctx *c, struct model *m, json_t *ex)
{
	char idbuf[24];
	const char *id = get_id(c, ex, "experiment_id", idbuf);
	const char *name = get_str(c, ex, "name", OPTIONAL);
	const char *art = get_str(c, ex, "artifact_location", OPTIONAL);
	const char *life = get_str(c, ex, "lifecycle_stage", OPTIONAL);
	int64_t ctime = get_i64(c, ex, "creation_time");
	int64_t utime = get_i64(c, ex, "last_update_time");
	struct experiment *e = NULL;

	if (c->failed)
		return;
	if (c->apply) {
		e = exp_upsert(c, m, id);
		e->seen = true;
		set_str(&e->name, name);
		set_str(&e->artifact_location, art);
		set_str(&e->lifecycle_stage, life);
		e->creation_time = ctime;
		e->last_update_time = utime;
		/* Runs may have raised it already; the backend counts runs. */
		if (e->last_activity < utime)
			e->last_activity = utime;
	}
	parse_kv(c, ex, "tags", e ? &e->tags : NULL);
}

int rest_parse_experiments(struct model *m, const char *body, size_t len,
			   char **next, char **err)
{
	struct ctx c;
	json_t *root, *arr;
	size_t n = 0;

	ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = load(&c, body, len);
	if (!root)
		goto out;
	arr = get_array(&c, root, "experiments");
	n = json_array_size(arr);
	for (int pass = 0; pass < 2 && !c.failed; pass++) {
		c.apply = pass == 1;
		for (size_t i = 0; i < n && !c.failed; i++) {
			size_t old = path_key(&c, "experiments");
			json_t *ex;

			path_index(&c, i);
			ex = elem_object(&c, arr, i);
			if (ex)
				parse_experiment(&c, m, ex);
			path_pop(&c, old);
		}
		if (!c.apply)
			take_token(&c, root, next);
	}
	if (n && !c.failed)
		model_touch(m);
out:
	json_decref(root);
	ctx_free(&c);
	if (c.failed) {
		if (next) {
			free(*next);
			*next = NULL;
		}
		return -1;
	}
	return (int)n;
}

/* --- runs ---------------------------------------------------------------- */

struct latest {
	const char *key;
	struct point p;
	size_t pos;
};

static int latest_cmp(const void *a, const void *b)
{
	const struct latest *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Set each reply metric as its series' latest point, as a row of
 * latest_metrics does in the SQLite backend. The reply is sorted by key
 * and merged with the run's sorted series in one pass: inserting one by
 * one would move the array once per new key. */
static void merge_latest(struct run *r, struct latest *lt, size_t n)
{
	size_t nnew = 0, i, j, k;
	struct series *out;

	if (!n)
		return;
	qsort(lt, n, sizeof(*lt), latest_cmp);
	/* Repeated keys: the last one in the reply wins. */
	k = 0;
	for (i = 0; i < n; i++) {
		if (lt[i].p.timestamp > r->last_point_ms)
			r->last_point_ms = lt[i].p.timestamp;
		if (k && strcmp(lt[k - 1].key, lt[i].key) == 0)
			lt[k - 1] = lt[i];
		else
			lt[k++] = lt[i];
	}
	n = k;
	for (i = 0, j = 0; i < n; i++) {
		int cmp = 1;

		while (j < r->nmetrics &&
		       (cmp = strcmp(r->metrics[j].key, lt[i].key)) < 0)
			j++;
		if (j == r->nmetrics || cmp != 0)
			nnew++;
	}
	if (nnew == 0) {
		for (i = 0, j = 0; i < n; i++) {
			while (strcmp(r->metrics[j].key, lt[i].key) != 0)
				j++;
			r->metrics[j].latest = lt[i].p;
			r->metrics[j].has_latest = true;
		}
		return;
	}
	out = xcalloc(r->nmetrics + nnew, sizeof(*out));
	for (i = 0, j = 0, k = 0; i < n || j < r->nmetrics; k++) {
		int cmp = i == n ? -1 : j == r->nmetrics ? 1 :
			  strcmp(r->metrics[j].key, lt[i].key);

		if (cmp <= 0) {
			out[k] = r->metrics[j++];
		} else {
			out[k].key = xstrdup(lt[i].key);
		}
		if (cmp >= 0) {
			out[k].latest = lt[i++].p;
			out[k].has_latest = true;
		}
	}
	free(r->metrics);
	r->metrics = out;
	r->nmetrics = r->capmetrics = k;
}

static void parse_metrics(struct ctx *c, const json_t *data, struct run *r)
{
	json_t *arr = get_array(c, data, "metrics");
	size_t n = json_array_size(arr), old = path_key(c, "metrics");
	struct latest *lt = c->apply && n ? xmalloc(n * sizeof(*lt)) : NULL;
	size_t k = 0;

	for (size_t i = 0; i < n && !c->failed; i++) {
		size_t o = path_index(c, i);
		json_t *mt = elem_object(c, arr, i);

		if (mt) {
			const char *key = get_str(c, mt, "key", REQUIRED);
			struct point p;

			/* In reply order, so the first bad field is named. */
			p.value = get_double(c, mt, "value");
			p.timestamp = get_i64(c, mt, "timestamp");
			p.step = get_i64(c, mt, "step");

			if (lt && key) {
				lt[k].key = key;
				lt[k].p = p;
				lt[k].pos = k;
				k++;
			}
		}
		path_pop(c, o);
	}
	path_pop(c, old);
	if (lt)
		merge_latest(r, lt, k);
	free(lt);
}

static void parse_run(struct ctx *c, struct model *m, const json_t *run,
		      int64_t *max_start)
{
	json_t *info = get_kind(c, run, "info", JSON_OBJECT, true);
	json_t *data = get_kind(c, run, "data", JSON_OBJECT, false);
	const char *id = NULL, *eid = NULL, *name = NULL, *user = NULL,
		   *status = NULL, *life = NULL, *art = NULL, *v;
	int64_t start = 0, end = 0;
	char idbuf[24];
	size_t old;
	struct run *r = NULL;

	if (c->failed)
		return;
	old = path_key(c, "info");
	/* run_uuid is the older name of run_id; servers send both. */
	if (json_object_get(info, "run_id") ||
	    !json_object_get(info, "run_uuid"))
		id = get_str(c, info, "run_id", NONEMPTY);
	else
		id = get_str(c, info, "run_uuid", NONEMPTY);
	eid = get_id(c, info, "experiment_id", idbuf);
	name = get_str(c, info, "run_name", OPTIONAL);
	user = get_str(c, info, "user_id", OPTIONAL);
	status = get_str(c, info, "status", OPTIONAL);
	start = get_i64(c, info, "start_time");
	end = get_i64(c, info, "end_time");
	art = get_str(c, info, "artifact_uri", OPTIONAL);
	life = get_str(c, info, "lifecycle_stage", OPTIONAL);
	path_pop(c, old);
	if (c->failed)
		return;
	if (max_start && start > *max_start)
		*max_start = start;
	if (c->apply) {
		r = experiment_run_upsert(exp_upsert(c, m, eid), id);
		if (name)
			set_str(&r->name, name);
		set_str(&r->user_id, user);
		if (set_str(&r->status_str, status))
			r->status = run_status_parse(status);
		r->start_time = start;
		r->end_time = end;
		set_str(&r->lifecycle_stage, life);
		set_str(&r->artifact_uri, art);
		set_str(&r->experiment_id, eid);
	}
	old = path_key(c, "data");
	parse_metrics(c, data, r);
	parse_kv(c, data, "params", r ? &r->params : NULL);
	parse_kv(c, data, "tags", r ? &r->tags : NULL);
	path_pop(c, old);
	if (r) {
		if (!r->name && (v = kv_list_get(&r->tags, "mlflow.runName")))
			set_str(&r->name, v);
		set_str(&r->parent_id,
			kv_list_get(&r->tags, "mlflow.parentRunId"));
		r->seen = true;
	}
}

int rest_parse_runs(struct model *m, const char *body, size_t len,
		    char **next, int64_t *max_start, char **err)
{
	struct ctx c;
	json_t *root, *arr = NULL, *one = NULL;
	size_t n = 0;
	int64_t maxs = 0;

	ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = load(&c, body, len);
	if (!root)
		goto out;
	/* runs/search answers {"runs": [...]}, runs/get {"run": {...}}. */
	arr = get_array(&c, root, "runs");
	one = get_kind(&c, root, "run", JSON_OBJECT, false);
	n = json_array_size(arr);
	for (int pass = 0; pass < 2 && !c.failed; pass++) {
		c.apply = pass == 1;
		for (size_t i = 0; i < n && !c.failed; i++) {
			size_t old = path_key(&c, "runs");
			json_t *run;

			path_index(&c, i);
			run = elem_object(&c, arr, i);
			if (run)
				parse_run(&c, m, run, &maxs);
			path_pop(&c, old);
		}
		if (one && !c.failed) {
			size_t old = path_key(&c, "run");

			parse_run(&c, m, one, &maxs);
			path_pop(&c, old);
		}
		if (!c.apply)
			take_token(&c, root, next);
	}
	if (one)
		n++;
	if (n && !c.failed)
		model_touch(m);
out:
	json_decref(root);
	ctx_free(&c);
	if (c.failed) {
		if (next) {
			free(*next);
			*next = NULL;
		}
		return -1;
	}
	if (max_start)
		*max_start = maxs;
	return (int)n;
}

/* --- history ------------------------------------------------------------- */

struct hpoint {
	const char *run_id;     /* bulk replies only */
	struct point p;
	size_t pos;
};

/* The order of the SQLite backend's history query: (step, timestamp,
 * value), NaN counting as the 0 MLflow stores for it. */
static int point_cmp(const struct point *a, const struct point *b)
{
	double va = isnan(a->value) ? 0.0 : a->value;
	double vb = isnan(b->value) ? 0.0 : b->value;

	if (a->step != b->step)
		return a->step < b->step ? -1 : 1;
	if (a->timestamp != b->timestamp)
		return a->timestamp < b->timestamp ? -1 : 1;
	if (va != vb)
		return va < vb ? -1 : 1;
	return 0;
}

static int hpoint_cmp(const void *a, const void *b)
{
	const struct hpoint *x = a, *y = b;
	int r = 0;

	if (x->run_id && y->run_id)
		r = strcmp(x->run_id, y->run_id);
	if (!r)
		r = point_cmp(&x->p, &y->p);
	if (!r)
		r = x->pos < y->pos ? -1 : x->pos > y->pos;
	return r;
}

/* Append sorted points hp[0..n) that come after the series' last one. */
static void append_new(struct series *ser, const struct hpoint *hp, size_t n)
{
	struct point buf[256];
	size_t nb = 0, i = 0;

	if (ser->n)
		while (i < n && point_cmp(&hp[i].p,
					  &ser->pts[ser->n - 1]) <= 0)
			i++;
	for (; i < n; i++) {
		buf[nb++] = hp[i].p;
		if (nb == sizeof(buf) / sizeof(buf[0])) {
			series_append(ser, buf, nb);
			nb = 0;
		}
	}
	series_append(ser, buf, nb);
}

/* The points of a history reply, checked; NULL when there are none or on
 * error (c->failed tells which). key: skip points of another metric. */
static struct hpoint *parse_points(struct ctx *c, const json_t *root,
				   const char *key, bool bulk, size_t *np,
				   size_t *total)
{
	json_t *arr = get_array(c, root, "metrics");
	size_t n = json_array_size(arr), k = 0;
	size_t old = path_key(c, "metrics");
	struct hpoint *hp = n ? xmalloc(n * sizeof(*hp)) : NULL;

	/* Every check happens here, so a single pass suffices. */
	c->apply = true;
	for (size_t i = 0; i < n && !c->failed; i++) {
		size_t o = path_index(c, i);
		json_t *mt = elem_object(c, arr, i);

		if (mt) {
			const char *mk = get_str(c, mt, "key", OPTIONAL);
			const char *rid = NULL;
			struct point p;

			/* In reply order, so the first bad field is named. */
			p.value = get_double(c, mt, "value");
			p.timestamp = get_i64(c, mt, "timestamp");
			p.step = get_i64(c, mt, "step");
			if (bulk)
				rid = get_str(c, mt, "run_id", NONEMPTY);
			if (!mk || !key || strcmp(mk, key) == 0) {
				hp[k].run_id = rid;
				hp[k].p = p;
				hp[k].pos = k;
				k++;
			}
		}
		path_pop(c, o);
	}
	path_pop(c, old);
	*total = n;
	if (c->failed || k == 0) {
		free(hp);
		hp = NULL;
		k = 0;
	} else {
		qsort(hp, k, sizeof(*hp), hpoint_cmp);
	}
	*np = k;
	return hp;
}

int rest_parse_history(struct series *ser, const char *body, size_t len,
		       char **next, char **err)
{
	struct ctx c;
	json_t *root;
	struct hpoint *hp = NULL;
	size_t n = 0, total = 0;

	ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = load(&c, body, len);
	if (!root)
		goto out;
	take_token(&c, root, next);
	hp = parse_points(&c, root, ser->key, false, &n, &total);
	if (!c.failed)
		append_new(ser, hp, n);
	free(hp);
out:
	json_decref(root);
	ctx_free(&c);
	if (c.failed) {
		if (next) {
			free(*next);
			*next = NULL;
		}
		return -1;
	}
	return (int)total;
}

/* Past this many (group x experiment) probes, one index of every run in
 * the model is cheaper than looking each run up experiment by experiment. */
#define BULK_PROBES 4096

int rest_parse_bulk_history(struct model *m, const char *key,
			    const char *body, size_t len, char **err)
{
	struct ctx c;
	json_t *root;
	struct hpoint *hp = NULL;
	struct pindex runs = {.id = run_id};
	size_t n = 0, total = 0, ngroups = 0, i, j;
	bool indexed;

	ctx_init(&c, err);
	root = load(&c, body, len);
	if (!root)
		goto out;
	hp = parse_points(&c, root, key, true, &n, &total);
	if (c.failed)
		goto out;
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(hp[i].run_id, hp[i - 1].run_id) != 0)
			ngroups++;
	indexed = m->nexps && ngroups > BULK_PROBES / m->nexps;
	if (indexed)
		for (size_t e = 0; e < m->nexps; e++)
			for (size_t k = 0; k < m->exps[e]->nruns_loaded; k++)
				pindex_put(&runs, m->exps[e]->runs[k]);
	for (i = 0; i < n; i = j) {
		struct run *r = NULL;

		for (j = i + 1; j < n && strcmp(hp[j].run_id,
						hp[i].run_id) == 0; j++)
			;
		if (indexed) {
			r = pindex_get(&runs, hp[i].run_id);
		} else {
			for (size_t e = 0; e < m->nexps && !r; e++)
				r = experiment_run(m->exps[e], hp[i].run_id);
		}
		if (r)
			append_new(run_series_upsert(r, key), &hp[i], j - i);
	}
out:
	free(hp);
	free(runs.slot);
	json_decref(root);
	ctx_free(&c);
	return c.failed ? -1 : (int)total;
}

/* --- errors -------------------------------------------------------------- */

int rest_parse_error(const char *body, size_t len, char **code,
		     char **message)
{
	struct ctx c;
	json_t *root;
	const char *cd = NULL, *msg = NULL;
	int rc = -1;

	ctx_init(&c, NULL);
	c.apply = true;
	*code = *message = NULL;
	root = load(&c, body, len);
	if (root) {
		json_t *v = json_object_get(root, "error_code");

		if (json_is_string(v))
			cd = cstr(&c, v);
		v = json_object_get(root, "message");
		if (json_is_string(v))
			msg = cstr(&c, v);
		if (cd || msg) {
			*code = cd ? xstrdup(cd) : NULL;
			*message = msg ? xstrdup(msg) : NULL;
			rc = 0;
		}
	}
	json_decref(root);
	ctx_free(&c);
	return rc;
}

/* --- the model registry -------------------------------------------------- */

/* aliases: [{"alias": "champion", "version": "2"}] */
static void parse_aliases(struct ctx *c, const json_t *obj,
			  struct kv_list *l)
{
	json_t *arr = json_object_get(obj, "aliases");
	size_t old = path_key(c, "aliases");

	if (arr && !json_is_array(arr) && !json_is_null(arr))
		fail(c, "expected an array, got %s", type_name(arr));
	if (c->apply && l && json_is_array(arr))
		kv_list_clear(l);
	for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr) &&
			   !c->failed; i++) {
		size_t o = path_index(c, i);
		json_t *a = elem_object(c, arr, i);
		const char *name = a ? get_str(c, a, "alias", REQUIRED) : NULL;
		int64_t v = a ? get_i64(c, a, "version") : 0;

		if (c->apply && l && name) {
			char buf[24];

			snprintf(buf, sizeof(buf), "%" PRId64, v);
			kv_list_set(l, name, buf);
		}
		path_pop(c, o);
	}
	path_pop(c, old);
}

static void parse_version(struct ctx *c, struct registered_model *rm,
			  const json_t *mv)
{
	int64_t version = get_i64(c, mv, "version");
	const char *stage = get_str(c, mv, "current_stage", OPTIONAL);
	const char *status = get_str(c, mv, "status", OPTIONAL);
	const char *desc = get_str(c, mv, "description", OPTIONAL);
	const char *source = get_str(c, mv, "source", OPTIONAL);
	const char *run = get_str(c, mv, "run_id", OPTIONAL);
	const char *user = get_str(c, mv, "user_id", OPTIONAL);
	int64_t ctime = get_i64(c, mv, "creation_timestamp");
	int64_t utime = get_i64(c, mv, "last_updated_timestamp");
	struct model_version *v = NULL;

	if (c->failed)
		return;
	if (c->apply && rm) {
		v = registered_version_upsert(rm, (int)version);
		v->seen = true;
		set_str(&v->stage, stage ? stage : "None");
		set_str(&v->status, status);
		set_str(&v->description, desc);
		set_str(&v->source, source);
		set_str(&v->run_id, run && *run ? run : NULL);
		set_str(&v->user_id, user);
		v->creation_time = ctime;
		v->last_updated_time = utime;
	}
	parse_kv(c, mv, "tags", v ? &v->tags : NULL);
}

int rest_parse_models(struct model *m, const char *body, size_t len,
		      char **next, char **err)
{
	struct ctx c;
	json_t *root, *arr;
	size_t n = 0;

	ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = load(&c, body, len);
	if (!root)
		goto out;
	arr = json_object_get(root, "registered_models");
	if (arr && !json_is_array(arr))
		arr = get_array(&c, root, "registered_models");
	n = json_is_array(arr) ? json_array_size(arr) : 0;
	for (int pass = 0; pass < 2 && !c.failed; pass++) {
		c.apply = pass == 1;
		for (size_t i = 0; i < n && !c.failed; i++) {
			size_t old = path_key(&c, "registered_models");
			json_t *o, *lv;
			const char *name, *desc, *prompt;
			int64_t ct, ut;
			struct registered_model *rm = NULL;

			path_index(&c, i);
			o = elem_object(&c, arr, i);
			name = o ? get_str(&c, o, "name", NONEMPTY) : NULL;
			desc = o ? get_str(&c, o, "description", OPTIONAL) : NULL;
			ct = o ? get_i64(&c, o, "creation_timestamp") : 0;
			ut = o ? get_i64(&c, o, "last_updated_timestamp") : 0;
			if (c.apply && name) {
				rm = model_registered_upsert(m, name);
				rm->seen = true;
				set_str(&rm->description, desc);
				rm->creation_time = ct;
				rm->last_updated_time = ut;
			}
			if (o) {
				parse_kv(&c, o, "tags", rm ? &rm->tags : NULL);
				parse_aliases(&c, o, rm ? &rm->aliases : NULL);
				lv = json_object_get(o, "latest_versions");
				for (size_t k = 0; json_is_array(lv) &&
						   k < json_array_size(lv) &&
						   !c.failed; k++) {
					json_t *mv = json_array_get(lv, k);
					int64_t ver = json_is_object(mv)
						? get_i64(&c, mv, "version") : 0;

					if (rm && ver > rm->latest_version)
						rm->latest_version = (int)ver;
				}
			}
			if (rm) {
				prompt = kv_list_get(&rm->tags,
						     "mlflow.prompt.is_prompt");
				rm->is_prompt = prompt &&
						strcasecmp(prompt, "true") == 0;
			}
			path_pop(&c, old);
		}
		if (!c.apply)
			take_token(&c, root, next);
	}
	if (!c.failed)
		model_touch(m);
out:
	json_decref(root);
	ctx_free(&c);
	if (c.failed) {
		if (next) {
			free(*next);
			*next = NULL;
		}
		return -1;
	}
	return (int)n;
}

int rest_parse_versions(struct registered_model *rm, const char *body,
			size_t len, char **next, char **err)
{
	struct ctx c;
	json_t *root, *arr, *one;
	size_t n = 0;

	ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = load(&c, body, len);
	if (!root)
		goto out;
	/* registered-models/get: {"registered_model": {..., aliases, tags}} */
	one = json_object_get(root, "registered_model");
	if (one) {
		for (int pass = 0; pass < 2 && !c.failed; pass++) {
			c.apply = pass == 1;
			if (!json_is_object(one)) {
				fail(&c, "registered_model: expected an object");
				break;
			}
			parse_kv(&c, one, "tags", c.apply ? &rm->tags : NULL);
			parse_aliases(&c, one, c.apply ? &rm->aliases : NULL);
		}
		goto out;
	}
	arr = json_object_get(root, "model_versions");
	if (arr && !json_is_array(arr))
		arr = get_array(&c, root, "model_versions");
	n = json_is_array(arr) ? json_array_size(arr) : 0;
	for (int pass = 0; pass < 2 && !c.failed; pass++) {
		c.apply = pass == 1;
		for (size_t i = 0; i < n && !c.failed; i++) {
			size_t old = path_key(&c, "model_versions");
			json_t *mv;

			path_index(&c, i);
			mv = elem_object(&c, arr, i);
			if (mv) {
				const char *st = get_str(&c, mv,
							 "current_stage",
							 OPTIONAL);

				if (!st || strcmp(st, "Deleted_Internal") != 0)
					parse_version(&c, c.apply ? rm : NULL,
						      mv);
			}
			path_pop(&c, old);
		}
		if (!c.apply)
			take_token(&c, root, next);
	}
out:
	json_decref(root);
	ctx_free(&c);
	if (c.failed) {
		if (next) {
			free(*next);
			*next = NULL;
		}
		return -1;
	}
	return (int)n;
}
