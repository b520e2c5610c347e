#!/usr/bin/env python3
# mltop's benchmark: mltop vs the MLflow Python client and a sqlite3 floor,
# on the store file and through mlflow server. Prints figures, asserts none.
"""Benchmark mltop on large MLflow SQLite stores, direct and via a server.

The stores are read from the file and served by `mlflow server`.

Every figure is a median of --reps (--server-reps) timed runs after one
untimed run, whose output is kept and counted: mltop, the MLflow client and
the sqlite floors must agree on how many runs, metrics, params, tags and
points they read, or the benchmark stops with an error.  Timing is reported,
never asserted.
"""

import argparse
import errno
import fcntl
import http.client
import json
import os
import platform
import re
import select
import shutil
import signal
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import urllib.parse
import urllib.request

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
import make_store  # noqa: E402

TUI_COLS, TUI_ROWS = 200, 50
PROC_TIMEOUT = 600

TARGET_SPEEDUP = 20.0  # MLflow client / mltop
TARGET_FLOOR = 3.0     # mltop / sqlite floor
TARGET_FRAME_MS = 200.0
TARGET_RSS_MIB = 64.0


class BenchError(Exception):
    pass


class TimedOut(BenchError):
    rss_mib = None  # peak RSS of the stopped processes, when known


def group_peak_rss_mib(pgid):
    """The largest VmHWM (peak RSS) among the live processes of a process
    group, read from /proc before it is stopped; None when unknown."""
    best = None
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            with open("/proc/%s/status" % d) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        kib = int(line.split()[1])
                        best = max(best or 0, kib / 1024.0)
        except (OSError, ValueError, IndexError):
            continue
    return best


def die(msg):
    raise BenchError(msg)


# --- running and measuring one process --------------------------------------

class Proc:
    """One finished child: wall time, peak RSS, exit status, output."""

    def __init__(self, wall, rss_mib, rc, out, err):
        self.wall = wall
        self.rss_mib = rss_mib
        self.rc = rc
        self.out = out
        self.err = err


GNU_TIME = "/usr/bin/time"


class RssMeter:
    """Peak RSS of a child, read by GNU time.

    Not wait4() here: a child forked from this (large) Python process
    starts with its parent's high-water mark, which exec does not reset,
    so ru_maxrss would report the benchmark's own size.  GNU time is
    small and forks the command itself."""

    def __init__(self):
        self.ok = os.access(GNU_TIME, os.X_OK)
        self.file = None

    def __enter__(self):
        if self.ok:
            fd, self.file = tempfile.mkstemp(prefix="bench-rss-")
            os.close(fd)
        return self

    def __exit__(self, *exc):
        if self.file:
            os.unlink(self.file)

    def wrap(self, argv):
        if not self.ok:
            return argv
        return [GNU_TIME, "-f", "%M", "-o", self.file] + list(argv)

    def mib(self):
        if not self.ok:
            return None
        with open(self.file) as f:
            lines = f.read().split()
        if not lines or not lines[-1].isdigit():
            die("GNU time wrote no peak RSS")
        return int(lines[-1]) / 1024.0


def _reap(pid, timeout):
    deadline = time.monotonic() + timeout
    while True:
        wpid, status, _ = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            die("timed out after %d s" % timeout)
        time.sleep(0.0005)


def _exit_code(status):
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def run_proc(argv, keep_output=False, env=None, timeout=PROC_TIMEOUT,
             stdin_path=None):
    """Run argv with stdout to /dev/null (or a file when keep_output)."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out, \
            RssMeter() as rss, open(stdin_path or os.devnull, "rb") as inp:
        stdout = out if keep_output else subprocess.DEVNULL
        t0 = time.perf_counter()
        p = subprocess.Popen(rss.wrap(argv), stdin=inp,
                             stdout=stdout, stderr=err, env=env)
        status = _reap(p.pid, timeout)
        wall = time.perf_counter() - t0
        p.returncode = _exit_code(status)  # Popen must not wait again
        err.seek(0)
        out.seek(0)
        errtext = err.read().decode("utf-8", "replace")
        if p.returncode != 0:
            die("command failed (exit %d): %s\n%s"
                % (p.returncode, " ".join(argv), errtext[-4000:]))
        return Proc(wall, rss.mib(), p.returncode,
                    out.read() if keep_output else b"", errtext)


def _set_ctty():
    # the pty slave (stdin) becomes the controlling terminal of the
    # new session, as in a real terminal
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def run_tty(argv, env, timeout=60):
    """Run argv on a pty of TUI_COLS x TUI_ROWS, draining what it draws;
    stderr goes to a file so first-frame-ms can be read from it."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ,
                struct.pack("HHHH", TUI_ROWS, TUI_COLS, 0, 0))
    drawn = 0
    with tempfile.TemporaryFile() as err, RssMeter() as rss:
        t0 = time.perf_counter()
        p = subprocess.Popen(rss.wrap(argv), stdin=slave, stdout=slave,
                             stderr=err,
                             env=env, start_new_session=True,
                             preexec_fn=_set_ctty)
        os.close(slave)
        deadline = time.monotonic() + timeout
        status = None
        while True:
            r, _, _ = select.select([master], [], [], 0.001)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every slave fd is closed
                    chunk = b""
                drawn += len(chunk)
            wpid, st, _ = os.wait4(p.pid, os.WNOHANG)
            if wpid == p.pid:
                status = st
                wall = time.perf_counter() - t0
                break
            if time.monotonic() > deadline:
                # the whole group: GNU time and the mltop it runs
                peak = group_peak_rss_mib(p.pid)
                os.killpg(p.pid, signal.SIGKILL)
                os.wait4(p.pid, 0)
                os.close(master)
                e = TimedOut("TUI did not exit within %d s: %s"
                             % (timeout, " ".join(argv)))
                e.rss_mib = peak
                raise e
        os.close(master)
        p.returncode = _exit_code(status)
        err.seek(0)
        errtext = err.read().decode("utf-8", "replace")
        rss_mib = rss.mib() if p.returncode == 0 else None
    if p.returncode != 0:
        die("TUI failed (exit %d): %s\n%s"
            % (p.returncode, " ".join(argv), errtext[-4000:]))
    m = re.search(r"first-frame-ms\s+([0-9.]+)", errtext)
    if not m:
        die("TUI printed no 'first-frame-ms N' on stderr: %s\nstderr: %s"
            % (" ".join(argv), errtext[-2000:]))
    if drawn == 0:
        die("TUI drew nothing on the terminal: %s" % " ".join(argv))
    res = Proc(wall, rss_mib, 0, b"", errtext)
    res.frame_ms = float(m.group(1))
    # the first frame with runs in it (stand-ins of a first page count)
    m = re.search(r"first-rows-ms\s+([0-9.]+)", errtext)
    res.rows_ms = float(m.group(1)) if m else None
    res.drawn = drawn
    return res


# --- what each contender runs -----------------------------------------------

CLIENT_RUNS = r"""
import json, sys, time
uri, eid = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
from mlflow import MlflowClient
client = MlflowClient(tracking_uri=uri)
client.get_experiment(eid)  # warm: engine, schema check
t1 = time.perf_counter()
runs = client.search_runs([eid], max_results=50000)
t2 = time.perf_counter()
if runs.token:
    sys.exit("search_runs returned a next page token")
print(json.dumps(dict(
    setup_s=t1 - t0, call_s=t2 - t1,
    runs=len(runs),
    metrics=sum(len(r.data.metrics) for r in runs),
    params=sum(len(r.data.params) for r in runs),
    tags=sum(len(r.data.tags) for r in runs),
    ids=sorted(r.info.run_id for r in runs))))
"""

CLIENT_HISTORY = r"""
import json, sys, time
uri, rid, key = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
from mlflow import MlflowClient
client = MlflowClient(tracking_uri=uri)
client.get_experiment("0")  # warm: engine, schema check
t1 = time.perf_counter()
hist = client.get_metric_history(rid, key)
t2 = time.perf_counter()
print(json.dumps(dict(setup_s=t1 - t0, call_s=t2 - t1, points=len(hist),
                      steps=[hist[0].step, hist[-1].step] if hist else [])))
"""

# The least SQL that reads what `mltop runs --json` prints: the runs of the
# experiment in search_runs order, and their latest metrics, params, tags.
# The leading letter lets one capture be counted per table.
FLOOR_RUNS_SQL = [
    "SELECT 'R', run_uuid, name, experiment_id, user_id, status, "
    "start_time, end_time, artifact_uri, lifecycle_stage FROM runs "
    "WHERE experiment_id = {eid} AND lifecycle_stage = 'active' "
    "ORDER BY start_time DESC, run_uuid",
    "SELECT 'M', m.run_uuid, m.key, m.value, m.timestamp, m.step, m.is_nan "
    "FROM latest_metrics m JOIN runs r ON r.run_uuid = m.run_uuid "
    "WHERE r.experiment_id = {eid} AND r.lifecycle_stage = 'active'",
    "SELECT 'P', p.run_uuid, p.key, p.value FROM params p "
    "JOIN runs r ON r.run_uuid = p.run_uuid "
    "WHERE r.experiment_id = {eid} AND r.lifecycle_stage = 'active'",
    "SELECT 'T', t.run_uuid, t.key, t.value FROM tags t "
    "JOIN runs r ON r.run_uuid = t.run_uuid "
    "WHERE r.experiment_id = {eid} AND r.lifecycle_stage = 'active'",
]

# One run's history of one key, in step order.  (get_metric_history orders
# by timestamp first, which makes SQLite walk the primary key index over
# every point of that key in the store: ten times slower here.)
FLOOR_HISTORY_SQL = [
    "SELECT 'H', value, timestamp, step, is_nan FROM metrics "
    "WHERE run_uuid = '{rid}' AND key = '{key}' "
    "ORDER BY step, timestamp, value",
]

FLOOR_PY = r"""
import json, sqlite3, sys, time
path, stmts = sys.argv[1], json.loads(sys.argv[2])
t0 = time.perf_counter()
db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
counts = {}
for sql in stmts:
    rows = db.execute(sql).fetchall()
    counts[sql.split("'")[1]] = len(rows)
t1 = time.perf_counter()
ids = []
if stmts[0].startswith("SELECT 'R', "):  # untimed: ids to compare
    ids = sorted(r[0] for r in db.execute(stmts[0].replace("'R', ", "", 1)))
print(json.dumps(dict(call_s=t1 - t0, counts=counts, ids=ids)))
"""


def cli_floor_counts(out):
    counts = {}
    for line in out.splitlines():
        tag = line[:1].decode()
        counts[tag] = counts.get(tag, 0) + 1
    return counts


def median(xs):
    return statistics.median(xs)


class Series:
    """The timed repetitions of one contender."""

    def __init__(self, label):
        self.label = label
        self.walls = []       # whole process, seconds
        self.calls = []       # in-process, seconds (when reported)
        self.rss = []         # MiB
        self.frames = []      # ms, TUI only: nothing loading
        self.rows = []        # ms, TUI only: the first runs drawn

    def summary(self):
        d = dict(label=self.label)
        for name in ("walls", "calls", "rss", "frames", "rows"):
            xs = getattr(self, name)
            if xs:
                d[name] = dict(median=median(xs), min=min(xs), max=max(xs),
                               all=xs)
        return d


