# airflow.sh: start and stop one `airflow standalone` (the version pinned in
# tests/integration/requirements-airflow.txt, in its own .venv-airflow) on
# 127.0.0.1, for the test suite and the pipelines benchmark. Sourced from
# the repository's top directory; sets airflow_home and airflow_port.
#
#   airflow_install          the venv, once (about 30 s)
#   airflow_start DIR...     copy the DAG files of each DIR, start it in the
#                            background (healthy in about 10-60 s)
#   airflow_wait             until the scheduler is healthy (3 min at most);
#                            then exports MLTOP_TEST_AIRFLOW_URL, _USER and
#                            _PASSWORD (the admin's generated password)
#   airflow_stop             it and everything it started, its home removed

airflow_install() {
    airflow_pin=$(sed -n 's/^apache-airflow==//p' tests/integration/requirements-airflow.txt)
    if [ ! -x .venv-airflow/bin/airflow ] ||
            ! .venv-airflow/bin/pip freeze 2>/dev/null | grep -qx "apache-airflow==$airflow_pin"; then
        python3 -m venv .venv-airflow &&
            .venv-airflow/bin/pip install -q -r tests/integration/requirements-airflow.txt ||
            echo "airflow did not install"
    fi
}

airflow_start() {
    airflow_root=$(pwd)
    airflow_home=$(mktemp -d "${TMPDIR:-/tmp}/mltop-airflow.XXXXXX")
    airflow_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$airflow_home/dags"
    for d in "$@"; do cp "$d"/*.py "$airflow_home/dags/"; done
    (
        export AIRFLOW_HOME="$airflow_home"
        export AIRFLOW__CORE__LOAD_EXAMPLES=False
        export AIRFLOW__CORE__DAGS_FOLDER="$airflow_home/dags"
        export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
        export AIRFLOW__API__HOST=127.0.0.1
        export AIRFLOW__API__PORT="$airflow_port"
        export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$airflow_port/execution/"
        export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=5
        # How long a token from /auth/token lasts (Airflow's default: a
        # day; the tests set 20 s so that renewal happens for real).
        export AIRFLOW__API_AUTH__JWT_EXPIRATION_TIME="${AIRFLOW__API_AUTH__JWT_EXPIRATION_TIME:-86400}"
        export PATH="$airflow_root/.venv-airflow/bin:$PATH"
        cd "$airflow_home" &&
            exec setsid sh -c 'echo $$ >airflow.pgid; exec "$0" standalone' \
                "$airflow_root/.venv-airflow/bin/airflow" >"$airflow_home/standalone.log" 2>&1
    ) &
}

# Airflow renames its processes (their command lines and environments no
# longer name AIRFLOW_HOME), so they are found by their session (setsid:
# the pid written to airflow.pgid leads it) and by their working
# directory, which every process it starts inherits.
airflow_procs() {
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/cwd" 2>/dev/null)" = "$airflow_home" ] &&
            echo "${p#/proc/}"
    done
}

airflow_stop() {
    [ -n "${airflow_home:-}" ] || return 0
    pg=$(cat "$airflow_home/airflow.pgid" 2>/dev/null)
    [ -n "$pg" ] && kill -TERM -- "-$pg" 2>/dev/null
    for p in $(airflow_procs); do kill -TERM "$p" 2>/dev/null; done
    i=0
    while [ -n "$(airflow_procs)" ] && [ $i -lt 20 ]; do
        sleep 0.25; i=$((i + 1))
    done
    [ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null
    for p in $(airflow_procs); do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$airflow_home"
    airflow_home=
}

airflow_wait() {
    i=0
    until curl -sf "http://127.0.0.1:$airflow_port/api/v2/monitor/health" 2>/dev/null |
            grep -q '"scheduler":{"status":"healthy"'; do
        i=$((i + 1))
        if [ $i -gt 360 ]; then
            echo "airflow did not become healthy:"; tail -20 "$airflow_home/standalone.log"
            return 1
        fi
        sleep 0.5
    done
    [ -f "$airflow_home/simple_auth_manager_passwords.json.generated" ] || return 1
    export MLTOP_TEST_AIRFLOW_URL="http://127.0.0.1:$airflow_port"
    export MLTOP_TEST_AIRFLOW_USER=admin
    MLTOP_TEST_AIRFLOW_PASSWORD=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["admin"])' \
        "$airflow_home/simple_auth_manager_passwords.json.generated")
    export MLTOP_TEST_AIRFLOW_PASSWORD
    echo "airflow at $MLTOP_TEST_AIRFLOW_URL"
}
