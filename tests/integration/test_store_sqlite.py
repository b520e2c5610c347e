# test_store_sqlite.py: mltop's scripting commands against SQLite stores
# written by the real MLflow client (the pinned release in-process, 2.9.2 in a venv).
#
# Every value mltop prints is checked against what MlflowClient reads back
# from the same file; error cases check exit codes and the one-line message.
import json
import os
import random
import shutil
import subprocess
import sqlite3
import tempfile
import unicodedata
from pathlib import Path

import pytest

import compare
import mlflow_populate as pop
import mlflow_readout as readout
from conftest import MLFLOW_PIN, parse_json, run_script

STORES = [f"mlflow-{MLFLOW_PIN}", "mlflow-2.9.2"]


class Built:
    def __init__(self, label, path, manifest, data):
        self.label = label
        self.path = path
        self.uri = "sqlite:///" + str(path)
        self.manifest = manifest
        self.readout = data

    def exp_id(self, label):
        return self.manifest["experiments"][label]

    def run_id(self, label):
        return self.manifest["runs"][label]

    def runs_of(self, exp_label, view="active"):
        return self.readout["runs_by_experiment"][self.exp_id(exp_label)][view]


@pytest.fixture(scope="module", params=STORES)
def built(request, tmp_path_factory):
    label = request.param
    d = tmp_path_factory.mktemp(label)
    path = d / "mlflow.db"
    uri = "sqlite:///" + str(path)
    if label.startswith("mlflow-3"):
        import mlflow
        from mlflow import MlflowClient
        assert mlflow.__version__ == MLFLOW_PIN, mlflow.__version__
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(d)
            manifest = pop.populate(uri, str(d))
            data = readout.full_readout(MlflowClient(tracking_uri=uri))
    else:
        py = request.getfixturevalue("mlflow2_python")
        manifest = run_script(py, "mlflow_populate.py", uri, d, cwd=d)
        data = run_script(py, "mlflow_readout.py", uri, cwd=d)
        assert data["mlflow_version"] == "2.9.2", data["mlflow_version"]
    return Built(label, path, manifest, data)


def clean(built):
    # A store written by the pinned release must read without complaint;
    # an old (2.x) schema may reasonably earn a note on stderr.
    return built.label.startswith("mlflow-3")


# ---- experiments ----------------------------------------------------------

def test_experiments_match_client(mltop, built):
    got = mltop.json("-u", built.uri, "experiments", "--json",
                     allow_stderr=not clean(built))
    compare.compare_experiments(built.readout["experiments_active"], got,
                                f"{built.label}: experiments --json")
    ids = {e["experiment_id"] for e in got["experiments"]}
    assert built.exp_id("deleted") not in ids, \
        "a deleted experiment is listed without --all"


def test_experiments_all_match_client(mltop, built):
    got = mltop.json("-u", built.uri, "experiments", "--all", "--json",
                     allow_stderr=not clean(built))
    compare.compare_experiments(built.readout["experiments_all"], got,
                                f"{built.label}: experiments --all --json")
    stage = {e["experiment_id"]: e["lifecycle_stage"]
             for e in got["experiments"]}
    assert stage.get(built.exp_id("deleted")) == "deleted"


# ---- runs -----------------------------------------------------------------

def test_runs_default_match_client(mltop, built):
    """No --experiment: the active runs of every active experiment."""
    got = mltop.json("-u", built.uri, "runs", "--json",
                     allow_stderr=not clean(built))
    compare.compare_runs(built.readout["runs_of_active_experiments"], got,
                         f"{built.label}: runs --json")


def test_runs_all_without_experiment(mltop, built):
    """--all adds deleted runs; runs of deleted experiments may appear,
    but then they too must be exactly what the client reads."""
    got = mltop.json("-u", built.uri, "runs", "--all", "--json",
                     allow_stderr=not clean(built))
    deleted_exp = built.exp_id("deleted")
    compare.compare_runs(
        built.readout["runs_of_active_experiments_all"], got,
        f"{built.label}: runs --all --json",
        allow_extra=lambda r: r["info"].get("experiment_id") == deleted_exp)
    extra = [r for r in got["runs"]
             if r["info"]["experiment_id"] == deleted_exp]
    if extra:
        compare.compare_runs(built.runs_of("deleted", "all"), {"runs": extra},
                             f"{built.label}: runs of a deleted experiment")
    ids = {r["info"]["run_id"]: r for r in got["runs"]}
    assert built.run_id("deleted_run") in ids, "--all misses a deleted run"
    assert ids[built.run_id("deleted_run")]["info"]["lifecycle_stage"] == \
        "deleted"


