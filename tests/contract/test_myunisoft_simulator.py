"""Contract of the MyUnisoft simulator over real HTTP: auth, headers, rate limit, rules, shapes.

The client and the end-to-end tests trust this simulator to behave like API.md says the real
server does; every rule code of §7.1 and §13 is pinned here by breaking one thing in a valid entry.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi import FastAPI

import gisync.simulator.server as server_module
from gisync.jsonutil import dumps, loads, read_file
from gisync.simulator.myunisoft import main
from gisync.simulator.myunisoft.app import create_app
from gisync.simulator.myunisoft.default_state import default_state
from gisync.simulator.server import BackgroundServer, start_background

SECRET = "gisync-demo-secret"
TOKEN = "gisync-demo-token"
HEADERS = {"X-Third-Party-Secret": SECRET, "Authorization": f"Bearer {TOKEN}"}
CUSTOMER = {"account_number": "411DUPONT", "label": "DUPONT SARL"}
CUSTOMER_ID = 2228247  # first fresh id
SALES_DIARY, BANK_DIARY, CASH_DIARY, AN_DIARY, UNTYPED_DIARY = 32170, 32173, 32174, 32178, 37440
REVENUE_706000, VAT_445712, BANK_512000, CLOSED_706900 = 1706000, 1034, 1180244, 1706900
REQUEST_ID = re.compile(r"^req-[0-9a-f]{16}$")
EPOCH_FLOAT = re.compile(r"^\d{10}\.\d{6}$")


@dataclass
class Sim:
    app: FastAPI
    server: BackgroundServer

    @property
    def url(self) -> str:
        return self.server.url

    def call(self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
             **params: Any) -> requests.Response:  # fmt: skip
        """An /api/v1 call; ``body`` is sent through gisync's dumps (Decimals exact) or as-is if text."""
        data = body if isinstance(body, str) or body is None else dumps(body)
        sent = dict(HEADERS if headers is None else headers)
        if data is not None:
            sent["Content-Type"] = "application/json"
        return requests.request(method, f"{self.url}/api/v1/{path}", data=data, headers=sent, params=params, timeout=5)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(
            method, f"{self.url}/_sim/{path}", data=None if body is None else dumps(body), timeout=5
        )
        assert response.status_code == 200, response.text
        return loads(response.content)


def start(**options: Any) -> Sim:
    app = create_app(default_state([CUSTOMER]), **options)
    return Sim(app=app, server=start_background(app))


@pytest.fixture(scope="module")
def sim() -> Iterator[Sim]:
    running = start(rate_limit=100_000)
    yield running
    running.server.stop()


@pytest.fixture(autouse=True)
def _reset(sim: Sim) -> None:
    sim.control("POST", "reset")


def sale_entry() -> dict[str, Any]:
    """A valid sales invoice: 411 debit incl. VAT, 706 + 445712 credit."""
    common = {"deadline": "2023-12-15", "piece2": "F2023001"}
    return {
        "date_piece": "2023-11-15",
        "etablissement_id": 2123,
        "diary_id": SALES_DIARY,
        "entry_origin_partner_id": "gisync-test-1",
        "json": '{"invoice": "F2023001"}',
        "entry_list": [
            {"account_id": CUSTOMER_ID, "label": "Facture F2023001 DUPONT", "debit": Decimal("1200.10"),
             "credit": 0, "payment_type_id": 11094, **common},
            {"account_id": REVENUE_706000, "label": "Honoraires", "debit": 0, "credit": Decimal("1000.08"),
             **common},
            {"account_id": VAT_445712, "label": "TVA 20%", "debit": 0, "credit": Decimal("200.02"), **common},
        ],
    }  # fmt: skip


def error_code(response: requests.Response) -> str:
    return str(response.json()["error"]["code"])


# --- health, auth, headers -------------------------------------------------------------------------


