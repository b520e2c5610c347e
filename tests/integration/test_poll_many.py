# test_poll_many.py: a poll over an experiment with more live runs than
# SQLite takes parameters in one statement by default (32,766; Debian's
# library takes 250,000): mltop re-reads the runs it holds as RUNNING in
# chunks, and what the real MLflow client
# writes meanwhile (a run finished, a new run, a new point) shows; a poll
# that finds no write in between changes nothing on screen.
import random
import re
import sqlite3
import uuid

from scripted import Scripted

NCOPIES = 33000


def copy_runs(path, template, n, seed=13):
    """n SQL copies of the client's RUNNING template run, with new ids
    (from seed) and older start times (the newest copy is the template's
    second)."""
    db = sqlite3.connect(path)
    cols = [r[1] for r in db.execute("PRAGMA table_info(runs)")]
    row = dict(zip(cols, db.execute("SELECT * FROM runs WHERE run_uuid = ?",
                                    (template,)).fetchone()))
    lcols = [r[1] for r in db.execute("PRAGMA table_info(latest_metrics)")]
    latest = [dict(zip(lcols, r)) for r in db.execute(
        "SELECT * FROM latest_metrics WHERE run_uuid = ?", (template,))]
    rng = random.Random(seed)
    ids, runs, metrics = [], [], []
    for i in range(n):
        rid = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        ids.append(rid)
        r = dict(row, run_uuid=rid, start_time=row["start_time"] - 1 - i)
        if "name" in r:
            r["name"] = f"copy-{i:05d}"
        runs.append(list(r.values()))
        for m in latest:
            metrics.append(list(dict(m, run_uuid=rid).values()))
    with db:
        db.executemany("INSERT INTO runs (%s) VALUES (%s)" % (
            ", ".join(row), ", ".join("?" * len(row))), runs)
        db.executemany("INSERT INTO latest_metrics (%s) VALUES (%s)" % (
            ", ".join(lcols), ", ".join("?" * len(lcols))), metrics)
    db.close()
    return ids


def test_poll_with_more_live_runs_than_sqlite_parameters(mltop_bin,
                                                          tmp_path):
    from mlflow import MlflowClient
    db = tmp_path / "many.db"
    uri = "sqlite:///" + str(db)
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("many-live")
    template = client.create_run(exp, run_name="template").info.run_id
    client.log_metric(template, "loss", 0.5, step=0)
    ids = copy_runs(db, template, NCOPIES)
    total = NCOPIES + 1

    d = Scripted(mltop_bin, uri, tmp_path, cols=140, lines=12)
    try:
        # The view reads a page of runs at first (a window of at most
        # three as the user scrolls); a filter reads them all (this one
        # keeps every run), so the poll has every live run to follow.
        d.say(":runs many-live")
        d.say("/.<Enter>")
        before = d.screen("before")
        assert f"{total} runs shown, {total} running" in before, before

        # The real client, after mltop's load: the newest copy finishes,
        # the second newest logs a point, and a new run starts.
        client.set_terminated(ids[0], "FINISHED")
        client.log_metric(ids[1], "loss", 0.0123, step=1)
        fresh = client.create_run(exp, run_name="fresh-run").info.run_id

        d.say(":poll")
        polled = d.screen("polled")
        d.say(":poll")
        again = d.screen("again")
        # A write after a poll that found none is seen by the next.
        client.log_metric(ids[2], "loss", 0.0456, step=1)
        d.say(":poll")
        later = d.screen("later")
    finally:
        code = d.close()
    assert code == 0, d.errors()
    assert f"{total + 1} runs shown, {total} running" in polled, \
        f"the poll missed the finished run or the new one:\n{polled}"
    assert "fresh-run" in polled, polled
    line = next((ln for ln in polled.splitlines() if "copy-00001" in ln
                 or ids[1][:8] in ln), "")
    assert "0.0123" in line, f"the poll missed the new point:\n{polled}"
    assert "SQL" not in polled and "error" not in polled.lower(), polled
    # Running runs' durations (right-aligned: their padding too) and
    # spinners tick; all else stays.
    def still(text):
        return re.sub(r"[◐◓◑◒]", "*",
                      re.sub(r" +\d+(ms|s|m|h|d)\b", " T", text))
    assert still(again) == still(polled), "a poll with no write between " \
        f"changed the screen:\n{polled}\n---\n{again}"
    line = next((ln for ln in later.splitlines() if "copy-00002" in ln), "")
    assert "0.0456" in line, f"the poll after a quiet one missed a " \
        f"point:\n{later}"
    assert fresh
