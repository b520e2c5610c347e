/* model.h: what mltop knows of a tracking store, cached in memory.
 * Store backends merge into it; views and scripting commands read it. */
#ifndef MLTOP_MODEL_H
#define MLTOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum run_status {
	RUN_RUNNING,
	RUN_SCHEDULED,
	RUN_FINISHED,
	RUN_FAILED,
	RUN_KILLED,
	RUN_UNKNOWN,
};

enum run_status run_status_parse(const char *s);
const char *run_status_name(enum run_status st);

struct kv {
	char *key;
	char *value;   /* may be NULL (tags allow it) */
};

struct kv_list {
	struct kv *v;
	size_t n, cap;
	/* A hash of key -> position + 1, built once the list is long enough
	 * for a scan to cost: a model with 100,000 tags stays linear. */
	size_t *index;
	size_t index_cap;
};

void kv_list_set(struct kv_list *l, const char *key, const char *value);
const char *kv_list_get(const struct kv_list *l, const char *key);
void kv_list_clear(struct kv_list *l);

struct point {
	int64_t step;
	int64_t timestamp;
	double value;      /* NaN for is_nan rows; +/-DBL_MAX kept as stored */
};

/* One metric of one run: its latest value (as latest_metrics or the
 * REST "data.metrics" has it) and whatever history has been fetched. */
struct series {
	char *key;
	struct point latest;
	bool has_latest;
	struct point *pts;     /* sorted by (step, timestamp); owned */
	size_t n, cap;
	bool fetched;          /* a history fetch has completed at least once */
	bool fetching;         /* a fetch is in flight */
	int64_t want_step;     /* latest.step when history was last fetched */
	int64_t want_ts;
};

struct run {
	char *id;
	char *name;
	char *experiment_id;
	char *user_id;
	char *status_str;      /* as stored, for machine output */
	enum run_status status;
	char *lifecycle_stage;
	char *artifact_uri;
	char *parent_id;       /* tag mlflow.parentRunId, or NULL */
	int64_t start_time, end_time;
	struct kv_list params;
	struct kv_list tags;
	struct series *metrics;   /* sorted by key; owned */
	size_t nmetrics, capmetrics;
	int64_t last_point_ms;    /* newest metric timestamp seen */
	/* Newest start or point of its running descendants (a parent run
	 * that logs nothing while its children train is not stalled); set
	 * by experiment_child_activity. */
	int64_t child_activity_ms;
	bool seen;                /* scratch for store merges */
	/* Where a backend that keeps its runs' order (SQLite) found the
	 * run (its rowid; 0: not known), and whether it is in the window
	 * of runs that backend holds for the runs view (e->runs_total). */
	int64_t store_row;
	bool in_window;
	bool retired;             /* gone from the store; freed at the next
				   * model_collect */
	uint32_t mark;            /* scratch for views building row lists */
};

/* Orders a store can keep an experiment's runs in for the runs view,
 * as its columns sort (ties by run id, the whole reversed when
 * descending; runs without the metric, or NaN, last either way). */
enum run_order {
	ORDER_START, ORDER_DURATION, ORDER_METRIC, ORDER_STATUS, ORDER_ID,
};

