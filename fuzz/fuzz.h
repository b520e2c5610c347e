/* fuzz.h: what every libFuzzer target here shares: the entry points
 * libFuzzer calls, a checked promise, and a NUL-terminated copy. */
#ifndef MLTOP_FUZZ_H
#define MLTOP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken promise aborts, so libFuzzer saves the input. */
static inline void fuzz_check(int ok, const char *target, const char *what)
{
	if (!ok) {
		fprintf(stderr, "%s: broken: %s\n", target, what);
		abort();
	}
}

/* The input as a C string (owned): parsers of text see what a file or a
 * command line would give them, cut at the first NUL. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
