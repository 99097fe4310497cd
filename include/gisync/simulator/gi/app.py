"""The GI simulator: CONTRACT.md served over HTTP, so the REST source is tested against real HTTP.

No real GI publishes an API, so this app *is* the reference of the contract: the same filters,
order, cursor and total a GI connector must provide. It serves whatever dataset it holds (the demo
firm by default; tests replace it with ``PUT /_sim/dataset``) and returns records unchanged, amount
strings included. JSON goes out through :mod:`gisync.jsonutil` so a Decimal put in by a test never
turns into a float on the way.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from gisync import jsonutil

DEFAULT_TOKEN = "gisync-demo-gi-token"
API = "/api/v1"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


class GiJSONResponse(Response):
    """JSON through ``gisync.jsonutil``: Decimals stay exact, accents stay readable."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return jsonutil.dumps(content).encode("utf-8")


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message"}}``, the contract's error shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _error(status: int, code: str, message: str) -> GiJSONResponse:
    return GiJSONResponse({"error": {"code": code, "message": message}}, status_code=status)


# ---------------------------------------------------------------- OpenAPI models (documentation only)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Address(_Open):
    line1: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


class ThirdParty(_Open):
    id: str
    code: str
    name: str
    siren: str | None = None
    vat_number: str | None = None
    email: str | None = None
    address: Address | None = None
    account_number: str | None = None
    updated_at: str


class Line(_Open):
    label: str
    account_number: str | None = None
    amount_ht: str
    vat_rate: str
    vat_amount: str


class Invoice(_Open):
    id: str
    number: str
    type: str
    status: str
    date: str
    due_date: str | None = None
    client_id: str
    currency: str
    lines: list[Line]
    total_ht: str
    total_vat: str
    total_ttc: str
    total_ttc_eur: str | None = None
    credited_invoice_id: str | None = None
    pdf_url: str | None = None
    updated_at: str


class Purchase(_Open):
    id: str
    number: str
    type: str
    status: str
    date: str
    due_date: str | None = None
    supplier_id: str
    currency: str
    lines: list[Line]
    total_ht: str
    total_vat: str
    total_ttc: str
    total_ttc_eur: str | None = None
    pdf_url: str | None = None
    updated_at: str


class Allocation(_Open):
    invoice_id: str
    amount: str


class Payment(_Open):
    id: str
    date: str
    client_id: str
    amount: str
    currency: str
    amount_currency: str | None = None
    mode: str
    reference: str | None = None
    status: str
    allocations: list[Allocation]
    updated_at: str


class PaymentMode(_Open):
    code: str
    label: str


class Settings(_Open):
    client_collective_account: str
    supplier_collective_account: str
    default_revenue_account: str
    vat_collected_accounts: dict[str, str]
    vat_deductible_accounts: dict[str, str]
    bank_accounts: dict[str, str] = {}


class _Page(BaseModel):
    next_cursor: str | None
    total: int


class ThirdPartyPage(_Page):
    data: list[ThirdParty]


class InvoicePage(_Page):
    data: list[Invoice]


class PurchasePage(_Page):
    data: list[Purchase]


class PaymentPage(_Page):
    data: list[Payment]


class PaymentModePage(_Page):
    data: list[PaymentMode]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


# --------------------------------------------------------------------------------- list mechanics


def encode_cursor(offset: int) -> str:
    """Opaque to clients; the offset in the stable order, so a page is never skipped or repeated."""
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "invalid_cursor", "cursor is not one this server issued") from exc
    if prefix != "o" or offset < 0:
        raise ApiError(400, "invalid_cursor", "cursor is not one this server issued")
    return offset


def _day(value: Any) -> str:
    """The calendar date of a record field (a date-time keeps its own local date, never shifted)."""
    return str(value)[:10]


