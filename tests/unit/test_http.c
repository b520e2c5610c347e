/* test_http.c: unit tests for the curl multi wrapper against small forked
 * servers on 127.0.0.1, driven by a poll() loop the way mltop drives it. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/http.h"
#include "tap.h"

#define CANNED_BODY "{\"experiments\":[{\"experiment_id\":\"0\"," \
	"\"name\":\"Default\"}],\"next_page_token\":\"\"}"
#define MLFLOW_404 "{\"error_code\": \"RESOURCE_DOES_NOT_EXIST\", " \
	"\"message\": \"Run with id=nope not found\"}"
#define BIG_SIZE (5 * 1000 * 1000)
#define SLOW_MS 300
#define BUSY_FIRST 2
#define PREFECT_503 "{\"exception_message\":\"Service Unavailable\"}"

/* The same text gzip-compressed (Python gzip.compress, mtime=0). */
static const unsigned char gz_body[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab,
	0x56, 0x4a, 0xaf, 0xca, 0x2c, 0x28, 0x48, 0x4d, 0x51, 0xb2, 0x2a,
	0x29, 0x2a, 0x4d, 0xd5, 0x51, 0x2a, 0x49, 0xad, 0x28, 0x51, 0xb2,
	0x52, 0x4a, 0x4c, 0x4a, 0x1e, 0x10, 0xa4, 0x54, 0x0b, 0x00, 0x6b,
	0x29, 0xf7, 0xda, 0x92, 0x00, 0x00, 0x00,
};

enum mode {
	M_CANNED,   /* 200 with CANNED_BODY, keep-alive */
	M_SILENT,   /* reads the request, never answers */
	M_BIG,      /* 200 with a BIG_SIZE body */
	M_SHORT,    /* Content-Length 100, 10 bytes, close */
	M_SLOW,     /* 200 after SLOW_MS, keep-alive */
	M_404,      /* MLflow's error JSON with 404 */
	M_GZIP,     /* Content-Encoding: gzip */
	M_HANGUP,   /* reads the request, closes */
	M_GARBAGE,  /* answers any bytes at all with plain HTTP, closes */
	M_SIZED,    /* GET /n/N: N bytes; /c/N: the same, chunked */
	M_BUSY,     /* Prefect's 503 for the first BUSY_FIRST requests and
		     * for any path with "always", then CANNED_BODY */
};

/* Shared with the server process. */
struct shared {
	int conns_now, conns_max, conns_total, requests;
	size_t reqlen;
	char req[65536];   /* every request read, in order */
};

struct server {
	pid_t pid;
	int port;
	struct shared *sh;
};

struct conn {
	int fd;
	char in[16384];
	size_t inlen;
	char *out;
	size_t outlen, outpos;
	bool close_after, waiting;
	double reply_at;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* ---- the server (child process) ---- */

static char *make_reply(enum mode mode, const char *req, int nth,
			size_t *len, bool *close_after)
{
	char head[256], *out;
	const char *body = CANNED_BODY;
	const char *type = "application/json";
	size_t blen, hlen;
	int status = 200, n;

	*close_after = false;
	switch (mode) {
	case M_BIG:
		n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
			     "Content-Type: application/json\r\n"
			     "Content-Length: %d\r\n\r\n", BIG_SIZE);
		*len = (size_t)n + BIG_SIZE;
		out = malloc(*len);
		memcpy(out, head, (size_t)n);
		memset(out + n, 'x', BIG_SIZE);
		return out;
	case M_SIZED: {
		const char *p = strchr(req, '/');
		bool chunked = p && p[1] == 'c';
		size_t size = p ? strtoul(p + 3, NULL, 10) : 0, at, piece;

		/* Chunks of 100 bytes: curl hands each to the write callback
		 * on its own, so the cap is met across calls. */
		out = malloc(256 + size + (size / 100 + 1) * 16);
		n = snprintf(out, 256, "HTTP/1.1 200 OK\r\n"
			     "Content-Type: application/json\r\n");
		if (chunked)
			n += sprintf(out + n, "Transfer-Encoding: chunked"
				     "\r\n\r\n");
		else
			n += sprintf(out + n, "Content-Length: %zu\r\n\r\n",
				     size);
		*len = (size_t)n;
		for (at = 0; at < size; at += piece) {
			piece = chunked && size - at > 100 ? 100 : size - at;
			if (chunked)
				*len += (size_t)sprintf(out + *len, "%zx\r\n",
							piece);
			memset(out + *len, 'x', piece);
			*len += piece;
			if (chunked)
				*len += (size_t)sprintf(out + *len, "\r\n");
		}
		if (chunked)
			*len += (size_t)sprintf(out + *len, "0\r\n\r\n");
		return out;
	}
	case M_GARBAGE:
		*close_after = true;
		out = strdup("HTTP/1.1 400 Bad Request\r\n\r\n");
		*len = strlen(out);
		return out;
	case M_SHORT:
		*close_after = true;
		out = strdup("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
			     "Content-Type: application/json\r\n\r\n"
			     "{\"runs\":[");
		*len = strlen(out);
		return out;
	case M_GZIP:
		n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
			     "Content-Type: application/json\r\n"
			     "Content-Encoding: gzip\r\n"
			     "Content-Length: %zu\r\n\r\n", sizeof(gz_body));
		out = malloc((size_t)n + sizeof(gz_body));
		memcpy(out, head, (size_t)n);
		memcpy(out + n, gz_body, sizeof(gz_body));
		*len = (size_t)n + sizeof(gz_body);
		return out;
	case M_404:
		status = 404;
		body = MLFLOW_404;
		break;
	case M_BUSY:
		if (nth <= BUSY_FIRST || strstr(req, "always")) {
			status = 503;
			body = PREFECT_503;
		}
		if (strstr(req, "/html")) {
			status = 503;
			body = "<html>upstream down</html>";
			type = "text/html";
		}
		break;
	case M_SLOW:
		/* Echo the path so each caller sees its own reply. */
		body = strstr(req, " /r") ? strstr(req, " /r") + 1 : "/";
		break;
	default:
		break;
	}
	blen = strcspn(body, " ");
	if (mode != M_SLOW)
		blen = strlen(body);
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n\r\n", status,
		     status == 200 ? "OK" : status == 503
		     ? "Service Unavailable" : "Not Found", type, blen);
	hlen = (size_t)n;
	out = malloc(hlen + blen);
	memcpy(out, head, hlen);
	memcpy(out + hlen, body, blen);
	*len = hlen + blen;
	return out;
}

