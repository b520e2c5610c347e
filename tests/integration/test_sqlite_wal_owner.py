# test_sqlite_wal_owner.py: a WAL store owned by root, read by another user
# (uid 65534): mltop must not leave -wal/-shm files that user owns (the
# owner's training would then fail "attempt to write a readonly
# database"), and says so; unreadable -wal/-shm files are named.
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

NOBODY = 65534


@pytest.fixture
def as_nobody():
    if os.geteuid() != 0:
        pytest.skip("needs root to own the store and run mltop as nobody")
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("setpriv(1) is missing")
    return (setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}",
            "--clear-groups")


@pytest.fixture
def wal_store(store_factory):
    s = store_factory()
    eid = s.client.create_experiment("walled")
    r = s.client.create_run(eid)
    s.client.log_metric(r.info.run_id, "loss", 0.5)
    s.client.set_terminated(r.info.run_id)
    db = sqlite3.connect(s.path)
    assert db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    db.close()
    return s, r.info.run_id


def place(store, dir_mode):
    d = Path(tempfile.mkdtemp(prefix="mltop-wal-"))
    d.chmod(dir_mode)
    path = d / "mlflow.db"
    shutil.copy(store.path, path)
    path.chmod(0o644)
    assert not Path(str(path) + "-wal").exists()
    return d, path


def nobody_env(_tmp):
    # No config or state of root's for nobody to trip over.
    return {k: "/nonexistent" for k in
            ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME")}


@pytest.mark.parametrize("dir_mode", [0o755, 0o1777],
                         ids=["dir-not-writable", "dir-writable"])
def test_reader_creates_no_files(mltop, wal_store, as_nobody, dir_mode,
                                 tmp_path):
    store, run_id = wal_store
    d, path = place(store, dir_mode)
    try:
        runs = mltop.json("-u", path, "runs", "-e", "walled", "--json",
                          prefix=as_nobody, env=nobody_env(tmp_path))
        assert [r["info"]["run_id"] for r in runs["runs"]] == [run_id]
        p = mltop.run("-u", path, "experiments", prefix=as_nobody,
                      env=nobody_env(tmp_path))
        assert p.returncode == 0, p.stderr
        assert "snapshot" in p.stderr.decode(), p.stderr
        assert sorted(os.listdir(d)) == ["mlflow.db"]
        # The owner writes on as before.
        db = sqlite3.connect(path)
        db.execute("UPDATE experiments SET name = 'renamed' "
                   "WHERE name = 'walled'")
        db.commit()
        db.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("suffix", ["-shm", "-wal"])
def test_unreadable_wal_files_are_named(mltop, wal_store, as_nobody, suffix,
                                        tmp_path):
    store, _ = wal_store
    d, path = place(store, 0o755)
    writer = sqlite3.connect(path)
    try:
        writer.execute("UPDATE experiments SET last_update_time = 1")
        writer.commit()
        f = Path(str(path) + suffix)
        assert f.exists()
        f.chmod(0o600)
        p = mltop.run("-u", path, "runs", "--json", prefix=as_nobody,
                      env=nobody_env(tmp_path))
        err = p.stderr.decode()
        assert p.returncode == 2, (p.returncode, err)
        assert str(f) in err and "Permission denied" in err, err
    finally:
        writer.close()
        shutil.rmtree(d, ignore_errors=True)


def test_reader_of_an_open_store_reads_live(mltop, wal_store, as_nobody,
                                            tmp_path):
    store, run_id = wal_store
    d, path = place(store, 0o755)
    writer = sqlite3.connect(path)
    try:
        writer.execute("UPDATE runs SET status = 'RUNNING'")
        writer.commit()
        runs = mltop.json("-u", path, "runs", "-e", "walled", "--json",
                          prefix=as_nobody, env=nobody_env(tmp_path))
        assert [r["info"]["status"] for r in runs["runs"]] == ["RUNNING"]
        for f in os.listdir(d):
            assert os.stat(d / f).st_uid == 0, f
    finally:
        writer.close()
        shutil.rmtree(d, ignore_errors=True)
