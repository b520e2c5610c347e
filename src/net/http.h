/* http.h: HTTP requests over libcurl's multi interface, driven by mltop's
 * one event loop. Nothing here blocks: requests finish through callbacks. */
#ifndef MLTOP_HTTP_H
#define MLTOP_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http;
struct http_req;

struct http_config {
	const char *user;        /* basic auth, with password; NULL: none */
	const char *password;
	const char *token;       /* bearer token; wins over basic auth here
				  * (credentials_load already applied the
				  * MLflow client's rule: Basic first) */
	bool insecure;           /* MLFLOW_TRACKING_INSECURE_TLS=true */
	const char *ca_path;     /* MLFLOW_TRACKING_SERVER_CERT_PATH */
	const char *client_cert; /* MLFLOW_TRACKING_CLIENT_CERT_PATH */
	const char *workspace;   /* sent as X-MLFLOW-WORKSPACE when set */
	long timeout_ms;         /* a whole request (default 30000) */
	long connect_timeout_ms; /* connecting (default 10000) */
	size_t max_body;         /* larger replies fail (default 64 MiB) */
	int max_parallel;        /* requests in flight at once (default 6) */
	int busy_retries;        /* a JSON reply of 503 or 429 (an HTML
				  * one is a proxy's "down") is sent again up
				  * to this many times, after the server's
				  * Retry-After (at most 10 s) or 0.5 s
				  * doubling; only for a server whose 503
				  * means "busy, nothing was done" (Prefect:
				  * its database was locked and the
				  * transaction rolled back). 0: never */
	/* Zero (or negative) picks the default. http_new copies every
	 * string; the config need not outlive it. */
};

struct http_reply {
	long status;       /* HTTP status; 0 when no reply came (it may be
			    * set with an error: a truncated 200) */
	char *body;        /* NUL-terminated ("" for an empty body); NULL
			    * whenever error is set */
	size_t len;
	/* Transport failure in plain words, no secrets ("cannot connect to
	 * 127.0.0.1 port 5000: connection refused", "no reply within 30 s",
	 * "reply not complete within 30 s" (it began, then stalled),
	 * "cannot resolve HOST", "truncated reply", "connection lost",
	 * "reply larger than 64 MiB", "TLS: SSL certificate problem:
	 * self-signed certificate"), or NULL when a reply came (whatever its
	 * status). */
	char *error;
	double seconds;    /* how long it took, from http_start (queueing
			    * included) */
	const char *location; /* a 3xx: where it points (untrusted text,
			       * not followed), else NULL */
	int retries;       /* times it was sent again after a busy reply
			    * (busy_retries) */
};

/* Called once a request ends, however it ends, always from
 * http_dispatch (never from inside http_start). The reply and its fields
 * are freed after the callback returns; copy what you keep. The callback
 * may start and cancel other requests; cancelling its own is a no-op; it
 * must not call http_free or http_dispatch. */
typedef void (*http_done_fn)(void *ud, const struct http_reply *r);

struct http *http_new(const struct http_config *cfg, char **err);
/* Cancels what is in flight (their callbacks are not called). */
void http_free(struct http *h);

/* Queue a request. method "GET", "POST", "PATCH", "DELETE"; url is
 * absolute; json_body is sent with Content-Type: application/json (NULL
 * for none). Starts at once unless max_parallel are in flight. */
struct http_req *http_start(struct http *h, const char *method,
			    const char *url, const char *json_body,
			    http_done_fn done, void *ud);
/* Forget a request: its callback will not be called. r is freed; NULL
 * is allowed. Do not pass a request whose callback already ran. */
void http_cancel(struct http *h, struct http_req *r);

/* Event loop: the sockets to poll and the longest wait before dispatch
 * must run (-1: no timer); then hand back what poll() returned. Returns
 * the number of fds filled; *timeout_ms is only ever lowered. Give room
 * for 2 * max_parallel + 2 sockets; any that do not fit are served by a
 * 10 ms timer instead. http_dispatch ignores fds that are not its own,
 * so the whole poll array may be passed. */
int http_pollfds(struct http *h, struct pollfd *fds, int max,
		 int *timeout_ms);
void http_dispatch(struct http *h, const struct pollfd *fds, int nfds);
/* Send this bearer token (NULL: none) with requests started from now
 * on, instead of the config's: a token that is renewed (an Airflow JWT).
 * Copied. */
void http_set_token(struct http *h, const char *token);
/* Requests in flight, queued, or waiting to be sent again. */
int http_busy(const struct http *h);

/* Totals since http_new, for the status line and the benchmark. */
uint64_t http_requests(const struct http *h); /* finished, not cancelled */
/* Reply body bytes as received on the wire (before gzip decoding),
 * for every request that finished, failed ones included. */
uint64_t http_bytes(const struct http *h);

#endif
