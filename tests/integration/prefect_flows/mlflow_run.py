"""mltop-mlflow: logs one MLflow run to `tracking_uri`, tagged with the
Prefect flow run and task run that made it (prefect.flow_run_id,
prefect.task_run_id), and a metric. (The file is not named mlflow.py,
which would shadow the package.)"""
import mlflow
from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run, task_run


@task
def log_mlflow_run(tracking_uri: str, experiment: str) -> str:
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=f"prefect-{flow_run.name}") as run:
        mlflow.set_tags({
            "prefect.flow_run_id": str(flow_run.id),
            "prefect.task_run_id": str(task_run.id),
        })
        mlflow.log_param("source", "mltop-mlflow")
        for step in range(3):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    get_run_logger().info("mlflow run %s", run.info.run_id)
    return run.info.run_id


@flow(name="mltop-mlflow")
def mlflow_flow(tracking_uri: str, experiment: str = "mltop-prefect") -> str:
    return log_mlflow_run(tracking_uri, experiment)
