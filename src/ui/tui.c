/* tui.c: the one event loop, the view stack and the chrome around views.
 * One poll() over the terminal, the store and the timers; one paint a pass. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "alert/engine.h"
#include "alert/hook.h"
#include "config/options.h"
#include "core/clock.h"
#include "core/filter.h"
#include "core/format.h"
#include "core/msg.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "ui/draw.h"
#include "ui/keymap.h"
#include "ui/commands.h"
#include "ui/termcheck.h"
#include "ui/theme.h"
#include "ui/tui_internal.h"
#include "ui/tui.h"
#include "ui/views.h"
#include "ui/widget.h"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void restore_terminal(void)
{
	if (!isendwin())
		endwin();
}

/* "scheme://user:***@host/base" without its credentials. */
static char *web_base(const char *display, const char *drop_prefix)
{
	const char *s = display, *at, *slash;
	char *out;

	if (drop_prefix && !strncmp(s, drop_prefix, strlen(drop_prefix)))
		s += strlen(drop_prefix);
	slash = strstr(s, "://");
	if (!slash)
		return NULL;
	at = strchr(slash + 3, '@');
	if (at && (!strchr(slash + 3, '/') || at < strchr(slash + 3, '/')))
		out = xasprintf("%.*s%s", (int)(slash + 3 - s), s, at + 1);
	else
		out = xstrdup(s);
	if (*out && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
	return out;
}

char *tui_web_url(struct tui *t, const char *path)
{
	char *base, *url;

	if (t->store->uri.kind != URI_HTTP)
		return NULL;
	base = web_base(t->store->uri.display, NULL);
	url = base ? xasprintf("%s/%s", base, path) : NULL;
	free(base);
	return url;
}

char *tui_pipes_web_url(struct tui *t, const char *path)
{
	char *base, *url;

	if (!t->pipes)
		return NULL;
	base = web_base(t->pipes->display, "airflow+");
	url = base ? xasprintf("%s/%s", base, path) : NULL;
	free(base);
	return url;
}

/* y and Y: the view's text to the terminal's clipboard with OSC 52
 * (through SSH and tmux alike), and in the status line for terminals
 * that ignore it. */
static void yank(struct tui *t, struct view *v, bool web)
{
	char *text = v && v->ops->yank ? v->ops->yank(v, web) : NULL;
	char *b64;

	if (!text) {
		tui_message(t, true, "%s", web ? "no web UI address here (a "
			    "local store has none)" : "nothing to copy here");
		return;
	}
	b64 = base64_encode(text, strlen(text));
	if (!t->script) {
		printf("\033]52;c;%s\a", b64);
		fflush(stdout);
	}
	tui_message(t, false, "copied: %s", text);
	free(b64);
	free(text);
}

struct store *tui_store(struct tui *t)
{
	return t->store;
}

struct pipe_source *tui_pipes(struct tui *t)
{
	return t->pipes;
}

/* Some experiment's runs are in the model (what the runs view draws). */
static bool shows_runs(const struct tui *t)
{
	for (size_t i = 0; i < t->model->nexps; i++)
		if (t->model->exps[i]->runs_loaded &&
		    t->model->exps[i]->nruns_loaded)
			return true;
	return false;
}

/* Anything loading, in the store or the pipeline source. */
static bool busy(const struct tui *t)
{
	return t->model->pending ||
	       (t->pipes && t->pipes->model->pending > 0);
}

struct model *tui_model(struct tui *t)
{
	return t->model;
}

bool tui_unicode(struct tui *t)
{
	return draw_unicode();
}

struct alert_engine *tui_alerts(struct tui *t)
{
	return t->alerts;
}

void tui_alerts_ack(struct tui *t, size_t i)
{
	if (!t->alerts)
		return;
	alert_ack(t->alerts, i);
	if (alert_save(t->alerts) != 0)
		tui_message(t, true, "alerts: %s", t->alerts->state_error);
	t->dirty = true;
}

bool tui_alerts_ack_run(struct tui *t, const char *run_id)
{
	struct alert_engine *eng = t->alerts;
	bool any = false;

	for (size_t i = 0; eng && i < eng->n; i++)
		if (!eng->v[i].acked && !strcmp(eng->v[i].run_id, run_id)) {
			alert_ack(eng, i);
			any = true;
		}
	if (any && alert_save(eng) != 0)
		tui_message(t, true, "alerts: %s", eng->state_error);
	t->dirty = true;
	return any;
}

bool tui_run_alerted(struct tui *t, const char *run_id)
{
	struct alert_engine *eng = t->alerts;

	for (size_t i = 0; eng && eng->nunacked && i < eng->n; i++)
		if (!eng->v[i].acked && !eng->v[i].cleared &&
		    !strcmp(eng->v[i].run_id, run_id))
			return true;
	return false;
}

bool tui_exp_alerted(struct tui *t, const char *exp_id)
{
	struct alert_engine *eng = t->alerts;

	for (size_t i = 0; eng && eng->nunacked && i < eng->n; i++)
		if (!eng->v[i].acked && !eng->v[i].cleared &&
		    eng->v[i].kind != RULE_PIPELINE &&
		    !strcmp(eng->v[i].exp_id, exp_id))
			return true;
	return false;
}

struct fresh_ctx {
	struct tui *t;
	size_t n;
	const struct alert *last;
};

static void on_fresh(const struct alert *a, void *ud)
{
	struct fresh_ctx *c = ud;
	char *j = alert_json(a, c->t->store->uri.display);

	alert_hook_send(c->t->hook, j, clock_mono_ms());
	free(j);
	c->n++;
	c->last = a;
}

/* After the views synced: the rules over the model as it is now. New
 * alerts ring the bell (tmux flags the window), go to the hook and are
 * kept in the state file. */
static void alerts_tick(struct tui *t)
{
	int64_t now = clock_mono_ms();
	struct fresh_ctx c = { t, 0, NULL };
	char *m;

	if (!t->alerts)
		return;
	alert_hook_reap(t->hook, now);
	m = alert_hook_take_message(t->hook);
	if (m) {
		tui_message(t, true, "%s", m);
		free(m);
	}
	if (t->alerts_gen == t->model->generation &&
	    (!t->pipes || t->alerts_pipes_gen == t->pipes->model->gen) &&
	    now < t->alerts_next)
		return;
	t->alerts_gen = t->model->generation;
	if (t->pipes)
		t->alerts_pipes_gen = t->pipes->model->gen;
	t->alerts_next = now + 5000;  /* time passing: stalls */
	{
		/* As the settings are now (a :set since). */
		struct alert_settings set = alert_settings_from_options();

		alert_engine_configure(t->alerts, &set);
		alert_hook_configure(t->hook, opt_string(OPT_ALERT_COMMAND),
				     opt_number(OPT_ALERT_RATE));
	}
	alert_check_all(t->alerts, t->model, t->pipes ? t->pipes->model : NULL,
			clock_now_ms());
	alert_take_fresh(t->alerts, on_fresh, &c);
	if (!c.n)
		return;
	if (opt_bool(OPT_ALERT_BELL))
		beep();
	if (alert_save(t->alerts) != 0)
		tui_message(t, true, "alerts: %s", t->alerts->state_error);
	t->dirty = true;
}

void tui_dirty(struct tui *t)
{
	t->dirty = true;
}

void tui_message(struct tui *t, bool error, const char *fmt, ...)
{
	va_list ap;

	free(t->msg);
	va_start(ap, fmt);
	t->msg = xvasprintf(fmt, ap);
	va_end(ap);
	t->msg_error = error;
	t->msg_until = clock_mono_ms() + MSG_MS;
	t->msg_while_busy = false;
	t->dirty = true;
}

/* --- marks ------------------------------------------------------------- */

static ssize_t mark_find(struct tui *t, enum mark_kind k, const char *id)
{
	for (size_t i = 0; i < t->marks[k].n; i++)
		if (!strcmp(t->marks[k].v[i].id, id))
			return (ssize_t)i;
	return -1;
}

bool tui_marked(struct tui *t, enum mark_kind k, const char *id)
{
	return id && mark_find(t, k, id) >= 0;
}

bool tui_mark_toggle(struct tui *t, enum mark_kind k, const char *id,
		     const char *experiment_id)
{
	struct mark_set *ms = &t->marks[k];
	ssize_t at = mark_find(t, k, id);

	t->dirty = true;
	if (at >= 0) {
		free(ms->v[at].id);
		free(ms->v[at].experiment_id);
		memmove(ms->v + at, ms->v + at + 1,
			(ms->n - (size_t)at - 1) * sizeof(*ms->v));
		ms->n--;
		return false;
	}
	ms->v = xgrow(ms->v, &ms->cap, ms->n + 1, sizeof(*ms->v));
	ms->v[ms->n].id = xstrdup(id);
	ms->v[ms->n].experiment_id = experiment_id ? xstrdup(experiment_id)
						   : NULL;
	ms->n++;
	return true;
}

const struct mark *tui_marks(struct tui *t, enum mark_kind k, size_t *n)
{
	*n = t->marks[k].n;
	return t->marks[k].v;
}

void tui_marks_clear(struct tui *t, enum mark_kind k)
{
	for (size_t i = 0; i < t->marks[k].n; i++) {
		free(t->marks[k].v[i].id);
		free(t->marks[k].v[i].experiment_id);
	}
	t->marks[k].n = 0;
	t->dirty = true;
}

struct view *tui_top(struct tui *t)
{
	return t->depth ? t->stack[t->depth - 1] : NULL;
}

void tui_schedule_refresh(struct tui *t)
{
	t->next_refresh = clock_mono_ms() +
			  (int64_t)(opt_number(OPT_REFRESH) * 1000.0);
}

static void tui_push(struct tui *t, struct view *v)
{
	/* The lifetime rule holds only if every view re-syncs. */
	if (!v->ops->sync)
		die("view '%s' has no sync op", v->ops->name);
	if (t->depth == MAX_VIEWS) {
		struct view *old = t->stack[0];

		old->ops->free(old);
		filter_free(old->filter);
		free(old);
		memmove(t->stack, t->stack + 1,
			(MAX_VIEWS - 1) * sizeof(t->stack[0]));
		t->depth--;
	}
	t->stack[t->depth++] = v;
	v->ops->reload(v, true);
	tui_schedule_refresh(t);
	t->dirty = true;
}

static void view_destroy(struct view *v)
{
	v->ops->free(v);
	filter_free(v->filter);
	free(v);
}

static void pop(struct tui *t)
{
	struct view *v = tui_top(t);

	if (!v)
		return;
	t->depth--;
	view_destroy(v);
	t->dirty = true;
	if (tui_top(t))
		tui_top(t)->ops->reload(tui_top(t), false);
}

void tui_open(struct tui *t, const char *name, const char *arg,
	      const char *arg2)
{
	struct view *v = view_open(t, name, arg, arg2);

	if (!v)
		die("no view '%s'", name);
	tui_push(t, v);
}

/* Replace the whole stack with one view (":experiments", ":runs"). */
void tui_reset_to(struct tui *t, const char *name)
{
	while (t->depth)
		pop(t);
	tui_open(t, name, NULL, NULL);
}

int tui_want_view(struct tui *t, const char *name, const char *arg,
		  const char *arg2)
{
	set_str(&t->want_view, name);
	set_str(&t->want_arg, arg);
	set_str(&t->want_arg2, arg2);
	t->dirty = true;
	return RE_PUSH | RE_REDRAW;
}

/* Carry out what a handler (or a store callback) asked for. */
static void open_wanted_view(struct tui *t)
{
	if (!t->want_view)
		return;
	tui_open(t, t->want_view, t->want_arg, t->want_arg2);
	free(t->want_view);
	free(t->want_arg);
	free(t->want_arg2);
	t->want_view = t->want_arg = t->want_arg2 = NULL;
}

/* --- the safe point ----------------------------------------------------- */

/* The lifetime rule (see struct model): once the model changed, every view
 * on the stack, not only the top one, rebuilds its rows from the model by
 * id; only then is what the model retired freed. Called with no view code
 * on the stack: after the store dispatches, before a key reaches a view
 * and before a paint. A retirement does not always move the generation,
 * so graves alone also ask for a sync. */
static void settle(struct tui *t)
{
	struct model *m = t->model;
	int64_t start = clock_mono_ms();

	/* A sync may ask the store for more (history); a store that answers
	 * at once moves the generation again: a few rounds, then the graves
	 * wait for the next safe point. */
	for (int round = 0; round < 4; round++) {
		if (t->synced_gen == m->generation && !model_retired_count(m))
			return;
		t->synced_gen = m->generation;
		for (int i = 0; i < t->depth; i++)
			t->stack[i]->ops->sync(t->stack[i]);
		t->last_sync = clock_mono_ms();
		t->sync_cost_ms = t->last_sync - start;
		if (t->synced_gen == m->generation) {
			model_collect(m);
			return;
		}
	}
}

/* How long syncs wait for each other: nothing while the store is idle;
 * while it works, 4 times what the last sync and paint cost (from
 * PAINT_MIN_MS to 5 s), so that views which take long to rebuild do not
 * starve the load they show. */
static int64_t sync_gap(const struct tui *t)
{
	int64_t gap;

	if (!busy(t) && !t->model->background)
		return 0;
	gap = 4 * (t->sync_cost_ms + t->paint_cost_ms);
	return gap < PAINT_MIN_MS ? PAINT_MIN_MS : gap > 5000 ? 5000 : gap;
}

/* Paints likewise, but a key's paint waits only PAINT_MIN_MS: it draws
 * what the views hold, without syncing them first. */
static int64_t paint_gap(const struct tui *t)
{
	int64_t gap = sync_gap(t);

	return t->dirty && gap > PAINT_MIN_MS ? PAINT_MIN_MS : gap;
}

/* settle, unless the store is working and the last sync was less than
 * sync_gap ago: what the views hold stays valid (runs are freed only
 * once every view has synced), it is only not the newest. */
static void settle_due(struct tui *t)
{
	if (model_retired_count(t->model) ||
	    clock_mono_ms() - t->last_sync >= sync_gap(t))
		settle(t);
}

/* -e NAME: its runs open from the loop once the experiments have loaded;
 * until then the experiments view shows the progress and every key works. */
static void open_wanted(struct tui *t)
{
	struct experiment *e;

	if (!t->want_exp || !t->model->exps_loaded)
		return;
	e = model_experiment_by_name(t->model, t->want_exp);
	if (!e)
		e = model_experiment(t->model, t->want_exp);
	/* The user went elsewhere meanwhile: leave them there. */
	if (t->depth == 1 && e)
		tui_open(t, "runs", e->id, NULL);
	else if (t->depth == 1)
		tui_message(t, true, "no experiment '%s'", t->want_exp);
	free(t->want_exp);
	t->want_exp = NULL;
	settle(t);
}

/* --- commands ------------------------------------------------------------ */


void tui_set_filter(struct tui *t, struct view *v, const char *pat)
{
	char *err = NULL;
	struct filter *f = *pat ? filter_new(pat, &err) : NULL;

	if (err) {
		tui_message(t, true, "filter: %s", err);
		free(err);
		return;
	}
	filter_free(v->filter);
	v->filter = f;
	if (v->ops->filter_changed)
		v->ops->filter_changed(v);
	t->dirty = true;
}

int tui_apply_theme(struct tui *t, const char *name)
{
	struct msg_list errs = {0};
	int n = theme_load(name, &errs);

	if (errs.n)
		tui_message(t, true, "%s", errs.v[0]);
	msg_list_free(&errs);
	theme_apply(strcmp(name, "mono") == 0);
	t->dirty = true;
	return n ? -1 : 0;
}

void tui_quit(struct tui *t)
{
	t->quit = true;
}

void tui_show_help(struct tui *t)
{
	t->help_on = true;
	t->help_top = 0;
}

int tui_save_display(struct tui *t, const char *path, char **err)
{
	tui_paint(t);
	return tui_dump_screen(path, err);
}

int tui_store_stats(struct tui *t, char *buf, size_t n)
{
	if (!t->store->ops->stats)
		return -1;
	return t->store->ops->stats(t->store, buf, n);
}

int tui_pipes_stats(struct tui *t, char *buf, size_t n)
{
	if (!t->pipes || !t->pipes->ops->stats)
		return -1;
	return t->pipes->ops->stats(t->pipes, buf, n);
}

/* --- input --------------------------------------------------------------- */

static void prompt_open(struct tui *t, char kind, const char *text)
{
	struct view *v = tui_top(t);

	t->prompt = kind;
	snprintf(t->pbuf, sizeof(t->pbuf), "%s", text);
	t->plen = strlen(t->pbuf);
	free(t->filter_before);
	t->filter_before = NULL;
	if (kind == '/' && v && v->filter)
		t->filter_before = xstrdup(filter_pattern(v->filter));
	t->dirty = true;
}

void tui_prompt_command(struct tui *t, const char *text)
{
	prompt_open(t, ':', text);
}

static void prompt_key(struct tui *t, wint_t ch, bool is_key)
{
	struct view *v = tui_top(t);

	if (!is_key && (ch == '\n' || ch == '\r')) {
		char kind = t->prompt;

		t->prompt = 0;
		if (kind == ':')
			ui_command_run(t, t->pbuf);
		else if (v)
			tui_set_filter(t, v, t->pbuf);
	} else if (!is_key && ch == 27) {
		if (t->prompt == '/' && v)
			tui_set_filter(t, v, t->filter_before ? t->filter_before
							  : "");
		t->prompt = 0;
	} else if ((is_key && ch == KEY_BACKSPACE) ||
		   (!is_key && (ch == 127 || ch == 8))) {
		if (t->plen == 0) {
			t->prompt = 0;
		} else {
			do
				t->plen--;
			while (t->plen > 0 &&
			       (t->pbuf[t->plen] & 0xc0) == 0x80);
			t->pbuf[t->plen] = '\0';
		}
	} else if (!is_key && ch == 21) { /* C-u */
		t->plen = 0;
		t->pbuf[0] = '\0';
	} else if (!is_key && ch == '\t' && t->prompt == ':') {
		tui_complete(t);
	} else if (!is_key && ch >= 32) {
		char mb[MB_LEN_MAX];
		mbstate_t ps;
		size_t n;

		memset(&ps, 0, sizeof(ps));
		n = wcrtomb(mb, (wchar_t)ch, &ps);
		if (n != (size_t)-1 && t->plen + n < sizeof(t->pbuf) - 1) {
			memcpy(t->pbuf + t->plen, mb, n);
			t->plen += n;
			t->pbuf[t->plen] = '\0';
		}
	}
	/* Filter as the user types, like k9s; a half-typed regex that does
	 * not compile yet keeps the last good filter. */
	if (t->prompt == '/' && v) {
		char *err = NULL;
		struct filter *f = t->plen ? filter_new(t->pbuf, &err) : NULL;

		if (!err) {
			filter_free(v->filter);
			v->filter = f;
			if (v->ops->filter_changed)
				v->ops->filter_changed(v);
		}
		free(err);
	}
	t->dirty = true;
}

static void handle_action(struct tui *t, enum action a)
{
	struct view *v = tui_top(t);
	int re = RE_UNHANDLED;

	if (t->help_on) {
		int page = t->help_page > 1 ? t->help_page - 1 : 1;

		/* The panel clamps help_top to what it holds. */
		if (a == ACT_MOVE_DOWN)
			t->help_top++;
		else if (a == ACT_MOVE_UP)
			t->help_top--;
		else if (a == ACT_PAGE_DOWN || a == ACT_HALF_DOWN)
			t->help_top += page;
		else if (a == ACT_PAGE_UP || a == ACT_HALF_UP)
			t->help_top -= page;
		else if (a == ACT_FIRST)
			t->help_top = 0;
		else if (a == ACT_LAST)
			t->help_top = 1 << 20;
		else
			t->help_on = false;
		if (t->help_top < 0)
			t->help_top = 0;
		t->dirty = true;
		return;
	}
	if (v && a != ACT_NONE)
		re = v->ops->action(v, a);
	if (re & RE_UNHANDLED) {
		switch (a) {
		case ACT_BACK:
			if (v && v->filter) {
				tui_set_filter(t, v, "");
			} else if (t->depth > 1) {
				pop(t);
			} else {
				t->quit = true;
			}
			break;
		case ACT_QUIT:
			t->quit = true;
			break;
		case ACT_FILTER:
			/* Typing starts a new filter, as in less; Esc puts
			 * the old one back. */
			prompt_open(t, '/', "");
			break;
		case ACT_COMMAND:
			prompt_open(t, ':', "");
			break;
		case ACT_REGISTRY:
			ui_command_run(t, "models");
			break;
		case ACT_PIPELINES:
			ui_command_run(t, "pipelines");
			break;
		case ACT_ALERTS:
			ui_command_run(t, "alerts");
			break;
		case ACT_HELP:
			t->help_on = true;
			t->help_top = 0;
			break;
		case ACT_REFRESH:
			if (v)
				v->ops->reload(v, true);
			tui_schedule_refresh(t);
			/* Says what is happening while it happens, not for a
			 * fixed time after a local store finished at once. */
			tui_message(t, false, "reloading");
			t->msg_while_busy = true;
			break;
		case ACT_TOGGLE_DELETED: {
			char *err = NULL;

			opt_set(OPT_SHOW_DELETED, "toggle", &err);
			if (v)
				v->ops->reload(v, true);
			tui_message(t, false, "%s deleted experiments and runs",
				    opt_bool(OPT_SHOW_DELETED) ? "showing"
							       : "hiding");
			break;
		}
		case ACT_PAUSE:
			t->paused = !t->paused;
			tui_message(t, false, "%s", t->paused
				    ? "paused: the screen stays as it is (z resumes)"
				    : "resumed");
			if (!t->paused && v)
				v->ops->reload(v, false);
			break;
		case ACT_YANK:
		case ACT_YANK_WEB:
			yank(t, v, a == ACT_YANK_WEB);
			break;
		case ACT_NONE:
			break;
		default:
			tui_message(t, false, "%s: not available here",
				    action_defs[a].name);
			break;
		}
	} else {
		if (re & RE_POP)
			pop(t);
		if (re & RE_QUIT)
			t->quit = true;
		if ((re & RE_RELOAD) && tui_top(t))
			tui_top(t)->ops->reload(tui_top(t), true);
	}
	/* A handler may ask for a view without RE_PUSH (a dialog's
	 * answer): whatever was asked for opens now. */
	if (!t->quit)
		open_wanted_view(t);
	t->dirty = true;
}

static void handle_action(struct tui *t, enum action a);

/* The mouse, as the keys would do it: a click moves the cursor row by
 * row to the row clicked (views keep their selection as for j and k),
 * a double click opens it too, the wheel moves three rows, a click on a
 * column's title sorts by it (s until that column is the sort). */
static void handle_mouse(struct tui *t, MEVENT ev)
{
	struct table *tb;
	long row;
	int col;

	if (t->help_on)
		return;
	if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
		for (int i = 0; i < 3; i++)
			handle_action(t, ev.bstate & BUTTON4_PRESSED
					 ? ACT_MOVE_UP : ACT_MOVE_DOWN);
		return;
	}
	if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED |
			   BUTTON1_PRESSED)))
		return;
	tb = table_hit(ev.y, ev.x, &row, &col);
	if (!tb)
		return;
	if (row < 0) {
		for (int i = 0; col >= 0 && i <= tb->ncols &&
		     tb->sort_col != col; i++) {
			int before = tb->sort_col;

			handle_action(t, ACT_SORT_NEXT);
			if (tb->sort_col == before)
				break;   /* this view does not sort */
		}
		return;
	}
	if ((size_t)row >= tb->nrows)
		return;
	while (tb->sel < (size_t)row) {
		size_t before = tb->sel;

		handle_action(t, ACT_MOVE_DOWN);
		if (tb->sel == before)
			break;
	}
	while (tb->sel > (size_t)row) {
		size_t before = tb->sel;

		handle_action(t, ACT_MOVE_UP);
		if (tb->sel == before)
			break;
	}
	if (ev.bstate & BUTTON1_DOUBLE_CLICKED && tb->sel == (size_t)row)
		handle_action(t, ACT_ENTER);
}