/* A whole request is in: head and Content-Length body. Returns its
 * length or 0. */
static size_t request_complete(const struct conn *c)
{
	const char *end, *cl;
	size_t head, body = 0;

	end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
	if (!end)
		return 0;
	head = (size_t)(end - c->in) + 4;
	cl = memmem(c->in, head, "Content-Length: ", 16);
	if (cl)
		body = strtoul(cl + 16, NULL, 10);
	return c->inlen >= head + body ? head + body : 0;
}

static void conn_close(struct shared *sh, struct conn *c)
{
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	sh->conns_now--;
}

static void conn_request(enum mode mode, struct shared *sh, struct conn *c)
{
	size_t n = mode == M_GARBAGE ? c->inlen : request_complete(c);
	char req[16384];
	int nth;

	if (!n)
		return;
	memcpy(req, c->in, n);
	req[n] = '\0';
	if (sh->reqlen + n < sizeof(sh->req)) {
		memcpy(sh->req + sh->reqlen, c->in, n);
		sh->reqlen += n;
	}
	nth = __atomic_add_fetch(&sh->requests, 1, __ATOMIC_SEQ_CST);
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
	if (mode == M_SILENT)
		return;
	if (mode == M_HANGUP) {
		c->close_after = true;
		return;
	}
	c->out = make_reply(mode, req, nth, &c->outlen, &c->close_after);
	c->outpos = 0;
	c->waiting = mode == M_SLOW;
	c->reply_at = now_s() + SLOW_MS / 1000.0;
}

static void serve(int lfd, enum mode mode, struct shared *sh)
{
	struct conn conns[32];
	struct pollfd pfd[33];
	int i, n, fd, map[33];
	ssize_t got;
	double t;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 32; i++)
		conns[i].fd = -1;
	for (;;) {
		n = 0;
		pfd[n].fd = lfd;
		pfd[n].events = POLLIN;
		map[n++] = -1;
		for (i = 0; i < 32; i++) {
			if (conns[i].fd < 0)
				continue;
			pfd[n].fd = conns[i].fd;
			pfd[n].events = POLLIN;
			if (conns[i].out && !conns[i].waiting)
				pfd[n].events |= POLLOUT;
			map[n++] = i;
		}
		poll(pfd, (nfds_t)n, 10);
		t = now_s();
		for (i = 0; i < 32; i++)
			if (conns[i].fd >= 0 && conns[i].waiting &&
			    t >= conns[i].reply_at)
				conns[i].waiting = false;
		for (i = 0; i < n; i++) {
			struct conn *c;

			if (!pfd[i].revents)
				continue;
			if (map[i] < 0) {
				fd = accept(lfd, NULL, NULL);
				if (fd < 0)
					continue;
				for (int k = 0; k < 32; k++) {
					if (conns[k].fd >= 0)
						continue;
					memset(&conns[k], 0, sizeof(conns[k]));
					conns[k].fd = fd;
					fd = -1;
					break;
				}
				if (fd >= 0) {
					close(fd);
					continue;
				}
				sh->conns_now++;
				sh->conns_total++;
				if (sh->conns_now > sh->conns_max)
					sh->conns_max = sh->conns_now;
				continue;
			}
			c = &conns[map[i]];
			if (c->fd < 0)
				continue;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				got = recv(c->fd, c->in + c->inlen,
					   sizeof(c->in) - c->inlen - 1, 0);
				if (got <= 0) {
					conn_close(sh, c);
					continue;
				}
				c->inlen += (size_t)got;
				if (!c->out)
					conn_request(mode, sh, c);
				if (!c->out && c->close_after) {
					conn_close(sh, c);
					continue;
				}
			}
			if ((pfd[i].revents & POLLOUT) && c->out &&
			    !c->waiting) {
				got = send(c->fd, c->out + c->outpos,
					   c->outlen - c->outpos, MSG_NOSIGNAL);
				if (got < 0) {
					if (errno != EAGAIN)
						conn_close(sh, c);
					continue;
				}
				c->outpos += (size_t)got;
				if (c->outpos < c->outlen)
					continue;
				free(c->out);
				c->out = NULL;
				if (c->close_after) {
					conn_close(sh, c);
					continue;
				}
				conn_request(mode, sh, c);
			}
		}
	}
}

