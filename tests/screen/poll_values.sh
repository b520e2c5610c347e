#!/bin/sh
# poll_values.sh: a poll that finds only new values of metrics the runs
# had (a writer logging) shows them in place; sorted by START the rows
# keep their order (the table is not rebuilt for it), sorted by the
# metric the new value moves its run.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 77; }
demo_store "$work/demo.db"
acc() {
    sqlite3 "$work/demo.db" "UPDATE latest_metrics SET value = $2
        WHERE key = 'val_acc' AND run_uuid =
        (SELECT run_uuid FROM runs WHERE name = '$1')" ||
        { echo "not ok - edit store"; exit 1; }
}

live_start demo.db 100 24
live_send ":runs cifar10-resnet"
live_dump before
acc resnet101-cutmix 0.55
live_send ":poll"
live_dump value
# s three times: START, DURATION, USER, then val_acc (descending).
live_send "s s s"
live_dump byacc
acc resnet50-wd5e-4 0.99
live_send ":poll"
live_dump resorted
live_end

cd "$work" || exit 1
expect_grep before '^  NAME  *ID  *START▼ '
expect_grep before '^. resnet101-cutmix .* 0\.360321 '
expect_grep value '^. resnet101-cutmix .* 0\.55 '
expect_no_grep value '0\.360321'
checks=$((checks + 1))
if [ "$(sed -n 3p value.screen | cut -c1-40)" = "$(sed -n 3p before.screen | cut -c1-40)" ] &&
   [ "$(sed -n 4p value.screen | cut -c1-40)" = "$(sed -n 4p before.screen | cut -c1-40)" ]; then
    echo "ok $checks - $name: sorted by START, the rows kept their places"
else
    echo "not ok $checks - $name: the rows moved"
    failures=$((failures + 1))
fi
expect_grep byacc 'val_acc▼'
expect_grep byacc '^. resnet50-long '
checks=$((checks + 1))
if sed -n 3p resorted.screen | grep -q '^. resnet50-wd5e-4 .* 0\.99 '; then
    echo "ok $checks - $name: sorted by val_acc, the new value moved its run first"
else
    echo "not ok $checks - $name: resnet50-wd5e-4 is not first"
    sed 's/^/# /' resorted.screen
    failures=$((failures + 1))
fi
finish
