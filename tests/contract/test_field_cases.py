"""Field cases run with their own small input (shared/cases/README.md) through the whole pipeline.

GI records are built from the case's figures, both simulators run over HTTP, and the assertions are the
case's exact expected values: accounts, amounts to the cent, payment types, states and messages. The
simulated MyUnisoft folder gets the 2024-10-01 → 2025-09-30 fiscal year the cases' 2025 dates need.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from test_exactly_once import GI_TOKEN, SECRET, TOKEN, calls, config, entries, fault, make_run

from gisync.ledger import Ledger
from gisync.money import money
from gisync.myunisoft.pacing import TokenPacer
from gisync.pipeline import run_all
from gisync.simulator import demo_firm
from gisync.simulator.gi.app import create_app as create_gi
from gisync.simulator.myunisoft.app import create_app as create_myunisoft
from gisync.simulator.myunisoft.default_state import default_state
from gisync.simulator.server import BackgroundServer, start_background

from builders import client, invoice, line, payment


def gi_client(code: str, name: str) -> dict[str, Any]:
    return client(code, name=name, updated_at="2025-01-02T09:00:00+01:00")


def gi_invoice(gi_id: str, number: str, day: str, client_code: str, ht: str, vat: str, **more: Any) -> dict[str, Any]:
    """One line of fees at 20 % (no account: the dossier's default revenue account)."""
    ttc = str(Decimal(ht) + Decimal(vat))
    fields = {"due_date": day, "total_ht": ht, "total_vat": vat, "total_ttc": ttc,
              "updated_at": f"{day}T10:00:00+01:00", **more}  # fmt: skip
    date = fields.pop("date", day)  # a case may blank the date itself (B13)
    return invoice(gi_id, number, date, client_code, [line(ht, vat, label="Honoraires")], **fields)


def gi_payment(gi_id: str, invoice_id: str, day: str, client_code: str, amount: str, mode: str) -> dict[str, Any]:
    return payment(gi_id, invoice_id, day, amount, mode, client=client_code, updated_at=f"{day}T12:00:00+01:00")


@dataclass
class Case:
    gi: BackgroundServer
    mu: BackgroundServer
    tmp: Path
    payment_types: dict[int, str]

    def run(self, run_id: str, start: str | None = None, **params: Any) -> dict[str, Any]:
        ledger = Ledger(f"sqlite:///{self.tmp}/state.db")
        cfg = config() if start is None else config().model_copy(update={"start_date": dt.date.fromisoformat(start)})
        summary: dict[str, Any] = run_all(
            make_run(cfg, self.mu.url, self.gi.url, ledger, run_id, TokenPacer(10_000, 10.0), **params)
        )
        return summary

    def set_gi(self, **records: list[dict[str, Any]]) -> None:
        data = requests.get(self.gi.url + "/_sim/dataset", timeout=10).json()
        requests.put(self.gi.url + "/_sim/dataset", json={**data, **records}, timeout=10).raise_for_status()

    def report(self, run_id: str) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.tmp / "reports" / "once" / run_id / "report.json").read_text())
        return report

    def posted(self) -> dict[str, tuple[str, list[tuple[str, str, str]], set[str]]]:
        """Partner id → (date, [(account, debit, credit)], MyUnisoft payment-type codes) of every entry."""
        folder = requests.get(self.mu.url + "/_sim/state", timeout=10).json()
        number = {a["account_id"]: a["account_number"] for a in folder["accounts"]}
        result = {}
        for e in entries(self.mu):
            lines = [(number[ln["account_id"]], _cents(ln["debit"]), _cents(ln["credit"])) for ln in e["entry_list"]]
            codes = {
                self.payment_types[ln["payment_type_id"]]
                for ln in e["entry_list"]
                if ln.get("payment_type_id", -1) != -1
            }
            result[e["entry_origin_partner_id"]] = (e["date_piece"], lines, codes)
        return result


def _cents(value: Any) -> str:
    """The simulator keeps the JSON numbers it was sent; shown as the report shows amounts."""
    return str(money(Decimal(str(value))))


