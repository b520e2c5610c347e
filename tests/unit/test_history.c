/* test_history.c: unit tests for the promotion history, timelines, plans
 * and the audit log, over registered models built by hand. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "registry/history.h"
#include "tap.h"

#define T0 1795759049142LL

static void kv_del(struct kv_list *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, key) != 0)
			continue;
		free(l->v[i].key);
		free(l->v[i].value);
		memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
		l->n--;
		return;
	}
}

static void set_alias(struct registered_model *rm, const char *a, int v)
{
	char b[16];

	if (!v) {
		kv_del(&rm->aliases, a);
		return;
	}
	snprintf(b, sizeof(b), "%d", v);
	kv_list_set(&rm->aliases, a, b);
}

static void set_stage(struct registered_model *rm, int v, const char *st)
{
	set_str(&registered_version(rm, v)->stage, st);
}

/* churn: v3 Archived, v5 Production, v7 Production, v8 None, v9 Staging;
 * champion -> 7, challenger -> 9; one unrelated tag. */
static struct registered_model *build(struct model *m)
{
	struct registered_model *rm;
	static const struct { int v; const char *st; } vs[] = {
		{3, "Archived"}, {5, "Production"}, {7, "Production"},
		{8, "None"}, {9, "Staging"},
	};

	model_init(m);
	rm = model_registered_upsert(m, "churn");
	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		struct model_version *v = registered_version_upsert(rm, vs[i].v);

		set_str(&v->stage, vs[i].st);
		set_str(&v->status, "READY");
	}
	rm->versions_loaded = true;
	set_alias(rm, "champion", 7);
	set_alias(rm, "challenger", 9);
	kv_list_set(&rm->tags, "team", "risk");
	return rm;
}

/* What a store does with a plan's write (the store's own tests check the
 * real thing; this lets plans chain here). */
static void apply(struct registered_model *rm, const struct plan *p)
{
	const struct registry_write *w = &p->w;

	if (w->kind == RW_ALIAS) {
		set_alias(rm, w->alias, w->version);
	} else {
		for (size_t i = 0; i < w->nmoves; i++) {
			if (w->archive_existing) {
				for (size_t k = 0; k < rm->nversions; k++) {
					struct model_version *v =
						&rm->versions[k];

					if (v->version != w->moves[i].version &&
					    strcmp(v->stage,
						   w->moves[i].stage) == 0)
						set_str(&v->stage, "Archived");
				}
			}
			set_stage(rm, w->moves[i].version, w->moves[i].stage);
		}
	}
	kv_list_set(&rm->tags, w->event_key, w->event_value);
	if (w->drop_key)
		kv_del(&rm->tags, w->drop_key);
}

static size_t count_events(const struct registered_model *rm)
{
	struct history_event *ev;
	size_t n = history_events(&rm->tags, &ev);

	history_events_free(ev, n);
	return n;
}

/* --- events -------------------------------------------------------------- */

static void test_encode_decode(void)
{
	struct history_move mv[2] = {
		{9, (char *)"Staging", (char *)"Production"},
		{7, (char *)"Production", (char *)"Archived"},
	};
	struct history_event ev = {
		.seq = 42, .time_ms = T0, .who = (char *)"user@box",
		.action = (char *)"promote", .kind = HK_ALIAS,
		.name = (char *)"champion", .from_version = 7, .to_version = 9,
		.note = (char *)"better recall, \"quoted\" \xc3\xa9",
	};
	struct history_event d;
	char *s;

	s = history_encode(&ev);
	is_str(s, "{\"v\":1,\"time\":1795759049142,\"who\":\"user@box\","
	       "\"action\":\"promote\",\"kind\":\"alias\",\"name\":\"champion\","
	       "\"from\":7,\"to\":9,\"note\":\"better recall, \\\"quoted\\\" "
	       "\xc3\xa9\"}", "alias event: exact compact JSON, keys in order");
	ok(history_decode("mltop.history.000042", s, &d) == 0, "decodes");
	is_int(d.seq, 42, "seq from the key");
	is_int(d.time_ms, T0, "time");
	is_str(d.who, "user@box", "who");
	is_str(d.action, "promote", "action");
	is_int(d.kind, HK_ALIAS, "kind");
	is_str(d.name, "champion", "name");
	is_int(d.from_version, 7, "from");
	is_int(d.to_version, 9, "to");
	is_str(d.note, ev.note, "note round-trips");
	is_int(d.nmoves, 0, "no moves");
	history_event_free(&d);
	free(s);

	ev.note = NULL;
	s = history_encode(&ev);
	ok(strstr(s, "note") == NULL, "no note key when the note is NULL");
	ok(history_decode("mltop.history.000042", s, &d) == 0 && !d.note,
	   "decodes to a NULL note");
	history_event_free(&d);
	free(s);

	ev.kind = HK_STAGE;
	ev.name = (char *)"Production";
	ev.moves = mv;
	ev.nmoves = 2;
	s = history_encode(&ev);
	is_str(s, "{\"v\":1,\"time\":1795759049142,\"who\":\"user@box\","
	       "\"action\":\"promote\",\"kind\":\"stage\",\"name\":"
	       "\"Production\",\"from\":7,\"to\":9,\"moves\":[{\"version\":9,"
	       "\"from\":\"Staging\",\"to\":\"Production\"},{\"version\":7,"
	       "\"from\":\"Production\",\"to\":\"Archived\"}]}",
	       "stage event: moves listed");
	ok(history_decode("mltop.history.1000000", s, &d) == 0,
	   "seven digit key decodes");
	is_int(d.seq, 1000000, "seven digit seq");
	is_int(d.nmoves, 2, "two moves");
	if (d.nmoves == 2) {
		is_int(d.moves[1].version, 7, "move 2 version");
		is_str(d.moves[1].from, "Production", "move 2 from");
		is_str(d.moves[1].to, "Archived", "move 2 to");
	}
	history_event_free(&d);
	free(s);

	/* Invalid UTF-8 in who never makes invalid JSON. */
	ev.kind = HK_ALIAS;
	ev.who = (char *)"us\xff" "er";
	s = history_encode(&ev);
	ok(s && strstr(s, "\"us\xef\xbf\xbd" "er\""),
	   "invalid byte in who becomes U+FFFD");
	free(s);
}