def test_health_needs_no_auth(sim: Sim) -> None:
    response = requests.get(f"{sim.url}/api/partners/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Authorization": f"Bearer {TOKEN}"}, "ERR-SECRET-HEADER-NOT-SET"),
        ({"X-Third-Party-Secret": "wrong", "Authorization": f"Bearer {TOKEN}"}, "ERR-INVALID-SECRET"),
        ({"X-Third-Party-Secret": SECRET}, "ERR-INVALID-AUTH-HEADER"),
        ({"X-Third-Party-Secret": SECRET, "Authorization": TOKEN}, "ERR-INVALID-AUTH-HEADER"),
        ({"X-Third-Party-Secret": SECRET, "Authorization": "Bearer unknown-token-0000"}, "ERR-API-TOKEN-NOT-FOUND"),
        ({"X-Third-Party-Secret": SECRET, "Authorization": "Bearer short"}, "ERR-INVALID-JWT"),
        ({"X-Third-Party-Secret": SECRET, "Authorization": "Bearer two part-token"}, "ERR-INVALID-JWT"),
    ],
)
def test_auth_errors(sim: Sim, headers: dict[str, str], code: str) -> None:
    response = sim.call("GET", "society", headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["details"]["requestId"] == response.headers["request-id"]
    assert error["details"]["method"] == "GET"
    assert error["details"]["url"].endswith("/api/v1/society")


def test_headers_on_every_response(sim: Sim) -> None:
    responses = [
        sim.call("GET", "society"),
        sim.call("GET", "society", headers={}),
        sim.call("POST", "entry", body={}, type="e"),
        sim.call("GET", "entry/id", id_origin="absent"),
        sim.call("GET", "no/such/route"),
    ]
    assert [r.status_code for r in responses] == [200, 401, 400, 404, 404]
    for response in responses:
        assert REQUEST_ID.match(response.headers["request-id"])
        assert response.headers["X-Rate-Limit-Total"] == "100000"
        assert int(response.headers["X-Rate-Limit-Remaining"]) >= 0
        assert EPOCH_FLOAT.match(response.headers["X-Rate-Limit-Reset"])
    assert error_code(responses[-1]) == "ERR-ROUTE-NOT-FOUND"
    assert len({r.headers["request-id"] for r in responses}) == len(responses)


def test_rate_limit_fixed_window() -> None:
    limited = start(rate_limit=3, window=1.0)
    try:
        remaining = [limited.call("GET", "society").headers["X-Rate-Limit-Remaining"] for _ in range(3)]
        assert remaining == ["2", "1", "0"]
        refused = limited.call("GET", "society")
        assert refused.status_code == 429
        assert error_code(refused) == "ERR-TOO-MANY-REQUEST"
        assert refused.headers["X-Rate-Limit-Total"] == "3"
        assert refused.headers["X-Rate-Limit-Remaining"] == "0"
        assert REQUEST_ID.match(refused.headers["request-id"])
        reset = float(refused.headers["X-Rate-Limit-Reset"])
        assert 0 < reset - time.time() <= 1.0
        time.sleep(max(reset - time.time(), 0) + 0.05)
        again = limited.call("GET", "society")
        assert again.status_code == 200
        assert again.headers["X-Rate-Limit-Remaining"] == "2"
        assert limited.control("GET", "calls")["reads"]["GET /api/v1/society"] == 5
    finally:
        limited.server.stop()


def test_refused_auth_does_not_consume_budget() -> None:
    limited = start(rate_limit=2, window=30.0)
    try:
        for _ in range(3):
            assert limited.call("GET", "society", headers={}).status_code == 401
        assert limited.call("GET", "society").headers["X-Rate-Limit-Remaining"] == "1"
    finally:
        limited.server.stop()


# --- key/info and reference data -------------------------------------------------------------------


def test_key_info_activates_and_lists_every_served_route(sim: Sim) -> None:
    assert sim.control("GET", "state")["key_info"]["isActivated"] is False
    info = sim.call("GET", "key/info", mode="extended").json()
    assert info["isActivated"] is True
    assert info["target"]["societyId"] == 2123
    assert sim.control("GET", "state")["key_info"]["isActivated"] is True
    served = {
        (method.lower(), route.path)  # type: ignore[attr-defined]
        for route in sim.app.routes
        if getattr(route, "path", "").startswith("/api/v1/")
        for method in route.methods  # type: ignore[attr-defined]
    }
    assert {(r["method"], r["path"]) for r in info["routes"]} == served
    assert sim.call("GET", "key/info").json() == info["routes"]


def test_reference_data_shapes(sim: Sim) -> None:
    society = sim.call("GET", "society").json()
    assert society["society_id"] == 2123
    exercices = sim.call("GET", "society/exercice").json()
    assert [e["closed"] for e in exercices] == [False, False, True, True, True, True]
    assert exercices[0]["start_date"] == "20231001" and exercices[1]["start_date"] == "20221001"
    params = sim.call("GET", "society/accountingParameters").json()
    diaries = sim.call("GET", "diary").json()
    assert params["max_car_general_account"] == 6
    assert {params["diary_sales_id"], params["diary_purchases_id"]} <= {d["diary_id"] for d in diaries}
    assert all(d["closed"] is False for d in diaries)
    bank = sim.call("GET", "diary", type="BQ").json()
    assert [(d["code"], d["account"]["id"], d["account"]["number"]) for d in bank] == [("15", 1180244, "512000")]
    assert [d["diary_id"] for d in sim.call("GET", "diary", code="02").json()] == [SALES_DIARY]
    assert {d["code"] for d in sim.call("GET", "diary", q="vente").json()} == {"02"}
    assert {p["code"] for p in sim.call("GET", "payment_type").json()} >= {"CB", "CHQ", "VIRT"}
    vat = {v["code"]: v for v in sim.call("GET", "vat_param").json()}
    assert vat["01"]["account_coll"]["account_id"] == VAT_445712
    assert vat["01"]["vat"]["rate"] == 20


# --- accounts --------------------------------------------------------------------------------------


def test_account_mode1_default_limit_is_five(sim: Sim) -> None:
    assert len(sim.call("GET", "account", mode=1).json()) == 5
    assert len(sim.call("GET", "account", mode=1, limit=500).json()) > 120
    vat = sim.call("GET", "account", mode=1, q="4457", limit=50).json()
    assert vat and all(a["account_number"].startswith("4457") for a in vat)
    assert set(vat[0]) == {"account_id", "account_number", "label"}
    by_label = sim.call("GET", "account", mode=1, q="dupont").json()
    assert [a["account_id"] for a in by_label] == [CUSTOMER_ID]


def test_account_mode2_begin_by_and_account_id(sim: Sim) -> None:
    page = sim.call("GET", "account", mode=2, begin_by="4457").json()
    array = page["account_array"]
    assert page["pages_number"] == 1 and page["rows_number"] == len(array) == 9
    assert [a["row_number"] for a in array] == list(range(1, 10))
    assert all(a["account_number"].startswith("4457") for a in array)
    assert {"solde", "sens", "blocked", "closed", "vat_param", "complementary_informations"} <= set(array[0])
    single = sim.call("GET", "account", mode=2, account_id=BANK_512000).json()
    assert set(single) == {"account_array"}
    assert single["account_array"][0]["account_number"] == "512000"


@pytest.mark.parametrize("mode", [None, "3", "x"])
def test_account_list_needs_mode(sim: Sim, mode: str | None) -> None:
    params: dict[str, Any] = {} if mode is None else {"mode": mode}
    response = sim.call("GET", "account", **params)
    assert response.status_code == 400
    assert error_code(response) == "GBL10"


def test_post_account_upserts_and_pads(sim: Sim) -> None:
    created = sim.call("POST", "account", body={"account_number": "411MARTIN", "label": "MARTIN"})
    assert created.status_code == 200
    assert created.json() == {
        "account_id": CUSTOMER_ID + 1,
        "account_number": "411MARTIN",
        "label": "MARTIN",
        "counterpart_account": None,
    }
    again = sim.call("POST", "account", body={"account_number": "411MARTIN", "label": "Autre libellé"}).json()
    assert again == created.json()
    padded = sim.call("POST", "account", body={"account_number": "62", "label": "Autres services"}).json()
    assert padded["account_number"] == "620000"
    existing = sim.call("POST", "account", body={"account_number": "7061", "label": "x"}).json()
    assert (existing["account_id"], existing["account_number"]) == (1706100, "706100")
    listed = sim.call("GET", "account", mode=2, begin_by="411MARTIN").json()["account_array"]
    assert [a["account_id"] for a in listed] == [CUSTOMER_ID + 1]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"account_number": "AB411", "label": "x"}, "COMPTE6"),
        ({"account_number": "0411", "label": "x"}, "COMPTE6"),
        ({"account_number": "411" + "X" * 18, "label": "x"}, "COMPTE7"),
        ({"account_number": "411NEW", "label": " "}, "COMPTE4"),
        ({"label": "x"}, "COMPTE3"),
    ],
)
def test_post_account_errors(sim: Sim, body: dict[str, str], code: str) -> None:
    response = sim.call("POST", "account", body=body)
    assert response.status_code == 400
    assert error_code(response) == code
    assert sim.control("GET", "calls")["writes"]["POST /api/v1/account"] == 1


