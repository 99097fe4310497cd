"""The MyUnisoft simulator app: auth, limits, switches and faults around the ``/api/v1`` routes.

Order per ``/api/v1`` call (API.md §13.1–2), the first refusal wins:

1. count the call (``/_sim/calls``, sliding-window rate of its bearer token)
2. maintenance switch on → 503 ERR-API-UNDER-MAINTENANCE
3. auth and access (:mod:`.auth`): secret, bearer, token (revoked / malformed / unknown), route granted
   in ``key_info.routes``, folder (``society-id`` for a firm token)
4. per-token fixed-window budget → 429 ERR-TOO-MANY-REQUEST (only calls that passed 1–3 consume it)
5. per-token, per-route concurrency cap (``max_concurrent``) → 429 ERR-TOO-MANY-CONCURRENT-REQUESTS
6. the next pending fault matching the route (:mod:`.faults`), else the route itself

Every response carries ``request-id``; every ``/api/v1`` response, refusals and 429 included, also
``X-Rate-Limit-*`` (except the proxy-like ``429_html`` and ``non_json`` faults, which carry neither).
The gate is an async middleware on the event loop: the concurrency counter sees every call the
moment it arrives, while the sync endpoints run in uvicorn's threadpool.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from gisync.simulator.myunisoft.api_routes import build_router
from gisync.simulator.myunisoft.auth import Access, Grant, bearer
from gisync.simulator.myunisoft.control import Runtime, build_control_router
from gisync.simulator.myunisoft.errors import ApiError, error_response, json_response
from gisync.simulator.myunisoft.faults import (
    ERROR_KINDS,
    DropConnection,
    Fault,
    FaultQueue,
    parse_faults,
    route_key,
    silence_drop_tracebacks,
)
from gisync.simulator.myunisoft.ratelimit import Budget, CallCounter, InFlight, RateLimiter, RateObserver, Tally
from gisync.simulator.myunisoft.state import Store

API_PREFIX = "/api/v1"
DEFAULT_SECRET = "gisync-demo-secret"
DEFAULT_TOKEN = "gisync-demo-token"
DEFAULT_FIRM_TOKEN = "gisync-demo-firm-token"  # the CLI's --firm-token example; create_app defaults to None
DEFAULT_MAX_CONCURRENT = 10
MAINTENANCE_MESSAGE = "L'API est en maintenance, merci de réessayer plus tard."
PROXY_BODIES = {"429_html": "<html>Too Many Requests</html>", "non_json": "Bad Gateway: upstream connection error"}


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def bare_error(status: int, code: str, message: str) -> Response:
    """The envelope with ``"details": ""`` (a variant §4.1 and case B19 show for maintenance)."""
    return json_response({"error": {"code": code, "message": message, "details": ""}}, status)


class Faulted:
    """What a fault made of a call: the response and whether the gate adds its usual headers."""

    def __init__(self, response: Response, *, proxy: bool = False, headers: dict[str, str] | None = None) -> None:
        self.response = response
        self.proxy = proxy  # no request-id, no X-Rate-Limit-*: the answer of something in front of the API
        self.headers = headers  # replaces the budget headers


async def _apply_fault(
    fault: Fault, request: Request, call_next: Callable[[Request], Awaitable[Response]], limit: int
) -> Faulted:
    kind = fault.kind
    if kind in ERROR_KINDS:
        status, code, message = ERROR_KINDS[kind]
        if kind == "503":
            return Faulted(bare_error(status, fault.code or code, message))
        response = error_response(request, status, fault.code or code, message)
        if kind == "429":
            reset = time.time() + fault.reset_after
            headers = Budget(False, limit, 0, reset).headers()
            return Faulted(response, headers=headers)
        return Faulted(response)
    if kind in ("429_html", "non_json"):
        status, media = (429, "text/html") if kind == "429_html" else (fault.status, "text/plain")
        return Faulted(Response(PROXY_BODIES[kind], status_code=status, media_type=media), proxy=True)
    if kind == "latency":
        await asyncio.sleep(fault.delay)
        return Faulted(await call_next(request))
    if kind == "commit_then_drop":
        response = await call_next(request)
        await _drain(response)  # the endpoint has run: the write is stored before the drop
        return Faulted(DropConnection())
    # timeout: keep the body, so the write still happens if the client gives up during the sleep
    await request.body()
    if fault.commit == "before":
        response = await call_next(request)
        body = await _drain(response)
        await asyncio.sleep(fault.delay)
        return Faulted(Response(body, status_code=response.status_code, headers=dict(response.headers)))
    await asyncio.sleep(fault.delay)
    return Faulted(await call_next(request))


async def _drain(response: Response) -> bytes:
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    return b"".join(c if isinstance(c, bytes) else str(c).encode() for c in chunks)


def create_app(
    state: dict[str, Any],
    *,
    secret: str = DEFAULT_SECRET,
    token: str = DEFAULT_TOKEN,
    rate_limit: int = 20,
    window: float = 10.0,
    persist_path: str | None = None,
    reject_duplicates: bool = False,
    firm_token: str | None = None,
    revoked_tokens: list[str] | None = None,
    max_concurrent: int = DEFAULT_MAX_CONCURRENT,
    maintenance: bool = False,
    faults: list[dict[str, Any]] | None = None,
) -> FastAPI:
    """A simulator over ``state`` (deep-copied; ``POST /_sim/reset`` returns to it).

    With ``persist_path`` naming an existing file, the current state is loaded from that file; every
    successful write saves it there. ``reject_duplicates`` refuses a reused
    ``entry_origin_partner_id`` with ECR4 (default: accepted, the real server's worst case).

    ``firm_token`` adds a firm ("cabinet") token that needs ``society-id``; ``revoked_tokens`` start
    revoked; ``max_concurrent`` caps in-flight calls per route and token; ``maintenance`` answers
    every ``/api/v1`` call 503; ``faults`` are armed at start (see :mod:`.faults`). ``POST
    /_sim/reset`` restores these switches to the values given here.
    """
    store = Store(state, persist_path)
    limiter = RateLimiter(rate_limit, window)
    calls = CallCounter()
    access = Access(secret, token, firm_token, revoked_tokens)
    runtime = Runtime(
        maintenance=maintenance,
        faults=FaultQueue(parse_faults(faults) if faults else []),
        in_flight=InFlight(max_concurrent),
        rate=RateObserver(window),
        refused=Tally(),
    )
    silence_drop_tracebacks()
    app = FastAPI(title="MyUnisoft simulator (gisync)", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.runtime = runtime

    def refuse(request: Request, status: int, code: str, message: str) -> Response:
        runtime.refused.add(code)
        return error_response(request, status, code, message)

    @app.middleware("http")
    async def gate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = f"req-{secrets.token_hex(8)}"
        path = request.url.path
        if not _is_api(path):
            response = await call_next(request)
            response.headers["request-id"] = request.state.request_id
            return response
        route = route_key(request.method, path)
        key = bearer(request)
        calls.count(request.method, path)
        if key:
            runtime.rate.observe(key)
        budget = limiter.peek(key)
        extra: dict[str, str] | None = None
        proxy = False
        checked = None if runtime.is_maintenance() else access.check(request, store)
        if checked is None:
            runtime.refused.add("ERR-API-UNDER-MAINTENANCE")
            response = bare_error(503, "ERR-API-UNDER-MAINTENANCE", MAINTENANCE_MESSAGE)
        elif not isinstance(checked, Grant):
            response = refuse(request, checked.status, checked.code, checked.message)
        else:
            request.state.grant = checked
            budget = limiter.hit(key)
            if not budget.allowed:
                message = f"Trop de requêtes : {rate_limit} par fenêtre de {window:g} s."
                response = refuse(request, 429, "ERR-TOO-MANY-REQUEST", message)
            elif not runtime.in_flight.enter(key, route):
                message = f"Plus de {runtime.in_flight.limit} requêtes simultanées sur {route}."
                response = refuse(request, 429, "ERR-TOO-MANY-CONCURRENT-REQUESTS", message)
            else:
                runtime.rate.observe(key, "admitted")
                try:
                    fault = runtime.faults.take(route)
                    if fault is None:
                        response = await call_next(request)
                    else:
                        faulted = await _apply_fault(fault, request, call_next, rate_limit)
                        response, proxy, extra = faulted.response, faulted.proxy, faulted.headers
                finally:
                    runtime.in_flight.leave(key, route)
        if not proxy:
            response.headers["request-id"] = request.state.request_id
            response.headers.update(extra if extra is not None else budget.headers())
        return response

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc.status, exc.code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = "ERR-ROUTE-NOT-FOUND" if exc.status_code == 404 else "ERR-HTTP"
        return error_response(request, exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, "GBL10", f"Paramètre invalide : {exc.errors()[:1]}")

    @app.get("/api/partners/health")
    def health() -> Response:
        return json_response({"status": "ok"})

    app.include_router(build_router(store, reject_duplicates=reject_duplicates), prefix=API_PREFIX)
    app.include_router(build_control_router(store, limiter, calls, access=access, runtime=runtime))
    return app


__all__ = ["DEFAULT_FIRM_TOKEN", "DEFAULT_SECRET", "DEFAULT_TOKEN", "create_app"]
