/* view_runs.h: the runs view's state, shared by view_runs.c (the rows,
 * the layout, drawing and actions) and view_runs_columns.c (the column
 * chooser, :columns and the choice kept in the state directory). Private
 * to those two files. */
#ifndef MLTOP_VIEW_RUNS_H
#define MLTOP_VIEW_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/model.h"
#include "ui/tui.h"
#include "ui/widget.h"

#define MAX_COLS 24      /* the table widget lays out 32 at most */

/* What a column shows. The user's choice (the column chooser, :columns)
 * is a list of these after the status glyph and NAME, which always
 * stay; K_AUTO stands for the automatic metric columns (:metrics, or the
 * most logged keys that fit). */
enum ckind {
	K_STATUS, K_NAME, K_ID, K_START, K_DURATION, K_USER, K_AUTO,
	K_METRIC, K_PARAM,
};

/* view_runs.c: the fixed columns' titles and widths, by kind. */
extern const struct table_col runs_kind_col[];

struct colspec {
	enum ckind kind;
	char *key;            /* K_METRIC, K_PARAM: owned */
};

struct colset {
	struct colspec *v;
	size_t n, cap;
};

/* A column of the table as laid out. */
struct tcol {
	enum ckind kind;
	char *key;            /* owned */
	bool numeric;         /* K_PARAM: every value is a number */
};

struct row {
	struct run *run;
	char prefix[64];      /* tree guides, mltop's own glyphs */
};

/* The column chooser while it is open: every column there is, in the
 * order the dialog shows them, and which are on. */
struct chooser {
	struct dialog *dlg;
	struct colspec *items;
	bool *on;
	size_t n;
	bool automatic;           /* Enter goes back to the automatic choice */
};

struct runs_view {
	char *exp_id;
	char *title;
	struct search *search;    /* F, :where: MLflow's filter; owned */
	struct table table;
	struct table_col cols[MAX_COLS];
	struct tcol tcols[MAX_COLS];
	int ncols;
	bool laid_out;            /* cols match spec (false: lay out again) */
	bool laid_params;         /* the experiment's params were loaded */
	int nmkeys;               /* metric columns laid out */
	int mvisible;             /* of those, how many fit, in a row */
	struct colset spec;       /* the columns after NAME, in order */
	bool chosen;              /* spec is the user's, not the default */
	enum ckind sort_kind;     /* the sort column, across layouts */
	char *sort_key;
	bool sort_stand_in;       /* it is hidden: another column sorts */
	struct chooser ch;
	struct row *rows;
	size_t nrows, caprows;
	size_t nrunning;     /* rows RUNNING, counted by rebuild */
	uint64_t gen, shape_gen;  /* the model's, at the last rebuild */
	bool dirty;
	char *selected_id;
	int width;                /* of the last draw, for metric columns */
	char *user_keys;          /* from :metrics, this view only; owned */
	char **collapsed;         /* parents whose children are hidden */
	size_t ncollapsed, capcollapsed;
	size_t folded;            /* runs those hide, at the last rebuild */
	int mscroll;              /* < and >: metric columns skipped */
	int mtotal;               /* metric keys there are to show */
	bool to_end;              /* G while runs were on the server: the
				   * last row once they are all read (or
				   * the window holds the last page) */
	/* The order last asked of the store (reorder), until it holds. */
	bool asked_valid;
	enum run_order asked_order;
	char *asked_key, *asked_search;
	bool asked_asc;
	bool lost;                /* the selected run is not in the rows */
	bool to_top;              /* g with a window further down: the
				   * first row once the window is there */
};

static inline struct runs_view *P(struct view *v)
{
	return v->priv;
}

static inline struct experiment *exp_of(struct view *v)
{
	return model_experiment(tui_model(v->tui), P(v)->exp_id);
}

/* view_runs_columns.c */
bool runs_cols_same(enum ckind k1, const char *key1, enum ckind k2,
		    const char *key2);
ssize_t runs_cols_find(const struct colset *s, enum ckind kind,
		       const char *key);
void runs_cols_free(struct colset *s);
/* The view's columns from the state file, else the automatic choice. */
void runs_cols_load(struct view *v);
/* :columns */
int runs_cols_command(struct view *v, int argc, char **argv, char **err);
/* What Tab offers after :columns. */
void runs_cols_complete(struct experiment *e,
			void (*add)(void *ctx, const char *word), void *ctx);
/* The column chooser. */
void runs_cols_open(struct view *v);
void runs_cols_close(struct chooser *c);
/* Keys while the chooser is open (the view's key op). */
bool runs_cols_key(struct view *v, int ch, bool is_key);

#endif
