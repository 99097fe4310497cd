"""The demo firm is the shared fixture of the whole project: it must be deterministic, exactly in the
contract's shape, internally consistent, and carry the traps the product is expected to handle."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gisync import jsonutil
from gisync.money import round_cents
from gisync.simulator.demo_firm import END, START, generate, myunisoft_accounts, write_files

AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return generate()


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [v for item in value.values() for v in _walk(item)]
    if isinstance(value, list):
        return [v for item in value for v in _walk(item)]
    return [value]


def test_deterministic(data: dict[str, Any]) -> None:
    assert generate() == data
    assert generate(2024) == data
    assert generate(7) != data
    assert generate(7) == generate(7)


def test_no_float_anywhere(data: dict[str, Any]) -> None:
    leaves = _walk(data)
    assert not [v for v in leaves if isinstance(v, float)]
    assert not [v for v in leaves if isinstance(v, Decimal)]  # amounts are strings in the contract


def test_counts(data: dict[str, Any]) -> None:
    invoices = [i for i in data["invoices"] if i["type"] == "invoice"]
    notes = [i for i in data["invoices"] if i["type"] == "credit_note"]
    assert len(data["clients"]) >= 32
    assert len(data["suppliers"]) >= 8
    assert len(invoices) >= 210
    assert len(notes) >= 12
    assert len(data["payments"]) >= 160
    purchases = Counter(p["type"] for p in data["purchases"])
    assert purchases["invoice"] >= 45 and purchases["credit_note"] == 2
    statuses = Counter(i["status"] for i in invoices)
    assert statuses["draft"] == 3 and statuses["cancelled"] == 2
    assert Counter(p["status"] for p in data["payments"])["cancelled"] == 2
    assert 2 <= sum(1 for i in invoices if i["due_date"] is None) <= 6


def test_third_parties(data: dict[str, Any]) -> None:
    clients = data["clients"]
    assert [c["code"] for c in clients] == [f"CLI{n:03d}" for n in range(1, len(clients) + 1)]
    assert [s["code"] for s in data["suppliers"]] == [f"FRS{n:03d}" for n in range(1, len(data["suppliers"]) + 1)]
    assert any(ch in "éèêëàâçôîïœÉ" for c in clients for ch in c["name"])
    with_siren = [c for c in clients if c["siren"]]
    assert len(clients) // 3 <= len(with_siren) <= 2 * len(clients) // 3
    assert all(re.fullmatch(r"\d{9}", c["siren"]) for c in with_siren)
    accounts = [c["account_number"] for c in clients if c["account_number"]]
    assert len(accounts) == len(set(accounts))
    assert all(re.fullmatch(r"411[A-Z0-9]{1,7}", a) for a in accounts)
    assert 2 <= len(clients) - len(accounts) <= 3
    assert all(re.fullmatch(r"401[A-Z0-9]{1,7}", s["account_number"]) for s in data["suppliers"])
    for party in clients + data["suppliers"]:
        assert set(party) == {
            "id",
            "code",
            "name",
            "siren",
            "vat_number",
            "email",
            "address",
            "account_number",
            "updated_at",
        }
        assert isinstance(party["id"], str) and STAMP.match(party["updated_at"])
        assert set(party["address"]) == {"line1", "postal_code", "city", "country"}


def _check_document(doc: dict[str, Any]) -> None:
    assert isinstance(doc["id"], str)
    assert DAY.match(doc["date"]) and START.isoformat() <= doc["date"] <= END.isoformat()
    assert doc["due_date"] is None or doc["due_date"] >= doc["date"]
    assert STAMP.match(doc["updated_at"]) and doc["updated_at"][:10] >= doc["date"]
    assert 1 <= len(doc["lines"]) <= 5
    for line in doc["lines"]:
        assert set(line) == {"label", "account_number", "amount_ht", "vat_rate", "vat_amount"}
        assert AMOUNT.match(line["amount_ht"]) and AMOUNT.match(line["vat_amount"])
        ht = Decimal(line["amount_ht"])
        assert Decimal(line["vat_amount"]) == round_cents(abs(ht) * Decimal(line["vat_rate"]) / 100) * (
            -1 if ht < 0 else 1
        )
    for field in ("total_ht", "total_vat", "total_ttc"):
        assert AMOUNT.match(doc[field])
    assert Decimal(doc["total_ht"]) == sum(Decimal(line["amount_ht"]) for line in doc["lines"])
    assert Decimal(doc["total_vat"]) == sum(Decimal(line["vat_amount"]) for line in doc["lines"])
    assert Decimal(doc["total_ttc"]) == Decimal(doc["total_ht"]) + Decimal(doc["total_vat"])
    assert doc["currency"] == "EUR"


def test_invoices(data: dict[str, Any]) -> None:
    client_ids = {c["id"] for c in data["clients"]}
    by_id = {i["id"]: i for i in data["invoices"]}
    assert len(by_id) == len(data["invoices"])
    assert data["invoices"] == sorted(data["invoices"], key=lambda i: (i["date"], i["id"]))
    for inv in data["invoices"]:
        _check_document(inv)
        assert inv["client_id"] in client_ids
        prefix = "FA" if inv["type"] == "invoice" else "AV"
        assert re.fullmatch(rf"{prefix}-{inv['date'][:4]}-\d{{4}}", inv["number"])
        if inv["type"] == "credit_note":
            credited = by_id[inv["credited_invoice_id"]]
            assert credited["client_id"] == inv["client_id"] and credited["date"] < inv["date"]
            assert credited["type"] == "invoice"
        else:
            assert inv["credited_invoice_id"] is None
    assert len({i["number"] for i in data["invoices"]}) == len(data["invoices"])
    rates = Counter(line["vat_rate"] for i in data["invoices"] for line in i["lines"])
    assert {"20", "10", "5.5", "0"} <= set(rates) and rates["20"] > sum(rates.values()) / 2
    accounts = {line["account_number"] for i in data["invoices"] for line in i["lines"]}
    assert {"706000", "706100", "707000", None, "706300"} == accounts
    notes = [i for i in data["invoices"] if i["type"] == "credit_note"]
    negative = [n for n in notes if Decimal(n["total_ttc"]) < 0]
    assert len(negative) == len(notes) // 2


def test_payments(data: dict[str, Any]) -> None:
    invoices = {i["id"]: i for i in data["invoices"]}
    references = [p["reference"] for p in data["payments"]]
    assert len(set(references)) == len(references)
    per_invoice: Counter[str] = Counter()
    for p in data["payments"]:
        assert DAY.match(p["date"]) and p["date"] <= END.isoformat() and STAMP.match(p["updated_at"])
        assert p["mode"] in {"VIR", "CHQ", "CB", "PRLV", "ESP", "PAYPAL"}
        assert re.fullmatch(rf"{p['mode']}-\d{{6}}", p["reference"])
        assert p["currency"] == "EUR" and AMOUNT.match(p["amount"])
        assert p["allocations"]
        for alloc in p["allocations"]:
            inv = invoices[alloc["invoice_id"]]
            assert inv["client_id"] == p["client_id"] and inv["date"] < p["date"]
            assert inv["status"] == "issued" and inv["type"] == "invoice"
            assert AMOUNT.match(alloc["amount"]) and Decimal(alloc["amount"]) > 0
            per_invoice[alloc["invoice_id"]] += 1
        assert Decimal(p["amount"]) == sum(Decimal(a["amount"]) for a in p["allocations"])
    assert sum(1 for p in data["payments"] if len(p["allocations"]) == 2) >= 8
    assert sum(1 for n in per_invoice.values() if n >= 2) >= 5  # partial payments
    paid: dict[str, Decimal] = {}
    for p in data["payments"]:
        for a in p["allocations"]:
            paid[a["invoice_id"]] = paid.get(a["invoice_id"], Decimal(0)) + Decimal(a["amount"])
    assert all(amount <= Decimal(invoices[i]["total_ttc"]) for i, amount in paid.items())


def test_purchases(data: dict[str, Any]) -> None:
    supplier_ids = {s["id"] for s in data["suppliers"]}
    allowed = {"606100", "606300", "613200", "615000", "618000", "622600", "626000", "627000"}
    for doc in data["purchases"]:
        _check_document(doc)
        assert doc["supplier_id"] in supplier_ids
        assert {line["account_number"] for line in doc["lines"]} <= allowed
        assert {line["vat_rate"] for line in doc["lines"]} <= {"20", "10", "0"}
    assert len({p["id"] for p in data["purchases"]}) == len(data["purchases"])


def test_reference_data(data: dict[str, Any]) -> None:
    assert [m["code"] for m in data["payment_modes"]] == ["VIR", "CHQ", "CB", "PRLV", "ESP", "PAYPAL"]
    settings = data["settings"]
    assert settings["client_collective_account"] == "411000"
    assert settings["vat_collected_accounts"]["20"] == "445712"
    assert "0" not in settings["vat_collected_accounts"]
    assert settings["bank_accounts"] == {}


def test_traps_present(data: dict[str, Any]) -> None:
    training = [
        i
        for i in data["invoices"]
        if i["status"] == "issued" and any(line["account_number"] == "706300" for line in i["lines"])
    ]
    assert 3 <= len(training) <= 5
    paypal = [p for p in data["payments"] if p["mode"] == "PAYPAL" and p["status"] == "valid"]
    assert 3 <= len(paypal) <= 4
    known = {a["account_number"] for a in myunisoft_accounts(data)}
    absent = [c for c in data["clients"] if c["account_number"] not in known]
    assert 5 <= len(absent) <= 6
    assert all(s["account_number"] in known for s in data["suppliers"])


def test_myunisoft_accounts_labels(data: dict[str, Any]) -> None:
    accounts = myunisoft_accounts()
    assert accounts == myunisoft_accounts(data)
    lefevre = next(a for a in accounts if a["account_number"] == "411LEFEVRE")
    assert lefevre["label"] == "BOULANGERIE LEFÈVRE"


def test_write_files_json(tmp_path: Path, data: dict[str, Any]) -> None:
    write_files(data, tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {
        f"{n}.json" for n in ("clients", "suppliers", "invoices", "payments", "purchases", "payment_modes", "settings")
    }
    assert jsonutil.read_file(tmp_path / "invoices.json") == data["invoices"]
    assert jsonutil.read_file(tmp_path / "settings.json") == data["settings"]
    assert "Lefèvre" in (tmp_path / "clients.json").read_text(encoding="utf-8")


def test_write_files_csv(tmp_path: Path, data: dict[str, Any]) -> None:
    write_files(data, tmp_path, fmt="csv")
    header, *rows = (tmp_path / "invoices.csv").read_text(encoding="utf-8").splitlines()
    assert header.startswith("id;number;type;") and "line_amount_ht" in header
    assert len(rows) == sum(len(i["lines"]) for i in data["invoices"])
    pay_header = (tmp_path / "payments.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "allocation_invoice_id" in pay_header and "allocation_amount" in pay_header
    assert (tmp_path / "settings.json").exists()
    with pytest.raises(ValueError):
        write_files(data, tmp_path, fmt="xml")


def test_dates_are_real_calendar_days(data: dict[str, Any]) -> None:
    for doc in data["invoices"] + data["purchases"] + data["payments"]:
        date.fromisoformat(doc["date"])
