/* store_rest_write.c: a registry write on a tracking server: read the
 * state back and check it, move, then record the event, in that order,
 * so the history never claims a move that did not happen. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"
#include "store/rest_parse.h"
#include "store/store.h"
#include "store/store_rest.h"

/* The request of the step the write is at. */
void rest_write_send(struct op *o)
{
	const struct registry_write *w = o->write;
	char buf[24];
	json_t *b;
	char *a, *q;

	switch (o->step) {
	case WS_READ_MODEL:
		o->ep = "registered-models/get";
		a = rest_url_escape(w->model);
		q = xasprintf("name=%s", a);
		rest_send_get(o, q);
		free(q);
		free(a);
		break;
	case WS_READ_VERSIONS: {
		char *f = xasprintf("name='%s'", w->model), *fe = rest_url_escape(f);

		o->ep = "model-versions/search";
		q = xasprintf("filter=%s&max_results=10000", fe);
		rest_send_get(o, q);
		free(q);
		free(fe);
		free(f);
		break;
	}
	case WS_MOVE:
		if (w->kind == RW_ALIAS) {
			o->ep = "registered-models/alias";
			snprintf(buf, sizeof(buf), "%d", w->version);
			if (w->version > 0) {
				b = json_pack("{s:s, s:s, s:s}", "name", w->model,
					      "alias", w->alias, "version", buf);
				rest_send_body(o, "POST", b);
			} else {
				b = json_pack("{s:s, s:s}", "name", w->model,
					      "alias", w->alias);
				rest_send_body(o, "DELETE", b);
			}
		} else {
			const struct stage_move *mv = &w->moves[o->move];

			o->ep = "model-versions/transition-stage";
			snprintf(buf, sizeof(buf), "%d", mv->version);
			b = json_pack("{s:s, s:s, s:s, s:b}", "name", w->model,
				      "version", buf, "stage", mv->stage,
				      "archive_existing_versions",
				      w->archive_existing && w->nmoves == 1);
			rest_send_body(o, "POST", b);
		}
		break;
	case WS_EVENT:
		o->ep = "registered-models/set-tag";
		b = json_pack("{s:s, s:s, s:s}", "name", w->model, "key",
			      w->event_key, "value", w->event_value);
		rest_send_body(o, "POST", b);
		break;
	case WS_DROP:
		o->ep = "registered-models/delete-tag";
		b = json_pack("{s:s, s:s}", "name", w->model, "key",
			      w->drop_key);
		rest_send_body(o, "DELETE", b);
		break;
	}
}

/* The optimistic check on what the server holds now. */
static char *write_conflict(const struct registry_write *w,
			    struct registered_model *now)
{
	if (w->kind == RW_ALIAS) {
		int v = registered_alias(now, w->alias);

		if (v == w->expect_alias_version)
			return NULL;
		if (v)
			return xasprintf("conflict: alias %s now points to v%d "
					 "(the plan expected %s%d); nothing "
					 "changed", w->alias, v,
					 w->expect_alias_version ? "v" : "",
					 w->expect_alias_version);
		return xasprintf("conflict: alias %s is no longer set (the "
				 "plan expected v%d); nothing changed",
				 w->alias, w->expect_alias_version);
	}
	for (size_t i = 0; i < w->nmoves; i++) {
		struct model_version *v = registered_version(now,
							     w->moves[i].version);

		if (!v)
			return xasprintf("conflict: version %d of %s is gone",
					 w->moves[i].version, w->model);
		if (w->moves[i].expect_stage && v->stage &&
		    strcmp(v->stage, w->moves[i].expect_stage) != 0)
			return xasprintf("conflict: v%d is now in %s (the "
					 "plan expected %s); nothing changed",
					 v->version, v->stage,
					 w->moves[i].expect_stage);
	}
	if (w->archive_existing && w->nmoves == 1) {
		size_t k = 0;
		bool same = true;

		/* versions are newest first; expect is ascending */
		for (size_t i = now->nversions; i-- > 0;) {
			struct model_version *v = &now->versions[i];

			if (v->version == w->moves[0].version || !v->stage ||
			    strcmp(v->stage, w->moves[0].stage) != 0)
				continue;
			if (k >= w->nexpect_in_stage ||
			    w->expect_in_stage[k] != v->version)
				same = false;
			k++;
		}
		if (!same || k != w->nexpect_in_stage)
			return xasprintf("conflict: the versions in %s changed "
					 "since the plan was made; nothing "
					 "changed", w->moves[0].stage);
	}
	return NULL;
}

/* A reply to one step came back fine: parse what it read, go on. Returns
 * true when the write is over (done or refused). */
bool rest_write_advance(struct op *o, const struct http_reply *r, bool *ok)
{
	const struct registry_write *w = o->write;
	struct model *m = o->s->model;
	char *err = NULL, *msg;

	*ok = true;
	switch (o->step) {
	case WS_READ_MODEL:
	case WS_READ_VERSIONS:
		if (!o->scratch) {
			o->scratch = xcalloc(1, sizeof(*o->scratch));
			o->scratch->name = xstrdup(w->model);
		}
		if (rest_parse_versions(o->scratch, r->body, r->len, NULL,
					&err) < 0) {
			msg = xasprintf("bad reply to %s: %s", rest_op_ep(o), err);
			model_set_error(m, msg);
			free(msg);
			free(err);
			*ok = false;
			return true;
		}
		if (o->step == WS_READ_MODEL && w->kind == RW_STAGE) {
			o->step = WS_READ_VERSIONS;
			return false;
		}
		msg = write_conflict(w, o->scratch);
		if (msg) {
			model_set_error(m, msg);
			free(msg);
			*ok = false;
			return true;
		}
		/* The event's key from the tags just read back, not from the
		 * screen's: a promotion made meanwhile keeps its event. */
		if (w->event_key) {
			char *key = NULL, *drop = NULL;

			store_event_keys(&o->scratch->tags, &key, &drop);
			free((char *)o->write->event_key);
			free((char *)o->write->drop_key);
			o->write->event_key = key;
			o->write->drop_key = drop;
		}
		o->step = WS_MOVE;
		o->move = 0;
		return false;
	case WS_MOVE:
		if (w->kind == RW_STAGE && ++o->move < w->nmoves)
			return false;
		o->step = w->event_key ? WS_EVENT : WS_DONE;
		return o->step == WS_DONE;
	case WS_EVENT:
		o->step = w->drop_key ? WS_DROP : WS_DONE;
		return o->step == WS_DONE;
	default:
		o->step = WS_DONE;
		return true;
	}
}
