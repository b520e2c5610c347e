/* msg.c: mltop's lines on standard error, made safe to print.
 * Every message to the terminal goes through sanitize_text once, here. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msg.h"
#include "core/sanitize.h"
#include "core/xmalloc.h"

__attribute__((format(printf, 2, 0)))
static void vmsg(FILE *f, const char *fmt, va_list ap)
{
	char *text = NULL, *safe;

	if (vasprintf(&text, fmt, ap) < 0) {
		fputs("mltop: (a message that could not be formatted)\n", f);
		return;
	}
	safe = sanitize_text(text);
	fprintf(f, "mltop: %s\n", safe);
	free(safe);
	free(text);
}

void msg_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(stderr, fmt, ap);
	va_end(ap);
}

void msg_to(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(f, fmt, ap);
	va_end(ap);
}

int msg_output_failed(int rc, int err, int changed)
{
	msg_err("cannot write the output: %s%s", strerror(err),
		changed ? " (the change itself was made and recorded)" : "");
	/* A failure the command already reported keeps its own status. */
	return rc && rc != 2 ? rc : 6;
}
