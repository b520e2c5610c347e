# mlflow_registry.py: registry content made and read back by whatever
# MLflow the interpreter has, as `python mlflow_registry.py URI OPS_JSON`,
# so a store of an old release (2.x in .venv-mlflow2) is written and read
# only by that release. OPS_JSON is a list of [op, args...]; prints the
# list of their results as JSON.
#
#   ["make", label, n, stages, aliases]  -> model name (versions 1..n, each
#                                           from a run of its own)
#   ["snapshot", name]                    -> aliases, tags, versions
#   ["times", name]                       -> [model time, {version: time}]
#   ["transition", name, v, stage, archive_existing]
#   ["set_alias", name, alias, v]
#   ["set_tag", name, key, value]
#   ["version"]                           -> mlflow.__version__
import json
import sys
import uuid
import warnings

import mlflow
from mlflow import MlflowClient


def make(c, label, n, stages, aliases):
    name = f"{label}-{uuid.uuid4().hex[:8]}"
    exp = c.create_experiment(f"registry runs {uuid.uuid4().hex[:6]}")
    c.create_registered_model(name, description="a model")
    for i in range(n):
        rid = c.create_run(exp, run_name=f"{label}-train-{i + 1}").info.run_id
        c.log_metric(rid, "val_acc", 0.80 + 0.01 * i)
        c.set_terminated(rid)
        mv = c.create_model_version(name, f"runs:/{rid}/model", run_id=rid,
                                    description=f"version {i + 1}")
        assert int(mv.version) == i + 1, mv.version
    for v, stage in (stages or {}).items():
        c.transition_model_version_stage(name, v, stage)
    for alias, v in (aliases or {}).items():
        c.set_registered_model_alias(name, alias, v)
    return name


def snapshot(c, name):
    rm = c.get_registered_model(name)
    versions = [c.get_model_version(name, v.version) for v in
                c.search_model_versions(f"name='{name}'")]
    return {
        "aliases": {a: int(v) for a, v in rm.aliases.items()},
        "tags": dict(rm.tags),
        "description": rm.description or "",
        "versions": {str(int(v.version)): {
            "stage": v.current_stage,
            "tags": dict(v.tags),
            "description": v.description or "",
            "aliases": sorted(v.aliases),
        } for v in versions},
    }


def times(c, name):
    rm = c.get_registered_model(name)
    return [rm.last_updated_timestamp,
            {str(int(v.version)): v.last_updated_timestamp
             for v in c.search_model_versions(f"name='{name}'")}]


def main(argv):
    if len(argv) != 3:
        print("usage: mlflow_registry.py URI OPS_JSON", file=sys.stderr)
        return 1
    uri, ops = argv[1], json.loads(argv[2])
    c = MlflowClient(tracking_uri=uri, registry_uri=uri)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for op, *args in ops:
            if op == "make":
                out.append(make(c, *args))
            elif op == "snapshot":
                out.append(snapshot(c, *args))
            elif op == "times":
                out.append(times(c, *args))
            elif op == "transition":
                name, v, stage, archive = args
                c.transition_model_version_stage(
                    name, v, stage, archive_existing_versions=archive)
                out.append(None)
            elif op == "set_alias":
                c.set_registered_model_alias(*args)
                out.append(None)
            elif op == "set_tag":
                c.set_registered_model_tag(*args)
                out.append(None)
            elif op == "version":
                out.append(mlflow.__version__)
            else:
                raise SystemExit(f"unknown op {op!r}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
