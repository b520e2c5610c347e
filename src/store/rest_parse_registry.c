/* rest_parse_registry.c: MLflow model registry replies (registered
 * models, versions, aliases, tags) merged into the model. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sanitize.h"
#include "core/xmalloc.h"
#include "store/rest_parse.h"
#include "store/rest_parse_priv.h"

/* --- the model registry -------------------------------------------------- */

/* aliases: [{"alias": "champion", "version": "2"}] */
static void parse_aliases(struct ctx *c, const json_t *obj,
			  struct kv_list *l)
{
	json_t *arr = json_object_get(obj, "aliases");
	size_t old = rp_path_key(c, "aliases");

	if (arr && !json_is_array(arr) && !json_is_null(arr))
		rp_fail(c, "expected an array, got %s", rp_type_name(arr));
	if (c->apply && l && json_is_array(arr))
		kv_list_clear(l);
	for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr) &&
			   !c->failed; i++) {
		size_t o = rp_path_index(c, i);
		json_t *a = rp_elem_object(c, arr, i);
		const char *name = a ? rp_get_str(c, a, "alias", REQUIRED) : NULL;
		int64_t v = a ? rp_get_i64(c, a, "version") : 0;

		if (c->apply && l && name) {
			char buf[24];

			snprintf(buf, sizeof(buf), "%" PRId64, v);
			kv_list_set(l, name, buf);
		}
		rp_path_pop(c, o);
	}
	rp_path_pop(c, old);
}

static void parse_version(struct ctx *c, struct registered_model *rm,
			  const json_t *mv)
{
	int64_t version = rp_get_i64(c, mv, "version");
	const char *stage = rp_get_str(c, mv, "current_stage", OPTIONAL);
	const char *status = rp_get_str(c, mv, "status", OPTIONAL);
	const char *desc = rp_get_str(c, mv, "description", OPTIONAL);
	const char *source = rp_get_str(c, mv, "source", OPTIONAL);
	const char *run = rp_get_str(c, mv, "run_id", OPTIONAL);
	const char *user = rp_get_str(c, mv, "user_id", OPTIONAL);
	int64_t ctime = rp_get_i64(c, mv, "creation_timestamp");
	int64_t utime = rp_get_i64(c, mv, "last_updated_timestamp");
	struct model_version *v = NULL;

	if (c->failed)
		return;
	if (c->apply && rm) {
		v = registered_version_upsert(rm, (int)version);
		v->seen = true;
		set_str(&v->stage, stage ? stage : "None");
		set_str(&v->status, status);
		set_str(&v->description, desc);
		set_str(&v->source, source);
		set_str(&v->run_id, run && *run ? run : NULL);
		set_str(&v->user_id, user);
		v->creation_time = ctime;
		v->last_updated_time = utime;
	}
	rp_parse_kv(c, mv, "tags", v ? &v->tags : NULL);
}

int rest_parse_models(struct model *m, const char *body, size_t len,
		      char **next, char **err)
{
	struct ctx c;
	json_t *root, *arr;
	size_t n = 0;

	rp_ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = rp_load(&c, body, len);
	if (!root)
		goto out;
	arr = json_object_get(root, "registered_models");
	if (arr && !json_is_array(arr))
		arr = rp_get_array(&c, root, "registered_models");
	n = json_is_array(arr) ? json_array_size(arr) : 0;
	for (int pass = 0; pass < 2 && !c.failed; pass++) {
		c.apply = pass == 1;
		for (size_t i = 0; i < n && !c.failed; i++) {
			size_t old = rp_path_key(&c, "registered_models");
			json_t *o, *lv;
			const char *name, *desc, *prompt;
			int64_t ct, ut;
			struct registered_model *rm = NULL;

			rp_path_index(&c, i);
			o = rp_elem_object(&c, arr, i);
			name = o ? rp_get_str(&c, o, "name", NONEMPTY) : NULL;
			desc = o ? rp_get_str(&c, o, "description", OPTIONAL) : NULL;
			ct = o ? rp_get_i64(&c, o, "creation_timestamp") : 0;
			ut = o ? rp_get_i64(&c, o, "last_updated_timestamp") : 0;
			if (c.apply && name) {
				rm = model_registered_upsert(m, name);
				rm->seen = true;
				set_str(&rm->description, desc);
				rm->creation_time = ct;
				rm->last_updated_time = ut;
			}
			if (o) {
				rp_parse_kv(&c, o, "tags", rm ? &rm->tags : NULL);
				parse_aliases(&c, o, rm ? &rm->aliases : NULL);
				lv = json_object_get(o, "latest_versions");
				for (size_t k = 0; json_is_array(lv) &&
						   k < json_array_size(lv) &&
						   !c.failed; k++) {
					json_t *mv = json_array_get(lv, k);
					int64_t ver = json_is_object(mv)
						? rp_get_i64(&c, mv, "version") : 0;

					if (rm && ver > rm->latest_version)
						rm->latest_version = (int)ver;
				}
			}
			if (rm) {
				prompt = kv_list_get(&rm->tags,
						     "mlflow.prompt.is_prompt");
				rm->is_prompt = prompt &&
						strcasecmp(prompt, "true") == 0;
			}
			rp_path_pop(&c, old);
		}
		if (!c.apply)
			rp_take_token(&c, root, next);
	}
	if (!c.failed)
		model_touch(m);
out:
	json_decref(root);
	rp_ctx_free(&c);
	if (c.failed) {
		if (next) {
			free(*next);
			*next = NULL;
		}
		return -1;
	}
	return (int)n;
}

int rest_parse_versions(struct registered_model *rm, const char *body,
			size_t len, char **next, char **err)
{
	struct ctx c;
	json_t *root, *arr, *one;
	size_t n = 0;

	rp_ctx_init(&c, err);
	if (next)
		*next = NULL;
	root = rp_load(&c, body, len);
	if (!root)
		goto out;
	/* registered-models/get: {"registered_model": {..., aliases, tags}} */
	one = json_object_get(root, "registered_model");
	if (one) {
		for (int pass = 0; pass < 2 && !c.failed; pass++) {
			c.apply = pass == 1;
			if (!json_is_object(one)) {
				rp_fail(&c, "registered_model: expected an object");
				break;
			}
			rp_parse_kv(&c, one, "tags", c.apply ? &rm->tags : NULL);
			parse_aliases(&c, one, c.apply ? &rm->aliases : NULL);
		}
		goto out;
	}
	arr = json_object_get(root, "model_versions");
	if (arr && !json_is_array(arr))
		arr = rp_get_array(&c, root, "model_versions");
	n = json_is_array(arr) ? json_array_size(arr) : 0;
	for (int pass = 0; pass < 2 && !c.failed; pass++) {
		c.apply = pass == 1;
		for (size_t i = 0; i < n && !c.failed; i++) {
			size_t old = rp_path_key(&c, "model_versions");
			json_t *mv;

			rp_path_index(&c, i);
			mv = rp_elem_object(&c, arr, i);
			if (mv) {
				const char *st = rp_get_str(&c, mv,
							    "current_stage",
							    OPTIONAL);

				if (!st || strcmp(st, "Deleted_Internal") != 0)
					parse_version(&c, c.apply ? rm : NULL,
						      mv);
			}
			rp_path_pop(&c, old);
		}
		if (!c.apply)
			rp_take_token(&c, root, next);
	}
out:
	json_decref(root);
	rp_ctx_free(&c);
	if (c.failed) {
		if (next) {
			free(*next);
			*next = NULL;
		}
		return -1;
	}
	return (int)n;
}

