"""Exactly once against a faulty MyUnisoft (B01, B02, B18): lost answers, 5xx blips, shared rate limits.

The whole pipeline runs in-process (``pipeline.run_all``, the code the DAG tasks call) against both
simulators over HTTP, with faults injected through the simulator's control routes.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from gisync.config import DossierConfig, load_config
from gisync.gi.rest import GiRestClient
from gisync.ledger import Ledger
from gisync.myunisoft.client import MyUnisoftClient
from gisync.myunisoft.pacing import TokenPacer
from gisync.pipeline import DossierRun, RunParams, run_all
from gisync.simulator import demo_firm
from gisync.simulator.gi.app import create_app as create_gi
from gisync.simulator.myunisoft.app import create_app as create_myunisoft
from gisync.simulator.myunisoft.default_state import default_state
from gisync.simulator.server import BackgroundServer, start_background

REPO = Path(__file__).resolve().parents[2]
TOKEN, SECRET, GI_TOKEN = "once-token-0001", "once-secret-0001", "once-gi-token"


def small_dataset(invoices: int = 12) -> dict[str, Any]:
    """The demo firm cut to a few issued invoices (with 706300 lines left out) and their payments."""
    data = demo_firm.generate()
    kept = [
        inv
        for inv in data["invoices"]
        if inv["status"] == "issued" and all(ln.get("account_number") != "706300" for ln in inv["lines"])
    ][:invoices]
    ids = {inv["id"] for inv in kept}
    payments = [
        p
        for p in data["payments"]
        if p["status"] == "valid" and p["mode"] != "PAYPAL" and {a["invoice_id"] for a in p["allocations"]} <= ids
    ]
    return {**data, "invoices": kept, "payments": payments, "purchases": []}


def config(slug: str = "once") -> DossierConfig:
    cfg = load_config(REPO / "include" / "dossiers" / "demo.yaml")
    return cfg.model_copy(update={"slug": slug, "purchases": cfg.purchases.model_copy(update={"enabled": False})})


@pytest.fixture(scope="module")
def gi() -> Iterator[BackgroundServer]:
    server = start_background(create_gi(small_dataset(), token=GI_TOKEN))
    yield server
    server.stop()


def myunisoft(**options: Any) -> BackgroundServer:
    state = default_state(extra_accounts=demo_firm.myunisoft_accounts())
    return start_background(create_myunisoft(state, token=TOKEN, secret=SECRET, **options))


def make_run(
    cfg: DossierConfig, mu: str, gi: str, ledger: Ledger, run_id: str, pacer: TokenPacer, **params: Any
) -> DossierRun:
    return DossierRun(
        cfg=cfg,
        run_id=run_id,
        params=RunParams(**params),
        ledger=ledger,
        myunisoft=lambda: MyUnisoftClient(mu, token=TOKEN, secret=SECRET, pacer=pacer, sleep=lambda _: None),
        gi=lambda: GiRestClient(gi, GI_TOKEN),
        reports_dir=Path(ledger.url.removeprefix("sqlite:///")).parent / "reports",
    )


def entries(mu: BackgroundServer) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = requests.get(mu.url + "/_sim/entries", timeout=10).json()
    return result


def calls(mu: BackgroundServer) -> dict[str, Any]:
    result: dict[str, Any] = requests.get(mu.url + "/_sim/calls", timeout=10).json()
    return result


def fault(mu: BackgroundServer, **spec: Any) -> None:
    requests.post(mu.url + "/_sim/faults", json=spec, timeout=10).raise_for_status()


def test_b01_lost_answer_after_commit_is_found_by_lookup_not_posted_again(gi: BackgroundServer, tmp_path: Path) -> None:
    mu = myunisoft(rate_limit=100_000)
    try:
        fault(mu, kind="commit_then_drop", route="POST /api/v1/entry", count=1)
        ledger = Ledger(f"sqlite:///{tmp_path}/state.db")
        summary = run_all(make_run(config(), mu.url, gi.url, ledger, "r1", TokenPacer(10_000, 10.0)))
        stored = entries(mu)
        assert Counter(e["entry_origin_partner_id"] for e in stored).most_common(1)[0][1] == 1
        assert summary["created"] == len(stored) > 10 and summary["deferred"] == 0
        assert calls(mu)["writes"]["POST /api/v1/entry"] == summary["created"]  # the dropped POST was the only one
        assert calls(mu)["faults_fired"] == {"commit_then_drop": 1}
    finally:
        mu.stop()


def test_5xx_blip_is_checked_by_lookup_then_posted_once(gi: BackgroundServer, tmp_path: Path) -> None:
    mu = myunisoft(rate_limit=100_000)
    try:
        fault(mu, kind="503", route="POST /api/v1/entry", count=1)
        ledger = Ledger(f"sqlite:///{tmp_path}/state.db")
        summary = run_all(make_run(config(), mu.url, gi.url, ledger, "r1", TokenPacer(10_000, 10.0)))
        stored = entries(mu)
        assert summary["created"] == len(stored) and summary["deferred"] == 0
        assert len({e["entry_origin_partner_id"] for e in stored}) == len(stored)
        assert calls(mu)["writes"]["POST /api/v1/entry"] == summary["created"] + 1  # the refused one, then once
    finally:
        mu.stop()


def test_no_answer_leaves_the_document_sending_then_the_next_run_finds_it(gi: BackgroundServer, tmp_path: Path) -> None:
    """A timeout with the write done late: never re-POSTed in the run; the next run's lookup settles it."""
    mu = myunisoft(rate_limit=100_000)
    try:
        fault(mu, kind="timeout", route="POST /api/v1/entry", count=1, delay=1.5)  # written after 1.5 s
        ledger = Ledger(f"sqlite:///{tmp_path}/state.db")
        pacer = TokenPacer(10_000, 10.0)
        run = make_run(config(), mu.url, gi.url, ledger, "r1", pacer)
        run.myunisoft = lambda: MyUnisoftClient(mu.url, token=TOKEN, secret=SECRET, pacer=pacer, timeout=0.5)
        first = run_all(run)
        assert first["deferred"] >= 1  # the unanswered one, and the rest of that journal for this run
        sending = [d for d in ledger.documents("once").values() if d.state == "sending"]
        assert len(sending) == 1
        assert calls(mu)["writes"]["POST /api/v1/entry"] == first["created"] + 1  # never re-POSTed in the run
        time.sleep(1.5)  # the server finishes the late write
        second = run_all(make_run(config(), mu.url, gi.url, ledger, "r2", pacer))
        assert second["deferred"] == 0
        stored = entries(mu)
        assert len({e["entry_origin_partner_id"] for e in stored}) == len(stored)
        assert all(d.state == "synced" for d in ledger.documents("once").values())
    finally:
        mu.stop()


