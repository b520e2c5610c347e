# test_registry_mlflow2.py: `mltop promote` and `rollback` writing to a
# SQLite store of MLflow 2.x (no workspace columns), made by the real 2.9.2
# client in .venv-mlflow2, every result read back with that same client;
# each move is also made by the client on a twin model, and the two must
# agree (stages, aliases, which timestamps moved).
import json
import subprocess
import time

import pytest

from conftest import clean_env, run_script
from test_registry import (EXIT_CONFLICT, EXIT_OK, TEST_USER, alias_moved,
                           assert_same, check_event, events, expect_exit,
                           now_ms, out, wait_for, without_history)


class Registry2:
    """A SQLite store of MLflow 2.x, and its client in the 2.x venv."""

    def __init__(self, python, work):
        self.python = python
        self.work = work
        self.path = work / "mlflow2.db"
        self.uri = "sqlite:///" + str(self.path)
        self.state = work / "state"
        self.home = work / "home"
        self.home.mkdir(exist_ok=True)

    def ops(self, *ops):
        """Run client operations in the 2.x venv; their results."""
        return run_script(self.python, "mlflow_registry.py", self.uri,
                          json.dumps(ops), cwd=self.work)

    def env(self, extra=None):
        e = {"XDG_STATE_HOME": str(self.state), "HOME": str(self.home),
             "USER": TEST_USER}
        e.update(extra or {})
        return e

    def mltop(self, mltop, *args):
        return mltop.run("-u", self.uri, *args, env=self.env())


def _ints(snap):
    """JSON gave version numbers as strings: make them ints again."""
    snap["versions"] = {int(v): d for v, d in snap["versions"].items()}
    return snap


def _bumped(before, after):
    rm0, v0 = before
    rm1, v1 = after
    return {"model": rm1 != rm0,
            "versions": sorted(v for v in v1 if v1[v] != v0.get(v))}


@pytest.fixture(scope="module")
def reg2(mlflow2_python, tmp_path_factory):
    r = Registry2(mlflow2_python, tmp_path_factory.mktemp("registry-mlflow2"))
    assert r.ops(["version"]) == ["2.9.2"]
    return r


def _make_pair(reg2, label, **spec):
    """A model and its twin, and their state as the client reads it."""
    args = [spec.get("n", 4), spec.get("stages"), spec.get("aliases")]
    m, twin = reg2.ops(["make", label, *args], ["make", label + "-twin",
                                                 *args])
    snap, times, ttimes = reg2.ops(["snapshot", m], ["times", m],
                                   ["times", twin])
    return m, twin, _ints(snap), times, ttimes


def _tag_ops(snap, twin):
    """Give the twin the history tags mltop recorded on the model."""
    return [["set_tag", twin, k, v] for k, v in snap["tags"].items()
            if k.startswith("mltop.history.")]


def test_promote_alias_then_rollback_mlflow2(reg2, mltop):
    m, twin, before, times0, ttimes0 = _make_pair(
        reg2, "alias2", stages={"2": "Production"},
        aliases={"champion": 1, "challenger": 2})
    time.sleep(0.01)
    t0 = now_ms()
    p = reg2.mltop(mltop, "promote", m, "3", "--alias", "champion",
                   "--note", "why", "--yes")
    t1 = now_ms()
    expect_exit(p, EXIT_OK, "promote --alias champion on an MLflow 2.x store")
    after = _ints(reg2.ops(["snapshot", m])[0])
    assert_same(alias_moved(before, "champion", 1, 3),
                without_history(after), "state after promote (2.x store)")
    (key, ev), = events(after)
    check_event(ev, action="promote", kind="alias", name="champion", frm=1,
                to=3, note="why", t0=t0, t1=t1)
    # The same move by the 2.x client on the twin bumps the same times.
    reg2.ops(["set_alias", twin, "champion", 3], *_tag_ops(after, twin))
    times1, ttimes1 = reg2.ops(["times", m], ["times", twin])
    assert _bumped(times0, times1) == _bumped(ttimes0, ttimes1), \
        (times0, times1, ttimes0, ttimes1)

    p = reg2.mltop(mltop, "rollback", m, "--alias", "champion", "--yes")
    expect_exit(p, EXIT_OK, "rollback --alias champion on a 2.x store")
    back = _ints(reg2.ops(["snapshot", m])[0])
    assert back["aliases"] == {"champion": 1, "challenger": 2}, back
    assert_same(without_history(before), without_history(back),
                "state after rollback (2.x store)")
    evs = events(back)
    assert len(evs) == 2 and evs[0] == (key, ev), evs
    assert (evs[1][1]["action"], evs[1][1]["from"], evs[1][1]["to"]) == \
        ("rollback", 3, 1), evs


