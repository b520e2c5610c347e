/* demo.h: the embedded demo behind mltop --demo.
 * A fresh store with MLflow's exact schema, seeded data and a live trainer. */
#ifndef MLTOP_DEMO_H
#define MLTOP_DEMO_H

#include <stdint.h>
#include <sys/types.h>

/* SQLite's application_id of a store demo_create made ("mltp"): MLflow
 * leaves the field alone, and the trainer writes only where it is set. */
#define DEMO_APPLICATION_ID 0x6d6c7470

/* Create a fresh demo store at path (the file must not exist). Times are
 * laid out relative to now_ms. Returns 0, or -1 with *err (caller frees). */
int demo_create(const char *path, int64_t now_ms, char **err);
/* The simulated trainer: appends one point of every metric to each RUNNING
 * run of a demo store (one demo_create made; any other store is refused
 * before anything is written) every interval_ms, for max_ticks ticks (0 = for
 * ever), stopping early when the parent process is gone (getppid() changes).
 * Returns 0, or -1 with *err. Runs in the caller's process. */
int demo_trainer_run(const char *path, int interval_ms, int max_ticks,
		     char **err);
/* Fork a child that runs demo_trainer_run(path, 1000, 0) with
 * prctl(PR_SET_PDEATHSIG, SIGTERM) so it stops with mltop; its stdout/stderr
 * go to /dev/null. Returns the pid, or -1 with *err.
 * Call it before this process opens path: SQLite's lock bookkeeping must
 * not be carried across fork() for a file the child then opens. */
pid_t demo_trainer_start(const char *path, char **err);
void demo_trainer_stop(pid_t pid);   /* SIGTERM + waitpid */

/* Internal to src/demo: shared by demo.c and trainer.c. */

/* The demo's pipeline made of nested runs: a parent run tagged with its
 * stages, "name:seconds,...", run one after the other as child runs. The
 * trainer finishes a stage when its seconds are up and starts the next;
 * after the last, the parent finishes. */
#define DEMO_PIPELINE_TAG "mltop.demo.pipeline"
#define DEMO_PIPELINE_STAGES "prep:115,train:300,evaluate:45,register:15"

/* MLflow's schema, generated from src/demo/mlflow_schema.sql. */
extern const char demo_schema_sql[];

/* Value of a live run's metric key at step, given the metric's first point
 * (at step first_step). The seeder writes the live runs' existing points
 * with it and the trainer continues them, so the curves join seamlessly.
 * Deterministic in (run_id, key, step). */
double demo_live_value(const char *run_id, const char *key, double first,
		       int64_t first_step, int64_t step);

#endif
