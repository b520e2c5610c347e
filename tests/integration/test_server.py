# test_server.py: mltop's scripting commands against a real `mlflow server`
# over HTTP: the output must be byte for byte what the same commands print
# on the server's SQLite file, and agree with what the MLflow client reads
# through the server. Also paging, request counts and HTTP errors.
import json
import unicodedata
import re
import urllib.parse

import pytest

import compare
import servers
from conftest import parse_json

STATS_RE = re.compile(r"^http: (\d+) requests, (\d+) bytes$")


def first_diff(a, b):
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y),
             min(len(a), len(b)))
    return (f"lengths {len(a)} vs {len(b)}, first difference at byte {i}: "
            f"sqlite {a[max(0, i - 60):i + 60]!r}\n"
            f"        http   {b[max(0, i - 60):i + 60]!r}")


def run_both(mltop, served, args, url=None):
    """Runs args on the file and over HTTP; both must succeed with nothing
    on stderr and print the same bytes. Returns the HTTP stdout."""
    url = url or served.url
    cmd = "mltop " + " ".join(map(str, args))
    s = mltop.run("-u", served.uri, *args)
    h = mltop.run("-u", url, *args)
    assert s.returncode == 0, \
        f"`{cmd}` on sqlite exited {s.returncode}: {s.stderr!r}"
    assert h.returncode == 0, \
        f"`{cmd}` over http exited {h.returncode}: {h.stderr!r}"
    assert h.stderr == b"", f"`{cmd}` over http wrote to stderr: " \
                            f"{h.stderr.decode('utf-8', 'replace')!r}"
    assert h.stdout == s.stdout, \
        f"`{cmd}`: http output differs from sqlite output:\n" \
        f"{first_diff(s.stdout, h.stdout)}"
    return h.stdout


def char_index(line, column):
    """The index of the character at a display column (wide characters
    take two columns, combining marks none)."""
    col = 0
    for i, ch in enumerate(line):
        if col >= column:
            return i
        if unicodedata.combining(ch):
            continue
        col += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return len(line)


def as_json(out, what):
    return parse_json(out.decode("utf-8"), what)


# ---- the same output as on the file, and what the client reads ------------

def test_experiments(mltop, served):
    out = run_both(mltop, served, ["experiments", "--json"])
    compare.compare_experiments(served.readout["experiments_active"],
                                as_json(out, "experiments"),
                                "http: experiments --json")


def test_experiments_all(mltop, served):
    out = run_both(mltop, served, ["experiments", "--all", "--json"])
    got = as_json(out, "experiments --all")
    compare.compare_experiments(served.readout["experiments_all"], got,
                                "http: experiments --all --json")
    stage = {e["experiment_id"]: e["lifecycle_stage"]
             for e in got["experiments"]}
    assert stage.get(served.exp_id("deleted")) == "deleted"


def test_runs(mltop, served):
    out = run_both(mltop, served, ["runs", "--json"])
    compare.compare_runs(served.readout["runs_of_active_experiments"],
                         as_json(out, "runs"), "http: runs --json")


def test_runs_all(mltop, served):
    out = run_both(mltop, served, ["runs", "--all", "--json"])
    got = as_json(out, "runs --all")
    deleted_exp = served.exp_id("deleted")
    compare.compare_runs(
        served.readout["runs_of_active_experiments_all"], got,
        "http: runs --all --json",
        allow_extra=lambda r: r["info"].get("experiment_id") == deleted_exp)
    ids = {r["info"]["run_id"]: r for r in got["runs"]}
    assert ids[served.run_id("deleted_run")]["info"]["lifecycle_stage"] == \
        "deleted"


@pytest.mark.parametrize("view", ["active", "all"])
@pytest.mark.parametrize("select_by", ["id", "name"])
def test_runs_per_experiment(mltop, served, view, select_by):
    exps = served.readout["experiments_active"]["experiments"]
    assert len(exps) >= 5
    for exp in exps:
        eid = exp["experiment_id"]
        sel = eid if select_by == "id" else exp["name"]
        args = ["runs", "--experiment", sel, "--json"]
        if view == "all":
            args.insert(-1, "--all")
        out = run_both(mltop, served, args)
        compare.compare_runs(
            served.readout["runs_by_experiment"][eid][view],
            as_json(out, "runs"),
            f"http: runs --experiment {compare.short(sel, 40)} ({view})")


def test_metric_histories(mltop, served):
    active = {r["info"]["run_id"]
              for r in served.readout["runs_of_active_experiments"]["runs"]}
    checked = 0
    for rid, hists in sorted(served.readout["metric_histories"].items()):
        if rid not in active:
            continue
        for key, hist in sorted(hists.items()):
            out = run_both(mltop, served, ["metric", rid, key, "--json"])
            compare.compare_history(hist, as_json(out, "metric"),
                                    f"http: metric {rid} {key!r}")
            checked += 1
    assert checked >= 20, f"only {checked} histories checked"


