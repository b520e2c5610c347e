/* commands.c: the `:` commands, one row each, and what each one does.
 * Dispatch, completion, the help overlay and the man page come from it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conffile.h"
#include "config/options.h"
#include "core/clock.h"
#include "core/xmalloc.h"
#include "store/model.h"
#include "ui/commands.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/tui_internal.h"
#include "ui/actions.h"
#include "ui/keymap.h"

#define MAX_ARGS 31

static void cmd_quit(struct tui *t, int argc, char **argv, const char *line)
{
	(void)argc, (void)argv, (void)line;
	tui_quit(t);
}

static void cmd_experiments(struct tui *t, int argc, char **argv,
			    const char *line)
{
	(void)argc, (void)argv, (void)line;
	tui_reset_to(t, "experiments");
}

static void cmd_runs(struct tui *t, int argc, char **argv, const char *line)
{
	struct model *m = tui_model(t);
	struct experiment *e = model_experiment_by_name(m, argv[1]);

	(void)argc, (void)line;
	if (!e)
		e = model_experiment(m, argv[1]);
	if (!e) {
		tui_message(t, true, "no experiment '%s'", argv[1]);
		return;
	}
	tui_reset_to(t, "experiments");
	tui_open(t, "runs", e->id, NULL);
}

static void cmd_models(struct tui *t, int argc, char **argv, const char *line)
{
	struct model *m = tui_model(t);

	(void)line;
	if (argc == 2 && m->models_loaded && !model_registered(m, argv[1])) {
		tui_message(t, true, "no registered model '%s'", argv[1]);
		return;
	}
	/* The registry sits above the experiments: q goes back. */
	tui_reset_to(t, "experiments");
	tui_open(t, "models", NULL, NULL);
	if (argc == 2)
		tui_open(t, "versions", argv[1], NULL);
}

static void cmd_alerts(struct tui *t, int argc, char **argv,
		       const char *line)
{
	struct view *v = tui_top(t);

	(void)argc;
	(void)argv;
	(void)line;
	/* On top of where the user is: q goes back there. */
	if (v && !strcmp(v->ops->name, "alerts"))
		return;
	tui_open(t, "alerts", NULL, NULL);
}

static void cmd_pipelines(struct tui *t, int argc, char **argv,
			  const char *line)
{
	(void)line;
	if (!tui_pipes(t)) {
		tui_message(t, true, "no pipeline source: start mltop with -p "
			    "airflow+http://HOST:PORT or prefect+http://HOST:"
			    "PORT/api (or set "
			    "MLTOP_PIPELINES_URI)");
		return;
	}
	/* Pipelines sit above the experiments, as the registry does. */
	tui_reset_to(t, "experiments");
	tui_open(t, "pipelines", NULL, NULL);
	if (argc >= 2)
		tui_open(t, "pipeline-runs", argv[1], NULL);
	if (argc == 3)
		tui_open(t, "pipeline-run", argv[1], argv[2]);
}

/* set, bind and color are config syntax: one parser for files and `:`. */
static void cmd_config(struct tui *t, int argc, char **argv, const char *line)
{
	struct view *v = tui_top(t);
	char *err = NULL;

	if (!strcmp(argv[0], "set") && argc == 2 && !strchr(argv[1], '=')) {
		int id = opt_find(argv[1]);

		if (id < 0)
			tui_message(t, true, "unknown option '%s'", argv[1]);
		else
			tui_message(t, false, "%s = %s", argv[1],
				    opt_text(id));
		return;
	}
	if (config_line(line, &err) != 0) {
		tui_message(t, true, "%s", err);
		free(err);
		return;
	}
	/* A new rule or setting is checked at once, not a second later. */
	t->alerts_next = 0;
	if (!strcmp(argv[0], "color") || !strcmp(argv[0], "colour"))
		theme_apply(false);
	if (argc == 3 && !strcmp(argv[1], "theme"))
		tui_apply_theme(t, argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "refresh"))
		tui_schedule_refresh(t);
	if (argc >= 2 && (!strcmp(argv[1], "show-deleted") ||
			  !strcmp(argv[1], "metric-columns")) && v)
		v->ops->reload(v, true);
	if (argc >= 2 && !strcmp(argv[1], "ascii"))
		draw_set_unicode(!opt_bool(OPT_ASCII) && draw_unicode());
}

