/* test_compare.c: runs and experiments side by side: metric direction and
 * its settings, differences, best runs, min/max over histories, EMA. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare/compare.h"
#include "tap.h"

/* Two doubles that are the same number, or both NaN. */
static int same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b;
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-12 * (fabs(b) > 1 ? fabs(b) : 1);
}

static struct run *add_run(struct experiment *e, const char *id,
			   const char *status, int64_t start, int64_t end)
{
	struct run *r = experiment_run_upsert(e, id);

	set_str(&r->name, id);
	set_str(&r->experiment_id, e->id);
	set_str(&r->status_str, status);
	set_str(&r->lifecycle_stage, "active");
	r->status = run_status_parse(status);
	r->start_time = start;
	r->end_time = end;
	return r;
}

/* A metric with a history; the latest point is the last one given. */
static void add_metric(struct run *r, const char *key, const double *v,
		       size_t n)
{
	struct series *s = run_series_upsert(r, key);

	for (size_t i = 0; i < n; i++) {
		struct point p = {(int64_t)i, 1000 + (int64_t)i, v[i]};

		series_append(s, &p, 1);
		s->latest = p;
		s->has_latest = true;
	}
}

static void test_direction(void)
{
	static const char *const lower[] = {
		"loss", "val_loss", "valLoss", "MSELoss", "train_mse", "RMSE",
		"test/mae", "error_rate", "errors", "top1_err", "perplexity",
		"eval.wer", "CER", "p99latency", "epoch_time", "logloss",
		"losses",
	};
	static const char *const higher[] = {
		"accuracy", "val_acc", "f1", "precision", "answer_relevance",
		"lower_bound", "timestamp", "throughput", "auc", "dancer",
		"samples_per_second", "terrain",
	};
	static const char *const neutral[] = {
		"lr", "learning_rate", "LearningRate", "grad_norm", "epoch",
		"global_step", "step", "momentum", "batch_size",
		"warmup_steps", "weight_decay",
	};
	struct direction_prefs prefs = { NULL, NULL, NULL };

	for (size_t i = 0; i < sizeof(neutral) / sizeof(neutral[0]); i++)
		is_int(metric_direction(neutral[i], NULL), DIR_NEUTRAL,
		       "%s: neither is better", neutral[i]);
	is_int(metric_direction("val_loss_epoch", NULL), DIR_LOWER,
	       "a loss per epoch is still a loss");
	prefs.neutral = "accuracy";
	is_int(metric_direction("accuracy", &prefs), DIR_NEUTRAL,
	       "metric-neutral wins over the name");
	is_int(metric_direction("lr", &(struct direction_prefs){
		       NULL, "lr", NULL}), DIR_HIGHER,
	       "metric-higher wins over the neutral guess");
	prefs.neutral = NULL;
	is_str(direction_arrow(DIR_NEUTRAL, true), "", "no arrow when neutral");
	is_str(direction_arrow(DIR_LOWER, false), "v", "ascii arrow");

	for (size_t i = 0; i < sizeof(lower) / sizeof(lower[0]); i++)
		is_int(metric_direction(lower[i], &prefs), DIR_LOWER,
		       "%s: lower is better", lower[i]);
	for (size_t i = 0; i < sizeof(higher) / sizeof(higher[0]); i++)
		is_int(metric_direction(higher[i], NULL), DIR_HIGHER,
		       "%s: higher is better", higher[i]);

	prefs.higher = "val_loss , my metric";
	prefs.lower = "accuracy,";
	is_int(metric_direction("val_loss", &prefs), DIR_HIGHER,
	       "metric-higher wins over the name");
	is_int(metric_direction("my metric", &prefs), DIR_HIGHER,
	       "keys with spaces: only commas split");
	is_int(metric_direction("accuracy", &prefs), DIR_LOWER,
	       "metric-lower wins over the name");
	is_int(metric_direction("val_loss2", &prefs), DIR_LOWER,
	       "overrides match whole keys only");
	is_int(metric_direction("val_acc", &prefs), DIR_HIGHER,
	       "keys not listed keep the guess");
	prefs.lower = "val_loss";
	is_int(metric_direction("val_loss", &prefs), DIR_LOWER,
	       "a key in both lists: metric-lower first");
	prefs.lower = "";
	prefs.higher = "";
	is_int(metric_direction("accuracy", &prefs), DIR_HIGHER,
	       "empty lists: the guess again");
}

