/* xmalloc.h: allocation wrappers that never return NULL.
 * On failure they call die(), which restores the terminal first. */
#ifndef MLTOP_XMALLOC_H
#define MLTOP_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Resize to n elements of size bytes; dies when n * size overflows. */
void *xreallocarray(void *p, size_t n, size_t size);
/* Grow *p (of *cap elements of size sz) so that it holds at least need;
 * dies when the bytes needed do not fit a size_t. */
void *xgrow(void *p, size_t *cap, size_t need, size_t sz);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* Hook run by die() before printing: the TUI sets it to endwin(). */
extern void (*die_hook)(void);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
