/* store_sqlite.c: the MLflow SQLite store, read-only and incremental.
 * Work is queued as jobs and done in short slices, so a training process
 * writing the same file never waits on mltop for long. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "store/mlflow_revisions.h"
#include "store/store.h"
#include "store/test_hooks.h"

/* Rows read per slice: small enough that a slice holds the read lock for
 * milliseconds, large enough that 10,000 runs load in a few slices. */
#define RUN_BATCH 2500
#define HISTORY_BATCH 20000
/* How long a slice waits on a writer's lock before giving up until the
 * next refresh: a write transaction of MLflow's takes milliseconds. */
#define BUSY_TIMEOUT_MS 150

enum job_kind {
	JOB_EXPERIMENTS,
	JOB_RUNS,
	JOB_POLL,
	JOB_HISTORY,
	JOB_RUN,
	JOB_MODELS,
	JOB_VERSIONS,
	JOB_WRITE,
};

struct job {
	enum job_kind kind;
	struct store_req req;  /* as given when queued */
	char *exp_id;          /* JOB_RUNS, JOB_POLL */
	char *run_id;          /* JOB_HISTORY, JOB_RUN */
	char *key;             /* JOB_HISTORY */
	sqlite3_int64 cursor;  /* JOB_RUNS: last rowid read */
	sqlite3_int64 total;   /* JOB_RUNS: rows expected */
	sqlite3_int64 done_rows;
	/* JOB_RUNS works in two passes: runs, latest metrics and tags (all
	 * the table shows, so the first full frame comes early), then
	 * params, over the same rowid windows, kept here. */
	int pass;
	bool background;       /* counted in model->background */
	sqlite3_int64 *bounds;
	size_t nbounds, capbounds, bi;
	struct registry_write *write;  /* JOB_WRITE: a deep copy, owned */
	store_done_fn done;
	void *ud;
	struct job *next;
};

struct cols {
	bool runs_name, runs_deleted_time, exp_workspace, metrics_index;
	bool lm_index;
	bool registry;       /* registered_models and friends exist */
	bool reg_workspace;  /* ...with the 2026 workspace column */
};

struct sqlite_store {
	sqlite3 *db;
	struct cols cols;
	char *workspace;
	struct job *head, *tail;
};

static struct sqlite_store *impl(struct store *s)
{
	return s->impl;
}

/* --- errors ------------------------------------------------------------ */

static char *db_error(struct store *s, int rc, const char *what)
{
	sqlite3 *db = impl(s)->db;
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return xasprintf("%s: database is busy (a writer holds the "
				 "lock); retrying at the next refresh", what);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return xasprintf("%s: database file is corrupt or not SQLite "
				 "(%s)", what, msg);
	default:
		return xasprintf("%s: %s", what, msg);
	}
}

static void fail(struct store *s, int rc, const char *what)
{
	char *e = db_error(s, rc, what);

	model_set_error(s->model, e);
	free(e);
}

/* --- small helpers ----------------------------------------------------- */

/* Text of a column as a C string. MLflow stores strings with NUL bytes
 * in them; those come back with each NUL as the two bytes 0xC0 0x80
 * (never valid UTF-8, so nothing else produces it), which the JSON
 * writer turns back into \u0000 and the sanitiser shows as ^@. The
 * result lives until eight more such strings were converted: callers
 * copy it at once. */
static const char *col_text(sqlite3_stmt *st, int i)
{
	static char *ring[8];
	static size_t caps[8];
	static unsigned next;
	const char *t = (const char *)sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i), k = 0;
	char *out;
	unsigned slot;

	if (!t || memchr(t, '\0', n) == NULL)
		return t;
	slot = next++ % 8;
	ring[slot] = xgrow(ring[slot], &caps[slot], n * 2 + 1, 1);
	out = ring[slot];
	for (size_t j = 0; j < n; j++) {
		if (t[j] == '\0') {
			out[k++] = (char)0xc0;
			out[k++] = (char)0x80;
		} else {
			out[k++] = t[j];
		}
	}
	out[k] = '\0';
	return out;
}

static sqlite3_int64 col_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

/* Prepare, or record the error and return NULL. */
static sqlite3_stmt *prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(impl(s)->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK) {
		fail(s, rc, "query");
		return NULL;
	}
	return st;
}

static bool has_column(sqlite3 *db, const char *table, const char *col)
{
	char *sql = xasprintf("PRAGMA table_info(\"%s\")", table);
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *n = (const char *)sqlite3_column_text(st, 1);

			if (n && strcmp(n, col) == 0)
				found = true;
		}
	}
	sqlite3_finalize(st);
	free(sql);
	return found;
}

/* Is there an index on table whose leading columns are exactly cols? */
static bool has_index_on(sqlite3 *db, const char *table, const char *cols)
{
	const char *sql = "SELECT il.name FROM pragma_index_list(?1) il";
	sqlite3_stmt *st = NULL, *ci = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		char buf[256] = "";
		size_t len = 0;

		if (sqlite3_prepare_v2(db,
				       "SELECT name FROM pragma_index_info(?1)"
				       " ORDER BY seqno",
				       -1, &ci, NULL) != SQLITE_OK)
			break;
		sqlite3_bind_text(ci, 1, col_text(st, 0), -1,
				  SQLITE_TRANSIENT);
		while (sqlite3_step(ci) == SQLITE_ROW) {
			const char *n = col_text(ci, 0);
			int w = snprintf(buf + len, sizeof(buf) - len, "%s%s",
					 len ? "," : "", n ? n : "?");

			if (w < 0 || (size_t)w >= sizeof(buf) - len)
				break;
			len += (size_t)w;
		}
		sqlite3_finalize(ci);
		ci = NULL;
		if (strncmp(buf, cols, strlen(cols)) == 0)
			found = true;
	}
	sqlite3_finalize(st);
	return found;
}

/* MLflow stores NaN as is_nan=1, value=0. */
static double metric_value(sqlite3_stmt *st, int vcol, int nancol)
{
	if (sqlite3_column_int(st, nancol))
		return NAN;
	if (sqlite3_column_type(st, vcol) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, vcol);
}

