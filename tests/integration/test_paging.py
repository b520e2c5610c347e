# test_paging.py: the dashboard reads an experiment's runs a page at a
# time as the user scrolls to them: the first screen after one
# runs/search over a server (one pass of keys and one page on SQLite),
# the next page when the selection nears the last row read, every page
# left for G, a sort or a filter. A real `mlflow server` behind a
# recording proxy, and its SQLite file read directly; what mltop shows is
# checked against the real client's search_runs.
import json
import math
import random
import re
import sqlite3
import time

import pytest

import pgcluster
import servers
from scripted import Scripted
from test_poll_many import copy_runs
from test_server_faults import is_asan

NCOPIES = 2600          # with the template: 2,601 runs
FIRST = 200             # a server's first page (a screen, sooner)
PAGE = 1000             # later pages, and SQLite's
JUMP = 200              # SQLite: what G or g reads first


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

    # G: page by page to the last (1,401 runs in two pages more); the
    # window holds three pages, the first (200 runs) left it.
    assert len(after_end) == 4, [sorted(b) for b in after_end]
    total = NCOPIES + 1
    assert window(end) == (total, total, FIRST + 1, total), status(end)
    assert "+" not in status(end)[-2], status(end)
    # G landed on the oldest run of all, the client's last.
    assert order[-1] in end, status(end)


def test_server_window_follows_the_user(paged, mltop_bin, fake_server,
                                       tmp_path):
    """Over a server the runs held are a window of at most three pages
    too: scrolling down reads the next page and drops the first held,
    scrolling back up reads the page before again (the first page by no
    token, 200 runs, as at first); the rows are always the client's runs
    in its order. A run started while the window is further down is
    counted, not shown; g reads the first page again, the new run on
    top."""
    from mlflow import MlflowClient
    srv, exp, order, _ = paged
    total = NCOPIES + 1
    client = MlflowClient(tracking_uri=srv.url)
    proxy = fake_server(servers.Proxy(srv.url))
    d = Scripted(mltop_bin, proxy.url, tmp_path, cols=120, lines=30)
    new = None
    try:
        d.say(":runs paged")
        d.screen("first")
        spans = []
        for i in range(5):
            d.say("<PgDn>" * 40)
            scr = d.screen(f"down{i}")
            pos, _, lo, hi = window(scr)
            at = shown(scr, order)
            assert lo - 1 <= at < hi and lo <= pos <= hi, status(scr)
            assert hi - lo + 1 <= 3 * PAGE, status(scr)
            spans.append((lo, hi))
        assert spans[-1][0] == FIRST + 1, spans     # the first page left
        assert spans[-1][1] == total, spans
        # Back up to the top: the first page again, asked as at first.
        for i in range(5):
            d.say("<PgUp>" * 40)
        top = d.screen("up")
        assert window(top)[2] == 1, status(top)
        again = loads(proxy, exp)[-1]
        assert "page_token" not in again and again["max_results"] == FIRST
        assert shown(top, order) == 0
        # Down again (G), then a run starts: counted, not shown.
        d.say("G")
        d.screen("end")
        new = client.create_run(exp, run_name="newcomer").info.run_id
        d.say(":poll")
        polled = d.screen("polled")
        assert "1 new" in status(polled)[-2], status(polled)
        assert "newcomer" not in polled
        d.say("g")
        back = d.screen("back")
        assert window(back)[2] == 1, status(back)
        assert "new" not in status(back)[-2], status(back)
        names = re.findall(r"\b(newcomer|template|copy-\d{5})\b", back)
        assert names[:3] == ["newcomer"] + order[:2], names[:3]
    finally:
        code = d.close()
        if new:
            client.delete_run(new)
    assert code == 0, d.errors()


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


def window(screen):
    """(position, total, first, last) from a windowed runs view's info
    line: "P/T  rows F-L read (more as you scroll)"."""
    m = re.search(r"(\d+)/(\d+)\+?  rows (\d+)-(\d+) read \(more as "
                  r"you scroll\)", screen)
    assert m, status(screen)
    return tuple(int(g) for g in m.groups())


