"""The status page plugin: registered with Airflow, served under /gisync by Airflow's own API app, closed
to anonymous callers, and rendering a dossier's red statuses and (escaped) reasons for a logged-in user."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gisync.ledger import Ledger

EVIL = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def airflow_db() -> None:
    from airflow.utils import db

    db.resetdb()


@pytest.fixture(scope="module")
def state_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('state') / 'state.db'}"
    led = Ledger(url)
    key = "acme:manual__2026-12-01"
    led.start_run(key, "acme", "manual__2026-12-01", "sync")
    common = {"kind": "invoice", "journal": "VT", "entry_id": None}
    led.record_outcome(key, partner_id="inv:1", gi_id="1", number="F0001", outcome="created", **common)
    led.record_outcome(
        key,
        partner_id="inv:2",
        gi_id="2",
        number="F0002",
        outcome="held",
        reason_code="account_missing:706300",
        message=f"F0002: compte 706300 inexistant {EVIL} — créez 706300 dans MyUnisoft",
        **common,
    )
    led.put_check(
        key,
        "accounts",
        [{"item": "706300", "status": "missing", "detail": "créez 706300 dans MyUnisoft", "documents": "1"}],
        {},
    )
    led.finish_run(key, {"unbalanced": 0, "incomplete_steps": []})
    old = os.environ.get("GISYNC_STATE_DB")
    os.environ["GISYNC_STATE_DB"] = url
    yield url
    if old is None:
        os.environ.pop("GISYNC_STATE_DB", None)
    else:
        os.environ["GISYNC_STATE_DB"] = old


@pytest.fixture(scope="module")
def client(airflow_db: None, state_db: str) -> Iterator[Any]:
    """Airflow's own API app (core), which mounts the plugin apps and initialises the auth manager."""
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    with TestClient(create_app("core")) as c:
        yield c


def _token(role: str | None, username: str = "admin") -> str:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=username, role=role))


def test_plugin_is_registered_with_its_app_and_nav_entry() -> None:
    from airflow import plugins_manager

    info = {p["name"]: p for p in plugins_manager.get_plugin_info()}
    assert plugins_manager.get_import_errors() == {}
    assert "gisync" in info
    apps, _ = plugins_manager.get_fastapi_plugins()
    assert [a["url_prefix"] for a in apps if a["name"] == "gisync status"] == ["/gisync"]
    views = [v for v in info["gisync"]["external_views"] if v["name"] == "GI → MyUnisoft"]
    assert views and views[0]["href"] == "/gisync/" and views[0]["destination"] == "nav"


@pytest.mark.parametrize("path", ["/gisync/", "/gisync/dossier/acme", "/gisync/dossier/nope", "/gisync/docs"])
def test_anonymous_is_refused(client: Any, path: str) -> None:
    response = client.get(path)
    if path.endswith("/docs"):  # no OpenAPI/Swagger route to leak past the app-level dependency
        assert response.status_code in (401, 403, 404)
    else:
        assert response.status_code == 401
        assert "Login required" in response.text and "/auth/login" in response.text
    assert "Dossier acme" not in response.text and "706300" not in response.text


def test_forged_or_roleless_token_is_refused(client: Any) -> None:
    import jwt

    forged = jwt.encode({"sub": "admin", "role": "admin", "aud": "apache-airflow"}, "not-the-secret-" * 8, "HS512")
    for headers in ({"Authorization": f"Bearer {forged}"}, {"Authorization": "Bearer garbage"}):
        response = client.get("/gisync/dossier/acme", headers=headers)
        assert response.status_code in (401, 403), response.text
        assert "706300" not in response.text
    roleless = client.get("/gisync/dossier/acme", headers={"Authorization": f"Bearer {_token(None, 'nobody')}"})
    assert roleless.status_code == 403 and "706300" not in roleless.text


def test_index_lists_the_red_dossier_with_a_bearer_token(client: Any) -> None:
    response = client.get("/gisync/", headers={"Authorization": f"Bearer {_token('viewer', 'anne')}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/gisync/dossier/acme"' in response.text
    assert '<tr class="red">' in response.text and "à traiter / needs action" in response.text
    # At a glance, next to the red badge: why (the reason codes) and what to do (the check's fix).
    cell = response.text.split("à traiter / needs action", 1)[1].split("</td>", 2)[1]
    assert "held — account_missing:706300 ×1" in cell, cell
    assert "accounts 706300: missing — créez 706300 dans MyUnisoft" in cell, cell


def test_index_names_broken_dossier_files(client: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """B23 in the UI: a dossier file that did not become a DAG is listed with its file and field."""
    demo = Path(__file__).resolve().parents[2] / "include" / "dossiers" / "demo.yaml"
    text = demo.read_text()
    (tmp_path / "d001.yaml").write_text(text.replace("slug: demo", "slug: d001"))
    (tmp_path / "d077.yaml").write_text(
        text.replace("slug: demo", "slug: d077").replace('"2023-08-01"', '"2025-13-01"')
    )
    monkeypatch.setenv("GISYNC_DOSSIERS_DIR", str(tmp_path))
    response = client.get("/gisync/", headers={"Authorization": f"Bearer {_token('viewer', 'anne')}"})
    assert response.status_code == 200
    assert "Dossier files with errors" in response.text
    assert "<b>d077.yaml</b>" in response.text and "d077: start_date invalide" in response.text
    assert "d001.yaml" not in response.text


def test_dossier_page_with_the_ui_cookie_shows_reasons_escaped(client: Any) -> None:
    client.cookies.set("_token", _token("admin"))
    try:
        response = client.get("/gisync/dossier/acme")
    finally:
        client.cookies.clear()
    assert response.status_code == 200, response.text
    text = response.text
    assert "Dossier acme" in text
    assert '<tr class="red"><td>706300</td><td>missing</td><td>créez 706300 dans MyUnisoft</td>' in text
    assert "account_missing:706300" in text and "F0002" in text
    assert EVIL not in text and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "manual__2026-12-01" in text  # history


def test_unknown_dossier_is_404_for_a_logged_in_user(client: Any) -> None:
    response = client.get("/gisync/dossier/nope", headers={"Authorization": f"Bearer {_token('admin')}"})
    assert response.status_code == 404


def test_page_reads_the_state_db_named_by_the_environment(client: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("GISYNC_STATE_DB", f"sqlite:///{tmp_path / 'empty.db'}")
    response = client.get("/gisync/", headers={"Authorization": f"Bearer {_token('admin')}"})
    assert response.status_code == 200 and "acme" not in response.text and "No run yet" in response.text
