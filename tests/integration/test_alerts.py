# test_alerts.py: run health against what the real MLflow client wrote,
# on a SQLite store and through a real `mlflow server`: `mltop watch`
# prints one JSON line per alert (a NaN, an Inf, runs that ended FAILED
# or KILLED, a user's threshold) with the values the client reads back,
# alerts nothing twice across a restart, and exits 7 on the first alert
# when asked; a writer process stopped with SIGSTOP stalls against its
# own pace and is over when it resumes; alert-command gets each alert as
# JSON, at most alert-command-rate a minute; the dashboard rings the
# bell (tmux flags the window), lists the alerts, acknowledges one and
# keeps that across a restart; and checking the rules costs the
# dashboard no request of its own (the proxy counts them).
import json
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import servers
from conftest import clean_env
from scripted import Scripted, wait_for

WRITER = Path(__file__).with_name("alert_writer.py")
QUIET = "set stall-seconds 0\nset alert-stall-factor 0\n"


def now_ms():
    return int(time.time() * 1000)


def make_store(tmp_path, name="health.db"):
    from mlflow import MlflowClient
    db = tmp_path / name
    MlflowClient(tracking_uri="sqlite:///" + str(db)).search_experiments()
    return db


def sqlite_experiment(tmp_path, monkeypatch, name):
    """A fresh SQLite store the real client writes to, and an experiment
    in it: (uri, client, experiment id)."""
    from mlflow import MlflowClient
    monkeypatch.chdir(tmp_path)
    uri = "sqlite:///" + str(make_store(tmp_path))
    client = MlflowClient(tracking_uri=uri)
    return uri, client, client.create_experiment(name)


def env_for(tmp_path):
    return clean_env({"XDG_STATE_HOME": str(tmp_path / "state"),
                      "HOME": str(tmp_path), "TZ": "UTC"})


def config(tmp_path, text, name="config"):
    p = tmp_path / name
    p.write_text(text)
    return p


def run_watch(mltop_bin, uri, tmp_path, cfg, *args, timeout=120):
    p = subprocess.run([str(mltop_bin), "-c", str(cfg), "-u", uri,
                        "-r", "0.5", "watch", *args],
                       capture_output=True, text=True, timeout=timeout,
                       env=env_for(tmp_path), cwd=tmp_path)
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    return p.returncode, lines, p.stderr


class Watch:
    """`mltop watch` in the background; its JSON lines as they come."""

    def __init__(self, mltop_bin, uri, tmp_path, cfg, *args):
        self.proc = subprocess.Popen(
            [str(mltop_bin), "-c", str(cfg), "-u", uri, "-r", "0.5",
             "watch", *args], stdout=subprocess.PIPE,
            stderr=open(tmp_path / "watch.err", "w"), text=True,
            env=env_for(tmp_path), cwd=tmp_path)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def next(self, timeout):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        return self.proc.wait(timeout=30)


def by_kind(lines):
    return sorted((a["kind"], a["run_id"], a["metric"] or "") for a in lines)


