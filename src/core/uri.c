/* uri.c: what a tracking URI names.
 * SQLite URIs follow SQLAlchemy's reading, as MLflow hands them to it. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/uri.h"
#include "core/xmalloc.h"

#define USE_INSTEAD \
	"; use a SQLite store (sqlite:///path/to/mlflow.db) or an MLflow " \
	"server (http://host:5000)"

static void set_err(char **err, char *msg)
{
	if (err)
		*err = msg;
	else
		free(msg);
}

/* Length of an RFC 3986 scheme at s, up to its ':' (0 when none). One
 * letter is not a scheme: "c:\x.db" reads better as a path. */
static size_t scheme_len(const char *s)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; s[i] && s[i] != ':'; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("+-.", s[i]))
			return 0;
	return s[i] == ':' && i > 1 ? i : 0;
}

static bool scheme_is(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(s, name, len) == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* SQLAlchemy percent-decodes the database part of a URL. */
static char *percent_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static bool has_entry(const char *dir, const char *name, bool want_dir)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool found = stat(p, &st) == 0 &&
		     (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));

	free(p);
	return found;
}

bool uri_dir_is_file_store(const char *dir)
{
	DIR *d;
	struct dirent *de;
	bool found = false;
	int seen = 0;

	if (has_entry(dir, "meta.yaml", false) ||
	    has_entry(dir, ".trash", true))
		return true;
	d = opendir(dir);
	if (!d)
		return false;
	/* A bounded look: a store's experiment directories are few. */
	while (!found && seen++ < 4096 && (de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		char *sub;

		if (!*n || strspn(n, "0123456789") != strlen(n))
			continue;
		sub = xasprintf("%s/%s", dir, n);
		found = has_entry(sub, "meta.yaml", false);
		free(sub);
	}
	closedir(d);
	return found;
}

/* A name that means the file store: an existing directory that looks
 * like one, or, when nothing is there, a name ending in "/" or "mlruns". */
static bool is_file_store(const char *path)
{
	struct stat st;
	size_t n = strlen(path);
	const char *base = strrchr(path, '/');

	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) && uri_dir_is_file_store(path);
	base = base ? base + 1 : path;
	if (n > 0 && path[n - 1] == '/')
		return true;
	return strcmp(base, "mlruns") == 0;
}

static int parse_sqlite(const char *uri, size_t slen, struct tracking_uri *out,
			char **err)
{
	const char *rest = uri + slen + 1, *q;
	size_t n;
	char *path;

	if (strncmp(rest, "//", 2) != 0) {
		set_err(err, xstrdup("a sqlite URI looks like "
				     "sqlite:///relative/path.db or "
				     "sqlite:////absolute/path.db"));
		return -1;
	}
	rest += 2;
	if (*rest != '/') {
		set_err(err, xstrdup(*rest && *rest != '?' ?
				     "a sqlite URI names no host: use "
				     "sqlite:///relative/path.db or "
				     "sqlite:////absolute/path.db" :
				     "an in-memory sqlite store has nothing "
				     "to show; name a file: "
				     "sqlite:///path/to/mlflow.db"));
		return -1;
	}
	rest++;
	q = strchr(rest, '?');
	n = q ? (size_t)(q - rest) : strlen(rest);
	path = percent_decode(rest, n);
	/* The form SQLAlchemy passes to sqlite3 as a URI filename when the
	 * query says uri=true. */
	if (strncmp(path, "file:", 5) == 0 && q && strstr(q, "uri=true")) {
		memmove(path, path + 5, strlen(path + 5) + 1);
		if (strncmp(path, "//", 2) == 0)
			memmove(path, path + 2, strlen(path + 2) + 1);
	}
	if (!*path || strcmp(path, ":memory:") == 0) {
		free(path);
		set_err(err, xstrdup("an in-memory sqlite store has nothing "
				     "to show; name a file: "
				     "sqlite:///path/to/mlflow.db"));
		return -1;
	}
	out->kind = URI_SQLITE;
	out->path = path;
	out->display = xstrndup(uri, (size_t)(rest - uri) + n);
	return 0;
}

