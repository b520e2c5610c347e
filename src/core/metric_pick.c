/* metric_pick.c: ranking metric keys for automatic table columns.
 * Shared by every view that shows metric columns. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/metric_pick.h"
#include "core/xmalloc.h"

int metric_interest(const char *key)
{
	static const char *const quality[] = {"loss", "acc", "auc", "f1",
					      "score", "error", "perplexity",
					      "bleu", "map", "rmse", "mae"};
	static const char *const heldout[] = {"val", "eval", "test", "dev"};
	int q = 0, h = 0;

	for (size_t i = 0; i < sizeof(quality) / sizeof(quality[0]); i++)
		q |= strstr(key, quality[i]) != NULL;
	for (size_t i = 0; i < sizeof(heldout) / sizeof(heldout[0]); i++)
		h |= strstr(key, heldout[i]) != NULL;
	return q * 2 + (q && h);
}

static size_t hash_key(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void index_put(struct key_tally *t, size_t pos)
{
	size_t h = hash_key(t->v[pos].key) & (t->index_cap - 1);

	while (t->index[h])
		h = (h + 1) & (t->index_cap - 1);
	t->index[h] = pos + 1;
}

void key_tally_add(struct key_tally *t, const char *key)
{
	size_t h;

	if (t->index_cap) {
		for (h = hash_key(key) & (t->index_cap - 1); t->index[h];
		     h = (h + 1) & (t->index_cap - 1)) {
			struct key_count *c = &t->v[t->index[h] - 1];

			if (strcmp(c->key, key) == 0) {
				c->n++;
				return;
			}
		}
	}
	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
	t->v[t->n].key = key;
	t->v[t->n++].n = 1;
	if (t->n * 2 > t->index_cap) {
		size_t cap = t->index_cap ? t->index_cap * 2 : 64;

		free(t->index);
		t->index = xcalloc(cap, sizeof(*t->index));
		t->index_cap = cap;
		for (size_t i = 0; i < t->n; i++)
			index_put(t, i);
	} else {
		index_put(t, t->n - 1);
	}
}

static int cmp_count(const void *a, const void *b)
{
	const struct key_count *x = a, *y = b;
	int ix, iy;

	/* MLflow's system metrics (system/cpu_..., system/gpu_0_...) are
	 * logged by every monitored run: they go after the run's own. */
	ix = !strncmp(x->key, "system/", 7);
	iy = !strncmp(y->key, "system/", 7);
	if (ix != iy)
		return ix - iy;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	ix = metric_interest(x->key);
	iy = metric_interest(y->key);
	if (ix != iy)
		return iy - ix;
	return strcmp(x->key, y->key);
}

void key_tally_rank(struct key_tally *t)
{
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), cmp_count);
	/* Positions moved: a later add starts a fresh index. */
	free(t->index);
	t->index = NULL;
	t->index_cap = 0;
	if (!t->n)
		return;
	t->index_cap = 64;
	while (t->index_cap < t->n * 2)
		t->index_cap *= 2;
	t->index = xcalloc(t->index_cap, sizeof(*t->index));
	for (size_t i = 0; i < t->n; i++)
		index_put(t, i);
}

void key_tally_free(struct key_tally *t)
{
	free(t->v);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

size_t key_list_split(const char *list, char **out, size_t max)
{
	char *copy = xstrdup(list), *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(copy, ", ", &save); tok && n < max;
	     tok = strtok_r(NULL, ", ", &save))
		out[n++] = xstrdup(tok);
	free(copy);
	return n;
}
