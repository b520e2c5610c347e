/* options.c: current values of the settings declared in options.h.
 * Parsing is strict so a typo in a config file is reported, not ignored. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/options.h"
#include "core/xmalloc.h"

const struct option_def option_defs[OPT__COUNT] = {
#define X(id, name, type, def, min, max, unit, choices, help)               \
	[OPT_##id] = {name, type, def, min, max, unit, choices, help},
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

/* Whether word is one of the space-separated words of set. */
static bool among(const char *set, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = set; *p;) {
		size_t len = strcspn(p, " ");

		if (len == n && n && strncmp(p, word, n) == 0)
			return true;
		p += len;
		p += strspn(p, " ");
	}
	return false;
}

/* "a, b or c" from "a b c"; owned. */
static char *choices_text(const char *set)
{
	size_t len = strlen(set), at = 0, nwords = 0;
	char *out = xmalloc(len * 2 + 8);

	for (const char *p = set; *p; p += strspn(p, " ")) {
		size_t wl = strcspn(p, " ");
		bool last = !p[wl + strspn(p + wl, " ")];

		if (nwords)
			at += (size_t)sprintf(out + at, last ? " or " : ", ");
		memcpy(out + at, p, wl);
		at += wl;
		p += wl;
		nwords++;
	}
	out[at] = '\0';
	return out;
}

int opt_check(const struct option_def *d, const char *value, double *num,
	      char **err)
{
	char *end, *list;
	bool b;

	switch (d->type) {
	case OPT_BOOL:
		if (strcmp(value, "toggle") != 0 && parse_bool(value, &b) != 0) {
			*err = xasprintf("%s: expected true or false, not '%s'",
					 d->name, value);
			return -1;
		}
		return 0;
	case OPT_NUMBER:
		errno = 0;
		*num = strtod(value, &end);
		if (errno || end == value || *end || !isfinite(*num) ||
		    *num < 0) {
			*err = xasprintf("%s: expected a number, not '%s'",
					 d->name, value);
			return -1;
		}
		if (*num < d->min || *num > d->max) {
			*err = xasprintf("%s: %s is out of range (%.10g to %.10g%s%s)",
					 d->name, value, d->min, d->max,
					 d->unit ? " " : "",
					 d->unit ? d->unit : "");
			return -1;
		}
		return 0;
	case OPT_STRING:
		if (d->choices && !among(d->choices, value)) {
			list = choices_text(d->choices);
			*err = xasprintf("%s: expected %s, not '%s'", d->name,
					 list, value);
			free(list);
			return -1;
		}
		return 0;
	}
	return -1;
}

int opt_set(int id, const char *value, char **err)
{
	double num = 0;

	if (opt_check(&option_defs[id], value, &num, err) != 0)
		return -1;
	switch (option_defs[id].type) {
	case OPT_BOOL:
		if (strcmp(value, "toggle") == 0)
			values[id].b = !values[id].b;
		else
			parse_bool(value, &values[id].b);
		return 0;
	case OPT_NUMBER:
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

		if (man && d->type == OPT_NUMBER)
			fprintf(f, ".TP\n.B %s\n%s (default: %s; %.10g to "
				"%.10g%s%s)\n", d->name, d->help, d->def,
				d->min, d->max, d->unit ? " " : "",
				d->unit ? d->unit : "");
		else if (man)
			fprintf(f, ".TP\n.B %s\n%s (default: %s)\n", d->name,
				d->help, *d->def ? d->def : "empty");
		else
			fprintf(f, "  %-20s %s (default: %s)\n", d->name,
				d->help, *d->def ? d->def : "empty");
	}
}
