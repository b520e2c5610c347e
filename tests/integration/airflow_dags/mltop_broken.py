"""mltop_broken: a file Airflow cannot load (an import error)."""
import no_such_module_for_mltop_tests  # noqa: F401
