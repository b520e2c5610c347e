/* compare.c: runs and experiments side by side, built from the model.
 * Pure: no terminal, no store; the view and `mltop compare` share it. */
#include "config.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "core/format.h"
#include "core/metric_pick.h"
#include "core/xmalloc.h"

/* --- direction --------------------------------------------------------- */

/* Is key one of the comma-separated items of list (spaces around an item
 * do not count; MLflow keys may hold inner spaces, so only commas split)? */
static bool list_has(const char *list, const char *key)
{
	size_t klen = strlen(key);
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ',');
		const char *a = p, *b = end ? end : p + strlen(p);

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (klen && (size_t)(b - a) == klen &&
		    memcmp(a, key, klen) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/* Words that say lower is better. A plain substring test would call
 * "answer_relevance" (wer) or "lower_bound" (wer) lower-is-better, so the
 * key is cut into words and each word is compared whole. */
static const char *const lower_words[] = {
	"loss", "error", "err", "mse", "mae", "rmse", "perplexity", "wer",
	"cer", "latency", "time",
};

static bool word_is_lower(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(lower_words) / sizeof(lower_words[0]);
	     i++) {
		const char *p = lower_words[i];
		size_t pn = strlen(p);

		if (n == pn && memcmp(w, p, n) == 0)
			return true;
		/* Plurals: errors, losses, times. */
		if (n == pn + 1 && memcmp(w, p, pn) == 0 && w[pn] == 's')
			return true;
		if (n == pn + 2 && memcmp(w, p, pn) == 0 && w[pn] == 'e' &&
		    w[pn + 1] == 's')
			return true;
	}
	/* Glued names: logloss, nllloss, trainloss, valerror. */
	if (n > 4 && memcmp(w + n - 4, "loss", 4) == 0)
		return true;
	if (n > 5 && memcmp(w + n - 5, "error", 5) == 0)
		return true;
	return false;
}

/* Word breaks: anything not a letter or digit; letters meeting digits;
 * a lower-case letter before an upper-case one (valLoss); the last
 * capital of a run before a lower-case letter (MSELoss -> MSE, Loss). */
static bool word_break(const char *k, size_t i)
{
	unsigned char a = (unsigned char)k[i - 1], b = (unsigned char)k[i];
	unsigned char c = (unsigned char)k[i + 1];

	if (!isdigit(a) != !isdigit(b))
		return true;
	if (islower(a) && isupper(b))
		return true;
	return isupper(a) && isupper(b) && islower(c);
}

/* Words of settings and counters: no value is better than another. */
static const char *const neutral_words[] = {
	"lr", "learning", "momentum", "epoch", "epochs", "step", "steps",
	"grad", "gradient", "batch", "warmup", "iter", "iteration",
	"iterations", "decay", "temperature", "beta", "beta1", "beta2",
};

static bool word_is_neutral(const char *w, size_t n)
{
	for (size_t i = 0;
	     i < sizeof(neutral_words) / sizeof(neutral_words[0]); i++)
		if (n == strlen(neutral_words[i]) &&
		    memcmp(w, neutral_words[i], n) == 0)
			return true;
	return false;
}

/* Does a word of the key match? (lower: the lower-is-better words.) */
static bool key_has_word(const char *key, bool lower)
{
	char word[128];
	size_t n = 0;

	for (size_t i = 0;; i++) {
		unsigned char ch = (unsigned char)key[i];
		bool alnum = ch < 0x80 && isalnum(ch);

		if (n && (!alnum || word_break(key, i))) {
			if (n < sizeof(word) && (lower ? word_is_lower(word, n)
						      : word_is_neutral(word, n)))
				return true;
			n = 0;
		}
		if (!ch)
			return false;
		if (alnum) {
			if (n < sizeof(word))
				word[n] = (char)tolower(ch);
			n++;
		}
	}
}

enum direction metric_direction(const char *key,
				 const struct direction_prefs *prefs)
{
	if (prefs && prefs->lower && list_has(prefs->lower, key))
		return DIR_LOWER;
	if (prefs && prefs->higher && list_has(prefs->higher, key))
		return DIR_HIGHER;
	if (prefs && prefs->neutral && list_has(prefs->neutral, key))
		return DIR_NEUTRAL;
	/* val_loss_epoch is a loss: lower words come first. */
	if (key_has_word(key, true))
		return DIR_LOWER;
	return key_has_word(key, false) ? DIR_NEUTRAL : DIR_HIGHER;
}

