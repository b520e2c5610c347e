/* test_alert.c: unit tests for run health. The rule grammar (what it
 * takes, what it refuses and how it says so), and the engine over a
 * model built by hand: each built-in rule and a user's threshold fire
 * once, on the right run, at the right time, and not before; a stall
 * follows the run's own pace and is over when the run logs again; a
 * restart reads the state file and alerts nothing twice, acknowledged
 * alerts staying acknowledged; the hook's rate limit. */
#include "config.h"

#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert/engine.h"
#include "alert/hook.h"
#include "alert/rules.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"
#include "store/model.h"
#include "tap.h"

#define T0 1800000000000LL

static int parse_words(const char *text, struct alert_rule *r, char **err)
{
	char *buf = xstrdup(text), *words[32], *save = NULL;
	int n = 0, rc;

	for (char *w = strtok_r(buf, " ", &save); w && n < 32;
	     w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	rc = rule_parse(n, words, r, err);
	free(buf);
	return rc;
}

static void test_grammar(void)
{
	struct alert_rule r;
	char *err = NULL;

	is_int(parse_words("val_loss > 2.5 after 100 steps", &r, &err), 0,
	       "threshold with after");
	is_int(r.kind, RULE_THRESHOLD, "a threshold");
	is_str(r.metric, "val_loss", "its metric");
	ok(r.op == ROP_GT && r.value == 2.5 && r.after_steps == 100,
	   "op, value, steps");
	is_str(r.name, "val_loss > 2.5 after 100 steps", "normalised text");
	rule_free(&r);

	is_int(parse_words("system/gpu_0_utilization_percentage < 10 for 5m "
			   "in bert-* run sweep-?", &r, &err), 0,
	       "for, in, run");
	ok(r.for_ms == 300000 && r.op == ROP_LT, "5m is 300 s");
	is_str(r.exp_glob, "bert-*", "experiment pattern");
	is_str(r.run_glob, "sweep-?", "run pattern");
	rule_free(&r);

	is_int(parse_words("plateau val_acc 500 steps", &r, &err), 0,
	       "plateau");
	ok(r.kind == RULE_PLATEAU && r.steps == 500, "plateau of 500 steps");
	rule_free(&r);

	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "val_loss", "METRIC OP NUMBER" },
		{ "val_loss = 2", "one of > >= < <=" },
		{ "val_loss > abc", "not a number" },
		{ "val_loss > nan", "not a number" },
		{ "val_loss > 2 after x steps", "after N steps" },
		{ "val_loss > 2 after 3", "after N steps" },
		{ "val_loss > 2 for 5y", "for DURATION" },
		{ "val_loss > 2 sometimes", "a word without its value" },
		{ "val_loss > 2 when x", "expected after, for, in or run" },
		{ "plateau val_acc 0 steps", "N at least 1" },
		{ "plateau val_acc", "plateau METRIC N steps" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		is_int(parse_words(bad[i].text, &r, &err), -1, "refused: %s",
		       bad[i].text);
		ok(err && strstr(err, bad[i].says), "'%s' says '%s' (%s)",
		   bad[i].text, bad[i].says, err ? err : "nothing");
		free(err);
	}
	is_int(rule_duration_ms("90"), 90000, "a bare number is seconds");
	is_int(rule_duration_ms("2h"), 7200000, "hours");
	is_int(rule_duration_ms("-1s"), -1, "negative refused");
	is_int(rule_duration_ms(""), -1, "empty refused");
}

static struct run *mk_run(struct experiment *e, const char *id,
			  const char *name, enum run_status st, int64_t start)
{
	struct run *r = experiment_run_upsert(e, id);

	set_str(&r->name, name);
	r->status = st;
	set_str(&r->lifecycle_stage, "active");
	r->start_time = start;
	return r;
}

static void latest(struct run *r, const char *key, double v, int64_t step,
		   int64_t ts)
{
	struct series *s = run_series_upsert(r, key);

	s->latest = (struct point){ step, ts, v };
	s->has_latest = true;
	if (ts > r->last_point_ms)
		r->last_point_ms = ts;
}

static size_t count_kind(struct alert_engine *eng, enum rule_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < eng->n; i++)
		n += eng->v[i].kind == k;
	return n;
}

