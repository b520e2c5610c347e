#!/bin/sh
# nested_gantt.sh: MLflow nested runs as a pipeline run, with no
# orchestrator: W on a parent run shows its children as tasks on one time
# axis (a Gantt chart, in the order they ran); Enter opens a child's
# detail. Each child's key metric and its sparkline end its row. W on a
# run without children, with no -p source, says so.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
j
W
:save-display gantt
<Enter>
:save-display child
<Esc>
<Esc>
k
W
:save-display no-source
:runs churn-nightly
W
:save-display pipeline
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in gantt child no-source pipeline; do mv "$f" "$f.screen"; done
expect gantt
expect_grep gantt 'lr-sweep >'
expect_grep gantt '^trial-0 .*success.*█'
expect_grep gantt '^trial-3 '
# each child's key metric, its value and sparkline, titled with the key
expect_grep gantt 'TIME .* valid_auc$'
expect_grep gantt '^trial-1 .*0\.874326 ▁'
expect_grep child 'trial-0'
expect_grep no-source 'no pipeline source'
# The demo's pipeline: prep done, train running with its live valid_auc.
expect pipeline
expect_grep pipeline 'nightly-retrain >'
expect_grep pipeline '^prep .*success'
expect_grep pipeline '^train .*running.*0\.658625 ▁'
finish
