# conftest.py: fixtures for checking mltop against the real MLflow client:
# the mltop binary, a runner that parses its JSON, stores made by MlflowClient
# (3.x in-process, 2.x through .venv-mlflow2).
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# The MLflow release the tests pin (tests/integration/requirements.txt).
MLFLOW_PIN = re.search(r"^mlflow(?:\[auth\])?==(\S+)$",
                       (HERE / "requirements.txt").read_text(),
                       re.M).group(1)
MLFLOW2_VENV = REPO / ".venv-mlflow2"
MLFLOW2_REQS = HERE / "requirements-mlflow2.txt"


def _reject_constant(name):
    # Python's json accepts NaN/Infinity tokens; JSON does not, and the
    # interface promises the string "NaN" instead.
    raise ValueError(f"invalid JSON token {name!r} in mltop output")


def parse_json(text, what="mltop output"):
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as e:
        snippet = text[:400] + ("..." if len(text) > 400 else "")
        raise AssertionError(f"{what} is not valid JSON: {e}\n"
                             f"output starts: {snippet!r}") from None


@pytest.fixture(scope="session")
def mltop_bin():
    path = Path(os.environ.get("MLTOP_BIN", REPO / "src" / "mltop"))
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"mltop binary not found or not executable: {path} "
                    "(build it with `autoreconf -fi && ./configure && make` "
                    "in the repository root, or set MLTOP_BIN)",
                    pytrace=False)
    return path.resolve()


def clean_env(extra=None):
    """The environment mltop runs in: UTF-8, no tracking URI leaking in."""
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    # Remote-store tests talk to 127.0.0.1: no proxy, no credentials from
    # the caller's environment (a test passes its own in extra).
    for k in list(env):
        if k.startswith("MLFLOW_TRACKING_") or k.lower() in (
                "http_proxy", "https_proxy", "all_proxy"):
            del env[k]
    env["LANG"] = "C.UTF-8"
    env["LC_ALL"] = "C.UTF-8"
    if extra:
        env.update(extra)
    return env


class Mltop:
    """Runs the binary; bytes out so raw control characters stay visible."""

    def __init__(self, binary):
        self.binary = binary

    def run(self, *args, env=None, cwd=None, timeout=120, prefix=()):
        return subprocess.run([*prefix, str(self.binary), *map(str, args)],
                              capture_output=True, env=clean_env(env),
                              cwd=cwd, timeout=timeout)

    def json(self, *args, allow_stderr=True, **kw):
        p = self.run(*args, **kw)
        cmd = "mltop " + " ".join(map(str, args))
        err = p.stderr.decode("utf-8", "replace")
        assert p.returncode == 0, (f"`{cmd}` exited {p.returncode}; "
                                   f"stderr: {err!r}")
        if not allow_stderr:
            assert err == "", f"`{cmd}` wrote to stderr: {err!r}"
        try:
            text = p.stdout.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AssertionError(f"`{cmd}` printed invalid UTF-8: {e}")
        return parse_json(text, f"`{cmd}` output")


@pytest.fixture(scope="session")
def mltop(mltop_bin):
    return Mltop(mltop_bin)


# The environment variable a build with test hooks reads; a release build
# does not carry the string at all.
TEST_HOOK_MARK = b"MLTOP_TEST_PAUSE_IN_WRITE"


@pytest.fixture(scope="session")
def test_hooks(mltop_bin):
    """Skip unless the binary has the test hooks (MLTOP_TEST_PAUSE_IN_WRITE
    and friends), which only configure --enable-test-hooks compiles in;
    tools/test.sh builds build-asan that way."""
    if TEST_HOOK_MARK not in mltop_bin.read_bytes():
        pytest.skip(f"{mltop_bin} has no test hooks: configure it with "
                    "--enable-test-hooks to run this test")


class Store:
    def __init__(self, path):
        self.path = Path(path)
        self.uri = "sqlite:///" + str(self.path.resolve())
        self._client = None

    @property
    def client(self):
        if self._client is None:
            from mlflow import MlflowClient
            self._client = MlflowClient(tracking_uri=self.uri)
        return self._client

    def sha256(self):
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@pytest.fixture
def store_factory(tmp_path, monkeypatch):
    """make(name) -> Store whose file the real MlflowClient has created."""
    # Default experiments put artifacts under ./mlruns: keep them here.
    monkeypatch.chdir(tmp_path)

    def make(name="mlflow.db"):
        s = Store(tmp_path / name)
        s.client.search_experiments()  # creates the schema
        assert s.path.is_file()
        return s
    return make


