"""The sync-state DB on SQLite and PostgreSQL: write-ahead states, outcomes, snapshots, the load lock."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from gisync.errors import ConfigError
from gisync.ledger import Base, Ledger

import pgtest


@pytest.fixture(params=["sqlite", "postgres"])
def ledger(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[Ledger]:
    if request.param == "sqlite":
        yield Ledger(f"sqlite:///{tmp_path}/state.db")
        return
    with pgtest.schema_url() as url:
        led = Ledger(url)
        yield led
        led.engine.dispose()


def test_state_machine_and_outcomes(ledger: Ledger) -> None:
    ledger.set_state("d1", "GI-d1-INV-1", state="sending", kind="INV", gi_id="1", number="FA1", content_hash="h")
    row = ledger.documents("d1")["GI-d1-INV-1"]
    assert (row.state, row.attempts) == ("sending", 1)
    ledger.set_state("d1", "GI-d1-INV-1", state="synced", entry_id=42)
    row = ledger.documents("d1")["GI-d1-INV-1"]
    assert (row.state, row.entry_id, row.content_hash) == ("synced", 42, "h")
    assert ledger.documents("d2") == {}
    ledger.record_outcome("d1:r1", partner_id="GI-d1-INV-1", kind="INV", gi_id="1", outcome="held", reason_code="x")
    ledger.record_outcome(
        "d1:r1", partner_id="GI-d1-INV-1", kind="INV", gi_id="1", outcome="created", entry_id=42,
        payload={"debit": Decimal("12.30")},
    )  # fmt: skip
    outcomes = ledger.outcomes("d1:r1")
    assert [(o["state"], o["entry_id"]) for o in outcomes] == [("created", 42)]
    assert outcomes[0]["payload"] == {"debit": Decimal("12.30")}


def test_snapshots_keep_decimals(ledger: Ledger) -> None:
    ledger.put_snapshot("d1:r1", "gi", {"invoices": [{"total_ttc": Decimal("0.10")}]})
    assert ledger.get_snapshot("d1:r1", "gi") == {"invoices": [{"total_ttc": Decimal("0.10")}]}
    assert ledger.has_snapshot("d1:r1", "gi") and not ledger.has_snapshot("d1:r2", "gi")
    with pytest.raises(ConfigError, match="no myunisoft data"):
        ledger.get_snapshot("d1:r1", "myunisoft")


def test_one_load_per_dossier(ledger: Ledger) -> None:
    ledger.acquire_lock("d1", "d1:run-a")
    ledger.acquire_lock("d1", "d1:run-a")  # re-entrant for the same run
    with pytest.raises(ConfigError, match="dossier d1 already syncing"):
        ledger.acquire_lock("d1", "d1:run-b")
    ledger.acquire_lock("d2", "d2:run-b")  # other dossiers are independent
    ledger.release_lock("d1", "d1:run-a")
    ledger.acquire_lock("d1", "d1:run-b")


def test_tables_created() -> None:
    assert {
        "document_state",
        "run_document",
        "run_snapshot",
        "run_check",
        "third_party_account",
        "dossier_lock",
    } <= set(Base.metadata.tables)


def test_a_dead_runs_lock_lapses_and_a_live_one_does_not(ledger: Ledger) -> None:
    import datetime as dt

    ledger.acquire_lock("d1", "d1:dead")
    with pytest.raises(ConfigError, match=r"lapses at"):
        ledger.acquire_lock("d1", "d1:next")
    ledger.acquire_lock("d1", "d1:next", stale_after=dt.timedelta(seconds=0))  # the dead run's lock is taken over
    ledger.heartbeat("d1", "d1:next")
    with pytest.raises(ConfigError, match="already syncing"):
        ledger.acquire_lock("d1", "d1:third")