static void handle_input(struct tui *t, wint_t ch, bool is_key)
{
	/* A key before it may have changed the model (a store that answers
	 * at once): views re-sync before this one reaches them (while the
	 * store loads, keys act on what was last painted). */
	settle_due(t);
	/* A message stays until the next key (or its few seconds). */
	if (t->msg && !t->prompt) {
		free(t->msg);
		t->msg = NULL;
	}
	if (is_key && ch == KEY_RESIZE) {
		t->dirty = true;
		return;
	}
	if (is_key && ch == KEY_MOUSE) {
		MEVENT ev;

		/* Not while a prompt or a dialog has the keys (a dialog takes
		 * the event and does nothing with it). */
		if (getmouse(&ev) == OK && !t->prompt &&
		    !(tui_top(t) && tui_top(t)->ops->key &&
		      tui_top(t)->ops->key(tui_top(t), KEY_MOUSE, true)))
			handle_mouse(t, ev);
		t->dirty = true;
		return;
	}
	if (t->prompt) {
		prompt_key(t, ch, is_key);
		return;
	}
	/* An open dialog takes keys before the keymap. */
	if (!t->help_on && tui_top(t) && tui_top(t)->ops->key &&
	    tui_top(t)->ops->key(tui_top(t), (int)ch, is_key)) {
		t->dirty = true;
		return;
	}
	/* Esc backs out of things; on the top view there is nothing left
	 * to back out of, and quitting on it would surprise: say how. */
	if (!is_key && ch == 27 && t->depth <= 1 && !t->help_on &&
	    !(tui_top(t) && tui_top(t)->filter) &&
	    keymap_lookup(27) == ACT_BACK) {
		tui_message(t, false, "Esc does not quit: q or Q does");
		return;
	}
	handle_action(t, keymap_lookup((int)ch));
}

