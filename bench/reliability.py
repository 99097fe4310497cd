"""Reliability bench: exactly once under random faults and SIGKILLed loaders (DESIGN.md §7).

    .venv/bin/python bench/reliability.py [--seeds 50] [--documents 1000] [--first-seed 1]

For each seed, a GI dataset of ``--documents`` documents is loaded run after run, each run a separate
loader process, while the MyUnisoft simulator fails at random (429 storms, HTML 429, 503, 500,
non-JSON 502, latency, commit_then_drop, timeouts with the write before or after the wait) and the
loader is killed at random points (see :mod:`gisync.simulator.chaos`). Prints one line per seed and
the totals; exits 1 if any seed has a duplicate or a lost document.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from gisync.simulator import chaos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--kill-probability", type=float, default=0.6)
    parser.add_argument("--chaos-runs", type=int, default=4, help="runs with faults and kills, then clean runs")
    parser.add_argument("--max-runs", type=int, default=12)
    parser.add_argument("--verbose", action="store_true", help="one line per run")
    args = parser.parse_args(argv)

    started = time.monotonic()
    totals: Counter[str] = Counter()
    kills: Counter[str] = Counter()
    fired: Counter[str] = Counter()
    failed: list[int] = []
    sims = chaos.Simulators()
    try:
        with tempfile.TemporaryDirectory(prefix="gisync-reliability-") as tmp:
            for number, seed in enumerate(range(args.first_seed, args.first_seed + args.seeds), start=1):
                r = chaos.run_seed(
                    sims,
                    seed,
                    args.documents,
                    Path(tmp),
                    kill_probability=args.kill_probability,
                    chaos_runs=args.chaos_runs,
                    max_runs=args.max_runs,
                    log=print if args.verbose else lambda _: None,
                )
                for key in ("documents", "duplicates", "lost", "synced", "held", "out_of_scope", "rejected",
                            "write_calls", "runs"):  # fmt: skip
                    totals[key] += getattr(r, key)
                kills.update(r.kills)
                fired.update(r.faults_fired)
                if r.duplicates or r.lost:
                    failed.append(seed)
                print(
                    f"[{number}/{args.seeds}] seed {seed}: documents {r.documents}, duplicates {r.duplicates}, "
                    f"lost {r.lost}, synced {r.synced} (held {r.held}, out_of_scope {r.out_of_scope}, "
                    f"rejected {r.rejected}), write calls {r.write_calls} = {r.writes_per_synced}/synced, "
                    f"runs {r.runs}, kills {sum(r.kills.values())} {dict(r.kills)}, "
                    f"faults fired {sum(r.faults_fired.values())} {dict(sorted(r.faults_fired.items()))}, "
                    f"{r.seconds:.1f} s (elapsed {time.monotonic() - started:.0f} s)",
                    flush=True,
                )
                if r.duplicates or r.lost:
                    print(f"    duplicates: {r.duplicate_ids[:10]}  lost: {r.lost_ids[:10]}", flush=True)
    finally:
        sims.stop()
    per_synced = (Decimal(totals["write_calls"]) / Decimal(totals["synced"])).quantize(Decimal("0.0001"))
    print("TOTAL")
    print(f"  seeds                     {args.seeds}")
    print(f"  documents                 {totals['documents']}")
    print(f"  duplicates                {totals['duplicates']}")
    print(f"  lost                      {totals['lost']}")
    print(
        f"  synced / held / out_of_scope / rejected  {totals['synced']} / {totals['held']} / "
        f"{totals['out_of_scope']} / {totals['rejected']}"
    )
    print(f"  write calls (POST /entry) {totals['write_calls']} = {per_synced} per synced document")
    print(f"  runs                      {totals['runs']}")
    print(f"  kills                     {sum(kills.values())} {dict(sorted(kills.items()))}")
    print(f"  faults fired              {sum(fired.values())} {dict(sorted(fired.items()))}")
    print(f"  seeds failing             {failed or 'none'}")
    print(f"  wall time                 {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
