# test_runs_scan.py: `mltop runs --experiment X --json` streams the runs
# of one experiment a batch at a time (memory follows the batch, not the
# store). Its output must stay what the client reads, in MLflow's order:
# start_time DESC, then run id, across batch boundaries that fall inside
# groups of runs with the same start time.
import random
import sqlite3
import uuid

import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

import compare
import mlflow_readout as readout

NRUNS = 1700          # a few of mltop's 500-run batches
TIE = 7               # runs sharing one start time (straddles batches)
BASE_MS = 1_750_000_000_000


@pytest.fixture(scope="module")
def tied_store(tmp_path_factory):
    """Three runs written by the client, then SQL copies of them with new
    ids, in groups of TIE equal start times; some deleted, mixed status."""
    path = tmp_path_factory.mktemp("scan") / "mlflow.db"
    uri = f"sqlite:///{path}"
    c = MlflowClient(tracking_uri=uri)
    eid = c.create_experiment("scan")
    other = c.create_experiment("other")
    templates = []
    for i in range(3):
        r = c.create_run(eid, run_name=f"template-{i}",
                         tags={"team": "ml", f"t{i}": "x"})
        rid = r.info.run_id
        c.log_param(rid, "lr", str(0.1 * (i + 1)))
        c.log_param(rid, "opt.name", ["adam", "sgd", "adam"][i])
        c.log_metric(rid, "loss", [0.5, float("nan"), 0.25][i], step=3)
        if i != 1:
            c.log_metric(rid, "acc", 0.9 - i * 0.1, step=3)
        c.set_terminated(rid, ["FINISHED", "FAILED", "KILLED"][i])
        templates.append(rid)
    c.create_run(other, run_name="elsewhere")
    db = sqlite3.connect(path)
    cols = [r[1] for r in db.execute("PRAGMA table_info(runs)")]
    rng = random.Random(5)
    with db:
        for i in range(NRUNS):
            src = templates[i % 3]
            rid = uuid.UUID(int=rng.getrandbits(128), version=4).hex
            row = dict(zip(cols, db.execute(
                "SELECT * FROM runs WHERE run_uuid = ?", (src,)).fetchone()))
            row.update(run_uuid=rid, start_time=BASE_MS + (i // TIE) * 1000,
                       end_time=BASE_MS + (i // TIE) * 1000 + 500,
                       status=["FINISHED", "RUNNING", "FAILED"][i % 3],
                       lifecycle_stage="deleted" if i % 97 == 0
                       else "active")
            if "name" in row:
                row["name"] = f"copy-{i:04d}"
            if row["status"] == "RUNNING":
                row["end_time"] = None
            db.execute("INSERT INTO runs (%s) VALUES (%s)" % (
                ", ".join(row), ", ".join("?" * len(row))),
                list(row.values()))
            for table in ("params", "tags", "latest_metrics", "metrics"):
                tcols = [r[1] for r in db.execute(
                    f"PRAGMA table_info({table})")]
                for r in db.execute(f"SELECT * FROM {table} WHERE "
                                    "run_uuid = ?", (src,)).fetchall():
                    d = dict(zip(tcols, r))
                    d["run_uuid"] = rid
                    if table == "tags" and d["key"] == "mlflow.runName":
                        d["value"] = f"copy-{i:04d}"
                    db.execute("INSERT INTO %s (%s) VALUES (%s)" % (
                        table, ", ".join(d), ", ".join("?" * len(d))),
                        list(d.values()))
    db.close()
    return uri, eid, c


def _ids(doc):
    return [r["info"]["run_id"] for r in doc["runs"]]


@pytest.mark.parametrize("view", ["active", "all"])
def test_streamed_runs_equal_client_in_order(mltop, tied_store, view):
    uri, eid, c = tied_store
    vt = ViewType.ALL if view == "all" else ViewType.ACTIVE_ONLY
    want = readout.runs(c, [eid], view=vt)
    args = ["-u", uri, "runs", "--experiment", eid, "--json"]
    if view == "all":
        args.insert(-1, "--all")
    got = mltop.json(*args)
    n = NRUNS + 3 - (0 if view == "all" else len(range(0, NRUNS, 97)))
    assert len(want["runs"]) == n, len(want["runs"])
    if _ids(got) != _ids(want):
        first = next(i for i, (a, b) in enumerate(zip(_ids(got),
                                                      _ids(want)))
                     if a != b) if len(got["runs"]) == len(want["runs"]) \
            else min(len(got["runs"]), len(want["runs"]))
        pytest.fail(f"runs --json ({view}): order differs from the client's "
                    f"from position {first} of {len(want['runs'])}: mltop "
                    f"{_ids(got)[first:first + 3]}, client "
                    f"{_ids(want)[first:first + 3]}")
    compare.compare_runs(want, got, f"streamed runs --json ({view})")


def test_streamed_max_results(mltop, tied_store):
    uri, eid, c = tied_store
    want = [r.info.run_id for r in c.search_runs([eid], max_results=503)]
    got = mltop.json("-u", uri, "runs", "--experiment", eid,
                     "--max-results", "503", "--json")
    assert _ids(got) == want


@pytest.mark.parametrize("order", [
    ["metrics.loss ASC"],            # NaN and ties over every batch
    ["metrics.acc DESC", "params.`opt.name` ASC"],  # runs without acc
    ["attributes.run_name DESC"],
    ["tags.team ASC", "attributes.status DESC"],
])
def test_streamed_in_a_given_order(mltop, tied_store, order):
    """--order-by streams too (one ordered pass of keys, then batches):
    the client's runs in the client's order, across batch boundaries
    inside long runs of equal values, with --max-results cutting one."""
    uri, eid, c = tied_store
    want = [r.info.run_id for r in c.search_runs(
        [eid], order_by=order, max_results=5000)]
    args = ["-u", uri, "runs", "--experiment", eid, "--json"]
    for o in order:
        args += ["--order-by", o]
    got = _ids(mltop.json(*args))
    assert len(got) == len(want) > 1000
    assert got == want, next(i for i, (a, b) in enumerate(zip(got, want))
                             if a != b)
    got = _ids(mltop.json(*args, "--max-results", "777"))
    assert got == want[:777]


def test_streamed_same_as_loaded(mltop, tied_store):
    """The text listing still loads the experiment whole; the streamed
    JSON lists the same runs in the same order."""
    uri, eid, c = tied_store
    got = mltop.json("-u", uri, "runs", "--experiment", eid, "--json")
    p = mltop.run("-u", uri, "runs", "--experiment", eid)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().splitlines()[1:]
    assert [ln.split()[0] for ln in lines] == _ids(got)


def test_streamed_without_run_uuid_indexes(mltop, tied_store, tmp_path):
    """A store from before MLflow indexed params and tags by run_uuid is
    read in few big batches: the same runs, the same order."""
    uri, eid, c = tied_store
    src = uri[len("sqlite:///"):]
    dst = tmp_path / "noindex.db"
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    with sqlite3.connect(dst) as b:
        b.execute("DROP INDEX IF EXISTS index_params_run_uuid")
        b.execute("DROP INDEX IF EXISTS index_tags_run_uuid")
    want = mltop.json("-u", uri, "runs", "--experiment", eid, "--json")
    got = mltop.json("-u", f"sqlite:///{dst}", "runs", "--experiment", eid,
                     "--json")
    assert _ids(got) == _ids(want)
    assert got == want