/* --- open ---------------------------------------------------------------- */

static int check_file(const char *path, char **err)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			*err = xasprintf("%s: no such file (no MLflow store "
					 "there)", path);
		else
			*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		*err = xasprintf("%s: is a directory (MLflow's file store is "
				 "not supported; use sqlite:///mlflow.db)",
				 path);
		return -1;
	}
	if (access(path, R_OK) != 0) {
		*err = xasprintf("%s: permission denied", path);
		return -1;
	}
	return 0;
}

static bool revision_known(const char *rev)
{
	for (size_t i = 0; i < sizeof(mlflow_revisions) /
				    sizeof(mlflow_revisions[0]); i++)
		if (strcmp(mlflow_revisions[i], rev) == 0)
			return true;
	return false;
}

static int sqlite_open(struct store *s, char **err)
{
	struct sqlite_store *ss = xcalloc(1, sizeof(*ss));
	const char *path = s->uri.path;
	sqlite3_stmt *st = NULL;
	char *rev = NULL;
	int rc;
	const char *ws;

	s->impl = ss;
	if (check_file(path, err) != 0)
		return -1;
	rc = sqlite3_open_v2(path, &ss->db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		*err = xasprintf("%s: cannot open: %s", path,
				 ss->db ? sqlite3_errmsg(ss->db)
					: sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_busy_timeout(ss->db, BUSY_TIMEOUT_MS);
	/* Reading alembic_version is the first touch of the file: it tells
	 * a corrupt file, a foreign database and an MLflow store apart. */
	rc = sqlite3_prepare_v2(ss->db, "SELECT version_num FROM "
				"alembic_version", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			rev = xstrdup(col_text(st, 0) ? col_text(st, 0) : "");
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		const char *msg = sqlite3_errmsg(ss->db);

		if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
			*err = xasprintf("%s: not an SQLite database, or it is "
					 "corrupt (%s)", path, msg);
		else if (strstr(msg, "no such table"))
			*err = xasprintf("%s: not an MLflow store (no "
					 "alembic_version table)", path);
		else if ((rc & 0xff) == SQLITE_BUSY)
			*err = xasprintf("%s: database is locked by another "
					 "process; try again", path);
		else
			*err = xasprintf("%s: %s", path, msg);
		free(rev);
		return -1;
	}
	if (!has_column(ss->db, "runs", "run_uuid") ||
	    !has_column(ss->db, "experiments", "experiment_id") ||
	    !has_column(ss->db, "latest_metrics", "key")) {
		*err = xasprintf("%s: not an MLflow tracking store (tables "
				 "runs, experiments or latest_metrics missing)",
				 path);
		free(rev);
		return -1;
	}
	ss->cols.runs_name = has_column(ss->db, "runs", "name");
	ss->cols.runs_deleted_time = has_column(ss->db, "runs",
						"deleted_time");
	ss->cols.exp_workspace = has_column(ss->db, "experiments",
					    "workspace");
	ss->cols.metrics_index = has_index_on(ss->db, "metrics",
					      "run_uuid,key");
	ss->cols.lm_index = has_index_on(ss->db, "latest_metrics", "run_uuid");
	ss->cols.registry = has_column(ss->db, "registered_models", "name") &&
			    has_column(ss->db, "model_versions", "version") &&
			    has_column(ss->db, "registered_model_aliases",
				       "alias");
	ss->cols.reg_workspace = has_column(ss->db, "registered_models",
					    "workspace");
	ws = getenv("MLFLOW_WORKSPACE");
	ss->workspace = xstrdup(ws && *ws ? ws : "default");
	if (!rev || !revision_known(rev)) {
		char *n = xasprintf("unknown schema version %s (newer than "
				    "MLflow %s?): showing the columns mltop "
				    "knows",
				    rev && *rev ? rev : "(none)",
				    MLFLOW_PINNED_VERSION);

		model_set_notice(s->model, n);
		free(n);
	}
	free(rev);
	return 0;
}

static void job_free(struct job *j)
{
	if (j->write)
		registry_write_free(j->write);
	free(j->bounds);
	free(j->exp_id);
	free(j->run_id);
	free(j->key);
	free(j);
}

static void sqlite_close(struct store *s)
{
	struct sqlite_store *ss = impl(s);

	if (!ss)
		return;
	while (ss->head) {
		struct job *j = ss->head;

		ss->head = j->next;
		job_free(j);
	}
	sqlite3_close(ss->db);
	free(ss->workspace);
	free(ss);
	s->impl = NULL;
}

/* --- the job queue ---------------------------------------------------------- */

static struct job *job_push(struct store *s, const struct store_req *req,
			    enum job_kind kind, store_done_fn done, void *ud)
{
	struct sqlite_store *ss = impl(s);
	struct job *j = xcalloc(1, sizeof(*j));

	j->kind = kind;
	j->req = store_req_copy(req);
	j->done = done;
	j->ud = ud;
	if (ss->tail)
		ss->tail->next = j;
	else
		ss->head = j;
	ss->tail = j;
	s->model->pending++;
	return j;
}

static void job_finish(struct store *s, struct job *j, bool ok)
{
	struct sqlite_store *ss = impl(s);
	struct job **pp = &ss->head, *prev = NULL;

	while (*pp != j) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	*pp = j->next;
	if (ss->tail == j)
		ss->tail = prev;
	if (j->background)
		s->model->background--;
	else
		s->model->pending--;
	if (ok) {
		model_set_error(s->model, NULL);
		s->model->last_refresh_ms = clock_now_ms();
	}
	if (j->done)
		j->done(s, ok, j->ud);
	job_free(j);
	model_touch(s->model);
}

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

static int do_experiments(struct store *s, struct job *j)
{
	struct model *m = s->model;
	char where[160], *sql;
	bool ws = exp_where(s, j->req.include_deleted, where, sizeof(where));
	sqlite3_stmt *st;
	int rc;

	sql = xasprintf("SELECT e.experiment_id, e.name, e.artifact_location,"
			" e.lifecycle_stage, e.creation_time,"
			" e.last_update_time FROM experiments e WHERE %s"
			" ORDER BY e.experiment_id", where);
	st = prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	if (ws)
		sqlite3_bind_text(st, 1, impl(s)->workspace, -1,
				  SQLITE_STATIC);
	for (size_t i = 0; i < m->nexps; i++)
		m->exps[i]->seen = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = col_text(st, 0);
		struct experiment *e;

		if (!id)
			continue;
		e = model_experiment_upsert(m, id);
		e->seen = true;
		set_str(&e->name, col_text(st, 1));
		set_str(&e->artifact_location, col_text(st, 2));
		set_str(&e->lifecycle_stage, col_text(st, 3));
		e->creation_time = col_int(st, 4);
		e->last_update_time = col_int(st, 5);
		e->nruns = e->nrunning = 0;
		e->last_activity = e->last_update_time;
		kv_list_clear(&e->tags);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "reading experiments");
		return -1;
	}
	/* Drop experiments that went away (or were deleted and are hidden). */
	{
		size_t k = 0;

		for (size_t i = 0; i < m->nexps; i++) {
			if (m->exps[i]->seen) {
				m->exps[k++] = m->exps[i];
			} else {
				experiment_clear_runs(m->exps[i]);
				free(m->exps[i]->runs);
				free(m->exps[i]->run_index);
				free(m->exps[i]->id);
				free(m->exps[i]->name);
				free(m->exps[i]->artifact_location);
				free(m->exps[i]->lifecycle_stage);
				kv_list_clear(&m->exps[i]->tags);
				free(m->exps[i]);
			}
		}
		m->nexps = k;
	}
	/* One pass over runs for every experiment's counts. */
	st = prep(s, "SELECT experiment_id, count(*),"
		     " sum(status = 'RUNNING'),"
		     " max(coalesce(start_time, 0)), max(coalesce(end_time, 0))"
		     " FROM runs WHERE lifecycle_stage = 'active'"
		     " GROUP BY experiment_id");
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = col_text(st, 0);
		struct experiment *e = id ? model_experiment(m, id) : NULL;
		sqlite3_int64 a = col_int(st, 3), b = col_int(st, 4);

		if (!e)
			continue;
		e->nruns = (int)col_int(st, 1);
		e->nrunning = (int)col_int(st, 2);
		if (a > e->last_activity)
			e->last_activity = a;
		if (b > e->last_activity)
			e->last_activity = b;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "counting runs");
		return -1;
	}
	st = prep(s, "SELECT experiment_id, key, value FROM experiment_tags"
		     " ORDER BY experiment_id, key");
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = col_text(st, 0);
		struct experiment *e = id ? model_experiment(m, id) : NULL;

		if (e && col_text(st, 1))
			kv_list_set(&e->tags, col_text(st, 1), col_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "reading experiment tags");
		return -1;
	}
	m->exps_loaded = true;
	m->exps_include_deleted = j->req.include_deleted;
	return 1;
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

