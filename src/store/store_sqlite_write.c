/* store_sqlite_write.c: promotions and rollbacks written to an MLflow
 * SQLite store: check, move and history event in one transaction. */
#include "config.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"
#include "store/store.h"
#include "store/store_sqlite.h"
#include "store/test_hooks.h"

/* --- registry writes ---------------------------------------------------- */

/* One write transaction: its own connection, the workspace its rows
 * carry (NULL: a schema without workspaces, as MLflow 2.x writes) and the
 * first error, which names what the failed statement was for. */
struct wtx {
	sqlite3 *db;
	const char *ws;
	char *err;
};

/* A statement in its two spellings: with the workspace condition (bound
 * as ?9) where the schema has the column, without it where not. */
#define WS_WHERE(tx, head, tail) \
	((tx)->ws ? head " AND workspace = ?9" tail : head tail)
#define WS_INSERT(tx, head, cols, vals) \
	((tx)->ws ? head " (" cols ", workspace) VALUES (" vals ", ?9)" \
		  : head " (" cols ") VALUES (" vals ")")

static void tx_fail(struct wtx *tx, const char *purpose)
{
	if (!tx->err)
		tx->err = xasprintf("%s: %s", purpose, sqlite3_errmsg(tx->db));
}

/* Prepare and bind ("t" text, "i" int, in order; the workspace goes to
 * ?9). NULL, with tx->err naming the purpose, when it cannot be. */
static sqlite3_stmt *tx_query(struct wtx *tx, const char *purpose,
			      const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;

	if (tx->err)
		return NULL;
	if (sqlite3_prepare_v2(tx->db, sql, -1, &st, NULL) != SQLITE_OK) {
		tx_fail(tx, purpose);
		sqlite3_finalize(st);
		return NULL;
	}
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 't')
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
					  SQLITE_TRANSIENT);
		else
			sqlite3_bind_int64(st, i + 1, va_arg(ap, sqlite3_int64));
	}
	va_end(ap);
	if (tx->ws && sqlite3_bind_parameter_count(st) >= 9)
		sqlite3_bind_text(st, 9, tx->ws, -1, SQLITE_TRANSIENT);
	return st;
}

/* The next row: false when done, or on an error (tx->err set). */
static bool tx_row(struct wtx *tx, const char *purpose, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return true;
	if (rc != SQLITE_DONE)
		tx_fail(tx, purpose);
	return false;
}

/* Run a statement to its end, finalised: 0, or -1 with tx->err. */
static int tx_run(struct wtx *tx, const char *purpose, sqlite3_stmt *st)
{
	if (!st)
		return -1;
	while (tx_row(tx, purpose, st))
		;
	sqlite3_finalize(st);
	return tx->err ? -1 : 0;
}

/* The version an alias is to point at must be there, in this workspace:
 * an alias row for a model the workspace does not hold would point at
 * nothing (its foreign key fails), while the write said "done". */
static char *check_target(struct wtx *tx, const struct registry_write *w)
{
	const char *what = "checking the version";
	sqlite3_stmt *st;
	bool found;

	st = tx_query(tx, what, WS_WHERE(tx, "SELECT 1 FROM model_versions"
			" WHERE name = ?1 AND version = ?2",
			" AND current_stage != 'Deleted_Internal'"), "ti",
		      w->model, (sqlite3_int64)w->version);
	if (!st)
		return NULL;
	found = tx_row(tx, what, st);
	sqlite3_finalize(st);
	if (found || tx->err)
		return NULL;
	if (tx->ws)
		return xasprintf("conflict: version %d of %s is gone (workspace "
				 "%s); nothing changed", w->version, w->model,
				 tx->ws);
	return xasprintf("conflict: version %d of %s is gone; nothing "
			 "changed", w->version, w->model);
}

static char *check_alias(struct wtx *tx, const struct registry_write *w)
{
	const char *what = "checking the alias";
	sqlite3_stmt *st;
	int now = 0;

	if (w->version > 0) {
		char *msg = check_target(tx, w);

		if (msg || tx->err)
			return msg;
	}
	st = tx_query(tx, what, WS_WHERE(tx, "SELECT version FROM "
			"registered_model_aliases WHERE name = ?1 AND alias = ?2",
			""), "tt", w->model, w->alias);
	if (!st)
		return NULL;
	if (tx_row(tx, what, st))
		now = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (tx->err || now == w->expect_alias_version)
		return NULL;
	if (now)
		return xasprintf("conflict: alias %s now points to v%d (the "
				 "plan expected %s%d); nothing changed",
				 w->alias, now,
				 w->expect_alias_version ? "v" : "",
				 w->expect_alias_version);
	return xasprintf("conflict: alias %s is no longer set (the plan "
			 "expected v%d); nothing changed", w->alias,
			 w->expect_alias_version);
}

