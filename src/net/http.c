/* http.c: HTTP requests on libcurl's multi socket interface, so network
 * I/O runs inside mltop's one poll() loop and never blocks a key press. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "net/http.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_MAX_BODY ((size_t)64 << 20)
#define DEFAULT_MAX_PARALLEL 6
/* A busy server's Retry-After is followed up to this long. */
#define MAX_RETRY_AFTER_MS 10000L
/* First allocation for a reply body; most MLflow replies fit. */
#define BODY_START_CAP 16384

enum req_state {
	REQ_QUEUED,  /* waiting for a free slot */
	REQ_ACTIVE,  /* in the multi handle */
	REQ_DONE,    /* finished, callback not yet called */
	REQ_CALLING, /* its callback is running */
	REQ_WAITING, /* the server was busy: sent again at `due` */
};

struct http_req {
	struct http *h;
	struct http_req *prev, *next;
	enum req_state state;
	CURL *easy;
	struct curl_slist *headers;
	http_done_fn done;
	void *ud;
	char *host;          /* from the URL, for error messages */
	long port;
	char *buf;           /* reply body so far, NUL-terminated */
	size_t len, cap;
	bool too_big;
	CURLcode result;
	char *fail;          /* set when the request never reached curl */
	struct timespec start;
	struct timespec due;  /* REQ_WAITING: when to send it again */
	int retries;
	char errbuf[CURL_ERROR_SIZE];
};

struct sock {
	curl_socket_t fd;
	int what;            /* CURL_POLL_IN / OUT / INOUT */
};

struct http {
	CURLM *multi;
	struct http_config cfg;  /* strings are owned copies */
	char *user_agent;
	struct sock *socks;
	size_t nsocks, capsocks;
	bool timer_set;
	struct timespec deadline;
	struct http_req *head, *tail;  /* every request, oldest first */
	int active, queued, done, waiting;
	uint64_t requests, bytes;
};

static bool curl_ready;

