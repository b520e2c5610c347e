# test_demo.py: the demo store of mltop --demo, read back by the real MLflow.
# Creates stores with `mltop --demo-create` and runs `mltop --demo-trainer`.
"""Integration tests for the embedded demo store.

The binary comes from $MLTOP_BIN (default: src/mltop of this checkout). Every
check goes through the pinned MLflow client, or compares the demo's rows
with rows that client wrote itself.
"""

import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

mlflow = pytest.importorskip("mlflow")
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402

MLTOP = Path(os.environ.get("MLTOP_BIN",
                            Path(__file__).parents[2] / "src" / "mltop"))
NOW_MS = 1_767_225_600_000          # pinned "now" for the seeded layout
HEX32 = re.compile(r"^[0-9a-f]{32}$")
DBL_MAX = sys.float_info.max

EXPERIMENTS = {"Default", "cifar10-resnet", "bert-finetune-sst2",
               "churn-lightgbm", "churn-nightly"}
# Active runs per experiment and the deleted one, as the demo lays them out.
RUN_COUNTS = {"Default": 1, "cifar10-resnet": 9, "bert-finetune-sst2": 7,
              "churn-lightgbm": 7, "churn-nightly": 3}
DELETED = ("cifar10-resnet", "resnet18-debug")
RUNNING = {("cifar10-resnet", "resnet50-wd5e-4"),
           ("cifar10-resnet", "resnet101-cutmix"),
           ("bert-finetune-sst2", "deberta-v3-base"),
           ("churn-nightly", "nightly-retrain"), ("churn-nightly", "train")}
# The pipeline of nested runs the trainer advances (src/demo/demo.h).
PIPELINE_TAG = "mltop.demo.pipeline"
STAGES = [("prep", 115), ("train", 300), ("evaluate", 45), ("register", 15)]


def is_pipeline(r):
    """The pipeline's parent: its stages log, it does not."""
    return PIPELINE_TAG in r.data.tags


