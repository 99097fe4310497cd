"""B23: one broken dossier config among 120 — its DAG alone is missing, and the parse names it.

Airflow 3.3 drops every DAG of a file whose import raises, so the DAG file must not raise: the broken
file is reported as a warning of the parse (``DagBag.captured_warnings``, written by the dag-processor to
the file's parse log) and an ERROR log line, both naming the config file and the field at fault.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAG_FILE = REPO / "dags" / "gi_myunisoft_sync.py"
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


def _bag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAG_FILE))


def _assert_119_and_named(bag) -> None:  # type: ignore[no-untyped-def]
    assert bag.import_errors == {}, "a broken dossier must not fail the whole DAG file"
    assert len(bag.dag_ids) == 119
    assert "gi_myunisoft_sync__d077" not in bag.dag_ids
    assert {"gi_myunisoft_sync__d001", "gi_myunisoft_sync__d076", "gi_myunisoft_sync__d120"} <= set(bag.dag_ids)
    captured = [line for lines in bag.captured_warnings.values() for line in lines]
    named = [line for line in captured if "d077.yaml" in line]
    assert len(named) == 1, captured
    assert "start_date" in named[0] and "UserWarning" in named[0]
    assert "DAG is not loaded" in named[0]
    assert str(DAG_FILE) in bag.captured_warnings  # shown against the DAG file, where its parse log is


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_broken_dossier_is_named_and_the_119_others_load(dossiers: Path) -> None:
    # Airflow's logging setup may not propagate to pytest's caplog: listen on the logger itself.
    handler, logger = _Records(), logging.getLogger("gisync.dags")
    logger.addHandler(handler)
    try:
        bag = _bag()
    finally:
        logger.removeHandler(handler)
    _assert_119_and_named(bag)
    errors = handler.messages
    assert len(errors) == 1 and "d077.yaml" in errors[0] and "start_date" in errors[0], errors
    dag = bag.dags["gi_myunisoft_sync__d002"]
    assert "2025-02-01" in dag.doc_md and len(dag.tasks) == 10


@pytest.mark.parametrize("action", ["ignore", "once", "default"])
def test_a_warnings_filter_does_not_hide_it(dossiers: Path, action: str) -> None:
    """``-W ignore`` (or ``PYTHONWARNINGS``) must not hide it. (Under ``error`` Airflow's own re-emission of
    a file's captured warnings, after the import, raises and drops the file's DAGs: no DAG file can help.)"""
    with warnings.catch_warnings():
        warnings.simplefilter(action)
        bag = _bag()
    _assert_119_and_named(bag)


def test_fixing_the_file_brings_its_dag_back(dossiers: Path) -> None:
    text = (dossiers / "d077.yaml").read_text().replace("2025-13-01", "2025-05-01")
    (dossiers / "d077.yaml").write_text(text)
    bag = _bag()
    assert len(bag.dag_ids) == 120 and "gi_myunisoft_sync__d077" in bag.dag_ids
    assert not any("d077" in line for lines in bag.captured_warnings.values() for line in lines)
