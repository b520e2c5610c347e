"""Serve every fixture flow as a deployment, in this one process (run
from .venv-prefect with PREFECT_API_URL set). Deployments, all tagged
mltop-test:

  mltop-ok/ok          n: int = 3
  mltop-ok/yearly      the same, on a cron schedule (Jan 1, 00:00 UTC)
                       that does not fire during a test run
  mltop-flaky/flaky    fails, then passes when that flow run is retried
  mltop-long/long      seconds: int = 90, a log line a second
  mltop-nested/nested  two subflows, 50 task runs
  mltop-mlflow/mlflow  tracking_uri: str, experiment: str
  mltop-hostile/hostile escape sequences, a 100 KB log line, unicode
"""
import os
import sys

# The names tools/prefect.sh waits for (`serve.py --names` prints them
# without importing Prefect, which takes seconds).
NAMES = ["mltop-ok/ok", "mltop-ok/yearly", "mltop-flaky/flaky",
         "mltop-long/long", "mltop-nested/nested", "mltop-mlflow/mlflow",
         "mltop-hostile/hostile"]

if __name__ == "__main__" and sys.argv[1:] == ["--names"]:
    print("\n".join(NAMES))
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from prefect import serve  # noqa: E402

from flaky import flaky  # noqa: E402
from hostile import hostile  # noqa: E402
from long import long  # noqa: E402
from mlflow_run import mlflow_flow  # noqa: E402
from nested import nested  # noqa: E402
from ok import ok  # noqa: E402

TAGS = ["mltop-test"]

DEPLOYMENTS = [
    ok.to_deployment(name="ok", tags=TAGS, description="three small tasks"),
    ok.to_deployment(name="yearly", tags=TAGS, cron="0 0 1 1 *",
                     description="mltop-ok on a schedule that does not fire"),
    flaky.to_deployment(name="flaky", tags=TAGS),
    long.to_deployment(name="long", tags=TAGS),
    nested.to_deployment(name="nested", tags=TAGS),
    mlflow_flow.to_deployment(name="mlflow", tags=TAGS),
    hostile.to_deployment(name="hostile", tags=TAGS),
]

if __name__ == "__main__":
    # At most 4 flow runs at once (each is a Python process of ~150 MB):
    # the machine has 2 cores.
    serve(*DEPLOYMENTS, limit=int(os.environ.get("MLTOP_TEST_PREFECT_LIMIT", "4")))
