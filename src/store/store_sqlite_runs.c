/* store_sqlite_runs.c: experiments, runs, their incremental polls and
 * metric history, read from an MLflow SQLite store in short slices. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/format.h"
#include "core/xmalloc.h"
#include "store/search.h"
#include "store/store.h"
#include "store/store_sqlite.h"

/* --- experiments --------------------------------------------------------- */

static bool exp_where(struct store *s, bool include_deleted, char *buf,
		      size_t n)
{
	const char *life = include_deleted ? "1" :
			   "e.lifecycle_stage = 'active'";

	snprintf(buf, n, "%s%s", life,
		 impl(s)->cols.exp_workspace ? " AND e.workspace = ?1" : "");
	return impl(s)->cols.exp_workspace;
}

/* Run counts are read over windows of this many rowids a slice: a
 * million runs are counted in short reads, not one long statement. */
#define COUNT_WINDOW 50000

static int count_cmp(const void *a, const void *b)
{
	return strcmp(((const struct exp_count *)a)->id,
		      ((const struct exp_count *)b)->id);
}

/* The tallies sorted by experiment id, one each: a window's rows are
 * appended, then merged here (100,000 experiments stay a sort, not a
 * search a row). */
static void counts_merge(struct job *j)
{
	size_t k = 0;

	if (j->ncounts > 1)
		qsort(j->counts, j->ncounts, sizeof(*j->counts), count_cmp);
	for (size_t i = 0; i < j->ncounts; i++) {
		struct exp_count *c = &j->counts[i];

		if (k && !strcmp(j->counts[k - 1].id, c->id)) {
			struct exp_count *into = &j->counts[k - 1];

			into->n += c->n;
			into->running += c->running;
			if (c->activity > into->activity)
				into->activity = c->activity;
			free(c->id);
		} else {
			j->counts[k++] = *c;
		}
	}
	j->ncounts = k;
}

/* One window of the runs table: each experiment's active runs, running
 * runs, newest start and end, and its running runs' newest points (a
 * running run's last logged point is activity too: an experiment whose
 * runs log every second is active now, not since its newest run
 * started; a finished run's end covers it). */
#define COUNT_RUNS_SQL \
	"SELECT experiment_id, count(*), sum(status = 'RUNNING')," \
	" max(coalesce(start_time, 0)), max(coalesce(end_time, 0))" \
	" FROM runs WHERE rowid > ?1 AND rowid <= ?2 AND" \
	" lifecycle_stage = 'active'%s GROUP BY experiment_id"
#define COUNT_POINTS_SQL \
	"SELECT r.experiment_id, 0, 0, (SELECT max(m.timestamp)" \
	" FROM latest_metrics m WHERE m.run_uuid = r.run_uuid), 0" \
	" FROM runs r WHERE r.rowid > ?1 AND r.rowid <= ?2 AND" \
	" r.status = 'RUNNING' AND r.lifecycle_stage = 'active'%s"
static int count_window(struct store *s, struct job *j, bool ws,
			sqlite3_int64 lo, sqlite3_int64 hi)
{
	static const char *const what[] = {"counting runs",
					   "reading the last points"};

	for (int k = 0; k < 2; k++) {
		const char *in = ws ? IN_WORKSPACE(3) : "";
		char *sql = k == 0 ? xasprintf(COUNT_RUNS_SQL, in)
				   : xasprintf(COUNT_POINTS_SQL, in);
		sqlite3_stmt *st = sqlite_prep(s, sql);
		int rc;

		free(sql);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, lo);
		sqlite3_bind_int64(st, 2, hi);
		if (ws)
			sqlite3_bind_text(st, 3, impl(s)->workspace, -1,
					  SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = sqlite_col_text(st, 0);
			struct exp_count *c;
			sqlite3_int64 a = sqlite_col_int(st, 3);
			sqlite3_int64 b = sqlite_col_int(st, 4);

			if (!id)
				continue;
			j->counts = xgrow(j->counts, &j->capcounts,
					  j->ncounts + 1, sizeof(*j->counts));
			c = &j->counts[j->ncounts++];
			c->id = xstrdup(id);
			c->n = sqlite_col_int(st, 1);
			c->running = sqlite_col_int(st, 2);
			c->activity = a > b ? a : b;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			sqlite_fail(s, rc, what[k]);
			return -1;
		}
	}
	return 0;
}

/* Pass 0 reads the experiments and their tags (the list can be drawn);
 * pass 1, in the background, counts their runs a window of rowids a
 * slice and sets the counts once all are read (the counts of a refresh
 * replace the last ones whole, so they never show half counted). */
int sqlite_job_experiments(struct store *s, struct job *j)
{
	struct model *m = s->model;
	char where[160], *sql;
	bool ws = exp_where(s, j->req.include_deleted, where, sizeof(where));
	sqlite3_stmt *st;
	int rc;

	if (j->pass == 1) {
		sqlite3_int64 hi = j->cursor + COUNT_WINDOW;
		char buf[64];

		if (count_window(s, j, ws, j->cursor, hi) != 0)
			return -1;
		counts_merge(j);
		j->cursor = hi;
		if (hi < j->total) {
			snprintf(buf, sizeof(buf), "counting runs %lld%%",
				 (long long)(hi * 100 / j->total));
			model_set_progress(m, buf);
			return 0;
		}
		model_set_progress(m, NULL);
		for (size_t i = 0; i < m->nexps; i++) {
			struct experiment *e = m->exps[i];
			struct exp_count key = { .id = e->id };
			struct exp_count *c = !j->ncounts ? NULL
				: bsearch(&key, j->counts, j->ncounts,
					  sizeof(*j->counts), count_cmp);

			e->nruns = c ? (int)c->n : 0;
			e->nrunning = c ? (int)c->running : 0;
			e->last_activity = e->last_update_time;
			if (c && c->activity > e->last_activity)
				e->last_activity = c->activity;
		}
		return 1;
	}
	sql = xasprintf("SELECT e.experiment_id, e.name, e.artifact_location,"
			" e.lifecycle_stage, e.creation_time,"
			" e.last_update_time FROM experiments e WHERE %s"
			" ORDER BY e.experiment_id", where);
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	if (ws)
		sqlite3_bind_text(st, 1, impl(s)->workspace, -1,
				  SQLITE_STATIC);
	for (size_t i = 0; i < m->nexps; i++)
		m->exps[i]->seen = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = sqlite_col_text(st, 0);
		struct experiment *e;

		if (!id)
			continue;
		e = model_experiment(m, id);
		if (!e) {
			/* Not counted yet: "?" until the count is in. */
			e = model_experiment_upsert(m, id);
			e->nruns = -1;
		}
		e->seen = true;
		set_str(&e->name, sqlite_col_text(st, 1));
		set_str(&e->artifact_location, sqlite_col_text(st, 2));
		set_str(&e->lifecycle_stage, sqlite_col_text(st, 3));
		e->creation_time = sqlite_col_int(st, 4);
		e->last_update_time = sqlite_col_int(st, 5);
		if (e->last_activity < e->last_update_time)
			e->last_activity = e->last_update_time;
		kv_list_clear(&e->tags);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading experiments");
		return -1;
	}
	/* Drop experiments that went away (or were deleted and are hidden). */
	model_remove_unseen_experiments(m);
	sql = xasprintf("SELECT experiment_id, key, value FROM experiment_tags"
			" WHERE 1%s ORDER BY experiment_id, key",
			ws ? IN_WORKSPACE(1) : "");
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	if (ws)
		sqlite3_bind_text(st, 1, impl(s)->workspace, -1,
				  SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = sqlite_col_text(st, 0);
		struct experiment *e = id ? model_experiment(m, id) : NULL;

		if (e && sqlite_col_text(st, 1))
			kv_list_set(&e->tags, sqlite_col_text(st, 1), sqlite_col_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading experiment tags");
		return -1;
	}
	m->exps_loaded = true;
	m->exps_include_deleted = j->req.include_deleted;
	/* The counts follow in the background, over rowid windows up to
	 * the largest rowid now. */
	st = sqlite_prep(s, "SELECT max(rowid) FROM runs");
	if (!st)
		return -1;
	rc = sqlite3_step(st);
	j->total = rc == SQLITE_ROW ? sqlite_col_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		sqlite_fail(s, rc, "counting runs");
		return -1;
	}
	j->pass = 1;
	j->cursor = 0;
	j->background = true;
	m->pending--;
	m->background++;
	model_touch(m);
	return 0;
}

/* --- runs ------------------------------------------------------------------- */

/* Columns of the runs table every run query selects, in this order. */
static char *run_columns(struct store *s)
{
	return xasprintf("r.rowid, r.run_uuid, %s, r.user_id, r.status,"
			 " r.start_time, r.end_time, r.lifecycle_stage,"
			 " r.artifact_uri, r.experiment_id",
			 impl(s)->cols.runs_name ? "r.name" : "NULL");
}

/* Fill r from a row of run_columns; true when anything changed. */
static bool run_from_row(struct run *r, sqlite3_stmt *st)
{
	const char *status = sqlite_col_text(st, 4);
	int64_t start = sqlite_col_int(st, 5);
	int64_t end = sqlite3_column_type(st, 6) == SQLITE_NULL ? 0
							: sqlite_col_int(st, 6);
	bool changed = start != r->start_time || end != r->end_time;

	if (sqlite_col_text(st, 2))
		changed |= set_str(&r->name, sqlite_col_text(st, 2));
	changed |= set_str(&r->user_id, sqlite_col_text(st, 3));
	if (set_str(&r->status_str, status)) {
		r->status = run_status_parse(status);
		changed = true;
	}
	r->start_time = start;
	r->end_time = end;
	r->store_row = sqlite_col_int(st, 0);
	changed |= set_str(&r->lifecycle_stage, sqlite_col_text(st, 7));
	changed |= set_str(&r->artifact_uri, sqlite_col_text(st, 8));
	changed |= set_str(&r->experiment_id, sqlite_col_text(st, 9));
	return changed;
}

/* A latest_metrics row into r: LATEST_SAME, LATEST_VALUE (a new value
 * of a metric r had) or LATEST_KEY (a metric r did not have). */
enum { LATEST_SAME, LATEST_VALUE, LATEST_KEY };

