/* plan.c: what a promotion or a rollback would change, spelled out, with
 * the store write and the history event it records. */
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
#include "registry/history_priv.h"


static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
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
	char *w = history_utf8_clean(who ? who : "", 200);

	history_next_keys(&rm->tags, &p->event_key, &p->drop_key);
	store_event_seq(p->event_key, &ev->seq);
	ev->time_ms = now_ms;
	ev->who = w;
	ev->note = history_note_cut(note);
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
	to = history_find_version(rm, version);
	if (!to)
		return plan_fail(p, "unknown version %d", version);
	cur = registered_alias(rm, alias);
	if (cur == version)
		return plan_fail(p, "v%d already holds %s", version, alias);
	from = cur ? history_find_version(rm, cur) : NULL;

	p->w.kind = RW_ALIAS;
	p->w.model = xstrdup(rm->name);
	p->w.alias = xstrdup(alias);
	p->w.version = version;
	p->w.expect_alias_version = cur;
	p->summary = xasprintf("alias %s: %s -> v%d", alias,
			       history_vname(cur, a, sizeof(a)), version);
	plan_line(p, "%s", p->summary);
	if (from)
		plan_line(p, "v%d keeps its stage (%s)", cur,
			  history_version_stage(from));
	plan_line(p, "v%d keeps its stage (%s)", version, history_version_stage(to));
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
	const char *canon = history_stage_canon(stage), *was;
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
	to = history_find_version(rm, version);
	if (!to)
		return plan_fail(p, "unknown version %d", version);
	was = history_version_stage(to);
	if (strcmp(was, canon) == 0)
		return plan_fail(p, "v%d is already in %s", version, canon);
	for (size_t i = 0; i < rm->nversions; i++) {
		const struct model_version *v = &rm->versions[i];

		if (v->version == version || !history_in_stage(v, canon))
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

static bool event_is(const struct history_event *e, enum history_kind kind,
		     const char *name)
{
	return e->kind == kind &&
	       (kind == HK_STAGE ? strcasecmp(e->name, name) == 0
				 : strcmp(e->name, name) == 0);
}

/* What a rollback of one alias or stage undoes: its newest move that no
 * rollback has undone yet. Each rollback undoes the newest move before
 * it not undone already, so rolling back again goes one more move back,
 * as undo does (promote again to redo). NULL when there is none; *newest
 * is the newest event of that name (NULL when there is none at all), and
 * *from the index of the one returned. */
static const struct history_event *undo_target(
	const struct history_event *ev, size_t n, enum history_kind kind,
	const char *name, const struct history_event **newest, size_t *from)
{
	size_t pending = 0;

	*newest = NULL;
	for (size_t i = n; i-- > 0;) {
		if (!event_is(&ev[i], kind, name))
			continue;
		if (!*newest)
			*newest = &ev[i];
		if (strcmp(ev[i].action, "rollback") == 0) {
			pending++;
			continue;
		}
		if (pending) {
			pending--;
			continue;
		}
		*from = i;
		return &ev[i];
	}
	return NULL;
}

/* The refusal when every move is undone already, or there is none. */
static void no_target(struct plan *p, const struct history_event *newest,
		      const char *name)
{
	if (newest)
		plan_fail(p, "every recorded move of %s is rolled back "
			  "already; nothing earlier to roll back to", name);
	else
		plan_fail(p, "no earlier holder of %s in the history", name);
}

static void undoes_line(struct plan *p, const struct history_event *e,
			const struct history_event *newest)
{
	char t[40];

	format_time(e->time_ms, t, sizeof(t));
	plan_line(p, "undoes the %s of %s by %s", e->action, t, e->who);
	if (newest != e) {
		format_time(newest->time_ms, t, sizeof(t));
		plan_line(p, "(the moves after it were rolled back already, "
			  "the last at %s: this goes one move further back)",
			  t);
	}
}

int plan_rollback_alias(const struct registered_model *rm, const char *alias,
			const char *who, const char *note, int64_t now_ms,
			struct plan *p)
{
	struct history_event *evs, ev = {0};
	size_t nev = history_events(&rm->tags, &evs);
	const struct history_event *last, *newest;
	const struct model_version *tv;
	char a[24], b[24];
	size_t at = 0;
	int cur, target;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	last = undo_target(evs, nev, HK_ALIAS, alias ? alias : "", &newest,
			   &at);
	cur = registered_alias(rm, alias);
	if (newest && cur != newest->to_version) {
		plan_fail(p, "%s was moved outside mltop since the last "
			  "recorded move (now %s); nothing to roll back to "
			  "safely", alias, history_vname(cur, a, sizeof(a)));
		goto out;
	}
	if (!last) {
		no_target(p, newest, alias ? alias : "");
		goto out;
	}
	if (cur != last->to_version) {
		plan_fail(p, "%s was moved outside mltop between the moves "
			  "a rollback would undo (%s held it after the move "
			  "it would undo, %s now); nothing to roll back to "
			  "safely", alias,
			  history_vname(last->to_version, a, sizeof(a)),
			  history_vname(cur, b, sizeof(b)));
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
		tv = history_find_version(rm, target);
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
			       history_vname(cur, a, sizeof(a)),
			       history_vname(target, b, sizeof(b)),
			       target ? "" : " (deleted)");
	plan_line(p, "%s", p->summary);
	undoes_line(p, last, newest);
	if (cur && history_find_version(rm, cur))
		plan_line(p, "v%d keeps its stage (%s)", cur,
			  history_version_stage(history_find_version(rm, cur)));
	if (tv)
		plan_line(p, "v%d keeps its stage (%s)", target,
			  history_version_stage(tv));
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

/* Did a version the stage's moves from evs[from] on name leave where
 * the last of them put it? Then say so in p. */
static bool chain_moved_outside(struct plan *p,
				const struct registered_model *rm,
				const struct history_event *evs, size_t nev,
				const char *canon, size_t from)
{
	for (size_t e = from; e < nev; e++) {
		for (size_t k = 0; event_is(&evs[e], HK_STAGE, canon) &&
				   k < evs[e].nmoves; k++) {
			const struct history_move *m = &evs[e].moves[k];
			const struct model_version *v;
			bool later = false;

			for (size_t f = e + 1; f < nev && !later; f++)
				for (size_t j = 0; event_is(&evs[f], HK_STAGE,
							    canon) &&
						   j < evs[f].nmoves; j++)
					later |= evs[f].moves[j].version ==
						 m->version;
			v = later ? NULL : history_find_version(rm, m->version);
			if (v && !history_in_stage(v, m->to)) {
				plan_fail(p, "%s was moved outside mltop since "
					  "the last recorded move (v%d is now "
					  "%s); nothing to roll back to safely",
					  canon, m->version,
					  history_version_stage(v));
				return true;
			}
		}
	}
	return false;
}

int plan_rollback_stage(const struct registered_model *rm, const char *stage,
			const char *who, const char *note, int64_t now_ms,
			struct plan *p)
{
	enum { MAXM = sizeof(p->moves) / sizeof(p->moves[0]) };
	struct history_event *evs, ev = {0};
	size_t nev = history_events(&rm->tags, &evs);
	const struct history_event *last, *newest;
	size_t at = 0;
	const char *canon = history_stage_canon(stage);
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
	last = undo_target(evs, nev, HK_STAGE, canon, &newest, &at);
	if (!last && chain_moved_outside(p, rm, evs, nev, canon, 0))
		goto out;
	if (!last) {
		no_target(p, newest, canon);
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
		const struct model_version *v = history_find_version(rm, m->version);

		if (!v) {
			plan_fail(p, "%s was moved outside mltop since the last "
				  "recorded move (v%d no longer exists); "
				  "nothing to roll back to safely", canon,
				  m->version);
			goto out;
		}
		if (!history_in_stage(v, m->to)) {
			plan_fail(p, "%s was moved outside mltop since the last "
				  "recorded move (v%d is now %s); nothing to "
				  "roll back to safely", canon, m->version,
				  history_version_stage(v));
			goto out;
		}
		if (!history_stage_canon(m->from) || !history_stage_canon(m->to)) {
			plan_fail(p, "the last move of %s names an unknown "
				  "stage", canon);
			goto out;
		}
	}
	/* The moves since, rolled back already, must have left each version
	 * they name where they put it last. */
	if (chain_moved_outside(p, rm, evs, nev, canon, at + 1))
		goto out;
	/* A version that joined the stage after the event (MLflow stamps
	 * last_updated_time on every transition) was put there outside
	 * mltop: undoing the event would leave it there, a state that never
	 * was. Refuse, as for an alias moved since. Versions the moves since
	 * (rolled back already) name were stamped by mltop. */
	for (size_t i = 0; i < rm->nversions; i++) {
		const struct model_version *v = &rm->versions[i];
		bool listed = false;

		for (size_t e = at; e < nev; e++)
			for (size_t k = 0; event_is(&evs[e], HK_STAGE, canon) &&
					   k < evs[e].nmoves; k++)
				listed |= evs[e].moves[k].version == v->version;
		if (!listed && history_in_stage(v, canon) &&
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
				m->version, (char *)history_stage_canon(m->to),
				(char *)history_stage_canon(m->from)};
		}
	}
	p->w.kind = RW_STAGE;
	p->w.model = xstrdup(rm->name);
	for (size_t i = 0; i < nundo; i++)
		plan_move(p, undo[i].version, undo[i].to, undo[i].from);
	p->summary = xasprintf("stage %s: %s -> %s (rollback)", canon,
			       last->to_version ? history_vname(last->to_version, a,
								sizeof(a)) : "none",
			       last->from_version ? history_vname(last->from_version,
								  b, sizeof(b))
						  : "none");
	for (size_t i = 0; i < nundo; i++)
		plan_line(p, "v%d: %s -> %s", undo[i].version, undo[i].from,
			  undo[i].to);
	undoes_line(p, last, newest);
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

