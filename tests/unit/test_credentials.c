/* test_credentials.c: unit tests for finding credentials the way the
 * MLflow client does. With the MLflow client at hand (MLTOP_TEST_PYTHON,
 * or $top_srcdir/.venv/bin/python) every case is also run through
 * mlflow.utils.credentials.get_default_host_creds and must agree. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "store/credentials.h"
#include "tap.h"

#define PW "s3cret-pw"
#define TOK "tok-zz9"

static const char *const env_names[] = {
	"MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD",
	"MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_INSECURE_TLS",
	"MLFLOW_TRACKING_SERVER_CERT_PATH",
	"MLFLOW_TRACKING_CLIENT_CERT_PATH", "MLFLOW_WORKSPACE",
	/* They change what the client sends; keep them out of the way. */
	"MLFLOW_TRACKING_AUTH", "MLFLOW_TRACKING_AWS_SIGV4",
};

#define DIR_FILE ((const char *)1)  /* credentials is a directory */

struct ccase {
	const char *name;
	const char *file;          /* NULL: none; DIR_FILE: a directory */
	const char *env[6];        /* "NAME=value" */
	int rc;
	const char *user, *password, *token;
	const char *described;     /* or the start of *err when rc < 0 */
	bool insecure;
	const char *ca, *cert, *ws;
};

