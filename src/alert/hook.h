/* hook.h: the alert-command hook. Each new alert runs `sh -c COMMAND`
 * with the alert as one JSON object (and a newline) on its standard
 * input; its output goes to /dev/null. Nothing waits for it: children
 * are reaped as the loop goes round, one still running after
 * HOOK_TIMEOUT_MS is killed, and a failure becomes a message for the
 * status line. At most `rate` a minute run (a token bucket); alerts
 * beyond that are counted and said, not sent. */
#ifndef MLTOP_ALERT_HOOK_H
#define MLTOP_ALERT_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOOK_TIMEOUT_MS 30000
#define HOOK_MAX_CHILDREN 8

struct alert_hook;

/* An empty command sends nothing. */
struct alert_hook *alert_hook_new(const char *command, double per_minute);
/* A new command or rate (a :set), for the next alert on. */
void alert_hook_configure(struct alert_hook *h, const char *command,
			  double per_minute);
void alert_hook_free(struct alert_hook *h);
/* Start the command for one alert (now: monotonic ms). */
void alert_hook_send(struct alert_hook *h, const char *json, int64_t now);
/* Reap what finished, kill what overran. */
void alert_hook_reap(struct alert_hook *h, int64_t now);
/* Children still running. */
size_t alert_hook_running(const struct alert_hook *h);
/* What went wrong since the last call (owned), or NULL. */
char *alert_hook_take_message(struct alert_hook *h);
/* Counters, for tests and `watch`: started, failed, dropped by rate. */
void alert_hook_counts(const struct alert_hook *h, size_t *started,
		       size_t *failed, size_t *dropped);

#endif
