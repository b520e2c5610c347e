/* conffile.h: the config file syntax: `set` lines, and command words
 * other layers register (the ui: bind, color). A bad line is reported
 * with file and line number; the rest still loads. */
#ifndef MLTOP_CONFFILE_H
#define MLTOP_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>

struct msg_list {
	char **v;
	size_t n, cap;
};

void msg_list_add(struct msg_list *l, char *msg);   /* takes ownership */
void msg_list_free(struct msg_list *l);

/* The handler of one command word; argv[0] is the word itself. Returns 0,
 * or -1 with *err (caller frees). */
typedef int (*config_handler_fn)(int argc, char **argv, char **err);
/* Make config_line() run fn for lines starting with name (replacing an
 * earlier handler of that name). Names are listed in the order
 * registered when a line has an unknown word. */
void config_register_handler(const char *name, config_handler_fn fn);
/* Another word for a registered one, not listed (colour for color). */
void config_register_alias(const char *alias, const char *name);

/* One line of config syntax (also what `:set`, `:bind`, `:color` run).
 * Returns 0, or -1 with *err. Blank lines and # comments are fine. */
int config_line(const char *line, char **err);
/* Config and theme files are small: a larger one (or `-c /dev/zero`) is
 * refused, as are directories and FIFOs. */
#define CONFIG_MAX_BYTES ((size_t)1 << 20)

/* Load a file; each bad line adds "path:N: message" to errs. A missing
 * file is an error only when required. Returns the number of errors. */
int config_load(const char *path, bool required, struct msg_list *errs);
/* The same over text already read (n bytes; name for messages). */
int config_load_buffer(const char *name, const char *text, size_t n,
		       struct msg_list *errs);
/* $XDG_CONFIG_HOME/mltop/config, or ~/.config/mltop/config; owned. */
char *config_default_path(void);
#endif
