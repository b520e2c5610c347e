#!/bin/sh
# man.sh: doc/mltop.1 is what tools/doc-gen makes of doc/mltop.1.in: the
# scripting commands, the key table and the settings come from the code's
# tables. When this fails, run `make update-man` and commit doc/mltop.1.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
gen="$top_builddir/tools/doc-gen"
tmp=$(mktemp "${TMPDIR:-/tmp}/mltop-man.XXXXXX") || exit 1
trap 'rm -f "$tmp"' EXIT
n=0
fails=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi; }

t "doc-gen fills doc/mltop.1.in" "'$gen' '$top_srcdir/doc/mltop.1.in' >'$tmp'"
t "no marker left" "! grep -q '^@@' '$tmp'"
t "doc/mltop.1 is up to date (make update-man)" \
    "diff -u '$top_srcdir/doc/mltop.1' '$tmp' >&2"
t "an unknown table is an error" \
    "! printf '@@NO_SUCH@@\n' | '$gen' /dev/stdin >/dev/null 2>&1"
echo "1..$n"
[ "$fails" -eq 0 ]
