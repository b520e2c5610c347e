"""mltop_wide_map: a task mapped over 1,000 items (the test marks the run
failed as soon as they exist, so they never all run). One instance at a
time at most, so a run left behind holds one executor slot, not all of
them, and the other tests' runs still get theirs."""
import time
from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     tags=["mltop-test"], default_args={"owner": "mltop"})
def mltop_wide_map():
    @task
    def items():
        return list(range(1000))

    @task(max_active_tis_per_dag=1)
    def slow(x):
        time.sleep(60)
        return x

    slow.expand(x=items())


mltop_wide_map()