static void test_decode_strict(void)
{
	static const char good[] =
		"{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":\"promote\","
		"\"kind\":\"alias\",\"name\":\"a\",\"from\":0,\"to\":3}";
	static const struct { const char *key, *val, *why; } bad[] = {
		{"mltop.history.12345", good, "five digit key"},
		{"mltop.history.00001a", good, "letter in key"},
		{"mltop.history.", good, "no digits"},
		{"mltop.historyx000001", good, "wrong prefix"},
		{"team", good, "another tag"},
		{"mltop.history.000001", "not json", "value not JSON"},
		{"mltop.history.000001", "[1]", "value not an object"},
		{"mltop.history.000001",
		 "{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":\"promote\","
		 "\"kind\":\"alias\",\"name\":\"a\",\"from\":\"0\",\"to\":3}",
		 "from as a string"},
		{"mltop.history.000001",
		 "{\"v\":1,\"time\":5.5,\"who\":\"u@h\",\"action\":\"promote\","
		 "\"kind\":\"alias\",\"name\":\"a\",\"from\":0,\"to\":3}",
		 "time not an integer"},
		{"mltop.history.000001",
		 "{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":\"promote\","
		 "\"kind\":\"tag\",\"name\":\"a\",\"from\":0,\"to\":3}",
		 "unknown kind"},
		{"mltop.history.000001",
		 "{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":\"promote\","
		 "\"kind\":\"alias\",\"name\":\"a\",\"from\":0}",
		 "missing to"},
		{"mltop.history.000001",
		 "{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":\"promote\","
		 "\"kind\":\"alias\",\"name\":\"a\",\"from\":-1,\"to\":3}",
		 "negative version"},
		{"mltop.history.000001",
		 "{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":\"promote\","
		 "\"kind\":\"alias\",\"name\":\"a\",\"from\":0,\"to\":3,"
		 "\"note\":7}", "note not a string"},
		{"mltop.history.000001",
		 "{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":\"promote\","
		 "\"kind\":\"stage\",\"name\":\"Production\",\"from\":0,"
		 "\"to\":3}", "stage event without moves"},
		{"mltop.history.000001",
		 "{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":\"promote\","
		 "\"kind\":\"stage\",\"name\":\"Production\",\"from\":0,"
		 "\"to\":3,\"moves\":[{\"version\":\"3\",\"from\":\"None\","
		 "\"to\":\"Production\"}]}", "move version as a string"},
		{"mltop.history.000001",
		 "{\"time\":5,\"who\":\"u@h\",\"action\":\"promote\","
		 "\"kind\":\"alias\",\"name\":\"a\",\"from\":0,\"to\":3}",
		 "no v"},
	};
	struct history_event d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(history_decode(bad[i].key, bad[i].val, &d) == -1,
		   "refused: %s", bad[i].why);
	}
	ok(history_decode("mltop.history.000001", NULL, &d) == -1,
	   "refused: NULL value");
	ok(history_decode("mltop.history.000001",
			  "{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":"
			  "\"promote\",\"kind\":\"alias\",\"name\":\"a\","
			  "\"from\":0,\"to\":3,\"extra\":{\"x\":[1,2]},"
			  "\"note\":null}", &d) == 0,
	   "unknown fields and a null note are tolerated");
	is_int(d.to_version, 3, "tolerant decode: to");
	ok(d.note == NULL, "tolerant decode: null note is none");
	history_event_free(&d);
	ok(history_decode("mltop.history.000001", good, &d) == 0,
	   "the good one decodes");
	history_event_free(&d);
}

static void test_events_and_keys(void)
{
	struct kv_list tags = {0};
	struct history_event *ev;
	char *key, *drop, *v;
	size_t n;

	history_next_keys(&tags, &key, &drop);
	is_str(key, "mltop.history.000001", "first key");
	ok(drop == NULL, "nothing to drop");
	free(key);
	free(drop);

	v = xasprintf("{\"v\":1,\"time\":%d,\"who\":\"w\",\"action\":"
		      "\"promote\",\"kind\":\"alias\",\"name\":\"a\","
		      "\"from\":0,\"to\":1}", 10);
	kv_list_set(&tags, "mltop.history.000010", v);
	kv_list_set(&tags, "team", "risk");
	kv_list_set(&tags, "mltop.history.000003", v);
	kv_list_set(&tags, "mltop.history.000007", "damaged");
	n = history_events(&tags, &ev);
	is_int(n, 2, "two events (other tag and damaged value skipped)");
	if (n == 2) {
		is_int(ev[0].seq, 3, "oldest first");
		is_int(ev[1].seq, 10, "newest last");
	}
	history_events_free(ev, n);
	history_next_keys(&tags, &key, &drop);
	is_str(key, "mltop.history.000011", "next = max + 1");
	ok(drop == NULL, "3 events: nothing dropped");
	free(key);
	free(drop);
	kv_list_clear(&tags);

	for (int i = 1; i <= HISTORY_KEEP - 1; i++) {
		char k[40];

		snprintf(k, sizeof(k), "mltop.history.%06d", i + 4);
		kv_list_set(&tags, k, v);
	}
	history_next_keys(&tags, &key, &drop);
	is_str(key, "mltop.history.000104", "99 events: next key");
	ok(drop == NULL, "99 events + 1 = 100: nothing dropped");
	free(key);
	free(drop);
	kv_list_set(&tags, "mltop.history.000104", v);
	history_next_keys(&tags, &key, &drop);
	is_str(key, "mltop.history.000105", "100 events: next key");
	is_str(drop, "mltop.history.000005", "100 events: oldest dropped");
	free(key);
	free(drop);
	kv_list_clear(&tags);

	kv_list_set(&tags, "mltop.history.999999", v);
	history_next_keys(&tags, &key, &drop);
	is_str(key, "mltop.history.1000000", "past six digits");
	free(key);
	free(drop);
	kv_list_clear(&tags);

	/* Tags set by hand with huge numbers: events keep their own keys,
	 * one after another, and every one of them reads back. */
	kv_list_set(&tags, "mltop.history.000004", v);
	kv_list_set(&tags, "mltop.history.9223372036854775799", v);
	kv_list_set(&tags, "mltop.history.99999999999999999999999", v);
	history_next_keys(&tags, &key, &drop);
	is_str(key, "mltop.history.000005",
	       "a number past the range is an ordinary tag");
	kv_list_set(&tags, key, v);
	free(key);
	free(drop);
	kv_list_set(&tags, "mltop.history.999999999999999", v);
	history_next_keys(&tags, &key, &drop);
	is_str(key, "mltop.history.000006",
	       "the largest valid number: the next free one below it");
	kv_list_set(&tags, key, v);
	free(key);
	free(drop);
	history_next_keys(&tags, &key, &drop);
	is_str(key, "mltop.history.000007", "and on from there");
	free(key);
	free(drop);
	n = history_events(&tags, &ev);
	is_int(n, 4, "4, 5, 6 and the hand-set 999999999999999 read back");
	if (n == 4)
		is_int(ev[2].seq, 6, "in order");
	history_events_free(ev, n);
	kv_list_clear(&tags);
	kv_list_set(&tags, "mltop.history.000000", v);
	history_next_keys(&tags, &key, &drop);
	is_str(key, "mltop.history.000001", "number 0 is not an event");
	free(key);
	free(drop);
	kv_list_clear(&tags);
	free(v);
}

