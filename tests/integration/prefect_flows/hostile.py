"""mltop-hostile: log lines with terminal escape sequences and one of
100 KB, from a task whose name is not ASCII; it succeeds. mltop must show
all of it without letting the terminal act on it."""
from prefect import flow, get_run_logger, task


@task(name="tâche-ünïcode-✓-任务")
def hostile_task() -> int:
    log = get_run_logger()
    log.info("title \x1b]0;pwned\x07 and clear \x1b[2J and red \x1b[31mRED\x1b[0m")
    log.info("bell \x07 backspace \x08 carriage \r return, tab\tend")
    log.info("long " + "x" * 100_000)
    log.info("ünïcode ✓ 任务 🚀")
    return 1


@flow(name="mltop-hostile")
def hostile() -> int:
    return hostile_task()
