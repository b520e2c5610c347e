/* statefile.c: small files mltop remembers things in, in the XDG state
 * directory; rewritten whole through a temporary file and a rename. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/readfile.h"
#include "core/statefile.h"
#include "core/xmalloc.h"

#define STATE_HEADER "# mltop state 1"
#define STATE_MAX (16 * 1024 * 1024)

char *state_dir(char **err)
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
		*err = xstrdup("no home directory for mltop's state "
			       "(set XDG_STATE_HOME)");
		return NULL;
	}
	return xasprintf("%s/.local/state/mltop", home);
}

int state_mkdirs(const char *path, char **err)
{
	char *p = xstrdup(path);

	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
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
	free(p);
	return 0;
}

/* --- the format ------------------------------------------------------- */

/* Append s; escaped, every control byte and '%' is %XX (raw: as is). */
static void append(char **out, size_t *len, size_t *cap, const char *s,
		   bool raw)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		*out = xgrow(*out, cap, *len + 4, 1);
		if (!raw && (*p < 0x20 || *p == 0x7f || *p == '%'))
			*len += (size_t)snprintf(*out + *len, 4, "%%%02X", *p);
		else
			(*out)[(*len)++] = (char)*p;
	}
	*out = xgrow(*out, cap, *len + 1, 1);
	(*out)[*len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescape a field in place; false when an escape is malformed or makes
 * a NUL. */
static bool unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return false;
		*w++ = (char)(hi * 16 + lo);
		r += 2;
	}
	*w = '\0';
	return true;
}

struct entry {
	char *k1, *k2, *value;
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static void entries_free(struct entries *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].k1);
		free(e->v[i].k2);
		free(e->v[i].value);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* 1: read; 0: no file; -1: unreadable or not a state file (*err). */
static int load(const char *path, struct entries *out, char **err)
{
	char *buf = NULL, *line, *save = NULL;
	size_t n = 0;
	int lineno = 0;
	enum readfile_status st = read_small_file(path, STATE_MAX, &buf, &n,
						  err);

	if (st == READFILE_MISSING)
		return 0;
	if (st != READFILE_OK)
		return -1;
	if (strlen(buf) != n || strncmp(buf, STATE_HEADER "\n",
					sizeof(STATE_HEADER)) != 0) {
		*err = xasprintf("%s: not an mltop state file", path);
		free(buf);
		return -1;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[3], *tab1, *tab2;

		if (++lineno == 1)
			continue;
		tab1 = strchr(line, '\t');
		tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (!tab2 || strchr(tab2 + 1, '\t')) {
			*err = xasprintf("%s: line %d: not KEY, KEY, VALUE",
					 path, lineno);
			goto bad;
		}
		*tab1 = *tab2 = '\0';
		f[0] = line;
		f[1] = tab1 + 1;
		f[2] = tab2 + 1;
		if (!unescape(f[0]) || !unescape(f[1]) || !unescape(f[2])) {
			*err = xasprintf("%s: line %d: a bad %% escape", path,
					 lineno);
			goto bad;
		}
		out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof(*out->v));
		out->v[out->n].k1 = xstrdup(f[0]);
		out->v[out->n].k2 = xstrdup(f[1]);
		out->v[out->n].value = xstrdup(f[2]);
		out->n++;
	}
	free(buf);
	return 1;
bad:
	free(buf);
	entries_free(out);
	return -1;
}

static char *path_of(const char *name, char **dirp, char **err)
{
	char *dir = state_dir(err), *path;

	if (!dir)
		return NULL;
	path = xasprintf("%s/%s", dir, name);
	if (dirp)
		*dirp = dir;
	else
		free(dir);
	return path;
}

struct get_ctx {
	const char *k2;
	char *value;
};

static void get_one(const char *k2, const char *value, void *ud)
{
	struct get_ctx *c = ud;

	/* The last entry of a key wins. */
	if (!strcmp(k2, c->k2)) {
		free(c->value);
		c->value = xstrdup(value);
	}
}

int statefile_get(const char *name, const char *k1, const char *k2,
		  char **value, char **err)
{
	struct get_ctx c = { k2, NULL };
	int rc = statefile_each(name, k1, get_one, &c, err);

	*value = rc > 0 ? c.value : NULL;
	if (rc <= 0)
		free(c.value);
	return rc < 0 ? -1 : c.value ? 1 : 0;
}

static void add_entry(char **out, size_t *len, size_t *cap,
		      const struct entry *e)
{
	append(out, len, cap, e->k1, false);
	append(out, len, cap, "\t", true);
	append(out, len, cap, e->k2, false);
	append(out, len, cap, "\t", true);
	append(out, len, cap, e->value, false);
	append(out, len, cap, "\n", true);
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Rewrite the file: every entry but those under (k1, k2) (k2 NULL: all
 * under k1), then the n given. */
static int rewrite(const char *name, const char *k1, const char *k2,
		   const char *const *k2s, const char *const *values,
		   size_t n, char **err)
{
	struct entries e = {0};
	char *dir = NULL, *path = path_of(name, &dir, err), *tmp = NULL;
	char *text = NULL, *lerr = NULL;
	size_t len = 0, cap = 0;
	int rc = -1, fd = -1;

	if (!path)
		return -1;
	if (state_mkdirs(dir, err) != 0)
		goto out;
	if (load(path, &e, &lerr) < 0) {
		/* Keep what was there for a person to look at; start anew. */
		char *aside = xasprintf("%s.corrupt", path);

		rename(path, aside);
		free(aside);
		free(lerr);
	}
	append(&text, &len, &cap, STATE_HEADER "\n", true);
	for (size_t i = 0; i < e.n; i++)
		if (strcmp(e.v[i].k1, k1) || (k2 && strcmp(e.v[i].k2, k2)))
			add_entry(&text, &len, &cap, &e.v[i]);
	for (size_t i = 0; i < n; i++)
		if (values[i])
			add_entry(&text, &len, &cap, &(struct entry){
				(char *)k1, (char *)k2s[i],
				(char *)values[i]});
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		*err = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		*err = xasprintf("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		*err = xasprintf("cannot rename %s to %s: %s", tmp, path,
				 strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && tmp)
		unlink(tmp);
	free(tmp);
	free(text);
	free(path);
	free(dir);
	entries_free(&e);
	return rc;
}

int statefile_put(const char *name, const char *k1, const char *k2,
		  const char *value, char **err)
{
	return rewrite(name, k1, k2, &k2, &value, 1, err);
}

int statefile_put_all(const char *name, const char *k1,
		      const char *const *k2, const char *const *values,
		      size_t n, char **err)
{
	return rewrite(name, k1, NULL, k2, values, n, err);
}

int statefile_each(const char *name, const char *k1,
		   void (*fn)(const char *k2, const char *value, void *ud),
		   void *ud, char **err)
{
	struct entries e = {0};
	char *path = path_of(name, NULL, err);
	int rc;

	if (!path)
		return -1;
	rc = load(path, &e, err);
	free(path);
	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < e.n; i++)
		if (!strcmp(e.v[i].k1, k1))
			fn(e.v[i].k2, e.v[i].value, ud);
	entries_free(&e);
	return 1;
}