static void mono_now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	       (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

static void ts_add_ms(struct timespec *ts, long ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Header values go into a curl_slist verbatim: a line break would let
 * them add headers of their own. */
static bool has_control(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* "0.5", "2", "30": seconds from ms without locale or %g rounding. */
static void seconds_text(long ms, char *buf, size_t sz)
{
	long frac = ms % 1000;
	int digits = 3;

	if (ms < 0)
		ms = frac = 0;
	if (!frac) {
		snprintf(buf, sz, "%ld", ms / 1000);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, sz, "%ld.%0*ld", ms / 1000, digits, frac);
}

/* "64 MiB", "1 MiB", "512 KiB", "1000 bytes": limits are round numbers
 * in practice, so whole units read best. */
static void size_text(size_t n, char *buf, size_t sz)
{
	if (n >= ((size_t)1 << 30) && n % ((size_t)1 << 30) == 0)
		snprintf(buf, sz, "%zu GiB", n >> 30);
	else if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
		snprintf(buf, sz, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, sz, "%zu KiB", n >> 10);
	else
		snprintf(buf, sz, "%zu bytes", n);
}

/* curl's messages start with a capital ("Couldn't connect ..."); ours
 * follow a colon, so the first letter goes down. Anything that came
 * from the peer (certificate names) is made safe to show. */
static char *plain(const char *msg)
{
	char *s = sanitize_text(msg);

	if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		s[0] = (char)(s[0] - 'A' + 'a');
	return s;
}

/* ---- socket table and timer, kept by curl's callbacks ---- */

static struct sock *sock_find(struct http *h, curl_socket_t fd)
{
	size_t i;

	for (i = 0; i < h->nsocks; i++)
		if (h->socks[i].fd == fd)
			return &h->socks[i];
	return NULL;
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
		     void *socketp)
{
	struct http *h = userp;
	struct sock *s = sock_find(h, fd);

	if (what == CURL_POLL_REMOVE) {
		if (s)
			*s = h->socks[--h->nsocks];
		return 0;
	}
	if (!s) {
		h->socks = xgrow(h->socks, &h->capsocks, h->nsocks + 1,
				 sizeof(*h->socks));
		s = &h->socks[h->nsocks++];
		s->fd = fd;
	}
	s->what = what;
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;

	if (timeout_ms < 0) {
		h->timer_set = false;
		return 0;
	}
	mono_now(&h->deadline);
	ts_add_ms(&h->deadline, timeout_ms);
	h->timer_set = true;
	return 0;
}

/* ---- requests ---- */

/* Bounded buffering: the body never grows past max_body (+1 for the
 * NUL); the first byte beyond it aborts the transfer. */
static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct http_req *r = ud;
	size_t n = size * nmemb, max = r->h->cfg.max_body, cap;

	if (n > max - r->len) {
		r->too_big = true;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		cap = r->cap ? r->cap : BODY_START_CAP;
		while (cap < r->len + n + 1)
			cap *= 2;
		if (cap > max && max < SIZE_MAX)
			cap = max + 1;
		r->buf = xrealloc(r->buf, cap);
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

static void list_append(struct http *h, struct http_req *r)
{
	r->prev = h->tail;
	r->next = NULL;
	if (h->tail)
		h->tail->next = r;
	else
		h->head = r;
	h->tail = r;
}

static void list_unlink(struct http *h, struct http_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		h->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		h->tail = r->prev;
	r->prev = r->next = NULL;
}

static void req_free(struct http_req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->host);
	free(r->buf);
	free(r->fail);
	free(r);
}

/* Mark a request finished; the callback runs from http_dispatch. */
static void req_finish(struct http *h, struct http_req *r, CURLcode result)
{
	if (r->state == REQ_ACTIVE) {
		curl_multi_remove_handle(h->multi, r->easy);
		h->active--;
	} else if (r->state == REQ_QUEUED) {
		h->queued--;
	}
	r->result = result;
	r->state = REQ_DONE;
	h->done++;
}

/* A finished request whose JSON reply said the server is busy (503,
 * 429) waits and goes again, while busy_retries allow: the same easy handle,
 * so the same method, URL, headers and body. Returns true when it will. */
static bool busy_again(struct http *h, struct http_req *r, CURLcode result)
{
	long status = 0, ms;
	curl_off_t got = 0;
	char *type = NULL;

	if (result != CURLE_OK || r->too_big ||
	    r->retries >= h->cfg.busy_retries)
		return false;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 503 && status != 429)
		return false;
	/* The server itself says it is busy in JSON; an HTML page is a
	 * proxy in front of it saying it is down, which is the caller's to
	 * show (stale, backing off), not a moment to wait out. */
	curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &type);
	if (!type || strncasecmp(type, "application/json", 16) != 0)
		return false;
	ms = 500L << (r->retries < 5 ? r->retries : 5);
#if LIBCURL_VERSION_NUM >= 0x074200
	{
		curl_off_t after = 0;

		if (curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER,
				      &after) == CURLE_OK && after > 0)
			ms = after > MAX_RETRY_AFTER_MS / 1000
				? MAX_RETRY_AFTER_MS : (long)after * 1000;
	}
#endif
	curl_easy_getinfo(r->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
	h->bytes += (uint64_t)(got > 0 ? got : 0);
	curl_multi_remove_handle(h->multi, r->easy);
	h->active--;
	r->len = 0;
	if (r->buf)
		r->buf[0] = '\0';
	r->retries++;
	mono_now(&r->due);
	ts_add_ms(&r->due, ms);
	r->state = REQ_WAITING;
	h->waiting++;
	return true;
}

/* Requests whose wait is over go back in the queue. */
static void wake_waiting(struct http *h)
{
	struct http_req *r;
	struct timespec now;

	if (!h->waiting)
		return;
	mono_now(&now);
	for (r = h->head; r; r = r->next) {
		if (r->state != REQ_WAITING || ts_diff(&now, &r->due) < 0)
			continue;
		r->state = REQ_QUEUED;
		h->waiting--;
		h->queued++;
	}
}

/* Start queued requests, oldest first, while slots are free. */
static void fill_slots(struct http *h)
{
	struct http_req *r, *next;
	CURLMcode mc;

	for (r = h->head; r && h->active < h->cfg.max_parallel; r = next) {
		next = r->next;
		if (r->state != REQ_QUEUED)
			continue;
		mc = curl_multi_add_handle(h->multi, r->easy);
		if (mc != CURLM_OK) {
			r->fail = xasprintf("cannot start the request: %s",
					    curl_multi_strerror(mc));
			req_finish(h, r, CURLE_FAILED_INIT);
			continue;
		}
		h->queued--;
		h->active++;
		r->state = REQ_ACTIVE;
	}
}

static bool method_known(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "POST") ||
	       !strcmp(m, "PATCH") || !strcmp(m, "DELETE") ||
	       !strcmp(m, "PUT");
}

