/* demo.c: creates the demo store behind mltop --demo.
 * MLflow's own schema, then experiments, runs and models as its client writes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/xmalloc.h"
#include "demo/demo.h"

#define MIN_MS   (60 * 1000LL)
#define HOUR_MS  (60 * MIN_MS)
#define DAY_MS   (24 * HOUR_MS)
#define NO_TIME  INT64_MIN      /* binds as NULL: no end_time yet */

/* ---- deterministic randomness (splitmix64) ---- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unif(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_range(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unif(r);
}

static double rng_gauss(struct rng *r)
{
	double u = rng_unif(r), v = rng_unif(r);

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void rng_hex(struct rng *r, char *out, size_t nhex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < nhex; i++)
		out[i] = digits[rng_next(r) & 15];
	out[nhex] = '\0';
}

/* A run id as MLflow makes it: uuid4().hex. */
static void rng_run_id(struct rng *r, char out[33])
{
	static const char variant[] = "89ab";

	rng_hex(r, out, 32);
	out[12] = '4';
	out[16] = variant[rng_next(r) & 3];
}

/* ---- what the demo holds ---- */

enum curve { C_DECAY, C_RISE, C_LR, C_NOISY };
enum sched { S_NONE, S_STEP, S_COSINE, S_LINEAR };

struct metric_def {
	const char *key;
	enum curve curve;
	double start;          /* value at step 0 */
	double bad, good;      /* where a poor / a good run ends */
	double noise;
	int every;             /* logged every n steps */
	double overfit;        /* late drift of validation metrics */
};

struct exp_def {
	const char *name;
	double age_d;                   /* created this many days ago */
	const char *tags;               /* "key=value\n"... */
	const char *source;             /* mlflow.source.name */
	int git;                        /* runs from a git checkout */
	const struct metric_def *metrics;
	size_t nmetrics;
};

static const struct metric_def m_default[] = {
	{ "loss", C_DECAY, 1.0, 0.20, 0.05, 0.05, 1, 0 },
};

static const struct metric_def m_cifar[] = {
	{ "train_loss", C_DECAY, 2.30, 0.45, 0.02, 0.03, 1, 0 },
	{ "val_loss", C_DECAY, 2.25, 0.95, 0.22, 0.04, 1, 0.6 },
	{ "train_acc", C_RISE, 0.10, 0.85, 0.995, 0.006, 1, 0 },
	{ "val_acc", C_RISE, 0.10, 0.72, 0.955, 0.008, 1, 0.03 },
	{ "lr", C_LR, 0, 0, 0, 0, 1, 0 },
};

static const struct metric_def m_bert[] = {
	{ "train_loss", C_DECAY, 0.69, 0.30, 0.08, 0.12, 1, 0 },
	{ "eval_loss", C_DECAY, 0.69, 0.38, 0.19, 0.02, 10, 0.15 },
	{ "eval_accuracy", C_RISE, 0.50, 0.86, 0.962, 0.004, 10, 0.01 },
	{ "learning_rate", C_LR, 0, 0, 0, 0, 1, 0 },
	{ "grad_norm", C_NOISY, 4.0, 0, 0, 0.35, 1, 0 },
};

