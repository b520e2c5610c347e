/* history.c: promotion history kept as registered-model tags, the
 * timeline built from it, plans for promotions and rollbacks, the audit log. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdarg.h>
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

/* --- text ---------------------------------------------------------------- */

/* A copy of s that is valid UTF-8 (bad bytes become U+FFFD), cut at a
 * character boundary so it is at most max bytes (max 0: no limit).
 * jansson refuses invalid UTF-8, and a note or a user name comes from
 * argv or the environment. */
static char *utf8_clean(const char *s, size_t max)
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
static char *note_cut(const char *note)
{
	if (!note || !*note)
		return NULL;
	return utf8_clean(note, HISTORY_NOTE_MAX);
}

static const char *const stage_names[] = {
	"None", "Staging", "Production", "Archived",
};

/* MLflow's canonical spelling of a stage given in any case, or NULL. */
static const char *stage_canon(const char *s)
{
	for (size_t i = 0; s && i < 4; i++)
		if (strcasecmp(s, stage_names[i]) == 0)
			return stage_names[i];
	return NULL;
}

static const char *version_stage(const struct model_version *v)
{
	const char *c;

	if (!v->stage || !*v->stage)
		return "None";
	c = stage_canon(v->stage);
	return c ? c : v->stage;
}

static const struct model_version *find_version(
	const struct registered_model *rm, int version)
{
	for (size_t i = 0; i < rm->nversions; i++)
		if (rm->versions[i].version == version)
			return &rm->versions[i];
	return NULL;
}

static bool in_stage(const struct model_version *v, const char *stage)
{
	return strcasecmp(version_stage(v), stage) == 0;
}

/* The highest version in a stage, 0 when none: "the" holder of a stage
 * that several versions may share. */
