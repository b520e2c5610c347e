/* engine.c: rules matched against the model after each refresh. */
#include "config.h"

#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/engine.h"
#include "compare/compare.h"
#include "config/options.h"
#include "core/format.h"
#include "core/jsonw.h"
#include "core/statefile.h"
#include "core/xmalloc.h"
#include "pipeline/pipeline.h"
#include "store/model.h"

#define STATE_NAME "alerts"
/* A stall needs at least this long without a point, however fast the
 * run logged before (a refresh every 2 s sees no interval below it). */
#define STALL_FLOOR_MS 10000
/* Logging intervals kept a run, for its median. */
#define NIV 16

/* What a rule remembers of one run (or one run's metric) between checks. */
struct alert_track {
	char *key;            /* NULL: an empty slot */
	uint32_t pass;        /* the check that last touched it */
	int64_t last;         /* interval track: the newest point's time */
	int64_t iv[NIV];      /* the last intervals between new points */
	int niv, ivpos;
	int64_t since;        /* "for" track: since when it held (0: not) */
	int64_t stall_act;    /* interval track: the activity a stall alert
			       * not over yet is about (0: none) */
	double best;          /* plateau track: the best value so far */
	int64_t best_step;
	int dir;              /* plateau track: the metric's direction, */
	uint32_t dir_epoch;   /* as the settings were at this epoch */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* A key in buf when it fits (the common case: no allocation on every
 * check), else allocated; key_done frees only the latter. */
static char *keyf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *keyf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int len;
	char *out;