struct experiment {
	struct model *model;       /* the model holding it (retired runs go
				    * to its graveyard) */
	char *id;
	char *name;
	char *artifact_location;
	char *lifecycle_stage;
	int64_t creation_time, last_update_time;
	int64_t last_activity;     /* newest run start/end, else update time */
	int nruns, nrunning;       /* active runs; nruns -1: not known yet */
	struct kv_list tags;
	/* Runs, once loaded: owned run pointers, store order. */
	struct run **runs;
	size_t nruns_loaded, capruns;
	bool runs_loaded;          /* info, latest metrics and tags */
	bool params_loaded;        /* and params (a second pass) */
	bool runs_include_deleted; /* what the loaded set covers */
	bool seen;
	struct run **run_index;    /* open-addressing hash by run id */
	size_t run_index_cap;
	int64_t runs_cursor;       /* backend's mark for incremental polls */
	/* A server's page token for runs not read yet: the dashboard's load
	 * reads the first page and the rest as the user scrolls
	 * (store_req.first_page, store_ops.more_runs). NULL: all read. */
	char *runs_more;
	/* A backend that keeps the experiment's order (SQLite) holds a
	 * window of it: the runs at positions [runs_first, runs_end) of
	 * runs_total in MLflow's order (start time, newest first), each with
	 * in_window set; paging moves the window (store_req.window) and
	 * drops runs that leave it, so memory follows the screen. A run
	 * read otherwise (a compared or alerted run) is not in it.
	 * runs_total 0: no window, the runs held are the first ones.
	 * A server's window (runs_paged) is its pages in START order, read
	 * in turn: runs_total counts the runs of the pages seen, and there
	 * are more until the last page was read (runs_total_more); it
	 * orders by nothing else. */
	size_t runs_first, runs_end, runs_total;
	bool runs_total_more;
	bool runs_paged;
	/* The order of that window (store_req.order): START newest first
	 * unless the runs view asked for another. A window in another
	 * order leaves runs started since out of it (runs_unsorted counts
	 * them: a reload sorts them in). */
	enum run_order runs_order;
	char *runs_order_key;      /* ORDER_METRIC: the metric; owned */
	bool runs_order_asc;
	size_t runs_unsorted;
	char *runs_search;         /* the MLflow filter the runs held
				    * match (the window's, or all of them
				    * when they fit), or NULL */
	int64_t store_version;     /* backend's mark of the store as it was
				    * when its runs were last read (SQLite:
				    * PRAGMA data_version); 0: unknown */
	bool retired;
};

struct model;

/* --- the model registry ---------------------------------------------- */

struct model_version {
	int version;
	char *stage;               /* "None", "Staging", "Production",
				    * "Archived" as stored */
	char *status;              /* READY, PENDING_REGISTRATION, ... */
	char *description;
	char *source;
	char *run_id;              /* source run, or NULL */
	char *user_id;
	int64_t creation_time, last_updated_time;
	struct kv_list tags;
	bool seen;
};

struct registered_model {
	char *name;
	char *description;
	int64_t creation_time, last_updated_time;
	struct kv_list tags;       /* includes mltop.history.* events */
	struct kv_list aliases;    /* alias -> version, as decimal text */
	bool is_prompt;            /* tagged mlflow.prompt.is_prompt */
	/* Versions, once loaded: newest first; Deleted_Internal left out. */
	struct model_version *versions;
	size_t nversions, capversions;
	bool versions_loaded;
	int latest_version;        /* highest version number known */
	bool seen;
	bool retired;
};

struct registered_model *model_registered(struct model *m, const char *name);
struct registered_model *model_registered_upsert(struct model *m,
						 const char *name);
struct model_version *registered_version(struct registered_model *rm,
					 int version);
struct model_version *registered_version_upsert(struct registered_model *rm,
						int version);
/* Drop versions (or models) whose `seen` flag is false. */
void registered_remove_unseen_versions(struct registered_model *rm);
void model_remove_unseen_registered(struct model *m);
/* The version an alias points at, 0 when the alias is not set. */
int registered_alias(const struct registered_model *rm, const char *alias);

struct model {
	struct experiment **exps;   /* owned, store order */
	size_t nexps, capexps;
	struct experiment **exp_index; /* open-addressing hash by id */
	size_t exp_index_cap;
	bool exps_loaded;
	bool exps_include_deleted;

	uint64_t generation;        /* bumped on every change */
	uint64_t shape_generation;  /* bumped on every change but a new
				     * value of a metric a run already had
				     * (model_touch_values): runs added or
				     * gone, a status, a name, a new key */
	int64_t last_refresh_ms;    /* wall clock of the last good refresh */
	char *error;                /* last store error, owned, or NULL */
	char *notice;               /* schema warnings and the like, owned */
	char *progress;             /* "loading runs 4,000/10,000", owned */
	/* A remote store that stopped answering: since when (wall ms, 0
	 * when fine) and when the next try goes out (wall ms). */
	int64_t stale_since;
	int64_t retry_at;

