"""Helpers of the e2e tests: run the demo DAG for real and look at what the simulators saw."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
DAG_ID = "gi_myunisoft_sync__demo"


@dataclass
class Simulators:
    myunisoft: str
    gi: str

    def calls(self) -> dict[str, Any]:
        result: dict[str, Any] = requests.get(self.myunisoft + "/_sim/calls", timeout=10).json()
        return result

    def entries(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = requests.get(self.myunisoft + "/_sim/entries", timeout=10).json()
        return result

    def writes(self) -> int:
        return sum(self.calls()["writes"].values())


def run_dag(conf: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """Run the demo DAG once with ``dag.test()``; returns the DagRun and the report it wrote."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "gi_myunisoft_sync.py"))
    assert bag.import_errors == {}
    dag_run = bag.dags[DAG_ID].test(run_conf=conf or {})
    reports = sorted(Path(os.environ["GISYNC_REPORTS_DIR"]).glob("demo/*/report.json"), key=lambda p: p.stat().st_mtime)
    assert reports, "the report task wrote no report.json"
    return dag_run, json.loads(reports[-1].read_text())


def task_states(dag_run: Any) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
