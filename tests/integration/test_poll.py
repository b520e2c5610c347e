# test_poll.py: a live refresh (`:poll`, one tick of the refresh timer)
# against a store the real MLflow client writes to after mltop's first
# load, on the SQLite file and through a real `mlflow server`: the poll
# shows the new point of a running run and a run that started since, and
# it is incremental: a finished run is not read again (a rename shows
# only after `:refresh`, the full reload).
import os
import subprocess
import time

import pytest

from conftest import clean_env

DEADLINE = 60.0


def wait_for(pred, timeout, interval=0.05):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


def _start_run(client, exp, name, status=None):
    r = client.create_run(exp, run_name=name)
    if status:
        client.set_terminated(r.info.run_id, status)
    # start_time has millisecond resolution; runs must not share one.
    time.sleep(0.01)
    return r.info.run_id


@pytest.mark.parametrize("where", ["file", "server"])
def test_poll_is_incremental(mltop_bin, tmp_path, monkeypatch,
                             server_factory, where):
    from mlflow import MlflowClient
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "poll.db"
    file_uri = "sqlite:///" + str(db)
    MlflowClient(tracking_uri=file_uri).search_experiments()
    if where == "server":
        uri = server_factory(store=db).url
    else:
        uri = file_uri
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("poll-me")
    done = _start_run(client, exp, "done-run", "FINISHED")
    client.log_metric(done, "loss", 0.5, step=0)
    live = _start_run(client, exp, "live-run")
    for step in range(5):
        client.log_metric(live, "loss", 1.0 - step / 10, step=step)

    keys = tmp_path / "keys"
    os.mkfifo(keys)
    err = open(tmp_path / "mltop.err", "wb")
    proc = subprocess.Popen(
        [str(mltop_bin), "--no-config", "-u", uri],
        cwd=tmp_path, stdout=err, stderr=err,
        env=clean_env({"MLTOP_SCRIPT": str(keys), "COLUMNS": "120",
                       "LINES": "20", "NO_COLOR": "1", "TZ": "UTC"}))
    script = open(keys, "w")

    def say(*lines):
        script.write("".join(line + "\n" for line in lines))
        script.flush()

    def screen(name):
        path = tmp_path / name
        # The next dump's file appears only once this one is whole.
        assert wait_for(lambda: (tmp_path / (name + ".done")).exists()
                        or proc.poll() is not None, DEADLINE), \
            f"mltop wrote no {name} within {DEADLINE} s"
        assert path.exists(), f"mltop exited ({proc.returncode}) before " \
            f"{name}: {(tmp_path / 'mltop.err').read_text()!r}"
        return path.read_text()

    try:
        say(":runs poll-me", ":save-display before",
            ":save-display before.done")
        before = screen("before")
        assert "live-run" in before and "done-run" in before, before
        assert "0.6 " in before, before

        # Another writer, after the first load.
        client.log_metric(live, "loss", 0.0123, step=5)
        fresh = _start_run(client, exp, "fresh-run")
        client.log_metric(fresh, "loss", 0.777, step=0)
        client.set_tag(done, "mlflow.runName", "renamed-run")

        say(":poll", ":save-display polled", ":save-display polled.done",
            ":refresh", ":save-display refreshed",
            ":save-display refreshed.done")
        polled = screen("polled")
        refreshed = screen("refreshed")
    finally:
        script.close()
        try:
            proc.wait(timeout=DEADLINE)
        except Exception:
            proc.kill()
            proc.wait()
        err.close()
    assert proc.returncode == 0, (tmp_path / "mltop.err").read_text()

    live_line = next((ln for ln in polled.splitlines() if "live-run" in ln),
                     "")
    assert "0.0123" in live_line, f"the poll missed the new point:\n{polled}"
    assert "fresh-run" in polled, f"the poll missed the new run:\n{polled}"
    assert "0.777" in polled, polled
    assert "done-run" in polled and "renamed-run" not in polled, \
        f"the poll read a finished run again (not incremental):\n{polled}"
    assert "renamed-run" in refreshed and "done-run" not in refreshed, \
        f":refresh did not reload the finished run:\n{refreshed}"