static void run_from_row(struct run *r, sqlite3_stmt *st)
{
	const char *status = col_text(st, 4);

	if (col_text(st, 2))
		set_str(&r->name, col_text(st, 2));
	set_str(&r->user_id, col_text(st, 3));
	if (set_str(&r->status_str, status))
		r->status = run_status_parse(status);
	r->start_time = col_int(st, 5);
	r->end_time = sqlite3_column_type(st, 6) == SQLITE_NULL ? 0
								: col_int(st, 6);
	set_str(&r->lifecycle_stage, col_text(st, 7));
	set_str(&r->artifact_uri, col_text(st, 8));
	set_str(&r->experiment_id, col_text(st, 9));
}

static void latest_from_row(struct run *r, sqlite3_stmt *st, int c)
{
	struct series *ser = run_series_upsert(r, col_text(st, c));
	struct point p = {
		.step = col_int(st, c + 3),
		.timestamp = col_int(st, c + 2),
		.value = metric_value(st, c + 1, c + 4),
	};

	ser->latest = p;
	ser->has_latest = true;
	if (p.timestamp > r->last_point_ms)
		r->last_point_ms = p.timestamp;
}

/* Apply one child query (latest_metrics, params or tags) to the runs of e
 * whose rowids lie in (lo, hi]. */
enum { CH_LATEST = 1, CH_PARAMS = 2, CH_TAGS = 4, CH_ALL = 7 };

static int load_children(struct store *s, struct experiment *e,
			 sqlite3_int64 lo, sqlite3_int64 hi, int mask)
{
	static const char *const sqls[] = {
		"SELECT c.run_uuid, c.key, c.value, c.timestamp, c.step,"
		" c.is_nan FROM latest_metrics c WHERE c.run_uuid IN"
		" (SELECT run_uuid FROM runs WHERE rowid > ?1 AND rowid <= ?2"
		" AND experiment_id = ?3)",
		"SELECT c.run_uuid, c.key, c.value FROM params c WHERE"
		" c.run_uuid IN (SELECT run_uuid FROM runs WHERE rowid > ?1"
		" AND rowid <= ?2 AND experiment_id = ?3)",
		"SELECT c.run_uuid, c.key, c.value FROM tags c WHERE"
		" c.run_uuid IN (SELECT run_uuid FROM runs WHERE rowid > ?1"
		" AND rowid <= ?2 AND experiment_id = ?3)",
	};
	static const char *const what[] = {"reading metrics",
					   "reading params", "reading tags"};

	for (int q = 0; q < 3; q++) {
		sqlite3_stmt *st;
		struct run *r = NULL;
		int rc;

		if (!(mask & (1 << q)))
			continue;
		st = prep(s, sqls[q]);

		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, lo);
		sqlite3_bind_int64(st, 2, hi);
		sqlite3_bind_text(st, 3, e->id, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *id = col_text(st, 0);
			const char *key = col_text(st, 1);

			if (!id || !key)
				continue;
			if (!r || strcmp(r->id, id) != 0)
				r = experiment_run(e, id);
			if (!r)
				continue;
			if (q == 0)
				latest_from_row(r, st, 1);
			else if (q == 1)
				kv_list_set(&r->params, key, col_text(st, 2));
			else
				kv_list_set(&r->tags, key, col_text(st, 2));
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			fail(s, rc, what[q]);
			return -1;
		}
	}
	return 0;
}

