/* rest_parse.c: MLflow tracking replies (experiments, runs, metric
 * history, errors) merged into the model, with jansson.
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
#include "store/rest_parse_priv.h"

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


/* --- experiments --------------------------------------------------------- */

static void parse_experiment(struct ctx *c, struct model *m, json_t *ex)
{
	char idbuf[24];
	const char *id = rp_get_id(c, ex, "experiment_id", idbuf);
	const char *name = rp_get_str(c, ex, "name", OPTIONAL);
	const char *art = rp_get_str(c, ex, "artifact_location", OPTIONAL);
	const char *life = rp_get_str(c, ex, "lifecycle_stage", OPTIONAL);
	int64_t ctime = rp_get_i64(c, ex, "creation_time");
	int64_t utime = rp_get_i64(c, ex, "last_update_time");
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
	rp_parse_kv(c, ex, "tags", e ? &e->tags : NULL);
}

int rest_parse_experiments(struct model *m, const char *body, size_t len,
			   char **next, char **err)
{
	struct ctx c;
	json_t *root, *arr;
	size_t n = 0;

	rp_ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = rp_load(&c, body, len);
	if (!root)
		goto out;
	arr = rp_get_array(&c, root, "experiments");
	n = json_array_size(arr);
	for (int pass = 0; pass < 2 && !c.failed; pass++) {
		c.apply = pass == 1;
		for (size_t i = 0; i < n && !c.failed; i++) {
			size_t old = rp_path_key(&c, "experiments");
			json_t *ex;

			rp_path_index(&c, i);
			ex = rp_elem_object(&c, arr, i);
			if (ex)
				parse_experiment(&c, m, ex);
			rp_path_pop(&c, old);
		}
		if (!c.apply)
			rp_take_token(&c, root, next);
	}
	if (n && !c.failed)
		model_touch(m);
out:
	json_decref(root);
	rp_ctx_free(&c);
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
	json_t *arr = rp_get_array(c, data, "metrics");
	size_t n = json_array_size(arr), old = rp_path_key(c, "metrics");
	struct latest *lt = c->apply && n ? xmalloc(n * sizeof(*lt)) : NULL;
	size_t k = 0;

	for (size_t i = 0; i < n && !c->failed; i++) {
		size_t o = rp_path_index(c, i);
		json_t *mt = rp_elem_object(c, arr, i);

		if (mt) {
			const char *key = rp_get_str(c, mt, "key", REQUIRED);
			struct point p;

			/* In reply order, so the first bad field is named. */
			p.value = rp_get_double(c, mt, "value");
			p.timestamp = rp_get_i64(c, mt, "timestamp");
			p.step = rp_get_i64(c, mt, "step");

			if (lt && key) {
				lt[k].key = key;
				lt[k].p = p;
				lt[k].pos = k;
				k++;
			}
		}
		rp_path_pop(c, o);
	}
	rp_path_pop(c, old);
	if (lt)
		merge_latest(r, lt, k);
	free(lt);
}

static struct run *parse_run(struct ctx *c, struct model *m,
			     const json_t *run, int64_t *max_start)
{
	json_t *info = rp_get_kind(c, run, "info", JSON_OBJECT, true);
	json_t *data = rp_get_kind(c, run, "data", JSON_OBJECT, false);
	const char *id = NULL, *eid = NULL, *name = NULL, *user = NULL,
		   *status = NULL, *life = NULL, *art = NULL, *v;
	int64_t start = 0, end = 0;
	char idbuf[24];
	size_t old;
	struct run *r = NULL;

	if (c->failed)
		return NULL;
	old = rp_path_key(c, "info");
	/* run_uuid is the older name of run_id; servers send both. */
	if (json_object_get(info, "run_id") ||
	    !json_object_get(info, "run_uuid"))
		id = rp_get_str(c, info, "run_id", NONEMPTY);
	else
		id = rp_get_str(c, info, "run_uuid", NONEMPTY);
	eid = rp_get_id(c, info, "experiment_id", idbuf);
	name = rp_get_str(c, info, "run_name", OPTIONAL);
	user = rp_get_str(c, info, "user_id", OPTIONAL);
	status = rp_get_str(c, info, "status", OPTIONAL);
	start = rp_get_i64(c, info, "start_time");
	end = rp_get_i64(c, info, "end_time");
	art = rp_get_str(c, info, "artifact_uri", OPTIONAL);
	life = rp_get_str(c, info, "lifecycle_stage", OPTIONAL);
	rp_path_pop(c, old);
	if (c->failed)
		return NULL;
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
	old = rp_path_key(c, "data");
	parse_metrics(c, data, r);
	rp_parse_kv(c, data, "params", r ? &r->params : NULL);
	rp_parse_kv(c, data, "tags", r ? &r->tags : NULL);
	rp_path_pop(c, old);
	if (r) {
		if (!r->name && (v = kv_list_get(&r->tags, "mlflow.runName")))
			set_str(&r->name, v);
		set_str(&r->parent_id,
			kv_list_get(&r->tags, "mlflow.parentRunId"));
		r->seen = true;
	}
	return r;
}