/* Host and port as the user wrote them, for "cannot connect to HOST
 * port PORT"; never the user:password part. */
static char *url_host_port(const char *url, char **host, long *port)
{
	CURLU *u = curl_url();
	CURLUcode uc;
	char *hs = NULL, *ps = NULL, *err = NULL;

	if (!u)
		return xstrdup("out of memory");
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (!uc)
		uc = curl_url_get(u, CURLUPART_HOST, &hs, 0);
	if (!uc)
		uc = curl_url_get(u, CURLUPART_PORT, &ps, CURLU_DEFAULT_PORT);
	if (uc) {
#if LIBCURL_VERSION_NUM >= 0x075000
		err = xasprintf("bad URL: %s", curl_url_strerror(uc));
#else
		err = xstrdup("bad URL");
#endif
	} else {
		*host = xstrdup(hs);
		*port = strtol(ps, NULL, 10);
	}
	curl_free(hs);
	curl_free(ps);
	curl_url_cleanup(u);
	return err;
}

static void set_options(struct http *h, struct http_req *r,
			const char *method, const char *url,
			const char *json_body)
{
	const struct http_config *c = &h->cfg;
	CURL *e = r->easy;
	char *line;

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS,
			 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS,
			 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
#if LIBCURL_VERSION_NUM >= 0x075700
	/* Cancelling a request mid-DNS must not wait for the resolver
	 * thread: that would block the loop. */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
#endif
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 15L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);

	if (c->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (c->ca_path)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_path);
	if (c->client_cert) {
		/* The MLflow client hands this path to requests as `cert`,
		 * a PEM file that may hold the key too. */
		curl_easy_setopt(e, CURLOPT_SSLCERT, c->client_cert);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->client_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}

	if (c->token) {
		line = xasprintf("Authorization: Bearer %s", c->token);
		r->headers = curl_slist_append(r->headers, line);
		free(line);
	} else if (c->user && *c->user) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD,
				 c->password ? c->password : "");
	}
	if (c->workspace) {
		line = xasprintf("X-MLFLOW-WORKSPACE: %s", c->workspace);
		r->headers = curl_slist_append(r->headers, line);
		free(line);
	}
	/* No "Expect: 100-continue" round trip for large bodies. */
	r->headers = curl_slist_append(r->headers, "Expect:");
	if (json_body) {
		r->headers = curl_slist_append(r->headers,
				"Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(json_body));
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, json_body);
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, "");
	}
	if (strcmp(method, "POST") && (json_body || strcmp(method, "GET")))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
}