static const struct alert_settings defaults = {
	.nan = true, .failed = true, .pipeline = true, .stall_factor = 10,
	.stall_ms = 120000,
	.plateau_steps = 0, .lookback_ms = 3600000,
};

static void test_engine(void)
{
	struct model m;
	struct experiment *e;
	struct run *nan, *old_failed, *failed, *hot, *cool, *pace;
	struct rule_set rules = { 0 };
	struct alert_rule rule;
	struct alert_engine *eng;
	char *err = NULL, *j;
	json_t *o;
	int64_t now = T0;

	model_init(&m);
	e = model_experiment_upsert(&m, "1");
	set_str(&e->name, "exp-one");
	nan = mk_run(e, "r-nan", "diverged", RUN_RUNNING, now - 60000);
	latest(nan, "loss", NAN, 7, now - 1000);
	latest(nan, "acc", 0.5, 7, now - 1000);
	/* MLflow keeps an Inf as DBL_MAX. */
	latest(nan, "grad_norm", DBL_MAX, 7, now - 1000);
	old_failed = mk_run(e, "r-old", "long ago", RUN_FAILED,
			    now - 7200000 * 2);
	old_failed->end_time = now - 7200000;
	failed = mk_run(e, "r-failed", "crashed", RUN_FAILED, now - 600000);
	failed->end_time = now - 60000;
	hot = mk_run(e, "r-hot", "hot", RUN_RUNNING, now - 60000);
	latest(hot, "val_loss", 3.0, 150, now - 500);
	cool = mk_run(e, "r-cool", "cool", RUN_RUNNING, now - 60000);
	latest(cool, "val_loss", 3.0, 50, now - 500);
	pace = mk_run(e, "r-pace", "paced", RUN_RUNNING, now - 60000);
	latest(pace, "loss", 1.0, 1, now);

	is_int(parse_words("val_loss > 2.5 after 100 steps", &rule, &err), 0,
	       "the user's rule");
	rules.v = xcalloc(1, sizeof(*rules.v));
	rules.v[0] = rule;
	rules.n = rules.cap = 1;

	eng = alert_engine_new("sqlite:///t.db", &defaults, &rules, true, now);
	ok(eng->state_error == NULL, "no state file yet is fine");
	is_int(alert_check(eng, &m, now), 4, "four alerts at first");
	is_int(count_kind(eng, RULE_NAN), 2, "NaN in loss, Inf in grad_norm");
	is_int(count_kind(eng, RULE_FAILED), 1, "the recent failure only");
	is_int(count_kind(eng, RULE_THRESHOLD), 1,
	       "val_loss > 2.5 where step >= 100 only");
	for (size_t i = 0; i < eng->n; i++) {
		ok(strcmp(eng->v[i].run_id, "r-old") != 0,
		   "a run that ended before the lookback is history");
		ok(strcmp(eng->v[i].run_id, "r-cool") != 0,
		   "step 50 is before `after 100 steps`");
	}
	is_int(alert_check(eng, &m, now + 500), 0, "nothing twice");
	is_int(eng->nunacked, 4, "four not acknowledged");

	/* The JSON the hook and watch give. */
	for (size_t i = 0; i < eng->n; i++) {
		if (eng->v[i].kind != RULE_THRESHOLD)
			continue;
		j = alert_json(&eng->v[i], "sqlite:///t.db");
		o = json_loads(j, 0, NULL);
		ok(o != NULL, "valid JSON: %s", j);
		is_str(json_string_value(json_object_get(o, "run_id")), "r-hot",
		       "run_id");
		is_str(json_string_value(json_object_get(o, "metric")),
		       "val_loss", "metric");
		ok(json_number_value(json_object_get(o, "value")) == 3.0,
		   "value");
		is_int(json_integer_value(json_object_get(o, "step")), 150,
		       "step");
		is_str(json_string_value(json_object_get(o, "experiment_name")),
		       "exp-one", "experiment");
		is_str(json_string_value(json_object_get(o, "tracking_uri")),
		       "sqlite:///t.db", "tracking URI");
		json_decref(o);
		free(j);
	}
	for (size_t i = 0; i < eng->n; i++)
		if (eng->v[i].kind == RULE_NAN &&
		    !strcmp(eng->v[i].metric, "loss")) {
			j = alert_json(&eng->v[i], "u");
			ok(strstr(j, "\"value\":\"NaN\"") != NULL,
			   "a NaN is \"NaN\", as MLflow's server writes it");
			free(j);
		}

	/* Stall: the run's pace is a point a second (seen by checks a
	 * second apart); ten times that is under the 10 s floor. */
	for (int k = 1; k <= 5; k++) {
		now += 1000;
		latest(pace, "loss", 1.0, 1 + k, now);
		alert_check(eng, &m, now);
	}
	/* The other running runs stopped logging long ago (their last
	 * point is 120 s old by now, at the fixed stall time). */
	is_int(count_kind(eng, RULE_STALL), 0, "no stall at first");
	is_int(alert_check(eng, &m, now + 9000), 0, "9 s quiet: not yet");
	ok(alert_check(eng, &m, now + 11000) >= 1, "11 s quiet: a stall");
	{
		struct alert *st = NULL;

		for (size_t i = 0; i < eng->n; i++)
			if (eng->v[i].kind == RULE_STALL &&
			    !strcmp(eng->v[i].run_id, "r-pace"))
				st = &eng->v[i];
		ok(st && strstr(st->detail, "own pace"),
		   "the paced run stalled against its own pace: %s",
		   st ? st->detail : "none");
		ok(st && !st->cleared, "not over yet");
		latest(pace, "loss", 1.0, 20, now + 12000);
		alert_check(eng, &m, now + 12000);
		for (size_t i = 0; i < eng->n; i++)
			if (eng->v[i].kind == RULE_STALL &&
			    !strcmp(eng->v[i].run_id, "r-pace"))
				st = &eng->v[i];
		ok(st && st->cleared, "over once it logs again");
	}
	/* Stalled runs with no pace known: the fixed stall-seconds. */
	is_int(alert_check(eng, &m, T0 + 130000) >= 2, 1,
	       "runs silent for stall-seconds stall");

	/* Acknowledge one, and restart: nothing new, the ack kept. */
	alert_ack(eng, 0);
	is_int(alert_save(eng), 0, "saved");
	{
		size_t n = eng->n, un = eng->nunacked;
		char *key0 = xstrdup(eng->v[0].key);

		alert_engine_free(eng);
		eng = alert_engine_new("sqlite:///t.db", &defaults, &rules,
				       true, T0 + 140000);
		is_int(eng->n, n, "every alert read back");
		is_int(eng->nunacked, un, "as many not acknowledged");
		{
			bool acked = false;

			for (size_t i = 0; i < eng->n; i++)
				if (!strcmp(eng->v[i].key, key0))
					acked = eng->v[i].acked;
			ok(acked, "the acknowledged one still is");
		}
		free(key0);
		is_int(alert_check(eng, &m, T0 + 140000), 0,
		       "after a restart nothing is alerted twice");
	}
	alert_engine_free(eng);
	/* Another store's alerts are its own. */
	eng = alert_engine_new("other", &defaults, &rules, true, T0);
	is_int(eng->n, 0, "another tracking URI starts empty");
	alert_engine_free(eng);

	/* Plateau: val_acc (higher is better) stuck for 100 steps. */
	{
		struct alert_settings s = defaults;
		struct run *p = mk_run(e, "r-plat", "flat", RUN_RUNNING, T0);

		s.plateau_steps = 100;
		s.failed = s.nan = false;
		s.stall_ms = 0;
		s.stall_factor = 0;
		eng = alert_engine_new("u", &s, NULL, false, T0);
		latest(p, "val_acc", 0.8, 10, T0);
		alert_check(eng, &m, T0);
		latest(p, "val_acc", 0.7, 60, T0 + 1);
		is_int(alert_check(eng, &m, T0 + 1), 0, "50 steps: not yet");
		latest(p, "val_acc", 0.79, 111, T0 + 2);
		is_int(alert_check(eng, &m, T0 + 2), 1,
		       "101 steps without better than 0.8: a plateau");
		latest(p, "val_acc", 0.9, 120, T0 + 3);
		latest(p, "val_acc", 0.85, 200, T0 + 4);
		is_int(alert_check(eng, &m, T0 + 4), 0,
		       "a better value starts it again");
		alert_engine_free(eng);
	}
	rule_set_clear(&rules);

	/* Direction-aware: worse is higher for a loss, lower for an
	 * accuracy; a setting (lr) has no worse. */
	{
		static const char *const texts[] = {
			"val_acc worse than 0.6", "val_loss worse than 2.5",
			"lr worse than 1", "val_acc better than 0.45",
		};
		struct alert_settings s = defaults;
		struct experiment *d = model_experiment_upsert(&m, "2");
		struct run *good = mk_run(d, "d-good", "good", RUN_RUNNING, T0);
		struct run *bad = mk_run(d, "d-bad", "bad", RUN_RUNNING, T0);
		size_t hits[4] = { 0 };

		latest(good, "val_acc", 0.7, 5, T0);
		latest(good, "val_loss", 1.0, 5, T0);
		latest(good, "lr", 5.0, 5, T0);
		latest(bad, "val_acc", 0.5, 5, T0);
		latest(bad, "val_loss", 3.0, 5, T0);
		latest(bad, "lr", 0.1, 5, T0);
		memset(&rules, 0, sizeof(rules));
		for (int i = 0; i < 4; i++) {
			err = NULL;
			is_int(parse_words(texts[i], &rule, &err), 0, "%s",
			       texts[i]);
			is_str(rule.name, texts[i], "its text");
			rules.v = xgrow(rules.v, &rules.cap, rules.n + 1,
					sizeof(*rules.v));
			rules.v[rules.n++] = rule;
		}
		s.failed = s.nan = false;
		s.stall_ms = 0;
		s.stall_factor = 0;
		eng = alert_engine_new("dir", &s, &rules, false, T0);
		alert_check(eng, &m, T0);
		/* Experiment 1's runs are checked too: count these. */
		for (size_t i = 0; i < eng->n; i++)
			for (int k = 0; k < 4; k++)
				if (!strcmp(eng->v[i].rule, texts[k]) &&
				    !strncmp(eng->v[i].run_id, "d-", 2)) {
					hits[k]++;
					ok(k == 3 || !strcmp(eng->v[i].run_id,
							     "d-bad"),
					   "%s: run %s", texts[k],
					   eng->v[i].run_id);
				}
		is_int(hits[0], 1, "accuracy 0.5 is worse than 0.6, 0.7 not");
		is_int(hits[1], 1, "loss 3 is worse than 2.5, 1 not");
		is_int(hits[2], 0, "a learning rate is never worse");
		is_int(hits[3], 2, "0.7 and 0.5 are better than 0.45");
		alert_engine_free(eng);
		rule_set_clear(&rules);
	}
	model_free(&m);
}

