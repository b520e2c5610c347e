#!/bin/sh
# safety.sh: untrusted text from a store. Escape sequences, C1 controls
# and bidi overrides in names and params are made visible, never sent to
# the terminal; wide characters keep columns aligned; a 5,000-character
# name is cut with an ellipsis.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 77; }
long=$(printf 'x%.0s' $(seq 1 5000))
sqlite3 "$work/demo.db" <<SQL || { echo "not ok - edit store"; exit 1; }
UPDATE runs SET name = char(27) || '[2J' || char(27) || ']0;pwned' || char(7) || 'evil'
 WHERE name = 'trial-0';
UPDATE runs SET name = 'rtl-' || char(8238) || 'gnp.exe' WHERE name = 'trial-1';
UPDATE runs SET name = '$long' WHERE name = 'trial-2';
UPDATE params SET value = 'a' || char(155) || '31mb' WHERE key = 'seed'
 AND run_uuid = (SELECT run_uuid FROM runs WHERE name = 'dart-boosting');
SQL
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:save-display names
:filter dart
<Enter>
<Tab>
:save-display params
:runs bert-finetune-sst2
:save-display wide
KEYS
run_script demo.db 200 30
cd "$work" || exit 1
for f in names params wide; do mv "$f" "$f.screen"; done
expect names
expect_grep names '\^\[\[2J\^\[\]0;pwned\^Gevil'
expect_grep names 'rtl-<U+202E>gnp.exe'
expect_grep names 'xxxxxxxx…'
expect params
expect_grep params 'a<U+009B>31mb'
expect wide
expect_grep wide 'ベースライン-α'
checks=$((checks + 1))
if LC_ALL=C grep -q "$(printf '\033')" names.screen params.screen wide.screen; then
    echo "not ok $checks - a raw escape byte reached the screen"
    failures=$((failures + 1))
else
    echo "ok $checks - no raw escape byte on the screen"
fi
finish
