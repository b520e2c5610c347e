/* readfile.c: reading a small file a user points mltop at, bounded.
 * `-c /dev/zero` or a FIFO must give a message, not a hang or 8 GB. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/readfile.h"
#include "core/xmalloc.h"

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

enum readfile_status read_small_file(const char *path, size_t max,
				     char **buf, size_t *n, char **err)
{
	struct stat st;
	char *b;
	size_t got = 0;
	int fd;

	*buf = NULL;
	*n = 0;
	*err = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return READFILE_MISSING;
		*err = xasprintf("%s: %s", path, strerror(errno));
		return READFILE_ERROR;
	}
	if (fstat(fd, &st) != 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		return READFILE_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = xasprintf("%s: is %s, not a file", path,
				 kind_of(st.st_mode));
		close(fd);
		return READFILE_ERROR;
	}
	if ((unsigned long long)st.st_size > max) {
		*err = xasprintf("%s: larger than %zu KiB", path, max / 1024);
		close(fd);
		return READFILE_ERROR;
	}
	/* Read at most max + 1: a file that grew meanwhile is still caught. */
	b = xmalloc(max + 2);
	for (;;) {
		ssize_t r = read(fd, b + got, max + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = xasprintf("%s: %s", path, strerror(errno));
			free(b);
			close(fd);
			return READFILE_ERROR;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > max) {
			*err = xasprintf("%s: larger than %zu KiB", path,
					 max / 1024);
			free(b);
			close(fd);
			return READFILE_ERROR;
		}
	}
	close(fd);
	b[got] = '\0';
	*buf = b;
	*n = got;
	return READFILE_OK;
}
