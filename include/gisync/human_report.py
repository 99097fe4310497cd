"""The run's report for people: ``report.html`` and CSV files next to ``report.json``.

Totals per journal (debit, credit, number of entries) of what was written (or, in demo mode, what would
be), the per-document table with states and reasons, and the check tables. pandas builds the tables;
amounts stay Decimal (summed exactly, shown with two decimals).
"""

from __future__ import annotations

import html
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from gisync.models import OUTCOMES
from gisync.money import ZERO

JOURNAL_ORDER = {"sales": 0, "payments": 1, "purchases": 2}


def journal_totals(payloads: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per journal: entries, total debit, total credit (equal when every entry balances)."""
    rows = []
    for item in payloads:
        lines = item["payload"]["entry_list"]
        rows.append(
            {
                "journal": item["journal"],
                "entries": 1,
                "debit": sum((Decimal(str(ln["debit"])) for ln in lines), ZERO),
                "credit": sum((Decimal(str(ln["credit"])) for ln in lines), ZERO),
            }
        )
    if not rows:
        return pd.DataFrame(columns=["journal", "entries", "debit", "credit"])
    frame = pd.DataFrame(rows)
    totals = frame.groupby("journal", sort=False).agg(
        entries=("entries", "sum"), debit=("debit", lambda s: sum(s, ZERO)), credit=("credit", lambda s: sum(s, ZERO))
    )
    totals = totals.reset_index()
    return totals.sort_values("journal", key=lambda col: col.map(JOURNAL_ORDER)).reset_index(drop=True)


def documents_table(documents: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["kind", "gi_id", "number", "journal", "state", "reason", "message", "partner_id", "entry_id"]
    return pd.DataFrame(documents, columns=columns)


def write(out: Path, summary: dict[str, Any], documents: list[dict[str, Any]], payloads: list[dict[str, Any]],
          checks: dict[str, list[dict[str, Any]]]) -> None:  # fmt: skip
    """Write report.html, journals.csv and documents.csv into ``out``."""
    totals = journal_totals(payloads)
    docs = documents_table(documents)
    money_cols = {"debit": "{:.2f}".format, "credit": "{:.2f}".format}
    totals.to_csv(out / "journals.csv", index=False, sep=";")
    docs.to_csv(out / "documents.csv", index=False, sep=";")
    verb = "would be written (demo: nothing was sent)" if summary.get("mode") == "demo" else "written"
    attention = summary.get("attention") or ""
    parts = [
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>",
        f"<title>gisync — {html.escape(str(summary.get('dossier')))}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:.3em .6em}th{background:#eef}.red{color:#a00}"
        "tr.held td,tr.rejected td,tr.drift td{background:#fee}</style></head><body>",
        f"<h1>Dossier {html.escape(str(summary.get('dossier')))} — run {html.escape(str(summary.get('run_id')))}</h1>",
        f"<p>Mode: <b>{html.escape(str(summary.get('mode')))}</b>. "
        + ", ".join(f"{k}: <b>{summary.get(k, 0)}</b>" for k in OUTCOMES if k != "pending")
        + "</p>",
    ]
    if attention:
        parts.append(f"<p class='red'><b>À traiter / needs a person:</b> {html.escape(attention)}</p>")
    parts.append(f"<h2>Totals per journal ({verb})</h2>")
    parts.append(totals.to_html(index=False, formatters=money_cols, escape=True))
    for name, rows in checks.items():
        parts.append(f"<h2>Check: {html.escape(name)}</h2>")
        parts.append(pd.DataFrame(rows).to_html(index=False, escape=True) if rows else "<p>—</p>")
    parts.append("<h2>Documents</h2>")
    table = docs.to_html(index=False, escape=True, na_rep="")
    for state in ("held", "rejected", "drift"):
        table = table.replace(f"<td>{state}</td>", f"<td class='red'>{state}</td>")
    parts.append(table)
    parts.append("</body></html>")
    (out / "report.html").write_text("\n".join(parts), encoding="utf-8")
