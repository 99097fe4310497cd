"""Broken dossier configs as an Airflow DAG import error (B23). This file defines no DAG.

Airflow shows a file's import error in its UI ("Dag Import Errors") but also marks every DAG of that
file stale, so the dossier DAGs (``gi_myunisoft_sync.py``) cannot carry it: this separate file raises,
naming each broken ``include/dossiers/*.yaml``, the field and the fix, while the valid dossiers' DAGs
load and run. With every config valid it imports cleanly and the error disappears at the next parse.
"""

# Airflow's dag-processor only parses files whose text contains "airflow" and "dag" (safe mode): the
# docstring above has both, keep them (tests/dags/test_dagbag.py parses the folder to check).
from __future__ import annotations

import sys
from pathlib import Path

_INCLUDE = str(Path(__file__).resolve().parents[1] / "include")
if _INCLUDE not in sys.path:
    sys.path.insert(0, _INCLUDE)

from gisync.config import load_all  # noqa: E402
from gisync.errors import ConfigError  # noqa: E402
from gisync_dags.paths import dossiers_dir  # noqa: E402

_broken = load_all(dossiers_dir())[1]
if _broken:
    raise ConfigError(
        f"{len(_broken)} dossier config(s) invalide(s), their DAGs are not loaded (the other dossiers run): "
        + " | ".join(_broken[name] for name in sorted(_broken))
    )
