/* test_format.c: unit tests for number, duration and time formatting.
 * format_value must never print more than its width, whatever the value. */
#include "config.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/format.h"
#include "tap.h"

static void value_is(double v, int width, const char *want)
{
	char buf[64];

	format_value(v, width, buf, sizeof(buf));
	is_str(buf, want, "format_value(%.17g, %d)", v, width);
}

static void exact_is(double v, const char *want)
{
	char buf[64];

	format_value_exact(v, buf, sizeof(buf));
	is_str(buf, want, "format_value_exact(%.17g)", v);
}

static void duration_is(int64_t ms, const char *want)
{
	char buf[32];

	format_duration(ms, buf, sizeof(buf));
	is_str(buf, want, "format_duration(%lld)", (long long)ms);
}

static void ago_is(int64_t t, int64_t now, const char *want)
{
	char buf[32];

	format_ago(t, now, buf, sizeof(buf));
	is_str(buf, want, "format_ago(now%+lld ms)", (long long)(t - now));
}

static void bytes_is(uint64_t n, const char *want)
{
	char buf[32];

	format_bytes(n, buf, sizeof(buf));
	is_str(buf, want, "format_bytes(%llu)", (unsigned long long)n);
}

/* Is s the whole text of a number that strtod reads? */
static int parses(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return end != s && *end == '\0';
}

/* Every value at every width 6..12 fits, parses back, and is close. */
static void value_properties(void)
{
	static const double base[] = {
		0.9213, 1.0 / 3, 2.0 / 3, 0.1, 0.5, 1, 9.99999, 12345,
		123456, 1234567.891, 99999.95, 999999.5, 1e-5, 1.23e-05,
		0.00012345, 4.5e12, 6.02214076e23, 1e100, 1.7e308, 1e-300,
		5e-324, 2.2250738585072014e-308, 123456789012345678.0,
		0.000999, 0.0999999, 9.5, 314.159265358979, 1e15, 1e16,
		65536, 4294967296.0, 0.30000000000000004,
	};
	char buf[64];
	int w, i, sign, fits = 0, parsed = 0, close = 0, total = 0;
	double v, back, rel;

	for (i = 0; i < (int)(sizeof(base) / sizeof(base[0])); i++) {
		for (sign = 1; sign >= -1; sign -= 2) {
			v = base[i] * sign;
			for (w = 6; w <= 12; w++) {
				format_value(v, w, buf, sizeof(buf));
				total++;
				if ((int)strlen(buf) <= w && buf[0])
					fits++;
				else
					diag("%.17g at %d: '%s' too long", v,
					     w, buf);
				if (!parses(buf, &back)) {
					diag("%.17g at %d: '%s' not a number",
					     v, w, buf);
					continue;
				}
				parsed++;
				rel = fabs(back - v) / fabs(v);
				/* 6 columns cannot hold -5e-324: it reads as
				 * "-0"; one digit of 1.7e308 rounds to 2e308,
				 * which strtod overflows. Else the digits
				 * shown must be right, and at width 12 at
				 * least 4 of them. */
				if ((rel <= 0.5 && (back < 0) == (v < 0) &&
				     (w < 12 || rel <= 5e-4)) ||
				    (fabs(v) < 1e-99 && back == 0) ||
				    (fabs(v) > 1e307 && isinf(back) &&
				     (back < 0) == (v < 0)))
					close++;
				else
					diag("%.17g at %d: '%s' is off", v, w,
					     buf);
			}
		}
	}
	is_int(fits, total, "%d values x widths 6..12 all fit", total);
	is_int(parsed, total, "all %d read back as numbers", total);
	is_int(close, total, "all %d read back close to the value", total);

	/* special values at every width */
	fits = 0;
	total = 0;
	for (w = 6; w <= 12; w++) {
		const double sp[] = { NAN, -NAN, INFINITY, -INFINITY, DBL_MAX,
				      -DBL_MAX, 0.0, -0.0 };
		const char *const want[] = { "NaN", "NaN", "+Inf", "-Inf",
					     "+Inf", "-Inf", "0", "0" };

		for (i = 0; i < 8; i++) {
			format_value(sp[i], w, buf, sizeof(buf));
			total++;
			fits += strcmp(buf, want[i]) == 0;
		}
	}
	is_int(fits, total, "NaN, +/-Inf, +/-DBL_MAX, +/-0 at widths 6..12");

	/* under the documented minimum width it still never spills */
	fits = 0;
	total = 0;
	for (w = 1; w <= 5; w++) {
		const double sp[] = { NAN, -INFINITY, 12345678, -0.5, 1e-300,
				      -1e300, 0.25 };

		for (i = 0; i < 7; i++) {
			format_value(sp[i], w, buf, sizeof(buf));
			total++;
			fits += (int)strlen(buf) <= w && buf[0];
		}
	}
	is_int(fits, total, "widths 1..5: nothing longer than the width");
}