/* The key an escape sequence curses did not decode stands for (a
 * terminal whose keys its TERM does not describe: TERM=xterm-256color
 * inside tmux sends Home as ESC [ 1 ~), or 0 for one mltop has no use
 * for. seq is what followed ESC: "[1~", "OH", "[1;5D", ... */
static int decode_sequence(const char *seq)
{
	static const struct {
		int num;
		int key;
	} tilde[] = {
		{1, KEY_HOME}, {7, KEY_HOME}, {4, KEY_END}, {8, KEY_END},
		{2, KEY_IC}, {3, KEY_DC}, {5, KEY_PPAGE}, {6, KEY_NPAGE},
		{11, KEY_F(1)}, {12, KEY_F(2)}, {13, KEY_F(3)},
		{14, KEY_F(4)}, {15, KEY_F(5)}, {17, KEY_F(6)},
		{18, KEY_F(7)}, {19, KEY_F(8)}, {20, KEY_F(9)},
		{21, KEY_F(10)}, {23, KEY_F(11)}, {24, KEY_F(12)},
	};
	size_t n = strlen(seq);
	char fin = n ? seq[n - 1] : 0;

	if (n < 2 || (seq[0] != '[' && seq[0] != 'O'))
		return 0;
	if (seq[0] == '[' && seq[1] == '<')
		return 0;  /* a mouse report */
	switch (fin) {
	/* "[1;2A": shift-up, which moves a column in the column chooser. */
	case 'A': return strstr(seq, ";2") ? KEY_SR : KEY_UP;
	case 'B': return strstr(seq, ";2") ? KEY_SF : KEY_DOWN;
	case 'C': return KEY_RIGHT;
	case 'D': return KEY_LEFT;
	case 'H': return KEY_HOME;
	case 'F': return KEY_END;
	case 'P': return KEY_F(1);
	case 'Q': return KEY_F(2);
	case 'R': return KEY_F(3);
	case 'S': return KEY_F(4);
	case '~': {
		int num = atoi(seq + 1);  /* "[5;3~": 5, the modifier aside */

		for (size_t i = 0; i < sizeof(tilde) / sizeof(tilde[0]); i++)
			if (tilde[i].num == num)
				return tilde[i].key;
		return 0;
	}
	default:
		return 0;
	}
}

