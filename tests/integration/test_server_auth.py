# test_server_auth.py: mltop against `mlflow server --app-name basic-auth`
# with real users: credentials from the environment and from
# ~/.mlflow/credentials, read the way the MLflow client reads them; 401 and
# 403 as one plain line that names the user and where the credentials came
# from, and never a password or token.
import base64
import json
import secrets

import pytest

import compare
import mlflow_readout as readout
import servers
from conftest import MLFLOW_PIN, parse_json

SERVER_401 = "You are not authenticated."


class Auth:
    pass


def _write_credentials(home, user=None, password=None, token=None):
    d = home / ".mlflow"
    d.mkdir(parents=True, exist_ok=True)
    lines = ["[mlflow]"]
    if user is not None:
        lines.append(f"mlflow_tracking_username = {user}")
    if password is not None:
        lines.append(f"mlflow_tracking_password = {password}")
    if token is not None:
        lines.append(f"mlflow_tracking_token = {token}")
    (d / "credentials").write_text("\n".join(lines) + "\n")
    (d / "credentials").chmod(0o600)


@pytest.fixture(scope="module")
def auth(server_factory, tmp_path_factory):
    try:
        import flask_wtf  # noqa: F401  (the basic-auth app needs it)
    except ImportError:
        pytest.skip("mlflow's basic-auth app needs Flask-WTF: install "
                    f"mlflow[auth]=={MLFLOW_PIN} into .venv")
    from mlflow import MlflowClient
    from mlflow.server.auth.client import AuthServiceClient
    a = Auth()
    d = tmp_path_factory.mktemp("auth")
    a.admin_pw = "admin-" + secrets.token_hex(12)
    a.alice_pw = "alice-" + secrets.token_hex(12)
    a.bob_pw = "bob-" + secrets.token_hex(12)
    a.token = "tok-" + secrets.token_hex(16)
    a.secrets = [a.admin_pw, a.alice_pw, a.bob_pw, a.token]
    store = d / "auth-store.db"
    uri = "sqlite:///" + str(store)
    c = MlflowClient(tracking_uri=uri)
    a.shared = c.create_experiment("shared with alice",
                                   artifact_location=str(d / "art1"))
    a.private = c.create_experiment("private",
                                    artifact_location=str(d / "art2"))
    for eid, n in ((a.shared, 3), (a.private, 2)):
        for i in range(n):
            r = c.create_run(eid, run_name=f"run {i}")
            for s in range(5):
                c.log_metric(r.info.run_id, "loss", 1.0 / (s + 1), step=s)
            c.log_param(r.info.run_id, "i", str(i))
            if eid == a.shared and i == 0:
                a.shared_run = r.info.run_id
    ini = d / "basic_auth.ini"
    ini.write_text(
        "[mlflow]\n"
        "default_permission = NO_PERMISSIONS\n"
        f"database_uri = sqlite:///{d / 'users.db'}\n"
        "admin_username = admin\n"
        f"admin_password = {a.admin_pw}\n"
        "authorization_function = "
        "mlflow.server.auth:authenticate_request_basic_auth\n")
    srv = server_factory(store=store, app_name="basic-auth", env={
        "MLFLOW_AUTH_CONFIG_PATH": str(ini),
        "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16)})
    a.url = srv.url
    a.server = srv
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_USERNAME", "admin")
        mp.setenv("MLFLOW_TRACKING_PASSWORD", a.admin_pw)
        admin = AuthServiceClient(a.url)
        admin.create_user("alice", a.alice_pw)
        admin.create_user("bob", a.bob_pw)
        admin.grant_user_permission("alice", "experiment", a.shared, "READ")
    # What the client itself sees as each user.
    a.seen = {}
    for user, pw in (("alice", a.alice_pw), ("bob", a.bob_pw)):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MLFLOW_TRACKING_USERNAME", user)
            mp.setenv("MLFLOW_TRACKING_PASSWORD", pw)
            cl = MlflowClient(tracking_uri=a.url)
            a.seen[user] = {
                "experiments": readout.experiments(cl),
                "runs": readout.runs(cl, [a.shared]),
            }
    assert [e["name"] for e in a.seen["alice"]["experiments"]
            ["experiments"]] == ["shared with alice"], a.seen["alice"]
    assert len(a.seen["alice"]["runs"]["runs"]) == 3
    assert a.seen["bob"]["experiments"]["experiments"] == []
    yield a
    srv.stop()


@pytest.fixture
def home(tmp_path):
    """An empty HOME, so no credentials file from the machine leaks in."""
    h = tmp_path / "home"
    h.mkdir()
    return h


def run(mltop, auth, home, *args, env=None):
    e = {"HOME": str(home)}
    e.update(env or {})
    p = mltop.run("-u", auth.url, *args, env=e)
    for s in auth.secrets:
        for name, data in (("stderr", p.stderr), ("stdout", p.stdout)):
            assert s.encode() not in data, \
                f"a password or token appears on {name}: " \
                f"{data.decode('utf-8', 'replace')!r}"
    return p


def as_user(user, pw):
    return {"MLFLOW_TRACKING_USERNAME": user, "MLFLOW_TRACKING_PASSWORD": pw}


def failure(p, what):
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, f"{what}: exit {p.returncode}; {err!r}"
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1, f"{what}: expected one line, got {err!r}"
    assert p.stdout == b""
    return lines[0]


def ok_json(p, what):
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 0, f"{what}: exit {p.returncode}; {err!r}"
    assert err == "", f"{what}: stderr {err!r}"
    return parse_json(p.stdout.decode("utf-8"), what)


# ---- good credentials ------------------------------------------------------

def test_env_credentials_list_runs(mltop, auth, home):
    env = as_user("alice", auth.alice_pw)
    got = ok_json(run(mltop, auth, home, "runs", "--experiment", auth.shared,
                      "--json", env=env), "alice: runs")
    compare.compare_runs(auth.seen["alice"]["runs"], got, "alice: runs")
    got = ok_json(run(mltop, auth, home, "experiments", "--json", env=env),
                  "alice: experiments")
    compare.compare_experiments(auth.seen["alice"]["experiments"], got,
                                "alice: experiments")
    got = ok_json(run(mltop, auth, home, "metric", auth.shared_run, "loss",
                      "--json", env=env), "alice: metric")
    assert [m["step"] for m in got["metrics"]] == list(range(5))


def test_credentials_file(mltop, auth, home):
    _write_credentials(home, "alice", auth.alice_pw)
    p = run(mltop, auth, home, "runs", "--experiment", auth.shared, "--json")
    compare.compare_runs(auth.seen["alice"]["runs"],
                         ok_json(p, "alice from ~/.mlflow/credentials"),
                         "alice from ~/.mlflow/credentials: runs")


def test_env_wins_over_file(mltop, auth, home):
    """As in the client: each of user and password from the environment
    when set there, else from the file."""
    _write_credentials(home, "bob", auth.bob_pw)
    env = as_user("alice", auth.alice_pw)
    got = ok_json(run(mltop, auth, home, "experiments", "--json", env=env),
                  "env alice over file bob")
    compare.compare_experiments(auth.seen["alice"]["experiments"], got,
                                "env alice over file bob")


def test_user_sees_only_what_is_granted(mltop, auth, home):
    """bob may read nothing: the server filters his lists, as the client
    sees them."""
    got = ok_json(run(mltop, auth, home, "experiments", "--json",
                      env=as_user("bob", auth.bob_pw)), "bob: experiments")
    compare.compare_experiments(auth.seen["bob"]["experiments"], got,
                                "bob: experiments")
    assert got["experiments"] == []


# ---- 401 -------------------------------------------------------------------

def _check_401(line, auth, sent):
    head = f"mltop: {auth.url}: not authenticated (HTTP 401): "
    assert line.startswith(head), f"expected {head!r}..., got {line!r}"
    assert SERVER_401 in line, f"the server's message is missing: {line!r}"
    assert line.endswith(f"; {sent}"), \
        f"expected the line to end '; {sent}', got {line!r}"


def test_wrong_password_env(mltop, auth, home):
    p = run(mltop, auth, home, "runs", "--json",
            env=as_user("alice", "not-" + auth.alice_pw))
    line = failure(p, "wrong password")
    _check_401(line, auth, "sent user 'alice' from MLFLOW_TRACKING_USERNAME")
    assert "not-" not in line


def test_wrong_password_file(mltop, auth, home):
    _write_credentials(home, "alice", "wrong-" + auth.bob_pw)
    line = failure(run(mltop, auth, home, "experiments"),
                   "wrong password in the file")
    _check_401(line, auth, "sent user 'alice' from ~/.mlflow/credentials")
    assert "wrong-" not in line


def test_no_credentials(mltop, auth, home):
    line = failure(run(mltop, auth, home, "experiments", "--json"),
                   "no credentials")
    _check_401(line, auth, "sent no credentials")


def _url_with(auth, userinfo):
    scheme, rest = auth.url.split("://", 1)
    return f"{scheme}://{userinfo}@{rest}"


def test_url_credentials(mltop, auth, home):
    """user:password in the URL: used as the client uses them; a wrong
    one earns a 401 line that says they came from the URL (not "sent no
    credentials"), with the password shown as ***."""
    url = _url_with(auth, f"alice:{auth.alice_pw}")
    p = mltop.run("-u", url, "experiments", "--json",
                  env={"HOME": str(home)})
    got = ok_json(p, "alice in the URL")
    assert got["experiments"], got
    bad = _url_with(auth, "alice:wrong-" + auth.alice_pw)
    p = mltop.run("-u", bad, "experiments", env={"HOME": str(home)})
    line = failure(p, "a wrong password in the URL")
    shown = _url_with(auth, "alice:***")
    head = f"mltop: {shown}: not authenticated (HTTP 401): "
    assert line.startswith(head), f"expected {head!r}..., got {line!r}"
    assert line.endswith("; sent user 'alice' from the URL"), line
    assert auth.alice_pw not in line


def test_unknown_user(mltop, auth, home):
    line = failure(run(mltop, auth, home, "experiments",
                       env=as_user("mallory", auth.alice_pw)),
                   "unknown user")
    _check_401(line, auth,
               "sent user 'mallory' from MLFLOW_TRACKING_USERNAME")


def test_token_rejected_names_token(mltop, auth, home):
    """This server reads Basic credentials only, so a token earns a 401
    that says a token was sent, without the token."""
    line = failure(run(mltop, auth, home, "experiments",
                       env={"MLFLOW_TRACKING_TOKEN": auth.token}),
                   "a token the server does not take")
    _check_401(line, auth, "sent a token from MLFLOW_TRACKING_TOKEN")


def test_token_accepted(mltop, auth, home):
    status, _ = servers.http_get(
        auth.url + "/api/2.0/mlflow/experiments/search?max_results=1",
        headers={"Authorization": f"Bearer {auth.admin_pw}"})
    if status != 200:
        pytest.skip(f"mlflow server --app-name basic-auth answers a Bearer "
                    f"token with HTTP {status}: it authenticates Basic "
                    "credentials only, so no token can succeed here (the "
                    "token is checked against a recorder instead)")
    got = ok_json(run(mltop, auth, home, "experiments", "--json",
                      env={"MLFLOW_TRACKING_TOKEN": auth.admin_pw}),
                  "token")
    assert got["experiments"]


# ---- 403 -------------------------------------------------------------------

def test_permission_denied(mltop, auth, home):
    p = run(mltop, auth, home, "metric", auth.shared_run, "loss",
            env=as_user("bob", auth.bob_pw))
    line = failure(p, "bob reading alice's experiment")
    assert line == (f"mltop: {auth.url}: permission denied (HTTP 403): "
                    "Permission denied; as user 'bob' from "
                    "MLFLOW_TRACKING_USERNAME"), line


def test_permission_denied_file_user(mltop, auth, home):
    _write_credentials(home, "bob", auth.bob_pw)
    line = failure(run(mltop, auth, home, "metric", auth.shared_run,
                       "loss"), "bob from the file")
    assert line == (f"mltop: {auth.url}: permission denied (HTTP 403): "
                    "Permission denied; as user 'bob' from "
                    "~/.mlflow/credentials"), line


# ---- the header on the wire, against the client's -------------------------

EMPTY = servers.response_bytes(200, json.dumps({"experiments": []}))


@pytest.mark.parametrize("setup", [
    "env-basic", "file-basic", "env-token", "file-token", "env-basic+token",
    "env-user-file-password", "none"])
def test_authorization_header_matches_client(mltop, fake_server, tmp_path,
                                             monkeypatch, setup):
    """The Authorization header mltop sends is the one the MLflow client
    sends with the same environment and credentials file."""
    from mlflow import MlflowClient
    home = tmp_path / "home"
    home.mkdir()
    env = {}
    user, pw, tok = "carol", "pw-" + secrets.token_hex(8), \
        "tk-" + secrets.token_hex(8)
    if setup == "env-basic":
        env.update(as_user(user, pw))
    elif setup == "file-basic":
        _write_credentials(home, user, pw)
    elif setup == "env-token":
        env["MLFLOW_TRACKING_TOKEN"] = tok
    elif setup == "file-token":
        # The client reads no token from the file; mltop may (the header
        # comment in credentials.h says so), which this case shows.
        _write_credentials(home, token=tok)
    elif setup == "env-basic+token":
        env.update(as_user(user, pw))
        env["MLFLOW_TRACKING_TOKEN"] = tok
    elif setup == "env-user-file-password":
        env["MLFLOW_TRACKING_USERNAME"] = user
        _write_credentials(home, "someone-else", pw)
    f = fake_server(servers.fixed(EMPTY))
    monkeypatch.setenv("HOME", str(home))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    MlflowClient(tracking_uri=f.url).search_experiments()
    assert f.requests, "the client sent nothing"
    want = f.requests[-1].headers.get("authorization")
    p = mltop.run("-u", f.url, "experiments", "--json",
                  env={"HOME": str(home), **env})
    assert p.returncode == 0, p.stderr
    assert pw.encode() not in p.stderr and tok.encode() not in p.stderr
    sent = f.requests[-1].headers.get("authorization")

    def show(h):
        if h and h.startswith("Basic "):
            return f"Basic <{base64.b64decode(h[6:]).decode()}>"
        return h
    assert sent == want, (f"{setup}: mltop sent Authorization "
                          f"{show(sent)!r}, the MLflow client "
                          f"{show(want)!r}")
