# mlflow_readout.py: what the real MLflow client reads back from a store,
# in the exact JSON shape mltop's scripting interface prints.
#
# Runs with whatever MLflow the interpreter has (3.x in the test venv, 2.x in
# .venv-mlflow2), as a module or as `python mlflow_readout.py URI`, so that a
# store written by an old release is read back by that same release.
import json
import math
import sys

from mlflow import MlflowClient
from mlflow.entities import ViewType

PAGE = 1000


def metric_value(v):
    # mltop prints NaN as the JSON string "NaN"; +/-Inf never reach here
    # as such because MLflow stores them as +/-DBL_MAX.
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    return v


def metric_json(m):
    return {
        "key": m.key,
        "value": metric_value(m.value),
        "timestamp": int(m.timestamp),
        "step": int(m.step),
    }


def kv_list(d):
    return [{"key": k, "value": v} for k, v in d.items()]


def experiment_json(e):
    out = {
        "experiment_id": e.experiment_id,
        "name": e.name,
        "artifact_location": e.artifact_location,
        "lifecycle_stage": e.lifecycle_stage,
        "creation_time": int(e.creation_time),
        "last_update_time": int(e.last_update_time),
    }
    if e.tags:
        out["tags"] = kv_list(e.tags)
    return out


def run_json(r):
    i = r.info
    info = {
        "run_id": i.run_id,
        "run_uuid": i.run_id,
        "run_name": i.run_name,
        "experiment_id": i.experiment_id,
        "user_id": i.user_id,
        "status": i.status,
        "start_time": int(i.start_time),
        "artifact_uri": i.artifact_uri,
        "lifecycle_stage": i.lifecycle_stage,
    }
    if i.end_time is not None:
        info["end_time"] = int(i.end_time)
    return {
        "info": info,
        "data": {
            # _metric_objs carries the latest value's step and timestamp,
            # which the public metrics dict drops.
            "metrics": [metric_json(m) for m in r.data._metric_objs],
            "params": kv_list(r.data.params),
            "tags": kv_list(r.data.tags),
        },
    }


def _all_pages(fetch):
    out, token = [], None
    while True:
        page = fetch(token)
        out.extend(page)
        token = getattr(page, "token", None)
        if not token:
            return out


def experiments(client, view=ViewType.ACTIVE_ONLY):
    exps = _all_pages(lambda t: client.search_experiments(
        view_type=view, max_results=PAGE, page_token=t))
    return {"experiments": [experiment_json(e) for e in exps]}


def runs(client, experiment_ids, view=ViewType.ACTIVE_ONLY):
    if not experiment_ids:
        return {"runs": []}
    rs = _all_pages(lambda t: client.search_runs(
        experiment_ids=list(experiment_ids), run_view_type=view,
        max_results=PAGE, page_token=t))
    return {"runs": [run_json(r) for r in rs]}


def metric_history(client, run_id, key):
    hist = client.get_metric_history(run_id, key)
    return {"metrics": [metric_json(m) for m in hist]}


def full_readout(client):
    """Everything mltop's scripting commands can show, as the client sees it."""
    active = experiments(client, ViewType.ACTIVE_ONLY)
    every = experiments(client, ViewType.ALL)
    active_ids = [e["experiment_id"] for e in active["experiments"]]
    per_exp = {}
    histories = {}
    for e in every["experiments"]:
        eid = e["experiment_id"]
        per_exp[eid] = {
            "active": runs(client, [eid], ViewType.ACTIVE_ONLY),
            "all": runs(client, [eid], ViewType.ALL),
        }
        for r in per_exp[eid]["all"]["runs"]:
            rid = r["info"]["run_id"]
            histories[rid] = {
                m["key"]: metric_history(client, rid, m["key"])
                for m in r["data"]["metrics"]
            }
    return {
        "mlflow_version": __import__("mlflow").__version__,
        "experiments_active": active,
        "experiments_all": every,
        "runs_of_active_experiments": runs(client, active_ids,
                                           ViewType.ACTIVE_ONLY),
        "runs_of_active_experiments_all": runs(client, active_ids,
                                               ViewType.ALL),
        "runs_by_experiment": per_exp,
        "metric_histories": histories,
    }


def main(argv):
    if len(argv) != 2:
        print("usage: mlflow_readout.py TRACKING_URI", file=sys.stderr)
        return 1
    client = MlflowClient(tracking_uri=argv[1])
    json.dump(full_readout(client), sys.stdout, ensure_ascii=True,
              allow_nan=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
