/* compare.h: what a comparison of runs (or experiments) shows: params and
 * tags side by side with differences found, metric summaries with the
 * best run per metric. Pure: built from the model, no I/O, no curses. */
#ifndef MLTOP_COMPARE_H
#define MLTOP_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/model.h"

/* DIR_NEUTRAL: a setting or a counter (lr, epoch, step, grad_norm): no
 * value of it is better than another, so none is starred best. */
enum direction { DIR_HIGHER, DIR_LOWER, DIR_NEUTRAL };

/* The user's word on directions: comma-separated metric keys (the
 * `metric-lower` and `metric-higher` settings; NULL or "" for none). This
 * module reads no settings itself: callers pass them. */
struct direction_prefs {
	const char *lower;
	const char *higher;
	const char *neutral;
};

/* Lower is better for names like loss, error, err, mse, mae, rmse,
 * perplexity, wer, cer, latency, time; neutral for settings and counters
 * (lr, learning_rate, momentum, epoch, step, grad_norm, batch, warmup);
 * higher otherwise. Keys the user listed (prefs, may be NULL) win. */
enum direction metric_direction(const char *key,
				 const struct direction_prefs *prefs);
/* The arrow a direction shows with a key: "↓", "↑" or "" (neutral). */
const char *direction_arrow(enum direction d, bool unicode);

/* One row of a side-by-side table: a key and a value a run (NULL where
 * a run lacks it). */
struct cmp_row {
	char *key;
	char **values;       /* nruns entries, owned, NULL allowed */
	bool differs;        /* not every run has the same value */
};

struct cmp_metric {
	char *key;
	enum direction dir;
	/* a run: last (latest value), min and max over the history held
	 * (finite values; NAN when none), points held */
	double *last, *min, *max;
	size_t *npoints;
	int best;            /* index of the best run by last value; -1 */
};

struct comparison {
	size_t nruns;
	struct run **runs;   /* borrowed, in the order given */
	struct cmp_row *info;    /* status, start, duration, user, source,
				  * experiment: the same diff form */
	size_t ninfo;
	struct cmp_row *params;  /* every key any run has, sorted */
	size_t nparams;
	struct cmp_row *tags;    /* likewise, mlflow.* system tags included */
	size_t ntags;
	struct cmp_metric *metrics;  /* every key any run has, sorted */
	size_t nmetrics;
};

/* Build from runs whose params, tags, latest metrics and (for min/max)
 * histories are loaded. now_ms gives running runs their duration; m, the
 * model holding them, names their experiments (NULL: ids). */
void compare_build(struct comparison *c, struct run **runs, size_t n,
		   int64_t now_ms, const struct direction_prefs *prefs,
		   struct model *m);
void compare_free(struct comparison *c);

/* Experiments side by side. */
struct cmp_experiment {
	struct experiment *e;        /* borrowed */
	int nruns, nrunning, nfinished, nfailed, nkilled;
	/* per chosen metric: the best value and the run holding it */
	double *best;
	struct run **best_run;
};

struct cmp_param_range {
	char *key;
	/* an experiment: "0.001 .. 0.1" for numbers, "adam, sgd" (up to a
	 * few distinct values, "+N more") otherwise, NULL when unused */
	char **range;
};

struct exp_comparison {
	size_t nexps;
	struct cmp_experiment *exps;
	char **metric_keys;          /* the chosen metrics, owned */
	size_t nmetric_keys;
	struct cmp_param_range *params;
	size_t nparams;
};

/* Experiments whose runs are loaded; metric keys NULL picks the most
 * common keys across them (at most max_metrics). */
void compare_experiments(struct exp_comparison *c, struct experiment **exps,
			 size_t n, const char *const *metric_keys,
			 size_t nkeys, size_t max_metrics,
			 const struct direction_prefs *prefs);
void compare_experiments_free(struct exp_comparison *c);

/* Exponential moving average for charts: out[i] over finite points,
 * weight in [0, 1) (0 = raw). NaN/Inf pass through unsmoothed. */
void ema_smooth(const double *in, double *out, size_t n, double weight);

#endif
