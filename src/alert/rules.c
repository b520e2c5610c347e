/* rules.c: the `alert` config word and its grammar:
 *
 *   alert METRIC OP NUMBER [after N steps] [for DURATION]
 *         [in EXPERIMENT-GLOB] [run RUN-GLOB]
 *   alert plateau METRIC N steps [in ...] [run ...]
 *
 * OP is one of > >= < <=, or `worse than` / `better than`, which follow
 * the metric's direction. Words may be quoted ("my metric"). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/rules.h"
#include "config/conffile.h"
#include "core/sanitize.h"
#include "core/xmalloc.h"

const char *rule_op_text(enum rule_op op)
{
	static const char *const t[] = { ">", ">=", "<", "<=", "worse than",
					 "better than" };

	return t[op];
}

bool rule_compare(const struct alert_rule *r, double v, bool lower,
		  bool neutral)
{
	if (isnan(v))
		return false;
	switch (r->op) {
	case ROP_WORSE:
		return !neutral && (lower ? v > r->value : v < r->value);
	case ROP_BETTER:
		return !neutral && (lower ? v < r->value : v > r->value);
	case ROP_GT: return v > r->value;
	case ROP_GE: return v >= r->value;
	case ROP_LT: return v < r->value;
	case ROP_LE: return v <= r->value;
	}
	return false;
}

int64_t rule_duration_ms(const char *s)
{
	char *end;
	double v, mul = 1000;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	if (!strcmp(end, "ms"))
		mul = 1;
	else if (!strcmp(end, "s") || !*end)
		mul = 1000;
	else if (!strcmp(end, "m"))
		mul = 60000;
	else if (!strcmp(end, "h"))
		mul = 3600000;
	else if (!strcmp(end, "d"))
		mul = 86400000;
	else
		return -1;
	if (v * mul > 1e15)
		return -1;
	return (int64_t)(v * mul);
}

static bool parse_count(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return false;
	*out = v;
	return true;
}

static int fail(char **err, const char *what, const char *word)
{
	char *clean = word ? sanitize_text(word) : NULL;

	*err = clean ? xasprintf("alert: %s (at '%.40s')", what, clean)
		     : xasprintf("alert: %s", what);
	free(clean);
	return -1;
}

void rule_free(struct alert_rule *r)
{
	free(r->name);
	free(r->metric);
	free(r->exp_glob);
	free(r->run_glob);
	memset(r, 0, sizeof(*r));
}

/* The shortest text that reads back as v (0.4, not 0.40000000000000002). */
static void shortest(double v, char *buf, size_t n)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* The rule as text again, every part in a fixed order. */
static char *rule_text(const struct alert_rule *r)
{
	char *t, *u, num[40];

	shortest(r->value, num, sizeof(num));
	if (r->kind == RULE_PLATEAU)
		t = xasprintf("plateau %s %lld steps", r->metric,
			      (long long)r->steps);
	else
		t = xasprintf("%s %s %s", r->metric, rule_op_text(r->op), num);
	if (r->after_steps) {
		u = xasprintf("%s after %lld steps", t,
			      (long long)r->after_steps);
		free(t);
		t = u;
	}
	if (r->for_ms) {
		u = xasprintf("%s for %llds", t, (long long)(r->for_ms / 1000));
		free(t);
		t = u;
	}
	if (r->exp_glob) {
		u = xasprintf("%s in %s", t, r->exp_glob);
		free(t);
		t = u;
	}
	if (r->run_glob) {
		u = xasprintf("%s run %s", t, r->run_glob);
		free(t);
		t = u;
	}
	return t;
}

static bool parse_op(const char *s, enum rule_op *op)
{
	static const char *const t[] = { ">", ">=", "<", "<=" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, t[i])) {
			*op = (enum rule_op)i;
			return true;
		}
	return false;
}