def shown(screen, order):
    """The run names on screen: a run of consecutive runs of order (the
    client's); returns the position of the first."""
    names = re.findall(r"\b(template|copy-\d{5})\b", screen)
    assert names, screen
    at = order.index(names[0])
    assert names == order[at:at + len(names)], (names, at)
    return at


def test_sqlite_pages_like_a_server(paged, mltop_bin, tmp_path):
    """The same store read directly: a page first, the window of runs
    held follows the user, G moves it to the last page, in the client's
    order; a sort by DURATION reads every page first."""
    _, exp, order, uri = paged
    total = NCOPIES + 1
    (first, _), (scrolled, _), (end, _) = scroll(
        mltop_bin, None, uri, "paged", exp, tmp_path, True)
    assert window(first) == (1, total, 1, PAGE), status(first)
    assert shown(first, order) == 0
    pos, _, lo, hi = window(scrolled)
    # 40 PgDn in one script line reach the last row read (1,000); the
    # next page is read as the selection comes near it.
    assert pos >= PAGE and (lo, hi) == (1, 2 * PAGE), status(scrolled)
    assert shown(scrolled, order) < pos <= shown(scrolled, order) + 30
    # G: the last page; 2,601 runs fit in a window (three pages), so
    # they are all held now; the last row is the client's last run.
    assert f"{total}/{total}  {total} runs shown" in end, status(end)
    assert order[-1] in end, status(end)

    # DURATION is an order the store keeps: it sorts every run and the
    # window is its first page (nothing else is read).
    (tmp_path / "sorted").mkdir()
    d = Scripted(mltop_bin, uri, tmp_path / "sorted", cols=120, lines=30)
    try:
        d.say(":runs paged")
        d.say("s")      # START -> DURATION: any run may come first
        s = d.screen("sorted")
    finally:
        code = d.close()
    assert code == 0, d.errors()
    assert window(s) == (1, total, 1, PAGE), status(s)


WIN_COPIES = 12000      # 12,001 runs: four windows' worth


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    from mlflow import MlflowClient
    db = tmp_path_factory.mktemp("big") / "big.db"
    uri = "sqlite:///" + str(db)
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("big")
    template = client.create_run(exp, run_name="template").info.run_id
    client.log_metric(template, "loss", 0.5, step=0)
    client.set_terminated(template, "FINISHED")
    copy_runs(db, template, WIN_COPIES)
    # The copies' loss: a value of a few (ties), none (missing) or NaN.
    rng = random.Random(7)
    con = sqlite3.connect(db)
    with con:
        rows = con.execute("SELECT run_uuid, name FROM runs WHERE name"
                           " LIKE 'copy-%'").fetchall()
        for rid, name in rows:
            i = int(name[5:])
            if i % 7 == 0:
                con.execute("DELETE FROM latest_metrics WHERE run_uuid = ?",
                            (rid,))
            elif i % 11 == 0:
                con.execute("UPDATE latest_metrics SET value = 0, is_nan = 1"
                            " WHERE run_uuid = ?", (rid,))
            else:
                con.execute("UPDATE latest_metrics SET value = ? WHERE"
                            " run_uuid = ?", (rng.randrange(400) / 100, rid))
    con.close()
    runs = client.search_runs([exp], max_results=50000)
    order = [r.info.run_name for r in runs]
    assert len(order) == WIN_COPIES + 1
    return client, exp, order, uri