static int latest_from_row(struct run *r, sqlite3_stmt *st, int c)
{
	struct series *ser = run_series_upsert(r, sqlite_col_text(st, c));
	struct point p = {
		.step = sqlite_col_int(st, c + 3),
		.timestamp = sqlite_col_int(st, c + 2),
		.value = sqlite_metric_value(st, c + 1, c + 4),
	};
	int news = !ser->has_latest ? LATEST_KEY
		   : ser->latest.step != p.step ||
		     ser->latest.timestamp != p.timestamp ||
		     memcmp(&ser->latest.value, &p.value, sizeof(p.value))
		   ? LATEST_VALUE : LATEST_SAME;

	ser->latest = p;
	ser->has_latest = true;
	if (p.timestamp > r->last_point_ms)
		r->last_point_ms = p.timestamp;
	return news;
}

/* "?,?,?": n SQL parameters. */
static char *placeholders(size_t n)
{
	char *in = xmalloc(n * 2 + 1);
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (i)
			in[len++] = ',';
		in[len++] = '?';
	}
	in[len] = '\0';
	return in;
}

/* Which runs a child query reads: those of e whose rowids lie in
 * (lo, hi], or, with keys, the n rowids listed. */
struct run_set {
	sqlite3_int64 lo, hi;
	const struct scan_key *keys;
	size_t n;
};

enum { CH_LATEST = 1, CH_PARAMS = 2, CH_TAGS = 4, CH_ALL = 7 };

/* Apply the child queries of mask (latest_metrics, params, tags) to the
 * runs of e in set. */
static int load_children_of(struct store *s, struct experiment *e,
			    const struct run_set *set, int mask)
{
	static const char *const child[] = {
		("SELECT c.run_uuid, c.key, c.value, c.timestamp, c.step,"
		 " c.is_nan FROM latest_metrics c"),
		"SELECT c.run_uuid, c.key, c.value FROM params c",
		"SELECT c.run_uuid, c.key, c.value FROM tags c",
	};
	static const char *const what[] = {"reading metrics",
					   "reading params", "reading tags"};
	char *in = NULL;

	if (set->keys)
		in = placeholders(set->n);
	for (int q = 0; q < 3; q++) {
		sqlite3_stmt *st;
		struct run *r = NULL;
		char *sql;
		int rc;

		if (!(mask & (1 << q)))
			continue;
		sql = in ? xasprintf("%s WHERE c.run_uuid IN (SELECT run_uuid"
				     " FROM runs WHERE rowid IN (%s))",
				     child[q], in)
			 : xasprintf("%s WHERE c.run_uuid IN (SELECT run_uuid"
				     " FROM runs WHERE rowid > ?1 AND rowid"
				     " <= ?2 AND experiment_id = ?3)",
				     child[q]);
		st = sqlite_prep(s, sql);
		free(sql);
		if (!st) {
			free(in);
			return -1;
		}
		if (in) {
			for (size_t i = 0; i < set->n; i++)
				sqlite3_bind_int64(st, (int)i + 1,
						   set->keys[i].rowid);
		} else {
			sqlite3_bind_int64(st, 1, set->lo);
			sqlite3_bind_int64(st, 2, set->hi);
			sqlite3_bind_text(st, 3, e->id, -1, SQLITE_STATIC);
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = sqlite_col_text(st, 0);
			const char *key = sqlite_col_text(st, 1);

			if (!id || !key)
				continue;
			if (!r || strcmp(r->id, id) != 0)
				r = experiment_run(e, id);
			if (!r)
				continue;
			if (q == 0)
				latest_from_row(r, st, 1);
			else
				kv_list_set(q == 1 ? &r->params : &r->tags,
					    key, sqlite_col_text(st, 2));
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			sqlite_fail(s, rc, what[q]);
			free(in);
			return -1;
		}
	}
	free(in);
	return 0;
}

/* The children of the runs of e whose rowids lie in (lo, hi]. */
static int load_children(struct store *s, struct experiment *e,
			 sqlite3_int64 lo, sqlite3_int64 hi, int mask)
{
	struct run_set set = { .lo = lo, .hi = hi };

	return load_children_of(s, e, &set, mask);
}

/* SQLite's count of commits by other connections to the file (0 when it
 * cannot be read): the same number twice means nobody wrote between. */
static sqlite3_int64 data_version(struct store *s)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 v = 0;

	if (sqlite3_prepare_v2(impl(s)->db, "PRAGMA data_version", -1, &st,
			       NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite_col_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void run_derive(struct run *r)
{
	const char *v;

	if (!r->name && (v = kv_list_get(&r->tags, "mlflow.runName")))
		set_str(&r->name, v);
	set_str(&r->parent_id, kv_list_get(&r->tags, "mlflow.parentRunId"));
}

/* The request's search as SQL, its parameters from ?first on; false
 * (and the model's error set) when it cannot be made. No search: "1". */
static bool search_cond(struct store *s, const struct job *j, int first,
			struct search_sql *out)
{
	char *err = NULL;

	memset(out, 0, sizeof(*out));
	if (!j->req.search) {
		out->where = xstrdup("1");
		return true;
	}
	if (search_sql_ex(j->req.search, first, impl(s)->cols.runs_name,
			  j->metrics_c, out, &err) != 0) {
		model_set_error(s->model, err ? err : "bad filter");
		free(err);
		return false;
	}
	return true;
}

/* The next `limit` runs of e past the job's cursor (by rowid) that the
 * job's request keeps, selecting cols; bound and ready to step, or NULL
 * with the model's error set. */
static sqlite3_stmt *prep_runs_after_at(struct store *s, struct job *j,
					struct experiment *e,
					const char *cols, int limit,
					int first);

static sqlite3_stmt *prep_runs_after(struct store *s, struct job *j,
				     struct experiment *e, const char *cols,
				     int limit)
{
	return prep_runs_after_at(s, j, e, cols, limit, 3);
}

/* The same, with the search's parameters from ?first on (cols may use
 * those before it, bound by the caller). */
static sqlite3_stmt *prep_runs_after_at(struct store *s, struct job *j,
					struct experiment *e,
					const char *cols, int limit,
					int first)
{
	struct search_sql q;
	sqlite3_stmt *st;
	char *sql;

	if (!search_cond(s, j, first, &q))
		return NULL;
	sql = xasprintf("SELECT %s FROM runs r WHERE r.experiment_id = ?1"
			" AND r.rowid > ?2 %s AND (%s) ORDER BY r.rowid LIMIT %d",
			cols,
			j->req.include_deleted ? ""
					   : "AND r.lifecycle_stage = 'active'",
			q.where, limit);
	st = sqlite_prep(s, sql);
	free(sql);
	if (st) {
		sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, j->cursor);
		search_sql_bind(&q, st);
	}
	search_sql_free(&q);
	return st;
}

static int count_runs(struct store *s, struct job *j, struct experiment *e,
		      sqlite3_int64 *n)
{
	struct search_sql q;
	sqlite3_stmt *st;
	char *sql;
	int rc;

	if (!search_cond(s, j, 2, &q))
		return -1;
	sql = xasprintf("SELECT count(*) FROM runs r WHERE r.experiment_id = ?1"
			"%s AND (%s)", j->req.include_deleted ? ""
			: " AND r.lifecycle_stage = 'active'", q.where);
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st) {
		search_sql_free(&q);
		return -1;
	}
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	search_sql_bind(&q, st);
	rc = sqlite3_step(st);
	search_sql_free(&q);
	*n = rc == SQLITE_ROW ? sqlite_col_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		sqlite_fail(s, rc, "counting runs");
		return -1;
	}
	return 0;
}

/* The second pass of a full load: params of one window of runs. */
static int do_runs_params(struct store *s, struct job *j,
			  struct experiment *e)
{
	char buf[64];
	sqlite3_int64 lo = j->bi ? j->bounds[j->bi - 1] : 0;

	if (j->bi < j->nbounds &&
	    load_children(s, e, lo, j->bounds[j->bi], CH_PARAMS) != 0)
		return -1;
	j->bi++;
	if (j->bi < j->nbounds) {
		snprintf(buf, sizeof(buf), "loading params %lld/%lld",
			 (long long)j->bi * RUN_BATCH, (long long)j->total);
		model_set_progress(s->model, buf);
		return 0;
	}
	e->params_loaded = true;
	model_set_progress(s->model, NULL);
	return 1;
}

static int job_runs_paged(struct store *s, struct job *j,
			  struct experiment *e);

/* One slice of a full load: up to RUN_BATCH runs by rowid, then their
 * latest metrics and tags; params come in a second pass. Returns 1 when
 * done, 0 for more. */
int sqlite_job_runs(struct store *s, struct job *j)
{
	struct experiment *e = model_experiment(s->model, j->exp_id);
	char *cols, buf[64];
	sqlite3_stmt *st;
	sqlite3_int64 hi = j->cursor;
	int rc, n = 0;

	if (!e) {
		model_set_error(s->model, "experiment is gone");
		return -1;
	}
	if (j->more || (j->req.first_page && j->pass != 1))
		return job_runs_paged(s, j, e);
	if (j->pass == 1)
		return do_runs_params(s, j, e);
	if (j->cursor == 0 && j->done_rows == 0) {
		j->version = data_version(s);
		if (count_runs(s, j, e, &j->total) != 0)
			return -1;
		for (size_t i = 0; i < e->nruns_loaded; i++)
			e->runs[i]->seen = false;
		e->params_loaded = false;
	}
	cols = run_columns(s);
	st = prep_runs_after(s, j, e, cols, RUN_BATCH);
	free(cols);
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct run *r = experiment_run_upsert(e, sqlite_col_text(st, 1));

		run_from_row(r, st);
		/* A reload replaces params and tags wholesale. */
		kv_list_clear(&r->params);
		kv_list_clear(&r->tags);
		r->seen = true;
		hi = sqlite_col_int(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading runs");
		return -1;
	}
	if (n > 0) {
		if (load_children(s, e, j->cursor, hi, CH_LATEST | CH_TAGS) != 0)
			return -1;
		j->bounds = xgrow(j->bounds, &j->capbounds, j->nbounds + 1,
				  sizeof(*j->bounds));
		j->bounds[j->nbounds++] = hi;
	}
	j->cursor = hi;
	j->done_rows += n;
	if (n == RUN_BATCH) {
		snprintf(buf, sizeof(buf), "loading runs %lld/%lld",
			 (long long)j->done_rows, (long long)j->total);
		model_set_progress(s->model, buf);
		return 0;
	}
	for (size_t i = 0; i < e->nruns_loaded; i++)
		run_derive(e->runs[i]);
	experiment_remove_unseen(e);
	e->runs_cursor = hi > e->runs_cursor ? hi : e->runs_cursor;
	e->store_version = j->version;
	e->runs_loaded = true;
	e->runs_include_deleted = j->req.include_deleted;
	model_touch(s->model);
	/* The table can be drawn now; params follow in the background. */
	j->pass = 1;
	j->bi = 0;
	j->background = true;
	s->model->pending--;
	s->model->background++;
	if (j->nbounds == 0) {
		e->params_loaded = true;
		model_set_progress(s->model, NULL);
		return 1;
	}
	return 0;
}

