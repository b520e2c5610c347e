/* fuzz_prefect_parse.c: libFuzzer target for the Prefect 3 reply parsers
 * and the parameter check. Each input goes to every parser, in a buffer
 * of exactly its size (no NUL after it), so a read past the end is
 * caught; the parameter check gets the input cut in two (schema, then
 * parameters) at its first NUL, or half-way when it has none. */
#include "config.h"

#include "fuzz.h"
#include "pipeline/prefect_parse.h"

#define T "fuzz_prefect_parse"
#define DAG "flow/deploy"
#define PREFIX "sub › "

/* A parser's promise: 0 with no error, or -1 with a message and nothing
 * handed back. */
static void result(int rc, char *err, const void *out)
{
	if (rc == 0)
		fuzz_check(err == NULL, T, "no error on 0");
	else
		fuzz_check(rc == -1 && err && *err && out == NULL, T,
			   "a message and nothing else on -1");
	free(err);
}

/* Sanitised text: nothing a terminal would act on (C0, DEL; C1 is
 * written out as <U+009B> by sanitize_text). */
static int drawable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static void run_check(const struct pipe_run *r)
{
	fuzz_check(r->run_id && *r->run_id && r->json, T,
		   "every run has an id and its JSON");
	fuzz_check(r->dag_id && !strcmp(r->dag_id, DAG), T,
		   "every run names the pipeline listed");
	fuzz_check(r->run_type != NULL, T, "every run has a type");
	fuzz_check((unsigned)r->state < PS__COUNT, T,
		   "run state in range");
}

static void params(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t cut = nul ? (size_t)(nul - data) : size / 2;
	size_t rest = nul ? cut + 1 : cut;
	char *schema = fuzz_cstr(data, cut);
	char *p = fuzz_cstr(data + rest, size - rest);
	char *why = pf_params_check(schema, p);

	fuzz_check(!why || (*why && drawable(why)), T,
		   "params: NULL, or one drawable line");
	free(why);
	/* No schema: anything that is an object fits. */
	why = pf_params_check(NULL, p);
	free(why);
	free(schema);
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1), *err = NULL, *s;
	struct pf_flow *f = NULL;
	struct pf_deployment *d = NULL;
	struct pipe_run *r = NULL, one;
	struct pipe_task *t = NULL;
	struct pipe_model m;
	size_t n = 0, count = 0;
	int rc;

	if (!body)
		abort();
	memcpy(body, data, size);
	rc = pf_parse_flows(body, size, &f, &n, &err);
	result(rc, err, f);
	for (size_t i = 0; i < n; i++)
		fuzz_check(f[i].id && *f[i].id && f[i].name && *f[i].name &&
			   f[i].json, T, "every flow has an id, a name, JSON");
	pf_flows_free(f, n);
	rc = pf_parse_deployments(body, size, &d, &n, &err);
	result(rc, err, d);
	for (size_t i = 0; i < n; i++) {
		fuzz_check(d[i].id && *d[i].id && d[i].name && *d[i].name &&
			   d[i].flow_id && *d[i].flow_id && d[i].json, T,
			   "every deployment has an id, a name, a flow");
		fuzz_check(!d[i].schedule || drawable(d[i].schedule), T,
			   "a schedule in drawable words");
		if (d[i].schema) {
			char *why = pf_params_check(d[i].schema, "{}");

			free(why);
		}
	}
	pf_deployments_free(d, n);
	rc = pf_parse_runs(body, size, DAG, &r, &n, &err);
	result(rc, err, r);
	for (size_t i = 0; i < n; i++) {
		run_check(&r[i]);
		s = pf_run_deployment(r[i].json);
		fuzz_check(s != NULL, T, "a run's deployment, maybe \"\"");
		free(s);
	}
	pipe_runs_free(r, n);
	rc = pf_parse_run(body, size, DAG, &one, &err);
	result(rc, err, rc ? NULL : &one);
	if (rc == 0) {
		run_check(&one);
		pipe_runs_free(memcpy(malloc(sizeof(one)), &one, sizeof(one)),
			       1);
	}
	rc = pf_parse_tasks(body, size, PREFIX, &t, &n, &err);
	result(rc, err, t);
	for (size_t i = 0; i < n; i++) {
		fuzz_check(t[i].task_id && !strncmp(t[i].task_id, PREFIX,
						    strlen(PREFIX)), T,
			   "every task name has the prefix");
		fuzz_check(t[i].uid && *t[i].uid && t[i].json, T,
			   "every task has an id and its JSON");
		fuzz_check(t[i].map_index == -1 && t[i].try_number >= 0 &&
			   t[i].max_tries >= 0, T, "tries in range");
	}
	pf_unique_names(t, n);
	for (size_t i = 0; i < n; i++)
		fuzz_check(t[i].task_id && !strncmp(t[i].task_id, PREFIX,
						    strlen(PREFIX)), T,
			   "a name made unique keeps its prefix");
	pipe_tasks_free(t, n);
	pipe_model_init(&m);
	rc = pf_parse_log(body, size, &m, 100, &count, &err);
	if (rc != 0)
		fuzz_check(err && *err && count == 0 && m.nlog == 0, T,
			   "a log error has a message and appends nothing");
	else
		fuzz_check(!err, T, "no log error on 0");
	free(err);
	fuzz_check(m.nlog <= 100, T, "log lines capped");
	pipe_model_free(&m);
	s = pf_parse_error(body, size);
	fuzz_check(!s || (*s && drawable(s)), T,
		   "an error detail: NULL, or drawable words");
	free(s);
	s = fuzz_cstr(data, size);
	fuzz_check((unsigned)pf_state(s) < PS__COUNT, T, "a state in range");
	free(pf_run_deployment(s));
	free(s);
	params(data, size);
	free(body);
	return 0;
}
