# test_prefect.py: mltop's pipeline commands and views against a real
# `prefect server` 3.9.1 started once for the whole run by tools/test.sh
# (MLTOP_TEST_PREFECT_URL, ending in /api), with the fixture flows of
# tests/integration/prefect_flows/ served as deployments. Every output is
# checked against what the Prefect API itself returns, every action's
# effect through the API.
import calendar
import json
import os
import re
import time
import urllib.error
import urllib.request
import uuid

import pytest

from conftest import clean_env
from pane import Tmux, demo_store

URL = os.environ.get("MLTOP_TEST_PREFECT_URL")

pytestmark = pytest.mark.skipif(
    not URL, reason="no Prefect: tools/test.sh starts one and sets "
                    "MLTOP_TEST_PREFECT_URL")

EXIT_OK, EXIT_USAGE, EXIT_STORE, EXIT_READ_ONLY = 0, 1, 2, 5
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}
SOURCE = "prefect+" + (URL or "")


# ---- the API, as the peer itself answers ------------------------------------

class Api:
    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            URL + "/" + path, data=data, method=method,
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return json.loads(raw) if raw else None

    def post(self, path, body=None):
        return self.call("POST", path, body if body is not None else {})

    def get(self, path):
        return self.call("GET", path)

    def deployment(self, name):
        return self.get("deployments/name/" + name)

    def run(self, run_id):
        return self.get("flow_runs/" + run_id)

    def task_runs(self, flow_run_ids):
        return self.post("task_runs/filter", {
            "task_runs": {"flow_run_id": {"any_": list(flow_run_ids)}},
            "limit": 200})

    def subflows(self, run_id):
        return self.post("flow_runs/filter", {
            "flow_runs": {"parent_flow_run_id": {"any_": [run_id]}},
            "limit": 200})

    def logs(self, run_id):
        return self.post("logs/filter", {
            "logs": {"flow_run_id": {"any_": [run_id]}},
            "sort": "TIMESTAMP_ASC", "limit": 200})

    # Prefect records task runs and log lines as the flow run's process
    # sends them, in batches, a moment after the flow run's own state:
    # a test waits until the API has them all before it compares.
    def wait_tasks(self, flow_run_ids, n, timeout=60):
        end = time.monotonic() + timeout
        while True:
            got = self.task_runs(flow_run_ids)
            if len(got) >= n and all(t["state_type"] in FINAL
                                     for t in got):
                return got
            if time.monotonic() > end:
                raise AssertionError(f"{len(got)} of {n} task runs")
            time.sleep(0.5)

    def wait_logs(self, run_id, text, timeout=60):
        end = time.monotonic() + timeout
        while True:
            got = self.logs(run_id)
            if any(text in x["message"] for x in got):
                return got
            if time.monotonic() > end:
                raise AssertionError(f"no log line {text!r}")
            time.sleep(0.5)

    def wait_run(self, run_id, states=FINAL, timeout=180):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = self.run(run_id)
            if r["state_type"] in states:
                return r
            time.sleep(0.5)
        raise AssertionError(f"{run_id} not {states} in {timeout} s: "
                             f"{self.run(run_id)['state_type']}")


@pytest.fixture(scope="module")
def api():
    return Api()


@pytest.fixture
def run_mltop(mltop, tmp_path):
    """mltop with the Prefect source in the environment and its audit log
    in tmp_path."""
    def go(*args, env=None, timeout=120):
        e = {"MLTOP_PIPELINES_URI": SOURCE,
             "XDG_STATE_HOME": str(tmp_path / "state"),
             "HOME": str(tmp_path)}
        e.update(env or {})
        return mltop.run(*args, env={k: v for k, v in e.items()
                                     if v is not None}, timeout=timeout)
    go.audit = lambda: [json.loads(x) for x in (
        tmp_path / "state" / "mltop" / "audit.log").read_text().splitlines()]
    return go


def ok_json(p, what):
    assert p.returncode == 0, \
        f"{what}: exit {p.returncode}: {p.stderr.decode(errors='replace')}"
    return json.loads(p.stdout)


def trigger(run_mltop, dep, params=None):
    args = ["trigger", dep, "--yes", "--json"]
    if params is not None:
        args += ["--params", json.dumps(params)]
    got = ok_json(run_mltop(*args), f"trigger {dep}")
    assert got["result"] == "done", got
    return got["dag_run_id"]


