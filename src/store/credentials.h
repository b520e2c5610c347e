/* credentials.h: how the MLflow client finds credentials and TLS options,
 * read the same way: environment first, then ~/.mlflow/credentials. */
#ifndef MLTOP_CREDENTIALS_H
#define MLTOP_CREDENTIALS_H

#include "net/http.h"

struct credentials {
	char *user, *password, *token;   /* owned; never printed */
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
 * username / mlflow_tracking_password / mlflow_tracking_token),
 * MLFLOW_TRACKING_INSECURE_TLS, MLFLOW_TRACKING_SERVER_CERT_PATH,
 * MLFLOW_TRACKING_CLIENT_CERT_PATH and MLFLOW_WORKSPACE, as the MLflow
 * client does. Returns 0, or -1 with *err (a bad credentials file). */
int credentials_load(struct credentials *c, char **err);
void credentials_free(struct credentials *c);
/* Point an http_config at them (the config borrows the strings). */
void credentials_apply(const struct credentials *c, struct http_config *cfg);

#endif
