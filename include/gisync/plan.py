"""The run's plan: every extracted GI document with its scope, its third-party account and its draft.

Pure and cheap: the validate and load tasks each rebuild it from the run's snapshots, so they always
agree on what a document is, without passing documents through XCom.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from gisync import jsonutil
from gisync.accounting.entries import Accounts, BuildResult, EntryDraft, build_invoice, build_payment
from gisync.config import DossierConfig
from gisync.models import Document, Issue, ThirdParty, parse_invoice, parse_payment, parse_third_party
from gisync.myunisoft.reference import FolderRefs
from gisync.thirdparty import Match, generated_account, match_third_party

__all__ = ["Plan", "PlannedDoc", "build_plan", "generated_account"]

SYNCED_STATUSES = {"INV": "issued", "CN": "issued", "PINV": "issued", "PCN": "issued", "PAY": "valid"}


@dataclass
class PlannedDoc:
    doc: Document
    partner_id: str
    content_hash: str
    party: ThirdParty | None
    party_role: str
    party_account: str
    party_match: Match
    out_of_scope: Issue | None = None
    draft: EntryDraft | None = None
    issues: list[Issue] = field(default_factory=list)
    invoice_partner_ids: list[str] = field(default_factory=list)
    invoice_numbers: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.doc.gi_id} {self.doc.number}".strip()


@dataclass
class Plan:
    docs: list[PlannedDoc]
    clients: dict[str, ThirdParty]
    suppliers: dict[str, ThirdParty]

    def for_journal(self, journal: str) -> list[PlannedDoc]:
        return [p for p in self.docs if p.doc.journal == journal]


def content_hash(raw: dict[str, Any]) -> str:
    """A fingerprint of what the GI says about a document (``updated_at`` left out): drift detection."""
    stable = {k: v for k, v in raw.items() if k != "updated_at"}
    return hashlib.sha256(jsonutil.dumps(stable).encode()).hexdigest()


def accounts_for(cfg: DossierConfig, settings: dict[str, Any]) -> Accounts:
    collected = {str(k): str(v) for k, v in (settings.get("vat_collected_accounts") or {}).items()}
    deductible = {str(k): str(v) for k, v in (settings.get("vat_deductible_accounts") or {}).items()}
    collected.update(cfg.vat_accounts.collected)
    deductible.update(cfg.vat_accounts.deductible)
    return Accounts(
        default_revenue=str(settings.get("default_revenue_account") or "706000"),
        vat_collected=collected,
        vat_deductible=deductible,
        account_replacements=dict(cfg.purchases.account_replacements),
        rounding_policy=cfg.rounding.policy,
        rounding_debit=cfg.rounding.debit_account,
        rounding_credit=cfg.rounding.credit_account,
        rounding_tolerance=cfg.rounding.tolerance,
    )


def bank_account_for(cfg: DossierConfig, settings: dict[str, Any], refs: FolderRefs, mode: str | None) -> str:
    """The bank account of a payment: dossier config, else the GI's per mode, else the journal's own."""
    if cfg.bank_account:
        return cfg.bank_account
    per_mode = settings.get("bank_accounts") or {}
    if mode and per_mode.get(mode):
        return str(per_mode[mode])
    journal = refs.journals.get(payment_journal(cfg, mode))
    if journal and journal.account_number:
        return journal.account_number
    return "512000"


def payment_journal(cfg: DossierConfig, mode: str | None) -> str:
    return cfg.journals.payments_by_mode.get(mode or "", cfg.journals.payments)


def build_plan(
    cfg: DossierConfig,
    gi: dict[str, Any],
    refs: FolderRefs,
    known_accounts: dict[tuple[str, str], str],
    clients_filter: list[str] | None = None,
) -> Plan:
    """``gi`` is the extract snapshot; ``known_accounts`` maps (role, GI id) to an account number the
    sync already matched or created for that third party (it wins over the GI's stored number)."""
    clients = {c.id: c for c in map(parse_third_party, gi.get("clients", []))}
    suppliers = {s.id: s for s in map(parse_third_party, gi.get("suppliers", []))}
    settings = gi.get("settings") or {}
    accounts = accounts_for(cfg, settings)
    wanted = set(clients_filter or [])

    matches: dict[tuple[str, str], Match] = {}

    def party_match(role: str, party: ThirdParty | None, party_id: str) -> Match:
        if (role, party_id) not in matches:
            prefix = cfg.client_account_prefix if role == "client" else cfg.supplier_account_prefix
            known = known_accounts.get((role, party_id))
            matches[(role, party_id)] = match_third_party(party, party_id, prefix, refs, known)
        return matches[(role, party_id)]

    planned: list[PlannedDoc] = []
    tz = ZoneInfo(cfg.timezone)
    raw_docs: list[tuple[dict[str, Any], Document]] = [(r, parse_invoice(r, tz=tz)) for r in gi.get("invoices", [])]
    if cfg.purchases.enabled:
        raw_docs += [(r, parse_invoice(r, purchase=True, tz=tz)) for r in gi.get("purchases", [])]
    raw_docs += [(r, parse_payment(r, tz=tz)) for r in gi.get("payments", [])]
    invoices_by_id = {d.gi_id: d for _, d in raw_docs if d.kind in ("INV", "CN")}
    # Invoices dated before the start date that an in-scope payment settles: shown out of scope (B14).
    older: dict[str, Document] = {}
    start = cfg.start_date.isoformat()
    for raw in gi.get("invoices_before_start", []):
        doc = parse_invoice(raw, tz=tz)
        older[doc.gi_id] = doc
        if wanted and doc.party_id not in wanted:
            continue
        party = clients.get(doc.party_id)
        match = party_match("client", party, doc.party_id)
        item = PlannedDoc(
            doc=doc,
            partner_id=doc.partner_id(cfg.slug),
            content_hash=content_hash(raw),
            party=party,
            party_role="client",
            party_account=match.number,
            party_match=match,
        )
        item.out_of_scope = Issue(
            "before_start", f"{item.label}: facture antérieure à la date de début {start} — non synchronisée"
        )
        planned.append(item)

    for raw, doc in raw_docs:
        role = "supplier" if doc.kind in ("PINV", "PCN") else "client"
        if wanted and role == "client" and doc.party_id not in wanted:
            continue
        party = (suppliers if role == "supplier" else clients).get(doc.party_id)
        match = party_match(role, party, doc.party_id)
        item = PlannedDoc(
            doc=doc,
            partner_id=doc.partner_id(cfg.slug),
            content_hash=content_hash(raw),
            party=party,
            party_role=role,
            party_account=match.number,
            party_match=match,
        )
        planned.append(item)
        if doc.status != SYNCED_STATUSES[doc.kind]:
            item.out_of_scope = Issue(f"status_{doc.status}", f"{item.label}: statut {doc.status}, non synchronisé")
            continue
        if party is None:
            item.issues.append(Issue("unknown_third_party", f"{item.label}: tiers {doc.party_id} absent de la GI"))
        party_name = party.name if party else doc.party_id
        result: BuildResult
        if doc.kind == "PAY":
            missing = [a.invoice_id for a in doc.allocations if a.invoice_id not in invoices_by_id]
            if missing:
                before = ", ".join(older[i].number or i for i in missing if i in older)
                absent = ", ".join(i for i in missing if i not in older)
                why = [f"facture {before} antérieure à la date de début {start}"] if before else []
                why += [f"facture {absent} absente de la GI"] if absent else []
                item.out_of_scope = Issue(
                    "invoice_before_start", f"{item.label}: {'; '.join(why)} — règlement non repris"
                )
                continue
            item.invoice_partner_ids = [invoices_by_id[a.invoice_id].partner_id(cfg.slug) for a in doc.allocations]
            item.invoice_numbers = [invoices_by_id[a.invoice_id].number for a in doc.allocations]
            result = build_payment(
                doc,
                party_account=item.party_account,
                party_name=party_name,
                bank_account=bank_account_for(cfg, settings, refs, doc.mode),
                journal_code=payment_journal(cfg, doc.mode),
                invoice_numbers={a.invoice_id: invoices_by_id[a.invoice_id].number for a in doc.allocations},
                dossier=cfg.slug,
            )
        else:
            journal = (cfg.journals.purchases or "") if doc.journal == "purchases" else cfg.journals.sales
            result = build_invoice(
                doc,
                party_account=item.party_account,
                party_name=party_name,
                journal_code=journal,
                accounts=accounts,
                dossier=cfg.slug,
            )
        item.draft = result.draft
        item.issues.extend(result.issues)
    planned.sort(key=lambda p: (p.doc.date.isoformat() if p.doc.date else "", p.doc.kind, p.doc.gi_id))
    return Plan(docs=planned, clients=clients, suppliers=suppliers)
