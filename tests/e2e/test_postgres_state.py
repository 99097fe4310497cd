"""The demo DAG with its sync-state DB on PostgreSQL (production's choice): created once, rerun posts nothing."""

from __future__ import annotations

import pytest

import pgtest
from harness import Simulators, run_dag

pytestmark = pytest.mark.e2e


def test_real_run_and_rerun_on_postgres(
    airflow_db: None, sync_env: Simulators, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pgtest.schema_url() as url:
        monkeypatch.setenv("GISYNC_STATE_DB", url)
        _, first = run_dag()
        _, second = run_dag()
    assert first["summary"]["created"] > 300 and first["summary"]["incomplete_steps"] == []
    assert second["summary"]["created"] == 0
    assert second["summary"]["already_synced"] == first["summary"]["created"]
    entries = sync_env.entries()
    assert len(entries) == first["summary"]["created"] == len({e["entry_origin_partner_id"] for e in entries})
