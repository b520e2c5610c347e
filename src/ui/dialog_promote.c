/* dialog_promote.c: the registry's write dialogs: pick an alias, a stage
 * or a history event, show the whole plan, confirm, write and report. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "core/clock.h"
#include "core/filter.h"
#include "core/metric_pick.h"
#include "core/format.h"
#include "core/xmalloc.h"
#include "registry/history.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/tui.h"
#include "ui/view_versions.h"
#include "ui/views.h"
#include "ui/widget.h"

/* --- dialogs -------------------------------------------------------------- */

void versions_close_dialog(struct versions_view *p)
{
	dialog_free(p->dlg);
	p->dlg = NULL;
	p->step = STEP_NONE;
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
	free(p->name_is_stage);
	p->names = NULL;
	p->name_is_stage = NULL;
	p->nnames = 0;
	if (p->has_plan)
		plan_free(&p->plan);
	p->has_plan = false;
}

static void add_name(struct versions_view *p, const char *name, bool stage)
{
	p->names = xrealloc(p->names, (p->nnames + 1) * sizeof(*p->names));
	p->name_is_stage = xrealloc(p->name_is_stage,
				    (p->nnames + 1) * sizeof(bool));
	p->names[p->nnames] = xstrdup(name);
	p->name_is_stage[p->nnames] = stage;
	p->nnames++;
}

/* Every write key starts here: --read-only, a store that cannot write,
 * a write still in flight and a model not loaded yet all say no. */
static struct registered_model *writable(struct view *v)
{
	struct versions_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct registered_model *rm = versions_model(v);

	if (s->read_only) {
		tui_message(v->tui, true,
			    "read-only: writes are disabled (--read-only)");
		return NULL;
	}
	if (!s->ops->registry_write) {
		tui_message(v->tui, true,
			    "this store cannot write to the registry");
		return NULL;
	}
	if (p->write) {
		tui_message(v->tui, true, "a write is still in progress");
		return NULL;
	}
	if (!rm || !rm->versions_loaded) {
		tui_message(v->tui, true, "the model is still loading");
		return NULL;
	}
	return rm;
}

static int make_plan(struct view *v, struct registered_model *rm,
		     const char *note, struct plan *pl)
{
	struct versions_view *p = P(v);
	char *who = history_who();
	int64_t now = clock_now_ms();
	int rc = -1;

	memset(pl, 0, sizeof(*pl));
	if (note && !*note)
		note = NULL;
	/* A move of this user's that was killed before its event was
	 * recorded is in the audit log: rollback can undo it. */
	if (p->kind == PK_ROLLBACK_ALIAS || p->kind == PK_ROLLBACK_STAGE)
		history_add_interrupted(rm, tui_store(v->tui)->uri.display);
	switch (p->kind) {
	case PK_ALIAS:
		rc = plan_alias(rm, p->target, p->version, who, note, now, pl);
		break;
	case PK_STAGE:
		rc = plan_stage(rm, p->target, p->version, p->archive, who,
				note, now, pl);
		break;
	case PK_ROLLBACK_ALIAS:
		rc = plan_rollback_alias(rm, p->target, who, note, now, pl);
		break;
	case PK_ROLLBACK_STAGE:
		rc = plan_rollback_stage(rm, p->target, who, note, now, pl);
		break;
	}
	free(who);
	return rc;
}

/* Move a plan to where it lives on: plan.w points into the plan's own
 * arrays, so a plain copy would leave it pointing at the old place. */
static void plan_relocate(struct plan *dst, struct plan *src)
{
	*dst = *src;
	if (src->w.moves == src->moves)
		dst->w.moves = dst->moves;
	if (src->w.expect_in_stage == src->expect_in_stage)
		dst->w.expect_in_stage = dst->expect_in_stage;
	memset(src, 0, sizeof(*src));
}

static bool same_plan(const struct plan *a, const struct plan *b)
{
	if (strcmp(a->summary ? a->summary : "", b->summary ? b->summary : "") ||
	    a->nlines != b->nlines ||
	    a->w.expect_alias_version != b->w.expect_alias_version ||
	    a->w.nexpect_in_stage != b->w.nexpect_in_stage ||
	    a->w.nmoves != b->w.nmoves)
		return false;
	for (size_t i = 0; i < a->nlines; i++)
		if (strcmp(a->lines[i], b->lines[i]))
			return false;
	for (size_t i = 0; i < a->w.nexpect_in_stage; i++)
		if (a->w.expect_in_stage[i] != b->w.expect_in_stage[i])
			return false;
	return true;
}

