#!/bin/sh
# ascii.sh: without a UTF-8 locale (or with --ascii) mltop draws only
# ASCII: sparkline ramp, status glyphs, tree guides, ellipses.
. "$(dirname "$0")/lib.sh"
demo_store "$work/demo.db"
# Names outside ASCII: one '?' a column, the columns after them in place.
if command -v sqlite3 >/dev/null; then
    sqlite3 "$work/demo.db" "UPDATE runs SET name = 'trial-ü测2' WHERE name = 'trial-2';
        UPDATE tags SET value = 'trial-ü测2' WHERE key = 'mlflow.runName'
        AND value = 'trial-2';"
fi
cat >"$work/keys" <<'KEYS'
:runs churn-lightgbm
:save-display c-locale
KEYS
(cd "$work" && LANG=C LC_ALL=C MLTOP_SCRIPT="$work/keys" COLUMNS=80 LINES=24 \
    "$MLTOP" --no-config -u demo.db >"$work/stdout" 2>"$work/stderr") ||
    { echo "not ok - mltop failed"; cat "$work/stderr"; exit 1; }
cd "$work" || exit 1
mv c-locale c-locale.screen
expect c-locale
checks=$((checks + 1))
if LC_ALL=C grep -q "$(printf '[\200-\377]')" c-locale.screen; then
    echo "not ok $checks - a non-ASCII byte on an ASCII screen"
    failures=$((failures + 1))
else
    echo "ok $checks - only ASCII on the screen"
fi
expect_grep c-locale '|-trial-3'
expect_grep c-locale '`-trial-0'
expect_grep c-locale 'the locale is not UTF-8'
if command -v sqlite3 >/dev/null; then
    expect_grep c-locale '|-trial-??2 '
    # The ID column starts where it does on the other rows.
    checks=$((checks + 1))
    a=$(grep -- '-trial-??2 ' c-locale.screen | awk '{print index($0, $3)}')
    b=$(grep -- '-trial-3 ' c-locale.screen | awk '{print index($0, $3)}')
    if [ -n "$a" ] && [ "$a" = "$b" ]; then
        echo "ok $checks - columns in place after a name outside ASCII"
    else
        echo "not ok $checks - columns shifted: $a, $b"
        failures=$((failures + 1))
    fi
fi
finish
