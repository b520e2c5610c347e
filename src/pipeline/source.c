/* source.c: opening a pipeline source by its URI, closing it, and the
 * wait loop of scripting commands. */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"

extern const struct pipe_ops pipe_airflow_ops;
extern const struct pipe_ops pipe_prefect_ops;

/* --- URLs ---------------------------------------------------------------- */

char *pipe_url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

/* The host of a URL, for ~/.netrc; caller frees. */
char *pipe_url_host(const char *url)
{
	const char *h = strstr(url, "://"), *end, *at;
	size_t n;

	if (!h)
		return NULL;
	h += 3;
	end = h + strcspn(h, "/?#");
	at = NULL;
	for (const char *q = h; q < end; q++)
		if (*q == '@')
			at = q;
	if (at)
		h = at + 1;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		return rb ? xstrndup(h + 1, (size_t)(rb - h - 1)) : NULL;
	}
	n = strcspn(h, ":/?#");
	if (h + n > end)
		n = (size_t)(end - h);
	return xstrndup(h, n);
}

/* --- sources ------------------------------------------------------------- */

/* "airflow+http://u:p@host:8080/base/" -> url "http://u:p@host:8080/base",
 * display "airflow+http://u:***@host:8080/base". */
static int split_uri(const char *uri, const char *scheme, char **url,
		     char **display)
{
	size_t sl = strlen(scheme);
	const char *rest, *auth, *end, *at = NULL;
	size_t n;

	if (strncasecmp(uri, scheme, sl) != 0)
		return -1;
	rest = uri + sl;
	if (strncasecmp(rest, "http://", 7) != 0 &&
	    strncasecmp(rest, "https://", 8) != 0)
		return -1;
	auth = strstr(rest, "://") + 3;
	if (!*auth || *auth == '/')
		return -1;
	n = strcspn(rest, "?#");
	while (n > (size_t)(auth - rest) && rest[n - 1] == '/')
		n--;
	*url = xstrndup(rest, n);
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at)
		*display = xasprintf("%.*s%.*s***%.*s", (int)sl, uri,
				     (int)(auth - rest), rest,
				     (int)(n - (size_t)(at - rest)), at);
	else
		*display = xasprintf("%.*s%s", (int)sl, uri, *url);
	return 0;
}

struct pipe_source *pipe_open(const char *uri, struct pipe_model *m,
			      char **err)
{
	struct pipe_source *p = xcalloc(1, sizeof(*p));

	*err = NULL;
	p->model = m;
	if (uri && split_uri(uri, "airflow+", &p->url, &p->display) == 0) {
		p->ops = &pipe_airflow_ops;
	} else if (uri && split_uri(uri, "prefect+", &p->url,
				    &p->display) == 0) {
		p->ops = &pipe_prefect_ops;
	} else {
		*err = xasprintf("pipelines: not a pipeline source: use "
				 "airflow+http://HOST:PORT (or "
				 "airflow+https://...) or "
				 "prefect+http://HOST:PORT/api");
		free(p);
		return NULL;
	}
	if (p->ops->open(p, err) != 0) {
		pipe_close(p);
		return NULL;
	}
	return p;
}

void pipe_close(struct pipe_source *p)
{
	if (!p)
		return;
	if (p->ops && p->impl)
		p->ops->close(p);
	free(p->url);
	free(p->display);
	free(p);
}

void pipe_wait(struct pipe_source *p)
{
	struct pollfd fds[64];

	while (p->model->pending > 0) {
		int timeout = -1;
		int n = p->ops->pollfds(p, fds, 64, &timeout);

		if (p->deadline_ms) {
			int64_t left = p->deadline_ms - clock_mono_ms();

			if (left <= 0) {
				char *msg = xasprintf(
					"gave up after %g s, the command's "
					"deadline (--deadline), with requests "
					"still under way", p->deadline_s);

				pipe_model_set_error(p->model, msg);
				free(msg);
				return;
			}
			if (timeout < 0 || timeout > left)
				timeout = (int)left;
		}
		if (n > 0 || timeout > 0)
			poll(fds, (nfds_t)n, timeout);
		p->ops->dispatch(p, fds, n);
	}
}
