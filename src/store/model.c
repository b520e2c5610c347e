/* model.c: the in-memory cache of a tracking store.
 * Experiments, runs (per experiment) and long key lists are indexed by
 * hash, metric series by binary search, so merges stay near-linear
 * however large the store. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "store/model.h"

static const char *const status_names[] = {
	[RUN_RUNNING] = "RUNNING",   [RUN_SCHEDULED] = "SCHEDULED",
	[RUN_FINISHED] = "FINISHED", [RUN_FAILED] = "FAILED",
	[RUN_KILLED] = "KILLED",     [RUN_UNKNOWN] = "UNKNOWN",
};

enum run_status run_status_parse(const char *s)
{
	for (int i = 0; s && i < RUN_UNKNOWN; i++)
		if (strcmp(s, status_names[i]) == 0)
			return (enum run_status)i;
	return RUN_UNKNOWN;
}

const char *run_status_name(enum run_status st)
{
	return st <= RUN_UNKNOWN ? status_names[st] : "UNKNOWN";
}

bool set_str(char **field, const char *value)
{
	if (*field == NULL && value == NULL)
		return false;
	if (*field && value && strcmp(*field, value) == 0)
		return false;
	free(*field);
	*field = value ? xstrdup(value) : NULL;
	return true;
}

/* FNV-1a: run ids are random hex, keys are short words: any cheap hash
 * spreads them. */
static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

#define KV_INDEX_FROM 16   /* a scan of fewer keys is as fast */

static void kv_index_put(struct kv_list *l, size_t pos)
{
	size_t h = hash_str(l->v[pos].key) & (l->index_cap - 1);

	while (l->index[h])
		h = (h + 1) & (l->index_cap - 1);
	l->index[h] = pos + 1;
}

static void kv_index_rebuild(struct kv_list *l)
{
	size_t cap = 64;

	while (cap < l->n * 2)
		cap *= 2;
	free(l->index);
	l->index = xcalloc(cap, sizeof(*l->index));
	l->index_cap = cap;
	for (size_t i = 0; i < l->n; i++)
		kv_index_put(l, i);
}

static ssize_t kv_find(const struct kv_list *l, const char *key)
{
	if (!l->index) {
		for (size_t i = 0; i < l->n; i++)
			if (strcmp(l->v[i].key, key) == 0)
				return (ssize_t)i;
		return -1;
	}
	for (size_t h = hash_str(key) & (l->index_cap - 1); l->index[h];
	     h = (h + 1) & (l->index_cap - 1))
		if (strcmp(l->v[l->index[h] - 1].key, key) == 0)
			return (ssize_t)(l->index[h] - 1);
	return -1;
}

void kv_list_set(struct kv_list *l, const char *key, const char *value)
{
	ssize_t at = kv_find(l, key);

	if (at >= 0) {
		set_str(&l->v[at].value, value);
		return;
	}
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n].key = xstrdup(key);
	l->v[l->n].value = value ? xstrdup(value) : NULL;
	l->n++;
	if (l->n >= KV_INDEX_FROM && l->n * 2 > l->index_cap)
		kv_index_rebuild(l);
	else if (l->index)
		kv_index_put(l, l->n - 1);
}

const char *kv_list_get(const struct kv_list *l, const char *key)
{
	ssize_t at = kv_find(l, key);

	return at >= 0 ? l->v[at].value : NULL;
}

void kv_list_clear(struct kv_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	free(l->index);
	memset(l, 0, sizeof(*l));
}

void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
}

enum grave_kind { GRAVE_RUN, GRAVE_EXPERIMENT, GRAVE_REGISTERED };

struct model_grave {
	enum grave_kind kind;
	void *p;
};

static void experiment_free(struct experiment *e);
static void exp_index_rebuild(struct model *m);
static void registered_free(struct registered_model *rm);

