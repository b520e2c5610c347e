# lib.sh: shared set-up for scripted screen tests (sourced by each test).
# A test writes keys to a script, runs mltop on a virtual screen with the
# clock pinned, and compares :save-display dumps with expected text.

set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${MLTOP:=$top_builddir/src/mltop}"
MLTOP=$(cd "$(dirname "$MLTOP")" && pwd)/$(basename "$MLTOP")
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC NO_COLOR=1
# Thursday 2027-01-14 08:00:00 UTC: every age and duration is fixed.
export MLTOP_NOW=1800000000000
unset MLFLOW_TRACKING_URI

name=$(basename "$0" .sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/mltop-screen-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
# What mltop remembers (column choices) stays in the test's directory: a
# user's own state never changes what a test sees.
export XDG_STATE_HOME="$work/state"
failures=0
checks=0

# demo_store PATH: the demo store, identical every time the clock is pinned.
demo_store() {
    "$MLTOP" --demo-create "$1" || { echo "not ok - demo store"; exit 1; }
}

# run_script STORE COLS LINES: feed $work/keys to mltop.
run_script() {
    # Dumps land in $work: scripts name them relatively.
    (cd "$work" && MLTOP_SCRIPT="$work/keys" COLUMNS="$2" LINES="$3" \
        "$MLTOP" --no-config -u "$1" >"$work/stdout" 2>"$work/stderr")
    status=$?
    if [ $status -ne 0 ]; then
        echo "not ok - mltop exited $status"
        cat "$work/stderr"
        exit 1
    fi
}

# A live script, for tests where the store changes between two script
# lines: the script is a FIFO, so mltop reads each line as it is sent.
# live_start STORE COLS LINES starts mltop on it in the background;
# live_send LINE... sends lines; live_dump NAME saves the screen to
# $work/NAME.screen and waits (60 s at most) until it is written whole;
# live_end closes the script (mltop quits at its end) and waits for it.
live_start() {
    mkfifo "$work/live-keys"
    (cd "$work" && MLTOP_SCRIPT="$work/live-keys" COLUMNS="$2" LINES="$3" \
        exec "$MLTOP" --no-config -u "$1" >"$work/stdout" 2>"$work/stderr") &
    live_pid=$!
    exec 3>"$work/live-keys"
}
live_send() {
    for l in "$@"; do printf '%s\n' "$l"; done >&3
}
# The second dump is written only once the first is whole.
live_dump() {
    live_send ":save-display $1.screen" ":save-display $1.done"
    i=0
    while [ ! -f "$work/$1.done" ]; do
        if ! kill -0 "$live_pid" 2>/dev/null || [ $i -ge 600 ]; then
            echo "not ok - mltop did not save $1 (exited or 60 s passed)"
            cat "$work/stderr"
            exit 1
        fi
        i=$((i + 1))
        sleep 0.1
    done
}
live_end() {
    exec 3>&-
    i=0
    while kill -0 "$live_pid" 2>/dev/null && [ $i -lt 600 ]; do
        i=$((i + 1))
        sleep 0.1
    done
    if kill -0 "$live_pid" 2>/dev/null; then
        kill "$live_pid"
        echo "not ok - mltop did not finish the script within 60 s"
        exit 1
    fi
    wait "$live_pid"
    status=$?
    if [ $status -ne 0 ]; then
        echo "not ok - mltop exited $status"
        cat "$work/stderr"
        exit 1
    fi
}

# expect NAME: compare $work/NAME.screen with expected/TEST-NAME.screen.
# MLTOP_SCREEN_UPDATE=1 writes the expected file instead (review the diff).
here=$(cd "$(dirname "$0")" && pwd)
expect() {
    checks=$((checks + 1))
    exp="$here/expected/$name-$1.screen"
    if [ "${MLTOP_SCREEN_UPDATE:-0}" = 1 ]; then
        mkdir -p "$here/expected"
        cp "$work/$1.screen" "$exp"
    fi
    if diff -u "$exp" "$work/$1.screen" >"$work/$1.diff"; then
        echo "ok $checks - $name: $1"
    else
        echo "not ok $checks - $name: $1"
        sed 's/^/# /' "$work/$1.diff"
        failures=$((failures + 1))
    fi
}

# expect_grep NAME PATTERN: the dump contains a line matching PATTERN.
expect_grep() {
    checks=$((checks + 1))
    if grep -q -- "$2" "$work/$1.screen"; then
        echo "ok $checks - $name: $1 shows /$2/"
    else
        echo "not ok $checks - $name: $1 lacks /$2/"
        sed 's/^/# /' "$work/$1.screen"
        failures=$((failures + 1))
    fi
}

expect_no_grep() {
    checks=$((checks + 1))
    if grep -q -- "$2" "$work/$1.screen"; then
        echo "not ok $checks - $name: $1 shows /$2/ but should not"
        sed 's/^/# /' "$work/$1.screen"
        failures=$((failures + 1))
    else
        echo "ok $checks - $name: $1 has no /$2/"
    fi
}

finish() {
    echo "1..$checks"
    [ $failures -eq 0 ]
}