static char *check_move(struct wtx *tx, const struct registry_write *w,
			const struct stage_move *mv)
{
	const char *what = "checking the version's stage";
	sqlite3_stmt *st;
	char *msg = NULL;
	const char *stage = NULL;

	st = tx_query(tx, what, WS_WHERE(tx, "SELECT current_stage FROM "
			"model_versions WHERE name = ?1 AND version = ?2",
			" AND current_stage != 'Deleted_Internal'"), "ti",
		      w->model, (sqlite3_int64)mv->version);
	if (!st)
		return NULL;
	if (tx_row(tx, what, st))
		stage = (const char *)sqlite3_column_text(st, 0);
	if (!stage && !tx->err)
		msg = xasprintf("conflict: version %d of %s is gone",
				mv->version, w->model);
	else if (mv->expect_stage && strcmp(stage, mv->expect_stage) != 0)
		msg = xasprintf("conflict: v%d is now in %s (the plan expected "
				"%s); nothing changed", mv->version, stage,
				mv->expect_stage);
	sqlite3_finalize(st);
	return msg;
}

/* Who else is in the target stage must be who was drawn there. */
static char *check_in_stage(struct wtx *tx, const struct registry_write *w)
{
	const char *what = "checking the versions in the stage";
	sqlite3_stmt *st;
	int got[64];
	size_t n = 0;
	bool same;

	st = tx_query(tx, what, WS_WHERE(tx, "SELECT version FROM "
			"model_versions WHERE name = ?1 AND current_stage = ?2"
			" AND version != ?3", " ORDER BY version"), "tti",
		      w->model, w->moves[0].stage,
		      (sqlite3_int64)w->moves[0].version);
	if (!st)
		return NULL;
	while (n < 64 && tx_row(tx, what, st))
		got[n++] = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (tx->err)
		return NULL;
	same = n == w->nexpect_in_stage;
	for (size_t i = 0; same && i < n; i++)
		same = got[i] == w->expect_in_stage[i];
	if (same)
		return NULL;
	return xasprintf("conflict: the versions in %s changed since the "
			 "plan was made; nothing changed", w->moves[0].stage);
}

/* The optimistic check inside the write transaction. Returns NULL when
 * the registry is as the plan expected (or on an error: tx->err), else
 * what it is now. */
static char *write_check(struct wtx *tx, const struct registry_write *w)
{
	char *msg = NULL;

	if (w->kind == RW_ALIAS)
		return check_alias(tx, w);
	for (size_t i = 0; i < w->nmoves && !msg && !tx->err; i++)
		msg = check_move(tx, w, &w->moves[i]);
	if (!msg && !tx->err && w->archive_existing && w->nmoves == 1)
		msg = check_in_stage(tx, w);
	return msg;
}

/* The event's key is chosen here, inside the transaction, from the tags
 * as they are now: two promotions racing each other both keep their
 * event. */
static int write_event_keys(struct wtx *tx, struct registry_write *w)
{
	const char *what = "reading the history tags";
	struct kv_list tags = {0};
	sqlite3_stmt *st;
	char *key = NULL, *drop = NULL;

	st = tx_query(tx, what, WS_WHERE(tx, "SELECT key FROM "
			"registered_model_tags WHERE name = ?1",
			" AND key LIKE '" STORE_EVENT_PREFIX "%'"), "t", w->model);
	if (!st)
		return -1;
	while (tx_row(tx, what, st))
		kv_list_set(&tags, (const char *)sqlite3_column_text(st, 0), "");
	sqlite3_finalize(st);
	if (!tx->err)
		store_event_keys(&tags, &key, &drop);
	kv_list_clear(&tags);
	if (tx->err)
		return -1;
	free((char *)w->event_key);
	free((char *)w->drop_key);
	w->event_key = key;
	w->drop_key = drop;
	return 0;
}

static int write_alias(struct wtx *tx, const struct registry_write *w)
{
	if (w->version > 0)
		return tx_run(tx, "setting the alias", tx_query(tx,
			"setting the alias", WS_INSERT(tx, "INSERT OR REPLACE "
			"INTO registered_model_aliases", "alias, version, name",
			"?1, ?2, ?3"), "tit", w->alias,
			(sqlite3_int64)w->version, w->model));
	return tx_run(tx, "deleting the alias", tx_query(tx,
		"deleting the alias", WS_WHERE(tx, "DELETE FROM "
		"registered_model_aliases WHERE alias = ?1 AND name = ?2", ""),
		"tt", w->alias, w->model));
}

