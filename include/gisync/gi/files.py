"""The file source: the GI contract read from exported files (CONTRACT.md, "Files").

:class:`GiFileSource` has the interface of :class:`~gisync.gi.rest.GiRestClient` (``list`` and
``settings``) and returns the same dicts, so the pipeline cannot tell them apart.

One folder holds, per resource, one of ``<name>.json`` (a JSON array of contract objects, decoded
with :func:`gisync.jsonutil.loads` so numbers are Decimal), ``<name>.csv`` (UTF-8 with or without a
BOM, ``;`` or ``,`` separated — sniffed from the header row) or ``<name>.xlsx`` (first sheet, header
row; **only when openpyxl is installed** — without it ``.xlsx`` files are ignored, as if absent).
Names: ``clients``, ``suppliers``, ``invoices``, ``payments``, ``purchases``, ``payment_modes`` (the
resource ``payment-modes`` reads ``payment_modes``); ``settings.json`` is the accounting-settings
object. Two files for one resource (``invoices.json`` and ``invoices.csv``) are a ConfigError: the
source never guesses which one is the export of the day.

Flat files (CSV, XLSX):

- every cell is read as text (pandas ``dtype=str, keep_default_na=False``): no value ever goes
  through a float, amounts stay strings (``"1 200,50"`` included) and the parser reads them with
  :func:`gisync.money.to_decimal`; an empty cell is ``None``; cells are stripped;
- invoices and purchases: one row per line, the document columns repeated, then ``line_label``,
  ``line_account_number``, ``line_amount_ht``, ``line_vat_rate``, ``line_vat_amount`` (any
  ``line_<x>`` column becomes ``<x>`` on the line); rows are regrouped per ``id``, lines in file order;
  a row whose line columns are all empty adds no line;
- payments: one row per allocation, ``allocation_invoice_id`` and ``allocation_amount`` (both empty:
  no allocation, e.g. an advance);
- clients and suppliers: ``address_<x>`` columns become the nested ``address`` (``None`` when all
  empty);
- rows of one ``id`` must agree on every document column, else ConfigError naming the file and the
  id (identical duplicate records in JSON are merged the same way).

Required columns (ConfigError naming the file and the column when missing): clients/suppliers
``id``, ``name``; invoices ``id``, ``type``, ``status``, ``date``, ``client_id``, ``total_ht``,
``total_vat``, ``total_ttc``, ``line_amount_ht``, ``line_vat_rate``; purchases the same with
``supplier_id``; payments ``id``, ``status``, ``date``, ``client_id``, ``amount``,
``allocation_invoice_id``, ``allocation_amount``; payment_modes ``code``. ``status`` is required
because a missing one would read as ``issued``/``valid`` and sync drafts. Other columns are optional
(``line_vat_amount`` included: the entry builder handles VAT given per document for one rate).
A missing optional file means "none": an empty list (``settings()`` → ``{}``).

Filters are the REST API's, all inclusive: invoices and purchases ``date_from``, ``date_to`` (document
date), ``client_id`` / ``supplier_id``, ``updated_since``; payments ``date_from``,
``invoice_date_from`` (at least one allocation to an invoice of the invoices file dated on or after
it), ``client_id``, ``updated_since``. An unknown filter is a ConfigError (a misspelt filter silently
ignored would widen or narrow a sync unnoticed). **A record whose date (or ``updated_at``) is missing or
unreadable is kept by every date filter**, and an allocation to an invoice with such a date counts as
matching ``invoice_date_from``: the pipeline then holds the document with a reason instead of the
source dropping it silently. Documents come sorted by (date, id), others by id (``code`` for payment
modes), like the REST source.
"""

from __future__ import annotations

import builtins
import datetime as dt
import importlib.util
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from gisync import jsonutil
from gisync.errors import ConfigError

# XLSX is optional: without openpyxl the source reads JSON and CSV only (``.xlsx`` files are ignored).
HAS_XLSX = importlib.util.find_spec("openpyxl") is not None

RESOURCES = ("clients", "suppliers", "invoices", "payments", "purchases", "payment_modes")
ALIASES = {"payment-modes": "payment_modes"}
KEYS = {"payment_modes": "code"}
DOCUMENTS = ("invoices", "purchases", "payments")
FILTERS: dict[str, set[str]] = {
    "clients": set(),
    "suppliers": set(),
    "payment_modes": set(),
    "invoices": {"date_from", "date_to", "updated_since", "client_id"},
    "purchases": {"date_from", "date_to", "updated_since", "supplier_id"},
    "payments": {"date_from", "invoice_date_from", "updated_since", "client_id"},
}
_DOC_REQUIRED = ["id", "type", "status", "date", "total_ht", "total_vat", "total_ttc"]
REQUIRED: dict[str, list[str]] = {
    "clients": ["id", "name"],
    "suppliers": ["id", "name"],
    "invoices": [*_DOC_REQUIRED, "client_id", "line_amount_ht", "line_vat_rate"],
    "purchases": [*_DOC_REQUIRED, "supplier_id", "line_amount_ht", "line_vat_rate"],
    "payments": ["id", "status", "date", "client_id", "amount", "allocation_invoice_id", "allocation_amount"],
    "payment_modes": ["code"],
}
# The prefix of the columns that make the nested part of a record, and the key it goes under.
NESTED = {
    "invoices": ("line_", "lines"),
    "purchases": ("line_", "lines"),
    "payments": ("allocation_", "allocations"),
    "clients": ("address_", "address"),
    "suppliers": ("address_", "address"),
}
Record = dict[str, Any]


