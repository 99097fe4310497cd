"""Chaos harness: the whole sync, run after run in separate loader processes, against faulty simulators.

Shared by ``bench/reliability.py`` (≥ 50 seeds × 1 000 documents) and
``tests/contract/test_reliability.py`` (a reduced CI version). For one seed:

1. :func:`build_dataset` makes a GI dataset of ``documents`` documents (invoices, credit notes
   negative and positive, payments; purchases off) whose clients all have their account in the
   MyUnisoft state (``default_state(extra_accounts=...)``). A few deliberate traps end in a terminal
   state on purpose: drafts/cancelled documents (``out_of_scope``) and invoices whose TTC differs
   from HT + VAT (``held`` with ``total_mismatch``).
2. Runs are repeated until every document is terminal (``synced``, ``held``, ``rejected``,
   ``out_of_scope``) or ``max_runs`` is reached. Each run is a **separate process**
   (``python -m gisync.simulator.chaos load ...``: a :class:`~gisync.pipeline.DossierRun` on a SQLite
   sync-state file, then :func:`~gisync.pipeline.run_all`). During the first ``chaos_runs`` runs the
   harness arms random simulator faults at random moments (429 storms, HTML 429, 503, 500, non-JSON
   502, latency, ``commit_then_drop``, ``timeout`` with the write after or before the wait) and, with
   probability ``kill_probability``, SIGKILLs the loader at a chosen point:

   - ``random``: right after the k-th POST was counted by the simulator, so anywhere between two
     writes — including between the committed ``sending`` and the next POST (before POST);
   - ``in_post``: while a POST is held by a ``latency`` fault (sent, not answered, ledger ``sending``);
   - ``after_commit``: while a ``timeout`` fault with ``commit: before`` waits (the entry IS stored,
     the ledger still says ``sending``);
   - ``in_lookup``: while a ``GET /entry/id`` is held by a ``latency`` fault (only armed when the ledger
     has ``sending`` documents, which the next run looks up first);
   - ``preflight``: while ``GET /account`` (check_link) is held — the process dies before any POST.

   The moment is timed by polling ``/_sim/calls`` (POST count) and ``/_sim/faults`` (a fault leaves
   the pending list when a call takes it, i.e. when the call is inside the server's wait).
3. Between runs the harness deletes the dead run's ``dossier_lock`` row: a SIGKILLed process can
   neither heartbeat nor release its lock, and waiting for :data:`gisync.ledger.LOCK_LAPSE`
   (10 minutes) would only slow the harness down — the next run would take the lapsed lock over
   exactly the same way. It also waits for the longest armed server-side delay, so a write the dead
   (or timed-out) client left in flight has landed before the next run looks it up: the next real
   run is a schedule interval later, never a few milliseconds.

At the end: ``duplicates`` (partner ids with more than one entry in the simulator), ``lost`` (documents
whose ledger state is not terminal, or ``synced`` without an entry in the simulator, or synced with
another entry id than the simulator's), write calls (``POST /api/v1/entry`` seen by the simulator,
killed processes included) per synced document, runs, kills and faults fired.

No Airflow import here: the loader is the library, as the Airflow tasks call it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from gisync.simulator import demo_firm

TOKEN, SECRET, GI_TOKEN = "chaos-token-0001", "chaos-secret-0001", "chaos-gi-token"
SLUG = "chaos"
TERMINAL = ("synced", "held", "rejected", "out_of_scope")
ENTRY = "POST /api/v1/entry"
LOOKUP = "GET /api/v1/entry/id"
CLIENT_TIMEOUT = 1.0  # seconds the loader's MyUnisoft client waits for an answer
TIMEOUT_DELAY = 1.3  # a ``timeout`` fault outlasts the client's timeout
KILL_DELAY = 0.8  # a kill fault's server-side wait (< CLIENT_TIMEOUT: the client is still waiting)
ERROR_ROUTES = (ENTRY, LOOKUP, "*")
FAULT_KINDS = ("429", "429_html", "503", "500", "non_json", "latency", "commit_then_drop", "timeout")
KILL_MODES = ("random", "in_post", "after_commit", "in_lookup", "preflight")


# ------------------------------------------------------------------------------------------ data


def build_dataset(seed: int, documents: int, *, traps: bool = True) -> dict[str, Any]:
    """``documents`` GI documents: ~63 % invoices, 5 % credit notes, 30 % payments (+ ~2 % traps).

    Every client used has its account in :func:`myunisoft_accounts` of the same dataset, so no
    account is created during the runs; amounts are drawn in whole cents (no float anywhere).
    """
    rng = random.Random(seed)
    base = demo_firm.generate(seed)
    known = {a["account_number"] for a in myunisoft_accounts(base)}
    clients = [c for c in base["clients"] if c.get("account_number") in known]
    services = list(demo_firm.SERVICES)
    n_traps = max(2, documents // 50) if traps else 0
    n_pay = documents * 3 // 10
    n_cn = max(1, documents // 20)
    n_inv = documents - n_pay - n_cn - n_traps
    if n_inv < n_pay:
        raise ValueError(f"documents={documents} is too small")

    def invoice(index: int, prefix: str, kind: str, client: dict[str, Any], day: date, sign: int) -> dict[str, Any]:
        count = rng.choice([1, 1, 1, 2, 2, 3])
        picks = rng.sample(range(len(services)), count)
        lines = [
            demo_firm._line(label, acc, rate, demo_firm._cents(rng, bounds), sign)
            for label, acc, rate, bounds in (services[p] for p in picks)
        ]
        doc = demo_firm._document(str(index), f"{prefix}-{seed}-{index}", kind, day, "client_id", client["id"], lines)
        doc["credited_invoice_id"] = None
        return doc

    invoices = [
        invoice(100_000 + i, "FA", "invoice", rng.choice(clients), demo_firm._random_day(rng), 1) for i in range(n_inv)
    ]
    notes = []
    for i, credited in enumerate(rng.sample(invoices, n_cn)):
        client = next(c for c in clients if c["id"] == credited["client_id"])
        day = demo_firm._after(date.fromisoformat(credited["date"]), rng, 1, 30)
        note = invoice(200_000 + i, "AV", "credit_note", client, day, -1 if i % 2 == 0 else 1)
        note["credited_invoice_id"] = credited["id"]
        notes.append(note)
    payments = []
    for i, paid in enumerate(rng.sample(invoices, n_pay)):
        day = demo_firm._after(date.fromisoformat(paid["date"]), rng, 0, 45)
        mode = rng.choice(demo_firm.MODES)
        payments.append(
            {
                "id": str(300_000 + i),
                "date": day.isoformat(),
                "client_id": paid["client_id"],
                "amount": paid["total_ttc"],
                "currency": "EUR",
                "amount_currency": None,
                "mode": mode,
                "reference": f"{mode}-{seed}-{i:06d}",
                "status": "valid",
                "allocations": [{"invoice_id": paid["id"], "amount": paid["total_ttc"]}],
                "updated_at": demo_firm._stamp(day, 300_000 + i),
            }
        )
    trapped = []
    for i in range(n_traps):
        doc = invoice(400_000 + i, "TR", "invoice", rng.choice(clients), demo_firm._random_day(rng), 1)
        if i % 2 == 0:
            doc["status"] = rng.choice(["draft", "cancelled"])  # out_of_scope
        else:  # TTC one cent off HT + VAT: held(total_mismatch)
            doc["total_ttc"] = f"{Decimal(doc['total_ttc']) + Decimal('0.01'):.2f}"
        trapped.append(doc)
    all_invoices = sorted(invoices + notes + trapped, key=lambda d: (d["date"], d["id"]))
    return {**base, "invoices": all_invoices, "payments": payments, "purchases": []}


def myunisoft_accounts(dataset: dict[str, Any]) -> list[dict[str, str]]:
    """Every client account of the dataset (none left for the third-party cascade to create)."""
    return [
        {"account_number": c["account_number"], "label": str(c["name"]).upper()}
        for c in dataset["clients"]
        if c.get("account_number")
    ] + [{"account_number": s["account_number"], "label": str(s["name"]).upper()} for s in dataset["suppliers"]]


def partner_ids(dataset: dict[str, Any]) -> set[str]:
    """Every document of the dataset as its ``entry_origin_partner_id``: all must end terminal."""
    ids = {f"GI-{SLUG}-{'CN' if d.get('type') == 'credit_note' else 'INV'}-{d['id']}" for d in dataset["invoices"]}
    return ids | {f"GI-{SLUG}-PAY-{p['id']}" for p in dataset["payments"]}


# ---------------------------------------------------------------------------------------- loader


def loader_main(argv: list[str]) -> int:
    """One run in this process: ``load --mu URL --gi URL --db PATH --run-id ID``; prints the summary."""
    from gisync import loading, pipeline
    from gisync.config import load_config
    from gisync.errors import GisyncError
    from gisync.gi.rest import GiRestClient
    from gisync.ledger import Ledger
    from gisync.myunisoft.client import MyUnisoftClient
    from gisync.myunisoft.pacing import TokenPacer

    parser = argparse.ArgumentParser(prog="python -m gisync.simulator.chaos load")
    parser.add_argument("--mu", required=True)
    parser.add_argument("--gi", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--timeout", type=float, default=CLIENT_TIMEOUT)
    args = parser.parse_args(argv)

    # Faster backoffs than production (same decisions, shorter waits): the harness runs hundreds of runs.
    loading.POST_BACKOFF = 0.02
    demo_yaml = Path(pipeline.__file__).resolve().parents[1] / "dossiers" / "demo.yaml"
    cfg = load_config(demo_yaml)
    cfg = cfg.model_copy(update={"slug": SLUG, "purchases": cfg.purchases.model_copy(update={"enabled": False})})
    pacer = TokenPacer(10_000_000, 0.5)  # the simulator's rate limit is off; a 429 still makes it wait
    ledger = Ledger(f"sqlite:///{args.db}")
    run = pipeline.DossierRun(
        cfg=cfg,
        run_id=args.run_id,
        params=pipeline.RunParams(),
        ledger=ledger,
        myunisoft=lambda: MyUnisoftClient(
            args.mu,
            token=TOKEN,
            secret=SECRET,
            pacer=pacer,
            timeout=args.timeout,
            sleep=lambda s: time.sleep(min(s, 0.05)),
        ),
        gi=lambda: GiRestClient(args.gi, GI_TOKEN),
        reports_dir=Path(args.db).parent / "reports",
    )
    try:
        summary = pipeline.run_all(run)
        code = 0
    except pipeline.DossierRunFailed as exc:  # held documents: the run is red but complete
        summary, code = {"failed": str(exc)[:300]}, 1
    except pipeline.DossierDeferred as exc:
        summary, code = {"deferred": str(exc)[:300]}, 2
    except GisyncError as exc:
        summary, code = {"error": f"{type(exc).__name__}: {exc}"[:300]}, 3
    print(json.dumps(summary, default=str), flush=True)
    return code


# --------------------------------------------------------------------------------------- harness


@dataclass
class SeedResult:
    seed: int
    documents: int
    duplicates: int = 0
    lost: int = 0
    synced: int = 0
    held: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    write_calls: int = 0
    runs: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    faults_armed: Counter[str] = field(default_factory=Counter)
    faults_fired: Counter[str] = field(default_factory=Counter)
    exit_codes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    lost_ids: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)

    @property
    def writes_per_synced(self) -> Decimal:
        return (
            (Decimal(self.write_calls) / Decimal(self.synced)).quantize(Decimal("0.0001"))
            if self.synced
            else Decimal(0)
        )

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update({k: dict(v) for k, v in data.items() if isinstance(v, Counter)})
        data["writes_per_synced"] = str(self.writes_per_synced)
        return data


class _NoAsgiTracebacks(logging.Filter):
    """A loader killed in the middle of a call leaves the server a ClientDisconnect: expected here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Exception in ASGI application")


