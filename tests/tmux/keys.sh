#!/bin/sh
# keys.sh: keys a terminal sends as escape sequences its TERM does not
# describe (TERM=xterm-256color inside tmux: Home is ESC [ 1 ~) are
# decoded or swallowed whole, never read as Esc plus letters: End goes to
# the last row and Home to the first without leaving the view or
# quitting; Delete, Insert and F-keys change nothing; a plain Esc on the
# top view says how to quit instead of quitting. r says "reloading" only
# while it reloads.
name=keys
. "$(dirname "$0")/lib.sh"
"$MLTOP" --demo-create "$work/demo.db" >/dev/null 2>&1 ||
    { echo "not ok 1 - demo store"; exit 1; }
T new-session -d -s main -x 100 -y 24 \
    "TERM=xterm-256color '$MLTOP' --no-config -u '$work/demo.db' -e cifar10-resnet; echo mltop-exited-\$?; sleep 30"
check "the runs view" "resnet18-baseline"
raw() { T send-keys -t main -H "$@"; }
# End as tmux sends it: ESC [ 4 ~
raw 1b 5b 34 7e
check "End: the last row, in the same view" "9/9 "
if grep -q "experiments › cifar10-resnet" "$work/pane"; then
    ok "End did not go back a view"
else
    nok "End did not go back a view"; sed 's/^/# /' "$work/pane"
fi
# Home: ESC [ 1 ~ ; then F5, Delete, Insert and a modified arrow.
raw 1b 5b 31 7e
check "Home: the first row" "1/9 "
raw 1b 5b 31 35 7e
raw 1b 5b 33 7e
raw 1b 5b 32 7e
raw 1b 5b 31 3b 35 43
sleep 0.5
T capture-pane -p -t main >"$work/pane"
if grep -q "1/9 " "$work/pane" && grep -q "experiments › cifar10-resnet" "$work/pane"; then
    ok "F5, Delete, Insert, Ctrl-Right: nothing moved, nothing left"
else
    nok "F5, Delete, Insert, Ctrl-Right: nothing moved, nothing left"
    sed 's/^/# /' "$work/pane"
fi
# SS3 Home (ESC O H), as some terminals send it.
raw 6a 6a 1b 4f 48
check "ESC O H: Home too" "1/9 "
# Back to the top view with q, then Esc there.
T send-keys -t main q
check "q: the experiments" "bert-finetune-sst2"
T send-keys -t main Escape
check "Esc on the top view says how to quit" "Esc does not quit"
if grep -q "mltop-exited" "$work/pane"; then
    nok "Esc on the top view did not quit"
else
    ok "Esc on the top view did not quit"
fi
# r on a local store: "reloading" while it reloads, then the usual
# "refreshed", not "reloading" for a fixed five seconds.
T send-keys -t main r
if wait_for "refreshed just now" 2 && ! grep -q "reloading" "$work/pane"; then
    ok "r: refreshed as soon as the reload is done"
else
    nok "r: refreshed as soon as the reload is done"; sed 's/^/# /' "$work/pane"
fi
T send-keys -t main q
check "q quits" "mltop-exited-0"
echo "1..$n"
[ "$fails" -eq 0 ]