static void run_derive(struct run *r)
{
	const char *v;

	if (!r->name && (v = kv_list_get(&r->tags, "mlflow.runName")))
		set_str(&r->name, v);
	set_str(&r->parent_id, kv_list_get(&r->tags, "mlflow.parentRunId"));
}

static int count_runs(struct store *s, struct job *j, struct experiment *e,
		      sqlite3_int64 *n)
{
	sqlite3_stmt *st = prep(s, j->req.include_deleted ?
		"SELECT count(*) FROM runs WHERE experiment_id = ?1" :
		"SELECT count(*) FROM runs WHERE experiment_id = ?1"
		" AND lifecycle_stage = 'active'");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? col_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		fail(s, rc, "counting runs");
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

/* One slice of a full load: up to RUN_BATCH runs by rowid, then their
 * latest metrics and tags; params come in a second pass. Returns 1 when
 * done, 0 for more. */
static int do_runs(struct store *s, struct job *j)
{
	struct experiment *e = model_experiment(s->model, j->exp_id);
	char *cols, *sql, buf[64];
	sqlite3_stmt *st;
	sqlite3_int64 hi = j->cursor;
	int rc, n = 0;

	if (!e) {
		model_set_error(s->model, "experiment is gone");
		return -1;
	}
	if (j->pass == 1)
		return do_runs_params(s, j, e);
	if (j->cursor == 0 && j->done_rows == 0) {
		if (count_runs(s, j, e, &j->total) != 0)
			return -1;
		for (size_t i = 0; i < e->nruns_loaded; i++)
			e->runs[i]->seen = false;
		e->params_loaded = false;
	}
	cols = run_columns(s);
	sql = xasprintf("SELECT %s FROM runs r WHERE r.experiment_id = ?1"
			" AND r.rowid > ?2 %s ORDER BY r.rowid LIMIT %d",
			cols,
			j->req.include_deleted ? ""
					   : "AND r.lifecycle_stage = 'active'",
			RUN_BATCH);
	free(cols);
	st = prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, j->cursor);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct run *r = experiment_run_upsert(e, col_text(st, 1));

		run_from_row(r, st);
		/* A reload replaces params and tags wholesale. */
		kv_list_clear(&r->params);
		kv_list_clear(&r->tags);
		r->seen = true;
		hi = col_int(st, 0);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "reading runs");
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

/* Incremental: new runs (rowid past the cursor) and every run mltop holds
 * as not finished, with their latest metrics. Finished runs cost nothing. */
static int do_poll(struct store *s, struct job *j)
{
	struct experiment *e = model_experiment(s->model, j->exp_id);
	char *cols, *sql, *ids;
	size_t nlive = 0, len = 0;
	sqlite3_stmt *st;
	sqlite3_int64 maxrow;
	int rc;

	if (!e || !e->runs_loaded)
		return 1;
	for (size_t i = 0; i < e->nruns_loaded; i++)
		if (e->runs[i]->status == RUN_RUNNING ||
		    e->runs[i]->status == RUN_SCHEDULED)
			nlive++;
	/* "?3,?4,..." for the live runs' ids. */
	ids = xmalloc(nlive * 12 + 8);
	ids[0] = '\0';
	for (size_t i = 0, k = 0; i < e->nruns_loaded; i++)
		if (e->runs[i]->status == RUN_RUNNING ||
		    e->runs[i]->status == RUN_SCHEDULED) {
			len += (size_t)sprintf(ids + len, "%s?%zu",
					       k ? "," : "", k + 3);
			k++;
		}
	cols = run_columns(s);
	sql = xasprintf("SELECT %s FROM runs r WHERE r.experiment_id = ?1"
			" AND (r.rowid > ?2%s%s%s)", cols,
			nlive ? " OR r.run_uuid IN (" : "", ids,
			nlive ? ")" : "");
	free(cols);
	st = prep(s, sql);
	free(sql);
	if (!st) {
		free(ids);
		return -1;
	}
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, e->runs_cursor);
	for (size_t i = 0, k = 0; i < e->nruns_loaded; i++)
		if (e->runs[i]->status == RUN_RUNNING ||
		    e->runs[i]->status == RUN_SCHEDULED)
			sqlite3_bind_text(st, (int)(k++) + 3, e->runs[i]->id,
					  -1, SQLITE_STATIC);
	maxrow = e->runs_cursor;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *life = col_text(st, 7);
		struct run *r;

		if (col_int(st, 0) > maxrow)
			maxrow = col_int(st, 0);
		if (!j->req.include_deleted && life && strcmp(life, "active") != 0) {
			r = experiment_run(e, col_text(st, 1));
			if (r)
				r->status = RUN_UNKNOWN; /* dropped at reload */
			continue;
		}
		r = experiment_run_upsert(e, col_text(st, 1));
		run_from_row(r, st);
		r->seen = true;
	}
	sqlite3_finalize(st);
	free(ids);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "polling runs");
		return -1;
	}
	/* Latest metrics, params and tags of new runs and live ones; the
	 * rowid window covers the new ones, the IN list the live ones. */
	if (maxrow > e->runs_cursor &&
	    load_children(s, e, e->runs_cursor, maxrow, CH_ALL) != 0)
		return -1;
	st = prep(s, "SELECT c.run_uuid, c.key, c.value, c.timestamp, c.step,"
		     " c.is_nan FROM latest_metrics c JOIN runs r"
		     " ON r.run_uuid = c.run_uuid WHERE r.experiment_id = ?1"
		     " AND r.status IN ('RUNNING', 'SCHEDULED')");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct run *r = experiment_run(e, col_text(st, 0));

		if (r && col_text(st, 1))
			latest_from_row(r, st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "polling metrics");
		return -1;
	}
	for (size_t i = 0; i < e->nruns_loaded; i++)
		run_derive(e->runs[i]);
	e->runs_cursor = maxrow;
	return 1;
}

/* One slice of history: points after the last one held, in (step,
 * timestamp, value) order so repeated steps survive slicing. */
