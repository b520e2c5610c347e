/* clock.h: wall and monotonic time, pinnable for tests.
 * MLTOP_NOW=<epoch ms> pins clock_now_ms() so screen dumps are stable. */
#ifndef MLTOP_CLOCK_H
#define MLTOP_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);     /* wall clock, epoch ms (or MLTOP_NOW) */
int64_t clock_mono_ms(void);    /* monotonic, for timers */

#endif
