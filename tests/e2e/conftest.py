"""Real DAG runs (``dag.test()``) of the demo dossier against both simulators over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gisync.simulator import demo_firm
from gisync.simulator.gi.app import create_app as create_gi
from gisync.simulator.local import DEMO_GI_TOKEN, DEMO_SECRET, DEMO_TOKEN, LocalSimulators
from gisync.simulator.myunisoft.app import create_app as create_myunisoft
from gisync.simulator.myunisoft.default_state import default_state
from gisync.simulator.server import start_background

from harness import Simulators


@pytest.fixture(scope="session")
def airflow_db() -> None:
    from airflow.utils import db

    db.resetdb()


@pytest.fixture(scope="session")
def simulators() -> Iterator[Simulators]:
    dataset = demo_firm.generate()
    mu = start_background(
        create_myunisoft(
            default_state(extra_accounts=demo_firm.myunisoft_accounts(dataset)),
            token=DEMO_TOKEN,
            secret=DEMO_SECRET,
            rate_limit=100_000,
        )
    )
    gi = start_background(create_gi(dataset, token=DEMO_GI_TOKEN))
    yield Simulators(mu.url, gi.url)
    mu.stop()
    gi.stop()


@pytest.fixture
def sync_env(simulators: Simulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Simulators:
    """Fresh simulator state, an empty sync-state DB and a reports folder for each test."""
    requests.post(simulators.myunisoft + "/_sim/reset", timeout=10).raise_for_status()
    sims = LocalSimulators(simulators.myunisoft, simulators.gi)
    for key, value in sims.connections_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GISYNC_STATE_DB", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("GISYNC_REPORTS_DIR", str(tmp_path / "reports"))
    return simulators
