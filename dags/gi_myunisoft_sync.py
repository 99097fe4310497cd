"""Airflow DAG file — one DAG per dossier: every ``include/dossiers/*.yaml`` becomes ``gi_myunisoft_sync__<slug>``.

A broken config file never hides the others (B23): its DAG alone is missing, and the file is named with
the field at fault in an ERROR line and a ``UserWarning`` of this file's parse. Airflow 3.3 keeps that
warning in ``DagBag.captured_warnings`` and the dag-processor writes both to this file's parse log
(``$AIRFLOW_HOME/logs/dag_processor/latest/<bundle>/gi_myunisoft_sync.py.log``); it has no way for a DAG
file to show a non-fatal problem in the UI (apache/airflow#29275). Raising instead would be an import
error in the UI, but Airflow then drops every DAG of this file.
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

# include/ holds the gisync package; the Makefile and compose put it on PYTHONPATH, this covers the rest.
_INCLUDE = str(Path(__file__).resolve().parents[1] / "include")
if _INCLUDE not in sys.path:
    sys.path.insert(0, _INCLUDE)

from gisync.config import load_all  # noqa: E402
from gisync_dags.factory import build_dossier_dag  # noqa: E402
from gisync_dags.paths import dossiers_dir  # noqa: E402


def _report_broken(name: str, message: str) -> None:
    """One ERROR line and one warning of this file's parse, naming the config file and the field."""
    text = f"gisync: dossier config {name} ignored, its DAG is not loaded: {message}"
    logging.getLogger("gisync.dags").error("%s", text)
    # "always": a warnings filter (once, ignore, error) must neither hide it nor make it fail the file.
    with warnings.catch_warnings():
        warnings.simplefilter("always", UserWarning)
        warnings.warn(text, UserWarning, stacklevel=2)


_configs, _errors = load_all(dossiers_dir())
for _name, _message in _errors.items():
    _report_broken(_name, _message)
for _cfg in _configs:
    if _cfg.enabled:
        globals()[_cfg.dag_id] = build_dossier_dag(_cfg)
