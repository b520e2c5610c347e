/* fuzz_filter.c: libFuzzer target for the "/" filter. The input is a
 * pattern, then a NUL, then a subject (several fields joined by "\n",
 * as views build them); without a NUL the pattern is its own subject. */
#include "config.h"

#include "core/filter.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t plen = nul ? (size_t)(nul - data) : size;
	char *pattern = fuzz_cstr(data, plen), *subject, *err = NULL;
	struct filter *f;
	bool empty = !*pattern || !strcmp(pattern, "!");

	subject = nul ? fuzz_cstr(nul + 1, size - plen - 1) : strdup(pattern);
	if (!subject)
		abort();
	f = filter_new(pattern, &err);
	if (f) {
		fuzz_check(!err, "fuzz_filter", "no error with a filter");
		fuzz_check(!strcmp(filter_pattern(f), pattern), "fuzz_filter",
			   "the pattern as typed");
		(void)filter_match(f, subject);
		(void)filter_match(f, NULL);
		(void)filter_match(f, "");
	} else {
		fuzz_check(empty ? !err : err && *err, "fuzz_filter",
			   "an error exactly for a bad pattern");
	}
	fuzz_check(filter_match(NULL, subject), "fuzz_filter",
		   "no filter matches all");
	free(err);
	filter_free(f);
	free(pattern);
	free(subject);
	return 0;
}