def test_history_10000_steps(mltop, served):
    out = run_both(mltop, served, ["metric", served.run_id("history"),
                                   "loss", "--json"])
    pts = as_json(out, "metric")["metrics"]
    assert [p["step"] for p in pts] == list(range(10_000))
    bad = [(p["step"], p["value"]) for p in pts
           if p["value"] != 1.0 / (p["step"] + 1)]
    assert not bad, f"{len(bad)} wrong values, first {bad[:3]}"


def test_special_floats(mltop, served):
    out = run_both(mltop, served, ["runs", "--experiment",
                                   served.exp_id("main"), "--json"])
    run = next(r for r in as_json(out, "runs")["runs"]
               if r["info"]["run_id"] == served.run_id("numbers"))
    m = {x["key"]: x["value"] for x in run["data"]["metrics"]}
    assert m["nan"] == "NaN"
    assert m["pinf"] == 1.7976931348623157e308
    assert m["ninf"] == -1.7976931348623157e308
    assert m["subnormal"] == 5e-324
    assert m["tenth_sum"] == 0.1 + 0.2


@pytest.mark.parametrize("args", [
    ["experiments"], ["experiments", "--all"], ["runs"], ["runs", "--all"],
    ["runs", "--experiment", "main"], ["metric", "same_step", "multi"],
], ids=["experiments", "experiments-all", "runs", "runs-all",
        "runs-experiment", "metric"])
def test_tables(mltop, served, args):
    """Plain tables too: the same text as on the file, except that the REST
    API counts nothing, so the experiments table's RUNS column says "?"
    over http (documented in mltop(1)); RUNNING and LAST ACTIVITY agree."""
    args = list(args)
    if args[-1] == "main":
        args[-1] = served.exp_id("main")
    if args[0] == "metric":
        args[1] = served.run_id(args[1])
    if args[0] == "experiments":
        s = mltop.run("-u", served.uri, *args)
        h = mltop.run("-u", served.url, *args)
        assert s.returncode == 0 and h.returncode == 0, (s.stderr, h.stderr)
        assert h.stderr == b"", h.stderr
        file_lines = s.stdout.decode().splitlines()
        http_lines = h.stdout.decode().splitlines()
        assert len(file_lines) == len(http_lines) >= 2
        a = file_lines[0].index("RUNS")
        b = file_lines[0].index("RUNNING")
        for fl, hl in zip(file_lines[1:], http_lines[1:]):
            fa, fb = char_index(fl, a), char_index(fl, b)
            ha, hb = char_index(hl, a), char_index(hl, b)
            assert fl[fa:fb].strip().isdigit(), fl
            assert hl[ha:hb].strip() == "?", hl
            assert fl[:fa] + fl[fb:] == hl[:ha] + hl[hb:], (fl, hl)
        out = h.stdout
    else:
        out = run_both(mltop, served, args)
    assert b"\x1b" not in out
    assert len(out.decode().splitlines()) >= 2


# ---- paging ---------------------------------------------------------------

def _small_pages(req, size=3, history=1000):
    """Make the server answer in pages of size items (history points for
    metrics/get-history) whatever mltop asked for."""
    ep = req.endpoint
    if req.method == "POST" and req.body and ep in ("runs/search",
                                                    "experiments/search"):
        body = json.loads(req.body)
        body["max_results"] = min(int(body.get("max_results") or size), size)
        req.body = json.dumps(body).encode()
        req.headers["content-length"] = str(len(req.body))
    elif req.method == "GET" and "?" in req.target:
        path, q = req.target.split("?", 1)
        params = urllib.parse.parse_qsl(q, keep_blank_values=True)
        n = {"runs/search": size, "experiments/search": size,
             "metrics/get-history": history}.get(ep)
        if n:
            params = [(k, v) for k, v in params if k != "max_results"]
            params.append(("max_results", str(n)))
            req.target = path + "?" + urllib.parse.urlencode(params)


def test_small_pages_same_output(mltop, served, fake_server):
    """Every list the server pages must be followed to its end: through a
    proxy that makes pages tiny, the output is still the same bytes."""
    proxy = servers.Proxy(served.url, rewrite=_small_pages)
    f = fake_server(proxy)
    for args in (["experiments", "--all", "--json"],
                 ["runs", "--all", "--json"],
                 ["runs", "--experiment", served.exp_id("main"), "--json"],
                 ["metric", served.run_id("history"), "echo", "--json"]):
        before = len(f.requests)
        run_both(mltop, served, args, url=f.url)
        eps = [r.endpoint for r in f.requests[before:]]
        tokens = [r for r in f.requests[before:]
                  if b"page_token" in r.body or "page_token=" in r.target]
        assert tokens, (f"`mltop {' '.join(args)}` never asked for a "
                        f"second page through the paging proxy; requests: "
                        f"{eps}")


