/* fuzz_cond.c: libFuzzer target for promote's --if conditions, as a
 * script would pass them on the command line. */
#include "config.h"

#include <math.h>

#include "cli/cond.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *expr = fuzz_cstr(data, size), *err = NULL;
	struct cond *c = NULL;
	long n = conds_parse(expr, &c, &err);

	if (n < 0) {
		fuzz_check(err && *err && !c, "fuzz_cond",
			   "an error message and no conditions on -1");
	} else {
		fuzz_check(n > 0 && c && !err, "fuzz_cond",
			   "at least one condition, no error");
		for (long i = 0; i < n; i++) {
			fuzz_check(c[i].key && *c[i].key, "fuzz_cond",
				   "a metric key");
			fuzz_check(c[i].op >= OP_GE && c[i].op <= OP_NE,
				   "fuzz_cond", "an operator");
			fuzz_check(isfinite(c[i].num) && c[i].numtext &&
				   *c[i].numtext, "fuzz_cond",
				   "a finite number as typed");
		}
	}
	conds_free(c, n > 0 ? (size_t)n : 0);
	free(err);
	free(expr);
	return 0;
}
