#!/bin/sh
# detail.sh: a run in detail: info, the metrics with sparkline, last, min,
# max and count, the chart of the selected metric (NaN counted, never on
# the scale), the params and tags tabs, and log-y.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
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
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in failed second-metric log-y params tags; do mv "$f" "$f.screen"; done
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
finish
