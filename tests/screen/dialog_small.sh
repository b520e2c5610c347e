#!/bin/sh
# dialog_small.sh: a registry write is never confirmed through a plan that
# was not shown whole. At 80x6 the dialog has no room: it says to enlarge
# the pane, and Enter and y write nothing. Keys typed ahead of the plan's
# first frame (Enter and y in one read) are refused with a word that says
# so, and y once it is on screen is taken. At 80x9 the plan scrolls: y
# before the last row was on screen is refused with a word; after PgDn it
# is taken. At 80x24 the plan fits and y is taken at once. The store is
# read back with sqlite3 after each.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 not installed"; exit 77; }
demo_store "$work/demo.db"
export XDG_STATE_HOME="$work/state" USER=tester
champion() {
    sqlite3 "$work/${1:-demo.db}" "SELECT version FROM registered_model_aliases
        WHERE name = 'churn-classifier' AND alias = 'champion'"
}
check() { # check DESCRIPTION ACTUAL EXPECTED
    checks=$((checks + 1))
    if [ "$2" = "$3" ]; then
        echo "ok $checks - $name: $1"
    else
        echo "not ok $checks - $name: $1: got '$2', want '$3'"
        failures=$((failures + 1))
    fi
}
before=$(champion)

# 80x6: p Enter Enter on v3 (the keys that moved the alias unseen).
cat >"$work/keys" <<'KEYS'
:models churn-classifier
p
<Enter>
:save-display tiny
<Enter>
y
:save-display tiny-after
KEYS
run_script demo.db 80 6
check "80x6: nothing written" "$(champion)" "$before"
(cd "$work" && mv tiny tiny.screen && mv tiny-after tiny-after.screen)
expect_grep tiny 'enlarge the pane'

# 80x9: the plan does not fit; y is refused until it was all on screen.
cat >"$work/keys" <<'KEYS'
:models churn-classifier
p
<Enter>
:save-display small
y
:save-display small-refused
<PgDn>
<PgDn>
:save-display small-scrolled
y
KEYS
run_script demo.db 80 9
(cd "$work" && for f in small small-refused small-scrolled; do
    mv "$f" "$f.screen"; done)
expect_grep small 'more: PgDn'
expect_grep small-refused 'read it all first'
after=$(champion)
if [ "$after" != "$before" ]; then
    checks=$((checks + 1)); echo "ok $checks - $name: 80x9: written once read"
else
    checks=$((checks + 1)); failures=$((failures + 1))
    echo "not ok $checks - $name: 80x9: the alias did not move after PgDn y"
fi

# 80x24, a fresh store: Enter (which opens the plan) and y in one step,
# with no frame between them; then y again once the plan was drawn.
demo_store "$work/ahead.db"
moves() {
    sqlite3 "$work/ahead.db" "SELECT count(*) FROM registered_model_tags
        WHERE name = 'churn-classifier' AND key LIKE 'mltop.history.%'"
}
before=$(moves)
cat >"$work/keys" <<'KEYS'
:models churn-classifier
p
<Enter>y
:save-display ahead
y
KEYS
run_script ahead.db 80 24
mv "$work/ahead" "$work/ahead.screen"
expect_grep ahead 'came before this was on screen'
check "80x24: typed ahead, then y on the drawn plan: written once" \
    "$(moves)" $((before + 1))
check "80x24: the alias moved" "$(champion ahead.db)" "$(champion demo.db)"
finish
