# test_pipelines.py: mltop's pipeline commands and views against a real
# `airflow standalone` 3.3.2 started once for the whole run by
# tools/test.sh (MLTOP_TEST_AIRFLOW_URL, _USER, _PASSWORD), with the fixture
# DAGs of tests/integration/airflow_dags/. Every output is checked against
# what the Airflow API itself returns, every action's effect through the
# API.
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from conftest import clean_env
from pane import Tmux, demo_store

URL = os.environ.get("MLTOP_TEST_AIRFLOW_URL")
USER = os.environ.get("MLTOP_TEST_AIRFLOW_USER", "admin")
PASSWORD = os.environ.get("MLTOP_TEST_AIRFLOW_PASSWORD")

pytestmark = pytest.mark.skipif(
    not URL or not PASSWORD,
    reason="no Airflow: tools/test.sh starts one and sets "
           "MLTOP_TEST_AIRFLOW_URL and MLTOP_TEST_AIRFLOW_PASSWORD")

EXIT_OK, EXIT_USAGE, EXIT_STORE, EXIT_READ_ONLY = 0, 1, 2, 5
FINAL = {"success", "failed"}


# ---- the API, as the peer itself answers ------------------------------------

class Api:
    def __init__(self):
        self.token = None

    def _token(self):
        body = json.dumps({"username": USER, "password": PASSWORD}).encode()
        req = urllib.request.Request(URL + "/auth/token", data=body,
                                     method="POST", headers={
                                         "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            self.token = json.load(r)["access_token"]

    def call(self, method, path, body=None):
        if not self.token:
            self._token()
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            URL + "/api/v2/" + path, data=data, method=method,
            headers={"Authorization": "Bearer " + self.token,
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            if e.code == 401:
                self.token = None
                return self.call(method, path, body)
            raise

    def get(self, path):
        return self.call("GET", path)

    def run(self, dag, run_id):
        return self.get(f"dags/{dag}/dagRuns/{q(run_id)}")

    def tasks(self, dag, run_id):
        return self.get(f"dags/{dag}/dagRuns/{q(run_id)}/taskInstances"
                        "?limit=100")["task_instances"]

    def wait_run(self, dag, run_id, states=FINAL, timeout=180):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = self.run(dag, run_id)
            if r["state"] in states:
                return r
            time.sleep(0.5)
        raise AssertionError(f"{dag} {run_id} not {states} in {timeout} s: "
                             f"{self.run(dag, run_id)['state']}")


def q(s):
    return urllib.parse.quote(s, safe="")


@pytest.fixture(scope="module")
def api():
    a = Api()
    # The fixture DAGs are loaded once the dag-processor has seen them.
    end = time.monotonic() + 120
    want = {"mltop_ok", "mltop_flaky", "mltop_mapped", "mltop_long",
            "mltop_mlflow", "mltop_hostile", "mltop_wide_map"}
    while time.monotonic() < end:
        ids = {d["dag_id"] for d in a.get("dags?limit=100")["dags"]}
        if want <= ids:
            break
        time.sleep(1)
    else:
        pytest.fail(f"the fixture DAGs never loaded: have {ids}")
    while time.monotonic() < end and \
            not a.get("importErrors")["import_errors"]:
        time.sleep(1)
    for dag in want:
        a.call("PATCH", f"dags/{dag}?update_mask=is_paused",
               {"is_paused": False})
    return a


@pytest.fixture
def run_mltop(mltop, tmp_path):
    """mltop with the pipeline source and credentials in the environment
    and its audit log in tmp_path."""
    def go(*args, env=None, timeout=120):
        e = {"MLTOP_PIPELINES_URI": "airflow+" + URL,
             "MLTOP_PIPELINES_USERNAME": USER,
             "MLTOP_PIPELINES_PASSWORD": PASSWORD,
             "XDG_STATE_HOME": str(tmp_path / "state"),
             "HOME": str(tmp_path)}
        e.update(env or {})
        p = mltop.run(*args, env={k: v for k, v in e.items()
                                  if v is not None}, timeout=timeout)
        for name, data in (("stdout", p.stdout), ("stderr", p.stderr)):
            assert PASSWORD.encode() not in data, \
                f"the password appears on {name}"
        return p
    go.audit = lambda: [json.loads(x) for x in (
        tmp_path / "state" / "mltop" / "audit.log").read_text().splitlines()]
    return go


def ok_json(p, what):
    assert p.returncode == 0, \
        f"{what}: exit {p.returncode}: {p.stderr.decode(errors='replace')}"
    return json.loads(p.stdout)


STABLE = ("dag_id", "dag_display_name", "is_paused", "tags", "owners",
          "timetable_summary", "has_import_errors", "fileloc")


def trigger(run_mltop, dag, conf=None):
    args = ["trigger", dag, "--yes", "--json"]
    if conf is not None:
        args += ["--conf", json.dumps(conf)]
    got = ok_json(run_mltop(*args), f"trigger {dag}")
    assert got["result"] == "done", got
    return got["dag_run_id"]


# ---- reading ------------------------------------------------------------------

def test_pipelines_as_the_api_lists_them(run_mltop, api):
    got = ok_json(run_mltop("pipelines", "--json"), "pipelines --json")
    want = api.get("dags?limit=100&order_by=dag_id")
    assert got["total_entries"] == want["total_entries"]
    assert [d["dag_id"] for d in got["dags"]] == \
        [d["dag_id"] for d in want["dags"]]
    for g, w in zip(got["dags"], want["dags"]):
        for k in STABLE:
            assert g.get(k) == w.get(k), (g["dag_id"], k, g.get(k), w.get(k))
    text = run_mltop("pipelines")
    assert text.returncode == 0
    out = text.stdout.decode()
    for d in want["dags"]:
        assert d["dag_id"] in out
    errors = api.get("importErrors")["import_errors"]
    assert errors, "the broken fixture DAG is not an import error"
    for e in errors:
        assert os.path.basename(e["filename"]) in out, out


def test_trigger_tasks_and_logs(run_mltop, api):
    run_id = trigger(run_mltop, "mltop_ok", {"why": "test"})
    r = api.wait_run("mltop_ok", run_id)
    assert r["state"] == "success" and r["conf"] == {"why": "test"}, r
    got = ok_json(run_mltop("pipeline-runs", "mltop_ok", "--json"),
                  "pipeline-runs")
    mine = [x for x in got["dag_runs"] if x["dag_run_id"] == run_id]
    assert len(mine) == 1 and mine[0]["state"] == "success", got
    assert mine[0]["conf"] == {"why": "test"}

    got = ok_json(run_mltop("tasks", "mltop_ok", run_id, "--json"), "tasks")
    want = {t["task_id"]: t for t in api.tasks("mltop_ok", run_id)}
    ids = [t["task_id"] for t in got["task_instances"]]
    assert sorted(ids) == sorted(want), (ids, list(want))
    # Dependency order, as the DAG defines it.
    defs = api.get("dags/mltop_ok/tasks")["tasks"]
    down = {t["task_id"]: t["downstream_task_ids"] for t in defs}
    for i, t in enumerate(ids):
        for d in down[t]:
            assert ids.index(d) > i, f"{d} listed before {t}: {ids}"
    for t in got["task_instances"]:
        w = want[t["task_id"]]
        for k in ("state", "try_number", "map_index", "start_date",
                  "end_date"):
            assert t[k] == w[k], (t["task_id"], k, t[k], w[k])

    task = ids[0]
    try_number = want[task]["try_number"]
    logs = ok_json(run_mltop("logs", "mltop_ok", run_id, task, "--json"),
                   "logs --json")
    api_log = api.get(f"dags/mltop_ok/dagRuns/{q(run_id)}/taskInstances/"
                      f"{task}/logs/{try_number}")
    want_events = [c.get("event") if isinstance(c, dict) else c
                   for c in api_log["content"]]
    assert [c["event"] for c in logs["content"]] == want_events
    text = run_mltop("logs", "mltop_ok", run_id, task)
    assert text.returncode == 0 and b"Done. Returned value" in text.stdout


def test_mapped_task_instances(run_mltop, api):
    run_id = trigger(run_mltop, "mltop_mapped")
    api.wait_run("mltop_mapped", run_id)
    got = ok_json(run_mltop("tasks", "mltop_mapped", run_id, "--json"),
                  "tasks of a mapped run")
    mapped = [t for t in got["task_instances"] if t["map_index"] >= 0]
    want = [t for t in api.tasks("mltop_mapped", run_id)
            if t["map_index"] >= 0]
    assert len(mapped) == 50, len(mapped)
    assert sorted(t["map_index"] for t in mapped) == list(range(50))
    assert len(want) <= len(mapped)


def test_a_thousand_map_indexes(mltop, run_mltop, api, tmp_path):
    """1,000 instances of one mapped task: `mltop tasks` pages through all
    of them as the API lists them, and the Gantt shows them as one row
    with a count (the run is marked failed once they exist, through the
    API, so they never all run)."""
    run_id = trigger(run_mltop, "mltop_wide_map")
    path = f"dags/mltop_wide_map/dagRuns/{q(run_id)}/taskInstances"
    try:
        end = time.monotonic() + 180
        while time.monotonic() < end:
            if api.get(path + "?limit=1")["total_entries"] >= 1001:
                break
            time.sleep(1)
        else:
            pytest.fail("the 1,000 map indexes never appeared")
    finally:
        # Whatever happened, the run stops here: its instances must not
        # queue behind the other tests' runs.
        api.call("PATCH", f"dags/mltop_wide_map/dagRuns/{q(run_id)}",
                 {"state": "failed"})
    got = ok_json(run_mltop("tasks", "mltop_wide_map", run_id, "--json"),
                  "tasks of a 1,000-way mapped run")
    mapped = sorted(t["map_index"] for t in got["task_instances"]
                    if t["task_id"] == "slow")
    assert mapped == list(range(1000)), (len(mapped), mapped[:5])
    assert got["total_entries"] == api.get(path + "?limit=1")[
        "total_entries"]
    t = Tmux(tmp_path, [str(mltop.binary), "-u", str(demo_store(
        mltop, tmp_path)), "-p", "airflow+" + URL], dashboard_env(tmp_path),
        size=(100, 24))
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys(f":pipelines mltop_wide_map {run_id}", "Enter")
        s = t.wait(lambda s: re.search(r"^slow \[1000\] .*/1000 done", s,
                                       re.M), "one row for 1,000 instances")
        assert len([ln for ln in s.splitlines()
                    if ln.startswith("slow")]) == 1, s
    finally:
        t.close()


def test_clear_failed_then_success(run_mltop, api):
    run_id = trigger(run_mltop, "mltop_flaky")
    r = api.wait_run("mltop_flaky", run_id)
    assert r["state"] == "failed", r
    p = run_mltop("clear", "mltop_flaky", run_id, "--only-failed",
                  "--downstream", "--yes")
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    # The plan named what the server's dry run said it would clear.
    assert "flaky" in out and "cleared" in out, out
    r = api.wait_run("mltop_flaky", run_id, {"success"}, timeout=240)
    tries = {t["task_id"]: t["try_number"]
             for t in api.tasks("mltop_flaky", run_id)}
    assert tries.get("flaky") == 2, tries
    events = [a for a in run_mltop.audit() if a["event"]["action"] ==
              "clear"]
    assert [a["result"] for a in events] == ["started", "done"], events


def test_mark_task_state(run_mltop, api):
    run_id = trigger(run_mltop, "mltop_ok")
    api.wait_run("mltop_ok", run_id)
    task = sorted(t["task_id"] for t in api.tasks("mltop_ok", run_id))[0]
    p = run_mltop("mark", "mltop_ok", run_id, task, "failed", "--yes")
    assert p.returncode == 0, p.stderr
    assert f"{task} (success): set to failed".encode() in p.stdout, p.stdout
    states = {t["task_id"]: t["state"] for t in api.tasks("mltop_ok",
                                                          run_id)}
    assert states[task] == "failed", states
    p = run_mltop("mark", "mltop_ok", run_id, task, "success", "--yes")
    assert p.returncode == 0, p.stderr
    states = {t["task_id"]: t["state"] for t in api.tasks("mltop_ok",
                                                          run_id)}
    assert states[task] == "success", states
    p = run_mltop("mark", "mltop_ok", run_id, task, "sideways", "--yes")
    assert p.returncode == EXIT_USAGE


def test_follow_a_running_task(mltop, run_mltop, api, tmp_path):
    """logs --follow prints lines while the task still runs."""
    run_id = trigger(run_mltop, "mltop_long")
    end = time.monotonic() + 120
    while time.monotonic() < end:
        ts = api.tasks("mltop_long", run_id)
        if ts and ts[0]["state"] == "running":
            break
        time.sleep(0.5)
    else:
        pytest.fail("mltop_long never ran")
    task = ts[0]["task_id"]
    env = clean_env({"MLTOP_PIPELINES_URI": "airflow+" + URL,
                     "MLTOP_PIPELINES_USERNAME": USER,
                     "MLTOP_PIPELINES_PASSWORD": PASSWORD,
                     "HOME": str(tmp_path)})
    p = subprocess.Popen([str(mltop.binary), "logs", "mltop_long", run_id,
                          task, "--follow"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    seen = []
    try:
        end = time.monotonic() + 90
        while time.monotonic() < end:
            line = p.stdout.readline().decode(errors="replace")
            if not line:
                break
            seen.append(line)
            ticks = [x for x in seen if "tick " in x]
            if len(ticks) >= 3:
                break
        ticks = [x for x in seen if "tick " in x]
        assert len(ticks) >= 3, "".join(seen[-20:])
        state = api.tasks("mltop_long", run_id)[0]["state"]
        assert state == "running", \
            f"the task ended ({state}) before the log was followed"
    finally:
        p.kill()
        p.communicate()
    api.call("PATCH", f"dags/mltop_long/dagRuns/{q(run_id)}",
             {"state": "failed"})


def test_pause_unpause_and_read_only(run_mltop, api):
    p = run_mltop("--read-only", "pause", "mltop_ok", "--yes")
    assert p.returncode == EXIT_READ_ONLY, p.stderr
    assert api.get("dags/mltop_ok")["is_paused"] is False
    p = run_mltop("pause", "mltop_ok", "--yes")
    assert p.returncode == 0, p.stderr
    assert api.get("dags/mltop_ok")["is_paused"] is True
    p = run_mltop("unpause", "mltop_ok", "--yes")
    assert p.returncode == 0, p.stderr
    assert api.get("dags/mltop_ok")["is_paused"] is False
    p = run_mltop("--read-only", "trigger", "mltop_ok", "--yes")
    assert p.returncode == EXIT_READ_ONLY


def test_declined_without_a_terminal(run_mltop, api):
    before = api.get("dags/mltop_ok/dagRuns?limit=1")["total_entries"]
    p = run_mltop("trigger", "mltop_ok")
    assert p.returncode == EXIT_USAGE, p.stderr
    assert b"without --yes" in p.stderr
    p = run_mltop("trigger", "mltop_ok", "--conf", "[1]", "--yes")
    assert p.returncode == EXIT_USAGE and b"JSON object" in p.stderr
    assert api.get("dags/mltop_ok/dagRuns?limit=1")["total_entries"] == \
        before, "a run was triggered"


def test_hostile_log(run_mltop, api):
    """Colour codes, a title escape and a screen clear in a task's log:
    the text output has none of them raw, --json escapes them."""
    run_id = trigger(run_mltop, "mltop_hostile")
    api.wait_run("mltop_hostile", run_id)
    p = run_mltop("logs", "mltop_hostile", run_id, "shout")
    assert p.returncode == 0, p.stderr
    assert b"red" in p.stdout and b"cleared" in p.stdout
    for raw in (b"\x1b", b"\x07", b"\x9b"):
        assert raw not in p.stdout, f"{raw!r} reached the terminal"
    j = run_mltop("logs", "mltop_hostile", run_id, "shout", "--json")
    events = [c["event"] for c in json.loads(j.stdout)["content"]]
    assert any("\x1b]0;pwned" in e for e in events), \
        "the JSON lost the log's own text"
    assert any(len(e) >= 20000 for e in events), "the long line was cut"


# ---- credentials and faults ---------------------------------------------------

def test_wrong_password_says_who(run_mltop):
    p = run_mltop("pipelines", env={"MLTOP_PIPELINES_PASSWORD": "nope"})
    assert p.returncode == EXIT_STORE
    err = p.stderr.decode()
    assert "not authenticated (HTTP 401)" in err and \
        f"sent user '{USER}' from MLTOP_PIPELINES_USERNAME" in err, err
    assert "nope" not in err


def test_netrc_credentials(run_mltop, tmp_path):
    host = urllib.parse.urlsplit(URL).hostname
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine {host} login {USER} password {PASSWORD}\n")
    p = run_mltop("pipelines", "--json", env={
        "MLTOP_PIPELINES_USERNAME": None, "MLTOP_PIPELINES_PASSWORD": None,
        "NETRC": str(netrc)})
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["dags"]


def test_bad_token(run_mltop):
    p = run_mltop("pipelines", env={
        "MLTOP_PIPELINES_USERNAME": None, "MLTOP_PIPELINES_PASSWORD": None,
        "MLTOP_PIPELINES_TOKEN": "not-a-jwt"})
    assert p.returncode == EXIT_STORE
    # Airflow answers a token it cannot read with 403 "Invalid JWT token".
    assert b"a token from MLTOP_PIPELINES_TOKEN" in p.stderr, p.stderr
    assert b"not-a-jwt" not in p.stderr


def test_no_run_log_on_airflow(run_mltop, api):
    """Airflow keeps logs by task: logs with no TASK says so."""
    run_id = trigger(run_mltop, "mltop_ok")
    p = run_mltop("logs", "mltop_ok", run_id)
    assert p.returncode == EXIT_USAGE, p
    assert b"airflow keeps logs by task" in p.stderr, p.stderr


def test_unknown_dag(run_mltop):
    p = run_mltop("pipeline-runs", "no_such_dag_" + uuid.uuid4().hex[:6])
    assert p.returncode == EXIT_STORE
    assert b"not found (HTTP 404)" in p.stderr, p.stderr


def test_airflow_down(mltop, tmp_path):
    import servers
    p = mltop.run("-p", f"airflow+http://127.0.0.1:{servers.free_port()}",
                  "pipelines", env={"HOME": str(tmp_path)})
    assert p.returncode == EXIT_STORE and b"connection refused" in p.stderr


# ---- the dashboard ------------------------------------------------------------

def dashboard_env(tmp_path):
    return clean_env({"MLTOP_PIPELINES_USERNAME": USER,
                      "MLTOP_PIPELINES_PASSWORD": PASSWORD,
                      "HOME": str(tmp_path), "TERM": "xterm-256color",
                      "XDG_STATE_HOME": str(tmp_path / "state")})


def test_mlflow_run_linked_to_its_task(mltop, api, run_mltop, served,
                                        tmp_path):
    """A task logs an MLflow run with the link tags: the client reads
    them back; mltop's run detail names the task, and W there opens the
    pipeline run's tasks."""
    from mlflow import MlflowClient
    exp = "linked-" + uuid.uuid4().hex[:8]
    run_id = trigger(run_mltop, "mltop_mlflow",
                     {"tracking_uri": served.url, "experiment": exp})
    r = api.wait_run("mltop_mlflow", run_id)
    assert r["state"] == "success", r
    c = MlflowClient(tracking_uri=served.url)
    e = c.get_experiment_by_name(exp)
    runs = c.search_runs([e.experiment_id])
    assert len(runs) == 1, runs
    tags = runs[0].data.tags
    assert tags["airflow.dag_id"] == "mltop_mlflow"
    assert tags["airflow.run_id"] == run_id
    assert tags["airflow.task_id"] == "train"
    assert tags["airflow.try_number"] == "1"
    t = Tmux(tmp_path, [str(mltop.binary), "-u", served.url, "-e", exp,
                        "-p", "airflow+" + URL], dashboard_env(tmp_path),
             size=(120, 30))
    try:
        t.wait(lambda s: "linked-train" in s, "the linked run")
        t.keys("Enter")
        s = t.wait(lambda s: "pipeline mltop_mlflow" in s,
                   "the run detail naming its task")
        assert f"› {run_id[:20]}" in s and "› train try 1" in s, s
        t.keys("W")
        t.wait(lambda s: "train" in s and "success" in s and
               "mltop_mlflow >" in s, "the pipeline run's tasks")
    finally:
        t.close()
    # The other way, with nothing of MLflow loaded but the experiments, on
    # the server and on its file: the task row finds its run in the
    # tracking store by its tags and shows the key metric (loss, last 1/5)
    # with its sparkline; W there opens the run's detail.
    for uri in (served.url, served.uri):
        t = Tmux(tmp_path, [str(mltop.binary), "-u", uri,
                            "-p", "airflow+" + URL], dashboard_env(tmp_path),
                 size=(120, 30))
        try:
            t.wait(lambda s: exp in s, "the experiments")
            t.keys(":pipelines mltop_mlflow " + run_id, "Enter")
            s = t.wait(lambda s: re.search(r"TIME .* loss *$", s, re.M) and
                       re.search(r"^train .*success.* 0\.2 +[▁-█]", s,
                                 re.M),
                       "the task row with the run's loss and sparkline")
            # Y: the task's page in Airflow's UI, which Airflow serves.
            t.keys("Y")
            want = f"{URL}/dags/mltop_mlflow/runs/{run_id}/tasks/train"
            s = t.wait(lambda s: "copied: " in s, "the task's address")
            assert f"copied: {want}"[:110] in s.replace("\n", ""), s
            with urllib.request.urlopen(want, timeout=30) as r:
                assert r.status == 200
            t.keys("W")
            s = t.wait(lambda s: "linked-train" in s and "pipeline "
                       "mltop_mlflow" in s, "the linked run's detail")
            assert runs[0].info.run_id[:8] in s, s
            # Y there: the run's page in the MLflow UI (on a server).
            t.keys("Y")
            if uri == served.url:
                rid = runs[0].info.run_id
                s = t.wait(lambda s: "copied: " in s, "the run's address")
                assert f"copied: {served.url}/#/experiments/" \
                       f"{e.experiment_id}/runs/{rid}"[:110] in s, s
            else:
                t.wait(lambda s: "no web UI address here" in s,
                       "no address for a file")
        finally:
            t.close()


def test_dashboard_stale_and_back(mltop, api, fake_server, tmp_path):
    """Airflow goes away under the pipelines view: the list stays, the
    status line says stale and when it retries; back, it says refreshed."""
    import servers
    proxy = servers.Proxy(URL)
    srv = fake_server(proxy)
    t = Tmux(tmp_path, [str(mltop.binary), "-u", str(demo_store(
        mltop, tmp_path)), "-r", "1", "-p", "airflow+" + srv.url],
        dashboard_env(tmp_path), size=(100, 24))
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys("W")
        t.wait(lambda s: "mltop_ok" in s and "refreshed" in s,
               "the pipelines view")
        down = servers.response_bytes(503, json.dumps(
            {"detail": "maintenance"}))
        proxy.faults = {"/api/v2/dags": down, "/api/v2/importErrors": down}
        s = t.wait(lambda s: "stale" in s and "retry in" in s,
                   "stale in the status line")
        assert "mltop_ok" in s, f"the list went away:\n{s}"
        assert "HTTP 503" in s and "maintenance" in s, s
        proxy.faults = {}
        t.wait(lambda s: "refreshed" in s and "stale" not in s,
               "back to refreshed", timeout=40)
    finally:
        t.close()

@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_dashboard_pipeline_views(mltop, api, run_mltop, tmp_path, size):
    """W, Enter, Enter: the pipelines, a pipeline's runs, a run's Gantt;
    then a task's log, at 80x24 and 200x50 in tmux."""
    run_id = trigger(run_mltop, "mltop_ok")
    api.wait_run("mltop_ok", run_id)
    t = Tmux(tmp_path, [str(mltop.binary), "-u", str(demo_store(
        mltop, tmp_path)), "-p", "airflow+" + URL], dashboard_env(tmp_path),
        size=size)
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys("W")
        s = t.wait(lambda s: "mltop_ok" in s and
                   re.search(r"^DAG +RECENT", s, re.M), "the pipelines view")
        assert "import errors" in s, s
        ids = sorted(d["dag_id"] for d in api.get("dags?limit=100")["dags"])
        row = ids.index("mltop_ok")
        t.keys(*(["j"] * row), "Enter")
        t.wait(lambda s: run_id in s, "the runs of mltop_ok, ids whole")
        t.keys("Enter")
        s = t.wait(lambda s: "prep" in s and "evaluate" in s and
                   "success" in s, "the run's tasks")
        lines = s.splitlines()
        order = [next(i for i, line in enumerate(lines) if x in line)
                 for x in ("prep", "train", "evaluate")]
        assert order == sorted(order), f"not in dependency order:\n{s}"
        assert all(len(line) <= size[0] for line in lines)
        t.keys("Enter")
        t.wait(lambda s: "lines" in s and "try" in s and "::group::" in s,
               "the log of prep")
    finally:
        t.close()


def test_dashboard_trigger_with_conf_and_clear_failed(mltop, api, tmp_path):
    """:trigger with a conf shows the conf in the dialog before y, and the
    run Airflow starts carries it; a conf that is not a JSON object is
    refused with no dialog; :clear failed on the failed run lists what the
    server's dry run would touch and, confirmed, the run goes on to
    success (the flaky task on its second try)."""
    t = Tmux(tmp_path, [str(mltop.binary), "-u", str(demo_store(
        mltop, tmp_path)), "-p", "airflow+" + URL], dashboard_env(tmp_path),
        size=(120, 30))
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys(":pipelines mltop_flaky", "Enter")
        t.wait(lambda s: "mltop_flaky" in s and "RUN" in s, "its runs")
        t.keys(":trigger [1, 2]", "Enter")
        s = t.wait(lambda s: "JSON object is needed" in s,
                   "the refused conf")
        assert "y: do it" not in s, s
        t.keys(':trigger {"lr": 0.01,  "note": "from mltop"}', "Enter")
        s = t.wait(lambda s: "y: do it" in s and '"note": "from mltop"'
                   in s, "the dialog with the conf")
        assert '"lr": 0.01' in s, s
        t.keys("y")
        s = t.wait(lambda s: "done: Trigger a run of mltop_flaky" in s,
                   "the trigger done")
        run_id = re.search(r"\(run ([^)]+)\)", s).group(1)
        r = api.run("mltop_flaky", run_id)
        assert r["conf"] == {"lr": 0.01, "note": "from mltop"}, r
        r = api.wait_run("mltop_flaky", run_id)
        assert r["state"] == "failed", r
        t.keys(":refresh", "Enter")
        t.wait(lambda s: re.search(r"^.*" + re.escape(run_id[:30]), s,
                                   re.M), "the new run in the list")
        # The newest run is the top row.
        t.keys("g", ":clear failed", "Enter")
        s = t.wait(lambda s: "Clear the failed tasks of mltop_flaky" in s
                   and "flaky" in s and "y: do it" in s,
                   "the dry run's list")
        assert "cleared, runs again" in s, s
        t.keys("y")
        t.wait(lambda s: "done: Clear the failed tasks" in s, "clear done")
        r = api.wait_run("mltop_flaky", run_id, {"success"}, timeout=240)
        tries = {x["task_id"]: x["try_number"]
                 for x in api.tasks("mltop_flaky", run_id)}
        assert tries.get("flaky") == 2, tries
    finally:
        t.close()


def test_dashboard_polls_only_changed_strips(mltop, api, tmp_path):
    """A poll of the pipelines view asks Airflow for the DAG list and
    once for the runs updated since the last poll, not for the strip of
    every DAG on screen; a run triggered meanwhile still shows in its
    DAG's strip at the next poll (that strip alone is asked again).
    Counted with :stats between polls, in script mode (one refresh a
    :poll)."""
    store = demo_store(mltop, tmp_path)
    keys = tmp_path / "keys"
    trig = (f"'{mltop.binary}' -p airflow+{URL} trigger mltop_ok --yes "
            f"--json > '{tmp_path}/trig.json'")
    keys.write_text("\n".join([
        ":pipelines", ":stats a", ":poll", ":stats b", ":poll", ":stats c",
        ":save-display before", f"$ {trig}", ":poll", ":stats d",
        ":save-display after", ""]))
    env = dashboard_env(tmp_path)
    env.update(MLTOP_SCRIPT=str(keys), COLUMNS="120", LINES="40",
               MLTOP_PIPELINES_URI="airflow+" + URL)
    p = subprocess.run([str(mltop.binary), "--no-config", "-u", str(store),
                        "-p", "airflow+" + URL], cwd=tmp_path, env=env,
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr

    def reqs(name):
        text = (tmp_path / name).read_text()
        return int(re.search(r"pipelines http: (\d+) requests", text)
                   .group(1))
    dags = api.get("dags?limit=100")["total_entries"]
    assert dags >= 6
    quiet = [reqs("b") - reqs("a"), reqs("c") - reqs("b")]
    # The DAG list, the import errors, the changed runs: not one a DAG.
    assert quiet == [3, 3], quiet
    run_id = json.loads((tmp_path / "trig.json").read_text())["dag_run_id"]
    assert run_id
    assert reqs("d") - reqs("c") == 4  # and the one strip that changed
    row = [ln for ln in (tmp_path / "before").read_text().splitlines()
           if ln.startswith("mltop_ok ")]
    after = [ln for ln in (tmp_path / "after").read_text().splitlines()
             if ln.startswith("mltop_ok ")]
    assert row and after and row != after, (row, after)


def test_dashboard_renews_an_expired_token(mltop, api, run_mltop, tmp_path):
    """The suite's Airflow gives tokens that expire after 20 s (tools/
    test.sh; Airflow allows 10 s of leeway): a dashboard left open on the
    pipelines view past that keeps refreshing, renews its token at
    /auth/token without a word, and shows a run triggered after the
    expiry."""
    claims = json.loads(__import__("base64").urlsafe_b64decode(
        api_token(api).split(".")[1] + "=="))
    life = claims["exp"] - claims["iat"]
    if life > 120:
        pytest.skip(f"this Airflow's tokens last {life} s (the suite's "
                    "last 20 s: AIRFLOW__API_AUTH__JWT_EXPIRATION_TIME)")
    t = Tmux(tmp_path, [str(mltop.binary), "-u", str(demo_store(
        mltop, tmp_path)), "-r", "1", "-p", "airflow+" + URL],
        dashboard_env(tmp_path), size=(120, 30))
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys(":pipelines mltop_ok", "Enter")
        t.wait(lambda s: "mltop_ok" in s and "RUN" in s, "its runs")
        time.sleep(life + 12)  # past the expiry and the leeway
        run_id = trigger(run_mltop, "mltop_ok")
        s = t.wait(lambda s: run_id[:30] in s, "the run triggered after "
                   "the token expired", timeout=30)
        # "HTTP 401", not "401": a run id's microseconds may read 401.
        assert "stale" not in s and "HTTP 401" not in s and \
            "xpired" not in s, s
        assert "refreshed" in s, s
    finally:
        t.close()


def api_token(api):
    if not api.token:
        api._token()
    return api.token


def test_dashboard_alerts_on_a_failed_run_and_task(mltop, api, run_mltop,
                                                   tmp_path):
    """A run of mltop_flaky fails (its first try fails on purpose): the
    runs view the user has open turns it into an alert (the count, the
    alerts view with the run Airflow says failed); Enter opens the run's
    tasks, and the failed task is an alert of its own; the state file
    holds both, as JSON with the pipeline, the run and the task."""
    cfg = tmp_path / "config"
    # Only the pipeline's alerts: the demo store's runs stay quiet.
    cfg.write_text("set alert-nan false\nset alert-failed false\n"
                   "set stall-seconds 0\nset alert-stall-factor 0\n"
                   "set refresh 1\n")
    t = Tmux(tmp_path, [str(mltop.binary), "-c", str(cfg), "-u",
                        str(demo_store(mltop, tmp_path)), "-p",
                        "airflow+" + URL], dashboard_env(tmp_path),
             size=(120, 30))
    try:
        t.wait(lambda s: "experiments" in s, "the dashboard")
        t.keys(":pipelines mltop_flaky", "Enter")
        t.wait(lambda s: "mltop_flaky" in s and "RUN" in s, "its runs")
        run_id = trigger(run_mltop, "mltop_flaky")
        r = api.wait_run("mltop_flaky", run_id)
        assert r["state"] == "failed", r
        t.keys(":refresh", "Enter")
        # Earlier tests' failed runs of mltop_flaky may alert too: the
        # view is filtered to this run (its id, up to the regex-heavy
        # time zone).
        key = re.escape(run_id.split("+")[0])
        t.wait(lambda s: "⚑" in s, "an alert", timeout=60)
        t.keys("!")
        t.wait(lambda s: "alerts" in s and "WHAT" in s, "the alerts view")
        t.keys("/")
        for ch in key:
            t.keys("-l", ch)
        t.keys("Enter")
        t.wait(lambda s: "pipeline run failed" in s and
               "no alert matches" not in s, "the run's alert", timeout=60)
        t.keys("g", "Enter")
        t.wait(lambda s: "flaky" in s and "after" in s, "the run's tasks")
        failed = [x for x in api.tasks("mltop_flaky", run_id)
                  if x["state"] == "failed"]
        assert [x["task_id"] for x in failed] == ["flaky"], failed
        t.keys("!")
        t.wait(lambda s: "task flaky failed (try 1)" in s and
               "pipeline run failed" in s, "the task's alert too",
               timeout=60)
        state = tmp_path / "state" / "mltop" / "alerts"
        kinds = [json.loads(urllib.parse.unquote(line.split("\t")[2]))
                 for line in state.read_text().splitlines()[1:]]
        mine = sorted((k["kind"], k["pipeline"], k["task"] or "")
                      for k in kinds if k.get("pipeline_run") == run_id)
        assert mine == [("pipeline", "mltop_flaky", ""),
                        ("pipeline", "mltop_flaky", "flaky")], kinds
    finally:
        t.close()
