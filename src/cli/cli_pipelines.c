/* cli_pipelines.c: the pipeline scripting commands: pipelines,
 * pipeline-runs, tasks, logs, and the writes trigger, clear, pause and
 * unpause. --json prints the orchestrator's own REST shapes (Airflow's
 * {"dags":[...],"total_entries":N}, ...), each object as the server sent
 * it, with every non-ASCII character \u-escaped. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>

#include "cli/ask.h"
#include "cli/cli.h"
#include "cli/table.h"
#include "core/clock.h"
#include "core/format.h"
#include "core/jsonw.h"
#include "core/msg.h"
#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"
#include "registry/history.h"

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_STORE = 2,
	EXIT_READ_ONLY = 5,
};

static int wait_ok(struct pipe_source *p)
{
	pipe_wait(p);
	if (p->model->error) {
		msg_err("%s: %s", p->display, p->model->error);
		return -1;
	}
	return 0;
}

static void fmt_time(int64_t t, char *buf, size_t n)
{
	if (t > 0)
		format_time(t, buf, n);
	else
		snprintf(buf, n, "-");
}

static void fmt_span(int64_t a, int64_t b, char *buf, size_t n)
{
	if (a > 0 && b >= a)
		format_duration(b - a, buf, n);
	else if (a > 0 && b <= 0)
		format_duration(clock_now_ms() - a, buf, n);
	else
		snprintf(buf, n, "-");
}

/* {"KEY":[raw,raw,...],"total_entries":N} (Airflow's shape), or
 * [raw,raw,...] from a source whose lists come bare (Prefect's). */
static void print_raw_list(const struct pipe_source *p, const char *key,
			   char *const *raws, size_t n, long total)
{
	if (!p->ops->bare_lists)
		printf("{\"%s\":", key);
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? "," : "", raws[i] ? raws[i] : "null");
	if (!p->ops->bare_lists)
		printf("],\"total_entries\":%ld}\n", total);
	else
		puts("]");
}

static int done_output(void)
{
	return fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_STORE;
}

/* --- reading ------------------------------------------------------------- */

int cli_pipelines(struct pipe_source *p, const struct cli_opts *o)
{
	struct pipe_model *m = p->model;

	p->ops->load_dags(p, NULL, NULL);
	if (wait_ok(p) != 0)
		return EXIT_STORE;
	if (o->json) {
		char **raws = xcalloc(m->ndags + 1, sizeof(*raws));

		for (size_t i = 0; i < m->ndags; i++)
			raws[i] = m->dags[i].json;
		print_raw_list(p, "dags", raws, m->ndags, m->dags_total);
		free(raws);
		return done_output();
	}
	{
		const char *const heads[] = {
			p->ops->pipeline_title, "PAUSED", "SCHEDULE",
			p->ops->owners_title, "TAGS", "NEXT RUN", "IMPORT"};
		struct text_table t = {.ncols = 7, .heads = heads};

		for (size_t i = 0; i < m->ndags; i++) {
			const struct pipe_dag *d = &m->dags[i];
			char next[40];
			const char *row[7];

			fmt_time(d->next_run_ms, next, sizeof(next));
			row[0] = d->id;
			row[1] = d->paused ? "paused" : "active";
			row[2] = d->schedule;
			row[3] = d->owners;
			row[4] = d->tags;
			row[5] = next;
			row[6] = d->import_errors ? "ERRORS" : "ok";
			text_table_add(&t, row);
		}
		if (m->ndags)
			text_table_print(&t, stdout);
		else
			puts("no pipelines");
	}
	if (m->nimport_errors) {
		printf("\n%zu file%s with import errors:\n", m->nimport_errors,
		       m->nimport_errors == 1 ? "" : "s");
		for (size_t i = 0; i < m->nimport_errors; i++) {
			char *f = sanitize_text(m->import_errors[i].filename);
			char *e = sanitize_text(m->import_errors[i].message);

			printf("  %s: %s\n", f, e);
			free(f);
			free(e);
		}
	}
	return done_output();
}

