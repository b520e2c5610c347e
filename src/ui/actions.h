/* actions.h: every user action, declared once: name, default keys, help.
 * The help overlay, the man page's key table and `:` completion come from here. */
#ifndef MLTOP_ACTIONS_H
#define MLTOP_ACTIONS_H

/* X(id, name, default keys (space separated), help) */
#define ACTIONS(X)                                                            \
	X(MOVE_DOWN, "move-down", "j <Down>", "move down one row")            \
	X(MOVE_UP, "move-up", "k <Up>", "move up one row")                    \
	X(PAGE_DOWN, "page-down", "<PgDn> <C-f>", "move down one page")       \
	X(PAGE_UP, "page-up", "<PgUp> <C-b>", "move up one page")             \
	X(HALF_DOWN, "half-page-down", "<C-d>", "move down half a page")      \
	X(HALF_UP, "half-page-up", "<C-u>", "move up half a page")            \
	X(FIRST, "move-first", "g <Home>", "go to the first row")             \
	X(LAST, "move-last", "G <End>", "go to the last row")                 \
	X(ENTER, "enter", "<Enter> l <Right>", "open the selected item")      \
	X(BACK, "back", "q <Esc> h <Left>",                                   \
	  "go back one view; quit from the top view")                         \
	X(QUIT, "quit", "Q", "quit mltop")                                    \
	X(FILTER, "filter", "/",                                              \
	  "filter rows by a regex over name, params and tags (! inverts)")    \
	X(SEARCH, "search", "F",                                              \
	  "runs: MLflow's search filter (metrics.loss < 0.1 and "             \
	  "params.opt = 'adam'); empty: none")                                \
	X(NEXT_MATCH, "next-match", "n", "select the next matching row")      \
	X(PREV_MATCH, "prev-match", "N", "select the previous matching row")  \
	X(SORT_NEXT, "sort-next", "s", "sort by the next column")             \
	X(SORT_REVERSE, "sort-reverse", "S", "reverse the sort order")        \
	X(REFRESH, "refresh", "r <C-l>", "reload from the store now")         \
	X(TOGGLE_DELETED, "toggle-deleted", "d",                              \
	  "show or hide deleted experiments and runs")                        \
	X(TOGGLE_TREE, "toggle-tree", "t", "show nested runs as a tree")      \
	X(METRIC_COLUMNS, "metric-columns", "m",                              \
	  "choose the metric columns (:metrics)")                             \
	X(COLUMNS, "columns", "<F2> |",                                       \
	  "runs: choose, order and hide the columns, params too (:columns)")  \
	X(FOCUS_NEXT, "focus-next", "<Tab>",                                  \
	  "next pane (run detail: metrics, params, tags)")                    \
	X(LOG_Y, "toggle-log-y", "L", "chart: logarithmic y axis")            \
	X(REGISTRY, "registry", "M", "the model registry (:models)")          \
	X(PROMOTE, "promote", "p",                                            \
	  "promote: move an alias to the selected version")                   \
	X(PROMOTE_STAGE, "promote-stage", "P",                                \
	  "promote: transition the selected version's stage")                 \
	X(ROLLBACK, "rollback", "R",                                          \
	  "roll back an alias or stage from the history")                     \
	X(TIMELINE, "timeline", "T", "the alias and stage timeline")          \
	X(MARK, "mark", "<Space>", "mark or unmark for compare")              \
	X(COMPARE, "compare", "c", "compare the marked runs or experiments")  \
	X(DIFF_ONLY, "diff-only", "D", "show only rows that differ")          \
	X(X_AXIS, "x-axis", "x",                                              \
	  "chart x axis: step, wall time, time since start")                  \
	X(SMOOTH, "smooth", "e", "chart EMA smoothing: off, 0.6, 0.9")        \
	X(ZOOM_IN, "zoom-in", "+ =",                                          \
	  "chart: zoom in on the last steps; runs tree: expand the branch")   \
	X(ZOOM_OUT, "zoom-out", "-",                                          \
	  "chart: zoom out; runs tree: collapse the branch (its parent's)")   \
	X(ZOOM_RESET, "zoom-reset", "0", "chart: every step again")           \
	X(SCROLL_LEFT, "scroll-left", "<",                                    \
	  "compare, runs: scroll the columns (the metric columns) left")     \
	X(SCROLL_RIGHT, "scroll-right", ">",                                  \
	  "compare, runs: scroll the columns (the metric columns) right")    \
	X(PIPELINES, "pipelines", "W",                                        \
	  "the pipelines of the -p source (:pipelines); in a pipeline run, "  \
	  "the MLflow run the selected task logged; in run detail, the "    \
	  "pipeline run that logged it")                      \
	X(ALERTS, "alerts", "!",                                              \
	  "the alerts: NaN, stalls, failed runs, your rules (:alerts)")       \
	X(ACK, "acknowledge", "A",                                            \
	  "alerts: acknowledge the selected alert (:ack all: every one); "   \
	  "runs, run detail: the run's alerts")                               \
	X(TRIGGER, "trigger", "X", "pipelines: trigger a run (asks first)")   \
	X(PAUSE_PIPELINE, "pause-pipeline", "O",                              \
	  "pipelines: pause or unpause the selected one (asks first)")        \
	X(CLEAR, "clear", "C",                                                \
	  "pipelines: clear a run, or a task and its downstream (asks first)") \
	X(RETRY, "retry", "a",                                                \
	  "pipelines: run the selected finished run again (asks first)")     \
	X(CANCEL_RUN, "cancel-run", "K",                                      \
	  "pipelines: stop the selected run under way (asks first)")         \
	X(RUN_LOG, "run-log", "o",                                            \
	  "pipeline run: the whole run's log, its own lines and its tasks' " \
	  "(Prefect)")                                                        \
	X(FOLLOW, "follow", "f", "task log: follow new lines while it runs")  \
	X(MAXIMISE, "maximise", "v",                                          \
	  "run detail: the chart fills the view, the metric list goes (v "  \
	  "again: both; j/k still pick the metric)")                         \
	X(PAUSE, "pause", "z",                                                \
	  "freeze live updates (and a live sort's reordering); z again resumes") \
	X(YANK, "yank", "y",                                                  \
	  "copy the selected id or URI (runs:/ID, models:/NAME/V) to the "   \
	  "clipboard (OSC 52)")                                               \
	X(YANK_WEB, "yank-web", "Y",                                          \
	  "copy the web UI address of what is selected (MLflow or Airflow)")  \
	X(COMMAND, "command", ":", "enter a command (:q, :set, :metrics ...)") \
	X(HELP, "help", "? <F1>", "show this help")

enum action {
	ACT_NONE = 0,
#define X(id, name, keys, help) ACT_##id,
	ACTIONS(X)
#undef X
	ACT__COUNT
};

struct action_def {
	const char *name;
	const char *keys;
	const char *help;
};

extern const struct action_def action_defs[ACT__COUNT];

/* Reactions a handler returns instead of calling other modules. */
enum reaction {
	RE_NONE = 0,
	RE_REDRAW = 1,   /* repaint */
	RE_RELOAD = 2,   /* ask the store again */
	RE_POP = 4,      /* close this view */
	RE_QUIT = 8,
	RE_UNHANDLED = 16,
	RE_PUSH = 32,    /* open the view named by tui_want_view */
};

int action_find(const char *name);   /* ACT_NONE when unknown */

#endif
