/* credentials.c: credentials and TLS options for a remote MLflow server,
 * found the way the MLflow client finds them, so mltop sends what it sends.
 *
 * Checked against mlflow 3.17.2, and again for 3.18.0 (the pinned client;
 * these files did not change in what is described here):
 *  - mlflow/utils/credentials.py: read_mlflow_creds() reads the file
 *    FIRST and always (a broken file fails even when the environment has
 *    everything), then takes `username_env or username_file` and
 *    `password_env or password_file` separately, so an empty variable
 *    falls through to the file. Only mlflow_tracking_username and
 *    mlflow_tracking_password are read from [mlflow]; the token comes
 *    from MLFLOW_TRACKING_TOKEN alone (get_default_host_creds).
 *  - The file is read by configparser.ConfigParser() with its defaults
 *    (Python 3.11 configparser.py _read and BasicInterpolation), which
 *    is what parse_ini() and interpolate() below mirror: [DEFAULT]
 *    values show through, keys are case-insensitive, values stripped,
 *    indented lines continue a value, "%%" is "%" and "%(key)s" refers to
 *    another key. Files that cannot be opened count as absent.
 *  - mlflow/utils/rest_utils.py http_request(): Basic auth when username
 *    AND password are set, else the Bearer token: Basic wins.
 *  - mlflow/environment_variables.py _BooleanEnvironmentVariable:
 *    MLFLOW_TRACKING_INSECURE_TLS is "true"/"1" or "false"/"0", any case;
 *    anything else (even empty) is an error. MlflowHostCreds refuses it
 *    together with MLFLOW_TRACKING_SERVER_CERT_PATH.
 *  - mlflow/utils/workspace_context.py: MLFLOW_WORKSPACE is stripped and
 *    ignored when empty; sent as X-MLFLOW-WORKSPACE.
 * One deliberate difference: an empty MLFLOW_TRACKING_SERVER_CERT_PATH
 * makes requests skip certificate checks (verify=""); mltop treats it as
 * unset and keeps verifying. */
#include "config.h"

#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/sanitize.h"
#include "core/readfile.h"
#include "core/xmalloc.h"
#include "store/credentials.h"

#define CRED_FILE "~/.mlflow/credentials"
#define KEY_USER "mlflow_tracking_username"
#define KEY_PASSWORD "mlflow_tracking_password"
#define MAX_FILE_SIZE ((size_t)1 << 20)
/* configparser.MAX_INTERPOLATION_DEPTH */
#define MAX_DEPTH 10

struct ini_opt {
	char *sect, *key;
	char *val;
	size_t len, cap;
	int line;
};

struct ini {
	struct ini_opt *opts;
	size_t n, cap;
	char **sects;          /* sections seen, to refuse duplicates */
	size_t nsects, capsects;
};

/* ---- text helpers: Python's str.strip() whitespace, in UTF-8 ---- */

/* Length of the whitespace character at p (0 if none). */
static size_t ws_at(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t left = (size_t)(end - p);

	if (!left)
		return 0;
	if (*u == ' ' || (*u >= '\t' && *u <= '\r') ||
	    (*u >= 0x1c && *u <= 0x1f))
		return 1;
	if (left >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (left < 3)
		return 0;
	if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)     /* U+1680 */
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
		return 3;                       /* U+2000..200A, 2028/9, 202F */
	if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)     /* U+205F */
		return 3;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)     /* U+3000 */
		return 3;
	return 0;
}

/* Length of the whitespace character that ends just before end. */
static size_t ws_before(const char *start, const char *end)
{
	size_t k;

	for (k = 1; k <= 3 && (size_t)(end - start) >= k; k++)
		if (ws_at(end - k, end) == k)
			return k;
	return 0;
}

static void strip(const char **b, const char **e)
{
	size_t k;

	while (*b < *e && (k = ws_at(*b, *e)))
		*b += k;
	while (*e > *b && (k = ws_before(*b, *e)))
		*e -= k;
}

static char *lower_dup(const char *b, const char *e)
{
	char *s = xstrndup(b, (size_t)(e - b));
	char *p;

	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* Strict UTF-8, as Python's decoder: no overlongs, surrogates, or
 * code points past U+10FFFF. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			len = 2;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			len = 3;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			len = 4;
			cp = s[i] & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += len;
	}
	return true;
}

/* ---- the INI reader, after configparser.RawConfigParser._read ---- */

static void ini_free(struct ini *ini)
{
	size_t i;

	for (i = 0; i < ini->n; i++) {
		free(ini->opts[i].sect);
		free(ini->opts[i].key);
		free(ini->opts[i].val);
	}
	for (i = 0; i < ini->nsects; i++)
		free(ini->sects[i]);
	free(ini->opts);
	free(ini->sects);
}