def test_b02_reruns_post_nothing(gi: BackgroundServer, tmp_path: Path) -> None:
    mu = myunisoft(rate_limit=100_000)
    try:
        ledger = Ledger(f"sqlite:///{tmp_path}/state.db")
        pacer = TokenPacer(10_000, 10.0)
        first = run_all(make_run(config(), mu.url, gi.url, ledger, "r1", pacer))
        for run_id in ("r2", "backfill"):
            again = run_all(make_run(config(), mu.url, gi.url, ledger, run_id, pacer))
            assert again["created"] == 0 and again["already_synced"] == first["created"]
        assert calls(mu)["writes"]["POST /api/v1/entry"] == first["created"] == len(entries(mu))
    finally:
        mu.stop()


def test_b18_two_dossiers_share_one_token_under_its_limit(gi: BackgroundServer, tmp_path: Path) -> None:
    """Real budget shape (20 calls per window, 10 concurrent per route), window shrunk to 2 s for time."""
    mu = myunisoft(rate_limit=20, window=2.0)
    try:
        pacer = TokenPacer(20, 2.0)  # one token: one pacer for the process, as pacer_for() gives
        results: dict[str, dict[str, Any]] = {}

        def sync(slug: str) -> None:
            ledger = Ledger(f"sqlite:///{tmp_path}/{slug}.db")
            results[slug] = run_all(make_run(config(slug), mu.url, gi.url, ledger, "r1", pacer))

        threads = [threading.Thread(target=sync, args=(slug,)) for slug in ("d001", "d002")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        seen = calls(mu)
        assert {slug: r["deferred"] for slug, r in results.items()} == {"d001": 0, "d002": 0}
        stored = entries(mu)
        assert len(stored) == results["d001"]["created"] + results["d002"]["created"]
        assert len({e["entry_origin_partner_id"] for e in stored}) == len(stored)
        assert seen["rate"]["max_admitted_in_any_window"] <= 20
        assert max(seen["max_in_flight"].values()) <= 10
        assert seen.get("refused", {}).get("ERR-TOO-MANY-REQUEST", 0) == 0
    finally:
        mu.stop()


def test_b33_a_second_load_of_the_same_dossier_stops_before_writing(gi: BackgroundServer, tmp_path: Path) -> None:
    from gisync.errors import ConfigError
    from gisync.pipeline import CHECKS, check_link, extract, load, validate

    mu = myunisoft(rate_limit=100_000)
    try:
        ledger = Ledger(f"sqlite:///{tmp_path}/state.db")
        ledger.acquire_lock("once", "once:scheduled__2025-01-01")  # the scheduled run is loading
        run = make_run(config(), mu.url, gi.url, ledger, "manual__now", TokenPacer(10_000, 10.0))
        check_link(run)
        extract(run)
        for check in CHECKS:
            validate(run, check)
        with pytest.raises(ConfigError, match="dossier once already syncing"):
            load(run, "sales")
        assert calls(mu)["writes"].get("POST /api/v1/entry", 0) == 0
        assert entries(mu) == []
    finally:
        mu.stop()


def test_b26_b27_documents_changed_or_voided_after_sync_are_drift_never_reposted(
    gi: BackgroundServer, tmp_path: Path
) -> None:
    import copy

    mu = myunisoft(rate_limit=100_000)
    original = requests.get(gi.url + "/_sim/dataset", timeout=10).json()
    try:
        ledger = Ledger(f"sqlite:///{tmp_path}/state.db")
        pacer = TokenPacer(10_000, 10.0)
        first = run_all(make_run(config(), mu.url, gi.url, ledger, "r1", pacer))
        changed = copy.deepcopy(original)
        edited, voided = changed["invoices"][0], changed["invoices"][1]
        edited["lines"][0]["amount_ht"] = "999.00"  # the GI edits FA… after it was posted
        voided["status"] = "cancelled"  # and cancels another one
        requests.put(gi.url + "/_sim/dataset", json=changed, timeout=10).raise_for_status()
        with pytest.raises(Exception, match="2 documents drift"):
            run_all(make_run(config(), mu.url, gi.url, ledger, "r2", pacer))
        report = json.loads((tmp_path / "reports" / "once" / "r2" / "report.json").read_text())
        drift = {d["gi_id"]: d for d in report["documents"] if d["state"] == "drift"}
        assert set(drift) == {edited["id"], voided["id"]}
        assert drift[edited["id"]]["reason"] == "changed_after_sync"
        assert "modifiée après synchronisation (" in drift[edited["id"]]["message"]
        assert " → " in drift[edited["id"]]["message"]
        assert drift[voided["id"]]["reason"] == "voided_after_sync"
        assert "contre-passation à faire" in drift[voided["id"]]["message"]
        assert calls(mu)["writes"]["POST /api/v1/entry"] == first["created"] == len(entries(mu))
    finally:
        requests.put(gi.url + "/_sim/dataset", json=original, timeout=10).raise_for_status()
        mu.stop()


def test_b26_an_entry_deleted_in_myunisoft_is_reported_not_recreated(gi: BackgroundServer, tmp_path: Path) -> None:
    mu = myunisoft(rate_limit=100_000)
    try:
        ledger = Ledger(f"sqlite:///{tmp_path}/state.db")
        pacer = TokenPacer(10_000, 10.0)
        first = run_all(make_run(config(), mu.url, gi.url, ledger, "r1", pacer))
        state = requests.get(mu.url + "/_sim/state", timeout=10).json()
        deleted = state["entries"][0]
        state_entries = state["entries"][1:]  # the accountant deletes one entry in MyUnisoft
        requests.patch(mu.url + "/_sim/state", json={"entries": state_entries}, timeout=10).raise_for_status()
        with pytest.raises(Exception, match="1 documents drift"):
            run_all(make_run(config(), mu.url, gi.url, ledger, "r2", pacer))
        report = json.loads((tmp_path / "reports" / "once" / "r2" / "report.json").read_text())
        drift = [d for d in report["documents"] if d["state"] == "drift"]
        assert [(d["partner_id"], d["reason"]) for d in drift] == [
            (deleted["entry_origin_partner_id"], "entry_missing")
        ]
        assert "introuvable dans MyUnisoft (supprimée ?)" in drift[0]["message"]
        assert calls(mu)["writes"]["POST /api/v1/entry"] == first["created"]  # not re-created
    finally:
        mu.stop()


def test_b13_b14_scope_end_to_end_nothing_dropped(gi: BackgroundServer, tmp_path: Path) -> None:
    """An invoice without a date is held (not filtered out by the GI); a payment of a pre-start invoice
    is reported out of scope; a pre-start payment of an in-scope invoice is posted with its own date."""
    import copy

    mu = myunisoft(rate_limit=100_000)
    original = requests.get(gi.url + "/_sim/dataset", timeout=10).json()
    try:
        data = copy.deepcopy(original)
        cfg = config()
        inv = data["invoices"]
        undated, old, fresh = copy.deepcopy(inv[0]), copy.deepcopy(inv[1]), inv[2]
        undated.update(id="INV-500", number="FA0500", date=None)
        old.update(id="INV-600", number="FA2024310", date="2023-07-20")  # before the demo start 2023-08-01
        pay_old = {**copy.deepcopy(data["payments"][0]), "id": "PAY-60", "date": "2023-08-08",
                   "client_id": old["client_id"], "status": "valid",
                   "allocations": [{"invoice_id": "INV-600", "amount": old["total_ttc"]}],
                   "amount": old["total_ttc"], "mode": "VIR"}  # fmt: skip
        pay_early = {**copy.deepcopy(data["payments"][0]), "id": "PAY-61", "date": "2023-07-28",
                     "client_id": fresh["client_id"], "status": "valid",
                     "allocations": [{"invoice_id": fresh["id"], "amount": fresh["total_ttc"]}],
                     "amount": fresh["total_ttc"], "mode": "CB"}  # fmt: skip
        data["invoices"] = [*inv, undated, old]
        data["payments"] = [*data["payments"], pay_old, pay_early]
        requests.put(gi.url + "/_sim/dataset", json=data, timeout=10).raise_for_status()
        ledger = Ledger(f"sqlite:///{tmp_path}/state.db")
        with pytest.raises(Exception, match="documents held"):
            run_all(make_run(cfg, mu.url, gi.url, ledger, "r1", TokenPacer(10_000, 10.0)))
        report = json.loads((tmp_path / "reports" / "once" / "r1" / "report.json").read_text())
        by_id = {d["gi_id"]: d for d in report["documents"]}
        assert (by_id["INV-500"]["state"], by_id["INV-500"]["reason"]) == ("held", "missing_invoice_date")
        assert "INV-500 FA0500: date de facture manquante" in by_id["INV-500"]["message"]
        assert (by_id["INV-600"]["state"], by_id["INV-600"]["reason"]) == ("out_of_scope", "before_start")
        assert (by_id["PAY-60"]["state"], by_id["PAY-60"]["reason"]) == ("out_of_scope", "invoice_before_start")
        assert by_id["PAY-61"]["state"] == "created"
        posted = [e for e in entries(mu) if e["entry_origin_partner_id"] == "GI-once-PAY-PAY-61"]
        assert [e["date_piece"] for e in posted] == ["2023-07-28"]
    finally:
        requests.put(gi.url + "/_sim/dataset", json=original, timeout=10).raise_for_status()
        mu.stop()


def test_a_lookup_that_fails_defers_instead_of_stopping_the_run(gi: BackgroundServer, tmp_path: Path) -> None:
    """A document left `sending` whose lookup meets maintenance stays `sending` and the run reports."""
    mu = myunisoft(rate_limit=100_000)
    try:
        ledger = Ledger(f"sqlite:///{tmp_path}/state.db")
        pacer = TokenPacer(10_000, 10.0)
        run = make_run(config(), mu.url, gi.url, ledger, "r1", pacer)
        fault(mu, kind="timeout", route="POST /api/v1/entry", count=1, delay=1.5)
        run.myunisoft = lambda: MyUnisoftClient(
            mu.url, token=TOKEN, secret=SECRET, pacer=pacer, timeout=0.5, sleep=lambda _: None
        )
        run_all(run)
        time.sleep(1.5)
        fault(mu, kind="503", route="GET /api/v1/entry/id", count=50)
        second = run_all(make_run(config(), mu.url, gi.url, ledger, "r2", pacer))
        assert second["deferred"] >= 1  # reported, not raised
        assert [d.state for d in ledger.documents("once").values()].count("sending") == 1
        requests.delete(mu.url + "/_sim/faults", timeout=10)
        third = run_all(make_run(config(), mu.url, gi.url, ledger, "r3", pacer))
        assert third["deferred"] == 0
        stored = entries(mu)
        assert len({e["entry_origin_partner_id"] for e in stored}) == len(stored)
    finally:
        mu.stop()


def test_b11_a_gi_pager_that_never_advances_fails_the_dossier_before_any_write(
    gi: BackgroundServer, tmp_path: Path
) -> None:
    from fastapi import FastAPI

    from gisync.errors import GiExtractionError

    broken = FastAPI()

    @broken.get("/api/v1/invoices")
    def same_page(cursor: str | None = None) -> dict[str, Any]:  # ignores the cursor, claims 25
        data = [{"id": f"INV-{n}", "date": "2024-01-01"} for n in range(10)]
        return {"data": data, "next_cursor": "next", "total": 25}

    bad = start_background(broken)
    mu = myunisoft(rate_limit=100_000)
    try:

        class HalfBroken:
            """The real GI, except its invoice pager."""

            good, faulty = GiRestClient(gi.url, GI_TOKEN), GiRestClient(bad.url, GI_TOKEN, page_size=10)

            def list(self, resource: str, **filters: Any) -> list[dict[str, Any]]:
                return (self.faulty if resource == "invoices" else self.good).list(resource, **filters)

            def settings(self) -> dict[str, Any]:
                return self.good.settings()

        pacer = TokenPacer(10_000, 10.0)
        run = make_run(config("d001"), mu.url, gi.url, Ledger(f"sqlite:///{tmp_path}/d001.db"), "r1", pacer)
        run.gi = HalfBroken
        with pytest.raises(GiExtractionError, match="GI invoices: pagination returned a repeated page at offset 10"):
            run_all(run)
        assert calls(mu)["writes"].get("POST /api/v1/entry", 0) == 0
        other = run_all(make_run(config("d002"), mu.url, gi.url, Ledger(f"sqlite:///{tmp_path}/d002.db"), "r1", pacer))
        assert other["created"] > 0  # another dossier is not affected
    finally:
        bad.stop()
        mu.stop()


def test_b33_a_manual_run_during_the_scheduled_load_leaves_each_entry_once(tmp_path: Path) -> None:
    """Case B33: the same 3 pending invoices, a manual run started while the scheduled run is posting them
    (each POST slowed to 0.5 s), both runs in their own thread with their own connection to the state DB:
    MyUnisoft ends with exactly 3 entries, never 6; the manual run stops with "déjà en cours"."""
    from gisync.errors import ConfigError

    data = small_dataset(invoices=3)
    data["payments"] = []
    gi3 = start_background(create_gi(data, token=GI_TOKEN))
    mu = myunisoft(rate_limit=100_000)
    url = f"sqlite:///{tmp_path}/state.db"
    results: dict[str, Any] = {}

    def sync(run_id: str) -> None:
        try:
            results[run_id] = run_all(
                make_run(config(), mu.url, gi3.url, Ledger(url), run_id, TokenPacer(10_000, 10.0))
            )
        except Exception as exc:
            results[run_id] = exc

    try:
        fault(mu, kind="latency", route="POST /api/v1/entry", count=3, delay=0.5)
        scheduled = threading.Thread(target=sync, args=("scheduled__2025-01-01",))
        scheduled.start()
        deadline = time.monotonic() + 30
        while calls(mu)["writes"].get("POST /api/v1/entry", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # until the scheduled run is posting
        manual = threading.Thread(target=sync, args=("manual__now",))
        manual.start()
        scheduled.join(60)
        manual.join(60)
        stored = entries(mu)
        assert sorted(e["entry_origin_partner_id"] for e in stored) == sorted(
            f"GI-once-INV-{inv['id']}" for inv in data["invoices"]
        )
        assert results["scheduled__2025-01-01"]["created"] == 3
        stopped = results["manual__now"]
        assert isinstance(stopped, ConfigError) and "déjà en cours" in str(stopped), stopped
        # The next run finds all three synced and writes nothing.
        again = run_all(make_run(config(), mu.url, gi3.url, Ledger(url), "manual__later", TokenPacer(10_000, 10.0)))
        assert (again["created"], again["already_synced"]) == (0, 3)
        assert len(entries(mu)) == 3 and calls(mu)["writes"]["POST /api/v1/entry"] == 3
    finally:
        mu.stop()
        gi3.stop()