@pytest.mark.parametrize("view", ["active", "all"])
@pytest.mark.parametrize("select_by", ["id", "name"])
def test_runs_per_experiment_match_client(mltop, built, view, select_by):
    for exp in built.readout["experiments_active"]["experiments"]:
        eid = exp["experiment_id"]
        sel = eid if select_by == "id" else exp["name"]
        args = ["-u", built.uri, "runs", "--experiment", sel, "--json"]
        if view == "all":
            args.insert(-1, "--all")
        got = mltop.json(*args, allow_stderr=not clean(built))
        compare.compare_runs(
            built.readout["runs_by_experiment"][eid][view], got,
            f"{built.label}: runs --experiment {compare.short(sel, 40)} "
            f"({view})")


def test_deleted_run_hidden_by_default(mltop, built):
    got = mltop.json("-u", built.uri, "runs", "--experiment",
                     built.exp_id("main"), "--json",
                     allow_stderr=not clean(built))
    ids = {r["info"]["run_id"] for r in got["runs"]}
    assert built.run_id("deleted_run") not in ids
    assert built.run_id("numbers") in ids


def test_nested_runs_carry_parent(mltop, built):
    got = mltop.json("-u", built.uri, "runs", "--experiment",
                     built.exp_id("unicode"), "--json",
                     allow_stderr=not clean(built))
    runs = {r["info"]["run_id"]: r for r in got["runs"]}
    parent = built.run_id("parent")
    assert parent in runs
    for child in ("child0", "child1"):
        tags = {t["key"]: t["value"]
                for t in runs[built.run_id(child)]["data"]["tags"]}
        assert tags.get("mlflow.parentRunId") == parent, (child, tags)


def test_special_floats(mltop, built):
    """NaN is the string "NaN"; +/-Inf come back as the +/-DBL_MAX that
    MLflow stored, exactly as the client reads them."""
    got = mltop.json("-u", built.uri, "runs", "--experiment",
                     built.exp_id("main"), "--json",
                     allow_stderr=not clean(built))
    run = next(r for r in got["runs"]
               if r["info"]["run_id"] == built.run_id("numbers"))
    m = {x["key"]: x["value"] for x in run["data"]["metrics"]}
    assert m["nan"] == "NaN"
    assert m["mixed"] == "NaN"
    assert m["pinf"] == 1.7976931348623157e308
    assert m["ninf"] == -1.7976931348623157e308
    assert m["tenth_sum"] == 0.1 + 0.2
    assert m["subnormal"] == 5e-324
    assert m["tiny"] == 1e-320
    assert m["int_like"] == 12345


def test_long_and_unicode_strings_exact(mltop, built):
    got = mltop.json("-u", built.uri, "runs", "--experiment",
                     built.exp_id("main"), "--json",
                     allow_stderr=not clean(built))
    runs = {r["info"]["run_id"]: r for r in got["runs"]}
    long_run = runs[built.run_id("long")]
    assert len(long_run["info"]["run_name"]) == pop.LONG
    params = {p["key"]: p["value"] for p in long_run["data"]["params"]}
    assert len(params["p5000"]) == pop.LONG
    assert len(params["pmax"]) == 6000
    tags = {t["key"]: t["value"] for t in long_run["data"]["tags"]}
    assert len(tags["tmax"]) == (8000 if built.label.startswith("mlflow-3")
                                 else 5000)
    assert runs[built.run_id("unicode")]["info"]["run_name"] == \
        pop.UNICODE_NAME
    assert runs[built.run_id("escape")]["info"]["run_name"] == pop.ESC_NAME
    assert runs[built.run_id("c1")]["info"]["run_name"] == pop.C1_NAME
    assert runs[built.run_id("newline")]["info"]["run_name"] == \
        pop.NEWLINE_NAME


# ---- metric history -------------------------------------------------------

