# test_sqlite_locks.py: scripting commands against a SQLite store whose
# writer holds the lock: they wait a bounded time (10 s, doc/mltop.1),
# never take a write lock, and past the bound fail with exit 2 and a line
# that says what happened (no promise of a retry that never comes).
import sqlite3
import threading
import time

import pytest

BOUND_S = 10


class Holder(threading.Thread):
    """BEGIN EXCLUSIVE on the store for `hold` seconds, then commit a row."""

    def __init__(self, path, hold):
        super().__init__(daemon=True)
        self.path, self.hold = path, hold
        self.locked = threading.Event()

    def run(self):
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        db.execute("BEGIN EXCLUSIVE")
        db.execute("UPDATE experiments SET last_update_time = "
                   "last_update_time + 1")
        self.locked.set()
        time.sleep(self.hold)
        db.execute("COMMIT")
        db.close()


@pytest.fixture
def store(store_factory):
    s = store_factory()
    eid = s.client.create_experiment("locked")
    r = s.client.create_run(eid)
    s.client.log_metric(r.info.run_id, "loss", 0.25)
    s.client.set_terminated(r.info.run_id)
    assert sqlite3.connect(s.path).execute(
        "PRAGMA journal_mode").fetchone()[0] == "delete"
    return s


def test_a_read_waits_out_a_short_write(mltop, store):
    h = Holder(store.path, 1.0)
    h.start()
    assert h.locked.wait(10)
    runs = mltop.json("-u", store.path, "runs", "-e", "locked", "--json")
    h.join()
    assert [r["data"]["metrics"][0]["value"] for r in runs["runs"]] == [0.25]


def test_a_read_gives_up_after_the_bound(mltop, store):
    h = Holder(store.path, BOUND_S + 4)
    h.start()
    assert h.locked.wait(10)
    t0 = time.monotonic()
    p = mltop.run("-u", store.path, "runs", "--json")
    took = time.monotonic() - t0
    h.join()
    err = p.stderr.decode()
    assert p.returncode == 2, (p.returncode, err)
    assert "database is locked" in err
    assert f"more than {BOUND_S} s" in err
    assert "retry" not in err
    assert BOUND_S - 1 < took < BOUND_S + 3.5, took
    assert len(err.strip().splitlines()) == 1, err
