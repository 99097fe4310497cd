"""GI records as typed documents, read once from the contract's dicts.

Parsing never drops a record: a field that cannot be read becomes an :class:`Issue` on the document,
so the document ends ``held`` with a reason instead of disappearing (a silent gap is the worst fault a
sync can have).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from gisync.money import AmountError, to_decimal

DocKind = Literal["INV", "CN", "PAY", "PINV", "PCN"]
# What a run can do with a document (report.json "state"); the first ones are final for the run.
OUTCOMES = (
    "created",
    "would_create",
    "already_synced",
    "held",
    "deferred",
    "rejected",
    "out_of_scope",
    "drift",
    "pending",
)
KIND_JOURNAL: dict[str, str] = {
    "INV": "sales",
    "CN": "sales",
    "PAY": "payments",
    "PINV": "purchases",
    "PCN": "purchases",
}


@dataclass(frozen=True)
class Issue:
    """Why a document cannot be posted: a stable ``code`` and a message naming the document and the fix."""

    code: str
    message: str


@dataclass(frozen=True)
class ThirdParty:
    id: str
    code: str
    name: str
    account_number: str | None
    siren: str | None = None
    vat_number: str | None = None


@dataclass(frozen=True)
class DocLine:
    label: str
    account_number: str | None
    amount_ht: Decimal
    vat_rate: str
    vat_amount: Decimal | None


@dataclass(frozen=True)
class Allocation:
    invoice_id: str
    amount: Decimal


@dataclass
class Document:
    """One GI document, whatever its kind; only the fields its kind uses are filled."""

    kind: DocKind
    gi_id: str
    number: str
    date: dt.date | None
    party_id: str
    status: str
    currency: str = "EUR"
    due_date: dt.date | None = None
    lines: list[DocLine] = field(default_factory=list)
    total_ht: Decimal | None = None
    total_vat: Decimal | None = None
    total_ttc: Decimal | None = None
    total_ttc_eur: Decimal | None = None  # foreign currency: the GI's EUR amount (never guessed)
    amount: Decimal | None = None
    amount_currency: Decimal | None = None
    mode: str | None = None
    reference: str = ""
    allocations: list[Allocation] = field(default_factory=list)
    negative: bool = False
    issues: list[Issue] = field(default_factory=list)

    @property
    def journal(self) -> str:
        return KIND_JOURNAL[self.kind]

    def partner_id(self, dossier: str) -> str:
        """The stable idempotency key sent as ``entry_origin_partner_id``."""
        return f"GI-{dossier}-{self.kind}-{self.gi_id}"


def calendar_date(value: Any, tz: dt.tzinfo | None = None) -> dt.date | None:
    """A document's calendar date. ``YYYY-MM-DD`` is taken as it is; a date-time with an offset is the
    calendar date it falls on in the dossier's timezone ``tz`` (23:30Z on 31 January is 1 February in
    Paris), never the UTC date; a date-time without offset keeps its own date. Raises ValueError."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    text = str(value).strip()
    if len(text) <= 10:
        return dt.date.fromisoformat(text)
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is not None and tz is not None:
        moment = moment.astimezone(tz)
    return moment.date()


