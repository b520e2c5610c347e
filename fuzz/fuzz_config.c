/* fuzz_config.c: libFuzzer target for config files: each input is a
 * whole file, read by config_load_buffer() as config_load() reads one. */
#include "config.h"

#include "alert/rules.h"
#include "config/conffile.h"
#include "config/options.h"
#include "fuzz.h"
#include "ui/keymap.h"
#include "ui/theme.h"
#include "ui/ui_config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	options_init();
	keymap_init();
	ui_config_register();
	alert_rules_register();
	theme_reset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_list errs = { 0 };
	int nerr;

	nerr = config_load_buffer("fuzz.conf", (const char *)data, size, &errs);
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
	rule_set_clear(alert_user_rules());
	return 0;
}