def mltop(*args, env=None, check=True, timeout=120):
    if not MLTOP.exists():
        pytest.fail(f"mltop binary not found at {MLTOP} (set MLTOP_BIN)")
    e = dict(os.environ)
    e.update(env or {})
    proc = subprocess.run([str(MLTOP), *map(str, args)], env=e,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        pytest.fail(f"mltop {' '.join(map(str, args))} exited "
                    f"{proc.returncode}: {proc.stderr}")
    return proc


def create_demo(path, now_ms=NOW_MS):
    mltop("--demo-create", path, env={"MLTOP_NOW": str(now_ms)})
    assert path.exists()
    return path


def client_for(db):
    uri = f"sqlite:///{db}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def sql(db, query, args=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def sql_write(db, query, args=()):
    con = sqlite3.connect(db)
    try:
        with con:
            con.execute(query, args)
    finally:
        con.close()


def schema_of(db):
    """The schema, exactly as stored."""
    return sql(db, "SELECT type, name, tbl_name, sql FROM sqlite_master "
                   "ORDER BY type, name")


def canonical_schema(db):
    """The schema without MLflow's run-to-run noise: MLflow emits a table's
    constraints and indexes in a varying order, so each statement is taken
    as its sorted lines (trailing commas dropped), plus each table's columns
    in order."""
    out = []
    for typ, name, tbl, text in schema_of(db):
        lines = None
        if text is not None:
            lines = tuple(sorted(line.strip().rstrip(",").strip()
                                 for line in text.splitlines()))
        out.append((typ, name, tbl, lines))
        if typ == "table":
            out.append(("columns", name,
                        tuple(sql(db, f'PRAGMA table_info("{name}")'))))
    return out


def all_runs(client, view=ViewType.ALL):
    exps = client.search_experiments(view_type=ViewType.ALL)
    return client.search_runs([e.experiment_id for e in exps],
                              run_view_type=view, max_results=5000)


def same_value(a, b):
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


def latest_of(history):
    """The point MLflow calls latest: highest (step, timestamp, value),
    with NaN compared as MLflow stores it (0)."""
    def key(m):
        v = 0.0 if math.isnan(m.value) else m.value
        return (m.step, m.timestamp, v)
    return max(history, key=key)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def demo_db(demo_dir):
    """A pristine demo store; tests that write use a copy of it."""
    return create_demo(demo_dir / "demo.db")


@pytest.fixture(scope="module")
def client(demo_db):
    return client_for(demo_db)


@pytest.fixture()
def demo_copy(demo_db, tmp_path):
    dst = tmp_path / "demo.db"
    shutil.copyfile(demo_db, dst)
    return dst


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory):
    """A store written by the real client, the way a training script does,
    to compare the demo's rows against."""
    d = tmp_path_factory.mktemp("reference")
    db = d / "ref.db"
    c = client_for(db)
    old = os.getcwd()
    os.chdir(d)
    try:
        eid = c.create_experiment("ref-exp", tags={"team": "ref"})
        run = c.create_run(eid, run_name="ref-run", tags={
            "mlflow.user": "ref-user", "mlflow.source.name": "train.py",
            "mlflow.source.type": "LOCAL"})
        rid = run.info.run_id
        c.log_param(rid, "lr", 0.1)
        for step in range(3):
            c.log_metric(rid, "loss", 1.0 / (step + 1), step=step)
        c.log_metric(rid, "inf", float("inf"), step=0)
        c.log_metric(rid, "nan", float("nan"), step=0)
        c.set_terminated(rid)
        c.create_registered_model("ref-model", description="d")
        c.create_model_version("ref-model", f"runs:/{rid}/model",
                               run_id=rid)
        c.create_model_version("ref-model", f"runs:/{rid}/model",
                               run_id=rid, description="described")
        c.set_registered_model_alias("ref-model", "champion", 1)
    finally:
        os.chdir(old)
    return db


# ---- the schema ----

def test_schema_is_mlflows_own(demo_db, tmp_path):
    fresh = tmp_path / "fresh.db"
    c = client_for(fresh)
    c.search_experiments()
    c.search_registered_models()
    ours, theirs = canonical_schema(demo_db), canonical_schema(fresh)
    assert len(ours) > 200
    assert ours == theirs


def test_client_does_not_migrate(demo_copy):
    before_rev = sql(demo_copy, "SELECT version_num FROM alembic_version")
    before_schema = schema_of(demo_copy)
    c = client_for(demo_copy)
    assert len(c.search_experiments()) == len(EXPERIMENTS)
    c.search_registered_models()
    run = c.search_runs(["1"], max_results=1)[0]
    c.get_run(run.info.run_id)
    assert sql(demo_copy, "SELECT version_num FROM alembic_version") \
        == before_rev
    assert len(before_rev) == 1
    assert schema_of(demo_copy) == before_schema


def test_journal_mode_left_alone(demo_db):
    assert sql(demo_db, "PRAGMA journal_mode") == [("delete",)]


def test_create_refuses_existing_file(tmp_path):
    path = tmp_path / "taken.db"
    path.write_bytes(b"not a store")
    proc = mltop("--demo-create", path, check=False)
    assert proc.returncode == 2
    assert path.read_bytes() == b"not a store"
    assert proc.stderr.strip()


def test_create_in_missing_dir_fails_cleanly(tmp_path):
    path = tmp_path / "no" / "such" / "dir" / "demo.db"
    proc = mltop("--demo-create", path, check=False)
    assert proc.returncode == 2
    assert not path.exists()


def test_same_now_gives_same_demo(demo_db, tmp_path):
    other = create_demo(tmp_path / "again.db")
    con_a, con_b = sqlite3.connect(demo_db), sqlite3.connect(other)
    try:
        a = [line.replace(str(demo_db.parent.resolve()), "ROOT")
             for line in con_a.iterdump()]
        b = [line.replace(str(tmp_path.resolve()), "ROOT")
             for line in con_b.iterdump()]
    finally:
        con_a.close()
        con_b.close()
    assert len(a) > 10000
    assert a == b


