"""The sync-state database: what each GI document became, and what each run saw and did.

SQLAlchemy, SQLite file by default, PostgreSQL in production. Data passes between Airflow tasks
through here (snapshots and checks keyed by run), never through XCom. The write-ahead protocol of
DESIGN.md §7 lives on :class:`DocumentState`: ``sending`` is committed before a POST and ``synced``
after, so a crash in between is resolved by a lookup, never by a second POST.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from gisync import jsonutil
from gisync.errors import ConfigError

DEFAULT_URL_ENV = "GISYNC_STATE_DB"
LOCK_LAPSE = dt.timedelta(minutes=10)  # a load lock not refreshed for this long belongs to a dead run
HEARTBEAT_EVERY = 30.0  # seconds between two refreshes of the lock by the loading run


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class DocumentState(Base):
    """One GI document of one dossier, across runs (the exactly-once record)."""

    __tablename__ = "document_state"
    dossier: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    gi_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(200), default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    total: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class RunRecord(Base):
    __tablename__ = "sync_run"
    run_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    dossier: Mapped[str] = mapped_column(String(64), index=True)
    run_id: Mapped[str] = mapped_column(String(250))
    mode: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="{}")


class RunDocument(Base):
    """What one run did with one document (the report's rows)."""

    __tablename__ = "run_document"
    __table_args__ = (UniqueConstraint("run_key", "partner_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_key: Mapped[str] = mapped_column(String(300), index=True)
    partner_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    gi_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(200), default="")
    journal: Mapped[str] = mapped_column(String(16), default="")
    outcome: Mapped[str] = mapped_column(String(24))
    reason_code: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)


class Snapshot(Base):
    """Data a run read once (GI extract, MyUnisoft reference data) for its later tasks."""

    __tablename__ = "run_snapshot"
    run_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[str] = mapped_column(Text)


class CheckResult(Base):
    __tablename__ = "run_check"
    run_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    rows: Mapped[str] = mapped_column(Text)
    holds: Mapped[str] = mapped_column(Text)


class ThirdPartyAccount(Base):
    """A GI client/supplier's MyUnisoft account as the server returned it (id and number)."""

    __tablename__ = "third_party_account"
    dossier: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    gi_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    account_number: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_by_sync: Mapped[bool] = mapped_column(Boolean, default=False)


class DossierLock(Base):
    __tablename__ = "dossier_lock"
    dossier: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(300))
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


def default_url(var_dir: Path | None = None) -> str:
    """``$GISYNC_STATE_DB``, else a SQLite file under ``<var_dir>/state`` (``$GISYNC_VAR`` or ``./var``)."""
    url = os.environ.get(DEFAULT_URL_ENV)
    if url:
        return url
    path = (var_dir or Path(os.environ.get("GISYNC_VAR", "var"))) / "state" / "gisync.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.resolve()}"


