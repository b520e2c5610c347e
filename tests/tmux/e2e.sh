#!/bin/sh
# e2e.sh: mltop in a real terminal (tmux) at 80x24 and 200x50, on the demo
# store with its trainer running: open, navigate, filter, detail, quit.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MLTOP="${MLTOP:-$top_builddir/src/mltop}"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 77; }
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color
work=$(mktemp -d "${TMPDIR:-/tmp}/mltop-tmux.XXXXXX")
sock="mltop-e2e-$$"
T() { tmux -L "$sock" -f /dev/null "$@"; }
trainer=""
cleanup() {
    T kill-server 2>/dev/null
    [ -n "$trainer" ] && kill "$trainer" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }

# wait_for PATTERN [SECONDS]: poll the pane until PATTERN shows.
wait_for() {
    i=0
    lim=$(( ${2:-10} * 10 ))
    while [ $i -lt $lim ]; do
        if T capture-pane -p -t main >"$work/pane" 2>/dev/null &&
            grep -q -- "$1" "$work/pane"; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
check() { # check DESCRIPTION PATTERN
    if wait_for "$2" 10; then ok "$1"; else nok "$1"; sed 's/^/# /' "$work/pane"; fi
}

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
    check "$size: runs view of the experiment" "NAME"
    check "$size: running runs are counted" "[1-9] running"
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