def test_sqlite_window_follows_the_user(big, mltop_bin, tmp_path):
    """12,001 runs on SQLite: the runs held are a window of at most three
    pages that moves with the selection (down a page at a time, G to the
    end, g to the top) and the rows are always the client's runs at
    those positions; a run the client starts while the window is further
    down counts at once and is first at the top; a reload keeps the
    window where it was."""
    client, exp, order, uri = big
    total = WIN_COPIES + 1
    d = Scripted(mltop_bin, uri, tmp_path, cols=120, lines=30)
    try:
        d.say(":runs big")
        first = d.screen("first")
        assert window(first) == (1, total, 1, PAGE), status(first)
        assert shown(first, order) == 0
        # Down about 4,300 rows: the window slides, three pages at most.
        spans = []
        for i in range(4):
            d.say("<PgDn>" * 40)
            scr = d.screen(f"down{i}")
            pos, t, lo, hi = window(scr)
            at = shown(scr, order)
            assert t == total and lo <= at + 1 and at < pos <= hi, \
                (status(scr), at)
            assert hi - lo + 1 <= 3 * PAGE, status(scr)
            spans.append((lo, hi))
        assert spans[-1][0] > 1, spans      # the first page was dropped
        assert spans[-1][1] < total, spans  # the last was never read
        deep = pos
        # A full reload reads the keys again and keeps the window there.
        d.say(":refresh")
        again = d.screen("reloaded")
        assert window(again)[:2] == (deep, total), status(again)
        assert shown(again, order) == at, status(again)
        # A run the client starts now is the newest: one more row above.
        new = client.create_run(exp, run_name="newcomer").info.run_id
        d.say(":poll")
        moved = d.screen("polled")
        assert window(moved)[1] == total + 1, status(moved)
        assert window(moved)[0] == deep + 1, status(moved)
        assert "newcomer" not in moved
        d.say("G")
        end = d.screen("end")
        # A jump reads a screenful or so (200 runs) at once.
        assert window(end) == (total + 1, total + 1, total + 1 - JUMP + 1,
                               total + 1), status(end)
        assert order[-1] in end
        d.say("g")
        top = d.screen("top")
        assert window(top)[:3] == (1, total + 1, 1), status(top)
        names = re.findall(r"\b(newcomer|template|copy-\d{5})\b", top)
        assert names[:3] == ["newcomer"] + order[:2], names[:3]
    finally:
        code = d.close()
        client.delete_run(new) if "new" in locals() else None
    assert code == 0, d.errors()


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


def vm_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_postgres_window_scrolls_through_every_run(pg_served, pg_paged,
                                                   mltop_bin, fake_server,
                                                   tmp_path):
    """100,001 runs on PostgreSQL behind a real mlflow server: G reads
    page by page to the last, holding three pages at most (the memory
    the dashboard peaks at stays that of a few pages, not of 100,001
    runs); the last rows are the client's last runs; scrolling up reads
    the page before again by its token; g reads the first page again."""
    from mlflow import MlflowClient
    exp, first_names = pg_paged
    total = PG_RUNS + 1
    client = MlflowClient(tracking_uri=pg_served.url)
    last = [r.info.run_name for r in client.search_runs(
        [exp], max_results=5, order_by=["attributes.start_time ASC"])]
    proxy = fake_server(servers.Proxy(pg_served.url))
    d = Scripted(mltop_bin, proxy.url, tmp_path, cols=120, lines=30)
    try:
        d.say(":runs pg-paged")
        first = d.screen("first")
        assert window(first) == (1, FIRST, 1, FIRST), status(first)
        d.say("G")
        end = d.screen("end")
        hwm = vm_hwm_mib(d.proc.pid)
        # Every page once: 200, then 100 of 1,000 (the last has 801).
        assert len(loads(proxy, exp)) == 1 + 100, len(loads(proxy, exp))
        pos, tot, lo, hi = window(end)
        assert (pos, tot, hi) == (total, total, total), status(end)
        assert hi - lo + 1 <= 3 * PAGE, status(end)
        assert "+" not in status(end)[-2], status(end)
        names = re.findall(r"\b(template|pg-\d{6})\b", end)
        assert names[-1] == last[0], (names[-3:], last[:3])
        # Up past the window's first row: the page before, read again.
        for _ in range(4):
            d.say("<PgUp>" * 40)
        up = d.screen("up")
        ulo = window(up)[2]
        assert ulo < lo and window(up)[3] - ulo + 1 <= 3 * PAGE, \
            (status(end), status(up))
        bodies = loads(proxy, exp)
        assert len(bodies) > 101 and "page_token" in bodies[-1]
        d.say("g")
        top = d.screen("top")
        assert window(top)[:3] == (1, total, 1), status(top)
        names = re.findall(r"\b(template|pg-\d{6})\b", top)
        assert names == first_names[:len(names)], names[:3]
        assert "page_token" not in loads(proxy, exp)[-1]
    finally:
        code = d.close()
    assert code == 0, d.errors()
    # 100,001 runs held would take several hundred MiB. (Under ASan
    # freed memory waits in its quarantine, 256 MB: not comparable.)
    if not is_asan(mltop_bin):
        assert hwm < 80, hwm


