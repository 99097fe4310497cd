"""``make up``: both simulators and ``airflow standalone`` (UI at http://127.0.0.1:8080, admin/admin).

Runs until Ctrl-C, then stops Airflow and the simulators. State is shared with ``make demo``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "include"), str(Path(__file__).resolve().parent)]

from gisync.simulator import local  # noqa: E402

from airflow_env import REPO, airflow_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate-limit", type=int, default=100)
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    var = REPO / "var"
    airflow_home = var / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    passwords = airflow_home / "simple_auth_manager_passwords.json.generated"
    passwords.write_text(json.dumps({"admin": "admin"}))
    passwords.chmod(0o600)
    sims = local.start(var / "demo", rate_limit=args.rate_limit)
    env = airflow_env(airflow_home, var, sims.connections_env())
    env["AIRFLOW__API__PORT"] = str(args.port)
    print(f"simulators: MyUnisoft {sims.myunisoft_url}, GI {sims.gi_url}")
    print(f"Airflow UI: http://127.0.0.1:{args.port} (user admin, password admin) — Ctrl-C stops everything")
    # The load tasks run in one pool per MyUnisoft token: it must exist before the scheduler runs them.
    subprocess.run(["airflow", "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["airflow", "pools", "set", "myunisoft_demo", "1", "MyUnisoft token of the demo dossier: one load at a time"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    proc = subprocess.Popen(["airflow", "standalone"], env=env, start_new_session=True)
    # SIGTERM (a supervisor, `timeout`) must stop Airflow too, not only this script.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        _stop_group(proc)
        sims.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM Airflow's whole process group, then SIGKILL what is left (LocalExecutor workers may ignore
    SIGTERM)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=20)
    time.sleep(2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
