"""Benchmark: entry lines for 100 000 invoices and 50 000 payments, per-document loop vs bulk.

    .venv/bin/python bench/transform.py [--invoices N] [--payments M] [--seed S] [--no-memory]

Generates the GI records deterministically (``random.Random(seed)``, amounts drawn in whole cents,
about 3 lines per invoice, rates 20/10/5.5/0 %, 5 % credit notes — half negative, half positive —, a
few odd-cent amounts so some documents are held for a total mismatch), parses them once into
documents (timed apart, shared by both paths), then in the same process times:

(a) the per-document loop: ``build_invoice`` / ``build_payment`` for each document;
(b) the bulk path: ``build_sales_lines`` / ``build_payment_lines`` over the batch.

It checks that both give the same lines and the same held documents, and prints for each path the
documents, the entry lines, the seconds, documents per second and the peak memory (tracemalloc
peak of the path, measured in a second, untimed run; and the process's maximum RSS), then the ratio
loop/bulk. Not a test: nothing fails on timing.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

from gisync.accounting.bulk import build_payment_lines, build_sales_lines
from gisync.accounting.entries import Accounts, build_invoice, build_payment
from gisync.models import Document, parse_invoice, parse_payment

ACCOUNTS = Accounts(
    default_revenue="706000",
    vat_collected={"20": "445712", "10": "445711", "5.5": "445713", "0": "445719"},
    vat_deductible={"20": "445660", "10": "445660", "5.5": "445660"},
    account_replacements={},
)
RATES = [("20", 200), ("10", 100), ("5.5", 55), ("0", 0)]  # (rate, tenths of a percent)
RATE_WEIGHTS = [70, 12, 8, 10]
REVENUE = [None, "706000", "706100", "707000", "708500"]
BANKS = {"VIR": "512100", "CHQ": "512200", "CB": "512300"}
MODES = ["VIR", "CHQ", "CB", "PRLV"]
N_CLIENTS = 2_000


def _text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def generate(n_invoices: int, n_payments: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """GI records in the contract's shape; only integers (cents) are drawn, no float is involved."""
    rng = random.Random(seed)
    invoices = []
    for index in range(n_invoices):
        credit = rng.random() < 0.05
        sign = -1 if credit and index % 2 else 1
        lines = []
        ht_total = vat_total = 0
        for _ in range(rng.choices([1, 2, 3, 4, 5], weights=[20, 20, 25, 20, 15])[0]):
            rate, tenths = rng.choices(RATES, weights=RATE_WEIGHTS)[0]
            ht = rng.randint(500, 400_000)
            vat = (ht * tenths + 500) // 1000  # half-up, on integers
            ht_total += ht
            vat_total += vat
            lines.append(
                {
                    "label": "Prestation",
                    "account_number": rng.choice(REVENUE),
                    "amount_ht": _text(sign * ht),
                    "vat_rate": rate,
                    "vat_amount": _text(sign * vat),
                }
            )
        ttc = ht_total + vat_total + (1 if rng.random() < 0.002 else 0)  # a few GI total errors
        day = f"2025-{1 + index % 12:02d}-{1 + index % 28:02d}"
        invoices.append(
            {
                "id": str(1_000_000 + index),
                "number": f"FA-2025-{index:06d}",
                "type": "credit_note" if credit else "invoice",
                "status": "issued",
                "date": day,
                "due_date": None,
                "client_id": str(rng.randrange(N_CLIENTS)),
                "currency": "EUR",
                "lines": lines,
                "total_ht": _text(sign * ht_total),
                "total_vat": _text(sign * vat_total),
                "total_ttc": _text(sign * ttc),
            }
        )
    payments = []
    for index in range(n_payments):
        allocations = []
        for _ in range(rng.choices([0, 1, 2], weights=[5, 80, 15])[0]):
            allocations.append(
                {
                    "invoice_id": str(1_000_000 + rng.randrange(max(n_invoices, 1))),
                    "amount": _text(rng.randint(1, 300_000)),
                }
            )
        allocated = sum(int(a["amount"].replace(".", "")) for a in allocations)
        amount = allocated + (rng.randint(0, 50_000) if rng.random() < 0.1 else 0)
        payments.append(
            {
                "id": str(5_000_000 + index),
                "date": f"2025-{1 + index % 12:02d}-{1 + index % 28:02d}",
                "client_id": str(rng.randrange(N_CLIENTS)),
                "amount": _text(max(amount, 1)),
                "currency": "EUR",
                "mode": rng.choice(MODES),
                "reference": f"REF{index:07d}",
                "status": "valid",
                "allocations": allocations,
            }
        )
    return invoices, payments


Result = tuple[dict[str, list[tuple[str, Decimal, Decimal]]], dict[str, list[str]]]


