/* cli_registry.c: the model registry's scripting commands: models,
 * versions, history, promote and rollback (with --if gates for CI/CD). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/ask.h"
#include "cli/cli.h"
#include "cli/cond.h"
#include "cli/table.h"
#include "core/clock.h"
#include "core/format.h"
#include "core/jsonw.h"
#include "core/sanitize.h"
#include "core/utf8.h"
#include "core/xmalloc.h"
#include "registry/history.h"
#include "store/store.h"

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_STORE = 2,
	EXIT_CONFLICT = 3,
	EXIT_COND = 4,
	EXIT_READ_ONLY = 5,
};

static int wait_ok(struct store *s)
{
	store_wait(s);
	if (s->model->error) {
		fprintf(stderr, "mltop: %s: %s\n", s->uri.display,
			s->model->error);
		return -1;
	}
	if (s->model->notice)
		fprintf(stderr, "mltop: warning: %s\n", s->model->notice);
	return 0;
}

/* Untrusted text (names, notes, who) to stderr or a table, made safe. */
static void eprint(const char *prefix, const char *msg)
{
	char *t = sanitize_text(msg);

	fprintf(stderr, "mltop: %s%s\n", prefix, t);
	free(t);
}


/* --- JSON pieces --------------------------------------------------------- */

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* A sorted copy of a kv list (caller frees the array only). */
static struct kv *kv_sorted(const struct kv_list *l)
{
	struct kv *v = xmalloc((l->n + 1) * sizeof(*v));

	if (l->n)
		memcpy(v, l->v, l->n * sizeof(*v));
	qsort(v, l->n, sizeof(*v), kv_cmp);
	return v;
}

/* MLflow's REST replies leave out empty repeated fields and unset
 * strings; so does mltop. */
static void json_tags(struct jsonw *w, const struct kv_list *l)
{
	struct kv *v;

	if (!l->n)
		return;
	v = kv_sorted(l);
	jsonw_key(w, "tags");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < l->n; i++) {
		jsonw_obj_begin(w);
		jsonw_kstr(w, "key", v[i].key);
		jsonw_kstr(w, "value", v[i].value ? v[i].value : "");
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	free(v);
}

static void kstr_set(struct jsonw *w, const char *k, const char *v)
{
	if (v && *v)
		jsonw_kstr(w, k, v);
}

static void kbool(struct jsonw *w, const char *k, bool v)
{
	jsonw_key(w, k);
	jsonw_bool(w, v);
}