/* --- plans --------------------------------------------------------------- */

static void lines_are(const struct plan *p, const char *const *want,
		      size_t n, const char *what)
{
	is_int(p->nlines, n, "%s: line count", what);
	for (size_t i = 0; i < n && i < p->nlines; i++)
		is_str(p->lines[i], want[i], "%s: line %zu", what, i + 1);
}

static void test_plan_alias(void)
{
	static const char *const want[] = {
		"alias champion: v7 -> v9",
		"v7 keeps its stage (Production)",
		"v9 keeps its stage (Staging)",
		"other aliases untouched: challenger -> v9",
	};
	struct model m;
	struct registered_model *rm = build(&m);
	struct plan p;

	ok(plan_alias(rm, "champion", 9, "user@box", "better recall", T0,
		      &p) == 0, "plan_alias champion -> 9");
	ok(!p.error, "no error");
	is_str(p.summary, "alias champion: v7 -> v9", "summary");
	lines_are(&p, want, 4, "alias plan");
	is_int(p.w.kind, RW_ALIAS, "write kind");
	is_str(p.w.model, "churn", "write model");
	is_str(p.w.alias, "champion", "write alias");
	is_int(p.w.version, 9, "write version");
	is_int(p.w.expect_alias_version, 7, "write expects the holder drawn");
	is_str(p.w.event_key, "mltop.history.000001", "event key");
	ok(p.w.event_key == p.event_key && p.w.event_value == p.event_value,
	   "the write carries the event");
	ok(p.w.drop_key == NULL, "nothing dropped");
	is_str(p.event_value,
	       "{\"v\":1,\"time\":1795759049142,\"who\":\"user@box\","
	       "\"action\":\"promote\",\"kind\":\"alias\",\"name\":"
	       "\"champion\",\"from\":7,\"to\":9,\"note\":\"better recall\"}",
	       "event value");
	apply(rm, &p);
	plan_free(&p);
	ok(p.summary == NULL && p.lines == NULL, "plan_free clears");

	/* Next event numbers on. */
	ok(plan_alias(rm, "champion", 8, "user@box", NULL, T0 + 1, &p) == 0,
	   "second plan");
	is_str(p.w.event_key, "mltop.history.000002", "second event key");
	ok(strstr(p.event_value, "note") == NULL, "no note, no key");
	plan_free(&p);

	/* A new alias. */
	ok(plan_alias(rm, "shadow", 8, "u@h", "", T0, &p) == 0,
	   "plan a new alias");
	is_str(p.summary, "alias shadow: unset -> v8", "unset holder");
	is_int(p.w.expect_alias_version, 0, "expects no holder");
	is_str(p.lines[1], "v8 keeps its stage (None)", "only v8's stage");
	ok(strstr(p.event_value, "\"from\":0,\"to\":8") != NULL,
	   "event from 0");
	plan_free(&p);

	/* Refusals. */
	ok(plan_alias(rm, "champion", 9, "u@h", NULL, T0, &p) == -1,
	   "already holds: refused");
	is_str(p.error, "v9 already holds champion", "already holds: message");
	ok(p.summary == NULL && p.event_value == NULL,
	   "a refused plan carries no write");
	plan_free(&p);
	ok(plan_alias(rm, "champion", 12, "u@h", NULL, T0, &p) == -1,
	   "unknown version: refused");
	is_str(p.error, "unknown version 12", "unknown version: message");
	plan_free(&p);
	ok(plan_alias(rm, "latest", 8, "u@h", NULL, T0, &p) == -1 &&
	   strstr(p.error, "reserved"), "'latest' is reserved");
	plan_free(&p);
	ok(plan_alias(rm, "V12", 8, "u@h", NULL, T0, &p) == -1 &&
	   strstr(p.error, "reserved"), "'V12' is reserved");
	plan_free(&p);
	ok(plan_alias(rm, "a b", 8, "u@h", NULL, T0, &p) == -1 &&
	   strstr(p.error, "alphanumerics"), "space in alias refused");
	plan_free(&p);
	rm->versions_loaded = false;
	ok(plan_alias(rm, "champion", 9, "u@h", NULL, T0, &p) == -1,
	   "versions not loaded: refused");
	is_str(p.error, "the versions of churn are not loaded",
	       "versions not loaded: message");
	plan_free(&p);
	model_free(&m);
}

