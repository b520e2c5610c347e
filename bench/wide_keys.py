#!/usr/bin/env python3
"""bench/wide_keys.py: mltop on stores with very many keys in one place.

A run with 100,000 metric keys, a run with 100,000 params and tags, a
registered model with 100,000 tags, 100,000 experiments: shapes where a
linear search inside a loop turns into minutes. The schema comes from the
real MLflow client; the bulk rows are inserted with SQL (the client would
take hours). Prints one line a case: wall time and peak RSS of the
scripting command and of the dashboard's first frame (a pty of 200x50).
Asserts nothing about time; stops if a command fails.

    .venv/bin/python bench/wide_keys.py [--n 100000] [--bin build/src/mltop]
"""
import argparse
import os
import pty
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def schema_store(path):
    from mlflow import MlflowClient
    c = MlflowClient(tracking_uri=f"sqlite:///{path}",
                     registry_uri=f"sqlite:///{path}")
    eid = c.create_experiment("wide")
    run = c.create_run(eid, run_name="wide-run")
    c.set_terminated(run.info.run_id, "FINISHED")
    c.create_registered_model("wide-model")
    return c, eid, run.info.run_id


def schema_client(path):
    from mlflow import MlflowClient
    return MlflowClient(tracking_uri=f"sqlite:///{path}",
                        registry_uri=f"sqlite:///{path}")


def fill(path, case, n, eid, rid):
    con = sqlite3.connect(path)
    now = int(time.time() * 1000)
    if case == "metric-keys":
        con.executemany(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step,"
            " is_nan) VALUES (?, ?, ?, ?, 0, 0)",
            ((f"m{i:06d}", i * 0.5, now, rid) for i in range(n)))
        con.executemany(
            "INSERT INTO latest_metrics (key, value, timestamp, step,"
            " is_nan, run_uuid) VALUES (?, ?, ?, 0, 0, ?)",
            ((f"m{i:06d}", i * 0.5, now, rid) for i in range(n)))
    elif case == "params-tags":
        con.executemany("INSERT INTO params (key, value, run_uuid)"
                        " VALUES (?, ?, ?)",
                        ((f"p{i:06d}", str(i), rid) for i in range(n // 2)))
        con.executemany("INSERT INTO tags (key, value, run_uuid)"
                        " VALUES (?, ?, ?)",
                        ((f"t{i:06d}", str(i), rid) for i in range(n // 2)))
    elif case == "model-tags":
        cols = [r[1] for r in con.execute(
            "PRAGMA table_info(registered_model_tags)")]
        if "workspace" in cols:
            con.executemany(
                "INSERT INTO registered_model_tags (key, value, name,"
                " workspace) VALUES (?, ?, 'wide-model', 'default')",
                ((f"t{i:06d}", str(i)) for i in range(n)))
        else:
            con.executemany(
                "INSERT INTO registered_model_tags (key, value, name)"
                " VALUES (?, ?, 'wide-model')",
                ((f"t{i:06d}", str(i)) for i in range(n)))
    elif case == "experiments":
        cols = [r[1] for r in con.execute("PRAGMA table_info(experiments)")]
        ws = "workspace" in cols
        base = int(con.execute(
            "SELECT max(experiment_id) FROM experiments").fetchone()[0])
        sql = ("INSERT INTO experiments (experiment_id, name,"
               " artifact_location, lifecycle_stage, creation_time,"
               " last_update_time%s) VALUES (?, ?, '', 'active', ?, ?%s)"
               % ((", workspace", ", 'default'") if ws else ("", "")))
        con.executemany(sql, ((base + 1 + i, f"exp-{i:06d}", now, now)
                              for i in range(n)))
    con.commit()
    con.close()


def timed(argv):
    t0 = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run(argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=600)
    secs = time.monotonic() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {p.returncode}: "
                 f"{p.stderr.decode(errors='replace')}")
    return secs, max(rss, before) / 1024.0


def first_frame(argv):
    """The dashboard in a 200x50 pty, --exit-after-first-frame."""
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["LINES"], os.environ["COLUMNS"] = "50", "200"
        os.execv(argv[0], argv)
    while True:
        try:
            if not os.read(fd, 65536):
                break
        except OSError:
            break
    _, status = os.waitpid(pid, 0)
    secs = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)}: exit {status}")
    return secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--bin", default=str(ROOT / "build/src/mltop"))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        for case in ("metric-keys", "params-tags", "model-tags",
                     "experiments"):
            db = Path(d) / f"{case}.db"
            _, eid, rid = schema_store(db)
            fill(db, case, a.n, eid, rid)
            uri = f"sqlite:///{db}"
            if case == "model-tags":
                cmd = [a.bin, "-u", uri, "models", "--json"]
                tui = None
            elif case == "experiments":
                cmd = [a.bin, "-u", uri, "experiments"]
                tui = [a.bin, "-u", uri, "--exit-after-first-frame",
                       "--no-config"]
            else:
                cmd = [a.bin, "-u", uri, "runs", "-e", "wide", "--json"]
                tui = [a.bin, "-u", uri, "--exit-after-first-frame",
                       "--no-config", "-e", "wide"]
            secs, rss = timed(cmd)
            line = (f"{case:12s} n={a.n:,}: `{' '.join(cmd[3:])}` "
                    f"{secs * 1000:8.0f} ms")
            if case == "model-tags":
                c = schema_client(db)
                c.create_model_version("wide-model", f"runs:/{rid}/model",
                                       run_id=rid)
                psecs, _ = timed([a.bin, "-u", uri, "promote", "wide-model",
                                  "1", "--alias", "champion", "--yes"])
                line += f"; promote {psecs * 1000:8.0f} ms"

            if tui:
                line += f"; dashboard first frame {first_frame(tui) * 1000:8.0f} ms"
            print(line, flush=True)


if __name__ == "__main__":
    main()