@contextlib.contextmanager
def case(
    tmp_path: Path,
    clients: list[dict[str, Any]],
    invoices: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    years: list[tuple[str, str, bool]] | None = None,
) -> Iterator[Case]:
    """Both simulators with the case's GI records; ``years`` (start, end, closed) replace the folder's
    fiscal years, else 2024-10-01 → 2025-09-30 is added to them."""
    data = {**demo_firm.generate(), "clients": clients, "invoices": invoices, "payments": payments, "purchases": []}
    gi = start_background(create_gi(data, token=GI_TOKEN))
    state = default_state(extra_accounts=demo_firm.myunisoft_accounts())
    model = state["exercices"][0]
    if years is None:
        state["exercices"] = [{**model, "exercice_id": 7001, "start_date": "20241001", "end_date": "20250930"},
                              *state["exercices"]]  # fmt: skip
    else:
        state["exercices"] = [{**model, "exercice_id": 7001 + n, "start_date": start, "end_date": end, "closed": closed}
                              for n, (start, end, closed) in enumerate(years)]  # fmt: skip
    mu = start_background(create_myunisoft(state, token=TOKEN, secret=SECRET, rate_limit=100_000))
    try:
        yield Case(gi, mu, tmp_path, {t["payment_type_id"]: t["code"] for t in state["payment_types"]})
    finally:
        mu.stop()
        gi.stop()


def test_b07_two_partial_payments_are_two_bank_entries_and_settle_the_invoice(tmp_path: Path) -> None:
    """FA0100 (C020, 100.00 TTC) paid 70.00 by transfer then 30.00 by cheque: exactly two BQ entries,
    512000 D / 411C020 C with the MyUnisoft type of each mode (VIR → VIRT by the demo config), no 0.00
    line, FA0100 settled to 0.00 on 411C020, nothing more on a rerun."""
    fa0100 = gi_invoice("INV-100", "FA0100", "2025-02-01", "C020", "83.33", "16.67")
    pays = [gi_payment("PAY-1", "INV-100", "2025-02-10", "C020", "70.00", "VIR"),
            gi_payment("PAY-2", "INV-100", "2025-03-05", "C020", "30.00", "CHQ")]  # fmt: skip
    with case(tmp_path, [gi_client("C020", "Client C020")], [fa0100], pays) as c:
        first = c.run("r1")
        assert (first["created"], first["held"], first["deferred"]) == (3, 0, 0)
        posted = c.posted()
        assert posted["GI-once-PAY-PAY-1"] == (
            "2025-02-10",
            [("512000", "70.00", "0.00"), ("411C020", "0.00", "70.00")],
            {"VIRT"},
        )
        assert posted["GI-once-PAY-PAY-2"] == (
            "2025-03-05",
            [("512000", "30.00", "0.00"), ("411C020", "0.00", "30.00")],
            {"CHQ"},
        )
        client_lines = [(d, cr) for _, lines, _ in posted.values() for acc, d, cr in lines if acc == "411C020"]
        assert sum(Decimal(d) - Decimal(cr) for d, cr in client_lines) == Decimal("0.00")
        again = c.run("r2")
        assert (again["created"], again["already_synced"]) == (0, 3) and len(c.posted()) == 3


def test_b26_b27_edited_then_voided_after_sync_are_reported_never_reposted(tmp_path: Path) -> None:
    """B27: FA1100 goes from 1 000,00 to 1 100,00 TTC after run 1 → run 2 reports it (count 1), posts nothing.
    B26: FA1000 is then cancelled in the GI → run 3 flags it for a reversal, posts nothing for it, while the
    credit note that cancels it (B06) is synced normally."""
    fa1000 = gi_invoice("INV-1000", "FA1000", "2025-02-03", "C100", "500.00", "100.00")
    fa1100 = gi_invoice("INV-1100", "FA1100", "2025-02-04", "C100", "833.33", "166.67")
    with case(tmp_path, [gi_client("C100", "Client C100")], [fa1000, fa1100], []) as c:
        assert c.run("r1")["created"] == 2
        edited = {**fa1100, "lines": [{**fa1100["lines"][0], "amount_ht": "916.67", "vat_amount": "183.33"}],
                  "total_ht": "916.67", "total_vat": "183.33", "total_ttc": "1100.00"}  # fmt: skip
        c.set_gi(invoices=[fa1000, edited])
        with pytest.raises(Exception, match="1 documents drift"):
            c.run("r2")
        second = c.report("r2")
        assert second["summary"]["drift"] == 1
        [drift] = [d for d in second["documents"] if d["state"] == "drift"]
        assert (drift["gi_id"], drift["reason"]) == ("INV-1100", "changed_after_sync")
        assert drift["message"] == (
            "INV-1100 FA1100 modifiée après synchronisation (1 000,00 → 1 100,00) — rien n'est reposté : "
            "contre-passez et ressaisissez si besoin (action manuelle requise)"
        )
        credit_note = gi_invoice("CN-1000", "AV1000", "2025-02-20", "C100", "500.00", "100.00",
                              type="credit_note", credited_invoice_id="INV-1000")  # fmt: skip
        c.set_gi(invoices=[{**fa1000, "status": "cancelled"}, edited, credit_note])
        with pytest.raises(Exception, match="2 documents drift"):
            c.run("r3")
        third = {d["gi_id"]: d for d in c.report("r3")["documents"]}
        assert (third["INV-1000"]["state"], third["INV-1000"]["message"]) == (
            "drift",
            "INV-1000 FA1000 annulée dans la GI après synchronisation — contre-passation à faire",
        )
        assert third["CN-1000"]["state"] == "created"
        posted = c.posted()
        assert sorted(posted) == ["GI-once-CN-CN-1000", "GI-once-INV-INV-1000", "GI-once-INV-INV-1100"]
        assert posted["GI-once-CN-CN-1000"][1] == [
            ("411C100", "0.00", "600.00"), ("706000", "500.00", "0.00"), ("445712", "100.00", "0.00"),
        ]  # fmt: skip
        assert calls(c.mu)["writes"]["POST /api/v1/entry"] == 3


