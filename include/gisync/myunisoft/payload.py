"""Entry drafts -> ``POST /entry?type=e`` bodies, and the checks every body passes before it is sent.

The checks are the published JSON schema *and* the stricter documented rules the schema cannot
express (its regexes sit in ``format`` where validators ignore them): a body that would be refused is
held locally with the reason MyUnisoft would give.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from gisync.accounting.entries import EntryDraft
from gisync.models import Issue
from gisync.money import ZERO, format_fr, to_cents
from gisync.myunisoft.reference import FolderRefs

PIECE_RE = re.compile(r"^[A-Za-z0-9]{1,25}$")
PLACEHOLDER_ACCOUNT_ID = 0  # demo mode: an account that would be created first has no id yet


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft7Validator:
    text = resources.files("gisync.myunisoft").joinpath("entry.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def to_payload(
    draft: EntryDraft,
    refs: FolderRefs,
    *,
    payment_type_codes: dict[str, str],
    pending_accounts: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The JSON body for one entry. Account numbers become ids; a number in ``pending_accounts``
    (demo mode: would be created first) gets the placeholder id 0."""
    journal = refs.journals.get(draft.journal_code)
    lines = []
    for line in draft.lines:
        account = refs.accounts.get(line.account)
        account_id = account.account_id if account else PLACEHOLDER_ACCOUNT_ID
        if account is None and line.account not in pending_accounts:
            raise KeyError(line.account)
        pt_code = payment_type_codes.get(line.payment_mode or "", "")
        body: dict[str, Any] = {
            "account_id": account_id,
            "label": line.label,
            "debit": line.debit,
            "credit": line.credit,
            "deadline": draft.deadline.isoformat(),
            "piece2": line.piece2,
            "payment_type_id": refs.payment_types.get(pt_code, -1),
        }
        if line.currency != "EUR":
            body["currency"] = line.currency
            if line.value_currency is not None:
                body["value_currency"] = line.value_currency
        lines.append(body)
    return {
        "date_piece": draft.date_piece.isoformat(),
        "etablissement_id": refs.society_id,
        "diary_id": journal.diary_id if journal else 0,
        "entry_origin_partner_id": draft.partner_id,
        "json": json.dumps(draft.origin, ensure_ascii=False, sort_keys=True),
        "entry_list": lines,
    }


def check_payload(payload: dict[str, Any], label: str) -> list[Issue]:
    """Every rule a body must meet; an empty list means MyUnisoft should accept it."""
    issues = [
        Issue("schema", f"{label}: schéma MyUnisoft — {err.message} (at {'/'.join(map(str, err.path))})")
        for err in _validator().iter_errors(payload)
    ]
    lines = payload.get("entry_list") or []
    debit = sum((ln["debit"] for ln in lines), ZERO)
    credit = sum((ln["credit"] for ln in lines), ZERO)
    if to_cents(debit) != to_cents(credit):
        issues.append(
            Issue("unbalanced", f"{label}: déséquilibre : débit {format_fr(debit)} ≠ crédit {format_fr(credit)}")
        )
    date_piece = dt.date.fromisoformat(payload["date_piece"])
    for ln in lines:
        if ln["debit"] < 0 or ln["credit"] < 0:
            issues.append(Issue("negative_amount", f"{label}: montant négatif sur {ln['label']!r}"))
        if ln["debit"] != 0 and ln["credit"] != 0:
            issues.append(Issue("both_sides", f"{label}: débit et crédit sur la même ligne"))
        if ln["debit"] == 0 and ln["credit"] == 0:
            issues.append(Issue("zero_line", f"{label}: ligne à zéro"))
        if not ln["label"] or len(ln["label"]) > 50:
            issues.append(Issue("label", f"{label}: libellé vide ou > 50 caractères ({ln['label']!r})"))
        for key in ("piece", "piece2"):
            if key in ln and not PIECE_RE.match(str(ln[key])):
                issues.append(Issue("piece", f"{label}: {key} {ln[key]!r} doit être [A-Za-z0-9]{{1,25}}"))
        if dt.date.fromisoformat(ln["deadline"]) < date_piece:
            issues.append(Issue("deadline", f"{label}: échéance {ln['deadline']} avant la date {date_piece}"))
    return issues


def prepare(
    draft: EntryDraft,
    refs: FolderRefs,
    *,
    payment_type_codes: dict[str, str],
    pending_accounts: set[str] | frozenset[str],
    dossier: str,
    label: str,
) -> tuple[dict[str, Any], list[Issue]]:
    """The body and every reason it would be refused, all at once (never just the first one)."""
    unknown = [
        ln.account for ln in draft.lines if ln.account not in refs.accounts and ln.account not in pending_accounts
    ]
    payload = to_payload(
        draft, refs, payment_type_codes=payment_type_codes, pending_accounts=set(pending_accounts) | set(unknown)
    )
    issues = check_payload(payload, label)
    issues += [
        Issue(f"account_missing:{number}", f"{label}: compte {number} inexistant dans le dossier {dossier}")
        for number in dict.fromkeys(unknown)
    ]
    if draft.journal_code not in refs.journals:
        issues.append(
            Issue(f"journal_invalid:{draft.journal_code}", f"{label}: journal {draft.journal_code} inexistant")
        )
    return payload, issues
