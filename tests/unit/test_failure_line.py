"""The one line of a red run (task log, notifier, status page): what is wrong, and what to do about it."""

from __future__ import annotations

from gisync.reporting import failure_line


def _doc(state: str, reason: str) -> dict[str, str]:
    return {"state": state, "reason": reason}


def test_each_reason_carries_the_fix_of_its_check_row() -> None:
    outcomes = [
        *[_doc("held", "account_missing:706300") for _ in range(3)],
        _doc("held", "payment_mode_unknown:PAYPAL,account_missing:706300"),  # first reason counts
        _doc("rejected", "ERR-ENTRY-DATE"),
        _doc("created", ""),
    ]
    fixes = {
        "706300": "créez 706300 dans MyUnisoft > Paramètres > Plan comptable, puis relancez",
        "PAYPAL": "ajoutez 'PAYPAL: <code MyUnisoft>' sous payment_modes, puis relancez",
    }
    line = failure_line("demo", outcomes, {"held": 4, "rejected": 1}, 0, fixes)
    assert line == (
        "dossier demo: 4 documents held, 1 documents rejected — "
        "account_missing:706300 ×3 → créez 706300 dans MyUnisoft > Paramètres > Plan comptable, puis relancez; "
        "payment_mode_unknown:PAYPAL ×1 → ajoutez 'PAYPAL: <code MyUnisoft>' sous payment_modes, puis relancez; "
        "ERR-ENTRY-DATE ×1 (see report.json for each document and its fix)"
    )
    assert "\n" not in line