/* base URL: no fragment, no trailing slash before the query. The
 * display form masks a password and drops the query, which may carry a
 * token. */
static int parse_http(const char *uri, size_t slen, struct tracking_uri *out,
		      char **err)
{
	const char *auth = uri + slen + 3, *end, *at, *colon, *q, *p;
	size_t baselen, n;
	char *base, *disp;

	if (strncmp(uri + slen, "://", 3) != 0 || !*auth || *auth == '/' ||
	    *auth == '?' || *auth == '#') {
		set_err(err, xasprintf("a %.*s URI needs a host: "
				       "%.*s://host:port", (int)slen, uri,
				       (int)slen, uri));
		return -1;
	}
	n = strcspn(uri, "#");
	q = memchr(uri, '?', n);
	baselen = q ? (size_t)(q - uri) : n;
	while (baselen > slen + 3 && uri[baselen - 1] == '/')
		baselen--;
	base = xstrndup(uri, baselen);
	out->path = q ? xasprintf("%s%.*s", base, (int)(n - (size_t)(q - uri)),
				  q) :
			xstrdup(base);

	/* userinfo is what precedes the last '@' of the authority */
	end = auth + strcspn(auth, "/?#");
	if (end > uri + baselen)
		end = uri + baselen;
	at = NULL;
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	/* "user:password@" keeps the user; a lone "token@" is all secret.
	 * The same offsets hold in base, a prefix copy of uri. */
	if (colon)
		disp = xasprintf("%.*s***%s", (int)(colon + 1 - uri), uri,
				 base + (at - uri));
	else if (at)
		disp = xasprintf("%.*s***%s", (int)(auth - uri), uri,
				 base + (at - uri));
	else
		disp = xstrdup(base);
	free(base);
	out->kind = URI_HTTP;
	out->display = disp;
	return 0;
}

int uri_parse(const char *uri, struct tracking_uri *out, char **err)
{
	size_t slen;

	out->kind = URI_UNSUPPORTED;
	out->path = NULL;
	out->display = NULL;
	if (err)
		*err = NULL;
	if (!uri || !*uri) {
		set_err(err, xstrdup("no tracking URI given" USE_INSTEAD));
		return -1;
	}
	slen = scheme_len(uri);
	if (slen == 0) {
		if (strcmp(uri, "databricks") == 0 ||
		    strcmp(uri, "databricks-uc") == 0) {
			set_err(err, xasprintf("tracking URI '%s': Databricks "
					       "workspaces are not supported"
					       USE_INSTEAD, uri));
			return -1;
		}
		if (is_file_store(uri)) {
			set_err(err, xstrdup(
				"a directory is MLflow's file store (mlruns), "
				"which is not supported" USE_INSTEAD));
			return -1;
		}
		out->kind = URI_SQLITE;
		out->path = xstrdup(uri);
		out->display = xstrdup(uri);
		return 0;
	}
	if (scheme_is(uri, slen, "sqlite") ||
	    (slen > 7 && strncasecmp(uri, "sqlite+", 7) == 0))
		return parse_sqlite(uri, slen, out, err);
	if (scheme_is(uri, slen, "http") || scheme_is(uri, slen, "https"))
		return parse_http(uri, slen, out, err);
	if (scheme_is(uri, slen, "file")) {
		set_err(err, xstrdup("file: URIs name MLflow's file store "
				     "(mlruns), which is not supported"
				     USE_INSTEAD));
		return -1;
	}
	/* Name only the scheme: the rest may hold a database password. */
	set_err(err, xasprintf("tracking URI scheme '%.*s' is not supported"
			       USE_INSTEAD, (int)slen, uri));
	return -1;
}

void uri_free(struct tracking_uri *u)
{
	if (!u)
		return;
	free(u->path);
	free(u->display);
	u->path = u->display = NULL;
}
