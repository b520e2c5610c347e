/* test_model.c: the in-memory model: key lists and experiments indexed
 * at any size, and the lifetime rule (retired entries outlive the merge
 * that dropped them, until model_collect). Run under ASan by the suite. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/model.h"
#include "tap.h"

static void test_kv_list(void)
{
	struct kv_list l = {0};
	char key[32], val[32];
	size_t n = 100000, bad = 0;

	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "tag.%zu", i);
		snprintf(val, sizeof(val), "v%zu", i);
		kv_list_set(&l, key, val);
	}
	is_int(l.n, n, "100,000 distinct keys kept");
	/* Overwrite every other key: no duplicates, new values. */
	for (size_t i = 0; i < n; i += 2) {
		snprintf(key, sizeof(key), "tag.%zu", i);
		kv_list_set(&l, key, "new");
	}
	is_int(l.n, n, "overwriting adds no entry");
	for (size_t i = 0; i < n; i++) {
		const char *got;

		snprintf(key, sizeof(key), "tag.%zu", i);
		snprintf(val, sizeof(val), "v%zu", i);
		got = kv_list_get(&l, key);
		if (!got || strcmp(got, i % 2 ? val : "new") != 0)
			bad++;
	}
	is_int(bad, 0, "every key reads back its latest value");
	ok(kv_list_get(&l, "tag.100000") == NULL, "a missing key is NULL");
	for (size_t i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "tag.%zu", i);
		ok(strcmp(l.v[i].key, key) == 0, "insertion order kept (%zu)",
		   i);
	}
	kv_list_set(&l, "null-valued", NULL);
	ok(kv_list_get(&l, "null-valued") == NULL &&
	   strcmp(l.v[l.n - 1].key, "null-valued") == 0,
	   "a NULL value is kept as an entry");
	kv_list_clear(&l);
	is_int(l.n, 0, "cleared");
	kv_list_set(&l, "a", "1");
	is_str(kv_list_get(&l, "a"), "1", "usable again after clear");
	kv_list_clear(&l);
}

static void test_experiments(void)
{
	struct model m;
	char id[32];
	size_t n = 100000, bad = 0;

	model_init(&m);
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%zu", i);
		model_experiment_upsert(&m, id)->seen = i % 3 != 0;
	}
	is_int(m.nexps, n, "100,000 experiments");
	for (size_t i = 0; i < n; i++) {
		struct experiment *e;

		snprintf(id, sizeof(id), "%zu", i);
		e = model_experiment(&m, id);
		if (!e || strcmp(e->id, id) != 0)
			bad++;
	}
	is_int(bad, 0, "each found by id");
	ok(model_experiment_upsert(&m, "7") == model_experiment(&m, "7") &&
	   m.nexps == n, "upsert of a known id finds it");
	model_remove_unseen_experiments(&m);
	is_int(m.nexps, n - (n + 2) / 3, "unseen experiments left the list");
	ok(model_experiment(&m, "3") == NULL, "a removed one is not found");
	ok(model_experiment(&m, "4") != NULL, "a kept one still is");
	ok(model_retired_count(&m) == (n + 2) / 3, "removed ones are retired");
	model_collect(&m);
	is_int(model_retired_count(&m), 0, "and freed by model_collect");
	model_free(&m);
}

/* A view takes a run pointer; a reload drops the run; the pointer must
 * stay readable until the loop's safe point (ASan reports a
 * heap-use-after-free here if the merge frees at once). */
static void test_lifetime(void)
{
	struct model m;
	struct experiment *e;
	struct run *held, *kept;

	model_init(&m);
	e = model_experiment_upsert(&m, "1");
	held = experiment_run_upsert(e, "aaaa");
	held->name = strdup("gone-soon");
	kept = experiment_run_upsert(e, "bbbb");
	held->seen = false;
	kept->seen = true;
	experiment_remove_unseen(e);
	is_int(e->nruns_loaded, 1, "the dropped run left the experiment");
	ok(experiment_run(e, "aaaa") == NULL, "and its index");
	ok(model_find_run(&m, "bbbb") == kept, "model_find_run finds the other");
	ok(held->retired, "the held pointer says it is retired");
	is_str(held->name, "gone-soon", "and is still readable before collect");

	/* An experiment dropped with its runs: both readable until collect. */
	held = experiment_run_upsert(e, "cccc");
	e->seen = false;
	model_remove_unseen_experiments(&m);
	ok(e->retired && held->retired && strcmp(held->id, "cccc") == 0,
	   "a retired experiment's runs stay readable");
	ok(model_experiment(&m, "1") == NULL, "the experiment left the model");
	model_collect(&m);
	is_int(model_retired_count(&m), 0, "collect frees them all");
	model_free(&m);
}

int main(void)
{
	test_kv_list();
	test_experiments();
	test_lifetime();
	return done_testing();
}
