# compare.py: checks mltop's JSON against the MLflow client's readout,
# field by field, and names every difference (path, expected, got).
#
# The expected side comes from mlflow_readout.py, already in mltop's shape;
# the mltop side is also checked against the documented shape (exact key
# sets, integer times, "NaN" for NaN) before values are compared.
import math

INT_FIELDS = {"timestamp", "step", "start_time", "end_time",
              "creation_time", "last_update_time"}
EXPERIMENT_KEYS = {"experiment_id", "name", "artifact_location",
                   "lifecycle_stage", "creation_time", "last_update_time"}
RUN_INFO_KEYS = {"run_id", "run_uuid", "run_name", "experiment_id",
                 "user_id", "status", "start_time", "artifact_uri",
                 "lifecycle_stage"}
METRIC_KEYS = {"key", "value", "timestamp", "step"}
MAX_REPORTED = 40


def short(v, n=80):
    r = repr(v)
    if len(r) <= n:
        return r
    return f"{r[:n]}... ({len(v) if isinstance(v, str) else len(r)} chars)"


def describe_str_diff(a, b):
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y),
             min(len(a), len(b)))
    return (f"lengths {len(a)} vs {len(b)}, first difference at char {i}: "
            f"expected {a[i:i + 12]!r} got {b[i:i + 12]!r}")


