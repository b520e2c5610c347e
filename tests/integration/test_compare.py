# test_compare.py: `mltop compare RUN_ID RUN_ID... [--json] [--diff]` on runs
# the real MLflow client made with known differences, checked against what
# the client reads back (params, tags, latest metrics, min/max over
# get_metric_history), on the SQLite file and through a real `mlflow
# server` on it: both must print the same bytes.
import math
import re
import sys
import time

import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

from conftest import parse_json

DBL_MAX = sys.float_info.max
T0 = 1_795_788_192_000          # 2026-11-27 14:03:12 UTC
UTC = {"TZ": "UTC"}
NAN = float("nan")
INF = float("inf")

# What a metric's name says (mltop(1)): lower is better for loss, err,
# latency...; higher otherwise.
DIRECTION = {"val_loss": "lower", "accuracy": "higher", "weird": "higher",
             "latency_ms": "lower", "only_c": "higher", "top1_err": "lower"}


def _metrics(key, values, t=T0):
    return [Metric(key, v, t + 1000 * s, s) for s, v in enumerate(values)]


def _make_runs(uri, art):
    """Three runs in two experiments, differing on purpose."""
    c = MlflowClient(tracking_uri=uri)
    ea = c.create_experiment("compare a", artifact_location=art + "/a")
    eb = c.create_experiment("compare b", artifact_location=art + "/b")
    spec = {
        # label: experiment, status, duration ms, params, tags, metrics
        "ra": (ea, "FINISHED", 185_000,
               {"lr": "0.01", "opt": "adam", "batch": "32", "seed": "42",
                "only_a": "yes"},
               {"team": "x", "project": "p", "mlflow.source.name": "train.py"},
               {"val_loss": [0.9, 0.5, 0.3, 0.4],
                "accuracy": [0.6, 0.8, 0.85],
                "weird": [1.0, NAN],
                "latency_ms": [12.0, 10.0],
                "top1_err": [0.5, 0.2]}),
        "rb": (ea, "FAILED", 12_000,
               {"lr": "0.01", "opt": "sgd", "batch": "32", "seed": "42"},
               {"team": "x", "project": "p", "mlflow.source.name": "train.py"},
               {"val_loss": [1.0, 0.35],
                "accuracy": [0.7, 0.9],
                "weird": [INF],
                "latency_ms": [20.0, 8.0],
                "top1_err": [0.4, 0.2]}),
        "rc": (eb, "KILLED", 8_040_000,
               {"lr": "0.1", "opt": "adam", "seed": "42"},
               {"team": "y", "project": "p", "mlflow.source.name": "eval.py"},
               {"val_loss": [0.8, 0.2, NAN],
                "accuracy": [0.5, 0.95],
                "weird": [-INF, 3.0],
                "only_c": [1.0, 2.0, 3.0],
                "top1_err": [0.9, 0.7]}),
    }
    ids = {}
    for n, (label, (eid, status, dur, params, tags, mets)) in \
            enumerate(spec.items()):
        start = T0 + 60_000 * n
        r = c.create_run(eid, run_name=label, start_time=start)
        rid = r.info.run_id
        metrics = [m for k, v in mets.items() for m in _metrics(k, v, start)]
        c.log_batch(rid, metrics=metrics,
                    params=[Param(k, v) for k, v in params.items()],
                    tags=[RunTag(k, v) for k, v in tags.items()])
        c.set_terminated(rid, status=status, end_time=start + dur)
        ids[label] = rid
    return ids


@pytest.fixture(scope="module")
def cmp_store(tmp_path_factory, server_factory):
    """(file uri, server url, run ids by label): one store, two ways in."""
    d = tmp_path_factory.mktemp("compare")
    path = d / "mlflow.db"
    uri = "sqlite:///" + str(path)
    MlflowClient(tracking_uri=uri).search_experiments()
    ids = _make_runs(uri, str(d / "artifacts"))
    srv = server_factory(store=path)
    return uri, srv.url, ids


def both(mltop, uri, url, args):
    """Run on the file and over HTTP; same exit 0 and same bytes."""
    cmd = "mltop " + " ".join(map(str, args))
    f = mltop.run("-u", uri, *args, env=UTC)
    h = mltop.run("-u", url, *args, env=UTC)
    assert f.returncode == 0, f"`{cmd}` on sqlite: {f.returncode} {f.stderr!r}"
    assert h.returncode == 0, f"`{cmd}` over http: {h.returncode} {h.stderr!r}"
    assert f.stderr == b"" and h.stderr == b"", (f.stderr, h.stderr)
    assert f.stdout == h.stdout, (f"`{cmd}`: http output differs from "
                                  f"sqlite:\n{f.stdout!r}\n{h.stdout!r}")
    return f.stdout