static void show_confirm(struct view *v, const char *warning,
			 const char *note)
{
	struct versions_view *p = P(v);
	static const char *const titles[] = {
		[PK_ALIAS] = "promote: move an alias",
		[PK_STAGE] = "promote: stage transition",
		[PK_ROLLBACK_ALIAS] = "roll back an alias",
		[PK_ROLLBACK_STAGE] = "roll back a stage",
	};
	struct dialog *d = dialog_new(titles[p->kind]);
	char *where;

	if (warning)
		dialog_line(d, SLOT_STATUS_WARN, 0, warning);
	dialog_line(d, SLOT_HEADER, 0, p->plan.summary);
	for (size_t i = 0; i < p->plan.nlines; i++) {
		char *l;

		/* The summary heads the dialog already. */
		if (p->plan.summary && !strcmp(p->plan.lines[i],
					       p->plan.summary))
			continue;
		l = xasprintf("  %s", p->plan.lines[i]);

		dialog_line(d, SLOT_DEFAULT, 0, l);
		free(l);
	}
	where = xasprintf("model %s in %s", p->name,
			  tui_store(v->tui)->uri.display);
	dialog_line(d, SLOT_DIM, 0, "");
	dialog_line(d, SLOT_DIM, 0, where);
	free(where);
	dialog_input(d, "note", note, false);
	d->confirm = true;
	dialog_footer(d, "y/Enter: confirm   n/Esc: cancel   Tab: write a note");
	dialog_free(p->dlg);
	p->dlg = d;
	p->step = STEP_CONFIRM;
}

/* From a pick dialog to the plan, shown for confirmation. */
static void open_confirm(struct view *v)
{
	struct versions_view *p = P(v);
	struct registered_model *rm = versions_model(v);
	struct plan pl;

	if (!rm) {
		versions_close_dialog(p);
		return;
	}
	if (make_plan(v, rm, NULL, &pl) != 0) {
		tui_message(v->tui, true, "%s", pl.error ? pl.error
							 : "no plan");
		plan_free(&pl);
		versions_close_dialog(p);
		return;
	}
	if (p->has_plan)
		plan_free(&p->plan);
	plan_relocate(&p->plan, &pl);
	p->has_plan = true;
	show_confirm(v, NULL, "");
}

static void write_done(struct store *s, bool ok, void *ud)
{
	struct write_op *op = ud;
	const char *err = s->model->error ? s->model->error
					  : "the store refused the write";
	char *result = ok ? xstrdup("done") : xasprintf("failed: %s", err);
	char *aerr = NULL;
	int arc = audit_append(s->uri.display, op->model,
			       op->plan.event_value, result, &aerr);

	if (op->v) {
		struct view *v = op->v;

		P(v)->write = NULL;
		P(v)->dirty = true;
		if (ok)
			tui_message(v->tui, arc != 0, "done: %s%s%s",
				    op->plan.summary,
				    arc ? "; audit log: " : "",
				    arc && aerr ? aerr : "");
		else
			tui_message(v->tui, true, "%s", err);
	}
	/* Show what the store holds now, whatever happened. */
	s->ops->load_models(s, &(struct store_req){ .forced = true }, NULL,
			    NULL);
	s->ops->load_versions(s, &(struct store_req){ .forced = true },
			      op->model, NULL, NULL);
	free(aerr);
	free(result);
	plan_free(&op->plan);
	free(op->model);
	free(op);
}

static void confirm(struct view *v)
{
	struct versions_view *p = P(v);
	struct store *s = tui_store(v->tui);
	struct registered_model *rm = writable(v);
	struct write_op *op;
	struct plan pl;
	char note[DIALOG_INPUT_MAX], *aerr = NULL;

	if (!rm) {
		versions_close_dialog(p);
		return;
	}
	snprintf(note, sizeof(note), "%s", p->dlg->input);
	/* The plan again, with the note: if the model moved while the
	 * dialog was open, show the new plan rather than write it. */
	if (make_plan(v, rm, note, &pl) != 0) {
		tui_message(v->tui, true, "%s", pl.error ? pl.error : "no plan");
		plan_free(&pl);
		versions_close_dialog(p);
		return;
	}
	if (!same_plan(&pl, &p->plan)) {
		plan_free(&p->plan);
		plan_relocate(&p->plan, &pl);
		show_confirm(v, "The model changed while this was open; "
			     "the plan is now:", note);
		return;
	}
	/* The intent goes to the audit log before the store is touched, so
	 * a write that never finishes is on record as started. */
	if (audit_append(s->uri.display, p->name, pl.event_value,
			 AUDIT_STARTED, &aerr) != 0) {
		tui_message(v->tui, true, "nothing written: the audit log "
			    "cannot record the write: %s", aerr);
		free(aerr);
		plan_free(&pl);
		versions_close_dialog(p);
		return;
	}
	op = xcalloc(1, sizeof(*op));
	op->v = v;
	plan_relocate(&op->plan, &pl);
	op->model = xstrdup(p->name);
	p->write = op;
	versions_close_dialog(p);
	tui_message(v->tui, false, "writing: %s", op->plan.summary);
	s->ops->registry_write(s, &op->plan.w, write_done, op);
}