def repeat(label, reps, once):
    """Call once() reps + 1 times; the first is the untimed warm-up whose
    result is returned for counting."""
    s = Series(label)
    first = once()
    for _ in range(reps):
        r = once()
        s.walls.append(r["wall"])
        if r.get("call") is not None:
            s.calls.append(r["call"])
        if r["rss"] is not None:
            s.rss.append(r["rss"])
        if r.get("frame") is not None:
            s.frames.append(r["frame"])
    return s, first


def repeat_rounds(reps, contenders):
    """repeat() for several contenders taking turns: one untimed round,
    then reps timed rounds of each once, so that a change of load on a
    shared machine falls on all of them alike.  contenders is a list of
    (label, once, warm): warm() is the untimed run (once() when None),
    whose result is returned; returns {label: (Series, warm result)}."""
    out = {}
    for label, once, warm in contenders:
        out[label] = (Series(label), (warm or once)())
    for _ in range(reps):
        for label, once, _ in contenders:
            r = once()
            s = out[label][0]
            s.walls.append(r["wall"])
            if r.get("call") is not None:
                s.calls.append(r["call"])
            if r["rss"] is not None:
                s.rss.append(r["rss"])
    return out


# --- the scenarios ----------------------------------------------------------

def mltop_env(uri):
    env = dict(os.environ)
    env["MLFLOW_TRACKING_URI"] = uri
    env["TERM"] = "xterm-256color"
    # an empty home: no user config file in play
    env["HOME"] = os.path.join(make_store.DEFAULT_OUT, "home")
    os.makedirs(env["HOME"], exist_ok=True)
    env.pop("XDG_CONFIG_HOME", None)
    return env


def bench_wide(meta, a, out):
    uri = "sqlite:///" + meta["path"]
    eid = meta["experiment_id"]
    reps = a.reps
    res = dict(store=meta)
    want = dict(runs=meta["rows"]["runs"],
                metrics=meta["rows"]["latest_metrics"],
                params=meta["rows"]["params"], tags=meta["rows"]["tags"])

    # sqlite floor, python
    stmts = [q.format(eid=int(eid)) for q in FLOOR_RUNS_SQL]

    def floor_py():
        p = run_proc([sys.executable, "-c", FLOOR_PY, meta["path"],
                      json.dumps(stmts)], keep_output=True)
        d = json.loads(p.out)
        return dict(wall=p.wall, call=d["call_s"], rss=p.rss_mib, data=d)

    out("  sqlite floor (python sqlite3)...")
    s_fpy, first = repeat("floor-python", reps, floor_py)
    fpy = first["data"]
    got = dict(runs=fpy["counts"]["R"], metrics=fpy["counts"]["M"],
               params=fpy["counts"]["P"], tags=fpy["counts"]["T"])
    check_counts("python sqlite3 floor", got, want)
    ids = fpy["ids"]

    # sqlite floor, CLI
    sql_file = os.path.join(a.out, "floor-wide.sql")
    with open(sql_file, "w") as f:
        f.write(";\n".join(stmts) + ";\n")
    cli_argv = [a.sqlite3, "-readonly", meta["path"]]

    def floor_cli(keep=False):
        p = run_proc(cli_argv, keep_output=keep, stdin_path=sql_file)
        return dict(wall=p.wall, rss=p.rss_mib, out=p.out)

    out("  sqlite floor (sqlite3 CLI)...")
    s_fcli, _ = repeat("floor-cli", reps, floor_cli)
    c = cli_floor_counts(floor_cli(True)["out"])
    check_counts("sqlite3 CLI floor",
                 dict(runs=c.get("R", 0), metrics=c.get("M", 0),
                      params=c.get("P", 0), tags=c.get("T", 0)), want)

    # MLflow client
    def client():
        p = run_proc([a.python, "-c", CLIENT_RUNS, uri, eid],
                     keep_output=True)
        d = json.loads(p.out.splitlines()[-1])
        return dict(wall=p.wall, call=d["call_s"], rss=p.rss_mib, data=d)

    if a.client_reps:
        out("  MLflow client search_runs (about 15 s a run)...")
        s_cl, first = repeat("client", a.client_reps, client)
        d = first["data"]
        check_counts("MlflowClient.search_runs",
                     {k: d[k] for k in want}, want)
        if d["ids"] != ids:
            die("MlflowClient.search_runs and the sqlite floor read "
                "different run ids")
        res["client"] = s_cl.summary()
    res["floor_python"] = s_fpy.summary()
    res["floor_cli"] = s_fcli.summary()

    # mltop
    if a.mltop:
        argv = [a.mltop, "-u", uri, "runs", "--experiment", eid, "--json"]
        env = mltop_env(uri)

        def mltop(keep=False):
            p = run_proc(argv, keep_output=keep, env=env)
            return dict(wall=p.wall, rss=p.rss_mib, out=p.out)

        out("  mltop runs --json...")
        s_m, _ = repeat("mltop-runs", reps, mltop)
        doc = parse_json("mltop runs --json", mltop(True)["out"])
        runs = doc.get("runs") if isinstance(doc, dict) else None
        if not isinstance(runs, list):
            die("mltop runs --json printed no 'runs' array")
        got = dict(runs=len(runs),
                   metrics=sum(len(r["data"].get("metrics", []))
                               for r in runs),
                   params=sum(len(r["data"].get("params", []))
                              for r in runs),
                   tags=sum(len(r["data"].get("tags", [])) for r in runs))
        check_counts("mltop runs --json", got, want)
        if sorted(r["info"]["run_id"] for r in runs) != ids:
            die("mltop runs --json and the sqlite floor read different "
                "run ids")
        res["mltop"] = s_m.summary()
        res["mltop"]["argv"] = argv

        # TUI first frame
        targv = [a.mltop, "-u", uri, "--experiment", eid,
                 "--exit-after-first-frame"]

        def tui():
            p = run_tty(targv, env)
            return dict(wall=p.wall, rss=p.rss_mib, frame=p.frame_ms)

        out("  mltop TUI first frame...")
        s_t, _ = repeat("mltop-tui", reps, tui)
        res["tui"] = s_t.summary()
        res["tui"]["argv"] = targv
    return res


def bench_deep(meta, a, out):
    uri = "sqlite:///" + meta["path"]
    rid = meta["sample_run_id"]
    key = meta["metric_keys"][0]
    want = meta["params"]["points"]
    reps = a.reps
    res = dict(store=meta, run_id=rid, key=key)

    stmts = [q.format(rid=rid, key=key) for q in FLOOR_HISTORY_SQL]

    def floor_py():
        p = run_proc([sys.executable, "-c", FLOOR_PY, meta["path"],
                      json.dumps(stmts)], keep_output=True)
        d = json.loads(p.out)
        return dict(wall=p.wall, call=d["call_s"], rss=p.rss_mib, data=d)

    out("  sqlite floor (python sqlite3)...")
    s_fpy, first = repeat("floor-python", reps, floor_py)
    check_counts("python sqlite3 floor",
                 dict(points=first["data"]["counts"]["H"]),
                 dict(points=want))

    sql_file = os.path.join(a.out, "floor-deep.sql")
    with open(sql_file, "w") as f:
        f.write(";\n".join(stmts) + ";\n")
    cli_argv = [a.sqlite3, "-readonly", meta["path"]]

    def floor_cli(keep=False):
        p = run_proc(cli_argv, keep_output=keep, stdin_path=sql_file)
        return dict(wall=p.wall, rss=p.rss_mib, out=p.out)

    out("  sqlite floor (sqlite3 CLI)...")
    s_fcli, _ = repeat("floor-cli", reps, floor_cli)
    c = cli_floor_counts(floor_cli(True)["out"])
    check_counts("sqlite3 CLI floor", dict(points=c.get("H", 0)),
                 dict(points=want))

    def client():
        p = run_proc([a.python, "-c", CLIENT_HISTORY, uri, rid, key],
                     keep_output=True)
        d = json.loads(p.out.splitlines()[-1])
        return dict(wall=p.wall, call=d["call_s"], rss=p.rss_mib, data=d)

    if a.client_reps:
        out("  MLflow client get_metric_history...")
        s_cl, first = repeat("client", a.client_reps, client)
        check_counts("MlflowClient.get_metric_history",
                     dict(points=first["data"]["points"]), dict(points=want))
        res["client"] = s_cl.summary()
    res["floor_python"] = s_fpy.summary()
    res["floor_cli"] = s_fcli.summary()

    if a.mltop:
        argv = [a.mltop, "-u", uri, "metric", rid, key, "--json"]
        env = mltop_env(uri)

        def mltop(keep=False):
            p = run_proc(argv, keep_output=keep, env=env)
            return dict(wall=p.wall, rss=p.rss_mib, out=p.out)

        out("  mltop metric --json...")
        s_m, _ = repeat("mltop-metric", reps, mltop)
        doc = parse_json("mltop metric --json", mltop(True)["out"])
        pts = doc.get("metrics") if isinstance(doc, dict) else None
        if not isinstance(pts, list):
            die("mltop metric --json printed no 'metrics' array")
        check_counts("mltop metric --json", dict(points=len(pts)),
                     dict(points=want))
        steps = sorted(p["step"] for p in pts)
        if steps != list(range(want)):
            die("mltop metric --json steps are not 0..%d" % (want - 1))
        res["mltop"] = s_m.summary()
        res["mltop"]["argv"] = argv
    return res


# --- the million store: a million runs in one experiment --------------------
#
# Each process here takes seconds to minutes, so the figures are medians of
# --million-reps (default 1) after the untimed run (none for the TUI, and
# the MLflow client's is a trial with a time limit), and the outputs are
# checked by streaming counts rather than by holding them whole.

TARGET_MILLION_FLOOR = 2.0       # mltop runs --json / sqlite3 CLI
TARGET_MILLION_RSS_MIB = 64.0    # mltop runs --json
TARGET_MILLION_FRAME_MS = 150.0  # TUI: first frame with rows
TARGET_MILLION_TUI_RSS_MIB = 100.0
TARGET_MILLION_MOVE_MS = 50.0    # TUI: G, g (the window moves)
TARGET_MILLION_SORT_MS = 1500.0  # TUI: a sort or a filter of every run
MILLION_ORDER_SAMPLE = 1000      # leading ids whose order is compared

