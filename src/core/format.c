/* format.c: numbers, durations and times as mltop shows them.
 * Everything fits its width: a number that cannot fit is never spilled. */
#include "config.h"

#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/format.h"
#include "core/xmalloc.h"

int value_is_inf(double v)
{
	if (isinf(v) || v == DBL_MAX || v == -DBL_MAX)
		return v > 0 ? 1 : -1;
	return 0;
}

/* Numbers are written and read in the C locale whatever LC_NUMERIC the
 * user has: machine output must say "0.5", never "0,5", and columns
 * should read the same as MLflow's own UI. */
static locale_t c_locale(void)
{
	static locale_t loc;

	if (!loc)
		loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	return loc;
}

/* Enter the C locale; returns the locale to restore with uselocale().
 * When newlocale() failed this leaves the current one in place. */
static locale_t enter_c_locale(void)
{
	locale_t c = c_locale();

	return c ? uselocale(c) : uselocale((locale_t)0);
}

/* Copy s into buf, cut to bufsz. */
static void put(char *buf, size_t bufsz, const char *s)
{
	if (bufsz > 0)
		snprintf(buf, bufsz, "%s", s);
}

/* v in scientific notation with p significant digits, as short as it
 * goes: "1.2e-5" for "1.20e-05", "1e6" for "1e+06". */
static void sci_compact(char *s, size_t sz, int p, double v)
{
	char *e, *m, *d, *z;

	snprintf(s, sz, "%.*e", p - 1, v);
	e = strchr(s, 'e');
	if (!e)
		return;
	/* trailing zeros of the mantissa, then a bare point */
	for (m = e; m > s && m[-1] == '0' && strchr(s, '.'); m--)
		;
	if (m > s && m[-1] == '.')
		m--;
	memmove(m, e, strlen(e) + 1);
	/* the exponent's plus sign and leading zeros */
	d = m + 1;
	if (*d == '+')
		memmove(d, d + 1, strlen(d + 1) + 1);
	else if (*d == '-')
		d++;
	for (z = d; *z == '0' && z[1]; z++)
		;
	memmove(d, z, strlen(z) + 1);
}

static void value_fit(double v, int width, char *buf, size_t bufsz)
{
	char tmp[64];
	int w = width, p, inf, n;

	if (bufsz == 0)
		return;
	buf[0] = '\0';
	if (w <= 0)
		return;
	if ((size_t)w > bufsz - 1)
		w = (int)(bufsz - 1);
	if (w == 0)
		return;
	inf = value_is_inf(v);
	if (isnan(v) || inf) {
		put(buf, (size_t)w + 1, isnan(v) ? "NaN" : inf > 0 ? "+Inf" :
		    "-Inf");
		return;
	}
	if (v == 0) {
		put(buf, bufsz, "0");
		return;
	}
	/* Most digits that fit, in %g style; the compact exponent is only a
	 * fallback so a column reads "1.23e+06" whenever there is room. */
	for (p = w < 15 ? w : 15; p >= 2; p--) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", p, v);
		if (n > 0 && n <= w)
			goto done;
	}
	for (p = w < 15 ? w : 15; p >= 1; p--) {
		sci_compact(tmp, sizeof(tmp), p, v);
		if ((int)strlen(tmp) <= w)
			goto done;
	}
	/* Only a tiny negative number in 6 columns ("-5e-324") or a width
	 * under the documented minimum gets here. */
	if (fabs(v) < 1) {
		snprintf(tmp, sizeof(tmp), "%s", v < 0 && w >= 2 ? "-0" : "0");
	} else {
		if ((size_t)w >= sizeof(tmp))
			w = (int)sizeof(tmp) - 1;
		memset(tmp, '#', (size_t)w);
		tmp[w] = '\0';
	}
done:
	put(buf, bufsz, tmp);
}

void format_value(double v, int width, char *buf, size_t bufsz)
{
	locale_t old = enter_c_locale();

	value_fit(v, width, buf, bufsz);
	uselocale(old);
}

