#!/bin/sh
# test.sh: set everything up and run the whole test suite: unit and screen
# tests (make check), the same under AddressSanitizer and
# UndefinedBehaviorSanitizer, a short run of each fuzz target (built with
# clang and libFuzzer), then the integration tests against the real
# MLflow client and server (pinned in tests/integration/requirements.txt),
# a real `airflow standalone` and a real `prefect server` (their own
# requirements-*.txt), and make distcheck. Builds treat warnings as errors. Ends with one line:
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
passed=0
failed=0

note() { printf '\n== %s\n' "$*"; }

# count_automake DIR: add a make check run's totals.
count_automake() {
    log="$1/test-suite.log"
    if [ -f "$log" ]; then
        p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
        f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
        e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0} + ${e:-0}))
    else
        failed=$((failed + 1))
    fi
}

note "setup"
tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

# One `airflow standalone` (3.3.2, its own venv) for the whole run, with
# the fixture DAGs of tests/integration/airflow_dags. It takes about a
# minute to be healthy, so it starts now and the builds and tests below
# run meanwhile; the EXIT trap stops it, and everything it started,
# whatever happens.
note "airflow standalone, in the background"
. tools/airflow.sh
airflow_install
# Tokens from /auth/token last 20 s (and Airflow's 10 s leeway): every
# mltop that lives longer renews its token against the real server
# (test_pipelines.py::test_dashboard_renews_an_expired_token).
AIRFLOW__API_AUTH__JWT_EXPIRATION_TIME=20
export AIRFLOW__API_AUTH__JWT_EXPIRATION_TIME
airflow_start tests/integration/airflow_dags
# One `prefect server` (3.9.1, its own venv) likewise, with the fixture
# flows of tests/integration/prefect_flows served as deployments once it
# is healthy.
note "prefect server, in the background"
. tools/prefect.sh
prefect_install
prefect_start
stop_all() {
    airflow_stop
    prefect_stop
    [ -z "${server_dir:-}" ] || stop_server
    [ -z "${pg_dir:-}" ] || .venv/bin/python tests/integration/pgcluster.py stop "$pg_dir"
}
trap stop_all EXIT

note "unit and screen tests"
(cd build && make -s check) || true
count_automake build

note "the same under AddressSanitizer and UndefinedBehaviorSanitizer"
mkdir -p build-asan
(cd build-asan && { { grep -q '^#define MLTOP_TEST_HOOKS 1' config.h &&
        grep -q -e '--enable-werror' config.status; } 2>/dev/null ||
        ../configure -q --enable-asan --enable-test-hooks --enable-werror; } &&
    make -s -j"$(nproc)" >/dev/null && ASAN_OPTIONS=detect_leaks=1 make -s check) || true
count_automake build-asan

note "fuzz targets: each runs a few thousand inputs from its seeds"
# One test a target: PASS:/FAIL: lines from make fuzz-smoke; a target that
# did not build or did not report counts as failed.
nfuzz=$(ls fuzz/fuzz_*.c | wc -l)
mkdir -p build-fuzz
rm -f build-fuzz/fuzz-smoke.out
if (cd build-fuzz && { grep -q -e '--enable-fuzzing' config.status 2>/dev/null ||
        CC=clang ../configure -q --enable-fuzzing --enable-werror; } &&
        make -s -j"$(nproc)" >/dev/null); then
    (cd build-fuzz && make -s fuzz-smoke) >build-fuzz/fuzz-smoke.out 2>&1
    cat build-fuzz/fuzz-smoke.out
    p=$(grep -c '^PASS: fuzz_' build-fuzz/fuzz-smoke.out)
    f=$(grep -c '^FAIL: fuzz_' build-fuzz/fuzz-smoke.out)
    passed=$((passed + p))
    failed=$((failed + f))
    [ $((p + f)) -ge "$nfuzz" ] || failed=$((failed + nfuzz - p - f))
else
    echo "fuzz targets did not build"
    failed=$((failed + nfuzz))
fi

note "the real MLflow client, pinned, in .venv"
if [ ! -x .venv/bin/pytest ] || ! .venv/bin/pip freeze 2>/dev/null |
        grep -qx "mlflow==$(sed -n 's/^mlflow\(\[auth\]\)\{0,1\}==//p' tests/integration/requirements.txt)" ||
        ! .venv/bin/python -c "import flask_wtf, psycopg" 2>/dev/null; then
    python3 -m venv .venv && .venv/bin/pip install -q -r tests/integration/requirements.txt
fi
# The pin is the newest MLflow that installs whole here: say when a newer
# one does, so the pin (and the schema revisions mltop knows,
# src/store/mlflow_revisions.h) move with it.
pin=$(sed -n 's/^mlflow\(\[auth\]\)\{0,1\}==//p' tests/integration/requirements.txt)
newest=$(timeout 60 .venv/bin/pip index versions mlflow 2>/dev/null |
    sed -n 's/^mlflow (\(.*\))$/\1/p')
