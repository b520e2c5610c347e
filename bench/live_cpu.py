#!/usr/bin/env python3
# live_cpu.py: how much of a core the dashboard takes on a store with many
# RUNNING runs, idle and while a writer logs to them. It prints figures and
# the targets (under 2% idle, under 10% while 1,000 runs log a
# point a second); it asserts nothing about them.
#
# The dashboard runs on a pty (its refresh timer only runs there), on the
# runs view of the biggest experiment, refreshing every second; its CPU is
# utime+stime from /proc over each window. The writer is one transaction a
# second, as MLflow's SQL store writes a point: a row in metrics and the
# latest_metrics row moved, for --writers random RUNNING runs. It writes a
# copy of the store (--store; bench/make_store.py million builds one), never
# the store itself.
#
#     .venv/bin/python bench/live_cpu.py [--store DB] [--seconds 20]
#                                        [--writers 1000]
import argparse
import fcntl
import glob
import os
import random
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Writer(threading.Thread):
    """One transaction a second: a new point for n RUNNING runs."""

    def __init__(self, path, n):
        super().__init__(daemon=True)
        self.db = sqlite3.connect(path, check_same_thread=False,
                                  timeout=30)
        self.runs = [r[0] for r in self.db.execute(
            "SELECT run_uuid FROM runs WHERE status = 'RUNNING'")]
        self.n = min(n, len(self.runs))
        self.key = self.db.execute(
            "SELECT key FROM latest_metrics LIMIT 1").fetchone()[0]
        self.stop = threading.Event()
        self.commits = 0

    def run(self):
        rng = random.Random(5)
        step = 1000
        while not self.stop.is_set():
            t0 = time.monotonic()
            step += 1
            now = int(time.time() * 1000)
            with self.db:
                for rid in rng.sample(self.runs, self.n):
                    v = rng.random()
                    self.db.execute(
                        "INSERT OR REPLACE INTO metrics (key, value,"
                        " timestamp, run_uuid, step, is_nan) VALUES"
                        " (?, ?, ?, ?, ?, 0)", (self.key, v, now, rid, step))
                    self.db.execute(
                        "UPDATE latest_metrics SET value = ?, timestamp = ?,"
                        " step = ? WHERE run_uuid = ? AND key = ?",
                        (v, now, step, rid, self.key))
            self.commits += 1
            self.stop.wait(max(0.0, 1.0 - (time.monotonic() - t0)))


def dashboard(mltop, uri, exp, home):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    conf = os.path.join(home, "config")
    with open(conf, "w") as f:
        f.write("set refresh 1\n")
    env = dict(os.environ, TERM="xterm-256color", HOME=home,
               XDG_CONFIG_HOME=home, XDG_STATE_HOME=home)
    env.pop("MLFLOW_TRACKING_URI", None)
    p = subprocess.Popen([mltop, "-c", conf, "-u", uri, "--experiment", exp],
                         stdin=slave, stdout=slave, stderr=subprocess.DEVNULL,
                         env=env, start_new_session=True)
    os.close(slave)
    return p, master


def drain(master, seconds):
    """What the dashboard draws for that long (the last 64 KiB of it)."""
    end = time.monotonic() + seconds
    seen = b""
    while time.monotonic() < end:
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            try:
                seen = (seen + os.read(master, 65536))[-65536:]
            except OSError:
                break
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", help="an MLflow SQLite store (default: the "
                    "million store in bench/out)")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--settle", type=float, default=20.0)
    ap.add_argument("--writers", type=int, default=1000)
    ap.add_argument("--mltop", default=os.environ.get(
        "MLTOP_BIN", os.path.join(REPO, "build", "src", "mltop")))
    a = ap.parse_args()
    src = a.store or next(iter(sorted(glob.glob(
        os.path.join(HERE, "out", "million-*.db")))), None)
    if not src:
        sys.exit("live_cpu: no store (bench/make_store.py million makes one)")
    tmp = tempfile.mkdtemp(prefix="mltop-live-")
    try:
        db = os.path.join(tmp, "store.db")
        print("copying %s (%.0f MiB)..." % (src, os.path.getsize(src) / 2**20),
              flush=True)
        shutil.copyfile(src, db)
        con = sqlite3.connect(db)
        exp, nruns = con.execute(
            "SELECT experiment_id, count(*) FROM runs GROUP BY experiment_id"
            " ORDER BY 2 DESC LIMIT 1").fetchone()
        running = con.execute("SELECT count(*) FROM runs WHERE status ="
                              " 'RUNNING'").fetchone()[0]
        con.close()
        p, master = dashboard(a.mltop, "sqlite:///" + db, str(exp), tmp)
        try:
            drain(master, a.settle)
            # G: the oldest runs, as a user scrolling through them (a
            # dashboard that held every run would follow every live one).
            os.write(master, b"G")
            drain(master, a.settle)
            # A new size makes it draw the whole screen again, in text
            # this can read.
            fcntl.ioctl(master, termios.TIOCSWINSZ,
                        struct.pack("HHHH", 50, 199, 0, 0))
            os.killpg(p.pid, signal.SIGWINCH)
            drawn = drain(master, 3)
            if b"%d/%d" % (nruns, nruns) not in drawn:
                sys.exit("live_cpu: the dashboard did not show its last "
                         "run after G")
            c0 = cpu_seconds(p.pid)
            drain(master, a.seconds)
            idle = (cpu_seconds(p.pid) - c0) / a.seconds * 100
            w = Writer(db, a.writers)
            w.start()
            drain(master, a.settle / 2)
            c0 = cpu_seconds(p.pid)
            drain(master, a.seconds)
            busy = (cpu_seconds(p.pid) - c0) / a.seconds * 100
            w.stop.set()
            w.join()
            with open("/proc/%d/status" % p.pid) as f:
                peak = next((x.split(None, 1)[1].strip() for x in f
                             if x.startswith("VmHWM")), "?")
        finally:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()
            os.close(master)
        print("store: %d runs in experiment %s, %d RUNNING; dashboard on "
              "its runs view after G, refresh 1 s, 200x50 pty, peak RSS "
              "%s" % (nruns, exp, running, peak))
        print("  %-52s %6.1f%% of a core" % ("idle (no writer), %.0f s"
                                           % a.seconds, idle))
        print("  %-52s %6.1f%% of a core" % (
            "%d runs logging a point a second (%d commits)"
            % (w.n, w.commits), busy))
        print("targets")
        print("  %-52s %6s  %s" % ("idle", "< 2%", "met" if idle < 2
                                   else "NOT MET"))
        print("  %-52s %6s  %s" % ("1,000 runs logging", "< 10%",
                                   "met" if busy < 10 else "NOT MET"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
