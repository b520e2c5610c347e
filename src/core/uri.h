/* uri.h: what a tracking URI names.
 * Accepts sqlite:///rel.db, sqlite:////abs.db, a plain path, http(s)://. */
#ifndef MLTOP_URI_H
#define MLTOP_URI_H

enum uri_kind { URI_SQLITE, URI_HTTP, URI_UNSUPPORTED };

struct tracking_uri {
	enum uri_kind kind;
	char *path;     /* URI_SQLITE: file path; URI_HTTP: base URL; owned */
	char *display;  /* what the status line shows, no secrets; owned */
};

/* Parse; returns 0, or -1 with *err (caller frees). */
int uri_parse(const char *uri, struct tracking_uri *out, char **err);
void uri_free(struct tracking_uri *u);

#endif