# ---- what the MLflow client reads ------------------------------------------

def _finite(v):
    return math.isfinite(v) and abs(v) != DBL_MAX


def _num(v):
    return "NaN" if isinstance(v, float) and math.isnan(v) else v


def _row(key, values):
    present = [v for v in values]
    return {"key": key, "values": present,
            "differs": any(v != present[0] for v in present)}


def _duration(ms):
    s = ms // 1000
    if ms < 1000:
        return f"{ms}ms"
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def expected(client, ids):
    """mltop compare --json, built from the client's own reads."""
    runs = [client.get_run(i) for i in ids]
    out = {"runs": [{"run_id": r.info.run_id, "run_name": r.info.run_name,
                     "experiment_id": r.info.experiment_id} for r in runs]}
    info = {
        "status": [r.info.status for r in runs],
        "start": [time.strftime("%Y-%m-%d %H:%M",
                                time.gmtime(r.info.start_time / 1000))
                  for r in runs],
        "duration": [_duration(r.info.end_time - r.info.start_time)
                     for r in runs],
        "user": [r.info.user_id for r in runs],
        "source": [r.data.tags.get("mlflow.source.name") for r in runs],
        "experiment": [client.get_experiment(r.info.experiment_id).name
                       for r in runs],
    }
    out["info"] = [_row(k, v) for k, v in info.items()]
    for what in ("params", "tags"):
        keys = sorted({k for r in runs for k in getattr(r.data, what)})
        out[what] = [_row(k, [getattr(r.data, what).get(k) for r in runs])
                     for k in keys]
    metrics = []
    for key in sorted({k for r in runs for k in r.data.metrics}):
        d = DIRECTION[key]
        last, lo, hi = [], [], []
        for r in runs:
            if key not in r.data.metrics:
                last.append(None)
                lo.append(None)
                hi.append(None)
                continue
            last.append(_num(r.data.metrics[key]))
            hist = [m.value for m in client.get_metric_history(
                r.info.run_id, key)]
            fin = [v for v in hist if _finite(v)]
            lo.append(min(fin) if fin else "NaN")
            hi.append(max(fin) if fin else "NaN")
        holders = [i for i, r in enumerate(runs) if key in r.data.metrics]
        cands = [i for i in holders if _finite(runs[i].data.metrics[key])]
        best = None
        if len(holders) >= 2 and cands:
            pick = min if d == "lower" else max
            bv = pick(runs[i].data.metrics[key] for i in cands)
            best = runs[next(i for i in cands
                             if runs[i].data.metrics[key] == bv)].info.run_id
        metrics.append({"key": key, "direction": d, "last": last,
                        "min": lo, "max": hi, "best": best})
    out["metrics"] = metrics
    return out


def check_against_client(got, want):
    assert got["runs"] == want["runs"]
    for part in ("info", "params", "tags"):
        assert [r["key"] for r in got[part]] == \
            [r["key"] for r in want[part]], part
        for g, w in zip(got[part], want[part]):
            assert g == w, f"{part} row {w['key']!r}: got {g}, want {w}"
    assert [m["key"] for m in got["metrics"]] == \
        [m["key"] for m in want["metrics"]]
    for g, w in zip(got["metrics"], want["metrics"]):
        assert g == w, f"metric {w['key']!r}: got {g}, want {w}"


# ---- the tests ---------------------------------------------------------------

@pytest.mark.parametrize("order", [("ra", "rb", "rc"), ("rc", "ra", "rb"),
                                   ("rb", "rc")],
                         ids=["abc", "cab", "bc"])
def test_json_matches_client(mltop, cmp_store, order):
    uri, url, ids = cmp_store
    run_ids = [ids[k] for k in order]
    out = both(mltop, uri, url, ["compare", *run_ids, "--json"])
    got = parse_json(out.decode("utf-8"), "compare --json")
    want = expected(MlflowClient(tracking_uri=url), run_ids)
    # The client reads the file the same way.
    assert want == expected(MlflowClient(tracking_uri=uri), run_ids)
    check_against_client(got, want)


