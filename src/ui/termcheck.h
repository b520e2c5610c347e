/* termcheck.h: refusing terminals the dashboard cannot draw on. */
#ifndef MLTOP_TERMCHECK_H
#define MLTOP_TERMCHECK_H

/* 0 when term (NULL: $TERM) can address the cursor (or is unknown:
 * newterm reports that); -1 with *why (owned) when it cannot (TERM=dumb,
 * a printing terminal). */
int term_check(const char *term, char **why);

#endif