static void json_event(struct jsonw *w, const char *key,
		       const struct history_event *ev)
{
	jsonw_obj_begin(w);
	if (key)
		jsonw_kstr(w, "key", key);
	jsonw_kint(w, "time", ev->time_ms);
	jsonw_kstr(w, "who", ev->who);
	jsonw_kstr(w, "action", ev->action);
	jsonw_kstr(w, "kind", ev->kind == HK_STAGE ? "stage" : "alias");
	jsonw_kstr(w, "name", ev->name);
	jsonw_kint(w, "from", ev->from_version);
	jsonw_kint(w, "to", ev->to_version);
	if (ev->interrupted)
		kbool(w, "interrupted", true);
	if (ev->kind == HK_STAGE) {
		jsonw_key(w, "moves");
		jsonw_arr_begin(w);
		for (size_t i = 0; i < ev->nmoves; i++) {
			jsonw_obj_begin(w);
			jsonw_kint(w, "version", ev->moves[i].version);
			jsonw_kstr(w, "from", ev->moves[i].from);
			jsonw_kstr(w, "to", ev->moves[i].to);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
	}
	if (ev->note)
		jsonw_kstr(w, "note", ev->note);
	jsonw_obj_end(w);
}

/* --- loading ------------------------------------------------------------- */

/* Models, then the versions of one (with its aliases and tags fresh).
 * Returns the model, or NULL with the exit status in *rc. */
static struct registered_model *load_model(struct store *s, const char *name,
					   int *rc)
{
	struct registered_model *rm;

	*rc = EXIT_STORE;
	if (!s->ops->load_models || !s->ops->load_versions) {
		fprintf(stderr, "mltop: %s: this store has no model registry\n",
			s->uri.display);
		return NULL;
	}
	s->ops->load_models(s, &CLI_REQ, NULL, NULL);
	if (wait_ok(s) != 0)
		return NULL;
	rm = model_registered(s->model, name);
	if (!rm || rm->is_prompt) {
		char *q = xasprintf("'%s'", name);

		eprint("no registered model named ", q);
		free(q);
		return NULL;
	}
	s->ops->load_versions(s, &CLI_REQ, name, NULL, NULL);
	if (wait_ok(s) != 0)
		return NULL;
	rm = model_registered(s->model, name);
	if (!rm || !rm->versions_loaded) {
		eprint("could not load the versions of ", name);
		return NULL;
	}
	*rc = EXIT_OK;
	return rm;
}

/* The aliases pointing at a version, "a, b" (caller frees; "" none). */
static char *version_aliases(const struct registered_model *rm, int version)
{
	struct kv *v = kv_sorted(&rm->aliases);
	char *out = xstrdup("");

	for (size_t i = 0; i < rm->aliases.n; i++) {
		char *t;

		if (registered_alias(rm, v[i].key) != version)
			continue;
		t = xasprintf("%s%s%s", out, *out ? ", " : "", v[i].key);
		free(out);
		out = t;
	}
	free(v);
	return out;
}

/* --- models -------------------------------------------------------------- */

static int rm_cmp(const void *a, const void *b)
{
	return strcmp((*(struct registered_model *const *)a)->name,
		      (*(struct registered_model *const *)b)->name);
}

int cli_models(struct store *s, const struct cli_opts *o)
{
	struct model *m = s->model;
	struct registered_model **v;
	size_t n = 0;

	if (!s->ops->load_models) {
		fprintf(stderr, "mltop: %s: this store has no model registry\n",
			s->uri.display);
		return EXIT_STORE;
	}
	s->ops->load_models(s, &CLI_REQ, NULL, NULL);
	if (wait_ok(s) != 0)
		return EXIT_STORE;
	/* MLflow's search_registered_models: by name, prompts left out. */
	v = xmalloc((m->nmodels + 1) * sizeof(*v));
	for (size_t i = 0; i < m->nmodels; i++)
		if (!m->models[i]->is_prompt)
			v[n++] = m->models[i];
	if (n > 1)
		qsort(v, n, sizeof(*v), rm_cmp);
	if (o->names) {
		/* For the shell completion scripts: one name a line. */
		for (size_t i = 0; i < n; i++) {
			char *name = sanitize_text(v[i]->name);

			puts(name);
			free(name);
		}
	} else if (o->json) {
		struct jsonw w;

		jsonw_init(&w, stdout);
		jsonw_obj_begin(&w);
		jsonw_key(&w, "registered_models");
		jsonw_arr_begin(&w);
		for (size_t i = 0; i < n; i++) {
			struct registered_model *rm = v[i];
			struct kv *al = kv_sorted(&rm->aliases);

			jsonw_obj_begin(&w);
			jsonw_kstr(&w, "name", rm->name);
			jsonw_kint(&w, "creation_timestamp", rm->creation_time);
			if (rm->last_updated_time)
				jsonw_kint(&w, "last_updated_timestamp",
					   rm->last_updated_time);
			kstr_set(&w, "description", rm->description);
			if (rm->latest_version > 0) {
				char b[16];

				snprintf(b, sizeof(b), "%d",
					 rm->latest_version);
				jsonw_kstr(&w, "latest_version", b);
			}
			json_tags(&w, &rm->tags);
			if (rm->aliases.n) {
				jsonw_key(&w, "aliases");
				jsonw_arr_begin(&w);
				for (size_t k = 0; k < rm->aliases.n; k++) {
					jsonw_obj_begin(&w);
					jsonw_kstr(&w, "alias", al[k].key);
					jsonw_kstr(&w, "version", al[k].value);
					jsonw_obj_end(&w);
				}
				jsonw_arr_end(&w);
			}
			jsonw_obj_end(&w);
			free(al);
		}
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
		fputc('\n', stdout);
	} else {
		static const char *const heads[] = {
			"NAME", "LATEST", "ALIASES", "UPDATED", "DESCRIPTION"};
		struct text_table t = {.ncols = 5, .heads = heads};

		for (size_t i = 0; i < n; i++) {
			struct registered_model *rm = v[i];
			struct kv *al = kv_sorted(&rm->aliases);
			char latest[16], upd[40], *aliases = xstrdup("");
			const char *row[5];

			for (size_t k = 0; k < rm->aliases.n; k++) {
				char *x = xasprintf("%s%s%s=v%s", aliases,
						    k ? ", " : "", al[k].key,
						    al[k].value ? al[k].value
								: "?");
				free(aliases);
				aliases = x;
			}
			snprintf(latest, sizeof(latest), rm->latest_version
				 > 0 ? "v%d" : "-", rm->latest_version);
			format_time(rm->last_updated_time, upd, sizeof(upd));
			row[0] = rm->name;
			row[1] = latest;
			row[2] = aliases;
			row[3] = upd;
			row[4] = rm->description;
			text_table_add(&t, row);
			free(aliases);
			free(al);
		}
		text_table_print(&t, stdout);
	}
	free(v);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_STORE;
}

/* --- versions ------------------------------------------------------------ */

int cli_versions(struct store *s, const struct cli_opts *o)
{
	struct registered_model *rm;
	int rc;

	rm = load_model(s, o->model, &rc);
	if (!rm)
		return rc;
	if (o->json) {
		struct jsonw w;

		jsonw_init(&w, stdout);
		jsonw_obj_begin(&w);
		jsonw_key(&w, "model_versions");
		jsonw_arr_begin(&w);
		/* Newest first, as model-versions/search returns them. */
		for (size_t i = 0; i < rm->nversions; i++) {
			const struct model_version *mv = &rm->versions[i];
			struct kv *al = kv_sorted(&rm->aliases);
			char b[16];
			bool any = false;

			snprintf(b, sizeof(b), "%d", mv->version);
			jsonw_obj_begin(&w);
			jsonw_kstr(&w, "name", rm->name);
			jsonw_kstr(&w, "version", b);
			jsonw_kint(&w, "creation_timestamp", mv->creation_time);
			jsonw_kint(&w, "last_updated_timestamp",
				   mv->last_updated_time);
			kstr_set(&w, "user_id", mv->user_id);
			kstr_set(&w, "current_stage", mv->stage);
			kstr_set(&w, "description", mv->description);
			kstr_set(&w, "source", mv->source);
			kstr_set(&w, "run_id", mv->run_id);
			kstr_set(&w, "status", mv->status);
			json_tags(&w, &mv->tags);
			for (size_t k = 0; k < rm->aliases.n; k++) {
				if (registered_alias(rm, al[k].key) !=
				    mv->version)
					continue;
				if (!any) {
					jsonw_key(&w, "aliases");
					jsonw_arr_begin(&w);
					any = true;
				}
				jsonw_str(&w, al[k].key);
			}
			if (any)
				jsonw_arr_end(&w);
			jsonw_obj_end(&w);
			free(al);
		}
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
		fputc('\n', stdout);
	} else {
		static const char *const heads[] = {
			"VERSION", "STAGE", "STATUS", "ALIASES", "CREATED",
			"RUN ID", "DESCRIPTION"};
		struct text_table t = {.ncols = 7, .heads = heads};

		for (size_t i = 0; i < rm->nversions; i++) {
			const struct model_version *mv = &rm->versions[i];
			char ver[16], created[40], *al;
			const char *row[7];

			snprintf(ver, sizeof(ver), "%d", mv->version);
			format_time(mv->creation_time, created,
				    sizeof(created));
			al = version_aliases(rm, mv->version);
			row[0] = ver;
			row[1] = mv->stage;
			row[2] = mv->status;
			row[3] = al;
			row[4] = created;
			row[5] = mv->run_id;
			row[6] = mv->description;
			text_table_add(&t, row);
			free(al);
		}
		text_table_print(&t, stdout);
	}
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_STORE;
}

/* --- history ------------------------------------------------------------- */

static void fmt_ver(int v, char *buf, size_t n)
{
	if (v > 0)
		snprintf(buf, n, "v%d", v);
	else
		snprintf(buf, n, "-");
}

int cli_history(struct store *s, const struct cli_opts *o)
{
	struct registered_model *rm;
	struct history_event *ev;
	struct holding *h;
	size_t nev, nh;
	int rc;

	rm = load_model(s, o->model, &rc);
	if (!rm)
		return rc;
	history_add_interrupted(rm, s->uri.display);
	nev = history_events(&rm->tags, &ev);
	nh = history_timeline(rm, &h);
	if (o->json) {
		struct jsonw w;

		jsonw_init(&w, stdout);
		jsonw_obj_begin(&w);
		jsonw_key(&w, "history");
		jsonw_arr_begin(&w);
		for (size_t i = 0; i < nev; i++) {
			char key[64];

			snprintf(key, sizeof(key), "%s%06lld", HISTORY_PREFIX,
				 (long long)ev[i].seq);
			json_event(&w, key, &ev[i]);
		}
		jsonw_arr_end(&w);
		jsonw_key(&w, "timeline");
		jsonw_arr_begin(&w);
		for (size_t i = 0; i < nh; i++) {
			jsonw_obj_begin(&w);
			jsonw_kstr(&w, "kind", h[i].stage ? "stage" : "alias");
			jsonw_kstr(&w, "name", h[i].name);
			jsonw_kint(&w, "version", h[i].version);
			jsonw_key(&w, "from_ms");
			if (h[i].from_ms)
				jsonw_int(&w, h[i].from_ms);
			else
				jsonw_null(&w);
			jsonw_key(&w, "to_ms");
			if (h[i].to_ms)
				jsonw_int(&w, h[i].to_ms);
			else
				jsonw_null(&w);
			if (h[i].who)
				jsonw_kstr(&w, "who", h[i].who);
			if (h[i].note)
				jsonw_kstr(&w, "note", h[i].note);
			kbool(&w, "outside", h[i].outside);
			kbool(&w, "before_history", h[i].before);
			jsonw_obj_end(&w);
		}
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
		fputc('\n', stdout);
	} else {
		static const char *const eh[] = {
			"TIME", "WHO", "ACTION", "WHAT", "FROM", "TO", "NOTE"};
		static const char *const th[] = {
			"WHAT", "VERSION", "FROM", "UNTIL", "WHO", "NOTE"};
		struct text_table t = {.ncols = 7, .heads = eh};
		struct text_table u = {.ncols = 6, .heads = th};

		for (size_t i = 0; i < nev; i++) {
			char tm[40], f[16], to[16], *what;
			const char *row[7];

			format_time(ev[i].time_ms, tm, sizeof(tm));
			fmt_ver(ev[i].from_version, f, sizeof(f));
			fmt_ver(ev[i].to_version, to, sizeof(to));
			what = xasprintf("%s %s", ev[i].kind == HK_STAGE ?
					 "stage" : "alias", ev[i].name);
			row[0] = tm;
			row[1] = ev[i].who;
			row[2] = ev[i].interrupted ?
				 (strcmp(ev[i].action, "rollback") == 0 ?
				  "rollback (interrupted)" :
				  "promote (interrupted)") : ev[i].action;
			row[3] = what;
			row[4] = f;
			row[5] = to;
			row[6] = ev[i].note;
			text_table_add(&t, row);
			free(what);
		}
		if (nev)
			text_table_print(&t, stdout);
		else
			puts("no promotions recorded by mltop");
		for (size_t i = 0; i < nh; i++) {
			char ver[16], from[40], until[40], *what;
			const char *row[6];

			fmt_ver(h[i].version, ver, sizeof(ver));
			if (h[i].from_ms)
				format_time(h[i].from_ms, from, sizeof(from));
			else
				snprintf(from, sizeof(from), "?");
			if (h[i].to_ms)
				format_time(h[i].to_ms, until, sizeof(until));
			else
				snprintf(until, sizeof(until), "now");
			what = xasprintf("%s %s",
					 h[i].stage ? "stage" : "alias",
					 h[i].name);
			row[0] = what;
			row[1] = ver;
			row[2] = from;
			row[3] = until;
			row[4] = h[i].outside ? "(outside mltop)"
				 : h[i].before ? "(before history)" : h[i].who;
			row[5] = h[i].note;
			text_table_add(&u, row);
			free(what);
		}
		if (nh) {
			puts("");
			text_table_print(&u, stdout);
		} else {
			for (size_t i = 0; i < u.rows * 6; i++)
				free(u.cells[i]);
			free(u.cells);
		}
		if (!nev)
			free(t.cells);
	}
	history_events_free(ev, nev);
	history_timeline_free(h, nh);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_STORE;
}

/* --- --if conditions ----------------------------------------------------- */

static const char *const op_text[] = {
	[OP_GE] = ">=", [OP_GT] = ">", [OP_LE] = "<=", [OP_LT] = "<",
	[OP_EQ] = "==", [OP_NE] = "!=",
};

void conds_free(struct cond *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].key);
		free(c[i].numtext);
	}
	free(c);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	return p;
}