static struct ini_opt *ini_find(const struct ini *ini, const char *sect,
				const char *key)
{
	size_t i;

	for (i = 0; i < ini->n; i++)
		if (!strcmp(ini->opts[i].sect, sect) &&
		    !strcmp(ini->opts[i].key, key))
			return &ini->opts[i];
	return NULL;
}

static bool ini_has_section(const struct ini *ini, const char *sect)
{
	size_t i;

	for (i = 0; i < ini->nsects; i++)
		if (!strcmp(ini->sects[i], sect))
			return true;
	return false;
}

static void opt_append(struct ini_opt *o, const char *b, const char *e,
		       bool newline)
{
	size_t n = (size_t)(e - b);

	o->val = xgrow(o->val, &o->cap, o->len + n + 2, 1);
	if (newline)
		o->val[o->len++] = '\n';
	memcpy(o->val + o->len, b, n);
	o->len += n;
	o->val[o->len] = '\0';
}

static char *line_error(int line, const char *what)
{
	return xasprintf(CRED_FILE " line %d: %s", line, what);
}

/* Returns 0, or -1 with *err. Error texts name lines, never their
 * contents: a line may hold a password. */
static int parse_ini(struct ini *ini, const char *text, size_t n, char **err)
{
	const char *p = text, *end = text + n, *eol, *next, *b, *e, *q;
	char *sect = NULL;             /* current section; NULL: none yet */
	struct ini_opt *opt = NULL;    /* option a continuation extends */
	size_t indent_level = 0, indent, k;
	int line = 0;

	for (; p < end; p = next) {
		line++;
		/* Universal newlines, as Python's text mode: \n, \r\n, \r. */
		for (eol = p; eol < end && *eol != '\n' && *eol != '\r'; eol++)
			;
		if (eol == end)
			next = end;
		else if (*eol == '\r' && eol + 1 < end && eol[1] == '\n')
			next = eol + 2;
		else
			next = eol + 1;

		b = p;
		e = eol;
		strip(&b, &e);
		if (b < e && (*b == '#' || *b == ';'))
			continue;  /* a comment: not even an empty value line */
		if (b == e) {
			/* Blank lines belong to a value if more follows. */
			if (opt)
				opt_append(opt, b, b, true);
			continue;
		}
		for (indent = 0, q = p; q < eol && (k = ws_at(q, eol)); q += k)
			indent++;
		if (opt && indent > indent_level) {
			opt_append(opt, b, e, true);
			continue;
		}
		indent_level = indent;
		/* \[(?P<header>.+)\] matched from the start: the header runs
		 * to the last ']' on the line. */
		if (*b == '[') {
			for (q = e - 1; q > b && *q != ']'; q--)
				;
			if (q - b >= 2) {
				free(sect);
				sect = xstrndup(b + 1, (size_t)(q - b - 1));
				if (strcmp(sect, "DEFAULT")) {
					if (ini_has_section(ini, sect)) {
						*err = line_error(line,
							"a section appears twice");
						goto fail;
					}
					ini->sects = xgrow(ini->sects,
						&ini->capsects, ini->nsects + 1,
						sizeof(*ini->sects));
					ini->sects[ini->nsects++] =
						xstrdup(sect);
				}
				opt = NULL;
				continue;
			}
		}
		if (!sect) {
			*err = line_error(line, "no [section] line before it");
			goto fail;
		}
		for (q = b; q < e && *q != '=' && *q != ':'; q++)
			;
		if (q == e) {
			*err = line_error(line, "expected key = value");
			goto fail;
		}
		{
			const char *kb = b, *ke = q, *vb = q + 1, *ve = e;
			char *key;

			strip(&kb, &ke);
			strip(&vb, &ve);
			if (kb == ke) {
				*err = line_error(line, "a value with no key");
				goto fail;
			}
			key = lower_dup(kb, ke);
			if (ini_find(ini, sect, key)) {
				*err = line_error(line, "a key appears twice "
						  "in its section");
				free(key);
				goto fail;
			}
			ini->opts = xgrow(ini->opts, &ini->cap, ini->n + 1,
					  sizeof(*ini->opts));
			opt = &ini->opts[ini->n++];
			memset(opt, 0, sizeof(*opt));
			opt->sect = xstrdup(sect);
			opt->key = key;
			opt->line = line;
			opt_append(opt, vb, ve, false);
		}
	}
	free(sect);
	/* '\n'.join(lines).rstrip() */
	for (k = 0; k < ini->n; k++) {
		struct ini_opt *o = &ini->opts[k];
		const char *vb = o->val, *ve = o->val + o->len;
		size_t w;

		while (ve > vb && (w = ws_before(vb, ve)))
			ve -= w;
		o->len = (size_t)(ve - vb);
		o->val[o->len] = '\0';
	}
	return 0;
fail:
	free(sect);
	return -1;
}

