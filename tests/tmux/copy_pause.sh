#!/bin/sh
# copy_pause.sh: y copies the selected run's id to the terminal's
# clipboard with OSC 52 (tmux, with set-clipboard on, keeps it as a paste
# buffer) and says it in the status line; Y on a local store says there is
# no web address; z freezes the screen while a trainer writes (PAUSED in
# the status line) and z again lets it move.
name=copy_pause
. "$(dirname "$0")/lib.sh"
"$MLTOP" --demo-create "$work/demo.db" >/dev/null 2>&1 ||
    { echo "not ok 1 - demo store"; exit 1; }
"$MLTOP" --demo-trainer "$work/demo.db" --interval 200 --ticks 0 &
trainer=$!
id=$(sqlite3 "$work/demo.db" "SELECT run_uuid FROM runs WHERE name = 'resnet50-wd5e-4'")
T new-session -d -s main -x 120 -y 24 \
    "'$MLTOP' --no-config -u '$work/demo.db' -e cifar10-resnet --refresh 0.3; echo mltop-exited-\$?; sleep 30"
T set-option -g set-clipboard on
check "the runs view" "resnet50-wd5e-4"
# resnet50-wd5e-4 is the second running run, the second row by start.
T send-keys -t main j y
check "y: says what it copied" "copied: $id"
if [ "$(T show-buffer 2>/dev/null)" = "$id" ]; then
    ok "y: the id reached the clipboard (OSC 52, tmux's buffer)"
else
    nok "y: the id reached the clipboard (OSC 52, tmux's buffer)"
    echo "# buffer: $(T show-buffer 2>&1)"
fi
T send-keys -t main Y
check "Y on a local store: no web address" "no web UI address here"
T send-keys -t main Enter
check "run detail" "started"
T send-keys -t main y
check "y in run detail: runs:/ID/" "copied: runs:/$id/"
T send-keys -t main q
# The running row's value moves while the trainer writes; paused, it
# stays.
row() { T capture-pane -p -t main | grep "resnet50-wd5e" | cut -c66-; }
T send-keys -t main z
check "z: PAUSED in the status line" "PAUSED"
sleep 0.5; a=$(row); sleep 2; b=$(row)
if [ -n "$a" ] && [ "$a" = "$b" ]; then
    ok "paused: the row did not move in 2 s"
else
    nok "paused: the row did not move in 2 s"; echo "# $a"; echo "# $b"
fi
T send-keys -t main z
check "z again: resumed" "resumed"
sleep 2; c=$(row)
if [ "$c" != "$b" ]; then
    ok "resumed: the row moves again"
else
    nok "resumed: the row moves again"; echo "# $c"
fi
T send-keys -t main Q
check "Q quits" "mltop-exited-0"
echo "1..$n"
[ "$fails" -eq 0 ]