static void retire(struct model *m, enum grave_kind kind, void *p)
{
	if (!m) {
		/* Not in a model (a scratch experiment): nobody can hold it. */
		if (kind == GRAVE_RUN)
			run_free(p);
		else if (kind == GRAVE_EXPERIMENT)
			experiment_free(p);
		else
			registered_free(p);
		return;
	}
	m->graves = xgrow(m->graves, &m->capgraves, m->ngraves + 1,
			  sizeof(*m->graves));
	m->graves[m->ngraves].kind = kind;
	m->graves[m->ngraves].p = p;
	m->ngraves++;
}

void model_collect(struct model *m)
{
	for (size_t i = 0; i < m->ngraves; i++) {
		struct model_grave *g = &m->graves[i];

		if (g->kind == GRAVE_RUN)
			run_free(g->p);
		else if (g->kind == GRAVE_EXPERIMENT)
			experiment_free(g->p);
		else
			registered_free(g->p);
	}
	m->ngraves = 0;
}

size_t model_retired_count(const struct model *m)
{
	return m->ngraves;
}

static void retire_experiment_runs(struct experiment *e)
{
	/* Its runs stay inside it (views may hold them too): retired and
	 * freed with it. */
	for (size_t i = 0; i < e->nruns_loaded; i++)
		e->runs[i]->retired = true;
	e->retired = true;
}

void model_remove_unseen_experiments(struct model *m)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nexps; i++) {
		struct experiment *e = m->exps[i];

		if (e->seen) {
			m->exps[k++] = e;
		} else {
			retire_experiment_runs(e);
			retire(m, GRAVE_EXPERIMENT, e);
		}
	}
	if (k != m->nexps) {
		m->nexps = k;
		exp_index_rebuild(m);
	}
}

void model_retire_experiment(struct model *m, struct experiment *e)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nexps; i++)
		if (m->exps[i] != e)
			m->exps[k++] = m->exps[i];
	m->nexps = k;
	exp_index_rebuild(m);
	retire_experiment_runs(e);
	retire(m, GRAVE_EXPERIMENT, e);
}

static void experiment_free(struct experiment *e)
{
	for (size_t i = 0; i < e->nruns_loaded; i++)
		run_free(e->runs[i]);
	free(e->runs);
	free(e->id);
	free(e->name);
	free(e->runs_more);
	free(e->runs_order_key);
	free(e->runs_search);
	free(e->artifact_location);
	free(e->lifecycle_stage);
	kv_list_clear(&e->tags);
	free(e->run_index);
	free(e);
}

static void version_free(struct model_version *v)
{
	free(v->stage);
	free(v->status);
	free(v->description);
	free(v->source);
	free(v->run_id);
	free(v->user_id);
	kv_list_clear(&v->tags);
}

static void registered_free(struct registered_model *rm)
{
	for (size_t i = 0; i < rm->nversions; i++)
		version_free(&rm->versions[i]);
	free(rm->versions);
	free(rm->name);
	free(rm->description);
	kv_list_clear(&rm->tags);
	kv_list_clear(&rm->aliases);
	free(rm);
}

void model_free(struct model *m)
{
	model_collect(m);
	free(m->graves);
	for (size_t i = 0; i < m->nmodels; i++)
		registered_free(m->models[i]);
	free(m->models);
	for (size_t i = 0; i < m->nexps; i++)
		experiment_free(m->exps[i]);
	free(m->exps);
	free(m->exp_index);
	free(m->error);
	free(m->notice);
	free(m->progress);
	memset(m, 0, sizeof(*m));
}

void model_touch(struct model *m)
{
	m->generation++;
	m->shape_generation++;
}

void model_touch_values(struct model *m)
{
	m->generation++;
}

/* Errors and notices quote servers and files: made safe once, here, so
 * neither the status line nor a scripting command's stderr can carry a
 * terminal escape (a server's message could retitle the terminal). */
static void set_message(struct model *m, char **field, const char *text)
{
	char *safe = text ? sanitize_text(text) : NULL;

	if (set_str(field, safe))
		model_touch(m);
	free(safe);
}

void model_set_error(struct model *m, const char *err)
{
	set_message(m, &m->error, err);
}

void model_set_notice(struct model *m, const char *notice)
{
	set_message(m, &m->notice, notice);
}