int rest_parse_runs(struct model *m, const char *body, size_t len,
		    char **next, int64_t *max_start, char **err)
{
	return rest_parse_runs_got(m, body, len, next, max_start, err, NULL);
}

int rest_parse_runs_got(struct model *m, const char *body, size_t len,
			char **next, int64_t *max_start, char **err,
			struct run ***got)
{
	struct ctx c;
	json_t *root, *arr = NULL, *one = NULL;
	size_t n = 0;
	int64_t maxs = 0;

	rp_ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = rp_load(&c, body, len);
	if (!root)
		goto out;
	/* runs/search answers {"runs": [...]}, runs/get {"run": {...}}. */
	arr = rp_get_array(&c, root, "runs");
	one = rp_get_kind(&c, root, "run", JSON_OBJECT, false);
	n = json_array_size(arr);
	if (got)   /* one more: a reply may hold "run" too */
		*got = xcalloc(n + 1, sizeof(**got));
	for (int pass = 0; pass < 2 && !c.failed; pass++) {
		c.apply = pass == 1;
		for (size_t i = 0; i < n && !c.failed; i++) {
			size_t old = rp_path_key(&c, "runs");
			json_t *run;

			rp_path_index(&c, i);
			run = rp_elem_object(&c, arr, i);
			if (run) {
				struct run *r = parse_run(&c, m, run, &maxs);

				if (r && got && *got)
					(*got)[i] = r;
			}
			rp_path_pop(&c, old);
		}
		if (one && !c.failed) {
			size_t old = rp_path_key(&c, "run");

			parse_run(&c, m, one, &maxs);
			rp_path_pop(&c, old);
		}
		if (!c.apply)
			rp_take_token(&c, root, next);
	}
	if (one)
		n++;
	if (n && !c.failed)
		model_touch(m);
out:
	json_decref(root);
	rp_ctx_free(&c);
	if (c.failed) {
		if (next) {
			free(*next);
			*next = NULL;
		}
		if (got) {
			free(*got);
			*got = NULL;
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
	json_t *arr = rp_get_array(c, root, "metrics");
	size_t n = json_array_size(arr), k = 0;
	size_t old = rp_path_key(c, "metrics");
	struct hpoint *hp = n ? xmalloc(n * sizeof(*hp)) : NULL;

	/* Every check happens here, so a single pass suffices. */
	c->apply = true;
	for (size_t i = 0; i < n && !c->failed; i++) {
		size_t o = rp_path_index(c, i);
		json_t *mt = rp_elem_object(c, arr, i);

		if (mt) {
			const char *mk = rp_get_str(c, mt, "key", OPTIONAL);
			const char *rid = NULL;
			struct point p;

			/* In reply order, so the first bad field is named. */
			p.value = rp_get_double(c, mt, "value");
			p.timestamp = rp_get_i64(c, mt, "timestamp");
			p.step = rp_get_i64(c, mt, "step");
			if (bulk)
				rid = rp_get_str(c, mt, "run_id", NONEMPTY);
			if (!mk || !key || strcmp(mk, key) == 0) {
				hp[k].run_id = rid;
				hp[k].p = p;
				hp[k].pos = k;
				k++;
			}
		}
		rp_path_pop(c, o);
	}
	rp_path_pop(c, old);
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

	rp_ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = rp_load(&c, body, len);
	if (!root)
		goto out;
	rp_take_token(&c, root, next);
	hp = parse_points(&c, root, ser->key, false, &n, &total);
	if (!c.failed)
		append_new(ser, hp, n);
	free(hp);
out:
	json_decref(root);
	rp_ctx_free(&c);
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

	rp_ctx_init(&c, err);
	root = rp_load(&c, body, len);
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
	rp_ctx_free(&c);
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

	rp_ctx_init(&c, NULL);
	c.apply = true;
	*code = *message = NULL;
	root = rp_load(&c, body, len);
	if (root) {
		json_t *v = json_object_get(root, "error_code");

		if (json_is_string(v))
			cd = rp_cstr(&c, v);
		v = json_object_get(root, "message");
		if (json_is_string(v))
			msg = rp_cstr(&c, v);
		if (cd || msg) {
			*code = cd ? xstrdup(cd) : NULL;
			*message = msg ? xstrdup(msg) : NULL;
			rc = 0;
		}
	}
	json_decref(root);
	rp_ctx_free(&c);
	return rc;
}

