/* views.h: every view by name, opened through one function, so views
 * never call each other's constructors: a handler asks the loop instead. */
#ifndef MLTOP_VIEWS_H
#define MLTOP_VIEWS_H

struct tui;
struct view;

/* Open the view called name ("experiments", "runs", "run", "models",
 * "versions", "compare", "compare-exps"). arg: the experiment id (runs),
 * the run id (run), the model name (versions); arg2: the run's
 * experiment id (run). NULL for an unknown name. */
struct view *view_open(struct tui *t, const char *name, const char *arg,
		       const char *arg2);

/* The constructors; only views.c calls them. */
struct view *view_experiments_new(struct tui *t);
struct view *view_runs_new(struct tui *t, const char *experiment_id);
/* Set the runs view's MLflow search filter (empty: none); -1 with *err
 * (owned) when MLflow would refuse it. */
int view_runs_search(struct view *v, const char *text, char **err);
struct view *view_run_new(struct tui *t, const char *experiment_id,
			  const char *run_id);
/* The model registry: registered models, and one model's versions. */
struct view *view_models_new(struct tui *t);
struct view *view_versions_new(struct tui *t, const char *model);
/* The marked runs (or experiments) side by side, as marked when opened. */
struct view *view_compare_new(struct tui *t);
struct view *view_compare_exps_new(struct tui *t);
/* Pipelines (-p): every pipeline; one pipeline's runs; one run's tasks
 * as a Gantt chart; one task try's log. where: "RUN\x1fTASK\x1fMAP". */
struct view *view_pipelines_new(struct tui *t);
struct view *view_pipe_runs_new(struct tui *t, const char *dag);
struct view *view_pipe_run_new(struct tui *t, const char *dag,
			       const char *run);
struct view *view_task_log_new(struct tui *t, const char *dag,
			       const char *where);
/* A parent MLflow run's children as a pipeline run's Gantt. */
struct view *view_nested_run_new(struct tui *t, const char *exp_id,
				 const char *run_id);
/* The alerts, newest first (alert/engine.c through tui_alerts). */
struct view *view_alerts_new(struct tui *t);

#endif