def view_order(runs, value, desc):
    """The runs view's order by a value (its sort): ties by run id, the
    whole reversed when descending; runs without one (or NaN) last
    either way."""
    has = [r for r in runs if value(r) is not None]
    none = [r for r in runs if value(r) is None]
    has.sort(key=lambda r: (value(r), r.info.run_id), reverse=desc)
    none.sort(key=lambda r: r.info.run_id, reverse=desc)
    return [r.info.run_name for r in has + none]


def duration_of(r):
    i = r.info
    return (i.end_time or int(time.time() * 1000)) - i.start_time


def loss_of(r):
    v = r.data.metrics.get("loss")
    return None if v is None or math.isnan(v) else v


def test_sqlite_window_goes_with_its_experiment(mltop_bin, tmp_path):
    """Memory follows the screen: when another big experiment's window
    comes, the first one's goes (its keys and the runs it held), and
    that experiment reads its first page again when it is shown (it
    held its window further down before)."""
    from mlflow import MlflowClient
    db = tmp_path / "two.db"
    uri = "sqlite:///" + str(db)
    client = MlflowClient(tracking_uri=uri)
    for name, n, seed in (("alpha", 3500, 21), ("beta", 1500, 22)):
        exp = client.create_experiment(name)
        template = client.create_run(exp, run_name="template").info.run_id
        client.log_metric(template, "loss", 0.5, step=0)
        client.set_terminated(template, "FINISHED")
        copy_runs(db, template, n, seed=seed)
    d = Scripted(mltop_bin, uri, tmp_path, cols=120, lines=30)
    try:
        d.say(":runs alpha")
        assert window(d.screen("alpha"))[:2] == (1, 3501)
        for _ in range(4):  # each line stops at the last row read
            d.say("<PgDn>" * 40)
        deep = window(d.screen("alpha-deep"))
        assert deep[2] > 1 and deep[0] > 1000, deep
        d.say(":runs beta")
        assert window(d.screen("beta"))[:2] == (1, 1501)
        d.say(":runs alpha")
        back = d.screen("alpha-again")
        assert window(back) == (1, 3501, 1, PAGE), status(back)
        assert shown_names(back)[0] == "template", shown_names(back)[:3]
    finally:
        code = d.close()
    assert code == 0, d.errors()


