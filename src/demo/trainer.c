/* trainer.c: the demo's simulated trainer.
 * Appends a point to every metric of each RUNNING run, as an MLflow client. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "demo/demo.h"

/* Set by SIGTERM in the forked trainer; checked between ticks so a tick's
 * transaction is never cut in half. */
static volatile sig_atomic_t trainer_stopping;

/* ---- live curves ---- */

enum family { FAM_NOISY, FAM_DECAY, FAM_RISE, FAM_LR };

static int has_word(const char *key, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = strstr(key, w); p; p = strstr(p + 1, w)) {
		int left = p == key || strchr("_/.-", p[-1]);
		int right = p[n] == '\0' || strchr("_/.-", p[n]);

		if (left && right)
			return 1;
	}
	return 0;
}

static enum family key_family(const char *key)
{
	if (strstr(key, "learning_rate") || has_word(key, "lr"))
		return FAM_LR;
	if (strstr(key, "loss") || strstr(key, "perplexity") ||
	    strstr(key, "error") || has_word(key, "mse") ||
	    has_word(key, "rmse") || has_word(key, "mae"))
		return FAM_DECAY;
	if (strstr(key, "acc") || has_word(key, "auc") || has_word(key, "f1") ||
	    strstr(key, "precision") || strstr(key, "recall"))
		return FAM_RISE;
	return FAM_NOISY;
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Roughly standard normal noise, fixed by (run, key, step), so a trainer
 * restarted on the same store writes the same values. */
static double live_noise(const char *run_id, const char *key, int64_t step)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint64_t s = (uint64_t)step;
	double sum = 0;
	int i;

	h = fnv1a(h, run_id, strlen(run_id) + 1);
	h = fnv1a(h, key, strlen(key) + 1);
	h = fnv1a(h, &s, sizeof(s));
	for (i = 0; i < 4; i++) {
		h = mix64(h + 0x9e3779b97f4a7c15ULL);
		sum += (double)(h >> 11) * 0x1.0p-53 - 0.5;
	}
	return sum * 1.7320508075688772;   /* 4 uniforms: variance 1/3 */
}

double demo_live_value(const char *run_id, const char *key, double first,
		       int64_t first_step, int64_t step)
{
	double s = (double)(step - first_step);
	double g, v;

	if (s <= 0 || !isfinite(first))
		return first;
	g = live_noise(run_id, key, step);
	switch (key_family(key)) {
	case FAM_LR:
		/* inverse-square-root schedule, already past warm-up */
		return first * sqrt(50.0 / (50.0 + s));
	case FAM_DECAY: {
		double floor_v = 0.15 * first;

		v = floor_v + (first - floor_v) * pow(20.0 / (20.0 + s), 0.35);
		return v * (1 + 0.025 * g);
	}
	case FAM_RISE: {
		double f = first < 0 ? 0 : first > 0.999 ? 0.999 : first;
		double gap = (1 - f) * pow(15.0 / (15.0 + s), 0.5);

		v = 1 - gap * (1 + 0.06 * g);
		return v < 0 ? 0 : v > 1 ? 1 : v;
	}
	case FAM_NOISY:
	default:
		return first * (1 + 0.08 * g);
	}
}

/* ---- the trainer ---- */

struct point {
	char *key;
	int64_t step;
};

struct trainer {
	sqlite3 *db;
	sqlite3_stmt *runs;    /* RUNNING runs */
	sqlite3_stmt *keys;    /* the run's metric keys and latest steps */
	sqlite3_stmt *first;   /* the first point of one metric */
	sqlite3_stmt *ins;     /* new metrics row */
	sqlite3_stmt *upd;     /* latest_metrics, when the new point wins */
	sqlite3_stmt *add;     /* latest_metrics, when the key has no row */
	char **run_ids;
	size_t nrun, caprun;
	struct point *pts;
	size_t npt, cappt;
};

static const char sql_runs[] =
	"SELECT run_uuid FROM runs WHERE status = 'RUNNING' "
	"AND lifecycle_stage = 'active' ORDER BY start_time, run_uuid";
static const char sql_keys[] =
	"SELECT key, step FROM latest_metrics WHERE run_uuid = ?1 ORDER BY key";
