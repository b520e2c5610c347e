/* statefile.h: what mltop remembers between runs (not settings): small
 * files in the XDG state directory ($XDG_STATE_HOME/mltop, else
 * ~/.local/state/mltop), shared with the audit log. A state file is a
 * header line and one entry a line, "KEY1<TAB>KEY2<TAB>VALUE", each field
 * percent-escaped; it is rewritten whole, through a temporary file and a
 * rename, so a reader never sees half of one. */
#ifndef MLTOP_STATEFILE_H
#define MLTOP_STATEFILE_H

#include <stddef.h>

/* The directory (owned), or NULL with *err: no usable home. A relative
 * $XDG_STATE_HOME is invalid (XDG) and ignored. */
char *state_dir(char **err);
/* mkdir -p, each new directory 0700. */
int state_mkdirs(const char *path, char **err);

/* The value stored under (k1, k2) in the state file NAME: 1 and *value
 * (owned); 0 when there is none (no file, or no such entry); -1 with
 * *err when the file cannot be read or is not a state file (the caller
 * says so and goes on without it). */
int statefile_get(const char *name, const char *k1, const char *k2,
		  char **value, char **err);
/* Store value under (k1, k2), or remove the entry (value NULL), keeping
 * the other entries. A file that is not a state file is moved aside to
 * NAME.corrupt first. 0, or -1 with *err. */
int statefile_put(const char *name, const char *k1, const char *k2,
		  const char *value, char **err);

/* Call fn for every entry under k1 (in file order). 1, 0 (no file) or
 * -1 with *err. */
int statefile_each(const char *name, const char *k1,
		   void (*fn)(const char *k2, const char *value, void *ud),
		   void *ud, char **err);
/* Replace every entry under k1 with these n, in one rewrite. */
int statefile_put_all(const char *name, const char *k1,
		      const char *const *k2, const char *const *values,
		      size_t n, char **err);

#endif
