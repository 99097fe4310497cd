"""The GI simulator is the reference of gi/CONTRACT.md: these tests pin the contract over real HTTP
(auth, pagination with a stable order and an exact total, inclusive filters, limit bounds)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from gisync import jsonutil
from gisync.simulator.demo_firm import generate
from gisync.simulator.gi import DEFAULT_TOKEN, create_app
from gisync.simulator.server import BackgroundServer, start_background

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
DATA = generate()


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    srv = start_background(create_app(copy.deepcopy(DATA)))
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _reset(server: BackgroundServer) -> None:
    requests.put(f"{server.url}/_sim/dataset", data=jsonutil.dumps(DATA), timeout=10).raise_for_status()


def get(server: BackgroundServer, path: str, **params: Any) -> requests.Response:
    return requests.get(f"{server.url}/api/v1/{path}", params=params, headers=AUTH, timeout=10)


def read_all(server: BackgroundServer, path: str, limit: int, **params: Any) -> tuple[list[dict[str, Any]], int]:
    records: list[dict[str, Any]] = []
    cursor = None
    totals = set()
    while True:
        body = jsonutil.loads(get(server, path, limit=limit, cursor=cursor, **params).content)
        totals.add(body["total"])
        assert len(body["data"]) <= limit
        records.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(totals) == 1
    return records, totals.pop()


@pytest.mark.parametrize("resource", ["clients", "suppliers", "invoices", "payments", "purchases"])
def test_pagination_reads_each_record_once_in_stable_order(server: BackgroundServer, resource: str) -> None:
    records, total = read_all(server, resource, limit=17)
    assert total == len(DATA[resource]) == len(records)
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    if resource in ("clients", "suppliers"):
        assert ids == sorted(ids)
    else:
        assert [(r["date"], r["id"]) for r in records] == sorted((r["date"], r["id"]) for r in records)


def test_records_served_unchanged_with_amount_strings(server: BackgroundServer) -> None:
    body = get(server, "invoices", limit=1000).json()
    assert body["next_cursor"] is None
    assert {i["id"]: i for i in body["data"]} == {i["id"]: i for i in DATA["invoices"]}
    assert isinstance(body["data"][0]["total_ttc"], str)


def test_payment_modes_and_settings(server: BackgroundServer) -> None:
    body = get(server, "payment-modes").json()
    assert {m["code"] for m in body["data"]} == {"VIR", "CHQ", "CB", "PRLV", "ESP", "PAYPAL"}
    assert body["total"] == 6
    assert get(server, "settings/accounting").json() == DATA["settings"]


def test_date_filters_are_inclusive(server: BackgroundServer) -> None:
    day = DATA["invoices"][40]["date"]
    expected = [i["id"] for i in DATA["invoices"] if i["date"] >= day]
    records, total = read_all(server, "invoices", limit=50, date_from=day)
    assert [r["id"] for r in records] == expected and total == len(expected)
    records, total = read_all(server, "invoices", limit=50, date_from=day, date_to=day)
    assert {r["date"] for r in records} == {day} and total == sum(1 for i in DATA["invoices"] if i["date"] == day)
    records, _ = read_all(server, "purchases", limit=500, date_to="2023-12-31")
    assert len(records) == sum(1 for p in DATA["purchases"] if p["date"] <= "2023-12-31")


def test_party_filters(server: BackgroundServer) -> None:
    client_id = DATA["clients"][0]["id"]
    records, total = read_all(server, "invoices", limit=5, client_id=client_id)
    assert total == sum(1 for i in DATA["invoices"] if i["client_id"] == client_id) == len(records) > 0
    supplier_id = DATA["suppliers"][2]["id"]
    records, _ = read_all(server, "purchases", limit=5, supplier_id=supplier_id)
    assert {r["supplier_id"] for r in records} == {supplier_id}
    records, _ = read_all(server, "payments", limit=5, client_id=client_id)
    assert {r["client_id"] for r in records} == {client_id}


def test_updated_since(server: BackgroundServer) -> None:
    since = "2024-09-01T00:00:00+02:00"
    records, _ = read_all(server, "invoices", limit=100, updated_since=since)
    assert records and all(r["updated_at"] >= "2024-09-01" for r in records)
    assert len(records) == sum(1 for i in DATA["invoices"] if i["updated_at"] >= "2024-09-01T00")


def test_payments_filters(server: BackgroundServer) -> None:
    invoice_days = {i["id"]: i["date"] for i in DATA["invoices"]}
    floor = "2024-03-01"
    expected = [
        p["id"] for p in DATA["payments"] if any(invoice_days[a["invoice_id"]] >= floor for a in p["allocations"])
    ]
    records, total = read_all(server, "payments", limit=40, invoice_date_from=floor)
    assert [r["id"] for r in records] == expected and total == len(expected)
    records, _ = read_all(server, "payments", limit=40, date_from=floor)
    assert all(r["date"] >= floor for r in records)
    assert len(records) == sum(1 for p in DATA["payments"] if p["date"] >= floor)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": DEFAULT_TOKEN}])
def test_auth_required(server: BackgroundServer, headers: dict[str, str]) -> None:
    for path in ("clients", "invoices", "settings/accounting"):
        response = requests.get(f"{server.url}/api/v1/{path}", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert DEFAULT_TOKEN not in response.text


@pytest.mark.parametrize("limit", [0, 1001, -5, "ten"])
def test_limit_bounds(server: BackgroundServer, limit: Any) -> None:
    response = get(server, "clients", limit=limit)
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message"}


def test_limit_edges_and_default(server: BackgroundServer) -> None:
    assert len(get(server, "invoices", limit=1).json()["data"]) == 1
    assert len(get(server, "invoices", limit=1000).json()["data"]) == len(DATA["invoices"])
    assert len(get(server, "invoices").json()["data"]) == 100


def test_bad_cursor_date_and_unknown_filter(server: BackgroundServer) -> None:
    assert get(server, "invoices", cursor="!!garbage").status_code == 400
    assert get(server, "invoices", date_from="01/02/2024").status_code == 400
    assert get(server, "invoices", supplier_id="2001").status_code == 400


def test_control_routes_replace_dataset_and_count_calls(server: BackgroundServer) -> None:
    small = copy.deepcopy(DATA)
    small["invoices"] = DATA["invoices"][:3]
    answer = requests.put(f"{server.url}/_sim/dataset", data=jsonutil.dumps(small), timeout=10)
    assert answer.json()["invoices"] == 3
    requests.delete(f"{server.url}/_sim/calls", timeout=10)
    body = get(server, "invoices").json()
    assert body["total"] == 3 and body["next_cursor"] is None
    assert requests.get(f"{server.url}/_sim/dataset", timeout=10).json()["invoices"] == small["invoices"]
    assert requests.get(f"{server.url}/_sim/calls", timeout=10).json() == {"GET /api/v1/invoices": 1}


def test_openapi_served(server: BackgroundServer) -> None:
    doc = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    assert {"/api/v1/invoices", "/api/v1/payments", "/api/v1/settings/accounting", "/api/v1/payment-modes"} <= set(
        doc["paths"]
    )
    assert not any(path.startswith("/_sim") for path in doc["paths"])