	va_start(ap, fmt);
	len = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	if (len >= 0 && (size_t)len < n)
		return buf;
	out = xmalloc((size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(out, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return out;
}

static void key_done(char *key, const char *buf)
{
	if (key != buf)
		free(key);
}

/* --- tracks: open addressing, rebuilt on growth and sweep ---------------- */

static void tracks_insert_raw(struct alert_track *tab, size_t cap,
			      struct alert_track *t)
{
	size_t i = hash_str(t->key) & (cap - 1);

	while (tab[i].key)
		i = (i + 1) & (cap - 1);
	tab[i] = *t;
}

static void tracks_rehash(struct alert_engine *eng, size_t cap,
			  bool drop_stale)
{
	struct alert_track *tab = xcalloc(cap, sizeof(*tab));
	size_t n = 0;

	for (size_t i = 0; i < eng->captracks; i++) {
		struct alert_track *t = &eng->tracks[i];

		if (!t->key)
			continue;
		if (drop_stale && t->pass != eng->pass) {
			free(t->key);
			continue;
		}
		tracks_insert_raw(tab, cap, t);
		n++;
	}
	free(eng->tracks);
	eng->tracks = tab;
	eng->captracks = cap;
	eng->ntracks = n;
}

static struct alert_track *track(struct alert_engine *eng, const char *key)
{
	size_t i;

	if ((eng->ntracks + 1) * 2 > eng->captracks)
		tracks_rehash(eng, eng->captracks ? eng->captracks * 2 : 64,
			      false);
	i = hash_str(key) & (eng->captracks - 1);
	while (eng->tracks[i].key) {
		if (!strcmp(eng->tracks[i].key, key)) {
			eng->tracks[i].pass = eng->pass;
			return &eng->tracks[i];
		}
		i = (i + 1) & (eng->captracks - 1);
	}
	memset(&eng->tracks[i], 0, sizeof(eng->tracks[i]));
	eng->tracks[i].key = xstrdup(key);
	eng->tracks[i].pass = eng->pass;
	eng->tracks[i].best = NAN;
	eng->ntracks++;
	return &eng->tracks[i];
}

/* --- the alerted keys ----------------------------------------------------- */

static void index_rebuild(struct alert_engine *eng)
{
	size_t cap = 64;

	while (cap < eng->n * 2 + 2)
		cap *= 2;
	free(eng->index);
	eng->index = xcalloc(cap, sizeof(*eng->index));
	eng->index_cap = cap;
	for (size_t k = 0; k < eng->n; k++) {
		size_t i = hash_str(eng->v[k].key) & (cap - 1);

		while (eng->index[i])
			i = (i + 1) & (cap - 1);
		eng->index[i] = k + 1;
	}
}

static struct alert *find_alert(struct alert_engine *eng, const char *key)
{
	size_t i;

	if (!eng->index_cap)
		return NULL;
	i = hash_str(key) & (eng->index_cap - 1);
	while (eng->index[i]) {
		struct alert *a = &eng->v[eng->index[i] - 1];

		if (!strcmp(a->key, key))
			return a;
		i = (i + 1) & (eng->index_cap - 1);
	}
	return NULL;
}

/* --- the keys said: every alert's, kept beyond the alerts shown -------- */

static size_t said_slot(const struct alert_engine *eng, const char *key)
{
	size_t i = hash_str(key) & (eng->said_cap - 1);

	while (eng->said_index[i] &&
	       strcmp(eng->said[eng->said_index[i] - 1], key))
		i = (i + 1) & (eng->said_cap - 1);
	return i;
}

static void said_reindex(struct alert_engine *eng)
{
	size_t cap = 64;

	while (cap < eng->nsaid * 2 + 2)
		cap *= 2;
	free(eng->said_index);
	eng->said_index = xcalloc(cap, sizeof(*eng->said_index));
	eng->said_cap = cap;
	for (size_t k = 0; k < eng->nsaid; k++)
		eng->said_index[said_slot(eng, eng->said[k])] = k + 1;
}

static bool said_has(const struct alert_engine *eng, const char *key)
{
	return eng->said_cap && eng->said_index[said_slot(eng, key)];
}

static void said_add(struct alert_engine *eng, const char *key)
{
	if (said_has(eng, key))
		return;
	if (eng->nsaid >= SAID_KEEP) {
		/* The oldest go: their runs ended long ago. */
		size_t drop = SAID_KEEP / 4;

		for (size_t i = 0; i < drop; i++)
			free(eng->said[i]);
		memmove(eng->said, eng->said + drop,
			(eng->nsaid - drop) * sizeof(*eng->said));
		eng->nsaid -= drop;
		said_reindex(eng);
	}
	eng->said = xgrow(eng->said, &eng->capsaid, eng->nsaid + 1,
			  sizeof(*eng->said));
	eng->said[eng->nsaid++] = xstrdup(key);
	if (eng->nsaid * 2 > eng->said_cap)
		said_reindex(eng);
	else
		eng->said_index[said_slot(eng, key)] = eng->nsaid;
}

static void alert_free_fields(struct alert *a)
{
	free(a->key);
	free(a->rule);
	free(a->run_id);
	free(a->run_name);
	free(a->exp_id);
	free(a->exp_name);
	free(a->metric);
	free(a->detail);
}

static void count_unacked(struct alert_engine *eng)
{
	eng->nunacked = 0;
	for (size_t i = 0; i < eng->n; i++)
		if (!eng->v[i].acked)
			eng->nunacked++;
}

/* Keep the newest ALERT_KEEP. */
static void trim(struct alert_engine *eng)
{
	size_t drop;

	if (eng->n <= ALERT_KEEP)
		return;
	drop = eng->n - ALERT_KEEP;
	for (size_t i = 0; i < drop; i++)
		alert_free_fields(&eng->v[i]);
	memmove(eng->v, eng->v + drop, (eng->n - drop) * sizeof(*eng->v));
	eng->n -= drop;
	eng->gen++;
	index_rebuild(eng);
}

static struct alert *add_fields(struct alert_engine *eng, const char *key,
				const char *rule, enum rule_kind kind,
				const char *exp_id, const char *exp_name,
				const char *run_id, const char *run_name,
				const char *metric, double value, int64_t step,
				int64_t now, char *detail)
{
	struct alert *a;

	eng->v = xgrow(eng->v, &eng->cap, eng->n + 1, sizeof(*eng->v));
	a = &eng->v[eng->n++];
	memset(a, 0, sizeof(*a));
	a->key = xstrdup(key);
	a->rule = xstrdup(rule);
	a->kind = kind;
	a->run_id = xstrdup(run_id ? run_id : "");
	a->run_name = xstrdup(run_name ? run_name : "");
	a->exp_id = xstrdup(exp_id ? exp_id : "");
	a->exp_name = xstrdup(exp_name ? exp_name : "");
	a->metric = metric ? xstrdup(metric) : NULL;
	a->value = value;
	a->step = step;
	a->time_ms = now;
	a->detail = detail;
	a->fresh = true;
	said_add(eng, key);
	eng->dirty = true;
	eng->gen++;
	if ((eng->n + 1) * 2 > eng->index_cap)
		index_rebuild(eng);
	else {
		size_t i = hash_str(a->key) & (eng->index_cap - 1);

		while (eng->index[i])
			i = (i + 1) & (eng->index_cap - 1);
		eng->index[i] = eng->n;
	}
	eng->nunacked++;
	return a;
}

static struct alert *add(struct alert_engine *eng, const char *key,
			 const char *rule, enum rule_kind kind,
			 const struct experiment *e, const struct run *r,
			 const char *metric, double value, int64_t step,
			 int64_t now, char *detail)
{
	return add_fields(eng, key, rule, kind, e->id, e->name, r->id,
			  r->name, metric, value, step, now, detail);
}

struct alert_settings alert_settings_from_options(void)
{
	return (struct alert_settings){
		.nan = opt_bool(OPT_ALERT_NAN),
		.failed = opt_bool(OPT_ALERT_FAILED),
		.pipeline = opt_bool(OPT_ALERT_PIPELINE),
		.stall_factor = opt_number(OPT_ALERT_STALL),
		.stall_ms = (int64_t)(opt_number(OPT_STALL) * 1000),
		.plateau_steps = (int64_t)opt_number(OPT_ALERT_PLATEAU),
		.lookback_ms = (int64_t)(opt_number(OPT_ALERT_LOOKBACK) * 1000),
		.lower = opt_string(OPT_METRIC_LOWER),
		.higher = opt_string(OPT_METRIC_HIGHER),
		.neutral = opt_string(OPT_METRIC_NEUTRAL),
	};
}

/* --- the state file -------------------------------------------------------- */

char *alert_json(const struct alert *a, const char *uri)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jsonw w;
	static const char *const kinds[] = {
		[RULE_NAN] = "nan", [RULE_STALL] = "stall",
		[RULE_FAILED] = "failed", [RULE_PLATEAU] = "plateau",
		[RULE_THRESHOLD] = "threshold", [RULE_PIPELINE] = "pipeline",
	};

	if (!f)
		return xstrdup("{}");
	jsonw_init(&w, f);
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "rule", a->rule);
	jsonw_kstr(&w, "kind", kinds[a->kind]);
	jsonw_kstr(&w, "run_id", a->run_id);
	jsonw_kstr(&w, "run_name", a->run_name);
	jsonw_kstr(&w, "experiment_id", a->exp_id);
	jsonw_kstr(&w, "experiment_name", a->exp_name);
	jsonw_kstr(&w, "metric", a->metric);
	jsonw_key(&w, "value");
	if (isnan(a->value) && a->kind != RULE_NAN)
		jsonw_null(&w);
	else
		jsonw_double(&w, a->value);
	jsonw_key(&w, "step");
	if (a->step < 0)
		jsonw_null(&w);
	else
		jsonw_int(&w, a->step);
	jsonw_kint(&w, "time", a->time_ms);
	if (a->kind == RULE_STALL)
		jsonw_kint(&w, "last_activity", a->last_ms);
	jsonw_kstr(&w, "detail", a->detail);
	if (a->kind == RULE_PIPELINE) {
		jsonw_kstr(&w, "pipeline", a->exp_id);
		jsonw_kstr(&w, "pipeline_run", a->run_id);
		jsonw_kstr(&w, "task", a->metric);
	}
	jsonw_kstr(&w, "tracking_uri", uri);
	jsonw_kstr(&w, "key", a->key);
	jsonw_key(&w, "acknowledged");
	jsonw_bool(&w, a->acked);
	jsonw_key(&w, "cleared");
	jsonw_bool(&w, a->cleared);
	jsonw_obj_end(&w);
	fclose(f);
	return buf;
}

static char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? xstrdup(s) : NULL;
}

