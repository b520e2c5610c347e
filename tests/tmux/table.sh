#!/bin/sh
# table.sh: the cursor row is one unbroken bar in the cursor's colours
# (cells with their own colour, the status glyph, the dim id, the
# sparkline, once left holes in it), and a sorted column whose title
# fills its width still shows the sort arrow (DURATION at 80 columns).
name=table
. "$(dirname "$0")/lib.sh"
"$MLTOP" --demo-create "$work/demo.db" >/dev/null 2>&1 ||
    { echo "not ok 1 - demo store"; exit 1; }
T new-session -d -s main -x 80 -y 24 \
    "'$MLTOP' --no-config -u '$work/demo.db' -e cifar10-resnet; echo mltop-exited-\$?; sleep 30"
check "the runs view" "resnet101-cut"
# The cursor row, with its colours: after the cursor's background (46,
# cyan, in the default theme) starts, nothing resets it.
line=$(T capture-pane -e -p -t main | sed -n 3p)
rest=${line#*'[46m'}
if [ "$rest" != "$line" ] && ! printf '%s' "$rest" | grep -q -e '\[49m' -e '\[0m' -e '\[7m'; then
    ok "the cursor row is one bar"
else
    nok "the cursor row is one bar"; printf '# %s\n' "$line" | cat -v
fi
# Sort by DURATION (s steps through the columns), then descending.
i=0
while [ $i -lt 8 ]; do
    T capture-pane -p -t main | sed -n 2p | grep -q 'DURATI' &&
        T capture-pane -p -t main | sed -n 2p | grep -q 'DURATI[^ ]*[▲▼]' && break
    T send-keys -t main s
    sleep 0.2
    i=$((i + 1))
done
check "DURATION sorted at 80 columns: the arrow shows" "DURATI…[▲▼]"
T send-keys -t main Q
check "Q quits" "mltop-exited-0"
echo "1..$n"
[ "$fails" -eq 0 ]