static void test_plan_stage(void)
{
	static const char *const archive[] = {
		"v9: Staging -> Production",
		"v5: Production -> Archived (archive existing)",
		"v7: Production -> Archived (archive existing)",
		"aliases untouched",
	};
	static const char *const keep[] = {
		"v9: Staging -> Production",
		"v5 stays in Production",
		"v7 stays in Production",
		"aliases untouched",
	};
	struct model m;
	struct registered_model *rm = build(&m);
	struct plan p;

	ok(plan_stage(rm, "production", 9, true, "user@box", NULL, T0, &p) ==
	   0, "plan_stage v9 -> production, archiving");
	is_str(p.summary, "v9: Staging -> Production, archiving the others "
	       "there", "summary");
	lines_are(&p, archive, 4, "archive plan");
	is_int(p.w.kind, RW_STAGE, "write kind");
	is_int(p.w.nmoves, 1, "one move (the store archives)");
	is_int(p.w.moves[0].version, 9, "move version");
	is_str(p.w.moves[0].stage, "Production", "canonical stage");
	is_str(p.w.moves[0].expect_stage, "Staging", "expect its stage");
	ok(p.w.archive_existing, "archive_existing");
	is_int(p.w.nexpect_in_stage, 2, "two in Production as drawn");
	if (p.w.nexpect_in_stage == 2) {
		is_int(p.w.expect_in_stage[0], 5, "ascending: 5");
		is_int(p.w.expect_in_stage[1], 7, "ascending: 7");
	}
	is_str(p.event_value,
	       "{\"v\":1,\"time\":1795759049142,\"who\":\"user@box\","
	       "\"action\":\"promote\",\"kind\":\"stage\",\"name\":"
	       "\"Production\",\"from\":7,\"to\":9,\"moves\":[{\"version\":9,"
	       "\"from\":\"Staging\",\"to\":\"Production\"},{\"version\":5,"
	       "\"from\":\"Production\",\"to\":\"Archived\"},{\"version\":7,"
	       "\"from\":\"Production\",\"to\":\"Archived\"}]}",
	       "stage event");
	plan_free(&p);

	ok(plan_stage(rm, "Production", 9, false, "u@h", NULL, T0, &p) == 0,
	   "plan_stage without archiving");
	lines_are(&p, keep, 4, "keep plan");
	ok(!p.w.archive_existing && p.w.nexpect_in_stage == 0,
	   "no archive, no expect_in_stage");
	ok(strstr(p.event_value, "\"moves\":[{\"version\":9,\"from\":"
		  "\"Staging\",\"to\":\"Production\"}]") != NULL,
	   "only v9 moves");
	plan_free(&p);

	ok(plan_stage(rm, "staging", 8, true, "u@h", NULL, T0, &p) == 0,
	   "staging with one holder");
	is_int(p.w.nexpect_in_stage, 1, "v9 is in Staging");
	ok(strstr(p.event_value, "\"from\":9,\"to\":8") != NULL,
	   "previous holder of Staging");
	plan_free(&p);

	ok(plan_stage(rm, "Archived", 8, true, "u@h", NULL, T0, &p) == -1,
	   "archive_existing into Archived: refused");
	is_str(p.error, "Model version transition cannot archive existing "
	       "model versions because 'Archived' is not an Active stage. "
	       "Valid stages are ['Staging', 'Production']",
	       "MLflow's message");
	plan_free(&p);
	ok(plan_stage(rm, "None", 9, false, "u@h", NULL, T0, &p) == 0 &&
	   strcmp(p.w.moves[0].stage, "None") == 0, "None without archive");
	plan_free(&p);
	ok(plan_stage(rm, "Live", 9, false, "u@h", NULL, T0, &p) == -1,
	   "unknown stage refused");
	is_str(p.error, "Invalid Model Version stage: Live. Value must be one "
	       "of None, Staging, Production, Archived.", "unknown stage msg");
	plan_free(&p);
	ok(plan_stage(rm, "PRODUCTION", 7, false, "u@h", NULL, T0, &p) == -1,
	   "already in stage refused");
	is_str(p.error, "v7 is already in Production", "already in stage msg");
	plan_free(&p);
	ok(plan_stage(rm, "Production", 4, false, "u@h", NULL, T0, &p) == -1 &&
	   strcmp(p.error, "unknown version 4") == 0, "unknown version");
	plan_free(&p);
	model_free(&m);
}

static void test_rollback_alias(void)
{
	struct model m;
	struct registered_model *rm = build(&m);
	struct plan p;

	ok(plan_rollback_alias(rm, "champion", "u@h", NULL, T0, &p) == -1,
	   "no history: refused");
	is_str(p.error, "no earlier holder of champion in the history",
	       "no history: message");
	plan_free(&p);

	plan_alias(rm, "champion", 9, "a@h", "first", T0, &p);
	apply(rm, &p);
	plan_free(&p);
	ok(plan_rollback_alias(rm, "champion", "b@h", "bad latency", T0 + 60000,
			       &p) == 0, "rollback champion");
	is_str(p.summary, "alias champion: v9 -> v7", "rollback summary");
	is_int(p.w.kind, RW_ALIAS, "rollback write kind");
	is_int(p.w.version, 7, "back to v7");
	is_int(p.w.expect_alias_version, 9, "expects v9");
	is_str(p.w.event_key, "mltop.history.000002", "rollback event key");
	is_str(p.event_value,
	       "{\"v\":1,\"time\":1795759109142,\"who\":\"b@h\",\"action\":"
	       "\"rollback\",\"kind\":\"alias\",\"name\":\"champion\","
	       "\"from\":9,\"to\":7,\"note\":\"bad latency\"}",
	       "rollback event");
	is_str(p.lines[1], "undoes the promote of 2026-11-27 05:57:29 by a@h",
	       "undoes line");
	apply(rm, &p);
	plan_free(&p);
	is_int(registered_alias(rm, "champion"), 7, "rolled back");

	/* Moved outside mltop since: refuse. */
	set_alias(rm, "champion", 8);
	ok(plan_rollback_alias(rm, "champion", "u@h", NULL, T0, &p) == -1,
	   "outside move: refused");
	is_str(p.error, "champion was moved outside mltop since the last "
	       "recorded move (now v8); nothing to roll back to safely",
	       "outside move: message");
	plan_free(&p);
	set_alias(rm, "champion", 0);
	ok(plan_rollback_alias(rm, "champion", "u@h", NULL, T0, &p) == -1 &&
	   strstr(p.error, "(now unset)"), "alias deleted outside: refused");
	plan_free(&p);

	/* A new alias rolls back to nothing: deleted. */
	plan_alias(rm, "shadow", 8, "a@h", NULL, T0, &p);
	apply(rm, &p);
	plan_free(&p);
	ok(plan_rollback_alias(rm, "shadow", "u@h", NULL, T0, &p) == 0,
	   "rollback a new alias");
	is_str(p.summary, "alias shadow: v8 -> unset (deleted)",
	       "deletes the alias");
	is_int(p.w.version, 0, "write version 0: delete");
	is_int(p.w.expect_alias_version, 8, "expects v8");
	apply(rm, &p);
	plan_free(&p);
	is_int(registered_alias(rm, "shadow"), 0, "shadow gone");
	model_free(&m);
}

