# test_registry.py: the model registry: `mltop models`, `versions`,
# `history`, `promote`, `rollback` and the dashboard's promote and rollback
# keys, each on a SQLite file and on a real `mlflow server`. Registry
# content is made with the real MlflowClient and every result is read back
# with it: aliases, stages, tags, timestamps, the history events.
import contextlib
import copy
import json
import math
import os
import re
import shlex
import signal
import socket
import subprocess
import time
import uuid
import warnings

import pytest

import servers
from conftest import MLFLOW_PIN, clean_env, parse_json

BACKENDS = ("sqlite", "server")
TEST_USER = "registry-tester"
WHO = f"{TEST_USER}@{socket.gethostname()}"
HISTORY = "mltop.history."

# Exit codes of the registry commands.
EXIT_OK, EXIT_USAGE, EXIT_STORE, EXIT_CONFLICT, EXIT_IF, EXIT_READ_ONLY = \
    0, 1, 2, 3, 4, 5


def now_ms():
    return int(time.time() * 1000)


def wait_for(pred, timeout, interval=0.05):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            return None
        time.sleep(interval)


@contextlib.contextmanager
def _quiet():
    """Stages are deprecated in MLflow 3; the client warns on every use."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# ---- stores -----------------------------------------------------------------

class Model:
    """One registered model this module made: its name, versions (1..n)
    and the run behind each version."""

    def __init__(self, name, runs):
        self.name = name
        self.runs = runs            # version -> run id


class Registry:
    """A store mltop opens at .uri and the MlflowClient that reads it."""

    def __init__(self, kind, uri, work, path=None, server=None):
        from mlflow import MlflowClient
        self.kind = kind
        self.uri = uri
        self.path = path            # the SQLite file, when a file
        self.server = server
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        self.state = work / "state"
        self.home = work / "home"
        self.home.mkdir(exist_ok=True)
        self.client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        loc = None if server else str(work / "artifacts")
        self.exp_id = self.client.create_experiment(
            f"registry runs {uuid.uuid4().hex[:6]}", artifact_location=loc)

    def __repr__(self):
        return f"<{self.kind} {self.uri}>"

    # -- running mltop --

    def env(self, extra=None):
        e = {"XDG_STATE_HOME": str(self.state), "HOME": str(self.home),
             "USER": TEST_USER}
        e.update(extra or {})
        return e

    def mltop(self, mltop, *args, env=None, uri=None, **kw):
        return mltop.run("-u", uri or self.uri, *args, env=self.env(env),
                         **kw)

    def audit_lines(self):
        p = self.state / "mltop" / "audit.log"
        if not p.is_file():
            return []
        return [json.loads(line) for line in p.read_text().splitlines()]

    # -- making content with the client --

    def make_model(self, label, n=4, val_acc=None, stages=None,
                   aliases=None, description="a model", tags=None,
                   version_tags=None, name=None):
        """A model with n versions, each from its own run (val_acc[i]
        logged), then stages and aliases set through the client."""
        c = self.client
        name = name or f"{label}-{uuid.uuid4().hex[:8]}"
        val_acc = val_acc or [0.80 + 0.01 * i for i in range(n)]
        c.create_registered_model(name, tags=tags, description=description)
        runs = {}
        for i in range(n):
            r = c.create_run(self.exp_id, run_name=f"{label}-train-{i + 1}")
            rid = r.info.run_id
            if val_acc[i] is not None:
                # The latest value (highest step) is val_acc[i]; a higher
                # one and a lower one come at earlier steps but are
                # logged after it: neither the maximum nor the last
                # logged value is the latest.
                for step, d in ((2, 0.0), (0, 0.02), (1, -0.1)):
                    c.log_metric(rid, "val_acc", val_acc[i] + d, step=step)
                assert c.get_run(rid).data.metrics["val_acc"] == val_acc[i]
            c.log_metric(rid, "loss", 1.0 / (i + 2))
            c.log_param(rid, "lr", str(0.01 * (i + 1)))
            c.set_terminated(rid)
            mv = c.create_model_version(
                name, f"runs:/{rid}/model", run_id=rid,
                description=f"version {i + 1} of {label}",
                tags=(version_tags or {}).get(i + 1))
            assert int(mv.version) == i + 1
            runs[i + 1] = rid
        with _quiet():
            for v, stage in (stages or {}).items():
                c.transition_model_version_stage(name, v, stage)
        for alias, v in (aliases or {}).items():
            c.set_registered_model_alias(name, alias, v)
        return Model(name, runs)

    # -- reading back with the client --

    def snapshot(self, name):
        """Everything a promotion may touch, as the client reads it."""
        c = self.client
        rm = c.get_registered_model(name)
        # search_model_versions leaves aliases out; get_model_version
        # fills them in.
        versions = [c.get_model_version(name, v.version) for v in
                    c.search_model_versions(f"name='{name}'")]
        return {
            "aliases": {a: int(v) for a, v in rm.aliases.items()},
            "tags": dict(rm.tags),
            "description": rm.description or "",
            "versions": {int(v.version): {
                "stage": v.current_stage,
                "tags": dict(v.tags),
                "description": v.description or "",
                "aliases": sorted(v.aliases),
            } for v in versions},
        }

    def times(self, name):
        """(the model's last_updated_timestamp, {version: its own})."""
        c = self.client
        rm = c.get_registered_model(name)
        return rm.last_updated_timestamp, {
            int(v.version): v.last_updated_timestamp
            for v in c.search_model_versions(f"name='{name}'")}

    def stages(self, name):
        return {v: d["stage"] for v, d in
                self.snapshot(name)["versions"].items()}


def events(snap):
    """The mltop history events among a model's tags, oldest first."""
    out = []
    for k in sorted(snap["tags"]):
        if k.startswith(HISTORY):
            out.append((k, parse_json(snap["tags"][k], f"tag {k}")))
    return out


def without_history(snap):
    s = copy.deepcopy(snap)
    s["tags"] = {k: v for k, v in s["tags"].items()
                 if not k.startswith(HISTORY)}
    return s


def alias_moved(snap, alias, frm, to):
    """snap with alias moved from version frm to version to."""
    s = without_history(snap)
    s["aliases"][alias] = to
    if frm:
        s["versions"][frm]["aliases"] = sorted(
            set(s["versions"][frm]["aliases"]) - {alias})
    s["versions"][to]["aliases"] = sorted(
        set(s["versions"][to]["aliases"]) | {alias})
    return s


def diff(want, got, path=""):
    """Where two nested values differ, in words (for assertion messages)."""
    out = []
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got), key=str):
            if k not in got:
                out.append(f"{path}/{k}: missing (expected {want[k]!r})")
            elif k not in want:
                out.append(f"{path}/{k}: unexpected {got[k]!r}")
            else:
                out += diff(want[k], got[k], f"{path}/{k}")
    elif want != got:
        out.append(f"{path or '/'}: expected {want!r}, got {got!r}")
    return out


def assert_same(want, got, what):
    d = diff(want, got)
    assert not d, f"{what}:\n  " + "\n  ".join(d[:30])


def out(p):
    return (f"exit {p.returncode}; stdout "
            f"{p.stdout.decode('utf-8', 'replace')[-1500:]!r}; stderr "
            f"{p.stderr.decode('utf-8', 'replace')[-1500:]!r}")


def expect_exit(p, code, what):
    assert p.returncode == code, f"{what}: expected exit {code}, got {out(p)}"


def run_input(mltop, reg, data, *args):
    """mltop with data on stdin and no controlling terminal."""
    return subprocess.run([str(mltop.binary), *map(str, args)], input=data,
                          capture_output=True, env=clean_env(reg.env()),
                          timeout=120, start_new_session=True)


def err_text(p):
    return p.stderr.decode("utf-8", "replace")


def check_event(ev, *, action, kind, name, frm, to, note=None, t0, t1):
    assert ev.get("v") == 1, f"event version: {ev}"
    want = {"who": WHO, "action": action, "kind": kind, "name": name,
            "from": frm, "to": to}
    got = {k: ev.get(k) for k in want}
    assert_same(want, got, f"history event {ev}")
    if note is not None:
        assert ev.get("note") == note, \
            f"event note: expected {note!r}, got {ev.get('note')!r}"
    t = ev.get("time")
    assert isinstance(t, int) and t0 - 2 <= t <= t1 + 2, \
        f"event time {ev.get('time')} not within [{t0}, {t1}] (ms)"


@pytest.fixture(scope="module")
def sqlite_registry(tmp_path_factory):
    from mlflow import MlflowClient
    d = tmp_path_factory.mktemp("registry-sqlite")
    path = d / "registry.db"
    uri = "sqlite:///" + str(path)
    MlflowClient(tracking_uri=uri).search_experiments()  # the schema
    return Registry("sqlite", uri, d, path=path)


@pytest.fixture(scope="module")
def server_registry(server_factory, tmp_path_factory):
    srv = server_factory()
    return Registry("server", srv.url, tmp_path_factory.mktemp(
        "registry-server"), server=srv)


@pytest.fixture(params=BACKENDS)
def reg(request, monkeypatch):
    for k in list(os.environ):
        if k.startswith("MLFLOW_TRACKING_"):
            monkeypatch.delenv(k)
    return request.getfixturevalue(f"{request.param}_registry")


# ---- models and versions agree with the client ------------------------------

def _kv(x, key="key", value="value"):
    """Tags or aliases in MLflow's REST shape, a list of {key, value}
    (left out when empty), as a dict."""
    if x is None:
        return {}
    assert isinstance(x, list) and all(
        isinstance(d, dict) and set(d) == {key, value} and
        isinstance(d[value], str) for d in x), \
        f"expected a list of {{{key!r}, {value!r}}} strings, got {x!r}"
    return {d[key]: d[value] for d in x}


def _list(j, key, what):
    assert isinstance(j, dict) and isinstance(j.get(key, []), list), \
        f"{what}: expected an object with a list '{key}', got {str(j)[:300]}"
    return j.get(key, [])


