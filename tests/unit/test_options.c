/* test_options.c: unit tests for the settings table.
 * Every number has a range and every default is inside it; values outside
 * are refused with a message naming the range, and the old value stays. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "core/xmalloc.h"
#include "tap.h"

static int set(int id, const char *v, char **err)
{
	free(*err);
	*err = NULL;
	return opt_set(id, v, err);
}

int main(void)
{
	char *err = NULL, buf[64];
	double num;

	options_init();
	for (int i = 0; i < OPT__COUNT; i++) {
		const struct option_def *d = &option_defs[i];

		if (d->type != OPT_NUMBER) {
			ok(d->choices == NULL || d->type == OPT_STRING,
			   "%s: choices only on strings", d->name);
			continue;
		}
		ok(d->min <= d->max && d->min >= 0, "%s: a range", d->name);
		ok(atof(d->def) >= d->min && atof(d->def) <= d->max,
		   "%s: default %s inside the range", d->name, d->def);
		snprintf(buf, sizeof(buf), "%.10g", d->min);
		is_int(set(i, buf, &err), 0, "%s: min %s accepted", d->name, buf);
		snprintf(buf, sizeof(buf), "%.10g", d->max);
		is_int(set(i, buf, &err), 0, "%s: max %s accepted", d->name, buf);
		is_int(set(i, "1e12", &err), -1, "%s: 1e12 refused", d->name);
		ok(err && strstr(err, "out of range"), "%s: says out of range",
		   d->name);
		is_int(opt_number(i), d->max, "%s: refused value not kept",
		       d->name);
		set(i, d->def, &err);
	}

	is_int(set(OPT_SPARK_WIDTH, "1e12", &err), -1, "spark-width 1e12");
	is_str(err, "spark-width: 1e12 is out of range (0 to 40 cells)",
	       "spark-width: the message names the range");
	is_int(opt_number(OPT_SPARK_WIDTH), 12, "spark-width keeps 12");
	is_int(set(OPT_REFRESH, "0.05", &err), -1, "refresh 0.05");
	is_str(err, "refresh: 0.05 is out of range (0.1 to 3600 seconds)",
	       "refresh: same message as before the table had ranges");
	is_int(set(OPT_HTTP_TIMEOUT, "3601", &err), -1, "http-timeout 3601");
	is_str(err, "http-timeout: 3601 is out of range (0.1 to 3600 seconds)",
	       "http-timeout: same message as before");
	is_int(set(OPT_STALL, "1e300", &err), -1, "stall-seconds 1e300");
	is_int(set(OPT_MAX_METRICS, "-1", &err), -1, "negative refused");
	is_str(err, "max-metric-columns: expected a number, not '-1'",
	       "negative: expected a number");
	is_int(set(OPT_SPARK_WIDTH, "nan", &err), -1, "nan refused");
	is_int(set(OPT_SPARK_WIDTH, "inf", &err), -1, "inf refused");
	is_int(set(OPT_SPARK_WIDTH, "8", &err), 0, "spark-width 8");
	is_str(opt_text(OPT_SPARK_WIDTH), "8", "spark-width reads 8");

	is_int(set(OPT_TREE, "maybe", &err), -1, "bool: maybe refused");
	is_str(err, "tree: expected true or false, not 'maybe'", "bool message");
	ok(opt_bool(OPT_TREE), "bool: value kept");
	is_int(set(OPT_TREE, "toggle", &err), 0, "bool: toggle");
	ok(!opt_bool(OPT_TREE), "bool: toggled");
	is_int(set(OPT_THEME, "my-own", &err), 0, "theme: open-ended");

	{
		const struct option_def fixed = {
			"layout", OPT_STRING, "wide", 0, 0, NULL,
			"wide narrow auto", "test"};
		const struct option_def one = {
			"only", OPT_STRING, "a", 0, 0, NULL, "a", "test"};

		is_int(opt_check(&fixed, "narrow", &num, &err), 0,
		       "choices: a listed value");
		is_int(opt_check(&fixed, "auto", &num, &err), 0,
		       "choices: the last value");
		is_int(opt_check(&fixed, "nar", &num, &err), -1,
		       "choices: a prefix is not a value");
		is_str(err, "layout: expected wide, narrow or auto, not 'nar'",
		       "choices: the message lists them");
		free(err);
		err = NULL;
		is_int(opt_check(&fixed, "", &num, &err), -1,
		       "choices: empty refused");
		free(err);
		err = NULL;
		is_int(opt_check(&one, "b", &num, &err), -1, "one choice");
		is_str(err, "only: expected a, not 'b'", "one choice message");
	}
	free(err);
	options_free();
	return done_testing();
}
