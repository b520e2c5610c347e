/* store.h: the interface every tracking-store backend implements.
 * Requests merge their results into the model and may finish later
 * (network) or at once (SQLite); no backend type crosses this header. */
#ifndef MLTOP_STORE_H
#define MLTOP_STORE_H

#include <poll.h>
#include <stdbool.h>

#include "core/uri.h"
#include "store/model.h"

struct store;

/* Called when a request has finished (ok == false: model->error says why). */
typedef void (*store_done_fn)(struct store *s, bool ok, void *ud);

struct store_ops {
	const char *name;
	int (*open)(struct store *s, char **err);
	void (*close)(struct store *s);
	/* Experiments with run counts. */
	void (*load_experiments)(struct store *s, store_done_fn done,
				 void *ud);
	/* Every run of an experiment: info, latest metrics, params, tags. */
	void (*load_runs)(struct store *s, struct experiment *e,
			  store_done_fn done, void *ud);
	/* Only what changed since the last load: new runs, status and
	 * latest-metric changes. Cheap; called every refresh. */
	void (*poll_runs)(struct store *s, struct experiment *e,
			  store_done_fn done, void *ud);
	/* History points of one series newer than those it holds. */
	void (*load_history)(struct store *s, struct run *r,
			     struct series *ser, store_done_fn done, void *ud);
	/* One run by id, into the experiment it belongs to (created in the
	 * model if needed): info, latest metrics, params, tags. */
	void (*load_run)(struct store *s, const char *run_id,
			 store_done_fn done, void *ud);
	/* Event loop hooks, NULL for backends with nothing to wait on. */
	int (*pollfds)(struct store *s, struct pollfd *fds, int max,
		       int *timeout_ms);
	void (*dispatch)(struct store *s, struct pollfd *fds, int nfds);
	/* Traffic so far, "http: N requests, M bytes" (NULL: none). */
	int (*stats)(struct store *s, char *buf, size_t n);
};

struct store {
	const struct store_ops *ops;
	struct tracking_uri uri;
	struct model *model;
	bool include_deleted;
	/* The user asked for this load (r, opening a view): a backend that
	 * is backing off from a failing server tries anyway. Views set it
	 * before each call. */
	bool forced;
	/* Run counts are wanted (the dashboard, the experiments table); a
	 * remote store spends requests on them only then. */
	bool want_counts;
	void *impl;            /* the backend's own state */
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_rest_ops;

/* Open the store the URI names. On failure returns NULL, *err set. */
struct store *store_open(const char *uri, struct model *m, char **err);
void store_close(struct store *s);

/* Run the event loop until no request is pending (scripting commands). */
void store_wait(struct store *s);

#endif