int cli_pipeline_runs(struct pipe_source *p, const struct cli_opts *o)
{
	struct pipe_model *m = p->model;

	p->ops->load_runs(p, o->dag, 0, NULL, NULL);
	if (wait_ok(p) != 0)
		return EXIT_STORE;
	if (o->json) {
		char **raws = xcalloc(m->nruns + 1, sizeof(*raws));

		for (size_t i = 0; i < m->nruns; i++)
			raws[i] = m->runs[i].json;
		print_raw_list(p, "dag_runs", raws, m->nruns, m->runs_total);
		free(raws);
		return done_output();
	}
	{
		static const char *const heads[] = {
			"RUN", "STATE", "TYPE", "START", "DURATION", "CONF"};
		struct text_table t = {.ncols = 6, .heads = heads};

		for (size_t i = 0; i < m->nruns; i++) {
			const struct pipe_run *r = &m->runs[i];
			char start[40], dur[32];
			const char *row[6];

			fmt_time(r->start_ms, start, sizeof(start));
			fmt_span(r->start_ms, r->end_ms, dur, sizeof(dur));
			row[0] = r->run_id;
			row[1] = r->state_text;
			row[2] = r->run_type;
			row[3] = start;
			row[4] = dur;
			row[5] = r->conf && strcmp(r->conf, "{}") ? r->conf
								  : NULL;
			text_table_add(&t, row);
		}
		if (m->nruns)
			text_table_print(&t, stdout);
		else
			puts("no runs");
	}
	return done_output();
}

/* Tasks in dependency order (the DAG's definition), map indexes in
 * order within a task. */
static size_t *task_order(const struct pipe_model *m)
{
	size_t *def_order = xcalloc(m->ndefs + 1, sizeof(size_t));
	size_t *out = xcalloc(m->ntasks + 1, sizeof(size_t)), k = 0;
	bool *used = xcalloc(m->ntasks + 1, sizeof(bool));
	size_t nd = pipe_defs_order(m, def_order);

	for (size_t d = 0; d < nd; d++) {
		const char *id = m->defs[def_order[d]].task_id;
		size_t first = k;

		for (size_t i = 0; i < m->ntasks; i++)
			if (!used[i] && strcmp(m->tasks[i].task_id, id) == 0) {
				used[i] = true;
				out[k++] = i;
			}
		/* Map indexes ascending (insertion: few per task). */
		for (size_t i = first + 1; i < k; i++)
			for (size_t j = i; j > first &&
			     m->tasks[out[j - 1]].map_index >
			     m->tasks[out[j]].map_index; j--) {
				size_t t = out[j];

				out[j] = out[j - 1];
				out[j - 1] = t;
			}
	}
	for (size_t i = 0; i < m->ntasks; i++)
		if (!used[i])
			out[k++] = i;
	free(def_order);
	free(used);
	return out;
}

/* The run RUN names among the pipeline's recent runs, by its id or by
 * its name (Prefect's "crafty-fox"): its id (owned), or RUN itself when
 * no recent run has it (an older run goes by its id); NULL when the
 * runs could not be read. *listed says whether it was among them. */
static char *run_ref(struct pipe_source *p, const char *dag, const char *run,
		     bool *listed)
{
	const struct pipe_run *r;

	p->ops->load_runs(p, dag, 0, NULL, NULL);
	if (wait_ok(p) != 0)
		return NULL;
	r = pipe_find_run(p->model, run);
	*listed = r != NULL;
	return xstrdup(r ? r->run_id : run);
}

static void no_run(const struct pipe_source *p, const char *dag,
		   const char *run)
{
	char *d = sanitize_text(dag), *r = sanitize_text(run);

	msg_err("%s: no run %s of %s", p->display, r, d);
	free(d);
	free(r);
}

