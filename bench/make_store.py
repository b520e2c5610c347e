#!/usr/bin/env python3
# Builds the large MLflow SQLite stores that mltop's benchmark reads.
# The schema and a template run come from the MLflow client; bulk rows copy it.
"""Build (or reuse) the benchmark stores under bench/out/.

The store is created by the pinned MLflow client, which also logs one
template run in a separate experiment.  The bulk runs are then written with
plain SQL in a few big transactions, each row a copy of the template run's
rows with only the identifying values changed, so that MLflow reads them back
exactly as it reads its own.  The explicit indexes are dropped during the fill
and re-created from MLflow's own CREATE INDEX text afterwards; that is what
keeps a 6-million-point store buildable in about a minute on two cores.

A third, small "live" store (50 RUNNING and 200 FINISHED runs) is written by
the client alone, once for each history length the live-refresh figures use.

Usage: make_store.py [wide|deep|million|live|all] [--force] [--out DIR]
"""

import argparse
import json
import math
import os
import random
import sqlite3
import sys
import time
import uuid

GEN_VERSION = 1  # bump when the generated content changes: it keys the cache

KINDS = {
    # one experiment, many runs, short histories: the runs table view
    "wide": dict(runs=10000, metrics=20, points=10, params=10),
    # few runs with long histories: the metric history view
    "deep": dict(runs=200, metrics=3, points=10000, params=10),
    # a million runs of one point each: the runs table at scale.  Three
    # tags a run (no mlflow.source.type) and 2% RUNNING, named in the
    # cache key (store_name) since they differ from the defaults below.
    "million": dict(runs=1000000, metrics=5, points=1, params=5,
                    tags=("mlflow.runName", "mlflow.user",
                          "mlflow.source.name"),
                    statuses=dict(FINISHED=93, RUNNING=2, FAILED=4,
                                  KILLED=1)),
}

TEMPLATE_TAGS = {
    "mlflow.user": "bench",
    "mlflow.source.name": "train.py",
    "mlflow.source.type": "LOCAL",
}
EXPECTED_TAG_KEYS = {"mlflow.runName", "mlflow.user", "mlflow.source.name",
             "mlflow.source.type"}
# The defaults of a kind's "tags" (the template's tags each bulk run copies)
# and "statuses" (weights out of 100, drawn per run).  The wide and deep
# stores use these; changing them changes those stores' content, so it
# needs a GEN_VERSION bump.
DEFAULT_TAGS = ("mlflow.runName", "mlflow.user", "mlflow.source.name",
                "mlflow.source.type")
DEFAULT_STATUSES = dict(FINISHED=90, RUNNING=5, FAILED=4, KILLED=1)
STATUS_ORDER = ("FINISHED", "RUNNING", "FAILED", "KILLED")
BULK_TABLES = ("runs", "tags", "params", "metrics", "latest_metrics")

BASE_TIME_MS = 1_700_000_000_000
STEP_INTERVAL_MS = 1000

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(BENCH_DIR, "out")

NAMED_METRICS = ["loss", "val_loss", "accuracy", "val_accuracy", "lr",
         "grad_norm", "train/perplexity", "val/perplexity", "throughput",
         "epoch_time"]
PARAM_KEYS = ["learning_rate", "batch_size", "optimizer", "epochs",
          "weight_decay", "dropout", "model", "seed", "warmup_steps",
          "scheduler", "hidden_size", "num_layers", "dataset",
          "grad_clip", "precision", "momentum"]


def metric_keys(n):
    keys = NAMED_METRICS[:n]
    keys += ["metric_%02d" % i for i in range(len(keys), n)]
    return keys


def param_keys(n):
    keys = PARAM_KEYS[:n]
    keys += ["param_%02d" % i for i in range(len(keys), n)]
    return keys


def kind_tags(p):
    return tuple(p.get("tags", DEFAULT_TAGS))


def kind_statuses(p):
    st = p.get("statuses", DEFAULT_STATUSES)
    if sum(st.values()) != 100 or set(st) - set(STATUS_ORDER):
        sys.exit("make_store: statuses %r are not weights out of 100 of %s"
                 % (st, ", ".join(STATUS_ORDER)))
    return st


