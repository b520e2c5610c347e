/* commands.c: the table of scripting commands and of command-line
 * options. Adding a command or a flag is one row here plus its handler. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/msg.h"
#include "core/xmalloc.h"

const struct cli_command cli_commands[] = {
	{
		.name = "experiments",
		.usage = "[--all] [--json]",
		.min_args = 0, .max_args = 0,
		.flags = CF_JSON | CF_ALL | CF_NAMES,
		.run = cli_experiments,
		.help = "list experiments",
	},
	{
		.name = "runs",
		.args = "[-e EXP] [--filter F]\n[--order-by O]... [--max-results N]",
		.usage = "[-e EXP] [--all] [--filter FILTER] [--order-by KEY "
			 "[ASC|DESC]]... [--max-results N] [--json]",
		.min_args = 0, .max_args = 0,
		.flags = CF_JSON | CF_ALL | CF_EXPERIMENT | CF_SEARCH,
		.run = cli_runs,
		.help = "list runs",
	},
	{
		.name = "metric",
		.args = "RUN_ID[,RUN_ID...] KEY",
		.usage = "RUN_ID[,RUN_ID...] KEY [--json]",
		.min_args = 2, .max_args = 2,
		.flags = CF_JSON,
		.layout = ARGS_RUN_KEY,
		.run = cli_metric,
		.help = "a metric's history",
	},
	{
		.name = "compare",
		.args = "RUN_ID RUN_ID... [--diff]",
		.usage = "RUN_ID RUN_ID... [--diff] [--json]",
		.min_args = 2, .max_args = -1,
		.flags = CF_JSON | CF_DIFF,
		.layout = ARGS_RUN_IDS,
		.run = cli_compare,
		.help = "runs side by side",
	},
	{
		.name = "models",
		.usage = "[--json]",
		.min_args = 0, .max_args = 0,
		.flags = CF_JSON | CF_NAMES,
		.run = cli_models,
		.help = "list registered models",
	},
	{
		.name = "versions",
		.args = "MODEL",
		.usage = "MODEL [--json]",
		.min_args = 1, .max_args = 1,
		.flags = CF_JSON,
		.layout = ARGS_MODEL_VERSION,
		.run = cli_versions,
		.help = "list a model's versions",
		.complete = COMPLETE_MODEL,
	},
	{
		.name = "history",
		.args = "MODEL",
		.usage = "MODEL [--json]",
		.min_args = 1, .max_args = 1,
		.flags = CF_JSON,
		.layout = ARGS_MODEL_VERSION,
		.run = cli_history,
		.help = "promotions and who held\neach alias and stage",
		.complete = COMPLETE_MODEL,
	},
	{
		.name = "promote",
		.args = "MODEL VERSION (--alias A |\n--stage S "
			"[--archive-existing]) [--note TEXT]\n[--if COND] [--yes]",
		.usage = "MODEL VERSION (--alias A | --stage S "
			 "[--archive-existing]) [--note TEXT] [--if COND] "
			 "[--yes]",
		.min_args = 2, .max_args = 2,
		.flags = CF_JSON | CF_ALIAS | CF_STAGE | CF_ARCHIVE | CF_NOTE |
			 CF_IF | CF_YES,
		.layout = ARGS_MODEL_VERSION,
		.run = cli_promote,
		.help = "move an alias or a stage to a version",
		.complete = COMPLETE_MODEL,
	},
	{
		.name = "rollback",
		.args = "MODEL (--alias A | --stage S)\n[--note TEXT] [--yes]",
		.usage = "MODEL (--alias A | --stage S) [--note TEXT] [--yes]",
		.min_args = 1, .max_args = 1,
		.flags = CF_JSON | CF_ALIAS | CF_STAGE | CF_NOTE | CF_YES,
		.layout = ARGS_MODEL_VERSION,
		.run = cli_rollback,
		.help = "move an alias or a stage back to its previous version",
		.complete = COMPLETE_MODEL,
	},
	{
		.name = "watch",
		.args = "[-e EXP] [--rules FILE] [--for DURATION]\n"
			"[--exit-on-alert]",
		.usage = "[-e EXP] [--rules FILE] [--for DURATION] "
			 "[--exit-on-alert]",
		.min_args = 0, .max_args = 0,
		.flags = CF_EXPERIMENT | CF_WATCH,
		.run = cli_watch,
		.help = "print a JSON line for each new alert (NaN, stall, "
			"failed run, your rules)",
	},
	{
		.name = "pipelines",
		.usage = "[--json]",
		.min_args = 0, .max_args = 0,
		.flags = CF_JSON,
		.run_pipe = cli_pipelines,
		.help = "list pipelines (DAGs) of the -p source",
	},
	{
		.name = "pipeline-runs",
		.args = "DAG",
		.usage = "DAG [--json]",
		.min_args = 1, .max_args = 1,
		.flags = CF_JSON,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_pipeline_runs,
		.help = "list a pipeline's runs",
	},
	{
		.name = "tasks",
		.args = "DAG RUN",
		.usage = "DAG RUN [--json]",
		.min_args = 2, .max_args = 2,
		.flags = CF_JSON,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_tasks,
		.help = "a pipeline run's tasks, in dependency order",
	},
	{
		.name = "logs",
		.args = "DAG RUN [TASK] [--try N]\n[--map-index N] [--follow]",
		.usage = "DAG RUN [TASK] [--try N] [--map-index N] [--follow] "
			 "[--json]",
		.min_args = 2, .max_args = 3,
		.flags = CF_JSON | CF_TRY | CF_FOLLOW | CF_MAP_INDEX,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_logs,
		.help = "a task's log (its newest try unless --try); with no "
			"TASK, the run's own (Prefect)",
	},
	{
		.name = "trigger",
		.args = "DAG [--conf JSON] [--yes]",
		.usage = "DAG [--conf|--params JSON] [--yes] [--json]",
		.min_args = 1, .max_args = 1,
		.flags = CF_JSON | CF_CONF | CF_YES,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_trigger,
		.help = "start a run of a pipeline",
	},
	{
		.name = "clear",
		.args = "DAG RUN [TASK...] [--only-failed]\n[--downstream] "
			"[--yes]",
		.usage = "DAG RUN [TASK...] [--only-failed] [--downstream] "
			 "[--yes] [--json]",
		.min_args = 2, .max_args = -1,
		.flags = CF_JSON | CF_ONLY_FAILED | CF_DOWNSTREAM | CF_YES,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_clear,
		.help = "clear tasks of a run so they run again",
	},
	{
		.name = "retry",
		.args = "DAG RUN [--yes]",
		.usage = "DAG RUN [--yes] [--json]",
		.min_args = 2, .max_args = 2,
		.flags = CF_JSON | CF_YES,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_retry,
		.help = "run a finished run again (Airflow: its failed tasks)",
	},
	{
		.name = "cancel",
		.args = "DAG RUN [--yes]",
		.usage = "DAG RUN [--yes] [--json]",
		.min_args = 2, .max_args = 2,
		.flags = CF_JSON | CF_YES,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_cancel,
		.help = "stop a run under way (Airflow: mark it failed)",
	},
	{
		.name = "mark",
		.args = "DAG RUN TASK success|failed\n[--map-index N] [--yes]",
		.usage = "DAG RUN TASK success|failed [--map-index N] [--yes] "
			 "[--json]",
		.min_args = 4, .max_args = 4,
		.flags = CF_JSON | CF_MAP_INDEX | CF_YES,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_mark,
		.help = "set a task instance's state",
	},
	{
		.name = "pause",
		.args = "DAG [--yes]",
		.usage = "DAG [--yes] [--json]",
		.min_args = 1, .max_args = 1,
		.flags = CF_JSON | CF_YES,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_pause,
		.help = "stop scheduling a pipeline",
	},
	{
		.name = "unpause",
		.args = "DAG [--yes]",
		.usage = "DAG [--yes] [--json]",
		.min_args = 1, .max_args = 1,
		.flags = CF_JSON | CF_YES,
		.layout = ARGS_PIPELINE,
		.run_pipe = cli_unpause,
		.help = "schedule a pipeline again",
	},
};
const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

const struct cli_flag cli_flags[] = {
	{"tracking-uri", 'u', 'u', "URI", 0, COMPLETE_FILE, false},
	{"refresh", 'r', 'r', "SECONDS", 0, COMPLETE_NONE, false},
	{"experiment", 'e', 'e', "EXP", CF_EXPERIMENT, COMPLETE_EXPERIMENT,
	 false},
	{"config", 'c', 'c', "FILE", 0, COMPLETE_FILE, false},
	{"no-config", 0, OPTV_NO_CONFIG, NULL, 0, COMPLETE_NONE, false},
	{"timeout", 0, OPTV_TIMEOUT, "SECONDS", 0, COMPLETE_NONE, false},
	{"deadline", 0, OPTV_DEADLINE, "SECONDS", 0, COMPLETE_NONE, false},
	{"pipelines", 'p', 'p', "URI", 0, COMPLETE_NONE, false},
	{"json", 0, OPTV_JSON, NULL, CF_JSON, COMPLETE_NONE, false},
	{"all", 0, OPTV_ALL, NULL, CF_ALL, COMPLETE_NONE, false},
	{"theme", 0, OPTV_THEME, "NAME", 0, COMPLETE_THEME, false},
	{"ascii", 0, OPTV_ASCII, NULL, 0, COMPLETE_NONE, false},
	{"read-only", 0, OPTV_READ_ONLY, NULL, 0, COMPLETE_NONE, false},
	{"demo", 0, OPTV_DEMO, NULL, 0, COMPLETE_NONE, false},
	{"demo-create", 0, OPTV_DEMO_CREATE, "PATH", 0, COMPLETE_FILE, false},
	{"demo-trainer", 0, OPTV_DEMO_TRAINER, "PATH", 0, COMPLETE_FILE,
	 false},
	{"ticks", 0, OPTV_TICKS, "N", 0, COMPLETE_NONE, false},
	{"interval", 0, OPTV_INTERVAL, "MS", 0, COMPLETE_NONE, false},
	{"exit-after-first-frame", 0, OPTV_FIRST_FRAME, NULL, 0,
	 COMPLETE_NONE, true},
	{"alias", 0, OPTV_ALIAS, "ALIAS", CF_ALIAS, COMPLETE_NONE, false},
	{"stage", 0, OPTV_STAGE, "STAGE", CF_STAGE, COMPLETE_STAGE, false},
	{"archive-existing", 0, OPTV_ARCHIVE_EXISTING, NULL, CF_ARCHIVE,
	 COMPLETE_NONE, false},
	{"note", 0, OPTV_NOTE, "TEXT", CF_NOTE, COMPLETE_NONE, false},
	{"yes", 0, OPTV_YES, NULL, CF_YES, COMPLETE_NONE, false},
	{"if", 0, OPTV_IF, "COND", CF_IF, COMPLETE_NONE, false},
	{"diff", 0, OPTV_DIFF, NULL, CF_DIFF, COMPLETE_NONE, false},
	{"filter", 0, OPTV_FILTER, "FILTER", CF_SEARCH, COMPLETE_NONE, false},
	{"order-by", 0, OPTV_ORDER_BY, "ORDER", CF_SEARCH, COMPLETE_NONE,
	 false},
	{"max-results", 0, OPTV_MAX_RESULTS, "N", CF_SEARCH, COMPLETE_NONE,
	 false},
	{"conf", 0, OPTV_CONF, "JSON", CF_CONF, COMPLETE_NONE, false},
	/* Prefect's word for a run's conf. */
	{"params", 0, OPTV_CONF, "JSON", CF_CONF, COMPLETE_NONE, false},
	{"try", 0, OPTV_TRY, "N", CF_TRY, COMPLETE_NONE, false},
	{"map-index", 0, OPTV_MAP_INDEX, "N", CF_MAP_INDEX, COMPLETE_NONE,
	 false},
	{"follow", 0, OPTV_FOLLOW, NULL, CF_FOLLOW, COMPLETE_NONE, false},
	{"only-failed", 0, OPTV_ONLY_FAILED, NULL, CF_ONLY_FAILED,
	 COMPLETE_NONE, false},
	{"downstream", 0, OPTV_DOWNSTREAM, NULL, CF_DOWNSTREAM, COMPLETE_NONE,
	 false},
	{"rules", 0, OPTV_RULES, "FILE", CF_WATCH, COMPLETE_FILE, false},
	{"for", 0, OPTV_FOR, "DURATION", CF_WATCH, COMPLETE_NONE, false},
	{"exit-on-alert", 0, OPTV_EXIT_ON_ALERT, NULL, CF_WATCH,
	 COMPLETE_NONE, false},
	/* A plain list of names, one a line, for the completion scripts;
	 * stable but not in --help. */
	{"names", 0, OPTV_NAMES, NULL, CF_NAMES, COMPLETE_NONE, true},
	{"help", 'h', 'h', NULL, 0, COMPLETE_NONE, false},
	{"version", 'V', 'V', NULL, 0, COMPLETE_NONE, false},
};
const size_t cli_nflags = sizeof(cli_flags) / sizeof(cli_flags[0]);