/* Numbers in the C locale whatever LC_NUMERIC says: "0.9" in a script
 * means the same everywhere. Digits, sign, point, exponent only. */
static bool parse_number(const char **pp, double *out, char **text)
{
	const char *p = *pp, *start = p;
	char *end;
	locale_t c;

	if (*p == '+' || *p == '-')
		p++;
	if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' &&
					   p[1] <= '9')))
		return false;
	c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!c)
		return false;
	errno = 0;
	*out = strtod_l(start, &end, c);
	freelocale(c);
	if (end == start || errno == ERANGE)
		return false;
	/* strtod takes hex and more; the number must end at a word end. */
	for (const char *q = start; q < end; q++)
		if (!strchr("0123456789+-.eE", *q))
			return false;
	if (*end && *end != ' ' && *end != '\t' && *end != '\n')
		return false;
	*text = xstrndup(start, (size_t)(end - start));
	*pp = end;
	return true;
}

/* `metrics.KEY OP NUMBER` joined by `and`; KEY may be in backticks
 * (MLflow's search syntax) when it holds spaces or operator characters.
 * Returns the count, or -1 with *err. */
long conds_parse(const char *expr, struct cond **out, char **err)
{
	struct cond *v = NULL;
	size_t n = 0;
	const char *p = skip_ws(expr);

	*out = NULL;
	for (;;) {
		struct cond c = {0};
		const char *k;
		size_t klen;
		int op = -1;

		if (strncmp(p, "metrics.", 8) != 0) {
			*err = *p ? xasprintf("expected metrics.KEY at '%s'", p)
				  : xstrdup("expected metrics.KEY at the end");
			goto bad;
		}
		p += 8;
		if (*p == '`') {
			k = ++p;
			while (*p && *p != '`')
				p++;
			if (*p != '`') {
				*err = xstrdup("unclosed ` in a metric key");
				goto bad;
			}
			klen = (size_t)(p - k);
			p++;
		} else {
			k = p;
			while (*p && !strchr(" \t\n<>=!", *p))
				p++;
			klen = (size_t)(p - k);
		}
		if (!klen) {
			*err = xstrdup("empty metric key");
			goto bad;
		}
		p = skip_ws(p);
		for (int i = 0; i < 6 && op < 0; i++) {
			/* two-character operators first */
			static const int order[] = {OP_GE, OP_LE, OP_EQ, OP_NE,
						    OP_GT, OP_LT};
			const char *t = op_text[order[i]];

			if (strncmp(p, t, strlen(t)) == 0) {
				op = order[i];
				p += strlen(t);
			}
		}
		if (op < 0) {
			*err = xasprintf("expected one of >= > <= < == != "
					 "at '%s'", p);
			goto bad;
		}
		p = skip_ws(p);
		c.op = (enum cond_op)op;
		if (!parse_number(&p, &c.num, &c.numtext)) {
			*err = xasprintf("expected a number at '%s'", p);
			goto bad;
		}
		c.key = xstrndup(k, klen);
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = c;
		p = skip_ws(p);
		if (!*p)
			break;
		if (strncasecmp(p, "and", 3) != 0 || (p[3] != ' ' &&
		    p[3] != '\t' && p[3] != '\n' && p[3] != '\0')) {
			*err = xasprintf("expected 'and' at '%s'", p);
			goto bad;
		}
		p = skip_ws(p + 3);
	}
	*out = v;
	return (long)n;
bad:
	conds_free(v, n);
	return -1;
}

