/* test_hooks.h: seams for the integration tests, compiled in only by
 * configure --enable-test-hooks; a release build carries none of them. */
#ifndef MLTOP_TEST_HOOKS_H
#define MLTOP_TEST_HOOKS_H

#ifdef MLTOP_TEST_HOOKS
#include <stdlib.h>
#include <unistd.h>

/* Sleep inside the registry write transaction for the seconds
 * MLTOP_TEST_PAUSE_IN_WRITE says, so a test can kill the writer or race
 * a second one against it while the transaction is open. */
static inline void test_hook_pause_in_write(void)
{
	const char *p = getenv("MLTOP_TEST_PAUSE_IN_WRITE");

	if (p && atoi(p) > 0)
		sleep((unsigned)atoi(p));
}
#else
static inline void test_hook_pause_in_write(void)
{
}
#endif

#endif
