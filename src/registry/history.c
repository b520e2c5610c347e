/* history.c: promotion history kept as registered-model tags, and the
 * timeline built from it; plans are in plan.c, the audit log in audit.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/format.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "registry/history.h"
#include "registry/history_priv.h"

/* --- text ---------------------------------------------------------------- */

/* A copy of s that is valid UTF-8 (bad bytes become U+FFFD), cut at a
 * character boundary so it is at most max bytes (max 0: no limit).
 * jansson refuses invalid UTF-8, and a note or a user name comes from
 * argv or the environment. */
char *history_utf8_clean(const char *s, size_t max)
{
	size_t n = strlen(s), i = 0, o = 0;
	char *out = xmalloc(n * 3 + 1);

	while (i < n) {
		unsigned int cp;
		size_t k = utf8_decode(s + i, n - i, &cp);
		bool bad = cp == 0xfffd &&
			   !(k == 3 && memcmp(s + i, "\xef\xbf\xbd", 3) == 0);
		size_t w = bad ? 3 : k;

		if (max && o + w > max)
			break;
		if (bad)
			memcpy(out + o, "\xef\xbf\xbd", 3);
		else
			memcpy(out + o, s + i, k);
		o += w;
		i += k;
	}
	out[o] = '\0';
	return out;
}

/* The note as recorded: NULL for none or empty, else cut to
 * HISTORY_NOTE_MAX bytes. */
char *history_note_cut(const char *note)
{
	if (!note || !*note)
		return NULL;
	return history_utf8_clean(note, HISTORY_NOTE_MAX);
}

static const char *const stage_names[] = {
	"None", "Staging", "Production", "Archived",
};

/* MLflow's canonical spelling of a stage given in any case, or NULL. */
const char *history_stage_canon(const char *s)
{
	for (size_t i = 0; s && i < 4; i++)
		if (strcasecmp(s, stage_names[i]) == 0)
			return stage_names[i];
	return NULL;
}

const char *history_version_stage(const struct model_version *v)
{
	const char *c;

	if (!v->stage || !*v->stage)
		return "None";
	c = history_stage_canon(v->stage);
	return c ? c : v->stage;
}

const struct model_version *history_find_version(
	const struct registered_model *rm, int version)
{
	for (size_t i = 0; i < rm->nversions; i++)
		if (rm->versions[i].version == version)
			return &rm->versions[i];
	return NULL;
}

bool history_in_stage(const struct model_version *v, const char *stage)
{
	return strcasecmp(history_version_stage(v), stage) == 0;
}

/* The highest version in a stage, 0 when none: "the" holder of a stage
 * that several versions may share. */
/* "v7", or "unset" for 0 (an alias nobody holds). */
const char *history_vname(int v, char *buf, size_t n)
{
	if (v > 0)
		snprintf(buf, n, "v%d", v);
	else
		snprintf(buf, n, "unset");
	return buf;
}

/* --- events -------------------------------------------------------------- */

json_t *history_jstr(const char *s)
{
	char *c = history_utf8_clean(s ? s : "", 0);
	json_t *j = json_string(c);

	free(c);
	if (!j)
		die("out of memory");
	return j;
}

char *history_encode(const struct history_event *ev)
{
	json_t *o = json_object();
	char *out;

	json_object_set_new(o, "v", json_integer(1));
	json_object_set_new(o, "time", json_integer(ev->time_ms));
	json_object_set_new(o, "who", history_jstr(ev->who));
	json_object_set_new(o, "action", history_jstr(ev->action));
	json_object_set_new(o, "kind",
			    history_jstr(ev->kind == HK_STAGE ? "stage" : "alias"));
	json_object_set_new(o, "name", history_jstr(ev->name));
	json_object_set_new(o, "from", json_integer(ev->from_version));
	json_object_set_new(o, "to", json_integer(ev->to_version));
	if (ev->kind == HK_STAGE) {
		json_t *a = json_array();

		for (size_t i = 0; i < ev->nmoves; i++) {
			json_t *m = json_object();

			json_object_set_new(m, "version",
					    json_integer(ev->moves[i].version));
			json_object_set_new(m, "from", history_jstr(ev->moves[i].from));
			json_object_set_new(m, "to", history_jstr(ev->moves[i].to));
			json_array_append_new(a, m);
		}
		json_object_set_new(o, "moves", a);
	}
	if (ev->note)
		json_object_set_new(o, "note", history_jstr(ev->note));
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!out)
		die("out of memory");
	return out;
}

