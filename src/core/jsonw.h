/* jsonw.h: a streaming JSON writer for scripting output.
 * Streams to a FILE so 10,000 runs never need a document in memory.
 * Output is compact (no spaces, no newline: the caller ends a document)
 * and always valid UTF-8: strings escape '"', '\\', controls and DEL
 * (\n-style or \u00XX) and U+2028/U+2029; invalid UTF-8 bytes become
 * U+FFFD. Nesting is limited to 63 levels (deeper calls die()). */
#ifndef MLTOP_JSONW_H
#define MLTOP_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct jsonw {
	FILE *f;
	int depth;
	bool need_comma[64];
};

void jsonw_init(struct jsonw *w, FILE *f);
void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *s);   /* NULL -> null */
void jsonw_int(struct jsonw *w, int64_t v);
/* NaN is written as the string "NaN", +/-Inf as "Infinity"/"-Infinity",
 * the way MLflow's REST server writes them. Other values (DBL_MAX
 * included) are numbers in format_value_exact()'s shortest round-trip
 * form. */
void jsonw_double(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);

/* Shorthands for "key": value members. */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_kint(struct jsonw *w, const char *key, int64_t v);

#endif
