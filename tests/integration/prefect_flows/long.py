"""mltop-long: runs `seconds` seconds (90 by default), logging a line every
second, so that the tests can watch it run and cancel it."""
import time

from prefect import flow, get_run_logger, task


@task
def tick(i: int) -> int:
    return i


@flow(name="mltop-long")
def long(seconds: int = 90) -> int:
    log = get_run_logger()
    for i in range(seconds):
        log.info("mltop-long tick %d/%d", i + 1, seconds)
        if i % 15 == 0:
            tick(i)
        time.sleep(1)
    return seconds
