#!/bin/sh
# poll.sh: a live refresh (`:poll`, what the timer does) shows what a
# writer added after the first load (a new point of a running run from
# the demo trainer, a new run), and it is incremental: a finished run,
# which costs nothing to poll, is not read again until `:refresh`.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 77; }
demo_store "$work/demo.db"
q() { sqlite3 "$work/demo.db" "$1"; }

live_start demo.db 100 24
live_send ":runs cifar10-resnet"
live_dump before

# Another writer, after the first load: the demo trainer logs one point
# of every metric of each running run (step 11 of resnet101-cutmix), a
# new run starts, and a finished run is renamed.
"$MLTOP" --demo-trainer "$work/demo.db" --ticks 1 --interval 0 ||
    { echo "not ok - demo trainer"; exit 1; }
new_acc=$(q "SELECT printf('%g', value) FROM latest_metrics m JOIN runs r
             USING (run_uuid) WHERE r.name = 'resnet101-cutmix'
             AND m.key = 'val_acc' AND m.step = 11")
q "INSERT INTO runs (run_uuid, name, source_type, user_id, status,
     start_time, lifecycle_stage, artifact_uri, experiment_id)
   SELECT 'feedc0de00000000000000000000beef', 'resnet152-fresh', source_type,
     'dev03', 'RUNNING', start_time + 60000, 'active', artifact_uri,
     experiment_id FROM runs WHERE name = 'resnet101-cutmix';
   UPDATE runs SET name = 'resnet18-renamed' WHERE name = 'resnet18-baseline';" ||
    { echo "not ok - edit store"; exit 1; }

live_send ":poll"
live_dump polled
live_send ":refresh"
live_dump refreshed
live_end

cd "$work" || exit 1
checks=$((checks + 1))
if [ -n "$new_acc" ] && [ "$new_acc" != 0.360321 ]; then
    echo "ok $checks - $name: the trainer logged val_acc $new_acc at step 11"
    new_acc=$(echo "$new_acc" | sed 's/\./\\./')
else
    echo "not ok $checks - $name: no new val_acc point ('$new_acc')"
    failures=$((failures + 1))
fi
expect_grep before '^◐ resnet101-cutmix .* 0\.360321 '
expect_no_grep before 'resnet152-fresh'
expect_grep before '9 runs shown, 2 running'
# The poll: the new point and the new run, nothing else read again.
expect_grep polled "^◐ resnet101-cutmix .* $new_acc "
expect_no_grep polled '0\.360321'
expect_grep polled '^. resnet152-fresh  *feedc0de '
expect_grep polled '^◐ resnet101-cutmix .* ▁▂▁▂▅▃▇▅▇██▇$'
expect_grep polled '10 runs shown, 3 running'
expect_grep polled '^✓ resnet18-baseline '
expect_no_grep polled 'resnet18-renamed'
# A full reload reads the finished run too.
expect_grep refreshed '^✓ resnet18-renamed '
expect_grep refreshed "^◐ resnet101-cutmix .* $new_acc "
finish
