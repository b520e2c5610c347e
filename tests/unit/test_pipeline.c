/* test_pipeline.c: the pipeline model and the Airflow 3 reply parsers,
 * on replies of a real `airflow standalone` 3.3.2 (tests/fixtures/airflow,
 * captured with curl from the API), and on replies that are broken. Also
 * ISO-8601 times and ~/.netrc. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"
#include "core/xmalloc.h"
#include "pipeline/airflow_parse.h"
#include "pipeline/pipe_creds.h"
#include "pipeline/pipeline.h"
#include "tap.h"

static char fixdir[4096];

static char *slurp(const char *name, size_t *len)
{
	char path[4200];
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	do {
		buf = xgrow(buf, &cap, n + 65536, 1);
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf = xgrow(buf, &cap, n + 1, 1);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void test_times(void)
{
	int64_t t;

	ok(parse_time_iso("1970-01-01T00:00:00Z", &t) && t == 0, "epoch");
	ok(parse_time_iso("2026-12-05T05:35:10.289002Z", &t) &&
	   t == 1796448910289LL, "microseconds cut to ms: %lld",
	   (long long)t);
	ok(parse_time_iso("2026-12-05T07:35:10+02:00", &t) &&
	   t == 1796448910000LL, "an offset");
	ok(parse_time_iso("2026-12-05T05:34:53.065720+00:00", &t) &&
	   t == 1796448893065LL, "fraction and +00:00");
	ok(parse_time_iso("2024-02-29T12:00:00Z", &t) &&
	   t == 1709208000000LL, "a leap day");
	ok(!parse_time_iso("2026-13-05T05:35:10Z", &t) && t == 0,
	   "month 13 refused");
	ok(!parse_time_iso("yesterday", &t), "words refused");
	ok(!parse_time_iso("2026-12-05T05:35:10Zjunk", &t), "trailing junk");
	ok(!parse_time_iso("2026-12-05T05:35:10.", &t), "an empty fraction");
	ok(!parse_time_iso(NULL, &t), "NULL");
}

static void test_states(void)
{
	is_int(pipe_state_parse("running"), PS_RUNNING, "running");
	is_int(pipe_state_parse("UP_FOR_RETRY"), PS_UP_FOR_RETRY, "any case");
	is_int(pipe_state_parse("frobbed"), PS_OTHER, "unknown word");
	is_int(pipe_state_parse(NULL), PS_NONE, "null state");
	is_str(pipe_state_name(PS_UPSTREAM_FAILED), "upstream_failed",
	       "name");
	ok(pipe_state_final(PS_FAILED) && !pipe_state_final(PS_QUEUED),
	   "final states");
}

static void test_real_replies(void)
{
	struct pipe_dag *d;
	struct pipe_run *r;
	struct pipe_task *t;
	struct pipe_task_def *defs;
	struct pipe_model m;
	size_t n, len, order[8];
	long total;
	char *err = NULL, *body;

	body = slurp("dags.json", &len);
	ok(body && af_parse_dags(body, len, &d, &n, &total, &err) == 0,
	   "dags.json parses");
	if (body && n == 1) {
		is_str(d[0].id, "mltop_ok", "dag id");
		ok(!d[0].paused, "not paused, as it came");
		is_str(d[0].tags, "mltop-test", "tags by name");
		is_str(d[0].owners, "airflow", "owners");
		ok(d[0].json && strstr(d[0].json, "\"file_token\""),
		   "the object kept whole for --json");
		is_int(total, 1, "total_entries");
		pipe_dags_free(d, n);
	}
	free(body);

	body = slurp("dag_runs.json", &len);
	ok(body && af_parse_runs(body, len, &r, &n, &total, &err) == 0,
	   "dag_runs.json parses");
	if (body && n == 1) {
		ok(strncmp(r[0].run_id, "manual__", 8) == 0, "run id");
		is_int(r[0].state, PS_SUCCESS, "state");
		is_str(r[0].run_type, "manual", "run type");
		ok(r[0].start_ms > 1796448000000LL && r[0].end_ms >=
		   r[0].start_ms, "times");
		is_str(r[0].conf, "{\"a\":1}", "conf as compact JSON");
		pipe_runs_free(r, n);
	}
	free(body);

	body = slurp("task_instances.json", &len);
	ok(body && af_parse_tasks(body, len, &t, &n, &total, &err) == 0,
	   "task_instances.json parses");
	if (body && n == 3) {
		for (size_t i = 0; i < n; i++) {
			ok(t[i].map_index == -1, "%s not mapped",
			   t[i].task_id);
			/* train and evaluate were cleared once. */
			is_int(t[i].try_number,
			       strcmp(t[i].task_id, "prep") == 0 ? 1 : 2,
			       "%s try number", t[i].task_id);
			is_int(t[i].state, PS_SUCCESS, "%s state",
			       t[i].task_id);
		}
		pipe_tasks_free(t, n);
	}
	free(body);

	body = slurp("tasks.json", &len);
	pipe_model_init(&m);
	ok(body && af_parse_defs(body, len, &defs, &n, &err) == 0,
	   "tasks.json parses");
	if (body) {
		m.defs = defs;
		m.ndefs = n;
		is_int(pipe_defs_order(&m, order), 3, "all in order");
		is_str(m.defs[order[0]].task_id, "prep", "prep first");
		is_str(m.defs[order[1]].task_id, "train", "then train");
		is_str(m.defs[order[2]].task_id, "evaluate", "evaluate last");
	}
	free(body);

	body = slurp("log_prep.json", &len);
	ok(body && af_parse_log(body, len, &m, 0, &err) == 0,
	   "log_prep.json parses");
	ok(m.nlog > 5, "log lines: %zu", m.nlog);
	ok(m.log_token == NULL, "no continuation token (null)");
	if (m.nlog > 3) {
		is_str(m.log[0].text, "::group::Log message source details",
		       "first line");
		ok(m.log[3].time_ms > 0 && m.log[3].level &&
		   strcmp(m.log[3].level, "info") == 0, "time and level");
	}
	free(body);
	pipe_model_free(&m);

	body = slurp("import_errors.json", &len);
	{
		struct pipe_import_error *ie;

		ok(body && af_parse_import_errors(body, len, &ie, &n, &err) ==
		   0, "import_errors.json parses");
		if (body && n == 1) {
			is_str(ie[0].filename, "mltop_broken.py", "the file");
			is_str(ie[0].message, "ModuleNotFoundError: No module "
			       "named 'no_such_module_here'",
			       "the trace's last line");
			pipe_import_errors_free(ie, n);
		} else {
			ok(0, "one import error, got %zu", n);
		}
	}
	free(body);

	body = slurp("error_404.json", &len);
	err = body ? af_parse_error(body, len) : NULL;
	is_str(err, "The Dag with ID: `nosuch` was not found", "404 detail");
	free(err);
	free(body);
	body = slurp("error_422.json", &len);
	err = body ? af_parse_error(body, len) : NULL;
	is_str(err, "dag_run_id: Input should be a valid string",
	       "422: the field and the message");
	free(err);
	free(body);
}