const struct cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

const struct option *cli_longopts(void)
{
	static struct option v[sizeof(cli_flags) / sizeof(cli_flags[0]) + 1];

	if (!v[0].name)
		for (size_t i = 0; i < cli_nflags; i++)
			v[i] = (struct option){
				cli_flags[i].name,
				cli_flags[i].arg ? required_argument
						 : no_argument,
				NULL, cli_flags[i].val};
	return v;
}

const char *cli_shortopts(void)
{
	static char s[2 * sizeof(cli_flags) / sizeof(cli_flags[0]) + 1];

	if (!s[0]) {
		size_t n = 0;

		for (size_t i = 0; i < cli_nflags; i++) {
			if (!cli_flags[i].letter)
				continue;
			s[n++] = (char)cli_flags[i].letter;
			if (cli_flags[i].arg)
				s[n++] = ':';
		}
		s[n] = '\0';
	}
	return s;
}

/* Prints text's lines, the first after what is already on the line, the
 * others indented by indent. */
static void print_lines(FILE *f, const char *text, int indent)
{
	for (const char *p = text;;) {
		size_t len = strcspn(p, "\n");

		fprintf(f, "%.*s\n", (int)len, p);
		if (!p[len])
			return;
		p += len + 1;
		fprintf(f, "%*s", indent, "");
	}
}

