"""Use cases called by the Airflow tasks (and by the CLI): check_link, extract, validate, load, report.

Each takes a :class:`DossierRun` and returns a small summary (XCom-sized). Data passes between them
through the sync-state DB (:mod:`gisync.ledger`), keyed by the run.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from gisync import human_report, jsonutil
from gisync.config import DossierConfig
from gisync.errors import ConfigError, DataError, GisyncError, TransientError
from gisync.ledger import HEARTBEAT_EVERY, Ledger
from gisync.models import OUTCOMES, Issue
from gisync.myunisoft.client import MyUnisoftClient
from gisync.myunisoft.payload import prepare
from gisync.myunisoft.reference import FolderRefs
from gisync.plan import Plan, PlannedDoc, build_plan
from gisync.progress import Progress
from gisync.validation import (
    CheckOutcome,
    check_accounts,
    check_journals_and_periods,
    check_payment_modes,
    check_third_parties,
)

log = logging.getLogger(__name__)

POST_ATTEMPTS = 3  # sends of one entry in a run, each after a lookup that found nothing
POST_BACKOFF = 0.5  # seconds, doubled per attempt

CHECKS = ("accounts", "payment_modes", "clients", "journals_and_periods")
JOURNALS = ("sales", "payments", "purchases")
# The snapshot each step leaves behind: the report uses them to know which steps completed.
STEP_MARKERS = {"check_link": "myunisoft", "extract": "gi"}
FAILING_STATES = ("held", "rejected", "drift")


class GiSource(Protocol):
    def list(self, resource: str, **filters: Any) -> list[dict[str, Any]]: ...

    def settings(self) -> dict[str, Any]: ...


class DossierDeferred(TransientError):
    """MyUnisoft or the GI is throttling, down or in maintenance: the dossier waits for the next run."""

    code = "deferred"


def _defer_on_outage(run: DossierRun, step: str, exc: TransientError) -> DossierDeferred:
    """Remember why this run stopped early, so the report says it in one line instead of failing."""
    reason = f"api_unavailable:{exc.code}" if exc.code != "ERR-API-UNDER-MAINTENANCE" else "api_maintenance"
    message = f"dossier {run.cfg.slug}: {step} deferred to the next run ({reason}) — {exc}"
    run.ledger.put_snapshot(run.key, "deferred", {"step": step, "reason": reason, "message": message})
    return DossierDeferred(message, code=reason)


class DossierRunFailed(GisyncError):
    """The run loaded what it could but some documents need a person: the report task goes red."""

    code = "run_incomplete"


@dataclass(frozen=True)
class RunParams:
    """Trigger parameters: ``demo`` writes nothing; ``only_one_entry`` writes one entry and reads it back."""

    demo: bool = False
    only_one_entry: bool = False
    clients: tuple[str, ...] = ()

    @property
    def mode(self) -> str:
        return "demo" if self.demo else ("one_entry" if self.only_one_entry else "sync")


@dataclass
class DossierRun:
    cfg: DossierConfig
    run_id: str
    params: RunParams
    ledger: Ledger
    myunisoft: Callable[[], MyUnisoftClient]
    gi: Callable[[], GiSource]
    reports_dir: Path
    output_dir: Path | None = None  # write the report files here instead of reports_dir/<slug>/<run>
    _refs: FolderRefs | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.cfg.slug}:{self.run_id}"

    @property
    def report_dir(self) -> Path:
        if self.output_dir is not None:
            return self.output_dir
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.run_id)
        return self.reports_dir / self.cfg.slug / safe

    def refs(self) -> FolderRefs:
        """MyUnisoft reference data as read by check_link, plus the third-party accounts known since."""
        if self._refs is None:
            refs = FolderRefs.from_raw(self.ledger.get_snapshot(self.key, "myunisoft"))
            for role in ("client", "supplier"):
                for row in self.ledger.third_parties(self.cfg.slug, role).values():
                    if row.account_id:
                        refs.add_account(row.account_id, row.account_number, row.label)
            self._refs = refs
        return self._refs

    def plan(self) -> Plan:
        known = {
            (role, gi_id): row.account_number
            for role in ("client", "supplier")
            for gi_id, row in self.ledger.third_parties(self.cfg.slug, role).items()
        }
        return build_plan(
            self.cfg,
            self.ledger.get_snapshot(self.key, "gi"),
            self.refs(),
            known,
            list(self.params.clients) or None,
        )


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
    so a payment of an older invoice is reported out of scope instead of vanishing."""
    start = run.cfg.start_date
    data: dict[str, Any] = {
        "clients": gi.list("clients"),
        "invoices": [r for r in gi.list("invoices") if _kept(r, start)],
        "payments": _union(
            gi.list("payments", date_from=start.isoformat()), gi.list("payments", invoice_date_from=start.isoformat())
        ),
        "payment_modes": gi.list("payment-modes"),
        "settings": gi.settings(),
        "suppliers": [],
        "purchases": [],
    }
    if run.cfg.purchases.enabled:
        data["suppliers"] = gi.list("suppliers")
        data["purchases"] = [r for r in gi.list("purchases") if _kept(r, start)]
    run.ledger.put_snapshot(run.key, "gi", data)
    return {k: len(v) for k, v in data.items() if isinstance(v, list)} | {"start_date": start.isoformat()}


