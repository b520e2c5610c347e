/* keymap.c: key codes to actions, and key names both ways.
 * Defaults go through keymap_bind(), the same path as a user's `bind`. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/xmalloc.h"
#include "ui/keymap.h"

const struct action_def action_defs[ACT__COUNT] = {
	[ACT_NONE] = {"none", "", ""},
#define X(id, name, keys, help) [ACT_##id] = {name, keys, help},
	ACTIONS(X)
#undef X
};

static enum action bindings[KEYMAP_MAX];

static const struct {
	const char *name;
	int key;
} named[] = {
	{"Enter", '\n'},     {"Return", '\r'},     {"Esc", 27},
	{"Tab", '\t'},       {"S-Tab", KEY_BTAB},  {"Space", ' '},
	{"Up", KEY_UP},      {"Down", KEY_DOWN},   {"Left", KEY_LEFT},
	{"Right", KEY_RIGHT}, {"PgUp", KEY_PPAGE}, {"PgDn", KEY_NPAGE},
	{"Home", KEY_HOME},  {"End", KEY_END},     {"Backspace", KEY_BACKSPACE},
	{"Del", KEY_DC},     {"Ins", KEY_IC},      {"F1", KEY_F(1)},
	{"F2", KEY_F(2)},    {"F3", KEY_F(3)},     {"F4", KEY_F(4)},
	{"F5", KEY_F(5)},    {"F10", KEY_F(10)},   {"lt", '<'},
};

int action_find(const char *name)
{
	for (int i = 1; i < ACT__COUNT; i++)
		if (strcmp(action_defs[i].name, name) == 0)
			return i;
	return ACT_NONE;
}

int key_parse(const char *name)
{
	size_t len = strlen(name);

	if (len == 1)
		return (unsigned char)name[0];
	if (len < 3 || name[0] != '<' || name[len - 1] != '>')
		return -1;
	if (len == 5 && (name[1] == 'C' || name[1] == 'c') && name[2] == '-') {
		int c = name[3];

		if (c >= 'a' && c <= 'z')
			return c - 'a' + 1;
		if (c >= 'A' && c <= 'Z')
			return c - 'A' + 1;
		return -1;
	}
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == len - 2 &&
		    strncasecmp(named[i].name, name + 1, len - 2) == 0)
			return named[i].key;
	return -1;
}

const char *key_label(int key, char *buf, int bufsz)
{
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (named[i].key == key && key != '<') {
			snprintf(buf, (size_t)bufsz, "<%s>", named[i].name);
			return buf;
		}
	}
	if (key >= 1 && key <= 26)
		snprintf(buf, (size_t)bufsz, "<C-%c>", 'a' + key - 1);
	else if (key > 32 && key < 127)
		snprintf(buf, (size_t)bufsz, "%c", key);
	else
		snprintf(buf, (size_t)bufsz, "<%d>", key);
	return buf;
}

int keymap_bind(const char *key, const char *action, char **err)
{
	int k = key_parse(key);
	int a = strcmp(action, "none") == 0 ? ACT_NONE : action_find(action);

	if (k < 0 || k >= KEYMAP_MAX) {
		*err = xasprintf("unknown key '%s' (use a character or a name "
				 "like <Enter>, <C-d>)", key);
		return -1;
	}
	if (a == ACT_NONE && strcmp(action, "none") != 0) {
		*err = xasprintf("unknown action '%s'", action);
		return -1;
	}
	bindings[k] = (enum action)a;
	/* A terminal sends \r or \n for Enter depending on its mode. */
	if (k == '\n')
		bindings['\r'] = (enum action)a;
	if (k == KEY_ENTER || k == '\n')
		bindings[KEY_ENTER] = (enum action)a;
	if (k == KEY_BACKSPACE)
		bindings[127] = (enum action)a;
	return 0;
}

void keymap_init(void)
{
	memset(bindings, 0, sizeof(bindings));
	for (int a = 1; a < ACT__COUNT; a++) {
		char keys[128], *save = NULL, *tok;

		snprintf(keys, sizeof(keys), "%s", action_defs[a].keys);
		for (tok = strtok_r(keys, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			char *err = NULL;

			if (keymap_bind(tok, action_defs[a].name, &err) != 0)
				die("default binding: %s", err);
		}
	}
}

enum action keymap_lookup(int key)
{
	if (key < 0 || key >= KEYMAP_MAX)
		return ACT_NONE;
	return bindings[key];
}

const char *keymap_keys(enum action a, char *buf, int bufsz)
{
	int len = 0;

	buf[0] = '\0';
	for (int k = 0; k < KEYMAP_MAX && len < bufsz - 1; k++) {
		char name[32];

		if (bindings[k] != a || k == '\r' || k == KEY_ENTER ||
		    (k == 127 && bindings[KEY_BACKSPACE] == a))
			continue;
		len += snprintf(buf + len, (size_t)(bufsz - len), "%s%s",
				len ? " " : "", key_label(k, name, sizeof(name)));
	}
	if (len >= bufsz)
		buf[bufsz - 1] = '\0';
	return buf;
}