void model_set_progress(struct model *m, const char *text)
{
	if (set_str(&m->progress, text))
		model_touch(m);
}

static void exp_index_put(struct model *m, struct experiment *e)
{
	size_t h = hash_str(e->id) & (m->exp_index_cap - 1);

	while (m->exp_index[h])
		h = (h + 1) & (m->exp_index_cap - 1);
	m->exp_index[h] = e;
}

static void exp_index_rebuild(struct model *m)
{
	size_t cap = 64;

	while (cap < m->nexps * 2)
		cap *= 2;
	free(m->exp_index);
	m->exp_index = xcalloc(cap, sizeof(*m->exp_index));
	m->exp_index_cap = cap;
	for (size_t i = 0; i < m->nexps; i++)
		exp_index_put(m, m->exps[i]);
}

struct experiment *model_experiment(struct model *m, const char *id)
{
	if (!m->exp_index_cap)
		return NULL;
	for (size_t h = hash_str(id) & (m->exp_index_cap - 1);
	     m->exp_index[h]; h = (h + 1) & (m->exp_index_cap - 1))
		if (strcmp(m->exp_index[h]->id, id) == 0)
			return m->exp_index[h];
	return NULL;
}

struct experiment *model_experiment_by_name(struct model *m, const char *name)
{
	for (size_t i = 0; i < m->nexps; i++)
		if (m->exps[i]->name && strcmp(m->exps[i]->name, name) == 0)
			return m->exps[i];
	return NULL;
}

struct run *model_find_run(struct model *m, const char *id)
{
	for (size_t i = 0; i < m->nexps; i++) {
		struct run *r = experiment_run(m->exps[i], id);

		if (r)
			return r;
	}
	return NULL;
}

struct experiment *model_experiment_upsert(struct model *m, const char *id)
{
	struct experiment *e = model_experiment(m, id);

	if (e)
		return e;
	e = xcalloc(1, sizeof(*e));
	e->model = m;
	e->id = xstrdup(id);
	m->exps = xgrow(m->exps, &m->capexps, m->nexps + 1, sizeof(*m->exps));
	m->exps[m->nexps++] = e;
	if (m->nexps * 2 > m->exp_index_cap)
		exp_index_rebuild(m);
	else
		exp_index_put(m, e);
	return e;
}

static void run_index_rebuild(struct experiment *e)
{
	size_t cap = 64;

	while (cap < e->nruns_loaded * 2)
		cap *= 2;
	free(e->run_index);
	e->run_index = xcalloc(cap, sizeof(*e->run_index));
	e->run_index_cap = cap;
	for (size_t i = 0; i < e->nruns_loaded; i++) {
		size_t h = hash_str(e->runs[i]->id) & (cap - 1);

		while (e->run_index[h])
			h = (h + 1) & (cap - 1);
		e->run_index[h] = e->runs[i];
	}
}

bool run_stalled(const struct run *r, int64_t now, int64_t stall_ms)
{
	int64_t last = r->last_point_ms > r->start_time ? r->last_point_ms
							: r->start_time;

	if (r->child_activity_ms > last)
		last = r->child_activity_ms;
	return r->status == RUN_RUNNING && last > 0 && now - last > stall_ms;
}

void experiment_child_activity(struct experiment *e)
{
	for (size_t i = 0; i < e->nruns_loaded; i++)
		e->runs[i]->child_activity_ms = 0;
	for (size_t i = 0; i < e->nruns_loaded; i++) {
		struct run *r = e->runs[i], *p = r;
		int64_t t = r->last_point_ms > r->start_time ? r->last_point_ms
							     : r->start_time;

		if (r->status != RUN_RUNNING || !r->parent_id)
			continue;
		for (int depth = 0; depth < 16 && p->parent_id; depth++) {
			p = experiment_run(e, p->parent_id);
			if (!p || p == r)
				break;
			if (t > p->child_activity_ms)
				p->child_activity_ms = t;
		}
	}
}

struct run *experiment_run(struct experiment *e, const char *run_id)
{
	size_t h;