static const struct cmp_row *row(const struct cmp_row *rows, size_t n,
				 const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	return NULL;
}

static const struct cmp_metric *metric(const struct comparison *c,
				       const char *key)
{
	for (size_t i = 0; i < c->nmetrics; i++)
		if (strcmp(c->metrics[i].key, key) == 0)
			return &c->metrics[i];
	return NULL;
}

static void test_runs(void)
{
	struct model m;
	struct experiment *e1, *e2;
	struct run *a, *b, *c, *runs[3];
	struct comparison cmp;
	const struct cmp_row *r;
	const struct cmp_metric *mt;
	/* 2026-11-27 14:03:12 UTC */
	const int64_t t0 = 1795788192000LL;

	model_init(&m);
	e1 = model_experiment_upsert(&m, "1");
	e2 = model_experiment_upsert(&m, "7");
	a = add_run(e1, "aaaa1111", "FINISHED", t0, t0 + 185000);
	b = add_run(e1, "bbbb2222", "FAILED", t0 + 60000, t0 + 72000);
	c = add_run(e2, "cccc3333", "RUNNING", t0, 0);
	set_str(&a->user_id, "ana");
	set_str(&b->user_id, "ana");
	kv_list_set(&c->tags, "mlflow.user", "bo");
	kv_list_set(&a->tags, "mlflow.source.name", "train.py");
	kv_list_set(&b->tags, "mlflow.source.name", "train.py");
	kv_list_set(&c->tags, "mlflow.source.name", "train.py");
	kv_list_set(&a->tags, "team", "x");

	kv_list_set(&a->params, "lr", "0.01");
	kv_list_set(&b->params, "lr", "0.01");
	kv_list_set(&c->params, "lr", "0.01");
	kv_list_set(&a->params, "opt", "adam");
	kv_list_set(&b->params, "opt", "sgd");
	kv_list_set(&c->params, "opt", "adam");
	kv_list_set(&b->params, "only_b", "1");
	kv_list_set(&a->params, "batch", "32");
	kv_list_set(&c->params, "batch", "32");

	add_metric(a, "loss", (double[]){0.9, NAN, 0.2, 0.5}, 4);
	add_metric(b, "loss", (double[]){0.8, 0.3}, 2);
	add_metric(c, "loss", (double[]){NAN}, 1);
	add_metric(a, "acc", (double[]){0.5, DBL_MAX, 0.9}, 3);
	add_metric(b, "acc", (double[]){-INFINITY, DBL_MAX}, 2);
	add_metric(c, "acc", (double[]){0.1, -DBL_MAX, 0.95}, 3);
	add_metric(b, "solo", (double[]){1, 2}, 2);
	add_metric(a, "nans", (double[]){NAN}, 1);
	add_metric(c, "nans", (double[]){NAN, NAN}, 2);
	add_metric(a, "tie", (double[]){3}, 1);
	add_metric(b, "tie", (double[]){3}, 1);
	add_metric(c, "tie", (double[]){1}, 1);
	add_metric(a, "pair_error", (double[]){0.4}, 1);
	add_metric(c, "pair_error", (double[]){NAN}, 1);

	runs[0] = a;
	runs[1] = b;
	runs[2] = c;
	compare_build(&cmp, runs, 3, t0 + 3723000, NULL, NULL);
	is_int(cmp.nruns, 3, "three runs");
	ok(cmp.runs[0] == a && cmp.runs[2] == c, "runs kept in order");

	/* info */
	is_int(cmp.ninfo, 6, "six info rows");
	r = row(cmp.info, cmp.ninfo, "status");
	ok(r && !strcmp(r->values[1], "FAILED") && r->differs,
	   "status as stored, differs");
	r = row(cmp.info, cmp.ninfo, "start");
	ok(r != NULL, "a start row");
	if (r) {
		is_str(r->values[0], "2026-11-27 14:03", "start to the minute");
		is_str(r->values[1], "2026-11-27 14:04", "second run's start");
		ok(r->differs, "starts differ");
	}
	r = row(cmp.info, cmp.ninfo, "duration");
	ok(r != NULL, "a duration row");
	if (r) {
		is_str(r->values[0], "3m05s", "finished: end - start");
		is_str(r->values[1], "12s", "failed: end - start");
		is_str(r->values[2], "1h02m", "running: so far");
	}
	r = row(cmp.info, cmp.ninfo, "user");
	ok(r && !strcmp(r->values[0], "ana") && !strcmp(r->values[2], "bo") &&
	   r->differs, "user, else the mlflow.user tag");
	r = row(cmp.info, cmp.ninfo, "source");
	ok(r && !strcmp(r->values[2], "train.py") && !r->differs,
	   "same source: no difference");
	r = row(cmp.info, cmp.ninfo, "experiment");
	ok(r && !strcmp(r->values[0], "1") && !strcmp(r->values[2], "7") &&
	   r->differs, "experiments differ");

	/* params */
	is_int(cmp.nparams, 4, "union of param keys");
	ok(cmp.nparams == 4 && !strcmp(cmp.params[0].key, "batch") &&
	   !strcmp(cmp.params[1].key, "lr") &&
	   !strcmp(cmp.params[2].key, "only_b") &&
	   !strcmp(cmp.params[3].key, "opt"), "param keys sorted");
	r = row(cmp.params, cmp.nparams, "lr");
	ok(r && !r->differs, "equal everywhere: no difference");
	r = row(cmp.params, cmp.nparams, "opt");
	ok(r && r->differs && !strcmp(r->values[1], "sgd"),
	   "one run differs");
	r = row(cmp.params, cmp.nparams, "only_b");
	ok(r && r->differs && !r->values[0] && !strcmp(r->values[1], "1") &&
	   !r->values[2], "a param only one run has: missing elsewhere");
	r = row(cmp.params, cmp.nparams, "batch");
	ok(r && r->differs && !r->values[1],
	   "missing in one run, equal in the others: differs");
	r = row(cmp.tags, cmp.ntags, "team");
	ok(r && r->differs, "tags in the same form");
	r = row(cmp.tags, cmp.ntags, "mlflow.source.name");
	ok(r && !r->differs, "system tags included");

	/* metrics */
	is_int(cmp.nmetrics, 6, "union of metric keys");
	ok(cmp.nmetrics == 6 && !strcmp(cmp.metrics[0].key, "acc") &&
	   !strcmp(cmp.metrics[5].key, "tie"), "metric keys sorted");
	mt = metric(&cmp, "loss");
	ok(mt != NULL, "loss");
	if (mt) {
		is_int(mt->dir, DIR_LOWER, "loss: lower");
		ok(same(mt->last[0], 0.5) && same(mt->last[1], 0.3) &&
		   isnan(mt->last[2]), "last values");
		ok(same(mt->min[0], 0.2) && same(mt->max[0], 0.9),
		   "min/max skip NaN points");
		ok(isnan(mt->min[2]) && isnan(mt->max[2]),
		   "only NaN held: min/max NaN");
		is_int(mt->npoints[0], 4, "points held, NaN included");
		is_int(mt->best, 1, "lowest finite last wins; NaN never");
	}
	mt = metric(&cmp, "acc");
	ok(mt != NULL, "acc");
	if (mt) {
		is_int(mt->dir, DIR_HIGHER, "acc: higher");
		ok(same(mt->min[0], 0.5) && same(mt->max[0], 0.9),
		   "DBL_MAX (stored +Inf) left out of max");
		ok(isnan(mt->min[1]) && isnan(mt->max[1]),
		   "only infinities: no min/max");
		ok(same(mt->min[2], 0.1) && same(mt->max[2], 0.95),
		   "-DBL_MAX left out of min");
		ok(same(mt->last[1], DBL_MAX), "last kept as stored");
		is_int(mt->best, 2, "DBL_MAX never best; 0.95 beats 0.9");
	}
	mt = metric(&cmp, "solo");
	ok(mt && mt->best == -1 && isnan(mt->last[0]) &&
	   same(mt->last[1], 2) && mt->npoints[0] == 0,
	   "a metric one run has: no best, NaN elsewhere");
	mt = metric(&cmp, "nans");
	ok(mt && mt->best == -1, "every last NaN: no best");
	mt = metric(&cmp, "tie");
	ok(mt && mt->dir == DIR_HIGHER && mt->best == 0,
	   "a tie: the first run given");
	mt = metric(&cmp, "pair_error");
	ok(mt && mt->best == 0, "two runs, one NaN: the finite one is best");
	compare_free(&cmp);
	ok(cmp.info == NULL && cmp.nmetrics == 0, "free empties");

	/* Two runs only, and a metric a run has none of. */
	runs[0] = a;
	runs[1] = c;
	compare_build(&cmp, runs, 2, t0, NULL, NULL);
	r = row(cmp.params, cmp.nparams, "opt");
	ok(r && !r->differs, "adam and adam: same for these two");
	r = row(cmp.params, cmp.nparams, "only_b");
	ok(r == NULL, "keys of runs not compared left out");
	mt = metric(&cmp, "loss");
	ok(mt && mt->best == 0, "NaN last of the other run: first is best");
	compare_free(&cmp);
	model_free(&m);
}