@pytest.mark.parametrize("where", ["file", "server"])
def test_watch_reports_what_the_client_wrote(mltop_bin, tmp_path,
                                             monkeypatch, server_factory,
                                             where):
    from mlflow import MlflowClient
    monkeypatch.chdir(tmp_path)
    db = make_store(tmp_path)
    uri = server_factory(store=db).url if where == "server" \
        else "sqlite:///" + str(db)
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("health")

    def run(name):
        r = client.create_run(exp, run_name=name).info.run_id
        time.sleep(0.01)
        return r

    t0 = now_ms()
    nan = run("diverged")
    for step in range(4):
        client.log_metric(nan, "loss", 0.5 / (step + 1), step=step)
    client.log_metric(nan, "loss", float("nan"), step=4)
    inf = run("exploded")
    client.log_metric(inf, "grad_norm", 1.0, step=0)
    client.log_metric(inf, "grad_norm", float("inf"), step=1)
    failed = run("crashed")
    client.set_terminated(failed, "FAILED")
    killed = run("killed")
    client.set_terminated(killed, "KILLED")
    hot = run("hot")
    client.log_metric(hot, "val_loss", 3.0, step=150)
    cool = run("cool")
    client.log_metric(cool, "val_loss", 3.0, step=50)
    fine = run("fine")
    client.log_metric(fine, "loss", 0.1, step=10)
    client.set_terminated(fine, "FINISHED")
    cfg = config(tmp_path, QUIET)
    rules = config(tmp_path, "alert val_loss > 2.5 after 100 steps\n",
                   "rules")

    rc, lines, err = run_watch(mltop_bin, uri, tmp_path, cfg, "--rules",
                               str(rules), "--for", "3s")
    t1 = now_ms()
    assert rc == 0, err
    assert by_kind(lines) == sorted([
        ("nan", nan, "loss"), ("nan", inf, "grad_norm"),
        ("failed", failed, ""), ("failed", killed, ""),
        ("threshold", hot, "val_loss")]), (lines, err)
    for a in lines:
        info = client.get_run(a["run_id"])
        assert a["run_name"] == info.info.run_name
        assert a["experiment_id"] == exp
        assert a["experiment_name"] == "health"
        assert a["tracking_uri"] == uri
        assert t0 <= a["time"] <= t1, (a, t0, t1)
        assert not a["acknowledged"]
        if a["kind"] == "nan":
            last = max(client.get_metric_history(a["run_id"], a["metric"]),
                       key=lambda m: (m.step, m.timestamp))
            assert a["step"] == last.step
            if math.isnan(last.value):
                assert a["value"] == "NaN", a
            else:
                # MLflow keeps an Inf as the largest double.
                assert math.isinf(last.value) or last.value >= 1.7e308
                assert a["value"] in ("Infinity", 1.7976931348623157e308), a
        elif a["kind"] == "threshold":
            assert a["rule"] == "val_loss > 2.5 after 100 steps"
            assert a["value"] == info.data.metrics["val_loss"] == 3.0
            assert a["step"] == 150
        else:
            assert info.info.status in ("FAILED", "KILLED")
            assert info.info.status in a["detail"]
            assert a["value"] is None and a["step"] is None

    # A restart: the state file says these were said.
    rc, again, err = run_watch(mltop_bin, uri, tmp_path, cfg, "--rules",
                               str(rules), "--for", "2s")
    assert rc == 0 and again == [], (again, err)

    # --exit-on-alert: the next NaN ends it, exit 7, one line.
    w = Watch(mltop_bin, uri, tmp_path, cfg, "--for", "60s",
              "--exit-on-alert")
    try:
        late = run("late")
        client.log_metric(late, "acc", float("nan"), step=3)
        assert w.proc.wait(timeout=60) == 7, \
            (tmp_path / "watch.err").read_text()
        got = w.next(5)
        assert got and got["run_id"] == late and got["kind"] == "nan", got
        assert w.next(0.5) is None
    finally:
        w.stop()


def test_stall_against_its_own_pace_and_resume(mltop_bin, tmp_path,
                                               monkeypatch):
    uri, client, exp = sqlite_experiment(tmp_path, monkeypatch, "pace")
    # stall-seconds is long: only the run's own pace (a point every
    # 0.2 s, seen at each 0.5 s refresh: 10 times that is under the
    # 10 s floor) can call it stalled this soon.
    cfg = config(tmp_path, "set stall-seconds 600\nset alert-stall-factor 10"
                 "\nset alert-nan false\nset alert-failed false\n")
    writer = subprocess.Popen([sys.executable, str(WRITER), uri, exp,
                               "steady", "0.2"], stdout=subprocess.PIPE,
                              text=True, cwd=tmp_path)
    w = None
    try:
        run = writer.stdout.readline().strip()
        w = Watch(mltop_bin, uri, tmp_path, cfg, "--for", "120s")
        for _ in range(15):
            assert writer.stdout.readline(), "the writer stopped"
        os.kill(writer.pid, signal.SIGSTOP)
        stopped = now_ms()
        a = w.next(40)
        assert a, (tmp_path / "watch.err").read_text()
        assert a["kind"] == "stall" and a["run_id"] == run, a
        assert "own pace" in a["detail"], a
        last = max(client.get_metric_history(run, "loss"),
                   key=lambda m: m.timestamp)
        assert a["last_activity"] == last.timestamp, (a, last)
        quiet = a["time"] - last.timestamp
        assert 10000 <= quiet < 30000, (quiet, a)
        assert a["time"] - stopped < 30000
        os.kill(writer.pid, signal.SIGCONT)

        def cleared():
            p = tmp_path / "state" / "mltop" / "alerts"
            return p.exists() and '"cleared":true' in p.read_text()
        assert wait_for(cleared, 30), "the stall was not over after " \
            "the writer resumed"
        assert w.next(1) is None, "no new alert for the resumed run"
    finally:
        if writer.poll() is None:
            os.kill(writer.pid, signal.SIGCONT)
            writer.terminate()
        writer.wait(timeout=60)
        if w:
            w.stop()


