/* engine.h: run health. After each refresh the engine looks at what the
 * model already holds (latest values, statuses, the newest point's time:
 * no query of its own) and turns what the rules match into alerts, each
 * once: an alert's key names its event (a run and a metric for a NaN, a
 * run and the time of its last point for a stall), and keys already
 * alerted, in this session or an earlier one, never alert again.
 *
 * Alerts, and whether the user acknowledged each, are kept in the state
 * file "alerts" (core/statefile.c) under the tracking URI, the newest
 * ALERT_KEEP of them. */
#ifndef MLTOP_ALERT_ENGINE_H
#define MLTOP_ALERT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/rules.h"

struct model;
struct pipe_model;

#define ALERT_KEEP 500
/* Keys of alerts said, kept (and saved) beyond the alerts shown, so an
 * alert that left the list is not said again. */
#define SAID_KEEP 20000

struct alert {
	char *key;             /* the event: alerted once */
	char *rule;            /* "nan", "stall", ... or a user rule's text */
	enum rule_kind kind;
	/* A pipeline alert: run_* is the pipeline run, exp_* the
	 * pipeline, metric the task (NULL for the whole run). */
	char *run_id, *run_name, *exp_id, *exp_name;
	char *metric;          /* NULL for failed, stall */
	double value;          /* NAN when none */
	int64_t step;          /* -1 when none */
	int64_t last_ms;       /* stall: the run's last point (or start) */
	int64_t time_ms;       /* when mltop noticed it (wall clock) */
	char *detail;          /* one line for people: "status FAILED" */
	bool acked;
	bool cleared;          /* a stall whose run logged again */
	bool fresh;            /* new since alert_take_fresh last ran */
};

struct alert_settings {
	bool nan, failed;
	bool pipeline;         /* failed pipeline runs and tasks */
	double stall_factor;   /* k times the median interval; 0: fixed */
	int64_t stall_ms;      /* the fixed stall time (0: off) */
	int64_t plateau_steps; /* built-in plateau on every metric (0: off) */
	int64_t lookback_ms;   /* runs that ended this long before the
				* engine started still count */
	/* Which way is better, for plateaus ("a,b" lists; NULL ok). */
	const char *lower, *higher, *neutral;
};

struct alert_track;

struct alert_engine {
	char *uri;             /* the tracking URI as shown: state file key */
	struct alert *v;       /* oldest first */
	size_t n, cap;
	size_t nunacked;
	uint64_t gen;          /* moves whenever v or a flag in it changes */
	struct alert_settings set;
	const struct rule_set *rules;   /* borrowed; NULL: none */
	int64_t started_ms;
	/* The per-run memory rules need (logging intervals, since when a
	 * condition holds, the best value so far): a hash by text key,
	 * swept of what the last check did not touch. */
	struct alert_track *tracks;
	size_t ntracks, captracks;
	uint32_t pass;
	uint32_t dir_epoch;    /* moves when the direction lists change */
	/* keys alerted: hash into v (position + 1) */
	size_t *index;
	size_t index_cap;
	/* every key said, oldest first, and a hash into it */
	char **said;
	size_t nsaid, capsaid;
	size_t *said_index;
	size_t said_cap;
	char *state_error;     /* the state file could not be read/written */
	bool persist;          /* keep alerts in the state file */
	bool dirty;            /* v changed since the state file was written */
};

/* The settings as the options table has them now. */
struct alert_settings alert_settings_from_options(void);

/* A new engine; persist: read and keep the state file. */
struct alert_engine *alert_engine_new(const char *uri,
				      const struct alert_settings *set,
				      const struct rule_set *rules,
				      bool persist, int64_t now_ms);
void alert_engine_free(struct alert_engine *eng);
/* New settings (a :set), from the next check on. */
void alert_engine_configure(struct alert_engine *eng,
			    const struct alert_settings *set);
/* One alert as the state file keeps it (key, and the JSON alert_json
 * wrote): added unless the key is there already or the JSON is not an
 * object. How a restart reads the file; the fuzz target's door. */
void alert_engine_add_saved(struct alert_engine *eng, const char *key,
			    const char *json);
/* Look at the model as it is now; returns how many alerts are new. */
size_t alert_check(struct alert_engine *eng, struct model *m, int64_t now_ms);
/* The same, and the pipeline source's model (NULL: none): a pipeline run
 * or a task that failed since the lookback (the runs and tasks read), or
 * a pipeline whose newest runs, as the pipelines list has them, show a
 * failure that was not there at the first look. */
size_t alert_check_all(struct alert_engine *eng, struct model *m,
		       const struct pipe_model *pm, int64_t now_ms);
/* Acknowledge one alert (by position), or all (i == (size_t)-1). */
void alert_ack(struct alert_engine *eng, size_t i);
/* Write the state file if anything changed (0, or -1: state_error). */
int alert_save(struct alert_engine *eng);
/* Hand each fresh alert to fn (oldest first), then mark it seen. */
void alert_take_fresh(struct alert_engine *eng,
		      void (*fn)(const struct alert *a, void *ud), void *ud);
/* One JSON object (no newline), owned: what watch prints and the
 * alert-command hook reads. */
char *alert_json(const struct alert *a, const char *uri);
/* "NaN in loss at step 120", for the status line and the view. */
char *alert_summary(const struct alert *a);

#endif
