/* clock.c: wall and monotonic time, pinnable for tests.
 * Reads MLTOP_NOW once; tests use it to make ages and durations fixed. */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "core/clock.h"

int64_t clock_now_ms(void)
{
	static int checked;
	static int64_t pinned = -1;
	struct timespec ts;

	if (!checked) {
		const char *e = getenv("MLTOP_NOW");

		checked = 1;
		if (e && *e)
			pinned = strtoll(e, NULL, 10);
	}
	if (pinned >= 0)
		return pinned;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