# ---- reading ------------------------------------------------------------------

def test_pipelines_as_the_api_lists_them(run_mltop, api):
    """Each flow, then its deployments (FLOW/DEPLOYMENT), as the API has
    them; --json prints the API's own objects."""
    flows = api.post("flows/filter")
    deps = api.post("deployments/filter")
    got = ok_json(run_mltop("pipelines", "--json"), "pipelines --json")
    assert isinstance(got, list)
    byid = {f["id"]: f for f in flows}
    want_ids = {f["id"] for f in flows} | {d["id"] for d in deps}
    assert {g["id"] for g in got} == want_ids
    for g in got:
        w = byid.get(g["id"]) or next(d for d in deps if d["id"] == g["id"])
        for k in ("name", "tags", "created"):
            assert g.get(k) == w.get(k), (g["id"], k)
    # Flows in name order, each followed by its own deployments.
    names = [g["name"] for g in got if g["id"] in byid]
    assert names == sorted(names)
    for i, g in enumerate(got):
        if "flow_id" in g:
            owner = next(x for x in reversed(got[:i]) if x["id"] in byid)
            assert g["flow_id"] == owner["id"], (g["name"], owner["name"])

    out = run_mltop("pipelines").stdout.decode()
    assert out.splitlines()[0].split()[0] == "FLOW/DEPLOYMENT", out
    yearly = api.deployment("mltop-ok/yearly")
    assert yearly["schedules"][0]["schedule"]["cron"] == "0 0 1 1 *"
    line = next(x for x in out.splitlines()
                if x.startswith("mltop-ok/yearly "))
    assert "0 0 1 1 *" in line, line
    # Its next run, as the server scheduled it (the earliest SCHEDULED
    # flow run of the deployment still to come), on its row and on the
    # flow's.
    end = time.monotonic() + 60
    while True:
        sched = api.post("flow_runs/filter", {
            "deployments": {"id": {"any_": [yearly["id"]]}},
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
            "sort": "EXPECTED_START_TIME_ASC", "limit": 1})
        if sched:
            break
        assert time.monotonic() < end, "the server scheduled no run"
        time.sleep(1)
    out = run_mltop("pipelines").stdout.decode()
    when = sched[0]["expected_start_time"]  # "2027-01-01T00:00:00Z"
    local = time.strftime("%Y-%m-%d %H:%M", time.localtime(
        calendar.timegm(time.strptime(when[:19], "%Y-%m-%dT%H:%M:%S"))))
    for name in ("mltop-ok/yearly ", "mltop-ok "):
        line = next(x for x in out.splitlines() if x.startswith(name))
        assert local in line, (local, line)
    line = next(x for x in out.splitlines() if x.startswith("mltop-ok/ok "))
    assert local not in line, line
    line = next(x for x in out.splitlines() if x.startswith("mltop-ok "))
    assert "2 deployments" in line, line