def store_name(kind):
    """The cache name: the kind's parameters, the generator version and
    the MLflow version.  Tags and statuses appear only when a kind sets
    them otherwise than the defaults, so the names (and caches) of the
    kinds that use the defaults stay as they were."""
    import mlflow
    p = KINDS[kind]
    extra = ""
    if kind_tags(p) != DEFAULT_TAGS:
        extra += "-t%d" % len(kind_tags(p))
    st = kind_statuses(p)
    if st != DEFAULT_STATUSES:
        extra += "".join("-%s%d" % (k[:4].lower(), st.get(k, 0))
                         for k in STATUS_ORDER)
    return "%s-r%d-m%d-h%d-p%d%s-g%d-mlflow%s" % (
        kind, p["runs"], p["metrics"], p["points"], p["params"], extra,
        GEN_VERSION, mlflow.__version__)


def _rows(db, sql, args=()):
    cur = db.execute(sql, args)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _log_template(uri):
    """Create the store with MlflowClient and log one run through it.

    Returns (bench experiment id, template experiment id, template run id).
    """
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient(tracking_uri=uri)
    eid = client.create_experiment("mltop-bench")
    teid = client.create_experiment("mltop-bench-template")
    run = client.create_run(teid, run_name="template-run",
                tags=dict(TEMPLATE_TAGS))
    rid = run.info.run_id
    t0 = run.info.start_time
    metrics = []
    for step in range(3):
        metrics.append(Metric("loss", 1.0 / (step + 1), t0 + step, step))
        metrics.append(Metric("accuracy", 0.25 * step, t0 + step, step))
    client.log_batch(rid, metrics=metrics,
             params=[Param("learning_rate", "0.001"),
                 Param("batch_size", "64")])
    client.set_terminated(rid, "FINISHED")
    return eid, teid, rid


def _read_template(db, rid):
    """Read the rows the client wrote for the template run and check
    that they have the shape the bulk fill imitates."""
    t = {}
    t["run"] = _rows(db, "SELECT * FROM runs WHERE run_uuid = ?", (rid,))[0]
    t["run_cols"] = list(t["run"].keys())
    t["tags"] = {r["key"]: r["value"] for r in
             _rows(db, "SELECT * FROM tags WHERE run_uuid = ?", (rid,))}
    t["params"] = _rows(db, "SELECT * FROM params WHERE run_uuid = ?", (rid,))
    t["metrics"] = _rows(db, "SELECT * FROM metrics WHERE run_uuid = ? "
                 "ORDER BY key, step", (rid,))
    t["latest"] = _rows(db, "SELECT * FROM latest_metrics WHERE run_uuid = ?",
                (rid,))
    for name in ("tags", "params", "metrics", "latest_metrics"):
        cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % name)]
        t[name + "_cols"] = cols

    run = t["run"]
    if set(t["tags"]) != EXPECTED_TAG_KEYS:
        sys.exit("make_store: the client wrote tags %s, expected %s"
             % (sorted(t["tags"]), sorted(EXPECTED_TAG_KEYS)))
    if run["user_id"] != TEMPLATE_TAGS["mlflow.user"]:
        sys.exit("make_store: runs.user_id is %r, not the mlflow.user tag"
             % run["user_id"])
    if run["name"] != t["tags"]["mlflow.runName"]:
        sys.exit("make_store: runs.name differs from mlflow.runName")
    if not run["artifact_uri"].endswith("/%s/artifacts" % rid):
        sys.exit("make_store: unexpected artifact_uri %r"
                 % run["artifact_uri"])
    if run["status"] != "FINISHED" or run["end_time"] is None:
        sys.exit("make_store: template run not terminated")
    for r in t["metrics"]:
        if not isinstance(r["value"], float) or r["is_nan"] != 0:
            sys.exit("make_store: unexpected metric row %r" % r)
    # latest_metrics must be the highest step of each key: the rule the
    # fill uses for its own rows
    want = {}
    for r in t["metrics"]:
        if r["key"] not in want or r["step"] > want[r["key"]]["step"]:
            want[r["key"]] = r
    got = {r["key"]: r for r in t["latest"]}
    if set(got) != set(want):
        sys.exit("make_store: latest_metrics keys differ from metrics")
    for k, r in got.items():
        w = want[k]
        if (r["value"], r["step"], r["timestamp"], r["is_nan"]) != \
           (w["value"], w["step"], w["timestamp"], w["is_nan"]):
            sys.exit("make_store: latest_metrics row for %s is %r, "
                 "expected %r" % (k, r, w))
    for r in t["params"]:
        if not isinstance(r["value"], str):
            sys.exit("make_store: param value stored as %r" % type(r["value"]))
    return t