# search_runs page by page (the store's limit is 50,000 a page), keeping
# only counts and ids: a million Run objects would not fit otherwise
CLIENT_RUNS_PAGED = r"""
import json, sys, time
uri, eid = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
from mlflow import MlflowClient
client = MlflowClient(tracking_uri=uri)
client.get_experiment(eid)  # warm: engine, schema check
t1 = time.perf_counter()
n = metrics = params = tags = pages = 0
ids = []
token = None
while True:
    page = client.search_runs([eid], max_results=50000, page_token=token)
    pages += 1
    for r in page:
        n += 1
        metrics += len(r.data.metrics)
        params += len(r.data.params)
        tags += len(r.data.tags)
        ids.append(r.info.run_id)
    token = page.token
    if not token:
        break
t2 = time.perf_counter()
ids.sort()
print(json.dumps(dict(setup_s=t1 - t0, call_s=t2 - t1, pages=pages, runs=n,
                      metrics=metrics, params=params, tags=tags, ids=ids)))
"""


def run_proc_limited(argv, timeout, keep_output=False):
    """run_proc for a child that may not finish: in a session of its own
    (GNU time and what it runs), killed as a group after timeout seconds.
    Returns None when it did not finish."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out, \
            RssMeter() as rss:
        t0 = time.perf_counter()
        p = subprocess.Popen(rss.wrap(argv), stdin=subprocess.DEVNULL,
                             stdout=out if keep_output else
                             subprocess.DEVNULL, stderr=err,
                             start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                wpid, status, _ = os.wait4(p.pid, os.WNOHANG)
                if wpid == p.pid:
                    break
                if time.monotonic() > deadline:
                    os.killpg(p.pid, signal.SIGKILL)
                    os.wait4(p.pid, 0)
                    return None
                time.sleep(0.05)
        except BaseException:
            try:
                os.killpg(p.pid, signal.SIGKILL)
                os.wait4(p.pid, 0)
            except OSError:
                pass
            raise
        wall = time.perf_counter() - t0
        p.returncode = _exit_code(status)
        err.seek(0)
        errtext = err.read().decode("utf-8", "replace")
        if p.returncode != 0:
            die("command failed (exit %d): %s\n%s"
                % (p.returncode, " ".join(argv), errtext[-4000:]))
        out.seek(0)
        return Proc(wall, rss.mib(), p.returncode,
                    out.read() if keep_output else b"", errtext)


def cli_floor_counts_streamed(argv, sql_file):
    """Rows per table of the sqlite3 CLI floor, counted as they stream
    (the output of a million runs is about a gigabyte)."""
    counts = {}
    with open(sql_file, "rb") as inp:
        p = subprocess.Popen(argv, stdin=inp, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        for line in p.stdout:
            tag = line[:1]
            counts[tag] = counts.get(tag, 0) + 1
        errtext = p.stderr.read().decode("utf-8", "replace")
        if p.wait() != 0:
            die("sqlite3 CLI floor failed: %s" % errtext[-2000:])
    return {k.decode(): v for k, v in counts.items()}


def scan_runs_json(path):
    """Counts and run ids (in printed order) of a compact `mltop runs
    --json` document too large to load as objects.  The store's values
    hold no ']' or '"', which the section patterns rely on; the document
    must also parse as JSON at its two ends."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b'{"runs":[') or \
            not data.rstrip().endswith(b"]}"):
        die("mltop runs --json: not a {\"runs\":[...]} document: %r ... %r"
            % (data[:80], data[-80:]))
    ids = [m.decode() for m in
           re.findall(rb'"run_id":"([0-9a-f]{32})"', data)]
    counts = dict(runs=len(ids), metrics=0, params=0, tags=0)
    for name in ("metrics", "params", "tags"):
        for m in re.finditer(rb'"%s":\[([^\]]*)\]' % name.encode(), data):
            counts[name] += m.group(1).count(b'{"key":')
    nruns = data.count(b'{"info":')
    del data
    if nruns != len(ids):
        die("mltop runs --json: %d runs but %d run_id fields"
            % (nruns, len(ids)))
    return counts, ids


def scanned_listing(argv, env, kept):
    """Run a `runs --json` command with its output to the file kept,
    scan it (scan_runs_json) and remove it: (counts, run ids, bytes)."""
    try:
        with open(kept, "wb") as f:
            p = subprocess.run(argv, env=env, stdout=f,
                               stderr=subprocess.PIPE, timeout=PROC_TIMEOUT)
        if p.returncode != 0:
            die("command failed (exit %d): %s\n%s"
                % (p.returncode, " ".join(argv),
                   p.stderr.decode("utf-8", "replace")[-4000:]))
        size = os.path.getsize(kept)
        got, printed = scan_runs_json(kept)
    finally:
        if os.path.exists(kept):
            os.unlink(kept)
    return got, printed, size


def bench_million(meta, a, out):
    uri = "sqlite:///" + meta["path"]
    eid = meta["experiment_id"]
    reps = a.million_reps
    res = dict(store=meta)
    want = dict(runs=meta["rows"]["runs"],
                metrics=meta["rows"]["latest_metrics"],
                params=meta["rows"]["params"], tags=meta["rows"]["tags"])
    out("  the store's run ids...")
    ordered = store_run_ids(meta["path"], eid)
    if len(ordered) != want["runs"]:
        die("the million store holds %d active runs, its metadata says %d"
            % (len(ordered), want["runs"]))
    ids = sorted(ordered)

    # the sqlite3 CLI floor: the wide store's four SELECTs
    stmts = [q.format(eid=int(eid)) for q in FLOOR_RUNS_SQL]
    sql_file = os.path.join(a.out, "floor-million.sql")
    with open(sql_file, "w") as f:
        f.write(";\n".join(stmts) + ";\n")
    cli_argv = [a.sqlite3, "-readonly", meta["path"]]

    def floor_cli():
        p = run_proc(cli_argv, stdin_path=sql_file)
        return dict(wall=p.wall, rss=p.rss_mib)

    out("  sqlite floor (sqlite3 CLI)...")
    s_fcli, _ = repeat("floor-cli", reps, floor_cli)
    c = cli_floor_counts_streamed(cli_argv, sql_file)
    check_counts("sqlite3 CLI floor",
                 dict(runs=c.get("R", 0), metrics=c.get("M", 0),
                      params=c.get("P", 0), tags=c.get("T", 0)), want)
    res["floor_cli"] = s_fcli.summary()

    # the MLflow client, if it finishes within the timeout
    if a.client_reps:
        limit = a.million_client_timeout
        argv = [a.python, "-c", CLIENT_RUNS_PAGED, uri, eid]

        def client():
            p = run_proc_limited(argv, limit, keep_output=True)
            if p is None:
                return None
            d = json.loads(p.out.splitlines()[-1])
            return dict(wall=p.wall, call=d["call_s"], rss=p.rss_mib,
                        data=d)

        out("  MLflow client search_runs, paged (given %d s)..." % limit)
        first = client()
        if first is None:
            res["client_skipped"] = "did not finish in %d s" % limit
        else:
            d = first["data"]
            check_counts("MlflowClient.search_runs",
                         {k: d[k] for k in want}, want)
            if d["ids"] != ids:
                die("MlflowClient.search_runs and the store hold different"
                    " run ids")
            s_cl = Series("client")
            for _ in range(min(a.client_reps, reps)):
                r = client()
                if r is None:
                    res["client_skipped"] = ("a timed run did not finish "
                                             "in %d s" % limit)
                    break
                s_cl.walls.append(r["wall"])
                s_cl.calls.append(r["call"])
                if r["rss"] is not None:
                    s_cl.rss.append(r["rss"])
            else:
                res["client"] = s_cl.summary()
                res["client"]["pages"] = d["pages"]
    else:
        res["client_skipped"] = "--client-reps 0"

    if a.mltop:
        argv = [a.mltop, "-u", uri, "runs", "--experiment", eid, "--json"]
        env = mltop_env(uri)

        def mltop():
            p = run_proc(argv, env=env)
            return dict(wall=p.wall, rss=p.rss_mib)

        out("  mltop runs --json...")
        s_m, _ = repeat("mltop-runs", reps, mltop)
        # the checked run: output to a file, scanned, removed
        kept = os.path.join(a.out, "million-runs.json")
        got, printed, res["json_bytes"] = scanned_listing(argv, env, kept)
        check_counts("mltop runs --json", got, want)
        n = MILLION_ORDER_SAMPLE
        if printed[:n] != ordered[:n]:
            die("mltop runs --json: the first %d runs are not the store's "
                "newest %d in search_runs order" % (n, n))
        if sorted(printed) != ids:
            die("mltop runs --json and the store hold different run ids")
        del printed
        res["mltop"] = s_m.summary()
        res["mltop"]["argv"] = argv

        # --order-by a metric streams too: one ordered pass of keys,
        # then batches; checked against the same order in SQL
        key = store_first_metric(meta["path"], eid)
        oargv = argv + ["--order-by", "metrics.`%s` ASC" % key]

        def mltop_ordered():
            p = run_proc(oargv, env=env)
            return dict(wall=p.wall, rss=p.rss_mib)

        out("  mltop runs --json --order-by metrics.%s ASC..." % key)
        s_o, _ = repeat("mltop-runs-ordered", reps, mltop_ordered)
        got, printed, _ = scanned_listing(oargv, env, kept)
        check_counts("mltop runs --json --order-by", got, want)
        if printed[:n] != store_ids_by_metric(meta["path"], eid, key, n):
            die("mltop runs --json --order-by: the first %d runs are not "
                "the store's first %d by %s" % (n, n, key))
        if sorted(printed) != ids:
            die("mltop runs --json --order-by and the store hold "
                "different run ids")
        del printed
        res["mltop_ordered"] = s_o.summary()
        res["mltop_ordered"]["argv"] = oargv

        # the TUI: no untimed run here (the page cache is warm from the
        # listing just before), and a limit, past which it is stopped
        # and its figure is "did not draw in N s"
        targv = [a.mltop, "-u", uri, "--experiment", eid,
                 "--exit-after-first-frame"]
        limit = a.million_tui_timeout
        s_t = Series("mltop-tui")
        out("  mltop TUI first frame (given %d s)..." % limit)
        for _ in range(reps):
            try:
                p = run_tty(targv, env, timeout=limit)
            except TimedOut as e:
                res["tui_skipped"] = "did not draw its first frame in " \
                    "%d s" % limit
                res["tui_stopped_rss_mib"] = e.rss_mib
                break
            s_t.walls.append(p.wall)
            s_t.frames.append(p.frame_ms)
            if p.rows_ms is not None:
                s_t.rows.append(p.rows_ms)
            if p.rss_mib is not None:
                s_t.rss.append(p.rss_mib)
        if s_t.walls and "tui_skipped" not in res:
            res["tui"] = s_t.summary()
            res["tui"]["argv"] = targv
            out("  mltop TUI moves, sorts and a filter (script mode)...")
            res["moves"] = bench_moves(a, uri, eid, env)
    return res


# What the dashboard is asked, in script mode, once its first page is in:
# (label, script line, is it a move or a sort). The million store's
# columns after NAME: ID, START, DURATION, USER, then its metrics.
MOVES = [
    ("G: the last of every run", "G", "move"),
    ("g: back to the first", "g", "move"),
    ("PgDn x 3", "<PgDn><PgDn><PgDn>", "move"),
    ("sort by DURATION (s)", "s", "sort"),
    ("sort by USER (s: the runs held)", "s", "sort"),
    ("sort by a metric (s)", "s", "sort"),
    ("the other way (S)", "S", "sort"),
    ("G in that order", "G", "move"),
    (":where metrics.loss < 1 (MLflow's filter)",
     ":where metrics.loss < 1", "sort"),
    (":where (none again)", ":where", "sort"),
]