# ---- experiments and runs ----

def test_experiments(client, demo_db):
    exps = client.search_experiments(view_type=ViewType.ALL)
    assert {e.name for e in exps} == EXPERIMENTS
    root = demo_db.parent.resolve() / "mlruns"
    for e in exps:
        assert e.lifecycle_stage == "active"
        assert e.artifact_location == f"{root}/{e.experiment_id}"
        assert e.creation_time < NOW_MS
    assert len({e.creation_time for e in exps}) == len(exps)
    default = client.get_experiment("0")
    assert default.name == "Default"
    cifar = client.get_experiment_by_name("cifar10-resnet")
    assert cifar.tags["team"] == "vision"
    assert cifar.tags["mlflow.note.content"]
    # the newest experiment is created last
    assert max(exps, key=lambda e: e.creation_time).name == "churn-lightgbm"


def test_run_counts_and_statuses(client):
    for e in client.search_experiments():
        active = client.search_runs([e.experiment_id], max_results=1000)
        assert len(active) == RUN_COUNTS[e.name], e.name
        everything = client.search_runs([e.experiment_id],
                                        run_view_type=ViewType.ALL,
                                        max_results=1000)
        deleted = [r for r in everything if r.info.lifecycle_stage
                   == "deleted"]
        if e.name == DELETED[0]:
            assert [r.info.run_name for r in deleted] == [DELETED[1]]
            assert DELETED[1] not in {r.info.run_name for r in active}
        else:
            assert deleted == []
    runs = all_runs(client)
    statuses = [r.info.status for r in runs]
    assert statuses.count("FAILED") == 1
    assert statuses.count("KILLED") == 1
    assert 18 <= statuses.count("FINISHED") <= 24
    running = {(client.get_experiment(r.info.experiment_id).name,
                r.info.run_name) for r in runs if r.info.status == "RUNNING"}
    assert running == RUNNING


def test_run_fields(client):
    exps = {e.experiment_id: e for e in
            client.search_experiments(view_type=ViewType.ALL)}
    for r in all_runs(client):
        info, tags = r.info, r.data.tags
        assert HEX32.match(info.run_id)
        assert info.artifact_uri == (
            f"{exps[info.experiment_id].artifact_location}/"
            f"{info.run_id}/artifacts")
        assert tags["mlflow.runName"] == info.run_name
        assert tags["mlflow.user"] == info.user_id
        assert tags["mlflow.source.type"] == "LOCAL"
        assert tags["mlflow.source.name"]
        assert info.start_time < NOW_MS
        if info.status == "RUNNING":
            assert info.end_time is None
        else:
            assert info.start_time < info.end_time < NOW_MS
        if info.lifecycle_stage == "deleted":
            assert info.end_time < sql_deleted_time(client, info.run_id)
    assert len({r.info.user_id for r in all_runs(client)}) >= 3
    assert len({r.info.run_id for r in all_runs(client)}) == \
        len(all_runs(client))


def sql_deleted_time(client, run_id):
    db = client.tracking_uri[len("sqlite:///"):]
    (t,), = sql(db, "SELECT deleted_time FROM runs WHERE run_uuid = ?",
                (run_id,))
    assert t is not None
    return t