/* After an ESC curses returned as such: the rest of a sequence, read
 * whole (it may trickle in over a slow link: up to 50 ms), decoded or
 * swallowed, never taken as Esc plus letters. Returns the key, 27 for a
 * plain Esc, or 0 for a sequence to ignore. */
static int read_escape(void)
{
	char seq[32];
	size_t n = 0;
	wint_t ch;
	int rc = get_wch(&ch), key;

	if (rc == ERR)
		return 27;  /* curses waited ESCDELAY: a plain Esc */
	if (rc == KEY_CODE_YES || (ch != '[' && ch != 'O')) {
		unget_wch(ch);
		if (rc == KEY_CODE_YES)
			ungetch((int)ch);
		return 27;
	}
	seq[n++] = (char)ch;
	timeout(50);
	while (n < sizeof(seq) - 1) {
		rc = get_wch(&ch);
		if (rc == ERR || rc == KEY_CODE_YES || ch > 0x7e)
			break;
		seq[n++] = (char)ch;
		/* The final byte of a CSI, or the one after SS3. */
		if ((seq[0] == '[' && n > 1 && ch >= 0x40 && ch <= 0x7e &&
		     !(n == 2 && ch == '<')) || (seq[0] == 'O' && n == 2))
			break;
	}
	nodelay(stdscr, TRUE);
	seq[n] = '\0';
	key = decode_sequence(seq);
	return key;
}

