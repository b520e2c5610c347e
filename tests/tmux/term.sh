#!/bin/sh
# term.sh: a terminal without cursor addressing (TERM=dumb) is refused
# with one clear line and exit 2, like an unknown TERM, instead of
# drawing an unusable screen; a usable one still starts.
name=term
. "$(dirname "$0")/lib.sh"
"$MLTOP" --demo-create "$work/demo.db" >/dev/null 2>&1 ||
    { echo "not ok 1 - demo store"; exit 1; }
T new-session -d -s main -x 80 -y 24 \
    "TERM=dumb '$MLTOP' --no-config -u '$work/demo.db'; echo mltop-exited-\$?; sleep 30"
check "TERM=dumb: exit 2" "mltop-exited-2"
if tr -d "\n" <"$work/pane" | grep -q "TERM=dumb cannot move the cursor"; then
    ok "TERM=dumb: says why"
else
    nok "TERM=dumb: says why"; sed 's/^/# /' "$work/pane"
fi
if grep -q "NAME .*RUNS" "$work/pane"; then
    nok "TERM=dumb: no dashboard drawn"; sed 's/^/# /' "$work/pane"
else
    ok "TERM=dumb: no dashboard drawn"
fi
T new-session -d -s two -x 80 -y 24 \
    "TERM=vt100 '$MLTOP' --no-config -u '$work/demo.db'; echo mltop-exited-\$?; sleep 30"
i=0
until T capture-pane -p -t two 2>/dev/null | grep -q "cifar10-resnet" || [ $i -ge 100 ]; do
    sleep 0.1; i=$((i + 1))
done
if T capture-pane -p -t two | grep -q "cifar10-resnet"; then
    ok "TERM=vt100: the dashboard starts"
else
    nok "TERM=vt100: the dashboard starts"; T capture-pane -p -t two | sed 's/^/# /'
fi
T send-keys -t two q
echo "1..$n"
[ "$fails" -eq 0 ]
