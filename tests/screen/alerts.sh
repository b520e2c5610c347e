#!/bin/sh
# alerts.sh: run health on the demo store an hour after its last points.
# The two running runs of cifar10-resnet have stalled: the status line
# counts two alerts on every view, the alerts view (!) lists them newest
# first, A acknowledges the selected one, Enter opens its run (whose
# detail says the alert), `:alert` adds a rule for the session that
# fires at once, `:ack all` clears the count. A restart reads the state
# file: nothing is alerted again and the acknowledged stay acknowledged.
# The experiments list marks an experiment with alerts not acknowledged.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
MLTOP_NOW=$((MLTOP_NOW + 3600000))
export MLTOP_NOW
cat >"$work/keys" <<'KEYS'
:runs cifar10-resnet
:save-display runs
!
:save-display view
A
:save-display acked
<Enter>
:save-display detail
q
:alert val_acc < 0.4
:save-display rule
:alert val_acc <> 1
:save-display bad-rule
:ack all
:save-display all
KEYS
run_script demo.db 80 24
for f in runs view acked detail rule bad-rule all; do
    mv "$work/$f" "$work/$f.screen"
done
expect_grep runs '⚑ 2 alerts$'
expect view
expect_grep acked '⚑ 1 alert$'
expect_grep acked '^ack .*stall'
expect_grep detail '^resnet101-cutmix'
expect_grep detail 'so far  ⚠ stalled  ⚑ no new point'
expect rule
expect_grep bad-rule 'alert: the comparison is one of > >= < <='
expect_no_grep all '⚑'
expect_grep all '0 not acknowledged'

# A restart an hour later still: the same alerts, none new, all read.
cat >"$work/keys" <<'KEYS'
:runs cifar10-resnet
!
:save-display again
KEYS
run_script demo.db 80 24
mv "$work/again" "$work/again.screen"
expect_no_grep again 'NEW'
expect_no_grep again '⚑'
expect_grep again '^ack .*stall'
expect_grep again '3/3\|1/3'
# Another user's state (nothing acknowledged): the experiments list marks
# the experiment whose runs have alerts.
# A in the runs view acknowledges the selected run's alerts.
cat >"$work/keys" <<'KEYS'
:runs cifar10-resnet
:experiments
:save-display exps
:runs cifar10-resnet
A
:save-display runack
KEYS
XDG_STATE_HOME="$work/state2" run_script demo.db 80 24
mv "$work/exps" "$work/exps.screen"
mv "$work/runack" "$work/runack.screen"
expect_grep exps '^⚑ cifar10-resnet'
expect_no_grep exps '^⚑ bert'
expect_grep runack '⚑ 1 alert$'
# The state file holds them under the store's path, one JSON object each.
checks=$((checks + 1))
n=$(grep -c '"acknowledged":true' "$work/state/mltop/alerts")
if [ "$n" = 3 ]; then
    echo "ok $checks - $name: three acknowledged alerts in the state file"
else
    echo "not ok $checks - $name: state file has $n acknowledged"
    failures=$((failures + 1))
fi
finish