static const char sql_first[] =
	"SELECT step, value, is_nan FROM metrics WHERE run_uuid = ?1 "
	"AND key = ?2 ORDER BY step, timestamp LIMIT 1";
static const char sql_ins[] =
	"INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
/* MLflow keeps the point with the highest (step, timestamp, value); with
 * the value as stored, i.e. 0 for NaN. */
static const char sql_upd[] =
	"UPDATE latest_metrics SET value = ?2, timestamp = ?3, step = ?5, "
	"is_nan = ?6 WHERE key = ?1 AND run_uuid = ?4 "
	"AND (step, timestamp, value) < (?5, ?3, ?2)";
static const char sql_add[] =
	"INSERT OR IGNORE INTO latest_metrics "
	"(key, value, timestamp, step, is_nan, run_uuid) "
	"VALUES (?1, ?2, ?3, ?5, ?6, ?4)";

static int db_fail(sqlite3 *db, const char *what, char **err)
{
	if (err && !*err)
		*err = xasprintf("%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static void trainer_free(struct trainer *t)
{
	size_t i;

	sqlite3_finalize(t->runs);
	sqlite3_finalize(t->keys);
	sqlite3_finalize(t->first);
	sqlite3_finalize(t->ins);
	sqlite3_finalize(t->upd);
	sqlite3_finalize(t->add);
	sqlite3_close(t->db);
	for (i = 0; i < t->nrun; i++)
		free(t->run_ids[i]);
	free(t->run_ids);
	for (i = 0; i < t->npt; i++)
		free(t->pts[i].key);
	free(t->pts);
}

static int trainer_open(struct trainer *t, const char *path, char **err)
{
	int rc;

	sqlite3_stmt *st = NULL;
	int app = 0;

	rc = sqlite3_open_v2(path, &t->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK)
		return db_fail(t->db, path, err);
	sqlite3_busy_timeout(t->db, 5000);
	/* Made-up points in a real store would be data damage: write only
	 * to a store mltop --demo-create made. */
	if (sqlite3_prepare_v2(t->db, "PRAGMA application_id", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(t->db, path, err);
	if (sqlite3_step(st) == SQLITE_ROW)
		app = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (app != DEMO_APPLICATION_ID) {
		*err = xasprintf("%s is not a demo store made by mltop "
				 "--demo-create: the demo trainer writes made-up "
				 "points and refuses any other store", path);
		return -1;
	}
	if (sqlite3_prepare_v2(t->db, sql_runs, -1, &t->runs, NULL) ||
	    sqlite3_prepare_v2(t->db, sql_keys, -1, &t->keys, NULL) ||
	    sqlite3_prepare_v2(t->db, sql_first, -1, &t->first, NULL) ||
	    sqlite3_prepare_v2(t->db, sql_ins, -1, &t->ins, NULL) ||
	    sqlite3_prepare_v2(t->db, sql_upd, -1, &t->upd, NULL) ||
	    sqlite3_prepare_v2(t->db, sql_add, -1, &t->add, NULL))
		return db_fail(t->db, path, err);
	return 0;
}

static void clear_lists(struct trainer *t)
{
	size_t i;

	for (i = 0; i < t->nrun; i++)
		free(t->run_ids[i]);
	t->nrun = 0;
	for (i = 0; i < t->npt; i++)
		free(t->pts[i].key);
	t->npt = 0;
}

static int load_runs(struct trainer *t, char **err)
{
	int rc;

	while ((rc = sqlite3_step(t->runs)) == SQLITE_ROW) {
		t->run_ids = xgrow(t->run_ids, &t->caprun, t->nrun + 1,
				   sizeof(*t->run_ids));
		t->run_ids[t->nrun++] =
			xstrdup((const char *)sqlite3_column_text(t->runs, 0));
	}
	sqlite3_reset(t->runs);
	return rc == SQLITE_DONE ? 0 : db_fail(t->db, "reading runs", err);
}

static int load_keys(struct trainer *t, const char *run_id, char **err)
{
	size_t i;
	int rc;

	for (i = 0; i < t->npt; i++)
		free(t->pts[i].key);
	t->npt = 0;
	sqlite3_bind_text(t->keys, 1, run_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(t->keys)) == SQLITE_ROW) {
		struct point *p;

		t->pts = xgrow(t->pts, &t->cappt, t->npt + 1, sizeof(*t->pts));
		p = &t->pts[t->npt++];
		p->key = xstrdup((const char *)sqlite3_column_text(t->keys, 0));
		p->step = sqlite3_column_int64(t->keys, 1);
	}
	sqlite3_reset(t->keys);
	sqlite3_clear_bindings(t->keys);
	return rc == SQLITE_DONE ? 0 : db_fail(t->db, "reading metrics", err);
}

/* The first point of a metric, the anchor of its live curve. */
static int first_point(struct trainer *t, const char *run_id, const char *key,
		       int64_t *step, double *value, char **err)
{
	int rc;

	sqlite3_bind_text(t->first, 1, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->first, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(t->first);
	if (rc == SQLITE_ROW) {
		*step = sqlite3_column_int64(t->first, 0);
		*value = sqlite3_column_int(t->first, 2) ?
			NAN : sqlite3_column_double(t->first, 1);
	}
	sqlite3_reset(t->first);
	sqlite3_clear_bindings(t->first);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE) {
		/* latest_metrics without history: start a curve at 0 */
		*step = 0;
		*value = 0;
		return 0;
	}
	return db_fail(t->db, "reading metric history", err);
}

/* Store a value the way MLflow does: NaN as 0 with is_nan set, and
 * infinities clamped to the largest finite double. */
static double mlflow_value(double v, int *is_nan)
{
	*is_nan = isnan(v) ? 1 : 0;
	if (*is_nan)
		return 0;
	if (isinf(v))
		return v > 0 ? DBL_MAX : -DBL_MAX;
	return v;
}

static int run_write(sqlite3_stmt *st, const char *key, double value,
		     int64_t ts, const char *run_id, int64_t step, int is_nan)
{
	int rc;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, value);
	sqlite3_bind_int64(st, 3, ts);
	sqlite3_bind_text(st, 4, run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, step);
	sqlite3_bind_int(st, 6, is_nan);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int tick_run(struct trainer *t, const char *run_id, int64_t now,
		    char **err)
{
	size_t i;

	if (load_keys(t, run_id, err) < 0)
		return -1;
	for (i = 0; i < t->npt; i++) {
		const char *key = t->pts[i].key;
		int64_t step = t->pts[i].step + 1, first_step;
		double first, v;
		int is_nan, rc;

		if (first_point(t, run_id, key, &first_step, &first, err) < 0)
			return -1;
		v = demo_live_value(run_id, key, first, first_step, step);
		v = mlflow_value(v, &is_nan);
		rc = run_write(t->ins, key, v, now, run_id, step, is_nan);
		if (rc != SQLITE_DONE)
			return db_fail(t->db, "inserting a metric", err);
		rc = run_write(t->upd, key, v, now, run_id, step, is_nan);
		if (rc != SQLITE_DONE)
			return db_fail(t->db, "updating latest_metrics", err);
		if (sqlite3_changes(t->db) == 0) {
			rc = run_write(t->add, key, v, now, run_id, step,
				       is_nan);
			if (rc != SQLITE_DONE)
				return db_fail(t->db, "updating latest_metrics",
					       err);
		}
	}
	return 0;
}

/* ---- the pipeline of nested runs ---- */

static int exec_bound(sqlite3 *db, const char *sql, const char *a,
		      const char *b, const char *c, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (c)
		sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

/* Start stage name of parent: a child run as the client makes one (its
 * name, user, source and parent tags), id derived from the parent's. */
static int start_stage(sqlite3 *db, const char *parent, const char *name,
		       int64_t now)
{
	char id[33];
	uint64_t h = mix64((uint64_t)now);

	for (const char *p = parent; *p; p++)
		h = mix64(h ^ (uint64_t)(unsigned char)*p);
	for (const char *p = name; *p; p++)
		h = mix64(h ^ (uint64_t)(unsigned char)*p);
	snprintf(id, sizeof(id), "%016llx%016llx", (unsigned long long)h,
		 (unsigned long long)mix64(h));
	if (exec_bound(db,
		       "INSERT INTO runs (run_uuid, name, source_type,"
		       " source_name, entry_point_name, user_id, status,"
		       " start_time, end_time, source_version,"
		       " lifecycle_stage, artifact_uri, experiment_id,"
		       " deleted_time) SELECT ?2, ?3, source_type,"
		       " source_name, entry_point_name, user_id, 'RUNNING', ?4,"
		       " NULL, source_version, 'active',"
		       " replace(artifact_uri, ?1, ?2), experiment_id, NULL"
		       " FROM runs WHERE run_uuid = ?1",
		       parent, id, name, now) != SQLITE_DONE ||
	    exec_bound(db,
		       "INSERT INTO tags (key, value, run_uuid) SELECT key,"
		       " value, ?2 FROM tags WHERE run_uuid = ?1 AND key IN"
		       " ('mlflow.user', 'mlflow.source.name',"
		       " 'mlflow.source.type')", parent, id, NULL,
		       now) != SQLITE_DONE ||
	    exec_bound(db,
		       "INSERT INTO tags (key, value, run_uuid) VALUES"
		       " ('mlflow.runName', ?3, ?2), ('mlflow.parentRunId',"
		       " ?1, ?2)", parent, id, name, now) != SQLITE_DONE)
		return -1;
	return 0;
}

/* The stage after a finished one, or the parent's end after the last. */
static int advance_pipeline(sqlite3 *db, const char *parent,
			    const char *stages, int64_t now)
{
	sqlite3_stmt *st;
	char name[64] = "", next[64] = "";
	const char *p = stages;
	int64_t start = 0, secs = 0;
	int found = 0, rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT c.name, c.start_time FROM runs c JOIN"
			       " tags t ON t.run_uuid = c.run_uuid AND t.key ="
			       " 'mlflow.parentRunId' AND t.value = ?1 WHERE"
			       " c.status = 'RUNNING'", -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, parent, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(name, sizeof(name), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		start = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	if (!*name)
		return 0;   /* not started by the seed: left alone */
	/* Its seconds, and the stage after it. */
	while (*p) {
		const char *colon = strchr(p, ':');
		const char *comma = strchr(p, ',');
		size_t n = colon ? (size_t)(colon - p) : 0;

		if (!colon || n >= sizeof(next))
			return 0;
		if (found == 1) {
			memcpy(next, p, n);
			next[n] = '\0';
			break;
		}
		if (n == strlen(name) && !memcmp(p, name, n)) {
			found = 1;
			secs = atoll(colon + 1);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	if (!found || now - start < secs * 1000)
		return 0;
	if (exec_bound(db, "UPDATE runs SET status = 'FINISHED', end_time ="
		       " ?4 WHERE status = 'RUNNING' AND run_uuid IN (SELECT"
		       " run_uuid FROM tags WHERE key = 'mlflow.parentRunId'"
		       " AND value = ?1)", parent, NULL, NULL,
		       now) != SQLITE_DONE)
		return -1;
	if (*next)
		return start_stage(db, parent, next, now);
	return exec_bound(db, "UPDATE runs SET status = 'FINISHED', end_time"
			  " = ?4 WHERE run_uuid = ?1", parent, NULL, NULL,
			  now) == SQLITE_DONE ? 0 : -1;
}

static int advance_pipelines(struct trainer *t, int64_t now, char **err)
{
	sqlite3_stmt *st;
	char **ids = NULL, **stages = NULL;
	size_t n = 0;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(t->db,
			       "SELECT r.run_uuid, g.value FROM runs r JOIN"
			       " tags g ON g.run_uuid = r.run_uuid AND g.key = '"
			       DEMO_PIPELINE_TAG "' WHERE r.status ="
			       " 'RUNNING'", -1, &st, NULL))
		return db_fail(t->db, "reading pipelines", err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ids = xrealloc(ids, (n + 1) * sizeof(*ids));
		stages = xrealloc(stages, (n + 1) * sizeof(*stages));
		ids[n] = xstrdup((const char *)sqlite3_column_text(st, 0));
		stages[n++] = xstrdup(
			(const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		ret = db_fail(t->db, "reading pipelines", err);
	for (size_t i = 0; i < n; i++) {
		if (!ret && advance_pipeline(t->db, ids[i], stages[i], now))
			ret = db_fail(t->db, "advancing a pipeline", err);
		free(ids[i]);
		free(stages[i]);
	}
	free(ids);
	free(stages);
	return ret;
}

/* One tick in one short write transaction. Returns 1 when written, 0 when
 * the store stayed locked past the busy timeout (the tick is retried next
 * time), -1 on error. */
static int trainer_tick(struct trainer *t, char **err)
{
	int64_t now;
	size_t i;
	int rc;

	rc = sqlite3_exec(t->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return 0;
	if (rc != SQLITE_OK)
		return db_fail(t->db, "BEGIN IMMEDIATE", err);
	now = clock_now_ms();
	clear_lists(t);
	if (load_runs(t, err) < 0)
		goto fail;
	for (i = 0; i < t->nrun; i++)
		if (tick_run(t, t->run_ids[i], now, err) < 0)
			goto fail;
	if (advance_pipelines(t, now, err) < 0)
		goto fail;
	rc = sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 1;
	if (rc == SQLITE_BUSY) {
		sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
		return 0;
	}
	db_fail(t->db, "COMMIT", err);
fail:
	rc = sqlite3_errcode(t->db);
	sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		/* e.g. a cache spill needing a lock another process holds */
		free(*err);
		*err = NULL;
		return 0;
	}
	return -1;
}

/* Sleep until deadline (monotonic ms), waking early to notice a lost
 * parent or SIGTERM. Returns 0 to go on, 1 to stop. */
static int trainer_sleep(int64_t deadline, pid_t parent)
{
	for (;;) {
		int64_t left = deadline - clock_mono_ms();
		struct timespec ts;

		if (trainer_stopping || getppid() != parent)
			return 1;
		if (left <= 0)
			return 0;
		if (left > 100)
			left = 100;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		nanosleep(&ts, NULL);
	}
}

int demo_trainer_run(const char *path, int interval_ms, int max_ticks,
		     char **err)
{
	struct trainer t;
	pid_t parent = getppid();
	int64_t next;
	int done = 0, ret = 0;

	*err = NULL;
	if (max_ticks < 0) {
		*err = xasprintf("bad tick count %d", max_ticks);
		return -1;
	}
	if (interval_ms < 0)
		interval_ms = 0;
	memset(&t, 0, sizeof(t));
	if (trainer_open(&t, path, err) < 0) {
		trainer_free(&t);
		return -1;
	}
	next = clock_mono_ms();
	while (!max_ticks || done < max_ticks) {
		int rc;

		if (trainer_stopping || getppid() != parent)
			break;
		rc = trainer_tick(&t, err);
		if (rc < 0) {
			ret = -1;
			break;
		}
		done += rc;
		if (max_ticks && done >= max_ticks)
			break;
		next += interval_ms;
		if (trainer_sleep(next, parent))
			break;
	}
	trainer_free(&t);
	return ret;
}

static void trainer_on_term(int sig)
{
	(void)sig;
	trainer_stopping = 1;
}

static void trainer_child(const char *path, pid_t parent)
{
	struct sigaction sa;
	sigset_t set;
	char *err = NULL;
	int fd;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(0);   /* mltop is already gone */
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = trainer_on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	/* Ctrl-C belongs to mltop; the trainer follows it by PDEATHSIG. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (demo_trainer_run(path, 1000, 0, &err) < 0) {
		free(err);
		_exit(1);
	}
	_exit(0);
}

pid_t demo_trainer_start(const char *path, char **err)
{
	pid_t parent = getpid();
	pid_t pid;

	*err = NULL;
	pid = fork();
	if (pid < 0) {
		*err = xasprintf("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		trainer_child(path, parent);
	return pid;
}

void demo_trainer_stop(pid_t pid)
{
	int i;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	/* A tick waiting on a locked store can take up to the busy timeout;
	 * do not hold mltop's exit that long. */
	for (i = 0; i < 200; i++) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return;
		if (r == 0) {
			struct timespec ts = { 0, 10 * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