def _kept(record: dict[str, Any], start: dt.date) -> bool:
    """In scope by date, or without a readable date (then held later with a reason, never dropped)."""
    text = str(record.get("date") or "")[:10]
    try:
        return dt.date.fromisoformat(text) >= start
    except ValueError:
        return True


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
        if row["item"].startswith(f"{decision.role} ") and row["detail"].startswith(decision.number):
            row["status"], row["detail"] = status, detail


# --- load --------------------------------------------------------------------------------------
def _held_issues(run: DossierRun) -> dict[str, list[Issue]]:
    checks = run.ledger.checks(run.key)
    missing = [c for c in CHECKS if c not in checks]
    if missing:
        raise ConfigError(f"run {run.key}: checks {', '.join(missing)} did not run; nothing is loaded without them")
    held: dict[str, list[Issue]] = {}
    for check in checks.values():
        for pid, issues in check["holds"].items():
            held.setdefault(pid, []).extend(Issue(i["code"], i["message"]) for i in issues)
    return held


def load(run: DossierRun, journal: str) -> dict[str, Any]:
    """Post the journal's entries exactly once (write-ahead ``sending``, lookup before any re-POST)."""
    cfg, ledger = run.cfg, run.ledger
    if journal == "purchases" and not cfg.purchases.enabled:
        skipped = {"journal": journal, "skipped": "purchases disabled"}
        ledger.put_snapshot(run.key, f"done:load_{journal}", skipped)
        return skipped
    plan = run.plan()
    refs = run.refs()
    held = _held_issues(run)
    states = ledger.documents(cfg.slug)
    done_now = {o["partner_id"]: o["state"] for o in ledger.outcomes(run.key)}
    pending_accounts = {
        row["detail"].split(" ")[2]
        for c in ledger.checks(run.key).values()
        for row in c["rows"]
        if row["status"] == "would_create"
    }
    counts: Counter[str] = Counter()
    client: MyUnisoftClient | None = None
    stop_reason: Issue | None = None
    if not run.params.demo:
        ledger.acquire_lock(cfg.slug, run.key)
    last_beat = time.monotonic()
    items = plan.for_journal(journal)
    present = _present_entries(run, items, states)
    progress = Progress(
        f"{cfg.slug} {journal}",
        len(items),
        ceiling=lambda: client.pacer.rate / client.pacer.window if client is not None else None,
    )
    try:
        for item in items:
            if not run.params.demo and time.monotonic() - last_beat > HEARTBEAT_EVERY:
                ledger.heartbeat(cfg.slug, run.key)
                last_beat = time.monotonic()
            outcome, issue, entry_id, payload = _decide(run, item, held, states, done_now, refs, pending_accounts)
            if outcome == "already_synced" and present is not None and entry_id not in present:
                outcome = "drift"
                issue = Issue(
                    "entry_missing",
                    f"{item.label} : écriture {entry_id} introuvable dans MyUnisoft (supprimée ?) — "
                    "rien n'est reposté automatiquement ; vérifiez, puis ressaisissez si besoin",
                )
            if outcome == "post":
                if stop_reason is not None:
                    outcome, issue = "deferred", stop_reason
                elif run.params.only_one_entry and sum(1 for s in done_now.values() if s == "created") >= 1:
                    outcome, issue = (
                        "pending",
                        Issue("only_one_entry", "only_one_entry: left for a later run"),
                    )
                else:
                    client = client or run.myunisoft()
                    outcome, issue, entry_id = _post(run, item, payload, client, states.get(item.partner_id))
                    if outcome == "deferred" and issue is not None:
                        stop_reason = issue
            _record(run, item, outcome, issue, entry_id, payload)
            done_now[item.partner_id] = outcome
            counts[outcome] += 1
            progress.step(outcome)
        progress.finish()
    finally:
        if not run.params.demo:
            ledger.release_lock(cfg.slug, run.key)
    summary = {"journal": journal, **dict(counts), "write_calls": client.write_calls if client else 0}
    ledger.put_snapshot(run.key, f"done:load_{journal}", summary)
    return summary


