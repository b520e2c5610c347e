/* format.h: numbers, durations and times as mltop shows them.
 * Pure functions; every buffer is the caller's. */
#ifndef MLTOP_FORMAT_H
#define MLTOP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* MLflow stores +/-Inf as +/-DBL_MAX; these treat both as infinite. */
int value_is_inf(double v);

/* A metric value in at most `width` characters (width >= 6): "0.9213",
 * "1.23e-05", "-4.5e+12", "12345", "NaN", "+Inf", "-Inf". Picks %g-style
 * precision so the value fits; right alignment is the caller's. */
void format_value(double v, int width, char *buf, size_t bufsz);

/* The exact value for machine output: shortest round-trip ("%.17g"
 * trimmed), "NaN", "Infinity", "-Infinity" for JSON text. */
void format_value_exact(double v, char *buf, size_t bufsz);

/* A duration in ms as "850ms", "12s", "3m05s", "2h14m", "3d04h". */
void format_duration(int64_t ms, char *buf, size_t bufsz);

/* Age relative to now, both epoch ms: "just now", "12s ago", "5m ago",
 * "3h ago", "2d ago", "2025-01-03" past 30 days; "-" when t <= 0. */
void format_ago(int64_t t_ms, int64_t now_ms, char *buf, size_t bufsz);

/* Local time "2026-11-27 14:03:12" (or "-" when t <= 0). */
void format_time(int64_t t_ms, char *buf, size_t bufsz);

/* ISO-8601 UTC "2026-11-27T14:03:12.345Z" for machine output. */
void format_time_iso(int64_t t_ms, char *buf, size_t bufsz);

/* Byte counts: "512B", "1.5KiB", "12MiB". */
void format_bytes(uint64_t n, char *buf, size_t bufsz);

#endif
