/* cli_compare.c: `mltop compare RUN_ID RUN_ID...`: the runs side by side,
 * as the compare view shows them: info, params, tags and metric summaries. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "compare/compare.h"
#include "config/options.h"
#include "core/msg.h"
#include "core/clock.h"
#include "core/format.h"
#include "core/jsonw.h"
#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "store/store.h"

/* One request's outcome. The model keeps only the last error, and a
 * later success clears it, so each request notes its own. */
struct outcome {
	bool failed;
	char *err;
};


/* The user's metric-lower and metric-higher settings, as compare takes
 * them. */
static const struct direction_prefs *dir_prefs(void)
{
	static struct direction_prefs d;

	d.lower = opt_string(OPT_METRIC_LOWER);
	d.neutral = opt_string(OPT_METRIC_NEUTRAL);
	d.higher = opt_string(OPT_METRIC_HIGHER);
	return &d;
}

static void on_done(struct store *s, bool ok, void *ud)
{
	struct outcome *o = ud;

	if (ok || o->failed)
		return;
	o->failed = true;
	o->err = xstrdup(s->model->error ? s->model->error : "request failed");
}

/* The SQLite store says "no run with id X"; a server answers
 * RESOURCE_DOES_NOT_EXIST. Either way the user gets the same words. */
static bool not_found(const struct outcome *o)
{
	return !o->failed || strncmp(o->err, "no run with id", 14) == 0 ||
	       strstr(o->err, "RESOURCE_DOES_NOT_EXIST") != NULL;
}

static int load(struct store *s, const struct cli_opts *o, struct run **runs)
{
	struct outcome *got = xcalloc(o->nrun_ids, sizeof(*got));
	struct outcome hist = {0};
	char **ids = cli_resolve_run_ids(s, o->run_ids, o->nrun_ids);
	int rc = 0;

	if (!ids) {
		free(got);
		return 2;
	}
	for (size_t i = 0; i < o->nrun_ids; i++)
		s->ops->load_run(s, &CLI_REQ, ids[i], on_done, &got[i]);
	/* Experiments by name in the comparison (deleted ones too: a run
	 * keeps its experiment). */
	if (!s->model->exps_loaded)
		s->ops->load_experiments(s, &(struct store_req){
			.forced = true, .include_deleted = true}, NULL, NULL);
	store_wait(s);
	for (size_t i = 0; i < o->nrun_ids && !rc; i++) {
		runs[i] = got[i].failed ? NULL
					: model_find_run(s->model, ids[i]);
		if (runs[i])
			continue;
		if (not_found(&got[i]))
			msg_err("no run with id %s", ids[i]);
		else
			msg_err("%s: %s", s->uri.display,
				got[i].err);
		rc = 2;
	}
	if (rc)
		goto out;
	/* Every metric's history, for min and max; a run named twice is
	 * fetched once. */
	for (size_t i = 0; i < o->nrun_ids; i++) {
		struct run *r = runs[i];

		for (size_t k = 0; k < r->nmetrics; k++) {
			struct series *ser = &r->metrics[k];

			if (!ser->has_latest || ser->fetching || ser->fetched)
				continue;
			s->ops->load_history(s, &CLI_REQ, r, ser, on_done,
					     &hist);
		}
	}
	store_wait(s);
	if (hist.failed) {
		msg_err("%s: %s", s->uri.display, hist.err);
		rc = 2;
	}
out:
	for (size_t i = 0; i < o->nrun_ids; i++)
		free(got[i].err);
	free(got);
	free(hist.err);
	cli_free_ids(ids, o->nrun_ids);
	return rc;
}

/* --- JSON -------------------------------------------------------------- */

