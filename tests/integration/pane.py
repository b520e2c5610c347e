"""pane.py: mltop in a tmux pane of a given size, for the pipeline
tests (test_pipelines.py, test_prefect.py): start it, read the screen,
wait for what should be on it, send keys."""
import os
import subprocess
import time
import uuid

from conftest import clean_env


class Tmux:
    def __init__(self, tmp_path, cmd, env, size=(80, 24)):
        self.sock = f"mltop-pane-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.base = ["tmux", "-L", self.sock]
        subprocess.run(self.base + ["-f", "/dev/null", "new-session", "-d",
                                    "-x", str(size[0]), "-y", str(size[1]),
                                    *cmd], check=True, env=env)

    def screen(self):
        return subprocess.run(self.base + ["capture-pane", "-p"],
                              capture_output=True, text=True).stdout

    def wait(self, pred, what, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.screen()
            if pred(s):
                return s
            time.sleep(0.1)
        raise AssertionError(f"{what}:\n{self.screen()}")

    def keys(self, *k):
        subprocess.run(self.base + ["send-keys", *k], check=True)

    def close(self):
        subprocess.run(self.base + ["kill-server"], capture_output=True)
        # kill-server leaves the socket file behind.
        sock = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"),
                            f"tmux-{os.getuid()}", self.sock)
        if os.path.exists(sock):
            os.unlink(sock)


def demo_store(mltop, tmp_path):
    """A demo tracking store (mltop --demo-create) in tmp_path."""
    store = tmp_path / "demo.db"
    subprocess.run([str(mltop.binary), "--demo-create", str(store)],
                   check=True, env=clean_env({"HOME": str(tmp_path)}))
    return store
