"""One sync run of one dossier: its parameters, its services and the state it reads and writes.

Shared by the steps (:mod:`gisync.pipeline`, :mod:`gisync.loading`, :mod:`gisync.reporting`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from gisync.config import DossierConfig
from gisync.errors import GisyncError, TransientError
from gisync.ledger import Ledger
from gisync.myunisoft.client import MyUnisoftClient
from gisync.myunisoft.reference import FolderRefs
from gisync.plan import Plan, build_plan

log = logging.getLogger(__name__)

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


def record_failure(run: DossierRun, step: str, exc: BaseException) -> None:
    """Keep a failed step's one-line reason so the report (and ``make demo``) can say it."""
    if isinstance(exc, DossierRunFailed):
        return
    try:
        run.ledger.put_snapshot(run.key, f"failed:{step}", {"step": step, "message": f"{type(exc).__name__}: {exc}"})
    except Exception:  # the DB itself may be what failed; the task log still has the error
        log.exception("could not record the failure of %s", step)