def test_trigger_with_parameters_runs_tasks_logs(run_mltop, api):
    run_id = trigger(run_mltop, "mltop-ok/ok", {"n": 5})
    r = api.wait_run(run_id)
    assert r["state_type"] == "COMPLETED", r
    assert r["parameters"] == {"n": 5}
    assert r["deployment_id"] == api.deployment("mltop-ok/ok")["id"]

    got = ok_json(run_mltop("pipeline-runs", "mltop-ok/ok", "--json"),
                  "pipeline-runs")
    mine = [x for x in got if x["id"] == run_id]
    assert len(mine) == 1, [x["id"] for x in got]
    assert mine[0]["state_type"] == "COMPLETED"
    assert mine[0]["parameters"] == {"n": 5}
    # The flow lists the deployment's runs too.
    got = ok_json(run_mltop("pipeline-runs", "mltop-ok", "--json"),
                  "pipeline-runs of the flow")
    assert run_id in [x["id"] for x in got]

    # tasks by the run's id and by its name give the API's task runs.
    want = {t["id"]: t for t in api.wait_tasks([run_id], 3)}
    assert len(want) == 3
    for ref in (run_id, r["name"]):
        got = ok_json(run_mltop("tasks", "mltop-ok/ok", ref, "--json"),
                      f"tasks {ref}")
        assert {t["id"] for t in got} == set(want)
        for t in got:
            w = want[t["id"]]
            for k in ("name", "state_type", "start_time", "end_time",
                      "run_count"):
                assert t.get(k) == w.get(k), (t["name"], k)
    text = run_mltop("tasks", "mltop-ok/ok", run_id).stdout.decode()
    rows = [re.split(r"\s{2,}", x)[0] for x in text.splitlines()[1:]
            if x.strip()]
    # In the order they ran.
    assert [x.split("-")[0] for x in rows] == \
        ["extract", "transform", "load"], text

    # The run's log lines, as the API has them, through a task's log.
    api.wait_logs(run_id, "mltop-ok total 20")
    task = next(t for t in want.values() if t["name"].startswith("load"))
    end = time.monotonic() + 60
    while True:
        want_lines = [x["message"] for x in api.logs(run_id)
                      if x["task_run_id"] == task["id"]]
        if any("Finished in state" in x for x in want_lines):
            break
        assert time.monotonic() < end, f"the task's log: {want_lines}"
        time.sleep(0.5)
    got = ok_json(run_mltop("logs", "mltop-ok/ok", run_id, task["name"],
                            "--json"), "logs")
    text = "\n".join(x["event"] for x in got["content"])
    for x in want_lines:
        assert x in text, (x, text)
    assert "mltop-ok total 20" not in text

    # With no task: the run's own log, its lines and its tasks', in order.
    every = [x["message"] for x in api.logs(run_id)]
    got = ok_json(run_mltop("logs", "mltop-ok/ok", r["name"], "--json"),
                  "the run's log")
    assert [x["event"] for x in got["content"]] == every
    assert any("mltop-ok total 20" in x for x in every)


def test_parameters_refused_before_anything(run_mltop, api):
    """The deployment's schema is checked first: a wrong type or an
    unknown name is refused with why, and no run is made."""
    before = {x["id"] for x in api.post("flow_runs/filter", {
        "deployments": {"id": {"any_": [api.deployment("mltop-ok/ok")[
            "id"]]}}, "limit": 200})}
    p = run_mltop("trigger", "mltop-ok/ok", "--params", '{"n": "five"}',
                  "--yes")
    assert p.returncode == EXIT_STORE, p
    err = p.stderr.decode()
    assert "the parameter n is a string" in err and "integer" in err, err
    p = run_mltop("trigger", "mltop-ok", "--yes")
    assert p.returncode == EXIT_STORE, p
    assert b"deployment" in p.stderr
    after = {x["id"] for x in api.post("flow_runs/filter", {
        "deployments": {"id": {"any_": [api.deployment("mltop-ok/ok")[
            "id"]]}}, "limit": 200})}
    assert after == before


def test_nested_subflows(run_mltop, api):
    """A run with two subflows: its tasks are its own task runs and each
    subflow's, subflow's after the task run that stands for it, named
    "subflow › task"."""
    run_id = trigger(run_mltop, "mltop-nested/nested")
    r = api.wait_run(run_id, timeout=240)
    assert r["state_type"] == "COMPLETED", r
    subs = api.subflows(run_id)
    assert len(subs) == 2
    want = api.wait_tasks([run_id] + [s["id"] for s in subs], 52)
    got = ok_json(run_mltop("tasks", "mltop-nested/nested", run_id,
                            "--json"), "tasks")
    assert len(got) == len(want) == 52
    assert {t["id"] for t in got} == {t["id"] for t in want}
    text = run_mltop("tasks", "mltop-nested/nested",
                     run_id).stdout.decode()
    rows = [re.split(r"\s{2,}", x)[0] for x in text.splitlines()[1:]
            if x.strip()]
    sub_rows = [x for x in text.splitlines() if " › " in x]
    assert len(sub_rows) == 44, text
    # Each subflow's task runs come right after the task run that stands
    # for it in the parent, named after it.
    for w in {x.split(" › ")[0] for x in sub_rows}:
        i = rows.index(w)
        assert all(r.startswith(w + " › ") for r in rows[i + 1:i + 23]), \
            text
    for s in subs:
        assert sum(1 for t in got if t["flow_run_id"] == s["id"]) == \
            sum(1 for t in want if t["flow_run_id"] == s["id"]) == 22


