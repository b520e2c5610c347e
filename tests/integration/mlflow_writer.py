# mlflow_writer.py: a training loop for test_concurrent.py. Logs metric
# "echo" with value == step, one log_metric call per step, into a RUNNING
# run, and counts every exception the MLflow client raises meanwhile.
#
# Protocol on stdio: prints "READY <run_id>" once the run exists with step 0
# logged, waits for a line on stdin, logs for SECONDS, then prints one line
# "DONE <json>" with last_step, errors, calls, error samples and the
# slowest call in seconds.
import json
import sys
import time

import mlflow


def main(argv):
    if len(argv) != 4:
        print("usage: mlflow_writer.py TRACKING_URI EXPERIMENT SECONDS",
              file=sys.stderr)
        return 1
    uri, name, seconds = argv[1], argv[2], float(argv[3])
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(name)
    run = mlflow.start_run(run_name="echo-run")
    mlflow.log_metric("echo", 0.0, step=0)
    print("READY", run.info.run_id, flush=True)
    sys.stdin.readline()

    errors, samples, calls, last, slowest = 0, [], 0, 0, 0.0
    step = 1
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        calls += 1
        t = time.monotonic()
        try:
            mlflow.log_metric("echo", float(step), step=step)
            last = step
        except Exception as e:  # every failure counts, whatever its kind
            errors += 1
            if len(samples) < 5:
                samples.append(f"step {step}: {type(e).__name__}: {e}")
        # A reader holding a lock stalls the loop rather than failing it.
        slowest = max(slowest, time.monotonic() - t)
        step += 1
    print("DONE", json.dumps({"last_step": last, "errors": errors,
                              "calls": calls, "samples": samples,
                              "slowest_call": slowest}),
          flush=True)
    # The run stays RUNNING until the test has read the screen and says
    # so (another line, or EOF on stdin).
    sys.stdin.readline()
    try:
        mlflow.end_run()
    except Exception as e:
        print(f"end_run failed: {e}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