/* --- a scan: every run in order, a batch at a time ------------------------ */

/* Keys read a slice, and runs handed out a batch. */
#define SCAN_KEYS 20000
#define SCAN_BATCH 500
#define SCAN_MAX 30000

static int scan_key_cmp(const void *a, const void *b)
{
	const struct scan_key *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? 1 : -1;
	return (x->rowid > y->rowid) - (x->rowid < y->rowid);
}

/* MLflow's default order within a batch: newest start first, then run
 * id (a batch holds every run of a start time it has). */
static int scan_run_cmp(const void *a, const void *b)
{
	const struct run *x = *(struct run *const *)a;
	const struct run *y = *(struct run *const *)b;

	if (x->start_time != y->start_time)
		return x->start_time < y->start_time ? 1 : -1;
	return strcmp(x->id, y->id);
}

/* Pass 0, one slice: the start time and rowid of up to SCAN_KEYS more
 * matching runs. 1 when every key is read. */
static int scan_keys(struct store *s, struct job *j, struct experiment *e)
{
	sqlite3_stmt *st = prep_runs_after(s, j, e, "r.rowid, r.start_time",
					   SCAN_KEYS);
	char buf[64];
	int rc, n = 0;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		j->keys = xgrow(j->keys, &j->capkeys, j->nkeys + 1,
				sizeof(*j->keys));
		j->keys[j->nkeys].rowid = sqlite_col_int(st, 0);
		j->keys[j->nkeys].start = sqlite_col_int(st, 1);
		j->cursor = j->keys[j->nkeys].rowid;
		j->nkeys++;
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading runs");
		return -1;
	}
	snprintf(buf, sizeof(buf), "reading runs %zu", j->nkeys);
	model_set_progress(s->model, buf);
	if (n == SCAN_KEYS)
		return 0;
	if (j->nkeys > 1)
		qsort(j->keys, j->nkeys, sizeof(*j->keys), scan_key_cmp);
	return 1;
}

/* Pass 0 of a scan in the search's order (--order-by): every matching
 * rowid in that order, from one statement. SQLite sorts them all before
 * the first row comes, as MLflow's own search does; the keys are
 * numbered by position, so the batches that follow never split a tie. */
static int scan_keys_ordered(struct store *s, struct job *j,
			     struct experiment *e)
{
	struct search_sql q, ord;
	sqlite3_stmt *st;
	char *sql, *err = NULL, buf[64];
	int rc = SQLITE_ERROR;

	if (!search_cond(s, j, 2, &q))
		return -1;
	if (search_sql_order(j->req.search, 2 + q.nparams,
			     impl(s)->cols.runs_name, &ord, &err) != 0) {
		model_set_error(s->model, err ? err : "bad order");
		free(err);
		search_sql_free(&q);
		return -1;
	}
	sql = xasprintf("SELECT r.rowid FROM runs r WHERE r.experiment_id = ?1"
			" %s AND (%s) ORDER BY %s",
			j->req.include_deleted ? ""
					   : "AND r.lifecycle_stage = 'active'",
			q.where, ord.where);
	st = sqlite_prep(s, sql);
	free(sql);
	if (st) {
		sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
		search_sql_bind(&q, st);
		search_sql_bind(&ord, st);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			j->keys = xgrow(j->keys, &j->capkeys, j->nkeys + 1,
					sizeof(*j->keys));
			j->keys[j->nkeys].rowid = sqlite_col_int(st, 0);
			j->keys[j->nkeys].start = (sqlite3_int64)j->nkeys;
			j->nkeys++;
		}
		sqlite3_finalize(st);
	}
	search_sql_free(&q);
	search_sql_free(&ord);
	if (!st)
		return -1;
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading runs");
		return -1;
	}
	snprintf(buf, sizeof(buf), "reading runs %zu", j->nkeys);
	model_set_progress(s->model, buf);
	return 1;
}

static const struct search *batch_order;

static int scan_search_cmp(const void *a, const void *b)
{
	return search_cmp(batch_order, *(struct run *const *)a,
			  *(struct run *const *)b);
}

/* Pass 1, one slice: the next batch of runs, whole (info, latest
 * metrics, params, tags), handed to the job's fn in order, then freed. */
static int scan_batch(struct store *s, struct job *j, struct experiment *e)
{
	size_t lo = j->ki, hi = lo, n;
	char *in, *cols, *sql, buf[64];
	sqlite3_stmt *st;
	int rc;

	/* A batch ends between two start times (ties are ordered by id,
	 * which only the runs themselves give), within SQLite's limit of
	 * parameters. A store without indexes on run_uuid (before MLflow
	 * made them) reads each batch's children by scanning: few, big
	 * batches there. */
	size_t want = impl(s)->cols.by_run_index ? SCAN_BATCH : SCAN_MAX;

	while (hi < j->nkeys && hi - lo < SCAN_MAX &&
	       (hi - lo < want || j->keys[hi].start == j->keys[hi - 1].start))
		hi++;
	n = hi - lo;
	in = placeholders(n);
	cols = run_columns(s);
	sql = xasprintf("SELECT %s FROM runs r WHERE r.rowid IN (%s)", cols,
			in);
	free(cols);
	st = sqlite_prep(s, sql);
	free(sql);
	for (size_t i = 0; st && i < n; i++)
		sqlite3_bind_int64(st, (int)i + 1, j->keys[lo + i].rowid);
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite_col_text(st, 1))
			run_from_row(experiment_run_upsert(
				e, sqlite_col_text(st, 1)), st);
	if (st)
		sqlite3_finalize(st);
	if (!st || rc != SQLITE_DONE) {
		if (st)
			sqlite_fail(s, rc, "reading runs");
		free(in);
		experiment_free_runs(e);
		return -1;
	}
	{
		struct run_set set = { .keys = j->keys + lo, .n = n };

		if (load_children_of(s, e, &set, CH_ALL) != 0) {
			free(in);
			experiment_free_runs(e);
			return -1;
		}
	}
	free(in);
	for (size_t i = 0; i < e->nruns_loaded; i++)
		run_derive(e->runs[i]);
	if (e->nruns_loaded > 1 && search_order_count(j->req.search)) {
		/* A slice of the search's order: the same order within. */
		batch_order = j->req.search;
		qsort(e->runs, e->nruns_loaded, sizeof(*e->runs),
		      scan_search_cmp);
	} else if (e->nruns_loaded > 1) {
		qsort(e->runs, e->nruns_loaded, sizeof(*e->runs), scan_run_cmp);
	}
	j->ki = hi;
	j->done_rows += (sqlite3_int64)e->nruns_loaded;
	if (j->fn && !j->fn(s, e->runs, e->nruns_loaded, j->fnud))
		j->ki = j->nkeys;
	experiment_free_runs(e);
	snprintf(buf, sizeof(buf), "reading runs %lld/%zu",
		 (long long)j->done_rows, j->nkeys);
	model_set_progress(s->model, buf);
	if (j->ki < j->nkeys)
		return 0;
	model_set_progress(s->model, NULL);
	return 1;
}

int sqlite_job_scan(struct store *s, struct job *j)
{
	struct experiment *e = model_experiment(s->model, j->exp_id);
	int rc;

	if (!e) {
		model_set_error(s->model, "experiment is gone");
		return -1;
	}
	if (e->nruns_loaded) {
		model_set_error(s->model, "a scan needs an experiment with no "
				"runs loaded");
		return -1;
	}
	if (j->pass == 0) {
		rc = search_order_count(j->req.search)
		     ? scan_keys_ordered(s, j, e) : scan_keys(s, j, e);
		if (rc <= 0)
			return rc;
		j->pass = 1;
		if (j->nkeys == 0) {
			model_set_progress(s->model, NULL);
			return 1;
		}
		return 0;
	}
	return scan_batch(s, j, e);
}

/* --- a load a page at a time (the dashboard's runs view) ------------------- */

#define PAGE_LOCAL 1000        /* runs a page, as a server's page */

static struct keyset **keyset_at(struct store *s, const char *exp_id)
{
	struct keyset **pp = &impl(s)->keysets;

	while (*pp && strcmp((*pp)->exp_id, exp_id) != 0)
		pp = &(*pp)->next;
	return pp;
}

static void keyset_drop(struct store *s, const char *exp_id)
{
	struct keyset **pp = keyset_at(s, exp_id), *k = *pp;

	if (!k)
		return;
	*pp = k->next;
	free(k->exp_id);
	free(k->keys);
	free(k->by_row);
	free(k);
}

void sqlite_keysets_free(struct sqlite_store *ss)
{
	while (ss->keysets) {
		struct keyset *k = ss->keysets;

		ss->keysets = k->next;
		free(k->exp_id);
		free(k->keys);
		free(k->by_row);
		free(k);
	}
}

/* Memory follows the screen: when an experiment's window comes, the
 * others' go (their keysets, 16-32 MB for a million runs, and the runs
 * their windows held; runs read another way stay). Such an experiment
 * reads its first page again when it is shown. */
static void keysets_release_others(struct store *s, const char *keep)
{
	struct keyset **pp = &impl(s)->keysets;

	while (*pp) {
		struct keyset *k = *pp;
		struct experiment *x;

		if (!strcmp(k->exp_id, keep)) {
			pp = &k->next;
			continue;
		}
		x = model_experiment(s->model, k->exp_id);
		if (x)
			experiment_release_window(x);
		*pp = k->next;
		free(k->exp_id);
		free(k->keys);
		free(k->by_row);
		free(k);
	}
}