def test_known_differences(mltop, cmp_store):
    """The values the runs were made with, spelled out: a check of the
    check above."""
    uri, url, ids = cmp_store
    a, b, c = ids["ra"], ids["rb"], ids["rc"]
    got = parse_json(both(mltop, uri, url, ["compare", a, b, c, "--json"])
                     .decode(), "compare --json")
    params = {r["key"]: r for r in got["params"]}
    assert params["seed"] == {"key": "seed", "values": ["42"] * 3,
                              "differs": False}
    assert params["batch"]["values"] == ["32", "32", None]
    assert params["batch"]["differs"] is True
    assert params["only_a"]["values"] == ["yes", None, None]
    assert params["opt"]["differs"] is True
    assert params["lr"]["values"] == ["0.01", "0.01", "0.1"]
    info = {r["key"]: r for r in got["info"]}
    assert info["status"]["values"] == ["FINISHED", "FAILED", "KILLED"]
    assert info["start"]["values"] == ["2026-11-27 14:03", "2026-11-27 14:04",
                                       "2026-11-27 14:05"]
    assert info["duration"]["values"] == ["3m05s", "12s", "2h14m"]
    assert info["experiment"]["differs"] is True
    assert info["user"]["differs"] is False
    m = {x["key"]: x for x in got["metrics"]}
    assert m["val_loss"]["direction"] == "lower"
    assert m["val_loss"]["last"] == [0.4, 0.35, "NaN"]
    assert m["val_loss"]["min"] == [0.3, 0.35, 0.2]
    assert m["val_loss"]["max"] == [0.9, 1.0, 0.8]
    assert m["val_loss"]["best"] == b, "0.35 beats 0.4; NaN never wins"
    assert m["accuracy"]["best"] == c
    assert m["latency_ms"]["best"] == b
    assert m["latency_ms"]["last"] == [10.0, 8.0, None]
    assert m["weird"]["last"] == ["NaN", DBL_MAX, 3.0]
    assert m["weird"]["min"] == [1.0, "NaN", 3.0]
    assert m["weird"]["best"] == c, "stored infinity never wins"
    assert m["only_c"]["best"] is None, "one run: no contest"
    assert m["top1_err"]["best"] == a, "a tie goes to the first run given"


def test_diff(mltop, cmp_store):
    uri, url, ids = cmp_store
    run_ids = [ids["ra"], ids["rb"], ids["rc"]]
    full = parse_json(both(mltop, uri, url, ["compare", *run_ids, "--json"])
                      .decode(), "compare --json")
    diff = parse_json(both(mltop, uri, url,
                           ["compare", *run_ids, "--json", "--diff"])
                      .decode(), "compare --json --diff")
    for part in ("info", "params", "tags"):
        assert diff[part] == [r for r in full[part] if r["differs"]], part
        assert all(r["differs"] for r in diff[part])
    assert diff["metrics"] == full["metrics"]
    assert diff["runs"] == full["runs"]
    keys = {p: {r["key"] for r in diff[p]} for p in ("info", "params", "tags")}
    assert "seed" not in keys["params"] and "lr" in keys["params"]
    assert "project" not in keys["tags"] and "team" in keys["tags"]
    assert "user" not in keys["info"] and "status" in keys["info"]
    # Two runs alike in their params: --diff leaves only what differs.
    two = parse_json(both(mltop, uri, url, ["compare", ids["ra"], ids["rb"],
                                            "--diff", "--json"]).decode(),
                     "compare two --diff")
    assert {r["key"] for r in two["params"]} == {"opt", "only_a"}


def test_table(mltop, cmp_store):
    uri, url, ids = cmp_store
    run_ids = [ids["ra"], ids["rb"], ids["rc"]]
    out = both(mltop, uri, url, ["compare", *run_ids]).decode()
    lines = out.splitlines()
    rows = {}
    for ln in lines:
        f = ln.split()
        if len(f) >= 6 and f[2] in ("last", "min", "max"):
            rows[(f[0], f[2])] = f
    assert rows[("val_loss", "last")][1] == "lower"
    assert rows[("val_loss", "last")][3:] == ["0.4", "0.35*", "NaN"]
    assert rows[("accuracy", "last")][3:] == ["0.85", "0.9", "0.95*"]
    assert rows[("val_loss", "min")][3:] == ["0.3", "0.35", "0.2"]
    assert rows[("latency_ms", "last")][3:] == ["10", "8*", "-"]
    assert sum(ln.count("*") for ln in lines) == 5, out
    params = {ln.split()[0]: ln.split() for ln in lines
              if ln.split() and ln.split()[-1] in ("yes", "no")}
    assert params["seed"] == ["seed", "42", "42", "42", "no"]
    assert params["only_a"] == ["only_a", "yes", "-", "-", "yes"]
    head = next(ln for ln in lines if ln.startswith("PARAM"))
    assert head.split() == ["PARAM", "ra", "rb", "rc", "DIFFERS"]
    assert lines.index(head) < next(i for i, ln in enumerate(lines)
                                    if ln.startswith("METRIC"))
    # The sections of --json, in its order: INFO, PARAM, TAG, METRIC;
    # experiments by name.
    order = [next(i for i, ln in enumerate(lines) if ln.startswith(h))
             for h in ("INFO ", "PARAM ", "TAG ", "METRIC ")]
    assert order == sorted(order), out
    info = {ln.split()[0]: ln.split() for ln in
            lines[order[0]:order[1]] if ln.strip()}
    assert info["status"][1:] == ["FINISHED", "FAILED", "KILLED", "yes"], \
        out
    want = [MlflowClient(tracking_uri=uri).get_experiment(
        MlflowClient(tracking_uri=uri).get_run(ids[k]).info.experiment_id)
        .name for k in ("ra", "rb", "rc")]
    exp_line = next(ln for ln in lines[order[0]:order[1]]
                    if ln.startswith("experiment "))
    assert re.match(r"experiment +" + " +".join(map(re.escape, want)) +
                    " +yes$", exp_line), exp_line
    tags = [ln.split()[0] for ln in lines[order[2]:order[3]] if ln.strip()]
    assert "mlflow.runName" in tags, out
    diff = both(mltop, uri, url, ["compare", *run_ids, "--diff"]).decode()
    assert "seed" not in diff and "only_a" in diff