# --- entries ---------------------------------------------------------------------------------------


def test_entry_success_shape_and_lookup_round_trip(sim: Sim) -> None:
    body = sale_entry()
    response = sim.call("POST", "entry", body=body, type="e")
    assert response.status_code == 200, response.text
    assert '"debit_total": 1200.10' in response.text  # exact decimal, never a float repr
    created = loads(response.content)
    assert created["type"] == "E"
    assert created["debit_total"] == created["credit_total"] == Decimal("1200.10")
    [entry] = created["entry_array"]
    assert entry["diary"] == {"id": SALES_DIARY, "code": "02", "label": "JOURNAL DE VENTES"}
    assert entry["etablissement_id"] == 2123 and entry["date_piece"] == "2023-11-15"
    assert entry["comment"] is False
    first, revenue, _vat = entry["entry_list"]
    assert (first["debit"], first["credit"]) == (Decimal("1200.10"), None)
    assert (revenue["debit"], revenue["credit"]) == (None, Decimal("1000.08"))
    assert first["account"] == {"account_id": CUSTOMER_ID, "account_number": "411DUPONT", "label": "DUPONT SARL"}
    assert first["payment_type"] == {"code": "VIRT", "name": "Virement", "payment_type_id": 11094}
    assert revenue["payment_type"] == {"code": None, "name": None, "payment_type_id": None}
    assert first["piece2"] == "F2023001" and first["pj_list"] == []
    line_ids = [line["line_entry_id"] for line in entry["entry_list"]]
    assert len(set(line_ids)) == 3

    lookup = sim.call("GET", "entry/id", id_origin="gisync-test-1")
    assert lookup.status_code == 200
    assert lookup.json() == {
        "id_entry": entry["entry_id"],
        "type": "ENTRIES",
        "json_metadata_partners": body["json"],
    }
    search = sim.call("POST", "entries", body={"filters": [{"name": "id_entry", "value": str(entry["entry_id"])}]},
                      type="e")  # fmt: skip
    exported = loads(search.content)
    assert exported["debit_total"] == Decimal("1200.10")
    [found] = exported["entry_array"]
    assert found["entry_date"] == date.today().isoformat()
    assert found["diary"]["diary_type_code"] == "VTE"
    assert [line["line_entry_id"] for line in found["entry_list"]] == line_ids
    assert found["entry_list"][0]["currency"] == "EUR"
    [stored] = sim.control("GET", "entries")
    assert stored["entry_origin_partner_id"] == "gisync-test-1" and stored["json"] == body["json"]