static bool cond_holds(double x, enum cond_op op, double y)
{
	switch (op) {
	case OP_GE: return x >= y;
	case OP_GT: return x > y;
	case OP_LE: return x <= y;
	case OP_LT: return x < y;
	case OP_EQ: return x == y;
	case OP_NE: return x != y;
	}
	return false;
}

/* 0: every condition holds (*msg says how); 1: one does not (*msg says
 * which); -1: the run could not be read (store error printed). */
static int conds_check(struct store *s, const struct model_version *mv,
		       const struct cond *c, size_t n, char **msg)
{
	struct run *r;
	char *ok = xstrdup("");

	*msg = NULL;
	if (!mv->run_id) {
		free(ok);
		*msg = xasprintf("v%d has no source run", mv->version);
		return 1;
	}
	s->ops->load_run(s, &CLI_REQ, mv->run_id, NULL, NULL);
	if (wait_ok(s) != 0) {
		free(ok);
		return -1;
	}
	r = model_find_run(s->model, mv->run_id);
	if (!r) {
		free(ok);
		*msg = xasprintf("the source run %s of v%d is not in the "
				 "store", mv->run_id, mv->version);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct series *ser = run_series(r, c[i].key);
		char val[40], *t;

		if (!ser || !ser->has_latest) {
			free(ok);
			*msg = xasprintf("source run %s has no metric %s",
					 r->id, c[i].key);
			return 1;
		}
		format_value_exact(ser->latest.value, val, sizeof(val));
		/* NaN compares unequal to everything, so `!=` would hold: a
		 * gate never passes on a value that is not a number. */
		if (isnan(ser->latest.value)) {
			free(ok);
			*msg = xasprintf("metrics.%s is NaN (the run logged no "
					 "number), wanted %s %s", c[i].key,
					 op_text[c[i].op], c[i].numtext);
			return 1;
		}
		if (!cond_holds(ser->latest.value, c[i].op, c[i].num)) {
			free(ok);
			*msg = xasprintf("metrics.%s = %s, wanted %s %s",
					 c[i].key, val, op_text[c[i].op],
					 c[i].numtext);
			return 1;
		}
		t = xasprintf("%s%smetrics.%s = %s %s %s", ok, i ? ", " : "",
			      c[i].key, val, op_text[c[i].op], c[i].numtext);
		free(ok);
		ok = t;
	}
	*msg = ok;
	return 0;
}