def mltop_models(reg, mltop):
    j = reg.mltop(mltop, "models", "--json")
    assert j.returncode == 0, f"mltop models --json: {out(j)}"
    got = parse_json(j.stdout.decode("utf-8"), "mltop models --json")
    return {m["name"]: m for m in _list(got, "registered_models",
                                        "models --json")}


def mltop_versions(reg, mltop, name):
    j = reg.mltop(mltop, "versions", name, "--json")
    assert j.returncode == 0, f"mltop versions {name} --json: {out(j)}"
    got = parse_json(j.stdout.decode("utf-8"), "mltop versions --json")
    return _list(got, "model_versions", "versions --json")


def mltop_history(reg, mltop, name, timeline=False):
    """The events of `mltop history NAME --json` (and its timeline)."""
    j = reg.mltop(mltop, "history", name, "--json")
    assert j.returncode == 0, f"mltop history {name} --json: {out(j)}"
    got = parse_json(j.stdout.decode("utf-8"), "mltop history --json")
    evs = _list(got, "history", "history --json")
    if timeline:
        return evs, _list(got, "timeline", "history --json")
    return evs


def test_models_and_versions_agree_with_client(reg, mltop):
    c = reg.client
    a = reg.make_model(
        "listing", n=4, description="churn classifier, ü ✓",
        tags={"team": "risk", "empty": ""},
        stages={1: "Archived", 2: "Production", 3: "Staging"},
        aliases={"champion": 2, "challenger": 3, "old": 2},
        version_tags={2: {"validated": "yes"}, 4: {"note": "a b"}})
    b = reg.make_model("bare model ü", n=1, description=None,
                       name=f"bare model ü {uuid.uuid4().hex[:6]}")
    c.update_model_version(a.name, 4, description="")
    # A deleted version is left out (MLflow keeps it as Deleted_Internal
    # in a SQLite store).
    r = c.create_run(reg.exp_id)
    c.create_model_version(a.name, f"runs:/{r.info.run_id}/model",
                           run_id=r.info.run_id)
    c.delete_model_version(a.name, 5)
    # A prompt: a registered model tagged mlflow.prompt.is_prompt.
    import mlflow
    old = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
    prompt = f"prompt-{uuid.uuid4().hex[:6]}"
    try:
        mlflow.set_tracking_uri(reg.uri)
        mlflow.set_registry_uri(reg.uri)
        mlflow.genai.register_prompt(name=prompt, template="Hi {{who}}")
    finally:
        mlflow.set_tracking_uri(old[0])
        mlflow.set_registry_uri(old[1])
    assert c.search_registered_models(
        filter_string="tags.`mlflow.prompt.is_prompt` = 'true'",
        max_results=1000), "the prompt was not made"

    got = mltop_models(reg, mltop)
    want = {m.name: m for m in c.search_registered_models(max_results=1000)}
    assert prompt not in got, "a prompt is listed among the models"
    assert prompt not in want
    assert sorted(got) == sorted(want), \
        f"model names: client {sorted(want)}, mltop {sorted(got)}"
    for name, rm in want.items():
        g = got[name]
        w = {"description": rm.description or "",
             "tags": {k: str(v) for k, v in rm.tags.items()},
             "aliases": {k: str(v) for k, v in rm.aliases.items()}}
        gg = {"description": g.get("description") or "",
              "tags": _kv(g.get("tags")),
              "aliases": _kv(g.get("aliases"), "alias", "version")}
        assert_same(w, gg, f"models --json, model {name!r}")
    assert {"champion": "2", "challenger": "3", "old": "2"} == \
        _kv(got[a.name].get("aliases"), "alias", "version")
    assert str(got[a.name].get("latest_version")) == "4", got[a.name]

    for m in (a, b):
        vs = mltop_versions(reg, mltop, m.name)
        want_v = {int(v.version): c.get_model_version(m.name, v.version)
                  for v in c.search_model_versions(f"name='{m.name}'")}
        got_v = {int(v["version"]): v for v in vs}
        assert sorted(got_v) == sorted(want_v), \
            f"versions of {m.name}: client {sorted(want_v)}, mltop " \
            f"{sorted(got_v)}"
        for n, mv in want_v.items():
            g = got_v[n]
            w = {"name": mv.name, "current_stage": mv.current_stage,
                 "description": mv.description or "",
                 "run_id": mv.run_id or "", "source": mv.source,
                 "status": mv.status, "tags": dict(mv.tags),
                 "aliases": sorted(mv.aliases)}
            gg = {"name": g.get("name"),
                  "current_stage": g.get("current_stage"),
                  "description": g.get("description") or "",
                  "run_id": g.get("run_id") or "",
                  "source": g.get("source"), "status": g.get("status"),
                  "tags": _kv(g.get("tags")),
                  "aliases": sorted(g.get("aliases") or [])}
            assert_same(w, gg, f"versions --json {m.name!r} v{n}")
            assert g.get("run_id") == m.runs[n]
    # Newest first, as the dashboard shows them.
    assert [int(v["version"]) for v in mltop_versions(reg, mltop, a.name)] \
        == [4, 3, 2, 1]


def test_same_output_on_file_and_server(server_registry, mltop):
    """The server's own store file and the server give the same bytes for
    models, versions and history (as experiments and runs do)."""
    reg = server_registry
    m = reg.make_model("both", n=3, stages={2: "Staging"},
                       aliases={"champion": 1}, tags={"k": "v"},
                       version_tags={1: {"t": "1"}})
    p = reg.mltop(mltop, "promote", m.name, "3", "--alias", "champion",
                  "--note", "n", "--yes")
    expect_exit(p, EXIT_OK, "promote")
    file_uri = "sqlite:///" + str(reg.server.store)
    for args in (["models", "--json"], ["versions", m.name, "--json"],
                 ["history", m.name, "--json"], ["models"],
                 ["versions", m.name], ["history", m.name]):
        f = reg.mltop(mltop, *args, uri=file_uri)
        h = reg.mltop(mltop, *args)
        expect_exit(f, EXIT_OK, f"{args} on the file")
        expect_exit(h, EXIT_OK, f"{args} over http")
        if f.stdout != h.stdout:
            a, b = f.stdout, h.stdout
            i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y),
                     min(len(a), len(b)))
            lo, hi = max(0, i - 80), i + 80
            pytest.fail(f"`mltop {' '.join(args)}`: file and server "
                        f"differ at byte {i}:\n  file {a[lo:hi]!r}"
                        f"\n  http {b[lo:hi]!r}")


def test_versions_of_unknown_model(reg, mltop):
    p = reg.mltop(mltop, "versions", "no-such-model-" + uuid.uuid4().hex,
                  "--json")
    expect_exit(p, EXIT_STORE, "versions of a model that does not exist")
    assert p.stdout == b""
    assert len(err_text(p).rstrip("\n").split("\n")) == 1, out(p)


# ---- promote and roll back: aliases -----------------------------------------

def _twin_apply_event(reg, twin, snap_after):
    """Give the twin the same history tag mltop recorded, so the twin
    holds what MLflow writes for the move plus the tag."""
    for k, v in snap_after["tags"].items():
        if k.startswith(HISTORY):
            reg.client.set_registered_model_tag(twin, k, v)


def _bumped(before, after):
    rm0, v0 = before
    rm1, v1 = after
    return {"model": rm1 != rm0,
            "versions": sorted(v for v in v1 if v1[v] != v0.get(v))}


def test_promote_alias_then_rollback(reg, mltop):
    spec = dict(n=4, stages={2: "Production"},
                aliases={"champion": 1, "challenger": 2})
    m = reg.make_model("alias", **spec)
    twin = reg.make_model("alias-twin", **spec)
    before = reg.snapshot(m.name)
    times0, ttimes0 = reg.times(m.name), reg.times(twin.name)
    time.sleep(0.01)

    t0 = now_ms()
    p = reg.mltop(mltop, "promote", m.name, "3", "--alias", "champion",
                  "--note", "why", "--yes")
    t1 = now_ms()
    expect_exit(p, EXIT_OK, "promote --alias champion to v3")
    after = reg.snapshot(m.name)
    assert after["aliases"] == {"champion": 3, "challenger": 2}, \
        f"aliases after promote: expected champion=3 challenger=2, got " \
        f"{after['aliases']}"
    # Nothing but the alias and one history tag changed.
    assert_same(alias_moved(before, "champion", 1, 3),
                without_history(after), "state after promote")
    evs = events(after)
    assert len(evs) == 1, f"expected one {HISTORY}* tag, got {evs}"
    key, ev = evs[0]
    assert key.startswith(HISTORY) and key[len(HISTORY):].isdigit() and \
        len(key) - len(HISTORY) >= 6, f"history tag key {key!r}"
    check_event(ev, action="promote", kind="alias", name="champion", frm=1,
                to=3, note="why", t0=t0, t1=t1)

    # The timestamps change as MLflow changes them for the same writes.
    reg.client.set_registered_model_alias(twin.name, "champion", 3)
    _twin_apply_event(reg, twin.name, after)
    assert _bumped(times0, reg.times(m.name)) == \
        _bumped(ttimes0, reg.times(twin.name)), \
        "timestamps: mltop's promote changed (model, versions) " \
        f"{_bumped(times0, reg.times(m.name))}, the client's alias move " \
        f"{_bumped(ttimes0, reg.times(twin.name))}"

    hist, timeline = mltop_history(reg, mltop, m.name, timeline=True)
    assert len(hist) == 1, f"history --json: expected 1 event, got {hist}"
    h = hist[0]
    assert h.get("key") == key, (h, key)
    for k in ("who", "action", "kind", "name", "from", "to", "note", "time"):
        assert h.get(k) == ev[k], \
            f"history --json field {k}: expected {ev[k]!r}, got {h.get(k)!r}"
    # The timeline: v3 holds champion since the move, v1 held it until.
    champ = [t for t in timeline
             if t.get("kind") == "alias" and t.get("name") == "champion"]
    now = [t for t in champ if t.get("to_ms") is None]
    assert len(now) == 1 and now[0].get("version") == 3 and \
        now[0].get("from_ms") == ev["time"] and \
        now[0].get("who") == WHO and now[0].get("note") == "why" and \
        not now[0].get("outside"), f"timeline of champion: {champ}"
    assert any(t.get("version") == 1 and t.get("to_ms") == ev["time"]
               for t in champ), f"timeline of champion: {champ}"

    # The audit log got the same event.
    # The audit log got the same event: its intent before the write, then
    # its outcome.
    audit = [a for a in reg.audit_lines() if a.get("model") == m.name]
    assert [a.get("result") for a in audit] == ["started", "done"], audit
    assert audit[0]["event"] == ev and audit[1]["event"] == ev, (audit, ev)

    t2 = now_ms()
    p = reg.mltop(mltop, "rollback", m.name, "--alias", "champion", "--yes")
    t3 = now_ms()
    expect_exit(p, EXIT_OK, "rollback --alias champion")
    back = reg.snapshot(m.name)
    assert back["aliases"] == {"champion": 1, "challenger": 2}, \
        f"aliases after rollback: expected champion=1, got {back['aliases']}"
    assert_same(without_history(before), without_history(back),
                "state after rollback (except history)")
    evs = events(back)
    assert len(evs) == 2 and evs[0] == (key, ev), \
        f"expected the first event kept and a second one, got {evs}"
    check_event(evs[1][1], action="rollback", kind="alias", name="champion",
                frm=3, to=1, t0=t2, t1=t3)
    hist = mltop_history(reg, mltop, m.name)
    assert [(h.get("action"), h.get("from"), h.get("to")) for h in hist] == \
        [("promote", 1, 3), ("rollback", 3, 1)], hist