int cli_tasks(struct pipe_source *p, const struct cli_opts *o)
{
	struct pipe_model *m = p->model;
	size_t *order;
	bool listed;
	char *run = run_ref(p, o->dag, o->pipe_run, &listed);

	if (!run)
		return EXIT_STORE;
	p->ops->load_defs(p, o->dag, NULL, NULL);
	p->ops->load_tasks(p, o->dag, run, NULL, NULL);
	free(run);
	if (wait_ok(p) != 0)
		return EXIT_STORE;
	/* No tasks and no such run among the recent ones: most likely no
	 * such run at all (a backend whose API does not say so). */
	if (!m->ntasks && !listed) {
		no_run(p, o->dag, o->pipe_run);
		return EXIT_STORE;
	}
	order = task_order(m);
	if (o->json) {
		char **raws = xcalloc(m->ntasks + 1, sizeof(*raws));

		for (size_t i = 0; i < m->ntasks; i++)
			raws[i] = m->tasks[order[i]].json;
		print_raw_list(p, "task_instances", raws, m->ntasks,
			       (long)m->ntasks);
		free(raws);
		free(order);
		return done_output();
	}
	{
		static const char *const heads[] = {
			"TASK", "MAP", "STATE", "TRY", "START", "DURATION",
			"OPERATOR"};
		struct text_table t = {.ncols = 7, .heads = heads};

		for (size_t i = 0; i < m->ntasks; i++) {
			const struct pipe_task *k = &m->tasks[order[i]];
			char mi[16] = "", tr[16], start[40], dur[32];
			const char *row[7];

			if (k->map_index >= 0)
				snprintf(mi, sizeof(mi), "%d", k->map_index);
			snprintf(tr, sizeof(tr), "%d", k->try_number);
			fmt_time(k->start_ms, start, sizeof(start));
			fmt_span(k->start_ms, k->end_ms, dur, sizeof(dur));
			row[0] = k->task_id;
			row[1] = mi;
			row[2] = k->state_text;
			row[3] = tr;
			row[4] = start;
			row[5] = dur;
			row[6] = k->operator_name;
			text_table_add(&t, row);
		}
		if (m->ntasks)
			text_table_print(&t, stdout);
		else
			puts("no task instances");
	}
	free(order);
	return done_output();
}

static void print_log_lines(struct pipe_model *m, size_t from, bool json,
			    struct jsonw *w)
{
	for (size_t i = from; i < m->nlog; i++) {
		const struct pipe_log_line *l = &m->log[i];

		if (json) {
			char ts[40];

			jsonw_obj_begin(w);
			jsonw_key(w, "timestamp");
			if (l->time_ms) {
				format_time_iso(l->time_ms, ts, sizeof(ts));
				jsonw_str(w, ts);
			} else {
				jsonw_null(w);
			}
			jsonw_kstr(w, "level", l->level);
			jsonw_kstr(w, "event", l->text);
			jsonw_obj_end(w);
		} else {
			char *t = sanitize_text(l->text);

			if (l->level)
				printf("[%s] %s\n", l->level, t);
			else
				printf("%s\n", t);
			free(t);
		}
	}
}

/* The task's newest try, from its instance. */
static int task_try(struct pipe_source *p, const struct cli_opts *o,
		    int map_index)
{
	struct pipe_model *m = p->model;

	p->ops->load_tasks(p, o->dag, o->pipe_run, NULL, NULL);
	if (wait_ok(p) != 0)
		return -1;
	for (size_t i = 0; i < m->ntasks; i++)
		if (strcmp(m->tasks[i].task_id, o->task) == 0 &&
		    m->tasks[i].map_index == map_index)
			return m->tasks[i].try_number > 0
				       ? m->tasks[i].try_number : 1;
	{
		char *t = sanitize_text(o->task), *r = sanitize_text(
			o->pipe_run);

		msg_err("%s: no task %s%s in run %s", p->display, t,
			map_index >= 0 ? " (at that map index)" : "", r);
		free(t);
		free(r);
	}
	return 0;
}