def test_b13_an_undated_invoice_is_held_not_dropped(tmp_path: Path) -> None:
    """INV-500 has no invoice date: held with its reason, counted, the run red; INV-501 is created."""
    undated = gi_invoice("INV-500", "FA0500", "2025-02-02", "C500", "62.50", "12.50", date=None)
    dated = gi_invoice("INV-501", "FA0501", "2025-02-02", "C500", "66.67", "13.33")
    with case(tmp_path, [gi_client("C500", "Client C500")], [undated, dated], []) as c:
        with pytest.raises(Exception, match="1 documents held"):
            c.run("r1")
        report = c.report("r1")
        by_id = {d["gi_id"]: d for d in report["documents"]}
        assert (by_id["INV-501"]["state"], by_id["INV-500"]["state"]) == ("created", "held")
        assert by_id["INV-500"]["reason"] == "missing_invoice_date"
        assert by_id["INV-500"]["message"].startswith("INV-500 FA0500: date de facture manquante")
        assert (report["summary"]["held"], report["summary"]["created"]) == (1, 1)
        assert sorted(c.posted()) == ["GI-once-INV-INV-501"]


def test_b32_an_auto_created_client_is_created_once(tmp_path: Path) -> None:
    """C150 "Garage Martin" is not in MyUnisoft: demo mode says it would create 411C150 and writes nothing;
    the real run creates it once (one upsert) for both invoices; the next run creates nothing."""
    invoices = [
        gi_invoice("INV-150", "FA0150", "2025-02-05", "C150", "100.00", "20.00"),
        gi_invoice("INV-151", "FA0151", "2025-02-06", "C150", "50.00", "10.00"),
    ]
    with case(tmp_path, [gi_client("C150", "Garage Martin")], invoices, []) as c:
        c.run("demo", demo=True)
        rows = [r for r in c.report("demo")["checks"]["clients"] if r.get("account") == "411C150"]
        assert [(r["status"], r["detail"]) for r in rows] == [("would_create", "would create 411C150 Garage Martin")]
        assert calls(c.mu)["writes"] == {}
        assert c.run("r1")["created"] == 2
        assert calls(c.mu)["writes"]["POST /api/v1/account"] == 1
        folder = requests.get(c.mu.url + "/_sim/state", timeout=10).json()
        [account] = [a for a in folder["accounts"] if a["account_number"] == "411C150"]
        assert account["label"].upper() == "GARAGE MARTIN"
        assert {lines[0][0] for _, lines, _ in c.posted().values()} == {"411C150"}
        assert c.run("r2")["created"] == 0
        assert calls(c.mu)["writes"]["POST /api/v1/account"] == 1