def _aware(value: str | datetime) -> datetime:
    """A naive ``updated_since`` or ``updated_at`` is read as UTC so comparisons never crash."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _page(records: list[dict[str, Any]], limit: int, cursor: str | None) -> dict[str, Any]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, "invalid_limit", f"limit must be between 1 and {MAX_LIMIT}")
    offset = decode_cursor(cursor) if cursor else 0
    chunk = records[offset : offset + limit]
    end = offset + len(chunk)
    return {"data": chunk, "next_cursor": encode_cursor(end) if end < len(records) else None, "total": len(records)}


def _document_key(record: dict[str, Any]) -> tuple[str, str]:
    return (_day(record.get("date")), str(record.get("id")))


class SimState:
    """The dataset and the call counters; replaced whole under a lock so a read never sees half."""

    def __init__(self, dataset: dict[str, Any]) -> None:
        self.lock = threading.Lock()
        self.dataset = dataset
        self.calls: Counter[str] = Counter()

    def records(self, key: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.dataset.get(key) or [])


LIST_PARAMS = {"limit", "cursor"}
FILTERS = {
    "clients": set(),
    "suppliers": set(),
    "payment-modes": set(),
    "invoices": {"date_from", "date_to", "updated_since", "client_id"},
    "purchases": {"date_from", "date_to", "updated_since", "supplier_id"},
    "payments": {"date_from", "invoice_date_from", "updated_since", "client_id"},
}


def _check_params(resource: str, request: Request) -> None:
    """Refuse unknown query parameters: a misspelt filter silently ignored would hide a client bug."""
    unknown = sorted(set(request.query_params) - LIST_PARAMS - FILTERS[resource])
    if unknown:
        raise ApiError(400, "invalid_parameter", f"unknown parameter(s) for {resource}: {', '.join(unknown)}")


def create_app(dataset: dict[str, Any], *, token: str = DEFAULT_TOKEN) -> FastAPI:
    """A GI serving ``dataset`` (keys: clients, suppliers, invoices, payments, purchases,
    payment_modes, settings) under ``/api/v1`` with bearer ``token``; control routes under ``/_sim``."""
    state = SimState(dataset)
    app = FastAPI(
        title="GI simulator (gisync GI contract v1)",
        version="1",
        description="Read-only GI API as defined by gisync's gi/CONTRACT.md.",
        default_response_class=GiJSONResponse,
    )
    app.state.sim = state

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> Response:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "query")
            parts.append(f"{where}: {err.get('msg')}")
        return _error(400, "invalid_parameter", "; ".join(parts) or "invalid request")

    @app.middleware("http")
    async def _count(request: Request, call_next: Callable[[Request], Any]) -> Any:
        if request.url.path.startswith(API):
            with state.lock:
                state.calls[f"{request.method} {request.url.path}"] += 1
        return await call_next(request)

    def authorize(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or value.strip() != token:
            raise ApiError(401, "unauthorized", "missing or invalid bearer token")

    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorResponse, "description": "invalid parameter or cursor"},
        401: {"model": ErrorResponse, "description": "missing or wrong bearer token"},
    }
    auth = [Depends(authorize)]
    limit_q = Query(DEFAULT_LIMIT, description=f"page size, 1..{MAX_LIMIT}")
    cursor_q = Query(None, description="opaque cursor from the previous page's next_cursor")

    def by_id(key: str, field: str = "id") -> list[dict[str, Any]]:
        return sorted(state.records(key), key=lambda r: str(r.get(field)))

    @app.get(f"{API}/clients", response_model=ThirdPartyPage, responses=errors, dependencies=auth)
    def clients(request: Request, limit: int = limit_q, cursor: str | None = cursor_q) -> Response:
        _check_params("clients", request)
        return GiJSONResponse(_page(by_id("clients"), limit, cursor))

    @app.get(f"{API}/suppliers", response_model=ThirdPartyPage, responses=errors, dependencies=auth)
    def suppliers(request: Request, limit: int = limit_q, cursor: str | None = cursor_q) -> Response:
        _check_params("suppliers", request)
        return GiJSONResponse(_page(by_id("suppliers"), limit, cursor))

    @app.get(f"{API}/payment-modes", response_model=PaymentModePage, responses=errors, dependencies=auth)
    def payment_modes(request: Request, limit: int = limit_q, cursor: str | None = cursor_q) -> Response:
        _check_params("payment-modes", request)
        return GiJSONResponse(_page(by_id("payment_modes", "code"), limit, cursor))

    def documents(
        key: str,
        party_field: str,
        party: str | None,
        date_from: date | None,
        date_to: date | None,
        updated_since: datetime | None,
    ) -> list[dict[str, Any]]:
        selected = []
        since = _aware(updated_since) if updated_since else None
        for record in state.records(key):
            day = _day(record.get("date"))
            if date_from and day < date_from.isoformat():
                continue
            if date_to and day > date_to.isoformat():
                continue
            if party is not None and str(record.get(party_field)) != party:
                continue
            stamp = record.get("updated_at")
            if since and (not stamp or _aware(str(stamp)) < since):
                continue
            selected.append(record)
        return sorted(selected, key=_document_key)

    date_from_q = Query(None, description="document date on or after (YYYY-MM-DD)")
    date_to_q = Query(None, description="document date on or before (YYYY-MM-DD)")
    since_q = Query(None, description="updated_at on or after (ISO 8601, with offset)")

    @app.get(f"{API}/invoices", response_model=InvoicePage, responses=errors, dependencies=auth)
    def invoices(
        request: Request,
        limit: int = limit_q,
        cursor: str | None = cursor_q,
        date_from: date | None = date_from_q,
        date_to: date | None = date_to_q,
        updated_since: datetime | None = since_q,
        client_id: str | None = None,
    ) -> Response:
        _check_params("invoices", request)
        selected = documents("invoices", "client_id", client_id, date_from, date_to, updated_since)
        return GiJSONResponse(_page(selected, limit, cursor))

    @app.get(f"{API}/purchases", response_model=PurchasePage, responses=errors, dependencies=auth)
    def purchases(
        request: Request,
        limit: int = limit_q,
        cursor: str | None = cursor_q,
        date_from: date | None = date_from_q,
        date_to: date | None = date_to_q,
        updated_since: datetime | None = since_q,
        supplier_id: str | None = None,
    ) -> Response:
        _check_params("purchases", request)
        selected = documents("purchases", "supplier_id", supplier_id, date_from, date_to, updated_since)
        return GiJSONResponse(_page(selected, limit, cursor))

    pay_date_q = Query(None, description="payment date on or after (YYYY-MM-DD)")
    invoice_date_q = Query(None, description="payments with at least one allocation to an invoice dated on or after it")

    @app.get(f"{API}/payments", response_model=PaymentPage, responses=errors, dependencies=auth)
    def payments(
        request: Request,
        limit: int = limit_q,
        cursor: str | None = cursor_q,
        date_from: date | None = pay_date_q,
        invoice_date_from: date | None = invoice_date_q,
        updated_since: datetime | None = since_q,
        client_id: str | None = None,
    ) -> Response:
        _check_params("payments", request)
        selected = documents("payments", "client_id", client_id, date_from, None, updated_since)
        if invoice_date_from:
            floor = invoice_date_from.isoformat()
            invoice_days = {str(inv.get("id")): _day(inv.get("date")) for inv in state.records("invoices")}
            selected = [
                p
                for p in selected
                if any(invoice_days.get(str(a.get("invoice_id")), "") >= floor for a in p.get("allocations") or [])
            ]
        return GiJSONResponse(_page(selected, limit, cursor))

    @app.get(f"{API}/settings/accounting", response_model=Settings, responses=errors, dependencies=auth)
    def settings() -> Response:
        with state.lock:
            return GiJSONResponse(dict(state.dataset.get("settings") or {}))

    # ------------------------------------------------------------------ control routes (no auth)

    @app.get("/_sim/dataset", include_in_schema=False)
    def get_dataset() -> Response:
        with state.lock:
            return GiJSONResponse(state.dataset)

    @app.put("/_sim/dataset", include_in_schema=False)
    async def put_dataset(request: Request) -> Response:
        try:
            body = jsonutil.loads(await request.body())
        except ValueError as exc:
            raise ApiError(400, "invalid_json", f"dataset is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_dataset", "dataset must be a JSON object")
        with state.lock:
            state.dataset = body
        return GiJSONResponse({k: len(v) for k, v in body.items() if isinstance(v, list)})

    @app.get("/_sim/calls", include_in_schema=False)
    def get_calls() -> Response:
        with state.lock:
            return GiJSONResponse(dict(state.calls))

    @app.delete("/_sim/calls", include_in_schema=False)
    def reset_calls() -> Response:
        with state.lock:
            state.calls.clear()
        return GiJSONResponse({})

    return app
