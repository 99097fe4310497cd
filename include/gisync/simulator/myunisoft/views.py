"""Response shapes built from the state (examples/*.json and API.md §6–§8).

Amounts go out as Decimals rounded to the cent and the empty side of a line as ``null``, as the
real export does; input zeros never come back as ``0``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gisync.money import round_cents
from gisync.simulator.myunisoft.state import Store

NO_PAYMENT_TYPE = {"code": None, "name": None, "payment_type_id": None}


def simple_account(account: dict[str, Any]) -> dict[str, Any]:
    """``GET account?mode=1`` item."""
    return {k: account[k] for k in ("account_id", "account_number", "label")}


def account_ref(account: dict[str, Any]) -> dict[str, Any]:
    return simple_account(account)


def amount_out(value: Any) -> Decimal | None:
    """The line side as exported: the cents, or ``None`` for the empty side."""
    amount = round_cents(Decimal(value))
    return amount if amount != 0 else None


def _payment_type(store: Store, line: dict[str, Any]) -> dict[str, Any]:
    found = store.payment_type(int(line.get("payment_type_id", -1)))
    if found is None:
        return dict(NO_PAYMENT_TYPE)
    return {"code": found["code"], "name": found["name"], "payment_type_id": found["payment_type_id"]}


def _totals(entries: list[dict[str, Any]]) -> tuple[Decimal, Decimal]:
    lines = [line for entry in entries for line in entry["entry_list"]]
    debit = sum((round_cents(Decimal(line["debit"])) for line in lines), Decimal("0.00"))
    credit = sum((round_cents(Decimal(line["credit"])) for line in lines), Decimal("0.00"))
    return debit, credit


def _account_of(store: Store, line: dict[str, Any]) -> dict[str, Any]:
    account = store.account_by_id(int(line["account_id"]))
    if account is None:  # a PATCHed state may drop an account: show the id rather than fail
        return {"account_id": int(line["account_id"]), "account_number": None, "label": None}
    return account_ref(account)


def _line(store: Store, line: dict[str, Any]) -> dict[str, Any]:
    return {
        "line_entry_id": line["line_entry_id"],
        "label": line["label"],
        "debit": amount_out(line["debit"]),
        "credit": amount_out(line["credit"]),
        "piece": line.get("piece"),
        "piece2": line.get("piece2"),
        "deadline": line.get("deadline"),
        "account": _account_of(store, line),
    }


def _diary(store: Store, entry: dict[str, Any]) -> dict[str, Any]:
    diary = store.diary_by_id(int(entry["diary_id"])) or {}
    return {"id": diary.get("diary_id"), "code": diary.get("code"), "label": diary.get("name")}


def created_entry(store: Store, entry: dict[str, Any]) -> dict[str, Any]:
    """Response of ``POST entry?type=e`` (API.md §7.1: the ``entry/temp`` response shape, type E)."""
    debit, credit = _totals([entry])
    lines = [
        _line(store, line) | {"payment_type": _payment_type(store, line), "pj_list": []} for line in entry["entry_list"]
    ]
    item = {
        "entry_id": entry["entry_id"],
        "diary": _diary(store, entry),
        "date_piece": entry["date_piece"],
        "etablissement_id": entry["etablissement_id"],
        "comment": bool(entry.get("comment")),
        "entry_list": lines,
    }
    return {"type": "E", "debit_total": debit, "credit_total": credit, "entry_array": [item]}


def exported_entries(store: Store, entries: list[dict[str, Any]], type_letter: str) -> dict[str, Any]:
    """Response of ``POST entries?type=e`` (examples/entries.POST.type_e.json)."""
    debit, credit = _totals(entries)
    array = []
    for entry in entries:
        diary = _diary(store, entry)
        diary["diary_type_code"] = (store.diary_by_id(int(entry["diary_id"])) or {}).get("diary_type_code")
        lines = [_line(store, line) | {"currency": line.get("currency", "EUR")} for line in entry["entry_list"]]
        array.append(
            {
                "diary": diary,
                "blocked": False,
                "comment": bool(entry.get("comment")),
                "entry_id": entry["entry_id"],
                "date_piece": entry["date_piece"],
                "entry_date": entry["entry_date"],
                "entry_list": lines,
                "etablissement_id": entry["etablissement_id"],
            }
        )
    return {"type": type_letter.upper(), "debit_total": debit, "credit_total": credit, "entry_array": array}
