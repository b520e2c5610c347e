#!/bin/sh
# docs.sh: the man page documents every action with its default keys and
# every setting, as declared in src/ui/actions.h and src/config/options.h,
# and --help lists every setting.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MLTOP="${MLTOP:-$top_builddir/src/mltop}"
man="$top_srcdir/doc/mltop.1"
n=0
fails=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi; }

# X(ID, "name", "keys", ...) rows of the action table.
sed -n 's/^[[:space:]]*X([A-Z_]*, "\([a-z-]*\)", "\([^"]*\)".*/\1	\2/p' \
    "$top_srcdir/src/ui/actions.h" >actions.$$
t "action table parsed" "[ \$(wc -l <actions.$$) -ge 20 ]"
while IFS='	' read -r act keys; do
    t "man page: $act with keys $keys" "grep -q \"^$act	$keys	\" '$man'"
done <actions.$$
rm -f actions.$$
sed -n 's/^[[:space:]]*X([A-Z_]*, "\([a-z-]*\)", OPT_.*/\1/p' \
    "$top_srcdir/src/config/options.h" >options.$$
t "options table parsed" "[ \$(wc -l <options.$$) -ge 8 ]"
"$MLTOP" --help >help.$$
while read -r opt; do
    t "man page: setting $opt" "grep -q '^.B $opt\$' '$man'"
    t "--help: setting $opt" "grep -q '^  $opt ' help.$$"
done <options.$$
rm -f options.$$ help.$$
# Every colour slot has a line in each theme and a word in the man page.
sed -n 's/^[[:space:]]*X([A-Z_]*, "\([a-z-]*\)", ".*/\1/p' \
    "$top_srcdir/src/ui/theme.h" >slots.$$
t "slot table parsed" "[ \$(wc -l <slots.$$) -ge 25 ]"
while read -r slot; do
    for theme in dark light mono; do
        t "theme $theme: color $slot" \
            "grep -q '^color $slot ' '$top_srcdir/themes/$theme.theme'"
    done
    t "man page: slot $slot" "grep -q '$slot[,.]' '$man'"
done <slots.$$
rm -f slots.$$
echo "1..$n"
[ "$fails" -eq 0 ]