def test_unknown_run(mltop, cmp_store):
    uri, url, ids = cmp_store
    for u in (uri, url):
        p = mltop.run("-u", u, "compare", ids["ra"], "0123nosuchrun",
                      "--json")
        assert p.returncode == 2, (u, p.returncode, p.stderr)
        assert p.stdout == b""
        assert p.stderr.decode() == "mltop: no run with id 0123nosuchrun\n"
    p = mltop.run("-u", uri, "compare", ids["ra"])
    assert p.returncode == 1 and b"usage" in p.stderr


def test_session_store(mltop, served):
    """The session server's edge cases: special floats, a 10,000-step
    history, several values a step, runs of other experiments, escapes."""
    labels = ["numbers", "history", "same_step", "child0", "escape",
              "empty"]
    run_ids = [served.run_id(k) for k in labels]
    args = ["compare", *run_ids, "--json"]
    f = mltop.run("-u", served.uri, *args, env=UTC)
    h = mltop.run("-u", served.url, *args, env=UTC)
    assert f.returncode == 0 and h.returncode == 0, (f.stderr, h.stderr)
    assert h.stderr == b"", h.stderr
    got = parse_json(f.stdout.decode(), "compare --json (sqlite)")
    over_http = parse_json(h.stdout.decode(), "compare --json (http)")
    # Some of these runs never ended: their duration runs on between the
    # two commands; everything else is the same.
    running = [i for i, v in enumerate(
        next(r for r in got["info"] if r["key"] == "status")["values"])
        if v == "RUNNING"]
    assert running, "the session store has running runs"
    for doc in (got, over_http):
        dur = next(r for r in doc["info"] if r["key"] == "duration")
        for i in running:
            dur["values"][i] = "(running)"
    assert got == over_http
    client = MlflowClient(tracking_uri=served.url)
    runs = [client.get_run(i) for i in run_ids]
    assert [r["run_id"] for r in got["runs"]] == run_ids
    params = {r["key"]: r["values"] for r in got["params"]}
    for i, r in enumerate(runs):
        for k, v in r.data.params.items():
            assert params[k][i] == v
    assert sum(len(r.data.params) for r in runs) == \
        sum(v is not None for vals in params.values() for v in vals)
    tags = {r["key"]: r["values"] for r in got["tags"]}
    for i, r in enumerate(runs):
        for k, v in r.data.tags.items():
            assert tags[k][i] == v, (k, i)
    for m in got["metrics"]:
        for i, r in enumerate(runs):
            if m["key"] not in r.data.metrics:
                assert m["last"][i] is None and m["min"][i] is None
                continue
            assert m["last"][i] == _num(r.data.metrics[m["key"]])
            fin = [p.value for p in client.get_metric_history(
                r.info.run_id, m["key"]) if _finite(p.value)]
            assert m["min"][i] == (min(fin) if fin else "NaN"), m["key"]
            assert m["max"][i] == (max(fin) if fin else "NaN"), m["key"]
    m = {x["key"]: x for x in got["metrics"]}
    assert m["loss"]["min"][1] == 1.0 / 10_000 and m["loss"]["max"][1] == 1.0
    assert m["mixed"]["min"][0] == 1.0 and m["mixed"]["max"][0] == 2.5
    assert m["multi"]["last"][2] == 4.0
    # The table: escapes in names and values never reach the terminal.
    table = both(mltop, served.uri, served.url, ["compare", *run_ids])
    assert b"\x1b" not in table and b"\x07" not in table
    assert b"^[" in table