/* A key of [mlflow], with [DEFAULT] showing through (configparser's
 * section proxy). */
static const char *ini_get(const struct ini *ini, const char *key)
{
	const struct ini_opt *o = ini_find(ini, "mlflow", key);

	if (!o)
		o = ini_find(ini, "DEFAULT", key);
	return o ? o->val : NULL;
}

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* BasicInterpolation._interpolate_some. Errors name the key, never a
 * piece of its value. */
static int interpolate(const struct ini *ini, const char *key,
		       const char *rest, int depth, struct sbuf *out,
		       char **err)
{
	const char *p, *close;
	const char *v;
	char *var;

	if (depth > MAX_DEPTH) {
		*err = xasprintf(CRED_FILE ": %s: %%(...)s references nest "
				 "deeper than %d", key, MAX_DEPTH);
		return -1;
	}
	while (*rest) {
		p = strchr(rest, '%');
		if (!p) {
			sbuf_add(out, rest, strlen(rest));
			return 0;
		}
		sbuf_add(out, rest, (size_t)(p - rest));
		if (p[1] == '%') {
			sbuf_add(out, "%", 1);
			rest = p + 2;
			continue;
		}
		if (p[1] != '(') {
			*err = xasprintf(CRED_FILE ": %s: '%%' must be followed "
					 "by '%%' or '(' (write %%%% for a "
					 "literal %%)", key);
			return -1;
		}
		close = strchr(p + 2, ')');
		if (!close || close == p + 2 || close[1] != 's') {
			*err = xasprintf(CRED_FILE ": %s: bad %%(...)s "
					 "reference (write %%%% for a literal "
					 "%%)", key);
			return -1;
		}
		var = lower_dup(p + 2, close);
		v = ini_get(ini, var);
		free(var);
		if (!v) {
			*err = xasprintf(CRED_FILE ": %s refers to a key that "
					 "is not set (write %%%% for a literal "
					 "%%)", key);
			return -1;
		}
		rest = close + 2;
		if (strchr(v, '%')) {
			if (interpolate(ini, key, v, depth + 1, out, err) < 0)
				return -1;
		} else {
			sbuf_add(out, v, strlen(v));
		}
	}
	return 0;
}

static int ini_value(const struct ini *ini, const char *key, char **val,
		     char **err)
{
	const char *raw = ini_get(ini, key);
	struct sbuf out = { 0 };

	*val = NULL;
	if (!raw)
		return 0;
	if (interpolate(ini, key, raw, 1, &out, err) < 0) {
		free(out.s);
		return -1;
	}
	*val = out.s ? out.s : xstrdup("");
	return 0;
}

/* os.path.expanduser("~/.mlflow/credentials"): $HOME (trailing '/'
 * dropped), else the password database. */
static char *cred_path(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;
	size_t n;

	if (!home) {
		pw = getpwuid(getuid());
		home = pw && pw->pw_dir ? pw->pw_dir : "";
	}
	n = strlen(home);
	while (n && home[n - 1] == '/')
		n--;
	return xasprintf("%.*s/.mlflow/credentials", (int)n, home);
}

/* The whole file, or NULL when it cannot be read: configparser.read()
 * skips what it cannot open. A FIFO or device there is not waited on. */
static char *slurp(const char *path, size_t *n, bool *too_big)
{
	char *buf, *err = NULL;
	struct stat st;

	*n = 0;
	*too_big = false;
	if (read_small_file(path, MAX_FILE_SIZE, &buf, n, &err) ==
	    READFILE_OK)
		return buf;
	*too_big = err && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		   (size_t)st.st_size > MAX_FILE_SIZE;
	free(err);
	if (*too_big) {
		*n = MAX_FILE_SIZE + 1;
		return xstrdup("");
	}
	return NULL;
}

int credentials_parse(const char *text, size_t n, char **user,
		      char **password, char **err)
{
	struct ini ini = { 0 };
	int rc = -1;

	*user = *password = NULL;
	if (n > MAX_FILE_SIZE) {
		*err = xstrdup(CRED_FILE ": larger than 1 MiB");
	} else if (memchr(text, '\0', n)) {
		*err = xstrdup(CRED_FILE ": holds a NUL byte");
	} else if (!utf8_valid((const unsigned char *)text, n)) {
		*err = xstrdup(CRED_FILE ": not valid UTF-8");
	} else if (parse_ini(&ini, text, n, err) == 0) {
		rc = 0;
		if (ini_has_section(&ini, "mlflow") &&
		    (ini_value(&ini, KEY_USER, user, err) < 0 ||
		     ini_value(&ini, KEY_PASSWORD, password, err) < 0)) {
			free(*user);
			*user = NULL;
			rc = -1;
		}
	}
	ini_free(&ini);
	return rc;
}

