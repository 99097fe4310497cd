"""Start the two simulators as child processes on free ports of 127.0.0.1 (demo, ``make up``).

State is kept under a folder (``var/demo`` by default) so a second demo run sees what the first wrote.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from gisync.simulator.server import free_port

DEMO_TOKEN = "gisync-demo-token"
DEMO_SECRET = "gisync-demo-secret"
DEMO_GI_TOKEN = "gisync-demo-gi-token"


@dataclass
class LocalSimulators:
    myunisoft_url: str
    gi_url: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def connections_env(self, myunisoft_conn: str = "myunisoft_demo", gi_conn: str = "gi_demo") -> dict[str, str]:
        """``AIRFLOW_CONN_*`` variables describing both simulators as HTTP Connections."""
        mu_port = int(self.myunisoft_url.rsplit(":", 1)[1])
        gi_port = int(self.gi_url.rsplit(":", 1)[1])
        return {
            f"AIRFLOW_CONN_{myunisoft_conn.upper()}": json.dumps(
                {
                    "conn_type": "http",
                    "host": "127.0.0.1",
                    "port": mu_port,
                    "schema": "http",
                    "password": DEMO_TOKEN,
                    "extra": {"x_third_party_secret": DEMO_SECRET},
                }
            ),
            f"AIRFLOW_CONN_{gi_conn.upper()}": json.dumps(
                {"conn_type": "http", "host": "127.0.0.1", "port": gi_port, "schema": "http", "password": DEMO_GI_TOKEN}
            ),
        }

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"simulator for {url} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"simulator did not answer at {url} within {timeout:.0f} s")


def start(
    state_dir: Path, *, rate_limit: int = 20, reset: bool = False, log_dir: Path | None = None
) -> LocalSimulators:
    """Both simulators, MyUnisoft persisting its folder to ``state_dir/myunisoft.json``."""
    state_dir.mkdir(parents=True, exist_ok=True)
    logs = log_dir or state_dir
    mu_port, gi_port = free_port(), free_port()
    env = dict(os.environ)
    python = sys.executable
    mu_cmd = [
        python, "-m", "gisync", "simulator", "myunisoft", "--port", str(mu_port),
        "--persist", str(state_dir / "myunisoft.json"), "--rate-limit", str(rate_limit),
        "--token", DEMO_TOKEN, "--secret", DEMO_SECRET,
    ]  # fmt: skip
    if reset:
        mu_cmd.append("--reset")
    gi_cmd = [python, "-m", "gisync", "simulator", "gi", "--port", str(gi_port), "--token", DEMO_GI_TOKEN]
    sims = LocalSimulators(f"http://127.0.0.1:{mu_port}", f"http://127.0.0.1:{gi_port}")
    for name, cmd in (("myunisoft", mu_cmd), ("gi", gi_cmd)):
        with open(logs / f"simulator-{name}.log", "ab") as log:
            sims.processes.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env))
    try:
        _wait_ready(sims.myunisoft_url + "/api/partners/health", sims.processes[0])
        _wait_ready(sims.gi_url + "/openapi.json", sims.processes[1])
    except Exception:
        sims.stop()
        raise
    return sims
