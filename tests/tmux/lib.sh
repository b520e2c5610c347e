# lib.sh: shared set-up for the tmux tests (sourced after setting `name`):
# a private tmux server, TAP counters, and polling the pane for text.
set -u
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MLTOP="${MLTOP:-$top_builddir/src/mltop}"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 77; }
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color
work=$(mktemp -d "${TMPDIR:-/tmp}/mltop-tmux-$name.XXXXXX")
# What mltop remembers (column choices) stays in the test's directory.
export XDG_STATE_HOME="$work/state"
sock="mltop-$name-$$"
# One server for the whole test: killing the last session must not stop
# it, or the next new-session races the old server's exit ("server
# exited unexpectedly" on a loaded machine). The server starts with the
# first new-session, so it gets the environment the test set up by then.
T() {
    if [ "$1" = new-session ]; then
        tmux -L "$sock" -f /dev/null "$@" \; set-option -g exit-empty off
    else
        tmux -L "$sock" -f /dev/null "$@"
    fi
}
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
    if wait_for "$2" 20; then ok "$1"; else nok "$1"; sed 's/^/# /' "$work/pane"; fi
}