static void test_rollback_stage(void)
{
	struct model m;
	struct registered_model *rm = build(&m);
	struct plan p;

	ok(plan_rollback_stage(rm, "Production", "u@h", NULL, T0, &p) == -1 &&
	   strcmp(p.error, "no earlier holder of Production in the history")
	   == 0, "no stage history: refused");
	plan_free(&p);

	plan_stage(rm, "Production", 9, true, "a@h", NULL, T0, &p);
	apply(rm, &p);
	plan_free(&p);
	ok(strcmp(registered_version(rm, 7)->stage, "Archived") == 0 &&
	   strcmp(registered_version(rm, 9)->stage, "Production") == 0,
	   "promotion applied");
	ok(plan_rollback_stage(rm, "production", "b@h", NULL, T0 + 1, &p) == 0,
	   "rollback Production");
	is_str(p.summary, "stage Production: v9 -> v7 (rollback)",
	       "rollback summary");
	is_int(p.w.kind, RW_STAGE, "stage write");
	ok(!p.w.archive_existing, "no archiving in a rollback");
	is_int(p.w.nmoves, 3, "three moves undone");
	if (p.w.nmoves == 3) {
		/* Back into the stage first, then out of it. */
		is_int(p.w.moves[0].version, 5, "first: v5");
		is_str(p.w.moves[0].stage, "Production", "v5 back");
		is_str(p.w.moves[0].expect_stage, "Archived", "v5 expected");
		is_int(p.w.moves[1].version, 7, "second: v7");
		is_str(p.w.moves[1].stage, "Production", "v7 back");
		is_int(p.w.moves[2].version, 9, "last: v9 leaves");
		is_str(p.w.moves[2].stage, "Staging", "v9 back to Staging");
		is_str(p.w.moves[2].expect_stage, "Production",
		       "v9 expected in Production");
	}
	is_str(p.lines[0], "v5: Archived -> Production", "line 1");
	is_str(p.lines[2], "v9: Production -> Staging", "line 3");
	ok(strstr(p.event_value, "\"action\":\"rollback\",\"kind\":\"stage\","
		  "\"name\":\"Production\",\"from\":9,\"to\":7,\"moves\":[") !=
	   NULL, "rollback event");
	apply(rm, &p);
	plan_free(&p);
	ok(strcmp(registered_version(rm, 5)->stage, "Production") == 0 &&
	   strcmp(registered_version(rm, 7)->stage, "Production") == 0 &&
	   strcmp(registered_version(rm, 9)->stage, "Staging") == 0,
	   "stages as before the promotion");

	/* Moved outside since: refuse. */
	plan_stage(rm, "Production", 8, false, "a@h", NULL, T0 + 2, &p);
	apply(rm, &p);
	plan_free(&p);
	set_stage(rm, 8, "Staging");
	ok(plan_rollback_stage(rm, "Production", "u@h", NULL, T0, &p) == -1,
	   "outside stage move: refused");
	is_str(p.error, "Production was moved outside mltop since the last "
	       "recorded move (v8 is now Staging); nothing to roll back to "
	       "safely", "outside stage move: message");
	plan_free(&p);
	model_free(&m);
}

static void test_note_cut(void)
{
	struct model m;
	struct registered_model *rm = build(&m);
	struct history_event d;
	char note[700];
	struct plan p;

	/* 499 ASCII bytes then a 2-byte character: cut before it. */
	memset(note, 'a', 499);
	strcpy(note + 499, "\xc3\xa9tail");
	plan_alias(rm, "champion", 9, "u@h", note, T0, &p);
	ok(history_decode(p.event_key, p.event_value, &d) == 0, "decodes");
	is_int(strlen(d.note), 499, "cut before a 2-byte character");
	history_event_free(&d);
	plan_free(&p);

	/* 3-byte characters: 166 of them fit (498 bytes). */
	note[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(note, "\xe2\x82\xac");
	plan_alias(rm, "champion", 9, "u@h", note, T0, &p);
	ok(history_decode(p.event_key, p.event_value, &d) == 0, "decodes");
	is_int(strlen(d.note), 498, "cut at a 3-byte boundary");
	ok(memcmp(d.note + 495, "\xe2\x82\xac", 3) == 0,
	   "last character whole");
	history_event_free(&d);
	plan_free(&p);

	/* Exactly the limit is kept whole. */
	memset(note, 'b', HISTORY_NOTE_MAX);
	note[HISTORY_NOTE_MAX] = '\0';
	plan_alias(rm, "champion", 9, "u@h", note, T0, &p);
	history_decode(p.event_key, p.event_value, &d);
	is_int(strlen(d.note), HISTORY_NOTE_MAX, "500 bytes kept");
	history_event_free(&d);
	plan_free(&p);

	/* Invalid bytes become U+FFFD. */
	plan_alias(rm, "champion", 9, "u@h", "ok\xc3(", T0, &p);
	history_decode(p.event_key, p.event_value, &d);
	is_str(d.note, "ok\xef\xbf\xbd(", "invalid byte replaced");
	history_event_free(&d);
	plan_free(&p);
	model_free(&m);
}

static void test_bound(void)
{
	struct model m;
	struct registered_model *rm = build(&m);
	struct history_event *ev;
	struct plan p;
	size_t n;
	int fails = 0;

	for (int i = 0; i < HISTORY_KEEP + 5; i++) {
		int to = registered_alias(rm, "champion") == 9 ? 8 : 9;

		if (plan_alias(rm, "champion", to, "u@h", NULL, T0 + i, &p))
			fails++;
		else
			apply(rm, &p);
		plan_free(&p);
	}
	is_int(fails, 0, "105 promotions planned");
	n = history_events(&rm->tags, &ev);
	is_int(n, HISTORY_KEEP, "100 events kept");
	if (n == HISTORY_KEEP) {
		is_int(ev[0].seq, 6, "the five oldest dropped");
		is_int(ev[n - 1].seq, 105, "newest is 105");
	}
	history_events_free(ev, n);
	ok(kv_list_get(&rm->tags, "team") != NULL, "other tags untouched");
	is_int(count_events(rm), HISTORY_KEEP, "still 100");
	model_free(&m);
}

/* The spans of one alias or stage, in order. */
static size_t spans(const struct holding *h, size_t n, bool stage,
		    const char *name, const struct holding **out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < max; i++)
		if (h[i].stage == stage && strcmp(h[i].name, name) == 0)
			out[k++] = &h[i];
	return k;
}

/* how: 'm' moved by mltop, 'b' held before the history, 'o' moved
 * outside mltop. */
static void span_is(const struct holding *h, int version, int64_t from,
		    int64_t to, const char *who, char how, const char *what)
{
	is_int(h->version, version, "%s: version", what);
	is_int(h->from_ms, from, "%s: from", what);
	is_int(h->to_ms, to, "%s: to", what);
	is_str(h->who, who, "%s: who", what);
	ok(h->outside == (how == 'o') && h->before == (how == 'b'), "%s: %s",
	   what, how == 'o' ? "outside mltop" : how == 'b' ?
	   "before the history" : "moved by mltop");
}

