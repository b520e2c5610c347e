/* views.c: the table of views by name; view_open is the one way in.
 * A view file knows its own constructor and nothing of the others. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "ui/tui.h"
#include "ui/views.h"

static struct view *open_experiments(struct tui *t, const char *a,
				     const char *b)
{
	(void)a;
	(void)b;
	return view_experiments_new(t);
}

static struct view *open_runs(struct tui *t, const char *a, const char *b)
{
	(void)b;
	return a ? view_runs_new(t, a) : NULL;
}

static struct view *open_run(struct tui *t, const char *a, const char *b)
{
	return a && b ? view_run_new(t, b, a) : NULL;
}

static struct view *open_models(struct tui *t, const char *a, const char *b)
{
	(void)a;
	(void)b;
	return view_models_new(t);
}

static struct view *open_versions(struct tui *t, const char *a, const char *b)
{
	(void)b;
	return a ? view_versions_new(t, a) : NULL;
}

static struct view *open_compare(struct tui *t, const char *a, const char *b)
{
	(void)a;
	(void)b;
	return view_compare_new(t);
}

static struct view *open_compare_exps(struct tui *t, const char *a,
				      const char *b)
{
	(void)a;
	(void)b;
	return view_compare_exps_new(t);
}

static struct view *open_pipelines(struct tui *t, const char *a,
				   const char *b)
{
	(void)a;
	(void)b;
	return view_pipelines_new(t);
}

static struct view *open_pipe_runs(struct tui *t, const char *a,
				   const char *b)
{
	(void)b;
	return view_pipe_runs_new(t, a);
}

static struct view *open_pipe_run(struct tui *t, const char *a,
				  const char *b)
{
	return view_pipe_run_new(t, a, b);
}

static struct view *open_task_log(struct tui *t, const char *a,
				  const char *b)
{
	return view_task_log_new(t, a, b);
}

static struct view *open_nested_run(struct tui *t, const char *a,
				    const char *b)
{
	return view_nested_run_new(t, a, b);
}

static struct view *open_alerts(struct tui *t, const char *a, const char *b)
{
	(void)a;
	(void)b;
	return view_alerts_new(t);
}

static const struct view_entry {
	const char *name;
	struct view *(*open)(struct tui *t, const char *arg, const char *arg2);
} view_table[] = {
	{"experiments", open_experiments},
	{"runs", open_runs},
	{"run", open_run},
	{"models", open_models},
	{"versions", open_versions},
	{"compare", open_compare},
	{"compare-exps", open_compare_exps},
	{"pipelines", open_pipelines},
	{"pipeline-runs", open_pipe_runs},
	{"pipeline-run", open_pipe_run},
	{"task-log", open_task_log},
	{"nested-run", open_nested_run},
	{"alerts", open_alerts},
};

struct view *view_open(struct tui *t, const char *name, const char *arg,
		       const char *arg2)
{
	for (size_t i = 0; i < sizeof(view_table) / sizeof(view_table[0]); i++)
		if (!strcmp(view_table[i].name, name))
			return view_table[i].open(t, arg, arg2);
	return NULL;
}
