#!/bin/sh
# config_h_first.sh: every .c file includes autoconf's config.h before
# anything else, and no header named config.h exists under src/ or tests/
# to shadow it (a quoted include looks beside the including file first,
# so such a file would silently drop _GNU_SOURCE and the large-file
# defines for its neighbours).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
n=0
fails=0
t() { n=$((n + 1)); if [ "$2" = 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi; }

cd "$top_srcdir" || exit 1
shadow=$(find src tests fuzz -name config.h 2>/dev/null)
t "no config.h under src/, tests/ or fuzz/ ${shadow:+($shadow)}" \
    "$([ -z "$shadow" ]; echo $?)"
for f in $(find src tests fuzz -name '*.c' | LC_ALL=C sort); do
    first=$(grep -m1 '^[[:space:]]*#[[:space:]]*include' "$f")
    t "$f: config.h first" \
        "$([ "$first" = '#include "config.h"' ]; echo $?)"
done
echo "1..$n"
[ "$fails" -eq 0 ]
