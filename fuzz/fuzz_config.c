/* fuzz_config.c: libFuzzer target for config files: each input is a
 * whole file, read by config_load_stream() as config_load() reads one. */
#include "config.h"

#include "config/config.h"
#include "config/options.h"
#include "fuzz.h"
#include "ui/keymap.h"
#include "ui/theme.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	options_init();
	keymap_init();
	theme_reset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_list errs = { 0 };
	FILE *f;
	int nerr;

	/* fmemopen refuses an empty buffer on older C libraries. */
	f = fmemopen((void *)(size ? data : (const uint8_t *)""),
		     size ? size : 1, "r");
	if (!f)
		return 0;
	nerr = config_load_stream(f, "fuzz.conf", &errs);
	fclose(f);
	fuzz_check(nerr >= 0 && (size_t)nerr == errs.n, "fuzz_config",
		   "one message a bad line");
	for (size_t i = 0; i < errs.n; i++)
		fuzz_check(strncmp(errs.v[i], "fuzz.conf:", 10) == 0 &&
			   errs.v[i][10] >= '1' && errs.v[i][10] <= '9',
			   "fuzz_config", "messages say file:line");
	msg_list_free(&errs);
	/* Every option still has a value to show. */
	for (int id = 0; id < OPT__COUNT; id++)
		fuzz_check(opt_text(id) != NULL, "fuzz_config", "option text");
	/* The next input starts from the defaults, so a crash reproduces
	 * from its own input alone. */
	options_free();
	options_init();
	keymap_init();
	theme_reset();
	return 0;
}