static int listen_socket(int *port, bool do_listen)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (do_listen && listen(fd, 16) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("socket");
		exit(1);
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static void server_start(struct server *s, enum mode mode)
{
	int lfd = listen_socket(&s->port, true);

	s->sh = mmap(NULL, sizeof(*s->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->sh == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(s->sh, 0, sizeof(*s->sh));
	fflush(stdout);
	s->pid = fork();
	if (s->pid < 0) {
		perror("fork");
		exit(1);
	}
	if (s->pid == 0) {
		serve(lfd, mode, s->sh);
		_exit(0);
	}
	close(lfd);
}

static void server_stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	munmap(s->sh, sizeof(*s->sh));
}

static char *url(const struct server *s, const char *path)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "http://127.0.0.1:%d%s", s->port, path);
	return buf;
}

/* The requests the server saw, as a string. */
static const char *seen(const struct server *s)
{
	static char buf[sizeof(((struct shared *)0)->req) + 1];

	memcpy(buf, s->sh->req, s->sh->reqlen);
	buf[s->sh->reqlen] = '\0';
	return buf;
}

/* ---- the client side ---- */

struct result {
	int calls;
	long status;
	char *body;
	size_t len;
	char *error;
	double seconds;
	int order;
	int retries;
};

static int finished;

static void on_done(void *ud, const struct http_reply *r)
{
	struct result *res = ud;

	res->calls++;
	res->status = r->status;
	res->len = r->len;
	res->seconds = r->seconds;
	res->retries = r->retries;
	free(res->body);
	free(res->error);
	res->body = NULL;
	res->error = r->error ? strdup(r->error) : NULL;
	if (r->body) {
		res->body = malloc(r->len + 1);
		memcpy(res->body, r->body, r->len + 1);
	}
	res->order = ++finished;
}