def test_pause_resume_and_read_only(run_mltop, api):
    dep = "mltop-ok/yearly"
    p = run_mltop("--read-only", "pause", dep, "--yes")
    assert p.returncode == EXIT_READ_ONLY, p
    assert api.deployment(dep)["paused"] is False
    try:
        p = run_mltop("pause", dep, "--yes")
        assert p.returncode == EXIT_OK, p
        assert api.deployment(dep)["paused"] is True
        line = next(x for x in run_mltop("pipelines").stdout.decode()
                    .splitlines() if x.startswith(dep + " "))
        assert "paused" in line, line
        p = run_mltop("unpause", dep, "--yes")
        assert p.returncode == EXIT_OK, p
        assert api.deployment(dep)["paused"] is False
    finally:
        api.post("deployments/" + api.deployment(dep)["id"] +
                 "/resume_deployment")
    done = [e["event"]["action"] for e in run_mltop.audit()
            if e["result"] == "done"]
    assert done == ["pause", "unpause"], run_mltop.audit()
    # A flow has no schedule to pause.
    p = run_mltop("pause", "mltop-ok", "--yes")
    assert p.returncode == EXIT_STORE and b"deployments" in p.stderr


def test_retry_a_failed_run(run_mltop, api):
    """mltop-flaky fails; retried, the same flow run goes again and is
    COMPLETED. Retrying a COMPLETED run is refused."""
    run_id = trigger(run_mltop, "mltop-flaky/flaky")
    r = api.wait_run(run_id)
    assert r["state_type"] == "FAILED", r
    p = run_mltop("retry", "mltop-flaky/flaky", run_id, "--yes", "--json")
    got = ok_json(p, "retry")
    assert got["result"] == "done", got
    r = api.wait_run(run_id, {"COMPLETED", "FAILED", "CRASHED"})
    assert r["state_type"] == "COMPLETED", r
    assert r["run_count"] == 2, r
    p = run_mltop("retry", "mltop-flaky/flaky", run_id, "--yes")
    assert p.returncode == EXIT_STORE, p
    assert b"only a failed" in p.stderr, p.stderr


def test_cancel_a_running_run(run_mltop, api):
    run_id = trigger(run_mltop, "mltop-long/long", {"seconds": 120})
    try:
        api.wait_run(run_id, {"RUNNING"}, timeout=120)
        p = run_mltop("--read-only", "cancel", "mltop-long/long", run_id, "--yes")
        assert p.returncode == EXIT_READ_ONLY
        assert api.run(run_id)["state_type"] == "RUNNING"
        got = ok_json(run_mltop("cancel", "mltop-long/long", run_id,
                                "--yes", "--json"), "cancel")
        assert got["result"] == "done", got
        r = api.wait_run(run_id, {"CANCELLED", "COMPLETED", "FAILED",
                                  "CRASHED"}, timeout=90)
        assert r["state_type"] == "CANCELLED", r
        p = run_mltop("cancel", "mltop-long/long", run_id, "--yes")
        assert p.returncode == EXIT_STORE and b"nothing to cancel" in \
            p.stderr, p
    finally:
        if api.run(run_id)["state_type"] not in FINAL:
            api.post(f"flow_runs/{run_id}/set_state", {
                "state": {"type": "CANCELLED"}, "force": True})


def test_hostile_log(run_mltop, api):
    run_id = trigger(run_mltop, "mltop-hostile/hostile")
    r = api.wait_run(run_id)
    assert r["state_type"] == "COMPLETED", r
    want = api.wait_tasks([run_id], 1)
    assert len(want) == 1
    name = want[0]["name"]
    api.wait_logs(run_id, "ünïcode ✓ 任务")
    assert name.startswith("tâche-ünïcode-✓-任务")
    p = run_mltop("logs", "mltop-hostile/hostile", run_id, name,
                  env={"LC_ALL": "C.UTF-8"})
    assert p.returncode == 0, p
    out = p.stdout
    for bad in (b"\x1b", b"\x07", b"\x08", b"\r"):
        assert bad not in out, bad
    assert b"x" * 1000 in out
    assert "ünïcode ✓ 任务 🚀".encode() in out
    # --json keeps the text as it was logged.
    got = ok_json(run_mltop("logs", "mltop-hostile/hostile", run_id, name,
                            "--json"), "logs --json")
    assert any("\x1b]0;pwned\x07" in x["event"] for x in got["content"])


