# test_sqlite_workspaces.py: a SQLite store with MLflow 3 workspaces, made
# by the real client in workspace mode (MLFLOW_ENABLE_WORKSPACES, with
# MLFLOW_WORKSPACE choosing one): mltop with MLFLOW_WORKSPACE set reads and
# writes that workspace only, and the client reads its writes back there.
import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from conftest import clean_env

POPULATE = textwrap.dedent("""
    import json, os, sys, warnings
    import mlflow
    from mlflow import MlflowClient
    warnings.simplefilter("ignore")
    uri = "sqlite:///" + sys.argv[1]
    c = MlflowClient(tracking_uri=uri, registry_uri=uri)
    out = {}
    # As a server in workspace mode needs it: the workspace itself.
    try:
        c.create_workspace("teamb")
    except Exception as e:
        if "already exists" not in str(e).lower():
            raise
    for ws in ("default", "teamb"):
        mlflow.set_workspace(ws)
        eid = c.create_experiment("exp-" + ws)
        r = c.create_run(eid)
        c.log_metric(r.info.run_id, "acc", 0.5 if ws == "default" else 0.9)
        c.set_terminated(r.info.run_id)
        c.set_experiment_tag(eid, "team", ws)
        c.create_registered_model("m")
        for _ in range(2):
            c.create_model_version("m", "src", run_id=r.info.run_id)
        out[ws] = {"exp": eid, "run": r.info.run_id}
    c.create_registered_model("solo")
    c.create_model_version("solo", "src", run_id=out["teamb"]["run"])
    print(json.dumps(out))
""")

READBACK = textwrap.dedent("""
    import json, sys, warnings
    import mlflow
    from mlflow import MlflowClient
    warnings.simplefilter("ignore")
    uri = "sqlite:///" + sys.argv[1]
    c = MlflowClient(tracking_uri=uri, registry_uri=uri)
    out = {}
    for ws in ("default", "teamb"):
        mlflow.set_workspace(ws)
        models = {}
        for rm in c.search_registered_models():
            vs = c.search_model_versions(f"name = '{rm.name}'")
            models[rm.name] = {
                "aliases": dict(rm.aliases),
                "stages": {v.version: v.current_stage for v in vs},
                "tags": sorted(rm.tags),
            }
        out[ws] = models
    print(json.dumps(out))
""")


def client_script(script, path):
    env = clean_env({"MLFLOW_ENABLE_WORKSPACES": "true"})
    p = subprocess.run([sys.executable, "-c", script, str(path)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.fixture
def ws_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "mlflow.db"
    ids = client_script(POPULATE, path)
    return path, ids


def fk_problems(path):
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA foreign_key_check").fetchall()


def test_reads_stay_in_the_workspace(mltop, ws_store):
    path, ids = ws_store
    env = {"MLFLOW_WORKSPACE": "teamb"}
    exps = mltop.json("-u", path, "experiments", "--json", env=env)
    assert [e["name"] for e in exps["experiments"]] == ["exp-teamb"]
    runs = mltop.json("-u", path, "runs", "--json", env=env)["runs"]
    assert [r["info"]["run_id"] for r in runs] == [ids["teamb"]["run"]]

    # A run of another workspace is not there, by id either.
    other = ids["default"]["run"]
    p = mltop.run("-u", path, "metric", other, "acc", "--json", env=env)
    assert p.returncode != 0, p.stdout
    assert other.encode() in p.stderr
    p = mltop.run("-u", path, "compare", ids["teamb"]["run"], other,
                  "--json", env=env)
    assert p.returncode != 0, p.stdout
    got = mltop.json("-u", path, "metric", ids["teamb"]["run"], "acc",
                     "--json", env=env)
    assert [m["value"] for m in got["metrics"]] == [0.9]

    models = mltop.json("-u", path, "models", "--json", env=env)
    names = sorted(m["name"] for m in models["registered_models"])
    assert names == ["m", "solo"]
    models = mltop.json("-u", path, "models", "--json")
    assert sorted(m["name"] for m in models["registered_models"]) == ["m"]


def test_writes_stay_in_the_workspace(mltop, ws_store):
    path, _ = ws_store
    env = {"MLFLOW_WORKSPACE": " teamb "}
    for args in (("m", 2, "--alias", "champion"),
                 ("m", 1, "--stage", "Production"),
                 ("solo", 1, "--alias", "champion")):
        p = mltop.run("-u", path, "promote", *args, "--yes", env=env)
        assert p.returncode == 0, p.stderr
    assert fk_problems(path) == []
    got = client_script(READBACK, path)
    assert got["default"]["m"]["aliases"] == {}
    assert got["default"]["m"]["stages"] == {"1": "None", "2": "None"}
    assert not [t for t in got["default"]["m"]["tags"]
                if t.startswith("mltop.")]
    assert got["teamb"]["m"]["aliases"] == {"champion": 2}
    assert got["teamb"]["m"]["stages"] == {"1": "Production", "2": "None"}
    assert got["teamb"]["solo"]["aliases"] == {"champion": 1}
    assert any(t.startswith("mltop.history.")
               for t in got["teamb"]["solo"]["tags"])


def test_server_workspaces(mltop, ws_store, server_factory):
    """The same store behind a real `mlflow server --enable-workspaces`:
    mltop sends the workspace (X-MLFLOW-WORKSPACE) and every read and
    write stays in it, as the client reads back."""
    path, ids = ws_store
    srv = server_factory(path, extra_args=["--enable-workspaces"])
    env = {"MLFLOW_WORKSPACE": "teamb"}
    exps = mltop.json("-u", srv.url, "experiments", "--json", env=env)
    assert [e["name"] for e in exps["experiments"]] == ["exp-teamb"]
    runs = mltop.json("-u", srv.url, "runs", "--json", env=env)["runs"]
    assert [r["info"]["run_id"] for r in runs] == [ids["teamb"]["run"]]
    models = mltop.json("-u", srv.url, "models", "--json", env=env)
    assert sorted(m["name"] for m in models["registered_models"]) == \
        ["m", "solo"]
    models = mltop.json("-u", srv.url, "models", "--json")
    assert sorted(m["name"] for m in models["registered_models"]) == ["m"]
    for args in (("m", 2, "--alias", "champion"),
                 ("m", 1, "--stage", "Production"),
                 ("solo", 1, "--alias", "champion")):
        p = mltop.run("-u", srv.url, "promote", *args, "--yes", env=env)
        assert p.returncode == 0, p.stderr
    hist = mltop.json("-u", srv.url, "history", "m", "--json", env=env)
    assert len(hist["history"]) == 2, hist
    assert fk_problems(path) == []
    got = client_script(READBACK, path)
    assert got["default"]["m"]["aliases"] == {}
    assert got["default"]["m"]["stages"] == {"1": "None", "2": "None"}
    assert not [t for t in got["default"]["m"]["tags"]
                if t.startswith("mltop.")]
    assert got["teamb"]["m"]["aliases"] == {"champion": 2}
    assert got["teamb"]["m"]["stages"] == {"1": "Production", "2": "None"}
    assert got["teamb"]["solo"]["aliases"] == {"champion": 1}