def test_entry_lookup_absent_is_404_envelope(sim: Sim) -> None:
    response = sim.call("GET", "entry/id", id_origin="never-posted")
    assert response.status_code == 404
    assert error_code(response) == "ECR39"


def test_entries_filters(sim: Sim) -> None:
    sales = sim.call("POST", "entry", body=sale_entry(), type="e").json()["entry_array"][0]["entry_id"]
    later = sale_entry() | {"date_piece": "2024-02-01", "entry_origin_partner_id": "gisync-test-2"}
    for line in later["entry_list"]:
        line["deadline"] = "2024-03-01"
    second = sim.call("POST", "entry", body=later, type="e").json()["entry_array"][0]["entry_id"]

    def ids(*filters: tuple[str, str]) -> list[int]:
        body = {"filters": [{"name": n, "value": v} for n, v in filters]}
        return [e["entry_id"] for e in sim.call("POST", "entries", body=body, type="e").json()["entry_array"]]

    assert ids() == [sales, second]
    assert ids(("diary", "02")) == [sales, second]
    assert ids(("diary", "01")) == []
    assert ids(("start_date", "2024-01-01")) == [second]
    assert ids(("end_date", "2023-12-31")) == [sales]


def test_duplicate_partner_id_accepted_by_default(sim: Sim) -> None:
    first = sim.call("POST", "entry", body=sale_entry(), type="e")
    second = sim.call("POST", "entry", body=sale_entry(), type="e")
    assert first.status_code == second.status_code == 200
    ids = [r.json()["entry_array"][0]["entry_id"] for r in (first, second)]
    assert ids[0] != ids[1]
    assert len(sim.control("GET", "entries")) == 2
    assert sim.call("GET", "entry/id", id_origin="gisync-test-1").json()["id_entry"] == ids[1]


