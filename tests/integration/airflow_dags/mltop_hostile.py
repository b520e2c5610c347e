"""mltop_hostile: a log with colour codes, a title-setting escape, a
screen clear and a very long line: mltop must draw none of them raw."""
from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False,
     tags=["mltop-test"], default_args={"owner": "mltop"})
def mltop_hostile():
    @task
    def shout():
        print("\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b[2J cleared")
        print("x" * 20000)

    shout()


mltop_hostile()