def test_alert_command_gets_json_at_most_its_rate(mltop_bin, tmp_path,
                                                  monkeypatch):
    uri, client, exp = sqlite_experiment(tmp_path, monkeypatch, "hooked")
    ids = []
    for i in range(5):
        r = client.create_run(exp, run_name=f"nan-{i}").info.run_id
        client.log_metric(r, "loss", float("nan"), step=i)
        ids.append(r)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    cfg = config(tmp_path, QUIET + "set alert-command-rate 2\n"
                 f"set alert-command 'cat > \"$(mktemp {hooks}/a.XXXXXX)\"'"
                 "\n")
    rc, lines, err = run_watch(mltop_bin, uri, tmp_path, cfg, "--for", "2s")
    assert rc == 0, err
    assert sorted(a["run_id"] for a in lines) == sorted(ids)
    got = [json.loads(p.read_text()) for p in sorted(hooks.iterdir())]
    assert len(got) == 2, (got, err)
    for g in got:
        assert g in lines, g
        for key in ("rule", "kind", "run_id", "run_name", "experiment_id",
                    "experiment_name", "metric", "value", "step", "time",
                    "tracking_uri"):
            assert key in g, (key, g)
    assert "3 alerts not sent" in err, err

    cfg = config(tmp_path, QUIET + "set alert-command 'exit 3'\n", "failing")
    late = client.create_run(exp, run_name="late").info.run_id
    client.log_metric(late, "loss", float("inf"), step=1)
    rc, lines, err = run_watch(mltop_bin, uri, tmp_path, cfg, "--for", "2s")
    assert rc == 0 and [a["run_id"] for a in lines] == [late], (lines, err)
    assert "alert-command: exit 3" in err, err


class Pane:
    def __init__(self, cmd, env):
        self.sock = f"mltop-alerts-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.base = ["tmux", "-L", self.sock]
        subprocess.run(self.base + ["-f", "/dev/null", "new-session", "-d",
                                    "-x", "100", "-y", "30", *cmd],
                       check=True, env=env)
        # Another window takes the focus: the first is watched.
        subprocess.run(self.base + ["new-window", "-d", "sleep 600"],
                       check=True)

    def bell(self):
        return subprocess.run(
            self.base + ["display", "-p", "-t", ":0",
                         "#{window_bell_flag}"],
            capture_output=True, text=True).stdout.strip() == "1"

    def screen(self):
        return subprocess.run(self.base + ["capture-pane", "-p", "-t", ":0"],
                              capture_output=True, text=True).stdout

    def wait(self, pred, what, timeout=30):
        got = wait_for(lambda: pred(self.screen()), timeout)
        assert got, f"{what}:\n{self.screen()}"

    def keys(self, *k):
        subprocess.run(self.base + ["send-keys", "-t", ":0", *k], check=True)

    def close(self):
        subprocess.run(self.base + ["kill-server"], capture_output=True)