def test_rows_shaped_like_the_clients(demo_db, reference_db):
    """Column by column, demo rows hold the same kinds of values as rows
    the real client wrote."""
    def kinds(db, query):
        rows = sql(db, query)
        assert rows
        return {tuple(type(v).__name__ for v in row) for row in rows}

    q_run = ("SELECT * FROM runs WHERE status = 'FINISHED' "
             "AND lifecycle_stage = 'active'")
    assert kinds(demo_db, q_run) == kinds(reference_db, q_run)
    fixed = ("SELECT DISTINCT source_type, source_name, entry_point_name, "
             "source_version FROM runs")
    assert sql(demo_db, fixed) == sql(reference_db, fixed)
    for q in ("SELECT * FROM metrics", "SELECT * FROM latest_metrics",
              "SELECT * FROM params", "SELECT * FROM tags",
              "SELECT * FROM experiments WHERE experiment_id > 0",
              "SELECT * FROM registered_model_aliases"):
        assert kinds(demo_db, q) == kinds(reference_db, q), q
    q_mv = ("SELECT * FROM model_versions WHERE run_id IS NOT NULL")
    assert kinds(demo_db, q_mv) == kinds(reference_db, q_mv)
    must = {"mlflow.user", "mlflow.source.name", "mlflow.source.type",
            "mlflow.runName"}
    ref_keys = {k for (k,) in sql(reference_db, "SELECT key FROM tags")}
    assert must <= ref_keys
    for (rid,) in sql(demo_db, "SELECT run_uuid FROM runs"):
        keys = {k for (k,) in sql(demo_db, "SELECT key FROM tags "
                                           "WHERE run_uuid = ?", (rid,))}
        assert must <= keys
    # +Inf and NaN as the client stores them
    assert sql(reference_db, "SELECT value, is_nan FROM metrics WHERE "
                             "key = 'inf'") == [(DBL_MAX, 0)]
    assert sql(reference_db, "SELECT value, is_nan FROM metrics WHERE "
                             "key = 'nan'") == [(0.0, 1)]


def test_params(client):
    run = client.search_runs(
        [client.get_experiment_by_name("cifar10-resnet").experiment_id],
        filter_string="attributes.run_name = 'resnet34-sgd'")[0]
    p = run.data.params
    assert p["model"] == "resnet34"
    assert p["optimizer"] == "sgd"
    assert float(p["lr"]) == 0.1
    assert p["batch_size"] == "128"
    assert p["epochs"] == "150"
    bert = client.search_runs(
        [client.get_experiment_by_name("bert-finetune-sst2").experiment_id],
        filter_string="params.learning_rate = '3e-05'")
    assert [r.info.run_name for r in bert] == ["roberta-base-lr3e-5"]


def test_sweep_is_nested(client):
    eid = client.get_experiment_by_name("churn-lightgbm").experiment_id
    runs = client.search_runs([eid], max_results=100)
    by_id = {r.info.run_id: r for r in runs}
    sweep = [r.info.run_id for r in runs if r.info.run_name == "lr-sweep"]
    children = [r for r in runs
                if r.data.tags.get("mlflow.parentRunId") in sweep]
    assert len(children) == 4
    parents = {r.data.tags["mlflow.parentRunId"] for r in children}
    assert len(parents) == 1
    parent = by_id[parents.pop()]
    assert "mlflow.parentRunId" not in parent.data.tags
    lrs = sorted(float(r.data.params["learning_rate"]) for r in children)
    assert len(set(lrs)) == 4
    for ch in children:
        assert parent.info.start_time < ch.info.start_time
        assert ch.info.end_time < parent.info.end_time
    best = max(ch.data.metrics["valid_auc"] for ch in children)
    assert parent.data.metrics["best_valid_auc"] == best
    found = client.search_runs(
        [eid], filter_string=f"tags.mlflow.parentRunId = "
                             f"'{parent.info.run_id}'")
    assert len(found) == 4


def test_metric_history_agrees_with_latest(client):
    checked = 0
    for r in all_runs(client):
        assert r.data.metrics or is_pipeline(r), r.info.run_name
        for key, latest in r.data.metrics.items():
            hist = client.get_metric_history(r.info.run_id, key)
            assert hist
            assert same_value(latest_of(hist).value, latest), \
                (r.info.run_name, key)
            steps = [m.step for m in hist]
            assert len(steps) == len(set(steps))
            checked += 1
        if r.info.status == "FINISHED" and "mlflow.parentRunId" \
                not in r.data.tags and len(r.data.metrics) > 2:
            n = len(client.get_metric_history(r.info.run_id,
                                              next(iter(r.data.metrics))))
            assert 50 <= n <= 300, (r.info.run_name, n)
    assert checked > 100


