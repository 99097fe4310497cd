"""B19: throttling and maintenance are classified by status and code, never by parsing; an outage defers
the dossier to the next run with one clear line (no JSON-decode traceback as the final error)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from gisync.config import load_config
from gisync.errors import TransientError
from gisync.ledger import Ledger
from gisync.myunisoft.client import MyUnisoftClient
from gisync.myunisoft.pacing import TokenPacer
from gisync.pipeline import DossierDeferred, DossierRun, RunParams, check_link, report
from gisync.simulator.server import BackgroundServer, start_background

REPO = Path(__file__).resolve().parents[2]


def _flaky_app() -> FastAPI:
    """First call: 429 with an HTML body; every later call: 503 maintenance (the documented envelope)."""
    app = FastAPI()
    seen = {"n": 0}

    @app.get("/api/v1/{path:path}")
    def anything(path: str) -> object:
        seen["n"] += 1
        if seen["n"] == 1:
            return HTMLResponse("<html>Too Many Requests</html>", status_code=429, headers={"X-Rate-Limit-Reset": "0"})
        body = {"error": {"code": "ERR-API-UNDER-MAINTENANCE", "message": "Maintenance en cours", "details": ""}}
        return JSONResponse(body, status_code=503)

    app.state.seen = seen
    return app


@pytest.fixture
def flaky() -> Iterator[BackgroundServer]:
    server = start_background(_flaky_app())
    yield server
    server.stop()


def _client(url: str) -> MyUnisoftClient:
    return MyUnisoftClient(
        url, token="t0k3n-123", secret="s3cr3t-456", pacer=TokenPacer(1000, 1.0), sleep=lambda _: None
    )


def test_html_429_is_retried_then_maintenance_is_a_transient_error(flaky: BackgroundServer) -> None:
    client = _client(flaky.url)
    with pytest.raises(TransientError) as err:
        client.society()
    assert err.value.code == "ERR-API-UNDER-MAINTENANCE" and err.value.status == 503
    assert "JSON" not in str(err.value) and "Expecting value" not in str(err.value)
    assert client.pacer.throttled == 1  # the 429 was waited out, not reported
    assert flaky.server.config.app.state.seen["n"] == 1 + client.max_attempts


def test_maintenance_defers_the_dossier_with_one_line(flaky: BackgroundServer, tmp_path: Path) -> None:
    run = DossierRun(
        cfg=load_config(REPO / "include" / "dossiers" / "demo.yaml"),
        run_id="manual__outage",
        params=RunParams(),
        ledger=Ledger(f"sqlite:///{tmp_path}/state.db"),
        myunisoft=lambda: _client(flaky.url),
        gi=lambda: pytest.fail("the GI must not be read when MyUnisoft is down"),
        reports_dir=tmp_path / "reports",
    )
    with pytest.raises(DossierDeferred) as err:
        check_link(run)
    assert err.value.code == "api_maintenance"
    assert str(err.value).startswith("dossier demo: check_link deferred to the next run (api_maintenance)")
    summary = report(run)  # the report does not fail: nothing is wrong with the dossier's data
    assert summary["deferred"]["reason"] == "api_maintenance"
    assert (run.report_dir / "report.json").exists()
