/* ui_config.h: the ui's words of the config syntax, bind and color.
 * Config knows nothing of keys or colours; the ui registers its handlers. */
#ifndef MLTOP_UI_CONFIG_H
#define MLTOP_UI_CONFIG_H

/* Register bind, color and colour with config; once, at startup, before
 * any config file or `:` command is read. */
void ui_config_register(void);

#endif