static void result_clear(struct result *r)
{
	free(r->body);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

/* Turns of the loop the last run took. */
static int turns;

/* mltop's loop in small: poll what http wants, at most 50 ms at a time,
 * then dispatch. Runs until until(arg) holds; `limit` seconds is only the
 * bound on a test that fails. */
static void run_until(struct http *h, bool (*until)(const void *),
		      const void *arg, double limit)
{
	struct pollfd fds[64];
	double start = now_s();
	int n, timeout;

	turns = 0;
	while (!until(arg) && now_s() - start < limit) {
		timeout = 50;
		n = http_pollfds(h, fds, 64, &timeout);
		if (timeout < 0 || timeout > 50)
			timeout = 50;
		poll(fds, (nfds_t)n, timeout);
		http_dispatch(h, fds, n);
		turns++;
	}
}

static bool have_finished(const void *want)
{
	return finished >= *(const int *)want;
}

/* Until `want` callbacks came (counted in `finished`). */
static void run(struct http *h, int want, double limit)
{
	run_until(h, have_finished, &want, limit);
}

static bool server_got_one(const void *sh)
{
	return __atomic_load_n(&((const struct shared *)sh)->requests,
			       __ATOMIC_SEQ_CST) >= 1;
}

static bool called(const void *res)
{
	return ((const struct result *)res)->calls > 0;
}

/* One more request to the M_SLOW server s, run until it is answered:
 * with max_parallel 1, whatever was queued or in flight before it has
 * had its turn by then, so a callback that has not come never will. */
static void settle(struct http *h, const struct server *s, const char *what)
{
	struct result res = { 0 };

	http_start(h, "GET", url(s, "/r9"), NULL, on_done, &res);
	run_until(h, called, &res, 10);
	is_str(res.body, "/r9", "%s: a later request is answered", what);
	result_clear(&res);
}

static struct http *client(const struct http_config *cfg)
{
	char *err = NULL;
	struct http *h = http_new(cfg, &err);

	if (!h) {
		printf("Bail out! http_new: %s\n", err ? err : "?");
		exit(1);
	}
	return h;
}

/* (d) first: maxrss is a high-water mark, later tests must not hide it. */
static void test_max_body(void)
{
	struct http_config cfg = { .max_body = 1 << 20 };
	struct server s;
	struct result res = { 0 };
	struct http *h = client(&cfg);
	long before, after;

	server_start(&s, M_BIG);
	before = maxrss_kib();
	finished = 0;
	http_start(h, "GET", url(&s, "/big"), NULL, on_done, &res);
	run(h, 1, 10);
	after = maxrss_kib();
	is_int(res.calls, 1, "big: callback once");
	is_str(res.error, "reply larger than 1 MiB", "big: error text");
	ok(res.body == NULL, "big: no body");
	diag("maxrss grew by %ld KiB", after - before);
	ok(after - before < 6144, "big: maxrss grew by %ld KiB (< 6 MiB) "
	   "for a %d-byte reply", after - before, BIG_SIZE);
	is_int(http_busy(h), 0, "big: nothing busy");
	result_clear(&res);
	http_free(h);
	server_stop(&s);
}

/* The cap is a size a reply may have: exactly max_body bytes come
 * through, one more is refused, whether curl hands the body over in one
 * piece or chunk by chunk. */
static void test_cap(void)
{
	struct http_config cfg = { .max_body = 1000 };
	static const char *const paths[] = { "/n/1000", "/n/1001", "/c/1000",
					     "/c/1001", "/n/999", "/n/0" };
	static const size_t sizes[] = { 1000, 1001, 1000, 1001, 999, 0 };
	struct result res[6] = { { 0 } };
	struct server s;
	struct http *h = client(&cfg);
	int i;

	server_start(&s, M_SIZED);
	finished = 0;
	for (i = 0; i < 6; i++)
		http_start(h, "GET", url(&s, paths[i]), NULL, on_done,
			   &res[i]);
	run(h, 6, 10);
	for (i = 0; i < 6; i++) {
		if (sizes[i] <= cfg.max_body) {
			is_str(res[i].error, NULL, "cap: %s comes through",
			       paths[i]);
			is_int(res[i].status, 200, "cap: %s status", paths[i]);
			is_int(res[i].len, sizes[i], "cap: %s whole", paths[i]);
			ok(res[i].body && strspn(res[i].body, "x") == sizes[i]
			   && !res[i].body[sizes[i]],
			   "cap: %s body intact, NUL after it", paths[i]);
		} else {
			is_str(res[i].error, "reply larger than 1000 bytes",
			       "cap: %s refused", paths[i]);
			ok(res[i].body == NULL, "cap: %s no body", paths[i]);
		}
		result_clear(&res[i]);
	}
	is_int(http_busy(h), 0, "cap: nothing busy");
	http_free(h);
	server_stop(&s);
}

static void test_canned(void)
{
	struct http_config cfg = {
		.user = "alice", .password = "s3cret",
		.workspace = "team-a",
	};
	struct http_config bearer = {
		.user = "alice", .password = "s3cret", .token = "tok-123",
	};
	struct server s;
	struct result res = { 0 }, res2 = { 0 };
	struct http *h = client(&cfg);
	const char *req;

	server_start(&s, M_CANNED);
	finished = 0;
	http_start(h, "POST", url(&s, "/api/2.0/mlflow/runs/search"),
		   "{\"max_results\":1}", on_done, &res);
	is_int(http_busy(h), 1, "canned: busy while in flight");
	run(h, 1, 10);
	is_int(res.calls, 1, "canned: callback once");
	is_int(res.status, 200, "canned: status 200");
	is_str(res.error, NULL, "canned: no error");
	is_str(res.body, CANNED_BODY, "canned: exact body");
	is_int(res.len, strlen(CANNED_BODY), "canned: length");
	ok(res.seconds > 0, "canned: seconds %.3f", res.seconds);
	is_int(http_requests(h), 1, "canned: one request counted");
	is_int(http_bytes(h), strlen(CANNED_BODY), "canned: body bytes counted");
	is_int(http_busy(h), 0, "canned: not busy after");

	req = seen(&s);
	ok(!strncmp(req, "POST /api/2.0/mlflow/runs/search HTTP/1.1\r\n", 43),
	   "canned: request line");
	ok(strstr(req, "\r\nContent-Type: application/json\r\n") != NULL,
	   "canned: JSON content type");
	/* base64("alice:s3cret") */
	ok(strstr(req, "\r\nAuthorization: Basic YWxpY2U6czNjcmV0\r\n") != NULL,
	   "canned: basic auth");
	ok(strstr(req, "\r\nX-MLFLOW-WORKSPACE: team-a\r\n") != NULL,
	   "canned: workspace header");
	ok(strstr(req, "\r\nUser-Agent: mltop/" PACKAGE_VERSION "\r\n") != NULL,
	   "canned: user agent");
	ok(strstr(req, "\r\nAccept-Encoding: ") != NULL &&
	   strstr(req, "gzip") != NULL, "canned: offers gzip");
	ok(strstr(req, "Expect:") == NULL, "canned: no Expect header");
	ok(strlen(req) > 17 &&
	   !strcmp(req + strlen(req) - 17, "{\"max_results\":1}"),
	   "canned: JSON body sent");
	http_free(h);

	/* A token wins over basic auth; GET sends no content type. */
	s.sh->reqlen = 0;
	h = client(&bearer);
	finished = 0;
	http_start(h, "GET",
		   url(&s, "/api/2.0/mlflow/experiments/get?experiment_id=0"),
		   NULL, on_done, &res2);
	run(h, 1, 10);
	is_int(res2.status, 200, "bearer: status 200");
	is_str(res2.body, CANNED_BODY, "bearer: exact body");
	req = seen(&s);
	ok(!strncmp(req, "GET /api/2.0/mlflow/experiments/get?experiment_id=0 "
		    "HTTP/1.1\r\n", 62), "bearer: request line");
	ok(strstr(req, "\r\nAuthorization: Bearer tok-123\r\n") != NULL,
	   "bearer: bearer header");
	ok(strstr(req, "Basic") == NULL, "bearer: no basic auth with a token");
	ok(strstr(req, "Content-Type") == NULL, "bearer: GET has no body type");
	ok(strstr(req, "X-MLFLOW-WORKSPACE") == NULL,
	   "bearer: no workspace header unless set");
	http_free(h);
	server_stop(&s);
	result_clear(&res);
	result_clear(&res2);
}

static void test_refused(void)
{
	struct http_config cfg = { 0 };
	struct result res = { 0 }, res2 = { 0 };
	struct http *h = client(&cfg);
	char want[128], u[128];
	int port, fd = listen_socket(&port, false);

	close(fd);
	snprintf(want, sizeof(want),
		 "cannot connect to 127.0.0.1 port %d: connection refused",
		 port);
	finished = 0;
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/api/2.0/mlflow/x", port);
	http_start(h, "GET", u, NULL, on_done, &res);
	snprintf(u, sizeof(u), "http://bob:pa55word@127.0.0.1:%d/", port);
	http_start(h, "POST", u, "{}", on_done, &res2);
	run(h, 2, 10);
	is_str(res.error, want, "refused: error text");
	is_int(res.status, 0, "refused: status 0");
	ok(res.body == NULL, "refused: no body");
	is_str(res2.error, want, "refused: same text with URL credentials");
	ok(res2.error && !strstr(res2.error, "pa55word") &&
	   !strstr(res2.error, "bob"), "refused: no URL credentials in error");
	is_int(http_requests(h), 2, "refused: failures count as requests");
	result_clear(&res);
	result_clear(&res2);
	http_free(h);
}

static void test_timeout(void)
{
	struct http_config cfg = { .timeout_ms = 500 };
	struct server s;
	struct result res = { 0 };
	struct http *h = client(&cfg);
	double t0, took;

	server_start(&s, M_SILENT);
	finished = 0;
	t0 = now_s();
	http_start(h, "GET", url(&s, "/api/2.0/mlflow/runs/get"), NULL,
		   on_done, &res);
	run(h, 1, 30);
	took = now_s() - t0;
	is_str(res.error, "no reply within 0.5 s", "timeout: error text");
	/* Never early; how late depends on the machine's load, and the
	 * run's limit is the failure bound. */
	ok(took >= 0.45, "timeout: took %.3f s", took);
	ok(res.seconds >= 0.45, "timeout: reply says %.3f s", res.seconds);
	/* A blocking wait would spend the half second in one dispatch; the
	 * loop polls at most 50 ms at a time, so it turns about ten times. */
	ok(turns >= 3, "timeout: loop kept turning while waiting (%d turns)",
	   turns);
	ok(s.sh->requests == 1, "timeout: the server did get the request");
	result_clear(&res);
	http_free(h);
	server_stop(&s);
}

static void test_truncated(void)
{
	struct http_config cfg = { 0 };
	struct server s, s2;
	struct result res = { 0 }, res2 = { 0 };
	struct http *h = client(&cfg);

	server_start(&s, M_SHORT);
	server_start(&s2, M_HANGUP);
	finished = 0;
	http_start(h, "GET", url(&s, "/short"), NULL, on_done, &res);
	http_start(h, "GET", url(&s2, "/hangup"), NULL, on_done, &res2);
	run(h, 2, 10);
	is_str(res.error, "truncated reply", "short: error text");
	ok(res.body == NULL, "short: no body");
	is_str(res2.error, "server closed the connection without a reply",
	       "hangup: error text");
	result_clear(&res);
	result_clear(&res2);
	http_free(h);
	server_stop(&s);
	server_stop(&s2);
}

static void test_parallel(void)
{
	struct http_config cfg = { .max_parallel = 2 };
	struct server s;
	struct result res[5] = { { 0 } };
	struct http *h = client(&cfg);
	char path[16], want[16];
	const char *req, *at[5];
	double t0, took;
	int i, ok200 = 0, bodies = 0;

	server_start(&s, M_SLOW);
	finished = 0;
	t0 = now_s();
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/r%d", i);
		http_start(h, "GET", url(&s, path), NULL, on_done, &res[i]);
	}
	is_int(http_busy(h), 5, "parallel: 5 busy (2 running, 3 queued)");
	run(h, 5, 10);
	took = now_s() - t0;
	for (i = 0; i < 5; i++) {
		snprintf(want, sizeof(want), "/r%d", i);
		ok200 += res[i].status == 200 && res[i].calls == 1;
		bodies += res[i].body && !strcmp(res[i].body, want);
	}
	is_int(ok200, 5, "parallel: all 5 answered 200, once each");
	is_int(bodies, 5, "parallel: each got its own reply");
	ok(s.sh->conns_max >= 1 && s.sh->conns_max <= 2,
	   "parallel: at most 2 connections at once (saw %d)",
	   s.sh->conns_max);
	ok(took >= 3 * SLOW_MS / 1000.0 - 0.05,
	   "parallel: 3 waves of %d ms took %.2f s", SLOW_MS, took);
	req = seen(&s);
	for (i = 0; i < 5; i++) {
		snprintf(want, sizeof(want), "GET /r%d ", i);
		at[i] = strstr(req, want);
	}
	ok(at[0] && at[1] && at[2] && at[3] && at[4] &&
	   at[2] > at[0] && at[2] > at[1] && at[3] > at[0] && at[3] > at[1] &&
	   at[4] > at[2] && at[4] > at[3], "parallel: queue is FIFO");
	is_int(http_busy(h), 0, "parallel: nothing left");
	for (i = 0; i < 5; i++)
		result_clear(&res[i]);
	http_free(h);
	server_stop(&s);
}

