#!/bin/sh
# mouse.sh: with the terminal reporting the mouse (SGR 1006, as tmux and
# xterm send it): a click selects a row, a double click opens it, the
# wheel moves three rows, a click on a column's title sorts by it; with
# `:set mouse false` a click changes nothing.
name=mouse
. "$(dirname "$0")/lib.sh"
"$MLTOP" --demo-create "$work/demo.db" >/dev/null 2>&1 ||
    { echo "not ok 1 - demo store"; exit 1; }
T new-session -d -s main -x 100 -y 24 \
    "TERM=xterm-256color '$MLTOP' --no-config -u '$work/demo.db'; echo mltop-exited-\$?; sleep 30"
check "the experiments" "bert-finetune-sst2"
# press and release of button 1 at column X, row Y (1-based): ESC [ < 0 ; X ; Y M/m
click() {
    T send-keys -t main -l "$(printf '\033[<0;%s;%sM\033[<0;%s;%sm' "$1" "$2" "$1" "$2")"
}
wheel_down() { T send-keys -t main -l "$(printf '\033[<65;%s;%sM' "$1" "$2")"; }
row_is_cursor() { # row_is_cursor Y NAME: screen row Y (1-based) has the cursor's colours
    T capture-pane -e -p -t main | sed -n "${1}p" | grep -q "46m$2"
}
i=0
until T capture-pane -p -t main | sed -n 4p | grep -q "bert-finetune-sst2" || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
click 10 4
sleep 0.3
if row_is_cursor 4 "bert-finetune-sst2"; then ok "a click selects the row"; else nok "a click selects the row"; T capture-pane -e -p -t main | sed -n 3,5p | cat -v | sed 's/^/# /'; fi
click 10 5; click 10 5
check "a double click opens it" "experiments › cifar10-resnet"
check "its runs" "1/9 "
wheel_down 10 8
check "the wheel moves three rows" "4/9 "
# The DURATION title, wherever the layout puts it.
x=$(T capture-pane -p -t main | sed -n 2p | awk '{ print index($0, "DURATION") }')
click $((x + 1)) 2
check "a click on a title sorts by it" "DURATI[^ ]*[▲▼]"
T send-keys -t main ":set mouse false" Enter
sleep 0.3
before=$(T capture-pane -p -t main | grep -o "[0-9]/9 ")
click 10 6
sleep 0.3
if T capture-pane -p -t main | grep -q "$before"; then ok "mouse false: a click changes nothing"; else nok "mouse false: a click changes nothing"; T capture-pane -p -t main | tail -3 | sed 's/^/# /'; fi
T send-keys -t main Q
check "Q quits" "mltop-exited-0"
echo "1..$n"
[ "$fails" -eq 0 ]
