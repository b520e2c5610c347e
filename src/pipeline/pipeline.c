/* pipeline.c: the pipeline model and the words for states. */
#include "config.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xmalloc.h"
#include "pipeline/pipeline.h"

static const char *const state_names[PS__COUNT] = {
	[PS_NONE] = "none",
	[PS_SCHEDULED] = "scheduled",
	[PS_QUEUED] = "queued",
	[PS_RUNNING] = "running",
	[PS_SUCCESS] = "success",
	[PS_FAILED] = "failed",
	[PS_UP_FOR_RETRY] = "up_for_retry",
	[PS_UP_FOR_RESCHEDULE] = "up_for_reschedule",
	[PS_UPSTREAM_FAILED] = "upstream_failed",
	[PS_SKIPPED] = "skipped",
	[PS_DEFERRED] = "deferred",
	[PS_RESTARTING] = "restarting",
	[PS_REMOVED] = "removed",
	[PS_CANCELLED] = "cancelled",
	[PS_OTHER] = "other",
};

const char *pipe_state_name(enum pipe_state s)
{
	return s >= 0 && s < PS__COUNT ? state_names[s] : "other";
}

enum pipe_state pipe_state_parse(const char *word)
{
	if (!word || !*word)
		return PS_NONE;
	for (int i = 1; i < PS_OTHER; i++)
		if (strcasecmp(word, state_names[i]) == 0)
			return (enum pipe_state)i;
	return PS_OTHER;
}

bool pipe_state_final(enum pipe_state s)
{
	switch (s) {
	case PS_SUCCESS:
	case PS_FAILED:
	case PS_UPSTREAM_FAILED:
	case PS_SKIPPED:
	case PS_REMOVED:
	case PS_CANCELLED:
		return true;
	default:
		return false;
	}
}

/* --- the model ----------------------------------------------------------- */

void pipe_model_init(struct pipe_model *m)
{
	memset(m, 0, sizeof(*m));
}

void pipe_dags_free(struct pipe_dag *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].display);
		free(v[i].schedule);
		free(v[i].owners);
		free(v[i].tags);
		free(v[i].backend_id);
		free(v[i].description);
		free(v[i].json);
		for (int k = 0; k < PIPE_RECENT; k++)
			free(v[i].recent_ids[k]);
	}
	free(v);
}

void pipe_runs_free(struct pipe_run *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].dag_id);
		free(v[i].run_id);
		free(v[i].name);
		free(v[i].run_type);
		free(v[i].state_text);
		free(v[i].conf);
		free(v[i].triggered_by);
		free(v[i].note);
		free(v[i].json);
	}
	free(v);
}

void pipe_tasks_free(struct pipe_task *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].task_id);
		free(v[i].uid);
		free(v[i].state_text);
		free(v[i].operator_name);
		free(v[i].hostname);
		free(v[i].json);
	}
	free(v);
}

void pipe_defs_free(struct pipe_task_def *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].task_id);
		for (size_t j = 0; j < v[i].ndownstream; j++)
			free(v[i].downstream[j]);
		free(v[i].downstream);
	}
	free(v);
}

void pipe_import_errors_free(struct pipe_import_error *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].filename);
		free(v[i].message);
		free(v[i].trace);
	}
	free(v);
}

void pipe_log_clear(struct pipe_model *m)
{
	for (size_t i = 0; i < m->nlog; i++) {
		free(m->log[i].level);
		free(m->log[i].text);
	}
	free(m->log);
	m->log = NULL;
	m->nlog = m->caplog = 0;
	free(m->log_token);
	m->log_token = NULL;
	m->log_done = false;
}

void pipe_model_free(struct pipe_model *m)
{
	pipe_dags_free(m->dags, m->ndags);
	pipe_import_errors_free(m->import_errors, m->nimport_errors);
	pipe_runs_free(m->runs, m->nruns);
	pipe_tasks_free(m->tasks, m->ntasks);
	pipe_defs_free(m->defs, m->ndefs);
	pipe_log_clear(m);
	free(m->runs_dag);
	free(m->tasks_dag);
	free(m->tasks_run);
	free(m->defs_dag);
	free(m->log_key);
	free(m->error);
	for (size_t i = 0; i < m->nchanged; i++)
		free(m->changed[i]);
	free(m->changed);
	memset(m, 0, sizeof(*m));
}

void pipe_mark_changed(struct pipe_model *m, const char *dag)
{
	for (size_t i = 0; i < m->nchanged; i++)
		if (!strcmp(m->changed[i], dag))
			return;
	m->changed = xgrow(m->changed, &m->capchanged, m->nchanged + 1,
			   sizeof(*m->changed));
	m->changed[m->nchanged++] = xstrdup(dag);
	m->gen++;
}

char **pipe_take_changed(struct pipe_model *m, size_t *n)
{
	char **v = m->changed;

	*n = m->nchanged;
	m->changed = NULL;
	m->nchanged = m->capchanged = 0;
	return v;
}

void pipe_model_set_error(struct pipe_model *m, const char *msg)
{
	free(m->error);
	m->error = msg ? xstrdup(msg) : NULL;
}

bool pipe_backing_off(const struct pipe_model *m, int64_t now_ms)
{
	return m->stale_since && now_ms < m->retry_at;
}

