"""The ``/api/v1`` routes (API.md §2.2, §5–§8). Auth and rate limiting happen in the app's middleware.

``GET key/info`` reports ``target.type`` "firm" (``societyId`` null) for a firm token, and ``GET
society`` with a firm token and no ``society-id`` is the firm-level folder list ``[society]`` [I].

Endpoints are sync functions (uvicorn runs them in a threadpool) and touch the state only under
``store.lock``; a write is persisted before the lock is released so a crash never loses an entry
the client was told exists.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from gisync.jsonutil import loads
from gisync.simulator.myunisoft import views
from gisync.simulator.myunisoft.default_state import account_record
from gisync.simulator.myunisoft.errors import ApiError, bad_request, json_response
from gisync.simulator.myunisoft.rules import check_account_label, check_entry, normalize_account_number
from gisync.simulator.myunisoft.state import Store

DEFAULT_MODE1_LIMIT = 5  # the documented trap: without ``limit`` mode 1 returns 5 accounts
ACCOUNT_FLAGS = {  # POST account body field -> stored (read-back) field
    "intraco_account": "intraco",
    "btp_autoliquidation": "btp_autoliquidation",
    "exoneration": "exoneration",
    "das_2": "das_2",
    "provider": "presta",
}


async def json_body(request: Request) -> Any:
    """The raw body parsed with Decimals (never floats); an empty body is ``None``."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return loads(raw)
    except ValueError as exc:
        raise bad_request("GBL10", f"Corps JSON invalide : {exc}") from exc


Body = Annotated[Any, Depends(json_body)]