static void test_timeline(void)
{
	struct model m;
	struct registered_model *rm = build(&m);
	const struct holding *c[8];
	struct holding *h;
	struct plan p;
	size_t n, k;

	plan_alias(rm, "champion", 9, "a@h", "n1", T0, &p);
	apply(rm, &p);
	plan_free(&p);
	plan_alias(rm, "champion", 8, "b@h", NULL, T0 + 1000, &p);
	apply(rm, &p);
	plan_free(&p);

	n = history_timeline(rm, &h);
	k = spans(h, n, false, "champion", c, 8);
	is_int(k, 3, "three champion spans");
	if (k == 3) {
		span_is(c[0], 7, 0, T0, NULL, 'b', "before the history");
		span_is(c[1], 9, T0, T0 + 1000, "a@h", 'm', "first move");
		is_str(c[1]->note, "n1", "first move: note");
		span_is(c[2], 8, T0 + 1000, 0, "b@h", 'm', "holds it now");
		ok(c[2]->note == NULL, "second move: no note");
	}
	ok(n > 0 && !h[0].stage && strcmp(h[0].name, "challenger") == 0,
	   "aliases by name: challenger first");
	k = spans(h, n, false, "challenger", c, 8);
	is_int(k, 1, "one challenger span");
	if (k == 1)
		span_is(c[0], 9, 0, 0, NULL, 'b',
			"challenger, never moved by mltop");
	history_timeline_free(h, n);

	/* Moved outside mltop since the last event. */
	set_alias(rm, "champion", 7);
	n = history_timeline(rm, &h);
	k = spans(h, n, false, "champion", c, 8);
	is_int(k, 4, "four champion spans");
	if (k == 4) {
		span_is(c[2], 8, T0 + 1000, T0 + 1000, "b@h", 'm',
			"ends where the outside move is placed");
		span_is(c[3], 7, T0 + 1000, 0, NULL, 'o',
			"moved outside: from the last event's time");
	}
	/* Stages: Production held by v5 and v7, no events: both there
	 * before the history. */
	k = spans(h, n, true, "Production", c, 8);
	is_int(k, 2, "two Production spans");
	if (k == 2) {
		span_is(c[0], 5, 0, 0, NULL, 'b', "Production v5, never moved");
		span_is(c[1], 7, 0, 0, NULL, 'b', "Production v7, never moved");
	}
	history_timeline_free(h, n);

	/* mltop moves it again: the outside holder is a closed span. */
	plan_alias(rm, "champion", 9, "d@h", NULL, T0 + 3000, &p);
	apply(rm, &p);
	plan_free(&p);
	n = history_timeline(rm, &h);
	k = spans(h, n, false, "champion", c, 8);
	is_int(k, 5, "five champion spans");
	if (k == 5) {
		span_is(c[3], 7, T0 + 1000, T0 + 3000, NULL, 'o',
			"outside holder between two events");
		span_is(c[4], 9, T0 + 3000, 0, "d@h", 'm', "back in mltop");
	}
	history_timeline_free(h, n);

	/* A stage promotion with archive-existing: v9 leaves Staging, v5
	 * and v7 leave Production; each version's span ends there. */
	plan_stage(rm, "Production", 9, true, "c@h", NULL, T0 + 2000, &p);
	apply(rm, &p);
	plan_free(&p);
	n = history_timeline(rm, &h);
	k = spans(h, n, true, "Production", c, 8);
	is_int(k, 3, "three Production spans");
	if (k == 3) {
		span_is(c[0], 5, 0, T0 + 2000, NULL, 'b',
			"Production v5 before the history");
		span_is(c[1], 7, 0, T0 + 2000, NULL, 'b',
			"Production v7 before the history");
		span_is(c[2], 9, T0 + 2000, 0, "c@h", 'm',
			"Production: v9 from the promotion");
	}
	k = spans(h, n, true, "Staging", c, 8);
	is_int(k, 1, "Staging: v9's span before the promotion is kept");
	if (k == 1)
		span_is(c[0], 9, 0, T0 + 2000, NULL, 'b',
			"Staging v9 until the promotion");
	history_timeline_free(h, n);

	/* A stage changed outside since (MLflow stamps the version). */
	set_stage(rm, 9, "Staging");
	registered_version(rm, 9)->last_updated_time = T0 + 2500;
	n = history_timeline(rm, &h);
	k = spans(h, n, true, "Production", c, 8);
	is_int(k, 4, "four Production spans");
	if (k == 4) {
		span_is(c[2], 9, T0 + 2000, T0 + 2500, "c@h", 'm',
			"v9 until MLflow's stamp of the outside move");
		span_is(c[3], 0, T0 + 2500, 0, NULL, 'o',
			"Production emptied outside mltop");
	}
	k = spans(h, n, true, "Staging", c, 8);
	is_int(k, 2, "two Staging spans");
	if (k == 2)
		span_is(c[1], 9, T0 + 2500, 0, NULL, 'o',
			"v9 back in Staging outside mltop");
	history_timeline_free(h, n);
	model_free(&m);

	/* A rollback that empties a stage, then a version put there
	 * outside mltop. */
	rm = build(&m);
	set_stage(rm, 9, "None");
	plan_stage(rm, "Staging", 8, false, "e@h", NULL, T0, &p);
	apply(rm, &p);
	plan_free(&p);
	ok(plan_rollback_stage(rm, "Staging", "e@h", NULL, T0 + 10, &p) == 0,
	   "roll back into an empty Staging");
	is_str(p.summary, "stage Staging: v8 -> none (rollback)",
	       "empties the stage");
	apply(rm, &p);
	plan_free(&p);
	n = history_timeline(rm, &h);
	k = spans(h, n, true, "Staging", c, 8);
	is_int(k, 1, "one Staging span");
	if (k == 1)
		span_is(c[0], 8, T0, T0 + 10, "e@h", 'm', "v8 held Staging");
	history_timeline_free(h, n);
	set_stage(rm, 9, "Staging");
	registered_version(rm, 9)->last_updated_time = T0 + 20;
	n = history_timeline(rm, &h);
	k = spans(h, n, true, "Staging", c, 8);
	is_int(k, 2, "two Staging spans");
	if (k == 2)
		span_is(c[1], 9, T0 + 20, 0, NULL, 'o',
			"v9 put in Staging outside mltop");
	history_timeline_free(h, n);
	model_free(&m);

	/* Promote to Production with archive-existing, then roll back: the
	 * rollback's own moves put v9 back in Staging (by mltop, not
	 * outside it), after its span from before the history. */
	rm = build(&m);
	plan_stage(rm, "Production", 9, true, "f@h", NULL, T0, &p);
	apply(rm, &p);
	plan_free(&p);
	ok(plan_rollback_stage(rm, "Production", "g@h", "undo", T0 + 100,
			       &p) == 0, "roll back the promotion");
	apply(rm, &p);
	plan_free(&p);
	n = history_timeline(rm, &h);
	k = spans(h, n, true, "Staging", c, 8);
	is_int(k, 2, "Staging: before, then back by the rollback");
	if (k == 2) {
		span_is(c[0], 9, 0, T0, NULL, 'b', "v9 in Staging before");
		span_is(c[1], 9, T0 + 100, 0, "g@h", 'm',
			"v9 back in Staging by the rollback");
		is_str(c[1]->note, "undo", "the rollback's note");
	}
	k = spans(h, n, true, "Production", c, 8);
	is_int(k, 5, "Production: v5, v7 before; v9; v5, v7 back");
	if (k == 5) {
		span_is(c[2], 9, T0, T0 + 100, "f@h", 'm', "v9 promoted");
		span_is(c[3], 5, T0 + 100, 0, "g@h", 'm', "v5 back");
		span_is(c[4], 7, T0 + 100, 0, "g@h", 'm', "v7 back");
	}
	for (size_t i = 0; i < n; i++)
		ok(!h[i].outside, "%s %s v%d: nothing outside mltop",
		   h[i].stage ? "stage" : "alias", h[i].name, h[i].version);
	history_timeline_free(h, n);
	model_free(&m);
}

