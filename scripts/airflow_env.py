"""The environment every local Airflow command of this repo runs with (demo, ``make up``, tests)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def airflow_env(airflow_home: Path, var_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of os.environ set up for a local Airflow under ``airflow_home`` (SQLite, no examples)."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    secret_file = airflow_home / ".jwt_secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(64))
    secret_file.chmod(0o600)  # signs every API token: readable by this user only
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    env.update(
        {
            "PATH": venv_bin + os.pathsep + env.get("PATH", ""),
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secret_file.read_text().strip(),
            "PYTHONPATH": os.pathsep.join(str(REPO / p) for p in ("include", "plugins", "dags")),
            "GISYNC_VAR": str(var_dir),
        }
    )
    env.update(extra or {})
    return env
