/* pipeline.h: pipelines (DAGs), their runs and their tasks, whatever
 * orchestrator holds them. One model, one interface (struct pipe_ops);
 * backends: pipe_airflow.c (Airflow 3's REST API v2), pipe_prefect.c
 * (Prefect 3's REST API: a flow and each of its deployments are
 * pipelines, "FLOW" and "FLOW/DEPLOYMENT"; flow runs are runs). A view or a
 * scripting command reads the model and asks the source for more; it
 * never knows which orchestrator answers. */
#ifndef MLTOP_PIPELINE_H
#define MLTOP_PIPELINE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* States of runs and tasks, the union of what orchestrators report,
 * mapped by each backend. PS_NONE: no state yet (a task not scheduled). */
enum pipe_state {
	PS_NONE,
	PS_SCHEDULED,
	PS_QUEUED,
	PS_RUNNING,
	PS_SUCCESS,
	PS_FAILED,
	PS_UP_FOR_RETRY,
	PS_UP_FOR_RESCHEDULE,
	PS_UPSTREAM_FAILED,
	PS_SKIPPED,
	PS_DEFERRED,
	PS_RESTARTING,
	PS_REMOVED,
	PS_CANCELLED,
	PS_OTHER,          /* a word mltop does not know: kept as text */
	PS__COUNT
};

/* "running", "up_for_retry", ... (Airflow's words). */
const char *pipe_state_name(enum pipe_state s);
/* The state a word names (any case); PS_OTHER for an unknown word,
 * PS_NONE for NULL or "". */
enum pipe_state pipe_state_parse(const char *word);
/* Finished: it will not change unless someone acts (clear, retry). */
bool pipe_state_final(enum pipe_state s);

/* The link from an MLflow run to the pipeline task that produced it:
 * run tags a task sets from its AIRFLOW_CTX_* environment (doc/
 * pipelines.md has the three lines); a Prefect task sets the two
 * PIPE_TAG_PREFECT_* tags from prefect.runtime. Each backend names its
 * own in pipe_ops (tag_run, tag_task). */
#define PIPE_TAG_DAG "airflow.dag_id"
#define PIPE_TAG_RUN "airflow.run_id"
#define PIPE_TAG_TASK "airflow.task_id"
#define PIPE_TAG_TRY "airflow.try_number"
#define PIPE_TAG_PREFECT_RUN "prefect.flow_run_id"
#define PIPE_TAG_PREFECT_TASK "prefect.task_run_id"

#define PIPE_RECENT 8  /* run states kept a pipeline, newest first */

struct pipe_dag {
	char *id;
	char *display;         /* display name, or NULL */
	char *schedule;        /* "@daily", "None", ... or NULL */
	char *owners;          /* comma separated, or NULL */
	char *tags;            /* comma separated, or NULL */
	char *description;
	char *backend_id;      /* the orchestrator's own id when it is not
				* id (a Prefect deployment's UUID), or NULL */
	bool paused;
	bool import_errors;
	int64_t next_run_ms;   /* 0: none */
	enum pipe_state recent[PIPE_RECENT]; /* newest first */
	char *recent_ids[PIPE_RECENT];       /* their run ids, owned */
	int nrecent;
	char *json;            /* the server's object, compact, \u-escaped
				* (--json prints it as it came) */
};

struct pipe_run {
	char *dag_id;
	char *run_id;
	char *name;            /* a name other than run_id (Prefect's
				* "crafty-fox"), or NULL */
	char *run_type;        /* "manual", "scheduled", "backfill", ... */
	char *state_text;      /* as the orchestrator said it */
	enum pipe_state state;
	int64_t queued_ms, start_ms, end_ms, logical_ms; /* 0: none */
	char *conf;            /* compact JSON, or NULL */
	char *triggered_by;
	char *note;
	char *json;
};

struct pipe_task {
	char *task_id;
	char *uid;             /* the orchestrator's id of this task run
				* when task_id does not name it (Prefect's
				* UUID), or NULL */
	int map_index;         /* -1: not mapped */
	int try_number;
	int max_tries;
	char *state_text;
	enum pipe_state state;
	int64_t queued_ms, start_ms, end_ms;  /* 0: none */
	double duration_s;     /* < 0: unknown */
	char *operator_name;
	char *hostname;
	char *json;
};

/* A pipeline file the orchestrator could not load. */
struct pipe_import_error {
	char *filename;
	char *message;         /* the stack trace's last line */
	char *trace;           /* all of it */
	int64_t time_ms;
};

/* One task of a pipeline's definition, for dependency order. */
struct pipe_task_def {
	char *task_id;
	char **downstream;
	size_t ndownstream;
};

