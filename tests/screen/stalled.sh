#!/bin/sh
# stalled.sh: a running run with no new point for stall-seconds is marked
# stalled (glyph and colour slot), and durations of running runs grow with
# the clock. A parent run that logs nothing while its child trains is not
# stalled (its child's points count); once the child stalls, both are.
# A stalled run's detail marks it as well.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
cat >"$work/keys" <<'KEYS'
:runs cifar10-resnet
:save-display fresh
:runs churn-nightly
:save-display parent
KEYS
run_script demo.db 80 24
(cd "$work" && mv fresh fresh.screen && mv parent parent.screen)
# An hour later, nothing has been logged: both running runs are stalled.
MLTOP_NOW=$((MLTOP_NOW + 3600000))
export MLTOP_NOW
cat >"$work/keys" <<'KEYS'
:runs cifar10-resnet
:save-display later
<Enter>
:save-display later-detail
:runs churn-nightly
:save-display parent-later
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
mv later later.screen
mv later-detail later-detail.screen
mv parent-later parent-later.screen
expect_grep fresh '^◐ resnet101-cut'
expect_no_grep fresh '⚠'
expect later
expect_grep later '^⚠ resnet101-cut'
expect_grep later '^⚠ resnet50-wd5e'
expect_grep later '1h04m'
# Its detail says so too, not a plain RUNNING.
expect_grep later-detail '^RUNNING .* so far  ⚠ stalled'
expect_grep later-detail 'last point 1h ago'
expect_grep parent '^◐ nightly-retra'
expect_grep parent '^◐ ├─train'
expect_no_grep parent '⚠'
expect_grep parent-later '^⚠ nightly-retra'
expect_grep parent-later '^⚠ ├─train'
finish
