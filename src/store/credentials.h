/* credentials.h: how the MLflow client finds credentials and TLS options,
 * read the same way: environment first, then ~/.mlflow/credentials. */
#ifndef MLTOP_CREDENTIALS_H
#define MLTOP_CREDENTIALS_H

#include "net/http.h"

struct credentials {
	/* What will be sent, owned, never printed: user and password only
	 * when both are set (then token is NULL, as the client sends Basic
	 * first), else token, else all NULL. */
	char *user, *password, *token;
	char *ca_path, *client_cert, *workspace;
	bool insecure;
	/* What was used, for error messages, with no secret in it:
	 * "user 'alice' from MLFLOW_TRACKING_USERNAME", "a token from
	 * MLFLOW_TRACKING_TOKEN", "user 'bob' from ~/.mlflow/credentials",
	 * "no credentials". Owned. */
	char *described;
};

/* Fill from MLFLOW_TRACKING_USERNAME/PASSWORD, MLFLOW_TRACKING_TOKEN,
 * the [mlflow] section of $HOME/.mlflow/credentials (mlflow_tracking_
 * username / mlflow_tracking_password; the client reads no token from
 * the file, so neither does mltop), MLFLOW_TRACKING_INSECURE_TLS,
 * MLFLOW_TRACKING_SERVER_CERT_PATH, MLFLOW_TRACKING_CLIENT_CERT_PATH and
 * MLFLOW_WORKSPACE, as the MLflow client does: each env var wins over
 * the file on its own. Returns 0, or -1 with *err (owned; no secret in
 * it) where the client would fail too: a bad credentials file (even
 * when the environment has credentials), MLFLOW_TRACKING_INSECURE_TLS
 * not true/false/1/0, or it set together with
 * MLFLOW_TRACKING_SERVER_CERT_PATH. On -1 *c is empty (free is safe). */
int credentials_load(struct credentials *c, char **err);
void credentials_free(struct credentials *c);
/* The file's text (N bytes, any bytes) as read_mlflow_creds() reads
 * it: *user and *password (owned, NULL when absent) from [mlflow].
 * Returns 0, or -1 with *err (owned; naming lines, never contents). */
int credentials_parse(const char *text, size_t n, char **user,
		      char **password, char **err);
/* Point an http_config at them (the config borrows the strings). */
void credentials_apply(const struct credentials *c, struct http_config *cfg);

#endif
