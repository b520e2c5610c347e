#!/bin/sh
# columns.sh: the runs view's column chooser (| or F2) and :columns. At
# 80x24 on the demo store: hide USER, show the valid_auc metric and move
# it up to second, add the learning_rate param, apply; the table shows
# that, and a new mltop on the same store shows it again (the choice is in
# $XDG_STATE_HOME/mltop/columns). :columns reports unknown columns in one
# line and completes names with Tab; `a` in the chooser goes back to the
# automatic choice. A tiny pane scrolls the list to the cursor or says to
# enlarge it; a corrupt state file is reported once and ignored.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
state="$XDG_STATE_HOME/mltop/columns"

cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:save-display before
|
j j j
<Space>
j j j j j
<Space>
K K K K K K K
:save-display moved
j j j j j j j j j j j j
<Space>
:save-display param
<Enter>
:save-display applied
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in before moved param applied; do mv "$f" "$f.screen"; done
expect_grep before "^  NAME  *ID  *START▼  *DURATION USER "
expect moved
expect_grep moved "^.*› \[x\] metrics.valid_auc"
expect_grep moved "\[ \] USER"
expect_grep param "› \[x\] params.learning_rate"
expect applied
expect_grep applied "^  NAME  *ID  *valid_auc START▼  *DURATION.*learning_rate"
expect_no_grep applied "USER"
expect_no_grep applied "analyst"
expect_grep applied "trial-1  .* 0\.03 *$"
checks=$((checks + 1))
if grep -q "^sqlite:///.*/demo.db	3	id,metrics.valid_auc,start,duration,metrics,params.learning_rate$" "$state" 2>/dev/null; then
    echo "ok $checks - the choice is in the state file"
else
    echo "not ok $checks - the choice is in the state file"
    sed 's/^/# /' "$state" 2>/dev/null
    failures=$((failures + 1))
fi

# Every learning_rate is a number: sorting on it sorts numbers (1e-3 is
# the least; as text it would be the greatest). Runs without it go last.
if command -v sqlite3 >/dev/null; then
    cp "$work/demo.db" "$work/sorted.db"
    sqlite3 "$work/sorted.db" "UPDATE params SET value = '1e-3'
        WHERE key = 'learning_rate' AND run_uuid =
        (SELECT run_uuid FROM runs WHERE name = 'dart-boosting')"
    cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:columns start params.learning_rate
t
s
:save-display sorted
KEYS
    run_script sorted.db 80 24
    (cd "$work" && mv sorted sorted.screen)
    checks=$((checks + 1))
    got=$(sed -n '3,9p' "$work/sorted.screen" | awk '{print $2}' | tr '\n' ' ')
    want="trial-3 trial-2 baseline-gbdt trial-1 trial-0 dart-boosting lr-sweep "
    if [ "$got" = "$want" ]; then
        echo "ok $checks - learning_rate sorts as numbers"
    else
        echo "not ok $checks - learning_rate sorts as numbers: got '$got'"
        sed 's/^/# /' "$work/sorted.screen"
        failures=$((failures + 1))
    fi
fi

# A param key from the store is untrusted text: in the chooser and as a
# column title its escape sequence is shown, never sent.
if command -v sqlite3 >/dev/null; then
    cp "$work/demo.db" "$work/evil.db"
    sqlite3 "$work/evil.db" "UPDATE params SET key = char(27) || '[2Jevil'
        WHERE key = 'search'"
    cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
|
j j j j j j j j j j
:save-display evil-chooser
<Space>
<Enter>
:save-display evil-table
KEYS
    run_script evil.db 100 24
    (cd "$work" && mv evil-chooser evil-chooser.screen &&
        mv evil-table evil-table.screen)
    expect_grep evil-chooser '› \[ \] params.\^\[\[2Jevil'
    expect_grep evil-table '\^\[\[2Jevil *$'
    checks=$((checks + 1))
    if LC_ALL=C grep -q "$(printf '\033')" "$work/evil-chooser.screen" \
        "$work/evil-table.screen"; then
        echo "not ok $checks - a raw escape byte reached the screen"
        failures=$((failures + 1))
    else
        echo "ok $checks - no raw escape byte on the screen"
    fi
fi

# A new mltop on the same store: the same columns.
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:save-display restarted
:runs cifar10-resnet
:save-display other-experiment
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in restarted other-experiment; do mv "$f" "$f.screen"; done
expect_grep restarted "^  NAME  *ID  *valid_auc START▼  *DURATION.*learning_rate"
expect_no_grep restarted "USER"
# Another experiment keeps its own (the automatic) columns.
expect_grep other-experiment "^  NAME  *ID  *START▼  *DURATION USER "

# :columns: a whole list, + and -, errors, Tab, and back to automatic.
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:columns start params.boosting_type metrics.valid_logloss
:save-display cmd-list
:columns -start +user
:save-display cmd-relative
:columns params.nosuch
:save-display cmd-unknown-param
:columns colour
:save-display cmd-unknown
:columns -name
:save-display cmd-name
 :columns<Space>params.b<Tab><Esc>