def _curve(rng, key_index, npoints):
    """A plausible training curve: decaying or rising, with noise."""
    start = rng.uniform(0.5, 5.0)
    end = rng.uniform(0.01, 0.3) * start
    tau = max(1.0, npoints * rng.uniform(0.1, 0.4))
    noise = rng.uniform(0.005, 0.03)
    rising = key_index % 3 == 2
    gauss = rng.gauss
    exp = math.exp
    out = []
    for s in range(npoints):
        v = end + (start - end) * exp(-s / tau)
        if rising:
            v = start - v
        out.append(v * (1.0 + noise * gauss(0.0, 1.0)))
    return out


def _param_value(rng, key, i):
    if key == "learning_rate":
        return repr(rng.choice([1e-4, 3e-4, 1e-3, 3e-3, 1e-2]))
    if key == "batch_size":
        return str(rng.choice([16, 32, 64, 128, 256]))
    if key == "optimizer":
        return rng.choice(["adam", "adamw", "sgd", "lion"])
    if key == "seed":
        return str(i)
    if key == "model":
        return rng.choice(["resnet18", "resnet50", "vit-b16", "gpt2-small"])
    return repr(round(rng.uniform(0, 1), 4))


def _fill(db, eid, tmpl, p, seed):
    run_t = tmpl["run"]
    run_cols = tmpl["run_cols"]
    exp_loc = db.execute("SELECT artifact_location FROM experiments WHERE "
                 "experiment_id = ?", (eid,)).fetchone()[0]
    mkeys = metric_keys(p["metrics"])
    pkeys = param_keys(p["params"])
    npoints = p["points"]
    rng = random.Random(seed)

    run_sql = "INSERT INTO runs (%s) VALUES (%s)" % (
        ", ".join(run_cols), ", ".join("?" * len(run_cols)))
    tag_sql = "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)"
    param_sql = "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)"
    metric_sql = ("INSERT INTO metrics (key, value, timestamp, run_uuid, "
              "step, is_nan) VALUES (?, ?, ?, ?, ?, 0)")
    latest_sql = ("INSERT INTO latest_metrics (key, value, timestamp, step, "
              "is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)")

    # the same list, in the same order, as before statuses were set per
    # kind: the draws (and so the wide and deep stores) do not change
    st = kind_statuses(p)
    statuses = []
    for k in STATUS_ORDER:
        statuses += [k] * st.get(k, 0)
    tag_keys = kind_tags(p)
    missing = set(tag_keys) - set(tmpl["tags"])
    if missing:
        sys.exit("make_store: the template run has no tags %s"
                 % sorted(missing))
    # the template's order (the order the rows were written in), less
    # the tags this kind leaves out
    tmpl_tags = [(k, v) for k, v in tmpl["tags"].items() if k in tag_keys]
    counts = dict(runs=0, tags=0, params=0, metrics=0, latest_metrics=0,
                  status={})
    # a transaction per batch of runs keeps memory bounded: around a
    # million rows of all tables together (the batches do not change
    # what is drawn, only how much of it is held at once)
    per_run = (1 + len(tmpl_tags) + p["params"]
               + p["metrics"] * (npoints + 1))
    batch = max(1, 1_000_000 // max(1, per_run))
    sample_index = p["runs"] // 2
    sample = None
    for first in range(0, p["runs"], batch):
        runs, tags, params, metrics, latest = [], [], [], [], []
        for i in range(first, min(p["runs"], first + batch)):
            # uuid4 hex, as the client makes them
            rid = uuid.UUID(int=rng.getrandbits(128), version=4).hex
            if i == sample_index:
                sample = rid
            name = "run-%05d" % i
            start = BASE_TIME_MS + i * 60_000
            status = rng.choice(statuses)
            counts["status"][status] = counts["status"].get(status, 0) + 1
            end = None if status == "RUNNING" else \
                start + npoints * STEP_INTERVAL_MS + 500
            row = dict(run_t)
            row.update(run_uuid=rid, name=name, experiment_id=eid,
                   status=status, start_time=start, end_time=end,
                   artifact_uri="%s/%s/artifacts" % (exp_loc, rid))
            runs.append(tuple(row[c] for c in run_cols))
            for k, v in tmpl_tags:
                tags.append((k, name if k == "mlflow.runName" else v, rid))
            for k in pkeys:
                params.append((k, _param_value(rng, k, i), rid))
            for ki, k in enumerate(mkeys):
                vals = _curve(rng, ki, npoints)
                ts0 = start + ki
                metrics.extend((k, v, ts0 + s * STEP_INTERVAL_MS, rid, s)
                           for s, v in enumerate(vals))
                s = npoints - 1
                latest.append((k, vals[s], ts0 + s * STEP_INTERVAL_MS, s, rid))
        with db:
            db.executemany(run_sql, runs)
            db.executemany(tag_sql, tags)
            db.executemany(param_sql, params)
            db.executemany(metric_sql, metrics)
            db.executemany(latest_sql, latest)
        counts["runs"] += len(runs)
        counts["tags"] += len(tags)
        counts["params"] += len(params)
        counts["metrics"] += len(metrics)
        counts["latest_metrics"] += len(latest)
    return counts, sample, mkeys


def _verify_with_client(uri, eid, rid, mkeys, p, tmpl):
    """Read one bulk run back through MlflowClient: if MLflow reads it
    like its own, the imitation is right."""
    from mlflow import MlflowClient
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(rid)
    if run.info.experiment_id != str(eid):
        sys.exit("make_store: client sees experiment %r"
                 % run.info.experiment_id)
    if len(run.data.metrics) != p["metrics"] or \
       len(run.data.params) != p["params"]:
        sys.exit("make_store: client sees %d metrics, %d params"
             % (len(run.data.metrics), len(run.data.params)))
    if set(run.data.tags) != set(kind_tags(p)):
        sys.exit("make_store: client sees tags %s" % sorted(run.data.tags))
    if run.data.tags["mlflow.runName"] != run.info.run_name:
        sys.exit("make_store: run name mismatch")
    hist = client.get_metric_history(rid, mkeys[0])
    if len(hist) != p["points"]:
        sys.exit("make_store: client sees %d points, expected %d"
             % (len(hist), p["points"]))
    last = max(hist, key=lambda m: (m.step, m.timestamp))
    if run.data.metrics[mkeys[0]] != last.value:
        sys.exit("make_store: latest metric %r != last point %r"
             % (run.data.metrics[mkeys[0]], last.value))


def build(kind, out_dir=DEFAULT_OUT, seed=1):
    p = KINDS[kind]
    os.makedirs(out_dir, exist_ok=True)
    final = os.path.join(out_dir, store_name(kind) + ".db")
    tmp = final + ".tmp-%d" % os.getpid()
    for f in (tmp, tmp + "-journal"):
        if os.path.exists(f):
            os.unlink(f)
    uri = "sqlite:///" + tmp
    t_start = time.perf_counter()

    eid, teid, trid = _log_template(uri)
    t_client = time.perf_counter() - t_start

    db = sqlite3.connect(tmp, isolation_level=None)
    db.isolation_level = ""  # back to implicit BEGIN for "with db:"
    tmpl = _read_template(db, trid)
    journal = db.execute("PRAGMA journal_mode").fetchone()[0]

    # MLflow's own index text, dropped for the fill and re-created after
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
        "sql IS NOT NULL AND tbl_name IN (%s) ORDER BY name"
        % ", ".join("'%s'" % t for t in BULK_TABLES)).fetchall()
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1048576")  # 1 GiB
    for name, _ in indexes:
        db.execute("DROP INDEX %s" % name)

    t_fill0 = time.perf_counter()
    counts, sample, mkeys = _fill(db, eid, tmpl, p, seed)
    t_fill = time.perf_counter() - t_fill0

    t_idx0 = time.perf_counter()
    with db:
        for _, sql in indexes:
            db.execute(sql)
    t_idx = time.perf_counter() - t_idx0
    after = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
        "sql IS NOT NULL AND tbl_name IN (%s) ORDER BY name"
        % ", ".join("'%s'" % t for t in BULK_TABLES)).fetchall()
    if after != indexes:
        sys.exit("make_store: indexes differ after the fill")
    db.execute("PRAGMA journal_mode = %s" % journal)
    db.close()

    _verify_with_client(uri, eid, sample, mkeys, p, tmpl)
    os.rename(tmp, final)

    meta = dict(kind=kind, path=final,
            params=dict(p, tags=list(kind_tags(p)),
                        statuses=kind_statuses(p)),
            statuses=counts.pop("status"), generator=GEN_VERSION,
            experiment_id=str(eid), template_experiment_id=str(teid),
            template_run_id=trid, runs=counts["runs"], rows=counts,
            sample_run_id=sample, metric_keys=mkeys,
            size_bytes=os.path.getsize(final),
            build_seconds=round(time.perf_counter() - t_start, 2),
            build_split=dict(client=round(t_client, 2),
                     fill=round(t_fill, 2),
                     indexes=round(t_idx, 2)))
    with open(final + ".json.tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.rename(final + ".json.tmp", final + ".json")
    return meta


# --- the live store: small, written by the client alone ---------------------

LIVE_GEN_VERSION = 1
# one experiment: RUNNING runs that a refresh must follow, and FINISHED
# ones that it should not cost anything to hold
LIVE = dict(running=50, finished=200, metrics=5)
LIVE_EXPERIMENT = "mltop-bench-live"
LIVE_POINTS = (200, 2000)  # two history lengths: a refresh must cost the same
LOG_BATCH_MAX = 1000  # the client's limit on metrics in one log_batch


def live_name(points):
    import mlflow
    return "live-r%d-f%d-m%d-h%d-g%d-mlflow%s" % (
        LIVE["running"], LIVE["finished"], LIVE["metrics"], points,
        LIVE_GEN_VERSION, mlflow.__version__)


def _log_history(client, rid, keys, points, t0, rng):
    from mlflow.entities import Metric
    batch = []
    curves = [_curve(rng, ki, points) for ki in range(len(keys))]
    for s in range(points):
        for ki, k in enumerate(keys):
            batch.append(Metric(k, curves[ki][s], t0 + s, s))
            if len(batch) == LOG_BATCH_MAX:
                client.log_batch(rid, metrics=batch)
                batch = []
    if batch:
        client.log_batch(rid, metrics=batch)


def build_live(points, out_dir=DEFAULT_OUT, seed=1):
    """A store made entirely by MlflowClient: FINISHED runs first, then
    the RUNNING ones (newest, so they sit at the top of the runs table),
    every run with a `points`-step history of each metric."""
    from mlflow import MlflowClient
    from mlflow.entities import Param

    os.makedirs(out_dir, exist_ok=True)
    final = os.path.join(out_dir, live_name(points) + ".db")
    tmp = final + ".tmp-%d" % os.getpid()
    for f in (tmp, tmp + "-journal"):
        if os.path.exists(f):
            os.unlink(f)
    uri = "sqlite:///" + tmp
    t_start = time.perf_counter()
    rng = random.Random(seed)
    keys = metric_keys(LIVE["metrics"])
    client = MlflowClient(tracking_uri=uri)
    eid = client.create_experiment(LIVE_EXPERIMENT)
    running = []
    n = LIVE["finished"] + LIVE["running"]
    for i in range(n):
        live = i >= LIVE["finished"]
        run = client.create_run(
            eid, run_name=("live-%02d" % (i - LIVE["finished"])) if live
            else "finished-%03d" % i, tags=dict(TEMPLATE_TAGS))
        rid = run.info.run_id
        _log_history(client, rid, keys, points, run.info.start_time, rng)
        client.log_batch(rid, params=[Param("seed", str(i)),
                                      Param("lr", "0.001")])
        if live:
            running.append(rid)
        else:
            client.set_terminated(rid, "FINISHED")

    got = client.search_runs([eid], max_results=1000)
    by = {}
    for r in got:
        by[r.info.status] = by.get(r.info.status, 0) + 1
    if by != {"RUNNING": LIVE["running"], "FINISHED": LIVE["finished"]}:
        sys.exit("make_store: live store holds runs %r" % by)
    hist = client.get_metric_history(running[0], keys[0])
    if len(hist) != points:
        sys.exit("make_store: live run has %d points, expected %d"
                 % (len(hist), points))
    os.rename(tmp, final)
    meta = dict(kind="live", path=final, params=dict(LIVE, points=points),
                generator=LIVE_GEN_VERSION, experiment_id=str(eid),
                experiment_name=LIVE_EXPERIMENT, running_run_ids=running,
                metric_keys=keys, size_bytes=os.path.getsize(final),
                build_seconds=round(time.perf_counter() - t_start, 2))
    with open(final + ".json.tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.rename(final + ".json.tmp", final + ".json")
    return meta


def ensure_live(points, out_dir=DEFAULT_OUT, force=False, log=sys.stderr):
    """The live store's metadata, building it if it is not cached.  The
    cached file is a pristine copy: whoever writes to it works on a copy."""
    final = os.path.join(out_dir, live_name(points) + ".db")
    if not force and os.path.exists(final) and os.path.exists(final + ".json"):
        with open(final + ".json") as f:
            meta = json.load(f)
        meta["cached"] = True
        return meta
    print("make_store: building live store (%s)..." % final, file=log,
          flush=True)
    meta = build_live(points, out_dir)
    meta["cached"] = False
    print("make_store: live store built in %.1f s, %.1f MiB"
          % (meta["build_seconds"], meta["size_bytes"] / 2**20), file=log,
          flush=True)
    return meta


def ensure(kind, out_dir=DEFAULT_OUT, force=False, log=sys.stderr):
    """Return the store's metadata, building the store if it is not cached."""
    final = os.path.join(out_dir, store_name(kind) + ".db")
    if not force and os.path.exists(final) and os.path.exists(final + ".json"):
        with open(final + ".json") as f:
            meta = json.load(f)
        meta["cached"] = True
        return meta
    print("make_store: building %s store (%s)..." % (kind, final), file=log,
          flush=True)
    meta = build(kind, out_dir)
    meta["cached"] = False
    print("make_store: %s built in %.1f s (client %.1f, fill %.1f, indexes "
          "%.1f), %.0f MiB" % (kind, meta["build_seconds"],
                   meta["build_split"]["client"],
                   meta["build_split"]["fill"],
                   meta["build_split"]["indexes"],
                   meta["size_bytes"] / 2**20), file=log, flush=True)
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", nargs="?", default="all",
            choices=sorted(KINDS) + ["live", "all"])
    ap.add_argument("--force", action="store_true",
            help="rebuild even if a cached store exists")
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    kinds = sorted(KINDS) if a.kind == "all" else [a.kind]
    if a.kind == "live":
        kinds = []
    for k in kinds:
        meta = ensure(k, a.out, a.force)
        print(json.dumps(meta, indent=1))
    if a.kind in ("live", "all"):
        for points in LIVE_POINTS:
            print(json.dumps(ensure_live(points, a.out, a.force), indent=1))


if __name__ == "__main__":
    main()