/* --- promote and rollback ------------------------------------------------ */

static void json_write(struct jsonw *w, const struct registry_write *rw)
{
	jsonw_obj_begin(w);
	jsonw_kstr(w, "kind", rw->kind == RW_STAGE ? "stage" : "alias");
	jsonw_kstr(w, "model", rw->model);
	if (rw->kind == RW_ALIAS) {
		jsonw_kstr(w, "alias", rw->alias);
		jsonw_kint(w, "version", rw->version);
		jsonw_kint(w, "expect_alias_version", rw->expect_alias_version);
	} else {
		jsonw_key(w, "moves");
		jsonw_arr_begin(w);
		for (size_t i = 0; i < rw->nmoves; i++) {
			jsonw_obj_begin(w);
			jsonw_kint(w, "version", rw->moves[i].version);
			jsonw_kstr(w, "stage", rw->moves[i].stage);
			jsonw_kstr(w, "expect_stage",
				   rw->moves[i].expect_stage);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		kbool(w, "archive_existing", rw->archive_existing);
		jsonw_key(w, "expect_in_stage");
		jsonw_arr_begin(w);
		for (size_t i = 0; i < rw->nexpect_in_stage; i++)
			jsonw_int(w, rw->expect_in_stage[i]);
		jsonw_arr_end(w);
	}
	jsonw_kstr(w, "event_key", rw->event_key);
	jsonw_kstr(w, "drop_key", rw->drop_key);
	jsonw_obj_end(w);
}

/* The --json answer of promote and rollback. */
static void json_outcome(const struct plan *p, const char *result,
			 const char *detail_key, const char *detail)
{
	struct history_event ev;
	struct jsonw w;

	jsonw_init(&w, stdout);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "plan");
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "summary", p->summary);
	jsonw_key(&w, "changes");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < p->nlines; i++)
		jsonw_str(&w, p->lines[i]);
	jsonw_arr_end(&w);
	jsonw_key(&w, "write");
	json_write(&w, &p->w);
	jsonw_obj_end(&w);
	jsonw_kstr(&w, "result", result);
	if (detail_key)
		jsonw_kstr(&w, detail_key, detail);
	if (history_decode(p->event_key, p->event_value, &ev) == 0) {
		jsonw_key(&w, "event");
		json_event(&w, p->event_key, &ev);
		history_event_free(&ev);
	}
	jsonw_obj_end(&w);
	fputc('\n', stdout);
}