static bool get_int(const json_t *o, const char *k, int64_t *v)
{
	json_t *j = json_object_get(o, k);

	if (!json_is_integer(j))
		return false;
	*v = json_integer_value(j);
	return true;
}

/* A version number: an integer in 0..INT_MAX. */
static bool get_version(const json_t *o, const char *k, int *v)
{
	int64_t x;

	if (!get_int(o, k, &x) || x < 0 || x > 0x7fffffff)
		return false;
	*v = (int)x;
	return true;
}

static const char *get_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int history_decode(const char *key, const char *value,
		   struct history_event *ev)
{
	struct history_event e = {0};
	const char *who, *action, *kind, *name;
	json_t *root, *note, *moves;
	int64_t ver;

	memset(ev, 0, sizeof(*ev));
	if (!store_event_seq(key, &e.seq) || !value)
		return -1;
	root = json_loads(value, 0, NULL);
	if (!json_is_object(root))
		goto bad;
	who = get_str(root, "who");
	action = get_str(root, "action");
	kind = get_str(root, "kind");
	name = get_str(root, "name");
	if (!get_int(root, "v", &ver) || ver < 1 ||
	    !get_int(root, "time", &e.time_ms) || !who || !action || !kind ||
	    !name || !get_version(root, "from", &e.from_version) ||
	    !get_version(root, "to", &e.to_version))
		goto bad;
	if (strcmp(kind, "alias") == 0)
		e.kind = HK_ALIAS;
	else if (strcmp(kind, "stage") == 0)
		e.kind = HK_STAGE;
	else
		goto bad;
	note = json_object_get(root, "note");
	if (note && !json_is_null(note) && !json_is_string(note))
		goto bad;
	moves = json_object_get(root, "moves");
	if (e.kind == HK_STAGE) {
		size_t i;
		json_t *m;

		if (!json_is_array(moves))
			goto bad;
		json_array_foreach(moves, i, m) {
			const char *f = get_str(m, "from");
			const char *t = get_str(m, "to");
			int v;

			if (!json_is_object(m) || !f || !t ||
			    !get_version(m, "version", &v))
				goto bad_moves;
			e.moves = xrealloc(e.moves, (e.nmoves + 1) *
					   sizeof(*e.moves));
			e.moves[e.nmoves].version = v;
			e.moves[e.nmoves].from = xstrdup(f);
			e.moves[e.nmoves].to = xstrdup(t);
			e.nmoves++;
		}
	}
	e.who = xstrdup(who);
	e.action = xstrdup(action);
	e.name = xstrdup(name);
	e.note = json_is_string(note) ? xstrdup(json_string_value(note)) : NULL;
	e.interrupted = json_is_true(json_object_get(root, "interrupted"));
	json_decref(root);
	*ev = e;
	return 0;
bad_moves:
	history_event_free(&e);
bad:
	json_decref(root);
	return -1;
}

void history_event_free(struct history_event *ev)
{
	free(ev->who);
	free(ev->action);
	free(ev->name);
	free(ev->note);
	for (size_t i = 0; i < ev->nmoves; i++) {
		free(ev->moves[i].from);
		free(ev->moves[i].to);
	}
	free(ev->moves);
	memset(ev, 0, sizeof(*ev));
}

static int event_cmp(const void *a, const void *b)
{
	const struct history_event *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

size_t history_events(const struct kv_list *tags, struct history_event **out)
{
	struct history_event *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < tags->n; i++) {
		struct history_event ev;

		if (history_decode(tags->v[i].key, tags->v[i].value, &ev) != 0)
			continue;
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n++] = ev;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), event_cmp);
	*out = v;
	return n;
}

void history_events_free(struct history_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		history_event_free(&v[i]);
	free(v);
}

void history_next_keys(const struct kv_list *tags, char **key, char **drop)
{
	store_event_keys(tags, key, drop);
}

/* --- timeline ------------------------------------------------------------ */

struct tl {
	struct holding *v;
	size_t n, cap;
};

static struct holding *tl_add(struct tl *t, bool stage, const char *name,
			      int version, int64_t from_ms)
{
	struct holding *h;

	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
	h = &t->v[t->n++];
	memset(h, 0, sizeof(*h));
	h->stage = stage;
	h->name = xstrdup(name);
	h->version = version;
	h->from_ms = from_ms;
	return h;
}

