"""The DAG file: no import error, exactly one DAG per enabled dossier, the task graph and params."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gisync.config import SCHEDULE_PRESETS

REPO = Path(__file__).resolve().parents[2]
DAG_FILE = REPO / "dags" / "gi_myunisoft_sync.py"


def _bag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAG_FILE))


def test_shipped_dossiers_give_exactly_their_dags() -> None:
    bag = _bag()
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["gi_myunisoft_sync__demo"]
    from airflow.dag_processing.dagbag import DagBag

    folder = DagBag(dag_folder=str(DAG_FILE.parent))  # with the config check file: valid configs, no error
    assert folder.import_errors == {} and sorted(folder.dag_ids) == ["gi_myunisoft_sync__demo"]


def test_task_graph_params_and_schedule() -> None:
    dag = _bag().dags["gi_myunisoft_sync__demo"]
    assert dag.max_active_runs == 1
    assert set(dag.task_dict) == {
        "check_link", "extract", "validate_accounts", "validate_payment_modes", "validate_clients",
        "validate_journals_and_periods", "load_sales", "load_payments", "load_purchases", "report",
    }  # fmt: skip
    assert dag.get_task("extract").upstream_task_ids == {"check_link"}
    assert dag.get_task("load_payments").upstream_task_ids == {"load_sales"}
    assert {"validate_accounts", "validate_clients"} <= dag.get_task("load_sales").upstream_task_ids
    assert dag.get_task("report").upstream_task_ids == {"load_payments", "load_purchases"}
    assert dag.get_task("report").trigger_rule == "all_done"
    # Retries with backoff on the tasks that talk to the GI or MyUnisoft, none on the pure ones.
    retried = {t.task_id: (t.retries, t.retry_delay.total_seconds()) for t in dag.tasks if t.retries}
    assert retried == {
        "check_link": (2, 30), "extract": (2, 30), "validate_clients": (2, 30),
        "load_sales": (2, 120), "load_payments": (2, 120), "load_purchases": (2, 120),
    }  # fmt: skip
    assert all(dag.get_task(t).retry_exponential_backoff == 2.0 for t in retried)
    assert {dag.get_task(f"load_{j}").pool for j in ("sales", "payments", "purchases")} == {"myunisoft_demo"}
    assert dag.get_task("extract").pool == "default_pool"
    assert all(task.on_failure_callback for task in dag.tasks)  # the notifier hook point
    assert dag.params["demo"] is False and dag.params["only_one_entry"] is False
    # The trigger form: every param has a title and a description.
    for name in ("demo", "only_one_entry", "clients"):
        param = dag.params.get_param(name)
        assert param.description and param.schema.get("title"), name
    assert "2023-08-01" in dag.doc_md


def test_demo_param_refuses_the_string_false() -> None:
    """B22: "false" as a string must be refused by the schema, never read as true."""
    import copy

    from airflow.sdk.definitions.param import ParamValidationError

    dag = _bag().dags["gi_myunisoft_sync__demo"]
    params = copy.deepcopy(dag.params)
    with pytest.raises(ParamValidationError):
        params.update({"demo": "false"})
        params.validate()
    good = copy.deepcopy(dag.params)
    good.update({"demo": False})
    assert good.validate()["demo"] is False


def test_broken_config_does_not_hide_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for slug in ("d001", "d002"):
        text = (REPO / "include" / "dossiers" / "demo.yaml").read_text().replace("slug: demo", f"slug: {slug}")
        (tmp_path / f"{slug}.yaml").write_text(text)
    broken = (REPO / "include" / "dossiers" / "demo.yaml").read_text().replace("slug: demo", "slug: d077")
    (tmp_path / "d077.yaml").write_text(broken.replace('start_date: "2023-08-01"', 'start_date: "2025-13-01"'))
    monkeypatch.setenv("GISYNC_DOSSIERS_DIR", str(tmp_path))
    bag = _bag()
    assert sorted(bag.dag_ids) == ["gi_myunisoft_sync__d001", "gi_myunisoft_sync__d002"]
    assert os.environ["GISYNC_DOSSIERS_DIR"] == str(tmp_path)
    shutil.rmtree(tmp_path)


@pytest.mark.parametrize("schedule", ["null", '"0 6 * * 1-5"', *(f'"{p}"' for p in sorted(SCHEDULE_PRESETS))])
def test_every_schedule_the_config_accepts_builds_a_dag(tmp_path: Path, schedule: str) -> None:
    """The config's schedule check and Airflow agree: what passes the one builds with the other."""
    from airflow.sdk.definitions.timetables._cron import CRON_PRESETS

    from gisync.config import load_config
    from gisync_dags.factory import build_dossier_dag

    assert set(CRON_PRESETS) | {"@once", "@continuous"} == SCHEDULE_PRESETS
    text = (REPO / "include" / "dossiers" / "demo.yaml").read_text()
    (tmp_path / "s.yaml").write_text(text.replace('schedule: "@daily"', f"schedule: {schedule}"))
    dag = build_dossier_dag(load_config(tmp_path / "s.yaml"))
    dag.validate()
    assert dag.timetable is not None


def test_a_dossier_airflow_refuses_is_skipped_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Backstop of B23: should building one dossier's DAG raise anyway, the file still gives the others."""
    from gisync_dags import factory

    for slug in ("d001", "d002", "d003"):
        text = (REPO / "include" / "dossiers" / "demo.yaml").read_text().replace("slug: demo", f"slug: {slug}")
        (tmp_path / f"{slug}.yaml").write_text(text)
    monkeypatch.setenv("GISYNC_DOSSIERS_DIR", str(tmp_path))
    real = factory.build_dossier_dag

    def refuse_d002(cfg):  # type: ignore[no-untyped-def]
        if cfg.slug == "d002":
            raise ValueError("refused by Airflow")
        return real(cfg)

    monkeypatch.setattr(factory, "build_dossier_dag", refuse_d002)
    bag = _bag()
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["gi_myunisoft_sync__d001", "gi_myunisoft_sync__d003"]
    warned = [line for lines in bag.captured_warnings.values() for line in lines if "d002" in line]
    assert len(warned) == 1 and "d002: Airflow refuse ce dossier (ValueError: refused by Airflow)" in warned[0]


def test_doc_md_tags_and_owner_come_from_the_dossier_config(tmp_path: Path) -> None:
    """What a person sees on the DAG page: what it syncs, from when, into which journals, with which options."""
    from gisync.config import load_config
    from gisync_dags.factory import build_dossier_dag

    text = (REPO / "include" / "dossiers" / "demo.yaml").read_text()
    (tmp_path / "x.yaml").write_text(
        text.replace("owner: gisync", "owner: compta-lyon").replace(
            "auto_create_clients: true", "auto_create_clients: false"
        )
    )
    dag = build_dossier_dag(load_config(tmp_path / "x.yaml"))
    assert set(dag.tags) == {"gisync", "dossier:demo"}
    assert {task.owner for task in dag.tasks} == {"compta-lyon"}
    doc = dag.doc_md or ""
    assert "from **2023-08-01** (invoice date)" in doc
    assert "sales `02`, payments `15`, purchases `01`" in doc
    assert "client auto-creation: **off**" in doc
    assert "MyUnisoft `myunisoft_demo`, GI `gi_demo`" in doc
