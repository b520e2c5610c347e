/* ask.c: "Apply? [y/N]" on the terminal. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/ask.h"

int cli_ask(void (*show)(FILE *tty, const void *ctx), const void *ctx)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	char line[64];
	FILE *tty;
	int yes = 0;

	if (fd < 0)
		return -1;
	tty = fdopen(fd, "r+");
	if (!tty) {
		close(fd);
		return -1;
	}
	if (!isatty(STDOUT_FILENO) && show)
		show(tty, ctx);
	fputs("Apply? [y/N] ", tty);
	fflush(tty);
	if (fgets(line, sizeof(line), tty)) {
		const char *a = line + strspn(line, " \t");

		yes = (a[0] == 'y' || a[0] == 'Y') &&
		      (a[1] == '\0' || a[1] == '\n' ||
		       strncasecmp(a, "yes", 3) == 0);
	}
	fclose(tty);
	return yes;
}
