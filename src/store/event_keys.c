/* event_keys.c: the keys of the history events a registry write records,
 * chosen by the store inside the write from the tags as they are then. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/xmalloc.h"
#include "store/store.h"

bool store_event_seq(const char *key, int64_t *seq)
{
	size_t plen = strlen(STORE_EVENT_PREFIX), nd = 0;
	int64_t v = 0;
	const char *p;

	if (!key || strncmp(key, STORE_EVENT_PREFIX, plen) != 0)
		return false;
	for (p = key + plen; *p; p++, nd++) {
		if (*p < '0' || *p > '9')
			return false;
		if (v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (nd < 6)
		return false;
	*seq = v;
	return true;
}

/* Keys, not values, count: an event tag someone damaged still takes its
 * place in the sequence and is still dropped in its turn. */
void store_event_keys(const struct kv_list *tags, char **key, char **drop)
{
	int64_t max = 0, min = 0, seq;
	const char *oldest = NULL;
	size_t count = 0;

	for (size_t i = 0; i < tags->n; i++) {
		if (!store_event_seq(tags->v[i].key, &seq))
			continue;
		if (!count || seq > max)
			max = seq;
		if (!count || seq < min) {
			min = seq;
			oldest = tags->v[i].key;
		}
		count++;
	}
	*key = xasprintf("%s%06lld", STORE_EVENT_PREFIX,
			 (long long)(count ? max + 1 : 1));
	*drop = count + 1 > STORE_EVENT_KEEP ? xstrdup(oldest) : NULL;
}