def _present_entries(run: DossierRun, items: list[PlannedDoc], states: dict[str, Any]) -> set[int] | None:
    """The MyUnisoft entry ids of the journals these synced documents went to (one search per journal),
    or None when nothing of this journal was synced yet."""
    journals = {
        item.draft.journal_code
        for item in items
        if item.draft is not None and getattr(states.get(item.partner_id), "state", "") == "synced"
    }
    if not journals:
        return None
    client = run.myunisoft()
    present: set[int] = set()
    try:
        for code in sorted(journals):
            present |= client.entry_ids(code, run.cfg.start_date.isoformat())
    except TransientError as exc:
        log.warning("dossier %s: could not check for entries deleted in MyUnisoft this run (%s)", run.cfg.slug, exc)
        return None
    return present


def _decide(
    run: DossierRun,
    item: PlannedDoc,
    held: dict[str, list[Issue]],
    states: dict[str, Any],
    done_now: dict[str, str],
    refs: FolderRefs,
    pending_accounts: set[str],
) -> tuple[str, Issue | None, int | None, dict[str, Any] | None]:
    """What to do with one document: ("post", payload) or a final outcome with its reason."""
    previous = states.get(item.partner_id)
    if previous is not None and previous.state == "synced":
        if item.out_of_scope is not None and item.out_of_scope.code.startswith("status_"):
            return (
                "drift",
                Issue(
                    "voided_after_sync",
                    f"{item.label} {item.doc.status} dans la GI après synchronisation — contre-passation à faire",
                ),
                previous.entry_id,
                None,
            )
        if previous.content_hash and previous.content_hash != item.content_hash:
            return (
                "drift",
                Issue(
                    "changed_after_sync",
                    f"{item.label} modifiée après synchronisation ({_totals(previous.total, item)}) — "
                    "rien n'est reposté : contre-passez et ressaisissez si besoin / manual action required",
                ),
                previous.entry_id,
                None,
            )
        return "already_synced", None, previous.entry_id, None
    if item.out_of_scope is not None:
        return "out_of_scope", item.out_of_scope, None, None
    issues = list(item.issues) + held.get(item.partner_id, [])
    payload: dict[str, Any] | None = None
    if item.draft is not None:
        payload, problems = prepare(
            item.draft,
            refs,
            payment_type_codes=_mode_codes(run, item),
            pending_accounts=pending_accounts,
            dossier=run.cfg.slug,
            label=item.label,
        )
        known = {i.code for i in issues}
        issues += [p for p in problems if p.code not in known]
    if item.draft is None or issues:
        return "held", _merge(issues), None, payload
    for invoice_pid, invoice_number in zip(item.invoice_partner_ids, item.invoice_numbers, strict=True):
        invoice_state = done_now.get(invoice_pid) or (states[invoice_pid].state if invoice_pid in states else "")
        if invoice_state not in ("synced", "created", "already_synced", "would_create"):
            return (
                "deferred",
                Issue(
                    "invoice_not_synced",
                    f"{item.label}: la facture {invoice_number} n'est pas encore dans MyUnisoft "
                    f"({invoice_state or 'non traitée'}) — le règlement attend",
                ),
                None,
                None,
            )
    if run.params.demo:
        return "would_create", None, None, payload
    return "post", None, None, payload


def _totals(posted: str, item: PlannedDoc) -> str:
    """``1 000,00 → 1 100,00``: what was posted and what the GI says now."""
    from gisync.money import format_fr

    now = item.draft.total_debit if item.draft is not None else (item.doc.total_ttc or item.doc.amount)
    before = format_fr(Decimal(posted)) if posted else "?"
    return f"{before} → {format_fr(now) if now is not None else '?'}"


def _mode_codes(run: DossierRun, item: PlannedDoc) -> dict[str, str]:
    mode = item.doc.mode or ""
    return {mode: run.cfg.payment_type_code(mode)} if mode else {}


def _merge(issues: list[Issue]) -> Issue:
    codes = list(dict.fromkeys(i.code for i in issues))
    return Issue(",".join(codes), " | ".join(dict.fromkeys(i.message for i in issues)))


