#!/bin/sh
# columns.sh: the column chooser with the keys a terminal really sends:
# F2 opens it, shift-down and shift-up (ESC [ 1 ; 2 B and A, which
# TERM=xterm-256color inside tmux does not describe) move the selected
# column, Space hides one, Enter applies; the header follows, and the
# choice is there again in a new mltop.
name=columns
. "$(dirname "$0")/lib.sh"
"$MLTOP" --demo-create "$work/demo.db" >/dev/null 2>&1 ||
    { echo "not ok 1 - demo store"; exit 1; }
start() {
    T new-session -d -s main -x 100 -y 24 \
        "XDG_STATE_HOME='$work/state' TERM=xterm-256color '$MLTOP' --no-config -u '$work/demo.db' -e churn-lightgbm; echo mltop-exited-\$?; sleep 30"
}
start
check "the runs view" "NAME  *ID  *START▼  *DURATION USER"
T send-keys -t main F2
check "F2: the chooser" "Columns 1/22"
raw() { T send-keys -t main -H "$@"; }
# shift-down twice: ID goes below START and DURATION.
raw 1b 5b 31 3b 32 42
check "shift-down moves ID down" "Columns 2/22"
raw 1b 5b 31 3b 32 42
check "shift-down again" "Columns 3/22"
raw 1b 5b 31 3b 32 41
check "shift-up moves it back up" "Columns 2/22"
T send-keys -t main j j Space Enter
check "Enter: START, ID, DURATION, no USER" "NAME  *START▼  *ID  *DURATION  *valid_auc"
if grep -q "USER" "$work/pane"; then
    nok "USER hidden"; sed 's/^/# /' "$work/pane"
else
    ok "USER hidden"
fi
T send-keys -t main Q
check "Q quits" "mltop-exited-0"
T kill-session -t main
start
check "a new mltop: the same columns" "NAME  *START▼  *ID  *DURATION  *valid_auc"
T send-keys -t main Q
check "Q quits" "mltop-exited-0"
echo "1..$n"
[ "$fails" -eq 0 ]
