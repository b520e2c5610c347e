#!/usr/bin/env python3
# capture-rest-fixtures.py: records real `mlflow server` replies for mltop's
# REST parser tests, and what the MLflow client reads back for the same data.
"""Capture MLflow REST replies into tests/fixtures/rest/.

Run with the project's venv (the pinned MLflow):

    .venv/bin/python tools/capture-rest-fixtures.py [OUTDIR]

It fills a fresh SQLite store with the real MLflow client (NaN, +/-Inf,
unicode, escape sequences, a NUL byte, nested and deleted runs, a 300-step
history), starts `mlflow server` on 127.0.0.1 at a free port, saves each raw
reply body as OUTDIR/<name>.json, writes OUTDIR/readout.json (what
MlflowClient reads back through the same server, plus the store's own
bulk-interval answer), and stops the server.

readout.json encodes NaN as "NaN" and infinities as "Infinity"/"-Infinity"
so that strict JSON readers (jansson) load it.
"""
import json
import math
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType

# Fixed times keep the fixtures readable and the diffs small on a re-run.
T0 = 1_700_000_000_000
HISTORY_STEPS = 300
ESC = "\x1b[2J\x1b]0;pwned\x07evil"
UNICODE = "学習 🚀 تدريب \u202eevil\u202c 👩‍💻"
CTL = "tab\there\nnew \"quoted\" back\\slash \x01\x1f"

ROOT = pathlib.Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def populate(uri):
    c = MlflowClient(tracking_uri=uri)
    ids = {}
    main = c.create_experiment("rest fixtures", tags={
        "team": "視覚 🎯", "esc": ESC, "ctl": CTL})
    other = c.create_experiment("実験 🧪 other")
    gone = c.create_experiment("deleted experiment")
    ids["exp_main"], ids["exp_other"], ids["exp_gone"] = main, other, gone

    def run(label, eid, name, start, **kw):
        r = c.create_run(eid, run_name=name, start_time=start, **kw)
        ids[label] = r.info.run_id
        return r.info.run_id

    rid = run("numbers", main, "numbers", T0 + 1)
    c.log_batch(rid, metrics=[
        Metric("nan", float("nan"), T0 + 10, 0),
        Metric("pinf", float("inf"), T0 + 10, 0),
        Metric("ninf", float("-inf"), T0 + 10, 0),
        Metric("tenth_sum", 0.1 + 0.2, T0 + 10, 0),
        Metric("subnormal", 5e-324, T0 + 10, 0),
        Metric("big_int", float(2 ** 53 + 1), T0 + 10, 0),
        Metric("neg", -123.456e-7, T0 + 10, 7),
        Metric("zero", 0.0, T0 + 10, 0),
        Metric("big_step", 1.5, T0 + 11, 2 ** 40),
    ], params=[Param("lr", "0.01"), Param("empty", "")],
        tags=[RunTag("note", "plain")])
    # A history through NaN and both infinities.
    c.log_batch(rid, metrics=[
        Metric("mixed", v, T0 + 20 + s, s)
        for s, v in enumerate([1.0, float("nan"), float("inf"), 2.5,
                               float("-inf"), float("nan")])])
    c.set_terminated(rid, status="FINISHED", end_time=T0 + 100)

    rid = run("unicode", main, UNICODE, T0 + 2)
    c.log_batch(rid,
                metrics=[Metric("損失/loss", 0.5, T0 + 30, 3)],
                params=[Param("模型", "トランスフォーマー 🤖"),
                        Param("esc", ESC), Param("ctl", CTL)],
                tags=[RunTag("note", "混合 text עם עברית 🚀"),
                      RunTag("nul", "a\x00b")])
    c.set_terminated(rid, status="FAILED", end_time=T0 + 200)

    # A long history, logged out of step order (MLflow's get-history
    # answers in timestamp order, which is not step order).
    rid = run("history", main, "history", T0 + 3)
    pts = [Metric("loss", 1.0 / (s + 1), T0 + 1000 + s, s)
           for s in range(HISTORY_STEPS)]
    # Step 5 again, logged last: a second value at an early step.
    pts.append(Metric("loss", 0.125, T0 + 5000, 5))
    c.log_batch(rid, metrics=pts)
    c.log_batch(rid, metrics=[Metric("acc", s / 10.0, T0 + 1000 + s, s)
                              for s in range(10)])
    # Still RUNNING: no end time.

    rid = run("killed", main, "killed", T0 + 4)
    c.log_batch(rid, metrics=[Metric("loss", 0.5, T0 + 1000 + s, s)
                              for s in range(0, 100, 10)])
    c.set_terminated(rid, status="KILLED", end_time=T0 + 400)

    rid = run("deleted_run", main, "deleted run", T0 + 5)
    c.log_batch(rid, metrics=[Metric("m", 3.0, T0 + 80, 1)],
                params=[Param("p", "v")])
    c.delete_run(rid)

    rid = run("in_gone", gone, "in deleted exp", T0 + 6)
    c.log_metric(rid, "m", 4.0, timestamp=T0 + 90, step=1)
    c.delete_experiment(gone)

    # Nested runs the way a user makes them: the fluent API sets the tag
    # mlflow.parentRunId on the children.
    old = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        mlflow.set_experiment(experiment_id=other)
        with mlflow.start_run(run_name="parent 親") as parent:
            ids["parent"] = parent.info.run_id
            mlflow.log_param("level", "0")
            with mlflow.start_run(run_name="child 子", nested=True) as ch:
                ids["child"] = ch.info.run_id
                mlflow.log_metric("score", 10.25, step=1)
                mlflow.log_param("level", "1")
    finally:
        mlflow.set_tracking_uri(old)
    return ids