def test_unknown_names_and_a_dead_server(mltop, run_mltop, tmp_path):
    p = run_mltop("pipeline-runs", "no-such-flow")
    assert p.returncode == EXIT_STORE and b"no-such-flow" in p.stderr, p
    p = run_mltop("tasks", "mltop-ok/ok", str(uuid.uuid4()))
    assert p.returncode == EXIT_STORE, p
    assert b"no flow run " in p.stderr and b"on the server" in p.stderr, \
        p.stderr
    import servers
    p = mltop.run("-p", f"prefect+http://127.0.0.1:{servers.free_port()}/api",
                  "pipelines", env={"HOME": str(tmp_path)})
    assert p.returncode == EXIT_STORE and b"connection refused" in p.stderr


# ---- the dashboard ------------------------------------------------------------

def dashboard_env(tmp_path):
    return clean_env({"HOME": str(tmp_path), "TERM": "xterm-256color",
                      "XDG_STATE_HOME": str(tmp_path / "state")})


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_dashboard_views(mltop, run_mltop, api, tmp_path, size):
    """:pipelines on a nested run: its tasks with the subflows' indented,
    then a task's log, at 80x24 and 200x50 in tmux; every line fits."""
    run_id = trigger(run_mltop, "mltop-ok/ok")
    r = api.wait_run(run_id)
    t = Tmux(tmp_path, [str(mltop.binary), "-u", str(demo_store(
        mltop, tmp_path)), "-p", SOURCE], dashboard_env(tmp_path),
        size=size)
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys("W")
        s = t.wait(lambda s: "mltop-ok/yearly" in s and "FLOW" in s,
                   "the pipelines view")
        t.keys(":pipelines mltop-ok/ok", "Enter")
        t.wait(lambda s: r["name"] in s, "the deployment's runs by name")
        t.keys(":pipelines mltop-ok/ok " + run_id, "Enter")
        s = t.wait(lambda s: "extract" in s and "load" in s and
                   "success" in s, "the run's tasks")
        lines = s.splitlines()
        order = [next(i for i, line in enumerate(lines) if x in line)
                 for x in ("extract", "transform", "load")]
        assert order == sorted(order), s
        assert all(len(line) <= size[0] for line in lines)
        t.keys("Enter")
        t.wait(lambda s: re.search(r"\d+ lines?  try 1", s) and
               "Finished in state Completed" in s, "the log of extract")
        # o on the run: its own log, the flow's lines among its tasks'.
        api.wait_logs(run_id, "mltop-ok total 6")
        t.keys("Escape")
        t.wait(lambda s: "transform" in s, "back to the run's tasks")
        t.keys("o")
        t.wait(lambda s: "mltop-ok total 6" in s and
               re.search(r"\d+ lines  the run", s), "the run's own log")
    finally:
        t.close()


def test_dashboard_retry_with_confirmation(mltop, run_mltop, api, tmp_path):
    """a on a failed run shows what happens and asks; n changes nothing,
    y retries it, and the run goes on to COMPLETED."""
    run_id = trigger(run_mltop, "mltop-flaky/flaky")
    r = api.wait_run(run_id)
    assert r["state_type"] == "FAILED"
    t = Tmux(tmp_path, [str(mltop.binary), "-u", str(demo_store(
        mltop, tmp_path)), "-p", SOURCE], dashboard_env(tmp_path),
        size=(120, 30))
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys(":pipelines mltop-flaky/flaky", "Enter")
        t.wait(lambda s: r["name"] in s, "the runs")
        # The newest run is the first row.
        t.keys("a")
        s = t.wait(lambda s: "Retry mltop-flaky/flaky run" in s and
                   "y: do it" in s, "the retry dialog")
        assert run_id in s and "goes again from its start" in s, s
        assert "a: retry  K: cancel" in s, s
        t.keys("n")
        time.sleep(1)
        assert api.run(run_id)["state_type"] == "FAILED"
        t.keys("a")
        t.wait(lambda s: "Retry mltop-flaky/flaky run" in s and
               "y: do it" in s, "the retry dialog again")
        t.keys("y")
        r = api.wait_run(run_id, {"COMPLETED"}, timeout=120)
        t.wait(lambda s: re.search(r"Completed +" + re.escape(r["name"]),
                                   s),
               "the run Completed on screen", timeout=60)
    finally:
        t.close()
    audit = run_mltop.audit()
    assert audit and audit[-1]["result"] == "done", audit


