"""``make demo``: the real sync of the demo dossier, end to end, against the local simulators.

Starts both simulators (state kept under var/demo), prepares an Airflow home under var/airflow
(SQLite, no example DAGs), runs the demo dossier's DAG once with ``airflow dags test``, stops what it
started, and prints one summary line last.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_REPO / "include"), str(_REPO / "dags"), str(Path(__file__).resolve().parent)]

from gisync import jsonutil  # noqa: E402
from gisync.simulator import local  # noqa: E402

from airflow_env import REPO, airflow_env  # noqa: E402

DAG_ID = "gi_myunisoft_sync__demo"


def _demo_config_problem() -> str | None:
    """Read the dossier configs as the DAG file will: a broken demo config is said here, in one line,
    not left in Airflow's log; another broken dossier is only mentioned (it does not stop the demo)."""
    from gisync.config import load_all
    from gisync_dags.paths import dossiers_dir

    configs, errors = load_all(dossiers_dir())
    if not any(cfg.slug == "demo" and cfg.enabled for cfg in configs):
        why = " | ".join(errors.values()) or "no enabled dossier with slug: demo"
        return f"gisync demo: the demo dossier has no DAG: {why}"
    for message in errors.values():
        print(f"gisync demo: ignored, fix it before it gets a DAG: {message}", file=sys.stderr)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reset", action="store_true", help="fresh simulators and an empty sync-state DB")
    parser.add_argument("--rate-limit", type=int, default=100, help="MyUnisoft simulator requests per 10 s")
    args = parser.parse_args()

    var = REPO / "var"
    demo_dir, airflow_home = var / "demo", var / "airflow"
    reports_dir = Path(os.environ.get("GISYNC_REPORTS_DIR", var / "reports"))
    var.mkdir(parents=True, exist_ok=True)
    guard = open(var / ".demo.lock", "w")  # noqa: SIM115 - held for the whole demo, outside what RESET removes
    try:
        fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("gisync demo: another `make demo` is running in this folder; wait for it to end", file=sys.stderr)
        return 1
    if args.reset:
        shutil.rmtree(demo_dir, ignore_errors=True)
        shutil.rmtree(var / "state", ignore_errors=True)
    if (problem := _demo_config_problem()) is not None:
        print(problem, file=sys.stderr)
        return 2
    demo_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    sims = local.start(demo_dir, rate_limit=args.rate_limit, reset=args.reset)
    try:
        env = airflow_env(airflow_home, var, sims.connections_env())
        log_path = demo_dir / "airflow-dags-test.log"
        with open(log_path, "w") as log:
            if not (airflow_home / "airflow.db").exists():
                print("preparing the Airflow metadata DB under var/airflow ...", flush=True)
                subprocess.run(["airflow", "db", "migrate"], env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
            print(f"running {DAG_ID} against MyUnisoft {sims.myunisoft_url} and GI {sims.gi_url} ...", flush=True)
            result = subprocess.run(["airflow", "dags", "test", DAG_ID], env=env, stdout=log, stderr=subprocess.STDOUT)
    finally:
        sims.stop()
    reports = sorted(
        (p for p in (reports_dir / "demo").glob("*/report.json") if p.stat().st_mtime >= started),
        key=lambda p: p.stat().st_mtime,
    )
    if not reports:
        print(
            f"gisync demo: the run wrote no report (airflow exit {result.returncode}); see {log_path}", file=sys.stderr
        )
        return 1
    summary = jsonutil.read_file(reports[-1])["summary"]
    print(f"Airflow log: {log_path} (wall time {time.time() - started:.0f} s)")
    if summary.get("incomplete_steps"):
        print(f"steps that did not complete: {', '.join(summary['incomplete_steps'])}; see {log_path}", file=sys.stderr)
        for step, message in (summary.get("failures") or {}).items():
            print(f"  {step}: {message}", file=sys.stderr)
    if summary.get("attention"):
        print(f"needs a person (the report task is red in Airflow): {summary['attention']}")
    print(
        f"documents: {summary['documents']} — created {summary['created']}, already synced "
        f"{summary['already_synced']}, held {summary['held']}, deferred {summary['deferred']}, "
        f"out of scope {summary['out_of_scope']}, drift {summary['drift']}"
    )
    print(
        f"gisync demo: dossier={summary['dossier']} created={summary['created']} held={summary['held']} "
        f"rejected={summary['rejected']} unbalanced={summary['unbalanced']} report={reports[-1]}"
    )
    return 1 if summary.get("incomplete_steps") else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print(
            "\ngisync demo: interrupted — simulators stopped. Nothing is posted twice: the next run looks up "
            "any entry that was being sent; a load lock left behind lapses after 10 minutes.",
            file=sys.stderr,
        )
        sys.exit(130)
