/* msg.h: mltop's lines on standard error, made safe to print.
 * Messages quote paths, names, server and file text: all of it untrusted. */
#ifndef MLTOP_MSG_H
#define MLTOP_MSG_H

#include <stdio.h>

/* "mltop: " and the formatted text with every terminal control made
 * visible (core/sanitize.h), then a newline, on stderr. */
void msg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same into a stream of the caller's (usage lines, tests). */
void msg_to(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A scripting command's stdout could not be written (a full disk, a
 * closed pipe): say so once and return the exit status to use. A write
 * command that already changed the store says that the change stands. */
int msg_output_failed(int rc, int err, int changed);

#endif