static const struct ccase cases[] = {
	{ "nothing", NULL, { NULL }, 0, NULL, NULL, NULL,
	  "no credentials", false, NULL, NULL, NULL },
	{ "env basic", NULL,
	  { "MLFLOW_TRACKING_USERNAME=alice",
	    "MLFLOW_TRACKING_PASSWORD=" PW },
	  0, "alice", PW, NULL,
	  "user 'alice' from MLFLOW_TRACKING_USERNAME", false, 0, 0, 0 },
	{ "env token", NULL, { "MLFLOW_TRACKING_TOKEN=" TOK },
	  0, NULL, NULL, TOK, "a token from MLFLOW_TRACKING_TOKEN",
	  false, 0, 0, 0 },
	{ "basic wins over a token", NULL,
	  { "MLFLOW_TRACKING_USERNAME=alice", "MLFLOW_TRACKING_PASSWORD=" PW,
	    "MLFLOW_TRACKING_TOKEN=" TOK },
	  0, "alice", PW, NULL,
	  "user 'alice' from MLFLOW_TRACKING_USERNAME", false, 0, 0, 0 },
	{ "user without password: the token", NULL,
	  { "MLFLOW_TRACKING_USERNAME=alice", "MLFLOW_TRACKING_TOKEN=" TOK },
	  0, NULL, NULL, TOK, "a token from MLFLOW_TRACKING_TOKEN",
	  false, 0, 0, 0 },
	{ "user without password: nothing", NULL,
	  { "MLFLOW_TRACKING_USERNAME=alice" },
	  0, NULL, NULL, NULL, "no credentials (user 'alice' from "
	  "MLFLOW_TRACKING_USERNAME but no password)", false, 0, 0, 0 },
	{ "password without user", NULL, { "MLFLOW_TRACKING_PASSWORD=" PW },
	  0, NULL, NULL, NULL, "no credentials (a password from "
	  "MLFLOW_TRACKING_PASSWORD but no user)", false, 0, 0, 0 },
	{ "file basic",
	  "[mlflow]\nmlflow_tracking_username = bob\n"
	  "mlflow_tracking_password = " PW "\n", { NULL },
	  0, "bob", PW, NULL, "user 'bob' from ~/.mlflow/credentials",
	  false, 0, 0, 0 },
	{ "env wins over the file",
	  "[mlflow]\nmlflow_tracking_username = bob\n"
	  "mlflow_tracking_password = other\n",
	  { "MLFLOW_TRACKING_USERNAME=alice", "MLFLOW_TRACKING_PASSWORD=" PW },
	  0, "alice", PW, NULL,
	  "user 'alice' from MLFLOW_TRACKING_USERNAME", false, 0, 0, 0 },
	{ "env user, file password",
	  "[mlflow]\nmlflow_tracking_username = bob\n"
	  "mlflow_tracking_password = " PW "\n",
	  { "MLFLOW_TRACKING_USERNAME=alice" },
	  0, "alice", PW, NULL,
	  "user 'alice' from MLFLOW_TRACKING_USERNAME", false, 0, 0, 0 },
	{ "empty env falls through to the file",
	  "[mlflow]\nmlflow_tracking_username = bob\n"
	  "mlflow_tracking_password = " PW "\n",
	  { "MLFLOW_TRACKING_USERNAME=", "MLFLOW_TRACKING_PASSWORD=" },
	  0, "bob", PW, NULL, "user 'bob' from ~/.mlflow/credentials",
	  false, 0, 0, 0 },
	{ "a token in the file is not read",
	  "[mlflow]\nmlflow_tracking_token = " TOK "\n", { NULL },
	  0, NULL, NULL, NULL, "no credentials", false, 0, 0, 0 },
	{ "file basic wins over an env token",
	  "[mlflow]\nmlflow_tracking_username = bob\n"
	  "mlflow_tracking_password = " PW "\n",
	  { "MLFLOW_TRACKING_TOKEN=" TOK },
	  0, "bob", PW, NULL, "user 'bob' from ~/.mlflow/credentials",
	  false, 0, 0, 0 },
	{ "other sections are ignored",
	  "[other]\nmlflow_tracking_username = x\n"
	  "mlflow_tracking_password = " PW "\n", { NULL },
	  0, NULL, NULL, NULL, "no credentials", false, 0, 0, 0 },
	{ "configparser syntax",
	  "# comment\n; another\n[DEFAULT]\n"
	  "mlflow_tracking_password : " PW "-%%d\n\n"
	  "[mlflow] ; trailing\n  MLFLOW_Tracking_Username=   carol  \n",
	  { NULL }, 0, "carol", PW "-%d", NULL,
	  "user 'carol' from ~/.mlflow/credentials", false, 0, 0, 0 },
	{ "interpolation",
	  "[DEFAULT]\nteam = ml\n[mlflow]\nbase = dan-%(team)s\n"
	  "mlflow_tracking_username = %(BASE)s-x\n"
	  "mlflow_tracking_password = " PW "\n", { NULL },
	  0, "dan-ml-x", PW, NULL,
	  "user 'dan-ml-x' from ~/.mlflow/credentials", false, 0, 0, 0 },
	{ "continuation lines and CRLF",
	  "[mlflow]\r\nmlflow_tracking_username = eve\r\n"
	  "mlflow_tracking_password = " PW "\r\n   more\r\n\r\n  # c\r\n"
	  "\r\n", { NULL },
	  0, "eve", PW "\nmore", NULL, "user 'eve' from ~/.mlflow/credentials",
	  false, 0, 0, 0 },
	{ "a bad % elsewhere does not matter",
	  "[mlflow]\nother = 100%\nmlflow_tracking_username = fay\n"
	  "mlflow_tracking_password = " PW "\n", { NULL },
	  0, "fay", PW, NULL, "user 'fay' from ~/.mlflow/credentials",
	  false, 0, 0, 0 },
	{ "empty value", "[mlflow]\nmlflow_tracking_username =\n"
	  "mlflow_tracking_password = " PW "\n", { NULL },
	  0, NULL, NULL, NULL, "no credentials (a password from "
	  "~/.mlflow/credentials but no user)", false, 0, 0, 0 },
	{ "empty file", "", { NULL }, 0, NULL, NULL, NULL, "no credentials",
	  false, 0, 0, 0 },
	{ "a directory counts as absent", DIR_FILE, { NULL }, 0, NULL, NULL,
	  NULL, "no credentials", false, 0, 0, 0 },
	{ "no section header", "mlflow_tracking_username = x\n", { NULL },
	  -1, 0, 0, 0, "~/.mlflow/credentials line 1: ", false, 0, 0, 0 },
	{ "a line with no '='",
	  "[mlflow]\nmlflow_tracking_username = bob\n"
	  "mlflow_tracking_password " PW "\n", { NULL },
	  -1, 0, 0, 0, "~/.mlflow/credentials line 3: ", false, 0, 0, 0 },
	{ "a broken file fails even with env credentials",
	  "[mlflow]\nmlflow_tracking_password " PW "\n",
	  { "MLFLOW_TRACKING_USERNAME=alice", "MLFLOW_TRACKING_PASSWORD=" PW },
	  -1, 0, 0, 0, "~/.mlflow/credentials line 2: ", false, 0, 0, 0 },
	{ "duplicate key",
	  "[mlflow]\nmlflow_tracking_username = a\n"
	  "MLFLOW_TRACKING_USERNAME = b\n", { NULL },
	  -1, 0, 0, 0, "~/.mlflow/credentials line 3: ", false, 0, 0, 0 },
	{ "duplicate section",
	  "[mlflow]\nmlflow_tracking_username = a\n[x]\n[mlflow]\n", { NULL },
	  -1, 0, 0, 0, "~/.mlflow/credentials line 4: ", false, 0, 0, 0 },
	{ "bad % in the password",
	  "[mlflow]\nmlflow_tracking_username = g\n"
	  "mlflow_tracking_password = " PW "%x\n", { NULL },
	  -1, 0, 0, 0, "~/.mlflow/credentials: mlflow_tracking_password",
	  false, 0, 0, 0 },
	{ "reference to a missing key",
	  "[mlflow]\nmlflow_tracking_username = %(" PW ")s\n"
	  "mlflow_tracking_password = x\n", { NULL },
	  -1, 0, 0, 0, "~/.mlflow/credentials: mlflow_tracking_username",
	  false, 0, 0, 0 },
	{ "not UTF-8", "[mlflow]\nmlflow_tracking_username = \xff\n",
	  { NULL }, -1, 0, 0, 0, "~/.mlflow/credentials: not valid UTF-8",
	  false, 0, 0, 0 },
	{ "a name is shown safely", NULL,
	  { "MLFLOW_TRACKING_USERNAME=al\x1b[2Jice",
	    "MLFLOW_TRACKING_PASSWORD=" PW },
	  0, "al\x1b[2Jice", PW, NULL,
	  "user 'al^[[2Jice' from MLFLOW_TRACKING_USERNAME", false, 0, 0, 0 },
	{ "insecure TRUE", NULL, { "MLFLOW_TRACKING_INSECURE_TLS=TRUE" },
	  0, 0, 0, 0, "no credentials", true, 0, 0, 0 },
	{ "insecure 1", NULL, { "MLFLOW_TRACKING_INSECURE_TLS=1" },
	  0, 0, 0, 0, "no credentials", true, 0, 0, 0 },
	{ "insecure false", NULL, { "MLFLOW_TRACKING_INSECURE_TLS=False" },
	  0, 0, 0, 0, "no credentials", false, 0, 0, 0 },
	{ "insecure 0", NULL, { "MLFLOW_TRACKING_INSECURE_TLS=0" },
	  0, 0, 0, 0, "no credentials", false, 0, 0, 0 },
	{ "insecure yes is an error", NULL,
	  { "MLFLOW_TRACKING_INSECURE_TLS=yes" },
	  -1, 0, 0, 0, "MLFLOW_TRACKING_INSECURE_TLS must be", false, 0, 0, 0 },
	{ "insecure empty is an error", NULL,
	  { "MLFLOW_TRACKING_INSECURE_TLS=" },
	  -1, 0, 0, 0, "MLFLOW_TRACKING_INSECURE_TLS must be", false, 0, 0, 0 },
	{ "insecure with a CA bundle is an error", NULL,
	  { "MLFLOW_TRACKING_INSECURE_TLS=true",
	    "MLFLOW_TRACKING_SERVER_CERT_PATH=/etc/ca.pem" },
	  -1, 0, 0, 0, "MLFLOW_TRACKING_INSECURE_TLS and", false, 0, 0, 0 },
	{ "TLS paths and workspace", NULL,
	  { "MLFLOW_TRACKING_SERVER_CERT_PATH=/etc/ca.pem",
	    "MLFLOW_TRACKING_CLIENT_CERT_PATH=/etc/me.pem",
	    "MLFLOW_WORKSPACE=  team-a  " },
	  0, 0, 0, 0, "no credentials", false, "/etc/ca.pem", "/etc/me.pem",
	  "team-a" },
	{ "blank workspace", NULL,
	  { "MLFLOW_WORKSPACE=   ", "MLFLOW_TRACKING_CLIENT_CERT_PATH=" },
	  0, 0, 0, 0, "no credentials", false, 0, 0, 0 },
};

