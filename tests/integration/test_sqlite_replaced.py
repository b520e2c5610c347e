# test_sqlite_replaced.py: the dashboard on a SQLite store that is replaced
# (mv new.db mlflow.db) or deleted while it runs: the next refresh reopens
# the new file and says so, or says the file is gone, instead of showing
# the old file as freshly refreshed. Keys come through a FIFO
# (MLTOP_SCRIPT), so the store can change between two screens.
import os
import shutil
import subprocess
import time

from conftest import clean_env


def wait_file(path, proc, timeout=30):
    end = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, f"no {path.name} from mltop"
        time.sleep(0.05)
    time.sleep(0.1)  # written whole
    return path.read_text()


def test_replaced_then_deleted(mltop_bin, store_factory, tmp_path):
    a = store_factory("a.db")
    a.client.create_experiment("alpha")
    b = store_factory("b.db")
    b.client.create_experiment("beta")
    live = tmp_path / "mlflow.db"
    shutil.copy(a.path, live)
    keys = tmp_path / "keys"
    os.mkfifo(keys)
    env = clean_env({"MLTOP_SCRIPT": str(keys), "COLUMNS": "120",
                     "LINES": "20", "NO_COLOR": "1",
                     "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
                     "XDG_STATE_HOME": str(tmp_path)})
    proc = subprocess.Popen([str(mltop_bin), "--no-config", "-u", str(live)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        with open(keys, "w") as k:
            k.write(":save-display one\n")
            k.flush()
            one = wait_file(tmp_path / "one", proc)
            assert "alpha" in one and "beta" not in one, one

            os.replace(b.path, live)
            k.write(":poll\n:save-display two\n")
            k.flush()
            two = wait_file(tmp_path / "two", proc)
            assert "beta" in two and "alpha" not in two, two
            assert "replaced" in two, two

            os.unlink(live)
            k.write(":poll\n:save-display three\n:q\n")
            k.flush()
            three = wait_file(tmp_path / "three", proc)
            assert "store file is gone" in three, three
        assert proc.wait(timeout=30) == 0, proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