def _mlflow2_ready():
    stamp = MLFLOW2_VENV / ".mltop-requirements.sha256"
    want = hashlib.sha256(MLFLOW2_REQS.read_bytes()).hexdigest()
    return stamp, want, (stamp.is_file() and stamp.read_text() == want and
                         (MLFLOW2_VENV / "bin" / "python").is_file())


@pytest.fixture(scope="session")
def mlflow2_python():
    """Python of a venv holding MLflow 2.9.2, built on first use (~30 s)."""
    stamp, want, ready = _mlflow2_ready()
    py = MLFLOW2_VENV / "bin" / "python"
    if not ready:
        if MLFLOW2_VENV.exists():
            shutil.rmtree(MLFLOW2_VENV)
        steps = [
            [sys.executable, "-m", "venv", str(MLFLOW2_VENV)],
            [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             "-r", str(MLFLOW2_REQS)],
        ]
        for cmd in steps:
            p = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=900)
            if p.returncode != 0:
                pytest.fail(f"building {MLFLOW2_VENV} failed: {' '.join(cmd)}"
                            f"\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}",
                            pytrace=False)
        stamp.write_text(want)
    p = subprocess.run([str(py), "-c", "import mlflow; print(mlflow.__version__)"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.strip().startswith("2."), \
        f"{py} has no MLflow 2.x: {p.stdout!r} {p.stderr[-2000:]!r}"
    return py


def run_script(python, script, *args, cwd, timeout=600):
    """Run one of this directory's MLflow scripts; return its parsed JSON."""
    p = subprocess.run([str(python), str(HERE / script), *map(str, args)],
                       capture_output=True, text=True, cwd=cwd,
                       timeout=timeout, env=clean_env())
    assert p.returncode == 0, (f"{script} under {python} failed "
                               f"({p.returncode}):\n{p.stderr[-4000:]}")
    return json.loads(p.stdout)


# ---- remote tracking servers ----------------------------------------------
#
# One real `mlflow server` for the session: tools/test.sh starts it and
# exports MLTOP_TEST_SERVER_URL and MLTOP_TEST_SERVER_STORE (its SQLite
# file); without them a server of our own is started here. Either way the
# store is filled once by mlflow_populate.py (the same content the file
# tests build), through the server when it is not ours.

class Served:
    """The session server, its store file and what is in it."""

    def __init__(self, url, store, server, manifest):
        self.url = url.rstrip("/")
        self.store = Path(store)
        self.uri = "sqlite:///" + str(self.store)
        self.server = server  # an MlflowServer we own, or None
        self.manifest = manifest
        self._readout = None

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1])

    @property
    def readout(self):
        """What the real client reads back through the server."""
        if self._readout is None:
            import mlflow_readout
            from mlflow import MlflowClient
            self._readout = mlflow_readout.full_readout(
                MlflowClient(tracking_uri=self.url))
        return self._readout

    def exp_id(self, label):
        return self.manifest["experiments"][label]

    def run_id(self, label):
        return self.manifest["runs"][label]


def _client_env():
    """The MLflow client in this process must not pick up credentials or a
    proxy meant for something else."""
    for k in list(os.environ):
        if k.startswith("MLFLOW_TRACKING_") or k.lower() in (
                "http_proxy", "https_proxy", "all_proxy"):
            del os.environ[k]


def _manifest_path(store):
    return Path(str(store) + ".mltop-manifest.json")


