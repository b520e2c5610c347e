# test_server_faults.py: mltop against servers that fail: nothing listening,
# a listener that never answers, malformed, truncated, huge and error
# replies (scripting commands: exit 2 and one plain line on stderr), and
# the dashboard when its server dies and comes back, or never answers.
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time

import pytest

import servers
from conftest import HERE, clean_env
from test_concurrent import Tmux, wait_for

NOISE = ("Traceback", "AddressSanitizer", "LeakSanitizer", "runtime error:",
         "Segmentation", "Assertion", "==ERROR")
RSS_LIMIT_MB = 150
HELP_TITLE = "Help: j/k PgUp/PgDn"


# Runs a command in a fresh small process and reports the command's own
# peak RSS: ru_maxrss of a child forked straight from pytest would count
# the pytest process it was copied from.
_MEASURE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{os.waitstatus_to_exitcode(status)} {ru.ru_maxrss}")
"""


def run_measured(binary, args, env=None, timeout=120):
    """Run mltop; return (status, stdout, stderr, seconds, peak RSS in MB)
    of that process alone."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        rss = os.path.join(d, "rss")
        t0 = time.monotonic()
        p = subprocess.run([sys.executable, "-S", "-c", _MEASURE, rss,
                            str(binary), *map(str, args)],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           env=clean_env(env), timeout=timeout)
        secs = time.monotonic() - t0
        with open(rss) as f:
            status, kb = map(int, f.read().split())
    return status, p.stdout, p.stderr, secs, kb / 1024.0


def one_line(status, stdout, stderr, what):
    err = stderr.decode("utf-8", "replace")
    assert status == 2, \
        f"{what}: expected exit 2, got {status}; stderr {err!r}"
    for word in NOISE:
        assert word not in err, f"{what}: {word!r} on stderr: {err!r}"
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1 and err.endswith("\n"), \
        f"{what}: expected one line on stderr, got {err!r}"
    assert stdout == b"", f"{what}: printed {stdout[:200]!r}"
    return lines[0]


def fail_line(mltop, url, *args, what, env=None, timeout=120):
    t0 = time.monotonic()
    p = mltop.run("-u", url, *args, env=env, timeout=timeout)
    secs = time.monotonic() - t0
    return one_line(p.returncode, p.stdout, p.stderr, what), secs


def is_asan(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


# ---- nothing there, nothing said --------------------------------------------

@pytest.mark.parametrize("cmd", [["experiments"], ["runs", "--json"],
                                 ["metric", "abc", "loss"]])
def test_connection_refused(mltop, cmd):
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}"
    line, secs = fail_line(mltop, url, *cmd, what="nothing listening")
    assert line == (f"mltop: {url}: cannot connect to 127.0.0.1 port {port}: "
                    "connection refused"), line
    assert secs < 5, f"giving up on a refused connection took {secs:.1f} s"


def test_no_reply_within_timeout(mltop, fake_server):
    f = fake_server(servers.silent)
    line, secs = fail_line(mltop, f.url, "--timeout", "2", "experiments",
                           what="a listener that never answers")
    assert line == f"mltop: {f.url}: no reply within 2 s", line
    print(f"no reply: gave up after {secs:.2f} s")
    assert 1.9 <= secs <= 4.5, \
        f"--timeout 2 gave up after {secs:.2f} s (expected about 2-4 s)"
    assert f.connections >= 1, "mltop never connected"


def test_no_reply_timeout_setting(mltop, fake_server, tmp_path):
    """`set http-timeout` in the config file does what --timeout does."""
    f = fake_server(servers.silent)
    conf = tmp_path / "config"
    conf.write_text("set http-timeout 1\n")
    line, secs = fail_line(mltop, f.url, "-c", conf, "experiments",
                           what="http-timeout 1 from the config file")
    assert line == f"mltop: {f.url}: no reply within 1 s", line
    assert 0.9 <= secs <= 3.5, f"http-timeout 1 gave up after {secs:.2f} s"


def _stall_after_headers(server, conn):
    req, _ = servers.read_request(conn)
    if req is None:
        return
    server.record(req)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000\r\n\r\n{\"experiments\": [")
    servers.silent(server, conn)


