"""Pacing benchmark: entries posted through our client to the MyUnisoft simulator at its real limits.

Scenario 1 posts N entries (default 400) with one dossier; scenario 2 posts N/2 entries from each of
two dossiers that share one firm token, in parallel. Prints the achieved write rate against the
ceiling (rate / window), the 429 answers received and API calls per created entry.

    .venv/bin/python bench/pacing.py [--entries 400] [--rate 20] [--window 10]

Takes about entries x window / rate seconds (400 at 20 per 10 s: ~200 s per scenario).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

import requests

from gisync.myunisoft.client import MyUnisoftClient
from gisync.myunisoft.pacing import TokenPacer
from gisync.simulator.myunisoft.app import create_app
from gisync.simulator.myunisoft.default_state import default_state
from gisync.simulator.server import start_background

TOKEN, SECRET = "bench-token-0001", "bench-secret-0001"


def entry(partner_id: str) -> dict:
    amount = Decimal("120.00")
    line = {"label": "Bench", "deadline": "2024-03-01", "piece2": "BENCH", "payment_type_id": -1}
    return {
        "date_piece": "2024-03-01",
        "etablissement_id": 2123,
        "diary_id": 32170,
        "entry_origin_partner_id": partner_id,
        "entry_list": [
            {**line, "account_id": 1706000, "debit": Decimal(0), "credit": amount},
            {**line, "account_id": 1034, "debit": amount, "credit": Decimal(0)},
        ],
    }


def post_many(client: MyUnisoftClient, prefix: str, count: int) -> None:
    for i in range(count):
        client.create_entry(entry(f"{prefix}-{i}"))


def scenario(name: str, dossiers: int, entries: int, rate: int, window: float) -> None:
    server = start_background(create_app(default_state(), token=TOKEN, secret=SECRET, rate_limit=rate, window=window))
    try:
        pacer = TokenPacer(rate, window)  # one token, shared by every dossier of this process
        clients = [MyUnisoftClient(server.url, token=TOKEN, secret=SECRET, pacer=pacer) for _ in range(dossiers)]
        per = entries // dossiers
        started = time.monotonic()
        threads = [threading.Thread(target=post_many, args=(c, f"D{i}", per)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        calls = requests.get(server.url + "/_sim/calls", timeout=10).json()
        stored = len(requests.get(server.url + "/_sim/entries", timeout=10).json())
        created = per * dossiers
        ceiling = rate / window
        print(f"[{name}] dossiers={dossiers} entries={created} stored={stored} seconds={elapsed:.1f}")
        steady = (created - rate) / elapsed / ceiling  # without the first window's burst
        ratio = created / elapsed / ceiling
        print(f"[{name}] entries/s={created / elapsed:.3f} ceiling={ceiling:.3f} ratio_to_ceiling={ratio:.3f}")
        print(f"[{name}] steady_state_ratio={steady:.3f} (the first {rate} calls are an allowed burst)")
        print(f"[{name}] 429_answers={pacer.throttled} api_calls_per_entry={calls['total'] / created:.3f}")
        rate_seen = calls.get("rate", {})
        print(
            f"[{name}] simulator: max calls of the token in any {window:g}-s window="
            f"{rate_seen.get('max_calls_in_any_window')} (budget {rate}), max in flight={calls.get('max_in_flight')}"
        )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=400)
    parser.add_argument("--rate", type=int, default=20)
    parser.add_argument("--window", type=float, default=10.0)
    args = parser.parse_args()
    scenario("one dossier", 1, args.entries, args.rate, args.window)
    scenario("two dossiers, one token", 2, args.entries, args.rate, args.window)


if __name__ == "__main__":
    main()