static const struct cmp_param_range *prange(const struct exp_comparison *c,
					    const char *key)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].key, key) == 0)
			return &c->params[i];
	return NULL;
}

static void test_experiments(void)
{
	struct model m;
	struct experiment *e1, *e2, *exps[2];
	struct exp_comparison c;
	const struct cmp_param_range *p;
	struct run *r;
	static const char *const opts[] = {"sgd", "adam", "rmsprop", "adamw",
					   "lion", "adam"};
	const char *keys[] = {"val_acc", "missing"};
	char id[32], lr[32];

	model_init(&m);
	e1 = model_experiment_upsert(&m, "1");
	e2 = model_experiment_upsert(&m, "2");
	for (int i = 0; i < 6; i++) {
		static const char *const st[] = {"FINISHED", "FINISHED",
						 "FAILED", "RUNNING",
						 "KILLED", "SCHEDULED"};

		snprintf(id, sizeof(id), "e1r%d", i);
		r = add_run(e1, id, st[i], 1000, 0);
		snprintf(lr, sizeof(lr), "%g", i == 0 ? 0.1 : 0.001 * i);
		kv_list_set(&r->params, "lr", lr);
		kv_list_set(&r->params, "optimizer", opts[i]);
		kv_list_set(&r->params, "layers", "4");
		add_metric(r, "val_loss", (double[]){1.0 / (i + 1)}, 1);
		add_metric(r, "val_acc",
			   (double[]){i == 2 ? NAN : 0.5 + 0.05 * i}, 1);
		if (i < 2)
			add_metric(r, "lr_now", (double[]){0.1}, 1);
	}
	/* A deleted run: left out of counts, bests and ranges. */
	r = add_run(e1, "e1dead", "FINISHED", 1000, 2000);
	set_str(&r->lifecycle_stage, "deleted");
	add_metric(r, "val_acc", (double[]){0.99}, 1);
	kv_list_set(&r->params, "lr", "9");
	for (int i = 0; i < 2; i++) {
		snprintf(id, sizeof(id), "e2r%d", i);
		r = add_run(e2, id, "FINISHED", 1000, 2000);
		kv_list_set(&r->params, "optimizer", i ? "sgd" : "adam");
		kv_list_set(&r->params, "mixed", i ? "auto" : "3");
		add_metric(r, "val_loss", (double[]){i ? 0.2 : 0.1}, 1);
		add_metric(r, "val_acc", (double[]){DBL_MAX}, 1);
	}
	exps[0] = e1;
	exps[1] = e2;
	compare_experiments(&c, exps, 2, NULL, 0, 2, NULL);
	is_int(c.nexps, 2, "two experiments");
	is_int(c.exps[0].nruns, 6, "active runs counted");
	is_int(c.exps[0].nfinished, 2, "finished");
	is_int(c.exps[0].nfailed, 1, "failed");
	is_int(c.exps[0].nrunning, 1, "running");
	is_int(c.exps[0].nkilled, 1, "killed");
	is_int(c.exps[1].nruns, 2, "second experiment");
	is_int(c.nmetric_keys, 2, "at most max_metrics keys");
	ok(c.nmetric_keys == 2 && !strcmp(c.metric_keys[0], "val_acc") &&
	   !strcmp(c.metric_keys[1], "val_loss"),
	   "the most common keys, ranked");
	ok(same(c.exps[0].best[1], 1.0 / 6) &&
	   c.exps[0].best_run[1] == experiment_run(e1, "e1r5"),
	   "val_loss: lowest and its run");
	ok(near(c.exps[0].best[0], 0.75) &&
	   c.exps[0].best_run[0] == experiment_run(e1, "e1r5"),
	   "val_acc: highest; the deleted run's 0.99 left out");
	ok(isnan(c.exps[1].best[0]) && c.exps[1].best_run[0] == NULL,
	   "only stored infinities: no best");
	ok(same(c.exps[1].best[1], 0.1) &&
	   c.exps[1].best_run[1] == experiment_run(e2, "e2r0"),
	   "second experiment's best loss");

	is_int(c.nparams, 4, "every param key across experiments");
	p = prange(&c, "lr");
	ok(p && p->range[0] && !p->range[1], "lr: unused in the second");
	if (p)
		is_str(p->range[0], "0.001 .. 0.1", "numbers: min .. max");
	p = prange(&c, "layers");
	if (p)
		is_str(p->range[0], "4", "one number: itself");
	else
		ok(0, "layers");
	p = prange(&c, "optimizer");
	if (p) {
		is_str(p->range[0], "adam, adamw, lion, +2 more",
		       "text: three distinct values sorted, then the rest");
		is_str(p->range[1], "adam, sgd", "two values");
	} else {
		ok(0, "optimizer");
	}
	p = prange(&c, "mixed");
	if (p)
		is_str(p->range[1], "3, auto", "numbers and words: as text");
	else
		ok(0, "mixed");
	compare_experiments_free(&c);

	compare_experiments(&c, exps, 2, keys, 2, 1, NULL);
	ok(c.nmetric_keys == 2 && !strcmp(c.metric_keys[0], "val_acc") &&
	   !strcmp(c.metric_keys[1], "missing"), "given keys, all of them");
	ok(isnan(c.exps[0].best[1]) && !c.exps[0].best_run[1],
	   "a key no run has: no best");
	compare_experiments_free(&c);
	ok(c.exps == NULL && c.nparams == 0, "free empties");
	model_free(&m);
}