def test_promote_new_alias_rollback_deletes_it_mlflow2(reg2, mltop):
    m, _, before, _, _ = _make_pair(reg2, "newalias2", n=2,
                                    aliases={"champion": 1})
    p = reg2.mltop(mltop, "promote", m, "2", "--alias", "candidate", "--yes")
    expect_exit(p, EXIT_OK, "promote to a new alias on a 2.x store")
    s = _ints(reg2.ops(["snapshot", m])[0])
    assert s["aliases"] == {"champion": 1, "candidate": 2}, s["aliases"]
    p = reg2.mltop(mltop, "rollback", m, "--alias", "candidate", "--yes")
    expect_exit(p, EXIT_OK, "rollback of a new alias on a 2.x store")
    s = _ints(reg2.ops(["snapshot", m])[0])
    assert_same(without_history(before), without_history(s),
                "rollback deletes the new alias (2.x store)")
    assert [e["to"] for _, e in events(s)] == [2, 0], events(s)


@pytest.mark.parametrize("archive", [False, True],
                         ids=["keep-existing", "archive-existing"])
def test_promote_stage_then_rollback_mlflow2(reg2, mltop, archive):
    m, twin, before, times0, ttimes0 = _make_pair(
        reg2, "stage2", stages={"1": "Production", "2": "Production",
                                "3": "Staging"}, aliases={"champion": 2})
    time.sleep(0.01)
    args = ["promote", m, "3", "--stage", "Production", "--yes"] + \
        (["--archive-existing"] if archive else [])
    p = reg2.mltop(mltop, *args)
    expect_exit(p, EXIT_OK, " ".join(args) + " on a 2.x store")
    after = _ints(reg2.ops(["snapshot", m])[0])
    res = reg2.ops(["transition", twin, 3, "Production", archive],
                   *_tag_ops(after, twin),
                   ["snapshot", twin], ["times", m], ["times", twin])
    want, times1, ttimes1 = _ints(res[-3]), res[-2], res[-1]
    assert {v: d["stage"] for v, d in after["versions"].items()} == \
        {v: d["stage"] for v, d in want["versions"].items()}, (after, want)
    assert after["aliases"] == before["aliases"], after["aliases"]
    assert _bumped(times0, times1) == _bumped(ttimes0, ttimes1), \
        (times0, times1, ttimes0, ttimes1)
    (_, ev), = events(after)
    assert (ev["kind"], ev["name"], ev["to"]) == ("stage", "Production", 3)

    p = reg2.mltop(mltop, "rollback", m, "--stage", "Production", "--yes")
    expect_exit(p, EXIT_OK, "rollback --stage Production on a 2.x store")
    back = _ints(reg2.ops(["snapshot", m])[0])
    assert_same(without_history(before), without_history(back),
                f"state after stage rollback (archive={archive}, 2.x)")
    assert [e["action"] for _, e in events(back)] == ["promote", "rollback"]


def test_concurrent_promotes_conflict_mlflow2(reg2, mltop, test_hooks):
    """The conflict check itself on a 2.x store: a second promote planned
    before the first committed refuses with exit 3."""
    m, _, _, _, _ = _make_pair(reg2, "race2", n=3, aliases={"champion": 1})
    journal = reg2.path.with_name(reg2.path.name + "-journal")
    a = subprocess.Popen([str(mltop.binary), "-u", reg2.uri, "promote", m,
                          "2", "--alias", "champion", "--yes"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=clean_env(reg2.env(
                             {"MLTOP_TEST_PAUSE_IN_WRITE": "1"})))
    try:
        assert wait_for(lambda: journal.exists() or a.poll() is not None,
                        10), "the first promote never started writing"
        assert a.poll() is None, "the first promote did not pause"
        b = reg2.mltop(mltop, "promote", m, "3", "--alias", "champion",
                       "--yes")
        _, a_err = a.communicate(timeout=30)
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
    assert a.returncode == EXIT_OK, f"first promote: {a.returncode} {a_err!r}"
    expect_exit(b, EXIT_CONFLICT, "the second, concurrent promote")
    assert b"conflict: alias champion now points to v2" in b.stderr, out(b)
    s = _ints(reg2.ops(["snapshot", m])[0])
    assert s["aliases"] == {"champion": 2}, s["aliases"]
    assert [e["to"] for _, e in events(s)] == [2], events(s)
