/* view_versions.h: the versions view's state, shared by view_versions.c
 * (the table, the timeline, actions) and dialog_promote.c (promote, stage
 * and rollback dialogs). Private to those two files. */
#ifndef MLTOP_VIEW_VERSIONS_H
#define MLTOP_VIEW_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry/history.h"
#include "ui/tui.h"
#include "ui/widget.h"

#define MAX_MCOLS 2

enum { C_VERSION, C_ALIASES, C_STAGE, C_STATUS, C_CREATED, C_DESC, C_RUN,
       C_FIXED };

/* What a dialog is asking. */
enum step { STEP_NONE, STEP_ALIAS, STEP_STAGE, STEP_ROLLBACK, STEP_CONFIRM };
enum plan_kind { PK_ALIAS, PK_STAGE, PK_ROLLBACK_ALIAS, PK_ROLLBACK_STAGE };

/* A request in flight that calls back into the view: the view clears
 * `v` when it goes first, and the callback then leaves the screen alone. */
struct write_op {
	struct view *v;
	struct plan plan;        /* owned; plan.w is what was sent */
	char *model;
};

struct enter_op {
	struct view *v;
	char *run_id;
};

struct versions_view {
	char *name, *title;
	struct table table;
	struct table_col cols[C_FIXED + MAX_MCOLS];
	char *mkeys[MAX_MCOLS];  /* metric column keys, owned */
	int nmkeys;
	char *user_keys;         /* from :metrics; owned */
	int *rows;               /* version numbers shown, newest first */
	size_t nrows, caprows;
	int selected;            /* version under the cursor, 0: none yet */
	uint64_t gen;
	bool dirty;
	char **asked;            /* source runs asked for, owned */
	size_t nasked, capasked;

	bool show_timeline, focus_timeline;
	struct holding *tl;      /* owned, newest first */
	size_t ntl;
	struct table tl_table;

	struct dialog *dlg;
	enum step step;
	enum plan_kind kind;
	char *target;            /* alias or stage the dialog is about */
	int version;
	bool archive;
	char **names;            /* the pick dialog's choices, owned */
	bool *name_is_stage;
	size_t nnames;
	struct plan plan;        /* what the confirm dialog shows */
	bool has_plan;
	struct write_op *write;
	struct enter_op *enter;
};

static inline struct versions_view *P(struct view *v)
{
	return v->priv;
}

struct registered_model *versions_model(struct view *v);
struct model_version *versions_version_at(struct view *v, size_t row);

/* dialog_promote.c */
void versions_close_dialog(struct versions_view *p);
void versions_open_alias_pick(struct view *v);
void versions_open_stage_pick(struct view *v);
void versions_open_rollback_pick(struct view *v);
/* Keys while a dialog is open (the view's key op). */
bool versions_key(struct view *v, int ch, bool is_key);

#endif
