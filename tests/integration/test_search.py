# test_search.py: `mltop runs --filter F --order-by K... --max-results N
# --json` against MLflow's own search_runs, on a SQLite file and on a real
# `mlflow server`.
#
# One experiment of about forty runs with awkward data (NaN and infinite
# metrics, ties, missing values, keys with dots, spaces, dashes, colons
# and slashes, values with %, _, quotes and non-ASCII letters, every run
# status, shared start times, a nested run, a deleted run) is built with
# the real MlflowClient in each store. For every case of CASES the
# expected answer is what MlflowClient.search_runs returns on that same
# store, run ids in order, computed when the test runs; mltop must give
# the same ids in the same order. INVALID lists filters and order_by
# clauses MLflow rejects: mltop must refuse them too (exit 1) and say
# what MLflow says.
#
# The client-side checks (the corpus is not vacuous, the invalid cases
# are invalid, what the two stores answer) run without mltop.
import json
import os
import re
import uuid

import pytest

import compare
import mlflow_readout as readout
from conftest import _client_env, parse_json

BACKENDS = ("sqlite", "server", "postgres")
EXIT_USAGE = 1

# A fixed clock, so that filters on start_time and end_time can name
# times of the data.
T0 = 1_700_000_000_000
NAN, INF = float("nan"), float("inf")


# ---- the data ---------------------------------------------------------------

# Per run i: each column cycles with its own period, so that values combine
# in many ways; None leaves the metric, param or tag out.
NAME_FORMS = ["alpha run {}", "Beta_Run-{}", "gamma%run {}", "ÜBER lauf {}",
              "it's run {}", 'say "run" {}']
STATUSES = ["FINISHED", "FAILED", "KILLED", "RUNNING", "SCHEDULED"]
USERS = ["alice", "Bob", "carol_x", "dave%"]
LOSS = [0.5, 0.25, NAN, INF, -INF, -1.5, 0.0, 0.001, 0.5, None, 2.0]
LR = ["0.001", "1e-3", "0.01", "0.1", "1E-3"]
OPT = ["Adam", "adam", "SGD", "sgd_momentum", "100%", "a_b", "it's",
       'say "hi"', "naïve", "", "ADAM", "a-b"]
TEAM = ["Vision", "vision", "NLP", "nlp_core", "Ops%"]
NOTE = ["50% done", "a_b", "it's fine", 'say "yes"', "Café", "日本語",
        "plain", "UPPER lower"]
NRUNS = 36