void versions_open_alias_pick(struct view *v)
{
	struct versions_view *p = P(v);
	struct registered_model *rm = writable(v);
	struct model_version *mv = versions_version_at(v, p->table.sel);
	struct dialog *d;
	char *t;
	size_t def = 0;
	bool has_champion = false;

	if (!rm)
		return;
	if (!mv) {
		tui_message(v->tui, true, "no version selected");
		return;
	}
	versions_close_dialog(p);
	p->version = mv->version;
	t = xasprintf("promote v%d of %s", mv->version, rm->name);
	d = dialog_new(t);
	free(t);
	t = xasprintf("Which alias moves to v%d? Choose one, or type a new "
		      "name.", mv->version);
	dialog_line(d, SLOT_DEFAULT, 0, t);
	free(t);
	for (size_t i = 0; i < rm->aliases.n; i++) {
		const char *a = rm->aliases.v[i].key;

		t = xasprintf("%s (now v%s)", a, rm->aliases.v[i].value
						 ? rm->aliases.v[i].value : "?");
		dialog_choice(d, t);
		free(t);
		add_name(p, a, false);
		if (!strcmp(a, "champion")) {
			def = i;
			has_champion = true;
		}
	}
	if (!has_champion) {
		dialog_choice(d, "champion (new)");
		add_name(p, "champion", false);
		def = p->nnames - 1;
	}
	d->choice = def;
	dialog_input(d, "or a new alias", "", true);
	dialog_footer(d, draw_unicode()
		      ? "↑/↓: choose   type: a new alias   Enter: next   "
			"Esc: cancel"
		      : "Up/Down: choose   type: a new alias   Enter: next   "
			"Esc: cancel");
	p->dlg = d;
	p->step = STEP_ALIAS;
}

static const char *const stages[] = {"Staging", "Production", "Archived",
				     "None"};

static void archive_line(struct versions_view *p)
{
	struct dialog *d = p->dlg;
	char *t = xasprintf("[%s] archive the versions already there "
			    "(Staging, Production)", p->archive ? "x" : " ");

	/* The toggle is the last line, after the choices. */
	free(d->lines[d->nlines - 1].text);
	d->lines[d->nlines - 1].text = t;
}

void versions_open_stage_pick(struct view *v)
{
	struct versions_view *p = P(v);
	struct registered_model *rm = writable(v);
	struct model_version *mv = versions_version_at(v, p->table.sel);
	const char *cur;
	char held[256] = "";
	size_t len = 0;
	struct dialog *d;
	char *t;

	if (!rm)
		return;
	if (!mv) {
		tui_message(v->tui, true, "no version selected");
		return;
	}
	versions_close_dialog(p);
	cur = mv->stage ? mv->stage : "None";
	p->version = mv->version;
	p->archive = false;
	for (size_t s = 0; s < 2; s++) {
		len += (size_t)snprintf(held + len, sizeof(held) - len, "%s%s:",
					s ? "; " : "", stages[s]);
		for (size_t i = 0; i < rm->nversions && len < sizeof(held); i++)
			if (rm->versions[i].stage &&
			    !strcmp(rm->versions[i].stage, stages[s]))
				len += (size_t)snprintf(held + len,
							sizeof(held) - len,
							" v%d",
							rm->versions[i].version);
		if (len >= sizeof(held))
			break;
	}
	t = xasprintf("stage of v%d of %s", mv->version, rm->name);
	d = dialog_new(t);
	free(t);
	t = xasprintf("v%d is in %s. Now %s. Move it to:", mv->version, cur,
		      held);
	dialog_line(d, SLOT_DEFAULT, 0, t);
	free(t);
	for (size_t i = 0; i < 4; i++) {
		t = xasprintf("%s%s", stages[i],
			      !strcmp(stages[i], cur) ? " (now)" : "");
		dialog_choice(d, t);
		free(t);
		add_name(p, stages[i], true);
	}
	/* The next step up: None -> Staging -> Production -> Archived. */
	d->choice = !strcmp(cur, "Staging") ? 1 : !strcmp(cur, "Production")
							? 2 : 0;
	dialog_line(d, SLOT_DEFAULT, 0, "");
	dialog_footer(d, "j/k: choose   a: archive existing   Enter: next   "
		      "Esc: cancel");
	p->dlg = d;
	p->step = STEP_STAGE;
	archive_line(p);
}

