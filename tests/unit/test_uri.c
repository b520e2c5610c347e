/* test_uri.c: unit tests for tracking URI parsing.
 * SQLite paths as SQLAlchemy reads them; no secret in the display form. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/uri.h"
#include "core/xmalloc.h"
#include "tap.h"

static void good(const char *uri, enum uri_kind kind, const char *path,
		 const char *display)
{
	struct tracking_uri u;
	char *err = NULL;
	int rc = uri_parse(uri, &u, &err);

	ok(rc == 0 && err == NULL && u.kind == kind, "%s parses (%s)", uri,
	   err ? err : "no error");
	is_str(u.path, path, "%s: path", uri);
	is_str(u.display, display, "%s: display", uri);
	uri_free(&u);
	free(err);
}

/* Fails with a message holding `must` and never `secret`. */
static void bad(const char *uri, const char *must, const char *secret)
{
	struct tracking_uri u;
	char *err = NULL;
	int rc = uri_parse(uri, &u, &err);

	ok(rc == -1 && u.kind == URI_UNSUPPORTED && !u.path && !u.display,
	   "%s is refused", uri ? uri : "(null)");
	ok(err && strstr(err, must) && (!secret || !strstr(err, secret)),
	   "%s: message '%s' says '%s'", uri ? uri : "(null)",
	   err ? err : "(null)", must);
	uri_free(&u);
	free(err);
}

int main(void)
{
	struct tracking_uri u;
	char dir[] = "/tmp/mltop-uri-XXXXXX", *err;

	/* SQLite */
	good("sqlite:///rel.db", URI_SQLITE, "rel.db", "sqlite:///rel.db");
	good("sqlite:////abs/x.db", URI_SQLITE, "/abs/x.db",
	     "sqlite:////abs/x.db");
	good("sqlite:///sub/dir/m.db", URI_SQLITE, "sub/dir/m.db",
	     "sqlite:///sub/dir/m.db");
	good("sqlite:///mlflow.db?mode=ro", URI_SQLITE, "mlflow.db",
	     "sqlite:///mlflow.db");
	good("sqlite:///a%20b.db", URI_SQLITE, "a b.db", "sqlite:///a%20b.db");
	good("sqlite:///100%.db", URI_SQLITE, "100%.db", "sqlite:///100%.db");
	good("SQLite:///x.db", URI_SQLITE, "x.db", "SQLite:///x.db");
	good("sqlite+pysqlite:///x.db", URI_SQLITE, "x.db",
	     "sqlite+pysqlite:///x.db");
	good("sqlite:///file:data.db?mode=ro&uri=true", URI_SQLITE, "data.db",
	     "sqlite:///file:data.db");
	bad("sqlite://", "in-memory", NULL);
	bad("sqlite:///", "in-memory", NULL);
	bad("sqlite:///?mode=ro", "in-memory", NULL);
	bad("sqlite:///:memory:", "in-memory", NULL);
	bad("sqlite://host/x.db", "no host", NULL);
	bad("sqlite:x.db", "sqlite:///relative/path.db", NULL);
	bad("sqlite:/x.db", "sqlite:////absolute/path.db", NULL);

	/* plain paths */
	good("mlflow.db", URI_SQLITE, "mlflow.db", "mlflow.db");
	good("/var/lib/mlflow/mlflow.db", URI_SQLITE,
	     "/var/lib/mlflow/mlflow.db", "/var/lib/mlflow/mlflow.db");
	good("./runs.db", URI_SQLITE, "./runs.db", "./runs.db");
	good("c:runs.db", URI_SQLITE, "c:runs.db", "c:runs.db");
	good("my db.sqlite", URI_SQLITE, "my db.sqlite", "my db.sqlite");

	/* MLflow's file store */
	bad("./mlruns", "file store", NULL);
	bad("mlruns", "file store", NULL);
	bad("/home/u/project/mlruns", "file store", NULL);
	bad("some/dir/", "file store", NULL);
	bad("file:///tmp/mlruns", "file store", NULL);
	bad("file:./mlruns", "file store", NULL);
	if (mkdtemp(dir)) {
		/* An empty directory is not a file store, only not a file. */
		char *meta = xasprintf("%s/meta.yaml", dir);
		FILE *f;

		ok(uri_parse(dir, &u, NULL) == 0 && u.kind == URI_SQLITE,
		   "an empty directory is left to the store to refuse");
		uri_free(&u);
		f = fopen(meta, "w");
		if (f)
			fclose(f);
		bad(dir, "file store", NULL);
		unlink(meta);
		free(meta);
		rmdir(dir);
	} else {
		ok(0, "mkdtemp %s", dir);
	}

	/* HTTP */
	good("http://localhost:5000", URI_HTTP, "http://localhost:5000",
	     "http://localhost:5000");
	good("http://localhost:5000/", URI_HTTP, "http://localhost:5000",
	     "http://localhost:5000");
	good("https://mlflow.example.com//", URI_HTTP,
	     "https://mlflow.example.com", "https://mlflow.example.com");
	good("https://example.com/mlflow/", URI_HTTP,
	     "https://example.com/mlflow", "https://example.com/mlflow");
	good("HTTPS://Example.com/", URI_HTTP, "HTTPS://Example.com",
	     "HTTPS://Example.com");
	good("https://user:secret@host", URI_HTTP, "https://user:secret@host",
	     "https://user:***@host");
	good("https://user:secret@host:5000/base/", URI_HTTP,
	     "https://user:secret@host:5000/base",
	     "https://user:***@host:5000/base");
	good("https://user:p@ss:w@host/", URI_HTTP, "https://user:p@ss:w@host",
	     "https://user:***@host");
	good("https://tok3n@host/", URI_HTTP, "https://tok3n@host",
	     "https://***@host");
	good("http://user:@host", URI_HTTP, "http://user:@host",
	     "http://user:***@host");
	good("https://host/x?token=abc", URI_HTTP, "https://host/x?token=abc",
	     "https://host/x");
	good("https://host/x/?a=1#frag", URI_HTTP, "https://host/x?a=1",
	     "https://host/x");
	good("http://host/a@b", URI_HTTP, "http://host/a@b", "http://host/a@b");
	bad("http://", "needs a host", NULL);
	bad("https:///path", "needs a host", NULL);
	bad("http:host", "needs a host", NULL);

	/* other schemes */
	bad("postgresql://admin:hunter2@db:5432/mlflow", "'postgresql'",
	    "hunter2");
	bad("mysql+pymysql://u:hunter2@db/mlflow", "'mysql+pymysql'",
	    "hunter2");
	bad("mssql://db/mlflow", "'mssql'", NULL);
	bad("databricks", "Databricks", NULL);
	bad("databricks-uc", "Databricks", NULL);
	bad("databricks://profile", "'databricks'", NULL);
	bad("s3://bucket/mlruns", "'s3'", NULL);
	bad("", "no tracking URI", NULL);
	bad(NULL, "no tracking URI", NULL);

	/* err may be NULL; uri_free is safe twice */
	ok(uri_parse("postgresql://x", &u, NULL) == -1, "NULL err is allowed");
	uri_free(&u);
	ok(uri_parse("sqlite:///a.db", &u, &err) == 0, "parse a.db");
	uri_free(&u);
	uri_free(&u);
	ok(u.path == NULL && u.display == NULL, "uri_free clears and repeats");
	uri_free(NULL);
	return done_testing();
}