def bench_moves(a, uri, eid, env, moves=None):
    """The dashboard in script mode (MLTOP_SCRIPT, a FIFO) on a virtual
    screen: each line of MOVES, then :save-display, timed from the line
    sent to the dump written (mltop runs a script line once the screen
    is settled, so the time covers the work the line started). Returns
    [(label, kind, ms, info line)] and the peak RSS."""
    d = tempfile.mkdtemp(prefix="mltop-moves-")
    fifo = os.path.join(d, "keys")
    os.mkfifo(fifo)
    menv = dict(env, MLTOP_SCRIPT=fifo, COLUMNS=str(TUI_COLS),
                LINES=str(TUI_ROWS), NO_COLOR="1")
    p = subprocess.Popen([a.mltop, "--no-config", "-u", uri, "--experiment",
                          eid], cwd=d, env=menv, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    w = open(fifo, "w")
    out_rows, n = [], [0]

    def say(line):
        n[0] += 1
        name = "s%d" % n[0]
        t0 = time.perf_counter()
        w.write("%s\n:save-display %s\n:save-display %s.done\n"
                % (line, name, name))
        w.flush()
        done = os.path.join(d, name + ".done")
        deadline = time.monotonic() + 600
        while not os.path.exists(done):
            if p.poll() is not None or time.monotonic() > deadline:
                die("the dashboard stopped answering at %r" % line)
            time.sleep(0.002)
        ms = (time.perf_counter() - t0) * 1000
        with open(os.path.join(d, name)) as f:
            lines = f.read().rstrip().splitlines()
        return ms, lines[-2].strip() if len(lines) > 1 else ""

    try:
        say("")   # the first page
        for label, line, kind in moves or MOVES:
            ms, info = say(line)
            out_rows.append((label, kind, ms, info))
        with open("/proc/%d/status" % p.pid) as f:
            hwm = [int(x.split()[1]) / 1024 for x in f
                   if x.startswith("VmHWM")]
    finally:
        w.close()
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        shutil.rmtree(d, ignore_errors=True)
    return {"rows": out_rows, "peak_rss_mib": hwm[0] if hwm else None}


def parse_json(what, data):
    try:
        return json.loads(data)
    except ValueError as e:
        die("%s printed invalid JSON (%s): %r" % (what, e, data[:200]))


def check_counts(what, got, want):
    if got != want:
        die("%s read %s, expected %s" % (what, got, want))


# --- against a tracking server ----------------------------------------------
#
# The same stores served by `mlflow server`: mltop's REST backend vs the
# MLflow client over HTTP, both talking to one server with one worker.

SERVER_START_TIMEOUT = 180
SERVER_STOP_TIMEOUT = 20
HISTORY_RUNS = 100       # histories fetched in one `mltop metric` call
CLIENT_THREADS = 6       # as many as mltop's parallel requests
LIVE_MARK = 4242.0       # the value of the point each running run gets
BYTES_SLACK = 1.10       # refresh bytes may differ by digits of step numbers

# the client's and the servers' environment: no user credentials or
# tracking URI from the shell running the benchmark
_ENV_DROP = ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME",
             "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN",
             "MLFLOW_TRACKING_INSECURE_TLS", "MLFLOW_WORKSPACE")


def clean_env(uri=None):
    env = dict(os.environ)
    for k in _ENV_DROP:
        env.pop(k, None)
    env["HOME"] = os.path.join(make_store.DEFAULT_OUT, "home")
    os.makedirs(env["HOME"], exist_ok=True)
    if uri:
        env["MLFLOW_TRACKING_URI"] = uri
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readonly_uri(path):
    """A SQLAlchemy URI that opens the store read-only (SQLite's URI
    mode=ro): the server cannot migrate or write the cached store."""
    return "sqlite:///file:%s?mode=ro&uri=true" % urllib.parse.quote(path)


def store_fingerprint(path):
    """What a write to the store would change: size, mtime, inode, the
    header (SQLite's change counter), and journal files beside it."""
    st = os.stat(path)
    with open(path, "rb") as f:
        head = f.read(100)
    side = [s for s in ("-journal", "-wal", "-shm")
            if os.path.exists(path + s)]
    return (st.st_size, st.st_mtime_ns, st.st_ino, head, side)


class MlflowServer:
    """`mlflow server` on one store, in a session and process group of its
    own (a Ctrl-C at the terminal reaches only the benchmark, which then
    stops the whole group), always stopped on the way out."""

    def __init__(self, a, store_uri):
        self.a = a
        self.store_uri = store_uri
        self.proc = None
        self.keep = False

    def __enter__(self):
        # mlflow makes folders relative to its working directory (an
        # artifact root, the URI's path): give it a throw-away one
        self.dir = tempfile.mkdtemp(prefix="server-", dir=self.a.out)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(self.dir, "server.log")
        env = clean_env()
        # no job runner: it starts seven huey consumers that would compete
        # with the measured processes for two cores
        env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
        self.argv = [self.a.mlflow, "server", "--backend-store-uri",
                     self.store_uri, "--host", "127.0.0.1", "--port",
                     str(self.port), "--workers", "1"]
        t0 = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                self.argv, cwd=self.dir, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True)
        try:
            self._wait_up()
        except BaseException as e:
            self.keep = not isinstance(e, KeyboardInterrupt)
            self.stop()
            raise
        self.start_s = time.perf_counter() - t0
        return self

    def __exit__(self, etype, *rest):
        # keep the log when something failed, not on Ctrl-C
        if etype is not None and not issubclass(etype, KeyboardInterrupt):
            self.keep = True
        self.stop()

    def log_tail(self, n=3000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    def _wait_up(self):
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            rc = self.proc.poll()
            if rc is not None:
                die("mlflow server exited (status %d) before it answered "
                    "/health: %s\n%s" % (rc, " ".join(self.argv),
                                         self.log_tail()))
            try:
                with urllib.request.urlopen(self.url + "/health",
                                            timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"OK":
                        return
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                die("mlflow server did not answer /health within %d s:\n%s"
                    % (SERVER_START_TIMEOUT, self.log_tail()))
            time.sleep(0.2)

    def stop(self):
        if self.proc is None:
            return
        pgid = self.proc.pid
        for sig, wait in ((signal.SIGTERM, SERVER_STOP_TIMEOUT),
                          (signal.SIGKILL, 5)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            gone = False
            while time.monotonic() < deadline:
                self.proc.poll()  # reap the leader, or it stays a member
                try:
                    os.killpg(pgid, 0)
                except ProcessLookupError:
                    gone = True
                    break
                time.sleep(0.05)
            if gone:
                break
        self.proc.wait()
        self.proc = None
        if self.keep:
            print("bench: mlflow server log kept in %s" % self.log_path,
                  file=sys.stderr, flush=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def serve_readonly(a, path):
    return MlflowServer(a, readonly_uri(path))


def check_unchanged(path, before):
    if store_fingerprint(path) != before:
        die("the cached store %s changed while mlflow server served it"
            % path)


def first_difference(x, y):
    n = min(len(x), len(y))
    i = next((k for k in range(n) if x[k] != y[k]), n)
    return "first difference at byte %d of %d / %d: %r vs %r" % (
        i, len(x), len(y), x[max(0, i - 40):i + 40], y[max(0, i - 40):i + 40])


def parse_http_stats(errtext, what):
    m = re.search(r"http: (\d+) requests, (\d+) bytes", errtext)
    if not m:
        die("%s printed no 'http: N requests, M bytes' with MLTOP_STATS=1:"
            "\n%s" % (what, errtext[-2000:]))
    return dict(requests=int(m.group(1)), bytes=int(m.group(2)))


def store_first_metric(path, eid):
    """The first metric key (by name) the experiment's runs log."""
    db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path),
                         uri=True)
    try:
        return db.execute(
            "SELECT min(m.key) FROM latest_metrics m WHERE m.run_uuid = "
            "(SELECT run_uuid FROM runs WHERE experiment_id = ? LIMIT 1)",
            (int(eid),)).fetchone()[0]
    finally:
        db.close()


def store_ids_by_metric(path, eid, key, limit):
    """The first active run ids in search_runs order by `metrics.KEY
    ASC` (runs without it last, NaN after numbers; ties by start_time
    DESC, then run id)."""
    db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path),
                         uri=True)
    try:
        return [r[0] for r in db.execute(
            "SELECT r.run_uuid FROM runs r LEFT JOIN latest_metrics m ON "
            "m.run_uuid = r.run_uuid AND m.key = ? WHERE r.experiment_id "
            "= ? AND r.lifecycle_stage = 'active' ORDER BY m.value IS "
            "NULL, m.is_nan, m.value, r.start_time DESC, r.run_uuid "
            "LIMIT ?", (key, int(eid), limit))]
    finally:
        db.close()


def store_run_ids(path, eid, limit=None):
    """The experiment's active run ids in search_runs order."""
    db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path),
                         uri=True)
    try:
        sql = ("SELECT run_uuid FROM runs WHERE experiment_id = ? AND "
               "lifecycle_stage = 'active' ORDER BY start_time DESC, "
               "run_uuid")
        if limit:
            sql += " LIMIT %d" % limit
        return [r[0] for r in db.execute(sql, (int(eid),))]
    finally:
        db.close()


CLIENT_HISTORIES = r"""
import json, sys, time
uri, key, threads, ids = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                          sys.argv[4].split(","))
t0 = time.perf_counter()
from mlflow import MlflowClient
client = MlflowClient(tracking_uri=uri)
client.get_experiment("0")  # warm: the HTTP session
t1 = time.perf_counter()
if threads > 1:
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads) as ex:
        hists = list(ex.map(lambda r: client.get_metric_history(r, key), ids))
else:
    hists = [client.get_metric_history(r, key) for r in ids]
t2 = time.perf_counter()
print(json.dumps(dict(
    setup_s=t1 - t0, call_s=t2 - t1,
    points={r: len(h) for r, h in zip(ids, hists)},
    steps_ok=all(sorted(m.step for m in h) == list(range(len(h)))
                 for h in hists))))
"""

# Logs one point of each key at `step` to each run, through the server,
# then reads every run back to be sure the server holds it.
LIVE_WRITER = r"""
import json, sys, time
uri, step, value, keys, ids = (sys.argv[1], int(sys.argv[2]),
                               float(sys.argv[3]), sys.argv[4].split(","),
                               sys.argv[5].split(","))
from mlflow import MlflowClient
from mlflow.entities import Metric
client = MlflowClient(tracking_uri=uri)
now = int(time.time() * 1000)
for rid in ids:
    client.log_batch(rid, metrics=[Metric(k, value, now, step) for k in keys])
for rid in ids:
    r = client.get_run(rid)
    if r.info.status != "RUNNING":
        sys.exit("run %s is %s" % (rid, r.info.status))
    for k in keys:
        if r.data.metrics.get(k) != value:
            sys.exit("run %s: latest %s is %r" % (rid, k, r.data.metrics.get(k)))
print(json.dumps(dict(points=len(ids) * len(keys))))
"""