/* One alias: a span per event that gave it to a version, the last one
 * open while its holder still holds it. The holder before the first
 * event is a span from 0 (before the history); a holder between two
 * events that do not join up, or now when the alias is not what the last
 * event left, was set outside mltop. The time of an outside move is
 * unknown: such a span starts at the event before it, and the span it
 * ends stops there too. */
static void tl_alias(struct tl *t, const struct registered_model *rm,
		     const struct history_event *ev, size_t nev,
		     const char *name)
{
	const struct history_event *last = NULL;
	size_t open = SIZE_MAX;
	int cur;

	for (size_t i = 0; i < nev; i++) {
		const struct history_event *e = &ev[i];

		if (e->kind != HK_ALIAS || strcmp(e->name, name) != 0)
			continue;
		if (!last && e->from_version > 0) {
			struct holding *h = tl_add(t, false, name,
						   e->from_version, 0);

			h->to_ms = e->time_ms;
			h->before = true;
		} else if (last && e->from_version != last->to_version) {
			if (open != SIZE_MAX)
				t->v[open].to_ms = last->time_ms;
			open = SIZE_MAX;
			if (e->from_version > 0) {
				tl_add(t, false, name, e->from_version,
				       last->time_ms)->outside = true;
				open = t->n - 1;
			}
		}
		if (open != SIZE_MAX)
			t->v[open].to_ms = e->time_ms;
		open = SIZE_MAX;
		if (e->to_version > 0) {
			struct holding *h = tl_add(t, false, name,
						   e->to_version, e->time_ms);

			h->who = e->who ? xstrdup(e->who) : NULL;
			h->note = e->note ? xstrdup(e->note) : NULL;
			open = t->n - 1;
		}
		last = e;
	}
	cur = registered_alias(rm, name);
	if (!last) {
		/* Held, but mltop never moved it. */
		if (cur > 0)
			tl_add(t, false, name, cur, 0)->before = true;
		return;
	}
	if (cur == last->to_version)
		return;
	if (open != SIZE_MAX)
		t->v[open].to_ms = last->time_ms;
	tl_add(t, false, name, cur, last->time_ms)->outside = true;
}

static int holding_cmp(const void *a, const void *b)
{
	const struct holding *x = a, *y = b;

	if (x->from_ms != y->from_ms)
		return x->from_ms < y->from_ms ? -1 : 1;
	return (x->version > y->version) - (x->version < y->version);
}