static void cmd_theme(struct tui *t, int argc, char **argv, const char *line)
{
	char *err = NULL;

	(void)argc, (void)line;
	if (opt_set(OPT_THEME, argv[1], &err) != 0) {
		tui_message(t, true, "%s", err);
		free(err);
		return;
	}
	tui_apply_theme(t, argv[1]);
}

static void cmd_filter(struct tui *t, int argc, char **argv, const char *line)
{
	const char *p = line;
	struct view *v = tui_top(t);

	(void)argc;
	/* The pattern is the rest of the line, spaces and all. */
	p += strspn(p, " \t");
	p += strlen(argv[0]);
	p += strspn(p, " \t");
	if (v)
		tui_set_filter(t, v, p);
}

static void cmd_search(struct tui *t, int argc, char **argv,
		       const char *line)
{
	const char *p = line;
	struct view *v = tui_top(t);
	char *err = NULL;

	(void)argc;
	p += strspn(p, " \t");
	p += strlen(argv[0]);
	p += strspn(p, " \t");
	if (!v || strcmp(v->ops->name, "runs") != 0) {
		tui_message(t, true, ":where works in runs");
		return;
	}
	if (view_runs_search(v, p, &err) != 0) {
		tui_message(t, true, "%s", err ? err : "bad filter");
		free(err);
	}
}

static void cmd_refresh(struct tui *t, int argc, char **argv,
			const char *line)
{
	struct view *v = tui_top(t);

	(void)argc, (void)line;
	/* :poll is one live refresh, as the timer would do it. */
	if (v)
		v->ops->reload(v, strcmp(argv[0], "poll") != 0);
}

static void cmd_stats(struct tui *t, int argc, char **argv, const char *line)
{
	char traffic[128] = "no traffic: a local store", pipes[128];
	FILE *f = fopen(argv[1], "w");

	(void)argc, (void)line;
	tui_store_stats(t, traffic, sizeof(traffic));
	if (!f) {
		tui_message(t, true, "%s: %s", argv[1], strerror(errno));
		return;
	}
	fprintf(f, "%s\n", traffic);
	if (tui_pipes_stats(t, pipes, sizeof(pipes)) > 0)
		fprintf(f, "pipelines %s\n", pipes);
	/* For benchmarks: how long since mltop started, so a script can time
	 * what happened between two of these. */
	fprintf(f, "elapsed-ms %lld\n", (long long)(clock_mono_ms() -
						     t->opts->start_mono));
	fclose(f);
}

static void cmd_help(struct tui *t, int argc, char **argv, const char *line)
{
	(void)argc, (void)argv, (void)line;
	tui_show_help(t);
}

static void cmd_unmark(struct tui *t, int argc, char **argv, const char *line)
{
	(void)argc, (void)argv, (void)line;
	tui_marks_clear(t, MARK_RUN);
	tui_marks_clear(t, MARK_EXPERIMENT);
	tui_message(t, false, "marks cleared");
}

static void cmd_save_display(struct tui *t, int argc, char **argv,
			     const char *line)
{
	char *err = NULL;

	(void)argc, (void)line;
	if (tui_save_display(t, argv[1], &err) != 0) {
		tui_message(t, true, "%s", err);
		free(err);
	}
}