def _opt_str(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def parse_third_party(raw: dict[str, Any]) -> ThirdParty:
    return ThirdParty(
        id=str(raw["id"]),
        code=str(raw.get("code") or raw["id"]),
        name=str(raw.get("name") or "").strip(),
        account_number=_opt_str(raw.get("account_number")),
        siren=_opt_str(raw.get("siren")),
        vat_number=_opt_str(raw.get("vat_number")),
    )


class _Reader:
    """Collects issues while reading one record, so that every problem is reported at once."""

    def __init__(self, label: str, tz: dt.tzinfo | None = None) -> None:
        self.label = label
        self.tz = tz
        self.issues: list[Issue] = []

    def amount(self, raw: dict[str, Any], key: str, *, required: bool = True) -> Decimal | None:
        value = raw.get(key)
        if value is None or value == "":
            if required:
                self.issues.append(Issue("missing_amount", f"{self.label}: montant {key} manquant / missing {key}"))
            return None
        try:
            return to_decimal(value)  # full precision: rounding happens once, after grouping
        except AmountError as exc:
            self.issues.append(Issue("invalid_amount", f"{self.label}: {key} illisible / unreadable ({exc})"))
            return None

    def date(self, raw: dict[str, Any], key: str, *, required: bool) -> dt.date | None:
        try:
            value = calendar_date(raw.get(key), self.tz)
        except ValueError:
            self.issues.append(
                Issue(f"invalid_{key}", f"{self.label}: date {key} invalide / invalid ({raw.get(key)!r})")
            )
            return None
        if value is None and required:
            code = "missing_invoice_date" if key == "date" else f"missing_{key}"
            self.issues.append(Issue(code, f"{self.label}: date de facture manquante / missing date"))
        return value


def parse_invoice(raw: dict[str, Any], *, purchase: bool = False, tz: dt.tzinfo | None = None) -> Document:
    """A sales (or purchase) invoice or credit note; the sign is normalised (amounts are positive)."""
    gi_id = str(raw["id"])
    number = str(raw.get("number") or "").strip()
    read = _Reader(f"{gi_id} {number}".strip(), tz)
    is_credit = str(raw.get("type") or "invoice") == "credit_note"
    lines = []
    for line in raw.get("lines") or []:
        ht = read.amount(line, "amount_ht")
        vat = read.amount(line, "vat_amount", required=False)
        rate = str(line.get("vat_rate") if line.get("vat_rate") is not None else "0").strip().replace(",", ".")
        try:
            if not Decimal(rate).is_finite():
                raise InvalidOperation
        except InvalidOperation:
            read.issues.append(
                Issue(
                    "invalid_vat_rate",
                    f"{read.label}: taux de TVA illisible {line.get('vat_rate')!r} / unreadable VAT rate",
                )
            )
            continue
        if ht is None:
            continue
        lines.append(
            DocLine(
                label=str(line.get("label") or ""),
                account_number=_opt_str(line.get("account_number")),
                amount_ht=ht,
                vat_rate=rate,
                vat_amount=vat,
            )
        )
    total_ttc = read.amount(raw, "total_ttc")
    negative = total_ttc is not None and total_ttc < 0
    if not is_credit and negative:
        read.issues.append(
            Issue(
                "negative_invoice",
                f"{read.label}: facture de montant négatif sans type avoir / negative invoice",
            )
        )
    if purchase:
        kind: DocKind = "PCN" if is_credit else "PINV"
        party = str(raw.get("supplier_id") or "")
    else:
        kind = "CN" if is_credit else "INV"
        party = str(raw.get("client_id") or "")
    doc = Document(
        kind=kind,
        gi_id=gi_id,
        number=number,
        date=read.date(raw, "date", required=True),
        due_date=read.date(raw, "due_date", required=False),
        party_id=party,
        status=str(raw.get("status") or "issued"),
        currency=str(raw.get("currency") or "EUR").upper(),
        lines=[_abs_line(ln) for ln in lines] if is_credit else lines,
        total_ht=_abs(read.amount(raw, "total_ht")) if is_credit else read.amount(raw, "total_ht"),
        total_vat=_abs(read.amount(raw, "total_vat")) if is_credit else read.amount(raw, "total_vat"),
        total_ttc=_abs(total_ttc) if is_credit else total_ttc,
        total_ttc_eur=_abs(read.amount(raw, "total_ttc_eur", required=False)),
        negative=negative,
    )
    doc.issues = read.issues
    return doc


def _abs(value: Decimal | None) -> Decimal | None:
    return None if value is None else abs(value)


def _abs_line(line: DocLine) -> DocLine:
    """Credit notes arrive negative or positive; both give the same (positive) amounts."""
    return DocLine(
        label=line.label,
        account_number=line.account_number,
        amount_ht=abs(line.amount_ht),
        vat_rate=line.vat_rate,
        vat_amount=_abs(line.vat_amount),
    )


def parse_payment(raw: dict[str, Any], *, tz: dt.tzinfo | None = None) -> Document:
    gi_id = str(raw["id"])
    reference = str(raw.get("reference") or "").strip()
    read = _Reader(f"{gi_id} {reference}".strip(), tz)
    allocations = []
    for alloc in raw.get("allocations") or []:
        amount = read.amount(alloc, "amount")
        if amount is not None:
            allocations.append(Allocation(invoice_id=str(alloc.get("invoice_id")), amount=amount))
    doc = Document(
        kind="PAY",
        gi_id=gi_id,
        number=reference or gi_id,
        date=read.date(raw, "date", required=True),
        party_id=str(raw.get("client_id") or ""),
        status=str(raw.get("status") or "valid"),
        currency=str(raw.get("currency") or "EUR").upper(),
        amount=read.amount(raw, "amount"),
        amount_currency=read.amount(raw, "amount_currency", required=False),
        mode=_opt_str(raw.get("mode")),
        reference=reference,
        allocations=allocations,
    )
    if doc.amount is not None and doc.amount <= 0:
        read.issues.append(Issue("invalid_amount", f"{read.label}: règlement de montant nul ou négatif"))
    doc.issues = read.issues
    return doc
