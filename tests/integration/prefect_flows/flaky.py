"""mltop-flaky: fails on the first attempt of a flow run and passes when
that same flow run is retried (set to SCHEDULED/AwaitingRetry). The
marker is a file named by the flow run's id, in $MLTOP_TEST_PREFECT_STATE
(or a temporary directory), because a retry runs in a new process."""
import os
import tempfile

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run


def _state_dir() -> str:
    d = os.environ.get("MLTOP_TEST_PREFECT_STATE") or os.path.join(
        tempfile.gettempdir(), "mltop-prefect-state")
    os.makedirs(d, exist_ok=True)
    return d


@task
def attempt() -> int:
    marker = os.path.join(_state_dir(), f"flaky-{flow_run.id}")
    try:
        with open(marker) as f:
            count = int(f.read() or 0) + 1
    except FileNotFoundError:
        count = 1
    with open(marker, "w") as f:
        f.write(str(count))
    get_run_logger().info("mltop-flaky attempt %d", count)
    if count == 1:
        raise RuntimeError("mltop-flaky: first attempt fails on purpose")
    return count


@flow(name="mltop-flaky")
def flaky() -> int:
    return attempt()