def test_sqlite_sorts_and_filters_in_the_store(big, mltop_bin, tmp_path):
    """Sorted by a metric (ties, missing values and NaN among 12,001
    runs), either way, and by DURATION, the store orders every run and
    the window pages through that order: its first page, its last (G)
    and one in the middle are the runs the client reads back, in the
    view's order. MLflow's filter (:where) is the store's too: the
    window holds only the runs the client's search_runs finds. A sort
    the store does not keep (NAME) sorts the runs held."""
    client, exp, _, uri = big
    runs = client.search_runs([exp], max_results=50000)
    total = len(runs)
    d = Scripted(mltop_bin, uri, tmp_path, cols=140, lines=30)

    def check(scr, want, at=None):
        first = shown_names(scr)
        got = want.index(first[0])
        assert first == want[got:got + len(first)], (first, got)
        if at is not None:
            assert got == at, (got, status(scr))
        return got

    try:
        d.say(":runs big")
        d.screen("first")
        # A filter's metric clause under an order with no metric in it
        # (DURATION, the first s): the same pass, no sort values.
        d.say("s")
        d.say(":where metrics.loss < 0.5")
        found = client.search_runs([exp], "metrics.loss < 0.5",
                                   max_results=50000)
        dur = d.screen("duration-filtered")
        assert re.search(r"DURATI\S*▼", dur.splitlines()[1]), dur[:300]
        assert window(dur)[:2] == (1, len(found)), status(dur)
        check(dur, view_order(found, duration_of, True), 0)
        d.say(":where")
        # START, DURATION, USER, loss: the third s is the metric.
        d.say("ss")
        desc = d.screen("loss-desc")
        want = view_order(runs, loss_of, True)
        assert window(desc) == (1, total, 1, PAGE), status(desc)
        assert "loss" in desc.splitlines()[1] and "▼" in desc
        check(desc, want, 0)
        for _ in range(4):  # each line stops at the last row read
            d.say("<PgDn>" * 40)
        mid = d.screen("loss-mid")
        pos, _, lo, hi = window(mid)
        at = check(mid, want)
        assert lo <= at + 1 and at < pos <= hi and lo > 1, status(mid)
        d.say("G")
        end = d.screen("loss-end")
        assert window(end)[:2] == (total, total), status(end)
        assert shown_names(end)[-1] == want[-1]
        check(end, want)
        # The other way: the order held, turned around (runs with a
        # value reversed, those without still last).
        d.say("S")
        asc = d.screen("loss-asc")
        assert window(asc)[:2] == (1, total), status(asc)
        check(asc, view_order(runs, loss_of, False), 0)
        d.say("G")
        asc_end = d.screen("loss-asc-end")
        assert window(asc_end)[:2] == (total, total), status(asc_end)
        assert shown_names(asc_end)[-1] == \
            view_order(runs, loss_of, False)[-1]
        check(asc_end, view_order(runs, loss_of, False))
        d.say("g")

        # MLflow's filter: the store's keys are the matches only.
        d.say(":where metrics.loss < 0.5")
        found = client.search_runs([exp], "metrics.loss < 0.5",
                                   max_results=50000)
        assert 100 < len(found) < total
        filt = d.screen("filtered")
        assert window(filt)[:2] == (1, len(found)), status(filt)
        check(filt, view_order(found, loss_of, False), 0)
        d.say("G")
        fend = d.screen("filtered-end")
        n = len(found)      # within three pages: all held now
        assert f"{n}/{n}  {n} runs shown" in fend, status(fend)
        assert shown_names(fend)[-1] == view_order(found, loss_of,
                                                   False)[-1]
        # Metric clauses are tested by mltop from one pass over
        # latest_metrics, the rest in SQL: a few more against the client.
        for i, f in enumerate([
                "metrics.loss != 0.25",
                "metrics.loss >= 1 and metrics.loss <= 2",
                "metrics.loss = 3.5 and attributes.status = 'FINISHED'",
                "metrics.loss > 3.9 and metrics.`loss` < 3.95"]):
            d.say(":where " + f)
            scr = d.screen("where%d" % i)
            found = client.search_runs([exp], f, max_results=50000)
            want = view_order(found, loss_of, False)
            n = len(found)
            assert n, f
            if n > PAGE:
                assert window(scr) == (1, n, 1, PAGE), (f, status(scr))
            else:
                assert f"1/{n}  {n} runs shown" in scr, (f, status(scr))
            check(scr, want, 0)
        d.say(":where")

        # A sort the store does not keep: the runs held, said so.
        d.say("ss")     # loss -> STATUS (wraps) -> NAME, of strings
        named = d.screen("named")
        assert re.search(r"NAME\s*[▲▼]", named), named.splitlines()[1]
        assert "this column sorts the" in named, status(named)
        assert f"metrics sort all {total}" in named, status(named)
    finally:
        code = d.close()
    assert code == 0, d.errors()


def shown_names(screen):
    return re.findall(r"\b(newcomer|template|copy-\d{5})\b", screen)
