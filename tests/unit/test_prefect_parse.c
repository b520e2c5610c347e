/* test_prefect_parse.c: the Prefect 3 reply parsers (prefect_parse.c) on
 * replies shaped as a Prefect 3 server sends them, and on broken ones:
 * flows, deployments (schedules, pool, parameter schema), flow runs and
 * their states, task runs, logs, error details, and the check of a
 * trigger's parameters against a deployment's schema. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "pipeline/pjson.h"
#include "pipeline/prefect_parse.h"
#include "tap.h"

#define FLOW_ID "5b1f3c2e-8d7a-4c1b-9e0f-2a6d4b8c1e3f"
#define DEP_ID "9c2d4e6f-1a3b-4c5d-8e7f-0a1b2c3d4e5f"
#define RUN_ID "3f4a5b6c-7d8e-4f9a-0b1c-2d3e4f5a6b7c"

/* 2026-12-05T05:35:10.289002Z, cut to ms. */
#define T_END 1796448910289LL

static void test_states(void)
{
	static const struct {
		const char *type;
		enum pipe_state want;
	} cases[] = {
		{"SCHEDULED", PS_SCHEDULED}, {"PENDING", PS_QUEUED},
		{"RUNNING", PS_RUNNING}, {"COMPLETED", PS_SUCCESS},
		{"FAILED", PS_FAILED}, {"CANCELLED", PS_CANCELLED},
		{"CRASHED", PS_FAILED}, {"PAUSED", PS_DEFERRED},
		{"CANCELLING", PS_RUNNING}, {"completed", PS_SUCCESS},
		{"Crashed", PS_FAILED},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(pf_state(cases[i].type), cases[i].want, "state %s",
		       cases[i].type);
	/* A state's name is not its type: AwaitingRetry is of type
	 * SCHEDULED, and only the type is mapped. */
	is_int(pf_state("AwaitingRetry"), PS_OTHER, "a name is not a type");
	is_int(pf_state("FROBBED"), PS_OTHER, "an unknown type");
	is_int(pf_state(""), PS_NONE, "empty: no state");
	is_int(pf_state(NULL), PS_NONE, "NULL: no state");
}

static void test_flows(void)
{
	const char *body =
		"[{\"id\":\"" FLOW_ID "\",\"created\":\"2026-12-05T05:30:01Z\","
		"\"name\":\"etl\",\"tags\":[\"ml\",\"nightly\"],\"labels\":{}},"
		"{\"id\":\"f2\",\"name\":\"train\",\"tags\":[]}]";
	struct pf_flow *f = NULL;
	size_t n = 0;
	char *err = NULL;

	ok(pf_parse_flows(body, strlen(body), &f, &n, &err) == 0 && !err,
	   "flows parse");
	is_int(n, 2, "two flows");
	if (n == 2) {
		is_str(f[0].id, FLOW_ID, "flow id");
		is_str(f[0].name, "etl", "flow name");
		is_str(f[0].tags, "ml, nightly", "tags joined");
		ok(f[0].json && strstr(f[0].json, "\"labels\":{}") &&
		   strstr(f[0].json, "\"created\""),
		   "the object kept whole for --json");
		is_str(f[1].tags, NULL, "no tags: NULL");
	}
	pf_flows_free(f, n);
	ok(pf_parse_flows("[]", 2, &f, &n, &err) == 0 && n == 0,
	   "an empty list");
	pf_flows_free(f, n);
}

static void test_deployments(void)
{
	const char *body =
		"[{\"id\":\"" DEP_ID "\",\"name\":\"nightly\","
		"\"flow_id\":\"" FLOW_ID "\",\"paused\":false,"
		"\"schedules\":[{\"active\":true,\"schedule\":"
		"{\"cron\":\"0 3 * * *\",\"timezone\":\"UTC\"}},"
		"{\"active\":true,\"schedule\":{\"interval\":3600.0}},"
		"{\"active\":false,\"schedule\":{\"interval\":60}},"
		"{\"active\":true,\"schedule\":{\"rrule\":\"FREQ=DAILY\"}}],"
		"\"work_pool_name\":\"default\",\"tags\":[\"ml\"],"
		"\"description\":\"Nightly load\","
		"\"parameter_openapi_schema\":{\"type\":\"object\","
		"\"properties\":{\"n\":{\"type\":\"integer\"}},"
		"\"required\":[\"n\"]},"
		"\"enforce_parameter_schema\":true},"
		"{\"id\":\"d2\",\"name\":\"hourly\",\"flow_id\":\"" FLOW_ID "\","
		"\"paused\":true,\"schedules\":[{\"active\":true,"
		"\"schedule\":{\"interval\":86400}}],\"work_pool_name\":null,"
		"\"parameter_openapi_schema\":null},"
		"{\"id\":\"d3\",\"name\":\"adhoc\",\"flow_id\":\"" FLOW_ID "\","
		"\"schedules\":[]}]";
	struct pf_deployment *d = NULL;
	size_t n = 0;
	char *err = NULL;

	ok(pf_parse_deployments(body, strlen(body), &d, &n, &err) == 0 &&
	   !err, "deployments parse");
	is_int(n, 3, "three deployments");
	if (n == 3) {
		is_str(d[0].id, DEP_ID, "deployment id");
		is_str(d[0].name, "nightly", "deployment name");
		is_str(d[0].flow_id, FLOW_ID, "its flow");
		ok(!d[0].paused, "not paused");
		is_str(d[0].schedule, "0 3 * * * +2",
		       "the first active schedule, +2 active others");
		is_str(d[0].pool, "default", "work pool");
		is_str(d[0].tags, "ml", "tags");
		is_str(d[0].description, "Nightly load", "description");
		is_str(d[0].schema, "{\"type\":\"object\",\"properties\":"
		       "{\"n\":{\"type\":\"integer\"}},\"required\":[\"n\"]}",
		       "the parameter schema as compact JSON");
		ok(d[0].enforce_schema, "schema enforced");
		ok(d[1].paused, "paused");
		is_str(d[1].schedule, "every 1d", "a day's interval");
		is_str(d[1].pool, NULL, "no pool");
		is_str(d[1].schema, NULL, "no schema");
		ok(!d[1].enforce_schema, "not enforced when absent");
		is_str(d[2].schedule, NULL, "no schedules: NULL");
		ok(!d[2].paused, "paused absent: false");
	}
	pf_deployments_free(d, n);
}

/* One deployment with the schedules given: its schedule text, or the
 * error when it is refused. */
static void schedule_is(const char *schedules, const char *want,
			const char *want_err)
{
	char body[512];
	struct pf_deployment *d = NULL;
	size_t n = 0;
	char *err = NULL;
	int rc;

	snprintf(body, sizeof(body), "[{\"id\":\"d\",\"name\":\"x\","
		 "\"flow_id\":\"f\",\"schedules\":%s}]", schedules);
	rc = pf_parse_deployments(body, strlen(body), &d, &n, &err);
	if (want_err) {
		ok(rc == -1 && !d && n == 0, "%s refused", schedules);
		is_str(err, want_err, "%s: message", schedules);
	} else {
		ok(rc == 0 && n == 1, "%s parses", schedules);
		is_str(n == 1 ? d[0].schedule : NULL, want, "%s in words",
		       schedules);
	}
	free(err);
	pf_deployments_free(d, n);
}

static void test_schedules(void)
{
	schedule_is("[{\"schedule\":{\"interval\":3600}}]", "every 1h", NULL);
	schedule_is("[{\"schedule\":{\"interval\":120}}]", "every 2m", NULL);
	schedule_is("[{\"schedule\":{\"interval\":90}}]", "every 90s", NULL);
	schedule_is("[{\"schedule\":{\"interval\":0.5}}]", "every 0.5s",
		    NULL);
	schedule_is("[{\"schedule\":{\"interval\":0}}]", "every ?", NULL);
	schedule_is("[{\"schedule\":{\"interval\":-60}}]", "every ?", NULL);
	schedule_is("[{\"schedule\":{\"rrule\":\"FREQ=HOURLY\"}}]", "rrule",
		    NULL);
	schedule_is("[{\"active\":false,\"schedule\":{\"cron\":\"* * * * *\"}}]",
		    NULL, NULL);
	schedule_is("null", NULL, NULL);
	schedule_is("[{\"schedule\":{\"cron\":\"\\u001b[2J0 3 * * *\"}}]",
		    "^[[2J0 3 * * *", NULL);
	schedule_is("[{\"schedule\":{\"every\":5}}]", NULL,
		    "items[0].schedules: a schedule mltop does not know");
	schedule_is("{}", NULL, "items[0].schedules: an object, not an array");
	schedule_is("[5]", NULL,
		    "items[0].schedules: an item that is not a schedule");
	schedule_is("[{\"schedule\":\"0 3 * * *\"}]", NULL,
		    "items[0].schedules: an item that is not a schedule");
}

static void test_runs(void)
{
	const char *body =
		"[{\"id\":\"" RUN_ID "\",\"name\":\"witty-fox\","
		"\"flow_id\":\"" FLOW_ID "\",\"deployment_id\":\"" DEP_ID "\","
		"\"parameters\":{\"n\":3,\"label\":\"a\"},"
		"\"state_type\":\"COMPLETED\",\"state_name\":\"Completed\","
		"\"expected_start_time\":\"2026-12-05T05:35:00Z\","
		"\"start_time\":\"2026-12-05T05:35:01.250000Z\","
		"\"end_time\":\"2026-12-05T05:35:10.289002Z\","
		"\"auto_scheduled\":false,"
		"\"created_by\":{\"id\":null,\"type\":\"USER\","
		"\"display_value\":\"admin\"},"
		"\"state\":{\"type\":\"COMPLETED\",\"name\":\"Completed\","
		"\"message\":\"All states completed.\"}},"
		"{\"id\":\"r2\",\"name\":\"calm-owl\","
		"\"deployment_id\":\"" DEP_ID "\",\"parameters\":{},"
		"\"state_type\":\"SCHEDULED\",\"state_name\":\"AwaitingRetry\","
		"\"expected_start_time\":\"2026-12-05T06:00:00+00:00\","
		"\"start_time\":null,\"end_time\":null,\"auto_scheduled\":true,"
		"\"created_by\":null,\"state\":{\"message\":null}},"
		"{\"id\":\"r3\",\"deployment_id\":null,\"parameters\":null,"
		"\"state_type\":\"CRASHED\",\"state_name\":\"Crashed\"},"
		"{\"id\":\"r4\",\"state_type\":\"CANCELLING\"},"
		"{\"id\":\"r5\",\"state_type\":\"PAUSED\","
		"\"state_name\":\"Suspended\"}]";
	struct pipe_run *r = NULL;
	size_t n = 0;
	char *err = NULL, *dep;

	ok(pf_parse_runs(body, strlen(body), "etl/nightly", &r, &n, &err) ==
	   0 && !err, "flow runs parse");
	is_int(n, 5, "five runs");
	if (n != 5) {
		pipe_runs_free(r, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		is_str(r[i].dag_id, "etl/nightly", "run %zu: the pipeline", i);
	is_str(r[0].run_id, RUN_ID, "run id");
	is_str(r[0].name, "witty-fox", "run name");
	is_int(r[0].state, PS_SUCCESS, "COMPLETED: success");
	is_str(r[0].state_text, "Completed", "state name kept");
	is_int(r[0].queued_ms, 1796448900000LL, "expected start");
	is_int(r[0].logical_ms, r[0].queued_ms, "logical time: the expected");
	is_int(r[0].start_ms, 1796448901250LL, "start");
	is_int(r[0].end_ms, T_END, "end");
	is_str(r[0].run_type, "manual", "a deployment's run, not scheduled");
	is_str(r[0].conf, "{\"label\":\"a\",\"n\":3}",
	       "parameters compact, keys sorted");
	is_str(r[0].triggered_by, "admin", "created by");
	is_str(r[0].note, "All states completed.", "the state's message");
	ok(r[0].json && strstr(r[0].json, "\"flow_id\""), "JSON kept");

	is_int(r[1].state, PS_SCHEDULED, "AwaitingRetry: type SCHEDULED");
	is_str(r[1].state_text, "AwaitingRetry", "its name kept");
	is_str(r[1].run_type, "scheduled", "auto scheduled");
	is_str(r[1].conf, "{}", "empty parameters");
	is_int(r[1].start_ms, 0, "no start");
	is_str(r[1].triggered_by, NULL, "created_by null");
	is_str(r[1].note, NULL, "message null");

	is_int(r[2].state, PS_FAILED, "CRASHED: failed");
	is_str(r[2].run_type, "ad hoc", "no deployment: ad hoc");
	is_str(r[2].conf, NULL, "parameters null");
	is_str(r[2].name, NULL, "no name");
	is_int(r[3].state, PS_RUNNING, "CANCELLING: still running");
	is_str(r[3].state_text, NULL, "no state name");
	is_int(r[4].state, PS_DEFERRED, "PAUSED: deferred");

	dep = pf_run_deployment(r[0].json);
	is_str(dep, DEP_ID, "the run's deployment");
	free(dep);
	dep = pf_run_deployment(r[2].json);
	is_str(dep, "", "null deployment: \"\"");
	free(dep);
	pipe_runs_free(r, n);
	dep = pf_run_deployment(NULL);
	is_str(dep, "", "NULL JSON: \"\"");
	free(dep);
	dep = pf_run_deployment("{not json");
	is_str(dep, "", "broken JSON: \"\"");
	free(dep);
	dep = pf_run_deployment("{\"deployment_id\":7}");
	is_str(dep, "", "a number: \"\"");
	free(dep);
}

static void test_one_run(void)
{
	const char *body =
		"{\"id\":\"" RUN_ID "\",\"name\":\"witty-fox\","
		"\"deployment_id\":\"" DEP_ID "\",\"parameters\":{\"n\":3},"
		"\"state_type\":\"PENDING\",\"state_name\":\"Pending\","
		"\"state\":{\"type\":\"PENDING\",\"message\":\"\\u001b[31mred\"}}";
	struct pipe_run one, *tmp;
	char *err = NULL;

	ok(pf_parse_run(body, strlen(body), "etl/nightly", &one, &err) == 0 &&
	   !err, "one flow run parses");
	is_str(one.run_id, RUN_ID, "its id");
	is_str(one.dag_id, "etl/nightly", "its pipeline");
	is_int(one.state, PS_QUEUED, "PENDING: queued");
	is_str(one.conf, "{\"n\":3}", "its parameters");
	/* Kept as sent: sanitised when drawn. */
	is_str(one.note, "\x1b[31mred", "the message as sent");
	tmp = malloc(sizeof(*tmp));
	*tmp = one;
	pipe_runs_free(tmp, 1);

	ok(pf_parse_run("[]", 2, "x", &one, &err) == -1 && !one.run_id &&
	   !one.json, "a list refused, nothing handed back");
	is_str(err, "an array, not a JSON object", "its message");
	free(err);
	body = "{\"id\":\"r\",\"parameters\":[1],\"state_type\":\"RUNNING\"}";
	ok(pf_parse_run(body, strlen(body), "x", &one, &err) == -1 &&
	   !one.run_id && !one.dag_id && !one.json,
	   "parameters a list: refused, the half-read run freed");
	is_str(err, "parameters: an array, not an object", "its message");
	free(err);
	ok(pf_parse_run("{\"name\":\"x\"}", 12, "x", &one, &err) == -1,
	   "no id refused");
	is_str(err, "id: missing", "its message");
	free(err);
	ok(pf_parse_run("{\"id\":", 6, "x", &one, &err) == -1, "cut short");
	is_str(err, "not JSON", "its message");
	free(err);
}

static void test_tasks(void)
{
	const char *body =
		"[{\"id\":\"t1\",\"name\":\"load-a1b\","
		"\"flow_run_id\":\"" RUN_ID "\",\"task_key\":\"load-6fd3a1\","
		"\"dynamic_key\":\"0\",\"empirical_policy\":{\"retries\":2,"
		"\"retry_delay\":0},\"run_count\":2,\"state_type\":\"FAILED\","
		"\"state_name\":\"Failed\","
		"\"expected_start_time\":\"2026-12-05T05:35:02Z\","
		"\"start_time\":\"2026-12-05T05:35:02.100000Z\","
		"\"end_time\":\"2026-12-05T05:35:04.600000Z\","
		"\"total_run_time\":2.5},"
		"{\"id\":\"t2\",\"name\":\"save\",\"run_count\":-3,"
		"\"state_type\":\"RUNNING\",\"total_run_time\":null,"
		"\"empirical_policy\":{\"retries\":-1}}]";
	struct pipe_task *t = NULL;
	size_t n = 0;
	char *err = NULL;

	ok(pf_parse_tasks(body, strlen(body), "sub › ", &t, &n, &err) == 0 &&
	   !err, "task runs parse");
	is_int(n, 2, "two task runs");
	if (n == 2) {
		is_str(t[0].task_id, "sub › load-a1b", "the prefix first");
		is_str(t[0].uid, "t1", "the task run's id");
		is_int(t[0].map_index, -1, "not mapped");
		is_int(t[0].try_number, 2, "tries: run_count");
		is_int(t[0].max_tries, 3, "retries + 1");
		is_int(t[0].state, PS_FAILED, "state");
		is_str(t[0].state_text, "Failed", "state name");
		is_int(t[0].start_ms, 1796448902100LL, "start");
		is_int(t[0].end_ms, 1796448904600LL, "end");
		ok(t[0].duration_s == 2.5, "duration");
		is_str(t[0].operator_name, "load-6fd3a1", "task key");
		ok(t[0].json && strstr(t[0].json, "\"dynamic_key\""),
		   "JSON kept");
		is_int(t[1].try_number, 0, "a negative run count: 0");
		is_int(t[1].max_tries, 0, "negative retries: 0");
		ok(t[1].duration_s == -1, "no run time: -1");
		is_int(t[1].state, PS_RUNNING, "running");
	}
	pipe_tasks_free(t, n);
	ok(pf_parse_tasks(body, strlen(body), NULL, &t, &n, &err) == 0 &&
	   n == 2, "no prefix");
	if (n == 2)
		is_str(t[0].task_id, "load-a1b", "the name alone");
	pipe_tasks_free(t, n);
	ok(pf_parse_tasks("[{\"id\":\"t\"}]", 12, "", &t, &n, &err) == -1 &&
	   !t && n == 0, "no name refused");
	is_str(err, "items[0].name: missing", "its message");
	free(err);
	body = "[{\"id\":\"t\",\"name\":\"a\",\"run_count\":1.5}]";
	ok(pf_parse_tasks(body, strlen(body), "", &t, &n, &err) == -1,
	   "run_count a number");
	is_str(err, "items[0].run_count: a number, not an integer",
	       "its message");
	free(err);
}

static void test_logs(void)
{
	const char *body =
		"[{\"id\":\"l1\",\"name\":\"prefect.flow_runs\",\"level\":20,"
		"\"message\":\"Beginning flow run 'witty-fox'\","
		"\"timestamp\":\"2026-12-05T05:35:10.289002Z\","
		"\"flow_run_id\":\"" RUN_ID "\",\"task_run_id\":null},"
		"{\"level\":40,\"message\":\"Task run failed\\nTraceback\\n"
		"ValueError: no rows\","
		"\"timestamp\":\"2026-12-05T05:35:11Z\"},"
		"{\"level\":50,\"message\":\"c\"},{\"level\":30,\"message\":\"w\"},"
		"{\"level\":10,\"message\":\"d\"},{\"message\":null}]";
	const char *bad_line = "[{\"message\":\"new\"},{\"timestamp\":\"soon\"}]";
	struct pipe_model m;
	size_t count = 99;
	char *err = NULL;

	pipe_model_init(&m);
	pipe_log_push(&m, 1, "info", "already there", 0);
	ok(pf_parse_log(body, strlen(body), &m, 0, &count, &err) == 0 && !err,
	   "logs parse");
	is_int(count, 6, "six log entries came");
	is_int(m.nlog, 1 + 1 + 3 + 4, "appended: one, three lines, four");
	if (m.nlog == 9) {
		is_str(m.log[0].text, "already there", "the old line kept");
		is_str(m.log[1].text, "Beginning flow run 'witty-fox'",
		       "the first message");
		is_int(m.log[1].time_ms, T_END, "its time");
		is_str(m.log[1].level, "info", "level 20: info");
		is_str(m.log[2].text, "Task run failed",
		       "a message of lines: the first");
		is_int(m.log[2].time_ms, 1796448911000LL, "carries the time");
		is_str(m.log[2].level, "error", "level 40: error");
		is_str(m.log[3].text, "Traceback", "the second line");
		is_int(m.log[3].time_ms, 0, "without a time");
		is_str(m.log[3].level, NULL, "or a level");
		is_str(m.log[4].text, "ValueError: no rows", "the last line");
		is_str(m.log[5].level, "critical", "level 50: critical");
		is_str(m.log[6].level, "warning", "level 30: warning");
		is_str(m.log[7].level, "debug", "level 10: debug");
		is_str(m.log[8].text, "", "no message: an empty line");
		is_str(m.log[8].level, "info", "no level: info");
	}

	ok(pf_parse_log(bad_line, strlen(bad_line), &m, 0, &count, &err) ==
	   -1, "a bad line refuses the reply");
	is_str(err, "logs[1].timestamp: not an ISO-8601 time", "its message");
	is_int(count, 0, "none counted");
	is_int(m.nlog, 9, "and nothing appended, the good line neither");
	free(err);
	ok(pf_parse_log("{\"detail\":\"x\"}", 14, &m, 0, &count, &err) == -1,
	   "an object refused");
	is_str(err, "an object, not a list of log lines", "its message");
	free(err);
	ok(pf_parse_log("[1]", 3, &m, 0, &count, &err) == -1,
	   "a number for a line");
	is_str(err, "logs[0]: an integer, not a log line", "its message");
	free(err);
	ok(pf_parse_log("[{\"level\":\"INFO\"}]", 18, &m, 0, &count, &err) ==
	   -1, "a level in words refused");
	is_str(err, "logs[0].level: a string, not an integer", "its message");
	free(err);
	ok(pf_parse_log("<html>", 6, &m, 0, &count, &err) == -1,
	   "not JSON");
	is_str(err, "not JSON", "its message");
	free(err);
	is_int(m.nlog, 9, "still nothing appended");

	for (int i = 0; i < 30; i++) {
		ok(pf_parse_log("[{\"message\":\"x\"}]", 17, &m, 10, &count,
				&err) == 0 && count == 1, "appended (%d)", i);
	}
	ok(m.nlog <= 10, "capped at the limit: %zu", m.nlog);
	is_str(m.log[m.nlog - 1].text, "x", "the newest kept");
	pipe_model_free(&m);

	/* A message of lines that crosses the cap: its first line still
	 * carries the time and level, not a later one. */
	pipe_model_init(&m);
	for (int i = 0; i < 9; i++)
		pipe_log_push(&m, 0, "info", "old", 10);
	body = "[{\"level\":40,\"message\":\"a\\nb\\nc\","
	       "\"timestamp\":\"2026-12-05T05:35:10.289002Z\"}]";
	ok(pf_parse_log(body, strlen(body), &m, 10, &count, &err) == 0,
	   "a message of lines at the cap");
	is_int(m.nlog, 10, "still at the cap");
	if (m.nlog == 10) {
		is_str(m.log[7].text, "a", "its first line");
		is_int(m.log[7].time_ms, T_END, "with the time");
		is_str(m.log[7].level, "error", "and the level");
		is_str(m.log[9].text, "c", "its last line");
		is_int(m.log[9].time_ms, 0, "without a time");
		is_str(m.log[9].level, NULL, "or a level");
	}
	pipe_model_free(&m);
}

static void test_errors(void)
{
	static const struct {
		const char *body, *want, *what;
	} cases[] = {
		{"{\"detail\":\"Flow run not found\"}", "Flow run not found",
		 "404 detail"},
		{"{\"detail\":\"\\u001b]0;pwned\\u0007Flow run not found"
		 "\\u001b[2J\"}", "^[]0;pwned^GFlow run not found^[[2J",
		 "escape sequences in the detail made visible"},
		{"{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\","
		 "\"parameters\",0,\"n\"],\"msg\":\"Field required\"}]}",
		 "parameters[0].n: Field required",
		 "422: where (without body) and the message"},
		{"{\"detail\":[{\"loc\":[\"query\"],\"msg\":\"bad\\u001bx\"}]}",
		 "query: bad^[x", "422 message sanitised"},
		{"{\"detail\":[{\"msg\":\"no place\"}]}", "no place",
		 "422 without a place"},
		{"{\"exception_message\":\"Invalid request received.\","
		 "\"exception_detail\":[]}", "Invalid request received.",
		 "Prefect's exception message"},
		{"{\"detail\":[],\"exception_message\":\"Bad\"}", "Bad",
		 "an empty detail list: the exception message"},
		{"{\"detail\":\"\"}", NULL, "an empty detail: NULL"},
		{"{\"detail\":5}", NULL, "a number: NULL"},
		{"[\"detail\"]", NULL, "a list: NULL"},
		{"<html>502</html>", NULL, "not JSON: NULL"},
		{"", NULL, "empty: NULL"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = pf_parse_error(cases[i].body,
					   strlen(cases[i].body));

		is_str(got, cases[i].want, "%s", cases[i].what);
		ok(!got || !strchr(got, '\x1b'), "%s: no ESC",
		   cases[i].what);
		free(got);
	}
	{
		/* A place longer than the buffer for it: cut, not overrun. */
		char body[4096], *p = body, *got;

		p += sprintf(p, "{\"detail\":[{\"loc\":[");
		for (int i = 0; i < 100; i++)
			p += sprintf(p, "%s\"abcdefgh\"", i ? "," : "");
		sprintf(p, "],\"msg\":\"m\"}]}");
		got = pf_parse_error(body, strlen(body));
		ok(got && strlen(got) < 300 && !strncmp(got, "abcdefgh.", 9) &&
		   !strcmp(got + strlen(got) - 3, ": m"),
		   "a long place cut: %s", got ? got : "(null)");
		free(got);
	}
}

static void params_is(const char *schema, const char *params,
		      const char *want, const char *what)
{
	char *why = pf_params_check(schema, params);

	is_str(why, want, "%s", what);
	free(why);
}

static void test_params(void)
{
	const char *s =
		"{\"type\":\"object\",\"title\":\"Parameters\","
		"\"properties\":{\"n\":{\"type\":\"integer\",\"title\":\"n\"},"
		"\"label\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]},"
		"\"ratio\":{\"type\":\"number\"},\"on\":{\"type\":\"boolean\"},"
		"\"rows\":{\"type\":\"array\"},\"opts\":{\"type\":\"object\"},"
		"\"model\":{\"anyOf\":[{\"$ref\":\"#/definitions/M\"},"
		"{\"type\":\"null\"}]},\"any\":{\"title\":\"any\"}},"
		"\"required\":[\"n\"],\"additionalProperties\":false}";
	const char *open = "{\"properties\":{\"n\":{\"type\":\"integer\"}}}";

	params_is(s, "{\"n\":3}", NULL, "a fitting set: NULL");
	params_is(s, "{\"n\":3,\"label\":\"a\",\"ratio\":1,\"on\":true,"
		  "\"rows\":[],\"opts\":{},\"model\":{\"x\":1},\"any\":[1]}",
		  NULL, "every type fitting");
	params_is(s, "{\"n\":3.0}", NULL, "3.0 is an integer");
	params_is(s, "{\"n\":3,\"label\":null}", NULL, "Optional: null fits");
	params_is(s, "{}", "the parameter n is required", "missing required");
	params_is(s, NULL, "the parameter n is required",
		  "no parameters: {}, n still required");
	params_is(s, "{\"n\":null}",
		  "the parameter n is null; the deployment wants \"integer\"",
		  "null for a required integer: given, of the wrong type");
	params_is(s, "{\"n\":3,\"x\":1}", "the deployment has no parameter x",
		  "an unknown name");
	params_is(s, "{\"n\":\"3\"}",
		  "the parameter n is a string; the deployment wants "
		  "\"integer\"", "a string for an integer");
	params_is(s, "{\"n\":3.5}",
		  "the parameter n is a number; the deployment wants "
		  "\"integer\"", "3.5 is not an integer");
	params_is(s, "{\"n\":1,\"label\":5}",
		  "the parameter label is an integer; the deployment wants "
		  "[\"string\",\"null\"]", "anyOf: every branch named");
	params_is(s, "{\"n\":1,\"on\":\"yes\"}",
		  "the parameter on is a string; the deployment wants "
		  "\"boolean\"", "a boolean");
	params_is(s, "{\"n\":1,\"rows\":{}}",
		  "the parameter rows is an object; the deployment wants "
		  "\"array\"", "an array");
	params_is(s, "{\"n\":1,\"ratio\":\"x\"}",
		  "the parameter ratio is a string; the deployment wants "
		  "\"number\"", "a number");
	params_is(open, "{\"n\":2,\"x\":1}", NULL,
		  "unknown names allowed when the schema does not forbid them");
	params_is("{\"required\":[\"\\u001b[2J\"],"
		  "\"additionalProperties\":false}", "{}",
		  "the parameter ^[[2J is required", "a hostile name shown safe");
	params_is("{\"additionalProperties\":false}", "{\"\\u001b]0;x\":1}",
		  "the deployment has no parameter ^[]0;x",
		  "a hostile unknown name shown safe");
	params_is(s, "{n: 3", "not a JSON object of parameters",
		  "malformed parameters: a message");
	params_is(s, "[1]", "not a JSON object of parameters",
		  "a list of parameters");
	params_is(s, "", "not a JSON object of parameters", "empty");
	params_is("{\"type\":", "{\"x\":1}", NULL,
		  "a malformed schema: nothing to check against");
	params_is(NULL, "{\"x\":1}", NULL, "no schema: anything");
	params_is("{\"required\":5,\"properties\":[]}", "{\"x\":1}", NULL,
		  "a schema of the wrong shapes checks nothing");
}

static void bad(const char *what, const char *body, const char *want)
{
	struct pf_flow *f = (void *)1;
	struct pf_deployment *d = (void *)1;
	struct pipe_run *r = (void *)1;
	struct pipe_task *t = (void *)1;
	size_t n = 7;
	char *err = NULL;
	size_t len = strlen(body);

	ok(pf_parse_flows(body, len, &f, &n, &err) == -1 && !f && n == 0,
	   "flows, %s: refused", what);
	is_str(err, want, "flows, %s: message", what);
	free(err);
	ok(pf_parse_deployments(body, len, &d, &n, &err) == -1 && !d &&
	   n == 0, "deployments, %s: refused", what);
	is_str(err, want, "deployments, %s: message", what);
	free(err);
	ok(pf_parse_runs(body, len, "x", &r, &n, &err) == -1 && !r && n == 0,
	   "runs, %s: refused", what);
	is_str(err, want, "runs, %s: message", what);
	free(err);
	ok(pf_parse_tasks(body, len, "", &t, &n, &err) == -1 && !t && n == 0,
	   "tasks, %s: refused", what);
	is_str(err, want, "tasks, %s: message", what);
	free(err);
}

static void test_bad_replies(void)
{
	struct pf_deployment *d;
	struct pf_flow *f;
	struct pipe_run *r;
	size_t n;
	char *err = NULL;
	const char *body;

	bad("not JSON", "<html>", "not JSON");
	/* An error reply where a list should be was once read as an
	 * empty list, emptying the view instead of saying why. */
	bad("an object", "{\"detail\":\"Not Found\"}",
	    "an object, not a JSON array");
	bad("a bare string", "\"x\"", "not JSON");
	bad("numbers", "[1,2]", "items[0]: an integer, not an object");
	bad("a null item", "[null]", "items[0]: null, not an object");
	bad("no id", "[{\"name\":\"x\",\"flow_id\":\"f\"}]",
	    "items[0].id: missing");
	bad("an empty id", "[{\"id\":\"\",\"name\":\"x\",\"flow_id\":\"f\"}]",
	    "items[0].id: empty");
	bad("a numeric id", "[{\"id\":7,\"name\":\"x\",\"flow_id\":\"f\"}]",
	    "items[0].id: an integer, not a string");
	/* jansson refuses \u0000 itself (no JSON_ALLOW_NUL). */
	bad("a NUL in the id",
	    "[{\"id\":\"a\\u0000b\",\"name\":\"x\",\"flow_id\":\"f\"}]",
	    "not JSON");
	bad("a duplicate key", "[{\"id\":\"a\",\"id\":\"b\"}]", "not JSON");

	body = "[{\"id\":\"a\",\"name\":\"x\"},{\"id\":\"b\"}]";
	ok(pf_parse_flows(body, strlen(body), &f, &n, &err) == -1 && !f &&
	   n == 0, "the second flow bad: none kept");
	is_str(err, "items[1].name: missing", "named by its place");
	free(err);
	body = "[{\"id\":\"a\",\"name\":\"x\"}]";
	ok(pf_parse_deployments(body, strlen(body), &d, &n, &err) == -1,
	   "a deployment without its flow");
	is_str(err, "items[0].flow_id: missing", "its message");
	free(err);
	body = "[{\"id\":\"a\",\"name\":\"x\",\"flow_id\":\"f\","
	       "\"paused\":\"no\"}]";
	ok(pf_parse_deployments(body, strlen(body), &d, &n, &err) == -1,
	   "paused in words");
	is_str(err, "items[0].paused: a string, not a boolean", "its message");
	free(err);
	body = "[{\"id\":\"a\",\"name\":\"x\",\"flow_id\":\"f\","
	       "\"tags\":\"ml\"}]";
	ok(pf_parse_deployments(body, strlen(body), &d, &n, &err) == -1,
	   "tags a string");
	is_str(err, "items[0].tags: a string, not an array", "its message");
	free(err);
	body = "[{\"id\":\"a\",\"start_time\":\"yesterday\"}]";
	ok(pf_parse_runs(body, strlen(body), "x", &r, &n, &err) == -1 && !r,
	   "a run's time in words");
	is_str(err, "items[0].start_time: not an ISO-8601 time",
	       "its message");
	free(err);
	body = "[{\"id\":\"a\",\"parameters\":\"n=3\"}]";
	ok(pf_parse_runs(body, strlen(body), "x", &r, &n, &err) == -1 && !r,
	   "a run's parameters a string");
	is_str(err, "items[0].parameters: a string, not an object",
	       "its message");
	free(err);
	body = "[{\"id\":\"a\",\"state_type\":5}]";
	ok(pf_parse_runs(body, strlen(body), "x", &r, &n, &err) == -1 && !r,
	   "a state type a number");
	is_str(err, "items[0].state_type: an integer, not a string",
	       "its message");
	free(err);
	/* The reply cut short: a buffer with no NUL after it. */
	{
		const char *full = "[{\"id\":\"a\",\"name\":\"x\"}]";
		char *cut = malloc(10);

		memcpy(cut, full, 10);
		ok(pf_parse_flows(cut, 10, &f, &n, &err) == -1,
		   "a reply cut short");
		is_str(err, "not JSON", "its message");
		free(err);
		free(cut);
	}
}

/* Two task runs of one name (Prefect's three characters of a key
 * collide): every one after the first gets the start of its id. */
static void test_unique_names(void)
{
	const char *body =
		"[{\"id\":\"aaaaaaaa-1\",\"name\":\"step-168\"},"
		"{\"id\":\"bbbbbbbb-2\",\"name\":\"step-2f0\"},"
		"{\"id\":\"cccccccc-3\",\"name\":\"step-168\"},"
		"{\"id\":\"dddddddd-4\",\"name\":\"step-168\"},"
		"{\"id\":\"eeeeeeee-5\",\"name\":\"load\"}]";
	struct pipe_task *t = NULL;
	size_t n = 0;
	char *err = NULL;

	ok(pf_parse_tasks(body, strlen(body), "", &t, &n, &err) == 0 &&
	   n == 5, "five task runs");
	pf_unique_names(t, n);
	is_str(t[0].task_id, "step-168", "the first of a name keeps it");
	is_str(t[1].task_id, "step-2f0", "a name of its own stays");
	is_str(t[2].task_id, "step-168 (cccccccc)", "the second: its id");
	is_str(t[3].task_id, "step-168 (dddddddd)", "the third: its id");
	is_str(t[4].task_id, "load", "the last stays");
	pf_unique_names(t, 1);
	pf_unique_names(NULL, 0);
	pipe_tasks_free(t, n);
}

int main(void)
{
	test_states();
	test_flows();
	test_deployments();
	test_schedules();
	test_runs();
	test_one_run();
	test_tasks();
	test_unique_names();
	test_logs();
	test_errors();
	test_params();
	test_bad_replies();
	return done_testing();
}
