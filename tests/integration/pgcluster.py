# pgcluster.py: a PostgreSQL cluster of its own (Debian's server
# binaries) in a directory, on a free port of 127.0.0.1, with a real
# `mlflow server` on it: how teams that outgrow one SQLite file run
# MLflow. tools/test.sh starts one for the whole run:
#
#     eval "$(.venv/bin/python tests/integration/pgcluster.py start DIR)"
#     ...
#     .venv/bin/python tests/integration/pgcluster.py stop DIR
#
# which exports MLTOP_TEST_PG_DSN (the database, for tests that write
# rows with SQL) and MLTOP_TEST_PG_SERVER_URL (the mlflow server on it).
# conftest.py starts one of its own the same way when they are not set.
# initdb refuses to run as root: as root the cluster belongs to the
# postgres user the Debian package made.
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import servers

USER = "mlflow"
DB = "mlflow"


def bin_dir():
    """The newest installed server's binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if
                   p.split("/")[4].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def _as_owner(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def _run(cmd, what):
    p = subprocess.run(_as_owner(cmd), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed ({p.returncode}): "
                           f"{p.stdout.decode(errors='replace')[-2000:]}")


def start(d):
    """Start the cluster and a server in directory d (made, emptied);
    returns the environment to export."""
    b = bin_dir()
    if b is None:
        raise RuntimeError("no PostgreSQL server binaries in "
                           "/usr/lib/postgresql (apt-get install "
                           "postgresql)")
    d = Path(d)
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    data = d / "data"
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(d, pw.pw_uid, pw.pw_gid)
        # the directories above must let the owner through
        for parent in d.parents:
            if str(parent) in ("/", "/tmp"):
                break
            os.chmod(parent, os.stat(parent).st_mode | 0o011)
    port = servers.free_port()
    _run([str(b / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
          "-E", "UTF8", "--no-locale"], "initdb")
    opts = (f"-p {port} -k {d} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off")
    _run([str(b / "pg_ctl"), "-D", str(data), "-o", opts,
          "-l", str(d / "postgres.log"), "-w", "-t", "60", "start"],
         "pg_ctl start")
    _run([str(b / "createdb"), "-h", "127.0.0.1", "-p", str(port),
          "-U", USER, DB], "createdb")
    dsn = f"postgresql://{USER}@127.0.0.1:{port}/{DB}"
    state = dict(bin=str(b), data=str(data), port=port, dsn=dsn)
    (d / "state.json").write_text(json.dumps(state))
    art = d / "artifacts"
    srv = servers.MlflowServer(d / "mlflow", d / "server.log",
                               backend_uri=dsn, artifact_root=art, cwd=d)
    try:
        srv.start()
    except RuntimeError:
        stop(d)
        raise
    state.update(server_pid=srv.proc.pid, url=srv.url)
    (d / "state.json").write_text(json.dumps(state))
    return {"MLTOP_TEST_PG_DSN": dsn, "MLTOP_TEST_PG_SERVER_URL": srv.url}


def _stop_group(pgid, grace=10.0):
    """SIGTERM a process group (not always our child), SIGKILL what is
    left after grace seconds."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + grace
    while time.monotonic() < end:
        try:
            os.waitpid(pgid, os.WNOHANG)
        except ChildProcessError:
            pass
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def fill_copies(url, dsn, name, n):
    """The experiment NAME on the server at url with n + 1 runs: a
    template run logged by the real client (a metric, a param), then n
    SQL copies made by PostgreSQL (generate_series) named pg-000001...,
    each a millisecond older than the one before. Made once: an
    experiment that already holds n + 1 runs is kept, one that holds
    another number (a fill stopped half way) is renamed out of the way.
    Returns its id."""
    import psycopg
    from mlflow import MlflowClient
    client = MlflowClient(tracking_uri=url)
    exp = client.get_experiment_by_name(name)
    eid = exp.experiment_id if exp else client.create_experiment(name)
    with psycopg.connect(dsn) as db:
        have = db.execute("SELECT count(*) FROM runs WHERE experiment_id "
                          "= %s", (int(eid),)).fetchone()[0]
    if have != n + 1:
        # a first pass, or one stopped half way (renamed out of the way)
        if have:
            client.rename_experiment(eid, f"{name}-{uuid.uuid4().hex}")
            eid = client.create_experiment(name)
        run = client.create_run(eid, run_name="template").info.run_id
        client.log_metric(run, "loss", 0.5, step=0)
        client.log_param(run, "lr", "0.01")
        client.set_terminated(run, "FINISHED")
        with psycopg.connect(dsn) as db:
            cols = [r[0] for r in db.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'runs' ORDER BY ordinal_position")]
            new = {"run_uuid": "md5(t.run_uuid || g)",
                   "name": "'pg-' || lpad(g::text, 6, '0')",
                   "start_time": "t.start_time - g",
                   "end_time": "t.end_time - g"}
            db.execute(
                "INSERT INTO runs (%s) SELECT %s FROM runs t, "
                "generate_series(1, %d) g WHERE t.run_uuid = %%s"
                % (", ".join(cols),
                   ", ".join(new.get(c, "t." + c) for c in cols), n),
                (run,))
            for table in ("latest_metrics", "params"):
                tcols = [r[0] for r in db.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = %s ORDER BY ordinal_position",
                    (table,))]
                db.execute(
                    "INSERT INTO %s (%s) SELECT %s FROM %s c, "
                    "generate_series(1, %d) g WHERE c.run_uuid = %%s"
                    % (table, ", ".join(tcols), ", ".join(
                        "md5(c.run_uuid || g)" if c == "run_uuid"
                        else "c." + c
                        for c in tcols), table, n), (run,))
    return eid


def stop(d):
    """Stop the server and the cluster of directory d and remove it."""
    d = Path(d)
    try:
        state = json.loads((d / "state.json").read_text())
    except (OSError, ValueError):
        state = {}
    pid = state.get("server_pid")
    if pid:
        _stop_group(pid)
    if state.get("bin"):
        subprocess.run(_as_owner([str(Path(state["bin"]) / "pg_ctl"), "-D",
                                  state["data"], "-m", "immediate", "-w",
                                  "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: pgcluster.py start|stop DIR")
    if sys.argv[1] == "start":
        try:
            env = start(sys.argv[2])
        except RuntimeError as e:
            sys.exit(f"pgcluster: {e}")
        for k, v in env.items():
            print(f"export {k}='{v}'")
    else:
        stop(sys.argv[2])