def test_reply_stalls_midway(mltop, fake_server):
    """Headers and a bit of body, then silence: the whole request times
    out, not just the wait for the first byte."""
    f = fake_server(_stall_after_headers)
    line, secs = fail_line(mltop, f.url, "--timeout", "2", "experiments",
                           what="a reply that stalls")
    assert line.startswith(f"mltop: {f.url}: ") and "2 s" in line, line
    assert 1.9 <= secs <= 4.5, f"gave up after {secs:.2f} s"


# ---- malformed replies -----------------------------------------------------

HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
            b"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
            b"<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n")


@pytest.mark.parametrize("kind", ["not-json", "empty-body", "json-array",
                                  "truncated", "html-502", "mlflow-500",
                                  "mlflow-404", "garbage-status-line"])
def test_bad_replies(mltop, fake_server, kind):
    raw, want = {
        "not-json": (servers.response_bytes(200, b"hello, world"),
                     "bad reply to experiments/search: not JSON"),
        "empty-body": (servers.response_bytes(200, b""),
                       "bad reply to experiments/search: not JSON"),
        "json-array": (servers.response_bytes(200, b"[1, 2, 3]"),
                       "bad reply to experiments/search: "),
        "truncated": (servers.response_bytes(
            200, b'{"experiments": [{"experiment_id": "1", "na',
            content_length=4000), "truncated reply"),
        "html-502": (servers.response_bytes(502, HTML_502,
                                            content_type="text/html"),
                     "HTTP 502"),
        "mlflow-500": (servers.response_bytes(500, json.dumps(
            {"error_code": "INTERNAL_ERROR",
             "message": "database is on fire"})),
            "INTERNAL_ERROR: database is on fire (HTTP 500)"),
        "mlflow-404": (servers.response_bytes(404, json.dumps(
            {"error_code": "ENDPOINT_NOT_FOUND",
             "message": "No such endpoint"})),
            "ENDPOINT_NOT_FOUND: No such endpoint (HTTP 404)"),
        "garbage-status-line": (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", ""),
    }[kind]
    f = fake_server(servers.fixed(raw))
    line, secs = fail_line(mltop, f.url, "--timeout", "10", "experiments",
                           "--json", what=kind, timeout=120)
    prefix = f"mltop: {f.url}: "
    assert line.startswith(prefix), f"{kind}: {line!r}"
    assert want in line, f"{kind}: expected {want!r} in {line!r}"
    assert "<" not in line and "nginx" not in line, \
        f"{kind}: raw HTML in the message: {line!r}"
    assert len(line) < 300, f"{kind}: a {len(line)}-character message"
    if kind == "mlflow-500":
        assert line == prefix + want, line
    print(f"{kind}: {line!r} after {secs:.2f} s")


def _set_all(obj, path, value):
    """Set path (keys, indices, "*" for every element) to value wherever it
    exists in obj; returns how many places were changed."""
    if not path:
        return 0
    k, rest = path[0], path[1:]
    if k == "*":
        keys = range(len(obj)) if isinstance(obj, list) else []
    elif isinstance(obj, dict) and k in obj or \
            isinstance(obj, list) and isinstance(k, int) and k < len(obj):
        keys = [k]
    else:
        keys = []
    n = 0
    for key in keys:
        if rest:
            n += _set_all(obj[key], rest, value)
        else:
            obj[key] = value
            n += 1
    return n


def _mutate(path, value, changed):
    """A Proxy fault: set path in every real reply that has it."""
    def fault(req, status, body):
        changed.append(_set_all(body, path, value))
        return servers.response_bytes(status, json.dumps(body))
    return fault


@pytest.mark.parametrize("case", [
    ("runs/search", ["runs", "*", "info", "start_time"], {"ms": 1},
     r"runs\[\d+\]\.info\.start_time: expected a number, got (an )?object"),
    ("runs/search", ["runs", "*", "info", "start_time"], "yesterday",
     r"runs\[\d+\]\.info\.start_time: expected a number, got (a )?string"),
    ("runs/search", ["runs", "*", "info", "run_id"], 12345,
     r"runs\[\d+\]\.info\.run_id: expected a string, got (a )?number"),
    ("runs/search", ["runs"], {"not": "a list"},
     r"runs: expected (an )?(array|list), got (an )?object"),
    ("runs/search", ["runs", "*", "data", "metrics", "*", "value"], [1.0],
     r"runs\[\d+\]\.data\.metrics\[\d+\]\.value: expected a number, "
     r"got (an )?(array|list)"),
    ("experiments/search", ["experiments", "*", "name"], 42,
     r"experiments\[\d+\]\.name: expected a string, got (a )?number"),
    ("metrics/get-history", ["metrics", "*", "step"], "ten",
     r"metrics\[\d+\]\.step: expected a number, got (a )?string"),
], ids=["start_time-object", "start_time-string", "run_id-number",
        "runs-object", "metric-value-array", "experiment-name-number",
        "history-step-string"])
def test_wrong_types(mltop, served, fake_server, case):
    """Real replies with one field of the wrong type: the message names
    the endpoint and the field's path."""
    ep, path, value, want = case
    changed = []
    proxy = servers.Proxy(served.url,
                          faults={ep: _mutate(path, value, changed)})
    f = fake_server(proxy)
    args = {"runs/search": ["runs", "--experiment", served.exp_id("main"),
                            "--json"],
            "experiments/search": ["experiments", "--json"],
            "metrics/get-history": ["metric", served.run_id("history"),
                                    "loss", "--json"]}[ep]
    p = mltop.run("-u", f.url, *args)
    assert any(changed), f"no {ep} reply had {path} to change"
    line = one_line(p.returncode, p.stdout, p.stderr, f"{ep} {path}")
    head = f"mltop: {f.url}: bad reply to {ep}: "
    assert line.startswith(head), f"expected {head!r}..., got {line!r}"
    assert re.fullmatch(want, line[len(head):]), \
        f"expected /{want}/ after {head!r}, got {line!r}"


@pytest.mark.parametrize("mode", ["content-length", "chunked"])
def test_huge_reply(mltop_bin, fake_server, mode):
    """A 100 MB reply: refused past the limit, without holding it all."""
    f = fake_server(servers.streamed(100 * 1000 * 1000,
                                     chunked=(mode == "chunked")))
    status, out, err, secs, rss = run_measured(
        mltop_bin, ["-u", f.url, "--timeout", "60", "experiments", "--json"])
    line = one_line(status, out, err, f"100 MB reply ({mode})")
    assert line.startswith(f"mltop: {f.url}: "), line
    assert "reply larger than 64 MiB" in line, line
    print(f"100 MB reply ({mode}): {secs:.2f} s, peak RSS {rss:.1f} MB")
    limit = RSS_LIMIT_MB * (3 if is_asan(mltop_bin) else 1)
    assert rss < limit, \
        f"peak RSS {rss:.1f} MB reading a 100 MB reply (limit {limit} MB)"


def test_huge_reply_within_limit_is_read(mltop_bin, served, fake_server):
    """The limit is on replies, not on ordinary work: the 10,000-point
    history (about 1 MB of JSON) is read in full."""
    status, out, err, secs, rss = run_measured(
        mltop_bin, ["-u", served.url, "metric", served.run_id("history"),
                    "loss", "--json"])
    assert status == 0, err
    assert len(json.loads(out)["metrics"]) == 10_000
    print(f"10,000-point history: {secs:.2f} s, peak RSS {rss:.1f} MB")


# ---- the dashboard ---------------------------------------------------------

def status_line(screen):
    lines = screen.rstrip("\n").split("\n")
    return lines[-1] if lines else ""


def dashboard(tmux, binary, url, tmp_path, *args):
    exitfile = tmp_path / "mltop.exit"
    errfile = tmp_path / "mltop.err"
    # LINES and COLUMNS (pytest's environment may hold 24 and 80) would
    # pin the screen size below the window's.
    cmd = (f"env -u LINES -u COLUMNS LANG=C.UTF-8 LC_ALL=C.UTF-8 "
           f"{shlex.quote(str(binary))} -u {shlex.quote(url)} "
           f"{' '.join(shlex.quote(str(a)) for a in args)} "
           f"2>{shlex.quote(str(errfile))}; "
           f"echo $? > {shlex.quote(str(exitfile))}")
    tmux("new-session", "-d", "-x", "200", "-y", "50", "-s", "it", cmd)
    return exitfile, errfile


def key_latency(tmux, key, pred, limit=2.0, interval=0.01):
    """Send key; poll the screen every interval until pred(screen); return
    the seconds it took (None past limit)."""
    t0 = time.monotonic()
    tmux("send-keys", "-t", "it", key)
    while time.monotonic() - t0 < limit:
        if pred(tmux.capture()):
            return time.monotonic() - t0
        time.sleep(interval)
    return None


def help_round_trip(tmux):
    """(seconds until ? shows the help, seconds until Esc closes it)."""
    show = key_latency(tmux, "?", lambda s: HELP_TITLE in s)
    assert show is not None, f"? showed no help in 2 s:\n{tmux.capture()}"
    hide = key_latency(tmux, "Escape", lambda s: HELP_TITLE not in s)
    assert hide is not None, f"Esc did not close the help:\n{tmux.capture()}"
    return show, hide


def echo_value(screen, run_id):
    """The largest plain integer on the echo-run row (the latest step)."""
    for line in screen.split("\n"):
        if "echo-run" in line:
            nums = [int(t) for t in line.split()
                    if t.isdigit() and t != run_id[:8]]
            return max(nums) if nums else None
    return None


def latest_step(uri, run_id):
    from mlflow import MlflowClient
    hist = MlflowClient(tracking_uri=uri).get_metric_history(run_id, "echo")
    return max(m.step for m in hist)


def _lines(stream, out):
    for line in stream:
        out.append(line.rstrip("\n"))


def test_dashboard_survives_server_death(mltop_bin, server_factory,
                                         tmp_path):
    db = tmp_path / "live.db"
    uri = "sqlite:///" + str(db)
    name = "remote echo"
    writer = subprocess.Popen(
        [sys.executable, str(HERE / "mlflow_writer.py"), uri, name, "600"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=open(tmp_path / "writer.err", "w"), text=True, cwd=tmp_path,
        env=clean_env())
    said = []
    threading.Thread(target=_lines, args=(writer.stdout, said),
                     daemon=True).start()
    tmux = Tmux()
    srv = None
    try:
        assert wait_for(lambda: said, 120), "the writer never got ready: " \
            f"{(tmp_path / 'writer.err').read_text()[-2000:]}"
        assert said[0].startswith("READY "), said
        run_id = said[0].split()[1]
        srv = server_factory(store=db)
        exitfile, errfile = dashboard(tmux, mltop_bin, srv.url, tmp_path,
                                      "--refresh", "0.5", "--experiment",
                                      name)
        if not wait_for(lambda: "echo-run" in tmux.capture(), 20):
            err = errfile.read_text() if errfile.exists() else ""
            pytest.fail(f"mltop never showed the run:\n{tmux.capture()}\n"
                        f"stderr: {err}")
        writer.stdin.write("go\n")
        writer.stdin.flush()
        # The screen follows the writer while the server is up.
        assert wait_for(lambda: (echo_value(tmux.capture(), run_id) or 0)
                        >= 20, 30), \
            f"the echo step never passed 20 on screen:\n{tmux.capture()}"

        srv.kill()
        at_kill = latest_step(uri, run_id)
        t0 = time.monotonic()
        stale = wait_for(lambda: "stale" in status_line(tmux.capture()), 5,
                         0.05)
        screen = tmux.capture()
        assert stale, f"5 s after the server died the status line says " \
            f"{status_line(screen)!r}:\n{screen}"
        print(f"stale after {time.monotonic() - t0:.2f} s: "
              f"{status_line(screen).strip()!r}")
        st = status_line(screen)
        assert re.search(r"stale \S+: .+; retry in \d+s", st), \
            f"status line {st!r}; screen:\n{screen}"
        # Refused for a request sent after the kill; lost for one the
        # dying server was answering (the refresh is every 0.5 s).
        assert "connection refused" in st or "cannot connect" in st or \
            "connection lost" in st, st
        assert "echo-run" in screen, f"the runs left the screen:\n{screen}"
        shown = echo_value(screen, run_id)
        assert shown is not None and shown >= 20, screen

        show, hide = help_round_trip(tmux)
        print(f"while stale: help in {show * 1000:.0f} ms, "
              f"closed in {hide * 1000:.0f} ms")
        assert show < 0.5 and hide < 0.5, (show, hide)
        assert "stale" in status_line(tmux.capture())

        srv.start()
        t1 = time.monotonic()
        back = wait_for(lambda: "refreshed" in status_line(tmux.capture()),
                        60, 0.1)
        assert back, "60 s after the server came back the status line " \
            f"says {status_line(tmux.capture())!r}"
        print(f"refreshed {time.monotonic() - t1:.1f} s after the server "
              f"was up again (start took {srv.startup_seconds:.1f} s)")
        newer = wait_for(lambda: (echo_value(tmux.capture(), run_id) or 0)
                         > at_kill, 10, 0.1)
        assert newer, (f"no step after {at_kill} (the last one before the "
                       f"server died) on screen:\n{tmux.capture()}")
        assert not exitfile.exists(), exitfile.read_text()

        tmux("send-keys", "-t", "it", "q")
        tmux("send-keys", "-t", "it", "q")
        assert wait_for(exitfile.exists, 5), tmux.capture()
        assert wait_for(lambda: exitfile.read_text().strip(), 2) == "0"
        err = errfile.read_text()
        for word in NOISE:
            assert word not in err, err
    finally:
        tmux.kill()
        writer.kill()
        writer.wait()
        if srv:
            srv.stop()


def test_dashboard_keys_while_server_silent(mltop_bin, fake_server,
                                            tmp_path):
    f = fake_server(servers.silent)
    tmux = Tmux()
    try:
        exitfile, errfile = dashboard(tmux, mltop_bin, f.url, tmp_path,
                                      "--refresh", "0.5", "--timeout", "2")
        t0 = time.monotonic()
        loading = wait_for(lambda: "loading" in tmux.capture().lower(), 5,
                           0.02)
        assert loading, f"nothing says it is loading:\n{tmux.capture()}"
        assert wait_for(lambda: f.connections >= 1, 5), \
            "mltop never connected"
        shows, hides = [], []
        states = set()
        # About 8 s: through the first timeout, stale marking and retries.
        while time.monotonic() - t0 < 8:
            states.add("stale" if "stale" in status_line(tmux.capture())
                       else "waiting")
            show, hide = help_round_trip(tmux)
            shows.append(show)
            hides.append(hide)
            time.sleep(0.1)
        figures = (f"{len(shows)} rounds: ? -> help max "
                   f"{max(shows) * 1000:.0f} ms, median "
                   f"{sorted(shows)[len(shows) // 2] * 1000:.0f} ms; Esc -> "
                   f"closed max {max(hides) * 1000:.0f} ms")
        print(figures)
        assert max(shows) < 0.5 and max(hides) < 0.5, figures
        screen = tmux.capture()
        st = status_line(screen)
        assert "stale" in st and "no reply within 2 s" in st, \
            f"after 8 s of silence the status line says {st!r}"
        assert "waiting" in states, states

        # r retries at once, not when the backoff says.
        backing_off = wait_for(lambda: re.search(
            r"retry in ([2-9]|\d\d+)s", status_line(tmux.capture())), 30, 0.05)
        assert backing_off, f"no retry 2 s or more away within 30 s: " \
            f"{status_line(tmux.capture())!r}"
        n0 = f.connections
        t1 = time.monotonic()
        tmux("send-keys", "-t", "it", "r")
        retried = wait_for(lambda: f.connections > n0, 1.0, 0.01)
        print(f"r with {backing_off.group(0)!r}: new request after "
              f"{time.monotonic() - t1:.2f} s")
        assert retried, (f"r did not retry within 1 s (status was "
                         f"{backing_off.group(0)!r})")

        t1 = time.monotonic()
        tmux("send-keys", "-t", "it", "q")
        quit_ok = wait_for(exitfile.exists, 1, 0.01)
        print(f"q -> exit in {time.monotonic() - t1:.2f} s")
        assert quit_ok, f"q did not quit within 1 s:\n{tmux.capture()}"
        assert wait_for(lambda: exitfile.read_text().strip(), 2) == "0"
        err = errfile.read_text()
        for word in NOISE:
            assert word not in err, err
    finally:
        tmux.kill()
