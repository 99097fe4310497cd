"""Preflight checks and the plan: scope, accounts, payment modes, third parties, periods (B14–B17, B32)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gisync.accounting.entries import DraftLine, EntryDraft
from gisync.config import DossierConfig
from gisync.myunisoft.payload import prepare
from gisync.plan import build_plan, generated_account
from gisync.validation import check_accounts, check_journals_and_periods, check_payment_modes, check_third_parties

from builders import client, folder, invoice, line, lines_of, payment

SETTINGS = {
    "default_revenue_account": "706000",
    "vat_collected_accounts": {"20": "445710", "10": "445712"},
    "vat_deductible_accounts": {"20": "445660"},
}


def cfg(**overrides: Any) -> DossierConfig:
    base: dict[str, Any] = {
        "slug": "d001", "myunisoft_conn_id": "mu", "gi_conn_id": "gi", "start_date": "2025-01-01",
        "journals": {"sales": "VTE", "payments": "BQ", "purchases": "ACH"},
        "payment_modes": {"VIR": "VIRT", "CHQ": "CHQ", "CB": "CB"},
    }  # fmt: skip
    base.update(overrides)
    return DossierConfig.model_validate(base)


def test_b14_payments_follow_their_invoices_scope_not_their_own_date() -> None:
    """INV-600 (2024) is out of scope, so is its 2025 payment; PAY-61 (2024) of INV-601 (2025) is in."""
    gi = {
        "clients": [client("C050", "411C050"), client("C051", "411C051")],
        "invoices": [  # in scope by date
            invoice("INV-601", "FA2025001", "2025-01-03", "C051", [line("250.00", "50.00")],
                    total_ht="250.00", total_vat="50.00", total_ttc="300.00"),
        ],
        "invoices_before_start": [  # kept by the extract only because PAY-60 settles it
            invoice("INV-600", "FA2024310", "2024-12-20", "C050", [line("500.00", "100.00")],
                    total_ht="500.00", total_vat="100.00", total_ttc="600.00"),
        ],
        "payments": [payment("PAY-60", "INV-600", "2025-01-08", "600.00", "VIR", client="C051"),
                     payment("PAY-61", "INV-601", "2024-12-28", "300.00", "CB", client="C051")],
        "settings": SETTINGS,
    }  # fmt: skip
    refs = folder(payment_types=[{"payment_type_id": 11093, "code": "CB"}, {"payment_type_id": 11094, "code": "VIRT"}])
    plan = build_plan(cfg(), gi, refs, {})
    by_id = {p.doc.gi_id: p for p in plan.docs}
    assert by_id["PAY-60"].out_of_scope is not None
    assert by_id["PAY-60"].out_of_scope.code == "invoice_before_start"
    assert by_id["PAY-60"].out_of_scope.message.endswith(
        ": facture FA2024310 antérieure à la date de début 2025-01-01 — règlement non repris"
    )
    assert by_id["INV-600"].draft is None and by_id["INV-600"].out_of_scope is not None
    assert (by_id["INV-600"].out_of_scope.code, by_id["INV-600"].out_of_scope.message) == (
        "before_start",
        "INV-600 FA2024310: facture antérieure à la date de début 2025-01-01 — non synchronisée",
    )
    pay61 = by_id["PAY-61"]
    assert pay61.out_of_scope is None and pay61.draft is not None
    assert pay61.draft.date_piece == dt.date(2024, 12, 28)
    assert lines_of(pay61.draft) == [("512000", "D", "300.00"), ("411C051", "C", "300.00")]
    assert pay61.invoice_partner_ids == ["GI-d001-INV-INV-601"]
    payload, issues = prepare(pay61.draft, refs, payment_type_codes={"CB": "CB"}, pending_accounts={"411C051"},
                              dossier="d001", label=pay61.label)  # fmt: skip
    assert issues == []
    assert {ln["payment_type_id"] for ln in payload["entry_list"]} == {11093}


def _plan_one(raw_invoice: dict[str, Any], refs: Any, **cfg_overrides: Any) -> Any:
    gi = {"clients": [client("C060", "411C001")], "invoices": [raw_invoice], "payments": [], "settings": SETTINGS}
    return build_plan(cfg(**cfg_overrides), gi, refs, {})


def test_b15_closed_fiscal_year_is_held_before_any_post() -> None:
    refs = folder()
    plan = build_plan(
        cfg(start_date="2024-01-01"),
        {
            "clients": [client("C060", "411C001")],
            "invoices": [
                invoice("INV-700", "FA0700", "2024-12-31", "C060", [line("500.00", "100.00")],
                        total_ht="500.00", total_vat="100.00", total_ttc="600.00"),
                invoice("INV-701", "FA0701", "2025-01-02", "C060", [line("50.00", "10.00")],
                        total_ht="50.00", total_vat="10.00", total_ttc="60.00"),
            ],
            "payments": [], "settings": SETTINGS,
        },
        refs, {},
    )  # fmt: skip
    out = check_journals_and_periods(plan, refs, cfg(start_date="2024-01-01"))
    assert set(out.holds) == {"GI-d001-INV-INV-700"}
    issue = out.holds["GI-d001-INV-INV-700"][0]
    assert issue.code == "exercise_closed"
    assert issue.message == (
        "INV-700 FA0700 (2024-12-31) : exercice 2024 clôturé — rouvrir l'exercice ou avancer la date de début"
    )


def test_b16_closed_revenue_account_shows_red_and_holds_the_invoice() -> None:
    refs = folder()
    refs.accounts["706100"] = refs.accounts["706000"].__class__(99, "706100", "Honoraires", closed=True)
    raw = invoice("INV-710", "FA0710", "2025-02-11", "C060", [line("1000.00", "200.00", "706100")],
                  total_ht="1000.00", total_vat="200.00", total_ttc="1200.00")  # fmt: skip
    plan = _plan_one(raw, refs)
    out = check_accounts(plan, refs, cfg())
    assert {r["item"]: r["status"] for r in out.rows}["706100"] == "closed"
    issue = out.holds["GI-d001-INV-INV-710"][0]
    assert issue.code == "account_closed:706100"
    assert "INV-710 FA0710" in issue.message and "706100" in issue.message


def test_b17_unbalanced_entry_on_an_unknown_account_gives_both_reasons() -> None:
    refs = folder(
        accounts=[{"account_id": 1, "account_number": "411C070"}, {"account_id": 2, "account_number": "445710"}]
    )
    draft = EntryDraft(
        partner_id="GI-D001-INV-900", kind="INV", journal="sales", journal_code="VTE",
        date_piece=dt.date(2025, 3, 3), deadline=dt.date(2025, 3, 3), label="FA900", piece2="FA900",
        lines=[
            DraftLine("411C070", Decimal("100.00"), Decimal("0"), "FA900", "FA900"),
            DraftLine("706999", Decimal("0"), Decimal("90.00"), "FA900", "FA900"),
            DraftLine("445710", Decimal("0"), Decimal("10.01"), "FA900", "FA900"),
        ],
    )  # fmt: skip
    _, issues = prepare(draft, refs, payment_type_codes={}, pending_accounts=set(), dossier="D001", label="INV-900")
    messages = [i.message for i in issues]
    assert [i.code for i in issues] == ["unbalanced", "account_missing:706999"]
    assert "déséquilibre : débit 100,00 ≠ crédit 100,01" in messages[0]
    assert "compte 706999 inexistant dans le dossier D001" in messages[1]


def test_unknown_payment_mode_is_red_and_holds_its_payments() -> None:
    refs = folder()
    gi = {
        "clients": [client("C051", "411C002")],
        "invoices": [invoice("INV-1", "FA1", "2025-01-03", "C051", [line("100.00", "20.00")],
                             total_ht="100.00", total_vat="20.00", total_ttc="120.00")],
        "payments": [payment("PAY-1", "INV-1", "2025-01-10", "120.00", "PAYPAL", client="C051"),
                     payment("PAY-2", "INV-1", "2025-01-10", "0.01", "VIR", client="C051")],
        "settings": SETTINGS,
    }  # fmt: skip
    plan = build_plan(cfg(), gi, refs, {})
    out = check_payment_modes(plan, refs, cfg())
    assert {r["item"]: r["status"] for r in out.rows} == {"PAYPAL": "missing", "VIR": "ok"}
    assert list(out.holds) == ["GI-d001-PAY-PAY-1"]
    assert "payment_modes" in out.holds["GI-d001-PAY-PAY-1"][0].message


def test_b32_third_parties_matched_created_or_held() -> None:
    refs = folder()
    gi = {
        "clients": [client("C001", "411C001"), client("C150", None, "Garage Martin")],
        "invoices": [
            invoice(f"INV-{i}", f"FA{i}", "2025-02-01", cid, [line("10.00", "2.00")],
                    total_ht="10.00", total_vat="2.00", total_ttc="12.00")
            for i, cid in ((1, "C001"), (2, "C150"), (3, "C150"))
        ],
        "payments": [], "settings": SETTINGS,
    }  # fmt: skip
    plan = build_plan(cfg(auto_create_clients=True), gi, refs, {})
    out, decisions = check_third_parties(plan, refs, cfg(auto_create_clients=True))
    assert [(d.gi_id, d.number, d.status) for d in decisions] == [
        ("C001", "411C001", "matched"),
        ("C150", "411C150", "to_create"),
    ]
    assert out.holds == {}
    out_off, _ = check_third_parties(plan, refs, cfg())
    assert set(out_off.holds) == {"GI-d001-INV-INV-2", "GI-d001-INV-INV-3"}
    assert "auto_create_clients" in out_off.holds["GI-d001-INV-INV-2"][0].message
    # once created, the stored number wins (the server may have rewritten it)
    known = build_plan(cfg(), gi, refs, {("client", "C150"): "411C150X"})
    assert {p.party_account for p in known.docs if p.doc.party_id == "C150"} == {"411C150X"}


def test_generated_account_numbers() -> None:
    assert generated_account("411", "C-042 é") == "411C042E"
    assert len(generated_account("411", "X" * 40)) == 20


def test_missing_journal_holds_its_documents() -> None:
    refs = folder()
    raw = invoice(
        "INV-1",
        "FA1",
        "2025-02-01",
        "C060",
        [line("10.00", "2.00")],
        total_ht="10.00",
        total_vat="2.00",
        total_ttc="12.00",
    )
    plan = _plan_one(raw, refs, journals={"sales": "ZZ", "payments": "BQ"})
    out = check_journals_and_periods(plan, refs, cfg(journals={"sales": "ZZ", "payments": "BQ"}))
    assert {r["item"]: r["status"] for r in out.rows}["journal sales ZZ"] == "error"
    assert out.holds["GI-d001-INV-INV-1"][0].code == "journal_invalid:ZZ"


def test_draft_and_cancelled_invoices_are_out_of_scope() -> None:
    refs = folder()
    raw = invoice("INV-1", "FA1", "2025-02-01", "C060", [line("10.00", "2.00")], total_ht="10.00", total_vat="2.00",
                  total_ttc="12.00", status="draft")  # fmt: skip
    plan = _plan_one(raw, refs)
    assert plan.docs[0].out_of_scope is not None and plan.docs[0].out_of_scope.code == "status_draft"


def test_third_party_cascade_siren_then_name_then_ambiguous() -> None:
    from gisync.models import ThirdParty
    from gisync.thirdparty import match_third_party, normalise_name

    refs = folder(
        accounts=[
            {"account_id": 1, "account_number": "411DUPONT", "label": "DUPONT SA",
             "complementary_informations": {"siren": "123456789", "name": "Dupont"}},
            {"account_id": 2, "account_number": "411ETIENNE", "label": "SARL ETIENNE ET FILS"},
            {"account_id": 3, "account_number": "411MARTIN1", "label": "Garage Martin"},
            {"account_id": 4, "account_number": "411MARTIN2", "label": "GARAGE  MARTIN"},
            {"account_id": 5, "account_number": "401ETIENNE", "label": "SARL Étienne et Fils"},
        ]
    )  # fmt: skip

    def party(code: str, name: str, account: str | None = None, siren: str | None = None) -> ThirdParty:
        return ThirdParty(id=code, code=code, name=name, account_number=account, siren=siren)

    assert match_third_party(party("C1", "x", "411DUPONT"), "C1", "411", refs, None).rule == "stored number"
    by_siren = match_third_party(party("C1", "Autre nom", "411NEW", "123456789"), "C1", "411", refs, None)
    assert (by_siren.number, by_siren.rule) == ("411DUPONT", "SIREN")
    by_name = match_third_party(party("C2", "SARL Étienne et  fils"), "C2", "411", refs, None)
    assert (by_name.number, by_name.rule) == ("411ETIENNE", "name")  # never the 401 of the same name
    ambiguous = match_third_party(party("C3", "Garage Martin"), "C3", "411", refs, None)
    assert ambiguous.rule == "ambiguous" and ambiguous.candidates == ("411MARTIN1", "411MARTIN2")
    new = match_third_party(party("C-150", "Inconnu"), "C-150", "411", refs, None)
    assert (new.number, new.rule) == ("411C150", "new")
    assert match_third_party(party("C1", "x"), "C1", "411", refs, "411KNOWN").number == "411KNOWN"
    assert normalise_name("  SARL  Étienne & Fils ") == "sarl etienne fils"


def test_ambiguous_client_holds_its_documents_before_any_write() -> None:
    refs = folder(
        accounts=[
            {"account_id": 3, "account_number": "411MARTIN1", "label": "Garage Martin"},
            {"account_id": 4, "account_number": "411MARTIN2", "label": "GARAGE MARTIN"},
            {"account_id": 5, "account_number": "706000", "label": "x"},
            {"account_id": 6, "account_number": "445710", "label": "x"},
        ]
    )
    gi = {
        "clients": [client("C150", None, "Garage Martin")],
        "invoices": [invoice("INV-1", "FA1", "2025-02-01", "C150", [line("10.00", "2.00")],
                             total_ht="10.00", total_vat="2.00", total_ttc="12.00")],
        "payments": [], "settings": SETTINGS,
    }  # fmt: skip
    plan = build_plan(cfg(auto_create_clients=True), gi, refs, {})
    out, decisions = check_third_parties(plan, refs, cfg(auto_create_clients=True))
    assert [d.status for d in decisions] == ["ambiguous"]
    issue = out.holds["GI-d001-INV-INV-1"][0]
    assert issue.code.startswith("third_party_ambiguous") and "411MARTIN1, 411MARTIN2" in issue.message


def test_a_fiscal_year_is_named_by_its_year_only_when_it_is_a_calendar_year() -> None:
    from gisync.myunisoft.reference import FiscalYear
    from gisync.validation import _year_name

    assert _year_name(FiscalYear(1, dt.date(2024, 1, 1), dt.date(2024, 12, 31), True)) == "2024"
    assert _year_name(FiscalYear(2, dt.date(2023, 10, 1), dt.date(2024, 9, 30), False)) == "2023-10-01–2024-09-30"