/* Pipelines: runs and tasks read (with their times), and the pipelines
 * list's newest runs (without), which count from the first look on. */
static void test_pipes(void)
{
	struct pipe_model pm;
	struct model m;
	struct alert_engine *eng;
	struct alert_settings s = defaults;
	struct pipe_dag *d;
	char *j;
	json_t *o;

	model_init(&m);
	pipe_model_init(&pm);
	s.stall_ms = 0;
	s.stall_factor = 0;
	eng = alert_engine_new("pipes", &s, NULL, false, T0);
	pm.dags = xcalloc(1, sizeof(*pm.dags));
	pm.ndags = 1;
	d = &pm.dags[0];
	d->id = xstrdup("train_dag");
	d->display = xstrdup("Train");
	d->nrecent = 2;
	d->recent[0] = PS_FAILED;
	d->recent_ids[0] = xstrdup("old_failure");
	d->recent[1] = PS_SUCCESS;
	d->recent_ids[1] = xstrdup("old_success");
	pm.runs_dag = xstrdup("train_dag");
	pm.runs = xcalloc(2, sizeof(*pm.runs));
	pm.nruns = 2;
	pm.runs[0].dag_id = xstrdup("train_dag");
	pm.runs[0].run_id = xstrdup("manual__new");
	pm.runs[0].state = PS_FAILED;
	pm.runs[0].end_ms = T0 - 60000;
	pm.runs[1].dag_id = xstrdup("train_dag");
	pm.runs[1].run_id = xstrdup("manual__ancient");
	pm.runs[1].state = PS_FAILED;
	pm.runs[1].end_ms = T0 - 86400000;
	pm.tasks_dag = xstrdup("train_dag");
	pm.tasks_run = xstrdup("manual__new");
	pm.tasks = xcalloc(2, sizeof(*pm.tasks));
	pm.ntasks = 2;
	pm.tasks[0].task_id = xstrdup("fit");
	pm.tasks[0].map_index = -1;
	pm.tasks[0].try_number = 2;
	pm.tasks[0].state = PS_FAILED;
	pm.tasks[0].end_ms = T0 - 61000;
	pm.tasks[1].task_id = xstrdup("retrying");
	pm.tasks[1].map_index = -1;
	pm.tasks[1].try_number = 1;
	pm.tasks[1].state = PS_UP_FOR_RETRY;
	pm.tasks[1].end_ms = T0 - 61000;

	is_int(alert_check_all(eng, &m, &pm, T0), 2,
	       "the recent failed run and its failed task");
	ok(eng->n == 2 && !strcmp(eng->v[0].run_id, "manual__new") &&
	   eng->v[0].metric == NULL && !strcmp(eng->v[0].exp_name, "Train"),
	   "the run, in its pipeline");
	ok(eng->n == 2 && eng->v[1].metric &&
	   !strcmp(eng->v[1].metric, "fit") &&
	   strstr(eng->v[1].detail, "try 2"), "the task, its try");
	j = alert_json(&eng->v[1], "u");
	o = json_loads(j, 0, NULL);
	is_str(json_string_value(json_object_get(o, "kind")), "pipeline",
	       "kind pipeline");
	is_str(json_string_value(json_object_get(o, "pipeline_run")),
	       "manual__new", "pipeline_run");
	is_str(json_string_value(json_object_get(o, "task")), "fit", "task");
	json_decref(o);
	free(j);
	/* A new failure in the list, after the first look. */
	free(d->recent_ids[1]);
	d->recent_ids[1] = d->recent_ids[0];
	d->recent[1] = PS_FAILED;
	d->recent_ids[0] = xstrdup("scheduled__next");
	d->recent[0] = PS_FAILED;
	is_int(alert_check_all(eng, &m, &pm, T0 + 1000), 1,
	       "a failure new since the first look");
	is_str(eng->v[eng->n - 1].run_id, "scheduled__next", "that run");
	is_int(alert_check_all(eng, &m, &pm, T0 + 2000), 0, "once");
	{
		struct alert_settings off = s;

		off.pipeline = false;
		alert_engine_configure(eng, &off);
		d->recent_ids[0][0] = 'X';
		is_int(alert_check_all(eng, &m, &pm, T0 + 3000), 0,
		       "alert-pipeline false: none");
	}
	alert_engine_free(eng);
	pipe_model_free(&pm);
	model_free(&m);
}

