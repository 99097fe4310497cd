"""Airflow DAG file — one DAG per dossier: every ``include/dossiers/*.yaml`` becomes ``gi_myunisoft_sync__<slug>``.

A broken config file never hides the others (B23): its DAG alone is missing. Airflow marks every DAG of
a file stale when that file has an import error, so this file never raises: it logs the broken config
(ERROR line and ``UserWarning`` in this file's parse log), and ``gisync_config_errors.py``, a file with
no DAG, raises the import error that the Airflow UI shows, naming the dossier and the field at fault.
Should Airflow still refuse a dossier the config checks let through, that dossier alone is skipped and
logged the same way.

When a worker parses this file to run one task, Airflow's parsing context names the DAG: only that
dossier's DAG is built (the dag-processor, with no context, builds them all).
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

from airflow.sdk import get_parsing_context

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
_only = get_parsing_context().dag_id
if _only is None:
    for _name, _message in _errors.items():
        _report_broken(_name, _message)
for _cfg in _configs:
    if _cfg.enabled and _only in (None, _cfg.dag_id):
        try:
            globals()[_cfg.dag_id] = build_dossier_dag(_cfg)
        except Exception as _exc:  # a config the checks let through but Airflow refuses: only this dossier
            _report_broken(f"of {_cfg.slug}", f"{_cfg.slug}: Airflow refuse ce dossier ({type(_exc).__name__}: {_exc})")
