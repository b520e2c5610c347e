"""mltop_ok: three tasks in a chain that succeed quickly."""
from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     tags=["mltop-test"], default_args={"owner": "mltop"})
def mltop_ok():
    @task
    def prep():
        print("prep")
        return 1

    @task
    def train(x):
        print("train", x)
        return x + 1

    @task
    def evaluate(x):
        print("evaluate", x)

    evaluate(train(prep()))


mltop_ok()