struct http_req *http_start(struct http *h, const char *method,
			    const char *url, const char *json_body,
			    http_done_fn done, void *ud)
{
	struct http_req *r = xcalloc(1, sizeof(*r));

	r->h = h;
	r->done = done;
	r->ud = ud;
	mono_now(&r->start);
	list_append(h, r);
	r->state = REQ_QUEUED;
	h->queued++;

	if (!method_known(method)) {
		r->fail = xasprintf("unsupported method %s", method);
	} else if (!(r->fail = url_host_port(url, &r->host, &r->port))) {
		r->easy = curl_easy_init();
		if (!r->easy)
			r->fail = xstrdup("cannot start the request");
	}
	if (r->fail) {
		req_finish(h, r, CURLE_FAILED_INIT);
		return r;
	}
	set_options(h, r, method, url, json_body);
	fill_slots(h);
	return r;
}

/* ---- errors in plain words ---- */

static char *describe_connect(const struct http_req *r, CURLcode rc)
{
	long os_errno = 0;
	char *detail, *msg;

	curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &os_errno);
	if (os_errno == ECONNREFUSED)
		detail = xstrdup("connection refused");
	else if (os_errno)
		detail = plain(strerror((int)os_errno));
	else
		detail = plain(curl_easy_strerror(rc));
	msg = xasprintf("cannot connect to %s port %ld: %s", r->host,
			r->port, detail);
	free(detail);
	return msg;
}

static char *describe_timeout(const struct http_req *r)
{
	const struct http_config *c = &r->h->cfg;
	curl_off_t connected = 0, got = 0;
	long header_size = 0;
	char secs[32];

	curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &connected);
	curl_easy_getinfo(r->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
	curl_easy_getinfo(r->easy, CURLINFO_HEADER_SIZE, &header_size);
	if (!connected && c->connect_timeout_ms < c->timeout_ms) {
		seconds_text(c->connect_timeout_ms, secs, sizeof(secs));
		return xasprintf("cannot connect to %s port %ld: no answer "
				 "within %s s", r->host, r->port, secs);
	}
	seconds_text(c->timeout_ms, secs, sizeof(secs));
	if (!got && !header_size)
		return xasprintf("no reply within %s s", secs);
	return xasprintf("reply not complete within %s s", secs);
}

static bool is_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
#if LIBCURL_VERSION_NUM >= 0x074d00
	case CURLE_SSL_CLIENTCERT:
#endif
		return true;
	default:
		return false;
	}
}

/* Only the host, port and curl's own words: never the URL (it may hold
 * user:password) nor any header. */
static char *describe(const struct http_req *r)
{
	CURLcode rc = r->result;
	char limit[32], *detail, *msg;

	if (r->fail)
		return xstrdup(r->fail);
	if (r->too_big) {
		size_text(r->h->cfg.max_body, limit, sizeof(limit));
		return xasprintf("reply larger than %s", limit);
	}
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return describe_connect(r, rc);
	case CURLE_OPERATION_TIMEDOUT:
		return describe_timeout(r);
	case CURLE_COULDNT_RESOLVE_HOST:
		return xasprintf("cannot resolve %s", r->host);
	case CURLE_COULDNT_RESOLVE_PROXY:
		return xstrdup("cannot resolve the proxy");
	case CURLE_PARTIAL_FILE:
		return xstrdup("truncated reply");
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/* A TLS 1.3 server refuses a client certificate after the
		 * handshake, with an alert: say so rather than "lost". */
		if (strstr(r->errbuf, "alert"))
			break;
		return xstrdup("connection lost");
	case CURLE_GOT_NOTHING:
		return xstrdup("server closed the connection without a reply");
	case CURLE_BAD_CONTENT_ENCODING:
		return xstrdup("bad compressed reply");
	case CURLE_UNSUPPORTED_PROTOCOL:
		return xstrdup("unsupported protocol (use http or https)");
	default:
		break;
	}
	if (is_tls_error(rc) || rc == CURLE_RECV_ERROR ||
	    rc == CURLE_SEND_ERROR) {
		detail = sanitize_text(r->errbuf[0] ? r->errbuf :
				       curl_easy_strerror(rc));
		msg = xasprintf("TLS: %s", detail);
		free(detail);
		return msg;
	}
	return plain(curl_easy_strerror(rc));
}

