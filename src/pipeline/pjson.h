/* pjson.h: checked reading of JSON replies (pjson.c), for the pipeline
 * backends' parsers. Every reader records the first problem in *c->err,
 * named by its place, and later ones are ignored. */
#ifndef MLTOP_PJSON_H
#define MLTOP_PJSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/pipeline.h"

struct pj {
	char **err;
	const char *list;      /* "dags" */
	size_t index;
	bool in_list;
};

/* "an object", "a string", ... */
const char *pj_type(const json_t *v);
void pj_fail(struct pj *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The reply as a JSON object (or, with array_ok, an array). */
json_t *pj_load(struct pj *c, const char *body, size_t len, bool array_ok);
/* A string field (NUL bytes refused), NULL when absent or null. */
char *pj_str(struct pj *c, const json_t *o, const char *key, bool required);
bool pj_bool(struct pj *c, const json_t *o, const char *key);
long long pj_int(struct pj *c, const json_t *o, const char *key,
		 long long dflt);
/* A number, -1 when absent or null. */
double pj_num(struct pj *c, const json_t *o, const char *key);
/* An ISO-8601 time field to epoch ms (0: absent or null). */
int64_t pj_time(struct pj *c, const json_t *o, const char *key);
/* A list of strings, or of objects with "name", as "a, b"; NULL when
 * absent or empty. */
char *pj_names(struct pj *c, const json_t *o, const char *key);
json_t *pj_list_of(struct pj *c, json_t *root, const char *key);
long pj_total(struct pj *c, json_t *root, size_t n);
/* The object as it came, for --json: compact, non-ASCII \u-escaped. */
char *pj_raw(const json_t *o);
/* The objects listed under key (NULL: the reply is the list), each read
 * into the next element of a new array; the first bad one fails all. */
int pj_parse_list(const char *body, size_t len, const char *key,
		  size_t size,
		  void (*read)(struct pj *c, const json_t *o, void *out),
		  void (*drop)(void *v, size_t n), void **out, size_t *n,
		  long *total, char **err);

/* A log line appended to m->log (the oldest tenth dropped past
 * max_lines); a text blob one line a line. */
void pipe_log_push(struct pipe_model *m, int64_t t, const char *level,
		   const char *text, size_t max_lines);
void pipe_log_text(struct pipe_model *m, const char *s, size_t max_lines);

#endif