def _populate_external(url, store, workdir):
    """Fill tools/test.sh's store through its server, once: a second pytest
    run in the same test.sh (the ASan build) reuses it."""
    import mlflow_populate
    from mlflow import MlflowClient
    mpath = _manifest_path(store)
    client = MlflowClient(tracking_uri=url)
    if mpath.is_file():
        manifest = json.loads(mpath.read_text())
        eid = manifest["experiments"]["main"]
        if client.get_experiment(eid).name == "mltop edge cases":
            return manifest
        pytest.fail(f"{mpath} does not describe the store behind {url}",
                    pytrace=False)
    if client.get_experiment_by_name("mltop edge cases") is not None:
        pytest.fail(f"the store behind {url} already holds the test data "
                    f"but {mpath} (its manifest) is missing: give the "
                    "tests a fresh store", pytrace=False)
    manifest = mlflow_populate.populate(url, str(workdir))
    mpath.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    import servers
    _client_env()
    url = os.environ.get("MLTOP_TEST_SERVER_URL")
    store = os.environ.get("MLTOP_TEST_SERVER_STORE")
    work = tmp_path_factory.mktemp("served")
    if url:
        if not store:
            pytest.fail("MLTOP_TEST_SERVER_URL is set but "
                        "MLTOP_TEST_SERVER_STORE (its SQLite file) is not",
                        pytrace=False)
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(work)  # artifacts of default experiments land here
            manifest = _populate_external(url, store, work)
        yield Served(url, store, None, manifest)
        return
    import mlflow_populate
    from mlflow import MlflowClient
    path = work / "served.db"
    uri = "sqlite:///" + str(path)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        MlflowClient(tracking_uri=uri).search_experiments()
        manifest = mlflow_populate.populate(uri, str(work))
    srv = servers.MlflowServer(path, work / "server.log",
                               artifact_root=work / "artifacts")
    try:
        srv.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield Served(srv.url, path, srv, manifest)
    finally:
        srv.stop()


class PgServed:
    """An mlflow server on PostgreSQL: its URL, and the database's DSN
    for tests that write rows with SQL (pgcluster.fill_copies)."""

    def __init__(self, url, dsn):
        self.url = url.rstrip("/")
        self.dsn = dsn


@pytest.fixture(scope="session")
def pg_served(tmp_path_factory):
    """tools/test.sh's PostgreSQL and server (MLTOP_TEST_PG_SERVER_URL,
    MLTOP_TEST_PG_DSN), else a cluster and server of our own
    (pgcluster.py), stopped at the end; skipped only where no server
    binaries are installed and test.sh did not start one."""
    import pgcluster
    _client_env()
    url = os.environ.get("MLTOP_TEST_PG_SERVER_URL")
    dsn = os.environ.get("MLTOP_TEST_PG_DSN")
    if url and dsn:
        yield PgServed(url, dsn)
        return
    if pgcluster.bin_dir() is None:
        pytest.skip("no PostgreSQL server binaries (apt-get install "
                    "postgresql) and MLTOP_TEST_PG_SERVER_URL is not set")
    import tempfile
    d = tempfile.mkdtemp(prefix="mltop-pg.")
    try:
        env = pgcluster.start(d)
    except RuntimeError as e:
        pgcluster.stop(d)
        pytest.fail(str(e), pytrace=False)
    try:
        yield PgServed(env["MLTOP_TEST_PG_SERVER_URL"],
                       env["MLTOP_TEST_PG_DSN"])
    finally:
        pgcluster.stop(d)


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory):
    """make(store=None, **kw) -> a started MlflowServer on its own store
    (or the given file); all are stopped at the end of the session."""
    import servers
    made = []

    def make(store=None, start=True, **kw):
        d = tmp_path_factory.mktemp("server")
        if store is None:
            store = d / "mlflow.db"
            from mlflow import MlflowClient
            MlflowClient(tracking_uri="sqlite:///" + str(store)
                         ).search_experiments()
        kw.setdefault("artifact_root", d / "artifacts")
        srv = servers.MlflowServer(store, d / "server.log", **kw)
        made.append(srv)
        if start:
            try:
                srv.start()
            except RuntimeError as e:
                pytest.fail(str(e), pytrace=False)
        return srv
    yield make
    for srv in made:
        srv.stop()


@pytest.fixture
def fake_server():
    """make(handler) -> a started servers.FakeServer, stopped after the
    test."""
    import servers
    made = []

    def make(handler, port=None):
        f = servers.FakeServer(handler, port=port).start()
        made.append(f)
        return f
    yield make
    for f in made:
        f.stop()
