"""The simulated dossier's state and the store that guards it.

The state is one JSON-able dict (amounts may be :class:`~decimal.Decimal`), so it can be dumped by
``GET /_sim/state``, persisted to a file and loaded back unchanged. Shape::

    {
      "society":               {...},   # GET society (society access), society_id 2123
      "key_info":              {...},   # GET key/info?mode=extended; isActivated flips on first call
      "accounting_parameters": {...},   # GET society/accountingParameters (max_car_general_account: 6)
      "exercices":  [{exercice_id, start_date "YYYYMMDD", end_date, label, closed, closed_at, ...}],
      "diaries":    [{diary_id, code, name, account, blocked, closed, diary_type_id, diary_type_code,
                      diary_type_name}],
      "payment_types": [{payment_type_id, name, code}],
      "vat_params":    [{vat_param_id, code, account_ded, account_coll, vat, vat_type, vat_exigility,
                         blocked}],
      "accounts":   [{account_id, society_id, account_number, label, solde, sens, comment, intraco,
                      btp_autoliquidation, presta, exoneration, das_2, closed, blocked, vat_param,
                      counterpart_account, complementary_informations}],
      "entries":    [<POST entry body> + {entry_id, type: "ENTRIES", created_at (ISO UTC),
                      entry_date "YYYY-MM-DD"}, with line_entry_id added to every entry_list line],
      "next_ids":   {"account": int, "entry": int, "line_entry": int},
    }

Accounts are stored in the detailed (``GET account?mode=2``) shape so every read is a projection.
"""

from __future__ import annotations

import copy
import threading
from datetime import date
from pathlib import Path
from typing import Any

from gisync.jsonutil import read_file, write_file

DATA_DIR = Path(__file__).parent / "data"

# Every route the simulator serves under /api/v1: key/info lists them (a client checks its grants there).
SERVED_ROUTES: tuple[tuple[str, str], ...] = (
    ("get", "/api/v1/key/info"),
    ("get", "/api/v1/society"),
    ("get", "/api/v1/society/exercice"),
    ("get", "/api/v1/society/accountingParameters"),
    ("get", "/api/v1/diary"),
    ("get", "/api/v1/payment_type"),
    ("get", "/api/v1/vat_param"),
    ("get", "/api/v1/account"),
    ("post", "/api/v1/account"),
    ("post", "/api/v1/entry"),
    ("get", "/api/v1/entry/id"),
    ("post", "/api/v1/entries"),
)


def load_data(name: str) -> Any:
    """A JSON file shipped in ``data/`` (copies of the published examples: no runtime read elsewhere)."""
    return read_file(DATA_DIR / name)


def ymd(text: str) -> date:
    """``YYYYMMDD`` (the fiscal-year format) as a date."""
    return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))


class Store:
    """Current state, its reset target and its persistence; ``lock`` serialises every access.

    With ``persist_path`` naming an existing file, the current state is loaded from it (a restarted
    simulator keeps what clients already wrote); ``initial`` stays the target of ``reset()``.
    """

    def __init__(self, initial: dict[str, Any], persist_path: str | None = None) -> None:
        self.lock = threading.RLock()
        self._initial = copy.deepcopy(initial)
        self.persist_path = Path(persist_path) if persist_path else None
        if self.persist_path is not None and self.persist_path.exists():
            self.state: dict[str, Any] = read_file(self.persist_path)
        else:
            self.state = copy.deepcopy(initial)

    def save(self) -> None:
        """Write the state atomically after a successful write (no-op without a persist file)."""
        if self.persist_path is not None:
            write_file(self.persist_path, self.state)

    def reset(self) -> None:
        with self.lock:
            self.state = copy.deepcopy(self._initial)
            self.save()

    def next_id(self, kind: str) -> int:
        ids = self.state.setdefault("next_ids", {})
        value = int(ids.get(kind, 1))
        ids[kind] = value + 1
        return value

    def account_by_id(self, account_id: int) -> dict[str, Any] | None:
        return next((a for a in self.state["accounts"] if a["account_id"] == account_id), None)

    def account_by_number(self, number: str) -> dict[str, Any] | None:
        return next((a for a in self.state["accounts"] if a["account_number"] == number), None)

    def diary_by_id(self, diary_id: int) -> dict[str, Any] | None:
        return next((d for d in self.state["diaries"] if d["diary_id"] == diary_id), None)

    def exercice_for(self, day: date) -> dict[str, Any] | None:
        return next(
            (e for e in self.state["exercices"] if ymd(e["start_date"]) <= day <= ymd(e["end_date"])),
            None,
        )

    def payment_type(self, payment_type_id: int) -> dict[str, Any] | None:
        return next((p for p in self.state["payment_types"] if p["payment_type_id"] == payment_type_id), None)
