/* uri.h: what a tracking URI names.
 * Accepts sqlite:///rel.db, sqlite:////abs.db, a plain path, http(s)://.
 * SQLite URIs are read as SQLAlchemy reads them: "sqlite+driver:" too,
 * the path percent-decoded, the "?query" dropped. A directory that looks
 * like MLflow's file store (or a missing path named mlruns, or ending in
 * "/") and file: URIs are the file store, which is refused; so are in-memory SQLite, databricks and every other
 * scheme (the message names the scheme, never the rest of the URI). */
#ifndef MLTOP_URI_H
#define MLTOP_URI_H

#include <stdbool.h>

enum uri_kind { URI_SQLITE, URI_HTTP, URI_UNSUPPORTED };

struct tracking_uri {
	enum uri_kind kind;
	char *path;     /* URI_SQLITE: file path; URI_HTTP: base URL with
			 * credentials and query kept, fragment and trailing
			 * "/" dropped; owned */
	char *display;  /* what the status line shows, no secrets: a URL's
			 * password (or a lone user token) is "***" and its
			 * query is dropped; owned */
};

/* Parse; returns 0, or -1 with *err (caller frees; err may be NULL). On
 * -1, out->kind is URI_UNSUPPORTED and path and display are NULL.
 * uri_free() is safe on either result, and twice. */
int uri_parse(const char *uri, struct tracking_uri *out, char **err);
void uri_free(struct tracking_uri *u);
/* Does the directory look like MLflow's file store (mlruns): a meta.yaml,
 * a .trash directory, or a numbered experiment directory holding a
 * meta.yaml? Other directories are just not a store. */
bool uri_dir_is_file_store(const char *dir);

#endif
