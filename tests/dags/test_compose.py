"""docker-compose.yaml: a valid Compose file (offline, with Debian's docker-compose v1 when installed) and the
stack's contract: services, PYTHONPATH, CeleryExecutor, loopback-only UI, secrets only from .env."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gisync.simulator.local import DEMO_GI_TOKEN, DEMO_SECRET, DEMO_TOKEN

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"

AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
}
SIMULATORS = {"myunisoft-sim", "gi-sim"}
SECRET_KEY = re.compile(
    r"PASSWORD|SECRET|FERNET|TOKEN|^AIRFLOW_CONN_|SQL_ALCHEMY_CONN|RESULT_BACKEND|STATE_DB"
)  # Redis: internal, no auth
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}; "$${...}" is an escaped literal "$".
VAR_REF = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])[^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())  # safe_load resolves the `<<` merge keys
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f".env.example: not KEY=value: {line!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return [node] if isinstance(node, str) else []


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_docker_compose_v1_validates_offline(tmp_path: Path) -> None:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose (v1) not on PATH: `apt-get install -y docker-compose` for the offline check")
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yaml")
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env.example")
    shutil.copytree(REPO / "docker", tmp_path / "docker")
    proc = subprocess.run(
        [exe, "-f", "docker-compose.yaml", "--env-file", ".env.example", "--profile", "demo", "config", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not set" not in proc.stderr, proc.stderr  # every ${VAR} got a value from .env.example


def test_services_and_profiles(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert AIRFLOW_SERVICES | SIMULATORS | {"postgres", "redis"} <= set(services)
    for name in SIMULATORS:
        assert services[name].get("profiles") == ["demo"], name
    for name in AIRFLOW_SERVICES | {"postgres", "redis"}:
        assert "profiles" not in services[name], f"{name} must start without a profile"
    mu = services["myunisoft-sim"]["entrypoint"]
    assert mu[:5] == ["python", "-m", "gisync", "simulator", "myunisoft"]
    assert mu[mu.index("--port") + 1] == "8090"
    assert mu[mu.index("--persist") + 1] == "/opt/airflow/var/compose/myunisoft.json"  # not make demo's state
    assert mu[mu.index("--host") + 1] == "0.0.0.0"  # reachable from the worker container
    assert "--rate-limit" in mu
    gi = services["gi-sim"]["entrypoint"]
    assert gi[:5] == ["python", "-m", "gisync", "simulator", "gi"]
    assert gi[gi.index("--port") + 1] == "8091" and gi[gi.index("--host") + 1] == "0.0.0.0"


def test_airflow_services_environment_and_mounts(compose: dict[str, Any]) -> None:
    for name in AIRFLOW_SERVICES:
        service = compose["services"][name]
        env = _env(service)
        assert "/opt/airflow/include" in env["PYTHONPATH"].split(":"), name
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false", name
        assert env["GISYNC_STATE_DB"].startswith("postgresql+psycopg2://"), name
        assert env["GISYNC_STATE_DB"].endswith("/gisync"), name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("/airflow"), name
        for conn in ("AIRFLOW_CONN_MYUNISOFT_DEMO", "AIRFLOW_CONN_GI_DEMO"):
            assert env[conn] == "${" + conn + "}", name
        mounts = {v.split(":")[0]: v.split(":")[1] for v in service["volumes"]}
        for folder in ("dags", "plugins", "include", "var"):
            assert mounts.get(f"./{folder}") == f"/opt/airflow/{folder}", (name, folder)
        deps = service["depends_on"]
        assert deps["postgres"]["condition"] == deps["redis"]["condition"] == "service_healthy", name
        if name != "airflow-init":
            assert deps["airflow-init"]["condition"] == "service_completed_successfully", name


def test_api_server_binds_loopback_only(compose: dict[str, Any]) -> None:
    assert compose["services"]["airflow-apiserver"]["ports"] == ["127.0.0.1:8080:8080"]
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_no_literal_secret_in_compose(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    for name, service in compose["services"].items():
        for key, value in _env(service).items():
            if not SECRET_KEY.search(key):
                continue
            assert "${" in value, f"{name}: {key} must come from .env (${{...}}), got a literal"
            userinfo = re.match(r"^[\w+]+://[^:/@]*:([^@]*)@", value)
            if userinfo:
                assert re.fullmatch(r"\$\{[A-Z0-9_]+\}", userinfo.group(1)), f"{name}: {key} password is literal"
    text = json.dumps(compose)  # parsed: comments are not part of the configuration
    placeholders = {v for k, v in env_example.items() if SECRET_KEY.search(k) and v}
    for secret in placeholders | {DEMO_TOKEN, DEMO_SECRET, DEMO_GI_TOKEN}:
        assert secret not in text, f"secret value {secret!r} written in docker-compose.yaml"


def test_env_example_defines_every_required_variable(compose: dict[str, Any], env_example: dict[str, str]) -> None:
    required = {m.group(1) for s in _strings(compose) for m in VAR_REF.finditer(s) if m.group(2) in (None, ":?", "?")}
    assert {"POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_CONN_MYUNISOFT_DEMO"} <= required
    missing = sorted(v for v in required if not env_example.get(v))
    assert not missing, f".env.example lacks {missing}"


def test_env_example_connections_and_gitignore(env_example: dict[str, str]) -> None:
    mu = json.loads(env_example["AIRFLOW_CONN_MYUNISOFT_DEMO"])
    assert mu["conn_type"] == "http" and mu["password"] and mu["extra"]["x_third_party_secret"]
    gi = json.loads(env_example["AIRFLOW_CONN_GI_DEMO"])
    assert gi["conn_type"] == "http" and gi["password"]
    assert ".env" in (REPO / ".gitignore").read_text().split()


def test_init_creates_the_myunisoft_pool() -> None:
    init = (REPO / "docker" / "init.sh").read_text()
    assert "airflow db migrate" in init
    assert 'airflow pools set myunisoft_demo 1 "MyUnisoft token of dossier demo: one load at a time"' in init