def test_b14_payments_follow_their_invoice_not_their_own_date(tmp_path: Path) -> None:
    """Start date 2025-01-01. INV-600 (2024-12-20) and its 2025 payment PAY-60 are out of scope, PAY-60
    saying why; INV-601 (2025-01-03) is created in the sales journal and its payment PAY-61, dated
    2024-12-28 (an advance), is created in the bank journal with its own date. No account for C050."""
    invoices = [
        gi_invoice("INV-600", "FA2024310", "2024-12-20", "C050", "500.00", "100.00"),
        gi_invoice("INV-601", "FA2025001", "2025-01-03", "C051", "250.00", "50.00"),
    ]
    pays = [gi_payment("PAY-60", "INV-600", "2025-01-08", "C050", "600.00", "VIR"),
            gi_payment("PAY-61", "INV-601", "2024-12-28", "C051", "300.00", "CB")]  # fmt: skip
    with case(tmp_path, [gi_client("C050", "Client C050"), gi_client("C051", "Client C051")], invoices, pays) as c:
        summary = c.run("r1", start="2025-01-01")
        assert (summary["created"], summary["out_of_scope"], summary["held"]) == (2, 2, 0)
        docs = {d["gi_id"]: d for d in c.report("r1")["documents"]}
        assert (docs["INV-600"]["state"], docs["INV-600"]["message"]) == (
            "out_of_scope",
            "INV-600 FA2024310: facture antérieure à la date de début 2025-01-01 — non synchronisée",
        )
        assert docs["PAY-60"]["state"] == "out_of_scope"
        assert docs["PAY-60"]["message"].endswith(
            ": facture FA2024310 antérieure à la date de début 2025-01-01 — règlement non repris"
        )
        posted = c.posted()
        assert sorted(posted) == ["GI-once-INV-INV-601", "GI-once-PAY-PAY-61"]
        assert posted["GI-once-PAY-PAY-61"] == (
            "2024-12-28", [("512000", "300.00", "0.00"), ("411C051", "0.00", "300.00")], {"CB"}
        )  # fmt: skip
        stored = {e["entry_origin_partner_id"]: e for e in entries(c.mu)}
        folder = requests.get(c.mu.url + "/_sim/state", timeout=10).json()
        journal = {d["diary_id"]: d["code"] for d in folder["diaries"]}
        assert journal[stored["GI-once-INV-INV-601"]["diary_id"]] == config().journals.sales
        assert journal[stored["GI-once-PAY-PAY-61"]["diary_id"]] == config().journals.payments
        assert calls(c.mu)["writes"]["POST /api/v1/account"] == 1  # 411C051 only


def test_b01_a_payment_whose_answer_was_lost_is_found_by_lookup_not_posted_again(tmp_path: Path) -> None:
    """PAY-7001 (C042, 240.00, VIR, 2025-02-14): MyUnisoft stores the entry then drops the connection. The
    product asks GET /entry/id?id_origin=GI-<dossier>-PAY-PAY-7001 before anything else, finds it, and never
    POSTs it again: one bank entry 512000 D 240.00 / 411C042 C 240.00, VIRT."""
    fa = gi_invoice("INV-7000", "FA20250012", "2025-02-03", "C042", "200.00", "40.00")
    with case(tmp_path, [gi_client("C042", "Client C042")], [fa], []) as c:
        assert c.run("r1")["created"] == 1  # the invoice first, without fault
        c.set_gi(payments=[gi_payment("PAY-7001", "INV-7000", "2025-02-14", "C042", "240.00", "VIR")])
        fault(c.mu, kind="commit_then_drop", route="POST /api/v1/entry", count=1)
        second = c.run("r2")
        assert (second["created"], second["deferred"]) == (1, 0)
        seen = calls(c.mu)
        assert seen["faults_fired"] == {"commit_then_drop": 1}
        assert seen["writes"]["POST /api/v1/entry"] == 2  # the invoice, then the payment once
        assert seen["reads"]["GET /api/v1/entry/id"] >= 1
        posted = c.posted()
        assert posted["GI-once-PAY-PAY-7001"] == (
            "2025-02-14", [("512000", "240.00", "0.00"), ("411C042", "0.00", "240.00")], {"VIRT"}
        )  # fmt: skip
        assert len(posted) == 2