/* As MLflow's transition_model_version_stage: archived versions, the
 * moved ones and the model get the same time. */
static int write_stages(struct wtx *tx, const struct registry_write *w,
			int64_t now)
{
	if (w->archive_existing && w->nmoves == 1 &&
	    tx_run(tx, "archiving the versions in the stage", tx_query(tx,
		    "archiving the versions in the stage", WS_WHERE(tx,
		    "UPDATE model_versions SET current_stage = 'Archived', "
		    "last_updated_time = ?1 WHERE name = ?2 AND version != ?3"
		    " AND current_stage = ?4", ""), "itit", (sqlite3_int64)now,
		    w->model, (sqlite3_int64)w->moves[0].version,
		    w->moves[0].stage)) != 0)
		return -1;
	for (size_t i = 0; i < w->nmoves; i++) {
		if (tx_run(tx, "moving the version", tx_query(tx,
			    "moving the version", WS_WHERE(tx,
			    "UPDATE model_versions SET current_stage = ?1, "
			    "last_updated_time = ?2 WHERE name = ?3 AND "
			    "version = ?4", ""), "titi", w->moves[i].stage,
			    (sqlite3_int64)now, w->model,
			    (sqlite3_int64)w->moves[i].version)) != 0)
			return -1;
		if (i == 0)
			test_hook_pause_in_write();
	}
	return tx_run(tx, "updating the model's time", tx_query(tx,
		"updating the model's time", WS_WHERE(tx, "UPDATE "
		"registered_models SET last_updated_time = ?1 WHERE name = ?2",
		""), "it", (sqlite3_int64)now, w->model));
}

static int write_event(struct wtx *tx, const struct registry_write *w)
{
	if (w->event_key &&
	    tx_run(tx, "recording the history event", tx_query(tx,
		    "recording the history event", WS_INSERT(tx,
		    "INSERT OR REPLACE INTO registered_model_tags",
		    "key, value, name", "?1, ?2, ?3"), "ttt", w->event_key,
		    w->event_value, w->model)) != 0)
		return -1;
	if (w->drop_key &&
	    tx_run(tx, "dropping the oldest history event", tx_query(tx,
		    "dropping the oldest history event", WS_WHERE(tx,
		    "DELETE FROM registered_model_tags WHERE key = ?1 AND "
		    "name = ?2", ""), "tt", w->drop_key, w->model)) != 0)
		return -1;
	return 0;
}

/* The check, the move and the event, inside the open transaction.
 * Returns NULL or a conflict; errors in tx->err. */
static char *write_body(struct wtx *tx, struct registry_write *w,
			int64_t now)
{
	char *msg = write_check(tx, w);

	if (msg || tx->err)
		return msg;
	if (w->event_key && write_event_keys(tx, w) != 0)
		return NULL;
	if (w->kind == RW_ALIAS) {
		if (write_alias(tx, w) != 0)
			return NULL;
		test_hook_pause_in_write();
	} else if (write_stages(tx, w, now) != 0) {
		return NULL;
	}
	write_event(tx, w);
	return NULL;
}

/* One transaction on a connection of its own, opened for this write
 * only: the check, the move, the timestamps MLflow sets, the history
 * event. A kill at any point leaves the old state or the new. */
int sqlite_job_write(struct store *s, struct job *j)
{
	struct sqlite_store *ss = impl(s);
	struct wtx tx = {
		.ws = ss->cols.reg_workspace ? ss->workspace : NULL,
	};
	char *msg = NULL;
	int rc;

	if (s->read_only) {
		model_set_error(s->model, "read-only: writes are disabled "
				"(--read-only)");
		return -1;
	}
	if (!ss->cols.registry) {
		model_set_error(s->model, "this store has no model registry");
		return -1;
	}
	rc = sqlite3_open_v2(s->uri.path, &tx.db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(tx.db, 2000);
		rc = sqlite3_exec(tx.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		msg = xasprintf("cannot write to %s: %s", s->uri.path,
				tx.db ? sqlite3_errmsg(tx.db)
				      : sqlite3_errstr(rc));
		goto out;
	}
	msg = write_body(&tx, j->write, clock_now_ms());
	if (!msg && !tx.err &&
	    sqlite3_exec(tx.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		tx_fail(&tx, "committing");
	if (!msg && !tx.err)
		goto out;
	if (!msg)
		msg = xasprintf("writing to %s failed: %s; nothing changed",
				s->uri.path, tx.err);
	sqlite3_exec(tx.db, "ROLLBACK", NULL, NULL, NULL);
out:
	free(tx.err);
	sqlite3_close(tx.db);
	if (msg) {
		model_set_error(s->model, msg);
		free(msg);
		return -1;
	}
	return 1;
}