if [ -z "$newest" ]; then
    echo "mlflow pin $pin: could not list the releases (no index?)"
elif [ "$newest" = "$pin" ]; then
    echo "mlflow pin $pin is the newest release"
elif timeout 120 .venv/bin/pip install --dry-run -q "mlflow[auth]==$newest" \
        >/dev/null 2>&1; then
    echo "NOTICE: mlflow $newest installs whole here; the tests pin $pin:" \
        "move the pin in tests/integration/requirements.txt"
else
    echo "mlflow $newest is listed but does not install whole here;" \
        "the pin stays at $pin"
fi
# count_junit FILE: add a pytest run's totals.
count_junit() {
    if [ -f "$1" ]; then
        t=$(sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)".*/\1/p' "$1" | head -1)
        f=$(sed -n 's/.*<testsuite [^>]*failures="\([0-9]*\)".*/\1/p' "$1" | head -1)
        e=$(sed -n 's/.*<testsuite [^>]*errors="\([0-9]*\)".*/\1/p' "$1" | head -1)
        s=$(sed -n 's/.*<testsuite [^>]*skipped="\([0-9]*\)".*/\1/p' "$1" | head -1)
        passed=$((passed + ${t:-0} - ${f:-0} - ${e:-0} - ${s:-0}))
        failed=$((failed + ${f:-0} + ${e:-0}))
    else
        failed=$((failed + 1))
    fi
}
# One mlflow server on 127.0.0.1 for the whole run, on an empty store the
# tests fill through the MLflow client; stopped on exit, whatever happens.
server_dir=$(mktemp -d "${TMPDIR:-/tmp}/mltop-server.XXXXXX")
server_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid .venv/bin/mlflow server --backend-store-uri "sqlite:///$server_dir/server.db" \
    --default-artifact-root "$server_dir/artifacts" \
    --host 127.0.0.1 --port "$server_port" --workers 1 \
    >"$server_dir/server.log" 2>&1 &
server_pid=$!
stop_server() {
    # setsid may fork, so $server_pid is not always the server: find it
    # (and anything it started) by its store's unique path as well.
    kill -TERM -- "-$server_pid" 2>/dev/null
    pkill -TERM -f "$server_dir/" 2>/dev/null
    pkill -TERM -f -- "--port $server_port" 2>/dev/null
    sleep 1
    kill -KILL -- "-$server_pid" 2>/dev/null
    pkill -KILL -f "$server_dir/" 2>/dev/null
    pkill -KILL -f -- "--port $server_port" 2>/dev/null
    rm -rf "$server_dir"
}
trap stop_all EXIT
i=0
until curl -sf "http://127.0.0.1:$server_port/health" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 120 ]; then
        echo "mlflow server did not start:"; tail -20 "$server_dir/server.log"
        break
    fi
    sleep 0.5
done
export MLTOP_TEST_SERVER_URL="http://127.0.0.1:$server_port"
export MLTOP_TEST_SERVER_STORE="$server_dir/server.db"
echo "mlflow server at $MLTOP_TEST_SERVER_URL (store $MLTOP_TEST_SERVER_STORE)"

# One PostgreSQL cluster (Debian's server, in a temp dir, a free port)
# with one mlflow server on it, for the whole run: how teams that outgrow
# a SQLite file run MLflow. Installing the package must not start the
# system's own cluster (policy-rc.d says no for the install).
if ! dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "ok installed"; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    $sudo rm -f /usr/sbin/policy-rc.d
fi
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/mltop-pg.XXXXXX")
if pg_env=$(.venv/bin/python tests/integration/pgcluster.py start "$pg_dir"); then
    eval "$pg_env"
    echo "mlflow server on PostgreSQL at $MLTOP_TEST_PG_SERVER_URL"
else
    echo "PostgreSQL did not start: the tests that need it fail"
fi

# Airflow has had the builds to come up; wait for it to be healthy.
airflow_wait || true
prefect_wait || true

# The fault matrix (tests/integration/test_fault_matrix.py) writes one
# line a case for each binary; printed after the runs.
export MLTOP_FAULT_MATRIX="$root/tests/tmp/fault-matrix.txt"
rm -f "$MLTOP_FAULT_MATRIX"
for variant in build build-asan; do
    note "integration tests, $variant/src/mltop"
    junit="$root/$variant/pytest.xml"
    rm -f "$junit"
    MLTOP_BIN="$root/$variant/src/mltop" PATH="$root/.venv/bin:$PATH" \
        .venv/bin/pytest -q -p no:cacheprovider --junitxml="$junit" tests/integration
    count_junit "$junit"
done

note "fault matrix: what mltop did in each case"
cat "$MLTOP_FAULT_MATRIX" 2>/dev/null || echo "(no fault matrix written)"

stop_all
server_dir=
pg_dir=
trap - EXIT

note "make distcheck"
if (cd build && make -s distcheck >distcheck.log 2>&1); then
    passed=$((passed + 1))
    echo "distcheck: ok"
else
    failed=$((failed + 1))
    tail -30 build/distcheck.log
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
