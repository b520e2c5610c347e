/* pipe_creds.c: the credentials of a pipeline source, never from the
 * command line: MLTOP_PIPELINES_TOKEN, else MLTOP_PIPELINES_USERNAME and
 * MLTOP_PIPELINES_PASSWORD, else the host's entry in ~/.netrc (or
 * $NETRC), as curl and Python's netrc module read it. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/readfile.h"
#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "pipeline/pipe_creds.h"

#define NETRC_MAX (1 << 20)

/* The next whitespace-separated token of text (a "quoted token" may hold
 * spaces, \" and \\ escaped); NULL at the end. Caller frees. */
static char *next_token(const char **pos, const char *end)
{
	const char *p = *pos;
	char *out;
	size_t n = 0;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
			   *p == '\r' || *p == ','))
		p++;
	if (p >= end) {
		*pos = p;
		return NULL;
	}
	out = xmalloc((size_t)(end - p) + 1);
	if (*p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			out[n++] = *p;
		}
		if (p < end)
			p++;
	} else {
		for (; p < end && *p != ' ' && *p != '\t' && *p != '\n' &&
		       *p != '\r'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	*pos = p;
	return out;
}

int netrc_lookup(const char *text, size_t len, const char *host,
		 char **login, char **password)
{
	const char *p = text, *end = text + len;
	char *tok, *dlogin = NULL, *dpass = NULL;
	int state = 0;  /* 0: outside, 1: the host's entry, 2: another, 3:
			 * default */
	bool found = false;

	*login = *password = NULL;
	while (!found && (tok = next_token(&p, end)) != NULL) {
		if (strcmp(tok, "machine") == 0 || strcmp(tok, "default") == 0) {
			if (state == 1 && (*login || *password)) {
				free(tok);
				found = true;
				break;
			}
			if (strcmp(tok, "default") == 0) {
				state = 3;
			} else {
				char *name = next_token(&p, end);

				state = name && strcmp(name, host) == 0 ? 1 : 2;
				free(name);
			}
		} else if (strcmp(tok, "login") == 0 ||
			   strcmp(tok, "password") == 0 ||
			   strcmp(tok, "account") == 0) {
			char *v = next_token(&p, end);
			char **slot = NULL;

			if (state == 1)
				slot = tok[0] == 'l' ? login :
				       tok[0] == 'p' ? password : NULL;
			else if (state == 3)
				slot = tok[0] == 'l' ? &dlogin :
				       tok[0] == 'p' ? &dpass : NULL;
			if (slot && v) {
				free(*slot);
				*slot = v;
				v = NULL;
			}
			free(v);
		} else if (strcmp(tok, "macdef") == 0) {
			/* A macro runs to the next empty line. */
			const char *blank = p;

			while (blank < end) {
				const char *nl = memchr(blank, '\n',
							(size_t)(end - blank));

				if (!nl) {
					blank = end;
					break;
				}
				blank = nl + 1;
				if (blank < end && (*blank == '\n' ||
						    (*blank == '\r' &&
						     blank + 1 < end &&
						     blank[1] == '\n')))
					break;
			}
			p = blank;
		}
		free(tok);
	}
	if (!*login && !*password) {
		*login = dlogin;
		*password = dpass;
	} else {
		free(dlogin);
		free(dpass);
	}
	return *login || *password ? 0 : -1;
}

static const char *env_set(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int pipe_creds_load(const char *host, struct pipe_creds *c, char **err)
{
	const char *user = env_set("MLTOP_PIPELINES_USERNAME");
	const char *pass = env_set("MLTOP_PIPELINES_PASSWORD");
	const char *token = env_set("MLTOP_PIPELINES_TOKEN");
	char *path, *text = NULL, *l = NULL, *pw = NULL, *shown;
	size_t n = 0;
	enum readfile_status st;

	memset(c, 0, sizeof(*c));
	*err = NULL;
	if (user && pass) {
		c->user = xstrdup(user);
		c->password = xstrdup(pass);
		shown = sanitize_text(user);
		c->described = xasprintf("user '%s' from "
					 "MLTOP_PIPELINES_USERNAME", shown);
		free(shown);
		return 0;
	}
	if (token) {
		c->token = xstrdup(token);
		c->described = xstrdup("a token from MLTOP_PIPELINES_TOKEN");
		return 0;
	}
	if (user || pass) {
		*err = xasprintf("%s is set but %s is not",
				 user ? "MLTOP_PIPELINES_USERNAME" :
				 "MLTOP_PIPELINES_PASSWORD",
				 user ? "MLTOP_PIPELINES_PASSWORD" :
				 "MLTOP_PIPELINES_USERNAME");
		return -1;
	}
	path = env_set("NETRC") ? xstrdup(getenv("NETRC")) :
	       env_set("HOME") ? xasprintf("%s/.netrc", getenv("HOME")) : NULL;
	st = path ? read_small_file(path, NETRC_MAX, &text, &n, err)
		  : READFILE_MISSING;
	if (st == READFILE_ERROR) {
		free(path);
		return -1;
	}
	if (st == READFILE_OK && host &&
	    netrc_lookup(text, n, host, &l, &pw) == 0 && l && pw) {
		c->user = l;
		c->password = pw;
		shown = sanitize_text(l);
		c->described = xasprintf("user '%s' from %s", shown,
					 env_set("NETRC") ? "$NETRC" :
					 "~/.netrc");
		free(shown);
	} else {
		free(l);
		free(pw);
		c->described = xstrdup("no credentials");
	}
	free(text);
	free(path);
	return 0;
}

void pipe_creds_free(struct pipe_creds *c)
{
	free(c->user);
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->password);
	if (c->token)
		memset(c->token, 0, strlen(c->token));
	free(c->token);
	free(c->described);
	memset(c, 0, sizeof(*c));
}