/* ---- the event loop ---- */

int http_pollfds(struct http *h, struct pollfd *fds, int max,
		 int *timeout_ms)
{
	struct timespec now;
	double left;
	long ms;
	int n = 0;
	size_t i;

	for (i = 0; i < h->nsocks && n < max; i++, n++) {
		fds[n].fd = h->socks[i].fd;
		fds[n].events = 0;
		fds[n].revents = 0;
		if (h->socks[i].what & CURL_POLL_IN)
			fds[n].events |= POLLIN;
		if (h->socks[i].what & CURL_POLL_OUT)
			fds[n].events |= POLLOUT;
	}
	ms = -1;
	if (h->done) {
		ms = 0;
	} else if (h->timer_set) {
		mono_now(&now);
		left = ts_diff(&h->deadline, &now);
		/* Round up: waking a little early would spin. */
		ms = left <= 0 ? 0 : (long)(left * 1000 + 0.999);
	}
	if (h->waiting) {
		struct http_req *r;
		long wait;

		mono_now(&now);
		for (r = h->head; r; r = r->next) {
			if (r->state != REQ_WAITING)
				continue;
			left = ts_diff(&r->due, &now);
			wait = left <= 0 ? 0 : (long)(left * 1000 + 0.999);
			if (ms < 0 || wait < ms)
				ms = wait;
		}
	}
	/* Sockets that did not fit are polled by a short timer instead. */
	if (i < h->nsocks && (ms < 0 || ms > 10))
		ms = 10;
	if (ms >= 0 && (*timeout_ms < 0 || ms < *timeout_ms))
		*timeout_ms = (int)(ms > 0x7fffffff ? 0x7fffffff : ms);
	return n;
}

static void reply_deliver(struct http *h, struct http_req *r)
{
	struct http_reply rep = { 0 };
	curl_off_t got = 0;
	struct timespec now;

	list_unlink(h, r);
	h->done--;
	mono_now(&now);
	rep.seconds = ts_diff(&now, &r->start);
	if (r->easy) {
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &rep.status);
		curl_easy_getinfo(r->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
		h->bytes += (uint64_t)(got > 0 ? got : 0);
		if (rep.status >= 300 && rep.status < 400) {
			char *loc = NULL;

			curl_easy_getinfo(r->easy, CURLINFO_REDIRECT_URL,
					  &loc);
			rep.location = loc;
		}
	}
	h->requests++;
	rep.retries = r->retries;
	if (r->result == CURLE_OK && !r->fail) {
		if (!r->buf)
			r->buf = xcalloc(1, 1);
		rep.body = r->buf;
		rep.len = r->len;
	} else {
		rep.error = describe(r);
	}
	r->state = REQ_CALLING;
	if (r->done)
		r->done(r->ud, &rep);
	free(rep.error);
	req_free(r);
}

