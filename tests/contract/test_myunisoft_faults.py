"""MyUnisoft simulator over real HTTP: access types, revocation, maintenance, concurrency, fault injection.

Each fault kind is pinned by what a client sees on the wire (status, ``error.code``, headers, a dropped
socket) and by what the simulator did (entries stored, ``/_sim/calls`` counters).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import requests
from fastapi import FastAPI

import gisync.simulator.server as server_module
from gisync.jsonutil import dumps, loads
from gisync.simulator.myunisoft import main
from gisync.simulator.myunisoft.app import create_app
from gisync.simulator.myunisoft.default_state import default_state
from gisync.simulator.server import BackgroundServer, start_background

SECRET, TOKEN, FIRM_TOKEN = "gisync-demo-secret", "gisync-demo-token", "gisync-demo-firm-token"
HEADERS = {"X-Third-Party-Secret": SECRET, "Authorization": f"Bearer {TOKEN}"}
FIRM = {"X-Third-Party-Secret": SECRET, "Authorization": f"Bearer {FIRM_TOKEN}"}
ENTRY = "POST /api/v1/entry"
RATE_HEADERS = ("X-Rate-Limit-Total", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")


@dataclass
class Sim:
    app: FastAPI
    server: BackgroundServer

    def call(self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
             timeout: float = 5, **params: Any) -> requests.Response:  # fmt: skip
        sent = dict(HEADERS if headers is None else headers)
        data = None if body is None else dumps(body)
        if data is not None:
            sent["Content-Type"] = "application/json"
        url = f"{self.server.url}/api/v1/{path}"
        return requests.request(method, url, data=data, headers=sent, params=params, timeout=timeout)

    def post_entry(self, partner_id: str = "gisync-f-1", **kwargs: Any) -> requests.Response:
        return self.call("POST", "entry", body=sale_entry(partner_id), type="e", **kwargs)

    def control(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        data = None if body is None else dumps(body)
        response = requests.request(method, f"{self.server.url}/_sim/{path}", data=data, timeout=5)
        assert response.status_code == status, response.text
        return loads(response.content)

    def entries(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.control("GET", "entries")
        return result


def start(**options: Any) -> Sim:
    app = create_app(default_state(), **options)
    return Sim(app=app, server=start_background(app))


@pytest.fixture(scope="module")
def sim() -> Iterator[Sim]:
    running = start(rate_limit=100_000, firm_token=FIRM_TOKEN)
    yield running
    running.server.stop()


@pytest.fixture(autouse=True)
def _reset(sim: Sim) -> None:
    sim.control("POST", "reset")


def sale_entry(partner_id: str) -> dict[str, Any]:
    line = {"deadline": "2023-12-15", "piece2": "F2023001"}
    return {
        "date_piece": "2023-11-15",
        "etablissement_id": 2123,
        "diary_id": 32170,
        "entry_origin_partner_id": partner_id,
        "entry_list": [
            {"account_id": 1706000, "label": "Honoraires", "debit": 0, "credit": Decimal("100.00"), **line},
            {"account_id": 1034, "label": "Contrepartie", "debit": Decimal("100.00"), "credit": 0, **line},
        ],
    }


def code_of(response: requests.Response) -> str:
    return str(response.json()["error"]["code"])


def assert_api_headers(response: requests.Response) -> None:
    assert response.headers["request-id"].startswith("req-")
    for name in RATE_HEADERS:
        assert name in response.headers


# --- access types --------------------------------------------------------------------------------


def test_firm_token_needs_society_id_on_folder_routes(sim: Sim) -> None:
    missing = sim.call("GET", "diary", headers=FIRM)
    assert missing.status_code == 400 and code_of(missing) == "GBL1"
    assert_api_headers(missing)
    other = sim.call("GET", "diary", headers=FIRM | {"society-id": "9999"})
    assert other.status_code == 404 and code_of(other) == "ERR-FOLDER-NOT-FOUND"
    ok = sim.call("GET", "diary", headers=FIRM | {"Society-id": "2123"})  # header names are case-insensitive
    assert ok.status_code == 200 and any(d["code"] == "02" for d in ok.json())
    created = sim.post_entry(headers=FIRM | {"society-id": "2123"})
    assert created.status_code == 200, created.text
    refused = sim.post_entry("gisync-f-2", headers=FIRM)
    assert refused.status_code == 400 and code_of(refused) == "GBL1"
    assert [e["entry_origin_partner_id"] for e in sim.entries()] == ["gisync-f-1"]
    assert sim.control("GET", "calls")["refused"] == {"GBL1": 2, "ERR-FOLDER-NOT-FOUND": 1}


def test_key_info_reports_the_access_type(sim: Sim) -> None:
    society = sim.call("GET", "key/info", mode="extended").json()
    firm = sim.call("GET", "key/info", mode="extended", headers=FIRM).json()  # no society-id needed here
    assert society["target"]["type"] == "api" and society["target"]["societyId"] == 2123
    assert firm["target"]["type"] == "firm" and firm["target"]["societyId"] is None
    assert firm["routes"] == society["routes"]
    assert sim.call("GET", "key/info", headers=FIRM).json() == society["routes"]


def test_society_route_with_firm_token(sim: Sim) -> None:
    listed = sim.call("GET", "society", headers=FIRM)
    assert listed.status_code == 200
    assert [s["society_id"] for s in listed.json()] == [2123]
    one = sim.call("GET", "society", headers=FIRM | {"society-id": "2123"}).json()
    assert one == sim.call("GET", "society").json() and one["society_id"] == 2123


def test_society_token_ignores_society_id_and_firm_token_is_off_by_default(sim: Sim) -> None:
    assert sim.call("GET", "society", headers=HEADERS | {"society-id": "9999"}).status_code == 200
    plain = start()
    try:
        refused = plain.call("GET", "society", headers=FIRM | {"society-id": "2123"})
        assert refused.status_code == 401 and code_of(refused) == "ERR-API-TOKEN-NOT-FOUND"
    finally:
        plain.server.stop()


def test_revoked_token_by_control_route(sim: Sim) -> None:
    assert sim.control("POST", "revoke", {"token": FIRM_TOKEN}) == {"revoked": 1}
    refused = sim.call("GET", "society", headers=FIRM | {"society-id": "2123"})
    assert refused.status_code == 401 and code_of(refused) == "ERR-API-TOKEN-NOT-FOUND"
    assert_api_headers(refused)
    assert sim.call("GET", "society").status_code == 200  # the society token still works
    sim.control("POST", "revoke", {"token": FIRM_TOKEN, "revoked": False})
    assert sim.call("GET", "society", headers=FIRM | {"society-id": "2123"}).status_code == 200
    sim.control("POST", "revoke", {"token": TOKEN})
    assert code_of(sim.call("GET", "society")) == "ERR-API-TOKEN-NOT-FOUND"
    sim.control("POST", "reset")
    assert sim.call("GET", "society").status_code == 200
    sim.control("POST", "revoke", {"nope": 1}, status=400)


def test_revoked_token_option_survives_reset() -> None:
    revoked = start(revoked_tokens=[TOKEN])
    try:
        assert code_of(revoked.call("GET", "society")) == "ERR-API-TOKEN-NOT-FOUND"
        revoked.control("POST", "revoke", {"token": TOKEN, "revoked": False})
        assert revoked.call("GET", "society").status_code == 200
        revoked.control("POST", "reset")
        assert revoked.call("GET", "society").status_code == 401
    finally:
        revoked.server.stop()


def test_known_short_token_is_not_malformed() -> None:
    """The malformed-JWT check applies to unknown tokens only: a configured short token keeps working."""
    short = start(token="t0k")
    try:
        assert short.call("GET", "society", headers={"X-Third-Party-Secret": SECRET, "Authorization": "Bearer t0k"}).ok
        malformed = short.call("GET", "society", headers={"X-Third-Party-Secret": SECRET, "Authorization": "Bearer t0"})
        assert malformed.status_code == 401 and code_of(malformed) == "ERR-INVALID-JWT"
    finally:
        short.server.stop()


def test_forbidden_route_when_removed_from_key_info(sim: Sim) -> None:
    info = sim.control("GET", "state")["key_info"]
    info["routes"] = [r for r in info["routes"] if (r["method"], r["path"]) != ("post", "/api/v1/entry")]
    sim.control("PATCH", "state", {"key_info": info})
    refused = sim.post_entry()
    assert refused.status_code == 403 and code_of(refused) == "ERR-FORBIDDEN-ROUTE"
    assert_api_headers(refused)
    assert sim.entries() == []
    assert sim.call("GET", "society").status_code == 200
    assert code_of(sim.call("GET", "no/such/route")) == "ERR-ROUTE-NOT-FOUND"  # unknown routes stay 404
    assert sim.control("GET", "calls")["writes"] == {ENTRY: 1}


# --- maintenance ---------------------------------------------------------------------------------


def test_maintenance_switch(sim: Sim) -> None:
    assert sim.control("POST", "maintenance", {"enabled": True}) == {"maintenance": True}
    for response in (sim.call("GET", "society"), sim.post_entry(), sim.call("GET", "society", headers={})):
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "ERR-API-UNDER-MAINTENANCE"
        assert response.json()["error"]["details"] == ""
        assert_api_headers(response)
    assert requests.get(f"{sim.server.url}/api/partners/health", timeout=5).status_code == 200
    assert sim.entries() == []
    assert sim.control("GET", "maintenance") == {"maintenance": True}
    sim.control("POST", "maintenance", {"enabled": False})
    assert sim.call("GET", "society").status_code == 200
    assert sim.control("GET", "calls")["refused"] == {"ERR-API-UNDER-MAINTENANCE": 3}
    sim.control("POST", "maintenance", {}, status=400)


def test_maintenance_option_restored_by_reset() -> None:
    down = start(maintenance=True)
    try:
        assert code_of(down.call("GET", "society")) == "ERR-API-UNDER-MAINTENANCE"
        down.control("POST", "maintenance", {"enabled": False})
        assert down.call("GET", "society").status_code == 200
        down.control("POST", "reset")
        assert down.call("GET", "society").status_code == 503
    finally:
        down.server.stop()


# --- concurrency and rate observation --------------------------------------------------------------


def _parallel(calls: list[Any]) -> list[requests.Response]:
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> requests.Response:
        barrier.wait()
        result: requests.Response = call()
        return result

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_at_most_ten_concurrent_calls_per_route(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "latency", "route": "GET /society", "count": 12, "delay": 0.5})
    responses = _parallel([lambda: sim.call("GET", "society") for _ in range(12)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [429] * 2
    for refused in (r for r in responses if r.status_code == 429):
        assert code_of(refused) == "ERR-TOO-MANY-CONCURRENT-REQUESTS"
        assert refused.headers["X-Rate-Limit-Total"] == "100000"
        assert_api_headers(refused)
    calls = sim.control("GET", "calls")
    assert calls["max_in_flight"] == {"GET /api/v1/society": 10}
    assert calls["refused"] == {"ERR-TOO-MANY-CONCURRENT-REQUESTS": 2}
    assert calls["faults_fired"] == {"latency": 10}
    assert calls["reads"] == {"GET /api/v1/society": 12}
    assert sim.control("GET", "faults")[0]["count"] == 2  # refused calls never reach the fault
    assert sim.call("GET", "society").status_code == 200  # the slots were released


def test_concurrency_is_per_token_and_per_route() -> None:
    tight = start(firm_token=FIRM_TOKEN, max_concurrent=1, faults=[{"kind": "latency", "count": 9, "delay": 0.4}])
    try:
        firm = FIRM | {"society-id": "2123"}
        responses = _parallel(
            [
                lambda: tight.call("GET", "society"),
                lambda: tight.call("GET", "society"),
                lambda: tight.call("GET", "society", headers=firm),
                lambda: tight.call("GET", "diary"),
            ]
        )
        assert sorted(r.status_code for r in responses) == [200, 200, 200, 429]
        assert [code_of(r) for r in responses if r.status_code == 429] == ["ERR-TOO-MANY-CONCURRENT-REQUESTS"]
        assert tight.control("GET", "calls")["max_in_flight"] == {"GET /api/v1/society": 1, "GET /api/v1/diary": 1}
    finally:
        tight.server.stop()


def test_sliding_window_rate_observation() -> None:
    watched = start(rate_limit=100_000, window=0.5)
    try:
        for _ in range(3):
            watched.call("GET", "society")
        time.sleep(0.6)  # the first three leave the window
        for _ in range(2):
            watched.call("GET", "society")
        rate = watched.control("GET", "calls")["rate"]
        assert rate == {"window": 0.5, "max_calls_in_any_window": 3, "max_admitted_in_any_window": 3}
        for _ in range(2):
            watched.call("GET", "society")
        assert watched.control("GET", "calls")["rate"]["max_calls_in_any_window"] == 4
        stranger = {"X-Third-Party-Secret": SECRET, "Authorization": "Bearer stranger-token-1"}
        for _ in range(6):  # another (unknown) token: its own window; refused calls still counted
            watched.call("GET", "society", headers=stranger)
        for _ in range(8):  # no token at all: not "calls of one token"
            watched.call("GET", "society", headers={})
        rate = watched.control("GET", "calls")["rate"]
        assert (rate["max_calls_in_any_window"], rate["max_admitted_in_any_window"]) == (6, 4)
        watched.control("POST", "reset")
        assert watched.control("GET", "calls")["rate"]["max_calls_in_any_window"] == 0
    finally:
        watched.server.stop()


# --- faults: error answers -----------------------------------------------------------------------


def test_fault_429(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "429", "route": ENTRY})
    refused = sim.post_entry()
    assert refused.status_code == 429 and code_of(refused) == "ERR-TOO-MANY-REQUEST"
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    assert refused.headers["X-Rate-Limit-Total"] == "100000"
    assert 0.05 < float(refused.headers["X-Rate-Limit-Reset"]) - time.time() <= 0.3
    assert sim.entries() == []
    assert sim.post_entry().status_code == 200  # count 1: the next call goes through
    assert len(sim.entries()) == 1
    calls = sim.control("GET", "calls")
    assert calls["writes"] == {ENTRY: 2} and calls["faults_fired"] == {"429": 1}


def test_fault_429_html(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "429_html"})
    refused = sim.call("GET", "society")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert refused.text == "<html>Too Many Requests</html>"
    assert "request-id" not in refused.headers
    assert not any(name in refused.headers for name in RATE_HEADERS)
    with pytest.raises(ValueError):
        refused.json()


def test_fault_503(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "503", "route": ENTRY})
    response = sim.post_entry()
    assert response.status_code == 503
    assert response.json()["error"] == {
        "code": "ERR-API-UNDER-MAINTENANCE",
        "message": response.json()["error"]["message"],
        "details": "",
    }
    assert_api_headers(response)
    assert sim.entries() == []


def test_fault_500(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "500", "route": ENTRY})
    response = sim.post_entry()
    assert response.status_code == 500 and code_of(response) == "ERR-INTERNAL"
    assert response.json()["error"]["details"]["requestId"] == response.headers["request-id"]
    assert sim.entries() == []


def test_fault_401_invalid_api_jwt_and_code_override(sim: Sim) -> None:
    sim.control("POST", "faults", [{"kind": "401"}, {"kind": "500", "code": "ERR-HTTP"}])
    first, second = sim.call("GET", "society"), sim.call("GET", "society")
    assert (first.status_code, code_of(first)) == (401, "ERR-INVALID-API-JWT")
    assert (second.status_code, code_of(second)) == (500, "ERR-HTTP")


def test_fault_non_json(sim: Sim) -> None:
    sim.control("POST", "faults", [{"kind": "non_json", "route": ENTRY}, {"kind": "non_json", "status": 200}])
    bad_gateway = sim.post_entry()
    assert bad_gateway.status_code == 502 and bad_gateway.headers["content-type"].startswith("text/plain")
    with pytest.raises(ValueError):
        bad_gateway.json()
    assert "request-id" not in bad_gateway.headers
    assert sim.entries() == []
    fake_ok = sim.call("GET", "society")
    assert fake_ok.status_code == 200
    with pytest.raises(ValueError):
        fake_ok.json()


# --- faults: slow, dropped and timed-out calls ---------------------------------------------------------


def test_fault_latency(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "latency", "route": "GET /society", "delay": 0.4})
    started = time.monotonic()
    other = sim.call("GET", "diary")  # another route: not delayed, fault kept
    assert time.monotonic() - started < 0.3 and other.status_code == 200
    slow = sim.call("GET", "society")
    assert time.monotonic() - started >= 0.4
    assert slow.status_code == 200 and slow.json()["society_id"] == 2123
    assert_api_headers(slow)
    assert sim.control("GET", "faults") == []


def test_fault_commit_then_drop(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "commit_then_drop", "route": "POST /entry"})
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        sim.post_entry("gisync-drop-1")
    stored = sim.entries()
    assert [e["entry_origin_partner_id"] for e in stored] == ["gisync-drop-1"]  # stored exactly once
    lookup = sim.call("GET", "entry/id", id_origin="gisync-drop-1")
    assert lookup.status_code == 200 and lookup.json()["id_entry"] == stored[0]["entry_id"]
    calls = sim.control("GET", "calls")
    assert calls["writes"] == {ENTRY: 1} and calls["faults_fired"] == {"commit_then_drop": 1}
    assert sim.post_entry("gisync-drop-2").status_code == 200  # the server keeps serving
    assert len(sim.entries()) == 2


def test_fault_timeout_writes_after_the_sleep(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "timeout", "route": ENTRY, "delay": 0.6})
    with pytest.raises(requests.exceptions.ReadTimeout):
        sim.post_entry("gisync-late-1", timeout=0.2)
    assert sim.entries() == []  # still sleeping: nothing written yet
    deadline = time.monotonic() + 3
    while not sim.entries() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [e["entry_origin_partner_id"] for e in sim.entries()] == ["gisync-late-1"]


def test_fault_timeout_commit_before(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "timeout", "route": ENTRY, "delay": 0.5, "commit": "before"})
    with pytest.raises(requests.exceptions.ReadTimeout):
        sim.post_entry("gisync-early-1", timeout=0.25)
    assert [e["entry_origin_partner_id"] for e in sim.entries()] == ["gisync-early-1"]


def test_fault_timeout_answers_a_patient_client(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "timeout", "route": ENTRY, "delay": 0.3})
    started = time.monotonic()
    response = sim.post_entry(timeout=3)
    assert response.status_code == 200 and time.monotonic() - started >= 0.3
    assert len(sim.entries()) == 1


# --- fault queue ---------------------------------------------------------------------------------


def test_faults_fire_in_order_on_matching_routes_then_expire(sim: Sim) -> None:
    armed = sim.control("POST", "faults", [{"kind": "429_html", "route": ENTRY}, {"kind": "503", "count": 2}])
    assert [(f["kind"], f["route"], f["count"]) for f in armed] == [("429_html", ENTRY, 1), ("503", "*", 2)]
    society = sim.call("GET", "society")  # the first fault is for POST entry; "*" matches
    assert society.status_code == 503
    statuses = [sim.post_entry().status_code for _ in range(3)]
    assert statuses == [429, 503, 200]
    assert sim.control("GET", "faults") == []
    calls = sim.control("GET", "calls")
    assert calls["faults_fired"] == {"429_html": 1, "503": 2}
    assert calls["writes"] == {ENTRY: 3} and calls["reads"] == {"GET /api/v1/society": 1}


def test_delete_faults_and_reset(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "500", "count": 5})
    assert len(sim.control("GET", "faults")) == 1
    assert sim.control("DELETE", "faults") == []
    assert sim.call("GET", "society").status_code == 200
    sim.control("POST", "faults", {"kind": "500"})
    sim.control("POST", "reset")
    assert sim.control("GET", "faults") == []
    assert sim.call("GET", "society").status_code == 200


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "boom"},
        {"kind": "429", "count": 0},
        {"kind": "latency", "delay": -1},
        {"kind": "timeout", "commit": "never"},
        {"kind": "500", "route": "entry"},
        {"kind": "500", "when": "now"},
        [{"kind": "500"}, "x"],
    ],
)
def test_invalid_fault_is_refused(sim: Sim, fault: Any) -> None:
    refused = requests.post(f"{sim.server.url}/_sim/faults", data=dumps(fault), timeout=5)
    assert refused.status_code == 400 and code_of(refused) == "GBL10"
    assert sim.control("GET", "faults") == []
    with pytest.raises(ValueError):
        create_app(default_state(), faults=fault if isinstance(fault, list) else [fault])


def test_faults_option_armed_at_start_and_rearmed_by_reset() -> None:
    faulty = start(faults=[{"kind": "500", "route": "GET /api/v1/society"}])
    try:
        assert faulty.control("GET", "faults")[0]["route"] == "GET /api/v1/society"
        assert faulty.call("GET", "society").status_code == 500
        assert faulty.call("GET", "society").status_code == 200
        faulty.control("POST", "reset")
        assert faulty.control("GET", "calls")["faults_fired"] == {}
        assert faulty.call("GET", "society").status_code == 500
    finally:
        faulty.server.stop()


def test_fault_needs_an_authenticated_call(sim: Sim) -> None:
    sim.control("POST", "faults", {"kind": "500"})
    assert code_of(sim.call("GET", "society", headers={})) == "ERR-SECRET-HEADER-NOT-SET"
    assert sim.call("GET", "society").status_code == 500


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[FastAPI] = []
    monkeypatch.setattr(server_module, "serve_forever", lambda app, port, host="127.0.0.1": served.append(app))
    main(
        [
            "--firm-token", FIRM_TOKEN, "--max-concurrent", "3", "--maintenance", "--revoked-token", "old-token-1",
            "--fault", "commit_then_drop:POST /api/v1/entry:2", "--fault", "latency:*:1:0.25", "--fault", "429",
        ]
    )  # fmt: skip
    runtime = served[-1].state.runtime
    assert runtime.is_maintenance() and runtime.in_flight.limit == 3
    assert [(f["kind"], f["route"], f["count"], f["delay"]) for f in runtime.faults.pending()] == [
        ("commit_then_drop", ENTRY, 2, 0.0),
        ("latency", "*", 1, 0.25),
        ("429", "*", 1, 0.0),
    ]
    main([])
    runtime = served[-1].state.runtime
    assert not runtime.is_maintenance() and runtime.in_flight.limit == 10 and runtime.faults.pending() == []
    with pytest.raises(SystemExit):
        main(["--fault", "explode"])


def test_cli_firm_token_and_revocation_over_http(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[FastAPI] = []
    monkeypatch.setattr(server_module, "serve_forever", lambda app, port, host="127.0.0.1": served.append(app))
    main(["--firm-token", FIRM_TOKEN, "--revoked-token", TOKEN])
    running = Sim(app=served[-1], server=start_background(served[-1]))
    try:
        assert running.call("GET", "society", headers=FIRM | {"society-id": "2123"}).status_code == 200
        assert code_of(running.call("GET", "society")) == "ERR-API-TOKEN-NOT-FOUND"
    finally:
        running.server.stop()