struct pipe_log_line {
	int64_t time_ms;       /* 0: none */
	char *level;           /* "info", ... or NULL */
	char *text;            /* as sent: sanitise before drawing */
};

/* Everything read so far. Arrays are replaced whole by each listing. */
struct pipe_model {
	struct pipe_dag *dags;
	size_t ndags;
	long dags_total;       /* the server's total_entries */
	struct pipe_import_error *import_errors; /* with every DAG listing */
	size_t nimport_errors;
	struct pipe_run *runs; /* of runs_dag */
	size_t nruns;
	long runs_total;
	char *runs_dag;
	struct pipe_task *tasks;      /* of tasks_dag / tasks_run */
	size_t ntasks;
	char *tasks_dag, *tasks_run;
	struct pipe_task_def *defs;   /* of defs_dag */
	size_t ndefs;
	char *defs_dag;
	struct pipe_log_line *log;    /* of one task try, appended */
	size_t nlog, caplog;
	char *log_token;              /* continuation, NULL: none */
	char *log_key;                /* whose log it is (a view's key) */
	bool log_done;                /* the try has finished writing */
	char *error;           /* the last failure, or NULL */
	int pending;           /* requests not finished */
	uint64_t gen;          /* moves whenever anything above changes */
	bool dags_loaded;
	/* For the status line: when a reply last came back good and when
	 * the last failure was (wall ms); while the orchestrator is away
	 * (no reply, 5xx, 429) the data stays, marked stale since
	 * stale_since, and polls wait until retry_at. */
	int64_t last_ok_ms, error_ms, stale_since, retry_at;
	/* DAGs whose strip a poll found out of date (a run its strip does
	 * not show, or one whose state moved); "*" when too many changed to
	 * list. The pipelines view takes them (pipe_take_changed). */
	char **changed;
	size_t nchanged, capchanged;
	int backoff_s;
	char progress[96];     /* "loading pipelines 200 of 950…" or "" */
};

/* Polls wait while the source backs off from a failing orchestrator; a
 * refresh the user asks for (r) goes anyway. */
bool pipe_backing_off(const struct pipe_model *m, int64_t now_ms);

void pipe_model_init(struct pipe_model *m);
void pipe_model_free(struct pipe_model *m);
void pipe_model_set_error(struct pipe_model *m, const char *msg);
/* Add a DAG id to m->changed, once. */
void pipe_mark_changed(struct pipe_model *m, const char *dag);
/* Hand m->changed over (caller frees each and the array). */
char **pipe_take_changed(struct pipe_model *m, size_t *n);
void pipe_dags_free(struct pipe_dag *v, size_t n);
void pipe_runs_free(struct pipe_run *v, size_t n);
void pipe_tasks_free(struct pipe_task *v, size_t n);
void pipe_defs_free(struct pipe_task_def *v, size_t n);
void pipe_import_errors_free(struct pipe_import_error *v, size_t n);
void pipe_log_clear(struct pipe_model *m);
struct pipe_dag *pipe_find_dag(struct pipe_model *m, const char *id);
/* The run of m->runs that ref names, by its id or by its name (Prefect's
 * "crafty-fox"), or NULL. */
struct pipe_run *pipe_find_run(struct pipe_model *m, const char *ref);
/* The definitions' order: each task after every task upstream of it,
 * ties by id. Fills order[] with indexes into m->defs; returns how many
 * (all, even with a cycle: the rest in id order). */
size_t pipe_defs_order(const struct pipe_model *m, size_t *order);

struct pipe_source;
typedef void (*pipe_done_fn)(struct pipe_source *p, bool ok, void *ud);

/* A write: what it does, for the confirmation and the audit log. */
enum pipe_write_kind {
	PW_TRIGGER,    /* a new run of dag, with conf (JSON or NULL) */
	PW_CLEAR,      /* tasks (or all) of a run; dry_run lists them */
	PW_PAUSE,
	PW_UNPAUSE,
	PW_MARK,       /* a task instance set to new_state */
	PW_RETRY,      /* a finished run of run_id runs again (Prefect) */
	PW_CANCEL,     /* a run still going is stopped (Airflow: failed) */
};

struct pipe_write {
	enum pipe_write_kind kind;
	const char *dag_id;
	const char *run_id;      /* PW_CLEAR */
	const char *const *task_ids; /* PW_CLEAR: NULL = every task */
	size_t ntask_ids;
	bool only_failed, downstream, dry_run;
	const char *conf;        /* PW_TRIGGER: a JSON object, or NULL */
	const char *new_state;   /* PW_MARK: "success" or "failed" */
	int map_index;           /* PW_MARK: -1 for a task not mapped */
};