static void plan_print(FILE *f, const char *model, const struct plan *p)
{
	char *m = sanitize_text(model);

	fprintf(f, "Plan for %s:\n", m);
	free(m);
	for (size_t i = 0; i < p->nlines; i++) {
		char *l = sanitize_text(p->lines[i]);

		fprintf(f, "  %s\n", l);
		free(l);
	}
}

struct confirm_ctx {
	const char *model;
	const struct plan *p;
};

static void confirm_show(FILE *tty, const void *ctx)
{
	const struct confirm_ctx *c = ctx;

	plan_print(tty, c->model, c->p);
}

static int confirm(const char *model, const struct plan *p)
{
	struct confirm_ctx c = {model, p};

	return cli_ask(confirm_show, &c);
}

struct write_result {
	bool done, ok;
};

static void write_done(struct store *s, bool ok, void *ud)
{
	struct write_result *r = ud;

	r->done = true;
	r->ok = ok;
}

static void audit(struct store *s, const struct plan *p, const char *result)
{
	char *err = NULL;

	if (audit_append(s->uri.display, p->w.model, p->event_value, result,
			 &err) != 0) {
		eprint("warning: audit log: ", err);
		free(err);
	}
}

/* The common end of promote and rollback: show, check, ask, write. */
static int carry_out(struct store *s, const struct cli_opts *o,
		     const struct registered_model *rm, struct plan *p,
		     int version, const struct cond *conds, size_t nconds)
{
	struct write_result wr = {0};
	char *msg = NULL;
	int rc;

	if (!o->json)
		plan_print(stdout, rm->name, p);
	if (nconds) {
		const struct model_version *mv = NULL;

		for (size_t i = 0; i < rm->nversions; i++)
			if (rm->versions[i].version == version)
				mv = &rm->versions[i];
		rc = mv ? conds_check(s, mv, conds, nconds, &msg) : 1;
		if (rc < 0)
			return EXIT_STORE;
		if (rc > 0) {
			eprint("condition not met: ", msg);
			if (o->json)
				json_outcome(p, "condition not met",
					     "condition", msg);
			free(msg);
			fflush(stdout);
			return EXIT_COND;
		}
		if (!o->json) {
			char *t = sanitize_text(msg);

			printf("condition met: %s\n", t);
			free(t);
		}
	}
	if (s->read_only) {
		if (o->json)
			json_outcome(p, "read-only", NULL, NULL);
		else
			puts("read-only: nothing written");
		free(msg);
		fflush(stdout);
		return EXIT_READ_ONLY;
	}
	if (!s->ops->registry_write) {
		fprintf(stderr, "mltop: %s: this store cannot write\n",
			s->uri.display);
		free(msg);
		return EXIT_STORE;
	}
	if (!o->yes) {
		fflush(stdout);
		rc = confirm(rm->name, p);
		if (rc < 0) {
			fputs("mltop: refusing to write without --yes (no "
			      "terminal to ask)\n", stderr);
			if (o->json)
				json_outcome(p, "declined", "error",
					     "refusing to write without --yes "
					     "(no terminal to ask)");
			free(msg);
			return EXIT_USAGE;
		}
		if (rc == 0) {
			if (o->json)
				json_outcome(p, "declined", NULL, NULL);
			else
				puts("declined: nothing written");
			free(msg);
			return EXIT_USAGE;
		}
	}
	free(msg);
	/* The intent first: a write killed before it finishes stays on
	 * record as started, and rollback can find it. */
	{
		char *aerr = NULL;

		if (audit_append(s->uri.display, p->w.model, p->event_value,
				 AUDIT_STARTED, &aerr) != 0) {
			eprint("nothing written: the audit log cannot record "
			       "the write: ", aerr);
			if (o->json)
				json_outcome(p, "failed", "error", aerr);
			free(aerr);
			return EXIT_STORE;
		}
	}
	model_set_error(s->model, NULL);
	s->ops->registry_write(s, &p->w, write_done, &wr);
	store_wait(s);
	if (wr.done && wr.ok && !s->model->error) {
		audit(s, p, "done");
		if (o->json) {
			json_outcome(p, "done", NULL, NULL);
		} else {
			char *t = sanitize_text(p->summary);

			printf("done: %s\n", t);
			free(t);
		}
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_STORE;
	}
	{
		const char *err = s->model->error ? s->model->error
						  : "the write did not finish";
		bool conflict = strncmp(err, "conflict:", 9) == 0;
		char *why = xasprintf("failed: %s", err);
		char *where = xasprintf("%s: ", s->uri.display);

		audit(s, p, conflict ? "refused" : why);
		eprint(where, err);
		if (o->json)
			json_outcome(p, conflict ? "conflict" : "failed",
				     "error", err);
		free(where);
		free(why);
		fflush(stdout);
		return conflict ? EXIT_CONFLICT : EXIT_STORE;
	}
}

