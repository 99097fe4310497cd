"""The default dossier: the published example payloads, made consistent with one another.

The examples come from different MyUnisoft folders, so a few ids are rewired here (and only here):
the token targets society 2123, the accounting parameters point at journals and accounts that exist
in this dossier, and every journal gets ``closed: false`` as newer responses do. The chart of
accounts (``data/chart_of_accounts.json``) is a service firm's PCG chart; it deliberately lacks
706300 (the demo shows a missing account) and holds one closed account, 706900.
"""

from __future__ import annotations

from typing import Any

from gisync.simulator.myunisoft.state import SERVED_ROUTES, load_data

SOCIETY_ID = 2123
FIRST_CREATED_ACCOUNT_ID = 2228247  # the id of examples/account.POST.json
FIRST_ENTRY_ID = 1945320
FIRST_LINE_ENTRY_ID = 8756023


def account_record(account_id: int, number: str, label: str, *, closed: bool = False) -> dict[str, Any]:
    """An account in the detailed ``GET account?mode=2`` shape (examples/account.GET.mode2*.json)."""
    return {
        "account_id": account_id,
        "society_id": SOCIETY_ID,
        "account_number": number,
        "label": label,
        "solde": 0,
        "sens": "",
        "comment": "",
        "intraco": False,
        "btp_autoliquidation": False,
        "presta": False,
        "exoneration": False,
        "das_2": False,
        "closed": closed,
        "blocked": False,
        "vat_param": None,
        "counterpart_account": None,
        "complementary_informations": None,
    }


def _chart() -> list[dict[str, Any]]:
    """Known example ids are kept; the others are ``1_000_000 + number`` so they never shift."""
    accounts = []
    for row in load_data("chart_of_accounts.json"):
        number = row["account_number"]
        account_id = row.get("account_id", 1_000_000 + int(number))
        accounts.append(account_record(account_id, number, row["label"], closed=row.get("closed", False)))
    ids = [a["account_id"] for a in accounts]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate account ids in the default chart")
    return accounts


def _accounting_parameters(accounts: list[dict[str, Any]]) -> dict[str, Any]:
    params: dict[str, Any] = load_data("society_accountingParameters.GET.json")
    diaries = {"diary_purchases": 32169, "diary_sales": 32170, "diary_dotation": 32175}
    diaries |= {"expense_report": 32172, "diary_lettering": 32180}
    for key, diary_id in diaries.items():
        params[key]["id"] = diary_id
        if key + "_id" in params:
            params[key + "_id"] = diary_id
    by_number = {a["account_number"]: a["account_id"] for a in accounts}
    for key in ("account_purchases", "account_sales", "account_expense_report"):
        params[key]["id"] = by_number[params[key]["label"]]
    for key in ("account_income_lettering", "account_expense_lettering"):
        params[key]["id"] = by_number[params[key]["label"][:6]]
    return params


def _key_info() -> dict[str, Any]:
    info: dict[str, Any] = load_data("key_info.GET.extended.json")
    info["target"]["societyId"] = SOCIETY_ID
    info["isActivated"] = False  # a fresh key waits for its first GET key/info
    info["routes"] = [{"path": path, "method": method} for method, path in SERVED_ROUTES]
    return info


def default_state(extra_accounts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A fresh default dossier; ``extra_accounts`` (``{account_number, label}``) get new ids."""
    accounts = _chart()
    next_account = FIRST_CREATED_ACCOUNT_ID
    known = {a["account_number"] for a in accounts}
    for extra in extra_accounts or []:
        if extra["account_number"] in known:
            continue
        accounts.append(account_record(next_account, extra["account_number"], extra["label"]))
        known.add(extra["account_number"])
        next_account += 1
    diaries = load_data("diary.GET.json")
    for diary in diaries:
        diary.setdefault("closed", False)
    society = load_data("society.GET.society_access.json")
    society["society_id"] = SOCIETY_ID
    return {
        "society": society,
        "key_info": _key_info(),
        "accounting_parameters": _accounting_parameters(accounts),
        "exercices": load_data("society_exercice.GET.json"),
        "diaries": diaries,
        "payment_types": load_data("payment_type.GET.json"),
        "vat_params": load_data("vat_param.GET.json"),
        "accounts": accounts,
        "entries": [],
        "next_ids": {"account": next_account, "entry": FIRST_ENTRY_ID, "line_entry": FIRST_LINE_ENTRY_ID},
    }