def fval(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    return v


def metric_json(m):
    return {"key": m.key, "value": fval(m.value),
            "timestamp": int(m.timestamp), "step": int(m.step)}


def exp_json(e):
    return {
        "experiment_id": e.experiment_id,
        "name": e.name,
        "artifact_location": e.artifact_location,
        "lifecycle_stage": e.lifecycle_stage,
        "creation_time": int(e.creation_time),
        "last_update_time": int(e.last_update_time),
        "tags": dict(e.tags),
    }


def run_json(r):
    i = r.info
    return {
        "run_id": i.run_id,
        "run_name": i.run_name,
        "experiment_id": i.experiment_id,
        "user_id": i.user_id,
        "status": i.status,
        "start_time": int(i.start_time),
        "end_time": int(i.end_time) if i.end_time is not None else None,
        "artifact_uri": i.artifact_uri,
        "lifecycle_stage": i.lifecycle_stage,
        "metrics": [metric_json(m) for m in r.data._metric_objs],
        "params": dict(r.data.params),
        "tags": dict(r.data.tags),
    }


class Server:
    def __init__(self, db, art):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server",
             "--backend-store-uri", f"sqlite:///{db}",
             "--default-artifact-root", art,
             "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", "1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("mlflow server exited early")
            try:
                with urllib.request.urlopen(self.base + "/health",
                                            timeout=2) as r:
                    if r.read().strip() == b"OK":
                        return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("mlflow server did not answer /health")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def call(self, method, path, body=None, query=None, api="api"):
        url = f"{self.base}/{api}/2.0/mlflow/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def main():
    out = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else \
        ROOT / "tests/fixtures/rest"
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory(prefix="mltop-rest-")
    # Default artifact locations are relative to the working directory,
    # and the fluent API tags runs with the git commit of it: keep both
    # inside the scratch directory.
    os.chdir(tmp.name)
    db = os.path.join(tmp.name, "mlflow.db")
    art = os.path.join(tmp.name, "artifacts")
    ids = populate(f"sqlite:///{db}")
    srv = Server(db, art)
    saved = {}

    def save(name, status, body, want=200):
        if status != want:
            srv.stop()
            raise SystemExit(f"{name}: HTTP {status}, wanted {want}: "
                             f"{body[:300]!r}")
        (out / f"{name}.json").write_bytes(body)
        saved[name] = len(body)

    try:
        save("experiments_search",
             *srv.call("POST", "experiments/search", {"max_results": 1000}))
        save("experiments_search_all",
             *srv.call("POST", "experiments/search",
                       {"max_results": 1000, "view_type": "ALL"}))
        token, page = None, 1
        while True:
            body = {"max_results": 2, "view_type": "ALL"}
            if token:
                body["page_token"] = token
            st, raw = srv.call("POST", "experiments/search", body)
            save(f"experiments_search_page{page}", st, raw)
            token = json.loads(raw).get("next_page_token")
            if not token:
                break
            page += 1

        # Runs of the main experiment, two per page.
        token, page = None, 1
        while True:
            body = {"experiment_ids": [ids["exp_main"]], "max_results": 2,
                    "order_by": ["attributes.start_time ASC"]}
            if token:
                body["page_token"] = token
            st, raw = srv.call("POST", "runs/search", body)
            save(f"runs_search_page{page}", st, raw)
            token = json.loads(raw).get("next_page_token")
            if not token:
                break
            page += 1
        save("runs_search_all",
             *srv.call("POST", "runs/search",
                       {"experiment_ids": [ids["exp_main"], ids["exp_other"],
                                           ids["exp_gone"]],
                        "run_view_type": "ALL", "max_results": 1000,
                        "order_by": ["attributes.start_time ASC"]}))
        save("runs_search_empty",
             *srv.call("POST", "runs/search",
                       {"experiment_ids": [ids["exp_main"]],
                        "filter": "attributes.status = 'SCHEDULED'"}))
        save("run_get_numbers",
             *srv.call("GET", "runs/get", query={"run_id": ids["numbers"]}))
        save("run_get_unicode",
             *srv.call("GET", "runs/get", query={"run_id": ids["unicode"]}))
        save("run_get_child",
             *srv.call("GET", "runs/get", query={"run_id": ids["child"]}))
        save("error_404",
             *srv.call("GET", "runs/get", query={"run_id": "nope"}), want=404)

        hq = {"run_id": ids["history"], "metric_key": "loss"}
        save("history_loss", *srv.call("GET", "metrics/get-history",
                                       query=hq))
        token, page = None, 1
        while True:
            q = dict(hq, max_results=200)
            if token:
                q["page_token"] = token
            st, raw = srv.call("GET", "metrics/get-history", query=q)
            save(f"history_loss_page{page}", st, raw)
            token = json.loads(raw).get("next_page_token")
            if not token:
                break
            page += 1
        save("history_mixed",
             *srv.call("GET", "metrics/get-history",
                       query={"run_id": ids["numbers"],
                              "metric_key": "mixed"}))
        bulk_runs = [ids["history"], ids["killed"]]
        # The bulk endpoint lives under /ajax-api only.
        save("history_bulk_loss",
             *srv.call("GET", "metrics/get-history-bulk-interval",
                       query={"run_ids": bulk_runs, "metric_key": "loss",
                              "max_results": 50}, api="ajax-api"))

        # What the MLflow client reads back through the same server.
        c = MlflowClient(tracking_uri=srv.base)
        exps = c.search_experiments(view_type=ViewType.ALL,
                                    max_results=1000)
        runs = c.search_runs([ids["exp_main"], ids["exp_other"],
                              ids["exp_gone"]], run_view_type=ViewType.ALL,
                             max_results=1000)
        readout = {
            "mlflow_version": mlflow.__version__,
            "ids": ids,
            "experiments": [exp_json(e) for e in exps],
            "runs": [run_json(r) for r in runs],
            "history": {
                "loss": [metric_json(m) for m in
                         c.get_metric_history(ids["history"], "loss")],
                "mixed": [metric_json(m) for m in
                          c.get_metric_history(ids["numbers"], "mixed")],
                "killed_loss": [metric_json(m) for m in
                                c.get_metric_history(ids["killed"],
                                                     "loss")],
            },
        }
    finally:
        srv.stop()

    # The client has no bulk-interval call; ask MLflow's own store.
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    store = SqlAlchemyStore(f"sqlite:///{db}", art)
    bulk = store.get_metric_history_bulk_interval(
        bulk_runs, "loss", max_results=50, start_step=None, end_step=None)
    readout["bulk_loss"] = [dict(metric_json(b), run_id=b.run_id)
                            for b in bulk]
    store.engine.dispose()
    (out / "readout.json").write_text(
        json.dumps(readout, indent=1, ensure_ascii=False, allow_nan=False)
        + "\n", encoding="utf-8")
    for name, n in sorted(saved.items()):
        print(f"{name}.json: {n} bytes")
    print(f"readout.json: {len(readout['runs'])} runs, "
          f"{len(readout['experiments'])} experiments "
          f"(mlflow {mlflow.__version__})")
    os.chdir(ROOT)
    tmp.cleanup()


if __name__ == "__main__":
    main()
