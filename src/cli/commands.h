/* commands.h: one table of the scripting commands and one of the command
 * line's options; main's parser, --help, the man page and the shell
 * completion scripts are all made from them (tmux: cmd_entry). */
#ifndef MLTOP_COMMANDS_H
#define MLTOP_COMMANDS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"

/* What a word on the command line names, for completion. */
enum cli_complete {
	COMPLETE_NONE,
	COMPLETE_EXPERIMENT, /* mltop experiments --names */
	COMPLETE_MODEL,      /* mltop models --names */
	COMPLETE_FILE,
	COMPLETE_THEME,      /* dark light mono */
	COMPLETE_STAGE,      /* Staging Production Archived None */
};

/* The options a command reads beyond the global ones (a bit each). */
enum {
	CF_JSON = 1 << 0,
	CF_ALL = 1 << 1,
	CF_EXPERIMENT = 1 << 2,
	CF_ALIAS = 1 << 3,
	CF_STAGE = 1 << 4,
	CF_ARCHIVE = 1 << 5,
	CF_NOTE = 1 << 6,
	CF_IF = 1 << 7,
	CF_YES = 1 << 8,
	CF_DIFF = 1 << 9,
	CF_NAMES = 1 << 10,
	CF_CONF = 1 << 11,
	CF_TRY = 1 << 12,
	CF_FOLLOW = 1 << 13,
	CF_ONLY_FAILED = 1 << 14,
	CF_DOWNSTREAM = 1 << 15,
	CF_MAP_INDEX = 1 << 16,
	CF_SEARCH = 1 << 17,    /* --filter, --order-by, --max-results */
	CF_WATCH = 1 << 18,     /* --rules, --for, --exit-on-alert */
};

/* The options the dashboard (no command) reads beyond the global ones. */
#define CLI_DASHBOARD_FLAGS CF_EXPERIMENT

/* Where a command's positional arguments go in struct cli_opts. */
enum cli_args {
	ARGS_NONE,
	ARGS_RUN_KEY,       /* run_id, key */
	ARGS_MODEL_VERSION, /* model, version */
	ARGS_RUN_IDS,       /* run_ids, nrun_ids */
	ARGS_PIPELINE,      /* dag, pipe_run, task / task_ids */
};

struct cli_command {
	const char *name;
	/* Its arguments as --help shows them; "\n" starts a continuation
	 * line (and such a command's help is left to the man page). */
	const char *args;
	/* What a usage error prints after "mltop: usage: mltop NAME ". */
	const char *usage;
	int min_args, max_args; /* positionals; max -1: any number */
	unsigned flags;         /* CF_* it reads */
	enum cli_args layout;
	int (*run)(struct store *s, const struct cli_opts *o);
	/* A pipeline command runs on the pipeline source (-p) instead. */
	int (*run_pipe)(struct pipe_source *p, const struct cli_opts *o);
	/* One line for people; "\n" where --help wraps it. */
	const char *help;
	enum cli_complete complete; /* what its positionals name */
};

extern const struct cli_command cli_commands[];
extern const size_t cli_ncommands;

/* getopt values of the options without a short letter. */
enum {
	OPTV_JSON = 256,
	OPTV_ALL,
	OPTV_THEME,
	OPTV_ASCII,
	OPTV_DEMO,
	OPTV_DEMO_CREATE,
	OPTV_DEMO_TRAINER,
	OPTV_TICKS,
	OPTV_INTERVAL,
	OPTV_FIRST_FRAME,
	OPTV_READ_ONLY,
	OPTV_NO_CONFIG,
	OPTV_TIMEOUT,
	OPTV_DEADLINE,
	OPTV_CONF,
	OPTV_TRY,
	OPTV_FOLLOW,
	OPTV_ONLY_FAILED,
	OPTV_DOWNSTREAM,
	OPTV_MAP_INDEX,
	OPTV_ALIAS,
	OPTV_STAGE,
	OPTV_ARCHIVE_EXISTING,
	OPTV_NOTE,
	OPTV_YES,
	OPTV_IF,
	OPTV_DIFF,
	OPTV_NAMES,
	OPTV_FILTER,
	OPTV_ORDER_BY,
	OPTV_MAX_RESULTS,
	OPTV_RULES,
	OPTV_FOR,
	OPTV_EXIT_ON_ALERT,
};

struct cli_flag {
	const char *name;      /* long name */
	int letter;            /* short letter, 0 when none */
	int val;               /* what getopt returns */
	const char *arg;       /* argument name, NULL when none */
	unsigned bit;          /* CF_* when a command option, else 0 */
	enum cli_complete complete;
	bool hidden;           /* for tests and tools: not offered */
};

extern const struct cli_flag cli_flags[];
extern const size_t cli_nflags;

const struct cli_command *cli_command_find(const char *name);
/* getopt_long's table and short string, made from cli_flags; static. */
const struct option *cli_longopts(void);
const char *cli_shortopts(void);
/* The "Usage:" lines of --help, the dashboard and --demo around them. */
void cli_commands_print_usage(FILE *f);
/* Check the positionals against cmd (n of them in pos) and put them in
 * o. Returns 0, or 1 after printing the usage error. */
int cli_command_bind(const struct cli_command *cmd, char **pos, size_t n,
		     struct cli_opts *o);
/* "experiments, runs, ... or rollback", for the unknown-command error. */
void cli_commands_print_names(FILE *f);

#endif
