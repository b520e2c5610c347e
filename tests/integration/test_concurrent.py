# test_concurrent.py: mltop's TUI watching a store while a real MLflow
# training loop writes to it: the writer must never fail because of mltop,
# and the screen must catch up with the last step within about a second.
import json
import os
import queue
import re
import shlex
import subprocess
import sys
import threading
import time
import uuid

import pytest

from conftest import HERE, clean_env

WRITER_SECONDS = float(os.environ.get("MLTOP_IT_WRITER_SECONDS", "30"))
CATCH_UP_SECONDS = 2.0
# One log_metric normally takes milliseconds; this long means it waited on
# a lock that mltop held.
MAX_CALL_SECONDS = 2.0


def wait_for(pred, timeout, interval=0.1):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            return None
        time.sleep(interval)


class Tmux:
    def __init__(self):
        self.sock = f"mltop-it-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.base = ["tmux", "-L", self.sock, "-f", "/dev/null"]

    def __call__(self, *args, check=True):
        return subprocess.run([*self.base, *args], capture_output=True,
                              text=True, check=check, timeout=30)

    def capture(self):
        p = self("capture-pane", "-p", "-t", "it", check=False)
        return p.stdout if p.returncode == 0 else ""

    def kill(self):
        subprocess.run([*self.base, "kill-server"], capture_output=True,
                       timeout=30)
        # kill-server leaves the socket file behind.
        sock = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"),
                            f"tmux-{os.getuid()}", self.sock)
        if os.path.exists(sock):
            os.unlink(sock)


def _lines(stream, q):
    for line in stream:
        q.put(line)
    q.put(None)


def _next_line(q, timeout, what):
    try:
        line = q.get(timeout=timeout)
    except queue.Empty:
        pytest.fail(f"writer printed no {what} line in {timeout} s")
    if line is None:
        pytest.fail(f"writer exited before its {what} line")
    return line.rstrip("\n")


def test_live_view_while_training(mltop_bin, tmp_path):
    db = tmp_path / "live.db"
    uri = "sqlite:///" + str(db)
    name = "live echo"
    exitfile = tmp_path / "mltop.exit"
    errlog = open(tmp_path / "writer.err", "w")
    writer = subprocess.Popen(
        [sys.executable, str(HERE / "mlflow_writer.py"), uri, name,
         str(WRITER_SECONDS)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errlog,
        text=True, cwd=tmp_path, env=clean_env())
    out = queue.Queue()
    threading.Thread(target=_lines, args=(writer.stdout, out),
                     daemon=True).start()
    tmux = Tmux()
    try:
        ready = _next_line(out, 120, "READY")
        assert ready.startswith("READY "), ready

        cmd = (f"env -u LINES -u COLUMNS LANG=C.UTF-8 LC_ALL=C.UTF-8 "
               f"{shlex.quote(str(mltop_bin))}"
               f" -u {shlex.quote(uri)} --refresh 0.2 --experiment "
               f"{shlex.quote(name)} 2>{shlex.quote(str(tmp_path / 'mltop.err'))}"
               f"; echo $? > {shlex.quote(str(exitfile))}")
        tmux("new-session", "-d", "-x", "200", "-y", "50", "-s", "it", cmd)
        if not wait_for(lambda: "echo-run" in tmux.capture(), 20):
            pytest.fail("mltop never showed the run 'echo-run'; screen:\n"
                        f"{tmux.capture()}\nexit file: "
                        f"{exitfile.read_text() if exitfile.exists() else '-'}")

        writer.stdin.write("go\n")
        writer.stdin.flush()
        deadline = time.monotonic() + WRITER_SECONDS + 120
        done = None
        while done is None:
            try:
                done = out.get(timeout=0.5)
            except queue.Empty:
                pass
            assert not exitfile.exists(), (
                "mltop exited while the writer ran (status "
                f"{exitfile.read_text().strip()}); stderr: "
                f"{(tmp_path / 'mltop.err').read_text()!r}")
            assert time.monotonic() < deadline, "writer never finished"
        assert done is not None and done.startswith("DONE "), \
            f"writer ended without a result: {done!r}; stderr: " \
            f"{(tmp_path / 'writer.err').read_text()[-2000:]}"
        result = json.loads(done[5:])
        stopped = time.monotonic()
        print(f"writer: {result}")

        assert result["errors"] == 0, (
            f"the writer hit {result['errors']} errors in {result['calls']} "
            f"log_metric calls while mltop watched: {result['samples']}")
        assert result["slowest_call"] < MAX_CALL_SECONDS, (
            f"a log_metric call took {result['slowest_call']:.2f} s while "
            "mltop watched: mltop holds the store's lock too long")
        last = result["last_step"]
        assert last >= 100, f"writer logged only {last} steps"

        pat = re.compile(rf"(?<![\d.]){last}(?![\d.])")
        seen = wait_for(lambda: pat.search(tmux.capture()),
                        CATCH_UP_SECONDS, 0.05)
        screen = tmux.capture()
        assert seen, (f"{CATCH_UP_SECONDS} s after the writer stopped, the "
                      f"screen does not show its last step {last}:\n{screen}")
        print(f"last step {last} on screen after "
              f"{time.monotonic() - stopped:.2f} s")

        # q steps back one view (runs -> experiments), then quits there.
        tmux("send-keys", "-t", "it", "q")
        assert wait_for(lambda: "LAST ACTIVITY" in tmux.capture(), 5), \
            f"q did not go back to the experiments:\n{tmux.capture()}"
        tmux("send-keys", "-t", "it", "q")
        if not wait_for(exitfile.exists, 5):
            pytest.fail(f"mltop did not exit after q q; screen:\n"
                        f"{tmux.capture()}")
        status = wait_for(lambda: exitfile.read_text().strip(), 2)
        assert status == "0", f"mltop exited with status {status!r}; " \
            f"stderr: {(tmp_path / 'mltop.err').read_text()!r}"
    finally:
        tmux.kill()
        if writer.poll() is None:
            try:
                writer.stdin.close()
                writer.wait(timeout=15)
            except Exception:
                writer.kill()
                writer.wait()
        errlog.close()