#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static char tmpdir[] = "/tmp/mltop-cred-XXXXXX";
static char homes[NCASES][96];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(text, 1, strlen(text), f) != strlen(text)) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static void setup_case(int i)
{
	const struct ccase *c = &cases[i];
	char path[160];

	snprintf(homes[i], sizeof(homes[i]), "%s/case%d", tmpdir, i);
	mkdir(homes[i], 0700);
	if (c->file) {
		snprintf(path, sizeof(path), "%s/.mlflow", homes[i]);
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/.mlflow/credentials",
			 homes[i]);
		if (c->file == DIR_FILE)
			mkdir(path, 0700);
		else
			write_file(path, c->file);
	}
}

static void enter_case(int i)
{
	const struct ccase *c = &cases[i];
	char name[64];
	size_t k;

	for (k = 0; k < sizeof(env_names) / sizeof(env_names[0]); k++)
		unsetenv(env_names[k]);
	for (k = 0; k < 6 && c->env[k]; k++) {
		const char *eq = strchr(c->env[k], '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - c->env[k]),
			 c->env[k]);
		setenv(name, eq + 1, 1);
	}
	setenv("HOME", homes[i], 1);
}

static bool no_secret(const char *s)
{
	return !s || (!strstr(s, PW) && !strstr(s, TOK) &&
		      !strstr(s, "s3cret"));
}

