/* test_statefile.c: unit tests for the state files in $XDG_STATE_HOME:
 * entries round-trip (keys and values with tabs, newlines and escapes),
 * the rewrite keeps other entries, a corrupt or unreadable file is an
 * error to report (never a crash) and the next write moves it aside. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/statefile.h"
#include "core/xmalloc.h"
#include "tap.h"

static char dir[256];

static void write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/mltop/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

static char *get(const char *k1, const char *k2, int *rc, char **err)
{
	char *v = NULL;

	*err = NULL;
	*rc = statefile_get("columns", k1, k2, &v, err);
	return v;
}

int main(void)
{
	char *v, *err = NULL, *path, *p2;
	int rc;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/mltop-statefile-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return tap_bail("mkdtemp");
	setenv("XDG_STATE_HOME", dir, 1);

	p2 = state_dir(&err);
	path = xasprintf("%s/mltop", dir);
	is_str(p2, path, "state_dir follows XDG_STATE_HOME");
	free(p2);
	free(path);
	setenv("XDG_STATE_HOME", "relative/dir", 1);
	setenv("HOME", "/home/someone", 1);
	p2 = state_dir(&err);
	is_str(p2, "/home/someone/.local/state/mltop",
	       "a relative XDG_STATE_HOME is ignored");
	free(p2);
	setenv("XDG_STATE_HOME", dir, 1);

	v = get("sqlite:///a.db", "1", &rc, &err);
	ok(rc == 0 && !v && !err, "no file: nothing stored, no error");

	ok(statefile_put("columns", "sqlite:///a.db", "1", "user,-id", &err)
	   == 0, "put (%s)", err ? err : "ok");
	ok(statefile_put("columns", "http://h\tx\n", "2%", "a\tb\nc%41", &err)
	   == 0, "put odd bytes (%s)", err ? err : "ok");
	v = get("sqlite:///a.db", "1", &rc, &err);
	ok(rc == 1, "found again");
	is_str(v, "user,-id", "value round-trips");
	free(v);
	v = get("http://h\tx\n", "2%", &rc, &err);
	is_str(v, "a\tb\nc%41", "tabs, newlines and %% round-trip");
	free(v);
	v = get("sqlite:///a.db", "2", &rc, &err);
	ok(rc == 0 && !v, "another experiment has none");

	ok(statefile_put("columns", "sqlite:///a.db", "1", "start", &err) == 0,
	   "replace");
	v = get("sqlite:///a.db", "1", &rc, &err);
	is_str(v, "start", "the new value");
	free(v);
	v = get("http://h\tx\n", "2%", &rc, &err);
	ok(rc == 1, "the other entry is kept");
	free(v);
	ok(statefile_put("columns", "sqlite:///a.db", "1", NULL, &err) == 0,
	   "remove");
	v = get("sqlite:///a.db", "1", &rc, &err);
	ok(rc == 0 && !v, "removed");

	path = xasprintf("%s/mltop/columns.tmp.%ld", dir, (long)getpid());
	ok(stat(path, &st) != 0, "no temporary file left behind");
	free(path);

	/* Corrupt files: an error, never a value, never a crash. */
	write_file("columns", "garbage\x01\x02 not a state file\n");
	v = get("sqlite:///a.db", "1", &rc, &err);
	ok(rc == -1 && !v && err && strstr(err, "not an mltop state file"),
	   "garbage is an error: %s", err ? err : "(none)");
	free(err);
	err = NULL;
	write_file("columns", "# mltop state 1\nonly-one-field\n");
	v = get("sqlite:///a.db", "1", &rc, &err);
	ok(rc == -1 && err && strstr(err, "line 2"), "a short line: %s",
	   err ? err : "(none)");
	free(err);
	err = NULL;
	write_file("columns", "# mltop state 1\na\tb\tc%zz\n");
	v = get("a", "b", &rc, &err);
	ok(rc == -1 && err && strstr(err, "escape"), "a bad escape: %s",
	   err ? err : "(none)");
	free(err);
	err = NULL;
	write_file("columns", "# mltop state 1\na\tb\tc%00\n");
	v = get("a", "b", &rc, &err);
	ok(rc == -1 && err, "an escaped NUL is refused");
	free(err);
	err = NULL;

	/* The next write starts anew and keeps the bad file aside. */
	ok(statefile_put("columns", "a", "b", "name", &err) == 0,
	   "put over a corrupt file (%s)", err ? err : "ok");
	v = get("a", "b", &rc, &err);
	is_str(v, "name", "read back after the corrupt file");
	free(v);
	path = xasprintf("%s/mltop/columns.corrupt", dir);
	ok(stat(path, &st) == 0, "the corrupt file is kept aside");
	unlink(path);
	free(path);

	/* A directory where the file should be: an error, not a crash. */
	path = xasprintf("%s/mltop/columns", dir);
	unlink(path);
	mkdir(path, 0700);
	v = get("a", "b", &rc, &err);
	ok(rc == -1 && !v && err, "a directory is unreadable: %s",
	   err ? err : "(none)");
	free(err);
	err = NULL;
	rmdir(path);
	free(path);
	path = xasprintf("%s/mltop", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
	return done_testing();
}
