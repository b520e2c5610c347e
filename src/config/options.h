/* options.h: every user setting, declared once.
 * The table drives the config file's `set`, `:set`, --help and the man page. */
#ifndef MLTOP_OPTIONS_H
#define MLTOP_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

enum opt_type { OPT_BOOL, OPT_NUMBER, OPT_STRING };

/* X(id, name, type, default, min, max, unit, choices, help)
 * min and max bound a number (both inclusive); unit names it in messages.
 * choices, when not NULL, is the space-separated set a string must be
 * one of (theme is open-ended: any theme file is a valid value). */
#define OPTIONS(X)                                                          \
	X(REFRESH, "refresh", OPT_NUMBER, "2", 0.1, 3600, "seconds", NULL,  \
	  "seconds between live refreshes (0.1 to 3600)")                   \
	X(HTTP_TIMEOUT, "http-timeout", OPT_NUMBER, "30", 0.1, 3600,        \
	  "seconds", NULL,                                                  \
	  "seconds a request to a tracking server may take")                \
	X(PIPELINES, "pipelines", OPT_STRING, "", 0, 0, NULL, NULL,         \
	  "the pipeline source, e.g. airflow+http://host:8080 (-p, "       \
	  "MLTOP_PIPELINES_URI)")                                           \
	X(DEADLINE, "deadline", OPT_NUMBER, "600", 1, 86400, "seconds",     \
	  NULL, "seconds a scripting command may take in all, however many " \
	  "requests and pages it needs")                                    \
	X(STALL, "stall-seconds", OPT_NUMBER, "120", 0, 31536000,           \
	  "seconds", NULL,                                                  \
	  "a running run with no new point for this long is marked stalled") \
	X(ALERT_NAN, "alert-nan", OPT_BOOL, "true", 0, 0, NULL, NULL,      \
	  "alert on a NaN or Inf in any metric of a run")                   \
	X(ALERT_FAILED, "alert-failed", OPT_BOOL, "true", 0, 0, NULL, NULL, \
	  "alert on a run that ended FAILED or KILLED")                     \
	X(ALERT_PIPELINE, "alert-pipeline", OPT_BOOL, "true", 0, 0, NULL,   \
	  NULL, "alert on a pipeline run or task that failed (-p)")          \
	X(ALERT_STALL, "alert-stall-factor", OPT_NUMBER, "10", 0, 1000,     \
	  "times", NULL,                                                    \
	  "alert on a running run with no new point for this many times "   \
	  "its own median logging interval (at least 10 s; stall-seconds "  \
	  "until its pace is known; 0: stall-seconds always)")              \
	X(ALERT_PLATEAU, "alert-plateau-steps", OPT_NUMBER, "0", 0, 1e9,    \
	  "steps", NULL,                                                    \
	  "alert on a metric of a running run with no better value for "    \
	  "this many steps (0: off)")                                       \
	X(ALERT_LOOKBACK, "alert-lookback", OPT_NUMBER, "3600", 0, 31536000, \
	  "seconds", NULL,                                                  \
	  "runs that ended up to this long before mltop started are "       \
	  "checked too")                                                    \
	X(ALERT_BELL, "alert-bell", OPT_BOOL, "true", 0, 0, NULL, NULL,     \
	  "ring the terminal bell on a new alert (tmux flags the window)")  \
	X(ALERT_COMMAND, "alert-command", OPT_STRING, "", 0, 0, NULL, NULL, \
	  "a shell command run for each new alert, the alert as one JSON "  \
	  "object on its standard input")                                   \
	X(ALERT_RATE, "alert-command-rate", OPT_NUMBER, "6", 1, 10000,      \
	  "per minute", NULL,                                               \
	  "alert-command runs at most this often; alerts beyond it are "    \
	  "counted, not sent")                                              \
	X(SHOW_DELETED, "show-deleted", OPT_BOOL, "false", 0, 0, NULL, NULL, \
	  "show deleted experiments and runs")                              \
	X(METRICS, "metric-columns", OPT_STRING, "", 0, 0, NULL, NULL,      \
	  "metric keys shown as columns, comma separated (empty: automatic)") \
	X(MAX_METRICS, "max-metric-columns", OPT_NUMBER, "0", 0, 8,         \
	  "columns", NULL,                                                  \
	  "metric columns the automatic choice shows (0: as many as fit)")  \
	X(SPARK_WIDTH, "spark-width", OPT_NUMBER, "12", 0, 40, "cells", NULL, \
	  "width of sparklines in table cells")                             \
	X(THEME, "theme", OPT_STRING, "dark", 0, 0, NULL, NULL,             \
	  "colour theme: dark, light, mono or a file in themes/")           \
	X(MOUSE, "mouse", OPT_BOOL, "true", 0, 0, NULL, NULL,               \
	  "click selects a row, double click opens it, the wheel scrolls, " \
	  "a click on a header sorts; false leaves the mouse to the "       \
	  "terminal's own selection")                                       \
	X(ASCII, "ascii", OPT_BOOL, "false", 0, 0, NULL, NULL,              \
	  "draw with ASCII only, even in a UTF-8 locale")                   \
	X(TREE, "tree", OPT_BOOL, "true", 0, 0, NULL, NULL,                 \
	  "show nested runs as a tree under their parent")                  \
	X(METRIC_LOWER, "metric-lower", OPT_STRING, "", 0, 0, NULL, NULL,   \
	  "metric keys where lower is better, comma separated; wins over "  \
	  "the guess from the key's name")                                  \
	X(METRIC_HIGHER, "metric-higher", OPT_STRING, "", 0, 0, NULL, NULL, \
	  "metric keys where higher is better, comma separated; wins over " \
	  "the guess from the key's name")                                  \
	X(METRIC_NEUTRAL, "metric-neutral", OPT_STRING, "", 0, 0, NULL,     \
	  NULL, "metric keys no value of which is better (settings, "       \
	  "counters), comma separated; wins over the guess from the name")

enum opt_id {
#define X(id, name, type, def, min, max, unit, choices, help) OPT_##id,
	OPTIONS(X)
#undef X
	OPT__COUNT
};

struct option_def {
	const char *name;
	enum opt_type type;
	const char *def;
	double min, max;     /* OPT_NUMBER: the accepted range */
	const char *unit;    /* OPT_NUMBER: "seconds", ... or NULL */
	const char *choices; /* OPT_STRING: "a b c", or NULL for any text */
	const char *help;
};

extern const struct option_def option_defs[OPT__COUNT];

/* Current values; strings owned by the table. */
void options_init(void);
void options_free(void);
int opt_find(const char *name);          /* -1 when unknown */
/* Set from text; returns 0 or -1 with *err (caller frees). A number
 * outside [min, max] or a string not among the choices is refused with a
 * message naming what is accepted, and the value stays as it was. */
int opt_set(int id, const char *value, char **err);
/* The check opt_set makes, against any definition (tests use their own):
 * returns 0, or -1 with *err; *num gets a number's value. */
int opt_check(const struct option_def *d, const char *value, double *num,
	      char **err);
bool opt_bool(int id);
double opt_number(int id);
const char *opt_string(int id);
/* The value as text (for :set without a value); static buffer. */
const char *opt_text(int id);
/* Lines for --help and the man page. */
void options_print_help(FILE *f, bool man);

#endif
