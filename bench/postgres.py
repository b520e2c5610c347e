"""mltop's PostgreSQL benchmark: a real `mlflow server` on a PostgreSQL
cluster of its own (tests/integration/pgcluster.py: Debian's server in a
temp dir, a free port), one experiment of 100,001 runs (a template run
logged by the MLflow client, then SQL copies). Measures `mltop runs
--json` over the server (wall, peak RSS) beside the MLflow client's
search_runs of the same runs, and the dashboard's first frame (and the
requests it took). Prints figures; asserts nothing about speed, but stops
with an error when mltop lists other runs than PostgreSQL holds, or in
another order. Run by bench/postgres.sh."""
import argparse
import collections
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests",
                                "integration"))
import pgcluster  # noqa: E402
import run  # noqa: E402  (run_proc, run_tty, repeat, die, formats)


def store_ids(dsn, eid):
    """The experiment's active run ids in MLflow's order."""
    import psycopg
    with psycopg.connect(dsn) as db:
        return [r[0] for r in db.execute(
            "SELECT run_uuid FROM runs WHERE experiment_id = %s AND "
            "lifecycle_stage = 'active' ORDER BY start_time DESC, run_uuid",
            (int(eid),))]


# The runs view over the server: its window of three pages, walked.
PG_MOVES = [
    ("G: page by page to the last", "G", "walk"),
    ("PgUp x 120: pages before, again", "<PgUp>" * 120, "move"),
    ("g: the first page again", "g", "move"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100000,
                    help="SQL copies of the template run (default 100000)")
    ap.add_argument("--reps", type=int, default=3,
                    help="timed runs per figure (default 3)")
    ap.add_argument("--client-timeout", type=int, default=600,
                    help="seconds the MLflow client is given (default 600)")
    a = ap.parse_args()
    mltop = os.environ.get("MLTOP_BIN")
    if not mltop or not os.access(mltop, os.X_OK):
        sys.exit("bench: set MLTOP_BIN to an mltop binary")
    a.mltop = mltop

    def p(line=""):
        print(line, flush=True)

    def progress(line):
        print(line, file=sys.stderr, flush=True)

    d = tempfile.mkdtemp(prefix="mltop-pgbench.")
    try:
        progress("bench: starting PostgreSQL and an mlflow server on it...")
        env = pgcluster.start(d)
        url, dsn = env["MLTOP_TEST_PG_SERVER_URL"], env["MLTOP_TEST_PG_DSN"]
        t0 = time.perf_counter()
        eid = pgcluster.fill_copies(url, dsn, "bench-pg", a.runs)
        fill_s = time.perf_counter() - t0
        ids = store_ids(dsn, eid)
        progress("bench: %d runs in experiment %s (filled in %.1f s)"
                 % (len(ids), eid, fill_s))
        menv = run.mltop_env(url)

        argv = [mltop, "-u", url, "runs", "--experiment", eid, "--json"]

        def listing():
            r = run.run_proc(argv, keep_output=True, env=menv)
            return dict(wall=r.wall, rss=r.rss_mib, out=r.out)

        progress("  mltop runs --json over the server...")
        s_m, first = run.repeat("mltop-runs", a.reps, listing)
        got = [r["info"]["run_id"] for r in json.loads(first["out"])["runs"]]
        if got != ids:
            run.die("mltop runs --json over PostgreSQL: %d runs, not the "
                    "store's %d in MLflow's order" % (len(got), len(ids)))
        del first

        progress("  MlflowClient.search_runs, paged (given %d s)..."
                 % a.client_timeout)
        cl = run.run_proc_limited([sys.executable, "-c",
                                   run.CLIENT_RUNS_PAGED, url, eid],
                                  a.client_timeout, keep_output=True)
        client = None
        if cl is not None:
            cd = json.loads(cl.out.splitlines()[-1])
            if cd["ids"] != sorted(ids):
                run.die("the client and PostgreSQL hold different run ids")
            client = dict(wall=cl.wall, call=cd["call_s"], rss=cl.rss_mib,
                          pages=cd["pages"])

        progress("  mltop TUI first frame over the server...")
        targv = [mltop, "-u", url, "--experiment", eid,
                 "--exit-after-first-frame"]
        s_t = run.Series("mltop-tui")
        asked = None
        for i in range(a.reps + 1):
            log = os.path.join(d, "http-%d.log" % i)
            r = run.run_tty(targv, dict(menv, MLTOP_HTTP_LOG=log),
                            timeout=120)
            if i == 0:
                with open(log) as f:
                    asked = collections.Counter(
                        ln.split()[0] for ln in f if ln.strip())
                continue
            s_t.walls.append(r.wall)
            s_t.frames.append(r.frame_ms)
            if r.rows_ms is not None:
                s_t.rows.append(r.rows_ms)
            if r.rss_mib is not None:
                s_t.rss.append(r.rss_mib)
        m, t = s_m.summary(), s_t.summary()

        progress("  mltop TUI scrolling through every run (script mode)...")
        moves = run.bench_moves(a, url, eid, menv, moves=PG_MOVES)
    finally:
        pgcluster.stop(d)

    p("PostgreSQL behind `mlflow server`: one experiment of %d runs "
      "(1 metric, 1 param each)   [median of %d]" % (len(ids), a.reps))
    p("  %-44s %10s %10s %10s %11s" % ("", "median", "min", "max",
                                       "peak RSS"))
    p("  %-44s %10s %10s %10s %11s" % (
        "mltop runs --experiment ID --json",
        run.fmt_s(m["walls"]["median"]), run.fmt_s(m["walls"]["min"]),
        run.fmt_s(m["walls"]["max"]), run.fmt_mib(run.med(m, "rss"))))
    if client:
        p("  %-44s %10s %10s %10s %11s" % (
            "MlflowClient.search_runs (%d pages), once" % client["pages"],
            run.fmt_s(client["wall"]), "", "", run.fmt_mib(client["rss"])))
        p("  client/mltop: %.1fx (whole processes)"
          % (client["wall"] / m["walls"]["median"]))
    else:
        p("  MlflowClient.search_runs: did not finish in %d s"
          % a.client_timeout)
    p("  %-44s %10s %10s %10s %11s" % (
        "TUI first-frame-ms (200x50 pty)",
        "%.0f ms" % t["frames"]["median"], "%.0f ms" % t["frames"]["min"],
        "%.0f ms" % t["frames"]["max"], run.fmt_mib(run.med(t, "rss"))))
    if t.get("rows"):
        p("  %-44s %10s %10s %10s" % (
            "TUI first-rows-ms (first runs drawn)",
            "%.0f ms" % t["rows"]["median"], "%.0f ms" % t["rows"]["min"],
            "%.0f ms" % t["rows"]["max"]))
    p("  requests until the first frame: " + ", ".join(
        "%s x%d" % kv for kv in sorted(asked.items())))
    p("  TUI scrolling through every run (script mode, 200x50; each from "
      "the key to the screen settled):")
    for label, _, ms, info in moves["rows"]:
        p("    %-40s %8.0f ms  %s" % (label, ms, info[:60]))
    p("    %-40s %8s" % ("peak RSS, first page to the last line",
                         run.fmt_mib(moves["peak_rss_mib"])))


if __name__ == "__main__":
    main()
