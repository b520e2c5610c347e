#!/bin/sh
# lifetime.sh: the selected run leaves the store under a running mltop
# (another client deletes it), then `r` and moves; then once more with the
# runs view under the run detail when the reload lands, so only a sync of
# every view on the stack (not just the top one) drops the run before it
# is freed. Under ASan a view reading a freed run is a heap-use-after-free.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
exp="(SELECT experiment_id FROM experiments WHERE name = 'cifar10-resnet')"
# "$ CMD" lines run a shell command between keys (script reader only).
cat >"$work/keys" <<KEYS
:runs cifar10-resnet
j
:save-display before
\$ sqlite3 demo.db "UPDATE runs SET lifecycle_stage = 'deleted' WHERE name = 'resnet50-wd5e-4' AND experiment_id = $exp"
r
jk
:save-display deleted
jj
\$ sqlite3 demo.db "DELETE FROM runs WHERE name = 'resnet50-long' AND experiment_id = $exp"
r<Enter>
qjk
:save-display removed
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in before deleted removed; do mv "$f" "$f.screen"; done
expect before
expect_grep before '^2/9 '
expect deleted
expect_no_grep deleted 'resnet50-wd5e'
expect_grep deleted '^1/8 '
expect removed
expect_no_grep removed 'resnet50-long'
expect_grep removed '^1/7 '
finish
