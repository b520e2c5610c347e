# prefect.sh: start and stop one Prefect server (the version pinned in
# tests/integration/requirements-prefect.txt, in its own .venv-prefect) on
# 127.0.0.1, with the fixture flows of tests/integration/prefect_flows
# served as deployments, for the test suite and the pipelines benchmark.
# Sourced from the repository's top directory; sets prefect_home and
# prefect_port.
#
#   prefect_install          the venv, once (about 30 s)
#   prefect_start            the server, in the background (healthy in
#                            about 10-20 s)
#   prefect_wait [FILE]      until the server is healthy (3 min at most);
#                            then serves FILE (tests/integration/prefect_flows/
#                            serve.py by default) and waits until all its
#                            deployments are listed and polled; then exports
#                            MLTOP_TEST_PREFECT_URL (ending in /api) and
#                            MLTOP_TEST_PREFECT_STATE
#   prefect_stop             the server, the serving process, every flow
#                            run they started; its home removed

prefect_install() {
    # Every name==version line of the requirements must be installed (the
    # fixture flows import mlflow too), or the venv is (re)made.
    prefect_ok=yes
    if [ -x .venv-prefect/bin/prefect ]; then
        prefect_frozen=$(.venv-prefect/bin/pip freeze 2>/dev/null)
        for req in $(sed -n 's/^\([A-Za-z0-9_.-]*==[^ ;#]*\).*/\1/p' tests/integration/requirements-prefect.txt); do
            printf '%s\n' "$prefect_frozen" | grep -qix "$req" || prefect_ok=no
        done
    else
        prefect_ok=no
    fi
    if [ "$prefect_ok" = no ]; then
        python3 -m venv .venv-prefect &&
            .venv-prefect/bin/pip install -q -r tests/integration/requirements-prefect.txt ||
            echo "prefect did not install"
    fi
}

# prefect_env: the environment every Prefect process of ours runs with
# (in a subshell). PREFECT_HOME keeps its sqlite database, settings and
# logs out of ~/.prefect; the UI (a bundle of static files) and the
# telemetry are off because nothing here looks at them.
prefect_env() {
    export PREFECT_HOME="$prefect_home"
    export PREFECT_API_URL="http://127.0.0.1:$prefect_port/api"
    export PREFECT_UI_ENABLED=false
    export PREFECT_SERVER_ANALYTICS_ENABLED=false
    export DO_NOT_TRACK=1
    export MLTOP_TEST_PREFECT_STATE="$prefect_home/state"
    export PATH="$prefect_root/.venv-prefect/bin:$PATH"
}

prefect_start() {
    prefect_root=$(pwd)
    prefect_home=$(mktemp -d "${TMPDIR:-/tmp}/mltop-prefect.XXXXXX")
    prefect_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$prefect_home/state"
    (
        prefect_env
        cd "$prefect_home" &&
            exec setsid sh -c 'echo $$ >server.pgid; exec "$0" server start --host 127.0.0.1 --port "$1"' \
                "$prefect_root/.venv-prefect/bin/prefect" "$prefect_port" >"$prefect_home/server.log" 2>&1
    ) &
}

# Served flow runs are processes of their own (the serving process starts
# one for each run, and may put it in a session of its own), so they are
# found, as the server and the serving process are, by their session
# (setsid: the pids written to server.pgid and serve.pgid lead them) and by
# their working directory, which every process started here inherits (and
# must: the deployments' entrypoints are relative to it).
prefect_procs() {
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/cwd" 2>/dev/null)" = "$prefect_home" ] &&
            echo "${p#/proc/}"
    done
}

prefect_stop() {
    [ -n "${prefect_home:-}" ] || return 0
    # The serving process first, so that it does not report its runs
    # crashed to a server that is going away.
    for f in serve server; do
        pg=$(cat "$prefect_home/$f.pgid" 2>/dev/null)
        [ -n "$pg" ] && kill -TERM -- "-$pg" 2>/dev/null
    done
    for p in $(prefect_procs); do kill -TERM "$p" 2>/dev/null; done
    i=0
    while [ -n "$(prefect_procs)" ] && [ $i -lt 40 ]; do
        sleep 0.25; i=$((i + 1))
    done
    for f in serve server; do
        pg=$(cat "$prefect_home/$f.pgid" 2>/dev/null)
        [ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null
    done
    for p in $(prefect_procs); do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$prefect_home"
    prefect_home=
}

prefect_wait() {
    prefect_serve=${1:-$prefect_root/tests/integration/prefect_flows/serve.py}
    prefect_api="http://127.0.0.1:$prefect_port/api"
    i=0
    until [ "$(curl -sf "$prefect_api/health" 2>/dev/null)" = true ]; do
        i=$((i + 1))
        if [ $i -gt 360 ]; then
            echo "prefect did not become healthy:"; tail -20 "$prefect_home/server.log"
            return 1
        fi
        sleep 0.5
    done
    # The fixture flows are served only now: `prefect.serve` registers its
    # deployments at once and gives up if the server does not answer.
    (
        prefect_env
        cd "$prefect_home" &&
            exec setsid sh -c 'echo $$ >serve.pgid; exec "$0" "$1"' \
                "$prefect_root/.venv-prefect/bin/python" "$prefect_serve" >"$prefect_home/serve.log" 2>&1
    ) &
    # Every deployment that serve.py names must be listed, and READY: the
    # serving process has polled for its runs at least once, so a run made
    # from now on is picked up.
    prefect_names=$(python3 "$prefect_serve" --names)
    i=0
    until python3 - "$prefect_api" $prefect_names <<'EOF'
import json, sys, urllib.request
api, want = sys.argv[1], set(sys.argv[2:])
def post(path):
    req = urllib.request.Request(api + path, data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.load(r)
try:
    flows = {f["id"]: f["name"] for f in post("/flows/filter")}
    ready = {flows.get(d["flow_id"], "?") + "/" + d["name"]
             for d in post("/deployments/filter") if d.get("status") == "READY"}
except Exception:
    sys.exit(1)
sys.exit(0 if want <= ready else 1)
EOF
    do
        i=$((i + 1))
        if [ $i -gt 120 ]; then
            echo "prefect deployments were not served:"; tail -20 "$prefect_home/serve.log"
            return 1
        fi
        sleep 1
    done
    export MLTOP_TEST_PREFECT_URL="$prefect_api"
    export MLTOP_TEST_PREFECT_STATE="$prefect_home/state"
    echo "prefect at $MLTOP_TEST_PREFECT_URL"
}