class Ledger:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        sqlite = self.url.startswith("sqlite")
        self.engine = create_engine(
            self.url, connect_args={"timeout": 60} if sqlite else {}, pool_pre_ping=not sqlite, future=True
        )
        if sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # --- runs, snapshots, checks ----------------------------------------------------------------
    def start_run(self, run_key: str, dossier: str, run_id: str, mode: str) -> None:
        with self.session() as s:
            if s.get(RunRecord, run_key) is None:
                s.add(RunRecord(run_key=run_key, dossier=dossier, run_id=run_id, mode=mode))

    def finish_run(self, run_key: str, summary: dict[str, Any]) -> None:
        with self.session() as s:
            run = s.get(RunRecord, run_key)
            if run is not None:
                run.finished_at = _now()
                run.summary = jsonutil.dumps(summary)

    def put_snapshot(self, run_key: str, name: str, content: Any) -> None:
        with self.session() as s:
            s.merge(Snapshot(run_key=run_key, name=name, content=jsonutil.dumps(content)))

    def get_snapshot(self, run_key: str, name: str) -> Any:
        with self.session() as s:
            row = s.get(Snapshot, (run_key, name))
            if row is None:
                raise ConfigError(f"run {run_key}: no {name} data (did the earlier task of this run succeed?)")
            return jsonutil.loads(row.content)

    def has_snapshot(self, run_key: str, name: str) -> bool:
        with self.session() as s:
            return s.get(Snapshot, (run_key, name)) is not None

    def put_check(
        self, run_key: str, name: str, rows: list[dict[str, Any]], holds: dict[str, list[dict[str, str]]]
    ) -> None:
        with self.session() as s:
            s.merge(CheckResult(run_key=run_key, name=name, rows=jsonutil.dumps(rows), holds=jsonutil.dumps(holds)))

    def checks(self, run_key: str) -> dict[str, dict[str, Any]]:
        with self.session() as s:
            rows = s.scalars(select(CheckResult).where(CheckResult.run_key == run_key)).all()
            return {r.name: {"rows": jsonutil.loads(r.rows), "holds": jsonutil.loads(r.holds)} for r in rows}

    # --- documents -----------------------------------------------------------------------------
    def documents(self, dossier: str) -> dict[str, DocumentState]:
        with self.session() as s:
            rows = s.scalars(select(DocumentState).where(DocumentState.dossier == dossier)).all()
            return {r.partner_id: r for r in rows}

    def set_state(self, dossier: str, partner_id: str, *, state: str, **fields: Any) -> None:
        """Create or update a document's state; committed when this returns (write-ahead)."""
        with self.session() as s:
            row = s.get(DocumentState, (dossier, partner_id))
            if row is None:
                row = DocumentState(dossier=dossier, partner_id=partner_id, state=state, attempts=0, **fields)
                s.add(row)
            else:
                row.state = state
                for key, value in fields.items():
                    setattr(row, key, value)
            if state == "sending":
                row.attempts = (row.attempts or 0) + 1

    def record_outcome(self, run_key: str, **fields: Any) -> None:
        """Record (or replace, on a task retry) what this run did with a document."""
        payload = fields.pop("payload", None)
        with self.session() as s:
            s.execute(
                delete(RunDocument).where(
                    RunDocument.run_key == run_key, RunDocument.partner_id == fields["partner_id"]
                )
            )
            s.add(RunDocument(run_key=run_key, payload=None if payload is None else jsonutil.dumps(payload), **fields))

    def outcomes(self, run_key: str) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.scalars(select(RunDocument).where(RunDocument.run_key == run_key).order_by(RunDocument.id)).all()
            return [
                {
                    "partner_id": r.partner_id,
                    "kind": r.kind,
                    "gi_id": r.gi_id,
                    "number": r.number,
                    "journal": r.journal,
                    "state": r.outcome,
                    "reason": r.reason_code,
                    "message": r.message,
                    "entry_id": r.entry_id,
                    "payload": None if r.payload is None else jsonutil.loads(r.payload),
                }
                for r in rows
            ]

    # --- third parties -------------------------------------------------------------------------
    def third_parties(self, dossier: str, role: str) -> dict[str, ThirdPartyAccount]:
        with self.session() as s:
            rows = s.scalars(
                select(ThirdPartyAccount).where(ThirdPartyAccount.dossier == dossier, ThirdPartyAccount.role == role)
            ).all()
            return {r.gi_id: r for r in rows}

    def save_third_party(self, dossier: str, role: str, gi_id: str, **fields: Any) -> None:
        with self.session() as s:
            s.merge(ThirdPartyAccount(dossier=dossier, role=role, gi_id=gi_id, **fields))

    # --- one load per dossier ------------------------------------------------------------------
    def acquire_lock(self, dossier: str, holder: str, stale_after: dt.timedelta = LOCK_LAPSE) -> None:
        """Take the dossier's load lock (re-entrant for the same holder); refuse while another holds it.

        The holder refreshes it (:meth:`heartbeat`) while it loads; a lock not refreshed for
        ``stale_after`` belongs to a run that died (killed worker, Ctrl-C) and is taken over.
        """
        try:
            self._acquire_lock(dossier, holder, stale_after)
        except IntegrityError:  # another run inserted the lock between our read and our insert
            raise ConfigError(
                f"dossier {dossier} already syncing (another run took the load lock); rerun later"
            ) from None

    def _acquire_lock(self, dossier: str, holder: str, stale_after: dt.timedelta) -> None:
        with self.session() as s:
            row = s.get(DossierLock, dossier, with_for_update=True)
            if row is not None and row.holder != holder:
                seen = row.heartbeat_at if row.heartbeat_at.tzinfo else row.heartbeat_at.replace(tzinfo=dt.UTC)
                if _now() - seen < stale_after:
                    raise ConfigError(
                        f"dossier {dossier} already syncing (déjà en cours): run {row.holder.split(':', 1)[-1]} "
                        f"holds the load, last seen {seen:%Y-%m-%d %H:%M:%S} UTC. This run stops; rerun it when "
                        f"that one ends (if it died, its lock lapses at {seen + stale_after:%H:%M:%S} UTC)"
                    )
                s.delete(row)
                s.flush()
                row = None
            if row is None:
                s.add(DossierLock(dossier=dossier, holder=holder))
            else:
                row.heartbeat_at = _now()

    def heartbeat(self, dossier: str, holder: str) -> None:
        """The holder is alive: push the lock's lapse time forward."""
        with self.session() as s:
            row = s.get(DossierLock, dossier)
            if row is not None and row.holder == holder:
                row.heartbeat_at = _now()

    def release_lock(self, dossier: str, holder: str) -> None:
        with self.session() as s:
            s.execute(delete(DossierLock).where(DossierLock.dossier == dossier, DossierLock.holder == holder))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()
