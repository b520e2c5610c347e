/* cli_watch.c: `mltop watch`, the alert rules without a terminal: one
 * JSON line per new alert on stdout as it happens, for CI jobs and cron.
 * It reads what the dashboard reads (a load, then a poll each refresh)
 * and keeps going when the store fails for a while, saying so on stderr
 * once per change of error. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/engine.h"
#include "alert/hook.h"
#include "alert/rules.h"
#include "cli/cli.h"
#include "config/conffile.h"
#include "config/options.h"
#include "core/clock.h"
#include "core/msg.h"
#include "core/xmalloc.h"
#include "store/store.h"

struct printer {
	struct alert_hook *hook;
	const char *uri;
	size_t printed;
	bool out_failed;
};

static void print_one(const struct alert *a, void *ud)
{
	struct printer *p = ud;
	char *j = alert_json(a, p->uri);

	if (printf("%s\n", j) < 0 || fflush(stdout) != 0)
		p->out_failed = true;
	alert_hook_send(p->hook, j, clock_mono_ms());
	free(j);
	p->printed++;
}

/* Sleep until `until` (monotonic), reaping hook children meanwhile. */
static void nap(struct alert_hook *hook, int64_t until)
{
	for (;;) {
		int64_t now = clock_mono_ms(), left = until - now;

		alert_hook_reap(hook, now);
		if (left <= 0)
			return;
		poll(NULL, 0, (int)(left > 200 ? 200 : left));
	}
}

static void say_hook(struct alert_hook *hook)
{
	char *m = alert_hook_take_message(hook);

	if (m) {
		msg_err("%s", m);
		free(m);
	}
}

/* The store's error, said once while it lasts. */
static void say_error(struct store *s, char **last)
{
	const char *e = s->model->error;

	if (e && (!*last || strcmp(*last, e))) {
		msg_err("%s: %s (still watching)", s->uri.display, e);
		free(*last);
		*last = xstrdup(e);
	} else if (!e && *last) {
		msg_err("%s: answering again", s->uri.display);
		free(*last);
		*last = NULL;
	}
}

static bool wanted(const struct experiment *e, const char *key)
{
	if (e->lifecycle_stage && !strcmp(e->lifecycle_stage, "deleted"))
		return false;
	return !key || !strcmp(e->id, key) || (e->name &&
					       !strcmp(e->name, key));
}

int cli_watch(struct store *s, const struct cli_opts *o)
{
	struct model *m = s->model;
	struct alert_settings set = alert_settings_from_options();
	struct alert_engine *eng;
	struct printer pr = { 0 };
	char *last_err = NULL;
	int64_t end = o->watch_for_ms >= 0 ? clock_mono_ms() + o->watch_for_ms
					   : -1;
	int64_t refresh = (int64_t)(opt_number(OPT_REFRESH) * 1000);
	int rc = 0;
	bool found = false;

	if (o->rules_file) {
		struct msg_list errs = { 0 };

		config_load(o->rules_file, true, &errs);
		for (size_t i = 0; i < errs.n; i++)
			msg_err("%s", errs.v[i]);
		if (errs.n) {
			msg_list_free(&errs);
			return 1;
		}
	}
	store_set_deadline(s, opt_number(OPT_DEADLINE));
	s->ops->load_experiments(s, &CLI_REQ, NULL, NULL);
	store_wait(s);
	if (m->error) {
		msg_err("%s: %s", s->uri.display, m->error);
		return 2;
	}
	for (size_t i = 0; i < m->nexps; i++)
		found |= wanted(m->exps[i], o->experiment);
	if (o->experiment && !found) {
		msg_err("no experiment '%s' in %s", o->experiment,
			s->uri.display);
		return 2;
	}
	eng = alert_engine_new(s->uri.display, &set, alert_user_rules(), true,
			       clock_now_ms());
	if (eng->state_error)
		msg_err("%s (alerts already said may be said again)",
			eng->state_error);
	pr.hook = alert_hook_new(opt_string(OPT_ALERT_COMMAND),
				 opt_number(OPT_ALERT_RATE));
	pr.uri = s->uri.display;
	for (size_t i = 0; i < m->nexps; i++)
		if (wanted(m->exps[i], o->experiment))
			s->ops->load_runs(s, &CLI_REQ, m->exps[i], NULL, NULL);
	for (unsigned pass = 0;; pass++) {
		int64_t next = clock_mono_ms() + refresh;

		store_set_deadline(s, opt_number(OPT_DEADLINE));
		store_wait(s);
		say_error(s, &last_err);
		for (size_t i = 0; i < m->nexps; i++)
			experiment_child_activity(m->exps[i]);
		alert_check(eng, m, clock_now_ms());
		alert_take_fresh(eng, print_one, &pr);
		if (alert_save(eng) != 0)
			msg_err("%s", eng->state_error);
		say_hook(pr.hook);
		model_collect(m);
		if (pr.out_failed) {
			rc = msg_output_failed(0, errno ? errno : EIO, false);
			break;
		}
		if (o->exit_on_alert && pr.printed) {
			rc = 7;
			break;
		}
		if (end >= 0 && clock_mono_ms() >= end)
			break;
		nap(pr.hook, end >= 0 && end < next ? end : next);
		if (end >= 0 && clock_mono_ms() >= end)
			break;
		/* New experiments now and then; new runs every pass. */
		if (pass % 10 == 9) {
			s->ops->load_experiments(s, &CLI_REQ, NULL, NULL);
			store_wait(s);
		}
		for (size_t i = 0; i < m->nexps; i++) {
			struct experiment *e = m->exps[i];

			if (!wanted(e, o->experiment))
				continue;
			if (e->runs_loaded)
				s->ops->poll_runs(s, &CLI_REQ, e, NULL, NULL);
			else
				s->ops->load_runs(s, &CLI_REQ, e, NULL, NULL);
		}
	}
	/* The hook's last children get a moment to finish. */
	{
		int64_t until = clock_mono_ms() + 10000;

		while (alert_hook_running(pr.hook) && clock_mono_ms() < until)
			nap(pr.hook, clock_mono_ms() + 50);
		say_hook(pr.hook);
	}
	alert_hook_free(pr.hook);
	alert_engine_free(eng);
	free(last_err);
	return rc;
}