static int do_history(struct store *s, struct job *j)
{
	struct run *r = model_find_run(s->model, j->run_id);
	struct series *ser = r ? run_series_upsert(r, j->key) : NULL;
	struct point buf[256];
	size_t nb = 0;
	sqlite3_stmt *st;
	int rc, n = 0;

	if (!ser)
		return 1;
	st = prep(s, ser->n ?
		"SELECT step, timestamp, value, is_nan FROM metrics"
		" WHERE run_uuid = ?1 AND key = ?2"
		" AND (step, timestamp, value) > (?3, ?4, ?5)"
		" ORDER BY step, timestamp, value LIMIT ?6" :
		"SELECT step, timestamp, value, is_nan FROM metrics"
		" WHERE run_uuid = ?1 AND key = ?2"
		" ORDER BY step, timestamp, value LIMIT ?6");
	if (!st)
		return -1;
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
		buf[nb].step = col_int(st, 0);
		buf[nb].timestamp = col_int(st, 1);
		buf[nb].value = metric_value(st, 2, 3);
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
		fail(s, rc, "reading metric history");
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
static int do_run(struct store *s, struct job *j)
{
	char *cols = run_columns(s), *sql;
	sqlite3_stmt *st;
	struct experiment *e = NULL;
	sqlite3_int64 rowid = 0;
	int rc;

	sql = xasprintf("SELECT %s FROM runs r WHERE r.run_uuid = ?1", cols);
	free(cols);
	st = prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, j->run_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *eid = col_text(st, 9);
		struct run *r;

		e = model_experiment_upsert(s->model, eid ? eid : "?");
		r = experiment_run_upsert(e, j->run_id);
		run_from_row(r, st);
		kv_list_clear(&r->params);
		kv_list_clear(&r->tags);
		rowid = col_int(st, 0);
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
		fail(s, rc, "reading run");
		return -1;
	}
	if (load_children(s, e, rowid - 1, rowid, CH_ALL) != 0)
		return -1;
	run_derive(experiment_run(e, j->run_id));
	return 1;
}

/* --- the model registry ------------------------------------------------- */

/* " AND workspace = ?N" where the schema has workspaces. */
static const char *ws_clause(struct store *s, const char *col_prefix,
			     char *buf, size_t n, int param)
{
	if (!impl(s)->cols.reg_workspace)
		return "";
	snprintf(buf, n, " AND %sworkspace = ?%d", col_prefix, param);
	return buf;
}

static void bind_ws(struct store *s, sqlite3_stmt *st, int param)
{
	if (impl(s)->cols.reg_workspace)
		sqlite3_bind_text(st, param, impl(s)->workspace, -1,
				  SQLITE_STATIC);
}

/* Aliases and tags of one model (name) or of all (name NULL). */
static int read_aliases_tags(struct store *s, const char *name)
{
	struct model *m = s->model;
	char w[64], *sql;
	sqlite3_stmt *st;
	int rc;

	for (int q = 0; q < 2; q++) {
		sql = xasprintf(q == 0 ?
			"SELECT name, alias, version FROM "
			"registered_model_aliases WHERE (?1 IS NULL OR name = ?1)%s"
			" ORDER BY name, alias" :
			"SELECT name, key, value FROM registered_model_tags"
			" WHERE (?1 IS NULL OR name = ?1)%s ORDER BY name, key",
			ws_clause(s, "", w, sizeof(w), 2));
		st = prep(s, sql);
		free(sql);
		if (!st)
			return -1;
		if (name)
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		bind_ws(s, st, 2);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct registered_model *rm =
				col_text(st, 0) ? model_registered(m,
						col_text(st, 0)) : NULL;

			if (!rm || !col_text(st, 1))
				continue;
			kv_list_set(q == 0 ? &rm->aliases : &rm->tags,
				    col_text(st, 1), col_text(st, 2));
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			fail(s, rc, "reading the model registry");
			return -1;
		}
	}
	return 0;
}

static int do_models(struct store *s, struct job *j)
{
	struct model *m = s->model;
	char w[64], *sql;
	sqlite3_stmt *st;
	int rc;

	if (!impl(s)->cols.registry) {
		m->models_loaded = true;
		return 1;
	}
	sql = xasprintf("SELECT name, creation_time, last_updated_time,"
			" description FROM registered_models WHERE 1%s"
			" ORDER BY name", ws_clause(s, "", w, sizeof(w), 1));
	st = prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	bind_ws(s, st, 1);
	for (size_t i = 0; i < m->nmodels; i++)
		m->models[i]->seen = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct registered_model *rm;

		if (!col_text(st, 0))
			continue;
		rm = model_registered_upsert(m, col_text(st, 0));
		rm->seen = true;
		rm->creation_time = col_int(st, 1);
		rm->last_updated_time = col_int(st, 2);
		set_str(&rm->description, col_text(st, 3));
		kv_list_clear(&rm->aliases);
		kv_list_clear(&rm->tags);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "reading registered models");
		return -1;
	}
	model_remove_unseen_registered(m);
	if (read_aliases_tags(s, NULL) != 0)
		return -1;
	sql = xasprintf("SELECT name, max(version) FROM model_versions"
			" WHERE current_stage != 'Deleted_Internal'%s"
			" GROUP BY name", ws_clause(s, "", w, sizeof(w), 1));
	st = prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	bind_ws(s, st, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct registered_model *rm =
			col_text(st, 0) ? model_registered(m, col_text(st, 0))
					: NULL;

		if (rm)
			rm->latest_version = (int)col_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "reading model versions");
		return -1;
	}
	for (size_t i = 0; i < m->nmodels; i++) {
		const char *p = kv_list_get(&m->models[i]->tags,
					    "mlflow.prompt.is_prompt");

		m->models[i]->is_prompt = p && strcasecmp(p, "true") == 0;
	}
	m->models_loaded = true;
	return 1;
}

