"""Use cases called by the Airflow tasks (and by the CLI): check_link, extract, validate, load, report.

Each takes a :class:`DossierRun` and returns a small summary (XCom-sized). Data passes between them
through the sync-state DB (:mod:`gisync.ledger`), keyed by the run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from gisync.errors import ConfigError, TransientError
from gisync.loading import load
from gisync.models import calendar_date
from gisync.myunisoft.client import MyUnisoftClient
from gisync.myunisoft.reference import FolderRefs
from gisync.reporting import report
from gisync.run import (
    CHECKS,
    FAILING_STATES,
    JOURNALS,
    STEP_MARKERS,
    DossierDeferred,
    DossierRun,
    DossierRunFailed,
    GiSource,
    RunParams,
    record_failure,
)
from gisync.validation import (
    CheckOutcome,
    check_accounts,
    check_journals_and_periods,
    check_payment_modes,
    check_third_parties,
)

__all__ = [
    "CHECKS",
    "FAILING_STATES",
    "JOURNALS",
    "STEP_MARKERS",
    "DossierDeferred",
    "DossierRun",
    "DossierRunFailed",
    "GiSource",
    "RunParams",
    "check_link",
    "extract",
    "load",
    "record_failure",
    "report",
    "run_all",
    "validate",
]

log = logging.getLogger(__name__)


def _defer_on_outage(run: DossierRun, step: str, exc: TransientError) -> DossierDeferred:
    """Remember why this run stopped early, so the report says it in one line instead of failing."""
    reason = f"api_unavailable:{exc.code}" if exc.code != "ERR-API-UNDER-MAINTENANCE" else "api_maintenance"
    message = f"dossier {run.cfg.slug}: {step} deferred to the next run ({reason}) — {exc}"
    run.ledger.put_snapshot(run.key, "deferred", {"step": step, "reason": reason, "message": message})
    return DossierDeferred(message, code=reason)


# --- check_link --------------------------------------------------------------------------------
def check_link(run: DossierRun) -> dict[str, Any]:
    """Token and folder are valid (activating a new key); reference data is read once for the run."""
    run.ledger.start_run(run.key, run.cfg.slug, run.run_id, run.params.mode)
    client = run.myunisoft()
    try:
        return _check_link(run, client)
    except TransientError as exc:
        raise _defer_on_outage(run, "check_link", exc) from None


def _check_link(run: DossierRun, client: MyUnisoftClient) -> dict[str, Any]:
    info = client.key_info()
    society = client.society()
    target = (info or {}).get("target") or {}
    if run.cfg.society_id is not None and int(society.get("society_id", -1)) != run.cfg.society_id:
        raise ConfigError(
            f"dossier {run.cfg.slug}: the token opens folder {society.get('society_id')} "
            f"({society.get('name')}), not society_id {run.cfg.society_id} of the config"
        )
    raw = {
        "society": society,
        "exercices": client.exercices(),
        "diaries": client.diaries(),
        "payment_types": client.payment_types(),
        "accounts": client.accounts(),
    }
    run.ledger.put_snapshot(run.key, "myunisoft", raw)
    refs = FolderRefs.from_raw(raw)
    return {
        "society_id": refs.society_id,
        "society": refs.society_name,
        "token_type": target.get("type", ""),
        "accounts": len(refs.accounts),
        "journals": len(refs.journals),
        "fiscal_years_open": sum(1 for y in refs.fiscal_years if not y.closed),
    }


# --- extract -----------------------------------------------------------------------------------
def extract(run: DossierRun) -> dict[str, Any]:
    """Read the GI from the start date (invoice date); payments are in scope through their invoices."""
    run.ledger.start_run(run.key, run.cfg.slug, run.run_id, run.params.mode)
    try:
        return _extract(run, run.gi())
    except TransientError as exc:
        raise _defer_on_outage(run, "extract", exc) from None


def _extract(run: DossierRun, gi: GiSource) -> dict[str, Any]:
    """The scope rules, applied here rather than trusted to the GI's filters where a filter could hide a
    record: documents are read whole and kept when dated on or after the start date *or when their date
    is missing or unreadable* (a server-side date filter drops those silently; here they are held with a
    reason). Payments are those dated from the start date plus those settling an invoice dated from it,
    so a payment of an older invoice is reported out of scope instead of vanishing, and so is that
    older invoice."""
    start = run.cfg.start_date
    tz = ZoneInfo(run.cfg.timezone)
    invoices = gi.list("invoices")
    payments = _union(
        gi.list("payments", date_from=start.isoformat()), gi.list("payments", invoice_date_from=start.isoformat())
    )
    settled = {str(a.get("invoice_id")) for p in payments for a in p.get("allocations") or []}
    kept: list[dict[str, Any]] = []
    older: list[dict[str, Any]] = []
    for record in invoices:
        (kept if _kept(record, start, tz) else older).append(record)
    data: dict[str, Any] = {
        "clients": gi.list("clients"),
        "invoices": kept,
        # Older invoices that an in-scope payment settles: reported out of scope with the payment (B14).
        "invoices_before_start": [r for r in older if str(r.get("id")) in settled],
        "payments": payments,
        "payment_modes": gi.list("payment-modes"),
        "settings": gi.settings(),
        "suppliers": [],
        "purchases": [],
    }
    if run.cfg.purchases.enabled:
        data["suppliers"] = gi.list("suppliers")
        data["purchases"] = [r for r in gi.list("purchases") if _kept(r, start, tz)]
    run.ledger.put_snapshot(run.key, "gi", data)
    return {k: len(v) for k, v in data.items() if isinstance(v, list)} | {"start_date": start.isoformat()}


def _kept(record: dict[str, Any], start: dt.date, tz: dt.tzinfo) -> bool:
    """In scope by date, or without a readable date (then held later with a reason, never dropped)."""
    try:
        day = calendar_date(record.get("date"), tz)
    except ValueError:
        return True
    return day is None or day >= start


def _union(*lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for records in lists:
        for record in records:
            seen.setdefault(str(record.get("id")), record)
    return list(seen.values())


# --- validate ----------------------------------------------------------------------------------
def validate(run: DossierRun, check: str) -> dict[str, Any]:
    """Run one preflight check and keep its table and holds for the load and the report."""
    plan, refs, cfg = run.plan(), run.refs(), run.cfg
    outcome: CheckOutcome
    if check == "accounts":
        outcome = check_accounts(plan, refs, cfg)
    elif check == "payment_modes":
        outcome = check_payment_modes(plan, refs, cfg)
    elif check == "journals_and_periods":
        outcome = check_journals_and_periods(plan, refs, cfg)
    elif check == "clients":
        outcome, decisions = check_third_parties(plan, refs, cfg)
        _create_third_parties(run, decisions, outcome)
    else:
        raise ValueError(f"unknown check {check!r}")
    holds = {pid: [{"code": i.code, "message": i.message} for i in issues] for pid, issues in outcome.holds.items()}
    run.ledger.put_check(run.key, check, outcome.rows, holds)
    run.ledger.put_snapshot(run.key, f"done:validate_{check}", {"rows": len(outcome.rows)})
    statuses = Counter(row["status"] for row in outcome.rows)
    return {"check": check, "rows": len(outcome.rows), "documents_held": len(holds), **dict(statuses)}


def _create_third_parties(run: DossierRun, decisions: list[Any], outcome: CheckOutcome) -> None:
    """Auto-create missing client/supplier accounts once (upsert by number); demo mode only says so."""
    for decision in decisions:
        if decision.status != "to_create":
            if decision.status == "matched":
                account = run.refs().accounts[decision.number]
                run.ledger.save_third_party(
                    run.cfg.slug,
                    decision.role,
                    decision.gi_id,
                    account_id=account.account_id,
                    account_number=account.number,
                    label=account.label,
                )
            continue
        if run.params.demo:
            _set_row_status(outcome, decision, "would_create", f"would create {decision.number} {decision.label}")
            continue
        party = decision.party
        card = {"name": party.name, "siren": party.siren} if party else {}
        created = run.myunisoft().upsert_account(decision.number, decision.label, {k: v for k, v in card.items() if v})
        number = str(created["account_number"])
        run.ledger.save_third_party(
            run.cfg.slug,
            decision.role,
            decision.gi_id,
            account_id=int(created["account_id"]),
            account_number=number,
            label=str(created.get("label") or ""),
            created_by_sync=True,
        )
        run.refs().add_account(int(created["account_id"]), number, str(created.get("label") or ""))
        _set_row_status(outcome, decision, "created", f"created {number} (id {created['account_id']})")
        log.info("dossier %s: created account %s for %s %s", run.cfg.slug, number, decision.role, decision.gi_id)


def _set_row_status(outcome: CheckOutcome, decision: Any, status: str, detail: str) -> None:
    for row in outcome.rows:
        if row["item"].startswith(f"{decision.role} ") and row.get("account") == decision.number:
            row["status"], row["detail"] = status, detail


def run_all(run: DossierRun) -> dict[str, Any]:
    """Every step in the DAG's order, in this process (the preview command; tests).

    The same functions the Airflow tasks call, so a preview and a DAG run in demo mode cannot differ.
    Returns the report's summary; a run that needs a person raises :class:`DossierRunFailed` after
    the report is written, an outage :class:`DossierDeferred` after the report says so.
    """
    try:
        check_link(run)
        extract(run)
        for check in CHECKS:
            validate(run, check)
        for journal in JOURNALS:
            load(run, journal)
    except DossierDeferred:
        report(run)
        raise
    return report(run)