def test_promote_new_alias_rollback_deletes_it(reg, mltop):
    m = reg.make_model("newalias", n=2, aliases={"champion": 1})
    p = reg.mltop(mltop, "promote", m.name, "2", "--alias", "candidate",
                  "--yes", "--json")
    expect_exit(p, EXIT_OK, "promote to a new alias")
    j = parse_json(p.stdout.decode("utf-8"), "promote --json")
    s = reg.snapshot(m.name)
    assert s["aliases"] == {"champion": 1, "candidate": 2}, s["aliases"]
    (key, ev), = events(s)
    assert (ev["from"], ev["to"], ev["name"]) == (0, 2, "candidate"), ev
    assert j.get("result") == "done" and \
        j["plan"]["write"]["event_key"] == key and \
        "candidate" in j["plan"]["summary"], j
    p = reg.mltop(mltop, "rollback", m.name, "--alias", "candidate", "--yes",
                  "--note", LONG_NOTE)
    expect_exit(p, EXIT_OK, "rollback of a new alias")
    s = reg.snapshot(m.name)
    assert s["aliases"] == {"champion": 1}, \
        f"rollback of an alias that did not exist should delete it; " \
        f"aliases {s['aliases']}"
    assert [e["to"] for _, e in events(s)] == [2, 0]
    # Notes are kept to 500 bytes, cut between characters.
    note = events(s)[1][1]["note"]
    assert 400 < len(note.encode()) <= 500 and LONG_NOTE.startswith(note), \
        f"a {len(LONG_NOTE.encode())}-byte note kept as " \
        f"{len(note.encode())} bytes: {note[-20:]!r}"


LONG_NOTE = "rollback: " + "é✓x" * 200


def test_history_is_bounded(reg, mltop):
    """100 events are kept: the next move drops the oldest, in the same
    write."""
    m = reg.make_model("bounded", n=2, aliases={"champion": 1})
    for i in range(1, 101):
        reg.client.set_registered_model_tag(m.name, f"{HISTORY}{i:06d}",
                                            json.dumps({
                                                "v": 1, "time": 1000 + i,
                                                "who": "someone@else",
                                                "action": "promote",
                                                "kind": "alias",
                                                "name": "old",
                                                "from": i % 2 + 1,
                                                "to": (i + 1) % 2 + 1},
                                                separators=(",", ":")))
    p = reg.mltop(mltop, "promote", m.name, "2", "--alias", "champion",
                  "--yes")
    expect_exit(p, EXIT_OK, "promote with 100 events kept")
    s = reg.snapshot(m.name)
    keys = [k for k, _ in events(s)]
    assert len(keys) == 100, f"{len(keys)} events kept, expected 100"
    assert keys[0] == f"{HISTORY}000002" and \
        keys[-1] == f"{HISTORY}000101", (keys[0], keys[-1])
    assert events(s)[-1][1]["name"] == "champion"
    assert s["aliases"] == {"champion": 2}


@pytest.mark.parametrize("crafted", ["9223372036854775799",
                                     "999999999999999"])
def test_crafted_history_key(reg, mltop, crafted):
    """A tag a user with edit rights set by hand, with a huge event
    number: later moves still record one event each, under keys of their
    own, history reads them all, and rollback goes back through them."""
    m = reg.make_model("crafted", n=3, aliases={"champion": 1})
    reg.client.set_registered_model_tag(m.name, HISTORY + crafted, "x")
    for v in ("2", "3"):
        p = reg.mltop(mltop, "promote", m.name, v, "--alias", "champion",
                      "--yes")
        expect_exit(p, EXIT_OK, f"promote v{v} after a crafted tag")
    s = reg.snapshot(m.name)
    assert s["tags"][HISTORY + crafted] == "x", "the crafted tag was touched"
    ours = [(k, e) for k, e in events(without_crafted(s, crafted))]
    assert [e["to"] for _, e in ours] == [2, 3], ours
    assert len({k for k, _ in ours}) == 2, ours
    hist = mltop_history(reg, mltop, m.name)
    assert [h.get("to") for h in hist] == [2, 3], hist
    p = reg.mltop(mltop, "rollback", m.name, "--alias", "champion", "--yes")
    expect_exit(p, EXIT_OK, "rollback after a crafted tag")
    assert reg.snapshot(m.name)["aliases"] == {"champion": 2}


def without_crafted(snap, crafted):
    s = copy.deepcopy(snap)
    del s["tags"][HISTORY + crafted]
    return s


class _HangEvent(servers.Proxy):
    """Forwards to the real server, except that a registered-model tag
    (the history event, which mltop writes after the move) is never
    answered while .hanging: mltop is then killed in the middle of its
    write."""

    hanging = True

    def __call__(self, server, conn):
        buf = b""
        while True:
            req, buf = servers.read_request(conn, buf)
            if req is None:
                return
            server.record(req)
            if req.endpoint == "registered-models/set-tag" and \
                    self.hanging:
                server.stopping.wait(60)
                return
            status, body = self.forward(req)
            conn.sendall(servers.response_bytes(status, body))


