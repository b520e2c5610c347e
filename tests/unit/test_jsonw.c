/* test_jsonw.c: unit tests for the streaming JSON writer.
 * Exact text for known cases; jansson reads back everything written. */
#include "config.h"

#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/jsonw.h"
#include "tap.h"

struct cap {
	char *buf;
	size_t len;
	FILE *f;
	struct jsonw w;
};

static void cap_open(struct cap *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	jsonw_init(&c->w, c->f);
}

/* Close the stream; the caller frees c->buf. */
static char *cap_close(struct cap *c)
{
	fclose(c->f);
	return c->buf;
}

static void str_is(const char *in, const char *want, const char *name)
{
	struct cap c;

	cap_open(&c);
	jsonw_str(&c.w, in);
	is_str(cap_close(&c), want, "%s", name);
	free(c.buf);
}

static void double_is(double v, const char *want)
{
	struct cap c;

	cap_open(&c);
	jsonw_double(&c.w, v);
	is_str(cap_close(&c), want, "jsonw_double(%.17g)", v);
	free(c.buf);
}

/* Is s valid UTF-8? jansson's json_string() refuses anything else. */
static int valid_utf8(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

int main(void)
{
	struct cap c;
	json_t *j, *a;
	json_error_t je;
	char *out;
	int i, good, status;
	pid_t pid;

	/* A NUL carried as 0xC0 0x80 by the store layer is U+0000 again. */
	str_is("nul\xc0\x80name", "\"nul\\u0000name\"",
	       "0xC0 0x80 is written as \\u0000");
	str_is("\xc0\x80", "\"\\u0000\"", "a lone carried NUL");
	str_is("a\xc0" "b", "\"a\xef\xbf\xbd" "b\"",
	       "a lone 0xC0 is still U+FFFD");

	/* an object of every kind of value */
	cap_open(&c);
	jsonw_obj_begin(&c.w);
	jsonw_kstr(&c.w, "name", "run-1");
	jsonw_kint(&c.w, "n", 3);
	jsonw_key(&c.w, "ok");
	jsonw_bool(&c.w, true);
	jsonw_key(&c.w, "no");
	jsonw_bool(&c.w, false);
	jsonw_key(&c.w, "x");
	jsonw_null(&c.w);
	jsonw_kstr(&c.w, "s", NULL);
	jsonw_key(&c.w, "v");
	jsonw_double(&c.w, 0.5);
	jsonw_obj_end(&c.w);
	out = cap_close(&c);
	is_str(out, "{\"name\":\"run-1\",\"n\":3,\"ok\":true,\"no\":false,"
	       "\"x\":null,\"s\":null,\"v\":0.5}", "flat object");
	j = json_loads(out, 0, &je);
	ok(j && json_integer_value(json_object_get(j, "n")) == 3 &&
	   json_real_value(json_object_get(j, "v")) == 0.5 &&
	   json_is_null(json_object_get(j, "s")), "jansson reads it back");
	json_decref(j);
	free(out);

	/* nesting and empty containers */
	cap_open(&c);
	jsonw_obj_begin(&c.w);
	jsonw_key(&c.w, "a");
	jsonw_arr_begin(&c.w);
	jsonw_int(&c.w, 1);
	jsonw_int(&c.w, 2);
	jsonw_obj_begin(&c.w);
	jsonw_key(&c.w, "b");
	jsonw_arr_begin(&c.w);
	jsonw_arr_end(&c.w);
	jsonw_obj_end(&c.w);
	jsonw_arr_end(&c.w);
	jsonw_key(&c.w, "c");
	jsonw_obj_begin(&c.w);
	jsonw_obj_end(&c.w);
	jsonw_kint(&c.w, "d", -1);
	jsonw_obj_end(&c.w);
	out = cap_close(&c);
	is_str(out, "{\"a\":[1,2,{\"b\":[]}],\"c\":{},\"d\":-1}",
	       "nested arrays and objects");
	free(out);

	/* top-level values get no comma between them; the caller puts a
	 * newline after each to make JSON Lines */
	cap_open(&c);
	for (i = 0; i < 2; i++) {
		jsonw_obj_begin(&c.w);
		jsonw_kint(&c.w, "i", i);
		jsonw_obj_end(&c.w);
		fputc('\n', c.f);
	}
	jsonw_arr_begin(&c.w);
	jsonw_arr_end(&c.w);
	jsonw_int(&c.w, 7);
	out = cap_close(&c);
	is_str(out, "{\"i\":0}\n{\"i\":1}\n[]7",
	       "no comma between top-level documents, no newline added");
	free(out);

	/* strings */
	str_is("plain", "\"plain\"", "plain string");
	str_is("", "\"\"", "empty string");
	str_is(NULL, "null", "NULL string is null");
	str_is("q\"b\\s/", "\"q\\\"b\\\\s/\"", "quote and backslash");
	str_is("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", "short escapes");
	str_is("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"",
	       "other controls and DEL as \\u00XX");
	str_is("\x1b[2J\x1b]0;pwn\x07", "\"\\u001b[2J\\u001b]0;pwn\\u0007\"",
	       "terminal escapes are escaped");
	str_is("a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"",
	       "line and paragraph separators");
	str_is("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
	       "\"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80\"",
	       "valid UTF-8 is written as is");
	str_is("\xc2\x9b[2J\xc2\x80", "\"\\u009b[2J\\u0080\"",
	       "C1 controls (U+009B is CSI) are escaped");
	str_is("a\xe2\x80\xae" "b\xe2\x81\xa6" "c\xe2\x80\x8f" "d\xd8\x9c",
	       "\"a\\u202eb\\u2066c\\u200fd\\u061c\"",
	       "bidi overrides, isolates and marks are escaped");
	str_is("\xc2\xa0\xe2\x80\x8d", "\"\xc2\xa0\xe2\x80\x8d\"",
	       "neighbours of the escaped ranges are written as is");
	str_is("a\xff" "b\xc3", "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"",
	       "invalid bytes become U+FFFD");
	str_is("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	       "an encoded surrogate is 3 bad bytes");
	str_is("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"",
	       "an overlong slash is 2 bad bytes");

	/* keys are escaped like strings */
	cap_open(&c);
	jsonw_obj_begin(&c.w);
	jsonw_kstr(&c.w, "k\"\n\xff", "v");
	jsonw_obj_end(&c.w);
	out = cap_close(&c);
	is_str(out, "{\"k\\\"\\n\xef\xbf\xbd\":\"v\"}", "keys are escaped");
	free(out);

	/* numbers */
	double_is(0.1, "0.1");
	double_is(1.0 / 3, "0.3333333333333333");
	double_is(-2.5, "-2.5");
	double_is(1e21, "1e+21");
	double_is(-0.0, "-0");
	double_is(NAN, "\"NaN\"");
	double_is(INFINITY, "\"Infinity\"");
	double_is(-INFINITY, "\"-Infinity\"");
	double_is(DBL_MAX, "1.7976931348623157e+308");
	double_is(-DBL_MAX, "-1.7976931348623157e+308");
	cap_open(&c);
	jsonw_arr_begin(&c.w);
	jsonw_int(&c.w, INT64_MIN);
	jsonw_int(&c.w, INT64_MAX);
	jsonw_int(&c.w, 0);
	jsonw_arr_end(&c.w);
	out = cap_close(&c);
	is_str(out, "[-9223372036854775808,9223372036854775807,0]",
	       "int64 extremes");
	free(out);

	/* jansson reads doubles back bit for bit */
	{
		static const double vals[] = {
			0.1, 1.0 / 3, 2.0 / 3, 1e-300, 5e-324, 123456789.125,
			DBL_MAX, -DBL_MAX, 2.2250738585072014e-308, 1e21,
			0.30000000000000004, 6.02214076e23, -7,
		};
		size_t n = sizeof(vals) / sizeof(vals[0]), k;

		cap_open(&c);
		jsonw_arr_begin(&c.w);
		for (k = 0; k < n; k++)
			jsonw_double(&c.w, vals[k]);
		jsonw_double(&c.w, NAN);
		jsonw_arr_end(&c.w);
		out = cap_close(&c);
		a = json_loads(out, JSON_DECODE_INT_AS_REAL, &je);
		good = a && json_array_size(a) == n + 1;
		for (k = 0; good && k < n; k++)
			good = json_number_value(json_array_get(a, k)) ==
			       vals[k];
		good = good && !strcmp(json_string_value(json_array_get(a, n)),
				       "NaN");
		ok(good, "%zu doubles and NaN read back exactly", n);
		json_decref(a);
		free(out);
	}

	/* Random byte strings: always valid JSON and valid UTF-8; valid
	 * input reads back unchanged. */
	{
		unsigned int seed = 777;
		char in[48];
		int t, k, valid_same = 0, valid_in = 0, parsed = 0;

		for (t = 0; t < 5000; t++) {
			for (k = 0; k < 47; k++) {
				seed = seed * 1103515245u + 12345u;
				in[k] = (char)(seed >> 16 & 0xff);
				if (!in[k])
					in[k] = 'x';
			}
			in[47] = '\0';
			/* every other string made valid: ASCII only */
			if (t % 2)
				for (k = 0; k < 47; k++)
					in[k] = (char)(in[k] & 0x7f ? in[k] &
						       0x7f : 'y');
			cap_open(&c);
			jsonw_arr_begin(&c.w);
			jsonw_str(&c.w, in);
			jsonw_arr_end(&c.w);
			out = cap_close(&c);
			a = json_loads(out, 0, &je);
			if (a && json_is_string(json_array_get(a, 0))) {
				const char *s =
					json_string_value(json_array_get(a, 0));

				parsed++;
				if (valid_utf8(in)) {
					valid_in++;
					valid_same += !strcmp(s, in);
				}
			}
			json_decref(a);
			free(out);
		}
		is_int(parsed, 5000, "5000 random strings give valid JSON");
		ok(valid_in >= 2500 && valid_same == valid_in,
		   "%d valid inputs read back unchanged", valid_in);
	}

	/* 63 levels are fine; the 64th is a programming error */
	cap_open(&c);
	for (i = 0; i < 63; i++)
		jsonw_arr_begin(&c.w);
	for (i = 0; i < 63; i++)
		jsonw_arr_end(&c.w);
	out = cap_close(&c);
	j = json_loads(out, 0, &je);
	ok(j && strlen(out) == 126, "63 nested arrays are valid JSON");
	json_decref(j);
	free(out);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		FILE *null = fopen("/dev/null", "w");

		if (null)
			dup2(fileno(null), 2);
		jsonw_init(&c.w, null);
		for (i = 0; i < 64; i++)
			jsonw_arr_begin(&c.w);
		_exit(0);
	}
	status = 0;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 2,
	   "nesting 64 deep dies (exit 2) instead of overrunning");
	return done_testing();
}
