"""mltop_broken: a DAG file Airflow cannot load (an import error)."""
from airflow.sdk import dag  # noqa: F401  (Airflow parses files naming a dag)
import no_such_module_for_mltop_tests  # noqa: F401