def test_curves_look_like_training(client):
    eid = client.get_experiment_by_name("cifar10-resnet").experiment_id
    run = client.search_runs(
        [eid], filter_string="attributes.run_name = 'resnet50-long'")[0]
    rid = run.info.run_id

    def values(key):
        return [m.value for m in sorted(client.get_metric_history(rid, key),
                                        key=lambda m: m.step)]
    loss, acc, lr = values("train_loss"), values("val_acc"), values("lr")
    assert len(loss) == 300
    assert loss[-1] < loss[0] / 5
    assert acc[-1] > acc[0] + 0.5
    assert max(lr) > lr[-1]
    # noisy, not a straight line
    ups = sum(1 for a, b in zip(loss, loss[1:]) if b > a)
    assert 10 < ups < 200
    times = [m.timestamp for m in sorted(
        client.get_metric_history(rid, "train_loss"), key=lambda m: m.step)]
    assert times == sorted(times)
    assert run.info.start_time < times[0] and times[-1] <= run.info.end_time


def test_failed_run_goes_nan_after_inf(client, demo_db):
    failed = [r for r in all_runs(client) if r.info.status == "FAILED"]
    assert len(failed) == 1
    run = failed[0]
    assert math.isnan(run.data.metrics["train_loss"])
    hist = sorted(client.get_metric_history(run.info.run_id, "train_loss"),
                  key=lambda m: m.step)
    assert math.isnan(hist[-1].value)
    assert all(not math.isnan(m.value) for m in hist[:-1])
    assert hist[-1].timestamp <= run.info.end_time
    grad = client.get_metric_history(run.info.run_id, "grad_norm")
    assert DBL_MAX in [m.value for m in grad]
    assert sql(demo_db, "SELECT value, is_nan FROM metrics WHERE run_uuid = ?"
                        " AND key = 'train_loss' ORDER BY step DESC LIMIT 1",
               (run.info.run_id,)) == [(0.0, 1)]
    assert sql(demo_db, "SELECT COUNT(*) FROM metrics WHERE value = ? "
                        "AND is_nan = 0", (DBL_MAX,)) == [(1,)]


def test_killed_run_stops_early(client):
    run = [r for r in all_runs(client) if r.info.status == "KILLED"][0]
    hist = client.get_metric_history(run.info.run_id, "train_loss")
    assert int(run.data.params["epochs"]) > len(hist)


def test_unicode_run_name(client):
    eid = client.get_experiment_by_name("bert-finetune-sst2").experiment_id
    names = [r.info.run_name for r in client.search_runs([eid])]
    uni = [n for n in names if any(ord(ch) > 127 for ch in n)]
    assert uni == ["ベースライン-α"]
    run = client.search_runs(
        [eid], filter_string="attributes.run_name = 'ベースライン-α'")
    assert len(run) == 1


def test_running_runs_have_recent_points(client):
    for r in all_runs(client):
        if r.info.status != "RUNNING" or is_pipeline(r):
            continue
        assert set(r.data.metrics)
        for key in r.data.metrics:
            hist = client.get_metric_history(r.info.run_id, key)
            assert 5 <= len(hist) <= 60
            assert NOW_MS - 5 * 60_000 < latest_of(hist).timestamp < NOW_MS


# ---- registry ----

