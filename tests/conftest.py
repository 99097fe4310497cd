"""Test-wide setup: a private Airflow home and dossier folder, set before Airflow is imported."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_TMP = Path(tempfile.mkdtemp(prefix="gisync-tests-"))


def pytest_configure(config: object) -> None:
    dossiers = _TMP / "dossiers"
    dossiers.mkdir(exist_ok=True)
    shutil.copy(REPO / "include" / "dossiers" / "demo.yaml", dossiers / "demo.yaml")
    os.environ.update(
        {
            "AIRFLOW_HOME": str(_TMP / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "GISYNC_DOSSIERS_DIR": str(dossiers),
            "GISYNC_VAR": str(_TMP / "var"),
            # a full-length signing key for the test API (a short generated one only draws warnings)
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
        }
    )


def pytest_unconfigure(config: object) -> None:
    shutil.rmtree(_TMP, ignore_errors=True)