def test_b02_reruns_backfills_and_a_draft_flip_post_nothing_again(tmp_path: Path) -> None:
    """Three invoices created once; the same run again (a cleared task), a backfill run, and INV-2 set back
    to draft then re-validated in the GI: every later run posts nothing; MyUnisoft keeps exactly 3 entries.
    (The VAT account is this folder's 20 % collected VAT account, 445712, where the case's folder has 445710.)"""
    rows = [("INV-1", "FA0001", "2025-01-05", "C001", "100.00", "20.00"),
            ("INV-2", "FA0002", "2025-01-06", "C002", "250.00", "50.00"),
            ("INV-3", "FA0003", "2025-01-07", "C001", "80.00", "16.00")]  # fmt: skip
    invoices = [gi_invoice(*row) for row in rows]
    with case(tmp_path, [gi_client("C001", "Client C001"), gi_client("C002", "Client C002")], invoices, []) as c:
        assert c.run("r1")["created"] == 3
        assert c.posted()["GI-once-INV-INV-1"][1] == [
            ("411C001", "120.00", "0.00"), ("706000", "0.00", "100.00"), ("445712", "0.00", "20.00"),
        ]  # fmt: skip
        for run_id in ("r1", "backfill__2025-01-01T00:00:00"):
            again = c.run(run_id)
            assert (again["created"], again["already_synced"]) == (0, 3), run_id
        draft = {**invoices[1], "status": "draft", "updated_at": "2025-03-01T09:00:00+01:00"}
        c.set_gi(invoices=[invoices[0], draft, invoices[2]])
        c.set_gi(invoices=[invoices[0], {**draft, "status": "issued", "updated_at": "2025-03-01T09:05:00+01:00"},
                           invoices[2]])  # fmt: skip
        last = c.run("manual__after_revalidation")
        assert (last["created"], last["already_synced"], last["drift"]) == (0, 3, 0)
        assert calls(c.mu)["writes"]["POST /api/v1/entry"] == 3 and len(c.posted()) == 3


def test_b15_an_invoice_in_a_closed_fiscal_year_is_held_before_any_post(tmp_path: Path) -> None:
    """Fiscal year 2024 closed, 2025 open: INV-700 (2024-12-31) held with the reason and the fix, no POST
    for it; INV-701 (2025-01-02) created; the run is red (partial)."""
    invoices = [gi_invoice("INV-700", "FA0700", "2024-12-31", "C060", "500.00", "100.00"),
                gi_invoice("INV-701", "FA0701", "2025-01-02", "C060", "50.00", "10.00")]  # fmt: skip
    years = [("20240101", "20241231", True), ("20250101", "20251231", False)]
    with case(tmp_path, [gi_client("C060", "Client C060")], invoices, [], years=years) as c:
        with pytest.raises(Exception, match="1 documents held"):
            c.run("r1", start="2024-01-01")
        docs = {d["gi_id"]: d for d in c.report("r1")["documents"]}
        assert (docs["INV-700"]["state"], docs["INV-700"]["reason"]) == ("held", "exercise_closed")
        assert docs["INV-700"]["message"] == (
            "INV-700 FA0700 (2024-12-31) : exercice 2024 clôturé — rouvrir l'exercice ou avancer la date de début"
        )
        assert docs["INV-701"]["state"] == "created"
        assert sorted(c.posted()) == ["GI-once-INV-INV-701"]
        assert calls(c.mu)["writes"]["POST /api/v1/entry"] == 1


def test_b26_an_entry_deleted_in_myunisoft_is_flagged_not_recreated(tmp_path: Path) -> None:
    """Run 1 posts FA1000; the accountant deletes that entry in MyUnisoft; run 2 says so and writes nothing."""
    fa1000 = gi_invoice("INV-1000", "FA1000", "2025-02-03", "C100", "500.00", "100.00")
    with case(tmp_path, [gi_client("C100", "Client C100")], [fa1000], []) as c:
        assert c.run("r1")["created"] == 1
        [entry] = entries(c.mu)
        requests.patch(c.mu.url + "/_sim/state", json={"entries": []}, timeout=10).raise_for_status()
        with pytest.raises(Exception, match="1 documents drift"):
            c.run("r2")
        [doc] = c.report("r2")["documents"]
        assert (doc["state"], doc["reason"]) == ("drift", "entry_missing")
        assert doc["message"] == (
            f"INV-1000 FA1000 : écriture introuvable dans MyUnisoft (supprimée ?) — n° {entry['entry_id']} ; "
            "rien n'est reposté automatiquement : vérifiez, puis ressaisissez si besoin"
        )
        assert entries(c.mu) == [] and calls(c.mu)["writes"]["POST /api/v1/entry"] == 1
