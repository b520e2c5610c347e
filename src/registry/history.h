/* history.h: the promotion history mltop keeps in the store itself, and
 * plans: what a promotion or a rollback would change, spelled out.
 * Pure: no store I/O, no curses; unit tested on its own. */
#ifndef MLTOP_HISTORY_H
#define MLTOP_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/model.h"
#include "store/store.h"

/* Events are registered-model tags "mltop.history.000042" whose value is
 * compact JSON, readable by the MLflow UI and client too:
 * {"v":1,"time":1795759049142,"who":"alice@box","action":"promote",
 *  "kind":"alias","name":"champion","from":7,"to":9,"note":"..."}
 * kind "stage": name is the stage; "moves":[{"version":9,"from":"Staging",
 * "to":"Production"},{"version":7,"from":"Production","to":"Archived"}]
 * lists every version that changed stage (from/to of the event then are
 * the previous and new holder of the stage, 0 for none). */
#define HISTORY_PREFIX STORE_EVENT_PREFIX
#define HISTORY_KEEP STORE_EVENT_KEEP /* events kept a model; older ones
				       * dropped */
#define HISTORY_NOTE_MAX 500 /* bytes of a note kept (UTF-8 safe cut) */

enum history_kind { HK_ALIAS, HK_STAGE };

struct history_move {
	int version;
	char *from, *to;     /* stages */
};

struct history_event {
	int64_t seq;         /* from the tag key */
	int64_t time_ms;
	char *who;
	char *action;        /* "promote" or "rollback" */
	enum history_kind kind;
	char *name;          /* alias name, or the stage */
	int from_version;    /* previous holder, 0: none */
	int to_version;      /* new holder, 0: none (alias deleted) */
	struct history_move *moves;  /* HK_STAGE */
	size_t nmoves;
	char *note;          /* may be NULL */
	bool interrupted;    /* from the audit log: the move was made, its
			      * event never recorded (see
			      * history_add_interrupted) */
};

/* The tag value for an event; caller frees. */
char *history_encode(const struct history_event *ev);
/* One tag; 0 and *ev filled when key and value are an mltop event, -1
 * otherwise (other tags, or a value that does not parse). */
int history_decode(const char *key, const char *value,
		   struct history_event *ev);
void history_event_free(struct history_event *ev);

/* Every event of a model, oldest first (by seq). Returns the count. */
size_t history_events(const struct kv_list *tags, struct history_event **out);
void history_events_free(struct history_event *v, size_t n);

/* The key of the next event, and the key of the oldest to delete when
 * keeping HISTORY_KEEP (*drop NULL when none): store_event_keys, which
 * the store applies again inside the write. Caller frees both. */
void history_next_keys(const struct kv_list *tags, char **key, char **drop);

/* Who held what from when to when, built from the events (and the
 * current state, so a move made outside mltop shows as such). A stage's
 * spans follow every recorded move in or out of it, whichever stage the
 * event was about (a promotion to Production with archive-existing ends
 * the promoted version's Staging span too). Version 0 in a stage: it was
 * left empty outside mltop. */
struct holding {
	bool stage;          /* a stage, or an alias */
	char *name;
	int version;
	int64_t from_ms, to_ms;   /* from_ms 0: since before the history;
				   * to_ms 0: holds it now */
	char *who, *note;         /* of the event that gave it */
	bool before;         /* held when mltop's history of it began (or
			      * mltop never moved it): set before, by
			      * whoever, at a time unknown */
	bool outside;        /* moved there outside mltop after a recorded
			      * move */
};
size_t history_timeline(const struct registered_model *rm,
			struct holding **out);
void history_timeline_free(struct holding *v, size_t n);

/* A plan: the store write, the event it records, and every change in
 * words, for the confirmation dialog and for --json. */
struct plan {
	struct registry_write w;     /* strings and arrays owned here */
	struct stage_move moves[8];
	int expect_in_stage[64];
	char *summary;       /* "alias champion: v7 -> v9" */
	char **lines;        /* "v7 stays in Production", ... */
	size_t nlines;
	char *event_key, *event_value, *drop_key;
	char *error;         /* set when the plan cannot be made */
};

/* Each returns 0 with *p ready, or -1 with p->error ("v9 already holds
 * champion", "no earlier holder of champion in the history", "unknown
 * version 12"). who and note are recorded; now_ms stamps the event. The
 * model must have its versions and tags loaded. */
int plan_alias(const struct registered_model *rm, const char *alias,
	       int version, const char *who, const char *note,
	       int64_t now_ms, struct plan *p);
int plan_stage(const struct registered_model *rm, const char *stage,
	       int version, bool archive_existing, const char *who,
	       const char *note, int64_t now_ms, struct plan *p);
/* Put the alias (or stage) back as it was before its last move, from
 * the history; the event's action is "rollback". */
int plan_rollback_alias(const struct registered_model *rm, const char *alias,
			const char *who, const char *note, int64_t now_ms,
			struct plan *p);
int plan_rollback_stage(const struct registered_model *rm, const char *stage,
			const char *who, const char *note, int64_t now_ms,
			struct plan *p);
void plan_free(struct plan *p);

/* "user@host" of whoever runs mltop. Caller frees. */
char *history_who(void);

/* Append one line (the event JSON plus the model name and the store) to
 * the local audit log, $XDG_STATE_HOME/mltop/audit.log (else
 * ~/.local/state/mltop/audit.log), created 0600; result is "done",
 * "refused" or "failed: <why>". Returns 0 or -1 with *err. */
int audit_append(const char *store, const char *model, const char *event_json,
		 const char *result, char **err);
/* A write is recorded first with this result, before the store is
 * touched, then again with its outcome: a write that was killed in
 * between stays "started" in the log. */
#define AUDIT_STARTED "started"
/* The writes this user's audit log says were started on this model in
 * this store and never finished (mltop killed between the move and its
 * history event), whose move the model shows and no later event
 * records: each is added to rm's tags as an event marked
 * "interrupted":true, so history shows it and rollback can undo it.
 * Returns how many were added. */
size_t history_add_interrupted(struct registered_model *rm,
			       const char *store);

#endif
