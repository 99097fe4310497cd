"""Validation rules of ``POST entry?type=e`` (API.md §7.1) and ``POST account`` (§6.3).

Checks run in a fixed order and the first failure wins (the real server returns one error only).
Specific codes are checked before the published JSON schema so that, e.g., an over-long label is
GBL5 rather than the schema's generic GBL10. Money is compared in integer cents, never as floats:
the body is parsed with Decimals (``NaN`` is not JSON and fails parsing: GBL10); anything that is
not a non-negative number is ECR2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from gisync.jsonutil import read_file
from gisync.money import to_cents
from gisync.simulator.myunisoft.errors import ApiError, bad_request
from gisync.simulator.myunisoft.state import Store

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "myunisoft" / "entry.schema.json"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PIECE_RE = re.compile(r"^[A-Za-z0-9]{1,25}$")
ENTRY_REQUIRED = ("entry_list", "date_piece", "etablissement_id", "diary_id")
LINE_REQUIRED = ("deadline", "account_id", "label", "credit", "debit")
MAX_LABEL = 50
MAX_ACCOUNT_NUMBER = 20


@lru_cache(maxsize=1)
def entry_validator() -> jsonschema.Draft7Validator:
    """The published schema, with a format checker so ``format: date`` is enforced too."""
    return jsonschema.Draft7Validator(read_file(SCHEMA_PATH), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not DATE_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def amount_cents(value: Any) -> int | None:
    """Whole cents of a non-negative JSON number, else None (bool, text, float NaN, negative)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    if value < 0:
        return None
    return to_cents(Decimal(value))


