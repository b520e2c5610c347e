/* event_keys.c: the keys of the history events a registry write records,
 * chosen by the store inside the write from the tags as they are then. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
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
		if (v >= STORE_EVENT_SEQ_MAX / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (nd < 6 || v < 1)
		return false;
	*seq = v;
	return true;
}

static int seq_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y) - (x > y);
}

/* Keys, not values, count: an event tag someone damaged still takes its
 * place in the sequence and is still dropped in its turn. The next key
 * is the highest number plus one, unless that is past the largest
 * number an event may have (a tag set by hand, say
 * mltop.history.999999999999999): then the highest number whose
 * successor is free and valid, so no tag anyone sets can make events
 * overwrite each other, or leave the range history reads. */
void store_event_keys(const struct kv_list *tags, char **key, char **drop)
{
	int64_t min = 0, seq, next = 1, *seqs = NULL;
	const char *oldest = NULL;
	size_t count = 0;

	for (size_t i = 0; i < tags->n; i++) {
		if (!store_event_seq(tags->v[i].key, &seq))
			continue;
		if (!count || seq < min) {
			min = seq;
			oldest = tags->v[i].key;
		}
		seqs = xreallocarray(seqs, count + 1, sizeof(*seqs));
		seqs[count++] = seq;
	}
	if (count) {
		qsort(seqs, count, sizeof(*seqs), seq_desc);
		for (size_t i = 0; i < count; i++) {
			/* seqs[i] + 1 is taken when the one above is it. */
			if (seqs[i] + 1 >= STORE_EVENT_SEQ_MAX ||
			    (i > 0 && seqs[i - 1] == seqs[i] + 1) ||
			    (i > 0 && seqs[i - 1] == seqs[i]))
				continue;
			next = seqs[i] + 1;
			break;
		}
	}
	free(seqs);
	*key = xasprintf("%s%06lld", STORE_EVENT_PREFIX, (long long)next);
	*drop = count + 1 > STORE_EVENT_KEEP ? xstrdup(oldest) : NULL;
}
