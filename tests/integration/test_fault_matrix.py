# test_fault_matrix.py: one row a fault, each checked and summarised in a
# line: what mltop did (exit status, its one line on stderr, how long it
# took). The summary is written to $MLTOP_FAULT_MATRIX (default
# tests/tmp/fault-matrix.txt) and printed by tools/test.sh, so a closing
# note can quote it. Servers here are test fixtures (tests/integration/
# servers.py); stores are made by the real MLflow client and then damaged.
import gzip
import json
import os
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

import servers
from conftest import HERE, clean_env

NOISE = ("Traceback", "AddressSanitizer", "LeakSanitizer", "runtime error:",
         "Segmentation", "Assertion", "==ERROR")
OUT = Path(os.environ.get("MLTOP_FAULT_MATRIX",
                          HERE.parents[1] / "tests" / "tmp" /
                          "fault-matrix.txt"))
ROWS = []


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    OUT.parent.mkdir(parents=True, exist_ok=True)
    binary = os.environ.get("MLTOP_BIN", "src/mltop")
    with open(OUT, "a") as f:
        f.write(f"# fault matrix, {binary}\n")
        for row in ROWS:
            f.write(row + "\n")


def run(mltop, *args, env=None, timeout=120):
    t0 = time.monotonic()
    p = mltop.run(*args, env=env, timeout=timeout)
    return p, time.monotonic() - t0


def record(case, p, secs, want_status, want_text, max_secs):
    err = p.stderr.decode("utf-8", "replace")
    line = err.rstrip("\n").split("\n")[-1] if err else ""
    ROWS.append(f"{case:28s} exit {p.returncode} in {secs:5.2f} s: "
                f"{line[:150]}")
    for word in NOISE:
        assert word not in err, f"{case}: {word!r} on stderr: {err!r}"
    assert p.returncode == want_status, \
        f"{case}: exit {p.returncode}, wanted {want_status}: {err!r}"
    if want_text:
        assert want_text in err, f"{case}: {want_text!r} not in {err!r}"
    assert "\x1b" not in err and "\x07" not in err, \
        f"{case}: raw control bytes in the message: {err!r}"
    assert secs <= max_secs, f"{case}: took {secs:.1f} s (bound {max_secs})"


# ---- servers that misbehave ------------------------------------------------

def _drip(server, conn):
    """Headers, then one byte of body every 0.2 s, never finishing."""
    req, _ = servers.read_request(conn)
    if req is None:
        return
    server.record(req)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000000\r\n\r\n{\"experiments\": [")
    while not server.stopping.is_set():
        conn.sendall(b" ")
        time.sleep(0.2)


def _gzip_bomb():
    raw = gzip.compress(b'{"experiments": [' + b" " * (200 << 20), 9)
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Encoding: gzip\r\nContent-Length: {len(raw)}\r\n\r\n")
    return head.encode() + raw


def _status(code, error_code, message, headers=None):
    return servers.response_bytes(code, json.dumps(
        {"error_code": error_code, "message": message}), headers=headers)


SERVER_CASES = {
    # case: (handler, extra args, exit, text in the message, bound in s)
    "server down": (None, [], 2, "connection refused", 10),
    "server hung": (servers.silent, ["--timeout", "2"], 2,
                    "no reply within 2 s", 8),
    "slow drip": (_drip, ["--timeout", "2"], 2, "2 s", 8),
    "gzip bomb": (servers.fixed(_gzip_bomb()), [], 2, "larger than", 60),
    "HTTP 401": (servers.fixed(_status(401, "UNAUTHENTICATED",
                                       "You are not authenticated.")),
                 [], 2, "not authenticated (HTTP 401)", 10),
    "HTTP 403": (servers.fixed(_status(403, "PERMISSION_DENIED",
                                       "Permission denied")),
                 [], 2, "HTTP 403", 10),
    "HTTP 429": (servers.fixed(_status(429, "REQUEST_LIMIT_EXCEEDED",
                                       "Too many requests",
                                       {"Retry-After": "1"})),
                 [], 2, "429", 30),
    "HTTP 503": (servers.fixed(_status(503, "TEMPORARILY_UNAVAILABLE",
                                       "Down for maintenance")),
                 [], 2, "503", 30),
    "HTML error page": (servers.fixed(servers.response_bytes(
        502, b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        content_type="text/html")), [], 2, "HTTP 502", 10),
    "redirect elsewhere": (servers.fixed(servers.response_bytes(
        302, b"", headers={"Location": "https://u:secret@mlflow.example:"
                                       "8443/api/2.0/mlflow/experiments/"
                                       "search?x=1"})), [], 2,
        "redirects to https://u:***@mlflow.example:8443 (HTTP 302); mltop "
        "does not follow redirects", 10),
    "not JSON": (servers.fixed(servers.response_bytes(200, b"hello")),
                 [], 2, "not JSON", 10),
    "escape codes in error": (servers.fixed(_status(
        500, "INTERNAL_ERROR", "\x1b]0;pwned\x07\x1b[2Jboom")), [], 2,
        "boom", 10),
}


@pytest.mark.parametrize("case", list(SERVER_CASES))
def test_server_fault(mltop, fake_server, case):
    handler, extra, status, text, bound = SERVER_CASES[case]
    if handler is None:
        url = f"http://127.0.0.1:{servers.free_port()}"
    else:
        url = fake_server(handler).url
    p, secs = run(mltop, "-u", url, *extra, "experiments", "--json")
    record(case, p, secs, status, text, bound)
    assert p.stdout == b"", f"{case}: printed {p.stdout[:200]!r}"