	struct registered_model **models; /* owned, store order */
	size_t nmodels, capmodels;
	bool models_loaded;
	/* The lifetime rule: runs, experiments and registered models that
	 * leave the model during a session are retired here, not freed, so
	 * a pointer a view took before the change stays valid until the
	 * event loop's safe point: it re-syncs every view from the model,
	 * then calls model_collect. Versions and series are array elements
	 * and are never held across loop passes: views keep their numbers
	 * and keys. */
	struct model_grave *graves; /* owned */
	size_t ngraves, capgraves;
	int pending;                /* requests in flight */
	int background;             /* in flight, but nothing on screen
				     * waits for them (params pass) */
};

struct model_grave;

void model_init(struct model *m);
/* Free what was retired since the last call. Only the event loop calls
 * it, after every view has re-synced (scripting commands never: they
 * exit with the model). */
void model_collect(struct model *m);
size_t model_retired_count(const struct model *m);
/* Retire an experiment (with its runs) or a registered model: it leaves
 * the model's lists now and is freed at the next model_collect. */
void model_retire_experiment(struct model *m, struct experiment *e);
/* Retire the experiments whose `seen` flag is false (after a full load). */
void model_remove_unseen_experiments(struct model *m);
void model_free(struct model *m);
void model_touch(struct model *m);
/* Only latest values of metrics the runs already had changed: views
 * whose rows do not depend on them (order, filter) keep their rows. */
void model_touch_values(struct model *m);
void model_set_error(struct model *m, const char *err);   /* NULL clears */
void model_set_notice(struct model *m, const char *notice);
void model_set_progress(struct model *m, const char *text);

struct experiment *model_experiment(struct model *m, const char *id);
/* Find or create (creating appends, empty). */
struct experiment *model_experiment_upsert(struct model *m, const char *id);
struct experiment *model_experiment_by_name(struct model *m,
					    const char *name);
/* A run by id in any experiment loaded (NULL: not in the model). */
struct run *model_find_run(struct model *m, const char *id);

struct run *experiment_run(struct experiment *e, const char *run_id);
/* A running run with no new point (nor start, nor a running child's
 * point) for more than stall_ms, at now. */
bool run_stalled(const struct run *r, int64_t now, int64_t stall_ms);
/* Set every run's child_activity_ms from its running descendants (up to
 * 16 levels; a parent cycle stops there). */
void experiment_child_activity(struct experiment *e);
struct run *experiment_run_upsert(struct experiment *e, const char *run_id);
/* Retire every run / the runs whose `seen` flag is false (after a full
 * reload): see the lifetime rule at struct model. */
void experiment_clear_runs(struct experiment *e);
/* Free every run now, not at the next collect: for a scan whose runs no
 * view holds. */
void experiment_free_runs(struct experiment *e);
void experiment_remove_unseen(struct experiment *e);
/* Retire the runs for which drop says true. */
void experiment_retire_if(struct experiment *e,
			  bool (*drop)(const struct run *r, void *ud),
			  void *ud);
/* Another experiment's window came (memory follows the screen): the
 * runs this one's window held are retired (runs read another way stay)
 * and its runs read again, from the first page, when it is shown. */
void experiment_release_window(struct experiment *e);
/* The same for a load that read only the newest runs, down to start
 * time floor (MLflow's order): runs started at or before it stay. */
void experiment_remove_unseen_after(struct experiment *e, int64_t floor);
void run_free(struct run *r);

struct series *run_series(struct run *r, const char *key);
struct series *run_series_upsert(struct run *r, const char *key);
/* Append points known to be newer than the series' last point. */
void series_append(struct series *s, const struct point *p, size_t n);
/* Does the series need a history fetch (latest moved past what we hold)? */
bool series_stale(const struct series *s);

/* Set a string field: frees the old value, copies the new (NULL ok).
 * Returns true when the value changed. */
bool set_str(char **field, const char *value);

#endif
