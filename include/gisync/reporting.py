"""The report step: report.json, payloads.json and the human reports; red when a person must act."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from gisync import human_report, jsonutil
from gisync.models import OUTCOMES
from gisync.run import CHECKS, FAILING_STATES, JOURNALS, STEP_MARKERS, DossierRun, DossierRunFailed
from gisync.validation import check_row_ok

log = logging.getLogger(__name__)


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
        summary["attention"] = failure_line(run.cfg.slug, outcomes, failing, unbalanced, _fixes(checks))
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


def _fixes(checks: dict[str, Any]) -> dict[str, str]:
    """What to do about each item (account number, payment mode, journal…) of the red check rows."""
    return {
        str(row["item"]): str(row["detail"])
        for check in checks.values()
        for row in check["rows"]
        if not check_row_ok(row) and row.get("item") and row.get("detail")
    }


def failure_line(
    slug: str, outcomes: list[dict[str, Any]], failing: dict[str, int], unbalanced: int, fixes: dict[str, str]
) -> str:
    """One line a person can act on: counts, then the most frequent reasons, each with its fix when a check
    row gives one (reason ``account_missing:706300`` ↔ row ``706300``)."""
    reasons = Counter(o["reason"].split(",")[0] for o in outcomes if o["state"] in FAILING_STATES and o["reason"])
    parts = [f"{n} documents {state}" for state, n in failing.items()]
    if unbalanced:
        parts.append(f"{unbalanced} unbalanced payloads")
    top = []
    for code, n in reasons.most_common(4):
        fix = fixes.get(code.split(":", 1)[-1])
        top.append(f"{code} ×{n}" + (f" → {fix}" if fix else ""))
    return f"dossier {slug}: {', '.join(parts)} — {'; '.join(top)} (see report.json for each document and its fix)"
