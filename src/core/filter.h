/* filter.h: the "/" filter: a PCRE2 pattern, "!" in front inverts it.
 * Case-insensitive unless the pattern has an upper-case letter typed as a
 * literal (escapes like \S or \p{Lu}, group names and (*VERBS) do not
 * count). UTF, UCP and MULTILINE mode (a subject of several fields joined
 * by "\n" anchors ^ and $ at each field); invalid UTF-8 in a subject
 * never errors. */
#ifndef MLTOP_FILTER_H
#define MLTOP_FILTER_H

#include <stdbool.h>

struct filter;

/* Compile; on a bad pattern returns NULL and sets *err (caller frees) to
 * "missing closing parenthesis at offset 4" style text, the offset
 * counting in the pattern as typed ("!" included). err may be NULL. An
 * empty pattern, or "!" alone, gives NULL, no err. */
struct filter *filter_new(const char *pattern, char **err);
void filter_free(struct filter *f);
/* Does the subject match (taking "!" into account)? NULL f matches
 * everything; NULL subject is "". Backtracking is bounded: a match that
 * hits the limit counts as no match. Not reentrant (one match data a
 * filter). */
bool filter_match(const struct filter *f, const char *subject);
const char *filter_pattern(const struct filter *f);

#endif
