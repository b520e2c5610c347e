/* test_search.c: unit tests for MLflow's search_runs filter and order_by
 * (src/store/search.c). The runs below are the ones a script logged with
 * the real MLflow client (3.17.2, SQLite store; its runs search is
 * unchanged in 3.18.0, the pin now), and each expected answer
 * is what client.search_runs gave for it: filters and order_by clauses,
 * NaN, +/-inf (stored as +/-DBL_MAX), missing metrics, LIKE and ILIKE,
 * ties. Every filter is also run as SQL over MLflow's tables with its
 * values bound, and must pick the runs search_match picks. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "store/model.h"
#include "store/search.h"
#include "tap.h"

static const char schema[] =
	"CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL PRIMARY KEY,"
	" name VARCHAR(250), source_type VARCHAR(20), source_name"
	" VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256),"
	" status VARCHAR(9), start_time BIGINT, end_time BIGINT,"
	" source_version VARCHAR(50), lifecycle_stage VARCHAR(20),"
	" artifact_uri VARCHAR(200), experiment_id INTEGER,"
	" deleted_time BIGINT);"
	"CREATE TABLE latest_metrics (key VARCHAR(250) NOT NULL,"
	" value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL,"
	" is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL,"
	" PRIMARY KEY (key, run_uuid));"
	"CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000)"
	" NOT NULL, run_uuid VARCHAR(32) NOT NULL,"
	" PRIMARY KEY (key, run_uuid));"
	"CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000),"
	" run_uuid VARCHAR(32) NOT NULL, PRIMARY KEY (key, run_uuid));";

static sqlite3 *db;
static struct model model;
static struct experiment *the_exp;
static struct run *runs[6];
/* Run ids chosen so that ties fall as they did for the real client. */
static const char *const ids[6] = {
	"9d249d4a", "ad574ef8", "8bb3b9d9", "a5698dfc", "caa6eed6", "e5c510e8",
};

static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		printf("Bail out! %s: %s\n", sql, err);
		exit(1);
	}
}

static void row(const char *sql, const char *a, const char *b,
		const char *c)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("Bail out! %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		printf("Bail out! %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_finalize(st);
}

/* A metric as MLflow stores it: NaN is value 0 with is_nan 1. */
static void metric(int i, const char *key, double v)
{
	struct series *s = run_series_upsert(runs[i], key);
	sqlite3_stmt *st;

	s->latest.value = v;
	s->has_latest = true;
	sqlite3_prepare_v2(db, "INSERT INTO latest_metrics VALUES "
			   "(?1, ?2, 0, 0, ?3, ?4)", -1, &st, NULL);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, isnan(v) ? 0 : v);
	sqlite3_bind_int(st, 3, isnan(v));
	sqlite3_bind_text(st, 4, ids[i], -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		exit(1);
	sqlite3_finalize(st);
}

static void param(int i, const char *key, const char *v)
{
	kv_list_set(&runs[i]->params, key, v);
	row("INSERT INTO params VALUES (?1, ?2, ?3)", key, v, ids[i]);
}

static void tag(int i, const char *key, const char *v)
{
	kv_list_set(&runs[i]->tags, key, v);
	row("INSERT INTO tags VALUES (?1, ?2, ?3)", key, v, ids[i]);
}

