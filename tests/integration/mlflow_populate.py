# mlflow_populate.py: fills a tracking store with the cases that break
# dashboards, using only the real MLflow client (fluent API for nesting).
#
# Works with MLflow 2.x and 3.x alike: the tests run it in-process with the
# pinned 3.x, and as `python mlflow_populate.py URI` inside .venv-mlflow2 so
# that a store written by a 2.x release can be checked too. Prints a JSON
# manifest (ids of what it made) when run as a script.
import json
import sys

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

# Fixed timestamps keep stores comparable between runs and releases.
T0 = 1_700_000_000_000

ESC_NAME = "\x1b[2J\x1b]0;pwned\x07evil"
# A C1 CSI (U+009B) is as dangerous as ESC [ on terminals that honour it.
C1_NAME = "c1\u009b31mred\u0085nel"
NEWLINE_NAME = "two\nlines\rcr\ttab\x0bvt"
UNICODE_NAME = "学習 🚀 تدريب עברית \u202eevil\u202c 👩‍💻"
UNICODE_EXP = "実験 🧪 مرحبا"
ESC_EXP = "\x1b[31mred-exp\x1b[0m\x07"

# Length limits come from the client itself: MLflow 3.17.2 and 3.18.0 allow a param
# value of 6000 characters and a tag value of 8000 (longer ones are silently
# truncated), 2.9.2 allows 6000 and 5000 (longer ones raise). Experiment
# names may hold 500 characters in 3.x (2.x sets no limit; 500 is used for
# both). A run name has no client-side limit on SQLite (the 250-wide column
# is not enforced; 10,000 characters went through 3.17.2), so runs use the
# 5,000 the test plan asks for.
try:
    from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH as PARAM_MAX
    from mlflow.utils.validation import MAX_TAG_VAL_LENGTH as TAG_MAX
except ImportError:
    PARAM_MAX, TAG_MAX = 6000, 5000
EXP_NAME_MAX = 500
LONG = 5000


