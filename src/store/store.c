/* store.c: opening the store a tracking URI names, and waiting on it.
 * The backend is chosen here and nowhere else. */
#include "config.h"

#include <poll.h>
#include <stdlib.h>

#include "core/xmalloc.h"
#include "store/store.h"

struct store *store_open(const char *uri, struct model *m, char **err)
{
	struct store *s = xcalloc(1, sizeof(*s));

	if (uri_parse(uri, &s->uri, err) != 0) {
		free(s);
		return NULL;
	}
	switch (s->uri.kind) {
	case URI_SQLITE:
		s->ops = &store_sqlite_ops;
		break;
	case URI_HTTP:
		s->ops = &store_rest_ops;
		break;
	default:
		*err = xasprintf("%s: unsupported tracking URI",
				 s->uri.display);
		uri_free(&s->uri);
		free(s);
		return NULL;
	}
	s->model = m;
	if (s->ops->open(s, err) != 0) {
		s->ops->close(s);
		uri_free(&s->uri);
		free(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	s->ops->close(s);
	uri_free(&s->uri);
	free(s);
}

void store_wait(struct store *s)
{
	struct pollfd fds[64];

	while (s->model->pending > 0 || s->model->background > 0) {
		int timeout = -1;
		int n = s->ops->pollfds ? s->ops->pollfds(s, fds, 64, &timeout)
					: 0;

		if (n > 0 || timeout > 0)
			poll(fds, (nfds_t)n, timeout);
		if (s->ops->dispatch)
			s->ops->dispatch(s, fds, n);
	}
}