void versions_open_rollback_pick(struct view *v)
{
	struct versions_view *p = P(v);
	struct registered_model *rm = writable(v);
	struct history_event *ev = NULL;
	size_t nev, def = 0;
	struct dialog *d;
	char *t, *who;
	const char *want = NULL;
	bool want_stage = false;

	if (!rm)
		return;
	versions_close_dialog(p);
	nev = history_events(&rm->tags, &ev);
	/* The timeline's row under the cursor, when it has the focus. */
	if (p->show_timeline && p->focus_timeline &&
	    p->tl_table.sel < p->ntl) {
		want = p->tl[p->tl_table.sel].name;
		want_stage = p->tl[p->tl_table.sel].stage;
	}
	t = xasprintf("roll back in %s", rm->name);
	d = dialog_new(t);
	free(t);
	dialog_line(d, SLOT_DEFAULT, 0,
		    "Put an alias or a stage back on the version that held it "
		    "before its last move:");
	who = history_who();
	/* Newest first, each alias or stage once. */
	for (size_t i = nev; i-- > 0;) {
		bool stage = ev[i].kind == HK_STAGE;
		struct plan pl;
		size_t k;
		int rc;

		memset(&pl, 0, sizeof(pl));
		if (!ev[i].name)
			continue;
		for (k = 0; k < p->nnames; k++)
			if (p->name_is_stage[k] == stage &&
			    !strcmp(p->names[k], ev[i].name))
				break;
		if (k < p->nnames)
			continue;
		rc = stage ? plan_rollback_stage(rm, ev[i].name, who, NULL,
						 clock_now_ms(), &pl)
			   : plan_rollback_alias(rm, ev[i].name, who, NULL,
						 clock_now_ms(), &pl);
		/* The summary names the alias or stage itself. */
		if (rc == 0)
			t = xstrdup(pl.summary);
		else
			t = xasprintf("%s %s: %s", stage ? "stage" : "alias",
				      ev[i].name, pl.error ? pl.error : "?");
		plan_free(&pl);
		dialog_choice(d, t);
		free(t);
		add_name(p, ev[i].name, stage);
		if (want && want_stage == stage && !strcmp(want, ev[i].name))
			def = p->nnames - 1;
	}
	free(who);
	if (ev)
		history_events_free(ev, nev);
	if (p->nnames == 0) {
		dialog_free(d);
		tui_message(v->tui, true, "nothing to roll back: no move by "
			    "mltop in the history of %s", rm->name);
		return;
	}
	d->choice = def;
	dialog_footer(d, "j/k: choose   Enter: next   Esc: cancel");
	p->dlg = d;
	p->step = STEP_ROLLBACK;
}

bool versions_key(struct view *v, int ch, bool is_key)
{
	struct versions_view *p = P(v);
	enum dialog_result r;
	char alias[DIALOG_INPUT_MAX];
	size_t a, b;

	if (!p->dlg)
		return false;
	r = dialog_key(p->dlg, ch, is_key);
	if (r == DLG_CANCEL) {
		versions_close_dialog(p);
		tui_message(v->tui, false, "cancelled: nothing changed");
		return true;
	}
	if (r == DLG_UNHANDLED) {
		if (p->step == STEP_STAGE && !is_key && ch == 'a') {
			p->archive = !p->archive;
			archive_line(p);
		}
		return true; /* a dialog is modal */
	}
	if (r != DLG_OK)
		return true;
	switch (p->step) {
	case STEP_ALIAS:
		/* A typed name wins over the highlighted one. */
		a = 0;
		b = p->dlg->ilen;
		while (a < b && p->dlg->input[a] == ' ')
			a++;
		while (b > a && p->dlg->input[b - 1] == ' ')
			b--;
		if (b > a)
			snprintf(alias, sizeof(alias), "%.*s", (int)(b - a),
				 p->dlg->input + a);
		else if (p->dlg->choice < p->nnames)
			snprintf(alias, sizeof(alias), "%s",
				 p->names[p->dlg->choice]);
		else
			return true;
		free(p->target);
		p->target = xstrdup(alias);
		p->kind = PK_ALIAS;
		open_confirm(v);
		break;
	case STEP_STAGE:
		if (p->dlg->choice >= p->nnames)
			return true;
		free(p->target);
		p->target = xstrdup(p->names[p->dlg->choice]);
		p->kind = PK_STAGE;
		/* Archiving others is MLflow's for Staging and Production. */
		if (strcmp(p->target, "Staging") &&
		    strcmp(p->target, "Production"))
			p->archive = false;
		open_confirm(v);
		break;
	case STEP_ROLLBACK:
		if (p->dlg->choice >= p->nnames)
			return true;
		free(p->target);
		p->target = xstrdup(p->names[p->dlg->choice]);
		p->kind = p->name_is_stage[p->dlg->choice] ? PK_ROLLBACK_STAGE
							   : PK_ROLLBACK_ALIAS;
		open_confirm(v);
		break;
	case STEP_CONFIRM:
		confirm(v);
		break;
	case STEP_NONE:
		versions_close_dialog(p);
		break;
	}
	return true;
}