def test_duplicate_partner_id_rejected_with_switch() -> None:
    strict = start(reject_duplicates=True)
    try:
        assert strict.call("POST", "entry", body=sale_entry(), type="e").status_code == 200
        refused = strict.call("POST", "entry", body=sale_entry(), type="e")
        assert refused.status_code == 400
        assert error_code(refused) == "ECR4"
        assert len(strict.control("GET", "entries")) == 1
    finally:
        strict.server.stop()


def test_amounts_compared_exactly_in_cents(sim: Sim) -> None:
    body = sale_entry()
    body["entry_list"] = [
        {**body["entry_list"][0], "debit": Decimal("0.30")},
        {**body["entry_list"][1], "credit": Decimal("0.10")},
        {**body["entry_list"][2], "credit": Decimal("0.20")},
    ]
    response = sim.call("POST", "entry", body=body, type="e")
    assert response.status_code == 200, response.text
    assert '"credit_total": 0.30' in response.text


def _set_date(body: dict[str, Any], day: str) -> None:
    body["date_piece"] = day
    for line in body["entry_list"]:
        line["deadline"] = day


def _patch_list(sim: Sim, key: str, match: Callable[[dict[str, Any]], bool], **changes: Any) -> None:
    rows = sim.control("GET", "state")[key]
    for row in rows:
        if match(row):
            row.update(changes)
    sim.control("PATCH", "state", {key: rows})


def _mutate(path: str, value: Any) -> Callable[[dict[str, Any], Sim], None]:
    """Set ``body[a][b]...`` (numeric parts index lists); ``DELETE`` removes the key."""

    def apply(body: dict[str, Any], _sim: Sim) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = body
        for part in parents:
            target = target[part]
        if value == "DELETE":
            del target[last]
        else:
            target[last] = value

    return apply


def _bank_diary(body: dict[str, Any], _sim: Sim) -> None:
    body["diary_id"] = BANK_DIARY


def _cash_diary(body: dict[str, Any], _sim: Sim) -> None:
    body["diary_id"] = CASH_DIARY


