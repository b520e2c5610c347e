# test_sqlite_trimmed_schema.py: a store lacking columns mltop reads (an
# older or trimmed schema) opens on what it has: every command works, the
# missing columns read as empty, the rest as the MLflow client reads it,
# and a warning names what is missing.
import sqlite3

import pytest
from mlflow import MlflowClient

DROPPED = [
    ("experiments", "artifact_location"),
    ("experiments", "last_update_time"),
    ("runs", "name"),
    ("runs", "user_id"),
    ("runs", "end_time"),
    ("runs", "artifact_uri"),
    ("latest_metrics", "timestamp"),
    ("registered_models", "description"),
    ("registered_models", "last_updated_time"),
    ("model_versions", "description"),
    ("model_versions", "user_id"),
    ("model_versions", "current_stage"),
    ("model_versions", "source"),
]


@pytest.fixture
def trimmed(store_factory):
    s = store_factory()
    # The registry in this store, whatever another test set as default.
    c = MlflowClient(tracking_uri=s.uri, registry_uri=s.uri)
    eid = c.create_experiment("trim")
    r = c.create_run(eid, run_name="kept-name")
    c.log_metric(r.info.run_id, "loss", 0.5, step=3)
    c.log_metric(r.info.run_id, "loss", 0.25, step=4)
    c.log_param(r.info.run_id, "lr", "0.1")
    c.set_terminated(r.info.run_id)
    c.create_registered_model("m", description="about m")
    c.create_model_version("m", "src", run_id=r.info.run_id)
    c.set_registered_model_alias("m", "champion", 1)
    db = sqlite3.connect(s.path)
    for table, col in DROPPED:
        db.execute(f"ALTER TABLE {table} DROP COLUMN {col}")
    db.commit()
    db.close()
    return s, r.info.run_id


def test_opens_on_what_it_has(mltop, trimmed):
    s, run_id = trimmed
    p = mltop.run("-u", s.path, "experiments", "--json")
    err = p.stderr.decode()
    assert p.returncode == 0, err
    assert "lacks columns" in err and "runs.user_id" in err, err

    exps = mltop.json("-u", s.path, "experiments", "--json")["experiments"]
    assert sorted(e["name"] for e in exps) == ["Default", "trim"]
    runs = mltop.json("-u", s.path, "runs", "-e", "trim", "--json")["runs"]
    assert len(runs) == 1
    info, data = runs[0]["info"], runs[0]["data"]
    assert info["run_id"] == run_id
    # runs.name is gone: the name comes from the mlflow.runName tag.
    assert info["run_name"] == "kept-name"
    assert info["status"] == "FINISHED"
    assert info.get("user_id") is None
    assert [(m["key"], m["value"], m["step"]) for m in data["metrics"]] \
        == [("loss", 0.25, 4)]
    assert data["params"] == [{"key": "lr", "value": "0.1"}]

    hist = mltop.json("-u", s.path, "metric", run_id, "loss", "--json")
    assert [m["value"] for m in hist["metrics"]] == [0.5, 0.25]
    mltop.json("-u", s.path, "compare", run_id, run_id, "--json")

    models = mltop.json("-u", s.path, "models", "--json")
    assert [m["name"] for m in models["registered_models"]] == ["m"]
    vers = mltop.json("-u", s.path, "versions", "m", "--json")
    v = vers["model_versions"]
    assert [(x["version"], x["run_id"]) for x in v] == [("1", run_id)]
    assert v[0]["current_stage"] == "None"
