"""The file source reads the contract's folder layout (JSON, CSV) into the REST source's records."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gisync.errors import ConfigError
from gisync.gi.files import GiFileSource
from gisync.models import parse_invoice, parse_payment
from gisync.money import to_decimal
from gisync.simulator.demo_firm import generate, write_files

AMOUNT_KEYS = {
    "amount",
    "amount_ht",
    "vat_amount",
    "total_ht",
    "total_vat",
    "total_ttc",
    "total_ttc_eur",
    "amount_currency",
}
RESOURCES = ["clients", "suppliers", "invoices", "payments", "purchases", "payment_modes"]


def _normal(value: Any, key: str = "") -> Any:
    """Amounts as Decimal (so ``"1200.00"``, ``Decimal("1200.00")`` and ``"1 200,00"`` compare equal)."""
    if isinstance(value, dict):
        return {k: _normal(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v, key) for v in value]
    if key in AMOUNT_KEYS and value is not None:
        return to_decimal(value)
    return value


def _by_key(records: list[dict[str, Any]], key: str = "id") -> dict[str, Any]:
    return {str(r[key]): _normal(r) for r in records}


def _floats(value: Any) -> list[Any]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


@pytest.fixture(scope="module")
def dataset() -> dict[str, Any]:
    return generate()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_every_resource(tmp_path: Path, dataset: dict[str, Any], fmt: str) -> None:
    write_files(dataset, tmp_path, fmt)
    source = GiFileSource(tmp_path)
    for name in RESOURCES:
        key = "code" if name == "payment_modes" else "id"
        got = source.list(name)
        assert _floats(got) == []
        assert len(got) == len(dataset[name]), name
        assert _by_key(got, key) == _by_key(dataset[name], key), name
        if name in ("invoices", "payments", "purchases"):
            assert [(r["date"], r["id"]) for r in got] == sorted((r["date"], r["id"]) for r in dataset[name])
            for got_doc, want_doc in zip(got, sorted(dataset[name], key=lambda r: (r["date"], r["id"])), strict=True):
                # lines / allocations keep the file order
                assert _normal(got_doc) == _normal(want_doc)
    assert source.list("payment-modes") == source.list("payment_modes")
    assert source.settings() == dataset["settings"]


def test_json_numbers_are_decimal_and_documents_parse(tmp_path: Path) -> None:
    (tmp_path / "payments.json").write_text(
        '[{"id": "P1", "date": "2025-01-02", "client_id": "C1", "amount": 120.5, "currency": "EUR",'
        ' "status": "valid", "allocations": [{"invoice_id": "I1", "amount": 120.50}]}]',
        encoding="utf-8",
    )
    [payment] = GiFileSource(tmp_path).list("payments")
    assert payment["amount"] == Decimal("120.5") and isinstance(payment["amount"], Decimal)
    assert parse_payment(payment).amount == Decimal("120.50")


INVOICE_HEADER = (
    "id;number;type;status;date;client_id;currency;total_ht;total_vat;total_ttc;"
    "line_label;line_account_number;line_amount_ht;line_vat_rate;line_vat_amount"
)


def test_semicolon_csv_with_comma_decimals_and_bom(tmp_path: Path) -> None:
    rows = [
        INVOICE_HEADER,
        "I1;FA-1;invoice;issued;2025-01-05;C1;EUR;1 200,50;235,10;1 435,60;Conseil;706100;1 000,00;20;200,00",
        "I1;FA-1;invoice;issued;2025-01-05;C1;EUR;1 200,50;235,10;1 435,60;Débours;;200,50;0;0,00",
        "I1;FA-1;invoice;issued;2025-01-05;C1;EUR;1 200,50;235,10;1 435,60;Repas;;0,00;10;35,10",
    ]
    (tmp_path / "invoices.csv").write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    [record] = GiFileSource(tmp_path).list("invoices")
    assert record["id"] == "I1"  # the BOM is not part of the first column name
    assert record["total_ht"] == "1 200,50"
    assert [ln["label"] for ln in record["lines"]] == ["Conseil", "Débours", "Repas"]
    assert record["lines"][1]["account_number"] is None  # empty → None
    doc = parse_invoice(record)
    assert doc.issues == []
    assert doc.total_ttc == Decimal("1435.60")
    assert [ln.amount_ht for ln in doc.lines] == [Decimal("1000.00"), Decimal("200.50"), Decimal("0.00")]
    assert _floats(record) == []


def test_comma_csv_without_bom(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_text(
        "id,code,name,account_number,address_line1,address_postal_code,address_city,address_country\n"
        '1001,CLI001,"Dupont, Fils et Cie",,"3 rue, bis",69002,Lyon,FR\n'
        "1002,CLI002,Martin,411MARTIN,,,,\n",
        encoding="utf-8",
    )
    clients = GiFileSource(tmp_path).list("clients")
    assert clients[0]["name"] == "Dupont, Fils et Cie"
    assert clients[0]["account_number"] is None
    assert clients[0]["address"] == {"line1": "3 rue, bis", "postal_code": "69002", "city": "Lyon", "country": "FR"}
    assert clients[1]["address"] is None
    assert clients[1]["account_number"] == "411MARTIN"


def test_payments_csv_allocations(tmp_path: Path) -> None:
    (tmp_path / "payments.csv").write_text(
        "id;date;client_id;amount;currency;mode;status;allocation_invoice_id;allocation_amount\n"
        "P1;2025-02-01;C1;300,00;EUR;VIR;valid;I1;100,00\n"
        "P1;2025-02-01;C1;300,00;EUR;VIR;valid;I2;200,00\n"
        "P2;2025-02-03;C1;50,00;EUR;CHQ;valid;;\n",
        encoding="utf-8",
    )
    p1, p2 = GiFileSource(tmp_path).list("payments")
    assert p1["allocations"] == [{"invoice_id": "I1", "amount": "100,00"}, {"invoice_id": "I2", "amount": "200,00"}]
    assert p2["allocations"] == []


@pytest.mark.parametrize(
    ("name", "header", "column"),
    [
        ("invoices", INVOICE_HEADER.replace(";total_ttc;", ";"), "total_ttc"),
        ("invoices", INVOICE_HEADER.replace(";status;", ";"), "status"),
        ("invoices", INVOICE_HEADER.replace(";line_amount_ht;", ";"), "line_amount_ht"),
        ("payments", "id;date;client_id;amount;status;allocation_invoice_id", "allocation_amount"),
        ("purchases", INVOICE_HEADER.replace("client_id", "supplierid"), "supplier_id"),
        ("clients", "code;name", "id"),
    ],
)
def test_missing_required_column(tmp_path: Path, name: str, header: str, column: str) -> None:
    (tmp_path / f"{name}.csv").write_text(header + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        GiFileSource(tmp_path).list(name)
    assert str(caught.value) == f"GI file {name}.csv: required column {column!r} is missing"


def test_missing_optional_files(tmp_path: Path) -> None:
    source = GiFileSource(tmp_path)
    for name in RESOURCES:
        assert source.list(name) == []
    assert source.list("invoices", date_from="2025-01-01") == []
    assert source.settings() == {}


def test_conflicting_duplicate_ids(tmp_path: Path) -> None:
    rows = [
        INVOICE_HEADER,
        "I1;FA-1;invoice;issued;2025-01-05;C1;EUR;100;20;120;a;;100;20;20",
        "I1;FA-1;invoice;issued;2025-01-06;C1;EUR;100;20;120;b;;0;20;0",
    ]
    (tmp_path / "invoices.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"invoices\.csv: id I1 .*'date'"):
        GiFileSource(tmp_path).list("invoices")
    (tmp_path / "invoices.csv").unlink()
    (tmp_path / "clients.json").write_text('[{"id": "1", "name": "A"}, {"id": "1", "name": "B"}]', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"clients\.json: id 1 appears twice"):
        GiFileSource(tmp_path).list("clients")
    (tmp_path / "clients.json").write_text('[{"id": "1", "name": "A"}, {"id": "1", "name": "A"}]', encoding="utf-8")
    assert GiFileSource(tmp_path).list("clients") == [{"id": "1", "name": "A"}]


def test_two_exports_of_one_resource(tmp_path: Path) -> None:
    (tmp_path / "clients.json").write_text("[]", encoding="utf-8")
    (tmp_path / "clients.csv").write_text("id;name\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"clients\.json and clients\.csv"):
        GiFileSource(tmp_path).list("clients")


def _doc(doc_id: str, day: str | None, client: str = "C1", **extra: Any) -> dict[str, Any]:
    return {"id": doc_id, "type": "invoice", "status": "issued", "date": day, "client_id": client, **extra}


def _write(folder: Path, name: str, records: list[dict[str, Any]]) -> None:
    from gisync.jsonutil import write_file

    write_file(folder / f"{name}.json", records)


def test_invoice_filters_are_inclusive_and_keep_undated(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "invoices",
        [
            _doc("5", "2025-01-31", updated_at="2025-02-01T10:00:00+01:00"),
            _doc("1", "2025-01-01", updated_at="2025-01-01T09:00:00+01:00"),
            _doc("2", "2024-12-31T23:30:00+01:00", client="C2", updated_at="2025-01-01T08:59:59+01:00"),
            _doc("3", None),
            _doc("4", "31/01/2025", client="C2"),
            _doc("6", "2025-02-01"),
        ],
    )
    source = GiFileSource(tmp_path)
    ids = lambda records: [r["id"] for r in records]  # noqa: E731
    assert ids(source.list("invoices")) == ["3", "4", "2", "1", "5", "6"]  # (date, id); undated first
    assert ids(source.list("invoices", date_from="2025-01-01", date_to="2025-01-31")) == ["3", "4", "1", "5"]
    assert ids(source.list("invoices", date_to="2024-12-31")) == ["3", "4", "2"]  # local date of a date-time
    assert ids(source.list("invoices", client_id="C2")) == ["4", "2"]
    assert ids(source.list("invoices", updated_since="2025-01-01T09:00:00+01:00")) == ["3", "4", "1", "5", "6"]
    import datetime as dt

    assert ids(source.list("invoices", date_from=dt.date(2025, 1, 31), date_to=None)) == ["3", "4", "5", "6"]
    with pytest.raises(ConfigError, match="unknown filter"):
        source.list("invoices", supplier_id="S1")
    with pytest.raises(ConfigError, match="not a date"):
        source.list("invoices", date_from="01/01/2025")


def test_payment_filters_and_invoice_date_from(tmp_path: Path) -> None:
    def pay(pid: str, day: str, *invoice_ids: str) -> dict[str, Any]:
        return {
            "id": pid,
            "date": day,
            "client_id": "C1",
            "amount": "10.00",
            "status": "valid",
            "allocations": [{"invoice_id": i, "amount": "5.00"} for i in invoice_ids],
        }

    _write(tmp_path, "payments", [pay("P1", "2025-02-01", "OLD"), pay("P2", "2025-02-01", "OLD", "NEW")])
    source = GiFileSource(tmp_path)
    with pytest.raises(ConfigError, match="needs the invoices file"):
        source.list("payments", invoice_date_from="2025-01-01")
    _write(
        tmp_path,
        "payments",
        [
            pay("P1", "2025-02-01", "OLD"),
            pay("P2", "2025-02-01", "OLD", "EDGE"),
            pay("P3", "2025-01-15", "UNDATED"),
            pay("P4", "2025-01-20", "GONE"),
            pay("P5", "2025-01-20"),
            pay("P6", "2024-12-31", "EDGE"),
        ],
    )
    _write(
        tmp_path,
        "invoices",
        [_doc("OLD", "2024-12-31"), _doc("EDGE", "2025-01-01"), _doc("UNDATED", None)],
    )
    ids = [p["id"] for p in source.list("payments", invoice_date_from="2025-01-01")]
    assert ids == ["P6", "P3", "P2"]  # EDGE on the boundary counts, an undated invoice is kept
    ids = [p["id"] for p in source.list("payments", date_from="2025-01-20")]
    assert ids == ["P4", "P5", "P1", "P2"]


def test_no_float_anywhere_on_the_demo_firm(tmp_path: Path, dataset: dict[str, Any]) -> None:
    write_files(dataset, tmp_path / "json", "json")
    write_files(dataset, tmp_path / "csv", "csv")
    for folder in ("json", "csv"):
        source = GiFileSource(tmp_path / folder)
        everything = [source.list(n) for n in RESOURCES] + [source.settings()]
        assert _floats(everything) == []
