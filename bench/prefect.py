"""mltop's Prefect benchmark: how long the pipelines view takes to fill
with 402 flows and deployments, the requests and bytes a refresh costs
(each `:poll` alone, and 30 s of the dashboard's own timer at the default
refresh), a 50-task run's Gantt, `mltop pipelines --json`, and mltop's
memory, against a real Prefect server. Run by bench/prefect.sh, which
starts that server serving bench/prefect_flows/serve.py. Prints figures;
asserts nothing about speed, but stops with an error if mltop shows
something other than what Prefect's API returns."""
import argparse
import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (Dashboard, die, mltop_env, TUI_COLS/ROWS)
from pipelines import pipes, rss_mib  # noqa: E402

N_FLOWS, N_RUNNING, N_TASKS = 200, 20, 50
TASKS_DEP = "bench-tasks/d"
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}
PAGE = 200  # a stock server's largest page


class Api:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def call(self, method, path, body=None):
        """One API call; a 5xx (the server's SQLite is busy while 20 flow
        runs start on two cores) is tried again, up to 10 times."""
        for attempt in range(10):
            req = urllib.request.Request(
                self.url + "/" + path, method=method,
                data=None if body is None else json.dumps(body).encode(),
                headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    raw = r.read()
                    return json.loads(raw) if raw else None
            except urllib.error.HTTPError as e:
                if e.code < 500 or attempt == 9:
                    raise
            time.sleep(1 + attempt)

    def post(self, path, body=None):
        return self.call("POST", path, body if body is not None else {})

    def all(self, path, body=None):
        """Every object a filter matches, a page of 200 at a time."""
        out = []
        while True:
            page = self.post(path, dict(body or {}, offset=len(out),
                                        limit=PAGE))
            out += page
            if len(page) < PAGE:
                return out


def wait_for(what, fn, timeout):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            run.die("waited %d s for %s" % (timeout, what))
        time.sleep(1)


def pipelines(api):
    """The API's flows and deployments, and the deployments by
    FLOW/DEPLOYMENT."""
    flows = api.all("flows/filter")
    deps = api.all("deployments/filter")
    names = {f["id"]: f["name"] for f in flows}
    return flows, deps, {names[d["flow_id"]] + "/" + d["name"]: d
                         for d in deps}


def prepare(api, bydep):
    """One run of bench-tasks/d, finished with its 50 task runs; a run of
    each of bench-000/d..bench-019/d, running. The tasks' run goes first:
    the serving process takes at most 20 runs at once."""
    t0 = time.monotonic()

    def start(name):
        return api.post("deployments/%s/create_flow_run"
                        % bydep[name]["id"])["id"]
    tasks_run = start(TASKS_DEP)
    sleepers = [start("bench-%03d/d" % i) for i in range(N_RUNNING)]
    print("triggered %s and %d runs of bench-000/d..bench-%03d/d"
          % (TASKS_DEP, N_RUNNING, N_RUNNING - 1))

    def done():
        r = api.call("GET", "flow_runs/" + tasks_run)
        if r["state_type"] in FINAL - {"COMPLETED"}:
            run.die("the run of %s ended %s" % (TASKS_DEP,
                                                 r["state_type"]))
        if r["state_type"] != "COMPLETED":
            return None
        trs = api.all("task_runs/filter", {
            "task_runs": {"flow_run_id": {"any_": [tasks_run]}}})
        # task runs are recorded a moment after the flow run's own state
        if len(trs) == N_TASKS and all(t["state_type"] == "COMPLETED"
                                       for t in trs):
            return r
        return None
    tasks = wait_for("%s to finish with %d task runs" % (TASKS_DEP, N_TASKS),
                     done, 300)

    def running():
        rs = api.all("flow_runs/filter",
                     {"flow_runs": {"id": {"any_": sleepers}}})
        bad = [r for r in rs if r["state_type"] in FINAL]
        if bad:
            run.die("a sleeping run ended %s" % bad[0]["state_type"])
        return len(rs) == N_RUNNING and all(r["state_type"] == "RUNNING"
                                            for r in rs)
    wait_for("%d running runs" % N_RUNNING, running, 300)
    print("%s finished (%s), %d runs running, after %.0f s"
          % (TASKS_DEP, tasks["name"], N_RUNNING, time.monotonic() - t0))
    return tasks, sleepers


def mltop_cli(a, *args):
    env = run.mltop_env(a.store)
    env["MLTOP_PIPELINES_URI"] = "prefect+" + a.url
    t0 = time.perf_counter()
    p = subprocess.run([a.mltop] + list(args), env=env,
                       capture_output=True, timeout=120)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        run.die("mltop %s: exit %d: %s" % (" ".join(args), p.returncode,
                                           p.stderr.decode()[-2000:]))
    return json.loads(p.stdout), secs


def check_cli(a, api, flows, deps):
    """`mltop pipelines --json`: every flow and deployment the API has,
    no other; its wall time, median of 5."""
    want = {x["id"] for x in flows} | {x["id"] for x in deps}
    count = api.post("flows/count") + api.post("deployments/count")
    times = []
    for _ in range(5):
        got, secs = mltop_cli(a, "pipelines", "--json")
        times.append(secs)
        ids = [g["id"] for g in got]
        if len(ids) != count or set(ids) != want:
            run.die("mltop pipelines --json: %d entries (%d distinct), the "
                    "API counts %d flows and deployments"
                    % (len(ids), len(set(ids)), count))
    return count, times


def check_tasks_cli(a, api, tasks_run):
    got, _ = mltop_cli(a, "tasks", TASKS_DEP, tasks_run["id"], "--json")
    want = {t["id"] for t in api.all("task_runs/filter", {
        "task_runs": {"flow_run_id": {"any_": [tasks_run["id"]]}}})}
    ids = {g["id"] for g in got}
    if ids != want or len(want) != N_TASKS:
        run.die("mltop tasks --json: %d task runs, the API has %d"
                % (len(ids), len(want)))


def delta(s0, s1):
    (r0, b0, _), (r1, b1, _) = pipes(s0), pipes(s1)
    return dict(requests=r1 - r0, bytes=b1 - b0, seconds=s1["seconds"])


def script_session(a, work, first, check, polls, more=()):
    """The dashboard in script mode: `first` loads the view (timed from
    sending it to mltop writing the next stats, i.e. until nothing is
    loading); check(screen); then each (name, lines) of `more`, and
    `polls` refreshes, each measured alone."""
    os.mkdir(work)
    with run.Dashboard(a, a.store, work, ["-p", "prefect+" + a.url]) as d:
        s0 = d.step([], "s0")
        s1 = d.step(first, "s1")
        check("first", d.screen("first.txt"))
        load = delta(s0, s1)
        extra, prev = [], s1
        for i, (name, lines) in enumerate(more):
            s = d.step(lines, "m%d" % i)
            check(name, d.screen("m%d.txt" % i))
            extra.append((name, delta(prev, s)))
            prev = s
        per = []
        for i in range(polls):
            s = d.step([":poll"], "p%d" % i)
            per.append(delta(prev, s))
            prev = s
        check("polled", d.screen("polled.txt"))
        rss = rss_mib(d.proc.pid)
    return load, extra, per, rss


class Tmux:
    """mltop's dashboard on a real terminal (tmux, TUI_COLS x TUI_ROWS, a
    server of its own), its refresh on its own timer."""

    def __init__(self, a, work):
        self.work = work
        self.base = ["tmux", "-L", "mltop-bench-pf-%d" % os.getpid(),
                     "-f", "/dev/null"]
        env = run.mltop_env(a.store)
        subprocess.run(self.base + [
            "new-session", "-d", "-x", str(run.TUI_COLS), "-y",
            str(run.TUI_ROWS), "-c", work, a.mltop, "-u", a.store, "-p",
            "prefect+" + a.url], check=True, env=env)
        self.socket = self.tmux("display", "-p", "#{socket_path}").strip()
        self.pid = int(self.tmux("display", "-p", "#{pane_pid}"))
        with open("/proc/%d/comm" % self.pid) as f:
            if f.read().strip() != "mltop":
                run.die("the tmux pane does not run mltop itself")

    def tmux(self, *args):
        return subprocess.run(self.base + list(args), check=True,
                              capture_output=True, text=True).stdout

    def screen(self):
        return self.tmux("capture-pane", "-p")

    def keys(self, *k):
        self.tmux("send-keys", *k)

    def wait(self, pred, what, timeout=120, every=0.02):
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if pred(s):
                return s
            if time.monotonic() > deadline:
                run.die("tmux: no %s within %d s:\n%s" % (what, timeout, s))
            time.sleep(every)

    def stats(self, name):
        """`:stats NAME` typed; the traffic so far, and when it was
        written."""
        path = os.path.join(self.work, name)
        self.keys(":stats " + name, "Enter")
        deadline = time.monotonic() + 60
        while True:
            try:
                with open(path) as f:
                    text = f.read()
                if text.endswith("\n"):
                    return dict(text=text, seconds=0.0), time.monotonic()
            except FileNotFoundError:
                pass
            if time.monotonic() > deadline:
                run.die("tmux: mltop did not write " + name)
            time.sleep(0.005)

    def window(self, name, seconds):
        """The traffic of `seconds` of the dashboard left alone."""
        s0, t0 = self.stats(name + "-a")
        time.sleep(seconds)
        s1, t1 = self.stats(name + "-b")
        d = delta(s0, s1)
        d["seconds"] = t1 - t0
        return d

    def close(self):
        subprocess.run(self.base + ["kill-server"], capture_output=True)
        try:
            os.unlink(self.socket)
        except OSError:
            pass


def show_load(what, load):
    print("  %s: %d requests, %d bytes, %.0f ms until nothing was loading"
          % (what, load["requests"], load["bytes"], load["seconds"] * 1000))


def show_polls(per):
    for i, p in enumerate(per):
        print("  :poll %d: %d requests, %d bytes, %.0f ms"
              % (i + 1, p["requests"], p["bytes"], p["seconds"] * 1000))


def show_window(w, refresh):
    n = w["seconds"] / refresh
    print("  on its own timer, %.1f s left alone (refresh %g s: %.1f "
          "refreshes): %d requests, %d bytes; %.1f requests and %.0f bytes "
          "a refresh" % (w["seconds"], refresh, n, w["requests"],
                         w["bytes"], w["requests"] / n, w["bytes"] / n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--polls", type=int, default=5,
                    help="`:poll`s measured one by one in each view")
    ap.add_argument("--window", type=float, default=30,
                    help="seconds of the dashboard's own refresh measured")
    a = ap.parse_args()
    a.mltop = os.environ.get("MLTOP_BIN", "build/src/mltop")
    a.url = os.environ["MLTOP_TEST_PREFECT_URL"]
    refresh = 2.0  # mltop's default refresh (no config file: run.mltop_env)
    api = Api(a.url)
    flows, deps, bydep = pipelines(api)
    want = ["bench-%03d/d" % i for i in range(N_FLOWS)] + [TASKS_DEP]
    if sorted(bydep) != sorted(want) or len(flows) != N_FLOWS + 1:
        run.die("the server has %d flows and deployments %s, not the "
                "benchmark's" % (len(flows), sorted(bydep)[:5]))
    tasks_run, sleepers = prepare(api, bydep)
    n_rows = len(flows) + len(deps)
    version = api.call("GET", "admin/version")
    with open("/proc/cpuinfo") as f:
        cpu = re.search(r"model name\s*:\s*(.*)", f.read())
    with open("/proc/meminfo") as f:
        mem = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
    print("machine: %d cores (%s), %.0f GiB, load average %.2f"
          % (os.cpu_count(), cpu.group(1) if cpu else "?", mem / 2**20,
             os.getloadavg()[0]))
    print("Prefect %s at %s: %d flows, %d deployments, %d flow runs "
          "running" % (version, a.url, len(flows), len(deps),
                       api.post("flow_runs/count", {"flow_runs": {
                           "state": {"type": {"any_": ["RUNNING"]}}}})))

    work = tempfile.mkdtemp(prefix="mltop-bench-prefect.")
    try:
        a.store = os.path.join(work, "demo.db")
        subprocess.run([a.mltop, "--demo-create", a.store], check=True,
                       stdout=subprocess.DEVNULL)

        count, times = check_cli(a, api, flows, deps)
        print("mltop pipelines --json: %d entries = the API's flows/count + "
              "deployments/count; wall time median %.0f ms (min %.0f, "
              "max %.0f, 5 runs)" % (count, statistics.median(times) * 1000,
                                     min(times) * 1000, max(times) * 1000))
        check_tasks_cli(a, api, tasks_run)

        # --- the pipelines view -------------------------------------------
        running_names = {"bench-%03d" % i for i in range(N_RUNNING)}
        # the API's order: flows by name, each followed by its deployment
        allrows = []
        for f in sorted(x["name"] for x in flows):
            allrows += [f, f + "/d"]

        def list_problem(screen, last=False):
            """What the pipelines view on this screen shows that the API
            does not have (None: nothing)."""
            lines = screen.splitlines()
            foot = re.search(r"\b(\d+)/(\d+)\s+Enter: runs", screen)
            if not foot or int(foot.group(2)) != n_rows:
                return "not %d rows" % n_rows
            shown = [ln.split()[0] for ln in lines
                     if re.match(r"bench-(\d{3}|tasks)(/d)?\s", ln)]
            if not shown:
                return "no bench flow"
            i = allrows.index(shown[0])
            if allrows[i:i + len(shown)] != shown:
                return "rows not in the API's order"
            if last and shown[-1] != allrows[-1]:
                return "the last row is not " + allrows[-1]
            # the strips (the newest runs' states): a run in those of the
            # 20 flows running one and their deployments, none in the
            # others' (bench-tasks, whose run has finished, is not checked)
            for ln in lines:
                m = re.match(r"(bench-\d{3})(/d)?\s+(.*)", ln)
                if not m:
                    continue
                strip = m.group(3).split("active")[0].strip()
                if (m.group(1) in running_names) != bool(strip):
                    return "%s's strip is %r, and the API has %s run" % (
                        m.group(1) + (m.group(2) or ""), strip,
                        "a running" if m.group(1) in running_names
                        else "no")
            return None

        def list_ok(when, screen):
            p = list_problem(screen, when == "to the last row")
            if p:
                run.die("pipelines view (%s): %s:\n%s" % (when, p, screen))

        load, extra, per, rss = script_session(
            a, os.path.join(work, "list"), ["W"], list_ok, a.polls,
            more=[("to the last row", ["<End>"])])
        print()
        print("pipelines view (W), %d rows (%d flows, %d deployments), %d "
              "runs running, %dx%d screen" % (n_rows, len(flows), len(deps),
                                              N_RUNNING, run.TUI_COLS,
                                              run.TUI_ROWS))
        show_load("first load (all %d rows listed, the strips of those on "
                  "screen)" % n_rows, load)
        for name, x in extra:
            show_load("<End>, " + name, x)
        show_polls(per)
        print("  mltop peak RSS: %.1f MiB" % rss)

        os.mkdir(os.path.join(work, "tmux-list"))
        t = Tmux(a, os.path.join(work, "tmux-list"))
        try:
            t.wait(lambda s: "experiments" in s, "dashboard")
            t0 = time.monotonic()
            t.keys("W")
            t.wait(lambda s: list_problem(s) is None,
                   "pipelines view as the API has it")
            drawn = time.monotonic() - t0
            time.sleep(3)
            list_ok("in tmux", t.screen())
            w = t.window("list", a.window)
            list_ok("in tmux after %g s" % a.window, t.screen())
            with open("/proc/%d/status" % t.pid) as f:
                st = f.read()
        finally:
            t.close()
        print("  in tmux: W to the screen drawn (1/%d, its rows, their "
              "strips): %.0f ms (the screen read every 20 ms)"
              % (n_rows, drawn * 1000))
        show_window(w, refresh)
        print("  mltop RSS after it: %s MiB, peak %s MiB" % tuple(
            "%.1f" % (int(re.search(k + r":\s+(\d+) kB", st).group(1))
                      / 1024) for k in ("VmRSS", "VmHWM")))

        # --- the 50-task run's Gantt --------------------------------------
        cmd = ":pipelines %s %s" % (TASKS_DEP, tasks_run["id"])
        # Prefect names a mapped task's runs NAME-XXX after their keys, and
        # two of 50 may share a name; mltop draws each on a row of its own,
        # every one after the first of a name followed by the start of its
        # id (`step-168 (9f0e2a7b)`).
        api_tasks = api.all("task_runs/filter", {
            "task_runs": {"flow_run_id": {"any_": [tasks_run["id"]]}}})
        want_rows = collections.Counter(t["name"] for t in api_tasks)
        ids_of = collections.defaultdict(set)
        for t in api_tasks:
            ids_of[t["name"]].add(t["id"][:8])
        seen = {}

        def gantt_problem(screen):
            foot = re.search(r"\b\d+/(\d+)\s+from ", screen)
            if not foot or int(foot.group(1)) != len(api_tasks):
                return "not %d rows" % len(api_tasks)
            if tasks_run["name"] not in screen:
                return "not the run " + tasks_run["name"]
            rows = {}
            for ln in screen.splitlines():
                m = re.match(r"(step-\w+)(?: \(([0-9a-f]{8})\))?\s.*?"
                             r"\b(success)\s", ln)
                if not m:
                    continue
                if m.group(2) and m.group(2) not in ids_of[m.group(1)]:
                    return "%s (%s): no such task run" % m.group(1, 2)
                rows[m.group(1) + (" (%s)" % m.group(2) if m.group(2)
                                   else "")] = m.group(1)
            if not rows:
                return "no step task"
            seen.update(rows)
            return None

        def gantt_ok(when, screen):
            p = gantt_problem(screen)
            if p:
                run.die("the Gantt (%s): %s:\n%s" % (when, p, screen))

        load, extra, per, rss = script_session(
            a, os.path.join(work, "gantt"), [cmd], gantt_ok, a.polls,
            more=[("to the last row", ["<End>"])])
        if collections.Counter(seen.values()) != want_rows:
            run.die("the Gantt shows %d of the %d task runs"
                    % (len(seen), N_TASKS))
        print()
        print("Gantt of %s run %s (%s), %d task runs (%d rows), finished"
              % (TASKS_DEP, tasks_run["name"], tasks_run["id"][:8], N_TASKS,
                 len(seen)))
        show_load("first load", load)
        for name, x in extra:
            show_load("<End>, " + name, x)
        show_polls(per)
        print("  mltop peak RSS: %.1f MiB" % rss)

        os.mkdir(os.path.join(work, "tmux-gantt"))
        t = Tmux(a, os.path.join(work, "tmux-gantt"))
        try:
            t.wait(lambda s: "experiments" in s, "dashboard")
            t0 = time.monotonic()
            t.keys(cmd, "Enter")
            t.wait(lambda s: gantt_problem(s) is None, "the Gantt")
            drawn = time.monotonic() - t0
            time.sleep(3)
            gantt_ok("in tmux", t.screen())
            w = t.window("gantt", a.window)
            gantt_ok("in tmux after %g s" % a.window, t.screen())
        finally:
            t.close()
        print("  in tmux: the command to the Gantt drawn: %.0f ms"
              % (drawn * 1000))
        show_window(w, refresh)

        # nothing ran out from under the figures
        bad = [r["name"] for r in api.all("flow_runs/filter", {
            "flow_runs": {"id": {"any_": sleepers}}})
            if r["state_type"] != "RUNNING"]
        if bad:
            run.die("runs stopped running during the benchmark: %s" % bad)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except run.BenchError as e:
        sys.exit("bench/prefect.py: %s" % e)