@pytest.mark.parametrize("kind", ["alias", "stage"])
def test_write_killed_before_its_event(server_registry, mltop, fake_server,
                                       kind):
    """mltop killed after a move and before its history event: the audit
    log holds the intent as started, `history` shows the move as
    interrupted, and rollback undoes it."""
    reg = server_registry
    m = reg.make_model("killed", n=3, aliases={"champion": 1},
                       stages={1: "Production"})
    proxy = _HangEvent(reg.uri)
    hang = fake_server(proxy)
    args = (["--alias", "champion"] if kind == "alias"
            else ["--stage", "Production", "--archive-existing"])
    cmd = [str(mltop.binary), "-u", hang.url, "promote", m.name, "2",
           *args, "--yes"]
    p = subprocess.Popen(cmd, env=clean_env(reg.env()),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        got = wait_for(lambda: any(r.endpoint == "registered-models/set-tag"
                                   for r in hang.requests), 60)
        assert got, "mltop never reached its history event"
    finally:
        p.kill()
        p.communicate()
    s = reg.snapshot(m.name)
    if kind == "alias":
        assert s["aliases"] == {"champion": 2}, "the move was not made"
    else:
        assert s["versions"][2]["stage"] == "Production", s["versions"]
    assert not events(s), "an event was recorded although mltop was killed"
    audit = [a for a in reg.audit_lines() if a.get("model") == m.name]
    assert [a.get("result") for a in audit] == ["started"], audit

    # The same user on the same store (the audit log is per user and per
    # store address) goes on.
    proxy.hanging = False
    reg.uri, direct = hang.url, reg.uri
    try:
        _killed_then_rollback(reg, mltop, m, kind)
    finally:
        reg.uri = direct


def _killed_then_rollback(reg, mltop, m, kind):
    hist = mltop_history(reg, mltop, m.name)
    assert len(hist) == 1 and hist[0].get("interrupted") is True and \
        hist[0].get("to") == 2, f"history --json: {hist}"
    text = reg.mltop(mltop, "history", m.name)
    assert b"promote (interrupted)" in text.stdout, out(text)

    target = ["--alias", "champion"] if kind == "alias" else \
        ["--stage", "Production"]
    p = reg.mltop(mltop, "rollback", m.name, *target, "--yes")
    expect_exit(p, EXIT_OK, "rollback of an interrupted write")
    s = reg.snapshot(m.name)
    if kind == "alias":
        assert s["aliases"] == {"champion": 1}, s["aliases"]
    else:
        assert s["versions"][1]["stage"] == "Production" and \
            s["versions"][2]["stage"] == "None", s["versions"]
    assert [e["action"] for _, e in events(s)] == ["rollback"], events(s)
    # Once undone, the interrupted write is no longer offered.
    hist = mltop_history(reg, mltop, m.name)
    assert [h.get("action") for h in hist] == ["rollback"], hist


def test_rollback_without_history_refused(reg, mltop):
    m = reg.make_model("nohist", n=2, aliases={"champion": 2})
    before = reg.snapshot(m.name)
    p = reg.mltop(mltop, "rollback", m.name, "--alias", "champion", "--yes")
    assert p.returncode not in (0,), f"rollback with no history: {out(p)}"
    assert "history" in err_text(p), out(p)
    assert_same(before, reg.snapshot(m.name), "state after refused rollback")


def test_rollback_after_outside_move_refused(reg, mltop):
    """champion moved by someone else after mltop's last move: rolling
    back would guess, so mltop refuses (exit 3) and the timeline says the
    holder changed outside mltop."""
    m = reg.make_model("outside", n=3, aliases={"champion": 1})
    p = reg.mltop(mltop, "promote", m.name, "2", "--alias", "champion",
                  "--yes")
    expect_exit(p, EXIT_OK, "promote champion")
    reg.client.set_registered_model_alias(m.name, "champion", 3)
    before = reg.snapshot(m.name)
    p = reg.mltop(mltop, "rollback", m.name, "--alias", "champion", "--yes")
    expect_exit(p, EXIT_CONFLICT, "rollback after an outside move")
    assert "outside" in err_text(p), out(p)
    assert_same(before, reg.snapshot(m.name), "state after refused rollback")
    _, timeline = mltop_history(reg, mltop, m.name, timeline=True)
    champ = [t for t in timeline if t.get("kind") == "alias" and
             t.get("name") == "champion" and t.get("to_ms") is None]
    assert len(champ) == 1 and champ[0].get("version") == 3 and \
        champ[0].get("outside") is True, f"timeline: {timeline}"


@pytest.mark.parametrize("outside", ["left", "joined"])
def test_stage_rollback_after_outside_move_refused(reg, mltop, outside):
    """After mltop's last Production move someone else changed who is in
    Production: a version mltop put there left it, or another version
    joined it. Rolling back cannot restore the stage as it was: refuse
    (exit 3), change nothing."""
    m = reg.make_model("outside-stage", n=3, stages={1: "Production"})
    p = reg.mltop(mltop, "promote", m.name, "2", "--stage", "Production",
                  "--archive-existing", "--yes")
    expect_exit(p, EXIT_OK, "promote v2 to Production")
    with _quiet():
        if outside == "left":
            reg.client.transition_model_version_stage(m.name, 2, "Staging")
        else:
            reg.client.transition_model_version_stage(m.name, 3,
                                                      "Production")
    before = reg.snapshot(m.name)
    problems = []
    # The timeline shows the current holders, marked as moved outside.
    _, timeline = mltop_history(reg, mltop, m.name, timeline=True)
    now = {t.get("version"): t for t in timeline
           if t.get("kind") == "stage" and t.get("name") == "Production"
           and t.get("to_ms") is None}
    # (version 0: nobody holds it now.)
    want_now = {2: False, 3: True} if outside == "joined" else {0: True}
    if {v: bool(t.get("outside")) for v, t in now.items()} != want_now:
        problems.append(f"timeline: Production held now by (version: "
                        f"outside) {want_now} expected, got "
                        f"{ {v: t.get('outside') for v, t in now.items()} }")
    p = reg.mltop(mltop, "rollback", m.name, "--stage", "Production",
                  "--yes")
    if p.returncode != EXIT_CONFLICT or "outside" not in err_text(p):
        problems.append(f"rollback: expected exit 3 naming the outside "
                        f"move, got {out(p)}")
    d = diff(before, reg.snapshot(m.name))
    if d:
        problems.append(f"state changed: {d}")
    assert not problems, \
        f"after a version {outside} Production outside mltop:\n  " + \
        "\n  ".join(problems)


def test_promote_odd_model_name(reg, mltop):
    """Spaces, accents, symbols: on the server they travel in URLs and in
    a search filter."""
    name = f"fraud détecteur ✓ (v2) & co?x=1#{uuid.uuid4().hex[:6]}"
    m = reg.make_model("odd", n=2, name=name, aliases={"champion": 1},
                       stages={1: "Production"})
    for args, want in ((["2", "--alias", "champion"], {"champion": 2}),
                       (["2", "--stage", "Production", "--archive-existing"],
                        None)):
        p = reg.mltop(mltop, "promote", m.name, *args, "--yes")
        expect_exit(p, EXIT_OK, f"promote {name!r} " + " ".join(args))
    s = reg.snapshot(m.name)
    assert s["aliases"] == {"champion": 2}
    assert {v: d["stage"] for v, d in s["versions"].items()} == \
        {1: "Archived", 2: "Production"}
    assert len(events(s)) == 2
    assert [int(v["version"]) for v in mltop_versions(reg, mltop, name)] \
        == [2, 1]
    assert len(mltop_history(reg, mltop, name)) == 2


@pytest.mark.parametrize("alias", ["latest", "Latest", "v3", "bad alias"])
def test_invalid_alias_refused(reg, mltop, alias):
    """MLflow's rules: 'latest' and v<N> are reserved, no spaces."""
    m = reg.make_model("badalias", n=2, aliases={"champion": 1})
    before = reg.snapshot(m.name)
    p = reg.mltop(mltop, "promote", m.name, "2", "--alias", alias, "--yes")
    assert p.returncode in (EXIT_USAGE, EXIT_STORE), \
        f"alias {alias!r}: {out(p)}"
    assert_same(before, reg.snapshot(m.name), f"state after alias {alias!r}")


def test_declined_at_the_prompt(reg, mltop):
    """Without --yes mltop asks; "n" (or no terminal) changes nothing and
    exits 1."""
    m = reg.make_model("decline", n=2, aliases={"champion": 1})
    before = reg.snapshot(m.name)
    p = run_input(mltop, reg, b"n\n", "-u", reg.uri, "promote", m.name,
                  "2", "--alias", "champion")
    expect_exit(p, EXIT_USAGE, "promote answered n")
    assert_same(before, reg.snapshot(m.name), "state after declining")


def test_usage_errors(reg, mltop):
    m = reg.make_model("usage", n=2, aliases={"champion": 1})
    before = reg.snapshot(m.name)
    for args in (["promote", m.name, "2", "--yes"],
                 ["promote", m.name, "2", "--alias", "champion", "--stage",
                  "Production", "--yes"],
                 ["promote", m.name, "--alias", "champion", "--yes"],
                 ["promote", m.name, "two", "--alias", "champion", "--yes"],
                 ["rollback", m.name, "--yes"]):
        p = reg.mltop(mltop, *args)
        expect_exit(p, EXIT_USAGE, " ".join(args))
    p = reg.mltop(mltop, "promote", m.name, "9", "--alias", "champion",
                  "--yes")
    assert p.returncode in (EXIT_USAGE, EXIT_STORE), \
        f"promote to a version that does not exist: {out(p)}"
    assert "9" in err_text(p), out(p)
    assert_same(before, reg.snapshot(m.name), "state after usage errors")


# ---- promote and roll back: stages ------------------------------------------

STAGE_SPEC = dict(n=4, stages={1: "Production", 2: "Production",
                               3: "Staging"},
                  aliases={"champion": 2})


@pytest.mark.parametrize("archive", [False, True],
                         ids=["keep-existing", "archive-existing"])
def test_promote_stage_then_rollback(reg, mltop, archive):
    m = reg.make_model("stage", **STAGE_SPEC)
    twin = reg.make_model("stage-twin", **STAGE_SPEC)
    before = reg.snapshot(m.name)
    times0, ttimes0 = reg.times(m.name), reg.times(twin.name)
    time.sleep(0.01)

    args = ["promote", m.name, "3", "--stage", "Production", "--note",
            "ship it", "--yes"] + (["--archive-existing"] if archive else [])
    t0 = now_ms()
    p = reg.mltop(mltop, *args)
    t1 = now_ms()
    expect_exit(p, EXIT_OK, " ".join(args))
    after = reg.snapshot(m.name)

    with _quiet():
        reg.client.transition_model_version_stage(
            twin.name, 3, "Production", archive_existing_versions=archive)
    _twin_apply_event(reg, twin.name, after)
    want_stages = reg.stages(twin.name)
    got_stages = {v: d["stage"] for v, d in after["versions"].items()}
    assert got_stages == want_stages, \
        f"stages after mltop promote (archive={archive}): expected what " \
        f"transition_model_version_stage gives {want_stages}, got " \
        f"{got_stages}"
    assert after["aliases"] == before["aliases"], \
        f"aliases changed by a stage promotion: {after['aliases']}"
    got_b = _bumped(times0, reg.times(m.name))
    want_b = _bumped(ttimes0, reg.times(twin.name))
    assert got_b == want_b, \
        f"last_updated_timestamp changed on {got_b}, MLflow changes " \
        f"{want_b}"
    lut_model, lut_v = reg.times(m.name)
    assert all(lut_v[v] >= t0 for v in got_b["versions"]), lut_v

    (key, ev), = events(after)
    held = sorted(v for v, d in before["versions"].items()
                  if d["stage"] == "Production")
    check_event(ev, action="promote", kind="stage", name="Production",
                frm=ev.get("from"), to=3, note="ship it", t0=t0, t1=t1)
    assert ev["from"] in held, \
        f"event 'from' {ev['from']}: expected a previous holder {held}"
    moved = {v: (before["versions"][v]["stage"], got_stages[v])
             for v in got_stages
             if got_stages[v] != before["versions"][v]["stage"]}
    ev_moves = {mv["version"]: (mv["from"], mv["to"])
                for mv in ev.get("moves", [])}
    assert ev_moves == moved, \
        f"event moves {ev_moves}, but the versions that changed: {moved}"
    # The plan printed first says every change, and who stays.
    plan = p.stdout.decode("utf-8")
    for v, (a, b) in moved.items():
        assert re.search(rf"^\s*v{v}: {a} -> {b}\b", plan, re.M), \
            f"the plan does not show v{v}: {a} -> {b}:\n{plan}"
    for v in held:
        if v not in moved:
            assert re.search(rf"^\s*v{v} stays in Production", plan, re.M), \
                f"the plan does not say v{v} stays in Production:\n{plan}"

    t2 = now_ms()
    p = reg.mltop(mltop, "rollback", m.name, "--stage", "Production",
                  "--yes")
    t3 = now_ms()
    expect_exit(p, EXIT_OK, "rollback --stage Production")
    back = reg.snapshot(m.name)
    assert_same(without_history(before), without_history(back),
                f"state after rollback (archive={archive})")
    evs = events(back)
    assert len(evs) == 2 and evs[0] == (key, ev), evs
    rb = evs[1][1]
    check_event(rb, action="rollback", kind="stage", name="Production",
                frm=3, to=ev["from"], t0=t2, t1=t3)
    assert {mv["version"]: (mv["from"], mv["to"]) for mv in rb["moves"]} \
        == {v: (b, a) for v, (a, b) in moved.items()}, rb
    hist = mltop_history(reg, mltop, m.name)
    assert [(h.get("action"), h.get("kind"), h.get("name")) for h in hist] \
        == [("promote", "stage", "Production"),
            ("rollback", "stage", "Production")], hist


def test_timeline_after_stage_moves(reg, mltop):
    """Promote v3 from Staging to Production with --archive-existing, then
    roll back: the timeline keeps v3's Staging span from before mltop's
    history, shows v3 back in Staging by the rollback (not as a move made
    outside mltop), and marks what predates the history as such."""
    m = reg.make_model("timeline", n=3, stages={2: "Production",
                                                3: "Staging"})
    p = reg.mltop(mltop, "promote", m.name, "3", "--stage", "Production",
                  "--archive-existing", "--yes")
    expect_exit(p, EXIT_OK, "promote v3 to Production")
    assert reg.stages(m.name) == {1: "None", 2: "Archived",
                                  3: "Production"}, reg.stages(m.name)
    p = reg.mltop(mltop, "rollback", m.name, "--stage", "Production",
                  "--note", "undo", "--yes")
    expect_exit(p, EXIT_OK, "rollback Production")
    assert reg.stages(m.name) == {1: "None", 2: "Production",
                                  3: "Staging"}, reg.stages(m.name)
    hist, timeline = mltop_history(reg, mltop, m.name, timeline=True)
    promote, rollback = hist[0]["time"], hist[1]["time"]

    def spans(stage):
        return [(t["version"], t["from_ms"], t["to_ms"], t.get("who"),
                 t.get("before_history"), t.get("outside"))
                for t in timeline
                if t.get("kind") == "stage" and t.get("name") == stage]
    assert spans("Staging") == [
        (3, None, promote, None, True, False),
        (3, rollback, None, WHO, False, False)], \
        f"Staging: v3 before the history until the promotion, then back " \
        f"by the rollback; got {spans('Staging')}"
    assert spans("Production") == [
        (2, None, promote, None, True, False),
        (3, promote, rollback, WHO, False, False),
        (2, rollback, None, WHO, False, False)], spans("Production")
    assert not [t for t in timeline if t.get("outside")], timeline
    p = reg.mltop(mltop, "history", m.name)
    expect_exit(p, EXIT_OK, "history")
    text = p.stdout.decode("utf-8")
    assert "(outside mltop)" not in text and "(before history)" in text, \
        text


def test_rollback_twice_goes_further_back(reg, mltop):
    """Rolling back again undoes the move before the one rolled back (as
    undo does), not the rollback; with every move undone there is nothing
    to roll back to."""
    m = reg.make_model("undo", n=3, aliases={"champion": 1},
                       stages={1: "Production"})
    for v in ("2", "3"):
        p = reg.mltop(mltop, "promote", m.name, v, "--alias", "champion",
                      "--yes")
        expect_exit(p, EXIT_OK, f"promote champion to v{v}")
    seen = []
    for _ in range(2):
        p = reg.mltop(mltop, "rollback", m.name, "--alias", "champion",
                      "--yes")
        expect_exit(p, EXIT_OK, "rollback champion")
        seen.append(reg.snapshot(m.name)["aliases"]["champion"])
    assert seen == [2, 1], f"champion after two rollbacks: {seen}"
    assert "one move further back" in p.stdout.decode("utf-8"), out(p)
    before = reg.snapshot(m.name)
    p = reg.mltop(mltop, "rollback", m.name, "--alias", "champion", "--yes")
    expect_exit(p, EXIT_USAGE, "a third rollback")
    assert "rolled back already" in err_text(p), out(p)
    assert_same(before, reg.snapshot(m.name), "state after refused rollback")

    # Stages: v2 joins Production, v3 takes it over; two rollbacks give
    # the stages as they were.
    start = reg.stages(m.name)
    p = reg.mltop(mltop, "promote", m.name, "2", "--stage", "Production",
                  "--yes")
    expect_exit(p, EXIT_OK, "promote v2 to Production")
    p = reg.mltop(mltop, "promote", m.name, "3", "--stage", "Production",
                  "--archive-existing", "--yes")
    expect_exit(p, EXIT_OK, "promote v3 to Production, archive existing")
    got = []
    for _ in range(2):
        p = reg.mltop(mltop, "rollback", m.name, "--stage", "Production",
                      "--yes")
        expect_exit(p, EXIT_OK, "rollback Production")
        got.append(reg.stages(m.name))
    assert got == [{1: "Production", 2: "Production", 3: "None"}, start], \
        f"stages after each rollback: {got} (at first {start})"
    _, timeline = mltop_history(reg, mltop, m.name, timeline=True)
    assert not [t for t in timeline if t.get("outside")], timeline


def test_promote_stage_lower_case(reg, mltop):
    """MLflow takes stage names in any case and stores the canonical one."""
    m = reg.make_model("stagecase", n=2, stages={1: "Staging"})
    p = reg.mltop(mltop, "promote", m.name, "2", "--stage", "staging",
                  "--archive-existing", "--yes")
    expect_exit(p, EXIT_OK, "promote --stage staging")
    assert reg.stages(m.name) == {1: "Archived", 2: "Staging"}


def test_archive_existing_needs_active_stage(reg, mltop):
    m = reg.make_model("archbad", n=2, stages={1: "Staging"})
    before = reg.snapshot(m.name)
    p = reg.mltop(mltop, "promote", m.name, "2", "--stage", "Archived",
                  "--archive-existing", "--yes")
    assert p.returncode in (EXIT_USAGE, EXIT_STORE), out(p)
    assert_same(before, reg.snapshot(m.name), "state after a refused move")


# ---- --read-only ------------------------------------------------------------

def test_read_only_refuses(reg, mltop):
    m = reg.make_model("ro", **STAGE_SPEC)
    p = reg.mltop(mltop, "promote", m.name, "4", "--alias", "champion",
                  "--yes")
    expect_exit(p, EXIT_OK, "promote before the read-only checks")
    before = reg.snapshot(m.name)
    times = reg.times(m.name)
    audit_before = len(reg.audit_lines())
    for args in (["promote", m.name, "3", "--alias", "champion", "--yes"],
                 ["promote", m.name, "3", "--stage", "Production",
                  "--archive-existing", "--yes"],
                 ["promote", m.name, "3", "--alias", "champion"],
                 ["rollback", m.name, "--alias", "champion", "--yes"]):
        p = reg.mltop(mltop, "--read-only", *args)
        expect_exit(p, EXIT_READ_ONLY, "--read-only " + " ".join(args))
        assert "read-only" in err_text(p) + p.stdout.decode(), out(p)
    assert_same(before, reg.snapshot(m.name), "state after --read-only")
    assert reg.times(m.name) == times
    p = reg.mltop(mltop, "--read-only", "promote", m.name, "3", "--alias",
                  "champion", "--yes", "--json")
    expect_exit(p, EXIT_READ_ONLY, "--read-only promote --json")
    assert parse_json(p.stdout.decode("utf-8"), "promote --json"
                      ).get("result") == "read-only", out(p)
    # Reading still works.
    assert mltop_versions(reg, mltop, m.name)
    audit = reg.audit_lines()[audit_before:]
    assert all(a.get("result") != "done" for a in audit), audit


def test_read_only_sends_no_writes(server_registry, mltop, fake_server):
    """Over HTTP --read-only sends only reads, whatever the command."""
    reg = server_registry
    m = reg.make_model("ro-http", **STAGE_SPEC)
    p = reg.mltop(mltop, "promote", m.name, "4", "--alias", "champion",
                  "--yes")
    expect_exit(p, EXIT_OK, "promote before the read-only checks")
    f = fake_server(servers.Proxy(reg.uri))
    for args in (["promote", m.name, "3", "--alias", "champion"],
                 ["promote", m.name, "3", "--stage", "Production",
                  "--archive-existing"],
                 ["rollback", m.name, "--alias", "champion"]):
        p = mltop.run("-u", f.url, "--read-only", *args, "--yes",
                      env=reg.env())
        expect_exit(p, EXIT_READ_ONLY, "--read-only " + " ".join(args))
    assert f.requests, "nothing went through the proxy"
    writes = [r for r in f.requests if r.method != "GET" and
              not r.endpoint.endswith("/search")]
    assert not writes, f"--read-only sent {writes}"


# ---- --if -------------------------------------------------------------------

def test_if_gate(reg, mltop):
    m = reg.make_model("gate", n=4, val_acc=[0.90, 0.95, 0.97, None],
                       aliases={"champion": 1})
    # val_acc's latest value for v3's run is 0.97 (step 2); its maximum
    # is 0.99 (step 0), its last logged 0.87 (step 1).
    before = reg.snapshot(m.name)
    for cond in ("metrics.val_acc >= 0.985", "metrics.val_acc > 0.97",
                 "metrics.val_acc < 0.5", "metrics.val_acc >= 0.99"):
        p = reg.mltop(mltop, "promote", m.name, "3", "--alias", "champion",
                      "--if", cond, "--yes")
        expect_exit(p, EXIT_IF, f"--if '{cond}' with val_acc 0.97")
        assert "val_acc" in err_text(p), out(p)
    p = reg.mltop(mltop, "promote", m.name, "3", "--alias", "champion",
                  "--if", "metrics.val_acc >= 0.99", "--yes", "--json")
    expect_exit(p, EXIT_IF, "--if not met, --json")
    assert parse_json(p.stdout.decode("utf-8"), "promote --json"
                      ).get("result") == "condition not met", out(p)
    # v4's run has no val_acc at all.
    p = reg.mltop(mltop, "promote", m.name, "4", "--alias", "champion",
                  "--if", "metrics.val_acc >= 0.1", "--yes")
    expect_exit(p, EXIT_IF, "--if on a metric the run lacks")
    assert "val_acc" in err_text(p), out(p)
    assert_same(before, reg.snapshot(m.name), "state after failed --if")
    p = reg.mltop(mltop, "promote", m.name, "3", "--alias", "champion",
                  "--if", "metrics.val_acc >= 0.97", "--yes")
    expect_exit(p, EXIT_OK, "--if 'metrics.val_acc >= 0.97' with val_acc "
                "0.97 (latest)")
    assert reg.snapshot(m.name)["aliases"] == {"champion": 3}
    # A gate on a stage move too, and two conditions.
    p = reg.mltop(mltop, "promote", m.name, "2", "--stage", "Staging",
                  "--if", "metrics.val_acc >= 0.95 and metrics.loss < 1",
                  "--yes")
    expect_exit(p, EXIT_OK, "--if with two passing conditions")
    assert reg.stages(m.name)[2] == "Staging"
    p = reg.mltop(mltop, "promote", m.name, "1", "--stage", "Staging",
                  "--if", "metrics.val_acc >= 0.95 and metrics.loss < 1",
                  "--yes")
    expect_exit(p, EXIT_IF, "--if: val_acc 0.90 fails the first condition")
    assert reg.stages(m.name) == {1: "None", 2: "Staging", 3: "None",
                                  4: "None"}


def test_if_gate_fails_on_nan(reg, mltop):
    """NaN compares unequal to everything: `!=` must not let it through."""
    m = reg.make_model("gate-nan", n=2, val_acc=[0.90, None],
                       aliases={"champion": 1})
    reg.client.log_metric(m.runs[2], "val_acc", float("nan"), step=5)
    latest = reg.client.get_run(m.runs[2]).data.metrics["val_acc"]
    assert math.isnan(latest), latest
    before = reg.snapshot(m.name)
    for cond in ("metrics.val_acc != 0.5", "metrics.val_acc >= 0",
                 "metrics.val_acc < 1e308"):
        p = reg.mltop(mltop, "promote", m.name, "2", "--alias", "champion",
                      "--if", cond, "--yes")
        expect_exit(p, EXIT_IF, f"--if '{cond}' on a NaN metric")
        assert "NaN" in err_text(p), out(p)
    assert_same(before, reg.snapshot(m.name), "state after NaN gates")


# ---- kill -9 in a SQLite write; concurrent promotes -------------------------

def _wchan(pid):
    """What the process waits in (Linux); "nanosleep" if /proc cannot
    say, so the wait for a pause does not hang elsewhere."""
    try:
        with open(f"/proc/{pid}/wchan") as f:
            w = f.read()
    except OSError:
        return "nanosleep"
    return w if w not in ("", "0") else "nanosleep"


@pytest.mark.parametrize("kind", ["stage", "alias"])
def test_kill_during_sqlite_write(sqlite_registry, mltop, tmp_path, kind,
                                  test_hooks):
    reg = sqlite_registry
    m = reg.make_model("kill", **STAGE_SPEC)
    twin = reg.make_model("kill-twin", **STAGE_SPEC)
    before = reg.snapshot(m.name)
    times = reg.times(m.name)
    journal = reg.path.with_name(reg.path.name + "-journal")
    wal = reg.path.with_name(reg.path.name + "-wal")
    move = (["--stage", "Production", "--archive-existing"]
            if kind == "stage" else ["--alias", "champion"])
    args = ["-u", reg.uri, "promote", m.name, "3", *move, "--note",
            "killed", "--yes"]
    proc = subprocess.Popen(
        [str(mltop.binary), *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(reg.env({"MLTOP_TEST_PAUSE_IN_WRITE": "3"})))
    try:
        # Inside the write transaction the first change is made: SQLite
        # has journalled the page it changed.
        inside = wait_for(lambda: (journal.exists() and
                                   journal.stat().st_size > 0) or
                          (wal.exists() and wal.stat().st_size > 0) or
                          proc.poll() is not None, 10)
        # Then it pauses (MLTOP_TEST_PAUSE_IN_WRITE) after that change.
        wait_for(lambda: proc.poll() is not None or
                 "nanosleep" in _wchan(proc.pid), 10)
        assert proc.poll() is None, \
            f"mltop finished before it could be killed: exit " \
            f"{proc.returncode}; {proc.stderr.read()!r}"
        assert inside and (journal.exists() or wal.exists()), \
            "no journal: mltop never started writing within 10 s"
        # Another reader sees the old state while the write is open.
        assert reg.stages(m.name) == {v: d["stage"] for v, d in
                                      before["versions"].items()}
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert_same(before, reg.snapshot(m.name),
                "state after kill -9 in the write (must be the old one)")
    assert reg.times(m.name) == times, "timestamps changed by a killed write"

    p = reg.mltop(mltop, *args[2:])
    expect_exit(p, EXIT_OK, "the same promotion without the pause")
    after = reg.snapshot(m.name)
    if kind == "stage":
        with _quiet():
            reg.client.transition_model_version_stage(
                twin.name, 3, "Production", archive_existing_versions=True)
        assert reg.stages(m.name) == reg.stages(twin.name) == \
            {1: "Archived", 2: "Archived", 3: "Production", 4: "None"}
        assert after["aliases"] == before["aliases"]
    else:
        assert_same(alias_moved(before, "champion", 2, 3),
                    without_history(after), "state after the alias move")
    evs = events(after)
    assert len(evs) == 1 and evs[0][1]["note"] == "killed", evs


def test_concurrent_promotes_sqlite(sqlite_registry, mltop, test_hooks):
    """Two promotes of one alias at once: the second planned against the
    state before the first committed, so it must refuse with exit 3 and
    leave the first one's move in place."""
    reg = sqlite_registry
    m = reg.make_model("race", n=3, aliases={"champion": 1})
    journal = reg.path.with_name(reg.path.name + "-journal")
    env_a = clean_env(reg.env({"MLTOP_TEST_PAUSE_IN_WRITE": "1"}))
    a = subprocess.Popen([str(mltop.binary), "-u", reg.uri, "promote",
                          m.name, "2", "--alias", "champion", "--yes"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env_a)
    try:
        assert wait_for(lambda: journal.exists() or a.poll() is not None,
                        10), "the first promote never started writing"
        assert a.poll() is None, "the first promote did not pause"
        b = reg.mltop(mltop, "promote", m.name, "3", "--alias", "champion",
                      "--yes")
        a_out, a_err = a.communicate(timeout=30)
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
    assert a.returncode == EXIT_OK, f"first promote: {a.returncode} {a_err!r}"
    expect_exit(b, EXIT_CONFLICT, "the second, concurrent promote")
    assert "conflict" in err_text(b), out(b)
    s = reg.snapshot(m.name)
    assert s["aliases"] == {"champion": 2}, s["aliases"]
    assert [e["to"] for _, e in events(s)] == [2], events(s)


def test_concurrent_promotes_keep_every_event_sqlite(sqlite_registry,
                                                     mltop, test_hooks):
    """Two promotes of different aliases at once both succeed; the
    history must then hold both moves (each under its own key), or
    rolling back one of them is impossible."""
    reg = sqlite_registry
    m = reg.make_model("race2", n=3, aliases={"champion": 1})
    journal = reg.path.with_name(reg.path.name + "-journal")
    env_a = clean_env(reg.env({"MLTOP_TEST_PAUSE_IN_WRITE": "1"}))
    a = subprocess.Popen([str(mltop.binary), "-u", reg.uri, "promote",
                          m.name, "2", "--alias", "champion", "--yes"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env_a)
    try:
        assert wait_for(lambda: journal.exists() or a.poll() is not None,
                        10), "the first promote never started writing"
        assert a.poll() is None, "the first promote did not pause"
        b = reg.mltop(mltop, "promote", m.name, "3", "--alias",
                      "challenger", "--yes")
        a.communicate(timeout=30)
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
    _check_both_events(reg, m, a.returncode, b)


def _check_both_events(reg, m, a_rc, b):
    s = reg.snapshot(m.name)
    if a_rc == EXIT_OK and b.returncode == EXIT_OK:
        assert s["aliases"] == {"champion": 2, "challenger": 3}, s
        got = sorted((e["name"], e["from"], e["to"]) for _, e in events(s))
        assert got == [("challenger", 0, 3), ("champion", 1, 2)], \
            f"both moves happened, the history holds {got}: one event " \
            f"overwrote the other (keys {[k for k, _ in events(s)]})"
    else:
        # Refusing the second is fine too, when it changes nothing.
        assert {a_rc, b.returncode} == {EXIT_OK, EXIT_CONFLICT}, \
            (a_rc, out(b))
        assert len(events(s)) == 1


def test_concurrent_promotes_keep_every_event_server(server_registry, mltop,
                                                     fake_server):
    """Over HTTP: another mltop promotes challenger between this one's
    plan and its write."""
    reg = server_registry
    m = reg.make_model("race2-http", n=3, aliases={"champion": 1})
    count = fake_server(servers.Proxy(reg.uri))
    p = run_input(mltop, reg, b"n\n", "-u", count.url, "promote", m.name,
                  "2", "--alias", "champion")
    expect_exit(p, EXIT_USAGE, "promote through the proxy, declined")
    reads = sum(1 for r in count.requests
                if r.endpoint == "registered-models/get")
    other = {}

    def rewrite(req):
        if req.endpoint == "registered-models/get":
            other["n"] = other.get("n", 0) + 1
            if other["n"] == reads + 1:
                other["b"] = reg.mltop(mltop, "promote", m.name, "3",
                                       "--alias", "challenger", "--yes")
    f = fake_server(servers.Proxy(reg.uri, rewrite=rewrite))
    p = mltop.run("-u", f.url, "promote", m.name, "2", "--alias",
                  "champion", "--yes", env=reg.env())
    assert "b" in other, "the other promote never ran"
    expect_exit(other["b"], EXIT_OK, "the other promote")
    _check_both_events(reg, m, p.returncode, other["b"])


# ---- conflicts over HTTP: another client moves between plan and write -------

def test_conflict_server_scripting(server_registry, mltop, fake_server):
    """Through a proxy: the client moves champion right before mltop's
    last read of the model (the check before the write)."""
    reg = server_registry
    m = reg.make_model("race-http", n=3, aliases={"champion": 1})
    # How many reads of the model does a promote make before it asks?
    count = fake_server(servers.Proxy(reg.uri))
    p = run_input(mltop, reg, b"n\n", "-u", count.url, "promote", m.name,
                  "2", "--alias", "champion")
    expect_exit(p, EXIT_USAGE, "promote through the proxy, declined")
    reads = sum(1 for r in count.requests
                if r.endpoint == "registered-models/get")
    assert reads >= 1, count.requests

    seen = {"n": 0}

    def rewrite(req):
        if req.endpoint == "registered-models/get":
            seen["n"] += 1
            if seen["n"] == reads + 1:
                reg.client.set_registered_model_alias(m.name, "champion", 3)
    f = fake_server(servers.Proxy(reg.uri, rewrite=rewrite))
    p = mltop.run("-u", f.url, "promote", m.name, "2", "--alias",
                  "champion", "--yes", env=reg.env())
    assert seen["n"] > reads, \
        f"mltop read the model {seen['n']} times; no check before writing"
    expect_exit(p, EXIT_CONFLICT, "promote after another client moved it")
    assert "conflict: alias champion now points to v3 (the plan expected " \
        "v1); nothing changed" in err_text(p), out(p)
    assert "screen" not in err_text(p), f"no screen in a script: {out(p)}"
    s = reg.snapshot(m.name)
    assert s["aliases"] == {"champion": 3}, s["aliases"]
    assert events(s) == [], "a history event for a move that did not happen"


def test_server_failed_move_records_nothing(server_registry, mltop,
                                            fake_server):
    """When the server refuses the move itself, no history event claims
    it happened and the state is unchanged."""
    reg = server_registry
    m = reg.make_model("fail-http", **STAGE_SPEC)
    before = reg.snapshot(m.name)
    boom = servers.response_bytes(500, json.dumps(
        {"error_code": "INTERNAL_ERROR", "message": "disk full"}))
    f = fake_server(servers.Proxy(reg.uri, faults={
        "model-versions/transition-stage": boom,
        "registered-models/alias": boom}))
    for args in (["3", "--stage", "Production", "--archive-existing"],
                 ["3", "--alias", "champion"]):
        p = mltop.run("-u", f.url, "promote", m.name, *args, "--yes",
                      env=reg.env())
        expect_exit(p, EXIT_STORE, "promote when the server fails the move")
        assert "disk full" in err_text(p), out(p)
        assert_same(before, reg.snapshot(m.name),
                    "state after a failed move")


# ---- basic-auth: a user who may only read the model -------------------------

class AuthServer:
    @contextlib.contextmanager
    def admin(self):
        """The client in this process as the server's admin."""
        with pytest.MonkeyPatch.context() as mp:
            for k in list(os.environ):
                if k.startswith("MLFLOW_TRACKING_"):
                    mp.delenv(k)
            mp.setenv("MLFLOW_TRACKING_USERNAME", "admin")
            mp.setenv("MLFLOW_TRACKING_PASSWORD", self.admin_pw)
            yield

    # Read back through the store file the server serves (each request to
    # a basic-auth server checks a password hash: slow).
    def snapshot(self):
        return self.file.snapshot(self.model.name)

    def times(self):
        return self.file.times(self.model.name)


@pytest.fixture(scope="module")
def auth_registry(server_factory, tmp_path_factory):
    try:
        import flask_wtf  # noqa: F401  (the basic-auth app needs it)
    except ImportError:
        pytest.skip("mlflow's basic-auth app needs Flask-WTF: install "
                    f"mlflow[auth]=={MLFLOW_PIN} into .venv")
    import secrets
    from mlflow import MlflowClient
    from mlflow.server.auth.client import AuthServiceClient
    a = AuthServer()
    d = tmp_path_factory.mktemp("registry-auth")
    a.admin_pw = "admin-" + secrets.token_hex(12)
    a.pw = {"reader": "reader-" + secrets.token_hex(12),
            "editor": "editor-" + secrets.token_hex(12)}
    # The content goes into the file before the server starts: every
    # request to a basic-auth server checks a password hash, which is slow.
    store = d / "auth.db"
    MlflowClient(tracking_uri="sqlite:///" + str(store)).search_experiments()
    reg = Registry("sqlite", "sqlite:///" + str(store), d / "work")
    a.model = reg.make_model("guarded", **STAGE_SPEC)
    a.file = copy.copy(reg)
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
    reg.kind, reg.uri, reg.server = "server", srv.url, srv
    reg.client = MlflowClient(tracking_uri=srv.url, registry_uri=srv.url)
    a.reg = reg
    with a.admin():
        admin = AuthServiceClient(a.url)
        for user, perm in (("reader", "READ"), ("editor", "EDIT")):
            admin.create_user(user, a.pw[user])
            admin.grant_user_permission(user, "experiment", reg.exp_id,
                                        "READ")
            admin.grant_user_permission(user, "registered_model",
                                        a.model.name, perm)
    return a


def _as(auth, user):
    return {"MLFLOW_TRACKING_USERNAME": user,
            "MLFLOW_TRACKING_PASSWORD": auth.pw[user]}


def test_auth_read_permission_cannot_promote(auth_registry, mltop):
    a = auth_registry
    name = a.model.name
    # The reader can read the model: the grant is what the server keeps.
    got = a.reg.mltop(mltop, "versions", name, "--json",
                      env=_as(a, "reader"))
    assert got.returncode == 0, f"reader: versions --json: {out(got)}"
    # The editor's promotion makes a history to roll back.
    p = a.reg.mltop(mltop, "promote", name, "4", "--alias", "champion",
                    "--yes", env=_as(a, "editor"))
    expect_exit(p, EXIT_OK, "editor (EDIT on the model) promotes")
    before = a.snapshot()
    assert before["aliases"]["champion"] == 4
    times = a.times()
    for args in (["promote", name, "3", "--alias", "champion"],
                 ["promote", name, "3", "--stage", "Production",
                  "--archive-existing"],
                 ["rollback", name, "--alias", "champion"]):
        p = a.reg.mltop(mltop, *args, "--yes", env=_as(a, "reader"))
        what = "reader: " + " ".join(args)
        expect_exit(p, EXIT_STORE, what)
        err = err_text(p)
        lines = err.rstrip("\n").split("\n")
        assert len(lines) == 1, f"{what}: expected one line, got {err!r}"
        head = f"mltop: {a.url}: permission denied (HTTP 403): "
        tail = "; as user 'reader' from MLFLOW_TRACKING_USERNAME"
        assert lines[0].startswith(head) and lines[0].endswith(tail), \
            f"{what}: expected {head!r}...{tail!r}, got {lines[0]!r}"
        assert a.pw["reader"] not in err
        assert_same(before, a.snapshot(), f"state after {what}")
        assert a.times() == times, f"{what}: timestamps changed"
    done = [x for x in a.reg.audit_lines() if x.get("model") == name and
            x.get("result") != "started"]
    assert [x.get("result") for x in done][:1] == ["done"], done
    assert all(x.get("result") != "done" for x in done[1:]), done


# ---- the dashboard in tmux --------------------------------------------------

class Tmux:
    def __init__(self, work):
        self.sock = f"mltop-reg-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.base = ["tmux", "-L", self.sock, "-f", "/dev/null"]
        self.work = work
        self.exitfile = work / f"exit-{self.sock}"
        self.errfile = work / f"err-{self.sock}"

    def __call__(self, *args, check=True):
        return subprocess.run([*self.base, *args], capture_output=True,
                              text=True, check=check, timeout=30)

    def start(self, mltop_bin, reg, size, *args):
        w, h = size
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in reg.env({
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}).items())
        cmd = (f"env -u LINES -u COLUMNS -u MLFLOW_TRACKING_URI "
               f"-u MLFLOW_TRACKING_USERNAME -u MLFLOW_TRACKING_PASSWORD "
               f"-u MLFLOW_TRACKING_TOKEN {env} "
               f"{shlex.quote(str(mltop_bin))} --no-config -u "
               f"{shlex.quote(reg.uri)} {' '.join(map(shlex.quote, args))} "
               f"2>{shlex.quote(str(self.errfile))}; "
               f"echo $? >{shlex.quote(str(self.exitfile))}; sleep 60")
        self("new-session", "-d", "-x", str(w), "-y", str(h), "-s", "it",
             cmd)

    def run_shell(self, size, cmd):
        w, h = size
        self("new-session", "-d", "-x", str(w), "-y", str(h), "-s", "it",
             cmd + "; sleep 60")

    def keys(self, *keys):
        self("send-keys", "-t", "it", *keys)

    def type(self, text):
        self("send-keys", "-t", "it", "-l", text)

    def screen(self):
        p = self("capture-pane", "-p", "-t", "it", check=False)
        return p.stdout if p.returncode == 0 else ""

    def wait(self, want, what, timeout=10):
        """Until want (a string, or a function of the screen) shows."""
        pred = (lambda s: want in s) if isinstance(want, str) else want
        got = wait_for(lambda: pred(self.screen()), timeout)
        if not got:
            ex = self.exitfile.read_text().strip() \
                if self.exitfile.exists() else "-"
            er = self.errfile.read_text()[-500:] \
                if self.errfile.exists() else ""
            shown = want if isinstance(want, str) else "a condition"
            pytest.fail(f"{what}: not on screen within {timeout} s "
                        f"(waiting for {shown!r}); "
                        f"mltop exit {ex} stderr {er!r}; screen:\n"
                        f"{self.screen()}")
        return self.screen()

    def kill(self):
        subprocess.run([*self.base, "kill-server"], capture_output=True,
                       timeout=30)
        sock = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"),
                            f"tmux-{os.getuid()}", self.sock)
        if os.path.exists(sock):
            os.unlink(sock)


@pytest.fixture
def tmux(tmp_path):
    if subprocess.run(["which", "tmux"], capture_output=True).returncode:
        pytest.skip("tmux is not installed")
    t = Tmux(tmp_path)
    yield t
    t.kill()


SIZES = {"80x24": (80, 24), "200x50": (200, 50)}


def open_versions(t, m, nversions):
    """From the start: M, filter to the model, Enter."""
    t.wait(lambda s: s.strip() != "", "the dashboard")
    t.keys("M")
    t.wait(lambda s: " model" in s and "Enter: versions" in s or
           "no registered models" in s, "the models view")
    t.keys("/")
    t.type(m.name)
    t.keys("Enter")
    t.wait("1/1  1 model ", "the models view filtered to one model")
    t.keys("Enter")
    t.wait(f"{nversions} versions", "the versions view")


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_promote_and_rollback(reg, mltop_bin, tmux, size):
    m = reg.make_model("ui", n=4, stages={1: "Production"},
                       aliases={"champion": 1})
    before = reg.snapshot(m.name)
    tmux.start(mltop_bin, reg, SIZES[size])
    open_versions(tmux, m, 4)
    # Rows are newest first: v4, v3, ...; the second is v3.
    tmux.keys("g", "j", "p")
    tmux.wait("promote v3 of", "the alias dialog")
    tmux.wait("champion (now v1)", "champion among the aliases")
    tmux.keys("Enter")  # the default, champion
    tmux.wait("alias champion: v1 -> v3", "the plan")
    tmux.keys("Tab")
    tmux.type("from the tui")
    tmux.keys("Enter")  # leaves the note
    t0 = now_ms()
    tmux.keys("y")
    tmux.wait("done: alias champion: v1 -> v3", "done after confirming")
    t1 = now_ms()
    after = reg.snapshot(m.name)
    assert after["aliases"] == {"champion": 3}, after["aliases"]
    assert_same(without_history(alias_moved(before, "champion", 1, 3)),
                without_history(after), "state after the dashboard's promote")
    (_, ev), = events(after)
    check_event(ev, action="promote", kind="alias", name="champion", frm=1,
                to=3, note="from the tui", t0=t0, t1=t1)

    tmux.keys("R")
    tmux.wait("roll back in", "the rollback dialog")
    tmux.keys("Enter")
    # The pick lists the same summary: wait for the plan's own line, or
    # y could come before the plan's first frame (and be refused).
    tmux.wait(lambda s: "alias champion: v3 -> v1" in s and "undoes the" in s,
              "the rollback plan")
    tmux.keys("y")
    tmux.wait("done: alias champion: v3 -> v1", "done after the rollback")
    back = reg.snapshot(m.name)
    assert_same(without_history(before), without_history(back),
                "state after R")
    assert [(e["action"], e["from"], e["to"]) for _, e in events(back)] == \
        [("promote", 1, 3), ("rollback", 3, 1)]
    # Quit cleanly.
    tmux.keys("Q")
    assert wait_for(tmux.exitfile.exists, 5), tmux.screen()
    assert tmux.exitfile.read_text().strip() == "0"


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_stage_promote(reg, mltop_bin, tmux, size):
    """P with archiving on: the same stages as MLflow's transition."""
    m = reg.make_model("uistage", **STAGE_SPEC)
    twin = reg.make_model("uistage-twin", **STAGE_SPEC)
    before = reg.snapshot(m.name)
    tmux.start(mltop_bin, reg, SIZES[size])
    open_versions(tmux, m, 4)
    tmux.keys("g", "j", "P")  # v3, in Staging
    tmux.wait("stage of v3 of", "the stage dialog")
    tmux.keys("a")  # archive existing; Production is the default choice
    tmux.wait("[x] archive", "archive toggled on")
    tmux.keys("Enter")
    tmux.wait("v3: Staging -> Production", "the stage plan")
    tmux.keys("y")
    tmux.wait("done: v3: Staging -> Production", "done after P")
    with _quiet():
        reg.client.transition_model_version_stage(
            twin.name, 3, "Production", archive_existing_versions=True)
    assert reg.stages(m.name) == reg.stages(twin.name), \
        (reg.stages(m.name), reg.stages(twin.name))
    # R: the newest move first in the list; it restores every version.
    tmux.keys("R")
    tmux.wait("roll back in", "the rollback dialog")
    tmux.keys("Enter")
    tmux.wait(lambda s: "stage Production: v3 -> v2 (rollback)" in s and
              "undoes the" in s, "the rollback plan")
    tmux.keys("y")
    tmux.wait("done: stage Production", "done after R")
    assert_same(without_history(before), without_history(
        reg.snapshot(m.name)), "state after R on a stage")


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_read_only(reg, mltop_bin, tmux, size):
    m = reg.make_model("uiro", n=2, aliases={"champion": 1})
    p = subprocess.run([str(mltop_bin), "-u", reg.uri, "promote", m.name,
                        "2", "--alias", "champion", "--yes"],
                       capture_output=True, env=clean_env(reg.env()),
                       timeout=60)
    assert p.returncode == 0, out(p)  # a history R could roll back
    before = reg.snapshot(m.name)
    tmux.start(mltop_bin, reg, SIZES[size], "--read-only")
    open_versions(tmux, m, 2)
    for k in ("p", "P", "R"):
        # A message stays until the next key: k (at the top, no move)
        # clears the last one.
        tmux.keys("k")
        tmux.wait(lambda s: "read-only: writes are disabled" not in s,
                  "the last message cleared")
        tmux.keys(k)
        tmux.wait("read-only: writes are disabled", f"{k} in --read-only")
        scr = tmux.screen()
        assert "promote v" not in scr and "stage of v" not in scr and \
            "roll back in" not in scr, f"{k} opened a dialog:\n{scr}"
    assert_same(before, reg.snapshot(m.name), "state after --read-only keys")


@pytest.mark.parametrize("live", [False, True], ids=["no-refresh",
                                                     "live-refresh"])
def test_dashboard_conflict(reg, mltop_bin, tmux, live):
    """The confirm dialog is open; another client moves champion; y must
    not undo the other client's move."""
    m = reg.make_model("uiconf", n=3, aliases={"champion": 1})
    tmux.start(mltop_bin, reg, SIZES["200x50"], "--refresh",
               "0.3" if live else "3600")
    open_versions(tmux, m, 3)
    tmux.keys("g", "p")  # v3
    tmux.wait("promote v3 of", "the alias dialog")
    tmux.keys("Enter")
    tmux.wait("alias champion: v1 -> v3", "the plan")
    reg.client.set_registered_model_alias(m.name, "champion", 2)
    if live:
        time.sleep(1.5)  # live refreshes come and go
    tmux.keys("y")
    scr = tmux.wait(lambda s: "conflict" in s or "changed while" in s,
                    "mltop refusing the write")
    assert "done: alias champion" not in scr, scr
    s = reg.snapshot(m.name)
    assert s["aliases"] == {"champion": 2}, \
        f"the other client's move was undone: {s['aliases']}"
    assert events(s) == [], events(s)
    if "conflict" in scr:
        line = next(x for x in scr.splitlines() if "conflict" in x)
        assert "v2" in line, f"the refusal does not say where champion " \
            f"is now: {line!r}"
    else:
        # The dialog shows the new plan; n cancels it.
        assert not live or "alias champion: v2 -> v3" in scr, scr
        tmux.keys("n")
        tmux.wait("cancelled", "cancel")
    if not live:
        assert "conflict" in scr, scr
    # The screen then shows the new state: champion on v2.
    tmux.wait(lambda scr: re.search(r"^\s*v2\s+champion\b", scr, re.M),
              "champion on v2 in the versions table")
    assert reg.snapshot(m.name)["aliases"] == {"champion": 2}


def test_cli_asks_on_the_terminal(reg, mltop_bin, tmux):
    """Without --yes, promote shows the plan and asks on the terminal: n
    writes nothing and exits 1, y writes and exits 0."""
    m = reg.make_model("ask", n=2, aliases={"champion": 1})
    before = reg.snapshot(m.name)
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in reg.env({
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}).items())
    one = (f"env -u MLFLOW_TRACKING_URI {env} {shlex.quote(str(mltop_bin))} "
           f"-u {shlex.quote(reg.uri)} promote {shlex.quote(m.name)} 2 "
           f"--alias champion --note asked")
    first, second = tmux.work / "first", tmux.work / "second"
    tmux.run_shell((120, 40), f"{one}; echo $? >{first}; {one}; "
                              f"echo $? >{second}")
    tmux.wait("Apply? [y/N]", "the question")
    scr = tmux.screen()
    assert "alias champion: v1 -> v2" in scr, scr
    tmux.type("n")
    tmux.keys("Enter")
    assert wait_for(first.exists, 10), tmux.screen()
    assert wait_for(lambda: first.read_text().strip(), 2) == "1", \
        f"answered n: exit {first.read_text()!r}"
    assert_same(before, reg.snapshot(m.name), "state after answering n")
    tmux.wait(lambda s: s.count("Apply? [y/N]") == 2, "the second question")
    tmux.type("y")
    tmux.keys("Enter")
    assert wait_for(second.exists, 10), tmux.screen()
    assert wait_for(lambda: second.read_text().strip(), 2) == "0", \
        f"answered y: exit {second.read_text()!r}; {tmux.screen()}"
    s = reg.snapshot(m.name)
    assert s["aliases"] == {"champion": 2}, s["aliases"]
    assert [e["note"] for _, e in events(s)] == ["asked"]


def test_dashboard_source_run_and_models_command(reg, mltop_bin, tmux):
    """:models NAME opens the versions; Enter on a version opens its
    source run."""
    m = reg.make_model("uienter", n=3)
    run = reg.client.get_run(m.runs[2])
    tmux.start(mltop_bin, reg, SIZES["200x50"])
    tmux.wait(lambda s: s.strip() != "", "the dashboard")
    tmux.keys(":")
    tmux.type(f"models {m.name}")
    tmux.keys("Enter")
    tmux.wait("3 versions", "the versions view from :models NAME")
    tmux.keys("g", "j", "Enter")  # v2
    scr = tmux.wait(run.info.run_name, "the source run of v2")
    assert m.runs[2][:8] in scr or run.info.run_name in scr, scr
    assert "uienter-train-3" not in scr, scr
