# scripted.py: mltop's dashboard in script mode (MLTOP_SCRIPT, a FIFO of
# lines: keys and `:` commands), for tests that change the store between
# two screens and read what the dashboard shows.
import os
import subprocess
import time

from conftest import clean_env

DEADLINE = 120.0


def wait_for(pred, timeout, interval=0.05):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


class Scripted:
    """mltop -u URI on a virtual COLS x LINES screen, in tmp_path."""

    def __init__(self, mltop_bin, uri, tmp_path, cols=120, lines=20):
        self.tmp = tmp_path
        keys = tmp_path / "keys"
        os.mkfifo(keys)
        self.err = open(tmp_path / "mltop.err", "wb")
        self.proc = subprocess.Popen(
            [str(mltop_bin), "--no-config", "-u", uri],
            cwd=tmp_path, stdout=self.err, stderr=self.err,
            env=clean_env({"MLTOP_SCRIPT": str(keys), "COLUMNS": str(cols),
                           "LINES": str(lines), "NO_COLOR": "1",
                           "TZ": "UTC"}))
        self.script = open(keys, "w")

    def say(self, *lines):
        self.script.write("".join(line + "\n" for line in lines))
        self.script.flush()

    def dump(self, name):
        """Ask for a dump of the screen (once what came before is done)."""
        self.say(f":save-display {name}", f":save-display {name}.done")

    def read(self, name):
        """A dump asked for before: waits until it is whole."""
        path = self.tmp / name
        assert wait_for(lambda: (self.tmp / (name + ".done")).exists()
                        or self.proc.poll() is not None, DEADLINE), \
            f"mltop wrote no {name} within {DEADLINE} s"
        assert path.exists(), f"mltop exited ({self.proc.returncode}) " \
            f"before {name}: {self.errors()!r}"
        return path.read_text()

    def screen(self, name):
        self.dump(name)
        return self.read(name)

    def errors(self):
        return (self.tmp / "mltop.err").read_text()

    def close(self):
        """End the script; mltop exits; returns its exit code."""
        self.script.close()
        try:
            self.proc.wait(timeout=DEADLINE)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.err.close()
        return self.proc.returncode
