/* test_xmalloc.c: unit tests for the allocation wrappers.
 * Sizes that overflow must end in die() (exit 2 with a message), never
 * in a short allocation; each such case runs in a child process. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xmalloc.h"
#include "tap.h"

/* Runs fn in a child with stderr on a pipe; returns the exit status
 * (-1 when it did not exit) and the first line it wrote into msg. */
static int in_child(void (*fn)(void), char *msg, size_t msgsz)
{
	int fd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fd) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 2);
		fn();
		_exit(0);
	}
	close(fd[1]);
	/* die() writes in pieces: read to the end, or the child dies of
	 * SIGPIPE. */
	while ((n = read(fd[0], msg + len, msgsz - 1 - len)) > 0 &&
	       len + (size_t)n < msgsz - 1)
		len += (size_t)n;
	if (n > 0)
		len += (size_t)n;
	msg[len] = '\0';
	msg[strcspn(msg, "\n")] = '\0';
	close(fd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void grow_overflow(void)
{
	size_t cap = 8;
	char *p = xmalloc(8 * 16);

	/* need * 16 bytes does not fit a size_t. */
	p = xgrow(p, &cap, SIZE_MAX / 8, 16);
	free(p);
}

static void grow_near_max(void)
{
	size_t cap = 8;
	char *p = xmalloc(8);

	/* Doubling from 8 would wrap to 0 before reaching need. */
	p = xgrow(p, &cap, SIZE_MAX / 2 + 2, 1);
	free(p);
}

static void reallocarray_overflow(void)
{
	free(xreallocarray(NULL, SIZE_MAX / 2, 3));
}

int main(void)
{
	char msg[256];
	size_t cap = 0;
	int *v = NULL;

	v = xgrow(v, &cap, 1, sizeof(*v));
	is_int(cap, 8, "first growth allocates 8");
	v = xgrow(v, &cap, 9, sizeof(*v));
	is_int(cap, 16, "growth doubles");
	v = xgrow(v, &cap, 100, sizeof(*v));
	is_int(cap, 128, "growth doubles until need fits");
	v[127] = 1;
	v = xgrow(v, &cap, 50, sizeof(*v));
	is_int(cap, 128, "no growth when it fits");
	free(v);
	v = xreallocarray(NULL, 4, sizeof(*v));
	v[3] = 3;
	ok(v != NULL, "xreallocarray of a sane size");
	free(v);

#if defined(__SANITIZE_ADDRESS__)
	/* ASan answers a huge request itself and checks leaks in a child
	 * that dies on purpose: the death tests are the plain build's. */
	(void)msg;
	diag("death tests skipped under AddressSanitizer");
	return done_testing();
#endif
	is_int(in_child(grow_overflow, msg, sizeof(msg)), 2,
	       "xgrow: element count x size overflow dies with status 2");
	is_str(msg, "mltop: allocation too large (2305843009213693952 x 16 "
	       "bytes)", "xgrow: overflow message");
	is_int(in_child(grow_near_max, msg, sizeof(msg)), 2,
	       "xgrow: capacity doubling past SIZE_MAX dies, never wraps");
	ok(strncmp(msg, "mltop: out of memory", 20) == 0 ||
	   strncmp(msg, "mltop: allocation too large", 27) == 0,
	   "xgrow: near SIZE_MAX reports memory");
	is_int(in_child(reallocarray_overflow, msg, sizeof(msg)), 2,
	       "xreallocarray: overflow dies with status 2");
	ok(strstr(msg, "allocation too large") != NULL,
	   "xreallocarray: overflow message");
	return done_testing();
}