def test_registry(client):
    models = client.search_registered_models()
    assert sorted(m.name for m in models) == ["churn-classifier",
                                              "cifar10-resnet"]
    churn = client.get_registered_model("churn-classifier")
    assert churn.aliases == {"champion": 2, "challenger": 3}
    versions = client.search_model_versions("name = 'churn-classifier'")
    assert sorted(int(v.version) for v in versions) == [1, 2, 3]
    stages = {int(v.version): v.current_stage for v in versions}
    assert stages == {1: "Archived", 2: "Production", 3: "Staging"}
    champion = client.get_model_version_by_alias("churn-classifier",
                                                 "champion")
    assert champion.version in (2, "2")
    for v in versions + client.search_model_versions(
            "name = 'cifar10-resnet'"):
        assert v.status == "READY"
        run = client.get_run(v.run_id)
        assert v.source == f"runs:/{run.info.run_id}/model"
        assert v.creation_timestamp > run.info.end_time
    cifar = client.search_model_versions("name = 'cifar10-resnet'")
    assert len(cifar) == 2
    assert churn.creation_timestamp <= min(v.creation_timestamp
                                           for v in versions)


def test_prompt_is_hidden_from_models(demo_db, client):
    names = [m.name for m in client.search_registered_models()]
    assert "sst2-zero-shot" not in names
    mlflow.set_tracking_uri(f"sqlite:///{demo_db}")
    mlflow.set_registry_uri(f"sqlite:///{demo_db}")
    prompt = mlflow.genai.load_prompt("prompts:/sst2-zero-shot/1")
    assert "{{review}}" in prompt.template
    assert [p.name for p in mlflow.genai.search_prompts()] == \
        ["sst2-zero-shot"]
    assert sql(demo_db, "SELECT value FROM registered_model_tags WHERE "
                        "name = 'sst2-zero-shot' AND key = "
                        "'mlflow.prompt.is_prompt'") == [("true",)]


def test_workspace_is_the_column_default(demo_db):
    for table in ("experiments", "registered_models", "model_versions",
                  "registered_model_aliases", "registered_model_tags",
                  "model_version_tags"):
        assert sql(demo_db, f"SELECT DISTINCT workspace FROM {table}") \
            == [("default",)], table


# ---- the trainer ----

def history_counts(db):
    return dict(((r, k), n) for r, k, n in sql(
        db, "SELECT run_uuid, key, COUNT(*) FROM metrics GROUP BY 1, 2"))


def test_trainer_ticks(demo_copy):
    c = client_for(demo_copy)
    before = history_counts(demo_copy)
    revision = sql(demo_copy, "SELECT version_num FROM alembic_version")
    # The pipeline's stages move on too (test_trainer_advances_the_pipeline)
    running = [r for r in all_runs(c) if r.info.status == "RUNNING" and
               (r.info.experiment_id, r.info.run_name) not in PIPELINE_RUNS(c)]
    assert len(running) == 3
    t0 = int(time.time() * 1000)
    mltop("--demo-trainer", demo_copy, "--ticks", 3, "--interval", 20)
    after = history_counts(demo_copy)
    running_ids = {r.info.run_id for r in running}
    staged = {r.info.run_id for r in all_runs(c)
              if (r.info.experiment_id, r.info.run_name)
              in PIPELINE_RUNS(c)}
    for (rid, key), n in before.items():
        if rid in staged:
            continue
        if rid in running_ids:
            assert after[(rid, key)] == n + 3, key
        else:
            assert after[(rid, key)] == n
    assert {k for k in after if k[0] not in staged} == \
        {k for k in before if k[0] not in staged}
    for r in running:
        fresh = c.get_run(r.info.run_id)
        assert set(fresh.data.metrics) == set(r.data.metrics)
        for key, latest in fresh.data.metrics.items():
            hist = sorted(c.get_metric_history(r.info.run_id, key),
                          key=lambda m: m.step)
            assert same_value(hist[-1].value, latest)
            steps = [m.step for m in hist]
            assert steps == list(range(steps[0], steps[0] + len(steps)))
            assert hist[-1].timestamp >= t0
            assert not math.isnan(hist[-1].value)
        assert fresh.info.status == "RUNNING"
    assert sql(demo_copy, "SELECT version_num FROM alembic_version") == \
        revision
    assert sql(demo_copy, "PRAGMA journal_mode") == [("delete",)]