/* Rolling back again goes one more move back, as undo does; when every
 * move is undone there is nothing left to roll back to. */
static void test_rollback_twice(void)
{
	struct model m;
	struct registered_model *rm = build(&m);
	struct plan p;

	plan_alias(rm, "champion", 9, "a@h", NULL, T0, &p);
	apply(rm, &p);
	plan_free(&p);
	plan_alias(rm, "champion", 8, "a@h", NULL, T0 + 1000, &p);
	apply(rm, &p);
	plan_free(&p);
	ok(plan_rollback_alias(rm, "champion", "b@h", NULL, T0 + 2000, &p) ==
	   0, "first rollback");
	is_str(p.summary, "alias champion: v8 -> v9", "first: v8 -> v9");
	apply(rm, &p);
	plan_free(&p);
	ok(plan_rollback_alias(rm, "champion", "b@h", NULL, T0 + 3000, &p) ==
	   0, "second rollback");
	is_str(p.summary, "alias champion: v9 -> v7",
	       "second: one move further back, to v7");
	is_str(p.lines[1], "undoes the promote of 2026-11-27 05:57:29 by a@h",
	       "second: undoes the first promote");
	is_str(p.lines[2], "(the moves after it were rolled back already, "
	       "the last at 2026-11-27 05:57:31: this goes one move further "
	       "back)", "second: says it goes further back");
	is_int(p.w.expect_alias_version, 9, "second: expects v9");
	apply(rm, &p);
	plan_free(&p);
	is_int(registered_alias(rm, "champion"), 7, "champion back to v7");
	ok(plan_rollback_alias(rm, "champion", "b@h", NULL, T0 + 4000, &p) ==
	   -1, "third rollback: refused");
	is_str(p.error, "every recorded move of champion is rolled back "
	       "already; nothing earlier to roll back to", "third: message");
	plan_free(&p);
	/* A promotion after the rollbacks is undone first again. */
	plan_alias(rm, "champion", 8, "c@h", NULL, T0 + 5000, &p);
	apply(rm, &p);
	plan_free(&p);
	ok(plan_rollback_alias(rm, "champion", "b@h", NULL, T0 + 6000, &p) ==
	   0, "rollback after a new promotion");
	is_str(p.summary, "alias champion: v8 -> v7", "undoes the new one");
	plan_free(&p);
	model_free(&m);

	/* Moved outside between two moves of the chain: refused. */
	rm = build(&m);
	plan_alias(rm, "champion", 9, "a@h", NULL, T0, &p);
	apply(rm, &p);
	plan_free(&p);
	set_alias(rm, "champion", 5);
	plan_alias(rm, "champion", 8, "a@h", NULL, T0 + 1000, &p);
	apply(rm, &p);
	plan_free(&p);
	plan_rollback_alias(rm, "champion", "b@h", NULL, T0 + 2000, &p);
	apply(rm, &p);
	plan_free(&p);
	is_int(registered_alias(rm, "champion"), 5, "rolled back to v5");
	ok(plan_rollback_alias(rm, "champion", "b@h", NULL, T0 + 3000, &p) ==
	   -1, "gap in the chain: refused");
	is_str(p.error, "champion was moved outside mltop between the moves "
	       "a rollback would undo (v9 held it after the move it would "
	       "undo, v5 now); nothing to roll back to safely",
	       "gap in the chain: message");
	plan_free(&p);
	model_free(&m);

	/* Stages: v9 to Production, then v8 with archive-existing; two
	 * rollbacks give the stages as they were at first. */
	rm = build(&m);
	plan_stage(rm, "Production", 9, false, "a@h", NULL, T0, &p);
	apply(rm, &p);
	plan_free(&p);
	plan_stage(rm, "Production", 8, true, "a@h", NULL, T0 + 1000, &p);
	apply(rm, &p);
	plan_free(&p);
	for (int i = 0; i < 2; i++) {
		/* What MLflow stamps on the versions the rollback moves. */
		ok(plan_rollback_stage(rm, "Production", "b@h", NULL,
				       T0 + 2000 + i * 1000, &p) == 0,
		   "stage rollback %d", i + 1);
		for (size_t k = 0; k < p.w.nmoves; k++)
			registered_version(rm, p.w.moves[k].version)
				->last_updated_time = T0 + 2001 + i * 1000;
		apply(rm, &p);
		plan_free(&p);
	}
	is_str(registered_version(rm, 5)->stage, "Production", "v5 Production");
	is_str(registered_version(rm, 7)->stage, "Production", "v7 Production");
	is_str(registered_version(rm, 8)->stage, "None", "v8 None");
	is_str(registered_version(rm, 9)->stage, "Staging", "v9 Staging");
	ok(plan_rollback_stage(rm, "Production", "b@h", NULL, T0 + 9000, &p) ==
	   -1 && strstr(p.error, "rolled back already"),
	   "third stage rollback: refused");
	plan_free(&p);
	/* A version moved outside after the rollbacks: refused. */
	set_stage(rm, 7, "Archived");
	ok(plan_rollback_stage(rm, "Production", "b@h", NULL, T0 + 9000, &p) ==
	   -1 && strstr(p.error, "moved outside mltop"),
	   "outside move after every move was undone: says so");
	plan_free(&p);
	model_free(&m);
}

