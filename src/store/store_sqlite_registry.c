/* store_sqlite_registry.c: registered models, versions, aliases and tags
 * read from an MLflow SQLite store, with or without workspaces. */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xmalloc.h"
#include "store/store.h"
#include "store/store_sqlite.h"

/* --- the model registry ------------------------------------------------- */

/* " AND workspace = ?N" where the schema has workspaces. */
static const char *ws_clause(struct store *s, const char *col_prefix,
			     char *buf, size_t n, int param)
{
	if (!impl(s)->cols.reg_workspace)
		return "";
	snprintf(buf, n, " AND %sworkspace = ?%d", col_prefix, param);
	return buf;
}

static void bind_ws(struct store *s, sqlite3_stmt *st, int param)
{
	if (impl(s)->cols.reg_workspace)
		sqlite3_bind_text(st, param, impl(s)->workspace, -1,
				  SQLITE_STATIC);
}

/* Aliases and tags of one model (name) or of all (name NULL). */
static int read_aliases_tags(struct store *s, const char *name)
{
	struct model *m = s->model;
	char w[64], *sql;
	sqlite3_stmt *st;
	int rc;

	for (int q = 0; q < 2; q++) {
		sql = xasprintf(q == 0 ?
			"SELECT name, alias, version FROM "
			"registered_model_aliases WHERE (?1 IS NULL OR name = ?1)%s"
			" ORDER BY name, alias" :
			"SELECT name, key, value FROM registered_model_tags"
			" WHERE (?1 IS NULL OR name = ?1)%s ORDER BY name, key",
			ws_clause(s, "", w, sizeof(w), 2));
		st = sqlite_prep(s, sql);
		free(sql);
		if (!st)
			return -1;
		if (name)
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		bind_ws(s, st, 2);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct registered_model *rm =
				sqlite_col_text(st, 0) ? model_registered(m,
						sqlite_col_text(st, 0)) : NULL;

			if (!rm || !sqlite_col_text(st, 1))
				continue;
			kv_list_set(q == 0 ? &rm->aliases : &rm->tags,
				    sqlite_col_text(st, 1), sqlite_col_text(st, 2));
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			sqlite_fail(s, rc, "reading the model registry");
			return -1;
		}
	}
	return 0;
}

int sqlite_job_models(struct store *s, struct job *j)
{
	struct model *m = s->model;
	char w[64], *sql;
	sqlite3_stmt *st;
	int rc;

	if (!impl(s)->cols.registry) {
		m->models_loaded = true;
		return 1;
	}
	sql = xasprintf("SELECT name, creation_time, last_updated_time,"
			" description FROM registered_models WHERE 1%s"
			" ORDER BY name", ws_clause(s, "", w, sizeof(w), 1));
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	bind_ws(s, st, 1);
	for (size_t i = 0; i < m->nmodels; i++)
		m->models[i]->seen = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct registered_model *rm;

		if (!sqlite_col_text(st, 0))
			continue;
		rm = model_registered_upsert(m, sqlite_col_text(st, 0));
		rm->seen = true;
		rm->creation_time = sqlite_col_int(st, 1);
		rm->last_updated_time = sqlite_col_int(st, 2);
		set_str(&rm->description, sqlite_col_text(st, 3));
		kv_list_clear(&rm->aliases);
		kv_list_clear(&rm->tags);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading registered models");
		return -1;
	}
	model_remove_unseen_registered(m);
	if (read_aliases_tags(s, NULL) != 0)
		return -1;
	sql = xasprintf("SELECT name, max(version) FROM model_versions"
			" WHERE current_stage != 'Deleted_Internal'%s"
			" GROUP BY name", ws_clause(s, "", w, sizeof(w), 1));
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	bind_ws(s, st, 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct registered_model *rm =
			sqlite_col_text(st, 0) ? model_registered(m, sqlite_col_text(st, 0))
					: NULL;

		if (rm)
			rm->latest_version = (int)sqlite_col_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading model versions");
		return -1;
	}
	for (size_t i = 0; i < m->nmodels; i++) {
		const char *p = kv_list_get(&m->models[i]->tags,
					    "mlflow.prompt.is_prompt");

		m->models[i]->is_prompt = p && strcasecmp(p, "true") == 0;
	}
	m->models_loaded = true;
	return 1;
}

int sqlite_job_versions(struct store *s, struct job *j)
{
	struct model *m = s->model;
	struct registered_model *rm;
	char w[64], *sql;
	sqlite3_stmt *st;
	int rc;

	if (!impl(s)->cols.registry)
		return 1;
	rm = model_registered_upsert(m, j->key);
	sql = xasprintf("SELECT version, creation_time, last_updated_time,"
			" description, user_id, current_stage, source, run_id,"
			" status FROM model_versions WHERE name = ?1"
			" AND current_stage != 'Deleted_Internal'%s",
			ws_clause(s, "", w, sizeof(w), 2));
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, j->key, -1, SQLITE_STATIC);
	bind_ws(s, st, 2);
	for (size_t i = 0; i < rm->nversions; i++)
		rm->versions[i].seen = false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct model_version *v =
			registered_version_upsert(rm, (int)sqlite_col_int(st, 0));

		v->seen = true;
		v->creation_time = sqlite_col_int(st, 1);
		v->last_updated_time = sqlite_col_int(st, 2);
		set_str(&v->description, sqlite_col_text(st, 3));
		set_str(&v->user_id, sqlite_col_text(st, 4));
		set_str(&v->stage, sqlite_col_text(st, 5));
		set_str(&v->source, sqlite_col_text(st, 6));
		set_str(&v->run_id, sqlite_col_text(st, 7) && *sqlite_col_text(st, 7)
					    ? sqlite_col_text(st, 7) : NULL);
		set_str(&v->status, sqlite_col_text(st, 8));
		kv_list_clear(&v->tags);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading model versions");
		return -1;
	}
	registered_remove_unseen_versions(rm);
	sql = xasprintf("SELECT version, key, value FROM model_version_tags"
			" WHERE name = ?1%s", ws_clause(s, "", w, sizeof(w), 2));
	st = sqlite_prep(s, sql);
	free(sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, j->key, -1, SQLITE_STATIC);
	bind_ws(s, st, 2);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct model_version *v = registered_version(rm,
							     (int)sqlite_col_int(st, 0));

		if (v && sqlite_col_text(st, 1))
			kv_list_set(&v->tags, sqlite_col_text(st, 1), sqlite_col_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		sqlite_fail(s, rc, "reading model version tags");
		return -1;
	}
	rm->latest_version = rm->nversions ? rm->versions[0].version : 0;
	kv_list_clear(&rm->aliases);
	kv_list_clear(&rm->tags);
	if (read_aliases_tags(s, j->key) != 0)
		return -1;
	rm->versions_loaded = true;
	return 1;
}
