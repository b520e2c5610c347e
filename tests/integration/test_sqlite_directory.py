# test_sqlite_directory.py: a directory given as the store: only one that
# looks like MLflow's file store (mlruns: meta.yaml, numbered experiment
# directories) is called that; any other is "not an MLflow SQLite store".
import pytest


def one_line(p):
    err = p.stderr.decode()
    assert p.returncode == 2, (p.returncode, err)
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("form", ["path", "uri"])
def test_plain_directory(mltop, tmp_path, form):
    d = tmp_path / "data"
    d.mkdir()
    (d / "notes.txt").write_text("x")
    arg = str(d) if form == "path" else "sqlite:///" + str(d)
    err = one_line(mltop.run("-u", arg, "experiments", "--no-config"))
    assert "is a directory, not an MLflow SQLite store" in err, err
    assert "file store" not in err, err


@pytest.mark.parametrize("form", ["path", "uri"])
def test_mlruns_directory(mltop, tmp_path, form):
    d = tmp_path / "somewhere"
    (d / "0").mkdir(parents=True)
    (d / "0" / "meta.yaml").write_text("name: Default\n")
    arg = str(d) if form == "path" else "sqlite:///" + str(d)
    err = one_line(mltop.run("-u", arg, "experiments", "--no-config"))
    assert "file store" in err, err
