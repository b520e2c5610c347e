#!/bin/sh
# commands.sh: `:` commands name what they cannot do instead of doing
# nothing: a metric key no run logs, a registered model that does not
# exist; Tab lists each candidate once (not once per run that logs it) and
# completes :color slots.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
cat >"$work/keys" <<'KEYS'
:runs cifar10-resnet
:metrics zz
:save-display no-metric
 :metrics<Space>val_<Tab><Esc>
:save-display tab-metrics
:models
:models nosuch
:save-display no-model
 :color<Space>run-<Tab><Esc>
:save-display tab-color
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in no-metric tab-metrics no-model tab-color; do mv "$f" "$f.screen"; done
expect_grep no-metric "no run here logs 'zz'"
# The columns stayed as they were: no empty zz column.
expect_no_grep no-metric " zz"
expect_grep tab-metrics "^val_acc val_loss *$"
expect_grep no-model "no registered model 'nosuch'"
expect_grep no-model "cifar10-resnet"
expect_grep tab-color "^run-running run-finished run-failed run-killed"
finish
