/* cond.h: the --if conditions of promote: `metrics.KEY OP NUMBER`
 * joined by `and`. The parser reads user input, so it is fuzzed alone. */
#ifndef MLTOP_COND_H
#define MLTOP_COND_H

#include <stddef.h>

enum cond_op { OP_GE, OP_GT, OP_LE, OP_LT, OP_EQ, OP_NE };

/* One condition; key and numtext owned. */
struct cond {
	char *key;
	enum cond_op op;
	double num;
	char *numtext;      /* as typed, for messages */
};

/* Parse EXPR; returns the count with *out (owned, free with
 * conds_free), or -1 with *err (owned) and *out NULL. */
long conds_parse(const char *expr, struct cond **out, char **err);
void conds_free(struct cond *c, size_t n);

#endif
