/* fuzz_alert.c: libFuzzer target for run health's two readers of outside
 * text: `alert` rules (config lines, as a config file or --rules gives
 * them) and the alerts state file's entries (JSON a restart reads back).
 * The input is cut at its first NUL: rules before, one saved alert
 * after. The rules are then matched against a small model, and every
 * alert must still write valid JSON. */
#include "config.h"

#include <jansson.h>
#include <math.h>

#include "alert/engine.h"
#include "alert/rules.h"
#include "config/conffile.h"
#include "config/options.h"
#include "fuzz.h"
#include "store/model.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	options_init();
	alert_rules_register();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	char *saved = nul ? fuzz_cstr(nul + 1, size - n1 - 1) : NULL;
	struct msg_list errs = { 0 };
	struct rule_set *rules = alert_user_rules();
	struct alert_settings set = {
		.nan = true, .failed = true, .stall_factor = 10,
		.stall_ms = 1000, .plateau_steps = 3, .lookback_ms = 3600000,
	};
	struct alert_engine *eng;
	struct model m;
	struct experiment *e;
	struct run *r;
	int nerr;

	nerr = config_load_buffer("fuzz.rules", (const char *)data, n1, &errs);
	fuzz_check(nerr >= 0 && (size_t)nerr == errs.n, "fuzz_alert",
		   "one message a bad line");
	for (size_t i = 0; i < rules->n; i++)
		fuzz_check(rules->v[i].name && rules->v[i].metric &&
			   !isnan(rules->v[i].value) &&
			   rules->v[i].for_ms >= 0, "fuzz_alert",
			   "a parsed rule has a name, a metric, a number");
	eng = alert_engine_new("fuzz", &set, rules, false, 1000000);
	if (saved)
		alert_engine_add_saved(eng, "k", saved);
	model_init(&m);
	e = model_experiment_upsert(&m, "1");
	r = experiment_run_upsert(e, "run");
	r->status = RUN_RUNNING;
	for (size_t i = 0; i < rules->n && i < 4; i++) {
		struct series *s = run_series_upsert(r, rules->v[i].metric);

		s->latest = (struct point){ (int64_t)i * 50, 999000,
					    i % 2 ? NAN : rules->v[i].value };
		s->has_latest = true;
	}
	alert_check(eng, &m, 1000000);
	alert_check(eng, &m, 1100000);
	for (size_t i = 0; i < eng->n; i++) {
		char *j = alert_json(&eng->v[i], "fuzz");
		/* A NUL inside a name is carried as C0 80 and written as
		 * \u0000, as MLflow's own JSON has it. */
		json_t *o = json_loads(j, JSON_ALLOW_NUL, NULL);
		char *sum = alert_summary(&eng->v[i]);

		fuzz_check(o != NULL, "fuzz_alert", "an alert is valid JSON");
		json_decref(o);
		free(j);
		free(sum);
	}
	alert_engine_free(eng);
	model_free(&m);
	rule_set_clear(rules);
	msg_list_free(&errs);
	free(saved);
	return 0;
}