# ---- servers whose listings never end ----------------------------------------

def _pager(rows, token):
    """experiments/search answered with rows(page) experiments and
    token(page) as next_page_token, on one kept-alive connection; every
    other endpoint gets an empty reply. Counts the pages served."""
    def handler(server, conn):
        buf = b""
        while True:
            req, buf = read_request_or_none(conn, buf)
            if req is None:
                return
            server.record(req)
            if req.endpoint != "experiments/search":
                conn.sendall(servers.response_bytes(200, b"{}"))
                continue
            page = sum(1 for r in server.requests
                       if r.endpoint == "experiments/search")
            exps = [{"experiment_id": f"{page}-{i}", "name": f"e{page}-{i}",
                     "lifecycle_stage": "active"} for i in range(rows(page))]
            body = {"experiments": exps}
            t = token(page)
            if t is not None:
                body["next_page_token"] = t
            conn.sendall(servers.response_bytes(200, json.dumps(body)))
    return handler


def read_request_or_none(conn, buf):
    try:
        return servers.read_request(conn, buf)
    except OSError:
        return None, b""


PAGE_CASES = {
    # case: (rows a page, token a page, extra args, text, bound in s,
    #        most pages the server may have served)
    "same page token forever": (lambda p: 1, lambda p: "AAAA", [],
                                "page token it had sent before", 20, 3),
    "page tokens in a cycle": (lambda p: 1, lambda p: "AB"[p % 2], [],
                               "page token it had sent before", 20, 4),
    "empty pages forever": (lambda p: 0, lambda p: f"t{p}", [],
                            "20 empty pages in a row", 20, 21),
    "new pages forever": (lambda p: 1, lambda p: f"t{p}", [],
                          "more than 4000 pages", 120, 4001),
    "pages past the deadline": (lambda p: 1, lambda p: f"t{p}",
                                ["--deadline", "1"],
                                "gave up after 1 s, the command's deadline",
                                15, None),
}


@pytest.mark.parametrize("case", list(PAGE_CASES))
def test_endless_pages(mltop, fake_server, case):
    """A server that always promises another page: mltop stops, says
    why, exits 2, and prints no half listing."""
    rows, token, extra, text, bound, most = PAGE_CASES[case]
    srv = fake_server(_pager(rows, token))
    p, secs = run(mltop, "-u", srv.url, *extra, "experiments", "--json")
    record(case, p, secs, 2, text, bound)
    assert p.stdout == b"", f"{case}: printed {p.stdout[:200]!r}"
    pages = sum(1 for r in srv.requests
                if r.endpoint == "experiments/search")
    if most is not None:
        assert pages <= most, f"{case}: {pages} pages asked for"
    else:
        assert pages > 2, f"{case}: only {pages} pages before giving up"


# ---- stores that are damaged or busy ---------------------------------------

@pytest.fixture
def client_store(store_factory):
    s = store_factory("fault.db")
    eid = s.client.create_experiment("faults")
    r = s.client.create_run(eid, run_name="r")
    s.client.log_metric(r.info.run_id, "loss", 0.5)
    s.client.set_terminated(r.info.run_id)
    return s


def test_store_corrupt(mltop, client_store):
    data = bytearray(client_store.path.read_bytes())
    for i in range(4096, min(len(data), 4096 * 8)):
        data[i] = 0xA5
    client_store.path.write_bytes(bytes(data))
    p, secs = run(mltop, "-u", client_store.uri, "runs", "--json")
    record("store corrupt", p, secs, 2, "corrupt", 10)


def test_store_not_sqlite(mltop, tmp_path):
    f = tmp_path / "notes.db"
    f.write_text("these are not the runs you are looking for\n" * 100)
    p, secs = run(mltop, "-u", f"sqlite:///{f}", "experiments")
    record("store not SQLite", p, secs, 2, "not", 10)


def test_store_locked_by_writer(mltop, client_store):
    """A writer holds an exclusive lock longer than mltop waits: mltop
    gives up with a clear line, and the writer's transaction is intact."""
    con = sqlite3.connect(client_store.path, isolation_level=None,
                          timeout=1)
    con.execute("BEGIN EXCLUSIVE")
    con.execute("UPDATE runs SET name = 'renamed-by-writer'")
    try:
        p, secs = run(mltop, "-u", client_store.uri, "runs", "--json",
                      timeout=120)
    finally:
        con.execute("COMMIT")
        con.close()
    record("store locked by a writer", p, secs, 2, "locked", 60)
    names = [r.info.run_name for r in client_store.client.search_runs(
        [client_store.client.get_experiment_by_name("faults")
         .experiment_id])]
    assert names == ["renamed-by-writer"], names


def test_store_missing(mltop, tmp_path):
    p, secs = run(mltop, "-u", f"sqlite:///{tmp_path}/nosuch.db", "runs")
    record("store missing", p, secs, 2, "nosuch.db", 10)
    assert not (tmp_path / "nosuch.db").exists(), "mltop created the file"


def test_store_schema_newer(mltop, client_store):
    con = sqlite3.connect(client_store.path)
    con.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    con.commit()
    con.close()
    p, secs = run(mltop, "-u", client_store.uri, "runs", "--json")
    record("store schema newer", p, secs, 0, "ffffffffffff", 10)
    assert json.loads(p.stdout)["runs"], "no runs read from a newer schema"
