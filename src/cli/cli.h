/* cli.h: the scripting commands: experiments, runs, metric, compare, and
 * the model registry's models, versions, history, promote and rollback.
 * Each returns the process exit status: 0 ok, 1 usage (or declined),
 * 2 store error, 3 conflict, 4 --if not met, 5 refused by --read-only,
 * 7 an alert (watch --exit-on-alert). */
#ifndef MLTOP_CLI_H
#define MLTOP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* A scripting command is always asked for by its user: its requests are
 * sent even while a failing server is being backed off from. */
#define CLI_REQ ((struct store_req){ .forced = true })

struct cli_opts {
	bool json;
	bool all;               /* include deleted */
	const char *experiment; /* runs: name or id, NULL for all */
	const char *run_id;     /* metric */
	const char *key;        /* metric */
	/* The registry commands. */
	const char *model;      /* MODEL */
	const char *version;    /* promote: VERSION */
	const char *alias;      /* --alias */
	const char *stage;      /* --stage */
	const char *note;       /* --note */
	const char *cond;       /* --if */
	bool archive_existing;  /* --archive-existing */
	bool yes;               /* --yes: do not ask */
	/* compare: the run ids as given (borrowed), --diff */
	const char *const *run_ids;
	size_t nrun_ids;
	bool diff;
	bool names;             /* --names: experiments, models: names only */
	/* runs: MLflow's search_runs filter, order_by clauses (borrowed,
	 * norder_by of them) and max_results (0: every run). */
	const char *filter;
	const char *const *order_by;
	size_t norder_by;
	long max_results;
	/* The pipeline commands. */
	const char *dag;        /* DAG */
	const char *pipe_run;   /* RUN */
	const char *task;       /* logs: TASK */
	const char *const *task_ids;  /* clear: TASK... (borrowed) */
	size_t ntask_ids;
	const char *conf;       /* trigger --conf JSON */
	const char *try_number; /* logs --try N */
	const char *map_index;  /* logs --map-index N */
	bool follow;            /* logs --follow */
	bool only_failed;       /* clear --only-failed */
	bool downstream;        /* clear --downstream */
	/* watch */
	const char *rules_file; /* --rules FILE: more `alert` lines */
	int64_t watch_for_ms;   /* --for DURATION; -1: until stopped */
	bool exit_on_alert;     /* --exit-on-alert: exit 7 at the first */
};

int cli_experiments(struct store *s, const struct cli_opts *o);
int cli_runs(struct store *s, const struct cli_opts *o);
int cli_metric(struct store *s, const struct cli_opts *o);
/* Run ids as a user gives them: whole, or a unique prefix of at least 4
 * hex digits (the dashboard shows 8), as git takes commit ids. Returns
 * the whole ids (owned, n of them; free with cli_free_ids), or NULL after
 * saying why (no such run, or a prefix of several). */
char **cli_resolve_run_ids(struct store *s, const char *const *ids,
			   size_t n);
void cli_free_ids(char **ids, size_t n);
/* Runs side by side: info, params, tags, metric summaries (2 or more). */
int cli_compare(struct store *s, const struct cli_opts *o);
int cli_models(struct store *s, const struct cli_opts *o);
int cli_versions(struct store *s, const struct cli_opts *o);
int cli_history(struct store *s, const struct cli_opts *o);
int cli_promote(struct store *s, const struct cli_opts *o);
int cli_rollback(struct store *s, const struct cli_opts *o);
/* The alert rules, headless: a JSON line an alert; exit 7 with
 * --exit-on-alert at the first one. */
int cli_watch(struct store *s, const struct cli_opts *o);

/* Pipelines: the same exit statuses, 2 for a source that fails. */
struct pipe_source;
int cli_pipelines(struct pipe_source *p, const struct cli_opts *o);
int cli_pipeline_runs(struct pipe_source *p, const struct cli_opts *o);
int cli_tasks(struct pipe_source *p, const struct cli_opts *o);
int cli_logs(struct pipe_source *p, const struct cli_opts *o);
int cli_trigger(struct pipe_source *p, const struct cli_opts *o);
int cli_clear(struct pipe_source *p, const struct cli_opts *o);
int cli_mark(struct pipe_source *p, const struct cli_opts *o);
int cli_pause(struct pipe_source *p, const struct cli_opts *o);
int cli_retry(struct pipe_source *p, const struct cli_opts *o);
int cli_cancel(struct pipe_source *p, const struct cli_opts *o);
int cli_unpause(struct pipe_source *p, const struct cli_opts *o);

#endif