static void add_run(int i, int64_t start, int64_t end, const char *status)
{
	struct run *r = experiment_run_upsert(the_exp, ids[i]);
	char name[8], uri[64];
	sqlite3_stmt *st;

	runs[i] = r;
	snprintf(name, sizeof(name), "r%d", i + 1);
	snprintf(uri, sizeof(uri), "file:///tmp/mlruns/1/%s", ids[i]);
	set_str(&r->name, name);
	set_str(&r->user_id, "mltop-user");
	set_str(&r->status_str, status);
	r->status = run_status_parse(status);
	set_str(&r->artifact_uri, uri);
	r->start_time = start;
	r->end_time = end;
	sqlite3_prepare_v2(db, "INSERT INTO runs (run_uuid, name, user_id,"
			   " status, start_time, end_time, lifecycle_stage,"
			   " artifact_uri, experiment_id) VALUES (?1, ?2,"
			   " 'mltop-user', ?3, ?4, ?5, 'active', ?6, 1)",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, start);
	if (end)
		sqlite3_bind_int64(st, 5, end);
	sqlite3_bind_text(st, 6, uri, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		exit(1);
	sqlite3_finalize(st);
	tag(i, "mlflow.runName", name);
}

static void setup(void)
{
	struct experiment *e;

	model_init(&model);
	e = model_experiment_upsert(&model, "1");
	the_exp = e;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		exit(1);
	exec(schema);

	add_run(0, 1000, 0, "RUNNING");
	metric(0, "loss", 0.5);
	metric(0, "acc", 0.9);
	metric(0, "val loss", 1e-3);
	metric(0, "m.x", 2);
	param(0, "lr", "0.01");
	param(0, "model.type", "CNN");
	param(0, "with space", "a b");
	tag(0, "Team", "Vision");
	tag(0, "note", "it's");

	add_run(1, 1000, 0, "RUNNING");
	metric(1, "loss", NAN);
	metric(1, "acc", 0.9);
	param(1, "lr", "0.1");
	param(1, "model.type", "cnn");
	tag(1, "Team", "vision");
	tag(1, "note", "say \"hi\"");

	add_run(2, 2000, 0, "RUNNING");
	metric(2, "loss", DBL_MAX);       /* inf, as the store keeps it */
	param(2, "lr", "1e-3");
	param(2, "model.type", "Cnn_x");
	tag(2, "Team", "VISION%");

	add_run(3, 3000, 3010, "FAILED");
	metric(3, "loss", -0.5);
	metric(3, "acc", -DBL_MAX);

	add_run(4, 3000, 3010, "FINISHED");
	metric(4, "loss", 0);
	metric(4, "acc", 0.9);
	param(4, "model.type", "c%n");
	tag(4, "note", "under_score");
	tag(4, "Team", "");
	tag(4, "glob", "a*[b]?");         /* mltop's own: GLOB's specials */

	add_run(5, 500, 0, "RUNNING");
	param(5, "lr", "0.01");
	tag(5, "note", "\xc3\xbcn\xc3\xaf");   /* "ünï" */
	tag(5, "nullv", NULL);                 /* a tag row holding NULL */
}

/* The runs a filter picks, in MLflow's default order, as "r4 r5". */
static char *names(struct run **v, size_t n)
{
	char *out = xstrdup("");
	size_t i;

	for (i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%s", out, i ? " " : "", v[i]->name);

		free(out);
		out = t;
	}
	return out;
}

static const struct search *sort_q;

static int by_search(const void *a, const void *b)
{
	return search_cmp(sort_q, *(struct run *const *)a,
			  *(struct run *const *)b);
}

static char *mem_answer(const struct search *q)
{
	struct run *v[6];
	size_t i, n = 0;

	for (i = 0; i < 6; i++)
		if (search_match(q, runs[i]))
			v[n++] = runs[i];
	sort_q = q;
	qsort(v, n, sizeof(v[0]), by_search);
	return names(v, n);
}

static char *sql_answer(const struct search *q, const char *filter)
{
	struct search_sql sql;
	char *err = NULL, *text, *out;
	sqlite3_stmt *st;
	struct run *v[6];
	size_t n = 0;

	if (search_sql(q, 2, true, &sql, &err) != 0) {
		out = xasprintf("search_sql failed: %s", err);
		free(err);
		return out;
	}
	/* ?1 is the caller's own, ahead of the filter's */
	text = xasprintf("SELECT r.run_uuid FROM runs r WHERE r.experiment_id"
			 " = ?1 AND (%s) ORDER BY r.start_time DESC,"
			 " r.run_uuid", sql.where);
	if (sqlite3_prepare_v2(db, text, -1, &st, NULL) != SQLITE_OK) {
		out = xasprintf("prepare failed: %s: %s", sqlite3_errmsg(db),
				text);
		free(text);
		search_sql_free(&sql);
		return out;
	}
	sqlite3_bind_int(st, 1, 1);
	if (search_sql_bind(&sql, st) != 0)
		diag("bind failed for %s", filter);
	if (sqlite3_bind_parameter_count(st) != sql.nparams + 1)
		diag("%s: %d parameters, search_sql says %d", filter,
		     sqlite3_bind_parameter_count(st) - 1, sql.nparams);
	while (sqlite3_step(st) == SQLITE_ROW && n < 6)
		v[n++] = experiment_run(the_exp, (const char *)
					sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	free(text);
	search_sql_free(&sql);
	return names(v, n);
}

/* The runs in the order search_sql_order gives, filtered too. */
static char *sql_order_answer(const struct search *q, bool runs_name)
{
	struct search_sql where, order;
	char *err = NULL, *text, *out;
	sqlite3_stmt *st;
	struct run *v[6];
	size_t n = 0;

	if (search_sql(q, 2, runs_name, &where, &err) != 0 ||
	    search_sql_order(q, 2 + where.nparams, runs_name, &order,
			     &err) != 0) {
		out = xasprintf("search_sql failed: %s", err);
		free(err);
		return out;
	}
	text = xasprintf("SELECT r.run_uuid FROM runs r WHERE r.experiment_id"
			 " = ?1 AND (%s) ORDER BY %s", where.where,
			 order.where);
	if (sqlite3_prepare_v2(db, text, -1, &st, NULL) != SQLITE_OK) {
		out = xasprintf("prepare failed: %s: %s", sqlite3_errmsg(db),
				text);
		free(text);
		search_sql_free(&where);
		search_sql_free(&order);
		return out;
	}
	sqlite3_bind_int(st, 1, 1);
	if (search_sql_bind(&where, st) != 0 ||
	    search_sql_bind(&order, st) != 0)
		diag("bind failed");
	if (sqlite3_bind_parameter_count(st) !=
	    1 + where.nparams + order.nparams)
		diag("parameter count: %d", sqlite3_bind_parameter_count(st));
	while (sqlite3_step(st) == SQLITE_ROW && n < 6)
		v[n++] = experiment_run(the_exp, (const char *)
					sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	free(text);
	search_sql_free(&where);
	search_sql_free(&order);
	return names(v, n);
}

/* Each filter, what the MLflow client answered (canonical order: start
 * time descending, then run id: r4 r5 r3 r1 r2 r6). */
static const struct {
	const char *filter, *want;
} filters[] = {
	{ "metrics.loss > 0", "r3 r1" },
	{ "metrics.loss >= 0", "r5 r3 r1" },
	{ "metrics.loss < 0", "r4" },
	{ "metrics.loss = 0", "r5" },
	{ "metrics.loss != 0", "r4 r3 r1 r2" },
	{ "metrics.loss != 0.5", "r4 r5 r3 r2" },
	{ "metrics.loss = 0.5", "r1" },
	{ "metrics.loss > 1e308", "r3" },
	{ "metrics.loss >= 1.7976931348623157e308", "r3" },
	{ "metrics.loss < -1e308", "" },
	{ "metrics.acc = 0.9", "r5 r1 r2" },
	{ "metrics.acc < -1e300", "r4" },
	{ "metrics.acc != 0.9", "r4" },
	{ "metrics.`val loss` < 1e-2", "r1" },
	{ "metrics.\"val loss\" = 0.001", "r1" },
	{ "metrics.`m.x` = 2", "r1" },
	{ "metrics.m.x = 2", "r1" },
	{ "metrics.loss > -0.5", "r5 r3 r1" },
	{ "metrics.loss >= -0.5", "r4 r5 r3 r1" },
	{ "metrics.loss > -.5", "r5 r3 r1" },
	{ "metrics.loss != -0.5", "r5 r3 r1 r2" },
	{ "metrics.loss = 5e-1", "r1" },
	{ "metrics.loss = 1E308", "" },
	{ "metrics.loss > 1.", "r3" },
	{ "metrics.loss > 1e-3", "r3 r1" },
	{ "metrics.loss > 100000000000000000000", "r3" },
	{ "metrics.loss >= -1.7976931348623157e308", "r4 r5 r3 r1" },
	{ "metrics.loss <= 1.7976931348623157e308", "r4 r5 r3 r1" },
	{ "metric.loss > 0", "r3 r1" },
	{ "metrics.\"loss\" > 0", "r3 r1" },
	{ "metrics.'loss' > 0", "r3 r1" },
	{ "`metrics`.loss > 0", "r3 r1" },
	{ "metrics.loss>0", "r3 r1" },
	{ "metrics.LOSS > 0", "" },
	{ "metrics.1abc > 0", "" },
	{ "metrics.loss_2 > 0", "" },
	{ "metrics.\xc3\xbc > 0", "" },
	{ "metrics.`` > 0", "" },
	{ "metrics.\"\" > 0", "" },
	{ "metrics.loss > 0 and metrics.acc = 0.9", "r1" },
	{ "metrics.loss > 0 AnD metrics.acc = 0.9", "r1" },
	{ "metrics.loss > 0 AND", "r3 r1" },
	{ "AND metrics.loss > 0", "r3 r1" },
	{ "metrics.loss > 0 AND AND metrics.acc > 0", "r1" },
	{ "metrics.loss > 0 metrics.acc > 0", "r1" },
	{ "metrics.loss = 0 and", "r5" },
	{ "params.lr = '0.01'", "r1 r6" },
	{ "params.lr = \"0.01\"", "r1 r6" },
	{ "params.lr='0.01'", "r1 r6" },
	{ "params.lr != '0.01'", "r3 r2" },
	{ "params.lr != \"0.01\"", "r3 r2" },
	{ "params.lr = ''", "" },
	{ "params.1lr = 'x'", "" },
	{ "params.lr LIKE '0.%'", "r1 r2 r6" },
	{ "params.lr like '0.%'", "r1 r2 r6" },
	{ "params.lr LIKE '%e%'", "r3" },
	{ "params.lr like '0_01'", "r1 r6" },
	{ "params.lr ILIKE '0.0_'", "r1 r6" },
	{ "params.`model.type` = 'CNN'", "r1" },
	{ "params.model.type = 'CNN'", "r1" },
	{ "params.\"model.type\" LIKE 'cnn'", "r2" },
	{ "params.\"model.type\" ILIKE 'cnn'", "r1 r2" },
	{ "params.\"model.type\" ILIKE 'cnn%'", "r3 r1 r2" },
	{ "params.\"model.type\" LIKE 'C%'", "r3 r1" },
	{ "params.\"model.type\" LIKE 'c_n'", "r5 r2" },
	{ "params.\"model.type\" LIKE 'c\\%n'", "" },
	{ "params.\"model.type\" LIKE 'c%%n'", "r5 r2" },
	{ "params.\"model.type\" LIKE '%\\_%'", "" },
	{ "params.\"model.type\" LIKE '%_x'", "r3" },
	{ "params.`with space` = 'a b'", "r1" },
	{ "params.lr IS NULL", "r4 r5" },
	{ "params.lr IS NOT NULL", "r3 r1 r2 r6" },
	{ "params.lr is null", "r4 r5" },
	{ "params.lr  IS\tnull", "r4 r5" },
	{ "params.lr IS not null", "r3 r1 r2 r6" },
	{ "tags.Team = 'Vision'", "r1" },
	{ "tags.Team = 'vision'", "r2" },
	{ "tags.Team LIKE 'vision'", "r2" },
	{ "tags.Team ILIKE 'vision'", "r1 r2" },
	{ "tags.Team ILIKE 'vision%'", "r3 r1 r2" },
	{ "tags.Team LIKE '%\\%'", "" },
	{ "tags.Team = ''", "r5" },
	{ "tags.Team != 'Vision'", "r5 r3 r2" },
	{ "tags.team = 'Vision'", "" },
	{ "tags.note = \"it's\"", "r1" },
	{ "tags.note = 'it''s'", "" },
	{ "tags.note = 'it\\'s'", "" },
	{ "tags.note = \"it\\\"s\"", "" },
	{ "tags.note = 'say \"hi\"'", "r2" },
	{ "tags.note LIKE '%\\_%'", "" },
	{ "tags.note = '\xc3\xbcn\xc3\xaf'", "r6" },
	{ "tags.note ILIKE '\xc3\x9cN\xc3\x8f'", "" },
	{ "tags.note LIKE '\xc3\x9c%'", "" },
	{ "tags.mlflow.runName = 'r1'", "r1" },
	{ "tags.`mlflow.runName` = 'r1'", "r1" },
	{ "tags.note IS NULL", "r4 r3" },
	{ "tags.Team IS NOT NULL", "r5 r3 r1 r2" },
	{ "tags.Team = 'VISION%' and params.lr != '0.01' and "
	  "metrics.loss >= -1e308", "r3" },
	{ "params.lr = '0.01' AND tags.note ILIKE '%\xc3\xbc%'", "r6" },
	{ "metrics.`loss` >= 0 and params.`lr` = '0.01' and "
	  "tags.`Team` = 'Vision'", "r1" },
	{ "attributes.status = 'RUNNING'", "r3 r1 r2 r6" },
	{ "attributes.status = 'running'", "" },
	{ "attributes.status LIKE 'run%'", "" },
	{ "attributes.status ILIKE 'run%'", "r3 r1 r2 r6" },
	{ "attributes.status != 'RUNNING'", "r4 r5" },
	{ "attributes.run_name = 'r1'", "r1" },
	{ "attributes.run_name LIKE 'r%'", "r4 r5 r3 r1 r2 r6" },
	{ "attributes.`Run name` = 'r2'", "r2" },
	{ "attributes.created > 1000", "r4 r5 r3" },
	{ "attributes.created >= 1000", "r4 r5 r3 r1 r2" },
	{ "attributes.start_time = 3000", "r4 r5" },
	{ "attributes.start_time = 3000.", "r4 r5" },
	{ "attributes.start_time > 1.5e3", "r4 r5 r3" },
	{ "attributes.start_time > 1.5E3", "r4 r5 r3" },
	{ "attributes.start_time > 1e3", "r4 r5 r3" },
	{ "attributes.start_time > .5", "r4 r5 r3 r1 r2 r6" },
	{ "attributes.start_time > 999.5", "r4 r5 r3 r1 r2" },
	{ "attributes.end_time > 0", "r4 r5" },
	{ "attributes.end_time != 0", "r4 r5" },
	{ "attributes.end_time = 3010", "r4 r5" },
	{ "run.status = 'FAILED'", "r4" },
	{ "attr.status = 'FAILED'", "r4" },
	{ "status = 'FAILED'", "r4" },
	{ "start_time > 1000", "r4 r5 r3" },
	{ "attributes.user_id LIKE '%'", "r4 r5 r3 r1 r2 r6" },
	{ "attributes.artifact_uri LIKE '%'", "r4 r5 r3 r1 r2 r6" },
	{ "attributes.run_id LIKE '%'", "r4 r5 r3 r1 r2 r6" },
	{ "attributes.run_id IN ('a' 'b')", "" },
	{ "attributes.run_id IN ('a\\'b')", "" },
	{ "attributes.run_id IN ('x',)", "" },
	{ "attributes.run_id IN (\"x\")", "" },
	{ "attributes.run_id NOT IN ('x')", "r4 r5 r3 r1 r2 r6" },
	{ "attributes.run_id = 'x' and attributes.user_id != 'nobody'", "" },
	{ "", "r4 r5 r3 r1 r2 r6" },
	{ "tags.and = 'x'", "" },
	{ "params.select = 'x'", "" },
	{ "metrics.null > 0", "" },
	{ "tags.Team = 'Vision'AND params.lr = '0.01'", "r1" },
	{ "tags.Team='Vision'and params.lr='0.01'", "r1" },
	{ "attributes.status = \"RUNNING\"", "r3 r1 r2 r6" },
	{ "status != \"RUNNING\"", "r4 r5" },
	{ "tags.\"Team\" = 'Vision'", "r1" },
	{ "tags.'Team' = 'Vision'", "r1" },
	{ "tags.`Team` = \"Vision\"", "r1" },
	{ "`tags`.`Team` = 'Vision'", "r1" },
	{ "params.lr = '0.01' anD tags.note IS NULL", "" },
	{ "metrics.acc = 0.90", "r5 r1 r2" },
	{ "metrics.acc = 9e-1", "r5 r1 r2" },
	{ "metrics.acc = .9", "r5 r1 r2" },
	{ "metrics.loss = -0", "r5" },
	{ "metrics.loss <= 0 and metrics.loss >= 0", "r5" },
	{ "metrics.loss != 1.7976931348623157e308", "r4 r5 r1 r2" },
	{ "attributes.run_name != 'r1'", "r4 r5 r3 r2 r6" },
	{ "attributes.run_name ILIKE 'R_'", "r4 r5 r3 r1 r2 r6" },
	{ "attributes.user_id = 'nobody'", "" },
	{ "params.lr LIKE '%'", "r3 r1 r2 r6" },
	{ "params.lr LIKE ''", "" },
	{ "tags.Team LIKE ''", "r5" },
	{ "tags.Team ILIKE '%ISI%'", "r3 r1 r2" },
};

/* mltop's own cases (not from the client): IN with the real ids, a tag
 * row holding NULL, GLOB's special characters in a LIKE pattern. */
static const struct {
	const char *filter, *want;
} own[] = {
	{ "attributes.run_id IN ('9d249d4a', 'e5c510e8')", "r1 r6" },
	{ "attributes.run_id in ('9d2' '49d4a')", "r1" },
	{ "attributes.run_id NOT IN ('9d249d4a', 'e5c510e8')", "r4 r5 r3 r2" },
	{ "run_id not in ('9d249d4a')", "r4 r5 r3 r2 r6" },
	{ "tags.nullv IS NOT NULL", "r6" },
	{ "tags.nullv IS NULL", "r4 r5 r3 r1 r2" },
	{ "tags.nullv != 'x'", "" },
	{ "tags.nullv LIKE '%'", "" },
	{ "tags.glob LIKE 'a*[b]?'", "r5" },
	{ "tags.glob LIKE 'a_[%'", "r5" },
	{ "tags.glob LIKE 'a[*]%'", "" },
	{ "tags.glob ILIKE 'A*[B]?'", "r5" },
	{ "tags.note LIKE '_n_'", "r6" },
	{ "tags.note LIKE '__n__'", "" },
	{ "tags.note LIKE '%%_%%_%%_%%'", "r5 r1 r2 r6" },
	{ "tags.note NOT IN ('x')", NULL },
	{ "attributes.user_id = 'mltop-user' and attributes.artifact_uri "
	  "LIKE 'file:///tmp/mlruns/1/a%'", "r4 r2" },
	{ "attributes.end_time < 5000", "r4 r5" },
	{ "attributes.end_time >= -1", "r4 r5" },
	{ "metrics.loss != 1e400", "r4 r5 r3 r1 r2" },
	{ "metrics.acc > -1e309", "r4 r5 r1 r2" },
};

static void check_filter(const char *filter, const char *want)
{
	char *err = NULL, *mem, *sql;
	struct search *q = search_parse(filter, NULL, 0, &err);

	if (!q) {
		ok(want == NULL, "%s: parses (%s)", filter, err);
		free(err);
		return;
	}
	if (!want) {
		ok(0, "%s: should not parse", filter);
		search_free(q);
		return;
	}
	mem = mem_answer(q);
	sql = sql_answer(q, filter);
	is_str(mem, want, "match: %s", filter);
	is_str(sql, mem, "sql = match: %s", filter);
	free(mem);
	free(sql);
	search_free(q);
}

/* Errors: the message (MLflow's wording where it has one) and where. */
static const struct {
	const char *filter, *want;
} errors[] = {
	{ "metrics.loss",
	  "Invalid clause(s) in filter string: 'metrics.loss' has no "
	  "comparator at position 12 in filter 'metrics.loss'" },
	{ "metrics.loss ~ 1",
	  "Invalid comparator '~' at position 13 in filter "
	  "'metrics.loss ~ 1'" },
	{ "metrics.loss > 'a'",
	  "Expected numeric value type for metric. Found 'a' at position 15 "
	  "in filter 'metrics.loss > 'a''" },
	{ "metrics.loss = abc",
	  "Expected numeric value type for metric. Found abc at position 15 "
	  "in filter 'metrics.loss = abc'" },
	{ "params.lr = 0.01",
	  "Expected a quoted string value for parameter (e.g. 'my-value'). "
	  "Got value 0.01 at position 12 in filter 'params.lr = 0.01'" },
	{ "params.lr > '0'",
	  "Invalid comparator '>' not one of '=, !=, LIKE, ILIKE, IS NULL, "
	  "IS NOT NULL' at position 10 in filter 'params.lr > '0''" },
	/* MLflow looks at the value before the comparator. */
	{ "params.lr IN ('a')",
	  "Expected a quoted string value for parameter (e.g. 'my-value'). "
	  "Got value ('a') at position 13 in filter 'params.lr IN ('a')'" },
	{ "   ", "Invalid filter '   '. Could not be parsed." },
	{ "attributes.status IN ('FAILED', 'FINISHED')",
	  "Only ['run_id'] attributes support comparison with a list of "
	  "quoted string values. at position 18 in filter 'attributes.status "
	  "IN ('FAILED', 'FINISHED')'" },
	{ "attributes.run_name IN ('r1')", "Only ['run_id'] attributes" },
	{ "attributes.status NOT IN ('FAILED')",
	  "Only ['run_id'] attributes" },
	{ "attributes.run_id IN ()",
	  "While parsing a list in the query, expected a non-empty list of "
	  "string values, but got empty list at position 21" },
	{ "attributes.run_id IN ('a', 1)",
	  "While parsing a list in the query, expected string value, "
	  "punctuation, or whitespace, but got '1' at position 27" },
	{ "attributes.run_id IN ('a'", "but got ill-formed list." },
	{ "attributes.run_id IN ('a' 1)", "but got ill-formed list." },
	{ "attributes.run_id IN 'x'",
	  "Invalid clause(s) in filter string: IN takes a list such as "
	  "('a', 'b'), found ''x'' at position 21" },
	{ "attributes.run_id = ('x')", "Only ['run_id'] attributes support "
	  "comparison with a list of quoted string values, with IN or NOT IN."
	},
	{ "attributes.run_id IN ('\\x41')", "mltop does not read the escape "
	  "'\\x' in a list: write the character itself at position 23" },
	{ "attributes.start_time = '1'",
	  "Expected numeric value type for numeric attribute: start_time. "
	  "Found '1' at position 24" },
	{ "attributes.start_time LIKE '1'",
	  "Expected numeric value type for numeric attribute: start_time. "
	  "Found '1' at position 27" },
	{ "attributes.start_time LIKE 1",
	  "Invalid comparator 'LIKE' not one of '=, !=, <, <=, >, >='" },
	{ "attributes.start_time > 1e+3",
	  "Expected numeric value type for numeric attribute: start_time. "
	  "Found 1e+3" },
	{ "attributes.foo = 'x'",
	  "Invalid attribute key 'foo' specified. Valid keys are "
	  "artifact_uri, created, end_time, run_id, run_name, start_time, "
	  "status, user_id, 'run name' at position 0" },
	{ "attributes.lifecycle_stage = 'active'",
	  "Invalid attribute key 'lifecycle_stage' specified." },
	{ "foo.bar = 'x'",
	  "Invalid entity type 'foo'. Valid values are metric(s), "
	  "parameter(s)/param(s), tag(s), attribute(s)/attr/run at "
	  "position 0" },
	{ "METRICS.loss > 0", "Invalid entity type 'METRICS'." },
	{ "metrics.loss IS NULL",
	  "IS NULL / IS NOT NULL is only supported for tags and params, not "
	  "for 'metric' 'loss' at position 13" },
	{ "attributes.status IS NULL",
	  "IS NULL / IS NOT NULL is only supported for tags and params, not "
	  "for 'attribute' 'status'" },
	{ "params.lr IS NOT", "Invalid comparator: IS must be followed by "
	  "NULL or NOT NULL (one space between NOT and NULL) at position 10" },
	{ "params.lr IS  NOT  NULL", "IS must be followed by NULL or NOT "
	  "NULL" },
	{ "params.lr IS NOT\tNULL", "IS must be followed by NULL or NOT "
	  "NULL" },
	{ "metrics.loss > 0 OR metrics.loss < 0",
	  "Invalid clause(s) in filter string: 'OR' (clauses are joined by "
	  "AND) at position 17" },
	{ "metrics.loss > 0; metrics.loss < 0",
	  "Search filter contained multiple expression. Provide AND-ed "
	  "expression list. at position 16" },
	{ "(metrics.loss > 0)", "parentheses are not supported" },
	/* What MLflow's tokenizer cannot make a clause of: its tokens. */
	{ "params.lr = '0.01", "Invalid clause(s) in filter string: "
	  "'params.lr', '=', ''', '0.01' at position 12" },
	{ "params.lr == '0.01'", "Invalid comparator '==' at position 10" },
	{ "params.lr <> '0.01'", "Invalid comparator '<>' at position 10" },
	{ "tags.Team NOT LIKE 'x'", "Invalid comparator 'NOT LIKE' at "
	  "position 10" },
	{ "metrics.loss > 1 > 2", "Invalid clause: expected an identifier "
	  "such as metrics.KEY, params.KEY, tags.KEY or attributes.KEY, "
	  "found '>' at position 17" },
	{ "datasets.name = 'x'", "mltop does not search datasets yet at "
	  "position 0" },
	{ "dataset.digest = 'x'", "mltop does not search datasets yet" },
	{ "metrics.loss > +1", "Invalid clause(s) in filter string: "
	  "'metrics.loss', '>', '+', '1' at position 15" },
	{ "metrics.loss > .5e1", "Invalid clause(s) in filter string: "
	  "'metrics.loss', '>', '.', '5e1' at position 15" },
	{ "metrics.loss > 0x10", "Expected numeric value type for metric. "
	  "Found 0x10" },
	{ "metrics.loss > 1e3x", "Found 1e3x" },
	{ "metrics.loss>0and metrics.acc>0", "Expected numeric value type "
	  "for metric. Found 0and at position 13" },
	{ "metrics.loss > 0 and not metrics.acc > 0", "Invalid clause(s) in "
	  "filter string: 'not' (clauses are joined by AND) at position 21" },
	{ "attributes.end_time IS NULL", "IS NULL / IS NOT NULL is only "
	  "supported for tags and params, not for 'attribute' 'end_time'" },
	{ "metrics.loss > inf", "Found inf" },
	{ "metrics.loss > NaN", "Found NaN" },
	{ "metrics.loss LIKE 1", "Invalid comparator 'LIKE' not one of "
	  "'=, !=, <, <=, >, >='" },
	{ "params.lr = `0.01`", "Parameter value is either not quoted or "
	  "unidentified quote types used for string value `0.01`. Use either "
	  "single or double quotes." },
	{ "metrics.`loss > 0", "Invalid clause(s) in filter string: "
	  "'metrics.', '`'" },
	{ "metrics.val-loss > 0", "Invalid comparator '-loss'" },
	{ "tags.a:b = 'x'", "Invalid comparator ':'" },
	{ "metrics. loss > 0", "Invalid identifier 'metrics.': a key must "
	  "follow the dot" },
	{ "metrics.loss > ", "Invalid clause(s) in filter string: "
	  "'metrics.loss', '>' at position 15" },
	{ "tags.x = 'a' and \xc3\xbc\xc3\xbc.x ~ 1",
	  "Invalid entity type '\xc3\xbc\xc3\xbc'. Valid values are metric(s), "
	  "parameter(s)/param(s), tag(s), attribute(s)/attr/run at "
	  "position 17" },
	{ "tags.\xc3\xbc = 'x' and metrics.a ~ 1", "at position 27" },
	{ "tags.x = '\xff'", "Invalid UTF-8 at position 10" },
	{ "tags.x = 'a\x01' OR", "(clauses are joined by AND) at position "
	  "14 in filter 'tags.x = 'a?' OR'" },
};

static void check_error(const char *filter, const char *want)
{
	char *err = NULL;
	struct search *q = search_parse(filter, NULL, 0, &err);

	if (q) {
		ok(0, "%s: should fail", filter);
		search_free(q);
		return;
	}
	if (err && strstr(err, want))
		ok(1, "error: %s", filter);
	else
		is_str(err, want, "error: %s", filter);
	free(err);
}

static const struct {
	const char *order[3];
	const char *want;
} orders[] = {
	{ { "metrics.loss ASC" }, "r4 r5 r1 r3 r2 r6" },
	{ { "metrics.loss DESC" }, "r3 r1 r5 r4 r2 r6" },
	{ { "metrics.loss" }, "r4 r5 r1 r3 r2 r6" },
	{ { "metrics.loss asc" }, "r4 r5 r1 r3 r2 r6" },
	{ { "metrics.loss Desc" }, "r3 r1 r5 r4 r2 r6" },
	{ { "`metrics`.loss" }, "r4 r5 r1 r3 r2 r6" },
	{ { "metrics.acc ASC" }, "r4 r5 r1 r2 r3 r6" },
	{ { "metrics.acc DESC" }, "r5 r1 r2 r4 r3 r6" },
	{ { "params.lr ASC" }, "r1 r6 r2 r3 r4 r5" },
	{ { "params.lr DESC" }, "r3 r2 r1 r6 r4 r5" },
	{ { "params.lr  DESC" }, "r3 r2 r1 r6 r4 r5" },
	{ { "tags.Team ASC" }, "r5 r3 r1 r2 r4 r6" },
	{ { "tags.Team DESC" }, "r2 r1 r3 r5 r4 r6" },
	{ { "attributes.start_time ASC" }, "r6 r1 r2 r3 r4 r5" },
	{ { "attributes.start_time DESC" }, "r4 r5 r3 r1 r2 r6" },
	{ { "start_time" }, "r6 r1 r2 r3 r4 r5" },
	{ { "created DESC" }, "r4 r5 r3 r1 r2 r6" },
	{ { "attributes.end_time ASC" }, "r4 r5 r3 r1 r2 r6" },
	{ { "attributes.end_time DESC" }, "r4 r5 r3 r1 r2 r6" },
	{ { "attributes.run_name DESC" }, "r6 r5 r4 r3 r2 r1" },
	{ { "attributes.status ASC" }, "r4 r5 r3 r1 r2 r6" },
	{ { "attributes.user_id" }, "r4 r5 r3 r1 r2 r6" },
	{ { "attributes.run_id DESC" }, "r6 r5 r2 r4 r1 r3" },
	{ { "run_id" }, "r3 r1 r4 r2 r5 r6" },
	{ { "metrics.`val loss` DESC" }, "r1 r4 r5 r3 r2 r6" },
	{ { "metrics.\"val loss\" DESC" }, "r1 r4 r5 r3 r2 r6" },
	{ { "params.`model.type` asc" }, "r1 r3 r5 r2 r4 r6" },
	{ { "metrics.acc DESC", "params.lr ASC" }, "r1 r2 r5 r4 r6 r3" },
	{ { NULL }, "r4 r5 r3 r1 r2 r6" },
};

static const struct {
	const char *order[3];
	const char *want;
} order_errors[] = {
	{ { "metrics.acc DESC", "metrics.acc ASC" },
	  "`order_by` contains duplicate fields: 'metrics.acc DESC' and "
	  "'metrics.acc ASC'" },
	{ { "metrics.loss", "metric.loss" },
	  "`order_by` contains duplicate fields" },
	{ { "created", "start_time" }, "`order_by` contains duplicate fields" },
	{ { "metrics.loss UP" }, "Invalid ordering key in order_by clause "
	  "(ASC or DESC). at position 13 in order_by 'metrics.loss UP'" },
	{ { "metrics.loss ASC DESC" }, "Invalid order_by clause. Could not "
	  "be parsed. at position 16 in order_by 'metrics.loss ASC DESC'" },
	{ { "metrics.loss DESC NULLS LAST" }, "Could not be parsed." },
	{ { "metrics.loss ASC," }, "Invalid ordering key in order_by" },
	{ { "metrics.loss;" }, "Could not be parsed. at position 12" },
	{ { " metrics.loss " }, "Could not be parsed. at position 0" },
	{ { "metrics.loss " }, "Could not be parsed. at position 13" },
	{ { "" }, "Could not be parsed. at position 0 in order_by ''" },
	{ { "foo.bar" }, "Invalid entity type 'foo'." },
	{ { "attributes.foo" }, "Invalid attribute key 'foo' specified. "
	  "Valid keys are artifact_uri, created, end_time, run_id, run_name, "
	  "start_time, status, user_id at position 0" },
	{ { "timestamp" }, "Invalid attribute key 'timestamp' specified." },
	{ { "`Run name`" }, "Invalid attribute key 'Run name' specified." },
	{ { "datasets.name" }, "mltop does not search datasets yet" },
};

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (n < 3 && v[n])
		n++;
	return n;
}

static void check_order(const char *const *order, const char *want)
{
	char *err = NULL, *got;
	size_t n = count(order);
	struct search *q = search_parse(NULL, order, n, &err);

	if (!q) {
		ok(0, "order %s: %s", n ? order[0] : "(none)", err);
		free(err);
		return;
	}
	got = mem_answer(q);
	is_str(got, want, "order %s%s%s", n ? order[0] : "(default)",
	       n > 1 ? ", " : "", n > 1 ? order[1] : "");
	free(got);
	got = sql_order_answer(q, true);
	is_str(got, want, "sql order %s%s%s", n ? order[0] : "(default)",
	       n > 1 ? ", " : "", n > 1 ? order[1] : "");
	free(got);
	got = sql_order_answer(q, false);
	is_str(got, want, "sql order, run name from the tag: %s",
	       n ? order[0] : "(default)");
	free(got);
	search_free(q);
}

static void check_order_error(const char *const *order, const char *want)
{
	char *err = NULL;
	struct search *q = search_parse(NULL, order, count(order), &err);

	if (q) {
		ok(0, "order %s: should fail", order[0]);
		search_free(q);
		return;
	}
	if (err && strstr(err, want))
		ok(1, "order error: %s", order[0]);
	else
		is_str(err, want, "order error: %s", order[0]);
	free(err);
}

/* The interface's small promises: texts kept, NULL and blank filters,
 * parameter numbering, limits. */
static void check_interface(void)
{
	const char *ob[] = { "metrics.loss DESC", "params.lr" };
	char *err = NULL, *big, *p;
	struct search *q;
	struct search_sql sql;
	size_t i;

	q = search_parse("  metrics.loss > 0 ", ob, 2, &err);
	ok(q && !err, "parse with order_by");
	ok(search_has_filter(q), "has a filter");
	is_str(search_filter_text(q), "  metrics.loss > 0 ", "filter as typed");
	is_int((long long)search_order_count(q), 2, "two order_by clauses");
	is_str(search_order_text(q, 1), "params.lr", "order_by text kept");
	ok(search_order_text(q, 2) == NULL, "past the last order_by");
	ok(search_sql(q, 5, false, &sql, &err) == 0, "sql from ?5");
	is_int(sql.nparams, 2, "two parameters");
	ok(strstr(sql.where, "?5") && strstr(sql.where, "?6") &&
	   !strstr(sql.where, "loss"), "numbered from ?5, no key pasted");
	search_sql_free(&sql);
	search_free(q);

	q = search_parse(NULL, NULL, 0, &err);
	ok(q && !search_has_filter(q) && !search_filter_text(q),
	   "NULL filter: every run");
	ok(search_sql(q, 1, true, &sql, &err) == 0 &&
	   !strcmp(sql.where, "1") && sql.nparams == 0, "no filter: SQL 1");
	search_sql_free(&sql);
	search_free(q);
	ok(search_match(NULL, runs[0]), "NULL search matches");
	ok(search_cmp(NULL, runs[3], runs[0]) < 0, "NULL search: start "
	   "time descending");
	ok(search_cmp(NULL, runs[3], runs[4]) < 0 &&
	   search_cmp(NULL, runs[4], runs[3]) > 0 &&
	   search_cmp(NULL, runs[4], runs[4]) == 0, "ties by run id");

	q = search_parse("metrics.a > 0", NULL, 0, NULL);
	ok(q != NULL, "err may be NULL");
	search_free(q);
	ok(search_parse("metrics.a ~ 0", NULL, 0, NULL) == NULL,
	   "err may be NULL on error");

	/* limits */
	big = xmalloc(70000);
	memset(big, ' ', 69999);
	big[69999] = '\0';
	memcpy(big, "tags.x = 'a'", 12);
	q = search_parse(big, NULL, 0, &err);
	ok(!q && err && strstr(err, "Filter too long (mltop takes up to "
				"65536 bytes) at position 65536") &&
	   strlen(err) < 400, "filter length capped, echo cut");
	free(err);
	p = big;
	for (i = 0; i < 300; i++)
		p += sprintf(p, "%stags.t%zu = 'x'", i ? " AND " : "", i);
	q = search_parse(big, NULL, 0, &err);
	ok(!q && err && strstr(err, "Too many clauses (mltop takes up to "
				"256)"), "clauses capped");
	free(err);
	p = big + sprintf(big, "run_id IN (");
	for (i = 0; i < 5000; i++)
		p += sprintf(p, "%s'%zu'", i ? "," : "", i);
	strcpy(p, ")");
	q = search_parse(big, NULL, 0, &err);
	ok(!q && err && strstr(err, "Too many values in IN lists"),
	   "IN values capped");
	free(err);
	/* 256 clauses in a row: as SQL, every one bound */
	p = big;
	for (i = 0; i < 256; i++)
		p += sprintf(p, "%smetrics.`k %zu` != %zu", i ? " and " : "",
			     i, i);
	q = search_parse(big, NULL, 0, &err);
	ok(q != NULL, "256 clauses parse");
	ok(q && search_sql(q, 1, true, &sql, &err) == 0 &&
	   sql.nparams == 512, "256 clauses: 512 parameters");
	if (q) {
		char *t = xasprintf("SELECT count(*) FROM runs r WHERE %s",
				    sql.where);
		sqlite3_stmt *st;

		ok(sqlite3_prepare_v2(db, t, -1, &st, NULL) == SQLITE_OK &&
		   search_sql_bind(&sql, st) == 0 &&
		   sqlite3_step(st) == SQLITE_ROW &&
		   sqlite3_column_int(st, 0) == 0, "256 clauses run in SQLite");
		sqlite3_finalize(st);
		free(t);
		search_sql_free(&sql);
	}
	search_free(q);
	/* a long LIKE against a long value stays quick (no recursion) */
	memset(big, '%', 20000);
	strcpy(big + 20000, "b");
	{
		char *f = xasprintf("tags.long LIKE '%s'", big);
		char *v = xmalloc(30001);

		memset(v, 'a', 30000);
		v[30000] = '\0';
		kv_list_set(&runs[0]->tags, "long", v);
		q = search_parse(f, NULL, 0, &err);
		ok(q && !search_match(q, runs[0]), "long LIKE: no match");
		search_free(q);
		free(f);
		f = xasprintf("tags.long LIKE '%%a%%a%%a%%b'");
		q = search_parse(f, NULL, 0, &err);
		ok(q && !search_match(q, runs[0]), "several %% then no match");
		search_free(q);
		free(f);
		free(v);
	}
	free(big);
	{
		const char *many[33];

		for (i = 0; i < 33; i++)
			many[i] = "metrics.loss";
		ok(search_parse(NULL, many, 33, &err) == NULL && err &&
		   strstr(err, "Too many order_by clauses"), "order_by capped");
		free(err);
	}
}

int main(void)
{
	size_t i;

	setup();
	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
		check_filter(filters[i].filter, filters[i].want);
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		check_filter(own[i].filter, own[i].want);
	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		check_error(errors[i].filter, errors[i].want);
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		check_order(orders[i].order, orders[i].want);
	for (i = 0; i < sizeof(order_errors) / sizeof(order_errors[0]); i++)
		check_order_error(order_errors[i].order, order_errors[i].want);
	{
		const char *ob[] = { "metrics.loss DESC" };
		char *err = NULL, *a, *b;
		struct search *q = search_parse("params.lr LIKE '%'", ob, 1,
						&err);

		a = mem_answer(q);
		b = sql_order_answer(q, true);
		is_str(a, "r3 r1 r2 r6", "filter and order in memory");
		is_str(b, a, "filter and order as SQL");
		free(a);
		free(b);
		search_free(q);
	}
	check_interface();
	model_free(&model);
	sqlite3_close(db);
	return done_testing();
}
