/* format.h: numbers, durations and times as mltop shows them.
 * Pure functions; every buffer is the caller's. */
#ifndef MLTOP_FORMAT_H
#define MLTOP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* MLflow stores +/-Inf as +/-DBL_MAX; these treat both as infinite.
 * Returns 1 for +Inf/+DBL_MAX, -1 for -Inf/-DBL_MAX, 0 otherwise.
 * Every number here is written in the C locale ("0.5" whatever
 * LC_NUMERIC says). */
int value_is_inf(double v);
/* RFC 4648 base64 of n bytes, NUL-terminated; owned. */
char *base64_encode(const void *data, size_t n);

/* A metric value in at most `width` characters (width >= 6): "0.9213",
 * "1.23e-05", "-4.5e+12", "12345", "NaN", "+Inf", "-Inf". Picks %g-style
 * precision so the value fits; right alignment is the caller's. When %g
 * cannot fit two digits, a compact exponent is used ("1.23e6", "-1e-4").
 * 0 and -0 are "0"; a tiny negative that cannot fit ("-5e-324" in 6) is
 * "-0". Never more than width (nor bufsz-1) characters. */
void format_value(double v, int width, char *buf, size_t bufsz);

/* The exact value for machine output: the first of %.15g, %.16g, %.17g
 * that reads back to the same double, "NaN", "Infinity", "-Infinity" for
 * JSON text. DBL_MAX is a number here ("1.7976931348623157e+308"): it is
 * what MLflow stores and is echoed as stored. */
void format_value_exact(double v, char *buf, size_t bufsz);

/* A duration in ms as "850ms", "12s", "3m05s", "2h14m", "3d04h"
 * (truncated, not rounded; negative gets a leading "-"). */
/* A run's duration from store timestamps: false (show "-") when start
 * is unset, end comes before start, or the difference overflows (a
 * store may hold any 64-bit value). */
bool run_duration_ms(int64_t start, int64_t end, int64_t *ms);
void format_duration(int64_t ms, char *buf, size_t bufsz);

/* Age relative to now, both epoch ms: "just now", "12s ago", "5m ago",
 * "3h ago", "2d ago", "2025-01-03" (local date) past 30 days; "-" when
 * t <= 0. Up to a minute in the future (clock skew) is "just now"; more
 * shows the date. */
void format_ago(int64_t t_ms, int64_t now_ms, char *buf, size_t bufsz);

/* Local time "2026-11-27 14:03:12" (or "-" when t <= 0). */
void format_time(int64_t t_ms, char *buf, size_t bufsz);

/* ISO-8601 UTC "2026-11-27T14:03:12.345Z" for machine output; any t,
 * before 1970 included. */
void format_time_iso(int64_t t_ms, char *buf, size_t bufsz);
/* The other way: "2026-11-27T14:03:12.345678Z", "...+02:00", "...Z"
 * with or without a fraction, to epoch ms in *t_ms. Returns false (and
 * *t_ms 0) for anything else, NULL included. */
bool parse_time_iso(const char *s, int64_t *t_ms);

/* Byte counts: "512B", "1.5KiB", "12MiB". */
void format_bytes(uint64_t n, char *buf, size_t bufsz);

#endif
