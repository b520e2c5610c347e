#!/bin/sh
# prefect.sh: the Prefect pipelines benchmark. Starts one `prefect server`
# (tools/prefect.sh: the pinned version in .venv-prefect, 127.0.0.1, a free
# port) serving bench/prefect_flows/serve.py (200 flows of one deployment
# each, and one of 50 mapped tasks), runs bench/prefect.py against it, and
# stops the server, the serving process and every flow run they started
# whatever happens. About 4-5 minutes on two cores.
#
#   bench/prefect.sh [MLTOP] [--polls N] [--window SECONDS]
#
# MLTOP: the binary (default $MLTOP_BIN, else build/src/mltop); it is not
# built here.
set -u
mltop=${MLTOP_BIN:-}
case ${1:-} in
    ''|-*) ;;
    *) mltop=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); shift ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.." || exit 1
: "${mltop:=$(pwd)/build/src/mltop}"
[ -x "$mltop" ] || { echo "no mltop binary at $mltop" >&2; exit 1; }
MLTOP_BIN=$mltop
export MLTOP_BIN
. tools/prefect.sh
prefect_install
# prefect_wait lists flows and deployments without paging, and the server
# answers an unpaged filter with its default page (200): with 201 of each,
# it would wait for ever. The default (which is also the largest page a
# request may ask for) is raised for this server alone; mltop asks for 200
# a page whatever the server allows, so its traffic is what it is against
# a stock server.
PREFECT_SERVER_API_DEFAULT_LIMIT=1000
export PREFECT_SERVER_API_DEFAULT_LIMIT
trap prefect_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
t0=$(date +%s)
prefect_start
prefect_wait "$(pwd)/bench/prefect_flows/serve.py" || exit 1
echo "server up and 201 deployments served in $(( $(date +%s) - t0 )) s"
python3 -u bench/prefect.py "$@"
