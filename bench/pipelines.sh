#!/bin/sh
# pipelines.sh: the pipelines benchmark. Starts one `airflow standalone`
# (tools/airflow.sh) with bench/airflow_dags (200 DAGs and one of 50
# tasks), runs bench/pipelines.py against it with the binary in MLTOP_BIN
# (default build/src/mltop), and stops Airflow whatever happens. About 3-5
# minutes on two cores, most of it Airflow starting and parsing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.." || exit 1
: "${MLTOP_BIN:=$(pwd)/build/src/mltop}"
export MLTOP_BIN
. tools/airflow.sh
airflow_install
# 20 long tasks and a run of bench_wide at once.
AIRFLOW__CORE__PARALLELISM=32
export AIRFLOW__CORE__PARALLELISM
airflow_start bench/airflow_dags
trap airflow_stop EXIT INT TERM
airflow_wait || exit 1
.venv/bin/python -u bench/pipelines.py "$@"
