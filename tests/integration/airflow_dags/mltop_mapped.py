"""mltop_mapped: a task mapped over 50 items, and a reduce."""
from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     tags=["mltop-test"], default_args={"owner": "mltop"})
def mltop_mapped():
    @task
    def items():
        return list(range(50))

    @task
    def square(x):
        return x * x

    @task
    def total(xs):
        print(sum(xs))

    total(square.expand(x=items()))


mltop_mapped()