def PIPELINE_RUNS(c):
    eid = c.get_experiment_by_name("churn-nightly").experiment_id
    return {(eid, n) for n in ["nightly-retrain"] + [s for s, _ in STAGES]}


def test_pipeline_is_nested(client):
    """nightly-retrain: a parent run with its stages as child runs, prep
    done, train training (the others not started yet), as the MLflow
    client reads them."""
    eid = client.get_experiment_by_name("churn-nightly").experiment_id
    runs = client.search_runs([eid], max_results=100)
    parent = [r for r in runs if is_pipeline(r)]
    assert [r.info.run_name for r in parent] == ["nightly-retrain"]
    parent = parent[0]
    assert parent.data.tags[PIPELINE_TAG] == \
        ",".join(f"{n}:{s}" for n, s in STAGES)
    kids = client.search_runs(
        [eid], filter_string=f"tags.mlflow.parentRunId = "
                             f"'{parent.info.run_id}'",
        order_by=["attributes.start_time ASC"])
    assert [(r.info.run_name, r.info.status) for r in kids] == \
        [("prep", "FINISHED"), ("train", "RUNNING")]
    assert parent.info.start_time < kids[0].info.start_time < \
        kids[0].info.end_time < kids[1].info.start_time
    assert "valid_auc" in kids[1].data.metrics


def test_trainer_advances_the_pipeline(demo_copy):
    """The trainer finishes a stage when its seconds are up and starts the
    next as a child run the client reads like any other; after the last,
    the parent finishes. The demo's "now" is pinned in the past, so train
    is long over: each tick moves one stage (train, then evaluate started
    now; its seconds are set back to move it on)."""
    c = client_for(demo_copy)
    eid = c.get_experiment_by_name("churn-nightly").experiment_id

    def stages():
        parent = [r for r in c.search_runs([eid], max_results=100)
                  if is_pipeline(r)][0]
        kids = c.search_runs(
            [eid], filter_string=f"tags.mlflow.parentRunId = "
                                 f"'{parent.info.run_id}'",
            order_by=["attributes.start_time ASC"])
        return parent, kids

    t0 = int(time.time() * 1000)
    mltop("--demo-trainer", demo_copy, "--ticks", 1, "--interval", 0)
    parent, kids = stages()
    assert [(r.info.run_name, r.info.status) for r in kids] == \
        [("prep", "FINISHED"), ("train", "FINISHED"),
         ("evaluate", "RUNNING")]
    ev = kids[2]
    assert ev.info.start_time >= t0 and ev.info.end_time is None
    assert ev.info.user_id == parent.info.user_id
    assert ev.data.tags["mlflow.runName"] == "evaluate"
    assert kids[1].info.end_time == ev.info.start_time
    assert parent.info.status == "RUNNING"
    # A tick before evaluate's 45 s are up leaves it running.
    mltop("--demo-trainer", demo_copy, "--ticks", 1, "--interval", 0)
    assert [r.info.status for r in stages()[1]][-1] == "RUNNING"
    for _ in range(2):   # evaluate, then register: their time is up
        sql_write(demo_copy, "UPDATE runs SET start_time = start_time - 100000 "
                       "WHERE status = 'RUNNING' AND name IN "
                       "('evaluate', 'register')")
        mltop("--demo-trainer", demo_copy, "--ticks", 1, "--interval", 0)
    parent, kids = stages()
    assert [(r.info.run_name, r.info.status) for r in kids] == \
        [(n, "FINISHED") for n, _ in STAGES]
    assert parent.info.status == "FINISHED"
    assert parent.info.end_time == kids[-1].info.end_time


