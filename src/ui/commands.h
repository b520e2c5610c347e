/* commands.h: every `:` command, declared once (tmux: cmd_entry).
 * The prompt's dispatch and completion, the help overlay and the man
 * page's list of commands (tools/doc-gen) are made from this table. */
#ifndef MLTOP_UI_COMMANDS_H
#define MLTOP_UI_COMMANDS_H

#include <stddef.h>

struct tui;

/* What a command's arguments name, for Tab completion. */
enum ui_complete {
	UC_NONE,
	UC_OPTION,      /* a setting, then its value (theme names) */
	UC_THEME,
	UC_EXPERIMENT,
	UC_MODEL,
	UC_BIND,        /* a key, then an action */
	UC_VIEW,        /* the view's own words (metric keys) */
};

struct ui_command {
	const char *name;
	const char *alias;      /* another name for it, or NULL */
	const char *args;       /* as the man page and help show them */
	int min_args, max_args; /* after the name; max -1: any number */
	enum ui_complete complete;
	const char *help;       /* one line */
	/* NULL: the command belongs to views (their ops->command runs it;
	 * `where` says which). */
	void (*run)(struct tui *t, int argc, char **argv, const char *line);
	const char *where;
};

const struct ui_command *ui_commands(size_t *n);
/* By name or alias; NULL when unknown. */
const struct ui_command *ui_command_find(const char *name);
/* Run one line typed after ':' (also a script's ":..." lines). */
void ui_command_run(struct tui *t, const char *line);

#endif
