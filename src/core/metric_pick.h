/* metric_pick.h: which metric keys a table shows when the user did not
 * say: the most common keys, and among equals what a user watches first. */
#ifndef MLTOP_METRIC_PICK_H
#define MLTOP_METRIC_PICK_H

#include <stddef.h>

struct key_count {
	const char *key;     /* borrowed from the caller's data */
	size_t n;
};

struct key_tally {
	struct key_count *v;
	size_t n, cap;
	/* key -> position + 1, open addressing: a run with 100,000 metric
	 * keys is tallied in linear time. */
	size_t *index;
	size_t index_cap;
};

/* Held-out quality metrics (val_loss, eval_accuracy) 3, other quality
 * metrics (loss, f1) 2, the rest (lr, grad_norm) 0. */
int metric_interest(const char *key);
void key_tally_add(struct key_tally *t, const char *key);
/* Most common first; then by interest; then by name. */
void key_tally_rank(struct key_tally *t);
void key_tally_free(struct key_tally *t);
/* Split a user's "a,b c" list into at most max owned strings. */
size_t key_list_split(const char *list, char **out, size_t max);

#endif