def test_trainer_refuses_a_store_it_did_not_make(tmp_path):
    """A real store: the demo trainer must not append made-up points."""
    db = tmp_path / "real.db"
    c = client_for(db)
    exp = c.create_experiment("real")
    run = c.create_run(exp)
    c.log_metric(run.info.run_id, "loss", 1.0, step=0)
    before = history_counts(db)
    before_bytes = db.read_bytes()
    proc = mltop("--demo-trainer", db, "--ticks", 3, "--interval", 0,
                 check=False)
    assert proc.returncode == 2, proc.stderr
    assert "not a demo store made by mltop --demo-create" in proc.stderr
    assert history_counts(db) == before
    assert db.read_bytes() == before_bytes
    assert [m.value for m in c.get_metric_history(run.info.run_id,
                                                  "loss")] == [1.0]


def test_trainer_refused_under_read_only(demo_copy):
    before = history_counts(demo_copy)
    proc = mltop("--read-only", "--demo-trainer", demo_copy, "--ticks", 3,
                 "--interval", 0, check=False)
    assert proc.returncode == 5, proc.stderr
    assert "--read-only" in proc.stderr
    assert history_counts(demo_copy) == before


def test_demo_store_is_marked(demo_db):
    assert sql(demo_db, "PRAGMA application_id") == [(0x6d6c7470,)]


def test_trainer_curves_continue(demo_copy):
    c = client_for(demo_copy)
    run = [r for r in all_runs(c) if r.info.run_name == "resnet50-wd5e-4"][0]
    mltop("--demo-trainer", demo_copy, "--ticks", 40, "--interval", 0)
    hist = sorted(c.get_metric_history(run.info.run_id, "train_loss"),
                  key=lambda m: m.step)
    vals = [m.value for m in hist]
    assert len(vals) == 28 + 40
    assert sum(vals[-10:]) < sum(vals[:10])
    assert all(v > 0 for v in vals)
    acc = [m.value for m in sorted(
        c.get_metric_history(run.info.run_id, "val_acc"),
        key=lambda m: m.step)]
    assert acc[-1] > acc[0]
    assert all(0 <= v <= 1 for v in acc)


def test_trainer_skips_runs_the_client_ended(demo_copy):
    c = client_for(demo_copy)
    run = [r for r in all_runs(c) if r.info.run_name == "deberta-v3-base"][0]
    rid = run.info.run_id
    c.log_metric(rid, "eval_accuracy", 0.5, step=1000)
    c.set_terminated(rid, "KILLED")
    n = len(c.get_metric_history(rid, "train_loss"))
    mltop("--demo-trainer", demo_copy, "--ticks", 2, "--interval", 0)
    assert len(c.get_metric_history(rid, "train_loss")) == n
    assert c.get_run(rid).data.metrics["eval_accuracy"] == 0.5


def test_trainer_with_client_reading(demo_copy):
    """The client keeps reading while the trainer writes."""
    c = client_for(demo_copy)
    errors, reads = [], [0]
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                for r in c.search_runs(["1", "2"], max_results=100):
                    if r.info.status == "RUNNING":
                        c.get_metric_history(r.info.run_id, "train_loss")
                reads[0] += 1
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    th = threading.Thread(target=reader)
    th.start()
    try:
        mltop("--demo-trainer", demo_copy, "--ticks", 30, "--interval", 30)
    finally:
        stop.set()
        th.join(timeout=60)
    assert errors == []
    assert reads[0] > 0
    running = [r for r in all_runs(c) if r.info.status == "RUNNING"]
    for r in running:
        for key in r.data.metrics:
            assert len(c.get_metric_history(r.info.run_id, key)) >= 30


def test_trainer_on_missing_store_fails(tmp_path):
    proc = mltop("--demo-trainer", tmp_path / "nope.db", "--ticks", 1,
                 "--interval", 0, check=False)
    assert proc.returncode == 2
    assert not (tmp_path / "nope.db").exists()
