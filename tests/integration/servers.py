# servers.py: real `mlflow server` processes and fake HTTP responders on
# 127.0.0.1 for the remote-store tests: start, wait until up, stop for sure.
#
# A real server runs in its own process group (it forks uvicorn and helpers)
# and is stopped by signalling the whole group. Fake responders are threads
# in the test process that speak just enough HTTP/1.1 to misbehave on cue.
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MLFLOW = Path(os.environ.get("MLTOP_MLFLOW", REPO / ".venv" / "bin" /
                             "mlflow"))
START_TIMEOUT = 60.0
STOP_GRACE = 10.0

# Proxies would send 127.0.0.1 traffic elsewhere (curl and requests both
# honour these).
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY",
              "HTTPS_PROXY", "ALL_PROXY")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=2.0, headers=None):
    """(status, body bytes) of a GET, without proxies; raises OSError when
    nothing answers."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with _NO_PROXY.open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _group_members(pgid):
    """Live (non-zombie) processes of a process group, from /proc: a killed
    server's children may linger as zombies nobody reaps."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces and parens.
        rest = stat[stat.rfind(")") + 2:].split()
        if len(rest) >= 3 and rest[0] != "Z" and int(rest[2]) == pgid:
            out.append(int(d))
    return out


def kill_group(proc, grace=STOP_GRACE, sig=signal.SIGTERM):
    """Signal proc's process group, wait up to grace seconds for every
    member to go, then SIGKILL the group; reaps proc."""
    pgid = proc.pid
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
    end = time.monotonic() + grace
    while time.monotonic() < end:
        proc.poll()
        if not _group_members(pgid):
            break
        time.sleep(0.05)
    else:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        end = time.monotonic() + 5
        while _group_members(pgid) and time.monotonic() < end:
            proc.poll()
            time.sleep(0.05)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    left = _group_members(pgid)
    assert not left, f"processes {left} of group {pgid} survived SIGKILL"


def server_env(extra=None):
    env = dict(os.environ)
    # The server is no client: no credentials or tracking URI from the
    # caller's environment.
    for k in list(env):
        if k.startswith("MLFLOW_TRACKING_") or k in PROXY_VARS:
            del env[k]
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    if extra:
        env.update(extra)
    return env