static void bad(const char *what, const char *body, const char *want)
{
	struct pipe_dag *d;
	size_t n;
	long total;
	char *err = NULL;
	int rc = af_parse_dags(body, strlen(body), &d, &n, &total, &err);

	ok(rc == -1 && d == NULL && n == 0, "%s: refused", what);
	is_str(err, want, "%s: message", what);
	free(err);
}

static void test_bad_replies(void)
{
	struct pipe_model m;
	char *err = NULL, *tok = NULL;
	const char *log1 = "{\"content\":\"one\\ntwo\\n\","
			   "\"continuation_token\":\"abc\"}";

	bad("not JSON", "<html>", "not JSON");
	bad("a list", "[]", "an array, not a JSON object");
	bad("no dags", "{\"total_entries\":0}", "dags: missing");
	bad("dag_id a number", "{\"dags\":[{\"dag_id\":\"a\"},{\"dag_id\":7}]}",
	    "dags[1].dag_id: an integer, not a string");
	bad("empty id", "{\"dags\":[{\"dag_id\":\"\"}]}",
	    "dags[0].dag_id: empty");
	bad("tags not names", "{\"dags\":[{\"dag_id\":\"a\",\"tags\":[3]}]}",
	    "dags[0].tags: an item that is an integer, not a name");
	bad("bad time",
	    "{\"dags\":[{\"dag_id\":\"a\",\"next_dagrun_run_after\":\"soon\"}]}",
	    "dags[0].next_dagrun_run_after: not an ISO-8601 time");
	bad("hostile key in the message",
	    "{\"dags\":[{\"dag_id\":\"a\",\"is_paused\":\"\\u001b]0;x\\u0007\"}]}",
	    "dags[0].is_paused: a string, not a boolean");

	pipe_model_init(&m);
	ok(af_parse_log(log1, strlen(log1), &m, 0, &err) == 0,
	   "a log as one text");
	is_int(m.nlog, 2, "two lines");
	is_str(m.log_token, "abc", "the token");
	for (int i = 0; i < 30; i++) {
		const char *one = "{\"content\":[{\"event\":\"x\"}]}";

		ok(af_parse_log(one, strlen(one), &m, 10, &err) == 0 && !err,
		   "a line appended (%d)", i);
		free(err);
		err = NULL;
	}
	ok(m.nlog <= 10, "lines capped at the limit: %zu", m.nlog);
	ok(af_parse_log("{\"content\":5}", 13, &m, 0, &err) == -1 && err,
	   "content a number refused");
	free(err);
	pipe_model_free(&m);

	ok(af_parse_token("{\"access_token\":\"t1\"}", 21, &tok, &err) == 0 &&
	   tok && strcmp(tok, "t1") == 0, "token");
	free(tok);
	ok(af_parse_token("{\"detail\":\"no\"}", 15, &tok, &err) == -1 &&
	   tok == NULL, "no token refused");
	free(err);
}

