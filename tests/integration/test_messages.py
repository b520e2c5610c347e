# test_messages.py: what mltop says when a file it is pointed at is not
# what it should be, when its output cannot be written, and when a name
# it quotes holds terminal escapes: one clear line, no hang, no raw
# control bytes, a meaningful exit status. Stores are made by the real
# MLflow client; results are read back with it.
import os
import subprocess

import pytest

import servers

EXIT_OUTPUT = 6
ESC_TITLE = "\x1b]0;pwned\x07"


def stderr_of(p):
    err = p.stderr.decode("utf-8", "replace")
    assert "\x1b" not in err and "\x07" not in err, \
        f"raw control bytes on stderr: {err!r}"
    return err


@pytest.fixture
def store(store_factory):
    s = store_factory("msgs.db")
    eid = s.client.create_experiment("msgs")
    r = s.client.create_run(eid, run_name="r1")
    s.client.log_metric(r.info.run_id, "loss", 0.5)
    s.client.set_terminated(r.info.run_id)
    return s


# ---- config and theme files ----------------------------------------------

def test_config_is_a_device(mltop, store):
    p = mltop.run("-c", "/dev/zero", "-u", store.uri, "experiments",
                  timeout=30)
    err = stderr_of(p)
    assert "/dev/zero: is a device, not a file" in err, err
    assert p.returncode == 0, err  # a bad config is a warning, as before


def test_config_is_a_fifo(mltop, store, tmp_path):
    fifo = tmp_path / "config"
    os.mkfifo(fifo)
    p = mltop.run("-c", fifo, "-u", store.uri, "experiments", timeout=30)
    assert "is a FIFO, not a file" in stderr_of(p)


def test_config_is_a_directory(mltop, store, tmp_path):
    p = mltop.run("-c", tmp_path, "-u", store.uri, "experiments")
    assert f"{tmp_path}: is a directory, not a file" in stderr_of(p)


def test_config_too_large(mltop, store, tmp_path):
    big = tmp_path / "config"
    big.write_text("# filler\n" * 200000)
    p = mltop.run("-c", big, "-u", store.uri, "experiments")
    assert "larger than 1024 KiB" in stderr_of(p)


def test_theme_is_a_device(mltop, store):
    p = mltop.run("--theme", "/dev/zero", "-u", store.uri, "experiments",
                  timeout=30)
    assert "/dev/zero: is a device" in stderr_of(p)


def test_config_errors_are_sanitised(mltop, store, tmp_path):
    conf = tmp_path / "config"
    conf.write_text(f"{ESC_TITLE}retitle me\nset {ESC_TITLE} 1\n")
    p = mltop.run("-c", conf, "-u", store.uri, "experiments")
    err = stderr_of(p)
    assert "^[]0;pwned^G" in err, err
    assert err.count("\n") == 2, err


# ---- names from the command line ------------------------------------------

def test_experiment_name_is_sanitised(mltop, store):
    p = mltop.run("-u", store.uri, "runs", "-e", ESC_TITLE)
    assert p.returncode == 2
    assert "no experiment named or numbered '^[]0;pwned^G'" in stderr_of(p)


def test_unknown_command_is_sanitised(mltop, store):
    p = mltop.run("-u", store.uri, ESC_TITLE)
    assert p.returncode == 1
    assert "unknown command '^[]0;pwned^G'" in stderr_of(p)


# ---- output that cannot be written ----------------------------------------

def run_to_full(mltop, *args):
    with open("/dev/full", "wb") as full:
        return subprocess.run([str(mltop.binary), *map(str, args)],
                              stdout=full, stderr=subprocess.PIPE,
                              timeout=60)


@pytest.mark.parametrize("cmd", [["experiments"], ["runs", "--json"],
                                 ["models"], ["runs"]])
def test_read_to_dev_full(mltop, store, cmd):
    p = run_to_full(mltop, "-u", store.uri, *cmd)
    err = stderr_of(p)
    assert p.returncode == EXIT_OUTPUT, (p.returncode, err)
    assert "cannot write the output: No space left on device" in err, err


def test_promote_to_dev_full_says_it_was_made(mltop, store):
    from mlflow import MlflowClient
    # The registry explicitly here: another module may have set a global
    # registry URI in this process.
    c = MlflowClient(tracking_uri=store.uri, registry_uri=store.uri)
    c.create_registered_model("full-disk")
    rid = c.search_runs([c.get_experiment_by_name("msgs").experiment_id]
                        )[0].info.run_id
    c.create_model_version("full-disk", f"runs:/{rid}/model", run_id=rid)
    p = run_to_full(mltop, "-u", store.uri, "promote", "full-disk", "1",
                    "--alias", "champion", "--yes")
    err = stderr_of(p)
    assert p.returncode == EXIT_OUTPUT, (p.returncode, err)
    assert "the change itself was made" in err, err
    assert c.get_registered_model("full-disk").aliases == {"champion": 1}


# ---- the credentials file -------------------------------------------------

def test_credentials_fifo_does_not_hang(mltop, tmp_path):
    home = tmp_path / "home"
    (home / ".mlflow").mkdir(parents=True)
    os.mkfifo(home / ".mlflow" / "credentials")
    url = f"http://127.0.0.1:{servers.free_port()}"
    p = mltop.run("-u", url, "experiments", env={"HOME": str(home)},
                  timeout=30)
    err = stderr_of(p)
    assert p.returncode == 2 and "connection refused" in err, err
