#!/bin/sh
# keys.sh: the help overlay generated from the action table (a framed,
# scrollable panel, the keys of the view it was opened from first), `:`
# commands with completion and errors, and a config file: a bad line is
# reported with file and line number while the rest (a bind) still loads.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
cat >"$work/keys" <<'KEYS'
?
:save-display help
<Esc>
 :se<Tab>refr<Tab>7<Enter>
:save-display after-set
 :set<Space>refresh<Enter>
:save-display show-set
 :set<Space>refresh<Space>0<Enter>
:save-display bad-set
 :bogus<Enter>
:save-display bad-command
x
KEYS
cat >"$work/config" <<'CONF'
# a user's config
set refresh abc
bind x quit
color nosuch red default
set spark-width 8
CONF
(cd "$work" && MLTOP_SCRIPT="$work/keys" COLUMNS=80 LINES=24 \
    "$MLTOP" --config config -u demo.db \
    >"$work/stdout" 2>"$work/stderr")
status=$?
cd "$work" || exit 1
for f in help after-set show-set bad-set bad-command; do mv "$f" "$f.screen"; done
expect help
expect_grep help "^┌─ Help"
expect_grep help "^└─.* 1-21 of [0-9]* ─┘$"
expect_grep help "^│ In this view (experiments)"
expect_grep help "^│ s  *sort-next"
expect_grep help "toggle-deleted"
expect_grep help "move-down"
expect_grep help "^│ Everywhere"
expect show-set
expect_grep show-set "refresh = 7"
expect_grep bad-set "out of range"
expect_grep bad-command "unknown command 'bogus'"
checks=$((checks + 1))
if grep -q "^mltop: config:2: refresh: expected a number, not 'abc'" stderr &&
    grep -q "^mltop: config:4: unknown colour slot 'nosuch'" stderr; then
    echo "ok $checks - config errors name file and line"
else
    echo "not ok $checks - config errors name file and line"
    sed 's/^/# /' stderr
    failures=$((failures + 1))
fi
checks=$((checks + 1))
if [ "$status" -eq 0 ]; then
    echo "ok $checks - x (bound in the config) quit with status 0"
else
    echo "not ok $checks - mltop exited $status"
    failures=$((failures + 1))
fi
# From the runs view, in a narrow pane: its keys first, no name column,
# and G shows the end of the commands.
cat >"$work/keys" <<'KEYS'
:runs cifar10-resnet
?
:save-display help-runs
G
:save-display help-end
<Esc>
KEYS
(MLTOP_SCRIPT="$work/keys" COLUMNS=60 LINES=20 \
    "$MLTOP" --no-config -u demo.db >/dev/null 2>&1)
mv help-runs help-runs.screen
mv help-end help-end.screen
expect_grep help-runs "^│ In this view (runs)"
expect_grep help-runs "^│ t  *show nested runs as a tree"
expect_grep help-end ":save-display FILE"
expect_grep help-end " of [0-9]* ─┘$"
finish
