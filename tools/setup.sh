#!/bin/sh
# setup.sh: install what a fresh Debian machine lacks, then build mltop in
# build/. Safe to run again: it installs and configures only what is missing.
set -eu
cd "$(dirname "$0")/.."

pkgs="build-essential autoconf automake pkg-config libncurses-dev
libsqlite3-dev libcurl4-openssl-dev libjansson-dev libpcre2-dev
ncurses-term tmux python3 python3-venv sqlite3 curl procps clang"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing:$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi

[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p build
cd build
# Warnings are errors here; a build/ configured without that is redone.
grep -q -e '--enable-werror' config.status 2>/dev/null ||
    ../configure -q --enable-werror
make -j"$(nproc)" -s >/dev/null
echo "setup: built $(pwd)/src/mltop"
