"""Entry drafts for every document kind, with their exact lines (field cases B03, B04, B06, B07, B29)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from gisync.accounting.entries import build_invoice, build_payment
from gisync.models import parse_invoice, parse_payment

from builders import ACCOUNTS, invoice, lines_of


def _sales(raw: dict, account: str = "411C001", name: str = "Client") -> object:
    return build_invoice(
        parse_invoice(raw),
        party_account=account,
        party_name=name,
        journal_code="VTE",
        accounts=ACCOUNTS,
        dossier="D001",
    )


def test_sales_invoice_lines_and_partner_id() -> None:
    raw = invoice(
        "INV-1",
        "FA0001",
        "2025-01-05",
        "C001",
        [
            {
                "label": "Honoraires",
                "account_number": None,
                "amount_ht": "100.00",
                "vat_rate": "20",
                "vat_amount": "20.00",
            }
        ],
        total_ht="100.00",
        total_vat="20.00",
        total_ttc="120.00",
        due_date="2025-02-04",
    )
    result = _sales(raw)
    assert result.issues == []
    assert lines_of(result.draft) == [("411C001", "D", "120.00"), ("706000", "C", "100.00"), ("445710", "C", "20.00")]
    draft = result.draft
    assert draft.partner_id == "GI-D001-INV-INV-1"
    assert draft.date_piece == dt.date(2025, 1, 5)
    assert draft.deadline == dt.date(2025, 2, 4)
    assert draft.piece2 == "FA0001"
    assert draft.balanced


def test_b04_lines_grouped_before_rounding() -> None:
    """B04: 0.835 + 0.835 HT at 20 % must give 1.67 + 0.33 = 2.00, never 0.84 + 0.84 + ..."""
    raw = invoice(
        "INV-88",
        "FA0088",
        "2025-04-02",
        "C010",
        [
            {"label": "Frais de dossier", "amount_ht": "0.835", "vat_rate": "20", "vat_amount": "0.167"},
            {"label": "Frais postaux", "amount_ht": "0.835", "vat_rate": "20", "vat_amount": "0.167"},
        ],
        total_ht="1.67",
        total_vat="0.33",
        total_ttc="2.00",
    )
    result = _sales(raw, "411C010")
    assert lines_of(result.draft) == [("411C010", "D", "2.00"), ("706000", "C", "1.67"), ("445710", "C", "0.33")]


def test_b04_vat_per_rate_when_lines_give_no_vat() -> None:
    """B04's input gives only the rate: with one rate the GI's total VAT is used as given."""
    raw = invoice(
        "INV-88",
        "FA0088",
        "2025-04-02",
        "C010",
        [
            {"label": "a", "amount_ht": "0.835", "vat_rate": "20"},
            {"label": "b", "amount_ht": "0.835", "vat_rate": "20"},
        ],
        total_ht="1.67",
        total_vat="0.33",
        total_ttc="2.00",
    )
    assert lines_of(_sales(raw, "411C010").draft) == [
        ("411C010", "D", "2.00"),
        ("706000", "C", "1.67"),
        ("445710", "C", "0.33"),
    ]


def test_rates_split_vat_accounts() -> None:
    raw = invoice(
        "INV-2",
        "FA-2025/0002",
        "2025-01-06",
        "C001",
        [
            {"label": "x", "account_number": "706000", "amount_ht": "100.00", "vat_rate": "20", "vat_amount": "20.00"},
            {"label": "y", "account_number": "706000", "amount_ht": "50.00", "vat_rate": "10", "vat_amount": "5.00"},
            {"label": "z", "account_number": "706000", "amount_ht": "10.00", "vat_rate": "0", "vat_amount": "0.00"},
        ],
        total_ht="160.00",
        total_vat="25.00",
        total_ttc="185.00",
    )
    result = _sales(raw)
    assert lines_of(result.draft) == [  # one revenue line per VAT rate: each VAT base stays visible
        ("411C001", "D", "185.00"),
        ("706000", "C", "10.00"),
        ("706000", "C", "50.00"),
        ("706000", "C", "100.00"),
        ("445712", "C", "5.00"),
        ("445710", "C", "20.00"),
    ]
    assert result.draft.piece2 == "FA20250002"


@pytest.mark.parametrize("sign", ["-", ""])
def test_b06_credit_note_negative_or_positive_gives_the_same_entry(sign: str) -> None:
    raw = invoice(
        "CN-7",
        "AV0007",
        "2025-03-12",
        "C003",
        [{"label": "Avoir", "amount_ht": f"{sign}100.00", "vat_rate": "20", "vat_amount": f"{sign}20.00"}],
        type="credit_note",
        total_ht=f"{sign}100.00",
        total_vat=f"{sign}20.00",
        total_ttc=f"{sign}120.00",
    )
    result = _sales(raw, "411C003")
    assert lines_of(result.draft) == [("411C003", "C", "120.00"), ("706000", "D", "100.00"), ("445710", "D", "20.00")]
    assert result.draft.partner_id == "GI-D001-CN-CN-7"
    assert all(ln.debit >= 0 and ln.credit >= 0 for ln in result.draft.lines)


def test_negative_invoice_without_credit_type_is_held() -> None:
    raw = invoice(
        "INV-9",
        "FA9",
        "2025-03-12",
        "C003",
        [{"label": "x", "amount_ht": "-100.00", "vat_rate": "20", "vat_amount": "-20.00"}],
        total_ht="-100.00",
        total_vat="-20.00",
        total_ttc="-120.00",
    )
    result = _sales(raw)
    assert result.draft is None
    assert [i.code for i in result.issues] == ["negative_invoice"]


def _purchase(ht: str, tva: str, ttc: str) -> dict:
    return {
        "id": "PINV-537",
        "number": "FR240077",
        "type": "invoice",
        "status": "issued",
        "date": "2024-10-31",
        "due_date": None,
        "supplier_id": "S017",
        "currency": "EUR",
        "lines": [{"label": "Achat", "account_number": "606000", "amount_ht": ht, "vat_rate": "20", "vat_amount": tva}],
        "total_ht": ht,
        "total_vat": tva,
        "total_ttc": ttc,
    }


def test_b03_one_cent_gap_is_held_with_a_message_naming_the_document() -> None:
    doc = parse_invoice(_purchase("8004.57", "1600.91", "9605.49"), purchase=True)
    result = build_invoice(
        doc, party_account="401S017", party_name="S", journal_code="ACH", accounts=ACCOUNTS, dossier="D001"
    )
    assert result.draft is None
    assert [i.code for i in result.issues] == ["total_mismatch"]
    assert result.issues[0].message == (
        "PINV-537 FR240077: HT 8 004,57 + TVA 1 600,91 = 9 605,48 ≠ TTC 9 605,49 (écart 0,01)"
    )


def test_b03_gap_posted_to_rounding_account_when_enabled() -> None:
    accounts = dataclasses.replace(
        ACCOUNTS, rounding_policy="account", rounding_tolerance=__import__("decimal").Decimal("0.05")
    )
    doc = parse_invoice(_purchase("8004.57", "1600.91", "9605.49"), purchase=True)
    result = build_invoice(
        doc, party_account="401S017", party_name="S", journal_code="ACH", accounts=accounts, dossier="D001"
    )
    assert sorted(lines_of(result.draft)) == sorted(
        [("401S017", "C", "9605.49"), ("606000", "D", "8004.57"), ("445660", "D", "1600.91"), ("658000", "D", "0.01")]
    )
    assert result.draft.partner_id == "GI-D001-PINV-PINV-537"


def test_purchase_account_replacement_and_supplier_credit_note() -> None:
    accounts = dataclasses.replace(ACCOUNTS, account_replacements={"606000": "606400"})
    raw = _purchase("100.00", "20.00", "120.00") | {"type": "credit_note", "id": "PCN-1"}
    doc = parse_invoice(raw, purchase=True)
    result = build_invoice(
        doc, party_account="401S017", party_name="S", journal_code="ACH", accounts=accounts, dossier="D001"
    )
    assert lines_of(result.draft) == [("401S017", "D", "120.00"), ("606400", "C", "100.00"), ("445660", "C", "20.00")]


def test_b29_empty_label_falls_back_to_number_and_client_name() -> None:
    raw = invoice(
        "INV-1300",
        "FA1300",
        "2025-06-02",
        "C130",
        [{"label": "", "amount_ht": "40.00", "vat_rate": "20", "vat_amount": "8.00"}],
        total_ht="40.00",
        total_vat="8.00",
        total_ttc="48.00",
    )
    result = _sales(raw, "411C130", "Atelier Lumière")
    assert lines_of(result.draft) == [("411C130", "D", "48.00"), ("706000", "C", "40.00"), ("445710", "C", "8.00")]
    assert {ln.label for ln in result.draft.lines} == {"FA1300 Atelier Lumière"}


def test_label_cleaned_and_capped_at_50() -> None:
    raw = invoice(
        "INV-5",
        "FA\t0005",
        "2025-06-02",
        "C1",
        [{"label": "x", "amount_ht": "40.00", "vat_rate": "20", "vat_amount": "8.00"}],
        total_ht="40.00",
        total_vat="8.00",
        total_ttc="48.00",
    )
    result = _sales(raw, "411C1", "Société " + "Très Longue " * 8 + "\x07")
    label = result.draft.lines[0].label
    assert len(label) <= 50 and "\t" not in label and "\x07" not in label and label.startswith("FA 0005 Société")


def test_b13_missing_date_is_held_not_dropped() -> None:
    raw = invoice(
        "INV-500",
        "FA0500",
        "",
        "C1",
        [{"label": "x", "amount_ht": "62.50", "vat_rate": "20", "vat_amount": "12.50"}],
        total_ht="62.50",
        total_vat="12.50",
        total_ttc="75.00",
    )
    result = _sales(raw)
    assert result.draft is None
    assert [i.code for i in result.issues] == ["missing_invoice_date"]
    assert "INV-500 FA0500: date de facture manquante" in result.issues[0].message


def test_deadline_never_before_date_piece() -> None:
    raw = invoice(
        "INV-6",
        "FA6",
        "2025-03-10",
        "C1",
        [{"label": "x", "amount_ht": "10.00", "vat_rate": "0", "vat_amount": "0"}],
        total_ht="10.00",
        total_vat="0.00",
        total_ttc="10.00",
        due_date="2025-03-01",
    )
    assert _sales(raw).draft.deadline == dt.date(2025, 3, 10)


def _payment(gi_id: str, date: str, amount: str, mode: str, allocations: list[tuple[str, str]]) -> dict:
    return {
        "id": gi_id,
        "date": date,
        "client_id": "C020",
        "amount": amount,
        "currency": "EUR",
        "mode": mode,
        "reference": f"REF{gi_id}",
        "status": "valid",
        "allocations": [{"invoice_id": i, "amount": a} for i, a in allocations],
    }


def test_b07_partial_payments_two_entries_no_zero_line() -> None:
    results = [
        build_payment(
            parse_payment(_payment(pid, d, amt, mode, [("INV-100", amt)])),
            party_account="411C020",
            party_name="C",
            bank_account="512000",
            journal_code="BQ",
            invoice_numbers={"INV-100": "FA0100"},
            dossier="D001",
        )
        for pid, d, amt, mode in [("PAY-1", "2025-02-10", "70.00", "VIR"), ("PAY-2", "2025-03-05", "30.00", "CHQ")]
    ]
    assert [lines_of(r.draft) for r in results] == [
        [("512000", "D", "70.00"), ("411C020", "C", "70.00")],
        [("512000", "D", "30.00"), ("411C020", "C", "30.00")],
    ]
    assert [r.draft.date_piece.isoformat() for r in results] == ["2025-02-10", "2025-03-05"]
    assert [r.draft.lines[0].payment_mode for r in results] == ["VIR", "CHQ"]
    assert all(r.draft.lines[1].piece2 == "FA0100" for r in results)


def test_payment_settling_two_invoices_and_an_overpayment() -> None:
    raw = _payment("PAY-3", "2025-04-01", "250.00", "VIR", [("INV-1", "120.00"), ("INV-2", "100.00")])
    result = build_payment(
        parse_payment(raw),
        party_account="411C020",
        party_name="C",
        bank_account="512000",
        journal_code="BQ",
        invoice_numbers={"INV-1": "FA0001", "INV-2": "FA0002"},
        dossier="D001",
    )
    assert lines_of(result.draft) == [
        ("512000", "D", "250.00"),
        ("411C020", "C", "120.00"),
        ("411C020", "C", "100.00"),
        ("411C020", "C", "30.00"),
    ]
    assert [ln.piece2 for ln in result.draft.lines[1:3]] == ["FA0001", "FA0002"]
    assert result.draft.balanced


def test_allocations_above_the_payment_are_held() -> None:
    raw = _payment("PAY-4", "2025-04-01", "100.00", "VIR", [("INV-1", "120.00")])
    result = build_payment(
        parse_payment(raw),
        party_account="411C020",
        party_name="C",
        bank_account="512000",
        journal_code="BQ",
        invoice_numbers={},
        dossier="D001",
    )
    assert result.draft is None and [i.code for i in result.issues] == ["allocation_exceeds_payment"]


def test_foreign_currency_uses_the_gi_eur_amount_and_keeps_the_currency_amount() -> None:
    raw = invoice(
        "INV-70", "FA70", "2025-05-02", "C1",
        [
            {"label": "a", "amount_ht": "100.00", "vat_rate": "20", "vat_amount": "20.00"},
            {"label": "b", "account_number": "706100", "amount_ht": "33.33", "vat_rate": "20", "vat_amount": "6.67"},
        ],
        currency="USD", total_ht="133.33", total_vat="26.67", total_ttc="160.00", total_ttc_eur="147.21",
    )  # fmt: skip
    draft = _sales(raw).draft
    assert lines_of(draft) == [
        ("411C001", "D", "147.21"),
        ("706000", "C", "92.00"),
        ("706100", "C", "30.67"),
        ("445710", "C", "24.54"),
    ]  # fmt: skip  (147.21 / 160 = 0.9200625: 92.01 + 30.67 + 24.54 = 147.22, the cent left goes off 706000)
    assert draft.balanced
    assert [(ln.currency, str(ln.value_currency)) for ln in draft.lines] == [
        ("USD", "160.00"), ("USD", "100.00"), ("USD", "33.33"), ("USD", "26.67"),
    ]  # fmt: skip
    assert any("USD" in note for note in draft.notes)


def test_foreign_currency_without_eur_amount_is_held_never_guessed() -> None:
    raw = invoice(
        "INV-71", "FA71", "2025-05-02", "C1",
        [{"label": "a", "amount_ht": "100.00", "vat_rate": "0", "vat_amount": "0"}],
        currency="CHF", total_ht="100.00", total_vat="0.00", total_ttc="100.00",
    )  # fmt: skip
    result = _sales(raw)
    assert result.draft is None
    assert [i.code for i in result.issues] == ["foreign_currency_without_eur"]


def test_rounding_gap_is_noted_on_the_entry() -> None:
    accounts = dataclasses.replace(ACCOUNTS, rounding_policy="account", rounding_tolerance=Decimal("0.05"))
    doc = parse_invoice(_purchase("8004.57", "1600.91", "9605.49"), purchase=True)
    result = build_invoice(
        doc, party_account="401S017", party_name="S", journal_code="ACH", accounts=accounts, dossier="D001"
    )
    assert result.draft.notes == ["écart d'arrondi 0,01 passé en 658000"]


def test_rounding_gap_beyond_tolerance_is_held() -> None:
    accounts = dataclasses.replace(ACCOUNTS, rounding_policy="account", rounding_tolerance=Decimal("0.05"))
    doc = parse_invoice(_purchase("8004.57", "1600.91", "9605.58"), purchase=True)
    result = build_invoice(
        doc, party_account="401S017", party_name="S", journal_code="ACH", accounts=accounts, dossier="D001"
    )
    assert result.draft is None and [i.code for i in result.issues] == ["total_mismatch"]


def test_dates_are_calendar_dates_in_the_dossier_timezone_never_utc() -> None:
    from zoneinfo import ZoneInfo

    from gisync.models import calendar_date

    paris = ZoneInfo("Europe/Paris")
    assert calendar_date("2025-01-31", paris) == dt.date(2025, 1, 31)
    assert calendar_date("2025-01-31T23:30:00Z", paris) == dt.date(2025, 2, 1)  # 00:30 in Paris
    assert calendar_date("2025-02-01T00:30:00+01:00", paris) == dt.date(2025, 2, 1)  # not shifted to UTC
    assert calendar_date("2025-06-30T23:30:00", paris) == dt.date(2025, 6, 30)  # no offset: as given
    raw = invoice("INV-9", "FA9", "2025-01-31T23:30:00Z", "C1",
                  [{"label": "x", "amount_ht": "10.00", "vat_rate": "0", "vat_amount": "0"}],
                  total_ht="10.00", total_vat="0.00", total_ttc="10.00")  # fmt: skip
    assert parse_invoice(raw, tz=paris).date == dt.date(2025, 2, 1)
