/* tap.h: a tiny TAP producer for mltop's unit tests.
 * Prints "ok N - name" lines for people; the exit code is what make reads. */
#ifndef MLTOP_TAP_H
#define MLTOP_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_run, tap_failed, tap_planned;

/* Diagnostics show bytes, never send them: a failing sanitizer test must
 * not clear the terminal it reports to, so everything outside printable
 * ASCII is written as \xNN. */
static inline void tap_show(const char *what, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	printf("#   %-9s", what);
	if (!s) {
		puts("(null)");
		return;
	}
	putchar('\'');
	for (; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	puts("'");
}

static inline int tap_vok(int pass, const char *file, int line,
			  const char *fmt, va_list ap)
{
	tap_run++;
	printf("%sok %d - ", pass ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	putchar('\n');
	if (!pass) {
		tap_failed++;
		printf("#   Failed test at %s line %d.\n", file, line);
	}
	return pass;
}

static inline int tap_ok(int pass, const char *file, int line,
			 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int tap_ok(int pass, const char *file, int line,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pass = tap_vok(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

static inline int tap_is_int(long long got, long long want, const char *file,
			     int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static inline int tap_is_int(long long got, long long want, const char *file,
			     int line, const char *fmt, ...)
{
	va_list ap;
	int pass;

	va_start(ap, fmt);
	pass = tap_vok(got == want, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   got:      %lld\n#   expected: %lld\n", got, want);
	return pass;
}

static inline int tap_is_str(const char *got, const char *want,
			     const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static inline int tap_is_str(const char *got, const char *want,
			     const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int pass;

	if (!got || !want)
		pass = got == want;
	else
		pass = strcmp(got, want) == 0;
	va_start(ap, fmt);
	pass = tap_vok(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		tap_show("got:", got);
		tap_show("expected:", want);
	}
	return pass;
}

static inline void tap_plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

/* Ends the test: prints the plan if none was given, and returns the
 * exit status (non-zero when a check failed or the count is off). */
static inline int tap_done(void)
{
	if (!tap_planned)
		printf("1..%d\n", tap_run);
	else if (tap_planned != tap_run)
		printf("# planned %d tests but ran %d\n", tap_planned, tap_run);
	if (tap_failed)
		printf("# failed %d of %d tests\n", tap_failed, tap_run);
	fflush(stdout);
	return tap_failed || (tap_planned && tap_planned != tap_run) ? 1 : 0;
}

/* Stops with a message when the test cannot go on (TAP "Bail out!"). */
static inline int tap_bail(const char *why)
{
	printf("Bail out! %s\n", why);
	fflush(stdout);
	return 1;
}

#define plan(n) tap_plan(n)
#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, \
		   __VA_ARGS__)
#define is_str(got, want, ...) \
	tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define diag(...) (printf("# "), printf(__VA_ARGS__), putchar('\n'))
#define done_testing() tap_done()

#endif
