#!/bin/sh
# registry_conflict.sh: another writer moves the alias between the moment
# the promote plan is drawn and the confirmation: mltop re-checks, shows
# the conflict and the alias where the other writer put it, and changes
# nothing (read back with sqlite3): no alias, stage or history tag
# written; the audit log records the refusal.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 77; }
demo_store "$work/demo.db"
export XDG_STATE_HOME="$work/state" USER=tester
q() { sqlite3 "$work/demo.db" "$1" | tr '\n' ' '; }
check() { # check DESCRIPTION ACTUAL EXPECTED
    checks=$((checks + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $checks - $name: $1"
    else
        echo "not ok $checks - $name: $1: got '$2', want '$3'"
        failures=$((failures + 1))
    fi
}
aliases="SELECT alias || '=' || version FROM registered_model_aliases
         WHERE name = 'churn-classifier' ORDER BY alias"
stages="SELECT version || current_stage || last_updated_time FROM model_versions
        WHERE name = 'churn-classifier' ORDER BY version"
check "before: champion on v2" "$(q "$aliases")" "challenger=3 champion=2 "

live_start demo.db 80 24
live_send ":models churn-classifier" p "<Enter>"
live_dump plan

# The other writer: champion goes to v1 while the plan is on screen.
q "UPDATE registered_model_aliases SET version = 1
   WHERE name = 'churn-classifier' AND alias = 'champion'" >/dev/null
before_stages=$(q "$stages")
before_tags=$(q "SELECT key || '=' || value FROM registered_model_tags ORDER BY key")

live_send y
live_dump conflict
live_end

cd "$work" || exit 1
expect_grep plan 'alias champion: v2 -> v3'
expect_grep conflict 'conflict: alias champion now points to v1'
expect_no_grep conflict '┌'
expect_no_grep conflict 'done:'
expect_grep conflict '^  v1 champion  *Archived'
expect_grep conflict '^  v3 challenger  *Staging'
check "after: champion still where the other writer put it" \
    "$(q "$aliases")" "challenger=3 champion=1 "
check "after: stages untouched" "$(q "$stages")" "$before_stages"
check "after: no tag written (no history event)" \
    "$(q "SELECT key || '=' || value FROM registered_model_tags ORDER BY key")" \
    "$before_tags"
check "after: no history event at all" \
    "$(q "SELECT count(*) FROM registered_model_tags WHERE key LIKE 'mltop.history.%'")" "0 "
check "audit log: the write refused as a conflict" \
    "$(grep -c '"result":"failed: conflict:' state/mltop/audit.log 2>/dev/null)" 1
check "audit log: nothing done" \
    "$(grep -c '"result":"done"' state/mltop/audit.log 2>/dev/null)" 0
finish