/* A NaN a later finite value hid from the latest: the history fetched
 * (for a sparkline) still shows it, once. */
static void test_history_nan(void)
{
	struct model m;
	struct experiment *e;
	struct run *r;
	struct series *s;
	struct alert_engine *eng;
	struct alert_settings set = defaults;
	struct point pts[] = {
		{ 1, T0 - 4000, 0.9 }, { 2, T0 - 3000, NAN },
		{ 3, T0 - 2000, 0.7 },
	};

	set.stall_ms = 0;
	set.stall_factor = 0;
	model_init(&m);
	e = model_experiment_upsert(&m, "h");
	r = mk_run(e, "h-run", "hidden", RUN_RUNNING, T0 - 10000);
	latest(r, "loss", 0.7, 3, T0 - 2000);
	eng = alert_engine_new("hist", &set, NULL, false, T0);
	is_int(alert_check(eng, &m, T0), 0, "no history yet: nothing");
	s = run_series(r, "loss");
	series_append(s, pts, 3);
	is_int(alert_check(eng, &m, T0 + 1000), 1,
	       "the NaN in the history fetched");
	ok(eng->n == 1 && eng->v[0].step == 2 && isnan(eng->v[0].value),
	   "at its step");
	is_int(alert_check(eng, &m, T0 + 2000), 0, "once");
	alert_engine_free(eng);
	model_free(&m);
}