/* Runs keys[lo..hi) into e, whole (a reload replaces params and tags),
 * derived. */
static int read_keyed_runs(struct store *s, struct experiment *e,
			   const struct scan_key *keys, size_t n)
{
	struct run_set set = { .keys = keys, .n = n };
	char *in = placeholders(n), *cols = run_columns(s);
	char *sql = xasprintf("SELECT %s FROM runs r WHERE r.rowid IN (%s)",
			      cols, in);
	struct run **got = xcalloc(n ? n : 1, sizeof(*got));
	size_t ngot = 0;
	sqlite3_stmt *st = sqlite_prep(s, sql);
	int rc = SQLITE_ERROR;

	free(sql);
	free(cols);
	free(in);
	for (size_t i = 0; st && i < n; i++)
		sqlite3_bind_int64(st, (int)i + 1, keys[i].rowid);
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = sqlite_col_text(st, 1);
		struct run *r;

		if (!id || ngot == n)
			continue;
		r = experiment_run_upsert(e, id);
		run_from_row(r, st);
		kv_list_clear(&r->params);
		kv_list_clear(&r->tags);
		r->seen = true;
		r->in_window = true;
		got[ngot++] = r;
	}
	if (st)
		sqlite3_finalize(st);
	if (!st || rc != SQLITE_DONE) {
		if (st)
			sqlite_fail(s, rc, "reading runs");
		free(got);
		return -1;
	}
	if (load_children_of(s, e, &set, CH_ALL) != 0) {
		free(got);
		return -1;
	}
	for (size_t i = 0; i < ngot; i++)
		run_derive(got[i]);
	free(got);
	return 0;
}

/* While the keys of a first open are read (about a second for a million
 * runs), the newest rows of the table stand in: MLflow inserts a run
 * when it starts, so the runs with the highest rowids are nearly always
 * the newest. They are real runs, drawn in START order with "+" (more to
 * come); the exact first page replaces them once the keys are in, and
 * what stays of them is in its place in that order. At most
 * PROVISIONAL_SCAN rows of the table are looked at. */
#define PROVISIONAL_SCAN 50000

static int provisional_page(struct store *s, struct job *j,
			    struct experiment *e)
{
	struct search_sql q;
	struct scan_key *keys = NULL;
	struct run **got = NULL;
	size_t n = 0, cap = 0, capgot = 0;
	char *cols, *sql;
	sqlite3_stmt *st;
	int rc = SQLITE_ERROR;

	if (!search_cond(s, j, 2, &q))
		return -1;
	cols = run_columns(s);
	sql = xasprintf("SELECT %s FROM runs r WHERE r.experiment_id = ?1"
			" AND r.rowid > (SELECT max(rowid) FROM runs) - %d %s"
			" AND (%s) ORDER BY r.rowid DESC LIMIT %d", cols,
			PROVISIONAL_SCAN, j->req.include_deleted ? ""
			: "AND r.lifecycle_stage = 'active'", q.where,
			PAGE_LOCAL);
	free(cols);
	st = sqlite_prep(s, sql);
	free(sql);
	if (st) {
		sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
		search_sql_bind(&q, st);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = sqlite_col_text(st, 1);
			struct run *r;

			if (!id)
				continue;
			r = experiment_run_upsert(e, id);
			run_from_row(r, st);
			r->seen = true;
			r->in_window = true;
			keys = xgrow(keys, &cap, n + 1, sizeof(*keys));
			got = xgrow(got, &capgot, n + 1, sizeof(*got));
			keys[n].rowid = sqlite_col_int(st, 0);
			keys[n].start = r->start_time;
			got[n++] = r;
		}
		sqlite3_finalize(st);
	}
	search_sql_free(&q);
	if (!st || rc != SQLITE_DONE) {
		if (st)
			sqlite_fail(s, rc, "reading runs");
		free(keys);
		free(got);
		return -1;
	}
	if (n) {
		struct run_set set = { .keys = keys, .n = n };

		if (load_children_of(s, e, &set, CH_ALL) != 0) {
			free(keys);
			free(got);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			run_derive(got[i]);
		e->runs_loaded = true;
		e->params_loaded = true;
		e->runs_include_deleted = j->req.include_deleted;
		free(e->runs_more);
		e->runs_more = xstrdup("0");
		model_touch(s->model);
	}
	free(keys);
	free(got);
	return 0;
}

/* --- a keyset in another order (the runs view sorted by a column) --------- */

static int row_pos_cmp(const void *a, const void *b);

static bool job_ordered(const struct job *j)
{
	return j->req.order != ORDER_START || j->req.order_asc ||
	       j->metrics_c;
}

/* Whether the job asks for the order of the runs held, the other way
 * when reversed. */
static bool order_is(const struct job *j, const struct experiment *e,
		     bool reversed)
{
	const char *f = j->req.search ? search_filter_text(j->req.search)
				      : NULL;

	if (!f != !e->runs_search || (f && strcmp(f, e->runs_search)))
		return false;
	return j->req.order == e->runs_order &&
	       (j->req.order_asc != e->runs_order_asc) == reversed &&
	       (j->req.order != ORDER_METRIC ||
		!strcmp(j->req.order_key ? j->req.order_key : "",
			e->runs_order_key ? e->runs_order_key : ""));
}

static bool same_order(const struct job *j, const struct experiment *e)
{
	return order_is(j, e, false);
}

/* The held keyset of another order, turned the other way for the job,
 * without reading the store (a million runs in a few milliseconds where
 * a sort takes a second): the runs with a value reversed, those without
 * kept last and reversed among themselves, as okey_cmp orders them.
 * Not when runs started since wait outside the order. */
static bool keyset_take_reversed(struct store *s, struct job *j,
				 struct experiment *e)
{
	struct keyset *k = *keyset_at(s, e->id);
	size_t n, nv;

	if (!k || !k->by_row || !k->n || e->runs_unsorted ||
	    !job_ordered(j) || !order_is(j, e, true))
		return false;
	n = k->n;
	nv = k->nvalued;
	for (size_t a = 0, b = nv; a + 1 < b; a++, b--) {
		sqlite3_int64 t = k->keys[a].rowid;

		k->keys[a].rowid = k->keys[b - 1].rowid;
		k->keys[b - 1].rowid = t;
	}
	for (size_t a = nv, b = n; a + 1 < b; a++, b--) {
		sqlite3_int64 t = k->keys[a].rowid;

		k->keys[a].rowid = k->keys[b - 1].rowid;
		k->keys[b - 1].rowid = t;
	}
	for (size_t i = 0; i < n; i++) {
		size_t p = k->by_row[i].pos;

		k->keys[i].start = (sqlite3_int64)i;
		k->by_row[i].pos = p < nv ? nv - 1 - p : nv + (n - 1 - p);
	}
	free(j->keys);
	free(j->by_row);
	j->keys = k->keys;
	j->nkeys = j->capkeys = n;
	j->by_row = k->by_row;
	j->nvalued = nv;
	k->keys = NULL;
	k->by_row = NULL;
	return true;
}

static bool okey_desc;

_Static_assert(sizeof(struct order_key) >= sizeof(struct scan_key),
	       "the keys are made in the sort values' memory");
_Static_assert(sizeof(struct order_key) <= 32,
	       "qsort moves keys of 32 bytes or less in place");

/* The runs view's order (cmp_run): values, then run ids, the whole
 * reversed when descending; runs without a value last either way. */
static int okey_cmp(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;
	int c;

	if (isnan(x->v) != isnan(y->v))
		return isnan(x->v) ? 1 : -1;
	c = (x->v > y->v) - (x->v < y->v);
	if (!c)
		c = (x->idhi > y->idhi) - (x->idhi < y->idhi);
	if (!c)
		c = (x->idlo > y->idlo) - (x->idlo < y->idlo);
	if (!c)
		c = (x->rowid > y->rowid) - (x->rowid < y->rowid);
	return okey_desc ? -c : c;
}

/* okey_cmp's order, in place: the C library's qsort takes a buffer as
 * big as the keys (32 MB more for a million runs). Quicksort on the
 * median of three, the smaller side first; past a depth that only a
 * hostile order reaches, the C library's qsort takes the rest. */