static void read_keys(struct tui *t)
{
	wint_t ch;
	int rc;

	while ((rc = get_wch(&ch)) != ERR) {
		if (rc != KEY_CODE_YES && ch == 27) {
			int k = read_escape();

			if (k == 0)
				continue;  /* a key mltop has no use for */
			handle_input(t, (wint_t)k, k != 27);
			continue;
		}
		handle_input(t, ch, rc == KEY_CODE_YES);
	}
}

/* Scripted input: one line a pass, only when nothing is loading. Lines
 * starting with ':' are commands; others are keys, <Name> for special
 * ones, literal spaces ignored (<Space> types one). */
static void script_step(struct tui *t)
{
	char line[2048];
	size_t len;

	if (!fgets(line, sizeof(line), t->script)) {
		t->quit = true;
		return;
	}
	t->script_line++;
	len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (len == 0 || line[0] == '#')
		return;
	settle(t);
	/* "$ CMD": a shell command between keys, for tests that change the
	 * store under a running mltop. Only the script reader knows it:
	 * there is no `:` command for it. */
	if (line[0] == '$' && line[1] == ' ') {
		int rc = system(line + 2);

		if (rc != 0)
			tui_message(t, true, "script line %d: exit %d",
				    t->script_line, rc);
		return;
	}
	if (line[0] == ':' && !t->prompt) {
		ui_command_run(t, line + 1);
		return;
	}
	for (size_t i = 0; i < len;) {
		if (line[i] == '<') {
			char *end = strchr(line + i, '>');

			if (end) {
				char name[32];
				int k;

				snprintf(name, sizeof(name), "%.*s",
					 (int)(end - line - (long)i + 1),
					 line + i);
				k = key_parse(name);
				if (k >= 0) {
					bool special = k >= KEY_MIN;

					handle_input(t, (wint_t)k, special);
					i = (size_t)(end - line) + 1;
					continue;
				}
			}
		}
		if (line[i] == ' ') {
			i++;
			continue;
		}
		{
			wchar_t wc;
			mbstate_t ps;
			size_t n;

			memset(&ps, 0, sizeof(ps));
			n = mbrtowc(&wc, line + i, len - i, &ps);
			if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
				wc = (unsigned char)line[i];
				n = 1;
			}
			handle_input(t, (wint_t)wc, false);
			i += n;
		}
	}
}

