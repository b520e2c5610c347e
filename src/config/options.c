/* options.c: current values of the settings declared in options.h.
 * Parsing is strict so a typo in a config file is reported, not ignored. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "core/xmalloc.h"

const struct option_def option_defs[OPT__COUNT] = {
#define X(id, name, type, def, help) [OPT_##id] = {name, type, def, help},
	OPTIONS(X)
#undef X
};

static struct {
	bool b;
	double num;
	char *str;
} values[OPT__COUNT];

void options_init(void)
{
	for (int i = 0; i < OPT__COUNT; i++) {
		char *err = NULL;

		if (opt_set(i, option_defs[i].def, &err) != 0)
			die("built-in default of %s: %s", option_defs[i].name,
			    err);
	}
}

void options_free(void)
{
	for (int i = 0; i < OPT__COUNT; i++) {
		free(values[i].str);
		values[i].str = NULL;
	}
}

int opt_find(const char *name)
{
	for (int i = 0; i < OPT__COUNT; i++)
		if (strcmp(option_defs[i].name, name) == 0)
			return i;
	return -1;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int opt_set(int id, const char *value, char **err)
{
	const struct option_def *d = &option_defs[id];
	char *end;
	double num;

	switch (d->type) {
	case OPT_BOOL:
		if (strcmp(value, "toggle") == 0) {
			values[id].b = !values[id].b;
			return 0;
		}
		if (parse_bool(value, &values[id].b) != 0) {
			*err = xasprintf("%s: expected true or false, not '%s'",
					 d->name, value);
			return -1;
		}
		return 0;
	case OPT_NUMBER:
		errno = 0;
		num = strtod(value, &end);
		if (errno || end == value || *end || !isfinite(num) ||
		    num < 0) {
			*err = xasprintf("%s: expected a number, not '%s'",
					 d->name, value);
			return -1;
		}
		if (id == OPT_HTTP_TIMEOUT && (num < 0.1 || num > 3600)) {
			*err = xasprintf("http-timeout: %s is out of range (0.1 "
					 "to 3600 seconds)", value);
			return -1;
		}
		if (id == OPT_REFRESH && (num < 0.1 || num > 3600)) {
			*err = xasprintf("refresh: %s is out of range (0.1 to "
					 "3600 seconds)", value);
			return -1;
		}
		values[id].num = num;
		return 0;
	case OPT_STRING:
		free(values[id].str);
		values[id].str = xstrdup(value);
		return 0;
	}
	return -1;
}

bool opt_bool(int id)
{
	return values[id].b;
}

double opt_number(int id)
{
	return values[id].num;
}

const char *opt_string(int id)
{
	return values[id].str ? values[id].str : "";
}

const char *opt_text(int id)
{
	static char buf[64];

	switch (option_defs[id].type) {
	case OPT_BOOL:
		return values[id].b ? "true" : "false";
	case OPT_NUMBER:
		snprintf(buf, sizeof(buf), "%g", values[id].num);
		return buf;
	case OPT_STRING:
		return opt_string(id);
	}
	return "";
}

void options_print_help(FILE *f, bool man)
{
	for (int i = 0; i < OPT__COUNT; i++) {
		const struct option_def *d = &option_defs[i];

		if (man)
			fprintf(f, ".TP\n.B %s\n%s (default: %s)\n", d->name,
				d->help, *d->def ? d->def : "empty");
		else
			fprintf(f, "  %-20s %s (default: %s)\n", d->name,
				d->help, *d->def ? d->def : "empty");
	}
}
