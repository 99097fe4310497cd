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
    from gisync.ledger import default_url

    return default_url(var_dir())


def reports_dir() -> Path:
    return Path(os.environ.get("GISYNC_REPORTS_DIR", var_dir() / "reports"))