/* What a write touched or would touch (a clear's task instances, a
 * trigger's new run id): strings owned by the caller after the call. */
struct pipe_write_result {
	char **items;
	size_t nitems;
	char *run_id;            /* PW_TRIGGER */
};
void pipe_write_result_free(struct pipe_write_result *r);
/* "trigger", "clear", "pause", "unpause", "mark", "retry", "cancel". */
const char *pipe_write_name(enum pipe_write_kind k);
/* The audit log's event for a write, as compact JSON (owned):
 * {"v":1,"time":...,"who":...,"action":"clear","dag_id":...,...}. */
char *pipe_write_event(const struct pipe_write *w, const char *who,
		       int64_t now_ms);

/* A run's conf as a user gave it: NULL when it is a JSON object (what
 * Airflow takes), else why not (owned). */
char *pipe_conf_check(const char *conf);

struct pipe_ops {
	const char *name;        /* "airflow", "prefect" */
	const char *pipeline_title; /* "DAG", "FLOW/DEPLOYMENT": column */
	const char *owners_title; /* the pipelines view's OWNERS column */
	bool run_log;            /* a run has a log of its own (load_log
				  * with task ""), not only its tasks */
	bool bare_lists;         /* --json prints a list as a bare array
				  * (Prefect's shape), not {"KEY":[...],
				  * "total_entries":N} (Airflow's) */
	const char *retry_means; /* what a retry (PW_RETRY) does, in words */
	const char *tag_run;     /* the MLflow tags that link a run to this */
	const char *tag_task;    /* orchestrator's run and task */
	/* Why the orchestrator cannot do this write, in one line (owned),
	 * or NULL when it can: asked before the plan is shown. NULL op: it
	 * can do them all. */
	char *(*refuse)(struct pipe_source *p, const struct pipe_write *w);
	int (*open)(struct pipe_source *p, char **err);
	void (*close)(struct pipe_source *p);
	int (*pollfds)(struct pipe_source *p, struct pollfd *fds, int max,
		       int *timeout_ms);
	void (*dispatch)(struct pipe_source *p, struct pollfd *fds, int n);
	void (*load_dags)(struct pipe_source *p, pipe_done_fn done, void *ud);
	void (*load_runs)(struct pipe_source *p, const char *dag, int limit,
			  pipe_done_fn done, void *ud);
	void (*load_tasks)(struct pipe_source *p, const char *dag,
			   const char *run, pipe_done_fn done, void *ud);
	void (*load_defs)(struct pipe_source *p, const char *dag,
			  pipe_done_fn done, void *ud);
	/* The states of the DAG's newest PIPE_RECENT runs, into its
	 * pipe_dag's recent[] (when the DAG is still listed). */
	void (*load_recent)(struct pipe_source *p, const char *dag,
			    pipe_done_fn done, void *ud);
	/* The runs of any DAG updated since since_ms (wall clock): each one
	 * a strip does not show as it is now marks its DAG changed (one
	 * request, whatever the number of DAGs). */
	void (*load_changed)(struct pipe_source *p, int64_t since_ms,
			     pipe_done_fn done, void *ud);
	/* Appends to m->log from m->log_token (NULL: from the start). */
	void (*load_log)(struct pipe_source *p, const char *dag,
			 const char *run, const char *task, int map_index,
			 int try_number, pipe_done_fn done, void *ud);
	void (*write)(struct pipe_source *p, const struct pipe_write *w,
		      struct pipe_write_result *res, pipe_done_fn done,
		      void *ud);
	/* Traffic so far, "http: N requests, M bytes". */
	int (*stats)(struct pipe_source *p, char *buf, size_t n);
};

struct pipe_source {
	const struct pipe_ops *ops;
	char *url;               /* the API's base, secrets included */
	char *display;           /* the same without secrets, for messages */
	struct pipe_model *model;
	bool read_only;
	int64_t deadline_ms;     /* pipe_wait gives up then (0: never) */
	double deadline_s;
	void *impl;
};

/* Open what URI names ("airflow+http://host:8080/base", or https).
 * NULL with *err (owned) when it cannot. */
struct pipe_source *pipe_open(const char *uri, struct pipe_model *m,
			      char **err);
void pipe_close(struct pipe_source *p);
/* A path segment or query value, %-escaped (owned). */
char *pipe_url_escape(const char *s);
/* The host of a URL, for ~/.netrc (owned), or NULL. */
char *pipe_url_host(const char *url);
/* Run the loop until nothing is pending (scripting commands). */
void pipe_wait(struct pipe_source *p);

#endif
