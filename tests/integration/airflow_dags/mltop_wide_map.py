"""mltop_wide_map: a task mapped over 1,000 items (the test marks the run
failed as soon as they exist, so they never all run)."""
import time
from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     tags=["mltop-test"], default_args={"owner": "mltop"})
def mltop_wide_map():
    @task
    def items():
        return list(range(1000))

    @task
    def slow(x):
        time.sleep(300)
        return x

    slow.expand(x=items())


mltop_wide_map()
