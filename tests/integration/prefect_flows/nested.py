"""mltop-nested: a parent flow with two subflows and 50 tasks in all
(three mapped sets among them); done in a few seconds. The parent also
has one task run for each subflow (its state_details.child_flow_run_id
names the subflow's flow run): 52 task runs in all, 8 of them in the
parent's own flow run."""
from prefect import flow, task


@task
def prepare(n: int) -> list:
    return list(range(n))


@task
def square(x: int) -> int:
    return x * x


@task
def add_one(x: int) -> int:
    return x + 1


@task
def total(xs: list) -> int:
    return sum(xs)


@flow(name="mltop-nested-features")
def features(n: int = 20) -> int:
    # 1 + 20 + 1 = 22 task runs
    xs = prepare(n)
    squares = square.map(xs)
    return total(squares)


@flow(name="mltop-nested-train")
def train(n: int = 20) -> int:
    # 1 + 20 + 1 = 22 task runs
    xs = prepare(n)
    plus = add_one.map(xs)
    return total(plus)


@flow(name="mltop-nested")
def nested() -> int:
    # 22 + 22 in the subflows, 6 here: 50
    a = features(20)
    b = train(20)
    c = add_one(a)
    d = add_one(b)
    extra = add_one.map([0, 1, 2])
    return total([c, d] + [e.result() for e in extra])