def test_mlflow_run_linked_to_its_task(mltop, run_mltop, api, served,
                                        tmp_path):
    """A task logs an MLflow run tagged with prefect.flow_run_id and
    prefect.task_run_id: the MLflow client reads them back, and mltop's
    task row finds the run and shows its metric; W there opens it."""
    from mlflow import MlflowClient
    exp = "pf-linked-" + uuid.uuid4().hex[:8]
    run_id = trigger(run_mltop, "mltop-mlflow/mlflow",
                     {"tracking_uri": served.url, "experiment": exp})
    r = api.wait_run(run_id, timeout=240)
    assert r["state_type"] == "COMPLETED", r
    c = MlflowClient(tracking_uri=served.url)
    e = c.get_experiment_by_name(exp)
    runs = c.search_runs([e.experiment_id])
    assert len(runs) == 1
    tags = runs[0].data.tags
    task = api.wait_tasks([run_id], 1)[0]
    assert tags["prefect.flow_run_id"] == run_id
    assert tags["prefect.task_run_id"] == task["id"]
    t = Tmux(tmp_path, [str(mltop.binary), "-u", served.url,
                        "-p", SOURCE], dashboard_env(tmp_path),
             size=(120, 30))
    try:
        t.wait(lambda s: exp in s, "the experiments")
        t.keys(":pipelines mltop-mlflow/mlflow " + run_id, "Enter")
        t.wait(lambda s: re.search(r"TIME .* loss *$", s, re.M) and
               re.search(r"^log_mlflow_run\S* .*success.* 0\.333333 +[▁-█]",
                         s, re.M),
               "the task row with the run's loss and sparkline")
        t.keys("W")
        s = t.wait(lambda s: runs[0].info.run_id[:8] in s,
                   "the linked run's detail")
        assert "prefect-" in s, s
    finally:
        t.close()


def test_run_deleted_while_shown(mltop, run_mltop, api, tmp_path):
    """The flow run shown is deleted on the server: one line says so, the
    tasks last read stay on screen."""
    run_id = trigger(run_mltop, "mltop-ok/ok")
    api.wait_run(run_id)
    api.wait_tasks([run_id], 3)
    t = Tmux(tmp_path, [str(mltop.binary), "-u", str(demo_store(
        mltop, tmp_path)), "-r", "1", "-p", SOURCE],
        dashboard_env(tmp_path), size=(120, 30))
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys(":pipelines mltop-ok/ok " + run_id, "Enter")
        t.wait(lambda s: "extract" in s and "load" in s, "the run's tasks")
        api.call("DELETE", "flow_runs/" + run_id)
        s = t.wait(lambda s: f"no flow run {run_id} on the server" in
                   s.replace("\n", ""), "the run gone, said", timeout=30)
        assert "extract" in s and "load" in s, s
        t.keys("j")
        s = t.wait(lambda s: "2/3" in s, "the keyboard still answers")
    finally:
        t.close()


class BusyFor(dict):
    """Proxy faults: Prefect's own 503 (what it answers when its database
    was locked and the transaction rolled back) for the first `n` requests
    whose path ends in `suffix`, before they reach the server."""

    def __init__(self, suffix, n):
        super().__init__()
        self.suffix, self.left, self.hits = suffix, n, 0

    def get(self, key, default=None):
        import servers
        if key.endswith(self.suffix) and self.left > 0:
            self.left -= 1
            self.hits += 1
            return servers.response_bytes(
                503, json.dumps({"exception_message":
                                 "Service Unavailable"}))
        return default


