"""Which MyUnisoft account a GI client or supplier posts to (DESIGN.md §6).

The cascade: the account the sync already matched or created → the account number stored on the GI
third party → its SIREN among the prefix's accounts → its normalised name (accents stripped, case
folded, spaces collapsed). Two candidates at one step is ambiguous: the documents are held, never
guessed. No candidate: the account is to be created with the stored or the generated number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from gisync.models import ThirdParty
from gisync.myunisoft.reference import FolderRefs

_SPACES = re.compile(r"\s+")
_LEGAL_PUNCT = re.compile(r"[^\w\s]")


def normalise_name(name: str) -> str:
    """``"SARL  Étienne & Fils"`` → ``"sarl etienne fils"``: compare names, not their typing."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    return _SPACES.sub(" ", _LEGAL_PUNCT.sub(" ", folded)).strip()


def generated_account(prefix: str, code: str) -> str:
    """``411`` + the GI code reduced to ``[A-Z0-9]``, at most 20 characters (MyUnisoft's COMPTE7)."""
    folded = unicodedata.normalize("NFKD", code).encode("ascii", "ignore").decode().upper()
    return (prefix + re.sub(r"[^A-Z0-9]", "", folded))[:20]


@dataclass(frozen=True)
class Match:
    number: str
    rule: str  # known | stored number | SIREN | name | new (to create) | ambiguous
    candidates: tuple[str, ...] = ()

    @property
    def exists(self) -> bool:
        return self.rule not in ("new", "ambiguous")


def match_third_party(
    party: ThirdParty | None, party_id: str, prefix: str, refs: FolderRefs, known: str | None
) -> Match:
    if known:
        return Match(known, "known")
    stored = party.account_number if party else None
    if stored and stored in refs.accounts:
        return Match(stored, "stored number")
    candidates = [a for a in refs.accounts.values() if a.number.startswith(prefix) and a.number != prefix]
    if party and party.siren:
        by_siren = [a.number for a in candidates if a.siren and a.siren == party.siren]
        if len(by_siren) == 1:
            return Match(by_siren[0], "SIREN")
        if len(by_siren) > 1:
            return Match(stored or generated_account(prefix, party.code), "ambiguous", tuple(sorted(by_siren)))
    if party and party.name:
        wanted = normalise_name(party.name)
        by_name = [a.number for a in candidates if wanted in {normalise_name(a.label), normalise_name(a.name)}]
        if len(by_name) == 1:
            return Match(by_name[0], "name")
        if len(by_name) > 1:
            return Match(stored or generated_account(prefix, party.code), "ambiguous", tuple(sorted(by_name)))
    return Match(stored or generated_account(prefix, party.code if party else party_id), "new")
