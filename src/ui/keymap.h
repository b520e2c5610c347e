/* keymap.h: which key runs which action, and key names in config syntax.
 * Names: a single character, or <Enter> <Esc> <Tab> <Space> <Up> <C-d> ... */
#ifndef MLTOP_KEYMAP_H
#define MLTOP_KEYMAP_H

#include "ui/actions.h"

#define KEYMAP_MAX 1024

/* Parse a key name into a key code (ncurses KEY_* or a character);
 * returns -1 when it is not a key name. */
int key_parse(const char *name);
/* The display name of a key code, into buf. */
const char *key_label(int key, char *buf, int bufsz);

void keymap_init(void);        /* the default bindings from actions.h */
/* bind KEY ACTION; returns 0 or -1 with *err. */
int keymap_bind(const char *key, const char *action, char **err);
enum action keymap_lookup(int key);
/* The keys bound to an action, "j, <Down>", into buf. */
const char *keymap_keys(enum action a, char *buf, int bufsz);

#endif
