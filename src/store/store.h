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
struct search;

/* A change to the registry, as a promotion or a rollback makes it. The
 * store re-reads the current state first and refuses (ok == false, and
 * model->error starts with "conflict:" and says what it found) when it is
 * not what the screen showed: another user moved it since. */
enum registry_write_kind { RW_ALIAS, RW_STAGE };

struct stage_move {
	int version;
	const char *stage;          /* Staging, Production, Archived, None */
	const char *expect_stage;   /* its stage as drawn */
};

struct registry_write {
	enum registry_write_kind kind;
	const char *model;
	/* RW_ALIAS: point alias at version (0: delete the alias); the
	 * alias held expect_alias_version as drawn (0: unset). */
	const char *alias;
	int version;
	int expect_alias_version;
	/* RW_STAGE: moves applied in order; archive_existing (promotions
	 * only, one move) archives the other versions in that stage, with
	 * MLflow's semantics; expect_in_stage is who was in the target stage
	 * as drawn (ascending). */
	const struct stage_move *moves;
	size_t nmoves;
	bool archive_existing;
	const int *expect_in_stage;
	size_t nexpect_in_stage;
	/* The history event to record with it: a registered-model tag
	 * (key STORE_EVENT_PREFIX NNNNNN, value JSON), and an older event
	 * tag to delete so the history stays bounded (NULL: none). The
	 * store replaces both keys with store_event_keys' choice from the
	 * tags as they are inside the write. */
	const char *event_key;
	const char *event_value;
	const char *drop_key;
};

/* History events are registered-model tags: STORE_EVENT_PREFIX, then at
 * least six digits. The store picks the next key inside the write, from
 * the tags as they are then, so two writes racing each other both keep
 * their event; the oldest beyond STORE_EVENT_KEEP is dropped. */
#define STORE_EVENT_PREFIX "mltop.history."
#define STORE_EVENT_KEEP 100
/* Event numbers are 1 to STORE_EVENT_SEQ_MAX - 1; a key with a larger
 * number is an ordinary tag. */
#define STORE_EVENT_SEQ_MAX 1000000000000000LL

/* The number of an event key (false: not one). */
bool store_event_seq(const char *key, int64_t *seq);
/* The key of the next event among tags, and the key of the oldest to
 * delete to keep STORE_EVENT_KEEP (*drop NULL when none). Caller frees
 * both. */
void store_event_keys(const struct kv_list *tags, char **key, char **drop);

/* Called when a request has finished (ok == false: model->error says why). */
typedef void (*store_done_fn)(struct store *s, bool ok, void *ud);
/* A batch of a scan's runs, in order: valid only during the call.
 * false: no more wanted (the scan ends, ok). */
typedef bool (*store_runs_fn)(struct store *s, struct run *const *runs,
			      size_t n, void *ud);

/* What one request needs, given with it: a backend copies it when the
 * request is queued, so a setting a view changes later never reaches a
 * request already made. NULL means all false. */
struct store_req {
	/* The user asked for this load (r, opening a view): a backend that
	 * is backing off from a failing server tries anyway. */
	bool forced;
	/* Deleted experiments and runs as well as active ones. */
	bool include_deleted;
	/* Run counts are wanted (the experiments table); a remote store
	 * spends requests on them only then. */
	bool want_counts;
	/* load_runs and poll_runs: only the runs matching MLflow's filter
	 * (the store applies it: SQL on SQLite, the filter and order_by of
	 * runs/search on a server). Borrowed: the caller keeps it until the
	 * request is done. NULL: every run. */
	const struct search *search;
	/* load_runs: a server may stop after this many runs in the search's
	 * order (0: all of them). */
	long max_results;
	/* load_runs (and a poll that turns into one): a server reads one
	 * page and leaves the token in e->runs_more for more_runs (the
	 * dashboard reads further runs as the user scrolls to them); a
	 * store read locally reads them all. more_runs: one more page
	 * (false: every page left). */
	bool first_page;
	/* more_runs with first_page, on an experiment whose backend holds
	 * a window of it (e->runs_total > 0): move the window to the page
	 * holding position `at` (0-based in MLflow's order; SIZE_MAX: the
	 * last run), reading only what it lacks, in one slice, and dropping
	 * the runs more than STORE_WINDOW_PAGES pages away. */
	bool window;
	size_t at;
	/* load_runs with first_page on a store that keeps a window: the
	 * order it reads the experiment's runs in, over every matching run
	 * (zero: START, newest first; a server pages in its own order).
	 * order_key is copied when the request is queued. */
	enum run_order order;
	const char *order_key;
	bool order_asc;
};

/* Pages a window holds at most, around the last one asked for. */
#define STORE_WINDOW_PAGES 3

/* The request as the backend keeps it (NULL given: all false). */
struct store_req store_req_copy(const struct store_req *req);

