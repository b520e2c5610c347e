#!/bin/sh
# registry.sh: the model registry at 80x24: the models list (the prompt
# left out), a model's versions with aliases, stages and source-run
# metrics, Enter to the source run, the promote dialog and its plan, a
# confirmed promotion with a note and the new state, the timeline after
# it, a rollback, a stage transition archiving the version there, and
# Esc cancelling. The store and the audit log are checked afterwards.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 77; }
demo_store "$work/demo.db"
# Writes are audited under the XDG state directory: keep them in $work.
# "who" is USER@host; the host differs from machine to machine, so dumps
# show it as HOST.
export XDG_STATE_HOME="$work/state" USER=tester
mask_who() {
    sed -E 's/tester@[^ ]*( +|$)/tester@HOST /' "$work/$1.screen" \
        >"$work/$1.masked" && mv "$work/$1.masked" "$work/$1.screen"
}
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

cat >"$work/keys" <<'KEYS'
:models
:save-display models
:filter cifar
:save-display filtered
:filter
<Enter>
:save-display versions
:filter production
:save-display versions-filtered
:filter
<Enter>
:save-display source-run
q
p
:save-display alias-dialog
<Enter>
:save-display plan
<Tab>
shadow<Space>eval<Space>passed
<Enter>
y
:save-display promoted
T
:save-display timeline
T
R
:save-display rollback-dialog
<Enter>
:save-display rollback-plan
y
:save-display rolled-back
P
:save-display stage-dialog
a
<Enter>
:save-display stage-plan
<Enter>
:save-display staged
j
P
<Esc>
:save-display cancelled
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in models filtered versions versions-filtered source-run alias-dialog plan promoted \
    timeline rollback-dialog rollback-plan rolled-back stage-dialog \
    stage-plan staged cancelled; do
    mv "$f" "$f.screen"
    mask_who "$f"
done

expect models
expect_grep models "churn-classifier  *v3 challenger=v3 champion=v2 *P:v2 S:v3"
expect_grep models "cifar10-resnet  *v2  *P:v1"
expect_no_grep models "sst2-zero-shot"
expect_grep filtered "cifar10-resnet"
expect_no_grep filtered "churn-classifier  "
expect versions
expect_grep versions "v3 challenger  *Staging .*f463a6d1  *0.869296"
expect_grep versions "v2 champion  *Production .*2daf1dae"
expect_grep versions "v1  *Archived"
expect_grep versions-filtered "v2 champion  *Production"
expect_no_grep versions-filtered "v3 challenger"
expect_no_grep versions-filtered "v1  *Archived"
expect_grep source-run "dart-boosting"
expect_grep source-run "metrics ("
expect alias-dialog
expect_grep alias-dialog "› champion (now v2)"
expect plan
expect_grep plan "alias champion: v2 -> v3"
expect_grep plan "v2 keeps its stage (Production)"
expect_grep plan "y/Enter: confirm"
expect promoted
expect_grep promoted "v3 challenger champion  *Staging"
expect_grep promoted "done: alias champion: v2 -> v3"
expect timeline
expect_grep timeline "alias champion  *v3 01-15 08:00 now  *tester@HOST shadow eval passed"
expect_grep timeline "alias challenger  *v3 .*before the history"
expect_grep timeline "alias champion  *v2 -  *01-15 08:00 ?  *before the history"
expect rollback-dialog
expect_grep rollback-dialog "› alias champion: v3 -> v2"
expect_grep rollback-plan "alias champion: v3 -> v2"
expect_grep rollback-plan "undoes the promote"
expect rolled-back
expect_grep rolled-back "v2 champion  *Production"
expect_grep rolled-back "done: alias champion: v3 -> v2"
expect stage-dialog
expect_grep stage-dialog "› Production"
expect stage-plan
expect_grep stage-plan "v3: Staging -> Production, archiving the others there"
expect_grep stage-plan "v2: Production -> Archived (archive existing)"
expect staged
expect_grep staged "v3 challenger  *Production"
expect_grep staged "v2 champion  *Archived"
expect_grep cancelled "cancelled: nothing changed"

# What the store holds now, read without mltop.
check "aliases in the store" \
    "$(q "SELECT alias || '=' || version FROM registered_model_aliases
          WHERE name = 'churn-classifier' ORDER BY alias")" \
    "challenger=3 champion=2 "
check "stages in the store" \
    "$(q "SELECT version || ':' || current_stage FROM model_versions
          WHERE name = 'churn-classifier' ORDER BY version")" \
    "1:Archived 2:Archived 3:Production "
check "history events in the store" \
    "$(q "SELECT count(*) FROM registered_model_tags
          WHERE name = 'churn-classifier' AND key LIKE 'mltop.history.%'")" \
    "3 "
check "the note is in the store's history" \
    "$(q "SELECT count(*) FROM registered_model_tags
          WHERE name = 'churn-classifier' AND key LIKE 'mltop.history.%'
          AND value LIKE '%\"note\":\"shadow eval passed\"%'")" \
    "1 "
check "audit log: three writes done" \
    "$(grep -c '"result":"done"' "$work/state/mltop/audit.log")" "3"
check "audit log: the rollback, started then done" \
    "$(grep '"action":"rollback","kind":"alias","name":"champion","from":3,"to":2' \
        "$work/state/mltop/audit.log" | sed 's/.*"result":"\([a-z]*\)".*/\1/' |
        tr '\n' ' ')" "started done "
finish
