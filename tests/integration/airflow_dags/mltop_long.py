"""mltop_long: one task that runs a minute, a log line a second."""
import time
from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     tags=["mltop-test"], default_args={"owner": "mltop"})
def mltop_long():
    @task
    def long():
        for i in range(60):
            print(f"tick {i}", flush=True)
            time.sleep(1)

    long()


mltop_long()
