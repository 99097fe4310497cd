"""Builders shared by the tests: GI records in the contract's shape (gi/CONTRACT.md) and a small folder."""

from __future__ import annotations

from typing import Any

from gisync.accounting.entries import Accounts, EntryDraft
from gisync.myunisoft.reference import FolderRefs

ACCOUNTS = Accounts(
    default_revenue="706000",
    vat_collected={"20": "445710", "10": "445712", "5.5": "445713"},
    vat_deductible={"20": "445660", "10": "445660", "5.5": "445660"},
    account_replacements={},
)


def invoice(
    gi_id: str, number: str, date: str, client: str, lines: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    """A GI sales invoice; its totals and any other field are given in ``extra``."""
    raw: dict[str, Any] = {
        "id": gi_id,
        "number": number,
        "type": "invoice",
        "status": "issued",
        "date": date,
        "due_date": None,
        "client_id": client,
        "currency": "EUR",
        "lines": lines,
    }
    raw.update(extra)
    return raw


def line(ht: str, vat: str, account: str | None = None, label: str = "x") -> dict[str, Any]:
    """An invoice line at 20 % VAT."""
    return {"label": label, "account_number": account, "amount_ht": ht, "vat_rate": "20", "vat_amount": vat}


def client(code: str, account: str | None = None, name: str = "Client", **extra: Any) -> dict[str, Any]:
    return {"id": code, "code": code, "name": name, "account_number": account, **extra}


def payment(
    gi_id: str, invoice_id: str, date: str, amount: str, mode: str, *, client: str, **extra: Any
) -> dict[str, Any]:
    """A valid GI payment settling ``amount`` of one invoice."""
    return {
        "id": gi_id, "date": date, "client_id": client, "amount": amount, "currency": "EUR", "mode": mode,
        "reference": gi_id, "status": "valid", "allocations": [{"invoice_id": invoice_id, "amount": amount}],
        **extra,
    }  # fmt: skip


def lines_of(draft: EntryDraft | None) -> list[tuple[str, str, str]]:
    """Entry lines as (account, D/C, amount) for exact comparisons."""
    assert draft is not None
    return [(ln.account, "D" if ln.debit else "C", str(ln.debit if ln.debit else ln.credit)) for ln in draft.lines]


def folder(**overrides: Any) -> FolderRefs:
    raw: dict[str, Any] = {
        "society": {"society_id": 2123, "name": "TEST"},
        "accounts": [
            {"account_id": i + 1, "account_number": n, "label": n}
            for i, n in enumerate(
                ["411C001", "411C002", "706000", "445710", "445712", "445660", "512000", "606000", "401S017"]
            )
        ],
        "diaries": [
            {"diary_id": 1, "code": "VTE", "name": "Ventes", "diary_type_code": "VTE", "blocked": False},
            {
                "diary_id": 3,
                "code": "BQ",
                "name": "Banque",
                "diary_type_code": "BQ",
                "blocked": False,
                "account": {"id": 7, "number": "512000", "label": "BANQUE"},
            },
            {"diary_id": 2, "code": "ACH", "name": "Achats", "diary_type_code": "ACH", "blocked": False},
        ],
        "payment_types": [{"payment_type_id": 11094, "code": "VIRT"}, {"payment_type_id": 11096, "code": "CHQ"}],
        "exercices": [
            {"exercice_id": 1, "start_date": "20240101", "end_date": "20241231", "closed": True},
            {"exercice_id": 2, "start_date": "20250101", "end_date": "20251231", "closed": False},
        ],
    }
    raw.update(overrides)
    return FolderRefs.from_raw(raw)
