/* store_rest.h: what the files of the REST backend share: an op (one
 * logical request, maybe several pages), the table saying how each kind
 * of op is sent, read and finished, and the sending helpers. Private to
 * src/store/store_rest*.c. */
#ifndef MLTOP_STORE_REST_H
#define MLTOP_STORE_REST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "net/http.h"
#include "store/credentials.h"
#include "store/store.h"

#define PAGE_RUNS 1000
#define FIRST_PAGE_RUNS 200  /* the dashboard's first page: a screen soon */
#define PAGE_EXPERIMENTS 1000
#define PAGE_HISTORY 25000
#define BULK_RUNS 100          /* the server's limit on run_ids */
#define BULK_MAX 2500          /* and on max_results */
/* What one logical request may take, whatever a server says: a server
 * that always has a next page (the same token, or new ones forever)
 * must not make a command run forever or grow without bound. */
#define MAX_PAGES 4000
#define MAX_ROWS 4000000L
#define MAX_EMPTY_PAGES 20     /* pages with no rows and a next token */
#define IN_CHUNK 100           /* run ids in one "run_id IN (...)" */
#define BACKOFF_MAX_S 30

enum op_kind {
	OP_EXPERIMENTS,
	OP_COUNTS,
	OP_RUNS,
	OP_SCAN,
	OP_POLL_NEW,
	OP_POLL_LIVE,
	OP_HISTORY,
	OP_BULK,
	OP_RUN,
	OP_TAGGED,
	OP_MODELS,
	OP_VERSIONS,
	OP_MODEL_GET,
	OP_WRITE,
};

/* Where a registry write is: check, move, record, in that order. */
enum write_step {
	WS_READ_MODEL,     /* registered-models/get: aliases */
	WS_READ_VERSIONS,  /* model-versions/search: stages */
	WS_MOVE,           /* alias, or one transition a move */
	WS_EVENT,          /* set-tag: the history event */
	WS_DROP,           /* delete-tag: the oldest event */
	WS_DONE,
};

/* One logical request (which may take several pages). */
struct op {
	enum op_kind kind;
	struct store *s;
	struct store_req rq;     /* as given when asked */
	char *exp_id;
	char *run_id;            /* OP_HISTORY, OP_RUN */
	char *key;               /* OP_HISTORY, OP_BULK */
	char **run_ids;          /* OP_BULK, OP_POLL_LIVE; OP_TAGGED: the
				  * experiment ids searched; owned */
	size_t nrun_ids;
	char *filter;            /* runs/search filter; owned */
	store_runs_fn fn;        /* OP_SCAN: each page's runs go here */
	void *fnud;
	int64_t start_step, end_step;
	char *page;              /* next_page_token, owned */
	char *more;              /* OP_RUNS with first_page: the token of
				  * the pages not read, for e->runs_more */
	bool more_op;            /* OP_RUNS: more_runs, after a first page */
	bool win;                /* ...a move of the window: */
	size_t win_page;         /* ...the page it reads */
	bool win_walk;           /* ...and on to the last (G) */
	bool win_jump;           /* ...away from the window (g) */
	long win_size;           /* ...its max_results */
	struct run **got;        /* OP_RUNS first page: its runs, in order */
	size_t ngot;
	int pages;
	uint64_t *seen;          /* hashes of the page tokens had so far */
	int empty_pages;         /* in a row, each with a next token */
	long done_rows;
	/* OP_COUNTS: which of its three requests this is */
	enum { COUNT_RUNNING, COUNT_NEWEST_START, COUNT_NEWEST_END } counts;
	struct http_req *req;
	struct registry_write *write;   /* OP_WRITE: a deep copy, owned */
	int step;                /* OP_WRITE: where the sequence is */
	const char *ep;          /* OP_WRITE: the endpoint of this step */
	struct registered_model *scratch; /* OP_WRITE: state read back */
	size_t move;             /* OP_WRITE: the stage move under way */
	store_done_fn done;
	void *ud;
	struct op *next;         /* all live ops, for close */
};


/* The runs view's window over an experiment's pages
 * (store_rest_window.c): each page seen, and the ones held. */
struct rest_page {
	char *token;             /* NULL: the first page */
	long size;               /* the max_results it was read with */
	size_t start;            /* its first run's place */
	size_t n;                /* runs it had when last read */
};