	if (!e->run_index_cap)
		return NULL;
	h = hash_str(run_id) & (e->run_index_cap - 1);
	while (e->run_index[h]) {
		if (strcmp(e->run_index[h]->id, run_id) == 0)
			return e->run_index[h];
		h = (h + 1) & (e->run_index_cap - 1);
	}
	return NULL;
}

struct run *experiment_run_upsert(struct experiment *e, const char *run_id)
{
	struct run *r = experiment_run(e, run_id);
	size_t h;

	if (r)
		return r;
	r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(run_id);
	r->status = RUN_UNKNOWN;
	e->runs = xgrow(e->runs, &e->capruns, e->nruns_loaded + 1,
			sizeof(*e->runs));
	e->runs[e->nruns_loaded++] = r;
	if (e->nruns_loaded * 2 > e->run_index_cap) {
		run_index_rebuild(e);
	} else {
		h = hash_str(run_id) & (e->run_index_cap - 1);
		while (e->run_index[h])
			h = (h + 1) & (e->run_index_cap - 1);
		e->run_index[h] = r;
	}
	return r;
}

static bool unseen(const struct run *r, void *ud)
{
	(void)ud;
	return !r->seen;
}

void experiment_remove_unseen(struct experiment *e)
{
	experiment_retire_if(e, unseen, NULL);
}

void experiment_retire_if(struct experiment *e,
			  bool (*drop)(const struct run *r, void *ud),
			  void *ud)
{
	size_t j = 0;

	for (size_t i = 0; i < e->nruns_loaded; i++) {
		struct run *r = e->runs[i];

		if (!drop(r, ud)) {
			e->runs[j++] = r;
		} else {
			r->retired = true;
			retire(e->model, GRAVE_RUN, r);
		}
	}
	if (j != e->nruns_loaded) {
		e->nruns_loaded = j;
		run_index_rebuild(e);
	}
}

static bool held_in_window(const struct run *r, void *ud)
{
	(void)ud;
	return r->in_window;
}

void experiment_release_window(struct experiment *e)
{
	experiment_retire_if(e, held_in_window, NULL);
	free(e->runs_more);
	e->runs_more = NULL;
	e->runs_first = e->runs_end = e->runs_total = 0;
	e->runs_total_more = e->runs_paged = false;
	e->runs_unsorted = 0;
	e->runs_loaded = false;
}

static bool unseen_after(const struct run *r, void *ud)
{
	return !r->seen && r->start_time > *(const int64_t *)ud;
}

void experiment_remove_unseen_after(struct experiment *e, int64_t floor)
{
	experiment_retire_if(e, unseen_after, &floor);
}

void experiment_clear_runs(struct experiment *e)
{
	for (size_t i = 0; i < e->nruns_loaded; i++) {
		e->runs[i]->retired = true;
		retire(e->model, GRAVE_RUN, e->runs[i]);
	}
	e->nruns_loaded = 0;
	e->runs_loaded = false;
	free(e->runs_more);
	e->runs_more = NULL;
	e->runs_first = e->runs_end = e->runs_total = 0;
	e->runs_total_more = e->runs_paged = false;
	if (e->run_index)
		memset(e->run_index, 0, e->run_index_cap * sizeof(*e->run_index));
}

void experiment_free_runs(struct experiment *e)
{
	for (size_t i = 0; i < e->nruns_loaded; i++)
		run_free(e->runs[i]);
	e->nruns_loaded = 0;
	e->runs_loaded = false;
	if (e->run_index)
		memset(e->run_index, 0, e->run_index_cap * sizeof(*e->run_index));
}

static void series_free(struct series *s)
{
	free(s->key);
	free(s->pts);
}

void run_free(struct run *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->name);
	free(r->experiment_id);
	free(r->user_id);
	free(r->status_str);
	free(r->lifecycle_stage);
	free(r->artifact_uri);
	free(r->parent_id);
	kv_list_clear(&r->params);
	kv_list_clear(&r->tags);
	for (size_t i = 0; i < r->nmetrics; i++)
		series_free(&r->metrics[i]);
	free(r->metrics);
	free(r);
}

