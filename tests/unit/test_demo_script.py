"""``make demo`` says a broken dossier config in one console line, before starting anything."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = (REPO / "include" / "dossiers" / "demo.yaml").read_text()
sys.path.insert(0, str(REPO / "scripts"))

import demo as demo_script  # noqa: E402


def test_a_broken_demo_config_is_the_console_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "demo.yaml").write_text(DEMO.replace('  sales: "02"', "  sales: 02"))
    monkeypatch.setenv("GISYNC_DOSSIERS_DIR", str(tmp_path))
    problem = demo_script._demo_config_problem()
    assert problem is not None
    assert problem.startswith("gisync demo: the demo dossier has no DAG: demo: journals.sales invalide (2 : ")
    assert problem.endswith("— corriger demo.yaml")
    assert capsys.readouterr().err == ""  # said once, by the caller


def test_another_broken_dossier_is_mentioned_and_does_not_stop_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "demo.yaml").write_text(DEMO)
    (tmp_path / "other.yaml").write_text(DEMO)  # same slug
    monkeypatch.setenv("GISYNC_DOSSIERS_DIR", str(tmp_path))
    assert demo_script._demo_config_problem() is None
    assert "ignored, fix it before it gets a DAG: demo: slug déjà utilisé par demo.yaml" in capsys.readouterr().err


def test_the_local_airflow_signing_key_is_private(tmp_path: Path) -> None:
    from airflow_env import airflow_env

    env = airflow_env(tmp_path / "home", tmp_path / "var")
    key = tmp_path / "home" / ".jwt_secret"
    assert key.stat().st_mode & 0o777 == 0o600
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == key.read_text().strip()