struct pipe_dag *pipe_find_dag(struct pipe_model *m, const char *id)
{
	for (size_t i = 0; i < m->ndags; i++)
		if (strcmp(m->dags[i].id, id) == 0)
			return &m->dags[i];
	return NULL;
}

struct pipe_run *pipe_find_run(struct pipe_model *m, const char *ref)
{
	for (size_t i = 0; i < m->nruns; i++)
		if (!strcmp(m->runs[i].run_id, ref))
			return &m->runs[i];
	for (size_t i = 0; i < m->nruns; i++)
		if (m->runs[i].name && !strcmp(m->runs[i].name, ref))
			return &m->runs[i];
	return NULL;
}

void pipe_write_result_free(struct pipe_write_result *r)
{
	for (size_t i = 0; i < r->nitems; i++)
		free(r->items[i]);
	free(r->items);
	free(r->run_id);
	memset(r, 0, sizeof(*r));
}

const char *pipe_write_name(enum pipe_write_kind k)
{
	static const char *const names[] = {
		[PW_TRIGGER] = "trigger", [PW_CLEAR] = "clear",
		[PW_PAUSE] = "pause", [PW_UNPAUSE] = "unpause",
		[PW_MARK] = "mark", [PW_RETRY] = "retry",
		[PW_CANCEL] = "cancel"};

	return k <= PW_CANCEL ? names[k] : "write";
}

char *pipe_write_event(const struct pipe_write *w, const char *who,
		       int64_t now_ms)
{
	json_t *o = json_pack("{s:i, s:I, s:s, s:s, s:s}", "v", 1, "time",
			      (json_int_t)now_ms, "who", who, "action",
			      pipe_write_name(w->kind), "dag_id", w->dag_id);
	char *out;

	if (w->run_id)
		json_object_set_new(o, "dag_run_id", json_string(w->run_id));
	if (w->kind == PW_CLEAR || w->kind == PW_MARK) {
		json_t *ids = json_array();

		for (size_t i = 0; i < w->ntask_ids; i++)
			json_array_append_new(ids,
					      json_string(w->task_ids[i]));
		json_object_set_new(o, "task_ids", ids);
	}
	if (w->kind == PW_CLEAR) {
		json_object_set_new(o, "only_failed",
				    json_boolean(w->only_failed));
		json_object_set_new(o, "include_downstream",
				    json_boolean(w->downstream));
	}
	if (w->kind == PW_MARK) {
		json_object_set_new(o, "new_state",
				    json_string(w->new_state));
		if (w->map_index >= 0)
			json_object_set_new(o, "map_index",
					    json_integer(w->map_index));
	}
	if (w->conf) {
		json_t *c = json_loads(w->conf, 0, NULL);

		if (c)
			json_object_set_new(o, "conf", c);
	}
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return out;
}

static int def_index(const struct pipe_model *m, const char *id)
{
	for (size_t i = 0; i < m->ndefs; i++)
		if (strcmp(m->defs[i].task_id, id) == 0)
			return (int)i;
	return -1;
}

static int def_cmp(const void *a, const void *b, void *ctx)
{
	const struct pipe_model *m = ctx;

	return strcmp(m->defs[*(const size_t *)a].task_id,
		      m->defs[*(const size_t *)b].task_id);
}

/* Kahn's order, taking the smallest id among the ready each time. */
size_t pipe_defs_order(const struct pipe_model *m, size_t *order)
{
	size_t n = m->ndefs, k = 0;
	int *indeg = xcalloc(n ? n : 1, sizeof(*indeg));
	bool *done = xcalloc(n ? n : 1, sizeof(*done));

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m->defs[i].ndownstream; j++) {
			int d = def_index(m, m->defs[i].downstream[j]);

			if (d >= 0)
				indeg[d]++;
		}
	while (k < n) {
		int best = -1;

		for (size_t i = 0; i < n; i++)
			if (!done[i] && indeg[i] == 0 &&
			    (best < 0 || strcmp(m->defs[i].task_id,
						m->defs[best].task_id) < 0))
				best = (int)i;
		if (best < 0)
			break;  /* a cycle: the rest below */
		done[best] = true;
		order[k++] = (size_t)best;
		for (size_t j = 0; j < m->defs[best].ndownstream; j++) {
			int d = def_index(m, m->defs[best].downstream[j]);

			if (d >= 0)
				indeg[d]--;
		}
	}
	if (k < n) {
		size_t start = k;

		for (size_t i = 0; i < n; i++)
			if (!done[i])
				order[k++] = i;
		/* qsort_r is not C11; the rest is short: insertion sort. */
		for (size_t i = start + 1; i < k; i++)
			for (size_t j = i; j > start &&
			     def_cmp(&order[j - 1], &order[j], (void *)m) > 0;
			     j--) {
				size_t t = order[j];

				order[j] = order[j - 1];
				order[j - 1] = t;
			}
	}
	free(indeg);
	free(done);
	return k;
}

char *pipe_conf_check(const char *conf)
{
	json_error_t e;
	json_t *j = json_loads(conf, JSON_REJECT_DUPLICATES, &e);
	char *err = NULL;

	if (!j)
		err = xasprintf("not JSON: %s (line %d, column %d)", e.text,
				e.line, e.column);
	else if (!json_is_object(j))
		err = xstrdup("a JSON object is needed ({\"key\": value, "
			      "...})");
	json_decref(j);
	return err;
}