static int stage_holder(const struct registered_model *rm, const char *stage)
{
	int best = 0;

	for (size_t i = 0; i < rm->nversions; i++)
		if (in_stage(&rm->versions[i], stage) &&
		    rm->versions[i].version > best)
			best = rm->versions[i].version;
	return best;
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* "v7", or "unset" for 0 (an alias nobody holds). */
static const char *vname(int v, char *buf, size_t n)
{
	if (v > 0)
		snprintf(buf, n, "v%d", v);
	else
		snprintf(buf, n, "unset");
	return buf;
}

/* --- events -------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
	char *c = utf8_clean(s ? s : "", 0);
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
	json_object_set_new(o, "who", jstr(ev->who));
	json_object_set_new(o, "action", jstr(ev->action));
	json_object_set_new(o, "kind",
			    jstr(ev->kind == HK_STAGE ? "stage" : "alias"));
	json_object_set_new(o, "name", jstr(ev->name));
	json_object_set_new(o, "from", json_integer(ev->from_version));
	json_object_set_new(o, "to", json_integer(ev->to_version));
	if (ev->kind == HK_STAGE) {
		json_t *a = json_array();

		for (size_t i = 0; i < ev->nmoves; i++) {
			json_t *m = json_object();

			json_object_set_new(m, "version",
					    json_integer(ev->moves[i].version));
			json_object_set_new(m, "from", jstr(ev->moves[i].from));
			json_object_set_new(m, "to", jstr(ev->moves[i].to));
			json_array_append_new(a, m);
		}
		json_object_set_new(o, "moves", a);
	}
	if (ev->note)
		json_object_set_new(o, "note", jstr(ev->note));
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

/* Did the stage event's moves all stick? */
static bool stage_result_holds(const struct registered_model *rm,
			       const struct history_event *ev)
{
	for (size_t i = 0; i < ev->nmoves; i++) {
		const struct model_version *v =
			find_version(rm, ev->moves[i].version);

		if (!v || !in_stage(v, ev->moves[i].to))
			return false;
	}
	return true;
}

/* One alias or stage: a span per event that gave it to a version, the
 * last one open while its holder still holds it. Holders mltop did not
 * set are spans marked outside: the one before the first event (from 0,
 * unknown), one between two alias events that do not join up, and the
 * current holder when the state is not what the last event left. The
 * time of an outside move is unknown: such a span starts at the event
 * before it, and the span it ends stops there too. */
static void tl_build(struct tl *t, const struct registered_model *rm,
		     const struct history_event *ev, size_t nev, bool stage,
		     const char *name)
{
	const struct history_event *last = NULL;
	struct holding *open = NULL;
	bool holds;
	int cur;

	for (size_t i = 0; i < nev; i++) {
		const struct history_event *e = &ev[i];

		if ((e->kind == HK_STAGE) != stage ||
		    (stage ? strcasecmp(e->name, name) : strcmp(e->name, name)))
			continue;
		if (!last && e->from_version > 0) {
			/* Its holder before the history began. */
			struct holding *h = tl_add(t, stage, name,
						   e->from_version, 0);

			h->to_ms = e->time_ms;
			h->outside = true;
		} else if (last && !stage &&
			   e->from_version != last->to_version) {
			/* Moved outside mltop between two events. A stage
			 * cannot tell: several versions share one. */
			if (open)
				open->to_ms = last->time_ms;
			open = NULL;
			if (e->from_version > 0) {
				struct holding *h = tl_add(t, stage, name,
							   e->from_version,
							   last->time_ms);

				h->outside = true;
				open = h;
			}
		}
		if (open)
			open->to_ms = e->time_ms;
		open = NULL;
		if (e->to_version > 0) {
			open = tl_add(t, stage, name, e->to_version,
				      e->time_ms);
			open->who = e->who ? xstrdup(e->who) : NULL;
			open->note = e->note ? xstrdup(e->note) : NULL;
		}
		last = e;
	}
	cur = stage ? stage_holder(rm, name) : registered_alias(rm, name);
	if (!last) {
		/* Held, but mltop never moved it: set outside, time unknown. */
		if (cur > 0)
			tl_add(t, stage, name, cur, 0)->outside = true;
		return;
	}
	/* Versions that joined the stage after the last event (MLflow stamps
	 * every transition) came in outside mltop; they hold it too. */
	if (stage) {
		for (size_t i = 0; i < rm->nversions; i++) {
			const struct model_version *v = &rm->versions[i];
			bool listed = false;

			for (size_t k = 0; k < last->nmoves; k++)
				listed |= last->moves[k].version == v->version;
			if (!listed && in_stage(v, name) &&
			    v->last_updated_time > last->time_ms)
				tl_add(t, stage, name, v->version,
				       v->last_updated_time)->outside = true;
		}
	}
	/* A stage event that left it empty holds while nobody is there. */
	if (stage)
		holds = stage_result_holds(rm, last) &&
			(last->to_version == 0) == (cur == 0);
	else
		holds = cur == last->to_version;
	if (holds)
		return;
	if (open)
		open->to_ms = last->time_ms;
	tl_add(t, stage, name, cur, last->time_ms)->outside = true;
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
		tl_build(&t, rm, ev, nev, false, names[i]);
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
			tl_build(&t, rm, ev, nev, true, st);
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

/* --- plans --------------------------------------------------------------- */

static void plan_clear(struct plan *p)
{
	free((char *)p->w.model);
	free((char *)p->w.alias);
	for (size_t i = 0; i < p->w.nmoves; i++) {
		free((char *)p->moves[i].stage);
		free((char *)p->moves[i].expect_stage);
	}
	free(p->summary);
	for (size_t i = 0; i < p->nlines; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->event_key);
	free(p->event_value);
	free(p->drop_key);
	free(p->error);
	memset(p, 0, sizeof(*p));
}

void plan_free(struct plan *p)
{
	plan_clear(p);
}

static int plan_fail(struct plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int plan_fail(struct plan *p, const char *fmt, ...)
{
	va_list ap;

	plan_clear(p);
	va_start(ap, fmt);
	p->error = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

static void plan_line(struct plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void plan_line(struct plan *p, const char *fmt, ...)
{
	va_list ap;

	p->lines = xrealloc(p->lines, (p->nlines + 1) * sizeof(*p->lines));
	va_start(ap, fmt);
	p->lines[p->nlines++] = xvasprintf(fmt, ap);
	va_end(ap);
}

static void plan_move(struct plan *p, int version, const char *stage,
		      const char *expect)
{
	struct stage_move *m = &p->moves[p->w.nmoves++];

	m->version = version;
	m->stage = xstrdup(stage);
	m->expect_stage = xstrdup(expect);
	p->w.moves = p->moves;
}

/* Stamp, encode and attach the event; takes the who and note raw. */
static void plan_event(struct plan *p, const struct registered_model *rm,
		       struct history_event *ev, const char *who,
		       const char *note, int64_t now_ms)
{
	char *w = utf8_clean(who ? who : "", 200);

	history_next_keys(&rm->tags, &p->event_key, &p->drop_key);
	store_event_seq(p->event_key, &ev->seq);
	ev->time_ms = now_ms;
	ev->who = w;
	ev->note = note_cut(note);
	p->event_value = history_encode(ev);
	free(ev->note);
	free(w);
	ev->who = ev->note = NULL;
	p->w.event_key = p->event_key;
	p->w.event_value = p->event_value;
	p->w.drop_key = p->drop_key;
}

/* MLflow's rules for alias names (set_registered_model_alias). */
static const char *alias_invalid(const char *alias)
{
	const char *c;

	if (!alias || !*alias)
		return "Registered model alias name cannot be empty.";
	for (c = alias; *c; c++) {
		unsigned char u = (unsigned char)*c;

		/* \w in Python matches Unicode letters too: let the
		 * store judge bytes past ASCII. */
		if (u < 0x80 && !(u == '_' || u == '-' ||
				  (u >= '0' && u <= '9') ||
				  (u >= 'a' && u <= 'z') ||
				  (u >= 'A' && u <= 'Z')))
			return "Names may only contain alphanumerics, "
			       "underscores (_), and dashes (-).";
	}
	if (strlen(alias) > 255)
		return "alias names are at most 255 characters";
	if (strcasecmp(alias, "latest") == 0)
		return "'latest' alias name (case insensitive) is reserved.";
	if ((alias[0] == 'v' || alias[0] == 'V') && alias[1] &&
	    strspn(alias + 1, "0123456789") == strlen(alias + 1))
		return "version alias names (v1, v2, ...) are reserved.";
	return NULL;
}

static void other_aliases(struct plan *p, const struct registered_model *rm,
			  const char *alias)
{
	char *s = NULL;

	for (size_t i = 0; i < rm->aliases.n; i++) {
		const char *k = rm->aliases.v[i].key;
		char *t;

		if (strcmp(k, alias) == 0)
			continue;
		t = xasprintf("%s%s%s -> v%d", s ? s : "", s ? ", " : "", k,
			      registered_alias(rm, k));
		free(s);
		s = t;
	}
	if (s)
		plan_line(p, "other aliases untouched: %s", s);
	else
		plan_line(p, "no other aliases");
	free(s);
}

int plan_alias(const struct registered_model *rm, const char *alias,
	       int version, const char *who, const char *note,
	       int64_t now_ms, struct plan *p)
{
	struct history_event ev = {0};
	const struct model_version *to, *from;
	const char *bad = alias_invalid(alias);
	char a[24];
	int cur;

	memset(p, 0, sizeof(*p));
	if (bad)
		return plan_fail(p, "invalid alias '%s': %s",
				 alias ? alias : "", bad);
	if (!rm->versions_loaded)
		return plan_fail(p, "the versions of %s are not loaded",
				 rm->name);
	to = find_version(rm, version);
	if (!to)
		return plan_fail(p, "unknown version %d", version);
	cur = registered_alias(rm, alias);
	if (cur == version)
		return plan_fail(p, "v%d already holds %s", version, alias);
	from = cur ? find_version(rm, cur) : NULL;

	p->w.kind = RW_ALIAS;
	p->w.model = xstrdup(rm->name);
	p->w.alias = xstrdup(alias);
	p->w.version = version;
	p->w.expect_alias_version = cur;
	p->summary = xasprintf("alias %s: %s -> v%d", alias,
			       vname(cur, a, sizeof(a)), version);
	plan_line(p, "%s", p->summary);
	if (from)
		plan_line(p, "v%d keeps its stage (%s)", cur,
			  version_stage(from));
	plan_line(p, "v%d keeps its stage (%s)", version, version_stage(to));
	other_aliases(p, rm, alias);

	ev.action = (char *)"promote";
	ev.kind = HK_ALIAS;
	ev.name = (char *)alias;
	ev.from_version = cur;
	ev.to_version = version;
	plan_event(p, rm, &ev, who, note, now_ms);
	return 0;
}

int plan_stage(const struct registered_model *rm, const char *stage,
	       int version, bool archive_existing, const char *who,
	       const char *note, int64_t now_ms, struct plan *p)
{
	struct history_event ev = {0};
	const struct model_version *to;
	const char *canon = stage_canon(stage), *was;
	int held[64];
	size_t nheld = 0;
	int from = 0;

	memset(p, 0, sizeof(*p));
	if (!canon)
		return plan_fail(p, "Invalid Model Version stage: %s. Value "
				 "must be one of None, Staging, Production, "
				 "Archived.", stage ? stage : "");
	if (archive_existing && strcmp(canon, "Staging") != 0 &&
	    strcmp(canon, "Production") != 0)
		return plan_fail(p, "Model version transition cannot archive "
				 "existing model versions because '%s' is not "
				 "an Active stage. Valid stages are "
				 "['Staging', 'Production']", stage);
	if (!rm->versions_loaded)
		return plan_fail(p, "the versions of %s are not loaded",
				 rm->name);
	to = find_version(rm, version);
	if (!to)
		return plan_fail(p, "unknown version %d", version);
	was = version_stage(to);
	if (strcmp(was, canon) == 0)
		return plan_fail(p, "v%d is already in %s", version, canon);
	for (size_t i = 0; i < rm->nversions; i++) {
		const struct model_version *v = &rm->versions[i];

		if (v->version == version || !in_stage(v, canon))
			continue;
		if (nheld == sizeof(held) / sizeof(held[0]))
			return plan_fail(p, "more than %zu versions are in %s; "
					 "mltop cannot check them all",
					 nheld, canon);
		held[nheld++] = v->version;
	}
	if (nheld > 1)
		qsort(held, nheld, sizeof(*held), int_cmp);
	from = nheld ? held[nheld - 1] : 0;

	p->w.kind = RW_STAGE;
	p->w.model = xstrdup(rm->name);
	p->w.archive_existing = archive_existing;
	plan_move(p, version, canon, was);
	if (archive_existing) {
		memcpy(p->expect_in_stage, held, nheld * sizeof(*held));
		p->w.expect_in_stage = p->expect_in_stage;
		p->w.nexpect_in_stage = nheld;
	}
	p->summary = xasprintf("v%d: %s -> %s%s", version, was, canon,
			       archive_existing && nheld ?
			       ", archiving the others there" : "");
	plan_line(p, "v%d: %s -> %s", version, was, canon);

	ev.moves = xcalloc(nheld + 1, sizeof(*ev.moves));
	ev.moves[0] = (struct history_move){version, (char *)was,
					    (char *)canon};
	ev.nmoves = 1;
	for (size_t i = 0; i < nheld; i++) {
		if (archive_existing) {
			plan_line(p, "v%d: %s -> Archived (archive existing)",
				  held[i], canon);
			ev.moves[ev.nmoves++] = (struct history_move){
				held[i], (char *)canon, (char *)"Archived"};
		} else {
			plan_line(p, "v%d stays in %s", held[i], canon);
		}
	}
	plan_line(p, "aliases untouched");

	ev.action = (char *)"promote";
	ev.kind = HK_STAGE;
	ev.name = (char *)canon;
	ev.from_version = from;
	ev.to_version = version;
	plan_event(p, rm, &ev, who, note, now_ms);
	free(ev.moves);
	return 0;
}

/* The last event for one alias or stage, or NULL. */
static const struct history_event *last_event(const struct history_event *ev,
					      size_t n, enum history_kind kind,
					      const char *name)
{
	for (size_t i = n; i-- > 0;) {
		if (ev[i].kind != kind)
			continue;
		if (kind == HK_STAGE ? strcasecmp(ev[i].name, name) == 0
				     : strcmp(ev[i].name, name) == 0)
			return &ev[i];
	}
	return NULL;
}

static void undoes_line(struct plan *p, const struct history_event *e)
{
	char t[40];

	format_time(e->time_ms, t, sizeof(t));
	plan_line(p, "undoes the %s of %s by %s", e->action, t, e->who);
}

int plan_rollback_alias(const struct registered_model *rm, const char *alias,
			const char *who, const char *note, int64_t now_ms,
			struct plan *p)
{
	struct history_event *evs, ev = {0};
	size_t nev = history_events(&rm->tags, &evs);
	const struct history_event *last;
	const struct model_version *tv;
	char a[24], b[24];
	int cur, target;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	last = last_event(evs, nev, HK_ALIAS, alias ? alias : "");
	if (!last) {
		plan_fail(p, "no earlier holder of %s in the history",
			  alias ? alias : "");
		goto out;
	}
	cur = registered_alias(rm, alias);
	if (cur != last->to_version) {
		plan_fail(p, "%s was moved outside mltop since the last "
			  "recorded move (now %s); nothing to roll back to "
			  "safely", alias, vname(cur, a, sizeof(a)));
		goto out;
	}
	target = last->from_version;
	tv = NULL;
	if (target) {
		if (!rm->versions_loaded) {
			plan_fail(p, "the versions of %s are not loaded",
				  rm->name);
			goto out;
		}
		tv = find_version(rm, target);
		if (!tv) {
			plan_fail(p, "v%d no longer exists; nothing to roll "
				  "back to", target);
			goto out;
		}
	}
	p->w.kind = RW_ALIAS;
	p->w.model = xstrdup(rm->name);
	p->w.alias = xstrdup(alias);
	p->w.version = target;
	p->w.expect_alias_version = cur;
	p->summary = xasprintf("alias %s: %s -> %s%s", alias,
			       vname(cur, a, sizeof(a)),
			       vname(target, b, sizeof(b)),
			       target ? "" : " (deleted)");
	plan_line(p, "%s", p->summary);
	undoes_line(p, last);
	if (cur && find_version(rm, cur))
		plan_line(p, "v%d keeps its stage (%s)", cur,
			  version_stage(find_version(rm, cur)));
	if (tv)
		plan_line(p, "v%d keeps its stage (%s)", target,
			  version_stage(tv));
	other_aliases(p, rm, alias);

	ev.action = (char *)"rollback";
	ev.kind = HK_ALIAS;
	ev.name = (char *)alias;
	ev.from_version = cur;
	ev.to_version = target;
	plan_event(p, rm, &ev, who, note, now_ms);
	rc = 0;
out:
	history_events_free(evs, nev);
	return rc;
}

int plan_rollback_stage(const struct registered_model *rm, const char *stage,
			const char *who, const char *note, int64_t now_ms,
			struct plan *p)
{
	enum { MAXM = sizeof(p->moves) / sizeof(p->moves[0]) };
	struct history_event *evs, ev = {0};
	size_t nev = history_events(&rm->tags, &evs);
	const struct history_event *last;
	const char *canon = stage_canon(stage);
	struct history_move undo[MAXM];
	size_t nundo = 0;
	char a[24], b[24];
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (!canon) {
		plan_fail(p, "Invalid Model Version stage: %s. Value must be "
			  "one of None, Staging, Production, Archived.",
			  stage ? stage : "");
		goto out;
	}
	if (!rm->versions_loaded) {
		plan_fail(p, "the versions of %s are not loaded", rm->name);
		goto out;
	}
	last = last_event(evs, nev, HK_STAGE, canon);
	if (!last) {
		plan_fail(p, "no earlier holder of %s in the history", canon);
		goto out;
	}
	if (last->nmoves == 0 || last->nmoves > MAXM) {
		plan_fail(p, "the last move of %s changed %zu versions; mltop "
			  "rolls back 1 to %d", canon, last->nmoves,
			  (int)MAXM);
		goto out;
	}
	for (size_t i = 0; i < last->nmoves; i++) {
		const struct history_move *m = &last->moves[i];
		const struct model_version *v = find_version(rm, m->version);

		if (!v) {
			plan_fail(p, "%s was moved outside mltop since the last "
				  "recorded move (v%d no longer exists); "
				  "nothing to roll back to safely", canon,
				  m->version);
			goto out;
		}
		if (!in_stage(v, m->to)) {
			plan_fail(p, "%s was moved outside mltop since the last "
				  "recorded move (v%d is now %s); nothing to "
				  "roll back to safely", canon, m->version,
				  version_stage(v));
			goto out;
		}
		if (!stage_canon(m->from) || !stage_canon(m->to)) {
			plan_fail(p, "the last move of %s names an unknown "
				  "stage", canon);
			goto out;
		}
	}
	/* A version that joined the stage after the event (MLflow stamps
	 * last_updated_time on every transition) was put there outside
	 * mltop: undoing the event would leave it there, a state that never
	 * was. Refuse, as for an alias moved since. */
	for (size_t i = 0; i < rm->nversions; i++) {
		const struct model_version *v = &rm->versions[i];
		bool listed = false;

		for (size_t k = 0; k < last->nmoves; k++)
			listed |= last->moves[k].version == v->version;
		if (!listed && in_stage(v, canon) &&
		    v->last_updated_time > last->time_ms) {
			plan_fail(p, "%s was moved outside mltop since the last "
				  "recorded move (v%d joined it); nothing to "
				  "roll back to safely", canon, v->version);
			goto out;
		}
	}
	/* Versions going back into the stage first, then those leaving it:
	 * on a server, where each move is its own call, a failure half way
	 * leaves the stage held (by both) rather than empty. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < last->nmoves; i++) {
			const struct history_move *m = &last->moves[i];
			bool into = strcasecmp(m->from, canon) == 0;

			if (into != (pass == 0))
				continue;
			undo[nundo++] = (struct history_move){
				m->version, (char *)stage_canon(m->to),
				(char *)stage_canon(m->from)};
		}
	}
	p->w.kind = RW_STAGE;
	p->w.model = xstrdup(rm->name);
	for (size_t i = 0; i < nundo; i++)
		plan_move(p, undo[i].version, undo[i].to, undo[i].from);
	p->summary = xasprintf("stage %s: %s -> %s (rollback)", canon,
			       last->to_version ? vname(last->to_version, a,
							sizeof(a)) : "none",
			       last->from_version ? vname(last->from_version,
							  b, sizeof(b))
						  : "none");
	for (size_t i = 0; i < nundo; i++)
		plan_line(p, "v%d: %s -> %s", undo[i].version, undo[i].from,
			  undo[i].to);
	undoes_line(p, last);
	plan_line(p, "aliases untouched");

	ev.action = (char *)"rollback";
	ev.kind = HK_STAGE;
	ev.name = (char *)canon;
	ev.from_version = last->to_version;
	ev.to_version = last->from_version;
	ev.moves = undo;
	ev.nmoves = nundo;
	plan_event(p, rm, &ev, who, note, now_ms);
	rc = 0;
out:
	history_events_free(evs, nev);
	return rc;
}

/* --- who, and the audit log ---------------------------------------------- */

char *history_who(void)
{
	const char *user = getenv("USER");
	char host[256];

	if (!user || !*user) {
		struct passwd *pw = getpwuid(getuid());

		user = pw && pw->pw_name ? pw->pw_name : NULL;
	}
	if (gethostname(host, sizeof(host)) != 0 || !*host)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (!user)
		return xasprintf("uid%ld@%s", (long)getuid(), host);
	return xasprintf("%s@%s", user, host);
}

/* mkdir -p, each new directory 0700 (XDG's rule for its directories). */
static int mkdirs(const char *path, char **err)
{
	char *p = xstrdup(path);

	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		{
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				*err = xasprintf("cannot create %s: %s", p,
						 strerror(errno));
				free(p);
				return -1;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}

static char *audit_dir(char **err)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	/* XDG: a relative path is invalid and is ignored. */
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/mltop", xdg);
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home) {
		*err = xstrdup("no home directory for the audit log");
		return NULL;
	}
	return xasprintf("%s/.local/state/mltop", home);
}

int audit_append(const char *store, const char *model, const char *event_json,
		 const char *result, char **err)
{
	char *dir, *path = NULL, *line = NULL;
	json_t *o, *ev;
	size_t len, off = 0;
	int fd = -1, rc = -1;

	*err = NULL;
	dir = audit_dir(err);
	if (!dir)
		return -1;
	if (mkdirs(dir, err) != 0)
		goto out;
	path = xasprintf("%s/audit.log", dir);
	ev = event_json ? json_loads(event_json, 0, NULL) : NULL;
	if (!ev)
		ev = event_json ? jstr(event_json) : json_null();
	o = json_object();
	json_object_set_new(o, "time", json_integer(clock_now_ms()));
	json_object_set_new(o, "store", jstr(store));
	json_object_set_new(o, "model", jstr(model));
	json_object_set_new(o, "event", ev);
	json_object_set_new(o, "result", jstr(result));
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!line)
		die("out of memory");
	len = strlen(line);
	line = xrealloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	/* One write: O_APPEND keeps lines of concurrent mltops whole. */
	while (off < len) {
		ssize_t k = write(fd, line + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			*err = xasprintf("cannot write %s: %s", path,
					 strerror(errno));
			goto out;
		}
		off += (size_t)k;
	}
	if (fsync(fd) != 0) {
		*err = xasprintf("cannot sync %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		*err = xasprintf("cannot close %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	free(path);
	free(dir);
	return rc;
}
