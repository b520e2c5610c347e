#!/bin/sh
# e2e.sh: mltop in a real terminal (tmux) at 80x24 and 200x50, on the demo
# store with its trainer running: open, navigate, filter, detail, quit.
name=e2e
. "$(dirname "$0")/lib.sh"

"$MLTOP" --demo-create "$work/demo.db" || { echo "not ok - demo store"; exit 1; }
"$MLTOP" --demo-trainer "$work/demo.db" --interval 300 --ticks 0 &
trainer=$!

for size in 80x24 200x50; do
    cols=${size%x*}
    rows=${size#*x}
    T new-session -d -s main -x "$cols" -y "$rows" \
        "'$MLTOP' --no-config -u '$work/demo.db' --refresh 0.5; echo mltop-exited-\$?; sleep 30"
    check "$size: experiments list" "cifar10-resnet"
    check "$size: status line names the store" "demo.db"
    T send-keys -t main '/' 'cifar' Enter
    check "$size: filter shows in the status line" "/cifar"
    if grep -q "churn-lightgbm" "$work/pane"; then
        nok "$size: filter hides other experiments"
    else
        ok "$size: filter hides other experiments"
    fi
    T send-keys -t main Enter
    # The experiments view has a NAME header too: check what only the
    # runs view of cifar10-resnet shows.
    check "$size: runs view of the experiment" "experiments › cifar10-resnet"
    check "$size: its runs are listed" "resnet50-long"
    check "$size: running runs are counted" "runs shown, [1-9] running"
    T send-keys -t main j k Enter
    check "$size: run detail shows its metric tab" "metrics ("
    T send-keys -t main Tab
    check "$size: params tab" "params ("
    T send-keys -t main q q
    check "$size: back at the experiments" "LAST ACTIVITY"
    T send-keys -t main '?'
    check "$size: help overlay lists actions" "toggle-deleted"
    T send-keys -t main Escape q q
    check "$size: quit exits 0" "mltop-exited-0"
    T kill-session -t main
done
echo "1..$n"
[ "$fails" -eq 0 ]
