/* fuzz_search.c: libFuzzer target for MLflow's search_runs filter and
 * order_by (src/store/search.c). The input is a filter, then, after each
 * NUL, an order_by clause (up to four). When it parses: the texts are
 * kept, search_match and search_cmp run over two fixed runs, and the
 * filter and the order as SQL run in an in-memory SQLite holding the
 * same runs, which must pick the runs search_match picks and order them
 * as search_cmp does. When it does not: one message,
 * printable and UTF-8. */
#include "config.h"

#include <math.h>
#include <sqlite3.h>

#include "core/utf8.h"
#include "core/xmalloc.h"
#include "fuzz.h"
#include "store/model.h"
#include "store/search.h"

#define T "fuzz_search"

static struct model model;
static struct run *runs[2];
static sqlite3 *db;

static void exec(const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct experiment *e;
	struct series *s;

	(void)argc;
	(void)argv;
	model_init(&model);
	e = model_experiment_upsert(&model, "1");
	runs[0] = experiment_run_upsert(e, "aaa1");
	runs[1] = experiment_run_upsert(e, "bbb2");
	set_str(&runs[0]->name, "r1");
	set_str(&runs[0]->status_str, "RUNNING");
	set_str(&runs[0]->user_id, "u");
	set_str(&runs[0]->artifact_uri, "file:///a");
	runs[0]->start_time = 1000;
	s = run_series_upsert(runs[0], "loss");
	s->latest.value = 0.5;
	s->has_latest = true;
	s = run_series_upsert(runs[0], "val loss");
	s->latest.value = NAN;
	s->has_latest = true;
	kv_list_set(&runs[0]->params, "lr", "0.01");
	kv_list_set(&runs[0]->params, "model.type", "CNN_x%");
	kv_list_set(&runs[0]->tags, "mlflow.runName", "r1");
	kv_list_set(&runs[0]->tags, "note", "\xc3\xbcn*[?]");
	kv_list_set(&runs[0]->tags, "nullv", NULL);
	set_str(&runs[1]->name, "r2");
	set_str(&runs[1]->status_str, "FINISHED");
	runs[1]->start_time = 900;
	runs[1]->end_time = 2000;
	s = run_series_upsert(runs[1], "loss");
	s->latest.value = -1.7976931348623157e308;
	s->has_latest = true;
	kv_list_set(&runs[1]->tags, "note", "Vision");

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		abort();
	exec("CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, name TEXT,"
	     " user_id TEXT, status TEXT, start_time BIGINT, end_time BIGINT,"
	     " artifact_uri TEXT);"
	     "CREATE TABLE latest_metrics (key TEXT, value FLOAT, is_nan"
	     " BOOLEAN, run_uuid TEXT);"
	     "CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);"
	     "CREATE TABLE tags (key TEXT, value TEXT, run_uuid TEXT);"
	     "INSERT INTO runs VALUES ('aaa1', 'r1', 'u', 'RUNNING', 1000,"
	     " NULL, 'file:///a'), ('bbb2', 'r2', NULL, 'FINISHED', 900,"
	     " 2000, NULL);"
	     "INSERT INTO latest_metrics VALUES ('loss', 0.5, 0, 'aaa1'),"
	     " ('val loss', 0, 1, 'aaa1'),"
	     " ('loss', -1.7976931348623157e308, 0, 'bbb2');"
	     "INSERT INTO params VALUES ('lr', '0.01', 'aaa1'),"
	     " ('model.type', 'CNN_x%', 'aaa1');"
	     "INSERT INTO tags VALUES ('mlflow.runName', 'r1', 'aaa1'),"
	     " ('note', '\xc3\xbcn*[?]', 'aaa1'), ('nullv', NULL, 'aaa1'),"
	     " ('note', 'Vision', 'bbb2');");
	return 0;
}

/* Printable UTF-8: what a message may hold. */
static int safe(const char *s)
{
	size_t i = 0, n = strlen(s);

	while (i < n) {
		unsigned int cp;
		size_t k = utf8_decode(s + i, n - i, &cp);

		if (cp < 0x20 || cp == 0x7f ||
		    (cp == 0xFFFD && !(k == 3 && !memcmp(s + i,
							 "\xEF\xBF\xBD", 3))))
			return 0;
		i += k;
	}
	return 1;
}

/* Does run r pass the filter's metric clauses, as the SQLite store
 * tests them itself (its latest value; none fails)? */
static int metrics_pass(const struct search *q, struct run *r)
{
	for (size_t i = 0; i < search_metric_count(q); i++) {
		struct series *ser = run_series(r, search_metric_key(q, i));

		if (!ser || !ser->has_latest ||
		    !search_metric_test(q, i, ser->latest.value))
			return 0;
	}
	return 1;
}

