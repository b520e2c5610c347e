/* fuzz_credentials.c: libFuzzer target for ~/.mlflow/credentials, the
 * INI file read the way Python's configparser reads it. The input is
 * the file's bytes, in a buffer of exactly that size (no NUL after it),
 * so a read past the end is caught. */
#include "config.h"

#include "fuzz.h"
#include "store/credentials.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1), *user, *password, *err = NULL;
	int rc;

	if (!text)
		abort();
	memcpy(text, data, size);
	rc = credentials_parse(text, size, &user, &password, &err);
	if (rc == 0) {
		fuzz_check(!err, "fuzz_credentials", "no error on 0");
	} else {
		fuzz_check(rc == -1 && err && *err && !user && !password,
			   "fuzz_credentials",
			   "an error and no credentials on -1");
		/* Messages name lines, never their contents. */
		fuzz_check(strncmp(err, "~/.mlflow/credentials", 21) == 0,
			   "fuzz_credentials", "messages name the file");
	}
	free(user);
	free(password);
	free(err);
	free(text);
	return 0;
}