def as_id(value: Any) -> int | None:
    """An id sent as a JSON number (``12`` or ``12.0``); anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


@dataclass
class CheckedEntry:
    """What the success response needs, resolved while validating."""

    diary: dict[str, Any]
    accounts: list[dict[str, Any]]  # one per line, same order


def _check_structure(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        raise bad_request("GBL10", "Le corps de la requête doit être un objet JSON.")
    for key in ENTRY_REQUIRED:
        if key not in body or body[key] is None:
            raise bad_request("GBL10", f"Paramètre {key} manquant.")
    lines = body["entry_list"]
    if not isinstance(lines, list):
        raise bad_request("GBL10", "Paramètre entry_list invalide.")
    if not lines:
        raise bad_request("ECR43", "Aucune ligne d'écriture.")
    for index, line in enumerate(lines, 1):
        if not isinstance(line, dict):
            raise bad_request("GBL10", f"Ligne {index} invalide.")
        for key in LINE_REQUIRED:
            if key not in line:
                raise bad_request("GBL10", f"Ligne {index} : paramètre {key} manquant.")
        for key in ("label", "piece", "piece2"):
            if key in line and not isinstance(line[key], str):
                raise bad_request("GBL10", f"Ligne {index} : paramètre {key} invalide.")
    return lines


def _check_amounts(lines: list[dict[str, Any]]) -> None:
    total_debit = total_credit = 0
    for index, line in enumerate(lines, 1):
        debit, credit = amount_cents(line["debit"]), amount_cents(line["credit"])
        if debit is None or credit is None:
            raise bad_request("ECR2", f"Ligne {index} : montant débit/crédit invalide.")
        if debit > 0 and credit > 0:
            raise bad_request("ECR27", f"Ligne {index} : débit et crédit renseignés.")
        if debit == 0 and credit == 0:
            raise bad_request("ECR21", f"Ligne {index} : montant vide.")
        total_debit += debit
        total_credit += credit
    if total_debit != total_credit:
        raise bad_request("ECR1", f"Écriture déséquilibrée ({total_debit} ≠ {total_credit} centimes).")


def _check_texts(lines: list[dict[str, Any]]) -> None:
    for index, line in enumerate(lines, 1):
        if not line["label"].strip():
            raise bad_request("ECR42", f"Ligne {index} : libellé vide.")
        if len(line["label"]) > MAX_LABEL:
            raise bad_request("GBL5", f"Ligne {index} : le champ label est trop long (max {MAX_LABEL}).")
        for key in ("piece", "piece2"):
            if key in line and not PIECE_RE.match(line[key]):
                raise bad_request("GBL5", f"Ligne {index} : le champ {key} doit faire 1 à 25 caractères [A-Za-z0-9].")


def _check_dates(body: dict[str, Any], lines: list[dict[str, Any]]) -> date:
    day = parse_date(body["date_piece"])
    if day is None:
        raise bad_request("ECR6", f"Date de pièce invalide : {body['date_piece']!r}.")
    for key in ("period_from", "period_to"):
        if key in body and body[key] is not None and parse_date(body[key]) is None:
            raise bad_request("ECR6", f"Date {key} invalide.")
    for index, line in enumerate(lines, 1):
        deadline = parse_date(line["deadline"])
        if deadline is None or deadline < day:
            raise bad_request("ECR6", f"Ligne {index} : échéance invalide ou antérieure à la date de pièce.")
    return day


def _check_schema(body: dict[str, Any]) -> None:
    error = next(iter(entry_validator().iter_errors(body)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "body"
        raise bad_request("GBL10", f"Paramètre invalide ({where}) : {error.message}")


def _resolve(store: Store, body: dict[str, Any], lines: list[dict[str, Any]], day: date) -> CheckedEntry:
    exercice = store.exercice_for(day)
    if exercice is None:
        raise bad_request("ECR10", f"La date {day.isoformat()} n'appartient à aucun exercice.")
    if exercice.get("closed"):
        raise bad_request("ECR9", f"L'exercice {exercice['start_date']}-{exercice['end_date']} est clôturé.")
    diary_id = as_id(body["diary_id"])
    diary = store.diary_by_id(diary_id) if diary_id is not None else None
    if diary is None:
        raise bad_request("JOURNAL3", f"Journal {body['diary_id']} invalide.")
    if diary.get("diary_type_id") is None:
        raise bad_request("JOURNAL9", f"Le journal {diary['code']} n'a pas de type.")
    if diary.get("closed") or diary.get("blocked"):
        raise bad_request("JOURNAL2", f"Le journal {diary['code']} est fermé.")
    if diary.get("diary_type_code") == "AN":
        raise bad_request("JOURNAL13", "Saisie interdite dans un journal d'À-Nouveaux.")
    accounts = []
    for index, line in enumerate(lines, 1):
        account_id = as_id(line["account_id"])
        account = store.account_by_id(account_id) if account_id is not None else None
        if account is None:
            raise bad_request("COMPTE5", f"Ligne {index} : compte {line['account_id']} absent du dossier.")
        if account.get("closed"):
            raise bad_request("COMPTE32", f"Le compte {account['account_number']} est fermé.")
        accounts.append(account)
    numbers = [a["account_number"] for a in accounts]
    if diary.get("diary_type_code") == "BQ" and not any(n.startswith(("51", "54")) for n in numbers):
        raise bad_request("ECR36", "Une écriture de banque doit contenir une ligne 51x/54x.")
    if diary.get("diary_type_code") == "CAISSE" and not any(n.startswith("53") for n in numbers):
        raise bad_request("ECR37", "Une écriture de caisse doit contenir une ligne 53x.")
    for index, line in enumerate(lines, 1):
        payment_type_id = as_id(line.get("payment_type_id", -1))
        if payment_type_id != -1 and (payment_type_id is None or store.payment_type(payment_type_id) is None):
            raise bad_request("TYPEPAY1", f"Ligne {index} : type de paiement absent du dossier.")
    if as_id(body["etablissement_id"]) != store.state["society"]["society_id"]:
        raise bad_request("ECR48", f"Établissement {body['etablissement_id']} incohérent avec le dossier.")
    return CheckedEntry(diary=diary, accounts=accounts)


def _partner_id_used(store: Store, partner_id: Any) -> bool:
    return any(e.get("entry_origin_partner_id") == partner_id for e in store.state["entries"])


def check_entry(store: Store, body: Any, *, reject_duplicates: bool = False) -> CheckedEntry:
    """Validate a NewEntry against the state (call under ``store.lock``); raise ApiError on the first fault."""
    lines = _check_structure(body)
    _check_amounts(lines)
    _check_texts(lines)
    day = _check_dates(body, lines)
    _check_schema(body)
    checked = _resolve(store, body, lines, day)
    partner_id = body.get("entry_origin_partner_id")
    if reject_duplicates and partner_id is not None and _partner_id_used(store, partner_id):
        raise bad_request("ECR4", f"Écriture invalide : entry_origin_partner_id {partner_id} déjà utilisé.")
    return checked


def normalize_account_number(number: Any, max_general: int) -> str:
    """Check COMPTE3/1/6/7 and right-pad a general account (not 40x/41x) with 0 to ``max_general``."""
    if number is None or number == "":
        raise bad_request("COMPTE3", "Numéro de compte manquant.")
    if not isinstance(number, str):
        raise bad_request("COMPTE1", "Numéro de compte invalide.")
    number = number.strip()
    if not number or number[0] not in "123456789":
        raise bad_request("COMPTE6", "Le numéro de compte doit commencer par un chiffre de 1 à 9.")
    if len(number) > MAX_ACCOUNT_NUMBER:
        raise bad_request("COMPTE7", f"Le numéro de compte dépasse {MAX_ACCOUNT_NUMBER} caractères.")
    if not number.startswith(("40", "41")):
        number = number.ljust(max_general, "0")
    return number


def check_account_label(label: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise bad_request("COMPTE4", "Libellé du compte manquant.")
    return label


__all__ = ["ApiError", "CheckedEntry", "check_account_label", "check_entry", "normalize_account_number"]
