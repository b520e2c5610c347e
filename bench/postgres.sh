#!/bin/sh
# postgres.sh: the PostgreSQL benchmark. bench/postgres.py starts a
# PostgreSQL cluster of its own (Debian's server, a temp dir, a free port)
# with a real `mlflow server` on it, fills one experiment with 100,001
# runs, measures mltop and the MLflow client against it, and stops both
# whatever happens. About 3 minutes on two cores.
#
#   bench/postgres.sh [--runs N] [--reps N] [--client-timeout S]
#
# The binary is $MLTOP_BIN, else build/src/mltop; it is not built here.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.." || exit 1
: "${MLTOP_BIN:=$(pwd)/build/src/mltop}"
[ -x "$MLTOP_BIN" ] || { echo "no mltop binary at $MLTOP_BIN" >&2; exit 1; }
export MLTOP_BIN
exec .venv/bin/python bench/postgres.py "$@"
