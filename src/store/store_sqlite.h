/* store_sqlite.h: what the files of the SQLite backend share: the job
 * queue, the schema's optional columns, the helpers every query uses.
 * Private to src/store/store_sqlite*.c. */
#ifndef MLTOP_STORE_SQLITE_H
#define MLTOP_STORE_SQLITE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <sys/types.h>

#include "store/store.h"

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
	JOB_TAGGED,
	JOB_PREFIX,
	JOB_MODELS,
	JOB_VERSIONS,
	JOB_WRITE,
	JOB_SCAN,
};

/* JOB_SCAN's sort keys: a run's start and where it is. */
struct scan_key {
	sqlite3_int64 start, rowid;
};

/* A run's place in a keyset kept in another order than START (where
 * `start` holds the rank of its sort value): found by rowid. */
struct row_pos {
	sqlite3_int64 rowid;
	size_t pos;
};

/* A run's sort value while an ordered keyset is made (NaN: none, it
 * sorts last). */
struct order_key {
	double v;
	uint64_t idhi, idlo;    /* its id's 32 hex digits */
	sqlite3_int64 rowid;    /* its rank by rowid (the job's by_row) */
};

/* JOB_EXPERIMENTS: one experiment's counts, as its windows add up. */
struct exp_count {
	char *id;
	sqlite3_int64 n, running, activity;
};

struct job {
	enum job_kind kind;
	struct store_req req;  /* as given when queued */
	char *exp_id;          /* JOB_RUNS, JOB_POLL */
	char *run_id;          /* JOB_HISTORY, JOB_RUN */
	char *key;             /* JOB_HISTORY; JOB_TAGGED: the tag key */
	char *value;           /* JOB_TAGGED: the tag value */
	sqlite3_int64 cursor;  /* JOB_RUNS: last rowid read */
	sqlite3_int64 total;   /* JOB_RUNS: rows expected */
	sqlite3_int64 done_rows;
	sqlite3_int64 version; /* JOB_RUNS: data_version before it read */
	/* JOB_RUNS works in two passes: runs, latest metrics and tags (all
	 * the table shows, so the first full frame comes early), then
	 * params, over the same rowid windows, kept here. */
	int pass;
	bool background;       /* counted in model->background */
	bool quiet;            /* it changed nothing: the model's generation
				* stays, and no view rebuilds for it */
	bool values_only;      /* it changed only metric values runs had */
	bool started;          /* its first slice was done */
	sqlite3_int64 *bounds;
	size_t nbounds, capbounds, bi;
	struct registry_write *write;  /* JOB_WRITE: a deep copy, owned */
	/* JOB_SCAN: pass 0 reads every matching run's key, pass 1 hands the
	 * runs out in order a batch at a time. */
	struct scan_key *keys;
	size_t nkeys, capkeys, ki;
	bool more;             /* JOB_RUNS: more_runs, after a first page */
	bool keying;           /* JOB_RUNS first_page: its key pass began */
	bool stand_ins;        /* ...showing the newest rows meanwhile */
	size_t win_lo;         /* ...its page: where the window was */
	struct order_key *okeys;  /* ...in another order: its pass */
	size_t nokeys, capokeys;
	int opass;             /* ...1: the metric pass (values, clauses) */
	uint64_t *oidx;           /* ...the keys by run id, for them */
	size_t capoidx;
	uint8_t *omask;           /* ...the metric clauses each passes */
	bool metrics_c;           /* ...those clauses tested here */
	sqlite3_int64 orow, omax;  /* ...latest_metrics read, and its end */
	struct row_pos *by_row;   /* ...and the keys' places by rowid */
	size_t capby_row;
	size_t nvalued;           /* ...the keys with a value (first) */
	bool reversed;            /* ...the held ones, turned around */
	char *order_key;       /* req.order_key, owned */
	struct search *search; /* req.search, a copy of its own */
	struct exp_count *counts;  /* JOB_EXPERIMENTS, its count pass */
	size_t ncounts, capcounts;
	store_runs_fn fn;
	void *fnud;
	store_done_fn done;
	void *ud;
	struct job *next;
};

struct cols {
	bool runs_name, runs_deleted_time, exp_workspace, metrics_index;
	bool lm_index;
	bool by_run_index;   /* latest_metrics, params and tags by run_uuid */
	bool registry;       /* registered_models and friends exist */
	bool reg_workspace;  /* ...with the 2026 workspace column */
};

/* An experiment's runs in MLflow's order (start time DESC; ties kept
 * together), as a first_page load read their keys: the runs view reads
 * them a page at a time (e->runs_more is the position of the next). */
struct keyset {
	char *exp_id;
	struct scan_key *keys;
	size_t n;
	struct row_pos *by_row;  /* NULL: START order, found by key */
	size_t nvalued;          /* another order: the keys with a value */
	struct keyset *next;
};

struct sqlite_store {
	sqlite3 *db;
	dev_t dev;             /* the open file, to notice a replaced one */
	ino_t ino;
	struct cols cols;
	char *workspace;
	struct job *head, *tail;
	struct keyset *keysets;
};

static inline struct sqlite_store *impl(struct store *s)
{
	return s->impl;
}

/* Rows of runs, experiment tags or metrics belong to a workspace through
 * their experiment, as MLflow's workspace-aware store scopes them: the
 * condition on a table with an experiment_id column, the workspace bound
 * as parameter ?n (sqlite_bind_workspace). Only where cols.exp_workspace. */
#define IN_WORKSPACE(n) \
	" AND experiment_id IN (SELECT experiment_id FROM experiments" \
	" WHERE workspace = ?" #n ")"
/* Bind the workspace as ?n where the schema has workspaces. */
void sqlite_bind_workspace(struct store *s, sqlite3_stmt *st, int n);

/* store_sqlite.c: errors and column helpers. */
/* The error message for rc, saying what was being done; caller frees. */
char *sqlite_db_error(struct store *s, int rc, const char *what);
/* The same, set as the model's error. */
void sqlite_fail(struct store *s, int rc, const char *what);
const char *sqlite_col_text(sqlite3_stmt *st, int i);
sqlite3_int64 sqlite_col_int(sqlite3_stmt *st, int i);
sqlite3_stmt *sqlite_prep(struct store *s, const char *sql);
double sqlite_metric_value(sqlite3_stmt *st, int vcol, int nancol);

/* One slice of a job: 1 done, 0 more to do, -1 failed (model->error
 * set). */
/* store_sqlite_runs.c */
int sqlite_job_experiments(struct store *s, struct job *j);
int sqlite_job_runs(struct store *s, struct job *j);
int sqlite_job_poll(struct store *s, struct job *j);
int sqlite_job_history(struct store *s, struct job *j);
int sqlite_job_run(struct store *s, struct job *j);
int sqlite_job_tagged(struct store *s, struct job *j);
int sqlite_job_prefix(struct store *s, struct job *j);
int sqlite_job_scan(struct store *s, struct job *j);
/* The keysets of paged loads, freed. */
void sqlite_keysets_free(struct sqlite_store *ss);
/* store_sqlite_registry.c */
int sqlite_job_models(struct store *s, struct job *j);
int sqlite_job_versions(struct store *s, struct job *j);
/* store_sqlite_write.c */
int sqlite_job_write(struct store *s, struct job *j);

#endif
