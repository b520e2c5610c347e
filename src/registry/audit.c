/* audit.c: who runs mltop, and the local audit log every registry write
 * is recorded in. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/format.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "registry/history.h"
#include "registry/history_priv.h"


/* --- who, and the audit log ---------------------------------------------- */

char *history_who(void)
{
	const char *user = getenv("USER");
	char host[256];

	if (!user || !*user) {
		struct passwd *pw = getpwuid(getuid());

		user = pw && pw->pw_name ? pw->pw_name : NULL;
	}
	if (gethostname(host, sizeof(host)) != 0 || !*host)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (!user)
		return xasprintf("uid%ld@%s", (long)getuid(), host);
	return xasprintf("%s@%s", user, host);
}

/* mkdir -p, each new directory 0700 (XDG's rule for its directories). */
static int mkdirs(const char *path, char **err)
{
	char *p = xstrdup(path);

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		{
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				*err = xasprintf("cannot create %s: %s", p,
						 strerror(errno));
				free(p);
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}

static char *audit_dir(char **err)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	/* XDG: a relative path is invalid and is ignored. */
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/mltop", xdg);
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home) {
		*err = xstrdup("no home directory for the audit log");
		return NULL;
	}
	return xasprintf("%s/.local/state/mltop", home);
}

int audit_append(const char *store, const char *model, const char *event_json,
		 const char *result, char **err)
{
	char *dir, *path = NULL, *line = NULL;
	json_t *o, *ev;
	size_t len, off = 0;
	int fd = -1, rc = -1;

	*err = NULL;
	dir = audit_dir(err);
	if (!dir)
		return -1;
	if (mkdirs(dir, err) != 0)
		goto out;
	path = xasprintf("%s/audit.log", dir);
	ev = event_json ? json_loads(event_json, 0, NULL) : NULL;
	if (!ev)
		ev = event_json ? history_jstr(event_json) : json_null();
	o = json_object();
	json_object_set_new(o, "time", json_integer(clock_now_ms()));
	json_object_set_new(o, "store", history_jstr(store));
	json_object_set_new(o, "model", history_jstr(model));
	json_object_set_new(o, "event", ev);
	json_object_set_new(o, "result", history_jstr(result));
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!line)
		die("out of memory");
	len = strlen(line);
	line = xrealloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	/* One write: O_APPEND keeps lines of concurrent mltops whole. */
	while (off < len) {
		ssize_t k = write(fd, line + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			*err = xasprintf("cannot write %s: %s", path,
					 strerror(errno));
			goto out;
		}
		off += (size_t)k;
	}
	if (fsync(fd) != 0) {
		*err = xasprintf("cannot sync %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		*err = xasprintf("cannot close %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	free(path);
	free(dir);
	return rc;
}

