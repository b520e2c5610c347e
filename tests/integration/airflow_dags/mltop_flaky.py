"""mltop_flaky: a task that fails on its first try and succeeds once
cleared (a second try), with a task downstream of it."""
from datetime import datetime

from airflow.sdk import dag, get_current_context, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     tags=["mltop-test"], default_args={"owner": "mltop", "retries": 0})
def mltop_flaky():
    @task
    def flaky():
        if get_current_context()["ti"].try_number == 1:
            raise RuntimeError("the first try fails, on purpose")
        print("a later try succeeds")

    @task
    def after():
        print("after")

    flaky() >> after()


mltop_flaky()
