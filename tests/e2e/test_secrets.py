"""B21: a run that fails on MyUnisoft's 401 names the code and the fix, and leaks no credential.

Airflow masks connection secrets only in real scheduler runs (not in ``dag.test()``), so this checks
that gisync itself never prints them: every line captured from the run, the Airflow logs folder and
the run's report must be free of the token and the secret.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests

from gisync.simulator.local import LocalSimulators
from gisync.simulator.myunisoft.app import create_app
from gisync.simulator.myunisoft.default_state import default_state
from gisync.simulator.server import start_background

from harness import run_dag, task_states

pytestmark = pytest.mark.e2e
TOKEN, SECRET = "TESTTOKEN-abc123", "TESTSECRET-xyz789"


def test_b21_401_is_reported_without_credentials(
    airflow_db: None,
    simulators: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    mu = start_background(create_app(default_state(), token=TOKEN, secret=SECRET, rate_limit=100_000))
    try:
        requests.post(mu.url + "/_sim/faults", json={"kind": "401", "route": "*", "count": 100}, timeout=10)
        sims = LocalSimulators(mu.url, simulators.gi)  # type: ignore[attr-defined]
        conn = json.loads(sims.connections_env()["AIRFLOW_CONN_MYUNISOFT_DEMO"])
        conn["password"], conn["extra"] = TOKEN, {"x_third_party_secret": SECRET}
        monkeypatch.setenv("AIRFLOW_CONN_MYUNISOFT_DEMO", json.dumps(conn))
        monkeypatch.setenv("AIRFLOW_CONN_GI_DEMO", sims.connections_env()["AIRFLOW_CONN_GI_DEMO"])
        monkeypatch.setenv("GISYNC_STATE_DB", f"sqlite:///{tmp_path / 'state.db'}")
        monkeypatch.setenv("GISYNC_REPORTS_DIR", str(tmp_path / "reports"))
        dag_run, report = run_dag()
    finally:
        mu.stop()
    states = task_states(dag_run)
    assert states["check_link"] == "failed" and states["report"] == "failed"
    assert states["extract"] == "upstream_failed"
    out, err = capfd.readouterr()
    captured = out + err + caplog.text
    assert "401 ERR-INVALID-API-JWT" in captured
    assert "regenerate the API key" in captured
    assert "gisync demo check_link failed: MyUnisoft 401 ERR-INVALID-API-JWT" in captured  # the notifier's line
    texts = [captured, json.dumps(report)]
    for folder in (Path(os.environ["AIRFLOW_HOME"]) / "logs", tmp_path / "reports"):
        texts += [p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()]
    for secret in (TOKEN, SECRET):
        assert not any(secret in text for text in texts), f"{secret} leaked"
