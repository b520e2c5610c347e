/* config.h: the config file and theme files: set, bind and color lines.
 * A bad line is reported with file and line number; the rest still loads. */
#ifndef MLTOP_CONFIG_H
#define MLTOP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct msg_list {
	char **v;
	size_t n, cap;
};

void msg_list_add(struct msg_list *l, char *msg);   /* takes ownership */
void msg_list_free(struct msg_list *l);

/* One line of config syntax (also what `:set`, `:bind`, `:color` run).
 * Returns 0, or -1 with *err. Blank lines and # comments are fine. */
int config_line(const char *line, char **err);
/* Load a file; each bad line adds "path:N: message" to errs. A missing
 * file is an error only when required. Returns the number of errors. */
int config_load(const char *path, bool required, struct msg_list *errs);
/* The same from an open stream (a file, or fmemopen() for the fuzzer);
 * NAME is what messages call it. */
int config_load_stream(FILE *f, const char *name, struct msg_list *errs);
/* $XDG_CONFIG_HOME/mltop/config, or ~/.config/mltop/config; owned. */
char *config_default_path(void);
/* Load theme NAME: a path, or NAME.theme from the theme directories
 * ($MLTOP_THEMEDIR, $XDG_CONFIG_HOME/mltop/themes, the installed themes,
 * the source tree's themes/ for a binary run from its build tree). */
int theme_load(const char *name, struct msg_list *errs);

#endif
