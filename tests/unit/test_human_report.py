"""report.html and the CSV files: exact totals per journal, escaped text, held rows marked."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from gisync import human_report


def _payload(journal: str, amount: str) -> dict:
    value = Decimal(amount)
    return {
        "journal": journal,
        "payload": {"entry_list": [{"debit": value, "credit": Decimal(0)}, {"debit": Decimal(0), "credit": value}]},
    }


def test_totals_per_journal_are_exact() -> None:
    totals = human_report.journal_totals(
        [_payload("payments", "0.10"), _payload("sales", "0.10"), _payload("sales", "0.20")]
    )
    assert totals.to_dict("records") == [
        {"journal": "sales", "entries": 2, "debit": Decimal("0.30"), "credit": Decimal("0.30")},
        {"journal": "payments", "entries": 1, "debit": Decimal("0.10"), "credit": Decimal("0.10")},
    ]


def test_html_and_csv(tmp_path: Path) -> None:
    documents = [
        {"kind": "INV", "gi_id": "1", "number": "FA1", "journal": "sales", "state": "created", "reason": "",
         "message": "", "partner_id": "GI-d-INV-1", "entry_id": 7},
        {"kind": "INV", "gi_id": "2", "number": "<b>FA2</b>", "journal": "sales", "state": "held",
         "reason": "account_missing:706300", "message": "compte 706300 inexistant", "partner_id": "GI-d-INV-2",
         "entry_id": None},
    ]  # fmt: skip
    summary = {"dossier": "d", "run_id": "r", "mode": "sync", "created": 1, "held": 1, "attention": "1 documents held"}
    checks = {"accounts": [{"item": "706300", "status": "missing", "detail": "créez 706300", "documents": "1"}]}
    human_report.write(tmp_path, summary, documents, [_payload("sales", "120.00")], checks)
    page = (tmp_path / "report.html").read_text()
    assert "&lt;b&gt;FA2&lt;/b&gt;" in page and "<b>FA2</b>" not in page
    assert "<td class='red'>held</td>" in page and "120.00" in page and "créez 706300" in page
    assert (tmp_path / "journals.csv").read_text().splitlines() == [
        "journal;entries;debit;credit",
        "sales;1;120.00;120.00",
    ]
    assert "account_missing:706300" in (tmp_path / "documents.csv").read_text()