static int do_versions(struct store *s, struct job *j)
{
	struct model *m = s->model;
	struct registered_model *rm;
	char w[64], *sql;
	sqlite3_stmt *st;
	int rc;

	if (!impl(s)->cols.registry)
		return 1;
	rm = model_registered_upsert(m, j->key);
	sql = xasprintf("SELECT version, creation_time, last_updated_time,"
			" description, user_id, current_stage, source, run_id,"
			" status FROM model_versions WHERE name = ?1"
			" AND current_stage != 'Deleted_Internal'%s",
			ws_clause(s, "", w, sizeof(w), 2));
	st = prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, j->key, -1, SQLITE_STATIC);
	bind_ws(s, st, 2);
	for (size_t i = 0; i < rm->nversions; i++)
		rm->versions[i].seen = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct model_version *v =
			registered_version_upsert(rm, (int)col_int(st, 0));

		v->seen = true;
		v->creation_time = col_int(st, 1);
		v->last_updated_time = col_int(st, 2);
		set_str(&v->description, col_text(st, 3));
		set_str(&v->user_id, col_text(st, 4));
		set_str(&v->stage, col_text(st, 5));
		set_str(&v->source, col_text(st, 6));
		set_str(&v->run_id, col_text(st, 7) && *col_text(st, 7)
					    ? col_text(st, 7) : NULL);
		set_str(&v->status, col_text(st, 8));
		kv_list_clear(&v->tags);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "reading model versions");
		return -1;
	}
	registered_remove_unseen_versions(rm);
	sql = xasprintf("SELECT version, key, value FROM model_version_tags"
			" WHERE name = ?1%s", ws_clause(s, "", w, sizeof(w), 2));
	st = prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, j->key, -1, SQLITE_STATIC);
	bind_ws(s, st, 2);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct model_version *v = registered_version(rm,
							     (int)col_int(st, 0));

		if (v && col_text(st, 1))
			kv_list_set(&v->tags, col_text(st, 1), col_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fail(s, rc, "reading model version tags");
		return -1;
	}
	rm->latest_version = rm->nversions ? rm->versions[0].version : 0;
	kv_list_clear(&rm->aliases);
	kv_list_clear(&rm->tags);
	if (read_aliases_tags(s, j->key) != 0)
		return -1;
	rm->versions_loaded = true;
	return 1;
}

/* --- registry writes ---------------------------------------------------- */

/* One write transaction: its own connection, the workspace its rows
 * carry (NULL: a schema without workspaces, as MLflow 2.x writes) and the
 * first error, which names what the failed statement was for. */
struct wtx {
	sqlite3 *db;
	const char *ws;
	char *err;
};

/* A statement in its two spellings: with the workspace condition (bound
 * as ?9) where the schema has the column, without it where not. */
#define WS_WHERE(tx, head, tail) \
	((tx)->ws ? head " AND workspace = ?9" tail : head tail)
#define WS_INSERT(tx, head, cols, vals) \
	((tx)->ws ? head " (" cols ", workspace) VALUES (" vals ", ?9)" \
		  : head " (" cols ") VALUES (" vals ")")

static void tx_fail(struct wtx *tx, const char *purpose)
{
	if (!tx->err)
		tx->err = xasprintf("%s: %s", purpose, sqlite3_errmsg(tx->db));
}

/* Prepare and bind ("t" text, "i" int, in order; the workspace goes to
 * ?9). NULL, with tx->err naming the purpose, when it cannot be. */
static sqlite3_stmt *tx_query(struct wtx *tx, const char *purpose,
			      const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;

	if (tx->err)
		return NULL;
	if (sqlite3_prepare_v2(tx->db, sql, -1, &st, NULL) != SQLITE_OK) {
		tx_fail(tx, purpose);
		sqlite3_finalize(st);
		return NULL;
	}
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 't')
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
					  SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(st, i + 1, va_arg(ap, sqlite3_int64));
	}
	va_end(ap);
	if (tx->ws && sqlite3_bind_parameter_count(st) >= 9)
		sqlite3_bind_text(st, 9, tx->ws, -1, SQLITE_TRANSIENT);
	return st;
}

/* The next row: false when done, or on an error (tx->err set). */
static bool tx_row(struct wtx *tx, const char *purpose, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return true;
	if (rc != SQLITE_DONE)
		tx_fail(tx, purpose);
	return false;
}

/* Run a statement to its end, finalised: 0, or -1 with tx->err. */
static int tx_run(struct wtx *tx, const char *purpose, sqlite3_stmt *st)
{
	if (!st)
		return -1;
	while (tx_row(tx, purpose, st))
		;
	sqlite3_finalize(st);
	return tx->err ? -1 : 0;
}

static char *check_alias(struct wtx *tx, const struct registry_write *w)
{
	const char *what = "checking the alias";
	sqlite3_stmt *st;
	int now = 0;

	st = tx_query(tx, what, WS_WHERE(tx, "SELECT version FROM "
			"registered_model_aliases WHERE name = ?1 AND alias = ?2",
			""), "tt", w->model, w->alias);
	if (!st)
		return NULL;
	if (tx_row(tx, what, st))
		now = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (tx->err || now == w->expect_alias_version)
		return NULL;
	if (now)
		return xasprintf("conflict: alias %s now points to v%d (the "
				 "screen showed %s%d); nothing changed",
				 w->alias, now,
				 w->expect_alias_version ? "v" : "",
				 w->expect_alias_version);
	return xasprintf("conflict: alias %s is no longer set (the screen "
			 "showed v%d); nothing changed", w->alias,
			 w->expect_alias_version);
}

static char *check_move(struct wtx *tx, const struct registry_write *w,
			const struct stage_move *mv)
{
	const char *what = "checking the version's stage";
	sqlite3_stmt *st;
	char *msg = NULL;
	const char *stage = NULL;

	st = tx_query(tx, what, WS_WHERE(tx, "SELECT current_stage FROM "
			"model_versions WHERE name = ?1 AND version = ?2",
			" AND current_stage != 'Deleted_Internal'"), "ti",
		      w->model, (sqlite3_int64)mv->version);
	if (!st)
		return NULL;
	if (tx_row(tx, what, st))
		stage = (const char *)sqlite3_column_text(st, 0);
	if (!stage && !tx->err)
		msg = xasprintf("conflict: version %d of %s is gone",
				mv->version, w->model);
	else if (mv->expect_stage && strcmp(stage, mv->expect_stage) != 0)
		msg = xasprintf("conflict: v%d is now in %s (the screen showed "
				"%s); nothing changed", mv->version, stage,
				mv->expect_stage);
	sqlite3_finalize(st);
	return msg;
}

