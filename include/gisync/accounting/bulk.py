"""Entry lines for a whole batch at once: the (account, VAT rate) grouping computed with pandas.

The per-document builders of :mod:`gisync.accounting.entries` are the reference; this module gives
**exactly** their lines — same accounts, same order, same Decimal amounts, half-up to the cent after
grouping — for many documents in one pass, without labels, piece numbers or dates (what a volume
check or a benchmark needs: ``(account, debit, credit)`` per line, keyed by GI id).

How: the documents' lines are read into flat integer columns (amounts in micro-units, 10⁻⁶ €,
exact for any amount with up to 6 decimals; accounts and rates numbered in sorted order), pandas
groups them per (document, account, rate) and per (document, rate) over the whole batch, the
half-up rounding to the cent is done on integers (``(|u| + 5000) // 10000``, sign kept — the same
result as :func:`gisync.money.round_cents` on the Decimal sum), the merge per account and the gap to
the TTC are computed on arrays, and Decimals are made once per output line.

The rare documents the integer path does not take — an amount with more than 6 decimals or beyond
10⁹ €, more than 9 000 lines, or an invoice in a foreign currency (its EUR conversion,
:func:`~gisync.accounting.entries.to_eur`, is per document) — are built by the per-document builder
instead, so the result is the same on every input. A payment's lines do not depend on its currency
(its amount is the GI's EUR amount).

A document the per-document builder would hold (issues from parsing, foreign currency without its
EUR amount, no lines, missing date or total, missing VAT, VAT account missing, total mismatch,
allocations above the payment) is not in the result but in ``result.held``, with the per-document
builder's own issues (codes and messages; the party name in messages is the party id, the bulk path
knowing no names). Statuses are not looked at, as in the per-document builders: selecting issued
documents is the plan's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from gisync.accounting.entries import (
    Accounts,
    BuildResult,
    _lookup_rate,
    _rate_key,
    build_invoice,
    build_payment,
)
from gisync.models import Document, Issue
from gisync.money import ZERO

Line = tuple[str, Decimal, Decimal]
UNITS_PER_EURO = 10**6
UNITS_PER_CENT = 10**4
HALF_CENT = UNITS_PER_CENT // 2
MAX_UNITS = 10**15  # 10⁹ € per amount: 9 000 of them still sum inside an int64
MAX_LINES = 9_000
_VAT_ORDER = 1 << 40  # VAT groups come after every HT group of their entry
_MICRO = Decimal(UNITS_PER_EURO)


class BulkLines(dict[str, list[Line]]):
    """GI id → the entry's lines ``(account, debit, credit)``, in the per-document builder's order.

    ``held`` maps the GI id of each held document to its issues; ``fallback`` counts the documents
    built by the per-document builder because the integer path could not represent them exactly.
    """

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[str, list[Issue]] = {}
        self.fallback = 0


def _units(value: Decimal) -> int | None:
    """The amount in 10⁻⁶ €, or None when that is not exact (or too large for the integer path)."""
    scaled = value.scaleb(6)
    units = int(scaled)
    if units != scaled or not -MAX_UNITS < units < MAX_UNITS:
        return None
    return units


def _cents(units: np.ndarray) -> np.ndarray:
    """Half-up (away from zero) to the cent, on integers: the same as ``round_cents`` on the Decimal."""
    magnitude = (np.abs(units) + HALF_CENT) // UNITS_PER_CENT
    return np.where(units < 0, -magnitude, magnitude)


def _money(cents: int) -> Decimal:
    """Whole cents → Decimal with two decimals (``12000`` → ``Decimal("120.00")``)."""
    return Decimal(cents).scaleb(-2)


def _line(account: str, amount: Decimal, debit: bool) -> Line:
    return (account, amount, ZERO) if debit else (account, ZERO, amount)


def _draft_lines(result: BuildResult) -> list[Line]:
    assert result.draft is not None
    return [(ln.account, ln.debit, ln.credit) for ln in result.draft.lines]


def _check_unique(docs: Sequence[Document]) -> None:
    seen: set[str] = set()
    for doc in docs:
        if doc.gi_id in seen:
            raise ValueError(f"GI id {doc.gi_id} appears twice in one batch (pass one resource per call)")
        seen.add(doc.gi_id)


def _party(party_accounts: Mapping[str, str], doc: Document) -> str:
    try:
        return party_accounts[doc.party_id]
    except KeyError:
        raise KeyError(f"no third-party account for {doc.party_id!r} (document {doc.gi_id})") from None


# ---------------------------------------------------------------------------------- invoices


def _units_array(values: list[Decimal]) -> tuple[np.ndarray, np.ndarray]:
    """Amounts → (micro-units as int64, exact) in C loops; ``exact`` is False where the integer path
    cannot hold the amount (more than 6 decimals, or beyond :data:`MAX_UNITS`)."""
    if not values:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
    scaled = np.fromiter(values, dtype=object, count=len(values)) * _MICRO
    try:
        units = scaled.astype(np.int64)
    except OverflowError:  # an absurd amount somewhere: element by element
        found = [_units(v) for v in values]
        exact = np.array([u is not None for u in found], dtype=bool)
        return np.array([u or 0 for u in found], dtype=np.int64), exact
    exact = (scaled == units) & (np.abs(units) < MAX_UNITS)
    return np.where(exact, units, 0), exact.astype(bool)


def build_sales_lines(
    invoices: list[Document], party_accounts: dict[str, str], accounts: Accounts
) -> dict[str, list[tuple[str, Decimal, Decimal]]]:
    """The lines :func:`~gisync.accounting.entries.build_invoice` gives each document, for a batch.

    ``invoices`` are parsed documents of kind INV/CN (PINV/PCN are accepted too: the VAT table and
    the third party's side follow the kind, as in ``build_invoice``), GI ids unique in the batch;
    ``party_accounts`` maps each document's ``party_id`` (client id, or supplier id) to its account.
    Returns a :class:`BulkLines` (a dict GI id → lines, plus ``held``).
    """
    _check_unique(invoices)
    out = BulkLines()
    held: list[Document] = []
    slow: list[Document] = []
    kept: list[Document] = []
    for doc in invoices:
        if (
            doc.issues
            or (doc.currency != "EUR" and not doc.total_ttc_eur)
            or not doc.lines
            or doc.date is None
            or doc.total_ttc is None
        ):
            held.append(doc)
        elif doc.currency != "EUR" or len(doc.lines) > MAX_LINES:
            slow.append(doc)  # a conversion to EUR is per document (see entries.to_eur)
        else:
            kept.append(doc)
    n_docs = len(kept)
    kept_party = [_party(party_accounts, doc) for doc in kept]

    # Flat line columns, read in list comprehensions (C loops) rather than one Python loop.
    counts = np.fromiter((len(d.lines) for d in kept), dtype=np.int64, count=n_docs)
    flat = [ln for d in kept for ln in d.lines]
    line_doc = np.repeat(np.arange(n_docs, dtype=np.int64), counts)
    ht_units, ht_exact = _units_array([ln.amount_ht for ln in flat])
    raw_vat = [ln.vat_amount for ln in flat]
    vat_missing = np.fromiter((v is None for v in raw_vat), dtype=bool, count=len(raw_vat))
    vat_units, vat_exact = _units_array([ZERO if v is None else v for v in raw_vat])
    ttc_units, ttc_exact = _units_array([d.total_ttc for d in kept])  # type: ignore[misc]  # not None (checked)

    # Accounts and rates: computed once per distinct raw value, then numbered in sorted order so that
    # sorting on numbers is sorting on the strings, as ``sorted()`` does in build_invoice.
    default, replacements = accounts.default_revenue, accounts.account_replacements
    raw_account_codes, raw_accounts = pd.factorize(np.array([ln.account_number for ln in flat], dtype=object))
    final_accounts = [replacements.get(a or default, a or default) for a in raw_accounts]
    if (raw_account_codes < 0).any():  # None: the default revenue account
        raw_account_codes = np.where(raw_account_codes < 0, len(final_accounts), raw_account_codes)
        final_accounts.append(replacements.get(default, default))
    raw_rate_codes, raw_rates = pd.factorize(np.array([ln.vat_rate for ln in flat], dtype=object))
    rate_names = sorted({_rate_key(r) for r in raw_rates})
    rate_of_raw = np.array([rate_names.index(_rate_key(r)) for r in raw_rates], dtype=np.int64)
    vat_accounts: dict[tuple[int, bool], str | None] = {}
    for rate_id, rate in enumerate(rate_names):
        for purchase in (False, True):
            vat_accounts[(rate_id, purchase)] = _lookup_rate(
                accounts.vat_deductible if purchase else accounts.vat_collected, rate
            )
    ranked_accounts = sorted(set(final_accounts) | {a for a in vat_accounts.values() if a is not None})
    account_rank = {a: i for i, a in enumerate(ranked_accounts)}
    account_of_raw = np.array([account_rank[a] for a in final_accounts], dtype=np.int64)
    line_account = account_of_raw[raw_account_codes] if len(flat) else np.empty(0, dtype=np.int64)
    line_rate = rate_of_raw[raw_rate_codes] if len(flat) else np.empty(0, dtype=np.int64)

    # Documents the integer path cannot take (slow) or build_invoice holds for missing VAT.
    state = np.zeros(n_docs, dtype=np.int8)  # 0 bulk, 1 held, 2 per-document builder
    inexact = ~(ht_exact & vat_exact)
    state[line_doc[inexact]] = 2
    state[~ttc_exact] = 2
    for index in np.unique(line_doc[vat_missing]).tolist():
        # build_invoice: one rate and a document VAT total → that total is the rate's VAT.
        doc = kept[index]
        rows = np.flatnonzero(line_doc == index)
        total = _units(doc.total_vat) if doc.total_vat is not None else None
        if len(set(line_rate[rows].tolist())) != 1 or doc.total_vat is None:
            state[index] = 1
        elif total is None:
            state[index] = 2
        elif state[index] == 0:
            vat_units[rows] = 0
            vat_units[rows[0]] = total
    active = state[line_doc] == 0
    frame = pd.DataFrame(
        {
            "doc": line_doc[active],
            "account": line_account[active],
            "rate": line_rate[active],
            "ht": ht_units[active],
            "vat": vat_units[active],
        }
    )
    purchase_doc = np.fromiter((d.kind in ("PINV", "PCN") for d in kept), dtype=bool, count=n_docs)

    # HT per (document, account, rate), sorted like ``sorted(ht_groups.items())``, rounded once.
    ht = frame.groupby(["doc", "account", "rate"], sort=True)["ht"].sum().reset_index()
    ht_part = pd.DataFrame(
        {
            "doc": ht["doc"].to_numpy(),
            "account": ht["account"].to_numpy(),
            "cents": _cents(ht["ht"].to_numpy()),
            "order": np.arange(len(ht), dtype=np.int64),
        }
    )

    # VAT per (document, rate), sorted by rate, rounded once; zero groups are dropped before lookup.
    vat = frame.groupby(["doc", "rate"], sort=True)["vat"].sum().reset_index()
    vat_cents = _cents(vat["vat"].to_numpy())
    nonzero = vat_cents != 0
    vat_doc, vat_rate, vat_cents = vat["doc"].to_numpy()[nonzero], vat["rate"].to_numpy()[nonzero], vat_cents[nonzero]
    lookup = np.full((max(len(rate_names), 1), 2), -1, dtype=np.int64)  # (rate, purchase) → account rank
    for (rate_id, purchase), found in vat_accounts.items():
        if found is not None:
            lookup[rate_id, int(purchase)] = account_rank[found]
    vat_account = lookup[vat_rate, purchase_doc[vat_doc].astype(np.int64)] if len(vat_rate) else vat_rate
    state[vat_doc[vat_account < 0]] = 1  # vat_account_missing
    vat_part = pd.DataFrame(
        {
            "doc": vat_doc,
            "account": vat_account,
            "cents": vat_cents,
            "order": _VAT_ORDER + np.arange(len(vat_doc), dtype=np.int64),
        }
    )

    # One line per (account, rate) and per VAT rate, in order, then the gap to the TTC.
    other = pd.concat([ht_part, vat_part], ignore_index=True)
    other = other[state[other["doc"].to_numpy()] == 0]
    merged = other.sort_values(["doc", "order"], kind="stable")
    sum_other = np.zeros(n_docs, dtype=np.int64)
    np.add.at(sum_other, merged["doc"].to_numpy(), merged["cents"].to_numpy())
    ttc_cents = _cents(ttc_units)
    gap = np.where(state == 0, ttc_cents - sum_other, 0)
    within = np.zeros(n_docs, dtype=bool)
    if accounts.rounding_policy == "account":
        for index in np.flatnonzero(gap != 0).tolist():
            within[index] = abs(_money(int(gap[index]))) <= accounts.rounding_tolerance
    state[(gap != 0) & ~within] = 1  # total_mismatch

    # Assemble every line of every entry at once: the third party's line first (sequence -1), the
    # merged lines in their order, the rounding line last; then cut the batch into entries.
    party_debit = np.fromiter((d.kind in ("INV", "PCN") for d in kept), dtype=bool, count=n_docs)
    ok = state == 0
    ok_docs = np.flatnonzero(ok)
    merged = merged[(merged["cents"].to_numpy() != 0) & ok[merged["doc"].to_numpy()]]
    merged_doc = merged["doc"].to_numpy()
    gap_docs = np.flatnonzero((gap != 0) & ok)
    gap_cents = gap[gap_docs]
    gap_debit = np.where(gap_cents > 0, ~party_debit[gap_docs], party_debit[gap_docs])
    row_doc = np.concatenate([ok_docs, merged_doc, gap_docs])
    row_seq = np.concatenate(
        [np.full(len(ok_docs), -1, dtype=np.int64), merged["order"].to_numpy(), np.full(len(gap_docs), 1 << 62)]
    )
    row_cents = np.concatenate([ttc_cents[ok_docs], merged["cents"].to_numpy(), np.abs(gap_cents)])
    row_debit = np.concatenate([party_debit[ok_docs], ~party_debit[merged_doc], gap_debit])
    row_account = np.concatenate(
        [
            np.array(kept_party, dtype=object)[ok_docs],
            np.array(ranked_accounts, dtype=object)[merged["account"].to_numpy()],
            np.where(gap_debit, accounts.rounding_debit, accounts.rounding_credit).astype(object),
        ]
    )
    order = np.lexsort((row_seq, row_doc))
    amounts = np.empty(len(order), dtype=object)
    amounts[:] = [Decimal(c).scaleb(-2) for c in row_cents[order].tolist()]  # whole cents → 2 decimals
    debit = row_debit[order]
    zeros = np.full(len(order), ZERO, dtype=object)
    all_lines: list[Line] = list(
        zip(
            row_account[order].tolist(),
            np.where(debit, amounts, zeros).tolist(),
            np.where(debit, zeros, amounts).tolist(),
            strict=True,
        )
    )
    ends = np.cumsum(np.bincount(row_doc, minlength=n_docs)).tolist()
    pending: dict[int, list[Line]] = {}
    state_list = state.tolist()
    for index, doc in enumerate(kept):
        if state_list[index] == 1:
            held.append(doc)
        elif state_list[index] == 2:
            slow.append(doc)
        else:
            pending[index] = all_lines[ends[index - 1] if index else 0 : ends[index]]

    # Output in input order; held and slow documents go through the per-document builder.
    by_index = {id(doc): index for index, doc in enumerate(kept)}
    held_ids = {id(doc) for doc in held}
    slow_ids = {id(doc) for doc in slow}
    for doc in invoices:
        key = id(doc)
        if key in held_ids:
            result = _reference_invoice(doc, party_accounts.get(doc.party_id, ""), accounts)
            if result.draft is not None:
                raise AssertionError(f"bulk held {doc.gi_id} but build_invoice posts it")
            out.held[doc.gi_id] = result.issues
        elif key in slow_ids:
            result = _reference_invoice(doc, _party(party_accounts, doc), accounts)
            out.fallback += 1
            if result.draft is None:
                out.held[doc.gi_id] = result.issues
            else:
                out[doc.gi_id] = _draft_lines(result)
        else:
            out[doc.gi_id] = pending[by_index[key]]
    return out


def _reference_invoice(doc: Document, party_account: str, accounts: Accounts) -> BuildResult:
    return build_invoice(
        doc, party_account=party_account, party_name=doc.party_id, journal_code="", accounts=accounts, dossier=""
    )


# ---------------------------------------------------------------------------------- payments


def build_payment_lines(
    payments: list[Document],
    party_accounts: dict[str, str],
    bank_accounts: Mapping[str, str],
    default_bank_account: str = "512000",
) -> dict[str, list[tuple[str, Decimal, Decimal]]]:
    """The lines :func:`~gisync.accounting.entries.build_payment` gives each payment, for a batch.

    The bank account of a payment is ``bank_accounts[mode]`` (``""`` for a payment without mode),
    else ``default_bank_account``; ``party_accounts`` maps the client id to its account. Returns a
    :class:`BulkLines` (a dict GI id → lines: bank debit, client credit per allocation, the rest as
    an advance; plus ``held``).
    """
    _check_unique(payments)
    out = BulkLines()
    kept: list[Document] = []
    amount_units: list[int] = []
    alloc_pay: list[int] = []
    alloc_units: list[int] = []
    held: set[int] = set()
    slow: set[int] = set()
    for doc in payments:
        if doc.issues or doc.date is None or doc.amount is None:
            held.add(id(doc))
            continue
        amount = _units(doc.amount)
        allocs = [_units(a.amount) for a in doc.allocations]
        if amount is None or None in allocs or len(allocs) > MAX_LINES:
            slow.add(id(doc))
            continue
        index = len(kept)
        kept.append(doc)
        amount_units.append(amount)
        alloc_pay.extend([index] * len(allocs))
        alloc_units.extend(allocs)  # type: ignore[arg-type]  # no None left (checked above)

    n_docs = len(kept)
    allocs_frame = pd.DataFrame(
        {"doc": np.array(alloc_pay, dtype=np.int64), "cents": _cents(np.array(alloc_units, dtype=np.int64))}
    )
    allocated = allocs_frame.groupby("doc", sort=True)["cents"].sum()
    allocated_cents = np.zeros(n_docs, dtype=np.int64)
    allocated_cents[allocated.index.to_numpy()] = allocated.to_numpy()
    amount_cents = _cents(np.array(amount_units, dtype=np.int64))
    exceeds = allocated_cents > amount_cents
    rest = amount_cents - allocated_cents

    alloc_list = allocs_frame["cents"].tolist()
    exceeds_list, amount_list, rest_list = exceeds.tolist(), amount_cents.tolist(), rest.tolist()
    pending: dict[int, list[Line]] = {}
    position = 0
    for index, doc in enumerate(kept):
        count = len(doc.allocations)
        if exceeds_list[index]:
            held.add(id(doc))
            position += count
            continue
        party = _party(party_accounts, doc)
        lines = [_line(bank_accounts.get(doc.mode or "", default_bank_account), _money(amount_list[index]), True)]
        for cents in alloc_list[position : position + count]:
            if cents:
                lines.append((party, ZERO, _money(cents)))
        position += count
        if rest_list[index] > 0:
            lines.append((party, ZERO, _money(rest_list[index])))
        pending[index] = lines

    by_index = {id(doc): index for index, doc in enumerate(kept)}
    for doc in payments:
        key = id(doc)
        if key in held or key in slow:
            bank = bank_accounts.get(doc.mode or "", default_bank_account)
            party = party_accounts.get(doc.party_id, "") if key in held else _party(party_accounts, doc)
            result = build_payment(
                doc,
                party_account=party,
                party_name=doc.party_id,
                bank_account=bank,
                journal_code="",
                invoice_numbers={},
                dossier="",
            )
            if key in slow:
                out.fallback += 1
            if result.draft is None:
                out.held[doc.gi_id] = result.issues
            elif key in held:
                raise AssertionError(f"bulk held {doc.gi_id} but build_payment posts it")
            else:
                out[doc.gi_id] = _draft_lines(result)
        else:
            out[doc.gi_id] = pending[by_index[key]]
    return out