class MlflowServer:
    """`mlflow server` on a SQLite store (or backend_uri); start() waits
    for GET /health."""

    def __init__(self, store, log, port=None, artifact_root=None,
                 app_name=None, env=None, cwd=None, extra_args=(),
                 backend_uri=None):
        self.store = Path(store).resolve()
        # another backend than the SQLite file store (PostgreSQL)
        self.backend_uri = backend_uri or "sqlite:///" + str(self.store)
        self.extra_args = list(extra_args)
        self.log = Path(log)
        self.port = port or free_port()
        self.artifact_root = artifact_root
        self.app_name = app_name
        self.extra_env = env or {}
        self.cwd = cwd or self.store.parent
        self.proc = None
        self._logf = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        cmd = [str(MLFLOW), "server",
               "--backend-store-uri", self.backend_uri,
               "--host", "127.0.0.1", "--port", str(self.port),
               "--workers", "1",
               "--uvicorn-opts", "--log-level warning --no-access-log"]
        if self.artifact_root:
            cmd += ["--default-artifact-root", str(self.artifact_root)]
        if self.app_name:
            cmd += ["--app-name", self.app_name]
        return cmd + self.extra_args

    def log_tail(self, n=40):
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def start(self, timeout=START_TIMEOUT):
        assert self.proc is None, "server already started"
        if not MLFLOW.is_file():
            raise RuntimeError(f"{MLFLOW} is missing: create {REPO}/.venv "
                               "from tests/integration/requirements.txt")
        self._logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=self._logf,
            stderr=subprocess.STDOUT, cwd=self.cwd,
            env=server_env(self.extra_env), start_new_session=True)
        t0 = time.monotonic()
        end = t0 + timeout
        why = "no answer"
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                why = f"the server exited with status {self.proc.returncode}"
                break
            try:
                status, body = http_get(self.url + "/health", timeout=1.0)
                if status == 200 and body.strip() == b"OK":
                    self.startup_seconds = time.monotonic() - t0
                    return self
                why = f"GET /health gave {status} {body[:100]!r}"
            except OSError as e:
                why = f"GET /health failed: {e}"
            time.sleep(0.1)
        else:
            why = f"not up within {timeout:.0f} s ({why})"
        self.stop()
        raise RuntimeError(f"mlflow server on port {self.port} for "
                           f"{self.store}: {why}; log tail:\n"
                           f"{self.log_tail()}")

    def kill(self, sig=signal.SIGKILL):
        """Stop abruptly (a crash, or the machine going away)."""
        if self.proc is not None:
            kill_group(self.proc, grace=STOP_GRACE, sig=sig)
            self.proc = None
        if self._logf:
            self._logf.close()
            self._logf = None

    def stop(self):
        self.kill(signal.SIGTERM)

    def restart(self, timeout=START_TIMEOUT):
        self.stop()
        return self.start(timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ---- fake responders -------------------------------------------------------

class Request:
    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target
        self.path = target.split("?", 1)[0]
        self.headers = headers  # lower-case names
        self.body = body

    @property
    def endpoint(self):
        """"runs/search" for /api/2.0/mlflow/runs/search."""
        p = self.path
        for prefix in ("/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"):
            if p.startswith(prefix):
                return p[len(prefix):]
        return p

    def __repr__(self):
        return f"<{self.method} {self.target}>"


def read_request(conn, buf=b""):
    """One request from conn (bytes already read in buf); returns
    (Request, rest of buf) or (None, b"") at EOF."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0") or 0)
    while len(buf) < n:
        chunk = conn.recv(65536)
        if not chunk:
            break
        buf += chunk
    return Request(method, target, headers, buf[:n]), buf[n:]


def response_bytes(status, body=b"", content_type="application/json",
                   headers=None, reason=None, content_length=None):
    if isinstance(body, str):
        body = body.encode()
    reasons = {200: "OK", 401: "Unauthorized", 403: "Forbidden",
               404: "Not Found", 500: "Internal Server Error",
               502: "Bad Gateway", 503: "Service Unavailable"}
    lines = [f"HTTP/1.1 {status} {reason or reasons.get(status, 'X')}",
             f"Content-Type: {content_type}",
             f"Content-Length: "
             f"{len(body) if content_length is None else content_length}"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class FakeServer:
    """Listens on 127.0.0.1; each connection runs handler(server, conn) in
    a thread. handler returns when done with the connection (it is then
    closed). Requests seen are kept in .requests."""

    def __init__(self, handler, port=None):
        self.handler = handler
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port or 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.connections = 0
        self.stopping = threading.Event()
        self._conns = set()
        self._lock = threading.Lock()
        self._threads = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._accepter.start()
        return self

    def _accept(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.add(conn)
            t = threading.Thread(target=self._serve, args=(conn,),
                                 daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn):
        try:
            self.handler(self, conn)
        except OSError:
            pass  # the client went away: its business
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def record(self, req):
        with self._lock:
            self.requests.append(req)

    def stop(self):
        self.stopping.set()
        try:
            self.sock.close()
        except OSError:
            pass
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# Handlers: functions of (server, conn).

def silent(server, conn):
    """Accept, read whatever comes, never answer."""
    conn.settimeout(0.2)
    while not server.stopping.is_set():
        try:
            data = conn.recv(65536)
        except socket.timeout:
            continue
        if not data:
            return


def fixed(raw, close=True):
    """Answer every request with the bytes raw (a whole HTTP response, or
    any garbage); close after the first when close."""
    def handler(server, conn):
        buf = b""
        while True:
            req, buf = read_request(conn, buf)
            if req is None:
                return
            server.record(req)
            conn.sendall(raw)
            if close:
                return
    return handler


def streamed(total, chunked=False, block=1 << 20):
    """A 200 whose JSON-looking body is total bytes long, sent as fast as
    the client reads; announced by Content-Length, or chunked."""
    def handler(server, conn):
        req, _ = read_request(conn)
        if req is None:
            return
        server.record(req)
        head = ["HTTP/1.1 200 OK", "Content-Type: application/json"]
        head.append("Transfer-Encoding: chunked" if chunked
                    else f"Content-Length: {total}")
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        piece = b'{"experiments": ['.ljust(block)
        sent = 0
        while sent < total and not server.stopping.is_set():
            n = min(block, total - sent)
            data = piece[:n] if sent == 0 else b" " * n
            if chunked:
                data = f"{n:x}\r\n".encode() + data + b"\r\n"
            conn.sendall(data)
            sent += n
        if chunked:
            conn.sendall(b"0\r\n\r\n")
    return handler


class Proxy:
    """Forwards requests to a real server; `faults` maps an endpoint
    ("runs/search") to either raw response bytes or a function
    (Request, status, parsed JSON) -> response bytes that may alter the
    real reply; "*" stands for every endpoint not named (the server
    away)."""

    def __init__(self, upstream, faults=None, rewrite=None):
        self.upstream = upstream.rstrip("/")
        self.faults = faults or {}
        # rewrite(Request) may change .target and .body before forwarding.
        self.rewrite = rewrite
        self.body_bytes = 0
        self._lock = threading.Lock()

    def forward(self, req):
        url = self.upstream + req.target
        headers = {k: v for k, v in req.headers.items()
                   if k in ("content-type", "authorization")}
        r = urllib.request.Request(url, data=req.body or None,
                                   method=req.method, headers=headers)
        try:
            with _NO_PROXY.open(r, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def __call__(self, server, conn):
        buf = b""
        while True:
            req, buf = read_request(conn, buf)
            if req is None:
                return
            server.record(req)
            fault = self.faults.get(req.endpoint, self.faults.get("*"))
            if isinstance(fault, bytes):
                conn.sendall(fault)
                return
            if self.rewrite:
                self.rewrite(req)
            status, body = self.forward(req)
            if fault is not None:
                conn.sendall(fault(req, status, json.loads(body)))
                continue
            with self._lock:
                self.body_bytes += len(body)
            conn.sendall(response_bytes(status, body))