def run_specs():
    """The runs, as dicts: name, start, status, end, user, metrics (key ->
    [(step, value)], the latest last by step), params, tags, and a parent
    name for a nested run."""
    specs = []
    for i in range(NRUNS):
        status = STATUSES[i % 5]
        start = T0 + (i // 3) * 1000          # three runs a start time
        end = None
        if status in ("FINISHED", "FAILED", "KILLED"):
            end = start + 500 * (i % 4) + 100
        m = {}
        if LOSS[i % 11] is not None:
            m["loss"] = [(0, LOSS[i % 11])]
        if i % 4 != 3:
            # The latest value (step 2) is below 0.9; an earlier step
            # (logged first) and a later-logged lower step are not it.
            m["acc"] = [(0, 0.95), (2, (i % 8) / 10), (1, 0.01)]
        if i % 3 == 0:
            m["a.b"] = [(0, float(i))]
        if i % 2 == 0:
            m["val loss"] = [(0, -(i % 5) / 4)]
        if i % 5 != 0:
            m["f1-score"] = [(0, (i % 9) / 8)]
        if i % 6 == 1:
            m["grad/norm:x"] = [(0, 1e-3 * i)]
        p = {"lr": LR[i % 5]}
        if i % 13 != 12:
            p["opt.name"] = OPT[i % 12]
        if i % 4 != 2:
            p["batch size"] = str([32, 64, 128][i % 3])
        if i % 2:
            p["drop-out"] = "0.5"
        t = {"team.name": TEAM[i % 5]}
        if i % 9 != 4:
            t["note"] = NOTE[i % 8]
        if i % 3 == 1:
            t["with space"] = "yes"
        if i % 7 == 0:
            t["env"] = "prod"
        elif i % 7 == 3:
            t["env"] = "dev"
        specs.append(dict(name=NAME_FORMS[i % 6].format(i), start=start,
                          status=status, end=end, user=USERS[i % 4],
                          metrics=m, params=p, tags=t))
    # A parent and its child, at a start time three other runs share.
    specs.append(dict(name="parent run", start=T0 + 4000, status="FINISHED",
                      end=T0 + 9000, user="alice",
                      metrics={"loss": [(0, 0.5)], "acc": [(0, 0.5)]},
                      params={"lr": "0.01", "opt.name": "Adam"},
                      tags={"team.name": "Vision", "note": "plain"}))
    specs.append(dict(name="child run", start=T0 + 4000, status="RUNNING",
                      end=None, user="Bob", parent="parent run",
                      metrics={"loss": [(0, 0.25)]},
                      params={"lr": "0.01"}, tags={"team.name": "vision"}))
    # Nothing logged but the run itself.
    specs.append(dict(name="bare run", start=T0 + 20000, status="FINISHED",
                      end=T0 + 20001, user="erin", metrics={}, params={},
                      tags={}))
    # Deleted: matches most filters, must never show.
    specs.append(dict(name="deleted run", start=T0 + 30000,
                      status="FINISHED", end=T0 + 30100, user="alice",
                      metrics={"loss": [(0, 0.5)], "acc": [(0, 0.5)],
                               "a.b": [(0, 12.0)]},
                      params={"lr": "0.001", "opt.name": "Adam",
                              "batch size": "64"},
                      tags={"team.name": "Vision", "note": "plain",
                            "env": "prod"}, deleted=True))
    return specs


def build(client, exp_id):
    """Log run_specs() into exp_id with the client only; -> ({run id:
    name}, [deleted ids])."""
    from mlflow.entities import Metric, Param, RunTag
    names, deleted, by_name = {}, [], {}
    for s in run_specs():
        tags = {"mlflow.user": s["user"], **s["tags"]}
        if s.get("parent"):
            tags["mlflow.parentRunId"] = by_name[s["parent"]]
        r = client.create_run(exp_id, start_time=s["start"], tags=tags,
                              run_name=s["name"])
        rid = r.info.run_id
        assert r.info.user_id == s["user"], (r.info.user_id, s["user"])
        metrics = []
        for key, points in s["metrics"].items():
            for n, (step, v) in enumerate(points):
                metrics.append(Metric(key, v, s["start"] + 10 + n, step))
        client.log_batch(rid, metrics=metrics,
                         params=[Param(k, v) for k, v in s["params"].items()],
                         tags=[RunTag(k, v) for k, v in s["tags"].items()])
        if s["status"] in ("FINISHED", "FAILED", "KILLED"):
            client.set_terminated(rid, s["status"], end_time=s["end"])
        elif s["status"] != "RUNNING":
            client.update_run(rid, status=s["status"])
        if s.get("deleted"):
            client.delete_run(rid)
            deleted.append(rid)
        else:
            names[rid] = s["name"]
        by_name[s["name"]] = rid
    return names, deleted


class Corpus:
    """One store holding the experiment: the URI mltop opens, the client
    that gives the expected answers, run id -> name."""

    def __init__(self, kind, uri, work, server=None):
        from mlflow import MlflowClient
        self.kind = kind
        self.uri = uri
        self.work = work
        self.server = server
        self.client = MlflowClient(tracking_uri=uri)
        loc = None if kind != "sqlite" else str(work / "artifacts")
        self.exp_name = f"search corpus {uuid.uuid4().hex[:8]}"
        self.exp_id = self.client.create_experiment(self.exp_name,
                                                    artifact_location=loc)
        self.names, self.deleted = build(self.client, self.exp_id)
        self.ids = {n: i for i, n in self.names.items()}
        self._answers = {}

    def __repr__(self):
        return f"<{self.kind} {self.uri}>"

    def expand(self, text):
        """{id:NAME} -> that run's id, {pre:NAME} -> its first 4 hex."""
        def sub(m):
            rid = self.ids[m.group(2)]
            return rid if m.group(1) == "id" else rid[:4]
        return re.sub(r"\{(id|pre):([^}]*)\}", sub, text)

    def search(self, case):
        """The client's answer: the runs, in MLflow's order (asked once a
        module: the tests share the answers)."""
        key = (case.filter, tuple(case.order_by), case.max_results)
        if key not in self._answers:
            kw = {}
            if case.max_results is not None:
                kw["max_results"] = case.max_results
            self._answers[key] = self.client.search_runs(
                [self.exp_id], filter_string=self.expand(case.filter or ""),
                order_by=[self.expand(o) for o in case.order_by] or None,
                **kw)
        return self._answers[key]

    def short(self, ids):
        return [f"{i[:8]} {self.names.get(i, '?')!r}" for i in ids]


@pytest.fixture(scope="module")
def sqlite_corpus(tmp_path_factory):
    from mlflow import MlflowClient
    _client_env()
    d = tmp_path_factory.mktemp("search-sqlite")
    uri = "sqlite:///" + str(d / "search.db")
    MlflowClient(tracking_uri=uri).search_experiments()  # the schema
    return Corpus("sqlite", uri, d)


@pytest.fixture(scope="module")
def server_corpus(tmp_path_factory, server_factory):
    """The session's server (tools/test.sh's, MLTOP_TEST_SERVER_URL) with a
    fresh experiment; without one, a server of our own, as conftest's
    `served` does."""
    _client_env()
    d = tmp_path_factory.mktemp("search-server")
    url = os.environ.get("MLTOP_TEST_SERVER_URL")
    if url:
        return Corpus("server", url.rstrip("/"), d)
    srv = server_factory()
    return Corpus("server", srv.url, d, server=srv)


@pytest.fixture(scope="module")
def postgres_corpus(tmp_path_factory, pg_served):
    """An mlflow server on PostgreSQL (tools/test.sh's, or conftest's
    own) with a fresh experiment."""
    d = tmp_path_factory.mktemp("search-postgres")
    return Corpus("postgres", pg_served.url, d)


@pytest.fixture(params=BACKENDS)
def corpus(request):
    return request.getfixturevalue(f"{request.param}_corpus")


# ---- the cases --------------------------------------------------------------

class Case:
    """filter, order_by clauses, max_results; expect: "some" (the filter
    keeps at least one run and drops one), "none" or "all" when that is
    the point of the case. {id:NAME} and {pre:NAME} stand for a run's id
    and its first 4 hex digits in the store at hand."""

    def __init__(self, filter, order_by=(), max_results=None, expect="some",
                 why=""):
        self.filter = filter
        self.order_by = list(order_by)
        self.max_results = max_results
        self.expect = expect
        self.why = why

    def __repr__(self):
        s = repr(self.filter)
        if self.order_by:
            s += f" order_by {self.order_by}"
        if self.max_results is not None:
            s += f" max_results {self.max_results}"
        return s

    def args(self, c):
        a = []
        if self.filter is not None:
            a += ["--filter", c.expand(self.filter)]
        for o in self.order_by:
            a += ["--order-by", c.expand(o)]
        if self.max_results is not None:
            a += ["--max-results", str(self.max_results)]
        return a


C = Case
T = T0
CASES = [
    # metrics: comparisons, NaN, the infinities (stored as +-DBL_MAX),
    # missing metrics, ties, number forms
    C("metrics.loss < 0.3"),
    C("metrics.loss <= 0.5"),
    C("metrics.loss = 0.5"),
    C("metrics.loss != 0.5", why="NaN differs, missing does not"),
    C("metrics.loss > 0"),
    C("metrics.loss >= 0"),
    C("metrics.loss < 0"),
    C("metrics.loss = 0"),
    C("metrics.loss != 0"),
    C("metrics.loss > 1e308", why="+inf"),
    C("metrics.loss < -1e308", why="-inf"),
    C("metrics.loss = 1e-3"),
    C("metrics.loss = 0.001"),
    C("metrics.loss > -.5"),
    C("metrics.loss >= -1.5"),
    C("metrics.loss > -1.5"),
    C("metrics.loss < 1E1"),
    C("metrics.loss = 2"),
    C("metrics.loss <= 1."),
    C("metrics.acc > 0.9", expect="none",
      why="0.95 is an earlier step's value, not the latest"),
    C("metrics.acc >= 0.5"),
    C("metrics.acc = 0.01", expect="none", why="a lower step logged last"),
    C("metrics.`a.b` >= 12"),
    C("metrics.a.b < 9", why="the key is everything after the first dot"),
    C('metrics."val loss" < -0.3'),
    C("metrics.`val loss` = 0"),
    C("metrics.`f1-score` > 0.5"),
    C("metric.`grad/norm:x` > 0.01"),
    C("metrics.loss > 0 AND metrics.acc < 0.5"),
    C("metrics.loss >= 0 and params.lr = '0.01'"),
    C("metrics.loss >= 0 AnD tags.env = 'prod'"),
    C("metrics.loss<0.3 AND metrics.acc>=0.2"),
    # params
    C("params.lr = '0.001'"),
    C("params.lr != '0.001'"),
    C("params.lr LIKE '1%'"),
    C("params.lr ILIKE '1e%'"),
    C("params.lr LIKE '%E%'", why="LIKE is case-sensitive in MLflow"),
    C("params.lr LIKE '0._01'"),
    C("params.`opt.name` = 'Adam'"),
    C("params.`opt.name` ILIKE 'adam'"),
    C("params.`opt.name` LIKE 'a_b'"),
    C("params.`opt.name` LIKE '100%'"),
    C("params.`opt.name` LIKE '%\\%'", expect="none",
      why="no escape character: backslash is literal"),
    C("params.`opt.name` = ''"),
    C("params.`opt.name` IS NULL"),
    C("params.`opt.name` IS NOT NULL"),
    C("params.`opt.name` is null", why="lower-case IS NULL"),
    C("params.`opt.name` = \"it's\""),
    C("params.`opt.name` = 'say \"hi\"'"),
    C("params.`opt.name` = 'naïve'"),
    C("params.`opt.name` ILIKE 'NAÏVE'", expect="none",
      why="SQLite's lower() folds ASCII only"),
    C("params.`opt.name` ILIKE 'NAïVE'"),
    C("param.`batch size` = '64'"),
    C("parameters.`batch size` != '64'"),
    C("params.\"drop-out\" = '0.5'"),
    C("params.`drop-out` IS NULL AND params.`batch size` IS NOT NULL"),
    # tags
    C("tags.`team.name` = 'vision'"),
    C("tags.`team.name` ILIKE 'vision'"),
    C("tags.`team.name` LIKE 'V%'"),
    C("tags.`team.name` LIKE 'Ops%'"),
    C("tags.`team.name` LIKE 'Visio_'", why="_ matches any one character"),
    C("tags.note LIKE '%50%'"),
    C("tags.note = 'Café'"),
    C("tags.note = '日本語'"),
    C("tags.note LIKE 'it_s%'"),
    C("tags.note = 'say \"yes\"'"),
    C("tags.note ILIKE 'upper%'"),
    C("tags.note ILIKE '%CAFÉ%'", expect="none",
      why="SQLite's lower() folds ASCII only"),
    C("tags.note IS NULL"),
    C("tags.note IS NOT NULL AND tags.env IS NULL"),
    C("tag.`with space` = 'yes'"),
    C("tags.env != 'prod'", why="a run without the tag does not match"),
    C("tags.`mlflow.user` = 'Bob'"),
    C("tags.`mlflow.runName` LIKE '%run%'"),
    C("tags.`mlflow.parentRunId` IS NOT NULL"),
    # attributes
    C("attributes.status = 'FAILED'"),
    C("attributes.status != 'FINISHED'"),
    C("attribute.status LIKE 'F%'"),
    C("attr.status ILIKE 'f%'"),
    C("run.status = 'RUNNING'"),
    C("status = 'SCHEDULED'", why="no prefix: an attribute"),
    C("attributes.status = 'KILLED' AND attributes.user_id = 'alice'"),
    C("attributes.run_name = 'alpha run 0'"),
    C("attributes.run_name LIKE '%run%'"),
    C("attributes.run_name ILIKE '%RUN%'"),
    C("attributes.run_name LIKE '%\\%%'", expect="none",
      why="backslash is literal, no run name has one"),
    C("attributes.run_name LIKE 'gamma%'"),
    C("attributes.`Run name` LIKE 'Beta%'"),
    C("attributes.`run name` = 'parent run'"),
    C("run_name = \"it's run 4\""),
    C("attributes.run_name = 'ÜBER lauf 3'"),
    C("attributes.run_name ILIKE 'über%'", expect="none",
      why="SQLite's lower() folds ASCII only"),
    C("attributes.run_id = '{id:parent run}'"),
    C("attributes.run_id IN ('{id:parent run}', '{id:child run}')"),
    C("attributes.run_id NOT IN ('{id:parent run}', '{id:child run}')"),
    C("attributes.run_id LIKE '{pre:bare run}%'"),
    C("attributes.run_id != '{id:bare run}'"),
    C(f"attributes.start_time > {T + 5000}"),
    C(f"attributes.start_time = {T + 3000}"),
    C(f"attributes.created >= {T + 10000}"),
    C(f"attributes.Created < {T + 2000}"),
    C(f"attributes.start_time <= {T + 4000} AND attributes.start_time >= "
      f"{T + 4000}"),
    C("attributes.start_time > 1.7e12"),
    C(f"attributes.end_time > {T + 6000}"),
    C(f"attributes.end_time <= {T + 1500}"),
    C(f"attributes.end_time != {T + 100}", why="runs without an end time"),
    C("attributes.user_id = 'Bob'"),
    C("attributes.user_id ILIKE 'BOB'"),
    C("attributes.user_id LIKE 'dave%'"),
    C("attributes.user_id LIKE 'carol\\_x'", expect="none",
      why="backslash is literal"),
    C("attributes.artifact_uri LIKE '%{id:bare run}%'"),
    # order_by, with and without filters; max_results cuts
    C(None, ["metrics.loss ASC"]),
    C(None, ["metrics.loss DESC"]),
    C(None, ["metrics.loss"]),
    C(None, ["metrics.loss asc"]),
    C(None, ["metrics.acc DESC"]),
    C(None, ["metrics.`a.b` DESC"]),
    C(None, ["metrics.`val loss`", "params.lr DESC"]),
    C(None, ["params.lr"]),
    C(None, ["params.`opt.name` DESC"]),
    C(None, ["param.`batch size`"]),
    C(None, ["tags.`team.name`", "metrics.loss DESC"]),
    C(None, ["tags.note"]),
    C(None, ["tag.env DESC", "attributes.run_name"]),
    C(None, ["attributes.run_name"]),
    C(None, ["attributes.start_time ASC"]),
    C(None, ["attributes.start_time"]),
    C(None, ["attributes.end_time DESC"]),
    C(None, ["attributes.end_time"]),
    C(None, ["attributes.status", "attributes.run_name DESC"]),
    C(None, ["attributes.user_id", "metrics.acc"]),
    C(None, ["created"]),
    C(None, ["attr.status DESC", "metrics.`f1-score` ASC", "params.lr"]),
    C(None, ["attributes.run_id"]),
    C("metrics.loss >= 0", ["metrics.loss DESC"]),
    C("params.lr LIKE '%e%'", ["params.lr", "metrics.loss"]),
    C("tags.note IS NOT NULL", ["tags.note DESC"], 5),
    C(None, [], 7, why="the first 7 in the default order"),
    C(None, ["metrics.loss"], 3),
    C(None, ["metrics.loss DESC"], 1),
    C(None, ["attributes.start_time"], 10),
    C("metrics.acc < 0.5", ["metrics.acc DESC", "attributes.run_name"], 4),
    C("attributes.status != 'RUNNING'", ["attributes.end_time"], 6),
    C("", [], None, expect="all", why="an empty filter"),
    C("", [], 200, expect="all", why="a large cut"),
    C("metrics.loss > 0 AND", why="MLflow takes a trailing AND"),
    C("metrics.loss >= 0 AND AND metrics.acc < 0.5",
      why="MLflow takes a doubled AND"),
    C("attributes.run_id IN ('{id:parent run}' '{id:child run}')",
      expect="none", why="MLflow takes a list without commas, and then "
      "matches nothing"),
    C("metrics.loss > 0 metrics.acc < 0.5",
      why="MLflow takes two comparisons without AND (and ANDs them)"),
]

# Filters and order_by clauses MLflow rejects: (filter, order_by). Not all
# are what one would guess: MLflow refuses a blank filter (an empty one is
# every run), IN on anything but run_id, '+3' and '.5e1' as numbers, and
# objects to the value before the comparator ("metrics.loss LIKE 'x'" is
# about 'x'); it takes a trailing or doubled AND, two comparisons without
# AND and a list without commas (those are in CASES).
INVALID = [
    ("foo.x = 1", []),
    ("metrics.loss LIKE 'x'", []),   # MLflow objects to the value first
    ("metrics.loss LIKE 1", []),
    ("metrics.loss == 1", []),
    ("params.lr = 'abc", []),
    ("metrics.loss >", []),
    ("metrics.loss > 0 OR metrics.loss < 0", []),
    ("metrics.loss = 'abc'", []),
    ("metrics.loss = NaN", []),
    ("metrics.loss > .5e1", []),
    ("metrics.loss > +3", []),
    ("params.lr = 0.1", []),
    ("params.lr > '0.1'", []),
    ("params.lr IN ('0.1')", []),
    ("tags.env < 'b'", []),
    ("attributes.foo = 'x'", []),
    ("attributes.start_time = 'abc'", []),
    ("attributes.status > 'A'", []),
    ("attributes.status IN ('FAILED', 'KILLED')", []),
    ("attributes.run_name IN ('alpha run 0')", []),
    ("attributes.run_id IN ()", []),
    ("attributes.end_time IS NULL", []),
    ("params.`lr = 'x'", []),
    ("tags.env = 'a' AND tags.note", []),
    ("attributes.start_time LIKE '1%'", []),
    ("metrics.loss IS NULL", []),
    ("metrics.loss", []),
    ("   ", []),     # blank: MLflow refuses it, an empty filter it takes
    ("metrics.loss > 0; metrics.acc < 1", []),
    (None, ["metrics.loss UP"]),
    (None, ["foo.bar"]),
    (None, ["attributes.foo"]),
    (None, ["metrics.loss ASC DESC"]),
    (None, ["metrics.loss, params.lr"]),
]


def _mlflow_error(c, flt, order_by):
    """MLflow's message for an invalid case, or None if it accepts it."""
    from mlflow.exceptions import MlflowException
    try:
        c.client.search_runs([c.exp_id], filter_string=flt or "",
                             order_by=order_by or None)
    except MlflowException as e:
        return e.message
    return None


def _key_part(msg):
    """What mltop must say too: MLflow's leading words, the first thing it
    quotes outside parentheses (if anything) and the position (if it gives
    one; 3.17.2 and 3.18.0 never do). The leading words are the first five of the
    first stretch of two or more words between quoted values, lists,
    parentheses, colons and sentence ends (a server's
    "INVALID_PARAMETER_VALUE: " prefix dropped): the sets of valid keys or
    comparators MLflow lists come in no fixed order."""
    msg = re.sub(r"^[A-Z_]+: ", "", msg.strip())
    plain = re.sub(r"'[^']*'|\[[^]]*\]|\{[^}]*\}", "\0", msg)
    parts = [t.strip() for t in re.split(r"[\0'\"(){}\[\]:]|\.(?:\s|$)",
                                         plain)]
    lead = next((t for t in parts if len(t.split()) >= 2), "")
    lead = " ".join(lead.split()[:5])
    # Not the example in "(e.g. 'my-value')".
    q = re.search(r"'([^']*)'", re.sub(r"\([^)]*\)", "", msg))
    pos = re.search(r"\bposition \d+", msg)
    return lead, (q.group(1) if q else None), (pos.group(0) if pos else None)


# ---- the corpus itself (no mltop) -------------------------------------------

def test_corpus_is_not_vacuous(corpus):
    """Every filter keeps a run and drops one, every order_by changes the
    default order, unless the case says it is about none or all; the
    deleted run never shows."""
    assert len(CASES) >= 70, len(CASES)
    default = [r.info.run_id for r in corpus.search(Case(None))]
    n = len(corpus.names)
    assert sorted(default) == sorted(corpus.names), \
        "an empty search is not every active run"
    bad = []
    for case in CASES:
        got = [r.info.run_id for r in corpus.search(case)]
        if set(got) & set(corpus.deleted):
            bad.append(f"{case!r}: lists the deleted run")
        if repr(case) in KNOWN_STORE_DIFFERENCES.get(corpus.kind, ()):
            pass  # its expectation is SQLite's answer
        elif case.expect == "none" and got:
            bad.append(f"{case!r}: expected no run, MLflow gives "
                       f"{corpus.short(got)}")
        elif case.expect == "all" and len(got) != n:
            bad.append(f"{case!r}: expected all {n} runs, MLflow gives "
                       f"{len(got)}")
        elif case.expect == "some" and case.filter and \
                not 0 < len(got) < n:
            bad.append(f"{case!r}: vacuous, MLflow keeps {len(got)} of {n}")
        if case.order_by and case.expect == "some":
            whole = [r.info.run_id for r in
                     corpus.search(Case(case.filter, case.order_by))]
            plain = [r.info.run_id for r in corpus.search(Case(case.filter))]
            if whole == plain:
                bad.append(f"{case!r}: order_by leaves the default order")
        if case.max_results is not None and case.expect == "some":
            whole = corpus.search(Case(case.filter, case.order_by))
            if len(whole) <= case.max_results:
                bad.append(f"{case!r}: max_results cuts nothing "
                           f"({len(whole)} runs)")
    assert not bad, "\n".join(bad)


def test_invalid_cases_are_invalid(corpus):
    """MLflow rejects every INVALID case, with a message the rule of
    _key_part can use."""
    bad = []
    for flt, order_by in INVALID:
        msg = _mlflow_error(corpus, flt, order_by)
        if msg is None:
            bad.append(f"{flt!r} {order_by}: MLflow accepts it")
        elif len(_key_part(msg)[0].split()) < 2:
            bad.append(f"{flt!r} {order_by}: no leading words in {msg!r}")
    assert not bad, "\n".join(bad)


def _labels(c, runs):
    return [c.names[r.info.run_id] for r in runs]


# Cases where MLflow answers differently by the database behind it.
# Through REST on the same SQLite file: none as of MLflow 3.18.0. On
# PostgreSQL, MLflow passes LIKE patterns on unchanged, and PostgreSQL's
# LIKE takes a backslash as its escape character where SQLite's has none:
# '%\%' means "ends with %" there, "ends with a backslash" in SQLite.
# mltop sends the filter to the server as it is, so over a server it
# gives what that server gives (test_search_matches_client[postgres]).
KNOWN_STORE_DIFFERENCES = {
    "server": set(),
    "postgres": {repr(c) for c in CASES if c.filter and
                 " LIKE " in c.filter and "\\" in c.filter},
}


@pytest.mark.parametrize("other", ["server", "postgres"])
def test_stores_agree(sqlite_corpus, other, request):
    """The same runs through a server (on SQLite, on PostgreSQL) and in
    the file: the same answer (as sets of run names, or how many when
    max_results cuts: ties are broken by run id, and the ids differ),
    the same kind of error."""
    server_corpus = request.getfixturevalue(f"{other}_corpus")
    diffs = []
    for case in CASES + [Case(f, o) for f, o in INVALID]:
        a, b = [], []
        for c, out in ((sqlite_corpus, a), (server_corpus, b)):
            try:
                got = _labels(c, c.search(case))
                out.extend([len(got)] if case.max_results is not None
                           else sorted(got))
            except Exception as e:      # an invalid case: its error kind
                out.append(f"error: {_key_part(str(e))[0]}")
        if a != b and repr(case) not in KNOWN_STORE_DIFFERENCES[other]:
            diffs.append(f"{case!r}:\n    sqlite {a}\n    {other} {b}")
    assert not diffs, "SQLite store and server disagree:\n  " + \
        "\n  ".join(diffs)


# ---- mltop against the client -----------------------------------------------

def _mltop_runs(mltop, c, args):
    return mltop.run("-u", c.uri, "runs", "-e", c.exp_id, *args, "--json")


def test_search_matches_client(corpus, mltop):
    """Every case: the same run ids in the same order as search_runs."""
    bad = []
    for case in CASES:
        want = [r.info.run_id for r in corpus.search(case)]
        p = _mltop_runs(mltop, corpus, case.args(corpus))
        err = p.stderr.decode("utf-8", "replace").strip()
        if p.returncode != 0:
            bad.append(f"{case!r}: mltop exited {p.returncode}: {err!r}")
            continue
        got = [r["info"]["run_id"] for r in
               parse_json(p.stdout.decode("utf-8"), f"{case!r}")["runs"]]
        if got != want:
            bad.append(f"{case!r}{' (' + case.why + ')' if case.why else ''}"
                       f": {_difference(corpus, want, got)}"
                       f"\n    MLflow: {corpus.short(want)}"
                       f"\n    mltop:  {corpus.short(got)}")
    shown = bad[:MAX_SHOWN]
    if len(bad) > len(shown):
        shown.append(f"... and {len(bad) - len(shown)} more")
    assert not bad, (f"{len(bad)} of {len(CASES)} cases differ on "
                     f"{corpus!r}:\n  " + "\n  ".join(shown))


MAX_SHOWN = 15


def _difference(c, want, got):
    """How two lists of run ids differ, in a few words."""
    only_w = [i for i in want if i not in got]
    only_g = [i for i in got if i not in want]
    if only_w or only_g:
        return (f"{len(want)} runs vs {len(got)}; only MLflow lists "
                f"{c.short(only_w)}; only mltop lists {c.short(only_g)}")
    k = next(k for k, (a, b) in enumerate(zip(want, got)) if a != b)
    return (f"the same {len(want)} runs, in another order from position "
            f"{k}: MLflow has {c.short(want[k:k + 1])}, mltop "
            f"{c.short(got[k:k + 1])}")


JSON_CASES = [
    Case("metrics.loss != 0.5", ["metrics.loss DESC"]),
    Case("params.`opt.name` IS NOT NULL AND tags.note LIKE '%a%'"),
    Case(None, ["attributes.run_name"], 12),
]


def test_search_json_matches_client(corpus, mltop):
    """The whole of each run (info, latest metrics, params, tags) is what
    the client returns, for a few cases."""
    for case in JSON_CASES:
        runs = corpus.search(case)
        want = {"runs": [readout.run_json(r) for r in runs]}
        got = mltop.json("-u", corpus.uri, "runs", "-e", corpus.exp_id,
                         *case.args(corpus), "--json")
        assert [r["info"]["run_id"] for r in got["runs"]] == \
            [r.info.run_id for r in runs], f"{case!r}: order differs"
        compare.compare_runs(want, got, f"{corpus.kind}: {case!r}")


def test_invalid_filters_refused(corpus, mltop):
    """mltop refuses what MLflow refuses: exit 1, and its message has
    MLflow's leading words, the first thing MLflow quotes and the
    position when MLflow gives one."""
    bad = []
    for flt, order_by in INVALID:
        msg = _mlflow_error(corpus, flt, order_by)
        assert msg is not None, f"MLflow accepts {flt!r} {order_by}"
        lead, quoted, pos = _key_part(msg)
        args = (["--filter", flt] if flt is not None else [])
        for o in order_by:
            args += ["--order-by", o]
        p = _mltop_runs(mltop, corpus, args)
        err = p.stderr.decode("utf-8", "replace")
        low = err.lower()
        why = []
        if p.returncode != EXIT_USAGE:
            why.append(f"exit {p.returncode}, not {EXIT_USAGE}")
        if lead.lower() not in low:
            why.append(f"no {lead!r}")
        if quoted and quoted.lower() not in low:
            why.append(f"no {quoted!r}")
        if pos and pos not in low:
            why.append(f"no {pos!r}")
        if why:
            bad.append(f"filter {flt!r} order_by {order_by}: "
                       f"{', '.join(why)}\n    MLflow: {msg!r}"
                       f"\n    mltop:  {err.strip()!r}")
    assert not bad, f"on {corpus!r}:\n  " + "\n  ".join(bad)


def test_max_results_asks_no_more_pages(server_corpus, mltop, tmp_path):
    """A server is asked for no more runs than --max-results wants: one
    runs/search of 5 runs, not a page of a thousand and more pages after
    it, and the 5 are the client's first 5 in the same order."""
    c = server_corpus
    want = [r.info.run_id for r in c.client.search_runs(
        [c.exp_id], order_by=["attributes.run_name ASC"], max_results=5)]
    log = tmp_path / "http.log"
    p = mltop.run("-u", c.uri, "runs", "--experiment", c.exp_id,
                  "--order-by", "attributes.run_name ASC",
                  "--max-results", "5", "--json",
                  env={"MLTOP_HTTP_LOG": str(log)})
    assert p.returncode == 0, p.stderr
    got = [r["info"]["run_id"] for r in json.loads(p.stdout)["runs"]]
    assert got == want
    searches = [ln for ln in log.read_text().splitlines()
                if ln.startswith("runs/search ")]
    assert len(searches) == 1, searches
    # ...of 5 runs: its reply is a fraction of the whole listing's.
    log_all = tmp_path / "http-all.log"
    p = mltop.run("-u", c.uri, "runs", "--experiment", c.exp_id,
                  "--order-by", "attributes.run_name ASC", "--json",
                  env={"MLTOP_HTTP_LOG": str(log_all)})
    assert p.returncode == 0, p.stderr
    whole = [ln for ln in log_all.read_text().splitlines()
             if ln.startswith("runs/search ")]
    size = int(searches[0].split()[2])
    size_all = sum(int(ln.split()[2]) for ln in whole)
    assert size * 3 < size_all, \
        f"--max-results 5 read {size} bytes, the whole listing {size_all}"