struct canceller {
	struct http *h;
	struct http_req *victim;
	struct result res;
};

static void cancel_other(void *ud, const struct http_reply *r)
{
	struct canceller *c = ud;

	on_done(&c->res, r);
	http_cancel(c->h, c->victim);
	c->victim = NULL;
}

static void test_cancel(void)
{
	struct http_config cfg = { .max_parallel = 1 };
	struct server s, silent;
	struct result a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	struct canceller cc = { 0 };
	struct http *h = client(&cfg);
	struct http_req *r;

	server_start(&s, M_SLOW);
	server_start(&silent, M_SILENT);

	/* In flight: the server has it. */
	finished = 0;
	r = http_start(h, "GET", url(&s, "/r0"), NULL, on_done, &a);
	run_until(h, server_got_one, s.sh, 10);
	ok(server_got_one(s.sh), "cancel: the request reached the server");
	http_cancel(h, r);
	is_int(http_busy(h), 0, "cancel: in-flight request gone");
	settle(h, &s, "cancel");
	is_int(a.calls, 0, "cancel: in-flight callback never runs");

	/* Queued, behind one in flight. */
	finished = 0;
	http_start(h, "GET", url(&s, "/r1"), NULL, on_done, &b);
	r = http_start(h, "GET", url(&s, "/r2"), NULL, on_done, &c);
	http_start(h, "GET", url(&s, "/r3"), NULL, on_done, &d);
	is_int(http_busy(h), 3, "cancel: 3 busy");
	http_cancel(h, r);
	is_int(http_busy(h), 2, "cancel: queued request gone");
	run(h, 2, 5);
	is_int(b.calls, 1, "cancel: first one answered");
	is_int(c.calls, 0, "cancel: queued callback never runs");
	is_int(d.calls, 1, "cancel: the one queued after it still runs");
	is_str(d.body, "/r3", "cancel: and gets its reply");

	/* From inside another request's callback. */
	finished = 0;
	cc.h = h;
	http_start(h, "GET", url(&s, "/r4"), NULL, cancel_other, &cc);
	cc.victim = http_start(h, "GET", url(&s, "/r5"), NULL, on_done, &a);
	run_until(h, called, &cc.res, 10);
	settle(h, &s, "cancel from a callback");
	is_int(cc.res.calls, 1, "cancel: canceller answered");
	is_int(a.calls, 0, "cancel: cancelled from a callback, never runs");
	is_int(http_busy(h), 0, "cancel: nothing left");
	http_free(h);

	/* http_free with requests in flight and queued. */
	result_clear(&a);
	result_clear(&b);
	h = client(&cfg);
	finished = 0;
	http_start(h, "GET", url(&silent, "/x"), NULL, on_done, &a);
	http_start(h, "GET", url(&silent, "/y"), NULL, on_done, &b);
	run_until(h, server_got_one, silent.sh, 10);
	ok(server_got_one(silent.sh), "free: a request is in flight");
	http_free(h);
	is_int(a.calls, 0, "free: in-flight callback never runs");
	is_int(b.calls, 0, "free: queued callback never runs");
	result_clear(&a);
	result_clear(&b);
	result_clear(&c);
	result_clear(&d);
	result_clear(&cc.res);
	server_stop(&s);
	server_stop(&silent);
}

