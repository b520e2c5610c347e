/* airflow_parse.h: Airflow 3 REST API v2 replies into the pipeline
 * model. Pure (jansson only, no I/O); fuzzed by fuzz/fuzz_airflow_parse.c.
 * Each returns 0, or -1 with *err (owned, text safe to print) when the
 * reply is not what Airflow sends; fields that are missing or null are
 * left empty, never guessed. */
#ifndef MLTOP_AIRFLOW_PARSE_H
#define MLTOP_AIRFLOW_PARSE_H

#include <stddef.h>

#include "pipeline/pipeline.h"

/* GET /dags: {"dags":[...],"total_entries":N} */
int af_parse_dags(const char *body, size_t len, struct pipe_dag **out,
		  size_t *n, long *total, char **err);
/* GET /dags/{id}/dagRuns: {"dag_runs":[...],"total_entries":N} (and
 * a trigger's reply: one run object). */
int af_parse_runs(const char *body, size_t len, struct pipe_run **out,
		  size_t *n, long *total, char **err);
int af_parse_run(const char *body, size_t len, struct pipe_run *out,
		 char **err);
/* GET .../taskInstances and a clear's reply:
 * {"task_instances":[...],"total_entries":N} */
int af_parse_tasks(const char *body, size_t len, struct pipe_task **out,
		   size_t *n, long *total, char **err);
/* GET /dags/{id}/tasks: {"tasks":[{"task_id","downstream_task_ids"}]} */
int af_parse_defs(const char *body, size_t len, struct pipe_task_def **out,
		  size_t *n, char **err);
/* GET .../logs/{try}: {"content":[{"timestamp","event","level"}] or a
 * string, "continuation_token"}; lines appended to m->log, the token
 * replaces m->log_token. At most max_lines are kept in all (the oldest
 * dropped). */
int af_parse_log(const char *body, size_t len, struct pipe_model *m,
		 size_t max_lines, char **err);
/* GET /importErrors: {"import_errors":[{"filename","stack_trace",
 * "timestamp"}],"total_entries":N} */
int af_parse_import_errors(const char *body, size_t len,
			   struct pipe_import_error **out, size_t *n,
			   char **err);
/* POST /auth/token: {"access_token":"..."} */
int af_parse_token(const char *body, size_t len, char **token, char **err);
/* An error reply's words: {"detail":"..."} or {"detail":[{"msg"}]} or
 * {"title","detail"}; NULL when there are none. Sanitised. */
char *af_parse_error(const char *body, size_t len);

#endif