def _post(
    run: DossierRun, item: PlannedDoc, payload: dict[str, Any] | None, client: MyUnisoftClient, previous: Any
) -> tuple[str, Issue | None, int | None]:
    """Write-ahead POST: ``sending`` committed first; a lost answer is resolved by the partner id."""
    assert payload is not None
    ledger, dossier, pid = run.ledger, run.cfg.slug, item.partner_id
    meta = {
        "kind": item.doc.kind,
        "gi_id": item.doc.gi_id,
        "number": item.doc.number,
        "content_hash": item.content_hash,
        "total": str(item.draft.total_debit if item.draft else ""),
    }
    if previous is not None and previous.state == "sending":
        try:
            found = client.find_entry(pid)
        except TransientError as exc:  # cannot tell whether it exists: nothing is sent, the next run asks again
            return "deferred", Issue(f"api_unavailable:{exc.code}", f"{item.label}: {exc}"), None
        if found is not None:
            ledger.set_state(
                dossier,
                pid,
                state="synced",
                entry_id=found,
                reason_code="",
                message="recovered by lookup",
                **meta,
            )
            return "created", Issue("recovered", "found by lookup after an interrupted POST"), found
    entry_id: int | None = None
    for attempt in range(1, POST_ATTEMPTS + 1):
        ledger.set_state(dossier, pid, state="sending", **meta)
        try:
            entry_id = client.create_entry(payload)
            break
        except TransientError as exc:
            try:
                found = client.find_entry(pid)
            except TransientError:  # no way to check: leave it `sending` for the next run's lookup
                return "deferred", Issue(f"api_unavailable:{exc.code}", f"{item.label}: {exc}"), None
            if found is not None:
                ledger.set_state(
                    dossier, pid, state="synced", entry_id=found, reason_code="", message="confirmed by lookup"
                )
                return "created", None, found
            # No answer at all (timeout, dropped connection): the server may still be writing it. Leave
            # the document `sending` for the next run's lookup rather than risk a second entry.
            if exc.status is None or attempt == POST_ATTEMPTS:
                return "deferred", Issue(f"api_unavailable:{exc.code}", f"{item.label}: {exc}"), None
            # The server answered (5xx/503) and the lookup shows no entry: sending again is safe.
            log.info("%s: %s — not found by lookup, posting again (%d/%d)", item.label, exc, attempt, POST_ATTEMPTS)
            time.sleep(min(2.0**attempt, 10.0) * POST_BACKOFF)
        except DataError as exc:
            ledger.set_state(dossier, pid, state="rejected", reason_code=exc.code, message=str(exc))
            return "rejected", Issue(exc.code, f"{item.label}: {exc}"), None
        except ConfigError:
            ledger.set_state(dossier, pid, state="pending", reason_code="", message="")
            raise
    if entry_id is None or run.params.only_one_entry:
        try:
            confirmed = client.find_entry(pid)
        except TransientError:
            confirmed = None
        if confirmed is None:
            return (
                "deferred",
                Issue("not_confirmed", f"{item.label}: entry not found by lookup after POST"),
                None,
            )
        entry_id = confirmed
    ledger.set_state(dossier, pid, state="synced", entry_id=entry_id, reason_code="", message="")
    return "created", None, entry_id


def _record(
    run: DossierRun,
    item: PlannedDoc,
    outcome: str,
    issue: Issue | None,
    entry_id: int | None,
    payload: dict[str, Any] | None,
) -> None:
    if not run.params.demo and outcome in ("held", "out_of_scope") and issue is not None:
        run.ledger.set_state(
            run.cfg.slug,
            item.partner_id,
            state=outcome,
            reason_code=issue.code[:64],
            message=issue.message,
            kind=item.doc.kind,
            gi_id=item.doc.gi_id,
            number=item.doc.number,
            content_hash=item.content_hash,
        )
    notes = item.draft.notes if item.draft is not None and outcome in ("created", "would_create") else []
    if notes:
        log.info("%s: %s", item.label, "; ".join(notes))
        if issue is None:
            issue = Issue("note", "; ".join(notes))
    run.ledger.record_outcome(
        run.key,
        partner_id=item.partner_id,
        kind=item.doc.kind,
        gi_id=item.doc.gi_id,
        number=item.doc.number,
        journal=item.doc.journal,
        outcome=outcome,
        reason_code=issue.code if issue else "",
        message=issue.message if issue else "",
        entry_id=entry_id,
        payload=payload if outcome in ("created", "would_create", "held") else None,
    )


