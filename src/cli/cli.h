/* cli.h: the scripting commands: experiments, runs, metric.
 * Each returns the process exit status: 0 ok, 2 store error. */
#ifndef MLTOP_CLI_H
#define MLTOP_CLI_H

#include <stdbool.h>

struct store;

struct cli_opts {
	bool json;
	bool all;               /* include deleted */
	const char *experiment; /* runs: name or id, NULL for all */
	const char *run_id;     /* metric */
	const char *key;        /* metric */
};

int cli_experiments(struct store *s, const struct cli_opts *o);
int cli_runs(struct store *s, const struct cli_opts *o);
int cli_metric(struct store *s, const struct cli_opts *o);

#endif