def test_trigger_when_the_server_is_busy(mltop, run_mltop, api, fake_server):
    """Prefect answers 503 when its database is busy, and its own client
    sends the request again: a trigger that meets two 503s makes one
    flow run, recorded once; one that meets nothing but 503s gives up
    after 5 tries with a line that says so, and makes none."""
    import servers
    proxy = servers.Proxy(URL[:-len("/api")])
    srv = fake_server(proxy)
    env = {"MLTOP_PIPELINES_URI": "prefect+" + srv.url + "/api"}
    dep = api.deployment("mltop-ok/ok")

    def created():
        return [r for r in srv.requests if r.method == "POST" and
                r.path.endswith("/create_flow_run")]

    def runs_of_dep():
        return {r["id"] for r in api.post("flow_runs/filter", {
            "flow_runs": {"deployment_id": {"any_": [dep["id"]]}},
            "limit": 200})}

    before = runs_of_dep()
    proxy.faults = BusyFor("/create_flow_run", 2)
    got = ok_json(run_mltop("trigger", "mltop-ok/ok", "--yes", "--json",
                            "--params", '{"n": 2}', env=env),
                  "trigger through two 503s")
    assert got["result"] == "done", got
    assert proxy.faults.hits == 2 and len(created()) == 3, created()
    assert runs_of_dep() - before == {got["dag_run_id"]}
    assert api.run(got["dag_run_id"])["parameters"] == {"n": 2}
    assert [e["result"] for e in run_mltop.audit()] == ["started", "done"]

    before = runs_of_dep()
    srv.requests.clear()
    proxy.faults = BusyFor("/create_flow_run", 99)
    p = run_mltop("trigger", "mltop-ok/ok", "--yes", env=env)
    assert p.returncode == EXIT_STORE, p
    err = p.stderr.decode()
    assert "HTTP 503" in err and "busy" in err and "5 times" in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert len(created()) == 5, created()
    assert runs_of_dep() == before
    last = run_mltop.audit()[-1]
    assert last["result"] not in ("done", "started"), last


def test_server_away_then_back_and_bad_replies(mltop, fake_server,
                                                 tmp_path):
    """Through a proxy in front of the real server: a 503 of HTML keeps
    the list, marked stale, with the retry time; back, refreshed. A reply
    that is not JSON, and a 401, are one line each on the command line,
    naming the credentials sent but never showing them."""
    import servers
    upstream = URL[:-len("/api")]
    proxy = servers.Proxy(upstream)
    srv = fake_server(proxy)
    src = "prefect+" + srv.url + "/api"
    t = Tmux(tmp_path, [str(mltop.binary), "-u", str(demo_store(
        mltop, tmp_path)), "-r", "1", "-p", src], dashboard_env(tmp_path),
        size=(100, 24))
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys("W")
        t.wait(lambda s: "mltop-ok/ok" in s and "refreshed" in s,
               "the pipelines view")
        down = servers.response_bytes(
            503, "<html><body>upstream down</body></html>",
            content_type="text/html")
        # The server away: every endpoint. (With only flows/filter
        # failing, the strips' replies in the same refresh are a server
        # that answers, and "stale" could be gone before a look.)
        proxy.faults = {"*": down}
        s = t.wait(lambda s: "stale" in s and "retry in" in s,
                   "stale in the status line")
        assert "mltop-ok/ok" in s, f"the list went away:\n{s}"
        assert "HTTP 503" in s, s
        proxy.faults = {}
        t.wait(lambda s: "refreshed" in s and "stale" not in s,
               "back to refreshed", timeout=40)
    finally:
        t.close()

    env = {"HOME": str(tmp_path), "PREFECT_API_AUTH_STRING": "ml:s3cret-pw"}
    proxy.faults = {"/api/flows/filter": servers.response_bytes(
        200, "<html>a login page</html>", content_type="text/html")}
    p = mltop.run("-p", src, "pipelines", env=env)
    assert p.returncode == EXIT_STORE, p
    err = p.stderr.decode()
    assert len(err.strip().splitlines()) == 1 and "JSON" in err, err
    proxy.faults = {"/api/flows/filter": servers.response_bytes(
        401, json.dumps({"detail": "Unauthorized"}))}
    srv.requests.clear()
    p = mltop.run("-p", src, "pipelines", env=env)
    assert p.returncode == EXIT_STORE, p
    err = p.stderr.decode()
    assert "HTTP 401" in err and "PREFECT_API_AUTH_STRING" in err, err
    assert b"s3cret" not in p.stdout + p.stderr
    import base64
    sent = [r.headers.get("authorization") for r in srv.requests]
    assert sent and sent[0] == "Basic " + base64.b64encode(
        b"ml:s3cret-pw").decode(), sent
