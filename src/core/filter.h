/* filter.h: the "/" filter: a PCRE2 pattern, "!" in front inverts it.
 * Case-insensitive unless the pattern has an upper-case letter. */
#ifndef MLTOP_FILTER_H
#define MLTOP_FILTER_H

#include <stdbool.h>

struct filter;

/* Compile; on a bad pattern returns NULL and sets *err (caller frees) to
 * "missing ) at offset 4" style text. An empty pattern gives NULL, no err. */
struct filter *filter_new(const char *pattern, char **err);
void filter_free(struct filter *f);
/* Does the subject match (taking "!" into account)? */
bool filter_match(const struct filter *f, const char *subject);
const char *filter_pattern(const struct filter *f);

#endif
