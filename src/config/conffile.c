/* conffile.c: reads config files, one command a line. `set` is config's
 * own; other words run the handlers their layers registered. The same
 * commands run from the `:` prompt, so there is one syntax. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conffile.h"
#include "config/options.h"
#include "core/readfile.h"
#include "core/sanitize.h"
#include "core/xmalloc.h"

#define MAX_WORDS 16
#define MAX_HANDLERS 16

/* Registered at startup, before any line is read; never freed. */
static struct handler {
	const char *name;
	config_handler_fn fn;
	bool alias;
} handlers[MAX_HANDLERS];
static int nhandlers;

static struct handler *handler_find(const char *name)
{
	for (int i = 0; i < nhandlers; i++)
		if (strcmp(handlers[i].name, name) == 0)
			return &handlers[i];
	return NULL;
}

static void handler_add(const char *name, config_handler_fn fn, bool alias)
{
	struct handler *h = handler_find(name);

	if (!h) {
		if (nhandlers == MAX_HANDLERS)
			die("too many config commands (%s)", name);
		h = &handlers[nhandlers++];
	}
	*h = (struct handler){name, fn, alias};
}

void config_register_handler(const char *name, config_handler_fn fn)
{
	handler_add(name, fn, false);
}

void config_register_alias(const char *alias, const char *name)
{
	struct handler *h = handler_find(name);

	if (!h)
		die("config alias %s of unknown command %s", alias, name);
	handler_add(alias, h->fn, true);
}

/* "unknown command 'w' (expected set, bind or color)" */
static char *unknown_command(const char *word)
{
	const char *names[MAX_HANDLERS + 1];
	char *list = xstrdup("set"), *next;
	int n = 0;

	names[n++] = "set";
	for (int i = 0; i < nhandlers; i++)
		if (!handlers[i].alias)
			names[n++] = handlers[i].name;
	for (int i = 1; i < n; i++) {
		next = xasprintf("%s%s%s", list, i == n - 1 ? " or " : ", ",
				 names[i]);
		free(list);
		list = next;
	}
	next = xasprintf("unknown command '%s' (expected %s)", word, list);
	free(list);
	return next;
}

/* Messages quote file names and file text (a shared theme is untrusted):
 * made safe here, once, for the status line and stderr alike. */
void msg_list_add(struct msg_list *l, char *msg)
{
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = sanitize_text(msg);
	free(msg);
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
	} else if (handler_find(w[0])) {
		rc = handler_find(w[0])->fn(n, w, err);
	} else {
		*err = unknown_command(w[0]);
		rc = -1;
	}
	free(buf);
	return rc;
}

int config_load_buffer(const char *name, const char *text, size_t n,
		       struct msg_list *errs)
{
	const char *p = text, *end = text + n;
	int lineno = 0, nerr = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xstrndup(p, len), *err = NULL;

		lineno++;
		if (memchr(p, '\0', len)) {
			err = xstrdup("a NUL byte in the line");
		} else if (config_line(line, &err) == 0) {
			free(line);
			p += len + (nl != NULL);
			continue;
		}
		msg_list_add(errs, xasprintf("%s:%d: %s", name, lineno, err));
		free(err);
		free(line);
		nerr++;
		p += len + (nl != NULL);
	}
	return nerr;
}

int config_load(const char *path, bool required, struct msg_list *errs)
{
	char *text, *err;
	size_t n;
	int nerr;

	switch (read_small_file(path, CONFIG_MAX_BYTES, &text, &n, &err)) {
	case READFILE_MISSING:
		if (!required)
			return 0;
		msg_list_add(errs, xasprintf("%s: %s", path, strerror(ENOENT)));
		return 1;
	case READFILE_ERROR:
		msg_list_add(errs, err);
		return 1;
	case READFILE_OK:
		break;
	}
	nerr = config_load_buffer(path, text, n, errs);
	free(text);
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