# ---- request accounting -----------------------------------------------------

@pytest.mark.parametrize("args", [["experiments", "--json"],
                                  ["runs", "--json"],
                                  ["metric", "history", "loss", "--json"]])
def test_stats_line(mltop, served, fake_server, args):
    """MLTOP_STATS=1 prints the requests and reply bytes mltop saw: the
    proxy in between counts the same."""
    args = list(args)
    if args[0] == "metric":
        args[1] = served.run_id(args[1])
    proxy = servers.Proxy(served.url)
    f = fake_server(proxy)
    p = mltop.run("-u", f.url, *args, env={"MLTOP_STATS": "1"})
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 0, (p.returncode, err)
    lines = err.rstrip("\n").split("\n")
    m = STATS_RE.match(lines[-1]) if lines else None
    assert m and len(lines) == 1, \
        f"expected one line 'http: N requests, M bytes' on stderr, got {err!r}"
    assert int(m.group(1)) == len(f.requests), \
        f"mltop counted {m.group(1)} requests, the proxy saw " \
        f"{len(f.requests)}: {f.requests}"
    assert int(m.group(2)) == proxy.body_bytes, \
        f"mltop counted {m.group(2)} reply bytes, the proxy sent " \
        f"{proxy.body_bytes}"
    # And nothing at all without the variable.
    q = mltop.run("-u", served.url, *args)
    assert q.returncode == 0 and q.stderr == b"", q.stderr


# ---- errors from a real server ---------------------------------------------

def _one_line(p, what):
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, \
        f"{what}: expected exit 2, got {p.returncode}; stderr {err!r}"
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1, f"{what}: expected one line, got {err!r}"
    assert p.stdout == b"", f"{what}: printed {p.stdout[:200]!r}"
    return lines[0]


def test_unknown_run_404(mltop, served):
    line = _one_line(mltop.run("-u", served.url, "metric", "nope", "loss"),
                     "metric of an unknown run")
    assert line == (f"mltop: {served.url}: RESOURCE_DOES_NOT_EXIST: "
                    "Run with id=nope not found (HTTP 404)"), line


def test_unknown_experiment(mltop, served):
    """The same exit status and message as on the file."""
    args = ["runs", "--experiment", "no such experiment", "--json"]
    s = mltop.run("-u", served.uri, *args)
    h = mltop.run("-u", served.url, *args)
    herr = h.stderr.decode("utf-8", "replace")
    assert (h.returncode, herr) == \
        (s.returncode, s.stderr.decode("utf-8", "replace")), \
        f"over http: exit {h.returncode} {herr!r}; on sqlite: exit " \
        f"{s.returncode} {s.stderr!r}"
    assert h.returncode in (1, 2) and "no such experiment" in herr and \
        herr.count("\n") == 1, herr
    assert h.stdout == b""


def test_unknown_metric_key(mltop, served):
    args = ["metric", served.run_id("history"), "no-such-key", "--json"]
    s = mltop.run("-u", served.uri, *args)
    h = mltop.run("-u", served.url, *args)
    assert (h.returncode, h.stdout) == (s.returncode, s.stdout), \
        (h.returncode, h.stdout[:200], h.stderr, s.returncode, s.stdout[:200])


@pytest.mark.parametrize("form", ["trailing-slash", "env", "localhost"])
def test_url_forms(mltop, served, form):
    """http://host:port/ and MLFLOW_TRACKING_URI work like -u."""
    env = {}
    if form == "trailing-slash":
        args = ["-u", served.url + "/"]
    elif form == "env":
        args = []
        env["MLFLOW_TRACKING_URI"] = served.url
    else:
        args = ["-u", served.url.replace("127.0.0.1", "localhost")]
    p = mltop.run(*args, "experiments", "--json", env=env)
    assert p.returncode == 0 and p.stderr == b"", (p.returncode, p.stderr)
    compare.compare_experiments(served.readout["experiments_active"],
                                as_json(p.stdout, "experiments"),
                                f"http ({form}): experiments --json")


@pytest.mark.parametrize("value", ["abc", ""])
def test_bad_timeout_is_usage_error(mltop, served, value):
    p = mltop.run("-u", served.url, "--timeout", value, "experiments")
    assert p.returncode == 1, (value, p.returncode, p.stderr)
    assert p.stderr.strip(), "usage error without a message"


def test_timeout_option_accepted(mltop, served):
    p = mltop.run("-u", served.url, "--timeout", "5", "experiments",
                  "--json")
    assert p.returncode == 0, p.stderr
    compare.compare_experiments(served.readout["experiments_active"],
                                as_json(p.stdout, "experiments"),
                                "http --timeout 5: experiments --json")
