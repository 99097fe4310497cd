"""The status page in a real browser: the demo DAG runs for real, Airflow's API app (with the gisync plugin)
is served by uvicorn on 127.0.0.1, and headless Chromium loads /gisync/dossier/demo.

Chromium's screenshot mode cannot send headers, so the test serves, next to Airflow's app, one test-only
route that sets the UI's ``_token`` cookie (a JWT made by the configured auth manager, as its login does)
and redirects to the page: the plugin's own authentication is exercised unchanged. Without the cookie the
same browser gets the 401 page. Skipped when ``/usr/bin/chromium`` is absent.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gisync.simulator.server import BackgroundServer, start_background

from harness import REPO, Simulators, run_dag

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / "var" / "screenshots"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (/usr/bin/chromium)"),
]


def _with_test_login(airflow_app: Any) -> Any:
    """Airflow's ASGI app plus ``/_test_login?next=…``, which sets a valid ``_token`` cookie."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from starlette.requests import Request
    from starlette.responses import RedirectResponse

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_test_login":
            token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="anne", role="viewer"))
            target = Request(scope).query_params.get("next", "/gisync/")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie("_token", token, path="/", httponly=True, samesite="lax")
            await response(scope, receive, send)
            return
        await airflow_app(scope, receive, send)

    return app


@pytest.fixture
def served(airflow_db: None, sync_env: Simulators) -> Iterator[BackgroundServer]:
    from airflow.api_fastapi.app import create_app

    _dag_run, report = run_dag()  # the real demo sync: red (held documents), state DB filled
    assert report["summary"]["held"] > 0
    server = start_background(_with_test_login(create_app("core")), timeout=30)
    yield server
    server.stop()


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="gisync-chromium-") as profile:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--window-size=1280,900",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def test_status_page_in_chromium(served: BackgroundServer) -> None:
    page = f"{served.url}/gisync/dossier/demo"
    anonymous = _chromium("--dump-dom", page)
    assert "Login required" in anonymous.stdout, anonymous.stderr[-2000:]
    assert "Dossier demo" not in anonymous.stdout

    login = f"{served.url}/_test_login?next=/gisync/dossier/demo"
    dom = _chromium("--dump-dom", login)
    assert "Dossier demo" in dom.stdout, dom.stderr[-2000:]
    assert "à traiter / needs action" in dom.stdout and "bloqué / held" in dom.stdout
    assert 'class="red"' in dom.stdout

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "gisync-dossier-demo.png"
    shot.unlink(missing_ok=True)
    result = _chromium(f"--screenshot={shot}", login)
    assert shot.exists(), result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    index = SCREENSHOTS / "gisync-index.png"
    _chromium(f"--screenshot={index}", f"{served.url}/_test_login?next=/gisync/")
    assert index.exists()