def test_dashboard_bell_view_and_ack_survive_restart(mltop_bin, tmp_path,
                                                     monkeypatch):
    uri, client, exp = sqlite_experiment(tmp_path, monkeypatch, "ui-health")
    nan = client.create_run(exp, run_name="diverged").info.run_id
    client.log_metric(nan, "loss", float("nan"), step=2)
    failed = client.create_run(exp, run_name="crashed").info.run_id
    client.set_terminated(failed, "FAILED")
    cfg = config(tmp_path, QUIET)
    env = env_for(tmp_path)
    env["TERM"] = "screen-256color"
    cmd = [str(mltop_bin), "-c", str(cfg), "-u", uri,
           "-e", "ui-health"]

    pane = Pane(cmd, env)
    try:
        assert wait_for(pane.bell, 30), "no bell:\n" + pane.screen()
        pane.wait(lambda s: "⚑ 2 alerts" in s, "the count")
        pane.keys("!")
        pane.wait(lambda s: "nan" in s and "failed" in s and
                  s.count("NEW") == 2, "the alerts view")
        screen = pane.screen()
        assert "NaN in loss at step 2" in screen, screen
        assert "run ended FAILED" in screen, screen
        pane.keys("A")
        pane.wait(lambda s: "⚑ 1 alert" in s and s.count("NEW") == 1,
                  "one acknowledged")
        pane.keys("Q")
    finally:
        pane.close()

    pane = Pane(cmd, env)
    try:
        pane.wait(lambda s: "⚑ 1 alert" in s and "diverged" in s,
                  "after a restart: the one left")
        # A few refreshes: nothing new, so no bell.
        assert not wait_for(pane.bell, 5), "a bell for old alerts"
        pane.keys("!")
        pane.wait(lambda s: s.count("NEW") == 1 and "ack" in s,
                  "the acknowledged one still is")
    finally:
        pane.close()


def test_checking_rules_costs_no_requests(mltop_bin, tmp_path, monkeypatch,
                                          server_factory, fake_server):
    from mlflow import MlflowClient
    monkeypatch.chdir(tmp_path)
    db = make_store(tmp_path)
    srv = server_factory(store=db)
    client = MlflowClient(tracking_uri=srv.url)
    exp = client.create_experiment("counted")
    for i in range(3):
        r = client.create_run(exp, run_name=f"r{i}").info.run_id
        client.log_metric(r, "loss", float("nan") if i == 0 else 3.0,
                          step=200)
    off = [":set alert-nan false", ":set alert-failed false",
           ":set alert-stall-factor 0", ":set stall-seconds 0"]
    on = [":alert loss > 2.5 after 100 steps", ":set alert-plateau-steps 5"]
    seen = {}
    for name, setup in (("on", on), ("off", off)):
        proxy = fake_server(servers.Proxy(srv.url))
        work = tmp_path / name
        work.mkdir()
        monkeypatch.setenv("XDG_STATE_HOME", str(work / "state"))
        d = Scripted(mltop_bin, proxy.url, work, cols=100, lines=20)
        try:
            d.say(*setup)
            d.say(":runs counted")
            screens = [d.screen("s0")]
            for k in range(4):
                d.say(":poll")
                screens.append(d.screen(f"s{k + 1}"))
        finally:
            code = d.close()
        assert code == 0, d.errors()
        seen[name] = ([(r.method, r.endpoint, r.body) for r in
                       list(proxy.requests)], screens)
    assert "⚑ 3 alerts" in seen["on"][1][-1], seen["on"][1][-1]
    assert "⚑" not in seen["off"][1][-1], seen["off"][1][-1]
    assert len(seen["on"][0]) == len(seen["off"][0]), \
        (len(seen["on"][0]), len(seen["off"][0]))
    assert sorted(seen["on"][0], key=repr) == \
        sorted(seen["off"][0], key=repr)


SYSTEM_WRITER = """
import sys, time, mlflow
from mlflow import MlflowClient
uri, exp = sys.argv[1:3]
mlflow.set_tracking_uri(uri)
mlflow.set_system_metrics_sampling_interval(0.5)
mlflow.set_system_metrics_samples_before_logging(1)
with mlflow.start_run(experiment_id=exp, run_name="monitored",
                      log_system_metrics=True) as run:
    for step in range(6):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        time.sleep(0.5)
    # No GPU here: a GPU's metrics under the names MLflow's monitor uses.
    c = MlflowClient(uri)
    now = int(time.time() * 1000)
    for g, util in ((0, 97.0), (1, 5.0)):
        for k, v in (("utilization_percentage", util),
                     ("memory_usage_percentage", 80.0),
                     ("memory_usage_megabytes", 31000.0),
                     ("power_usage_watts", 250.0),
                     ("power_usage_percentage", 71.0)):
            for st in range(4):
                c.log_metric(run.info.run_id, f"system/gpu_{g}_{k}",
                             v + st - 3, step=st, timestamp=now + st)
    print(run.info.run_id, flush=True)
    # Running on: the test reads it, then closes stdin to end it.
    sys.stdin.read()
"""


