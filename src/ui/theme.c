/* theme.c: colour slots and their curses attributes, and theme files.
 * Parsing is separate from applying so a theme file is checked up front. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/conffile.h"
#include "core/xmalloc.h"
#include "ui/theme.h"

const char *const slot_names[SLOT__COUNT] = {
#define X(id, name, def) [SLOT_##id] = name,
	SLOTS(X)
#undef X
};

static const char *const slot_defaults[SLOT__COUNT] = {
#define X(id, name, def) [SLOT_##id] = def,
	SLOTS(X)
#undef X
};

struct slot_style {
	short fg, bg;
	int attrs;
};

static struct slot_style styles[SLOT__COUNT];
static int attrs_final[SLOT__COUNT];

static const char *const colour_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static int parse_colour(const char *s, short *out)
{
	char *end;
	long n;

	if (strcmp(s, "default") == 0) {
		*out = -1;
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		if (strcmp(s, colour_names[i]) == 0) {
			*out = (short)i;
			return 0;
		}
		if (strncmp(s, "bright-", 7) == 0 &&
		    strcmp(s + 7, colour_names[i]) == 0) {
			*out = (short)(i + 8);
			return 0;
		}
	}
	if (strncmp(s, "color", 5) == 0)
		s += 5;
	else if (*s == '#')
		s++;
	n = strtol(s, &end, 10);
	if (end == s || *end || n < 0 || n > 255)
		return -1;
	*out = (short)n;
	return 0;
}

static int parse_attr(const char *s, int *out)
{
	static const struct {
		const char *name;
		int attr;
	} names[] = {
		{"bold", A_BOLD},       {"dim", A_DIM},
		{"reverse", A_REVERSE}, {"underline", A_UNDERLINE},
		{"standout", A_STANDOUT}, {"italic", A_ITALIC},
		{"normal", A_NORMAL},   {"blink", A_BLINK},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out |= (int)names[i].attr;
			return 0;
		}
	}
	return -1;
}

static int slot_find(const char *name)
{
	for (int i = 0; i < SLOT__COUNT; i++)
		if (strcmp(slot_names[i], name) == 0)
			return i;
	return -1;
}

int theme_set(int argc, char **argv, char **err)
{
	struct slot_style st = {-1, -1, 0};
	int slot;

	if (argc < 3) {
		*err = xstrdup("usage: color <slot> <fg> <bg> [attributes]");
		return -1;
	}
	slot = slot_find(argv[0]);
	if (slot < 0) {
		*err = xasprintf("unknown colour slot '%s'", argv[0]);
		return -1;
	}
	if (parse_colour(argv[1], &st.fg) != 0 ||
	    parse_colour(argv[2], &st.bg) != 0) {
		*err = xasprintf("unknown colour '%s'",
				 parse_colour(argv[1], &st.fg) ? argv[1]
							       : argv[2]);
		return -1;
	}
	for (int i = 3; i < argc; i++) {
		if (parse_attr(argv[i], &st.attrs) != 0) {
			*err = xasprintf("unknown attribute '%s'", argv[i]);
			return -1;
		}
	}
	styles[slot] = st;
	return 0;
}

void theme_reset(void)
{
	for (int i = 0; i < SLOT__COUNT; i++) {
		char buf[64], *argv[8], *save = NULL, *tok;
		int argc = 1;
		char *err = NULL;

		argv[0] = (char *)slot_names[i];
		snprintf(buf, sizeof(buf), "%s", slot_defaults[i]);
		for (tok = strtok_r(buf, " ", &save); tok && argc < 8;
		     tok = strtok_r(NULL, " ", &save))
			argv[argc++] = tok;
		if (theme_set(argc, argv, &err) != 0)
			die("built-in theme: %s", err);
	}
}

void theme_apply(int mono)
{
	const char *nc = getenv("NO_COLOR");
	bool colour = !mono && !(nc && *nc) && has_colors();

	if (colour) {
		start_color();
		use_default_colors();
	}
	for (int i = 0; i < SLOT__COUNT; i++) {
		int a = styles[i].attrs;

		if (colour && (styles[i].fg >= COLORS ||
			       styles[i].bg >= COLORS)) {
			/* A 256-colour theme on an 8-colour terminal: fold. */
			if (styles[i].fg >= COLORS)
				styles[i].fg = (short)(styles[i].fg % 8);
			if (styles[i].bg >= COLORS)
				styles[i].bg = (short)(styles[i].bg % 8);
		}
		if (colour && i + 1 < COLOR_PAIRS) {
			init_pair((short)(i + 1), styles[i].fg, styles[i].bg);
			a |= (int)COLOR_PAIR(i + 1);
		} else if (styles[i].bg >= 0 && i != SLOT_DEFAULT) {
			/* No colour: a slot with a background stands out by
			 * reverse video, so the cursor and bars stay visible. */
			a |= A_REVERSE;
		}
		attrs_final[i] = a;
	}
}

int theme_attr(enum slot s)
{
	return attrs_final[s];
}

/* The source tree's themes/ when this binary runs from its build tree:
 * the build writes that path into uninstalled-themedir beside the binary
 * and make install never copies it, so an installed mltop neither finds
 * nor embeds a build path. Owned; NULL when installed. */
static char *uninstalled_themedir(void)
{
	char exe[4096], *slash, *marker, *line = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t cap = 0;
	FILE *f;

	if (n <= 0 || (size_t)n >= sizeof(exe) - 1)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	marker = xasprintf("%s/uninstalled-themedir", exe);
	f = fopen(marker, "r");
	free(marker);
	if (!f)
		return NULL;
	if (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
	} else {
		free(line);
		line = NULL;
	}
	fclose(f);
	return line;
}

int theme_load(const char *name, struct msg_list *errs)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	const char *env = getenv("MLTOP_THEMEDIR");
	char *dirs[4] = {0}, *path = NULL, *built;
	int nd = 0, rc;

	if (strchr(name, '/'))
		return config_load(name, true, errs);
	if (env && *env)
		dirs[nd++] = xstrdup(env);
	if (x && *x == '/')
		dirs[nd++] = xasprintf("%s/mltop/themes", x);
	else if (home)
		dirs[nd++] = xasprintf("%s/.config/mltop/themes", home);
	/* A build tree uses its own themes, never an installed (older) copy. */
	built = uninstalled_themedir();
	dirs[nd++] = built ? built : xstrdup(MLTOP_THEMEDIR);
	for (int i = 0; i < nd && !path; i++) {
		char *p = xasprintf("%s/%s.theme", dirs[i], name);

		if (access(p, R_OK) == 0)
			path = p;
		else
			free(p);
	}
	for (int i = 0; i < nd; i++)
		free(dirs[i]);
	if (!path) {
		msg_list_add(errs, xasprintf("theme '%s' not found", name));
		return 1;
	}
	theme_reset();
	rc = config_load(path, true, errs);
	free(path);
	return rc;
}
