/* alert_check.c: what checking the alert rules costs a refresh, with no
 * store in the way: a model of N runs (1 in 100 running, each with five
 * metrics and a NaN in one run of 50), every built-in rule on and two
 * user rules, checked as the dashboard does after each refresh. Prints
 * the first check (every alert new), a quiet check (nothing new: each
 * refresh after), and the engine's memory. Built and run by
 * bench/alerts.sh against build/src/libmltop.a. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/engine.h"
#include "alert/rules.h"
#include "core/xmalloc.h"
#include "store/model.h"

static double ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	const int64_t t0 = 1800000000000LL;
	static const char *const keys[] = {"loss", "val_loss", "val_acc",
					   "lr", "grad_norm"};
	struct alert_settings set = {
		.nan = true, .failed = true, .pipeline = true,
		.stall_factor = 10, .stall_ms = 120000, .plateau_steps = 500,
		.lookback_ms = 3600000,
	};
	struct rule_set rules = {0};
	char *words[2][8] = {{"val_loss", ">", "2.5", "after", "100",
			      "steps"},
			     {"val_acc", "worse", "than", "0.1", "for",
			      "5m"}};
	int nwords[2] = {6, 6};
	struct alert_engine *eng;
	struct model m;
	struct experiment *e;
	double a, b, c, steady;
	long before, after;
	size_t first, quiet;

	model_init(&m);
	e = model_experiment_upsert(&m, "1");
	for (long i = 0; i < n; i++) {
		char id[40];
		struct run *r;

		snprintf(id, sizeof(id), "%032lx", (unsigned long)i * 2654435761u);
		r = experiment_run_upsert(e, id);
		set_str(&r->name, id + 24);
		set_str(&r->lifecycle_stage, "active");
		r->status = i % 100 == 0 ? RUN_RUNNING
			  : i % 7 == 0 ? RUN_FAILED : RUN_FINISHED;
		r->start_time = t0 - 86400000 + i;
		r->end_time = r->status == RUN_RUNNING ? 0 : t0 - 7200000;
		for (int k = 0; k < 5; k++) {
			struct series *s = run_series_upsert(r, keys[k]);

			s->latest = (struct point){1000, t0 - 1000,
				k == 0 && i % 50 == 0 ? NAN : 1.0 / (k + 1)};
			s->has_latest = true;
		}
		r->last_point_ms = t0 - 1000;
	}
	for (int k = 0; k < 2; k++) {
		char *err = NULL;

		rules.v = xgrow(rules.v, &rules.cap, rules.n + 1,
				sizeof(*rules.v));
		if (rule_parse(nwords[k], words[k], &rules.v[rules.n], &err)) {
			fprintf(stderr, "bench: %s\n", err);
			return 1;
		}
		rules.n++;
	}
	eng = alert_engine_new("bench", &set, &rules, false, t0);
	before = rss_kib();
	a = ms_now();
	first = alert_check(eng, &m, t0);
	b = ms_now();
	quiet = alert_check(eng, &m, t0 + 2000);
	c = ms_now();
	/* The checks after: a refresh each (the median of 9). */
	{
		double t[9], x;

		for (int k = 0; k < 9; k++) {
			x = ms_now();
			quiet += alert_check(eng, &m, t0 + 3000 + k * 1000);
			t[k] = ms_now() - x;
		}
		for (int i = 0; i < 9; i++)
			for (int j = i + 1; j < 9; j++)
				if (t[j] < t[i]) {
					x = t[i];
					t[i] = t[j];
					t[j] = x;
				}
		steady = t[4];
	}
	after = rss_kib();
	printf("runs %ld, running %ld\n", n, (n + 99) / 100);
	printf("first-check-ms %.1f (%zu alerts, %zu kept)\n", b - a, first,
	       eng->n);
	printf("second-check-ms %.1f, then a check %.1f ms (median of 9; "
	       "%zu new in all)\n", c - b, steady, quiet);
	printf("engine-rss-kib %ld (tracks %zu)\n", after - before,
	       eng->ntracks);
	alert_engine_free(eng);
	rule_set_clear(&rules);
	model_free(&m);
	return 0;
}