static enum pipe_state task_state(struct pipe_source *p,
				  const struct cli_opts *o, int map_index)
{
	struct pipe_model *m = p->model;

	if (!o->task) {  /* the run's own log: the run's state */
		const struct pipe_run *r;

		p->ops->load_runs(p, o->dag, 0, NULL, NULL);
		pipe_wait(p);
		r = pipe_find_run(m, o->pipe_run);
		return r ? r->state : PS_NONE;
	}

	p->ops->load_tasks(p, o->dag, o->pipe_run, NULL, NULL);
	pipe_wait(p);
	for (size_t i = 0; i < m->ntasks; i++)
		if (strcmp(m->tasks[i].task_id, o->task) == 0 &&
		    m->tasks[i].map_index == map_index)
			return m->tasks[i].state;
	return PS_NONE;
}

/* logs, with RUN as run_ref finds it. */
static int logs_of(struct pipe_source *p, const struct cli_opts *o);

int cli_logs(struct pipe_source *p, const struct cli_opts *o)
{
	struct cli_opts ro = *o;
	bool listed;
	char *run = run_ref(p, o->dag, o->pipe_run, &listed);
	int rc;

	if (!run)
		return EXIT_STORE;
	if (!o->task && !p->ops->run_log) {
		msg_err("%s keeps logs by task: name one (mltop tasks %s %s "
			"lists them)", p->ops->name, o->dag, run);
		free(run);
		return EXIT_USAGE;
	}
	if (!o->task && !listed) {
		no_run(p, o->dag, o->pipe_run);
		free(run);
		return EXIT_STORE;
	}
	ro.pipe_run = run;
	rc = logs_of(p, &ro);
	free(run);
	return rc;
}

static int logs_of(struct pipe_source *p, const struct cli_opts *o)
{
	struct pipe_model *m = p->model;
	int map_index = o->map_index ? atoi(o->map_index) : -1;
	int try_number = o->try_number ? atoi(o->try_number) : 0;
	struct jsonw w;
	size_t shown = 0;
	int pages = 0;

	if (o->try_number && try_number < 1) {
		msg_err("--try: a try number is 1 or more, not '%s'",
			o->try_number);
		return EXIT_USAGE;
	}
	if (!o->task)
		try_number = 1;  /* a run's own log has no tries */
	if (!try_number) {
		try_number = task_try(p, o, map_index);
		if (try_number < 0)
			return EXIT_STORE;
		if (try_number == 0)
			return EXIT_STORE;
	}
	if (o->json) {
		jsonw_init(&w, stdout);
		jsonw_obj_begin(&w);
		jsonw_key(&w, "content");
		jsonw_arr_begin(&w);
	}
	for (;;) {
		size_t before = m->nlog;

		p->ops->load_log(p, o->dag, o->pipe_run, o->task, map_index,
				 try_number, NULL, NULL);
		if (wait_ok(p) != 0)
			return EXIT_STORE;
		print_log_lines(m, shown, o->json, &w);
		shown = m->nlog;
		fflush(stdout);
		pages++;
		if (m->log_token && m->nlog > before && pages < 100000)
			continue;  /* more of what is written already */
		if (!o->follow)
			break;
		/* Following: until the task instance has finished. */
		if (pipe_state_final(task_state(p, o, map_index))) {
			p->ops->load_log(p, o->dag, o->pipe_run, o->task,
					 map_index, try_number, NULL, NULL);
			if (wait_ok(p) != 0)
				return EXIT_STORE;
			print_log_lines(m, shown, o->json, &w);
			break;
		}
		poll(NULL, 0, 1000);  /* a second between reads */
	}
	if (o->json) {
		jsonw_arr_end(&w);
		jsonw_kstr(&w, "continuation_token", NULL);
		jsonw_obj_end(&w);
		fputc('\n', stdout);
	}
	return done_output();
}

/* --- writes -------------------------------------------------------------- */

struct wplan {
	const struct pipe_write *w;
	char **lines;
	size_t nlines;
	char *summary;
};

