#!/bin/sh
# registry_guard.sh: what keeps registry writes safe. With --read-only
# every write key says so and nothing is written (store and audit log
# untouched); store text in the registry views and dialogs (an alias and
# a description with escape sequences and a bidi override) is made
# visible, never sent to the terminal. `:models` completes model names.
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
before_aliases=$(q "SELECT alias || '=' || version FROM registered_model_aliases ORDER BY name, alias")
before_stages=$(q "SELECT name || version || current_stage FROM model_versions ORDER BY name, version")

cat >"$work/keys" <<'KEYS'
:models churn-classifier
p
:save-display ro-promote
P
:save-display ro-stage
R
:save-display ro-rollback
KEYS
(cd "$work" && MLTOP_SCRIPT="$work/keys" COLUMNS=80 LINES=24 \
    "$MLTOP" --no-config --read-only -u demo.db >"$work/stdout" 2>"$work/stderr")
status=$?
checks=$((checks + 1))
if [ $status -eq 0 ]; then echo "ok $checks - $name: --read-only run exits 0"
else echo "not ok $checks - $name: --read-only run exited $status"; cat "$work/stderr"
    failures=$((failures + 1)); fi
cd "$work" || exit 1
for f in ro-promote ro-stage ro-rollback; do mv "$f" "$f.screen"; done
expect ro-promote
for f in ro-promote ro-stage ro-rollback; do
    expect_grep "$f" "read-only: writes are disabled (--read-only)"
    expect_no_grep "$f" "┌"
    expect_grep "$f" "3 versions  read-only  Enter: source run  T timeline"
done
check "--read-only: aliases unchanged" \
    "$(q "SELECT alias || '=' || version FROM registered_model_aliases ORDER BY name, alias")" \
    "$before_aliases"
check "--read-only: stages unchanged" \
    "$(q "SELECT name || version || current_stage FROM model_versions ORDER BY name, version")" \
    "$before_stages"
check "--read-only: no history written" \
    "$(q "SELECT count(*) FROM registered_model_tags WHERE key LIKE 'mltop.history.%'")" "0 "
check "--read-only: no audit log" "$(ls "$work/state/mltop" 2>/dev/null)" ""

# Hostile text where the registry shows store text.
sqlite3 "$work/demo.db" <<SQL || { echo "not ok - edit store"; exit 1; }
INSERT INTO registered_model_aliases (alias, version, name)
 VALUES ('x' || char(27) || '[2J' || char(27) || ']0;pwned' || char(7), 1,
         'churn-classifier');
UPDATE model_versions SET description = 'rtl-' || char(8238) || 'gnp.exe'
 WHERE name = 'churn-classifier' AND version = 1;
SQL
cat >"$work/keys" <<'KEYS'
:models
:save-display hostile-models
 :models<Space>ch<Tab><Enter>
:save-display completed
G
:save-display hostile-versions
p
:save-display hostile-dialog
KEYS
run_script demo.db 160 24
cd "$work" || exit 1
for f in hostile-models completed hostile-versions hostile-dialog; do
    mv "$f" "$f.screen"
done
expect_grep completed "models › churn-classifier "
expect_grep hostile-models 'x^\[\[2J^\[\]0;pwned^G=v1'
expect_grep hostile-versions 'x^\[\[2J^\[\]0;pwned^G'
expect_grep hostile-versions 'rtl-<U+202E>gnp.exe'
expect_grep hostile-dialog 'x^\[\[2J^\[\]0;pwned^G (now v1)'
for f in hostile-models hostile-versions hostile-dialog; do
    checks=$((checks + 1))
    if LC_ALL=C grep -q "$(printf '\033')" "$f.screen"; then
        echo "not ok $checks - $name: $f has a raw escape"
        failures=$((failures + 1))
    else
        echo "ok $checks - $name: $f has no raw escape"
    fi
done
finish
