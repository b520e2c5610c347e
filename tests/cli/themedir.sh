#!/bin/sh
# themedir.sh: the binary in the build tree finds the source tree's themes
# through src/uninstalled-themedir; a copy of it elsewhere (as installed)
# does not, and holds no path of the source tree; MLTOP_THEMEDIR wins.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MLTOP="${MLTOP:-$top_builddir/src/mltop}"
n=0
fails=0
t() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=$((fails + 1)); fi; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mltop-themedir.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$MLTOP" --demo-create "$tmp/m.db" || exit 1
run() { "$@" --no-config -u "$tmp/m.db" experiments >/dev/null 2>"$tmp/err"; }

t "build tree: marker beside the binary" \
    "[ -f '$(dirname "$MLTOP")/uninstalled-themedir' ]"
for theme in light mono; do
    t "build tree: --theme $theme loads" \
        "run env -u MLTOP_THEMEDIR '$MLTOP' --theme $theme && [ ! -s '$tmp/err' ]"
done
t "binary holds no source-tree themes path" \
    "! grep -aq '$top_srcdir/themes' '$MLTOP'"
mkdir "$tmp/bin" "$tmp/themes" "$tmp/src-themes"
cp "$MLTOP" "$tmp/bin/mltop"
cp "$top_srcdir/themes/mono.theme" "$tmp/themes/only-here.theme"
cp "$top_srcdir/themes/mono.theme" "$tmp/src-themes/only-src.theme"
# A missing theme is reported, not fatal. Installed copy (no marker beside it): only $MLTOP_THEMEDIR, the user's
# themes and the installed ones; no name that only a source tree has.
t "installed copy: a source-tree theme is not found" \
    "run env -u MLTOP_THEMEDIR XDG_CONFIG_HOME='$tmp' '$tmp/bin/mltop' --theme only-src; grep -q \"theme 'only-src' not found\" '$tmp/err'"
t "installed copy: MLTOP_THEMEDIR" \
    "run env MLTOP_THEMEDIR='$tmp/themes' '$tmp/bin/mltop' --theme only-here && [ ! -s '$tmp/err' ]"
echo "$tmp/src-themes" >"$tmp/bin/uninstalled-themedir"
t "marker beside a binary names its themes" \
    "run env -u MLTOP_THEMEDIR XDG_CONFIG_HOME='$tmp' '$tmp/bin/mltop' --theme only-src && [ ! -s '$tmp/err' ]"
t "MLTOP_THEMEDIR before the marker" \
    "run env MLTOP_THEMEDIR='$tmp/themes' '$tmp/bin/mltop' --theme only-here && [ ! -s '$tmp/err' ]"
echo "1..$n"
[ "$fails" -eq 0 ]
