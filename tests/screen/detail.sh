#!/bin/sh
# detail.sh: a run in detail: info, the metrics with sparkline, last, min,
# max and count, the chart of the selected metric (NaN counted, never on
# the scale), the params and tags tabs, and log-y. Enter on a param or
# tag shows its value in full in a popup (long lines in pieces, its own
# lines kept); Esc closes it. v gives the chart the whole pane.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
long=$(printf 'x%.0s' $(seq 1 150))
sqlite3 "$work/demo.db" "INSERT INTO tags (key, value, run_uuid) SELECT
    'note', 'first line ' || '$long' || char(10) || 'second line', run_uuid
    FROM runs WHERE name = 'roberta-large-lr1e-3'" ||
    { echo "not ok - edit store"; exit 1; }
cat >"$work/keys" <<'KEYS'
:runs bert-finetune-sst2
:filter roberta-large-lr1e-3
<Enter>
:save-display failed
j
:save-display second-metric
L
:save-display log-y
<Tab>
:save-display params
<Tab>
:save-display tags
/note
<Enter>
<Enter>
:save-display popup
<Esc>
:save-display closed
<Esc>
v
:save-display full
j
:save-display full-next
v
:save-display unfull
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in failed second-metric log-y params tags popup closed full full-next \
    unfull; do mv "$f" "$f.screen"; done
expect failed
expect_grep failed "FAILED"
expect_grep failed "NaN"
expect second-metric
expect log-y
expect_grep log-y "(log y)"
expect params
expect_grep params "learning_rate"
expect tags
expect_grep tags "mlflow.runName"
expect popup
expect_grep popup "│ *first line x\{53\} *│"
expect_grep popup "│ *x\{64\} *│"
expect_grep popup "│ *second line *│"
expect_no_grep closed "second line"
# v: the chart fills the metrics pane; j picks the next metric; v again
# brings the list back.
expect full
expect_grep full "([0-9]/5, j/k: another, v: the list)"
expect_no_grep full "^METRIC  *HISTORY"
expect_grep full-next "([0-9]/5, j/k"
checks=$((checks + 1))
if [ "$(grep -o "([0-9]/5" full.screen)" != "$(grep -o "([0-9]/5" full-next.screen)" ]; then
    echo "ok $checks - j picks another metric"
else
    echo "not ok $checks - j picks another metric"; failures=$((failures + 1))
fi
expect_grep unfull "^METRIC  *HISTORY"
finish
