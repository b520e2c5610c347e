/* search.h: MLflow's search_runs filter and order_by, parsed once and
 * then used three ways: as SQL over MLflow's schema with bound parameters
 * (the SQLite store), in memory over a run the model holds (the same
 * answers, for runs a poll brings in and for checking), and as text sent
 * on to a tracking server, which takes MLflow's own grammar.
 *
 * The grammar is MLflow's: clauses joined by AND (case-insensitive);
 * an identifier is metrics.KEY, params.KEY, tags.KEY or attributes.KEY
 * (with MLflow's alternates: metric, parameters/param, tag, attribute/
 * attr/run) and KEY may be `backticked` or "quoted" to hold dots, spaces
 * or other characters; comparators per kind as MLflow allows them
 * (metrics and numeric attributes: = != < <= > >=; params and tags:
 * = != LIKE ILIKE IS NULL IS NOT NULL; string attributes: = != LIKE
 * ILIKE, and IN NOT IN on run_id only); strings in single or double
 * quotes, taken as typed between them (no escapes, but in an IN list,
 * which MLflow reads as a Python tuple); numbers as MLflow reads them
 * (1, -0.5, .5, 1., 1e-3; not +1, 1e+3, inf or NaN). order_by clauses
 * are "KEY [ASC|DESC]" over the same identifiers. An input MLflow
 * rejects is rejected with MLflow's kind of message and the position
 * (0-based character offset) it was found at. Where mltop parts from
 * MLflow: datasets.* is refused ("mltop does not search datasets
 * yet"), and a space after the dot ("metrics. loss") is an error.
 *
 * The answers are those of MLflow's SQLite store (checked against the
 * real client): LIKE is case-sensitive, ILIKE folds ASCII letters only,
 * '%' and '_' are the only wildcards and a backslash is itself; a NaN
 * metric satisfies only "!="; a missing metric, param or tag satisfies
 * nothing but IS NULL; attributes.run_name filters on the mlflow.runName
 * tag; an end_time of 0 (a run not ended) is NULL and satisfies
 * nothing. Limits: 64 KiB of filter, 256 clauses, 4096 IN values, 32
 * order_by clauses. */
#ifndef MLTOP_SEARCH_H
#define MLTOP_SEARCH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/model.h"

struct search;

/* Parse a filter (NULL or blank: every run) and order_by clauses (each
 * "metrics.val_loss ASC" and the like; norder 0: MLflow's default order,
 * start_time DESC then run id). NULL on error, with *err (caller frees)
 * saying what and where, e.g. "Invalid comparator '~' at position 13 in
 * filter 'metrics.loss ~ 1'" (the input quoted cut to 200 bytes, control
 * characters and bytes that are not UTF-8 shown as '?'). err may be
 * NULL. */
struct search *search_parse(const char *filter, const char *const *order_by,
			    size_t norder, char **err);
void search_free(struct search *q);

/* Is there a filter at all (false: every run matches)? */
bool search_has_filter(const struct search *q);

/* The filter as typed (NULL when none) and the order_by clauses, for a
 * tracking server's runs/search. */
const char *search_filter_text(const struct search *q);
size_t search_order_count(const struct search *q);
const char *search_order_text(const struct search *q, size_t i);

/* Does run r match? r as a store loads it: info, latest metrics, params,
 * tags (metrics compare their latest value, as MLflow does; a params
 * clause needs the params loaded). NULL q matches every run. */
bool search_match(const struct search *q, const struct run *r);

/* MLflow's order (the order_by clauses, then start_time DESC, then run
 * id), for qsort-like use: <0, 0, >0. Each clause puts runs with a value
 * first (ASC or DESC), then a NaN metric, then the runs without it,
 * whatever the direction; strings compare bytewise (SQLite's BINARY).
 * NULL q: the default order. */
int search_cmp(const struct search *q, const struct run *a,
	       const struct run *b);

/* The filter as SQL over MLflow's tables: a condition on the runs table
 * aliased `r` (runs r JOIN nothing else; subqueries on latest_metrics,
 * params and tags), parameters numbered ?first_param upwards, never text
 * pasted into the SQL. runs_name: the runs table has a name column
 * (MLflow 2.x and later; else the run name is the mlflow.runName tag);
 * the filter does not need it (MLflow filters run_name on the tag in
 * every schema), search_sql_order does. LIKE and ILIKE become GLOB
 * (ILIKE over lower()), so the answer does not hang on the connection's
 * case_sensitive_like. The values are copied: q may be freed first. */
struct search_sql {
	char *where;       /* "1" when there is no filter */
	int nparams;       /* how many ?N it uses */
	void *priv;        /* the values to bind */
};
int search_sql(const struct search *q, int first_param, bool runs_name,
	       struct search_sql *out, char **err);
/* The order as SQL: ORDER BY terms (without the words ORDER BY) in
 * out->where, over the runs table aliased `r` the same way, numbered
 * from ?first_param, giving search_cmp's order: each clause's missing
 * values (then NaN) last in either direction, then start_time DESC, then
 * the run id. attributes.run_name sorts by the name column when
 * runs_name (the mlflow.runName tag where it is NULL), else by the tag.
 * Bind and free it like the filter's. */
int search_sql_order(const struct search *q, int first_param,
		     bool runs_name, struct search_sql *out, char **err);
/* The same without the metric clauses (no_metrics), for a store that
 * tests those itself: how many there are, the key of the i-th, and
 * whether a run's latest value of it (NaN for MLflow's is_nan) passes
 * (a run without the metric passes none). */
int search_sql_ex(const struct search *q, int first_param, bool runs_name,
		  bool no_metrics, struct search_sql *out, char **err);
size_t search_metric_count(const struct search *q);
const char *search_metric_key(const struct search *q, size_t i);
bool search_metric_test(const struct search *q, size_t i, double v);
/* Bind the values to st, at the numbers search_sql gave them. */
int search_sql_bind(const struct search_sql *sql, sqlite3_stmt *st);
void search_sql_free(struct search_sql *sql);

#endif
