"""Read-only views of the sync-state database for the status page: plain dicts, no Airflow.

Everything here only SELECTs from :class:`gisync.ledger.Ledger`'s tables (``sync_run``, ``run_document``,
``run_check``); it never talks to the GI or MyUnisoft. A dossier is *red* when its latest run left
something that needs a person (held, rejected or drifted documents, unbalanced payloads, steps that did
not complete, a run deferred by an outage or a red check row), *green* otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from gisync import jsonutil
from gisync.ledger import CheckResult, Ledger, RunDocument, RunRecord
from gisync.validation import check_row_ok

CHECK_ORDER = ("accounts", "payment_modes", "clients", "journals_and_periods")
COUNTED = ("created", "held", "deferred", "rejected", "drift", "out_of_scope")
ALL_STATES = (*COUNTED, "would_create", "already_synced", "pending")
FAILING = ("held", "rejected", "drift")
ATTENTION = ("held", "deferred", "rejected", "drift")
HISTORY_LIMIT = 20
SHOWN_REASONS = 3  # per state, in the one-line "what to fix" of a run
SHOWN_CHECK_ROWS = 3  # per red check


def dossiers(ledger: Ledger) -> list[dict[str, Any]]:
    """One dict per dossier that has at least one run: its latest run, counts and red/green."""
    with ledger.session() as s:
        names = s.scalars(select(RunRecord.dossier).distinct().order_by(RunRecord.dossier)).all()
    result = []
    for name in names:
        latest = _latest_run(ledger, name)
        if latest is not None:
            result.append(_run_view(ledger, latest, with_checks=True))
    return result


def dossier_detail(ledger: Ledger, slug: str) -> dict[str, Any] | None:
    """The latest run of ``slug`` (checks, documents needing attention) and its last 20 runs; None if unknown."""
    latest = _latest_run(ledger, slug)
    if latest is None:
        return None
    view = _run_view(ledger, latest, with_checks=True)
    with ledger.session() as s:
        docs = s.scalars(
            select(RunDocument)
            .where(RunDocument.run_key == latest.run_key, RunDocument.outcome.in_(ATTENTION))
            .order_by(RunDocument.id)
        ).all()
        documents = [
            {
                "partner_id": d.partner_id,
                "kind": d.kind,
                "gi_id": d.gi_id,
                "number": d.number,
                "journal": d.journal,
                "state": d.outcome,
                "reason": d.reason_code,
                "message": d.message,
            }
            for d in docs
        ]
        runs = s.scalars(
            select(RunRecord)
            .where(RunRecord.dossier == slug)
            .order_by(RunRecord.started_at.desc(), RunRecord.run_key.desc())
            .limit(HISTORY_LIMIT)
        ).all()
    view["documents"] = documents
    view["history"] = [_run_view(ledger, run, with_checks=True) for run in runs]
    return view


# --- helpers ---------------------------------------------------------------------------------------
def _latest_run(ledger: Ledger, slug: str) -> RunRecord | None:
    with ledger.session() as s:
        return s.scalars(
            select(RunRecord)
            .where(RunRecord.dossier == slug)
            .order_by(RunRecord.started_at.desc(), RunRecord.run_key.desc())
            .limit(1)
        ).first()


def _checks(ledger: Ledger, run_key: str) -> list[dict[str, Any]]:
    with ledger.session() as s:
        rows = s.scalars(select(CheckResult).where(CheckResult.run_key == run_key)).all()
        raw = {r.name: jsonutil.loads(r.rows) for r in rows}
    order = [n for n in CHECK_ORDER if n in raw] + sorted(n for n in raw if n not in CHECK_ORDER)
    checks = []
    for name in order:
        table = [{**row, "ok": check_row_ok(row)} for row in raw[name]]
        checks.append({"name": name, "ok": all(r["ok"] for r in table), "rows": table})
    return checks


def _tally(ledger: Ledger, run_key: str) -> tuple[dict[str, int], dict[str, Counter[str]]]:
    """One query: documents per outcome, and per failing outcome how many each reason code stopped."""
    with ledger.session() as s:
        triples = s.execute(
            select(RunDocument.outcome, RunDocument.reason_code, func.count())
            .where(RunDocument.run_key == run_key)
            .group_by(RunDocument.outcome, RunDocument.reason_code)
        ).all()
    found: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = {state: Counter() for state in FAILING}
    for outcome, reason, n in triples:
        found[str(outcome)] += int(n)
        if outcome in reasons:
            reasons[str(outcome)][str(reason or "?")] += int(n)
    counts = {state: found.pop(state, 0) for state in ALL_STATES}
    counts.update(found)
    return counts, reasons


def _most_common(reasons: Counter[str]) -> str:
    """``account_missing:706300 ×4, payment_mode_unknown:PAYPAL ×4`` (most frequent first, then by code)."""
    ranked = sorted(reasons.items(), key=lambda pair: (-pair[1], pair[0]))
    text = ", ".join(f"{code} ×{n}" for code, n in ranked[:SHOWN_REASONS])
    return text + (f", +{len(ranked) - SHOWN_REASONS} other reasons" if len(ranked) > SHOWN_REASONS else "")


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat(timespec="seconds")


def _run_view(ledger: Ledger, run: RunRecord, *, with_checks: bool) -> dict[str, Any]:
    summary: dict[str, Any] = jsonutil.loads(run.summary or "{}") or {}
    counts, reasons = _tally(ledger, run.run_key)
    deferred_run = summary.get("deferred") if isinstance(summary.get("deferred"), dict) else None
    incomplete = list(summary.get("incomplete_steps") or [])
    unbalanced = int(summary.get("unbalanced") or 0)
    checks = _checks(ledger, run.run_key) if with_checks else []
    problems: list[str] = [f"{counts[s]} {s} — {_most_common(reasons[s])}" for s in FAILING if counts[s]]
    if unbalanced:
        problems.append(f"{unbalanced} unbalanced")
    if incomplete:
        problems.append("incomplete: " + ", ".join(incomplete))
    if deferred_run is not None:
        problems.append(str(deferred_run.get("message") or deferred_run.get("reason") or "deferred"))
    for check in checks:
        red = [row for row in check["rows"] if not row["ok"]]
        for row in red[:SHOWN_CHECK_ROWS]:
            problems.append(f"{check['name']} {row.get('item')}: {row.get('status')} — {row.get('detail')}")
        if len(red) > SHOWN_CHECK_ROWS:
            problems.append(f"{check['name']}: +{len(red) - SHOWN_CHECK_ROWS} more")
    view: dict[str, Any] = {
        "dossier": run.dossier,
        "run_key": run.run_key,
        "run_id": run.run_id,
        "mode": run.mode,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "finished": run.finished_at is not None,
        "counts": {state: counts[state] for state in COUNTED},
        "would_create": counts["would_create"],
        "already_synced": counts["already_synced"],
        "unbalanced": unbalanced,
        "incomplete_steps": incomplete,
        "deferred_run": deferred_run,
        "report": summary.get("report"),
        "problems": problems,
        "status": "red" if problems else "green",
    }
    if with_checks:
        view["checks"] = checks
    return view