static void okeys_sort(struct order_key *k, size_t n, int depth)
{
	while (n > 16) {
		struct order_key pivot, t;
		size_t i = 0, jx = n - 1, mid = n / 2;

		if (depth++ > 64) {
			qsort(k, n, sizeof(*k), okey_cmp);
			return;
		}
		if (okey_cmp(&k[mid], &k[0]) < 0)
			t = k[mid], k[mid] = k[0], k[0] = t;
		if (okey_cmp(&k[n - 1], &k[0]) < 0)
			t = k[n - 1], k[n - 1] = k[0], k[0] = t;
		if (okey_cmp(&k[n - 1], &k[mid]) < 0)
			t = k[n - 1], k[n - 1] = k[mid], k[mid] = t;
		pivot = k[mid];
		for (;;) {
			while (okey_cmp(&k[i], &pivot) < 0)
				i++;
			while (okey_cmp(&pivot, &k[jx]) < 0)
				jx--;
			if (i >= jx)
				break;
			t = k[i], k[i] = k[jx], k[jx] = t;
			i++;
			jx--;
		}
		/* [0, jx] <= pivot <= [jx + 1, n) */
		if (jx + 1 < n - jx - 1) {
			okeys_sort(k, jx + 1, depth);
			k += jx + 1;
			n -= jx + 1;
		} else {
			okeys_sort(k + jx + 1, n - jx - 1, depth);
			n = jx + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct order_key t = k[i];
		size_t at = i;

		while (at > 0 && okey_cmp(&t, &k[at - 1]) < 0) {
			k[at] = k[at - 1];
			at--;
		}
		k[at] = t;
	}
}

/* A run id (32 hex digits) as two numbers, in the order of the text
 * (another character counts as 0; a shorter id stops where it ends). */
static void hex_id(const char *id, uint64_t *hi, uint64_t *lo)
{
	static unsigned char val[256];
	uint64_t h = 0, l = 0;
	int i = 0;

	if (!val['1'])
		for (int c = 0; c < 256; c++)
			val[c] = (unsigned char)(c >= '0' && c <= '9' ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0);
	if (id) {
		for (; i < 16 && id[i]; i++)
			h = h << 4 | val[(unsigned char)id[i]];
		for (; i >= 16 && i < 32 && id[i]; i++)
			l = l << 4 | val[(unsigned char)id[i]];
	}
	*hi = h;
	*lo = l;
}

/* Rows of latest_metrics a slice of the metric pass looks at. */
#define METRIC_ROWS 200000

/* The keys' places by run id, for the metric pass: an open-addressing
 * table whose slots hold a key's position + 1 (low 32 bits) beside a
 * tag of its id (high 32), so a probe reads the keys only for the one
 * it finds. Ids are uuid4 hex, whose version digit never changes: both
 * halves are mixed. */
static uint64_t id_mix(uint64_t hi, uint64_t lo)
{
	uint64_t x = (hi ^ (lo * 0x9E3779B97F4A7C15ULL)) *
		     0xBF58476D1CE4E5B9ULL;

	return x ^ (x >> 31);
}

#define ID_TAG(x) ((x) >> 32)

static void okeys_index(struct job *j)
{
	size_t cap = 16;

	while (cap < j->nokeys * 2)
		cap *= 2;
	j->oidx = xcalloc(cap, sizeof(*j->oidx));
	j->capoidx = cap;
	for (size_t i = 0; i < j->nokeys && i < UINT32_MAX; i++) {
		uint64_t x = id_mix(j->okeys[i].idhi, j->okeys[i].idlo);
		size_t h = (size_t)x & (cap - 1);

		while (j->oidx[h])
			h = (h + 1) & (cap - 1);
		j->oidx[h] = ID_TAG(x) << 32 | (uint64_t)(i + 1);
	}
}

/* The key of id (hi, lo), from slot h on (NULL: none). */
static struct order_key *okeys_probe(const struct job *j, size_t h,
				     uint64_t tag, uint64_t hi, uint64_t lo)
{
	for (; j->oidx[h]; h = (h + 1) & (j->capoidx - 1)) {
		struct order_key *k;

		if (ID_TAG(j->oidx[h]) != tag)
			continue;
		k = &j->okeys[(j->oidx[h] & UINT32_MAX) - 1];
		if (k->idhi == hi && k->idlo == lo)
			return k;
	}
	return NULL;
}

/* The metric pass finds its rows' keys this many at a time: the table's
 * slots for all of them are asked of memory first, then the keys, so
 * the waits for memory overlap (a million rows' lookups, each a miss,
 * took about a third of the pass one at a time). */
#define FIND_BATCH 64

struct metric_row {
	uint64_t hi, lo, tag;
	size_t slot;
	double v;
	unsigned keys;   /* bit i: the filter's clause i; bit 8: the sort's */
	struct order_key *k;
};

#if defined(__GNUC__)
#define PREFETCH(p, w) __builtin_prefetch((p), (w))
#else
#define PREFETCH(p, w) ((void)0)
#endif

/* The batch's rows given to their keys (r[i].keys says what each
 * brings). */
static void metric_rows_apply(struct job *j, struct metric_row *r, size_t n)
{
	size_t mask = j->capoidx - 1;

	for (size_t i = 0; i < n; i++) {
		uint64_t x = id_mix(r[i].hi, r[i].lo);

		r[i].tag = ID_TAG(x);
		r[i].slot = (size_t)x & mask;
		PREFETCH(&j->oidx[r[i].slot], 0);
	}
	for (size_t i = 0; i < n; i++) {
		size_t h = r[i].slot;

		r[i].k = NULL;
		for (; j->oidx[h]; h = (h + 1) & mask)
			if (ID_TAG(j->oidx[h]) == r[i].tag) {
				r[i].k = &j->okeys[(j->oidx[h] & UINT32_MAX)
						   - 1];
				PREFETCH(r[i].k, 1);
				break;
			}
		r[i].slot = h;
	}
	for (size_t i = 0; i < n; i++) {
		struct order_key *k = r[i].k;

		if (k && (k->idhi != r[i].hi || k->idlo != r[i].lo))
			k = okeys_probe(j, r[i].slot, r[i].tag, r[i].hi,
					r[i].lo);   /* another id's tag */
		if (!k)
			continue;
		if (r[i].keys & 0x100u)
			k->v = r[i].v;
		if (r[i].keys & 0xffu)
			j->omask[k - j->okeys] |= (uint8_t)(r[i].keys & 0xffu);
	}
}

/* The metric pass, one slice: latest_metrics read straight through by
 * rowid (an index lookup a run costs seven times more for a million),
 * each row of the keys asked for given to its run, found by id. A value
 * of the sort's metric becomes the run's sort value; the filter's metric
 * clauses, tested here (a run without the metric fails; NaN passes only
 * !=), mark the clauses the run passes, and once the table is read the
 * keys that did not pass every one go. One pass serves a filter and a
 * sort together. 1 when done. */
static int order_metric_pass(struct store *s, struct job *j)
{
	const struct search *q = j->req.search;
	size_t nm = j->metrics_c ? search_metric_count(q) : 0, at = 0;
	const char *okey = j->req.order != ORDER_METRIC ? NULL
			   : j->req.order_key ? j->req.order_key : "";
	const char *what = nm ? "filtering runs" : "sorting runs";
	size_t nk = nm + (okey != NULL);
	struct metric_row rows[FIND_BATCH];
	size_t nr = 0;
	sqlite3_stmt *st;
	char *in, *sql, buf[128];
	int rc;

	if (!j->oidx) {
		st = sqlite_prep(s, "SELECT max(rowid) FROM latest_metrics");
		if (!st)
			return -1;
		rc = sqlite3_step(st);
		j->omax = rc == SQLITE_ROW ? sqlite_col_int(st, 0) : 0;
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW) {
			sqlite_fail(s, rc, what);
			return -1;
		}
		j->orow = 0;
		okeys_index(j);
		if (nm)
			j->omask = xcalloc(j->nokeys ? j->nokeys : 1, 1);
	}
	in = placeholders(nk);
	/* The list first: its plain ? are ?1 to ?nk. */
	sql = xasprintf("SELECT run_uuid, key, value, is_nan FROM latest_metrics"
			" NOT INDEXED WHERE key IN (%s) AND rowid > ?%zu AND"
			" rowid <= ?%zu", in, nk + 1, nk + 2);
	free(in);
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	for (size_t i = 0; i < nm; i++)
		sqlite3_bind_text(st, (int)i + 1, search_metric_key(q, i), -1,
				  SQLITE_STATIC);
	if (okey)
		sqlite3_bind_text(st, (int)nk, okey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, (int)nk + 1, j->orow);
	sqlite3_bind_int64(st, (int)nk + 2, j->orow + METRIC_ROWS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = sqlite_col_text(st, 1);
		bool nan = sqlite_col_int(st, 3) != 0;
		double v = nan ? NAN : sqlite3_column_double(st, 2);
		unsigned keys = 0;

		if (!key)
			continue;
		if (okey && !nan && !strcmp(key, okey))
			keys |= 0x100u;
		for (size_t i = 0; i < nm; i++)
			if (!strcmp(key, search_metric_key(q, i)) &&
			    search_metric_test(q, i, v))
				keys |= 1u << i;
		if (!keys)
			continue;
		hex_id(sqlite_col_text(st, 0), &rows[nr].hi, &rows[nr].lo);
		rows[nr].v = v;
		rows[nr].keys = keys;
		if (++nr == FIND_BATCH) {
			metric_rows_apply(j, rows, nr);
			nr = 0;
		}
	}
	metric_rows_apply(j, rows, nr);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, what);
		return -1;
	}
	j->orow += METRIC_ROWS;
	snprintf(buf, sizeof(buf), "%s%s%s: %lld%%", what, okey ? " by " : "",
		 okey ? okey : "",
		 (long long)(j->orow < j->omax ? j->orow * 100 / j->omax
					       : 100));
	model_set_progress(s->model, buf);
	if (j->orow < j->omax)
		return 0;
	if (nm) {
		/* Still in rowid order: a key's rank is its place. */
		for (size_t i = 0; i < j->nokeys; i++)
			if (j->omask[i] == (uint8_t)((1u << nm) - 1)) {
				j->okeys[at] = j->okeys[i];
				j->okeys[at].rowid = (sqlite3_int64)at;
				j->by_row[at++] = j->by_row[i];
			}
		j->nokeys = at;
	}
	free(j->omask);
	free(j->oidx);
	j->omask = NULL;
	j->oidx = NULL;
	j->capoidx = 0;
	j->orow = j->omax = 0;
	return 1;
}

/* Pass 0 of a first page in another order, one slice: the sort value
 * of up to SCAN_KEYS more matching runs, by rowid (a statement never
 * sorts the experiment: the keys are sorted here once all are in, and
 * the keyboard answers between slices); a metric's values come after,
 * from latest_metrics in slices. 1 when every key is in order in
 * j->keys (start: its position), with j->by_row. */
static int order_keys(struct store *s, struct job *j, struct experiment *e)
{
	sqlite3_stmt *st;
	int64_t now = clock_now_ms();
	char buf[64];
	int rc, n = 0;

	if (j->opass == 1) {
		rc = order_metric_pass(s, j);
		if (rc <= 0)
			return rc;
		goto sorted;
	}
	st = prep_runs_after(s, j, e, "r.rowid, r.run_uuid, r.start_time,"
			     " r.end_time, r.status", SCAN_KEYS);
	if (!st)
		return -1;
	if (!j->okeys && e->runs_total) {   /* no doubling on the way */
		j->okeys = xgrow(NULL, &j->capokeys, e->runs_total + 1024,
				 sizeof(*j->okeys));
		j->by_row = xgrow(j->by_row, &j->capby_row,
				  e->runs_total + 1024, sizeof(*j->by_row));
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct order_key *k;
		int64_t start = sqlite_col_int(st, 2), end, d = -1;

		j->okeys = xgrow(j->okeys, &j->capokeys, j->nokeys + 1,
				 sizeof(*j->okeys));
		j->by_row = xgrow(j->by_row, &j->capby_row, j->nokeys + 1,
				  sizeof(*j->by_row));
		/* The keys come by rowid: by_row holds them in that order,
		 * and a key's rowid field its rank there until sorted. */
		j->by_row[j->nokeys].rowid = sqlite_col_int(st, 0);
		k = &j->okeys[j->nokeys];
		k->rowid = (sqlite3_int64)j->nokeys++;
		hex_id(sqlite_col_text(st, 1), &k->idhi, &k->idlo);
		end = sqlite3_column_type(st, 3) == SQLITE_NULL
			? 0 : sqlite_col_int(st, 3);
		switch (j->req.order) {
		case ORDER_START:
			k->v = (double)start;
			break;
		case ORDER_DURATION:
			run_duration_ms(start, end ? end : now, &d);
			k->v = (double)d;
			break;
		case ORDER_STATUS:
			k->v = (double)run_status_parse(
				sqlite_col_text(st, 4));
			break;
		case ORDER_ID:
			k->v = 0;   /* by id alone */
			break;
		case ORDER_METRIC:
			k->v = NAN;   /* none until the metric pass */
			break;
		}
		j->cursor = j->by_row[k->rowid].rowid;
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "sorting runs");
		return -1;
	}
	snprintf(buf, sizeof(buf), "sorting runs: %zu read", j->nokeys);
	model_set_progress(s->model, buf);
	if (n == SCAN_KEYS)
		return 0;
	if (j->metrics_c || j->req.order == ORDER_METRIC) {
		j->opass = 1;
		return 0;
	}