# --- report ------------------------------------------------------------------------------------
def report(run: DossierRun) -> dict[str, Any]:
    """Write report.json and payloads.json; fail (one line) when a document needs a person."""
    if run.ledger.has_snapshot(run.key, "deferred"):
        deferred = run.ledger.get_snapshot(run.key, "deferred")
        summary = {"dossier": run.cfg.slug, "run_id": run.run_id, "mode": run.params.mode, "deferred": deferred}
        jsonutil.write_file(run.report_dir / "report.json", {"summary": summary, "checks": {}, "documents": []})
        run.ledger.finish_run(run.key, summary)
        log.warning("%s", deferred["message"])
        return summary
    outcomes = run.ledger.outcomes(run.key)
    checks = run.ledger.checks(run.key)
    missing_steps = [
        step
        for step in ("check_link", "extract", *(f"validate_{c}" for c in CHECKS), *(f"load_{j}" for j in JOURNALS))
        if not run.ledger.has_snapshot(run.key, STEP_MARKERS.get(step, f"done:{step}"))
    ]
    counts = Counter(o["state"] for o in outcomes)
    payloads = [
        {
            "partner_id": o["partner_id"],
            "kind": o["kind"],
            "number": o["number"],
            "journal": o["journal"],
            "sent": o["state"] == "created",
            "entry_id": o["entry_id"],
            "payload": o["payload"],
        }
        for o in outcomes
        if o["payload"] is not None and o["state"] in ("created", "would_create")
    ]
    unbalanced = sum(1 for p in payloads if _unbalanced(p["payload"]))
    summary = {
        "dossier": run.cfg.slug,
        "run_id": run.run_id,
        "mode": run.params.mode,
        "documents": len(outcomes),
        **{state: counts.get(state, 0) for state in OUTCOMES},
        "unbalanced": unbalanced,
        "report": str(run.report_dir / "report.json"),
        "incomplete_steps": missing_steps,
    }
    failures = {
        step: run.ledger.get_snapshot(run.key, f"failed:{step}")["message"]
        for step in missing_steps
        if run.ledger.has_snapshot(run.key, f"failed:{step}")
    }
    summary["failures"] = failures
    failing = {s: counts.get(s, 0) for s in FAILING_STATES if counts.get(s, 0)}
    if failing or unbalanced:
        summary["attention"] = _failure_line(run.cfg.slug, outcomes, failing, unbalanced)
    documents = [{k: v for k, v in o.items() if k != "payload"} for o in outcomes]
    out = run.report_dir
    jsonutil.write_file(
        out / "report.json",
        {"summary": summary, "checks": {k: v["rows"] for k, v in checks.items()}, "documents": documents},
    )
    jsonutil.write_file(out / "payloads.json", payloads)
    human_report.write(out, summary, documents, payloads, {k: v["rows"] for k, v in checks.items()})
    run.ledger.finish_run(run.key, summary)
    if missing_steps:
        first = next(iter(failures.values()), "read the first failed task's log")
        raise DossierRunFailed(
            f"dossier {run.cfg.slug}: steps {', '.join(missing_steps)} did not complete — {first}; "
            f"report written to {summary['report']}"
        )
    if failing or unbalanced:
        raise DossierRunFailed(summary["attention"])
    return summary


def _unbalanced(payload: dict[str, Any]) -> bool:
    from gisync.money import to_cents

    lines = payload.get("entry_list") or []
    return sum(to_cents(ln["debit"]) for ln in lines) != sum(to_cents(ln["credit"]) for ln in lines)


def _failure_line(slug: str, outcomes: list[dict[str, Any]], failing: dict[str, int], unbalanced: int) -> str:
    """One line a person can act on: counts, then the most frequent reasons."""
    reasons = Counter(o["reason"].split(",")[0] for o in outcomes if o["state"] in FAILING_STATES and o["reason"])
    parts = [f"{n} documents {state}" for state, n in failing.items()]
    if unbalanced:
        parts.append(f"{unbalanced} unbalanced payloads")
    top = "; ".join(f"{code} ×{n}" for code, n in reasons.most_common(4))
    return f"dossier {slug}: {', '.join(parts)} — {top} (see report.json for each document and its fix)"


def record_failure(run: DossierRun, step: str, exc: BaseException) -> None:
    """Keep a failed step's one-line reason so the report (and ``make demo``) can say it."""
    if isinstance(exc, DossierRunFailed):
        return
    try:
        run.ledger.put_snapshot(run.key, f"failed:{step}", {"step": step, "message": f"{type(exc).__name__}: {exc}"})
    except Exception:  # the DB itself may be what failed; the task log still has the error
        log.exception("could not record the failure of %s", step)


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
