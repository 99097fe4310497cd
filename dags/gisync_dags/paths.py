"""Where the project's folders are, overridable by environment (tests, docker-compose)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def dossiers_dir() -> Path:
    return Path(os.environ.get("GISYNC_DOSSIERS_DIR", REPO / "include" / "dossiers"))


def var_dir() -> Path:
    return Path(os.environ.get("GISYNC_VAR", REPO / "var"))


def state_db_url() -> str:
    url = os.environ.get("GISYNC_STATE_DB")
    if url:
        return url
    path = var_dir() / "state" / "gisync.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def reports_dir() -> Path:
    return Path(os.environ.get("GISYNC_REPORTS_DIR", var_dir() / "reports"))