sorted:
	okey_desc = !j->req.order_asc;
	okeys_sort(j->okeys, j->nokeys, 0);
	/* Every key has a place of its own (start: its position): the
	 * order is total, ties by id as the view orders them, so a page
	 * may end anywhere. by_row, in rowid order since the keys came
	 * that way, learns each one's place from its rank (no sort); the
	 * keys take the sort values' memory, written behind the reading. */
	{
		struct scan_key *keys = (struct scan_key *)(void *)j->okeys;

		j->nvalued = 0;
		for (size_t i = 0; i < j->nokeys; i++) {
			size_t rank = (size_t)j->okeys[i].rowid;

			if (!isnan(j->okeys[i].v))
				j->nvalued = i + 1;   /* none come last */

			j->by_row[rank].pos = i;
			keys[i].rowid = j->by_row[rank].rowid;
			keys[i].start = (sqlite3_int64)i;
		}
		free(j->keys);
		j->capkeys = j->nokeys ? j->nokeys : 1;
		j->keys = xrealloc(keys, j->capkeys * sizeof(*keys));
		j->by_row = xrealloc(j->by_row, j->capkeys *
				     sizeof(*j->by_row));
	}
	j->nkeys = j->nokeys;
	j->okeys = NULL;
	j->nokeys = j->capokeys = 0;
	j->capby_row = 0;
	return 1;
}

/* --- the window of runs held (the runs view on a big experiment) ----------- */

/* i moved forward to the end of the tie it is in (a page never splits
 * the runs of one start time, which only their ids order), at most
 * SCAN_MAX runs further. */
static size_t tie_end(const struct scan_key *k, size_t n, size_t i)
{
	size_t lim = i + SCAN_MAX;

	while (i > 0 && i < n && i < lim && k[i].start == k[i - 1].start)
		i++;
	return i < n ? i : n;
}

static int row_pos_cmp(const void *a, const void *b)
{
	const struct row_pos *x = a, *y = b;

	return (x->rowid > y->rowid) - (x->rowid < y->rowid);
}

/* The position of the run in keys (MLflow's order, or by_row's), or
 * n. */