def _no_fiscal_year(body: dict[str, Any], _sim: Sim) -> None:
    _set_date(body, "2030-01-15")


def _closed_year(body: dict[str, Any], _sim: Sim) -> None:
    _set_date(body, "2022-01-15")


def _year_closed_by_patch(body: dict[str, Any], sim: Sim) -> None:
    _patch_list(sim, "exercices", lambda e: e["start_date"] == "20231001", closed=True, closed_at="20241001")


def _diary_closed_by_patch(body: dict[str, Any], sim: Sim) -> None:
    _patch_list(sim, "diaries", lambda d: d["diary_id"] == SALES_DIARY, closed=True)


def _diary_blocked_by_patch(body: dict[str, Any], sim: Sim) -> None:
    _patch_list(sim, "diaries", lambda d: d["diary_id"] == SALES_DIARY, blocked=True)


def _account_closed_by_patch(body: dict[str, Any], sim: Sim) -> None:
    _patch_list(sim, "accounts", lambda a: a["account_id"] == REVENUE_706000, closed=True)


def _zero_line(body: dict[str, Any], _sim: Sim) -> None:
    body["entry_list"].append({**body["entry_list"][1], "credit": 0})


def _raw_nan(body: dict[str, Any], _sim: Sim) -> None:
    body["entry_list"][1]["credit"] = "NaN-marker"


ENTRY_RULES: list[tuple[str, Callable[[dict[str, Any], Sim], None], str]] = [
    ("missing date_piece", _mutate("date_piece", "DELETE"), "GBL10"),
    ("missing diary_id", _mutate("diary_id", "DELETE"), "GBL10"),
    ("line without deadline", _mutate("entry_list.0.deadline", "DELETE"), "GBL10"),
    ("account_id as text", _mutate("entry_list.1.account_id", str(REVENUE_706000)), "GBL10"),
    ("bad attachment type (schema)", _mutate("pj_list", [{"content": "eA==", "name": "a.zip", "type": "x"}]), "GBL10"),
    ("empty entry_list", _mutate("entry_list", []), "ECR43"),
    ("debit and credit on a line", _mutate("entry_list.0.credit", Decimal("5")), "ECR27"),
    ("negative amount", _mutate("entry_list.1.credit", Decimal("-1000.08")), "ECR2"),
    ("amount as text", _mutate("entry_list.1.credit", "1000.08"), "ECR2"),
    ("NaN amount (not JSON)", _raw_nan, "GBL10"),
    ("both sides zero", _zero_line, "ECR21"),
    ("unbalanced by one cent", _mutate("entry_list.1.credit", Decimal("1000.07")), "ECR1"),
    ("empty label", _mutate("entry_list.1.label", "  "), "ECR42"),
    ("label of 51 chars", _mutate("entry_list.1.label", "L" * 51), "GBL5"),
    ("piece2 with a dash", _mutate("entry_list.0.piece2", "F-2023"), "GBL5"),
    ("piece of 26 chars", _mutate("entry_list.0.piece", "P" * 26), "GBL5"),
    ("impossible date", _mutate("date_piece", "2023-02-30"), "ECR6"),
    ("French date format", _mutate("date_piece", "15/11/2023"), "ECR6"),
    ("deadline before date_piece", _mutate("entry_list.2.deadline", "2023-11-14"), "ECR6"),
    ("date in no fiscal year", _no_fiscal_year, "ECR10"),
    ("closed fiscal year", _closed_year, "ECR9"),
    ("fiscal year closed by PATCH", _year_closed_by_patch, "ECR9"),
    ("unknown diary", _mutate("diary_id", 999), "JOURNAL3"),
    ("untyped diary", _mutate("diary_id", UNTYPED_DIARY), "JOURNAL9"),
    ("closed diary", _diary_closed_by_patch, "JOURNAL2"),
    ("blocked diary", _diary_blocked_by_patch, "JOURNAL2"),
    ("opening diary", _mutate("diary_id", AN_DIARY), "JOURNAL13"),
    ("bank diary without 51x", _bank_diary, "ECR36"),
    ("cash diary without 53x", _cash_diary, "ECR37"),
    ("unknown account", _mutate("entry_list.1.account_id", 123), "COMPTE5"),
    ("closed account 706900", _mutate("entry_list.1.account_id", CLOSED_706900), "COMPTE32"),
    ("account closed by PATCH", _account_closed_by_patch, "COMPTE32"),
    ("foreign payment type", _mutate("entry_list.0.payment_type_id", 42), "TYPEPAY1"),
    ("other establishment", _mutate("etablissement_id", 178), "ECR48"),
]


