"""gisync.status: the dicts the status page shows, from a SQLite ledger filled through the Ledger API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from gisync import status
from gisync.ledger import Ledger, RunRecord


def _doc(ledger: Ledger, key: str, n: int, outcome: str, reason: str = "", message: str = "") -> None:
    ledger.record_outcome(
        key,
        partner_id=f"inv:{n}",
        kind="invoice",
        gi_id=str(n),
        number=f"F{n:04d}",
        journal="VT",
        outcome=outcome,
        reason_code=reason,
        message=message,
        entry_id=n if outcome == "created" else None,
        payload={"entry_list": []} if outcome in ("created", "held") else None,
    )


def _run(ledger: Ledger, dossier: str, run_id: str, minutes: int, summary: dict[str, Any] | None = None) -> str:
    key = f"{dossier}:{run_id}"
    ledger.start_run(key, dossier, run_id, "sync")
    with ledger.session() as s:  # deterministic start times (order of the history)
        s.get(RunRecord, key).started_at = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    if summary is not None:
        ledger.finish_run(key, summary)
    return key


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    led = Ledger(f"sqlite:///{tmp_path / 'state.db'}")
    # dossier "alpha": an old green run, then a red one
    old = _run(led, "alpha", "manual__old", 0, {"unbalanced": 0, "incomplete_steps": []})
    _doc(led, old, 1, "created")
    new = _run(led, "alpha", "manual__new", 10, {"unbalanced": 0, "incomplete_steps": []})
    for n in (1, 2):
        _doc(led, new, n, "created")
    _doc(led, new, 3, "held", "account_missing:706300", "F0003: compte 706300 inexistant — créez 706300 <ici>")
    _doc(led, new, 4, "deferred", "api_unavailable:503", "F0004: reporté")
    _doc(led, new, 5, "rejected", "ERR-X", "F0005: refusé")
    _doc(led, new, 6, "drift", "content_changed", "F0006: modifié dans la GI")
    _doc(led, new, 7, "out_of_scope", "before_start", "F0007: avant la date de début")
    _doc(led, new, 8, "already_synced")
    led.put_check(
        new,
        "accounts",
        [
            {"item": "706000", "status": "ok", "detail": "Ventes", "documents": "2"},
            {"item": "706300", "status": "missing", "detail": "créez 706300 dans MyUnisoft", "documents": "1"},
        ],
        {"inv:3": [{"code": "account_missing:706300", "message": "…"}]},
    )
    led.put_check(new, "payment_modes", [{"item": "CHQ", "status": "ok", "detail": "→ CHQ", "documents": "3"}], {})
    # dossier "beta": one green run; dossier "gamma": a run deferred by an outage (nothing loaded)
    beta = _run(led, "beta", "scheduled__1", 5, {"unbalanced": 0, "incomplete_steps": []})
    _doc(led, beta, 1, "created")
    _doc(led, beta, 2, "already_synced")
    led.put_check(beta, "accounts", [{"item": "706000", "status": "ok", "detail": "Ventes", "documents": "1"}], {})
    _run(led, "gamma", "scheduled__1", 5, {"deferred": {"step": "extract", "message": "GI en maintenance"}})
    return led


def test_dossiers_one_line_per_dossier_from_the_latest_run(ledger: Ledger) -> None:
    rows = {d["dossier"]: d for d in status.dossiers(ledger)}
    assert list(rows) == ["alpha", "beta", "gamma"]
    alpha = rows["alpha"]
    assert alpha["run_id"] == "manual__new" and alpha["mode"] == "sync" and alpha["finished"] is True
    assert alpha["finished_at"] is not None
    assert alpha["counts"] == {"created": 2, "held": 1, "deferred": 1, "rejected": 1, "drift": 1, "out_of_scope": 1}
    assert alpha["already_synced"] == 1
    assert alpha["status"] == "red"
    # What is wrong and what to do, in the order the page lists them.
    assert alpha["problems"] == [
        "1 held — account_missing:706300 ×1",
        "1 rejected — ERR-X ×1",
        "1 drift — content_changed ×1",
        "accounts 706300: missing — créez 706300 dans MyUnisoft",
    ]
    beta = rows["beta"]
    assert beta["status"] == "green" and beta["problems"] == []
    assert beta["counts"]["created"] == 1 and beta["counts"]["held"] == 0
    gamma = rows["gamma"]
    assert gamma["status"] == "red" and gamma["deferred_run"]["step"] == "extract"
    assert gamma["problems"] == ["GI en maintenance"]


def test_dossier_detail_checks_documents_and_history(ledger: Ledger) -> None:
    d = status.dossier_detail(ledger, "alpha")
    assert d is not None
    assert [c["name"] for c in d["checks"]] == ["accounts", "payment_modes"]
    accounts = d["checks"][0]
    assert accounts["ok"] is False and d["checks"][1]["ok"] is True
    assert [(r["item"], r["ok"]) for r in accounts["rows"]] == [("706000", True), ("706300", False)]
    assert accounts["rows"][1]["detail"] == "créez 706300 dans MyUnisoft"
    assert [(x["number"], x["state"], x["reason"]) for x in d["documents"]] == [
        ("F0003", "held", "account_missing:706300"),
        ("F0004", "deferred", "api_unavailable:503"),
        ("F0005", "rejected", "ERR-X"),
        ("F0006", "drift", "content_changed"),
    ]
    assert d["documents"][0]["message"].endswith("créez 706300 <ici>")
    assert [r["run_id"] for r in d["history"]] == ["manual__new", "manual__old"]
    assert [r["status"] for r in d["history"]] == ["red", "green"]
    assert d["history"][1]["counts"]["created"] == 1


def test_unknown_dossier_and_running_run(ledger: Ledger) -> None:
    assert status.dossier_detail(ledger, "nope") is None
    _run(ledger, "beta", "manual__running", 20)  # started, not finished
    beta = {d["dossier"]: d for d in status.dossiers(ledger)}["beta"]
    assert beta["run_id"] == "manual__running" and beta["finished"] is False and beta["finished_at"] is None


def test_history_keeps_the_last_20_runs(tmp_path: Path) -> None:
    led = Ledger(f"sqlite:///{tmp_path / 'h.db'}")
    for i in range(25):
        _run(led, "d", f"r{i:02d}", i, {})
    d = status.dossier_detail(led, "d")
    assert d is not None
    assert len(d["history"]) == 20 and d["history"][0]["run_id"] == "r24" and d["history"][-1]["run_id"] == "r05"


def test_closed_fiscal_year_is_red_only_when_used() -> None:
    assert status.check_row_ok({"status": "closed", "documents": "0"})
    assert not status.check_row_ok({"status": "closed", "documents": "3"})
    assert not status.check_row_ok({"status": "ambiguous", "documents": "1"})
    assert status.check_row_ok({"status": "matched", "documents": "1"})
