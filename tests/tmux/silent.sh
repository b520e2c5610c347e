#!/bin/sh
# silent.sh: -e against a server that accepts and never answers: the
# dashboard draws at once, shows that it is loading, and q quits at once;
# no second loop waits for the experiment list.
name=silent
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 not installed"; exit 77; }

# Accept every connection, read nothing, answer nothing.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])
' "$work/port" &
listener=$!
trap 'kill $listener 2>/dev/null; cleanup' EXIT

i=0
while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$work/port" 2>/dev/null)
[ -n "$port" ] || { echo "not ok - listener did not start"; exit 1; }

T new-session -d -s main -x 80 -y 24 \
    "'$MLTOP' --no-config -u http://127.0.0.1:$port -e x --timeout 20; echo mltop-exited-\$?; sleep 30"
# Well before --timeout: the screen shows the load in progress.
if wait_for "loading experiments" 3; then
    ok "the dashboard draws while the server is silent"
else
    nok "the dashboard draws while the server is silent"
    sed 's/^/# /' "$work/pane"
fi
T send-keys -t main q
# Poll with a deadline: mltop must be gone within 3 seconds of q.
start=$(date +%s%N)
if wait_for "mltop-exited-0" 3; then
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    ok "q quits within 3 s while a load hangs (${ms} ms)"
else
    nok "q quits within 3 s while a load hangs"
    sed 's/^/# /' "$work/pane"
fi
echo "1..$n"
[ $fails -eq 0 ]
