"""Our MyUnisoft client against the MyUnisoft simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests

from gisync.errors import ConfigError, DataError
from gisync.myunisoft.client import MyUnisoftClient
from gisync.myunisoft.pacing import TokenPacer
from gisync.simulator.myunisoft.app import create_app
from gisync.simulator.myunisoft.default_state import default_state
from gisync.simulator.server import BackgroundServer, start_background

TOKEN, SECRET = "TESTTOKEN-abc123", "TESTSECRET-xyz789"


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    srv = start_background(create_app(default_state(), token=TOKEN, secret=SECRET, rate_limit=10_000))
    yield srv
    srv.stop()


@pytest.fixture
def client(server: BackgroundServer) -> MyUnisoftClient:
    requests.post(server.url + "/_sim/reset", timeout=10).raise_for_status()
    return MyUnisoftClient(server.url, token=TOKEN, secret=SECRET, pacer=TokenPacer(10_000, 10.0))


def _entry(partner_id: str = "GI-t-INV-1", amount: str = "120.00") -> dict:
    return {
        "date_piece": "2024-03-01",
        "etablissement_id": 2123,
        "diary_id": 32170,
        "entry_origin_partner_id": partner_id,
        "entry_list": [
            {"account_id": 1706000, "label": "FA1 Test", "debit": Decimal("0"), "credit": Decimal(amount),
             "deadline": "2024-03-31", "piece2": "FA1", "payment_type_id": -1},
            {"account_id": 1034, "label": "FA1 Test", "debit": Decimal(amount), "credit": Decimal("0"),
             "deadline": "2024-03-31", "piece2": "FA1", "payment_type_id": -1},
        ],
    }  # fmt: skip


def test_reference_reads(client: MyUnisoftClient) -> None:
    info = client.key_info()
    assert info["isActivated"] is True  # the first key/info call activates a new key
    assert client.society()["society_id"] == 2123
    accounts = {a["account_number"]: a for a in client.accounts()}
    assert accounts["512000"]["account_id"] == 1180244 and "706300" not in accounts
    assert {d["code"] for d in client.diaries()} >= {"01", "02", "15"}
    assert {p["code"] for p in client.payment_types()} >= {"VIRT", "CHQ"}
    assert any(not e["closed"] for e in client.exercices())


def test_create_then_find_entry_by_partner_id(client: MyUnisoftClient, server: BackgroundServer) -> None:
    assert client.find_entry("GI-t-INV-1") is None
    entry_id = client.create_entry(_entry())
    assert entry_id is not None
    assert client.find_entry("GI-t-INV-1") == entry_id
    stored = requests.get(server.url + "/_sim/entries", timeout=10).json()
    assert [e["entry_origin_partner_id"] for e in stored] == ["GI-t-INV-1"]
    assert client.write_calls == 1


def test_refused_entry_is_a_data_error_with_its_code(client: MyUnisoftClient) -> None:
    body = _entry()
    body["entry_list"][0]["credit"] = Decimal("100.01")  # unbalanced
    with pytest.raises(DataError) as err:
        client.create_entry(body)
    assert err.value.code == "ECR1" and err.value.status == 400
    assert "request-id req-" in str(err.value)


def test_upsert_account_returns_the_server_number(client: MyUnisoftClient) -> None:
    created = client.upsert_account("411GARAGE", "GARAGE MARTIN")
    again = client.upsert_account("411GARAGE", "GARAGE MARTIN")
    assert created["account_id"] == again["account_id"] and created["account_number"] == "411GARAGE"
    assert client.upsert_account("251", "Titres")["account_number"] == "251000"  # padded by the server


@pytest.mark.parametrize(
    ("token", "secret", "code"),
    [
        ("wrong-token-000", SECRET, "ERR-API-TOKEN-NOT-FOUND"),
        (TOKEN, "wrong-secret-000", "ERR-INVALID-SECRET"),
    ],
)
def test_auth_errors_stop_the_dossier_and_never_show_credentials(
    server: BackgroundServer, token: str, secret: str, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    """B21 (client side): the error names the code and the fix, never the token or the secret."""
    caplog.set_level(logging.DEBUG)
    bad = MyUnisoftClient(server.url, token=token, secret=secret, pacer=TokenPacer(10_000, 10.0))
    with pytest.raises(ConfigError) as err:
        bad.society()
    text = f"{err.value} {err.value!r} {bad!r} {caplog.text}"
    assert err.value.code == code and "401" in str(err.value)
    for credential in (token, secret, TOKEN, SECRET):
        assert credential not in text


def test_missing_credentials_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="x_third_party_secret"):
        MyUnisoftClient("http://127.0.0.1:9", token="t", secret="")


def test_429_is_waited_out_and_the_call_repeated() -> None:
    """A 429 is retried after the window resets, even for a write (the server did not process it)."""
    srv = start_background(create_app(default_state(), token=TOKEN, secret=SECRET, rate_limit=3, window=1.0))
    try:
        client = MyUnisoftClient(srv.url, token=TOKEN, secret=SECRET, pacer=TokenPacer(1000, 1.0))
        headers = {"X-Third-Party-Secret": SECRET, "Authorization": f"Bearer {TOKEN}"}
        for _ in range(3):  # another process of the same token used up the window
            requests.get(srv.url + "/api/v1/society", headers=headers, timeout=10)
        started = dt.datetime.now()
        ids = [client.create_entry(_entry(f"GI-t-INV-{i}")) for i in range(5)]
        assert all(ids) and len(set(ids)) == 5
        assert client.pacer.throttled >= 1
        assert (dt.datetime.now() - started).total_seconds() >= 0.5
        calls = requests.get(srv.url + "/_sim/calls", timeout=10).json()
        assert calls["writes"]["POST /api/v1/entry"] <= 5 + client.pacer.throttled
        assert len(requests.get(srv.url + "/_sim/entries", timeout=10).json()) == 5  # no duplicate
    finally:
        srv.stop()


def test_pacer_keeps_under_the_budget_without_any_429() -> None:
    srv = start_background(create_app(default_state(), token=TOKEN, secret=SECRET, rate_limit=5, window=1.0))
    try:
        client = MyUnisoftClient(srv.url, token=TOKEN, secret=SECRET, pacer=TokenPacer(5, 1.0))
        for _ in range(12):
            client.society()
        assert client.pacer.throttled == 0
        assert client.pacer.waited_seconds > 0
    finally:
        srv.stop()