/* A plan that cannot be made: a move since the last recorded one is a
 * conflict (3); anything else is a request that cannot be done (1). */
static int plan_refused(const struct plan *p)
{
	eprint("", p->error);
	return strstr(p->error, "moved outside mltop") ? EXIT_CONFLICT
						       : EXIT_USAGE;
}

static int parse_version(const char *s)
{
	char *end;
	long v;

	if (!s)
		return -1;
	if (*s == 'v' || *s == 'V')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno || v < 1 || v > 0x7fffffff)
		return -1;
	return (int)v;
}

int cli_promote(struct store *s, const struct cli_opts *o)
{
	struct registered_model *rm;
	struct cond *conds = NULL;
	long nconds = 0;
	struct plan p;
	char *who, *err = NULL;
	int rc, version = parse_version(o->version);

	if (version < 0) {
		eprint("promote: not a version number: ",
		       o->version ? o->version : "");
		return EXIT_USAGE;
	}
	if (!o->alias == !o->stage) {
		fputs("mltop: promote: give one of --alias A or --stage S\n",
		      stderr);
		return EXIT_USAGE;
	}
	if (o->archive_existing && !o->stage) {
		fputs("mltop: promote: --archive-existing goes with --stage\n",
		      stderr);
		return EXIT_USAGE;
	}
	if (o->cond) {
		nconds = conds_parse(o->cond, &conds, &err);
		if (nconds < 0) {
			eprint("--if: ", err);
			free(err);
			return EXIT_USAGE;
		}
	}
	rm = load_model(s, o->model, &rc);
	if (!rm) {
		conds_free(conds, (size_t)nconds);
		return rc;
	}
	who = history_who();
	if (o->alias)
		rc = plan_alias(rm, o->alias, version, who, o->note,
				clock_now_ms(), &p);
	else
		rc = plan_stage(rm, o->stage, version,
				o->archive_existing, who, o->note,
				clock_now_ms(), &p);
	free(who);
	if (rc != 0)
		rc = plan_refused(&p);
	else
		rc = carry_out(s, o, rm, &p, version, conds, (size_t)nconds);
	plan_free(&p);
	conds_free(conds, (size_t)nconds);
	return rc;
}

int cli_rollback(struct store *s, const struct cli_opts *o)
{
	struct registered_model *rm;
	struct plan p;
	char *who;
	int rc;

	if (!o->alias == !o->stage) {
		fputs("mltop: rollback: give one of --alias A or --stage S\n",
		      stderr);
		return EXIT_USAGE;
	}
	if (o->cond || o->archive_existing) {
		fprintf(stderr, "mltop: rollback: %s applies to promote only\n",
			o->cond ? "--if" : "--archive-existing");
		return EXIT_USAGE;
	}
	rm = load_model(s, o->model, &rc);
	if (!rm)
		return rc;
	history_add_interrupted(rm, s->uri.display);
	who = history_who();
	if (o->alias)
		rc = plan_rollback_alias(rm, o->alias, who, o->note,
					 clock_now_ms(), &p);
	else
		rc = plan_rollback_stage(rm, o->stage, who, o->note,
					 clock_now_ms(), &p);
	free(who);
	if (rc != 0)
		rc = plan_refused(&p);
	else
		rc = carry_out(s, o, rm, &p, 0, NULL, 0);
	plan_free(&p);
	return rc;
}
