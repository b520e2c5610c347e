"""mltop-ok: three small tasks in order; always succeeds."""
from prefect import flow, task


@task
def extract(n: int) -> list:
    return list(range(n))


@task
def transform(xs: list) -> list:
    return [x * 2 for x in xs]


@task
def load(xs: list) -> int:
    return sum(xs)


@flow(name="mltop-ok", log_prints=True)
def ok(n: int = 3) -> int:
    total = load(transform(extract(n)))
    print(f"mltop-ok total {total}")
    return total
