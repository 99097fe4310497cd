"""The demo dossier through a real Airflow: api-server, scheduler and dag-processor, driven by REST API v2.

Unlike ``dag.test()``, this goes through everything a user's run goes through: the dag-processor parses
the DAG file, the scheduler queues the tasks into the pool, LocalExecutor workers run them with the
Connections' secrets masked, XComs and logs are read back through the API. Everything listens on
127.0.0.1 only, runs in a temporary AIRFLOW_HOME and is stopped in a ``finally``.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from gisync.simulator import local
from gisync.simulator.server import free_port

from harness import DAG_ID, REPO

sys.path.insert(0, str(REPO / "scripts"))
from airflow_env import airflow_env

pytestmark = pytest.mark.e2e

PASSWORD = "gisync-e2e-admin"
FINAL_STATES = {"success", "failed"}
RUN_TIMEOUT = 150.0  # seconds, per DAG run
SECRETS = (local.DEMO_TOKEN, local.DEMO_SECRET)


class WebhookReceiver:
    """An incoming-webhook endpoint on 127.0.0.1 (what Slack/Teams would be): keeps every JSON body posted."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append({"path": self.path, **json.loads(body)})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.received = received
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/gisync-e2e"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Airflow:
    home: Path
    url: str
    sims: local.LocalSimulators
    reports: Path
    alerts: WebhookReceiver
    session: requests.Session = field(default_factory=requests.Session)
    runs: dict[str, str] = field(default_factory=dict)  # name → dag_run_id

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.url}/api/v2{path}", timeout=30, **kwargs)

    def trigger(self, conf: dict[str, Any]) -> requests.Response:
        return self.api("POST", f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None, "conf": conf})

    def wait_run(self, run_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            run: dict[str, Any] = self.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}").json()
            if run.get("state") in FINAL_STATES:
                return run
            time.sleep(1)
        raise AssertionError(f"run {run_id} not finished after {RUN_TIMEOUT:.0f} s: {self.task_states(run_id)}")

    def task_states(self, run_id: str) -> dict[str, str | None]:
        body = self.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances").json()
        return {ti["task_id"]: ti["state"] for ti in body["task_instances"]}

    def xcom(self, run_id: str, task_id: str) -> requests.Response:
        return self.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value")

    def xcom_value(self, run_id: str, task_id: str) -> Any:
        response = self.xcom(run_id, task_id)
        assert response.status_code == 200, response.text
        value = response.json()["value"]
        return json.loads(value) if isinstance(value, str) else value

    def sim_writes(self) -> dict[str, int]:
        calls: dict[str, Any] = requests.get(self.sims.myunisoft_url + "/_sim/calls", timeout=10).json()
        writes: dict[str, int] = calls["writes"]
        return writes