const char *direction_arrow(enum direction d, bool unicode)
{
	if (d == DIR_NEUTRAL)
		return "";
	if (d == DIR_LOWER)
		return unicode ? "↓" : "v";
	return unicode ? "↑" : "^";
}

/* MLflow stores infinities as +/-DBL_MAX: those are not finite either. */
static bool finite_value(double v)
{
	return !isnan(v) && !isinf(v) && !value_is_inf(v);
}

/* A finite value better than the best so far (NAN: none yet)? Ties keep
 * the earlier run. */
static bool better(double v, double best, enum direction d)
{
	if (!finite_value(v) || d == DIR_NEUTRAL)
		return false;
	if (isnan(best))
		return true;
	return d == DIR_LOWER ? v < best : v > best;
}

/* --- keys -------------------------------------------------------------- */

struct keyset {
	const char **v;      /* borrowed */
	size_t n, cap;
};

static void keyset_add(struct keyset *ks, const char *key)
{
	ks->v = xgrow(ks->v, &ks->cap, ks->n + 1, sizeof(*ks->v));
	ks->v[ks->n++] = key;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort and drop repeats. */
static void keyset_finish(struct keyset *ks)
{
	size_t w = 0;

	if (!ks->n)
		return;
	qsort(ks->v, ks->n, sizeof(*ks->v), str_cmp);
	for (size_t i = 0; i < ks->n; i++)
		if (w == 0 || strcmp(ks->v[w - 1], ks->v[i]) != 0)
			ks->v[w++] = ks->v[i];
	ks->n = w;
}

static bool same_value(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* values takes ownership of its strings. */
static void row_init(struct cmp_row *row, const char *key, char **values,
		     size_t n)
{
	row->key = xstrdup(key);
	row->values = values;
	row->differs = false;
	for (size_t i = 1; i < n; i++)
		if (!same_value(values[0], values[i]))
			row->differs = true;
}

static void rows_from_lists(struct cmp_row **out, size_t *nout,
			    struct run **runs, size_t n, bool tags)
{
	struct keyset ks = {0};

	for (size_t i = 0; i < n; i++) {
		const struct kv_list *l = tags ? &runs[i]->tags
					       : &runs[i]->params;

		for (size_t k = 0; k < l->n; k++)
			keyset_add(&ks, l->v[k].key);
	}
	keyset_finish(&ks);
	*out = ks.n ? xcalloc(ks.n, sizeof(**out)) : NULL;
	*nout = ks.n;
	for (size_t k = 0; k < ks.n; k++) {
		char **vals = xcalloc(n ? n : 1, sizeof(*vals));

		for (size_t i = 0; i < n; i++) {
			const struct kv_list *l = tags ? &runs[i]->tags
						       : &runs[i]->params;
			const char *v = kv_list_get(l, ks.v[k]);

			vals[i] = v ? xstrdup(v) : NULL;
		}
		row_init(&(*out)[k], ks.v[k], vals, n);
	}
	free(ks.v);
}

/* --- runs -------------------------------------------------------------- */

static char *info_value(const struct run *r, size_t which, int64_t now_ms)
{
	char buf[64];
	const char *v;

	switch (which) {
	case 0:
		return xstrdup(r->status_str ? r->status_str
					     : run_status_name(r->status));
	case 1:
		if (r->start_time <= 0)
			return NULL;
		format_time(r->start_time, buf, sizeof(buf));
		/* Minutes are enough to tell runs apart at a glance. */
		if (strlen(buf) > 16)
			buf[16] = '\0';
		return xstrdup(buf);
	case 2:
		if (r->start_time <= 0)
			return NULL;
		if (r->end_time > 0)
			format_duration(r->end_time - r->start_time, buf,
					sizeof(buf));
		else if (r->status == RUN_RUNNING)
			format_duration(now_ms - r->start_time, buf,
					sizeof(buf));
		else
			return NULL;
		return xstrdup(buf);
	case 3:
		v = r->user_id && *r->user_id ? r->user_id
			: kv_list_get(&r->tags, "mlflow.user");
		return v ? xstrdup(v) : NULL;
	case 4:
		v = kv_list_get(&r->tags, "mlflow.source.name");
		return v ? xstrdup(v) : NULL;
	default:
		return r->experiment_id ? xstrdup(r->experiment_id) : NULL;
	}
}

static const char *const info_keys[] = {
	"status", "start", "duration", "user", "source", "experiment",
};

#define NINFO (sizeof(info_keys) / sizeof(info_keys[0]))

static void metric_init(struct cmp_metric *m, const char *key,
			struct run **runs, size_t n,
			const struct direction_prefs *prefs)
{
	size_t have = 0;
	double best = NAN;

	m->key = xstrdup(key);
	m->dir = metric_direction(key, prefs);
	m->last = xcalloc(n ? n : 1, sizeof(*m->last));
	m->min = xcalloc(n ? n : 1, sizeof(*m->min));
	m->max = xcalloc(n ? n : 1, sizeof(*m->max));
	m->npoints = xcalloc(n ? n : 1, sizeof(*m->npoints));
	m->best = -1;
	for (size_t i = 0; i < n; i++) {
		const struct series *s = run_series(runs[i], key);

		m->last[i] = m->min[i] = m->max[i] = NAN;
		m->npoints[i] = 0;
		if (!s)
			continue;
		if (s->has_latest) {
			m->last[i] = s->latest.value;
			have++;
		}
		m->npoints[i] = s->n;
		for (size_t p = 0; p < s->n; p++) {
			double v = s->pts[p].value;

			if (!finite_value(v))
				continue;
			if (isnan(m->min[i]) || v < m->min[i])
				m->min[i] = v;
			if (isnan(m->max[i]) || v > m->max[i])
				m->max[i] = v;
		}
	}
	/* One run holding the metric is not a contest. */
	if (have < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		if (better(m->last[i], best, m->dir)) {
			best = m->last[i];
			m->best = (int)i;
		}
	}
}

void compare_build(struct comparison *c, struct run **runs, size_t n,
		   int64_t now_ms, const struct direction_prefs *prefs,
		   struct model *model)
{
	struct keyset ks = {0};

	memset(c, 0, sizeof(*c));
	c->nruns = n;
	c->runs = xcalloc(n ? n : 1, sizeof(*c->runs));
	if (n)
		memcpy(c->runs, runs, n * sizeof(*runs));

	c->ninfo = NINFO;
	c->info = xcalloc(NINFO, sizeof(*c->info));
	for (size_t k = 0; k < NINFO; k++) {
		char **vals = xcalloc(n ? n : 1, sizeof(*vals));

		for (size_t i = 0; i < n; i++) {
			struct experiment *e = model && k == NINFO - 1 &&
				runs[i]->experiment_id
				? model_experiment(model, runs[i]->experiment_id)
				: NULL;

			vals[i] = e && e->name ? xstrdup(e->name)
					       : info_value(runs[i], k, now_ms);
		}
		row_init(&c->info[k], info_keys[k], vals, n);
	}
	rows_from_lists(&c->params, &c->nparams, runs, n, false);
	rows_from_lists(&c->tags, &c->ntags, runs, n, true);

	for (size_t i = 0; i < n; i++)
		for (size_t m = 0; m < runs[i]->nmetrics; m++) {
			const struct series *s = &runs[i]->metrics[m];

			if (s->has_latest || s->n)
				keyset_add(&ks, s->key);
		}
	keyset_finish(&ks);
	c->nmetrics = ks.n;
	c->metrics = ks.n ? xcalloc(ks.n, sizeof(*c->metrics)) : NULL;
	for (size_t k = 0; k < ks.n; k++)
		metric_init(&c->metrics[k], ks.v[k], runs, n, prefs);
	free(ks.v);
}

static void rows_free(struct cmp_row *rows, size_t nrows, size_t n)
{
	for (size_t k = 0; k < nrows; k++) {
		for (size_t i = 0; i < n; i++)
			free(rows[k].values[i]);
		free(rows[k].values);
		free(rows[k].key);
	}
	free(rows);
}

void compare_free(struct comparison *c)
{
	rows_free(c->info, c->ninfo, c->nruns);
	rows_free(c->params, c->nparams, c->nruns);
	rows_free(c->tags, c->ntags, c->nruns);
	for (size_t k = 0; k < c->nmetrics; k++) {
		struct cmp_metric *m = &c->metrics[k];

		free(m->key);
		free(m->last);
		free(m->min);
		free(m->max);
		free(m->npoints);
	}
	free(c->metrics);
	free(c->runs);
	memset(c, 0, sizeof(*c));
}

/* --- experiments ------------------------------------------------------- */

static bool run_active(const struct run *r)
{
	return !r->lifecycle_stage || strcmp(r->lifecycle_stage, "active") == 0;
}

/* A param value that reads as a plain decimal number, in the C locale
 * whatever LC_NUMERIC says: "0.001", "1e-3", "64"; not "0x10", "inf",
 * "nan", " 1" or "". */
static bool param_number(const char *s, double *out)
{
	static locale_t c_loc;
	char *end;

	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789+-.eE", *p))
			return false;
	if (!c_loc)
		c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!c_loc)
		return false;
	*out = strtod_l(s, &end, c_loc);
	return end != s && !*end && isfinite(*out);
}

/* How many distinct text values a range names before "+N more". */
#define RANGE_SHOWN 3

static char *param_range(const struct experiment *e, const char *key)
{
	struct keyset vals = {0};
	double lo = INFINITY, hi = -INFINITY;
	bool numeric = true;
	char *out = NULL;

	for (size_t i = 0; i < e->nruns_loaded; i++) {
		const struct run *r = e->runs[i];
		const char *v;
		double x;

		if (!run_active(r))
			continue;
		v = kv_list_get(&r->params, key);
		if (!v)
			continue;
		keyset_add(&vals, v);
		if (numeric && param_number(v, &x)) {
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		} else {
			numeric = false;
		}
	}
	if (!vals.n)
		return NULL;
	if (numeric) {
		char a[40], b[40];

		format_value_exact(lo, a, sizeof(a));
		format_value_exact(hi, b, sizeof(b));
		out = lo == hi ? xstrdup(a) : xasprintf("%s .. %s", a, b);
	} else {
		size_t len = 0, cap = 64;

		keyset_finish(&vals);
		out = xmalloc(cap);
		out[0] = '\0';
		for (size_t i = 0; i < vals.n && i < RANGE_SHOWN; i++) {
			size_t vl = strlen(vals.v[i]);

			out = xgrow(out, &cap, len + vl + 3, 1);
			if (i) {
				memcpy(out + len, ", ", 2);
				len += 2;
			}
			memcpy(out + len, vals.v[i], vl + 1);
			len += vl;
		}
		if (vals.n > RANGE_SHOWN) {
			char *more = xasprintf("%s, +%zu more", out,
					       vals.n - RANGE_SHOWN);

			free(out);
			out = more;
		}
	}
	free(vals.v);
	return out;
}

void compare_experiments(struct exp_comparison *c, struct experiment **exps,
			 size_t n, const char *const *metric_keys,
			 size_t nkeys, size_t max_metrics,
			 const struct direction_prefs *prefs)
{
	struct keyset params = {0};

	memset(c, 0, sizeof(*c));
	c->nexps = n;
	c->exps = xcalloc(n ? n : 1, sizeof(*c->exps));

	if (metric_keys && nkeys) {
		c->metric_keys = xcalloc(nkeys, sizeof(*c->metric_keys));
		for (size_t k = 0; k < nkeys; k++)
			c->metric_keys[k] = xstrdup(metric_keys[k]);
		c->nmetric_keys = nkeys;
	} else {
		struct key_tally t = {0};
		size_t take;

		for (size_t x = 0; x < n; x++)
			for (size_t i = 0; i < exps[x]->nruns_loaded; i++) {
				const struct run *r = exps[x]->runs[i];

				if (!run_active(r))
					continue;
				for (size_t m = 0; m < r->nmetrics; m++) {
					const struct series *s = &r->metrics[m];

					/* A setting or counter has no
					 * best to show. */
					if (s->has_latest &&
					    metric_direction(s->key, prefs) !=
					    DIR_NEUTRAL)
						key_tally_add(&t, s->key);
				}
			}
		key_tally_rank(&t);
		take = max_metrics && max_metrics < t.n ? max_metrics : t.n;
		c->metric_keys = xcalloc(take ? take : 1,
					 sizeof(*c->metric_keys));
		for (size_t k = 0; k < take; k++)
			c->metric_keys[k] = xstrdup(t.v[k].key);
		c->nmetric_keys = take;
		key_tally_free(&t);
	}

	for (size_t x = 0; x < n; x++) {
		struct cmp_experiment *ce = &c->exps[x];
		struct experiment *e = exps[x];
		size_t nk = c->nmetric_keys;

		ce->e = e;
		ce->best = xcalloc(nk ? nk : 1, sizeof(*ce->best));
		ce->best_run = xcalloc(nk ? nk : 1, sizeof(*ce->best_run));
		for (size_t k = 0; k < nk; k++)
			ce->best[k] = NAN;
		for (size_t i = 0; i < e->nruns_loaded; i++) {
			struct run *r = e->runs[i];

			if (!run_active(r))
				continue;
			ce->nruns++;
			switch (r->status) {
			case RUN_RUNNING:
				ce->nrunning++;
				break;
			case RUN_FINISHED:
				ce->nfinished++;
				break;
			case RUN_FAILED:
				ce->nfailed++;
				break;
			case RUN_KILLED:
				ce->nkilled++;
				break;
			default:
				break;
			}
			for (size_t k = 0; k < nk; k++) {
				const char *key = c->metric_keys[k];
				const struct series *s = run_series(r, key);

				if (s && s->has_latest &&
				    better(s->latest.value, ce->best[k],
					   metric_direction(key, prefs))) {
					ce->best[k] = s->latest.value;
					ce->best_run[k] = r;
				}
			}
			for (size_t p = 0; p < r->params.n; p++)
				keyset_add(&params, r->params.v[p].key);
		}
	}
	keyset_finish(&params);
	c->nparams = params.n;
	c->params = params.n ? xcalloc(params.n, sizeof(*c->params)) : NULL;
	for (size_t p = 0; p < params.n; p++) {
		c->params[p].key = xstrdup(params.v[p]);
		c->params[p].range = xcalloc(n ? n : 1,
					     sizeof(*c->params[p].range));
		for (size_t x = 0; x < n; x++)
			c->params[p].range[x] = param_range(exps[x],
							    params.v[p]);
	}
	free(params.v);
}

void compare_experiments_free(struct exp_comparison *c)
{
	for (size_t x = 0; x < c->nexps; x++) {
		free(c->exps[x].best);
		free(c->exps[x].best_run);
	}
	free(c->exps);
	for (size_t k = 0; k < c->nmetric_keys; k++)
		free(c->metric_keys[k]);
	free(c->metric_keys);
	for (size_t p = 0; p < c->nparams; p++) {
		for (size_t x = 0; x < c->nexps; x++)
			free(c->params[p].range[x]);
		free(c->params[p].range);
		free(c->params[p].key);
	}
	free(c->params);
	memset(c, 0, sizeof(*c));
}

/* --- smoothing --------------------------------------------------------- */

/* TensorBoard's smoothing: an exponential moving average started at 0
 * and debiased, so the first points are not dragged towards 0. Over the
 * finite points x_1, x_2, ... (k counts only those):
 *
 *	acc_0 = 0
 *	acc_k = w * acc_(k-1) + (1 - w) * x_k
 *	out_k = acc_k / (1 - w^k)
 *
 * out_1 is x_1 exactly; later points weigh the past by w. NaN and
 * infinities (MLflow's +/-DBL_MAX too) are copied and leave the average
 * alone. A series whose finite values are all equal is copied as is, so
 * rounding never draws a flat line as wobbly. w >= 1 would never move:
 * it is held just below 1. */
void ema_smooth(const double *in, double *out, size_t n, double weight)
{
	double acc = 0, wk = 1, first = NAN;
	bool constant = true;

	for (size_t i = 0; i < n; i++) {
		if (!finite_value(in[i]))
			continue;
		if (isnan(first))
			first = in[i];
		else if (in[i] != first)
			constant = false;
	}
	if (!(weight > 0) || constant) {
		if (out != in && n)
			memmove(out, in, n * sizeof(*out));
		return;
	}
	if (weight > 0.999)
		weight = 0.999;
	for (size_t i = 0; i < n; i++) {
		double x = in[i];

		if (!finite_value(x)) {
			out[i] = x;
			continue;
		}
		acc = weight * acc + (1 - weight) * x;
		wk *= weight;
		out[i] = acc / (1 - wk);
	}
}
