"""The load step: post a journal's entries exactly once (DESIGN.md §7).

Write-ahead: a document is ``sending`` (committed) before its POST and ``synced`` after; one left
``sending`` is looked up by its partner id before anything else is sent for it. Every document of the
journal ends the run with exactly one outcome and a reason.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from gisync.errors import ConfigError, DataError, TransientError
from gisync.ledger import HEARTBEAT_EVERY
from gisync.models import Issue
from gisync.myunisoft.client import MyUnisoftClient
from gisync.myunisoft.payload import prepare
from gisync.myunisoft.reference import FolderRefs
from gisync.plan import PlannedDoc
from gisync.progress import Progress
from gisync.run import CHECKS, DossierRun

log = logging.getLogger(__name__)

POST_ATTEMPTS = 3  # sends of one entry in a run, each after a lookup that found nothing
POST_BACKOFF = 0.5  # seconds, doubled per attempt


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
    pending_accounts = {  # demo mode: third-party accounts that a real run would create first
        row["account"] for c in ledger.checks(run.key).values() for row in c["rows"] if row["status"] == "would_create"
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
                    f"{item.label} : écriture introuvable dans MyUnisoft (supprimée ?) — n° {entry_id} ; "
                    "rien n'est reposté automatiquement : vérifiez, puis ressaisissez si besoin",
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
                    f"{item.label} {_voided_word(item)} dans la GI après synchronisation — contre-passation à faire",
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
                    "rien n'est reposté : contre-passez et ressaisissez si besoin (action manuelle requise)",
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


# The GI status that took a synced document out of scope, in words: (invoice/credit note, payment).
_VOIDED = {"cancelled": ("annulée", "annulé"), "draft": ("repassée en brouillon", "repassé en brouillon")}


def _voided_word(item: PlannedDoc) -> str:
    status = item.doc.status or ""
    feminine, masculine = _VOIDED.get(status, (f"passée au statut {status!r}", f"passé au statut {status!r}"))
    return masculine if item.doc.kind == "PAY" else feminine


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