static void load_one(const char *k2, const char *value, void *ud)
{
	struct alert_engine *eng = ud;

	/* An empty value: a key said, whose alert left the list. */
	if (*value)
		alert_engine_add_saved(eng, k2, value);
	said_add(eng, k2);
}

void alert_engine_add_saved(struct alert_engine *eng, const char *k2,
			    const char *value)
{
	json_t *o = json_loads(value, 0, NULL);
	json_t *v;
	struct alert *a;
	const char *kind;

	if (!json_is_object(o) || find_alert(eng, k2)) {
		json_decref(o);
		return;
	}
	eng->v = xgrow(eng->v, &eng->cap, eng->n + 1, sizeof(*eng->v));
	a = &eng->v[eng->n++];
	memset(a, 0, sizeof(*a));
	a->key = xstrdup(k2);
	a->rule = jstr(o, "rule");
	if (!a->rule)
		a->rule = xstrdup("?");
	kind = json_string_value(json_object_get(o, "kind"));
	a->kind = !kind ? RULE_THRESHOLD : !strcmp(kind, "nan") ? RULE_NAN
		: !strcmp(kind, "stall") ? RULE_STALL
		: !strcmp(kind, "failed") ? RULE_FAILED
		: !strcmp(kind, "plateau") ? RULE_PLATEAU
		: !strcmp(kind, "pipeline") ? RULE_PIPELINE : RULE_THRESHOLD;
	a->run_id = jstr(o, "run_id");
	a->run_name = jstr(o, "run_name");
	a->exp_id = jstr(o, "experiment_id");
	a->exp_name = jstr(o, "experiment_name");
	a->metric = jstr(o, "metric");
	a->detail = jstr(o, "detail");
	if (!a->run_id)
		a->run_id = xstrdup("");
	if (!a->run_name)
		a->run_name = xstrdup("");
	if (!a->exp_id)
		a->exp_id = xstrdup("");
	if (!a->exp_name)
		a->exp_name = xstrdup("");
	v = json_object_get(o, "value");
	a->value = json_is_number(v) ? json_number_value(v)
		 : json_is_string(v) && !strcmp(json_string_value(v), "NaN")
		 ? NAN : json_is_string(v) ? (json_string_value(v)[0] == '-'
					      ? -INFINITY : INFINITY) : NAN;
	v = json_object_get(o, "step");
	a->step = json_is_integer(v) ? json_integer_value(v) : -1;
	v = json_object_get(o, "last_activity");
	a->last_ms = json_is_integer(v) ? json_integer_value(v) : 0;
	v = json_object_get(o, "time");
	a->time_ms = json_is_integer(v) ? json_integer_value(v) : 0;
	a->acked = json_is_true(json_object_get(o, "acknowledged"));
	a->cleared = json_is_true(json_object_get(o, "cleared"));
	json_decref(o);
	index_rebuild(eng);
	count_unacked(eng);
	eng->gen++;
}