def _long(seed, n):
    """n characters (not bytes) mixing ASCII, CJK, emoji and Arabic."""
    unit = seed + "長🙂ب-"
    s = (unit * (n // len(unit) + 1))[:n]
    assert len(s) == n
    return s


def _batch(client, run_id, metrics=(), params=(), tags=()):
    metrics = list(metrics)
    # MLflow caps a batch at 1000 metrics.
    for i in range(0, max(len(metrics), 1), 1000):
        client.log_batch(run_id, metrics=metrics[i:i + 1000],
                         params=list(params) if i == 0 else [],
                         tags=list(tags) if i == 0 else [])


def populate(uri, tmpdir=None):
    client = MlflowClient(tracking_uri=uri)
    m = {"experiments": {}, "runs": {}}

    def exp(label, name, **kw):
        eid = client.create_experiment(name, **kw)
        m["experiments"][label] = eid
        return eid

    def run(label, eid, name, **kw):
        r = client.create_run(eid, run_name=name, start_time=kw.pop(
            "start_time", T0), **kw)
        m["runs"][label] = r.info.run_id
        return r.info.run_id

    art = (tmpdir + "/artifacts") if tmpdir else None
    main = exp("main", "mltop edge cases",
               artifact_location=art,
               tags={"team": "視覚 🎯", "long": _long("x", LONG),
                     "esc": ESC_NAME})
    uni_exp = exp("unicode", UNICODE_EXP)
    esc_exp = exp("escape", ESC_EXP)
    exp("longname", _long("E", EXP_NAME_MAX))
    gone = exp("deleted", "deleted experiment")

    # Special float values, each as the latest value of its own key.
    rid = run("numbers", main, "numbers", start_time=T0 + 1)
    specials = {
        "nan": float("nan"),
        "pinf": float("inf"),
        "ninf": float("-inf"),
        "tenth_sum": 0.1 + 0.2,
        "subnormal": 5e-324,
        "tiny": 1e-320,
        "big_int": float(2 ** 53 + 1),
        "huge": 1e308,
        "neg": -123.456e-7,
        "int_like": 12345.0,
        "zero": 0.0,
    }
    _batch(client, rid, metrics=[
        Metric(k, v, T0 + 10, 0) for k, v in specials.items()])
    # A history that passes through NaN and both infinities.
    _batch(client, rid, metrics=[
        Metric("mixed", v, T0 + 20 + s, s)
        for s, v in enumerate([1.0, float("nan"), float("inf"), 2.5,
                               float("-inf"), float("nan")])])
    client.set_terminated(rid, status="FINISHED", end_time=T0 + 100)

    # Unicode everywhere a user can put it.
    rid = run("unicode", main, UNICODE_NAME, start_time=T0 + 2)
    _batch(client, rid,
           metrics=[Metric("損失/loss", 0.5, T0 + 30, 3),
                    Metric("تجربة", 1.5, T0 + 30, 3)],
           params=[Param("模型", "トランスフォーマー 🤖"),
                   Param("rtl", "مرحبا بالعالم \u202eabc"),
                   Param("emoji", "👩‍👩‍👧‍👦 🏳️‍🌈 ✔︎")],
           tags=[RunTag("note", "混合 text עם עברית 🚀"),
                 RunTag("combining", "e\u0301 a\u0308 \u200b zwsp")])

    # Longest values the client accepts (see the limits above).
    rid = run("long", main, _long("R", LONG), start_time=T0 + 3)
    _batch(client, rid,
           metrics=[Metric("m", 1.0, T0 + 40, 1)],
           params=[Param("p5000", _long("p", LONG)),
                   Param("pmax", _long("P", PARAM_MAX))],
           tags=[RunTag("t5000", _long("t", LONG)),
                 RunTag("tmax", _long("T", TAG_MAX))])

    # Terminal escape sequences and other control characters.
    rid = run("escape", main, ESC_NAME, start_time=T0 + 4)
    _batch(client, rid,
           metrics=[Metric("m", 2.0, T0 + 50, 1)],
           params=[Param("esc", "\x1b[1;31mbold\x1b[0m\r\nline2\ttab\x08\x7f"),
                   Param("c1", C1_NAME)],
           tags=[RunTag("esc", ESC_NAME), RunTag("ctl", "\x01\x02\x1f")])
    run("c1", main, C1_NAME, start_time=T0 + 5)
    # Line breaks and tabs in a name must not break a table row.
    run("newline", main, NEWLINE_NAME, start_time=T0 + 5)

    # A long training history, logged fast with batches.
    rid = run("history", main, "history", start_time=T0 + 6)
    _batch(client, rid, metrics=[
        Metric("loss", 1.0 / (s + 1), T0 + 1000 + s, s)
        for s in range(10_000)])
    _batch(client, rid, metrics=[
        Metric("echo", float(s), T0 + 1000 + s, s) for s in range(10_000)])
    client.set_terminated(rid, status="FINISHED", end_time=T0 + 20_000)

    # Several values at one step: differing timestamps, an exact
    # (step, timestamp) tie, and a later timestamp at a lower step (the
    # latest value is decided by step first).
    rid = run("same_step", main, "same step", start_time=T0 + 7)
    _batch(client, rid, metrics=[
        Metric("multi", 1.0, T0 + 60, 5),
        Metric("multi", 2.0, T0 + 61, 5),
        Metric("multi", 3.0, T0 + 62, 5),
        Metric("multi", 4.0, T0 + 62, 5),
        Metric("multi", 9.0, T0 + 99, 4),
        Metric("multi", 0.5, T0 + 10, 0),
        Metric("tie", 7.0, T0 + 70, 1),
        Metric("tie", 8.0, T0 + 70, 1),
        Metric("tie", 6.0, T0 + 70, 1),
    ])

    # Every terminal status.
    for status, off in (("FAILED", 8), ("KILLED", 9)):
        rid = run(status.lower(), main, status.lower(), start_time=T0 + off)
        client.set_terminated(rid, status=status, end_time=T0 + off + 50)
    # A run with nothing logged and no end time.
    run("empty", main, "empty", start_time=T0 + 10)

    # Deleted runs: one soft-deleted, one in a deleted experiment.
    rid = run("deleted_run", main, "deleted run", start_time=T0 + 11)
    _batch(client, rid, metrics=[Metric("m", 3.0, T0 + 80, 1)],
           params=[Param("p", "v")])
    client.delete_run(rid)
    rid = run("in_deleted_exp", gone, "in deleted exp", start_time=T0 + 12)
    _batch(client, rid, metrics=[Metric("m", 4.0, T0 + 90, 1)])
    client.delete_experiment(gone)

    # Nested runs the way a user makes them: the fluent API sets
    # mlflow.parentRunId on the children.
    old_uri = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        mlflow.set_experiment(experiment_id=uni_exp)
        with mlflow.start_run(run_name="parent 親") as parent:
            m["runs"]["parent"] = parent.info.run_id
            mlflow.log_param("level", "0")
            for i in range(2):
                with mlflow.start_run(run_name=f"child {i} 子",
                                      nested=True) as child:
                    m["runs"][f"child{i}"] = child.info.run_id
                    mlflow.log_metric("score", i * 10 + 0.25, step=i)
                    mlflow.log_param("level", "1")
    finally:
        mlflow.set_tracking_uri(old_uri)

    rid = run("esc_exp_run", esc_exp, "run in escape exp", start_time=T0 + 13)
    client.log_metric(rid, "m", 5.0, timestamp=T0 + 95, step=2)
    return m


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print("usage: mlflow_populate.py TRACKING_URI [TMPDIR]",
              file=sys.stderr)
        sys.exit(1)
    manifest = populate(sys.argv[1], sys.argv[2] if len(sys.argv) > 2
                        else None)
    json.dump(manifest, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