static const struct metric_def m_churn[] = {
	{ "train_logloss", C_DECAY, 0.69, 0.33, 0.12, 0.003, 1, 0 },
	{ "valid_logloss", C_DECAY, 0.69, 0.42, 0.31, 0.004, 1, 0.25 },
	{ "valid_auc", C_RISE, 0.50, 0.78, 0.89, 0.002, 1, 0.02 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* EXP_NIGHTLY is seeded last (seed_pipeline), so the random draws of the
 * others stay as they were. */
enum { EXP_DEFAULT, EXP_CIFAR, EXP_BERT, EXP_CHURN, EXP_NIGHTLY, NEXP };

static const struct exp_def exps[NEXP] = {
	{ "Default", 30, "", "test_smoke.py", 1,
	  m_default, NELEM(m_default) },
	{ "cifar10-resnet", 21,
	  "mlflow.note.content=ResNet baselines on CIFAR-10 "
	  "(50k train / 10k test images).\n"
	  "team=vision\ndataset=cifar10\n",
	  "train_cifar.py", 1, m_cifar, NELEM(m_cifar) },
	{ "bert-finetune-sst2", 14,
	  "mlflow.note.content=Fine-tuning encoders on GLUE SST-2 "
	  "sentiment.\n"
	  "team=nlp\ndataset=glue/sst2\n",
	  "finetune_sst2.py", 1, m_bert, NELEM(m_bert) },
	{ "churn-lightgbm", 10,
	  "mlflow.note.content=Customer churn: gradient boosting on the "
	  "monthly account snapshot.\n"
	  "team=growth\ndataset=churn-snapshot\n",
	  "/usr/local/lib/python3.11/site-packages/ipykernel_launcher.py", 0,
	  m_churn, NELEM(m_churn) },
	{ "churn-nightly", 40,
	  "mlflow.note.content=The nightly retraining pipeline, as nested "
	  "runs: one parent a night, a child a stage.\n"
	  "team=growth\n",
	  "pipelines/nightly_retrain.py", 1, m_churn, NELEM(m_churn) },
};

enum {
	F_DELETED = 1,         /* deleted later by the user */
	F_EXPLODE = 2,         /* gradients blow up: +Inf, then NaN loss */
	F_PARENT = 4,          /* a sweep: the runs after it are its trials */
};

struct run_def {
	int exp;
	const char *name;
	const char *status;
	int steps;             /* points logged */
	int planned;           /* steps the run was meant to take */
	double age_h;          /* started this many hours ago */
	double dur_min;
	double quality;        /* 0 poor .. 1 good */
	const char *user;
	enum sched sched;
	const char *params;    /* "key=value\n"..., values as Python's str() */
	const char *tags;
	int flags;
};

#define CIFAR_SGD(model, lr, bs, ep, wd, aug, sch) \
	"model=" model "\noptimizer=sgd\nlr=" lr "\nmomentum=0.9\n" \
	"batch_size=" bs "\nepochs=" ep "\nweight_decay=" wd "\n" \
	"augment=" aug "\nscheduler=" sch "\nseed=42\n"
#define BERT(model, lr, bs, ep) \
	"model_name=" model "\nlearning_rate=" lr "\n" \
	"per_device_train_batch_size=" bs "\nnum_train_epochs=" ep "\n" \
	"warmup_ratio=0.1\nmax_seq_length=128\nweight_decay=0.01\n" \
	"optimizer=adamw_torch\nseed=13\n"
#define LGBM(boost, lr, leaves, n) \
	"objective=binary\nboosting_type=" boost "\nlearning_rate=" lr "\n" \
	"num_leaves=" leaves "\nn_estimators=" n "\nfeature_fraction=0.8\n" \
	"bagging_fraction=0.9\nmin_child_samples=20\nseed=7\n"

static const struct run_def runs[] = {
	{ EXP_DEFAULT, "smoke-test", "FINISHED", 50, 50, 700, 2, 0.8,
	  "svc-train", S_NONE, "lr=0.01\nepochs=1\n", "", 0 },

	{ EXP_CIFAR, "resnet18-baseline", "FINISHED", 100, 100, 500, 55,
	  0.55, "dev01", S_STEP,
	  CIFAR_SGD("resnet18", "0.1", "128", "100", "0.0005", "standard",
		    "step"), "gpu=RTX-4090\n", 0 },
	{ EXP_CIFAR, "resnet34-sgd", "FINISHED", 150, 150, 470, 110, 0.7,
	  "dev01", S_STEP,
	  CIFAR_SGD("resnet34", "0.1", "128", "150", "0.0005", "standard",
		    "step"), "gpu=RTX-4090\n", 0 },
	{ EXP_CIFAR, "resnet50-cosine", "FINISHED", 200, 200, 400, 200, 0.85,
	  "dev02", S_COSINE,
	  CIFAR_SGD("resnet50", "0.1", "128", "200", "0.0005", "standard",
		    "cosine"), "gpu=A100-40GB\n", 0 },
	{ EXP_CIFAR, "resnet18-mixup", "FINISHED", 120, 120, 300, 65, 0.65,
	  "dev02", S_STEP,
	  CIFAR_SGD("resnet18", "0.1", "128", "120", "0.0005", "mixup",
		    "step"), "gpu=RTX-4090\n", 0 },
	{ EXP_CIFAR, "resnet34-adamw", "FINISHED", 100, 100, 250, 80, 0.6,
	  "dev02", S_COSINE,
	  "model=resnet34\noptimizer=adamw\nlr=0.001\nbatch_size=256\n"
	  "epochs=100\nweight_decay=0.05\naugment=standard\n"
	  "scheduler=cosine\nseed=42\n", "gpu=A100-40GB\n", 0 },
	{ EXP_CIFAR, "resnet50-long", "FINISHED", 300, 300, 180, 330, 0.95,
	  "svc-train", S_COSINE,
	  CIFAR_SGD("resnet50", "0.1", "128", "300", "0.0005", "autoaugment",
		    "cosine"),
	  "gpu=A100-40GB\n"
	  "mlflow.note.content=Long schedule; the production candidate.\n",
	  0 },
	{ EXP_CIFAR, "resnet50-bs512", "KILLED", 63, 200, 150, 70, 0.8,
	  "dev01", S_COSINE,
	  CIFAR_SGD("resnet50", "0.4", "512", "200", "0.0005", "standard",
		    "cosine"), "gpu=A100-40GB\n", 0 },
	{ EXP_CIFAR, "resnet18-debug", "FINISHED", 50, 50, 140, 20, 0.3,
	  "dev02", S_STEP,
	  CIFAR_SGD("resnet18", "0.1", "64", "50", "0.0005", "none", "step"),
	  "gpu=RTX-4090\n", F_DELETED },

	{ EXP_BERT, "bert-base-lr2e-5", "FINISHED", 200, 200, 320, 45, 0.6,
	  "dev02", S_LINEAR, BERT("bert-base-uncased", "2e-05", "32", "3"),
	  "", 0 },
	{ EXP_BERT, "distilbert-lr5e-5", "FINISHED", 150, 150, 300, 25, 0.45,
	  "dev01", S_LINEAR,
	  BERT("distilbert-base-uncased", "5e-05", "64", "3"), "", 0 },
	{ EXP_BERT, "roberta-base-lr3e-5", "FINISHED", 250, 250, 200, 60,
	  0.8, "dev02", S_LINEAR, BERT("roberta-base", "3e-05", "32", "4"),
	  "", 0 },
	{ EXP_BERT, "ベースライン-α", "FINISHED", 180, 180, 170, 50, 0.5,
	  "dev01", S_LINEAR,
	  BERT("bert-base-multilingual-cased", "1e-05", "32", "3"), "", 0 },
	{ EXP_BERT, "roberta-large-lr1e-3", "FAILED", 88, 300, 120, 22, 0.7,
	  "dev01", S_LINEAR, BERT("roberta-large", "0.001", "16", "3"),
	  "", F_EXPLODE },
	{ EXP_BERT, "roberta-large-lr1e-5", "FINISHED", 300, 300, 100, 150,
	  0.95, "svc-train", S_LINEAR,
	  BERT("roberta-large", "1e-05", "16", "3"), "", 0 },

	{ EXP_CHURN, "baseline-gbdt", "FINISHED", 100, 100, 230, 3, 0.5,
	  "analyst", S_NONE, LGBM("gbdt", "0.05", "31", "100"), "", 0 },
	{ EXP_CHURN, "lr-sweep", "FINISHED", 0, 0, 150, 30, 0, "analyst",
	  S_NONE, "n_trials=4\nsearch=grid\nobjective=binary\n"
	  "metric=valid_auc\n", "sweep=learning_rate\n", F_PARENT },
	{ EXP_CHURN, "trial-0", "FINISHED", 300, 300, 0, 0, 0.55, "analyst",
	  S_NONE, LGBM("gbdt", "0.01", "63", "300"), "", 0 },
	{ EXP_CHURN, "trial-1", "FINISHED", 300, 300, 0, 0, 0.9, "analyst",
	  S_NONE, LGBM("gbdt", "0.03", "63", "300"), "", 0 },
	{ EXP_CHURN, "trial-2", "FINISHED", 300, 300, 0, 0, 0.8, "analyst",
	  S_NONE, LGBM("gbdt", "0.1", "63", "300"), "", 0 },
	{ EXP_CHURN, "trial-3", "FINISHED", 300, 300, 0, 0, 0.35, "analyst",
	  S_NONE, LGBM("gbdt", "0.3", "63", "300"), "", 0 },
	{ EXP_CHURN, "dart-boosting", "FINISHED", 200, 200, 60, 12, 0.85,
	  "analyst", S_NONE, LGBM("dart", "0.05", "63", "200"), "", 0 },
};

#define SWEEP_TRIALS 4

/* Runs still training: their points follow demo_live_value(), which the
 * trainer goes on with. */
struct live_def {
	int exp;
	const char *name;
	double age_min;
	int points;
	const char *user;
	const char *params;
};

static const struct live_def lives[] = {
	{ EXP_CIFAR, "resnet50-wd5e-4", 10, 28, "dev01",
	  CIFAR_SGD("resnet50", "0.1", "128", "200", "0.0005", "autoaugment",
		    "cosine") },
	{ EXP_CIFAR, "resnet101-cutmix", 4, 11, "dev02",
	  CIFAR_SGD("resnet101", "0.1", "128", "200", "0.0005", "cutmix",
		    "cosine") },
	{ EXP_BERT, "deberta-v3-base", 7, 20, "svc-train",
	  BERT("microsoft/deberta-v3-base", "2e-05", "32", "3") },
};

#define NRUNS NELEM(runs)
#define NLIVES NELEM(lives)

/* ---- the seeding context ---- */

#define STMT_CACHE 32

struct seed {
	sqlite3 *db;
	struct rng rng;
	int64_t now;
	char *root;                     /* artifact root, ".../mlruns" */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
	size_t ncache;
	char *err;
	char ids[NRUNS][33];
	int64_t start[NRUNS], end[NRUNS];
	double final_auc[NRUNS];        /* valid_auc at the end, for sweeps */
	char live_ids[NLIVES][33];
};

static int seed_fail(struct seed *s, const char *what)
{
	if (!s->err)
		s->err = xasprintf("%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static sqlite3_stmt *stmt_get(struct seed *s, const char *sql)
{
	size_t i;

	for (i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql)
			return s->cache[i].st;
	if (s->ncache == STMT_CACHE) {
		if (!s->err)
			s->err = xstrdup("statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &s->cache[i].st, NULL)) {
		seed_fail(s, "preparing a statement");
		return NULL;
	}
	s->cache[i].sql = sql;
	s->ncache++;
	return s->cache[i].st;
}

/* Run one statement; types has one letter per argument: s (text, NULL
 * binds NULL), i (int64_t), I (int64_t, NO_TIME binds NULL), d (double). */
static int q(struct seed *s, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = stmt_get(s, sql);
	va_list ap;
	int i, rc;

	if (!st)
		return -1;
	va_start(ap, types);
	for (i = 0; types[i]; i++) {
		const char *t;
		int64_t v;

		switch (types[i]) {
		case 's':
			t = va_arg(ap, const char *);
			if (t)
				sqlite3_bind_text(st, i + 1, t, -1,
						  SQLITE_STATIC);
			else
				sqlite3_bind_null(st, i + 1);
			break;
		case 'i':
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'I':
			v = va_arg(ap, int64_t);
			if (v == NO_TIME)
				sqlite3_bind_null(st, i + 1);
			else
				sqlite3_bind_int64(st, i + 1, v);
			break;
		case 'd':
			sqlite3_bind_double(st, i + 1, va_arg(ap, double));
			break;
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return seed_fail(s, "seeding the demo store");
	return 0;
}

static const char sql_exp[] =
	"INSERT INTO experiments (experiment_id, name, artifact_location, "
	"lifecycle_stage, creation_time, last_update_time) "
	"VALUES (?, ?, ?, 'active', ?, ?)";
static const char sql_default_exp[] =
	"UPDATE experiments SET artifact_location = ?, creation_time = ?, "
	"last_update_time = ? WHERE experiment_id = 0";
static const char sql_exp_tag[] =
	"INSERT INTO experiment_tags (key, value, experiment_id) "
	"VALUES (?, ?, ?)";
/* The deprecated source columns hold what the client writes today. */
static const char sql_run[] =
	"INSERT INTO runs (run_uuid, name, source_type, source_name, "
	"entry_point_name, user_id, status, start_time, end_time, "
	"source_version, lifecycle_stage, artifact_uri, experiment_id, "
	"deleted_time) VALUES (?, ?, 'UNKNOWN', '', '', ?, ?, ?, ?, '', ?, "
	"?, ?, ?)";
static const char sql_tag[] =
	"INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)";
static const char sql_param[] =
	"INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)";
static const char sql_metric[] =
	"INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
	"VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_latest[] =
	"INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, "
	"run_uuid) VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_model[] =
	"INSERT INTO registered_models (name, creation_time, "
	"last_updated_time, description) VALUES (?, ?, ?, ?)";
static const char sql_model_tag[] =
	"INSERT INTO registered_model_tags (key, value, name) VALUES (?, ?, ?)";
static const char sql_version[] =
	"INSERT INTO model_versions (name, version, creation_time, "
	"last_updated_time, description, user_id, current_stage, source, "
	"run_id, status, status_message, run_link, storage_location) "
	"VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, 'READY', NULL, NULL, ?)";
static const char sql_version_tag[] =
	"INSERT INTO model_version_tags (key, value, name, version) "
	"VALUES (?, ?, ?, ?)";
static const char sql_alias[] =
	"INSERT INTO registered_model_aliases (alias, version, name) "
	"VALUES (?, ?, ?)";

/* Insert "key=value\n" pairs with one statement taking (key, value, id). */
static int insert_pairs(struct seed *s, const char *sql, const char *pairs,
			const char *id_type, const char *sid, int64_t iid)
{
	const char *p = pairs;

	while (*p) {
		const char *eq = strchr(p, '='), *nl = strchr(p, '\n');
		char *key, *val;
		int rc;

		if (!nl)
			nl = p + strlen(p);
		if (!eq || eq > nl) {
			s->err = xasprintf("bad demo pair list near '%s'", p);
			return -1;
		}
		key = xstrndup(p, (size_t)(eq - p));
		val = xstrndup(eq + 1, (size_t)(nl - eq - 1));
		if (*id_type == 's')
			rc = q(s, sql, "sss", key, val, sid);
		else
			rc = q(s, sql, "ssi", key, val, iid);
		free(key);
		free(val);
		if (rc < 0)
			return -1;
		p = *nl ? nl + 1 : nl;
	}
	return 0;
}

static double param_double(const char *params, const char *key)
{
	size_t n = strlen(key);
	const char *p = params;

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == '=')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* ---- experiments ---- */

static int seed_experiment(struct seed *s, int64_t i)
{
	const struct exp_def *e = &exps[i];
	int64_t t = s->now - (int64_t)(e->age_d * DAY_MS) +
		    (int64_t)rng_range(&s->rng, 0, HOUR_MS);
	char *loc = xasprintf("%s/%lld", s->root, (long long)i);
	int rc;

	if (i == EXP_DEFAULT)
		rc = q(s, sql_default_exp, "sii", loc, t, t);
	else
		rc = q(s, sql_exp, "issii", i, e->name, loc, t, t);
	free(loc);
	if (rc < 0 || insert_pairs(s, sql_exp_tag, e->tags, "i", NULL, i) < 0)
		return -1;
	return 0;
}

static int seed_experiments(struct seed *s)
{
	for (int64_t i = 0; i < EXP_NIGHTLY; i++)
		if (seed_experiment(s, i) < 0)
			return -1;
	return 0;
}

/* ---- runs ---- */

static int run_insert(struct seed *s, const char *id, int exp,
		      const char *name, const char *user, const char *status,
		      int64_t start, int64_t end, int deleted,
		      int64_t deleted_time)
{
	char *uri = xasprintf("%s/%d/%s/artifacts", s->root, exp, id);
	char commit[41];
	int rc;

	rc = q(s, sql_run, "ssssiIssiI", id, name, user, status, start, end,
	       deleted ? "deleted" : "active", uri, (int64_t)exp,
	       deleted_time);
	free(uri);
	if (rc < 0)
		return -1;
	/* In the order the client sets them. */
	if (q(s, sql_tag, "sss", "mlflow.user", user, id) < 0 ||
	    q(s, sql_tag, "sss", "mlflow.source.name", exps[exp].source,
	      id) < 0 ||
	    q(s, sql_tag, "sss", "mlflow.source.type", "LOCAL", id) < 0)
		return -1;
	if (exps[exp].git) {
		rng_hex(&s->rng, commit, 40);
		if (q(s, sql_tag, "sss", "mlflow.source.git.commit", commit,
		      id) < 0)
			return -1;
	}
	return 0;
}

static int run_name_tag(struct seed *s, const char *id, const char *name)
{
	return q(s, sql_tag, "sss", "mlflow.runName", name, id);
}

/* Store a value the way MLflow does: NaN as 0 with is_nan set, and
 * infinities clamped to the largest finite double. */
static double mlflow_value(double v, int *is_nan)
{
	*is_nan = isnan(v) ? 1 : 0;
	if (*is_nan)
		return 0;
	if (isinf(v))
		return v > 0 ? DBL_MAX : -DBL_MAX;
	return v;
}

/* One metric's history and its latest_metrics row, where the latest is
 * the point with the highest (step, timestamp, stored value). */
struct series {
	const char *key;
	const char *run_id;
	int have;
	int64_t step, ts;
	double value;
	int is_nan;
};

static int series_add(struct seed *s, struct series *m, int64_t step,
		      int64_t ts, double v)
{
	int is_nan;

	v = mlflow_value(v, &is_nan);
	if (q(s, sql_metric, "sdisii", m->key, v, ts, m->run_id, step,
	      (int64_t)is_nan) < 0)
		return -1;
	if (!m->have || step > m->step ||
	    (step == m->step && (ts > m->ts ||
				 (ts == m->ts && v > m->value)))) {
		m->have = 1;
		m->step = step;
		m->ts = ts;
		m->value = v;
		m->is_nan = is_nan;
	}
	return 0;
}

static int series_done(struct seed *s, const struct series *m)
{
	if (!m->have)
		return 0;
	return q(s, sql_latest, "sdiiis", m->key, m->value, m->ts, m->step,
		 (int64_t)m->is_nan, m->run_id);
}

struct shape {
	int planned;
	double quality;
	double tau;            /* how fast the run learns, in run fractions */
	double overfit;        /* this run's share of the metric's overfit */
	double lr;
	enum sched sched;
};

static double lr_at(const struct shape *sh, int step)
{
	double t = sh->planned > 1 ? (double)step / (sh->planned - 1) : 1;
	double warm;

	switch (sh->sched) {
	case S_STEP:
		return sh->lr * (t < 0.5 ? 1 : t < 0.75 ? 0.1 : 0.01);
	case S_COSINE:
		warm = 0.05;
		if (t < warm)
			return sh->lr * (step + 1) / (warm * sh->planned);
		return sh->lr * 0.5 * (1 + cos(M_PI * (t - warm) / (1 - warm)));
	case S_LINEAR:
		warm = 0.1;
		if (t < warm)
			return sh->lr * (step + 1) / (warm * sh->planned);
		return sh->lr * (1 - t) / (1 - warm);
	case S_NONE:
	default:
		return sh->lr;
	}
}

static double curve_at(struct seed *s, const struct metric_def *m,
		       const struct shape *sh, int step)
{
	double t = sh->planned > 1 ? (double)step / (sh->planned - 1) : 1;
	double end = m->bad + (m->good - m->bad) * sh->quality;
	double late = t > 0.5 ? (t - 0.5) * (t - 0.5) : 0;
	double v, g = rng_gauss(&s->rng);

	switch (m->curve) {
	case C_DECAY:
		v = end + (m->start - end) * exp(-t / sh->tau);
		v += m->overfit * sh->overfit * late;
		v *= 1 + m->noise * g;
		return v > 1e-4 ? v : 1e-4;
	case C_RISE:
		v = end - (end - m->start) * exp(-t / sh->tau);
		v -= m->overfit * sh->overfit * late;
		v += m->noise * g;
		return v < 0 ? 0 : v > 1 ? 1 : v;
	case C_LR:
		return lr_at(sh, step);
	case C_NOISY:
	default:
		return m->start * (0.5 + 0.5 * exp(-t / 0.3)) *
		       exp(m->noise * g);
	}
}

/* The loss runs away over the last steps of an exploding run: the
 * gradient norm overflows to +Inf, then the loss turns NaN and the run
 * dies. */
static double explode(const struct metric_def *m, int step, int last,
		      double v)
{
	int k = step - (last - 12);

	if (k <= 0 || m->curve == C_LR)
		return v;
	if (m->curve == C_NOISY) {
		if (step == last - 1)
			return INFINITY;
		if (step == last)
			return NAN;
		return v * exp(0.9 * k);
	}
	if (!strcmp(m->key, "train_loss"))
		return step == last ? NAN : v * exp(0.3 * k);
	return v;
}

/* Write a finished (or failed, or killed) run's metrics. */
static int seed_metrics(struct seed *s, size_t ri, int64_t start,
			int64_t end)
{
	const struct run_def *r = &runs[ri];
	const struct exp_def *e = &exps[r->exp];
	struct series ser[8];
	struct shape sh;
	int64_t span = end - start, dt;
	size_t k;
	int i;

	sh.planned = r->planned;
	sh.quality = r->quality;
	sh.tau = rng_range(&s->rng, 0.12, 0.3);
	sh.overfit = rng_range(&s->rng, 0.2, 1.0) * (1.2 - r->quality);
	sh.lr = param_double(r->params, "lr") +
		param_double(r->params, "learning_rate");
	sh.sched = r->sched;
	memset(ser, 0, sizeof(ser));
	for (k = 0; k < e->nmetrics; k++) {
		ser[k].key = e->metrics[k].key;
		ser[k].run_id = s->ids[ri];
	}
	/* setup before the first step, a short tail after the last */
	dt = span / (r->steps + 1);
	for (i = 0; i < r->steps; i++) {
		int64_t ts = start + dt * (i + 1) +
			     (int64_t)(rng_range(&s->rng, -0.2, 0.2) * dt);
		int last = i == r->steps - 1;

		for (k = 0; k < e->nmetrics; k++) {
			const struct metric_def *m = &e->metrics[k];
			double v;

			if (i % m->every && !(last && !(r->flags & F_EXPLODE)))
				continue;
			v = curve_at(s, m, &sh, i);
			if (r->flags & F_EXPLODE)
				v = explode(m, i, r->steps - 1, v);
			if (m->curve == C_RISE && !strcmp(m->key, "valid_auc"))
				s->final_auc[ri] = v;
			if (series_add(s, &ser[k], i, ts, v) < 0)
				return -1;
		}
	}
	for (k = 0; k < e->nmetrics; k++)
		if (series_done(s, &ser[k]) < 0)
			return -1;
	return 0;
}

static int seed_run(struct seed *s, size_t ri, int64_t start, int64_t end)
{
	const struct run_def *r = &runs[ri];
	int deleted = !!(r->flags & F_DELETED);

	s->start[ri] = start;
	s->end[ri] = end;
	return run_insert(s, s->ids[ri], r->exp, r->name, r->user, r->status,
			  start, end, deleted,
			  deleted ? end + 2 * HOUR_MS : NO_TIME);
}

static int run_finish(struct seed *s, size_t ri)
{
	const struct run_def *r = &runs[ri];

	if (insert_pairs(s, sql_param, r->params, "s", s->ids[ri], 0) < 0 ||
	    insert_pairs(s, sql_tag, r->tags, "s", s->ids[ri], 0) < 0)
		return -1;
	if (r->steps && seed_metrics(s, ri, s->start[ri], s->end[ri]) < 0)
		return -1;
	return 0;
}

static int seed_runs(struct seed *s)
{
	size_t ri, j;

	for (ri = 0; ri < NRUNS; ri++)
		rng_run_id(&s->rng, s->ids[ri]);
	for (ri = 0; ri < NRUNS; ri++) {
		const struct run_def *r = &runs[ri];
		int64_t start = s->now - (int64_t)(r->age_h * HOUR_MS) +
				(int64_t)rng_range(&s->rng, 0, 20 * MIN_MS);
		int64_t end = start + (int64_t)(r->dur_min * MIN_MS *
						rng_range(&s->rng, 0.9, 1.1));
		int64_t slice, best = -1;
		double best_auc = -1;

		if (!(r->flags & F_PARENT)) {
			if (seed_run(s, ri, start, end) < 0 ||
			    run_name_tag(s, s->ids[ri], r->name) < 0 ||
			    run_finish(s, ri) < 0)
				return -1;
			continue;
		}
		/* A sweep: the parent spans its trials, which run one after
		 * the other, each tagged with the parent's id. */
		if (seed_run(s, ri, start, end) < 0 ||
		    run_name_tag(s, s->ids[ri], r->name) < 0 ||
		    insert_pairs(s, sql_param, r->params, "s", s->ids[ri],
				 0) < 0 ||
		    insert_pairs(s, sql_tag, r->tags, "s", s->ids[ri], 0) < 0)
			return -1;
		slice = (end - start - 10000) / SWEEP_TRIALS;
		for (j = 1; j <= SWEEP_TRIALS; j++) {
			size_t ci = ri + j;
			int64_t cs = start + 5000 + (int64_t)(j - 1) * slice;

			if (seed_run(s, ci, cs, cs + slice - 2000) < 0 ||
			    q(s, sql_tag, "sss", "mlflow.parentRunId",
			      s->ids[ri], s->ids[ci]) < 0 ||
			    run_name_tag(s, s->ids[ci], runs[ci].name) < 0 ||
			    run_finish(s, ci) < 0)
				return -1;
			if (s->final_auc[ci] > best_auc) {
				best_auc = s->final_auc[ci];
				best = (int64_t)(j - 1);
			}
		}
		if (q(s, sql_metric, "sdisii", "best_valid_auc", best_auc,
		      end - 1000, s->ids[ri], (int64_t)0, (int64_t)0) < 0 ||
		    q(s, sql_latest, "sdiiis", "best_valid_auc", best_auc,
		      end - 1000, (int64_t)0, (int64_t)0, s->ids[ri]) < 0 ||
		    q(s, sql_metric, "sdisii", "best_trial", (double)best,
		      end - 1000, s->ids[ri], (int64_t)0, (int64_t)0) < 0 ||
		    q(s, sql_latest, "sdiiis", "best_trial", (double)best,
		      end - 1000, (int64_t)0, (int64_t)0, s->ids[ri]) < 0)
			return -1;
		ri += SWEEP_TRIALS;
	}
	return 0;
}

/* Live runs: a few points so far, the last one just before now. */
/* One live run with its points so far; parent: its parent run's id, or
 * NULL. */
static int seed_live(struct seed *s, const struct live_def *l, char *id,
		     const char *parent)
{
	const struct exp_def *e = &exps[l->exp];
	int64_t start = s->now - (int64_t)(l->age_min * MIN_MS);
	int64_t dt = (s->now - start) / (l->points + 1);
	struct shape sh;
	size_t k;
	int i;

	rng_run_id(&s->rng, id);
	if (run_insert(s, id, l->exp, l->name, l->user, "RUNNING", start,
		       NO_TIME, 0, NO_TIME) < 0 ||
	    run_name_tag(s, id, l->name) < 0 ||
	    (parent && q(s, sql_tag, "sss", "mlflow.parentRunId", parent,
			 id) < 0) ||
	    insert_pairs(s, sql_param, l->params, "s", id, 0) < 0)
		return -1;
	{
		memset(&sh, 0, sizeof(sh));
		sh.lr = param_double(l->params, "lr") +
			param_double(l->params, "learning_rate");
		for (k = 0; k < e->nmetrics; k++) {
			const struct metric_def *m = &e->metrics[k];
			struct series ser;
			double first;

			memset(&ser, 0, sizeof(ser));
			ser.key = m->key;
			ser.run_id = id;
			first = m->curve == C_LR ? sh.lr :
				m->start * (1 + 0.02 * rng_gauss(&s->rng));
			for (i = 0; i < l->points; i++) {
				double v = demo_live_value(id, m->key, first,
							   0, i);

				if (series_add(s, &ser, i, start + dt * (i + 1),
					       v) < 0)
					return -1;
			}
			if (series_done(s, &ser) < 0)
				return -1;
		}
	}
	return 0;
}

static int seed_lives(struct seed *s)
{
	for (size_t li = 0; li < NLIVES; li++)
		if (seed_live(s, &lives[li], s->live_ids[li], NULL) < 0)
			return -1;
	return 0;
}

/* A pipeline from MLflow alone: nightly-retrain, a parent run whose
 * stages are child runs, one after the other. prep is done, train is
 * training; the trainer finishes each stage when its time is up and starts
 * the next (demo_pipeline_stages), so W on the parent shows a live Gantt. */
static int seed_pipeline(struct seed *s)
{
	static const struct live_def train = {
		EXP_NIGHTLY, "train", 3, 18, "svc-train",
		LGBM("gbdt", "0.05", "63", "400") };
	int64_t start = s->now - 5 * MIN_MS;
	char parent[33], prep[33], child[33];

	if (seed_experiment(s, EXP_NIGHTLY) < 0)
		return -1;
	rng_run_id(&s->rng, parent);
	rng_run_id(&s->rng, prep);
	if (run_insert(s, parent, EXP_NIGHTLY, "nightly-retrain", "svc-train",
		       "RUNNING", start, NO_TIME, 0, NO_TIME) < 0 ||
	    run_name_tag(s, parent, "nightly-retrain") < 0 ||
	    q(s, sql_tag, "sss", DEMO_PIPELINE_TAG, DEMO_PIPELINE_STAGES,
	      parent) < 0 ||
	    insert_pairs(s, sql_param, "schedule=@daily\nsnapshot=latest\n",
			 "s", parent, 0) < 0 ||
	    run_insert(s, prep, EXP_NIGHTLY, "prep", "svc-train", "FINISHED",
		       start + 2000, start + 2 * MIN_MS - 5000, 0,
		       NO_TIME) < 0 ||
	    run_name_tag(s, prep, "prep") < 0 ||
	    q(s, sql_tag, "sss", "mlflow.parentRunId", parent, prep) < 0 ||
	    insert_pairs(s, sql_param, "rows=1284113\nfeatures=212\n", "s",
			 prep, 0) < 0)
		return -1;
	/* What prep measured, one point each at its end. */
	{
		static const struct { const char *key; double v; } pm[] = {
			{ "rows_kept", 1279561 }, { "null_fraction", 0.0031 },
		};
		int64_t ts = start + 2 * MIN_MS - 6000;

		for (size_t i = 0; i < NELEM(pm); i++)
			if (q(s, sql_metric, "sdisii", pm[i].key, pm[i].v, ts,
			      prep, (int64_t)0, (int64_t)0) < 0 ||
			    q(s, sql_latest, "sdiiis", pm[i].key, pm[i].v, ts,
			      (int64_t)0, (int64_t)0, prep) < 0)
				return -1;
	}
	return seed_live(s, &train, child, parent);
}

/* ---- model registry ---- */

static int64_t run_index(const char *name)
{
	size_t i;

	for (i = 0; i < NRUNS; i++)
		if (!strcmp(runs[i].name, name))
			return (int64_t)i;
	return -1;
}

struct version_def {
	const char *run;
	const char *stage;
	const char *description;
	const char *tags;
};

struct model_def {
	const char *name;
	const char *description;
	const char *tags;
	const struct version_def *versions;
	size_t nversions;
	const char *aliases;   /* "alias=version\n"... */
};

static const struct version_def v_churn[] = {
	{ "baseline-gbdt", "Archived", NULL, "validation_status=superseded\n" },
	{ "trial-1", "Production", "Best valid AUC of the learning-rate sweep.",
	  "validation_status=approved\n" },
	{ "dart-boosting", "Staging", "DART boosting, under shadow evaluation.",
	  "validation_status=pending\n" },
};

static const struct version_def v_cifar[] = {
	{ "resnet34-sgd", "Production", NULL, "" },
	{ "resnet50-long", "None", "300-epoch cosine schedule.", "" },
};

static const struct model_def models[] = {
	{ "churn-classifier",
	  "Predicts 30-day churn from account activity.",
	  "task=classification\nteam=growth\n",
	  v_churn, NELEM(v_churn), "champion=2\nchallenger=3\n" },
	{ "cifar10-resnet", "Image classifier for the CIFAR-10 classes.",
	  "task=image-classification\nteam=vision\n",
	  v_cifar, NELEM(v_cifar), "" },
};

static int seed_model(struct seed *s, const struct model_def *md)
{
	int64_t created = 0, updated = 0;
	const char *p;
	size_t v;

	for (v = 0; v < md->nversions; v++) {
		const struct version_def *vd = &md->versions[v];
		int64_t ri = run_index(vd->run);
		int64_t vc, vu;
		char *src;
		int rc;

		if (ri < 0) {
			s->err = xasprintf("demo model source run %s missing",
					   vd->run);
			return -1;
		}
		vc = s->end[ri] + (int64_t)rng_range(&s->rng, 20, 90) * MIN_MS;
		vu = strcmp(vd->stage, "None") ?
		     vc + (int64_t)rng_range(&s->rng, 2, 30) * HOUR_MS : vc;
		if (vu > s->now - MIN_MS)
			vu = s->now - MIN_MS;
		if (v == 0) {
			created = vc - 2 * MIN_MS;
			if (q(s, sql_model, "siis", md->name, created, created,
			      md->description) < 0 ||
			    insert_pairs(s, sql_model_tag, md->tags, "s",
					 md->name, 0) < 0)
				return -1;
		}
		if (vu > updated)
			updated = vu;
		src = xasprintf("runs:/%s/model", s->ids[ri]);
		rc = q(s, sql_version, "siiisssss", md->name, (int64_t)(v + 1),
		       vc, vu, vd->description, vd->stage, src, s->ids[ri], src);
		free(src);
		if (rc < 0)
			return -1;
		p = vd->tags;
		while (*p) {
			const char *eq = strchr(p, '='), *nl = strchr(p, '\n');
			char *key = xstrndup(p, (size_t)(eq - p));
			char *val = xstrndup(eq + 1, (size_t)(nl - eq - 1));

			rc = q(s, sql_version_tag, "sssi", key, val, md->name,
			       (int64_t)(v + 1));
			free(key);
			free(val);
			if (rc < 0)
				return -1;
			p = nl + 1;
		}
	}
	for (p = md->aliases; *p;) {
		const char *eq = strchr(p, '='), *nl = strchr(p, '\n');
		char *alias = xstrndup(p, (size_t)(eq - p));
		int rc = q(s, sql_alias, "sis", alias,
			   (int64_t)strtol(eq + 1, NULL, 10), md->name);

		free(alias);
		if (rc < 0)
			return -1;
		p = nl + 1;
	}
	/* stage changes and new versions bump the model's update time */
	return q(s, "UPDATE registered_models SET last_updated_time = ? "
		 "WHERE name = ?", "is", updated, md->name);
}

/* A prompt, stored as the client's register_prompt() stores it: a
 * registered model and version tagged mlflow.prompt.is_prompt. */
static int seed_prompt(struct seed *s)
{
	static const char name[] = "sst2-zero-shot";
	static const char msg[] = "First zero-shot template";
	static const char text[] =
		"Classify the sentiment of this movie review as positive or "
		"negative.\n\nReview: {{review}}\nSentiment:";
	char *exp_ids = xasprintf(",%d,", EXP_BERT);
	int64_t t = s->now - 3 * DAY_MS;
	int rc;

	rc = q(s, sql_model, "siis", name, t, t + 5, msg);
	if (!rc)
		rc = q(s, sql_model_tag, "sss", "mlflow.prompt.is_prompt",
		       "true", name);
	if (!rc)
		rc = q(s, sql_model_tag, "sss", "_mlflow_experiment_ids",
		       exp_ids, name);
	if (!rc)
		rc = q(s, sql_version, "siiisssss", name, (int64_t)1, t + 5,
		       t + 5, msg, "None", "dummy-source", NULL,
		       "dummy-source");
	if (!rc)
		rc = q(s, sql_version_tag, "sssi", "mlflow.prompt.is_prompt",
		       "true", name, (int64_t)1);
	if (!rc)
		rc = q(s, sql_version_tag, "sssi", "_mlflow_prompt_type",
		       "text", name, (int64_t)1);
	if (!rc)
		rc = q(s, sql_version_tag, "sssi", "mlflow.prompt.text", text,
		       name, (int64_t)1);
	free(exp_ids);
	return rc;
}

static int seed_registry(struct seed *s)
{
	size_t i;

	for (i = 0; i < NELEM(models); i++)
		if (seed_model(s, &models[i]) < 0)
			return -1;
	return seed_prompt(s);
}

/* ---- creating the store ---- */

/* MLflow puts artifacts under ./mlruns of the directory it runs in; the
 * demo acts as if it ran beside the store. */
static char *artifact_root(const char *path, char **err)
{
	char *copy = xstrdup(path);
	char *dir = dirname(copy);
	char *real = realpath(dir, NULL);
	char *root;

	if (!real) {
		*err = xasprintf("%s: %s", dir, strerror(errno));
		free(copy);
		return NULL;
	}
	root = xasprintf("%s/mlruns", strcmp(real, "/") ? real : "");
	free(real);
	free(copy);
	return root;
}

static int seed_all(struct seed *s)
{
	char *mark = xasprintf("PRAGMA application_id = %d",
			       DEMO_APPLICATION_ID);
	int rc = sqlite3_exec(s->db, mark, NULL, NULL, NULL);

	free(mark);
	if (rc)
		return seed_fail(s, "PRAGMA application_id");
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL))
		return seed_fail(s, "PRAGMA foreign_keys");
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL))
		return seed_fail(s, "BEGIN");
	if (sqlite3_exec(s->db, demo_schema_sql, NULL, NULL, NULL))
		return seed_fail(s, "creating MLflow's schema");
	if (seed_experiments(s) < 0 || seed_runs(s) < 0 ||
	    seed_lives(s) < 0 || seed_pipeline(s) < 0 ||
	    seed_registry(s) < 0)
		return -1;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL))
		return seed_fail(s, "COMMIT");
	return 0;
}

int demo_create(const char *path, int64_t now_ms, char **err)
{
	struct seed s;
	size_t i;
	int fd, ret;

	*err = NULL;
	memset(&s, 0, sizeof(s));
	s.root = artifact_root(path, err);
	if (!s.root)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(s.root);
		return -1;
	}
	close(fd);
	s.now = now_ms;
	s.rng.s = 0x6d6c746f70646d6fULL;    /* fixed: same demo every time */
	if (sqlite3_open_v2(path, &s.db, SQLITE_OPEN_READWRITE, NULL)) {
		seed_fail(&s, path);
		ret = -1;
	} else {
		ret = seed_all(&s);
	}
	for (i = 0; i < s.ncache; i++)
		sqlite3_finalize(s.cache[i].st);
	if (ret < 0)
		sqlite3_exec(s.db, "ROLLBACK", NULL, NULL, NULL);
	if (sqlite3_close(s.db) != SQLITE_OK && ret == 0) {
		seed_fail(&s, "closing the demo store");
		ret = -1;
	}
	if (ret < 0) {
		char *journal = xasprintf("%s-journal", path);

		unlink(path);
		unlink(journal);
		free(journal);
		*err = s.err ? s.err : xstrdup("cannot create the demo store");
	}
	free(s.root);
	return ret;
}
