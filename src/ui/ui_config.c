/* ui_config.c: the handlers of the config lines the ui owns:
 * `bind KEY ACTION` (keymap) and `color SLOT FG BG [ATTRS]` (theme). */
#include "config.h"

#include <stdlib.h>

#include "config/conffile.h"
#include "core/xmalloc.h"
#include "ui/keymap.h"
#include "ui/theme.h"
#include "ui/ui_config.h"

static int bind_line(int argc, char **argv, char **err)
{
	if (argc != 3) {
		*err = xstrdup("usage: bind <key> <action>");
		return -1;
	}
	return keymap_bind(argv[1], argv[2], err);
}

static int color_line(int argc, char **argv, char **err)
{
	return theme_set(argc - 1, argv + 1, err);
}

void ui_config_register(void)
{
	config_register_handler("bind", bind_line);
	config_register_handler("color", color_line);
	config_register_alias("colour", "color");
}