/* Random bit patterns: the exact form always reads back bit for bit and
 * never uses more digits than it needs. */
static void exact_properties(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, bits;
	char buf[64], shorter[64];
	int i, good = 0, total = 0, shortest = 0;
	double v, back;

	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bits = x;
		memcpy(&v, &bits, sizeof(v));
		if (isnan(v) || isinf(v))
			continue;
		total++;
		format_value_exact(v, buf, sizeof(buf));
		if (parses(buf, &back) && memcmp(&back, &v, sizeof(v)) == 0)
			good++;
		/* one significant digit fewer must not round-trip, unless
		 * it is already at the 15 digits tried first */
		{
			int digits = 0, lead = 1;
			const char *p;

			for (p = buf; *p && *p != 'e'; p++) {
				if (*p < '0' || *p > '9' || (lead && *p == '0'))
					continue;
				lead = 0;
				digits++;
			}
			snprintf(shorter, sizeof(shorter), "%.*e",
				 digits > 1 ? digits - 2 : 0, v);
			if (digits <= 15 || strtod(shorter, NULL) != v)
				shortest++;
			else
				diag("%s: %s also round-trips", buf, shorter);
		}
	}
	is_int(good, total, "%d random doubles round-trip exactly", total);
	is_int(shortest, total, "and none has a digit too many");
}

static void locale_check(void)
{
	char buf[64];

	/* A user's LC_NUMERIC must not turn "0.5" into "0,5". */
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
		ok(1, "decimal comma locale # SKIP de_DE.UTF-8 not installed");
		ok(1, "decimal comma locale # SKIP de_DE.UTF-8 not installed");
		ok(1, "decimal comma locale # SKIP de_DE.UTF-8 not installed");
		return;
	}
	format_value(0.5, 8, buf, sizeof(buf));
	is_str(buf, "0.5", "format_value uses '.' under de_DE");
	format_value_exact(0.25, buf, sizeof(buf));
	is_str(buf, "0.25", "format_value_exact uses '.' under de_DE");
	format_bytes(1536, buf, sizeof(buf));
	is_str(buf, "1.5KiB", "format_bytes uses '.' under de_DE");
	setlocale(LC_NUMERIC, "C");
}