void format_value_exact(double v, char *buf, size_t bufsz)
{
	char tmp[40];
	locale_t old;
	int n;

	if (isnan(v)) {
		put(buf, bufsz, "NaN");
		return;
	}
	if (isinf(v)) {
		put(buf, bufsz, v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	/* 17 significant digits always round-trip; fewer usually do and
	 * read better ("0.1", not "0.10000000000000001"). Try 16 first: it
	 * settles most values (ML metrics are mostly float32 widened to
	 * double, needing 16 or 17) in one or two tries; if 16 works, see
	 * whether 15 does too. */
	old = enter_c_locale();
	n = snprintf(tmp, sizeof(tmp), "%.16g", v);
	if (n > 0 && (size_t)n < sizeof(tmp) && strtod(tmp, NULL) == v) {
		char t15[40];

		n = snprintf(t15, sizeof(t15), "%.15g", v);
		if (n > 0 && (size_t)n < sizeof(t15) && strtod(t15, NULL) == v)
			memcpy(tmp, t15, (size_t)n + 1);
	} else {
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	}
	uselocale(old);
	put(buf, bufsz, tmp);
}

bool run_duration_ms(int64_t start, int64_t end, int64_t *ms)
{
	if (start <= 0 || end < start)
		return false;
	/* end >= start > 0: end - start cannot overflow. */
	*ms = end - start;
	return true;
}

void format_duration(int64_t ms, char *buf, size_t bufsz)
{
	const char *sign = ms < 0 ? "-" : "";
	uint64_t m = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
	uint64_t s = m / 1000;

	if (m < 1000)
		snprintf(buf, bufsz, "%s%" PRIu64 "ms", sign, m);
	else if (s < 60)
		snprintf(buf, bufsz, "%s%" PRIu64 "s", sign, s);
	else if (s < 3600)
		snprintf(buf, bufsz, "%s%" PRIu64 "m%02" PRIu64 "s", sign,
			 s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, bufsz, "%s%" PRIu64 "h%02" PRIu64 "m", sign,
			 s / 3600, s / 60 % 60);
	else
		snprintf(buf, bufsz, "%s%" PRIu64 "d%02" PRIu64 "h", sign,
			 s / 86400, s / 3600 % 24);
}

/* Split epoch ms into whole seconds and milliseconds, rounding down so
 * times before 1970 still get 0..999 ms. */
static time_t split_ms(int64_t t_ms, int *msec)
{
	int64_t sec = t_ms / 1000, rem = t_ms % 1000;

	if (rem < 0) {
		rem += 1000;
		sec--;
	}
	*msec = (int)rem;
	return (time_t)sec;
}

static void format_date(int64_t t_ms, char *buf, size_t bufsz)
{
	struct tm tm;
	int msec;
	time_t t = split_ms(t_ms, &msec);

	if (!localtime_r(&t, &tm) || !strftime(buf, bufsz, "%Y-%m-%d", &tm))
		put(buf, bufsz, "-");
}

void format_ago(int64_t t_ms, int64_t now_ms, char *buf, size_t bufsz)
{
	const int64_t day = 86400000;
	int64_t d;

	if (t_ms <= 0) {
		put(buf, bufsz, "-");
		return;
	}
	d = now_ms - t_ms;
	/* A little in the future is clock skew between the logging host
	 * and this one; a lot is a date worth showing as is. */
	if (d < -60000 || d >= 30 * day)
		format_date(t_ms, buf, bufsz);
	else if (d < 1000)
		put(buf, bufsz, "just now");
	else if (d < 60000)
		snprintf(buf, bufsz, "%" PRId64 "s ago", d / 1000);
	else if (d < 3600000)
		snprintf(buf, bufsz, "%" PRId64 "m ago", d / 60000);
	else if (d < day)
		snprintf(buf, bufsz, "%" PRId64 "h ago", d / 3600000);
	else
		snprintf(buf, bufsz, "%" PRId64 "d ago", d / day);
}

void format_time(int64_t t_ms, char *buf, size_t bufsz)
{
	struct tm tm;
	int msec;
	time_t t;

	if (t_ms <= 0) {
		put(buf, bufsz, "-");
		return;
	}
	t = split_ms(t_ms, &msec);
	if (!localtime_r(&t, &tm) ||
	    !strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S", &tm))
		put(buf, bufsz, "-");
}

void format_time_iso(int64_t t_ms, char *buf, size_t bufsz)
{
	char tmp[64];
	struct tm tm;
	int msec;
	time_t t = split_ms(t_ms, &msec);

	if (!gmtime_r(&t, &tm) ||
	    !strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm)) {
		put(buf, bufsz, "-");
		return;
	}
	snprintf(buf, bufsz, "%s.%03dZ", tmp, msec);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool parse_time_iso(const char *s, int64_t *t_ms)
{
	int y, mo, d, h, mi, sec, ms = 0, oh = 0, om = 0, sign = 0;
	const char *p;

	*t_ms = 0;
	if (!s || strlen(s) < 19 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 3)
				ms = ms * 10 + (*p - '0');
		if (!n)
			return false;
		for (; n < 3; n++)
			ms *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' ||
		    !digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return false;
		p += 6;
	} else if (*p) {
		return false;
	}
	if (*p)
		return false;
	*t_ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	*t_ms -= (int64_t)sign * (oh * 3600 + om * 60);
	*t_ms = *t_ms * 1000 + ms;
	return true;
}

void format_bytes(uint64_t n, char *buf, size_t bufsz)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB" };
	locale_t old;
	double v;
	int u;

	if (n < 1024) {
		snprintf(buf, bufsz, "%" PRIu64 "B", n);
		return;
	}
	v = (double)n / 1024;
	/* Move up a unit when rounding would print "1024KiB". */
	for (u = 0; u < 5 && v >= 1023.5; u++)
		v /= 1024;
	old = enter_c_locale();
	if (v < 9.95)
		snprintf(buf, bufsz, "%.1f%s", v, unit[u]);
	else
		snprintf(buf, bufsz, "%.0f%s", v, unit[u]);
	uselocale(old);
}

char *base64_encode(const void *data, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				  "qrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? abc[v & 63] : '=';
	}
	*o = '\0';
	return out;
}
