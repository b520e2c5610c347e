/* pipe_creds.h: credentials of a pipeline source (never on the command
 * line). */
#ifndef MLTOP_PIPE_CREDS_H
#define MLTOP_PIPE_CREDS_H

#include <stddef.h>

struct pipe_creds {
	/* Owned, never printed: user and password (exchanged for a token
	 * by the backend), or a ready token, or all NULL. */
	char *user, *password, *token;
	/* For messages, no secret in it: "user 'admin' from
	 * MLTOP_PIPELINES_USERNAME", "a token from MLTOP_PIPELINES_TOKEN",
	 * "user 'admin' from ~/.netrc", "no credentials". */
	char *described;
};

/* MLTOP_PIPELINES_USERNAME + MLTOP_PIPELINES_PASSWORD, else
 * MLTOP_PIPELINES_TOKEN, else host's entry (or "default") in $NETRC or
 * ~/.netrc. Returns 0, or -1 with *err (owned) when only one of the
 * pair is set or the netrc file cannot be read. */
int pipe_creds_load(const char *host, struct pipe_creds *c, char **err);
void pipe_creds_free(struct pipe_creds *c);

/* host's login and password in a netrc text of len bytes (any bytes;
 * the "default" entry when host has none). 0 when found (either may be
 * NULL), -1 when not; both owned. */
int netrc_lookup(const char *text, size_t len, const char *host,
		 char **login, char **password);

#endif