/* Who else is in the target stage must be who was drawn there. */
static char *check_in_stage(struct wtx *tx, const struct registry_write *w)
{
	const char *what = "checking the versions in the stage";
	sqlite3_stmt *st;
	int got[64];
	size_t n = 0;
	bool same;

	st = tx_query(tx, what, WS_WHERE(tx, "SELECT version FROM "
			"model_versions WHERE name = ?1 AND current_stage = ?2"
			" AND version != ?3", " ORDER BY version"), "tti",
		      w->model, w->moves[0].stage,
		      (sqlite3_int64)w->moves[0].version);
	if (!st)
		return NULL;
	while (n < 64 && tx_row(tx, what, st))
		got[n++] = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (tx->err)
		return NULL;
	same = n == w->nexpect_in_stage;
	for (size_t i = 0; same && i < n; i++)
		same = got[i] == w->expect_in_stage[i];
	if (same)
		return NULL;
	return xasprintf("conflict: the versions in %s changed since the "
			 "screen was drawn; nothing changed", w->moves[0].stage);
}

/* The optimistic check inside the write transaction. Returns NULL when
 * the registry is as the screen showed (or on an error: tx->err), else
 * what it is now. */
static char *write_check(struct wtx *tx, const struct registry_write *w)
{
	char *msg = NULL;

	if (w->kind == RW_ALIAS)
		return check_alias(tx, w);
	for (size_t i = 0; i < w->nmoves && !msg && !tx->err; i++)
		msg = check_move(tx, w, &w->moves[i]);
	if (!msg && !tx->err && w->archive_existing && w->nmoves == 1)
		msg = check_in_stage(tx, w);
	return msg;
}

/* The event's key is chosen here, inside the transaction, from the tags
 * as they are now: two promotions racing each other both keep their
 * event. */
static int write_event_keys(struct wtx *tx, struct registry_write *w)
{
	const char *what = "reading the history tags";
	struct kv_list tags = {0};
	sqlite3_stmt *st;
	char *key = NULL, *drop = NULL;

	st = tx_query(tx, what, WS_WHERE(tx, "SELECT key FROM "
			"registered_model_tags WHERE name = ?1",
			" AND key LIKE '" STORE_EVENT_PREFIX "%'"), "t", w->model);
	if (!st)
		return -1;
	while (tx_row(tx, what, st))
		kv_list_set(&tags, (const char *)sqlite3_column_text(st, 0), "");
	sqlite3_finalize(st);
	if (!tx->err)
		store_event_keys(&tags, &key, &drop);
	kv_list_clear(&tags);
	if (tx->err)
		return -1;
	free((char *)w->event_key);
	free((char *)w->drop_key);
	w->event_key = key;
	w->drop_key = drop;
	return 0;
}

static int write_alias(struct wtx *tx, const struct registry_write *w)
{
	if (w->version > 0)
		return tx_run(tx, "setting the alias", tx_query(tx,
			"setting the alias", WS_INSERT(tx, "INSERT OR REPLACE "
			"INTO registered_model_aliases", "alias, version, name",
			"?1, ?2, ?3"), "tit", w->alias,
			(sqlite3_int64)w->version, w->model));
	return tx_run(tx, "deleting the alias", tx_query(tx,
		"deleting the alias", WS_WHERE(tx, "DELETE FROM "
		"registered_model_aliases WHERE alias = ?1 AND name = ?2", ""),
		"tt", w->alias, w->model));
}

/* As MLflow's transition_model_version_stage: archived versions, the
 * moved ones and the model get the same time. */
static int write_stages(struct wtx *tx, const struct registry_write *w,
			int64_t now)
{
	if (w->archive_existing && w->nmoves == 1 &&
	    tx_run(tx, "archiving the versions in the stage", tx_query(tx,
		    "archiving the versions in the stage", WS_WHERE(tx,
		    "UPDATE model_versions SET current_stage = 'Archived', "
		    "last_updated_time = ?1 WHERE name = ?2 AND version != ?3"
		    " AND current_stage = ?4", ""), "itit", (sqlite3_int64)now,
		    w->model, (sqlite3_int64)w->moves[0].version,
		    w->moves[0].stage)) != 0)
		return -1;
	for (size_t i = 0; i < w->nmoves; i++) {
		if (tx_run(tx, "moving the version", tx_query(tx,
			    "moving the version", WS_WHERE(tx,
			    "UPDATE model_versions SET current_stage = ?1, "
			    "last_updated_time = ?2 WHERE name = ?3 AND "
			    "version = ?4", ""), "titi", w->moves[i].stage,
			    (sqlite3_int64)now, w->model,
			    (sqlite3_int64)w->moves[i].version)) != 0)
			return -1;
		if (i == 0)
			test_hook_pause_in_write();
	}
	return tx_run(tx, "updating the model's time", tx_query(tx,
		"updating the model's time", WS_WHERE(tx, "UPDATE "
		"registered_models SET last_updated_time = ?1 WHERE name = ?2",
		""), "it", (sqlite3_int64)now, w->model));
}

static int write_event(struct wtx *tx, const struct registry_write *w)
{
	if (w->event_key &&
	    tx_run(tx, "recording the history event", tx_query(tx,
		    "recording the history event", WS_INSERT(tx,
		    "INSERT OR REPLACE INTO registered_model_tags",
		    "key, value, name", "?1, ?2, ?3"), "ttt", w->event_key,
		    w->event_value, w->model)) != 0)
		return -1;
	if (w->drop_key &&
	    tx_run(tx, "dropping the oldest history event", tx_query(tx,
		    "dropping the oldest history event", WS_WHERE(tx,
		    "DELETE FROM registered_model_tags WHERE key = ?1 AND "
		    "name = ?2", ""), "tt", w->drop_key, w->model)) != 0)
		return -1;
	return 0;
}

/* The check, the move and the event, inside the open transaction.
 * Returns NULL or a conflict; errors in tx->err. */