#define HELP_COLUMN 40

void cli_commands_print_usage(FILE *f)
{
	fprintf(f, "Usage: %-*s%s\n", HELP_COLUMN - 7, "mltop [OPTIONS]",
		"the dashboard");
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cli_command *c = &cli_commands[i];
		int w = fprintf(f, "       mltop [OPTIONS] %s%s", c->name,
				c->args ? " " : "");

		if (c->args && strchr(c->args, '\n')) {
			/* No room for the help: the man page has it. */
			print_lines(f, c->args, 13);
			continue;
		}
		if (c->args)
			w += fprintf(f, "%s", c->args);
		if (w < HELP_COLUMN)
			fprintf(f, "%*s", HELP_COLUMN - w, "");
		else
			fprintf(f, "\n%*s", HELP_COLUMN, "");
		print_lines(f, c->help, HELP_COLUMN);
	}
	fprintf(f, "       %-*s%s\n", HELP_COLUMN - 7, "mltop --demo",
		"the dashboard on a demo store");
}

void cli_commands_print_names(FILE *f)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		fprintf(f, "%s%s", i == 0 ? "" : i + 1 == cli_ncommands ?
			" or " : ", ", cli_commands[i].name);
}

int cli_command_bind(const struct cli_command *cmd, char **pos, size_t n,
		     struct cli_opts *o)
{
	if (n < (size_t)cmd->min_args) {
		msg_err("usage: mltop %s %s", cmd->name,
			cmd->usage);
		return 1;
	}
	if (cmd->max_args >= 0 && n > (size_t)cmd->max_args) {
		msg_err("unexpected argument '%s'",
			pos[cmd->max_args]);
		return 1;
	}
	switch (cmd->layout) {
	case ARGS_NONE:
		break;
	case ARGS_RUN_KEY:
		o->run_id = pos[0];
		o->key = pos[1];
		break;
	case ARGS_MODEL_VERSION:
		o->model = pos[0];
		o->version = n > 1 ? pos[1] : NULL;
		break;
	case ARGS_RUN_IDS:
		o->run_ids = (const char *const *)pos;
		o->nrun_ids = n;
		break;
	case ARGS_PIPELINE:
		o->dag = pos[0];
		o->pipe_run = n > 1 ? pos[1] : NULL;
		o->task = n > 2 ? pos[2] : NULL;
		o->task_ids = n > 2 ? (const char *const *)pos + 2 : NULL;
		o->ntask_ids = n > 2 ? n - 2 : 0;
		break;
	}
	return 0;
}
