#!/bin/sh
# Entry point of mltop's benchmark: runs bench/run.py with the project's venv.
# Usage: bench/run.sh [--reps N] [--client-reps N] [--server-reps N]
#        [--skip-mltop] [--skip-server] [--skip-million]
#        [--million-reps N] [--million-client-timeout S]
#        [--only wide|deep|million|server[,...]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
py=${BENCH_PYTHON:-$repo/.venv/bin/python}
if [ ! -x "$py" ]; then
    echo "bench: no python with mlflow at $py (create $repo/.venv or set BENCH_PYTHON)" >&2
    exit 1
fi
: "${MLTOP_BIN:=$repo/build/src/mltop}"
export MLTOP_BIN
exec "$py" "$here/run.py" "$@"