/* The runs the SQL picks, as a bit set; no_metrics: the SQL without the
 * metric clauses, then those tested as the store tests them. */
static int sql_picks(const struct search *q, bool no_metrics)
{
	struct search_sql sql;
	char *err = NULL, *text;
	sqlite3_stmt *st;
	int got = 0;

	fuzz_check(search_sql_ex(q, 1, true, no_metrics, &sql, &err) == 0 &&
		   !err, T, "search_sql takes what parsed");
	text = xasprintf("SELECT r.run_uuid FROM runs r WHERE %s", sql.where);
	fuzz_check(sqlite3_prepare_v2(db, text, -1, &st, NULL) == SQLITE_OK,
		   T, "the SQL prepares");
	fuzz_check(sqlite3_bind_parameter_count(st) <= sql.nparams, T,
		   "no parameter beyond nparams");
	fuzz_check(search_sql_bind(&sql, st) == 0, T, "the values bind");
	while (sqlite3_step(st) == SQLITE_ROW)
		got |= !strcmp((const char *)sqlite3_column_text(st, 0),
			       "aaa1") ? 1 : 2;
	sqlite3_finalize(st);
	free(text);
	search_sql_free(&sql);
	if (no_metrics) {
		if ((got & 1) && !metrics_pass(q, runs[0]))
			got &= ~1;
		if ((got & 2) && !metrics_pass(q, runs[1]))
			got &= ~2;
	}
	return got;
}

/* Does the SQL order put aaa1 (runs[0]) first? */
static int sql_first_is_0(const struct search *q)
{
	struct search_sql sql;
	char *err = NULL, *text;
	sqlite3_stmt *st;
	int first = -1;

	fuzz_check(search_sql_order(q, 1, true, &sql, &err) == 0 && !err, T,
		   "search_sql_order takes what parsed");
	text = xasprintf("SELECT r.run_uuid FROM runs r ORDER BY %s",
			 sql.where);
	fuzz_check(sqlite3_prepare_v2(db, text, -1, &st, NULL) == SQLITE_OK,
		   T, "the ORDER BY prepares");
	fuzz_check(search_sql_bind(&sql, st) == 0, T, "the keys bind");
	if (sqlite3_step(st) == SQLITE_ROW)
		first = !strcmp((const char *)sqlite3_column_text(st, 0),
				"aaa1");
	sqlite3_finalize(st);
	free(text);
	search_sql_free(&sql);
	return first;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *parts[5] = { NULL };
	const char *order[4];
	size_t n = 0, at = 0, norder;
	char *err = NULL;
	struct search *q;

	while (n < 5) {
		const uint8_t *nul = memchr(data + at, '\0', size - at);
		size_t len = nul ? (size_t)(nul - (data + at)) : size - at;

		parts[n++] = fuzz_cstr(data + at, len);
		if (!nul)
			break;
		at += len + 1;
	}
	norder = n - 1;
	for (size_t i = 0; i < norder; i++)
		order[i] = parts[i + 1];
	q = search_parse(parts[0], order, norder, &err);
	if (q) {
		const char *ft = search_filter_text(q);
		int mem;

		fuzz_check(!err, T, "no error with a search");
		fuzz_check(!ft || !strcmp(ft, parts[0]), T, "filter as typed");
		fuzz_check(search_order_count(q) == norder, T,
			   "every order_by");
		for (size_t i = 0; i < norder; i++)
			fuzz_check(!strcmp(search_order_text(q, i), order[i]),
				   T, "order_by as typed");
		mem = (search_match(q, runs[0]) ? 1 : 0) |
		      (search_match(q, runs[1]) ? 2 : 0);
		fuzz_check(sql_picks(q, false) == mem, T, "SQL picks what "
			   "search_match picks");
		fuzz_check(sql_picks(q, true) == mem, T, "SQL without the "
			   "metric clauses, then those tested apart, picks "
			   "the same");
		{
			int a = search_cmp(q, runs[0], runs[1]);
			int b = search_cmp(q, runs[1], runs[0]);

			fuzz_check((a > 0) == (b < 0) && (a < 0) == (b > 0) &&
				   a != 0, T, "search_cmp antisymmetric, ties "
				   "broken by run id");
			fuzz_check(search_cmp(q, runs[0], runs[0]) == 0, T,
				   "a run equals itself");
			fuzz_check(sql_first_is_0(q) == (a < 0), T,
				   "SQL orders as search_cmp does");
		}
		search_free(q);
	} else {
		fuzz_check(err && *err && safe(err), T,
			   "one printable UTF-8 message on error");
		free(err);
	}
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	return 0;
}