/* --- the loop ------------------------------------------------------------ */

static int term_start(struct tui *t)
{
	const char *script = getenv("MLTOP_SCRIPT");

	if (script && *script) {
		t->script = fopen(script, "r");
		if (!t->script) {
			fprintf(stderr, "mltop: %s: %s\n", script,
				strerror(errno));
			return -1;
		}
		/* A virtual screen: output to /dev/null, size from the
		 * environment (80x24 unless LINES/COLUMNS say otherwise). */
		setenv("LINES", getenv("LINES") ? getenv("LINES") : "24", 0);
		setenv("COLUMNS", getenv("COLUMNS") ? getenv("COLUMNS") : "80",
		       0);
		t->devnull = fopen("/dev/null", "w+");
		t->screen = newterm("xterm-256color", t->devnull, t->devnull);
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fprintf(stderr, "mltop: the dashboard needs a terminal; "
				"for scripts use `mltop runs --json` and "
				"friends (see mltop --help)\n");
			return -1;
		}
		{
			char *why = NULL;

			if (term_check(NULL, &why) != 0) {
				msg_err("%s", why);
				free(why);
				return -1;
			}
		}
		t->screen = newterm(NULL, stdout, stdin);
	}
	if (!t->screen) {
		fprintf(stderr, "mltop: cannot start the terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "unset");
		return -1;
	}
	set_term(t->screen);
	die_hook = restore_terminal;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	theme_apply(strcmp(opt_string(OPT_THEME), "mono") == 0);
	return 0;
}

