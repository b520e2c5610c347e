/* config.c: reads config and theme files, one command a line.
 * The same commands run from the `:` prompt, so there is one syntax. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/options.h"
#include "core/xmalloc.h"
#include "ui/keymap.h"
#include "ui/theme.h"

#define MAX_WORDS 16

void msg_list_add(struct msg_list *l, char *msg)
{
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = msg;
}

void msg_list_free(struct msg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Split into words; "double" and 'single' quotes group, # starts a
 * comment outside quotes. Words point into buf. Returns the count, or -1
 * for an unterminated quote. */
static int split_words(char *buf, char **words, int max)
{
	int n = 0;
	char *p = buf;

	for (;;) {
		char *out;
		char q = 0;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max)
			return n;
		words[n++] = out = p;
		while (*p && (q || (*p != ' ' && *p != '\t' && *p != '\r' &&
				    *p != '\n'))) {
			if (q && *p == q) {
				q = 0;
				p++;
			} else if (!q && (*p == '"' || *p == '\'')) {
				q = *p++;
			} else {
				*out++ = *p++;
			}
		}
		if (q)
			return -1;
		if (*p)
			p++;
		*out = '\0';
	}
}

int config_line(const char *line, char **err)
{
	char *buf = xstrdup(line), *w[MAX_WORDS];
	int n = split_words(buf, w, MAX_WORDS), rc = 0;

	if (n < 0) {
		*err = xstrdup("unterminated quote");
		rc = -1;
	} else if (n == 0) {
		rc = 0;
	} else if (strcmp(w[0], "set") == 0) {
		int id;

		if (n != 3 && !(n == 2 && strchr(w[1], '='))) {
			*err = xstrdup("usage: set <option> <value>");
			rc = -1;
		} else {
			char *val = n == 3 ? w[2] : strchr(w[1], '=') + 1;

			if (n == 2)
				*strchr(w[1], '=') = '\0';
			id = opt_find(w[1]);
			if (id < 0) {
				*err = xasprintf("unknown option '%s'", w[1]);
				rc = -1;
			} else {
				rc = opt_set(id, val, err);
			}
		}
	} else if (strcmp(w[0], "bind") == 0) {
		if (n != 3) {
			*err = xstrdup("usage: bind <key> <action>");
			rc = -1;
		} else {
			rc = keymap_bind(w[1], w[2], err);
		}
	} else if (strcmp(w[0], "color") == 0 || strcmp(w[0], "colour") == 0) {
		rc = theme_set(n - 1, w + 1, err);
	} else {
		*err = xasprintf("unknown command '%s' (expected set, bind or "
				 "color)", w[0]);
		rc = -1;
	}
	free(buf);
	return rc;
}

int config_load_stream(FILE *f, const char *name, struct msg_list *errs)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, nerr = 0;

	while (getline(&line, &cap, f) != -1) {
		char *err = NULL;

		lineno++;
		if (config_line(line, &err) != 0) {
			msg_list_add(errs, xasprintf("%s:%d: %s", name, lineno,
						     err));
			free(err);
			nerr++;
		}
	}
	free(line);
	return nerr;
}

int config_load(const char *path, bool required, struct msg_list *errs)
{
	FILE *f = fopen(path, "r");
	int nerr;

	if (!f) {
		if (!required && errno == ENOENT)
			return 0;
		msg_list_add(errs, xasprintf("%s: %s", path, strerror(errno)));
		return 1;
	}
	nerr = config_load_stream(f, path, errs);
	fclose(f);
	return nerr;
}

char *config_default_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (x && *x == '/')
		return xasprintf("%s/mltop/config", x);
	return xasprintf("%s/.config/mltop/config", home ? home : ".");
}

int theme_load(const char *name, struct msg_list *errs)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	const char *env = getenv("MLTOP_THEMEDIR");
	char *dirs[5] = {0}, *path = NULL;
	int nd = 0, rc;

	if (strchr(name, '/'))
		return config_load(name, true, errs);
	if (env && *env)
		dirs[nd++] = xstrdup(env);
	if (x && *x == '/')
		dirs[nd++] = xasprintf("%s/mltop/themes", x);
	else if (home)
		dirs[nd++] = xasprintf("%s/.config/mltop/themes", home);
	dirs[nd++] = xstrdup(MLTOP_THEMEDIR);
	/* Running from a build tree, before `make install`. */
	dirs[nd++] = xstrdup(MLTOP_SRC_THEMEDIR);
	for (int i = 0; i < nd && !path; i++) {
		char *p = xasprintf("%s/%s.theme", dirs[i], name);

		if (access(p, R_OK) == 0)
			path = p;
		else
			free(p);
	}
	for (int i = 0; i < nd; i++)
		free(dirs[i]);
	if (!path) {
		msg_list_add(errs, xasprintf("theme '%s' not found", name));
		return 1;
	}
	theme_reset();
	rc = config_load(path, true, errs);
	free(path);
	return rc;
}
