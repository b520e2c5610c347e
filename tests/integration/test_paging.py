# test_paging.py: the dashboard reads an experiment's runs a page at a
# time as the user scrolls to them: the first screen after one
# runs/search over a server (one pass of keys and one page on SQLite),
# the next page when the selection nears the last row read, every page
# left for G, a sort or a filter. A real `mlflow server` behind a
# recording proxy, and its SQLite file read directly; what mltop shows is
# checked against the real client's search_runs.
import json
import re

import pytest

import pgcluster
import servers
from scripted import Scripted
from test_poll_many import copy_runs

NCOPIES = 2600          # with the template: 2,601 runs
FIRST = 200             # a server's first page (a screen, sooner)
PAGE = 1000             # later pages, and SQLite's


@pytest.fixture(scope="module")
def paged(tmp_path_factory, server_factory):
    from mlflow import MlflowClient
    db = tmp_path_factory.mktemp("paged") / "paged.db"
    client = MlflowClient(tracking_uri="sqlite:///" + str(db))
    exp = client.create_experiment("paged")
    template = client.create_run(exp, run_name="template").info.run_id
    client.log_metric(template, "loss", 0.5, step=0)
    client.set_terminated(template, "FINISHED")
    copy_runs(db, template, NCOPIES)
    srv = server_factory(store=db)
    served = MlflowClient(tracking_uri=srv.url)
    order = [r.info.run_name for r in served.search_runs(
        [exp], max_results=50000)]
    assert len(order) == NCOPIES + 1
    return srv, exp, order, "sqlite:///" + str(db)


def loads(proxy, exp):
    """The runs/search bodies of the runs view's load of exp (not the
    experiments table's counts, which filter or ask for one run)."""
    out = []
    for req in list(proxy.requests):
        if req.endpoint != "runs/search" or not req.body:
            continue
        b = json.loads(req.body)
        if b.get("experiment_ids") == [exp] and "filter" not in b and \
                b.get("max_results") in (FIRST, PAGE):
            out.append(b)
    return out


def status(screen):
    return screen.rstrip().splitlines()[-2:]


def scroll(mltop_bin, proxy, url, name, exp, tmp_path, to_end):
    """The dashboard on url: the runs of experiment name, then PgDn x40
    (down to the last screens of the first page: the second page), then
    G when to_end. The screens, each with the runs/search loads the
    proxy had seen by then."""
    d = Scripted(mltop_bin, url, tmp_path, cols=120, lines=30)
    shots = []
    try:
        for keys in [f":runs {name}", "<PgDn>" * 40] + (["G"] if to_end
                                                         else []):
            d.say(keys)
            shots.append((d.screen(f"shot{len(shots)}"),
                          loads(proxy, exp) if proxy else []))
    finally:
        code = d.close()
    assert code == 0, d.errors()
    return shots


def test_first_screen_after_one_search_then_pages_as_user_scrolls(
        paged, mltop_bin, fake_server, tmp_path):
    srv, exp, order, _ = paged
    proxy = fake_server(servers.Proxy(srv.url))
    (first, after_first), (scrolled, after_scroll), (end, after_end) = \
        scroll(mltop_bin, proxy, proxy.url, "paged", exp, tmp_path, True)

    # One small search for the first screen (a server answers sooner).
    assert len(after_first) == 1 and "page_token" not in after_first[0], \
        after_first
    assert after_first[0]["max_results"] == FIRST, after_first
    assert f"1/{FIRST}+" in first and "more as you scroll" in first, \
        status(first)
    # The rows shown are the client's first runs, in its order.
    names = re.findall(r"\b(template|copy-\d{5})\b", first)
    assert names and names == order[:len(names)], (names, order[:10])

    # Near the last row read: one whole page more.
    assert len(after_scroll) == 2 and "page_token" in after_scroll[1], \
        after_scroll
    assert after_scroll[1]["max_results"] == PAGE, after_scroll
    assert f"/{FIRST + PAGE}+" in scrolled, status(scrolled)

    # G: the rest, 1,401 runs in two pages.
    assert len(after_end) == 4, [sorted(b) for b in after_end]
    total = NCOPIES + 1
    assert f"{total}/{total}  {total} runs shown" in end, status(end)
    assert "+" not in status(end)[-1] and "more as" not in end
    # G landed on the oldest run of all, the client's last.
    assert order[-1] in end, status(end)


