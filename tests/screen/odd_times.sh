#!/bin/sh
# odd_times.sh: runs whose stored timestamps are odd (an end before the
# start, the extremes of 64 bits) sort by duration and show "-" without
# a signed overflow (the ASan build runs this with UBSan, which aborts on
# one).
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 77; }
demo_store "$work/demo.db"
sqlite3 "$work/demo.db" "
  UPDATE runs SET start_time = -9223372036854775808,
                  end_time = 9223372036854775807
   WHERE name = 'resnet18-baseline';
  UPDATE runs SET start_time = 9223372036854775807, end_time = NULL
   WHERE name = 'resnet50-wd5e-4';
  UPDATE runs SET start_time = 1800000000000, end_time = 1700000000000
   WHERE name = 'resnet101-cutmix';" || { echo "not ok - edit store"; exit 1; }
cat >"$work/keys" <<'KEYS'
:runs cifar10-resnet
:set tree false
s
s
s
s
:save-display sorted.screen
S
:save-display reversed.screen
KEYS
run_script "$work/demo.db" 120 30
expect_grep sorted 'DURATION'
expect_grep sorted 'resnet18-baseline .* - '
expect_grep reversed 'resnet101-cutmix'
finish