static void test_keep(void)
{
	struct model m;
	struct experiment *e;
	struct alert_engine *eng;
	struct alert_settings s = defaults;

	model_init(&m);
	e = model_experiment_upsert(&m, "9");
	for (int i = 0; i < ALERT_KEEP + 20; i++) {
		char id[32];

		snprintf(id, sizeof(id), "run-%04d", i);
		latest(mk_run(e, id, id, RUN_RUNNING, T0), "loss", NAN, 1, T0);
	}
	s.stall_ms = 0;
	s.stall_factor = 0;
	eng = alert_engine_new("keep", &s, NULL, true, T0);
	is_int(alert_check(eng, &m, T0), ALERT_KEEP + 20, "every NaN");
	is_int(eng->n, ALERT_KEEP, "the newest ALERT_KEEP kept");
	is_int(alert_check(eng, &m, T0 + 1000), 0,
	       "an alert that left the list is not said again");
	is_int(alert_save(eng), 0, "saved");
	alert_engine_free(eng);
	eng = alert_engine_new("keep", &s, NULL, true, T0);
	is_int(eng->n, ALERT_KEEP, "read back");
	is_int(alert_check(eng, &m, T0 + 2000), 0,
	       "nor after a restart");
	alert_engine_free(eng);
	model_free(&m);
}