:save-display cmd-tab
 :columns<Space>-params.b<Tab><Esc>
:save-display cmd-tab-minus
:columns auto
:save-display cmd-auto
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in cmd-list cmd-relative cmd-unknown-param cmd-unknown cmd-name cmd-tab \
    cmd-tab-minus cmd-auto; do mv "$f" "$f.screen"; done
expect_grep cmd-list "^  NAME  *START▼  *boosting_type  *valid_logloss *$"
expect_grep cmd-list "^✓ dart-boosting  .* dart  "
# START, the sort column, is hidden: NAME sorts until it shows again.
expect_grep cmd-relative "^  NAME▼  *boosting_type  *valid_logloss USER *$"
expect_grep cmd-unknown-param "no run here has the param 'nosuch'"
expect_grep cmd-unknown-param "^  NAME▼  *boosting_type  *valid_logloss USER *$"
expect_grep cmd-unknown "no column 'colour'"
expect_grep cmd-name "NAME always shows"
expect_grep cmd-tab "^params.boosting_type params.bagging_fraction *$"
expect_grep cmd-tab-minus "^-params.boosting_type -params.bagging_fraction *$"
expect_grep cmd-auto "^  NAME  *ID  *START▼  *DURATION USER "
checks=$((checks + 1))
if grep -q "/demo.db	3	" "$state"; then
    echo "not ok $checks - auto forgets the choice"; failures=$((failures + 1))
else
    echo "ok $checks - auto forgets the choice"
fi

# < and > scroll through chosen metric columns as through automatic ones.
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:columns start metrics.valid_logloss metrics.train_logloss metrics.valid_auc params.seed
:save-display scroll-start
>
:save-display scroll-right
<
:save-display scroll-left
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in scroll-start scroll-right scroll-left; do mv "$f" "$f.screen"; done
# Two of the three fit at 80 columns; > shows the third.
expect_grep scroll-start "^  NAME  *START▼  *valid_logloss  *train_logloss seed *$"
expect_grep scroll-start "metrics 1-2 of 3 (< >)"
expect_grep scroll-right "^  NAME  *START▼  *train_logloss  *valid_auc seed *$"
expect_grep scroll-right "metrics 2-3 of 3 (< >)"
expect_grep scroll-left "^  NAME  *START▼  *valid_logloss  *train_logloss seed *$"

# A state directory that cannot be made: the choice applies all the same
# and the status line says it was not remembered.
: >"$work/not-a-dir"
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:columns -user
:save-display unwritable
KEYS
XDG_STATE_HOME="$work/not-a-dir" run_script demo.db 80 24
(cd "$work" && mv unwritable unwritable.screen)
expect_grep unwritable "columns not remembered: cannot create"
expect_grep unwritable "^  NAME  *ID  *START▼  *DURATION  *valid_auc"

# In the chooser, a goes back to the automatic choice; Enter applies it.
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:columns start
|
a
:save-display chooser-auto
<Enter>
:save-display chooser-auto-applied
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in chooser-auto chooser-auto-applied; do mv "$f" "$f.screen"; done
expect_grep chooser-auto "› \[x\] ID"
expect_grep chooser-auto "\[x\] USER"
expect_grep chooser-auto-applied "^  NAME  *ID  *START▼  *DURATION USER "

# A tiny pane: the list scrolls to the cursor; tinier, it says to enlarge.
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
|
:save-display small-top
G
:save-display small-end
KEYS
run_script demo.db 80 9
cd "$work" || exit 1
for f in small-top small-end; do mv "$f" "$f.screen"; done
expect small-top
expect_grep small-top "› \[x\] ID"
expect_grep small-end "Columns 22/22"
expect_grep small-end "› \[ \] params.seed"
expect_no_grep small-end "\[x\] ID"
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
|
:save-display tiny
KEYS
run_script demo.db 30 5
(cd "$work" && mv tiny tiny.screen)
expect_grep tiny "enlarge the pane"

# A corrupt state file: said once, the automatic columns, mltop goes on;
# the next choice replaces it (the bad one is kept aside).
printf 'garbage\001\002\n' >"$state"
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:save-display corrupt
j
:runs cifar10-resnet
:save-display corrupt-again
:runs churn-lightgbm
:columns -user
KEYS
run_script demo.db 80 24
cd "$work" || exit 1
for f in corrupt corrupt-again; do mv "$f" "$f.screen"; done
expect_grep corrupt "columns not restored: .*/state/mltop/columns: not"
expect_grep corrupt "^  NAME  *ID  *START▼  *DURATION USER "
expect_no_grep corrupt-again "columns not restored"
checks=$((checks + 1))
if head -1 "$state" | grep -q "^# mltop state 1$" && [ -f "$state.corrupt" ]; then
    echo "ok $checks - a new choice replaces the corrupt file, kept aside"
else
    echo "not ok $checks - a new choice replaces the corrupt file, kept aside"
    failures=$((failures + 1))
fi
finish
