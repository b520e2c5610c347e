/* store.c: opening the store a tracking URI names, and waiting on it.
 * The backend is chosen here and nowhere else. */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "store/store.h"

struct store *store_open(const char *uri, struct model *m, char **err)
{
	return store_open_wait(uri, m, 0, err);
}

struct store *store_open_wait(const char *uri, struct model *m,
			      int lock_wait_ms, char **err)
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
	s->lock_wait_ms = lock_wait_ms;
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

struct store_req store_req_copy(const struct store_req *req)
{
	struct store_req r = { 0 };

	if (req)
		r = *req;
	return r;
}

void store_set_deadline(struct store *s, double seconds)
{
	s->deadline_s = seconds;
	s->deadline_ms = clock_mono_ms() + (int64_t)(seconds * 1000);
}

void store_wait(struct store *s)
{
	struct pollfd fds[64];

	while (s->model->pending > 0 || s->model->background > 0) {
		int timeout = -1;
		int n = s->ops->pollfds ? s->ops->pollfds(s, fds, 64, &timeout)
					: 0;

		if (s->deadline_ms) {
			int64_t left = s->deadline_ms - clock_mono_ms();

			if (left <= 0) {
				char *msg = xasprintf(
					"gave up after %g s, the command's "
					"deadline (--deadline), with requests "
					"still under way", s->deadline_s);

				model_set_error(s->model, msg);
				free(msg);
				return;
			}
			if (timeout < 0 || timeout > left)
				timeout = (int)left;
		}
		if (n > 0 || timeout > 0)
			poll(fds, (nfds_t)n, timeout);
		if (s->ops->dispatch)
			s->ops->dispatch(s, fds, n);
	}
}

struct registry_write *registry_write_copy(const struct registry_write *w)
{
	struct registry_write *c = xcalloc(1, sizeof(*c));
	struct stage_move *mv = NULL;
	int *in = NULL;

	*c = *w;
	c->model = xstrdup(w->model);
	c->alias = w->alias ? xstrdup(w->alias) : NULL;
	c->event_key = w->event_key ? xstrdup(w->event_key) : NULL;
	c->event_value = w->event_value ? xstrdup(w->event_value) : NULL;
	c->drop_key = w->drop_key ? xstrdup(w->drop_key) : NULL;
	if (w->nmoves) {
		mv = xcalloc(w->nmoves, sizeof(*mv));
		for (size_t i = 0; i < w->nmoves; i++) {
			mv[i].version = w->moves[i].version;
			mv[i].stage = xstrdup(w->moves[i].stage);
			mv[i].expect_stage = w->moves[i].expect_stage
				? xstrdup(w->moves[i].expect_stage) : NULL;
		}
	}
	c->moves = mv;
	if (w->nexpect_in_stage) {
		in = xcalloc(w->nexpect_in_stage, sizeof(*in));
		memcpy(in, w->expect_in_stage,
		       w->nexpect_in_stage * sizeof(*in));
	}
	c->expect_in_stage = in;
	return c;
}

void registry_write_free(struct registry_write *w)
{
	free((char *)w->model);
	free((char *)w->alias);
	free((char *)w->event_key);
	free((char *)w->event_value);
	free((char *)w->drop_key);
	for (size_t i = 0; i < w->nmoves; i++) {
		free((char *)w->moves[i].stage);
		free((char *)w->moves[i].expect_stage);
	}
	free((void *)w->moves);
	free((void *)w->expect_in_stage);
	free(w);
}