/* --- who and the audit log ------------------------------------------------ */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int c;

	if (!f)
		return NULL;
	mem = open_memstream(&buf, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, mem);
	fclose(mem);
	fclose(f);
	return buf;
}

static void test_audit(void)
{
	char tmpl[] = "/tmp/mltop-test-history-XXXXXX";
	char *dir = mkdtemp(tmpl), *state, *path, *err = NULL, *text, *nl;
	const char *ev = "{\"v\":1,\"time\":5,\"who\":\"u@h\",\"action\":"
			 "\"promote\",\"kind\":\"alias\",\"name\":\"champion\","
			 "\"from\":7,\"to\":9}";
	struct stat sb;
	json_t *j;

	if (!dir) {
		ok(0, "mkdtemp");
		return;
	}
	state = xasprintf("%s/state", dir);
	path = xasprintf("%s/mltop/audit.log", state);
	setenv("XDG_STATE_HOME", state, 1);
	ok(audit_append("sqlite:///x.db", "churn", ev, "done", &err) == 0,
	   "first append");
	ok(err == NULL, "no error");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	   "audit.log is 0600");
	ok(stat(state, &sb) == 0 && S_ISDIR(sb.st_mode),
	   "state dir created");
	{
		char *d = xasprintf("%s/mltop", state);

		ok(stat(d, &sb) == 0 && (sb.st_mode & 0777) == 0700,
		   "mltop dir is 0700");
		free(d);
	}
	ok(audit_append("sqlite:///x.db", "churn", ev, "failed: conflict",
			&err) == 0, "second append");
	text = slurp(path);
	ok(text != NULL, "read back");
	nl = text ? strchr(text, '\n') : NULL;
	ok(nl && strchr(nl + 1, '\n') && !strchr(strchr(nl + 1, '\n') + 1,
						  '\n'),
	   "two lines");
	if (nl) {
		json_t *e;

		*nl = '\0';
		j = json_loads(text, 0, NULL);
		ok(json_is_object(j), "line 1 is a JSON object");
		ok(json_is_integer(json_object_get(j, "time")), "time");
		is_str(json_string_value(json_object_get(j, "store")),
		       "sqlite:///x.db", "store");
		is_str(json_string_value(json_object_get(j, "model")), "churn",
		       "model");
		e = json_object_get(j, "event");
		ok(json_is_object(e) &&
		   json_integer_value(json_object_get(e, "to")) == 9,
		   "event embedded as an object");
		is_str(json_string_value(json_object_get(j, "result")), "done",
		       "result 1");
		ok(strncmp(text, "{\"time\":", 8) == 0 &&
		   strstr(text, "\"store\":") < strstr(text, "\"model\":") &&
		   strstr(text, "\"model\":") < strstr(text, "\"event\":") &&
		   strstr(text, "\"event\":") < strstr(text, "\"result\":"),
		   "keys in order");
		json_decref(j);
		j = json_loads(nl + 1, 0, NULL);
		is_str(json_string_value(json_object_get(j, "result")),
		       "failed: conflict", "result 2");
		json_decref(j);
	}
	free(text);

	/* An existing log is appended to, never truncated, and its mode is
	 * left alone. */
	{
		FILE *f = fopen(path, "w");

		fputs("earlier line\n", f);
		fclose(f);
		chmod(path, 0640);
	}
	ok(audit_append("s", "m", ev, "refused", &err) == 0,
	   "append to an existing log");
	text = slurp(path);
	ok(text && strncmp(text, "earlier line\n{\"time\":", 21) == 0,
	   "earlier content kept");
	free(text);
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640,
	   "mode of an existing log unchanged");

	/* A state home that cannot be made: an error, not a crash. */
	{
		char *file = xasprintf("%s/plainfile", dir), *st;
		FILE *f = fopen(file, "w");

		fclose(f);
		st = xasprintf("%s/sub", file);
		setenv("XDG_STATE_HOME", st, 1);
		ok(audit_append("s", "m", ev, "done", &err) == -1 && err &&
		   strstr(err, "cannot create"), "unwritable state dir: error");
		free(err);
		err = NULL;
		unlink(file);
		free(file);
		free(st);
	}

	/* Without XDG_STATE_HOME: ~/.local/state/mltop. */
	{
		char *home = xasprintf("%s/home", dir), *want;

		mkdir(home, 0700);
		unsetenv("XDG_STATE_HOME");
		setenv("HOME", home, 1);
		ok(audit_append("s", "m", ev, "done", &err) == 0,
		   "append under HOME");
		want = xasprintf("%s/.local/state/mltop/audit.log", home);
		ok(stat(want, &sb) == 0 && (sb.st_mode & 0777) == 0600,
		   "~/.local/state/mltop/audit.log, 0600");
		unlink(want);
		free(want);
		want = xasprintf("%s/.local/state/mltop", home);
		rmdir(want);
		free(want);
		want = xasprintf("%s/.local/state", home);
		rmdir(want);
		free(want);
		want = xasprintf("%s/.local", home);
		rmdir(want);
		free(want);
		rmdir(home);
		free(home);
	}
	unlink(path);
	{
		char *d = xasprintf("%s/mltop", state);

		rmdir(d);
		free(d);
	}
	rmdir(state);
	rmdir(dir);
	free(state);
	free(path);
}

static void test_who(void)
{
	char *w;

	setenv("USER", "tester", 1);
	w = history_who();
	ok(strncmp(w, "tester@", 7) == 0 && strlen(w) > 7, "USER@host");
	free(w);
	unsetenv("USER");
	w = history_who();
	ok(strchr(w, '@') != NULL && w[0] != '@', "user from passwd: %s", w);
	free(w);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_encode_decode();
	test_decode_strict();
	test_events_and_keys();
	test_plan_alias();
	test_plan_stage();
	test_rollback_alias();
	test_rollback_stage();
	test_note_cut();
	test_bound();
	test_timeline();
	test_rollback_twice();
	test_audit();
	test_who();
	return done_testing();
}