static char *write_body(struct wtx *tx, struct registry_write *w,
			int64_t now)
{
	char *msg = write_check(tx, w);

	if (msg || tx->err)
		return msg;
	if (w->event_key && write_event_keys(tx, w) != 0)
		return NULL;
	if (w->kind == RW_ALIAS) {
		if (write_alias(tx, w) != 0)
			return NULL;
		test_hook_pause_in_write();
	} else if (write_stages(tx, w, now) != 0) {
		return NULL;
	}
	write_event(tx, w);
	return NULL;
}

/* One transaction on a connection of its own, opened for this write
 * only: the check, the move, the timestamps MLflow sets, the history
 * event. A kill at any point leaves the old state or the new. */
static int do_write(struct store *s, struct job *j)
{
	struct sqlite_store *ss = impl(s);
	struct wtx tx = {
		.ws = ss->cols.reg_workspace ? ss->workspace : NULL,
	};
	char *msg = NULL;
	int rc;

	if (s->read_only) {
		model_set_error(s->model, "read-only: writes are disabled "
				"(--read-only)");
		return -1;
	}
	if (!ss->cols.registry) {
		model_set_error(s->model, "this store has no model registry");
		return -1;
	}
	rc = sqlite3_open_v2(s->uri.path, &tx.db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(tx.db, 2000);
		rc = sqlite3_exec(tx.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		msg = xasprintf("cannot write to %s: %s", s->uri.path,
				tx.db ? sqlite3_errmsg(tx.db)
				      : sqlite3_errstr(rc));
		goto out;
	}
	msg = write_body(&tx, j->write, clock_now_ms());
	if (!msg && !tx.err &&
	    sqlite3_exec(tx.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		tx_fail(&tx, "committing");
	if (!msg && !tx.err)
		goto out;
	if (!msg)
		msg = xasprintf("writing to %s failed: %s; nothing changed",
				s->uri.path, tx.err);
	sqlite3_exec(tx.db, "ROLLBACK", NULL, NULL, NULL);
out:
	free(tx.err);
	sqlite3_close(tx.db);
	if (msg) {
		model_set_error(s->model, msg);
		free(msg);
		return -1;
	}
	return 1;
}

/* --- ops ---------------------------------------------------------------- */

static void sqlite_load_experiments(struct store *s, const struct store_req *req, store_done_fn done,
				    void *ud)
{
	job_push(s, req, JOB_EXPERIMENTS, done, ud);
}

static void sqlite_load_runs(struct store *s, const struct store_req *req, struct experiment *e,
			     store_done_fn done, void *ud)
{
	struct job *j = job_push(s, req, JOB_RUNS, done, ud);

	j->exp_id = xstrdup(e->id);
}

static void sqlite_poll_runs(struct store *s, const struct store_req *req, struct experiment *e,
			     store_done_fn done, void *ud)
{
	struct job *j = job_push(s, req, JOB_POLL, done, ud);

	j->exp_id = xstrdup(e->id);
}

static void sqlite_load_history(struct store *s, const struct store_req *req, struct run *r,
				struct series *ser, store_done_fn done,
				void *ud)
{
	struct job *j = job_push(s, req, JOB_HISTORY, done, ud);

	j->run_id = xstrdup(r->id);
	j->key = xstrdup(ser->key);
	ser->fetching = true;
}

static void sqlite_load_run(struct store *s, const struct store_req *req, const char *run_id,
			    store_done_fn done, void *ud)
{
	struct job *j = job_push(s, req, JOB_RUN, done, ud);

	j->run_id = xstrdup(run_id);
}

static void sqlite_load_models(struct store *s, const struct store_req *req, store_done_fn done, void *ud)
{
	job_push(s, req, JOB_MODELS, done, ud);
}

static void sqlite_load_versions(struct store *s, const struct store_req *req, const char *model,
				 store_done_fn done, void *ud)
{
	struct job *j = job_push(s, req, JOB_VERSIONS, done, ud);

	j->key = xstrdup(model);
}

static void sqlite_registry_write(struct store *s,
				  const struct registry_write *w,
				  store_done_fn done, void *ud)
{
	struct job *j = job_push(s, NULL, JOB_WRITE, done, ud);

	j->write = registry_write_copy(w);
}

static int sqlite_pollfds(struct store *s, struct pollfd *fds, int max,
			  int *timeout_ms)
{
	if (impl(s)->head)
		*timeout_ms = 0;
	return 0;
}

/* Do one slice of the first job. Each statement is its own short read
 * transaction: a writer can commit between any two. */
static void sqlite_dispatch(struct store *s, struct pollfd *fds, int nfds)
{
	struct sqlite_store *ss = impl(s);
	struct job *j = ss->head;
	int r = -1;

	if (!j)
		return;
	/* What the screen waits for goes before background passes. */
	while (j && j->background)
		j = j->next;
	if (!j)
		j = ss->head;
	switch (j->kind) {
	case JOB_EXPERIMENTS:
		r = do_experiments(s, j);
		break;
	case JOB_RUNS:
		r = do_runs(s, j);
		break;
	case JOB_POLL:
		r = do_poll(s, j);
		break;
	case JOB_HISTORY:
		r = do_history(s, j);
		break;
	case JOB_RUN:
		r = do_run(s, j);
		break;
	case JOB_MODELS:
		r = do_models(s, j);
		break;
	case JOB_VERSIONS:
		r = do_versions(s, j);
		break;
	case JOB_WRITE:
		r = do_write(s, j);
		break;
	}
	if (r != 0) {
		if (r < 0)
			model_set_progress(s->model, NULL);
		job_finish(s, j, r > 0);
	} else {
		model_touch(s->model);
	}
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.load_experiments = sqlite_load_experiments,
	.load_runs = sqlite_load_runs,
	.poll_runs = sqlite_poll_runs,
	.load_history = sqlite_load_history,
	.load_run = sqlite_load_run,
	.load_models = sqlite_load_models,
	.load_versions = sqlite_load_versions,
	.registry_write = sqlite_registry_write,
	.pollfds = sqlite_pollfds,
	.dispatch = sqlite_dispatch,
};