int main(void)
{
	const int64_t now = 1700000000000LL;    /* 2023-11-14 22:13:20Z */
	const int64_t sec = 1000, min = 60 * sec, hour = 60 * min;
	const int64_t day = 24 * hour;
	char buf[64];

	if (!setlocale(LC_ALL, "C.UTF-8"))
		return tap_bail("no C.UTF-8 locale");
	setenv("TZ", "UTC", 1);
	tzset();

	/* value_is_inf */
	is_int(value_is_inf(INFINITY), 1, "+inf is +inf");
	is_int(value_is_inf(-INFINITY), -1, "-inf is -inf");
	is_int(value_is_inf(DBL_MAX), 1, "DBL_MAX is +inf (MLflow's +Inf)");
	is_int(value_is_inf(-DBL_MAX), -1, "-DBL_MAX is -inf");
	is_int(value_is_inf(1e308), 0, "1e308 is finite");
	is_int(value_is_inf(nextafter(DBL_MAX, 0)), 0,
	       "the double below DBL_MAX is finite");
	is_int(value_is_inf(NAN), 0, "NaN is not inf");
	is_int(value_is_inf(0), 0, "0 is not inf");

	/* format_value: the header's examples and neighbours */
	value_is(0.9213, 6, "0.9213");
	value_is(1.23e-05, 8, "1.23e-05");
	value_is(-4.5e12, 8, "-4.5e+12");
	value_is(12345, 6, "12345");
	value_is(123456, 6, "123456");
	value_is(1234567, 6, "1.23e6");
	value_is(1234567.891, 7, "1234568");
	value_is(-1234567.891, 7, "-1.23e6");
	value_is(12345678.9, 8, "12345679");
	value_is(12345678.9, 7, "1.2e+07");
	value_is(-0.00012345, 6, "-1e-4");
	value_is(-0.00012345, 7, "-1.2e-4");
	value_is(-0.00012345, 8, "-0.00012");
	value_is(1234567.891, 10, "1234567.89");
	value_is(1234567.891, 12, "1234567.891");
	value_is(1.0 / 3, 6, "0.3333");
	value_is(-1.0 / 3, 6, "-0.333");
	value_is(1.0 / 3, 12, "0.3333333333");
	value_is(0.1, 12, "0.1");
	value_is(0.30000000000000004, 12, "0.3");
	value_is(2.5, 6, "2.5");
	value_is(-7, 6, "-7");
	value_is(123456789012.0, 12, "123456789012");
	value_is(123456789012.0, 6, "1.2e11");
	value_is(0.00001234, 6, "1.2e-5");
	value_is(5e-324, 6, "5e-324");
	value_is(-5e-324, 7, "-5e-324");
	value_is(-5e-324, 6, "-0");
	value_is(1.7e308, 8, "1.7e+308");
	value_is(1.7e308, 6, "2e308");
	value_is(NAN, 6, "NaN");
	value_is(INFINITY, 6, "+Inf");
	value_is(-INFINITY, 6, "-Inf");
	value_is(DBL_MAX, 12, "+Inf");
	value_is(-DBL_MAX, 12, "-Inf");
	value_is(0.0, 6, "0");
	value_is(-0.0, 6, "0");

	/* the caller's buffer wins over the width */
	format_value(1234567.891, 12, buf, 7);
	ok(strlen(buf) <= 6 && atof(buf) > 1e6,
	   "7-byte buffer: '%s' fits in 6", buf);
	buf[0] = 'Z';
	format_value(1.0, 12, buf, 0);
	ok(buf[0] == 'Z', "a 0-byte buffer is left alone");
	format_value(1.0, -5, buf, sizeof(buf));
	is_str(buf, "", "a negative width writes nothing");

	value_properties();

	/* format_value_exact */
	exact_is(0.1, "0.1");
	exact_is(1.0 / 3, "0.3333333333333333");
	exact_is(0.30000000000000004, "0.30000000000000004");
	exact_is(123, "123");
	exact_is(-2.5, "-2.5");
	exact_is(1e21, "1e+21");
	exact_is(0.0, "0");
	exact_is(-0.0, "-0");
	exact_is(DBL_MAX, "1.7976931348623157e+308");
	exact_is(-DBL_MAX, "-1.7976931348623157e+308");
	exact_is(INFINITY, "Infinity");
	exact_is(-INFINITY, "-Infinity");
	exact_is(NAN, "NaN");
	exact_is(2.2250738585072014e-308, "2.2250738585072014e-308");
	exact_is(5e-324, "4.94065645841247e-324");
	exact_properties();

	/* run_duration_ms: odd store timestamps never overflow */
	{
		int64_t d = -1;

		ok(run_duration_ms(1000, 4000, &d) && d == 3000,
		   "run_duration_ms: end - start");
		ok(!run_duration_ms(5000, 4000, &d), "end before start: none");
		ok(!run_duration_ms(0, 4000, &d), "no start: none");
		ok(!run_duration_ms(INT64_MIN, INT64_MAX, &d),
		   "INT64_MIN..INT64_MAX: none, no overflow");
		ok(run_duration_ms(1, INT64_MAX, &d) && d == INT64_MAX - 1,
		   "1..INT64_MAX: fits");
	}

	/* format_duration */
	duration_is(0, "0ms");
	duration_is(850, "850ms");
	duration_is(999, "999ms");
	duration_is(1000, "1s");
	duration_is(12 * sec + 900, "12s");
	duration_is(59999, "59s");
	duration_is(min, "1m00s");
	duration_is(3 * min + 5 * sec, "3m05s");
	duration_is(hour - 1, "59m59s");
	duration_is(hour, "1h00m");
	duration_is(2 * hour + 14 * min + 59 * sec, "2h14m");
	duration_is(day - 1, "23h59m");
	duration_is(day, "1d00h");
	duration_is(3 * day + 4 * hour, "3d04h");
	duration_is(400 * day, "400d00h");
	duration_is(-1500, "-1s");
	duration_is(-850, "-850ms");
	format_duration(INT64_MIN, buf, sizeof(buf));
	ok(buf[0] == '-' && strstr(buf, "d"), "INT64_MIN: '%s'", buf);
	format_duration(3 * min + 5 * sec, buf, 4);
	is_str(buf, "3m0", "a short buffer truncates, NUL terminated");

	/* format_ago */
	ago_is(0, now, "-");
	ago_is(-5, now, "-");
	ago_is(now, now, "just now");
	ago_is(now - 999, now, "just now");
	ago_is(now - 1000, now, "1s ago");
	ago_is(now - 12 * sec, now, "12s ago");
	ago_is(now - 59 * sec, now, "59s ago");
	ago_is(now - 5 * min - 30 * sec, now, "5m ago");
	ago_is(now - 3 * hour, now, "3h ago");
	ago_is(now - 23 * hour, now, "23h ago");
	ago_is(now - 2 * day, now, "2d ago");
	ago_is(now - 29 * day, now, "29d ago");
	ago_is(now - 30 * day, now, "2023-10-15");
	ago_is(now - 31 * day, now, "2023-10-14");
	ago_is(now + 10 * sec, now, "just now");
	ago_is(now + 2 * hour, now, "2023-11-15");

	/* format_time (local) and format_time_iso (UTC) */
	format_time(now, buf, sizeof(buf));
	is_str(buf, "2023-11-14 22:13:20", "format_time in UTC");
	format_time(0, buf, sizeof(buf));
	is_str(buf, "-", "format_time(0) is -");
	format_time(-1000, buf, sizeof(buf));
	is_str(buf, "-", "format_time of a negative time is -");
	setenv("TZ", "JST-9", 1);
	tzset();
	format_time(now, buf, sizeof(buf));
	is_str(buf, "2023-11-15 07:13:20", "format_time follows TZ");
	format_time_iso(now + 123, buf, sizeof(buf));
	is_str(buf, "2023-11-14T22:13:20.123Z", "format_time_iso is UTC");
	setenv("TZ", "UTC", 1);
	tzset();
	format_time_iso(0, buf, sizeof(buf));
	is_str(buf, "1970-01-01T00:00:00.000Z", "format_time_iso(0)");
	format_time_iso(-1, buf, sizeof(buf));
	is_str(buf, "1969-12-31T23:59:59.999Z", "format_time_iso(-1)");
	format_time_iso(1700000000007LL, buf, sizeof(buf));
	is_str(buf, "2023-11-14T22:13:20.007Z", "milliseconds are 3 digits");

	/* format_bytes */
	bytes_is(0, "0B");
	bytes_is(512, "512B");
	bytes_is(1023, "1023B");
	bytes_is(1024, "1.0KiB");
	bytes_is(1536, "1.5KiB");
	bytes_is(10 * 1024 - 1, "10KiB");
	bytes_is(10 * 1024, "10KiB");
	bytes_is(1024 * 1024 - 1, "1.0MiB");
	bytes_is(12ull * 1024 * 1024, "12MiB");
	bytes_is(3ull << 30, "3.0GiB");
	bytes_is(1ull << 40, "1.0TiB");
	bytes_is(UINT64_MAX, "16EiB");

	locale_check();
	return done_testing();
}