void http_dispatch(struct http *h, const struct pollfd *fds, int nfds)
{
	struct http_req *r;
	struct timespec now;
	CURLMsg *msg;
	int i, mask, running, left;

	for (i = 0; i < nfds; i++) {
		if (!fds[i].revents || !sock_find(h, fds[i].fd))
			continue;
		mask = 0;
		if (fds[i].revents & (POLLIN | POLLHUP))
			mask |= CURL_CSELECT_IN;
		if (fds[i].revents & POLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (fds[i].revents & (POLLERR | POLLNVAL))
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(h->multi, fds[i].fd, mask, &running);
	}
	if (h->timer_set) {
		mono_now(&now);
		if (ts_diff(&now, &h->deadline) >= 0) {
			h->timer_set = false;
			curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT,
						 0, &running);
		}
	}
	while ((msg = curl_multi_info_read(h->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		r = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
		if (r && r->state == REQ_ACTIVE &&
		    !busy_again(h, r, msg->data.result))
			req_finish(h, r, msg->data.result);
	}
	wake_waiting(h);
	fill_slots(h);
	/* Callbacks may start or cancel requests, so look again each time. */
	while (h->done) {
		for (r = h->head; r && r->state != REQ_DONE; r = r->next)
			;
		if (!r)
			break;
		reply_deliver(h, r);
		fill_slots(h);
	}
}

/* ---- life cycle ---- */

struct http *http_new(const struct http_config *cfg, char **err)
{
	struct http *h;

	*err = NULL;
	if (has_control(cfg->token)) {
		*err = xstrdup("the token holds a control character");
		return NULL;
	}
	if (has_control(cfg->workspace)) {
		*err = xstrdup("the workspace name holds a control character");
		return NULL;
	}
	if (!curl_ready) {
		/* Never cleaned up: curl_global_cleanup at a bad moment
		 * (another handle alive, exit from a callback) is worse
		 * than the memory it would return. */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			*err = xstrdup("cannot initialise libcurl");
			return NULL;
		}
		curl_ready = true;
	}
	h = xcalloc(1, sizeof(*h));
	h->multi = curl_multi_init();
	if (!h->multi) {
		free(h);
		*err = xstrdup("cannot initialise libcurl");
		return NULL;
	}
	h->cfg = *cfg;
	h->cfg.user = dup_or_null(cfg->user);
	h->cfg.password = dup_or_null(cfg->password);
	h->cfg.token = dup_or_null(cfg->token && *cfg->token ? cfg->token :
				   NULL);
	h->cfg.ca_path = dup_or_null(cfg->ca_path);
	h->cfg.client_cert = dup_or_null(cfg->client_cert);
	h->cfg.workspace = dup_or_null(cfg->workspace && *cfg->workspace ?
				       cfg->workspace : NULL);
	if (h->cfg.timeout_ms <= 0)
		h->cfg.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (h->cfg.connect_timeout_ms <= 0)
		h->cfg.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	if (!h->cfg.max_body)
		h->cfg.max_body = DEFAULT_MAX_BODY;
	if (h->cfg.max_parallel <= 0)
		h->cfg.max_parallel = DEFAULT_MAX_PARALLEL;
	h->user_agent = xstrdup("mltop/" PACKAGE_VERSION);

	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

void http_cancel(struct http *h, struct http_req *r)
{
	if (!r || r->state == REQ_CALLING)
		return;
	switch (r->state) {
	case REQ_ACTIVE:
		curl_multi_remove_handle(h->multi, r->easy);
		h->active--;
		break;
	case REQ_QUEUED:
		h->queued--;
		break;
	case REQ_DONE:
		h->done--;
		break;
	case REQ_WAITING:
		h->waiting--;
		break;
	case REQ_CALLING:
		break;
	}
	list_unlink(h, r);
	req_free(r);
	fill_slots(h);
}

void http_free(struct http *h)
{
	struct http_req *r, *next;

	if (!h)
		return;
	for (r = h->head; r; r = next) {
		next = r->next;
		if (r->state == REQ_ACTIVE)
			curl_multi_remove_handle(h->multi, r->easy);
		req_free(r);
	}
	curl_multi_cleanup(h->multi);
	free((char *)h->cfg.user);
	free((char *)h->cfg.password);
	free((char *)h->cfg.token);
	free((char *)h->cfg.ca_path);
	free((char *)h->cfg.client_cert);
	free((char *)h->cfg.workspace);
	free(h->user_agent);
	free(h->socks);
	free(h);
}

void http_set_token(struct http *h, const char *token)
{
	free((char *)h->cfg.token);
	h->cfg.token = token && *token ? xstrdup(token) : NULL;
}

int http_busy(const struct http *h)
{
	return h->active + h->queued + h->done + h->waiting;
}

uint64_t http_requests(const struct http *h)
{
	return h->requests;
}

uint64_t http_bytes(const struct http *h)
{
	return h->bytes;
}
