"""Preflight checks, the GI's green/red screens as data: accounts, payment modes, third parties,
journals and fiscal years.

Each check returns status rows (what the UI and the report show) and, per document that would fail,
the issues that hold it **before any write**. Messages name the document, the account or mode, and
the fix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from gisync.config import DossierConfig
from gisync.models import Issue, ThirdParty
from gisync.myunisoft.reference import FiscalYear, FolderRefs
from gisync.plan import Plan, PlannedDoc

# Check-row statuses that need nobody (a closed fiscal year is green only while no document uses it).
GREEN_CHECK_STATUSES = frozenset({"ok", "matched", "created", "to_create", "open"})

JOURNAL_TYPES = {"sales": {"VTE"}, "payments": {"BQ", "CAISSE"}, "purchases": {"ACH"}}


@dataclass
class CheckOutcome:
    rows: list[dict[str, str]] = field(default_factory=list)
    holds: dict[str, list[Issue]] = field(default_factory=lambda: defaultdict(list))

    def hold(self, doc: PlannedDoc, issue: Issue) -> None:
        self.holds[doc.partner_id].append(issue)


def _active(plan: Plan) -> list[PlannedDoc]:
    return [p for p in plan.docs if p.out_of_scope is None and p.draft is not None]


def check_accounts(plan: Plan, refs: FolderRefs, cfg: DossierConfig) -> CheckOutcome:
    """Every general account an entry uses exists and is open (third parties: see check_third_parties)."""
    out = CheckOutcome()
    users: dict[str, list[PlannedDoc]] = defaultdict(list)
    for item in _active(plan):
        assert item.draft is not None
        for line in item.draft.lines:
            if line.account != item.party_account and item not in users[line.account]:
                users[line.account].append(item)
    for number in sorted(users):
        account = refs.accounts.get(number)
        docs = users[number]
        if account is None:
            status, fix = (
                "missing",
                f"créez {number} dans MyUnisoft > Paramètres > Plan comptable, puis relancez",
            )
            code = f"account_missing:{number}"
        elif account.closed:
            status, fix = "closed", f"rouvrez {number} dans MyUnisoft ou changez le compte dans la GI"
            code = f"account_closed:{number}"
        else:
            out.rows.append({"item": number, "status": "ok", "detail": account.label, "documents": str(len(docs))})
            continue
        word = "inexistant" if status == "missing" else "fermé"
        out.rows.append({"item": number, "status": status, "detail": fix, "documents": str(len(docs))})
        for item in docs:
            out.hold(item, Issue(code, f"{item.label}: compte {number} {word} dans le dossier {cfg.slug} — {fix}"))
    return out


def check_payment_modes(plan: Plan, refs: FolderRefs, cfg: DossierConfig) -> CheckOutcome:
    """Every GI payment mode of an in-scope payment maps to a MyUnisoft payment type."""
    out = CheckOutcome()
    users: dict[str, list[PlannedDoc]] = defaultdict(list)
    for item in _active(plan):
        if item.doc.kind == "PAY":
            users[item.doc.mode or ""].append(item)
    for mode in sorted(users):
        code = cfg.payment_type_code(mode)
        docs = users[mode]
        if mode and code in refs.payment_types:
            out.rows.append(
                {
                    "item": mode,
                    "status": "ok",
                    "detail": f"→ {code} ({refs.payment_types[code]})",
                    "documents": str(len(docs)),
                }
            )
            continue
        fix = (
            f"ajoutez '{mode}: <code MyUnisoft>' sous payment_modes dans la config du dossier "
            f"(types connus : {', '.join(sorted(refs.payment_types))}), puis relancez"
        )
        out.rows.append({"item": mode or "(vide)", "status": "missing", "detail": fix, "documents": str(len(docs))})
        for item in docs:
            out.hold(
                item,
                Issue(
                    f"payment_mode_unknown:{mode}",
                    f"{item.label}: mode de règlement {mode!r} sans type MyUnisoft — {fix}",
                ),
            )
    return out


@dataclass
class ThirdPartyDecision:
    role: str
    gi_id: str
    number: str
    label: str
    status: str  # matched | to_create | missing | closed | ambiguous
    rule: str
    party: ThirdParty | None = None


def check_third_parties(
    plan: Plan, refs: FolderRefs, cfg: DossierConfig
) -> tuple[CheckOutcome, list[ThirdPartyDecision]]:
    """Each client/supplier with documents in scope maps to an account, or is to be created, or holds
    its documents (auto-creation off). Returns the decisions so the caller can create accounts."""
    out = CheckOutcome()
    decisions: list[ThirdPartyDecision] = []
    users: dict[tuple[str, str], list[PlannedDoc]] = defaultdict(list)
    for item in _active(plan):
        users[(item.party_role, item.doc.party_id)].append(item)
    for (role, gi_id), docs in sorted(users.items()):
        match = docs[0].party_match
        number = match.number
        party = docs[0].party
        name = party.name if party else gi_id
        auto = cfg.auto_create_clients if role == "client" else cfg.auto_create_suppliers
        account = refs.accounts.get(number)
        if match.rule == "ambiguous":
            decision = ThirdPartyDecision(role, gi_id, number, name, "ambiguous", " / ".join(match.candidates))
        elif account is not None and not account.closed:
            decision = ThirdPartyDecision(role, gi_id, number, account.label, "matched", match.rule)
        elif account is not None:
            decision = ThirdPartyDecision(role, gi_id, number, name, "closed", "account closed")
        elif auto:
            decision = ThirdPartyDecision(role, gi_id, number, name, "to_create", "auto-create", party)
        else:
            decision = ThirdPartyDecision(role, gi_id, number, name, "missing", "auto-create off")
        decisions.append(decision)
        out.rows.append(
            {
                "item": f"{role} {party.code if party else gi_id} {name}",
                "status": decision.status,
                "detail": f"{number} ({decision.rule})",
                "documents": str(len(docs)),
                "account": number,
            }
        )
        flag = "auto_create_clients" if role == "client" else "auto_create_suppliers"
        fixes = {
            "missing": f"créez {number} dans MyUnisoft ou activez {flag} pour ce dossier, puis relancez",
            "closed": f"le compte {number} est fermé dans MyUnisoft : rouvrez-le, puis relancez",
            "ambiguous": f"plusieurs comptes possibles ({', '.join(match.candidates)}) : renseignez le numéro de "
            "compte du tiers dans la GI, puis relancez",
        }
        if decision.status in fixes:
            code = f"third_party_{decision.status}:{number}"
            for item in docs:
                out.hold(item, Issue(code, f"{item.label}: {name} — {fixes[decision.status]}"))
    return out, decisions


def check_journals_and_periods(plan: Plan, refs: FolderRefs, cfg: DossierConfig) -> CheckOutcome:
    """The configured journals exist, are typed right and not blocked; each date is in an open year."""
    out = CheckOutcome()
    bad_journals: dict[str, Issue] = {}
    codes = {("sales", cfg.journals.sales), ("payments", cfg.journals.payments)}
    codes |= {("payments", code) for code in cfg.journals.payments_by_mode.values()}
    if cfg.purchases.enabled:
        codes.add(("purchases", cfg.journals.purchases or ""))
    for role, code in sorted(codes):
        journal = refs.journals.get(code)
        problem = ""
        if journal is None:
            problem = f"journal {code} inexistant — créez-le ou corrigez journals.{role} dans la config"
        elif journal.type_code not in JOURNAL_TYPES[role]:
            expected = "/".join(sorted(JOURNAL_TYPES[role]))
            problem = f"journal {code} de type {journal.type_code or '(aucun)'} — attendu {expected}"
        elif journal.blocked or journal.closed:
            problem = f"journal {code} bloqué ou fermé dans MyUnisoft"
        status = "ok" if not problem else "error"
        detail = problem or (f"{journal.name} ({journal.type_code})" if journal else "")
        out.rows.append({"item": f"journal {role} {code}", "status": status, "detail": detail, "documents": ""})
        if problem:
            bad_journals[code] = Issue(f"journal_invalid:{code}", problem)
    years_seen: dict[int, list[PlannedDoc]] = defaultdict(list)
    for item in _active(plan):
        assert item.draft is not None
        if item.draft.journal_code in bad_journals:
            issue = bad_journals[item.draft.journal_code]
            out.hold(item, Issue(issue.code, f"{item.label}: {issue.message}"))
        day = item.draft.date_piece
        year = refs.fiscal_year(day)
        if year is None:
            out.hold(
                item,
                Issue(
                    "no_fiscal_year",
                    f"{item.label} ({day}) : aucun exercice MyUnisoft ne couvre cette date — créez-le, puis relancez",
                ),
            )
        elif year.closed:
            years_seen[year.exercice_id].append(item)
            out.hold(
                item,
                Issue(
                    "exercise_closed",
                    f"{item.label} ({day}) : exercice {_year_name(year)} clôturé — "
                    "rouvrir l'exercice ou avancer la date de début",
                ),
            )
        else:
            years_seen[year.exercice_id].append(item)
    for year in refs.fiscal_years:
        used = years_seen.get(year.exercice_id, [])
        if used:
            out.rows.append(
                {
                    "item": f"exercice {_year_name(year)}",
                    "status": "closed" if year.closed else "open",
                    "detail": "",
                    "documents": str(len(used)),
                }
            )
    return out


def _year_name(year: FiscalYear) -> str:
    """``2024`` for a calendar fiscal year, else its dates (``2023-10-01–2024-09-30``)."""
    if (year.start.month, year.start.day, year.end.month, year.end.day) == (1, 1, 12, 31) and (
        year.start.year == year.end.year
    ):
        return str(year.start.year)
    return f"{year.start:%Y-%m-%d}–{year.end:%Y-%m-%d}"


def check_row_ok(row: dict[str, Any]) -> bool:
    """A check row is green when MyUnisoft has what the documents need (a closed unused year is fine)."""
    status = str(row.get("status", ""))
    if status in GREEN_CHECK_STATUSES:
        return True
    return status == "closed" and str(row.get("documents", "")) in ("", "0")