static size_t key_pos(const struct scan_key *k, size_t n,
		      const struct row_pos *by_row, const struct run *r)
{
	struct scan_key want = { .start = r->start_time, .rowid = r->store_row };
	size_t lo = 0, hi = n;

	if (by_row) {
		struct row_pos rp = { .rowid = r->store_row }, *f;

		f = bsearch(&rp, by_row, n, sizeof(*by_row), row_pos_cmp);
		return f ? f->pos : n;
	}

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (scan_key_cmp(&k[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && k[lo].rowid == r->store_row ? lo : n;
}

struct window_keep {
	const struct scan_key *keys;
	size_t n, first, end;
	const struct row_pos *by_row;
};

/* A run of the window that is not in [first, end) any more. */
static bool out_of_window(const struct run *r, void *ud)
{
	const struct window_keep *w = ud;
	size_t at;

	if (!r->in_window)
		return false;
	at = key_pos(w->keys, w->n, w->by_row, r);
	return at < w->first || at >= w->end;
}

/* Runs keys[lo..hi) into e, a batch at a time. */
static int read_key_range(struct store *s, struct experiment *e,
			  const struct scan_key *keys, size_t lo, size_t hi)
{
	while (lo < hi) {
		size_t n = hi - lo < SCAN_BATCH ? hi - lo : SCAN_BATCH;

		if (read_keyed_runs(s, e, keys + lo, n) != 0)
			return -1;
		lo += n;
	}
	return 0;
}

/* The page of pg keys holding position at: [*lo, *hi), ties kept
 * together, the last page whole. */
static void page_of(const struct scan_key *k, size_t n, size_t at, size_t pg,
		    size_t *lo, size_t *hi)
{
	size_t plo = tie_end(k, n, at / pg * pg), phi;

	if (at < plo)
		plo = tie_end(k, n, (at / pg - 1) * pg);
	phi = tie_end(k, n, plo + pg);
	if (phi == n && n > pg && phi - plo < pg)
		plo = tie_end(k, n, n - pg);
	*lo = plo;
	*hi = phi;
}

/* Runs a jump reads (G, g): more than a screen of the tallest pane. */
#define JUMP_PAGE 200

/* Move the window to the page holding req.at, in one slice: a page is
 * read (about 30 ms for 1,000 runs with their metrics, params and tags),
 * pages beyond STORE_WINDOW_PAGES from it are dropped. */
static int job_runs_window(struct store *s, struct job *j,
			   struct experiment *e)
{
	struct keyset *k = *keyset_at(s, e->id);
	size_t n, at, plo, phi, first = e->runs_first, end = e->runs_end;
	size_t cap = STORE_WINDOW_PAGES * PAGE_LOCAL;
	struct window_keep keep;

	if (!k || !e->runs_total || !e->runs_more || !k->n)
		return 1;   /* every run is held: nothing to move */
	n = k->n;
	at = j->req.at < n ? j->req.at : n - 1;
	page_of(k->keys, n, at, PAGE_LOCAL, &plo, &phi);
	if (plo >= first && phi <= end) {
		j->quiet = true;
		return 1;
	}
	if (phi < first || plo > end || first == end) {
		/* A jump: a screenful or so, read within a frame; the
		 * window grows from there as the user scrolls. */
		page_of(k->keys, n, at, JUMP_PAGE, &plo, &phi);
		if (read_key_range(s, e, k->keys, plo, phi) != 0)
			return -1;
		first = plo;
		end = phi;
	} else if (plo < first) {
		if (read_key_range(s, e, k->keys, plo, first) != 0)
			return -1;
		first = plo;
		if (end - first > cap)
			end = tie_end(k->keys, n, first + cap);
	} else {
		if (read_key_range(s, e, k->keys, end, phi) != 0)
			return -1;
		end = phi;
		if (end - first > cap && end > cap)
			first = tie_end(k->keys, n, end - cap);
	}
	keep = (struct window_keep){ k->keys, n, first, end, k->by_row };
	experiment_retire_if(e, out_of_window, &keep);
	e->runs_first = first;
	e->runs_end = end;
	free(e->runs_more);
	e->runs_more = first > 0 || end < n ? xasprintf("%zu", end) : NULL;
	if (!e->runs_more) {
		e->runs_first = e->runs_end = e->runs_total = 0;
		keyset_drop(s, e->id);
	}
	model_touch(s->model);
	return 1;
}

/* A load with first_page (pass 0: every key, in slices, as a scan reads
 * them; then pages), or more_runs (pages from e->runs_more on). Each
 * slice reads at most SCAN_BATCH runs; a first page stops after
 * PAGE_LOCAL, leaving the keys for more_runs. */
static int job_runs_paged(struct store *s, struct job *j,
			  struct experiment *e)
{
	const struct scan_key *keys;
	size_t nkeys, lo, hi, stop;
	bool left;
	char buf[80];

	if (!j->more && j->pass == 0) {
		int rc;

		if (!j->keying) {
			bool first_open = !e->runs_loaded;

			j->keying = true;
			/* MLflow's metric clauses are tested here, from one
			 * pass over latest_metrics: a lookup a run in SQL
			 * costs seconds for a million. */
			j->metrics_c = j->req.search &&
				search_metric_count(j->req.search) > 0 &&
				search_metric_count(j->req.search) <= 8;
			/* Another order: the old one's keys go now (memory
			 * for the new), unless they are the order asked for
			 * the other way. */
			if (!same_order(j, e)) {
				j->reversed = keyset_take_reversed(s, j, e);
				keyset_drop(s, e->id);
			}
			j->version = data_version(s);
			for (size_t i = 0; i < e->nruns_loaded; i++)
				e->runs[i]->seen = false;
			/* A slice of its own, so it is drawn at once. */
			if (first_open && !job_ordered(j)) {
				j->stand_ins = true;
				return provisional_page(s, j, e);
			}
		}
		rc = j->reversed ? 1 : job_ordered(j) ? order_keys(s, j, e)
						     : scan_keys(s, j, e);
		if (rc <= 0)
			return rc;
		/* The exact page says what is seen (not the stand-ins). */
		for (size_t i = 0; i < e->nruns_loaded; i++)
			e->runs[i]->seen = false;
		j->pass = 2;
		/* A reload keeps the window where the user is (in the
		 * same order). */
		j->win_lo = e->runs_total && e->runs_first &&
			    same_order(j, e)
			? tie_end(j->keys, j->nkeys, e->runs_first < j->nkeys
				  ? e->runs_first : j->nkeys) : 0;
		j->ki = j->win_lo;
		if (j->win_lo)   /* as many rows as it held, whole pages */
			j->bi = j->win_lo + (e->runs_end - e->runs_first >
					     PAGE_LOCAL ? e->runs_end -
					     e->runs_first : PAGE_LOCAL);
		j->total = (sqlite3_int64)j->nkeys;
	}
	if (j->more && j->req.window && j->req.first_page)
		return job_runs_window(s, j, e);
	if (j->more) {
		struct keyset *k = *keyset_at(s, e->id);
		char *end = NULL;
		unsigned long long at = e->runs_more
			? strtoull(e->runs_more, &end, 10) : 0;

		if (j->pass == 0) {
			if (!e->runs_more)
				return 1;   /* a load since read them all */
			if (!k || !end || *end || at > k->n) {
				/* The keys are gone (another experiment's
				 * load since): read them all again, whole. */
				j->more = false;
				j->req.first_page = false;
				return sqlite_job_runs(s, j);
			}
			/* A window that left the first runs: all of them
			 * again from the top (those held are read again). */
			j->ki = e->runs_first && !j->req.first_page
				? 0 : (size_t)at;
			j->pass = 2;
		}
		if (!k) {
			model_set_error(s->model, "the runs' order was "
					"dropped while a page was read");
			return -1;
		}
		keys = k->keys;
		nkeys = k->n;
	} else {
		keys = j->keys;
		nkeys = j->nkeys;
	}
	/* One batch, ties together, as a scan does. */
	lo = j->ki;
	hi = lo;
	stop = j->req.first_page ? j->bi : nkeys;
	if (j->req.first_page && j->bi == 0)
		stop = j->bi = lo + PAGE_LOCAL;
	while (hi < nkeys && hi - lo < SCAN_MAX &&
	       (hi - lo < SCAN_BATCH || keys[hi].start == keys[hi - 1].start))
		hi++;
	if (hi > lo && read_keyed_runs(s, e, keys + lo, hi - lo) != 0)
		return -1;
	j->ki = hi;
	if (j->more && hi < nkeys) {
		/* Where the next more_runs goes on if this one fails (a
		 * writer's lock): what was read stays read. */
		free(e->runs_more);
		e->runs_more = xasprintf("%zu", hi);
	}
	if (hi < nkeys && hi < stop) {
		snprintf(buf, sizeof(buf), "loading runs %zu/%zu", hi, nkeys);
		model_set_progress(s->model, buf);
		return 0;
	}
	model_set_progress(s->model, NULL);
	left = hi < nkeys || (!j->more && j->win_lo);
	free(e->runs_more);
	e->runs_more = left ? xasprintf("%zu", hi) : NULL;
	if (!j->more) {
		/* What the runs held are (all of them when they fit). */
		e->runs_first = j->win_lo;
		e->runs_order = j->req.order;
		e->runs_order_asc = j->req.order_asc;
		set_str(&e->runs_order_key, j->req.order == ORDER_METRIC
			? j->req.order_key : NULL);
		set_str(&e->runs_search, j->req.search
			? search_filter_text(j->req.search) : NULL);
		e->runs_unsorted = 0;
	}
	if (!e->runs_more) {
		e->runs_first = e->runs_end = e->runs_total = 0;
		for (size_t i = 0; i < e->nruns_loaded; i++)
			e->runs[i]->in_window = false;
	} else {
		e->runs_end = hi;
		e->runs_total = nkeys;
	}
	if (!j->more) {
		/* Every run newer than the last read was read: those not
		 * seen are gone; older ones wait for their page (stand-ins
		 * not in the page go: the rows would have gaps). */
		if (hi < nkeys && !j->stand_ins && !j->by_row)
			experiment_remove_unseen_after(e, keys[hi - 1].start);
		else
			experiment_remove_unseen(e);
		if (left) {
			/* The window is this page now: runs of pages read
			 * before leave it. */
			struct window_keep w = { keys, nkeys, j->win_lo, hi,
						 j->by_row };

			experiment_retire_if(e, out_of_window, &w);
		}
		keyset_drop(s, e->id);
		if (left) {
			struct keyset *k = xcalloc(1, sizeof(*k));

			keysets_release_others(s, e->id);
			k->exp_id = xstrdup(e->id);
			k->keys = j->keys;
			k->n = j->nkeys;
			k->by_row = j->by_row;
			k->nvalued = j->nvalued;
			j->by_row = NULL;
			k->next = impl(s)->keysets;
			impl(s)->keysets = k;
			j->keys = NULL;
			j->nkeys = j->capkeys = 0;
		}
		if (j->cursor > e->runs_cursor)
			e->runs_cursor = j->cursor;
		/* Turned around, the keys are as old as the order was: what
		 * was written since is for the next poll to read. */
		if (!j->reversed)
			e->store_version = j->version;
		e->runs_loaded = true;
		e->params_loaded = true;
		e->runs_include_deleted = j->req.include_deleted;
	} else if (!e->runs_more) {
		keyset_drop(s, e->id);
	}
	return 1;
}

/* Live runs re-read by run_uuid this many at a time (plain ?
 * parameters: numbered ones cost SQLite a lookup each, and one list
 * could pass its limit of 32766). */
#define POLL_CHUNK 500

/* The rows of a poll's statement into e; *changed set when one is news.
 * Returns the last sqlite3_step code. */
static int poll_rows(const struct job *j, struct experiment *e,
		     sqlite3_stmt *st, sqlite3_int64 *maxrow, bool *changed)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = sqlite_col_text(st, 1);
		const char *life = sqlite_col_text(st, 7);
		struct run *r;

		if (!id)
			continue;
		if (sqlite_col_int(st, 0) > *maxrow)
			*maxrow = sqlite_col_int(st, 0);
		if (!j->req.include_deleted && life &&
		    strcmp(life, "active") != 0) {
			r = experiment_run(e, id);
			if (r && r->status != RUN_UNKNOWN) {
				r->status = RUN_UNKNOWN; /* dropped at reload */
				*changed = true;
			}
			continue;
		}
		r = experiment_run(e, id);
		if (!r) {
			r = experiment_run_upsert(e, id);
			*changed = true;
		}
		*changed |= run_from_row(r, st);
		r->seen = true;
	}
	return rc;
}

/* Incremental: new runs (rowid past the cursor) and every run mltop holds
 * as not finished, with their latest metrics. Finished runs cost nothing.
 * A poll that finds nothing new leaves the model's generation alone; one
 * that finds only new values of metrics says so (model_touch_values). */
/* The latest metrics of the live runs the model holds, by run_uuid in
 * chunks: what one poll reads follows the runs held (a page, in the
 * dashboard), not the store. A store without latest_metrics' run_uuid
 * index (before MLflow made it) joins on the runs table's status
 * instead, which reads the whole table. Returns the last step code. */
static int poll_latest(struct store *s, struct experiment *e,
		       const char **live, size_t nlive, bool *changed,
		       bool *values)
{
	static const char *const sel =
		"SELECT c.run_uuid, c.key, c.value, c.timestamp, c.step,"
		" c.is_nan FROM latest_metrics c";
	bool by_id = impl(s)->cols.lm_index;
	int rc = SQLITE_DONE;

	for (size_t at = 0; rc == SQLITE_DONE && (by_id ? at < nlive : !at);
	     at += POLL_CHUNK) {
		size_t n = nlive - at < POLL_CHUNK ? nlive - at : POLL_CHUNK;
		char *in = by_id ? placeholders(n) : NULL;
		char *sql = by_id
			? xasprintf("%s WHERE c.run_uuid IN (%s)", sel, in)
			: xasprintf("%s JOIN runs r ON r.run_uuid = c.run_uuid"
				    " WHERE r.experiment_id = ?1 AND r.status"
				    " IN ('RUNNING', 'SCHEDULED')", sel);
		sqlite3_stmt *st = sqlite_prep(s, sql);

		free(sql);
		free(in);
		if (!st)
			return SQLITE_ERROR;
		if (!by_id)
			sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
		for (size_t i = 0; by_id && i < n; i++)
			sqlite3_bind_text(st, (int)i + 1, live[at + i], -1,
					  SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct run *r = experiment_run(e,
						       sqlite_col_text(st, 0));

			if (r && sqlite_col_text(st, 1)) {
				int news = latest_from_row(r, st, 1);

				*values |= news == LATEST_VALUE;
				*changed |= news == LATEST_KEY;
			}
		}
		sqlite3_finalize(st);
	}
	return rc;
}

/* New keys before key x (sorted add, n of them). */
static size_t keys_before(const struct scan_key *add, size_t n,
			  const struct scan_key *x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (scan_key_cmp(&add[mid], x) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct fresh_drop {
	sqlite3_int64 after;
	struct window_keep keep;
};

static bool fresh_out_of_window(const struct run *r, void *ud)
{
	const struct fresh_drop *f = ud;

	return r->store_row > f->after &&
	       out_of_window(r, (void *)&f->keep);
}

/* A poll found runs past rowid `after` while the runs view holds a
 * window: their keys join the experiment's order, the window's
 * positions move past those before it, and only new runs that fall in
 * it stay (at the top, a window there takes the newest runs). */
static void window_take_new(struct store *s, struct experiment *e,
			    sqlite3_int64 after)
{
	struct keyset *k = *keyset_at(s, e->id);
	struct scan_key *add = NULL, *keys;
	size_t nadd = 0, cap = 0, n, first, end, i, a, o;
	struct fresh_drop f;

	if (!k)
		return;
	if (k->by_row) {
		/* In another order than START: they wait for a reload. */
		f = (struct fresh_drop){ after, { keys = k->keys, k->n, 0, 0,
						  k->by_row } };
		for (i = 0; i < e->nruns_loaded; i++)
			if (e->runs[i]->store_row > after) {
				e->runs[i]->in_window = true;
				e->runs_unsorted++;
			}
		experiment_retire_if(e, fresh_out_of_window, &f);
		return;
	}
	for (i = 0; i < e->nruns_loaded; i++) {
		struct run *r = e->runs[i];

		if (r->store_row <= after)
			continue;
		r->in_window = true;
		add = xgrow(add, &cap, nadd + 1, sizeof(*add));
		add[nadd].start = r->start_time;
		add[nadd++].rowid = r->store_row;
	}
	if (!nadd)
		return;
	qsort(add, nadd, sizeof(*add), scan_key_cmp);
	n = k->n;
	first = e->runs_first ? e->runs_first +
		keys_before(add, nadd, &k->keys[e->runs_first]) : 0;
	end = e->runs_end + (e->runs_end < n
		? keys_before(add, nadd, &k->keys[e->runs_end]) : nadd);
	keys = xmalloc((n + nadd) * sizeof(*keys));
	for (i = a = o = 0; i < n || a < nadd;)
		keys[o++] = a < nadd && (i == n ||
			scan_key_cmp(&add[a], &k->keys[i]) < 0)
			? add[a++] : k->keys[i++];
	free(k->keys);
	free(add);
	k->keys = keys;
	k->n = n + nadd;
	f = (struct fresh_drop){ after, { keys, k->n, first, end, NULL } };
	experiment_retire_if(e, fresh_out_of_window, &f);
	e->runs_first = first;
	e->runs_end = end;
	e->runs_total = k->n;
	free(e->runs_more);
	e->runs_more = xasprintf("%zu", end);
}

int sqlite_job_poll(struct store *s, struct job *j)
{
	struct experiment *e = model_experiment(s->model, j->exp_id);
	struct search_sql q;
	char *cols, *sql;
	const char **live = NULL;
	size_t nlive = 0, caplive = 0;
	sqlite3_stmt *st;
	sqlite3_int64 maxrow, version;
	bool changed = false, values = false;
	int rc;

	if (!e || !e->runs_loaded)
		return 1;
	/* Nothing was written since the runs were last read: nothing to
	 * read (20,000 live runs would otherwise be read again each time). */
	version = data_version(s);
	if (version && version == e->store_version) {
		j->quiet = true;
		return 1;
	}
	/* New runs only when they match the search; the live ones mltop
	 * holds are followed whatever their metrics do meanwhile. */
	if (!search_cond(s, j, 3, &q))
		return -1;
	cols = run_columns(s);
	sql = xasprintf("SELECT %s FROM runs r WHERE r.experiment_id = ?1"
			" AND r.rowid > ?2 AND (%s)", cols, q.where);
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st) {
		search_sql_free(&q);
		free(cols);
		return -1;
	}
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, e->runs_cursor);
	search_sql_bind(&q, st);
	maxrow = e->runs_cursor;
	rc = poll_rows(j, e, st, &maxrow, &changed);
	sqlite3_finalize(st);
	search_sql_free(&q);
	for (size_t i = 0; i < e->nruns_loaded; i++)
		if (e->runs[i]->status == RUN_RUNNING ||
		    e->runs[i]->status == RUN_SCHEDULED) {
			live = xgrow(live, &caplive, nlive + 1, sizeof(*live));
			live[nlive++] = e->runs[i]->id;
		}
	for (size_t at = 0; rc == SQLITE_DONE && at < nlive;
	     at += POLL_CHUNK) {
		size_t n = nlive - at < POLL_CHUNK ? nlive - at : POLL_CHUNK;
		char *in = placeholders(n);

		sql = xasprintf("SELECT %s FROM runs r WHERE r.experiment_id ="
				" ?1 AND r.run_uuid IN (%s)", cols, in);
		free(in);
		st = sqlite_prep(s, sql);
		free(sql);
		if (!st) {
			free(cols);
			free(live);
			return -1;
		}
		sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
		for (size_t i = 0; i < n; i++)
			sqlite3_bind_text(st, (int)i + 2, live[at + i], -1,
					  SQLITE_STATIC);
		rc = poll_rows(j, e, st, &maxrow, &changed);
		sqlite3_finalize(st);
	}
	free(cols);
	if (rc != SQLITE_DONE) {
		free(live);
		sqlite_fail(s, rc, "polling runs");
		return -1;
	}
	if (maxrow > e->runs_cursor && e->runs_total)
		window_take_new(s, e, e->runs_cursor);
	/* Latest metrics, params and tags of new runs and live ones; the
	 * rowid window covers the new ones, the IN list the live ones. */
	if (maxrow > e->runs_cursor &&
	    load_children(s, e, e->runs_cursor, maxrow, CH_ALL) != 0) {
		free(live);
		return -1;
	}
	rc = poll_latest(s, e, live, nlive, &changed, &values);
	free(live);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "polling metrics");
		return -1;
	}
	if (maxrow > e->runs_cursor)
		changed = true;
	if (changed)
		for (size_t i = 0; i < e->nruns_loaded; i++)
			run_derive(e->runs[i]);
	e->runs_cursor = maxrow;
	e->store_version = version;
	j->quiet = !changed && !values;
	j->values_only = !changed && values;
	return 1;
}

