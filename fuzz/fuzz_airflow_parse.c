/* fuzz_airflow_parse.c: libFuzzer target for the Airflow 3 reply parsers
 * and ~/.netrc. Each input goes to every parser, in a buffer of exactly
 * its size (no NUL after it), so a read past the end is caught. */
#include "config.h"

#include "fuzz.h"
#include "pipeline/airflow_parse.h"
#include "pipeline/pipe_creds.h"

#define T "fuzz_airflow_parse"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1), *err = NULL, *tok = NULL;
	struct pipe_dag *d = NULL;
	struct pipe_run *r = NULL, one;
	struct pipe_task *t = NULL;
	struct pipe_task_def *defs = NULL;
	struct pipe_model m;
	size_t n = 0, *order;
	long total;
	int rc;

	if (!body)
		abort();
	memcpy(body, data, size);
	rc = af_parse_dags(body, size, &d, &n, &total, &err);
	result(rc, err, d);
	for (size_t i = 0; i < n; i++)
		fuzz_check(d[i].id && *d[i].id && d[i].json, T,
			   "every DAG has an id and its JSON");
	pipe_dags_free(d, n);
	rc = af_parse_runs(body, size, &r, &n, &total, &err);
	result(rc, err, r);
	pipe_runs_free(r, n);
	rc = af_parse_run(body, size, &one, &err);
	result(rc, err, rc ? NULL : &one);
	if (rc == 0)
		pipe_runs_free(memcpy(malloc(sizeof(one)), &one, sizeof(one)),
			       1);
	rc = af_parse_tasks(body, size, &t, &n, &total, &err);
	result(rc, err, t);
	for (size_t i = 0; i < n; i++)
		fuzz_check(t[i].map_index >= -1 && t[i].try_number >= 0, T,
			   "map index and try in range");
	pipe_tasks_free(t, n);
	pipe_model_init(&m);
	rc = af_parse_defs(body, size, &defs, &n, &err);
	result(rc, err, defs);
	m.defs = defs;
	m.ndefs = n;
	order = malloc((n + 1) * sizeof(*order));
	fuzz_check(pipe_defs_order(&m, order) == n, T, "every task ordered");
	free(order);
	rc = af_parse_log(body, size, &m, 100, &err);
	if (rc != 0)
		fuzz_check(err && *err, T, "a log error has a message");
	free(err);
	fuzz_check(m.nlog <= 100, T, "log lines capped");
	pipe_model_free(&m);
	{
		struct pipe_import_error *ie = NULL;

		rc = af_parse_import_errors(body, size, &ie, &n, &err);
		result(rc, err, ie);
		for (size_t i = 0; i < n; i++)
			fuzz_check(ie[i].filename && ie[i].message, T,
				   "an import error has a file and words");
		pipe_import_errors_free(ie, n);
	}
	rc = af_parse_token(body, size, &tok, &err);
	result(rc, err, tok);
	free(tok);
	free(af_parse_error(body, size));
	{
		char *l = NULL, *p = NULL;

		if (netrc_lookup(body, size, "af.example", &l, &p) != 0)
			fuzz_check(!l && !p, T, "netrc: nothing when not found");
		free(l);
		free(p);
	}
	free(body);
	return 0;
}
