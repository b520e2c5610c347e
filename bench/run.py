#!/usr/bin/env python3
# mltop's benchmark: mltop vs the MLflow Python client and a sqlite3 floor.
# Prints figures; fails only if a command fails or counts disagree.
"""Benchmark mltop on large MLflow SQLite stores.

Every figure is a median of --reps timed runs after one untimed run, whose
output is kept and counted: mltop, the MLflow client and the sqlite floors
must agree on how many runs, metrics, params, tags and points they read, or
the benchmark stops with an error.  Timing is reported, never asserted.
"""

import argparse
import fcntl
import json
import os
import platform
import re
import select
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

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
                os.kill(p.pid, signal.SIGKILL)
                os.wait4(p.pid, 0)
                os.close(master)
                die("TUI did not exit within %d s: %s"
                    % (timeout, " ".join(argv)))
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
        self.frames = []      # ms, TUI only

    def summary(self):
        d = dict(label=self.label)
        for name in ("walls", "calls", "rss", "frames"):
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


def parse_json(what, data):
    try:
        return json.loads(data)
    except ValueError as e:
        die("%s printed invalid JSON (%s): %r" % (what, e, data[:200]))


def check_counts(what, got, want):
    if got != want:
        die("%s read %s, expected %s" % (what, got, want))


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


def print_table(title, rows, reps_note, p):
    p("")
    p("%s   [%s]" % (title, reps_note))
    p("  %-48s %10s %10s %10s %11s" % ("", "median", "min", "max",
                                       "peak RSS"))
    for label, m, lo, hi, rss in rows:
        p("  %-48s %10s %10s %10s %11s" % (label, fmt_s(m), fmt_s(lo),
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
    if ok is None:
        return "not measured"
    return "met" if ok else "NOT MET"


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
    p("")
    p("targets")
    p("  %-44s %12s %12s  %s" % ("", "figure", "target", "verdict"))
    for label, fig, tgt, ok in targets:
        p("  %-44s %12s %12s  %s" % (label, fig, tgt, verdict(ok)))
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
    ap.add_argument("--only", choices=["wide", "deep"],
                    help="run one store's scenarios")
    ap.add_argument("--out", default=make_store.DEFAULT_OUT,
                    help="store cache and results folder (bench/out)")
    a = ap.parse_args()
    if a.client_reps is None:
        a.client_reps = a.reps
    if a.reps < 1:
        ap.error("--reps must be at least 1")

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

    import mlflow
    results = {}
    try:
        for kind in ("wide", "deep"):
            if a.only and a.only != kind:
                continue
            meta = make_store.ensure(kind, a.out, log=sys.stderr)
            progress("bench: %s store %s (%s)" % (
                kind, meta["path"], "cached" if meta["cached"] else
                "built in %.1f s" % meta["build_seconds"]))
            fn = bench_wide if kind == "wide" else bench_deep
            results[kind] = fn(meta, a, progress)
    except BenchError as e:
        sys.exit("bench: FAILED: %s" % e)

    p("mltop benchmark  %s" % time.strftime("%Y-%m-%d %H:%M:%S"))
    p("  mltop %s" % (a.mltop or "(skipped)"))
    p("  mlflow %s, python %s, sqlite3 lib %s / CLI %s, %s, %d CPUs"
      % (mlflow.__version__, platform.python_version(),
         sqlite3.sqlite_version,
         subprocess.run([a.sqlite3, "--version"], capture_output=True,
                        text=True).stdout.split()[0],
         platform.machine(), os.cpu_count()))
    for kind, res in results.items():
        st = res["store"]
        p("  %s store: %s (built in %.1f s: client %.1f, fill %.1f, indexes "
          "%.1f)" % (kind, os.path.basename(st["path"]), st["build_seconds"],
                     st["build_split"]["client"], st["build_split"]["fill"],
                     st["build_split"]["indexes"]))
    targets = report(results, a, p)
    path = os.path.join(a.out, "results-%s.json"
                        % time.strftime("%Y%m%d-%H%M%S"))
    with open(path, "w") as f:
        json.dump(dict(results=results, targets=targets,
                       mltop=a.mltop, reps=a.reps,
                       client_reps=a.client_reps), f, indent=1)
    p("")
    p("results saved to %s" % os.path.relpath(path, REPO))


if __name__ == "__main__":
    main()
