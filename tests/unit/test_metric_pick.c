/* test_metric_pick.c: ranking metric keys for automatic columns.
 * Common keys first; among equals held-out quality, then quality. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metric_pick.h"
#include "tap.h"

int main(void)
{
	struct key_tally t = {0};
	const char *keys[] = {"lr", "val_loss", "train_loss", "lr",
			      "val_loss", "train_loss", "grad_norm",
			      "eval_accuracy", "eval_accuracy", "lr"};
	char *split[4];
	size_t n;

	is_int(metric_interest("val_loss"), 3, "held-out loss ranks 3");
	is_int(metric_interest("eval_accuracy"), 3, "held-out acc ranks 3");
	is_int(metric_interest("train_loss"), 2, "training loss ranks 2");
	is_int(metric_interest("lr"), 0, "learning rate ranks 0");
	is_int(metric_interest("validation"), 0, "val without quality is 0");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		key_tally_add(&t, keys[i]);
	is_int((long long)t.n, 5, "five distinct keys");
	key_tally_rank(&t);
	is_str(t.v[0].key, "lr", "the most common key first, however dull");
	is_int((long long)t.v[0].n, 3, "counted three times");
	is_str(t.v[1].key, "eval_accuracy", "then ties by interest, then name");
	is_str(t.v[2].key, "val_loss", "held-out before training");
	is_str(t.v[3].key, "train_loss", "training quality after held-out");
	is_str(t.v[4].key, "grad_norm", "the rest last");
	key_tally_free(&t);
	ok(t.v == NULL && t.n == 0, "free empties the tally");

	/* Many distinct keys (a run with 100,000 metrics), some repeated;
	 * adding after a rank still counts into the right entries. */
	{
		enum { NK = 100000 };
		static char names[NK][12];
		size_t wrong = 0;

		for (size_t i = 0; i < NK; i++) {
			snprintf(names[i], sizeof(names[i]), "m%zu", i);
			key_tally_add(&t, names[i]);
		}
		for (size_t i = 0; i < NK; i += 10)
			key_tally_add(&t, names[i]);
		is_int((long long)t.n, NK, "100,000 distinct keys");
		key_tally_rank(&t);
		is_int((long long)t.v[0].n, 2, "repeated keys rank first");
		is_str(t.v[0].key, "m0", "by name among equals");
		key_tally_add(&t, "m1");
		key_tally_add(&t, "new");
		for (size_t i = 0; i < t.n; i++) {
			size_t want = !strcmp(t.v[i].key, "new") ? 1 :
				      (atoi(t.v[i].key + 1) % 10 == 0 ||
				       !strcmp(t.v[i].key, "m1")) ? 2 : 1;

			wrong += t.v[i].n != want;
		}
		is_int((long long)t.n, NK + 1, "one more key after the rank");
		is_int((long long)wrong, 0, "every count right after the rank");
		key_tally_free(&t);
	}

	n = key_list_split("val_loss, val_acc,,lr x", split, 3);
	is_int((long long)n, 3, "split stops at max");
	is_str(split[0], "val_loss", "first key");
	is_str(split[1], "val_acc", "commas and spaces both separate");
	is_str(split[2], "lr", "empty items skipped");
	for (size_t i = 0; i < n; i++)
		free(split[i]);
	return done_testing();
}