static void test_404(void)
{
	struct http_config cfg = { 0 };
	struct server s;
	struct result res = { 0 };
	struct http *h = client(&cfg);

	server_start(&s, M_404);
	finished = 0;
	http_start(h, "GET", url(&s, "/api/2.0/mlflow/runs/get?run_id=nope"),
		   NULL, on_done, &res);
	run(h, 1, 10);
	is_int(res.status, 404, "404: status");
	is_str(res.error, NULL, "404: not a transport error");
	is_str(res.body, MLFLOW_404, "404: MLflow's body intact");
	result_clear(&res);
	http_free(h);
	server_stop(&s);
}

/* A count of `needle` in the requests the server saw. */
static int seen_count(const struct server *s, const char *needle)
{
	const char *p = seen(s);
	int n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* busy_retries: a 503 or 429 is sent again, the same method and body,
 * after 0.5 s doubling; without it, or once the retries are spent, the
 * 503 itself is the reply. A request cancelled while it waits is gone. */
static void test_busy(void)
{
	struct http_config cfg = { .busy_retries = 4 };
	struct server s;
	struct result res = { 0 };
	struct http *h = client(&cfg);
	struct http_req *r;
	int i;

	server_start(&s, M_BUSY);
	finished = 0;
	http_start(h, "POST", url(&s, "/api/deployments/d/create_flow_run"),
		   "{\"parameters\":{}}", on_done, &res);
	run(h, 1, 20);
	is_int(res.status, 200, "busy: the third try is answered");
	is_str(res.body, CANNED_BODY, "busy: its body, not the 503's");
	is_int(res.retries, BUSY_FIRST, "busy: sent again twice");
	is_int(seen_count(&s, "POST /api/deployments/d/create_flow_run"),
	       BUSY_FIRST + 1, "busy: the server saw each try");
	is_int(seen_count(&s, "{\"parameters\":{}}"), BUSY_FIRST + 1,
	       "busy: each try carried the body");
	ok(res.seconds >= 1.4, "busy: waited 0.5 s, then 1 s (%.2f s)",
	   res.seconds);
	result_clear(&res);

	finished = 0;
	http_start(h, "GET", url(&s, "/always"), NULL, on_done, &res);
	run(h, 1, 30);
	is_int(res.status, 503, "busy: still busy after 4 retries");
	is_str(res.body, PREFECT_503, "busy: the last 503's body");
	is_int(res.retries, 4, "busy: 4 retries, no more");
	is_int(seen_count(&s, "GET /always"), 5, "busy: 5 tries in all");
	result_clear(&res);

	/* A proxy's HTML page: the server is down, not busy. */
	finished = 0;
	http_start(h, "GET", url(&s, "/html"), NULL, on_done, &res);
	run(h, 1, 10);
	is_int(res.status, 503, "busy: a proxy's 503 page");
	is_int(res.retries, 0, "busy: is not sent again");
	result_clear(&res);

	finished = 0;
	r = http_start(h, "GET", url(&s, "/always/cancelled"), NULL, on_done,
		       &res);
	for (i = 0; i < 200 && !seen_count(&s, "GET /always/cancelled"); i++)
		run_until(h, called, &res, 0.05);
	run_until(h, called, &res, 0.2);
	is_int(http_busy(h), 1, "busy: waiting to try again");
	http_cancel(h, r);
	is_int(http_busy(h), 0, "busy: cancelled while waiting");
	run_until(h, called, &res, 1.5);
	is_int(res.calls, 0, "busy: a cancelled request is not called");
	is_int(seen_count(&s, "GET /always/cancelled"), 1,
	       "busy: nor sent again");
	http_free(h);

	/* Without busy_retries, the 503 comes back at once. */
	cfg.busy_retries = 0;
	h = client(&cfg);
	finished = 0;
	http_start(h, "GET", url(&s, "/always/once"), NULL, on_done, &res);
	run(h, 1, 10);
	is_int(res.status, 503, "busy: no retries by default");
	is_int(res.retries, 0, "busy: sent once");
	is_int(seen_count(&s, "GET /always/once"), 1, "busy: the server saw one");
	result_clear(&res);
	http_free(h);
	server_stop(&s);
}

static void test_misc(void)
{
	struct http_config cfg = { .timeout_ms = 5000 };
	struct server s, plain;
	struct result gz = { 0 }, tls = { 0 }, ftp = { 0 }, meth = { 0 };
	struct http *h = client(&cfg);
	char u[128], want[256];
	int i;

	server_start(&s, M_GZIP);
	finished = 0;
	http_start(h, "GET", url(&s, "/gz"), NULL, on_done, &gz);
	run(h, 1, 10);
	snprintf(want, sizeof(want), "{\"gzipped\":true,\"text\":\"");
	for (i = 0; i < 40; i++)
		strcat(want, "abc");
	strcat(want, "\"}");
	is_str(gz.body, want, "gzip: body decoded");
	is_int(http_bytes(h), sizeof(gz_body),
	       "gzip: bytes counted as received");

	/* TLS to a plain HTTP server fails in the handshake. */
	server_start(&plain, M_GARBAGE);
	finished = 0;
	snprintf(u, sizeof(u), "https://127.0.0.1:%d/", plain.port);
	http_start(h, "GET", u, NULL, on_done, &tls);
	run(h, 1, 10);
	ok(tls.error && !strncmp(tls.error, "TLS: ", 5),
	   "https to plain http: '%s'", tls.error ? tls.error : "(null)");

	finished = 0;
	http_start(h, "GET", "ftp://127.0.0.1/x", NULL, on_done, &ftp);
	http_start(h, "BREW", url(&s, "/"), NULL, on_done, &meth);
	is_int(ftp.calls + meth.calls, 0, "no callback from inside http_start");
	run(h, 2, 5);
	is_str(ftp.error, "unsupported protocol (use http or https)",
	       "ftp refused");
	is_str(meth.error, "unsupported method BREW", "unknown method refused");
	result_clear(&gz);
	result_clear(&tls);
	result_clear(&ftp);
	result_clear(&meth);
	http_free(h);
	server_stop(&s);
	server_stop(&plain);

	{
		struct http_config bad = { .token = "a\r\nX-Evil: 1" };
		char *err = NULL;

		ok(http_new(&bad, &err) == NULL && err &&
		   !strstr(err, "Evil"), "a token with a line break refused");
		free(err);
	}
}

/* The port `openssl s_server -accept 127.0.0.1:0` chose, from the
 * "ACCEPT 127.0.0.1:PORT" line it prints once it listens (written to
 * `out`); 0 if it did not within 10 s or died. */
static int s_server_port(const char *out, pid_t pid)
{
	double t0 = now_s();
	char line[256];
	int port = 0;

	while (!port && now_s() - t0 < 10 && waitpid(pid, NULL, WNOHANG) == 0) {
		FILE *f = fopen(out, "r");

		while (f && !port && fgets(line, sizeof(line), f))
			if (sscanf(line, "ACCEPT 127.0.0.1:%d", &port) != 1)
				port = 0;
		if (f)
			fclose(f);
		if (!port)
			usleep(20000);
	}
	return port;
}

/* TLS options against `openssl s_server` (skipped without openssl):
 * it demands a client certificate, like a mutual-TLS deployment. It
 * picks its own port, so no other process can take it in between. */
static void test_tls(void)
{
	char dir[] = "/tmp/mltop-tls-XXXXXX", cmd[1024], u[64], pem[128];
	char srv[128], key[128], cli[128], out[128];
	struct result res[4] = { { 0 } };
	struct http_config cfg[4] = {
		{ .timeout_ms = 5000 }, { .timeout_ms = 5000 },
		{ .timeout_ms = 5000 }, { .timeout_ms = 5000, .insecure = true },
	};
	struct http *h;
	pid_t pid;
	int i, port, fd, up;

	if (system("openssl version >/dev/null 2>&1") != 0 || !mkdtemp(dir)) {
		diag("skip: no openssl command for a TLS server");
		return;
	}
	snprintf(cmd, sizeof(cmd), "cd %s && for n in srv cli; do openssl req "
		 "-x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
		 "-nodes -keyout $n.key -out $n.crt -days 1 -subj /CN=127.0.0.1 "
		 "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || exit 1; "
		 "done; cat cli.crt cli.key > cli.pem", dir);
	if (system(cmd) != 0) {
		diag("skip: openssl could not make certificates");
		return;
	}
	snprintf(srv, sizeof(srv), "%s/srv.crt", dir);
	snprintf(key, sizeof(key), "%s/srv.key", dir);
	snprintf(cli, sizeof(cli), "%s/cli.crt", dir);
	snprintf(pem, sizeof(pem), "%s/cli.pem", dir);
	snprintf(out, sizeof(out), "%s/s_server.out", dir);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* A file, not a pipe: what it prints later never blocks it. */
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 2);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		execlp("openssl", "openssl", "s_server", "-accept",
		       "127.0.0.1:0", "-cert", srv, "-key", key, "-www",
		       "-Verify", "1", "-CAfile", cli, (char *)NULL);
		_exit(127);
	}
	port = s_server_port(out, pid);
	up = port > 0;
	ok(up, "tls: openssl s_server is up (port %d)", port);
	cfg[1].ca_path = cfg[2].ca_path = srv;
	cfg[2].client_cert = cfg[3].client_cert = pem;
	snprintf(u, sizeof(u), "https://127.0.0.1:%d/", port);
	for (i = 0; up && i < 4; i++) {
		h = client(&cfg[i]);
		finished = 0;
		http_start(h, "GET", u, NULL, on_done, &res[i]);
		run(h, 1, 10);
		http_free(h);
	}
	ok(res[0].error && !strncmp(res[0].error,
				    "TLS: SSL certificate problem", 28),
	   "tls: an unknown CA is refused: %s", res[0].error);
	ok(res[1].error && !strncmp(res[1].error, "TLS: ", 5),
	   "tls: no client certificate, refused: %s", res[1].error);
	is_int(res[2].status, 200, "tls: CA bundle and client cert+key PEM");
	ok(res[2].body && strstr(res[2].body, "s_server"),
	   "tls: the page came through");
	is_int(res[3].status, 200, "tls: insecure skips verification");
	for (i = 0; i < 4; i++)
		result_clear(&res[i]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
}

int main(void)
{
	test_max_body();
	test_cap();
	test_canned();
	test_refused();
	test_timeout();
	test_truncated();
	test_parallel();
	test_cancel();
	test_404();
	test_busy();
	test_misc();
	test_tls();
	return done_testing();
}
