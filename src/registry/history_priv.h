/* history_priv.h: what the registry files share: stage spellings, version
 * lookups and text cleaning. Private to src/registry/. */
#ifndef MLTOP_HISTORY_PRIV_H
#define MLTOP_HISTORY_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/model.h"

/* A copy of s that is valid UTF-8 (bad bytes become U+FFFD), cut at a
 * character boundary so it is at most max bytes (max 0: no limit). */
char *history_utf8_clean(const char *s, size_t max);
/* A note as recorded: NULL for none or empty, else cleaned and cut to
 * HISTORY_NOTE_MAX bytes. */
char *history_note_cut(const char *note);
/* MLflow's canonical spelling of a stage given in any case, or NULL. */
const char *history_stage_canon(const char *s);
/* A version's stage, canonical where it can be ("None" when empty). */
const char *history_version_stage(const struct model_version *v);
const struct model_version *history_find_version(
	const struct registered_model *rm, int version);
bool history_in_stage(const struct model_version *v, const char *stage);
/* "v7", or "unset" for 0 (an alias nobody holds). */
const char *history_vname(int v, char *buf, size_t n);
/* A JSON string of s cleaned to valid UTF-8 (NULL: ""); never NULL. */
json_t *history_jstr(const char *s);

#endif
