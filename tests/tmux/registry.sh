#!/bin/sh
# registry.sh: promote and roll back by keys in a real terminal (tmux,
# 80x24) on the demo store, each checked afterwards with `mltop versions
# --json`; a promotion refused because the alias moved behind mltop's
# back (the screen then shows the new state); --read-only refusing.
name=registry
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 77; }
# Writes are audited under the XDG state directory: keep them in $work.
export XDG_STATE_HOME="$work/state" USER=tester
# holder ALIAS: the version the alias points at, as `mltop versions
# --json` reads it from the store.
holder() {
    "$MLTOP" --no-config -u "$work/demo.db" versions churn-classifier --json |
        sed 's/{"name":/\n/g' | grep "\"aliases\":\[[^]]*\"$1\"" |
        sed 's/^.*"version":"\([0-9]*\)".*$/\1/'
}
same() { # same DESCRIPTION ACTUAL EXPECTED
    if [ "$2" = "$3" ]; then ok "$1"; else nok "$1: got '$2', want '$3'"; fi
}

"$MLTOP" --demo-create "$work/demo.db" || { echo "not ok - demo store"; exit 1; }
same "before: champion on v2" "$(holder champion)" "2"

T new-session -d -s main -x 80 -y 24 \
    "cd '$work' && '$MLTOP' --no-config -u demo.db; echo mltop-exited-\$?; sleep 30"
check "experiments list" "churn-lightgbm"
T send-keys -t main M
check "M opens the registry" "churn-classifier .*challenger=v3 champion=v2"
T send-keys -t main Enter
check "Enter opens the versions" "v3 challenger .*Staging"
T send-keys -t main p
check "p asks which alias" "promote v3 of churn-classifier"
T send-keys -t main Enter
check "the plan is shown" "alias champion: v2 -> v3"
T send-keys -t main Tab 'ready for traffic' Enter
check "the note is typed" "note: ready for traffic"
T send-keys -t main y
check "promoted" "done: alias champion: v2 -> v3"
check "the screen shows the new state" "v3 challenger champion"
same "after promote: champion on v3 in the store" "$(holder champion)" "3"

T send-keys -t main R
check "R lists what can be rolled back" "alias champion: v3 -> v2"
T send-keys -t main Enter
check "the rollback plan is shown" "undoes the promote"
T send-keys -t main y
check "rolled back" "done: alias champion: v3 -> v2"
check "the screen shows v2 as champion again" "v2 champion .*Production"
same "after rollback: champion on v2 in the store" "$(holder champion)" "2"

# Another user moves the alias while the dialog is open: refused.
T send-keys -t main p Enter
check "a second plan is shown" "alias champion: v2 -> v3"
sqlite3 "$work/demo.db" "UPDATE registered_model_aliases SET version = 1
    WHERE name = 'churn-classifier' AND alias = 'champion'"
T send-keys -t main y
check "the write is refused as a conflict" "conflict:"
check "the screen shows who holds it now" "v1 champion .*Archived"
same "after the conflict: champion still on v1" "$(holder champion)" "1"
if grep -q '"result":"failed: conflict:' "$work/state/mltop/audit.log"; then
    ok "the refused write is in the audit log"
else
    nok "the refused write is in the audit log"
fi
same "audit log: two writes done" \
    "$(grep -c '"result":"done"' "$work/state/mltop/audit.log")" "2"
T send-keys -t main q q q
check "quit exits 0" "mltop-exited-0"
T kill-session -t main

T new-session -d -s main -x 80 -y 24 \
    "cd '$work' && '$MLTOP' --no-config --read-only -u demo.db; echo mltop-exited-\$?; sleep 30"
check "read-only: experiments list" "churn-lightgbm"
T send-keys -t main M
check "read-only: the registry" "churn-classifier .*champion=v1"
T send-keys -t main Enter
check "read-only: versions" "v1 champion"
T send-keys -t main p
check "read-only: p refuses" "read-only: writes are disabled (--read-only)"
T send-keys -t main R
check "read-only: R refuses" "read-only: writes are disabled (--read-only)"
same "read-only: champion still on v1" "$(holder champion)" "1"
T send-keys -t main Q
check "read-only: quit exits 0" "mltop-exited-0"
echo "1..$n"
[ "$fails" -eq 0 ]