static int compute_timeout(struct tui *t, int store_timeout)
{
	int64_t now = clock_mono_ms();
	int64_t to = t->next_refresh - now;
	int64_t sec = 1000 - (clock_now_ms() % 1000);

	if (t->script)
		to = t->model->pending ? 0 : 0;
	if (sec < to)
		to = sec;
	if (store_timeout >= 0 && store_timeout < to)
		to = store_timeout;
	if (t->dirty || t->painted_gen != t->model->generation) {
		int64_t wait = paint_gap(t) - (now - t->last_paint);

		if (wait < to)
			to = wait;
	}
	return to < 0 ? 0 : (int)to;
}

int tui_run(struct store *s, const struct tui_opts *o)
{
	struct tui tui = {0}, *t = &tui;
	struct sigaction sa;
	struct pollfd fds[64];

	t->store = s;
	t->model = s->model;
	t->opts = o;
	t->pipes = o->pipes;
	if (term_start(t) != 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (o->config_errors && o->config_errors->n)
		tui_message(t, true, "%s%s", o->config_errors->v[0],
			    o->config_errors->n > 1 ? " (and more)" : "");
	else if (draw_ascii_text())
		tui_message(t, false, "the locale is not UTF-8: text outside "
			    "ASCII shows as ? (set LANG to a UTF-8 locale)");
	if (o->experiment)
		t->want_exp = xstrdup(o->experiment);
	{
		struct alert_settings set = alert_settings_from_options();

		t->alerts = alert_engine_new(s->uri.display, &set,
					     alert_user_rules(),
					     !o->alerts_no_state,
					     clock_now_ms());
		if (t->alerts->state_error)
			tui_message(t, true, "alerts: %s",
				    t->alerts->state_error);
		t->hook = alert_hook_new(opt_string(OPT_ALERT_COMMAND),
					 opt_number(OPT_ALERT_RATE));
	}
	tui_open(t, "experiments", NULL, NULL);
	while (!t->quit && !got_signal) {
		/* The mouse as the setting says, also after :set mouse. */
		if (!t->script && opt_bool(OPT_MOUSE) != t->mouse_on) {
			t->mouse_on = opt_bool(OPT_MOUSE);
			mousemask(t->mouse_on ? BUTTON1_CLICKED |
				  BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
				  BUTTON5_PRESSED : 0, NULL);
		}
		int store_to = -1, nfds = 0, timeout;
		int64_t now;

		settle_due(t);
		alerts_tick(t);
		open_wanted(t);
		if (t->msg_while_busy && !busy(t)) {
			t->msg_while_busy = false;
			t->msg_until = 0;
			t->dirty = true;
		}
		now = clock_mono_ms();
		if ((t->dirty || t->painted_gen != t->model->generation ||
		     (!t->paused && clock_now_ms() / 1000 != t->painted_sec)) &&
		    now - t->last_paint >= paint_gap(t)) {
			settle_due(t);
			tui_paint(t);
			/* For the benchmark: the first frame with runs in it
			 * (stand-ins of a first page may come first), then
			 * the first whole one (nothing loading). */
			if (o->exit_after_first_frame && !t->first_rows_done &&
			    shows_runs(t)) {
				t->first_rows_done = true;
				fprintf(stderr, "first-rows-ms %lld\n",
					(long long)(clock_mono_ms() -
						    o->start_mono));
			}
			if (o->exit_after_first_frame && !busy(t) &&
			    !t->first_frame_done) {
				t->first_frame_done = true;
				fprintf(stderr, "first-frame-ms %lld\n",
					(long long)(clock_mono_ms() -
						    o->start_mono));
				t->quit = true;
				break;
			}
		}
		if (!t->script) {
			fds[0].fd = STDIN_FILENO;
			fds[0].events = POLLIN;
			nfds = 1;
		}
		if (s->ops->pollfds)
			nfds += s->ops->pollfds(s, fds + nfds, 64 - nfds,
						&store_to);
		if (t->pipes)
			nfds += t->pipes->ops->pollfds(t->pipes, fds + nfds,
						       64 - nfds, &store_to);
		timeout = compute_timeout(t, store_to);
		if (poll(fds, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			break;
		if (s->ops->dispatch)
			s->ops->dispatch(s, fds, nfds);
		if (t->pipes) {
			t->pipes->ops->dispatch(t->pipes, fds, nfds);
			if (t->pipes->model->gen != t->pipes_gen) {
				t->pipes_gen = t->pipes->model->gen;
				t->dirty = true;
			}
		}
		settle_due(t);
		open_wanted(t);
		open_wanted_view(t); /* asked for by a store callback */
		read_keys(t); /* a script's too: KEY_RESIZE and friends */
		/* A script goes on only once the screen is settled: nothing
		 * loading, and the last paint queued no new work. */
		if (t->script && !busy(t) && !t->model->background &&
		    !t->quit && !t->dirty &&
		    t->painted_gen == t->model->generation)
			script_step(t);
		if (!t->script && !t->paused &&
		    clock_mono_ms() >= t->next_refresh) {
			if (tui_top(t))
				tui_top(t)->ops->reload(tui_top(t), false);
			tui_schedule_refresh(t);
		}
	}
	/* Quitting: no view below needs reloading. */
	while (t->depth)
		view_destroy(t->stack[--t->depth]);
	if (t->alerts)
		alert_save(t->alerts);
	alert_engine_free(t->alerts);
	alert_hook_free(t->hook);
	endwin();
	delscreen(t->screen);
	if (t->devnull)
		fclose(t->devnull);
	if (t->script)
		fclose(t->script);
	free(t->msg);
	free(t->filter_before);
	free(t->want_exp);
	free(t->want_view);
	free(t->want_arg);
	free(t->want_arg2);
	for (int k = 0; k < MARK__N; k++) {
		tui_marks_clear(t, (enum mark_kind)k);
		free(t->marks[k].v);
	}
	die_hook = NULL;
	return t->exit_code;
}