static bool same_stage(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

/* One version's spans in one stage: its recorded moves in and out of it
 * (from events about any stage), what it held before its first recorded
 * move, and a move made outside mltop after its last (at the time MLflow
 * stamped on the version, when that is later). Returns the time it left
 * the stage outside mltop, 0 when it did not. */
static int64_t tl_stage_version(struct tl *t, const struct registered_model *rm,
				const struct history_event *ev, size_t nev,
				const char *stage, int vn, int64_t first_ms)
{
	const struct model_version *mv = history_find_version(rm, vn);
	const char *known = NULL;
	int64_t known_ms = 0, at;
	size_t open = SIZE_MAX;

	for (size_t i = 0; i < nev; i++) {
		const struct history_event *e = &ev[i];

		if (e->kind != HK_STAGE)
			continue;
		for (size_t k = 0; k < e->nmoves; k++) {
			const struct history_move *m = &e->moves[k];

			if (m->version != vn)
				continue;
			if (!known) {
				if (same_stage(m->from, stage)) {
					struct holding *h = tl_add(t, true,
						stage, vn, 0);

					h->to_ms = e->time_ms;
					h->before = true;
				}
			} else if (!same_stage(known, m->from)) {
				/* Moved outside mltop between its two
				 * recorded moves, at a time unknown. */
				if (open != SIZE_MAX)
					t->v[open].to_ms = known_ms;
				open = SIZE_MAX;
				if (same_stage(m->from, stage)) {
					tl_add(t, true, stage, vn, known_ms)
						->outside = true;
					open = t->n - 1;
				}
			}
			if (open != SIZE_MAX)
				t->v[open].to_ms = e->time_ms;
			open = SIZE_MAX;
			if (same_stage(m->to, stage)) {
				struct holding *h = tl_add(t, true, stage, vn,
							   e->time_ms);

				h->who = e->who ? xstrdup(e->who) : NULL;
				h->note = e->note ? xstrdup(e->note) : NULL;
				open = t->n - 1;
			}
			known = m->to;
			known_ms = e->time_ms;
		}
	}
	if (!known) {
		/* Never moved by mltop: there before the history, or put
		 * there outside mltop after it began. */
		if (mv && history_in_stage(mv, stage)) {
			if (first_ms && mv->last_updated_time > first_ms)
				tl_add(t, true, stage, vn,
				       mv->last_updated_time)->outside = true;
			else
				tl_add(t, true, stage, vn, 0)->before = true;
		}
		return 0;
	}
	if (mv && history_in_stage(mv, known))
		return 0;
	at = mv && mv->last_updated_time > known_ms ? mv->last_updated_time
						    : known_ms;
	if (mv && history_in_stage(mv, stage))
		tl_add(t, true, stage, vn, at)->outside = true;
	if (open == SIZE_MAX)
		return 0;
	t->v[open].to_ms = at;
	return at;
}

/* One stage: the spans of every version that held it, by start. */
static void tl_stage(struct tl *t, const struct registered_model *rm,
		     const struct history_event *ev, size_t nev,
		     const char *stage)
{
	int *vs = NULL;
	size_t nv = 0, cap = 0, start = t->n;
	int64_t first_ms = 0, left_ms = 0;
	bool held = false;

	/* Every version the store has, and those the moves name. */
	for (size_t i = 0; i < rm->nversions + nev; i++) {
		size_t nm = i < rm->nversions ? 1 : ev[i - rm->nversions].nmoves;

		if (i >= rm->nversions && ev[i - rm->nversions].kind != HK_STAGE)
			continue;
		if (i >= rm->nversions && !first_ms)
			first_ms = ev[i - rm->nversions].time_ms;
		for (size_t k = 0; k < nm; k++) {
			int vn = i < rm->nversions ? rm->versions[i].version
				 : ev[i - rm->nversions].moves[k].version;
			bool dup = false;

			for (size_t j = 0; j < nv && !dup; j++)
				dup = vs[j] == vn;
			if (dup)
				continue;
			vs = xgrow(vs, &cap, nv + 1, sizeof(*vs));
			vs[nv++] = vn;
		}
	}
	for (size_t j = 0; j < nv; j++) {
		int64_t left = tl_stage_version(t, rm, ev, nev, stage, vs[j],
						first_ms);

		if (left > left_ms)
			left_ms = left;
	}
	free(vs);
	for (size_t i = start; i < t->n; i++)
		held |= t->v[i].to_ms == 0;
	/* Emptied outside mltop: nobody holds it since. */
	if (!held && left_ms)
		tl_add(t, true, stage, 0, left_ms)->outside = true;
	if (t->n - start > 1)
		qsort(t->v + start, t->n - start, sizeof(*t->v), holding_cmp);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t history_timeline(const struct registered_model *rm,
			struct holding **out)
{
	struct history_event *ev;
	size_t nev = history_events(&rm->tags, &ev);
	struct tl t = {0};
	const char **names = NULL;
	size_t nn = 0, cap = 0;

	/* Aliases by name: those the history names and those set now. */
	for (size_t i = 0; i < nev + rm->aliases.n; i++) {
		const char *n;
		bool dup = false;

		if (i < nev && ev[i].kind != HK_ALIAS)
			continue;
		n = i < nev ? ev[i].name : rm->aliases.v[i - nev].key;
		for (size_t j = 0; j < nn && !dup; j++)
			dup = strcmp(names[j], n) == 0;
		if (dup)
			continue;
		names = xgrow(names, &cap, nn + 1, sizeof(*names));
		names[nn++] = n;
	}
	if (nn > 1)
		qsort(names, nn, sizeof(*names), str_cmp);
	for (size_t i = 0; i < nn; i++)
		tl_alias(&t, rm, ev, nev, names[i]);
	/* Stages: the active ones always, the others once moved by mltop. */
	for (size_t s = 0; s < 4; s++) {
		static const char *const order[] = {
			"Production", "Staging", "Archived", "None",
		};
		const char *st = order[s];
		bool any = strcmp(st, "Production") == 0 ||
			   strcmp(st, "Staging") == 0;

		for (size_t i = 0; i < nev && !any; i++)
			any = ev[i].kind == HK_STAGE &&
			      strcasecmp(ev[i].name, st) == 0;
		if (any)
			tl_stage(&t, rm, ev, nev, st);
	}
	free(names);
	history_events_free(ev, nev);
	*out = t.v;
	return t.n;
}

void history_timeline_free(struct holding *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].who);
		free(v[i].note);
	}
	free(v);
}