@pytest.mark.parametrize(("breakage", "code"), [(b, c) for _, b, c in ENTRY_RULES], ids=[n for n, _, _ in ENTRY_RULES])
def test_entry_rule(sim: Sim, breakage: Callable[[dict[str, Any], Sim], None], code: str) -> None:
    body = sale_entry()
    breakage(body, sim)
    raw = dumps(body).replace('"NaN-marker"', "NaN")
    response = sim.call("POST", "entry", body=raw, type="e")
    assert response.status_code == 400, response.text
    assert error_code(response) == code
    assert sim.control("GET", "entries") == []


def test_valid_entry_passes_every_rule(sim: Sim) -> None:
    """The fixture itself is valid (so each rule test fails only for its one breakage)."""
    assert sim.call("POST", "entry", body=sale_entry(), type="e").status_code == 200


def test_bank_and_cash_entries_with_their_accounts(sim: Sim) -> None:
    payment = sale_entry() | {"diary_id": BANK_DIARY, "entry_origin_partner_id": "gisync-pay-1"}
    payment["entry_list"] = [
        {**payment["entry_list"][0], "account_id": BANK_512000, "label": "Règlement DUPONT"},
        {**payment["entry_list"][1], "account_id": CUSTOMER_ID, "credit": Decimal("1200.10")},
    ]
    assert sim.call("POST", "entry", body=payment, type="e").status_code == 200
    cash_account = sim.call("GET", "account", mode=2, begin_by="530000").json()["account_array"][0]
    payment["diary_id"] = CASH_DIARY
    payment["entry_list"][0]["account_id"] = cash_account["account_id"]
    assert sim.call("POST", "entry", body=payment, type="e").status_code == 200


def test_entry_requires_type_e_and_json(sim: Sim) -> None:
    assert error_code(sim.call("POST", "entry", body=sale_entry())) == "GBL10"
    broken = sim.call("POST", "entry", body="{not json", type="e")
    assert broken.status_code == 400 and error_code(broken) == "GBL10"


# --- control routes, persistence, default state ----------------------------------------------------


def test_sim_calls_counts_by_route(sim: Sim) -> None:
    sim.call("POST", "entry", body=sale_entry(), type="e")
    sim.call("POST", "entry", body={}, type="e")
    sim.call("POST", "account", body={"account_number": "411X", "label": "X"})
    sim.call("GET", "society", headers={"Authorization": f"Bearer {TOKEN}"})
    sim.call("POST", "entries", body={"filters": []}, type="e")
    calls = sim.control("GET", "calls")
    assert calls["writes"] == {"POST /api/v1/entry": 2, "POST /api/v1/account": 1}
    assert calls["reads"] == {"GET /api/v1/society": 1, "POST /api/v1/entries": 1}
    assert calls["total"] == 5
    sim.control("POST", "reset")
    zero = {"writes": {}, "reads": {}, "total": 0, "max_in_flight": {}, "faults_fired": {}, "refused": {}}
    assert sim.control("GET", "calls") == zero | {
        "rate": {"window": 10.0, "max_calls_in_any_window": 0, "max_admitted_in_any_window": 0}
    }
    assert sim.control("GET", "entries") == []