class Diffs:
    def __init__(self, what):
        self.what = what
        self.items = []

    def add(self, path, msg):
        self.items.append(f"{path}: {msg}")

    def check(self):
        if not self.items:
            return
        shown = self.items[:MAX_REPORTED]
        more = len(self.items) - len(shown)
        text = "\n  ".join(shown)
        if more:
            text += f"\n  ... and {more} more"
        raise AssertionError(
            f"{self.what}: mltop disagrees with the MLflow client "
            f"({len(self.items)} differences):\n  {text}")


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def same_value(a, b):
    """Equality where NaN (float or the string "NaN") equals itself."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
    if type(a) is not type(b):
        # 12345 and 12345.0 are the same number; a string never equals
        # a number ("NaN" vs 1.0 is a real difference).
        if _is_int(a) and isinstance(b, float) or \
           isinstance(a, float) and _is_int(b):
            return float(a) == float(b)
        return False
    return a == b


def value_diff(d, path, exp, got):
    if same_value(exp, got):
        return
    if isinstance(exp, str) and isinstance(got, str):
        d.add(path, f"expected {short(exp)} got {short(got)} "
                    f"({describe_str_diff(exp, got)})")
    else:
        d.add(path, f"expected {short(exp)} got {short(got)}")


def _shape_obj(d, path, obj, required, optional=()):
    if not isinstance(obj, dict):
        d.add(path, f"expected an object, got {short(obj)}")
        return False
    keys = set(obj)
    missing = required - keys
    extra = keys - required - set(optional)
    if missing:
        d.add(path, f"missing keys {sorted(missing)}")
    if extra:
        d.add(path, f"unexpected keys {sorted(extra)}")
    for k in keys & INT_FIELDS:
        if not _is_int(obj[k]):
            d.add(f"{path}.{k}", f"expected an integer, got {short(obj[k])}")
    return True


def _kv_map(d, path, lst, who):
    """A [{"key","value"}] list as a dict; reports duplicates, bad shape."""
    out = {}
    if not isinstance(lst, list):
        d.add(path, f"{who}: expected a list, got {short(lst)}")
        return out
    for i, kv in enumerate(lst):
        if not isinstance(kv, dict) or set(kv) != {"key", "value"}:
            d.add(f"{path}[{i}]", f"{who}: expected {{key, value}}, "
                                  f"got {short(kv)}")
            continue
        if kv["key"] in out:
            d.add(f"{path}[key={short(kv['key'], 40)}]",
                  f"{who}: key listed twice")
        if not isinstance(kv["value"], str):
            d.add(f"{path}[key={short(kv['key'], 40)}]",
                  f"{who}: value is not a string: {short(kv['value'])}")
        out[kv["key"]] = kv["value"]
    return out


def _metric_map(d, path, lst, who):
    out = {}
    if not isinstance(lst, list):
        d.add(path, f"{who}: expected a list, got {short(lst)}")
        return out
    for i, m in enumerate(lst):
        if not _shape_obj(d, f"{path}[{i}]", m, METRIC_KEYS):
            continue
        if m.get("key") in out:
            d.add(f"{path}[key={short(m.get('key'), 40)}]",
                  f"{who}: key listed twice")
        _check_metric_value(d, f"{path}[key={short(m.get('key'), 40)}]", m)
        out[m.get("key")] = m
    return out


def _check_metric_value(d, path, m):
    v = m.get("value")
    if isinstance(v, str):
        if v != "NaN":
            d.add(f"{path}.value", f"only NaN may be a string, got {short(v)}")
    elif not (isinstance(v, (int, float)) and not isinstance(v, bool)):
        d.add(f"{path}.value", f"expected a number, got {short(v)}")


def _diff_maps(d, path, exp, got, what):
    for k in exp.keys() - got.keys():
        d.add(f"{path}[key={short(k, 40)}]", f"{what} missing in mltop")
    for k in got.keys() - exp.keys():
        d.add(f"{path}[key={short(k, 40)}]",
              f"{what} not known to the client (got {short(got[k])})")
    for k in exp.keys() & got.keys():
        e, g = exp[k], got[k]
        if isinstance(e, dict):
            for f in e:
                value_diff(d, f"{path}[key={short(k, 40)}].{f}", e[f],
                           g.get(f))
        else:
            value_diff(d, f"{path}[key={short(k, 40)}]", e, g)


def compare_experiments(expected, got, what="experiments"):
    d = Diffs(what)
    if not isinstance(got, dict) or set(got) != {"experiments"}:
        d.add("$", f"expected {{\"experiments\": [...]}}, got keys "
                   f"{sorted(got) if isinstance(got, dict) else short(got)}")
        d.check()
    exp_by_id = {e["experiment_id"]: e for e in expected["experiments"]}
    got_by_id = {}
    for i, e in enumerate(got["experiments"]):
        if not _shape_obj(d, f"experiments[{i}]", e, EXPERIMENT_KEYS,
                          {"tags"}):
            continue
        if "tags" in e and e["tags"] == []:
            d.add(f"experiments[{i}].tags", "empty tags must be omitted")
        eid = e.get("experiment_id")
        if not isinstance(eid, str):
            d.add(f"experiments[{i}].experiment_id",
                  f"expected a string, got {short(eid)}")
        if eid in got_by_id:
            d.add(f"experiments[id={eid}]", "listed twice")
        got_by_id[eid] = e
    for eid in exp_by_id.keys() - got_by_id.keys():
        d.add(f"experiments[id={eid}]",
              f"missing in mltop (name {short(exp_by_id[eid]['name'])})")
    for eid in got_by_id.keys() - exp_by_id.keys():
        d.add(f"experiments[id={eid}]", "not listed by the client")
    for eid in exp_by_id.keys() & got_by_id.keys():
        e, g = exp_by_id[eid], got_by_id[eid]
        p = f"experiments[id={eid}]"
        for f in EXPERIMENT_KEYS:
            value_diff(d, f"{p}.{f}", e[f], g.get(f))
        _diff_maps(d, f"{p}.tags", _kv_map(d, f"{p}.tags", e.get("tags", []),
                                           "client"),
                   _kv_map(d, f"{p}.tags", g.get("tags", []), "mltop"),
                   "tag")
    d.check()


def compare_runs(expected, got, what="runs", allow_extra=None):
    """allow_extra(run) -> True lets mltop list a run the client did not."""
    d = Diffs(what)
    if not isinstance(got, dict) or set(got) != {"runs"}:
        d.add("$", f"expected {{\"runs\": [...]}}, got keys "
                   f"{sorted(got) if isinstance(got, dict) else short(got)}")
        d.check()
    exp_by_id = {r["info"]["run_id"]: r for r in expected["runs"]}
    got_by_id = {}
    for i, r in enumerate(got["runs"]):
        p = f"runs[{i}]"
        if not _shape_obj(d, p, r, {"info", "data"}):
            continue
        if not _shape_obj(d, f"{p}.info", r["info"], RUN_INFO_KEYS,
                          {"end_time"}):
            continue
        if not _shape_obj(d, f"{p}.data", r["data"],
                          {"metrics", "params", "tags"}):
            continue
        rid = r["info"].get("run_id")
        if rid in got_by_id:
            d.add(f"runs[id={rid}]", "listed twice")
        got_by_id[rid] = r
    for rid in exp_by_id.keys() - got_by_id.keys():
        d.add(f"runs[id={rid}]", "missing in mltop (run_name "
              f"{short(exp_by_id[rid]['info']['run_name'], 40)}, "
              f"lifecycle_stage {exp_by_id[rid]['info']['lifecycle_stage']})")
    for rid in got_by_id.keys() - exp_by_id.keys():
        if allow_extra and allow_extra(got_by_id[rid]):
            continue
        d.add(f"runs[id={rid}]", "not listed by the client (lifecycle_stage "
              f"{got_by_id[rid]['info'].get('lifecycle_stage')})")
    for rid in exp_by_id.keys() & got_by_id.keys():
        e, g = exp_by_id[rid], got_by_id[rid]
        p = f"runs[id={rid}]"
        if "end_time" in e["info"] and "end_time" not in g["info"]:
            d.add(f"{p}.info.end_time",
                  f"expected {e['info']['end_time']}, mltop omitted it")
        if "end_time" not in e["info"] and "end_time" in g["info"]:
            d.add(f"{p}.info.end_time", "client has no end time (null) but "
                  f"mltop gave {short(g['info']['end_time'])}")
        for f in e["info"]:
            if f in g["info"]:
                value_diff(d, f"{p}.info.{f}", e["info"][f], g["info"][f])
        _diff_maps(d, f"{p}.data.metrics",
                   _metric_map(d, f"{p}.data.metrics", e["data"]["metrics"],
                               "client"),
                   _metric_map(d, f"{p}.data.metrics", g["data"]["metrics"],
                               "mltop"), "metric")
        for part in ("params", "tags"):
            _diff_maps(d, f"{p}.data.{part}",
                       _kv_map(d, f"{p}.data.{part}", e["data"][part],
                               "client"),
                       _kv_map(d, f"{p}.data.{part}", g["data"][part],
                               "mltop"), part[:-1])
    d.check()


def _hist_sort_key(m):
    v = m["value"]
    # Points with equal (step, timestamp) have no defined order; compare
    # them as a multiset by sorting on the value too (NaN first).
    return (m["step"], m["timestamp"],
            (0, 0.0) if v == "NaN" else (1, float(v)))


def compare_history(expected, got, what="metric history"):
    """Same points; mltop's in (step, timestamp) order as documented."""
    d = Diffs(what)
    if not isinstance(got, dict) or set(got) != {"metrics"}:
        d.add("$", f"expected {{\"metrics\": [...]}}, got "
                   f"{sorted(got) if isinstance(got, dict) else short(got)}")
        d.check()
    pts = got["metrics"]
    ok = True
    for i, m in enumerate(pts):
        if not _shape_obj(d, f"metrics[{i}]", m, METRIC_KEYS):
            ok = False
            continue
        _check_metric_value(d, f"metrics[{i}]", m)
    d.check()
    for i in range(1, len(pts)):
        a, b = pts[i - 1], pts[i]
        if (a["step"], a["timestamp"]) > (b["step"], b["timestamp"]):
            d.add(f"metrics[{i}]", "not ordered by (step, timestamp): "
                  f"({a['step']}, {a['timestamp']}) before "
                  f"({b['step']}, {b['timestamp']})")
            break
    if len(pts) != len(expected["metrics"]):
        d.add("metrics", f"expected {len(expected['metrics'])} points, "
                         f"got {len(pts)}")
    if ok:
        es = sorted(expected["metrics"], key=_hist_sort_key)
        gs = sorted(pts, key=_hist_sort_key)
        for i, (e, g) in enumerate(zip(es, gs)):
            for f in METRIC_KEYS:
                value_diff(d, f"metrics[sorted {i}].{f}", e[f], g[f])
    d.check()