static void json_rows(struct jsonw *w, const char *name,
		      const struct cmp_row *rows, size_t nrows, size_t nruns,
		      bool diff_only)
{
	jsonw_key(w, name);
	jsonw_arr_begin(w);
	for (size_t k = 0; k < nrows; k++) {
		if (diff_only && !rows[k].differs)
			continue;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "key", rows[k].key);
		jsonw_key(w, "values");
		jsonw_arr_begin(w);
		for (size_t i = 0; i < nruns; i++)
			jsonw_str(w, rows[k].values[i]);
		jsonw_arr_end(w);
		jsonw_key(w, "differs");
		jsonw_bool(w, rows[k].differs);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

/* Does run i hold the metric at all (null in the output when not)? */
static bool holds(const struct comparison *c, size_t i, const char *key)
{
	const struct series *s = run_series(c->runs[i], key);

	return s && (s->has_latest || s->n);
}

/* last is null where a run has no latest value; min and max where it has
 * no such metric ("NaN" when it has, but no finite point). */
static void json_values(struct jsonw *w, const char *name,
			const struct comparison *c, const struct cmp_metric *m,
			const double *v, bool is_last)
{
	jsonw_key(w, name);
	jsonw_arr_begin(w);
	for (size_t i = 0; i < c->nruns; i++) {
		const struct series *s = run_series(c->runs[i], m->key);
		bool have = is_last ? s && s->has_latest : holds(c, i, m->key);

		if (have)
			jsonw_double(w, v[i]);
		else
			jsonw_null(w);
	}
	jsonw_arr_end(w);
}

static void print_json(const struct comparison *c, bool diff_only)
{
	struct jsonw w;

	jsonw_init(&w, stdout);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "runs");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < c->nruns; i++) {
		jsonw_obj_begin(&w);
		jsonw_kstr(&w, "run_id", c->runs[i]->id);
		jsonw_kstr(&w, "run_name", c->runs[i]->name);
		jsonw_kstr(&w, "experiment_id", c->runs[i]->experiment_id);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	json_rows(&w, "info", c->info, c->ninfo, c->nruns, diff_only);
	json_rows(&w, "params", c->params, c->nparams, c->nruns, diff_only);
	json_rows(&w, "tags", c->tags, c->ntags, c->nruns, diff_only);
	jsonw_key(&w, "metrics");
	jsonw_arr_begin(&w);
	for (size_t k = 0; k < c->nmetrics; k++) {
		const struct cmp_metric *m = &c->metrics[k];

		jsonw_obj_begin(&w);
		jsonw_kstr(&w, "key", m->key);
		jsonw_kstr(&w, "direction", m->dir == DIR_LOWER ? "lower"
			   : m->dir == DIR_NEUTRAL ? "neutral" : "higher");
		json_values(&w, "last", c, m, m->last, true);
		json_values(&w, "min", c, m, m->min, false);
		json_values(&w, "max", c, m, m->max, false);
		jsonw_kstr(&w, "best", m->best >= 0 ? c->runs[m->best]->id
						    : NULL);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	fputc('\n', stdout);
}

/* --- tables ------------------------------------------------------------ */

/* Runs a table block shows: text_table has 16 columns, and the metrics
 * block spends three on METRIC, BETTER and STAT. */
#define RUNS_A_BLOCK 12

/* Column heads: the run's name, or the start of its id when it has none
 * or shares it with another run compared. Sanitised, owned. */
static char **run_heads(const struct comparison *c)
{
	char **h = xcalloc(c->nruns, sizeof(*h));

	for (size_t i = 0; i < c->nruns; i++) {
		const char *name = c->runs[i]->name;
		bool unique = name && *name;

		for (size_t j = 0; unique && j < c->nruns; j++)
			if (j != i && c->runs[j]->name &&
			    strcmp(c->runs[j]->name, name) == 0)
				unique = false;
		if (unique) {
			h[i] = sanitize_text(name);
		} else {
			char *id = xstrndup(c->runs[i]->id, 8);

			h[i] = sanitize_text(id);
			free(id);
		}
	}
	return h;
}

static void print_rows(const struct comparison *c, char **heads,
		       const char *what, const struct cmp_row *rows,
		       size_t nrows, bool diff_only, size_t from, size_t to)
{
	const char *hd[16], *row[16];
	struct text_table t = {.heads = hd};
	int nc = 0;

	hd[nc++] = what;
	for (size_t i = from; i < to; i++)
		hd[nc++] = heads[i];
	hd[nc++] = "DIFFERS";
	t.ncols = nc;
	for (size_t k = 0; k < nrows; k++) {
		int x = 0;

		if (diff_only && !rows[k].differs)
			continue;
		row[x++] = rows[k].key;
		for (size_t i = from; i < to; i++)
			row[x++] = rows[k].values[i];
		row[x++] = rows[k].differs ? "yes" : "no";
		text_table_add(&t, row);
	}
	text_table_print(&t, stdout);
}

static void print_metrics(const struct comparison *c, char **heads,
			  size_t from, size_t to)
{
	static const char *const stat[] = {"last", "min", "max"};
	const char *hd[16], *row[16];
	char cells[16][48];
	struct text_table t = {.heads = hd};
	int nc = 0;

	hd[nc++] = "METRIC";
	hd[nc++] = "BETTER";
	hd[nc++] = "STAT";
	for (size_t i = from; i < to; i++)
		hd[nc++] = heads[i];
	t.ncols = nc;
	for (size_t k = 0; k < c->nmetrics; k++) {
		const struct cmp_metric *m = &c->metrics[k];

		for (int st = 0; st < 3; st++) {
			const double *v = st == 0 ? m->last
					  : st == 1 ? m->min : m->max;
			int x = 0;

			row[x++] = m->key;
			row[x++] = m->dir == DIR_LOWER ? "lower"
				   : m->dir == DIR_NEUTRAL ? "neutral" : "higher";
			row[x++] = stat[st];
			for (size_t i = from; i < to; i++, x++) {
				const struct series *s =
					run_series(c->runs[i], m->key);
				bool have = st == 0 ? s && s->has_latest
						    : holds(c, i, m->key);
				char *cell = cells[x];

				if (!have) {
					row[x] = NULL;
					continue;
				}
				format_value(v[i], 12, cell, 40);
				/* The best last value by the metric's
				 * direction. */
				if (st == 0 && m->best == (int)i)
					strcat(cell, "*");
				row[x] = cell;
			}
			text_table_add(&t, row);
		}
	}
	text_table_print(&t, stdout);
}

static void print_tables(const struct comparison *c, bool diff_only)
{
	static const char *const rhd[] = {"RUN ID", "NAME", "EXPERIMENT",
					  "STATUS"};
	struct text_table rt = {.ncols = 4, .heads = rhd};
	char **heads = run_heads(c);

	for (size_t i = 0; i < c->nruns; i++) {
		const char *row[4] = {c->runs[i]->id, c->runs[i]->name,
				      c->runs[i]->experiment_id,
				      c->info[0].values[i]};

		text_table_add(&rt, row);
	}
	text_table_print(&rt, stdout);
	for (size_t from = 0; from < c->nruns; from += RUNS_A_BLOCK) {
		size_t to = from + RUNS_A_BLOCK < c->nruns
				? from + RUNS_A_BLOCK : c->nruns;

		/* The sections of --json, in its order. */
		fputc('\n', stdout);
		print_rows(c, heads, "INFO", c->info, c->ninfo, diff_only, from,
			   to);
		fputc('\n', stdout);
		if (c->nparams)
			print_rows(c, heads, "PARAM", c->params, c->nparams,
				   diff_only, from, to);
		else
			fputs("(no params)\n", stdout);
		fputc('\n', stdout);
		if (c->ntags)
			print_rows(c, heads, "TAG", c->tags, c->ntags,
				   diff_only, from, to);
		else
			fputs("(no tags)\n", stdout);
		fputc('\n', stdout);
		if (c->nmetrics)
			print_metrics(c, heads, from, to);
		else
			fputs("(no metrics)\n", stdout);
	}
	for (size_t i = 0; i < c->nruns; i++)
		free(heads[i]);
	free(heads);
}

int cli_compare(struct store *s, const struct cli_opts *o)
{
	struct comparison c;
	struct run **runs;
	int rc;

	if (o->nrun_ids < 2) {
		fputs("mltop: usage: mltop compare RUN_ID RUN_ID... [--diff] "
		      "[--json]\n", stderr);
		return 1;
	}
	runs = xcalloc(o->nrun_ids, sizeof(*runs));
	rc = load(s, o, runs);
	if (rc) {
		free(runs);
		return rc;
	}
	if (s->model->notice)
		msg_err("warning: %s", s->model->notice);
	compare_build(&c, runs, o->nrun_ids, clock_now_ms(), dir_prefs(),
		      s->model);
	if (o->json)
		print_json(&c, o->diff);
	else
		print_tables(&c, o->diff);
	compare_free(&c);
	free(runs);
	return fflush(stdout) == 0 ? 0 : 2;
}