def test_metric_history_matches_client(mltop, built):
    active = {r["info"]["run_id"]
              for r in built.readout["runs_of_active_experiments"]["runs"]}
    checked = 0
    for rid, hists in sorted(built.readout["metric_histories"].items()):
        if rid not in active:
            continue
        for key, hist in sorted(hists.items()):
            got = mltop.json("-u", built.uri, "metric", rid, key, "--json",
                             allow_stderr=not clean(built))
            compare.compare_history(hist, got, f"{built.label}: metric "
                                    f"{rid} {key!r}")
            checked += 1
    assert checked >= 20, f"only {checked} histories checked"


def test_history_10000_steps_in_order(mltop, built):
    got = mltop.json("-u", built.uri, "metric", built.run_id("history"),
                     "loss", "--json", allow_stderr=not clean(built))
    pts = got["metrics"]
    assert len(pts) == 10_000
    assert [p["step"] for p in pts] == list(range(10_000))
    bad = [(p["step"], p["value"]) for p in pts
           if p["value"] != 1.0 / (p["step"] + 1)]
    assert not bad, f"{len(bad)} wrong values, first {bad[:3]}"


def test_several_values_at_one_step(mltop, built):
    got = mltop.json("-u", built.uri, "metric", built.run_id("same_step"),
                     "multi", "--json", allow_stderr=not clean(built))
    seq = [(p["step"], p["timestamp"], p["value"]) for p in got["metrics"]]
    t = pop.T0
    assert seq[:4] == [(0, t + 10, 0.5), (4, t + 99, 9.0),
                       (5, t + 60, 1.0), (5, t + 61, 2.0)], seq
    assert sorted(seq[4:]) == [(5, t + 62, 3.0), (5, t + 62, 4.0)], seq
    # The latest value is chosen by step before timestamp, like MLflow.
    runs = mltop.json("-u", built.uri, "runs", "--experiment",
                      built.exp_id("main"), "--json",
                      allow_stderr=not clean(built))
    run = next(r for r in runs["runs"]
               if r["info"]["run_id"] == built.run_id("same_step"))
    latest = {m["key"]: (m["step"], m["timestamp"], m["value"])
              for m in run["data"]["metrics"]}
    assert latest["multi"] == (5, t + 62, 4.0)
    assert latest["tie"] == (1, t + 70, 8.0)


# ---- plain tables ---------------------------------------------------------

def _table(mltop, *args):
    p = mltop.run(*args)
    assert p.returncode == 0, (args, p.returncode, p.stderr)
    raw = p.stdout
    assert b"\x1b" not in raw, \
        f"raw ESC in `mltop {' '.join(map(str, args))}` output"
    assert b"\x07" not in raw, "raw BEL in table output"
    text = raw.decode("utf-8")
    ctl = sorted({f"U+{ord(c):04X}" for c in text
                  if unicodedata.category(c) == "Cc" and c != "\n"})
    assert not ctl, f"raw control characters in table output: {ctl}"
    lines = text.rstrip("\n").split("\n")
    return text, lines


def test_runs_table_shows_escapes_visibly(mltop, built):
    text, lines = _table(mltop, "-u", built.uri, "runs", "--experiment",
                         built.exp_id("main"))
    assert "^[[2J^[]0;pwned" in text, \
        "the escape-laden run name is not shown with ^[ for ESC"
    n = len(built.runs_of("main")["runs"])
    assert len(lines) == 1 + n, \
        f"expected a header and {n} rows, got {len(lines)} lines"
    assert "^[" not in lines[0]


def test_runs_table_every_experiment(mltop, built):
    text, lines = _table(mltop, "-u", built.uri, "runs")
    n = len(built.readout["runs_of_active_experiments"]["runs"])
    assert len(lines) == 1 + n, \
        f"expected a header and {n} rows, got {len(lines)} lines"


def test_experiments_table_shows_escapes_visibly(mltop, built):
    text, lines = _table(mltop, "-u", built.uri, "experiments")
    assert "^[[31mred-exp" in text
    n = len(built.readout["experiments_active"]["experiments"])
    assert len(lines) == 1 + n, \
        f"expected a header and {n} rows, got {len(lines)} lines"
    assert "mltop edge cases" in text


def test_metric_table(mltop, built):
    text, lines = _table(mltop, "-u", built.uri, "metric",
                         built.run_id("same_step"), "multi")
    assert len(lines) == 1 + 6, lines


# ---- read-only ------------------------------------------------------------