def test_sort_or_filter_reads_every_page_first(paged, mltop_bin,
                                                fake_server, tmp_path):
    srv, exp, order, _ = paged
    proxy = fake_server(servers.Proxy(srv.url))
    d = Scripted(mltop_bin, proxy.url, tmp_path, cols=120, lines=30)
    try:
        d.say(":runs paged")
        d.screen("first")
        one = len(loads(proxy, exp))
        # A regex filter matches runs of the last page only: mltop reads
        # every page before it says what matches.
        d.say("/copy-0259<Enter>")
        filtered = d.screen("filtered")
    finally:
        code = d.close()
    assert code == 0, d.errors()
    assert one == 1
    assert len(loads(proxy, exp)) == 4   # 200, 1000, 1000, 401
    want = [n for n in order if n.startswith("copy-0259")]
    assert len(want) == 10
    assert "10 runs shown" in filtered, status(filtered)
    assert "+" not in status(filtered)[-1], status(filtered)
    for n in want:
        assert n in filtered, (n, filtered)


def test_sqlite_pages_like_a_server(paged, mltop_bin, tmp_path):
    """The same store read directly: a page first, then every run on G,
    in the client's order; a sort by DURATION reads every page first."""
    _, exp, order, uri = paged
    (first, _), (scrolled, _), (end, _) = scroll(
        mltop_bin, None, uri, "paged", exp, tmp_path, True)
    assert f"1/{PAGE}+" in first and "more as you scroll" in first, \
        status(first)
    names = re.findall(r"\b(template|copy-\d{5})\b", first)
    assert names and names == order[:len(names)], (names, order[:10])
    assert f"/{2 * PAGE}+" in scrolled, status(scrolled)
    total = NCOPIES + 1
    assert f"{total}/{total}  {total} runs shown" in end, status(end)
    assert order[-1] in end, status(end)

    (tmp_path / "sorted").mkdir()
    d = Scripted(mltop_bin, uri, tmp_path / "sorted", cols=120, lines=30)
    try:
        d.say(":runs paged")
        d.say("s")      # START -> DURATION: any run may come first
        s = d.screen("sorted")
    finally:
        code = d.close()
    assert code == 0, d.errors()
    assert f"{total} runs shown" in s and "+" not in status(s)[-1], \
        status(s)


PG_RUNS = 100000


@pytest.fixture(scope="module")
def pg_paged(pg_served):
    """An experiment of 100,001 runs on the PostgreSQL server: a template
    run logged by the real client, then SQL copies made by PostgreSQL
    (generate_series) with older start times. Made once a cluster (the
    second integration pass finds it)."""
    from mlflow import MlflowClient
    client = MlflowClient(tracking_uri=pg_served.url)
    eid = pgcluster.fill_copies(pg_served.url, pg_served.dsn, "pg-paged",
                                PG_RUNS)
    exp = client.get_experiment(eid)
    first = [r.info.run_name for r in client.search_runs(
        [exp.experiment_id], max_results=60)]
    assert first[0] == "template" and first[1] == "pg-000001", first[:3]
    return exp.experiment_id, first


def test_postgres_first_screen_after_one_search(pg_served, pg_paged,
                                                mltop_bin, fake_server,
                                                tmp_path):
    """100,001 runs on PostgreSQL behind a real mlflow server: the first
    screen after one runs/search of 200, the client's runs in its order;
    PgDn x40 reads one page (1,000) more; nothing else is asked for."""
    exp, first_names = pg_paged
    proxy = fake_server(servers.Proxy(pg_served.url))
    (first, after_first), (scrolled, after_scroll) = scroll(
        mltop_bin, proxy, proxy.url, "pg-paged", exp, tmp_path, False)
    assert len(after_first) == 1, after_first
    assert f"1/{FIRST}+" in first, status(first)
    names = re.findall(r"\b(template|pg-\d{6})\b", first)
    assert names and names == first_names[:len(names)], names
    assert len(after_scroll) == 2 and "page_token" in after_scroll[1]
    assert f"/{FIRST + PAGE}+" in scrolled, status(scrolled)
