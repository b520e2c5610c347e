/* store_sqlite.c: the MLflow SQLite store: opening it, its schema, the
 * job queue. Work is queued as jobs and done in short slices, so a
 * training process writing the same file never waits on mltop for long. */
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
#include "store/search.h"
#include "store/store.h"
#include "store/store_sqlite.h"

/* --- errors ------------------------------------------------------------ */

char *sqlite_db_error(struct store *s, int rc, const char *what)
{
	sqlite3 *db = impl(s)->db;
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		if (s->lock_wait_ms)
			return xasprintf("%s: database is locked: a writer held "
					 "the lock for more than %d s", what,
					 (s->lock_wait_ms + 999) / 1000);
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

void sqlite_fail(struct store *s, int rc, const char *what)
{
	char *e = sqlite_db_error(s, rc, what);

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
const char *sqlite_col_text(sqlite3_stmt *st, int i)
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

sqlite3_int64 sqlite_col_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

/* Prepare, or record the error and return NULL. */
sqlite3_stmt *sqlite_prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(impl(s)->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK) {
		sqlite_fail(s, rc, "query");
		return NULL;
	}
	return st;
}

void sqlite_bind_workspace(struct store *s, sqlite3_stmt *st, int n)
{
	if (impl(s)->cols.exp_workspace)
		sqlite3_bind_text(st, n, impl(s)->workspace, -1,
				  SQLITE_STATIC);
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

/* Does the table exist (with any column)? */
static bool has_column_any(sqlite3 *db, const char *table)
{
	char *sql = xasprintf("PRAGMA table_info(\"%s\")", table);
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
		found = sqlite3_step(st) == SQLITE_ROW;
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
		sqlite3_bind_text(ci, 1, sqlite_col_text(st, 0), -1,
				  SQLITE_TRANSIENT);
		while (sqlite3_step(ci) == SQLITE_ROW) {
			const char *n = sqlite_col_text(ci, 0);
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
double sqlite_metric_value(sqlite3_stmt *st, int vcol, int nancol)
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
	if (S_ISDIR(sb.st_mode) && uri_dir_is_file_store(path)) {
		*err = xasprintf("%s: is a directory (MLflow's file store is "
				 "not supported; use sqlite:///mlflow.db)",
				 path);
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		*err = xasprintf("%s: is a directory, not an MLflow SQLite "
				 "store", path);
		return -1;
	}
	if (access(path, R_OK) != 0) {
		*err = xasprintf("%s: permission denied", path);
		return -1;
	}
	return 0;
}

/* Is the file a WAL-mode database (header bytes 18 and 19 are 2)? */
static bool is_wal_file(const char *path)
{
	unsigned char h[20];
	FILE *f = fopen(path, "rb");
	bool wal = false;

	if (f) {
		wal = fread(h, 1, sizeof(h), f) == sizeof(h) && h[18] == 2 &&
		      h[19] == 2;
		fclose(f);
	}
	return wal;
}

/* "file:PATH?immutable=1" with PATH percent-encoded as a URI path. */
static char *immutable_uri(const char *path)
{
	size_t n = strlen(path);
	char *u = xmalloc(n * 3 + 32), *o = u;

	o += sprintf(o, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (strchr("%?#", *p) || *p < 0x20 || *p >= 0x7f)
			o += sprintf(o, "%%%02X", *p);
		else
			*o++ = (char)*p;
	}
	strcpy(o, "?immutable=1");
	return u;
}

/* A WAL store needs its -wal and -shm files: SQLite reads both, and a
 * reader creates them when they are missing. Created by another user
 * they would be that user's, and the store's owner could no longer
 * write ("attempt to write a readonly database"); so a reader who is
 * neither the owner nor root reads such a store as an immutable snapshot
 * instead, and says so. Returns 0 with *uri NULL (open as usual), or
 * with *uri set (open that), or -1 with *err. */
static int wal_plan(struct store *s, const char *path, char **uri,
		    char **err)
{
	static const char *const what[] = {"write-ahead log",
					   "shared-memory index"};
	static const char *const suffix[] = {"-wal", "-shm"};
	struct stat db, sb;
	bool missing = false;

	*uri = NULL;
	if (stat(path, &db) != 0 || !is_wal_file(path))
		return 0;
	for (int i = 0; i < 2; i++) {
		char *f = xasprintf("%s%s", path, suffix[i]);

		if (stat(f, &sb) != 0) {
			missing = true;
		} else if (access(f, R_OK) != 0) {
			*err = xasprintf("%s: cannot read the store's %s: %s "
					 "(owner uid %u, mode %04o); mltop "
					 "needs to read it to read a WAL store",
					 f, what[i], strerror(errno),
					 (unsigned)sb.st_uid,
					 (unsigned)(sb.st_mode & 07777));
			free(f);
			return -1;
		}
		free(f);
	}
	if (!missing || geteuid() == 0 || geteuid() == db.st_uid)
		return 0;
	*uri = immutable_uri(path);
	{
		char *n = xasprintf("%s: a WAL store of uid %u with no -wal/-shm "
				    "files: read as a snapshot, without "
				    "creating them (as yours they would stop "
				    "its owner's writes); changes show after "
				    "a restart", path, (unsigned)db.st_uid);

		model_set_notice(s->model, n);
		free(n);
	}
	return 0;
}

/* The columns mltop reads that a store may lack (an older or trimmed
 * schema), with what a missing one reads as. The keys (run_uuid,
 * experiment_id, the registry's name and version) are checked at open. */
struct opt_col {
	const char *table, *col, *missing_as;
};

static const struct opt_col opt_cols[] = {
	{"experiments", "name", "NULL"},
	{"experiments", "artifact_location", "NULL"},
	{"experiments", "lifecycle_stage", "'active'"},
	{"experiments", "creation_time", "NULL"},
	{"experiments", "last_update_time", "NULL"},
	{"runs", "name", "NULL"},
	{"runs", "user_id", "NULL"},
	{"runs", "status", "NULL"},
	{"runs", "start_time", "NULL"},
	{"runs", "end_time", "NULL"},
	{"runs", "lifecycle_stage", "'active'"},
	{"runs", "artifact_uri", "NULL"},
	{"latest_metrics", "value", "NULL"},
	{"latest_metrics", "timestamp", "0"},
	{"latest_metrics", "step", "0"},
	{"latest_metrics", "is_nan", "0"},
	{"metrics", "value", "NULL"},
	{"metrics", "timestamp", "0"},
	{"metrics", "step", "0"},
	{"metrics", "is_nan", "0"},
	{"params", "value", "NULL"},
	{"tags", "value", "NULL"},
	{"experiment_tags", "value", "NULL"},
	{"registered_models", "creation_time", "NULL"},
	{"registered_models", "last_updated_time", "NULL"},
	{"registered_models", "description", "NULL"},
	{"model_versions", "creation_time", "NULL"},
	{"model_versions", "last_updated_time", "NULL"},
	{"model_versions", "description", "NULL"},
	{"model_versions", "user_id", "NULL"},
	{"model_versions", "current_stage", "'None'"},
	{"model_versions", "source", "NULL"},
	{"model_versions", "run_id", "NULL"},
	{"model_versions", "status", "NULL"},
	{"registered_model_tags", "value", "NULL"},
	{"model_version_tags", "value", "NULL"},
};

/* A table lacking some of those columns is read through a view of the
 * same name in the connection's own temp schema (which comes first in
 * name lookup and writes nothing to the store): the columns it has, and
 * the missing ones as constants. SQLite flattens such a view, so the
 * table's indexes still serve. Returns the missing columns, "t.c, ...",
 * or NULL; caller frees. */
static char *adapt_schema(sqlite3 *db)
{
	size_t n = sizeof(opt_cols) / sizeof(opt_cols[0]);
	char *missing = NULL;

	for (size_t i = 0; i < n;) {
		const char *table = opt_cols[i].table;
		char *extra = xstrdup("");
		size_t j = i;

		for (; j < n && strcmp(opt_cols[j].table, table) == 0; j++) {
			char *t;

			if (has_column(db, table, opt_cols[j].col))
				continue;
			t = xasprintf("%s, %s AS \"%s\"", extra,
				      opt_cols[j].missing_as, opt_cols[j].col);
			free(extra);
			extra = t;
			t = xasprintf("%s%s%s.%s", missing ? missing : "",
				      missing ? ", " : "", table,
				      opt_cols[j].col);
			free(missing);
			missing = t;
		}
		/* An absent table (has_column finds nothing) stays absent: the
		 * checks at open and cols.registry deal with those. */
		if (*extra && has_column_any(db, table)) {
			char *sql = xasprintf("CREATE TEMP VIEW \"%s\" AS SELECT "
					      "%s* %s FROM main.\"%s\"", table,
					      strcmp(table, "runs") == 0 ?
					      "rowid AS rowid, " : "", extra,
					      table);

			sqlite3_exec(db, sql, NULL, NULL, NULL);
			free(sql);
		}
		free(extra);
		i = j;
	}
	return missing;
}

static bool revision_known(const char *rev)
{
	for (size_t i = 0; i < sizeof(mlflow_revisions) /
				    sizeof(mlflow_revisions[0]); i++)
		if (strcmp(mlflow_revisions[i], rev) == 0)
			return true;
	return false;
}

/* Open the file the path names now, probe its schema and remember which
 * file it was (device and inode), so a refresh can tell when the path
 * names another file. */
static int db_open(struct store *s, char **err)
{
	struct sqlite_store *ss = impl(s);
	const char *path = s->uri.path;
	sqlite3_stmt *st = NULL;
	char *rev = NULL, *uri = NULL, *missing;
	struct stat sb;
	int rc;

	if (check_file(path, err) != 0)
		return -1;
	if (wal_plan(s, path, &uri, err) != 0)
		return -1;
	if (stat(path, &sb) == 0) {
		ss->dev = sb.st_dev;
		ss->ino = sb.st_ino;
	}
	/* One thread (the event loop) uses a connection: no mutexes (they
	 * cost 4% of a pass over a million rows). */
	rc = sqlite3_open_v2(uri ? uri : path, &ss->db, SQLITE_OPEN_READONLY |
			     SQLITE_OPEN_NOMUTEX |
			     (uri ? SQLITE_OPEN_URI : 0), NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		*err = xasprintf("%s: cannot open: %s", path,
				 ss->db ? sqlite3_errmsg(ss->db)
					: sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_busy_timeout(ss->db, s->lock_wait_ms ? s->lock_wait_ms
						     : BUSY_TIMEOUT_MS);
	/* Reading alembic_version is the first touch of the file: it tells
	 * a corrupt file, a foreign database and an MLflow store apart. */
	rc = sqlite3_prepare_v2(ss->db, "SELECT version_num FROM "
				"alembic_version", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			rev = xstrdup(sqlite_col_text(st, 0) ? sqlite_col_text(st, 0) : "");
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
		else if ((rc & 0xff) == SQLITE_BUSY && s->lock_wait_ms)
			*err = xasprintf("%s: database is locked: a writer held "
					 "the lock for more than %d s", path,
					 (s->lock_wait_ms + 999) / 1000);
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
	ss->cols.by_run_index = ss->cols.lm_index &&
				has_index_on(ss->db, "params", "run_uuid") &&
				has_index_on(ss->db, "tags", "run_uuid");
	ss->cols.registry = has_column(ss->db, "registered_models", "name") &&
			    has_column(ss->db, "model_versions", "version") &&
			    has_column(ss->db, "registered_model_aliases",
				       "alias");
	ss->cols.reg_workspace = has_column(ss->db, "registered_models",
					    "workspace");
	missing = adapt_schema(ss->db);
	if (!rev || !revision_known(rev) || missing) {
		char *n = xasprintf("%s%s%s%s%s%s",
				    !rev || !revision_known(rev) ?
				    "unknown schema version " : "",
				    !rev || !revision_known(rev) ?
				    (rev && *rev ? rev : "(none)") : "",
				    !rev || !revision_known(rev) ?
				    " (newer than MLflow " MLFLOW_PINNED_VERSION
				    "?): showing the columns mltop knows" : "",
				    (!rev || !revision_known(rev)) && missing ?
				    "; " : "",
				    missing ? "the store lacks columns, shown "
				    "empty: " : "", missing ? missing : "");

		model_set_notice(s->model, n);
		free(n);
	}
	free(missing);
	free(rev);
	return 0;
}

static int sqlite_open(struct store *s, char **err)
{
	struct sqlite_store *ss = xcalloc(1, sizeof(*ss));
	const char *ws;

	s->impl = ss;
	if (db_open(s, err) != 0)
		return -1;
	/* As MLflow's client: MLFLOW_WORKSPACE stripped, and when empty
	 * the default workspace. */
	ws = getenv("MLFLOW_WORKSPACE");
	if (ws) {
		size_t n;

		ws += strspn(ws, " \t\n\r\f\v");
		n = strlen(ws);
		while (n && strchr(" \t\n\r\f\v", ws[n - 1]))
			n--;
		ss->workspace = n ? xstrndup(ws, n) : NULL;
	}
	if (!ss->workspace)
		ss->workspace = xstrdup("default");
	return 0;
}

/* Is the path still the file that is open? A store deleted, or replaced
 * by a rename (mv new.db mlflow.db), would otherwise go on being read
 * from the old file, which only mltop still holds. Called before each
 * job: 0 read on (reopened on the new file if it was replaced), -1 the
 * file is gone or the new one cannot be opened (model->error says). */
static int check_same_file(struct store *s)
{
	struct sqlite_store *ss = impl(s);
	const char *path = s->uri.path;
	struct sqlite_store old;
	struct model *m = s->model;
	struct stat sb;
	char *err = NULL, *msg;

	if (stat(path, &sb) != 0) {
		msg = errno == ENOENT ?
		      xasprintf("store file is gone: %s was deleted or moved "
				"away; the data shown is what was read before",
				path) :
		      xasprintf("%s: %s", path, strerror(errno));
		model_set_error(m, msg);
		free(msg);
		return -1;
	}
	if (sb.st_dev == ss->dev && sb.st_ino == ss->ino)
		return 0;
	old = *ss;
	ss->db = NULL;
	if (db_open(s, &err) != 0) {
		sqlite3_close(ss->db);
		ss->db = old.db;
		ss->dev = old.dev;
		ss->ino = old.ino;
		ss->cols = old.cols;
		msg = xasprintf("store file was replaced, and the new one "
				"cannot be read: %s", err);
		model_set_error(m, msg);
		free(msg);
		free(err);
		return -1;
	}
	sqlite3_close(old.db);
	/* Row ids of the old file mean nothing in the new one: the next
	 * polls read every run again. */
	for (size_t i = 0; i < m->nexps; i++)
		m->exps[i]->runs_cursor = 0;
	msg = xasprintf("store file was replaced: reopened %s", path);
	model_set_notice(m, msg);
	free(msg);
	return 0;
}

static void job_free(struct job *j)
{
	if (j->write)
		registry_write_free(j->write);
	free(j->bounds);
	free(j->keys);
	free(j->okeys);
	free(j->oidx);
	free(j->omask);
	free(j->by_row);
	free(j->order_key);
	search_free(j->search);
	for (size_t i = 0; i < j->ncounts; i++)
		free(j->counts[i].id);
	free(j->counts);
	free(j->exp_id);
	free(j->run_id);
	free(j->key);
	free(j->value);
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
	sqlite_keysets_free(ss);
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
	if (j->req.search) {
		/* The caller's may be gone before the job runs. */
		size_t n = search_order_count(j->req.search);
		const char **ord = xcalloc(n ? n : 1, sizeof(*ord));

		for (size_t i = 0; i < n; i++)
			ord[i] = search_order_text(j->req.search, i);
		j->search = search_parse(search_filter_text(j->req.search),
					 ord, n, NULL);
		free(ord);
		j->req.search = j->search;
	}
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
	if (ok && j->values_only)
		model_touch_values(s->model);
	else if (!(ok && j->quiet))
		model_touch(s->model);
	job_free(j);
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
	if (req && req->order_key) {
		j->order_key = xstrdup(req->order_key);
		j->req.order_key = j->order_key;
	}
}

static void sqlite_more_runs(struct store *s, const struct store_req *req,
			     struct experiment *e, store_done_fn done,
			     void *ud)
{
	struct job *j;

	for (j = impl(s)->head; j; j = j->next)
		if (j->kind == JOB_RUNS && j->more &&
		    !strcmp(j->exp_id, e->id))
			break;
	if (j || !e->runs_more) {
		/* Under way: asked for all, it reads all; a window moves
		 * to where it is asked for last. */
		if (j && req && !req->first_page)
			j->req.first_page = false;
		if (j && req && req->window && j->req.window)
			j->req.at = req->at;
		if (done)
			done(s, j != NULL, ud);
		return;
	}
	j = job_push(s, req, JOB_RUNS, done, ud);
	j->exp_id = xstrdup(e->id);
	j->more = true;
}

static void sqlite_scan_runs(struct store *s, const struct store_req *req,
			     struct experiment *e, store_runs_fn fn,
			     void *fnud, store_done_fn done, void *ud)
{
	struct job *j = job_push(s, req, JOB_SCAN, done, ud);

	j->exp_id = xstrdup(e->id);
	j->fn = fn;
	j->fnud = fnud;
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

static void sqlite_load_tagged_runs(struct store *s,
				    const struct store_req *req,
				    const char *key, const char *value,
				    store_done_fn done, void *ud)
{
	struct job *j = job_push(s, req, JOB_TAGGED, done, ud);

	j->key = xstrdup(key);
	j->value = xstrdup(value);
}

static void sqlite_load_run_prefix(struct store *s,
				   const struct store_req *req,
				   const char *prefix, store_done_fn done,
				   void *ud)
{
	struct job *j = job_push(s, req, JOB_PREFIX, done, ud);

	j->value = xstrdup(prefix);
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

/* How each kind of job does one slice. */
static int (*const job_slice[])(struct store *, struct job *) = {
	[JOB_EXPERIMENTS] = sqlite_job_experiments,
	[JOB_RUNS] = sqlite_job_runs,
	[JOB_POLL] = sqlite_job_poll,
	[JOB_HISTORY] = sqlite_job_history,
	[JOB_RUN] = sqlite_job_run,
	[JOB_TAGGED] = sqlite_job_tagged,
	[JOB_PREFIX] = sqlite_job_prefix,
	[JOB_MODELS] = sqlite_job_models,
	[JOB_VERSIONS] = sqlite_job_versions,
	[JOB_WRITE] = sqlite_job_write,
	[JOB_SCAN] = sqlite_job_scan,
};

/* Do one slice of the first job. Each statement is its own short read
 * transaction: a writer can commit between any two. */
static void sqlite_dispatch(struct store *s, struct pollfd *fds, int nfds)
{
	struct sqlite_store *ss = impl(s);
	struct job *j = ss->head;
	int r;

	if (!j)
		return;
	/* What the screen waits for goes before background passes. */
	while (j && j->background)
		j = j->next;
	if (!j)
		j = ss->head;
	if (!j->started && j->kind != JOB_WRITE && check_same_file(s) != 0)
		r = -1;
	else
		r = job_slice[j->kind](s, j);
	j->started = true;
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
	.scan_runs = sqlite_scan_runs,
	.more_runs = sqlite_more_runs,
	.poll_runs = sqlite_poll_runs,
	.load_history = sqlite_load_history,
	.load_run = sqlite_load_run,
	.load_tagged_runs = sqlite_load_tagged_runs,
	.load_run_prefix = sqlite_load_run_prefix,
	.load_models = sqlite_load_models,
	.load_versions = sqlite_load_versions,
	.registry_write = sqlite_registry_write,
	.pollfds = sqlite_pollfds,
	.dispatch = sqlite_dispatch,
};
