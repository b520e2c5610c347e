/* fuzz_rest_parse.c: libFuzzer target for the MLflow REST reply parser.
 * Each input goes to every rest_parse_* function on a fresh model. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rest_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parser's promises, checked on every input: a crash report beats
 * a silently broken model. */
static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_rest_parse: broken: %s\n", what);
		abort();
	}
}

static void check_result(int rc, char *err)
{
	check(rc >= 0 ? err == NULL : err != NULL && *err,
	      "an error message exactly when -1");
	free(err);
}

static void check_series(const struct series *s)
{
	for (size_t i = 1; i < s->n; i++) {
		const struct point *a = &s->pts[i - 1], *b = &s->pts[i];

		check(a->step < b->step ||
		      (a->step == b->step && a->timestamp <= b->timestamp),
		      "history sorted by (step, timestamp)");
	}
}

static void check_model(struct model *m)
{
	for (size_t e = 0; e < m->nexps; e++) {
		struct experiment *x = m->exps[e];

		check(x->id && *x->id, "experiment id");
		for (size_t i = 0; i < x->nruns_loaded; i++) {
			const struct run *r = x->runs[i];

			check(experiment_run(x, r->id) == r,
			      "run index finds every run");
			for (size_t k = 0; k < r->nmetrics; k++) {
				check(k == 0 || strcmp(r->metrics[k - 1].key,
						       r->metrics[k].key) < 0,
				      "series sorted by key, no repeats");
				check_series(&r->metrics[k]);
			}
			for (size_t k = 0; k < r->params.n; k++)
				check(kv_list_get(&r->params,
						  r->params.v[k].key) ==
				      r->params.v[k].value,
				      "param keys unique");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct model m;
	struct series ser;
	char *next = NULL, *err = NULL, *code = NULL, *msg = NULL;
	int64_t max_start = 0;
	int rc;

	model_init(&m);
	rc = rest_parse_experiments(&m, body, size, &next, &err);
	check(rc >= 0 || next == NULL, "no token on error");
	free(next);
	check_result(rc, err);

	/* Twice: the second pass merges into runs the first one made (and
	 * gives them in the reply's order, as a window's page wants). */
	for (int i = 0; i < 2; i++) {
		uint64_t gen = m.generation;
		size_t nexps = m.nexps;
		struct run **got = NULL;

		rc = rest_parse_runs_got(&m, body, size, &next, &max_start,
					 &err, i ? &got : NULL);
		free(next);
		check(rc >= 0 || (m.generation == gen && m.nexps == nexps),
		      "a bad reply leaves the model alone");
		check(rc >= 0 || got == NULL, "no runs on error");
		for (int k = 0; k < rc && got; k++)
			check(!got[k] || got[k]->id != NULL, "a run given");
		free(got);
		check_result(rc, err);
	}
	rc = rest_parse_bulk_history(&m, "loss", body, size, &err);
	check_result(rc, err);
	check_model(&m);

	memset(&ser, 0, sizeof(ser));
	ser.key = (char *)"loss";
	for (int i = 0; i < 2; i++) {
		size_t before = ser.n;

		rc = rest_parse_history(&ser, body, size, &next, &err);
		free(next);
		check_result(rc, err);
		check(i == 0 || ser.n == before, "the same reply adds nothing");
	}
	check_series(&ser);
	free(ser.pts);

	rc = rest_parse_error(body, size, &code, &msg);
	check(rc == 0 ? code || msg : !code && !msg, "error reply fields");
	free(code);
	free(msg);
	model_free(&m);
	return 0;
}