def test_persist_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "myunisoft.json"
    first = start(persist_path=str(path))
    try:
        account = first.call("POST", "account", body={"account_number": "411NEW", "label": "NEW"}).json()
        entry_id = first.call("POST", "entry", body=sale_entry(), type="e").json()["entry_array"][0]["entry_id"]
    finally:
        first.server.stop()
    saved = read_file(path)
    assert [e["entry_id"] for e in saved["entries"]] == [entry_id]
    assert saved["entries"][0]["entry_list"][0]["debit"] == Decimal("1200.10")

    second = start(persist_path=str(path))
    try:
        assert second.call("GET", "entry/id", id_origin="gisync-test-1").json()["id_entry"] == entry_id
        again = second.call("POST", "account", body={"account_number": "411NEW", "label": "NEW"}).json()
        assert again["account_id"] == account["account_id"]
        next_entry = second.call("POST", "entry", body=sale_entry(), type="e").json()["entry_array"][0]
        assert next_entry["entry_id"] == entry_id + 1
        second.control("POST", "reset")
        assert read_file(path)["entries"] == []
    finally:
        second.server.stop()


def test_cli_persist_and_reset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[FastAPI, int]] = []
    monkeypatch.setattr(server_module, "serve_forever", lambda app, port, host="127.0.0.1": served.append((app, port)))
    path = tmp_path / "state.json"
    persisted = default_state()
    persisted["entries"] = [{"entry_id": 7, "entry_origin_partner_id": "kept"}]
    path.write_text(dumps(persisted), encoding="utf-8")

    main(["--port", "9999", "--persist", str(path), "--token", "t"])
    app, port = served[-1]
    assert port == 9999
    assert app.state.store.state["entries"] == persisted["entries"]

    main(["--port", "9999", "--persist", str(path), "--reset"])
    assert served[-1][0].state.store.state["entries"] == []
    assert read_file(path)["entries"] == []


def test_cli_state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[FastAPI] = []
    monkeypatch.setattr(server_module, "serve_forever", lambda app, port, host="127.0.0.1": served.append(app))
    state = default_state()
    state["society"]["name"] = "CABINET TEST"
    path = tmp_path / "initial.json"
    path.write_text(json.dumps(json.loads(dumps(state))), encoding="utf-8")
    main(["--state", str(path)])
    assert served[0].state.store.state["society"]["name"] == "CABINET TEST"


def test_default_state() -> None:
    state = default_state([CUSTOMER, {"account_number": "401ORANGE", "label": "ORANGE"}])
    by_number = {a["account_number"]: a for a in state["accounts"]}
    assert "706300" not in by_number
    assert by_number["512000"]["account_id"] == 1180244
    assert by_number["445712"]["account_id"] == 1034 and by_number["445660"]["account_id"] == 1029
    assert by_number["706900"]["closed"] is True
    assert sum(a["closed"] for a in state["accounts"]) == 1
    assert by_number["411DUPONT"]["account_id"] == CUSTOMER_ID
    assert by_number["401ORANGE"]["account_id"] == CUSTOMER_ID + 1
    assert state["next_ids"]["account"] == CUSTOMER_ID + 2
    assert 120 <= len(by_number) - 2 <= 200
    required = ["164000", "401000", "411000", "421000", "431000", "445200", "445620", "445700", "467000",
                "471000", "530000", "580000", "604000", "606100", "622600", "681100", "695000", "706000",
                "706100", "706200", "708500", "758000", "765000", "771000"]  # fmt: skip
    assert set(required) <= set(by_number)
    assert len({a["account_id"] for a in state["accounts"]}) == len(state["accounts"])
    assert state["key_info"]["isActivated"] is False and state["key_info"]["target"]["societyId"] == 2123
    assert state["society"]["society_id"] == 2123
    assert state["entries"] == []
    assert loads(dumps(state)) == state
    assert default_state()["next_ids"]["account"] == CUSTOMER_ID
