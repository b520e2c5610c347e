#!/bin/sh
# alerts.sh: what checking the alert rules costs each refresh, on models
# of 10,000, 100,000 and a million runs (bench/alert_check.c), built
# against build/src/libmltop.a (tools/setup.sh builds it). Prints figures;
# asserts nothing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
build=${BUILD:-$repo/build}
out=$here/out
mkdir -p "$out"
libs=$(sed -n 's/^LIBS = //p; s/^CURSES_LIBS = //p; s/^SQLITE_LIBS = //p; s/^CURL_LIBS = //p; s/^JANSSON_LIBS = //p; s/^PCRE2_LIBS = //p' "$build/Makefile" | tr '\n' ' ')
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$build" -I"$repo/src" \
    -o "$out/alert_check" "$here/alert_check.c" "$build/src/libmltop.a" \
    $libs -lm
for n in 10000 100000 1000000; do
    "$out/alert_check" "$n"
    echo
done