def check_runs_doc(what, data, want, ids):
    """Counts and ids of a `runs --json` document against the store."""
    doc = parse_json(what, data)
    runs = doc.get("runs") if isinstance(doc, dict) else None
    if not isinstance(runs, list):
        die("%s printed no 'runs' array" % what)
    got = dict(runs=len(runs),
               metrics=sum(len(r["data"].get("metrics", [])) for r in runs),
               params=sum(len(r["data"].get("params", [])) for r in runs),
               tags=sum(len(r["data"].get("tags", [])) for r in runs))
    check_counts(what, got, want)
    if sorted(r["info"]["run_id"] for r in runs) != ids:
        die("%s and the store hold different run ids" % what)


def compare_with_sqlite(res, kept, filed):
    res["same_as_sqlite"] = kept == filed
    res["json_bytes"] = len(kept)
    if not res["same_as_sqlite"]:
        res["difference"] = first_difference(kept, filed)


def bench_server_wide(meta, a, out):
    path, eid = meta["path"], meta["experiment_id"]
    want = dict(runs=meta["rows"]["runs"],
                metrics=meta["rows"]["latest_metrics"],
                params=meta["rows"]["params"], tags=meta["rows"]["tags"])
    ids = sorted(store_run_ids(path, eid))
    if len(ids) != want["runs"]:
        die("the wide store holds %d runs, expected %d"
            % (len(ids), want["runs"]))
    res = dict(store=meta, server_uri=readonly_uri(path))
    before = store_fingerprint(path)
    out("  starting mlflow server on the wide store (read-only)...")
    with serve_readonly(a, path) as srv:
        url = srv.url
        res["server_start_s"] = srv.start_s
        argv = [a.mltop, "-u", url, "runs", "--experiment", eid, "--json"] \
            if a.mltop else None
        env = mltop_env(url)

        def client():
            p = run_proc([a.python, "-c", CLIENT_RUNS, url, eid],
                         keep_output=True, env=clean_env())
            d = json.loads(p.out.splitlines()[-1])
            return dict(wall=p.wall, call=d["call_s"], rss=p.rss_mib, data=d)

        def mltop(keep=False, e=env):
            p = run_proc(argv, keep_output=keep, env=e)
            return dict(wall=p.wall, rss=p.rss_mib, out=p.out, err=p.err)

        # the warm-up run of mltop is the one whose output is checked
        turns = []
        if a.mltop:
            turns.append(("mltop", mltop,
                          lambda: mltop(True, dict(env, MLTOP_STATS="1"))))
        if a.client_reps:
            turns.append(("client", client, None))
        out("  mltop runs --json and MlflowClient.search_runs over HTTP, "
            "taking turns (about a minute a round)...")
        got = repeat_rounds(a.server_reps, turns)
        if a.client_reps:
            s_cl, first = got["client"]
            d = first["data"]
            check_counts("MlflowClient.search_runs over HTTP",
                         {k: d[k] for k in want}, want)
            if d["ids"] != ids:
                die("MlflowClient.search_runs over HTTP and the store hold "
                    "different run ids")
            res["client"] = s_cl.summary()
        if a.mltop:
            s_m, kept = got["mltop"]
            res["mltop"] = s_m.summary()
            res["mltop"]["argv"] = argv
            res["mltop"]["http"] = parse_http_stats(kept["err"],
                                                    "mltop runs")
            check_runs_doc("mltop -u http:// runs --json", kept["out"], want,
                           ids)
            filed = run_proc([a.mltop, "-u", "sqlite:///" + path, "runs",
                              "--experiment", eid, "--json"],
                             keep_output=True, env=env).out
            compare_with_sqlite(res, kept["out"], filed)
    check_unchanged(path, before)
    return res


def check_history_doc(what, data, want, npoints):
    """Points a run, and steps 0..npoints-1, of a multi-run `metric
    --json` document."""
    doc = parse_json(what, data)
    pts = doc.get("metrics") if isinstance(doc, dict) else None
    if not isinstance(pts, list):
        die("%s printed no 'metrics' array" % what)
    got, steps = {}, {}
    for pt in pts:
        rid = pt.get("run_id")
        got[rid] = got.get(rid, 0) + 1
        steps.setdefault(rid, []).append(pt["step"])
    check_counts("%s (points a run)" % what, got, want)
    if any(sorted(s) != list(range(npoints)) for s in steps.values()):
        die("%s: steps are not 0..%d" % (what, npoints - 1))


def bench_server_deep(meta, a, out):
    path, eid = meta["path"], meta["experiment_id"]
    key = meta["metric_keys"][0]
    npoints = meta["params"]["points"]
    ids = store_run_ids(path, eid, HISTORY_RUNS)
    if len(ids) != HISTORY_RUNS:
        die("the deep store holds %d runs, expected at least %d"
            % (len(ids), HISTORY_RUNS))
    want = {r: npoints for r in ids}
    res = dict(store=meta, key=key, runs=len(ids), points_each=npoints,
               server_uri=readonly_uri(path))
    before = store_fingerprint(path)
    out("  starting mlflow server on the deep store (read-only)...")
    with serve_readonly(a, path) as srv:
        url = srv.url
        res["server_start_s"] = srv.start_s
        argv = [a.mltop, "-u", url, "metric", ",".join(ids), key, "--json"] \
            if a.mltop else None
        env = mltop_env(url)

        def mltop(keep=False, e=env):
            p = run_proc(argv, keep_output=keep, env=e)
            return dict(wall=p.wall, rss=p.rss_mib, out=p.out, err=p.err)

        def client(threads):
            def once():
                p = run_proc([a.python, "-c", CLIENT_HISTORIES, url, key,
                              str(threads), ",".join(ids)],
                             keep_output=True, env=clean_env())
                d = json.loads(p.out.splitlines()[-1])
                return dict(wall=p.wall, call=d["call_s"], rss=p.rss_mib,
                            data=d)
            return once

        turns = []
        if a.mltop:
            turns.append(("mltop", mltop,
                          lambda: mltop(True, dict(env, MLTOP_STATS="1"))))
        if a.client_reps:
            turns.append(("client", client(1), None))
            turns.append(("client_threads", client(CLIENT_THREADS), None))
        out("  mltop metric (%d runs) and %d get_metric_history calls (in "
            "turn, and %d threads), taking turns..."
            % (len(ids), len(ids), CLIENT_THREADS))
        got = repeat_rounds(a.server_reps, turns)
        if a.client_reps:
            for name, threads in (("client", 1),
                                  ("client_threads", CLIENT_THREADS)):
                s_cl, first = got[name]
                check_counts("MlflowClient.get_metric_history (%d thread%s)"
                             % (threads, "s" if threads > 1 else ""),
                             first["data"]["points"], want)
                if not first["data"]["steps_ok"]:
                    die("MlflowClient.get_metric_history: steps are not "
                        "0..%d" % (npoints - 1))
                res[name] = s_cl.summary()
                res[name]["threads"] = threads
        if a.mltop:
            s_m, kept = got["mltop"]
            res["mltop"] = s_m.summary()
            res["mltop"]["argv"] = argv[:4] + ["<%d run ids>" % len(ids)] + \
                argv[5:]
            res["mltop"]["http"] = parse_http_stats(kept["err"],
                                                    "mltop metric")
            check_history_doc("mltop -u http:// metric --json", kept["out"],
                              want, npoints)
            filed = run_proc([a.mltop, "-u", "sqlite:///" + path, "metric",
                              ",".join(ids), key, "--json"],
                             keep_output=True, env=env).out
            compare_with_sqlite(res, kept["out"], filed)
    check_unchanged(path, before)
    return res