static void wplan_line(struct wplan *pl, char *line)
{
	pl->lines = xreallocarray(pl->lines, pl->nlines + 1,
				  sizeof(*pl->lines));
	pl->lines[pl->nlines++] = line;
}

static void wplan_free(struct wplan *pl)
{
	for (size_t i = 0; i < pl->nlines; i++)
		free(pl->lines[i]);
	free(pl->lines);
	free(pl->summary);
}

static void wplan_print(FILE *f, const void *ctx)
{
	const struct wplan *pl = ctx;
	char *s = sanitize_text(pl->summary);

	fprintf(f, "Plan: %s\n", s);
	free(s);
	for (size_t i = 0; i < pl->nlines; i++) {
		char *l = sanitize_text(pl->lines[i]);

		fprintf(f, "  %s\n", l);
		free(l);
	}
}

static void json_result(const struct wplan *pl, const char *result,
			const char *error, const struct pipe_write_result *r)
{
	struct jsonw w;

	jsonw_init(&w, stdout);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "plan");
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "summary", pl->summary);
	jsonw_key(&w, "changes");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < pl->nlines; i++)
		jsonw_str(&w, pl->lines[i]);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	jsonw_kstr(&w, "result", result);
	if (error)
		jsonw_kstr(&w, "error", error);
	if (r && r->run_id)
		jsonw_kstr(&w, "dag_run_id", r->run_id);
	jsonw_obj_end(&w);
	fputc('\n', stdout);
}

/* Show, ask, record the intent, write, record the outcome. */
static int carry_out(struct pipe_source *p, const struct cli_opts *o,
		     const struct pipe_write *w, struct wplan *pl)
{
	struct pipe_write_result res = {0};
	char *who = history_who(), *ev = pipe_write_event(w, who,
							  clock_now_ms());
	char *err = NULL;
	char *result;
	int rc;

	free(who);
	/* What the orchestrator cannot do is said before anything else. */
	if (p->ops->refuse) {
		char *why = p->ops->refuse(p, w);

		if (why) {
			msg_err("%s: %s", pipe_write_name(w->kind), why);
			if (o->json)
				json_result(pl, "refused", why, NULL);
			free(why);
			free(ev);
			return EXIT_STORE;
		}
	}
	if (!o->json)
		wplan_print(stdout, pl);
	if (p->read_only) {
		if (o->json)
			json_result(pl, "read-only", NULL, NULL);
		else
			puts("read-only: nothing written");
		free(ev);
		return EXIT_READ_ONLY;
	}
	if (!o->yes) {
		fflush(stdout);
		rc = cli_ask(wplan_print, pl);
		if (rc <= 0) {
			if (rc < 0)
				msg_err("refusing to write without --yes (no "
					"terminal to ask)");
			if (o->json)
				json_result(pl, "declined", rc < 0 ?
					    "no terminal to ask" : NULL,
					    NULL);
			else if (rc == 0)
				puts("declined: nothing written");
			free(ev);
			return EXIT_USAGE;
		}
	}
	if (audit_append(p->display, w->dag_id, ev, AUDIT_STARTED, &err) != 0) {
		msg_err("nothing written: the audit log cannot record the "
			"write: %s", err);
		free(err);
		free(ev);
		return EXIT_STORE;
	}
	pipe_model_set_error(p->model, NULL);
	p->ops->write(p, w, &res, NULL, NULL);
	pipe_wait(p);
	result = p->model->error ? xasprintf("failed: %s", p->model->error)
				 : xstrdup("done");
	if (audit_append(p->display, w->dag_id, ev, result, &err) != 0) {
		msg_err("warning: audit log: %s", err);
		free(err);
	}
	free(ev);
	if (p->model->error) {
		msg_err("%s: %s", p->display, p->model->error);
		if (o->json)
			json_result(pl, "failed", p->model->error, NULL);
		free(result);
		pipe_write_result_free(&res);
		return EXIT_STORE;
	}
	free(result);
	if (o->json) {
		json_result(pl, "done", NULL, &res);
	} else {
		char *s = sanitize_text(pl->summary);

		printf("done: %s", s);
		free(s);
		if (res.run_id) {
			char *r = sanitize_text(res.run_id);

			printf(" (run %s)", r);
			free(r);
		}
		putchar('\n');
	}
	pipe_write_result_free(&res);
	return done_output();
}

