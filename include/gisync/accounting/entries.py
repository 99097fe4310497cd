"""Entry drafts for the five document kinds of DESIGN.md §5.

A draft speaks in account *numbers* and Decimal amounts; turning numbers into MyUnisoft ids is the
payload's job. Lines are grouped per (account, VAT rate) with the unrounded amounts, and rounded once,
so line-level rounding can never unbalance an entry. The GI's VAT and totals are used as given: the
client (or supplier) line is the GI's TTC, and a gap between HT + VAT and TTC holds the document.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from gisync.accounting.normalise import entry_label, piece_number
from gisync.models import Document, Issue
from gisync.money import ZERO, format_fr, round_cents, to_cents


@dataclass(frozen=True)
class DraftLine:
    account: str
    debit: Decimal
    credit: Decimal
    label: str
    piece2: str
    payment_mode: str | None = None
    currency: str = "EUR"
    value_currency: Decimal | None = None  # the amount in ``currency`` when it is not EUR


@dataclass
class EntryDraft:
    """What will be posted for one document, before MyUnisoft ids are known."""

    partner_id: str
    kind: str
    journal: str
    journal_code: str
    date_piece: dt.date
    deadline: dt.date
    label: str
    piece2: str
    lines: list[DraftLine]
    origin: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what a person should know (rounding gap posted...)

    @property
    def total_debit(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((ln.credit for ln in self.lines), ZERO)

    @property
    def balanced(self) -> bool:
        return to_cents(self.total_debit) == to_cents(self.total_credit)


@dataclass(frozen=True)
class Accounts:
    """The accounts a dossier posts to, resolved from the GI settings and the dossier config."""

    default_revenue: str
    vat_collected: dict[str, str]
    vat_deductible: dict[str, str]
    account_replacements: dict[str, str]
    rounding_policy: str = "hold"
    rounding_debit: str = "658000"
    rounding_credit: str = "758000"
    rounding_tolerance: Decimal = ZERO


@dataclass
class BuildResult:
    draft: EntryDraft | None
    issues: list[Issue]


def _rate_key(rate: str) -> str:
    """``"20.00"``, ``"20"`` and ``"20.0"`` are the same rate."""
    return format(Decimal(rate).normalize(), "f")


def _lookup_rate(table: dict[str, str], rate: str) -> str | None:
    wanted = Decimal(rate)
    for key, account in table.items():
        if Decimal(key) == wanted:
            return account
    return None


def _document_label(doc: Document, party_name: str) -> str:
    return entry_label(doc.number or doc.gi_id, party_name)


def _deadline(doc: Document, date_piece: dt.date) -> dt.date:
    """Due date, never before the piece date (MyUnisoft refuses it, and it would be wrong)."""
    return max(doc.due_date or date_piece, date_piece)


def build_invoice(
    doc: Document,
    *,
    party_account: str,
    party_name: str,
    journal_code: str,
    accounts: Accounts,
    dossier: str,
) -> BuildResult:
    """Sales invoice/credit note (VTE) or purchase invoice/credit note (ACH).

    Invoice: third party on one side for TTC, HT per (account, rate) and VAT per rate on the other.
    Credit notes swap the sides; amounts are already positive (see :func:`gisync.models.parse_invoice`).
    """
    issues = list(doc.issues)
    label = _document_label(doc, party_name)
    purchase = doc.kind in ("PINV", "PCN")
    if doc.currency != "EUR" and not doc.total_ttc_eur:
        issues.append(
            Issue(
                "foreign_currency_without_eur",
                f"{label}: devise {doc.currency} sans montant TTC en EUR dans la GI — montant non deviné ; "
                "renseignez total_ttc_eur, puis relancez",
            )
        )
    if not doc.lines:
        issues.append(Issue("no_lines", f"{label}: aucune ligne / no lines"))
    if doc.date is None or doc.total_ttc is None or issues:
        return BuildResult(None, issues)

    ht_groups: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    vat_groups: dict[str, Decimal] = defaultdict(lambda: ZERO)
    missing_vat = False
    for line in doc.lines:
        account = line.account_number or accounts.default_revenue
        account = accounts.account_replacements.get(account, account)
        rate = _rate_key(line.vat_rate)
        ht_groups[(account, rate)] += line.amount_ht
        if line.vat_amount is None:
            missing_vat = True
        else:
            vat_groups[rate] += line.vat_amount
    if missing_vat:
        rates = {rate for _, rate in ht_groups}
        if len(rates) == 1 and doc.total_vat is not None:
            vat_groups = defaultdict(lambda: ZERO, {next(iter(rates)): doc.total_vat})
        else:
            issues.append(Issue("missing_vat", f"{label}: TVA par ligne manquante / VAT per line missing"))
            return BuildResult(None, issues)

    piece2 = piece_number(doc.number or doc.gi_id)
    ttc = round_cents(doc.total_ttc)
    other_side: list[tuple[str, Decimal]] = []
    for (account, _rate), amount in sorted(ht_groups.items()):
        other_side.append((account, round_cents(amount)))
    vat_table = accounts.vat_deductible if purchase else accounts.vat_collected
    for rate, amount in sorted(vat_groups.items()):
        vat = round_cents(amount)
        if vat == ZERO:
            continue
        vat_account = _lookup_rate(vat_table, rate)
        if vat_account is None:
            issues.append(
                Issue(
                    "vat_account_missing",
                    f"{label}: pas de compte de TVA pour le taux {rate} % — ajoutez-le aux comptes de TVA du dossier",
                )
            )
            continue
        other_side.append((vat_account, vat))
    if issues:
        return BuildResult(None, issues)

    # One line per (account, VAT rate) and one per VAT rate, never merged further: the accountant sees
    # each VAT base (a 0 % disbursement stays apart from the 20 % fees on the same account).
    sum_other = sum((amount for _, amount in other_side), ZERO)
    gap = ttc - sum_other
    if gap != ZERO:
        within = accounts.rounding_policy == "account" and abs(gap) <= accounts.rounding_tolerance
        if not within:
            issues.append(
                Issue(
                    "total_mismatch",
                    f"{doc.gi_id} {doc.number}: HT {format_fr(sum_ht(ht_groups))} + TVA "
                    f"{format_fr(sum(vat_groups.values(), ZERO))} = {format_fr(sum_other)} ≠ TTC {format_fr(ttc)} "
                    f"(écart {format_fr(abs(gap))})",
                )
            )
            return BuildResult(None, issues)

    # Which side the third party is on: sales invoice and supplier credit note debit it.
    party_debit = doc.kind in ("INV", "PCN")
    lines = [_line(party_account, ttc, party_debit, label, piece2)]
    for account, amount in other_side:
        if amount != ZERO:
            lines.append(_line(account, amount, not party_debit, label, piece2))
    notes = []
    if gap != ZERO:
        # Other side short (gap > 0): the gap goes on the other side; too long: on the party's side.
        # A debit gap is a charge (658), a credit gap a product (758).
        gap_on_debit = (not party_debit) if gap > 0 else party_debit
        rounding_account = accounts.rounding_debit if gap_on_debit else accounts.rounding_credit
        lines.append(_line(rounding_account, abs(gap), gap_on_debit, label, piece2))
        notes.append(f"écart d'arrondi {format_fr(abs(gap))} passé en {rounding_account}")
    if doc.currency != "EUR" and doc.total_ttc_eur:
        lines = to_eur(lines, round_cents(doc.total_ttc_eur), doc.currency)
        notes.append(f"devise {doc.currency} : {format_fr(ttc)} = {format_fr(round_cents(doc.total_ttc_eur))} EUR")
    draft = EntryDraft(
        partner_id=doc.partner_id(dossier),
        kind=doc.kind,
        journal=doc.journal,
        journal_code=journal_code,
        date_piece=doc.date,
        deadline=_deadline(doc, doc.date),
        label=label,
        piece2=piece2,
        lines=lines,
        origin={"gi_id": doc.gi_id, "number": doc.number, "kind": doc.kind},
        notes=notes,
    )
    return BuildResult(draft, issues)


def to_eur(lines: list[DraftLine], eur_total: Decimal, currency: str) -> list[DraftLine]:
    """Lines in a foreign currency -> EUR lines, the first line (the third party) being the GI's EUR TTC.

    Every other line is converted at the document's own rate (EUR TTC / TTC) and rounded; the cents
    that rounding leaves go to the largest of them, so the entry balances exactly in EUR. Each line
    keeps its amount in the currency (``value_currency``).
    """
    party, others = lines[0], lines[1:]
    total = party.debit or party.credit
    ratio = eur_total / total
    converted = [round_cents((ln.debit or ln.credit) * ratio) for ln in others]
    residual = eur_total - sum(converted, ZERO)
    if others and residual:
        largest = max(range(len(others)), key=lambda i: (others[i].debit or others[i].credit, -i))
        converted[largest] += residual
    result = [_converted(party, eur_total, currency)]
    result += [_converted(ln, amount, currency) for ln, amount in zip(others, converted, strict=True)]
    return result


def _converted(line: DraftLine, eur: Decimal, currency: str) -> DraftLine:
    original = line.debit or line.credit
    return replace(
        line,
        debit=eur if line.debit else ZERO,
        credit=ZERO if line.debit else eur,
        currency=currency,
        value_currency=original,
    )


def sum_ht(groups: dict[tuple[str, str], Decimal]) -> Decimal:
    return sum((round_cents(v) for v in groups.values()), ZERO)


def _line(account: str, amount: Decimal, debit: bool, label: str, piece2: str, mode: str | None = None) -> DraftLine:
    return DraftLine(
        account=account,
        debit=amount if debit else ZERO,
        credit=ZERO if debit else amount,
        label=label,
        piece2=piece2,
        payment_mode=mode,
    )


def build_payment(
    doc: Document,
    *,
    party_account: str,
    party_name: str,
    bank_account: str,
    journal_code: str,
    invoice_numbers: dict[str, str],
    dossier: str,
) -> BuildResult:
    """Payment received (BQ/CAISSE): bank debit for the amount, client credit per settled invoice.

    One line per allocation carries that invoice's number in ``piece2`` (for lettering). What the
    allocations do not cover (an advance, or an overpayment) is credited to the client without an
    invoice reference, so the client account shows it as a credit to use later.
    """
    issues = list(doc.issues)
    label = entry_label(doc.number, party_name)
    if doc.date is None or doc.amount is None or issues:
        return BuildResult(None, issues)
    amount = round_cents(doc.amount)
    allocated = sum((round_cents(a.amount) for a in doc.allocations), ZERO)
    if allocated > amount:
        issues.append(
            Issue(
                "allocation_exceeds_payment",
                f"{label}: affectations {format_fr(allocated)} > règlement {format_fr(amount)}",
            )
        )
        return BuildResult(None, issues)
    reference = piece_number(doc.reference or doc.gi_id)
    lines = [_line(bank_account, amount, True, label, reference, doc.mode)]
    for alloc in doc.allocations:
        value = round_cents(alloc.amount)
        if value == ZERO:
            continue
        number = invoice_numbers.get(alloc.invoice_id, alloc.invoice_id)
        lines.append(
            _line(
                party_account,
                value,
                False,
                entry_label(doc.number, number, party_name),
                piece_number(number),
                doc.mode,
            )
        )
    rest = amount - allocated
    if rest > ZERO:
        lines.append(
            _line(
                party_account,
                rest,
                False,
                entry_label("Acompte", doc.number, party_name),
                reference,
                doc.mode,
            )
        )
    if doc.currency != "EUR" and doc.amount_currency is not None:
        # The GI gives a payment's EUR amount; the bank line keeps what was received in the currency.
        lines[0] = replace(lines[0], currency=doc.currency, value_currency=round_cents(abs(doc.amount_currency)))
    draft = EntryDraft(
        partner_id=doc.partner_id(dossier),
        kind=doc.kind,
        journal=doc.journal,
        journal_code=journal_code,
        date_piece=doc.date,
        deadline=doc.date,
        label=label,
        piece2=reference,
        lines=lines,
        origin={"gi_id": doc.gi_id, "number": doc.number, "kind": doc.kind, "mode": doc.mode or ""},
    )
    return BuildResult(draft, issues)