static void test_hook(const char *dir)
{
	char *cmd = xasprintf("cat > \"$(mktemp %s/hook.XXXXXX)\"", dir);
	struct alert_hook *h = alert_hook_new(cmd, 2);
	size_t started, failed, dropped, files = 0;
	char *msg;

	for (int i = 0; i < 5; i++)
		alert_hook_send(h, "{\"rule\":\"nan\"}", 1000);
	alert_hook_counts(h, &started, &failed, &dropped);
	is_int(started, 2, "2 a minute: two started");
	is_int(dropped, 3, "three counted, not sent");
	msg = alert_hook_take_message(h);
	ok(msg && strstr(msg, "3 alerts not sent"), "said: %s",
	   msg ? msg : "nothing");
	free(msg);
	for (int i = 0; i < 100 && alert_hook_running(h); i++) {
		usleep(20000);
		alert_hook_reap(h, 1000);
	}
	is_int(alert_hook_running(h), 0, "both finished");
	{
		char *ls = xasprintf("ls %s | grep -c '^hook\\.' > %s/count",
				     dir, dir);
		char *path = xasprintf("%s/count", dir);
		FILE *f;

		if (system(ls) == 0 && (f = fopen(path, "r"))) {
			if (fscanf(f, "%zu", &files) != 1)
				files = 0;
			fclose(f);
		}
		free(ls);
		free(path);
	}
	is_int(files, 2, "two hook runs, two files");
	/* 30 s later the bucket has one more. */
	alert_hook_send(h, "{}", 31000);
	alert_hook_counts(h, &started, &failed, &dropped);
	is_int(started, 3, "the rate refills");
	alert_hook_configure(h, "exit 3", 2);
	alert_hook_send(h, "{}", 61000);
	for (int i = 0; i < 100 && alert_hook_running(h); i++) {
		usleep(20000);
		alert_hook_reap(h, 61000);
	}
	msg = alert_hook_take_message(h);
	ok(msg && strstr(msg, "exit 3"), "a failing command is said: %s",
	   msg ? msg : "nothing");
	free(msg);
	alert_hook_free(h);
	free(cmd);
}

int main(void)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/mltop-alert-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return tap_bail("mkdtemp");
	setenv("XDG_STATE_HOME", dir, 1);
	test_grammar();
	test_engine();
	test_history_nan();
	test_keep();
	test_pipes();
	test_hook(dir);
	{
		char *rm = xasprintf("rm -rf '%s'", dir);

		if (system(rm) != 0)
			diag("could not remove %s", dir);
		free(rm);
	}
	return done_testing();
}