static char *quoted(const char *s)
{
	char *t = sanitize_text(s), *q = xasprintf("%s", t);

	free(t);
	return q;
}

int cli_trigger(struct pipe_source *p, const struct cli_opts *o)
{
	struct pipe_write w = {.kind = PW_TRIGGER, .dag_id = o->dag,
			       .conf = o->conf};
	struct wplan pl = {.w = &w};
	char *d = quoted(o->dag);
	int rc;

	if (o->conf) {
		char *why = pipe_conf_check(o->conf);

		if (why) {
			msg_err("--conf: %s", why);
			free(why);
			free(d);
			return EXIT_USAGE;
		}
	}
	/* A source that checks a run's conf itself (Prefect: against the
	 * deployment's parameter schema) needs the pipeline read first. */
	if (p->ops->refuse) {
		p->ops->load_dags(p, NULL, NULL);
		if (wait_ok(p) != 0) {
			free(d);
			return EXIT_STORE;
		}
		if (!pipe_find_dag(p->model, o->dag)) {
			msg_err("%s: no pipeline %s", p->display, d);
			free(d);
			return EXIT_STORE;
		}
	}
	pl.summary = xasprintf("trigger a new run of %s", d);
	wplan_line(&pl, xasprintf("a manual run of %s starts now", d));
	wplan_line(&pl, xasprintf("conf: %s", o->conf ? o->conf : "{}"));
	free(d);
	rc = carry_out(p, o, &w, &pl);
	wplan_free(&pl);
	return rc;
}

int cli_clear(struct pipe_source *p, const struct cli_opts *o)
{
	struct pipe_write w = {
		.kind = PW_CLEAR, .dag_id = o->dag, .run_id = o->pipe_run,
		.task_ids = o->task_ids, .ntask_ids = o->ntask_ids,
		.only_failed = o->only_failed, .downstream = o->downstream,
		.dry_run = true};
	struct pipe_write_result dry = {0};
	struct wplan pl = {.w = &w};
	char *d = quoted(o->dag), *r = quoted(o->pipe_run);
	int rc;

	/* What the clear would touch, from the server's own dry run. */
	p->ops->write(p, &w, &dry, NULL, NULL);
	if (wait_ok(p) != 0) {
		free(d);
		free(r);
		pipe_write_result_free(&dry);
		return EXIT_STORE;
	}
	w.dry_run = false;
	pl.summary = xasprintf("clear %zu task instance%s of %s run %s",
			       dry.nitems, dry.nitems == 1 ? "" : "s", d, r);
	for (size_t i = 0; i < dry.nitems; i++)
		wplan_line(&pl, xasprintf("%s: cleared, to run again",
					  dry.items[i]));
	free(d);
	free(r);
	if (!dry.nitems) {
		if (o->json)
			json_result(&pl, "nothing to clear", NULL, NULL);
		else
			puts("nothing to clear: no task instance matches");
		wplan_free(&pl);
		pipe_write_result_free(&dry);
		return done_output();
	}
	pipe_write_result_free(&dry);
	rc = carry_out(p, o, &w, &pl);
	wplan_free(&pl);
	return rc;
}

static int set_paused(struct pipe_source *p, const struct cli_opts *o,
		      bool pause)
{
	struct pipe_write w = {.kind = pause ? PW_PAUSE : PW_UNPAUSE,
			       .dag_id = o->dag};
	struct wplan pl = {.w = &w};
	char *d = quoted(o->dag);
	int rc;

	pl.summary = xasprintf("%s %s", pause ? "pause" : "unpause", d);
	wplan_line(&pl, xasprintf(pause ? "%s: no new runs are scheduled "
				  "(running ones go on)" :
				  "%s: runs are scheduled again", d));
	free(d);
	rc = carry_out(p, o, &w, &pl);
	wplan_free(&pl);
	return rc;
}