def test_mltop_never_writes_the_store(mltop, built, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(built.path, path)
    before = Path(path).read_bytes()
    uri = "sqlite:///" + str(path)
    for args in (["experiments", "--all", "--json"], ["runs", "--all"],
                 ["metric", built.run_id("history"), "loss", "--json"]):
        p = mltop.run("-u", uri, *args)
        assert p.returncode == 0, (args, p.stderr)
    assert Path(path).read_bytes() == before, "mltop changed the store file"
    assert sorted(os.listdir(tmp_path)) == ["copy.db"], \
        f"mltop left files beside the store: {os.listdir(tmp_path)}"


# ---- tracking URI forms ---------------------------------------------------

@pytest.fixture
def small(store_factory):
    s = store_factory("mlflow.db")
    eid = s.client.create_experiment("small 小")
    r = s.client.create_run(eid, run_name="only")
    s.client.log_metric(r.info.run_id, "m", 1.5, step=3)
    from mlflow.entities import ViewType
    s.expected = readout.experiments(s.client, ViewType.ACTIVE_ONLY)
    return s


@pytest.mark.parametrize("form", [
    "sqlite-relative", "sqlite-absolute", "plain-relative", "plain-absolute",
    "long-option", "env", "default-file", "option-beats-env",
    "sqlite-relative-subdir"])
def test_tracking_uri_forms(mltop, small, form):
    d = small.path.parent
    env = {}
    if form == "sqlite-relative-subdir":
        (d / "sub").mkdir()
        shutil.copy(small.path, d / "sub" / "x.db")
    args = {
        "sqlite-relative": ["-u", "sqlite:///mlflow.db"],
        "sqlite-absolute": ["-u", "sqlite:///" + str(small.path)],
        "plain-relative": ["-u", "mlflow.db"],
        "plain-absolute": ["-u", str(small.path)],
        "long-option": ["--tracking-uri", "sqlite:///mlflow.db"],
        "env": [],
        "default-file": [],
        "option-beats-env": ["-u", "sqlite:///mlflow.db"],
        "sqlite-relative-subdir": ["-u", "sqlite:///sub/x.db"],
    }[form]
    if form == "env":
        env["MLFLOW_TRACKING_URI"] = "sqlite:///" + str(small.path)
    if form == "option-beats-env":
        env["MLFLOW_TRACKING_URI"] = "sqlite:///" + str(d / "nothere.db")
    assert str(small.path.resolve()).startswith("/")
    got = mltop.json(*args, "experiments", "--json", env=env, cwd=d,
                     allow_stderr=False)
    compare.compare_experiments(small.expected, got, f"uri form {form}")


def test_env_used_when_no_option(mltop, small, tmp_path):
    """The env var wins over ./mlflow.db: run from a dir holding another
    store and check which one was read."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    got = mltop.json("experiments", "--json", cwd=other,
                     env={"MLFLOW_TRACKING_URI": "sqlite:///" +
                          str(small.path)}, allow_stderr=False)
    assert "small 小" in [e["name"] for e in got["experiments"]]


# ---- errors ---------------------------------------------------------------

def _store_error(p, what):
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, \
        f"{what}: expected exit 2, got {p.returncode}; stderr {err!r}"
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("mltop: "), \
        f"{what}: expected one line starting 'mltop: ', got {err!r}"
    assert p.stdout == b"", f"{what}: printed to stdout: {p.stdout[:200]!r}"
    return lines[0]


@pytest.mark.parametrize("cmd", [["experiments", "--json"], ["runs"]])
def test_missing_file(mltop, tmp_path, cmd):
    path = tmp_path / "no" / "such.db"
    (tmp_path / "no").mkdir()
    p = mltop.run("-u", "sqlite:///" + str(path), *cmd)
    line = _store_error(p, "missing file")
    assert str(path) in line, f"message does not name the path: {line!r}"
    assert not path.exists(), "mltop created the missing store file"


def test_missing_default_file(mltop, tmp_path):
    p = mltop.run("experiments", cwd=tmp_path)
    line = _store_error(p, "missing ./mlflow.db")
    assert "mlflow.db" in line
    assert not (tmp_path / "mlflow.db").exists()


def test_not_an_mlflow_store(mltop, tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE random (a INTEGER, b TEXT)")
    con.execute("INSERT INTO random VALUES (1, 'x')")
    con.commit()
    con.close()
    line = _store_error(mltop.run("-u", str(path), "runs", "--json"),
                        "non-MLflow SQLite file")
    low = line.lower()
    assert "mlflow" in low and "not" in low, \
        f"expected a 'not an MLflow store' message, got {line!r}"


def test_empty_file_is_not_a_store(mltop, tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    line = _store_error(mltop.run("-u", str(path), "experiments"),
                        "empty file")
    assert "mlflow" in line.lower()
    assert path.read_bytes() == b""


def test_corrupt_file(mltop, tmp_path):
    path = tmp_path / "corrupt.db"
    path.write_bytes(random.Random(1234).randbytes(64 * 1024))
    _store_error(mltop.run("-u", str(path), "runs", "--json"),
                 "random bytes")


def test_truncated_store(mltop, small, tmp_path):
    """A real store cut short: header valid, pages missing."""
    path = tmp_path / "cut.db"
    data = small.path.read_bytes()
    assert len(data) > 64 * 1024
    path.write_bytes(data[:16 * 1024])
    for cmd in (["experiments", "--json"], ["runs", "--json"]):
        _store_error(mltop.run("-u", str(path), *cmd), "truncated store")


def test_directory_instead_of_file(mltop, tmp_path):
    _store_error(mltop.run("-u", str(tmp_path), "experiments"),
                 "a directory as store")


def test_permission_denied(mltop, small):
    prefix = ()
    env = {}
    d = Path(tempfile.mkdtemp(prefix="mltop-perm-"))
    try:
        d.chmod(0o755)
        path = d / "locked.db"
        shutil.copy(small.path, path)
        path.chmod(0)
        if os.geteuid() == 0:
            # Root reads any file; run mltop as an unprivileged user.
            setpriv = shutil.which("setpriv")
            if not setpriv:
                pytest.skip("running as root and setpriv(1) is missing, so "
                            "no permission can be denied")
            prefix = (setpriv, "--reuid=65534", "--regid=65534",
                      "--clear-groups")
            env = {"HOME": str(d), "XDG_CONFIG_HOME": str(d)}
            probe = subprocess.run(
                [*prefix, "cat", str(path)], capture_output=True)
            assert probe.returncode != 0, "setpriv did not drop privileges"
        p = mltop.run("-u", "sqlite:///" + str(path), "runs", "--json",
                      prefix=prefix, env=env)
        line = _store_error(p, "unreadable file")
        assert "permission denied" in line.lower(), line
        assert str(path) in line, f"message does not name the path: {line!r}"
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("args", [
    ["--bogus-option"],
    ["runs", "--bogus-option"],
    ["metric"],
    ["metric", "onlyrunid"],
    ["frobnicate"],
    ["--refresh", "abc"],
])
def test_usage_errors(mltop, small, args):
    p = mltop.run("-u", str(small.path), *args, cwd=small.path.parent)
    assert p.returncode == 1, (args, p.returncode, p.stderr)
    assert p.stderr.strip(), "usage error without a message"


def test_unknown_experiment(mltop, small):
    p = mltop.run("-u", str(small.path), "runs", "--experiment",
                  "no such experiment", "--json")
    assert p.returncode in (1, 2), (p.returncode, p.stderr)
    err = p.stderr.decode("utf-8", "replace")
    assert err.startswith("mltop: ") and "no such experiment" in err, err


# ---- schema drift ---------------------------------------------------------

def test_unknown_newer_schema_still_lists(mltop, store_factory):
    from mlflow.entities import Metric, Param, RunTag, ViewType
    s = store_factory("future.db")
    c = s.client
    eid = c.create_experiment("future")
    rids = []
    for i in range(3):
        r = c.create_run(eid, run_name=f"run {i}", start_time=pop.T0 + i)
        c.log_batch(r.info.run_id,
                    metrics=[Metric("loss", 1.0 / (s_ + 1), pop.T0 + s_, s_)
                             for s_ in range(50)],
                    params=[Param("lr", str(0.1 * i))],
                    tags=[RunTag("k", f"v{i}")])
        rids.append(r.info.run_id)
    exps = readout.experiments(c, ViewType.ACTIVE_ONLY)
    runs = readout.runs(c, [eid], ViewType.ACTIVE_ONLY)
    hist = readout.metric_history(c, rids[1], "loss")
    # What a newer MLflow might do: new revision, new columns and a table.
    con = sqlite3.connect(s.path)
    con.executescript("""
        UPDATE alembic_version SET version_num = 'ffffffffffff';
        ALTER TABLE runs ADD COLUMN future_field TEXT DEFAULT 'x';
        ALTER TABLE metrics ADD COLUMN future_metric INTEGER;
        ALTER TABLE experiments ADD COLUMN future_exp TEXT;
        CREATE TABLE future_things (id INTEGER PRIMARY KEY, v TEXT);
    """)
    con.commit()
    con.close()
    p = mltop.run("-u", s.uri, "runs", "--experiment", eid, "--json")
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 0, (p.returncode, err)
    assert "schema" in err.lower(), \
        f"no warning about the unknown schema on stderr: {err!r}"
    compare.compare_runs(runs, parse_json(p.stdout.decode()),
                         "runs on an unknown newer schema")
    compare.compare_experiments(
        exps, mltop.json("-u", s.uri, "experiments", "--json"),
        "experiments on an unknown newer schema")
    compare.compare_history(
        hist, mltop.json("-u", s.uri, "metric", rids[1], "loss", "--json"),
        "metric on an unknown newer schema")


def test_nul_bytes_survive_json(mltop, store_factory):
    """Strings are exact in JSON, even with an embedded NUL."""
    from mlflow.entities import ViewType
    s = store_factory("nul.db")
    eid = s.client.create_experiment("nul")
    r = s.client.create_run(eid, run_name="nul\x00name")
    s.client.set_tag(r.info.run_id, "t", "a\x00b")
    s.client.log_param(r.info.run_id, "p", "x\x00y")
    expected = readout.runs(s.client, [eid], ViewType.ACTIVE_ONLY)
    assert expected["runs"][0]["info"]["run_name"] == "nul\x00name"
    got = mltop.json("-u", s.uri, "runs", "--experiment", eid, "--json")
    compare.compare_runs(expected, got, "strings with NUL")


def test_odd_timestamps_give_no_duration(mltop, store_factory):
    """Timestamps a store may hold (any 64-bit value) never overflow: an
    end before the start, or the extremes, show "-" as the dashboard does,
    and the JSON keeps the stored values."""
    s = store_factory("odd-times.db")
    eid = s.client.create_experiment("odd")
    ids = []
    for name in ("backwards", "extremes"):
        r = s.client.create_run(eid, run_name=name)
        s.client.set_terminated(r.info.run_id, "FINISHED")
        ids.append(r.info.run_id)
    con = sqlite3.connect(s.path)
    con.execute("UPDATE runs SET start_time = 5000, end_time = 1000 "
                "WHERE run_uuid = ?", (ids[0],))
    con.execute("UPDATE runs SET start_time = ?, end_time = ? "
                "WHERE run_uuid = ?",
                (-(2 ** 63), 2 ** 63 - 1, ids[1]))
    con.commit()
    con.close()
    text, lines = _table(mltop, "-u", s.uri, "runs", "--experiment", eid)
    head = lines[0]
    col = head.index("DURATION")
    for line in lines[1:]:
        assert line[col:].split()[0] == "-", line
    got = mltop.json("-u", s.uri, "runs", "--experiment", eid, "--json")
    want = {r.info.run_id: (r.info.start_time, r.info.end_time)
            for r in s.client.search_runs([eid])}
    assert {r["info"]["run_id"]: (int(r["info"]["start_time"]),
                                  int(r["info"]["end_time"]))
            for r in got["runs"]} == want


@pytest.mark.parametrize("via", ["file", "server"])
def test_last_activity_is_the_last_point(mltop, store_factory,
                                         server_factory, via):
    """An experiment's last activity is its running run's newest point,
    not the run's start (nor the experiment's creation, just now: the
    point is stamped two minutes ahead so it is the newest of all), on
    the file and through a server."""
    import time as _time
    from datetime import datetime, timezone
    s = store_factory("activity.db")
    eid = s.client.create_experiment("busy")
    now = int(_time.time() * 1000)
    r = s.client.create_run(eid, start_time=now - 3_600_000)
    s.client.log_metric(r.info.run_id, "loss", 0.5, timestamp=now + 120000)
    uri = s.uri
    if via == "server":
        uri = server_factory(s.path).url
    p = mltop.run("-u", uri, "experiments", env={"TZ": "UTC"})
    assert p.returncode == 0, p.stderr
    want = datetime.fromtimestamp((now + 120000) // 1000, timezone.utc) \
        .strftime("%Y-%m-%d %H:%M:%S")
    line = [x for x in p.stdout.decode().splitlines() if " busy " in x]
    assert line and want in line[0], (want, p.stdout.decode())


@pytest.mark.parametrize("via", ["file", "server"])
def test_last_activity_is_the_last_end(mltop, store_factory, server_factory,
                                       via):
    """A run that started first but ended last sets the experiment's last
    activity, on the file and through a server alike (the server was once
    asked only for the newest-started run, and the two disagreed)."""
    import time as _time
    from datetime import datetime, timezone
    s = store_factory("ended.db")
    eid = s.client.create_experiment("ended")
    now = int(_time.time() * 1000)
    old = s.client.create_run(eid, start_time=now - 7_200_000)
    new = s.client.create_run(eid, start_time=now - 3_600_000)
    s.client.set_terminated(new.info.run_id, end_time=now - 3_000_000)
    s.client.set_terminated(old.info.run_id, end_time=now + 120000)
    uri = s.uri
    if via == "server":
        uri = server_factory(s.path).url
    p = mltop.run("-u", uri, "experiments", env={"TZ": "UTC"})
    assert p.returncode == 0, p.stderr
    want = datetime.fromtimestamp((now + 120000) // 1000, timezone.utc) \
        .strftime("%Y-%m-%d %H:%M:%S")
    line = [x for x in p.stdout.decode().splitlines() if " ended " in x]
    assert line and want in line[0], (want, p.stdout.decode())


@pytest.mark.parametrize("via", ["file", "server"])
def test_run_id_prefix(mltop, store_factory, server_factory, via):
    """A run is named by a unique prefix of its id, as the dashboard shows
    it (8 digits), in metric and compare, on a file and through a server;
    a prefix two runs share, one no run has, and a metric the run does not
    log are refused with a line that says which."""
    import sqlite3
    s = store_factory("prefix.db")
    eid = s.client.create_experiment("prefixes")
    runs = [s.client.create_run(eid) for _ in range(3)]
    for step in range(3):
        s.client.log_metric(runs[0].info.run_id, "loss", 1.0 / (step + 1),
                            step=step)
    # Two bare runs made to share a prefix, as ids sometimes do.
    con = sqlite3.connect(s.path)
    with con:
        for r in runs[1:]:
            old = r.info.run_id
            new = "abcd" + old[4:]
            for table in ("tags", "params", "runs"):
                con.execute(f"UPDATE {table} SET run_uuid = ? WHERE "
                            "run_uuid = ?", (new, old))
    con.close()
    uri = s.uri if via == "file" else server_factory(s.path).url
    rid = runs[0].info.run_id
    whole = mltop.run("-u", uri, "metric", rid, "loss", "--json")
    short = mltop.run("-u", uri, "metric", rid[:8], "loss", "--json")
    assert whole.returncode == 0 and short.returncode == 0, short.stderr
    assert short.stdout == whole.stdout
    assert json.loads(short.stdout)["metrics"][2]["value"] == 1 / 3
    p = mltop.run("-u", uri, "compare", rid[:6], "abcd" + runs[1].info
                  .run_id[4:8], "--json")
    assert p.returncode == 0, p.stderr
    ids = [r["run_id"] for r in json.loads(p.stdout)["runs"]]
    assert ids == [rid, "abcd" + runs[1].info.run_id[4:]]
    p = mltop.run("-u", uri, "metric", "abcd", "loss")
    assert p.returncode == 2
    assert b"run id abcd is ambiguous" in p.stderr, p.stderr
    p = mltop.run("-u", uri, "metric", "fffff", "loss")
    assert p.returncode == 2 and b"no metric" not in p.stderr and \
        b"no run with id fffff" in p.stderr, p.stderr
    # A key the run does not log is not an empty history.
    for fmt in ([], ["--json"]):
        p = mltop.run("-u", uri, "metric", rid[:8], "nosuch", *fmt)
        assert p.returncode == 2 and p.stdout == b"", p
        assert f"no metric 'nosuch' in run {rid} (it logs loss)".encode() \
            in p.stderr, p.stderr