def _run(cmd: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=120)


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        # Own process group: SIGTERM/SIGKILL reach the component and every worker it forked.
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(procs: list[subprocess.Popen[bytes]], home: Path) -> None:
    """SIGTERM every process group, wait, then SIGKILL what is left (LocalExecutor workers ignore SIGTERM)."""
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    # Any process of ours that left its group (a task runner that called setsid) still has our AIRFLOW_HOME.
    marker = f"AIRFLOW_HOME={home}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def _wait(what: str, check: Any, procs: list[subprocess.Popen[bytes]], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [p.args for p in procs if p.poll() is not None]
        assert not dead, f"exited while waiting for {what}: {dead}"
        with contextlib.suppress(requests.RequestException):
            result = check()
            if result:
                return result
        time.sleep(0.5)
    raise AssertionError(f"{what}: not ready after {timeout:.0f} s")


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    tmp = tmp_path_factory.mktemp("scheduler")
    home, var, dossiers, proc_logs = tmp / "airflow", tmp / "var", tmp / "dossiers", tmp / "process-logs"
    for folder in (home, var, dossiers, proc_logs):
        folder.mkdir()
    # The demo dossier, with its failures sent to a webhook (the Connection holds the URL).
    demo = (REPO / "include" / "dossiers" / "demo.yaml").read_text()
    (dossiers / "demo.yaml").write_text(demo + "notify:\n  kind: webhook\n  webhook_conn_id: gisync_alerts\n")
    # B23: a broken dossier next to the demo one must be an import error and must not stop the demo.
    broken = (REPO / "include" / "dossiers" / "demo.yaml").read_text().replace("slug: demo", "slug: d077")
    (dossiers / "d077.yaml").write_text(broken.replace('start_date: "2023-08-01"', 'start_date: "2025-13-01"'))
    (home / "simple_auth_manager_passwords.json.generated").write_text(json.dumps({"admin": PASSWORD}))
    port = free_port()
    sims = local.start(tmp / "simulators", rate_limit=100_000, reset=True)
    alerts = WebhookReceiver()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        env = airflow_env(home, var, sims.connections_env())
        env["AIRFLOW_CONN_GISYNC_ALERTS"] = json.dumps({"conn_type": "http", "host": alerts.url})
        env.update(
            {
                "GISYNC_DOSSIERS_DIR": str(dossiers),
                "GISYNC_STATE_DB": f"sqlite:///{tmp / 'state.db'}",
                "GISYNC_REPORTS_DIR": str(tmp / "reports"),
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(port),
                "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
                # Unpausing an @daily DAG makes the scheduler start a *real* run of the last interval at
                # once; only the runs this test triggers may run.
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            }
        )
        env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
        _run(["airflow", "db", "migrate"], env, proc_logs / "migrate.log")
        for name, cmd in (
            ("api-server", ["airflow", "api-server", "--port", str(port)]),
            ("scheduler", ["airflow", "scheduler"]),
            ("dag-processor", ["airflow", "dag-processor"]),
        ):
            procs.append(_start(cmd, env, proc_logs / f"{name}.log"))
        af = Airflow(home, f"http://127.0.0.1:{port}", sims, tmp / "reports", alerts)
        token = _wait(
            "api-server token",
            lambda: requests.post(
                f"{af.url}/auth/token", json={"username": "admin", "password": PASSWORD}, timeout=5
            ).json()["access_token"],
            procs,
        )
        af.session.headers["Authorization"] = f"Bearer {token}"
        # The load tasks run in the pool of their MyUnisoft token (`airflow pools set myunisoft_demo 1 …`,
        # through the API: a CLI process costs ~9 s on this machine).
        pool = {"name": "myunisoft_demo", "slots": 1, "description": "MyUnisoft token of the demo dossier"}
        response = af.api("POST", "/pools", json=pool)
        assert response.status_code == 201, response.text
        _wait("DAG parsed", lambda: af.api("GET", f"/dags/{DAG_ID}").status_code == 200, procs, timeout=90)
        response = af.api("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})
        assert response.status_code == 200, response.text
        yield af
    finally:
        _stop(procs, home)
        sims.stop()
        alerts.stop()


def test_b22_string_false_is_refused_before_any_run(airflow: Airflow) -> None:
    response = airflow.trigger({"demo": "false"})
    assert response.status_code == 400, response.text
    assert "demo" in response.text
    assert airflow.api("GET", f"/dags/{DAG_ID}/dagRuns").json()["total_entries"] == 0


def test_b23_broken_dossier_is_an_import_error_and_the_demo_dag_stays_active(airflow: Airflow) -> None:
    def errors() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = airflow.api("GET", "/importErrors").json()["import_errors"]
        return found

    found = _wait("import error of the broken dossier", errors, [], timeout=90)
    assert [Path(e["filename"]).name for e in found] == ["gisync_config_errors.py"], found
    assert "d077: start_date invalide ('2025-13-01'" in found[0]["stack_trace"]
    assert "corriger d077.yaml" in found[0]["stack_trace"]
    dag = airflow.api("GET", f"/dags/{DAG_ID}").json()
    assert dag["is_stale"] is False and dag["has_import_errors"] is False, dag
    assert airflow.api("GET", "/dags/gi_myunisoft_sync__d077").status_code == 404


def test_demo_run_writes_nothing_and_keeps_xcoms_small(airflow: Airflow) -> None:
    response = airflow.trigger({"demo": True})
    assert response.status_code == 200, response.text
    run_id = airflow.runs["demo"] = response.json()["dag_run_id"]
    run = airflow.wait_run(run_id)
    states = airflow.task_states(run_id)
    assert run["state"] == "failed", states  # red on purpose: the demo data holds documents
    assert states.pop("report") == "failed"
    assert set(states.values()) == {"success"}, states

    sales = airflow.xcom_value(run_id, "load_sales")
    assert sales["would_create"] > 0, sales
    assert sales.get("created", 0) == 0 and sales["write_calls"] == 0, sales
    assert airflow.xcom(run_id, "report").status_code == 404  # report failed: it pushed nothing

    # B20: only small summaries travel through XCom, never the records themselves.
    entries = airflow.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/~/xcomEntries").json()
    assert {e["task_id"] for e in entries["xcom_entries"]} >= {"extract", "load_sales", "load_payments"}
    for entry in entries["xcom_entries"]:
        value = airflow.xcom_value(run_id, entry["task_id"])
        assert len(json.dumps(value)) < 1024, (entry["task_id"], value)

    assert sum(airflow.sim_writes().values()) == 0, airflow.sim_writes()


def test_real_run_creates_entries_and_report_names_the_fix(airflow: Airflow) -> None:
    response = airflow.trigger({})
    assert response.status_code == 200, response.text
    run_id = airflow.runs["real"] = response.json()["dag_run_id"]
    airflow.wait_run(run_id)
    states = airflow.task_states(run_id)
    assert states.pop("report") == "failed"
    assert set(states.values()) == {"success"}, states
    sales = airflow.xcom_value(run_id, "load_sales")
    assert sales["created"] > 0 and sales["write_calls"] > 0, sales
    assert airflow.sim_writes()["POST /api/v1/entry"] > 0

    log = _report_log(airflow, run_id)
    assert "documents held" in log, log[-2000:]
    assert "706300" in log, log[-2000:]


def test_each_failed_run_sent_its_one_line_to_the_webhook(airflow: Airflow) -> None:
    """The on_failure_callback hook point: the report's one line, to the dossier's notifier (a webhook here)."""
    assert {"demo", "real"} <= set(airflow.runs), "the demo and real runs must have run first"

    def alerts() -> list[dict[str, Any]]:
        return list(airflow.alerts.received) if len(airflow.alerts.received) >= 2 else []

    received = _wait("two alerts", alerts, [], timeout=30)
    assert sorted(a["run_id"] for a in received) == sorted([airflow.runs["demo"], airflow.runs["real"]])
    for alert in received:
        assert alert["path"] == "/hooks/gisync-e2e" and alert["dossier"] == "demo" and alert["task"] == "report"
        assert alert["text"].startswith("gisync demo report failed: dossier demo: 8 documents held — "), alert
        assert "account_missing:706300 ×4" in alert["text"], alert


def test_no_credential_in_any_airflow_log(airflow: Airflow) -> None:
    assert "real" in airflow.runs, "the real run must have run first"
    files = [p for p in (airflow.home / "logs").rglob("*") if p.is_file()]
    assert any("task_id=report" in str(p) for p in files), files
    leaks = [(str(p), s) for p in files for s in SECRETS if s in p.read_text(errors="replace")]
    assert leaks == []


def _report_log(airflow: Airflow, run_id: str) -> str:
    """The report task's log, through the API (structured JSON) or else from the file the worker wrote."""
    response = airflow.api(
        "GET",
        f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/report/logs/1",
        headers={"Accept": "application/json"},
    )
    text = ""
    if response.status_code == 200:
        content = response.json().get("content") or []
        text = "\n".join(json.dumps(c) if not isinstance(c, str) else c for c in content)
    if "documents held" not in text:
        files = (airflow.home / "logs").glob(f"dag_id={DAG_ID}/run_id={run_id}/task_id=report/attempt=1.log")
        text += "\n".join(p.read_text(errors="replace") for p in files)
    return text