static const struct ui_command table[] = {
	{"q", "quit", NULL, 0, 0, UC_NONE, "Quit.", cmd_quit, NULL},
	{"experiments", NULL, NULL, 0, 0, UC_NONE,
	 "Go to the experiments list.", cmd_experiments, NULL},
	{"runs", NULL, "EXPERIMENT", 1, 1, UC_EXPERIMENT,
	 "Go to an experiment's runs (by name or id).", cmd_runs, NULL},
	{"models", NULL, "[MODEL]", 0, 1, UC_MODEL,
	 "Go to the model registry; with MODEL, to that model's versions.",
	 cmd_models, NULL},
	{"pipelines", NULL, "[PIPELINE [RUN]]", 0, 2, UC_NONE,
	 "Go to the pipelines; with PIPELINE, to its runs; with RUN, to that "
	 "run's tasks.", cmd_pipelines,
	 NULL},
	{"alerts", NULL, NULL, 0, 0, UC_NONE,
	 "The alerts: NaN or Inf, stalled and failed runs, your `alert` "
	 "rules; newest first.", cmd_alerts, NULL},
	{"ack", NULL, "all", 1, 1, UC_VIEW,
	 "Acknowledge every alert.", NULL, "alerts"},
	{"try", NULL, "N", 1, 1, UC_VIEW, "Show another try of a task's log.",
	 NULL, "task log"},
	{"trigger", NULL, "[CONF-JSON]", 0, -1, UC_VIEW,
	 "Trigger a run of the pipeline, with a conf object (asks first).",
	 NULL, "pipelines and pipeline runs"},
	{"clear", NULL, "[failed]", 0, 1, UC_VIEW,
	 "Clear the selected run's tasks, or only its failed ones (asks "
	 "first).", NULL, "pipeline runs"},
	{"mark", NULL, "success|failed", 1, 1, UC_VIEW,
	 "Set the selected task's state (asks first).", NULL,
	 "pipeline run"},
	{"set", NULL, "OPTION [VALUE]", 1, 2, UC_OPTION,
	 "Change a setting; with OPTION alone, show it.", cmd_config, NULL},
	{"bind", NULL, "KEY ACTION", 2, 2, UC_BIND, "Bind a key to an action.",
	 cmd_config, NULL},
	{"alert", NULL, "RULE", 1, -1, UC_NONE,
	 "Add an alert rule for this session, as an `alert` line of the "
	 "config file has it (val_loss > 2.5 after 100 steps).", cmd_config,
	 NULL},
	{"color", "colour", "SLOT FG BG [ATTRS]", 3, -1, UC_NONE,
	 "Change a colour slot.", cmd_config, NULL},
	{"theme", NULL, "NAME", 1, 1, UC_THEME, "Load a theme.", cmd_theme,
	 NULL},
	{"metrics", NULL, "KEY...", 0, -1, UC_VIEW,
	 "Choose the metric columns (auto: the automatic choice; gpu: "
	 "each GPU's utilisation, from MLflow's system metrics).", NULL,
	 "runs, versions, compare experiments"},
	{"columns", NULL, "[auto | [+|-]COLUMN...]", 0, -1, UC_VIEW,
	 "Choose the runs' columns, in order: id start duration user, "
	 "metrics (the automatic metric columns), metrics.KEY, params.KEY; "
	 "starting with + or -, show or hide some; auto: the automatic "
	 "choice. Kept for the experiment.", NULL, "runs"},
	{"zoom", NULL, "[FROM TO]", 0, 2, UC_VIEW,
	 "Chart only the steps FROM to TO; alone, every step.", NULL,
	 "compare"},
	{"filter", NULL, "REGEX", 0, -1, UC_NONE,
	 "Set the filter (empty: none; ! inverts).", cmd_filter, NULL},
	{"where", NULL, "FILTER", 0, -1, UC_NONE,
	 "MLflow's search filter over the runs, as search_runs takes it "
	 "(empty: none).", cmd_search, NULL},
	{"refresh", NULL, NULL, 0, 0, UC_NONE, "Reload now.", cmd_refresh,
	 NULL},
	{"poll", NULL, NULL, 0, 0, UC_NONE, "Run one live refresh now.",
	 cmd_refresh, NULL},
	{"unmark", NULL, NULL, 0, 0, UC_NONE,
	 "Clear every mark on runs and experiments.", cmd_unmark, NULL},
	{"stats", NULL, "FILE", 1, 1, UC_NONE,
	 "Write the traffic so far (requests and bytes to the tracking "
	 "server, and to the pipeline source) to FILE.",
	 cmd_stats, NULL},
	{"help", NULL, NULL, 0, 0, UC_NONE, "Show the keys and commands.",
	 cmd_help, NULL},
	{"save-display", NULL, "FILE", 1, 1, UC_NONE,
	 "Write the screen as text to FILE.", cmd_save_display, NULL},
};

const struct ui_command *ui_commands(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

const struct ui_command *ui_command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name) ||
		    (table[i].alias && !strcmp(table[i].alias, name)))
			return &table[i];
	/* vim's habit */
	if (!strcmp(name, "q!"))
		return &table[0];
	return NULL;
}

