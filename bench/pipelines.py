"""mltop's pipelines benchmark: requests and bytes a refresh costs against
a real Airflow, how long the pipelines view takes to fill, and mltop's
memory. Run by bench/pipelines.sh, which starts that Airflow with the DAGs
of bench/airflow_dags. Prints figures; asserts nothing about speed, but
stops with an error if mltop shows something other than what Airflow
says it has."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (Dashboard, die)

N_DAGS, N_RUNNING, N_WIDE = 200, 20, 50


class Api:
    def __init__(self, url, user, password):
        self.url = url.rstrip("/")
        req = urllib.request.Request(
            self.url + "/auth/token", method="POST",
            data=json.dumps({"username": user,
                             "password": password}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            self.token = json.load(r)["access_token"]

    def call(self, method, path, body=None):
        """One API call; a 5xx (Airflow's SQLite store is busy while 20
        tasks start on two cores) is tried again, up to 10 times."""
        for attempt in range(10):
            req = urllib.request.Request(
                self.url + "/api/v2" + path, method=method,
                data=None if body is None else json.dumps(body).encode(),
                headers={"Authorization": "Bearer " + self.token,
                         "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    return json.load(r)
            except urllib.error.HTTPError as e:
                if e.code < 500 or attempt == 9:
                    raise
            time.sleep(1 + attempt)


def wait_for(what, fn, timeout=600):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            run.die("waited %d s for %s" % (timeout, what))
        time.sleep(2)


def prepare(api):
    """201 DAGs parsed; 20 of them running a run each; bench_wide running."""
    print("waiting for Airflow to parse %d DAGs..." % (N_DAGS + 1))
    wait_for("the benchmark's DAGs", lambda: api.call(
        "GET", "/dags?dag_id_pattern=bench_&limit=1")["total_entries"]
        >= N_DAGS + 1)
    ids = ["bench_%03d" % i for i in range(N_RUNNING)] + ["bench_wide"]
    runs = {}
    for d in ids:
        api.call("PATCH", "/dags/%s" % d, {"is_paused": False})
        runs[d] = api.call("POST", "/dags/%s/dagRuns" % d,
                           {"logical_date": None})["dag_run_id"]

    def active():
        """Every run queued or running (on two cores Airflow may hold
        some queued for a while; to mltop both are runs that can change,
        polled alike), bench_wide running."""
        states = {d: api.call("GET", "/dags/%s/dagRuns/%s"
                              % (d, urllib.parse.quote(r, safe="")))["state"]
                  for d, r in runs.items()}
        return (all(s in ("queued", "running") for s in states.values())
                and states["bench_wide"] == "running")
    wait_for("%d active runs" % len(runs), active)
    return runs


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
    return int(m.group(1)) / 1024


def pipes(stats):
    m = re.search(r"pipelines http: (\d+) requests, (\d+) bytes",
                  stats["text"])
    if not m:
        run.die("no pipelines traffic in :stats:\n" + stats["text"])
    e = re.search(r"elapsed-ms (\d+)", stats["text"])
    return int(m.group(1)), int(m.group(2)), int(e.group(1))


def session(a, store, url, work, first, check, polls):
    """One dashboard: `first` loads the view (timed: from sending it to
    mltop writing the next stats, i.e. until nothing is loading), then
    `polls` refreshes, each measured alone."""
    env = {"MLTOP_PIPELINES_USERNAME": a.user,
           "MLTOP_PIPELINES_PASSWORD": a.password}
    with run.Dashboard(a, store, work, ["-p", "airflow+" + url],
                       env) as d:
        s0 = d.step([], "s0")
        s1 = d.step(first, "s1")
        screen = d.screen("view")
        check(screen)
        r0, b0, _ = pipes(s0)
        r1, b1, _ = pipes(s1)
        load = dict(requests=r1 - r0, bytes=b1 - b0,
                    seconds=s1["seconds"])
        per = []
        prev = s1
        for i in range(polls):
            s = d.step([":poll"], "p%d" % i)
            (ra, ba, _), (rb, bb, _) = pipes(prev), pipes(s)
            per.append(dict(requests=rb - ra, bytes=bb - ba,
                            seconds=s["seconds"]))
            prev = s
        rss = rss_mib(d.proc.pid)
    return load, per, rss


def show(title, load, per, rss):
    print(title)
    print("  first load: %d requests, %d bytes, %.0f ms until nothing "
          "was loading" % (load["requests"], load["bytes"],
                           load["seconds"] * 1000))
    for i, p in enumerate(per):
        print("  refresh %d: %d requests, %d bytes, %.0f ms"
              % (i + 1, p["requests"], p["bytes"], p["seconds"] * 1000))
    print("  mltop peak RSS: %.1f MiB" % rss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--polls", type=int, default=5)
    a = ap.parse_args()
    a.mltop = os.environ.get("MLTOP_BIN", "build/src/mltop")
    url = os.environ["MLTOP_TEST_AIRFLOW_URL"]
    a.user = os.environ["MLTOP_TEST_AIRFLOW_USER"]
    a.password = os.environ["MLTOP_TEST_AIRFLOW_PASSWORD"]
    api = Api(url, a.user, a.password)
    runs = prepare(api)
    work = tempfile.mkdtemp(prefix="mltop-bench-pipes.")
    try:
        store = os.path.join(work, "demo.db")
        subprocess.run([a.mltop, "--demo-create", store], check=True)
        total = api.call("GET", "/dags?limit=1")["total_entries"]
        running = api.call("GET", "/dags/~/dagRuns?state=running&limit=1")[
            "total_entries"]
        queued = api.call("GET", "/dags/~/dagRuns?state=queued&limit=1")[
            "total_entries"]
        print("Airflow %s: %d DAGs, %d runs running and %d queued"
              % (url, total, running, queued))

        def list_ok(screen):
            if "bench_0" not in screen:
                run.die("the pipelines view shows no bench DAG:\n" + screen)
        os.mkdir(os.path.join(work, "list"))
        load, per, rss = session(a, store, url, os.path.join(work, "list"),
                                 [":pipelines"], list_ok, a.polls)
        show("pipelines view, %d DAGs, %d active runs (%dx%d screen)"
             % (total, running + queued, run.TUI_COLS, run.TUI_ROWS), load,
             per, rss)

        wide = runs["bench_wide"]
        tis = api.call("GET", "/dags/bench_wide/dagRuns/%s/taskInstances"
                       % urllib.parse.quote(wide, safe=""))["total_entries"]

        def run_ok(screen):
            if "c0_s0" not in screen or "bench_wide >" not in screen:
                run.die("the run view shows no task of bench_wide:\n"
                        + screen)
        os.mkdir(os.path.join(work, "run"))
        load, per, rss = session(a, store, url, os.path.join(work, "run"),
                                 [":pipelines bench_wide " + wide], run_ok,
                                 a.polls)
        show("one run of bench_wide, %d task instances, while it runs"
             % tis, load, per, rss)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
