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
#include "core/statefile.h"
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

int audit_append(const char *store, const char *model, const char *event_json,
		 const char *result, char **err)
{
	char *dir, *path = NULL, *line = NULL;
	json_t *o, *ev;
	size_t len, off = 0;
	int fd = -1, rc = -1;

	*err = NULL;
	dir = state_dir(err);
	if (!dir)
		return -1;
	if (state_mkdirs(dir, err) != 0)
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


/* --- writes that never finished ------------------------------------------ */

#define AUDIT_TAIL (4 << 20)  /* the newest 4 MiB of the log are read */

/* The tail of the audit log, NUL-terminated, from its first whole line;
 * NULL when there is none. */
static char *audit_tail(void)
{
	char *err = NULL, *dir = state_dir(&err), *path, *buf = NULL;
	struct stat sb;
	off_t from;
	size_t len = 0;
	int fd;

	free(err);
	if (!dir)
		return NULL;
	path = xasprintf("%s/audit.log", dir);
	free(dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return NULL;
	}
	from = sb.st_size > AUDIT_TAIL ? sb.st_size - AUDIT_TAIL : 0;
	if (lseek(fd, from, SEEK_SET) < 0) {
		close(fd);
		return NULL;
	}
	buf = xmalloc(AUDIT_TAIL + 1);
	while (len < AUDIT_TAIL) {
		ssize_t k = read(fd, buf + len, AUDIT_TAIL - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = '\0';
	if (from > 0) {
		char *nl = strchr(buf, '\n');

		if (!nl) {
			free(buf);
			return NULL;
		}
		memmove(buf, nl + 1, strlen(nl + 1) + 1);
	}
	return buf;
}

/* Does the model show ev's move: the alias (or every version the stage
 * move named) where the event took it? */
static bool move_shows(const struct registered_model *rm,
		       const struct history_event *ev)
{
	if (ev->kind == HK_ALIAS) {
		const char *v = kv_list_get(&rm->aliases, ev->name);

		return ev->to_version ? v && atoi(v) == ev->to_version : !v;
	}
	if (!ev->nmoves)
		return false;
	for (size_t i = 0; i < ev->nmoves; i++) {
		const struct model_version *mv = NULL;

		for (size_t j = 0; j < rm->nversions; j++)
			if (rm->versions[j].version == ev->moves[i].version)
				mv = &rm->versions[j];
		if (!mv || !mv->stage ||
		    strcasecmp(mv->stage, ev->moves[i].to) != 0)
			return false;
	}
	return true;
}

/* Is there an event in the tags about the same alias or stage at or
 * after ev (a later move, or ev itself recorded)? */
static bool superseded(const struct registered_model *rm,
		       const struct history_event *ev, const char *value)
{
	struct history_event *all;
	size_t n = history_events(&rm->tags, &all);
	bool later = false;

	for (size_t i = 0; i < n && !later; i++)
		later = all[i].kind == ev->kind &&
			strcmp(all[i].name, ev->name) == 0 &&
			all[i].time_ms >= ev->time_ms;
	history_events_free(all, n);
	for (size_t i = 0; i < rm->tags.n && !later; i++)
		later = rm->tags.v[i].value &&
			strcmp(rm->tags.v[i].value, value) == 0;
	return later;
}

size_t history_add_interrupted(struct registered_model *rm,
			       const char *store)
{
	char *text = audit_tail(), *line, *next;
	char **open_ev = NULL;
	size_t nopen = 0, added = 0;

	if (!text)
		return 0;
	/* Events started and not finished, in the order they started. */
	for (line = text; *line; line = next) {
		json_t *o, *ev;
		const char *st, *mo, *res;
		char *evs;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		o = json_loadb(line, (size_t)(next - line), 0, NULL);
		st = json_string_value(json_object_get(o, "store"));
		mo = json_string_value(json_object_get(o, "model"));
		res = json_string_value(json_object_get(o, "result"));
		ev = json_object_get(o, "event");
		if (!st || !mo || !res || !json_is_object(ev) ||
		    strcmp(st, store) != 0 || strcmp(mo, rm->name) != 0) {
			json_decref(o);
			continue;
		}
		evs = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (evs && strcmp(res, AUDIT_STARTED) == 0) {
			open_ev = xreallocarray(open_ev, nopen + 1,
						sizeof(*open_ev));
			open_ev[nopen++] = evs;
			evs = NULL;
		} else if (evs) {
			for (size_t i = 0; i < nopen; i++) {
				if (strcmp(open_ev[i], evs) != 0)
					continue;
				free(open_ev[i]);
				memmove(&open_ev[i], &open_ev[i + 1],
					(nopen - i - 1) * sizeof(*open_ev));
				nopen--;
				break;
			}
		}
		free(evs);
		json_decref(o);
	}
	free(text);
	for (size_t i = 0; i < nopen; i++) {
		struct history_event ev;
		char *key, *drop, *val;
		json_t *j;

		if (history_decode(STORE_EVENT_PREFIX "000001", open_ev[i],
				   &ev) != 0) {
			free(open_ev[i]);
			continue;
		}
		if (move_shows(rm, &ev) && !superseded(rm, &ev, open_ev[i])) {
			j = json_loads(open_ev[i], 0, NULL);
			json_object_set_new(j, "interrupted", json_true());
			val = json_dumps(j, JSON_COMPACT |
					 JSON_PRESERVE_ORDER);
			json_decref(j);
			store_event_keys(&rm->tags, &key, &drop);
			if (val)
				kv_list_set(&rm->tags, key, val);
			free(val);
			free(key);
			free(drop);
			added++;
		}
		history_event_free(&ev);
		free(open_ev[i]);
	}
	free(open_ev);
	return added;
}