static void check_case(int i)
{
	const struct ccase *c = &cases[i];
	struct credentials cr;
	char *err = NULL;
	int rc;

	enter_case(i);
	rc = credentials_load(&cr, &err);
	is_int(rc, c->rc, "%s: returns %d", c->name, c->rc);
	if (c->rc < 0) {
		ok(err && !strncmp(err, c->described, strlen(c->described)),
		   "%s: error starts '%s'", c->name, c->described);
		if (err)
			diag("error: %s", err);
		ok(no_secret(err), "%s: no secret in the error", c->name);
		ok(!cr.user && !cr.password && !cr.token && !cr.described,
		   "%s: nothing filled", c->name);
	} else {
		is_str(err, NULL, "%s: no error", c->name);
		is_str(cr.user, c->user, "%s: user", c->name);
		is_str(cr.password, c->password, "%s: password", c->name);
		is_str(cr.token, c->token, "%s: token", c->name);
		is_str(cr.described, c->described, "%s: described", c->name);
		ok(no_secret(cr.described), "%s: no secret in described",
		   c->name);
		is_int(cr.insecure, c->insecure, "%s: insecure", c->name);
		is_str(cr.ca_path, c->ca, "%s: CA path", c->name);
		is_str(cr.client_cert, c->cert, "%s: client cert", c->name);
		is_str(cr.workspace, c->ws, "%s: workspace", c->name);
	}
	free(err);
	credentials_free(&cr);
	ok(!cr.user && !cr.described, "%s: freed and cleared", c->name);
}

static void check_apply(void)
{
	struct credentials cr;
	struct http_config cfg = { .timeout_ms = 1234, .max_parallel = 3 };
	char *err = NULL;
	int i;

	for (i = 0; i < NCASES; i++)
		if (!strcmp(cases[i].name, "env basic"))
			enter_case(i);
	setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", "/etc/ca.pem", 1);
	setenv("MLFLOW_WORKSPACE", "w", 1);
	if (credentials_load(&cr, &err) < 0) {
		ok(0, "apply: load failed: %s", err);
		free(err);
		return;
	}
	credentials_apply(&cr, &cfg);
	ok(cfg.user == cr.user && cfg.password == cr.password &&
	   cfg.token == NULL && cfg.ca_path == cr.ca_path &&
	   cfg.workspace == cr.workspace && !cfg.insecure,
	   "apply: the config borrows the strings");
	ok(cfg.timeout_ms == 1234 && cfg.max_parallel == 3,
	   "apply: leaves the rest alone");
	credentials_free(&cr);
}

/* Every case through the MLflow client itself, in one Python run. */
static const char oracle_py[] =
	"import json, os, sys\n"
	"from mlflow.utils.credentials import get_default_host_creds\n"
	"from mlflow.utils.workspace_context import get_request_workspace\n"
	"names = json.loads(sys.argv[2])\n"
	"out = []\n"
	"for case in json.load(open(sys.argv[1])):\n"
	"    for n in names:\n"
	"        os.environ.pop(n, None)\n"
	"    os.environ.update(case['env'])\n"
	"    os.environ['HOME'] = case['home']\n"
	"    try:\n"
	"        c = get_default_host_creds('http://127.0.0.1:1')\n"
	"        basic = bool(c.username and c.password)\n"
	"        out.append({'ok': True,\n"
	"            'user': c.username if basic else None,\n"
	"            'password': c.password if basic else None,\n"
	"            'token': c.token if not basic and c.token else None,\n"
	"            'insecure': bool(c.ignore_tls_verification),\n"
	"            'ca': c.server_cert_path or None,\n"
	"            'cert': c.client_cert_path or None,\n"
	"            'ws': get_request_workspace()})\n"
	"    except Exception as e:\n"
	"        out.append({'ok': False, 'error': type(e).__name__})\n"
	"json.dump(out, sys.stdout)\n";