class Simulators:
    """Both simulators in this process (threads); one pair serves every seed (reset in between)."""

    def __init__(self) -> None:
        from gisync.simulator.gi.app import create_app as create_gi
        from gisync.simulator.myunisoft.app import create_app as create_myunisoft
        from gisync.simulator.myunisoft.default_state import default_state
        from gisync.simulator.server import start_background

        logging.getLogger("uvicorn.error").addFilter(_NoAsgiTracebacks())
        self._default_state = default_state
        self._create_myunisoft = create_myunisoft
        self._start = start_background
        self.gi = start_background(create_gi(build_dataset(0, 60), token=GI_TOKEN))
        self.mu: Any = None
        self.http = requests.Session()

    def load(self, dataset: dict[str, Any]) -> None:
        """A fresh MyUnisoft folder knowing the dataset's clients; the GI serving the dataset."""
        if self.mu is not None:
            self.mu.stop()
        state = self._default_state(extra_accounts=myunisoft_accounts(dataset))
        app = self._create_myunisoft(state, token=TOKEN, secret=SECRET, rate_limit=1_000_000)
        self.mu = self._start(app)
        self.http.put(self.gi.url + "/_sim/dataset", json=dataset, timeout=60).raise_for_status()

    def stop(self) -> None:
        if self.mu is not None:
            self.mu.stop()
        self.gi.stop()

    # control routes
    def calls(self) -> dict[str, Any]:
        result: dict[str, Any] = self.http.get(self.mu.url + "/_sim/calls", timeout=30).json()
        return result

    def posts(self) -> int:
        return int(self.calls()["writes"].get(ENTRY, 0))

    def entries(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.http.get(self.mu.url + "/_sim/entries", timeout=60).json()
        return result

    def arm(self, *faults: dict[str, Any]) -> None:
        self.http.post(self.mu.url + "/_sim/faults", json=list(faults), timeout=30).raise_for_status()

    def pending(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.http.get(self.mu.url + "/_sim/faults", timeout=30).json()
        return result

    def disarm(self) -> None:
        self.http.delete(self.mu.url + "/_sim/faults", timeout=30).raise_for_status()


def random_fault(rng: random.Random, kind: str | None = None) -> dict[str, Any]:
    """One random fault spec of ``kind`` (or a random kind)."""
    kind = kind or rng.choice(FAULT_KINDS)
    if kind == "429":  # a storm: every route, many calls in a row
        return {"kind": "429", "route": "*", "count": rng.randint(5, 25), "reset_after": 0.05}
    if kind == "latency":
        return {"kind": "latency", "route": rng.choice(ERROR_ROUTES), "count": rng.randint(1, 5),
                "delay": round(rng.uniform(0.02, 0.3), 3)}  # fmt: skip
    if kind == "commit_then_drop":
        return {"kind": "commit_then_drop", "route": ENTRY, "count": rng.randint(1, 3)}
    if kind == "timeout":
        return {"kind": "timeout", "route": rng.choice((ENTRY, ENTRY, LOOKUP)), "count": 1,
                "delay": TIMEOUT_DELAY, "commit": rng.choice(("after", "before"))}  # fmt: skip
    return {"kind": kind, "route": rng.choice(ERROR_ROUTES), "count": rng.randint(1, 3)}


def ledger_states(db: Path) -> dict[str, Any]:
    from gisync.ledger import Ledger

    ledger = Ledger(f"sqlite:///{db}")
    try:
        return ledger.documents(SLUG)
    finally:
        ledger.engine.dispose()


def release_dead_lock(db: Path) -> int:
    """Delete the load lock a killed loader left (it cannot heartbeat any more; see the module doc)."""
    from sqlalchemy import delete

    from gisync.ledger import DossierLock, Ledger

    ledger = Ledger(f"sqlite:///{db}")
    try:
        with ledger.session() as s:
            return int(s.execute(delete(DossierLock).where(DossierLock.dossier == SLUG)).rowcount or 0)  # type: ignore[attr-defined]
    finally:
        ledger.engine.dispose()


@dataclass
class _Plan:
    """What the harness does during one run: faults armed after the k-th POST, and maybe a kill."""

    faults: list[tuple[int, dict[str, Any]]]
    kill_mode: str | None = None
    kill_after_posts: int = 0


def _plan_run(
    rng: random.Random, remaining: int, sending: int, kill_probability: float, kinds: list[str], min_faults: int
) -> _Plan:
    faults = []
    for _ in range(max(min_faults, rng.randint(1, 4))):
        if kinds:  # the kinds not yet armed in this seed go first, from the start of the run
            faults.append((0, random_fault(rng, kinds.pop())))
        else:
            faults.append((rng.randint(0, max(0, remaining // 2)), random_fault(rng)))
    plan = _Plan(faults=sorted(faults, key=lambda f: f[0]))
    if rng.random() < kill_probability:
        modes = [m for m in KILL_MODES if m != "in_lookup" or sending]
        plan.kill_mode = rng.choice(modes)
        plan.kill_after_posts = (
            0 if plan.kill_mode in ("in_lookup", "preflight") else rng.randint(0, max(0, remaining - 1))
        )
    return plan


def _kill_fault(mode: str) -> dict[str, Any] | None:
    if mode == "in_post":
        return {"kind": "latency", "route": ENTRY, "count": 1, "delay": KILL_DELAY}
    if mode == "after_commit":
        return {"kind": "timeout", "route": ENTRY, "count": 1, "delay": KILL_DELAY, "commit": "before"}
    if mode == "in_lookup":
        return {"kind": "latency", "route": LOOKUP, "count": 1, "delay": KILL_DELAY}
    if mode == "preflight":
        return {"kind": "latency", "route": "GET /api/v1/account", "count": 1, "delay": KILL_DELAY}
    return None


def _is_kill_fault(pending: dict[str, Any], spec: dict[str, Any]) -> bool:
    return bool(
        pending["kind"] == spec["kind"] and pending["delay"] == spec["delay"] and pending["route"] == spec["route"]
    )


def run_loader(
    sims: Simulators, db: Path, run_id: str, plan: _Plan, rng: random.Random, result: SeedResult, timeout: float = 600
) -> int:
    """Start one loader process, arm the plan's faults as POSTs go by, kill it if the plan says so."""
    cmd = [sys.executable, "-m", "gisync.simulator.chaos", "load", "--mu", sims.mu.url, "--gi", sims.gi.url,
           "--db", str(db), "--run-id", run_id]  # fmt: skip
    base = sims.posts()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_loader_env(db.parent))
    todo = list(plan.faults)
    kill_spec = _kill_fault(plan.kill_mode) if plan.kill_mode else None
    kill_armed = False
    max_delay = 0.0
    killed = False
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"loader {run_id} did not finish in {timeout} s")
        done = sims.posts() - base
        while todo and todo[0][0] <= done:
            _, spec = todo.pop(0)
            sims.arm(spec)
            result.faults_armed[spec["kind"]] += 1
            max_delay = max(max_delay, float(spec.get("delay", 0)))
        if plan.kill_mode and not killed and done >= plan.kill_after_posts:
            if kill_spec is None:  # random: between two writes, now
                time.sleep(rng.uniform(0, 0.02))
                killed = _kill(proc)
            elif not kill_armed:
                sims.arm(kill_spec)
                kill_armed = True
                max_delay = max(max_delay, KILL_DELAY)
            elif not any(_is_kill_fault(p, kill_spec) for p in sims.pending()):  # a call is inside the wait
                time.sleep(rng.uniform(0.05, KILL_DELAY / 2))
                killed = _kill(proc)
            if killed:
                result.kills[plan.kill_mode] += 1
                break
        time.sleep(0.02)
    proc.wait()
    proc.communicate()
    sims.disarm()  # faults the run did not reach are not carried over
    if max_delay:
        time.sleep(max_delay + 0.1)  # a write left in flight by a dead or timed-out client lands first
    if killed:
        release_dead_lock(db)
        return -9
    return proc.returncode


def _loader_env(workdir: Path) -> dict[str, str]:
    """The loader's environment: byte-code cached under ``workdir`` (not in the repo), or every
    run would recompile the library (seconds per run when ``PYTHONDONTWRITEBYTECODE`` is set)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    return env


def _kill(proc: subprocess.Popen[bytes]) -> bool:
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    return True


def run_seed(
    sims: Simulators,
    seed: int,
    documents: int,
    workdir: Path,
    *,
    kill_probability: float = 0.6,
    chaos_runs: int = 4,
    max_runs: int = 12,
    force_kill: str | None = None,
    min_faults: int = 1,
    log: Callable[[str], None] = lambda _: None,
) -> SeedResult:
    """Runs with faults and kills until every document is terminal; then count duplicates and losses."""
    started = time.monotonic()
    rng = random.Random(seed)
    dataset = build_dataset(seed, documents)
    expected = partner_ids(dataset)
    sims.load(dataset)
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / f"seed{seed}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    result = SeedResult(seed=seed, documents=len(expected))
    kinds = list(FAULT_KINDS)
    rng.shuffle(kinds)
    for index in range(1, max_runs + 1):
        states = ledger_states(db)
        open_ids = [pid for pid in expected if pid not in states or states[pid].state not in TERMINAL]
        if index > 1 and not open_ids:
            break
        sending = sum(1 for s in states.values() if s.state == "sending")
        if index <= chaos_runs:
            plan = _plan_run(rng, len(open_ids), sending, kill_probability, kinds, min_faults)
            if force_kill and index == 1:
                plan.kill_mode, plan.kill_after_posts = force_kill, rng.randint(3, 10)
        else:
            plan = _Plan(faults=[])
        code = run_loader(sims, db, f"run{index}", plan, rng, result)
        result.runs = index
        result.exit_codes[str(code)] += 1
        log(f"  seed {seed} run {index}: exit {code}, open before {len(open_ids)}, kill {plan.kill_mode or '-'}")
    _settle(sims, db, expected, result)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _settle(sims: Simulators, db: Path, expected: set[str], result: SeedResult) -> None:
    stored = sims.entries()
    per_pid = Counter(str(e.get("entry_origin_partner_id")) for e in stored)
    entry_of = {str(e.get("entry_origin_partner_id")): e.get("entry_id") for e in stored}
    result.duplicate_ids = sorted(pid for pid, n in per_pid.items() if n > 1)
    result.duplicates = len(result.duplicate_ids)
    states = ledger_states(db)
    lost = []
    for pid in sorted(expected):
        row = states.get(pid)
        if row is None or row.state not in TERMINAL:
            lost.append(f"{pid}:{row.state if row else 'absent'}")
        elif row.state == "synced" and (
            pid not in per_pid or (row.entry_id is not None and row.entry_id != entry_of[pid])
        ):
            lost.append(f"{pid}:synced_without_entry")
    lost += [f"{pid}:entry_without_document" for pid in per_pid if pid not in expected]
    result.lost_ids, result.lost = lost, len(lost)
    counts = Counter(states[pid].state for pid in expected if pid in states)
    result.synced, result.held = counts["synced"], counts["held"]
    result.out_of_scope, result.rejected = counts["out_of_scope"], counts["rejected"]
    calls = sims.calls()
    result.write_calls = int(calls["writes"].get(ENTRY, 0))
    result.faults_fired = Counter({str(k): int(v) for k, v in (calls.get("faults_fired") or {}).items()})


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        sys.exit(loader_main(sys.argv[2:]))
    sys.exit("usage: python -m gisync.simulator.chaos load --mu URL --gi URL --db PATH --run-id ID")
