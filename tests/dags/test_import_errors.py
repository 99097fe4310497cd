"""B23: one broken dossier config among 120 — its DAG alone is missing, and Airflow shows an import error naming it.

Airflow marks every DAG of a file stale when that file has an import error, so the dossier DAG file never
raises; ``dags/gisync_config_errors.py`` (no DAG in it) raises the import error instead:
"d077: start_date invalide ('2025-13-01' : …) — corriger d077.yaml". The dossier DAG file also logs the
broken file (ERROR line and a warning of its parse log).
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
DAG_FILE = DAGS / "gi_myunisoft_sync.py"
ERRORS_FILE = DAGS / "gisync_config_errors.py"
DEMO = (REPO / "include" / "dossiers" / "demo.yaml").read_text()


def _dossiers(folder: Path, count: int = 120, broken: int = 77) -> None:
    """d001…d120 like the case's first two (start month and client auto-creation vary), d077 broken."""
    for n in range(1, count + 1):
        start = "2025-13-01" if n == broken else f"2025-{(n - 1) % 12 + 1:02d}-01"
        text = (
            DEMO.replace("slug: demo", f"slug: d{n:03d}")
            .replace('start_date: "2023-08-01"', f'start_date: "{start}"')
            .replace("auto_create_clients: true", f"auto_create_clients: {'true' if n % 2 else 'false'}")
        )
        (folder / f"d{n:03d}.yaml").write_text(text)


@pytest.fixture
def dossiers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _dossiers(tmp_path)
    monkeypatch.setenv("GISYNC_DOSSIERS_DIR", str(tmp_path))
    return tmp_path


def _bag(folder: Path = DAGS):  # type: ignore[no-untyped-def]
    """Every DAG file of the folder, as the dag-processor sees them."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(folder))


def _assert_119_and_named(bag) -> None:  # type: ignore[no-untyped-def]
    assert len(bag.dag_ids) == 119
    assert "gi_myunisoft_sync__d077" not in bag.dag_ids
    assert {"gi_myunisoft_sync__d001", "gi_myunisoft_sync__d076", "gi_myunisoft_sync__d120"} <= set(bag.dag_ids)
    assert {dag.fileloc for dag in bag.dags.values()} == {str(DAG_FILE)}
    # One import error, on the DAG-less file, so none of the 119 DAGs is marked stale by it.
    assert list(bag.import_errors) == [str(ERRORS_FILE)], bag.import_errors
    error = bag.import_errors[str(ERRORS_FILE)]
    assert "d077: start_date invalide ('2025-13-01'" in error and "corriger d077.yaml" in error
    assert "d076" not in error


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_broken_dossier_is_an_import_error_and_the_119_others_load(dossiers: Path) -> None:
    # Airflow's logging setup may not propagate to pytest's caplog: listen on the logger itself.
    handler, logger = _Records(), logging.getLogger("gisync.dags")
    logger.addHandler(handler)
    try:
        started = time.perf_counter()
        bag = _bag()
        elapsed = time.perf_counter() - started
    finally:
        logger.removeHandler(handler)
    _assert_119_and_named(bag)
    assert elapsed < 5, f"B23: 120 dossiers must parse in < 5 s, took {elapsed:.1f} s"
    mine = [m for m in handler.messages if "d077.yaml" in m]
    assert len(mine) == 1 and "start_date invalide" in mine[0], handler.messages
    captured = [line for lines in bag.captured_warnings.values() for line in lines]
    assert [line for line in captured if "d077.yaml" in line and "UserWarning" in line], captured
    dag = bag.dags["gi_myunisoft_sync__d002"]
    assert "2025-02-01" in dag.doc_md and len(dag.tasks) == 10


@pytest.mark.parametrize("action", ["ignore", "once", "default"])
def test_a_warnings_filter_does_not_hide_it(dossiers: Path, action: str) -> None:
    """``-W ignore`` (or ``PYTHONWARNINGS``) must change nothing: the import error does not rely on warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter(action)
        bag = _bag()
    _assert_119_and_named(bag)


def test_fixing_the_file_brings_its_dag_back_and_clears_the_error(dossiers: Path) -> None:
    text = (dossiers / "d077.yaml").read_text().replace("2025-13-01", "2025-05-01")
    (dossiers / "d077.yaml").write_text(text)
    bag = _bag()
    assert len(bag.dag_ids) == 120 and "gi_myunisoft_sync__d077" in bag.dag_ids
    assert bag.import_errors == {}
    assert not any("d077" in line for lines in bag.captured_warnings.values() for line in lines)


def test_a_worker_builds_only_the_dag_it_runs(dossiers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At task run time Airflow names the DAG in the parsing context: one DAG is built, not 119."""
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "gi_myunisoft_sync__d002")
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_TASK_ID", "load_sales")
    bag = _bag(DAG_FILE)
    assert bag.dag_ids == ["gi_myunisoft_sync__d002"]
    assert bag.dags["gi_myunisoft_sync__d002"].get_task("load_sales").pool == "myunisoft_demo"


def test_parsing_makes_no_network_call(dossiers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """B23: the DAG files read the YAML configs only; any connection attempt while parsing fails the test."""
    import socket

    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("no network at DAG parse time")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    bag = _bag()
    assert attempts == []
    _assert_119_and_named(bag)
