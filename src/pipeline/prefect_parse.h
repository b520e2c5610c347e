/* prefect_parse.h: Prefect 3 REST API replies (base /api) into the
 * pipeline model and the backend's own tables (flows, deployments). */
#ifndef MLTOP_PREFECT_PARSE_H
#define MLTOP_PREFECT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline/pipeline.h"

struct pf_flow {
	char *id, *name;
	char *tags;
	char *json;
};

struct pf_deployment {
	char *id, *name, *flow_id;
	bool paused;
	char *schedule;        /* "0 3 * * *", "every 1h", "rrule", +N more */
	char *pool;            /* work pool, or NULL */
	char *tags, *description;
	char *schema;          /* parameter_openapi_schema, compact JSON */
	bool enforce_schema;
	char *json;
};

void pf_flows_free(struct pf_flow *v, size_t n);
void pf_deployments_free(struct pf_deployment *v, size_t n);

/* POST /flows/filter and /deployments/filter: a JSON array. */
int pf_parse_flows(const char *body, size_t len, struct pf_flow **out,
		   size_t *n, char **err);
int pf_parse_deployments(const char *body, size_t len,
			 struct pf_deployment **out, size_t *n, char **err);
/* POST /flow_runs/filter: runs, dag_id set to dag for each. */
int pf_parse_runs(const char *body, size_t len, const char *dag,
		  struct pipe_run **out, size_t *n, char **err);
/* One flow run object (GET /flow_runs/ID, create_flow_run). */
int pf_parse_run(const char *body, size_t len, const char *dag,
		 struct pipe_run *out, char **err);
/* The deployment id of a flow run object ("" when it has none); owned. */
char *pf_run_deployment(const char *json);
/* POST /task_runs/filter. prefix ("" or "sub › ") goes before each
 * task's name. */
int pf_parse_tasks(const char *body, size_t len, const char *prefix,
		   struct pipe_task **out, size_t *n, char **err);
/* Prefect names a task run after its task and three characters of a
 * key ("square-3c1"), so two task runs of a run may share a name, which
 * the views would take for one task's map indexes: every one after the
 * first (in order) gets the start of its id ("square-3c1 (9f0e2a7b)"). */
void pf_unique_names(struct pipe_task *t, size_t n);
/* POST /logs/filter: appended to m->log; *count says how many came. */
int pf_parse_log(const char *body, size_t len, struct pipe_model *m,
		 size_t max_lines, size_t *count, char **err);
/* Prefect's "detail" of an error reply, sanitised, or NULL. */
char *pf_parse_error(const char *body, size_t len);
/* Parameters (a JSON object) against a deployment's parameter schema:
 * NULL when they fit, else why not, in one line (owned). Checks what
 * Prefect checks first: required names, unknown names when the schema
 * forbids them, and the JSON types of the values. */
char *pf_params_check(const char *schema, const char *params);
/* Prefect's state type ("COMPLETED") as a pipe_state. */
enum pipe_state pf_state(const char *type);

#endif