int rule_parse(int argc, char **argv, struct alert_rule *out, char **err)
{
	int i = 0;

	memset(out, 0, sizeof(*out));
	*err = NULL;
	if (argc < 1)
		return fail(err, "a rule is METRIC OP NUMBER or plateau "
			    "METRIC N steps", NULL);
	if (!strcmp(argv[0], "plateau")) {
		out->kind = RULE_PLATEAU;
		if (argc < 4 || !parse_count(argv[2], &out->steps) ||
		    out->steps < 1 || strcmp(argv[3], "steps"))
			return fail(err, "plateau METRIC N steps, N at least 1",
				    argc > 2 ? argv[2] : argv[0]);
		out->metric = xstrdup(argv[1]);
		i = 4;
	} else {
		char *end;

		out->kind = RULE_THRESHOLD;
		if (argc < 3)
			return fail(err, "a rule is METRIC OP NUMBER, e.g. "
				    "val_loss > 2.5", argv[0]);
		if (!*argv[0])
			return fail(err, "an empty metric name", NULL);
		i = 2;
		if ((!strcmp(argv[1], "worse") || !strcmp(argv[1], "better"))
		    && !strcmp(argv[2], "than") && argc >= 4) {
			out->op = argv[1][0] == 'w' ? ROP_WORSE : ROP_BETTER;
			i = 3;
		} else if (!parse_op(argv[1], &out->op)) {
			return fail(err, "the comparison is one of > >= < <=, "
				    "worse than, better than", argv[1]);
		}
		errno = 0;
		out->value = strtod(argv[i], &end);
		if (errno || end == argv[i] || *end || isnan(out->value))
			return fail(err, "not a number", argv[i]);
		out->metric = xstrdup(argv[0]);
		i++;
	}
	while (i < argc) {
		const char *w = argv[i];

		if (i + 1 >= argc) {
			rule_free(out);
			return fail(err, "a word without its value: after N "
				    "steps, for DURATION, in GLOB, run GLOB",
				    w);
		}
		if (!strcmp(w, "after") && out->kind == RULE_THRESHOLD) {
			if (!parse_count(argv[i + 1], &out->after_steps) ||
			    i + 2 >= argc || (strcmp(argv[i + 2], "steps") &&
					      strcmp(argv[i + 2], "step"))) {
				rule_free(out);
				return fail(err, "after N steps", argv[i + 1]);
			}
			i += 3;
		} else if (!strcmp(w, "for") && out->kind == RULE_THRESHOLD) {
			out->for_ms = rule_duration_ms(argv[i + 1]);
			if (out->for_ms < 0) {
				rule_free(out);
				return fail(err, "for DURATION: 90s, 5m, 2h",
					    argv[i + 1]);
			}
			i += 2;
		} else if (!strcmp(w, "in") && !out->exp_glob) {
			out->exp_glob = xstrdup(argv[i + 1]);
			i += 2;
		} else if (!strcmp(w, "run") && !out->run_glob) {
			out->run_glob = xstrdup(argv[i + 1]);
			i += 2;
		} else {
			rule_free(out);
			return fail(err, "expected after, for, in or run", w);
		}
	}
	out->name = rule_text(out);
	return 0;
}

/* --- the user's rules ------------------------------------------------- */

static struct rule_set user_rules;

struct rule_set *alert_user_rules(void)
{
	return &user_rules;
}

void rule_set_clear(struct rule_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		rule_free(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

#define MAX_USER_RULES 256

static int alert_word(int argc, char **argv, char **err)
{
	struct alert_rule r;

	if (user_rules.n >= MAX_USER_RULES) {
		*err = xasprintf("alert: more than %d rules", MAX_USER_RULES);
		return -1;
	}
	if (rule_parse(argc - 1, argv + 1, &r, err) != 0)
		return -1;
	user_rules.v = xgrow(user_rules.v, &user_rules.cap, user_rules.n + 1,
			     sizeof(*user_rules.v));
	user_rules.v[user_rules.n++] = r;
	return 0;
}

void alert_rules_register(void)
{
	config_register_handler("alert", alert_word);
}
