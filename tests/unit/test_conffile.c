/* test_conffile.c: unit tests for the config line parser and its
 * registration API: `set` is config's own, other words go to whoever
 * registered them, and the unknown-word message lists what is known. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "config/conffile.h"
#include "config/options.h"
#include "core/xmalloc.h"
#include "tap.h"

static int calls, last_argc;
static char last_arg[64];

static int fake(int argc, char **argv, char **err)
{
	calls++;
	last_argc = argc;
	snprintf(last_arg, sizeof(last_arg), "%s", argv[argc - 1]);
	if (argc == 1) {
		*err = xstrdup("usage: fake ARG");
		return -1;
	}
	return 0;
}

static int line(const char *l, char **err)
{
	free(*err);
	*err = NULL;
	return config_line(l, err);
}

int main(void)
{
	char *err = NULL;

	options_init();
	is_int(line("bind q quit", &err), -1, "nothing registered: bind unknown");
	is_str(err, "unknown command 'bind' (expected set)",
	       "nothing registered: only set listed");
	config_register_handler("bind", fake);
	config_register_handler("color", fake);
	config_register_alias("colour", "color");
	is_int(line("nope x", &err), -1, "unknown word");
	is_str(err, "unknown command 'nope' (expected set, bind or color)",
	       "unknown word: registered words listed, alias not");
	is_int(line("bind 'a b' \"quit\" # comment", &err), 0, "bind dispatched");
	is_int(last_argc, 3, "handler gets the words, the command word first");
	is_str(last_arg, "quit", "quotes removed");
	is_int(line("colour x y", &err), 0, "alias dispatched");
	is_int(calls, 2, "handler called once a line");
	is_int(line("color", &err), -1, "handler error passed on");
	is_str(err, "usage: fake ARG", "handler message passed on");
	is_int(line("   # only a comment", &err), 0, "comment line");
	is_int(line("set spark-width=20", &err), 0, "set NAME=VALUE");
	is_str(opt_text(OPT_SPARK_WIDTH), "20", "set applied");
	is_int(line("set spark-width 99", &err), -1, "set out of range");
	is_str(err, "spark-width: 99 is out of range (0 to 40 cells)",
	       "set: range message");
	is_int(line("set nope 1", &err), -1, "set unknown option");
	is_str(err, "unknown option 'nope'", "set: unknown option message");
	is_int(line("set 'unterminated", &err), -1, "unterminated quote");
	free(err);
	options_free();
	return done_testing();
}