def _int_param(name: str, value: str | None, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise bad_request("GBL10", f"Paramètre {name} invalide.") from exc


def _access(request: Request) -> str:
    """ "api" (society token) or "firm", as the app's gate resolved it (see :mod:`.auth`)."""
    grant = getattr(request.state, "grant", None)
    return str(getattr(grant, "access", "api"))


def build_router(store: Store, *, reject_duplicates: bool = False) -> APIRouter:
    router = APIRouter()

    @router.get("/key/info")
    def key_info(request: Request, mode: str | None = None) -> Response:
        with store.lock:
            info = store.state["key_info"]
            if not info.get("isActivated"):
                info["isActivated"] = True  # first use activates a new key (API.md §2.2)
                store.save()
            if _access(request) == "firm":  # one key_info for both tokens; the firm one targets no folder
                info = copy.deepcopy(info)
                info["target"] = {**info.get("target", {}), "type": "firm", "societyId": None}
            return json_response(info if mode == "extended" else info["routes"])

    @router.get("/society")
    def society(request: Request) -> Response:
        with store.lock:
            if _access(request) == "firm" and request.state.grant.folder is None:
                return json_response([store.state["society"]])  # firm-level route: the firm's folders
            return json_response(store.state["society"])

    @router.get("/society/exercice")
    def exercices() -> Response:
        with store.lock:
            return json_response(store.state["exercices"])

    @router.get("/society/accountingParameters")
    def accounting_parameters() -> Response:
        with store.lock:
            return json_response(store.state["accounting_parameters"])

    @router.get("/diary")
    def diaries(
        q: str | None = None,
        type_: Annotated[str | None, Query(alias="type")] = None,
        code: str | None = None,
    ) -> Response:
        with store.lock:
            rows = store.state["diaries"]
            if q:
                needle = q.lower()
                rows = [d for d in rows if needle in d["name"].lower() or needle in d["code"].lower()]
            if type_:
                rows = [d for d in rows if d.get("diary_type_code") == type_]
            if code:
                rows = [d for d in rows if d["code"] == code]
            return json_response(rows)

    @router.get("/payment_type")
    def payment_types() -> Response:
        with store.lock:
            return json_response(store.state["payment_types"])

    @router.get("/vat_param")
    def vat_params() -> Response:
        with store.lock:
            return json_response(store.state["vat_params"])

    @router.get("/account")
    def accounts(
        mode: str | None = None,
        q: str | None = None,
        limit: str | None = None,
        begin_by: str | None = None,
        account_id: str | None = None,
    ) -> Response:
        with store.lock:
            rows = sorted(store.state["accounts"], key=lambda a: a["account_number"])
            if mode == "1":
                if q:
                    needle = q.lower()
                    rows = [a for a in rows if needle in a["label"].lower() or a["account_number"].startswith(q)]
                count = _int_param("limit", limit, DEFAULT_MODE1_LIMIT)
                return json_response([views.simple_account(a) for a in rows[: max(count or 0, 0)]])
            if mode == "2":
                wanted = _int_param("account_id", account_id)
                if wanted is not None:
                    found = store.account_by_id(wanted)
                    return json_response({"account_array": [found] if found else []})
                if begin_by:
                    rows = [a for a in rows if a["account_number"].startswith(begin_by)]
                array = [{"row_number": i, **a} for i, a in enumerate(rows, 1)]
                return json_response({"rows_number": len(array), "pages_number": 1, "account_array": array})
            raise bad_request("GBL10", "Paramètre mode manquant ou invalide (1 ou 2).")

    @router.post("/account")
    def upsert_account(body: Body) -> Response:
        if not isinstance(body, dict):
            raise bad_request("GBL10", "Le corps de la requête doit être un objet JSON.")
        with store.lock:
            max_general = int(store.state["accounting_parameters"].get("max_car_general_account", 6))
            number = normalize_account_number(body.get("account_number"), max_general)
            label = check_account_label(body.get("label"))
            account = store.account_by_number(number)
            if account is None:  # an existing account comes back unchanged (label kept)
                account = account_record(store.next_id("account"), number, label)
                account["society_id"] = store.state["society"]["society_id"]
                for field, stored in ACCOUNT_FLAGS.items():
                    if isinstance(body.get(field), bool):
                        account[stored] = body[field]
                if isinstance(body.get("complementary_info"), dict):
                    account["complementary_informations"] = copy.deepcopy(body["complementary_info"])
                store.state["accounts"].append(account)
                store.save()
            return json_response(
                {
                    "account_id": account["account_id"],
                    "account_number": account["account_number"],
                    "label": account["label"],
                    "counterpart_account": account.get("counterpart_account"),
                }
            )

    @router.post("/entry")
    def create_entry(body: Body, type_: Annotated[str | None, Query(alias="type")] = None) -> Response:
        if type_ != "e":
            raise bad_request("GBL10", "Paramètre type invalide (attendu : e).")
        with store.lock:
            check_entry(store, body, reject_duplicates=reject_duplicates)
            entry = copy.deepcopy(body)
            entry["entry_id"] = store.next_id("entry")
            entry["type"] = "ENTRIES"
            entry["created_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            entry["entry_date"] = date.today().isoformat()
            for line in entry["entry_list"]:
                line["line_entry_id"] = store.next_id("line_entry")
            store.state["entries"].append(entry)
            store.save()
            return json_response(views.created_entry(store, entry))

    @router.get("/entry/id")
    def entry_by_origin(id_origin: str | None = None) -> Response:
        if not id_origin:
            raise bad_request("GBL10", "Paramètre id_origin manquant.")
        with store.lock:
            matches = [e for e in store.state["entries"] if e.get("entry_origin_partner_id") == id_origin]
            if not matches:  # undocumented on the real server; a 404 envelope is the simulator's choice
                raise ApiError(404, "ECR39", f"Aucune écriture pour id_origin {id_origin}.")
            entry = max(matches, key=lambda e: e["entry_id"])
            result: dict[str, Any] = {"id_entry": entry["entry_id"], "type": entry.get("type", "ENTRIES")}
            if entry.get("json") is not None:
                result["json_metadata_partners"] = entry["json"]
            return json_response(result)

    @router.post("/entries")
    def search_entries(body: Body, type_: Annotated[str | None, Query(alias="type")] = None) -> Response:
        if not type_:
            raise bad_request("GBL10", "Paramètre type manquant.")
        filters = _filters(body)
        with store.lock:
            rows = store.state["entries"] if type_.lower() == "e" else []
            rows = [e for e in rows if _matches(store, e, filters)]
            sort = body.get("sort") if isinstance(body, dict) else None
            descending = isinstance(sort, dict) and str(sort.get("ecr", "")).lower() == "desc"
            rows = sorted(rows, key=lambda e: e["entry_id"], reverse=descending)
            return json_response(views.exported_entries(store, rows, type_))

    return router


def _filters(body: Any) -> dict[str, str]:
    if body is None:
        return {}
    if not isinstance(body, dict) or not isinstance(body.get("filters", []), list):
        raise bad_request("GBL10", "Paramètre filters invalide.")
    result = {}
    for item in body.get("filters", []):
        if not isinstance(item, dict) or "name" not in item:
            raise bad_request("GBL10", "Filtre invalide.")
        result[str(item["name"])] = str(item.get("value", ""))
    return result


def _matches(store: Store, entry: dict[str, Any], filters: dict[str, str]) -> bool:
    if "id_entry" in filters and str(entry["entry_id"]) != filters["id_entry"]:
        return False
    if "diary" in filters:
        diary = store.diary_by_id(int(entry["diary_id"]))
        if diary is None or diary["code"] != filters["diary"]:
            return False
    if filters.get("start_date") and entry["date_piece"] < filters["start_date"]:
        return False
    return not (filters.get("end_date") and entry["date_piece"] > filters["end_date"])
