"""mltop_mlflow: a task that logs an MLflow run with the tags that link it
to the task (doc/pipelines.md), through MLflow's REST API with the
standard library. The run's conf names the tracking server and the
experiment: {"tracking_uri": "http://...", "experiment": "name"}."""
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

from airflow.sdk import dag, get_current_context, task


def call(base, endpoint, body):
    req = urllib.request.Request(
        f"{base}/api/2.0/mlflow/{endpoint}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     tags=["mltop-test"], default_args={"owner": "mltop"})
def mltop_mlflow():
    @task
    def train():
        conf = get_current_context()["dag_run"].conf or {}
        base, name = conf["tracking_uri"], conf["experiment"]
        try:
            exp = call(base, "experiments/create", {"name": name})
            exp_id = exp["experiment_id"]
        except urllib.error.HTTPError:
            req = urllib.request.Request(
                f"{base}/api/2.0/mlflow/experiments/get-by-name?"
                f"experiment_name={urllib.parse.quote(name)}")
            with urllib.request.urlopen(req, timeout=30) as r:
                exp_id = json.load(r)["experiment"]["experiment_id"]
        now = int(time.time() * 1000)
        run = call(base, "runs/create", {"experiment_id": exp_id,
                                         "start_time": now,
                                         "run_name": "linked-train"})
        run_id = run["run"]["info"]["run_id"]
        tags = {f"airflow.{k}": os.environ.get(f"AIRFLOW_CTX_{v}", "")
                for k, v in {"dag_id": "DAG_ID", "run_id": "DAG_RUN_ID",
                             "task_id": "TASK_ID",
                             "try_number": "TRY_NUMBER"}.items()}
        for k, v in tags.items():
            call(base, "runs/set-tag", {"run_id": run_id, "key": k,
                                        "value": v})
        for step in range(5):
            call(base, "runs/log-metric", {"run_id": run_id, "key": "loss",
                                           "value": 1.0 / (step + 1),
                                           "timestamp": now + step,
                                           "step": step})
        call(base, "runs/update", {"run_id": run_id, "status": "FINISHED",
                                   "end_time": now + 1000})
        print("logged MLflow run", run_id, json.dumps(tags))

    train()


mltop_mlflow()
