"""The REST source over real HTTP: it reads everything, sends the contract's filters, and refuses to
return a partial extraction (repeated page, short read) or to leak the token."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import requests
from fastapi import FastAPI

from gisync import jsonutil
from gisync.errors import ConfigError, GiExtractionError
from gisync.gi.rest import GiRestClient
from gisync.simulator.demo_firm import generate
from gisync.simulator.gi import DEFAULT_TOKEN, create_app
from gisync.simulator.server import BackgroundServer, start_background

DATA = generate()


@pytest.fixture(scope="module")
def gi() -> Iterator[BackgroundServer]:
    srv = start_background(create_app(copy.deepcopy(DATA)))
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _reset(gi: BackgroundServer) -> None:
    requests.put(f"{gi.url}/_sim/dataset", data=jsonutil.dumps(DATA), timeout=10).raise_for_status()
    requests.delete(f"{gi.url}/_sim/calls", timeout=10).raise_for_status()


def client(gi: BackgroundServer, **kwargs: Any) -> GiRestClient:
    return GiRestClient(gi.url, DEFAULT_TOKEN, **kwargs)


def test_reads_everything_across_many_pages(gi: BackgroundServer) -> None:
    invoices = client(gi, page_size=7).list("invoices")
    assert [i["id"] for i in invoices] == [i["id"] for i in DATA["invoices"]]
    calls = requests.get(f"{gi.url}/_sim/calls", timeout=10).json()
    assert calls["GET /api/v1/invoices"] == -(-len(DATA["invoices"]) // 7)
    first = invoices[0]
    assert isinstance(first["total_ttc"], str)  # served as strings, kept as the GI sent them
    for resource in ("clients", "suppliers", "payments", "purchases"):
        assert len(client(gi, page_size=9).list(resource)) == len(DATA[resource])
    modes = client(gi, page_size=4).list("payment_modes")
    assert [m["code"] for m in modes] == sorted(m["code"] for m in DATA["payment_modes"])


def test_base_url_with_api_path_and_settings(gi: BackgroundServer) -> None:
    gi_client = GiRestClient(gi.url + "/api/v1/", DEFAULT_TOKEN)
    assert gi_client.settings() == DATA["settings"]
    assert DEFAULT_TOKEN not in repr(gi_client)


def test_numbers_are_decoded_as_decimal(gi: BackgroundServer) -> None:
    numeric = copy.deepcopy(DATA)
    numeric["payments"] = numeric["payments"][:2]
    numeric["payments"][0]["amount"] = Decimal("10.10")
    requests.put(f"{gi.url}/_sim/dataset", data=jsonutil.dumps(numeric), timeout=10).raise_for_status()
    payments = client(gi).list("payments")
    assert payments[0]["amount"] == Decimal("10.10") and isinstance(payments[0]["amount"], Decimal)


def test_date_from_is_inclusive(gi: BackgroundServer) -> None:
    day = DATA["invoices"][60]["date"]
    got = client(gi, page_size=25).list("invoices", date_from=date.fromisoformat(day))
    assert [i["id"] for i in got] == [i["id"] for i in DATA["invoices"] if i["date"] >= day]
    assert got[0]["date"] == day
    # A date-time is reduced to its own calendar date, not shifted to UTC.
    late = datetime.fromisoformat(f"{day}T23:30:00+02:00")
    assert client(gi).list("invoices", date_from=late, date_to=late) == [i for i in got if i["date"] == day]


def test_filters_on_payments_and_purchases(gi: BackgroundServer) -> None:
    invoice_days = {i["id"]: i["date"] for i in DATA["invoices"]}
    got = client(gi, page_size=10).list("payments", invoice_date_from=date(2024, 6, 1))
    expected = [
        p["id"]
        for p in DATA["payments"]
        if any(invoice_days[a["invoice_id"]] >= "2024-06-01" for a in p["allocations"])
    ]
    assert [p["id"] for p in got] == expected
    supplier = DATA["suppliers"][0]["id"]
    purchases = client(gi).list("purchases", supplier_id=supplier, date_to="2024-01-31", client_id=None)
    assert purchases and {p["supplier_id"] for p in purchases} == {supplier}
    assert all(p["date"] <= "2024-01-31" for p in purchases)
    since = datetime(2024, 9, 1, tzinfo=timezone(timedelta(hours=2)))
    recent = client(gi).list("invoices", updated_since=since)
    assert recent and all(i["updated_at"] >= "2024-09-01" for i in recent)


def test_wrong_token_is_a_config_error_without_the_token(gi: BackgroundServer) -> None:
    secret = "s3cr3t-wrong-token"
    with pytest.raises(ConfigError) as caught:
        GiRestClient(gi.url, secret).list("invoices")
    assert "rejected the token" in str(caught.value)
    assert secret not in str(caught.value) and caught.value.status == 401
    with pytest.raises(ConfigError):
        GiRestClient(gi.url, secret).settings()


def test_other_http_errors_name_the_resource_and_status(gi: BackgroundServer) -> None:
    with pytest.raises(ConfigError) as caught:
        client(gi).list("widgets")
    assert "widgets" in str(caught.value) and "404" in str(caught.value)
    assert not isinstance(caught.value, GiExtractionError)


def _broken_gi(total: int, pages: list[list[int]], ignore_cursor: bool) -> FastAPI:
    """A GI with a pagination bug: ``pages[i]`` are the record numbers of page ``i``."""
    app = FastAPI()

    @app.get("/api/v1/invoices")
    def invoices(cursor: str | None = None) -> dict[str, Any]:
        index = 0 if ignore_cursor or cursor is None else int(cursor)
        data = [{"id": str(n), "date": "2024-01-01"} for n in pages[index]]
        if ignore_cursor:
            return {"data": data, "next_cursor": "next", "total": total}
        more = index + 1 < len(pages)
        return {"data": data, "next_cursor": str(index + 1) if more else None, "total": total}

    return app


@pytest.fixture
def broken() -> Iterator[Any]:
    servers: list[BackgroundServer] = []

    def start(app: FastAPI) -> BackgroundServer:
        servers.append(start_background(app))
        return servers[-1]

    yield start
    for srv in servers:
        srv.stop()


def test_cursor_ignored_is_a_repeated_page(broken: Any) -> None:
    srv = broken(_broken_gi(25, [list(range(10))], ignore_cursor=True))
    with pytest.raises(GiExtractionError) as caught:
        GiRestClient(srv.url, "t", page_size=10).list("invoices")
    assert "repeated page" in str(caught.value) and "offset 10" in str(caught.value)


def test_short_read_names_both_numbers(broken: Any) -> None:
    srv = broken(_broken_gi(25, [list(range(10)), list(range(10, 20))], ignore_cursor=False))
    with pytest.raises(GiExtractionError) as caught:
        GiRestClient(srv.url, "t", page_size=10).list("invoices")
    assert "25" in str(caught.value) and "20" in str(caught.value)


def test_overlapping_pages_are_deduplicated(broken: Any) -> None:
    srv = broken(_broken_gi(15, [list(range(10)), list(range(5, 15))], ignore_cursor=False))
    got = GiRestClient(srv.url, "t", page_size=10).list("invoices")
    assert [r["id"] for r in got] == [str(n) for n in range(15)]
