"""Airflow DAG file — one DAG per dossier: every ``include/dossiers/*.yaml`` becomes ``gi_myunisoft_sync__<slug>``.

A broken config file is reported (log and warning naming the file and field) and never hides the others.
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

_configs, _errors = load_all(dossiers_dir())
for _name, _message in _errors.items():
    logging.getLogger(__name__).error("gisync: dossier config %s ignored: %s", _name, _message)
    warnings.warn(f"gisync: dossier config ignored: {_message}", UserWarning, stacklevel=1)
for _cfg in _configs:
    if _cfg.enabled:
        globals()[_cfg.dag_id] = build_dossier_dag(_cfg)