static void test_order_cycle(void)
{
	struct pipe_model m;
	struct pipe_task_def d[3] = {0};
	char a[] = "a", b[] = "b", c[] = "c";
	char *ab[] = {b}, *ba[] = {a};
	size_t order[3];

	pipe_model_init(&m);
	d[0].task_id = c;
	d[1].task_id = a;
	d[1].downstream = ab;
	d[1].ndownstream = 1;
	d[2].task_id = b;
	d[2].downstream = ba;
	d[2].ndownstream = 1;
	m.defs = d;
	m.ndefs = 3;
	is_int(pipe_defs_order(&m, order), 3, "a cycle still lists all");
	is_str(d[order[0]].task_id, "c", "the free one first");
	is_str(d[order[1]].task_id, "a", "then the cycle by id");
}

static void test_netrc(void)
{
	const char *text =
		"# comment words are tokens to netrc, not to us\n"
		"machine other login o password op\n"
		"macdef init\ncd /\nls\n\n"
		"machine af.example login admin\n  password \"s3 cret\"\n"
		"default login anon password anonpw\n";
	char *l, *p;

	ok(netrc_lookup(text, strlen(text), "af.example", &l, &p) == 0,
	   "the host's entry");
	is_str(l, "admin", "login");
	is_str(p, "s3 cret", "a quoted password");
	free(l);
	free(p);
	ok(netrc_lookup(text, strlen(text), "nosuch", &l, &p) == 0,
	   "default for another host");
	is_str(l, "anon", "default login");
	free(l);
	free(p);
	ok(netrc_lookup("machine x", 9, "y", &l, &p) == -1 && !l && !p,
	   "nothing for y");
}

int main(void)
{
	const char *src = getenv("srcdir");

	if (src && *src)
		snprintf(fixdir, sizeof(fixdir), "%s/tests/fixtures/airflow",
			 src);
	else
		snprintf(fixdir, sizeof(fixdir),
			 "%s/../tests/fixtures/airflow", MLTOP_SRC_THEMEDIR);
	test_times();
	test_states();
	test_real_replies();
	test_bad_replies();
	test_order_cycle();
	test_netrc();
	return done_testing();
}