static int by_time(const void *pa, const void *pb)
{
	const struct alert *a = pa, *b = pb;

	return (a->time_ms > b->time_ms) - (a->time_ms < b->time_ms);
}

struct alert_engine *alert_engine_new(const char *uri,
				      const struct alert_settings *set,
				      const struct rule_set *rules,
				      bool persist, int64_t now_ms)
{
	struct alert_engine *eng = xcalloc(1, sizeof(*eng));

	eng->uri = xstrdup(uri ? uri : "");
	alert_engine_configure(eng, set);
	eng->rules = rules;
	eng->started_ms = now_ms;
	eng->dir_epoch = 1;  /* a new track's 0 is never current */
	eng->persist = persist;
	index_rebuild(eng);
	if (persist) {
		char *err = NULL;

		if (statefile_each(STATE_NAME, eng->uri, load_one, eng,
				   &err) < 0)
			eng->state_error = err;
		if (eng->n > 1)
			qsort(eng->v, eng->n, sizeof(*eng->v), by_time);
		index_rebuild(eng);
		trim(eng);
		count_unacked(eng);
	}
	return eng;
}

static bool same_text(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

void alert_engine_configure(struct alert_engine *eng,
			    const struct alert_settings *set)
{
	if (!same_text(eng->set.lower, set->lower) ||
	    !same_text(eng->set.higher, set->higher) ||
	    !same_text(eng->set.neutral, set->neutral))
		eng->dir_epoch++;
	free((char *)eng->set.lower);
	free((char *)eng->set.higher);
	free((char *)eng->set.neutral);
	eng->set = *set;
	/* The lists are copied: a :set may replace the strings given. */
	eng->set.lower = set->lower ? xstrdup(set->lower) : NULL;
	eng->set.higher = set->higher ? xstrdup(set->higher) : NULL;
	eng->set.neutral = set->neutral ? xstrdup(set->neutral) : NULL;
}

void alert_engine_free(struct alert_engine *eng)
{
	if (!eng)
		return;
	for (size_t i = 0; i < eng->n; i++)
		alert_free_fields(&eng->v[i]);
	free(eng->v);
	for (size_t i = 0; i < eng->captracks; i++)
		free(eng->tracks[i].key);
	free(eng->tracks);
	free(eng->index);
	for (size_t i = 0; i < eng->nsaid; i++)
		free(eng->said[i]);
	free(eng->said);
	free(eng->said_index);
	free(eng->uri);
	free(eng->state_error);
	free((char *)eng->set.lower);
	free((char *)eng->set.higher);
	free((char *)eng->set.neutral);
	free(eng);
}

int alert_save(struct alert_engine *eng)
{
	const char **k2, **vals;
	size_t n = 0;
	char *err = NULL;
	int rc;

	if (!eng->persist || !eng->dirty)
		return 0;
	k2 = xcalloc(eng->nsaid + eng->n + 1, sizeof(*k2));
	vals = xcalloc(eng->nsaid + eng->n + 1, sizeof(*vals));
	/* Keys said whose alerts left the list first (value ""), then the
	 * alerts shown, oldest first. */
	for (size_t i = 0; i < eng->nsaid; i++)
		if (!find_alert(eng, eng->said[i])) {
			k2[n] = eng->said[i];
			vals[n++] = xstrdup("");
		}
	for (size_t i = 0; i < eng->n; i++) {
		k2[n] = eng->v[i].key;
		vals[n++] = alert_json(&eng->v[i], NULL);
	}
	rc = statefile_put_all(STATE_NAME, eng->uri, k2, vals, n, &err);
	for (size_t i = 0; i < n; i++)
		free((char *)vals[i]);
	free(k2);
	free(vals);
	free(eng->state_error);
	eng->state_error = rc ? err : NULL;
	if (rc == 0)
		eng->dirty = false;
	return rc;
}

void alert_ack(struct alert_engine *eng, size_t i)
{
	for (size_t k = 0; k < eng->n; k++)
		if ((i == (size_t)-1 || k == i) && !eng->v[k].acked) {
			eng->v[k].acked = true;
			eng->dirty = true;
			eng->gen++;
		}
	count_unacked(eng);
}

void alert_take_fresh(struct alert_engine *eng,
		      void (*fn)(const struct alert *a, void *ud), void *ud)
{
	for (size_t i = 0; i < eng->n; i++)
		if (eng->v[i].fresh) {
			eng->v[i].fresh = false;
			if (fn)
				fn(&eng->v[i], ud);
		}
}

static const char *value_text(double v, char *buf, size_t n)
{
	if (isnan(v))
		return "NaN";
	if (isinf(v) || value_is_inf(v))
		return v > 0 ? "Inf" : "-Inf";
	snprintf(buf, n, "%.6g", v);
	return buf;
}

char *alert_summary(const struct alert *a)
{
	char vb[40];

	if (a->kind == RULE_NAN)
		return xasprintf("%s in %s at step %lld",
				 value_text(a->value, vb, sizeof(vb)),
				 a->metric ? a->metric : "?",
				 (long long)a->step);
	return xstrdup(a->detail ? a->detail : a->rule);
}

/* --- the rules ------------------------------------------------------------- */

static bool bad_value(double v)
{
	return isnan(v) || isinf(v) || value_is_inf(v);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The run's median logging interval as seen by the checks, or from a
 * fetched history; 0 when not known yet. */
static int64_t median_interval(struct alert_track *t, const struct run *r)
{
	int64_t tmp[NIV];
	int n = 0;

	if (t->niv >= 3) {
		memcpy(tmp, t->iv, (size_t)t->niv * sizeof(*tmp));
		n = t->niv;
	} else {
		for (size_t i = 0; i < r->nmetrics && n == 0; i++) {
			const struct series *s = &r->metrics[i];

			if (s->n < 4)
				continue;
			for (size_t k = s->n - 1; k > 0 && n < NIV; k--)
				if (s->pts[k].timestamp > s->pts[k - 1].timestamp)
					tmp[n++] = s->pts[k].timestamp -
						   s->pts[k - 1].timestamp;
			if (n < 3)
				n = 0;
		}
	}
	if (n == 0)
		return 0;
	qsort(tmp, (size_t)n, sizeof(*tmp), cmp_i64);
	return tmp[n / 2];
}

static int64_t activity(const struct run *r)
{
	int64_t a = r->last_point_ms;

	if (r->start_time > a)
		a = r->start_time;
	if (r->child_activity_ms > a)
		a = r->child_activity_ms;
	return a;
}

static void check_stall(struct alert_engine *eng, const struct experiment *e,
			const struct run *r, int64_t now, size_t *nnew)
{
	char kb[256], *key = keyf(kb, sizeof(kb), "iv|%s", r->id);
	struct alert_track *t = track(eng, key);
	int64_t act = activity(r), limit = eng->set.stall_ms, med;

	key_done(key, kb);
	if (r->last_point_ms > t->last) {
		if (t->last > 0) {
			t->iv[t->ivpos] = r->last_point_ms - t->last;
			t->ivpos = (t->ivpos + 1) % NIV;
			if (t->niv < NIV)
				t->niv++;
		}
		t->last = r->last_point_ms;
	}
	/* Logging again: a stall alerted for it is over. */
	if (t->stall_act && t->stall_act != act) {
		struct alert *a;

		key = xasprintf("stall|%s|%lld", r->id,
				(long long)t->stall_act);
		a = find_alert(eng, key);
		free(key);
		if (a && !a->cleared) {
			a->cleared = true;
			eng->dirty = true;
			eng->gen++;
		}
		t->stall_act = 0;
	}
	med = eng->set.stall_factor > 0 ? median_interval(t, r) : 0;
	if (med > 0) {
		limit = (int64_t)(eng->set.stall_factor * (double)med);
		if (limit < STALL_FLOOR_MS)
			limit = STALL_FLOOR_MS;
	}
	if (limit <= 0 || now - act <= limit)
		return;
	key = xasprintf("stall|%s|%lld", r->id, (long long)act);
	if (!said_has(eng, key)) {
		char quiet[32], lim[32], *d;

		format_duration(now - act, quiet, sizeof(quiet));
		format_duration(limit, lim, sizeof(lim));
		d = xasprintf("no new point for %s (limit %s%s)", quiet, lim,
			      med > 0 ? ", from its own pace" : "");
		add(eng, key, "stall", RULE_STALL, e, r, NULL, NAN, -1, now,
		    d)->last_ms = act;
		t->stall_act = act;
		(*nnew)++;
	} else {
		/* Said before (a restart): still the one to end. */
		struct alert *a = find_alert(eng, key);

		if (a && !a->cleared)
			t->stall_act = act;
	}
	free(key);
}

/* The first NaN or Inf of a metric: its latest value, or a point of
 * the history fetched (for a sparkline or a chart) that a later value
 * hid from the latest; the history is read once, from where the last
 * check stopped. */
static void check_nan(struct alert_engine *eng, const struct experiment *e,
		      const struct run *r, const struct series *s,
		      int64_t now, size_t *nnew)
{
	const struct point *bad = NULL;
	char kb[512], *key;

	if (s->has_latest && bad_value(s->latest.value))
		bad = &s->latest;
	if (!bad && s->n) {
		struct alert_track *t;

		key = keyf(kb, sizeof(kb), "seen|%s|%s", r->id, s->key);
		t = track(eng, key);
		key_done(key, kb);
		for (size_t k = (size_t)t->last < s->n ? (size_t)t->last : 0;
		     k < s->n && !bad; k++)
			if (bad_value(s->pts[k].value))
				bad = &s->pts[k];
		t->last = (int64_t)s->n;
	}
	if (!bad)
		return;
	key = keyf(kb, sizeof(kb), "nan|%s|%s", r->id, s->key);
	if (!said_has(eng, key)) {
		add(eng, key, "nan", RULE_NAN, e, r, s->key, bad->value,
		    bad->step, now, NULL);
		(*nnew)++;
	}
	key_done(key, kb);
}

static bool glob_ok(const char *glob, const char *a, const char *b)
{
	return !glob || (a && fnmatch(glob, a, 0) == 0) ||
	       (b && fnmatch(glob, b, 0) == 0);
}

static void check_plateau(struct alert_engine *eng,
			  const struct experiment *e, const struct run *r,
			  const struct series *s, const char *rule,
			  int64_t steps, int64_t now, size_t *nnew)
{
	const struct direction_prefs prefs = {
		eng->set.lower, eng->set.higher, eng->set.neutral,
	};
	enum direction d;
	char kb[512], *key = keyf(kb, sizeof(kb), "best|%s|%s|%s", rule, r->id,
				  s->key);
	struct alert_track *t = track(eng, key);
	double v = s->latest.value;

	key_done(key, kb);
	/* The direction once a track (a check costs no word matching). */
	if (t->dir_epoch != eng->dir_epoch) {
		t->dir = (int)metric_direction(s->key, &prefs);
		t->dir_epoch = eng->dir_epoch;
	}
	d = (enum direction)t->dir;
	if (d == DIR_NEUTRAL || bad_value(v))
		return;
	if (isnan(t->best) || (d == DIR_LOWER ? v < t->best : v > t->best)) {
		t->best = v;
		t->best_step = s->latest.step;
		return;
	}
	if (s->latest.step - t->best_step < steps)
		return;
	key = xasprintf("%s|%s|%s|%lld", rule, r->id, s->key,
			(long long)t->best_step);
	if (!said_has(eng, key)) {
		add(eng, key, rule, RULE_PLATEAU, e, r, s->key, v,
		    s->latest.step, now,
		    xasprintf("no better %s than %.6g (step %lld) for %lld "
			      "steps", s->key, t->best,
			      (long long)t->best_step,
			      (long long)(s->latest.step - t->best_step)));
		(*nnew)++;
	}
	free(key);
}

static void check_rule(struct alert_engine *eng, const struct alert_rule *u,
		       enum direction d, const struct experiment *e,
		       struct run *r, bool running, int64_t now, size_t *nnew)
{
	struct series *s;
	char *key;
	bool cond;

	if (!glob_ok(u->exp_glob, e->name, e->id) ||
	    !glob_ok(u->run_glob, r->name, r->id))
		return;
	s = run_series(r, u->metric);
	if (!s || !s->has_latest)
		return;
	if (u->kind == RULE_PLATEAU) {
		if (running)
			check_plateau(eng, e, r, s, u->name, u->steps, now,
				      nnew);
		return;
	}
	cond = rule_compare(u, s->latest.value, d == DIR_LOWER,
			    d == DIR_NEUTRAL) &&
	       s->latest.step >= u->after_steps;
	if (u->for_ms > 0) {
		struct alert_track *t;

		if (!running)
			return;
		char kb[512];

		key = keyf(kb, sizeof(kb), "for|%s|%s", u->name, r->id);
		t = track(eng, key);
		key_done(key, kb);
		if (!cond) {
			t->since = 0;
			return;
		}
		if (!t->since)
			t->since = now;
		if (now - t->since < u->for_ms)
			return;
	} else if (!cond) {
		return;
	}
	key = xasprintf("rule|%s|%s", u->name, r->id);
	if (!said_has(eng, key)) {
		add(eng, key, u->name, RULE_THRESHOLD, e, r, u->metric,
		    s->latest.value, s->latest.step, now,
		    xasprintf("%s = %.6g at step %lld", u->metric,
			      s->latest.value, (long long)s->latest.step));
		(*nnew)++;
	}
	free(key);
}

/* A failed pipeline run or task, once. */
static void pipe_alert(struct alert_engine *eng, const struct pipe_dag *dag,
		       const char *dag_id, const char *run, const char *name,
		       const char *task, int map, int try, int64_t now,
		       size_t *nnew)
{
	char *key = task ? xasprintf("task|%s|%s|%s|%d|%d", dag_id, run, task,
				     map, try)
			 : xasprintf("pipe|%s|%s", dag_id, run);

	if (!said_has(eng, key)) {
		char *d = task ? (map >= 0
				  ? xasprintf("task %s[%d] failed (try %d)",
					      task, map, try)
				  : xasprintf("task %s failed (try %d)", task,
					      try))
			       : xstrdup("pipeline run failed");

		add_fields(eng, key, "pipeline", RULE_PIPELINE, dag_id,
			   dag && dag->display ? dag->display : dag_id, run,
			   name ? name : run, task, NAN, -1, now, d);
		(*nnew)++;
	}
	free(key);
}

static const struct pipe_dag *find_dag(const struct pipe_model *pm,
				       const char *id)
{
	for (size_t i = 0; id && i < pm->ndags; i++)
		if (!strcmp(pm->dags[i].id, id))
			return &pm->dags[i];
	return NULL;
}

static void check_pipes(struct alert_engine *eng, const struct pipe_model *pm,
			int64_t cutoff, int64_t now, size_t *nnew)
{
	/* The runs of the pipeline read (its runs view and below). */
	for (size_t i = 0; pm->runs_dag && i < pm->nruns; i++) {
		const struct pipe_run *r = &pm->runs[i];

		if (r->state == PS_FAILED &&
		    (r->end_ms ? r->end_ms : r->start_ms) >= cutoff)
			pipe_alert(eng, find_dag(pm, r->dag_id), r->dag_id,
				   r->run_id, r->name, NULL, -1, 0, now, nnew);
	}
	/* The tasks of the run read: a task that failed for good (not one
	 * up for retry). */
	for (size_t i = 0; pm->tasks_run && i < pm->ntasks; i++) {
		const struct pipe_task *t = &pm->tasks[i];

		if (t->state == PS_FAILED && t->end_ms >= cutoff)
			pipe_alert(eng, find_dag(pm, pm->tasks_dag),
				   pm->tasks_dag, pm->tasks_run, NULL,
				   t->task_id, t->map_index, t->try_number, now,
				   nnew);
	}
	/* The pipelines list: each pipeline's newest runs carry no times, so
	 * a failure counts when it was not there at the first look. */
	for (size_t i = 0; i < pm->ndags; i++) {
		const struct pipe_dag *d = &pm->dags[i];
		char *key = xasprintf("pdag|%s", d->id);
		struct alert_track *t = track(eng, key);
		bool first = t->since == 0;

		free(key);
		t->since = 1;
		for (int k = 0; k < d->nrecent && k < PIPE_RECENT; k++) {
			struct alert_track *b;

			if (!d->recent_ids[k])
				continue;
			key = xasprintf("pbase|%s|%s", d->id, d->recent_ids[k]);
			b = track(eng, key);
			free(key);
			if (!first && !b->since && d->recent[k] == PS_FAILED)
				pipe_alert(eng, d, d->id, d->recent_ids[k],
					   NULL, NULL, -1, 0, now, nnew);
			b->since = 1;
		}
	}
}

size_t alert_check(struct alert_engine *eng, struct model *m, int64_t now)
{
	return alert_check_all(eng, m, NULL, now);
}

size_t alert_check_all(struct alert_engine *eng, struct model *m,
		       const struct pipe_model *pm, int64_t now)
{
	int64_t cutoff = eng->started_ms - eng->set.lookback_ms;
	size_t nnew = 0, nrules = eng->rules ? eng->rules->n : 0;
	const struct direction_prefs prefs = {
		eng->set.lower, eng->set.higher, eng->set.neutral,
	};
	enum direction *dirs = xcalloc(nrules + 1, sizeof(*dirs));

	/* Each rule's metric's direction, once a check. */
	for (size_t i = 0; i < nrules; i++)
		dirs[i] = metric_direction(eng->rules->v[i].metric, &prefs);
	eng->pass++;
	if (pm && eng->set.pipeline)
		check_pipes(eng, pm, cutoff, now, &nnew);
	for (size_t x = 0; x < m->nexps; x++) {
		struct experiment *e = m->exps[x];

		for (size_t k = 0; k < e->nruns_loaded; k++) {
			struct run *r = e->runs[k];
			bool running = r->status == RUN_RUNNING;
			char *key;

			/* A run that ended long before mltop looked is
			 * history, not news (tested first: most runs are,
			 * and it reads nothing outside the run). */
			if (!running && (r->end_time ? r->end_time
					 : r->start_time) < cutoff)
				continue;
			if (r->retired || (r->lifecycle_stage &&
					   !strcmp(r->lifecycle_stage,
						   "deleted")))
				continue;
			if (eng->set.failed && (r->status == RUN_FAILED ||
						r->status == RUN_KILLED)) {
				key = xasprintf("failed|%s", r->id);
				if (!said_has(eng, key)) {
					add(eng, key, "failed", RULE_FAILED, e,
					    r, NULL, NAN, -1, now,
					    xasprintf("run ended %s",
						      run_status_name(
							      r->status)));
					nnew++;
				}
				free(key);
			}
			if (eng->set.nan)
				for (size_t i = 0; i < r->nmetrics; i++)
					check_nan(eng, e, r, &r->metrics[i],
						  now, &nnew);
			if (running)
				check_stall(eng, e, r, now, &nnew);
			if (running && eng->set.plateau_steps > 0)
				for (size_t i = 0; i < r->nmetrics; i++)
					if (r->metrics[i].has_latest)
						check_plateau(
							eng, e, r,
							&r->metrics[i],
							"plateau",
							eng->set.plateau_steps,
							now, &nnew);
			for (size_t i = 0; i < nrules; i++)
				check_rule(eng, &eng->rules->v[i], dirs[i], e,
					   r, running, now, &nnew);
		}
	}
	/* What no run touched lately is forgotten (every 32 checks: a
	 * sweep rebuilds the table). */
	if (eng->ntracks && eng->pass % 32 == 0)
		tracks_rehash(eng, eng->captracks, true);
	free(dirs);
	if (nnew)
		trim(eng);
	return nnew;
}
