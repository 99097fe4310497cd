"""A dossier's MyUnisoft reference data (chart, journals, payment types, fiscal years), read once per run.

Built from the raw API answers, which the run keeps in the sync-state DB so every task sees the same
picture without calling the API again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Account:
    account_id: int
    number: str
    label: str
    closed: bool
    siren: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Journal:
    diary_id: int
    code: str
    name: str
    type_code: str
    blocked: bool
    closed: bool
    account_number: str | None


@dataclass(frozen=True)
class FiscalYear:
    exercice_id: int
    start: dt.date
    end: dt.date
    closed: bool


def _yyyymmdd(text: str) -> dt.date:
    return dt.datetime.strptime(str(text), "%Y%m%d").date()


@dataclass
class FolderRefs:
    society_id: int
    society_name: str
    accounts: dict[str, Account]
    journals: dict[str, Journal]
    payment_types: dict[str, int]
    fiscal_years: list[FiscalYear]

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> FolderRefs:
        """``raw`` holds the API answers: society, accounts (mode 2), diaries, payment_types, exercices."""
        accounts = {}
        for acc in raw["accounts"]:
            number = str(acc["account_number"]).strip()
            card = acc.get("complementary_informations") or {}
            accounts[number] = Account(
                account_id=int(acc["account_id"]),
                number=number,
                label=str(acc.get("label") or ""),
                closed=bool(acc.get("closed") or acc.get("blocked")),
                siren=(str(card["siren"]).strip() or None) if card.get("siren") else None,
                name=str(card.get("name") or ""),
            )
        journals = {}
        for diary in raw["diaries"]:
            code = str(diary["code"]).strip()
            journals[code] = Journal(
                diary_id=int(diary["diary_id"]),
                code=code,
                name=str(diary.get("name") or ""),
                type_code=str(diary.get("diary_type_code") or ""),
                blocked=bool(diary.get("blocked")),
                closed=bool(diary.get("closed")),
                account_number=(diary.get("account") or {}).get("number"),
            )
        years = [
            FiscalYear(
                exercice_id=int(ex["exercice_id"]),
                start=_yyyymmdd(ex["start_date"]),
                end=_yyyymmdd(ex["end_date"]),
                closed=bool(ex.get("closed")),
            )
            for ex in raw["exercices"]
        ]
        return cls(
            society_id=int(raw["society"]["society_id"]),
            society_name=str(raw["society"].get("name") or ""),
            accounts=accounts,
            journals=journals,
            payment_types={str(pt["code"]): int(pt["payment_type_id"]) for pt in raw["payment_types"]},
            fiscal_years=sorted(years, key=lambda y: y.start),
        )

    def fiscal_year(self, day: dt.date) -> FiscalYear | None:
        for year in self.fiscal_years:
            if year.start <= day <= year.end:
                return year
        return None

    def add_account(self, account_id: int, number: str, label: str) -> None:
        """Record an account the sync created (or found) so later lookups see it."""
        self.accounts[number] = Account(account_id=account_id, number=number, label=label, closed=False)
