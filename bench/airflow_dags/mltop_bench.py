"""mltop's pipelines benchmark (bench/pipelines.sh): 200 DAGs of one long
task each (bench_000..bench_199; the benchmark unpauses and triggers 20 of
them, so 20 runs are running), and bench_wide, 50 tasks in 10 chains of 5
(one run of it is the "run of 50 tasks while it runs")."""
import time
from datetime import datetime

from airflow.sdk import chain, dag, task

N_DAGS = 200


def long_dag(i):
    # No schedule: only the runs the benchmark triggers exist.
    @dag(dag_id=f"bench_{i:03d}", schedule=None,
         start_date=datetime(2024, 1, 1), catchup=False,
         tags=["mltop-bench", f"group-{i % 10}"],
         default_args={"owner": "bench"})
    def d():
        @task
        def work():
            time.sleep(1800)

        work()

    return d()


for _i in range(N_DAGS):
    long_dag(_i)


@dag(dag_id="bench_wide", schedule=None, start_date=datetime(2024, 1, 1),
     catchup=False, tags=["mltop-bench"], default_args={"owner": "bench"})
def bench_wide():
    @task
    def step(n):
        time.sleep(20)
        return n

    for c in range(10):
        chain(*[step.override(task_id=f"c{c}_s{s}")(s) for s in range(5)])


bench_wide()