def loop_path(invoices: list[Document], payments: list[Document], parties: dict[str, str]) -> Result:
    lines: dict[str, list[tuple[str, Decimal, Decimal]]] = {}
    held: dict[str, list[str]] = {}
    for doc in invoices:
        result = build_invoice(
            doc,
            party_account=parties[doc.party_id],
            party_name=f"Client {doc.party_id}",
            journal_code="VTE",
            accounts=ACCOUNTS,
            dossier="BENCH",
        )
        if result.draft is None:
            held[doc.gi_id] = [i.code for i in result.issues]
        else:
            lines[doc.gi_id] = [(ln.account, ln.debit, ln.credit) for ln in result.draft.lines]
    for doc in payments:
        result = build_payment(
            doc,
            party_account=parties[doc.party_id],
            party_name=f"Client {doc.party_id}",
            bank_account=BANKS.get(doc.mode or "", "512000"),
            journal_code="BQ",
            invoice_numbers={},
            dossier="BENCH",
        )
        if result.draft is None:
            held["PAY" + doc.gi_id] = [i.code for i in result.issues]
        else:
            lines["PAY" + doc.gi_id] = [(ln.account, ln.debit, ln.credit) for ln in result.draft.lines]
    return lines, held


def bulk_path(invoices: list[Document], payments: list[Document], parties: dict[str, str]) -> Result:
    sales = build_sales_lines(invoices, parties, ACCOUNTS)
    paid = build_payment_lines(payments, parties, BANKS)
    lines = dict(sales)
    lines.update({"PAY" + k: v for k, v in paid.items()})
    held = {k: [i.code for i in v] for k, v in getattr(sales, "held", {}).items()}
    held.update({"PAY" + k: [i.code for i in v] for k, v in getattr(paid, "held", {}).items()})
    return lines, held


def _timed(func: Callable[[], Result]) -> tuple[Result, float]:
    gc.collect()
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def _traced_peak(func: Callable[[], Result]) -> int:
    gc.collect()
    tracemalloc.start()
    func()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _max_rss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    raw_invoices, raw_payments = generate(args.invoices, args.payments, args.seed)
    generated = time.perf_counter() - start
    start = time.perf_counter()
    invoices = [parse_invoice(r) for r in raw_invoices]
    payments = [parse_payment(r) for r in raw_payments]
    parsed = time.perf_counter() - start
    del raw_invoices, raw_payments
    parties = {str(i): f"411C{i:05d}" for i in range(N_CLIENTS)}
    documents = len(invoices) + len(payments)
    gi_lines = sum(len(d.lines) for d in invoices) + sum(len(d.allocations) for d in payments)
    print(f"python {sys.version.split()[0]}, one process, one thread")
    print(
        f"input: {len(invoices)} invoices + {len(payments)} payments = {documents} documents, "
        f"{gi_lines} GI lines/allocations (generated in {generated:.2f} s, parsed in {parsed:.2f} s)"
    )

    (loop_lines, loop_held), loop_s = _timed(lambda: loop_path(invoices, payments, parties))
    rss_after_loop = _max_rss_mib()
    (bulk_lines, bulk_held), bulk_s = _timed(lambda: bulk_path(invoices, payments, parties))
    rss_after_bulk = _max_rss_mib()
    same = loop_lines == bulk_lines and loop_held == bulk_held
    exact = same and all(
        str(a) == str(b)
        for key, lines in loop_lines.items()
        for left, right in zip(lines, bulk_lines[key], strict=True)
        for a, b in zip(left[1:], right[1:], strict=True)
    )
    del bulk_lines, bulk_held

    peaks = {"loop": 0, "bulk": 0}
    if not args.no_memory:
        peaks["loop"] = _traced_peak(lambda: loop_path(invoices, payments, parties))
        peaks["bulk"] = _traced_peak(lambda: bulk_path(invoices, payments, parties))

    entry_lines = sum(len(v) for v in loop_lines.values())
    header = f"{'path':<6}{'documents':>11}{'entry lines':>13}{'held':>7}{'seconds':>10}{'docs/s':>11}"
    header += f"{'peak traced':>13}{'max RSS':>10}"
    print(header)
    for name, seconds, rss in (("loop", loop_s, rss_after_loop), ("bulk", bulk_s, rss_after_bulk)):
        traced = f"{peaks[name] / 2**20:.0f} MiB" if peaks[name] else "-"
        print(
            f"{name:<6}{documents:>11}{entry_lines:>13}{len(loop_held):>7}{seconds:>10.3f}"
            f"{documents / seconds:>11.0f}{traced:>13}{rss:>6.0f} MiB"
        )
    print(f"ratio loop/bulk: {loop_s / bulk_s:.2f}x")
    print(f"same lines and holds on both paths: {same} (same Decimal text: {exact})")
    print(f"bulk within 5 s: {bulk_s <= 5}; process max RSS {_max_rss_mib():.0f} MiB (limit 1536 MiB)")
    return 0 if same and exact else 1


if __name__ == "__main__":
    sys.exit(main())