struct store_ops {
	const char *name;
	int (*open)(struct store *s, char **err);
	void (*close)(struct store *s);
	/* Experiments with run counts. */
	void (*load_experiments)(struct store *s, const struct store_req *req,
				 store_done_fn done, void *ud);
	/* Every run of an experiment: info, latest metrics, params, tags. */
	void (*load_runs)(struct store *s, const struct store_req *req,
			  struct experiment *e, store_done_fn done, void *ud);
	/* Only what changed since the last load: new runs, status and
	 * latest-metric changes. Cheap; called every refresh. */
	void (*poll_runs)(struct store *s, const struct store_req *req,
			  struct experiment *e, store_done_fn done, void *ud);
	/* The runs a first_page load left on the server (e->runs_more),
	 * added to those loaded: one page, or all of them. Asked again while
	 * one is under way, it only widens it (one page -> all). NULL for a
	 * backend that reads whole. */
	void (*more_runs)(struct store *s, const struct store_req *req,
			  struct experiment *e, store_done_fn done, void *ud);
	/* Every run of an experiment that matches req->search (all when
	 * NULL), in MLflow's default order (start_time DESC, then run id),
	 * handed to fn a batch at a time and freed after it: memory follows
	 * the batch, not the experiment, whose loaded runs it leaves alone
	 * only if none were loaded (scripting commands use it on a model of
	 * their own). NULL when the backend cannot: load_runs instead. */
	void (*scan_runs)(struct store *s, const struct store_req *req,
			  struct experiment *e, store_runs_fn fn, void *fnud,
			  store_done_fn done, void *ud);
	/* History points of one series newer than those it holds. */
	void (*load_history)(struct store *s, const struct store_req *req,
			     struct run *r, struct series *ser,
			     store_done_fn done, void *ud);
	/* One run by id, into the experiment it belongs to (created in the
	 * model if needed): info, latest metrics, params, tags. */
	void (*load_run)(struct store *s, const struct store_req *req,
			 const char *run_id, store_done_fn done, void *ud);
	/* Every active run carrying the tag key=value, in any experiment
	 * (at most a few hundred), each as load_run reads it: how a pipeline
	 * task finds the MLflow runs it logged. */
	void (*load_tagged_runs)(struct store *s, const struct store_req *req,
				 const char *key, const char *value,
				 store_done_fn done, void *ud);
	/* Every active run whose id starts with prefix (hex digits only; at
	 * most a few), in any experiment known (a server searches the
	 * experiments in the model: load them first): how a user's short id
	 * becomes a run. */
	void (*load_run_prefix)(struct store *s, const struct store_req *req,
				const char *prefix, store_done_fn done,
				void *ud);
	/* Registered models (not prompts, which are kept but flagged) with
	 * their aliases and tags; latest_version where the store says. */
	void (*load_models)(struct store *s, const struct store_req *req,
			    store_done_fn done, void *ud);
	/* Every version of one model (Deleted_Internal left out). */
	void (*load_versions)(struct store *s, const struct store_req *req,
			      const char *model, store_done_fn done, void *ud);
	/* Check, move and record, as one atomic step where the store can
	 * (SQLite: one transaction); on a server: the move first, then the
	 * event, so the history never claims a move that did not happen.
	 * NULL when the store cannot write. */
	void (*registry_write)(struct store *s, const struct registry_write *w,
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
	bool read_only;        /* --read-only: registry_write refuses */
	/* How long a read waits on a writer's lock before failing, in ms
	 * (0: the backend's short wait, for the dashboard, which tries again
	 * at the next refresh). Fixed at open. */
	int lock_wait_ms;
	/* When store_wait gives up, monotonic ms (0: never): a scripting
	 * command's whole deadline, however many requests it takes. */
	int64_t deadline_ms;
	double deadline_s;
	void *impl;            /* the backend's own state */
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_rest_ops;

/* Open the store the URI names. On failure returns NULL, *err set. */
struct store *store_open(const char *uri, struct model *m, char **err);
/* The same for a scripting command, which has no next refresh: a read
 * waits up to STORE_SCRIPT_LOCK_WAIT_MS on a writer's lock. */
#define STORE_SCRIPT_LOCK_WAIT_MS 10000
struct store *store_open_wait(const char *uri, struct model *m,
			      int lock_wait_ms, char **err);
void store_close(struct store *s);

/* A deep copy of a write, for a backend to keep while it works. */
struct registry_write *registry_write_copy(const struct registry_write *w);
void registry_write_free(struct registry_write *w);

/* Run the event loop until no request is pending (scripting commands). */
void store_wait(struct store *s);
/* Bound every later store_wait to SECONDS from now, in all. */
void store_set_deadline(struct store *s, double seconds);

#endif