class Dashboard:
    """mltop's dashboard in script mode (a virtual TUI_COLS x TUI_ROWS
    screen), its script a FIFO: the benchmark sends lines when it chooses,
    and mltop, which reads a line only once nothing is loading, waits on
    the FIFO in between."""

    def __init__(self, a, url, work, extra_argv=(), extra_env=None):
        self.a, self.url, self.work = a, url, work
        self.extra_argv, self.extra_env = list(extra_argv), extra_env or {}
        self.fifo = os.path.join(work, "keys")
        self.fd = None
        self.proc = None

    def __enter__(self):
        os.mkfifo(self.fifo)
        env = mltop_env(self.url)
        env.update(MLTOP_SCRIPT=self.fifo, COLUMNS=str(TUI_COLS),
                   LINES=str(TUI_ROWS), MLTOP_STATS="1")
        env.update(self.extra_env)
        self.err = open(os.path.join(self.work, "mltop.err"), "w+b")
        self.argv = [self.a.mltop, "-u", self.url] + self.extra_argv
        self.proc = subprocess.Popen(self.argv, cwd=self.work,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self.err, env=env)
        deadline = time.monotonic() + 30
        while self.fd is None:  # the open succeeds once mltop reads
            try:
                self.fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise
                self._alive("opening its script")
                if time.monotonic() > deadline:
                    die("mltop did not open its script FIFO")
                time.sleep(0.01)
        fcntl.fcntl(self.fd, fcntl.F_SETFL,
                    fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return self

    def _errtext(self):
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")

    def _alive(self, doing):
        if self.proc.poll() is not None:
            die("the dashboard exited (status %d) while %s:\n%s"
                % (self.proc.returncode, doing, self._errtext()[-3000:]))

    def step(self, lines, name, timeout=300):
        """Send lines, then `:stats NAME`; wait for mltop to write it.
        Returns the traffic so far and the seconds from send to written."""
        # relative: mltop runs in the work folder, and a command line
        # splits at spaces
        path = os.path.join(self.work, name)
        data = "".join(l + "\n" for l in lines + [":stats " + name])
        t0 = time.perf_counter()
        try:
            os.write(self.fd, data.encode())
        except BrokenPipeError:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
            self._alive("reading its script")
            die("the dashboard stopped reading its script")
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(path) as f:
                    text = f.read()
                if text.endswith("\n"):
                    break
            except FileNotFoundError:
                pass
            self._alive("running %r" % lines)
            if time.monotonic() > deadline:
                die("the dashboard did not write %s within %d s" % (name,
                                                                   timeout))
            time.sleep(0.001)
        secs = time.perf_counter() - t0
        store = (parse_http_stats(text, ":stats") if
                 not text.startswith("no traffic") else
                 dict(requests=0, bytes=0))
        return dict(store, seconds=secs, text=text)

    def screen(self, name):
        path = os.path.join(self.work, name)
        self.step([":save-display " + name], name + ".stats")
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def __exit__(self, etype, *rest):
        if self.fd is not None:
            os.close(self.fd)  # end of script: mltop quits
            self.fd = None
        try:
            if etype is not None and self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                if etype is None:
                    die("the dashboard did not quit at the end of its "
                        "script")
            if etype is None and self.proc.returncode != 0:
                die("the dashboard failed (exit %d): %s\n%s"
                    % (self.proc.returncode, " ".join(self.argv),
                       self._errtext()[-3000:]))
        finally:
            self.err.close()


def write_points(a, url, ids, keys, step):
    p = run_proc([a.python, "-c", LIVE_WRITER, url, str(step),
                  repr(LIVE_MARK), ",".join(keys), ",".join(ids)],
                 keep_output=True, env=clean_env())
    return json.loads(p.out.splitlines()[-1])["points"]


def live_session(meta, a, out):
    """One dashboard session on a copy of a live store:
    load, stats a; one new point of one key in each running run; poll,
    stats b; one new point of every key in each running run; poll,
    stats c; poll with nothing new, stats d."""
    points = meta["params"]["points"]
    ids = meta["running_run_ids"]
    keys = meta["metric_keys"]
    work = tempfile.mkdtemp(prefix="live-", dir=a.out)
    res = dict(store=meta)
    try:
        db = os.path.join(work, "live.db")
        shutil.copyfile(meta["path"], db)
        with MlflowServer(a, "sqlite:///" + db) as srv, \
                Dashboard(a, srv.url, work) as dash:
            load = dash.step([":runs " + meta["experiment_name"]], "a.txt")
            write_points(a, srv.url, ids, keys[:1], points)
            one = dash.step([":poll"], "b.txt")
            shown = dash.screen("screen-b.txt")
            write_points(a, srv.url, ids, keys, points + 1)
            step = dash.step([":poll"], "c.txt")
            idle = dash.step([":poll"], "d.txt")
        rows = [l for l in shown.splitlines() if " live-" in l]
        marked = [l for l in rows if "4242" in l]
        res.update(
            load=load,
            one_point=dict(requests=one["requests"] - load["requests"],
                           bytes=one["bytes"] - load["bytes"],
                           seconds=one["seconds"]),
            one_step=dict(requests=step["requests"] - one["requests"],
                          bytes=step["bytes"] - one["bytes"],
                          seconds=step["seconds"]),
            idle=dict(requests=idle["requests"] - step["requests"],
                      bytes=idle["bytes"] - step["bytes"],
                      seconds=idle["seconds"]),
            running_rows_shown=len(rows), rows_with_new_point=len(marked))
        if not rows or len(marked) != len(rows):
            die("after one poll the dashboard shows the new point (%g) in "
                "%d of the %d running runs on screen:\n%s"
                % (LIVE_MARK, len(marked), len(rows), shown))
    except KeyboardInterrupt:
        shutil.rmtree(work, ignore_errors=True)
        raise
    except BaseException:
        print("bench: live session files kept in %s" % work,
              file=sys.stderr, flush=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    return res


def bench_server_live(a, out):
    res = {}
    for points in make_store.LIVE_POINTS:
        meta = make_store.ensure_live(points, a.out, log=sys.stderr)
        out("  live refresh, %d-step histories (store %s)..."
            % (points, "cached" if meta["cached"] else "built in %.1f s"
               % meta["build_seconds"]))
        res["h%d" % points] = live_session(meta, a, out)
    return res


def bench_server(a, out):
    res = {}
    wide = make_store.ensure("wide", a.out, log=sys.stderr)
    out("bench: server section, wide store %s" % wide["path"])
    res["wide"] = bench_server_wide(wide, a, out)
    deep = make_store.ensure("deep", a.out, log=sys.stderr)
    out("bench: server section, deep store %s" % deep["path"])
    res["deep"] = bench_server_deep(deep, a, out)
    if a.mltop:
        res["live"] = bench_server_live(a, out)
    return res


# --- the report -------------------------------------------------------------

def fmt_s(x):
    if x is None:
        return "-"
    if x >= 10:
        return "%.1f s" % x
    if x >= 1:
        return "%.2f s" % x
    return "%.1f ms" % (x * 1000)


def fmt_mib(x):
    return "-" if x is None else "%.1f MiB" % x


def med(summary, field):
    if not summary or field not in summary:
        return None
    return summary[field]["median"]


def rows_for(res, mltop_label):
    """(label, median, min, max, rss) rows of one scenario."""
    rows = []

    def add(label, summary, field):
        if summary and field in summary:
            f = summary[field]
            rows.append((label, f["median"], f["min"], f["max"],
                         med(summary, "rss")))

    add(mltop_label, res.get("mltop"), "walls")
    add("MLflow client, the call alone (in-process)", res.get("client"),
        "calls")
    add("MLflow client, whole process (with start)", res.get("client"),
        "walls")
    add("sqlite floor: python sqlite3 (in-process)", res.get("floor_python"),
        "calls")
    add("sqlite floor: sqlite3 CLI (whole process)", res.get("floor_cli"),
        "walls")
    return rows


def print_table(title, rows, reps_note, p, width=48):
    p("")
    p("%s   [%s]" % (title, reps_note))
    p("  %-*s %10s %10s %10s %11s" % (width, "", "median", "min", "max",
                                      "peak RSS"))
    for label, m, lo, hi, rss in rows:
        p("  %-*s %10s %10s %10s %11s" % (width, label, fmt_s(m), fmt_s(lo),
                                          fmt_s(hi), fmt_mib(rss)))


def ratios(res):
    m = med(res.get("mltop"), "walls")
    c_call = med(res.get("client"), "calls")
    c_wall = med(res.get("client"), "walls")
    f_py = med(res.get("floor_python"), "calls")
    f_cli = med(res.get("floor_cli"), "walls")
    floors = [x for x in (f_py, f_cli) if x]
    r = dict(mltop=m, client_call=c_call, client_wall=c_wall,
             floor=min(floors) if floors else None)
    r["client_call/mltop"] = c_call / m if m and c_call else None
    r["client_wall/mltop"] = c_wall / m if m and c_wall else None
    r["mltop/floor_python"] = m / f_py if m and f_py else None
    r["mltop/floor_cli"] = m / f_cli if m and f_cli else None
    r["mltop/floor"] = m / r["floor"] if m and r["floor"] else None
    return r


def fmt_x(x):
    return "-" if x is None else "%.1fx" % x


def verdict(ok):
    if isinstance(ok, str):
        return ok
    if ok is None:
        return "not measured"
    return "met" if ok else "NOT MET"


def fmt_bytes(n):
    if n is None:
        return "-"
    if n >= 2**20:
        return "%.1f MiB" % (n / 2**20)
    if n >= 1024:
        return "%.1f KiB" % (n / 1024)
    return "%d B" % n


def faster_note(x):
    """A note, not a verdict: within 5% either way is a tie on a server
    that does most of the work."""
    if x is None:
        return "not measured"
    if x >= 1.05:
        return "mltop faster"
    return "mltop SLOWER" if x <= 0.95 else "about equal"


def report_server(sres, a, p):
    """The tracking-server tables; returns their rows for the targets."""
    targets = []
    note = "median of %d" % a.server_reps
    if not a.client_reps:
        note += ", client skipped"
    w = sres.get("wide")
    if w:
        sp = w["store"]["params"]
        rows = []

        def add(label, summary, field):
            if summary and field in summary:
                f = summary[field]
                rows.append((label, f["median"], f["min"], f["max"],
                             med(summary, "rss")))

        add("mltop -u http://... runs --experiment ID --json", w.get("mltop"),
            "walls")
        add("MLflow client search_runs, the call (in-process)",
            w.get("client"), "calls")
        add("MLflow client search_runs, whole process", w.get("client"),
            "walls")
        print_table("tracking server: all runs of one experiment (wide "
                    "store, %d runs x %d metrics; mlflow server --workers 1)"
                    % (sp["runs"], sp["metrics"]), rows, note, p, 52)
        m = med(w.get("mltop"), "walls")
        cc, cw = med(w.get("client"), "calls"), med(w.get("client"), "walls")
        r = {"client_call/mltop": cc / m if m and cc else None,
             "client_wall/mltop": cw / m if m and cw else None}
        w["ratios"] = r
        p("  ratios: client/mltop %s in-process, %s with start   (no target;"
          " > 1x: mltop faster)" % (fmt_x(r["client_call/mltop"]),
                                    fmt_x(r["client_wall/mltop"])))
        if w.get("mltop"):
            h = w["mltop"]["http"]
            p("  mltop traffic: %d requests, %s; the client asks once "
              "(max_results=50000,\n  no next_page_token came back)"
              % (h["requests"], fmt_bytes(h["bytes"])))
            p("  read by each: %d runs, same ids as the store; mltop's JSON "
              "(%s) %s\n  the -u sqlite:/// output"
              % (sp["runs"], fmt_bytes(w["json_bytes"]),
                 "is byte for byte" if w["same_as_sqlite"] else
                 "DIFFERS from"))
            if not w["same_as_sqlite"]:
                p("  " + w["difference"])
            targets.append(("server wide: mltop JSON == sqlite-backed",
                            "identical" if w["same_as_sqlite"] else
                            "differs", "identical", w["same_as_sqlite"]))
        x = r["client_call/mltop"]
        targets.append(("server wide: client (in-process) / mltop",
                        fmt_x(x), "no target", faster_note(x)))
    d = sres.get("deep")
    if d:
        rows = []

        def add(label, summary, field):
            if summary and field in summary:
                f = summary[field]
                rows.append((label, f["median"], f["min"], f["max"],
                             med(summary, "rss")))

        add("mltop -u http://... metric ID1,..,ID%d KEY --json" % d["runs"],
            d.get("mltop"), "walls")
        add("MLflow client, %d calls in turn (in-process)" % d["runs"],
            d.get("client"), "calls")
        add("MLflow client, %d calls in turn, whole process" % d["runs"],
            d.get("client"), "walls")
        add("MLflow client, %d threads (in-process)" % CLIENT_THREADS,
            d.get("client_threads"), "calls")
        add("MLflow client, %d threads, whole process" % CLIENT_THREADS,
            d.get("client_threads"), "walls")
        print_table("tracking server: %d histories of %d points, key %s "
                    "(deep store)" % (d["runs"], d["points_each"], d["key"]),
                    rows, note, p, 52)
        m = med(d.get("mltop"), "walls")
        r = {}
        for name in ("client", "client_threads"):
            c = med(d.get(name), "calls")
            r[name + "_call/mltop"] = c / m if m and c else None
            c = med(d.get(name), "walls")
            r[name + "_wall/mltop"] = c / m if m and c else None
        d["ratios"] = r
        p("  ratios: client/mltop %s in-process, %s with start; client %d "
          "threads/mltop %s in-process,\n          %s with start   (no "
          "target; > 1x: mltop faster)"
          % (fmt_x(r["client_call/mltop"]), fmt_x(r["client_wall/mltop"]),
             CLIENT_THREADS, fmt_x(r["client_threads_call/mltop"]),
             fmt_x(r["client_threads_wall/mltop"])))
        if d.get("mltop"):
            h = d["mltop"]["http"]
            p("  mltop traffic: %d requests, %s; each of the %d runs: %d "
              "points read by every contender;\n  mltop's JSON (%s) %s the "
              "-u sqlite:/// output" % (
                  h["requests"], fmt_bytes(h["bytes"]), d["runs"],
                  d["points_each"], fmt_bytes(d["json_bytes"]),
                  "is byte for byte" if d["same_as_sqlite"] else
                  "DIFFERS from"))
            if not d["same_as_sqlite"]:
                p("  " + d["difference"])
            targets.append(("server deep: mltop JSON == sqlite-backed",
                            "identical" if d["same_as_sqlite"] else
                            "differs", "identical", d["same_as_sqlite"]))
        for name, label in (("client", "in turn"),
                            ("client_threads", "%d threads"
                             % CLIENT_THREADS)):
            x = r[name + "_call/mltop"]
            targets.append(("server deep: client %s (in-process) / mltop"
                            % label, fmt_x(x), "no target", faster_note(x)))
    lv = sres.get("live")
    if lv:
        lens = sorted(lv, key=lambda k: lv[k]["store"]["params"]["points"])
        first = lv[lens[0]]["store"]["params"]
        p("")
        p("tracking server: one live refresh of the dashboard (%dx%d, script "
          "mode; %d RUNNING + %d FINISHED runs x %d metrics)"
          % (TUI_COLS, TUI_ROWS, first["running"], first["finished"],
             first["metrics"]))
        heads = ["%d-step histories" % lv[k]["store"]["params"]["points"]
                 for k in lens]
        p("  %-44s" % "" + "".join(" %30s" % h for h in heads))

        def line(label, field, secs=True):
            cells = []
            for k in lens:
                f = lv[k][field]
                c = "%d req, %s" % (f["requests"], fmt_bytes(f["bytes"]))
                if secs:
                    c += ", %s" % fmt_s(f["seconds"])
                cells.append(c)
            p("  %-44s" % label + "".join(" %30s" % c for c in cells))

        line("first load (for scale)", "load")
        line("refresh: 1 new point in each running run", "one_point")
        line("refresh: 1 new point of all %d keys in each" % first["metrics"],
             "one_step")
        line("refresh with nothing new", "idle")
        p("  (requests and bytes between two :stats; the time runs from "
          "sending :poll to mltop")
        p("  writing the next :stats.  Running rows on screen showing the "
          "new point after the")
        p("  first refresh: %s.)" % "; ".join(
            "%d of %d at %d steps" % (lv[k]["rows_with_new_point"],
                                       lv[k]["running_rows_shown"],
                                       lv[k]["store"]["params"]["points"])
            for k in lens))
        reqs = [lv[k]["one_point"]["requests"] for k in lens]
        all_reqs = [(lv[k]["one_point"]["requests"],
                     lv[k]["one_step"]["requests"], lv[k]["idle"]["requests"])
                    for k in lens]
        same = len(set(all_reqs)) == 1
        targets.append(("server live: refresh requests vs history length",
                        " / ".join(str(x) for x in reqs),
                        "independent", same))
        byts = [lv[k]["one_point"]["bytes"] for k in lens]
        ok = max(byts) <= BYTES_SLACK * min(byts) if min(byts) > 0 else \
            max(byts) == 0
        targets.append(("server live: refresh bytes vs history length",
                        " / ".join(fmt_bytes(x) for x in byts),
                        "within %d%%" % round((BYTES_SLACK - 1) * 100), ok))
        p("  request count independent of history length (all three "
          "refreshes): %s" % verdict(same))
    return targets


def report_million(res, a, p):
    """The million store's tables; returns its target rows."""
    targets = []
    st = res["store"]
    sp = st["params"]
    note = "median of %d" % a.million_reps
    if res.get("client_skipped"):
        note += ", client skipped"
    print_table("all runs of one experiment (million store): %d runs x %d "
                "metrics x %d point%s, %d params, %d tags; %.0f MiB"
                % (sp["runs"], sp["metrics"], sp["points"],
                   "" if sp["points"] == 1 else "s", sp["params"],
                   len(sp.get("tags", [])), st["size_bytes"] / 2**20),
                rows_for(res, "mltop runs --experiment ID --json > "
                         "/dev/null"), note, p)
    if res.get("client_skipped"):
        p("  client: skipped (%s)" % res["client_skipped"])
    mo = res.get("mltop_ordered")
    if mo:
        p("  %-48s %10s %10s %10s %11s"
          % ("mltop ... --json --order-by metrics.KEY ASC",
             fmt_s(mo["walls"]["median"]), fmt_s(mo["walls"]["min"]),
             fmt_s(mo["walls"]["max"]), fmt_mib(med(mo, "rss"))))
    r = ratios(res)
    res["ratios"] = r
    p("  ratios: client/mltop %s in-process, %s with start;  mltop/floor "
      "%s CLI" % (fmt_x(r["client_call/mltop"]),
                  fmt_x(r["client_wall/mltop"]), fmt_x(r["mltop/floor_cli"])))
    tui = res.get("tui")
    if tui or res.get("tui_skipped"):
        p("")
        p("TUI first full frame, million store, %dx%d pty, "
          "TERM=xterm-256color   [median of %d, no untimed run]"
          % (TUI_COLS, TUI_ROWS, a.million_reps))
    if res.get("tui_skipped"):
        p("  TUI: stopped (%s); peak RSS when stopped %s"
          % (res["tui_skipped"], fmt_mib(res.get("tui_stopped_rss_mib"))))
    if tui:
        p("  %-48s %10s %10s %10s %11s" % ("", "median", "min", "max",
                                           "peak RSS"))
        f = tui["frames"]
        p("  %-48s %10s %10s %10s %11s"
          % ("first-frame-ms (reported by mltop)", "%.1f ms" % f["median"],
             "%.1f ms" % f["min"], "%.1f ms" % f["max"],
             fmt_mib(med(tui, "rss"))))
        if tui.get("rows"):
            f = tui["rows"]
            p("  %-48s %10s %10s %10s"
              % ("first-rows-ms (first runs drawn)", "%.1f ms" % f["median"],
                 "%.1f ms" % f["min"], "%.1f ms" % f["max"]))
        w = tui["walls"]
        p("  %-48s %10s %10s %10s" % ("start to exit (wall)",
                                      fmt_s(w["median"]), fmt_s(w["min"]),
                                      fmt_s(w["max"])))
    x = r["mltop/floor_cli"]
    targets.append(("million: mltop runs --json / sqlite3 CLI", fmt_x(x),
                    "<= %.0fx" % TARGET_MILLION_FLOOR,
                    None if x is None else x <= TARGET_MILLION_FLOOR))
    rss = med(res.get("mltop"), "rss")
    targets.append(("million: peak RSS, mltop runs --json", fmt_mib(rss),
                    "< %.0f MiB" % TARGET_MILLION_RSS_MIB,
                    None if rss is None else rss < TARGET_MILLION_RSS_MIB))
    rss = med(res.get("mltop_ordered"), "rss")
    if rss is not None:
        targets.append(("million: peak RSS, runs --json --order-by",
                        fmt_mib(rss), "< %.0f MiB" % TARGET_MILLION_RSS_MIB,
                        rss < TARGET_MILLION_RSS_MIB))
    fm = med(tui, "rows") or med(tui, "frames")
    if res.get("tui_skipped"):
        targets.append(("million: TUI first frame with rows",
                        "> %d s" % a.million_tui_timeout,
                        "< %.0f ms" % TARGET_MILLION_FRAME_MS, False))
    else:
        targets.append(("million: TUI first frame with rows",
                        "-" if fm is None else "%.1f ms" % fm,
                        "< %.0f ms" % TARGET_MILLION_FRAME_MS,
                        None if fm is None else
                        fm < TARGET_MILLION_FRAME_MS))
    rss = med(tui, "rss")
    ok = None if rss is None else rss < TARGET_MILLION_TUI_RSS_MIB
    stopped = res.get("tui_stopped_rss_mib")
    if rss is None and stopped:
        # the peak so far of a TUI that was stopped: a verdict only
        # when it is already over
        rss = stopped
        ok = False if stopped >= TARGET_MILLION_TUI_RSS_MIB else None
    targets.append(("million: peak RSS, TUI first frame", fmt_mib(rss),
                    "< %.0f MiB" % TARGET_MILLION_TUI_RSS_MIB, ok))
    mv = res.get("moves")
    if mv:
        p("")
        p("TUI moves, sorts and a filter, million store, script mode "
          "(%dx%d virtual screen; each timed from the key to the screen "
          "settled)" % (TUI_COLS, TUI_ROWS))
        for label, kind, ms, info in mv["rows"]:
            p("  %-48s %9.0f ms  %s" % (label, ms, info[:60]))
        p("  %-48s %12s" % ("peak RSS, first page to the last line",
                            fmt_mib(mv["peak_rss_mib"])))
        moves = [ms for _, k, ms, _ in mv["rows"] if k == "move"]
        sorts = [ms for _, k, ms, _ in mv["rows"] if k == "sort"]
        targets.append(("million: TUI slowest move (G, g, PgDn)",
                        "%.0f ms" % max(moves),
                        "< %.0f ms" % TARGET_MILLION_MOVE_MS,
                        max(moves) < TARGET_MILLION_MOVE_MS))
        targets.append(("million: TUI slowest sort or filter",
                        "%.0f ms" % max(sorts),
                        "< %.0f ms" % TARGET_MILLION_SORT_MS,
                        max(sorts) < TARGET_MILLION_SORT_MS))
        rss = mv["peak_rss_mib"]
        targets.append(("million: peak RSS, TUI moving and sorting",
                        fmt_mib(rss),
                        "< %.0f MiB" % TARGET_MILLION_TUI_RSS_MIB,
                        None if rss is None
                        else rss < TARGET_MILLION_TUI_RSS_MIB))
    return targets


def report_scale(results, a, p):
    """The wide (10,000 runs) and million figures side by side."""
    cols = [k for k in ("wide", "million") if results.get(k)]
    if "million" not in cols:
        return
    p("")
    p("all runs of one experiment, 10,000 runs (wide) vs 1,000,000 runs "
      "(million): medians")
    heads = {"wide": "10,000 runs", "million": "1,000,000 runs"}
    # A cell wider than its column still gets a space before it.
    p("  %-44s %s" % ("", "".join(" %23s" % heads[k] for k in cols)))

    def row(label, fn):
        p("  %-44s %s" % (label, "".join(" %23s" % fn(results[k])
                                          for k in cols)))

    def both(summary, field, fmt):
        v = med(summary, field)
        if v is None:
            return "-"
        rss = med(summary, "rss")
        return fmt(v) if rss is None else "%s, %s" % (fmt(v), fmt_mib(rss))

    def client(res, field):
        if res.get("client_skipped"):
            return "skipped"
        return both(res.get("client"), field, fmt_s)

    row("mltop runs --json (wall, peak RSS)",
        lambda res: both(res.get("mltop"), "walls", fmt_s))
    row("sqlite3 CLI floor (wall, peak RSS)",
        lambda res: both(res.get("floor_cli"), "walls", fmt_s))
    row("mltop / sqlite3 CLI", lambda res: fmt_x(ratios(res)[
        "mltop/floor_cli"]))
    row("MLflow client, the call alone",
        lambda res: client(res, "calls"))
    row("MLflow client, whole process",
        lambda res: client(res, "walls"))
    row("TUI first frame (ms, peak RSS)",
        lambda res: "> %d s, %s" % (a.million_tui_timeout,
                                    fmt_mib(res.get("tui_stopped_rss_mib")))
        if res.get("tui_skipped") else
        both(res.get("tui"), "frames", lambda x: "%.1f ms" % x))
    row("store size", lambda res: "%.0f MiB"
        % (res["store"]["size_bytes"] / 2**20))
    notes = {"wide": "median of %d" % a.reps,
             "million": "median of %d" % a.million_reps}
    row("reps", lambda res: notes[res["store"]["kind"]])


def report(results, a, p):
    targets = []
    for name, title, mlabel in (
            ("wide", "all runs of one experiment (wide store)",
             "mltop runs --experiment ID --json > /dev/null"),
            ("deep", "one 10,000-point metric history (deep store)",
             "mltop metric RUN KEY --json > /dev/null")):
        res = results.get(name)
        if not res:
            continue
        st = res["store"]
        sp = st["params"]
        if a.client_reps == a.reps:
            note = "median of %d" % a.reps
        elif a.client_reps:
            note = "median of %d, client median of %d" % (a.reps,
                                                          a.client_reps)
        else:
            note = "median of %d, client skipped" % a.reps
        print_table("%s: %d runs x %d metrics x %d points, %d params; "
                    "%.0f MiB" % (title, sp["runs"], sp["metrics"],
                                  sp["points"], sp["params"],
                                  st["size_bytes"] / 2**20),
                    rows_for(res, mlabel), note, p)
        r = ratios(res)
        res["ratios"] = r
        p("  ratios: client/mltop %s in-process, %s with start;  "
          "mltop/floor %s python, %s CLI"
          % (fmt_x(r["client_call/mltop"]), fmt_x(r["client_wall/mltop"]),
             fmt_x(r["mltop/floor_python"]), fmt_x(r["mltop/floor_cli"])))
        x = r["client_call/mltop"]
        targets.append(("%s: MLflow client (in-process) / mltop" % name,
                        fmt_x(x), ">= %.0fx" % TARGET_SPEEDUP,
                        None if x is None else x >= TARGET_SPEEDUP))
        x = r["mltop/floor"]
        targets.append(("%s: mltop / best sqlite floor" % name, fmt_x(x),
                        "<= %.0fx" % TARGET_FLOOR,
                        None if x is None else x <= TARGET_FLOOR))
        if name == "wide":
            rss = med(res.get("mltop"), "rss")
            targets.append(("wide: peak RSS, mltop runs --json", fmt_mib(rss),
                            "< %.0f MiB" % TARGET_RSS_MIB,
                            None if rss is None else rss < TARGET_RSS_MIB))
            tui = res.get("tui")
            if tui or a.mltop:
                p("")
                p("TUI first full frame, wide store, %dx%d pty, "
                  "TERM=xterm-256color   [median of %d]"
                  % (TUI_COLS, TUI_ROWS, a.reps))
                p("  %-48s %10s %10s %10s %11s" % ("", "median", "min",
                                                   "max", "peak RSS"))
            if tui:
                f = tui["frames"]
                p("  %-48s %10s %10s %10s %11s"
                  % ("first-frame-ms (reported by mltop)",
                     "%.1f ms" % f["median"], "%.1f ms" % f["min"],
                     "%.1f ms" % f["max"], fmt_mib(med(tui, "rss"))))
                w = tui["walls"]
                p("  %-48s %10s %10s %10s" % ("start to exit (wall)",
                                              fmt_s(w["median"]),
                                              fmt_s(w["min"]),
                                              fmt_s(w["max"])))
            fm = med(tui, "frames")
            targets.append(("wide: TUI first full frame", "-" if fm is None
                            else "%.1f ms" % fm,
                            "< %.0f ms" % TARGET_FRAME_MS,
                            None if fm is None else fm < TARGET_FRAME_MS))
            rss = med(tui, "rss")
            targets.append(("wide: peak RSS, TUI first frame", fmt_mib(rss),
                            "< %.0f MiB" % TARGET_RSS_MIB,
                            None if rss is None else rss < TARGET_RSS_MIB))
    if results.get("million"):
        targets += report_million(results["million"], a, p)
    if results.get("server"):
        targets += report_server(results["server"], a, p)
    report_scale(results, a, p)
    p("")
    p("targets")
    p("  %-50s %22s %12s  %s" % ("", "figure", "target", "verdict"))
    for label, fig, tgt, ok in targets:
        p("  %-50s %22s %12s  %s" % (label, fig, tgt, verdict(ok)))
    return targets


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5,
                    help="timed runs per figure (default 5)")
    ap.add_argument("--client-reps", type=int, default=None,
                    help="timed runs of the MLflow client (default: --reps;"
                    " 0 skips the client)")
    ap.add_argument("--skip-mltop", action="store_true",
                    help="measure only the MLflow client and the floors")
    ap.add_argument("--only", metavar="SECTION[,SECTION]",
                    help="run these sections alone: wide, deep, million "
                    "(a store's scenarios) or server (the tracking-server "
                    "section), comma-separated")
    ap.add_argument("--million-reps", type=int, default=1,
                    help="timed runs per figure on the million store "
                    "(default 1)")
    ap.add_argument("--million-client-timeout", type=int, default=300,
                    help="seconds the MLflow client is given to list the "
                    "million store's runs before it is skipped (default "
                    "300)")
    ap.add_argument("--million-tui-timeout", type=int, default=900,
                    help="seconds the dashboard is given to draw its first "
                    "frame of the million store before it is stopped "
                    "(default 900)")
    ap.add_argument("--skip-million", action="store_true",
                    help="leave out the million-run section")
    ap.add_argument("--server-reps", type=int, default=3,
                    help="timed runs per figure against the tracking server"
                    " (default 3)")
    ap.add_argument("--skip-server", action="store_true",
                    help="leave out the tracking-server section")
    ap.add_argument("--out", default=make_store.DEFAULT_OUT,
                    help="store cache and results folder (bench/out)")
    a = ap.parse_args()
    if a.client_reps is None:
        a.client_reps = a.reps
    if a.reps < 1 or a.server_reps < 1 or a.million_reps < 1:
        ap.error("--reps, --server-reps and --million-reps must be at "
                 "least 1")
    sections = ("wide", "deep", "million", "server")
    if a.only is not None:
        a.only = set(x.strip() for x in a.only.split(",") if x.strip())
        if not a.only or a.only - set(sections):
            ap.error("--only takes one or more of %s, comma-separated"
                     % ", ".join(sections))

    def p(line=""):
        print(line, flush=True)

    def progress(line):
        print(line, file=sys.stderr, flush=True)

    a.python = sys.executable
    a.sqlite3 = shutil.which("sqlite3")
    if not a.sqlite3:
        sys.exit("bench: the sqlite3 CLI is not installed "
                 "(apt-get install sqlite3)")
    a.mltop = None
    if not a.skip_mltop:
        a.mltop = os.environ.get("MLTOP_BIN") or os.path.join(REPO, "src",
                                                               "mltop")
        if not os.access(a.mltop, os.X_OK):
            sys.exit("bench: no mltop binary at %s (build it, set MLTOP_BIN,"
                     " or pass --skip-mltop)" % a.mltop)
        a.mltop = os.path.abspath(a.mltop)
    os.makedirs(a.out, exist_ok=True)
    a.out = os.path.abspath(a.out)
    a.mlflow = os.path.join(os.path.dirname(a.python), "mlflow")
    if not os.access(a.mlflow, os.X_OK):
        a.mlflow = shutil.which("mlflow")
    serve = not a.skip_server and (a.only is None or "server" in a.only)
    if serve and not a.mlflow:
        sys.exit("bench: no mlflow command beside %s (or pass --skip-server)"
                 % a.python)

    def on_term(signum, frame):
        raise KeyboardInterrupt  # unwind: servers and children stop

    signal.signal(signal.SIGTERM, on_term)

    import mlflow
    results = {}
    try:
        for kind in ("wide", "deep", "million"):
            if a.only and kind not in a.only:
                continue
            if kind == "million" and a.skip_million:
                continue
            meta = make_store.ensure(kind, a.out, log=sys.stderr)
            progress("bench: %s store %s (%s)" % (
                kind, meta["path"], "cached" if meta["cached"] else
                "built in %.1f s" % meta["build_seconds"]))
            fn = dict(wide=bench_wide, deep=bench_deep,
                      million=bench_million)[kind]
            results[kind] = fn(meta, a, progress)
        if serve:
            results["server"] = bench_server(a, progress)
    except BenchError as e:
        sys.exit("bench: FAILED: %s" % e)
    except KeyboardInterrupt:
        sys.exit("bench: interrupted")

    p("mltop benchmark  %s" % time.strftime("%Y-%m-%d %H:%M:%S"))
    p("  mltop %s" % (a.mltop or "(skipped)"))
    p("  mlflow %s, python %s, sqlite3 lib %s / CLI %s, %s, %d CPUs"
      % (mlflow.__version__, platform.python_version(),
         sqlite3.sqlite_version,
         subprocess.run([a.sqlite3, "--version"], capture_output=True,
                        text=True).stdout.split()[0],
         platform.machine(), os.cpu_count()))
    for kind in ("wide", "deep", "million"):
        if kind not in results:
            continue
        st = results[kind]["store"]
        p("  %s store: %s (built in %.1f s: client %.1f, fill %.1f, indexes "
          "%.1f)" % (kind, os.path.basename(st["path"]), st["build_seconds"],
                     st["build_split"]["client"], st["build_split"]["fill"],
                     st["build_split"]["indexes"]))
    if "server" in results:
        p("  tracking server: %s server --workers 1 (job execution off); "
          "the wide and deep stores" % os.path.relpath(a.mlflow, REPO))
        p("    served read-only (SQLite mode=ro), the live stores from a "
          "fresh copy each session")
    targets = report(results, a, p)
    path = os.path.join(a.out, "results-%s.json"
                        % time.strftime("%Y%m%d-%H%M%S"))
    with open(path, "w") as f:
        json.dump(dict(results=results, targets=targets,
                       mltop=a.mltop, reps=a.reps,
                       client_reps=a.client_reps,
                       million_reps=a.million_reps,
                       server_reps=a.server_reps), f, indent=1)
    p("")
    p("results saved to %s" % os.path.relpath(path, REPO))
    differ = [k for k in ("wide", "deep")
              if results.get("server", {}).get(k, {}).get("same_as_sqlite")
              is False]
    if differ:
        sys.exit("bench: FAILED: mltop's JSON through the server differs "
                 "from its -u sqlite:/// output (%s store)"
                 % ", ".join(differ))


if __name__ == "__main__":
    main()
