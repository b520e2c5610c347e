# test_poll.py: a live refresh (`:poll`, one tick of the refresh timer)
# against a store the real MLflow client writes to after mltop's first
# load, on the SQLite file and through a real `mlflow server`: the poll
# shows the new point of a running run and a run that started since, and
# it is incremental: a finished run is not read again (a rename shows
# only after `:refresh`, the full reload).
import time

import pytest

from scripted import Scripted

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

    d = Scripted(mltop_bin, uri, tmp_path)
    try:
        d.say(":runs poll-me")
        before = d.screen("before")
        assert "live-run" in before and "done-run" in before, before
        assert "0.6 " in before, before

        # Another writer, after the first load.
        client.log_metric(live, "loss", 0.0123, step=5)
        fresh = _start_run(client, exp, "fresh-run")
        client.log_metric(fresh, "loss", 0.777, step=0)
        client.set_tag(done, "mlflow.runName", "renamed-run")

        d.say(":poll")
        d.dump("polled")
        d.say(":refresh")
        d.dump("refreshed")
        polled = d.read("polled")
        refreshed = d.read("refreshed")
    finally:
        code = d.close()
    assert code == 0, d.errors()

    live_line = next((ln for ln in polled.splitlines() if "live-run" in ln),
                     "")
    assert "0.0123" in live_line, f"the poll missed the new point:\n{polled}"
    assert "fresh-run" in polled, f"the poll missed the new run:\n{polled}"
    assert "0.777" in polled, polled
    assert "done-run" in polled and "renamed-run" not in polled, \
        f"the poll read a finished run again (not incremental):\n{polled}"
    assert "renamed-run" in refreshed and "done-run" not in refreshed, \
        f":refresh did not reload the finished run:\n{refreshed}"


@pytest.mark.parametrize("where", ["file", "server"])
def test_poll_reads_the_last_point_of_a_run_that_ended(
        mltop_bin, tmp_path, monkeypatch, server_factory, where):
    """A training script logs its final metrics and ends its run between
    two polls: the poll that sees the run FINISHED shows those values
    (the SQLite poll used to read latest metrics only of runs still
    RUNNING in the store, so the final loss stayed at the one before)."""
    from mlflow import MlflowClient
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "ended.db"
    file_uri = "sqlite:///" + str(db)
    MlflowClient(tracking_uri=file_uri).search_experiments()
    uri = server_factory(store=db).url if where == "server" else file_uri
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("ends")
    run = _start_run(client, exp, "ending-run")
    client.log_metric(run, "loss", 0.5, step=0)

    d = Scripted(mltop_bin, uri, tmp_path)
    try:
        d.say(":runs ends")
        before = d.screen("before")
        client.log_metric(run, "loss", 0.0321, step=1)
        client.set_terminated(run, "FINISHED")
        d.say(":poll")
        polled = d.screen("polled")
    finally:
        code = d.close()
    assert code == 0, d.errors()
    line = next((ln for ln in before.splitlines() if "ending-run" in ln), "")
    assert "0.5" in line, before
    line = next((ln for ln in polled.splitlines() if "ending-run" in ln), "")
    assert "0.0321" in line, f"the last point is missing:\n{polled}"
    assert "0 running" in polled, polled