static const char *find_python(char *buf, size_t sz)
{
	const char *p = getenv("MLTOP_TEST_PYTHON"), *top;

	if (p && *p)
		return p;
	top = getenv("top_srcdir");
	if (!top)
		return NULL;
	snprintf(buf, sz, "%s/.venv/bin/python", top);
	return access(buf, X_OK) == 0 ? buf : NULL;
}

static bool same(const char *a, json_t *b)
{
	const char *bs = json_string_value(b);

	if (!a || !bs)
		return !a && !bs;
	return !strcmp(a, bs);
}

static void check_oracle(void)
{
	char pybuf[512], spec[160], script[160], cmd[1024];
	const char *py = find_python(pybuf, sizeof(pybuf));
	json_t *arr, *names, *out, *r;
	json_error_t jerr;
	struct credentials cr;
	char *err, *s;
	FILE *p;
	int i, agree = 0;
	size_t k;

	if (!py) {
		diag("skip: no MLflow client (set MLTOP_TEST_PYTHON)");
		return;
	}
	arr = json_array();
	for (i = 0; i < NCASES; i++) {
		json_t *env = json_object();

		for (k = 0; k < 6 && cases[i].env[k]; k++) {
			const char *eq = strchr(cases[i].env[k], '=');
			char *name = strndup(cases[i].env[k],
					     (size_t)(eq - cases[i].env[k]));

			json_object_set_new(env, name, json_string(eq + 1));
			free(name);
		}
		json_array_append_new(arr, json_pack("{s:s, s:o}", "home",
						     homes[i], "env", env));
	}
	snprintf(spec, sizeof(spec), "%s/spec.json", tmpdir);
	snprintf(script, sizeof(script), "%s/oracle.py", tmpdir);
	json_dump_file(arr, spec, 0);
	json_decref(arr);
	write_file(script, oracle_py);
	names = json_array();
	for (k = 0; k < sizeof(env_names) / sizeof(env_names[0]); k++)
		json_array_append_new(names, json_string(env_names[k]));
	s = json_dumps(names, JSON_COMPACT);
	json_decref(names);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' '%s'", py, script, spec, s);
	free(s);
	fflush(stdout);
	p = popen(cmd, "r");
	out = p ? json_loadf(p, 0, &jerr) : NULL;
	if (p)
		pclose(p);
	if (!json_is_array(out) || (int)json_array_size(out) != NCASES) {
		ok(0, "oracle: the MLflow client answered every case");
		json_decref(out);
		return;
	}
	for (i = 0; i < NCASES; i++) {
		bool same_case;
		int rc;

		r = json_array_get(out, (size_t)i);
		enter_case(i);
		err = NULL;
		rc = credentials_load(&cr, &err);
		if (!json_is_true(json_object_get(r, "ok")))
			same_case = rc < 0;
		else
			same_case = rc == 0 &&
				same(cr.user, json_object_get(r, "user")) &&
				same(cr.password,
				     json_object_get(r, "password")) &&
				same(cr.token, json_object_get(r, "token")) &&
				cr.insecure == json_is_true(
					json_object_get(r, "insecure")) &&
				same(cr.ca_path, json_object_get(r, "ca")) &&
				same(cr.client_cert,
				     json_object_get(r, "cert")) &&
				same(cr.workspace, json_object_get(r, "ws"));
		if (same_case)
			agree++;
		else
			diag("oracle disagrees on '%s'", cases[i].name);
		free(err);
		credentials_free(&cr);
	}
	is_int(agree, NCASES, "oracle: the MLflow client agrees on all %d "
	       "cases", NCASES);
	json_decref(out);
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
}

int main(void)
{
	int i;

	if (!mkdtemp(tmpdir))
		return tap_bail("mkdtemp failed");
	for (i = 0; i < NCASES; i++)
		setup_case(i);
	for (i = 0; i < NCASES; i++)
		check_case(i);
	check_apply();

	/* $HOME with a trailing slash still finds the file. */
	{
		char home[128];
		struct credentials cr;
		char *err = NULL;

		for (i = 0; i < NCASES; i++)
			if (!strcmp(cases[i].name, "file basic"))
				enter_case(i);
		snprintf(home, sizeof(home), "%s/", getenv("HOME"));
		setenv("HOME", home, 1);
		is_int(credentials_load(&cr, &err), 0, "HOME/: loads");
		is_str(cr.user, "bob", "HOME/: file found");
		free(err);
		credentials_free(&cr);
	}

	check_oracle();
	cleanup();
	return done_testing();
}