struct rest_window {
	char *exp_id;
	struct rest_page *pages;
	size_t npages, cap;
	size_t first, end;       /* the pages held */
	bool last;               /* pages[npages - 1] is the last page */
	struct rest_window *next;
};

struct rest_store {
	struct http *http;
	struct credentials cred;
	char *api;               /* base URL + /api/2.0/mlflow/ */
	char *ajax;              /* base URL + /ajax-api/2.0/mlflow/: MLflow
				  * serves bulk-interval only there */
	struct op *ops;
	struct rest_window *windows;
	int backoff_s;
	bool no_bulk;            /* the server lacks bulk-interval */
	int64_t counts_at;       /* wall ms of the last run counts */
	FILE *log;               /* MLTOP_HTTP_LOG: a line a reply */
	int polls;               /* poll searches in flight: history
				  * refreshes wait for all of them, so one
				  * refresh asks once a key */
	/* History refreshes asked for in this loop pass, sent in one go. */
	struct pending_hist {
		char *run_id, *key;
		int64_t from_step, to_step;
	} *hist;
	size_t nhist, caphist;
};

static inline struct rest_store *impl(struct store *s)
{
	return s->impl;
}

/* How one kind of op is done. A paged op sends query (GET) or body
 * (POST) for each page, merges each reply with reply, and calls finish
 * after the last page; an op with its own sequence (the registry write)
 * has send and advance instead. NULL members are skipped. */
struct op_type {
	const char *endpoint;    /* in messages and MLTOP_HTTP_LOG */
	bool ajax;               /* served under /ajax-api/ only */
	bool progress;           /* pages say "loading runs N…" */
	bool poll;               /* counted in rest_store.polls */
	/* The current page's request: a query string (owned), or a JSON
	 * body (a new reference). */
	char *(*query)(const struct op *o);
	json_t *(*body)(const struct op *o);
	/* A good reply: merged into the model. The number of rows, or -1
	 * with *err; *next gets the next page token (owned) or NULL. */
	int (*reply)(struct op *o, const struct http_reply *r, char **next,
		     char **err);
	/* After the last page. false: the op went on with another request
	 * (it is not finished). */
	bool (*finish)(struct op *o);
	/* A failed reply, before it is reported: true when that dealt with
	 * it and finished the op. */
	bool (*failed)(struct op *o, const struct http_reply *r);
	/* An op that sends its own sequence of requests. */
	void (*send)(struct op *o);
	/* A good reply to one of them: true when the op is over, *ok
	 * saying how. */
	bool (*advance)(struct op *o, const struct http_reply *r, bool *ok);
};

/* store_rest_ops.c: indexed by enum op_kind. */
extern const struct op_type rest_op_types[];

/* store_rest.c */
/* Percent-encoded for a query string; caller frees. */
char *rest_url_escape(const char *s);
struct op *rest_op_new(struct store *s, const struct store_req *req,
		       enum op_kind kind, store_done_fn done, void *ud);
void rest_op_finish(struct op *o, bool ok);
/* The endpoint the op's current request goes to. */
const char *rest_op_ep(const struct op *o);
void rest_send_op(struct op *o);
void rest_send_get(struct op *o, const char *query);
/* Takes the reference to body. */
void rest_send_body(struct op *o, const char *method, json_t *body);
/* The second search of a poll: the runs held as live, by id. */
void rest_start_poll_live(struct store *s, struct op *parent);

/* store_rest_window.c */
struct rest_window *rest_window_of(struct store *s, const char *exp_id);
void rest_windows_free(struct rest_store *rs);
void rest_window_drop(struct store *s, struct experiment *e);
void rest_window_first(struct store *s, struct experiment *e,
		       struct run **got, size_t n, const char *next);
void rest_window_page(struct op *o, struct experiment *e, struct run **got,
		      size_t n, const char *next);
void rest_window_new(struct store *s, struct experiment *e,
		     struct run **fresh, size_t n);
bool rest_window_more(struct store *s, const struct store_req *req,
		      struct experiment *e, store_done_fn done, void *ud);

/* store_rest_write.c */
void rest_write_send(struct op *o);
bool rest_write_advance(struct op *o, const struct http_reply *r, bool *ok);

#endif
