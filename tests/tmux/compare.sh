#!/bin/sh
# compare.sh: mark runs with Space and compare them with c in a real
# terminal (tmux) at 80x24 and 200x50: differing params marked, the best
# value starred, differences only, the overlay chart; then running runs
# compared while the demo trainer logs: the chart's last step moves on.
name=compare
. "$(dirname "$0")/lib.sh"
check_not() { # check_not DESCRIPTION PATTERN (on the last capture)
    if grep -q -- "$2" "$work/pane"; then
        nok "$1"; sed 's/^/# /' "$work/pane"
    else
        ok "$1"
    fi
}

"$MLTOP" --demo-create "$work/demo.db" || { echo "not ok - demo store"; exit 1; }

for size in 80x24 200x50; do
    cols=${size%x*}
    rows=${size#*x}
    T new-session -d -s main -x "$cols" -y "$rows" \
        "'$MLTOP' --no-config -u '$work/demo.db' -e churn-lightgbm; echo mltop-exited-\$?; sleep 30"
    check "$size: runs of churn-lightgbm" "dart-boosting"
    T send-keys -t main t
    check "$size: flat list" "tree off"
    # Newest first: dart-boosting, trial-3, trial-2, trial-1, ...
    T send-keys -t main c
    check "$size: c with nothing marked asks for marks" \
        "mark at least two runs (Space)"
    T send-keys -t main Space
    check "$size: Space marks a run" "1 run marked"
    T send-keys -t main j j Space
    check "$size: a second mark" "2 runs marked"
    check "$size: the mark glyph in the row" "● trial-1"
    T send-keys -t main c
    check "$size: c opens the comparison" "compare 2 runs"
    check "$size: run columns" "2 runs  *dart-boosting  *trial-1"
    check "$size: a differing param is marked" "≠ boosting_type  *dart  *gbdt"
    check "$size: another one" "≠ learning_rate  *0.05  *0.03"
    check "$size: a shared param is not" "^  bagging_fraction  *0.9  *0.9"
    check "$size: the best last value is starred" \
        "train_logloss ↓  *0.1561088  *0.1481303 \*"
    T send-keys -t main D
    check "$size: D: only rows that differ" "showing only rows that differ"
    check_not "$size: shared params hidden" "bagging_fraction"
    T send-keys -t main Tab Tab
    check "$size: Tab to the metrics: the chart" "x: step"
    check "$size: the legend" "━● dart-boosting"
    T send-keys -t main x
    check "$size: x: wall time" "x: wall time"
    T send-keys -t main q
    check "$size: back at the runs, marks kept" "2 runs marked"
    T send-keys -t main Q
    check "$size: quit exits 0" "mltop-exited-0"
    T kill-session -t main
done

# Live: the two running cifar10 runs, while the trainer logs a point a
# metric every 300ms.
"$MLTOP" --demo-trainer "$work/demo.db" --interval 300 --ticks 0 &
trainer=$!
T new-session -d -s main -x 80 -y 24 \
    "'$MLTOP' --no-config -u '$work/demo.db' -e cifar10-resnet --refresh 0.5; echo mltop-exited-\$?; sleep 30"
check "live: runs of cifar10-resnet" "resnet50-bs512"
T send-keys -t main / 'resnet50-wd5e-4|resnet101-cutmix' Enter
check "live: filtered to the running runs" "2 runs shown, 2 running"
T send-keys -t main Space Space c
check "live: comparing the running runs" "RUNNING  *RUNNING"
T send-keys -t main Tab Tab
check "live: the chart" "x: step"
last_step() {
    T capture-pane -p -t main | grep -o 'step [0-9]*$' | tail -1 |
        sed 's/step //'
}
first=$(last_step)
i=0
later=$first
while [ $i -lt 100 ] && [ "$later" = "$first" ]; do
    sleep 0.1
    later=$(last_step)
    i=$((i + 1))
done
if [ -n "$first" ] && [ -n "$later" ] && [ "$later" -gt "$first" ]; then
    ok "live: the chart follows new steps ($first -> $later)"
else
    nok "live: the chart follows new steps ('$first' -> '$later')"
    T capture-pane -p -t main | sed 's/^/# /'
fi
T send-keys -t main Q
check "live: quit exits 0" "mltop-exited-0"
echo "1..$n"
[ "$fails" -eq 0 ]