/* _read_mlflow_creds_from_file(). */
static int read_file_creds(char **user, char **password, char **err)
{
	char *path = cred_path(), *text;
	bool too_big;
	size_t n;
	int rc;

	*user = *password = NULL;
	text = slurp(path, &n, &too_big);
	free(path);
	if (!text)
		return 0;
	/* Past the cap n says so itself: slurp stops just beyond it. */
	rc = credentials_parse(text, n, user, password, err);
	free(text);
	return rc;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int parse_insecure(bool *insecure, char **err)
{
	const char *v = getenv("MLFLOW_TRACKING_INSECURE_TLS");
	char *safe;

	*insecure = false;
	if (!v)
		return 0;
	if (!strcasecmp(v, "true") || !strcmp(v, "1")) {
		*insecure = true;
		return 0;
	}
	if (!strcasecmp(v, "false") || !strcmp(v, "0"))
		return 0;
	safe = sanitize_text(v);
	*err = xasprintf("MLFLOW_TRACKING_INSECURE_TLS must be true, false, "
			 "1 or 0, not '%s'", safe);
	free(safe);
	return -1;
}

int credentials_load(struct credentials *c, char **err)
{
	char *fuser = NULL, *fpass = NULL, *shown;
	const char *euser, *epass, *user, *pass, *token, *ws, *user_src;
	const char *we;
	bool insecure;

	memset(c, 0, sizeof(*c));
	*err = NULL;
	if (read_file_creds(&fuser, &fpass, err) < 0)
		return -1;
	if (parse_insecure(&insecure, err) < 0)
		goto fail;
	if (insecure && getenv("MLFLOW_TRACKING_SERVER_CERT_PATH")) {
		*err = xstrdup("MLFLOW_TRACKING_INSECURE_TLS and "
			       "MLFLOW_TRACKING_SERVER_CERT_PATH cannot both "
			       "be set");
		goto fail;
	}

	euser = env_nonempty("MLFLOW_TRACKING_USERNAME");
	epass = env_nonempty("MLFLOW_TRACKING_PASSWORD");
	user = euser ? euser : (fuser && *fuser ? fuser : NULL);
	pass = epass ? epass : (fpass && *fpass ? fpass : NULL);
	user_src = euser ? "MLFLOW_TRACKING_USERNAME" : CRED_FILE;
	token = env_nonempty("MLFLOW_TRACKING_TOKEN");

	shown = user ? sanitize_text(user) : NULL;
	if (user && pass) {
		c->user = xstrdup(user);
		c->password = xstrdup(pass);
		c->described = xasprintf("user '%s' from %s", shown, user_src);
	} else if (token) {
		c->token = xstrdup(token);
		c->described = xstrdup("a token from MLFLOW_TRACKING_TOKEN");
	} else if (user) {
		c->described = xasprintf("no credentials (user '%s' from %s "
					 "but no password)", shown, user_src);
	} else if (pass) {
		c->described = xasprintf("no credentials (a password from %s "
					 "but no user)", epass ?
					 "MLFLOW_TRACKING_PASSWORD" :
					 CRED_FILE);
	} else {
		c->described = xstrdup("no credentials");
	}
	free(shown);

	c->insecure = insecure;
	c->ca_path = env_nonempty("MLFLOW_TRACKING_SERVER_CERT_PATH") ?
		xstrdup(getenv("MLFLOW_TRACKING_SERVER_CERT_PATH")) : NULL;
	c->client_cert = env_nonempty("MLFLOW_TRACKING_CLIENT_CERT_PATH") ?
		xstrdup(getenv("MLFLOW_TRACKING_CLIENT_CERT_PATH")) : NULL;
	ws = getenv("MLFLOW_WORKSPACE");
	if (ws) {
		we = ws + strlen(ws);
		strip(&ws, &we);
		if (ws < we)
			c->workspace = xstrndup(ws, (size_t)(we - ws));
	}
	free(fuser);
	free(fpass);
	return 0;
fail:
	free(fuser);
	free(fpass);
	credentials_free(c);
	return -1;
}

void credentials_free(struct credentials *c)
{
	if (!c)
		return;
	free(c->user);
	free(c->password);
	free(c->token);
	free(c->ca_path);
	free(c->client_cert);
	free(c->workspace);
	free(c->described);
	memset(c, 0, sizeof(*c));
}

void credentials_apply(const struct credentials *c, struct http_config *cfg)
{
	cfg->user = c->user;
	cfg->password = c->password;
	cfg->token = c->token;
	cfg->insecure = c->insecure;
	cfg->ca_path = c->ca_path;
	cfg->client_cert = c->client_cert;
	cfg->workspace = c->workspace;
}