void ui_command_run(struct tui *t, const char *line)
{
	char buf[1024], *argv[MAX_ARGS + 1], *save = NULL, *tok, *err = NULL;
	const struct ui_command *c;
	struct view *v = tui_top(t);
	int argc = 0, rc;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " \t", &save); tok && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (argc == 0)
		return;
	c = ui_command_find(argv[0]);
	if (c && c->run && c->run != cmd_filter &&
	    (argc - 1 < c->min_args ||
	     (c->max_args >= 0 && argc - 1 > c->max_args))) {
		tui_message(t, true, "usage: :%s%s%s", c->name,
			    c->args ? " " : "", c->args ? c->args : "");
		return;
	}
	if (c && c->run) {
		c->run(t, argc, argv, line);
		tui_dirty(t);
		return;
	}
	/* A view's own command (metrics, zoom), or one no table knows. */
	rc = v && v->ops->command ? v->ops->command(v, argc, argv, &err) : -1;
	if (err)  /* the view's own complaint, whatever it returned */
		tui_message(t, true, "%s", err);
	else if (rc < 0 && c)
		tui_message(t, true, ":%s works in %s", c->name, c->where);
	else if (rc < 0)
		tui_message(t, true, "unknown command '%s'", argv[0]);
	free(err);
	tui_dirty(t);
}

/* --- completion ------------------------------------------------------------ */

struct completion {
	const char *prefix;
	size_t plen;
	char *words[64];
	int n;
};

/* Each candidate once, however many runs log it. */
static void comp_add(void *ctx, const char *word)
{
	struct completion *c = ctx;

	if (c->n >= 64 || strncmp(word, c->prefix, c->plen) != 0)
		return;
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->words[i], word))
			return;
	c->words[c->n++] = xstrdup(word);
}

void tui_complete(struct tui *t)
{
	struct completion c = {0};
	char *last = strrchr(t->pbuf, ' ');
	char first[64] = "";
	bool in_first = last == NULL;
	size_t common;

	c.prefix = in_first ? t->pbuf : last + 1;
	c.plen = strlen(c.prefix);
	sscanf(t->pbuf, "%63s", first);
	if (in_first) {
		size_t n;
		const struct ui_command *uc = ui_commands(&n);

		for (size_t i = 0; i < n; i++)
			comp_add(&c, uc[i].name);
	} else if (!strcmp(first, "set") &&
		   strchr(t->pbuf, ' ') == last) {
		for (int i = 0; i < OPT__COUNT; i++)
			comp_add(&c, option_defs[i].name);
	} else if (!strcmp(first, "theme") || !strncmp(t->pbuf, "set theme ",
						       10)) {
		comp_add(&c, "dark");
		comp_add(&c, "light");
		comp_add(&c, "mono");
	} else if (!strcmp(first, "runs")) {
		for (size_t i = 0; i < t->model->nexps; i++)
			if (t->model->exps[i]->name)
				comp_add(&c, t->model->exps[i]->name);
	} else if (!strcmp(first, "models")) {
		for (size_t i = 0; i < t->model->nmodels; i++)
			if (!t->model->models[i]->is_prompt)
				comp_add(&c, t->model->models[i]->name);
	} else if (!strcmp(first, "bind") && strchr(t->pbuf, ' ') != last) {
		for (int i = 1; i < ACT__COUNT; i++)
			comp_add(&c, action_defs[i].name);
	} else if ((!strcmp(first, "color") || !strcmp(first, "colour")) &&
		   strchr(t->pbuf, ' ') == last) {
		for (int i = 0; i < SLOT__COUNT; i++)
			comp_add(&c, slot_names[i]);
	} else if (tui_top(t) && tui_top(t)->ops->complete) {
		tui_top(t)->ops->complete(tui_top(t), first, comp_add, &c);
	}
	if (c.n == 0) {
		tui_message(t, false, "no completion");
		return;
	}
	common = strlen(c.words[0]);
	for (int i = 1; i < c.n; i++) {
		size_t k = 0;

		while (k < common && c.words[i][k] == c.words[0][k])
			k++;
		common = k;
	}
	if (common > c.plen && t->plen + common - c.plen <
					  sizeof(t->pbuf) - 2) {
		memcpy(t->pbuf + t->plen, c.words[0] + c.plen,
		       common - c.plen);
		t->plen += common - c.plen;
		t->pbuf[t->plen] = '\0';
	}
	if (c.n == 1) {
		t->pbuf[t->plen++] = ' ';
		t->pbuf[t->plen] = '\0';
	} else {
		char list[512];
		size_t len = 0;

		for (int i = 0; i < c.n && len < sizeof(list) - 2; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s ", c.words[i]);
		tui_message(t, false, "%s", list);
	}
	for (int i = 0; i < c.n; i++)
		free(c.words[i]);
}
