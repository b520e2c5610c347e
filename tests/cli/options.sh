#!/bin/sh
# options.sh: command-line errors as a user meets them: one line that
# names the option once (not "--refresh: refresh: ...") and the program as
# "mltop", not its path; an option that means nothing to the command (or
# to the dashboard) refused with exit 1 instead of ignored.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
mltop="$top_builddir/src/mltop"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mltop-options.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$mltop" --demo-create "$tmp/demo.db" || exit 1
n=0
fails=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi; }
run() { "$mltop" --no-config "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }

run --refresh 0
t "--refresh 0: exit 1" "[ \$(cat '$tmp/rc') = 1 ]"
t "--refresh 0: the flag named once" \
    "grep -qx 'mltop: --refresh: 0 is out of range (0.1 to 3600 seconds)' '$tmp/err'"
run --nosuch
t "unknown option: exit 1" "[ \$(cat '$tmp/rc') = 1 ]"
t "unknown option: named by mltop, not a path" \
    "grep -qx \"mltop: unrecognized option '--nosuch'\" '$tmp/err'"
run -u "$tmp/demo.db" experiments --diff
t "--diff to experiments: exit 1, nothing printed" \
    "[ \$(cat '$tmp/rc') = 1 ] && [ ! -s '$tmp/out' ]"
t "--diff to experiments: says so" \
    "grep -q 'mltop: --diff means nothing to .mltop experiments.' '$tmp/err'"
run -u "$tmp/demo.db" models --experiment Default
t "--experiment to models: refused" \
    "[ \$(cat '$tmp/rc') = 1 ] && grep -q -- '--experiment means nothing' '$tmp/err'"
run -u "$tmp/demo.db" --json
t "--json without a command: refused" \
    "[ \$(cat '$tmp/rc') = 1 ] && grep -q -- '--json means nothing to the dashboard' '$tmp/err'"
run -u "$tmp/demo.db" runs -e cifar10-resnet --json --all
t "options a command reads still work" \
    "[ \$(cat '$tmp/rc') = 0 ] && grep -q '\"runs\"' '$tmp/out'"
echo "1..$n"
[ "$fails" -eq 0 ]