/* One slice of history: points after the last one held, in (step,
 * timestamp, value) order so repeated steps survive slicing. */
int sqlite_job_history(struct store *s, struct job *j)
{
	struct run *r = model_find_run(s->model, j->run_id);
	struct series *ser = r ? run_series_upsert(r, j->key) : NULL;
	struct point buf[256];
	size_t nb = 0;
	sqlite3_stmt *st;
	char *sql;
	int rc, n = 0;

	if (!ser)
		return 1;
	sql = xasprintf("SELECT step, timestamp, value, is_nan FROM metrics"
			" WHERE run_uuid = ?1 AND key = ?2%s%s"
			" ORDER BY step, timestamp, value LIMIT ?6",
			ser->n ? " AND (step, timestamp, value) > (?3, ?4, ?5)"
			       : "",
			impl(s)->cols.exp_workspace ? " AND EXISTS (SELECT 1"
			" FROM runs r WHERE r.run_uuid = ?1" IN_WORKSPACE(7)
			")" : "");
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	sqlite_bind_workspace(s, st, 7);
	sqlite3_bind_text(st, 1, j->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, j->key, -1, SQLITE_STATIC);
	if (ser->n) {
		const struct point *last = &ser->pts[ser->n - 1];

		sqlite3_bind_int64(st, 3, last->step);
		sqlite3_bind_int64(st, 4, last->timestamp);
		/* NaN rows are stored as value 0. */
		sqlite3_bind_double(st, 5, isnan(last->value) ? 0.0
							      : last->value);
	}
	sqlite3_bind_int(st, 6, HISTORY_BATCH);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		buf[nb].step = sqlite_col_int(st, 0);
		buf[nb].timestamp = sqlite_col_int(st, 1);
		buf[nb].value = sqlite_metric_value(st, 2, 3);
		if (++nb == sizeof(buf) / sizeof(buf[0])) {
			series_append(ser, buf, nb);
			nb = 0;
		}
		n++;
	}
	series_append(ser, buf, nb);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ser->fetching = false;
		sqlite_fail(s, rc, "reading metric history");
		return -1;
	}
	if (n == HISTORY_BATCH)
		return 0;
	ser->fetching = false;
	ser->fetched = true;
	if (ser->n && !ser->has_latest) {
		ser->latest = ser->pts[ser->n - 1];
		ser->has_latest = true;
	}
	ser->want_step = ser->latest.step;
	ser->want_ts = ser->latest.timestamp;
	return 1;
}

/* One run, wherever it lives: used by scripting and the detail view. */
int sqlite_job_run(struct store *s, struct job *j)
{
	char *cols = run_columns(s), *sql;
	sqlite3_stmt *st;
	struct experiment *e = NULL;
	sqlite3_int64 rowid = 0;
	int rc;

	sql = xasprintf("SELECT %s FROM runs r WHERE r.run_uuid = ?1%s", cols,
			impl(s)->cols.exp_workspace ? IN_WORKSPACE(2) : "");
	free(cols);
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, j->run_id, -1, SQLITE_STATIC);
	sqlite_bind_workspace(s, st, 2);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *eid = sqlite_col_text(st, 9);
		struct run *r;

		e = model_experiment_upsert(s->model, eid ? eid : "?");
		r = experiment_run_upsert(e, j->run_id);
		run_from_row(r, st);
		kv_list_clear(&r->params);
		kv_list_clear(&r->tags);
		rowid = sqlite_col_int(st, 0);
		rc = SQLITE_DONE;
	} else if (rc == SQLITE_DONE) {
		char *msg = xasprintf("no run with id %s", j->run_id);

		model_set_error(s->model, msg);
		free(msg);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading run");
		return -1;
	}
	if (load_children(s, e, rowid - 1, rowid, CH_ALL) != 0)
		return -1;
	run_derive(experiment_run(e, j->run_id));
	return 1;
}

/* Runs matching one condition (?1 and ?2 bound to a and b), each read as
 * sqlite_job_run reads one: the run row, then its latest metrics, params
 * and tags. At most LOAD_WHERE_MAX. */
#define LOAD_WHERE_MAX 500

static int load_where(struct store *s, const char *cond, const char *a,
		      const char *b, const char *what)
{
	char *cols = run_columns(s), *sql;
	sqlite3_stmt *st;
	struct {
		struct experiment *e;
		sqlite3_int64 rowid;
		char *id;
	} *found = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = 1;

	sql = xasprintf("SELECT %s FROM runs r WHERE %s AND r.lifecycle_stage"
			" = 'active'%s LIMIT %d", cols, cond,
			impl(s)->cols.exp_workspace ? IN_WORKSPACE(3) : "",
			LOAD_WHERE_MAX);
	free(cols);
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite_bind_workspace(s, st, 3);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *eid = sqlite_col_text(st, 9);
		const char *id = sqlite_col_text(st, 1);
		struct run *r;

		if (!id)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			found = xrealloc(found, cap * sizeof(*found));
		}
		found[n].e = model_experiment_upsert(s->model,
						     eid ? eid : "?");
		found[n].rowid = sqlite_col_int(st, 0);
		found[n].id = xstrdup(id);
		r = experiment_run_upsert(found[n].e, id);
		run_from_row(r, st);
		kv_list_clear(&r->params);
		kv_list_clear(&r->tags);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, what);
		ret = -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (ret > 0 && load_children(s, found[i].e, found[i].rowid - 1,
					     found[i].rowid, CH_ALL) != 0)
			ret = -1;
		if (ret > 0)
			run_derive(experiment_run(found[i].e, found[i].id));
		free(found[i].id);
	}
	free(found);
	return ret;
}

int sqlite_job_tagged(struct store *s, struct job *j)
{
	return load_where(s, "r.run_uuid IN (SELECT t.run_uuid FROM tags t"
			  " WHERE t.key = ?1 AND t.value = ?2)", j->key,
			  j->value, "reading tagged runs");
}

/* substr, not LIKE or GLOB: a prefix holds no pattern characters. */
int sqlite_job_prefix(struct store *s, struct job *j)
{
	return load_where(s, "substr(r.run_uuid, 1, length(?1)) = ?1",
			  j->value, NULL, "reading runs by id");
}
