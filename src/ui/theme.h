/* theme.h: semantic colour slots; views name a slot, never a colour.
 * Themes are config lines: color <slot> <fg> <bg> [attrs...]. */
#ifndef MLTOP_THEME_H
#define MLTOP_THEME_H

/* X(id, name, dark-theme default "fg bg attrs") */
#define SLOTS(X)                                                     \
	X(DEFAULT, "default", "default default")                     \
	X(TITLE, "title", "black cyan bold")                         \
	X(STATUS, "status", "black white")                           \
	X(STATUS_ERROR, "status-error", "white red bold")            \
	X(STATUS_WARN, "status-warn", "black yellow")                \
	X(HEADER, "header", "cyan default bold")                     \
	X(CURSOR, "cursor", "black cyan")                            \
	X(RUN_RUNNING, "run-running", "green default bold")          \
	X(RUN_FINISHED, "run-finished", "blue default")              \
	X(RUN_FAILED, "run-failed", "red default bold")              \
	X(RUN_KILLED, "run-killed", "magenta default")               \
	X(RUN_SCHEDULED, "run-scheduled", "cyan default")            \
	X(RUN_STALLED, "run-stalled", "yellow default bold")         \
	X(ALERT, "alert", "white red bold")                          \
	X(DELETED, "deleted", "default default dim")                 \
	X(DIM, "dim", "default default dim")                         \
	X(KEY, "key", "yellow default bold")                         \
	X(LABEL, "label", "cyan default")                            \
	X(TREE, "tree", "default default dim")                       \
	X(SPARK, "spark", "green default")                           \
	X(SPARK_NAN, "spark-nan", "red default bold")                \
	X(SPARK_INF, "spark-inf", "magenta default bold")            \
	X(CHART, "chart", "green default")                           \
	X(CHART_AXIS, "chart-axis", "default default dim")           \
	X(VALUE_NAN, "value-nan", "red default")                     \
	X(METRIC_BEST, "metric-best", "green default bold")          \
	X(DIFF_CHANGED, "diff-changed", "yellow default")            \
	X(STAGE_PRODUCTION, "stage-production", "green default bold") \
	X(STAGE_STAGING, "stage-staging", "yellow default")          \
	X(STAGE_ARCHIVED, "stage-archived", "default default dim")   \
	X(FILTER, "filter", "yellow default bold")                   \
	X(PROMPT, "prompt", "default default bold")                  \
	X(BORDER, "border", "default default dim")                   \
	X(MARK, "mark", "magenta default bold")                      \
	X(COMPARE_1, "compare-1", "cyan default bold")               \
	X(COMPARE_2, "compare-2", "yellow default bold")             \
	X(COMPARE_3, "compare-3", "magenta default bold")            \
	X(COMPARE_4, "compare-4", "green default bold")              \
	X(COMPARE_5, "compare-5", "red default bold")                \
	X(COMPARE_6, "compare-6", "blue default bold")               \
	X(COMPARE_7, "compare-7", "cyan default underline")          \
	X(COMPARE_8, "compare-8", "yellow default underline")

enum slot {
#define X(id, name, def) SLOT_##id,
	SLOTS(X)
#undef X
	SLOT__COUNT
};

/* Compared runs (and experiments) take these in turn, one colour each. */
#define COMPARE_SLOTS 8

extern const char *const slot_names[SLOT__COUNT];

struct msg_list;

/* Reset every slot to the built-in dark theme. */
void theme_reset(void);
/* color SLOT FG BG [ATTRS]: argv excludes the word "color". Returns 0 or
 * -1 with *err. Colours: default, black, red, green, yellow, blue,
 * magenta, cyan, white, bright-<name>, colorN (0-255), #N. */
int theme_set(int argc, char **argv, char **err);
/* Give every slot to curses (after start_color); colour off when
 * NO_COLOR is set, the terminal has none, or mono is true. */
void theme_apply(int mono);
/* The attribute (colour pair + attrs) to draw a slot with. */
int theme_attr(enum slot s);
/* Load theme NAME: a path, or NAME.theme from the theme directories
 * ($MLTOP_THEMEDIR, $XDG_CONFIG_HOME/mltop/themes, then the installed
 * themes, or the source tree's themes/ for a binary run from its build
 * tree). Each
 * bad line adds to errs; returns the number of errors. */
int theme_load(const char *name, struct msg_list *errs);

#endif
