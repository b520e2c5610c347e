"""alert_writer.py: a training process as the alert tests need one, with
the real MLflow client: it starts a run in an experiment and logs `loss`
every INTERVAL seconds until stopped (SIGTERM ends the run FINISHED).
Prints the run id on its first line, then one line a point logged.

    python alert_writer.py TRACKING_URI EXPERIMENT_ID RUN_NAME INTERVAL
"""
import signal
import sys
import time

from mlflow import MlflowClient


def main():
    uri, exp, name, interval = sys.argv[1:5]
    client = MlflowClient(tracking_uri=uri)
    run = client.create_run(exp, run_name=name).info.run_id
    print(run, flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    step = 0
    while not stop:
        client.log_metric(run, "loss", 1.0 / (step + 1), step=step)
        print(step, flush=True)
        step += 1
        time.sleep(float(interval))
    client.set_terminated(run, "FINISHED")


if __name__ == "__main__":
    main()
