"""Parse-time benchmark of the DAG file with many dossiers (case B23: one broken config among many).

Generates N dossier configs (copies of ``include/dossiers/demo.yaml`` with slugs d0001…dNNNN), one of
them broken (``start_date: "2025-13-01"``), then, in a fresh Python process per run (as the
dag-processor does, one process per file), times ``DagBag`` on the two DAG files: the dossier DAGs
(``dags/gi_myunisoft_sync.py``, expect N - 1 DAGs and no import error) and the config check
(``dags/gisync_config_errors.py``, expect one import error naming the broken dossier).

    .venv/bin/python bench/parse.py [--dossiers 1000] [--broken N] [--repeat 3]

Target: <= 2 s for 1 000 dossiers (the DagBag, without the ~1.5 s ``import airflow``). A few seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DAG_FILE = REPO / "dags" / "gi_myunisoft_sync.py"
ERRORS_FILE = REPO / "dags" / "gisync_config_errors.py"
TARGET_SECONDS = 2.0

# Runs in a fresh interpreter: nothing imported or cached by this script skews the figures.
CHILD = """
import json, os, sys, time
t0 = time.perf_counter()
from airflow.configuration import conf
from airflow.dag_processing.dagbag import DagBag
t1 = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
t2 = time.perf_counter()
check = DagBag(dag_folder=sys.argv[2])
t2b = time.perf_counter()
from gisync.config import load_all
load_all(os.environ["GISYNC_DOSSIERS_DIR"])
t3 = time.perf_counter()
errors = dict(bag.import_errors, **check.import_errors)
# Airflow's own floor: as many DAGs of ten bare operators wired like ours, nothing of gisync.
import datetime as dt
from airflow.sdk import DAG, BaseOperator
class Bare(BaseOperator):
    def execute(self, context):
        pass
t4 = time.perf_counter()
for i in range(len(bag.dag_ids)):
    with DAG(dag_id=f"floor{i}", schedule="@daily", start_date=dt.datetime(2024, 1, 1), catchup=False):
        link, extract, *checks, sales, payments, purchases, report = [Bare(task_id=f"t{j}") for j in range(10)]
        link >> extract >> checks
        for c in checks:
            c >> [sales, purchases]
        sales >> payments >> report
        purchases >> report
t5 = time.perf_counter()
# A worker starting one task: Airflow's parsing context names the DAG, the file builds only that one.
os.environ["_AIRFLOW_PARSING_CONTEXT_DAG_ID"] = sorted(bag.dag_ids)[0]
worker = DagBag(dag_folder=sys.argv[1])
t6 = time.perf_counter()
print(json.dumps({
    "import_airflow_s": t1 - t0,
    "configs_s": t3 - t2b,
    "check_s": t2b - t2,
    "floor_s": t5 - t4,
    "worker_s": t6 - t5,
    "worker_dags": len(worker.dag_ids),
    "check_dags": len(check.dag_ids),
    "import_timeout_s": conf.getfloat("core", "dagbag_import_timeout"),
    "dagbag_s": t2 - t1,
    "file_s": sum(s.duration.total_seconds() for s in bag.dagbag_stats),
    "dags": len(bag.dag_ids),
    "import_errors": errors,
    "dag_file_errors": len(bag.import_errors),
    "captured_warnings": {k: list(v) for k, v in bag.captured_warnings.items()},
}))
"""


def generate(folder: Path, count: int, broken: int) -> str:
    """Write ``count`` dossier configs into ``folder``; returns the broken one's file name."""
    demo = (REPO / "include" / "dossiers" / "demo.yaml").read_text()
    assert 'start_date: "2023-08-01"' in demo and "slug: demo" in demo
    for n in range(1, count + 1):
        text = demo.replace("slug: demo", f"slug: d{n:04d}")
        if n == broken:
            text = text.replace('start_date: "2023-08-01"', 'start_date: "2025-13-01"')
        (folder / f"d{n:04d}.yaml").write_text(text)
    return f"d{broken:04d}.yaml"


def parse_once(dossiers: Path, home: Path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "PYTHONPATH": os.pathsep.join(str(REPO / p) for p in ("include", "plugins", "dags")),
            "GISYNC_DOSSIERS_DIR": str(dossiers),
        }
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", CHILD, str(DAG_FILE), str(ERRORS_FILE)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1000)
    parser.add_argument("--broken", type=int, help="number of the broken dossier (default: the middle one)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.broken is None:
        args.broken = (args.dossiers + 1) // 2
    if not 1 <= args.broken <= args.dossiers:
        parser.error(f"--broken must be between 1 and --dossiers ({args.dossiers})")
    with tempfile.TemporaryDirectory(prefix="gisync-bench-parse-") as tmp:
        dossiers, home = Path(tmp) / "dossiers", Path(tmp) / "airflow"
        dossiers.mkdir()
        broken = generate(dossiers, args.dossiers, args.broken)
        runs = [parse_once(dossiers, home) for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["dagbag_s"])
    times = [r["dagbag_s"] for r in runs]
    print(f"dossiers: {args.dossiers} (broken: {broken}), {args.repeat} fresh processes")
    print(
        f"DagBag parse: best {min(times):.2f} s, median {statistics.median(times):.2f} s "
        f"(file {best['file_s']:.2f} s; `import airflow` {best['import_airflow_s']:.2f} s before it)"
    )
    print(
        f"  of which reading the {args.dossiers} YAML configs (gisync.config.load_all) ~{best['configs_s']:.2f} s, "
        f"the rest building the DAGs; Airflow's dagbag_import_timeout is {best['import_timeout_s']:.0f} s "
        f"(past it the dag-processor drops every DAG of the file)"
    )
    print(
        f"DAGs: {best['dags']} (expected {args.dossiers - 1}); import errors of the DAG file: {best['dag_file_errors']}"
    )
    print(f"config check file: {best['check_s']:.2f} s, {best['check_dags']} DAGs")
    print(
        f"worker parse for one task (parsing context names its DAG): {best['worker_s']:.2f} s, "
        f"{best['worker_dags']} DAG built"
    )
    print(
        f"Airflow's floor, same process: {best['dags']} DAGs of ten bare operators wired the same way "
        f"take {best['floor_s']:.2f} s to build (no config, no DagBag checks)"
    )
    slug = broken.removesuffix(".yaml")
    named = [text for text in best["import_errors"].values() if f"{slug}: start_date invalide" in text]
    for path, text in best["import_errors"].items():
        lines = [line for line in text.splitlines() if slug in line] or text.splitlines()[-1:]
        print(f"import error: {Path(path).name}: {lines[-1][:300]}")
    captured = sum(1 for v in best["captured_warnings"].values() for line in v if broken in line)
    print(f"parse-log warnings naming {broken}: {captured}")
    ok = (
        best["dags"] == args.dossiers - 1
        and best["dag_file_errors"] == 0
        and len(best["import_errors"]) == 1
        and len(named) == 1
        and min(times) <= TARGET_SECONDS
    )
    print(
        f"{'OK' if ok else 'FAIL'}: DAG file <= {TARGET_SECONDS:.0f} s, {args.dossiers - 1} DAGs, "
        f"one import error naming {slug}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