static void test_ema(void)
{
	double in[] = {1, 2, NAN, 3, DBL_MAX, 4};
	double out[6], flat[] = {0.3, 0.3, 0.3, NAN, 0.3}, flat_out[5];
	double w = 0.5;
	double acc = 0, wk = 1, want[4];
	const double xs[] = {1, 2, 3, 4};

	for (int i = 0; i < 4; i++) {
		acc = w * acc + (1 - w) * xs[i];
		wk *= w;
		want[i] = acc / (1 - wk);
	}
	ema_smooth(in, out, 6, 0);
	ok(same(out[0], 1) && same(out[3], 3) && isnan(out[2]),
	   "weight 0: raw");
	ema_smooth(in, out, 6, w);
	ok(same(out[0], 1), "debiased: the first point is itself");
	ok(near(out[1], 5.0 / 3) && near(out[1], want[1]),
	   "second: (0.25 + 1) / 0.75");
	ok(isnan(out[2]), "NaN passes through");
	ok(near(out[3], want[2]) && near(out[3], 2.125 / 0.875),
	   "NaN does not move the average");
	ok(same(out[4], DBL_MAX), "stored infinity passes through");
	ok(near(out[5], want[3]), "fourth finite point");
	ema_smooth(flat, flat_out, 5, 0.9);
	ok(same(flat_out[0], 0.3) && same(flat_out[2], 0.3) &&
	   same(flat_out[4], 0.3) && isnan(flat_out[3]),
	   "a flat series stays exactly flat");
	ema_smooth(in, in, 6, w);
	ok(near(in[5], want[3]) && isnan(in[2]), "in place");
	ema_smooth(xs, out, 4, 1.0);
	ok(out[0] == 1 && out[3] > 1 && out[3] < 4 && isfinite(out[3]),
	   "weight 1 is held below 1: still finite");
	out[0] = 42;
	ema_smooth(xs, out, 0, 0.6);
	ok(out[0] == 42, "no points: nothing written");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_direction();
	test_runs();
	test_experiments();
	test_ema();
	return done_testing();
}