int cli_mark(struct pipe_source *p, const struct cli_opts *o)
{
	const char *ids[1] = {o->task};
	const char *state = o->task_ids && o->ntask_ids > 1 ? o->task_ids[1]
							    : NULL;
	struct pipe_write w = {
		.kind = PW_MARK, .dag_id = o->dag, .run_id = o->pipe_run,
		.task_ids = ids, .ntask_ids = 1, .new_state = state,
		.map_index = o->map_index ? atoi(o->map_index) : -1,
		.dry_run = true};
	struct pipe_write_result dry = {0};
	struct wplan pl = {.w = &w};
	char *t = quoted(o->task);
	int rc;

	if (!state || (strcmp(state, "success") && strcmp(state, "failed"))) {
		msg_err("usage: mltop mark DAG RUN TASK success|failed "
			"[--map-index N] [--yes]");
		free(t);
		return EXIT_USAGE;
	}
	p->ops->write(p, &w, &dry, NULL, NULL);
	if (wait_ok(p) != 0) {
		free(t);
		pipe_write_result_free(&dry);
		return EXIT_STORE;
	}
	w.dry_run = false;
	pl.summary = xasprintf("mark %s %s", t, state);
	for (size_t i = 0; i < dry.nitems; i++)
		wplan_line(&pl, xasprintf("%s: set to %s", dry.items[i],
					  state));
	free(t);
	pipe_write_result_free(&dry);
	rc = carry_out(p, o, &w, &pl);
	wplan_free(&pl);
	return rc;
}

int cli_pause(struct pipe_source *p, const struct cli_opts *o)
{
	return set_paused(p, o, true);
}

int cli_unpause(struct pipe_source *p, const struct cli_opts *o)
{
	return set_paused(p, o, false);
}

/* Retry and cancel name one run: it is read first, so that the plan
 * says its state and what the orchestrator refuses is known. */
static int run_write(struct pipe_source *p, const struct cli_opts *o,
		     enum pipe_write_kind kind)
{
	struct pipe_model *m = p->model;
	struct pipe_write w = {.kind = kind, .dag_id = o->dag,
			       .run_id = o->pipe_run};
	struct wplan pl = {.w = &w};
	char *d = quoted(o->dag), *r = quoted(o->pipe_run);
	const struct pipe_run *run = NULL;
	int rc;

	p->ops->load_runs(p, o->dag, 0, NULL, NULL);
	if (wait_ok(p) != 0) {
		free(d);
		free(r);
		return EXIT_STORE;
	}
	run = pipe_find_run(m, o->pipe_run);
	if (!run) {
		msg_err("%s: no run %s of %s", p->display, r, d);
		free(d);
		free(r);
		return EXIT_STORE;
	}
	/* A run named by its name (Prefect's "crafty-fox") goes by its
	 * id from here. */
	w.run_id = run->run_id;
	pl.summary = xasprintf("%s %s run %s", pipe_write_name(kind), d, r);
	wplan_line(&pl, xasprintf("now: %s", run->state_text
				  ? run->state_text
				  : pipe_state_name(run->state)));
	wplan_line(&pl, xstrdup(kind == PW_RETRY ? p->ops->retry_means
				: "the run stops: running tasks are stopped, "
				  "the rest never start"));
	free(d);
	free(r);
	rc = carry_out(p, o, &w, &pl);
	wplan_free(&pl);
	return rc;
}

int cli_retry(struct pipe_source *p, const struct cli_opts *o)
{
	return run_write(p, o, PW_RETRY);
}

int cli_cancel(struct pipe_source *p, const struct cli_opts *o)
{
	return run_write(p, o, PW_CANCEL);
}
