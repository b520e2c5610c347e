/* ask.h: asking the user before a write, on the terminal (not stdin: a
 * script's stdin is its own). */
#ifndef MLTOP_CLI_ASK_H
#define MLTOP_CLI_ASK_H

#include <stdio.h>

/* When stdout is not the terminal, show(tty, ctx) prints the plan there
 * first: whoever answers must see it. Returns 1 yes, 0 no, -1 no
 * terminal. */
int cli_ask(void (*show)(FILE *tty, const void *ctx), const void *ctx);

#endif