class GiFileSource:
    """A GI export folder, read with the contract's shapes and filters (see the module docstring)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ConfigError(f"GI file source: folder {self.folder} not found")

    def __repr__(self) -> str:
        return f"GiFileSource({str(self.folder)!r})"

    # ------------------------------------------------------------------------------------ public

    def list(self, resource: str, **filters: Any) -> builtins.list[Record]:
        """Every record of ``resource`` in the folder matching ``filters`` (``None`` values are left out)."""
        name = ALIASES.get(resource, resource)
        if name not in FILTERS:
            raise ConfigError(f"GI file source: unknown resource {resource!r}")
        wanted = {k: v for k, v in filters.items() if v is not None}
        unknown = sorted(set(wanted) - FILTERS[name])
        if unknown:
            raise ConfigError(f"GI file source: unknown filter(s) for {resource}: {', '.join(unknown)}")
        records = self._read(name)
        if wanted:
            records = self._filter(name, records, wanted)
        if name in DOCUMENTS:
            return sorted(records, key=_document_key)
        key = KEYS.get(name, "id")
        return sorted(records, key=lambda r: str(r.get(key)))

    def settings(self) -> Record:
        """``settings.json`` (the accounting-settings object), ``{}`` when the file is absent."""
        path = self.folder / "settings.json"
        if not path.exists():
            return {}
        body = _load_json(path)
        if not isinstance(body, dict):
            raise ConfigError(f"GI file {path.name}: not a JSON object")
        return body

    # ---------------------------------------------------------------------------------- reading

    def _path(self, name: str) -> Path | None:
        suffixes = (".json", ".csv", ".xlsx") if HAS_XLSX else (".json", ".csv")
        found = [self.folder / f"{name}{s}" for s in suffixes if (self.folder / f"{name}{s}").is_file()]
        if len(found) > 1:
            raise ConfigError(
                f"GI file source: {' and '.join(p.name for p in found)} both exist — keep only one export of {name}"
            )
        return found[0] if found else None

    def _read(self, name: str) -> builtins.list[Record]:
        path = self._path(name)
        if path is None:
            return []
        if path.suffix == ".json":
            return _from_json(path, name)
        columns, rows = _read_csv(path) if path.suffix == ".csv" else _read_xlsx(path)
        return _from_rows(path.name, name, columns, rows)

    # ---------------------------------------------------------------------------------- filters

    def _filter(self, name: str, records: builtins.list[Record], wanted: dict[str, Any]) -> builtins.list[Record]:
        date_from = _filter_date(wanted.get("date_from"), "date_from")
        date_to = _filter_date(wanted.get("date_to"), "date_to")
        since = _filter_moment(wanted["updated_since"]) if "updated_since" in wanted else None
        party_field = next((f for f in ("client_id", "supplier_id") if f in wanted), None)
        party = str(wanted[party_field]) if party_field else None
        floor = _filter_date(wanted.get("invoice_date_from"), "invoice_date_from")
        invoice_days: dict[str, dt.date | None] = {}
        if floor is not None:
            if self._path("invoices") is None:
                raise ConfigError(
                    "GI file source: invoice_date_from on payments needs the invoices file (invoices.json or .csv)"
                )
            invoice_days = {str(inv.get("id")): _record_date(inv.get("date")) for inv in self._read("invoices")}
        selected = []
        for record in records:
            day = _record_date(record.get("date"))
            if day is not None and date_from is not None and day < date_from:
                continue
            if day is not None and date_to is not None and day > date_to:
                continue
            if party_field and str(record.get(party_field)) != party:
                continue
            if since is not None:
                stamp = _record_moment(record.get("updated_at"))
                if stamp is not None and stamp < since:
                    continue
            if floor is not None and not _allocated_from(record, invoice_days, floor):
                continue
            selected.append(record)
        return selected


# -------------------------------------------------------------------------------------- helpers


def _load_json(path: Path) -> Any:
    try:
        return jsonutil.loads(path.read_bytes())
    except ValueError as exc:
        raise ConfigError(f"GI file {path.name}: not valid JSON ({exc})") from None


def _from_json(path: Path, name: str) -> list[Record]:
    body = _load_json(path)
    if not isinstance(body, list):
        raise ConfigError(f"GI file {path.name}: expected a JSON array of {name}")
    key = KEYS.get(name, "id")
    records: dict[str, Record] = {}
    for position, record in enumerate(body, start=1):
        if not isinstance(record, dict):
            raise ConfigError(f"GI file {path.name}: item {position} is not an object")
        ident = record.get(key)
        if ident is None or str(ident).strip() == "":
            raise ConfigError(f"GI file {path.name}: item {position} has no {key}")
        ident = str(ident)
        if ident in records:
            if records[ident] != record:
                raise ConfigError(f"GI file {path.name}: {key} {ident} appears twice with different contents")
            continue
        records[ident] = record
    return list(records.values())


def _sniff_separator(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") and ";" in header else ","


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    if not header.strip():
        raise ConfigError(f"GI file {path.name}: empty file (a header row is required)")
    try:
        frame = pd.read_csv(
            path,
            sep=_sniff_separator(header),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise ConfigError(f"GI file {path.name}: unreadable CSV ({exc})") from None
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = pd.Index(columns)
    return columns, frame.to_dict("records")


def _xlsx_text(value: Any) -> str:
    """An XLSX cell as text. openpyxl gives numbers as int or float: a float is written back with its
    shortest representation (``1200.5``), which is the text typed in the sheet for any amount of up
    to 15 significant digits, and goes no further as a float."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) and value.tzinfo is None else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path) -> tuple[list[str], list[dict[str, str]]]:  # pragma: no cover
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise ConfigError(f"GI file {path.name}: unreadable XLSX ({exc})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ConfigError(f"GI file {path.name}: empty sheet (a header row is required)")
        columns = [_xlsx_text(c).strip() for c in header]
        records = []
        for row in rows:
            cells = [_xlsx_text(c) for c in row]
            if not any(c.strip() for c in cells):
                continue
            records.append(dict(zip(columns, cells, strict=False)))
        return columns, records
    finally:
        book.close()


def _from_rows(file_name: str, name: str, columns: list[str], rows: Iterable[dict[str, str]]) -> list[Record]:
    """Flat rows → contract records (nested lines, allocations or address; empty text → None)."""
    missing = [c for c in REQUIRED[name] if c not in columns]
    if missing:
        raise ConfigError(f"GI file {file_name}: required column {missing[0]!r} is missing")
    prefix, nested_key = NESTED.get(name, ("", ""))
    nested_cols = [(c, c[len(prefix) :]) for c in columns if prefix and c.startswith(prefix)]
    flat_cols = [c for c in columns if not (prefix and c.startswith(prefix)) and c]
    key = KEYS.get(name, "id")
    records: dict[str, Record] = {}
    for position, row in enumerate(rows, start=2):  # row 1 is the header
        flat = {c: _cell(row.get(c)) for c in flat_cols}
        ident = flat.get(key)
        if ident is None:
            if not any(v is not None for v in flat.values()) and not any(_cell(row.get(c)) for c, _ in nested_cols):
                continue  # a blank row
            raise ConfigError(f"GI file {file_name}: row {position} has no {key}")
        nested = {sub: _cell(row.get(col)) for col, sub in nested_cols}
        record = records.get(ident)
        if record is None:
            record = dict(flat)
            if name in ("clients", "suppliers"):
                if nested_cols:
                    record["address"] = _address(nested)
            elif nested_key:
                record[nested_key] = []
            records[ident] = record
        else:
            conflict = next((c for c in flat_cols if record.get(c) != flat[c]), None)
            if conflict is None and name in ("clients", "suppliers") and record.get("address") != _address(nested):
                conflict = "address"
            if conflict is not None:
                raise ConfigError(
                    f"GI file {file_name}: {key} {ident} appears on several rows with a different {conflict!r} "
                    f"(row {position})"
                )
            if name not in ("invoices", "purchases", "payments"):
                continue  # an identical duplicate row of a third party or a payment mode
        if name in ("invoices", "purchases", "payments") and any(v is not None for v in nested.values()):
            record[nested_key].append(nested)
    return list(records.values())


def _address(nested: dict[str, str | None]) -> dict[str, str | None] | None:
    return nested if any(v is not None for v in nested.values()) else None


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _record_date(value: Any) -> dt.date | None:
    """A record's calendar date (a date-time keeps its own local date); None when missing or unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]) if value not in (None, "") else None
    except ValueError:
        return None


def _record_moment(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _filter_date(value: Any, name: str) -> dt.date | None:
    if value is None:
        return None
    day = _record_date(value)
    if day is None:
        raise ConfigError(f"GI file source: filter {name}={value!r} is not a date (YYYY-MM-DD)")
    return day


def _filter_moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(0))
    moment = _record_moment(value)
    if moment is None:
        raise ConfigError(f"GI file source: filter updated_since={value!r} is not an ISO 8601 date-time")
    return moment


def _allocated_from(payment: Record, invoice_days: dict[str, dt.date | None], floor: dt.date) -> bool:
    """At least one allocation to an invoice dated on or after ``floor`` (or with an unreadable date)."""
    for alloc in payment.get("allocations") or []:
        invoice_id = str(alloc.get("invoice_id")) if isinstance(alloc, dict) else ""
        if invoice_id in invoice_days:
            day = invoice_days[invoice_id]
            if day is None or day >= floor:
                return True
    return False


def _document_key(record: Record) -> tuple[str, str]:
    day = _record_date(record.get("date"))
    return (day.isoformat() if day else "", str(record.get("id")))
