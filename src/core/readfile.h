/* readfile.h: reading a small file a user points mltop at (config, theme,
 * credentials) without hanging or filling memory. */
#ifndef MLTOP_READFILE_H
#define MLTOP_READFILE_H

#include <stddef.h>

enum readfile_status {
	READFILE_OK = 0,
	READFILE_MISSING,   /* ENOENT: callers may treat as "no file" */
	READFILE_ERROR,     /* *err says why */
};

/* The whole file, NUL-terminated, in *buf (caller frees), *n bytes.
 * Refused with a message: a directory, a FIFO, socket or device (opened
 * without blocking, so a FIFO with no writer never hangs), a file over
 * max bytes, an unreadable one. */
enum readfile_status read_small_file(const char *path, size_t max,
				     char **buf, size_t *n, char **err);

#endif
