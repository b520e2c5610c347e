/* fuzz_theme.c: libFuzzer target for theme files (config syntax,
 * mostly `color` lines), loaded and then applied to a 256-colour
 * curses screen drawn to /dev/null, as mltop applies a theme. */
#include "config.h"

#include <curses.h>

#include "config/conffile.h"
#include "config/options.h"
#include "fuzz.h"
#include "ui/keymap.h"
#include "ui/theme.h"
#include "ui/ui_config.h"

static SCREEN *screen;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");

	(void)argc;
	(void)argv;
	options_init();
	keymap_init();
	ui_config_register();
	setenv("TERM", "xterm-256color", 1);
	unsetenv("NO_COLOR");
	screen = out && in ? newterm(NULL, out, in) : NULL;
	if (!screen) {
		fprintf(stderr, "fuzz_theme: no xterm-256color terminal\n");
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_list errs = { 0 };
	int nerr;

	nerr = config_load_buffer("fuzz.theme", (const char *)data, size, &errs);
	fuzz_check(nerr >= 0 && (size_t)nerr == errs.n, "fuzz_theme",
		   "one message a bad line");
	msg_list_free(&errs);
	/* Colour, then monochrome: both must give every slot an attr. */
	theme_apply(0);
	for (int s = 0; s < SLOT__COUNT; s++)
		(void)theme_attr((enum slot)s);
	theme_apply(1);
	for (int s = 0; s < SLOT__COUNT; s++)
		fuzz_check((theme_attr((enum slot)s) & A_COLOR) == 0,
			   "fuzz_theme", "mono uses no colour pair");
	options_free();
	options_init();
	keymap_init();
	return 0;
}
