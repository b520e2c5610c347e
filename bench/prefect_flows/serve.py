"""The Prefect benchmark's flows, served as deployments in this one process
(run from .venv-prefect with PREFECT_API_URL set, by tools/prefect.sh's
prefect_wait). All tagged mltop-bench:

  bench-000/d .. bench-199/d   200 flows of one deployment each, made here
                               from one function; a run sleeps `seconds`
                               (600 by default), long enough to be running
                               for the whole benchmark
  bench-tasks/d                50 mapped task runs, done in a few seconds

At most 20 flow runs at once (MLTOP_BENCH_PREFECT_LIMIT): each is a Python
process of its own (spawned, ~150 MB), and the machine may have 2 cores.
"""
import os
import sys
import time

N_FLOWS, N_TASKS = 200, 50

# The names tools/prefect.sh waits for (`serve.py --names` prints them
# without importing Prefect, which takes seconds).
NAMES = ["bench-%03d/d" % i for i in range(N_FLOWS)] + ["bench-tasks/d"]

if __name__ == "__main__" and sys.argv[1:] == ["--names"]:
    print("\n".join(NAMES))
    sys.exit(0)

from prefect import flow, serve, task  # noqa: E402

TAGS = ["mltop-bench"]


def sleeper(seconds: int = 600) -> int:
    time.sleep(seconds)
    return seconds


# One function, 200 flows: each Flow wraps the same function under its own
# name. Flow runs are spawned processes that re-import this file and get
# the flow object by (cloud)pickle, so the list must be rebuilt on import.
FLOWS = [flow(name="bench-%03d" % i)(sleeper) for i in range(N_FLOWS)]


@task
def step(i: int) -> int:
    return i * i


@flow(name="bench-tasks")
def bench_tasks(n: int = N_TASKS) -> int:
    # n mapped task runs and nothing else in this flow run
    return sum(f.result() for f in step.map(range(n)))


if __name__ == "__main__":
    deployments = [f.to_deployment(name="d", tags=TAGS) for f in FLOWS]
    deployments.append(bench_tasks.to_deployment(name="d", tags=TAGS))
    serve(*deployments,
          limit=int(os.environ.get("MLTOP_BENCH_PREFECT_LIMIT", "20")))
