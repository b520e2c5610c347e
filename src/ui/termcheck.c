/* termcheck.c: can the terminal run the dashboard at all? Kept apart
 * from the views: <term.h> defines macros with everyday names. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <term.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "ui/termcheck.h"

int term_check(const char *term, char **why)
{
	int err = 0;
	const char *cup;
	TERMINAL *saved = cur_term;

	*why = NULL;
	if (!term)
		term = getenv("TERM");
	if (setupterm((char *)term, STDOUT_FILENO, &err) != OK)
		return 0;  /* newterm says what is wrong with an unknown TERM */
	cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		*why = xasprintf("TERM=%s cannot move the cursor, which the "
				 "dashboard needs; run it in a terminal that "
				 "can (xterm, tmux, screen ...), or use the "
				 "scripting commands (mltop --help)",
				 term ? term : "unset");
	}
	del_curterm(cur_term);
	set_curterm(saved);
	return *why ? -1 : 0;
}
