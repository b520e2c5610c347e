/* rules.h: what makes an alert. Built-in rules (a NaN or Inf, a stall,
 * a run that ended FAILED or KILLED, a plateau), each switched by a
 * setting, and a user's rules from the config file's `alert` lines:
 *
 *   alert val_loss > 2.5 after 100 steps
 *   alert system/gpu_0_utilization_percentage < 10 for 5m in "bert-*"
 *   alert plateau val_acc 500 steps run "sweep-*"
 *   alert val_acc worse than 0.6 after 1000 steps
 *
 * A rule is parsed once; matching it is alert/engine.c's work. */
#ifndef MLTOP_ALERT_RULES_H
#define MLTOP_ALERT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rule_kind {
	RULE_NAN,        /* a NaN or Inf in any metric */
	RULE_STALL,      /* a running run that stopped logging */
	RULE_FAILED,     /* a run that ended FAILED or KILLED */
	RULE_PLATEAU,    /* no better value for N steps */
	RULE_THRESHOLD,  /* METRIC OP VALUE */
	RULE_PIPELINE,   /* a pipeline run or task that failed */
};

/* WORSE and BETTER follow the metric's direction (val_loss: lower is
 * better, so worse is >; val_acc: worse is <); a metric with no better
 * direction never matches them. */
enum rule_op { ROP_GT, ROP_GE, ROP_LT, ROP_LE, ROP_WORSE, ROP_BETTER };

struct alert_rule {
	enum rule_kind kind;
	/* What the alert calls it: "nan", "stall", "failed", "plateau", or
	 * a user rule's own text, normalised ("val_loss > 2.5 after 100
	 * steps"). Owned. */
	char *name;
	char *metric;          /* threshold, user plateau; NULL: any */
	enum rule_op op;
	double value;
	int64_t after_steps;   /* only once the metric's step is this far */
	int64_t for_ms;        /* the condition held this long (0: at once) */
	int64_t steps;         /* plateau: steps without a better value */
	char *exp_glob;        /* experiment name or id (fnmatch); NULL: any */
	char *run_glob;        /* run name or id; NULL: any */
};

/* Parse the words after `alert` (argv[0] is the first of them). Returns
 * 0, or -1 with *err (owned) saying what is wrong and where. */
int rule_parse(int argc, char **argv, struct alert_rule *out, char **err);
void rule_free(struct alert_rule *r);
const char *rule_op_text(enum rule_op op);
/* Does value satisfy the rule's comparison? (NaN never does.) lower:
 * the metric is better lower (for WORSE and BETTER); neutral: it has no
 * better direction. */
bool rule_compare(const struct alert_rule *r, double value, bool lower,
		  bool neutral);
/* "5m", "300s", "2h", "1d", "90" (seconds): milliseconds, or -1. */
int64_t rule_duration_ms(const char *s);

/* The user's rules: config `alert` lines add to them (registered with
 * the config reader by alert_rules_register), `mltop watch --rules FILE`
 * reads a file of them. */
struct rule_set {
	struct alert_rule *v;
	size_t n, cap;
};
void alert_rules_register(void);
struct rule_set *alert_user_rules(void);
void rule_set_clear(struct rule_set *s);

#endif