def test_system_metrics_panel_preset_and_rule(mltop_bin, tmp_path,
                                             monkeypatch):
    uri, client, exp = sqlite_experiment(tmp_path, monkeypatch, "system")
    script = tmp_path / "system_writer.py"
    script.write_text(SYSTEM_WRITER)
    writer = subprocess.Popen([sys.executable, str(script), uri, exp],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=tmp_path)
    try:
        run = writer.stdout.readline().strip()
        assert run, "the writer printed no run id"
        data = client.get_run(run).data.metrics
        system = sorted(k for k in data if k.startswith("system/"))
        # MLflow's own monitor logged these (psutil, no GPU here).
        for k in ("system/cpu_utilization_percentage",
                  "system/system_memory_usage_percentage",
                  "system/disk_usage_percentage"):
            assert k in system, system
        # The monitor goes on logging while the run is open: what the
        # panel shows is the latest point mltop read, one of those the
        # client sees from its own latest on.
        seen = {k: len(client.get_metric_history(run, k)) for k in (
            "system/cpu_utilization_percentage",
            "system/system_memory_usage_percentage")}
        d = Scripted(mltop_bin, uri, tmp_path, cols=100, lines=30)
        try:
            d.say(":runs system", "<Enter>")
            detail = d.screen("detail")
            d.say("q", ":metrics gpu")
            preset = d.screen("preset")
        finally:
            code = d.close()
        assert code == 0, d.errors()
        lines = detail.splitlines()
        sysline = next(line for line in lines if line.startswith("system "))
        for label, k in (("cpu", "system/cpu_utilization_percentage"),
                         ("mem", "system/system_memory_usage_percentage")):
            since = client.get_metric_history(run, k)[seen[k] - 1:]
            assert any(f"{label} {p.value:3.0f}%" in sysline
                       for p in since), (sysline, [p.value for p in since])
        gpu0 = next(line for line in lines if line.startswith("gpu0"))
        gpu1 = next(line for line in lines if line.startswith("gpu1"))
        assert "util  97%" in gpu0 and "power 250 W" in gpu0, gpu0
        assert "util   5%" in gpu1 and "31.0 GB" in gpu1, gpu1
        # The metric list is the run's own: loss, not 20 system rows.
        assert f"metrics ({len(data) - len(system)})" in detail, detail
        assert "system/cpu" not in detail.split(" metrics (")[1], detail
        assert "gpu_0_utilizat" in preset and "gpu_1_utilizat" in preset, \
            preset
        row = next(line for line in preset.splitlines()
                   if "monitored" in line)
        assert " 97 " in row and " 5 " in row, row

        # A rule on a system metric works like any other: GPU 1 under
        # 10% for 2 s on the running run, and not GPU 0.
        cfg = config(tmp_path, QUIET + "set alert-nan false\n")
        rules = config(tmp_path, "alert system/gpu_1_utilization_percentage"
                       " < 10 for 2s\n"
                       "alert system/gpu_0_utilization_percentage < 10 "
                       "for 2s\n", "rules")
        w = Watch(mltop_bin, uri, tmp_path, cfg, "--rules", str(rules),
                  "--for", "60s")
        try:
            started = now_ms()
            a = w.next(30)
            assert a, (tmp_path / "watch.err").read_text()
            assert a["run_id"] == run and a["metric"] == \
                "system/gpu_1_utilization_percentage", a
            assert a["value"] == 5.0 and a["step"] == 3, a
            assert a["time"] - started >= 2000, (a, started)
            assert w.next(3) is None, "GPU 0 is busy: no alert"
        finally:
            w.stop()
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