static size_t series_pos(const struct run *r, const char *key, bool *found)
{
	size_t lo = 0, hi = r->nmetrics;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->metrics[mid].key, key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct series *run_series(struct run *r, const char *key)
{
	bool found;
	size_t i = series_pos(r, key, &found);

	return found ? &r->metrics[i] : NULL;
}

struct series *run_series_upsert(struct run *r, const char *key)
{
	bool found;
	size_t i = series_pos(r, key, &found);

	if (found)
		return &r->metrics[i];
	r->metrics = xgrow(r->metrics, &r->capmetrics, r->nmetrics + 1,
			   sizeof(*r->metrics));
	memmove(&r->metrics[i + 1], &r->metrics[i],
		(r->nmetrics - i) * sizeof(*r->metrics));
	memset(&r->metrics[i], 0, sizeof(r->metrics[i]));
	r->metrics[i].key = xstrdup(key);
	r->nmetrics++;
	return &r->metrics[i];
}

void series_append(struct series *s, const struct point *p, size_t n)
{
	if (!n)
		return;
	s->pts = xgrow(s->pts, &s->cap, s->n + n, sizeof(*s->pts));
	memcpy(&s->pts[s->n], p, n * sizeof(*p));
	s->n += n;
}

bool series_stale(const struct series *s)
{
	if (s->fetching)
		return false;
	if (!s->fetched)
		return true;
	if (!s->has_latest)
		return false;
	return s->latest.step != s->want_step ||
	       s->latest.timestamp != s->want_ts;
}

/* --- the model registry ---------------------------------------------------- */

struct registered_model *model_registered(struct model *m, const char *name)
{
	for (size_t i = 0; i < m->nmodels; i++)
		if (strcmp(m->models[i]->name, name) == 0)
			return m->models[i];
	return NULL;
}

struct registered_model *model_registered_upsert(struct model *m,
						 const char *name)
{
	struct registered_model *rm = model_registered(m, name);

	if (rm)
		return rm;
	rm = xcalloc(1, sizeof(*rm));
	rm->name = xstrdup(name);
	m->models = xgrow(m->models, &m->capmodels, m->nmodels + 1,
			  sizeof(*m->models));
	m->models[m->nmodels++] = rm;
	return rm;
}

struct model_version *registered_version(struct registered_model *rm,
					 int version)
{
	for (size_t i = 0; i < rm->nversions; i++)
		if (rm->versions[i].version == version)
			return &rm->versions[i];
	return NULL;
}

/* Versions stay sorted newest first. */
struct model_version *registered_version_upsert(struct registered_model *rm,
						int version)
{
	struct model_version *v = registered_version(rm, version);
	size_t i = 0;

	if (v)
		return v;
	while (i < rm->nversions && rm->versions[i].version > version)
		i++;
	rm->versions = xgrow(rm->versions, &rm->capversions,
			     rm->nversions + 1, sizeof(*rm->versions));
	memmove(&rm->versions[i + 1], &rm->versions[i],
		(rm->nversions - i) * sizeof(*rm->versions));
	memset(&rm->versions[i], 0, sizeof(rm->versions[i]));
	rm->versions[i].version = version;
	rm->nversions++;
	if (version > rm->latest_version)
		rm->latest_version = version;
	return &rm->versions[i];
}

void registered_remove_unseen_versions(struct registered_model *rm)
{
	size_t k = 0;

	for (size_t i = 0; i < rm->nversions; i++) {
		if (rm->versions[i].seen)
			rm->versions[k++] = rm->versions[i];
		else
			version_free(&rm->versions[i]);
	}
	rm->nversions = k;
}

void model_remove_unseen_registered(struct model *m)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nmodels; i++) {
		if (m->models[i]->seen) {
			m->models[k++] = m->models[i];
		} else {
			m->models[i]->retired = true;
			retire(m, GRAVE_REGISTERED, m->models[i]);
		}
	}
	m->nmodels = k;
}

int registered_alias(const struct registered_model *rm, const char *alias)
{
	const char *v = kv_list_get(&rm->aliases, alias);

	return v ? atoi(v) : 0;
}
