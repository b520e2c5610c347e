/* rest_parse_priv.h: what the REST reply parsers share: the walk's
 * context (error path, second pass), typed field access, key/value lists.
 * Private to src/store/rest_parse*.c. */
#ifndef MLTOP_REST_PARSE_PRIV_H
#define MLTOP_REST_PARSE_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/model.h"

/* A string-keyed table of pointers for one call: merging a reply with
 * n experiments or runs stays O(n) where the model's own lookups scan. */
struct pindex {
	void **slot;
	size_t cap, n;
	const char *(*id)(const void *p);
};

struct ctx {
	char **err;
	bool apply;            /* second pass: the reply checked out */
	bool failed;
	/* Where the walk is, as "runs[3].info.start_time" segments: text
	 * only when an error needs it. */
	struct seg {
		const char *key;       /* NULL: an array index */
		size_t index;
	} path[16];
	size_t depth;
	char **garbage;        /* strings converted for NUL bytes */
	size_t ngarbage, capgarbage;
};

enum need {
	OPTIONAL,
	REQUIRED,       /* present and a string */
	NONEMPTY,       /* and not "": ids */
};

/* rest_parse_json.c. Each check records the first error, with the path
 * the walk is at, and returns a neutral value; a parser checks the whole
 * reply (apply false), then walks it again to apply it. */
void rp_ctx_init(struct ctx *c, char **err);
void rp_ctx_free(struct ctx *c);
void rp_fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
size_t rp_path_key(struct ctx *c, const char *key);
size_t rp_path_index(struct ctx *c, size_t i);
void rp_path_pop(struct ctx *c, size_t old);
const char *rp_type_name(const json_t *v);
json_t *rp_load(struct ctx *c, const char *body, size_t len);
const char *rp_cstr(struct ctx *c, const json_t *s);
const char *rp_get_str(struct ctx *c, const json_t *obj, const char *key,
		       enum need need);
const char *rp_get_id(struct ctx *c, const json_t *obj, const char *key,
		      char buf[24]);
int64_t rp_get_i64(struct ctx *c, const json_t *obj, const char *key);
double rp_get_double(struct ctx *c, const json_t *obj, const char *key);
json_t *rp_get_kind(struct ctx *c, const json_t *obj, const char *key,
		    json_type want, bool required);
json_t *rp_get_array(struct ctx *c, const json_t *obj, const char *key);
json_t *rp_elem_object(struct ctx *c, json_t *arr, size_t i);
void rp_take_token(struct ctx *c, const json_t *root, char **next);
void rp_parse_kv(struct ctx *c, const json_t *obj, const char *key,
		 struct kv_list *l);

#endif
